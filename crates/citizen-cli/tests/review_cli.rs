//! `--map` on the command line (issue 15): a renamed header mapped to its
//! column for `validate` (offline) and `submit`, remembered with `--remember`
//! for the next file of the dataset, and refused when it names no column.

#[path = "../../citizen-core/tests/support/mod.rs"]
mod support;

mod common;

use common::text;
use std::process::{Command, Output};
use support::{welfare_csv, TestDb};

/// `citizen-db` as `login` on the test's database.
fn run_as(db: &TestDb, login: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citizen-db"))
        .current_dir(common::repo())
        .env("DATABASE_URL", db.url(login))
        .env_remove("CITIZEN_DB_USER")
        .env_remove("CITIZEN_DB_PASSWORD")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run citizen-db: {e}"))
}

/// A welfare file with "שם פרטי" written "שם ראשון" and an extra "הערות" column.
fn renamed(rows: u32) -> String {
    let mut out = String::new();
    for (n, line) in welfare_csv(rows, |_| "פעיל").lines().enumerate() {
        let line = if n == 0 { line.replacen("שם פרטי", "שם ראשון", 1) } else { line.to_owned() };
        out.push_str(&line);
        out.push_str(if n == 0 { ",הערות\n" } else { ",note\n" });
    }
    out
}

#[test]
fn validate_maps_a_renamed_header_and_ignores_another() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("welfare_renamed.csv");
    std::fs::write(&file, renamed(3)).unwrap_or_else(|e| panic!("{e}"));
    let file = file.to_string_lossy().into_owned();

    let plain = common::citizen_db(&["validate", &file, "--json"]);
    assert_eq!(plain.status.code(), Some(1), "first_name is missing: {}", text(&plain.stdout));

    let mapped = common::citizen_db(&["validate", &file, "--json", "--map", "שם ראשון=first_name", "--map", "הערות="]);
    assert_eq!(mapped.status.code(), Some(0), "{}{}", text(&mapped.stdout), text(&mapped.stderr));
    let report: serde_json::Value = serde_json::from_slice(&mapped.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["status"], "valid");
    assert_eq!(report["warnings"], 0, "the ignored header is no unknown_column warning: {report}");

    let human = common::citizen_db(&["validate", &file, "--map", "שם ראשון=first_name"]);
    assert!(text(&human.stdout).contains("mapped: 'שם ראשון' -> first_name"), "{}", text(&human.stdout));

    let unknown = common::citizen_db(&["validate", &file, "--map", "שם ראשון=no_such_column"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("'no_such_column' is not a column of dataset welfare_patients"));
    let malformed = common::citizen_db(&["validate", &file, "--map", "שם ראשון"]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(text(&malformed.stderr).contains("HEADER=column"), "{}", text(&malformed.stderr));
}

#[tokio::test]
async fn submit_with_remember_serves_the_next_file_of_the_dataset() {
    let db = TestDb::new().await;
    let first = db.write("welfare_a.csv", &renamed(3));
    let second = db.write("welfare_b.csv", &renamed(4));
    let first = first.to_string_lossy().into_owned();
    let second = second.to_string_lossy().into_owned();
    let submit = |file: &str, period: &str, extra: &[&str]| {
        let mut args = vec!["submit", file, "--dataset", "welfare_patients", "--period", period];
        args.extend_from_slice(extra);
        run_as(&db, "clerk", &args)
    };

    let refused = submit(&second, "2026-09", &[]);
    assert_eq!(refused.status.code(), Some(1), "nothing remembered yet: {}", text(&refused.stdout));

    let mapped = submit(&first, "2026-10", &["--map", "שם ראשון=first_name", "--map", "הערות=", "--remember"]);
    assert!(mapped.status.success(), "{}{}", text(&mapped.stdout), text(&mapped.stderr));
    assert!(text(&mapped.stdout).contains("(remembered)"), "{}", text(&mapped.stdout));
    let aliases = db.scalar_i64("SELECT count(*) FROM meta.column_alias WHERE created_by = 'clerk'").await;
    assert_eq!(aliases, 2);

    let later = submit(&second, "2026-11", &[]);
    assert!(later.status.success(), "the remembered mappings apply: {}{}", text(&later.stdout), text(&later.stderr));
    let recorded = db
        .scalar_i64(
            "SELECT count(*) FROM meta.request_mapping m JOIN meta.load_request r USING (request_id)
             WHERE r.period = '2026-11' AND m.remembered",
        )
        .await;
    assert_eq!(recorded, 2, "the request records the mappings it used");
}

/// Seven of welfare's thirteen headers as another system writes them, and
/// their columns: without the mappings the file names six (under half).
const SEVEN: [(&str, &str, &str); 7] = [
    ("שם פרטי", "שם ראשון", "first_name"),
    ("שם משפחה", "שם אחרון", "last_name"),
    ("תאריך לידה", "ת. לידה", "birth_date"),
    ("מין", "מגדר", "gender"),
    ("סטטוס", "מצב", "welfare_status"),
    ("קוד רחוב", "רחוב", "street_code"),
    ("מספר בית", "מס' בית", "building_number"),
];

fn seven_renamed(rows: u32) -> String {
    let content = welfare_csv(rows, |_| "פעיל");
    let (header, body) = content.split_once('\n').unwrap_or_else(|| panic!("no header line"));
    let header: Vec<&str> =
        header.split(',').map(|h| SEVEN.iter().find(|(from, _, _)| *from == h).map_or(h, |(_, to, _)| *to)).collect();
    format!("{}\n{body}", header.join(","))
}

#[tokio::test]
async fn submit_without_dataset_recognises_a_renamed_export_by_its_remembered_mappings() {
    let db = TestDb::new().await;
    // Named as no contract's file_name: only the headers can tell.
    let first = db.write("export_a.csv", &seven_renamed(3)).to_string_lossy().into_owned();
    let later = db.write("export_b.csv", &seven_renamed(4)).to_string_lossy().into_owned();

    let unknown = run_as(&db, "clerk", &["submit", &later, "--period", "2026-09"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown.stdout));
    assert!(text(&unknown.stderr).contains("cannot tell which dataset"), "{}", text(&unknown.stderr));

    let maps: Vec<String> = SEVEN.iter().map(|(_, header, column)| format!("{header}={column}")).collect();
    let mut args = vec!["submit", first.as_str(), "--dataset", "welfare_patients", "--period", "2026-10"];
    for map in &maps {
        args.extend(["--map", map.as_str()]);
    }
    args.push("--remember");
    let remembered = run_as(&db, "clerk", &args);
    assert!(remembered.status.success(), "{}{}", text(&remembered.stdout), text(&remembered.stderr));

    let recognised = run_as(&db, "clerk", &["submit", &later, "--period", "2026-11"]);
    let out = text(&recognised.stdout);
    assert!(recognised.status.success(), "{out}{}", text(&recognised.stderr));
    assert!(out.contains("rows staged for welfare_patients 2026-11"), "{out}");
    assert_eq!(out.matches("(remembered)").count(), SEVEN.len(), "{out}");
}
