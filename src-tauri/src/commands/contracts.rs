//! Contract commands: listing the contracts of the contracts directory.

use citizen_core::contract::{default_contracts_dir, Catalog, ContractSummary};
use citizen_core::ErrorPayload;
use std::path::Path;

/// Lists the contracts of the default contracts directory (`contracts/` under
/// the current directory, else the user's configuration directory).
#[tauri::command(async)]
pub fn list_contracts() -> Result<Vec<ContractSummary>, ErrorPayload> {
    list_contracts_in(&default_contracts_dir())
}

/// Lists the contracts of `dir`, in the catalog's (file name) order.
pub fn list_contracts_in(dir: &Path) -> Result<Vec<ContractSummary>, ErrorPayload> {
    Catalog::load(dir).map(|catalog| catalog.summaries()).map_err(|error| ErrorPayload::from(&error))
}

#[cfg(test)]
mod tests {
    use super::list_contracts_in;
    use std::path::Path;

    #[test]
    fn lists_the_repository_contracts() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts");
        let summaries = list_contracts_in(&dir).expect("the repository's contracts load");
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
        let error = list_contracts_in(&temp.path().join("absent")).expect_err("no such dir");
        assert_eq!(error.code, "io");
        assert!(error.params.contains_key("path"), "{error:?}");
    }

    #[test]
    fn an_empty_directory_says_no_contracts() {
        let temp = tempfile::tempdir().expect("temp dir");
        let error = list_contracts_in(temp.path()).expect_err("empty dir");
        assert_eq!(error.code, "no_contracts");
    }
}
