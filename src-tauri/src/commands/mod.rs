//! The app's Tauri commands, one submodule per area. Each command is a few lines
//! adapting `citizen-core` and returns `Result<T, ErrorPayload>`, so the UI
//! always gets the same error shape (code, message, params).

pub mod contracts;
pub mod loads;
pub mod opened_files;
pub mod state;
