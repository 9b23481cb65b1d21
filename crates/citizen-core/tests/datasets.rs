//! Every shipped dataset loads end to end (issue 15: all six datasets of the
//! old system). For each contract in `contracts/`, a sample CSV and a sample
//! xlsx (`citizen-db sample`'s generator) are submitted by a clerk and
//! approved by a supervisor; then `core.<dataset>_current` holds the rows the
//! contract's strategy says it should, period by period, and
//! `core.phone_numbers_current` holds exactly that dataset's phones, one per
//! citizen and number, as read from the files themselves (not from the
//! database), and `mart.citizen_contacts` names the dataset for each citizen.

mod support;

use citizen_core::contract::{ColumnType, Contract, Period, Strategy};
use citizen_core::sample::{write_sample_with, PhoneMix, SampleFormat, SampleSpec};
use citizen_core::validate::types::phone::normalise_phone;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use support::{shipped_catalog, submit_and_approve, TestDb};

/// The cells of a file's data rows as a clerk reads them (header row dropped).
type Rows = Vec<Vec<String>>;

fn csv_rows(path: &Path) -> Rows {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|record| {
            let record = record.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            record.iter().map(|cell| cell.trim().to_owned()).collect()
        })
        .collect()
}

fn xlsx_rows(path: &Path) -> Rows {
    use calamine::{Data, Reader};
    let mut workbook = calamine::open_workbook_auto(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let sheet = workbook.worksheet_range_at(0).unwrap_or_else(|| panic!("{}: no sheet", path.display()));
    let range = sheet.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = |cell: &Data| match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    };
    range.rows().skip(1).map(|row| row.iter().map(text).collect()).collect()
}

/// An ID as the database keeps it: digits only, left-padded to nine.
fn id_of(cell: &str) -> String {
    let digits: String = cell.chars().filter(char::is_ascii_digit).collect();
    format!("{digits:0>9}")
}

/// A row's key as the merge matches it (IDs padded, codes without `.0`).
fn key_of(contract: &Contract, row: &[String]) -> Vec<String> {
    contract
        .keys
        .iter()
        .map(|&k| {
            let cell = row.get(k).map(String::as_str).unwrap_or("");
            match contract.columns[k].column_type {
                ColumnType::IsraeliId => id_of(cell),
                ColumnType::Code => cell.strip_suffix(".0").unwrap_or(cell).to_owned(),
                ColumnType::Text => cell.to_owned(),
                other => panic!("{}: no oracle for a {other:?} merge key", contract.dataset),
            }
        })
        .collect()
}

/// Two periods of the dataset's cadence (the same one when it has none).
fn periods(period: Period) -> [&'static str; 2] {
    match period {
        Period::Monthly => ["2026-10", "2026-11"],
        Period::Quarterly => ["2026-Q3", "2026-Q4"],
        Period::Yearly => ["2025", "2026"],
        Period::None => ["none", "none"],
    }
}

/// What `_current` must show after the loads, period by period, following the
/// strategy: a rebuild replaces the period's rows, an append adds to them, a
/// merge replaces the rows with the same key and keeps the others.
fn expected_rows(contract: &Contract, loads: &[(Rows, &str)]) -> BTreeMap<String, Rows> {
    let mut periods: BTreeMap<String, Rows> = BTreeMap::new();
    for (rows, period) in loads {
        let current = periods.entry((*period).to_owned()).or_default();
        match contract.strategy {
            Strategy::Rebuild => *current = rows.clone(),
            Strategy::Append => current.extend(rows.iter().cloned()),
            Strategy::Merge => {
                let mut by_key: BTreeMap<Vec<String>, Vec<String>> =
                    current.drain(..).map(|row| (key_of(contract, &row), row)).collect();
                for row in rows {
                    by_key.insert(key_of(contract, row), row.clone());
                }
                current.extend(by_key.into_values());
            }
        }
    }
    periods
}

/// The (citizen, +972 number) pairs of some rows: every phone column, each
/// pair once.
fn phone_pairs(contract: &Contract, rows: &Rows) -> BTreeSet<(String, String)> {
    let citizen = contract.columns.iter().position(|c| c.name == "citizen_id");
    let mut pairs = BTreeSet::new();
    for row in rows {
        let id = citizen.and_then(|i| row.get(i)).map(|cell| id_of(cell)).unwrap_or_default();
        for &column in &contract.phones {
            let cell = row.get(column).map(String::as_str).unwrap_or("");
            if cell.is_empty() {
                continue;
            }
            let phone =
                normalise_phone(cell).unwrap_or_else(|| panic!("{}: a clean sample holds {cell:?}", contract.dataset));
            pairs.insert((id.clone(), phone.e164));
        }
    }
    pairs
}

async fn loads_end_to_end(dataset: &str) {
    let db = TestDb::new().await;
    let contract = db.contract(dataset);
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let [first_period, second_period] = periods(contract.period);
    let mut loads: Vec<(Rows, &str)> = Vec::new();
    for (format, rows, period) in [(SampleFormat::Csv, 240, first_period), (SampleFormat::Xlsx, 180, second_period)] {
        let extension = if format == SampleFormat::Xlsx { "xlsx" } else { "csv" };
        let path = db.dir.join(format!("{dataset}-{period}.{extension}"));
        // The same seed for both files: a merge dataset sees the same citizens again.
        let spec = SampleSpec { rows, seed: 2026, errors_per_code: 0, format };
        let manifest = write_sample_with(&contract, &spec, PhoneMix::Municipal, &path)
            .unwrap_or_else(|e| panic!("{dataset}: sample: {e}"));
        assert_eq!((manifest.invalid_rows, manifest.warnings), (0, 0), "{dataset}: {manifest:?}");
        let written = if format == SampleFormat::Xlsx { xlsx_rows(&path) } else { csv_rows(&path) };
        assert_eq!(written.len() as u64, rows, "{dataset} {format:?}: rows read back");
        let (submitted, approved) = submit_and_approve(&clerk, &supervisor, &contract, &path, period).await;
        assert_eq!(submitted.staged_rows, rows, "{dataset} {format:?}");
        loads.push((written, period));
        let expected = expected_rows(&contract, &loads);
        let in_period = expected.get(period).map_or(0, Vec::len) as i64;
        assert_eq!(approved.rows, in_period, "{dataset} {format:?}: the version's rows");
    }
    let expected = expected_rows(&contract, &loads);
    if contract.strategy == Strategy::Merge {
        let (first, second) = (&loads[0].0, &loads[1].0);
        let keys = |rows: &Rows| rows.iter().map(|r| key_of(&contract, r)).collect::<BTreeSet<_>>();
        assert!(!keys(first).is_disjoint(&keys(second)), "{dataset}: the second load updates rows of the first");
    }

    // core.<dataset>_current, period by period.
    let counts: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT period, count(*) FROM core.{dataset}_current GROUP BY period ORDER BY period"
    )))
    .fetch_all(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{dataset}: {e}"));
    let wanted: Vec<(String, i64)> = expected.iter().map(|(p, rows)| (p.clone(), rows.len() as i64)).collect();
    assert_eq!(counts, wanted, "{dataset}: rows of core.{dataset}_current by period");

    // core.phone_numbers_current: this dataset's phones, each citizen and number once per period.
    let phones: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT v.period, p.citizen_id, p.phone_e164, p.source_column FROM core.phone_numbers_current p
         JOIN meta.dataset_version v ON v.version_id = p.version_id AND v.is_active
         WHERE p.source_dataset = $1 ORDER BY 1, 2, 3",
    )
    .bind(dataset)
    .fetch_all(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{dataset}: {e}"));
    let mut found: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (period, citizen, phone, _) in &phones {
        found.entry(period.clone()).or_default().push((citizen.clone(), phone.clone()));
    }
    let wanted: BTreeMap<String, Vec<(String, String)>> =
        expected.iter().map(|(p, rows)| (p.clone(), phone_pairs(&contract, rows).into_iter().collect())).collect();
    assert!(wanted.values().all(|pairs| !pairs.is_empty()), "{dataset}: the samples carry phones");
    assert_eq!(found, wanted, "{dataset}: core.phone_numbers_current");
    let columns: BTreeSet<&str> = phones.iter().map(|(_, _, _, column)| column.as_str()).collect();
    let phone_columns: BTreeSet<&str> = contract.phones.iter().map(|&i| contract.columns[i].name.as_str()).collect();
    assert_eq!(columns, phone_columns, "{dataset}: every phone column is unpivoted");

    // mart.citizen_contacts names the dataset for every citizen it holds.
    let citizen = contract.columns.iter().position(|c| c.name == "citizen_id");
    let citizen = citizen.unwrap_or_else(|| panic!("{dataset}: every shipped dataset names its citizens"));
    let citizens: BTreeSet<String> =
        expected.values().flatten().filter_map(|row| row.get(citizen)).map(|cell| id_of(cell)).collect();
    let in_mart =
        db.scalar_i64(&format!("SELECT count(*) FROM mart.citizen_contacts WHERE '{dataset}' = ANY (datasets)")).await;
    assert_eq!(in_mart, citizens.len() as i64, "{dataset}: citizens in mart.citizen_contacts");
}

#[test]
fn every_shipped_contract_has_a_test_here() {
    let shipped: BTreeSet<String> = shipped_catalog().contracts.iter().map(|c| c.dataset.clone()).collect();
    let tested: BTreeSet<String> =
        ["welfare_patients", "av_bait", "hamal", "breath_troubles", "meser", "hazramim"].map(String::from).into();
    assert_eq!(shipped, tested, "add a test below for each new contract");
}

#[tokio::test]
async fn welfare_patients_loads_end_to_end() {
    loads_end_to_end("welfare_patients").await;
}

#[tokio::test]
async fn av_bait_loads_end_to_end() {
    loads_end_to_end("av_bait").await;
}

#[tokio::test]
async fn hamal_loads_end_to_end() {
    loads_end_to_end("hamal").await;
}

#[tokio::test]
async fn breath_troubles_loads_end_to_end() {
    loads_end_to_end("breath_troubles").await;
}

#[tokio::test]
async fn meser_loads_end_to_end() {
    loads_end_to_end("meser").await;
}

#[tokio::test]
async fn hazramim_loads_end_to_end() {
    loads_end_to_end("hazramim").await;
}
