//! The validation report of SPEC §4: what a clerk sees and what `--json` prints.
//! Codes are stable API; the UI translates by code. These are types only: the
//! export of a report for its sender is an operation (`crate::ops::export`).

pub mod profile;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Stable issue codes (SPEC §4). Serialised in snake_case; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    MissingColumn,
    DuplicateColumn,
    UnknownColumn,
    Required,
    Type,
    Pattern,
    Allowed,
    Min,
    Max,
    MinLength,
    MaxLength,
    IsraeliId,
    Phone,
    Email,
    DuplicateKey,
    EmptyFile,
    Encoding,
    Unreadable,
    MinRows,
    RowChange,
    /// A file, part, row or cell past a documented limit (SPEC §6); the
    /// message names the limit.
    TooLarge,
}

impl IssueCode {
    /// The code as written in reports, so callers need not go through serde.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::MissingColumn => "missing_column",
            IssueCode::DuplicateColumn => "duplicate_column",
            IssueCode::UnknownColumn => "unknown_column",
            IssueCode::Required => "required",
            IssueCode::Type => "type",
            IssueCode::Pattern => "pattern",
            IssueCode::Allowed => "allowed",
            IssueCode::Min => "min",
            IssueCode::Max => "max",
            IssueCode::MinLength => "min_length",
            IssueCode::MaxLength => "max_length",
            IssueCode::IsraeliId => "israeli_id",
            IssueCode::Phone => "phone",
            IssueCode::Email => "email",
            IssueCode::DuplicateKey => "duplicate_key",
            IssueCode::EmptyFile => "empty_file",
            IssueCode::Encoding => "encoding",
            IssueCode::Unreadable => "unreadable",
            IssueCode::MinRows => "min_rows",
            IssueCode::RowChange => "row_change",
            IssueCode::TooLarge => "too_large",
        }
    }
}

impl std::fmt::Display for IssueCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an issue blocks the row (error) or is only shown (warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// Overall verdict on a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Loadable: no errors beyond the contract's tolerance.
    Valid,
    /// Readable, but the data breaks the contract.
    Invalid,
    /// The file could not be read at all (encoding, corrupt, empty).
    Unusable,
}

/// One finding, located as the user sees it in the spreadsheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Issue {
    /// Spreadsheet row number (header usually 1); `None` for file-level issues.
    pub row: Option<u64>,
    /// Contract column name, when the issue concerns one column.
    pub column: Option<String>,
    /// The header as written in the file, so the sender can find it.
    pub header: Option<String>,
    pub code: IssueCode,
    pub severity: Severity,
    /// The offending value as read, when there is one.
    pub value: Option<String>,
    /// Human explanation in English; the UI translates by `code` and `params`.
    pub message: String,
    /// The figures and names the message quotes (a limit, the first row of a
    /// duplicate, the expected form...), so the UI can say it in the user's
    /// language. Which names a code carries is listed in `docs/app-api.md`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<BTreeMap<String, String>>"))]
    pub params: BTreeMap<String, String>,
}

/// Issue parameters from name/value pairs.
pub fn params<const N: usize>(pairs: [(&str, String); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}

/// The SPEC §4 report for one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub dataset: Option<String>,
    pub contract_sha256: Option<String>,
    pub file: String,
    pub sheet: Option<String>,
    pub status: Status,
    pub rows: u64,
    pub valid_rows: u64,
    pub invalid_rows: u64,
    pub warnings: u64,
    /// Issue counts by code, including issues beyond the listing cap.
    pub summary: BTreeMap<IssueCode, u64>,
    pub issues: Vec<Issue>,
    /// True when `issues` was capped and `summary` holds the full counts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub issues_truncated: bool,
}

impl Report {
    /// A report for a file that could not be read, carrying one file-level
    /// issue; the English reason goes in `params.detail` too.
    pub fn unusable(file: &str, dataset: Option<&str>, code: IssueCode, message: String) -> Report {
        let mut summary = BTreeMap::new();
        summary.insert(code, 1);
        Report {
            dataset: dataset.map(str::to_owned),
            contract_sha256: None,
            file: file.to_owned(),
            sheet: None,
            status: Status::Unusable,
            rows: 0,
            valid_rows: 0,
            invalid_rows: 0,
            warnings: 0,
            summary,
            issues: vec![Issue {
                row: None,
                column: None,
                header: None,
                code,
                severity: Severity::Error,
                value: None,
                params: params([("detail", message.clone())]),
                message,
            }],
            issues_truncated: false,
        }
    }

    /// Number of issues with a given code, counted over the whole file.
    pub fn count(&self, code: IssueCode) -> u64 {
        self.summary.get(&code).copied().unwrap_or(0)
    }
}
