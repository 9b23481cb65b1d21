//! The load pipeline against a real PostgreSQL server: every strategy, the
//! version history and rollback, phones and the mart, refusals.

mod support;

use citizen_core::error::{CoreError, Refusal};
use citizen_core::pipeline::{self, queries};
use support::{approve, hamal_csv, id, submit, submit_and_approve, welfare_csv, TestDb};

fn refusal(result: Result<impl std::fmt::Debug, CoreError>) -> Refusal {
    match result {
        Err(CoreError::Refused { reason, .. }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn rebuild_submit_approve_version_and_rollback() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;

    let first = db.write("welfare_1.csv", &welfare_csv(40, |_| "פעיל"));
    let submitted = submit(&clerk, &contract, &first, "2026-10").await;
    assert_eq!(submitted.staged_rows, 40);
    let pending = queries::list_requests(&clerk, Some("pending")).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].submitted_by, "clerk");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.welfare_patients_current").await, 0);

    let approved =
        pipeline::approve(&supervisor, submitted.request_id, Some("ok")).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((approved.version, approved.rows), (1, 40));
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.welfare_patients_current").await, 40);
    let steps = db
        .scalar_i64(&format!(
            "SELECT count(DISTINCT step) FROM meta.step_log WHERE request_id = {} AND status = 'ok'",
            submitted.request_id
        ))
        .await;
    assert_eq!(steps, 5, "land, validate, stage, transform, publish are logged");
    let phones = db
        .scalar_i64("SELECT count(*) FROM core.phone_numbers_current WHERE source_dataset = 'welfare_patients'")
        .await;
    assert_eq!(phones, 80, "two phones per row, unpivoted");
    let kinds = db.scalar_i64("SELECT count(DISTINCT phone_kind) FROM core.phone_numbers_current").await;
    assert_eq!(kinds, 2, "mobile and landline");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM mart.citizen_contacts").await, 40);
    let stage_left = db.scalar_i64("SELECT count(*) FROM stage.welfare_patients").await;
    assert_eq!(stage_left, 0, "the stage rows are gone once loaded");

    let second = db.write("welfare_2.csv", &welfare_csv(45, |i| if i % 2 == 0 { "סגור" } else { "פעיל" }));
    let (_, approved2) = submit_and_approve(&clerk, &supervisor, &contract, &second, "2026-10").await;
    assert_eq!((approved2.version, approved2.rows), (2, 45));
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.welfare_patients_current").await, 45);

    let versions = queries::list_versions(&clerk, Some("welfare_patients"), Some("2026-10"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(versions.len(), 2);
    assert!(versions[1].is_active && !versions[0].is_active);
    assert_eq!(versions[1].approved_by.as_deref(), Some("supervisor"));
    assert_eq!(versions[1].created_by, "clerk");

    pipeline::rollback(&supervisor, "welfare_patients", "2026-10", 1).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.welfare_patients_current").await, 40);
    let closed =
        db.scalar_i64("SELECT count(*) FROM core.welfare_patients_current WHERE welfare_status = 'סגור'").await;
    assert_eq!(closed, 0);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.phone_numbers_current").await, 80);
    let audit =
        db.scalar_i64("SELECT count(*) FROM meta.audit_log WHERE action IN ('submit', 'approve', 'rollback')").await;
    assert_eq!(audit, 5);
}

#[tokio::test]
async fn the_same_file_twice_and_an_invalid_file_are_refused() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    let file = db.write("welfare.csv", &welfare_csv(10, |_| "פעיל"));
    submit(&clerk, &contract, &file, "2026-11").await;
    assert_eq!(refusal(pipeline::submit(&clerk, &contract, &file, "2026-11").await), Refusal::DuplicateFile);
    pipeline::submit(&clerk, &contract, &file, "2026-12")
        .await
        .unwrap_or_else(|e| panic!("another period is fine: {e}"));

    let bad = db.write("welfare_bad.csv", &welfare_csv(10, |i| if i == 3 { "unknown" } else { "פעיל" }));
    match pipeline::submit(&clerk, &contract, &bad, "2026-09").await {
        Err(CoreError::InvalidFile { invalid_rows, report, .. }) => {
            assert_eq!(invalid_rows, 1);
            assert_eq!(report.issues.iter().filter(|i| i.row == Some(5)).count(), 1);
        }
        other => panic!("expected the invalid file to be refused, got {other:?}"),
    }
    assert_eq!(db.scalar_i64("SELECT count(*) FROM land.file").await, 2, "nothing landed for the invalid file");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.load_request WHERE period = '2026-09'").await, 0);
    match pipeline::submit(&clerk, &contract, &file, "2026-13").await {
        Err(CoreError::BadPeriod { .. }) => {}
        other => panic!("expected a bad period, got {other:?}"),
    }
}

/// The submit streams rows to COPY while validation still reads the file
/// (migrations/0012): a file found invalid only at its last row, after most
/// rows were sent, still leaves nothing landed, staged or requested.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_found_invalid_after_its_rows_streamed_leaves_nothing() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    let rows = 120_000;
    let bad = db.write("late_error.csv", &welfare_csv(rows, |i| if i == rows - 1 { "unknown" } else { "פעיל" }));
    match pipeline::submit(&clerk, &contract, &bad, "2026-11").await {
        Err(CoreError::InvalidFile { invalid_rows, .. }) => assert_eq!(invalid_rows, 1),
        other => panic!("expected the invalid file to be refused, got {other:?}"),
    }
    assert_eq!(db.scalar_i64("SELECT count(*) FROM land.file").await, 0);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.load_request").await, 0);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.audit_log WHERE action = 'submit'").await, 0);
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM pg_tables WHERE schemaname = 'stage' AND tablename LIKE 'request-%'").await,
        0,
        "no request table is left behind"
    );
    // The same file, corrected, goes through, and its steps are logged in order.
    let good = db.write("late_error_fixed.csv", &welfare_csv(rows, |_| "פעיל"));
    let submitted = submit(&clerk, &contract, &good, "2026-11").await;
    assert_eq!(submitted.staged_rows, rows as u64);
    let steps: Vec<String> = sqlx::query_scalar(
        "SELECT step FROM meta.step_log WHERE request_id = $1 AND status = 'ok' ORDER BY started_at, step",
    )
    .bind(submitted.request_id)
    .fetch_all(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(steps.iter().filter(|s| ["land", "validate", "stage"].contains(&s.as_str())).count(), 3, "{steps:?}");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.audit_log WHERE action = 'submit'").await, 1);
}

#[tokio::test]
async fn merge_upserts_keeps_missing_rows_and_rolls_back_exactly() {
    let db = TestDb::new().await;
    let contract = db.contract("hamal");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let state = |db: &TestDb| {
        let pool = db.admin.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String, String, Option<i64>)>(
                "SELECT citizen_id, need_type, full_name, household_size FROM core.hamal_current ORDER BY 1, 2",
            )
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let v1 = db.write("hamal_1.csv", &hamal_csv(&[(1, "רפואי", "אבי"), (2, "מזון", "בני"), (3, "ניידות", "גילה")]));
    submit_and_approve(&clerk, &supervisor, &contract, &v1, "none").await;
    let after_v1 = state(&db).await;
    assert_eq!(after_v1.len(), 3);

    let v2 = db.write("hamal_2.csv", &hamal_csv(&[(1, "רפואי", "אבי כהן"), (2, "מזון", "בני"), (4, "אחר", "דן")]));
    let (_, a2) = submit_and_approve(&clerk, &supervisor, &contract, &v2, "none").await;
    assert_eq!(a2.rows, 4, "row 3 is kept although missing from the file");
    let after_v2 = state(&db).await;
    assert!(after_v2.iter().any(|r| r.0 == id(1) && r.2 == "אבי כהן"), "changed row updated");
    assert!(after_v2.iter().any(|r| r.0 == id(3)), "missing row kept");
    assert!(after_v2.iter().any(|r| r.0 == id(4)), "new row inserted");
    let untouched_version =
        db.scalar_i64(&format!("SELECT version_id FROM core.hamal WHERE citizen_id = '{}'", id(2))).await;
    assert_eq!(
        untouched_version,
        db.scalar_i64("SELECT min(version_id) FROM meta.dataset_version").await,
        "unchanged row not rewritten"
    );

    let v3 = db.write("hamal_3.csv", &hamal_csv(&[(1, "רפואי", "אבי לוי"), (5, "מזון", "הדס")]));
    submit_and_approve(&clerk, &supervisor, &contract, &v3, "none").await;
    assert_eq!(state(&db).await.len(), 5);

    pipeline::rollback(&supervisor, "hamal", "none", 2).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state(&db).await, after_v2, "rollback to v2 restores v2 exactly");
    pipeline::rollback(&supervisor, "hamal", "none", 1).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state(&db).await, after_v1, "rollback to v1 restores v1 exactly");
    let phones = db.scalar_i64("SELECT count(*) FROM core.phone_numbers_current WHERE source_dataset = 'hamal'").await;
    assert_eq!(phones, 3);
    assert_eq!(
        refusal(pipeline::rollback(&supervisor, "hamal", "none", 3).await),
        Refusal::RollbackUnreachable,
        "a merge version undone cannot come back"
    );
}

#[tokio::test]
async fn merge_with_deletes_writes_only_the_difference_and_rolls_back_exactly() {
    let temporary = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/hamal.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let body = shipped.replace("strategy: merge", "strategy: merge\nmerge_deletes: true");
    assert_ne!(body, shipped);
    std::fs::write(temporary.path().join("hamal.yaml"), body).unwrap_or_else(|e| panic!("{e}"));
    let db = TestDb::with_contracts(temporary.path()).await;
    let contract = db.contract("hamal");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let state = || {
        let pool = db.admin.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String, String, i64)>(
                "SELECT citizen_id, need_type, full_name, version_id FROM core.hamal ORDER BY 1, 2",
            )
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let v1 = db.write("hamal_1.csv", &hamal_csv(&[(1, "רפואי", "אבי"), (2, "מזון", "בני"), (3, "ניידות", "גילה")]));
    let (_, a1) = submit_and_approve(&clerk, &supervisor, &contract, &v1, "none").await;
    let after_v1 = state().await;
    assert_eq!(after_v1.len(), 3);

    // Row 1 changes, row 2 stays, row 3 goes, row 4 comes.
    let v2 = db.write("hamal_2.csv", &hamal_csv(&[(1, "רפואי", "אבי כהן"), (2, "מזון", "בני"), (4, "אחר", "דן")]));
    let (_, a2) = submit_and_approve(&clerk, &supervisor, &contract, &v2, "none").await;
    assert_eq!(a2.rows, 3, "the missing row is deleted");
    let after_v2 = state().await;
    let names: Vec<(&str, i64)> = after_v2.iter().map(|r| (r.2.as_str(), r.3)).collect();
    assert_eq!(
        names,
        vec![("אבי כהן", a2.version_id), ("בני", a1.version_id), ("דן", a2.version_id)],
        "the changed and new rows carry version 2; the unchanged row is not rewritten"
    );
    let history = db
        .scalar_i64(&format!(
            "SELECT count(*) FROM core.hamal_history WHERE version_id = {} AND op IN ('U', 'D')",
            a2.version_id
        ))
        .await;
    assert_eq!(history, 2, "history keeps the image of the changed row and of the deleted one");

    pipeline::rollback(&supervisor, "hamal", "none", 1).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state().await, after_v1, "rollback to v1 restores v1 exactly, versions included");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.hamal_history").await, 0);
}

#[tokio::test]
async fn step_log_times_each_step_of_a_submit_as_it_ran() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, _) = db.clerk_and_supervisor().await;
    let file = db.write("welfare.csv", &welfare_csv(50, |_| "פעיל"));
    let submitted = submit(&clerk, &contract, &file, "2026-11").await;
    let (land_end, stage_start, stage_end, validate_rows): (
        chrono::DateTime<chrono::Utc>,
        chrono::DateTime<chrono::Utc>,
        chrono::DateTime<chrono::Utc>,
        i64,
    ) = sqlx::query_as(
        "SELECT (SELECT finished_at FROM meta.step_log WHERE request_id = $1 AND step = 'land'),
                (SELECT started_at FROM meta.step_log WHERE request_id = $1 AND step = 'stage'),
                (SELECT finished_at FROM meta.step_log WHERE request_id = $1 AND step = 'stage'),
                (SELECT rows FROM meta.step_log WHERE request_id = $1 AND step = 'validate')",
    )
    .bind(submitted.request_id)
    .fetch_one(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(stage_start >= land_end, "staging starts once the file is landed: {stage_start} < {land_end}");
    assert!(stage_end >= stage_start);
    assert_eq!(validate_rows, 50);
}

#[tokio::test]
async fn append_adds_rows_as_versions() {
    let temporary = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = temporary.path().to_path_buf();
    std::fs::write(
        dir.join("visits.yaml"),
        "dataset: visits\ntitle: Visits\nperiod: monthly\ncolumns:\n  - name: citizen_id\n    type: israeli_id\n    required: true\n  - name: visited\n    type: date\n  - name: phone_1\n    type: phone\nstrategy: append\nphones: [phone_1]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let db = TestDb::with_contracts(&dir).await;
    let contract = db.contract("visits");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let file = |n: u32, rows: u32| {
        let mut text = String::from("citizen_id,visited,phone_1\n");
        for i in 0..rows {
            text.push_str(&format!("{},2026-11-{:02},{}\n", id(n * 100 + i), 1 + i, support::mobile(n * 100 + i)));
        }
        db.write(&format!("visits_{n}.csv"), &text)
    };
    for (n, rows) in [(1, 3), (2, 4)] {
        submit_and_approve(&clerk, &supervisor, &contract, &file(n, rows), "2026-11").await;
    }
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.visits_current").await, 7);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.phone_numbers_current").await, 7);
    pipeline::rollback(&supervisor, "visits", "2026-11", 1).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.visits_current").await, 3);
}

#[tokio::test]
async fn reject_discards_staged_rows_and_needs_a_note() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let file = db.write("welfare.csv", &welfare_csv(12, |_| "פעיל"));
    let submitted = submit(&clerk, &contract, &file, "2026-11").await;
    assert_eq!(db.scalar_i64("SELECT count(*) FROM stage.welfare_patients").await, 12);
    assert_eq!(refusal(pipeline::reject(&supervisor, submitted.request_id, " ").await), Refusal::NoteRequired);
    pipeline::reject(&supervisor, submitted.request_id, "wrong month").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(db.scalar_i64("SELECT count(*) FROM stage.welfare_patients").await, 0);
    assert_eq!(refusal(pipeline::approve(&supervisor, submitted.request_id, None).await), Refusal::NotPending);
    pipeline::submit(&clerk, &contract, &file, "2026-11")
        .await
        .unwrap_or_else(|e| panic!("a rejected file may come again: {e}"));
}

#[tokio::test]
async fn row_count_jump_is_a_warning_for_the_supervisor() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let first = db.write("w1.csv", &welfare_csv(10, |_| "פעיל"));
    submit_and_approve(&clerk, &supervisor, &contract, &first, "2026-11").await;
    let second = db.write("w2.csv", &welfare_csv(20, |_| "ממתין"));
    let r2 = submit(&clerk, &contract, &second, "2026-11").await;
    assert_eq!(r2.warnings.len(), 1);
    assert_eq!(r2.warnings[0].code, citizen_core::report::IssueCode::RowChange);
    let listed = queries::list_requests(&supervisor, Some("pending")).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listed[0].warnings.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn the_supervisor_sees_what_approval_will_change() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let first = db.write("w1.csv", &welfare_csv(10, |_| "פעיל"));
    let r1 = submit(&clerk, &contract, &first, "2026-11").await;
    let preview = pipeline::preview::preview_changes(&supervisor, &contract, r1.request_id, "2026-11").await;
    let preview = preview.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((preview.added, preview.removed, preview.changed), (10, 0, 0));
    approve(&supervisor, r1.request_id).await;
    let second = db.write(
        "w2.csv",
        &welfare_csv(12, |i| if i < 3 { "סגור" } else { "פעיל" })
            .replace(&format!("{},", id(9)), &format!("{},", id(99))),
    );
    let r2 = submit(&clerk, &contract, &second, "2026-11").await;
    let preview = pipeline::preview::preview_changes(&supervisor, &contract, r2.request_id, "2026-11").await;
    let preview = preview.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((preview.added, preview.removed, preview.changed, preview.unchanged), (3, 1, 3, 6));
    assert_eq!(preview.changed_columns, vec![("welfare_status".to_owned(), 3)]);
    assert_eq!(preview.sample.len(), 3);
    assert_eq!(preview.sample[0].after["welfare_status"], "סגור");
}
