//! The profiles the screens show (issue 15): an opened file's, from its
//! validation (the Load screen), and a request's beside its baseline's with
//! their drift (Approvals). No SQL here: the read is
//! `pipeline::profile::compare_profiles`.

use super::files::OpenedFiles;
use crate::db::Database;
use crate::error::CoreError;
use crate::pipeline::profile::{compare_profiles, ProfileComparison};
use crate::report::profile::Profile;

/// The profile of an opened file; `None` until its validation is done (or
/// when the file could not be read).
pub fn file_profile(files: &OpenedFiles, file_id: u64) -> Result<Option<Profile>, CoreError> {
    Ok(files.source(file_id)?.validation.and_then(|v| v.profile.clone()))
}

/// A request's profile beside its baseline's, and their drift.
pub async fn request_profiles(database: &Database, request_id: i64) -> Result<ProfileComparison, CoreError> {
    compare_profiles(database, request_id).await
}
