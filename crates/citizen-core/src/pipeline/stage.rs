//! Step `stage`: the file's rows, normalised by the same type checkers as
//! validation, streamed with `COPY ... FROM STDIN` into the request's own
//! partition of `stage.<dataset>` (`crate::strategy::stage_partition`).
//! Rows are encoded on every core in batches and sent in file order.
//!
//! A value the contract rejects is never staged as NULL: a value that is not
//! of its column's type makes the row invalid (validation sets it aside)
//! unless the column is stored as text and has `severity: warning`, in which
//! case the value is staged as written (see `crate::validate::issue_severity`).

use crate::contract::{Column, Contract};
use crate::error::CoreError;
use crate::readers::{open_table, trim_text, Batch, CellRef};
use crate::report::Severity;
use crate::strategy::stage_partition;
use crate::validate::header::{header_score, map_headers, HeaderMap};
use crate::validate::{process_in_order, stored_as_text, types};
use sqlx::PgConnection;
use std::borrow::Cow;
use std::ops::ControlFlow;
use std::path::Path;

/// A non-empty value that does not parse on a column where it cannot be
/// staged: validation should have set its row aside, so staging stops rather
/// than load the row without the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "row {row}, column {column}: '{value}' is not valid there ({reason}), and the row was not set aside by validation; nothing was staged"
)]
pub struct UnstageableValue {
    pub row: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// Appends `text` to a COPY text-format line, escaping what COPY treats specially.
pub fn escape_copy_text(out: &mut Vec<u8>, text: &str) {
    for &byte in text.as_bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            other => out.push(other),
        }
    }
}

/// The cell as written, trimmed: what a text-stored warning column stages
/// when its value does not parse.
fn as_written(cell: CellRef<'_>) -> Cow<'_, str> {
    match cell {
        CellRef::Text(text) => Cow::Borrowed(trim_text(text)),
        other => Cow::Owned(other.display()),
    }
}

/// Whether a value that fails its type check is staged as written: only on a
/// text-stored column whose issues are warnings.
fn keeps_value_as_written(column: &Column) -> bool {
    column.severity == Severity::Warning && stored_as_text(column)
}

/// Encodes one batch as COPY text lines, leaving out `skip` rows (sorted).
/// An empty cell stages as NULL; a value that parses stages in its normalised
/// form; a value that does not parse stages as written (trimmed) on a
/// text-stored `severity: warning` column, and anywhere else is an error,
/// never a NULL.
pub fn encode_batch(
    contract: &Contract,
    map: &HeaderMap,
    batch: &Batch,
    skip: &[u64],
    request_id: i64,
) -> Result<(Vec<u8>, u64), UnstageableValue> {
    let mut out = Vec::with_capacity(batch.len() * 128);
    let mut rows = 0u64;
    let request = request_id.to_string();
    for i in 0..batch.len() {
        let row = batch.row_numbers[i];
        if skip.binary_search(&row).is_ok() {
            continue;
        }
        rows += 1;
        out.extend_from_slice(request.as_bytes());
        out.push(b'\t');
        out.extend_from_slice(row.to_string().as_bytes());
        for (index, column) in contract.columns.iter().enumerate() {
            out.push(b'\t');
            let cell = map.sources[index].map(|source| batch.cell(i, source)).unwrap_or(CellRef::Empty);
            if cell.is_empty() {
                out.extend_from_slice(b"\\N");
                continue;
            }
            match types::parse_cell(column.column_type, column.format.as_deref(), cell) {
                Ok(parsed) => escape_copy_text(&mut out, &parsed.text),
                Err(_) if keeps_value_as_written(column) => escape_copy_text(&mut out, &as_written(cell)),
                Err(problem) => {
                    return Err(UnstageableValue {
                        row,
                        column: column.name.clone(),
                        value: cell.display(),
                        reason: problem.message.into_owned(),
                    })
                }
            }
        }
        out.push(b'\n');
    }
    Ok((out, rows))
}

/// Streams the valid rows of `path` into the partition of `request_id`.
///
/// The file is read and encoded on blocking threads while this task sends the
/// chunks; if COPY fails, the reader is told to stop (its channel closes) and
/// this function waits for it to end before returning, so no thread keeps
/// parsing a file nobody will load.
pub async fn stage_file(
    conn: &mut PgConnection,
    contract: &Contract,
    path: &Path,
    skip: Vec<u64>,
    request_id: i64,
) -> Result<u64, CoreError> {
    let columns = crate::strategy::column_list(contract, None);
    let statement = format!("COPY {} (request_id, source_row, {columns}) FROM STDIN", stage_partition(request_id));
    let mut copy = conn.copy_in_raw(&statement).await.map_err(|e| CoreError::db("staging rows", e))?;
    let (chunks_tx, mut chunks_rx) = tokio::sync::mpsc::channel::<(Vec<u8>, u64)>(4);
    let producer_contract = contract.clone();
    let producer_path = path.to_path_buf();
    let producer = tokio::task::spawn_blocking(move || -> Result<(), CoreError> {
        let contract = producer_contract;
        let score = |row: &[CellRef<'_>]| header_score(&contract, row);
        let table = open_table(&producer_path, &contract.source, &score)
            .map_err(|e| CoreError::Io { path: producer_path.clone(), source: std::io::Error::other(e.to_string()) })?;
        let map = map_headers(&contract, &table.headers);
        let mut unstageable = None;
        let failed = process_in_order(
            table.batches,
            0,
            |batch| encode_batch(&contract, &map, batch, &skip, request_id),
            |encoded| match encoded {
                Ok(chunk) => match chunks_tx.blocking_send(chunk) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(_) => ControlFlow::Break(()),
                },
                Err(error) => {
                    unstageable = Some(error);
                    ControlFlow::Break(())
                }
            },
        );
        if let Some(error) = unstageable {
            return Err(CoreError::Database {
                context: format!("staging {}", crate::validate::display_name(&producer_path)),
                sqlstate: None,
                message: error.to_string(),
            });
        }
        match failed {
            Some(error) => {
                Err(CoreError::Io { path: producer_path.clone(), source: std::io::Error::other(error.to_string()) })
            }
            None => Ok(()),
        }
    });
    let mut rows = 0u64;
    let mut send_failed = None;
    while let Some((chunk, count)) = chunks_rx.recv().await {
        rows += count;
        if let Err(error) = copy.send(chunk).await {
            send_failed = Some(error);
            break;
        }
    }
    drop(chunks_rx);
    let produced = producer
        .await
        .map_err(|e| CoreError::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) });
    if let Some(error) = send_failed {
        return Err(CoreError::db("staging rows", error));
    }
    if let Err(error) = produced.and_then(|produced| produced) {
        let _ = copy.abort("reading the file failed").await;
        return Err(error);
    }
    copy.finish().await.map_err(|e| CoreError::db("staging rows", e))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::compile_contract;
    use crate::readers::{BatchData, Cell};

    const CONTRACT: &str = "dataset: visits
title: Visits
period: monthly
columns:
  - name: citizen_id
    type: israeli_id
  - name: phone_1
    type: phone
    severity: warning
  - name: visited
    type: date
    severity: warning
  - name: email
    type: email
keys: [citizen_id]
strategy: rebuild
";

    fn contract() -> Contract {
        let compiled = compile_contract(Path::new("visits.yaml"), CONTRACT).map_err(|p| format!("{p:?}"));
        let Ok(compiled) = compiled else { panic!("{compiled:?}") };
        compiled
    }

    /// Encodes rows given as text cells in contract column order, numbered from 2.
    fn encode(rows: &[&[&str]], skip: &[u64]) -> Result<String, UnstageableValue> {
        let contract = contract();
        let headers: Vec<String> = contract.columns.iter().map(|c| c.name.clone()).collect();
        let map = map_headers(&contract, &headers);
        let cells = rows
            .iter()
            .map(|row| {
                row.iter().map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text((*c).to_owned()) }).collect()
            })
            .collect();
        let batch = Batch { row_numbers: (2..2 + rows.len() as u64).collect(), data: BatchData::Cells(cells) };
        encode_batch(&contract, &map, &batch, skip, 7).map(|(bytes, _)| String::from_utf8_lossy(&bytes).into_owned())
    }

    #[test]
    fn values_stage_normalised_and_empty_cells_as_null() {
        let staged = encode(&[&["12345674", "050-2345678", "31/12/2026", ""]], &[]);
        assert_eq!(staged, Ok("7\t2\t012345674\t+972502345678\t2026-12-31\t\\N\n".to_owned()));
    }

    #[test]
    fn a_bad_value_on_a_text_stored_warning_column_stages_as_written() {
        let staged = encode(&[&["12345674", " 12345 ", "", ""]], &[]);
        assert_eq!(staged, Ok("7\t2\t012345674\t12345\t\\N\t\\N\n".to_owned()));
    }

    #[test]
    fn a_value_that_cannot_be_staged_stops_staging_naming_row_and_column() {
        let rows: &[&[&str]] = &[&["12345674", "", "", ""], &["12345674", "", "not a date", ""]];
        let staged = encode(rows, &[]);
        let Err(error) = staged else { panic!("staged {staged:?}") };
        assert_eq!((error.row, error.column.as_str(), error.value.as_str()), (3, "visited", "not a date"));
        let message = error.to_string();
        assert!(message.contains("row 3, column visited"), "{message}");
        let rows: &[&[&str]] = &[&["12345674", "", "", "not an address"]];
        let Err(error) = encode(rows, &[]) else { panic!("an error column is never staged as written") };
        assert_eq!(error.column, "email");
    }

    #[test]
    fn rows_set_aside_are_not_staged() {
        let rows: &[&[&str]] = &[&["12345674", "", "not a date", ""], &["12345674", "", "", ""]];
        assert_eq!(encode(rows, &[2]), Ok("7\t3\t012345674\t\\N\t\\N\t\\N\n".to_owned()));
    }

    #[test]
    fn copy_text_escapes_specials() {
        let mut out = Vec::new();
        escape_copy_text(&mut out, "a\tb\\c\nd\re");
        assert_eq!(out, b"a\\tb\\\\c\\nd\\re");
    }
}
