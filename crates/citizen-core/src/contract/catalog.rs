//! The set of contracts in a directory: loading them all, listing, and
//! recognising which dataset a picked file belongs to.

use super::{compile_contract, Contract};
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
    pub period: String,
    pub strategy: String,
    pub columns: usize,
    pub phones: usize,
    pub file: String,
    pub sha256: String,
}

/// `contracts/` under the current directory when it exists, else the user's
/// configuration directory (`$XDG_CONFIG_HOME/citizen-db/contracts`).
pub fn default_contracts_dir() -> PathBuf {
    let local = PathBuf::from("contracts");
    if local.is_dir() {
        return local;
    }
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    match config_home {
        Some(home) => home.join("citizen-db").join("contracts"),
        None => local,
    }
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
                period: serde_json::to_value(c.period)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                strategy: serde_json::to_value(c.strategy)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                columns: c.columns.len(),
                phones: c.phones.len(),
                file: c.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                sha256: c.sha256.clone(),
            })
            .collect()
    }
}
