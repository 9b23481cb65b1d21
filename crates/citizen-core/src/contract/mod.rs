//! Data contracts: loading YAML (`config`), compiling it once into the runtime
//! `Contract` used by readers and validation, and the `Catalog` of a directory.

pub mod catalog;
pub mod compile;
pub mod config;
pub mod period;

pub use catalog::{default_contracts_dir, Catalog, ContractSummary};
pub use compile::compile_contract;
pub use config::{ColumnTypeConfig as ColumnType, PeriodConfig as Period, StrategyConfig as Strategy};

use crate::report::Severity;
use chrono::{NaiveDate, NaiveDateTime};
use regex::Regex;
use std::path::PathBuf;

/// A compiled contract: regexes built, headers normalised, names resolved to indexes.
#[derive(Debug, Clone)]
pub struct Contract {
    pub dataset: String,
    pub title: String,
    pub title_he: Option<String>,
    pub period: Period,
    pub strategy: Strategy,
    pub merge_deletes: bool,
    pub columns: Vec<Column>,
    /// Indexes into `columns` of the key columns, in contract order.
    pub keys: Vec<usize>,
    /// Indexes into `columns` of the phone columns unpivoted into core.phone_numbers.
    pub phones: Vec<usize>,
    pub file_name_pattern: Option<Regex>,
    pub source: SourceOptions,
    pub max_invalid_rows: u64,
    pub min_rows: Option<u64>,
    pub max_row_change: Option<f64>,
    /// sha256 of the YAML bytes: the contract version a report was made with.
    pub sha256: String,
    /// The YAML text, kept so the database can register exactly this version.
    pub body: String,
    pub path: PathBuf,
}

/// Where to find the table in a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceOptions {
    pub sheet: Option<config::SheetConfig>,
    /// 1-based row of the header; `None` means detect it.
    pub header_row: Option<u64>,
    pub encoding: Option<config::EncodingConfig>,
    /// `None` means sniff it.
    pub delimiter: Option<u8>,
}

/// One compiled column.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// Accepted headers (the name and every alias), normalised by `normalise_header`.
    pub headers: Vec<String>,
    pub column_type: ColumnType,
    pub required: bool,
    pub unique: bool,
    pub pattern: Option<Regex>,
    /// The pattern as written, for messages.
    pub pattern_text: Option<String>,
    pub allowed: Option<Vec<String>>,
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// A chrono format for date/datetime input, replacing the default forms.
    pub format: Option<String>,
    pub severity: Severity,
    pub description: Option<String>,
}

/// A `min`/`max` limit, typed by its column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Number(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Number(n) => write!(f, "{n}"),
            Bound::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Bound::DateTime(d) => write!(f, "{}", d.format("%Y-%m-%d %H:%M:%S")),
        }
    }
}

impl Contract {
    /// Looks a column up by its contract name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// Normalises a header for matching: trims, lower-cases, drops bidi marks and BOMs,
/// turns non-breaking and other odd spaces into one plain space, and unifies
/// Hebrew geresh/gershayim with ASCII quotes (ת"ז and ת״ז are the same header).
pub fn normalise_header(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for ch in raw.chars() {
        let ch = match ch {
            '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{200B}'
            | '\u{061C}' => continue,
            '\u{05F4}' | '\u{201C}' | '\u{201D}' => '"',
            '\u{05F3}' | '\u{2018}' | '\u{2019}' | '`' => '\'',
            c if c.is_whitespace() => {
                pending_space = true;
                continue;
            }
            c => c,
        };
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.extend(ch.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalise_header;

    #[test]
    fn header_normalisation_ignores_marks_spaces_and_case() {
        assert_eq!(normalise_header("  \u{200F}ת.ז.\u{00A0} "), "ת.ז.");
        assert_eq!(normalise_header("Phone\u{00A0}\u{00A0}1"), "phone 1");
        assert_eq!(normalise_header("ת״ז"), normalise_header("ת\"ז"));
        assert_eq!(normalise_header("\u{FEFF}Citizen_ID"), "citizen_id");
    }
}
