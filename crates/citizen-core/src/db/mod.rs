//! The database side: which server to use (`DATABASE_URL` or the embedded
//! default), connecting with retries and migrations. Applying contracts is
//! an operation above this (`crate::ops::apply`).

pub mod embedded;

use crate::error::CoreError;
use crate::error::TlsProblem;
use crate::sql::quote_ident;
use embedded::Cluster;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{AssertSqlSafe, Connection, PgPool};
use std::future::Future;
use std::time::Duration;

/// The migrations of `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Which server and login to use.
#[derive(Debug, Clone)]
pub enum DbTarget {
    /// A server named by URL (`DATABASE_URL`), as the login the URL names.
    Url(String),
    /// The embedded default as a login and its password; `None` user means
    /// nobody signed in, which is refused (nobody acts as the superuser unasked).
    Embedded { user: Option<String>, password: Option<String> },
    /// The embedded default as its superuser, with the password file
    /// (`citizen-db --admin`).
    EmbeddedAdmin,
}

impl DbTarget {
    /// `DATABASE_URL` when set, else the embedded default with the given login.
    pub fn from_env(user: Option<String>, password: Option<String>) -> DbTarget {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => DbTarget::Url(url),
            _ => DbTarget::Embedded { user, password },
        }
    }
}

/// A connection pool acting as one database login.
#[derive(Debug, Clone)]
pub struct Database {
    pub pool: PgPool,
    /// The login name (what `session_user` is in the database).
    pub user: String,
}

/// The TLS modes a server URL may name (`sslmode=`), as libpq spells them.
pub const SSL_MODES: [&str; 5] = ["disable", "prefer", "require", "verify-ca", "verify-full"];

/// The query parameters naming the TLS mode and the CA file, in every
/// spelling sqlx reads (`sslmode`/`ssl-mode`, `sslrootcert`/`ssl-root-cert`/`ssl-ca`).
pub const SSL_MODE_KEYS: [&str; 2] = ["sslmode", "ssl-mode"];
pub const SSL_ROOT_CERT_KEYS: [&str; 3] = ["sslrootcert", "ssl-root-cert", "ssl-ca"];

/// `url` with its TLS mode and CA file set: each one given replaces any the
/// URL names (`None` keeps what the URL says; sqlx's default mode is `prefer`).
pub fn url_with_tls(url: &str, ssl_mode: Option<&str>, ca_file: Option<&str>) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let key = percent_decode(pair.split_once('=').map_or(*pair, |(key, _)| key), true);
            !(ssl_mode.is_some() && SSL_MODE_KEYS.contains(&key.as_str())
                || ca_file.is_some() && SSL_ROOT_CERT_KEYS.contains(&key.as_str()))
        })
        .map(str::to_owned)
        .collect();
    if let Some(mode) = ssl_mode {
        pairs.push(format!("sslmode={}", percent_encode(mode)));
    }
    if let Some(file) = ca_file {
        pairs.push(format!("sslrootcert={}", percent_encode(file)));
    }
    if pairs.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", pairs.join("&"))
    }
}

/// The (decoded) value of the first query parameter of `url` named one of `keys`.
pub fn query_param(url: &str, keys: &[&str]) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        keys.contains(&percent_decode(key, true).as_str()).then(|| percent_decode(value, true))
    })
}

/// Percent-encodes all but unreserved characters and `/` (a path stays readable).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes a URL component: `%XX` escapes, and `+` as a space when
/// `plus_is_space` (query components, form encoding, as sqlx reads them; not
/// the user and password).
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks the CA file a verifying mode will use: readable, and holding at
/// least one PEM certificate (sqlx would otherwise fall back silently to the
/// system's CAs, or fail with a bare "No such file").
fn check_ca_file(host: &str, file: &str) -> Result<(), CoreError> {
    let problem = |detail: String| CoreError::Tls {
        problem: TlsProblem::CaFile,
        host: host.to_owned(),
        ca_file: Some(file.to_owned()),
        names: Vec::new(),
        detail,
    };
    let text = std::fs::read(file).map_err(|e| problem(e.to_string()))?;
    if !String::from_utf8_lossy(&text).contains("-----BEGIN CERTIFICATE-----") {
        return Err(problem("the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned()));
    }
    Ok(())
}

/// Runs `operation` again with backoff (0.2 s, 0.4 s, 0.8 s, 1.6 s) while it
/// fails with a transient connection error; data errors return at once.
pub async fn with_retry<T, F, Fut>(mut operation: F) -> Result<T, CoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CoreError>>,
{
    let mut delay = Duration::from_millis(200);
    let mut attempt = 0;
    loop {
        match operation().await {
            Err(error) if error.is_transient() && attempt < 4 => {
                attempt += 1;
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            other => return other,
        }
    }
}

/// A pool for `options`; a refused login or password is `SignInFailed`, a
/// failed encrypted connection `Tls` (naming `ca_file`, the CA file in use).
async fn pool_for(options: PgConnectOptions, ca_file: Option<&str>) -> Result<PgPool, CoreError> {
    let user = options.get_username().to_owned();
    let host = options.get_host().to_owned();
    let pool = with_retry(|| {
        let options = options.clone();
        let host = host.clone();
        async move {
            PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| CoreError::tls(&e, &host, ca_file).unwrap_or_else(|| CoreError::db("connecting", e)))
        }
    })
    .await;
    pool.map_err(|error| match error {
        CoreError::Database { sqlstate: Some(code), message, .. } if code.starts_with("28") => {
            CoreError::SignInFailed { user, message }
        }
        other => other,
    })
}

impl Database {
    /// Connects to the target. On the embedded default the server is started
    /// when needed, and the database, migrations and demo logins are ensured.
    pub async fn connect(target: &DbTarget) -> Result<Database, CoreError> {
        match target {
            DbTarget::Url(url) => {
                let options: PgConnectOptions = url
                    .parse()
                    .map_err(|e: sqlx::Error| CoreError::Unreachable { message: format!("bad DATABASE_URL: {e}") })?;
                let user = options.get_username().to_owned();
                let ca_file = query_param(url, &SSL_ROOT_CERT_KEYS);
                let verifies = matches!(options.get_ssl_mode(), PgSslMode::VerifyCa | PgSslMode::VerifyFull);
                if let (true, Some(file)) = (verifies, ca_file.as_deref()) {
                    check_ca_file(options.get_host(), file)?;
                }
                let pool = pool_for(options, ca_file.as_deref()).await?;
                let database = Database { pool, user };
                if let Err(error) = database.migrate().await {
                    // A login without DDL rights (a clerk, a supervisor) works on a
                    // database an administrator has already migrated.
                    if !database.schema_ready().await {
                        return Err(error);
                    }
                }
                Ok(database)
            }
            DbTarget::Embedded { user: None, .. } => Err(CoreError::SignInRequired {
                message: "sign in with a login and its password (or, as the administrator of the embedded \
                          default, use citizen-db --admin)"
                    .to_owned(),
            }),
            DbTarget::Embedded { user: Some(user), password } => {
                let Some(password) = password else {
                    return Err(CoreError::SignInRequired { message: format!("no password given for '{user}'") });
                };
                let cluster = Cluster::default_location()?;
                cluster.start()?;
                Database::connect_cluster(&cluster, embedded::DATABASE, Some((user, password))).await
            }
            DbTarget::EmbeddedAdmin => {
                let cluster = Cluster::default_location()?;
                cluster.start()?;
                Database::connect_cluster(&cluster, embedded::DATABASE, None).await
            }
        }
    }

    /// Connects to `database` on a cluster we run: the program prepares it as
    /// the superuser (creates the database, runs migrations), then returns the
    /// login asked for: `Some((user, password))` signs in with that password
    /// (also for `postgres`: a wrong one is refused), `None` is the superuser
    /// through the password file (the administrator, asked for explicitly).
    pub async fn connect_cluster(
        cluster: &Cluster,
        database: &str,
        login: Option<(&str, &str)>,
    ) -> Result<Database, CoreError> {
        let superuser_password = cluster.superuser_password()?;
        let admin_options = |db: &str| {
            PgConnectOptions::new()
                .host(&cluster.socket_dir().to_string_lossy())
                .port(embedded::PORT)
                .username(embedded::SUPERUSER)
                .password(&superuser_password)
                .database(db)
        };
        let maintenance = pool_for(admin_options("postgres"), None).await?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(database)
            .fetch_one(&maintenance)
            .await
            .map_err(|e| CoreError::db("looking up the database", e))?;
        if !exists {
            let created = sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {}", quote_ident(database))))
                .execute(&maintenance)
                .await;
            if let Err(error) = created {
                let duplicate = matches!(&error, sqlx::Error::Database(d) if d.code().as_deref() == Some("42P04"));
                if !duplicate {
                    return Err(CoreError::db("creating the database", error));
                }
            }
        }
        maintenance.close().await;
        let admin =
            Database { pool: pool_for(admin_options(database), None).await?, user: embedded::SUPERUSER.to_owned() };
        admin.migrate().await?;
        match login {
            None => Ok(admin),
            Some((user, password)) => {
                admin.pool.close().await;
                let options = PgConnectOptions::new()
                    .host(&cluster.socket_dir().to_string_lossy())
                    .port(embedded::PORT)
                    .username(user)
                    .password(password)
                    .database(database);
                Ok(Database { pool: pool_for(options, None).await?, user: user.to_owned() })
            }
        }
    }

    /// Applies pending migrations (idempotent; sqlx holds an advisory lock).
    ///
    /// They run on a connection of their own, closed when they fail: sqlx
    /// takes a session-level advisory lock and does not release it when a
    /// step fails, as it always does for a login without DDL rights (a clerk,
    /// a supervisor: `CREATE TABLE IF NOT EXISTS _sqlx_migrations` is refused
    /// in `public`). Returned to the pool, that connection kept the lock for
    /// as long as the desktop or command ran, and every other desktop's
    /// sign-in waited for it (issue 14, found by tests/concurrency.rs).
    pub async fn migrate(&self) -> Result<(), CoreError> {
        let mut connection =
            self.pool.acquire().await.map_err(|e| CoreError::db("connecting to apply migrations", e))?;
        // run_direct on the connection itself: `run` over `&mut PgConnection`
        // (an `Acquire`) makes every future that migrates not `Send`.
        let outcome = MIGRATOR.run_direct(None, &mut *connection, false).await;
        if outcome.is_err() {
            let _ = connection.detach().close().await;
        }
        outcome.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => CoreError::db("applying migrations", inner),
            other => CoreError::Database {
                context: "applying migrations".to_owned(),
                sqlstate: None,
                message: other.to_string(),
            },
        })
    }

    /// Whether the schema of the latest migration is in place (its tables and
    /// the approval function), as any login can see it.
    pub async fn schema_ready(&self) -> bool {
        sqlx::query_scalar::<_, bool>(
            "SELECT to_regclass('meta.load_request') IS NOT NULL
                AND EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                            WHERE n.nspname = 'meta' AND p.proname = 'approve_request')",
        )
        .fetch_one(&self.pool)
        .await
        .unwrap_or(false)
    }

    /// Creates the demo logins (`embedded::DEMO_LOGINS`, password = login)
    /// when missing, and marks each with `embedded::DEMO_COMMENT`. Only on
    /// request: `citizen-db db start --demo`, and the tests.
    pub async fn ensure_demo_logins(&self) -> Result<(), CoreError> {
        for (login, password, role) in embedded::DEMO_LOGINS {
            let statement = format!(
                "DO $$ BEGIN
                   CREATE ROLE {login} LOGIN PASSWORD '{password}' IN ROLE {role};
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            );
            sqlx::query(AssertSqlSafe(statement))
                .execute(&self.pool)
                .await
                .map_err(|e| CoreError::db("creating demo logins", e))?;
            let comment = format!("COMMENT ON ROLE {login} IS '{}'", embedded::DEMO_COMMENT);
            sqlx::query(AssertSqlSafe(comment))
                .execute(&self.pool)
                .await
                .map_err(|e| CoreError::db("marking demo logins", e))?;
        }
        Ok(())
    }

    /// The demo logins that exist and can log in (marked with
    /// `embedded::DEMO_COMMENT`), by name; any login may ask.
    pub async fn demo_logins(&self) -> Result<Vec<String>, CoreError> {
        sqlx::query_scalar(
            "SELECT rolname::text FROM pg_roles
             WHERE rolcanlogin AND shobj_description(oid, 'pg_authid') = $1 ORDER BY 1",
        )
        .bind(embedded::DEMO_COMMENT)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| CoreError::db("looking for demo logins", e))
    }

    /// Whether any demo login exists (false when that cannot be read).
    pub async fn demo_logins_present(&self) -> bool {
        self.demo_logins().await.is_ok_and(|logins| !logins.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::{query_param, url_with_tls, SSL_ROOT_CERT_KEYS};
    use sqlx::postgres::{PgConnectOptions, PgSslMode};

    #[test]
    fn the_tls_mode_and_ca_file_replace_the_urls_own() {
        let url = "postgres://dana@db.example:5432/citizen?sslmode=require&application_name=x&ssl-ca=/old.pem";
        let set = url_with_tls(url, Some("verify-full"), Some("/etc/ca dir/ca+1.pem"));
        assert_eq!(
            set,
            "postgres://dana@db.example:5432/citizen?application_name=x&sslmode=verify-full\
             &sslrootcert=/etc/ca%20dir/ca%2B1.pem"
        );
        assert_eq!(query_param(&set, &SSL_ROOT_CERT_KEYS).as_deref(), Some("/etc/ca dir/ca+1.pem"));
        // sqlx reads them back the same.
        let options: PgConnectOptions = set.parse().expect("parses");
        assert!(matches!(options.get_ssl_mode(), PgSslMode::VerifyFull));
        assert_eq!(options.get_host(), "db.example");
        // Nothing given keeps the URL as it is.
        assert_eq!(url_with_tls(url, None, None), url);
        assert_eq!(url_with_tls("postgres://h/db", Some("disable"), None), "postgres://h/db?sslmode=disable");
    }

    #[test]
    fn every_libpq_mode_is_read_from_the_url() {
        let expected =
            [PgSslMode::Disable, PgSslMode::Prefer, PgSslMode::Require, PgSslMode::VerifyCa, PgSslMode::VerifyFull];
        for (mode, expected) in super::SSL_MODES.iter().zip(expected) {
            let options: PgConnectOptions = format!("postgres://h/db?sslmode={mode}").parse().expect("parses");
            assert_eq!(format!("{:?}", options.get_ssl_mode()), format!("{expected:?}"), "{mode}");
        }
    }
}
