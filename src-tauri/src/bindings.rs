//! TypeScript bindings of every type the commands take or return, generated
//! with ts-rs into `ui/src/bindings/` (committed). The test below regenerates
//! them into a temporary directory and fails when the committed files differ;
//! `UPDATE_BINDINGS=1 cargo test -p citizen-app bindings` rewrites them.

use std::path::{Path, PathBuf};
use ts_rs::{Config, ExportError, TS};

/// Where the committed bindings live.
pub fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings")
}

fn export<T: TS + 'static>(config: &Config) -> Result<(), ExportError> {
    T::export_all(config)
}

/// Writes the bindings of every command type (and their dependencies) into `dir`.
/// Integers are `number` in TypeScript: ids and counts stay below 2^53.
pub fn export_bindings(dir: &Path) -> Result<(), ExportError> {
    use citizen_core::contract::ContractSummary;
    use citizen_core::desktop::files::{
        FileEvent, FileSummary, GridPage, IssuePage, NextIssue, OpenedFile, RowFilter, SubmitBlock,
    };
    use citizen_core::desktop::loads::{
        ApproveBlock, AuditFilter, AuditView, ConnectionStatus, RequestDetail, RequestView, VersionView,
        VersionsCalendar,
    };
    use citizen_core::desktop::session::{ApproveEvent, SavedSettings, SubmitResult};
    use citizen_core::desktop::settings::Settings;
    use citizen_core::error::ErrorCode;
    use citizen_core::pipeline::Approved;
    use citizen_core::report::{IssueCode, Report};
    use citizen_core::ErrorPayload;

    let config = Config::new().with_out_dir(dir).with_large_int("number");
    // The closed code sets the UI's translation tables are typed over.
    export::<ErrorCode>(&config)?;
    export::<IssueCode>(&config)?;
    export::<SubmitBlock>(&config)?;
    export::<ApproveBlock>(&config)?;
    export::<ErrorPayload>(&config)?;
    export::<ContractSummary>(&config)?;
    export::<OpenedFile>(&config)?;
    export::<FileEvent>(&config)?;
    export::<FileSummary>(&config)?;
    export::<RowFilter>(&config)?;
    export::<GridPage>(&config)?;
    export::<IssuePage>(&config)?;
    export::<NextIssue>(&config)?;
    export::<ConnectionStatus>(&config)?;
    export::<SubmitResult>(&config)?;
    export::<RequestView>(&config)?;
    export::<RequestDetail>(&config)?;
    export::<Report>(&config)?;
    export::<ApproveEvent>(&config)?;
    export::<Approved>(&config)?;
    export::<VersionsCalendar>(&config)?;
    export::<VersionView>(&config)?;
    export::<AuditFilter>(&config)?;
    export::<AuditView>(&config)?;
    export::<Settings>(&config)?;
    export::<SavedSettings>(&config)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{committed_dir, export_bindings};
    use std::collections::BTreeMap;
    use std::path::Path;

    fn read_dir(dir: &Path) -> BTreeMap<String, String> {
        let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                (name, text)
            })
            .collect()
    }

    #[test]
    fn committed_bindings_are_up_to_date() {
        let temp = tempfile::tempdir().expect("temp dir");
        export_bindings(temp.path()).expect("bindings export");
        let fresh = read_dir(temp.path());
        assert!(fresh.contains_key("FileSummary.ts"), "{:?}", fresh.keys());
        let committed_dir = committed_dir();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            for name in read_dir(&committed_dir).keys() {
                std::fs::remove_file(committed_dir.join(name)).expect("remove a stale binding");
            }
            std::fs::create_dir_all(&committed_dir).expect("bindings dir");
            for (name, text) in &fresh {
                std::fs::write(committed_dir.join(name), text).expect("write a binding");
            }
        }
        let committed = read_dir(&committed_dir);
        let stale: Vec<&String> =
            fresh.keys().chain(committed.keys()).filter(|name| fresh.get(*name) != committed.get(*name)).collect();
        assert!(
            stale.is_empty(),
            "ui/src/bindings/ is stale ({stale:?}); regenerate with UPDATE_BINDINGS=1 cargo test -p citizen-app bindings"
        );
    }
}
