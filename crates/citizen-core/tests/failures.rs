//! Failure at any point leaves core, mart and versions as they were: killed
//! connections mid-COPY and mid-transform, data errors during the transform,
//! and a reader running during a publish never sees a half-loaded table.

mod support;

use citizen_core::pipeline;
use std::time::Duration;
use support::{approve, submit, submit_and_approve, welfare_csv, TestDb};

/// Terminates the first backend of `user` whose query matches `pattern`;
/// returns whether one was found within the time limit.
async fn kill_when_running(db: &TestDb, user: &str, pattern: &str) -> bool {
    for _ in 0..4000 {
        let killed: Option<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE usename = $1 AND datname = $2 AND state = 'active' AND query ILIKE $3 LIMIT 1",
        )
        .bind(user)
        .bind(&db.name)
        .bind(pattern)
        .fetch_optional(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        if killed == Some(true) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_killed_mid_copy_leaves_nothing_half_written_and_the_retry_succeeds() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    let file = db.write("big.csv", &welfare_csv(150_000, |_| "פעיל"));
    let submit = tokio::spawn({
        let clerk = clerk.clone();
        let file = file.clone();
        async move { pipeline::submit(&clerk, &contract, &file, "2026-11").await }
    });
    assert!(kill_when_running(&db, "clerk", "COPY stage.%").await, "the COPY was never seen running");
    let submitted = submit.await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|e| panic!("the retry failed: {e}"));
    assert_eq!(submitted.staged_rows, 150_000);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM land.file").await, 1, "the killed attempt landed nothing");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.load_request").await, 1);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM stage.welfare_patients").await, 150_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_killed_mid_transform_changes_nothing_and_the_retry_succeeds() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let file = db.write("big.csv", &welfare_csv(150_000, |_| "פעיל"));
    let submitted = submit(&clerk, &contract, &file, "2026-11").await;
    let approve = tokio::spawn({
        let supervisor = supervisor.clone();
        async move { pipeline::approve(&supervisor, submitted.request_id, None).await }
    });
    assert!(kill_when_running(&db, "supervisor", "%approve_request%").await, "the transform was never seen running");
    let approved = approve.await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|e| panic!("the retry failed: {e}"));
    assert_eq!((approved.version, approved.rows), (1, 150_000));
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM meta.dataset_version").await,
        1,
        "the killed attempt left no version"
    );
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.welfare_patients").await, 150_000);
}

#[tokio::test]
async fn a_data_error_in_the_transform_marks_the_request_failed_and_a_retry_succeeds() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let first = db.write("w1.csv", &welfare_csv(10, |_| "פעיל"));
    submit_and_approve(&clerk, &supervisor, &contract, &first, "2026-11").await;
    let second = db.write("w2.csv", &welfare_csv(12, |_| "סגור"));
    let r2 = submit(&clerk, &contract, &second, "2026-11").await;
    sqlx::query(
        "ALTER TABLE core.welfare_patients ADD CONSTRAINT no_closed CHECK (welfare_status <> 'סגור') NOT VALID",
    )
    .execute(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let failed = pipeline::approve(&supervisor, r2.request_id, None).await;
    assert!(failed.is_err(), "the check constraint must break the transform");
    let status: String = sqlx::query_scalar("SELECT status FROM meta.load_request WHERE request_id = $1")
        .bind(r2.request_id)
        .fetch_one(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, "failed");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.dataset_version").await, 1, "no half version");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.welfare_patients_current").await, 10, "core as before");
    let logged = db
        .scalar_i64(&format!(
            "SELECT count(*) FROM meta.step_log WHERE request_id = {} AND status = 'failed'",
            r2.request_id
        ))
        .await;
    assert_eq!(logged, 1);
    sqlx::query("ALTER TABLE core.welfare_patients DROP CONSTRAINT no_closed")
        .execute(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let retried = approve(&supervisor, r2.request_id).await;
    assert_eq!((retried.version, retried.rows), (2, 12));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_during_publish_sees_the_old_or_the_new_version_never_a_mix() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let reader = db.login("reader").await;
    let first = db.write("w1.csv", &welfare_csv(20_000, |_| "פעיל"));
    submit_and_approve(&clerk, &supervisor, &contract, &first, "2026-11").await;
    let second = db.write("w2.csv", &welfare_csv(30_000, |_| "סגור"));
    let r2 = submit(&clerk, &contract, &second, "2026-11").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = tokio::spawn({
        let pool = reader.pool.clone();
        let stop = stop.clone();
        async move {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let counts: (i64, i64) = sqlx::query_as(
                    "SELECT count(*), count(*) FILTER (WHERE welfare_status = 'סגור') FROM core.welfare_patients_current",
                )
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
                seen.push(counts);
            }
            seen
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    approve(&supervisor, r2.request_id).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = watcher.await.unwrap_or_else(|e| panic!("{e}"));
    assert!(seen.len() > 2, "the reader ran during the publish");
    for counts in &seen {
        assert!(*counts == (20_000, 0) || *counts == (30_000, 30_000), "a reader saw {counts:?}");
    }
    assert_eq!(seen.first(), Some(&(20_000, 0)));
    assert_eq!(seen.last(), Some(&(30_000, 30_000)));
}

/// The publish takes ACCESS EXCLUSIVE on core.<dataset> before it attaches the
/// new version's partition (migrations/0013): a reader's query planned before
/// the attach could otherwise run on a snapshot taken after the commit, with
/// the new version active and its partition not in its plan, and see no row.
/// Here a reader's open transaction holds the old version: the approval waits
/// for it, and a reader that starts meanwhile waits too, then sees the new
/// version whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_waits_for_readers_and_readers_wait_for_the_publish() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let reader = db.login("reader").await;
    let first = db.write("w1.csv", &welfare_csv(500, |_| "פעיל"));
    submit_and_approve(&clerk, &supervisor, &contract, &first, "2026-11").await;
    let second = db.write("w2.csv", &welfare_csv(700, |_| "סגור"));
    let r2 = submit(&clerk, &contract, &second, "2026-11").await;
    let count = "SELECT count(*) FROM core.welfare_patients_current";

    let mut holding = reader.pool.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let before: i64 = sqlx::query_scalar(count).fetch_one(&mut *holding).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(before, 500);
    let approving = tokio::spawn({
        let supervisor = supervisor.clone();
        async move { pipeline::approve(&supervisor, r2.request_id, None).await }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!approving.is_finished(), "the publish went on while a reader held the old version");
    let late_reader = db.login("reader").await;
    let late = tokio::spawn(async move {
        let rows: i64 = sqlx::query_scalar(count).fetch_one(&late_reader.pool).await.unwrap_or_else(|e| panic!("{e}"));
        rows
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The old version, still, inside the reader's transaction.
    let again: i64 = sqlx::query_scalar(count).fetch_one(&mut *holding).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, 500);
    holding.commit().await.unwrap_or_else(|e| panic!("{e}"));
    let approved = approving.await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(approved.rows, 700);
    assert_eq!(
        late.await.unwrap_or_else(|e| panic!("{e}")),
        700,
        "a reader started during the publish saw the new version whole"
    );
}
