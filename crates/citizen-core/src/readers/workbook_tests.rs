//! The spreadsheet route end to end (`route::open_table` on workbooks of
//! every kind: the fast xlsx path, calamine's streams and ranges, the zip
//! guard), and the differential test of the streaming paths against the range.

use super::calamine::open_as_range;
use super::cell::Cell;
use super::route::open_table;
use super::table::{BatchData, HeaderScore, ReadError, Table, BATCH_ROWS};
use super::test_workbooks::{score, workbooks};
use crate::contract::config::SheetConfig;
use crate::contract::SourceOptions;
use chrono::{NaiveDate, NaiveTime};
use rust_xlsxwriter::{ExcelDateTime as XlsxDate, Format as XlsxFormat, Formula, Workbook};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

fn open(path: &Path, options: &SourceOptions, score: HeaderScore<'_>) -> Result<Table, ReadError> {
    open_table(path, options, score)
}

fn save(workbook: &mut Workbook, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    workbook.save(&path).unwrap();
    (dir, path)
}

fn write_bytes(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn open_default(path: &Path) -> Result<Table, ReadError> {
    open(path, &SourceOptions::default(), &score)
}

/// Every data row with its number, cells as `Cell`s.
fn cells(table: Table) -> Vec<(u64, Vec<Cell>)> {
    let mut rows = Vec::new();
    for batch in table.batches {
        let batch = batch.unwrap();
        assert!(!batch.is_empty() && batch.len() <= BATCH_ROWS);
        let BatchData::Cells(data) = batch.data else { panic!("spreadsheets give cells") };
        rows.extend(batch.row_numbers.into_iter().zip(data));
    }
    rows
}

/// Every data row with its number, cells as displayed.
fn shown(table: Table) -> Vec<(u64, Vec<String>)> {
    cells(table).into_iter().map(|(n, row)| (n, row.iter().map(|c| c.as_ref().display()).collect())).collect()
}

fn row(n: u64, cells: &[&str]) -> (u64, Vec<String>) {
    (n, cells.iter().map(|c| (*c).to_owned()).collect())
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn unreadable_message(result: Result<Table, ReadError>) -> String {
    match result {
        Err(e @ ReadError::Unreadable { .. }) => {
            assert_eq!(e.code(), crate::report::IssueCode::Unreadable);
            e.to_string()
        }
        Err(other) => panic!("expected unreadable, got {other:?}"),
        Ok(table) => panic!("expected unreadable, got a table with headers {:?}", table.headers),
    }
}

#[test]
fn reads_typed_cells() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Data").unwrap();
    let date_format = XlsxFormat::new().set_num_format("dd/mm/yyyy");
    let datetime_format = XlsxFormat::new().set_num_format("dd/mm/yyyy hh:mm");
    for (col, header) in ["id", "code", "amount", "date", "active", "total", "when", "bad"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "012345678").unwrap();
    sheet.write_number(1, 1, 123.0).unwrap();
    sheet.write_number(1, 2, 12.5).unwrap();
    sheet.write_datetime_with_format(1, 3, XlsxDate::from_ymd(2024, 1, 15).unwrap(), &date_format).unwrap();
    sheet.write_boolean(1, 4, true).unwrap();
    sheet.write_formula(1, 5, Formula::new("=B2*2").set_result("246")).unwrap();
    let when = XlsxDate::from_ymd(2025, 12, 31).unwrap().and_hms(23, 59, 30).unwrap();
    sheet.write_datetime_with_format(1, 6, when, &datetime_format).unwrap();
    sheet.write_formula(1, 7, Formula::new("=NA()").set_result("#N/A")).unwrap();
    let (_dir, path) = save(&mut workbook, "typed.xlsx");

    let table = open_default(&path).unwrap();
    assert_eq!(table.sheet.as_deref(), Some("Data"));
    assert_eq!((table.encoding, table.delimiter), (None, None));
    assert_eq!(table.header_row, 1);
    assert_eq!(table.headers, ["id", "code", "amount", "date", "active", "total", "when", "bad"]);
    let rows = cells(table);
    assert_eq!(rows.len(), 1);
    let (n, cells) = &rows[0];
    assert_eq!(*n, 2);
    assert_eq!(cells[0], Cell::Text("012345678".to_owned()), "leading zeros kept");
    assert_eq!(cells[1], Cell::Number(123.0));
    assert_eq!(cells[1].as_ref().display(), "123");
    assert_eq!(cells[2].as_ref().display(), "12.5");
    assert_eq!(cells[3], Cell::DateTime(date(2024, 1, 15).and_time(NaiveTime::MIN)));
    assert_eq!(cells[3].as_ref().display(), "2024-01-15");
    assert_eq!(cells[4], Cell::Bool(true));
    assert_eq!(cells[5], Cell::Number(246.0), "a formula gives its cached value");
    let expected = date(2025, 12, 31).and_hms_opt(23, 59, 30).unwrap();
    assert_eq!(cells[6], Cell::DateTime(expected));
    assert_eq!(cells[7], Cell::Error("#N/A".to_owned()));
}

#[test]
fn the_first_visible_sheet_is_the_default() {
    let mut workbook = Workbook::new();
    let hidden = workbook.add_worksheet();
    hidden.set_name("Lookup").unwrap();
    hidden.write_string(0, 0, "secret").unwrap();
    hidden.set_hidden(true);
    let visible = workbook.add_worksheet();
    visible.set_name("People").unwrap();
    visible.write_string(0, 0, "id").unwrap();
    visible.write_string(1, 0, "1").unwrap();
    visible.set_active(true);
    let third = workbook.add_worksheet();
    third.set_name("Other").unwrap();
    third.write_string(0, 0, "name").unwrap();
    third.write_string(1, 0, "Dana").unwrap();
    let (_dir, path) = save(&mut workbook, "hidden.xlsx");

    let table = open_default(&path).unwrap();
    assert_eq!(table.sheet.as_deref(), Some("People"));
    assert_eq!(shown(table), [row(2, &["1"])]);

    let by_name = SourceOptions { sheet: Some(SheetConfig::Name("other".to_owned())), ..Default::default() };
    let table = open(&path, &by_name, &score).unwrap();
    assert_eq!(table.sheet.as_deref(), Some("Other"));
    assert_eq!(shown(table), [row(2, &["Dana"])]);

    // An index counts every sheet, hidden ones included.
    let by_index = SourceOptions { sheet: Some(SheetConfig::Index(0)), ..Default::default() };
    let table = open(&path, &by_index, &score).unwrap();
    assert_eq!(table.sheet.as_deref(), Some("Lookup"));
    assert_eq!(table.headers, ["secret"]);

    let unknown = SourceOptions { sheet: Some(SheetConfig::Name("Missing".to_owned())), ..Default::default() };
    let message = unreadable_message(open(&path, &unknown, &score));
    assert!(message.contains("'Missing'") && message.contains("'Lookup' (hidden), 'People', 'Other'"), "{message}");
    let unknown = SourceOptions { sheet: Some(SheetConfig::Index(7)), ..Default::default() };
    let message = unreadable_message(open(&path, &unknown, &score));
    assert!(message.contains("number 7") && message.contains("'People'"), "{message}");
}

#[test]
fn empty_rows_and_columns_around_the_data_are_ignored() {
    // Header at C3, data from row 4; a blank row and formatted empty cells around.
    let (_dir, workbooks) = workbooks();
    let (_, path, _) = workbooks.iter().find(|(name, ..)| *name == "offset").expect("the offset workbook");
    let table = open_default(path).unwrap();
    assert_eq!(table.header_row, 3);
    assert_eq!(table.headers, ["id", "name"]);
    let rows = cells(table);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [4, 6]);
    assert_eq!(rows[0].1, [Cell::Text("1".to_owned()), Cell::Text("Dana".to_owned())]);
    assert_eq!(rows[1].1, [Cell::Text("2".to_owned())], "trailing empty cells dropped");
}

#[test]
fn the_header_is_found_below_a_title() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "Monthly report - May").unwrap();
    sheet.write_string(2, 0, "id").unwrap();
    sheet.write_string(2, 1, "name").unwrap();
    sheet.write_string(2, 2, "").unwrap();
    sheet.write_number(3, 0, 7.0).unwrap();
    sheet.write_string(3, 1, "Yossi").unwrap();
    let (_dir, path) = save(&mut workbook, "title.xlsx");

    let table = open_default(&path).unwrap();
    assert_eq!((table.header_row, table.headers.clone()), (3, vec!["id".to_owned(), "name".to_owned()]));
    assert_eq!(shown(table), [row(4, &["7", "Yossi"])]);

    let forced = SourceOptions { header_row: Some(1), ..Default::default() };
    let table = open(&path, &forced, &score).unwrap();
    assert_eq!((table.header_row, table.headers.clone()), (1, vec!["Monthly report - May".to_owned()]));
    assert_eq!(shown(table), [row(3, &["id", "name"]), row(4, &["7", "Yossi"])]);

    let beyond = SourceOptions { header_row: Some(30), ..Default::default() };
    assert!(matches!(open(&path, &beyond, &score), Err(ReadError::Empty { .. })));
}

#[test]
fn a_declared_header_row_above_the_data_is_empty() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(4, 0, "id").unwrap();
    sheet.write_string(5, 0, "1").unwrap();
    let (_dir, path) = save(&mut workbook, "low.xlsx");
    let forced = SourceOptions { header_row: Some(2), ..Default::default() };
    let table = open(&path, &forced, &score).unwrap();
    assert_eq!((table.header_row, table.headers.len()), (2, 0));
    assert_eq!(shown(table), [row(5, &["id"]), row(6, &["1"])]);
}

#[test]
fn many_rows_come_in_bounded_batches() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "id").unwrap();
    for i in 1..=20_000u32 {
        sheet.write_number(i, 0, f64::from(i)).unwrap();
    }
    let (_dir, path) = save(&mut workbook, "many.xlsx");
    let table = open_default(&path).unwrap();
    let numbers: Vec<u64> = cells(table).into_iter().map(|r| r.0).collect();
    assert_eq!(numbers, (2..=20_001).collect::<Vec<u64>>());
    let table = open_default(&path).unwrap();
    let sizes: Vec<usize> = table.batches.map(|b| b.unwrap().len()).collect();
    assert_eq!(sizes, [BATCH_ROWS, BATCH_ROWS, 20_000 - 2 * BATCH_ROWS]);
}

#[test]
fn empty_workbooks_are_empty() {
    let mut workbook = Workbook::new();
    workbook.add_worksheet();
    let (_dir, path) = save(&mut workbook, "empty.xlsx");
    assert!(matches!(open_default(&path), Err(ReadError::Empty { .. })));

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "  ").unwrap();
    sheet.write_blank(3, 3, &XlsxFormat::new().set_bold()).unwrap();
    let (_dir, path) = save(&mut workbook, "blank.xlsx");
    match open_default(&path) {
        Err(e @ ReadError::Empty { .. }) => {
            assert_eq!(e.code(), crate::report::IssueCode::EmptyFile)
        }
        other => panic!("expected empty, got {:?}", other.map(|t| t.headers)),
    }

    let (_dir, path) = write_bytes("zero.xlsx", b"");
    assert!(matches!(open_default(&path), Err(ReadError::Empty { .. })));
}

#[test]
fn a_header_only_sheet_has_no_rows() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "id").unwrap();
    sheet.write_string(0, 1, "name").unwrap();
    let (_dir, path) = save(&mut workbook, "header.xlsx");
    let table = open_default(&path).unwrap();
    assert_eq!(table.headers, ["id", "name"]);
    assert!(cells(table).is_empty());
}

#[test]
fn files_that_are_not_workbooks_are_unreadable() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let garbage: Vec<u8> = (0..4000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    let (_dir, path) = write_bytes("garbage.xlsx", &garbage);
    let message = unreadable_message(open_default(&path));
    assert!(message.contains("not an Excel .xlsx workbook"), "{message}");

    let (_dir, path) = write_bytes("people.xlsx", b"id,name\n1,Dana\n");
    let message = unreadable_message(open_default(&path));
    assert!(message.contains("CSV") && message.contains(".csv"), "{message}");

    let (_dir, path) = write_bytes("report.xls", b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n");
    let message = unreadable_message(open_default(&path));
    assert!(message.contains("PDF"), "{message}");
}

#[test]
fn a_truncated_workbook_is_unreadable() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for i in 0..2000u32 {
        sheet.write_string(i, 0, format!("value {i}")).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 30, 100] {
        let (_dir, path) = write_bytes("cut.xlsx", &bytes[..cut]);
        let message = unreadable_message(open_default(&path));
        assert!(message.contains("damaged"), "{message}");
    }
}

#[test]
fn a_renamed_workbook_is_read_by_its_content() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "id").unwrap();
    sheet.write_string(1, 0, "1").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    for name in ["export.xls", "export.ods", "EXPORT.XLSX", "export.bin"] {
        let (_dir, path) = write_bytes(name, &bytes);
        assert_eq!(shown(open_default(&path).unwrap()), [row(2, &["1"])], "{name}");
    }
}

#[test]
fn mangled_workbooks_never_panic() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for r in 0..20u32 {
        sheet.write_string(r, 0, format!("id {r}")).unwrap();
        sheet.write_number(r, 1, f64::from(r) * 1.5).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x00C0_FFEE_u32;
    for round in 0..60 {
        let mut mangled = bytes.clone();
        for _ in 0..3 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let at = (state >> 8) as usize % mangled.len();
            mangled[at] ^= (state >> 3) as u8 | 1;
        }
        let path = dir.path().join(format!("mangled{round}.xlsx"));
        std::fs::write(&path, &mangled).unwrap();
        if let Ok(table) = open_default(&path) {
            table.batches.for_each(drop);
        }
    }
}

/// A minimal compound (OLE) file holding an `EncryptedPackage` stream, the
/// way Excel stores a password-protected xlsx.
fn encrypted_container() -> Vec<u8> {
    const FREE: u32 = 0xFFFF_FFFF;
    const END: u32 = 0xFFFF_FFFE;
    const FAT: u32 = 0xFFFF_FFFD;
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    header[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
    header[26..28].copy_from_slice(&3u16.to_le_bytes());
    header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    header[30..32].copy_from_slice(&9u16.to_le_bytes());
    header[32..34].copy_from_slice(&6u16.to_le_bytes());
    header[44..48].copy_from_slice(&1u32.to_le_bytes()); // one FAT sector
    header[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory at sector 1
    header[56..60].copy_from_slice(&4096u32.to_le_bytes());
    header[60..64].copy_from_slice(&END.to_le_bytes());
    header[68..72].copy_from_slice(&END.to_le_bytes());
    for (i, slot) in header[76..].chunks_exact_mut(4).enumerate() {
        slot.copy_from_slice(&if i == 0 { 0 } else { FREE }.to_le_bytes());
    }
    let mut fat = vec![0u8; 512];
    for (i, slot) in fat.chunks_exact_mut(4).enumerate() {
        let value = match i {
            0 => FAT,
            1 | 2 => END,
            _ => FREE,
        };
        slot.copy_from_slice(&value.to_le_bytes());
    }
    let mut directory = vec![0u8; 512];
    for (i, (name, kind, start, size)) in
        [("Root Entry", 5u8, END, 0u32), ("EncryptedPackage", 2, 2, 512), ("EncryptionInfo", 2, END, 0)]
            .into_iter()
            .enumerate()
    {
        let entry = &mut directory[i * 128..(i + 1) * 128];
        let utf16: Vec<u8> = name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
        entry[..utf16.len()].copy_from_slice(&utf16);
        entry[64..66].copy_from_slice(&(utf16.len() as u16).to_le_bytes());
        entry[66] = kind;
        entry[68..72].copy_from_slice(&FREE.to_le_bytes());
        entry[72..76].copy_from_slice(&FREE.to_le_bytes());
        entry[76..80].copy_from_slice(&if i == 0 { 1u32 } else { FREE }.to_le_bytes());
        entry[116..120].copy_from_slice(&start.to_le_bytes());
        entry[120..124].copy_from_slice(&size.to_le_bytes());
    }
    let package = vec![0xA5u8; 512];
    [header, fat, directory, package].concat()
}

#[test]
fn a_password_protected_workbook_is_unreadable() {
    for name in ["secret.xlsx", "secret.xls", "secret.xlsb"] {
        let (_dir, path) = write_bytes(name, &encrypted_container());
        let message = unreadable_message(open_default(&path));
        assert!(message.contains("password-protected"), "{name}: {message}");
    }
}

/// Writes a minimal OpenDocument spreadsheet (mimetype, manifest, content).
fn write_ods(path: &Path, manifest_extra: &str, content_rows: &str) {
    use zip::write::SimpleFileOptions;
    let file = File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest_extra}</manifest:file-entry>
</manifest:manifest>"#
    )
    .unwrap();
    zip.start_file("content.xml", stored).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Patients">{content_rows}</table:table></office:spreadsheet></office:body>
</office:document-content>"#
    )
    .unwrap();
    zip.finish().unwrap();
}

fn ods_text(s: &str) -> String {
    format!(r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#)
}

#[test]
fn reads_an_ods_spreadsheet() {
    let header = ["id", "code", "date", "when", "active"].map(ods_text).concat();
    let data = [
        ods_text("007"),
        r#"<table:table-cell office:value-type="float" office:value="123"><text:p>123</text:p></table:table-cell>"#.to_owned(),
        r#"<table:table-cell office:value-type="date" office:date-value="2024-01-15"><text:p>15/01/24</text:p></table:table-cell>"#.to_owned(),
        r#"<table:table-cell office:value-type="date" office:date-value="2024-01-15T10:30:00"><text:p>x</text:p></table:table-cell>"#.to_owned(),
        r#"<table:table-cell office:value-type="boolean" office:boolean-value="false"><text:p>FALSE</text:p></table:table-cell>"#.to_owned(),
    ]
    .concat();
    let rows = format!(
        "<table:table-row>{header}</table:table-row><table:table-row><table:table-cell/></table:table-row>\
         <table:table-row>{data}</table:table-row>"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("patients.ods");
    write_ods(&path, "", &rows);

    let table = open_default(&path).unwrap();
    assert_eq!(table.sheet.as_deref(), Some("Patients"));
    assert_eq!(table.headers, ["id", "code", "date", "when", "active"]);
    let rows = cells(table);
    assert_eq!(rows.len(), 1);
    let (n, cells) = &rows[0];
    assert_eq!(*n, 3);
    assert_eq!(cells[0], Cell::Text("007".to_owned()));
    assert_eq!(cells[1].as_ref().display(), "123");
    assert_eq!(cells[2], Cell::DateTime(date(2024, 1, 15).and_time(NaiveTime::MIN)));
    assert_eq!(cells[3], Cell::DateTime(date(2024, 1, 15).and_hms_opt(10, 30, 0).unwrap()));
    assert_eq!(cells[4], Cell::Bool(false));
}

#[test]
fn an_encrypted_ods_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.ods");
    let encryption = r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"></manifest:encryption-data>"#;
    write_ods(&path, encryption, "<table:table-row></table:table-row>");
    let message = unreadable_message(open_default(&path));
    assert!(message.contains("password-protected"), "{message}");
}

/// Sheet, header row, headers, and each row's number and cells.
type Contents = (Option<String>, u64, Vec<String>, Vec<(u64, Vec<Cell>)>);

/// Header, row numbers and cells (trailing empty cells dropped) of a table.
fn contents(table: Result<Table, ReadError>) -> Result<Contents, ReadError> {
    let table = table?;
    let mut rows = Vec::new();
    for batch in table.batches {
        let batch = batch?;
        let BatchData::Cells(data) = batch.data else { panic!("spreadsheets give cells") };
        for (number, mut cells) in batch.row_numbers.into_iter().zip(data) {
            while cells.last().is_some_and(|c| c.as_ref().is_empty()) {
                cells.pop();
            }
            rows.push((number, cells));
        }
    }
    Ok((table.sheet, table.header_row, table.headers, rows))
}

#[test]
fn streaming_gives_the_same_table_as_the_range() {
    let (_dir, workbooks) = workbooks();
    assert!(workbooks.len() >= 10);
    for (name, path, options) in &workbooks {
        let streamed = contents(open_table(path, options, &score));
        let ranged = contents(open_as_range(path, options, &score));
        assert_eq!(streamed, ranged, "{name}");
    }
}
