//! Profiles kept with requests (issue 15, `migrations/0011_profiles.sql`):
//! the submit records the profile its validation computed; a supervisor
//! reads it beside the profile of the version it would replace or follow.

use crate::db::Database;
use crate::error::{CoreError, Refusal};
use crate::report::profile::{drift, Drift, Profile};
use serde::Serialize;

/// Records a request's profile (`meta.record_profile`): in the submit's
/// transaction, before the seal, by the clerk whose submit creates it.
pub async fn record_profile(
    conn: &mut sqlx::PgConnection,
    request_id: i64,
    profile: &Profile,
) -> Result<(), CoreError> {
    let json = serde_json::to_value(profile)
        .map_err(|e| CoreError::Internal { message: format!("a profile as JSON: {e}") })?;
    sqlx::query("SELECT meta.record_profile($1, $2)")
        .bind(request_id)
        .bind(json)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| CoreError::db("recording the profile", e))
}

/// The version a request's profile is compared with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Baseline {
    pub period: String,
    pub version: i32,
    pub request_id: i64,
    /// `None` when that version's request has no profile (submitted before profiles).
    pub profile: Option<Profile>,
}

/// A request's profile beside its baseline's, and how they differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ProfileComparison {
    pub request_id: i64,
    /// `None` for a request submitted before profiles were kept.
    pub profile: Option<Profile>,
    /// The active version of the request's period; when the period has none
    /// (a new month), the active version of the latest earlier period, else
    /// of the latest period. `None` when the dataset has no active version.
    pub baseline: Option<Baseline>,
    /// When both profiles exist.
    pub drift: Option<Drift>,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    profile: Option<serde_json::Value>,
    baseline_period: Option<String>,
    baseline_version: Option<i32>,
    baseline_request: Option<i64>,
    baseline_profile: Option<serde_json::Value>,
}

/// A stored profile; one that does not read as a profile counts as none.
fn parsed(value: Option<serde_json::Value>) -> Option<Profile> {
    value.and_then(|v| serde_json::from_value(v).ok())
}

/// A request's profile and its baseline's, with their drift. A loaded
/// request is compared with the version its own replaced (its parent) when
/// it had one, so its drift stays what its approver saw.
pub async fn compare_profiles(database: &Database, request_id: i64) -> Result<ProfileComparison, CoreError> {
    let row: Option<ProfileRow> = sqlx::query_as(
        "SELECT r.profile,
                b.period AS baseline_period, b.version AS baseline_version, b.request_id AS baseline_request,
                b.profile AS baseline_profile
         FROM meta.load_request r
         LEFT JOIN LATERAL (
             SELECT v.period, v.version, v.request_id, q.profile
             FROM meta.dataset_version v JOIN meta.load_request q ON q.request_id = v.request_id
             WHERE v.dataset = r.dataset AND v.request_id <> r.request_id
               AND (v.is_active OR v.version_id IN (SELECT p.parent_version_id FROM meta.dataset_version p
                                                    WHERE p.request_id = r.request_id))
             ORDER BY v.period = r.period DESC, v.period < r.period DESC, v.period DESC, v.version DESC
             LIMIT 1
         ) b ON true
         WHERE r.request_id = $1",
    )
    .bind(request_id)
    .fetch_optional(&database.pool)
    .await
    .map_err(|e| CoreError::db("reading the profiles", e))?;
    let Some(row) = row else {
        return Err(CoreError::Refused {
            reason: Refusal::NotFound,
            message: format!("request {request_id} not found"),
        });
    };
    let profile = parsed(row.profile);
    let baseline = match (row.baseline_period, row.baseline_version, row.baseline_request) {
        (Some(period), Some(version), Some(request_id)) => {
            Some(Baseline { period, version, request_id, profile: parsed(row.baseline_profile) })
        }
        _ => None,
    };
    let drift = match (&profile, baseline.as_ref().and_then(|b| b.profile.as_ref())) {
        (Some(now), Some(before)) => Some(drift(before, now)),
        _ => None,
    };
    Ok(ProfileComparison { request_id, profile, baseline, drift })
}
