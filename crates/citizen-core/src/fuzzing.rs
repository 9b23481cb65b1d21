//! Entry points for the cargo-fuzz targets in `fuzz/` (cargo feature
//! `fuzzing`; not part of the crate's API). Each function takes the fuzzer's
//! bytes, runs one reader or parser on them, and panics when a property
//! breaks: the fast path must agree with its reference (calamine, the `csv`
//! crate, `phonenumber`, chrono), and nothing may crash or loop. A panic is
//! what the fuzzer reports as a finding.
//!
//! `write_seeds` builds the seed corpora from the generated samples of the
//! repository's contracts (see `scripts/fuzz.sh`).

use crate::contract::{compile_contract, Catalog, ColumnType, SourceOptions};
use crate::readers::calamine::{open_sheet, parse_sheet};
use crate::readers::sheet_stream::{Row, RowStream};
use crate::readers::xlsx_fast::xml_scan::{attribute_text, push_text, resolve_entity, unescape_excel, Event, Scanner};
use crate::readers::{self, limits, Batch, BatchData, Cell, CellRef, ReadError};
use crate::sample::{write_sample, SampleFormat, SampleSpec};
use crate::validate::types::{check_cell, dates, phone, TextNeed};
use calamine::Sheets;
use chrono::{NaiveDate, NaiveDateTime};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

// ---------------------------------------------------------------------------
// Panics

/// libFuzzer's Rust glue aborts on every panic, caught or not. The readers
/// catch panics of the libraries they run on untrusted bytes (calamine, zip)
/// and report the file as damaged, so those are not findings of ours; any
/// other panic still aborts.
pub fn tolerate_caught_library_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let file = info.location().map(|l| l.file()).unwrap_or_default();
        let in_library = ["/calamine-", "/zip-", "/quick-xml-"].iter().any(|crate_dir| file.contains(crate_dir));
        if !in_library {
            previous(info);
            std::process::abort();
        }
    }));
}

/// A private scratch directory for the files the readers need on disk, in
/// memory when `/dev/shm` exists.
fn scratch(name: &str) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let made = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() };
        made.expect("a scratch directory")
    });
    dir.path().join(name)
}

// ---------------------------------------------------------------------------
// XML scanner

/// A reader handing out at most `chunk` bytes per read, to cross buffer edges.
struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The events of a scan, written out, and how it ended.
fn scan_events(source: impl Read, limit: usize) -> (Vec<String>, Option<String>) {
    let mut scanner = Scanner::new(source);
    let mut events = Vec::new();
    let mut text = String::new();
    loop {
        assert!(events.len() <= limit, "the scanner gave more events than the input has bytes");
        let event = match scanner.next() {
            Ok(event) => event,
            Err(error) => return (events, Some(error.to_string())),
        };
        let shown = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        events.push(match event {
            Event::Eof => return (events, None),
            Event::Start(tag) => {
                let mut out = format!("<{}", shown(tag.name));
                assert!(tag.local_name().len() <= tag.name.len());
                for attribute in tag.attributes() {
                    match attribute {
                        Ok((key, value)) => {
                            out.push_str(&format!(" {}={}", shown(key), shown(value)));
                            let _ = attribute_text(value);
                        }
                        Err(error) => out.push_str(&format!(" !{error}")),
                    }
                }
                out
            }
            Event::End(name) => format!("</{}", shown(name)),
            Event::Text(raw) => {
                text.clear();
                if push_text(raw, &mut text).is_ok() {
                    let _ = unescape_excel(std::mem::take(&mut text));
                }
                format!("text {}", shown(raw))
            }
            Event::CData(raw) => format!("cdata {}", shown(raw)),
            Event::Markup => "markup".to_owned(),
            Event::Ref(name) => {
                text.clear();
                let _ = resolve_entity(name, &mut text);
                format!("ref {}", shown(name))
            }
        });
    }
}

/// The XML scanner on any bytes: it ends (events bounded by the input's
/// length), never panics, and gives the same events and outcome whether the
/// source hands it everything at once or a few bytes per read. The first byte
/// picks the read size.
pub fn xml_scan(data: &[u8]) {
    let Some((&pick, xml)) = data.split_first() else { return };
    let limit = 2 * xml.len() + 2;
    let whole = scan_events(xml, limit);
    let chunk = match pick % 4 {
        0 => 1 + usize::from(pick / 4) % 8,
        1 => 61 + usize::from(pick),
        2 => 4093 + usize::from(pick),
        _ => 256 * 1024 - 3,
    };
    let chunked = scan_events(Chunked { data: xml, chunk }, limit);
    assert_eq!(whole, chunked, "read {chunk} bytes at a time");
}

// ---------------------------------------------------------------------------
// xlsx: the fast path against calamine

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Separates the parts of a structured xlsx input (see `xlsx_package`).
pub const PART_SEPARATOR: &[u8] = b"\n@@part@@\n";

/// The parts of a structured input in order; a part the input does not give
/// gets a default.
const PARTS: [&str; 5] = [
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
];

/// The part [`xlsx_package`] puts where the input gives none (index in [`PARTS`] order).
pub fn default_part(index: usize) -> String {
    match index {
        0 => format!("<worksheet xmlns=\"{MAIN}\"><sheetData/></worksheet>"),
        1 => format!("<sst xmlns=\"{MAIN}\" count=\"1\" uniqueCount=\"1\"><si><t>a</t></si></sst>"),
        2 => format!(
            "<styleSheet xmlns=\"{MAIN}\"><numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy\"/>\
             </numFmts><cellXfs count=\"3\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>\
             </cellXfs></styleSheet>"
        ),
        3 => format!(
            "<workbook xmlns=\"{MAIN}\" xmlns:r=\"{RELS}\"><sheets><sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/>\
             </sheets></workbook>"
        ),
        _ => format!(
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"{RELS}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
             <Relationship Id=\"rId2\" Type=\"{RELS}/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"
        ),
    }
}

/// An xlsx package around the parts in `data` (split at [`PART_SEPARATOR`]):
/// the sheet, the shared strings, the styles, the workbook and its
/// relationships, each stored or deflated as `deflate` says.
pub fn xlsx_package(data: &[u8], deflate: bool) -> Vec<u8> {
    let mut given: Vec<&[u8]> = Vec::new();
    let mut rest = data;
    while given.len() < PARTS.len() - 1 {
        match find(rest, PART_SEPARATOR) {
            Some(at) => {
                given.push(&rest[..at]);
                rest = &rest[at + PART_SEPARATOR.len()..];
            }
            None => break,
        }
    }
    given.push(rest);
    let method = if deflate { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut part = |name: &str, bytes: &[u8]| {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(bytes).expect("in memory");
    };
    part("[Content_Types].xml", b"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>");
    part(
        "_rels/.rels",
        format!(
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"{RELS}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
        )
        .as_bytes(),
    );
    for (index, name) in PARTS.iter().enumerate() {
        match given.get(index) {
            Some(bytes) => part(name, bytes),
            None => part(name, default_part(index).as_bytes()),
        }
    }
    zip.finish().expect("in memory").into_inner()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn drain(mut rows: RowStream) -> Result<Vec<Row>, ReadError> {
    let mut out = Vec::new();
    while let Some(row) = rows.next_row() {
        out.push(row?);
    }
    Ok(out)
}

/// The sheet's rows through the fast path; `None` when it leaves the workbook
/// to calamine. As the differential tests of `readers/xlsx_fast/` read it.
pub fn xlsx_fast_rows(path: &Path) -> Option<Result<Vec<Row>, ReadError>> {
    let (workbook, _) = readers::xlsx_fast::open(path, None)?;
    Some(drain(RowStream::spawn(move |sink| workbook.stream(sink))))
}

/// The sheet's rows through calamine's cell reader.
pub fn xlsx_calamine_rows(path: &Path) -> Result<Vec<Row>, ReadError> {
    let (workbook, sheet) = open_sheet(path, &SourceOptions::default())?;
    let Sheets::Xlsx(xlsx) = workbook else {
        return Err(ReadError::Unreadable { message: "not an xlsx workbook".to_owned() });
    };
    drain(RowStream::spawn(move |sink| parse_sheet(xlsx, &sheet, sink)))
}

/// Cells agree when their values are equal (a NaN agrees with a NaN).
fn same_cell(a: &Cell, b: &Cell) -> bool {
    match (a.as_ref(), b.as_ref()) {
        (CellRef::Number(x), CellRef::Number(y)) => x == y || (x.is_nan() && y.is_nan()),
        (x, y) => x == y,
    }
}

fn same_rows(fast: &[Row], slow: &[Row]) -> bool {
    fast.len() == slow.len()
        && fast
            .iter()
            .zip(slow)
            .all(|((i, a), (j, b))| i == j && a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_cell(x, y)))
}

/// The fast xlsx path against calamine on one file: the same rows and cells,
/// or both refuse it. The first byte says what the rest is: even, the file
/// itself; odd, the parts of a package (see [`xlsx_package`]).
pub fn xlsx_differential(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let file = if mode % 2 == 0 { rest.to_vec() } else { xlsx_package(rest, mode % 4 == 3) };
    let path = scratch("fuzz.xlsx");
    std::fs::write(&path, &file).expect("scratch file written");
    let Some(fast) = xlsx_fast_rows(&path) else {
        let _ = xlsx_calamine_rows(&path);
        return;
    };
    match (fast, xlsx_calamine_rows(&path)) {
        (Ok(fast), Ok(slow)) => {
            assert!(same_rows(&fast, &slow), "different cells:\nfast path {fast:?}\ncalamine  {slow:?}")
        }
        (Err(_), Err(_)) => {}
        (fast, slow) => {
            if tolerated_refusal(&fast, &slow).is_none() {
                panic!("one path refused the file:\nfast path {fast:?}\ncalamine  {slow:?}")
            }
        }
    }
}

/// The one-sided refusals the xlsx target lets pass, each a named kind
/// (README, "Fuzzing"); any other one-sided refusal is a finding.
///
/// - `"checksum"`: the fast path refuses a part whose CRC-32 is wrong, and
///   calamine reads it. calamine stops reading the shared strings at
///   `</sst>` and the sheet at `</sheetData>`, so the zip reader never
///   reaches the end of the part where it checks the CRC; the fast path
///   inflates each part in blocks on another thread and meets the error.
///   A wrong checksum is a damaged package: the refusal is right.
pub fn tolerated_refusal(
    fast: &Result<Vec<Row>, ReadError>,
    slow: &Result<Vec<Row>, ReadError>,
) -> Option<&'static str> {
    match (fast, slow) {
        (Err(ReadError::Unreadable { message }), Ok(_)) if message.contains("Invalid checksum") => Some("checksum"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// .xls and .ods: the guards with calamine behind them

/// The .xls and .ods guards (`readers/xls_guard.rs`, `readers/ods_guard.rs`)
/// with calamine behind them, on any bytes: opening and reading every row
/// ends in a table or a refusal, never a panic, within the fuzzer's time and
/// memory limits (`-timeout`, `-rss_limit_mb` in `scripts/fuzz.sh`: a guard
/// that lets through what calamine would blow up is a finding), and what is
/// read keeps Excel's limits (row numbers, row widths, text per cell). The
/// first byte says what the rest is: even, the Workbook stream of an .xls
/// (BIFF records) put in an OLE container; odd, the `content.xml` of an .ods
/// put in an OpenDocument package.
pub fn spreadsheet_guards(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let path = if mode % 2 == 0 {
        let path = scratch("fuzz.xls");
        readers::test_xls::write_xls(&path, rest);
        path
    } else {
        let path = scratch("fuzz.ods");
        std::fs::write(&path, ods_package(rest)).expect("scratch file written");
        path
    };
    let none = |_: &[CellRef<'_>]| 0;
    let Ok(table) = readers::open_table(&path, &SourceOptions::default(), &none) else { return };
    let (max_row, max_columns) = if mode % 2 == 0 {
        (limits::MAX_XLS_ROWS, limits::MAX_XLS_COLUMNS as usize)
    } else {
        (u64::from(limits::MAX_ROWS), limits::MAX_COLUMNS as usize)
    };
    assert!(table.headers.len() <= max_columns, "a header row of {} cells", table.headers.len());
    for batch in table.batches {
        let Ok(batch) = batch else { return };
        assert!(batch.row_numbers.iter().all(|&row| row <= max_row), "a row past the last: {:?}", batch.row_numbers);
        let BatchData::Cells(rows) = batch.data else { panic!("a workbook read as text rows") };
        for row in rows {
            assert!(row.len() <= max_columns, "a row of {} cells", row.len());
            for cell in &row {
                if let CellRef::Text(text) = cell.as_ref() {
                    assert!(!limits::cell_too_long(text), "a cell of {} characters", text.chars().count());
                }
            }
        }
    }
}

/// An OpenDocument spreadsheet package (mimetype, manifest) around `content`.
pub fn ods_package(content: &[u8]) -> Vec<u8> {
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut part = |name: &str, bytes: &[u8]| {
        zip.start_file(name, stored).expect("zip entry");
        zip.write_all(bytes).expect("in memory");
    };
    part("mimetype", b"application/vnd.oasis.opendocument.spreadsheet");
    part(
        "META-INF/manifest.xml",
        b"<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">\
          <manifest:file-entry manifest:full-path=\"/\" \
          manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
          <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
          </manifest:manifest>",
    );
    part("content.xml", content);
    zip.finish().expect("in memory").into_inner()
}

/// A seed `content.xml`: a header and a few rows, a repeated cell and row.
fn ods_seed_content() -> String {
    let text =
        |s: &str| format!("<table:table-cell office:value-type=\"string\"><text:p>{s}</text:p></table:table-cell>");
    let number = |n: u32| {
        format!("<table:table-cell office:value-type=\"float\" office:value=\"{n}\"><text:p>{n}</text:p></table:table-cell>")
    };
    let mut rows = format!("<table:table-row>{}</table:table-row>", ["id", "name", "phone"].map(text).concat());
    for n in 1..6u32 {
        rows.push_str(&format!(
            "<table:table-row>{}{}{}</table:table-row>",
            number(n),
            text("דנה"),
            text("050-1234567")
        ));
    }
    rows.push_str("<table:table-row table:number-rows-repeated=\"3\"><table:table-cell table:number-columns-repeated=\"2\" office:value-type=\"string\"><text:p>x</text:p></table:table-cell></table:table-row>");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:spreadsheet>\
         <table:table table:name=\"Data\">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
}

/// A seed Workbook stream: shared strings and numbers on two sheets.
fn xls_seed_stream() -> Vec<u8> {
    use readers::test_xls::{workbook_stream, XlsCell, XlsSheet};
    let strings: Vec<String> = ["id", "name", "phone", "דנה", "050-1234567"].map(str::to_owned).to_vec();
    let mut cells = vec![(0, 0, XlsCell::Shared(0)), (0, 1, XlsCell::Shared(1)), (0, 2, XlsCell::Shared(2))];
    for row in 1..6u16 {
        cells.extend([
            (row, 0, XlsCell::Number(f64::from(row))),
            (row, 1, XlsCell::Shared(3)),
            (row, 2, XlsCell::Shared(4)),
        ]);
    }
    workbook_stream(&strings, &[XlsSheet::new("Data", cells), XlsSheet::new("Empty", Vec::new())])
}

// ---------------------------------------------------------------------------
// CSV: the reader against the `csv` crate

/// Records as the `csv` crate reads them: the non-blank ones before the first
/// error, and whether there was one.
fn csv_crate_records(text: &[u8], delimiter: u8) -> (Vec<Vec<String>>, bool) {
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text);
    let mut records = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                if !record.iter().all(|f| f.chars().all(char::is_whitespace)) {
                    records.push(record.iter().map(str::to_owned).collect());
                }
            }
            Err(_) => return (records, true),
        }
    }
    (records, false)
}

/// Fields of a header row as the reader keeps them: trailing blank cells dropped.
fn trim_header(mut fields: Vec<String>) -> Vec<String> {
    while fields.last().is_some_and(|f| f.trim().is_empty()) {
        fields.pop();
    }
    fields
}

/// The CSV reader against the `csv` crate, on UTF-8 text: the same records
/// (the header, the first row with data, with its trailing blank cells
/// dropped; blank rows skipped), and an encoding error exactly when the `csv`
/// crate finds one. The first byte picks the delimiter (or sniffing); files
/// the reader refuses as not text or empty must be so.
pub fn csv_differential(data: &[u8]) {
    let Some((&pick, text)) = data.split_first() else { return };
    let delimiter = readers::csv::DELIMITERS.get(usize::from(pick % 5)).copied();
    let path = scratch("fuzz.csv");
    std::fs::write(&path, text).expect("scratch file written");
    let options = SourceOptions {
        delimiter,
        encoding: Some(crate::contract::config::EncodingConfig::Utf8),
        ..SourceOptions::default()
    };
    let none = |_: &[CellRef<'_>]| 0;
    let opened = readers::csv::open(&path, &options, &none);
    let sniffed = || {
        let text = String::from_utf8_lossy(text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text));
        delimiter.unwrap_or_else(|| readers::csv::sniff_delimiter(&text, true))
    };
    // UTF-16 and UTF-32 byte-order marks win over the declared encoding, and
    // NUL bytes in the right places make text UTF-16 without one.
    let transcoded = text.starts_with(&[0xFF, 0xFE]) || text.starts_with(&[0xFE, 0xFF]) || text.contains(&0);
    let mut ours = Vec::new();
    let ours_failed;
    let used_delimiter;
    match opened {
        Err(ReadError::Unreadable { message }) => {
            let binary = readers::encoding::binary_kind(text).is_some()
                || text.iter().any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
                || text.starts_with(&[0xFF, 0xFE, 0, 0])
                || text.starts_with(&[0, 0, 0xFE, 0xFF]);
            assert!(binary, "text refused as not text: {message}");
            return;
        }
        Err(ReadError::Empty { message }) => {
            if transcoded {
                return;
            }
            let (records, failed) = csv_crate_records(text, sniffed());
            assert!(records.is_empty() && !failed, "a file with rows called empty ({message}): {records:?}");
            return;
        }
        Err(ReadError::Encoding { .. }) => {
            ours_failed = true;
            used_delimiter = sniffed();
        }
        // Past a size limit (`ReadError::TooLarge`): a clear refusal, nothing to compare.
        #[allow(unreachable_patterns)]
        Err(_) => return,
        Ok(table) => {
            used_delimiter = table.delimiter.expect("CSV tables say their delimiter");
            assert!(transcoded || table.encoding == Some("UTF-8"), "declared UTF-8 read as {:?}", table.encoding);
            if delimiter.is_some() {
                assert_eq!(Some(used_delimiter), delimiter, "the declared delimiter is used");
            }
            ours.push(table.headers);
            let mut failed = false;
            for batch in table.batches {
                match batch {
                    Ok(batch) => ours.extend(batch_rows(&batch)),
                    Err(_) => failed = true,
                }
            }
            ours_failed = failed;
        }
    }
    if transcoded {
        return;
    }
    let (mut theirs, theirs_failed) = csv_crate_records(text, used_delimiter);
    if let Some(first) = theirs.first_mut() {
        *first = trim_header(std::mem::take(first));
    }
    if ours_failed || theirs_failed {
        assert!(ours_failed && theirs_failed, "only one side failed: ours {ours_failed}, csv {theirs_failed}");
        assert!(theirs.starts_with(&ours), "records before the failure differ:\nours {ours:?}\ncsv  {theirs:?}");
    } else {
        assert_eq!(ours, theirs, "records differ (delimiter {:?})", used_delimiter as char);
    }
}

fn batch_rows(batch: &Batch) -> Vec<Vec<String>> {
    let BatchData::Text(rows) = &batch.data else { panic!("CSV batches hold text") };
    (0..rows.len())
        .map(|row| (0..rows.width(row)).map(|col| rows.field(row, col).unwrap_or_default().to_owned()).collect())
        .collect()
}

// ---------------------------------------------------------------------------
// Contracts

/// Compiles any YAML body as a contract; one that compiles has its patterns,
/// formats and types run over a few cells.
pub fn contract(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let Ok(contract) = compile_contract(Path::new("fuzz.yaml"), body) else { return };
    let cells = [
        CellRef::Text("2026-11-05"),
        CellRef::Text("05/11/2026 10:30"),
        CellRef::Text("050-2345678"),
        CellRef::Text("123456782"),
        CellRef::Text("a@b.co"),
        CellRef::Text(" 12.5 "),
        CellRef::Number(45000.0),
        CellRef::Bool(true),
    ];
    if let Some(pattern) = &contract.file_name_pattern {
        let _ = pattern.is_match("welfare_patients_2026-11.xlsx");
    }
    for column in &contract.columns {
        if let Some(pattern) = &column.pattern {
            let _ = pattern.is_match("A-123 שלום");
        }
        for cell in cells {
            let _ = check_cell(column.column_type, column.format.as_deref(), cell, TextNeed::Normalised);
        }
    }
}

// ---------------------------------------------------------------------------
// Phones against `phonenumber`

/// `phonenumber` alone, as SPEC §3 asks: region IL, a valid number, its E.164 form.
fn phone_by_reference(text: &str) -> Option<String> {
    let number = phonenumber::parse(Some(phonenumber::country::Id::IL), text.trim()).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// The phone parser (fast path, then the library) against the library alone.
pub fn phone(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = phone::normalise_phone(text);
    let reference = phone_by_reference(text);
    assert_eq!(ours.as_ref().map(|p| p.e164.clone()), reference, "{text:?}");
    assert_eq!(phone::is_valid_phone(text), ours.is_some(), "{text:?}");
    assert_eq!(phone::by_library(text), ours, "{text:?}");
}

// ---------------------------------------------------------------------------
// Dates against chrono

/// Digits only, `min..=max` of them.
fn digits(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// The default date forms of SPEC §3, told by shape, their values by chrono:
/// `YYYY-MM-DD`, and `D/M/YYYY` with `/`, `.` or `-` (day and month one or
/// two digits).
fn date_by_reference(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let iso: Vec<&str> = text.split('-').collect();
    if let [y, m, d] = iso[..] {
        if digits(y, 4, 4) && digits(m, 2, 2) && digits(d, 2, 2) {
            return NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        }
    }
    for separator in ['/', '.', '-'] {
        let parts: Vec<&str> = text.split(separator).collect();
        if let [d, m, y] = parts[..] {
            if digits(d, 1, 2) && digits(m, 1, 2) && digits(y, 4, 4) {
                return NaiveDate::parse_from_str(text, &format!("%d{separator}%m{separator}%Y")).ok();
            }
        }
    }
    None
}

/// A date in a default form, then optionally a space or `T` and a time as
/// SPEC §3 writes it, `HH:MM` or `HH:MM:SS` (the hour may have one digit;
/// minutes and seconds have two), the time's value by chrono.
fn datetime_by_reference(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    let Some(at) = text.find([' ', 'T']) else {
        return date_by_reference(text).map(|d| d.and_time(chrono::NaiveTime::MIN));
    };
    let date = date_by_reference(&text[..at])?;
    let time = text[at + 1..].trim();
    let parts: Vec<&str> = time.split(':').collect();
    let format = match parts[..] {
        [h, m] if digits(h, 1, 2) && digits(m, 2, 2) => "%H:%M",
        // chrono takes second 60 (a leap second); a time of SPEC §3 has
        // seconds 00 to 59, as the hand parser reads it.
        [h, m, s] if digits(h, 1, 2) && digits(m, 2, 2) && digits(s, 2, 2) && s < "60" => "%H:%M:%S",
        _ => return None,
    };
    let time = chrono::NaiveTime::parse_from_str(time, format).ok()?;
    Some(date.and_time(time))
}

/// The hand-written date and date-time parsers against chrono, and the
/// contract `format` path (chrono itself) on a format taken from the input.
pub fn dates(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    assert_eq!(dates::parse_date(text), date_by_reference(text), "date {text:?}");
    assert_eq!(dates::parse_datetime(text), datetime_by_reference(text), "date-time {text:?}");
    if let Some((format, value)) = text.split_once('\n') {
        let _ = dates::parse_date_with(value, format);
        let _ = dates::parse_datetime_with(value, format);
        let _ = check_cell(ColumnType::Date, Some(format), CellRef::Text(value), TextNeed::Normalised);
    }
}

// ---------------------------------------------------------------------------
// Seeds

/// The fuzz targets, by name.
pub const TARGETS: [&str; 7] = ["xml_scan", "xlsx_diff", "csv_diff", "contract", "phone", "dates", "guards"];

/// Writes the seed corpora into `out/<target>/`: the samples generated for
/// every contract in `contracts` (CSV and xlsx, with their deliberate errors),
/// the XML parts of the xlsx samples, the contracts themselves, and the cells
/// of the samples' phone and date columns.
pub fn write_seeds(contracts: &Path, out: &Path) -> Result<usize, String> {
    let catalog = Catalog::load(contracts).map_err(|e| e.to_string())?;
    for target in TARGETS {
        std::fs::create_dir_all(out.join(target)).map_err(|e| e.to_string())?;
    }
    let mut written = 0usize;
    let mut seed = |target: &str, name: &str, bytes: &[u8]| -> Result<(), String> {
        written += 1;
        std::fs::write(out.join(target).join(name), bytes).map_err(|e| e.to_string())
    };
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    for contract in &catalog.contracts {
        let name = &contract.dataset;
        seed("contract", &format!("{name}.yaml"), contract.body.as_bytes())?;
        for (format, ext, rows) in [
            (SampleFormat::Csv, "csv", 40),
            (SampleFormat::CsvWindows1255, "1255.csv", 40),
            (SampleFormat::Xlsx, "xlsx", 25),
        ] {
            let spec = SampleSpec { rows, seed: 11, errors_per_code: 2, format };
            let path = work.path().join(format!("{name}.{ext}"));
            write_sample(contract, &spec, &path).map_err(|e| e.to_string())?;
            let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
            if format == SampleFormat::Xlsx {
                seed("xlsx_diff", &format!("{name}.file"), &[[0u8].as_slice(), &bytes].concat())?;
                let parts = xlsx_parts(&bytes)?;
                let joined = parts.iter().map(Vec::as_slice).collect::<Vec<_>>().join(PART_SEPARATOR);
                seed("xlsx_diff", &format!("{name}.parts"), &[[1u8].as_slice(), &joined].concat())?;
                for (index, part) in parts.iter().enumerate() {
                    seed("xml_scan", &format!("{name}.{index}"), &[[index as u8 * 4 + 2].as_slice(), part].concat())?;
                }
            } else {
                for pick in [0u8, 4] {
                    seed("csv_diff", &format!("{name}.{ext}.{pick}"), &[[pick].as_slice(), &bytes].concat())?;
                }
            }
        }
        // The cells of phone and date columns, from the UTF-8 sample.
        let text = std::fs::read_to_string(work.path().join(format!("{name}.csv"))).map_err(|e| e.to_string())?;
        let mut lines = text.lines().skip(1);
        for (row, line) in lines.by_ref().take(40).enumerate() {
            for (col, cell) in line.split(',').enumerate() {
                let Some(column) = contract.columns.get(col) else { continue };
                let target = match column.column_type {
                    ColumnType::Phone => "phone",
                    ColumnType::Date | ColumnType::Datetime => "dates",
                    _ => continue,
                };
                seed(target, &format!("{name}.{row}.{col}"), cell.trim_matches('"').as_bytes())?;
            }
        }
    }
    seed("guards", "workbook.xls", &[[0u8].as_slice(), &xls_seed_stream()].concat())?;
    seed("guards", "content.ods", &[[1u8].as_slice(), ods_seed_content().as_bytes()].concat())?;
    for (index, text) in
        ["+972 50 234 5678", "(03) 123-4567", "00972-3-1234567", "*6050", "1-800-123-456"].iter().enumerate()
    {
        seed("phone", &format!("extra.{index}"), text.as_bytes())?;
    }
    for (index, text) in ["2026-11-05T14:30:15", "5.1.2026 8:05", "%d/%m/%Y\n05/11/2026"].iter().enumerate() {
        seed("dates", &format!("extra.{index}"), text.as_bytes())?;
    }
    Ok(written)
}

/// The sheet, shared strings, styles, workbook and workbook relationships of
/// an xlsx file, in the order [`xlsx_package`] takes them.
fn xlsx_parts(file: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(file)).map_err(|e| e.to_string())?;
    PARTS
        .iter()
        .map(|name| {
            let mut bytes = Vec::new();
            if let Ok(mut entry) = archive.by_name(name) {
                entry.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
            }
            Ok(bytes)
        })
        .collect()
}

/// For the fuzz targets' start: when `CITIZEN_FUZZ_SEEDS` names a directory,
/// writes the seed corpora there (from the contracts in
/// `CITIZEN_FUZZ_CONTRACTS`, else the repository's) and exits.
pub fn write_seeds_if_asked() {
    let Some(out) = std::env::var_os("CITIZEN_FUZZ_SEEDS") else { return };
    let contracts = std::env::var_os("CITIZEN_FUZZ_CONTRACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts"));
    match write_seeds(&contracts, Path::new(&out)) {
        Ok(count) => {
            eprintln!("wrote {count} seed files under {}", Path::new(&out).display());
            std::process::exit(0);
        }
        Err(error) => {
            eprintln!("could not write the seeds: {error}");
            std::process::exit(1);
        }
    }
}
