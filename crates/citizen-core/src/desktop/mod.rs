//! What the desktop app keeps between commands, with no Tauri in it: the
//! session that holds it all and carries the app's operations, with the
//! signed-in database connection (`session`), the shapes sent to the UI
//! (`views`), the screens' reads (`queries`), the opened files (`files`), the
//! settings file (`settings`), the remembered password in the OS keyring
//! (`secrets`), the administrator's logins and contracts (`admin`), the
//! profiles of files and requests (`profiles`), the
//! column mappings remembered on this desktop (`aliases`). The
//! app's commands adapt `session::Session`.

pub mod admin;
pub mod aliases;
pub mod files;
pub mod profiles;
pub mod queries;
pub mod secrets;
pub mod session;
pub mod settings;
pub mod views;
