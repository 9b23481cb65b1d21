//! Validation of whole files against the shipped contracts: the edge cases a
//! clerk meets, each with the exact codes, rows and counts of SPEC §4.

mod support;

use citizen_core::report::{IssueCode, Severity, Status};
use citizen_core::validate::{recognise, recognise_named, validate_file, Recognition, ValidateOptions};
use std::path::{Path, PathBuf};
use support::shipped_catalog as catalog;

/// A file written for one test, in a directory removed when it drops.
struct TempFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl std::ops::Deref for TempFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

fn temp_file(name: &str, bytes: &[u8]) -> TempFile {
    let dir = tempfile::Builder::new().prefix("citizen-validation-").tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    TempFile { _dir: dir, path }
}

fn id(n: u32) -> String {
    citizen_core::validate::types::israeli_id::with_check_digit(20_000_000 + n)
}

const HEADER: &str =
    "ת.ז.,שם פרטי,שם משפחה,תאריך לידה,מין,סטטוס,קוד רחוב,מספר בית,דירה,טלפון 1,טלפון 2,טלפון 3,דואר אלקטרוני";

fn row(n: u32) -> String {
    format!("{},נועה,לוי,12/03/1975,נ,פעיל,120,4,7,050-2345678,03-5123456,,noa{n}@example.org", id(n))
}

fn welfare(path_name: &str, rows: &[String]) -> citizen_core::report::Report {
    let catalog = catalog();
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let text = format!("{HEADER}\n{}\n", rows.join("\n"));
    validate_file(&temp_file(path_name, text.as_bytes()), contract, &ValidateOptions::default()).report
}

#[test]
fn a_clean_file_is_valid() {
    let report = welfare("clean.csv", &(0..50).map(row).collect::<Vec<_>>());
    assert_eq!(report.status, Status::Valid, "{:?}", report.issues);
    assert_eq!((report.rows, report.valid_rows, report.invalid_rows), (50, 50, 0));
    assert!(report.issues.is_empty());
    assert_eq!(report.contract_sha256.as_ref().map(String::len), Some(64));
}

#[test]
fn every_cell_error_is_reported_at_its_spreadsheet_row() {
    let mut rows: Vec<String> = (0..10).map(row).collect();
    rows[0] = rows[0].replace(&id(0), "123456789");
    rows[1] = rows[1].replace("פעיל", "unknown");
    rows[2] = rows[2].replace("12/03/1975", "31/02/1975");
    rows[3] = rows[3].replace("050-2345678", "050-12");
    rows[4] = rows[4].replace(",120,", ",12a,");
    rows[5] = rows[5].replace("נועה", "");
    rows[6] = rows[6].replace("noa6@example.org", "noa6@");
    rows[7] = rows[7].replace("12/03/1975", "01/01/1850");
    rows[8] = format!("{},{}", id(1), rows[8].split_once(',').map(|(_, rest)| rest).unwrap_or_default());
    let report = welfare("errors.csv", &rows);
    assert_eq!(report.status, Status::Invalid);
    let found: Vec<(Option<u64>, IssueCode)> = report.issues.iter().map(|i| (i.row, i.code)).collect();
    assert_eq!(
        found,
        vec![
            (Some(2), IssueCode::IsraeliId),
            (Some(3), IssueCode::Allowed),
            (Some(4), IssueCode::Type),
            (Some(5), IssueCode::Phone),
            (Some(6), IssueCode::Pattern),
            (Some(7), IssueCode::Required),
            (Some(8), IssueCode::Email),
            (Some(9), IssueCode::Min),
            (Some(10), IssueCode::DuplicateKey),
        ]
    );
    assert_eq!(report.invalid_rows, 8, "the e-mail column is a warning");
    assert_eq!(report.warnings, 1);
    let email = &report.issues[6];
    assert_eq!(email.severity, Severity::Warning);
    assert_eq!(email.header.as_deref(), Some("דואר אלקטרוני"));
    assert_eq!(email.value.as_deref(), Some("noa6@"));
    let duplicate = &report.issues[8];
    assert!(duplicate.message.contains("row 3"), "{}", duplicate.message);
    assert_eq!(report.count(IssueCode::DuplicateKey), 1);
}

#[test]
fn a_bad_value_on_a_warning_phone_column_warns_and_the_file_stays_valid() {
    let mut rows: Vec<String> = (0..5).map(row).collect();
    rows[1] = rows[1].replace("03-5123456,,", "03-5123456,12345,");
    let report = welfare("warning-phone.csv", &rows);
    assert_eq!(report.status, Status::Valid, "{:?}", report.issues);
    assert_eq!((report.invalid_rows, report.warnings), (0, 1));
    let found: Vec<(Option<u64>, Option<&str>, IssueCode, Severity)> =
        report.issues.iter().map(|i| (i.row, i.column.as_deref(), i.code, i.severity)).collect();
    assert_eq!(found, vec![(Some(3), Some("phone_3"), IssueCode::Phone, Severity::Warning)]);
}

#[test]
fn missing_duplicate_and_unknown_columns_are_file_level() {
    let catalog = catalog();
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let text = format!("ת.ז.,שם פרטי,שם פרטי,סטטוס,קוד רחוב,הערות\n{},א,א,פעיל,1,x\n", id(1));
    let report =
        validate_file(&temp_file("columns.csv", text.as_bytes()), contract, &ValidateOptions::default()).report;
    assert_eq!(report.status, Status::Invalid);
    let missing_last_name =
        report.issues.iter().find(|i| i.code == IssueCode::MissingColumn && i.column.as_deref() == Some("last_name"));
    assert_eq!(missing_last_name.map(|i| (i.row, i.severity)), Some((None, Severity::Error)));
    let missing_email = report.issues.iter().find(|i| i.column.as_deref() == Some("email"));
    assert_eq!(missing_email.map(|i| i.severity), Some(Severity::Warning), "optional columns may be absent");
    assert_eq!(report.count(IssueCode::DuplicateColumn), 1);
    assert_eq!(report.count(IssueCode::UnknownColumn), 1);
}

#[test]
fn empty_header_only_and_short_files() {
    let catalog = catalog();
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let empty = validate_file(&temp_file("empty.csv", b""), contract, &ValidateOptions::default()).report;
    assert_eq!((empty.status, empty.issues[0].code), (Status::Unusable, IssueCode::EmptyFile));
    let header_only =
        validate_file(&temp_file("header.csv", HEADER.as_bytes()), contract, &ValidateOptions::default()).report;
    assert_eq!(header_only.status, Status::Invalid);
    assert_eq!(header_only.count(IssueCode::EmptyFile), 1);
    let ragged = format!("{HEADER}\n{}\n{},נועה\n", row(1), id(2));
    let report =
        validate_file(&temp_file("ragged.csv", ragged.as_bytes()), contract, &ValidateOptions::default()).report;
    assert_eq!(report.rows, 2, "a short row is read, its missing cells are empty");
    assert_eq!(report.issues.iter().filter(|i| i.row == Some(3) && i.code == IssueCode::Required).count(), 3);
}

#[test]
fn hebrew_windows_1255_and_utf16_files_validate_like_utf8() {
    let catalog = catalog();
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let text = format!("{HEADER}\n{}\n{}\n", row(1), row(2));
    let (cp1255, _, _) = encoding_rs::WINDOWS_1255.encode(&text);
    let report = validate_file(&temp_file("w1255.csv", &cp1255), contract, &ValidateOptions::default()).report;
    assert_eq!((report.status, report.rows), (Status::Valid, 2), "{:?}", report.issues);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let report = validate_file(&temp_file("w16.csv", &utf16), contract, &ValidateOptions::default()).report;
    assert_eq!((report.status, report.rows), (Status::Valid, 2), "{:?}", report.issues);
}

#[test]
fn corrupt_and_foreign_files_are_unusable_not_panics() {
    let catalog = catalog();
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let corrupt = validate_file(
        &temp_file("corrupt.xlsx", b"PK\x03\x04 this is not a workbook"),
        contract,
        &ValidateOptions::default(),
    )
    .report;
    assert_eq!((corrupt.status, corrupt.issues[0].code), (Status::Unusable, IssueCode::Unreadable));
    let pdf = validate_file(
        &temp_file("scan.csv", b"%PDF-1.7\n\x00\x01\x02\x03binary"),
        contract,
        &ValidateOptions::default(),
    )
    .report;
    assert_eq!(pdf.status, Status::Unusable);
    let encrypted = {
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.extend(std::iter::repeat_n(0u8, 2048));
        validate_file(&temp_file("protected.xlsx", &bytes), contract, &ValidateOptions::default()).report
    };
    assert_eq!((encrypted.status, encrypted.issues[0].code), (Status::Unusable, IssueCode::Unreadable));
}

#[test]
fn datasets_are_recognised_by_name_then_headers() {
    let catalog = catalog();
    let named = temp_file("רווחה_2026-11.csv", format!("{HEADER}\n{}\n", row(1)).as_bytes());
    assert_eq!(recognise(&catalog, &named).map(|c| c.dataset.as_str()).ok(), Some("welfare_patients"));
    let unnamed = temp_file("export (3).csv", format!("{HEADER}\n{}\n", row(1)).as_bytes());
    assert_eq!(recognise(&catalog, &unnamed).map(|c| c.dataset.as_str()).ok(), Some("welfare_patients"));
    let hamal = temp_file("list.csv", "ת.ז.,שם מלא,סוג צורך,קוד רחוב,טלפון\n".as_bytes());
    assert_eq!(recognise(&catalog, &hamal).map(|c| c.dataset.as_str()).ok(), Some("hamal"));
    let unknown = temp_file("other.csv", b"a,b,c\n1,2,3\n");
    match recognise(&catalog, &unknown) {
        Err(Recognition::Unknown(error)) => {
            let text = error.to_string();
            assert!(text.contains("welfare_patients") && text.contains("--dataset"), "{text}");
        }
        other => panic!("expected an unknown dataset, got {:?}", other.map(|c| c.dataset.clone())),
    }
    let Ok(named) = recognise_named(&catalog, &unknown, Some("hamal")) else { panic!("hamal is a dataset") };
    let report = validate_file(&unknown, named, &ValidateOptions::default()).report;
    assert_eq!(report.count(IssueCode::MissingColumn), 10, "a file of another dataset misses every column");
}

#[test]
fn rows_are_kept_for_the_grid_and_progress_is_reported() {
    let catalog = catalog();
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<String> = (0..20_000).map(row).collect();
    let path = temp_file("grid.csv", format!("{HEADER}\n{}\n", rows.join("\n")).as_bytes());
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let progress_seen = seen.clone();
    let options = ValidateOptions {
        keep_rows: true,
        progress: Some(std::sync::Arc::new(move |done| progress_seen.store(done, std::sync::atomic::Ordering::SeqCst))),
        ..ValidateOptions::default()
    };
    let validation = validate_file(&path, contract, &options);
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 20_000);
    let Some(store) = validation.rows else { panic!("rows were not kept") };
    assert_eq!(store.len(), 20_000);
    let page = store.page(12_345, 2).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page[0].row, 12_347);
    assert_eq!(page[0].cells[0], id(12_345));
}

#[test]
fn a_cancelled_validation_stops_early_and_says_so() {
    let catalog = catalog();
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<String> = (0..50_000).map(row).collect();
    let path = temp_file("cancel.csv", format!("{HEADER}\n{}\n", rows.join("\n")).as_bytes());
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let options = ValidateOptions { cancel: Some(cancel), ..ValidateOptions::default() };
    let validation = validate_file(&path, contract, &options);
    assert!(validation.cancelled);
    assert!(validation.report.rows < 50_000);
}
