//! The row stream every reader feeds: a [`RowSource`] hands over its rows
//! (CSV records, a calamine range's rows, the rows a parsing thread streams),
//! and this file does the rest once for all of them: the one header search
//! ([`find_header`]: the contract's row, else the best scoring of the first
//! [`HEADER_SEARCH_ROWS`] rows, else the first row with data) and the one
//! batching loop ([`Batches`]: blank rows skipped, rows numbered as the
//! spreadsheet numbers them, an error reported after the rows read before
//! it). Like ripgrep's searcher and its sinks, the readers never see each
//! other.

use super::cell::{Cell, CellRef};
use super::table::{Batch, BatchData, HeaderScore, ReadError, Table, BATCH_ROWS};
use std::collections::VecDeque;

/// How many leading rows are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// Cells (empty ones included) per batch at most, whatever the rows: a sheet
/// of rows 16,384 cells wide then holds 16 MiB per batch instead of gigabytes.
pub const MAX_BATCH_CELLS: usize = 1 << 19;

/// What counts as one of the first [`HEADER_SEARCH_ROWS`] rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Spreadsheet rows from the first row the source gives: rows it skips
    /// (a sheet's rows without cells) count.
    SheetRows,
    /// Rows the source gives: CSV's blank lines, which its parser skips, do
    /// not count.
    SourceRows,
}

/// Where a source's rows start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// At the first cell the source gives (CSV's first field, a range's first
    /// column).
    AsRead,
    /// At column A, so leading columns without a cell in any of the first rows
    /// are left out of the header and of every row (as a range leaves them out).
    FromWindow,
}

/// A row as a source holds it, seen as cells.
pub trait SourceRow: Send {
    fn cells(&self) -> Vec<CellRef<'_>>;
}

impl SourceRow for Vec<Cell> {
    fn cells(&self) -> Vec<CellRef<'_>> {
        self.iter().map(Cell::as_ref).collect()
    }
}

/// Where a batch's rows are kept while it fills.
pub trait Rows {
    type Row;
    /// Appends `row` without its first `offset` cells, unless it is blank;
    /// true when it was appended.
    fn push(&mut self, row: Self::Row, offset: usize) -> bool;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Cells held, empty ones included.
    fn cells(&self) -> usize;
    fn into_data(self) -> BatchData;
}

/// A reader's rows, in file order, numbered as the spreadsheet numbers them.
pub trait RowSource: Send + 'static {
    type Row: SourceRow;
    type Rows: Rows<Row = Self::Row>;
    const WINDOW: Window;
    const COLUMNS: Columns;

    /// The next row (blank ones included) with its 1-based row number; after
    /// an error, none.
    fn read_row(&mut self) -> Option<Result<(u64, Self::Row), ReadError>>;

    /// An empty batch.
    fn new_rows(&mut self) -> Self::Rows;

    /// The next row appended to `rows` (blank rows left out): its number, or
    /// `None` for a blank row. A source that can read straight into a batch
    /// does so here.
    fn read_into(&mut self, rows: &mut Self::Rows, offset: usize) -> Option<Result<Option<u64>, ReadError>> {
        Some(self.read_row()?.map(|(number, row)| rows.push(row, offset).then_some(number)))
    }

    /// A batch is full and about to be handed over.
    fn filled(&mut self, _rows: &Self::Rows) {}
}

/// The header row found.
#[derive(Debug)]
pub struct Header {
    /// 1-based spreadsheet row of the header.
    pub row: u64,
    /// Headers as written (trailing empty headers dropped).
    pub headers: Vec<String>,
}

/// Finds the header row of `source` and returns it with the data rows after
/// it: row `forced` when the contract fixes it (rows above it are dropped; a
/// blank or missing row gives no headers), else the row among the first
/// [`HEADER_SEARCH_ROWS`] that `score` rates best (the earliest on ties, blank
/// rows never), else the first row with data below them. `place` names the
/// file or sheet in messages ("sheet 'Data'").
pub fn find_header<S: RowSource>(
    mut source: S,
    forced: Option<u64>,
    score: HeaderScore<'_>,
    place: &str,
) -> Result<(Header, Batches<S>), ReadError> {
    let mut pending = VecDeque::new();
    // The first rows are read ahead to search them, or to find the columns.
    let window =
        if forced.is_none() || S::COLUMNS == Columns::FromWindow { read_window(&mut source, &mut pending)? } else { 0 };
    let offset = match S::COLUMNS {
        Columns::AsRead => 0,
        Columns::FromWindow => pending
            .iter()
            .take(window)
            .filter_map(|(_, row)| row.cells().iter().position(|c| *c != CellRef::Empty))
            .min()
            .unwrap_or(0),
    };
    let texts = |row: &S::Row| header_texts(row.cells().get(offset..).unwrap_or_default());
    let found = |row: u64, headers: Vec<String>, pending: VecDeque<(u64, S::Row)>, source: S| {
        (Header { row, headers }, Batches { source, pending, offset, error: None, done: false })
    };
    if let Some(n) = forced {
        let mut last_with_data = None;
        loop {
            match next(&mut pending, &mut source) {
                Some(Ok((number, row))) if number < n => {
                    if !is_blank(&row) {
                        last_with_data = Some(number);
                    }
                }
                Some(Ok((number, row))) if number == n => return Ok(found(n, texts(&row), pending, source)),
                Some(Ok(below)) => {
                    // Row `n` has no cells (or lies above the first): no headers.
                    pending.push_front(below);
                    return Ok(found(n, Vec::new(), pending, source));
                }
                Some(Err(error)) => return Err(error),
                None => {
                    let Some(last) = last_with_data else { return Err(empty(place)) };
                    return Err(ReadError::Empty {
                        message: format!(
                            "{place} ends at row {last}, before row {n}, where the contract says the header row is"
                        ),
                    });
                }
            }
        }
    }
    let chosen = {
        let rows: Vec<Vec<CellRef<'_>>> = pending
            .iter()
            .take(window)
            .map(|(_, row)| row.cells().get(offset..).unwrap_or_default().to_vec())
            .collect();
        pick_header_row(&rows, score)
    };
    if let Some(at) = chosen {
        if let Some((number, row)) = pending.drain(..=at).last() {
            return Ok(found(number, texts(&row), pending, source));
        }
    }
    // Nothing in the first rows: the header is the first row with data below.
    loop {
        match next(&mut pending, &mut source) {
            Some(Ok((number, row))) if !is_blank(&row) => return Ok(found(number, texts(&row), pending, source)),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error),
            None => return Err(empty(place)),
        }
    }
}

/// A sheet's rows as a table, `sheet` naming it.
pub fn sheet_table<S: RowSource>(
    source: S,
    sheet: String,
    forced: Option<u64>,
    score: HeaderScore<'_>,
) -> Result<Table, ReadError> {
    let (header, batches) = find_header(source, forced, score, &format!("sheet '{sheet}'"))?;
    Ok(Table {
        sheet: Some(sheet),
        encoding: None,
        delimiter: None,
        header_row: header.row,
        headers: header.headers,
        batches: Box::new(batches),
    })
}

/// Reads the first rows into `pending` and returns how many of them are in
/// the window; with [`Window::SheetRows`] the row after the window is read too
/// (it is how the window is known to have ended).
fn read_window<S: RowSource>(source: &mut S, pending: &mut VecDeque<(u64, S::Row)>) -> Result<usize, ReadError> {
    let mut first = None;
    while S::WINDOW == Window::SheetRows || pending.len() < HEADER_SEARCH_ROWS {
        match source.read_row() {
            Some(Ok((number, row))) => {
                let start = *first.get_or_insert(number);
                pending.push_back((number, row));
                if S::WINDOW == Window::SheetRows && number.saturating_sub(start) >= HEADER_SEARCH_ROWS as u64 {
                    return Ok(pending.len() - 1);
                }
            }
            Some(Err(error)) => return Err(error),
            None => break,
        }
    }
    Ok(pending.len())
}

/// The rows read ahead first, then the source's.
fn next<S: RowSource>(
    pending: &mut VecDeque<(u64, S::Row)>,
    source: &mut S,
) -> Option<Result<(u64, S::Row), ReadError>> {
    match pending.pop_front() {
        Some(row) => Some(Ok(row)),
        None => source.read_row(),
    }
}

/// A file or sheet without a cell holding data.
fn empty(place: &str) -> ReadError {
    ReadError::Empty { message: format!("{place} has no cells with data") }
}

/// True when every cell is empty or whitespace (SPEC §3).
pub fn is_blank(row: &impl SourceRow) -> bool {
    row.cells().iter().all(CellRef::is_empty)
}

/// Chooses the header row among the first rows: the one naming most contract
/// columns (the earliest on ties); the first non-empty row when none names any.
/// Returns the index into `rows`.
pub fn pick_header_row(rows: &[Vec<CellRef<'_>>], score: HeaderScore<'_>) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (index, row) in rows.iter().enumerate() {
        if row.iter().all(CellRef::is_empty) {
            continue;
        }
        let points = score(row);
        match best {
            None => best = Some((index, points)),
            Some((_, best_points)) if points > best_points => best = Some((index, points)),
            _ => {}
        }
    }
    best.map(|(index, _)| index)
}

/// Header texts as shown, without the empty cells that trail them.
pub fn header_texts(cells: &[CellRef<'_>]) -> Vec<String> {
    let mut headers: Vec<String> = cells.iter().map(CellRef::display).collect();
    while headers.last().is_some_and(|h| h.trim().is_empty()) {
        headers.pop();
    }
    headers
}

/// Typed spreadsheet rows, as a batch holds them.
#[derive(Debug, Default)]
pub struct CellRows {
    rows: Vec<Vec<Cell>>,
    cells: usize,
}

impl Rows for CellRows {
    type Row = Vec<Cell>;

    fn push(&mut self, mut cells: Vec<Cell>, offset: usize) -> bool {
        cells.drain(..offset.min(cells.len()));
        while cells.last().is_some_and(|c| *c == Cell::Empty) {
            cells.pop();
        }
        if cells.iter().all(|c| c.as_ref().is_empty()) {
            return false;
        }
        self.cells += cells.len();
        self.rows.push(cells);
        true
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    fn cells(&self) -> usize {
        self.cells
    }

    fn into_data(self) -> BatchData {
        BatchData::Cells(self.rows)
    }
}

/// The data rows after the header, in batches of at most [`BATCH_ROWS`] rows
/// and about [`MAX_BATCH_CELLS`] cells; blank rows are skipped. The stream
/// yields `Err` at most once, after every row read before the failure, and
/// ends there.
pub struct Batches<S: RowSource> {
    source: S,
    /// Rows read while looking for the header, yielded first.
    pending: VecDeque<(u64, S::Row)>,
    /// Leading columns left out of every row.
    offset: usize,
    /// A failure to report after the rows read before it.
    error: Option<ReadError>,
    done: bool,
}

impl<S: RowSource> Iterator for Batches<S> {
    type Item = Result<Batch, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Some(error) = self.error.take() {
            self.done = true;
            return Some(Err(error));
        }
        let mut row_numbers = Vec::with_capacity(BATCH_ROWS);
        let mut rows = self.source.new_rows();
        while rows.len() < BATCH_ROWS && rows.cells() < MAX_BATCH_CELLS {
            let read = match self.pending.pop_front() {
                Some((number, row)) => Some(Ok(rows.push(row, self.offset).then_some(number))),
                None => self.source.read_into(&mut rows, self.offset),
            };
            match read {
                Some(Ok(Some(number))) => row_numbers.push(number),
                Some(Ok(None)) => {}
                Some(Err(error)) => {
                    self.error = Some(error);
                    break;
                }
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        if rows.is_empty() {
            // Nothing was read before the end or the failure.
            self.done = true;
            return self.error.take().map(Err);
        }
        self.source.filled(&rows);
        Some(Ok(Batch { row_numbers, data: rows.into_data() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_row_is_the_one_naming_most_columns() {
        let title = vec![CellRef::Text("Monthly report"), CellRef::Empty];
        let blank = vec![CellRef::Empty, CellRef::Empty];
        let header = vec![CellRef::Text("id"), CellRef::Text("name")];
        let rows = vec![title, blank, header];
        let score = |row: &[CellRef<'_>]| {
            row.iter().filter(|c| matches!(c, CellRef::Text("id") | CellRef::Text("name"))).count()
        };
        assert_eq!(pick_header_row(&rows, &score), Some(2));
        let none = |_: &[CellRef<'_>]| 0;
        assert_eq!(pick_header_row(&rows, &none), Some(0));
    }
}
