//! Every limit the readers hold a file to, in one place. A file past one is
//! refused with a `too_large` issue naming the limit and where it was met
//! (never a crash, a hang or the machine's memory). The cell limits are
//! Excel's own ("Excel specifications and limits", Microsoft support): a
//! worksheet has at most 1,048,576 rows and 16,384 columns (XFD), and a cell
//! holds at most 32,767 characters. The package limits are sized so that any
//! workbook Excel saves opens, while a file of at most 100 MB on disk stays
//! within 1 GB of memory and a file of at most 10 MB within 30 s.

use super::table::ReadError;

/// Rows of a worksheet (Excel: 1,048,576).
pub const MAX_ROWS: u32 = 1_048_576;

/// Columns of a worksheet (Excel: 16,384, column XFD). CSV rows are held to it
/// too: a wider row could not be opened in Excel either.
pub const MAX_COLUMNS: u32 = 16_384;

/// Characters in one cell (Excel: 32,767), in every spreadsheet path and in
/// CSV fields.
pub const MAX_CELL_CHARS: usize = 32_767;

/// Bytes of UTF-8 that can hold at most [`MAX_CELL_CHARS`] characters: past
/// this many bytes a cell is too long whatever it holds, so readers stop
/// early without counting characters.
pub const MAX_CELL_BYTES: usize = 4 * MAX_CELL_CHARS;

/// The largest single piece of XML (a tag, a run of text, a comment) the xlsx
/// scanner holds at once. A cell's text is at most 32,767 characters, at most
/// 7 bytes each as written (Excel's `_xHHHH_` escapes), so 4 MiB is far above
/// anything Excel writes; a larger piece is refused, never buffered.
pub const MAX_XML_EVENT_BYTES: usize = 4 << 20;

/// Inflated size of one part of a zip package (xlsx, xlsm, xlsb, ods). The
/// sheet is streamed, so this bounds time, not memory: 8 GiB is about
/// 1,048,576 rows of 100 typical cells (80 bytes of XML each), beyond what
/// Excel itself can fill and save.
pub const MAX_PART_BYTES: u64 = 8 << 30;

/// Inflated against compressed size of one part. Parts Excel saves compress
/// 4–30 to 1 (the bench's generated workbooks: 8–15 to 1); deflate's ceiling
/// is about 1,030 to 1, where zip bombs live. Parts of at most
/// [`SMALL_PART_BYTES`] inflated are exempt (a small run of spaces may
/// compress better).
pub const MAX_COMPRESSION_RATIO: u64 = 200;

/// Inflated size below which a part's compression ratio is not checked.
pub const SMALL_PART_BYTES: u64 = 16 << 20;

/// Inflated size of all parts together, for the same reasons as
/// [`MAX_PART_BYTES`].
pub const MAX_PACKAGE_BYTES: u64 = 16 << 30;

/// Entries in a zip package: a workbook has a few parts per sheet, and Excel
/// allows as many sheets as memory does; 100,000 is far above real workbooks.
pub const MAX_PACKAGE_ENTRIES: usize = 100_000;

/// Distinct shared strings an xlsx may hold: 16,777,216, sixteen unique
/// strings for each of a full sheet's 1,048,576 rows (Excel bounds them only
/// by the cells). Each costs 12 bytes of bookkeeping, at most 192 MiB.
pub const MAX_SHARED_STRINGS: usize = 1 << 24;

/// Bytes of text in all shared strings together (held in memory while the
/// sheet is read): 512 MiB, several times what a 100 MB workbook holds.
pub const MAX_SHARED_STRINGS_BYTES: usize = 512 << 20;

/// Inflated size of any part of a workbook that the fast xlsx path leaves to
/// calamine (UTF-16 parts, unusual packages) and of xlsb and ods parts:
/// calamine holds the shared strings (about 56 bytes each) and each XML event
/// whole, so these are held to 64 MiB, far above what such files hold. An
/// .ods `content.xml` is the exception: calamine streams it, and the .ods
/// guard bounds what it builds, so it is held to [`MAX_PART_BYTES`].
pub const MAX_CALAMINE_PART_BYTES: u64 = 64 << 20;

/// Rows of an .xls sheet (Excel 97-2003: 65,536): a DIMENSIONS record
/// declaring more is refused before calamine reserves room for it.
pub const MAX_XLS_ROWS: u64 = 65_536;

/// Columns of an .xls sheet (Excel 97-2003: 256, column IV).
pub const MAX_XLS_COLUMNS: u64 = 256;

/// Bytes of an .xls Workbook stream: calamine reads it whole. A full
/// 65,536 × 256 sheet of numbers (6 bytes a cell in MulRk records) is about
/// 100 MB, so 128 MiB holds any sheet within [`MAX_RANGE_CELLS`].
pub const MAX_XLS_STREAM_BYTES: u64 = 128 << 20;

/// Strings in an .xls shared-string table (SST): calamine holds each as a
/// `String` (24 bytes plus its allocation). Excel writes one per distinct
/// text, so a workbook within [`MAX_RANGE_CELLS`] needs at most as many; this
/// is half that, 2,097,152, far above real workbooks.
pub const MAX_XLS_SHARED_STRINGS: usize = 1 << 21;

/// CONTINUE records following one .xls record: calamine takes them one by one
/// from the front of a list (quadratic in their number). Excel writes at most
/// 8,224 bytes a record, so 16,384 continue a record of 134 MB, more than any
/// shared-string table within [`MAX_XLS_STREAM_BYTES`].
pub const MAX_XLS_CONTINUE_RECORDS: usize = 16_384;

/// Cells calamine allocates for the ranges of a workbook it reads whole (.xls
/// and .ods, every sheet at once, values and formulas each a dense rectangle
/// from the first to the last cell used): 4,194,304, e.g. 65,536 rows × 64
/// columns (a full .xls sheet of 64 columns) or 322,000 rows × 13 columns.
/// About 32 bytes each, plus 40 to 56 while the sheet is being built, so
/// 0.3 GB at the limit. Repeats (ods `number-rows-repeated`) and far cells
/// (an .xls cell at IV65536 with another at A1) count as calamine expands
/// them.
pub const MAX_RANGE_CELLS: u64 = 1 << 22;

/// Sheets of a workbook calamine reads whole (.xls and .ods): it keeps a
/// name, a range and its metadata for each, a few hundred bytes even when
/// empty. Excel bounds them only by memory; 4,096 is far above real
/// workbooks.
pub const MAX_SHEETS: usize = 4_096;

/// Bytes of text calamine materialises for the cells of a workbook read whole:
/// an .xls shared string is copied into every cell that uses it, an .ods
/// repeated cell's text into every repeat, and formulas are rebuilt as text.
/// 192 MiB, several times the text of a real sheet of
/// [`MAX_RANGE_CELLS`] cells (calamine copies it once more while building
/// an .ods range).
pub const MAX_RANGE_TEXT_BYTES: u64 = 192 << 20;

/// The `too_large` failure: `what` broke `limit`.
pub fn too_large(row: Option<u64>, message: String) -> ReadError {
    ReadError::TooLarge { row, message }
}

/// A cell name such as `XFD1048576` for a 0-based row and column (columns as
/// far as `u32` goes, for messages about cells past the limits).
pub fn cell_name(row: u64, col: u64) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// `sheet 'Name'` for messages, or `the sheet` when the name is not known.
pub fn sheet_label(sheet: &str) -> String {
    if sheet.is_empty() {
        "the sheet".to_owned()
    } else {
        format!("sheet '{sheet}'")
    }
}

/// Refuses a cell past Excel's last row or column (0-based indices), before
/// anything is allocated for it.
pub fn check_position(sheet: &str, row: u64, col: u64) -> Result<(), ReadError> {
    if row >= u64::from(MAX_ROWS) {
        return Err(too_large(
            None,
            format!(
                "{} has a cell in row {} ({}), past Excel's last row, {MAX_ROWS}",
                sheet_label(sheet),
                row + 1,
                cell_name(row, col)
            ),
        ));
    }
    if col >= u64::from(MAX_COLUMNS) {
        return Err(too_large(
            Some(row + 1),
            format!(
                "{} has a cell in column {} ({}), past Excel's last column, XFD ({MAX_COLUMNS} columns)",
                sheet_label(sheet),
                col + 1,
                cell_name(row, col)
            ),
        ));
    }
    Ok(())
}

/// Whether `text` holds more than [`MAX_CELL_CHARS`] characters (counted only
/// when its byte length leaves a doubt).
pub fn cell_too_long(text: &str) -> bool {
    text.len() > MAX_CELL_CHARS && (text.len() > MAX_CELL_BYTES || text.chars().count() > MAX_CELL_CHARS)
}

/// The message for a cell longer than Excel allows; `place` says where.
pub fn long_cell(row: Option<u64>, place: &str) -> ReadError {
    too_large(row, format!("{place} holds more than {MAX_CELL_CHARS} characters, Excel's limit for one cell"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cells_far_past_the_limits() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
        assert_eq!(cell_name(0, 321_272_405), "ZZZZZZ1");
        assert!(check_position("S", 1_048_575, 16_383).is_ok());
        assert!(matches!(check_position("S", 0, 16_384), Err(ReadError::TooLarge { .. })));
        assert!(matches!(check_position("S", 1_048_576, 0), Err(ReadError::TooLarge { .. })));
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(!cell_too_long(&"א".repeat(MAX_CELL_CHARS)));
        assert!(cell_too_long(&"a".repeat(MAX_CELL_CHARS + 1)));
        assert!(cell_too_long(&"א".repeat(MAX_CELL_CHARS + 1)));
    }
}
