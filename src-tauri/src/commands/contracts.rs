//! Contract commands: listing the contracts of the contracts directory.

use citizen_core::contract::ContractSummary;
use citizen_core::desktop::session::Session;
use citizen_core::ErrorPayload;
use tauri::State;

/// Lists the contracts of the session (`contracts/` under the current
/// directory, else the user's configuration directory), in file-name order.
#[tauri::command(async)]
pub fn list_contracts(state: State<'_, Session>) -> Result<Vec<ContractSummary>, ErrorPayload> {
    Ok(state.catalog()?.summaries())
}

#[cfg(test)]
mod tests {
    use citizen_core::desktop::session::Session;
    use citizen_core::desktop::settings::Settings;
    use std::path::Path;

    #[test]
    fn lists_the_repository_contracts() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts");
        let session = Session::new(dir, Settings::default());
        let summaries = session.catalog().expect("the repository's contracts load").summaries();
        assert!(!summaries.is_empty());
        for summary in &summaries {
            assert!(!summary.dataset.is_empty(), "{summary:?}");
            assert!(summary.columns > 0, "{summary:?}");
            assert!(summary.file.ends_with(".yaml") || summary.file.ends_with(".yml"));
        }
    }

    #[test]
    fn a_missing_directory_is_an_io_error_payload() {
        let temp = tempfile::tempdir().expect("temp dir");
        let session = Session::new(temp.path().join("absent"), Settings::default());
        let error = citizen_core::ErrorPayload::from(session.catalog().expect_err("no such dir"));
        assert_eq!(error.code, "io");
        assert!(error.params.contains_key("path"), "{error:?}");
    }

    #[test]
    fn an_empty_directory_says_no_contracts_until_one_is_added() {
        let temp = tempfile::tempdir().expect("temp dir");
        let session = Session::new(temp.path().to_path_buf(), Settings::default());
        assert_eq!(session.catalog().expect_err("empty dir").code(), "no_contracts");
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/welfare_patients.yaml");
        std::fs::copy(&shipped, temp.path().join("welfare_patients.yaml")).expect("copy a contract");
        assert!(session.catalog().is_ok(), "contracts added later are read on the next command");
    }
}
