//! What the desktop app keeps between commands, with no Tauri in it: the
//! opened files (`files`), the settings file (`settings`), and the database
//! session with the screens' queries (`loads`), the remembered password in the
//! OS keyring (`secrets`). The app's commands adapt these.

pub mod files;
pub mod loads;
pub mod secrets;
pub mod settings;
