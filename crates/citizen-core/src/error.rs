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
        };
        match value {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }
}

/// The error shape sent to the UI: a closed code, an English message, and parameters.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl From<&CoreError> for ErrorPayload {
    fn from(error: &CoreError) -> Self {
        ErrorPayload {
            code: error.code().to_owned(),
            message: error.to_string(),
            params: error.params(),
        }
    }
}

impl From<CoreError> for ErrorPayload {
    fn from(error: CoreError) -> Self {
        ErrorPayload::from(&error)
    }
}
