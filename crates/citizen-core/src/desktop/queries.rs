//! The screens' reads: each one need of a screen, made from the queries of
//! `pipeline::queries` (the SQL lives there, shared with the CLI) into the
//! shapes of `desktop::views`.

use super::views::{
    AuditFilter, AuditView, CalendarCell, CalendarDataset, ChangedRowView, PreviewView, ReportView, RequestDetail,
    RequestReviewView, RequestView, RowCountPoint, VersionView, VersionsCalendar,
};
use crate::contract::Catalog;
use crate::db::Database;
use crate::error::{CoreError, Refusal};
use crate::ops::users::LoginRole;
use crate::pipeline::preview::{preview_changes, ChangePreview};
use crate::pipeline::queries::{self, ActiveVersion, RequestStatus};
use crate::report::Report;

/// The Citizen DB roles (`citizen_*`) of the signed-in login.
/// Only the roles a login is given (`citizen_clerk` ... `citizen_admin`); the
/// owner and gate roles a superuser is also a member of are left out.
pub async fn roles(database: &Database) -> Result<Vec<LoginRole>, CoreError> {
    Ok(given_roles(&queries::login_roles(database).await?))
}

/// The login roles among database role names.
fn given_roles(names: &[String]) -> Vec<LoginRole> {
    names.iter().filter_map(|name| name.strip_prefix("citizen_").and_then(LoginRole::parse)).collect()
}

/// The queue, each request with why the signed-in user may not approve it.
pub async fn requests(database: &Database, status: Option<RequestStatus>) -> Result<Vec<RequestView>, CoreError> {
    let roles = roles(database).await?;
    let rows = queries::list_requests(database, status.map(RequestStatus::as_str)).await?;
    Ok(rows.into_iter().map(|r| RequestView::for_user(r, &database.user, &roles)).collect())
}

/// A request page: the request, its report, what approval changes, the history.
pub async fn request_detail(
    database: &Database,
    catalog: &Catalog,
    request_id: i64,
) -> Result<RequestDetail, CoreError> {
    let found = queries::request_with_report(database, request_id).await?.ok_or_else(|| CoreError::Refused {
        reason: Refusal::NotFound,
        message: format!("request {request_id} not found"),
    })?;
    let request = found.request;
    let contract = catalog.get(&request.dataset)?;
    let preview = if matches!(request.status, RequestStatus::Pending | RequestStatus::Failed) {
        preview_changes(database, contract, request_id, &request.period).await?
    } else {
        ChangePreview::default()
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
    let (mappings, corrections, corrections_total) =
        queries::request_review(database, request_id, REVIEW_CORRECTIONS_SHOWN).await?;
    Ok(RequestDetail {
        review: RequestReviewView::from_rows(mappings, corrections, corrections_total),
        report: found.report.and_then(|r| serde_json::from_value::<Report>(r).ok()).map(ReportView::from),
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

/// Corrections listed on a request page (the count says how many in all).
pub const REVIEW_CORRECTIONS_SHOWN: i64 = 500;

/// Active row counts per period of a dataset, oldest first.
pub async fn row_count_history(database: &Database, dataset: &str) -> Result<Vec<RowCountPoint>, CoreError> {
    let rows = queries::active_row_counts(database, dataset).await?;
    Ok(rows.into_iter().map(|(period, rows)| RowCountPoint { period, rows }).collect())
}

/// Versions of one dataset and period.
pub async fn versions(database: &Database, dataset: &str, period: &str) -> Result<Vec<VersionView>, CoreError> {
    let rows = queries::list_versions(database, Some(dataset), Some(period)).await?;
    Ok(rows.into_iter().map(VersionView::from).collect())
}

/// The last `months` monthly periods (and every period seen) × every dataset.
pub async fn calendar(database: &Database, catalog: &Catalog, months: u32) -> Result<VersionsCalendar, CoreError> {
    let active = queries::active_versions(database).await?;
    let datasets = catalog
        .summaries()
        .into_iter()
        .map(|s| CalendarDataset { dataset: s.dataset, title: s.title, title_he: s.title_he, period: s.period })
        .collect();
    Ok(calendar_of(datasets, &active, chrono::Utc::now().date_naive(), months))
}

/// The calendar of `datasets` with the `active` versions: the `months` monthly
/// periods up to `today` (1 to 120) and every period with an active version.
fn calendar_of(
    datasets: Vec<CalendarDataset>,
    active: &[ActiveVersion],
    today: chrono::NaiveDate,
    months: u32,
) -> VersionsCalendar {
    let mut periods: Vec<String> = (0..months.clamp(1, 120))
        .filter_map(|back| today.checked_sub_months(chrono::Months::new(back)))
        .map(|d| d.format("%Y-%m").to_string())
        .collect();
    for version in active {
        if !periods.contains(&version.period) {
            periods.push(version.period.clone());
        }
    }
    periods.sort();
    let mut cells = Vec::new();
    for dataset in &datasets {
        for period in &periods {
            let found = active.iter().find(|v| v.dataset == dataset.dataset && v.period == *period);
            cells.push(CalendarCell {
                dataset: dataset.dataset.clone(),
                period: period.clone(),
                version: found.map(|v| v.version),
                rows: found.map(|v| v.row_count),
            });
        }
    }
    VersionsCalendar { datasets, periods, cells }
}

/// The audit log, filtered, newest first, at most `limit` entries (1 to 5,000).
pub async fn audit(database: &Database, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditView>, CoreError> {
    Ok(queries::list_audit(database, filter, limit).await?.into_iter().map(AuditView::from).collect())
}

#[cfg(test)]
mod tests {
    use super::LoginRole;

    #[test]
    fn only_the_roles_a_login_is_given_are_sent() {
        let names: Vec<String> = [
            "citizen_admin",
            "citizen_clerk",
            "citizen_login_manager",
            "citizen_owner",
            "citizen_owner_gate",
            "pg_monitor",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(super::given_roles(&names), vec![LoginRole::Admin, LoginRole::Clerk]);
    }

    use super::{calendar_of, ActiveVersion, CalendarDataset};

    #[test]
    fn the_calendar_spans_the_months_asked_and_every_loaded_period() {
        let dataset = |name: &str| CalendarDataset {
            dataset: name.to_owned(),
            title: name.to_owned(),
            title_he: None,
            period: crate::contract::Period::Monthly,
        };
        let active = [ActiveVersion { dataset: "b".into(), period: "2025-01".into(), version: 3, row_count: 7 }];
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default();
        let calendar = calendar_of(vec![dataset("a"), dataset("b")], &active, today, 3);
        assert_eq!(calendar.periods, ["2025-01", "2026-01", "2026-02", "2026-03"]);
        assert_eq!(calendar.cells.len(), 8);
        let loaded: Vec<_> =
            calendar.cells.iter().filter(|c| c.version.is_some()).map(|c| (c.dataset.as_str(), c.rows)).collect();
        assert_eq!(loaded, [("b", Some(7))]);
        assert_eq!(calendar_of(Vec::new(), &[], today, 0).periods, ["2026-03"], "at least one month");
    }
}
