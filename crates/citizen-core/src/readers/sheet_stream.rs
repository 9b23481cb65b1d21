//! A sheet streamed from a parsing thread: the parser (the fast xlsx path, or
//! calamine's cell reader for xlsx and xlsb) puts cells into a [`RowSink`] on
//! its own thread, which groups them into rows and sends them over in chunks;
//! the [`RowStream`] on the other side is the [`RowSource`] the header search
//! and the batches read. Validation so runs on the other cores while the file
//! is still being read, and the sheet is never held whole in memory.

use super::cell::Cell;
use super::limits::{self, check_position};
use super::rows::{CellRows, Columns, RowSource, Window, MAX_BATCH_CELLS};
use super::spreadsheet::damaged;
use super::table::{ReadError, BATCH_ROWS};
use std::collections::VecDeque;
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

/// Cells (empty ones included) per chunk at most, as per batch.
const MAX_CHUNK_CELLS: usize = MAX_BATCH_CELLS;

/// The rows a parsing thread sends.
pub struct RowStream {
    receiver: Receiver<Result<Vec<Row>, ReadError>>,
    buffered: VecDeque<Row>,
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
        RowStream { receiver, buffered: VecDeque::new(), ended: false }
    }

    /// The next row, or the error that ended the sheet; after that, none.
    pub(crate) fn next_row(&mut self) -> Option<Result<Row, ReadError>> {
        loop {
            if let Some(row) = self.buffered.pop_front() {
                return Some(Ok(row));
            }
            if self.ended {
                return None;
            }
            match self.receiver.recv() {
                Ok(Ok(chunk)) => self.buffered.extend(chunk),
                Ok(Err(error)) => {
                    self.ended = true;
                    return Some(Err(error));
                }
                Err(_) => self.ended = true,
            }
        }
    }
}

impl RowSource for RowStream {
    type Row = Vec<Cell>;
    type Rows = CellRows;
    const WINDOW: Window = Window::SheetRows;
    const COLUMNS: Columns = Columns::FromWindow;

    fn read_row(&mut self) -> Option<Result<(u64, Vec<Cell>), ReadError>> {
        Some(self.next_row()?.map(|(index, cells)| (u64::from(index) + 1, cells)))
    }

    fn new_rows(&mut self) -> CellRows {
        CellRows::default()
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
