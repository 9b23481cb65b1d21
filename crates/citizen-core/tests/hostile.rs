//! Hostile files end in a clear answer: each case of `examples/hostile/cases.rs`
//! (made here, in a temporary directory, no binary fixture) is validated the
//! way the CLI does it, and must give an `unusable` or `invalid` report with
//! the expected code, without a panic, within a bound that only guards
//! against a hang (generous: debug builds are slow; `scripts/bench_hostile.sh`
//! times the release build).

#[path = "../examples/hostile/cases.rs"]
mod cases;

use citizen_core::contract::compile_contract;
use citizen_core::report::Report;
use citizen_core::validate::{validate_file, ValidateOptions};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Far above any case's time in a debug build: only a hang reaches it.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn validate(path: PathBuf) -> Report {
    let contract = compile_contract(Path::new("hostile.yaml"), cases::CONTRACT)
        .unwrap_or_else(|problems| panic!("contract: {problems:?}"));
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let report = validate_file(&path, &contract, &ValidateOptions::default()).report;
        let _ = sender.send(report);
    });
    receiver.recv_timeout(HANG_GUARD).unwrap_or_else(|e| panic!("no report within {HANG_GUARD:?}: {e}"))
}

fn check(case: &cases::Case) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join(case.file);
    (case.write)(&path).unwrap_or_else(|e| panic!("{}: writing the file: {e}", case.name));
    let started = Instant::now();
    let report = validate(path);
    let first = report.issues.iter().find(|i| i.severity == citizen_core::report::Severity::Error);
    let code = first.map(|i| i.code.as_str()).unwrap_or("none");
    let status = serde_json::to_value(report.status).ok().and_then(|v| v.as_str().map(str::to_owned));
    eprintln!("{}: {:?} {code} in {:.2?}: {}", case.name, status, started.elapsed(), first.map_or("", |i| &i.message));
    assert_eq!(status.as_deref(), Some(case.status), "{}: {report:?}", case.name);
    assert_eq!(code, case.code, "{}: {:?}", case.name, report.issues);
}

macro_rules! hostile_tests {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                let all = cases::all();
                let case = all.iter().find(|c| c.name == $name).unwrap_or_else(|| panic!("no case {}", $name));
                check(case);
            }
        )*

        #[test]
        fn every_case_has_a_test() {
            let tested = [$($name),*];
            for case in cases::all() {
                assert!(tested.contains(&case.name), "{} has no test", case.name);
            }
        }
    };
}

hostile_tests! {
    cell_at_fxshrxw2 => "cell at FXSHRXW2",
    cell_at_zzzzzz1 => "cell at ZZZZZZ1",
    cell_past_the_last_row => "cell in row 1,048,577",
    cell_in_column_100000 => "cell in column 100,000",
    huge_shared_string_text_node => "1.5 GB shared-string text node",
    twenty_million_shared_strings => "20 million shared strings",
    long_inline_cell => "inline cell of 40,000 characters",
    zip_bomb => "zip bomb (4 GB declared from 1 KB)",
    spaces_bomb => "1 GB of spaces in the sheet",
    billion_laughs => "XML bomb (billion laughs)",
    external_entity => "external entity",
    truncated_package => "truncated package",
    corrupt_package => "corrupt package",
    nul_in_xlsx => "NUL in xlsx text",
    nul_in_csv => "NUL in CSV text",
    invalid_utf8_in_csv => "invalid UTF-8 in CSV",
    hundred_thousand_csv_columns => "100,000 CSV columns",
    unclosed_csv_quote => "unclosed CSV quote",
    sixty_mb_csv_cell => "60 MB CSV cell",
    xls_bogus_dimensions => "xls DIMENSIONS of 4 billion rows",
    xls_far_cell => "xls cell at CRXP65536",
    xls_shared_string_bomb => "xls shared string in 60,000 cells",
    ods_repeated_cell_bomb => "ods 1,048,576 × 16,384 repeated cells",
    ods_repeated_long_text => "ods 30,000-char cell repeated",
}
