//! The cells a reader hands out: borrowed ([`CellRef`]) and owned ([`Cell`]),
//! the packed table of a workbook's shared strings, and the two text rules
//! every reader and rule shares (what counts as empty, how a number prints).
//! The ground floor of `readers/`: it imports nothing from its siblings.

use chrono::NaiveDateTime;
use std::sync::Arc;

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
    fn numbers_print_as_written() {
        assert_eq!(format_number(123.0), "123");
        assert_eq!(format_number(-7.0), "-7");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(0.1), "0.1");
    }
}
