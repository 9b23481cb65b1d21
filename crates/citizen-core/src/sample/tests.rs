//! Round trips: every sample, validated, must report exactly its manifest.

use super::*;
use crate::contract::{compile_contract, Catalog};
use crate::report::Report;
use crate::validate::types::phone::normalise_phone;
use crate::validate::{validate_file, ValidateOptions};
use std::path::PathBuf;

const SEED: u64 = 20_261_105;

fn catalog() -> Catalog {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts");
    Catalog::load(&dir).unwrap_or_else(|e| panic!("{e}"))
}

fn extension(format: SampleFormat) -> &'static str {
    match format {
        SampleFormat::Xlsx => "xlsx",
        _ => "csv",
    }
}

fn generate(contract: &Contract, spec: &SampleSpec, dir: &Path) -> (PathBuf, SampleManifest) {
    let name = format!("{}-{:?}-{}.{}", contract.dataset, spec.format, spec.seed, extension(spec.format));
    let path = dir.join(name);
    let manifest = write_sample(contract, spec, &path).unwrap_or_else(|e| panic!("{}: {e}", contract.dataset));
    (path, manifest)
}

/// Asserts the report says exactly what the manifest promised, and that no
/// row carries more than one issue code.
fn assert_matches(report: &Report, manifest: &SampleManifest, what: &str) {
    let unexpected: Vec<_> =
        report.issues.iter().filter(|i| manifest.expected.get(&i.code).is_none_or(|n| *n == 0)).take(10).collect();
    assert_eq!(report.summary, manifest.expected, "{what}: summary; unexpected issues: {unexpected:#?}");
    assert_eq!(report.rows, manifest.rows, "{what}: rows");
    assert_eq!(report.invalid_rows, manifest.invalid_rows, "{what}: invalid rows");
    assert_eq!(report.valid_rows, manifest.valid_rows, "{what}: valid rows");
    assert_eq!(report.warnings, manifest.warnings, "{what}: warnings");
    assert_eq!(report.status, manifest.status, "{what}: status");
    assert!(!report.issues_truncated, "{what}");
    let mut codes_by_row: BTreeMap<u64, HashSet<IssueCode>> = BTreeMap::new();
    for issue in &report.issues {
        if let Some(row) = issue.row {
            codes_by_row.entry(row).or_default().insert(issue.code);
        }
    }
    for (row, codes) in codes_by_row {
        assert_eq!(codes.len(), 1, "{what}: row {row} has several codes: {codes:?}");
    }
}

fn round_trip_every_contract(format: SampleFormat) {
    let catalog = catalog();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for contract in &catalog.contracts {
        let spec = SampleSpec { rows: 2_000, seed: SEED, errors_per_code: 3, format };
        let (path, manifest) = generate(contract, &spec, dir.path());
        assert_eq!(manifest.errors_per_code, 3, "{}: {:?}", contract.dataset, manifest.notes);
        assert!(manifest.notes.is_empty(), "{}: {:?}", contract.dataset, manifest.notes);
        let report = validate_file(&path, contract, &ValidateOptions::default()).report;
        assert_matches(&report, &manifest, &format!("{} as {format:?}", contract.dataset));
    }
}

#[test]
fn csv_samples_validate_exactly_as_their_manifest() {
    round_trip_every_contract(SampleFormat::Csv);
}

#[test]
fn windows_1255_samples_validate_exactly_as_their_manifest() {
    round_trip_every_contract(SampleFormat::CsvWindows1255);
}

#[test]
fn xlsx_samples_validate_exactly_as_their_manifest() {
    round_trip_every_contract(SampleFormat::Xlsx);
}

#[test]
fn every_applicable_code_is_injected() {
    let catalog = catalog();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = SampleSpec { rows: 500, seed: SEED, errors_per_code: 2, format: SampleFormat::Csv };
    let cases: [(&str, &[IssueCode]); 6] = [
        (
            "welfare_patients",
            &[
                IssueCode::Required,
                IssueCode::Type,
                IssueCode::Pattern,
                IssueCode::Allowed,
                IssueCode::Min,
                IssueCode::Max,
                IssueCode::MaxLength,
                IssueCode::IsraeliId,
                IssueCode::Phone,
                IssueCode::Email,
                IssueCode::DuplicateKey,
            ],
        ),
        (
            "av_bait",
            &[
                IssueCode::Required,
                IssueCode::Type,
                IssueCode::Pattern,
                IssueCode::Min,
                IssueCode::Max,
                IssueCode::MaxLength,
                IssueCode::IsraeliId,
                IssueCode::Phone,
                IssueCode::DuplicateKey,
            ],
        ),
        (
            "hamal",
            &[
                IssueCode::Required,
                IssueCode::Type,
                IssueCode::Allowed,
                IssueCode::Min,
                IssueCode::Max,
                IssueCode::IsraeliId,
                IssueCode::Phone,
                IssueCode::DuplicateKey,
            ],
        ),
        (
            "breath_troubles",
            &[
                IssueCode::Required,
                IssueCode::Type,
                IssueCode::Allowed,
                IssueCode::IsraeliId,
                IssueCode::Phone,
                IssueCode::DuplicateKey,
            ],
        ),
        (
            "meser",
            &[
                IssueCode::Required,
                IssueCode::Type,
                IssueCode::Pattern,
                IssueCode::Allowed,
                IssueCode::Min,
                IssueCode::MaxLength,
                IssueCode::IsraeliId,
                IssueCode::Phone,
                IssueCode::Email,
                IssueCode::DuplicateKey,
            ],
        ),
        (
            "hazramim",
            &[
                IssueCode::Required,
                IssueCode::Type,
                IssueCode::Pattern,
                IssueCode::Allowed,
                IssueCode::Min,
                IssueCode::MaxLength,
                IssueCode::IsraeliId,
                IssueCode::Phone,
                IssueCode::DuplicateKey,
            ],
        ),
    ];
    let shipped: Vec<&str> = catalog.contracts.iter().map(|c| c.dataset.as_str()).collect();
    let listed: Vec<&str> = cases.iter().map(|(dataset, _)| *dataset).collect();
    assert_eq!(
        shipped.iter().copied().collect::<HashSet<_>>(),
        listed.iter().copied().collect::<HashSet<_>>(),
        "every shipped contract is listed here"
    );
    for (dataset, codes) in cases {
        let contract = catalog.get(dataset).unwrap_or_else(|e| panic!("{e}"));
        let (_, manifest) = generate(contract, &spec, dir.path());
        let expected: BTreeMap<IssueCode, u64> = codes.iter().map(|c| (*c, 2)).collect();
        assert_eq!(manifest.expected, expected, "{dataset}");
        assert_eq!(manifest.invalid_rows + manifest.warnings, 2 * codes.len() as u64, "{dataset}");
    }
}

#[test]
fn the_same_seed_writes_the_same_bytes() {
    let catalog = catalog();
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let read = |seed: u64, name: &str| {
        let path = dir.path().join(name);
        let spec = SampleSpec { rows: 300, seed, errors_per_code: 2, format: SampleFormat::Csv };
        write_sample(contract, &spec, &path).unwrap_or_else(|e| panic!("{e}"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(read(5, "a.csv"), read(5, "b.csv"));
    assert_ne!(read(5, "a.csv"), read(6, "c.csv"));
}

#[test]
fn csv_looks_like_a_clerks_file() {
    let catalog = catalog();
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = SampleSpec { rows: 400, seed: SEED, errors_per_code: 0, format: SampleFormat::Csv };
    let (path, manifest) = generate(contract, &spec, dir.path());
    assert_eq!((manifest.invalid_rows, manifest.status), (0, Status::Valid));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    let text = String::from_utf8_lossy(&bytes[3..]).into_owned();
    let header = text.lines().next().unwrap_or_default();
    assert_eq!(
        header,
        "ת.ז.,שם פרטי,שם משפחה,תאריך לידה,מין,סטטוס,קוד רחוב,מספר בית,דירה,טלפון 1,טלפון 2,טלפון 3,דואר אלקטרוני"
    );
    for form in ["+972-5", "+972 5", ",05", "-", "(0"] {
        assert!(text.contains(form), "phones written like {form}");
    }
    let dates = text.lines().skip(1).filter_map(|l| l.split(',').nth(3)).collect::<Vec<_>>();
    assert!(dates.iter().any(|d| d.len() == 10 && d.as_bytes()[2] == b'/'), "DD/MM/YYYY");
    assert!(dates.iter().any(|d| d.len() == 10 && d.as_bytes()[4] == b'-'), "YYYY-MM-DD");
    assert!(dates.iter().any(|d| d.len() == 10 && d.as_bytes()[2] == b'.'), "DD.MM.YYYY");
    let report = validate_file(&path, contract, &ValidateOptions::default()).report;
    assert_eq!(report.status, Status::Valid, "{:?}", report.issues.iter().take(5).collect::<Vec<_>>());
    assert!(report.issues.is_empty());
}

/// The columns of a clean CSV sample by contract column name, and its header line.
fn csv_columns(contract: &Contract, path: &Path) -> (String, HashMap<String, Vec<String>>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{e}"));
    let text = text.trim_start_matches('\u{feff}');
    let header = text.lines().next().unwrap_or_default().to_owned();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let mut columns: HashMap<String, Vec<String>> = HashMap::new();
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(record.len(), contract.columns.len(), "{record:?}");
        for (column, cell) in contract.columns.iter().zip(record.iter()) {
            columns.entry(column.name.clone()).or_default().push(cell.to_owned());
        }
    }
    (header, columns)
}

/// The datasets added last (issue 15): the Hebrew headers a clerk's file
/// carries, values a clerk would recognise in each column, and the English
/// headers accepted as well as the Hebrew ones.
#[test]
fn meser_and_hazramim_samples_look_like_their_sources() {
    let catalog = catalog();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        (
            "meser",
            "ת.ז.,שם פרטי,שם משפחה,ערוץ מועדף,שפה,שכונה,קוד רחוב,מספר בית,דירה,טלפון נייד,טלפון נוסף,דואר אלקטרוני,רשום פעיל,תאריך הרשמה",
            "ID number,First name,Last name,Preferred channel,Language,Neighbourhood,Street code,Building number,Apartment,Mobile phone,Other phone,Email,Subscribed,Registered on",
        ),
        (
            "hazramim",
            "תאריך הפניה,גורם מפנה,סוג הפניה,דחיפות,ת.ז.,שם מלא,תאריך לידה,קוד רחוב,מספר בית,דירה,טלפון,טלפון נוסף,איש קשר,טלפון איש קשר,הערות",
            "Referral date,Referring body,Referral type,Urgency,ID number,Full name,Birth date,Street code,Building number,Apartment,Phone,Other phone,Contact name,Contact phone,Notes",
        ),
    ];
    for (dataset, hebrew, english) in cases {
        let contract = catalog.get(dataset).unwrap_or_else(|e| panic!("{e}"));
        let spec = SampleSpec { rows: 600, seed: SEED, errors_per_code: 0, format: SampleFormat::Csv };
        let (path, manifest) = generate(contract, &spec, dir.path());
        assert_eq!((manifest.invalid_rows, manifest.status), (0, Status::Valid), "{dataset}");
        let (header, columns) = csv_columns(contract, &path);
        assert_eq!(header, hebrew, "{dataset}");
        let values = |name: &str| columns.get(name).cloned().unwrap_or_else(|| panic!("{dataset}: no {name}"));
        let distinct = |name: &str| values(name).into_iter().filter(|v| !v.is_empty()).collect::<HashSet<_>>();
        // Every listed value of a coded or listed column shows up, and nothing else.
        for column in contract.columns.iter().filter(|c| c.allowed.is_some()) {
            let allowed: HashSet<String> = column.allowed.iter().flatten().cloned().collect();
            assert_eq!(distinct(&column.name), allowed, "{dataset}.{}", column.name);
        }
        // Phones: mostly mobiles, written in several forms, all of them Israeli numbers.
        let phones = values("phone_1");
        let normalised: Vec<_> = phones.iter().filter_map(|p| normalise_phone(p)).collect();
        assert_eq!(normalised.len(), phones.len(), "{dataset}: phone_1 is required and valid");
        let mobiles = normalised.iter().filter(|p| p.e164.starts_with("+9725")).count();
        assert!(mobiles * 2 > phones.len(), "{dataset}: {mobiles} mobiles of {}", phones.len());
        assert!(phones.iter().any(|p| p.contains('-')) && phones.iter().any(|p| p.starts_with("+972")), "{dataset}");
        let second = values("phone_2");
        let empty = second.iter().filter(|p| p.is_empty()).count();
        assert!(empty > 0 && empty * 3 < second.len(), "{dataset}: {empty} of {} second phones empty", second.len());
        match dataset {
            "meser" => {
                let quarters = distinct("neighbourhood");
                assert!(quarters.len() >= 10, "{quarters:?}");
                assert!(quarters.iter().all(|q| super::data::NEIGHBOURHOODS.contains(&q.as_str())), "{quarters:?}");
                let emails = values("email");
                assert!(emails.iter().filter(|e| e.contains('@')).count() * 10 > emails.len() * 8, "{emails:?}");
                assert!(distinct("subscribed").len() >= 2);
            }
            _ => {
                assert!(distinct("contact_name").iter().all(|n| n.contains(' ')), "full names");
                assert!(distinct("notes").iter().all(|n| super::data::NOTES.contains(&n.as_str())));
                let dates = values("referral_date");
                assert!(dates.iter().all(|d| d.len() >= 8 && d.chars().any(|c| c.is_ascii_digit())), "{dates:?}");
            }
        }
        // The same rows under the English headers validate as cleanly.
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let english_path = dir.path().join(format!("{dataset}-english.csv"));
        std::fs::write(&english_path, text.replacen(hebrew, english, 1)).unwrap_or_else(|e| panic!("{e}"));
        let report = validate_file(&english_path, contract, &ValidateOptions::default()).report;
        assert_eq!((report.status, report.rows), (Status::Valid, 600), "{dataset}: {:?}", report.issues);
        assert!(report.issues.is_empty(), "{dataset}: {:?}", report.issues);
    }
}

#[test]
fn windows_1255_sample_is_not_utf8() {
    let catalog = catalog();
    let contract = catalog.get("hamal").unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = SampleSpec { rows: 200, seed: SEED, errors_per_code: 1, format: SampleFormat::CsvWindows1255 };
    let (path, _) = generate(contract, &spec, dir.path());
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(std::str::from_utf8(&bytes).is_err(), "Hebrew in windows-1255 is not valid UTF-8");
    let (text, _, malformed) = encoding_rs::WINDOWS_1255.decode(&bytes);
    assert!(!malformed);
    assert!(text.starts_with("ת.ז.,שם מלא,סוג צורך"), "{}", &text[..60.min(text.len())]);
    assert!(text.contains("\r\n"));
}

#[test]
fn too_many_errors_are_capped_and_still_exact() {
    let catalog = catalog();
    let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for rows in [0u64, 1, 2, 25, 60] {
        let spec = SampleSpec { rows, seed: SEED, errors_per_code: 50, format: SampleFormat::Csv };
        let (path, manifest) = generate(contract, &spec, dir.path());
        assert!(manifest.invalid_rows + manifest.warnings <= rows / 2, "{rows}: {manifest:?}");
        let report = validate_file(&path, contract, &ValidateOptions::default()).report;
        assert_matches(&report, &manifest, &format!("{rows} rows"));
    }
}

/// A contract no sample code was written for: every type, formats, patterns,
/// lengths, decimals, warnings, a composite key and a second unique column.
const NEW_CONTRACT: &str = r#"
dataset: community_centres
title: Community centre members
period: yearly
columns:
  - name: member_code
    headers: ["קוד חבר"]
    type: code
    required: true
    pattern: '[A-Z]{2}-[0-9]{3,4}'
  - name: branch
    headers: ["סניף"]
    type: text
    required: true
    allowed: ["צפון", "דרום", "מרכז"]
  - name: full_name
    headers: ["שם מלא"]
    type: text
    required: true
    min_length: 3
    max_length: 40
  - name: email
    headers: ["אימייל"]
    type: email
    unique: true
  - name: fee
    headers: ["דמי חבר"]
    type: decimal
    min: 0
    max: 500.5
  - name: joined
    headers: ["הצטרפות"]
    type: date
    format: '%Y/%m/%d'
    min: 2000-01-01
    max: 2026-12-31
  - name: last_visit
    headers: ["ביקור אחרון"]
    type: datetime
    min: 2020-01-01 00:00:00
    severity: warning
  - name: active
    headers: ["פעיל"]
    type: boolean
  - name: children
    headers: ["ילדים"]
    type: integer
    min: 0
    max: 12
    severity: warning
  - name: mobile
    headers: ["נייד"]
    type: phone
    required: true
keys: [member_code, branch]
strategy: append
"#;

#[test]
fn a_new_contract_gets_exact_samples_without_new_code() {
    let contract = compile_contract(Path::new("community_centres.yaml"), NEW_CONTRACT);
    let Ok(contract) = contract else { panic!("{contract:?}") };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for format in [SampleFormat::Csv, SampleFormat::CsvWindows1255, SampleFormat::Xlsx] {
        let spec = SampleSpec { rows: 1_500, seed: SEED, errors_per_code: 3, format };
        let (path, manifest) = generate(&contract, &spec, dir.path());
        assert!(manifest.notes.is_empty(), "{:?}", manifest.notes);
        for code in [
            IssueCode::Required,
            IssueCode::Type,
            IssueCode::Pattern,
            IssueCode::Allowed,
            IssueCode::Min,
            IssueCode::Max,
            IssueCode::MinLength,
            IssueCode::MaxLength,
            IssueCode::Phone,
            IssueCode::Email,
        ] {
            assert!(manifest.expected.get(&code).is_some_and(|n| *n >= 3), "{format:?} {code}: {manifest:?}");
        }
        // Two uniqueness sets (the key, and email) in separate components.
        assert_eq!(manifest.expected.get(&IssueCode::DuplicateKey), Some(&3), "{format:?}");
        assert!(manifest.warnings > 0, "warning columns took some errors");
        let report = validate_file(&path, &contract, &ValidateOptions::default()).report;
        assert_matches(&report, &manifest, &format!("community_centres as {format:?}"));
    }
}

#[test]
fn impossible_contracts_are_refused_with_the_column_named() {
    let body = NEW_CONTRACT.replace("'[A-Z]{2}-[0-9]{3,4}'", "'[A-Z]{2}-(?P<n>[0-9]{3})'");
    let contract = compile_contract(Path::new("c.yaml"), &body);
    let Ok(contract) = contract else { panic!("{contract:?}") };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = SampleSpec { rows: 10, seed: 1, errors_per_code: 0, format: SampleFormat::Csv };
    let error = write_sample(&contract, &spec, &dir.path().join("x.csv"));
    let message = error.map(|_| String::new()).unwrap_or_else(|e| e.to_string());
    assert!(message.contains("member_code"), "{message}");
}

/// The municipal phone mix (issue 13): the file validates exactly as its
/// manifest, for several seeds and both formats, and the phone cells come in
/// the shapes and shares asked for.
#[test]
fn municipal_phone_mix_validates_exactly_and_has_its_shapes() {
    let catalog = catalog();
    let contract = catalog.contracts.iter().find(|c| c.dataset == "welfare_patients").expect("welfare_patients");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (seed, format) in [(1, SampleFormat::Csv), (2026, SampleFormat::Csv), (7, SampleFormat::Xlsx)] {
        let spec = SampleSpec { rows: 4_000, seed, errors_per_code: 3, format };
        let path = dir.path().join(format!("municipal-{seed}.{}", extension(format)));
        let manifest = write_sample_with(contract, &spec, PhoneMix::Municipal, &path).unwrap_or_else(|e| panic!("{e}"));
        let report = validate_file(&path, contract, &ValidateOptions::default()).report;
        assert_matches(&report, &manifest, &format!("municipal phones, seed {seed}, {format:?}"));
    }
    // Shapes of phone_1 (9 = a digit) in a CSV sample.
    let spec = SampleSpec { rows: 20_000, seed: 3, errors_per_code: 0, format: SampleFormat::Csv };
    let path = dir.path().join("shapes.csv");
    write_sample_with(contract, &spec, PhoneMix::Municipal, &path).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let headers = sample_headers(contract);
    let column = contract.columns.iter().position(|c| c.name == "phone_1").expect("phone_1");
    assert!(text.lines().next().is_some_and(|h| h.contains(&headers[column])));
    let mut shapes: HashMap<String, u64> = HashMap::new();
    for line in text.lines().skip(1) {
        let cell = line.split(',').nth(column).unwrap_or("");
        let shape: String = cell.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
        *shapes.entry(shape).or_default() += 1;
    }
    let share = |shape: &str| shapes.get(shape).copied().unwrap_or(0) as f64 / 20_000.0;
    for (shape, expected) in [
        ("999-9999999", 0.28),
        ("9999999999", 0.225),
        ("+999999999999", 0.15),
        ("99-9999999", 0.11),
        ("+999-99-9999999", 0.08),
        ("", 0.05),
        ("999999999", 0.05),
        ("+99999999999", 0.03),
    ] {
        assert!(
            (share(shape) - expected).abs() < 0.015,
            "{shape:?}: {} (expected {expected}); {shapes:?}",
            share(shape)
        );
    }
    for shape in ["99999999999999", "(999) 999-9999", "999 999 9999", "999.999.9999", "99999999999", "+9999999999999"] {
        assert!(shapes.contains_key(shape), "no {shape:?} among {shapes:?}");
    }
}
