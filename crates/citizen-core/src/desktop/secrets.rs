//! The remembered database password, kept in the OS keyring (the `keyring`
//! crate: Keychain on macOS, Credential Manager on Windows, the Secret Service
//! over D-Bus on Linux) and nowhere else: when no keyring answers, the caller
//! gets `CoreError::KeyringUnavailable` and nothing is written to disk.
//!
//! These calls block (D-Bus round trips): run them off the UI thread and off
//! async executors (`spawn_blocking`).

use crate::error::CoreError;

/// The keyring service name under which Citizen DB stores passwords.
pub const SERVICE: &str = "citizen-db";

fn entry(user: &str) -> Result<keyring::Entry, CoreError> {
    if user.trim().is_empty() {
        return Err(CoreError::KeyringUnavailable { message: "no login name to store a password for".to_owned() });
    }
    keyring::Entry::new(SERVICE, user).map_err(unavailable)
}

fn unavailable(error: keyring::Error) -> CoreError {
    CoreError::KeyringUnavailable { message: error.to_string() }
}

/// Stores `password` for `user` in the OS keyring (replacing an older one).
pub fn store_password(user: &str, password: &str) -> Result<(), CoreError> {
    entry(user)?.set_password(password).map_err(unavailable)
}

/// The password remembered for `user`; `Ok(None)` when none is stored.
pub fn load_password(user: &str) -> Result<Option<String>, CoreError> {
    match entry(user)?.get_password() {
        Ok(password) => Ok(Some(password)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(unavailable(error)),
    }
}

/// Forgets the password remembered for `user` (no error when there was none).
pub fn forget_password(user: &str) -> Result<(), CoreError> {
    match entry(user)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(unavailable(error)),
    }
}

/// The password remembered for `user`, read off the async executor; `None`
/// when none is stored or no keyring answers (the user then signs in again).
pub async fn remembered_password(user: &str) -> Option<String> {
    let user = user.to_owned();
    tokio::task::spawn_blocking(move || load_password(&user)).await.ok().and_then(Result::ok).flatten()
}

/// After a successful sign-in: stores the password when `remember`, else
/// forgets any older one (a missing keyring only matters when remembering).
pub async fn remember_password(user: &str, password: &str, remember: bool) -> Result<(), CoreError> {
    let (user, password) = (user.to_owned(), password.to_owned());
    let joined = tokio::task::spawn_blocking(move || {
        if remember {
            store_password(&user, &password)
        } else {
            forget_password(&user).or(Ok(()))
        }
    })
    .await;
    joined.map_err(|e| CoreError::KeyringUnavailable { message: e.to_string() })?
}
