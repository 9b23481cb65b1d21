//! Turns a `ContractConfig` into a runtime `Contract`, collecting every mistake
//! (with file, line and column) instead of stopping at the first.
//!
//! Besides the format, it enforces the rules of `docs/contracts.md`: key
//! columns are required with error severity, dataset names leave room for
//! every name derived from them within PostgreSQL's 63 bytes, and columns
//! never take a name the generated SQL uses.

use super::config::{
    ColumnConfig, ColumnTypeConfig, ContractConfig, EncodingConfig, ScalarConfig, SeverityConfig, StrategyConfig,
};
use super::{normalise_header, Bound, Column, Contract, SourceOptions};
use crate::error::ContractProblem;
use crate::report::Severity;
use crate::sql::{DERIVED_SUFFIXES, MAX_DATASET_LEN, MAX_IDENTIFIER_BYTES, SHARED_CORE_OBJECTS, SYSTEM_COLUMNS};
use chrono::{NaiveDate, NaiveDateTime};
use regex::Regex;
use serde_saphyr::{Location, Spanned};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::Path;

/// Words PostgreSQL reserves. A column may not be called like one of them,
/// nor like a `crate::sql::SYSTEM_COLUMNS` name or a `PIPELINE_NAMES` one.
const RESERVED_NAMES: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "lateral",
    "leading",
    "limit",
    "localtime",
    "localtimestamp",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "placing",
    "primary",
    "references",
    "returning",
    "select",
    "session_user",
    "some",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "when",
    "where",
    "window",
    "with",
];

/// Names the generated SQL gives to columns of its own besides the tables'
/// `SYSTEM_COLUMNS`: `present` marks the sides of the change preview's full
/// join (`pipeline/preview.rs`); `row_hash`, `valid_from` and `valid_to` are
/// kept free for row versioning.
const PIPELINE_NAMES: &[&str] = &["present", "row_hash", "valid_from", "valid_to"];

/// Whether a column name is taken by SQL or by the tables Citizen DB generates.
fn is_reserved(name: &str) -> bool {
    RESERVED_NAMES.contains(&name) || SYSTEM_COLUMNS.contains(&name) || PIPELINE_NAMES.contains(&name)
}

/// Reads and compiles one contract file body.
pub fn compile_contract(path: &Path, body: &str) -> Result<Contract, Vec<ContractProblem>> {
    let config: ContractConfig = serde_saphyr::from_str(body).map_err(|error| {
        let location = error.location();
        vec![ContractProblem {
            file: path.to_path_buf(),
            line: location.map(|l| l.line()),
            column: location.map(|l| l.column()),
            message: first_line(&error.to_string()),
        }]
    })?;
    let mut compiler = Compiler { path, problems: Vec::new() };
    let contract = compiler.compile(config, body);
    if compiler.problems.is_empty() {
        Ok(contract)
    } else {
        Err(compiler.problems)
    }
}

fn first_line(message: &str) -> String {
    message.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("invalid YAML").to_owned()
}

struct Compiler<'a> {
    path: &'a Path,
    problems: Vec<ContractProblem>,
}

impl Compiler<'_> {
    fn problem(&mut self, at: Option<Location>, message: String) {
        self.problems.push(ContractProblem {
            file: self.path.to_path_buf(),
            line: at.map(|l| l.line()).filter(|l| *l > 0),
            column: at.map(|l| l.column()).filter(|c| *c > 0),
            message,
        });
    }

    /// Whether `name` is a safe SQL name of at most `max` characters; says why not.
    fn check_identifier(&mut self, name: &Spanned<String>, what: &str, max: usize) -> bool {
        let value = name.value.as_str();
        let mut chars = value.chars();
        let starts_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !starts_ok || !rest_ok {
            self.problem(
                Some(name.referenced),
                format!(
                    "{what} '{value}' is not a safe SQL name: use snake_case, a lower-case letter then letters, digits or _"
                ),
            );
            return false;
        }
        if value.len() > max {
            self.problem(
                Some(name.referenced),
                format!("{what} '{value}' is {} characters long; at most {max} are allowed", value.len()),
            );
            return false;
        }
        true
    }

    fn check_column_name(&mut self, name: &Spanned<String>) {
        if self.check_identifier(name, "column name", MAX_IDENTIFIER_BYTES) && is_reserved(&name.value) {
            self.problem(
                Some(name.referenced),
                format!("column name '{}' is a reserved word in SQL or in Citizen DB; choose another name", name.value),
            );
        }
    }

    /// A dataset names `stage.<dataset>`, `core.<dataset>` and the objects in
    /// `crate::sql::DERIVED_SUFFIXES`: every one must fit PostgreSQL's 63
    /// bytes (a longer name is cut, and two cut names can become one object),
    /// and none may be taken by another dataset's derived names or by the
    /// objects all datasets share.
    fn check_dataset_name(&mut self, name: &Spanned<String>) {
        let value = name.value.as_str();
        if !self.check_identifier(name, "dataset", MAX_IDENTIFIER_BYTES) {
            return;
        }
        if value.len() > MAX_DATASET_LEN {
            let longest = DERIVED_SUFFIXES.iter().max_by_key(|s| s.len()).copied().unwrap_or_default();
            self.problem(
                Some(name.referenced),
                format!(
                    "dataset '{value}' is {} characters long; at most {MAX_DATASET_LEN} are allowed, so that \
                     derived names such as core.{value}{longest} fit PostgreSQL's {MAX_IDENTIFIER_BYTES} bytes",
                    value.len()
                ),
            );
        } else if RESERVED_NAMES.contains(&value) {
            self.problem(
                Some(name.referenced),
                format!("dataset '{value}' is a reserved word in SQL; choose another name"),
            );
        } else if SHARED_CORE_OBJECTS.contains(&value) {
            self.problem(
                Some(name.referenced),
                format!("dataset '{value}' is the name of core.{value}, which Citizen DB keeps for every dataset; choose another name"),
            );
        } else if let Some(suffix) = DERIVED_SUFFIXES.iter().find(|s| value.ends_with(*s)) {
            self.problem(
                Some(name.referenced),
                format!(
                    "dataset '{value}' ends in '{suffix}', which Citizen DB appends to dataset names for their views, \
                     history tables and indexes (core.{}{suffix} would clash); choose another name",
                    &value[..value.len() - suffix.len()]
                ),
            );
        }
    }

    fn compile(&mut self, config: ContractConfig, body: &str) -> Contract {
        self.check_dataset_name(&config.dataset);
        let mut seen = HashSet::new();
        let mut columns = Vec::with_capacity(config.columns.len());
        let mut severity_at = Vec::with_capacity(config.columns.len());
        if config.columns.is_empty() {
            self.problem(None, "the contract has no columns".to_owned());
        }
        for column in config.columns {
            self.check_column_name(&column.name);
            if !seen.insert(column.name.value.clone()) {
                self.problem(Some(column.name.referenced), format!("column '{}' is defined twice", column.name.value));
            }
            severity_at.push(column.severity.as_ref().map(|s| s.referenced).unwrap_or(column.name.referenced));
            columns.push(self.compile_column(column));
        }
        let mut header_owner: std::collections::HashMap<&str, &str> = Default::default();
        for column in &columns {
            for header in &column.headers {
                if let Some(other) = header_owner.insert(header, &column.name) {
                    if other != column.name {
                        let message = format!(
                            "header '{header}' is accepted by both '{other}' and '{}'; a header must name one column",
                            column.name
                        );
                        self.problem(None, message);
                    }
                }
            }
        }
        let keys = self.resolve_names(&config.keys, &columns, "keys");
        let phones = self.resolve_names(&config.phones, &columns, "phones");
        for (&index, name) in phones.iter().zip(&config.phones) {
            if columns[index].column_type != ColumnTypeConfig::Phone {
                self.problem(
                    Some(name.referenced),
                    format!("phones lists '{}', which is not of type phone", name.value),
                );
            }
        }
        if config.strategy.value == StrategyConfig::Merge && config.keys.is_empty() {
            self.problem(
                Some(config.strategy.referenced),
                "strategy merge needs keys: list the columns that identify a row".to_owned(),
            );
        }
        for &index in &keys {
            self.key_column(&mut columns[index], severity_at[index]);
        }
        if config.merge_deletes && config.strategy.value != StrategyConfig::Merge {
            self.problem(None, "merge_deletes only applies to strategy merge".to_owned());
        }
        let file_name_pattern = config.match_.and_then(|m| m.file_name).and_then(|p| self.regex(&p, false));
        let source = self.compile_source(config.source.unwrap_or_default());
        let expect = config.expect.unwrap_or_default();
        if let Some(change) = expect.max_row_change {
            if !(change >= 0.0 && change.is_finite()) {
                self.problem(None, "expect.max_row_change must be a fraction such as 0.3".to_owned());
            }
        }
        Contract {
            dataset: config.dataset.value,
            title: config.title,
            title_he: config.title_he,
            period: config.period,
            strategy: config.strategy.value,
            merge_deletes: config.merge_deletes,
            columns,
            keys,
            phones,
            file_name_pattern,
            source,
            max_invalid_rows: config.tolerance.map(|t| t.max_invalid_rows).unwrap_or(0),
            min_rows: expect.min_rows,
            max_row_change: expect.max_row_change,
            sha256: hex(&Sha256::digest(body.as_bytes())),
            body: body.to_owned(),
            path: self.path.to_path_buf(),
        }
    }

    /// Key columns are always required with error severity: a row without
    /// its key (or with a key the contract rejects) must be set aside, since
    /// `MERGE` never matches NULL (such a row would be inserted again on every
    /// load, and rollback could not find it) and the core tables hold keys as
    /// `NOT NULL`. A key without `required: true` is made required; an explicit
    /// `severity: warning` on a key is a mistake in the contract.
    fn key_column(&mut self, column: &mut Column, severity_at: Location) {
        if column.severity == Severity::Warning {
            let name = &column.name;
            self.problem(
                Some(severity_at),
                format!(
                    "key column '{name}' has severity: warning, but a key identifies a row: a row whose key is \
                     missing or invalid must be set aside, not loaded. Remove the severity of '{name}' or take it \
                     out of keys"
                ),
            );
        }
        column.required = true;
    }

    fn resolve_names(&mut self, names: &[Spanned<String>], columns: &[Column], what: &str) -> Vec<usize> {
        let mut indexes = Vec::new();
        for name in names {
            match columns.iter().position(|c| c.name == name.value) {
                Some(index) if indexes.contains(&index) => {
                    self.problem(Some(name.referenced), format!("{what} lists '{}' twice", name.value))
                }
                Some(index) => indexes.push(index),
                None => self.problem(
                    Some(name.referenced),
                    format!("{what} names '{}', which is not a column of this contract", name.value),
                ),
            }
        }
        indexes
    }

    fn regex(&mut self, pattern: &Spanned<String>, whole_value: bool) -> Option<Regex> {
        let source = if whole_value { format!("^(?:{})$", pattern.value) } else { pattern.value.clone() };
        match Regex::new(&source) {
            Ok(regex) => Some(regex),
            Err(error) => {
                let detail = error.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
                self.problem(
                    Some(pattern.referenced),
                    format!("invalid regular expression '{}': {detail}", pattern.value),
                );
                None
            }
        }
    }

    fn compile_source(&mut self, source: super::config::SourceConfig) -> SourceOptions {
        let delimiter = match source.delimiter {
            None => None,
            Some(d) => match d.value.as_str() {
                "auto" => None,
                "," => Some(b','),
                ";" => Some(b';'),
                "\t" | "\\t" | "tab" => Some(b'\t'),
                "|" => Some(b'|'),
                other => {
                    self.problem(
                        Some(d.referenced),
                        format!("delimiter '{other}' is not one of auto, \",\", \";\", \"\\t\", \"|\""),
                    );
                    None
                }
            },
        };
        if let Some(row) = &source.header_row {
            if row.value == 0 {
                self.problem(Some(row.referenced), "header_row counts from 1".to_owned());
            }
        }
        SourceOptions {
            sheet: source.sheet,
            header_row: source.header_row.map(|r| r.value),
            encoding: source.encoding.filter(|e| *e != EncodingConfig::Auto),
            delimiter,
        }
    }

    fn compile_column(&mut self, config: ColumnConfig) -> Column {
        let column_type = config.column_type.value;
        let mut headers = vec![normalise_header(&config.name.value)];
        for header in &config.headers {
            let normalised = normalise_header(header);
            if normalised.is_empty() {
                self.problem(
                    Some(config.name.referenced),
                    format!("column '{}' has an empty header alias", config.name.value),
                );
            } else if !headers.contains(&normalised) {
                headers.push(normalised);
            }
        }
        let pattern = config.pattern.as_ref().and_then(|p| self.regex(p, true));
        let min = config.min.as_ref().and_then(|b| self.bound(b, column_type, &config.name.value, "min"));
        let max = config.max.as_ref().and_then(|b| self.bound(b, column_type, &config.name.value, "max"));
        if let (Some(Bound::Number(lo)), Some(Bound::Number(hi))) = (min, max) {
            if lo > hi {
                self.problem(
                    Some(config.name.referenced),
                    format!("column '{}' has min {lo} above max {hi}", config.name.value),
                );
            }
        }
        if let (Some(lo), Some(hi)) = (config.min_length, config.max_length) {
            if lo > hi {
                self.problem(
                    Some(config.name.referenced),
                    format!("column '{}' has min_length {lo} above max_length {hi}", config.name.value),
                );
            }
        }
        if let Some(format) = &config.format {
            if !matches!(column_type, ColumnTypeConfig::Date | ColumnTypeConfig::Datetime) {
                self.problem(
                    Some(format.referenced),
                    format!("format applies only to date and datetime columns, not to '{}'", config.name.value),
                );
            } else if chrono::format::StrftimeItems::new(&format.value)
                .any(|item| matches!(item, chrono::format::Item::Error))
            {
                self.problem(
                    Some(format.referenced),
                    format!("format '{}' is not a valid date format (use %d/%m/%Y style)", format.value),
                );
            }
        }
        Column {
            name: config.name.value,
            headers,
            column_type,
            required: config.required,
            unique: config.unique,
            pattern_text: config.pattern.map(|p| p.value),
            pattern,
            allowed: config.allowed.map(|values| values.iter().map(ScalarConfig::to_text).collect()),
            min,
            max,
            min_length: config.min_length,
            max_length: config.max_length,
            format: config.format.map(|f| f.value),
            severity: match config.severity.map(|s| s.value) {
                Some(SeverityConfig::Warning) => Severity::Warning,
                _ => Severity::Error,
            },
            description: config.description,
        }
    }

    fn bound(
        &mut self,
        bound: &Spanned<ScalarConfig>,
        column_type: ColumnTypeConfig,
        column: &str,
        which: &str,
    ) -> Option<Bound> {
        let parsed = match (column_type, &bound.value) {
            (ColumnTypeConfig::Integer | ColumnTypeConfig::Decimal, ScalarConfig::Integer(i)) => {
                Some(Bound::Number(*i as f64))
            }
            (ColumnTypeConfig::Integer | ColumnTypeConfig::Decimal, ScalarConfig::Float(f)) => Some(Bound::Number(*f)),
            (ColumnTypeConfig::Date, ScalarConfig::Text(t)) => {
                NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().map(Bound::Date)
            }
            (ColumnTypeConfig::Datetime, ScalarConfig::Text(t)) => {
                NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
                    .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"))
                    .ok()
                    .or_else(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
                    .map(Bound::DateTime)
            }
            _ => None,
        };
        if parsed.is_none() {
            let expected = match column_type {
                ColumnTypeConfig::Integer | ColumnTypeConfig::Decimal => "a number",
                ColumnTypeConfig::Date => "a date YYYY-MM-DD",
                ColumnTypeConfig::Datetime => "a date-time YYYY-MM-DD HH:MM:SS",
                _ => "nothing: min and max apply only to numbers and dates",
            };
            self.problem(
                Some(bound.referenced),
                format!("{which} of column '{column}' is '{}'; expected {expected}", bound.value.to_text()),
            );
        }
        parsed
    }
}

/// Lower-case hexadecimal of a digest.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
dataset: people
title: People
period: monthly
match:
  file_name: '(?i)people'
columns:
  - name: citizen_id
    headers: ["ת.ז."]
    type: israeli_id
    required: true
  - name: born
    type: date
    min: 1900-01-01
  - name: phone_1
    type: phone
keys: [citizen_id]
strategy: merge
phones: [phone_1]
"#;

    fn problems(body: &str) -> Vec<ContractProblem> {
        match compile_contract(Path::new("people.yaml"), body) {
            Ok(_) => Vec::new(),
            Err(problems) => problems,
        }
    }

    #[test]
    fn a_good_contract_compiles() {
        let contract = compile_contract(Path::new("people.yaml"), GOOD).map_err(|p| format!("{p:?}"));
        let Ok(contract) = contract else { panic!("{contract:?}") };
        assert_eq!(contract.dataset, "people");
        assert_eq!(contract.keys, vec![0]);
        assert_eq!(contract.phones, vec![2]);
        assert_eq!(contract.columns[0].headers, vec!["citizen_id".to_owned(), "ת.ז.".to_owned()]);
        assert_eq!(contract.columns[1].min, NaiveDate::from_ymd_opt(1900, 1, 1).map(Bound::Date));
        assert_eq!(contract.sha256.len(), 64);
    }

    #[test]
    fn unknown_key_is_located() {
        let body = GOOD.replace("    required: true\n", "    required: true\n    requird: false\n");
        let found = problems(&body);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("requird"), "{found:?}");
        assert_eq!(found[0].line, Some(12));
    }

    #[test]
    fn unknown_type_and_bad_type_are_located() {
        let found = problems(&GOOD.replace("type: phone", "type: telephone"));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("telephone"), "{found:?}");
        assert_eq!(found[0].line, Some(16));
        let found = problems(&GOOD.replace("required: true", "required: [yes]"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, Some(11));
    }

    #[test]
    fn every_semantic_mistake_is_listed_with_its_line() {
        let body = GOOD
            .replace("file_name: '(?i)people'", "file_name: '(unclosed'")
            .replace("name: born", "name: Born Date")
            .replace("keys: [citizen_id]", "keys: [citizen, citizen_id]")
            .replace("phones: [phone_1]", "phones: [born]")
            .replace("min: 1900-01-01", "min: lots");
        let found = problems(&body);
        let messages: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 5, "{messages:#?}");
        let has = |needle: &str, line: u64| found.iter().any(|p| p.message.contains(needle) && p.line == Some(line));
        assert!(has("invalid regular expression", 6), "{messages:#?}");
        assert!(has("not a safe SQL name", 12), "{messages:#?}");
        assert!(has("min of column", 14), "{messages:#?}");
        assert!(has("'citizen', which is not a column", 17), "{messages:#?}");
        assert!(has("'born', which is not a column", 19), "{messages:#?}");
    }

    #[test]
    fn phones_must_be_phone_columns() {
        let found = problems(&GOOD.replace("phones: [phone_1]", "phones: [born]"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("not of type phone"), "{found:?}");
        assert_eq!(found[0].line, Some(19));
    }

    #[test]
    fn reserved_words_and_merge_without_keys_are_refused() {
        let body = GOOD.replace("name: born", "name: select").replace("keys: [citizen_id]\n", "");
        let found = problems(&body);
        assert!(found.iter().any(|p| p.message.contains("reserved")), "{found:?}");
        assert!(found.iter().any(|p| p.message.contains("merge needs keys")), "{found:?}");
    }

    #[test]
    fn every_name_the_generated_sql_uses_is_refused_as_a_column() {
        let names = SYSTEM_COLUMNS.iter().chain(PIPELINE_NAMES);
        for name in names.chain(&["period", "op", "old_version_id", "old_source_row", "present", "request_id"]) {
            let found = problems(&GOOD.replace("name: born", &format!("name: {name}")));
            assert_eq!(found.len(), 1, "{name}: {found:?}");
            assert!(found[0].message.contains(&format!("'{name}' is a reserved word")), "{name}: {found:?}");
            assert_eq!(found[0].line, Some(12), "{name}");
        }
    }

    #[test]
    fn a_key_column_is_made_required() {
        for strategy in ["merge", "rebuild", "append"] {
            let body =
                GOOD.replace("    required: true\n", "").replace("strategy: merge", &format!("strategy: {strategy}"));
            let contract = compile_contract(Path::new("people.yaml"), &body).map_err(|p| format!("{p:?}"));
            let Ok(contract) = contract else { panic!("{strategy}: {contract:?}") };
            assert!(contract.columns[0].required, "{strategy}: the key citizen_id is required");
            assert_eq!(contract.columns[0].severity, Severity::Error);
            assert!(!contract.columns[1].required, "{strategy}: other columns keep what they say");
        }
    }

    #[test]
    fn a_key_column_with_warning_severity_is_refused() {
        for strategy in ["merge", "rebuild", "append"] {
            let body = GOOD
                .replace("    required: true\n", "    required: true\n    severity: warning\n")
                .replace("strategy: merge", &format!("strategy: {strategy}"));
            let found = problems(&body);
            assert_eq!(found.len(), 1, "{strategy}: {found:?}");
            assert!(found[0].message.contains("key column 'citizen_id' has severity: warning"), "{found:?}");
            assert!(found[0].message.contains("set aside"), "the message says why: {found:?}");
            assert_eq!(found[0].line, Some(12), "{strategy}: the severity line");
        }
        let body = GOOD.replace("    type: phone\n", "    type: phone\n    severity: warning\n");
        assert!(problems(&body).is_empty(), "a warning on a column that is not a key is fine");
    }

    #[test]
    fn dataset_names_leave_room_for_every_derived_name() {
        let longest = DERIVED_SUFFIXES.iter().map(|s| s.len()).max().unwrap_or_default();
        assert_eq!(MAX_DATASET_LEN + longest, MAX_IDENTIFIER_BYTES);
        let fits = format!("p{}", "x".repeat(MAX_DATASET_LEN - 1));
        assert!(problems(&GOOD.replace("dataset: people", &format!("dataset: {fits}"))).is_empty());
        let too_long = format!("{fits}x");
        let found = problems(&GOOD.replace("dataset: people", &format!("dataset: {too_long}")));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains(&format!("at most {MAX_DATASET_LEN}")), "{found:?}");
        assert!(found[0].message.contains("63 bytes"), "{found:?}");
        assert_eq!(found[0].line, Some(2));
        let sixty_four = format!("p{}", "x".repeat(63));
        let found = problems(&GOOD.replace("dataset: people", &format!("dataset: {sixty_four}")));
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn dataset_names_that_clash_with_derived_or_shared_names_are_refused() {
        for name in ["people_current", "people_history", "people_key", "people_version", "phone_numbers", "select"] {
            let found = problems(&GOOD.replace("dataset: people", &format!("dataset: {name}")));
            assert_eq!(found.len(), 1, "{name}: {found:?}");
            assert!(found[0].message.contains("choose another name"), "{name}: {found:?}");
        }
        assert!(problems(&GOOD.replace("dataset: people", "dataset: current_people")).is_empty());
    }

    #[test]
    fn the_shipped_contracts_compile() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts");
        let catalog = crate::contract::Catalog::load(&dir).map_err(|e| e.to_string());
        let Ok(catalog) = catalog else { panic!("{catalog:?}") };
        let datasets = ["welfare_patients", "av_bait", "hamal", "breath_troubles", "meser", "hazramim"];
        for dataset in datasets {
            let contract = catalog.get(dataset).map_err(|e| e.to_string());
            let Ok(contract) = contract else { panic!("{contract:?}") };
            assert!((1..=3).contains(&contract.phones.len()), "{dataset}");
        }
        assert_eq!(catalog.contracts.len(), datasets.len(), "every shipped contract is listed here");
        assert_eq!(catalog.get("hamal").map(|c| c.strategy).ok(), Some(StrategyConfig::Merge));
        assert_eq!(catalog.get("meser").map(|c| c.strategy).ok(), Some(StrategyConfig::Merge));
        assert_eq!(catalog.get("hazramim").map(|c| c.strategy).ok(), Some(StrategyConfig::Append));
    }
}
