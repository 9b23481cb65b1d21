//! Database commands (submit, approvals, versions, activity, settings): thin
//! adapters over `citizen_core::desktop::loads` and the pipeline.

use super::state::{payload, AppState};
use citizen_core::desktop::loads::{
    self, AuditFilter, AuditView, ConnectionStatus, RequestDetail, RequestView, VersionView, VersionsCalendar,
};
use citizen_core::desktop::secrets;
use citizen_core::desktop::settings::{save_settings as store_settings, split_url_password, Settings};
use citizen_core::pipeline::{self, Approved};
use citizen_core::report::Issue;
use citizen_core::{CoreError, ErrorPayload};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

async fn database(state: &AppState) -> Result<citizen_core::db::Database, ErrorPayload> {
    state.db.database(&state.settings()).await.map_err(payload)
}

/// Whether the database is reachable, as whom.
#[tauri::command]
pub async fn connection_status(state: State<'_, AppState>) -> Result<ConnectionStatus, ErrorPayload> {
    Ok(state.db.status(&state.settings()).await)
}

/// Signs in with a login and password; with `remember` the password goes to
/// the OS keyring (never a file), and a missing keyring is a clear error.
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    user: String,
    password: String,
    remember: bool,
) -> Result<ConnectionStatus, ErrorPayload> {
    let mut settings = state.settings();
    settings.user = Some(user);
    if remember {
        store_settings(&settings).map_err(payload)?;
    }
    if let Ok(mut current) = state.settings.write() {
        *current = settings.clone();
    }
    let status = state.db.sign_in(&settings, &password).await.map_err(payload)?;
    secrets::remember_password(&settings.user.clone().unwrap_or_default(), &password, remember)
        .await
        .map_err(payload)?;
    Ok(status)
}

/// What a submit returns to the Load screen.
#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SubmitResult {
    request_id: i64,
    staged_rows: u64,
    warnings: Vec<Issue>,
}

/// Submits an opened file for approval.
#[tauri::command(rename_all = "camelCase")]
pub async fn submit_file(
    state: State<'_, AppState>,
    file_id: u64,
    period: Option<String>,
) -> Result<SubmitResult, ErrorPayload> {
    let catalog = state.catalog()?;
    let file = state.files.source(file_id).map_err(payload)?;
    let path = file.path;
    let dataset = file.dataset.ok_or_else(|| payload(CoreError::FileNotOpen { file_id }))?;
    let period = period.or(file.period).unwrap_or_default();
    let database = database(&state).await?;
    let submitted = loads::submit(&database, &catalog, &path, &dataset, &period).await.map_err(payload)?;
    Ok(SubmitResult {
        request_id: submitted.request_id,
        staged_rows: submitted.staged_rows,
        warnings: submitted.warnings,
    })
}

/// The approval queue.
#[tauri::command]
pub async fn list_requests(
    state: State<'_, AppState>,
    status: Option<String>,
) -> Result<Vec<RequestView>, ErrorPayload> {
    loads::requests(&database(&state).await?, status.as_deref()).await.map_err(payload)
}

/// A request page.
#[tauri::command(rename_all = "camelCase")]
pub async fn request_detail(state: State<'_, AppState>, request_id: i64) -> Result<RequestDetail, ErrorPayload> {
    let catalog = state.catalog()?;
    loads::request_detail(&database(&state).await?, &catalog, request_id).await.map_err(payload)
}

/// A step of an approval, for its progress indicator.
#[derive(Clone, Serialize, ts_rs::TS)]
pub struct ApproveEvent {
    #[ts(type = "\"step\"")]
    kind: &'static str,
    #[ts(type = "string")]
    step: &'static str,
}

/// Approves a request (transform and publish in the database).
#[tauri::command(rename_all = "camelCase")]
pub async fn approve_request(
    state: State<'_, AppState>,
    request_id: i64,
    note: Option<String>,
    on_event: Channel<ApproveEvent>,
) -> Result<Approved, ErrorPayload> {
    let database = database(&state).await?;
    let _ = on_event.send(ApproveEvent { kind: "step", step: "transform" });
    let note = note.filter(|n| !n.trim().is_empty());
    let approved = pipeline::approve(&database, request_id, note.as_deref()).await.map_err(payload)?;
    let _ = on_event.send(ApproveEvent { kind: "step", step: "publish" });
    Ok(approved)
}

/// Rejects a request with a note.
#[tauri::command(rename_all = "camelCase")]
pub async fn reject_request(state: State<'_, AppState>, request_id: i64, note: String) -> Result<(), ErrorPayload> {
    pipeline::reject(&database(&state).await?, request_id, &note).await.map_err(payload)
}

/// The datasets × periods calendar.
#[tauri::command]
pub async fn versions_calendar(state: State<'_, AppState>, months: u32) -> Result<VersionsCalendar, ErrorPayload> {
    let catalog = state.catalog()?;
    loads::calendar(&database(&state).await?, &catalog, months).await.map_err(payload)
}

/// Versions of a dataset and period.
#[tauri::command]
pub async fn list_versions(
    state: State<'_, AppState>,
    dataset: String,
    period: String,
) -> Result<Vec<VersionView>, ErrorPayload> {
    loads::versions(&database(&state).await?, &dataset, &period).await.map_err(payload)
}

/// Re-activates an earlier version.
#[tauri::command]
pub async fn rollback(
    state: State<'_, AppState>,
    dataset: String,
    period: String,
    version: i32,
) -> Result<i64, ErrorPayload> {
    pipeline::rollback(&database(&state).await?, &dataset, &period, version).await.map_err(payload)
}

/// The audit log.
#[tauri::command]
pub async fn audit_log(
    state: State<'_, AppState>,
    filter: AuditFilter,
    limit: i64,
) -> Result<Vec<AuditView>, ErrorPayload> {
    loads::audit(&database(&state).await?, &filter, limit).await.map_err(payload)
}

/// The settings.
#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Settings {
    state.settings()
}

/// Signs out: the connection closes and the password of this run is
/// forgotten (a remembered one stays in the keyring).
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<ConnectionStatus, ErrorPayload> {
    let mut settings = state.settings();
    settings.user = None;
    if let Ok(mut current) = state.settings.write() {
        *current = settings.clone();
    }
    state.db.sign_out(None).await;
    Ok(state.db.status(&settings).await)
}

/// Where a password written in a server URL went when the settings were saved.
#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedSettings {
    /// `"keyring"`: moved to the OS keyring; `"session"`: no keyring answered,
    /// so it is kept for this run only; `null`: the URL held no password.
    #[ts(type = "\"keyring\" | \"session\" | null")]
    url_password: Option<&'static str>,
}

/// Saves the settings; a changed database takes effect on the next command.
/// A password in the server URL never reaches settings.json: it goes to the
/// OS keyring (under the URL's login), or is kept for this run only.
#[tauri::command]
pub async fn save_settings(state: State<'_, AppState>, settings: Settings) -> Result<SavedSettings, ErrorPayload> {
    let mut settings = settings;
    let mut url_password = None;
    if let Some(url) = settings.database_url.clone() {
        let (clean, url_user, password) = split_url_password(&url);
        settings.database_url = Some(clean);
        if let Some(password) = password {
            let user = settings.user.clone().filter(|u| !u.is_empty()).or(url_user).unwrap_or_default();
            settings.user = Some(user.clone()).filter(|u| !u.is_empty());
            let kept = secrets::remember_password(&user, &password, true).await;
            url_password = Some((password, if kept.is_ok() { "keyring" } else { "session" }));
        }
    }
    store_settings(&settings).map_err(payload)?;
    let changed_database = state.settings().database_url != settings.database_url || url_password.is_some();
    if let Ok(mut current) = state.settings.write() {
        *current = settings.clone();
    }
    let (password, kept) = match url_password {
        Some((password, kept)) => (Some(password), Some(kept)),
        None => (None, None),
    };
    if changed_database {
        state.db.sign_out(password).await;
        if settings.user.is_some() || settings.database_url.is_some() {
            state.db.database(&settings).await.map(|_| ()).map_err(payload)?;
        }
    }
    Ok(SavedSettings { url_password: kept })
}
