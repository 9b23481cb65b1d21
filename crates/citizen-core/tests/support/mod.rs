//! Test support, shared by every integration test: a real PostgreSQL server
//! for the whole test binary (the embedded cluster code, attached to this
//! process, or `DATABASE_URL`, started only by a test that asks for a
//! database), a fresh database per test, logins per role, the usual opening of
//! a test (a clerk submits, a supervisor approves), the shipped contracts, and
//! small files written on the fly.
//!
//! Every helper panics with the error when its step fails: a test that needs
//! a step to fail calls `pipeline::submit` or `pipeline::approve` itself.

#![allow(dead_code)]

use citizen_core::contract::{Catalog, Contract};
use citizen_core::db::embedded::{AttachedServer, Cluster, PORT, SUPERUSER};
use citizen_core::db::Database;
use citizen_core::ops::apply::apply_contracts;
use citizen_core::pipeline::{self, Approved, Submitted};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, PgPool};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

struct Server {
    cluster: Cluster,
    _attached: AttachedServer,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

fn server() -> &'static Server {
    let started = SERVER.get_or_init(|| {
        let dir = PathBuf::from(format!("/tmp/citizen-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cluster = Cluster::new(dir).map_err(|e| e.to_string())?;
        let attached = cluster.start_attached().map_err(|e| e.to_string())?;
        Ok(Server { cluster, _attached: attached })
    });
    match started {
        Ok(server) => server,
        Err(error) => panic!("cannot start the test PostgreSQL server: {error}"),
    }
}

/// One test's database, with the shipped (or given) contracts applied.
pub struct TestDb {
    pub name: String,
    admin_options: PgConnectOptions,
    pub admin: Database,
    pub catalog: Catalog,
    pub dir: PathBuf,
    /// This test's files, removed when the test ends.
    _files: tempfile::TempDir,
}

fn base_options() -> PgConnectOptions {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url.parse().unwrap_or_else(|e| panic!("bad DATABASE_URL: {e}")),
        _ => {
            let server = server();
            let password = server.cluster.superuser_password().unwrap_or_else(|e| panic!("{e}"));
            PgConnectOptions::new()
                .host(&server.cluster.socket_dir().to_string_lossy())
                .port(PORT)
                .username(SUPERUSER)
                .password(&password)
        }
    }
}

/// The contracts shipped in `contracts/`.
pub fn contracts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts")
}

/// The shipped contracts, loaded.
pub fn shipped_catalog() -> Catalog {
    Catalog::load(&contracts_dir()).unwrap_or_else(|e| panic!("shipped contracts: {e}"))
}

/// Submits `file` for `period` as `clerk`; the submit must succeed.
pub async fn submit(clerk: &Database, contract: &Contract, file: &Path, period: &str) -> Submitted {
    pipeline::submit(clerk, contract, file, period)
        .await
        .unwrap_or_else(|e| panic!("{} submits {} for {period}: {e}", clerk.user, file.display()))
}

/// Approves a request as `supervisor`, without a note; it must succeed.
pub async fn approve(supervisor: &Database, request_id: i64) -> Approved {
    pipeline::approve(supervisor, request_id, None)
        .await
        .unwrap_or_else(|e| panic!("{} approves request {request_id}: {e}", supervisor.user))
}

/// The usual opening: `clerk` submits `file` for `period`, `supervisor`
/// approves it; both must succeed.
pub async fn submit_and_approve(
    clerk: &Database,
    supervisor: &Database,
    contract: &Contract,
    file: &Path,
    period: &str,
) -> (Submitted, Approved) {
    let submitted = submit(clerk, contract, file, period).await;
    let approved = approve(supervisor, submitted.request_id).await;
    (submitted, approved)
}

impl TestDb {
    /// A fresh database with the shipped contracts applied.
    pub async fn new() -> TestDb {
        TestDb::with_contracts(&contracts_dir()).await
    }

    /// A fresh database with the contracts of `dir` applied.
    pub async fn with_contracts(dir: &Path) -> TestDb {
        let base = base_options();
        let name = format!("citizen_t{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let maintenance = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(base.clone().database("postgres"))
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&maintenance)
            .await
            .unwrap_or_else(|e| panic!("create database: {e}"));
        maintenance.close().await;
        let admin_options = base.database(&name);
        let pool = PgPoolOptions::new().max_connections(4).connect_with(admin_options.clone()).await;
        let pool = pool.unwrap_or_else(|e| panic!("connect: {e}"));
        let admin = Database { pool, user: admin_options.get_username().to_owned() };
        admin.migrate().await.unwrap_or_else(|e| panic!("migrate: {e}"));
        admin.ensure_demo_logins().await.unwrap_or_else(|e| panic!("logins: {e}"));
        for (extra, roles) in [
            ("clerk_supervisor", "citizen_clerk, citizen_supervisor"),
            ("clerk2", "citizen_clerk"),
            ("test_admin", "citizen_admin"),
        ] {
            let statement = format!(
                "DO $$ BEGIN CREATE ROLE {extra} LOGIN PASSWORD '{extra}' IN ROLE {roles};
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            );
            sqlx::query(AssertSqlSafe(statement)).execute(&admin.pool).await.unwrap_or_else(|e| panic!("{e}"));
        }
        let catalog = Catalog::load(dir).unwrap_or_else(|e| panic!("contracts: {e}"));
        apply_contracts(&admin, &catalog).await.unwrap_or_else(|e| panic!("apply: {e}"));
        let files = tempfile::Builder::new().prefix(&format!("{name}-")).tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = files.path().to_path_buf();
        TestDb { name, admin_options, admin, catalog, dir, _files: files }
    }

    /// Logs in as a demo login (password = login name).
    pub async fn login(&self, user: &str) -> Database {
        let options = self.admin_options.clone().username(user).password(user);
        let pool = PgPoolOptions::new().max_connections(2).connect_with(options).await;
        Database { pool: pool.unwrap_or_else(|e| panic!("login {user}: {e}")), user: user.to_owned() }
    }

    /// Logs in as `user` with `password`; the error when the server refuses.
    pub async fn login_with(&self, user: &str, password: &str) -> Result<Database, sqlx::Error> {
        let options = self.admin_options.clone().username(user).password(password);
        let pool = PgPoolOptions::new().max_connections(1).connect_with(options).await?;
        Ok(Database { pool, user: user.to_owned() })
    }

    /// The demo clerk and the demo supervisor, logged in.
    pub async fn clerk_and_supervisor(&self) -> (Database, Database) {
        (self.login("clerk").await, self.login("supervisor").await)
    }

    /// A copy of the contract of `dataset` in this database's catalog.
    pub fn contract(&self, dataset: &str) -> Contract {
        self.catalog.get(dataset).unwrap_or_else(|e| panic!("{e}")).clone()
    }

    /// A connection URL for this database as a demo login (password = login
    /// name), as the desktop settings would hold it.
    pub fn url(&self, user: &str) -> String {
        let host = self.admin_options.get_host();
        let port = self.admin_options.get_port();
        let database = self.admin_options.get_database().unwrap_or(&self.name);
        if host.starts_with('/') {
            format!("postgres://{user}:{user}@localhost:{port}/{database}?host={host}")
        } else {
            format!("postgres://{user}:{user}@{host}:{port}/{database}")
        }
    }

    /// A raw pool as `user`, for probing privileges.
    pub async fn raw(&self, user: &str) -> PgPool {
        self.login(user).await.pool
    }

    /// Writes a CSV file into this test's directory.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, content).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.to_owned()))
            .fetch_one(&self.admin.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

/// A valid Israeli ID derived from `n`.
pub fn id(n: u32) -> String {
    citizen_core::validate::types::israeli_id::with_check_digit(10_000_000 + n)
}

/// A valid mobile number derived from `n`.
pub fn mobile(n: u32) -> String {
    format!("052-{:07}", 2_000_000 + n)
}

/// A welfare_patients CSV with `rows` valid rows; `status_of(i)` varies a value.
pub fn welfare_csv(rows: u32, status_of: impl Fn(u32) -> &'static str) -> String {
    let mut out = String::from(
        "ת.ז.,שם פרטי,שם משפחה,תאריך לידה,מין,סטטוס,קוד רחוב,מספר בית,דירה,טלפון 1,טלפון 2,טלפון 3,דואר אלקטרוני\n",
    );
    for i in 0..rows {
        out.push_str(&format!(
            "{},דנה,כהן,01/02/1980,נ,{},{},{},{},{},03-{:07},,d{i}@example.org\n",
            id(i),
            status_of(i),
            100 + i % 50,
            1 + i % 30,
            1 + i % 12,
            mobile(i),
            5_000_000 + i
        ));
    }
    out
}

/// A hamal CSV (merge on citizen_id + need_type).
pub fn hamal_csv(rows: &[(u32, &str, &str)]) -> String {
    let mut out = String::from("ת.ז.,שם מלא,סוג צורך,קוד רחוב,מספר בית,דירה,נפשות,טלפון,טלפון נוסף,עודכן\n");
    for (n, need, name) in rows {
        out.push_str(&format!("{},{name},{need},120,4,2,3,{},,2026-11-01 10:00\n", id(*n), mobile(*n)));
    }
    out
}

/// Where an opened file's events go in a test: a sink for `OpenedFiles::open`
/// or the session, and the receiver that reads them.
pub type EventSink = std::sync::Arc<dyn Fn(citizen_core::desktop::files::FileEvent) + Send + Sync>;

/// A sink that passes every event to the returned receiver.
pub fn file_events() -> (EventSink, std::sync::mpsc::Receiver<citizen_core::desktop::files::FileEvent>) {
    let (sender, receiver) = std::sync::mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let sink: EventSink = std::sync::Arc::new(move |event| {
        if let Ok(sender) = sender.lock() {
            let _ = sender.send(event);
        }
    });
    (sink, receiver)
}

/// The summary a validation ends with; panics when it fails or never ends.
pub fn final_summary(
    receiver: &std::sync::mpsc::Receiver<citizen_core::desktop::files::FileEvent>,
) -> citizen_core::desktop::files::FileSummary {
    use citizen_core::desktop::files::FileEvent;
    loop {
        match receiver.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(FileEvent::Done { summary, .. }) => return *summary,
            Ok(FileEvent::Failed { error, .. }) => panic!("validation failed: {error:?}"),
            Ok(_) => {}
            Err(e) => panic!("no final event: {e}"),
        }
    }
}
