//! The library's error type and the one error shape that crosses the IPC boundary.
//! Every variant carries the context a user needs: what, where, and what to do.

use serde::Serialize;
use std::path::PathBuf;

/// A problem found in a contract file, located by line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractProblem {
    pub file: PathBuf,
    /// 1-based line in the YAML file, when known.
    pub line: Option<u64>,
    /// 1-based column in the YAML file, when known.
    pub column: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for ContractProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything that can go wrong in the core library.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} problem(s) in contracts:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidContract(Vec<ContractProblem>),
    #[error("no contracts found in {dir}; add a <dataset>.yaml there or pass --contracts DIR")]
    NoContracts { dir: PathBuf },
    #[error("unknown dataset '{dataset}'; known datasets: {}", .known.join(", "))]
    UnknownDataset { dataset: String, known: Vec<String> },
    #[error("cannot tell which dataset {file} belongs to; candidates: {}. Pass --dataset to choose", if .candidates.is_empty() { "none".to_string() } else { .candidates.join(", ") })]
    DatasetNotRecognised { file: String, candidates: Vec<String> },
    #[error("cannot write the report {path}: {message}")]
    ReportWrite { path: PathBuf, message: String },
    #[error("unsupported report format for {path}: use .xlsx or .csv")]
    ReportFormat { path: PathBuf },
    #[error("PostgreSQL server programs (initdb, pg_ctl) were not found; install them with `apt-get install postgresql-15` (Debian package postgresql-15), set CITIZEN_PG_BIN, or set DATABASE_URL to use an existing server")]
    PostgresMissing,
    #[error("the embedded database in {dir}: {message}")]
    Cluster { dir: PathBuf, message: String },
    #[error("cannot reach the database: {message}. Check DATABASE_URL or run `citizen-db db start`")]
    Unreachable { message: String },
    #[error("database error while {context}: {message}")]
    Database { context: String, sqlstate: Option<String>, message: String },
    #[error("{message}")]
    Refused { reason: Refusal, message: String },
    #[error("the file is not valid for {dataset}: {invalid_rows} invalid row(s), {issues} issue(s); nothing was staged. Fix the file (see the report) and submit again")]
    InvalidFile { dataset: String, invalid_rows: u64, issues: u64, report: Box<crate::report::Report> },
    #[error("period '{period}' does not fit a {kind} dataset; write it as {example}")]
    BadPeriod { period: String, kind: String, example: String },
    #[error("the contract change for {dataset} cannot be applied safely: {message}")]
    UnsafeContractChange { dataset: String, message: String },
    #[error("file {file_id} is not open; open it again")]
    FileNotOpen { file_id: u64 },
    #[error("checking {file} was cancelled")]
    Cancelled { file: String },
    #[error("not connected to the database: {message}")]
    Offline { message: String },
    #[error("cannot save the settings in {path}: {message}")]
    Settings { path: PathBuf, message: String },
    #[error("the system keyring is not available, so the password cannot be remembered: {message}")]
    KeyringUnavailable { message: String },
    #[error("not signed in: {message}")]
    SignInRequired { message: String },
    #[error("sign-in as '{user}' failed: {message}")]
    SignInFailed { user: String, message: String },
}

/// Why the database refused an action (SQLSTATE class CD, see migrations/0003 and 0004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    FourEyes,
    NotPending,
    ContractVersion,
    DuplicateFile,
    NotFound,
    RollbackUnreachable,
    MissingRole,
    NoteRequired,
    PermissionDenied,
    /// History (audit log, step log, landed files) is never rewritten.
    AppendOnly,
    /// A request's staged rows are not the ones sealed at submit.
    StageChanged,
    /// A bookkeeping call naming no valid dataset, period, step or request.
    InvalidRequest,
}

impl Refusal {
    /// The refusal a SQLSTATE stands for, if it is one of ours (or 42501).
    pub fn from_sqlstate(code: &str) -> Option<Refusal> {
        Some(match code {
            "CD001" => Refusal::FourEyes,
            "CD002" => Refusal::NotPending,
            "CD003" => Refusal::ContractVersion,
            "CD004" => Refusal::DuplicateFile,
            "CD005" => Refusal::NotFound,
            "CD006" => Refusal::RollbackUnreachable,
            "CD007" => Refusal::MissingRole,
            "CD008" => Refusal::NoteRequired,
            "CD009" => Refusal::AppendOnly,
            "CD010" => Refusal::StageChanged,
            "CD011" => Refusal::InvalidRequest,
            "42501" => Refusal::PermissionDenied,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::FourEyes => "four_eyes",
            Refusal::NotPending => "not_pending",
            Refusal::ContractVersion => "contract_version",
            Refusal::DuplicateFile => "duplicate_file",
            Refusal::NotFound => "not_found",
            Refusal::RollbackUnreachable => "rollback_unreachable",
            Refusal::MissingRole => "missing_role",
            Refusal::NoteRequired => "note_required",
            Refusal::PermissionDenied => "permission_denied",
            Refusal::AppendOnly => "append_only",
            Refusal::StageChanged => "stage_changed",
            Refusal::InvalidRequest => "invalid_request",
        }
    }
}

impl CoreError {
    /// Wraps a sqlx error with what we were doing; our refusals become `Refused`.
    pub fn db(context: impl Into<String>, error: sqlx::Error) -> CoreError {
        match &error {
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.into_owned());
                if let Some(reason) = code.as_deref().and_then(Refusal::from_sqlstate) {
                    return CoreError::Refused { reason, message: db.message().to_owned() };
                }
                CoreError::Database { context: context.into(), sqlstate: code, message: db.message().to_owned() }
            }
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
                CoreError::Unreachable { message: error.to_string() }
            }
            _ => CoreError::Database { context: context.into(), sqlstate: None, message: error.to_string() },
        }
    }

    /// Connection trouble worth retrying (never a data error).
    pub fn is_transient(&self) -> bool {
        match self {
            CoreError::Unreachable { .. } => true,
            CoreError::Database { sqlstate: Some(code), .. } => {
                code.starts_with("08") || matches!(code.as_str(), "57P01" | "57P02" | "57P03" | "40001" | "40P01")
            }
            _ => false,
        }
    }
}

impl CoreError {
    /// Stable machine-readable code; the UI translates by it.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Io { .. } => "io",
            CoreError::InvalidContract(_) => "invalid_contract",
            CoreError::NoContracts { .. } => "no_contracts",
            CoreError::UnknownDataset { .. } => "unknown_dataset",
            CoreError::DatasetNotRecognised { .. } => "dataset_not_recognised",
            CoreError::ReportWrite { .. } => "report_write",
            CoreError::ReportFormat { .. } => "report_format",
            CoreError::PostgresMissing => "postgres_missing",
            CoreError::Cluster { .. } => "cluster",
            CoreError::Unreachable { .. } => "unreachable",
            CoreError::Database { .. } => "database",
            CoreError::Refused { reason, .. } => reason.as_str(),
            CoreError::InvalidFile { .. } => "invalid_file",
            CoreError::BadPeriod { .. } => "bad_period",
            CoreError::UnsafeContractChange { .. } => "unsafe_contract_change",
            CoreError::FileNotOpen { .. } => "file_not_open",
            CoreError::Cancelled { .. } => "cancelled",
            CoreError::Offline { .. } => "offline",
            CoreError::Settings { .. } => "settings",
            CoreError::KeyringUnavailable { .. } => "keyring_unavailable",
            CoreError::SignInRequired { .. } => "sign_in_required",
            CoreError::SignInFailed { .. } => "sign_in",
        }
    }

    /// The parameters a translation needs, by name.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::json;
        let value = match self {
            CoreError::Io { path, source } => {
                json!({ "path": path, "reason": source.to_string() })
            }
            CoreError::InvalidContract(problems) => json!({ "problems": problems }),
            CoreError::NoContracts { dir } => json!({ "dir": dir }),
            CoreError::UnknownDataset { dataset, known } => {
                json!({ "dataset": dataset, "known": known })
            }
            CoreError::DatasetNotRecognised { file, candidates } => {
                json!({ "file": file, "candidates": candidates })
            }
            CoreError::ReportWrite { path, message } => json!({ "path": path, "reason": message }),
            CoreError::ReportFormat { path } => json!({ "path": path }),
            CoreError::PostgresMissing => json!({ "package": "postgresql-15" }),
            CoreError::Cluster { dir, message } => json!({ "dir": dir, "reason": message }),
            CoreError::Unreachable { message } => json!({ "reason": message }),
            CoreError::Database { context, sqlstate, message } => {
                json!({ "context": context, "sqlstate": sqlstate, "reason": message })
            }
            CoreError::Refused { reason, message } => json!({ "reason": reason, "detail": message }),
            CoreError::InvalidFile { dataset, invalid_rows, issues, report } => {
                json!({ "dataset": dataset, "invalid_rows": invalid_rows, "issues": issues, "report": report })
            }
            CoreError::BadPeriod { period, kind, example } => {
                json!({ "period": period, "kind": kind, "example": example })
            }
            CoreError::UnsafeContractChange { dataset, message } => json!({ "dataset": dataset, "reason": message }),
            CoreError::FileNotOpen { file_id } => json!({ "file_id": file_id }),
            CoreError::Cancelled { file } => json!({ "file": file }),
            CoreError::Offline { message } => json!({ "reason": message }),
            CoreError::Settings { path, message } => json!({ "path": path, "reason": message }),
            CoreError::KeyringUnavailable { message } => json!({ "reason": message }),
            CoreError::SignInRequired { message } => json!({ "reason": message }),
            CoreError::SignInFailed { user, message } => json!({ "user": user, "reason": message }),
        };
        match value {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }
}

/// The error shape sent to the UI: a closed code, an English message, and parameters.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl From<&CoreError> for ErrorPayload {
    fn from(error: &CoreError) -> Self {
        ErrorPayload { code: error.code().to_owned(), message: error.to_string(), params: error.params() }
    }
}

impl From<CoreError> for ErrorPayload {
    fn from(error: CoreError) -> Self {
        ErrorPayload::from(&error)
    }
}
