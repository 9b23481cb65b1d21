//! Read-only views of the pipeline's bookkeeping: requests, versions, the
//! audit log. Shared by the CLI and the app.

use crate::db::Database;
use crate::error::CoreError;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One load request as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RequestRow {
    pub request_id: i64,
    pub dataset: String,
    pub period: String,
    pub file_name: String,
    pub status: String,
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

/// One audit entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub audit_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
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

/// The audit log, newest first.
pub async fn list_audit(database: &Database, limit: i64) -> Result<Vec<AuditRow>, CoreError> {
    sqlx::query_as(
        "SELECT audit_id, at, actor, action, dataset, period, request_id, version_id, details
         FROM meta.audit_log ORDER BY audit_id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the audit log", e))
}
