//! What the desktop app keeps between commands, with no Tauri in it: the
//! session that holds it all and carries the app's operations (`session`),
//! the opened files (`files`), the settings file (`settings`), the database
//! session with the screens' queries (`loads`), the remembered password in the
//! OS keyring (`secrets`). The app's commands adapt `session::Session`.

pub mod files;
pub mod loads;
pub mod secrets;
pub mod session;
pub mod settings;
