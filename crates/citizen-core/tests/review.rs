//! The clerk's review before submit (issue 15): a renamed header mapped to
//! its column, cells corrected, submitted and approved; the corrections travel
//! with the request and load, the landed file keeps the bytes that arrived,
//! remembered mappings serve every later file; and the database refuses the
//! ways the review could be forged or written by the wrong login.

mod support;

use citizen_core::error::CoreError;
use citizen_core::pipeline::{self, queries};
use citizen_core::report::Status;
use citizen_core::validate::edits::{CellCorrection, ColumnReplacement, CorrectionKind, HeaderMapping, ReviewEdits};
use citizen_core::validate::{validate_file, ValidateOptions};
use sqlx::{AssertSqlSafe, PgPool};
use std::sync::Arc;
use support::{approve, id, submit, welfare_csv, TestDb};

/// A welfare file whose "שם פרטי" header is written "שם ראשון" and whose rows
/// 3 and 5 (data rows 2 and 4) hold a status the contract does not allow.
fn renamed_with_bad_cells(rows: u32) -> String {
    welfare_csv(rows, |i| if i == 1 || i == 3 { "זמני" } else { "פעיל" }).replacen("שם פרטי", "שם ראשון", 1)
}

fn correction(row: u64, column: &str, value: &str) -> CellCorrection {
    CellCorrection {
        row,
        column: column.to_owned(),
        value: value.to_owned(),
        made_at: "2026-11-30T08:00:00Z".to_owned(),
    }
}

fn review() -> ReviewEdits {
    ReviewEdits {
        mappings: vec![HeaderMapping {
            header: "שם ראשון".to_owned(),
            column: Some("first_name".to_owned()),
            remember: true,
        }],
        corrections: vec![correction(3, "welfare_status", "פעיל"), correction(5, "welfare_status", "סגור")],
        replacements: Vec::new(),
    }
}

async fn sqlstate(pool: &PgPool, sql: &str) -> Option<String> {
    match sqlx::query(AssertSqlSafe(sql.to_owned())).execute(pool).await {
        Ok(_) => None,
        Err(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()),
        Err(other) => panic!("{sql}: {other}"),
    }
}

#[tokio::test]
async fn a_mapped_and_corrected_file_loads_corrected_while_the_land_keeps_its_bytes() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let content = renamed_with_bad_cells(6);
    let file = db.write("welfare_renamed.csv", &content);

    // As it arrived: first_name missing, two statuses refused.
    let plain = validate_file(&file, &contract, &ValidateOptions::default());
    assert_eq!(plain.report.status, Status::Invalid);
    // Reviewed: valid, the corrections logged with the values the file holds.
    let options = ValidateOptions { edits: Some(Arc::new(review())), ..ValidateOptions::default() };
    let reviewed = validate_file(&file, &contract, &options);
    assert_eq!(reviewed.report.status, Status::Valid, "{:?}", reviewed.report.issues);
    assert_eq!(reviewed.report.invalid_rows, 0);
    let logged: Vec<(u64, &str, &str)> =
        reviewed.review.corrections.iter().map(|c| (c.row, c.old_value.as_str(), c.new_value.as_str())).collect();
    assert_eq!(logged, [(3, "זמני", "פעיל"), (5, "זמני", "סגור")]);
    assert_eq!(reviewed.review.mappings.len(), 1);

    let refused = pipeline::submit(&clerk, &contract, &file, "2026-10").await;
    assert!(matches!(refused, Err(CoreError::InvalidFile { .. })), "without the review the file is refused");
    let submitted = pipeline::submit_reviewed(&clerk, &contract, &file, "2026-10", &review())
        .await
        .unwrap_or_else(|e| panic!("reviewed submit: {e}"));
    assert_eq!(submitted.review.corrections.len(), 2);

    // The land holds the bytes that arrived; the stage the corrected values.
    let landed: Vec<u8> = sqlx::query_scalar(
        "SELECT f.content FROM land.file f JOIN meta.load_request r ON r.file_id = f.file_id WHERE r.request_id = $1",
    )
    .bind(submitted.request_id)
    .fetch_one(&supervisor.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(landed, content.as_bytes(), "land.file is byte for byte the file");
    let staged: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT source_row, welfare_status, first_name FROM stage.welfare_patients WHERE request_id = $1 ORDER BY source_row",
    )
    .bind(submitted.request_id)
    .fetch_all(&supervisor.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(staged.len(), 6);
    assert_eq!((staged[1].0, staged[1].1.as_str()), (3, "פעיל"));
    assert_eq!((staged[3].0, staged[3].1.as_str()), (5, "סגור"));
    assert!(staged.iter().all(|(_, _, first)| first == "דנה"), "the mapped column is staged");

    // The supervisor reads the mappings and corrections, who and when set by the server.
    let (mappings, corrections, total) =
        queries::request_review(&supervisor, submitted.request_id, 100).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(total, 2);
    assert_eq!(mappings.len(), 1);
    assert_eq!((mappings[0].column_name.as_deref(), mappings[0].remembered), (Some("first_name"), true));
    assert_eq!(mappings[0].recorded_by, "clerk");
    assert_eq!(
        (corrections[0].source_row, corrections[0].old_value.as_str(), corrections[0].new_value.as_str()),
        (3, "זמני", "פעיל")
    );
    assert!(corrections.iter().all(|c| c.made_by == "clerk" && c.kind == "cell"));

    approve(&supervisor, submitted.request_id).await;
    let core: Vec<(String, String)> = sqlx::query_as(
        "SELECT citizen_id, welfare_status FROM core.welfare_patients_current WHERE period = '2026-10' ORDER BY citizen_id",
    )
    .fetch_all(&supervisor.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(core.len(), 6);
    let status_of = |n: u32| core.iter().find(|(citizen, _)| *citizen == id(n)).map(|(_, s)| s.as_str());
    assert_eq!((status_of(1), status_of(3), status_of(0)), (Some("פעיל"), Some("סגור"), Some("פעיל")));

    // The remembered mapping serves the next file of the dataset, on any desktop.
    let aliases = queries::column_aliases(&clerk, "welfare_patients").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(aliases.len(), 1);
    let who: String = sqlx::query_scalar("SELECT created_by FROM meta.column_alias WHERE dataset = 'welfare_patients'")
        .fetch_one(&supervisor.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(who, "clerk");
    let next = db.write("welfare_next.csv", &welfare_csv(4, |_| "פעיל").replacen("שם פרטי", "שם ראשון", 1));
    let later = submit(&clerk, &contract, &next, "2026-11").await;
    assert!(later.review.corrections.is_empty());
    assert_eq!(later.review.mappings.len(), 1, "the alias from the database mapped the header");
    let audited = db.scalar_i64("SELECT count(*) FROM meta.audit_log WHERE action = 'column_alias'").await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_column_replacement_and_an_ignored_header_are_applied_and_recorded() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let content = welfare_csv(3, |_| "פעיל").replacen("דואר אלקטרוני", "דואר אלקטרוני,הערות", 1);
    let file = db.write("welfare_notes.csv", &content);
    let edits = ReviewEdits {
        mappings: vec![HeaderMapping { header: "הערות".to_owned(), column: None, remember: false }],
        corrections: Vec::new(),
        replacements: vec![ColumnReplacement {
            column: "gender".to_owned(),
            from: "נ".to_owned(),
            to: "ז".to_owned(),
            made_at: "2026-11-30T08:00:00Z".to_owned(),
        }],
    };
    let options = ValidateOptions { edits: Some(Arc::new(edits.clone())), ..ValidateOptions::default() };
    let reviewed = validate_file(&file, &contract, &options);
    assert!(
        !reviewed.report.issues.iter().any(|i| i.header.as_deref() == Some("הערות")),
        "an ignored header is not reported unknown"
    );
    let submitted =
        pipeline::submit_reviewed(&clerk, &contract, &file, "2026-10", &edits).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(submitted.review.corrections.len(), 3);
    assert!(submitted.review.corrections.iter().all(|c| c.kind == CorrectionKind::Replace));
    let genders: Vec<String> = sqlx::query_scalar("SELECT gender FROM stage.welfare_patients WHERE request_id = $1")
        .bind(submitted.request_id)
        .fetch_all(&supervisor.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(genders, ["ז", "ז", "ז"]);
    let (mappings, _, total) =
        queries::request_review(&supervisor, submitted.request_id, 1).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(total, 3);
    assert_eq!((mappings[0].header.as_str(), mappings[0].column_name.as_deref()), ("הערות", None));
    let remembered = db.scalar_i64("SELECT count(*) FROM meta.column_alias").await;
    assert_eq!(remembered, 0, "a mapping not marked remember stays with its request");
}

#[tokio::test]
async fn the_database_refuses_aliases_and_reviews_from_the_wrong_login_or_of_the_wrong_request() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, _supervisor) = db.clerk_and_supervisor().await;
    let clerk_pool = db.raw("clerk").await;
    let supervisor_pool = db.raw("supervisor").await;
    let reader_pool = db.raw("reader").await;

    // Aliases: clerks only, for a registered dataset and one of its columns.
    let alias = |column: &str| format!("SELECT meta.remember_alias('welfare_patients', 'שם ראשון', {column})");
    assert_eq!(sqlstate(&clerk_pool, &alias("'no_such_column'")).await.as_deref(), Some("CD011"));
    assert_eq!(sqlstate(&clerk_pool, &alias("'source_row'")).await.as_deref(), Some("CD011"));
    assert_eq!(
        sqlstate(&clerk_pool, "SELECT meta.remember_alias('no_dataset', 'x', NULL)").await.as_deref(),
        Some("CD011")
    );
    assert_eq!(
        sqlstate(&clerk_pool, "SELECT meta.remember_alias('welfare_patients', '  ', NULL)").await.as_deref(),
        Some("CD011")
    );
    assert_eq!(sqlstate(&supervisor_pool, &alias("'first_name'")).await.as_deref(), Some("42501"));
    assert_eq!(sqlstate(&reader_pool, &alias("'first_name'")).await.as_deref(), Some("42501"));
    assert_eq!(
        sqlstate(
            &clerk_pool,
            "INSERT INTO meta.column_alias (dataset, header, header_key) VALUES ('welfare_patients', 'x', 'x')"
        )
        .await
        .as_deref(),
        Some("42501"),
        "the table is written only through remember_alias"
    );
    assert_eq!(sqlstate(&clerk_pool, &alias("'first_name'")).await, None);
    assert_eq!(sqlstate(&clerk_pool, &alias("NULL")).await, None, "a header can be remembered as ignored");
    let ignored: Option<String> = sqlx::query_scalar("SELECT column_name FROM meta.column_alias")
        .fetch_one(&clerk_pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ignored, None, "the second call replaced the first");

    // Reviews: only on the caller's own submit, before its seal.
    let file = db.write("w.csv", &welfare_csv(3, |_| "פעיל"));
    let submitted = submit(&clerk, &contract, &file, "2026-10").await;
    let record = format!(
        "SELECT meta.record_review({}, '[]', '[{{\"row\": 2, \"column\": \"gender\", \"oldValue\": \"נ\", \"newValue\": \"ז\", \"kind\": \"cell\", \"madeAt\": \"2026-11-30T08:00:00Z\"}}]')",
        submitted.request_id
    );
    assert_eq!(sqlstate(&clerk_pool, &record).await.as_deref(), Some("CD011"), "a sealed request");
    let clerk2 = db.raw("clerk2").await;
    assert_eq!(sqlstate(&clerk2, &record).await.as_deref(), Some("CD011"), "another clerk's request");
    assert_eq!(sqlstate(&supervisor_pool, &record).await.as_deref(), Some("42501"));
    for table in ["meta.request_correction", "meta.request_mapping"] {
        assert_eq!(sqlstate(&clerk_pool, &format!("DELETE FROM {table}")).await.as_deref(), Some("42501"));
        assert_eq!(sqlstate(&db.admin.pool, &format!("DELETE FROM {table}")).await.as_deref(), Some("CD009"));
    }

    // The library refuses a review naming a column the contract lacks.
    let bad = ReviewEdits { corrections: vec![correction(2, "nope", "x")], ..ReviewEdits::default() };
    let refused = pipeline::submit_reviewed(&clerk, &contract, &file, "2026-11", &bad).await;
    assert!(matches!(refused, Err(CoreError::InvalidEdit { .. })), "{refused:?}");
}
