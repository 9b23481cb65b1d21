//! The app's Tauri commands, one submodule per area. Each command is a line or
//! two adapting `citizen_core::desktop::session::Session` (the state every
//! command gets) and returns `Result<T, ErrorPayload>`, so the UI always gets
//! the same error shape (a closed `ErrorCode`, message, params). Every command
//! has its typed entry in `ui/src/commands.ts` (a test checks).

pub mod admin;
pub mod contracts;
pub mod loads;
pub mod opened_files;
pub mod profiles;
pub mod review;
