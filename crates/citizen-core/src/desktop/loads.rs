//! The app's database session and the screens' data: connection status and
//! roles, submit from an opened file, the approval queue and a request's
//! detail, approve/reject, the versions calendar, rollback and the audit log.
//! Shapes are those of `docs/app-api.md` (camelCase).

use super::settings::Settings;
use crate::contract::Catalog;
use crate::db::{Database, DbTarget};
use crate::error::CoreError;
use crate::pipeline::{self, preview::preview_changes, queries};
use crate::report::{Issue, Report};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tokio::sync::RwLock;

/// The banner and role checks of the UI.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionStatus {
    pub mode: String,
    pub connected: bool,
    pub user: Option<String>,
    pub roles: Vec<String>,
    pub message: Option<String>,
    /// Nobody is signed in, or the last sign-in was refused: the UI asks for
    /// a login and password (the app starts signed out).
    pub needs_sign_in: bool,
    /// Demo logins (`citizen-db db start --demo`) exist on this database.
    pub demo_logins: bool,
}

/// The database role that may approve, reject and roll back.
pub const SUPERVISOR_ROLE: &str = "citizen_supervisor";

/// Why the signed-in user cannot approve a request: the core decides, the UI
/// says it (`approvals.blocked.<code>`, one sentence per variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ApproveBlock {
    /// Not connected (the UI adds this one from `ConnectionStatus`).
    Offline,
    /// Not a supervisor.
    MissingRole,
    NotPending,
    /// The user submitted it: another supervisor must approve (four eyes).
    FourEyes,
}

impl ApproveBlock {
    /// Why `user`, with `roles`, may not approve a request in `status`
    /// submitted by `submitted_by`, if so (the database enforces the same).
    pub fn for_request(status: &str, submitted_by: &str, user: &str, roles: &[String]) -> Option<ApproveBlock> {
        if !roles.iter().any(|r| r == SUPERVISOR_ROLE) {
            Some(ApproveBlock::MissingRole)
        } else if status != "pending" {
            Some(ApproveBlock::NotPending)
        } else if submitted_by.to_lowercase() == user.to_lowercase() {
            Some(ApproveBlock::FourEyes)
        } else {
            None
        }
    }
}

/// A request in the queue.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    pub request_id: i64,
    pub dataset: String,
    pub period: String,
    pub file_name: String,
    pub status: String,
    pub submitted_by: String,
    pub submitted_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub rows: i64,
    pub invalid_rows: i64,
    pub warnings: Vec<Issue>,
    pub error: Option<String>,
    /// Why the signed-in user cannot approve it, if so.
    pub approve_block: Option<ApproveBlock>,
}

impl RequestView {
    /// The request as `user` with `roles` sees it.
    fn for_user(r: queries::RequestRow, user: &str, roles: &[String]) -> RequestView {
        let approve_block = ApproveBlock::for_request(&r.status, &r.submitted_by, user, roles);
        RequestView { approve_block, ..RequestView::from(r) }
    }
}

impl From<queries::RequestRow> for RequestView {
    fn from(r: queries::RequestRow) -> Self {
        RequestView {
            request_id: r.request_id,
            dataset: r.dataset,
            period: r.period,
            file_name: r.file_name,
            status: r.status,
            submitted_by: r.submitted_by,
            submitted_at: r.submitted_at.to_rfc3339(),
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(|d| d.to_rfc3339()),
            decision_note: r.decision_note,
            rows: r.rows,
            invalid_rows: r.invalid_rows,
            warnings: serde_json::from_value(r.warnings).unwrap_or_default(),
            error: r.error,
            approve_block: None,
        }
    }
}

/// A changed row for the request page.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChangedRowView {
    pub key: String,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub before: serde_json::Value,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub after: serde_json::Value,
}

/// What approving will change.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PreviewView {
    pub added: i64,
    pub removed: i64,
    pub changed: i64,
    pub unchanged: i64,
    pub changed_columns: Vec<String>,
    pub sample: Vec<ChangedRowView>,
}

/// Rows of the active version per period, for the history chart.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowCountPoint {
    pub period: String,
    pub rows: i64,
}

/// A request page.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequestDetail {
    pub request: RequestView,
    pub report: Option<Report>,
    pub preview: PreviewView,
    pub history: Vec<RowCountPoint>,
}

/// A version in the list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    pub version_id: i64,
    pub dataset: String,
    pub period: String,
    pub version: i32,
    pub active: bool,
    pub rows: i64,
    pub submitted_by: String,
    pub approved_by: Option<String>,
    pub created_at: String,
    pub activated_at: Option<String>,
}

/// A dataset row of the calendar.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CalendarDataset {
    pub dataset: String,
    pub title: String,
    pub title_he: Option<String>,
    pub period: String,
}

/// One dataset × period cell: the active version, or nothing loaded.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarCell {
    pub dataset: String,
    pub period: String,
    pub version: Option<i32>,
    pub rows: Option<i64>,
}

/// The versions calendar.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionsCalendar {
    pub datasets: Vec<CalendarDataset>,
    pub periods: Vec<String>,
    pub cells: Vec<CalendarCell>,
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
    pub action: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

/// One audit entry.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub dataset: Option<String>,
    pub period: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub detail: serde_json::Value,
}

/// How long the app waits for the database before it reports offline (the
/// banner must not hang on a server that drops packets).
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(8);

/// The signed-in database session of the app; connects lazily.
#[derive(Default)]
pub struct DbSession {
    database: RwLock<Option<Database>>,
    /// The password typed at sign-in, kept in memory for this run (a remembered
    /// one is read from the OS keyring, see `secrets`).
    password: std::sync::Mutex<Option<String>>,
}

fn target(settings: &Settings, password: Option<String>) -> DbTarget {
    let env_user = std::env::var("CITIZEN_DB_USER").ok().filter(|u| !u.is_empty());
    let env_password = std::env::var("CITIZEN_DB_PASSWORD").ok();
    if let Some(url) = settings.database_url.clone().filter(|u| !u.trim().is_empty()) {
        // The login typed at sign-in wins over one written in the URL.
        return match settings.user.as_deref().filter(|u| !u.is_empty()) {
            Some(user) => DbTarget::Url(with_login(&url, user, password.as_deref())),
            None => DbTarget::Url(url),
        };
    }
    DbTarget::from_env(env_user.or(settings.user.clone()), env_password.or(password))
}

/// `url` with its `user:password@` replaced (percent-encoded).
fn with_login(url: &str, user: &str, password: Option<&str>) -> String {
    fn encode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    let login = match password {
        Some(password) => format!("{}:{}", encode(user), encode(password)),
        None => encode(user),
    };
    format!("{scheme}://{login}@{host}")
}

impl DbSession {
    /// The connection, opened on first use.
    pub async fn database(&self, settings: &Settings) -> Result<Database, CoreError> {
        if let Some(database) = self.database.read().await.clone() {
            return Ok(database);
        }
        let mut password = self.password.lock().ok().and_then(|p| p.clone());
        if password.is_none() {
            if let Some(user) = settings.user.as_deref().filter(|u| !u.is_empty()) {
                password = super::secrets::remembered_password(user).await;
            }
        }
        let target = target(settings, password);
        let connecting = Database::connect(&target);
        let database =
            tokio::time::timeout(CONNECT_TIMEOUT, connecting).await.map_err(|_| CoreError::Unreachable {
                message: format!("no answer from the database within {} s", CONNECT_TIMEOUT.as_secs()),
            })??;
        *self.database.write().await = Some(database.clone());
        Ok(database)
    }

    /// Signs in as another login: the next command reconnects with it.
    pub async fn sign_in(&self, settings: &Settings, password: &str) -> Result<ConnectionStatus, CoreError> {
        self.sign_out(Some(password.to_owned())).await;
        self.database(settings).await?;
        Ok(self.status(settings).await)
    }

    /// Closes the connection and forgets the password of this run (`password`
    /// replaces it: one moved out of a server URL, say). The next command
    /// signs in again.
    pub async fn sign_out(&self, password: Option<String>) {
        if let Ok(mut slot) = self.password.lock() {
            *slot = password;
        }
        if let Some(old) = self.database.write().await.take() {
            old.pool.close().await;
        }
    }

    /// Whether the database answers, as whom, with which roles.
    pub async fn status(&self, settings: &Settings) -> ConnectionStatus {
        let mode = if settings.database_url.is_some() || std::env::var("DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
            "server"
        } else {
            "embedded"
        };
        match self.database(settings).await {
            Ok(database) => match roles(&database).await {
                Ok(roles) => ConnectionStatus {
                    mode: mode.to_owned(),
                    connected: true,
                    user: Some(database.user.clone()),
                    roles,
                    message: None,
                    needs_sign_in: false,
                    demo_logins: database.demo_logins_present().await,
                },
                Err(error) => {
                    *self.database.write().await = None;
                    ConnectionStatus {
                        mode: mode.to_owned(),
                        connected: false,
                        user: None,
                        roles: Vec::new(),
                        message: Some(error.to_string()),
                        needs_sign_in: false,
                        demo_logins: false,
                    }
                }
            },
            Err(error) => ConnectionStatus {
                mode: mode.to_owned(),
                connected: false,
                user: None,
                roles: Vec::new(),
                needs_sign_in: matches!(error, CoreError::SignInRequired { .. } | CoreError::SignInFailed { .. }),
                message: Some(error.to_string()),
                demo_logins: false,
            },
        }
    }
}

/// Submits an opened, valid file.
pub async fn submit(
    database: &Database,
    catalog: &Catalog,
    path: &Path,
    dataset: &str,
    period: &str,
) -> Result<pipeline::Submitted, CoreError> {
    pipeline::submit(database, catalog.get(dataset)?, path, period).await
}

/// The Citizen DB roles (`citizen_*`) of the signed-in login.
pub async fn roles(database: &Database) -> Result<Vec<String>, CoreError> {
    sqlx::query_scalar(
        "SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'citizen\\_%'
         AND pg_has_role(session_user, oid, 'MEMBER') ORDER BY 1",
    )
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading roles", e))
}

/// The queue, each request with why the signed-in user may not approve it.
pub async fn requests(database: &Database, status: Option<&str>) -> Result<Vec<RequestView>, CoreError> {
    let roles = roles(database).await?;
    let rows = queries::list_requests(database, status).await?;
    Ok(rows.into_iter().map(|r| RequestView::for_user(r, &database.user, &roles)).collect())
}

/// A request page: the request, its report, what approval changes, the history.
pub async fn request_detail(
    database: &Database,
    catalog: &Catalog,
    request_id: i64,
) -> Result<RequestDetail, CoreError> {
    let request =
        queries::list_requests(database, None).await?.into_iter().find(|r| r.request_id == request_id).ok_or_else(
            || CoreError::Refused {
                reason: crate::error::Refusal::NotFound,
                message: format!("request {request_id} not found"),
            },
        )?;
    let report: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT report FROM meta.load_request WHERE request_id = $1")
            .bind(request_id)
            .fetch_one(&database.pool)
            .await
            .map_err(|e| CoreError::db("reading the request", e))?;
    let contract = catalog.get(&request.dataset)?;
    let preview = if request.status == "pending" || request.status == "failed" {
        preview_changes(database, contract, request_id, &request.period).await?
    } else {
        pipeline::preview::ChangePreview::default()
    };
    let history = row_count_history(database, &request.dataset).await?;
    let key_names: Vec<&str> = contract.keys.iter().map(|&i| contract.columns[i].name.as_str()).collect();
    let sample = preview
        .sample
        .into_iter()
        .map(|changed| ChangedRowView {
            key: key_names
                .iter()
                .map(|k| changed.after.get(*k).and_then(|v| v.as_str()).unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
                .join(" / "),
            before: changed.before,
            after: changed.after,
        })
        .collect();
    let roles = roles(database).await?;
    Ok(RequestDetail {
        report: report.and_then(|r| serde_json::from_value(r).ok()),
        request: RequestView::for_user(request, &database.user, &roles),
        preview: PreviewView {
            added: preview.added,
            removed: preview.removed,
            changed: preview.changed,
            unchanged: preview.unchanged,
            changed_columns: preview.changed_columns.into_iter().map(|(name, _)| name).collect(),
            sample,
        },
        history,
    })
}

/// Active row counts per period of a dataset, oldest first.
pub async fn row_count_history(database: &Database, dataset: &str) -> Result<Vec<RowCountPoint>, CoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT period, row_count FROM meta.dataset_version WHERE dataset = $1 AND is_active ORDER BY period",
    )
    .bind(dataset)
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the row-count history", e))?;
    Ok(rows.into_iter().map(|(period, rows)| RowCountPoint { period, rows }).collect())
}

/// Versions of one dataset and period.
pub async fn versions(database: &Database, dataset: &str, period: &str) -> Result<Vec<VersionView>, CoreError> {
    Ok(queries::list_versions(database, Some(dataset), Some(period))
        .await?
        .into_iter()
        .map(|v| VersionView {
            version_id: v.version_id,
            dataset: v.dataset,
            period: v.period,
            version: v.version,
            active: v.is_active,
            rows: v.row_count,
            submitted_by: v.created_by,
            approved_by: v.approved_by,
            created_at: v.created_at.to_rfc3339(),
            activated_at: v.activated_at.map(|d| d.to_rfc3339()),
        })
        .collect())
}

/// The last `months` monthly periods (and every period seen) × every dataset.
pub async fn calendar(database: &Database, catalog: &Catalog, months: u32) -> Result<VersionsCalendar, CoreError> {
    let active: Vec<(String, String, i32, i64)> = sqlx::query_as(
        "SELECT dataset, period, version, row_count FROM meta.dataset_version WHERE is_active ORDER BY 1, 2",
    )
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the calendar", e))?;
    let today = chrono::Utc::now().date_naive();
    let mut periods: Vec<String> = (0..months.clamp(1, 120))
        .filter_map(|back| today.checked_sub_months(chrono::Months::new(back)))
        .map(|d| d.format("%Y-%m").to_string())
        .collect();
    for (_, period, _, _) in &active {
        if !periods.contains(period) {
            periods.push(period.clone());
        }
    }
    periods.sort();
    let datasets: Vec<CalendarDataset> = catalog
        .summaries()
        .into_iter()
        .map(|s| CalendarDataset { dataset: s.dataset, title: s.title, title_he: s.title_he, period: s.period })
        .collect();
    let mut cells = Vec::new();
    for dataset in &datasets {
        for period in &periods {
            let found = active.iter().find(|(d, p, _, _)| *d == dataset.dataset && p == period);
            cells.push(CalendarCell {
                dataset: dataset.dataset.clone(),
                period: period.clone(),
                version: found.map(|f| f.2),
                rows: found.map(|f| f.3),
            });
        }
    }
    Ok(VersionsCalendar { datasets, periods, cells })
}

/// The audit log, filtered.
pub async fn audit(database: &Database, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditView>, CoreError> {
    let rows: Vec<queries::AuditRow> = sqlx::query_as(
        "SELECT audit_id, at, actor, action, dataset, period, request_id, version_id, details FROM meta.audit_log
         WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR dataset = $2)
           AND ($3::text IS NULL OR action = $3)
           AND ($4::text IS NULL OR at >= $4::date) AND ($5::text IS NULL OR at < $5::date + 1)
         ORDER BY audit_id DESC LIMIT $6",
    )
    .bind(filter.actor.as_deref().filter(|s| !s.is_empty()))
    .bind(filter.dataset.as_deref().filter(|s| !s.is_empty()))
    .bind(filter.action.as_deref().filter(|s| !s.is_empty()))
    .bind(filter.from.as_deref().filter(|s| !s.is_empty()))
    .bind(filter.to.as_deref().filter(|s| !s.is_empty()))
    .bind(limit.clamp(1, 5_000))
    .fetch_all(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the audit log", e))?;
    Ok(rows
        .into_iter()
        .map(|r| AuditView {
            id: r.audit_id,
            at: r.at.to_rfc3339(),
            actor: r.actor,
            action: r.action,
            dataset: r.dataset,
            period: r.period,
            detail: r.details,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{ApproveBlock, SUPERVISOR_ROLE};

    #[test]
    fn only_another_supervisor_may_approve_a_pending_request() {
        let supervisor = vec!["citizen_clerk".to_owned(), SUPERVISOR_ROLE.to_owned()];
        let clerk = vec!["citizen_clerk".to_owned()];
        assert_eq!(ApproveBlock::for_request("pending", "dana", "eli", &supervisor), None);
        assert_eq!(ApproveBlock::for_request("pending", "Dana", "dana", &supervisor), Some(ApproveBlock::FourEyes));
        assert_eq!(ApproveBlock::for_request("pending", "dana", "eli", &clerk), Some(ApproveBlock::MissingRole));
        assert_eq!(ApproveBlock::for_request("loaded", "dana", "eli", &supervisor), Some(ApproveBlock::NotPending));
    }
}
