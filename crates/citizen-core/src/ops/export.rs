//! The error report a clerk sends back to a file's sender: an Excel workbook
//! (the original rows at their original row numbers, offending cells filled and
//! annotated, plus an "Errors" sheet listing every issue and a "Corrections"
//! sheet when cells were corrected before submit) or a CSV listing of the
//! issues, then the corrections. This module owns the export formats and their
//! safety rules: nothing is ever written as a formula, and a report is written
//! to a temporary file and renamed into place, so a failure never leaves half a
//! report behind.

use crate::contract::Contract;
use crate::error::CoreError;
use crate::readers::{Batch, CellRef, BATCH_ROWS};
use crate::report::{Issue, Report, Severity, Status};
use crate::validate::edits::{AppliedCorrection, CorrectionKind};
use crate::validate::header::map_headers;
use crate::validate::Validation;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Note, Workbook, Worksheet, XlsxError};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Title of the extra last column of the data sheet, holding each row's messages.
pub const ISSUES_HEADER: &str = "Issues / שגיאות";

/// Name of the sheet listing every issue.
pub const ERRORS_SHEET: &str = "Errors";

/// Name of the data sheet when the source has no sheet name (CSV) or an unusable one.
pub const DATA_SHEET: &str = "Data";
/// The sheet listing the clerk's corrections (row, column, old, new), when there are any.
pub const CORRECTIONS_SHEET: &str = "Corrections";

/// Fields of the CSV report, in order: `kind` (`issue` or `correction`), the
/// names of `Issue`'s fields, then what a correction put in the cell's place
/// and when. One table, so a spreadsheet filters and sorts it as a whole.
pub const CSV_FIELDS: [&str; 10] =
    ["kind", "row", "column", "header", "code", "severity", "value", "message", "corrected_value", "corrected_at"];

/// Column titles of the Errors sheet, bilingual for Hebrew-speaking clerks.
const ERRORS_HEADERS: [&str; 7] = [
    "Row / שורה",
    "Column / עמודה",
    "Header / כותרת",
    "Code / קוד",
    "Severity / חומרה",
    "Value / ערך",
    "Message / הודעה",
];

/// Widths of the Errors sheet columns, in characters.
const ERRORS_WIDTHS: [f64; 7] = [10.0, 20.0, 20.0, 16.0, 12.0, 24.0, 80.0];

/// Excel's sheet limits.
const EXCEL_MAX_ROWS: u64 = 1_048_576;
const EXCEL_MAX_COLS: usize = 16_384;
/// Longest text a cell holds, in UTF-16 code units.
const EXCEL_MAX_TEXT: usize = 32_767;
/// Longest note text rust_xlsxwriter accepts (it reserves room for an author prefix).
const NOTE_MAX_TEXT: usize = EXCEL_MAX_TEXT - 54;

/// Excel's own "bad" and "neutral" fills: light red and light yellow.
const ERROR_FILL: u32 = 0xFFC7CE;
const WARNING_FILL: u32 = 0xFFEB9C;

/// Author shown on the notes.
const NOTE_AUTHOR: &str = "Citizen DB";

/// Most notes put on the data sheet. Each note costs rust_xlsxwriter about
/// 13 KB while the workbook is built (and Excel slows down with many), so past
/// this cells keep their fill and the "Issues" column, without a note.
const MAX_NOTES: usize = 10_000;

/// The two report formats, chosen by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// An Excel workbook: the annotated data sheet and the Errors sheet.
    Xlsx,
    /// One CSV line per issue, UTF-8 with a BOM.
    Csv,
}

impl ExportFormat {
    /// The format named by `out`'s extension (`.xlsx` or `.csv`, any case).
    pub fn from_path(out: &Path) -> Result<ExportFormat, CoreError> {
        let ext = out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
        match ext.as_str() {
            "xlsx" => Ok(ExportFormat::Xlsx),
            "csv" => Ok(ExportFormat::Csv),
            _ => Err(CoreError::ReportFormat { path: out.to_path_buf() }),
        }
    }
}

/// Writes the error report of `validation` (of the file `source`) to `out`, in
/// the format `out`'s extension names. The file is not read again: the
/// workbook's data sheet is copied from the rows validation kept
/// (`ValidateOptions::keep_rows`), at the header row and with the headers it
/// found; an unusable report, or a validation that kept no rows, gets the
/// Errors sheet only (with a notice saying why). The report is written to a
/// temporary file next to `out` and renamed into place at the end; `source`
/// only guards against overwriting the file itself.
pub fn write_report(out: &Path, source: &Path, contract: &Contract, validation: &Validation) -> Result<(), CoreError> {
    let format = ExportFormat::from_path(out)?;
    let failure = |message: String| CoreError::ReportWrite { path: out.to_path_buf(), message };
    if same_file(out, source) {
        return Err(failure("the report would overwrite the file it reports on; choose another name".to_owned()));
    }
    let temp = temp_path(out);
    let written = match format {
        ExportFormat::Xlsx => write_xlsx(&temp, contract, validation),
        ExportFormat::Csv => write_csv(&temp, contract, validation),
    };
    let result = written.and_then(|()| std::fs::rename(&temp, out).map_err(|e| e.to_string()));
    if let Err(message) = result {
        // Best effort: the temporary file may not even exist.
        let _ = std::fs::remove_file(&temp);
        return Err(failure(message));
    }
    Ok(())
}

/// True when both paths name one existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A fresh hidden file name next to `out`, unique within and across processes.
fn temp_path(out: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "report".to_owned());
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let unique = format!(".{name}.{}-{}-{nanos}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    out.with_file_name(unique)
}

/// The issues in listing order: file-level issues first, then by row, keeping
/// the report's order within a row.
fn listing_order(report: &Report) -> Vec<&Issue> {
    let mut issues: Vec<&Issue> = report.issues.iter().collect();
    // `None < Some(_)`, so file-level issues sort first; the sort is stable.
    issues.sort_by_key(|issue| issue.row);
    issues
}

/// The seven fields of an issue as text, in `CSV_FIELDS` order.
fn issue_fields(issue: &Issue) -> [Cow<'_, str>; 7] {
    [
        issue.row.map(|r| Cow::Owned(r.to_string())).unwrap_or_default(),
        issue.column.as_deref().map(Cow::Borrowed).unwrap_or_default(),
        issue.header.as_deref().map(Cow::Borrowed).unwrap_or_default(),
        Cow::Borrowed(issue.code.as_str()),
        Cow::Borrowed(severity_name(issue.severity)),
        issue.value.as_deref().map(Cow::Borrowed).unwrap_or_default(),
        Cow::Borrowed(issue.message.as_str()),
    ]
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

// ---------------------------------------------------------------------------
// CSV

/// Neutralises a CSV field a spreadsheet could run as a formula: a field
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
pub fn csv_safe(field: &str) -> Cow<'_, str> {
    match field.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{field}")),
        _ => Cow::Borrowed(field),
    }
}

/// Writes the listing as CSV: a BOM, a header line, one line per issue (file
/// issues first, then by row), then one per correction made before submit
/// (file order): the value the file held under `value`, the one checked and
/// loaded under `corrected_value`, `cell` or `replace` (a value replaced in
/// the whole column) under `code`.
fn write_csv(path: &Path, contract: &Contract, validation: &Validation) -> Result<(), String> {
    let file = File::create(path).map_err(|e| e.to_string())?;
    let mut buffer = BufWriter::new(file);
    buffer.write_all("\u{FEFF}".as_bytes()).map_err(|e| e.to_string())?;
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(buffer);
    writer.write_record(CSV_FIELDS).map_err(|e| e.to_string())?;
    for issue in listing_order(&validation.report) {
        let [row, column, header, code, severity, value, message] = issue_fields(issue);
        let fields =
            [Cow::Borrowed("issue"), row, column, header, code, severity, value, message, "".into(), "".into()];
        writer.write_record(fields.iter().map(|f| csv_safe(f).into_owned())).map_err(|e| e.to_string())?;
    }
    for correction in &validation.review.corrections {
        let fields = correction_fields(correction, corrected_header(contract, validation, &correction.column));
        writer.write_record(fields.iter().map(|f| csv_safe(f).into_owned())).map_err(|e| e.to_string())?;
    }
    let buffer = writer.into_inner().map_err(|e| e.to_string())?;
    let file = buffer.into_inner().map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| e.to_string())
}

/// A correction's line of the CSV report, in `CSV_FIELDS` order.
fn correction_fields<'a>(correction: &'a AppliedCorrection, header: &'a str) -> [Cow<'a, str>; 10] {
    let (how, message) = match correction.kind {
        CorrectionKind::Cell => ("cell", "corrected before submit"),
        CorrectionKind::Replace => ("replace", "replaced in the whole column before submit"),
    };
    [
        Cow::Borrowed("correction"),
        Cow::Owned(correction.row.to_string()),
        Cow::Borrowed(correction.column.as_str()),
        Cow::Borrowed(header),
        Cow::Borrowed(how),
        Cow::Borrowed(""),
        Cow::Borrowed(correction.old_value.as_str()),
        Cow::Borrowed(message),
        Cow::Borrowed(correction.new_value.as_str()),
        Cow::Borrowed(correction.made_at.as_str()),
    ]
}

/// The file's header feeding a contract column, as validation read it.
fn corrected_header<'v>(contract: &Contract, validation: &'v Validation, column: &str) -> &'v str {
    let index = contract.columns.iter().position(|c| c.name == column);
    let written = validation.header_map.as_ref().zip(index).and_then(|(map, i)| map.written.get(i));
    written.and_then(|w| w.as_deref()).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// XLSX

/// How serious the worst issue on a cell or row is; orders Warning < Error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    Warning,
    Error,
}

impl From<Severity> for Mark {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Error => Mark::Error,
            Severity::Warning => Mark::Warning,
        }
    }
}

/// The issues gathered on one cell (or one row).
#[derive(Debug, Default)]
struct Annotation {
    mark: Option<Mark>,
    messages: Vec<String>,
}

impl Annotation {
    fn add(&mut self, issue: &Issue) {
        self.mark = self.mark.max(Some(Mark::from(issue.severity)));
        self.messages.push(issue.message.clone());
    }
}

/// The issues of one data row: per file column, and all of them for the
/// row's "Issues" cell.
#[derive(Debug, Default)]
struct RowAnnotations {
    cells: BTreeMap<usize, Annotation>,
    row: Annotation,
}

/// Every issue placed on the data sheet.
#[derive(Debug, Default)]
struct Annotations {
    /// File-level issues naming a header, by file column.
    header: BTreeMap<usize, Annotation>,
    /// Row issues, by spreadsheet row number.
    rows: HashMap<u64, RowAnnotations>,
}

/// Places the report's issues on file cells: rows by their number, columns by
/// the file column validation mapped to the contract column (the first one of
/// a key).
fn annotate(report: &Report, contract: &Contract, headers: &[String], sources: &[Option<usize>]) -> Annotations {
    let file_column = |issue: &Issue| -> Option<usize> {
        let names = issue.column.as_deref()?;
        let first = names.split(',').next()?.trim();
        let index = contract.column_index(first)?;
        sources.get(index).copied().flatten()
    };
    let mut annotations = Annotations::default();
    for issue in &report.issues {
        match issue.row {
            None => {
                let Some(header) = issue.header.as_deref() else {
                    continue;
                };
                for (index, _) in headers.iter().enumerate().filter(|(_, h)| h.as_str() == header) {
                    annotations.header.entry(index).or_default().add(issue);
                }
            }
            Some(row) => {
                let entry = annotations.rows.entry(row).or_default();
                entry.row.add(issue);
                if let Some(column) = file_column(issue) {
                    entry.cells.entry(column).or_default().add(issue);
                }
            }
        }
    }
    annotations
}

/// Kinds of cell format, by value type.
#[derive(Debug, Clone, Copy)]
enum Kind {
    General = 0,
    Date = 1,
    DateTime = 2,
    Time = 3,
}

/// Every format the report uses, built once.
struct Formats {
    /// `[mark][kind]`: mark 0 none, 1 warning, 2 error.
    cells: [[Format; 4]; 3],
    /// Bold header cells, by mark.
    header: [Format; 3],
    /// Bold text for notices under the Errors listing.
    notice: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = |mark: usize| match mark {
            1 => Format::new().set_background_color(WARNING_FILL),
            2 => Format::new().set_background_color(ERROR_FILL),
            _ => Format::new(),
        };
        let kinds = |mark: usize| {
            [
                base(mark),
                base(mark).set_num_format("yyyy-mm-dd"),
                base(mark).set_num_format("yyyy-mm-dd hh:mm:ss"),
                base(mark).set_num_format("hh:mm:ss"),
            ]
        };
        Formats {
            cells: [kinds(0), kinds(1), kinds(2)],
            header: [base(0).set_bold(), base(1).set_bold(), base(2).set_bold()],
            notice: Format::new().set_bold(),
        }
    }

    fn cell(&self, mark: Option<Mark>, kind: Kind) -> &Format {
        &self.cells[mark_index(mark)][kind as usize]
    }

    fn header(&self, mark: Option<Mark>) -> &Format {
        &self.header[mark_index(mark)]
    }
}

fn mark_index(mark: Option<Mark>) -> usize {
    match mark {
        None => 0,
        Some(Mark::Warning) => 1,
        Some(Mark::Error) => 2,
    }
}

/// Builds the workbook and saves it to `path`.
fn write_xlsx(path: &Path, contract: &Contract, validation: &Validation) -> Result<(), String> {
    let report = &validation.report;
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let mut notices = Vec::new();
    let mut hebrew = report
        .issues
        .iter()
        .any(|issue| issue.header.as_deref().is_some_and(has_hebrew) || issue.value.as_deref().is_some_and(has_hebrew));
    if report.status != Status::Unusable {
        match &validation.rows {
            Some(rows) => {
                let headers = &validation.headers;
                hebrew |= headers.iter().any(|h| has_hebrew(h));
                let sources = match &validation.header_map {
                    Some(map) => Cow::Borrowed(&map.sources),
                    None => Cow::Owned(map_headers(contract, headers).sources),
                };
                let annotations = annotate(report, contract, headers, &sources);
                let sheet =
                    workbook.add_worksheet_with_low_memory().map_err(|e| format!("creating the data sheet: {e}"))?;
                let source = DataSource {
                    sheet: report.sheet.as_deref(),
                    header_row: validation.header_row,
                    headers,
                    batches: Box::new(rows.batches(BATCH_ROWS)),
                };
                write_data_sheet(sheet, source, &annotations, &formats, &mut notices)
                    .map_err(|e| format!("writing the data sheet: {e}"))?;
            }
            None => notices.push("The data sheet is missing: the validation kept no rows of the file.".to_owned()),
        }
    }
    let sheet = workbook.add_worksheet();
    write_errors_sheet(sheet, report, &formats, &notices, hebrew)
        .map_err(|e| format!("writing the {ERRORS_SHEET} sheet: {e}"))?;
    if !validation.review.corrections.is_empty() {
        let sheet = workbook.add_worksheet();
        write_corrections_sheet(sheet, &validation.review.corrections, &formats, hebrew)
            .map_err(|e| format!("writing the {CORRECTIONS_SHEET} sheet: {e}"))?;
    }
    let mut file = File::create(path).map_err(|e| e.to_string())?;
    workbook.save_to_writer(&mut file).map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| e.to_string())
}

/// What the data sheet copies: the rows validation kept, under the header it found.
struct DataSource<'a> {
    sheet: Option<&'a str>,
    header_row: u64,
    headers: &'a [String],
    batches: Box<dyn Iterator<Item = std::io::Result<Batch>> + 'a>,
}

/// True when the text holds Hebrew letters or marks.
fn has_hebrew(text: &str) -> bool {
    text.chars().any(|c| ('\u{0590}'..='\u{05FF}').contains(&c) || ('\u{FB1D}'..='\u{FB4F}').contains(&c))
}

/// A legal, non-clashing sheet name for the data sheet.
fn data_sheet_name(sheet: Option<&str>) -> String {
    let Some(name) = sheet else {
        return DATA_SHEET.to_owned();
    };
    let cleaned: String = name
        .chars()
        .map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() { '_' } else { c })
        .take(31)
        .collect();
    let cleaned = cleaned.trim_matches('\'').trim();
    if cleaned.is_empty()
        || cleaned.eq_ignore_ascii_case(ERRORS_SHEET)
        || cleaned.eq_ignore_ascii_case(CORRECTIONS_SHEET)
        || cleaned.eq_ignore_ascii_case("History")
    {
        DATA_SHEET.to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Text cut to what one Excel cell holds.
fn excel_text(text: &str, limit: usize) -> Cow<'_, str> {
    // A UTF-8 string never has more UTF-16 units than bytes.
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    for (at, ch) in text.char_indices() {
        units += ch.len_utf16();
        if units > limit {
            return Cow::Borrowed(&text[..at]);
        }
    }
    Cow::Borrowed(text)
}

/// The note carrying a cell's messages, sized to show them.
fn note_for(annotation: &Annotation) -> Note {
    let text = annotation.messages.join("\n");
    let text = excel_text(&text, NOTE_MAX_TEXT);
    // About 40 characters a line at 320 pixels; 16 pixels a line.
    let lines: usize = text.lines().map(|l| l.chars().count() / 40 + 1).sum();
    let height = 16 * lines.clamp(2, 30) + 10;
    Note::new(text.as_ref())
        .set_author(NOTE_AUTHOR)
        .add_author_prefix(false)
        .set_width(320)
        .set_height(u32::try_from(height).unwrap_or(490))
}

/// Counts the notes put on a sheet against `MAX_NOTES`.
struct NoteBudget {
    left: usize,
    skipped: u64,
}

impl NoteBudget {
    /// Notes `annotation` on a cell while the budget lasts.
    fn insert(&mut self, sheet: &mut Worksheet, row: u32, col: u16, annotation: &Annotation) -> Result<(), XlsxError> {
        if self.left == 0 {
            self.skipped += 1;
            return Ok(());
        }
        self.left -= 1;
        sheet.insert_note(row, col, &note_for(annotation))?;
        Ok(())
    }
}

/// An Excel date/time for a cell, and the format kind it wants; `None` when
/// Excel cannot hold the date (before 1900 or after 9999).
fn excel_datetime(value: NaiveDateTime) -> Option<(ExcelDateTime, Kind)> {
    let (date, time) = (value.date(), value.time());
    let seconds = f64::from(time.second()) + f64::from(time.nanosecond().min(999_999_999)) / 1e9;
    let hour = u16::try_from(time.hour()).ok()?;
    let minute = u8::try_from(time.minute()).ok()?;
    // Excel's time-only values come back dated at its epoch (1899-12-30/31).
    let epoch_day = date == NaiveDate::from_ymd_opt(1899, 12, 31)? || date == NaiveDate::from_ymd_opt(1899, 12, 30)?;
    if epoch_day && time != NaiveTime::MIN {
        return ExcelDateTime::from_hms(hour, minute, seconds).ok().map(|t| (t, Kind::Time));
    }
    let year = u16::try_from(date.year()).ok()?;
    let month = u8::try_from(date.month()).ok()?;
    let day = u8::try_from(date.day()).ok()?;
    let day_value = ExcelDateTime::from_ymd(year, month, day).ok()?;
    if time == NaiveTime::MIN {
        Some((day_value, Kind::Date))
    } else {
        day_value.and_hms(hour, minute, seconds).ok().map(|t| (t, Kind::DateTime))
    }
}

/// Writes one source cell as its type: text stays text (never a formula),
/// numbers stay numbers, dates become Excel dates.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: CellRef<'_>,
    mark: Option<Mark>,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match cell {
        CellRef::Empty => {
            if mark.is_some() {
                sheet.write_blank(row, col, formats.cell(mark, Kind::General))?;
            }
        }
        CellRef::Text(text) | CellRef::Error(text) => {
            sheet.write_string_with_format(
                row,
                col,
                excel_text(text, EXCEL_MAX_TEXT),
                formats.cell(mark, Kind::General),
            )?;
        }
        CellRef::Number(number) if number.is_finite() => {
            sheet.write_number_with_format(row, col, number, formats.cell(mark, Kind::General))?;
        }
        CellRef::Bool(value) => {
            sheet.write_boolean_with_format(row, col, value, formats.cell(mark, Kind::General))?;
        }
        CellRef::DateTime(value) => match excel_datetime(value) {
            Some((datetime, kind)) => {
                sheet.write_datetime_with_format(row, col, &datetime, formats.cell(mark, kind))?;
            }
            None => {
                sheet.write_string_with_format(row, col, cell.display(), formats.cell(mark, Kind::General))?;
            }
        },
        CellRef::Number(_) => {
            sheet.write_string_with_format(row, col, cell.display(), formats.cell(mark, Kind::General))?;
        }
    }
    Ok(())
}

/// Copies the source's header and data rows to `sheet` at their own row
/// numbers, with issue fills, notes, and the "Issues" column after the last
/// header. Rows are written strictly in order, one batch at a time. Cells
/// beyond the last header (data under no header) move one column right, past
/// the "Issues" column.
fn write_data_sheet(
    sheet: &mut Worksheet,
    source: DataSource<'_>,
    annotations: &Annotations,
    formats: &Formats,
    notices: &mut Vec<String>,
) -> Result<(), XlsxError> {
    let DataSource { sheet: sheet_name, header_row, headers, batches } = source;
    sheet.set_name(data_sheet_name(sheet_name))?;
    sheet.set_default_note_author(NOTE_AUTHOR);
    if headers.iter().any(|h| has_hebrew(h)) {
        sheet.set_right_to_left(true);
    }
    if header_row == 0 || header_row >= EXCEL_MAX_ROWS {
        notices.push(format!("The data sheet is empty: the header row {header_row} does not fit in a sheet."));
        return Ok(());
    }
    let header_index = u32::try_from(header_row - 1).map_err(|_| XlsxError::RowColumnLimitError)?;
    let header_count = headers.len().min(EXCEL_MAX_COLS - 1);
    let issues_col = u16::try_from(header_count).map_err(|_| XlsxError::RowColumnLimitError)?;
    let mut notes = NoteBudget { left: MAX_NOTES, skipped: 0 };

    for (index, header) in headers.iter().take(header_count).enumerate() {
        let col = u16::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)?;
        let annotation = annotations.header.get(&index);
        let mark = annotation.and_then(|a| a.mark);
        sheet.write_string_with_format(header_index, col, excel_text(header, EXCEL_MAX_TEXT), formats.header(mark))?;
        if let Some(annotation) = annotation {
            notes.insert(sheet, header_index, col, annotation)?;
        }
        let width = header.chars().count().clamp(8, 40) + 2;
        sheet.set_column_width(col, width as f64)?;
    }
    sheet.write_string_with_format(header_index, issues_col, ISSUES_HEADER, formats.header(None))?;
    sheet.set_column_width(issues_col, 60)?;

    let mut last_row = header_index;
    'batches: for batch in batches {
        let batch = match batch {
            Ok(batch) => batch,
            Err(error) => {
                notices.push(format!(
                    "The data sheet stops after row {}: the rest of the rows could not be read back ({error}).",
                    u64::from(last_row) + 1
                ));
                break;
            }
        };
        for i in 0..batch.len() {
            let number = batch.row_numbers[i];
            if number <= header_row {
                continue;
            }
            if number > EXCEL_MAX_ROWS {
                notices.push(format!(
                    "Rows after {EXCEL_MAX_ROWS} do not fit in an Excel sheet; their issues are listed here only."
                ));
                break 'batches;
            }
            let row = u32::try_from(number - 1).map_err(|_| XlsxError::RowColumnLimitError)?;
            let annotation = annotations.rows.get(&number);
            let width = batch.width(i);
            for col in 0..width {
                let target = if col < header_count { col } else { col + 1 };
                let Ok(target) = u16::try_from(target) else {
                    break;
                };
                if usize::from(target) >= EXCEL_MAX_COLS {
                    break;
                }
                let cell = batch.cell(i, col);
                let mark = annotation.and_then(|a| a.cells.get(&col)).and_then(|a| a.mark);
                if col >= header_count && matches!(cell, CellRef::Empty) {
                    continue;
                }
                write_cell(sheet, row, target, cell, mark, formats)?;
            }
            if let Some(annotation) = annotation {
                for (&col, cell) in annotation.cells.iter().filter(|(col, _)| **col < header_count) {
                    let Ok(col16) = u16::try_from(col) else {
                        continue;
                    };
                    if col >= width {
                        write_cell(sheet, row, col16, CellRef::Empty, cell.mark, formats)?;
                    }
                    notes.insert(sheet, row, col16, cell)?;
                }
                let text = annotation.row.messages.join("; ");
                sheet.write_string_with_format(
                    row,
                    issues_col,
                    excel_text(&text, EXCEL_MAX_TEXT),
                    formats.cell(annotation.row.mark, Kind::General),
                )?;
            }
            last_row = row;
        }
    }
    if notes.skipped > 0 {
        notices.push(format!(
            "Only the first {MAX_NOTES} marked cells of the data sheet carry a note; the other {} are filled, \
             and every row's messages are in its \"{ISSUES_HEADER}\" cell.",
            notes.skipped
        ));
    }
    sheet.set_freeze_panes(header_index + 1, 0)?;
    sheet.autofilter(header_index, 0, last_row, issues_col)?;
    Ok(())
}

/// Lists every issue, file-level first, with a header row, a filter and a
/// frozen header; `notices` (truncation, missing data) go below the list.
fn write_errors_sheet(
    sheet: &mut Worksheet,
    report: &Report,
    formats: &Formats,
    notices: &[String],
    hebrew: bool,
) -> Result<(), XlsxError> {
    sheet.set_name(ERRORS_SHEET)?;
    if hebrew {
        sheet.set_right_to_left(true);
    }
    for (col, (title, width)) in (0u16..).zip(ERRORS_HEADERS.iter().zip(ERRORS_WIDTHS)) {
        sheet.write_string_with_format(0, col, *title, formats.header(None))?;
        sheet.set_column_width(col, width)?;
    }
    let issues = listing_order(report);
    // Leave room for the notices under the listing.
    let room = usize::try_from(EXCEL_MAX_ROWS).unwrap_or(usize::MAX) - 1 - (notices.len() + 4);
    let listed = issues.len().min(room);
    let mut row: u32 = 0;
    for issue in issues.iter().take(listed) {
        row += 1;
        let mark = Some(Mark::from(issue.severity));
        let fields = issue_fields(issue);
        if let Some(number) = issue.row {
            // Row numbers stay far below 2^53, so the conversion is exact.
            sheet.write_number_with_format(row, 0, number as f64, formats.cell(None, Kind::General))?;
        }
        for (col, field) in (1u16..).zip(fields.iter().skip(1)) {
            if field.is_empty() {
                continue;
            }
            let format = if col == 4 { formats.cell(mark, Kind::General) } else { formats.cell(None, Kind::General) };
            sheet.write_string_with_format(row, col, excel_text(field, EXCEL_MAX_TEXT), format)?;
        }
    }
    sheet.autofilter(0, 0, row, 6)?;
    sheet.set_freeze_panes(1, 0)?;

    let mut below: Vec<String> = Vec::new();
    let total: u64 = report.summary.values().sum();
    if report.issues_truncated || listed < issues.len() {
        below.push(format!(
            "Only the first {listed} of {total} issues are listed. Counts by code: {}.",
            report.summary.iter().map(|(code, count)| format!("{code} {count}")).collect::<Vec<_>>().join(", ")
        ));
    }
    below.extend(notices.iter().cloned());
    row += 1;
    for notice in &below {
        row += 1;
        sheet.write_string_with_format(row, 0, excel_text(notice, EXCEL_MAX_TEXT), &formats.notice)?;
    }
    Ok(())
}

/// The corrections made before submit: the data sheet shows the corrected
/// values, this sheet what the file held (at most Excel's rows).
fn write_corrections_sheet(
    sheet: &mut Worksheet,
    corrections: &[crate::validate::edits::AppliedCorrection],
    formats: &Formats,
    hebrew: bool,
) -> Result<(), XlsxError> {
    sheet.set_name(CORRECTIONS_SHEET)?;
    if hebrew {
        sheet.set_right_to_left(true);
    }
    let headers = ["Row", "Column", "Value in the file", "Corrected value", "How", "When"];
    let widths = [10.0, 20.0, 24.0, 24.0, 10.0, 26.0];
    for (col, (title, width)) in (0u16..).zip(headers.iter().zip(widths)) {
        sheet.write_string_with_format(0, col, *title, formats.header(None))?;
        sheet.set_column_width(col, width)?;
    }
    let room = usize::try_from(EXCEL_MAX_ROWS).unwrap_or(usize::MAX) - 1;
    let mut row: u32 = 0;
    for correction in corrections.iter().take(room) {
        row += 1;
        let general = formats.cell(None, Kind::General);
        sheet.write_number_with_format(row, 0, correction.row as f64, general)?;
        let how = match correction.kind {
            crate::validate::edits::CorrectionKind::Cell => "cell",
            crate::validate::edits::CorrectionKind::Replace => "replace",
        };
        let fields =
            [correction.column.as_str(), &correction.old_value, &correction.new_value, how, &correction.made_at];
        for (col, field) in (1u16..).zip(fields) {
            if !field.is_empty() {
                sheet.write_string_with_format(row, col, excel_text(field, EXCEL_MAX_TEXT), general)?;
            }
        }
    }
    sheet.autofilter(0, 0, row, 5)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::compile_contract;
    use crate::report::IssueCode;
    use crate::validate::{validate_file, ValidateOptions};
    use calamine::{open_workbook, Data, Reader, Xlsx};
    use std::io::Read;

    const PEOPLE: &str = r#"
dataset: people
title: People
period: none
source:
  header_row: 3
  delimiter: ","
columns:
  - name: citizen_id
    headers: ["ת.ז."]
    type: israeli_id
    required: true
  - name: name
    headers: ["שם"]
    type: text
    required: true
  - name: note
    headers: ["הערה"]
    type: text
    max_length: 5
    severity: warning
keys: [citizen_id]
strategy: rebuild
"#;

    /// A title row, an empty row, the header at row 3, an empty row 6.
    const PEOPLE_CSV: &str = "Monthly people list\n,,\nת.ז.,שם,הערה\n000000018,Alice,ok\n\
                              123456789,=1+1,@SUM(A1)\n\n000000018,Bob,-3\n000000026,,+x\n";

    const PAYMENTS: &str = r#"
dataset: payments
title: Payments
period: none
columns:
  - name: citizen_id
    type: israeli_id
    required: true
  - name: paid_on
    type: date
    min: 2000-01-01
  - name: amount
    type: decimal
    min: 0
keys: [citizen_id]
strategy: rebuild
"#;

    fn contract(name: &str, yaml: &str) -> Contract {
        match compile_contract(Path::new(name), yaml) {
            Ok(contract) => contract,
            Err(problems) => panic!("test contract does not compile: {problems:?}"),
        }
    }

    /// Validates as the app and `validate --report` do: keeping the rows.
    fn validated(source: &Path, contract: &Contract) -> Validation {
        validate_file(source, contract, &ValidateOptions { keep_rows: true, ..ValidateOptions::default() })
    }

    fn people_source(dir: &Path) -> (Contract, PathBuf, Validation) {
        let contract = contract("people.yaml", PEOPLE);
        let source = dir.join("people.csv");
        std::fs::write(&source, PEOPLE_CSV).expect("write source");
        let validation = validated(&source, &contract);
        (contract, source, validation)
    }

    fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> Data {
        range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
    }

    fn text(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
        match cell(range, row, col) {
            Data::String(s) => s,
            Data::Empty => String::new(),
            other => panic!("cell ({row},{col}) is not text: {other:?}"),
        }
    }

    fn zip_entry(path: &Path, name: &str) -> String {
        let file = File::open(path).expect("open xlsx");
        let mut archive = zip::ZipArchive::new(file).expect("xlsx is a zip");
        let mut entry = archive.by_name(name).expect("entry exists");
        let mut body = String::new();
        entry.read_to_string(&mut body).expect("entry is text");
        body
    }

    fn no_formulas(workbook: &mut Xlsx<std::io::BufReader<File>>, sheet: &str) {
        let formulas = workbook.worksheet_formula(sheet).expect("formulas readable");
        let found: Vec<_> = formulas.used_cells().filter(|(_, _, f)| !f.is_empty()).collect();
        assert!(found.is_empty(), "{sheet} holds formulas: {found:?}");
    }

    fn has_issue(report: &Report, row: u64, code: IssueCode) -> bool {
        report.issues.iter().any(|i| i.row == Some(row) && i.code == code)
    }

    #[test]
    fn xlsx_report_lists_the_corrections_and_its_data_sheet_holds_the_corrected_values() {
        use crate::validate::edits::{CellCorrection, ReviewEdits};
        let dir = tempfile::tempdir().expect("temp dir");
        let contract = contract("people.yaml", PEOPLE);
        let source = dir.path().join("people.csv");
        std::fs::write(&source, PEOPLE_CSV).expect("write source");
        let edits = ReviewEdits {
            corrections: vec![CellCorrection {
                row: 8,
                column: "name".to_owned(),
                value: "Carol".to_owned(),
                made_at: "2026-11-30T08:00:00+00:00".to_owned(),
            }],
            ..ReviewEdits::default()
        };
        let options =
            ValidateOptions { keep_rows: true, edits: Some(std::sync::Arc::new(edits)), ..ValidateOptions::default() };
        let validation = validate_file(&source, &contract, &options);
        assert!(!has_issue(&validation.report, 8, IssueCode::Required), "the corrected cell is no longer empty");
        let out = dir.path().join("people-errors.xlsx");
        write_report(&out, &source, &contract, &validation).expect("report written");
        let mut workbook: Xlsx<_> = open_workbook(&out).expect("report opens");
        assert_eq!(
            workbook.sheet_names(),
            vec![DATA_SHEET.to_owned(), ERRORS_SHEET.to_owned(), CORRECTIONS_SHEET.to_owned()]
        );
        let corrections = workbook.worksheet_range(CORRECTIONS_SHEET).expect("corrections sheet");
        assert_eq!(cell(&corrections, 1, 0), Data::Float(8.0));
        assert_eq!((text(&corrections, 1, 1), text(&corrections, 1, 2)), ("name".to_owned(), String::new()));
        assert_eq!((text(&corrections, 1, 3), text(&corrections, 1, 4)), ("Carol".to_owned(), "cell".to_owned()));
        let data = workbook.worksheet_range(DATA_SHEET).expect("data sheet");
        let carol = data.rows().any(|row| row.iter().any(|c| *c == Data::String("Carol".to_owned())));
        assert!(carol, "the data sheet shows the corrected value");
    }

    #[test]
    fn xlsx_report_keeps_rows_values_and_marks_cells() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (contract, source, validation) = people_source(dir.path());
        let report = &validation.report;
        assert!(has_issue(report, 5, IssueCode::IsraeliId), "{report:?}");
        assert!(has_issue(report, 5, IssueCode::MaxLength), "{report:?}");
        assert!(has_issue(report, 7, IssueCode::DuplicateKey), "{report:?}");
        assert!(has_issue(report, 8, IssueCode::Required), "{report:?}");

        let out = dir.path().join("people-errors.XLSX");
        write_report(&out, &source, &contract, &validation).expect("report written");

        let mut workbook: Xlsx<_> = open_workbook(&out).expect("report opens");
        assert_eq!(workbook.sheet_names(), vec![DATA_SHEET.to_owned(), ERRORS_SHEET.to_owned()]);
        let data = workbook.worksheet_range(DATA_SHEET).expect("data sheet");
        // Header at its source row (3), data rows at their own numbers.
        assert_eq!(text(&data, 0, 0), "");
        assert_eq!(text(&data, 2, 0), "ת.ז.");
        assert_eq!(text(&data, 2, 2), "הערה");
        assert_eq!(text(&data, 2, 3), ISSUES_HEADER);
        assert_eq!(text(&data, 3, 0), "000000018");
        assert_eq!(text(&data, 3, 1), "Alice");
        assert_eq!(text(&data, 3, 3), "", "a clean row has no issues");
        assert_eq!(text(&data, 4, 0), "123456789");
        assert_eq!(text(&data, 4, 1), "=1+1");
        assert_eq!(text(&data, 4, 2), "@SUM(A1)");
        assert_eq!(text(&data, 5, 0), "", "the empty source row 6 stays empty");
        assert_eq!(text(&data, 6, 1), "Bob");
        assert_eq!(text(&data, 6, 2), "-3");
        assert_eq!(text(&data, 7, 0), "000000026");
        assert_eq!(text(&data, 7, 2), "+x");
        let issues_5 = text(&data, 4, 3);
        for issue in report.issues.iter().filter(|i| i.row == Some(5)) {
            assert!(issues_5.contains(&issue.message), "{issues_5}");
        }
        assert!(text(&data, 6, 3).contains("row 4"), "{}", text(&data, 6, 3));
        assert!(text(&data, 7, 3).contains("required"), "{}", text(&data, 7, 3));
        no_formulas(&mut workbook, DATA_SHEET);

        let errors = workbook.worksheet_range(ERRORS_SHEET).expect("errors sheet");
        assert_eq!(errors.height(), report.issues.len() + 1);
        assert_eq!(text(&errors, 0, 0), ERRORS_HEADERS[0]);
        let mut previous = 0.0;
        for row in 1..=report.issues.len() as u32 {
            match cell(&errors, row, 0) {
                Data::Float(n) => {
                    assert!(n >= previous, "rows in order");
                    previous = n;
                }
                other => panic!("row number expected, got {other:?}"),
            }
            assert!(!text(&errors, row, 6).is_empty());
        }
        let codes: Vec<String> = (1..=report.issues.len() as u32).map(|r| text(&errors, r, 3)).collect();
        assert!(codes.contains(&"israeli_id".to_owned()), "{codes:?}");
        assert!(codes.contains(&"duplicate_key".to_owned()), "{codes:?}");
        no_formulas(&mut workbook, ERRORS_SHEET);

        // Notes carry the messages; fills and right-to-left are set.
        let comments = zip_entry(&out, "xl/comments1.xml");
        for issue in &report.issues {
            let escaped = issue.message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            assert!(comments.contains(&escaped), "note missing: {}", issue.message);
        }
        let styles = zip_entry(&out, "xl/styles.xml");
        assert!(styles.contains("FFFFC7CE") && styles.contains("FFFFEB9C"), "{styles}");
        let sheet = zip_entry(&out, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains("rightToLeft=\"1\""));
        assert!(!sheet.contains("<f>"), "no formula in the data sheet");
        // Only the report is left in the directory: no temporary file.
        let names: Vec<_> = std::fs::read_dir(dir.path()).expect("list").flatten().map(|e| e.file_name()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn xlsx_source_keeps_numbers_dates_and_text() {
        let dir = tempfile::tempdir().expect("temp dir");
        let contract = contract("payments.yaml", PAYMENTS);
        let source = dir.path().join("payments.xlsx");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Payments June").expect("name");
        let date = Format::new().set_num_format("dd/mm/yyyy");
        let header = ["citizen_id", "paid_on", "amount"];
        for (col, title) in (0u16..).zip(header) {
            sheet.write_string(0, col, title).expect("header");
        }
        let rows: [(&str, (u16, u8, u8), f64); 3] =
            [("000000018", (2024, 5, 1), 100.5), ("000000026", (1999, 12, 31), -5.0), ("=1+1", (2024, 6, 2), 7.0)];
        for (row, (id, (y, m, d), amount)) in (1u32..).zip(rows) {
            sheet.write_string(row, 0, id).expect("id");
            let day = ExcelDateTime::from_ymd(y, m, d).expect("date");
            sheet.write_datetime_with_format(row, 1, &day, &date).expect("date");
            sheet.write_number(row, 2, amount).expect("amount");
        }
        book.save(&source).expect("save source");
        let validation = validated(&source, &contract);
        let report = &validation.report;
        assert!(has_issue(report, 3, IssueCode::Min), "{report:?}");
        assert!(has_issue(report, 4, IssueCode::IsraeliId), "{report:?}");

        let out = dir.path().join("payments-errors.xlsx");
        write_report(&out, &source, &contract, &validation).expect("report written");
        let mut workbook: Xlsx<_> = open_workbook(&out).expect("report opens");
        assert_eq!(workbook.sheet_names()[0], "Payments June");
        let data = workbook.worksheet_range("Payments June").expect("data sheet");
        assert_eq!(text(&data, 0, 0), "citizen_id");
        assert_eq!(cell(&data, 1, 2), Data::Float(100.5));
        assert_eq!(cell(&data, 2, 2), Data::Float(-5.0));
        match cell(&data, 1, 1) {
            Data::DateTime(value) => {
                let (y, m, d, ..) = value.to_ymd_hms_milli();
                assert_eq!((y, m, d), (2024, 5, 1));
            }
            other => panic!("a date cell expected, got {other:?}"),
        }
        assert_eq!(text(&data, 3, 0), "=1+1");
        assert!(!text(&data, 2, 3).is_empty(), "row 3 lists its issues");
        no_formulas(&mut workbook, "Payments June");
        let sheet = zip_entry(&out, "xl/worksheets/sheet1.xml");
        assert!(!sheet.contains("rightToLeft"), "no Hebrew, left-to-right");

        let csv_out = dir.path().join("payments-errors.csv");
        write_report(&csv_out, &source, &contract, &validation).expect("csv written");
        let body = std::fs::read_to_string(&csv_out).expect("csv text");
        assert!(body.contains(",'=1+1,"), "{body}");
        assert!(body.contains(",'-5,"), "{body}");
    }

    #[test]
    fn csv_report_has_bom_header_and_formula_guard() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (contract, source, validation) = people_source(dir.path());
        let report = &validation.report;
        let out = dir.path().join("people-errors.Csv");
        write_report(&out, &source, &contract, &validation).expect("report written");
        let bytes = std::fs::read(&out).expect("read back");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let headers = reader.headers().expect("header line").clone();
        assert_eq!(headers.iter().collect::<Vec<_>>(), CSV_FIELDS.to_vec());
        let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("records");
        assert_eq!(records.len(), report.issues.len());
        for record in &records {
            for field in record {
                assert!(
                    !matches!(field.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r')),
                    "unguarded field {field:?}"
                );
            }
        }
        let guarded = records.iter().find(|r| r.get(4) == Some("max_length")).expect("max_length line");
        assert_eq!((guarded.get(0), guarded.get(1)), (Some("issue"), Some("5")));
        assert_eq!(guarded.get(6), Some("'@SUM(A1)"));
        assert_eq!(guarded.get(5), Some("warning"));
        assert!(records.iter().all(|r| r.len() == CSV_FIELDS.len() && r.get(0) == Some("issue")), "no corrections");
    }

    #[test]
    fn csv_report_lists_the_corrections_after_the_issues() {
        use crate::validate::edits::{CellCorrection, ColumnReplacement, ReviewEdits};
        let dir = tempfile::tempdir().expect("temp dir");
        let contract = contract("people.yaml", PEOPLE);
        let source = dir.path().join("people.csv");
        std::fs::write(&source, PEOPLE_CSV).expect("write source");
        let at = "2026-11-30T08:00:00+00:00".to_owned();
        let cell = |row: u64, column: &str, value: &str| CellCorrection {
            row,
            column: column.to_owned(),
            value: value.to_owned(),
            made_at: at.clone(),
        };
        let edits = ReviewEdits {
            corrections: vec![cell(8, "name", "Carol"), cell(7, "note", "=SUM(1)")],
            replacements: vec![ColumnReplacement {
                column: "note".to_owned(),
                from: "ok".to_owned(),
                to: "fine".to_owned(),
                made_at: at.clone(),
            }],
            ..ReviewEdits::default()
        };
        let options = ValidateOptions { edits: Some(std::sync::Arc::new(edits)), ..ValidateOptions::default() };
        let validation = validate_file(&source, &contract, &options);
        assert_eq!(validation.review.corrections.len(), 3);
        let out = dir.path().join("people-errors.csv");
        write_report(&out, &source, &contract, &validation).expect("report written");
        let bytes = std::fs::read(&out).expect("read back");
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("records");
        assert_eq!(records.len(), validation.report.issues.len() + 3);
        let kinds: Vec<&str> = records.iter().filter_map(|r| r.get(0)).collect();
        let first_correction = kinds.iter().position(|k| *k == "correction").expect("corrections listed");
        assert_eq!(first_correction, validation.report.issues.len(), "after every issue");
        let corrections: Vec<Vec<&str>> = records[first_correction..].iter().map(|r| r.iter().collect()).collect();
        assert_eq!(
            corrections,
            [
                vec![
                    "correction",
                    "4",
                    "note",
                    "הערה",
                    "replace",
                    "",
                    "ok",
                    "replaced in the whole column before submit",
                    "fine",
                    &at
                ],
                vec!["correction", "7", "note", "הערה", "cell", "", "'-3", "corrected before submit", "'=SUM(1)", &at],
                vec!["correction", "8", "name", "שם", "cell", "", "", "corrected before submit", "Carol", &at],
            ],
            "in file order, the file's header named, values guarded against formulas"
        );
    }

    #[test]
    fn formula_guard_prefixes_dangerous_fields_only() {
        for dangerous in ["=1+1", "+972501234567", "-3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_safe(dangerous), format!("'{dangerous}"));
        }
        for safe in ["", "abc", "1=1", "שלום", "'quoted"] {
            assert_eq!(csv_safe(safe), safe);
        }
    }

    #[test]
    fn unusable_report_still_lists_its_issues() {
        let dir = tempfile::tempdir().expect("temp dir");
        let contract = contract("people.yaml", PEOPLE);
        let source = dir.path().join("broken.xlsx");
        std::fs::write(&source, b"PK\x03\x04 not really a workbook").expect("write");
        let report = Report::unusable("broken.xlsx", Some("people"), IssueCode::Unreadable, "=HYPERLINK(\"x\")".into());
        let validation = Validation::from(report);
        let out = dir.path().join("broken-errors.xlsx");
        write_report(&out, &source, &contract, &validation).expect("report written");
        let mut workbook: Xlsx<_> = open_workbook(&out).expect("report opens");
        assert_eq!(workbook.sheet_names(), vec![ERRORS_SHEET.to_owned()]);
        let errors = workbook.worksheet_range(ERRORS_SHEET).expect("errors");
        assert_eq!(text(&errors, 1, 0), "", "file-level: no row");
        assert_eq!(text(&errors, 1, 3), "unreadable");
        assert_eq!(text(&errors, 1, 6), "=HYPERLINK(\"x\")");
        no_formulas(&mut workbook, ERRORS_SHEET);

        let csv_out = dir.path().join("broken-errors.csv");
        write_report(&csv_out, &source, &contract, &validation).expect("csv written");
        let body = std::fs::read_to_string(&csv_out).expect("csv");
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len(), 2, "{body}");
        assert_eq!(lines[1], "issue,,,,unreadable,error,,\"'=HYPERLINK(\"\"x\"\")\",,");
    }

    #[test]
    fn unsupported_extension_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (contract, source, validation) = people_source(dir.path());
        for name in ["report.pdf", "report", "report.xls"] {
            let out = dir.path().join(name);
            match write_report(&out, &source, &contract, &validation) {
                Err(CoreError::ReportFormat { path }) => assert_eq!(path, out),
                other => panic!("{name}: expected ReportFormat, got {other:?}"),
            }
            assert!(!out.exists());
        }
    }

    #[test]
    fn failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (contract, source, validation) = people_source(dir.path());
        for name in ["report.xlsx", "report.csv"] {
            // The directory does not exist.
            let out = dir.path().join("missing").join(name);
            match write_report(&out, &source, &contract, &validation) {
                Err(CoreError::ReportWrite { path, .. }) => assert_eq!(path, out),
                other => panic!("expected ReportWrite, got {other:?}"),
            }
            assert!(!dir.path().join("missing").exists());
            // The file writes, but cannot replace a directory of that name:
            // the temporary file must go.
            let out = dir.path().join(name);
            std::fs::create_dir(&out).expect("blocking dir");
            match write_report(&out, &source, &contract, &validation) {
                Err(error @ CoreError::ReportWrite { .. }) => {
                    assert!(error.to_string().contains(name), "{error}");
                }
                other => panic!("expected ReportWrite, got {other:?}"),
            }
            let mut names: Vec<_> = std::fs::read_dir(dir.path())
                .expect("list")
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
            std::fs::remove_dir(&out).expect("cleanup");
        }
    }

    #[test]
    fn the_data_sheet_comes_from_the_validation_not_from_the_file_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (contract, source, validation) = people_source(dir.path());
        std::fs::write(&source, "something else entirely\n").expect("overwrite source");
        let out = dir.path().join("people-errors.xlsx");
        write_report(&out, &source, &contract, &validation).expect("report written");
        let mut workbook: Xlsx<_> = open_workbook(&out).expect("report opens");
        let data = workbook.worksheet_range(DATA_SHEET).expect("data sheet");
        assert_eq!((text(&data, 2, 0), text(&data, 3, 1)), ("ת.ז.".to_owned(), "Alice".to_owned()));

        let mut without_rows = validated(&source, &contract);
        without_rows.report = validation.report.clone();
        without_rows.rows = None;
        write_report(&out, &source, &contract, &without_rows).expect("report written");
        let mut workbook: Xlsx<_> = open_workbook(&out).expect("report opens");
        assert_eq!(workbook.sheet_names(), vec![ERRORS_SHEET.to_owned()]);
        let errors = workbook.worksheet_range(ERRORS_SHEET).expect("errors sheet");
        let notice = (0..errors.height() as u32)
            .filter_map(|r| match cell(&errors, r, 0) {
                Data::String(text) => Some(text),
                _ => None,
            })
            .find(|t| t.contains("kept no rows"));
        assert!(notice.is_some(), "the missing data sheet is explained");
    }

    #[test]
    fn report_never_overwrites_its_source() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (contract, source, validation) = people_source(dir.path());
        match write_report(&source, &source, &contract, &validation) {
            Err(CoreError::ReportWrite { path, .. }) => assert_eq!(path, source),
            other => panic!("expected ReportWrite, got {other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&source).expect("source"), PEOPLE_CSV);
    }

    #[test]
    fn notes_stop_at_the_budget() {
        let mut sheet = Worksheet::new();
        let mut notes = NoteBudget { left: 2, skipped: 0 };
        let annotation = Annotation { mark: Some(Mark::Error), messages: vec!["bad".into()] };
        for row in 0..5 {
            notes.insert(&mut sheet, row, 0, &annotation).expect("note");
        }
        assert_eq!((notes.left, notes.skipped), (0, 3));
    }

    #[test]
    fn texts_and_names_fit_excel() {
        let long = "א".repeat(EXCEL_MAX_TEXT + 10);
        assert_eq!(excel_text(&long, EXCEL_MAX_TEXT).chars().count(), EXCEL_MAX_TEXT);
        let emoji = "😀".repeat(3);
        assert_eq!(excel_text(&emoji, 5), "😀😀");
        assert_eq!(data_sheet_name(None), DATA_SHEET);
        assert_eq!(data_sheet_name(Some("errors")), DATA_SHEET);
        assert_eq!(data_sheet_name(Some("a/b:c")), "a_b_c");
        assert_eq!(data_sheet_name(Some(&"x".repeat(40))).len(), 31);
        assert!(has_hebrew("ת.ז.") && !has_hebrew("id"));
        let time = NaiveDate::from_ymd_opt(1899, 12, 31).and_then(|d| d.and_hms_opt(8, 30, 0));
        assert!(matches!(time.and_then(excel_datetime), Some((_, Kind::Time))));
        let old = NaiveDate::from_ymd_opt(1850, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        assert!(old.and_then(excel_datetime).is_none(), "before 1900 becomes text");
    }
}
