//! What a reader hands over: a [`Table`] (its header row found) whose data rows
//! come in [`Batch`]es, and the [`ReadError`] that says why a file could not be
//! read. Only the cells of `cell` below it.

use super::cell::{Cell, CellRef};
use crate::report::IssueCode;

/// Rows handed to validation at a time: large enough to amortise channel costs,
/// small enough to keep memory flat.
pub const BATCH_ROWS: usize = 8192;

/// A run of consecutive data rows.
#[derive(Debug)]
pub struct Batch {
    /// Spreadsheet row number of each row (fully empty rows are skipped, so gaps happen).
    pub row_numbers: Vec<u64>,
    pub data: BatchData,
}

/// Row storage per reader kind: CSV text rows packed in one buffer, typed
/// spreadsheet cells as they are.
#[derive(Debug)]
pub enum BatchData {
    Text(TextRows),
    Cells(Vec<Vec<Cell>>),
}

/// Text rows packed into one string: a batch costs a few allocations, not
/// three per row, which matters when a million rows stream through threads.
#[derive(Debug, Default, PartialEq)]
pub struct TextRows {
    text: String,
    /// End offset in `text` of every field, row after row.
    field_ends: Vec<u32>,
    /// Index into `field_ends` of each row's first field.
    row_starts: Vec<u32>,
}

/// Buffers of finished batches, handed back to the reader: without reuse every
/// batch would map fresh pages from the kernel and zero them (16% of a
/// million-row validation went to that).
static RECYCLED_TEXT_ROWS: std::sync::Mutex<Vec<TextRows>> = std::sync::Mutex::new(Vec::new());

/// How many spare batch buffers are kept.
const RECYCLED_LIMIT: usize = 16;

impl Drop for TextRows {
    fn drop(&mut self) {
        if self.text.capacity() == 0 {
            return;
        }
        let mut spare = Some(std::mem::take(self));
        if let Ok(mut pool) = RECYCLED_TEXT_ROWS.lock() {
            if pool.len() < RECYCLED_LIMIT {
                if let Some(rows) = spare.take() {
                    pool.push(rows);
                }
            }
        }
        if let Some(mut rows) = spare {
            rows.text = String::new();
        }
    }
}

impl TextRows {
    /// An empty buffer, reusing a finished batch's memory when there is one.
    pub fn recycled(rows: usize, bytes: usize) -> TextRows {
        let reused = RECYCLED_TEXT_ROWS.lock().ok().and_then(|mut pool| pool.pop());
        match reused {
            Some(mut buffer) => {
                buffer.text.clear();
                buffer.field_ends.clear();
                buffer.row_starts.clear();
                buffer
            }
            None => TextRows::with_capacity(rows, bytes),
        }
    }

    /// Room for `rows` rows of about `bytes` bytes of text in all.
    pub fn with_capacity(rows: usize, bytes: usize) -> TextRows {
        TextRows {
            text: String::with_capacity(bytes),
            field_ends: Vec::with_capacity(rows * 16),
            row_starts: Vec::with_capacity(rows),
        }
    }

    /// Appends a row made of `fields`.
    pub fn push_row<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) {
        self.start_row();
        for field in fields {
            self.push_field(field);
        }
    }

    /// Begins a row; `push_field` then adds its fields.
    pub fn start_row(&mut self) {
        self.row_starts.push(self.field_ends.len() as u32);
    }

    /// Adds a field to the row begun last.
    pub fn push_field(&mut self, field: &str) {
        self.text.push_str(field);
        self.field_ends.push(self.text.len() as u32);
    }

    /// True when the last row's fields are all empty or whitespace.
    pub fn last_row_is_blank(&self) -> bool {
        let Some(&first) = self.row_starts.last() else { return false };
        let start = if first == 0 { 0 } else { self.field_ends[first as usize - 1] as usize };
        self.text.get(start..).is_some_and(|text| text.chars().all(char::is_whitespace))
    }

    /// Removes the last row.
    pub fn pop_row(&mut self) {
        let Some(first) = self.row_starts.pop() else { return };
        let first = first as usize;
        let start = if first == 0 { 0 } else { self.field_ends[first - 1] as usize };
        self.field_ends.truncate(first);
        self.text.truncate(start);
    }

    pub fn len(&self) -> usize {
        self.row_starts.len()
    }

    /// Fields held, in all rows.
    pub fn fields(&self) -> usize {
        self.field_ends.len()
    }

    /// Bytes of text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.row_starts.is_empty()
    }

    fn field_range(&self, row: usize) -> (usize, usize) {
        let first = self.row_starts[row] as usize;
        let last = self.row_starts.get(row + 1).map(|&s| s as usize).unwrap_or(self.field_ends.len());
        (first, last)
    }

    /// Number of fields in `row`.
    pub fn width(&self, row: usize) -> usize {
        let (first, last) = self.field_range(row);
        last - first
    }

    /// Field `col` of `row`, if the row has it.
    pub fn field(&self, row: usize, col: usize) -> Option<&str> {
        let (first, last) = self.field_range(row);
        let index = first + col;
        if index >= last {
            return None;
        }
        let start = if index == 0 { 0 } else { self.field_ends[index - 1] as usize };
        self.text.get(start..self.field_ends[index] as usize)
    }
}

impl Batch {
    pub fn len(&self) -> usize {
        self.row_numbers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.row_numbers.is_empty()
    }

    /// Number of cells present in row `i` (ragged rows differ).
    pub fn width(&self, i: usize) -> usize {
        match &self.data {
            BatchData::Text(rows) => rows.width(i),
            BatchData::Cells(rows) => rows[i].len(),
        }
    }

    /// Cell `col` of row `i`; missing cells of short rows are empty.
    pub fn cell(&self, i: usize, col: usize) -> CellRef<'_> {
        match &self.data {
            BatchData::Text(rows) => match rows.field(i, col) {
                Some(s) if !s.is_empty() => CellRef::Text(s),
                _ => CellRef::Empty,
            },
            BatchData::Cells(rows) => rows[i].get(col).map(Cell::as_ref).unwrap_or(CellRef::Empty),
        }
    }
}

/// A file opened as a table: its header row found and its data rows to come.
pub struct Table {
    /// Sheet name for spreadsheets.
    pub sheet: Option<String>,
    /// Encoding detected or used for CSV (`UTF-8`, `windows-1255`, `UTF-16LE`, ...).
    pub encoding: Option<&'static str>,
    /// Delimiter detected or used for CSV.
    pub delimiter: Option<u8>,
    /// 1-based spreadsheet row of the header.
    pub header_row: u64,
    /// Headers as written (trailing empty headers dropped).
    pub headers: Vec<String>,
    /// The data rows after the header, in batches of at most `BATCH_ROWS`.
    pub batches: Box<dyn Iterator<Item = Result<Batch, ReadError>> + Send>,
}

/// Scores a candidate header row: how many contract columns it names.
pub type HeaderScore<'a> = &'a (dyn Fn(&[CellRef<'_>]) -> usize + Sync);

/// Why a file could not be read; each maps to a SPEC §4 code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadError {
    #[error("{message}")]
    Unreadable { message: String },
    #[error("{message}")]
    Encoding { row: Option<u64>, message: String },
    #[error("the file has no data: {message}")]
    Empty { message: String },
    /// Past one of the limits of [`limits`]; the message names it.
    #[error("{message}")]
    TooLarge { row: Option<u64>, message: String },
}

impl ReadError {
    /// The report code for this failure.
    pub fn code(&self) -> IssueCode {
        match self {
            ReadError::Unreadable { .. } => IssueCode::Unreadable,
            ReadError::Encoding { .. } => IssueCode::Encoding,
            ReadError::Empty { .. } => IssueCode::EmptyFile,
            ReadError::TooLarge { .. } => IssueCode::TooLarge,
        }
    }

    /// The row the failure was found at, for encoding errors past the header.
    pub fn row(&self) -> Option<u64> {
        match self {
            ReadError::Encoding { row, .. } | ReadError::TooLarge { row, .. } => *row,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rows_keep_ragged_rows_apart() {
        let mut rows = TextRows::with_capacity(3, 32);
        rows.push_row(["a", "", "ccc"]);
        rows.push_row(["d"]);
        rows.push_row(Vec::<&str>::new());
        rows.push_row(["", "f"]);
        assert_eq!(rows.len(), 4);
        assert_eq!((rows.width(0), rows.width(1), rows.width(2), rows.width(3)), (3, 1, 0, 2));
        assert_eq!(rows.field(0, 2), Some("ccc"));
        assert_eq!(rows.field(0, 1), Some(""));
        assert_eq!(rows.field(1, 0), Some("d"));
        assert_eq!(rows.field(1, 1), None);
        assert_eq!(rows.field(2, 0), None);
        assert_eq!(rows.field(3, 1), Some("f"));
    }
}
