//! Readers turn a CSV or spreadsheet file into a header row plus a stream of
//! row batches, whatever the format, encoding or delimiter.
//!
//! Floor by floor, each file importing only from the floors below it:
//!
//! - `cell`, `table`: the vocabulary (cells, batches, tables, errors);
//!   `format`: the one extension table.
//! - `limits`, `encoding`, `package` (the zip guard), `spreadsheet` (what the
//!   spreadsheet paths share: the sheet chosen, calamine's values as cells).
//! - `rows`: the row stream every reader feeds, with the one header search and
//!   the one batching loop; `sheet_stream`: rows streamed from a parsing thread.
//! - The readers, none importing another: `csv` (streamed, never whole in
//!   memory), `calamine` (xlsx and xlsb streamed cell by cell, xls and ods read
//!   as a range) and `xlsx_fast/` (xlsx and xlsm parsed by our own scanner,
//!   streamed).
//! - `xls_guard`, `ods_guard`: what calamine would build for an .xls or .ods
//!   workbook (it reads every sheet whole), worked out from the file before
//!   calamine opens it (`ods_guard` borrows the scanner of `xlsx_fast`).
//! - `route`: which reader opens a file.
//!
//! This file only names the modules and re-exports what the rest of the crate
//! uses.

pub(crate) mod calamine;
pub mod cell;
pub mod csv;
pub mod encoding;
pub mod format;
pub mod limits;
pub mod ods_guard;
pub mod package;
pub mod route;
pub mod rows;
pub mod sheet_stream;
pub mod spreadsheet;
pub mod table;
pub mod xls_guard;
pub(crate) mod xlsx_fast;

#[cfg(test)]
mod test_workbooks;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod test_xls;
#[cfg(test)]
mod workbook_tests;

pub use cell::{format_number, trim_text, Cell, CellRef, SharedString, StringTable};
pub use route::open_table;
pub use rows::{pick_header_row, HEADER_SEARCH_ROWS};
pub use table::{Batch, BatchData, HeaderScore, ReadError, Table, TextRows, BATCH_ROWS};
