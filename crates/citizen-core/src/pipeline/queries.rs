//! Read-only views of the pipeline's bookkeeping: requests, versions, the
//! audit log, the signed-in login's roles. Shared by the CLI and the app; one
//! query per need (the app's screens turn these rows into `desktop::views`).

use crate::db::Database;
use crate::error::CoreError;
use crate::validate::edits::HeaderMapping;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Declares a closed set stored as text in the database: the enum (serde and
/// ts-rs name each member by its text), `as_str`, `FromStr`/`TryFrom<String>`
/// (for `#[sqlx(try_from = "String")]`), `Display` and `ALL`.
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),*
        }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The text stored in the database (the serde name).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),*
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)*
                    other => Err(format!("{} is not a {}", other, stringify!($name))),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                text.parse()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}

text_enum! {
    /// Where a load request stands (`meta.load_request.status`, whose CHECK
    /// allows exactly these).
    pub enum RequestStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
        Loaded = "loaded",
        Failed = "failed",
    }
}

text_enum! {
    /// What an audit entry records (`meta.audit(action, ...)` in the
    /// migrations and `ops::apply`; a test checks every action written there
    /// is here).
    pub enum AuditAction {
        Submit = "submit",
        SubmitFailed = "submit_failed",
        Approve = "approve",
        LoadFailed = "load_failed",
        Reject = "reject",
        Rollback = "rollback",
        ContractApply = "contract_apply",
        LoginAdd = "login_add",
        LoginDisable = "login_disable",
        LoginEnable = "login_enable",
        LoginRole = "login_role",
        LoginPassword = "login_password",
        ColumnAlias = "column_alias",
    }
}

/// One load request as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RequestRow {
    pub request_id: i64,
    pub dataset: String,
    pub period: String,
    pub file_name: String,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub rows: i64,
    pub invalid_rows: i64,
    pub warnings: serde_json::Value,
    pub error: Option<String>,
}

/// One request with its validation report, for the request page. The report
/// quotes IDs and phones: readers may not select it (`meta.load_request`
/// grants them every column but this one).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestWithReport {
    #[sqlx(flatten)]
    pub request: RequestRow,
    pub report: Option<serde_json::Value>,
}

/// One dataset version as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct VersionRow {
    pub version_id: i64,
    pub dataset: String,
    pub period: String,
    pub version: i32,
    pub is_active: bool,
    pub row_count: i64,
    pub created_by: String,
    pub approved_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub request_id: Option<i64>,
}

/// The active version of a dataset and period, for the calendar.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActiveVersion {
    pub dataset: String,
    pub period: String,
    pub version: i32,
    pub row_count: i64,
}

/// Audit log filters.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditFilter {
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub dataset: Option<String>,
    #[serde(default)]
    pub action: Option<AuditAction>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

/// One audit entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub audit_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    #[sqlx(try_from = "String")]
    pub action: AuditAction,
    pub dataset: Option<String>,
    pub period: Option<String>,
    pub request_id: Option<i64>,
    pub version_id: Option<i64>,
    pub details: serde_json::Value,
}

/// Rows of the active version of a dataset and period, if any.
pub async fn active_row_count(database: &Database, dataset: &str, period: &str) -> Result<Option<u64>, CoreError> {
    let count: Option<i64> = sqlx::query_scalar(
        "SELECT row_count FROM meta.dataset_version WHERE dataset = $1 AND period = $2 AND is_active",
    )
    .bind(dataset)
    .bind(period)
    .fetch_optional(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the active version", e))?;
    Ok(count.map(|c| c.max(0) as u64))
}

/// The column mappings remembered for a dataset (`meta.column_alias`), each
/// marked `remember`: what every later file of the dataset is mapped with.
pub async fn column_aliases(database: &Database, dataset: &str) -> Result<Vec<HeaderMapping>, CoreError> {
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT header, column_name FROM meta.column_alias WHERE dataset = $1 ORDER BY header_key")
            .bind(dataset)
            .fetch_all(&database.pool)
            .await
            .map_err(|e| CoreError::db("reading the remembered column mappings", e))?;
    Ok(rows.into_iter().map(|(header, column)| HeaderMapping { header, column, remember: true }).collect())
}

/// Every dataset's remembered column mappings, by dataset.
pub async fn all_column_aliases(
    database: &Database,
) -> Result<std::collections::BTreeMap<String, Vec<HeaderMapping>>, CoreError> {
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT dataset, header, column_name FROM meta.column_alias ORDER BY dataset, header_key")
            .fetch_all(&database.pool)
            .await
            .map_err(|e| CoreError::db("reading the remembered column mappings", e))?;
    let mut by_dataset: std::collections::BTreeMap<String, Vec<HeaderMapping>> = Default::default();
    for (dataset, header, column) in rows {
        by_dataset.entry(dataset).or_default().push(HeaderMapping { header, column, remember: true });
    }
    Ok(by_dataset)
}

/// A mapping a request used, as recorded with it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RequestMappingRow {
    pub header: String,
    pub column_name: Option<String>,
    pub remembered: bool,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A correction a request carries, as recorded with it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RequestCorrectionRow {
    pub source_row: i64,
    pub column_name: String,
    pub old_value: String,
    pub new_value: String,
    pub kind: String,
    pub made_by: String,
    pub made_at: DateTime<Utc>,
}

/// The mappings a request used and its corrections (at most `limit`, by
/// row), with the number of corrections in all.
pub async fn request_review(
    database: &Database,
    request_id: i64,
    limit: i64,
) -> Result<(Vec<RequestMappingRow>, Vec<RequestCorrectionRow>, i64), CoreError> {
    let mappings = sqlx::query_as(
        "SELECT header, column_name, remembered, recorded_by, recorded_at FROM meta.request_mapping
         WHERE request_id = $1 ORDER BY header",
    )
    .bind(request_id)
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the request's mappings", e))?;
    let corrections = sqlx::query_as(
        "SELECT source_row, column_name, old_value, new_value, kind, made_by, made_at FROM meta.request_correction
         WHERE request_id = $1 ORDER BY source_row, column_name LIMIT $2",
    )
    .bind(request_id)
    .bind(limit)
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the request's corrections", e))?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM meta.request_correction WHERE request_id = $1")
        .bind(request_id)
        .fetch_one(&database.pool)
        .await
        .map_err(|e| CoreError::db("counting the request's corrections", e))?;
    Ok((mappings, corrections, total))
}

/// Load requests, newest first, optionally by status.
pub async fn list_requests(database: &Database, status: Option<&str>) -> Result<Vec<RequestRow>, CoreError> {
    sqlx::query_as(
        "SELECT request_id, dataset, period, file_name, status, submitted_by, submitted_at, decided_by,
                decided_at, decision_note, rows, invalid_rows, warnings, error
         FROM meta.load_request WHERE $1::text IS NULL OR status = $1 ORDER BY request_id DESC",
    )
    .bind(status)
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("listing requests", e))
}

/// Versions, by dataset, period and number.
pub async fn list_versions(
    database: &Database,
    dataset: Option<&str>,
    period: Option<&str>,
) -> Result<Vec<VersionRow>, CoreError> {
    sqlx::query_as(
        "SELECT version_id, dataset, period, version, is_active, row_count, created_by, approved_by,
                created_at, activated_at, request_id
         FROM meta.dataset_version
         WHERE ($1::text IS NULL OR dataset = $1) AND ($2::text IS NULL OR period = $2)
         ORDER BY dataset, period, version",
    )
    .bind(dataset)
    .bind(period)
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("listing versions", e))
}

/// One request with its report, if it exists.
pub async fn request_with_report(database: &Database, request_id: i64) -> Result<Option<RequestWithReport>, CoreError> {
    sqlx::query_as(
        "SELECT request_id, dataset, period, file_name, status, submitted_by, submitted_at, decided_by,
                decided_at, decision_note, rows, invalid_rows, warnings, error, report
         FROM meta.load_request WHERE request_id = $1",
    )
    .bind(request_id)
    .fetch_optional(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the request", e))
}

/// The active version of every dataset and period, by dataset and period.
pub async fn active_versions(database: &Database) -> Result<Vec<ActiveVersion>, CoreError> {
    sqlx::query_as("SELECT dataset, period, version, row_count FROM meta.dataset_version WHERE is_active ORDER BY 1, 2")
        .fetch_all(&database.pool)
        .await
        .map_err(|e| CoreError::db("reading the calendar", e))
}

/// Rows of the active version of each period of a dataset, oldest first.
pub async fn active_row_counts(database: &Database, dataset: &str) -> Result<Vec<(String, i64)>, CoreError> {
    sqlx::query_as(
        "SELECT period, row_count FROM meta.dataset_version WHERE dataset = $1 AND is_active ORDER BY period",
    )
    .bind(dataset)
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the row-count history", e))
}

/// The audit log, newest first, filtered (a blank filter is none; `from` and
/// `to` are dates, `to` included), at most `limit` entries (1 to 5,000).
pub async fn list_audit(database: &Database, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditRow>, CoreError> {
    let given = |value: &Option<String>| value.clone().filter(|s| !s.is_empty());
    sqlx::query_as(
        "SELECT audit_id, at, actor, action, dataset, period, request_id, version_id, details FROM meta.audit_log
         WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR dataset = $2)
           AND ($3::text IS NULL OR action = $3)
           AND ($4::text IS NULL OR at >= $4::date) AND ($5::text IS NULL OR at < $5::date + 1)
         ORDER BY audit_id DESC LIMIT $6",
    )
    .bind(given(&filter.actor))
    .bind(given(&filter.dataset))
    .bind(filter.action.map(AuditAction::as_str))
    .bind(given(&filter.from))
    .bind(given(&filter.to))
    .bind(limit.clamp(1, 5_000))
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the audit log", e))
}

/// The Citizen DB roles (`citizen_*`) of the signed-in login, by name.
pub async fn login_roles(database: &Database) -> Result<Vec<String>, CoreError> {
    sqlx::query_scalar(
        "SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'citizen\\_%'
         AND pg_has_role(session_user, oid, 'MEMBER') ORDER BY 1",
    )
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading roles", e))
}

#[cfg(test)]
mod tests {
    use super::{AuditAction, RequestStatus};
    use std::path::Path;

    /// The quoted words after `needle` in `text`: `meta.audit('submit'` gives `submit`.
    fn quoted_after<'t>(text: &'t str, needle: &str) -> Vec<&'t str> {
        text.match_indices(needle).filter_map(|(at, _)| text[at + needle.len()..].split('\'').next()).collect()
    }

    #[test]
    fn every_audit_action_written_anywhere_is_a_member() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files: Vec<_> = std::fs::read_dir(root.join("migrations"))
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.push(root.join("crates/citizen-core/src/ops/apply.rs"));
        let mut seen = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
            for action in quoted_after(&text, "meta.audit('") {
                seen += 1;
                assert!(action.parse::<AuditAction>().is_ok(), "{file:?} writes the audit action {action}");
            }
        }
        assert!(seen >= 7, "the audit actions were not found ({seen})");
    }

    #[test]
    fn every_request_status_the_table_allows_is_a_member_and_no_other() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let sql = std::fs::read_to_string(root.join("migrations/0002_meta.sql")).unwrap_or_else(|e| panic!("{e}"));
        let check = sql.split("status IN (").nth(1).and_then(|rest| rest.split(')').next()).unwrap_or_default();
        let allowed: Vec<&str> = check.split(',').map(|s| s.trim().trim_matches('\'')).collect();
        let members: Vec<&str> = RequestStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(allowed, members);
    }

    #[test]
    fn the_text_is_the_serde_name() {
        for action in AuditAction::ALL {
            assert_eq!(serde_json::to_value(action).ok(), Some(serde_json::Value::from(action.as_str())));
        }
        for status in RequestStatus::ALL {
            assert_eq!(serde_json::to_value(status).ok(), Some(serde_json::Value::from(status.as_str())));
        }
        assert!("published".parse::<RequestStatus>().is_err());
    }
}
