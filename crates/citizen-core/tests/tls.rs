//! TLS to the server, against real PostgreSQL servers started by the test on
//! 127.0.0.1 (a free port each) with certificates the test makes with
//! `openssl`: a CA, a server certificate for `localhost`, one for another name
//! (`db.example.org`), and a second CA that signed neither. The servers accept
//! only `hostssl` connections (or, for the server without TLS, only `host`).
//! Each server runs as the `postgres` system user when the test runs as root
//! (PostgreSQL refuses root), dies with its guard or with this process (its
//! stdin closes), and its whole directory is removed. No network beyond
//! 127.0.0.1 is used.

use citizen_core::db::embedded::{find_pg_bin, running_as_root};
use citizen_core::db::{Database, DbTarget};
use citizen_core::desktop::session::DbSession;
use citizen_core::desktop::settings::{Settings, SslMode};
use citizen_core::error::{CoreError, ErrorCode};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const PASSWORD: &str = "tls-test-pw";

/// Which certificate a server presents, or none (`ssl = off`).
#[derive(Clone, Copy, PartialEq)]
enum ServerCert {
    Localhost,
    WrongName,
    NoTls,
}

/// A throwaway server and its certificates; stopped and removed on drop.
struct TlsServer {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

fn run(command: &mut Command, what: &str) {
    let output = command.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    run(Command::new("openssl").current_dir(dir).args(args), &format!("openssl {}", args.join(" ")));
}

/// A CA (`NAME.key`, `NAME.pem`).
fn make_ca(dir: &Path, name: &str) {
    let subject = format!("/CN=Citizen DB test {name}");
    let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
    openssl(
        dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", &subject, "-keyout", &key, "-out",
            &pem,
        ],
    );
}

/// A server certificate for `host` signed by the CA `ca` (`NAME.key`, `NAME.pem`).
fn make_server_cert(dir: &Path, name: &str, host: &str, ca: &str) {
    let (key, csr, pem) = (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"));
    let ext = format!("{name}.ext");
    std::fs::write(dir.join(&ext), format!("subjectAltName=DNS:{host}\nextendedKeyUsage=serverAuth\n")).expect("ext");
    let subject = format!("/CN={host}");
    openssl(dir, &["req", "-newkey", "rsa:2048", "-nodes", "-subj", &subject, "-keyout", &key, "-out", &csr]);
    let (ca_pem, ca_key) = (format!("{ca}.pem"), format!("{ca}.key"));
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_pem,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &pem,
            "-extfile",
            &ext,
        ],
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', r"'\''"))
}

impl TlsServer {
    fn start(cert: ServerCert) -> TlsServer {
        let bin = find_pg_bin().expect("PostgreSQL server programs (initdb, postgres)");
        let run_as = running_as_root().then_some("postgres");
        let dir = tempfile::Builder::new().prefix("citizen-tls-").tempdir_in("/tmp").expect("temp dir").keep();
        let mut server = TlsServer { dir: dir.clone(), port: free_port(), child: None };
        let as_server = |program: &Path| match run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(program);
                c
            }
            None => Command::new(program),
        };

        // Certificates: the server's key must be 0600 and owned by the server's user.
        make_ca(&dir, "ca");
        make_ca(&dir, "other-ca");
        make_server_cert(&dir, "localhost", "localhost", "ca");
        make_server_cert(&dir, "wrong-name", "db.example.org", "ca");
        std::fs::write(dir.join("pwfile"), PASSWORD).expect("password file");
        for key in ["localhost.key", "wrong-name.key"] {
            run(Command::new("chmod").arg("0600").arg(dir.join(key)), "chmod");
        }
        run(Command::new("chmod").arg("0755").arg(&dir), "chmod");
        if let Some(user) = run_as {
            run(Command::new("chown").arg("-R").arg(format!("{user}:")).arg(&dir), "chown");
        }

        let data = dir.join("data");
        run(
            as_server(&bin.join("initdb"))
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"])
                .arg(format!("--pwfile={}", dir.join("pwfile").display())),
            "initdb",
        );
        // Only encrypted TCP connections (or only plain ones, for the server without TLS).
        let tcp = if cert == ServerCert::NoTls { "host" } else { "hostssl" };
        std::fs::write(
            data.join("pg_hba.conf"),
            format!("local all all scram-sha-256\n{tcp} all all 127.0.0.1/32 scram-sha-256\n"),
        )
        .expect("pg_hba.conf");

        let mut options = format!(
            "-k {dir} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40",
            dir = shell_quote(&dir),
            port = server.port
        );
        let name = match cert {
            ServerCert::Localhost => Some("localhost"),
            ServerCert::WrongName => Some("wrong-name"),
            ServerCert::NoTls => None,
        };
        match name {
            Some(name) => options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                shell_quote(&dir.join(format!("{name}.pem"))),
                shell_quote(&dir.join(format!("{name}.key")))
            )),
            None => options.push_str(" -c ssl=off"),
        }
        // The server stops when our end of its stdin closes (guard dropped, or
        // this process gone).
        let script = format!(
            "{postgres} -D {data} {options} >{log} 2>&1 & pid=$!; read _ignored; kill -INT $pid; wait $pid",
            postgres = shell_quote(&bin.join("postgres")),
            data = shell_quote(&data),
            log = shell_quote(&dir.join("server.log")),
        );
        let child = match run_as {
            Some(user) => {
                Command::new("runuser").args(["-u", user, "--", "sh", "-c", &script]).stdin(Stdio::piped()).spawn()
            }
            None => Command::new("sh").args(["-c", &script]).stdin(Stdio::piped()).spawn(),
        };
        server.child = Some(child.expect("start postgres"));
        let pid_file = data.join("postmaster.pid");
        for _ in 0..1500 {
            let ready = std::fs::read_to_string(&pid_file)
                .map(|text| text.lines().nth(7).is_some_and(|status| status.trim() == "ready"))
                .unwrap_or(false);
            if ready {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        panic!("the TLS test server did not start within 30 s:\n{log}");
    }

    fn file(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// A server URL as the superuser, to `host` with `query` (sslmode=...).
    fn url(&self, host: &str, query: &str) -> String {
        format!("postgres://postgres:{PASSWORD}@{host}:{}/postgres?{query}", self.port)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn connect(url: &str) -> Result<Database, CoreError> {
    Database::connect(&DbTarget::Url(url.to_owned())).await
}

/// Whether the connection is encrypted, as the server sees it.
async fn encrypted(database: &Database) -> bool {
    sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&database.pool)
        .await
        .expect("pg_stat_ssl")
}

fn refused(result: Result<Database, CoreError>, what: &str) -> CoreError {
    match result {
        Ok(_) => panic!("{what}: connected, but should have been refused"),
        Err(error) => error,
    }
}

#[tokio::test]
async fn verify_full_connects_to_the_right_name_and_refuses_the_rest() {
    let server = TlsServer::start(ServerCert::Localhost);
    let ca = server.file("ca.pem");

    // The right name, the right CA: connected, encrypted.
    let database = connect(&server.url("localhost", &format!("sslmode=verify-full&sslrootcert={ca}")))
        .await
        .expect("verify-full to localhost with the CA");
    assert!(encrypted(&database).await);
    database.pool.close().await;

    // The certificate names localhost, not 127.0.0.1.
    let error = refused(
        connect(&server.url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}"))).await,
        "verify-full to 127.0.0.1",
    );
    assert_eq!(error.code(), ErrorCode::TlsNameMismatch, "{error}");
    assert!(error.to_string().contains("the server's certificate is for localhost, not 127.0.0.1"), "{error}");

    // Another CA's file: the certificate is not signed by it.
    let other = server.file("other-ca.pem");
    let error = refused(
        connect(&server.url("localhost", &format!("sslmode=verify-full&sslrootcert={other}"))).await,
        "verify-full with another CA",
    );
    assert_eq!(error.code(), ErrorCode::TlsUntrusted, "{error}");
    assert!(error.to_string().contains(&format!("is not signed by the CA in {other}")), "{error}");

    // No CA file: the system's CAs do not know the test CA.
    let error = refused(connect(&server.url("localhost", "sslmode=verify-full")).await, "verify-full, no CA file");
    assert_eq!(error.code(), ErrorCode::TlsUntrustedSystem, "{error}");
    assert!(error.to_string().contains("not signed by a certificate authority this computer trusts"), "{error}");

    // A CA file that is missing, or holds no certificate.
    let missing = server.file("no-such-ca.pem");
    let error = refused(
        connect(&server.url("localhost", &format!("sslmode=verify-full&sslrootcert={missing}"))).await,
        "a missing CA file",
    );
    assert_eq!(error.code(), ErrorCode::TlsCaFile, "{error}");
    assert!(error.to_string().contains(&format!("cannot use the CA file {missing}")), "{error}");
    let not_a_cert = server.file("pwfile");
    let error = refused(
        connect(&server.url("localhost", &format!("sslmode=verify-full&sslrootcert={not_a_cert}"))).await,
        "a CA file without a certificate",
    );
    assert_eq!(error.code(), ErrorCode::TlsCaFile, "{error}");

    // verify-ca checks the CA but not the name.
    let database = connect(&server.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}")))
        .await
        .expect("verify-ca to 127.0.0.1");
    assert!(encrypted(&database).await);
    database.pool.close().await;
    let error = refused(
        connect(&server.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={other}"))).await,
        "verify-ca with another CA",
    );
    assert_eq!(error.code(), ErrorCode::TlsUntrusted, "{error}");

    // require and prefer encrypt without checking anything.
    for query in [format!("sslmode=require&sslrootcert={other}"), "sslmode=prefer".to_owned(), String::new()] {
        let database = connect(&server.url("127.0.0.1", &query)).await.unwrap_or_else(|e| panic!("{query}: {e}"));
        assert!(encrypted(&database).await, "{query}");
        database.pool.close().await;
    }

    // disable: the server accepts only encrypted connections.
    let error = refused(connect(&server.url("localhost", "sslmode=disable")).await, "disable");
    assert_eq!(error.code(), ErrorCode::TlsRequired, "{error}");
    assert!(error.to_string().contains("the server localhost accepts only encrypted connections"), "{error}");
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused_by_verify_full_only() {
    let server = TlsServer::start(ServerCert::WrongName);
    let ca = server.file("ca.pem");
    let error = refused(
        connect(&server.url("localhost", &format!("sslmode=verify-full&sslrootcert={ca}"))).await,
        "verify-full to a certificate for db.example.org",
    );
    assert_eq!(error.code(), ErrorCode::TlsNameMismatch, "{error}");
    assert!(error.to_string().contains("the server's certificate is for db.example.org, not localhost"), "{error}");
    let payload = citizen_core::ErrorPayload::from(&error);
    assert_eq!(payload.params.get("names").and_then(|v| v.as_str()), Some("db.example.org"));
    assert_eq!(payload.params.get("host").and_then(|v| v.as_str()), Some("localhost"));

    for mode in ["verify-ca", "require"] {
        let url = server.url("localhost", &format!("sslmode={mode}&sslrootcert={ca}"));
        let database = connect(&url).await.unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert!(encrypted(&database).await, "{mode}");
        database.pool.close().await;
    }
}

#[tokio::test]
async fn a_server_without_tls_is_refused_when_the_mode_requires_it() {
    let server = TlsServer::start(ServerCert::NoTls);
    let ca = server.file("ca.pem");
    for mode in ["verify-full", "verify-ca", "require"] {
        let error = refused(
            connect(&server.url("localhost", &format!("sslmode={mode}&sslrootcert={ca}"))).await,
            &format!("{mode} to a server without TLS"),
        );
        assert_eq!(error.code(), ErrorCode::TlsNotOffered, "{mode}: {error}");
        assert!(error.to_string().contains("the server localhost does not accept encrypted connections"), "{error}");
    }
    for mode in ["prefer", "disable"] {
        let database = connect(&server.url("localhost", &format!("sslmode={mode}")))
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert!(!encrypted(&database).await, "{mode}");
        database.pool.close().await;
    }
}

/// The app's path: the TLS mode and CA file of the settings go into the
/// connection; a wrong CA file is reported as such in the status.
#[tokio::test]
async fn the_apps_settings_choose_the_mode_and_the_ca_file() {
    let server = TlsServer::start(ServerCert::Localhost);
    let settings = |mode: SslMode, ca: &str| Settings {
        // The URL says disable: the settings win.
        database_url: Some(format!("postgres://localhost:{}/postgres?sslmode=disable", server.port)),
        ssl_mode: Some(mode),
        ca_file: Some(server.file(ca)),
        user: Some("postgres".to_owned()),
        ..Settings::default()
    };

    let session = DbSession::default();
    let status = session.sign_in(&settings(SslMode::VerifyFull, "ca.pem"), PASSWORD).await.expect("signed in");
    assert!(status.connected, "{:?}", status.message);
    assert_eq!(status.user.as_deref(), Some("postgres"));
    let database = session.database(&settings(SslMode::VerifyFull, "ca.pem")).await.expect("database");
    assert!(encrypted(&database).await);
    session.sign_out(None).await;

    let wrong = settings(SslMode::VerifyFull, "other-ca.pem");
    let error = session.sign_in(&wrong, PASSWORD).await.expect_err("another CA");
    assert_eq!(error.code(), ErrorCode::TlsUntrusted, "{error}");
    let status = session.status(&wrong).await;
    assert!(!status.connected);
    let message = status.message.unwrap_or_default();
    assert!(message.contains("is not signed by the CA in") && message.contains("other-ca.pem"), "{message}");
    session.sign_out(None).await;

    let status = session.sign_in(&settings(SslMode::Require, "other-ca.pem"), PASSWORD).await.expect("require");
    assert!(status.connected, "{:?}", status.message);
    session.sign_out(None).await;
}
