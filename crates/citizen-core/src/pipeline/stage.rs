//! Step `stage`: the file's rows, normalised by the same type checkers as
//! validation, streamed with `COPY ... FROM STDIN` into the request's own
//! table (`crate::strategy::stage_partition`). The rows are encoded while
//! validation reads the file (a [`StageSpool`] is its row consumer, so the
//! file is read once for both) and spooled to a private temporary file; the
//! submit opens its request as soon as the bytes are landed and sends the
//! spool to COPY as validation writes it (`StageSpool::stream`), so staging
//! overlaps validation; a retried submit sends the finished spool again.
//!
//! A value the contract rejects is never staged as NULL: a value that is not
//! of its column's type makes the row invalid (validation sets it aside)
//! unless the column is stored as text and has `severity: warning`, in which
//! case the value is staged as written (see `crate::validate::issue_severity`).

use crate::contract::{Column, Contract};
use crate::error::CoreError;
use crate::readers::{trim_text, Batch, CellRef};
use crate::report::Severity;
use crate::strategy::stage_partition;
use crate::validate::header::HeaderMap;
use crate::validate::{stored_as_text, types, EncodedRow, EncodedRows, RowConsumer};
use sqlx::PgConnection;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;

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

/// Appends one row as a COPY text line without its request id:
/// `source_row`, then each contract column. An empty cell stages as NULL; a
/// value that parses stages in its normalised form; a value that does not
/// parse stages as written (trimmed) on a text-stored `severity: warning`
/// column, and anywhere else is an error, never a NULL.
fn encode_row(
    out: &mut Vec<u8>,
    contract: &Contract,
    map: &HeaderMap,
    batch: &Batch,
    i: usize,
) -> Result<(), UnstageableValue> {
    let row = batch.row_numbers[i];
    out.extend_from_slice(row.to_string().as_bytes());
    for (index, column) in contract.columns.iter().enumerate() {
        out.push(b'\t');
        let cell = map.sources[index].map(|source| batch.cell(i, source)).unwrap_or(CellRef::Empty);
        if cell.is_empty() {
            out.extend_from_slice(b"\\N");
            continue;
        }
        match types::parse_cell(column.column_type, column.format.as_deref(), cell) {
            Ok(parsed) => escape_copy_text(out, &parsed.text),
            Err(_) if keeps_value_as_written(column) => escape_copy_text(out, &as_written(cell)),
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
    Ok(())
}

/// Encodes one batch as COPY text lines of `request_id`, leaving out `skip`
/// rows (sorted); see [`encode_row`].
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
        if skip.binary_search(&batch.row_numbers[i]).is_ok() {
            continue;
        }
        rows += 1;
        out.extend_from_slice(request.as_bytes());
        out.push(b'\t');
        encode_row(&mut out, contract, map, batch, i)?;
    }
    Ok((out, rows))
}

/// The rows a submit will stage, encoded while validation reads the file and
/// written, in file order and without the rows validation set aside, to a
/// private temporary file (unlinked at creation, so nothing is left behind).
/// While validation still writes it, [`StageSpool::stream`] sends what is
/// written to COPY (the submit's request is open by then); a retried submit
/// sends the finished spool again with [`stage_spooled`].
pub struct StageSpool {
    contract: Contract,
    state: Mutex<SpoolState>,
    /// A second handle on the spool, read (at offsets) while it is written.
    reader: File,
    /// Wakes the streaming COPY when rows were written or the spool closed.
    ready: tokio::sync::Notify,
}

struct SpoolState {
    writer: Option<BufWriter<File>>,
    rows: u64,
    /// Bytes written and flushed: what a reader of the spool may read.
    written: u64,
    /// Validation ended (whatever its outcome): no more rows will come.
    closed: bool,
    /// Why a row validation kept could not be staged (`UnstageableValue`).
    unstageable: Option<String>,
    io_error: Option<std::io::Error>,
}

/// A finished spool: the lines and how many there are.
pub struct Spooled {
    file: File,
    pub rows: u64,
}

impl StageSpool {
    pub fn new(contract: &Contract) -> std::io::Result<StageSpool> {
        let file = tempfile::tempfile()?;
        let reader = file.try_clone()?;
        Ok(StageSpool {
            contract: contract.clone(),
            state: Mutex::new(SpoolState {
                writer: Some(BufWriter::with_capacity(1 << 20, file)),
                rows: 0,
                written: 0,
                closed: false,
                unstageable: None,
                io_error: None,
            }),
            reader,
            ready: tokio::sync::Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SpoolState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Says no more rows will come (validation ended, or its thread is gone);
    /// a streaming COPY then sends what is left and ends.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }

    /// Sends the spool's rows into the table of `request_id` as validation
    /// writes them, until the spool is closed. Returns how many rows were
    /// staged; refuses (and aborts the COPY) when a row could not be staged
    /// or the spool could not be written, so the submit's transaction rolls
    /// back. The caller checks the count against the validated rows (the
    /// seal does too).
    pub async fn stream(&self, conn: &mut PgConnection, request_id: i64, path: &Path) -> Result<u64, CoreError> {
        let mut copy = conn
            .copy_in_raw(&copy_statement(&self.contract, request_id))
            .await
            .map_err(|e| CoreError::db("staging rows", e))?;
        let mut lines = PrefixedLines::new(request_id);
        let mut buffer = vec![0u8; 1 << 20];
        let mut offset = 0u64;
        loop {
            let (written, closed, failed) = {
                let state = self.lock();
                (state.written, state.closed, state.unstageable.is_some() || state.io_error.is_some())
            };
            if failed {
                let _ = copy.abort("a row could not be staged").await;
                return Err(CoreError::Io {
                    path: path.to_path_buf(),
                    source: std::io::Error::other("a row could not be staged; nothing was submitted"),
                });
            }
            if offset < written {
                let want = buffer.len().min((written - offset) as usize);
                let read = match self.reader.read_at(&mut buffer[..want], offset) {
                    Ok(0) => Err(std::io::Error::other("the staged rows ended early")),
                    other => other,
                };
                let read = match read {
                    Ok(read) => read,
                    Err(error) => {
                        let _ = copy.abort("reading the staged rows failed").await;
                        return Err(CoreError::Io { path: path.to_path_buf(), source: error });
                    }
                };
                offset += read as u64;
                if let Some(chunk) = lines.push(&buffer[..read]) {
                    copy.send(chunk).await.map_err(|e| CoreError::db("staging rows", e))?;
                }
                continue;
            }
            if closed {
                break;
            }
            // A row batch or the close since the look above left a permit:
            // this returns at once then.
            self.ready.notified().await;
        }
        let spooled_rows = self.lock().rows;
        if !lines.carry.is_empty() || lines.rows != spooled_rows {
            let _ = copy.abort("the staged rows were cut short").await;
            return Err(CoreError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other(format!(
                    "{} of {spooled_rows} staged rows could be read back",
                    lines.rows
                )),
            });
        }
        copy.finish().await.map_err(|e| CoreError::db("staging rows", e))?;
        Ok(lines.rows)
    }

    /// Ends the spool: the lines written, or why a row could not be staged.
    pub fn finish(&self, path: &Path) -> Result<Spooled, CoreError> {
        let mut state = self.lock();
        if let Some(message) = state.unstageable.take() {
            return Err(CoreError::Database {
                context: format!("staging {}", crate::validate::display_name(path)),
                sqlstate: None,
                message,
            });
        }
        let io = |source| CoreError::Io { path: path.to_path_buf(), source };
        if let Some(error) = state.io_error.take() {
            return Err(io(error));
        }
        let writer =
            state.writer.take().ok_or_else(|| io(std::io::Error::other("the staged rows were taken already")))?;
        let file = writer.into_inner().map_err(|e| io(e.into_error()))?;
        Ok(Spooled { file, rows: state.rows })
    }
}

impl RowConsumer for StageSpool {
    fn encode(&self, map: &HeaderMap, batch: &Batch) -> EncodedRows {
        let mut encoded = EncodedRows { bytes: Vec::with_capacity(batch.len() * 128), rows: Vec::new() };
        for i in 0..batch.len() {
            let start = encoded.bytes.len();
            let failure = encode_row(&mut encoded.bytes, &self.contract, map, batch, i).err();
            if failure.is_some() {
                encoded.bytes.truncate(start);
            }
            encoded.rows.push(EncodedRow {
                row: batch.row_numbers[i],
                len: (encoded.bytes.len() - start) as u32,
                failure: failure.map(|f| f.to_string()),
            });
        }
        encoded
    }

    fn take(&self, encoded: EncodedRows, set_aside: &[u64]) {
        {
            let mut state = self.lock();
            let state = &mut *state;
            let mut offset = 0usize;
            let mut bytes_written = 0u64;
            for row in encoded.rows {
                let bytes = &encoded.bytes[offset..offset + row.len as usize];
                offset += row.len as usize;
                if set_aside.contains(&row.row) || state.unstageable.is_some() {
                    continue;
                }
                if let Some(failure) = row.failure {
                    state.unstageable = Some(failure);
                    continue;
                }
                if let Some(writer) = state.writer.as_mut() {
                    match writer.write_all(bytes) {
                        Ok(()) => {
                            state.rows += 1;
                            bytes_written += bytes.len() as u64;
                        }
                        Err(error) => {
                            state.io_error.get_or_insert(error);
                        }
                    }
                }
            }
            // Flushed batch by batch, so a streaming COPY can read the rows.
            if let Some(writer) = state.writer.as_mut() {
                match writer.flush() {
                    Ok(()) => state.written += bytes_written,
                    Err(error) => {
                        state.io_error.get_or_insert(error);
                    }
                }
            }
        }
        self.ready.notify_one();
    }
}

/// Sends the spooled rows into the table of `request_id` (each line
/// prefixed with the request id), from the start of the spool, so a retried
/// submit can send them again. Returns how many rows were staged.
pub async fn stage_spooled(
    conn: &mut PgConnection,
    contract: &Contract,
    spooled: &Spooled,
    request_id: i64,
    path: &Path,
) -> Result<u64, CoreError> {
    let mut copy =
        conn.copy_in_raw(&copy_statement(contract, request_id)).await.map_err(|e| CoreError::db("staging rows", e))?;
    let mut lines = PrefixedLines::new(request_id);
    let mut buffer = vec![0u8; 1 << 20];
    let mut offset = 0u64;
    loop {
        let read = match spooled.file.read_at(&mut buffer, offset) {
            Ok(read) => read,
            Err(error) => {
                let _ = copy.abort("reading the staged rows failed").await;
                return Err(CoreError::Io { path: path.to_path_buf(), source: error });
            }
        };
        if read == 0 {
            break;
        }
        offset += read as u64;
        if let Some(chunk) = lines.push(&buffer[..read]) {
            copy.send(chunk).await.map_err(|e| CoreError::db("staging rows", e))?;
        }
    }
    if !lines.carry.is_empty() || lines.rows != spooled.rows {
        let _ = copy.abort("the staged rows were cut short").await;
        return Err(CoreError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(format!("{} of {} staged rows could be read back", lines.rows, spooled.rows)),
        });
    }
    copy.finish().await.map_err(|e| CoreError::db("staging rows", e))?;
    Ok(lines.rows)
}

/// The COPY into the table of `request_id`.
fn copy_statement(contract: &Contract, request_id: i64) -> String {
    let columns = crate::strategy::column_list(contract, None);
    format!("COPY {} (request_id, source_row, {columns}) FROM STDIN", stage_partition(request_id))
}

/// Spooled bytes made into COPY lines: each whole line prefixed with the
/// request id, a line cut by the end of a read kept for the next.
struct PrefixedLines {
    prefix: String,
    carry: Vec<u8>,
    rows: u64,
}

impl PrefixedLines {
    fn new(request_id: i64) -> PrefixedLines {
        PrefixedLines { prefix: format!("{request_id}\t"), carry: Vec::new(), rows: 0 }
    }

    /// The whole lines `bytes` completes, prefixed; None when it ends no line.
    fn push(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        self.carry.extend_from_slice(bytes);
        let last_newline = self.carry.iter().rposition(|&b| b == b'\n')?;
        let mut chunk = Vec::with_capacity(last_newline + 1 + 16 * 1024);
        for line in self.carry[..=last_newline].split_inclusive(|&b| b == b'\n') {
            chunk.extend_from_slice(self.prefix.as_bytes());
            chunk.extend_from_slice(line);
            self.rows += 1;
        }
        self.carry.drain(..=last_newline);
        Some(chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::compile_contract;
    use crate::readers::{BatchData, Cell};
    use crate::validate::header::map_headers;

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
        encode_batch(&contract, &map, &batch(rows), skip, 7)
            .map(|(bytes, _)| String::from_utf8_lossy(&bytes).into_owned())
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

    /// A batch of text rows in contract column order, numbered from 2.
    fn batch(rows: &[&[&str]]) -> Batch {
        let cells = rows
            .iter()
            .map(|row| {
                row.iter().map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text((*c).to_owned()) }).collect()
            })
            .collect();
        Batch { row_numbers: (2..2 + rows.len() as u64).collect(), data: BatchData::Cells(cells) }
    }

    /// Spools batches as validation would hand them over, then reads the spool back.
    fn spool(batches: &[(&[&[&str]], &[u64])]) -> Result<(String, u64), CoreError> {
        let contract = contract();
        let headers: Vec<String> = contract.columns.iter().map(|c| c.name.clone()).collect();
        let map = map_headers(&contract, &headers);
        let spool = StageSpool::new(&contract).unwrap_or_else(|e| panic!("{e}"));
        for (rows, set_aside) in batches {
            let encoded = spool.encode(&map, &batch(rows));
            spool.take(encoded, set_aside);
        }
        let spooled = spool.finish(Path::new("visits.csv"))?;
        let mut text = vec![0u8; 4096];
        let read = spooled.file.read_at(&mut text, 0).unwrap_or_else(|e| panic!("{e}"));
        text.truncate(read);
        Ok((String::from_utf8_lossy(&text).into_owned(), spooled.rows))
    }

    #[test]
    fn the_spool_keeps_the_rows_validation_kept_in_file_order() {
        let first: &[&[&str]] = &[&["12345674", "050-2345678", "", ""], &["12345674", "", "not a date", ""]];
        let second: &[&[&str]] = &[&["12345674", "", "01/02/2026", ""]];
        let spooled = spool(&[(first, &[3]), (second, &[])]);
        let Ok((text, rows)) = spooled else { panic!("{spooled:?}") };
        assert_eq!(rows, 2);
        assert_eq!(text, "2\t012345674\t+972502345678\t\\N\t\\N\n2\t012345674\t\\N\t2026-02-01\t\\N\n");
    }

    #[test]
    fn a_kept_row_that_cannot_be_staged_fails_the_spool_naming_it() {
        let rows: &[&[&str]] = &[&["12345674", "", "", "not an address"]];
        match spool(&[(rows, &[])]) {
            Err(CoreError::Database { message, .. }) => assert!(message.contains("row 2, column email"), "{message}"),
            other => panic!("expected the row named, got {other:?}"),
        }
        assert!(spool(&[(rows, &[2])]).is_ok(), "set aside, it is not staged");
    }

    #[test]
    fn copy_text_escapes_specials() {
        let mut out = Vec::new();
        escape_copy_text(&mut out, "a\tb\\c\nd\re");
        assert_eq!(out, b"a\\tb\\\\c\\nd\\re");
    }
}
