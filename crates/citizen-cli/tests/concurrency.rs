//! Many desktops at once (issue 14): several `citizen-db` processes against
//! one PostgreSQL server, each as its own login, while a reader queries
//! `core.<dataset>_current` and `mart.citizen_contacts` on a connection of its
//! own. Clerks submit to one dataset and period at once; two supervisors
//! approve two requests of one period at once; a supervisor approves while
//! another rolls back. Nothing is lost or mixed, every refusal is exit 1 with
//! a message naming the conflict, and no observation ever shows two active
//! versions or a half-published one.

#[path = "../../citizen-core/tests/support/mod.rs"]
mod support;

use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgPool, Row};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use support::{id, mobile, TestDb};

const PERIOD: &str = "2026-11";
const STATUSES: [&str; 3] = ["פעיל", "סגור", "ממתין"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A welfare_patients file: IDs `first..first + rows`, every row with one status.
struct WelfareFile {
    path: PathBuf,
    ids: Vec<String>,
    status: &'static str,
}

fn welfare_file(db: &TestDb, name: &str, first: u32, rows: u32, status: &'static str) -> WelfareFile {
    let mut text = String::from(
        "ת.ז.,שם פרטי,שם משפחה,תאריך לידה,מין,סטטוס,קוד רחוב,מספר בית,דירה,טלפון 1,טלפון 2,טלפון 3,דואר אלקטרוני\n",
    );
    let mut ids = Vec::new();
    for i in first..first + rows {
        ids.push(id(i));
        text.push_str(&format!(
            "{},דנה,כהן,01/02/1980,נ,{status},{},{},{},{},,,d{i}@example.org\n",
            id(i),
            100 + i % 50,
            1 + i % 30,
            1 + i % 12,
            mobile(i)
        ));
    }
    ids.sort();
    WelfareFile { path: db.write(name, &text), ids, status }
}

/// Starts `citizen-db ARGS` as `login` (password = login name) on the test's database.
fn start(db: &TestDb, login: &str, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_citizen-db"))
        .current_dir(repo())
        .env("DATABASE_URL", db.url(login))
        .env_remove("CITIZEN_DB_USER")
        .env_remove("CITIZEN_DB_PASSWORD")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run citizen-db: {e}"))
}

/// What one process did.
#[derive(Debug)]
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn ran(output: Output) -> Ran {
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Waits for every process, off the async runtime (the reader keeps reading meanwhile).
async fn finish(children: Vec<Child>) -> Vec<Ran> {
    tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|child| ran(child.wait_with_output().unwrap_or_else(|e| panic!("waiting for citizen-db: {e}"))))
            .collect()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The request id a successful `submit` printed ("request N pending approval: ...").
fn request_of(run: &Ran) -> i64 {
    run.stdout
        .strip_prefix("request ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no request id in {run:?}"))
}

async fn ensure_login(db: &TestDb, name: &str, role: &str) {
    let statement = format!(
        "DO $$ BEGIN CREATE ROLE {name} LOGIN PASSWORD '{name}' IN ROLE {role};
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    );
    sqlx::query(AssertSqlSafe(statement)).execute(&db.admin.pool).await.unwrap_or_else(|e| panic!("{name}: {e}"));
}

/// The sorted citizen IDs and their statuses of a query's rows.
async fn ids_and_statuses(pool: &PgPool, sql: &str, bind: i64) -> (Vec<String>, Vec<String>) {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT coalesce(array_agg(citizen_id ORDER BY citizen_id), '{{}}'),
                coalesce(array_agg(welfare_status ORDER BY citizen_id), '{{}}') FROM ({sql}) x"
    )))
    .bind(bind)
    .fetch_one(pool)
    .await
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    (row.get(0), row.get(1))
}

/// Asserts that version `version_id` holds exactly the rows of `file`.
async fn assert_version_is_file(db: &TestDb, version_id: i64, file: &WelfareFile) {
    let (ids, statuses) =
        ids_and_statuses(&db.admin.pool, "SELECT * FROM core.welfare_patients WHERE version_id = $1", version_id).await;
    assert_eq!(ids, file.ids, "version {version_id} holds the IDs of {}", file.path.display());
    assert!(statuses.iter().all(|s| s == file.status), "version {version_id}: statuses of another file");
    let row_count = format!("SELECT row_count FROM meta.dataset_version WHERE version_id = {version_id}");
    assert_eq!(db.scalar_i64(&row_count).await, file.ids.len() as i64);
}

/// Asserts that request `request_id` holds exactly `file`: its landed bytes,
/// its sealed and staged rows.
async fn assert_request_is_file(db: &TestDb, request_id: i64, file: &WelfareFile) {
    let row = sqlx::query(
        "SELECT r.status, r.rows, r.staged_rows, r.staged_checksum, f.content, f.sha256 = r.file_sha256,
                (s).staged_rows AS now_rows, (s).checksum AS now_checksum
         FROM meta.load_request r JOIN land.file f ON f.file_id = r.file_id,
              LATERAL (SELECT meta.stage_fingerprint(r.request_id) AS s) x
         WHERE r.request_id = $1",
    )
    .bind(request_id)
    .fetch_one(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("request {request_id}: {e}"));
    let bytes = std::fs::read(&file.path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(row.get::<String, _>("status"), "pending");
    assert_eq!(row.get::<Vec<u8>, _>("content"), bytes, "request {request_id} landed another file's bytes");
    assert!(row.get::<bool, _>(5), "request {request_id}: sha256 of the landed bytes");
    assert_eq!(row.get::<i64, _>("rows"), file.ids.len() as i64);
    assert_eq!(row.get::<Option<i64>, _>("staged_rows"), Some(file.ids.len() as i64));
    assert_eq!(row.get::<Option<i64>, _>("now_rows"), row.get::<Option<i64>, _>("staged_rows"));
    assert_eq!(row.get::<Option<String>, _>("now_checksum"), row.get::<Option<String>, _>("staged_checksum"));
    let partition = format!("SELECT * FROM stage.\"request-{request_id}\" WHERE request_id = $1");
    let (ids, statuses) = ids_and_statuses(&db.admin.pool, &partition, request_id).await;
    assert_eq!(ids, file.ids, "request {request_id} staged another file's rows");
    assert!(statuses.iter().all(|s| s == file.status));
}

/// One look at the published state of welfare_patients PERIOD, in one snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    active: Option<i64>,
    rows: i64,
    id_hash: i64,
}

/// A reader login querying `_current`, the mart and the versions in a loop
/// on its own connection until stopped; every observation is checked.
struct Reader {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Result<Vec<Seen>, String>>,
}

async fn observe(pool: &PgPool) -> Result<Seen, String> {
    let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    let active: Vec<i64> = sqlx::query_scalar(
        "SELECT version_id FROM meta.dataset_version WHERE dataset = 'welfare_patients' AND period = $1 AND is_active",
    )
    .bind(PERIOD)
    .fetch_all(&mut *tx)
    .await
    .map_err(|e| e.to_string())?;
    let current: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT version_id, count(*), sum(hashtext(citizen_id))::bigint FROM core.welfare_patients_current
         WHERE period = $1 GROUP BY version_id",
    )
    .bind(PERIOD)
    .fetch_all(&mut *tx)
    .await
    .map_err(|e| e.to_string())?;
    let mart: i64 =
        sqlx::query_scalar("SELECT count(*) FROM mart.citizen_contacts WHERE 'welfare_patients' = ANY(datasets)")
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
    tx.rollback().await.map_err(|e| e.to_string())?;
    if active.len() > 1 {
        return Err(format!("{} active versions at once: {active:?}", active.len()));
    }
    if current.len() > 1 {
        return Err(format!("_current shows rows of several versions at once: {current:?}"));
    }
    let (version, rows, id_hash) = current.first().copied().unwrap_or((0, 0, 0));
    if active.first().copied().unwrap_or(0) != version {
        return Err(format!("_current shows version {version} while {active:?} is active"));
    }
    if mart != rows {
        return Err(format!("the mart knows {mart} welfare citizens while _current shows {rows} rows"));
    }
    Ok(Seen { active: active.first().copied(), rows, id_hash })
}

impl Reader {
    async fn start(db: &TestDb) -> Reader {
        let options = db.url("reader").parse().unwrap_or_else(|e| panic!("{e}"));
        let pool = PgPoolOptions::new().max_connections(1).connect_with(options).await;
        let pool = pool.unwrap_or_else(|e| panic!("reader: {e}"));
        // One observation before anything starts: the reader works.
        observe(&pool).await.unwrap_or_else(|e| panic!("{e}"));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let last = flag.load(Ordering::SeqCst);
                seen.push(observe(&pool).await?);
                if last {
                    break;
                }
                tokio::task::yield_now().await;
            }
            pool.close().await;
            Ok(seen)
        });
        Reader { stop, task }
    }

    /// Stops the reader (after one last observation) and returns what it saw.
    async fn stop(self) -> Vec<Seen> {
        self.stop.store(true, Ordering::SeqCst);
        match self.task.await {
            Ok(Ok(seen)) => seen,
            Ok(Err(violation)) => panic!("the reader saw an impossible state: {violation}"),
            Err(e) => panic!("reader: {e}"),
        }
    }
}

/// Every state the reader saw is a whole published version: its row count
/// and IDs are the version's own.
async fn assert_seen_whole_versions(db: &TestDb, seen: &[Seen]) {
    let mut versions: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for state in seen {
        let Some(version) = state.active else {
            assert_eq!((state.rows, state.id_hash), (0, 0));
            continue;
        };
        if let Some(whole) = versions.get(&version) {
            assert_eq!(*whole, (state.rows, state.id_hash), "version {version} seen with other rows");
            continue;
        }
        let whole: (i64, i64) = sqlx::query_as(
            "SELECT count(*), coalesce(sum(hashtext(citizen_id)), 0)::bigint FROM core.welfare_patients
             WHERE version_id = $1",
        )
        .bind(version)
        .fetch_one(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(whole, (state.rows, state.id_hash), "version {version} seen half published");
        versions.insert(version, whole);
    }
}

async fn active_versions(db: &TestDb) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT version FROM meta.dataset_version WHERE dataset = 'welfare_patients' AND period = $1 AND is_active",
    )
    .bind(PERIOD)
    .fetch_all(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn version_id_of_request(db: &TestDb, request_id: i64) -> (i64, i32) {
    sqlx::query_as("SELECT version_id, version FROM meta.dataset_version WHERE request_id = $1")
        .bind(request_id)
        .fetch_one(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("version of request {request_id}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerks_submit_to_the_same_dataset_and_period_at_once() {
    let db = TestDb::new().await;
    let clerks = ["clerk", "clerk2", "clerk_supervisor", "conc_clerk3", "conc_clerk4"];
    for clerk in &clerks[3..] {
        ensure_login(&db, clerk, "citizen_clerk").await;
    }
    // Four different files, and a copy of the first under another name.
    let files: Vec<WelfareFile> = (0..4u32)
        .map(|k| welfare_file(&db, &format!("welfare_{k}.csv"), k * 10_000, 1_500 + k * 100, STATUSES[k as usize % 3]))
        .collect();
    let copy = db.dir.join("welfare_copy.csv");
    std::fs::copy(&files[0].path, &copy).unwrap_or_else(|e| panic!("{e}"));
    let reader = Reader::start(&db).await;

    let mut children = Vec::new();
    for (clerk, file) in clerks.iter().zip(files.iter().map(|f| &f.path).chain([&copy])) {
        let file = file.to_string_lossy().into_owned();
        children.push(start(&db, clerk, &["submit", &file, "--dataset", "welfare_patients", "--period", PERIOD]));
    }
    let runs = finish(children).await;
    let seen = reader.stop().await;

    // The first file's two submits: exactly one is pending, the other refused.
    let first_ok = [&runs[0], &runs[4]].iter().filter(|r| r.code == Some(0)).count();
    assert_eq!(first_ok, 1, "the same bytes are pending once: {runs:#?}");
    let refused = if runs[0].code == Some(0) { &runs[4] } else { &runs[0] };
    assert_eq!(refused.code, Some(1), "a refusal exits 1: {refused:?}");
    assert!(refused.stderr.contains("already pending or loaded"), "{refused:?}");
    for run in &runs[1..4] {
        assert_eq!(run.code, Some(0), "{run:?}");
    }
    // Every accepted submit is its own request with its own bytes and rows.
    let mut requests = Vec::new();
    for (k, file) in files.iter().enumerate() {
        let run = if k == 0 && runs[0].code != Some(0) { &runs[4] } else { &runs[k] };
        let request = request_of(run);
        assert_request_is_file(&db, request, file).await;
        requests.push(request);
    }
    requests.sort();
    requests.dedup();
    assert_eq!(requests.len(), 4);
    let total = db.scalar_i64("SELECT count(*) FROM meta.load_request WHERE dataset = 'welfare_patients'").await;
    assert_eq!(total, 4, "nothing else was recorded (the refused copy leaves no request)");
    let landed = db.scalar_i64("SELECT count(*) FROM land.file").await;
    assert_eq!(landed, 4, "the refused copy left no landed file");
    assert!(seen.iter().all(|s| s.active.is_none()), "nothing is published by submitting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_supervisors_approve_two_requests_of_one_period_at_once() {
    let db = TestDb::new().await;
    let clerk = db.login("clerk").await;
    let contract = db.contract("welfare_patients");
    let reader = Reader::start(&db).await;
    let mut approved: Vec<(i64, WelfareFile)> = Vec::new();
    for round in 0..3u32 {
        let a = welfare_file(&db, &format!("a{round}.csv"), round * 20_000, 1_000 + round * 50, STATUSES[0]);
        let b = welfare_file(&db, &format!("b{round}.csv"), round * 20_000 + 10_000, 1_020 + round * 50, STATUSES[1]);
        let request_a = support::submit(&clerk, &contract, &a.path, PERIOD).await.request_id;
        let request_b = support::submit(&clerk, &contract, &b.path, PERIOD).await.request_id;
        let runs = finish(vec![
            start(&db, "supervisor", &["approve", &request_a.to_string()]),
            start(&db, "supervisor2", &["approve", &request_b.to_string()]),
        ])
        .await;
        for run in &runs {
            assert_eq!(run.code, Some(0), "round {round}: {run:?}");
            assert!(run.stdout.contains("loaded as version"), "{run:?}");
        }
        let (version_a, number_a) = version_id_of_request(&db, request_a).await;
        let (version_b, number_b) = version_id_of_request(&db, request_b).await;
        assert_ne!(number_a, number_b);
        assert_version_is_file(&db, version_a, &a).await;
        assert_version_is_file(&db, version_b, &b).await;
        // The one approved last is active, and its parent is the other.
        assert_eq!(active_versions(&db).await, vec![number_a.max(number_b)], "round {round}");
        let (later, earlier) = if number_a > number_b { (version_a, version_b) } else { (version_b, version_a) };
        let parent = format!("SELECT parent_version_id FROM meta.dataset_version WHERE version_id = {later}");
        assert_eq!(
            db.scalar_i64(&parent).await,
            earlier,
            "round {round}: the later approval publishes over the earlier one"
        );
        approved.push((version_a, a));
        approved.push((version_b, b));
    }
    // The same request approved by both at once: one loads it, the other is told it is no longer pending.
    let c = welfare_file(&db, "c.csv", 90_000, 700, STATUSES[2]);
    let request_c = support::submit(&clerk, &contract, &c.path, PERIOD).await.request_id;
    let runs = finish(vec![
        start(&db, "supervisor", &["approve", &request_c.to_string()]),
        start(&db, "supervisor2", &["approve", &request_c.to_string()]),
    ])
    .await;
    let seen = reader.stop().await;
    assert_eq!(runs.iter().filter(|r| r.code == Some(0)).count(), 1, "{runs:#?}");
    let refused = runs.iter().find(|r| r.code != Some(0)).unwrap_or_else(|| panic!("{runs:#?}"));
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(refused.stderr.contains(&format!("request {request_c} is loaded, not pending")), "{refused:?}");
    let (version_c, number_c) = version_id_of_request(&db, request_c).await;
    assert_version_is_file(&db, version_c, &c).await;
    assert_eq!(number_c, 7, "versions 1 to 7, none lost, none twice");
    assert_eq!(active_versions(&db).await, vec![7]);
    for (version, file) in &approved {
        assert_version_is_file(&db, *version, file).await;
    }
    assert_seen_whole_versions(&db, &seen).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_approves_while_another_rolls_back() {
    let db = TestDb::new().await;
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let contract = db.contract("welfare_patients");
    let first = welfare_file(&db, "v1.csv", 0, 900, STATUSES[0]);
    let second = welfare_file(&db, "v2.csv", 10_000, 950, STATUSES[1]);
    support::submit_and_approve(&clerk, &supervisor, &contract, &first.path, PERIOD).await;
    support::submit_and_approve(&clerk, &supervisor, &contract, &second.path, PERIOD).await;
    let reader = Reader::start(&db).await;
    for round in 0..3u32 {
        let file =
            welfare_file(&db, &format!("r{round}.csv"), 20_000 + round * 10_000, 1_000 + round * 10, STATUSES[2]);
        let request = support::submit(&clerk, &contract, &file.path, PERIOD).await.request_id;
        let before = active_versions(&db).await.first().copied().unwrap_or_else(|| panic!("nothing active"));
        let runs = finish(vec![
            start(&db, "supervisor", &["approve", &request.to_string()]),
            start(
                &db,
                "supervisor2",
                &["rollback", "--dataset", "welfare_patients", "--period", PERIOD, "--version", "1"],
            ),
        ])
        .await;
        for run in &runs {
            assert_eq!(run.code, Some(0), "round {round}: {run:?}");
        }
        let (version_id, number) = version_id_of_request(&db, request).await;
        assert_version_is_file(&db, version_id, &file).await;
        // Whichever took the dataset's lock last decides what is active, and
        // the approval published over whatever was active when it ran.
        let last: String = sqlx::query_scalar(
            "SELECT action FROM meta.audit_log WHERE action IN ('approve', 'rollback') ORDER BY audit_id DESC LIMIT 1",
        )
        .fetch_one(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let expected_active = if last == "rollback" { 1 } else { number };
        assert_eq!(active_versions(&db).await, vec![expected_active], "round {round}: last action {last}");
        let parent: i32 = sqlx::query_scalar(
            "SELECT p.version FROM meta.dataset_version v JOIN meta.dataset_version p ON p.version_id = v.parent_version_id
             WHERE v.version_id = $1",
        )
        .bind(version_id)
        .fetch_one(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        // Approved first: over what was active before the round; after the
        // rollback: over version 1.
        let expected_parent = if last == "rollback" { before } else { 1 };
        assert_eq!(parent, expected_parent, "round {round}: the approval published over the version active then");
    }
    let seen = reader.stop().await;
    assert_version_is_file(&db, version_id_of_request(&db, 1).await.0, &first).await;
    assert_version_is_file(&db, version_id_of_request(&db, 2).await.0, &second).await;
    assert_seen_whole_versions(&db, &seen).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_clerk_holds_up_nobody_elses_sign_in() {
    let db = TestDb::new().await;
    // A clerk signs in the way the app and the CLI do (migrations are tried,
    // and refused for a login without DDL rights) and stays signed in.
    let target = citizen_core::db::DbTarget::Url(db.url("clerk"));
    let clerk = citizen_core::db::Database::connect(&target).await.unwrap_or_else(|e| panic!("clerk: {e}"));
    // The connections the clerk keeps (all of them, held while we look).
    let mut kept = Vec::new();
    let mut kept_pids = Vec::new();
    for _ in 0..clerk.pool.size() {
        let mut connection = clerk.pool.acquire().await.unwrap_or_else(|e| panic!("{e}"));
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *connection)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        kept_pids.push(pid);
        kept.push(connection);
    }
    // An advisory lock of this database may still be held for a moment by a
    // connection the clerk closed (its server process is exiting); none may
    // be held by a connection the clerk keeps. Wait for the former to go.
    loop {
        let holders: Vec<i32> = sqlx::query_scalar(
            "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database
             WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()",
        )
        .fetch_all(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            holders.iter().all(|pid| !kept_pids.contains(pid)),
            "a signed-in login keeps the migrations' advisory lock, so every other sign-in waits for it"
        );
        if holders.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(kept);
    // Another desktop signs in and works while the clerk is still connected.
    let runs = finish(vec![start(&db, "reader", &["requests"]), start(&db, "clerk2", &["versions"])]).await;
    for run in &runs {
        assert_eq!(run.code, Some(0), "{run:?}");
    }
    clerk.pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_in_progress_locks_out_neither_other_submits_nor_approvals() {
    let db = TestDb::new().await;
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let contract = db.contract("welfare_patients");
    let pending = welfare_file(&db, "pending.csv", 0, 800, STATUSES[0]);
    let pending_request = support::submit(&clerk, &contract, &pending.path, PERIOD).await.request_id;
    // clerk2 is half-way through a submit: landed, request opened, rows being staged.
    let other = welfare_file(&db, "other.csv", 10_000, 900, STATUSES[1]);
    let bytes = std::fs::read(&other.path).unwrap_or_else(|e| panic!("{e}"));
    let clerk2 = db.raw("clerk2").await;
    let mut open = clerk2.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let pid: i32 =
        sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *open).await.unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("INSERT INTO land.file (file_name, content) VALUES ('other.csv', $1)")
        .bind(&bytes)
        .execute(&mut *open)
        .await
        .unwrap_or_else(|e| panic!("land: {e}"));
    let file_id: i64 = sqlx::query_scalar("SELECT currval('land.file_file_id_seq')")
        .fetch_one(&mut *open)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let request: i64 = sqlx::query_scalar(
        "SELECT meta.open_request('welfare_patients', $1, $2, encode(sha256($3), 'hex'),
                                  (SELECT sha256 FROM meta.contract WHERE dataset = 'welfare_patients' AND is_current),
                                  900, 0, '{}', '[]')",
    )
    .bind(PERIOD)
    .bind(file_id)
    .bind(&bytes)
    .fetch_one(&mut *open)
    .await
    .unwrap_or_else(|e| panic!("open: {e}"));
    let held: Vec<String> = sqlx::query_scalar(
        "SELECT mode FROM pg_locks WHERE pid = $1 AND relation = 'stage.welfare_patients'::regclass",
    )
    .bind(pid)
    .fetch_all(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        held.is_empty(),
        "an open submit holds {held:?} on stage.welfare_patients: every other submit and approval of the dataset waits for it"
    );
    // Meanwhile another clerk submits and a supervisor approves, in processes of their own.
    let third = welfare_file(&db, "third.csv", 20_000, 700, STATUSES[2]);
    let runs = finish(vec![
        start(
            &db,
            "clerk_supervisor",
            &["submit", &third.path.to_string_lossy(), "--dataset", "welfare_patients", "--period", PERIOD],
        ),
        start(&db, "supervisor2", &["approve", &pending_request.to_string()]),
    ])
    .await;
    for run in &runs {
        assert_eq!(run.code, Some(0), "{run:?}");
    }
    assert_request_is_file(&db, request_of(&runs[0]), &third).await;
    assert_version_is_file(&db, version_id_of_request(&db, pending_request).await.0, &pending).await;
    // clerk2's submit goes on: its rows, its seal, its commit.
    let mut copy = String::new();
    for (n, citizen) in other.ids.iter().enumerate() {
        copy.push_str(&format!("INSERT INTO stage.\"request-{request}\" (request_id, source_row, citizen_id, welfare_status) VALUES ({request}, {}, '{citizen}', '{}');", n + 2, other.status));
    }
    sqlx::raw_sql(AssertSqlSafe(copy)).execute(&mut *open).await.unwrap_or_else(|e| panic!("stage: {e}"));
    sqlx::query("SELECT meta.seal_request($1)")
        .bind(request)
        .execute(&mut *open)
        .await
        .unwrap_or_else(|e| panic!("seal: {e}"));
    open.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    let approved = support::approve(&supervisor, request).await;
    let (ids, statuses) = ids_and_statuses(
        &db.admin.pool,
        "SELECT * FROM core.welfare_patients WHERE version_id = $1",
        approved.version_id,
    )
    .await;
    assert_eq!(ids, other.ids);
    assert!(statuses.iter().all(|s| s == other.status));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_supervisors_approve_two_periods_of_one_dataset_at_once() {
    let db = TestDb::new().await;
    let clerk = db.login("clerk").await;
    let contract = db.contract("welfare_patients");
    for round in 0..3u32 {
        let months = [format!("2025-{:02}", 2 * round + 1), format!("2025-{:02}", 2 * round + 2)];
        let a = welfare_file(&db, &format!("a{round}.csv"), round * 20_000, 3_000, STATUSES[0]);
        let b = welfare_file(&db, &format!("b{round}.csv"), round * 20_000 + 10_000, 3_100, STATUSES[1]);
        let request_a = support::submit(&clerk, &contract, &a.path, &months[0]).await.request_id;
        let request_b = support::submit(&clerk, &contract, &b.path, &months[1]).await.request_id;
        let runs = finish(vec![
            start(&db, "supervisor", &["approve", &request_a.to_string()]),
            start(&db, "supervisor2", &["approve", &request_b.to_string()]),
        ])
        .await;
        for run in &runs {
            assert_eq!(run.code, Some(0), "round {round}: {run:?}");
            assert!(run.stdout.contains("loaded as version 1"), "{run:?}");
        }
        assert_version_is_file(&db, version_id_of_request(&db, request_a).await.0, &a).await;
        assert_version_is_file(&db, version_id_of_request(&db, request_b).await.0, &b).await;
    }
    let active = db.scalar_i64("SELECT count(*) FROM meta.dataset_version WHERE is_active").await;
    assert_eq!(active, 6, "one active version per period");
}
