//! Matching a file's headers to the contract's columns: which file column feeds
//! which contract column, and the file-level issues `missing_column`,
//! `duplicate_column` and `unknown_column`.

use crate::contract::{normalise_header, Contract};
use crate::readers::CellRef;
use crate::report::{params, Issue, IssueCode, Severity};
use std::collections::HashMap;

/// Where each contract column comes from in the file.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    /// For each contract column, the index of the file column feeding it.
    pub sources: Vec<Option<usize>>,
    /// The header text as written, per contract column (when present).
    pub written: Vec<Option<String>>,
    pub issues: Vec<Issue>,
    /// The clerk's mappings that matched a header of the file: the header as
    /// written and the contract column it feeds (`None`: ignored).
    pub mapped: Vec<(String, Option<usize>)>,
}

/// How many contract columns a row of candidate headers names (header detection).
pub fn header_score(contract: &Contract, row: &[CellRef<'_>]) -> usize {
    header_score_with(contract, row, &HashMap::new())
}

/// `header_score` counting the clerk's mapped headers too.
pub fn header_score_with(contract: &Contract, row: &[CellRef<'_>], targets: &HashMap<String, Option<usize>>) -> usize {
    let mut named = vec![false; contract.columns.len()];
    for cell in row {
        if let CellRef::Text(text) = cell {
            let normalised = normalise_header(text);
            let target = match targets.get(&normalised) {
                Some(target) => *target,
                None => contract.columns.iter().position(|c| c.headers.contains(&normalised)),
            };
            if let Some(index) = target {
                named[index] = true;
            }
        }
    }
    named.into_iter().filter(|n| *n).count()
}

/// Maps headers to columns and reports what is missing, repeated or unknown.
/// A missing column is an error when the contract needs it (required, unique
/// or a key) and a warning otherwise.
pub fn map_headers(contract: &Contract, headers: &[String]) -> HeaderMap {
    map_headers_with(contract, headers, &HashMap::new())
}

/// Maps headers as `map_headers` does, the clerk's mappings first: `targets`
/// holds, by normalised header, the contract column a header feeds, or
/// `None` for a header to ignore (no `unknown_column` warning).
pub fn map_headers_with(
    contract: &Contract,
    headers: &[String],
    targets: &HashMap<String, Option<usize>>,
) -> HeaderMap {
    let mut mapped = Vec::new();
    let mut sources = vec![None; contract.columns.len()];
    let mut written = vec![None; contract.columns.len()];
    let mut issues = Vec::new();
    for (file_index, header) in headers.iter().enumerate() {
        let normalised = normalise_header(header);
        if normalised.is_empty() {
            continue;
        }
        let target = match targets.get(&normalised) {
            Some(target) => {
                mapped.push((header.clone(), *target));
                match target {
                    Some(column) => Some(*column),
                    None => continue,
                }
            }
            None => contract.columns.iter().position(|c| c.headers.contains(&normalised)),
        };
        match target {
            Some(column) if sources[column].is_some() => issues.push(Issue {
                row: None,
                column: Some(contract.columns[column].name.clone()),
                header: Some(header.clone()),
                code: IssueCode::DuplicateColumn,
                severity: Severity::Error,
                value: None,
                message: format!(
                    "column '{}' appears twice (headers '{}' and '{}'); delete one of them",
                    contract.columns[column].name,
                    written[column].as_deref().unwrap_or_default(),
                    header
                ),
                params: params([("first_header", written[column].clone().unwrap_or_default())]),
            }),
            Some(column) => {
                sources[column] = Some(file_index);
                written[column] = Some(header.clone());
            }
            None => issues.push(Issue {
                row: None,
                column: None,
                header: Some(header.clone()),
                code: IssueCode::UnknownColumn,
                severity: Severity::Warning,
                value: None,
                message: format!(
                    "header '{header}' is not part of dataset {}; it will not be loaded",
                    contract.dataset
                ),
                params: params([("dataset", contract.dataset.clone())]),
            }),
        }
    }
    for (index, column) in contract.columns.iter().enumerate() {
        if sources[index].is_some() {
            continue;
        }
        let needed = column.required || column.unique || contract.keys.contains(&index);
        let accepted = column.headers.join("', '");
        issues.push(Issue {
            row: None,
            column: Some(column.name.clone()),
            header: None,
            code: IssueCode::MissingColumn,
            severity: if needed { Severity::Error } else { Severity::Warning },
            value: None,
            message: format!("column '{}' is missing; add a column headed '{accepted}'", column.name),
            params: params([("accepted", column.headers.join(", "))]),
        });
    }
    HeaderMap { sources, written, issues, mapped }
}
