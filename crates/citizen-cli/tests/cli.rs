//! The `citizen-db` binary end to end, offline: exit codes, JSON, reports,
//! contract checking and sample files.

mod common;

use common::{citizen_db, citizen_db_on, text, Cluster};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory, removed with its contents when dropped.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("citizen-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    TempDir(dir)
}

#[test]
fn samples_validate_to_exactly_their_deliberate_errors() {
    let dir = temp_dir("samples");
    for dataset in ["welfare_patients", "av_bait", "hamal", "breath_troubles", "meser", "hazramim"] {
        for format in ["csv", "csv-1255", "xlsx"] {
            let extension = if format == "xlsx" { "xlsx" } else { "csv" };
            let file = dir.join(format!("{dataset}-{format}.{extension}"));
            let file_text = file.to_string_lossy().into_owned();
            let made = citizen_db(&[
                "sample",
                "--dataset",
                dataset,
                "--rows",
                "500",
                "--errors",
                "2",
                "--format",
                format,
                "--out",
                &file_text,
            ]);
            assert!(made.status.success(), "{}", text(&made.stderr));
            let manifest: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap_or_else(|e| panic!("{e}"));
            let checked = citizen_db(&["validate", &file_text, "--dataset", dataset, "--json"]);
            assert_eq!(checked.status.code(), Some(1), "invalid data exits 1: {}", text(&checked.stderr));
            let report: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(report["summary"], manifest["expected"], "{dataset} {format}");
            assert_eq!(report["invalid_rows"], manifest["invalid_rows"], "{dataset} {format}");
            assert_eq!(report["status"], "invalid");
        }
    }
}

#[test]
fn a_clean_file_exits_zero_and_the_dataset_is_recognised() {
    let dir = temp_dir("clean");
    let file = dir.join("רווחה-2026-11.csv");
    let file_text = file.to_string_lossy().into_owned();
    let made =
        citizen_db(&["sample", "--dataset", "welfare_patients", "--rows", "50", "--errors", "0", "--out", &file_text]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let checked = citizen_db(&["validate", &file_text]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stdout));
    assert!(text(&checked.stdout).contains("welfare_patients: VALID"), "{}", text(&checked.stdout));
}

/// A reader that stops reading (`| head`) ends the process quietly: no
/// "failed printing to stdout" panic, whatever the command prints.
#[test]
fn a_reader_that_stops_reading_ends_it_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let dir = temp_dir("closed-pipe");
    let file = dir.join("welfare.csv").to_string_lossy().into_owned();
    let made =
        citizen_db(&["sample", "--dataset", "welfare_patients", "--rows", "20000", "--errors", "300", "--out", &file]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    for args in [vec!["validate", "--json", &file], vec!["validate", &file], vec!["profile", &file]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_citizen-db"))
            .current_dir(common::repo())
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run citizen-db: {e}"));
        let mut stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut first = [0u8; 16];
        stdout.read_exact(&mut first).unwrap_or_else(|e| panic!("{e}"));
        drop(stdout);
        let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        let stderr = text(&output.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("failed printing"), "{args:?}: {stderr}");
        let by_sigpipe = output.status.signal() == Some(13);
        assert!(by_sigpipe || output.status.code().is_some(), "{args:?}: {:?}", output.status);
    }
}

#[test]
fn reports_for_the_sender_are_written() {
    let dir = temp_dir("report");
    let file = dir.join("welfare.csv").to_string_lossy().into_owned();
    citizen_db(&["sample", "--dataset", "welfare_patients", "--rows", "100", "--errors", "1", "--out", &file]);
    for out in ["report.xlsx", "report.csv"] {
        let out = dir.join(out).to_string_lossy().into_owned();
        let run = citizen_db(&["validate", &file, "--dataset", "welfare_patients", "--report", &out]);
        assert_eq!(run.status.code(), Some(1));
        let bytes = std::fs::read(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
        assert!(bytes.len() > 100, "{out} is empty");
    }
    let bad = citizen_db(&["validate", &file, "--dataset", "welfare_patients", "--report", "x.pdf"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains(".xlsx or .csv"), "{}", text(&bad.stderr));
}

#[test]
fn unusable_unknown_and_several_files() {
    let dir = temp_dir("unusable");
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, b"").unwrap_or_else(|e| panic!("{e}"));
    let run = citizen_db(&["validate", &empty.to_string_lossy(), "--dataset", "hamal", "--json"]);
    assert_eq!(run.status.code(), Some(2), "unusable input exits 2");
    assert!(text(&run.stdout).contains("\"empty_file\""));
    let other = dir.join("other.csv");
    std::fs::write(&other, b"a,b\n1,2\n").unwrap_or_else(|e| panic!("{e}"));
    let run = citizen_db(&["validate", &other.to_string_lossy()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("candidates"), "{}", text(&run.stderr));
    let run =
        citizen_db(&["validate", &empty.to_string_lossy(), &other.to_string_lossy(), "--dataset", "hamal", "--json"]);
    let reports: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reports.as_array().map(Vec::len), Some(2), "an array for several files");
}

#[test]
fn contracts_are_checked_with_file_line_and_column() {
    let good = citizen_db(&["contracts", "check"]);
    assert!(good.status.success(), "{}", text(&good.stderr));
    let listed = citizen_db(&["contracts", "list"]);
    assert!(text(&listed.stdout).contains("hamal"));
    let dir = temp_dir("contracts");
    std::fs::write(
        dir.join("broken.yaml"),
        "dataset: Broken Name\ntitle: x\nperiod: monthly\ncolumns:\n  - name: a\n    type: txt\nstrategy: rebuild\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = citizen_db(&["--contracts", &dir.to_string_lossy(), "contracts", "check"]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("broken.yaml:6"), "{stderr}");
}

/// `citizen-db` with a clean login environment (no DATABASE_URL, no
/// CITIZEN_DB_USER/PASSWORD) and the embedded default in `data_dir`.

#[test]
fn nobody_acts_as_the_superuser_unless_asked() {
    let dir = std::env::temp_dir().join(format!("citizen-cli-{}-never-created", std::process::id()));
    let run = citizen_db_on(&dir, &["requests"], "");
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("--user NAME") && stderr.contains("--admin"), "{stderr}");
    let run = citizen_db_on(&dir, &["--user", "clerk", "versions"], "");
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("CITIZEN_DB_PASSWORD"), "{}", text(&run.stderr));
    let run = Command::new(env!("CARGO_BIN_EXE_citizen-db"))
        .env("DATABASE_URL", "postgres://clerk:clerk@127.0.0.1:9/none")
        .args(["--admin", "requests"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("--admin"), "{}", text(&run.stderr));
    assert!(!dir.exists(), "refused before any cluster was made");
}

#[test]
fn demo_logins_only_with_demo_and_the_superuser_needs_its_password() {
    let cluster = Cluster::new("db");
    let dir = cluster.0.clone();

    let started = citizen_db_on(&dir, &["db", "start"], "");
    assert!(started.status.success(), "{}", text(&started.stderr));
    assert!(text(&started.stdout).contains("no demo logins"), "{}", text(&started.stdout));
    let clerk = citizen_db_on(&dir, &["--user", "clerk", "--password", "clerk", "requests"], "");
    assert_eq!(clerk.status.code(), Some(2), "no demo login without --demo");
    assert!(text(&clerk.stderr).contains("sign-in as 'clerk' failed"), "{}", text(&clerk.stderr));

    let admin = citizen_db_on(&dir, &["--admin", "requests"], "");
    assert!(admin.status.success(), "{}", text(&admin.stderr));

    let started = citizen_db_on(&dir, &["db", "start", "--demo"], "");
    assert!(started.status.success(), "{}", text(&started.stderr));
    let stdout = text(&started.stdout);
    assert!(stdout.contains("clerk/clerk") && stdout.contains("admin/admin"), "{stdout}");
    for (login, password) in [("clerk", "clerk"), ("supervisor", "supervisor"), ("admin", "admin")] {
        let run = citizen_db_on(&dir, &["--user", login, "--password", password, "requests"], "");
        assert!(run.status.success(), "{login}: {}", text(&run.stderr));
    }
    // Without --demo, existing demo logins stay.
    let again = citizen_db_on(&dir, &["db", "start"], "");
    assert!(text(&again.stdout).contains("clerk/clerk"), "{}", text(&again.stdout));

    let wrong = citizen_db_on(&dir, &["--user", "postgres", "--password", "not-it", "requests"], "");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong.stderr).contains("sign-in as 'postgres' failed"), "{}", text(&wrong.stderr));
    let password = std::fs::read_to_string(dir.join("superuser-password")).unwrap_or_else(|e| panic!("{e}"));
    let right = citizen_db_on(&dir, &["--user", "postgres", "--password", password.trim(), "requests"], "");
    assert!(right.status.success(), "{}", text(&right.stderr));
}

#[test]
fn values_from_a_file_cannot_send_escape_sequences_to_the_terminal() {
    let dir = temp_dir("escapes");
    let file = dir.join("welfare \u{1b}[2J.csv");
    std::fs::write(&file, "ת.ז.,שם פרטי,שם משפחה,סטטוס\n\u{1b}]0;owned\u{7}12345678,דנה\u{1b}[31m,כהן,פעיל\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let file_text = file.to_string_lossy().into_owned();
    let output = citizen_db(&["validate", &file_text, "--dataset", "welfare_patients"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let printed = [output.stdout.as_slice(), output.stderr.as_slice()].concat();
    assert!(!printed.contains(&0x1b) && !printed.contains(&0x07), "raw control bytes printed: {}", text(&printed));
    assert!(text(&output.stdout).contains("\\u{1b}"), "shown escaped: {}", text(&output.stdout));
}
