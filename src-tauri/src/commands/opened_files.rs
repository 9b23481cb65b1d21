//! File commands of the Load screen: offline, each a thin adapter over
//! `citizen_core::desktop::files`.

use citizen_core::desktop::files::{FileEvent, FileSummary, GridPage, IssuePage, NextIssue, OpenedFile, RowFilter};
use citizen_core::desktop::session::Session;
use citizen_core::ErrorPayload;
use std::path::PathBuf;
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::State;

fn sender(channel: Channel<FileEvent>) -> Arc<dyn Fn(FileEvent) + Send + Sync> {
    Arc::new(move |event| {
        let _ = channel.send(event);
    })
}

/// The native open dialog.
#[tauri::command]
pub async fn pick_files() -> Vec<String> {
    rfd::AsyncFileDialog::new()
        .add_filter("CSV / Excel", &["csv", "txt", "xlsx", "xlsm", "xls", "xlsb", "ods"])
        .pick_files()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|f| f.path().display().to_string())
        .collect()
}

/// The native save dialog for the error report.
#[tauri::command(rename_all = "camelCase")]
pub async fn pick_save_path(default_name: String) -> Option<String> {
    rfd::AsyncFileDialog::new()
        .add_filter("Excel / CSV", &["xlsx", "csv"])
        .set_file_name(default_name)
        .save_file()
        .await
        .map(|f| f.path().display().to_string())
}

/// Opens files (the drop zone, "Choose files…" and the tests use this).
#[tauri::command(rename_all = "camelCase")]
pub fn open_files(
    state: State<'_, Session>,
    paths: Vec<String>,
    on_event: Channel<FileEvent>,
) -> Result<Vec<OpenedFile>, ErrorPayload> {
    let catalog = state.catalog()?;
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    Ok(state.files.open(&catalog, &paths, sender(on_event)))
}

/// Re-validates a file against another dataset.
#[tauri::command(rename_all = "camelCase")]
pub fn set_file_dataset(
    state: State<'_, Session>,
    file_id: u64,
    dataset: String,
    on_event: Channel<FileEvent>,
) -> Result<OpenedFile, ErrorPayload> {
    let catalog = state.catalog()?;
    state.files.set_dataset(&catalog, file_id, &dataset, sender(on_event)).map_err(ErrorPayload::from)
}

/// Sets the period of a file.
#[tauri::command(rename_all = "camelCase")]
pub fn set_file_period(state: State<'_, Session>, file_id: u64, period: String) -> Result<OpenedFile, ErrorPayload> {
    let catalog = state.catalog()?;
    state.files.set_period(&catalog, file_id, &period).map_err(ErrorPayload::from)
}

/// Stops a validation.
#[tauri::command(rename_all = "camelCase")]
pub fn cancel_validation(state: State<'_, Session>, file_id: u64) -> Result<(), ErrorPayload> {
    state.files.cancel(file_id).map_err(ErrorPayload::from)
}

/// Closes a file.
#[tauri::command(rename_all = "camelCase")]
pub fn close_file(state: State<'_, Session>, file_id: u64) -> Result<(), ErrorPayload> {
    state.files.close(file_id).map_err(ErrorPayload::from)
}

/// Summary cards, chart data and column mapping.
#[tauri::command(rename_all = "camelCase")]
pub fn file_summary(state: State<'_, Session>, file_id: u64) -> Result<FileSummary, ErrorPayload> {
    state.files.summary(file_id).map_err(ErrorPayload::from)
}

/// The grid's rows.
#[tauri::command(rename_all = "camelCase")]
pub fn file_rows(
    state: State<'_, Session>,
    file_id: u64,
    start: usize,
    count: usize,
    filter: RowFilter,
) -> Result<GridPage, ErrorPayload> {
    state.files.rows(file_id, start, count, &filter).map_err(ErrorPayload::from)
}

/// The side panel's issues.
#[tauri::command(rename_all = "camelCase")]
pub fn file_issues(
    state: State<'_, Session>,
    file_id: u64,
    start: usize,
    count: usize,
    filter: RowFilter,
) -> Result<IssuePage, ErrorPayload> {
    state.files.issues(file_id, start, count, &filter).map_err(ErrorPayload::from)
}

/// The "next issue" jump.
#[tauri::command(rename_all = "camelCase")]
pub fn next_issue(
    state: State<'_, Session>,
    file_id: u64,
    after_row: u64,
    filter: RowFilter,
) -> Result<Option<NextIssue>, ErrorPayload> {
    state.files.next_issue(file_id, after_row, &filter).map_err(ErrorPayload::from)
}

/// Writes the error report for the sender.
#[tauri::command(rename_all = "camelCase")]
pub async fn export_report(state: State<'_, Session>, file_id: u64, path: String) -> Result<(), ErrorPayload> {
    Ok(state.export_report(file_id, &PathBuf::from(path)).await?)
}
