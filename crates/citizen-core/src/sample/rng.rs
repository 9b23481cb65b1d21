//! A small seeded PRNG (splitmix64) for the sample generator: deterministic,
//! dependency-free, and cheap to re-seed per row so any row can be regenerated
//! on its own (duplicate keys copy an earlier row's values that way).

/// splitmix64: one `u64` of state, good statistical quality for test data.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl Rng {
    /// A generator from a seed.
    pub(crate) fn new(seed: u64) -> Rng {
        let mut rng = Rng(seed);
        rng.next_u64();
        rng
    }

    /// The generator of one row of one stream: a pure function of its inputs.
    pub(crate) fn for_row(seed: u64, stream: u64, row: u64) -> Rng {
        let mut mixer = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let base = mixer.next_u64();
        Rng::new(base ^ row.wrapping_add(1).wrapping_mul(GOLDEN))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0), without modulo bias worth noting.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub(crate) fn range_i64(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (i128::from(hi) - i128::from(lo) + 1).min(i128::from(u64::MAX)) as u64;
        (i128::from(lo) + i128::from(self.below(span))) as i64
    }

    /// A float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One item of a non-empty slice (the first when empty would be asked for).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A decimal digit as a char.
    pub(crate) fn digit(&mut self) -> char {
        char::from(b'0' + self.below(10) as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn rows_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::for_row(7, 1, 42).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::for_row(7, 1, 42).next_u64(), Rng::for_row(7, 1, 43).next_u64());
        assert_ne!(Rng::for_row(7, 1, 42).next_u64(), Rng::for_row(7, 2, 42).next_u64());
        assert_ne!(Rng::for_row(7, 1, 42).next_u64(), Rng::for_row(8, 1, 42).next_u64());
    }

    #[test]
    fn ranges_hold() {
        let mut rng = Rng::new(1);
        for _ in 0..10_000 {
            let v = rng.range_i64(-3, 5);
            assert!((-3..=5).contains(&v));
            assert!(rng.below(7) < 7);
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(rng.range_i64(4, 4), 4);
        assert_eq!(rng.below(0), 0);
    }
}
