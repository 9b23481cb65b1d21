//! `citizen-db users ...` end to end on an embedded cluster of the test's own:
//! an administrator adds a login (password from stdin, never an argument),
//! the login signs in, the password is changed (the old one then fails), the
//! login is disabled; other roles are refused with exit 1; `list --json`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `citizen-db` on the embedded default in `data_dir`, with `stdin` piped in.
fn citizen_db(data_dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_citizen-db"))
        .current_dir(repo())
        .env("CITIZEN_DB_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("CITIZEN_DB_USER")
        .env_remove("CITIZEN_DB_PASSWORD")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run citizen-db: {e}"));
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

/// Stops the test's embedded cluster and removes its directory, even when the test fails.
struct Cluster(PathBuf);

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = citizen_db(&self.0, &["db", "stop"], "");
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn an_administrator_manages_logins_from_the_command_line() {
    if Command::new("sh")
        .arg("-c")
        .arg("ls /usr/lib/postgresql/*/bin/initdb")
        .output()
        .map_or(true, |o| !o.status.success())
    {
        eprintln!("skipped: no PostgreSQL server programs");
        return;
    }
    let cluster = Cluster(std::env::temp_dir().join(format!("citizen-cli-{}-users", std::process::id())));
    let _ = std::fs::remove_dir_all(&cluster.0);
    let dir = cluster.0.clone();
    let started = citizen_db(&dir, &["db", "start", "--demo"], "");
    assert!(started.status.success(), "{}", text(&started.stderr));
    let admin = ["--user", "admin", "--password", "admin"];
    let as_admin = |args: &[&str], stdin: &str| {
        let all: Vec<&str> = admin.iter().chain(args.iter()).copied().collect();
        citizen_db(&dir, &all, stdin)
    };
    let signs_in = |login: &str, password: &str| {
        citizen_db(&dir, &["--user", login, "--password", password, "requests"], "").status.success()
    };

    let added = as_admin(&["users", "add", "dana", "--role", "clerk"], "first pass 1\nfirst pass 1\n");
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(signs_in("dana", "first pass 1"));

    let listed = as_admin(&["users", "list", "--json"], "");
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let logins: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap_or_else(|e| panic!("{e}"));
    let dana = logins
        .as_array()
        .and_then(|all| all.iter().find(|l| l["login"] == "dana"))
        .unwrap_or_else(|| panic!("dana not listed: {logins}"));
    assert_eq!(dana["roles"], serde_json::json!(["clerk"]));
    assert_eq!(dana["canLogin"], true);

    // Two different lines: refused as unusable input, nothing changed.
    let differ = as_admin(&["users", "password", "dana"], "second pass 2\nsecond pass 3\n");
    assert_eq!(differ.status.code(), Some(2), "{}", text(&differ.stderr));
    assert!(signs_in("dana", "first pass 1"));
    let changed = as_admin(&["users", "password", "dana"], "second pass 2\n");
    assert!(changed.status.success(), "{}", text(&changed.stderr));
    assert!(signs_in("dana", "second pass 2"));
    assert!(!signs_in("dana", "first pass 1"), "the old password no longer works");

    // Another role is refused by the database (exit 1).
    let by_clerk = citizen_db(&dir, &["--user", "clerk", "--password", "clerk", "users", "disable", "dana"], "");
    assert_eq!(by_clerk.status.code(), Some(1), "{}", text(&by_clerk.stderr));
    let self_disable = as_admin(&["users", "disable", "admin"], "");
    assert_eq!(self_disable.status.code(), Some(1), "{}", text(&self_disable.stderr));

    let role = as_admin(&["users", "role", "dana", "--role", "supervisor"], "");
    assert!(role.status.success(), "{}", text(&role.stderr));
    let disabled = as_admin(&["users", "disable", "dana"], "");
    assert!(disabled.status.success(), "{}", text(&disabled.stderr));
    assert!(!signs_in("dana", "second pass 2"), "a disabled login cannot sign in");
    let listed = text(&as_admin(&["users", "list"], "").stdout);
    assert!(
        listed.lines().any(|l| l.starts_with("dana") && l.contains("supervisor") && l.contains("disabled")),
        "{listed}"
    );
    // The password never appears in what the program prints.
    for output in [&added, &changed, &differ] {
        let printed = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(!printed.contains("first pass") && !printed.contains("second pass"), "echoed a password: {printed}");
    }
}
