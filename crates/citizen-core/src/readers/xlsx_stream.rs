//! The streaming path for .xlsx/.xlsm sheets: a thread parses the sheet's XML
//! (the fast path of `xlsx_fast`, else calamine's cell reader) and hands rows
//! over as it goes, so validation runs on the other cores while the file is
//! still being read, and the sheet is never held whole in memory. Other workbook formats go through
//! `excel.rs`, which reads the sheet as one range; a differential test proves
//! both paths give the same table.

use super::excel::{convert_ref, damaged, header_texts};
use super::limits::{self, check_position};
use super::{
    pick_header_row, Batch, BatchData, Cell, CellRef, HeaderScore, ReadError, Table, BATCH_ROWS, HEADER_SEARCH_ROWS,
};
use calamine::{DataRef, Xlsb, Xlsx};
use std::collections::VecDeque;
use std::fs::File;
use std::io::BufReader;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// A sheet row: its 0-based spreadsheet index and its cells from column A.
pub(crate) type Row = (u32, Vec<Cell>);

/// Rows sent over the channel at a time: a small first chunk so the header is
/// found (and the app shows rows) at once, then whole batches.
const FIRST_CHUNK_ROWS: usize = 64;
const CHUNK_ROWS: usize = BATCH_ROWS;

/// Chunks in flight between the parsing thread and the batches: enough to keep
/// both sides busy, few enough to keep memory flat.
const CHUNKS_IN_FLIGHT: usize = 8;

/// Cells (empty ones included) per chunk and per batch at most, whatever the
/// rows: a sheet of rows 16,384 cells wide then holds 16 MiB per chunk instead
/// of gigabytes per batch.
const MAX_CHUNK_CELLS: usize = 1 << 19;

/// Opens `sheet` of an .xlsx workbook as a streamed table, its rows coming from `rows`.
pub fn open(
    mut rows: RowStream,
    sheet: String,
    forced_header: Option<u64>,
    score: HeaderScore<'_>,
) -> Result<Table, ReadError> {
    let header = find_header(&mut rows, forced_header, score, &sheet)?;
    Ok(Table {
        sheet: Some(sheet),
        encoding: None,
        delimiter: None,
        header_row: header.row,
        headers: header.headers,
        batches: Box::new(StreamBatches { rows, offset: header.offset }),
    })
}

/// The rows a parsing thread sends, with a look-ahead buffer for the header search.
pub struct RowStream {
    receiver: Receiver<Result<Vec<Row>, ReadError>>,
    buffered: VecDeque<Row>,
    error: Option<ReadError>,
    ended: bool,
}

impl RowStream {
    /// Runs `parse` on its own thread, feeding the stream through a [`RowSink`].
    pub fn spawn(parse: impl FnOnce(&mut RowSink<'_>) + Send + 'static) -> RowStream {
        RowStream::spawn_named(String::new(), parse)
    }

    /// [`RowStream::spawn`], `sheet` naming the sheet in messages.
    pub fn spawn_named(sheet: String, parse: impl FnOnce(&mut RowSink<'_>) + Send + 'static) -> RowStream {
        let (sender, receiver) = sync_channel(CHUNKS_IN_FLIGHT);
        std::thread::spawn(move || {
            // The parsers read untrusted bytes; a panic in one must end the
            // stream with an error, not take the process down.
            let failure_sender = sender.clone();
            let outcome = catch_unwind(AssertUnwindSafe(move || parse(&mut RowSink::new(&sender, sheet))));
            if outcome.is_err() {
                let _ = failure_sender.send(Err(damaged("the workbook could not be read")));
            }
        });
        RowStream { receiver, buffered: VecDeque::new(), error: None, ended: false }
    }

    /// Receives one more chunk into the buffer; false at the end or on error.
    fn fill(&mut self) -> bool {
        if self.ended {
            return false;
        }
        match self.receiver.recv() {
            Ok(Ok(chunk)) => {
                self.buffered.extend(chunk);
                true
            }
            Ok(Err(error)) => {
                self.error = Some(error);
                self.ended = true;
                false
            }
            Err(_) => {
                self.ended = true;
                false
            }
        }
    }

    /// The next row, or the error that ended the sheet.
    pub(crate) fn next_row(&mut self) -> Option<Result<Row, ReadError>> {
        loop {
            if let Some(row) = self.buffered.pop_front() {
                return Some(Ok(row));
            }
            if !self.fill() {
                return self.error.take().map(Err);
            }
        }
    }

    /// The buffered row at `index`, receiving more as needed.
    fn peek(&mut self, index: usize) -> Option<&Row> {
        while self.buffered.len() <= index {
            if !self.fill() {
                return None;
            }
        }
        self.buffered.get(index)
    }
}

/// Where a parser puts the cells it reads, in sheet order: they are grouped
/// into rows and the rows sent in chunks.
pub struct RowSink<'a> {
    sender: &'a SyncSender<Result<Vec<Row>, ReadError>>,
    chunk: Vec<Row>,
    chunk_rows: usize,
    current: Option<Row>,
    /// Cells in the last row, to size the next one at once.
    last_width: usize,
    /// Cells in the rows of `chunk`.
    chunk_cells: usize,
    sheet: String,
    /// A limit was broken: the stream has ended with its error.
    failed: bool,
}

impl<'a> RowSink<'a> {
    fn new(sender: &'a SyncSender<Result<Vec<Row>, ReadError>>, sheet: String) -> Self {
        RowSink {
            sender,
            chunk: Vec::with_capacity(FIRST_CHUNK_ROWS),
            chunk_rows: FIRST_CHUNK_ROWS,
            current: None,
            last_width: 0,
            chunk_cells: 0,
            sheet,
            failed: false,
        }
    }

    /// Adds a cell at its 0-based row and column (a later cell at the same
    /// place replaces an earlier one); false once the reader has gone, or
    /// when the cell breaks a limit (its position, checked before anything
    /// is allocated for it, or its length), which ends the stream with a
    /// `too_large` error.
    pub fn push(&mut self, row: u32, col: u32, cell: Cell) -> bool {
        if self.failed {
            return false;
        }
        if let Err(error) = check_position(&self.sheet, u64::from(row), u64::from(col)) {
            self.fail(error);
            return false;
        }
        if let Cell::Text(text) | Cell::Error(text) = &cell {
            if limits::cell_too_long(text) {
                let place = format!(
                    "{}, cell {}",
                    limits::sheet_label(&self.sheet),
                    limits::cell_name(u64::from(row), u64::from(col))
                );
                self.fail(limits::long_cell(Some(u64::from(row) + 1), &place));
                return false;
            }
        }
        if self.current.as_ref().is_some_and(|(index, _)| *index != row) {
            if let Some(done) = self.current.take() {
                self.last_width = done.1.len();
                self.chunk_cells += done.1.len();
                self.chunk.push(done);
            }
            if self.chunk.len() == self.chunk_rows || self.chunk_cells >= MAX_CHUNK_CELLS {
                self.chunk_rows = CHUNK_ROWS;
                self.chunk_cells = 0;
                let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(self.chunk_rows));
                if self.sender.send(Ok(full)).is_err() {
                    return false;
                }
            }
        }
        let width = self.last_width;
        let (_, values) = self.current.get_or_insert_with(|| (row, Vec::with_capacity(width)));
        let col = col as usize;
        if values.len() <= col {
            values.resize(col + 1, Cell::Empty);
        }
        values[col] = cell;
        true
    }

    /// Sends the rows still held: the sheet has ended.
    pub fn finish(&mut self) {
        if self.failed {
            return;
        }
        self.chunk.extend(self.current.take());
        if !self.chunk.is_empty() {
            let _ = self.sender.send(Ok(std::mem::take(&mut self.chunk)));
        }
    }

    /// Sends the rows read so far, then the error that stopped the sheet.
    pub fn fail(&mut self, error: ReadError) {
        if self.failed {
            return;
        }
        self.finish();
        self.failed = true;
        let _ = self.sender.send(Err(error));
    }
}

/// Runs on the parsing thread: calamine's cell reader over the sheet, for
/// workbooks the fast path leaves to calamine.
pub fn parse_sheet(mut workbook: Xlsx<BufReader<File>>, sheet: &str, sink: &mut RowSink<'_>) {
    let failed = |error: calamine::XlsxError| damaged(&format!("sheet '{sheet}' could not be read ({error})"));
    let mut cells = match workbook.worksheet_cells_reader(sheet) {
        Ok(cells) => cells,
        Err(error) => return sink.fail(failed(error)),
    };
    loop {
        match cells.next_cell() {
            Ok(Some(cell)) => {
                let (row, col) = cell.get_position();
                let value = cell.get_value();
                if !matches!(value, DataRef::Empty) && !sink.push(row, col, convert_ref(value)) {
                    return;
                }
            }
            Ok(None) => return sink.finish(),
            Err(error) => return sink.fail(failed(error)),
        }
    }
}

/// Runs on the parsing thread: calamine's cell reader over an .xlsb sheet.
pub fn parse_xlsb_sheet(mut workbook: Xlsb<BufReader<File>>, sheet: &str, sink: &mut RowSink<'_>) {
    let failed = |error: calamine::XlsbError| damaged(&format!("sheet '{sheet}' could not be read ({error})"));
    let mut cells = match workbook.worksheet_cells_reader(sheet) {
        Ok(cells) => cells,
        Err(error) => return sink.fail(failed(error)),
    };
    loop {
        match cells.next_cell() {
            Ok(Some(cell)) => {
                let (row, col) = cell.get_position();
                let value = cell.get_value();
                if !matches!(value, DataRef::Empty) && !sink.push(row, col, convert_ref(value)) {
                    return;
                }
            }
            Ok(None) => return sink.finish(),
            Err(error) => return sink.fail(failed(error)),
        }
    }
}

/// Where the header is and which column the table starts at.
struct Header {
    /// 1-based spreadsheet row of the header.
    row: u64,
    headers: Vec<String>,
    /// Leading columns with no cell in the rows searched for the header: left
    /// out, as the range path leaves them out.
    offset: usize,
}

fn is_blank(cells: &[Cell]) -> bool {
    cells.iter().all(|c| c.as_ref().is_empty())
}

/// Finds the header row as the range path does: the row `forced` names, else
/// the best scoring of the first rows from the first one holding a cell, else
/// the first non-empty row below them. Rows before the header are consumed.
fn find_header(
    rows: &mut RowStream,
    forced: Option<u64>,
    score: HeaderScore<'_>,
    sheet: &str,
) -> Result<Header, ReadError> {
    let empty = || ReadError::Empty { message: format!("sheet '{sheet}' is empty") };
    let Some(&(start, _)) = rows.peek(0) else {
        return Err(rows.error.take().unwrap_or_else(empty));
    };
    // The rows of the search window, by their offset from the first one.
    let mut window = 0usize;
    while rows.peek(window).is_some_and(|(index, _)| (index.saturating_sub(start) as usize) < HEADER_SEARCH_ROWS) {
        window += 1;
    }
    if let Some(error) = rows.error.take() {
        return Err(error);
    }
    let offset = rows
        .buffered
        .iter()
        .take(window)
        .filter_map(|(_, cells)| cells.iter().position(|c| *c != Cell::Empty))
        .min()
        .unwrap_or(0);
    let shift = |cells: &[Cell]| cells.get(offset..).unwrap_or_default().to_vec();
    if let Some(n) = forced {
        if n <= u64::from(start) {
            // The header row lies above every cell of the sheet: it is empty.
            return Ok(Header { row: n, headers: Vec::new(), offset });
        }
        let wanted = n - 1;
        let mut last_with_data = None;
        loop {
            match rows.peek(0) {
                Some((index, cells)) if u64::from(*index) < wanted => {
                    if !is_blank(cells) {
                        last_with_data = Some(*index);
                    }
                    rows.buffered.pop_front();
                }
                Some((index, cells)) if u64::from(*index) == wanted => {
                    let headers = header_texts(&shift(cells));
                    rows.buffered.pop_front();
                    return Ok(Header { row: n, headers, offset });
                }
                Some(_) => return Ok(Header { row: n, headers: Vec::new(), offset }),
                None => {
                    if let Some(error) = rows.error.take() {
                        return Err(error);
                    }
                    let Some(last) = last_with_data else { return Err(empty()) };
                    return Err(ReadError::Empty {
                        message: format!(
                            "sheet '{sheet}' ends at row {}, before row {n}, where the contract says \
                             the header row is",
                            u64::from(last) + 1
                        ),
                    });
                }
            }
        }
    }
    let mut candidates: Vec<Vec<Cell>> = Vec::new();
    for (index, cells) in rows.buffered.iter().take(window) {
        let at = index.saturating_sub(start) as usize;
        candidates.resize(at, Vec::new());
        candidates.push(shift(cells));
    }
    let chosen = {
        let refs: Vec<Vec<CellRef<'_>>> = candidates.iter().map(|r| r.iter().map(Cell::as_ref).collect()).collect();
        pick_header_row(&refs, score)
    };
    if let Some(at) = chosen {
        let row = start + at as u32;
        let headers = header_texts(&candidates[at]);
        while rows.buffered.front().is_some_and(|(index, _)| *index <= row) {
            rows.buffered.pop_front();
        }
        return Ok(Header { row: u64::from(row) + 1, headers, offset });
    }
    // Nothing in the first rows: the header is the first non-empty row below.
    loop {
        match rows.next_row() {
            Some(Ok((index, cells))) if !is_blank(&cells) => {
                return Ok(Header { row: u64::from(index) + 1, headers: header_texts(&shift(&cells)), offset })
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error),
            None => return Err(empty()),
        }
    }
}

/// The data rows after the header, in batches; blank rows are skipped.
struct StreamBatches {
    rows: RowStream,
    offset: usize,
}

impl Iterator for StreamBatches {
    type Item = Result<Batch, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut row_numbers = Vec::new();
        let mut data = Vec::new();
        let mut cells_held = 0usize;
        while data.len() < BATCH_ROWS && cells_held < MAX_CHUNK_CELLS {
            match self.rows.next_row() {
                Some(Ok((index, mut cells))) => {
                    cells.drain(..self.offset.min(cells.len()));
                    while cells.last().is_some_and(|c| *c == Cell::Empty) {
                        cells.pop();
                    }
                    if is_blank(&cells) {
                        continue;
                    }
                    row_numbers.push(u64::from(index) + 1);
                    cells_held += cells.len();
                    data.push(cells);
                }
                Some(Err(error)) => {
                    if data.is_empty() {
                        return Some(Err(error));
                    }
                    // Report it after the rows read before it.
                    self.rows.error = Some(error);
                    break;
                }
                None => break,
            }
        }
        if data.is_empty() {
            return None;
        }
        Some(Ok(Batch { row_numbers, data: BatchData::Cells(data) }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::excel::open_as_range;
    use super::super::excel::tests::{score, workbooks};
    use super::*;

    /// Sheet, header row, headers, and each row's number and cells.
    type Contents = (Option<String>, u64, Vec<String>, Vec<(u64, Vec<Cell>)>);

    /// Header, row numbers and cells (trailing empty cells dropped) of a table.
    fn contents(table: Result<Table, ReadError>) -> Result<Contents, ReadError> {
        let table = table?;
        let mut rows = Vec::new();
        for batch in table.batches {
            let batch = batch?;
            let BatchData::Cells(data) = batch.data else { panic!("spreadsheets give cells") };
            for (number, mut cells) in batch.row_numbers.into_iter().zip(data) {
                while cells.last().is_some_and(|c| c.as_ref().is_empty()) {
                    cells.pop();
                }
                rows.push((number, cells));
            }
        }
        Ok((table.sheet, table.header_row, table.headers, rows))
    }

    #[test]
    fn streaming_gives_the_same_table_as_the_range() {
        let (_dir, workbooks) = workbooks();
        assert!(workbooks.len() >= 10);
        for (name, path, options) in &workbooks {
            let streamed = contents(super::super::excel::open(path, options, &score));
            let ranged = contents(open_as_range(path, options, &score));
            assert_eq!(streamed, ranged, "{name}");
        }
    }
}
