//! The files a clerk has opened in the desktop app: each is recognised,
//! validated off the caller's thread with progress, and kept (report plus a
//! disk-backed row store) so the grid can page through it, filter it and jump
//! from issue to issue without the webview ever holding the file.

use crate::contract::period::{check_period, guess_period};
use crate::contract::{normalise_header, Catalog, Contract};
use crate::error::{CoreError, ErrorPayload};
use crate::grid::GridRow;
use crate::report::{Issue, IssueCode, Report, Severity, Status};
use crate::validate::edits::{AppliedCorrection, ColumnReplacement, HeaderMapping, ReviewEdits};
use crate::validate::{
    display_name, recognise_opened_with, validate_file, Opened, Recognised, Recognition, ValidateOptions, Validation,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Where a file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Validating,
    Valid,
    Invalid,
    Unusable,
    NeedsDataset,
}

/// Why "Submit for approval" cannot be used: the core decides, the UI says
/// it (`submit.blocked.<code>`, one sentence per variant, checked by `tsc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SubmitBlock {
    /// No file is selected (the UI's own case: there is nothing to ask about).
    NoFile,
    Validating,
    NeedsDataset,
    /// The file could not be read.
    Unusable,
    /// The file breaks its contract beyond the contract's tolerance.
    Invalid,
    /// Valid, but no period is set yet.
    PeriodRequired,
    /// Valid and ready, but the app is not connected to the database (the UI
    /// adds this one from `ConnectionStatus`).
    Offline,
}

impl SubmitBlock {
    /// Why a file in `status` with `period` cannot be submitted, if so.
    pub fn for_file(status: FileStatus, period: Option<&str>) -> Option<SubmitBlock> {
        match status {
            FileStatus::Valid if period.is_none_or(|p| p.trim().is_empty()) => Some(SubmitBlock::PeriodRequired),
            FileStatus::Valid => None,
            FileStatus::Validating => Some(SubmitBlock::Validating),
            FileStatus::Invalid => Some(SubmitBlock::Invalid),
            FileStatus::Unusable => Some(SubmitBlock::Unusable),
            FileStatus::NeedsDataset => Some(SubmitBlock::NeedsDataset),
        }
    }
}

/// A file as the file list shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OpenedFile {
    pub id: u64,
    pub name: String,
    pub dataset: Option<String>,
    pub period: Option<String>,
    pub status: FileStatus,
    /// Why the file cannot be submitted now, if so (see `SubmitBlock::for_file`).
    pub submit_block: Option<SubmitBlock>,
}

/// How many issues of one code a file has, and whether they are errors or
/// only warnings (an error when any of them is).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CodeCount {
    pub code: IssueCode,
    pub count: u64,
    pub severity: Severity,
}

/// A file header and the contract column it feeds.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ColumnMapping {
    pub header: String,
    pub column: Option<String>,
    pub index: usize,
    /// Mapped by the clerk or a remembered mapping, not by the contract's
    /// headers (`column` null: the header is ignored).
    pub mapped: bool,
    /// The mapping is remembered for the dataset.
    pub remembered: bool,
}

/// The summary cards, chart and column mapping of one file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FileSummary {
    pub file_id: u64,
    pub name: String,
    pub sheet: Option<String>,
    pub dataset: Option<String>,
    pub period: Option<String>,
    pub status: FileStatus,
    pub rows: u64,
    pub valid_rows: u64,
    pub invalid_rows: u64,
    pub warnings: u64,
    /// Issues that are errors (all issues but the warnings).
    pub errors: u64,
    /// Issue counts by code, largest first, each with its severity.
    pub codes: Vec<CodeCount>,
    pub columns: Vec<ColumnMapping>,
    pub file_issues: Vec<Issue>,
    /// Why the file cannot be submitted, if so.
    pub submit_block: Option<SubmitBlock>,
    /// The contract's columns, for mapping a header by hand.
    pub contract_columns: Vec<String>,
    /// The first corrections validation applied (row, column, old, new), by row.
    pub corrections: Vec<AppliedCorrection>,
    /// Corrections applied in all (a whole-column replacement counts each cell).
    pub corrections_total: u64,
    /// The clerk's whole-column replacements.
    pub replacements: Vec<ColumnReplacement>,
}

/// Corrections listed in a file's summary.
pub const SUMMARY_CORRECTIONS: usize = 500;

/// What the validation of an opened file reports as it goes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all_fields = "camelCase")]
pub enum FileEvent {
    #[serde(rename = "progress")]
    Progress { file_id: u64, rows_done: u64 },
    #[serde(rename = "done")]
    Done { file_id: u64, summary: Box<FileSummary> },
    /// The file could not be validated; `file` says where it stands now
    /// (`needs_dataset` or `unusable`).
    #[serde(rename = "failed")]
    Failed { file_id: u64, file: OpenedFile, error: ErrorPayload },
    /// The file's headers and first rows, as soon as they are read (no issues yet).
    #[serde(rename = "preview")]
    Preview { file_id: u64, headers: Vec<String>, rows: Vec<GridRowView> },
}

/// Which rows the grid shows.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RowFilter {
    #[serde(default)]
    pub only_issues: bool,
    #[serde(default)]
    pub code: Option<IssueCode>,
    #[serde(default)]
    pub column: Option<String>,
}

impl RowFilter {
    fn is_active(&self) -> bool {
        self.only_issues || self.code.is_some() || self.column.is_some()
    }

    fn accepts(&self, issue: &Issue) -> bool {
        self.code.is_none_or(|c| issue.code == c)
            && self.column.as_deref().is_none_or(|c| issue.column.as_deref() == Some(c))
    }
}

/// An issue placed on a cell of the grid (`index` = file column).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CellIssue {
    pub index: Option<usize>,
    pub code: IssueCode,
    pub severity: Severity,
    /// Contract column, value and parameters: what the UI translates the message from.
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<BTreeMap<String, String>>"))]
    pub params: BTreeMap<String, String>,
}

/// A grid row with its issues.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GridRowView {
    pub row: u64,
    pub cells: Vec<String>,
    pub issues: Vec<CellIssue>,
    /// File columns of this row whose value the clerk corrected.
    pub corrected: Vec<usize>,
}

/// The rows the grid asked for.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GridPage {
    pub total: usize,
    pub start: usize,
    pub rows: Vec<GridRowView>,
}

/// A page of the side panel's issue list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IssuePage {
    pub total: usize,
    pub issues: Vec<Issue>,
}

/// Where the next issue is in the current view.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NextIssue {
    pub position: usize,
    pub row: u64,
}

/// What submit and export need of an opened file.
#[derive(Debug, Clone)]
pub struct FileSource {
    pub path: PathBuf,
    pub dataset: Option<String>,
    pub period: Option<String>,
    /// The validation, once done (the export writes from its rows).
    pub validation: Option<Arc<Validation>>,
}

/// One opened file.
struct Entry {
    path: PathBuf,
    name: String,
    dataset: Option<String>,
    period: Option<String>,
    status: FileStatus,
    cancel: Arc<AtomicBool>,
    /// The table recognition opened, until validation reads on from it.
    opened: Option<Opened>,
    checked: Option<Checked>,
    /// The clerk's mappings and corrections of this file.
    edits: ReviewEdits,
    /// Counts the clerk's edits: a validation started before the last one
    /// drops its result.
    generation: u64,
}

/// A finished validation and its indexes.
struct Checked {
    validation: Arc<Validation>,
    /// Contract column name -> file column index.
    sources: HashMap<String, usize>,
    /// Row number -> indexes into `validation.report.issues`.
    issues_by_row: BTreeMap<u64, Vec<usize>>,
    /// Row number -> file columns corrected.
    corrected: HashMap<u64, Vec<usize>>,
    /// The contract's column names.
    contract_columns: Vec<String>,
}

/// The opened files of one app session.
#[derive(Default)]
pub struct OpenedFiles {
    entries: RwLock<BTreeMap<u64, Arc<Mutex<Entry>>>>,
    /// The mappings remembered for each dataset that this desktop knows
    /// (the database's aliases and its own not yet sent).
    remembered: RwLock<HashMap<String, Vec<HeaderMapping>>>,
    next_id: std::sync::atomic::AtomicU64,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn not_open(file_id: u64) -> CoreError {
    CoreError::FileNotOpen { file_id }
}

impl OpenedFiles {
    /// Registers files and starts validating each on its own thread; `on_event`
    /// hears progress, completion or failure. Returns at once.
    pub fn open(
        self: &Arc<Self>,
        catalog: &Arc<Catalog>,
        paths: &[PathBuf],
        on_event: Arc<dyn Fn(FileEvent) + Send + Sync>,
    ) -> Vec<OpenedFile> {
        let mut opened = Vec::with_capacity(paths.len());
        for path in paths {
            let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
            let name = display_name(path);
            // Headers are scored with each dataset's remembered mappings, the
            // ones its validation applies: a renamed export is recognised.
            let mut recognised = recognise_opened_with(catalog, path, |dataset| {
                ReviewEdits::default().with_remembered(&self.remembered_for(dataset))
            });
            let (dataset, status, failure) = match &recognised {
                Ok(found) => (Some(found.contract.dataset.clone()), FileStatus::Validating, None),
                Err(Recognition::Unknown(error)) => (None, FileStatus::NeedsDataset, Some(ErrorPayload::from(error))),
                Err(Recognition::Unreadable(error)) => {
                    let error =
                        CoreError::Unreadable { file: name.clone(), code: error.code(), message: error.to_string() };
                    (None, FileStatus::Unusable, Some(ErrorPayload::from(error)))
                }
            };
            let period = recognised.as_ref().ok().and_then(|found| guess_period(&name, found.contract.period));
            let opened_table = recognised.as_mut().ok().and_then(|found| found.opened.take());
            let entry = Entry {
                path: path.clone(),
                name: name.clone(),
                dataset: dataset.clone(),
                period: period.clone(),
                status,
                cancel: Arc::new(AtomicBool::new(false)),
                opened: opened_table,
                checked: None,
                edits: ReviewEdits::default(),
                generation: 0,
            };
            if let Ok(mut entries) = self.entries.write() {
                entries.insert(id, Arc::new(Mutex::new(entry)));
            }
            let file = OpenedFile {
                id,
                name,
                dataset,
                submit_block: SubmitBlock::for_file(status, period.as_deref()),
                period,
                status,
            };
            opened.push(file.clone());
            match failure {
                Some(error) => on_event(FileEvent::Failed { file_id: id, file, error }),
                None => self.start_validation(catalog, id, on_event.clone()),
            }
        }
        opened
    }

    fn entry(&self, file_id: u64) -> Result<Arc<Mutex<Entry>>, CoreError> {
        self.entries.read().ok().and_then(|e| e.get(&file_id).cloned()).ok_or_else(|| not_open(file_id))
    }

    fn start_validation(
        self: &Arc<Self>,
        catalog: &Arc<Catalog>,
        file_id: u64,
        on_event: Arc<dyn Fn(FileEvent) + Send + Sync>,
    ) {
        let files = Arc::clone(self);
        let catalog = Arc::clone(catalog);
        std::thread::spawn(move || {
            let outcome = files.validate_now(&catalog, file_id, on_event.clone());
            match outcome {
                Ok(Some(summary)) => on_event(FileEvent::Done { file_id, summary: Box::new(summary) }),
                Ok(None) => {}
                Err(error) => {
                    let Ok(file) = files.failed(file_id, &error) else { return };
                    on_event(FileEvent::Failed { file_id, file, error: ErrorPayload::from(&error) })
                }
            }
        });
    }

    /// Marks a file whose validation failed: it needs another dataset when
    /// its dataset is unknown, else it is unusable.
    fn failed(&self, file_id: u64, error: &CoreError) -> Result<OpenedFile, CoreError> {
        let entry = self.entry(file_id)?;
        let mut e = locked(&entry);
        e.status = match error {
            CoreError::UnknownDataset { .. } | CoreError::DatasetNotRecognised { .. } => FileStatus::NeedsDataset,
            _ => FileStatus::Unusable,
        };
        Ok(opened_of(file_id, &e))
    }

    /// Validates a file now, on this thread (the app calls it from a worker).
    fn validate_now(
        &self,
        catalog: &Catalog,
        file_id: u64,
        on_event: Arc<dyn Fn(FileEvent) + Send + Sync>,
    ) -> Result<Option<FileSummary>, CoreError> {
        let entry = self.entry(file_id)?;
        let (path, dataset, cancel, opened, edits, generation) = {
            let mut e = locked(&entry);
            e.status = FileStatus::Validating;
            e.checked = None;
            (e.path.clone(), e.dataset.clone(), e.cancel.clone(), e.opened.take(), e.edits.clone(), e.generation)
        };
        let Some(dataset) = dataset else { return Ok(None) };
        let contract = catalog.get(&dataset)?;
        let edits = edits.with_remembered(&self.remembered_for(&dataset));
        let progress_event = on_event.clone();
        let preview_event = on_event.clone();
        let options = ValidateOptions {
            keep_rows: true,
            progress: Some(Arc::new(move |rows_done| progress_event(FileEvent::Progress { file_id, rows_done }))),
            preview: Some(Arc::new(move |headers: &[String], rows: Vec<(u64, Vec<String>)>| {
                let rows = rows
                    .into_iter()
                    .map(|(row, cells)| GridRowView { row, cells, issues: Vec::new(), corrected: Vec::new() })
                    .collect();
                preview_event(FileEvent::Preview { file_id, headers: headers.to_vec(), rows })
            })),
            cancel: Some(cancel.clone()),
            edits: (!edits.is_empty()).then(|| Arc::new(edits)),
            ..ValidateOptions::default()
        };
        let validation = validate_file(&path, Recognised { contract, opened }, &options);
        if locked(&entry).generation != generation {
            // The clerk changed the review meanwhile: a newer validation runs.
            return Ok(None);
        }
        if validation.cancelled {
            locked(&entry).status = FileStatus::Unusable;
            return Err(CoreError::Cancelled { file: display_name(&path) });
        }
        let checked = index(contract, validation);
        let mut e = locked(&entry);
        if e.generation != generation {
            return Ok(None);
        }
        e.status = match checked.validation.report.status {
            Status::Valid => FileStatus::Valid,
            Status::Invalid => FileStatus::Invalid,
            Status::Unusable => FileStatus::Unusable,
        };
        e.checked = Some(checked);
        Ok(Some(summary_of(file_id, &e)))
    }

    /// Re-validates a file against another dataset.
    pub fn set_dataset(
        self: &Arc<Self>,
        catalog: &Arc<Catalog>,
        file_id: u64,
        dataset: &str,
        on_event: Arc<dyn Fn(FileEvent) + Send + Sync>,
    ) -> Result<OpenedFile, CoreError> {
        let contract = catalog.get(dataset)?;
        let entry = self.entry(file_id)?;
        let opened = {
            let mut e = locked(&entry);
            e.dataset = Some(contract.dataset.clone());
            e.period = guess_period(&e.name, contract.period).or(e.period.take());
            e.status = FileStatus::Validating;
            e.opened = None;
            e.checked = None;
            e.cancel = Arc::new(AtomicBool::new(false));
            opened_of(file_id, &e)
        };
        self.start_validation(catalog, file_id, on_event);
        Ok(opened)
    }

    /// Changes the clerk's review of a file (a mapping, a correction) and
    /// validates the file again with it; `on_event` hears the new summary.
    /// An edit naming a column the file's contract lacks is refused and
    /// changes nothing.
    pub fn edit(
        self: &Arc<Self>,
        catalog: &Arc<Catalog>,
        file_id: u64,
        change: impl FnOnce(&mut ReviewEdits),
        on_event: Arc<dyn Fn(FileEvent) + Send + Sync>,
    ) -> Result<OpenedFile, CoreError> {
        let entry = self.entry(file_id)?;
        let opened = {
            let mut e = locked(&entry);
            let Some(dataset) = e.dataset.clone() else {
                return Err(CoreError::InvalidEdit { message: format!("{}: choose its dataset first", e.name) });
            };
            let mut edits = e.edits.clone();
            change(&mut edits);
            edits.check(catalog.get(&dataset)?)?;
            e.edits = edits;
            e.generation += 1;
            e.cancel.store(true, Ordering::SeqCst);
            e.cancel = Arc::new(AtomicBool::new(false));
            e.status = FileStatus::Validating;
            e.opened = None;
            e.checked = None;
            opened_of(file_id, &e)
        };
        self.start_validation(catalog, file_id, on_event);
        Ok(opened)
    }

    /// The clerk's review of a file (without the remembered mappings).
    pub fn edits(&self, file_id: u64) -> Result<ReviewEdits, CoreError> {
        let entry = self.entry(file_id)?;
        let edits = locked(&entry).edits.clone();
        Ok(edits)
    }

    /// Sets the mappings remembered for `dataset`; the next validation of
    /// any file of it uses them.
    pub fn set_remembered(&self, dataset: &str, mappings: Vec<HeaderMapping>) {
        if let Ok(mut remembered) = self.remembered.write() {
            remembered.insert(dataset.to_owned(), mappings);
        }
    }

    /// The mappings remembered for `dataset`.
    pub fn remembered_for(&self, dataset: &str) -> Vec<HeaderMapping> {
        self.remembered.read().ok().and_then(|r| r.get(dataset).cloned()).unwrap_or_default()
    }

    /// Sets the period a file is for, checked against its dataset's cadence.
    pub fn set_period(&self, catalog: &Catalog, file_id: u64, period: &str) -> Result<OpenedFile, CoreError> {
        let entry = self.entry(file_id)?;
        let mut e = locked(&entry);
        if let Some(dataset) = &e.dataset {
            check_period(catalog.get(dataset)?, period)?;
        }
        e.period = Some(period.to_owned());
        Ok(opened_of(file_id, &e))
    }

    /// Stops a running validation.
    pub fn cancel(&self, file_id: u64) -> Result<(), CoreError> {
        let entry = self.entry(file_id)?;
        locked(&entry).cancel.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Forgets a file (its row store is deleted).
    pub fn close(&self, file_id: u64) -> Result<(), CoreError> {
        let removed = self.entries.write().ok().and_then(|mut e| e.remove(&file_id));
        match removed {
            Some(entry) => {
                locked(&entry).cancel.store(true, Ordering::SeqCst);
                Ok(())
            }
            None => Err(not_open(file_id)),
        }
    }

    /// The summary of a file.
    pub fn summary(&self, file_id: u64) -> Result<FileSummary, CoreError> {
        let entry = self.entry(file_id)?;
        let summary = summary_of(file_id, &locked(&entry));
        Ok(summary)
    }

    /// The path, dataset, period and report of a file, for submit and export.
    pub fn source(&self, file_id: u64) -> Result<FileSource, CoreError> {
        let entry = self.entry(file_id)?;
        let e = locked(&entry);
        Ok(FileSource {
            path: e.path.clone(),
            dataset: e.dataset.clone(),
            period: e.period.clone(),
            validation: e.checked.as_ref().map(|c| c.validation.clone()),
        })
    }

    /// Rows `start..start+count` of the current view (all rows, or the rows
    /// with issues matching `filter`).
    pub fn rows(&self, file_id: u64, start: usize, count: usize, filter: &RowFilter) -> Result<GridPage, CoreError> {
        let entry = self.entry(file_id)?;
        let e = locked(&entry);
        let Some(checked) = &e.checked else {
            return Ok(GridPage { total: 0, start, rows: Vec::new() });
        };
        let Some(store) = &checked.validation.rows else {
            return Ok(GridPage { total: 0, start, rows: Vec::new() });
        };
        let io = |source| CoreError::Io { path: e.path.clone(), source };
        let count = count.min(2_000);
        let (total, rows): (usize, Vec<GridRow>) = if filter.is_active() {
            let matching = matching_rows(checked, filter);
            let mut rows = Vec::new();
            for &row in matching.iter().skip(start).take(count) {
                if let Some(position) = store.position_of(row).map_err(io)? {
                    rows.extend(store.page(position, 1).map_err(io)?);
                }
            }
            (matching.len(), rows)
        } else {
            (store.len(), store.page(start, count).map_err(io)?)
        };
        let rows = rows
            .into_iter()
            .map(|row| {
                let issues = checked
                    .issues_by_row
                    .get(&row.row)
                    .map(|indexes| {
                        indexes
                            .iter()
                            .map(|&i| {
                                let issue = &checked.validation.report.issues[i];
                                CellIssue {
                                    index: issue.column.as_deref().and_then(|c| column_index(checked, c)),
                                    code: issue.code,
                                    severity: issue.severity,
                                    column: issue.column.clone(),
                                    value: issue.value.clone(),
                                    message: issue.message.clone(),
                                    params: issue.params.clone(),
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let corrected = checked.corrected.get(&row.row).cloned().unwrap_or_default();
                GridRowView { row: row.row, cells: row.cells, issues, corrected }
            })
            .collect();
        Ok(GridPage { total, start, rows })
    }

    /// The issues of a file for the side panel (file-level ones first).
    pub fn issues(&self, file_id: u64, start: usize, count: usize, filter: &RowFilter) -> Result<IssuePage, CoreError> {
        let entry = self.entry(file_id)?;
        let e = locked(&entry);
        let Some(checked) = &e.checked else { return Ok(IssuePage { total: 0, issues: Vec::new() }) };
        let all: Vec<&Issue> = checked.validation.report.issues.iter().filter(|i| filter.accepts(i)).collect();
        Ok(IssuePage {
            total: all.len(),
            issues: all.into_iter().skip(start).take(count.min(2_000)).cloned().collect(),
        })
    }

    /// The first row with a matching issue after spreadsheet row `after_row`,
    /// wrapping to the first one; its position is in the current view.
    pub fn next_issue(&self, file_id: u64, after_row: u64, filter: &RowFilter) -> Result<Option<NextIssue>, CoreError> {
        let entry = self.entry(file_id)?;
        let e = locked(&entry);
        let Some(checked) = &e.checked else { return Ok(None) };
        let matching = matching_rows(checked, &RowFilter { only_issues: true, ..filter.clone() });
        let Some(&row) = matching.iter().find(|&&r| r > after_row).or_else(|| matching.first()) else {
            return Ok(None);
        };
        let position = if filter.is_active() {
            matching.iter().position(|&r| r == row).unwrap_or(0)
        } else {
            let store = checked.validation.rows.as_ref();
            let found = store
                .map(|s| s.position_of(row))
                .transpose()
                .map_err(|source| CoreError::Io { path: e.path.clone(), source })?;
            found.flatten().unwrap_or(0)
        };
        Ok(Some(NextIssue { position, row }))
    }
}

fn opened_of(file_id: u64, e: &Entry) -> OpenedFile {
    OpenedFile {
        id: file_id,
        name: e.name.clone(),
        dataset: e.dataset.clone(),
        period: e.period.clone(),
        status: e.status,
        submit_block: SubmitBlock::for_file(e.status, e.period.as_deref()),
    }
}

fn column_index(checked: &Checked, column: &str) -> Option<usize> {
    let first = column.split(", ").next().unwrap_or(column);
    checked.sources.get(first).copied()
}

fn matching_rows(checked: &Checked, filter: &RowFilter) -> Vec<u64> {
    checked
        .issues_by_row
        .iter()
        .filter(|(_, indexes)| indexes.iter().any(|&i| filter.accepts(&checked.validation.report.issues[i])))
        .map(|(&row, _)| row)
        .collect()
}

/// Indexes a finished validation for the grid, from what validation learned
/// of the file's headers (the file is not opened again).
fn index(contract: &Contract, validation: Validation) -> Checked {
    let sources = match &validation.header_map {
        Some(map) => {
            contract.columns.iter().zip(&map.sources).filter_map(|(c, s)| s.map(|s| (c.name.clone(), s))).collect()
        }
        None => HashMap::new(),
    };
    let mut issues_by_row: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, issue) in validation.report.issues.iter().enumerate() {
        if let Some(row) = issue.row {
            issues_by_row.entry(row).or_default().push(i);
        }
    }
    let mut corrected: HashMap<u64, Vec<usize>> = HashMap::new();
    for correction in &validation.review.corrections {
        if let Some(&source) = sources.get(&correction.column) {
            corrected.entry(correction.row).or_default().push(source);
        }
    }
    let contract_columns = contract.columns.iter().map(|c| c.name.clone()).collect();
    Checked { validation: Arc::new(validation), sources, issues_by_row, corrected, contract_columns }
}

fn summary_of(file_id: u64, e: &Entry) -> FileSummary {
    let report = e.checked.as_ref().map(|c| &c.validation.report);
    let columns = e
        .checked
        .as_ref()
        .map(|c| {
            c.validation
                .headers
                .iter()
                .enumerate()
                .map(|(index, header)| {
                    let key = normalise_header(header);
                    let mapping = c.validation.review.mappings.iter().find(|m| normalise_header(&m.header) == key);
                    ColumnMapping {
                        header: header.clone(),
                        column: c.sources.iter().find(|(_, &s)| s == index).map(|(name, _)| name.clone()),
                        index,
                        mapped: mapping.is_some(),
                        remembered: mapping.is_some_and(|m| m.remember),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let issues = report.map_or(0, |r| r.summary.values().sum::<u64>());
    let warnings = report.map_or(0, |r| r.warnings);
    FileSummary {
        file_id,
        name: e.name.clone(),
        sheet: report.and_then(|r| r.sheet.clone()),
        dataset: e.dataset.clone(),
        period: e.period.clone(),
        status: e.status,
        rows: report.map_or(0, |r| r.rows),
        valid_rows: report.map_or(0, |r| r.valid_rows),
        invalid_rows: report.map_or(0, |r| r.invalid_rows),
        warnings,
        errors: issues.saturating_sub(warnings),
        codes: report.map(code_counts).unwrap_or_default(),
        columns,
        file_issues: report.map(|r| r.issues.iter().filter(|i| i.row.is_none()).cloned().collect()).unwrap_or_default(),
        submit_block: SubmitBlock::for_file(e.status, e.period.as_deref()),
        contract_columns: e.checked.as_ref().map(|c| c.contract_columns.clone()).unwrap_or_default(),
        corrections: e
            .checked
            .as_ref()
            .map(|c| c.validation.review.corrections.iter().take(SUMMARY_CORRECTIONS).cloned().collect())
            .unwrap_or_default(),
        corrections_total: e.checked.as_ref().map_or(0, |c| c.validation.review.corrections.len() as u64),
        replacements: e.edits.replacements.clone(),
    }
}

/// The report's counts by code, largest first; a code is a warning when
/// every listed issue of it is one.
fn code_counts(report: &Report) -> Vec<CodeCount> {
    let mut codes: Vec<CodeCount> = report
        .summary
        .iter()
        .filter(|(_, &count)| count > 0)
        .map(|(&code, &count)| {
            let mut listed = report.issues.iter().filter(|i| i.code == code).peekable();
            let warning = listed.peek().is_some() && listed.all(|i| i.severity == Severity::Warning);
            CodeCount { code, count, severity: if warning { Severity::Warning } else { Severity::Error } }
        })
        .collect();
    codes.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.as_str().cmp(b.code.as_str())));
    codes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{write_sample, SampleFormat, SampleSpec};
    use std::path::Path;
    use std::sync::mpsc;

    fn catalog() -> Arc<Catalog> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts");
        Arc::new(Catalog::load(&dir).unwrap_or_else(|e| panic!("{e}")))
    }

    fn wait_done(events: &mpsc::Receiver<FileEvent>) -> FileSummary {
        loop {
            match events.recv_timeout(std::time::Duration::from_secs(60)) {
                Ok(FileEvent::Done { summary, .. }) => return *summary,
                Ok(FileEvent::Failed { error, .. }) => panic!("{}", error.message),
                Ok(FileEvent::Progress { .. } | FileEvent::Preview { .. }) => {}
                Err(e) => panic!("no event: {e}"),
            }
        }
    }

    #[test]
    fn an_opened_file_is_validated_paged_filtered_and_searched() {
        let catalog = catalog();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("welfare_2026-11.csv");
        let spec = SampleSpec { rows: 3_000, seed: 5, errors_per_code: 2, format: SampleFormat::Csv };
        let contract = catalog.get("welfare_patients").unwrap_or_else(|e| panic!("{e}"));
        let manifest = write_sample(contract, &spec, &path).unwrap_or_else(|e| panic!("{e}"));
        let files = Arc::new(OpenedFiles::default());
        let (sender, events) = mpsc::channel();
        let sender = Mutex::new(sender);
        let opened = files.open(
            &catalog,
            std::slice::from_ref(&path),
            Arc::new(move |event| {
                let _ = locked(&sender).send(event);
            }),
        );
        assert_eq!(opened[0].dataset.as_deref(), Some("welfare_patients"));
        assert_eq!(opened[0].period.as_deref(), Some("2026-11"));
        let summary = wait_done(&events);
        assert_eq!(summary.status, FileStatus::Invalid);
        assert_eq!(summary.invalid_rows, manifest.invalid_rows);
        assert_eq!(summary.submit_block, Some(SubmitBlock::Invalid));
        let id = opened[0].id;
        let page = files.rows(id, 0, 50, &RowFilter::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.total, 3_000);
        assert_eq!(page.rows[0].row, 2);
        let only = RowFilter { only_issues: true, ..RowFilter::default() };
        let flagged = files.rows(id, 0, 10_000, &only).unwrap_or_else(|e| panic!("{e}"));
        assert!(flagged.total > 0 && flagged.rows.iter().all(|r| !r.issues.is_empty()));
        let phone = RowFilter { code: Some(IssueCode::Phone), ..RowFilter::default() };
        let phones = files.rows(id, 0, 100, &phone).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(phones.total as u64, manifest.expected.get(&crate::report::IssueCode::Phone).copied().unwrap_or(0));
        let first = files.next_issue(id, 0, &RowFilter::default()).unwrap_or_else(|e| panic!("{e}"));
        let Some(first) = first else { panic!("no issue found") };
        let again = files.rows(id, first.position, 1, &RowFilter::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.rows[0].row, first.row);
        assert!(!again.rows[0].issues.is_empty());
        let bad_period = files.set_period(&catalog, id, "2026-13");
        assert!(matches!(bad_period, Err(CoreError::BadPeriod { .. })));
        files.close(id).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(files.summary(id), Err(CoreError::FileNotOpen { .. })));
    }

    #[test]
    fn a_renamed_export_is_recognised_by_the_remembered_mappings_of_its_dataset() {
        let catalog = catalog();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        // No dataset's file name; seven of thirteen welfare headers renamed.
        let path = dir.path().join("export_2026-11.csv");
        let renamed = [("שם ראשון", "first_name"), ("שם אחרון", "last_name"), ("ת. לידה", "birth_date")];
        let renamed = renamed.into_iter().chain([("מגדר", "gender"), ("מצב", "welfare_status")]);
        let renamed: Vec<(&str, &str)> =
            renamed.chain([("רחוב", "street_code"), ("מס' בית", "building_number")]).collect();
        let headers: Vec<&str> = ["ת.ז."]
            .into_iter()
            .chain(renamed.iter().map(|(header, _)| *header))
            .chain(["דירה", "טלפון 1", "טלפון 2", "טלפון 3", "דואר אלקטרוני"])
            .collect();
        let row = "000000018,דנה,כהן,01/02/1980,נ,פעיל,120,4,2,052-2000001,,,d@example.org";
        std::fs::write(&path, format!("{}\n{row}\n", headers.join(","))).unwrap_or_else(|e| panic!("{e}"));
        let files = Arc::new(OpenedFiles::default());
        let (sender, events) = mpsc::channel();
        let sender = Mutex::new(sender);
        let sink: Arc<dyn Fn(FileEvent) + Send + Sync> = Arc::new(move |event| {
            let _ = locked(&sender).send(event);
        });
        let unknown = files.open(&catalog, std::slice::from_ref(&path), sink.clone());
        assert_eq!((unknown[0].dataset.as_deref(), unknown[0].status), (None, FileStatus::NeedsDataset));
        // Remembered as ignored, the headers still name nothing.
        let mappings = |column: &dyn Fn(&str) -> Option<String>| -> Vec<HeaderMapping> {
            renamed
                .iter()
                .map(|(header, name)| HeaderMapping {
                    header: (*header).to_owned(),
                    column: column(name),
                    remember: true,
                })
                .collect()
        };
        files.set_remembered("welfare_patients", mappings(&|_| None));
        let ignored = files.open(&catalog, std::slice::from_ref(&path), sink.clone());
        assert_eq!(ignored[0].status, FileStatus::NeedsDataset);
        // Remembered for their columns, the file is welfare's, mapped at once.
        files.set_remembered("welfare_patients", mappings(&|name| Some(name.to_owned())));
        while events.try_recv().is_ok() {}
        let opened = files.open(&catalog, std::slice::from_ref(&path), sink);
        assert_eq!(opened[0].dataset.as_deref(), Some("welfare_patients"));
        assert_eq!(opened[0].period.as_deref(), Some("2026-11"));
        let summary = wait_done(&events);
        assert_eq!(summary.status, FileStatus::Valid, "{:?}", summary.codes);
        let remembered = summary.columns.iter().filter(|c| c.mapped && c.remembered && c.column.is_some()).count();
        assert_eq!(remembered, 7);
    }

    #[test]
    fn submit_is_blocked_until_a_valid_file_has_a_period() {
        assert_eq!(SubmitBlock::for_file(FileStatus::Valid, Some("2026-11")), None);
        assert_eq!(SubmitBlock::for_file(FileStatus::Valid, None), Some(SubmitBlock::PeriodRequired));
        assert_eq!(SubmitBlock::for_file(FileStatus::Valid, Some(" ")), Some(SubmitBlock::PeriodRequired));
        assert_eq!(SubmitBlock::for_file(FileStatus::Invalid, Some("2026-11")), Some(SubmitBlock::Invalid));
        assert_eq!(SubmitBlock::for_file(FileStatus::NeedsDataset, None), Some(SubmitBlock::NeedsDataset));
        assert_eq!(SubmitBlock::for_file(FileStatus::Validating, None), Some(SubmitBlock::Validating));
        assert_eq!(SubmitBlock::for_file(FileStatus::Unusable, None), Some(SubmitBlock::Unusable));
    }
}
