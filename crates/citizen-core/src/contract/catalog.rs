//! The set of contracts in a directory: loading them all, listing, and
//! recognising which dataset a picked file belongs to.

use super::{compile_contract, Contract, Period, Strategy};
use crate::error::{ContractProblem, CoreError};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Every contract of one directory, compiled.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub dir: PathBuf,
    pub contracts: Vec<Contract>,
}

/// What a contract list shows, for the CLI and the app (camelCase, like every
/// type the app sends).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ContractSummary {
    pub dataset: String,
    pub title: String,
    pub title_he: Option<String>,
    pub period: Period,
    pub strategy: Strategy,
    pub columns: usize,
    pub phones: usize,
    pub file: String,
    pub sha256: String,
}

/// Where contracts are looked for when none is named: `contracts/` under the
/// current directory (a checkout), then the user's configuration directory
/// (`$XDG_CONFIG_HOME/citizen-db/contracts`, an administrator's own set), then
/// the contracts installed beside the program (`<prefix>/share/citizen-db/contracts`
/// for `<prefix>/bin/citizen-db`, as the `.deb` installs them). When none
/// exists, the user's configuration directory, so the error names it.
pub fn default_contracts_dir() -> PathBuf {
    let installed = std::env::current_exe().ok().and_then(|exe| installed_contracts_dir(&exe));
    contracts_dir_among(Path::new("contracts"), user_contracts_dir().as_deref(), installed.as_deref())
}

/// `$XDG_CONFIG_HOME/citizen-db/contracts` (or `~/.config/...`).
fn user_contracts_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|home| home.join("citizen-db").join("contracts"))
}

/// `<prefix>/share/citizen-db/contracts` for a program at `<prefix>/bin/<name>`.
fn installed_contracts_dir(exe: &Path) -> Option<PathBuf> {
    let prefix = exe.parent()?.parent()?;
    Some(prefix.join("share").join("citizen-db").join("contracts"))
}

/// The first existing directory of local, user, installed; else user (or local).
fn contracts_dir_among(local: &Path, user: Option<&Path>, installed: Option<&Path>) -> PathBuf {
    [Some(local), user, installed]
        .into_iter()
        .flatten()
        .find(|dir| dir.is_dir())
        .or(user)
        .unwrap_or(local)
        .to_path_buf()
}

impl Catalog {
    /// Loads every `*.yaml`/`*.yml` in `dir`; fails listing every problem in every file.
    pub fn load(dir: &Path) -> Result<Catalog, CoreError> {
        let entries = std::fs::read_dir(dir).map_err(|source| CoreError::Io { path: dir.to_path_buf(), source })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(CoreError::NoContracts { dir: dir.to_path_buf() });
        }
        let mut contracts: Vec<Contract> = Vec::new();
        let mut problems = Vec::new();
        for path in paths {
            let body = std::fs::read_to_string(&path).map_err(|source| CoreError::Io { path: path.clone(), source })?;
            match compile_contract(&path, &body) {
                Ok(contract) => {
                    if let Some(other) = contracts.iter().find(|c| c.dataset == contract.dataset) {
                        problems.push(ContractProblem {
                            file: path.clone(),
                            line: None,
                            column: None,
                            message: format!(
                                "dataset '{}' is already defined in {}",
                                contract.dataset,
                                other.path.display()
                            ),
                        });
                    } else {
                        contracts.push(contract);
                    }
                }
                Err(mut found) => problems.append(&mut found),
            }
        }
        if problems.is_empty() {
            Ok(Catalog { dir: dir.to_path_buf(), contracts })
        } else {
            Err(CoreError::InvalidContract(problems))
        }
    }

    /// The contract of a dataset, or an error listing the known ones.
    pub fn get(&self, dataset: &str) -> Result<&Contract, CoreError> {
        self.contracts
            .iter()
            .find(|c| c.dataset == dataset)
            .ok_or_else(|| CoreError::UnknownDataset { dataset: dataset.to_owned(), known: self.datasets() })
    }

    /// Dataset names, in file order.
    pub fn datasets(&self) -> Vec<String> {
        self.contracts.iter().map(|c| c.dataset.clone()).collect()
    }

    /// Contracts whose `match.file_name` matches the file's name.
    pub fn match_file_name(&self, path: &Path) -> Vec<&Contract> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        self.contracts.iter().filter(|c| c.file_name_pattern.as_ref().is_some_and(|p| p.is_match(name))).collect()
    }

    /// One line per contract for lists.
    pub fn summaries(&self) -> Vec<ContractSummary> {
        self.contracts
            .iter()
            .map(|c| ContractSummary {
                dataset: c.dataset.clone(),
                title: c.title.clone(),
                title_he: c.title_he.clone(),
                period: c.period,
                strategy: c.strategy,
                columns: c.columns.len(),
                phones: c.phones.len(),
                file: c.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                sha256: c.sha256.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_send_the_period_and_strategy_as_the_contract_writes_them() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts");
        let catalog = Catalog::load(&dir).unwrap_or_else(|e| panic!("{e}"));
        for summary in catalog.summaries() {
            let json = serde_json::to_value(&summary).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(json["period"], summary.period.as_str(), "{summary:?}");
            assert_eq!(json["strategy"], summary.strategy.as_str(), "{summary:?}");
            assert_eq!(format!("{:<9}|", summary.strategy), format!("{:<9}|", summary.strategy.as_str()));
        }
    }

    #[test]
    fn installed_contracts_sit_under_the_programs_prefix() {
        assert_eq!(
            installed_contracts_dir(Path::new("/usr/bin/citizen-db")),
            Some(PathBuf::from("/usr/share/citizen-db/contracts"))
        );
        assert_eq!(installed_contracts_dir(Path::new("citizen-db")), None);
    }

    #[test]
    fn the_first_existing_directory_wins_else_the_users() {
        let dirs = tempfile::tempdir().expect("temp dir");
        let local = dirs.path().join("local");
        let user = dirs.path().join("user");
        let installed = dirs.path().join("installed");
        let pick = || contracts_dir_among(&local, Some(&user), Some(&installed));
        assert_eq!(pick(), user, "nothing exists: the user's directory is named");
        std::fs::create_dir(&installed).expect("installed");
        assert_eq!(pick(), installed);
        std::fs::create_dir(&user).expect("user");
        assert_eq!(pick(), user);
        std::fs::create_dir(&local).expect("local");
        assert_eq!(pick(), local);
        assert_eq!(contracts_dir_among(&dirs.path().join("none"), None, None), dirs.path().join("none"));
    }
}
