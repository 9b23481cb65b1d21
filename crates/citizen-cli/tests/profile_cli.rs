//! `citizen-db profile FILE [--dataset D] [--json]` (issue 15): the JSON's
//! figures against what the test wrote, the table for people, exit codes.

mod common;

use common::{citizen_db, text};
use std::path::{Path, PathBuf};

/// A scratch directory, removed with its contents when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("citizen-cli-profile-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    TempDir(dir)
}

/// A valid Israeli ID: eight digits and their check digit.
fn id(n: u32) -> String {
    let body = format!("{:08}", 20_000_000 + n);
    let sum: u32 = body
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            let v = d * if i % 2 == 0 { 1 } else { 2 };
            if v > 9 {
                v - 9
            } else {
                v
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

const HEADER: &str =
    "ת.ז.,שם פרטי,שם משפחה,תאריך לידה,מין,סטטוס,קוד רחוב,מספר בית,דירה,טלפון 1,טלפון 2,טלפון 3,דואר אלקטרוני";

/// 40 rows: statuses in a known mix, every third second phone empty, birth
/// dates from 1950 to 1989, one not a date.
fn welfare_file(dir: &Path) -> PathBuf {
    let statuses = ["פעיל", "פעיל", "סגור", "ממתין"];
    let mut text = format!("{HEADER}\n");
    for n in 0..40u32 {
        let phone_2 = if n % 3 == 0 { String::new() } else { "03-5123456".to_owned() };
        let born = if n == 7 { "not a date".to_owned() } else { format!("01/02/{}", 1950 + n) };
        let building = n % 5 + 1;
        text.push_str(&format!(
            "{},נועה,לוי,{born},נ,{},120,{building},7,050-2345678,{phone_2},,noa{n}@example.org\n",
            id(n),
            statuses[n as usize % 4]
        ));
    }
    let path = dir.join("welfare_2026-11.csv");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn the_json_profile_counts_what_the_file_holds() {
    let dir = temp_dir("json");
    let file = welfare_file(&dir.0);
    let out = citizen_db(&["profile", &file.to_string_lossy(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let profile: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profile["dataset"], "welfare_patients");
    assert_eq!(profile["rows"], 40);
    let column = |name: &str| {
        profile["columns"]
            .as_array()
            .and_then(|columns| columns.iter().find(|c| c["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let status = column("welfare_status");
    assert_eq!((status["filled"].as_u64(), status["empty"].as_u64()), (Some(40), Some(0)));
    assert_eq!(status["distinct"], 3);
    assert_eq!(status["coded"], true);
    assert_eq!(status["top"][0], serde_json::json!({"value": "פעיל", "count": 20}));
    assert_eq!(status["values"].as_array().map(Vec::len), Some(3));
    let phone_2 = column("phone_2");
    assert_eq!((phone_2["filled"].as_u64(), phone_2["empty"].as_u64()), (Some(26), Some(14)));
    let phone_3 = column("phone_3");
    assert_eq!((phone_3["filled"].as_u64(), phone_3["empty"].as_u64()), (Some(0), Some(40)));
    let birth = column("birth_date");
    assert_eq!(birth["range"], serde_json::json!({"kind": "date", "min": "1950-02-01", "max": "1989-02-01"}));
    assert_eq!((birth["filled"].as_u64(), birth["invalid"].as_u64()), (Some(40), Some(1)));
    assert_eq!(birth["distinct"], 39, "the invalid cell is not a value");
    assert_eq!(column("building_number")["distinct"], 5);
    assert_eq!(column("citizen_id")["distinct"], 40);
    assert_eq!(column("citizen_id")["distinctExact"], true);
}

#[test]
fn the_table_names_every_column_and_the_most_frequent_values() {
    let dir = temp_dir("table");
    let file = welfare_file(&dir.0);
    let out = citizen_db(&["profile", &file.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.starts_with("welfare_2026-11.csv: welfare_patients (40 rows)"), "{shown}");
    for name in ["citizen_id", "birth_date", "welfare_status", "phone_3", "email"] {
        assert!(shown.lines().any(|l| l.starts_with(name)), "{name} missing:\n{shown}");
    }
    assert!(shown.contains("1950-02-01 .. 1989-02-01"), "{shown}");
    assert!(shown.contains("welfare_status [coded]: פעיל (20), ממתין (10), סגור (10)"), "{shown}");
}

#[test]
fn an_unreadable_or_unknown_file_exits_two_and_dataset_names_the_contract() {
    let dir = temp_dir("codes");
    let broken = dir.0.join("welfare.xlsx");
    std::fs::write(&broken, b"not a workbook").unwrap_or_else(|e| panic!("{e}"));
    let out = citizen_db(&["profile", &broken.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error:"), "{}", text(&out.stderr));
    let unnamed = dir.0.join("export.csv");
    std::fs::write(&unnamed, "a,b\n1,2\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(citizen_db(&["profile", &unnamed.to_string_lossy()]).status.code(), Some(2));
    let out = citizen_db(&["profile", &unnamed.to_string_lossy(), "--dataset", "hamal", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let profile: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profile["dataset"], "hamal");
    assert!(profile["columns"].as_array().is_some_and(|c| c.iter().all(|c| c["present"] == false)));
}
