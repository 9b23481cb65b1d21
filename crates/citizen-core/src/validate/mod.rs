//! Offline validation of a file against its contract (SPEC §3–4). Rows stream
//! from the reader in batches, are checked on every core in parallel, and are
//! merged back in file order; memory stays bounded by the number of distinct
//! keys, never by the file size.

pub mod edits;
pub mod header;
pub mod profile;
pub mod rules;
pub mod types;

use crate::contract::{Catalog, Column, Contract, SourceOptions};
use crate::error::CoreError;
use crate::readers::{open_table, Batch, CellRef, ReadError, Table};
use crate::report::{params, Issue, IssueCode, Report, Severity, Status};
use edits::{ReviewEdits, ReviewLog};
use header::{header_score, header_score_with, map_headers_with, HeaderMap};
use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use types::TextNeed;

/// An issue's message parameters.
type Params = BTreeMap<String, String>;

/// Called with the number of rows checked so far (progress bars).
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// Called once, as soon as the first rows are read, with the file's headers
/// and those rows (number and cells as shown): a screen shows the file while
/// the rest is still being validated.
pub type Preview = Arc<dyn Fn(&[String], Vec<(u64, Vec<String>)>) + Send + Sync>;

/// Rows handed to `ValidateOptions::preview`.
pub const PREVIEW_ROWS: usize = 50;

/// Knobs for one validation run.
#[derive(Clone)]
pub struct ValidateOptions {
    /// Issues kept in the report; `summary` still counts every one.
    pub max_issues: usize,
    /// Rows of the active version, for the `row_change` warning (needs a database).
    pub previous_rows: Option<u64>,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Keep the rows in a `RowStore` for the grid.
    pub keep_rows: bool,
    /// Told after every batch how many rows are done.
    pub progress: Option<Progress>,
    /// Set to stop reading; the validation then ends as cancelled.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Hears the first rows of the file before validation ends.
    pub preview: Option<Preview>,
    /// Takes every row as it is read, so that whoever needs the rows
    /// (staging, at submit) does not read the file again.
    pub consumer: Option<Arc<dyn RowConsumer>>,
    /// The clerk's review (mapped headers, corrected cells), applied to the
    /// rows as they are read: what is checked, kept and consumed is corrected.
    pub edits: Option<Arc<ReviewEdits>>,
    /// Profile the file as it is read (`Validation::profile`); on by
    /// default. `citizen-db validate` turns it off: it prints no profile.
    pub profile: bool,
}

/// One batch's rows encoded by a [`RowConsumer`] on a validating thread:
/// `bytes` holds the rows' encodings one after another, `rows` says, in the
/// same order, which file row each is, its length in `bytes`, and why it
/// could not be encoded, if so.
#[derive(Debug, Default)]
pub struct EncodedRows {
    pub bytes: Vec<u8>,
    pub rows: Vec<EncodedRow>,
}

/// One row of [`EncodedRows`].
#[derive(Debug)]
pub struct EncodedRow {
    pub row: u64,
    pub len: u32,
    pub failure: Option<String>,
}

/// Takes the rows of a file as validation reads them (one read for both):
/// `encode` runs on the validating threads, `take` in file order, told which
/// rows of the batch validation set aside (their own errors, or a key seen
/// before).
pub trait RowConsumer: Send + Sync {
    fn encode(&self, map: &HeaderMap, batch: &Batch) -> EncodedRows;
    fn take(&self, encoded: EncodedRows, set_aside: &[u64]);
}

impl std::fmt::Debug for ValidateOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidateOptions")
            .field("max_issues", &self.max_issues)
            .field("previous_rows", &self.previous_rows)
            .field("threads", &self.threads)
            .field("keep_rows", &self.keep_rows)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            max_issues: 100_000,
            previous_rows: None,
            threads: 0,
            keep_rows: false,
            progress: None,
            cancel: None,
            preview: None,
            consumer: None,
            edits: None,
            profile: true,
        }
    }
}

/// Recognises the dataset of a file the CLI names: `dataset` when given,
/// else from the file name and headers (`recognise_opened`, which hands the
/// table it opened on to `validate_file`, so the file is read once).
pub fn recognise_named<'c>(
    catalog: &'c Catalog,
    path: &Path,
    dataset: Option<&str>,
) -> Result<Recognised<'c>, Recognition> {
    recognise_named_with(catalog, path, dataset, |_| ReviewEdits::default())
}

/// `recognise_named`, the headers scored with the mappings validation of
/// each dataset will apply (`recognise_opened_with`).
pub fn recognise_named_with<'c>(
    catalog: &'c Catalog,
    path: &Path,
    dataset: Option<&str>,
    edits_for: impl Fn(&str) -> ReviewEdits,
) -> Result<Recognised<'c>, Recognition> {
    match dataset {
        Some(name) => catalog.get(name).map(Recognised::from).map_err(Recognition::Unknown),
        None => recognise_opened_with(catalog, path, edits_for),
    }
}

/// Why a dataset could not be recognised.
#[derive(Debug)]
pub enum Recognition {
    /// The file itself cannot be read.
    Unreadable(ReadError),
    /// The file reads, but matches no single dataset.
    Unknown(CoreError),
}

/// A recognised file: its contract and, when validation can go on reading
/// it, the table recognition opened. A bare `&Contract` converts into one
/// (nothing opened), so `validate_file(path, contract, ...)` reads as it says.
pub struct Recognised<'c> {
    pub contract: &'c Contract,
    pub opened: Option<Opened>,
}

impl<'c> From<&'c Contract> for Recognised<'c> {
    fn from(contract: &'c Contract) -> Self {
        Recognised { contract, opened: None }
    }
}

/// A table recognition opened, positioned after its header row, with the
/// dataset it was recognised as: validation of that dataset reads on from
/// there instead of opening the file again. Holding one keeps the file open.
pub struct Opened {
    dataset: String,
    /// The mappings the header row was found with (by normalised header).
    targets: HashMap<String, Option<usize>>,
    table: Table,
}

impl Opened {
    /// The dataset the table was opened for.
    pub fn dataset(&self) -> &str {
        &self.dataset
    }
}

/// Recognises a file's dataset: by `match.file_name` when exactly one contract
/// matches, else by which contract its headers name best.
pub fn recognise<'c>(catalog: &'c Catalog, path: &Path) -> Result<&'c Contract, Recognition> {
    recognise_opened(catalog, path).map(|recognised| recognised.contract)
}

/// Recognises a file's dataset as `recognise` does, and keeps the table it
/// opened (when it had to open one) if validation would open the same:
///
/// - the contract reads the file with the default source options (no sheet,
///   header row, encoding or delimiter of its own), as recognition does; and
/// - the header row recognition picked (the best for any candidate) is also
///   the one this contract's own scoring picks. It is when the contract names
///   as many headers of that row as the best candidate does: no other row can
///   then score higher for the contract, and no earlier row as high (the
///   search keeps the earliest of equal rows, and that row would have won).
///
/// Otherwise `opened` is `None` and validation opens the file itself.
pub fn recognise_opened<'c>(catalog: &'c Catalog, path: &Path) -> Result<Recognised<'c>, Recognition> {
    recognise_opened_with(catalog, path, |_| ReviewEdits::default())
}

/// `recognise_opened`, each candidate's headers scored with the mappings
/// validation of that dataset will apply: `edits_for(dataset)` (the
/// dataset's remembered aliases, the clerk's `--map`). A header mapped to a
/// column counts for that column, as the contract's own headers do; an
/// ignored one counts for nothing. The table is handed on with the mappings
/// it was scored with, and `validate_file` reads on from it only when its
/// own edits map the headers the same way (so the two reasons above hold).
pub fn recognise_opened_with<'c>(
    catalog: &'c Catalog,
    path: &Path,
    edits_for: impl Fn(&str) -> ReviewEdits,
) -> Result<Recognised<'c>, Recognition> {
    let by_name = catalog.match_file_name(path);
    if let [only] = by_name.as_slice() {
        return Ok(Recognised { contract: only, opened: None });
    }
    let candidates: Vec<&Contract> = if by_name.is_empty() { catalog.contracts.iter().collect() } else { by_name };
    let targets: Vec<HashMap<String, Option<usize>>> =
        candidates.iter().map(|c| edits_for(&c.dataset).header_targets(c)).collect();
    let score = |i: usize, row: &[CellRef<'_>]| header_score_with(candidates[i], row, &targets[i]);
    let best_of_all = |row: &[CellRef<'_>]| (0..candidates.len()).map(|i| score(i, row)).max().unwrap_or(0);
    let table = open_table(path, &SourceOptions::default(), &best_of_all).map_err(Recognition::Unreadable)?;
    let cells: Vec<CellRef<'_>> = table.headers.iter().map(|h| CellRef::Text(h)).collect();
    let best = best_of_all(&cells);
    let mut scored: Vec<(usize, usize)> = (0..candidates.len())
        .map(|i| (score(i, &cells), i))
        .filter(|(score, i)| *score * 2 >= candidates[*i].columns.len() && *score > 0)
        .collect();
    scored.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    let chosen = match scored.as_slice() {
        [(_, only)] => *only,
        [(first, chosen), (second, _), ..] if first > second => *chosen,
        _ => {
            return Err(Recognition::Unknown(CoreError::DatasetNotRecognised {
                file: display_name(path),
                candidates: if scored.is_empty() {
                    candidates.iter().map(|c| c.dataset.clone()).collect()
                } else {
                    scored.iter().map(|(_, i)| candidates[*i].dataset.clone()).collect()
                },
            }))
        }
    };
    let contract = candidates[chosen];
    let same_table = contract.source == SourceOptions::default() && score(chosen, &cells) == best;
    drop(cells);
    let opened = same_table.then(|| Opened {
        dataset: contract.dataset.clone(),
        targets: targets.into_iter().nth(chosen).unwrap_or_default(),
        table,
    });
    Ok(Recognised { contract, opened })
}

/// The file name shown in reports.
pub fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// One row, for duplicate detection in file order; its key hashes are in
/// `BatchOutcome::key_hashes`.
struct KeyEntry {
    row: u64,
    row_invalid: bool,
}

/// What a worker found in one batch.
#[derive(Default)]
struct BatchOutcome {
    rows: u64,
    invalid_rows: u64,
    warnings: u64,
    issues: Vec<(Issue, usize)>,
    keys: Vec<KeyEntry>,
    /// One hash per uniqueness set (the contract keys, then each unique column)
    /// per entry of `keys`, row after row; `None` where a key cell is empty or
    /// invalid. One flat vector, so a row costs no allocation.
    key_hashes: Vec<Option<u128>>,
    invalid_row_numbers: Vec<u64>,
    /// The batch's profile figures.
    profile: profile::BatchTally,
}

/// The uniqueness sets of a contract: the keys together, then each unique column.
pub fn unique_sets(contract: &Contract) -> Vec<Vec<usize>> {
    let mut sets = Vec::new();
    if !contract.keys.is_empty() {
        sets.push(contract.keys.clone());
    }
    for (index, column) in contract.columns.iter().enumerate() {
        if column.unique && contract.keys != [index] {
            sets.push(vec![index]);
        }
    }
    sets
}

/// What one validation learned about a file: the report, the row numbers the
/// pipeline must leave out when staging, and how the file's table was read
/// (its headers and their mapping to the contract; the sheet is in
/// `report.sheet`), so no caller opens the file again to find them.
#[derive(Debug)]
pub struct Validation {
    pub report: Report,
    /// The headers as written (empty when the file could not be opened).
    pub headers: Vec<String>,
    /// 1-based spreadsheet row of the header (0 when the file could not be opened).
    pub header_row: u64,
    /// Which file column feeds each contract column (`None` when the file
    /// could not be opened).
    pub header_map: Option<HeaderMap>,
    /// Rows with errors, recorded while they stay within the contract's
    /// tolerance (beyond it the file is refused anyway).
    pub invalid_row_numbers: Vec<u64>,
    /// The file's rows, when `keep_rows` asked for them.
    pub rows: Option<crate::grid::RowStore>,
    /// True when `cancel` stopped the run; the report then covers part of the file.
    pub cancelled: bool,
    /// The file's profile, computed as it was read (`None` when it could not be opened).
    pub profile: Option<crate::report::profile::Profile>,
    /// The mappings and corrections of `ValidateOptions::edits` that applied.
    pub review: ReviewLog,
}

/// Validates an opened table.
fn validate_opened(file: &str, table: Table, contract: &Contract, options: &ValidateOptions) -> Validation {
    let Table { sheet, header_row, headers, batches, .. } = table;
    let targets = options.edits.as_deref().map(|edits| edits.header_targets(contract)).unwrap_or_default();
    let map = map_headers_with(contract, &headers, &targets);
    let placed = options.edits.as_deref().map(|edits| edits.place(contract, &map.sources)).filter(|p| !p.is_empty());
    let corrections = Arc::new(Mutex::new(Vec::new()));
    let batches: Box<dyn Iterator<Item = Result<Batch, ReadError>> + Send> = match placed {
        Some(placed) => {
            let log = corrections.clone();
            Box::new(batches.map(move |batch| {
                batch.map(|batch| match log.lock() {
                    Ok(mut log) => placed.apply(batch, &mut log),
                    Err(mut poisoned) => placed.apply(batch, poisoned.get_mut()),
                })
            }))
        }
        None => batches,
    };
    let sets = unique_sets(contract);
    let mut merger = Merger::new(contract, &map, &sets, options.max_issues);
    let mut store = if options.keep_rows { crate::grid::RowStore::create().ok() } else { None };
    let mut store_failed = false;
    let cancel = options.cancel.clone();
    let batches: Box<dyn Iterator<Item = Result<Batch, ReadError>> + Send> = match cancel.clone() {
        Some(flag) => Box::new(batches.take_while(move |_| !flag.load(Ordering::Relaxed))),
        None => batches,
    };
    let batches: Box<dyn Iterator<Item = Result<Batch, ReadError>> + Send> = match options.preview.clone() {
        Some(show) => {
            let mut show = Some(show);
            let headers = headers.clone();
            Box::new(batches.inspect(move |batch| {
                if let (Some(show), Ok(batch)) = (show.take(), batch) {
                    show(&headers, first_rows(batch, PREVIEW_ROWS));
                }
            }))
        }
        None => batches,
    };
    let keep_rows = store.is_some();
    let consumer = options.consumer.as_deref();
    let profiler = profile::Profiler::new(contract, options.profile);
    let mut profiles = profile::ProfileMerger::new(contract);
    let read_error = process_in_order(
        batches,
        options.threads,
        |batch| {
            let encoded = keep_rows.then(|| crate::grid::encode_rows(batch));
            let consumed = consumer.map(|consumer| consumer.encode(&map, batch));
            (check_batch(contract, &map, &sets, &profiler, batch), encoded, consumed)
        },
        |(mut outcome, encoded, consumed)| {
            profiles.absorb(std::mem::take(&mut outcome.profile), &profiler);
            let set_aside_before = merger.invalid_row_numbers.len();
            merger.absorb(outcome);
            if let (Some(consumer), Some(consumed)) = (consumer, consumed) {
                consumer.take(consumed, &merger.invalid_row_numbers[set_aside_before..]);
            }
            if let (Some(store), Some((bytes, lengths))) = (store.as_mut(), encoded) {
                store_failed |= store.append(&bytes, &lengths).is_err();
            }
            if let Some(progress) = &options.progress {
                progress(merger.rows);
            }
            ControlFlow::Continue(())
        },
    );
    merger.read_error = read_error;
    let mut validation = merger.finish(file, sheet, options);
    if let Some(mut store) = store.filter(|_| !store_failed) {
        if store.finish().is_ok() {
            validation.rows = Some(store);
        }
    }
    validation.cancelled = cancel.is_some_and(|flag| flag.load(Ordering::Relaxed));
    let present: Vec<bool> = map.sources.iter().map(Option::is_some).collect();
    validation.profile = options.profile.then(|| profiles.finish(contract, &present, validation.report.rows));
    validation.headers = headers;
    validation.header_row = header_row;
    validation.review = ReviewLog {
        mappings: map
            .mapped
            .iter()
            .map(|(header, column)| {
                let remember = options.edits.as_deref().is_some_and(|edits| {
                    let key = crate::contract::normalise_header(header);
                    edits.mappings.iter().any(|m| m.remember && crate::contract::normalise_header(&m.header) == key)
                });
                edits::HeaderMapping {
                    header: header.clone(),
                    column: column.map(|index| contract.columns[index].name.clone()),
                    remember,
                }
            })
            .collect(),
        corrections: match corrections.lock() {
            Ok(mut log) => std::mem::take(&mut *log),
            Err(mut poisoned) => std::mem::take(poisoned.get_mut()),
        },
    };
    validation.header_map = Some(map);
    validation
}

/// The first `count` rows of a batch: row number and cells as shown.
fn first_rows(batch: &Batch, count: usize) -> Vec<(u64, Vec<String>)> {
    (0..batch.len().min(count))
        .map(|i| (batch.row_numbers[i], (0..batch.width(i)).map(|col| batch.cell(i, col).display()).collect()))
        .collect()
}

/// Runs `work` on every batch on all cores and hands the results to `merge`
/// in file order. When `merge` answers `Break`, reading stops at once: no
/// further batch is read, batches already queued are dropped without being
/// worked on, and `merge` is not called again; the function returns once
/// every thread has ended. Returns the read error that ended the stream
/// early, if any.
pub fn process_in_order<T, W, M>(
    mut batches: Box<dyn Iterator<Item = Result<Batch, ReadError>> + Send>,
    threads: usize,
    work: W,
    mut merge: M,
) -> Option<ReadError>
where
    T: Send,
    W: Fn(&Batch) -> T + Sync,
    M: FnMut(T) -> ControlFlow<()>,
{
    let threads =
        if threads == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) } else { threads };
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Batch)>(threads * 2);
    let (done_tx, done_rx) = mpsc::channel::<(u64, Result<T, ReadError>)>();
    let work_rx = Mutex::new(work_rx);
    let work = &work;
    let stop = AtomicBool::new(false);
    let stop = &stop;
    let mut read_error = None;
    std::thread::scope(|scope| {
        let reader_done = done_tx.clone();
        scope.spawn(move || {
            for seq in 0u64.. {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let Some(batch) = batches.next() else { return };
                match batch {
                    Ok(batch) => {
                        if work_tx.send((seq, batch)).is_err() {
                            return;
                        }
                    }
                    Err(error) => {
                        let _ = reader_done.send((seq, Err(error)));
                        return;
                    }
                }
            }
        });
        for _ in 0..threads {
            let done = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || loop {
                let next = match work_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok((seq, batch)) = next else { return };
                if stop.load(Ordering::Relaxed) {
                    continue;
                }
                if done.send((seq, Ok(work(&batch)))).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let mut pending: BTreeMap<u64, Result<T, ReadError>> = BTreeMap::new();
        let mut next = 0u64;
        for (seq, result) in done_rx {
            if stop.load(Ordering::Relaxed) {
                continue;
            }
            pending.insert(seq, result);
            while let Some(result) = pending.remove(&next) {
                next += 1;
                match result {
                    Ok(value) if read_error.is_none() => {
                        if merge(value).is_break() {
                            stop.store(true, Ordering::Relaxed);
                            pending.clear();
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(error) => {
                        read_error.get_or_insert(error);
                    }
                }
            }
        }
    });
    read_error
}

/// Whether an issue code means the value is not of its column's type at all
/// (`type`, `israeli_id`, `phone`, `email`), as opposed to a typed value that
/// breaks a rule (`pattern`, `allowed`, `min`, ...).
pub fn is_type_failure(code: IssueCode) -> bool {
    matches!(code, IssueCode::Type | IssueCode::IsraeliId | IssueCode::Phone | IssueCode::Email)
}

/// Whether a column is stored as text in PostgreSQL (`crate::strategy::sql_type`):
/// text, code, israeli_id, phone and email.
pub fn stored_as_text(column: &Column) -> bool {
    crate::strategy::sql_type(column.column_type) == "text"
}

/// The severity of an issue of `code` on `column`: the column's `severity`,
/// except that a type failure on a column stored in a typed SQL column
/// (integer, decimal, boolean, date, datetime) is always an error, because the
/// typed column cannot hold the value and a value the contract rejects is
/// never staged as NULL. On a text-stored column with `severity: warning`, a
/// type failure stays a warning and the value is staged as written (trimmed):
/// the warning tells the clerk, and nothing is silently emptied (see
/// `crate::pipeline::stage::encode_batch`).
pub fn issue_severity(column: &Column, code: IssueCode) -> Severity {
    if is_type_failure(code) && !stored_as_text(column) {
        Severity::Error
    } else {
        column.severity
    }
}

/// Checks every row of a batch. Runs on a worker thread.
fn check_batch(
    contract: &Contract,
    map: &HeaderMap,
    sets: &[Vec<usize>],
    profiler: &profile::Profiler,
    batch: &Batch,
) -> BatchOutcome {
    let mut outcome =
        BatchOutcome { rows: batch.len() as u64, profile: profiler.tally(batch.len()), ..Default::default() };
    let mut breaches = Vec::new();
    let in_a_set: Vec<bool> = (0..contract.columns.len()).map(|i| sets.iter().any(|s| s.contains(&i))).collect();
    let needs: Vec<TextNeed> = contract
        .columns
        .iter()
        .zip(&in_a_set)
        .map(
            |(column, &keyed)| {
                if keyed || rules::reads_text(column) {
                    TextNeed::Normalised
                } else {
                    TextNeed::AsWritten
                }
            },
        )
        .collect();
    let mut normalised: Vec<Option<Cow<'_, str>>> = vec![None; contract.columns.len()];
    for i in 0..batch.len() {
        let row = batch.row_numbers[i];
        let mut row_invalid = false;
        for (index, column) in contract.columns.iter().enumerate() {
            normalised[index] = None;
            let Some(source) = map.sources[index] else { continue };
            let cell = batch.cell(i, source);
            let mut report = |code: IssueCode, message: String, params: Params, outcome: &mut BatchOutcome| {
                let severity = issue_severity(column, code);
                if severity == Severity::Error {
                    row_invalid = true;
                } else {
                    outcome.warnings += 1;
                }
                outcome.issues.push((
                    Issue {
                        row: Some(row),
                        column: Some(column.name.clone()),
                        header: map.written[index].clone(),
                        code,
                        severity,
                        value: (!cell.is_empty()).then(|| cell.display()),
                        message,
                        params,
                    },
                    index,
                ));
            };
            if let CellRef::Text(text) = cell {
                if let Some(at) = text.find('\0') {
                    // PostgreSQL cannot store U+0000 in text: refused here, with
                    // its row and column, rather than failing COPY at submit.
                    // Always an error, whatever the column's severity, since
                    // the value could not be staged as written.
                    row_invalid = true;
                    let position = text[..at].chars().count() + 1;
                    outcome.issues.push((
                        Issue {
                            row: Some(row),
                            column: Some(column.name.clone()),
                            header: map.written[index].clone(),
                            code: IssueCode::Encoding,
                            severity: Severity::Error,
                            value: Some(text.replace('\0', "\u{2400}")),
                            message: format!(
                                "{}: the value holds a NUL character (U+0000) at character {position}, which the \
                                 database cannot store; remove it from the file",
                                column.name
                            ),
                            params: params([("character", "U+0000".to_owned()), ("position", position.to_string())]),
                        },
                        index,
                    ));
                    outcome.profile.invalid(index);
                    continue;
                }
            }
            if cell.is_empty() {
                outcome.profile.empty(index);
                if column.required {
                    let message = format!("{} is required but empty", column.name);
                    report(IssueCode::Required, message, Params::new(), &mut outcome);
                }
                continue;
            }
            match types::check_cell(column.column_type, column.format.as_deref(), cell, needs[index]) {
                Err(problem) => {
                    outcome.profile.invalid(index);
                    let message = format!("{}: {}", column.name, problem.message);
                    report(problem.code, message, problem.params, &mut outcome)
                }
                Ok(parsed) => {
                    outcome.profile.value(index, i, &parsed);
                    breaches.clear();
                    rules::check_rules(column, &parsed, &mut breaches);
                    for breach in breaches.drain(..) {
                        let message = format!("{} {}", column.name, breach.message);
                        report(breach.code, message, breach.params, &mut outcome);
                    }
                    if in_a_set[index] {
                        normalised[index] = Some(parsed.text);
                    }
                }
            }
        }
        if row_invalid {
            outcome.invalid_rows += 1;
            outcome.invalid_row_numbers.push(row);
        }
        if !sets.is_empty() {
            outcome.key_hashes.extend(sets.iter().map(|set| key_hash(set, &normalised)));
            outcome.keys.push(KeyEntry { row, row_invalid });
        }
    }
    // The profile's counts, column by column; a value new to the batch is
    // parsed again for its text (as validation parsed it).
    outcome.profile.count(|column, i, out| {
        let (Some(Some(source)), Some(spec)) = (map.sources.get(column), contract.columns.get(column)) else {
            return;
        };
        let cell = batch.cell(i as usize, *source);
        if let Ok(parsed) = types::check_cell(spec.column_type, spec.format.as_deref(), cell, needs[column]) {
            profile::push_value_text(out, &parsed);
        }
    });
    outcome
}

/// A 128-bit hash of a key's normalised values (two SipHash runs with distinct
/// prefixes), so memory per distinct key stays fixed whatever the key's length.
fn key_hash(set: &[usize], normalised: &[Option<Cow<'_, str>>]) -> Option<u128> {
    let mut low = DefaultHasher::new();
    let mut high = DefaultHasher::new();
    0u8.hash(&mut low);
    1u8.hash(&mut high);
    for &index in set {
        let value = normalised[index].as_deref()?;
        value.hash(&mut low);
        value.hash(&mut high);
    }
    Some((u128::from(high.finish()) << 64) | u128::from(low.finish()))
}

/// Key hashes are already uniformly spread 128-bit values: hashing them again
/// would only cost time, so the map uses their low bits as they are.
#[derive(Debug, Clone, Copy, Default)]
struct BuildPrehashed;

#[derive(Debug, Default)]
struct Prehashed(u64);

impl std::hash::BuildHasher for BuildPrehashed {
    type Hasher = Prehashed;
    fn build_hasher(&self) -> Prehashed {
        Prehashed(0)
    }
}

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

/// Folds batch outcomes, in file order, into the report.
struct Merger<'a> {
    contract: &'a Contract,
    sets: &'a [Vec<usize>],
    max_issues: usize,
    header_issues: Vec<Issue>,
    issues: Vec<Issue>,
    truncated: bool,
    summary: BTreeMap<IssueCode, u64>,
    rows: u64,
    invalid_rows: u64,
    warnings: u64,
    first_seen: Vec<HashMap<u128, u64, BuildPrehashed>>,
    read_error: Option<ReadError>,
    invalid_row_numbers: Vec<u64>,
}

impl<'a> Merger<'a> {
    fn new(contract: &'a Contract, map: &HeaderMap, sets: &'a [Vec<usize>], max_issues: usize) -> Self {
        let mut merger = Merger {
            contract,
            sets,
            max_issues,
            header_issues: Vec::new(),
            issues: Vec::new(),
            truncated: false,
            summary: BTreeMap::new(),
            rows: 0,
            invalid_rows: 0,
            warnings: 0,
            first_seen: vec![HashMap::default(); sets.len()],
            read_error: None,
            invalid_row_numbers: Vec::new(),
        };
        for issue in &map.issues {
            merger.count(issue);
        }
        merger.header_issues = map.issues.clone();
        merger
    }

    fn count(&mut self, issue: &Issue) {
        *self.summary.entry(issue.code).or_default() += 1;
        if issue.severity == Severity::Warning {
            self.warnings += 1;
        }
    }

    fn keep(&mut self, issue: Issue) {
        if self.issues.len() < self.max_issues {
            self.issues.push(issue);
        } else {
            self.truncated = true;
        }
    }

    fn remember_invalid(&mut self, row: u64) {
        if self.invalid_row_numbers.len() as u64 <= self.contract.max_invalid_rows {
            self.invalid_row_numbers.push(row);
        }
    }

    fn absorb(&mut self, outcome: BatchOutcome) {
        self.rows += outcome.rows;
        for &row in &outcome.invalid_row_numbers {
            self.remember_invalid(row);
        }
        self.invalid_rows += outcome.invalid_rows;
        self.warnings += outcome.warnings;
        let mut batch_issues = outcome.issues;
        for (issue, _) in &batch_issues {
            *self.summary.entry(issue.code).or_default() += 1;
        }
        let per_row = self.sets.len().max(1);
        for (entry, hashes) in outcome.keys.iter().zip(outcome.key_hashes.chunks(per_row)) {
            let mut newly_invalid = false;
            for (set_index, hash) in hashes.iter().enumerate() {
                let Some(hash) = hash else { continue };
                let first = *self.first_seen[set_index].entry(*hash).or_insert(entry.row);
                if first == entry.row {
                    continue;
                }
                let set = &self.sets[set_index];
                let names: Vec<&str> = set.iter().map(|&i| self.contract.columns[i].name.as_str()).collect();
                let issue = Issue {
                    row: Some(entry.row),
                    column: Some(names.join(", ")),
                    header: None,
                    code: IssueCode::DuplicateKey,
                    severity: Severity::Error,
                    value: None,
                    message: format!("the same {} as row {first}; each must appear once", names.join(" + ")),
                    params: params([("first_row", first.to_string()), ("columns", names.join(" + "))]),
                };
                *self.summary.entry(IssueCode::DuplicateKey).or_default() += 1;
                batch_issues.push((issue, set[0]));
                newly_invalid = true;
            }
            if newly_invalid && !entry.row_invalid {
                self.invalid_rows += 1;
                self.remember_invalid(entry.row);
            }
        }
        batch_issues.sort_by_key(|(issue, column)| (issue.row, *column));
        for (issue, _) in batch_issues {
            self.keep(issue);
        }
    }

    fn file_issue(&mut self, code: IssueCode, severity: Severity, message: String, params: Params) {
        let issue = Issue { row: None, column: None, header: None, code, severity, value: None, message, params };
        self.count(&issue);
        self.header_issues.push(issue);
    }

    fn finish(mut self, file: &str, sheet: Option<String>, options: &ValidateOptions) -> Validation {
        let contract = self.contract;
        let mut status = Status::Valid;
        if let Some(error) = self.read_error.take() {
            status = Status::Unusable;
            let issue = Issue {
                row: error.row(),
                column: None,
                header: None,
                code: error.code(),
                severity: Severity::Error,
                value: None,
                message: error.to_string(),
                params: params([("detail", error.to_string())]),
            };
            self.count(&issue);
            self.header_issues.push(issue);
        } else if self.rows == 0 {
            self.file_issue(
                IssueCode::EmptyFile,
                Severity::Error,
                "the file has a header row but no data rows".to_owned(),
                Params::new(),
            );
        } else if let Some(min) = contract.min_rows.filter(|m| self.rows < *m) {
            self.file_issue(
                IssueCode::MinRows,
                Severity::Error,
                format!("the file has {} data rows; at least {min} expected", self.rows),
                params([("rows", self.rows.to_string()), ("min", min.to_string())]),
            );
        }
        if let (Some(previous), Some(limit)) = (options.previous_rows, contract.max_row_change) {
            if previous > 0 && self.rows > 0 {
                let change = (self.rows as f64 - previous as f64) / previous as f64;
                if change.abs() > limit {
                    self.file_issue(
                        IssueCode::RowChange,
                        Severity::Warning,
                        format!(
                            "{} rows against {previous} in the active version ({:+.0}%, more than the expected {:.0}%)",
                            self.rows,
                            change * 100.0,
                            limit * 100.0
                        ),
                        params([
                            ("rows", self.rows.to_string()),
                            ("previous", previous.to_string()),
                            ("change", format!("{:+.0}", change * 100.0)),
                            ("limit", format!("{:.0}", limit * 100.0)),
                        ]),
                    );
                }
            }
        }
        let file_error = self.header_issues.iter().any(|i| i.severity == Severity::Error);
        if status != Status::Unusable && (file_error || self.invalid_rows > contract.max_invalid_rows) {
            status = Status::Invalid;
        }
        let mut issues = std::mem::take(&mut self.header_issues);
        issues.append(&mut self.issues);
        self.invalid_row_numbers.sort_unstable();
        let report = Report {
            dataset: Some(contract.dataset.clone()),
            contract_sha256: Some(contract.sha256.clone()),
            file: file.to_owned(),
            sheet,
            status,
            rows: self.rows,
            valid_rows: self.rows - self.invalid_rows,
            invalid_rows: self.invalid_rows,
            warnings: self.warnings,
            summary: self.summary,
            issues,
            issues_truncated: self.truncated,
        };
        Validation { invalid_row_numbers: self.invalid_row_numbers, ..Validation::from(report) }
    }
}

/// Reads a file and counts its data rows without validating: the read-only
/// figure of the benchmark.
pub fn count_rows(path: &Path, contract: &Contract) -> Result<u64, ReadError> {
    let score = |row: &[CellRef<'_>]| header_score(contract, row);
    let table = open_table(path, &contract.source, &score)?;
    let mut rows = 0u64;
    for batch in table.batches {
        rows += batch?.len() as u64;
    }
    Ok(rows)
}

/// Validates a file: the one entry point (CLI, app, submit, benchmarks and
/// tests). `file` is a contract (`&Contract`) or what recognition found
/// (`Recognised`); a table recognition opened for the same dataset is read on
/// from, so the file is opened once and its rows are read once. The
/// `Validation` carries all that was learned (report, headers, header row and
/// mapping, the rows when `keep_rows` asked): no caller reads the file again
/// to find them.
pub fn validate_file<'c>(path: &Path, file: impl Into<Recognised<'c>>, options: &ValidateOptions) -> Validation {
    let Recognised { contract, opened } = file.into();
    let targets = options.edits.as_deref().map(|edits| edits.header_targets(contract)).unwrap_or_default();
    let table = match opened {
        // Found with the same mappings, the header row is the one this
        // validation's scoring would pick (`recognise_opened`).
        Some(opened) if opened.dataset == contract.dataset && opened.targets == targets => Ok(opened.table),
        _ => {
            let score = |row: &[CellRef<'_>]| header_score_with(contract, row, &targets);
            open_table(path, &contract.source, &score)
        }
    };
    match table {
        Ok(table) => validate_opened(&display_name(path), table, contract, options),
        Err(error) => unopened(path, Some(contract), &error),
    }
}

impl Validation {
    /// The validation of a file whose dataset could not be recognised because
    /// the file cannot be read at all: an `unusable` report of no dataset.
    pub fn unreadable(path: &Path, error: &ReadError) -> Validation {
        unopened(path, None, error)
    }
}

/// The validation of a file that could not be opened.
fn unopened(path: &Path, contract: Option<&Contract>, error: &ReadError) -> Validation {
    let dataset = contract.map(|c| c.dataset.as_str());
    let mut report = Report::unusable(&display_name(path), dataset, error.code(), error.to_string());
    report.contract_sha256 = contract.map(|c| c.sha256.clone());
    Validation::from(report)
}

/// A validation that learned nothing but its report (no headers, no rows).
impl From<Report> for Validation {
    fn from(report: Report) -> Self {
        Validation {
            report,
            headers: Vec::new(),
            header_row: 0,
            header_map: None,
            invalid_row_numbers: Vec::new(),
            rows: None,
            cancelled: false,
            profile: None,
            review: ReviewLog::default(),
        }
    }
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
  - name: visits
    type: integer
    severity: warning
    max: 10
  - name: email
    type: email
    severity: warning
  - name: street_code
    type: code
keys: [citizen_id]
strategy: rebuild
";

    fn contract() -> Contract {
        let compiled = compile_contract(Path::new("visits.yaml"), CONTRACT).map_err(|p| format!("{p:?}"));
        let Ok(compiled) = compiled else { panic!("{compiled:?}") };
        compiled
    }

    /// Checks one row given as text cells, in contract column order.
    fn check_row(contract: &Contract, cells: &[&str]) -> BatchOutcome {
        let headers: Vec<String> = contract.columns.iter().map(|c| c.name.clone()).collect();
        let map = header::map_headers(contract, &headers);
        let row = cells.iter().map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text((*c).to_owned()) }).collect();
        let batch = Batch { row_numbers: vec![2], data: BatchData::Cells(vec![row]) };
        check_batch(contract, &map, &unique_sets(contract), &profile::Profiler::new(contract, true), &batch)
    }

    fn found(outcome: &BatchOutcome) -> Vec<(String, IssueCode, Severity)> {
        outcome
            .issues
            .iter()
            .map(|(issue, _)| (issue.column.clone().unwrap_or_default(), issue.code, issue.severity))
            .collect()
    }

    #[test]
    fn a_bad_value_on_a_text_stored_warning_column_is_a_warning() {
        let contract = contract();
        let outcome = check_row(&contract, &["123456782", "12345", "", "", "not an address", "12"]);
        assert_eq!(
            found(&outcome),
            vec![
                ("phone_1".to_owned(), IssueCode::Phone, Severity::Warning),
                ("email".to_owned(), IssueCode::Email, Severity::Warning)
            ]
        );
        assert_eq!((outcome.invalid_rows, outcome.warnings), (0, 2));
    }

    #[test]
    fn a_value_that_is_not_of_a_typed_column_is_an_error_whatever_its_severity() {
        let contract = contract();
        let outcome = check_row(&contract, &["123456782", "", "not a date", "many", "", ""]);
        assert_eq!(
            found(&outcome),
            vec![
                ("visited".to_owned(), IssueCode::Type, Severity::Error),
                ("visits".to_owned(), IssueCode::Type, Severity::Error)
            ]
        );
        assert_eq!((outcome.invalid_rows, outcome.warnings), (1, 0));
        assert_eq!(outcome.invalid_row_numbers, vec![2]);
    }

    #[test]
    fn a_rule_broken_by_a_typed_value_keeps_the_column_severity() {
        let contract = contract();
        let outcome = check_row(&contract, &["123456782", "", "", "11", "", ""]);
        assert_eq!(found(&outcome), vec![("visits".to_owned(), IssueCode::Max, Severity::Warning)]);
        assert_eq!((outcome.invalid_rows, outcome.warnings), (0, 1));
    }

    #[test]
    fn issue_severity_follows_the_sql_type() {
        let contract = contract();
        let column = |name: &str| &contract.columns[contract.column_index(name).unwrap_or_default()];
        assert_eq!(issue_severity(column("visited"), IssueCode::Type), Severity::Error);
        assert_eq!(issue_severity(column("visited"), IssueCode::Min), Severity::Warning);
        assert_eq!(issue_severity(column("phone_1"), IssueCode::Phone), Severity::Warning);
        assert_eq!(issue_severity(column("street_code"), IssueCode::Type), Severity::Error);
        assert_eq!(issue_severity(column("citizen_id"), IssueCode::Required), Severity::Error);
    }

    #[test]
    fn recognition_hands_its_table_to_validation() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts");
        let catalog = Catalog::load(&dir).unwrap_or_else(|e| panic!("{e}"));
        let contract = catalog.get("hamal").unwrap_or_else(|e| panic!("{e}"));
        let rows = [
            ["ת.ז.", "שם מלא", "סוג צורך", "קוד רחוב", "טלפון"],
            ["000000018", "נועה לוי", "מזון", "12", "050-2345678"],
            ["123456782", "דן כהן", "תרופות", "x", "12345"],
            ["000000018", "", "מזון", "7", ""],
        ];
        let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let csv = temp.path().join("export.csv");
        let text: Vec<String> = rows.iter().map(|row| row.join(",")).collect();
        std::fs::write(&csv, format!("title line\n{}\n", text.join("\n"))).unwrap_or_else(|e| panic!("{e}"));
        let xlsx = temp.path().join("export.xlsx");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, *cell).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        workbook.save(&xlsx).unwrap_or_else(|e| panic!("{e}"));
        for path in [csv, xlsx] {
            let Ok(recognised) = recognise_opened(&catalog, &path) else { panic!("{path:?}: not recognised") };
            assert_eq!(recognised.contract.dataset, "hamal");
            assert!(recognised.opened.is_some(), "{path:?}: recognition kept no table");
            let handed = validate_file(&path, recognised, &ValidateOptions::default());
            let fresh = validate_file(&path, contract, &ValidateOptions::default());
            assert_eq!(handed.report, fresh.report, "{path:?}");
            assert_eq!(handed.report.rows, 3, "{path:?}");
            assert_eq!((&handed.headers, handed.header_row), (&fresh.headers, fresh.header_row), "{path:?}");
            assert_eq!(handed.header_row, 2, "{path:?}");
            assert_eq!(handed.invalid_row_numbers, fresh.invalid_row_numbers, "{path:?}");
            assert!(handed.header_map.is_some());
        }
    }

    /// The welfare header row with seven of its thirteen headers renamed (six
    /// named: fewer than half), and the mappings a clerk remembered for them.
    const RENAMED: [(&str, &str); 7] = [
        ("שם ראשון", "first_name"),
        ("שם אחרון", "last_name"),
        ("ת. לידה", "birth_date"),
        ("מגדר", "gender"),
        ("מצב", "welfare_status"),
        ("רחוב", "street_code"),
        ("מס' בית", "building_number"),
    ];
    const RENAMED_HEADER: &str =
        "ת.ז.,שם ראשון,שם אחרון,ת. לידה,מגדר,מצב,רחוב,מס' בית,דירה,טלפון 1,טלפון 2,טלפון 3,דואר אלקטרוני";
    const WELFARE_ROW: &str = "000000018,דנה,כהן,01/02/1980,נ,פעיל,120,4,2,052-2000001,,,d@example.org";

    fn shipped() -> Catalog {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts");
        Catalog::load(&dir).unwrap_or_else(|e| panic!("{e}"))
    }

    fn remembered(column: impl Fn(&str) -> Option<String>) -> ReviewEdits {
        let mut edits = ReviewEdits::default();
        for (header, name) in RENAMED {
            edits.set_mapping(edits::HeaderMapping { header: header.to_owned(), column: column(name), remember: true });
        }
        edits
    }

    fn welfare_only(edits: &ReviewEdits) -> impl Fn(&str) -> ReviewEdits + '_ {
        move |dataset| if dataset == "welfare_patients" { edits.clone() } else { ReviewEdits::default() }
    }

    #[test]
    fn remembered_mappings_count_when_headers_are_scored() {
        let catalog = shipped();
        let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = temp.path().join("export_2026-11.csv");
        std::fs::write(&path, format!("{RENAMED_HEADER}\n{WELFARE_ROW}\n")).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(recognise_opened(&catalog, &path), Err(Recognition::Unknown(_))), "six of thirteen named");

        let edits = remembered(|name| Some(name.to_owned()));
        let Ok(recognised) = recognise_opened_with(&catalog, &path, welfare_only(&edits)) else {
            panic!("the remembered mappings name the other seven")
        };
        assert_eq!(recognised.contract.dataset, "welfare_patients");
        assert!(recognised.opened.is_some(), "the table is handed on");
        let options = ValidateOptions { edits: Some(Arc::new(edits.clone())), ..ValidateOptions::default() };
        let contract = recognised.contract;
        let handed = validate_file(&path, recognised, &options);
        let fresh = validate_file(&path, contract, &options);
        assert_eq!(handed.report, fresh.report);
        assert_eq!(handed.report.status, Status::Valid, "{:?}", handed.report.issues);
        assert_eq!(handed.review.mappings.len(), 7);

        // Remembered for another dataset only, they do not count for welfare.
        let elsewhere = |dataset: &str| if dataset == "hamal" { edits.clone() } else { ReviewEdits::default() };
        assert!(matches!(recognise_opened_with(&catalog, &path, elsewhere), Err(Recognition::Unknown(_))));
        // The same names given through recognise_named_with, unless --dataset says.
        let named = recognise_named_with(&catalog, &path, None, welfare_only(&edits));
        assert_eq!(named.ok().map(|r| r.contract.dataset.as_str()), Some("welfare_patients"));
        let chosen = recognise_named_with(&catalog, &path, Some("hamal"), welfare_only(&edits));
        assert_eq!(chosen.ok().map(|r| r.contract.dataset.as_str()), Some("hamal"));
    }

    #[test]
    fn ignored_headers_count_for_no_dataset() {
        let catalog = shipped();
        let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = temp.path().join("export.csv");
        std::fs::write(&path, format!("{RENAMED_HEADER}\n{WELFARE_ROW}\n")).unwrap_or_else(|e| panic!("{e}"));
        let ignored = remembered(|_| None);
        let outcome = recognise_opened_with(&catalog, &path, welfare_only(&ignored));
        assert!(matches!(outcome, Err(Recognition::Unknown(_))), "seven ignored headers are not seven columns");
        // Ignoring a header the contract names takes it out of the count.
        let mut edits = remembered(|name| Some(name.to_owned()));
        edits.set_mapping(edits::HeaderMapping { header: "ת.ז.".to_owned(), column: None, remember: true });
        let score = |edits: &ReviewEdits| {
            let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
            let cells: Vec<CellRef<'_>> = RENAMED_HEADER.split(',').map(CellRef::Text).collect();
            header_score_with(contract, &cells, &edits.header_targets(contract))
        };
        assert_eq!(score(&edits), 12);
        assert_eq!(score(&ignored), 6);
    }

    #[test]
    fn a_table_found_with_other_mappings_is_not_read_on_from() {
        // Row 1 names seven welfare columns as the contract writes them; row 2
        // is the renamed header. With the remembered mappings row 2 is the
        // header; without them, row 1 is.
        let catalog = shipped();
        let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
        let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = temp.path().join("export.csv");
        let legend = "ת.ז.,שם פרטי,שם משפחה,תאריך לידה,מין,סטטוס,קוד רחוב";
        std::fs::write(&path, format!("{legend}\n{RENAMED_HEADER}\n{WELFARE_ROW}\n")).unwrap_or_else(|e| panic!("{e}"));
        let edits = remembered(|name| Some(name.to_owned()));
        let Ok(recognised) = recognise_opened_with(&catalog, &path, welfare_only(&edits)) else { panic!("recognised") };
        assert!(recognised.opened.is_some());
        let plain = validate_file(&path, recognised, &ValidateOptions::default());
        assert_eq!(plain.header_row, 1, "validated without the mappings, the file is opened again");
        assert_eq!(plain.report, validate_file(&path, contract, &ValidateOptions::default()).report);
        let Ok(again) = recognise_opened_with(&catalog, &path, welfare_only(&edits)) else { panic!("recognised") };
        let options = ValidateOptions { edits: Some(Arc::new(edits)), ..ValidateOptions::default() };
        let mapped = validate_file(&path, again, &options);
        assert_eq!(mapped.header_row, 2);
        assert_eq!(mapped.report.status, Status::Valid, "{:?}", mapped.report.issues);
    }

    #[test]
    fn a_merge_that_breaks_stops_reading_the_file() {
        let pulled = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = pulled.clone();
        let batches = (0..10_000u64).map(move |n| {
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(Batch { row_numbers: vec![n + 2], data: BatchData::Cells(vec![vec![Cell::Number(n as f64)]]) })
        });
        let mut merged = Vec::new();
        let error = process_in_order(
            Box::new(batches),
            2,
            |batch| batch.row_numbers[0],
            |row| {
                merged.push(row);
                if merged.len() == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        assert!(error.is_none());
        assert_eq!(merged, vec![2, 3, 4], "in file order, and nothing after the break");
        let pulled = pulled.load(Ordering::Relaxed);
        assert!(pulled < 100, "reading stopped after the break, but {pulled} batches were read");
    }
}
