//! The spreadsheet reader: xlsx, xlsm, xls, xlsb and ods workbooks through
//! `calamine`. It picks the sheet (the contract's, else the first visible one),
//! turns calamine's cells into [`Cell`]s (formulas give their cached values),
//! ignores empty rows and columns around the data, finds the header row and
//! numbers rows as the spreadsheet does. Damaged, encrypted or mislabelled
//! files are refused with a message saying what to do.

use super::encoding::binary_kind;
use super::xlsx_stream::{self, RowStream};
use super::{limits, package};
use super::{
    pick_header_row, Batch, BatchData, Cell, CellRef, HeaderScore, ReadError, Table, BATCH_ROWS, HEADER_SEARCH_ROWS,
};
use crate::contract::config::SheetConfig;
use crate::contract::SourceOptions;
use calamine::{
    open_workbook, Data, DataRef, ExcelDateTime, Ods, OdsError, Range, Reader, Sheet, SheetType, SheetVisible, Sheets,
    Xls, XlsError, Xlsb, XlsbError, Xlsx, XlsxError,
};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// Opens a workbook and one of its sheets as a table: `options.sheet` (a
/// 0-based index among all sheets, or a name) or else the first visible
/// worksheet; the header row is `options.header_row` or the best scoring of the
/// first [`HEADER_SEARCH_ROWS`] rows of the data.
pub fn open(path: &Path, options: &SourceOptions, score: HeaderScore<'_>) -> Result<Table, ReadError> {
    // Zip packages: every part's inflated size checked before any is inflated.
    package::check(path, limits::MAX_PART_BYTES)?;
    if is_xlsx_name(path) {
        let fast = catch_unwind(AssertUnwindSafe(|| super::xlsx_fast::open(path, options.sheet.as_ref())));
        if let Ok(Some((workbook, sheet))) = fast {
            let rows = RowStream::spawn_named(sheet.clone(), move |sink| workbook.stream(sink));
            return xlsx_stream::open(rows, sheet, options.header_row, score);
        }
    }
    // calamine holds shared strings and XML events whole: smaller parts only.
    package::check(path, limits::MAX_CALAMINE_PART_BYTES)?;
    let (workbook, sheet) = open_sheet(path, options)?;
    match workbook {
        Sheets::Xlsx(xlsx) => {
            let name = sheet.clone();
            let rows = RowStream::spawn_named(sheet.clone(), move |sink| xlsx_stream::parse_sheet(xlsx, &name, sink));
            xlsx_stream::open(rows, sheet, options.header_row, score)
        }
        // Streamed like xlsx, so that every cell's position is checked before
        // a row is allocated for it (a range would be allocated whole first).
        Sheets::Xlsb(xlsb) => {
            let name = sheet.clone();
            let rows =
                RowStream::spawn_named(sheet.clone(), move |sink| xlsx_stream::parse_xlsb_sheet(xlsb, &name, sink));
            xlsx_stream::open(rows, sheet, options.header_row, score)
        }
        other => open_range(other, sheet, options, score),
    }
}

/// Extensions of the workbooks the fast xlsx path may read.
const XLSX_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlam", "xltx", "xltm"];

fn is_xlsx_name(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| XLSX_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Opens the workbook and picks the sheet to read.
pub(crate) fn open_sheet(path: &Path, options: &SourceOptions) -> Result<(Workbook, String), ReadError> {
    // calamine parses untrusted bytes; a panic in it must not take the caller down.
    let opened = catch_unwind(AssertUnwindSafe(|| {
        let workbook = open_workbook_any(path)?;
        let sheet = choose_sheet(workbook.sheets_metadata(), options.sheet.as_ref())?;
        Ok((workbook, sheet))
    }));
    opened.unwrap_or_else(|_| Err(damaged("the workbook could not be read")))
}

/// Reads the sheet whole as one range (xls, xlsb, ods; xlsx streams).
fn open_range(
    mut workbook: Workbook,
    sheet: String,
    options: &SourceOptions,
    score: HeaderScore<'_>,
) -> Result<Table, ReadError> {
    let read = catch_unwind(AssertUnwindSafe(|| {
        workbook.worksheet_range(&sheet).map_err(|e| damaged(&format!("sheet '{sheet}' could not be read ({e})")))
    }));
    let range = read.unwrap_or_else(|_| Err(damaged("the workbook could not be read")))?;
    let Some(used) = used_area(&range) else {
        return Err(ReadError::Empty { message: format!("sheet '{sheet}' is empty") });
    };
    let start_row = u64::from(range.start().map_or(0, |(row, _)| row));
    let header = find_header(&range, &used, start_row, options.header_row, score, &sheet)?;
    Ok(Table {
        sheet: Some(sheet),
        encoding: None,
        delimiter: None,
        header_row: header.row,
        headers: header.headers,
        batches: Box::new(ExcelBatches { range, next: header.first_data, end: used.rows, width: used.cols, start_row }),
    })
}

/// Opens an .xlsx sheet through the range path, for the differential test
/// against the streaming path.
#[cfg(test)]
pub(super) fn open_as_range(path: &Path, options: &SourceOptions, score: HeaderScore<'_>) -> Result<Table, ReadError> {
    let (workbook, sheet) = open_sheet(path, options)?;
    open_range(workbook, sheet, options, score)
}

/// The workbook formats calamine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Xlsx,
    Xls,
    Xlsb,
    Ods,
}

impl Format {
    fn label(self) -> &'static str {
        match self {
            Format::Xlsx => "Excel .xlsx",
            Format::Xls => "Excel .xls",
            Format::Xlsb => "Excel .xlsb",
            Format::Ods => "OpenDocument .ods",
        }
    }
}

/// Why one attempt at opening failed.
enum OpenError {
    Password,
    Other(String),
}

pub(crate) type Workbook = Sheets<BufReader<File>>;

/// A workbook calamine could not parse: `what` failed.
pub(super) fn damaged(what: &str) -> ReadError {
    unreadable(format!("{what}: the workbook seems damaged; open it in Excel and save it again"))
}

/// Opens the workbook in the format its extension names, falling back to the
/// format its first bytes show (a renamed file).
fn open_workbook_any(path: &Path) -> Result<Workbook, ReadError> {
    let head = read_head(path)?;
    if head.is_empty() {
        return Err(ReadError::Empty { message: "the file is empty (0 bytes)".to_owned() });
    }
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let by_extension = match ext.as_str() {
        x if XLSX_EXTENSIONS.contains(&x) => Some(Format::Xlsx),
        "xls" | "xla" | "xlt" => Some(Format::Xls),
        "xlsb" => Some(Format::Xlsb),
        "ods" => Some(Format::Ods),
        _ => None,
    };
    let by_content: &[Format] = if head.starts_with(b"PK\x03\x04") {
        &[Format::Xlsx, Format::Ods, Format::Xlsb]
    } else if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        // An encrypted xlsx/xlsb is an OLE container too; calamine's xlsx reader tells.
        &[Format::Xls, Format::Xlsx]
    } else {
        &[]
    };
    let mut candidates: Vec<Format> = by_extension.into_iter().collect();
    for format in by_content {
        if !candidates.contains(format) {
            candidates.push(*format);
        }
    }
    let mut first_failure: Option<(Format, String)> = None;
    for format in candidates {
        match try_open(path, format) {
            Ok(workbook) => return Ok(workbook),
            Err(OpenError::Password) => {
                return Err(ReadError::Unreadable {
                    message: "the workbook is password-protected: open it in Excel, remove the password \
                              (File > Info > Protect Workbook), save it, and try again"
                        .to_owned(),
                })
            }
            Err(OpenError::Other(detail)) => {
                first_failure.get_or_insert((format, detail));
            }
        }
    }
    let message = match (first_failure, by_content.is_empty()) {
        (Some((format, detail)), false) => {
            return Err(damaged(&format!("the file is not a complete {} workbook ({detail})", format.label())))
        }
        _ => {
            let not = by_extension
                .map_or("not a spreadsheet".to_owned(), |format| format!("not an {} workbook", format.label()));
            format!("the file is {not}: it looks like {}", describe(&head))
        }
    };
    Err(unreadable(message))
}

/// The first bytes of the file, to tell what it is.
fn read_head(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file =
        File::open(path).map_err(|e| ReadError::Unreadable { message: format!("could not open the file: {e}") })?;
    let mut head = Vec::with_capacity(4096);
    file.take(4096)
        .read_to_end(&mut head)
        .map_err(|e| ReadError::Unreadable { message: format!("could not read the file: {e}") })?;
    Ok(head)
}

/// What a file that is no workbook seems to be, and what to do about it.
fn describe(head: &[u8]) -> String {
    if let Some(kind) = binary_kind(head) {
        return format!("{kind}; export the data again as an Excel workbook or as CSV");
    }
    let text = !head.contains(&0)
        && head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')).count() * 50 <= head.len();
    if text {
        "text (a CSV file, perhaps): if it is CSV, give it the .csv extension".to_owned()
    } else {
        "an unknown binary format; export the data again as an Excel workbook or as CSV".to_owned()
    }
}

fn try_open(path: &Path, format: Format) -> Result<Workbook, OpenError> {
    match format {
        Format::Xlsx => open_workbook::<Xlsx<_>, _>(path).map(Sheets::Xlsx).map_err(|e| match e {
            XlsxError::Password => OpenError::Password,
            e => OpenError::Other(e.to_string()),
        }),
        Format::Xls => open_workbook::<Xls<_>, _>(path).map(Sheets::Xls).map_err(|e| match e {
            XlsError::Password => OpenError::Password,
            e => OpenError::Other(e.to_string()),
        }),
        Format::Xlsb => open_workbook::<Xlsb<_>, _>(path).map(Sheets::Xlsb).map_err(|e| match e {
            XlsbError::Password => OpenError::Password,
            e => OpenError::Other(e.to_string()),
        }),
        Format::Ods => open_workbook::<Ods<_>, _>(path).map(Sheets::Ods).map_err(|e| match e {
            OdsError::Password => OpenError::Password,
            e => OpenError::Other(e.to_string()),
        }),
    }
}

/// The sheet to read: by index (0-based, hidden sheets included) or by name
/// (exact, else ignoring case and surrounding spaces); by default the first
/// visible worksheet.
pub(super) fn choose_sheet(sheets: &[Sheet], wanted: Option<&SheetConfig>) -> Result<String, ReadError> {
    if sheets.is_empty() {
        return Err(ReadError::Empty { message: "the workbook has no sheets".to_owned() });
    }
    let found = match wanted {
        Some(SheetConfig::Index(index)) => sheets.get(*index).ok_or_else(|| {
            unreadable(format!(
                "the workbook has no sheet number {index} (sheets count from 0); its sheets are: {}",
                list(sheets)
            ))
        })?,
        Some(SheetConfig::Name(name)) => sheets
            .iter()
            .find(|s| s.name == *name)
            .or_else(|| {
                let wanted = name.trim().to_lowercase();
                sheets.iter().find(|s| s.name.trim().to_lowercase() == wanted)
            })
            .ok_or_else(|| {
                unreadable(format!("the workbook has no sheet named '{name}'; its sheets are: {}", list(sheets)))
            })?,
        None => sheets
            .iter()
            .find(|s| s.visible == SheetVisible::Visible && s.typ == SheetType::WorkSheet)
            .or_else(|| sheets.iter().find(|s| s.typ == SheetType::WorkSheet))
            .unwrap_or(&sheets[0]),
    };
    Ok(found.name.clone())
}

fn unreadable(message: String) -> ReadError {
    ReadError::Unreadable { message }
}

/// The sheet names for messages, hidden ones marked.
fn list(sheets: &[Sheet]) -> String {
    sheets
        .iter()
        .map(|s| match s.visible {
            SheetVisible::Visible => format!("'{}'", s.name),
            SheetVisible::Hidden => format!("'{}' (hidden)", s.name),
            SheetVisible::VeryHidden => format!("'{}' (very hidden)", s.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows and columns of the range up to its last non-empty cell.
struct Used {
    rows: usize,
    cols: usize,
}

/// The area holding data, without empty rows and columns at its end; `None`
/// when the sheet has no non-empty cell.
fn used_area(range: &Range<Data>) -> Option<Used> {
    let (mut rows, mut cols) = (0, 0);
    for (index, row) in range.rows().enumerate() {
        if let Some(last) = row.iter().rposition(|d| !data_is_empty(d)) {
            rows = index + 1;
            cols = cols.max(last + 1);
        }
    }
    (rows > 0).then_some(Used { rows, cols })
}

/// Empty or whitespace-only cells count as empty (SPEC §3).
fn data_is_empty(data: &Data) -> bool {
    match data {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Row `index` of the range cut to `width` cells, trailing empty cells dropped.
fn convert_row(range: &Range<Data>, index: usize, width: usize) -> Vec<Cell> {
    let len = (0..width)
        .rev()
        .find(|&col| range.get((index, col)).is_some_and(|d| *d != Data::Empty))
        .map_or(0, |last| last + 1);
    (0..len).map(|col| range.get((index, col)).map_or(Cell::Empty, convert)).collect()
}

/// A calamine cell as a [`Cell`]: text as written (leading zeros kept), numbers,
/// dates, booleans, and error cells by their Excel text.
pub fn convert(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => excel_datetime(dt),
        Data::DateTimeIso(s) => iso_datetime(s),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// [`convert`] for the borrowed cells of calamine's streaming cell reader.
pub fn convert_ref(data: &DataRef<'_>) -> Cell {
    match data {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => excel_datetime(dt),
        DataRef::DateTimeIso(s) => iso_datetime(s),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

/// An Excel date/time serial: a date-time from its own epoch (1900 or 1904,
/// Excel's 1900 leap-year bug included); a time of day alone (serial below 1)
/// and a duration become text such as `10:30:00`.
pub(super) fn excel_datetime(dt: &ExcelDateTime) -> Cell {
    let serial = dt.as_f64();
    if !serial.is_finite() {
        return Cell::Number(serial);
    }
    if dt.is_duration() || (0.0..1.0).contains(&serial) {
        return Cell::Text(clock_text(serial));
    }
    let (year, month, day, hour, minute, second, milli) = dt.to_ymd_hms_milli();
    let date = NaiveDate::from_ymd_opt(year.into(), month.into(), day.into());
    let time = NaiveTime::from_hms_milli_opt(hour.into(), minute.into(), second.into(), milli.into());
    match (date, time) {
        (Some(date), Some(time)) if serial > 0.0 => Cell::DateTime(date.and_time(time)),
        // Before the epoch, or Excel's 1900-02-29: no real date.
        _ => Cell::Number(serial),
    }
}

/// A fraction of days as `h:mm:ss` (hours may exceed 24; negative keeps its sign).
fn clock_text(days: f64) -> String {
    let total = (days.abs() * 86_400.0).round();
    // Clamp before the cast: f64 to u64 saturates, but keep the figure sane.
    let total = total.min(1e15) as u64;
    let sign = if days < 0.0 && total > 0 { "-" } else { "" };
    format!("{sign}{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}

/// An ISO 8601 date or date-time (OpenDocument cells) as a date-time; anything
/// else stays text.
pub(super) fn iso_datetime(s: &str) -> Cell {
    let trimmed = s.trim();
    NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").map(|d| d.and_time(NaiveTime::MIN)))
        .map_or_else(|_| Cell::Text(s.to_owned()), Cell::DateTime)
}

/// Where the header is, relative to the range.
struct Header {
    /// 1-based spreadsheet row of the header.
    row: u64,
    headers: Vec<String>,
    /// Range-relative index of the first row after the header.
    first_data: usize,
}

fn find_header(
    range: &Range<Data>,
    used: &Used,
    start_row: u64,
    forced: Option<u64>,
    score: HeaderScore<'_>,
    sheet: &str,
) -> Result<Header, ReadError> {
    if let Some(n) = forced {
        if n <= start_row {
            // The header row lies above every cell of the sheet: it is empty.
            return Ok(Header { row: n, headers: Vec::new(), first_data: 0 });
        }
        let index = usize::try_from(n - start_row - 1).unwrap_or(usize::MAX);
        if index >= used.rows {
            return Err(ReadError::Empty {
                message: format!(
                    "sheet '{sheet}' ends at row {}, before row {n}, where the contract says \
                     the header row is",
                    start_row + used.rows as u64
                ),
            });
        }
        let cells = convert_row(range, index, used.cols);
        return Ok(Header { row: n, headers: header_texts(&cells), first_data: index + 1 });
    }
    let mut rows: Vec<Vec<Cell>> =
        (0..used.rows.min(HEADER_SEARCH_ROWS)).map(|i| convert_row(range, i, used.cols)).collect();
    let mut chosen = {
        let refs: Vec<Vec<CellRef<'_>>> = rows.iter().map(|r| r.iter().map(Cell::as_ref).collect()).collect();
        pick_header_row(&refs, score)
    };
    if chosen.is_none() {
        // Nothing in the first rows: the header is the first non-empty row below.
        for index in rows.len()..used.rows {
            let cells = convert_row(range, index, used.cols);
            if !cells.iter().all(|c| c.as_ref().is_empty()) {
                rows.resize(index, Vec::new());
                rows.push(cells);
                chosen = Some(index);
                break;
            }
        }
    }
    let Some(index) = chosen else {
        return Err(ReadError::Empty { message: format!("sheet '{sheet}' has no cells with data") });
    };
    let headers = rows.get(index).map(|cells| header_texts(cells)).unwrap_or_default();
    Ok(Header { row: start_row + index as u64 + 1, headers, first_data: index + 1 })
}

/// Header texts as shown, without the empty cells that trail them.
pub(super) fn header_texts(cells: &[Cell]) -> Vec<String> {
    let mut headers: Vec<String> = cells.iter().map(|c| c.as_ref().display()).collect();
    while headers.last().is_some_and(|h| h.trim().is_empty()) {
        headers.pop();
    }
    headers
}

/// The data rows of a sheet, in batches; empty rows are skipped.
struct ExcelBatches {
    range: Range<Data>,
    /// Range-relative index of the next row.
    next: usize,
    /// One past the last row holding data.
    end: usize,
    /// Columns up to the last one holding data.
    width: usize,
    /// 0-based spreadsheet row of the range's first row.
    start_row: u64,
}

impl Iterator for ExcelBatches {
    type Item = Result<Batch, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut row_numbers = Vec::new();
        let mut rows = Vec::new();
        while self.next < self.end && rows.len() < BATCH_ROWS {
            let index = self.next;
            self.next += 1;
            let cells = convert_row(&self.range, index, self.width);
            if cells.iter().all(|c| c.as_ref().is_empty()) {
                continue;
            }
            row_numbers.push(self.start_row + index as u64 + 1);
            rows.push(cells);
        }
        if rows.is_empty() {
            return None;
        }
        Some(Ok(Batch { row_numbers, data: BatchData::Cells(rows) }))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime as XlsxDate, Format as XlsxFormat, Formula, Workbook};
    use std::io::Write;
    use std::path::PathBuf;

    /// Header names the test contract knows.
    const KNOWN: &[&str] = &["id", "code", "amount", "date", "active", "total", "name"];

    pub(in crate::readers) fn score(row: &[CellRef<'_>]) -> usize {
        row.iter().filter(|c| matches!(c, CellRef::Text(t) if KNOWN.contains(&t.trim()))).count()
    }

    fn save(workbook: &mut Workbook, name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        workbook.save(&path).unwrap();
        (dir, path)
    }

    fn write_bytes(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    fn open_default(path: &Path) -> Result<Table, ReadError> {
        open(path, &SourceOptions::default(), &score)
    }

    /// Every data row with its number, cells as `Cell`s.
    fn cells(table: Table) -> Vec<(u64, Vec<Cell>)> {
        let mut rows = Vec::new();
        for batch in table.batches {
            let batch = batch.unwrap();
            assert!(!batch.is_empty() && batch.len() <= BATCH_ROWS);
            let BatchData::Cells(data) = batch.data else { panic!("spreadsheets give cells") };
            rows.extend(batch.row_numbers.into_iter().zip(data));
        }
        rows
    }

    /// Every data row with its number, cells as displayed.
    fn shown(table: Table) -> Vec<(u64, Vec<String>)> {
        cells(table).into_iter().map(|(n, row)| (n, row.iter().map(|c| c.as_ref().display()).collect())).collect()
    }

    fn row(n: u64, cells: &[&str]) -> (u64, Vec<String>) {
        (n, cells.iter().map(|c| (*c).to_owned()).collect())
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn unreadable_message(result: Result<Table, ReadError>) -> String {
        match result {
            Err(e @ ReadError::Unreadable { .. }) => {
                assert_eq!(e.code(), crate::report::IssueCode::Unreadable);
                e.to_string()
            }
            Err(other) => panic!("expected unreadable, got {other:?}"),
            Ok(table) => panic!("expected unreadable, got a table with headers {:?}", table.headers),
        }
    }

    /// Workbooks of many shapes, each with the options to open it with, for
    /// the differential test of the streaming path (the directory keeps them).
    pub(in crate::readers) fn workbooks() -> (tempfile::TempDir, Vec<(&'static str, PathBuf, SourceOptions)>) {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        let mut add = |name: &'static str, workbook: &mut Workbook, options: SourceOptions| {
            let path = dir.path().join(format!("{name}.xlsx"));
            workbook.save(&path).unwrap();
            out.push((name, path, options));
        };
        let date_format = XlsxFormat::new().set_num_format("dd/mm/yyyy");
        let bold = XlsxFormat::new().set_bold();

        let mut typed = Workbook::new();
        let sheet = typed.add_worksheet();
        for (col, header) in ["id", "code", "amount", "date", "active", "total", "bad"].iter().enumerate() {
            sheet.write_string(0, col as u16, *header).unwrap();
        }
        for row in 1..40u32 {
            sheet.write_string(row, 0, format!("0{row:08}")).unwrap();
            sheet.write_number(row, 1, f64::from(row * 7)).unwrap();
            sheet.write_number(row, 2, f64::from(row) / 4.0).unwrap();
            let day = XlsxDate::from_ymd(2024, 1, (row % 28 + 1) as u8).unwrap();
            sheet.write_datetime_with_format(row, 3, day, &date_format).unwrap();
            sheet.write_boolean(row, 4, row % 2 == 0).unwrap();
            sheet.write_formula(row, 5, Formula::new(format!("=B{}*2", row + 1)).set_result("1")).unwrap();
            if row % 5 == 0 {
                sheet.write_formula(row, 6, Formula::new("=NA()").set_result("#N/A")).unwrap();
            }
        }
        add("typed", &mut typed, SourceOptions::default());

        let mut offset = Workbook::new();
        let sheet = offset.add_worksheet();
        sheet.write_string(2, 2, "id").unwrap();
        sheet.write_string(2, 3, "name").unwrap();
        sheet.write_string(3, 2, "1").unwrap();
        sheet.write_string(3, 3, "Dana").unwrap();
        sheet.write_string(5, 2, "2").unwrap();
        sheet.write_string(6, 3, "   ").unwrap();
        sheet.write_blank(40, 20, &bold).unwrap();
        sheet.write_blank(3, 9, &bold).unwrap();
        sheet.write_string(7, 5, " ").unwrap();
        add("offset", &mut offset, SourceOptions::default());

        let mut title = Workbook::new();
        let sheet = title.add_worksheet();
        sheet.write_string(0, 0, "Monthly report - May").unwrap();
        sheet.write_string(2, 0, "id").unwrap();
        sheet.write_string(2, 1, "name").unwrap();
        sheet.write_number(3, 0, 7.0).unwrap();
        sheet.write_string(3, 1, "Yossi").unwrap();
        add("title", &mut title, SourceOptions::default());
        add("title-forced", &mut title, SourceOptions { header_row: Some(1), ..Default::default() });
        add("title-beyond", &mut title, SourceOptions { header_row: Some(30), ..Default::default() });
        add("title-above", &mut title, SourceOptions { header_row: Some(2), ..Default::default() });

        let mut low = Workbook::new();
        let sheet = low.add_worksheet();
        sheet.write_string(40, 1, "id").unwrap();
        sheet.write_string(41, 1, "1").unwrap();
        sheet.write_string(45, 1, "2").unwrap();
        add("header-below-the-window", &mut low, SourceOptions::default());
        add("forced-above-the-data", &mut low, SourceOptions { header_row: Some(2), ..Default::default() });

        let mut many = Workbook::new();
        let sheet = many.add_worksheet();
        sheet.write_string(0, 0, "id").unwrap();
        sheet.write_string(0, 1, "name").unwrap();
        for i in 1..=20_000u32 {
            sheet.write_number(i, 0, f64::from(i)).unwrap();
            if i % 3 != 0 {
                sheet.write_string(i, 1, format!("name {}", i % 97)).unwrap();
            }
        }
        add("many", &mut many, SourceOptions::default());

        let mut empty = Workbook::new();
        empty.add_worksheet();
        add("empty", &mut empty, SourceOptions::default());

        let mut blank = Workbook::new();
        let sheet = blank.add_worksheet();
        sheet.write_string(3, 3, "  ").unwrap();
        sheet.write_blank(5, 5, &bold).unwrap();
        add("whitespace-only", &mut blank, SourceOptions::default());

        let mut header_only = Workbook::new();
        let sheet = header_only.add_worksheet();
        sheet.write_string(0, 0, "id").unwrap();
        sheet.write_string(0, 1, "name").unwrap();
        add("header-only", &mut header_only, SourceOptions::default());
        (dir, out)
    }

    #[test]
    fn reads_typed_cells() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("Data").unwrap();
        let date_format = XlsxFormat::new().set_num_format("dd/mm/yyyy");
        let datetime_format = XlsxFormat::new().set_num_format("dd/mm/yyyy hh:mm");
        for (col, header) in ["id", "code", "amount", "date", "active", "total", "when", "bad"].iter().enumerate() {
            sheet.write_string(0, col as u16, *header).unwrap();
        }
        sheet.write_string(1, 0, "012345678").unwrap();
        sheet.write_number(1, 1, 123.0).unwrap();
        sheet.write_number(1, 2, 12.5).unwrap();
        sheet.write_datetime_with_format(1, 3, XlsxDate::from_ymd(2024, 1, 15).unwrap(), &date_format).unwrap();
        sheet.write_boolean(1, 4, true).unwrap();
        sheet.write_formula(1, 5, Formula::new("=B2*2").set_result("246")).unwrap();
        let when = XlsxDate::from_ymd(2025, 12, 31).unwrap().and_hms(23, 59, 30).unwrap();
        sheet.write_datetime_with_format(1, 6, when, &datetime_format).unwrap();
        sheet.write_formula(1, 7, Formula::new("=NA()").set_result("#N/A")).unwrap();
        let (_dir, path) = save(&mut workbook, "typed.xlsx");

        let table = open_default(&path).unwrap();
        assert_eq!(table.sheet.as_deref(), Some("Data"));
        assert_eq!((table.encoding, table.delimiter), (None, None));
        assert_eq!(table.header_row, 1);
        assert_eq!(table.headers, ["id", "code", "amount", "date", "active", "total", "when", "bad"]);
        let rows = cells(table);
        assert_eq!(rows.len(), 1);
        let (n, cells) = &rows[0];
        assert_eq!(*n, 2);
        assert_eq!(cells[0], Cell::Text("012345678".to_owned()), "leading zeros kept");
        assert_eq!(cells[1], Cell::Number(123.0));
        assert_eq!(cells[1].as_ref().display(), "123");
        assert_eq!(cells[2].as_ref().display(), "12.5");
        assert_eq!(cells[3], Cell::DateTime(date(2024, 1, 15).and_time(NaiveTime::MIN)));
        assert_eq!(cells[3].as_ref().display(), "2024-01-15");
        assert_eq!(cells[4], Cell::Bool(true));
        assert_eq!(cells[5], Cell::Number(246.0), "a formula gives its cached value");
        let expected = date(2025, 12, 31).and_hms_opt(23, 59, 30).unwrap();
        assert_eq!(cells[6], Cell::DateTime(expected));
        assert_eq!(cells[7], Cell::Error("#N/A".to_owned()));
    }

    #[test]
    fn the_first_visible_sheet_is_the_default() {
        let mut workbook = Workbook::new();
        let hidden = workbook.add_worksheet();
        hidden.set_name("Lookup").unwrap();
        hidden.write_string(0, 0, "secret").unwrap();
        hidden.set_hidden(true);
        let visible = workbook.add_worksheet();
        visible.set_name("People").unwrap();
        visible.write_string(0, 0, "id").unwrap();
        visible.write_string(1, 0, "1").unwrap();
        visible.set_active(true);
        let third = workbook.add_worksheet();
        third.set_name("Other").unwrap();
        third.write_string(0, 0, "name").unwrap();
        third.write_string(1, 0, "Dana").unwrap();
        let (_dir, path) = save(&mut workbook, "hidden.xlsx");

        let table = open_default(&path).unwrap();
        assert_eq!(table.sheet.as_deref(), Some("People"));
        assert_eq!(shown(table), [row(2, &["1"])]);

        let by_name = SourceOptions { sheet: Some(SheetConfig::Name("other".to_owned())), ..Default::default() };
        let table = open(&path, &by_name, &score).unwrap();
        assert_eq!(table.sheet.as_deref(), Some("Other"));
        assert_eq!(shown(table), [row(2, &["Dana"])]);

        // An index counts every sheet, hidden ones included.
        let by_index = SourceOptions { sheet: Some(SheetConfig::Index(0)), ..Default::default() };
        let table = open(&path, &by_index, &score).unwrap();
        assert_eq!(table.sheet.as_deref(), Some("Lookup"));
        assert_eq!(table.headers, ["secret"]);

        let unknown = SourceOptions { sheet: Some(SheetConfig::Name("Missing".to_owned())), ..Default::default() };
        let message = unreadable_message(open(&path, &unknown, &score));
        assert!(message.contains("'Missing'") && message.contains("'Lookup' (hidden), 'People', 'Other'"), "{message}");
        let unknown = SourceOptions { sheet: Some(SheetConfig::Index(7)), ..Default::default() };
        let message = unreadable_message(open(&path, &unknown, &score));
        assert!(message.contains("number 7") && message.contains("'People'"), "{message}");
    }

    #[test]
    fn empty_rows_and_columns_around_the_data_are_ignored() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let bold = XlsxFormat::new().set_bold();
        // Header at C3, data from row 4; a blank row and formatted empty cells around.
        sheet.write_string(2, 2, "id").unwrap();
        sheet.write_string(2, 3, "name").unwrap();
        sheet.write_string(3, 2, "1").unwrap();
        sheet.write_string(3, 3, "Dana").unwrap();
        sheet.write_string(5, 2, "2").unwrap();
        sheet.write_string(6, 3, "   ").unwrap();
        sheet.write_blank(40, 20, &bold).unwrap();
        sheet.write_blank(3, 9, &bold).unwrap();
        sheet.write_string(7, 5, " ").unwrap();
        let (_dir, path) = save(&mut workbook, "offset.xlsx");

        let table = open_default(&path).unwrap();
        assert_eq!(table.header_row, 3);
        assert_eq!(table.headers, ["id", "name"]);
        let rows = cells(table);
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [4, 6]);
        assert_eq!(rows[0].1, [Cell::Text("1".to_owned()), Cell::Text("Dana".to_owned())]);
        assert_eq!(rows[1].1, [Cell::Text("2".to_owned())], "trailing empty cells dropped");
    }

    #[test]
    fn the_header_is_found_below_a_title() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "Monthly report - May").unwrap();
        sheet.write_string(2, 0, "id").unwrap();
        sheet.write_string(2, 1, "name").unwrap();
        sheet.write_string(2, 2, "").unwrap();
        sheet.write_number(3, 0, 7.0).unwrap();
        sheet.write_string(3, 1, "Yossi").unwrap();
        let (_dir, path) = save(&mut workbook, "title.xlsx");

        let table = open_default(&path).unwrap();
        assert_eq!((table.header_row, table.headers.clone()), (3, vec!["id".to_owned(), "name".to_owned()]));
        assert_eq!(shown(table), [row(4, &["7", "Yossi"])]);

        let forced = SourceOptions { header_row: Some(1), ..Default::default() };
        let table = open(&path, &forced, &score).unwrap();
        assert_eq!((table.header_row, table.headers.clone()), (1, vec!["Monthly report - May".to_owned()]));
        assert_eq!(shown(table), [row(3, &["id", "name"]), row(4, &["7", "Yossi"])]);

        let beyond = SourceOptions { header_row: Some(30), ..Default::default() };
        assert!(matches!(open(&path, &beyond, &score), Err(ReadError::Empty { .. })));
    }

    #[test]
    fn a_declared_header_row_above_the_data_is_empty() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(4, 0, "id").unwrap();
        sheet.write_string(5, 0, "1").unwrap();
        let (_dir, path) = save(&mut workbook, "low.xlsx");
        let forced = SourceOptions { header_row: Some(2), ..Default::default() };
        let table = open(&path, &forced, &score).unwrap();
        assert_eq!((table.header_row, table.headers.len()), (2, 0));
        assert_eq!(shown(table), [row(5, &["id"]), row(6, &["1"])]);
    }

    #[test]
    fn many_rows_come_in_bounded_batches() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "id").unwrap();
        for i in 1..=20_000u32 {
            sheet.write_number(i, 0, f64::from(i)).unwrap();
        }
        let (_dir, path) = save(&mut workbook, "many.xlsx");
        let table = open_default(&path).unwrap();
        let numbers: Vec<u64> = cells(table).into_iter().map(|r| r.0).collect();
        assert_eq!(numbers, (2..=20_001).collect::<Vec<u64>>());
        let table = open_default(&path).unwrap();
        let sizes: Vec<usize> = table.batches.map(|b| b.unwrap().len()).collect();
        assert_eq!(sizes, [BATCH_ROWS, BATCH_ROWS, 20_000 - 2 * BATCH_ROWS]);
    }

    #[test]
    fn empty_workbooks_are_empty() {
        let mut workbook = Workbook::new();
        workbook.add_worksheet();
        let (_dir, path) = save(&mut workbook, "empty.xlsx");
        assert!(matches!(open_default(&path), Err(ReadError::Empty { .. })));

        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "  ").unwrap();
        sheet.write_blank(3, 3, &XlsxFormat::new().set_bold()).unwrap();
        let (_dir, path) = save(&mut workbook, "blank.xlsx");
        match open_default(&path) {
            Err(e @ ReadError::Empty { .. }) => {
                assert_eq!(e.code(), crate::report::IssueCode::EmptyFile)
            }
            other => panic!("expected empty, got {:?}", other.map(|t| t.headers)),
        }

        let (_dir, path) = write_bytes("zero.xlsx", b"");
        assert!(matches!(open_default(&path), Err(ReadError::Empty { .. })));
    }

    #[test]
    fn a_header_only_sheet_has_no_rows() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "id").unwrap();
        sheet.write_string(0, 1, "name").unwrap();
        let (_dir, path) = save(&mut workbook, "header.xlsx");
        let table = open_default(&path).unwrap();
        assert_eq!(table.headers, ["id", "name"]);
        assert!(cells(table).is_empty());
    }

    #[test]
    fn files_that_are_not_workbooks_are_unreadable() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let garbage: Vec<u8> = (0..4000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 32) as u8
            })
            .collect();
        let (_dir, path) = write_bytes("garbage.xlsx", &garbage);
        let message = unreadable_message(open_default(&path));
        assert!(message.contains("not an Excel .xlsx workbook"), "{message}");

        let (_dir, path) = write_bytes("people.xlsx", b"id,name\n1,Dana\n");
        let message = unreadable_message(open_default(&path));
        assert!(message.contains("CSV") && message.contains(".csv"), "{message}");

        let (_dir, path) = write_bytes("report.xls", b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n");
        let message = unreadable_message(open_default(&path));
        assert!(message.contains("PDF"), "{message}");
    }

    #[test]
    fn a_truncated_workbook_is_unreadable() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for i in 0..2000u32 {
            sheet.write_string(i, 0, format!("value {i}")).unwrap();
        }
        let bytes = workbook.save_to_buffer().unwrap();
        for cut in [bytes.len() / 2, bytes.len() - 30, 100] {
            let (_dir, path) = write_bytes("cut.xlsx", &bytes[..cut]);
            let message = unreadable_message(open_default(&path));
            assert!(message.contains("damaged"), "{message}");
        }
    }

    #[test]
    fn a_renamed_workbook_is_read_by_its_content() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "id").unwrap();
        sheet.write_string(1, 0, "1").unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        for name in ["export.xls", "export.ods", "EXPORT.XLSX", "export.bin"] {
            let (_dir, path) = write_bytes(name, &bytes);
            assert_eq!(shown(open_default(&path).unwrap()), [row(2, &["1"])], "{name}");
        }
    }

    #[test]
    fn mangled_workbooks_never_panic() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for r in 0..20u32 {
            sheet.write_string(r, 0, format!("id {r}")).unwrap();
            sheet.write_number(r, 1, f64::from(r) * 1.5).unwrap();
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut state = 0x00C0_FFEE_u32;
        for round in 0..60 {
            let mut mangled = bytes.clone();
            for _ in 0..3 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let at = (state >> 8) as usize % mangled.len();
                mangled[at] ^= (state >> 3) as u8 | 1;
            }
            let path = dir.path().join(format!("mangled{round}.xlsx"));
            std::fs::write(&path, &mangled).unwrap();
            if let Ok(table) = open_default(&path) {
                table.batches.for_each(drop);
            }
        }
    }

    /// A minimal compound (OLE) file holding an `EncryptedPackage` stream, the
    /// way Excel stores a password-protected xlsx.
    fn encrypted_container() -> Vec<u8> {
        const FREE: u32 = 0xFFFF_FFFF;
        const END: u32 = 0xFFFF_FFFE;
        const FAT: u32 = 0xFFFF_FFFD;
        let mut header = vec![0u8; 512];
        header[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        header[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
        header[26..28].copy_from_slice(&3u16.to_le_bytes());
        header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
        header[30..32].copy_from_slice(&9u16.to_le_bytes());
        header[32..34].copy_from_slice(&6u16.to_le_bytes());
        header[44..48].copy_from_slice(&1u32.to_le_bytes()); // one FAT sector
        header[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory at sector 1
        header[56..60].copy_from_slice(&4096u32.to_le_bytes());
        header[60..64].copy_from_slice(&END.to_le_bytes());
        header[68..72].copy_from_slice(&END.to_le_bytes());
        for (i, slot) in header[76..].chunks_exact_mut(4).enumerate() {
            slot.copy_from_slice(&if i == 0 { 0 } else { FREE }.to_le_bytes());
        }
        let mut fat = vec![0u8; 512];
        for (i, slot) in fat.chunks_exact_mut(4).enumerate() {
            let value = match i {
                0 => FAT,
                1 | 2 => END,
                _ => FREE,
            };
            slot.copy_from_slice(&value.to_le_bytes());
        }
        let mut directory = vec![0u8; 512];
        for (i, (name, kind, start, size)) in
            [("Root Entry", 5u8, END, 0u32), ("EncryptedPackage", 2, 2, 512), ("EncryptionInfo", 2, END, 0)]
                .into_iter()
                .enumerate()
        {
            let entry = &mut directory[i * 128..(i + 1) * 128];
            let utf16: Vec<u8> = name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
            entry[..utf16.len()].copy_from_slice(&utf16);
            entry[64..66].copy_from_slice(&(utf16.len() as u16).to_le_bytes());
            entry[66] = kind;
            entry[68..72].copy_from_slice(&FREE.to_le_bytes());
            entry[72..76].copy_from_slice(&FREE.to_le_bytes());
            entry[76..80].copy_from_slice(&if i == 0 { 1u32 } else { FREE }.to_le_bytes());
            entry[116..120].copy_from_slice(&start.to_le_bytes());
            entry[120..124].copy_from_slice(&size.to_le_bytes());
        }
        let package = vec![0xA5u8; 512];
        [header, fat, directory, package].concat()
    }

    #[test]
    fn a_password_protected_workbook_is_unreadable() {
        for name in ["secret.xlsx", "secret.xls", "secret.xlsb"] {
            let (_dir, path) = write_bytes(name, &encrypted_container());
            let message = unreadable_message(open_default(&path));
            assert!(message.contains("password-protected"), "{name}: {message}");
        }
    }

    /// Writes a minimal OpenDocument spreadsheet (mimetype, manifest, content).
    fn write_ods(path: &Path, manifest_extra: &str, content_rows: &str) {
        use zip::write::SimpleFileOptions;
        let file = File::create(path).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
        zip.start_file("META-INF/manifest.xml", stored).unwrap();
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest_extra}</manifest:file-entry>
</manifest:manifest>"#
        )
        .unwrap();
        zip.start_file("content.xml", stored).unwrap();
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Patients">{content_rows}</table:table></office:spreadsheet></office:body>
</office:document-content>"#
        )
        .unwrap();
        zip.finish().unwrap();
    }

    fn ods_text(s: &str) -> String {
        format!(r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#)
    }

    #[test]
    fn reads_an_ods_spreadsheet() {
        let header = ["id", "code", "date", "when", "active"].map(ods_text).concat();
        let data = [
            ods_text("007"),
            r#"<table:table-cell office:value-type="float" office:value="123"><text:p>123</text:p></table:table-cell>"#.to_owned(),
            r#"<table:table-cell office:value-type="date" office:date-value="2024-01-15"><text:p>15/01/24</text:p></table:table-cell>"#.to_owned(),
            r#"<table:table-cell office:value-type="date" office:date-value="2024-01-15T10:30:00"><text:p>x</text:p></table:table-cell>"#.to_owned(),
            r#"<table:table-cell office:value-type="boolean" office:boolean-value="false"><text:p>FALSE</text:p></table:table-cell>"#.to_owned(),
        ]
        .concat();
        let rows = format!(
            "<table:table-row>{header}</table:table-row><table:table-row><table:table-cell/></table:table-row>\
             <table:table-row>{data}</table:table-row>"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("patients.ods");
        write_ods(&path, "", &rows);

        let table = open_default(&path).unwrap();
        assert_eq!(table.sheet.as_deref(), Some("Patients"));
        assert_eq!(table.headers, ["id", "code", "date", "when", "active"]);
        let rows = cells(table);
        assert_eq!(rows.len(), 1);
        let (n, cells) = &rows[0];
        assert_eq!(*n, 3);
        assert_eq!(cells[0], Cell::Text("007".to_owned()));
        assert_eq!(cells[1].as_ref().display(), "123");
        assert_eq!(cells[2], Cell::DateTime(date(2024, 1, 15).and_time(NaiveTime::MIN)));
        assert_eq!(cells[3], Cell::DateTime(date(2024, 1, 15).and_hms_opt(10, 30, 0).unwrap()));
        assert_eq!(cells[4], Cell::Bool(false));
    }

    #[test]
    fn an_encrypted_ods_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.ods");
        let encryption = r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"></manifest:encryption-data>"#;
        write_ods(&path, encryption, "<table:table-row></table:table-row>");
        let message = unreadable_message(open_default(&path));
        assert!(message.contains("password-protected"), "{message}");
    }

    #[test]
    fn converts_calamine_values() {
        use calamine::{CellErrorType, ExcelDateTimeType};
        let serial = |v: f64, kind| Data::DateTime(ExcelDateTime::new(v, kind, false));
        assert_eq!(convert(&Data::Int(42)), Cell::Number(42.0));
        assert_eq!(convert(&Data::Float(0.1)), Cell::Number(0.1));
        assert_eq!(convert(&Data::String(" 00123 ".to_owned())), Cell::Text(" 00123 ".to_owned()));
        assert_eq!(convert(&Data::Error(CellErrorType::Div0)), Cell::Error("#DIV/0!".to_owned()));
        assert_eq!(convert(&Data::Empty), Cell::Empty);
        // 45306 is 2024-01-15 in the 1900 system; .5 is noon.
        let noon = date(2024, 1, 15).and_hms_opt(12, 0, 0).unwrap();
        assert_eq!(convert(&serial(45306.5, ExcelDateTimeType::DateTime)), Cell::DateTime(noon));
        let in_1904 = Data::DateTime(ExcelDateTime::new(43844.0, ExcelDateTimeType::DateTime, true));
        assert_eq!(convert(&in_1904), Cell::DateTime(date(2024, 1, 15).and_time(NaiveTime::MIN)));
        assert_eq!(convert(&serial(0.4375, ExcelDateTimeType::DateTime)), Cell::Text("10:30:00".to_owned()));
        assert_eq!(convert(&serial(1.5, ExcelDateTimeType::TimeDelta)), Cell::Text("36:00:00".to_owned()));
        // Excel's phantom 1900-02-29 and impossible serials stay numbers.
        assert_eq!(convert(&serial(60.0, ExcelDateTimeType::DateTime)), Cell::Number(60.0));
        assert_eq!(convert(&serial(-3.0, ExcelDateTimeType::DateTime)), Cell::Number(-3.0));
        assert_eq!(convert(&serial(-0.25, ExcelDateTimeType::TimeDelta)), Cell::Text("-6:00:00".to_owned()));
        assert!(matches!(convert(&serial(f64::NAN, ExcelDateTimeType::DateTime)), Cell::Number(n) if n.is_nan()));
        assert_eq!(
            convert(&Data::DateTimeIso("2024-01-15T08:05:00.250".to_owned())),
            Cell::DateTime(date(2024, 1, 15).and_hms_milli_opt(8, 5, 0, 250).unwrap())
        );
        assert_eq!(convert(&Data::DateTimeIso("15/01/2024".to_owned())), Cell::Text("15/01/2024".to_owned()));
        assert_eq!(convert(&Data::DurationIso("PT10H30M00S".to_owned())), Cell::Text("PT10H30M00S".to_owned()));
    }
}
