//! Database commands (sign-in, submit, approvals, versions, activity,
//! settings): adapters of a line or two over `citizen_core::desktop`.

use citizen_core::desktop::queries;
use citizen_core::desktop::session::{ApproveEvent, SavedSettings, Session, SubmitResult};
use citizen_core::desktop::settings::Settings;
use citizen_core::desktop::views::{
    AuditFilter, AuditView, ConnectionStatus, RequestDetail, RequestStatus, RequestView,
};
use citizen_core::desktop::views::{VersionView, VersionsCalendar};
use citizen_core::pipeline::{self, Approved};
use citizen_core::ErrorPayload;
use tauri::ipc::Channel;
use tauri::State;

/// Whether the database is reachable, as whom.
#[tauri::command]
pub async fn connection_status(state: State<'_, Session>) -> Result<ConnectionStatus, ErrorPayload> {
    Ok(state.status().await)
}

/// Signs in; with `remember` the password goes to the OS keyring (never a file).
#[tauri::command]
pub async fn sign_in(
    state: State<'_, Session>,
    user: String,
    password: String,
    remember: bool,
) -> Result<ConnectionStatus, ErrorPayload> {
    Ok(state.sign_in(&user, &password, remember).await?)
}

/// Signs out (a remembered password stays in the keyring).
#[tauri::command]
pub async fn sign_out(state: State<'_, Session>) -> Result<ConnectionStatus, ErrorPayload> {
    Ok(state.sign_out().await)
}

/// Submits an opened file for approval.
#[tauri::command(rename_all = "camelCase")]
pub async fn submit_file(
    state: State<'_, Session>,
    file_id: u64,
    period: Option<String>,
) -> Result<SubmitResult, ErrorPayload> {
    Ok(state.submit(file_id, period).await?)
}

/// The approval queue.
#[tauri::command]
pub async fn list_requests(
    state: State<'_, Session>,
    status: Option<RequestStatus>,
) -> Result<Vec<RequestView>, ErrorPayload> {
    Ok(queries::requests(&state.database().await?, status).await?)
}

/// A request page.
#[tauri::command(rename_all = "camelCase")]
pub async fn request_detail(state: State<'_, Session>, request_id: i64) -> Result<RequestDetail, ErrorPayload> {
    Ok(state.request_detail(request_id).await?)
}

/// Approves a request; `on_event` hears its steps.
#[tauri::command(rename_all = "camelCase")]
pub async fn approve_request(
    state: State<'_, Session>,
    request_id: i64,
    note: Option<String>,
    on_event: Channel<ApproveEvent>,
) -> Result<Approved, ErrorPayload> {
    Ok(state.approve(request_id, note, |event| drop(on_event.send(event))).await?)
}

/// Rejects a request with a note.
#[tauri::command(rename_all = "camelCase")]
pub async fn reject_request(state: State<'_, Session>, request_id: i64, note: String) -> Result<(), ErrorPayload> {
    Ok(pipeline::reject(&state.database().await?, request_id, &note).await?)
}

/// The datasets × periods calendar.
#[tauri::command]
pub async fn versions_calendar(state: State<'_, Session>, months: u32) -> Result<VersionsCalendar, ErrorPayload> {
    let catalog = state.catalog()?;
    Ok(queries::calendar(&state.database().await?, &catalog, months).await?)
}

/// Versions of a dataset and period.
#[tauri::command]
pub async fn list_versions(
    state: State<'_, Session>,
    dataset: String,
    period: String,
) -> Result<Vec<VersionView>, ErrorPayload> {
    Ok(queries::versions(&state.database().await?, &dataset, &period).await?)
}

/// Re-activates an earlier version.
#[tauri::command]
pub async fn rollback(
    state: State<'_, Session>,
    dataset: String,
    period: String,
    version: i32,
) -> Result<i64, ErrorPayload> {
    Ok(pipeline::rollback(&state.database().await?, &dataset, &period, version).await?)
}

/// The audit log.
#[tauri::command]
pub async fn audit_log(
    state: State<'_, Session>,
    filter: AuditFilter,
    limit: i64,
) -> Result<Vec<AuditView>, ErrorPayload> {
    Ok(queries::audit(&state.database().await?, &filter, limit).await?)
}

/// The settings.
#[tauri::command]
pub fn get_settings(state: State<'_, Session>) -> Settings {
    state.settings()
}

/// Saves the settings (a password in the server URL never reaches the file).
#[tauri::command]
pub async fn save_settings(state: State<'_, Session>, settings: Settings) -> Result<SavedSettings, ErrorPayload> {
    Ok(state.save_settings(settings).await?)
}

/// The native open dialog for the CA file of a server (a PEM certificate).
#[tauri::command]
pub async fn pick_ca_file() -> Option<String> {
    rfd::AsyncFileDialog::new()
        .add_filter("CA certificate (PEM)", &["pem", "crt", "cer"])
        .pick_file()
        .await
        .map(|f| f.path().display().to_string())
}
