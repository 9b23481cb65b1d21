//! Readers turn a CSV or spreadsheet file into a header row plus a stream of row
//! batches, whatever the format, encoding or delimiter. One variant per format:
//! `csv` (streamed, never whole in memory), `excel` (calamine: xls, xlsb, ods
//! read as one range) and `xlsx_stream` (xlsx and xlsm, streamed: parsed by
//! `xlsx_fast` with the `xml_scan` scanner, or by calamine for packages the
//! fast path does not know).

pub mod csv;
pub mod encoding;
pub mod excel;
pub mod limits;
pub mod package;
pub(crate) mod xlsx_fast;
pub mod xlsx_stream;
pub(crate) mod xml_scan;

use crate::contract::SourceOptions;
use crate::report::IssueCode;
use chrono::NaiveDateTime;
use std::path::Path;
use std::sync::Arc;

/// Rows handed to validation at a time: large enough to amortise channel costs,
/// small enough to keep memory flat.
pub const BATCH_ROWS: usize = 8192;

/// How many leading rows are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// A borrowed cell value as the file holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellRef<'a> {
    Empty,
    Text(&'a str),
    /// A numeric spreadsheet cell (CSV never produces this).
    Number(f64),
    Bool(bool),
    /// An Excel date or date-time cell.
    DateTime(NaiveDateTime),
    /// A spreadsheet error cell such as `#N/A`.
    Error(&'a str),
}

/// An owned cell, for formats that are not plain text.
#[derive(Debug, Clone)]
pub enum Cell {
    Empty,
    Text(String),
    /// Text that many cells share (an xlsx shared string): a copy costs no
    /// allocation, and none has to be freed on the validating threads.
    SharedText(SharedString),
    Number(f64),
    Bool(bool),
    DateTime(NaiveDateTime),
    Error(String),
}

impl Cell {
    /// Borrows the cell.
    pub fn as_ref(&self) -> CellRef<'_> {
        match self {
            Cell::Empty => CellRef::Empty,
            Cell::Text(s) => CellRef::Text(s),
            Cell::SharedText(s) => CellRef::Text(s.as_str()),
            Cell::Number(n) => CellRef::Number(*n),
            Cell::Bool(b) => CellRef::Bool(*b),
            Cell::DateTime(d) => CellRef::DateTime(*d),
            Cell::Error(e) => CellRef::Error(e),
        }
    }
}

/// A workbook's shared strings packed together: their text in chunks of about
/// 1 MiB and 12 bytes per string, instead of an allocation each (20 million
/// tiny strings would otherwise take a gigabyte).
#[derive(Debug, Default)]
pub struct StringTable {
    chunks: Vec<String>,
    /// Chunk, start and length of each string.
    spans: Vec<[u32; 3]>,
    /// Bytes the chunks hold room for.
    capacity: usize,
}

/// Bytes of text per chunk of a [`StringTable`].
const STRING_CHUNK: usize = 1 << 20;

impl StringTable {
    /// Room for `count` strings.
    pub fn with_capacity(count: usize) -> StringTable {
        StringTable { spans: Vec::with_capacity(count), ..StringTable::default() }
    }

    /// Appends a string; it keeps its index, in order.
    pub fn push(&mut self, text: &str) {
        let fits = self.chunks.last().is_some_and(|c| c.capacity() - c.len() >= text.len());
        if !fits {
            let chunk = String::with_capacity(STRING_CHUNK.max(text.len()));
            self.capacity += chunk.capacity();
            self.chunks.push(chunk);
        }
        let index = self.chunks.len() - 1;
        let chunk = &mut self.chunks[index];
        let start = chunk.len();
        chunk.push_str(text);
        // Chunks and strings are far below 4 GiB (limits::MAX_SHARED_STRINGS_BYTES).
        self.spans.push([index as u32, start as u32, text.len() as u32]);
    }

    /// String `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&str> {
        let [chunk, start, len] = *self.spans.get(index)?;
        let start = start as usize;
        self.chunks.get(chunk as usize)?.get(start..start + len as usize)
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Bytes held for text and bookkeeping.
    pub fn memory(&self) -> usize {
        self.capacity + self.spans.capacity() * 12
    }
}

/// One string of a shared [`StringTable`].
#[derive(Debug, Clone)]
pub struct SharedString {
    table: Arc<StringTable>,
    index: u32,
}

impl SharedString {
    /// String `index` of `table`, if it has one.
    pub fn new(table: &Arc<StringTable>, index: usize) -> Option<SharedString> {
        table.get(index)?;
        Some(SharedString { table: Arc::clone(table), index: u32::try_from(index).ok()? })
    }

    pub fn as_str(&self) -> &str {
        self.table.get(self.index as usize).unwrap_or_default()
    }
}

/// Cells are equal when their values are, however the text is held.
impl PartialEq for Cell {
    fn eq(&self, other: &Cell) -> bool {
        self.as_ref() == other.as_ref()
    }
}

impl CellRef<'_> {
    /// True for empty cells and cells holding only whitespace (SPEC §3).
    pub fn is_empty(&self) -> bool {
        match self {
            CellRef::Empty => true,
            CellRef::Text(s) => trim_text(s).is_empty(),
            _ => false,
        }
    }

    /// The value as the user sees it in the spreadsheet: numbers that are whole
    /// print without ".0", dates as ISO.
    pub fn display(&self) -> String {
        match self {
            CellRef::Empty => String::new(),
            CellRef::Text(s) => (*s).to_owned(),
            CellRef::Number(n) => format_number(*n),
            CellRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            CellRef::DateTime(d) => {
                if d.time() == chrono::NaiveTime::MIN {
                    d.format("%Y-%m-%d").to_string()
                } else {
                    d.format("%Y-%m-%d %H:%M:%S").to_string()
                }
            }
            CellRef::Error(e) => (*e).to_owned(),
        }
    }
}

/// `str::trim` with a shortcut: a cell that starts and ends with a printable
/// ASCII character or a Hebrew letter (U+05xx, none of them white space) is
/// returned as it is, without decoding characters from either end.
#[inline]
pub fn trim_text(text: &str) -> &str {
    let bytes = text.as_bytes();
    let solid_start = match bytes.first() {
        Some(&b) => (b > b' ' && b < 0x80) || b == 0xD7,
        None => return text,
    };
    let len = bytes.len();
    let solid_end = match bytes[len - 1] {
        b if b > b' ' && b < 0x80 => true,
        b if (0x80..0xC0).contains(&b) => len >= 2 && bytes[len - 2] == 0xD7,
        _ => false,
    };
    if solid_start && solid_end {
        text
    } else {
        text.trim()
    }
}

/// Formats a spreadsheet number as written: `123.0` becomes `123`, others keep
/// their shortest exact decimal form.
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

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

/// The formats a file name can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Spreadsheet,
}

/// Tells the format from the extension, falling back to the file's first bytes
/// (zip/OLE/ODS magic means a spreadsheet).
pub fn file_kind(path: &Path) -> FileKind {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" | "xla" | "xlam" => FileKind::Spreadsheet,
        "csv" | "txt" | "tsv" => FileKind::Csv,
        _ => {
            let mut magic = [0u8; 4];
            let is_container = std::fs::File::open(path)
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
                .map(|_| magic == *b"PK\x03\x04" || magic == [0xD0, 0xCF, 0x11, 0xE0])
                .unwrap_or(false);
            if is_container {
                FileKind::Spreadsheet
            } else {
                FileKind::Csv
            }
        }
    }
}

/// Opens `path` as a table, using the contract's source options and picking the
/// header row with `score` when the contract does not fix it.
pub fn open_table(path: &Path, options: &SourceOptions, score: HeaderScore<'_>) -> Result<Table, ReadError> {
    match file_kind(path) {
        FileKind::Csv => csv::open(path, options, score),
        FileKind::Spreadsheet => excel::open(path, options, score),
    }
}

/// Chooses the header row among the first rows: the one naming most contract
/// columns (the earliest on ties); the first non-empty row when none names any.
/// Returns the index into `rows`.
pub fn pick_header_row(rows: &[Vec<CellRef<'_>>], score: HeaderScore<'_>) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (index, row) in rows.iter().enumerate() {
        if row.iter().all(CellRef::is_empty) {
            continue;
        }
        let points = score(row);
        match best {
            None => best = Some((index, points)),
            Some((_, best_points)) if points > best_points => best = Some((index, points)),
            _ => {}
        }
    }
    best.map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_text_agrees_with_str_trim() {
        let pieces = [
            "", " ", "\t", "\u{a0}", "\u{200f}", "\u{2003}", "\u{3000}", "a", "Z9", "א", "שלום", "\u{5c0}", "é", "\n",
            "-",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}");
                    assert_eq!(trim_text(&text), text.trim(), "{text:?}");
                }
            }
        }
    }

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

    #[test]
    fn numbers_print_as_written() {
        assert_eq!(format_number(123.0), "123");
        assert_eq!(format_number(-7.0), "-7");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(0.1), "0.1");
    }

    #[test]
    fn header_row_is_the_one_naming_most_columns() {
        let title = vec![CellRef::Text("Monthly report"), CellRef::Empty];
        let blank = vec![CellRef::Empty, CellRef::Empty];
        let header = vec![CellRef::Text("id"), CellRef::Text("name")];
        let rows = vec![title, blank, header];
        let score = |row: &[CellRef<'_>]| {
            row.iter().filter(|c| matches!(c, CellRef::Text("id") | CellRef::Text("name"))).count()
        };
        assert_eq!(pick_header_row(&rows, &score), Some(2));
        let none = |_: &[CellRef<'_>]| 0;
        assert_eq!(pick_header_row(&rows, &none), Some(0));
    }
}
