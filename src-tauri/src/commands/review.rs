//! The clerk's review on the Load screen (issue 15): header mappings and
//! corrections of an opened file, each a thin adapter over
//! `citizen_core::desktop::session::Session`; the file is validated again at
//! once and `onEvent` hears its new summary.

use citizen_core::desktop::files::{FileEvent, OpenedFile};
use citizen_core::desktop::session::Session;
use citizen_core::ErrorPayload;
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::State;

fn sender(channel: Channel<FileEvent>) -> Arc<dyn Fn(FileEvent) + Send + Sync> {
    Arc::new(move |event| {
        let _ = channel.send(event);
    })
}

/// Maps a header to a contract column (`column` null: ignore the header);
/// `remember` keeps it for every file of the dataset (sent to the database
/// at once when connected, else with the next submit).
#[tauri::command(rename_all = "camelCase")]
pub async fn set_file_mapping(
    state: State<'_, Session>,
    file_id: u64,
    header: String,
    column: Option<String>,
    remember: bool,
    on_event: Channel<FileEvent>,
) -> Result<OpenedFile, ErrorPayload> {
    let opened = state.set_mapping(file_id, &header, column, remember, sender(on_event))?;
    if remember {
        state.send_remembered().await;
    }
    Ok(opened)
}

/// Gives one cell a new value.
#[tauri::command(rename_all = "camelCase")]
pub fn correct_cell(
    state: State<'_, Session>,
    file_id: u64,
    row: u64,
    column: String,
    value: String,
    on_event: Channel<FileEvent>,
) -> Result<OpenedFile, ErrorPayload> {
    Ok(state.correct_cell(file_id, row, &column, &value, sender(on_event))?)
}

/// Replaces a value in every cell of a column.
#[tauri::command(rename_all = "camelCase")]
pub fn replace_in_column(
    state: State<'_, Session>,
    file_id: u64,
    column: String,
    from: String,
    to: String,
    on_event: Channel<FileEvent>,
) -> Result<OpenedFile, ErrorPayload> {
    Ok(state.replace_in_column(file_id, &column, &from, &to, sender(on_event))?)
}

/// Drops every correction of a file (its mappings stay).
#[tauri::command(rename_all = "camelCase")]
pub fn clear_corrections(
    state: State<'_, Session>,
    file_id: u64,
    on_event: Channel<FileEvent>,
) -> Result<OpenedFile, ErrorPayload> {
    Ok(state.clear_corrections(file_id, sender(on_event))?)
}
