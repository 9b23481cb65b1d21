//! Opened files in the desktop app, the paths beyond the happy one: a file
//! no contract recognises (listed as `needs_dataset` with a failed event),
//! choosing its dataset, cancelling a validation, the issue list, and ids
//! that are not open.

mod support;

use citizen_core::contract::Catalog;
use citizen_core::desktop::files::{FileEvent, FileStatus, FileSummary, OpenedFiles, RowFilter};
use citizen_core::error::{CoreError, ErrorPayload};
use citizen_core::sample::{write_sample, SampleFormat, SampleSpec};
use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;
use support::file_events;

fn catalog() -> Arc<Catalog> {
    Arc::new(support::shipped_catalog())
}

/// Writes a welfare_patients sample of `spec` to `path`.
fn welfare_sample(catalog: &Catalog, path: &Path, spec: &SampleSpec) {
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    write_sample(contract, spec, path).unwrap_or_else(|e| panic!("{e}"));
}

/// Opens one file; its id and the receiver of its events.
fn open_one(files: &Arc<OpenedFiles>, catalog: &Arc<Catalog>, path: &Path) -> (u64, mpsc::Receiver<FileEvent>) {
    let (sink, receiver) = file_events();
    let opened = files.open(catalog, &[path.to_path_buf()], sink);
    (opened[0].id, receiver)
}

/// The final event of a validation: a summary or an error.
fn outcome(receiver: &mpsc::Receiver<FileEvent>) -> Result<FileSummary, ErrorPayload> {
    loop {
        match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(FileEvent::Done { summary, .. }) => return Ok(*summary),
            Ok(FileEvent::Failed { error, .. }) => return Err(error),
            Ok(FileEvent::Progress { .. } | FileEvent::Preview { .. }) => {}
            Err(e) => panic!("no final event: {e}"),
        }
    }
}

#[test]
fn an_unrecognised_file_needs_a_dataset_then_validates_against_the_chosen_one() {
    let catalog = catalog();
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("welfare.csv");
    welfare_sample(&catalog, &good, &SampleSpec { rows: 200, seed: 3, errors_per_code: 0, format: SampleFormat::Csv });
    let odd = dir.path().join("odd.csv");
    std::fs::write(&odd, "alpha,beta\n1,2\n").expect("write");

    let files = Arc::new(OpenedFiles::default());
    let (sink, receiver) = file_events();
    let opened = files.open(&catalog, std::slice::from_ref(&odd), sink);
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].dataset, None);
    let id = opened[0].id;
    let failed = outcome(&receiver).expect_err("not recognised");
    assert_eq!(failed.code, "dataset_not_recognised");
    let summary = files.summary(id).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.status, FileStatus::NeedsDataset);
    assert_eq!(summary.submit_block, Some(citizen_core::desktop::files::SubmitBlock::NeedsDataset));

    // The clerk picks the dataset: the file is checked against it (and is unusable).
    let (sink, receiver) = file_events();
    files.set_dataset(&catalog, id, "welfare_patients", sink).unwrap_or_else(|e| panic!("{e}"));
    let checked = outcome(&receiver);
    let status = files.summary(id).unwrap_or_else(|e| panic!("{e}")).status;
    assert!(matches!(status, FileStatus::Unusable | FileStatus::Invalid), "{status:?} {checked:?}");
    let (sink, _receiver) = file_events();
    assert!(files.set_dataset(&catalog, id, "no_such_dataset", sink).is_err());

    // A clean file is valid and has no issues to list or jump to.
    let (sink, receiver) = file_events();
    let clean = files.open(&catalog, std::slice::from_ref(&good), sink);
    let summary = outcome(&receiver).unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(summary.status, FileStatus::Valid);
    let clean_id = clean[0].id;
    let issues = files.issues(clean_id, 0, 50, &RowFilter::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(issues.total, 0);
    assert!(files.next_issue(clean_id, 0, &RowFilter::default()).unwrap_or_else(|e| panic!("{e}")).is_none());
    let only = RowFilter { only_issues: true, ..RowFilter::default() };
    assert_eq!(files.rows(clean_id, 0, 50, &only).unwrap_or_else(|e| panic!("{e}")).total, 0);
    // Paging past the end is an empty page, not an error.
    let past = files.rows(clean_id, 10_000, 50, &RowFilter::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(past.rows.is_empty());
}

#[test]
fn validation_can_be_cancelled_and_unknown_ids_are_clear_errors() {
    let catalog = catalog();
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("welfare_2026-11.csv");
    welfare_sample(
        &catalog,
        &big,
        &SampleSpec { rows: 200_000, seed: 9, errors_per_code: 1, format: SampleFormat::Csv },
    );

    let files = Arc::new(OpenedFiles::default());
    let (id, receiver) = open_one(&files, &catalog, &big);
    files.cancel(id).unwrap_or_else(|e| panic!("{e}"));
    match outcome(&receiver) {
        Err(error) => assert_eq!(error.code, "cancelled", "{error:?}"),
        // The machine may finish before the cancel lands; then the file is complete.
        Ok(summary) => assert_eq!(summary.rows, 200_000),
    }
    assert_ne!(files.summary(id).unwrap_or_else(|e| panic!("{e}")).status, FileStatus::Validating);

    files.close(id).unwrap_or_else(|e| panic!("{e}"));
    let not_open = |r: Result<(), CoreError>| matches!(r, Err(CoreError::FileNotOpen { .. }));
    assert!(not_open(files.close(id)));
    assert!(not_open(files.cancel(id)));
    assert!(matches!(files.rows(id, 0, 10, &RowFilter::default()), Err(CoreError::FileNotOpen { .. })));
    assert!(matches!(files.set_period(&catalog, 4242, "2026-11"), Err(CoreError::FileNotOpen { .. })));
}

#[test]
fn the_first_rows_are_shown_before_validation_ends() {
    let catalog = catalog();
    let dir = tempfile::tempdir().expect("temp dir");
    let workbook = dir.path().join("welfare_2026-10.xlsx");
    welfare_sample(
        &catalog,
        &workbook,
        &SampleSpec { rows: 20_000, seed: 4, errors_per_code: 2, format: SampleFormat::Xlsx },
    );

    let files = Arc::new(OpenedFiles::default());
    let (id, receiver) = open_one(&files, &catalog, &workbook);
    let (headers, preview) = loop {
        match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(FileEvent::Preview { headers, rows, .. }) => break (headers, rows),
            Ok(FileEvent::Progress { .. }) => {}
            Ok(other) => panic!("the preview comes before the outcome, got {other:?}"),
            Err(e) => panic!("no preview: {e}"),
        }
    };
    let summary = outcome(&receiver).unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(summary.rows, 20_000);
    assert_eq!(headers, summary.columns.iter().map(|c| c.header.clone()).collect::<Vec<_>>());
    assert_eq!(preview.len(), 50);
    // The preview shows the same rows and cells as the grid does afterwards.
    let page = files.rows(id, 0, 50, &RowFilter::default()).unwrap_or_else(|e| panic!("{e}"));
    let shown = |rows: &[citizen_core::desktop::files::GridRowView]| {
        rows.iter().map(|r| (r.row, r.cells.clone())).collect::<Vec<_>>()
    };
    assert_eq!(shown(&preview), shown(&page.rows));
}
