//! Random access to a validated file's rows for the app's virtualised grid:
//! rows are written, in file order, to a compact spill file while validation
//! reads them, and any page is then read back with one positioned read. Only
//! the offsets (8 bytes a row) stay in memory, so a 1,000,000-row file is never
//! held whole, here or in the webview. Cells keep their type (text, number,
//! boolean, date, error), so the sender's error report is written from the
//! store as well (`RowStore::batches`) instead of reading the file again.

use crate::readers::{Batch, BatchData, Cell, CellRef};
use chrono::{DateTime, NaiveDateTime};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;

/// Cell tags of the spill format.
const EMPTY: u8 = 0;
const TEXT: u8 = 1;
const NUMBER: u8 = 2;
const BOOL: u8 = 3;
const DATETIME: u8 = 4;
const ERROR: u8 = 5;

/// Encodes a batch's rows: per row, its spreadsheet row number (u64 LE), its
/// cell count (u32 LE), then each cell as a tag byte and its value: text and
/// errors as length (u32 LE) + UTF-8, numbers as f64 LE, booleans as one
/// byte, dates as seconds (i64 LE) + nanoseconds (u32 LE) since 1970.
/// Returns the bytes and each row's length, so offsets can be assigned in order.
pub fn encode_rows(batch: &Batch) -> (Vec<u8>, Vec<u32>) {
    let mut out = Vec::with_capacity(batch.len() * 96);
    let mut lengths = Vec::with_capacity(batch.len());
    let text = |out: &mut Vec<u8>, tag: u8, text: &str| {
        out.push(tag);
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    };
    for i in 0..batch.len() {
        let start = out.len();
        out.extend_from_slice(&batch.row_numbers[i].to_le_bytes());
        let width = batch.width(i);
        out.extend_from_slice(&(width as u32).to_le_bytes());
        for col in 0..width {
            match batch.cell(i, col) {
                CellRef::Empty => out.push(EMPTY),
                CellRef::Text(value) => text(&mut out, TEXT, value),
                CellRef::Error(value) => text(&mut out, ERROR, value),
                CellRef::Number(n) => {
                    out.push(NUMBER);
                    out.extend_from_slice(&n.to_le_bytes());
                }
                CellRef::Bool(b) => out.extend_from_slice(&[BOOL, u8::from(b)]),
                CellRef::DateTime(d) => {
                    let d = d.and_utc();
                    out.push(DATETIME);
                    out.extend_from_slice(&d.timestamp().to_le_bytes());
                    out.extend_from_slice(&d.timestamp_subsec_nanos().to_le_bytes());
                }
            }
        }
        lengths.push((out.len() - start) as u32);
    }
    (out, lengths)
}

/// One row as the grid shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridRow {
    /// The row number the user sees in the spreadsheet.
    pub row: u64,
    pub cells: Vec<String>,
}

/// The rows of one file, on disk, addressable by position.
#[derive(Debug)]
pub struct RowStore {
    /// The spill file: created exclusively (never through a symlink), mode
    /// 0600, and unlinked at once, so no other user can open it and nothing
    /// is left behind even if the app crashes.
    spill: File,
    writer: Option<BufWriter<File>>,
    reader: Option<File>,
    offsets: Vec<u64>,
    end: u64,
}

impl RowStore {
    /// A new empty store in the system's temporary directory.
    pub fn create() -> std::io::Result<RowStore> {
        let spill = tempfile::tempfile()?;
        let file = spill.try_clone()?;
        Ok(RowStore {
            spill,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            reader: None,
            offsets: Vec::new(),
            end: 0,
        })
    }

    /// Appends encoded rows (from `encode_rows`), in file order.
    pub fn append(&mut self, bytes: &[u8], lengths: &[u32]) -> std::io::Result<()> {
        let Some(writer) = self.writer.as_mut() else {
            return Err(std::io::Error::other("the row store is already finished"));
        };
        writer.write_all(bytes)?;
        for &length in lengths {
            self.offsets.push(self.end);
            self.end += u64::from(length);
        }
        Ok(())
    }

    /// Ends writing; the store becomes readable.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if let Some(mut writer) = self.writer.take() {
            writer.flush()?;
        }
        self.reader = Some(self.spill.try_clone()?);
        Ok(())
    }

    /// Number of rows stored.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// Rows `start..start + count` (clamped to the store).
    pub fn page(&self, start: usize, count: usize) -> std::io::Result<Vec<GridRow>> {
        let Some(reader) = &self.reader else {
            return Err(std::io::Error::other("the row store is still being written"));
        };
        let start = start.min(self.offsets.len());
        let stop = start.saturating_add(count).min(self.offsets.len());
        if start == stop {
            return Ok(Vec::new());
        }
        let from = self.offsets[start];
        let to = self.offsets.get(stop).copied().unwrap_or(self.end);
        let mut bytes = vec![0u8; (to - from) as usize];
        reader.read_exact_at(&mut bytes, from)?;
        let (numbers, rows) = decode_rows(&bytes)?;
        Ok(numbers
            .into_iter()
            .zip(rows)
            .map(|(row, cells)| GridRow { row, cells: cells.iter().map(|c| c.as_ref().display()).collect() })
            .collect())
    }

    /// Every stored row, in file order, as batches of at most `rows` rows with
    /// their cells as read (for the error report's data sheet).
    pub fn batches(&self, rows: usize) -> impl Iterator<Item = std::io::Result<Batch>> + '_ {
        let rows = rows.max(1);
        (0..self.offsets.len()).step_by(rows).map(move |start| {
            let Some(reader) = &self.reader else {
                return Err(std::io::Error::other("the row store is still being written"));
            };
            let stop = (start + rows).min(self.offsets.len());
            let from = self.offsets[start];
            let to = self.offsets.get(stop).copied().unwrap_or(self.end);
            let mut bytes = vec![0u8; (to - from) as usize];
            reader.read_exact_at(&mut bytes, from)?;
            let (row_numbers, cells) = decode_rows(&bytes)?;
            Ok(Batch { row_numbers, data: BatchData::Cells(cells) })
        })
    }

    /// Position of the row with spreadsheet number `row`, if stored.
    pub fn position_of(&self, row: u64) -> std::io::Result<Option<usize>> {
        let Some(reader) = &self.reader else { return Ok(None) };
        let (mut low, mut high) = (0usize, self.offsets.len());
        while low < high {
            let middle = (low + high) / 2;
            let mut number = [0u8; 8];
            reader.read_exact_at(&mut number, self.offsets[middle])?;
            match u64::from_le_bytes(number).cmp(&row) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Ok(Some(middle)),
            }
        }
        Ok(None)
    }
}

/// Row numbers and typed cells of encoded rows (`encode_rows`).
#[allow(clippy::type_complexity)]
fn decode_rows(bytes: &[u8]) -> std::io::Result<(Vec<u64>, Vec<Vec<Cell>>)> {
    let corrupt = || std::io::Error::other("the row store is corrupt");
    let mut numbers = Vec::new();
    let mut rows = Vec::new();
    let mut at = 0usize;
    let take = |at: &mut usize, n: usize| -> std::io::Result<&[u8]> {
        let slice = bytes.get(*at..at.checked_add(n).ok_or_else(corrupt)?).ok_or_else(corrupt)?;
        *at += n;
        Ok(slice)
    };
    let u32_at = |at: &mut usize| -> std::io::Result<u32> {
        Ok(u32::from_le_bytes(take(at, 4)?.try_into().map_err(|_| corrupt())?))
    };
    let text_at = |at: &mut usize| -> std::io::Result<String> {
        let length = u32_at(at)? as usize;
        Ok(std::str::from_utf8(take(at, length)?).map_err(|_| corrupt())?.to_owned())
    };
    while at < bytes.len() {
        numbers.push(u64::from_le_bytes(take(&mut at, 8)?.try_into().map_err(|_| corrupt())?));
        let width = u32_at(&mut at)? as usize;
        let mut cells = Vec::with_capacity(width);
        for _ in 0..width {
            let tag = take(&mut at, 1)?[0];
            cells.push(match tag {
                EMPTY => Cell::Empty,
                TEXT => Cell::Text(text_at(&mut at)?),
                ERROR => Cell::Error(text_at(&mut at)?),
                NUMBER => Cell::Number(f64::from_le_bytes(take(&mut at, 8)?.try_into().map_err(|_| corrupt())?)),
                BOOL => Cell::Bool(take(&mut at, 1)?[0] != 0),
                DATETIME => {
                    let seconds = i64::from_le_bytes(take(&mut at, 8)?.try_into().map_err(|_| corrupt())?);
                    let nanos = u32_at(&mut at)?;
                    let value: NaiveDateTime =
                        DateTime::from_timestamp(seconds, nanos).ok_or_else(corrupt)?.naive_utc();
                    Cell::DateTime(value)
                }
                _ => return Err(corrupt()),
            });
        }
        rows.push(cells);
    }
    Ok((numbers, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn pages_come_back_as_written() {
        let mut store = RowStore::create().unwrap_or_else(|e| panic!("{e}"));
        for first in [2u64, 10_002] {
            let batch = Batch {
                row_numbers: (first..first + 10_000).collect(),
                data: BatchData::Cells(
                    (0..10_000)
                        .map(|i| vec![Cell::Text(format!("r{}", first + i)), Cell::Number(i as f64), Cell::Empty])
                        .collect(),
                ),
            };
            let (bytes, lengths) = encode_rows(&batch);
            store.append(&bytes, &lengths).unwrap_or_else(|e| panic!("{e}"));
        }
        store.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.len(), 20_000);
        let page = store.page(9_999, 3).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.iter().map(|r| r.row).collect::<Vec<_>>(), vec![10_001, 10_002, 10_003]);
        assert_eq!(page[1].cells, vec!["r10002".to_owned(), "0".to_owned(), String::new()]);
        assert_eq!(store.page(19_999, 50).map(|p| p.len()).ok(), Some(1));
        assert_eq!(store.position_of(10_002).ok().flatten(), Some(10_000));
        assert_eq!(store.position_of(1).ok().flatten(), None);
    }

    #[test]
    fn cells_keep_their_type_through_the_store() {
        let when = NaiveDate::from_ymd_opt(2026, 11, 3).and_then(|d| d.and_hms_nano_opt(8, 30, 5, 250_000_000));
        let Some(when) = when else { panic!("a valid date") };
        let cells = vec![
            Cell::Text("שלום, world".to_owned()),
            Cell::Number(1234.5),
            Cell::Number(-0.1),
            Cell::Bool(true),
            Cell::DateTime(when),
            Cell::Error("#DIV/0!".to_owned()),
            Cell::Empty,
        ];
        let batch = Batch { row_numbers: vec![7, 9], data: BatchData::Cells(vec![cells.clone(), Vec::new()]) };
        let mut store = RowStore::create().unwrap_or_else(|e| panic!("{e}"));
        let (bytes, lengths) = encode_rows(&batch);
        store.append(&bytes, &lengths).unwrap_or_else(|e| panic!("{e}"));
        store.finish().unwrap_or_else(|e| panic!("{e}"));
        let batches: Vec<Batch> = store.batches(1).collect::<Result<_, _>>().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(batches.len(), 2);
        assert_eq!((batches[0].row_numbers.as_slice(), batches[1].row_numbers.as_slice()), (&[7u64][..], &[9u64][..]));
        let back: Vec<CellRef<'_>> = (0..cells.len()).map(|col| batches[0].cell(0, col)).collect();
        let expected: Vec<CellRef<'_>> = cells.iter().map(Cell::as_ref).collect();
        assert_eq!(back, expected);
        assert_eq!(batches[1].width(0), 0);
        let page = store.page(0, 1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page[0].cells[1..5], ["1234.5", "-0.1", "TRUE", "2026-11-03 08:30:05"]);
    }
}
