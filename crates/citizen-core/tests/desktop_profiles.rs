//! The Load screen's profile (issue 15): an opened file's profile is the one
//! its validation computed, the same as validating the file directly, and
//! asking for a file that is not open is an error, not an empty profile.

mod support;

use citizen_core::contract::Catalog;
use citizen_core::desktop::files::{FileEvent, OpenedFiles};
use citizen_core::desktop::profiles::file_profile;
use citizen_core::error::CoreError;
use citizen_core::sample::{write_sample, SampleFormat, SampleSpec};
use citizen_core::validate::{validate_file, ValidateOptions};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

#[test]
fn an_opened_files_profile_is_its_validations() {
    let catalog: Arc<Catalog> = Arc::new(support::shipped_catalog());
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("welfare_2026-11.csv");
    let spec = SampleSpec { rows: 300, seed: 5, errors_per_code: 1, format: SampleFormat::Csv };
    write_sample(contract, &spec, &path).unwrap_or_else(|e| panic!("{e}"));

    let files = Arc::new(OpenedFiles::default());
    let (sender, receiver) = mpsc::channel();
    let sender = Mutex::new(sender);
    let opened = files.open(
        &catalog,
        std::slice::from_ref(&path),
        Arc::new(move |event: FileEvent| {
            if let Ok(sender) = sender.lock() {
                let _ = sender.send(event);
            }
        }),
    );
    let id = opened[0].id;
    loop {
        match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(FileEvent::Done { .. }) => break,
            Ok(FileEvent::Failed { error, .. }) => panic!("{error:?}"),
            Ok(_) => {}
            Err(e) => panic!("no final event: {e}"),
        }
    }
    let shown = file_profile(&files, id).unwrap_or_else(|e| panic!("{e}"));
    let Some(shown) = shown else { panic!("no profile for a validated file") };
    assert_eq!(shown.rows, 300);
    assert_eq!(shown.columns.len(), contract.columns.len());
    let direct = validate_file(&path, contract, &ValidateOptions::default()).profile;
    assert_eq!(Some(shown), direct, "the same figures as validating the file directly");

    files.close(id).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(file_profile(&files, id), Err(CoreError::FileNotOpen { .. })));
}
