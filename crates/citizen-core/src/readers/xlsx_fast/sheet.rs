//! A worksheet's XML read cell by cell, following calamine's rules (types,
//! styles that make a number a date, the 1904 epoch, rich and phonetic text,
//! Excel's `_xHHHH_` escapes, cells and rows without positions), each cell
//! handed to the [`RowSink`] as it is read.

use super::styles::NumberKind;
use super::xml_scan::{local_name, push_text, resolve_entity, unescape_excel, Event, ScanError, Scanner};
use crate::readers::cell::{Cell, SharedString, StringTable};
use crate::readers::limits::{self, MAX_CELL_BYTES};
use crate::readers::sheet_stream::RowSink;
use crate::readers::spreadsheet::{damaged, excel_datetime, iso_datetime};
use crate::readers::table::ReadError;
use calamine::{ExcelDateTime, ExcelDateTimeType};
use std::io::Read;
use std::sync::Arc;

/// Why the sheet's cells could not be read.
#[derive(Debug, thiserror::Error)]
pub(super) enum SheetError {
    #[error(transparent)]
    Xml(#[from] ScanError),
    #[error("the XML ends inside <{0}>")]
    Eof(&'static str),
    #[error("'{0}' is not a cell reference")]
    Reference(String),
    #[error("cell {0} refers to shared string {1}, which the workbook lacks")]
    MissingString(String, usize),
    #[error("cell {0} holds '{1}', which is not {2}")]
    Value(String, String, &'static str),
    #[error("cell {0} has the unknown type '{1}'")]
    Type(String, String),
    #[error("unexpected <{0}> in a cell")]
    Node(String),
    #[error("the part is not a worksheet")]
    NotAWorksheet,
    /// Past one of the limits of `limits`; the text names it.
    #[error("{0}")]
    TooLarge(String),
}

impl SheetError {
    /// The failure as the report gives it: `too_large` for a limit, else a
    /// damaged workbook; `what` says which part was being read.
    pub(super) fn into_read_error(self, what: &str) -> ReadError {
        match self {
            SheetError::TooLarge(message) => limits::too_large(None, format!("{what}: {message}")),
            SheetError::Xml(error @ ScanError::TooLarge(_)) => {
                limits::too_large(None, format!("{what} could not be read: {error}"))
            }
            other => damaged(&format!("{what} could not be read ({other})")),
        }
    }
}

/// A cell's text past Excel's limit, for the cell at `at` or, without one, the
/// shared string being read.
pub(super) fn long_text(at: Option<(u32, u32)>) -> SheetError {
    let place = match at {
        Some(at) => format!("cell {}", cell_name(at)),
        None => "a shared string".to_owned(),
    };
    SheetError::TooLarge(format!(
        "{place} holds more than {} characters, Excel's limit for one cell",
        limits::MAX_CELL_CHARS
    ))
}

/// The `t` attribute of a cell.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum CellType {
    /// No `t`: a number, or text if it does not parse.
    Unstated,
    Number,
    Shared,
    Bool,
    Error,
    Formula,
    Date,
    Inline,
    Unknown(String),
}

impl CellType {
    pub(super) fn from_attribute(t: Option<&[u8]>) -> CellType {
        match t {
            None => CellType::Unstated,
            Some(b"n") => CellType::Number,
            Some(b"s") => CellType::Shared,
            Some(b"b") => CellType::Bool,
            Some(b"e") => CellType::Error,
            Some(b"str") => CellType::Formula,
            Some(b"d") => CellType::Date,
            Some(b"inlineStr" | b"is") => CellType::Inline,
            Some(other) => CellType::Unknown(String::from_utf8_lossy(other).into_owned()),
        }
    }

    /// Types whose `<v>` is plain ASCII, read from its first text as is.
    pub(super) fn is_plain(&self) -> bool {
        matches!(self, CellType::Unstated | CellType::Number | CellType::Shared | CellType::Bool | CellType::Error)
    }
}

/// What a `<c>` tag says of its cell: where it is, its style and its type.
pub(super) struct CellHead {
    at: (u32, u32),
    style: Option<usize>,
    kind: CellType,
}

/// What cell values are read against.
pub(super) struct Book<'a> {
    pub(super) strings: &'a Arc<StringTable>,
    pub(super) formats: &'a [NumberKind],
    pub(super) is_1904: bool,
}

/// The qualified names of the elements being read, innermost last; their
/// buffers are kept for the next elements, so no cell allocates for them.
#[derive(Default)]
pub(super) struct OpenElements {
    names: Vec<Vec<u8>>,
    depth: usize,
}

impl OpenElements {
    pub(super) fn push(&mut self, name: &[u8]) {
        if self.depth == self.names.len() {
            self.names.push(Vec::new());
        }
        let slot = &mut self.names[self.depth];
        slot.clear();
        slot.extend_from_slice(name);
        self.depth += 1;
    }

    pub(super) fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub(super) fn innermost(&self) -> Option<&[u8]> {
        self.depth.checked_sub(1).map(|i| self.names[i].as_slice())
    }

    pub(super) fn is_innermost(&self, name: &[u8]) -> bool {
        self.innermost() == Some(name)
    }
}

/// The scanner plus buffers reused from cell to cell.
pub(super) struct Reader<R> {
    pub(super) xml: Scanner<R>,
    pub(super) names: OpenElements,
    pub(super) text: String,
    /// The cell being read, for messages (`None` in the shared strings).
    pub(super) at: Option<(u32, u32)>,
}

impl<R: Read> Reader<R> {
    /// A reader of `part` from its start.
    pub(super) fn new(part: R) -> Self {
        Reader { xml: Scanner::new(part), names: OpenElements::default(), text: String::new(), at: None }
    }

    /// Every cell of `<sheetData>`, handed to `sink` as (row, column, value).
    pub(super) fn cells(&mut self, book: &Book<'_>, sink: &mut RowSink<'_>) -> Result<(), SheetError> {
        let mut first_element = false;
        // An end tag with no element open is refused by the scanner; one
        // naming another element than the innermost is read, as calamine's
        // quick-xml (`check_end_names` off) reads it.
        loop {
            match self.xml.next()? {
                Event::Start(tag) => {
                    if tag.local_name() == b"sheetData" {
                        break;
                    }
                    if tag.local_name() != b"dimension" {
                        first_element = true;
                        continue;
                    }
                    let area = tag.attribute(b"ref")?.ok_or(SheetError::Node("dimension".to_owned()))?;
                    if area.split(|&b| b == b':').count() > 2 {
                        return Err(SheetError::Reference(String::from_utf8_lossy(area).into_owned()));
                    }
                    for corner in area.split(|&b| b == b':') {
                        cell_reference(corner)?;
                    }
                }
                Event::Eof if first_element => return Err(SheetError::NotAWorksheet),
                Event::Eof => return Err(SheetError::Eof("worksheet")),
                _ => {}
            }
        }
        let (mut row_index, mut col_index) = (0u32, 0u32);
        loop {
            match self.xml.next()? {
                Event::Start(tag) if tag.local_name() == b"row" => {
                    if let Some(r) = tag.attribute(b"r")? {
                        row_index = row_number(r)?;
                    }
                }
                Event::Start(tag) if tag.local_name() == b"c" => {
                    // As calamine's `get_attrs!` reads them: the last value
                    // of each, and no further once three of `r`, `s`, `t`
                    // were seen (a repeat counts), so that a malformed
                    // attribute after them is read past as calamine does.
                    let (mut position, mut style, mut kind, mut found) = (None, None, None, 0);
                    for pair in tag.attributes() {
                        match pair? {
                            (b"r", r) => position = Some(r),
                            (b"s", s) => style = Some(s),
                            (b"t", t) => kind = Some(t),
                            _ => continue,
                        }
                        found += 1;
                        if found == 3 {
                            break;
                        }
                    }
                    let position = position.map(cell_reference).transpose()?;
                    let style = style.map(style_index);
                    let (row, col) = position.unwrap_or((row_index, col_index));
                    self.at = Some((row, col));
                    col_index = col;
                    let head = CellHead { at: (row, col), style, kind: CellType::from_attribute(kind) };
                    let simple = if head.kind.is_plain() { self.xml.simple_element(b"<v>", b"</v></c>") } else { None };
                    let value = match simple {
                        Some([]) => Cell::Empty,
                        Some(raw) => {
                            let text =
                                std::str::from_utf8(raw).map_err(|_| ScanError::Malformed("text that is not UTF-8"))?;
                            value_of(book, &head, text)?
                        }
                        None => self.cell(book, &head)?,
                    };
                    col_index = col_index.saturating_add(1);
                    if value != Cell::Empty && !sink.push(row, col, value) {
                        return Ok(());
                    }
                }
                Event::End(name) => match local_name(name) {
                    b"row" => {
                        row_index = row_index.saturating_add(1);
                        col_index = 0;
                    }
                    b"sheetData" => return Ok(()),
                    _ => {}
                },
                Event::Eof => return Err(SheetError::Eof("sheetData")),
                _ => {}
            }
        }
    }

    /// The value of one `<c>`: its last `<v>`, `<is>` or `<f>` decides (a
    /// formula alone leaves the cell empty).
    pub(super) fn cell(&mut self, book: &Book<'_>, head: &CellHead) -> Result<Cell, SheetError> {
        let mut value = Cell::Empty;
        loop {
            match self.xml.next()? {
                Event::Start(tag) => {
                    let local = tag.local_name();
                    self.names.push(tag.name);
                    value = match local {
                        b"is" => Cell::Text(self.rich_text()?),
                        b"v" if head.kind == CellType::Inline => {
                            self.skip_element()?;
                            Cell::Empty
                        }
                        b"v" if head.kind.is_plain() => self.plain_value(book, head)?,
                        b"v" => {
                            self.element_text()?;
                            let text = std::mem::take(&mut self.text);
                            let cell = value_of(book, head, &text);
                            self.text = text;
                            cell?
                        }
                        b"f" => {
                            self.skip_element()?;
                            Cell::Empty
                        }
                        other => return Err(SheetError::Node(String::from_utf8_lossy(other).into_owned())),
                    };
                }
                Event::End(name) if local_name(name) == b"c" => return Ok(value),
                Event::Eof => return Err(SheetError::Eof("c")),
                _ => {}
            }
        }
    }

    /// A `<v>` of a plain type: its first text, read as is.
    pub(super) fn plain_value(&mut self, book: &Book<'_>, head: &CellHead) -> Result<Cell, SheetError> {
        let value = match self.xml.next()? {
            Event::Text(raw) => {
                let text = std::str::from_utf8(raw).map_err(|_| ScanError::Malformed("text that is not UTF-8"))?;
                value_of(book, head, text)?
            }
            Event::End(name) if self.names.is_innermost(name) => {
                self.names.pop();
                return Ok(Cell::Empty);
            }
            Event::Eof => return Err(SheetError::Eof("v")),
            _ => Cell::Empty,
        };
        self.skip_element()?;
        Ok(value)
    }

    /// Collects the text of the innermost open element into `self.text`,
    /// entities resolved, up to its end.
    pub(super) fn element_text(&mut self) -> Result<(), SheetError> {
        self.text.clear();
        loop {
            if self.text.len() > MAX_CELL_BYTES {
                return Err(long_text(self.at));
            }
            match self.xml.next()? {
                Event::Text(raw) => push_text(raw, &mut self.text)?,
                Event::Ref(name) => resolve_entity(name, &mut self.text)?,
                Event::End(name) if self.names.is_innermost(name) => {
                    self.names.pop();
                    if limits::cell_too_long(&self.text) {
                        return Err(long_text(self.at));
                    }
                    return Ok(());
                }
                Event::Eof => return Err(SheetError::Eof("v")),
                _ => {}
            }
        }
    }

    /// Skips to the end of the innermost open element, nested ones of the same name included.
    pub(super) fn skip_element(&mut self) -> Result<(), SheetError> {
        let mut depth = 0usize;
        loop {
            let Some(open) = self.names.innermost() else { return Ok(()) };
            match self.xml.next()? {
                Event::Start(tag) if tag.name == open => depth += 1,
                Event::End(name) if name == open => {
                    if depth == 0 {
                        self.names.pop();
                        return Ok(());
                    }
                    depth -= 1;
                }
                Event::Eof => return Err(SheetError::Eof("a cell")),
                _ => {}
            }
        }
    }

    /// The text of a shared string or inline string (the innermost open
    /// element): its `<t>` parts joined, phonetic runs left out, each part
    /// trimmed of ASCII white space unless it keeps its spaces.
    pub(super) fn rich_text(&mut self) -> Result<String, SheetError> {
        let mut joined: Option<String> = None;
        let mut phonetic = false;
        loop {
            match self.xml.next()? {
                Event::Start(tag) if tag.local_name() == b"r" && joined.is_none() => joined = Some(String::new()),
                Event::Start(tag) if tag.local_name() == b"rPh" => phonetic = true,
                Event::End(name) if self.names.is_innermost(name) => {
                    self.names.pop();
                    return Ok(joined.unwrap_or_default());
                }
                Event::End(name) if local_name(name) == b"rPh" => phonetic = false,
                Event::Start(tag) if tag.local_name() == b"t" && !phonetic => {
                    let preserve = tag.attribute(b"xml:space")? == Some(b"preserve");
                    self.names.push(tag.name);
                    let mut part = String::new();
                    loop {
                        if part.len() + joined.as_ref().map_or(0, String::len) > MAX_CELL_BYTES {
                            return Err(long_text(self.at));
                        }
                        match self.xml.next()? {
                            Event::Text(raw) | Event::CData(raw) => push_text(raw, &mut part)?,
                            Event::Ref(name) => resolve_entity(name, &mut part)?,
                            Event::End(name) if self.names.is_innermost(name) => break,
                            Event::Eof => return Err(SheetError::Eof("t")),
                            _ => {}
                        }
                    }
                    self.names.pop();
                    let part = if preserve { unescape_excel(part) } else { trimmed_text(part) };
                    match &mut joined {
                        Some(text) => text.push_str(&part),
                        None => joined = Some(part),
                    }
                }
                Event::Eof => return Err(SheetError::Eof("si")),
                _ => {}
            }
        }
    }
}

/// A `<t>` without `xml:space="preserve"`: trimmed of ASCII white space
/// (not of other spaces such as U+00A0), then Excel's escapes undone.
pub(super) fn trimmed_text(mut text: String) -> String {
    let trimmed = text.trim_matches([' ', '\t', '\r', '\n']);
    if trimmed.len() != text.len() {
        text = trimmed.to_owned();
    }
    unescape_excel(text)
}

/// A cell's value from the text of its `<v>`.
pub(super) fn value_of(book: &Book<'_>, head: &CellHead, text: &str) -> Result<Cell, SheetError> {
    let name = || cell_name(head.at);
    Ok(match &head.kind {
        CellType::Shared => {
            if text.is_empty() {
                return Ok(Cell::Empty);
            }
            let index = text.parse().unwrap_or(0);
            let string =
                SharedString::new(book.strings, index).ok_or_else(|| SheetError::MissingString(name(), index))?;
            Cell::SharedText(string)
        }
        CellType::Bool => match text.trim() {
            "" => Cell::Empty,
            "0" => Cell::Bool(false),
            "1" => Cell::Bool(true),
            t if t.eq_ignore_ascii_case("false") => Cell::Bool(false),
            t if t.eq_ignore_ascii_case("true") => Cell::Bool(true),
            _ => return Err(SheetError::Value(name(), text.to_owned(), "a boolean")),
        },
        CellType::Date => iso_datetime(text),
        CellType::Error => match text {
            "#DIV/0!" | "#N/A" | "#NAME?" | "#NULL!" | "#NUM!" | "#REF!" | "#VALUE!" => Cell::Error(text.to_owned()),
            _ => return Err(SheetError::Value(name(), text.to_owned(), "an Excel error")),
        },
        CellType::Formula => Cell::Text(unescape_excel(text.to_owned())),
        CellType::Unstated | CellType::Number => {
            if text.is_empty() {
                return Ok(Cell::Empty);
            }
            match text.parse::<f64>() {
                Ok(number) => {
                    let format = match head.style {
                        Some(index) => book.formats.get(index).copied(),
                        None => Some(NumberKind::Plain),
                    };
                    match format {
                        Some(NumberKind::DateTime) => {
                            excel_datetime(&ExcelDateTime::new(number, ExcelDateTimeType::DateTime, book.is_1904))
                        }
                        Some(NumberKind::Duration) => {
                            excel_datetime(&ExcelDateTime::new(number, ExcelDateTimeType::TimeDelta, book.is_1904))
                        }
                        _ => Cell::Number(number),
                    }
                }
                Err(_) if head.kind == CellType::Unstated => Cell::Text(text.to_owned()),
                Err(_) => return Err(SheetError::Value(name(), text.to_owned(), "a number")),
            }
        }
        CellType::Inline => Cell::Empty,
        CellType::Unknown(t) => return Err(SheetError::Type(name(), t.clone())),
    })
}

/// A style index as calamine reads it: digits, anything else counts as 0.
pub(super) fn style_index(raw: &[u8]) -> usize {
    std::str::from_utf8(raw).ok().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Letters then digits (`B12`): the 0-based row and, if given, column.
pub(super) fn reference(raw: &[u8]) -> Result<(u32, Option<u32>), SheetError> {
    let bad = || SheetError::Reference(String::from_utf8_lossy(raw).into_owned());
    let letters = raw.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (col_part, row_part) = raw.split_at(letters);
    let mut col: u32 = 0;
    for b in col_part {
        col = col
            .checked_mul(26)
            .and_then(|c| c.checked_add(u32::from(b.to_ascii_uppercase() - b'A') + 1))
            .ok_or_else(bad)?;
    }
    if row_part.is_empty() || !row_part.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let mut row: u32 = 0;
    for b in row_part {
        row = row.checked_mul(10).and_then(|r| r.checked_add(u32::from(b - b'0'))).ok_or_else(bad)?;
    }
    Ok((row.checked_sub(1).ok_or_else(bad)?, col.checked_sub(1)))
}

pub(super) fn row_number(raw: &[u8]) -> Result<u32, SheetError> {
    reference(raw).map(|(row, _)| row)
}

pub(super) fn cell_reference(raw: &[u8]) -> Result<(u32, u32), SheetError> {
    match reference(raw)? {
        (row, Some(col)) => Ok((row, col)),
        _ => Err(SheetError::Reference(String::from_utf8_lossy(raw).into_owned())),
    }
}

/// `B12` for the 0-based (11, 1), for messages.
pub(super) fn cell_name((row, col): (u32, u32)) -> String {
    limits::cell_name(u64::from(row), u64::from(col))
}
