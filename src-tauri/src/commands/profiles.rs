//! Profiles (issue 15): an opened file's for the Load screen, a request's
//! beside its baseline's, with their drift, for Approvals.

use citizen_core::desktop::profiles;
use citizen_core::desktop::session::Session;
use citizen_core::pipeline::profile::ProfileComparison;
use citizen_core::report::profile::Profile;
use citizen_core::ErrorPayload;
use tauri::State;

/// The profile of an opened file (`null` until its validation is done).
#[tauri::command(rename_all = "camelCase")]
pub fn file_profile(state: State<'_, Session>, file_id: u64) -> Result<Option<Profile>, ErrorPayload> {
    profiles::file_profile(&state.files, file_id).map_err(ErrorPayload::from)
}

/// A request's profile beside its baseline's, and their drift.
#[tauri::command(rename_all = "camelCase")]
pub async fn request_profiles(state: State<'_, Session>, request_id: i64) -> Result<ProfileComparison, ErrorPayload> {
    Ok(profiles::request_profiles(&state.database().await?, request_id).await?)
}
