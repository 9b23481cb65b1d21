//! What the CLI tests share: running the built `citizen-db` (from the
//! repository root, on an embedded cluster of the test's own when asked),
//! and that cluster, stopped and removed even when a test fails.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `citizen-db` with `args`, from the repository root.
pub fn citizen_db(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citizen-db"))
        .current_dir(repo())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run citizen-db: {e}"))
}

/// `citizen-db` on the embedded default in `data_dir` (no URL, user or
/// password from the environment), with `stdin` piped in.
pub fn citizen_db_on(data_dir: &Path, args: &[&str], stdin: &str) -> Output {
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

/// An embedded cluster directory of the test's own (`citizen-cli-<pid>-<name>`
/// under the temp dir), stopped and removed when dropped. Fails at once, with
/// what to do, when the PostgreSQL server programs are not installed: the
/// tests that need a cluster never pass without one.
pub struct Cluster(pub PathBuf);

impl Cluster {
    pub fn new(name: &str) -> Cluster {
        let installed = Command::new("sh")
            .arg("-c")
            .arg("ls /usr/lib/postgresql/*/bin/initdb")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(installed, "the PostgreSQL server programs are not installed: run `make setup`");
        let dir = std::env::temp_dir().join(format!("citizen-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Cluster(dir)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = citizen_db_on(&self.0, &["db", "stop"], "");
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
