//! The .ods guard: before calamine opens an OpenDocument workbook (it reads
//! every table at once into a dense range, copying a repeated cell or row for
//! every repeat), this scans `content.xml` once with the project's linear XML
//! scanner and works out what calamine will build: per table, the cells of
//! the rectangle from the first to the last non-empty row (rows repeated with
//! `table:number-rows-repeated` counted as often as they repeat) and from the
//! first to the last non-empty column (`table:number-columns-repeated`
//! likewise), the cells a row holds before that rectangle is cut out, and the
//! text the repeats copy. A workbook past [`MAX_RANGE_CELLS`] or
//! [`MAX_RANGE_TEXT_BYTES`], or a cell longer than Excel allows, is refused
//! with where it was met; so is a `content.xml` that ends inside a table,
//! which calamine would wait on forever, or holds more row elements than
//! Excel has rows. With these bounds `content.xml` is held to the limit of
//! any streamed part, not to calamine's smaller one for parts it holds whole.

use super::limits::{
    cell_name, long_cell, sheet_label, too_large, MAX_CELL_BYTES, MAX_COLUMNS, MAX_RANGE_CELLS, MAX_RANGE_TEXT_BYTES,
    MAX_ROWS, MAX_SHEETS,
};
use super::package::bytes;
use super::table::ReadError;
use super::xlsx_fast::xml_scan::{Event, ScanError, Scanner, Tag};
use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use zip::ZipArchive;

/// Refuses an .ods workbook calamine could not read within the limits;
/// whether there was a `content.xml` to check. Zip packages without one
/// (xlsx, xlsb) pass.
pub fn check(path: &Path) -> Result<bool, ReadError> {
    let Ok(mut file) = File::open(path) else { return Ok(false) };
    let mut magic = [0u8; 4];
    if file.read_exact(&mut magic).is_err() || magic != *b"PK\x03\x04" {
        return Ok(false);
    }
    drop(file);
    let checked = catch_unwind(AssertUnwindSafe(|| -> Result<bool, ReadError> {
        let Ok(file) = File::open(path) else { return Ok(false) };
        let Ok(mut archive) = ZipArchive::new(BufReader::new(file)) else { return Ok(false) };
        let Ok(content) = archive.by_name("content.xml") else { return Ok(false) };
        check_content(content).map(|_| true)
    }));
    checked.unwrap_or_else(|_| Err(unreadable("its content.xml could not be read")))
}

fn unreadable(what: &str) -> ReadError {
    ReadError::Unreadable { message: format!("the .ods workbook is damaged: {what}; open it and save it again") }
}

fn scan_error(error: ScanError) -> ReadError {
    match error {
        ScanError::TooLarge(_) => too_large(None, format!("the .ods workbook's content.xml holds {error}")),
        error => unreadable(&format!("its content.xml cannot be read ({error})")),
    }
}

/// What calamine will hold for the tables read so far.
#[derive(Default)]
struct Totals {
    cells: u64,
    text: u64,
}

/// Scans content.xml, table by table, as calamine reads it; what calamine
/// will hold when it is within the limits.
fn check_content(content: impl Read) -> Result<Totals, ReadError> {
    let mut scanner = Scanner::new(content).allow_unclosed();
    let mut totals = Totals::default();
    let mut tables = 0usize;
    loop {
        let name = match scanner.next().map_err(scan_error)? {
            Event::Start(tag) if tag.name == b"table:table" => match tag.attribute(b"table:name") {
                Ok(Some(name)) => String::from_utf8_lossy(name).into_owned(),
                // calamine reads only named tables.
                _ => continue,
            },
            Event::Eof => return Ok(totals),
            _ => continue,
        };
        tables += 1;
        if tables > MAX_SHEETS {
            return Err(too_large(
                None,
                format!("the .ods workbook has more than {MAX_SHEETS} sheets, past the limit"),
            ));
        }
        check_table(&mut scanner, &name, &mut totals)?;
    }
}

/// A rectangle of non-empty cells: first and last row (exclusive end, as
/// repeats extend it) and first and last column.
#[derive(Default)]
struct Area {
    rows: Option<(u64, u64)>,
    cols: (u64, u64),
}

impl Area {
    fn add(&mut self, row: u64, repeats: u64, cols: (u64, u64)) {
        match &mut self.rows {
            None => {
                self.rows = Some((row, row + repeats));
                self.cols = cols;
            }
            Some(rows) => {
                rows.1 = row + repeats;
                self.cols = (self.cols.0.min(cols.0), self.cols.1.max(cols.1));
            }
        }
    }

    fn cells(&self) -> u64 {
        self.rows.map_or(0, |(first, end)| (end - first) * (self.cols.1 - self.cols.0 + 1))
    }
}

/// One row as calamine reads it: the cells it pushes (empty ones before a
/// non-empty one included), the non-empty columns, the text.
#[derive(Default)]
struct Row {
    pushed: u64,
    pending_empty: u64,
    values: Option<(u64, u64)>,
    formulas: Option<(u64, u64)>,
    text: u64,
}

fn widen(span: &mut Option<(u64, u64)>, first: u64, last: u64) {
    let (a, b) = span.get_or_insert((first, last));
    *a = (*a).min(first);
    *b = (*b).max(last);
}

fn check_table<R: Read>(scanner: &mut Scanner<R>, name: &str, totals: &mut Totals) -> Result<(), ReadError> {
    let sheet = sheet_label(name);
    let (mut values, mut formulas) = (Area::default(), Area::default());
    let (mut row_index, mut pushed, mut elements) = (0u64, 0u64, 0u64);
    loop {
        let repeats = match scanner.next().map_err(scan_error)? {
            Event::Start(tag) if tag.name == b"table:table-row" => count(&tag, b"table:number-rows-repeated"),
            Event::End(b"table:table") => break,
            Event::Eof => {
                return Err(unreadable(&format!(
                    "its content.xml ends inside the table of {sheet} (a truncated file?)"
                )))
            }
            _ => continue,
        };
        // calamine keeps a little for every row element, even past Excel's
        // last row, where it stops counting rows.
        elements += 1;
        if elements > u64::from(MAX_ROWS) {
            return Err(too_large(
                None,
                format!("{sheet} holds more than {MAX_ROWS} rows (table-row elements), past Excel's last row"),
            ));
        }
        let repeats = repeats.min(u64::from(MAX_ROWS).saturating_sub(row_index));
        let row = check_row(scanner, &sheet, row_index)?;
        pushed += row.pushed;
        if let Some(cols) = row.values {
            values.add(row_index, repeats, cols);
        }
        if let Some(cols) = row.formulas {
            formulas.add(row_index, repeats, cols);
        }
        totals.text = totals.text.saturating_add(row.text.saturating_mul(repeats.max(1)));
        let cells = totals.cells + values.cells() + formulas.cells();
        let at = cell_name(row_index, 0);
        if cells > MAX_RANGE_CELLS || pushed > MAX_RANGE_CELLS {
            let (what, n) = if pushed > MAX_RANGE_CELLS {
                ("its rows hold", pushed)
            } else {
                ("its cells, repeats expanded, span", cells)
            };
            return Err(too_large(
                Some(row_index + 1),
                format!(
                    "{sheet}: by row {} ({at}) {what} {n} cells (with the sheets before), past the limit of \
                     {MAX_RANGE_CELLS} cells for a workbook read whole",
                    row_index + 1
                ),
            ));
        }
        if totals.text > MAX_RANGE_TEXT_BYTES {
            return Err(too_large(
                Some(row_index + 1),
                format!(
                    "{sheet}: by row {} ({at}) its cells, repeats expanded, hold {} of text (with the sheets \
                     before), past the limit of {} for a workbook read whole",
                    row_index + 1,
                    bytes(totals.text),
                    bytes(MAX_RANGE_TEXT_BYTES)
                ),
            ));
        }
        row_index += repeats;
    }
    totals.cells += values.cells() + formulas.cells();
    Ok(())
}

/// A repeat count attribute (1 when absent or unreadable: calamine then
/// refuses the file itself).
fn count(tag: &Tag<'_>, key: &[u8]) -> u64 {
    match tag.attribute(key) {
        Ok(Some(raw)) => std::str::from_utf8(raw).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(1),
        _ => 1,
    }
}

fn check_row<R: Read>(scanner: &mut Scanner<R>, sheet: &str, row_index: u64) -> Result<Row, ReadError> {
    let mut row = Row::default();
    let max = u64::from(MAX_COLUMNS);
    loop {
        let (repeats, cell, name) = match scanner.next().map_err(scan_error)? {
            Event::Start(tag) if tag.name == CELL || tag.name == COVERED_CELL => {
                let name = if tag.name == CELL { CELL } else { COVERED_CELL };
                (count(&tag, b"table:number-columns-repeated"), Cell::of(&tag), name)
            }
            Event::End(b"table:table-row") => return Ok(row),
            Event::Eof => {
                return Err(unreadable(&format!("its content.xml ends inside a row of {sheet} (a truncated file?)")))
            }
            _ => continue,
        };
        let text =
            cell.text + if cell.content { content_text(scanner, sheet)? } else { skip_cell(scanner, sheet, name)? };
        // calamine pushes the empty cells before this one, then this one as
        // often as it repeats, never past Excel's last column.
        row.pushed += row.pending_empty.min(max - row.pushed);
        row.pending_empty = 0;
        let repeats = repeats.min(max - row.pushed);
        let (first, last) = (row.pushed, row.pushed + repeats.max(1) - 1);
        if text > MAX_CELL_BYTES as u64 {
            return Err(long_cell(Some(row_index + 1), &format!("{sheet}, cell {}", cell_name(row_index, first))));
        }
        if !cell.value && cell.formula == 0 {
            row.pending_empty = repeats;
            continue;
        }
        if repeats > 0 {
            widen(&mut row.values, first, last);
            if cell.formula > 0 {
                widen(&mut row.formulas, first, last);
            }
        }
        row.text = row.text.saturating_add((text + cell.formula).saturating_mul(repeats));
        row.pushed += repeats;
    }
}

/// What a cell's start tag says.
struct Cell {
    /// Whether calamine will give it a value (empty string included).
    value: bool,
    /// Whether its value is its content (a string cell without
    /// `office:string-value`).
    content: bool,
    /// Bytes of text its attributes give it.
    text: u64,
    /// Bytes of its formula.
    formula: u64,
}

impl Cell {
    fn of(tag: &Tag<'_>) -> Cell {
        let mut cell = Cell { value: false, content: false, text: 0, formula: 0 };
        let mut string = false;
        for (key, value) in tag.attributes().map_while(Result::ok) {
            match key {
                b"office:value" | b"office:boolean-value" => cell.value = true,
                b"office:string-value" | b"office:date-value" | b"office:time-value" => {
                    cell.value = true;
                    cell.text = cell.text.max(value.len() as u64);
                }
                b"office:value-type" => string = value == b"string",
                b"table:formula" => cell.formula = value.len() as u64,
                _ => {}
            }
        }
        cell.content = string && !cell.value;
        cell.value |= string;
        cell
    }
}

const CELL: &[u8] = b"table:table-cell";
const COVERED_CELL: &[u8] = b"table:covered-table-cell";

/// Skips a cell's content to its end tag as quick-xml does for calamine
/// (`read_to_end_into`): only elements of the cell's own name nest, so that
/// an unbalanced element inside cannot make the guard skip rows calamine
/// reads.
fn skip_cell<R: Read>(scanner: &mut Scanner<R>, sheet: &str, name: &[u8]) -> Result<u64, ReadError> {
    let mut depth = 0usize;
    loop {
        match scanner.next().map_err(scan_error)? {
            Event::Start(tag) if tag.name == name => depth += 1,
            Event::End(end) if end == name && depth == 0 => return Ok(0),
            Event::End(end) if end == name => depth -= 1,
            Event::Eof => {
                return Err(unreadable(&format!("its content.xml ends inside a cell of {sheet} (a truncated file?)")))
            }
            _ => {}
        }
    }
}

/// The bytes of text calamine makes of a string cell's content: its text,
/// `text:s` spaces as many as they count, tabs and line breaks, a line end
/// between paragraphs; annotations left out (to the first end of an
/// annotation, as calamine reads them).
fn content_text<R: Read>(scanner: &mut Scanner<R>, sheet: &str) -> Result<u64, ReadError> {
    let (mut text, mut paragraphs, mut annotation) = (0u64, 0u64, false);
    let truncated = || unreadable(&format!("its content.xml ends inside a cell of {sheet} (a truncated file?)"));
    loop {
        match scanner.next().map_err(scan_error)? {
            Event::Eof => return Err(truncated()),
            Event::End(b"office:annotation") if annotation => annotation = false,
            _ if annotation => {}
            Event::Start(tag) => match tag.name {
                b"office:annotation" => annotation = true,
                b"text:p" => paragraphs += 1,
                b"text:s" => text = text.saturating_add(count(&tag, b"text:c")),
                b"text:tab" | b"text:line-break" => text += 1,
                _ => {}
            },
            Event::End(CELL | COVERED_CELL) => return Ok(text.saturating_add(paragraphs.saturating_sub(1))),
            Event::Text(raw) | Event::CData(raw) => text = text.saturating_add(raw.len() as u64),
            Event::Ref(_) => text += 4,
            Event::End(_) | Event::Markup => {}
        }
        if text > MAX_CELL_BYTES as u64 {
            return Ok(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{open_workbook, Data, Ods, Reader};
    use std::io::Write;

    fn content(tables: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
        )
    }

    fn write_ods(path: &Path, content: &str) {
        use zip::write::SimpleFileOptions;
        let file = File::create(path).unwrap_or_else(|e| panic!("{e}"));
        let mut zip = zip::ZipWriter::new(file);
        let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let parts = [
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            (
                "META-INF/manifest.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
            ),
            ("content.xml", content),
        ];
        for (name, text) in parts {
            zip.start_file(name, stored).unwrap_or_else(|e| panic!("{e}"));
            zip.write_all(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        }
        zip.finish().unwrap_or_else(|e| panic!("{e}"));
    }

    fn text(s: &str) -> String {
        format!(r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#)
    }

    const EMPTY: &str = "<table:table-cell/>";

    /// Tables shaped as LibreOffice writes them: repeated rows and columns,
    /// empty cells before and after, a formula, a trailing run of empty rows.
    fn shapes() -> Vec<String> {
        let num = r#"<table:table-cell office:value-type="float" office:value="7"/>"#;
        let formula = r#"<table:table-cell table:formula="of:=1+1" office:value-type="float" office:value="2"/>"#;
        let wide = r#"<table:table-cell table:number-columns-repeated="3" office:value-type="string"><text:p>ab<text:s text:c="3"/>c</text:p><text:p>d</text:p></table:table-cell>"#;
        vec![
            format!(
                r#"<table:table table:name="A"><table:table-row>{}{}</table:table-row><table:table-row table:number-rows-repeated="5">{num}{num}</table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>"#,
                text("id"),
                text("name")
            ),
            format!(
                r#"<table:table table:name="B"><table:table-row table:number-rows-repeated="3"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="4"/>{wide}{EMPTY}{num}<table:table-cell table:number-columns-repeated="100"/></table:table-row><table:table-row table:number-rows-repeated="7"><table:table-cell table:number-columns-repeated="2"/></table:table-row><table:table-row>{formula}</table:table-row></table:table>"#
            ),
            format!(
                r#"<table:table table:name="C"><table:table-row><table:table-cell table:number-columns-repeated="9"/>{num}</table:table-row><table:table-row table:number-rows-repeated="40"><table:table-cell table:number-columns-repeated="200" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#
            ),
        ]
    }

    #[test]
    fn counts_the_cells_calamine_builds() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for (i, table) in shapes().into_iter().enumerate() {
            let xml = content(&table);
            let totals = check_content(xml.as_bytes()).unwrap_or_else(|e| panic!("{i}: {e}"));
            let path = dir.path().join(format!("{i}.ods"));
            write_ods(&path, &xml);
            assert!(matches!(check(&path), Ok(true)));
            let mut workbook: Ods<_> = open_workbook(&path).unwrap_or_else(|e| panic!("{i}: {e}"));
            let name = workbook.sheet_names()[0].clone();
            let range = workbook.worksheet_range(&name).unwrap_or_else(|e| panic!("{i}: {e}"));
            let formulas = workbook.worksheet_formula(&name).unwrap_or_else(|e| panic!("{i}: {e}"));
            let (rows, cols) = range.get_size();
            let (frows, fcols) = formulas.get_size();
            assert_eq!(totals.cells, (rows * cols + frows * fcols) as u64, "table {i}");
            let text: usize =
                range.used_cells().map(|(_, _, d)| if let Data::String(s) = d { s.len() } else { 0 }).sum();
            assert!(totals.text >= text as u64, "table {i}: {} < {text}", totals.text);
        }
    }

    /// Tables damaged at random (digits changed, so repeat counts too, and
    /// bytes dropped): whatever the guard lets through, calamine builds no
    /// more cells than it counted.
    #[test]
    fn damaged_tables_never_let_calamine_build_more_than_counted() {
        let base = content(&shapes()[..2].concat()).into_bytes();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("damaged.ods");
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let digits: Vec<usize> = (0..base.len()).filter(|&i| base[i].is_ascii_digit()).collect();
        let (mut passed, mut opened) = (0, 0);
        for _ in 0..300 {
            let mut xml = base.clone();
            for _ in 0..1 + next() % 3 {
                let at = digits[(next() % digits.len() as u64) as usize];
                xml[at] = b'0' + (next() % 10) as u8;
            }
            if next() % 4 == 0 {
                xml.remove((next() % xml.len() as u64) as usize);
            }
            let Ok(totals) = check_content(&xml[..]) else { continue };
            passed += 1;
            write_ods(&path, &String::from_utf8_lossy(&xml));
            let built = std::panic::catch_unwind(|| -> Option<u64> {
                let mut workbook: Ods<_> = open_workbook(&path).ok()?;
                let mut cells = 0;
                for name in workbook.sheet_names() {
                    let range = workbook.worksheet_range(&name).ok()?;
                    let formulas = workbook.worksheet_formula(&name).ok()?;
                    // What calamine allocated (its declared size can be larger when a
                    // row repeats 0 times).
                    cells += (range.cells().count() + formulas.cells().count()) as u64;
                }
                Some(cells)
            });
            if let Ok(Some(built)) = built {
                opened += 1;
                assert!(
                    built <= totals.cells,
                    "calamine built {built} cells, the guard counted {}: {}",
                    totals.cells,
                    String::from_utf8_lossy(&xml)
                );
            }
        }
        assert!(passed > 100 && opened > 100, "{passed} passed the guard, {opened} opened");
    }

    fn refused(xml: &str) -> (&'static str, String) {
        match check_content(content(xml).as_bytes()) {
            Err(ReadError::TooLarge { message, .. }) => ("too_large", message),
            Err(ReadError::Unreadable { message }) => ("unreadable", message),
            Ok(_) => panic!("not refused"),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn refuses_repeated_cells_past_the_limit() {
        // 1,048,576 rows of 16,384 cells from a few hundred bytes.
        let row = r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#;
        let (code, message) = refused(&format!(r#"<table:table table:name="Bomb">{row}</table:table>"#));
        assert_eq!(code, "too_large");
        assert!(message.contains("sheet 'Bomb'") && message.contains("row 1 (A1)"), "{message}");
    }

    #[test]
    fn refuses_repeated_long_text_past_the_limit() {
        let long = "z".repeat(30_000);
        let row = format!(
            r#"<table:table-row table:number-rows-repeated="10000"><table:table-cell office:value-type="string"><text:p>{long}</text:p></table:table-cell></table:table-row>"#
        );
        let (code, message) = refused(&format!(r#"<table:table table:name="Text">{row}</table:table>"#));
        assert_eq!(code, "too_large");
        assert!(message.contains("of text") && message.contains("sheet 'Text'"), "{message}");
    }

    #[test]
    fn refuses_a_cell_of_billions_of_spaces() {
        let cell = r#"<table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="4000000000"/></text:p></table:table-cell></table:table-row>"#;
        let (code, message) = refused(&format!(r#"<table:table table:name="S">{cell}</table:table>"#));
        assert_eq!(code, "too_large");
        assert!(message.contains("cell A1"), "{message}");
    }

    #[test]
    fn refuses_leading_empty_cells_pushed_in_every_row() {
        let row = r#"<table:table-row><table:table-cell table:number-columns-repeated="16000"/><table:table-cell office:value="1"/></table:table-row>"#;
        let (code, message) = refused(&format!(r#"<table:table table:name="Wide">{}</table:table>"#, row.repeat(300)));
        assert_eq!(code, "too_large");
        assert!(message.contains("its rows hold"), "{message}");
    }

    #[test]
    fn refuses_more_row_elements_than_excel_has_rows() {
        let rows = "<table:table-row/>".repeat(MAX_ROWS as usize + 1);
        let (code, message) = refused(&format!(r#"<table:table table:name="Rows">{rows}</table:table>"#));
        assert_eq!(code, "too_large");
        assert!(message.contains("table-row elements"), "{message}");
    }

    #[test]
    fn an_unbalanced_element_in_a_cell_hides_no_rows() {
        // calamine skips the number cell to its own end tag; the bomb row that
        // follows is read, whatever the stray <x> and </y> around it.
        let rows = r#"<table:table-row><table:table-cell office:value="1"><x></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="90" office:value="1"/></table:table-row></y>"#;
        let (code, message) = refused(&format!(r#"<table:table table:name="Hidden">{rows}</table:table>"#));
        assert_eq!(code, "too_large");
        assert!(message.contains("sheet 'Hidden'"), "{message}");
    }

    #[test]
    fn refuses_more_tables_than_the_limit() {
        let tables = r#"<table:table table:name="T"></table:table>"#.repeat(MAX_SHEETS + 1);
        let (code, message) = refused(&tables);
        assert_eq!(code, "too_large");
        assert!(message.contains("4096 sheets"), "{message}");
    }

    #[test]
    fn refuses_content_that_ends_inside_a_table() {
        let xml = content(&format!(r#"<table:table table:name="T"><table:table-row>{}</table:table-row>"#, text("a")));
        let cut = &xml[..xml.find("</office:spreadsheet>").unwrap_or(xml.len())];
        match check_content(cut.as_bytes()) {
            Err(ReadError::Unreadable { message }) => assert!(message.contains("ends inside"), "{message}"),
            other => panic!("{:?}", other.map(|t| t.cells)),
        }
    }
}
