//! Random access to a validated file's rows for the app's virtualised grid:
//! rows are written, in file order, to a compact spill file while validation
//! reads them, and any page is then read back with one positioned read. Only
//! the offsets (8 bytes a row) stay in memory, so a 1,000,000-row file is never
//! held whole, here or in the webview.

use crate::readers::Batch;
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;

/// Encodes a batch's rows: per row, its spreadsheet row number (u64 LE), its
/// cell count (u32 LE), then each cell as length (u32 LE) + UTF-8 display text.
/// Returns the bytes and each row's length, so offsets can be assigned in order.
pub fn encode_rows(batch: &Batch) -> (Vec<u8>, Vec<u32>) {
    let mut out = Vec::with_capacity(batch.len() * 96);
    let mut lengths = Vec::with_capacity(batch.len());
    for i in 0..batch.len() {
        let start = out.len();
        out.extend_from_slice(&batch.row_numbers[i].to_le_bytes());
        let width = batch.width(i);
        out.extend_from_slice(&(width as u32).to_le_bytes());
        for col in 0..width {
            let text = batch.cell(i, col).display();
            out.extend_from_slice(&(text.len() as u32).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
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
        decode_rows(&bytes)
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

fn decode_rows(bytes: &[u8]) -> std::io::Result<Vec<GridRow>> {
    let corrupt = || std::io::Error::other("the row store is corrupt");
    let mut rows = Vec::new();
    let mut at = 0usize;
    let take = |at: &mut usize, n: usize| -> std::io::Result<&[u8]> {
        let slice = bytes.get(*at..*at + n).ok_or_else(corrupt)?;
        *at += n;
        Ok(slice)
    };
    while at < bytes.len() {
        let row = u64::from_le_bytes(take(&mut at, 8)?.try_into().map_err(|_| corrupt())?);
        let width = u32::from_le_bytes(take(&mut at, 4)?.try_into().map_err(|_| corrupt())?) as usize;
        let mut cells = Vec::with_capacity(width);
        for _ in 0..width {
            let length = u32::from_le_bytes(take(&mut at, 4)?.try_into().map_err(|_| corrupt())?) as usize;
            let text = std::str::from_utf8(take(&mut at, length)?).map_err(|_| corrupt())?;
            cells.push(text.to_owned());
        }
        rows.push(GridRow { row, cells });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::{BatchData, Cell};

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
}
