//! The clerk's review of a file before submit (issue 15): headers mapped by
//! hand to contract columns (or ignored), cells corrected one by one, and a
//! value replaced in a whole column. The file itself is never changed:
//! validation applies the edits to the rows as they are read, so the report,
//! the grid's spill and the rows a submit stages all carry the corrected
//! values, while `land.file` keeps the bytes that arrived. Every correction
//! applied is recorded (row, column, old value, new value) in
//! [`ReviewLog`], which travels with the request.

use crate::contract::{normalise_header, Contract};
use crate::error::CoreError;
use crate::readers::{Batch, BatchData, Cell, TextRows};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the clerk changed in the review of one file. Columns are contract
/// column names; rows are the spreadsheet row numbers the clerk sees.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReviewEdits {
    pub mappings: Vec<HeaderMapping>,
    pub corrections: Vec<CellCorrection>,
    pub replacements: Vec<ColumnReplacement>,
}

/// A file header mapped to a contract column, or ignored (`column: null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HeaderMapping {
    /// The header as written in the file.
    pub header: String,
    /// The contract column it feeds; `None` when the header is ignored.
    pub column: Option<String>,
    /// Kept for every later file of the dataset (an alias in the database).
    pub remember: bool,
}

/// One cell given a new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CellCorrection {
    pub row: u64,
    pub column: String,
    pub value: String,
    /// When the clerk made it (RFC 3339).
    pub made_at: String,
}

/// Every cell of a column holding `from` (trimmed) given `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ColumnReplacement {
    pub column: String,
    pub from: String,
    pub to: String,
    /// When the clerk made it (RFC 3339).
    pub made_at: String,
}

/// How a correction came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CorrectionKind {
    /// The cell was edited on its own.
    Cell,
    /// A value replaced in the whole column.
    Replace,
}

/// One correction as validation applied it: the row, the column, the value
/// the file holds and the value checked and staged instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AppliedCorrection {
    pub row: u64,
    pub column: String,
    pub old_value: String,
    pub new_value: String,
    pub kind: CorrectionKind,
    pub made_at: String,
}

/// What one validation applied: the mappings that matched a header of the
/// file and every corrected cell, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReviewLog {
    pub mappings: Vec<HeaderMapping>,
    pub corrections: Vec<AppliedCorrection>,
}

impl ReviewLog {
    pub fn is_empty(&self) -> bool {
        self.mappings.is_empty() && self.corrections.is_empty()
    }
}

/// The `--map` argument's form: `HEADER=column`, or `HEADER=` to ignore the header.
pub fn parse_mapping(text: &str) -> Result<HeaderMapping, CoreError> {
    let Some((header, column)) = text.rsplit_once('=') else {
        return Err(CoreError::InvalidEdit {
            message: format!("--map '{text}': write HEADER=column, or HEADER= to ignore the header"),
        });
    };
    if header.trim().is_empty() {
        return Err(CoreError::InvalidEdit { message: format!("--map '{text}': the header before '=' is empty") });
    }
    let column = column.trim();
    Ok(HeaderMapping {
        header: header.to_owned(),
        column: (!column.is_empty()).then(|| column.to_owned()),
        remember: false,
    })
}

impl ReviewEdits {
    pub fn is_empty(&self) -> bool {
        self.mappings.is_empty() && self.corrections.is_empty() && self.replacements.is_empty()
    }

    /// Maps a header (replacing an earlier mapping of the same header).
    pub fn set_mapping(&mut self, mapping: HeaderMapping) {
        let key = normalise_header(&mapping.header);
        self.mappings.retain(|m| normalise_header(&m.header) != key);
        self.mappings.push(mapping);
    }

    /// Adds mappings remembered elsewhere (the database's aliases, the
    /// desktop's own) for headers this review has not mapped itself.
    pub fn with_remembered(mut self, remembered: &[HeaderMapping]) -> ReviewEdits {
        for mapping in remembered {
            let key = normalise_header(&mapping.header);
            if !self.mappings.iter().any(|m| normalise_header(&m.header) == key) {
                self.mappings.push(mapping.clone());
            }
        }
        self
    }

    /// Sets a cell's new value (replacing an earlier correction of that cell).
    pub fn set_correction(&mut self, correction: CellCorrection) {
        self.corrections.retain(|c| !(c.row == correction.row && c.column == correction.column));
        self.corrections.push(correction);
    }

    /// Forgets a cell's correction; true when there was one.
    pub fn remove_correction(&mut self, row: u64, column: &str) -> bool {
        let before = self.corrections.len();
        self.corrections.retain(|c| !(c.row == row && c.column == column));
        before != self.corrections.len()
    }

    /// Checks every edit names a column of the contract.
    pub fn check(&self, contract: &Contract) -> Result<(), CoreError> {
        let known = |column: &str| contract.columns.iter().any(|c| c.name == column);
        let unknown = |column: &str| CoreError::InvalidEdit {
            message: format!(
                "'{column}' is not a column of dataset {}; its columns: {}",
                contract.dataset,
                contract.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        };
        for mapping in &self.mappings {
            if normalise_header(&mapping.header).is_empty() {
                return Err(CoreError::InvalidEdit { message: "a mapped header is empty".to_owned() });
            }
            if let Some(column) = mapping.column.as_deref().filter(|c| !known(c)) {
                return Err(unknown(column));
            }
        }
        for correction in &self.corrections {
            if !known(&correction.column) {
                return Err(unknown(&correction.column));
            }
        }
        for replacement in &self.replacements {
            if !known(&replacement.column) {
                return Err(unknown(&replacement.column));
            }
        }
        Ok(())
    }

    /// The mappings by normalised header: the contract column index, or
    /// `None` for an ignored header. Mappings naming no column of the
    /// contract are left out (`check` refuses them before validation).
    pub(crate) fn header_targets(&self, contract: &Contract) -> HashMap<String, Option<usize>> {
        let mut targets = HashMap::new();
        for mapping in &self.mappings {
            let target = match mapping.column.as_deref() {
                None => None,
                Some(column) => match contract.columns.iter().position(|c| c.name == column) {
                    Some(index) => Some(index),
                    None => continue,
                },
            };
            targets.insert(normalise_header(&mapping.header), target);
        }
        targets
    }

    /// The corrections placed in the file's columns (`sources`: the file
    /// column feeding each contract column); edits of a column the file does
    /// not have are left out.
    pub(crate) fn place(&self, contract: &Contract, sources: &[Option<usize>]) -> PlacedEdits {
        let source_of = |column: &str| {
            let index = contract.columns.iter().position(|c| c.name == column)?;
            Some((index, sources[index]?))
        };
        let mut cells: HashMap<u64, Vec<PlacedCell>> = HashMap::new();
        for correction in &self.corrections {
            if let Some((column, source)) = source_of(&correction.column) {
                cells.entry(correction.row).or_default().push(PlacedCell {
                    column,
                    source,
                    value: correction.value.clone(),
                    made_at: correction.made_at.clone(),
                });
            }
        }
        let replacements = self
            .replacements
            .iter()
            .filter_map(|r| {
                let (column, source) = source_of(&r.column)?;
                Some(PlacedReplacement {
                    column,
                    source,
                    from: r.from.trim().to_owned(),
                    to: r.to.clone(),
                    made_at: r.made_at.clone(),
                })
            })
            .collect();
        PlacedEdits { names: contract.columns.iter().map(|c| c.name.clone()).collect(), cells, replacements }
    }
}

pub(crate) struct PlacedCell {
    column: usize,
    source: usize,
    value: String,
    made_at: String,
}

pub(crate) struct PlacedReplacement {
    column: usize,
    source: usize,
    from: String,
    to: String,
    made_at: String,
}

/// Corrections placed in a file's columns, ready to apply to its batches.
pub(crate) struct PlacedEdits {
    names: Vec<String>,
    cells: HashMap<u64, Vec<PlacedCell>>,
    replacements: Vec<PlacedReplacement>,
}

impl PlacedEdits {
    pub(crate) fn is_empty(&self) -> bool {
        self.cells.is_empty() && self.replacements.is_empty()
    }

    /// The batch with its corrections applied; what was changed is added to
    /// `log` in file order. A batch with nothing to correct is returned as it is.
    pub(crate) fn apply(&self, batch: Batch, log: &mut Vec<AppliedCorrection>) -> Batch {
        // (row index, file column, new value) of every change, found first.
        let mut changes: Vec<(usize, usize, String)> = Vec::new();
        for i in 0..batch.len() {
            let row = batch.row_numbers[i];
            let mut row_changes: Vec<(usize, usize, String, CorrectionKind, String)> = Vec::new();
            for r in &self.replacements {
                let old = batch.cell(i, r.source).display();
                if old.trim() == r.from {
                    row_changes.push((r.column, r.source, r.to.clone(), CorrectionKind::Replace, r.made_at.clone()));
                }
            }
            if let Some(cells) = self.cells.get(&row) {
                for c in cells {
                    row_changes.retain(|change| change.1 != c.source);
                    row_changes.push((c.column, c.source, c.value.clone(), CorrectionKind::Cell, c.made_at.clone()));
                }
            }
            for (column, source, new_value, kind, made_at) in row_changes {
                let old_value = batch.cell(i, source).display();
                if old_value == new_value {
                    continue;
                }
                log.push(AppliedCorrection {
                    row,
                    column: self.names[column].clone(),
                    old_value,
                    new_value: new_value.clone(),
                    kind,
                    made_at,
                });
                changes.push((i, source, new_value));
            }
        }
        if changes.is_empty() {
            return batch;
        }
        let Batch { row_numbers, data } = batch;
        let data = match data {
            BatchData::Cells(mut rows) => {
                for (i, source, value) in changes {
                    let row = &mut rows[i];
                    if row.len() <= source {
                        row.resize(source + 1, Cell::Empty);
                    }
                    row[source] = if value.trim().is_empty() { Cell::Empty } else { Cell::Text(value) };
                }
                BatchData::Cells(rows)
            }
            BatchData::Text(rows) => {
                let mut by_row: HashMap<usize, Vec<(usize, String)>> = HashMap::new();
                for (i, source, value) in changes {
                    by_row.entry(i).or_default().push((source, value));
                }
                let mut rebuilt = TextRows::with_capacity(rows.len(), rows.text_len() + 64);
                for i in 0..rows.len() {
                    let edits = by_row.get(&i);
                    let width = edits
                        .map(|e| e.iter().map(|(source, _)| source + 1).max().unwrap_or(0))
                        .unwrap_or(0)
                        .max(rows.width(i));
                    rebuilt.start_row();
                    for col in 0..width {
                        let edited = edits.and_then(|e| e.iter().find(|(source, _)| *source == col));
                        match edited {
                            Some((_, value)) => rebuilt.push_field(value),
                            None => rebuilt.push_field(rows.field(i, col).unwrap_or("")),
                        }
                    }
                }
                BatchData::Text(rebuilt)
            }
        };
        Batch { row_numbers, data }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_batch(rows: &[(u64, &[&str])]) -> Batch {
        let mut text = TextRows::with_capacity(rows.len(), 64);
        for (_, fields) in rows {
            text.push_row(fields.iter().copied());
        }
        Batch { row_numbers: rows.iter().map(|(n, _)| *n).collect(), data: BatchData::Text(text) }
    }

    fn placed(cells: Vec<(u64, usize, usize, &str)>, replacements: Vec<(usize, usize, &str, &str)>) -> PlacedEdits {
        let mut by_row: HashMap<u64, Vec<PlacedCell>> = HashMap::new();
        for (row, column, source, value) in cells {
            by_row.entry(row).or_default().push(PlacedCell {
                column,
                source,
                value: value.to_owned(),
                made_at: "t".to_owned(),
            });
        }
        PlacedEdits {
            names: vec!["a".to_owned(), "b".to_owned(), "c".to_owned()],
            cells: by_row,
            replacements: replacements
                .into_iter()
                .map(|(column, source, from, to)| PlacedReplacement {
                    column,
                    source,
                    from: from.to_owned(),
                    to: to.to_owned(),
                    made_at: "t".to_owned(),
                })
                .collect(),
        }
    }

    fn cells(batch: &Batch, i: usize) -> Vec<String> {
        (0..batch.width(i)).map(|c| batch.cell(i, c).display()).collect()
    }

    #[test]
    fn a_cell_correction_changes_only_its_cell_and_is_logged_with_the_old_value() {
        let batch = text_batch(&[(2, &["1", "x", "y"]), (3, &["2", "bad"])]);
        let edits = placed(vec![(3, 1, 1, "good"), (3, 2, 2, "new")], vec![]);
        let mut log = Vec::new();
        let batch = edits.apply(batch, &mut log);
        assert_eq!(cells(&batch, 0), ["1", "x", "y"]);
        assert_eq!(cells(&batch, 1), ["2", "good", "new"], "a short row is widened to the corrected column");
        assert_eq!(log.len(), 2);
        assert_eq!((log[0].row, log[0].column.as_str(), log[0].old_value.as_str()), (3, "b", "bad"));
        assert_eq!((log[1].old_value.as_str(), log[1].new_value.as_str()), ("", "new"));
    }

    #[test]
    fn a_replacement_changes_every_matching_cell_and_a_cell_correction_wins() {
        let batch = text_batch(&[(2, &["050-0000000", "a"]), (3, &[" 050-0000000 ", "b"]), (4, &["x", "c"])]);
        let edits = placed(vec![(3, 0, 0, "0521234567")], vec![(0, 0, "050-0000000", "")]);
        let mut log = Vec::new();
        let batch = edits.apply(batch, &mut log);
        assert_eq!(cells(&batch, 0), ["", "a"]);
        assert_eq!(cells(&batch, 1), ["0521234567", "b"]);
        assert_eq!(cells(&batch, 2), ["x", "c"]);
        let kinds: Vec<_> = log.iter().map(|c| (c.row, c.kind)).collect();
        assert_eq!(kinds, [(2, CorrectionKind::Replace), (3, CorrectionKind::Cell)]);
    }

    #[test]
    fn spreadsheet_cells_are_replaced_by_text_or_emptied() {
        let batch = Batch {
            row_numbers: vec![2],
            data: BatchData::Cells(vec![vec![Cell::Number(5.0), Cell::Text("q".to_owned())]]),
        };
        let edits = placed(vec![(2, 0, 0, "7"), (2, 1, 1, " ")], vec![]);
        let mut log = Vec::new();
        let batch = edits.apply(batch, &mut log);
        assert_eq!(cells(&batch, 0), ["7", ""]);
        assert_eq!(log[0].old_value, "5");
    }

    #[test]
    fn an_unchanged_value_is_not_a_correction() {
        let batch = text_batch(&[(2, &["same"])]);
        let mut log = Vec::new();
        placed(vec![(2, 0, 0, "same")], vec![]).apply(batch, &mut log);
        assert!(log.is_empty());
    }

    #[test]
    fn map_arguments_name_a_column_or_ignore_the_header() {
        let mapped = parse_mapping("שם=full_name").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((mapped.header.as_str(), mapped.column.as_deref()), ("שם", Some("full_name")));
        let ignored = parse_mapping("הערות=").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ignored.column, None);
        assert!(parse_mapping("no equals").is_err());
        assert!(parse_mapping("=full_name").is_err());
    }
}
