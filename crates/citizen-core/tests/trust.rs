//! What a supervisor approves is exactly what loads, and nobody can forge the
//! record (issue 10): the permissions matrix over every table, partition, view
//! and function, tried by logging in as each role, and one test per way the
//! record could be forged before.

mod support;

use citizen_core::error::{CoreError, Refusal};
use citizen_core::ops::apply::apply_contracts;
use citizen_core::pipeline::{self, snapshot::Snapshot};
use sqlx::{AssertSqlSafe, PgPool};
use std::collections::BTreeSet;
use support::{approve, submit, submit_and_approve, welfare_csv, TestDb};

/// How the database answered one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Past the privilege checks (it ran, or failed on the data itself).
    Allowed,
    /// Refused for lack of a privilege or role, or because history is append-only.
    Refused,
}

fn classify(error: &sqlx::Error) -> Result<Outcome, String> {
    match error {
        sqlx::Error::Database(e) => match e.code().as_deref() {
            Some("42501") | Some("CD007") | Some("CD009") => Ok(Outcome::Refused),
            // A view that cannot be written ("cannot insert into view ..."):
            // the action is refused whatever the privileges.
            Some("55000") | Some("0A000") if e.message().contains("view") => Ok(Outcome::Refused),
            _ => Ok(Outcome::Allowed),
        },
        other => Err(other.to_string()),
    }
}

/// Runs `sql` in a transaction that is always rolled back.
async fn attempt(pool: &PgPool, sql: &str) -> Outcome {
    let mut tx = pool.begin().await.unwrap_or_else(|e| panic!("begin: {e}"));
    let result = sqlx::query(AssertSqlSafe(sql.to_owned())).execute(&mut *tx).await;
    let outcome = match result {
        Ok(_) => Outcome::Allowed,
        Err(error) => classify(&error).unwrap_or_else(|e| panic!("{sql}: {e}")),
    };
    let _ = tx.rollback().await;
    outcome
}

/// Starts `COPY table (columns) FROM STDIN` and aborts it.
async fn attempt_copy(pool: &PgPool, table: &str, columns: &str) -> Outcome {
    let mut tx = pool.begin().await.unwrap_or_else(|e| panic!("begin: {e}"));
    let statement = format!("COPY {table} ({columns}) FROM STDIN");
    let outcome = match tx.copy_in_raw(&statement).await {
        Ok(copy) => {
            let _ = copy.abort("probe").await;
            Outcome::Allowed
        }
        Err(error) => classify(&error).unwrap_or_else(|e| panic!("{statement}: {e}")),
    };
    let _ = tx.rollback().await;
    outcome
}

fn refusal<T: std::fmt::Debug>(result: Result<T, CoreError>) -> Refusal {
    match result {
        Err(CoreError::Refused { reason, .. }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn sqlstate(pool: &PgPool, sql: &str) -> Option<String> {
    match sqlx::query(AssertSqlSafe(sql.to_owned())).execute(pool).await {
        Ok(_) => None,
        Err(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()),
        Err(other) => panic!("{sql}: {other}"),
    }
}

/// The logins tried, one per role, in the matrix's column order.
const LOGINS: [&str; 4] = ["clerk", "supervisor", "reader", "test_admin"];

/// Who may do what. Object names use `<dataset>` for every registered dataset
/// and `request-N` for a request's stage partition. Actions: S select every
/// column, I insert every column, U update, D delete, T truncate, C COPY FROM,
/// X execute. Columns: clerk, supervisor, reader, admin. Every table, view and
/// function of land, stage, core, mart and meta must have a row.
const MATRIX: &[(&str, [&str; 4])] = &[
    // Landed files: clerks land through (file_name, content) only; the rest is the server's.
    ("land.file", ["", "S", "", "S"]),
    ("stage.<dataset>", ["", "S", "", "S"]),
    // A request's partition: written only inside its submit, then sealed.
    ("stage.request-N", ["", "", "", ""]),
    ("core.<dataset>", ["S", "S", "S", "S"]),
    // A version's rows (rebuild, append): read through core.<dataset> only (0008).
    ("core.version-N", ["", "", "", ""]),
    ("core.<dataset>_history", ["S", "S", "S", "S"]),
    ("core.<dataset>_current", ["S", "S", "S", "S"]),
    ("core.phone_numbers", ["S", "S", "S", "S"]),
    ("core.phone_numbers_current", ["S", "S", "S", "S"]),
    ("mart.citizen_presence", ["S", "S", "S", "S"]),
    ("mart.citizen_contacts", ["S", "S", "S", "S"]),
    ("meta.contract", ["S", "S", "S", "S"]),
    // Readers see requests without the report (it quotes IDs and phones).
    ("meta.load_request", ["S", "S", "", "S"]),
    ("meta.dataset_version", ["S", "S", "S", "S"]),
    ("meta.step_log", ["S", "S", "S", "S"]),
    ("meta.audit_log", ["S", "S", "S", "S"]),
    ("meta.require_role", ["", "", "", ""]),
    ("meta.audit", ["", "", "", ""]),
    ("meta.check_period", ["", "", "", ""]),
    ("meta.stage_fingerprint", ["", "", "", ""]),
    ("meta.drop_stage", ["", "", "", ""]),
    // Statistics of a request's staged rows, run by the merge transform as the owner (0007).
    ("meta.analyze_stage", ["", "", "", ""]),
    // Makes a request's staged rows its version's rows, run by approve_request as the owner (0008).
    ("meta.publish_staged_rows", ["", "", "", ""]),
    ("meta.refuse_rewrite", ["", "", "", ""]),
    ("meta.request_is_sealed", ["", "", "", ""]),
    ("land.file_facts", ["", "", "", ""]),
    ("land.file_has_request", ["", "", "", ""]),
    ("meta.log_step", ["X", "", "", ""]),
    ("meta.open_request", ["X", "", "", ""]),
    // The counts and report of a request opened before its rows were counted (0012).
    ("meta.report_request", ["X", "", "", ""]),
    ("meta.seal_request", ["X", "", "", ""]),
    ("meta.record_failed_submit", ["X", "", "", ""]),
    // A request's profile, recorded by its submit before the seal (0011).
    ("meta.record_profile", ["X", "", "", ""]),
    ("meta.approve_request", ["", "X", "", ""]),
    ("meta.reject_request", ["", "X", "", ""]),
    ("meta.mark_failed", ["", "X", "", ""]),
    ("meta.rollback_to", ["", "X", "", ""]),
    // Logins (0005): administrators only; the role statements themselves run
    // in login_ddl, executable by the owner role alone.
    ("meta.login_ddl", ["", "", "", ""]),
    ("meta.list_logins", ["", "", "", "X"]),
    ("meta.add_login", ["", "", "", "X"]),
    ("meta.disable_login", ["", "", "", "X"]),
    ("meta.enable_login", ["", "", "", "X"]),
    ("meta.set_login_role", ["", "", "", "X"]),
    ("meta.set_login_password", ["", "", "", "X"]),
    // The clerk's review (0010): remembered mappings and what a request
    // mapped and corrected, written only through their functions; readers do
    // not see them (corrections quote cells, as the report does).
    ("meta.column_alias", ["S", "S", "", "S"]),
    ("meta.request_mapping", ["S", "S", "", "S"]),
    ("meta.request_correction", ["S", "S", "", "S"]),
    ("meta.is_dataset_column", ["", "", "", ""]),
    ("meta.remember_alias", ["X", "", "", ""]),
    ("meta.record_review", ["X", "", "", ""]),
];

/// The matrix key of a relation or function name.
fn matrix_key(schema: &str, name: &str, datasets: &[String]) -> String {
    let numbered = |prefix: &str| name.strip_prefix(prefix).is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
    if schema == "stage" && numbered("request-") {
        return "stage.request-N".to_owned();
    }
    if schema == "core" && numbered("version-") {
        return "core.version-N".to_owned();
    }
    for dataset in datasets {
        for suffix in ["", "_history", "_current"] {
            if name == format!("{dataset}{suffix}") {
                return format!("{schema}.<dataset>{suffix}");
            }
        }
    }
    format!("{schema}.{name}")
}

#[tokio::test]
async fn permissions_matrix_every_role_every_object_every_action() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    // One version published (its rows a partition of core) and one request pending.
    let loaded = db.write("w1.csv", &welfare_csv(4, |_| "פעיל"));
    submit_and_approve(&clerk, &supervisor, &contract, &loaded, "2026-10").await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    submit(&clerk, &contract, &file, "2026-11").await;
    let datasets = db.catalog.datasets();

    let relations: Vec<(String, String, String, Vec<String>)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, c.relkind::text,
                array_agg(a.attname::text ORDER BY a.attnum)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE n.nspname IN ('land', 'stage', 'core', 'mart', 'meta') AND c.relkind IN ('r', 'p', 'v', 'm')
         GROUP BY 1, 2, 3 ORDER BY 1, 2",
    )
    .fetch_all(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let functions: Vec<(String, String, Vec<String>)> = sqlx::query_as(
        "SELECT n.nspname::text, p.proname::text,
                coalesce((SELECT array_agg(format_type(t, NULL) ORDER BY o)
                          FROM unnest(p.proargtypes) WITH ORDINALITY AS u(t, o)), '{}')
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname IN ('land', 'stage', 'core', 'mart', 'meta') ORDER BY 1, 2",
    )
    .fetch_all(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(relations.iter().any(|(s, n, _, _)| s == "stage" && n.starts_with("request-")), "a partition is covered");
    assert!(relations.iter().any(|(s, n, _, _)| s == "core" && n.starts_with("version-")), "a version is covered");

    let mut pools = Vec::new();
    for login in LOGINS {
        pools.push(db.raw(login).await);
    }
    let mut missing = BTreeSet::new();
    let mut wrong = Vec::new();
    let mut covered = BTreeSet::new();
    for (schema, name, kind, columns) in &relations {
        let key = matrix_key(schema, name, &datasets);
        let Some((_, expected)) = MATRIX.iter().find(|(object, _)| *object == key) else {
            missing.insert(key);
            continue;
        };
        covered.insert(key.clone());
        let table = format!("{schema}.\"{name}\"");
        let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        let list = quoted.join(", ");
        let nulls = vec!["NULL"; columns.len()].join(", ");
        let mut actions = vec![
            ('S', format!("SELECT * FROM {table} LIMIT 0")),
            ('I', format!("INSERT INTO {table} ({list}) SELECT {nulls} WHERE false")),
            ('U', format!("UPDATE {table} SET {} = NULL WHERE false", quoted[0])),
            ('D', format!("DELETE FROM {table} WHERE false")),
        ];
        let is_table = kind == "r" || kind == "p";
        if is_table {
            actions.push(('T', format!("TRUNCATE {table}")));
        }
        for (index, pool) in pools.iter().enumerate() {
            let allowed = expected[index];
            for (action, sql) in &actions {
                let want = if allowed.contains(*action) { Outcome::Allowed } else { Outcome::Refused };
                let got = attempt(pool, sql).await;
                if got != want {
                    wrong.push(format!("{} {action} {key} ({sql}): {got:?}, expected {want:?}", LOGINS[index]));
                }
            }
            if is_table {
                let want = if allowed.contains('C') { Outcome::Allowed } else { Outcome::Refused };
                let got = attempt_copy(pool, &table, &list).await;
                if got != want {
                    wrong.push(format!("{} C {key}: {got:?}, expected {want:?}", LOGINS[index]));
                }
            }
        }
    }
    for (schema, name, arguments) in &functions {
        let key = format!("{schema}.{name}");
        let Some((_, expected)) = MATRIX.iter().find(|(object, _)| *object == key) else {
            missing.insert(key);
            continue;
        };
        covered.insert(key.clone());
        let call = format!(
            "SELECT {schema}.{name}({})",
            arguments.iter().map(|t| format!("NULL::{t}")).collect::<Vec<_>>().join(", ")
        );
        for (index, pool) in pools.iter().enumerate() {
            let want = if expected[index].contains('X') { Outcome::Allowed } else { Outcome::Refused };
            let got = attempt(pool, &call).await;
            if got != want {
                wrong.push(format!("{} X {key} ({call}): {got:?}, expected {want:?}", LOGINS[index]));
            }
        }
    }
    assert!(missing.is_empty(), "objects without a row in the permissions matrix: {missing:?}");
    let unused: Vec<&str> =
        MATRIX.iter().map(|(object, _)| *object).filter(|object| !covered.contains(*object)).collect();
    assert!(unused.is_empty(), "matrix rows matching no object: {unused:?}");
    assert!(wrong.is_empty(), "the database does not enforce the matrix:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn every_object_belongs_to_the_nologin_owner_and_definer_functions_are_safe() {
    let db = TestDb::new().await;
    let foreign: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname || '.' || c.relname || ' owned by ' || pg_get_userbyid(c.relowner)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN ('land', 'stage', 'core', 'mart', 'meta') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
           AND pg_get_userbyid(c.relowner) <> 'citizen_owner'
         UNION ALL
         SELECT p.oid::regprocedure::text || ' owned by ' || pg_get_userbyid(p.proowner)
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname IN ('land', 'stage', 'core', 'mart', 'meta') AND pg_get_userbyid(p.proowner) <> 'citizen_owner'
           -- The one function with role-management rights (0005_users.sql).
           AND NOT (p.oid = 'meta.login_ddl(text, text, text, text)'::regprocedure
                    AND pg_get_userbyid(p.proowner) = 'citizen_login_manager')
         UNION ALL
         SELECT nspname || ' owned by ' || pg_get_userbyid(nspowner) FROM pg_namespace
         WHERE nspname IN ('land', 'stage', 'core', 'mart', 'meta') AND pg_get_userbyid(nspowner) <> 'citizen_owner'",
    )
    .fetch_all(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(foreign.is_empty(), "{foreign:?}");
    let owner_can_log_in: bool = sqlx::query_scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'citizen_owner'")
        .fetch_one(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!owner_can_log_in);
    // The login manager (CREATEROLE) can sign in as nobody and nobody can become it.
    let (manager_can_log_in, manager_members): (bool, i64) = sqlx::query_as(
        "SELECT rolcanlogin, (SELECT count(*) FROM pg_auth_members WHERE roleid = r.oid)
         FROM pg_roles r WHERE rolname = 'citizen_login_manager'",
    )
    .fetch_one(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!manager_can_log_in);
    assert_eq!(manager_members, 0, "nobody may SET ROLE citizen_login_manager");
    let unsafe_paths: Vec<String> = sqlx::query_scalar(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname IN ('land', 'stage', 'core', 'mart', 'meta') AND p.prosecdef
           AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%' AND c LIKE '%pg\\_temp')",
    )
    .fetch_all(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(unsafe_paths.is_empty(), "SECURITY DEFINER without a search_path ending in pg_temp: {unsafe_paths:?}");
    // A function the owner creates later is not executable by PUBLIC.
    let mut conn = db.admin.pool.acquire().await.unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("SET ROLE citizen_owner").execute(&mut *conn).await.unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("CREATE FUNCTION meta.later() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("RESET ROLE").execute(&mut *conn).await.unwrap_or_else(|e| panic!("{e}"));
    drop(conn);
    let public: bool = sqlx::query_scalar("SELECT has_function_privilege('public', 'meta.later()', 'EXECUTE')")
        .fetch_one(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!public, "future functions are not executable by PUBLIC");
}

#[tokio::test]
async fn a_submitted_request_is_sealed_and_approval_refuses_rows_changed_since() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    let clerk2 = db.login("clerk2").await;
    let supervisor = db.login("supervisor").await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    let submitted = submit(&clerk, &contract, &file, "2026-11").await;
    let request = submitted.request_id;
    let partition = format!("stage.\"request-{request}\"");
    let extra = |table: &str| {
        format!(
            "INSERT INTO {table} (request_id, source_row, citizen_id, first_name, last_name)
             VALUES ({request}, 99, '000000018', 'x', 'y')"
        )
    };
    // Nobody adds, changes or removes staged rows: not another clerk, not the
    // submitter, not a supervisor, through the parent or the partition.
    for (who, pool) in [("clerk2", &clerk2.pool), ("clerk", &clerk.pool), ("supervisor", &supervisor.pool)] {
        for sql in [
            extra("stage.welfare_patients"),
            extra(&partition),
            format!("UPDATE {partition} SET first_name = 'z'"),
            format!("DELETE FROM {partition}"),
            format!("TRUNCATE {partition}"),
            "UPDATE stage.welfare_patients SET first_name = 'z'".to_owned(),
            "DELETE FROM stage.welfare_patients".to_owned(),
        ] {
            assert_eq!(attempt(pool, &sql).await, Outcome::Refused, "{who} could run: {sql}");
        }
    }
    // Only a superuser can still reach the rows; approval sees it.
    let count_before = db.scalar_i64(&format!("SELECT count(*) FROM {partition}")).await;
    assert_eq!(count_before, 5);
    sqlx::query(AssertSqlSafe(format!("UPDATE {partition} SET first_name = 'forged' WHERE source_row = 2")))
        .execute(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refusal(pipeline::approve(&supervisor, request, None).await), Refusal::StageChanged);
    sqlx::query(AssertSqlSafe(format!("UPDATE {partition} SET first_name = 'דנה' WHERE source_row = 2")))
        .execute(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sqlx::query(AssertSqlSafe(extra(&partition))).execute(&db.admin.pool).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refusal(pipeline::approve(&supervisor, request, None).await), Refusal::StageChanged);
    sqlx::query(AssertSqlSafe(format!("DELETE FROM {partition} WHERE source_row = 99")))
        .execute(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Back to exactly what was sealed: it loads, with the validated rows only.
    let approved = approve(&supervisor, request).await;
    assert_eq!(approved.rows, 5);
}

#[tokio::test]
async fn a_submit_cannot_commit_unsealed_nor_land_a_file_on_its_own() {
    let db = TestDb::new().await;
    let clerk = db.login("clerk").await;
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let contract_sha = db.catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}")).sha256.clone();

    // A file landed outside any request does not commit.
    let mut tx = clerk.pool.begin().await.unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("INSERT INTO land.file (file_name, content) VALUES ('lone.csv', 'abc'::bytea)")
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let committed = tx.commit().await;
    assert!(
        matches!(&committed, Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("CD011")),
        "{committed:?}"
    );

    // A request opened but never sealed does not commit either.
    let mut tx = clerk.pool.begin().await.unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("INSERT INTO land.file (file_name, content) VALUES ('w.csv', 'abc'::bytea)")
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let file_id: i64 = sqlx::query_scalar("SELECT currval('land.file_file_id_seq')")
        .fetch_one(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("SELECT meta.open_request('welfare_patients', '2026-11', $1, $2, $3, 0, 0, NULL, NULL)")
        .bind(file_id)
        .bind(abc)
        .bind(&contract_sha)
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let committed = tx.commit().await;
    assert!(
        matches!(&committed, Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("CD010")),
        "{committed:?}"
    );

    // The landed bytes must be the validated bytes.
    let mut tx = clerk.pool.begin().await.unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("INSERT INTO land.file (file_name, content) VALUES ('w.csv', 'abd'::bytea)")
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let opened = sqlx::query(
        "SELECT meta.open_request('welfare_patients', '2026-11', currval('land.file_file_id_seq'), $1, $2, 0, 0, NULL, NULL)",
    )
    .bind(abc)
    .bind(&contract_sha)
    .execute(&mut *tx)
    .await;
    assert!(matches!(&opened, Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("CD011")), "{opened:?}");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM land.file").await, 0);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.load_request").await, 0);
}

/// A request opened before its rows are counted (0012, the streamed submit)
/// takes its counts and report once, from its own submit, before the seal;
/// the seal still checks the staged rows against them.
#[tokio::test]
async fn a_request_opened_early_takes_its_report_once_from_its_own_submit() {
    let db = TestDb::new().await;
    let clerk = db.login("clerk").await;
    let other_clerk = db.login("clerk2").await;
    let supervisor = db.login("supervisor").await;
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let contract_sha = db.catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}")).sha256.clone();
    let code = |result: &Result<sqlx::postgres::PgQueryResult, sqlx::Error>| match result {
        Err(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()),
        _ => None,
    };

    let mut tx = clerk.pool.begin().await.unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("INSERT INTO land.file (file_name, content) VALUES ('w.csv', 'abc'::bytea)")
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let request: i64 = sqlx::query_scalar(
        "SELECT meta.open_request('welfare_patients', '2026-11', currval('land.file_file_id_seq'), $1, $2)",
    )
    .bind(abc)
    .bind(&contract_sha)
    .fetch_one(&mut *tx)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let report = |rows: i64| {
        sqlx::query("SELECT meta.report_request($1, $2, 0, '{\"status\": \"valid\"}', '[]')").bind(request).bind(rows)
    };
    // Another clerk and a supervisor cannot give it a report (it is not
    // theirs, and not even visible to them before the commit).
    for (who, pool) in [("clerk2", &other_clerk.pool), ("supervisor", &supervisor.pool)] {
        let refused = report(1).execute(pool).await;
        assert!(refused.is_err(), "{who} reported request {request}");
    }
    // Malformed counts and reports are refused; each refusal ends the
    // transaction, so these run in savepoints.
    for bad in [
        "SELECT meta.report_request($1, -1, 0, '{}', '[]')",
        "SELECT meta.report_request($1, 1, 0, '[]', '[]')",
        "SELECT meta.report_request($1, 1, 0, '{}', '{}')",
        "SELECT meta.report_request($1, 1, 0, NULL, '[]')",
    ] {
        sqlx::query("SAVEPOINT bad").execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}"));
        let refused = sqlx::query(bad).bind(request).execute(&mut *tx).await;
        assert_eq!(code(&refused).as_deref(), Some("CD011"), "{bad}: {refused:?}");
        sqlx::query("ROLLBACK TO SAVEPOINT bad").execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}"));
    }
    // Its own submit reports it once; a second report is refused.
    report(1).execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("SAVEPOINT again").execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}"));
    let again = report(2).execute(&mut *tx).await;
    assert_eq!(code(&again).as_deref(), Some("CD011"), "{again:?}");
    sqlx::query("ROLLBACK TO SAVEPOINT again").execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}"));
    // One row reported, none staged: the seal refuses, and nothing commits.
    let sealed = sqlx::query("SELECT meta.seal_request($1)").bind(request).execute(&mut *tx).await;
    assert_eq!(code(&sealed).as_deref(), Some("CD010"), "{sealed:?}");
    drop(tx);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM land.file").await, 0);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.load_request").await, 0);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.audit_log WHERE action = 'submit'").await, 0);
}

#[tokio::test]
async fn landed_file_facts_are_the_servers_and_cannot_be_forged() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    for sql in [
        "INSERT INTO land.file (file_name, content, sha256) VALUES ('a.csv', 'x', repeat('0', 64))",
        "INSERT INTO land.file (file_name, content, received_by) VALUES ('a.csv', 'x', 'supervisor')",
        "INSERT INTO land.file (file_name, content, size_bytes) VALUES ('a.csv', 'x', 1)",
        "INSERT INTO land.file (file_name, content, received_at) VALUES ('a.csv', 'x', now() - interval '1 year')",
    ] {
        assert_eq!(attempt(&clerk.pool, sql).await, Outcome::Refused, "a clerk could run: {sql}");
    }
    let file = db.write("w.csv", &welfare_csv(7, |_| "פעיל"));
    let expected = Snapshot::take(&file).unwrap_or_else(|e| panic!("{e}"));
    let submitted = submit(&clerk, &contract, &file, "2026-11").await;
    let (sha, size, by, name): (String, i64, String, String) =
        sqlx::query_as("SELECT sha256, size_bytes, received_by, file_name FROM land.file WHERE file_id = $1")
            .bind(submitted.file_id)
            .fetch_one(&db.admin.pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (sha.as_str(), size as u64, by.as_str(), name.as_str()),
        (expected.sha256.as_str(), expected.size_bytes, "clerk", "w.csv")
    );
    // The same bytes again are refused as a duplicate, whatever the client claims.
    assert_eq!(refusal(pipeline::submit(&clerk, &contract, &file, "2026-11").await), Refusal::DuplicateFile);
}

#[tokio::test]
async fn history_is_append_only_for_everyone_the_owner_included() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    submit(&clerk, &contract, &file, "2026-11").await;
    let owner = db.admin.pool.clone();
    for table in ["meta.audit_log", "meta.step_log", "land.file"] {
        let column = if table == "land.file" { "file_name" } else { "error" };
        let column = if table == "meta.audit_log" { "actor" } else { column };
        for sql in [
            format!("UPDATE {table} SET {column} = 'rewritten'"),
            format!("DELETE FROM {table}"),
            format!("DELETE FROM {table} WHERE false"),
            format!("TRUNCATE {table} CASCADE"),
        ] {
            // As the superuser, and as the owner role itself.
            assert_eq!(sqlstate(&owner, &sql).await.as_deref(), Some("CD009"), "superuser ran: {sql}");
            let as_owner = format!("DO $$ BEGIN SET LOCAL ROLE citizen_owner; {sql}; END $$");
            assert_eq!(sqlstate(&owner, &as_owner).await.as_deref(), Some("CD009"), "owner ran: {sql}");
        }
    }
    assert!(db.scalar_i64("SELECT count(*) FROM meta.audit_log").await >= 2);
}

#[tokio::test]
async fn bookkeeping_functions_check_the_caller_and_the_request() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    let clerk2 = db.login("clerk2").await;
    let supervisor = db.login("supervisor").await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    let request = submit(&clerk, &contract, &file, "2026-11").await.request_id;
    let log = format!("SELECT meta.log_step({request}, 'publish', 'ok', now(), now(), 1, NULL)");
    let log_stage = format!("SELECT meta.log_step({request}, 'stage', 'ok', now(), now(), 1, NULL)");
    assert_eq!(sqlstate(&clerk2.pool, &log_stage).await.as_deref(), Some("CD011"), "another clerk's request");
    assert_eq!(sqlstate(&clerk.pool, &log_stage).await.as_deref(), Some("CD011"), "a sealed request");
    assert_eq!(sqlstate(&clerk.pool, &log).await.as_deref(), Some("CD011"));
    assert_eq!(sqlstate(&supervisor.pool, &log).await.as_deref(), Some("42501"), "only clerks log submit steps");
    let sha = "a".repeat(64);
    let failed = |dataset: &str, period: &str, step: &str, file_sha: &str| {
        format!(
            "SELECT meta.record_failed_submit('{dataset}', '{period}', 'w.csv', '{file_sha}', '{}', '{step}', 'boom')",
            contract.sha256
        )
    };
    for (sql, code) in [
        (failed("phone_numbers", "2026-11", "stage", &sha), "CD003"),
        (failed("welfare_patients", "2026-13", "stage", &sha), "CD011"),
        (failed("welfare_patients", "2026", "stage", &sha), "CD011"),
        (failed("welfare_patients", "2026-11", "publish", &sha), "CD011"),
        (failed("welfare_patients", "2026-11", "stage", "not a hash"), "CD011"),
    ] {
        assert_eq!(sqlstate(&clerk.pool, &sql).await.as_deref(), Some(code), "{sql}");
    }
    assert_eq!(sqlstate(&clerk.pool, &failed("welfare_patients", "2026-11", "stage", &sha)).await, None);
    let steps = db.scalar_i64(&format!("SELECT count(*) FROM meta.step_log WHERE request_id = {request}")).await;
    assert_eq!(steps, 3, "land, validate and stage, nothing forged");
}

#[tokio::test]
async fn readers_and_clerks_see_only_what_their_role_needs() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    let clerk2 = db.login("clerk2").await;
    let reader = db.login("reader").await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    submit(&clerk, &contract, &file, "2026-11").await;
    assert_eq!(attempt(&reader.pool, "SELECT report FROM meta.load_request").await, Outcome::Refused);
    let listed = pipeline::queries::list_requests(&reader, None).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listed.len(), 1, "readers still list requests");
    assert_eq!(attempt(&clerk2.pool, "SELECT * FROM stage.welfare_patients").await, Outcome::Refused);
    assert_eq!(attempt(&clerk2.pool, "SELECT content FROM land.file").await, Outcome::Refused);
}

#[tokio::test]
async fn merge_keys_are_never_null_and_the_mart_lists_only_datasets() {
    let db = TestDb::new().await;
    let hamal = db.contract("hamal");
    let keys: Vec<String> = hamal.keys.iter().map(|&i| hamal.columns[i].name.clone()).collect();
    for table in ["stage.hamal", "core.hamal"] {
        let nullable: Vec<String> = sqlx::query_scalar(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = $1::regclass AND attname = ANY($2) AND NOT attnotnull",
        )
        .bind(table)
        .bind(&keys)
        .fetch_all(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(nullable.is_empty(), "{table}: nullable keys {nullable:?}");
    }
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    submit_and_approve(&clerk, &supervisor, &contract, &file, "2026-11").await;
    let listed: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT unnest(datasets) FROM mart.citizen_contacts ORDER BY 1")
            .fetch_all(&db.admin.pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listed, vec!["welfare_patients".to_owned()]);
}

#[tokio::test]
async fn only_an_administrator_applies_contracts_and_what_they_create_is_the_owners() {
    let db = TestDb::new().await;
    for login in ["clerk", "supervisor", "reader"] {
        let database = db.login(login).await;
        assert_eq!(refusal(apply_contracts(&database, &db.catalog).await), Refusal::PermissionDenied, "{login}");
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let source =
        std::fs::read_to_string(support::contracts_dir().join("av_bait.yaml")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("extra.yaml"), source.replace("dataset: av_bait", "dataset: extra_caretakers"))
        .unwrap_or_else(|e| panic!("{e}"));
    let catalog = citizen_core::contract::Catalog::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let admin = db.login("test_admin").await;
    apply_contracts(&admin, &catalog).await.unwrap_or_else(|e| panic!("{e}"));
    let owner: String = sqlx::query_scalar(
        "SELECT pg_get_userbyid(relowner)::text FROM pg_class WHERE oid = 'core.extra_caretakers'::regclass",
    )
    .fetch_one(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(owner, "citizen_owner");
    let applied_by: String =
        sqlx::query_scalar("SELECT applied_by FROM meta.contract WHERE dataset = 'extra_caretakers' AND is_current")
            .fetch_one(&db.admin.pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(applied_by, "test_admin");
    // Day to day an administrator holds no owner right.
    assert_eq!(attempt(&admin.pool, "DELETE FROM core.extra_caretakers").await, Outcome::Refused);
}

#[tokio::test]
async fn approving_a_loaded_request_again_says_it_is_not_pending() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    let (submitted, _) = submit_and_approve(&clerk, &supervisor, &contract, &file, "2026-11").await;
    let request = submitted.request_id;
    // Only a retry after a dropped connection takes "already loaded by me" as
    // success; a second, separate approval is told the truth.
    assert_eq!(refusal(pipeline::approve(&supervisor, request, None).await), Refusal::NotPending);
}

#[tokio::test]
async fn a_warning_value_loads_as_written_and_stays_out_of_the_phones() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    // phone_3 is a warning column: a number too short to be a phone.
    let csv = welfare_csv(3, |_| "פעיל").replacen(",,d0@example.org", ",12345,d0@example.org", 1);
    let file = db.write("w.csv", &csv);
    let (submitted, _) = submit_and_approve(&clerk, &supervisor, &contract, &file, "2026-11").await;
    assert_eq!(submitted.report.warnings, 1, "{:?}", submitted.report.issues);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.welfare_patients_current WHERE phone_3 = '12345'").await, 1);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.phone_numbers_current WHERE phone_e164 = '12345'").await, 0);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.phone_numbers_current").await, 6, "two phones per row");
}
