//! The library's error type and the one error shape that crosses the IPC boundary.
//! Every variant carries the context a user needs: what, where, and what to do.

use crate::report::IssueCode;
use serde::{Deserialize, Serialize};
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
    /// The encrypted connection (TLS) to a server could not be set up; the
    /// message says why in words an administrator can act on.
    #[error("{}", tls_message(*.problem, .host, .ca_file.as_deref(), .names, .detail))]
    Tls { problem: TlsProblem, host: String, ca_file: Option<String>, names: Vec<String>, detail: String },
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
    /// A file that could not be read when it was opened (before any dataset
    /// was known); `code` is the report's issue code (unreadable, encoding...).
    #[error("{file}: {message}")]
    Unreadable { file: String, code: IssueCode, message: String },
    /// A failure of the program itself (a worker thread that panicked), not of
    /// the user's data or setup.
    #[error("internal error: {message}")]
    Internal { message: String },
    /// A new password shorter than `min` characters (checked before it is hashed).
    #[error("the password is too short: at least {min} characters")]
    PasswordTooShort { min: usize },
    /// A mapping or correction of the clerk's review that cannot apply
    /// (a column the contract does not have, a malformed `--map`).
    #[error("{message}")]
    InvalidEdit { message: String },
}

/// Every code an error can carry to the UI or the CLI's JSON: the closed set
/// the UI translates (a `Record<ErrorCode, string>` in `ui/src/i18n`, so a new
/// code without a Hebrew and an English sentence fails the type check).
/// Serialised in snake_case; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Io,
    InvalidContract,
    NoContracts,
    UnknownDataset,
    DatasetNotRecognised,
    ReportWrite,
    ReportFormat,
    PostgresMissing,
    Cluster,
    Unreachable,
    Database,
    // The encrypted connection to a server (`TlsProblem`).
    TlsUntrusted,
    TlsUntrustedSystem,
    TlsNameMismatch,
    TlsNotOffered,
    TlsRequired,
    TlsCaFile,
    Tls,
    // The database's refusals (`Refusal`).
    FourEyes,
    NotPending,
    ContractVersion,
    DuplicateFile,
    NotFound,
    RollbackUnreachable,
    MissingRole,
    NoteRequired,
    PermissionDenied,
    AppendOnly,
    StageChanged,
    InvalidRequest,
    LoginInvalid,
    LoginProtected,
    LastAdmin,
    LoginExists,
    // The rest.
    InvalidFile,
    BadPeriod,
    UnsafeContractChange,
    FileNotOpen,
    Cancelled,
    Offline,
    Settings,
    KeyringUnavailable,
    SignInRequired,
    SignIn,
    Unreadable,
    Internal,
    PasswordTooShort,
    InvalidEdit,
}

impl ErrorCode {
    /// Every code, in declaration order (for tests and documentation).
    pub const ALL: [ErrorCode; 48] = [
        ErrorCode::Io,
        ErrorCode::InvalidContract,
        ErrorCode::NoContracts,
        ErrorCode::UnknownDataset,
        ErrorCode::DatasetNotRecognised,
        ErrorCode::ReportWrite,
        ErrorCode::ReportFormat,
        ErrorCode::PostgresMissing,
        ErrorCode::Cluster,
        ErrorCode::Unreachable,
        ErrorCode::Database,
        ErrorCode::TlsUntrusted,
        ErrorCode::TlsUntrustedSystem,
        ErrorCode::TlsNameMismatch,
        ErrorCode::TlsNotOffered,
        ErrorCode::TlsRequired,
        ErrorCode::TlsCaFile,
        ErrorCode::Tls,
        ErrorCode::FourEyes,
        ErrorCode::NotPending,
        ErrorCode::ContractVersion,
        ErrorCode::DuplicateFile,
        ErrorCode::NotFound,
        ErrorCode::RollbackUnreachable,
        ErrorCode::MissingRole,
        ErrorCode::NoteRequired,
        ErrorCode::PermissionDenied,
        ErrorCode::AppendOnly,
        ErrorCode::StageChanged,
        ErrorCode::InvalidRequest,
        ErrorCode::LoginInvalid,
        ErrorCode::LoginProtected,
        ErrorCode::LastAdmin,
        ErrorCode::LoginExists,
        ErrorCode::InvalidFile,
        ErrorCode::BadPeriod,
        ErrorCode::UnsafeContractChange,
        ErrorCode::FileNotOpen,
        ErrorCode::Cancelled,
        ErrorCode::Offline,
        ErrorCode::Settings,
        ErrorCode::KeyringUnavailable,
        ErrorCode::SignInRequired,
        ErrorCode::SignIn,
        ErrorCode::Unreadable,
        ErrorCode::Internal,
        ErrorCode::PasswordTooShort,
        ErrorCode::InvalidEdit,
    ];

    /// The code as written on the wire (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Io => "io",
            ErrorCode::InvalidContract => "invalid_contract",
            ErrorCode::NoContracts => "no_contracts",
            ErrorCode::UnknownDataset => "unknown_dataset",
            ErrorCode::DatasetNotRecognised => "dataset_not_recognised",
            ErrorCode::ReportWrite => "report_write",
            ErrorCode::ReportFormat => "report_format",
            ErrorCode::PostgresMissing => "postgres_missing",
            ErrorCode::Cluster => "cluster",
            ErrorCode::Unreachable => "unreachable",
            ErrorCode::Database => "database",
            ErrorCode::TlsUntrusted => "tls_untrusted",
            ErrorCode::TlsUntrustedSystem => "tls_untrusted_system",
            ErrorCode::TlsNameMismatch => "tls_name_mismatch",
            ErrorCode::TlsNotOffered => "tls_not_offered",
            ErrorCode::TlsRequired => "tls_required",
            ErrorCode::TlsCaFile => "tls_ca_file",
            ErrorCode::Tls => "tls",
            ErrorCode::FourEyes => "four_eyes",
            ErrorCode::NotPending => "not_pending",
            ErrorCode::ContractVersion => "contract_version",
            ErrorCode::DuplicateFile => "duplicate_file",
            ErrorCode::NotFound => "not_found",
            ErrorCode::RollbackUnreachable => "rollback_unreachable",
            ErrorCode::MissingRole => "missing_role",
            ErrorCode::NoteRequired => "note_required",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::AppendOnly => "append_only",
            ErrorCode::StageChanged => "stage_changed",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::LoginInvalid => "login_invalid",
            ErrorCode::LoginProtected => "login_protected",
            ErrorCode::LastAdmin => "last_admin",
            ErrorCode::LoginExists => "login_exists",
            ErrorCode::InvalidFile => "invalid_file",
            ErrorCode::BadPeriod => "bad_period",
            ErrorCode::UnsafeContractChange => "unsafe_contract_change",
            ErrorCode::FileNotOpen => "file_not_open",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Offline => "offline",
            ErrorCode::Settings => "settings",
            ErrorCode::KeyringUnavailable => "keyring_unavailable",
            ErrorCode::SignInRequired => "sign_in_required",
            ErrorCode::SignIn => "sign_in",
            ErrorCode::Unreadable => "unreadable",
            ErrorCode::Internal => "internal",
            ErrorCode::PasswordTooShort => "password_too_short",
            ErrorCode::InvalidEdit => "invalid_edit",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
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
    /// A login name, role or password verifier that is not acceptable (0005).
    LoginInvalid,
    /// A role Citizen DB does not manage: a superuser, a system role, not a Citizen DB login.
    LoginProtected,
    /// An administrator disabling or demoting themself, or the last enabled administrator.
    LastAdmin,
    /// A role of that name exists already.
    LoginExists,
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
            "CD012" => Refusal::LoginInvalid,
            "CD013" => Refusal::LoginProtected,
            "CD014" => Refusal::LastAdmin,
            "CD015" => Refusal::LoginExists,
            "42501" => Refusal::PermissionDenied,
            _ => return None,
        })
    }

    /// The error code this refusal is sent as.
    pub fn code(self) -> ErrorCode {
        match self {
            Refusal::FourEyes => ErrorCode::FourEyes,
            Refusal::NotPending => ErrorCode::NotPending,
            Refusal::ContractVersion => ErrorCode::ContractVersion,
            Refusal::DuplicateFile => ErrorCode::DuplicateFile,
            Refusal::NotFound => ErrorCode::NotFound,
            Refusal::RollbackUnreachable => ErrorCode::RollbackUnreachable,
            Refusal::MissingRole => ErrorCode::MissingRole,
            Refusal::NoteRequired => ErrorCode::NoteRequired,
            Refusal::PermissionDenied => ErrorCode::PermissionDenied,
            Refusal::AppendOnly => ErrorCode::AppendOnly,
            Refusal::StageChanged => ErrorCode::StageChanged,
            Refusal::InvalidRequest => ErrorCode::InvalidRequest,
            Refusal::LoginInvalid => ErrorCode::LoginInvalid,
            Refusal::LoginProtected => ErrorCode::LoginProtected,
            Refusal::LastAdmin => ErrorCode::LastAdmin,
            Refusal::LoginExists => ErrorCode::LoginExists,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.code().as_str()
    }
}

/// Why the encrypted connection (TLS) to a server failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsProblem {
    /// The server's certificate is not signed by the CA of the CA file.
    Untrusted,
    /// No CA file given, and the certificate is not signed by a CA the system trusts.
    UntrustedBySystem,
    /// The certificate names another host than the one connected to (`verify-full`).
    NameMismatch,
    /// The server does not offer TLS, and the mode requires it.
    NotOffered,
    /// The server accepts only encrypted connections, and the mode is `disable`.
    Required,
    /// The CA file cannot be read or holds no certificate.
    CaFile,
    /// Any other failure of the TLS handshake.
    Other,
}

impl TlsProblem {
    /// The error code this problem is sent as.
    pub fn code(self) -> ErrorCode {
        match self {
            TlsProblem::Untrusted => ErrorCode::TlsUntrusted,
            TlsProblem::UntrustedBySystem => ErrorCode::TlsUntrustedSystem,
            TlsProblem::NameMismatch => ErrorCode::TlsNameMismatch,
            TlsProblem::NotOffered => ErrorCode::TlsNotOffered,
            TlsProblem::Required => ErrorCode::TlsRequired,
            TlsProblem::CaFile => ErrorCode::TlsCaFile,
            TlsProblem::Other => ErrorCode::Tls,
        }
    }
}

/// The English sentence of a `CoreError::Tls`.
fn tls_message(problem: TlsProblem, host: &str, ca_file: Option<&str>, names: &[String], detail: &str) -> String {
    match problem {
        TlsProblem::Untrusted => format!(
            "the certificate of {host} is not signed by the CA in {}; choose the CA file of this server (ask its \
             administrator), or check that the server presents the right certificate",
            ca_file.unwrap_or("the CA file")
        ),
        TlsProblem::UntrustedBySystem => format!(
            "the certificate of {host} is not signed by a certificate authority this computer trusts; choose the \
             server's CA file in Settings (or add sslrootcert=FILE to DATABASE_URL)"
        ),
        TlsProblem::NameMismatch => {
            let names = if names.is_empty() { "another name".to_owned() } else { names.join(", ") };
            format!(
                "the server's certificate is for {names}, not {host}; connect with the name the certificate was made \
                 for, or ask the administrator for a certificate naming {host}"
            )
        }
        TlsProblem::NotOffered => format!(
            "the server {host} does not accept encrypted connections; turn on ssl in its postgresql.conf, or (only \
             on a trusted network) choose the TLS mode \"prefer\" or \"disable\""
        ),
        TlsProblem::Required => format!(
            "the server {host} accepts only encrypted connections; choose the TLS mode \"verify-full\" (or \
             \"require\") instead of \"disable\""
        ),
        TlsProblem::CaFile => {
            format!("cannot use the CA file {}: {detail}", ca_file.unwrap_or("(none)"))
        }
        TlsProblem::Other => format!("the encrypted connection to {host} failed: {detail}"),
    }
}

/// A name a certificate presents, as rustls writes it (`DnsName("db.example.org")`),
/// without the wrapping.
fn presented_name(name: &str) -> String {
    match (name.find('"'), name.rfind('"')) {
        (Some(start), Some(end)) if end > start => name[start + 1..end].to_owned(),
        _ => name.to_owned(),
    }
}

/// The rustls error inside a sqlx error, if the TLS handshake failed there.
fn rustls_error(error: &sqlx::Error) -> Option<&rustls::Error> {
    match error {
        sqlx::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>(),
        sqlx::Error::Tls(inner) => inner.downcast_ref::<rustls::Error>(),
        _ => None,
    }
}

impl CoreError {
    /// A failed encrypted connection to `host` (with the CA file in use, if
    /// any) in words an administrator can act on; `None` when `error` is not
    /// about TLS.
    pub fn tls(error: &sqlx::Error, host: &str, ca_file: Option<&str>) -> Option<CoreError> {
        use rustls::CertificateError;
        let tls = |problem: TlsProblem, names: Vec<String>, detail: String| CoreError::Tls {
            problem,
            host: host.to_owned(),
            ca_file: ca_file.map(str::to_owned),
            names,
            detail,
        };
        if let Some(rustls_error) = rustls_error(error) {
            let detail = rustls_error.to_string();
            return Some(match rustls_error {
                rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer | CertificateError::BadSignature) => {
                    let problem = if ca_file.is_some() { TlsProblem::Untrusted } else { TlsProblem::UntrustedBySystem };
                    tls(problem, Vec::new(), detail)
                }
                rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { presented, .. }) => {
                    tls(TlsProblem::NameMismatch, presented.iter().map(|name| presented_name(name)).collect(), detail)
                }
                rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => {
                    tls(TlsProblem::NameMismatch, Vec::new(), detail)
                }
                _ => tls(TlsProblem::Other, Vec::new(), detail),
            });
        }
        match error {
            sqlx::Error::Tls(inner) => {
                let detail = inner.to_string();
                Some(if detail.contains("does not support TLS") {
                    tls(TlsProblem::NotOffered, Vec::new(), detail)
                } else if detail.starts_with("Invalid certificate") {
                    tls(TlsProblem::CaFile, Vec::new(), detail)
                } else {
                    tls(TlsProblem::Other, Vec::new(), detail)
                })
            }
            // pg_hba.conf has only hostssl lines for us: "no pg_hba.conf entry
            // for host ..., no encryption".
            sqlx::Error::Database(db)
                if db.code().as_deref() == Some("28000") && db.message().contains("no encryption") =>
            {
                Some(tls(TlsProblem::Required, Vec::new(), db.message().to_owned()))
            }
            _ => None,
        }
    }

    /// Wraps a sqlx error with what we were doing; our refusals become
    /// `Refused`, a failed encrypted connection `Tls` (naming no host: the
    /// connection code, which knows it, uses `CoreError::tls`).
    pub fn db(context: impl Into<String>, error: sqlx::Error) -> CoreError {
        if let Some(tls) = CoreError::tls(&error, "the server", None) {
            return tls;
        }
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
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Io { .. } => ErrorCode::Io,
            CoreError::InvalidContract(_) => ErrorCode::InvalidContract,
            CoreError::NoContracts { .. } => ErrorCode::NoContracts,
            CoreError::UnknownDataset { .. } => ErrorCode::UnknownDataset,
            CoreError::DatasetNotRecognised { .. } => ErrorCode::DatasetNotRecognised,
            CoreError::ReportWrite { .. } => ErrorCode::ReportWrite,
            CoreError::ReportFormat { .. } => ErrorCode::ReportFormat,
            CoreError::PostgresMissing => ErrorCode::PostgresMissing,
            CoreError::Cluster { .. } => ErrorCode::Cluster,
            CoreError::Unreachable { .. } => ErrorCode::Unreachable,
            CoreError::Database { .. } => ErrorCode::Database,
            CoreError::Tls { problem, .. } => problem.code(),
            CoreError::Refused { reason, .. } => reason.code(),
            CoreError::InvalidFile { .. } => ErrorCode::InvalidFile,
            CoreError::BadPeriod { .. } => ErrorCode::BadPeriod,
            CoreError::UnsafeContractChange { .. } => ErrorCode::UnsafeContractChange,
            CoreError::FileNotOpen { .. } => ErrorCode::FileNotOpen,
            CoreError::Cancelled { .. } => ErrorCode::Cancelled,
            CoreError::Offline { .. } => ErrorCode::Offline,
            CoreError::Settings { .. } => ErrorCode::Settings,
            CoreError::KeyringUnavailable { .. } => ErrorCode::KeyringUnavailable,
            CoreError::SignInRequired { .. } => ErrorCode::SignInRequired,
            CoreError::SignInFailed { .. } => ErrorCode::SignIn,
            CoreError::Unreadable { .. } => ErrorCode::Unreadable,
            CoreError::Internal { .. } => ErrorCode::Internal,
            CoreError::PasswordTooShort { .. } => ErrorCode::PasswordTooShort,
            CoreError::InvalidEdit { .. } => ErrorCode::InvalidEdit,
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
            CoreError::Tls { host, ca_file, names, detail, .. } => {
                json!({ "host": host, "ca_file": ca_file, "names": names.join(", "), "reason": detail })
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
            CoreError::Unreadable { file, code, message } => json!({ "file": file, "issue": code, "reason": message }),
            CoreError::Internal { message } => json!({ "reason": message }),
            CoreError::PasswordTooShort { min } => json!({ "min": min }),
            CoreError::InvalidEdit { message } => json!({ "reason": message }),
        };
        match value {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }
}

/// The error shape sent to the UI: a closed code, an English message, and
/// parameters (snake_case names, like an issue's `params`: they fill the
/// `{placeholders}` of the translation).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl From<&CoreError> for ErrorPayload {
    fn from(error: &CoreError) -> Self {
        ErrorPayload { code: error.code(), message: error.to_string(), params: error.params() }
    }
}

impl From<CoreError> for ErrorPayload {
    fn from(error: CoreError) -> Self {
        ErrorPayload::from(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::{ErrorCode, Refusal};

    #[test]
    fn error_codes_are_written_as_serde_writes_them() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).ok(), Some(serde_json::Value::from(code.as_str())), "{code:?}");
        }
        let mut sorted = ErrorCode::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn every_refusal_is_its_own_error_code() {
        for sqlstate in
            ["CD001", "CD002", "CD003", "CD004", "CD005", "CD006", "CD007", "CD008", "CD009", "CD010", "CD011", "42501"]
        {
            let refusal = Refusal::from_sqlstate(sqlstate).unwrap_or_else(|| panic!("{sqlstate}"));
            assert_eq!(serde_json::to_value(refusal).ok(), Some(serde_json::Value::from(refusal.code().as_str())));
        }
    }
}
