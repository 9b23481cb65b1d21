//! A later file of a dataset, named as no contract's `match.file_name` and
//! headed with the renamed headers a clerk remembered, is recognised by those
//! mappings and validated with them at once (issue 15): online from the
//! database's aliases, offline from the desktop's `aliases.json` (what it last
//! read from the database, and what it remembered itself and has not sent).
//!
//! Its own binary: it points `XDG_CONFIG_HOME` at temporary directories.

mod support;

use citizen_core::desktop::aliases::LocalAliases;
use citizen_core::desktop::files::{FileStatus, FileSummary, OpenedFile};
use citizen_core::desktop::session::Session;
use citizen_core::desktop::settings::Settings;
use citizen_core::pipeline;
use citizen_core::validate::edits::HeaderMapping;
use std::path::{Path, PathBuf};
use support::{file_events, final_summary, welfare_csv, TestDb};

/// Seven of welfare's thirteen headers as another system writes them, and the
/// columns they are: without the mappings the file names six (under half).
const RENAMED: [(&str, &str); 7] = [
    ("שם פרטי", "שם ראשון"),
    ("שם משפחה", "שם אחרון"),
    ("תאריך לידה", "ת. לידה"),
    ("מין", "מגדר"),
    ("סטטוס", "מצב"),
    ("קוד רחוב", "רחוב"),
    ("מספר בית", "מס' בית"),
];

fn column_of(header: &str) -> &'static str {
    match header {
        "שם ראשון" => "first_name",
        "שם אחרון" => "last_name",
        "ת. לידה" => "birth_date",
        "מגדר" => "gender",
        "מצב" => "welfare_status",
        "רחוב" => "street_code",
        _ => "building_number",
    }
}

fn mappings() -> Vec<HeaderMapping> {
    RENAMED
        .iter()
        .map(|(_, header)| HeaderMapping {
            header: (*header).to_owned(),
            column: Some(column_of(header).to_owned()),
            remember: true,
        })
        .collect()
}

/// A valid welfare file with the renamed headers.
fn renamed_csv(rows: u32) -> String {
    let content = welfare_csv(rows, |_| "פעיל");
    let (header, body) = content.split_once('\n').unwrap_or_else(|| panic!("no header line"));
    let header = header.split(',').map(|h| RENAMED.iter().find(|(from, _)| *from == h).map_or(h, |(_, to)| *to));
    format!("{}\n{body}", header.collect::<Vec<_>>().join(","))
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// Opens one file in the session; its summary when it was recognised.
fn open(session: &Session, path: &Path) -> (OpenedFile, Option<FileSummary>) {
    let catalog = session.catalog().unwrap_or_else(|e| panic!("{e}"));
    let (sink, receiver) = file_events();
    let opened = session.files.open(&catalog, &[path.to_path_buf()], sink);
    let file = opened.into_iter().next().unwrap_or_else(|| panic!("nothing opened"));
    let done = file.dataset.is_some().then(|| final_summary(&receiver));
    (file, done)
}

/// The file is welfare's, valid, its seven renamed headers mapped as remembered.
fn assert_recognised_and_mapped(file: &OpenedFile, done: Option<FileSummary>) {
    assert_eq!(file.dataset.as_deref(), Some("welfare_patients"), "{file:?}");
    let done = done.unwrap_or_else(|| panic!("not validated"));
    assert_eq!(done.status, FileStatus::Valid, "{:?}", done.codes);
    for (_, header) in RENAMED {
        let column = done.columns.iter().find(|c| c.header == header).unwrap_or_else(|| panic!("{header}"));
        assert_eq!(column.column.as_deref(), Some(column_of(header)), "{header}");
        assert!(column.mapped && column.remembered, "{header}: {column:?}");
    }
}

#[tokio::test]
async fn a_renamed_export_is_recognised_by_the_remembered_mappings_online_and_offline() {
    let db = TestDb::new().await;
    let files = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let export = write(files.path(), "export_2026-11.csv", &renamed_csv(4));

    // Online: another desktop remembered the mappings in the database.
    let online_config = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CONFIG_HOME", online_config.path());
    let settings = Settings { database_url: Some(db.url("clerk")), ..Settings::default() };
    let session = Session::new(support::contracts_dir(), settings.clone());
    let (before, _) = open(&session, &export);
    assert_eq!((before.dataset, before.status), (None, FileStatus::NeedsDataset), "nothing remembered yet");
    let clerk = db.login("clerk").await;
    pipeline::remember_aliases(&clerk, "welfare_patients", &mappings()).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(session.status().await.connected, "the clerk connects");
    let (file, done) = open(&session, &export);
    assert_recognised_and_mapped(&file, done);

    // Offline, the same desktop maps with what it read from the database.
    let offline = Settings { database_url: Some("postgres://clerk@127.0.0.1:1/citizen".to_owned()), ..settings };
    let session = Session::new(support::contracts_dir(), offline.clone());
    let (file, done) = open(&session, &export);
    assert_recognised_and_mapped(&file, done);

    // Offline on a desktop that never connected: the mappings the clerk
    // remembered on a file of the dataset (pending, not sent) recognise the next.
    let offline_config = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CONFIG_HOME", offline_config.path());
    let session = Session::new(support::contracts_dir(), offline);
    let (unknown, _) = open(&session, &export);
    assert_eq!(unknown.status, FileStatus::NeedsDataset, "this desktop knows no mapping");
    let first = write(files.path(), "welfare_2026-10.csv", &renamed_csv(3));
    let (first, _) = open(&session, &first);
    let (sink, receiver) = file_events();
    for mapping in mappings() {
        let header = mapping.header.clone();
        session.set_mapping(first.id, &header, mapping.column, true, sink.clone()).unwrap_or_else(|e| panic!("{e}"));
    }
    let mapped = loop {
        let done = final_summary(&receiver);
        if done.columns.iter().filter(|c| c.remembered).count() == RENAMED.len() {
            break done;
        }
    };
    assert_eq!(mapped.status, FileStatus::Valid, "{:?}", mapped.codes);
    let local = LocalAliases::load(&offline_config.path().join("citizen-db"));
    assert_eq!(local.datasets["welfare_patients"].pending.len(), RENAMED.len());
    let (file, done) = open(&session, &export);
    assert_recognised_and_mapped(&file, done);
    std::env::remove_var("XDG_CONFIG_HOME");
}
