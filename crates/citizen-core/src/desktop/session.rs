//! One desktop app session, with no Tauri in it: the contracts, the opened
//! files, the settings and the database session (`DbSession`: the signed-in
//! connection, opened lazily), and every operation of the app that is more
//! than a single call (sign-in, settings, submit, approve, export). The app's
//! commands are adapters of a line or two over this.

use super::aliases::LocalAliases;
use super::files::{FileEvent, OpenedFile, OpenedFiles};
use super::queries;
use super::secrets;
use super::settings::{load_settings, save_settings, settings_path, split_url_password, Settings};
use super::views::{ConnectionStatus, DatabaseMode, RequestDetail};
use crate::contract::{default_contracts_dir, Catalog};
use crate::db::{Database, DbTarget};
use crate::error::CoreError;
use crate::pipeline::{self, Approved};
use crate::report::Issue;
use crate::validate::edits::{CellCorrection, ColumnReplacement, HeaderMapping};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// What a submit returns to the Load screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SubmitResult {
    pub request_id: i64,
    pub staged_rows: u64,
    pub warnings: Vec<Issue>,
}

/// A step of an approval, for its progress indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ApproveStep {
    Transform,
    Publish,
}

/// What an approval reports as it goes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApproveEvent {
    Step { step: ApproveStep },
}

/// Where a password written in a server URL went when the settings were saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum UrlPassword {
    /// Moved to the OS keyring.
    Keyring,
    /// No keyring answered: kept for this run only.
    Session,
}

/// The settings as saved, and what became of a password in the server URL.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SavedSettings {
    /// What settings.json now holds (the server URL without its password).
    pub settings: Settings,
    /// `null` when the URL held no password.
    pub url_password: Option<UrlPassword>,
}

/// Everything the app's commands share.
pub struct Session {
    contracts_dir: PathBuf,
    catalog: RwLock<Option<Arc<Catalog>>>,
    pub files: Arc<OpenedFiles>,
    pub db: DbSession,
    settings: RwLock<Settings>,
    /// The column mappings remembered on this desktop (beside the settings).
    aliases: Mutex<LocalAliases>,
}

impl Session {
    /// The session of the app: the default contracts directory and the saved settings.
    pub fn load() -> Session {
        Session::new(default_contracts_dir(), load_settings())
    }

    /// A session over the contracts of `contracts_dir` (read now, and again
    /// on the next command while they fail to load) with `settings`.
    pub fn new(contracts_dir: PathBuf, settings: Settings) -> Session {
        let catalog = Catalog::load(&contracts_dir).ok().map(Arc::new);
        let settings_dir = settings_path().parent().map(Path::to_path_buf).unwrap_or_default();
        let aliases = LocalAliases::load(&settings_dir);
        let files = Arc::new(OpenedFiles::default());
        for dataset in aliases.datasets.keys() {
            files.set_remembered(dataset, aliases.effective(dataset));
        }
        Session {
            contracts_dir,
            catalog: RwLock::new(catalog),
            files,
            db: DbSession::default(),
            settings: RwLock::new(settings),
            aliases: Mutex::new(aliases),
        }
    }

    fn aliases(&self) -> std::sync::MutexGuard<'_, LocalAliases> {
        self.aliases.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads the database's remembered mappings into this desktop's (kept for
    /// offline use); the next validation of a file uses them.
    async fn refresh_aliases(&self, database: &Database) {
        let Ok(by_dataset) = pipeline::queries::all_column_aliases(database).await else { return };
        let mut aliases = self.aliases();
        let mut datasets: Vec<String> = aliases.datasets.keys().cloned().collect();
        datasets.extend(by_dataset.keys().cloned());
        datasets.sort();
        datasets.dedup();
        for dataset in datasets {
            let known = by_dataset.get(&dataset).cloned().unwrap_or_default();
            // A desktop that cannot write its folder still maps with what it read.
            let _ = aliases.set_known(&dataset, known);
            self.files.set_remembered(&dataset, aliases.effective(&dataset));
        }
    }

    /// Maps a header of an opened file to a contract column (`None`:
    /// ignored) and validates it again; with `remember`, the mapping is kept
    /// on this desktop for every file of the dataset and sent to the database
    /// (an alias) with the next submit.
    pub fn set_mapping(
        &self,
        file_id: u64,
        header: &str,
        column: Option<String>,
        remember: bool,
        on_event: Arc<dyn Fn(FileEvent) + Send + Sync>,
    ) -> Result<OpenedFile, CoreError> {
        let catalog = self.catalog()?;
        let mapping = HeaderMapping { header: header.to_owned(), column, remember };
        let opened = self.files.edit(&catalog, file_id, |edits| edits.set_mapping(mapping.clone()), on_event)?;
        if remember {
            if let Some(dataset) = opened.dataset.as_deref() {
                let mut aliases = self.aliases();
                aliases.remember(dataset, mapping)?;
                self.files.set_remembered(dataset, aliases.effective(dataset));
            }
        }
        Ok(opened)
    }

    /// Sends the mappings remembered on this desktop and not yet in the
    /// database, when a connection is open (none is opened for this): what
    /// cannot be sent now (offline, or a login that may not) stays pending
    /// and goes with the next submit.
    pub async fn send_remembered(&self) {
        let Some(database) = self.db.open_connection().await else { return };
        let pending: Vec<(String, Vec<HeaderMapping>)> = self
            .aliases()
            .datasets
            .iter()
            .filter(|(_, entry)| !entry.pending.is_empty())
            .map(|(name, entry)| (name.clone(), entry.pending.clone()))
            .collect();
        for (dataset, mappings) in pending {
            if pipeline::remember_aliases(&database, &dataset, &mappings).await.is_ok() {
                let mut aliases = self.aliases();
                let _ = aliases.sent(&dataset, &mappings);
                self.files.set_remembered(&dataset, aliases.effective(&dataset));
            }
        }
    }

    /// Gives one cell of an opened file a new value and validates it again.
    pub fn correct_cell(
        &self,
        file_id: u64,
        row: u64,
        column: &str,
        value: &str,
        on_event: Arc<dyn Fn(FileEvent) + Send + Sync>,
    ) -> Result<OpenedFile, CoreError> {
        let catalog = self.catalog()?;
        let correction = CellCorrection {
            row,
            column: column.to_owned(),
            value: value.to_owned(),
            made_at: chrono::Utc::now().to_rfc3339(),
        };
        self.files.edit(&catalog, file_id, |edits| edits.set_correction(correction), on_event)
    }

    /// Replaces `from` by `to` in every cell of a column of an opened file
    /// and validates it again.
    pub fn replace_in_column(
        &self,
        file_id: u64,
        column: &str,
        from: &str,
        to: &str,
        on_event: Arc<dyn Fn(FileEvent) + Send + Sync>,
    ) -> Result<OpenedFile, CoreError> {
        let catalog = self.catalog()?;
        let replacement = ColumnReplacement {
            column: column.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            made_at: chrono::Utc::now().to_rfc3339(),
        };
        self.files.edit(&catalog, file_id, |edits| edits.replacements.push(replacement), on_event)
    }

    /// Drops every correction and replacement of an opened file (its
    /// mappings stay) and validates it again.
    pub fn clear_corrections(
        &self,
        file_id: u64,
        on_event: Arc<dyn Fn(FileEvent) + Send + Sync>,
    ) -> Result<OpenedFile, CoreError> {
        let catalog = self.catalog()?;
        self.files.edit(
            &catalog,
            file_id,
            |edits| {
                edits.corrections.clear();
                edits.replacements.clear();
            },
            on_event,
        )
    }

    /// The contracts, or why they cannot be loaded.
    pub fn catalog(&self) -> Result<Arc<Catalog>, CoreError> {
        if let Some(catalog) = self.catalog.read().ok().and_then(|c| c.clone()) {
            return Ok(catalog);
        }
        let catalog = Arc::new(Catalog::load(&self.contracts_dir)?);
        if let Ok(mut slot) = self.catalog.write() {
            *slot = Some(Arc::clone(&catalog));
        }
        Ok(catalog)
    }

    /// The contracts read again from the folder (an administrator changed
    /// them); the cached catalog is replaced when they load.
    pub fn reload_catalog(&self) -> Result<Arc<Catalog>, CoreError> {
        let catalog = Arc::new(Catalog::load(&self.contracts_dir)?);
        if let Ok(mut slot) = self.catalog.write() {
            *slot = Some(Arc::clone(&catalog));
        }
        Ok(catalog)
    }

    /// A copy of the current settings.
    pub fn settings(&self) -> Settings {
        self.settings.read().map(|s| s.clone()).unwrap_or_default()
    }

    fn set_settings(&self, settings: &Settings) {
        if let Ok(mut current) = self.settings.write() {
            *current = settings.clone();
        }
    }

    /// The database connection, opened on first use.
    pub async fn database(&self) -> Result<Database, CoreError> {
        self.db.database(&self.settings()).await
    }

    /// Whether the database answers, as whom, with which roles.
    pub async fn status(&self) -> ConnectionStatus {
        let status = self.db.status(&self.settings()).await;
        if status.connected {
            if let Ok(database) = self.database().await {
                self.refresh_aliases(&database).await;
            }
        }
        status
    }

    /// Signs in with a login and password; with `remember` the login is saved
    /// and the password goes to the OS keyring (never a file: a missing
    /// keyring is `KeyringUnavailable`), else any remembered one is forgotten.
    pub async fn sign_in(&self, user: &str, password: &str, remember: bool) -> Result<ConnectionStatus, CoreError> {
        let mut settings = self.settings();
        settings.user = Some(user.to_owned());
        if remember {
            save_settings(&settings)?;
        }
        self.set_settings(&settings);
        let status = self.db.sign_in(&settings, password).await?;
        secrets::remember_password(user, password, remember).await?;
        Ok(status)
    }

    /// Signs out: the connection closes and the password of this run is
    /// forgotten (a remembered one stays in the keyring).
    pub async fn sign_out(&self) -> ConnectionStatus {
        let mut settings = self.settings();
        settings.user = None;
        self.set_settings(&settings);
        self.db.sign_out(None).await;
        self.db.status(&settings).await
    }

    /// Saves the settings; a changed database takes effect now. A password in
    /// the server URL never reaches settings.json: it goes to the OS keyring
    /// (under the URL's login), or is kept for this run only.
    pub async fn save_settings(&self, settings: Settings) -> Result<SavedSettings, CoreError> {
        let mut settings = settings;
        let mut moved = None;
        if let Some(url) = settings.database_url.clone() {
            let (clean, url_user, password) = split_url_password(&url);
            settings.database_url = Some(clean);
            if let Some(password) = password {
                let user = settings.user.clone().filter(|u| !u.is_empty()).or(url_user).unwrap_or_default();
                settings.user = Some(user.clone()).filter(|u| !u.is_empty());
                let kept = secrets::remember_password(&user, &password, true).await;
                moved = Some((password, if kept.is_ok() { UrlPassword::Keyring } else { UrlPassword::Session }));
            }
        }
        save_settings(&settings)?;
        let before = self.settings();
        let changed_database = before.server_url() != settings.server_url() || moved.is_some();
        self.set_settings(&settings);
        let (password, url_password) = match moved {
            Some((password, kept)) => (Some(password), Some(kept)),
            None => (None, None),
        };
        if changed_database {
            self.db.sign_out(password).await;
            if settings.user.is_some() || settings.database_url.is_some() {
                self.db.database(&settings).await?;
            }
        }
        Ok(SavedSettings { settings, url_password })
    }

    /// Submits an opened file for approval, for `period` (else the file's own).
    pub async fn submit(&self, file_id: u64, period: Option<String>) -> Result<SubmitResult, CoreError> {
        let catalog = self.catalog()?;
        let file = self.files.source(file_id)?;
        let dataset = file.dataset.ok_or(CoreError::FileNotOpen { file_id })?;
        let period = period.or(file.period).unwrap_or_default();
        let database = self.database().await?;
        // The file's review, with the mappings remembered on this desktop and
        // not yet sent: they go to the database in the submit's transaction.
        let contract = catalog.get(&dataset)?;
        // A pending mapping naming a column this contract no longer has is left out.
        let pending: Vec<HeaderMapping> = self
            .aliases()
            .datasets
            .get(&dataset)
            .map(|d| d.pending.clone())
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.column.as_deref().is_none_or(|c| contract.columns.iter().any(|column| column.name == c)))
            .collect();
        let edits = self.files.edits(file_id)?.with_remembered(&pending);
        let submitted = pipeline::submit_reviewed(&database, contract, &file.path, &period, &edits).await?;
        let sent: Vec<HeaderMapping> = edits.mappings.iter().filter(|m| m.remember).cloned().collect();
        {
            let mut aliases = self.aliases();
            let _ = aliases.sent(&dataset, &sent);
            self.files.set_remembered(&dataset, aliases.effective(&dataset));
        }
        // Mappings remembered offline for other datasets go with this submit too.
        self.send_remembered().await;
        Ok(SubmitResult {
            request_id: submitted.request_id,
            staged_rows: submitted.staged_rows,
            warnings: submitted.warnings,
        })
    }

    /// A request page (the request, its report, what approving changes, the history).
    pub async fn request_detail(&self, request_id: i64) -> Result<RequestDetail, CoreError> {
        let catalog = self.catalog()?;
        queries::request_detail(&self.database().await?, &catalog, request_id).await
    }

    /// Approves a request (transform and publish in the database); a blank
    /// note is no note. `on_event` hears the steps.
    pub async fn approve(
        &self,
        request_id: i64,
        note: Option<String>,
        on_event: impl Fn(ApproveEvent),
    ) -> Result<Approved, CoreError> {
        let database = self.database().await?;
        on_event(ApproveEvent::Step { step: ApproveStep::Transform });
        let note = note.filter(|n| !n.trim().is_empty());
        let approved = pipeline::approve(&database, request_id, note.as_deref()).await?;
        on_event(ApproveEvent::Step { step: ApproveStep::Publish });
        Ok(approved)
    }

    /// Writes the error report of an opened, validated file to `out` (.xlsx or
    /// .csv), off the async executor.
    pub async fn export_report(&self, file_id: u64, out: &Path) -> Result<(), CoreError> {
        let catalog = self.catalog()?;
        let file = self.files.source(file_id)?;
        let (Some(dataset), Some(validation)) = (file.dataset, file.validation) else {
            return Err(CoreError::FileNotOpen { file_id });
        };
        let out = out.to_path_buf();
        let written = tokio::task::spawn_blocking(move || {
            crate::ops::export::write_report(&out, &file.path, catalog.get(&dataset)?, &validation)
        })
        .await;
        written.map_err(|e| CoreError::Internal { message: format!("writing the report: {e}") })?
    }
}

/// How long the app waits for the database before it reports offline (the
/// banner must not hang on a server that drops packets).
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(8);

/// The signed-in database session of the app; connects lazily.
#[derive(Default)]
pub struct DbSession {
    database: tokio::sync::RwLock<Option<Database>>,
    /// The password typed at sign-in, kept in memory for this run (a remembered
    /// one is read from the OS keyring, see `secrets`).
    password: std::sync::Mutex<Option<String>>,
}

fn target(settings: &Settings, password: Option<String>) -> DbTarget {
    let env_user = std::env::var("CITIZEN_DB_USER").ok().filter(|u| !u.is_empty());
    let env_password = std::env::var("CITIZEN_DB_PASSWORD").ok();
    if let Some(url) = settings.server_url() {
        // The TLS mode and CA file of the settings are in `url`; the login
        // typed at sign-in wins over one written in the URL.
        return match settings.user.as_deref().filter(|u| !u.is_empty()) {
            Some(user) => DbTarget::Url(with_login(&url, user, password.as_deref())),
            None => DbTarget::Url(url),
        };
    }
    DbTarget::from_env(env_user.or(settings.user.clone()), env_password.or(password))
}

/// `url` with its `user:password@` replaced (percent-encoded).
fn with_login(url: &str, user: &str, password: Option<&str>) -> String {
    fn encode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    let login = match password {
        Some(password) => format!("{}:{}", encode(user), encode(password)),
        None => encode(user),
    };
    format!("{scheme}://{login}@{host}")
}

impl DbSession {
    /// The connection, opened on first use.
    pub async fn database(&self, settings: &Settings) -> Result<Database, CoreError> {
        if let Some(database) = self.database.read().await.clone() {
            return Ok(database);
        }
        let mut password = self.password.lock().ok().and_then(|p| p.clone());
        if password.is_none() {
            if let Some(user) = settings.user.as_deref().filter(|u| !u.is_empty()) {
                password = super::secrets::remembered_password(user).await;
            }
        }
        let target = target(settings, password);
        let connecting = Database::connect(&target);
        let database =
            tokio::time::timeout(CONNECT_TIMEOUT, connecting).await.map_err(|_| CoreError::Unreachable {
                message: format!("no answer from the database within {} s", CONNECT_TIMEOUT.as_secs()),
            })??;
        *self.database.write().await = Some(database.clone());
        Ok(database)
    }

    /// The connection when one is open; never connects.
    pub async fn open_connection(&self) -> Option<Database> {
        self.database.read().await.clone()
    }

    /// Signs in as another login: the next command reconnects with it.
    pub async fn sign_in(&self, settings: &Settings, password: &str) -> Result<ConnectionStatus, CoreError> {
        self.sign_out(Some(password.to_owned())).await;
        self.database(settings).await?;
        Ok(self.status(settings).await)
    }

    /// Closes the connection and forgets the password of this run (`password`
    /// replaces it: one moved out of a server URL, say). The next command
    /// signs in again.
    pub async fn sign_out(&self, password: Option<String>) {
        if let Ok(mut slot) = self.password.lock() {
            *slot = password;
        }
        if let Some(old) = self.database.write().await.take() {
            old.pool.close().await;
        }
    }

    /// Whether the database answers, as whom, with which roles.
    pub async fn status(&self, settings: &Settings) -> ConnectionStatus {
        let mode = if settings.database_url.is_some() || std::env::var("DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
            DatabaseMode::Server
        } else {
            DatabaseMode::Embedded
        };
        match self.database(settings).await {
            Ok(database) => match queries::roles(&database).await {
                Ok(roles) => ConnectionStatus {
                    mode,
                    connected: true,
                    user: Some(database.user.clone()),
                    roles,
                    message: None,
                    needs_sign_in: false,
                    demo_logins: database.demo_logins_present().await,
                },
                Err(error) => {
                    *self.database.write().await = None;
                    ConnectionStatus {
                        mode,
                        connected: false,
                        user: None,
                        roles: Vec::new(),
                        message: Some(error.to_string()),
                        needs_sign_in: false,
                        demo_logins: false,
                    }
                }
            },
            Err(error) => ConnectionStatus {
                mode,
                connected: false,
                user: None,
                roles: Vec::new(),
                needs_sign_in: matches!(error, CoreError::SignInRequired { .. } | CoreError::SignInFailed { .. }),
                message: Some(error.to_string()),
                demo_logins: false,
            },
        }
    }
}
