//! The app's settings: database (with its TLS mode and CA file), login name,
//! language and theme, as JSON in
//! the user's configuration directory (mode 0600). Never a password: one
//! written in a server URL is taken out before saving (`split_url_password`).

use crate::error::CoreError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What the Settings screen edits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// A server URL; `None` means the embedded default.
    #[serde(default)]
    pub database_url: Option<String>,
    /// The TLS mode for a server URL (`sslmode`); `None` keeps what the URL
    /// says (and sqlx's `prefer` when it says nothing).
    #[serde(default)]
    pub ssl_mode: Option<SslMode>,
    /// The CA file that signs the server's certificate (`sslrootcert`), a
    /// PEM file picked in Settings; `None` keeps what the URL says.
    #[serde(default)]
    pub ca_file: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    /// An unknown value in settings.json reads as the default
    /// (`load_settings`), so a hand-edited file keeps the rest.
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub theme: Theme,
}

/// The UI's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Hebrew, right to left: the default.
    #[default]
    He,
    En,
}

/// The UI's colours: light, dark, or as the system says (the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

/// How a connection to a server is encrypted, as libpq's `sslmode` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Never encrypted.
    Disable,
    /// Encrypted when the server offers it, nothing checked.
    Prefer,
    /// Always encrypted, the certificate not checked.
    Require,
    /// Always encrypted, the certificate signed by the CA.
    VerifyCa,
    /// Always encrypted, the certificate signed by the CA and naming the host.
    VerifyFull,
}

impl SslMode {
    /// The `sslmode` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

impl Settings {
    /// The server URL with the TLS mode and CA file of these settings in it
    /// (each replaces what the URL says); `None` for the embedded default.
    pub fn server_url(&self) -> Option<String> {
        let url = self.database_url.as_deref().filter(|u| !u.trim().is_empty())?;
        let ca_file = self.ca_file.as_deref().filter(|f| !f.trim().is_empty());
        Some(crate::db::url_with_tls(url, self.ssl_mode.map(SslMode::as_str), ca_file))
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

/// Reads the settings; a missing or unreadable file gives the defaults, and
/// a language or theme that is not one of ours gives its default alone.
pub fn load_settings() -> Settings {
    let Some(serde_json::Value::Object(mut fields)) =
        std::fs::read_to_string(settings_path()).ok().and_then(|text| serde_json::from_str(&text).ok())
    else {
        return Settings::default();
    };
    if fields.get("language").is_some_and(|v| Language::deserialize(v).is_err()) {
        fields.remove("language");
    }
    if fields.get("theme").is_some_and(|v| Theme::deserialize(v).is_err()) {
        fields.remove("theme");
    }
    serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default()
}

/// `url` without the password of its `user:password@` part, the login name
/// written there, and the password that was taken out (percent-decoded).
pub fn split_url_password(url: &str) -> (String, Option<String>, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else { return (url.to_owned(), None, None) };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else { return (url.to_owned(), None, None) };
    let userinfo = &rest[..at];
    let (user, password) = match userinfo.split_once(':') {
        Some((user, password)) => (user, Some(crate::db::percent_decode(password, false))),
        None => (userinfo, None),
    };
    let user = (!user.is_empty()).then(|| crate::db::percent_decode(user, false));
    let clean = match (&password, userinfo.split_once(':')) {
        (Some(_), Some(("", _))) => format!("{scheme}://{}", &rest[at + 1..]),
        (Some(_), Some((raw_user, _))) => format!("{scheme}://{raw_user}@{}", &rest[at + 1..]),
        _ => url.to_owned(),
    };
    (clean, user, password)
}

/// Writes the settings, readable by the user only (0600), through a temporary
/// file, so a crash never leaves half a file. A password in the server URL is
/// never written: the caller takes it out first (`split_url_password`), and
/// one left there is dropped here.
pub fn save_settings(settings: &Settings) -> Result<(), CoreError> {
    let path = settings_path();
    let fail = |message: String| CoreError::Settings { path: path.clone(), message };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
    }
    let mut stored = settings.clone();
    stored.database_url = settings.database_url.as_deref().map(|url| split_url_password(url).0);
    let text = serde_json::to_string_pretty(&stored).map_err(|e| fail(e.to_string()))?;
    let temporary = path.with_extension("json.tmp");
    write_private(&temporary, text.as_bytes()).map_err(|e| fail(e.to_string()))?;
    std::fs::rename(&temporary, &path).map_err(|e| fail(e.to_string()))
}

/// Writes a new file with mode 0600 from the start (an old one is replaced).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
