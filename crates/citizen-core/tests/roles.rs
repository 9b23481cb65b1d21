//! The four roles and the four-eyes rule, enforced by the database itself:
//! each test logs in as a role and tries what it must not do.

mod support;

use citizen_core::error::{CoreError, Refusal};
use citizen_core::pipeline;
use sqlx::PgPool;
use support::{approve, submit, welfare_csv, TestDb};

async fn denied(pool: &PgPool, sql: &str) -> bool {
    match sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(pool).await {
        Err(sqlx::Error::Database(e)) => matches!(e.code().as_deref(), Some("42501") | Some("CD007")),
        Err(other) => panic!("{sql}: unexpected error {other}"),
        Ok(_) => false,
    }
}

#[tokio::test]
async fn clerks_cannot_write_core_mart_or_meta_nor_approve() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    let submitted = submit(&clerk, &contract, &file, "2026-11").await;
    for sql in [
        "INSERT INTO core.welfare_patients (version_id, source_row, citizen_id) VALUES (1, 1, 'x')",
        "DELETE FROM core.hamal",
        "DELETE FROM core.hamal_history",
        "CREATE VIEW mart.forged AS SELECT 1",
        "UPDATE meta.load_request SET status = 'loaded'",
        "INSERT INTO meta.dataset_version (dataset, period, version, created_by) VALUES ('x', 'y', 1, 'me')",
        "INSERT INTO meta.audit_log (action) VALUES ('forged')",
        "DELETE FROM meta.audit_log",
        "SELECT meta.rollback_to('welfare_patients', '2026-11', 1)",
    ] {
        assert!(denied(&clerk.pool, sql).await, "a clerk could run: {sql}");
    }
    match pipeline::approve(&clerk, submitted.request_id, None).await {
        Err(CoreError::Refused { reason: Refusal::PermissionDenied | Refusal::MissingRole, .. }) => {}
        other => panic!("a clerk approved: {other:?}"),
    }
}

#[tokio::test]
async fn nobody_approves_their_own_submission() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let both = db.login("clerk_supervisor").await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    let submitted = submit(&both, &contract, &file, "2026-11").await;
    match pipeline::approve(&both, submitted.request_id, None).await {
        Err(CoreError::Refused { reason: Refusal::FourEyes, .. }) => {}
        other => panic!("four-eyes not enforced: {other:?}"),
    }
    let direct =
        sqlx::query("SELECT meta.approve_request($1, NULL)").bind(submitted.request_id).execute(&both.pool).await;
    assert!(direct.is_err(), "the database function itself refuses");
    let other = db.login("supervisor").await;
    approve(&other, submitted.request_id).await;
}

#[tokio::test]
async fn supervisors_and_readers_stay_in_their_lane() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let supervisor = db.login("supervisor").await;
    let reader = db.login("reader").await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    match pipeline::submit(&supervisor, &contract, &file, "2026-11").await {
        Err(CoreError::Refused { .. }) => {}
        other => panic!("a supervisor without the clerk role submitted: {other:?}"),
    }
    for sql in [
        "UPDATE meta.audit_log SET actor = 'someone else'",
        "DELETE FROM meta.audit_log",
        "INSERT INTO core.welfare_patients (version_id, source_row) VALUES (1, 1)",
        "UPDATE meta.dataset_version SET is_active = true",
    ] {
        assert!(denied(&supervisor.pool, sql).await, "a supervisor could run: {sql}");
    }
    for sql in [
        "INSERT INTO land.file (file_name, sha256, size_bytes, content) VALUES ('a', 'b', 0, '')",
        "SELECT meta.approve_request(1, NULL)",
        "SELECT meta.open_request('welfare_patients', '2026-11', 1, 'x', 'x', 0, 0, NULL, NULL)",
        "DELETE FROM meta.audit_log",
    ] {
        assert!(denied(&reader.pool, sql).await, "a reader could run: {sql}");
    }
    let visible = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM core.welfare_patients_current")
        .fetch_one(&reader.pool)
        .await;
    assert!(visible.is_ok(), "readers read core: {visible:?}");
    let visible =
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM mart.citizen_contacts").fetch_one(&reader.pool).await;
    assert!(visible.is_ok(), "readers read the mart: {visible:?}");
}

#[tokio::test]
async fn a_submit_validated_with_another_contract_version_is_refused() {
    let db = TestDb::new().await;
    let mut contract = db.contract("welfare_patients");
    contract.sha256 = "0".repeat(64);
    let clerk = db.login("clerk").await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    match pipeline::submit(&clerk, &contract, &file, "2026-11").await {
        Err(CoreError::Refused { reason: Refusal::ContractVersion, .. }) => {}
        other => panic!("expected a contract version refusal, got {other:?}"),
    }
}
