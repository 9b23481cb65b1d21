//! Step `stage`: the file's rows, normalised by the same type checkers as
//! validation, streamed into `stage.<dataset>` with `COPY ... FROM STDIN`.
//! Rows are encoded on every core in batches and sent in file order.

use crate::contract::Contract;
use crate::error::CoreError;
use crate::readers::{open_table, Batch, CellRef};
use crate::strategy::stage_table;
use crate::validate::header::{header_score, map_headers, HeaderMap};
use crate::validate::{process_in_order, types};
use sqlx::PgConnection;
use std::path::Path;

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

/// Encodes one batch as COPY text lines, leaving out `skip` rows (sorted).
/// A value that does not parse (only possible on warning columns) stages as NULL.
pub fn encode_batch(
    contract: &Contract,
    map: &HeaderMap,
    batch: &Batch,
    skip: &[u64],
    request_id: i64,
) -> (Vec<u8>, u64) {
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
                Err(_) => out.extend_from_slice(b"\\N"),
            }
        }
        out.push(b'\n');
    }
    (out, rows)
}

/// Streams the valid rows of `path` into the stage table for `request_id`.
pub async fn stage_file(
    conn: &mut PgConnection,
    contract: &Contract,
    path: &Path,
    skip: Vec<u64>,
    request_id: i64,
) -> Result<u64, CoreError> {
    let columns = crate::strategy::column_list(contract, None);
    let statement = format!("COPY {} (request_id, source_row, {columns}) FROM STDIN", stage_table(contract));
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
        let failed = process_in_order(
            table.batches,
            0,
            |batch| encode_batch(&contract, &map, batch, &skip, request_id),
            |chunk| {
                let _ = chunks_tx.blocking_send(chunk);
            },
        );
        match failed {
            Some(error) => {
                Err(CoreError::Io { path: producer_path.clone(), source: std::io::Error::other(error.to_string()) })
            }
            None => Ok(()),
        }
    });
    let mut rows = 0u64;
    while let Some((chunk, count)) = chunks_rx.recv().await {
        rows += count;
        if let Err(error) = copy.send(chunk).await {
            return Err(CoreError::db("staging rows", error));
        }
    }
    let produced = producer
        .await
        .map_err(|e| CoreError::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) })?;
    if let Err(error) = produced {
        let _ = copy.abort("reading the file failed").await;
        return Err(error);
    }
    copy.finish().await.map_err(|e| CoreError::db("staging rows", e))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::escape_copy_text;

    #[test]
    fn copy_text_escapes_specials() {
        let mut out = Vec::new();
        escape_copy_text(&mut out, "a\tb\\c\nd\re");
        assert_eq!(out, b"a\\tb\\\\c\\nd\\re");
    }
}
