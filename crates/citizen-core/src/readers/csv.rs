//! The CSV reader: streams a delimited text file as batches of
//! `csv::StringRecord`s without ever holding the file in memory. It tells the
//! encoding (see `encoding`) and the delimiter from the first 64 KiB, finds the
//! header row, and numbers every record with the row it has in a spreadsheet
//! (blank lines count, as Excel shows them).
//!
//! Parsing is `csv_core` driven directly over one reused 1 MiB buffer, so the
//! reader sees exactly which bytes each record used: that is how blank lines,
//! which the CSV parser skips silently, are still counted.

use super::cell::CellRef;
use super::encoding::{self, DecodingReader, Detected, SNIFF_BYTES};
use super::limits::{self, MAX_CELL_CHARS, MAX_COLUMNS};
use super::rows::{find_header, Columns, RowSource, Rows, SourceRow, Window};
use super::table::{BatchData, HeaderScore, ReadError, Table, TextRows, BATCH_ROWS};
use crate::contract::config::EncodingConfig;
use crate::contract::SourceOptions;
use ::csv::StringRecord;
use csv_core::ReadRecordResult;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;

/// Bytes read from the file at a time.
const READ_BUFFER_BYTES: usize = 1 << 20;

/// Non-blank lines looked at to sniff the delimiter.
const SNIFF_LINES: usize = 20;

/// The delimiters sniffed for, in order of preference on ties.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Opens a CSV file: detects its encoding and delimiter (unless `options`
/// fix them), finds its header row (`options.header_row`, else the row among
/// the first [`HEADER_SEARCH_ROWS`](super::rows::HEADER_SEARCH_ROWS) that `score` rates best) and returns the
/// rows after it as a stream of batches.
///
/// The batch stream yields `Err` at most once, and only after every row read
/// before the failure (e.g. `ReadError::Encoding` for a row that is not valid
/// UTF-8 in a file whose start was); it ends after that.
pub fn open(path: &Path, options: &SourceOptions, score: HeaderScore<'_>) -> Result<Table, ReadError> {
    let mut file = File::open(path).map_err(|e| unreadable(format!("could not open the file: {e}")))?;
    let (prefix, at_eof) = read_prefix(&mut file)?;
    if prefix.is_empty() {
        return Err(ReadError::Empty { message: "the file is empty (0 bytes)".to_owned() });
    }
    let detected = encoding::detect(&prefix, at_eof, options.encoding)?;
    let delimiter = {
        let text = detected.decode_prefix(&prefix);
        if at_eof && text.trim().is_empty() {
            return Err(ReadError::Empty { message: "the file holds only blank lines and spaces".to_owned() });
        }
        options.delimiter.unwrap_or_else(|| sniff_delimiter(&text, at_eof))
    };
    let declared_utf8 = options.encoding == Some(EncodingConfig::Utf8) && detected.bom_len == 0;
    let records = RecordReader::new(stream(prefix, file, detected), delimiter, declared_utf8);
    let rows = CsvRows { records, last_batch_bytes: 0 };
    let (header, batches) = find_header(rows, options.header_row, score, "the file")?;
    Ok(Table {
        sheet: None,
        encoding: Some(detected.name()),
        delimiter: Some(delimiter),
        header_row: header.row,
        headers: header.headers,
        batches: Box::new(batches),
    })
}

fn unreadable(message: String) -> ReadError {
    ReadError::Unreadable { message }
}

/// Reads up to [`SNIFF_BYTES`] from the start; true when that is the whole file.
fn read_prefix(file: &mut File) -> Result<(Vec<u8>, bool), ReadError> {
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    let read = file
        .by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| unreadable(format!("could not read the file: {e}")))?;
    Ok((prefix, read < SNIFF_BYTES))
}

/// The file as UTF-8 bytes, BOM skipped: the already-read prefix, then the rest
/// of the file; transcoded on the fly unless it already is UTF-8.
fn stream(prefix: Vec<u8>, file: File, detected: Detected) -> Box<dyn Read + Send> {
    let mut head = Cursor::new(prefix);
    head.set_position(detected.bom_len as u64);
    let raw = head.chain(file);
    if detected.is_utf8() {
        Box::new(raw)
    } else {
        Box::new(DecodingReader::new(raw, detected.encoding))
    }
}

/// Picks the delimiter among [`DELIMITERS`] from the start of the text: the one
/// whose count per line (outside quotes) is the same non-zero number on most
/// of the first lines; `,` when none appears. `complete` says the text is the
/// whole file (else its last, possibly cut, line is ignored).
pub fn sniff_delimiter(text: &str, complete: bool) -> u8 {
    let mut lines: Vec<[usize; DELIMITERS.len()]> = Vec::new();
    let mut counts = [0usize; DELIMITERS.len()];
    let mut in_quotes = false;
    let mut blank = true;
    let mut previous = b'\n';
    for b in text.bytes() {
        if lines.len() >= SNIFF_LINES {
            break;
        }
        // A quote opens a quoted field at the start of a field only; inside
        // one it closes it (and a doubled quote reopens it).
        let field_start = matches!(previous, b'\n' | b'\r' | b'"') || DELIMITERS.contains(&previous);
        previous = b;
        match b {
            b'"' if in_quotes || field_start => {
                in_quotes = !in_quotes;
                blank = false;
            }
            b'\n' | b'\r' if !in_quotes => {
                if !blank {
                    lines.push(counts);
                }
                counts = [0; DELIMITERS.len()];
                blank = true;
            }
            _ if in_quotes => {}
            _ => {
                if let Some(i) = DELIMITERS.iter().position(|&d| d == b) {
                    counts[i] += 1;
                }
                if !b.is_ascii_whitespace() || b == b'\t' {
                    blank = false;
                }
            }
        }
    }
    if complete && !blank && lines.len() < SNIFF_LINES {
        lines.push(counts);
    }
    let mut best: Option<((usize, usize), u8)> = None;
    for (i, &delimiter) in DELIMITERS.iter().enumerate() {
        // The most frequent non-zero count of this delimiter per line (the
        // larger count on ties), and on how many lines it occurs.
        let mut tally: Vec<(usize, usize)> = Vec::new();
        for line in &lines {
            let n = line[i];
            if n == 0 {
                continue;
            }
            match tally.iter_mut().find(|(count, _)| *count == n) {
                Some((_, lines_with)) => *lines_with += 1,
                None => tally.push((n, 1)),
            }
        }
        let Some(&(count, lines_with)) = tally.iter().max_by_key(|&&(count, lines_with)| (lines_with, count)) else {
            continue;
        };
        let key = (lines_with, count);
        if best.is_none_or(|(best_key, _)| key > best_key) {
            best = Some((key, delimiter));
        }
    }
    best.map_or(b',', |(_, delimiter)| delimiter)
}

/// Where a record's fields go, one after the other.
trait RecordSink {
    /// A new record begins (a reused record forgets the previous one).
    fn start_record(&mut self);
    fn field(&mut self, text: &str);
}

impl RecordSink for StringRecord {
    fn start_record(&mut self) {
        self.clear();
    }
    fn field(&mut self, text: &str) {
        self.push_field(text);
    }
}

/// Fields go straight into the batch: no copy through a `StringRecord`.
impl RecordSink for TextRows {
    fn start_record(&mut self) {
        self.start_row();
    }
    fn field(&mut self, text: &str) {
        self.push_field(text);
    }
}

/// Byte classes for the fast path over unquoted lines.
const PLAIN: u8 = 0;
const DELIMITER: u8 = 1;
const LINE_BREAK: u8 = 2;
const QUOTE: u8 = 3;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// What the fast path looks for: the class of every byte value, and each
/// special byte repeated over a word.
struct Scanner {
    classes: [u8; 256],
    specials: [u64; 4],
}

impl Scanner {
    fn new(delimiter: u8) -> Self {
        let mut classes = [PLAIN; 256];
        classes[usize::from(b'\n')] = LINE_BREAK;
        classes[usize::from(b'\r')] = LINE_BREAK;
        classes[usize::from(b'"')] = QUOTE;
        if classes[usize::from(delimiter)] == PLAIN {
            classes[usize::from(delimiter)] = DELIMITER;
        }
        let specials = [delimiter, b'\n', b'\r', b'"'].map(|b| ONES * u64::from(b));
        Scanner { classes, specials }
    }
}

/// Finds the end of the line starting `bytes` and the offsets of the delimiters
/// in it; `None` when the line holds a quote or does not end within `bytes`.
/// Looks at eight bytes at a time while none of them is special.
fn scan_plain_line(bytes: &[u8], scan: &Scanner, delimiters: &mut Vec<usize>) -> Option<usize> {
    // Marks the zero bytes of `x`; the lowest mark is always exact.
    let zeros = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    delimiters.clear();
    let mut i = 0;
    loop {
        while let Some(word) = bytes.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            let word = u64::from_le_bytes(word);
            let marks = scan.specials.iter().fold(0, |marks, &special| marks | zeros(word ^ special));
            if marks == 0 {
                i += 8;
            } else {
                i += (marks.trailing_zeros() / 8) as usize;
                break;
            }
        }
        let &b = bytes.get(i)?;
        match scan.classes[usize::from(b)] {
            PLAIN => {}
            DELIMITER => delimiters.push(i),
            LINE_BREAK => return Some(i),
            _ => return None,
        }
        i += 1;
    }
}

/// Splits a UTF-8 byte stream into records, numbering them as spreadsheet rows.
///
/// Blank lines are skipped (and counted) here, before the parser sees them.
/// A line without quotes that ends inside the buffer is split directly; any
/// other record goes through `csv_core`, which keeps its state across buffer
/// refills. Between records the parser is always at a record start (a pending
/// `\n` of a `\r\n` is harmless to it), so the two paths can alternate.
struct RecordReader {
    source: Box<dyn Read + Send>,
    core: csv_core::Reader,
    /// The fast path's byte classes.
    scan: Scanner,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// The source is exhausted.
    source_eof: bool,
    /// No more records (end of data, or a failure was returned).
    done: bool,
    /// Field bytes and field ends of a record parsed by `csv_core`.
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Delimiter offsets within a fast-path line.
    delimiters: Vec<usize>,
    /// Spreadsheet row of the last record returned.
    row: u64,
    /// The last byte consumed (`\n` before the first).
    last_byte: u8,
    /// The contract declared UTF-8 (for the wording of encoding errors).
    declared: bool,
}

impl RecordReader {
    fn new(source: Box<dyn Read + Send>, delimiter: u8, declared: bool) -> Self {
        let mut core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        // `csv_core` strips a UTF-8 BOM from the first input it is given,
        // which here is the first record the fast path hands over, anywhere
        // in the file. The encoding detection has already skipped the BOM at
        // the start of the file, so any later U+FEFF is data: one blank line
        // (skipped, producing no record) spends the parser's first read.
        let (mut out, mut ends) = ([0u8; 1], [0usize; 1]);
        let (primed, nin, _, _) = core.read_record(b"\n", &mut out, &mut ends);
        debug_assert!(matches!(primed, ReadRecordResult::InputEmpty) && nin == 1);
        RecordReader {
            source,
            core,
            scan: Scanner::new(delimiter),
            buf: vec![0; READ_BUFFER_BYTES],
            pos: 0,
            end: 0,
            source_eof: false,
            done: false,
            out: vec![0; 4096],
            ends: vec![0; 64],
            delimiters: Vec::with_capacity(64),
            row: 0,
            last_byte: b'\n',
            declared,
        }
    }

    /// Refills the buffer once everything in it has been consumed.
    fn fill(&mut self) -> Result<(), ReadError> {
        let n = loop {
            match self.source.read(&mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(unreadable(format!("could not read the file: {e}"))),
            }
        };
        self.pos = 0;
        self.end = n;
        self.source_eof = n == 0;
        Ok(())
    }

    /// The next record and its spreadsheet row, `None` at the end.
    fn next_record(&mut self) -> Result<Option<(u64, StringRecord)>, ReadError> {
        let mut record = StringRecord::new();
        Ok(self.next_record_into(&mut record)?.map(|row| (row, record)))
    }

    /// Like `next_record`, handing the fields to `record` (a reused
    /// `StringRecord`, or a batch being filled).
    fn next_record_into(&mut self, record: &mut impl RecordSink) -> Result<Option<u64>, ReadError> {
        if self.done {
            return Ok(None);
        }
        // Line breaks before a record are blank lines: a spreadsheet shows them
        // as rows. The `\n` of a `\r\n` that ended the previous line is not one.
        let mut blank_lines = 0u64;
        loop {
            while let Some(&b) = self.buf.get(self.pos..self.end).and_then(<[u8]>::first) {
                match b {
                    b'\n' if self.last_byte == b'\r' => {}
                    b'\n' | b'\r' => blank_lines += 1,
                    _ => break,
                }
                self.last_byte = b;
                self.pos += 1;
            }
            if self.pos < self.end {
                break;
            }
            if self.source_eof {
                self.done = true;
                return Ok(None);
            }
            self.fill()?;
        }
        let row = self.row + 1 + blank_lines;
        self.row = row;
        record.start_record();
        if !self.plain_line(row, record)? {
            self.parsed_record(row, record)?;
        }
        Ok(Some(row))
    }

    /// The record at `pos` when it is one line without quotes that ends inside
    /// the buffer, split at the delimiters; `None` to leave it to the parser.
    fn plain_line(&mut self, row: u64, record: &mut impl RecordSink) -> Result<bool, ReadError> {
        let bytes = self.buf.get(self.pos..self.end).unwrap_or_default();
        let Some(len) = scan_plain_line(bytes, &self.scan, &mut self.delimiters) else {
            return Ok(false);
        };
        let line = &bytes[..len];
        let Ok(text) = std::str::from_utf8(line) else {
            self.done = true;
            return Err(self.utf8_error(row));
        };
        if self.delimiters.len() >= MAX_COLUMNS as usize {
            self.done = true;
            return Err(too_many_fields(row, self.delimiters.len() + 1));
        }
        if len > MAX_CELL_CHARS {
            let mut start = 0;
            for (index, &end) in self.delimiters.iter().chain([&len]).enumerate() {
                if limits::cell_too_long(text.get(start..end).unwrap_or_default()) {
                    self.done = true;
                    return Err(long_field(row, index));
                }
                start = end + 1;
            }
        }
        let mut start = 0;
        for &delimiter in &self.delimiters {
            record.field(text.get(start..delimiter).unwrap_or_default());
            start = delimiter + 1;
        }
        record.field(text.get(start..).unwrap_or_default());
        // Consume the line break too; for `\r\n` the `\n` is skipped next time.
        self.last_byte = bytes[len];
        self.pos += len + 1;
        Ok(true)
    }

    /// The record at `pos` parsed by `csv_core`: quoted fields, line breaks in
    /// quotes, records that cross the buffer's end or lack a final line break.
    fn parsed_record(&mut self, row: u64, record: &mut impl RecordSink) -> Result<(), ReadError> {
        let (mut outlen, mut endlen) = (0usize, 0usize);
        loop {
            if self.pos == self.end && !self.source_eof {
                self.fill()?;
            }
            let input = self.buf.get(self.pos..self.end).unwrap_or_default();
            let (result, nin, nout, nend) =
                self.core.read_record(input, &mut self.out[outlen..], &mut self.ends[endlen..]);
            let consumed = nin.min(input.len());
            if let Some(&b) = input.get(..consumed).and_then(<[u8]>::last) {
                self.last_byte = b;
            }
            self.pos += consumed;
            outlen += nout;
            endlen += nend;
            match result {
                ReadRecordResult::InputEmpty if !input.is_empty() => {}
                ReadRecordResult::OutputFull => {
                    // The field being parsed started after the last field end:
                    // past MAX_CELL_BYTES it is too long whatever it holds, so
                    // the parse stops here instead of buffering the rest.
                    let field_start = endlen.checked_sub(1).and_then(|i| self.ends.get(i)).copied().unwrap_or(0);
                    if outlen - field_start > limits::MAX_CELL_BYTES {
                        self.done = true;
                        return Err(long_field(row, endlen));
                    }
                    let len = self.out.len() * 2;
                    self.out.resize(len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if endlen >= MAX_COLUMNS as usize {
                        self.done = true;
                        return Err(too_many_fields(row, endlen + 1));
                    }
                    let len = self.ends.len() * 2;
                    self.ends.resize(len, 0);
                }
                ReadRecordResult::Record => return self.build(row, outlen, endlen, record),
                // The end of the data inside a record cannot happen (the parser
                // ends the last record at the end of input); never loop.
                ReadRecordResult::InputEmpty | ReadRecordResult::End => {
                    self.done = true;
                    return self.build(row, outlen, endlen, record);
                }
            }
        }
    }

    /// Copies the fields `csv_core` parsed into a record of their own, checking
    /// UTF-8 once per record (each field must also be valid on its own).
    fn build(&mut self, row: u64, outlen: usize, endlen: usize, record: &mut impl RecordSink) -> Result<(), ReadError> {
        let out = self.out.get(..outlen).unwrap_or_default();
        let ends = self.ends.get(..endlen).unwrap_or_default();
        if ends.len() > MAX_COLUMNS as usize {
            self.done = true;
            return Err(too_many_fields(row, ends.len()));
        }
        if let Ok(text) = std::str::from_utf8(out) {
            let mut start = 0;
            let mut fields = 0;
            for &end in ends {
                let Some(field) = text.get(start..end) else {
                    break;
                };
                if limits::cell_too_long(field) {
                    self.done = true;
                    return Err(long_field(row, fields));
                }
                record.field(field);
                fields += 1;
                start = end;
            }
            if fields == ends.len() {
                return Ok(());
            }
        }
        self.done = true;
        Err(self.utf8_error(row))
    }

    fn utf8_error(&self, row: u64) -> ReadError {
        let message = if self.declared {
            format!(
                "row {row} is not valid UTF-8 text, although the contract declares \
                 `encoding: utf-8`: save the file as \"CSV UTF-8\", or declare the file's \
                 real encoding in the contract (e.g. `encoding: windows-1255` for a Hebrew \
                 Excel export)"
            )
        } else {
            format!(
                "row {row} is not valid UTF-8 text, although the start of the file is: \
                 save the file as \"CSV UTF-8\", or declare `encoding: windows-1255` in the \
                 contract if it is a Hebrew Excel export"
            )
        };
        ReadError::Encoding { row: Some(row), message }
    }
}

/// A field longer than Excel's cell limit, at `row` and 0-based `field`.
fn long_field(row: u64, field: usize) -> ReadError {
    limits::long_cell(Some(row), &format!("row {row}, column {}", field + 1))
}

/// A record with more fields than Excel has columns.
fn too_many_fields(row: u64, fields: usize) -> ReadError {
    limits::too_large(
        Some(row),
        format!(
            "row {row} has {}{fields} fields, past Excel's limit of {MAX_COLUMNS} columns",
            if fields > MAX_COLUMNS as usize { "" } else { "more than " }
        ),
    )
}

/// A CSV field as a cell: the empty string is an empty cell.
fn text_cell(field: &str) -> CellRef<'_> {
    if field.is_empty() {
        CellRef::Empty
    } else {
        CellRef::Text(field)
    }
}

impl SourceRow for StringRecord {
    fn cells(&self) -> Vec<CellRef<'_>> {
        self.iter().map(text_cell).collect()
    }
}

/// Records read while looking for the header go into the first batch.
impl Rows for TextRows {
    type Row = StringRecord;

    fn push(&mut self, record: StringRecord, _offset: usize) -> bool {
        if record.iter().all(|field| field.chars().all(char::is_whitespace)) {
            return false;
        }
        self.push_row(record.iter());
        true
    }

    fn len(&self) -> usize {
        TextRows::len(self)
    }

    fn cells(&self) -> usize {
        self.fields()
    }

    fn into_data(self) -> BatchData {
        BatchData::Text(self)
    }
}

/// A CSV file's records as the rows of the header search and the batches.
struct CsvRows {
    records: RecordReader,
    /// Text bytes of the last batch, to size the next one.
    last_batch_bytes: usize,
}

impl RowSource for CsvRows {
    type Row = StringRecord;
    type Rows = TextRows;
    const WINDOW: Window = Window::SourceRows;
    const COLUMNS: Columns = Columns::AsRead;

    fn read_row(&mut self) -> Option<Result<(u64, StringRecord), ReadError>> {
        self.records.next_record().transpose()
    }

    fn new_rows(&mut self) -> TextRows {
        TextRows::recycled(BATCH_ROWS, self.last_batch_bytes + self.last_batch_bytes / 8)
    }

    /// Fields go straight into the batch: no copy through a `StringRecord`.
    fn read_into(&mut self, rows: &mut TextRows, _offset: usize) -> Option<Result<Option<u64>, ReadError>> {
        let before = rows.len();
        match self.records.next_record_into(rows) {
            Ok(Some(row)) => {
                if rows.last_row_is_blank() {
                    rows.pop_row();
                    Some(Ok(None))
                } else {
                    Some(Ok(Some(row)))
                }
            }
            Ok(None) => None,
            Err(error) => {
                // A record cut short by an error leaves a partial row behind.
                if rows.len() > before {
                    rows.pop_row();
                }
                Some(Err(error))
            }
        }
    }

    fn filled(&mut self, rows: &TextRows) {
        self.last_batch_bytes = rows.text_len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::WINDOWS_1255;
    use std::path::PathBuf;

    /// Header names the test contract knows.
    const KNOWN: &[&str] = &["id", "name", "city", "note", "מספר זהות", "שם", "עיר"];

    fn score(row: &[CellRef<'_>]) -> usize {
        row.iter().filter(|c| matches!(c, CellRef::Text(t) if KNOWN.contains(&t.trim()))).count()
    }

    fn write(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    fn open_with(bytes: &[u8], options: &SourceOptions) -> Result<Table, ReadError> {
        let (_dir, path) = write("data.csv", bytes);
        open(&path, options, &score)
    }

    fn open_bytes(bytes: &[u8]) -> Result<Table, ReadError> {
        open_with(bytes, &SourceOptions::default())
    }

    type Rows = Vec<(u64, Vec<String>)>;

    /// Every data row with its number, then the failure that ended the stream.
    fn drain(table: Table) -> (Rows, Option<ReadError>) {
        let mut rows = Vec::new();
        let mut failure = None;
        let mut batches = table.batches;
        for batch in batches.by_ref() {
            match batch {
                Ok(batch) => {
                    assert!(!batch.is_empty() && batch.len() <= BATCH_ROWS);
                    assert!(matches!(batch.data, BatchData::Text(_)));
                    for i in 0..batch.len() {
                        let cells = (0..batch.width(i)).map(|c| batch.cell(i, c).display()).collect();
                        rows.push((batch.row_numbers[i], cells));
                    }
                }
                Err(e) => {
                    assert!(failure.is_none(), "a second failure");
                    failure = Some(e);
                }
            }
        }
        assert!(batches.next().is_none(), "the stream must stay ended");
        (rows, failure)
    }

    fn rows(table: Table) -> Rows {
        let (rows, failure) = drain(table);
        assert_eq!(failure, None);
        rows
    }

    fn row(n: u64, cells: &[&str]) -> (u64, Vec<String>) {
        (n, cells.iter().map(|c| (*c).to_owned()).collect())
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut bytes = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for unit in text.encode_utf16() {
            bytes.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
        }
        bytes
    }

    #[test]
    fn reads_plain_utf8() {
        let table = open_bytes(b"id,name,city\n1,Dana,Tel Aviv\n2,Yossi,Haifa\n").unwrap();
        assert_eq!(table.encoding, Some("UTF-8"));
        assert_eq!(table.delimiter, Some(b','));
        assert_eq!(table.sheet, None);
        assert_eq!(table.header_row, 1);
        assert_eq!(table.headers, ["id", "name", "city"]);
        assert_eq!(rows(table), [row(2, &["1", "Dana", "Tel Aviv"]), row(3, &["2", "Yossi", "Haifa"])]);
    }

    #[test]
    fn skips_the_utf8_bom() {
        let table = open_bytes("\u{FEFF}id,שם\n1,דנה\n".as_bytes()).unwrap();
        assert_eq!(table.encoding, Some("UTF-8"));
        assert_eq!(table.headers, ["id", "שם"]);
        assert_eq!(rows(table), [row(2, &["1", "דנה"])]);
    }

    #[test]
    fn only_the_bom_at_the_start_of_the_file_is_skipped() {
        let utf8 = SourceOptions { encoding: Some(EncodingConfig::Utf8), ..SourceOptions::default() };
        for options in [SourceOptions::default(), utf8] {
            // A leading BOM before a quoted header (parsed by `csv_core`).
            let table = open_with("\u{FEFF}\"id\",name\n1,Dana\n".as_bytes(), &options).unwrap();
            assert_eq!(table.headers, ["id", "name"]);
            assert_eq!(rows(table), [row(2, &["1", "Dana"])]);
            // A U+FEFF later on is data, whichever path parses its record.
            for text in ["id,name\n\u{FEFF}1,\"Dana\"\n", "id,name\n\u{FEFF}1,Dana", "id,name\n\u{FEFF}1,Dana\n"] {
                let table = open_with(text.as_bytes(), &options).unwrap();
                assert_eq!(rows(table), [row(2, &["\u{FEFF}1", "Dana"])], "{text:?}");
            }
        }
    }

    #[test]
    fn reads_utf16le_with_bom() {
        let text = "מספר זהות\tשם\tעיר\r\n123456782\tדנה\tתל אביב\r\n\r\n234567891\tיוסי\tחיפה\r\n";
        let table = open_bytes(&utf16(text, false)).unwrap();
        assert_eq!(table.encoding, Some("UTF-16LE"));
        assert_eq!(table.delimiter, Some(b'\t'));
        assert_eq!(table.headers, ["מספר זהות", "שם", "עיר"]);
        assert_eq!(rows(table), [row(2, &["123456782", "דנה", "תל אביב"]), row(4, &["234567891", "יוסי", "חיפה"])]);
    }

    #[test]
    fn reads_utf16be_with_bom() {
        let table = open_bytes(&utf16("id;name\n1;דנה\n", true)).unwrap();
        assert_eq!(table.encoding, Some("UTF-16BE"));
        assert_eq!(table.delimiter, Some(b';'));
        assert_eq!(rows(table), [row(2, &["1", "דנה"])]);
    }

    #[test]
    fn reads_windows_1255_hebrew() {
        let text = "מספר זהות,שם,עיר\r\n123456782,דנה כהן,תל אביב\r\n234567891,יוסי לוי,באר שבע\r\n";
        let (bytes, _, _) = WINDOWS_1255.encode(text);
        let table = open_bytes(&bytes).unwrap();
        assert_eq!(table.encoding, Some("windows-1255"));
        assert_eq!(table.headers, ["מספר זהות", "שם", "עיר"]);
        assert_eq!(
            rows(table),
            [row(2, &["123456782", "דנה כהן", "תל אביב"]), row(3, &["234567891", "יוסי לוי", "באר שבע"])]
        );
    }

    /// A file whose first 64 KiB are ASCII and whose Hebrew comes later.
    fn late_hebrew_1255() -> (Vec<u8>, u64) {
        let mut text = String::from("id,name\n");
        let mut n = 1;
        while text.len() < SNIFF_BYTES + 10_000 {
            n += 1;
            text.push_str(&format!("{n},ascii name {n}\n"));
        }
        text.push_str("999,דנה\n");
        let (bytes, _, _) = WINDOWS_1255.encode(&text);
        (bytes.into_owned(), n + 1)
    }

    #[test]
    fn invalid_utf8_late_in_the_file_names_its_row() {
        let (bytes, hebrew_row) = late_hebrew_1255();
        let (rows, failure) = drain(open_bytes(&bytes).unwrap());
        assert_eq!(rows.len() as u64, hebrew_row - 2, "every row before the bad one is read");
        assert_eq!(rows.last().map(|r| r.0), Some(hebrew_row - 1));
        match failure {
            Some(ReadError::Encoding { row, message }) => {
                assert_eq!(row, Some(hebrew_row));
                assert!(message.contains(&format!("row {hebrew_row}")), "{message}");
                assert!(message.contains("CSV UTF-8") && message.contains("windows-1255"), "{message}");
            }
            other => panic!("expected an encoding failure, got {other:?}"),
        }
    }

    #[test]
    fn a_declared_encoding_is_used() {
        let (bytes, hebrew_row) = late_hebrew_1255();
        let options = SourceOptions { encoding: Some(EncodingConfig::Windows1255), ..Default::default() };
        let table = open_with(&bytes, &options).unwrap();
        assert_eq!(table.encoding, Some("windows-1255"));
        let rows = rows(table);
        assert_eq!(rows.last(), Some(&row(hebrew_row, &["999", "דנה"])));
    }

    #[test]
    fn declared_utf8_that_is_not_fails_at_its_row() {
        let options = SourceOptions { encoding: Some(EncodingConfig::Utf8), ..Default::default() };
        match open_with(b"id,name\n1,Dana\n2,\xE3\xEF\xE4\n", &options) {
            Err(ReadError::Encoding { row: Some(3), message }) => {
                assert!(message.contains("encoding: utf-8"), "{message}")
            }
            other => panic!("expected an encoding failure at row 3, got {:?}", other.err()),
        }
    }

    #[test]
    fn sniffs_each_delimiter() {
        for delimiter in DELIMITERS {
            let d = delimiter as char;
            let text = format!("id{d}name{d}note\n1{d}Dana{d}\"a,b;c|d\te\"\n2{d}Yossi{d}plain\n");
            let table = open_bytes(text.as_bytes()).unwrap();
            assert_eq!(table.delimiter, Some(delimiter), "{d:?}");
            assert_eq!(table.headers, ["id", "name", "note"]);
            assert_eq!(rows(table), [row(2, &["1", "Dana", "a,b;c|d\te"]), row(3, &["2", "Yossi", "plain"])], "{d:?}");
        }
    }

    #[test]
    fn a_declared_delimiter_is_used() {
        let options = SourceOptions { delimiter: Some(b';'), ..Default::default() };
        let table = open_with(b"id;name,x\n1;a,b\n", &options).unwrap();
        assert_eq!(table.delimiter, Some(b';'));
        assert_eq!(table.headers, ["id", "name,x"]);
        assert_eq!(rows(table), [row(2, &["1", "a,b"])]);
    }

    #[test]
    fn delimiter_sniffing() {
        assert_eq!(sniff_delimiter("", true), b',');
        assert_eq!(sniff_delimiter("just one column\nvalue\n", true), b',');
        assert_eq!(sniff_delimiter("a;b;c", true), b';');
        // Commas inside text do not outvote the real delimiter.
        assert_eq!(sniff_delimiter("name;address\nA;Tel Aviv, Israel\nB;Haifa\n", true), b';');
        assert_eq!(sniff_delimiter("name\taddress\nA\tTel Aviv, Israel\nB\tHaifa, Israel\n", true), b'\t');
        // Decimal commas: the header line decides.
        assert_eq!(sniff_delimiter("x;y\n1,5;2,5\n3,5;4,5\n", true), b';');
        // Quoted delimiters and quoted line breaks are not counted.
        assert_eq!(sniff_delimiter("a|b\n\"x,y,z\nw,v\"|1\n2|3\n", true), b'|');
        assert_eq!(sniff_delimiter("a|b\n\"x,\"\"y\"\",z\"|1\n2|3\n", true), b'|');
        // A quote inside a field (inches) opens nothing.
        assert_eq!(sniff_delimiter("a,b;c,d\nscreen 5\" wide;1\nc;2\nd;3\n", true), b';');
        // A title row above the header does not matter.
        assert_eq!(sniff_delimiter("Report for May\n\nid,name,city\n1,a,b\n2,c,d\n", true), b',');
        // The cut last line of a partial chunk is ignored.
        assert_eq!(sniff_delimiter("a|b\n1|2\n3;4;5;6;7", false), b'|');
    }

    #[test]
    fn quoted_line_breaks_stay_in_their_cell() {
        let text = b"id,note\n1,\"line one\nline two\"\n2,plain\n3,\"a\r\nb\"\n4,\"\"\"quoted\"\"\"\n";
        let table = open_bytes(text).unwrap();
        assert_eq!(
            rows(table),
            [
                row(2, &["1", "line one\nline two"]),
                row(3, &["2", "plain"]),
                row(4, &["3", "a\r\nb"]),
                row(5, &["4", "\"quoted\""]),
            ]
        );
    }

    #[test]
    fn ragged_rows_are_allowed() {
        let table = open_bytes(b"id,name,city\n1,Dana\n2,Yossi,Haifa,extra\n").unwrap();
        let mut batches = table.batches;
        let batch = batches.next().unwrap().unwrap();
        assert_eq!((batch.width(0), batch.width(1)), (2, 4));
        assert_eq!(batch.cell(0, 2), CellRef::Empty);
        assert_eq!(batch.cell(1, 3), CellRef::Text("extra"));
        assert!(batches.next().is_none());
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let lines = ["id,name", "1,a", "", "2,b", "   ", ",,", " , ", "3,c", "", ""];
        for ending in ["\n", "\r\n", "\r"] {
            let text = lines.join(ending);
            let table = open_bytes(text.as_bytes()).unwrap();
            assert_eq!(table.header_row, 1);
            assert_eq!(rows(table), [row(2, &["1", "a"]), row(4, &["2", "b"]), row(8, &["3", "c"])], "{ending:?}");
        }
    }

    #[test]
    fn blank_lines_before_a_last_line_without_break_count() {
        for (text, header_row, numbers) in [
            ("id,name\n1,a\n\n\n2,b", 1, [2, 5]),
            ("id,name\r\n1,a\r\n\r\n\r\n2,b", 1, [2, 5]),
            ("id,name\r1,a\r\r\r2,b", 1, [2, 5]),
            ("\n\nid,name\n\n1,a\n\n\n2,b\n\n", 3, [5, 8]),
        ] {
            let table = open_bytes(text.as_bytes()).unwrap();
            assert_eq!(table.header_row, header_row, "{text:?}");
            let found: Vec<u64> = rows(table).into_iter().map(|r| r.0).collect();
            assert_eq!(found, numbers, "{text:?}");
        }
    }

    #[test]
    fn finds_the_header_below_a_title() {
        let text = "Monthly report,,\nMay 2026,,\n\nid,name,city\n1,Dana,Haifa\n\n2,Yossi,Eilat\n";
        let table = open_bytes(text.as_bytes()).unwrap();
        assert_eq!(table.header_row, 4);
        assert_eq!(table.headers, ["id", "name", "city"]);
        assert_eq!(rows(table), [row(5, &["1", "Dana", "Haifa"]), row(7, &["2", "Yossi", "Eilat"])]);
    }

    #[test]
    fn without_known_headers_the_first_row_with_data_is_the_header() {
        let table = open_bytes(b"\n,,\nalpha,beta\n1,2\n").unwrap();
        assert_eq!(table.header_row, 3);
        assert_eq!(table.headers, ["alpha", "beta"]);
        assert_eq!(rows(table), [row(4, &["1", "2"])]);
    }

    #[test]
    fn a_declared_header_row_is_used() {
        let text = b"exported by system X\nid,name\n1,a\n2,b\n";
        let options = SourceOptions { header_row: Some(2), ..Default::default() };
        let table = open_with(text, &options).unwrap();
        assert_eq!((table.header_row, table.headers.clone()), (2, vec!["id".to_owned(), "name".to_owned()]));
        assert_eq!(rows(table), [row(3, &["1", "a"]), row(4, &["2", "b"])]);

        // Row 1 forced although row 2 would score better.
        let options = SourceOptions { header_row: Some(1), ..Default::default() };
        let table = open_with(text, &options).unwrap();
        assert_eq!(table.headers, ["exported by system X"]);
        assert_eq!(rows(table).len(), 3);

        // A blank header row: no headers, the data follows.
        let options = SourceOptions { header_row: Some(2), ..Default::default() };
        let table = open_with(b"id,name\n\n1,a\n", &options).unwrap();
        assert!(table.headers.is_empty());
        assert_eq!(rows(table), [row(3, &["1", "a"])]);

        let options = SourceOptions { header_row: Some(9), ..Default::default() };
        assert!(matches!(open_with(text, &options), Err(ReadError::Empty { .. })));
    }

    #[test]
    fn empty_files_are_empty() {
        for bytes in [&b""[..], b"\n\n\r\n", b"   \n \t \n", b",,,\n , ,\n,\n"] {
            match open_bytes(bytes) {
                Err(e @ ReadError::Empty { .. }) => {
                    assert_eq!(e.code(), crate::report::IssueCode::EmptyFile)
                }
                other => panic!("{bytes:?}: expected empty, got {:?}", other.map(|t| t.headers)),
            }
        }
        // Blank lines beyond the sniffed start.
        let blank = "\n".repeat(SNIFF_BYTES * 2);
        assert!(matches!(open_bytes(blank.as_bytes()), Err(ReadError::Empty { .. })));
    }

    #[test]
    fn a_header_only_file_has_no_rows() {
        let table = open_bytes(b"id,name,,\n").unwrap();
        assert_eq!(table.headers, ["id", "name"]);
        assert_eq!(rows(table), []);
        let table = open_bytes(b"id,name").unwrap();
        assert_eq!(table.headers, ["id", "name"]);
        assert_eq!(rows(table), []);
    }

    #[test]
    fn binary_files_are_unreadable() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let garbage: Vec<u8> = (0..5000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.add_worksheet().write_string(0, 0, "id").unwrap();
        let xlsx = workbook.save_to_buffer().unwrap();
        for (bytes, needle) in
            [(garbage, "binary"), (xlsx, "ZIP"), (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec(), "PDF")]
        {
            match open_bytes(&bytes) {
                Err(e @ ReadError::Unreadable { .. }) => {
                    assert!(e.to_string().contains(needle), "{e}");
                    assert_eq!(e.code(), crate::report::IssueCode::Unreadable);
                }
                other => panic!("expected unreadable ({needle}), got {:?}", other.map(|t| t.headers)),
            }
        }
    }

    #[test]
    fn a_missing_file_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let result = open(&dir.path().join("nope.csv"), &SourceOptions::default(), &score);
        assert!(matches!(result, Err(ReadError::Unreadable { .. })));
    }

    #[test]
    fn batches_are_bounded_and_rows_continuous() {
        let mut text = String::from("id,name\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i},n{i}\n"));
        }
        let table = open_bytes(text.as_bytes()).unwrap();
        let sizes: Vec<usize> = table.batches.map(|b| b.unwrap().len()).collect();
        assert_eq!(sizes, [BATCH_ROWS, BATCH_ROWS, 20_000 - 2 * BATCH_ROWS]);
        let table = open_bytes(text.as_bytes()).unwrap();
        let numbers: Vec<u64> = rows(table).into_iter().map(|r| r.0).collect();
        assert_eq!(numbers, (2..=20_001).collect::<Vec<u64>>());
    }

    /// A multi-megabyte file crossing read-buffer boundaries, with quoted line
    /// breaks, blank lines and CRLF; the row numbers are computed alongside.
    fn big_file(ending: &str) -> (String, Rows) {
        let mut text = format!("id{0}name{0}city{ending}", ',');
        let mut expected = Vec::new();
        let mut line = 2u64;
        for i in 0..100_000u64 {
            if i % 997 == 0 {
                text.push_str(ending);
                line += 1;
            }
            // Most lines take the fast path; some need the parser.
            let (name, city) = match i % 101 {
                0 => (format!("first{ending}second {i}"), "תל אביב-יפו, ישראל"),
                50 => (format!("name {i}"), "say \"hi\""),
                _ => (format!("name {i}"), "תל אביב-יפו"),
            };
            if i % 101 == 0 {
                text.push_str(&format!("{i},\"{name}\",\"{city}\"{ending}"));
            } else {
                text.push_str(&format!("{i},{name},{city}{ending}"));
            }
            expected.push(row(line, &[&i.to_string(), &name, city]));
            line += 1;
        }
        (text, expected)
    }

    #[test]
    fn big_files_stream_with_exact_row_numbers() {
        for ending in ["\n", "\r\n", "\r"] {
            let (text, expected) = big_file(ending);
            assert!(text.len() > 3 * READ_BUFFER_BYTES);
            assert_eq!(rows(open_bytes(text.as_bytes()).unwrap()), expected, "{ending:?}");
        }
    }

    /// The first buffer holds the 64 KiB sniffed; put `tail` so that it
    /// starts `tail_offset` bytes before that boundary, after a header and one
    /// long row (two bytes a character, to stay within Excel's cell limit).
    fn across_the_first_boundary(tail_offset: usize, tail: &str) -> (String, String) {
        let head = "id,name\r\n1,";
        let bytes = SNIFF_BYTES - tail_offset - head.len();
        let long = format!("{}{}", "א".repeat(bytes / 2), "A".repeat(bytes % 2));
        (format!("{head}{long}{tail}"), long)
    }

    #[test]
    fn line_breaks_split_by_a_buffer_boundary_count_once() {
        // The row's `\r` last in the buffer, its `\n` first in the next; then
        // the blank line's `\r` last in the buffer.
        for offset in [1, 3] {
            let (text, long) = across_the_first_boundary(offset, "\r\n\r\n2,b\r\n");
            let expected = [row(2, &["1", &long]), row(4, &["2", "b"])];
            assert_eq!(rows(open_bytes(text.as_bytes()).unwrap()), expected);
        }
        // A plain line, and a quoted field, crossing the boundary.
        let (text, long) = across_the_first_boundary(2, "xyz,tail\n\n2,b\n");
        let expected = [row(2, &["1", &format!("{long}xyz"), "tail"]), row(4, &["2", "b"])];
        assert_eq!(rows(open_bytes(text.as_bytes()).unwrap()), expected);
        let (text, long) = across_the_first_boundary(2, ",\"x\ny\",tail\n\n2,b");
        let expected = [row(2, &["1", &long, "x\ny", "tail"]), row(4, &["2", "b"])];
        assert_eq!(rows(open_bytes(text.as_bytes()).unwrap()), expected);
    }

    #[test]
    fn the_plain_line_scanner_agrees_with_a_byte_loop() {
        let scanner = Scanner::new(b';');
        let naive = |bytes: &[u8]| -> Option<(usize, Vec<usize>)> {
            let mut delimiters = Vec::new();
            for (i, &b) in bytes.iter().enumerate() {
                match b {
                    b';' => delimiters.push(i),
                    b'\n' | b'\r' => return Some((i, delimiters)),
                    b'"' => return None,
                    _ => {}
                }
            }
            None
        };
        let alphabet = b"ab;\n\r\"\xD7\x90 ,\t|";
        let mut state = 0x1234_5678u32;
        let mut found = Vec::new();
        for len in 0..40 {
            for _ in 0..200 {
                let line: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        // Mostly plain bytes, so that specials land at every offset.
                        let pick = (state >> 16) as usize % (alphabet.len() * 4);
                        alphabet.get(pick).copied().unwrap_or(b'x')
                    })
                    .collect();
                let fast = scan_plain_line(&line, &scanner, &mut found).map(|end| (end, found.clone()));
                assert_eq!(fast, naive(&line), "{line:?}");
            }
        }
    }

    #[test]
    fn big_transcoded_files_stream_too() {
        let (text, expected) = big_file("\r\n");
        let (bytes, _, _) = WINDOWS_1255.encode(&text);
        let table = open_bytes(&bytes).unwrap();
        assert_eq!(table.encoding, Some("windows-1255"));
        assert_eq!(rows(table), expected);
        let table = open_bytes(&utf16(&text, false)).unwrap();
        assert_eq!(table.encoding, Some("UTF-16LE"));
        assert_eq!(rows(table), expected);
    }

    #[test]
    fn mangled_input_never_panics() {
        let base = "id,name,city\r\n1,\"Dana \"\"D\"\"\",Haifa\r\n\r\n2,יוסי,\"a\nb\"\r\n3,x".as_bytes();
        let specials = [b'"', b'\r', b'\n', b',', b';', 0, 0xFF, 0xD7, 0xEF, 0xBB, 0xBF, 0xFE];
        let mut state = 0xDEAD_BEEFu32;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as usize % n.max(1)
        };
        for _ in 0..300 {
            let mut bytes = base.to_vec();
            for _ in 0..1 + next(6) {
                let at = next(bytes.len() + 1);
                let byte = specials[next(specials.len())];
                match next(3) {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => bytes[at] = byte,
                    _ => bytes.truncate(at),
                }
            }
            if let Ok(table) = open_bytes(&bytes) {
                for batch in table.batches.flatten() {
                    for i in 0..batch.len() {
                        (0..batch.width(i) + 1).for_each(|c| drop(batch.cell(i, c).display()));
                    }
                }
            }
        }
    }

    #[test]
    fn batches_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let table = open_bytes(b"id\n1\n").unwrap();
        assert_send(&table.batches);
        let handle = std::thread::spawn(move || rows(table));
        assert_eq!(handle.join().unwrap(), [row(2, &["1"])]);
    }
}
