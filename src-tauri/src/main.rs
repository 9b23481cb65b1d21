//! The `citizen-app` binary: checks that there is a display to open a window on,
//! then hands over to [`citizen_app::run`].

// No console window alongside the app in a Windows release build.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(problem) = citizen_app::missing_display() {
        eprintln!("citizen-app: {problem}");
        return ExitCode::from(2);
    }
    match citizen_app::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("citizen-app: {error}");
            ExitCode::FAILURE
        }
    }
}
