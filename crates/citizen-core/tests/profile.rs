//! The profile of a load (issue 15) against an oracle: a CSV of random values
//! from a seed is written here, its figures computed here the plain way
//! (parse each cell, count, sort), and compared with what validation
//! computed on several threads as it read the file.

use citizen_core::contract::compile_contract;
use citizen_core::report::profile::{drift, DriftReason, ValueCount, ValueRange, DISTINCT_CAP, TOP_VALUES};
use citizen_core::validate::{validate_file, ValidateOptions};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

const CONTRACT: &str = "dataset: profiled
title: Profiled
period: monthly
columns:
  - name: serial
    type: integer
  - name: status
    type: text
    allowed: [active, closed, pending]
  - name: score
    type: decimal
  - name: visited
    type: date
  - name: street_code
    type: code
  - name: note
    type: text
  - name: label
    type: text
  - name: absent
    type: text
strategy: rebuild
";

/// A small deterministic generator (SplitMix64), so the file is the same every run.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One generated file: its rows as cells, in header order (`absent` has no header).
fn generate(seed: u64, rows: usize, statuses: &[&str]) -> Vec<[String; 7]> {
    let mut rng = Seeded(seed);
    (0..rows)
        .map(|i| {
            let status = if rng.below(10) == 0 {
                String::new()
            } else {
                statuses[rng.below(statuses.len() as u64) as usize].to_owned()
            };
            let score = match rng.below(20) {
                0 => String::new(),
                1 => "n/a".to_owned(),
                _ => format!("{}.{}", rng.below(1000) as i64 - 200, rng.below(10)),
            };
            let visited = if rng.below(7) == 0 {
                String::new()
            } else {
                let day = 1 + rng.below(28);
                let month = 1 + rng.below(12);
                let year = 1990 + rng.below(30);
                // Both forms SPEC §3 accepts.
                if rng.below(2) == 0 {
                    format!("{day:02}/{month:02}/{year}")
                } else {
                    format!("{year}-{month:02}-{day:02}")
                }
            };
            let street = (rng.below(400) + 1).to_string();
            let note = if rng.below(3) == 0 { String::new() } else { format!("note {}", rng.below(30_000)) };
            let label = format!("  L{}  ", rng.below(5));
            [(i + 1).to_string(), status, score, visited, street, note, label]
        })
        .collect()
}

fn write_csv(dir: &Path, name: &str, rows: &[[String; 7]]) -> std::path::PathBuf {
    let mut text = String::from("serial,status,score,visited,street_code,note,label\n");
    for row in rows {
        text.push_str(&row.join(","));
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// What the oracle expects of one column.
struct Expected {
    filled: u64,
    empty: u64,
    invalid: u64,
    counts: BTreeMap<String, u64>,
}

fn expected(cells: impl Iterator<Item = Option<String>>) -> Expected {
    let mut e = Expected { filled: 0, empty: 0, invalid: 0, counts: BTreeMap::new() };
    for cell in cells {
        match cell {
            None => e.empty += 1,
            Some(value) if value == "\u{0}invalid" => {
                e.filled += 1;
                e.invalid += 1;
            }
            Some(value) => {
                e.filled += 1;
                *e.counts.entry(value).or_default() += 1;
            }
        }
    }
    e
}

/// The top values the plain way: by count, most first, ties by value.
fn top(counts: &BTreeMap<String, u64>) -> Vec<ValueCount> {
    let mut all: Vec<ValueCount> = counts.iter().map(|(v, c)| ValueCount { value: v.clone(), count: *c }).collect();
    all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    all.truncate(TOP_VALUES);
    all
}

/// A date cell as the profile writes it (`YYYY-MM-DD`), the plain way.
fn iso(cell: &str) -> String {
    match cell.split('/').collect::<Vec<_>>().as_slice() {
        [d, m, y] => format!("{y}-{m}-{d}"),
        _ => cell.to_owned(),
    }
}

fn contract() -> citizen_core::contract::Contract {
    compile_contract(Path::new("profiled.yaml"), CONTRACT).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn profile_figures_match_an_oracle_computed_from_the_cells() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // More rows than three reader batches, so threads and merging are exercised.
    let rows = generate(15, 30_000, &["active", "closed", "pending", "Active"]);
    let path = write_csv(dir.path(), "profiled.csv", &rows);
    let contract = contract();
    let validation = validate_file(&path, &contract, &ValidateOptions { threads: 3, ..ValidateOptions::default() });
    let Some(profile) = validation.profile else { panic!("no profile") };
    assert_eq!(profile.rows, 30_000);
    assert_eq!(profile.dataset, "profiled");
    let column = |name: &str| {
        profile.columns.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no column {name}")).clone()
    };
    let cell = |r: &[String; 7], i: usize| {
        let trimmed = r[i].trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    };

    // Every column but `absent`, `serial` and `note` (30,000 and about 15,000
    // distinct values) counted exactly, compared whole.
    let numbers = |v: &str| v.parse::<f64>().ok();
    let oracle: Vec<(&str, Expected)> = vec![
        ("status", expected(rows.iter().map(|r| cell(r, 1)))),
        (
            "score",
            expected(rows.iter().map(|r| {
                cell(r, 2).map(|v| match numbers(&v) {
                    Some(n) => citizen_core::readers::format_number(n),
                    None => "\u{0}invalid".to_owned(),
                })
            })),
        ),
        ("visited", expected(rows.iter().map(|r| cell(r, 3).map(|v| iso(&v))))),
        ("street_code", expected(rows.iter().map(|r| cell(r, 4)))),
        ("label", expected(rows.iter().map(|r| cell(r, 6)))),
    ];
    for (name, e) in &oracle {
        let got = column(name);
        assert!(got.present, "{name}");
        assert_eq!(
            (got.filled, got.empty, got.invalid),
            (e.filled, e.empty, e.invalid),
            "{name}: filled, empty, invalid"
        );
        assert!(got.distinct_exact, "{name}");
        assert_eq!(got.distinct, e.counts.len() as u64, "{name}: distinct");
        assert_eq!(got.top, top(&e.counts), "{name}: most frequent");
    }

    let score = column("score");
    let scores: Vec<f64> = rows.iter().filter_map(|r| numbers(r[2].trim())).collect();
    let (min, max) = scores.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    assert_eq!(score.range, Some(ValueRange::Number { min, max }));
    let serial = column("serial");
    assert_eq!(serial.range, Some(ValueRange::Number { min: 1.0, max: 30_000.0 }));
    assert_eq!((serial.filled, serial.empty, serial.invalid), (30_000, 0, 0));
    assert!(!serial.distinct_exact && serial.top.is_empty());
    assert!((serial.distinct as f64 - 30_000.0).abs() < 30_000.0 * 0.05, "{} serials estimated", serial.distinct);
    let dates: Vec<String> = rows.iter().filter_map(|r| cell(r, 3)).map(|v| iso(&v)).collect();
    let (first, last) = (dates.iter().min().cloned(), dates.iter().max().cloned());
    let Some(ValueRange::Date { min, max }) = column("visited").range else { panic!("no date range") };
    assert_eq!((Some(min), Some(max)), (first, last));
    assert_eq!(column("street_code").range, None, "a code has no range");

    // Coded: the allowed list, and a text column of five values; not the serials.
    let status = column("status");
    assert!(status.coded);
    assert_eq!(status.values.len(), 4, "every value, the one outside `allowed` too");
    assert!(column("label").coded, "five distinct values in 30,000 rows");
    assert_eq!(column("label").top[0].value.trim(), column("label").top[0].value, "values are trimmed");
    assert!(!serial.coded && !column("street_code").coded);

    // `note`: fewer than DISTINCT_CAP distinct values in 30,000 random
    // draws, or more; either way the oracle says which and how many.
    let notes = expected(rows.iter().map(|r| cell(r, 5)));
    let note = column("note");
    assert_eq!((note.filled, note.empty), (notes.filled, notes.empty));
    let truth = notes.counts.len() as f64;
    if notes.counts.len() <= DISTINCT_CAP {
        assert!(note.distinct_exact);
        assert_eq!(note.distinct as f64, truth);
    } else {
        assert!(!note.distinct_exact, "{} distinct values counted exactly", truth);
        assert!(note.top.is_empty(), "no most-frequent list from a partial count");
        let error = (note.distinct as f64 - truth).abs() / truth;
        assert!(error < 0.05, "estimated {} distinct values, {truth} in truth", note.distinct);
    }

    // `absent` has no header in the file: every cell empty.
    let absent = column("absent");
    assert!(!absent.present);
    assert_eq!((absent.filled, absent.empty, absent.distinct), (0, 30_000, 0));
}

#[test]
fn the_profile_is_the_same_on_one_thread_or_many() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rows = generate(7, 20_000, &["active", "closed"]);
    let path = write_csv(dir.path(), "f.csv", &rows);
    let contract = contract();
    let one = validate_file(&path, &contract, &ValidateOptions { threads: 1, ..ValidateOptions::default() });
    let four = validate_file(&path, &contract, &ValidateOptions { threads: 4, ..ValidateOptions::default() });
    assert!(one.profile.is_some());
    assert_eq!(one.profile, four.profile);
}

#[test]
fn drift_between_two_generated_months_names_the_changed_columns() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let contract = contract();
    let profile = |rows: &[[String; 7]], name: &str| {
        let path = write_csv(dir.path(), name, rows);
        validate_file(&path, &contract, &ValidateOptions::default()).profile.unwrap_or_else(|| panic!("{name}"))
    };
    let october = profile(&generate(1, 5_000, &["active", "closed"]), "october.csv");
    let mut november_rows = generate(2, 5_000, &["active", "closed", "pending"]);
    // Half the street codes emptied; a new status value appears.
    for row in november_rows.iter_mut().step_by(2) {
        row[4].clear();
    }
    let november = profile(&november_rows, "november.csv");
    let d = drift(&october, &november);
    let reasons: HashMap<&str, &[DriftReason]> =
        d.columns.iter().map(|c| (c.name.as_str(), c.reasons.as_slice())).collect();
    assert_eq!(reasons["status"], &[DriftReason::NewValues]);
    let status = d.columns.iter().find(|c| c.name == "status").unwrap_or_else(|| panic!("status"));
    assert_eq!(status.new_values.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(), vec!["pending"]);
    assert!(reasons["street_code"].contains(&DriftReason::EmptyShare), "{:?}", reasons["street_code"]);
    assert!(
        reasons["serial"].is_empty() && reasons["visited"].is_empty() && reasons["label"].is_empty(),
        "{reasons:?}"
    );
    assert_eq!(drift(&october, &october).flagged, Vec::<String>::new());
}

#[test]
fn long_cells_are_counted_whole_and_listed_cut() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let long = |c: char| c.to_string().repeat(5_000);
    let mut text = String::from("serial,note\n");
    // Two values alike in their first 100 characters, different after.
    for (i, note) in
        [format!("{}x", long('a')), format!("{}y", long('a')), format!("{}y", long('a'))].iter().enumerate()
    {
        text.push_str(&format!("{},{note}\n", i + 1));
    }
    let path = dir.path().join("long.csv");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let profile =
        validate_file(&path, &contract(), &ValidateOptions::default()).profile.unwrap_or_else(|| panic!("none"));
    let note = profile.columns.iter().find(|c| c.name == "note").unwrap_or_else(|| panic!("note"));
    assert_eq!(note.distinct, 2, "counted by the whole value");
    let cut = format!("{}…", "a".repeat(citizen_core::report::profile::VALUE_CHARS));
    assert_eq!(
        note.top.iter().map(|v| (v.value.as_str(), v.count)).collect::<Vec<_>>(),
        vec![(cut.as_str(), 2), (cut.as_str(), 1)]
    );
}
