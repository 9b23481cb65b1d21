//! The profile of a file (`crate::report::profile`), computed as validation
//! reads it: no second read. Each validating thread tallies its batch
//! (`BatchTally`, from the values it has just parsed); the tallies are merged
//! in file order (`ProfileMerger`). Memory stays bounded: a column's values
//! are counted exactly up to `DISTINCT_CAP` distinct ones, then only a
//! HyperLogLog sketch (4 KiB per column) estimates how many there are. A cell
//! costs one hash and either one map lookup (counted exactly) or one sketch
//! register (estimated), never both: a sketch is a function of the set of
//! hashes alone, so when a column overflows, its sketch is made from the
//! hashes counted so far.
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
    VALUE_CHARS,
};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Registers of the HyperLogLog sketch: 2^12 (standard error 1.04/√4096 ≈ 1.6%).
const SKETCH_BITS: u32 = 12;
const SKETCH_REGISTERS: usize = 1 << SKETCH_BITS;

/// What the validating threads share: which columns already have more
/// distinct values than are counted exactly (their threads then only sketch).
#[derive(Debug)]
pub struct Profiler {
    overflowed: Vec<AtomicBool>,
    /// Distinct values of the column in the last batch merged: the next
    /// batch's map is made that big at once.
    sizes: Vec<AtomicUsize>,
}

impl Profiler {
    /// The profiler of a file of `contract`; when not `enabled`, batches
    /// tally nothing (one branch per cell).
    pub fn new(contract: &Contract, enabled: bool) -> Profiler {
        let columns = if enabled { contract.columns.len() } else { 0 };
        Profiler {
            overflowed: (0..columns).map(|_| AtomicBool::new(false)).collect(),
            sizes: (0..columns).map(|_| AtomicUsize::new(0)).collect(),
        }
    }

    /// An empty tally for one batch of `rows` rows.
    pub fn tally(&self, rows: usize) -> BatchTally {
        BatchTally {
            columns: self
                .overflowed
                .iter()
                .zip(&self.sizes)
                .map(|(flag, size)| {
                    let exact = !flag.load(Ordering::Relaxed);
                    ColumnTally::new(exact.then(|| size.load(Ordering::Relaxed)), rows)
                })
                .collect(),
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

/// Value hash -> (count, the value as written in the profile): a column's
/// values counted over the whole file.
type Counts = HashMap<u64, (u64, String), Prehashed>;

/// A column's values counted in one batch, kept small for the validating
/// thread: value hash -> (count, index of its text in `spans`), the texts one
/// after another in `arena` (no allocation per value).
#[derive(Debug, Default)]
struct BatchCounts {
    slots: HashMap<u64, (u32, u32), Prehashed>,
    spans: Vec<(u32, u32)>,
    arena: String,
}

impl BatchCounts {
    /// Counts one value; `write` appends its text when it is new to the
    /// batch. False when the batch holds `DISTINCT_CAP` distinct values
    /// already and this one is new (the column then overflows).
    fn count(&mut self, hash: u64, write: impl FnOnce(&mut String)) -> bool {
        let seen = self.slots.len();
        match self.slots.entry(hash) {
            Entry::Occupied(mut entry) => {
                entry.get_mut().0 += 1;
                true
            }
            Entry::Vacant(entry) if seen < DISTINCT_CAP => {
                let start = self.arena.len();
                write(&mut self.arena);
                cut_text(&mut self.arena, start);
                let (Ok(start), Ok(len)) = (u32::try_from(start), u32::try_from(self.arena.len() - start)) else {
                    return false;
                };
                entry.insert((1, self.spans.len() as u32));
                self.spans.push((start, len));
                true
            }
            Entry::Vacant(_) => false,
        }
    }

    /// Each value's hash, count and text.
    fn drain(&self) -> impl Iterator<Item = (u64, u64, &str)> + '_ {
        self.slots.iter().map(|(hash, (count, slot))| {
            let (start, len) = self.spans.get(*slot as usize).copied().unwrap_or_default();
            let text = self.arena.get(start as usize..(start + len) as usize).unwrap_or_default();
            (*hash, u64::from(*count), text)
        })
    }
}

/// One column of one batch.
#[derive(Debug)]
struct ColumnTally {
    filled: u64,
    empty: u64,
    invalid: u64,
    min: Typed,
    max: Typed,
    /// Each value's hash and its row in the batch, in row order; counted
    /// column by column once the batch is checked (`BatchTally::count`).
    seen: Vec<(u64, u32)>,
    /// `None` once the column has too many distinct values to count exactly.
    counts: Option<BatchCounts>,
    /// The sketch's registers, once `counts` is `None` (allocated then).
    sketch: Vec<u8>,
}

impl ColumnTally {
    /// A column counted exactly (`Some`, with room for that many values) or sketched.
    fn new(exact: Option<usize>, rows: usize) -> ColumnTally {
        ColumnTally {
            filled: 0,
            empty: 0,
            invalid: 0,
            min: Typed::None,
            max: Typed::None,
            seen: Vec::with_capacity(rows),
            counts: exact.map(|size| BatchCounts {
                slots: HashMap::with_capacity_and_hasher(size, Prehashed),
                spans: Vec::with_capacity(size),
                arena: String::new(),
            }),
            sketch: if exact.is_some() { Vec::new() } else { vec![0; SKETCH_REGISTERS] },
        }
    }

    /// Stops counting exactly: the sketch takes over, made from the hashes
    /// counted so far.
    fn overflow(&mut self) {
        if self.sketch.is_empty() {
            self.sketch = vec![0; SKETCH_REGISTERS];
        }
        if let Some(counts) = self.counts.take() {
            for hash in counts.slots.keys() {
                sketch_add(&mut self.sketch, *hash);
            }
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

    /// A filled cell of `column`, row `row` of the batch, that parsed: its
    /// range and hash now; its count once the batch is checked (`count`).
    #[inline]
    pub fn value(&mut self, column: usize, row: usize, parsed: &Parsed<'_>) {
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
        c.seen.push((hash, row as u32));
    }

    /// Counts the batch's values column by column, so that one column's map
    /// or sketch is in the cache at a time. `text(column, row, out)` appends
    /// the text of a value new to the batch (`push_value_text` of the cell
    /// parsed again: a few times per distinct value, never per cell).
    pub fn count(&mut self, mut text: impl FnMut(usize, u32, &mut String)) {
        for (index, c) in self.columns.iter_mut().enumerate() {
            let seen = std::mem::take(&mut c.seen);
            for &(hash, row) in &seen {
                let counted = match &mut c.counts {
                    Some(counts) => counts.count(hash, |out| text(index, row, out)),
                    None => {
                        sketch_add(&mut c.sketch, hash);
                        true
                    }
                };
                if !counted {
                    c.overflow();
                    sketch_add(&mut c.sketch, hash);
                }
            }
        }
    }
}

/// Cuts the text that starts at `start` to `VALUE_CHARS` characters, ending
/// it with `…` when cut: a profile lists values, it does not copy cells (a
/// cell may hold 32,767 characters), so memory stays bounded.
fn cut_text(arena: &mut String, start: usize) {
    if let Some((at, _)) = arena.get(start..).and_then(|text| text.char_indices().nth(VALUE_CHARS)) {
        arena.truncate(start + at);
        arena.push('…');
    }
}

/// Appends a parsed value's text as the profile writes it.
pub fn push_value_text(out: &mut String, parsed: &Parsed<'_>) {
    match parsed.typed {
        Typed::None => out.push_str(&parsed.text),
        typed => out.push_str(&typed_text(typed)),
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

fn typed_text(typed: Typed) -> String {
    match typed {
        Typed::None => String::new(),
        Typed::Number(n) => format_number(n),
        Typed::Date(d) => d.format("%Y-%m-%d").to_string(),
        Typed::DateTime(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

/// The wyhash constants (wyhash, final version 4, by Wang Yi; public domain).
const WY0: u64 = 0xa076_1d64_78bd_642f;
const WY1: u64 = 0xe703_7ed1_a0b4_28db;

/// A full 64x64 -> 128-bit multiply, folded.
#[inline]
const fn mum(a: u64, b: u64) -> u64 {
    let r = (a as u128) * (b as u128);
    (r as u64) ^ ((r >> 64) as u64)
}

#[inline]
fn read8(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    if let Some(part) = bytes.get(at..at + 8) {
        word.copy_from_slice(part);
    }
    u64::from_le_bytes(word)
}

#[inline]
fn read4(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 4];
    if let Some(part) = bytes.get(at..at + 4) {
        word.copy_from_slice(part);
    }
    u64::from(u32::from_le_bytes(word))
}

/// wyhash's seed 0, mixed as wyhash mixes its seed.
const WY_SEED: u64 = mum(WY0, WY1);

/// A well-mixed 64-bit hash of bytes, every bit usable by the sketch:
/// wyhash's algorithm (final version 4, which passes SMHasher; two 128-bit
/// multiplies for a value of up to 16 bytes, the common cell).
#[inline]
fn hash_bytes(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let mut seed = WY_SEED;
    let (a, b) = if len <= 16 {
        if len >= 4 {
            let step = (len >> 3) << 2;
            ((read4(bytes, 0) << 32) | read4(bytes, step), (read4(bytes, len - 4) << 32) | read4(bytes, len - 4 - step))
        } else if len > 0 {
            let byte = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0));
            ((byte(0) << 16) | (byte(len >> 1) << 8) | byte(len - 1), 0)
        } else {
            (0, 0)
        }
    } else {
        let mut at = 0;
        while len - at > 16 {
            seed = mum(read8(bytes, at) ^ WY1, read8(bytes, at + 8) ^ seed);
            at += 16;
        }
        (read8(bytes, len - 16), read8(bytes, len - 8))
    };
    let r = u128::from(a ^ WY1) * u128::from(b ^ seed);
    mum((r as u64) ^ WY0 ^ len as u64, ((r >> 64) as u64) ^ WY1)
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

/// Adds a sketch's registers to another's (the sketch of both sets of hashes).
fn merge_sketch(all: &mut [u8], more: &[u8]) {
    for (a, b) in all.iter_mut().zip(more) {
        *a = (*a).max(*b);
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

/// One column over the whole file.
#[derive(Debug)]
struct ColumnTotal {
    filled: u64,
    empty: u64,
    invalid: u64,
    min: Typed,
    max: Typed,
    /// `None` once the column has more than `DISTINCT_CAP` distinct values.
    counts: Option<Counts>,
    sketch: Vec<u8>,
}

impl ColumnTotal {
    /// Stops counting exactly (as `ColumnTally::overflow`).
    fn overflow(&mut self) {
        if self.sketch.is_empty() {
            self.sketch = vec![0; SKETCH_REGISTERS];
        }
        if let Some(counts) = self.counts.take() {
            for hash in counts.keys() {
                sketch_add(&mut self.sketch, *hash);
            }
        }
    }
}

/// Merges the batch tallies in file order into the file's profile.
#[derive(Debug)]
pub struct ProfileMerger {
    columns: Vec<ColumnTotal>,
}

impl ProfileMerger {
    pub fn new(contract: &Contract) -> ProfileMerger {
        let total = || ColumnTotal {
            filled: 0,
            empty: 0,
            invalid: 0,
            min: Typed::None,
            max: Typed::None,
            counts: Some(Counts::default()),
            sketch: Vec::new(),
        };
        ProfileMerger { columns: contract.columns.iter().map(|_| total()).collect() }
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
            match (&mut all.counts, batch.counts) {
                (Some(counts), Some(more)) => {
                    if let Some(size) = profiler.sizes.get(index) {
                        size.store(more.slots.len(), Ordering::Relaxed);
                    }
                    for (hash, count, text) in more.drain() {
                        match counts.get_mut(&hash) {
                            Some(entry) => entry.0 += count,
                            None => {
                                counts.insert(hash, (count, text.to_owned()));
                            }
                        }
                    }
                    if counts.len() > DISTINCT_CAP {
                        all.overflow();
                    }
                }
                (Some(_), None) => {
                    all.overflow();
                    merge_sketch(&mut all.sketch, &batch.sketch);
                }
                (None, Some(more)) => {
                    for hash in more.slots.keys() {
                        sketch_add(&mut all.sketch, *hash);
                    }
                }
                (None, None) => merge_sketch(&mut all.sketch, &batch.sketch),
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
    fn long_values_are_cut_and_short_ones_kept() {
        let mut arena = String::from("before|");
        let long = "א".repeat(VALUE_CHARS + 50);
        arena.push_str(&long);
        cut_text(&mut arena, 7);
        assert_eq!(arena, format!("before|{}…", "א".repeat(VALUE_CHARS)));
        let mut short = String::from("x|");
        short.push_str(&"b".repeat(VALUE_CHARS));
        cut_text(&mut short, 2);
        assert_eq!(short.len(), 2 + VALUE_CHARS, "exactly the limit is not cut");
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
