//! calamine's readers: the workbook opened in the format its name or its first
//! bytes show (damaged, encrypted and mislabelled files refused with a message
//! saying what to do), then its sheet read as rows for the header search and
//! the batches of `rows`: xlsx and xlsb sheets streamed cell by cell on a
//! parsing thread (`sheet_stream`), xls and ods sheets read whole as one range.
//! The fast xlsx path (`xlsx_fast`) reads most xlsx workbooks before calamine
//! is asked; `route` decides.

use super::cell::Cell;
use super::encoding::binary_kind;
use super::format::{self, Format};
use super::rows::{sheet_table, CellRows, Columns, RowSource, Window};
use super::sheet_stream::{RowSink, RowStream};
use super::spreadsheet::{cell_of, choose_sheet, convert, damaged, unreadable};
use super::table::{HeaderScore, ReadError, Table};
use crate::contract::SourceOptions;
use calamine::{
    open_workbook, Data, DataRef, Ods, OdsError, Range, Reader, Sheets, Xls, XlsError, Xlsb, XlsbError, Xlsx, XlsxError,
};
use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

pub(crate) type Workbook = Sheets<BufReader<File>>;

/// Opens a workbook through calamine and one of its sheets as a table:
/// `options.sheet` (a 0-based index among all sheets, or a name) or else the
/// first visible worksheet.
pub(crate) fn open(path: &Path, options: &SourceOptions, score: HeaderScore<'_>) -> Result<Table, ReadError> {
    let (workbook, sheet) = open_sheet(path, options)?;
    let name = sheet.clone();
    match workbook {
        Sheets::Xlsx(xlsx) => {
            let rows = RowStream::spawn_named(sheet.clone(), move |sink| parse_sheet(xlsx, &name, sink));
            sheet_table(rows, sheet, options.header_row, score)
        }
        // Streamed like xlsx, so that every cell's position is checked before
        // a row is allocated for it (a range would be allocated whole first).
        Sheets::Xlsb(xlsb) => {
            let rows = RowStream::spawn_named(sheet.clone(), move |sink| parse_xlsb_sheet(xlsb, &name, sink));
            sheet_table(rows, sheet, options.header_row, score)
        }
        other => open_range(other, sheet, options, score),
    }
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

/// Reads the sheet whole as one range (xls, ods).
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
    sheet_table(RangeRows::new(range), sheet, options.header_row, score)
}

/// Opens an .xlsx sheet through the range path, for the differential test
/// against the streaming paths.
#[cfg(test)]
pub(super) fn open_as_range(path: &Path, options: &SourceOptions, score: HeaderScore<'_>) -> Result<Table, ReadError> {
    let (workbook, sheet) = open_sheet(path, options)?;
    open_range(workbook, sheet, options, score)
}

/// Why one attempt at opening failed.
enum OpenError {
    Password,
    Other(String),
}

/// Opens the workbook in the format its extension names, falling back to the
/// format its first bytes show (a renamed file).
fn open_workbook_any(path: &Path) -> Result<Workbook, ReadError> {
    let head = read_head(path)?;
    if head.is_empty() {
        return Err(ReadError::Empty { message: "the file is empty (0 bytes)".to_owned() });
    }
    let by_extension = format::named_workbook(path);
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
        Format::Csv => Err(OpenError::Other("CSV is no workbook".to_owned())),
    }
}

/// A sheet's range as rows: every row from the range's first to its last
/// non-empty one, cut to the columns up to the last non-empty one; columns
/// count from the range's first.
struct RangeRows {
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

impl RangeRows {
    fn new(range: Range<Data>) -> RangeRows {
        let (mut end, mut width) = (0, 0);
        for (index, row) in range.rows().enumerate() {
            if let Some(last) = row.iter().rposition(|d| !data_is_empty(d)) {
                end = index + 1;
                width = width.max(last + 1);
            }
        }
        let start_row = u64::from(range.start().map_or(0, |(row, _)| row));
        RangeRows { range, next: 0, end, width, start_row }
    }
}

impl RowSource for RangeRows {
    type Row = Vec<Cell>;
    type Rows = CellRows;
    const WINDOW: Window = Window::SheetRows;
    const COLUMNS: Columns = Columns::AsRead;

    fn read_row(&mut self) -> Option<Result<(u64, Vec<Cell>), ReadError>> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        self.next += 1;
        // Trailing empty cells dropped.
        let len = (0..self.width)
            .rev()
            .find(|&col| self.range.get((index, col)).is_some_and(|d| *d != Data::Empty))
            .map_or(0, |last| last + 1);
        let cells = (0..len).map(|col| self.range.get((index, col)).map_or(Cell::Empty, convert)).collect();
        Some(Ok((self.start_row + index as u64 + 1, cells)))
    }

    fn new_rows(&mut self) -> CellRows {
        CellRows::default()
    }
}

/// Empty or whitespace-only cells count as empty (SPEC §3).
fn data_is_empty(data: &Data) -> bool {
    match data {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Runs on the parsing thread: calamine's cell reader over an .xlsx sheet, for
/// workbooks the fast path leaves to calamine.
pub fn parse_sheet(mut workbook: Xlsx<BufReader<File>>, sheet: &str, sink: &mut RowSink<'_>) {
    match workbook.worksheet_cells_reader(sheet) {
        Ok(mut cells) => stream_cells(sheet, sink, || cells.next_cell()),
        Err(error) => sink.fail(failed(sheet, error)),
    }
}

/// Runs on the parsing thread: calamine's cell reader over an .xlsb sheet.
pub fn parse_xlsb_sheet(mut workbook: Xlsb<BufReader<File>>, sheet: &str, sink: &mut RowSink<'_>) {
    match workbook.worksheet_cells_reader(sheet) {
        Ok(mut cells) => stream_cells(sheet, sink, || cells.next_cell()),
        Err(error) => sink.fail(failed(sheet, error)),
    }
}

/// Hands the cells `next_cell` reads to `sink`, empty ones left out.
fn stream_cells<'a, E: std::fmt::Display>(
    sheet: &str,
    sink: &mut RowSink<'_>,
    mut next_cell: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
) {
    loop {
        match next_cell() {
            Ok(Some(cell)) => {
                let (row, col) = cell.get_position();
                let value = cell.get_value();
                if !matches!(value, DataRef::Empty) && !sink.push(row, col, cell_of(Data::from(value.clone()))) {
                    return;
                }
            }
            Ok(None) => return sink.finish(),
            Err(error) => return sink.fail(failed(sheet, error)),
        }
    }
}

fn failed(sheet: &str, error: impl std::fmt::Display) -> ReadError {
    damaged(&format!("sheet '{sheet}' could not be read ({error})"))
}
