//! The one place a file is routed to its reader, by the extension table of
//! `format` and, where the name does not decide, the file's first bytes:
//! CSV to `csv`; a workbook through the zip guard of `package`, then an xlsx
//! to the fast path (`xlsx_fast`, streamed) when it knows the package, every
//! other workbook to calamine (xlsx and xlsb streamed, xls and ods read as a
//! range, once `xls_guard` and `ods_guard` have held them to the limits).
//! Every reader feeds the header search and batches of `rows`.

use super::calamine;
use super::csv;
use super::format::{self, Format};
use super::limits;
use super::ods_guard;
use super::package;
use super::rows::sheet_table;
use super::sheet_stream::RowStream;
use super::table::{HeaderScore, ReadError, Table};
use super::xls_guard;
use super::xlsx_fast;
use crate::contract::SourceOptions;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// Opens `path` as a table, using the contract's source options and picking the
/// header row with `score` when the contract does not fix it.
pub fn open_table(path: &Path, options: &SourceOptions, score: HeaderScore<'_>) -> Result<Table, ReadError> {
    match format::named(path) {
        Some((Format::Csv, _)) => csv::open(path, options, score),
        Some((_, true)) => open_workbook(path, options, score),
        // Unknown or template extensions: zip/OLE magic means a workbook.
        _ if is_container(path) => open_workbook(path, options, score),
        _ => csv::open(path, options, score),
    }
}

/// Whether the file starts as a zip package or an OLE container does.
fn is_container(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .map(|_| magic == *b"PK\x03\x04" || magic == [0xD0, 0xCF, 0x11, 0xE0])
        .unwrap_or(false)
}

/// Opens a workbook and one of its sheets as a table: `options.sheet` (a
/// 0-based index among all sheets, or a name) or else the first visible
/// worksheet; the header row is `options.header_row` or the best scoring of
/// the first rows.
fn open_workbook(path: &Path, options: &SourceOptions, score: HeaderScore<'_>) -> Result<Table, ReadError> {
    // Zip packages: every part's inflated size checked before any is inflated.
    package::check(path, limits::MAX_PART_BYTES, None)?;
    if format::named_workbook(path) == Some(Format::Xlsx) {
        let fast = catch_unwind(AssertUnwindSafe(|| xlsx_fast::open(path, options.sheet.as_ref())));
        if let Ok(Some((workbook, sheet))) = fast {
            let rows = RowStream::spawn_named(sheet.clone(), move |sink| workbook.stream(sink));
            return sheet_table(rows, sheet, options.header_row, score);
        }
    }
    // calamine reads .xls and .ods sheets whole: what it would build is
    // worked out first.
    xls_guard::check(path)?;
    let ods = ods_guard::check(path)?;
    // calamine holds shared strings and XML events whole: smaller parts only,
    // but an .ods content.xml, which it streams and ods_guard has bounded.
    package::check(path, limits::MAX_CALAMINE_PART_BYTES, ods.then_some("content.xml"))?;
    calamine::open(path, options, score)
}
