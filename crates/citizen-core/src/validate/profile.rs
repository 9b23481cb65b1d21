//! The profile of a file (`crate::report::profile`), computed as validation
//! reads it: no second read. Each validating thread tallies its batch
//! (`BatchTally`, from the values it has just parsed); the tallies are merged
//! in file order (`ProfileMerger`). Memory stays bounded: a column's values
//! are counted exactly up to `DISTINCT_CAP` distinct ones, then only a
//! HyperLogLog sketch (4 KiB per column) estimates how many there are.
//!
//! Values are told apart by a 64-bit hash of their typed value (numbers,
//! dates) or text: two different values of one column would have to share a
//! hash to be counted as one (for a million distinct values, a chance of
//! about 1 in 36 million).

use super::types::{Parsed, Typed};
use crate::contract::{ColumnType, Contract};
use crate::readers::format_number;
use crate::report::profile::{
    ColumnProfile, Profile, ValueCount, ValueRange, CODED_MAX_DISTINCT, CODED_VALUES_KEPT, DISTINCT_CAP, TOP_VALUES,
};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Registers of the HyperLogLog sketch: 2^12 (standard error 1.04/√4096 ≈ 1.6%).
const SKETCH_BITS: u32 = 12;
const SKETCH_REGISTERS: usize = 1 << SKETCH_BITS;

/// What the validating threads share: which columns already have more
/// distinct values than are counted exactly (their threads then only sketch).
#[derive(Debug)]
pub struct Profiler {
    overflowed: Vec<AtomicBool>,
}

impl Profiler {
    pub fn new(contract: &Contract) -> Profiler {
        Profiler { overflowed: contract.columns.iter().map(|_| AtomicBool::new(false)).collect() }
    }

    /// An empty tally for one batch.
    pub fn tally(&self) -> BatchTally {
        BatchTally {
            columns: self.overflowed.iter().map(|flag| ColumnTally::new(!flag.load(Ordering::Relaxed))).collect(),
        }
    }
}

/// Hashes are already uniform: the maps use them as they are.
#[derive(Debug, Clone, Copy, Default)]
struct Prehashed;

#[derive(Debug, Default)]
struct PrehashedState(u64);

impl std::hash::BuildHasher for Prehashed {
    type Hasher = PrehashedState;
    fn build_hasher(&self) -> PrehashedState {
        PrehashedState(0)
    }
}

impl std::hash::Hasher for PrehashedState {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Value hash -> (count, the value as written in the profile).
type Counts = HashMap<u64, (u64, String), Prehashed>;

/// One column of one batch.
#[derive(Debug)]
struct ColumnTally {
    filled: u64,
    empty: u64,
    invalid: u64,
    min: Typed,
    max: Typed,
    /// `None` once the column has too many distinct values to count exactly.
    counts: Option<Counts>,
    /// The sketch's registers, allocated at the first value.
    sketch: Vec<u8>,
}

impl ColumnTally {
    fn new(exact: bool) -> ColumnTally {
        ColumnTally {
            filled: 0,
            empty: 0,
            invalid: 0,
            min: Typed::None,
            max: Typed::None,
            counts: exact.then(Counts::default),
            sketch: Vec::new(),
        }
    }
}

/// The profile figures of one batch, tallied on its validating thread.
#[derive(Debug, Default)]
pub struct BatchTally {
    columns: Vec<ColumnTally>,
}

impl BatchTally {
    /// An empty cell of `column`.
    pub fn empty(&mut self, column: usize) {
        if let Some(c) = self.columns.get_mut(column) {
            c.empty += 1;
        }
    }

    /// A filled cell of `column` that is not of its type.
    pub fn invalid(&mut self, column: usize) {
        if let Some(c) = self.columns.get_mut(column) {
            c.filled += 1;
            c.invalid += 1;
        }
    }

    /// A filled cell of `column` that parsed.
    pub fn value(&mut self, column: usize, parsed: &Parsed<'_>) {
        let Some(c) = self.columns.get_mut(column) else { return };
        c.filled += 1;
        let hash = match parsed.typed {
            Typed::None => hash_bytes(parsed.text.as_bytes()),
            typed => {
                if c.min == Typed::None || less(typed, c.min) {
                    c.min = typed;
                }
                if c.max == Typed::None || less(c.max, typed) {
                    c.max = typed;
                }
                hash_typed(typed)
            }
        };
        if c.sketch.is_empty() {
            c.sketch = vec![0; SKETCH_REGISTERS];
        }
        sketch_add(&mut c.sketch, hash);
        let overflowed = match &mut c.counts {
            Some(counts) => {
                let seen = counts.len();
                match counts.entry(hash) {
                    Entry::Occupied(mut entry) => {
                        entry.get_mut().0 += 1;
                        false
                    }
                    Entry::Vacant(entry) if seen < DISTINCT_CAP => {
                        entry.insert((1, value_text(parsed)));
                        false
                    }
                    Entry::Vacant(_) => true,
                }
            }
            None => false,
        };
        if overflowed {
            c.counts = None;
        }
    }
}

/// Orders two typed values of one column.
fn less(a: Typed, b: Typed) -> bool {
    match (a, b) {
        (Typed::Number(a), Typed::Number(b)) => a < b,
        (Typed::Date(a), Typed::Date(b)) => a < b,
        (Typed::DateTime(a), Typed::DateTime(b)) => a < b,
        _ => false,
    }
}

/// A value as the profile writes it.
fn value_text(parsed: &Parsed<'_>) -> String {
    match parsed.typed {
        Typed::None => parsed.text.as_ref().to_owned(),
        typed => typed_text(typed),
    }
}

fn typed_text(typed: Typed) -> String {
    match typed {
        Typed::None => String::new(),
        Typed::Number(n) => format_number(n),
        Typed::Date(d) => d.format("%Y-%m-%d").to_string(),
        Typed::DateTime(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

/// A well-mixed 64-bit hash of bytes (eight at a time, then the SplitMix64
/// finaliser, so every bit is usable by the sketch).
fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    mix(h)
}

fn hash_typed(typed: Typed) -> u64 {
    match typed {
        Typed::None => 0,
        // +0.0 makes -0 and 0 one value.
        Typed::Number(n) => mix((n + 0.0).to_bits() ^ 0x1),
        Typed::Date(d) => mix(chrono::Datelike::num_days_from_ce(&d) as u64 ^ 0x2),
        Typed::DateTime(d) => mix(d.and_utc().timestamp_micros() as u64 ^ 0x3),
    }
}

/// SplitMix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn sketch_add(sketch: &mut [u8], hash: u64) {
    let index = (hash >> (64 - SKETCH_BITS)) as usize;
    let rank = ((hash << SKETCH_BITS) | (1 << (SKETCH_BITS - 1))).leading_zeros() as u8 + 1;
    if let Some(register) = sketch.get_mut(index) {
        *register = (*register).max(rank);
    }
}

/// The HyperLogLog estimate of a sketch (with the small-range correction).
fn sketch_estimate(sketch: &[u8]) -> f64 {
    if sketch.is_empty() {
        return 0.0;
    }
    let m = sketch.len() as f64;
    let alpha = 0.7213 / (1.0 + 1.079 / m);
    let sum: f64 = sketch.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
    let estimate = alpha * m * m / sum;
    let zeros = sketch.iter().filter(|&&r| r == 0).count();
    if estimate <= 2.5 * m && zeros > 0 {
        m * (m / zeros as f64).ln()
    } else {
        estimate
    }
}

/// Merges the batch tallies in file order into the file's profile.
#[derive(Debug)]
pub struct ProfileMerger {
    columns: Vec<ColumnTally>,
}

impl ProfileMerger {
    pub fn new(contract: &Contract) -> ProfileMerger {
        ProfileMerger { columns: contract.columns.iter().map(|_| ColumnTally::new(true)).collect() }
    }

    /// Adds one batch; tells the threads (through `profiler`) which columns
    /// no longer count their values exactly.
    pub fn absorb(&mut self, tally: BatchTally, profiler: &Profiler) {
        for (index, (all, batch)) in self.columns.iter_mut().zip(tally.columns).enumerate() {
            all.filled += batch.filled;
            all.empty += batch.empty;
            all.invalid += batch.invalid;
            if batch.min != Typed::None && (all.min == Typed::None || less(batch.min, all.min)) {
                all.min = batch.min;
            }
            if batch.max != Typed::None && (all.max == Typed::None || less(all.max, batch.max)) {
                all.max = batch.max;
            }
            if !batch.sketch.is_empty() {
                if all.sketch.is_empty() {
                    all.sketch = batch.sketch;
                } else {
                    for (a, b) in all.sketch.iter_mut().zip(&batch.sketch) {
                        *a = (*a).max(*b);
                    }
                }
            }
            match (&mut all.counts, batch.counts) {
                (Some(counts), Some(more)) => {
                    for (hash, (count, text)) in more {
                        counts.entry(hash).or_insert((0, text)).0 += count;
                    }
                    if counts.len() > DISTINCT_CAP {
                        all.counts = None;
                    }
                }
                (Some(_), None) => all.counts = None,
                (None, _) => {}
            }
            if all.counts.is_none() {
                if let Some(flag) = profiler.overflowed.get(index) {
                    flag.store(true, Ordering::Relaxed);
                }
            }
        }
    }

    /// The profile: `present[i]` says whether a header maps to column `i`;
    /// `rows` is the number of data rows read.
    pub fn finish(self, contract: &Contract, present: &[bool], rows: u64) -> Profile {
        let columns = contract
            .columns
            .iter()
            .zip(self.columns)
            .enumerate()
            .map(|(index, (column, tally))| {
                let present = present.get(index).copied().unwrap_or(false);
                let mut counted: Vec<ValueCount> = tally
                    .counts
                    .as_ref()
                    .map(|counts| {
                        counts
                            .values()
                            .map(|(count, value)| ValueCount { value: value.clone(), count: *count })
                            .collect()
                    })
                    .unwrap_or_default();
                counted.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                let exact = tally.counts.is_some();
                let distinct = if exact {
                    counted.len() as u64
                } else {
                    (sketch_estimate(&tally.sketch).round() as u64).max(DISTINCT_CAP as u64 + 1)
                };
                let valid = tally.filled - tally.invalid;
                let coded = column.allowed.is_some()
                    || column.column_type == ColumnType::Boolean
                    || (matches!(column.column_type, ColumnType::Text | ColumnType::Code)
                        && exact
                        && distinct > 0
                        && distinct <= CODED_MAX_DISTINCT
                        && valid >= 2 * distinct);
                let range = match (tally.min, tally.max) {
                    (Typed::Number(min), Typed::Number(max)) => Some(ValueRange::Number { min, max }),
                    (min @ Typed::Date(_), max @ Typed::Date(_)) => {
                        Some(ValueRange::Date { min: typed_text(min), max: typed_text(max) })
                    }
                    (min @ Typed::DateTime(_), max @ Typed::DateTime(_)) => {
                        Some(ValueRange::Datetime { min: typed_text(min), max: typed_text(max) })
                    }
                    _ => None,
                };
                let top = counted.iter().take(TOP_VALUES).cloned().collect();
                let values =
                    if coded && exact { counted.into_iter().take(CODED_VALUES_KEPT).collect() } else { Vec::new() };
                ColumnProfile {
                    name: column.name.clone(),
                    column_type: column.column_type,
                    present,
                    filled: tally.filled,
                    empty: if present { tally.empty } else { rows },
                    invalid: tally.invalid,
                    distinct,
                    distinct_exact: exact,
                    range,
                    top,
                    coded,
                    values,
                }
            })
            .collect();
        Profile { dataset: contract.dataset.clone(), rows, columns }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sketch_estimates_within_a_few_percent() {
        for n in [100u64, 20_000, 300_000] {
            let mut sketch = vec![0u8; SKETCH_REGISTERS];
            for i in 0..n {
                sketch_add(&mut sketch, hash_bytes(format!("value {i}").as_bytes()));
            }
            let estimate = sketch_estimate(&sketch);
            let error = (estimate - n as f64).abs() / n as f64;
            assert!(error < 0.05, "{n} values estimated as {estimate}");
        }
    }

    #[test]
    fn hashes_tell_apart_close_values() {
        let texts = ["", "a", "b", "ab", "ba", "abcdefgh", "abcdefgh\0", "abcdefghi"];
        let mut hashes: Vec<u64> = texts.iter().map(|t| hash_bytes(t.as_bytes())).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), texts.len());
        assert_eq!(hash_typed(Typed::Number(0.0)), hash_typed(Typed::Number(-0.0)));
        assert_ne!(hash_typed(Typed::Number(1.0)), hash_typed(Typed::Number(2.0)));
    }
}
