//! The app's state shared by every command: the contracts, the opened files,
//! the database session and the settings (all behaviour lives in citizen-core).

use citizen_core::contract::{default_contracts_dir, Catalog};
use citizen_core::desktop::files::OpenedFiles;
use citizen_core::desktop::loads::DbSession;
use citizen_core::desktop::settings::{load_settings, Settings};
use citizen_core::{CoreError, ErrorPayload};
use std::sync::{Arc, RwLock};

/// Everything the commands share.
pub struct AppState {
    pub catalog: Result<Arc<Catalog>, ErrorPayload>,
    pub files: Arc<OpenedFiles>,
    pub db: DbSession,
    pub settings: RwLock<Settings>,
}

impl AppState {
    /// Loads the contracts and the settings at start.
    pub fn load() -> AppState {
        AppState {
            catalog: Catalog::load(&default_contracts_dir()).map(Arc::new).map_err(|e| ErrorPayload::from(&e)),
            files: Arc::new(OpenedFiles::default()),
            db: DbSession::default(),
            settings: RwLock::new(load_settings()),
        }
    }

    /// The contracts, or why they could not be loaded.
    pub fn catalog(&self) -> Result<Arc<Catalog>, ErrorPayload> {
        self.catalog.clone()
    }

    /// A copy of the current settings.
    pub fn settings(&self) -> Settings {
        self.settings.read().map(|s| s.clone()).unwrap_or_default()
    }
}

/// Converts core errors for the IPC boundary.
pub fn payload(error: CoreError) -> ErrorPayload {
    ErrorPayload::from(&error)
}
