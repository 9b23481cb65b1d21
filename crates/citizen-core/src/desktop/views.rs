//! The shapes the desktop app sends to the UI (`docs/app-api.md`, camelCase
//! unless noted), and how each is made from a row of `pipeline::queries`. No
//! SQL and no I/O here: the reads are in `desktop::queries`.

pub use crate::ops::users::LoginRole;
pub use crate::pipeline::queries::{AuditAction, RequestStatus};
use crate::pipeline::queries::{AuditRow, RequestRow, VersionRow};
use crate::report::{Issue, IssueCode, Report, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::pipeline::queries::AuditFilter;

/// The banner and role checks of the UI.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionStatus {
    pub mode: DatabaseMode,
    pub connected: bool,
    pub user: Option<String>,
    pub roles: Vec<LoginRole>,
    pub message: Option<String>,
    /// Nobody is signed in, or the last sign-in was refused: the UI asks for
    /// a login and password (the app starts signed out).
    pub needs_sign_in: bool,
    /// Demo logins (`citizen-db db start --demo`) exist on this database.
    pub demo_logins: bool,
}

/// Which database the app uses: the embedded default or a server URL (from
/// the settings or `DATABASE_URL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DatabaseMode {
    Embedded,
    Server,
}

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
    pub fn for_request(
        status: RequestStatus,
        submitted_by: &str,
        user: &str,
        roles: &[LoginRole],
    ) -> Option<ApproveBlock> {
        if !roles.contains(&LoginRole::Supervisor) {
            Some(ApproveBlock::MissingRole)
        } else if status != RequestStatus::Pending {
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
    pub status: RequestStatus,
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
    pub fn for_user(r: RequestRow, user: &str, roles: &[LoginRole]) -> RequestView {
        let approve_block = ApproveBlock::for_request(r.status, &r.submitted_by, user, roles);
        RequestView { approve_block, ..RequestView::from(r) }
    }
}

impl From<RequestRow> for RequestView {
    fn from(r: RequestRow) -> Self {
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

/// A stored report as the app shows it: the SPEC §4 report (snake_case, the
/// format `validate --json`, the database and the sender reports share) in
/// the camelCase of every other type the UI receives.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReportView {
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
    pub issues_truncated: bool,
}

impl From<Report> for ReportView {
    fn from(report: Report) -> ReportView {
        ReportView {
            dataset: report.dataset,
            contract_sha256: report.contract_sha256,
            file: report.file,
            sheet: report.sheet,
            status: report.status,
            rows: report.rows,
            valid_rows: report.valid_rows,
            invalid_rows: report.invalid_rows,
            warnings: report.warnings,
            summary: report.summary,
            issues: report.issues,
            issues_truncated: report.issues_truncated,
        }
    }
}

/// A request page.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequestDetail {
    pub request: RequestView,
    pub report: Option<ReportView>,
    pub preview: PreviewView,
    pub history: Vec<RowCountPoint>,
    /// The mappings the request used and the corrections it carries.
    pub review: RequestReviewView,
}

/// What the clerk mapped and corrected in a request (Approvals).
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RequestReviewView {
    pub mappings: Vec<RequestMappingView>,
    /// The first corrections, by row (`correctionsTotal` in all).
    pub corrections: Vec<CorrectionView>,
    pub corrections_total: i64,
}

/// A header mapping a request used.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RequestMappingView {
    pub header: String,
    /// `null`: the header was ignored.
    pub column: Option<String>,
    /// A remembered mapping of the dataset (an alias), not this file's alone.
    pub remembered: bool,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A corrected cell of a request.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CorrectionView {
    pub row: i64,
    pub column: String,
    pub old_value: String,
    pub new_value: String,
    pub kind: crate::validate::edits::CorrectionKind,
    pub made_by: String,
    pub made_at: String,
}

impl RequestReviewView {
    /// The view of a request's recorded review (`pipeline::queries::request_review`).
    pub fn from_rows(
        mappings: Vec<crate::pipeline::queries::RequestMappingRow>,
        corrections: Vec<crate::pipeline::queries::RequestCorrectionRow>,
        corrections_total: i64,
    ) -> RequestReviewView {
        use crate::validate::edits::CorrectionKind;
        RequestReviewView {
            mappings: mappings
                .into_iter()
                .map(|m| RequestMappingView {
                    header: m.header,
                    column: m.column_name,
                    remembered: m.remembered,
                    recorded_by: m.recorded_by,
                    recorded_at: m.recorded_at.to_rfc3339(),
                })
                .collect(),
            corrections: corrections
                .into_iter()
                .map(|c| CorrectionView {
                    row: c.source_row,
                    column: c.column_name,
                    old_value: c.old_value,
                    new_value: c.new_value,
                    kind: if c.kind == "replace" { CorrectionKind::Replace } else { CorrectionKind::Cell },
                    made_by: c.made_by,
                    made_at: c.made_at.to_rfc3339(),
                })
                .collect(),
            corrections_total,
        }
    }
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
    pub period: crate::contract::Period,
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

/// One audit entry. The UI builds its sentence ("Dana approved request 12:
/// ...") from the typed fields (`requestId`, `facts`), never from `detail`,
/// which is the raw JSON the database wrote, shown only when asked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: AuditAction,
    pub dataset: Option<String>,
    pub period: Option<String>,
    pub request_id: Option<i64>,
    pub version_id: Option<i64>,
    pub facts: AuditFacts,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub detail: serde_json::Value,
}

/// What an audit entry's details say, typed: each field is read from the
/// JSON the database function wrote (`meta.audit(...)` in the migrations,
/// `ops::apply`) when it is there with the right type, else `None`.
/// `submit`: `file`, `rows`; `approve`: `version`, `rows`; `rollback`:
/// `fromVersion`, `toVersion`; `login_*`: `login`, and `role` for
/// `login_add`/`login_role`. Free text (notes, errors) stays in `detail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AuditFacts {
    pub file: Option<String>,
    pub rows: Option<i64>,
    pub version: Option<i32>,
    pub from_version: Option<i32>,
    pub to_version: Option<i32>,
    pub login: Option<String>,
    pub role: Option<LoginRole>,
}

impl AuditFacts {
    /// The facts of an entry's details (anything missing or mistyped is `None`).
    pub fn from_details(details: &serde_json::Value) -> AuditFacts {
        let text = |key: &str| details.get(key).and_then(serde_json::Value::as_str).map(str::to_owned);
        let int = |key: &str| details.get(key).and_then(serde_json::Value::as_i64);
        let version = |key: &str| int(key).and_then(|v| i32::try_from(v).ok());
        AuditFacts {
            file: text("file"),
            rows: int("rows"),
            version: version("version"),
            from_version: version("from_version"),
            to_version: version("to_version"),
            login: text("login"),
            role: text("role").as_deref().and_then(LoginRole::parse),
        }
    }
}

impl From<VersionRow> for VersionView {
    fn from(v: VersionRow) -> Self {
        VersionView {
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
        }
    }
}

impl From<AuditRow> for AuditView {
    fn from(r: AuditRow) -> Self {
        AuditView {
            id: r.audit_id,
            at: r.at.to_rfc3339(),
            actor: r.actor,
            action: r.action,
            dataset: r.dataset,
            period: r.period,
            request_id: r.request_id,
            version_id: r.version_id,
            facts: AuditFacts::from_details(&r.details),
            detail: r.details,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ApproveBlock, LoginRole, RequestStatus};

    #[test]
    fn only_another_supervisor_may_approve_a_pending_request() {
        let supervisor = vec![LoginRole::Clerk, LoginRole::Supervisor];
        let clerk = vec![LoginRole::Clerk];
        assert_eq!(ApproveBlock::for_request(RequestStatus::Pending, "dana", "eli", &supervisor), None);
        assert_eq!(
            ApproveBlock::for_request(RequestStatus::Pending, "Dana", "dana", &supervisor),
            Some(ApproveBlock::FourEyes)
        );
        assert_eq!(
            ApproveBlock::for_request(RequestStatus::Pending, "dana", "eli", &clerk),
            Some(ApproveBlock::MissingRole)
        );
        assert_eq!(
            ApproveBlock::for_request(RequestStatus::Loaded, "dana", "eli", &supervisor),
            Some(ApproveBlock::NotPending)
        );
    }

    #[test]
    fn audit_facts_read_what_each_database_function_writes() {
        use super::{AuditFacts, LoginRole};
        use serde_json::json;
        // meta.submit_request (0006)
        let submit = AuditFacts::from_details(&json!({"file": "welfare_2026-11.csv", "sha256": "ab", "rows": 1200}));
        assert_eq!(submit.file.as_deref(), Some("welfare_2026-11.csv"));
        assert_eq!(submit.rows, Some(1200));
        // meta.approve_request (0006)
        let approve = AuditFacts::from_details(&json!({"version": 3, "rows": 1200, "note": null}));
        assert_eq!((approve.version, approve.rows), (Some(3), Some(1200)));
        // meta.rollback (0003)
        let rollback = AuditFacts::from_details(&json!({"from_version": 3, "to_version": 2}));
        assert_eq!((rollback.from_version, rollback.to_version), (Some(3), Some(2)));
        // meta.set_login_role (0005)
        let role = AuditFacts::from_details(&json!({"login": "dana", "role": "supervisor", "before": ["clerk"]}));
        assert_eq!(role.login.as_deref(), Some("dana"));
        assert_eq!(role.role, Some(LoginRole::Supervisor));
    }

    #[test]
    fn audit_facts_ignore_what_is_missing_or_mistyped() {
        use super::AuditFacts;
        use serde_json::json;
        assert_eq!(AuditFacts::from_details(&json!(null)), AuditFacts::default());
        assert_eq!(AuditFacts::from_details(&json!("text")), AuditFacts::default());
        let odd = AuditFacts::from_details(
            &json!({"rows": "12", "version": 9_999_999_999_i64, "role": "owner", "login": 7, "file": ["a"]}),
        );
        assert_eq!(odd, AuditFacts::default());
    }
}
