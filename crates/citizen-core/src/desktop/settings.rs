//! The app's settings: database, login name, language and theme, as JSON in
//! the user's configuration directory. Never a password.

use crate::error::CoreError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What the Settings screen edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// A server URL; `None` means the embedded default.
    #[serde(default)]
    pub database_url: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_theme")]
    pub theme: String,
}

fn default_language() -> String {
    "he".to_owned()
}

fn default_theme() -> String {
    "system".to_owned()
}

impl Default for Settings {
    fn default() -> Self {
        Settings { database_url: None, user: None, language: default_language(), theme: default_theme() }
    }
}

/// `$XDG_CONFIG_HOME/citizen-db/settings.json` (or `~/.config/...`).
pub fn settings_path() -> PathBuf {
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    config_home.join("citizen-db").join("settings.json")
}

/// Reads the settings; a missing or unreadable file gives the defaults.
pub fn load_settings() -> Settings {
    std::fs::read_to_string(settings_path()).ok().and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default()
}

/// Writes the settings (through a temporary file, so a crash never leaves half a file).
pub fn save_settings(settings: &Settings) -> Result<(), CoreError> {
    let path = settings_path();
    let fail = |message: String| CoreError::Settings { path: path.clone(), message };
    if !matches!(settings.language.as_str(), "he" | "en")
        || !matches!(settings.theme.as_str(), "light" | "dark" | "system")
    {
        return Err(fail("language must be he or en, theme light, dark or system".to_owned()));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
    }
    let text = serde_json::to_string_pretty(settings).map_err(|e| fail(e.to_string()))?;
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text).map_err(|e| fail(e.to_string()))?;
    std::fs::rename(&temporary, &path).map_err(|e| fail(e.to_string()))
}
