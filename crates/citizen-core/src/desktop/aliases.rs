//! The column mappings this desktop remembers (issue 15), kept beside the
//! settings (`aliases.json`): the database's aliases as last read, so a file
//! opened offline is mapped as it would be online, and the mappings the clerk
//! remembered while offline, not yet sent (`pending`), which go to the
//! database with the next submit.

use crate::contract::normalise_header;
use crate::error::CoreError;
use crate::validate::edits::HeaderMapping;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One dataset's remembered mappings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetAliases {
    /// As the database held them when last read.
    #[serde(default)]
    pub known: Vec<HeaderMapping>,
    /// Remembered here and not yet in the database.
    #[serde(default)]
    pub pending: Vec<HeaderMapping>,
}

impl DatasetAliases {
    /// What validation uses: the pending mappings before the known ones.
    pub fn effective(&self) -> Vec<HeaderMapping> {
        let mut all = self.pending.clone();
        for mapping in &self.known {
            let key = normalise_header(&mapping.header);
            if !all.iter().any(|m| normalise_header(&m.header) == key) {
                all.push(mapping.clone());
            }
        }
        all
    }
}

/// The file and what it holds.
#[derive(Debug, Clone)]
pub struct LocalAliases {
    path: PathBuf,
    pub datasets: BTreeMap<String, DatasetAliases>,
}

impl LocalAliases {
    /// `aliases.json` in `dir` (the settings' folder); a missing or unreadable
    /// file holds nothing.
    pub fn load(dir: &Path) -> LocalAliases {
        let path = dir.join("aliases.json");
        let datasets =
            std::fs::read_to_string(&path).ok().and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default();
        LocalAliases { path, datasets }
    }

    fn save(&self) -> Result<(), CoreError> {
        let failed = |message: String| CoreError::Settings { path: self.path.clone(), message };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
        }
        let text = serde_json::to_string_pretty(&self.datasets).map_err(|e| failed(e.to_string()))?;
        let temporary = self.path.with_extension("json.tmp");
        std::fs::write(&temporary, text).map_err(|e| failed(e.to_string()))?;
        std::fs::rename(&temporary, &self.path).map_err(|e| failed(e.to_string()))
    }

    /// Remembers a mapping here, to be sent with the next submit.
    pub fn remember(&mut self, dataset: &str, mapping: HeaderMapping) -> Result<(), CoreError> {
        let entry = self.datasets.entry(dataset.to_owned()).or_default();
        let key = normalise_header(&mapping.header);
        entry.pending.retain(|m| normalise_header(&m.header) != key);
        entry.pending.push(HeaderMapping { remember: true, ..mapping });
        self.save()
    }

    /// Replaces what the database holds (read when connected).
    pub fn set_known(&mut self, dataset: &str, known: Vec<HeaderMapping>) -> Result<(), CoreError> {
        let entry = self.datasets.entry(dataset.to_owned()).or_default();
        if entry.known == known {
            return Ok(());
        }
        entry.known = known;
        self.save()
    }

    /// Forgets the pending mappings of `dataset` that are now in the database.
    pub fn sent(&mut self, dataset: &str, sent: &[HeaderMapping]) -> Result<(), CoreError> {
        let Some(entry) = self.datasets.get_mut(dataset) else { return Ok(()) };
        entry.pending.retain(|p| !sent.contains(p));
        for mapping in sent {
            let key = normalise_header(&mapping.header);
            entry.known.retain(|k| normalise_header(&k.header) != key);
            entry.known.push(mapping.clone());
        }
        self.save()
    }

    /// What validation of a file of `dataset` uses.
    pub fn effective(&self, dataset: &str) -> Vec<HeaderMapping> {
        self.datasets.get(dataset).map(DatasetAliases::effective).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(header: &str, column: Option<&str>) -> HeaderMapping {
        HeaderMapping { header: header.to_owned(), column: column.map(str::to_owned), remember: true }
    }

    #[test]
    fn pending_mappings_are_kept_across_loads_and_win_until_sent() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut aliases = LocalAliases::load(dir.path());
        aliases.set_known("welfare", vec![mapping("שם", Some("first_name"))]).unwrap_or_else(|e| panic!("{e}"));
        aliases.remember("welfare", mapping(" שם ", Some("last_name"))).unwrap_or_else(|e| panic!("{e}"));
        let again = LocalAliases::load(dir.path());
        assert_eq!(again.effective("welfare"), [mapping(" שם ", Some("last_name"))]);
        let mut again = again;
        again.sent("welfare", &[mapping(" שם ", Some("last_name"))]).unwrap_or_else(|e| panic!("{e}"));
        assert!(again.datasets["welfare"].pending.is_empty());
        assert_eq!(again.effective("welfare"), [mapping(" שם ", Some("last_name"))]);
        assert!(LocalAliases::load(dir.path()).effective("other").is_empty());
    }
}
