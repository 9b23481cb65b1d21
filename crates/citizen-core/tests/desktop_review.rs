//! The clerk's review in the desktop session (issue 15): a renamed header
//! mapped and remembered, two cells corrected, each change validated again at
//! once; the remembered mapping kept beside the settings until the submit
//! sends it; the request page lists the mappings and corrections.
//!
//! Its own binary: it points `XDG_CONFIG_HOME` at a temporary directory.

mod support;

use citizen_core::desktop::aliases::LocalAliases;
use citizen_core::desktop::files::{FileStatus, RowFilter};
use citizen_core::desktop::queries;
use citizen_core::desktop::session::Session;
use citizen_core::desktop::settings::Settings;
use citizen_core::error::CoreError;
use citizen_core::report::IssueCode;
use support::{file_events, final_summary, welfare_csv, TestDb};

#[tokio::test]
async fn a_clerk_maps_remembers_corrects_and_submits_and_the_supervisor_sees_it() {
    let config = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CONFIG_HOME", config.path());
    let db = TestDb::new().await;
    let settings = Settings { database_url: Some(db.url("clerk")), ..Settings::default() };
    let session = Session::new(support::contracts_dir(), settings);
    let catalog = session.catalog().unwrap_or_else(|e| panic!("{e}"));
    let content = welfare_csv(6, |i| if i == 1 || i == 3 { "זמני" } else { "פעיל" }).replacen("שם פרטי", "שם ראשון", 1);
    let path = db.write("welfare_2026-10.csv", &content);

    let (sink, receiver) = file_events();
    let opened = session.files.open(&catalog, std::slice::from_ref(&path), sink.clone());
    let id = opened[0].id;
    let first = final_summary(&receiver);
    assert_eq!(first.status, FileStatus::Invalid);
    assert!(first.contract_columns.contains(&"first_name".to_owned()));
    let renamed = first.columns.iter().find(|c| c.header == "שם ראשון").unwrap_or_else(|| panic!("{first:?}"));
    assert_eq!((renamed.column.as_deref(), renamed.mapped), (None, false));

    // A column the contract lacks is refused and changes nothing.
    let refused = session.set_mapping(id, "שם ראשון", Some("no_such_column".to_owned()), false, sink.clone());
    assert!(matches!(refused, Err(CoreError::InvalidEdit { .. })), "{refused:?}");

    session
        .set_mapping(id, "שם ראשון", Some("first_name".to_owned()), true, sink.clone())
        .unwrap_or_else(|e| panic!("{e}"));
    let mapped = final_summary(&receiver);
    assert!(!mapped.codes.iter().any(|c| c.code == IssueCode::MissingColumn), "{:?}", mapped.codes);
    let renamed = mapped.columns.iter().find(|c| c.header == "שם ראשון").unwrap_or_else(|| panic!("{mapped:?}"));
    assert_eq!((renamed.column.as_deref(), renamed.mapped, renamed.remembered), (Some("first_name"), true, true));
    assert_eq!(mapped.invalid_rows, 2);
    session.send_remembered().await;
    let local = LocalAliases::load(&config.path().join("citizen-db"));
    assert_eq!(local.datasets["welfare_patients"].pending.len(), 1, "no connection open: kept until a submit sends it");
    // Another file of the dataset, opened now (no database asked), is mapped by it at once.
    let next = db.write("welfare_2026-11.csv", &welfare_csv(3, |_| "פעיל").replacen("שם פרטי", "שם ראשון", 1));
    let (next_sink, next_events) = file_events();
    session.files.open(&catalog, std::slice::from_ref(&next), next_sink);
    let next_summary = final_summary(&next_events);
    assert_eq!(next_summary.status, FileStatus::Valid, "{:?}", next_summary.codes);
    let mapped_next = next_summary.columns.iter().find(|c| c.header == "שם ראשון");
    assert!(mapped_next.is_some_and(|c| c.column.as_deref() == Some("first_name") && c.remembered));

    session.correct_cell(id, 3, "welfare_status", "פעיל", sink.clone()).unwrap_or_else(|e| panic!("{e}"));
    let one = final_summary(&receiver);
    assert_eq!((one.invalid_rows, one.corrections_total), (1, 1));
    session.correct_cell(id, 5, "welfare_status", "סגור", sink.clone()).unwrap_or_else(|e| panic!("{e}"));
    let both = final_summary(&receiver);
    assert_eq!(both.status, FileStatus::Valid);
    assert_eq!((both.invalid_rows, both.corrections_total), (0, 2));
    assert_eq!(both.corrections[0].old_value, "זמני");
    let page = session.files.rows(id, 0, 10, &RowFilter::default()).unwrap_or_else(|e| panic!("{e}"));
    let row3 = page.rows.iter().find(|r| r.row == 3).unwrap_or_else(|| panic!("{page:?}"));
    let status_index = both.columns.iter().position(|c| c.column.as_deref() == Some("welfare_status"));
    let status_index = status_index.unwrap_or_else(|| panic!("{both:?}"));
    assert_eq!(row3.cells[status_index], "פעיל", "the grid shows the corrected value");
    assert_eq!(row3.corrected, [status_index]);

    let submitted = session.submit(id, Some("2026-10".to_owned())).await.unwrap_or_else(|e| panic!("{e}"));
    let local = LocalAliases::load(&config.path().join("citizen-db"));
    assert!(local.datasets["welfare_patients"].pending.is_empty(), "sent with the submit");
    assert_eq!(local.datasets["welfare_patients"].known.len(), 1);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.column_alias WHERE created_by = 'clerk'").await, 1);

    let supervisor = db.login("supervisor").await;
    let detail =
        queries::request_detail(&supervisor, &catalog, submitted.request_id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(detail.review.mappings.len(), 1);
    assert_eq!(detail.review.mappings[0].column.as_deref(), Some("first_name"));
    assert_eq!(detail.review.corrections_total, 2);
    let rows: Vec<(i64, &str, &str, &str)> = detail
        .review
        .corrections
        .iter()
        .map(|c| (c.row, c.old_value.as_str(), c.new_value.as_str(), c.made_by.as_str()))
        .collect();
    assert_eq!(rows, [(3, "זמני", "פעיל", "clerk"), (5, "זמני", "סגור", "clerk")]);
    assert!(detail.review.corrections.iter().all(|c| !c.made_at.is_empty()));

    // Connected now: a mapping remembered goes to the database at once.
    session.set_mapping(id, "הערות", None, true, sink.clone()).unwrap_or_else(|e| panic!("{e}"));
    final_summary(&receiver);
    session.send_remembered().await;
    let local = LocalAliases::load(&config.path().join("citizen-db"));
    assert!(local.datasets["welfare_patients"].pending.is_empty());
    let ignored =
        db.scalar_i64("SELECT count(*) FROM meta.column_alias WHERE header = 'הערות' AND column_name IS NULL").await;
    assert_eq!(ignored, 1);

    // Clearing the corrections validates the file as it arrived again (the mapping stays).
    session.clear_corrections(id, sink.clone()).unwrap_or_else(|e| panic!("{e}"));
    let cleared = final_summary(&receiver);
    assert_eq!((cleared.invalid_rows, cleared.corrections_total), (2, 0));
    std::env::remove_var("XDG_CONFIG_HOME");
}
