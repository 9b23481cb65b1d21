//! The Citizen DB desktop app: builds the Tauri application (window, commands)
//! around `citizen-core`. Commands live in [`commands`], each a thin adapter.

pub mod bindings;
pub mod commands;

/// Builds the app, opens its window and runs until the last window closes.
pub fn run() -> tauri::Result<()> {
    tauri::Builder::default()
        .manage(citizen_core::desktop::session::Session::load())
        .invoke_handler(tauri::generate_handler![
            commands::contracts::list_contracts,
            commands::opened_files::pick_files,
            commands::opened_files::pick_save_path,
            commands::opened_files::open_files,
            commands::opened_files::set_file_dataset,
            commands::opened_files::set_file_period,
            commands::opened_files::cancel_validation,
            commands::opened_files::close_file,
            commands::opened_files::file_summary,
            commands::opened_files::file_rows,
            commands::opened_files::file_issues,
            commands::opened_files::next_issue,
            commands::opened_files::export_report,
            commands::review::set_file_mapping,
            commands::review::correct_cell,
            commands::review::replace_in_column,
            commands::review::clear_corrections,
            commands::loads::connection_status,
            commands::loads::sign_in,
            commands::loads::sign_out,
            commands::loads::submit_file,
            commands::loads::list_requests,
            commands::loads::request_detail,
            commands::loads::approve_request,
            commands::loads::reject_request,
            commands::loads::versions_calendar,
            commands::loads::list_versions,
            commands::loads::rollback,
            commands::loads::audit_log,
            commands::loads::get_settings,
            commands::loads::save_settings,
            commands::loads::pick_ca_file,
            commands::admin::list_logins,
            commands::admin::add_login,
            commands::admin::disable_login,
            commands::admin::enable_login,
            commands::admin::set_login_role,
            commands::admin::set_login_password,
            commands::admin::contract_plans,
            commands::admin::apply_contracts,
            commands::profiles::file_profile,
            commands::profiles::request_profiles,
        ])
        .run(tauri::generate_context!())
}

/// On Linux, a sentence saying why no window can be opened (neither `DISPLAY`
/// nor `WAYLAND_DISPLAY` is set), or `None` when a display is there.
/// GTK would otherwise abort with a panic.
pub fn missing_display() -> Option<&'static str> {
    if cfg!(target_os = "linux") && !has_display(|name| std::env::var_os(name)) {
        Some(
            "no display to open a window on: neither DISPLAY nor WAYLAND_DISPLAY is set. \
             Run it in a desktop session, or headless under Xvfb (see scripts/app-smoke.sh).",
        )
    } else {
        None
    }
}

/// Whether the environment, read through `var`, names an X11 or Wayland display.
fn has_display(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|name| var(name).is_some_and(|value| !value.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::has_display;
    use std::ffi::OsString;

    #[test]
    fn a_display_is_found_by_either_variable() {
        assert!(has_display(|n| (n == "DISPLAY").then(|| OsString::from(":0"))));
        assert!(has_display(|n| (n == "WAYLAND_DISPLAY").then(|| OsString::from("wayland-0"))));
    }

    #[test]
    fn no_display_when_unset_or_empty() {
        assert!(!has_display(|_| None));
        assert!(!has_display(|_| Some(OsString::new())));
    }
}
