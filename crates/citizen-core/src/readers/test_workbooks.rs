//! Test fixtures shared by the spreadsheet tests: workbooks of many shapes
//! (written with rust_xlsxwriter) and the score of a test contract's headers.
//! It imports no reader, so every reader's tests may use it.

use crate::contract::SourceOptions;
use crate::readers::cell::CellRef;
use rust_xlsxwriter::{ExcelDateTime as XlsxDate, Format as XlsxFormat, Formula, Workbook};
use std::path::PathBuf;

/// Header names the test contract knows.
const KNOWN: &[&str] = &["id", "code", "amount", "date", "active", "total", "name"];

pub(crate) fn score(row: &[CellRef<'_>]) -> usize {
    row.iter().filter(|c| matches!(c, CellRef::Text(t) if KNOWN.contains(&t.trim()))).count()
}

/// Workbooks of many shapes, each with the options to open it with, for
/// the differential test of the streaming path (the directory keeps them).
pub(crate) fn workbooks() -> (tempfile::TempDir, Vec<(&'static str, PathBuf, SourceOptions)>) {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let mut add = |name: &'static str, workbook: &mut Workbook, options: SourceOptions| {
        let path = dir.path().join(format!("{name}.xlsx"));
        workbook.save(&path).unwrap();
        out.push((name, path, options));
    };
    let date_format = XlsxFormat::new().set_num_format("dd/mm/yyyy");
    let bold = XlsxFormat::new().set_bold();

    let mut typed = Workbook::new();
    let sheet = typed.add_worksheet();
    for (col, header) in ["id", "code", "amount", "date", "active", "total", "bad"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    for row in 1..40u32 {
        sheet.write_string(row, 0, format!("0{row:08}")).unwrap();
        sheet.write_number(row, 1, f64::from(row * 7)).unwrap();
        sheet.write_number(row, 2, f64::from(row) / 4.0).unwrap();
        let day = XlsxDate::from_ymd(2024, 1, (row % 28 + 1) as u8).unwrap();
        sheet.write_datetime_with_format(row, 3, day, &date_format).unwrap();
        sheet.write_boolean(row, 4, row % 2 == 0).unwrap();
        sheet.write_formula(row, 5, Formula::new(format!("=B{}*2", row + 1)).set_result("1")).unwrap();
        if row % 5 == 0 {
            sheet.write_formula(row, 6, Formula::new("=NA()").set_result("#N/A")).unwrap();
        }
    }
    add("typed", &mut typed, SourceOptions::default());

    let mut offset = Workbook::new();
    let sheet = offset.add_worksheet();
    sheet.write_string(2, 2, "id").unwrap();
    sheet.write_string(2, 3, "name").unwrap();
    sheet.write_string(3, 2, "1").unwrap();
    sheet.write_string(3, 3, "Dana").unwrap();
    sheet.write_string(5, 2, "2").unwrap();
    sheet.write_string(6, 3, "   ").unwrap();
    sheet.write_blank(40, 20, &bold).unwrap();
    sheet.write_blank(3, 9, &bold).unwrap();
    sheet.write_string(7, 5, " ").unwrap();
    add("offset", &mut offset, SourceOptions::default());

    let mut title = Workbook::new();
    let sheet = title.add_worksheet();
    sheet.write_string(0, 0, "Monthly report - May").unwrap();
    sheet.write_string(2, 0, "id").unwrap();
    sheet.write_string(2, 1, "name").unwrap();
    sheet.write_number(3, 0, 7.0).unwrap();
    sheet.write_string(3, 1, "Yossi").unwrap();
    add("title", &mut title, SourceOptions::default());
    add("title-forced", &mut title, SourceOptions { header_row: Some(1), ..Default::default() });
    add("title-beyond", &mut title, SourceOptions { header_row: Some(30), ..Default::default() });
    add("title-above", &mut title, SourceOptions { header_row: Some(2), ..Default::default() });

    let mut low = Workbook::new();
    let sheet = low.add_worksheet();
    sheet.write_string(40, 1, "id").unwrap();
    sheet.write_string(41, 1, "1").unwrap();
    sheet.write_string(45, 1, "2").unwrap();
    add("header-below-the-window", &mut low, SourceOptions::default());
    add("forced-above-the-data", &mut low, SourceOptions { header_row: Some(2), ..Default::default() });

    let mut many = Workbook::new();
    let sheet = many.add_worksheet();
    sheet.write_string(0, 0, "id").unwrap();
    sheet.write_string(0, 1, "name").unwrap();
    for i in 1..=20_000u32 {
        sheet.write_number(i, 0, f64::from(i)).unwrap();
        if i % 3 != 0 {
            sheet.write_string(i, 1, format!("name {}", i % 97)).unwrap();
        }
    }
    add("many", &mut many, SourceOptions::default());

    let mut empty = Workbook::new();
    empty.add_worksheet();
    add("empty", &mut empty, SourceOptions::default());

    let mut blank = Workbook::new();
    let sheet = blank.add_worksheet();
    sheet.write_string(3, 3, "  ").unwrap();
    sheet.write_blank(5, 5, &bold).unwrap();
    add("whitespace-only", &mut blank, SourceOptions::default());

    let mut header_only = Workbook::new();
    let sheet = header_only.add_worksheet();
    sheet.write_string(0, 0, "id").unwrap();
    sheet.write_string(0, 1, "name").unwrap();
    add("header-only", &mut header_only, SourceOptions::default());
    (dir, out)
}
