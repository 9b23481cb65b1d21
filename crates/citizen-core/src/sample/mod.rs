//! Deterministic sample files for any contract, with known deliberate errors.
//!
//! [`write_sample`] writes a realistic file (Hebrew names and headers, Israeli
//! IDs with valid check digits, phones in mixed forms, dates in mixed forms or
//! the contract's `format`, allowed values, codes matching their `pattern`,
//! values within bounds and lengths, unique keys) and returns a
//! [`SampleManifest`]: exactly what validation must report for the file.
//!
//! Everything is driven by the contract's column types, names and rules, so a
//! new contract gets samples without new code. For every issue code that
//! applies to the contract, `errors_per_code` rows are corrupted, each in its
//! own row and each triggering exactly that one code: an empty required cell,
//! an unparseable number or date, a value outside `pattern`, `allowed`, the
//! bounds or the lengths, a 9-digit ID with a wrong check digit, an invalid
//! phone or e-mail, or a row repeating an earlier valid row's key. The rows
//! are picked with a seeded splitmix64 generator; every row is a pure function
//! of the seed and its index, so files of a million rows stream to disk
//! without being built in memory.

mod data;
mod regex_gen;
mod rng;
mod values;
mod write;

#[cfg(test)]
mod tests;

use crate::contract::{Column, ColumnType, Contract};
use crate::error::{ContractProblem, CoreError};
use crate::report::{IssueCode, Severity, Status};
use rng::Rng;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
pub use values::PhoneMix;
use values::{ColumnGen, Out, Value};
use write::{CsvEncoding, WriteFailure};

/// The file format of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SampleFormat {
    /// CSV in UTF-8 with a byte-order mark.
    #[serde(rename = "csv")]
    Csv,
    /// CSV in the Hebrew Windows code page (windows-1255), CRLF line ends.
    #[serde(rename = "csv-1255")]
    CsvWindows1255,
    /// An Excel workbook: real date cells, phones and IDs as text, some codes as numbers.
    #[serde(rename = "xlsx")]
    Xlsx,
}

/// What sample to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSpec {
    /// Data rows (the header row comes on top).
    pub rows: u64,
    /// Seed of every random choice: the same seed gives the same file.
    pub seed: u64,
    /// Deliberate errors per applicable issue code (capped so that at most
    /// half the rows carry one).
    pub errors_per_code: u64,
    /// CSV (UTF-8 or windows-1255) or xlsx.
    pub format: SampleFormat,
}

/// What validation must report for a sample: the counts of the SPEC §4 report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleManifest {
    /// The contract's dataset.
    pub dataset: String,
    /// The format written.
    pub format: SampleFormat,
    /// The seed used.
    pub seed: u64,
    /// Data rows written: the report's `rows`.
    pub rows: u64,
    /// The report's `valid_rows`.
    pub valid_rows: u64,
    /// The report's `invalid_rows`: rows with an error-severity issue (see
    /// `crate::validate::issue_severity`: a type failure on a typed column is an
    /// error even on a `severity: warning` column).
    pub invalid_rows: u64,
    /// The report's `warnings`: the other issues on `severity: warning` columns.
    pub warnings: u64,
    /// The report's `status` (invalid beyond the contract's `max_invalid_rows`).
    pub status: Status,
    /// Errors injected per applicable code (after any cap).
    pub errors_per_code: u64,
    /// The report's `summary`: issue counts by code.
    pub expected: BTreeMap<IssueCode, u64>,
    /// Why a code that seems to apply got no errors, or why the count was capped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Writes a sample of `contract` to `out` and returns what validating it must report.
///
/// Phone cells follow [`PhoneMix::from_env`]: the generator's own mix unless
/// `CITIZEN_SAMPLE_PHONE_MIX=municipal`.
pub fn write_sample(contract: &Contract, spec: &SampleSpec, out: &Path) -> Result<SampleManifest, CoreError> {
    write_sample_with(contract, spec, PhoneMix::from_env(), out)
}

/// [`write_sample`] with the phone cells written in `phones`' mix of forms.
pub fn write_sample_with(
    contract: &Contract,
    spec: &SampleSpec,
    phones: PhoneMix,
    out: &Path,
) -> Result<SampleManifest, CoreError> {
    let generator = Generator::new(contract, spec, phones).map_err(|message| contract_problem(contract, message))?;
    let headers = sample_headers(contract);
    let rows = |index: u64| generator.row(index);
    let written = match spec.format {
        SampleFormat::Csv => write::write_csv(out, &headers, spec.rows, CsvEncoding::Utf8Bom, rows),
        SampleFormat::CsvWindows1255 => write::write_csv(out, &headers, spec.rows, CsvEncoding::Windows1255, rows),
        SampleFormat::Xlsx => write::write_xlsx(out, &headers, spec.rows, rows),
    };
    match written {
        Ok(()) => Ok(generator.manifest),
        Err(WriteFailure::Io(message)) => Err(CoreError::ReportWrite { path: out.to_path_buf(), message }),
        Err(WriteFailure::Generate(message)) => Err(contract_problem(contract, message)),
    }
}

/// The header a sample writes for each column: its first alias when it has
/// one (the Hebrew header a clerk's file carries), else its name.
pub fn sample_headers(contract: &Contract) -> Vec<String> {
    contract.columns.iter().map(|c| c.headers.get(1).cloned().unwrap_or_else(|| c.name.clone())).collect()
}

fn contract_problem(contract: &Contract, message: String) -> CoreError {
    CoreError::InvalidContract(vec![ContractProblem {
        file: contract.path.clone(),
        line: None,
        column: None,
        message: format!("sample for {}: {message}", contract.dataset),
    }])
}

/// The cell-level codes, in planning order; `duplicate_key` comes after them.
const CELL_CODES: [IssueCode; 11] = [
    IssueCode::Required,
    IssueCode::Type,
    IssueCode::Pattern,
    IssueCode::Allowed,
    IssueCode::Min,
    IssueCode::Max,
    IssueCode::MinLength,
    IssueCode::MaxLength,
    IssueCode::IsraeliId,
    IssueCode::Phone,
    IssueCode::Email,
];

/// Random streams, so each use of the seed draws independently.
const STREAM_ROWS: u64 = 1;
const STREAM_ERRORS: u64 = 2;
const STREAM_PLAN: u64 = 3;

/// Where an error of one code can go.
#[derive(Debug, Clone, Copy)]
enum Target {
    Column(usize),
    /// A connected group of uniqueness sets.
    Component(usize),
}

/// What happens to one corrupted row.
#[derive(Debug, Clone, Copy)]
enum Injection {
    /// Cell `column` breaks with `code`; `k` numbers the error within its code.
    Cell { column: usize, code: IssueCode, k: u64 },
    /// The row repeats row `source`'s values in every column of the component.
    Duplicate { component: usize, source: u64 },
}

/// Uniqueness sets that share columns: a duplicate copies all their columns.
#[derive(Debug, Clone)]
struct Component {
    columns: Vec<usize>,
    /// How many sets the component holds: issues per duplicated row.
    sets: u64,
}

/// Groups sets that share a column.
fn components(sets: &[Vec<usize>]) -> Vec<Component> {
    let mut groups: Vec<(Vec<usize>, u64)> = Vec::new();
    for set in sets {
        let mut merged: Vec<usize> = set.clone();
        let mut count = 1;
        let mut kept = Vec::new();
        for (columns, sets) in groups.drain(..) {
            if columns.iter().any(|c| merged.contains(c)) {
                merged.extend(columns);
                count += sets;
            } else {
                kept.push((columns, sets));
            }
        }
        merged.sort_unstable();
        merged.dedup();
        kept.push((merged, count));
        groups = kept;
    }
    groups.into_iter().map(|(columns, sets)| Component { columns, sets }).collect()
}

/// Preference of a column type as the carrier of a set's uniqueness.
fn carrier_rank(column: &Column) -> u8 {
    match column.column_type {
        ColumnType::IsraeliId => 0,
        ColumnType::Email => 1,
        ColumnType::Phone => 2,
        ColumnType::Code => 3,
        ColumnType::Integer => 4,
        ColumnType::Text => 5,
        ColumnType::Datetime => 6,
        ColumnType::Date => 7,
        ColumnType::Decimal => 8,
        ColumnType::Boolean => 9,
    }
}

/// The planned sample: column generators, the corrupted rows, the manifest.
struct Generator<'c> {
    seed: u64,
    columns: Vec<ColumnGen<'c>>,
    components: Vec<Component>,
    injections: HashMap<u64, Injection>,
    manifest: SampleManifest,
}

impl<'c> Generator<'c> {
    fn new(contract: &'c Contract, spec: &SampleSpec, phones: PhoneMix) -> Result<Generator<'c>, String> {
        let xlsx = spec.format == SampleFormat::Xlsx;
        let sets = crate::validate::unique_sets(contract);
        let keyed: HashSet<usize> = sets.iter().flatten().copied().collect();
        let mut columns: Vec<ColumnGen<'c>> = contract
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut column = ColumnGen::new(c, xlsx, spec.seed, keyed.contains(&i));
                column.phone_mix = phones;
                if phones == PhoneMix::Municipal && c.column_type == ColumnType::Phone && column.empty_rate > 0.0 {
                    column.empty_rate = 0.05;
                }
                column
            })
            .collect();
        // Every set needs one column whose values are unique per row.
        let carry_rows = spec.rows.max(1);
        for set in &sets {
            if set.iter().any(|&i| columns[i].carrier.is_some()) {
                continue;
            }
            let mut candidates = set.clone();
            candidates.sort_by_key(|&i| carrier_rank(&contract.columns[i]));
            let carrier = candidates.into_iter().find_map(|i| columns[i].carrier_mode(carry_rows).map(|m| (i, m)));
            let Some((carrier, mode)) = carrier else {
                let names: Vec<&str> = set.iter().map(|&i| contract.columns[i].name.as_str()).collect();
                return Err(format!(
                    "no column of the unique set ({}) can hold {} distinct values within its rules",
                    names.join(", "),
                    spec.rows
                ));
            };
            columns[carrier].carrier = Some(mode);
        }
        let components = components(&sets);
        let mut generator = Generator {
            seed: spec.seed,
            columns,
            components,
            injections: HashMap::new(),
            manifest: SampleManifest {
                dataset: contract.dataset.clone(),
                format: spec.format,
                seed: spec.seed,
                rows: spec.rows,
                valid_rows: spec.rows,
                invalid_rows: 0,
                warnings: 0,
                status: Status::Valid,
                errors_per_code: spec.errors_per_code,
                expected: BTreeMap::new(),
                notes: Vec::new(),
            },
        };
        // Fail early, with the column named, when a contract cannot be satisfied.
        for row in 0..spec.rows.min(20) {
            generator.clean_values(row)?;
        }
        generator.plan(contract, spec)?;
        Ok(generator)
    }

    /// The codes that apply and where their errors can go.
    fn slots(&self, contract: &Contract) -> (Vec<(IssueCode, Vec<Target>)>, Vec<String>) {
        let mut slots = Vec::new();
        let mut notes = Vec::new();
        for code in CELL_CODES {
            let mut targets = Vec::new();
            for (index, generator) in self.columns.iter().enumerate() {
                let mut rng = Rng::for_row(self.seed, STREAM_ERRORS, u64::MAX - index as u64);
                if generator.error(code, &mut rng, 0, 0).is_some() {
                    targets.push(Target::Column(index));
                } else if declares(&contract.columns[index], code) {
                    notes.push(format!(
                        "no {code} error can be written for column '{}' (no value breaks only that rule)",
                        contract.columns[index].name
                    ));
                }
            }
            if !targets.is_empty() {
                slots.push((code, targets));
            }
        }
        if !self.components.is_empty() {
            slots.push((IssueCode::DuplicateKey, (0..self.components.len()).map(Target::Component).collect()));
        }
        (slots, notes)
    }

    /// Chooses the corrupted rows and computes the manifest.
    fn plan(&mut self, contract: &Contract, spec: &SampleSpec) -> Result<(), String> {
        let (slots, notes) = self.slots(contract);
        self.manifest.notes = notes;
        let rows = spec.rows;
        let capacity = rows.saturating_sub(1) / 2;
        let mut per_code = spec.errors_per_code;
        if !slots.is_empty() && per_code.saturating_mul(slots.len() as u64) > capacity {
            per_code = capacity / slots.len() as u64;
            self.manifest.notes.push(format!(
                "{} rows hold at most {capacity} corrupted rows: {per_code} error(s) per code instead of {}",
                rows, spec.errors_per_code
            ));
        }
        self.manifest.errors_per_code = per_code;
        let mut rng = Rng::for_row(self.seed, STREAM_PLAN, 0);
        let mut planned = Vec::new();
        for (code, targets) in &slots {
            let offset = rng.below(targets.len() as u64);
            for k in 0..per_code {
                let target = targets[((k + offset) % targets.len() as u64) as usize];
                planned.push(match target {
                    Target::Column(column) => Injection::Cell { column, code: *code, k },
                    Target::Component(component) => Injection::Duplicate { component, source: 0 },
                });
            }
        }
        // Distinct random rows, never the first (a duplicate needs an earlier row).
        let mut taken = HashSet::with_capacity(planned.len());
        let mut positions = Vec::with_capacity(planned.len());
        while positions.len() < planned.len() {
            let position = 1 + rng.below(rows - 1);
            if taken.insert(position) {
                positions.push(position);
            }
        }
        let mut injections: HashMap<u64, Injection> = positions.into_iter().zip(planned).collect();
        self.choose_sources(&mut injections, &mut rng)?;
        self.injections = injections;
        self.count_expected(contract);
        Ok(())
    }

    /// Gives every duplicate row a distinct, earlier, clean source row.
    fn choose_sources(&self, injections: &mut HashMap<u64, Injection>, rng: &mut Rng) -> Result<(), String> {
        let mut positions: Vec<u64> = injections.keys().copied().collect();
        positions.sort_unstable();
        let mut used: HashSet<u64> = HashSet::new();
        let mut index = 0;
        while index < positions.len() {
            let row = positions[index];
            index += 1;
            let Some(Injection::Duplicate { component, .. }) = injections.get(&row).copied() else {
                continue;
            };
            let free = |q: u64, used: &HashSet<u64>| !injections.contains_key(&q) && !used.contains(&q);
            let mut source = (0..64).map(|_| rng.below(row)).find(|&q| free(q, &used));
            if source.is_none() {
                source = (0..row).rev().find(|&q| free(q, &used));
            }
            match source {
                Some(q) => {
                    used.insert(q);
                    injections.insert(row, Injection::Duplicate { component, source: q });
                }
                None => {
                    // Too early in the file: trade places with the last cell error.
                    let later = positions[index..]
                        .iter()
                        .rev()
                        .copied()
                        .find(|p| matches!(injections.get(p), Some(Injection::Cell { .. })));
                    let Some(later) = later else {
                        return Err("too few rows to place the duplicate keys; write more rows".to_owned());
                    };
                    let cell = injections.get(&later).copied();
                    let dup = injections.get(&row).copied();
                    if let (Some(cell), Some(dup)) = (cell, dup) {
                        injections.insert(row, cell);
                        injections.insert(later, dup);
                    }
                }
            }
        }
        Ok(())
    }

    fn count_expected(&mut self, contract: &Contract) {
        let manifest = &mut self.manifest;
        for injection in self.injections.values() {
            match *injection {
                Injection::Cell { column, code, .. } => {
                    *manifest.expected.entry(code).or_default() += 1;
                    if crate::validate::issue_severity(&contract.columns[column], code) == Severity::Error {
                        manifest.invalid_rows += 1;
                    } else {
                        manifest.warnings += 1;
                    }
                }
                Injection::Duplicate { component, .. } => {
                    *manifest.expected.entry(IssueCode::DuplicateKey).or_default() += self.components[component].sets;
                    manifest.invalid_rows += 1;
                }
            }
        }
        let mut file_error = false;
        if manifest.rows == 0 {
            manifest.expected.insert(IssueCode::EmptyFile, 1);
            file_error = true;
        } else if contract.min_rows.is_some_and(|m| manifest.rows < m) {
            manifest.expected.insert(IssueCode::MinRows, 1);
            file_error = true;
        }
        manifest.valid_rows = manifest.rows - manifest.invalid_rows;
        manifest.status = if file_error || manifest.invalid_rows > contract.max_invalid_rows {
            Status::Invalid
        } else {
            Status::Valid
        };
    }

    /// The clean values of row `index`: a pure function of the seed and index.
    fn clean_values(&self, index: u64) -> Result<Vec<Value>, String> {
        let mut rng = Rng::for_row(self.seed, STREAM_ROWS, index);
        let mut values = Vec::with_capacity(self.columns.len());
        for column in &self.columns {
            values.push(column.clean(&mut rng, index)?);
        }
        if values.iter().all(|v| v.out == Out::Empty) {
            if let Some(first) = self.columns.first() {
                values[0] = first.valid(&mut rng, index)?;
            }
        }
        Ok(values)
    }

    /// The cells of row `index`, corrupted when the plan says so.
    fn row(&self, index: u64) -> Result<Vec<Out>, String> {
        let mut values = self.clean_values(index)?;
        match self.injections.get(&index) {
            None => {}
            Some(&Injection::Cell { column, code, k }) => {
                let mut rng = Rng::for_row(self.seed, STREAM_ERRORS, index);
                let broken = self.columns[column].error(code, &mut rng, k, index).ok_or_else(|| {
                    format!("no {code} error could be written for column '{}'", self.columns[column].column.name)
                })?;
                values[column] = broken;
                // A row must not end up blank, or readers skip it.
                let blank =
                    |v: &Value| matches!(&v.out, Out::Empty) || matches!(&v.out, Out::Text(t) if t.trim().is_empty());
                if values.iter().all(blank) {
                    if let Some(other) = (0..values.len()).find(|&i| i != column) {
                        values[other] = self.columns[other].valid(&mut rng, index)?;
                    }
                }
            }
            Some(&Injection::Duplicate { component, source }) => {
                let original = self.clean_values(source)?;
                for &column in &self.components[component].columns {
                    values[column] = original[column].clone();
                }
            }
        }
        Ok(values.into_iter().map(|v| v.out).collect())
    }
}

/// Whether a column's contract names a rule for `code` (for notes about
/// codes that could not be injected).
fn declares(column: &Column, code: IssueCode) -> bool {
    match code {
        IssueCode::Pattern => column.pattern.is_some(),
        IssueCode::Allowed => column.allowed.is_some(),
        IssueCode::Min => column.min.is_some(),
        IssueCode::Max => column.max.is_some(),
        IssueCode::MinLength => column.min_length.is_some_and(|m| m > 1),
        IssueCode::MaxLength => column.max_length.is_some(),
        _ => false,
    }
}
