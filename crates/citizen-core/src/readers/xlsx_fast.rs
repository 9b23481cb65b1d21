//! The fast path for .xlsx/.xlsm workbooks: it reads the package, the shared
//! strings and the sheet's XML itself, with the small scanner of `xml_scan`,
//! instead of through calamine, whose general XML reader spends most of the
//! time on a large sheet. It follows calamine's rules cell for cell (types,
//! styles that make a number a date, the 1904 epoch, rich and phonetic text,
//! Excel's `_xHHHH_` escapes, cells and rows without positions); differential
//! tests hold it to calamine on workbooks of every shape. A workbook whose
//! package it does not understand is left to calamine (`open` gives `None`).

use super::excel::{choose_sheet, damaged, excel_datetime, iso_datetime};
use super::limits::{self, MAX_CELL_BYTES, MAX_SHARED_STRINGS, MAX_SHARED_STRINGS_BYTES};
use super::xlsx_stream::RowSink;
use super::xml_scan::{
    attribute_text, local_name, push_text, resolve_entity, unescape_excel, Event, ScanError, Scanner,
};
use super::{Cell, ReadError, SharedString, StringTable};
use crate::contract::config::SheetConfig;
use calamine::{ExcelDateTime, ExcelDateTimeType, Sheet, SheetType, SheetVisible};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use zip::ZipArchive;

type Archive = ZipArchive<BufReader<File>>;

/// How a cell style shows a number; only dates and durations change the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberKind {
    Plain,
    DateTime,
    Duration,
}

/// A workbook opened on the fast path, its sheet chosen.
pub(crate) struct FastXlsx {
    archive: Archive,
    /// The sheet's name, for messages.
    sheet: String,
    /// Zip entries of the sheet and of the shared strings.
    sheet_part: String,
    strings_part: Option<String>,
    /// Number kind by cell style index.
    formats: Vec<NumberKind>,
    is_1904: bool,
}

/// Opens the workbook and picks the sheet as the calamine path would; `None`
/// when anything is not as the fast path expects, so the caller falls back to
/// calamine (which also gives the messages for damaged files).
pub(crate) fn open(path: &Path, wanted: Option<&SheetConfig>) -> Option<(FastXlsx, String)> {
    let file = File::open(path).ok()?;
    let mut archive = ZipArchive::new(BufReader::new(file)).ok()?;
    let (xl_path, workbook_name) = office_document(&mut archive)?;
    let styles = format!("{xl_path}styles.xml");
    let formats = match part_name(&archive, &styles) {
        Some(_) => number_formats(&read_part(&mut archive, &styles)?)?,
        None => Vec::new(),
    };
    let relationships = relationships(&read_part(&mut archive, &format!("{xl_path}_rels/{workbook_name}.rels"))?)?;
    let workbook = read_part(&mut archive, &format!("{xl_path}{workbook_name}"))?;
    let (sheets, parts, is_1904) = sheets(&workbook, &relationships, &xl_path)?;
    let name = choose_sheet(&sheets, wanted).ok()?;
    let index = sheets.iter().position(|s| s.name == name)?;
    if sheets[index].typ != SheetType::WorkSheet {
        return None;
    }
    let sheet_part = part_name(&archive, &parts[index])?;
    let strings_part = part_name(&archive, &format!("{xl_path}sharedStrings.xml"));
    for part in strings_part.iter().chain([&sheet_part]) {
        if !is_utf8_xml(&mut archive, part) {
            return None;
        }
    }
    let fast = FastXlsx { archive, sheet: name.clone(), sheet_part, strings_part, formats, is_1904 };
    Some((fast, name))
}

/// The zip entry for a package path: exact, else ignoring case and slashes' direction.
fn part_name(archive: &Archive, path: &str) -> Option<String> {
    if archive.index_for_name(path).is_some() {
        return Some(path.to_owned());
    }
    archive
        .file_names()
        .filter_map(Result::ok)
        .find(|name| name.replace('\\', "/").eq_ignore_ascii_case(path))
        .map(|name| name.into_owned())
}

/// Whether a part starts as UTF-8 XML does (the scanner reads nothing else;
/// calamine also decodes parts written in UTF-16).
fn is_utf8_xml(archive: &mut Archive, part: &str) -> bool {
    let Ok(mut entry) = archive.by_name(part) else { return false };
    let mut head = [0u8; 4];
    let mut filled = 0;
    while filled < head.len() {
        match entry.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(_) => return false,
        }
    }
    let head = &head[..filled];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    head.iter().find(|b| !b.is_ascii_whitespace()).is_none_or(|&b| b == b'<')
}

/// A small part of the package, whole.
fn read_part(archive: &mut Archive, path: &str) -> Option<Vec<u8>> {
    let name = part_name(archive, path)?;
    let mut entry = archive.by_name(&name).ok()?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// The folder and file name of the workbook part, from the package relationships.
fn office_document(archive: &mut Archive) -> Option<(String, String)> {
    let rels = read_part(archive, "_rels/.rels")?;
    let mut xml = Scanner::new(&rels[..]);
    let mut target = None;
    loop {
        match xml.next().ok()? {
            Event::Start(tag) if tag.local_name() == b"Relationship" => {
                let kind = tag.attribute(b"Type").ok()?;
                if kind.is_some_and(|k| k.ends_with(b"/relationships/officeDocument")) {
                    if let Some(t) = tag.attribute(b"Target").ok()? {
                        target = Some(attribute_text(t).ok()?);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let target = target?;
    let (dir, name) = target.rfind('/').map_or(("", target.as_str()), |i| target.split_at(i + 1));
    let name = if name.is_empty() { "workbook.xml" } else { name };
    Some((dir.strip_prefix('/').unwrap_or(dir).to_owned(), name.to_owned()))
}

/// The workbook relationships: id to target and type, both raw.
fn relationships(xml: &[u8]) -> Option<HashMap<Vec<u8>, (String, String)>> {
    let mut xml = Scanner::new(xml);
    let mut found = HashMap::new();
    loop {
        match xml.next().ok()? {
            Event::Start(tag) if tag.local_name() == b"Relationship" => {
                let text = |v: Option<&[u8]>| String::from_utf8(v.unwrap_or_default().to_vec()).ok();
                if let Some(id) = tag.attribute(b"Id").ok()? {
                    let target = text(tag.attribute(b"Target").ok()?)?;
                    let kind = text(tag.attribute(b"Type").ok()?)?;
                    found.insert(id.to_vec(), (target, kind));
                }
            }
            Event::Eof => return Some(found),
            _ => {}
        }
    }
}

/// The sheets in workbook order, the zip path of each, and the date epoch.
fn sheets(
    xml: &[u8],
    relationships: &HashMap<Vec<u8>, (String, String)>,
    xl_path: &str,
) -> Option<(Vec<Sheet>, Vec<String>, bool)> {
    let mut xml = Scanner::new(xml);
    let (mut sheets, mut parts, mut is_1904) = (Vec::new(), Vec::new(), false);
    loop {
        match xml.next().ok()? {
            Event::Start(tag) if tag.local_name() == b"sheet" => {
                let (mut name, mut visible, mut id) = (String::new(), SheetVisible::Visible, &b""[..]);
                for pair in tag.attributes() {
                    let (key, value) = pair.ok()?;
                    match key {
                        b"name" => name = attribute_text(value).ok()?,
                        b"state" => {
                            visible = match value {
                                b"visible" => SheetVisible::Visible,
                                b"hidden" => SheetVisible::Hidden,
                                b"veryHidden" => SheetVisible::VeryHidden,
                                _ => return None,
                            }
                        }
                        key if local_name(key) == b"id" => id = value,
                        _ => {}
                    }
                }
                let (target, kind) = relationships.get(id)?;
                let typ = match kind.rsplit('/').next() {
                    Some("worksheet") => SheetType::WorkSheet,
                    Some("chartsheet") => SheetType::ChartSheet,
                    Some("dialogsheet") => SheetType::DialogSheet,
                    _ => return None,
                };
                parts.push(target.strip_prefix('/').map_or_else(|| format!("{xl_path}{target}"), str::to_owned));
                sheets.push(Sheet { name, typ, visible });
            }
            Event::Start(tag) if tag.local_name() == b"workbookPr" => {
                if let Some(v) = tag.attribute(b"date1904").ok()? {
                    is_1904 = v == b"1" || v == b"true";
                }
            }
            Event::Eof => return Some((sheets, parts, is_1904)),
            _ => {}
        }
    }
}

/// The number kind of each cell style (`cellXfs`), from built-in format ids
/// and the workbook's own format codes.
fn number_formats(xml: &[u8]) -> Option<Vec<NumberKind>> {
    let mut xml = Scanner::new(xml);
    let mut codes: HashMap<Vec<u8>, String> = HashMap::new();
    let mut kinds = Vec::new();
    let (mut in_codes, mut in_styles) = (false, false);
    loop {
        match xml.next().ok()? {
            Event::Start(tag) => match tag.local_name() {
                b"numFmts" => in_codes = true,
                b"cellXfs" => in_styles = true,
                b"numFmt" if in_codes => {
                    if let (Some(id), Some(code)) =
                        (tag.attribute(b"numFmtId").ok()?, tag.attribute(b"formatCode").ok()?)
                    {
                        codes.insert(id.to_vec(), attribute_text(code).ok()?);
                    }
                }
                b"xf" if in_styles => kinds.push(tag.attribute(b"numFmtId").ok()?.map_or(NumberKind::Plain, |id| {
                    codes.get(id).map_or_else(|| builtin_format(id), |code| custom_format(code))
                })),
                _ => {}
            },
            Event::End(name) => match local_name(name) {
                b"numFmts" => in_codes = false,
                b"cellXfs" => in_styles = false,
                _ => {}
            },
            Event::Eof => return Some(kinds),
            _ => {}
        }
    }
}

/// The built-in number formats that show dates, times or durations (ECMA-376 18.8.30).
fn builtin_format(id: &[u8]) -> NumberKind {
    match id {
        b"14" | b"15" | b"16" | b"17" | b"18" | b"19" | b"20" | b"21" | b"22" | b"45" | b"47" => NumberKind::DateTime,
        b"27" | b"28" | b"29" | b"30" | b"31" | b"32" | b"33" | b"34" | b"35" | b"36" | b"50" | b"51" | b"52"
        | b"53" | b"54" | b"55" | b"56" | b"57" | b"58" => NumberKind::DateTime,
        b"46" => NumberKind::Duration,
        _ => NumberKind::Plain,
    }
}

/// Whether a format code shows a date or a duration, as calamine decides it:
/// the first section only, quoted and escaped text and `[...]` parts skipped,
/// `[h]`, `[m]`, `[s]` make a duration.
fn custom_format(code: &str) -> NumberKind {
    let (mut escaped, mut quoted, mut brackets, mut prev, mut hms, mut ap) = (false, false, 0u8, ' ', false, false);
    for c in code.chars() {
        match (c, escaped, quoted, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => (),
            ('"', ..) => quoted = true,
            (';', ..) => return NumberKind::Plain,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumberKind::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberKind::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => return NumberKind::DateTime,
            _ => {
                if !(hms && c.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(c, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = c;
    }
    NumberKind::Plain
}

/// Why the sheet's cells could not be read.
#[derive(Debug, thiserror::Error)]
enum SheetError {
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
    fn into_read_error(self, what: &str) -> ReadError {
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
fn long_text(at: Option<(u32, u32)>) -> SheetError {
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
enum CellType {
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
    fn from_attribute(t: Option<&[u8]>) -> CellType {
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
    fn is_plain(&self) -> bool {
        matches!(self, CellType::Unstated | CellType::Number | CellType::Shared | CellType::Bool | CellType::Error)
    }
}

/// What a `<c>` tag says of its cell: where it is, its style and its type.
struct CellHead {
    at: (u32, u32),
    style: Option<usize>,
    kind: CellType,
}

/// What cell values are read against.
struct Book<'a> {
    strings: &'a Arc<StringTable>,
    formats: &'a [NumberKind],
    is_1904: bool,
}

/// The qualified names of the elements being read, innermost last; their
/// buffers are kept for the next elements, so no cell allocates for them.
#[derive(Default)]
struct OpenElements {
    names: Vec<Vec<u8>>,
    depth: usize,
}

impl OpenElements {
    fn push(&mut self, name: &[u8]) {
        if self.depth == self.names.len() {
            self.names.push(Vec::new());
        }
        let slot = &mut self.names[self.depth];
        slot.clear();
        slot.extend_from_slice(name);
        self.depth += 1;
    }

    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn innermost(&self) -> Option<&[u8]> {
        self.depth.checked_sub(1).map(|i| self.names[i].as_slice())
    }

    fn is_innermost(&self, name: &[u8]) -> bool {
        self.innermost() == Some(name)
    }
}

/// The scanner plus buffers reused from cell to cell.
struct Reader<R> {
    xml: Scanner<R>,
    names: OpenElements,
    text: String,
    /// The cell being read, for messages (`None` in the shared strings).
    at: Option<(u32, u32)>,
}

impl FastXlsx {
    /// Runs on the parsing thread: the shared strings, then every cell of the
    /// sheet. Both parts are inflated on a thread of their own meanwhile.
    pub(crate) fn stream(self, sink: &mut RowSink<'_>) {
        let sheet = format!("sheet '{}'", self.sheet);
        let parts: Vec<String> = self.strings_part.iter().chain([&self.sheet_part]).cloned().collect();
        let mut inflated = inflate(self.archive, parts).into_iter();
        let strings_part = if self.strings_part.is_some() { inflated.next() } else { None };
        let strings = match strings_part.map(shared_strings) {
            Some(Ok(strings)) => strings,
            Some(Err(error)) => {
                let part = self.strings_part.as_deref().unwrap_or("sharedStrings.xml");
                return sink.fail(error.into_read_error(&format!("the shared strings ({part}) of {sheet}")));
            }
            None => StringTable::default(),
        };
        let strings = Arc::new(strings);
        let Some(part) = inflated.next() else {
            return sink.fail(SheetError::Eof("worksheet").into_read_error(&format!("{sheet} (its part is missing)")));
        };
        let book = Book { strings: &strings, formats: &self.formats, is_1904: self.is_1904 };
        let mut reader =
            Reader { xml: Scanner::new(part), names: OpenElements::default(), text: String::new(), at: None };
        match reader.cells(&book, sink) {
            Ok(()) => sink.finish(),
            Err(error) => sink.fail(error.into_read_error(&sheet)),
        }
    }
}

/// Bytes inflated per block, and blocks in flight per part.
const INFLATED_BLOCK: usize = 128 * 1024;
const BLOCKS_IN_FLIGHT: usize = 8;

/// A part of the package as another thread inflates it, block by block.
struct Inflated {
    blocks: Receiver<std::io::Result<Vec<u8>>>,
    block: Vec<u8>,
    at: usize,
}

impl Read for Inflated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.block.len() {
            match self.blocks.recv() {
                Ok(block) => {
                    self.block = block?;
                    self.at = 0;
                }
                // The inflating thread is done with this part.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Inflates `parts` one after the other on a thread of its own, so that
/// decompression overlaps parsing; the parts are read back in the same order.
fn inflate(mut archive: Archive, parts: Vec<String>) -> Vec<Inflated> {
    let (senders, readers): (Vec<_>, Vec<_>) = parts
        .iter()
        .map(|_| {
            let (sender, blocks) = sync_channel(BLOCKS_IN_FLIGHT);
            (sender, Inflated { blocks, block: Vec::new(), at: 0 })
        })
        .collect();
    std::thread::spawn(move || {
        // zip parses untrusted bytes: a panic ends the parts early (the
        // parser then reports the XML as cut short) instead of the process.
        let _ = catch_unwind(AssertUnwindSafe(move || {
            for (part, sender) in parts.iter().zip(senders) {
                if !inflate_part(&mut archive, part, &sender) {
                    return;
                }
            }
        }));
    });
    readers
}

/// Sends one part in blocks; false once the parser has gone.
fn inflate_part(archive: &mut Archive, part: &str, sender: &SyncSender<std::io::Result<Vec<u8>>>) -> bool {
    let mut entry = match archive.by_name(part) {
        Ok(entry) => entry,
        Err(error) => return sender.send(Err(std::io::Error::other(error))).is_ok(),
    };
    loop {
        let mut block = vec![0; INFLATED_BLOCK];
        let mut filled = 0;
        while filled < block.len() {
            match entry.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return sender.send(Err(error)).is_ok(),
            }
        }
        if filled == 0 {
            return true;
        }
        block.truncate(filled);
        if sender.send(Ok(block)).is_err() {
            return false;
        }
    }
}

/// The shared strings table, in order.
fn shared_strings(part: impl Read) -> Result<StringTable, SheetError> {
    let mut reader = Reader { xml: Scanner::new(part), names: OpenElements::default(), text: String::new(), at: None };
    let mut strings = StringTable::default();
    loop {
        match reader.xml.next()? {
            Event::Start(tag) if tag.local_name() == b"sst" => {
                if let Some(count) = tag.attribute(b"uniqueCount")? {
                    let count: usize = std::str::from_utf8(count).ok().and_then(|c| c.parse().ok()).unwrap_or(0);
                    strings = StringTable::with_capacity(count.min(1 << 20));
                }
                break;
            }
            Event::Eof => return Err(SheetError::Eof("sst")),
            _ => {}
        }
    }
    loop {
        match reader.xml.next()? {
            Event::Start(tag) if tag.local_name() == b"si" => {
                if strings.len() >= MAX_SHARED_STRINGS {
                    return Err(SheetError::TooLarge(format!(
                        "more than {MAX_SHARED_STRINGS} distinct strings (the limit, 16 for each of Excel's \
                         1,048,576 rows)"
                    )));
                }
                if strings.memory() > MAX_SHARED_STRINGS_BYTES {
                    return Err(SheetError::TooLarge(format!(
                        "more than {} MiB of distinct text (the limit for the strings held while the sheet is read)",
                        MAX_SHARED_STRINGS_BYTES >> 20
                    )));
                }
                reader.names.push(tag.name);
                let string = match reader.xml.simple_element(b"<t>", b"</t></si>") {
                    Some(raw) => {
                        reader.names.pop();
                        let mut text = String::with_capacity(raw.len());
                        push_text(raw, &mut text)?;
                        trimmed_text(text)
                    }
                    None => reader.rich_text()?,
                };
                if limits::cell_too_long(&string) {
                    return Err(long_text(None));
                }
                strings.push(&string);
            }
            Event::End(name) if local_name(name) == b"sst" => return Ok(strings),
            Event::Eof => return Err(SheetError::Eof("sst")),
            _ => {}
        }
    }
}

impl<R: Read> Reader<R> {
    /// Every cell of `<sheetData>`, handed to `sink` as (row, column, value).
    fn cells(&mut self, book: &Book<'_>, sink: &mut RowSink<'_>) -> Result<(), SheetError> {
        let mut first_element = false;
        loop {
            match self.xml.next()? {
                Event::Start(tag) => match tag.local_name() {
                    b"sheetData" => break,
                    b"dimension" => {
                        let area = tag.attribute(b"ref")?.ok_or(SheetError::Node("dimension".to_owned()))?;
                        if area.split(|&b| b == b':').count() > 2 {
                            return Err(SheetError::Reference(String::from_utf8_lossy(area).into_owned()));
                        }
                        for corner in area.split(|&b| b == b':') {
                            cell_reference(corner)?;
                        }
                    }
                    _ => first_element = true,
                },
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
                    let (mut position, mut style, mut kind) = (None, None, None);
                    for pair in tag.attributes() {
                        match pair? {
                            (b"r", r) => position = Some(cell_reference(r)?),
                            (b"s", s) => style = Some(style_index(s)),
                            (b"t", t) => kind = Some(t),
                            _ => {}
                        }
                    }
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
    fn cell(&mut self, book: &Book<'_>, head: &CellHead) -> Result<Cell, SheetError> {
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
    fn plain_value(&mut self, book: &Book<'_>, head: &CellHead) -> Result<Cell, SheetError> {
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
    fn element_text(&mut self) -> Result<(), SheetError> {
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
    fn skip_element(&mut self) -> Result<(), SheetError> {
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
    fn rich_text(&mut self) -> Result<String, SheetError> {
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
fn trimmed_text(mut text: String) -> String {
    let trimmed = text.trim_matches([' ', '\t', '\r', '\n']);
    if trimmed.len() != text.len() {
        text = trimmed.to_owned();
    }
    unescape_excel(text)
}

/// A cell's value from the text of its `<v>`.
fn value_of(book: &Book<'_>, head: &CellHead, text: &str) -> Result<Cell, SheetError> {
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
fn style_index(raw: &[u8]) -> usize {
    std::str::from_utf8(raw).ok().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Letters then digits (`B12`): the 0-based row and, if given, column.
fn reference(raw: &[u8]) -> Result<(u32, Option<u32>), SheetError> {
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

fn row_number(raw: &[u8]) -> Result<u32, SheetError> {
    reference(raw).map(|(row, _)| row)
}

fn cell_reference(raw: &[u8]) -> Result<(u32, u32), SheetError> {
    match reference(raw)? {
        (row, Some(col)) => Ok((row, col)),
        _ => Err(SheetError::Reference(String::from_utf8_lossy(raw).into_owned())),
    }
}

/// `B12` for the 0-based (11, 1), for messages.
fn cell_name((row, col): (u32, u32)) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), u64::from(row) + 1)
}

#[cfg(test)]
mod tests {
    use super::super::excel::open_sheet;
    use super::super::excel::tests::workbooks;
    use super::super::xlsx_stream::{parse_sheet, Row, RowStream};
    use super::super::ReadError;
    use super::*;
    use crate::contract::{Catalog, SourceOptions};
    use crate::sample::{write_sample, SampleFormat, SampleSpec};
    use calamine::Sheets;
    use std::io::Write;
    use std::path::PathBuf;

    fn drain(mut rows: RowStream) -> Result<Vec<Row>, ReadError> {
        let mut out = Vec::new();
        while let Some(row) = rows.next_row() {
            out.push(row?);
        }
        Ok(out)
    }

    /// The sheet's rows through the fast path; None if it leaves the workbook to calamine.
    fn fast_rows(path: &Path, options: &SourceOptions) -> Option<Result<Vec<Row>, ReadError>> {
        let (workbook, _) = open(path, options.sheet.as_ref())?;
        Some(drain(RowStream::spawn(move |sink| workbook.stream(sink))))
    }

    fn calamine_rows(path: &Path, options: &SourceOptions) -> Result<Vec<Row>, ReadError> {
        let (workbook, sheet) = open_sheet(path, options)?;
        let Sheets::Xlsx(xlsx) = workbook else { panic!("an xlsx workbook") };
        drain(RowStream::spawn(move |sink| parse_sheet(xlsx, &sheet, sink)))
    }

    /// Both paths read the same rows and cells, or both refuse the sheet.
    fn assert_agree(name: &str, path: &Path, options: &SourceOptions) {
        let fast = fast_rows(path, options).unwrap_or_else(|| panic!("{name}: the fast path declined"));
        match (fast, calamine_rows(path, options)) {
            (Ok(fast), Ok(slow)) => assert_eq!(fast, slow, "{name}"),
            (Err(_), Err(_)) => {}
            (fast, slow) => panic!("{name}: fast path {fast:?}, calamine {slow:?}"),
        }
    }

    #[test]
    fn agrees_with_calamine_on_the_reader_test_workbooks() {
        let (_dir, workbooks) = workbooks();
        for (name, path, options) in &workbooks {
            assert_agree(name, path, options);
        }
    }

    #[test]
    fn agrees_with_calamine_on_every_generated_sample() {
        let dir = tempfile::tempdir().expect("temp dir");
        let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts");
        let catalog = Catalog::load(&contracts).unwrap_or_else(|e| panic!("{e}"));
        for contract in &catalog.contracts {
            let spec = SampleSpec { rows: 3000, seed: 7, errors_per_code: 20, format: SampleFormat::Xlsx };
            let path = dir.path().join(format!("{}.xlsx", contract.dataset));
            write_sample(contract, &spec, &path).unwrap_or_else(|e| panic!("{e}"));
            let rows = fast_rows(&path, &SourceOptions::default()).expect("fast path").expect("readable");
            assert_eq!(rows.len(), 3001, "{}", contract.dataset);
            assert_agree(&contract.dataset, &path, &SourceOptions::default());
        }
    }

    /// Random cells of every kind rust_xlsxwriter writes, tricky text included.
    #[test]
    fn agrees_with_calamine_on_random_cells() {
        use rust_xlsxwriter::{ExcelDateTime as XlsxDate, Format as XlsxFormat, Formula, Workbook};
        let texts = [
            "plain",
            "  padded  ",
            "R&D <x> \"q\" 'a'",
            "line\nbreak",
            "cr\r\nlf",
            "_x000D_ literal",
            "שלום עולם",
            "\u{200F}RTL mark",
            "nbsp\u{A0}",
            "emoji 😀",
            "=1+1",
            "007",
            "",
            "   ",
        ];
        let formats = [
            XlsxFormat::new().set_num_format("dd/mm/yyyy"),
            XlsxFormat::new().set_num_format("yyyy-mm-dd hh:mm"),
            XlsxFormat::new().set_num_format("[h]:mm:ss"),
            XlsxFormat::new().set_num_format("0.00"),
            XlsxFormat::new().set_num_format("\"d\" 0"),
            XlsxFormat::new().set_num_format_index(14),
            XlsxFormat::new().set_bold(),
        ];
        let dir = tempfile::tempdir().expect("temp dir");
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for round in 0..3 {
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet();
            for row in 0..300u32 {
                for col in 0..10u16 {
                    let format = &formats[next(formats.len() as u64) as usize];
                    let text = texts[next(texts.len() as u64) as usize];
                    let number = (next(2_000_000) as f64 - 500_000.0) / 16.0;
                    let written = match next(9) {
                        0 => sheet.write_string(row, col, text).map(|_| ()),
                        1 => sheet.write_string_with_format(row, col, text, format).map(|_| ()),
                        2 => sheet.write_number_with_format(row, col, number, format).map(|_| ()),
                        3 => sheet.write_number(row, col, number).map(|_| ()),
                        4 => sheet.write_boolean(row, col, next(2) == 0).map(|_| ()),
                        5 => {
                            let day =
                                XlsxDate::from_ymd(1950 + next(100) as u16, 1 + next(12) as u8, 1 + next(28) as u8)
                                    .expect("a date");
                            sheet.write_datetime_with_format(row, col, day, format).map(|_| ())
                        }
                        6 => sheet.write_formula(row, col, Formula::new("=A1").set_result(text.trim())).map(|_| ()),
                        7 => sheet.write_blank(row, col, format).map(|_| ()),
                        _ => Ok(()),
                    };
                    written.expect("cell written");
                }
            }
            let path = dir.path().join(format!("random-{round}.xlsx"));
            workbook.save(&path).expect("saved");
            assert_agree(&format!("random {round}"), &path, &SourceOptions::default());
        }
    }

    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /// The parts of a hand-written package; `None` leaves a part out.
    struct Package<'a> {
        sheets: Vec<(&'a str, &'a str, String)>,
        strings: Option<String>,
        styles: Option<String>,
        workbook_pr: &'a str,
        package_rels: bool,
        absolute_targets: bool,
        /// The first sheet's part as these bytes instead of its text.
        first_sheet_bytes: Option<Vec<u8>>,
    }

    impl Default for Package<'_> {
        fn default() -> Self {
            Package {
                sheets: Vec::new(),
                strings: Some(shared_strings_xml()),
                styles: Some(styles_xml()),
                workbook_pr: "",
                package_rels: true,
                absolute_targets: false,
                first_sheet_bytes: None,
            }
        }
    }

    fn sheet_xml(rows: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"{MAIN}\" \
             xmlns:r=\"{RELS}\"><dimension ref=\"A1:Z40\"/><sheetViews><sheetView workbookViewId=\"0\"/>\
             </sheetViews><sheetData>{rows}</sheetData><pageMargins left=\"0.7\"/></worksheet>"
        )
    }

    fn shared_strings_xml() -> String {
        let items = [
            "<si><t>plain</t></si>",
            "<si><t xml:space=\"preserve\">  spaced  </t></si>",
            "<si><t>  trimmed\r\n</t></si>",
            "<si><t>R&amp;D &lt;x&gt; &#1488;&#x5D1; &quot;q&quot;</t></si>",
            "<si><r><rPr><b/><sz val=\"11\"/></rPr><t>bold</t></r><r><t xml:space=\"preserve\"> part</t></r></si>",
            "<si><t>東京</t><rPh sb=\"0\" eb=\"2\"><t>トウキョウ</t></rPh><phoneticPr fontId=\"1\"/></si>",
            "<si><t>line_x000D_break _x005F_x000D_</t></si>",
            "<si><t><![CDATA[<cdata> & more]]></t></si>",
            "<si><t/></si>",
            "<si></si>",
            "<si><t>a\r\nb\rc</t></si>",
            "<si><t>&#160;nbsp kept&#160;</t></si>",
            "<si><t>emoji _xD83D__xDE00_ lone _xD83D_</t></si>",
            "<si>\n  <t>indented</t>\n</si>",
            "<si><t>two</t><t>parts</t></si>",
        ];
        format!("<sst xmlns=\"{MAIN}\" count=\"15\" uniqueCount=\"15\">{}</sst>", items.concat())
    }

    fn styles_xml() -> String {
        format!(
            "<styleSheet xmlns=\"{MAIN}\"><numFmts count=\"3\"><numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy\"/>\
             <numFmt numFmtId=\"165\" formatCode=\"[h]:mm:ss\"/><numFmt numFmtId=\"166\" \
             formatCode=\"&quot;Day&quot; 0\"/></numFmts><fonts count=\"1\"><font><sz val=\"11\"/></font></fonts>\
             <cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs><cellXfs count=\"7\"><xf numFmtId=\"0\"/>\
             <xf numFmtId=\"14\" applyNumberFormat=\"1\"/><xf numFmtId=\"164\"><alignment horizontal=\"left\"/></xf>\
             <xf numFmtId=\"165\"/><xf numFmtId=\"166\"/><xf numFmtId=\"46\"/><xf/></cellXfs></styleSheet>"
        )
    }

    /// Writes the package as a zip; each part stored as is.
    fn write_package(dir: &Path, name: &str, package: &Package<'_>) -> PathBuf {
        let path = dir.join(format!("{name}.xlsx"));
        let mut zip = zip::ZipWriter::new(File::create(&path).expect("created"));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut part = |name: &str, bytes: &[u8]| {
            zip.start_file(name, options).expect("zip entry");
            zip.write_all(bytes).expect("written");
        };
        part("[Content_Types].xml", b"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>");
        if package.package_rels {
            part(
                "_rels/.rels",
                format!(
                    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
                     <Relationship Id=\"rId1\" Type=\"{RELS}/officeDocument\" Target=\"xl/workbook.xml\"/>\
                     </Relationships>"
                )
                .as_bytes(),
            );
        }
        let prefix = if package.absolute_targets { "/xl/" } else { "" };
        let mut sheets = String::new();
        let mut rels = String::new();
        for (i, (sheet_name, state, xml)) in package.sheets.iter().enumerate() {
            let n = i + 1;
            let state = if state.is_empty() { String::new() } else { format!(" state=\"{state}\"") };
            sheets.push_str(&format!("<sheet name=\"{sheet_name}\" sheetId=\"{n}\"{state} r:id=\"rId{n}\"/>"));
            rels.push_str(&format!(
                "<Relationship Id=\"rId{n}\" Type=\"{RELS}/worksheet\" Target=\"{prefix}worksheets/sheet{n}.xml\"/>"
            ));
            let bytes = package.first_sheet_bytes.as_deref().filter(|_| n == 1).unwrap_or(xml.as_bytes());
            part(&format!("xl/worksheets/sheet{n}.xml"), bytes);
        }
        part(
            "xl/workbook.xml",
            format!(
                "<workbook xmlns=\"{MAIN}\" xmlns:r=\"{RELS}\">{}<sheets>{sheets}</sheets></workbook>",
                package.workbook_pr
            )
            .as_bytes(),
        );
        part(
            "xl/_rels/workbook.xml.rels",
            format!("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}</Relationships>").as_bytes(),
        );
        if let Some(strings) = &package.strings {
            part("xl/sharedStrings.xml", strings.as_bytes());
        }
        if let Some(styles) = &package.styles {
            part("xl/styles.xml", styles.as_bytes());
        }
        zip.finish().expect("zip finished");
        path
    }

    fn one_sheet(rows: &str) -> Package<'static> {
        Package { sheets: vec![("Data", "", sheet_xml(rows))], ..Package::default() }
    }

    /// Cells of every type, style and odd form the fast path reads itself.
    fn sheets_that_read() -> Vec<(&'static str, Package<'static>)> {
        let strings: String = (0..15)
            .map(|i| format!("<c r=\"{}1\" t=\"s\"><v>{i}</v></c>", cell_name((0, i)).trim_end_matches('1')))
            .collect();
        let numbers = "<row r=\"2\"><c r=\"A2\"><v>42</v></c><c r=\"B2\" t=\"n\"><v>-1.5E3</v></c>\
            <c r=\"C2\" s=\"1\"><v>45000</v></c><c r=\"D2\" s=\"2\"><v>45000.5</v></c><c r=\"E2\" s=\"3\"><v>1.25</v></c>\
            <c r=\"F2\" s=\"4\"><v>7</v></c><c r=\"G2\" s=\"5\"><v>0.5</v></c><c r=\"H2\" s=\"99\"><v>3</v></c>\
            <c r=\"I2\" s=\"1\"><v>0.25</v></c><c r=\"J2\" s=\"1\"><v>60</v></c><c r=\"K2\" s=\"1\"><v>-1</v></c>\
            <c r=\"L2\" s=\"x\"><v>5</v></c><c r=\"M2\" s=\"6\"><v>0.1</v></c></row>";
        let others = "<row r=\"3\"><c r=\"A3\" t=\"b\"><v>1</v></c><c r=\"B3\" t=\"b\"><v>0</v></c>\
            <c r=\"C3\" t=\"b\"><v>true</v></c><c r=\"D3\" t=\"b\"><v> FALSE </v></c><c r=\"E3\" t=\"b\"><v></v></c>\
            <c r=\"F3\" t=\"e\"><v>#N/A</v></c><c r=\"G3\" t=\"e\"><v>#DIV/0!</v></c>\
            <c r=\"H3\" t=\"str\"><v>a &amp; b_x000D_\r\nc</v></c><c r=\"I3\" t=\"d\"><v>2024-03-01T10:00:00</v></c>\
            <c r=\"J3\" t=\"d\"><v>2024-03-01</v></c><c r=\"K3\" t=\"d\"><v>soon</v></c>\
            <c r=\"L3\" t=\"inlineStr\"><is><t> inline </t></is></c>\
            <c r=\"M3\" t=\"inlineStr\"><is><r><t>rich</t></r><r><t xml:space=\"preserve\"> inline</t></r></is></c>\
            <c r=\"N3\" t=\"inlineStr\"><v>ignored</v><is><t>kept</t></is></c><c r=\"O3\"><v>not a number</v></c>\
            <c r=\"P3\" t=\"s\"><v></v></c><c r=\"Q3\" t=\"s\"/><c r=\"R3\"><f>1+1</f><v>2</v></c>\
            <c r=\"S3\"><v>2</v><f>1+1</f></c><c r=\"T3\" t=\"str\"><f>A1</f><v>x</v></c>\
            <c r=\"U3\" t=\"inlineStr\"><is/></c><c r=\"V3\"><v>1&#48;</v></c><c r=\"W3\"><v/></c>\
            <c r=\"X3\" t=\"s\"><v>007</v></c><c r=\"Y3\" t=\"n\"><f t=\"shared\" si=\"0\" ref=\"Y3:Y4\">1</f><v>8</v></c></row>";
        let positions = "<row><c><v>1</v></c><c><v>2</v></c></row><row r=\"5\"><c><v>3</v></c><c r=\"D5\"><v>4</v></c>\
            <c><v>5</v></c><c/><c><v>6</v></c></row><row/><row><c t=\"s\"><v>0</v></c></row>\
            <row r=\"9\"><c r=\"A9\" s=\"1\"/><c r=\"B9\" t=\"s\"><v>3</v></c><c r=\"b9\"><v>9</v></c></row>\
            <row r=\"12\"><c r=\"C9\"><v>out of order</v></c></row>";
        let spaced = "<row r=\"1\">\n  <c r=\"A1\" t=\"s\">\n    <v>0</v>\n  </c>\n  <!-- <c r=\"B1\"><v>9</v></c> -->\
            \n  <c r=\"B1\"><v>1</v> </c><?pi data?><c r=\"C1\"  t = 's' ><v>2</v></c>\n</row>";
        let prefixed = format!(
            "<x:worksheet xmlns:x=\"{MAIN}\"><x:sheetData><x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c>\
             <x:c r=\"B1\" t=\"inlineStr\"><x:is><x:t>inline</x:t></x:is></x:c><x:c r=\"C1\" s=\"1\"><x:v>45000</x:v>\
             </x:c></x:row></x:sheetData></x:worksheet>"
        );
        let prefixed_strings = format!(
            "<x:sst xmlns:x=\"{MAIN}\"><x:si><x:t>prefixed</x:t></x:si><x:si><x:r><x:t>r</x:t></x:r></x:si></x:sst>"
        );
        let hidden_first = Package {
            sheets: vec![
                ("Hidden", "hidden", sheet_xml("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>")),
                ("Shown", "", sheet_xml("<row r=\"1\"><c r=\"A1\"><v>2</v></c></row>")),
            ],
            ..Package::default()
        };
        vec![
            ("shared strings", one_sheet(&format!("<row r=\"1\">{strings}</row>"))),
            ("numbers and styles", one_sheet(numbers)),
            ("other types", one_sheet(others)),
            ("positions", one_sheet(positions)),
            ("spacing, comments and instructions", one_sheet(spaced)),
            ("1904 epoch", Package { workbook_pr: "<workbookPr date1904=\"1\"/>", ..one_sheet(numbers) }),
            (
                "prefixed",
                Package { sheets: vec![("Data", "", prefixed)], strings: Some(prefixed_strings), ..Package::default() },
            ),
            ("no strings, no styles", Package { strings: None, styles: None, ..one_sheet(numbers) }),
            ("absolute targets", Package { absolute_targets: true, ..one_sheet(numbers) }),
            ("hidden first sheet", hidden_first),
            ("empty sheet data", one_sheet("")),
            (
                "self-closing sheet data",
                Package {
                    sheets: vec![("Data", "", format!("<worksheet xmlns=\"{MAIN}\"><sheetData/></worksheet>"))],
                    ..Package::default()
                },
            ),
        ]
    }

    #[test]
    fn agrees_with_calamine_on_hand_written_sheets() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, package) in sheets_that_read() {
            let path = write_package(dir.path(), &name.replace(' ', "-"), &package);
            let fast = fast_rows(&path, &SourceOptions::default()).expect("fast path");
            assert!(fast.is_ok(), "{name}: {fast:?}");
            assert_agree(name, &path, &SourceOptions::default());
        }
    }

    #[test]
    fn refuses_what_calamine_refuses() {
        let broken = [
            ("missing shared string", "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>99</v></c></row>"),
            ("unknown type", "<row r=\"1\"><c r=\"A1\" t=\"x\"><v>1</v></c></row>"),
            ("bad boolean", "<row r=\"1\"><c r=\"A1\" t=\"b\"><v>yes</v></c></row>"),
            ("unknown error", "<row r=\"1\"><c r=\"A1\" t=\"e\"><v>#GETTING_DATA</v></c></row>"),
            ("bad reference", "<row r=\"1\"><c r=\"1A\"><v>1</v></c></row>"),
            ("row zero", "<row r=\"0\"><c><v>1</v></c></row>"),
            ("unexpected element", "<row r=\"1\"><c r=\"A1\"><foo/></c></row>"),
            ("text in a number", "<row r=\"1\"><c r=\"A1\" t=\"n\"><v>abc</v></c></row>"),
            ("unknown entity", "<row r=\"1\"><c r=\"A1\" t=\"str\"><v>&nbsp;</v></c></row>"),
        ];
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, rows) in broken {
            let path = write_package(dir.path(), &name.replace(' ', "-"), &one_sheet(rows));
            let fast = fast_rows(&path, &SourceOptions::default()).expect("fast path");
            assert!(fast.is_err(), "{name}: {fast:?}");
            assert!(calamine_rows(&path, &SourceOptions::default()).is_err(), "{name}: calamine read it");
        }
        let truncated = sheet_xml("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>");
        let path = write_package(
            dir.path(),
            "truncated",
            &Package { sheets: vec![("Data", "", truncated[..truncated.len() - 40].to_owned())], ..Package::default() },
        );
        assert_agree("truncated", &path, &SourceOptions::default());
        assert!(calamine_rows(&path, &SourceOptions::default()).is_err());
    }

    #[test]
    fn a_damaged_sheet_part_is_an_error_not_a_shorter_table() {
        let dir = tempfile::tempdir().expect("temp dir");
        let rows: String = (1..3000)
            .map(|r| {
                format!(
                    "<row r=\"{r}\"><c r=\"A{r}\"><v>{}</v></c><c r=\"B{r}\" t=\"s\"><v>0</v></c></row>",
                    r * 7919 % 10007
                )
            })
            .collect();
        let path = write_package(dir.path(), "damaged", &one_sheet(&rows));
        let (start, size) = {
            let mut archive = ZipArchive::new(File::open(&path).expect("opened")).expect("a zip");
            let entry = archive.by_name("xl/worksheets/sheet1.xml").expect("sheet part");
            (entry.data_start().expect("data offset"), entry.compressed_size())
        };
        let mut bytes = std::fs::read(&path).expect("read");
        let middle = usize::try_from(start + size / 2).expect("small file");
        for byte in &mut bytes[middle..middle + 16] {
            *byte ^= 0x5A;
        }
        std::fs::write(&path, bytes).expect("written");
        let fast = fast_rows(&path, &SourceOptions::default()).expect("the package itself is intact");
        assert!(fast.is_err(), "{:?}", fast.map(|rows| rows.len()));
        assert!(calamine_rows(&path, &SourceOptions::default()).is_err());
    }

    #[test]
    fn leaves_packages_it_does_not_know_to_calamine() {
        let dir = tempfile::tempdir().expect("temp dir");
        let rows = "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>";
        let no_rels = write_package(dir.path(), "no-rels", &Package { package_rels: false, ..one_sheet(rows) });
        assert!(open(&no_rels, None).is_none());
        let not_zip = dir.path().join("not-zip.xlsx");
        std::fs::write(&not_zip, b"id,name\n1,Dana\n").expect("written");
        assert!(open(&not_zip, None).is_none());
        let bad_state = write_package(
            dir.path(),
            "bad-state",
            &Package { sheets: vec![("Data", "invisible", sheet_xml(rows))], ..Package::default() },
        );
        assert!(open(&bad_state, None).is_none());
        let xml = sheet_xml(rows);
        let utf16 = xml.encode_utf16().flat_map(u16::to_le_bytes);
        let wide = write_package(
            dir.path(),
            "utf-16",
            &Package { first_sheet_bytes: Some([0xFF, 0xFE].into_iter().chain(utf16).collect()), ..one_sheet(rows) },
        );
        assert!(open(&wide, None).is_none());
    }

    #[test]
    fn picks_the_sheet_the_contract_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_, package) =
            sheets_that_read().into_iter().find(|(name, _)| *name == "hidden first sheet").expect("case");
        let path = write_package(dir.path(), "two-sheets", &package);
        for (wanted, value) in
            [(None, 2.0), (Some(SheetConfig::Index(0)), 1.0), (Some(SheetConfig::Name(" hidden ".into())), 1.0)]
        {
            let options = SourceOptions { sheet: wanted.clone(), ..SourceOptions::default() };
            let rows = fast_rows(&path, &options).expect("fast path").expect("readable");
            assert_eq!(rows, vec![(0, vec![Cell::Number(value)])], "{wanted:?}");
            assert_agree("two sheets", &path, &options);
        }
        assert!(open(&path, Some(&SheetConfig::Name("Missing".into()))).is_none());
    }

    #[test]
    fn tells_date_formats_as_calamine_does() {
        let cases = [
            ("dd/mm/yyyy", NumberKind::DateTime),
            ("[$-409]d-mmm-yy", NumberKind::DateTime),
            ("h:mm AM/PM", NumberKind::DateTime),
            ("[h]:mm:ss", NumberKind::Duration),
            ("[mm]:ss", NumberKind::Duration),
            ("0.00", NumberKind::Plain),
            ("\"day\" 0", NumberKind::Plain),
            ("#,##0 \\d", NumberKind::Plain),
            ("0;[Red]-0;\"d\"", NumberKind::Plain),
            ("[Red]0.0", NumberKind::Plain),
            ("General", NumberKind::Plain),
        ];
        for (code, kind) in cases {
            assert_eq!(custom_format(code), kind, "{code}");
        }
        assert_eq!(builtin_format(b"14"), NumberKind::DateTime);
        assert_eq!(builtin_format(b"46"), NumberKind::Duration);
        assert_eq!(builtin_format(b"49"), NumberKind::Plain);
    }

    #[test]
    fn names_cells_as_excel_does() {
        assert_eq!(cell_name((0, 0)), "A1");
        assert_eq!(cell_name((11, 25)), "Z12");
        assert_eq!(cell_name((0, 26)), "AA1");
        assert_eq!(reference(b"AA10").expect("valid"), (9, Some(26)));
        assert_eq!(reference(b"7").expect("valid"), (6, None));
        assert!(reference(b"A0").is_err());
        assert!(reference(b"A").is_err());
        assert!(reference(b"A1B").is_err());
    }
}
