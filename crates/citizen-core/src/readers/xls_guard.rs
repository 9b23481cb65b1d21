//! The .xls guard: before calamine opens an .xls workbook (it parses every
//! sheet at once, reserving room for the cells a DIMENSIONS record declares,
//! allocating the whole rectangle its cells span and copying a shared string
//! into every cell that uses it), this walks the BIFF records of the Workbook
//! stream once, as calamine will, and refuses a workbook past the limits of
//! [`super::limits`]: DIMENSIONS past Excel 97-2003's 65,536 rows × 256
//! columns, cells spanning more than [`MAX_RANGE_CELLS`], more text than
//! [`MAX_RANGE_TEXT_BYTES`], and the record shapes calamine would take
//! quadratic time or a panic over. Linear in the stream, which is held to
//! [`MAX_XLS_STREAM_BYTES`]; memory is the stream plus 4 bytes per shared
//! string.

use super::limits::{
    cell_name, too_large, MAX_RANGE_CELLS, MAX_RANGE_TEXT_BYTES, MAX_SHEETS, MAX_XLS_COLUMNS, MAX_XLS_CONTINUE_RECORDS,
    MAX_XLS_ROWS, MAX_XLS_SHARED_STRINGS, MAX_XLS_STREAM_BYTES,
};
use super::package::bytes;
use super::table::ReadError;
use std::fs::File;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

// Record types ([MS-XLS] 2.3), those calamine reads.
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;
const BOUNDSHEET: u16 = 0x0085;
const SST: u16 = 0x00FC;
const LBL: u16 = 0x0018;
const CODEPAGE: u16 = 0x0042;
const DIMENSIONS: u16 = 0x0200;
const NUMBER: u16 = 0x0203;
const LABEL: u16 = 0x0204;
const RSTRING: u16 = 0x00D6;
const BOOLERR: u16 = 0x0205;
const STRING: u16 = 0x0207;
const RK: u16 = 0x027E;
const LABELSST: u16 = 0x00FD;
const MULRK: u16 = 0x00BD;
const FORMULA: u16 = 0x0006;

/// Refuses an .xls workbook calamine could not read within the limits. Files
/// that are no OLE container, or hold no Workbook stream (an encrypted xlsx),
/// pass: the readers say what they are.
pub fn check(path: &Path) -> Result<(), ReadError> {
    let Ok(mut file) = File::open(path) else { return Ok(()) };
    let mut magic = [0u8; 8];
    if file.read_exact(&mut magic).is_err() || magic != OLE_MAGIC {
        return Ok(());
    }
    drop(file);
    let checked = catch_unwind(AssertUnwindSafe(|| match read_stream(path)? {
        Some(stream) => check_stream(&stream),
        None => Ok(()),
    }));
    checked.unwrap_or_else(|_| Err(unreadable("its OLE container could not be read")))
}

fn unreadable(what: &str) -> ReadError {
    ReadError::Unreadable {
        message: format!("the .xls workbook is damaged: {what}; open it in Excel and save it again"),
    }
}

/// The Workbook (or, in older files, Book) stream, held to its limit before
/// it is read.
fn read_stream(path: &Path) -> Result<Option<Vec<u8>>, ReadError> {
    let file = File::open(path).map_err(|e| unreadable(&format!("it could not be opened ({e})")))?;
    let mut container =
        cfb::CompoundFile::open(file).map_err(|e| unreadable(&format!("its OLE container could not be read ({e})")))?;
    let Some(name) = ["/Workbook", "/Book"].into_iter().find(|name| container.is_stream(name)) else {
        return Ok(None);
    };
    let stream = container.open_stream(name).map_err(|e| unreadable(&format!("its {name} stream ({e})")))?;
    if stream.len() > MAX_XLS_STREAM_BYTES {
        return Err(too_large(
            None,
            format!(
                "the .xls workbook's data (its Workbook stream) is {}, past the limit of {}",
                bytes(stream.len()),
                bytes(MAX_XLS_STREAM_BYTES)
            ),
        ));
    }
    let mut data = Vec::new();
    stream
        .take(MAX_XLS_STREAM_BYTES)
        .read_to_end(&mut data)
        .map_err(|e| unreadable(&format!("its {name} stream could not be read ({e})")))?;
    Ok(Some(data))
}

/// One record with the CONTINUE records that follow it, as calamine groups them.
struct Record<'a> {
    typ: u16,
    /// Offset of the record in the stream.
    at: usize,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

/// calamine's record iterator: type and length, then every CONTINUE record
/// that follows.
struct Records<'a> {
    stream: &'a [u8],
    pos: usize,
}

impl<'a> Records<'a> {
    fn header(&self, at: usize) -> Option<(u16, usize)> {
        let h = self.stream.get(at..at + 4)?;
        Some((u16::from_le_bytes([h[0], h[1]]), usize::from(u16::from_le_bytes([h[2], h[3]]))))
    }

    fn next(&mut self, place: &str) -> Result<Option<Record<'a>>, ReadError> {
        let rest = self.stream.len() - self.pos;
        if rest == 0 {
            return Ok(None);
        }
        let truncated =
            |at: usize| unreadable(&format!("{place} ends inside a record at byte {at} (a truncated file?)"));
        let Some((typ, len)) = self.header(self.pos) else { return Err(truncated(self.pos)) };
        let at = self.pos;
        let data = self.stream.get(at + 4..at + 4 + len).ok_or_else(|| truncated(at))?;
        self.pos = at + 4 + len;
        let mut cont = Vec::new();
        while self.stream.len() - self.pos > 4 {
            let Some((CONTINUE, len)) = self.header(self.pos) else { break };
            let part = self.stream.get(self.pos + 4..self.pos + 4 + len).ok_or_else(|| truncated(self.pos))?;
            if cont.len() == MAX_XLS_CONTINUE_RECORDS {
                return Err(too_large(
                    None,
                    format!(
                        "{place} has a record at byte {at} continued by more than {MAX_XLS_CONTINUE_RECORDS} \
                         CONTINUE records, past the limit (Excel writes far fewer)"
                    ),
                ));
            }
            cont.push(part);
            self.pos += 4 + len;
        }
        Ok(Some(Record { typ, at, data, cont }))
    }
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// What the globals substream says about the sheets.
struct Globals {
    /// Each sheet's name and the offset of its substream, in BOUNDSHEET order.
    sheets: Vec<(String, usize)>,
    /// UTF-8 bytes each shared string can take, by index.
    shared: Vec<u32>,
    /// Characters of the longest sheet or defined name (formulas repeat them).
    longest_name: usize,
    /// Bytes of the globals substream, to its EOF record.
    end: usize,
}

fn check_stream(stream: &[u8]) -> Result<(), ReadError> {
    measure(stream).map(|_| ())
}

/// Walks the globals and every sheet; the cells calamine will allocate for
/// the workbook's ranges when within the limits.
fn measure(stream: &[u8]) -> Result<u64, ReadError> {
    let globals = read_globals(stream)?;
    let mut budget = Budget {
        text: globals.shared.iter().map(|&n| u64::from(n)).sum(),
        cells: 0,
        // Each byte of a formula's tokens becomes at most this many bytes of
        // text: a sheet or defined name (3 bytes a character) for a 5-byte
        // token, or a cell reference such as `$IV$65536`.
        formula_factor: (3 * globals.longest_name as u64 + 16).div_ceil(5).max(8),
    };
    if budget.text > MAX_RANGE_TEXT_BYTES {
        return Err(text_too_large("the shared-string table"));
    }
    // Sheets are disjoint runs of records after the globals; overlapping
    // ones would be read again and again (calamine reads every sheet).
    let overlap = |name: &str| {
        unreadable(&format!("its sheets overlap (sheet '{name}' starts inside another one), which no Excel file does"))
    };
    let mut walked_total = 0usize;
    let mut walked = std::collections::BTreeMap::new();
    for (name, pos) in &globals.sheets {
        if *pos > stream.len() {
            return Err(unreadable(&format!("sheet '{name}' starts at byte {pos}, past the end of the data")));
        }
        if *pos < globals.end || walked.range(..=*pos).next_back().is_some_and(|(_, &end)| *pos < end) {
            return Err(overlap(name));
        }
        let len = check_sheet(stream, *pos, name, &globals, &mut budget)?;
        walked.insert(*pos, *pos + len);
        walked_total = walked_total.saturating_add(len);
        if walked_total > stream.len() - globals.end {
            return Err(overlap(name));
        }
    }
    Ok(budget.cells)
}

fn read_globals(stream: &[u8]) -> Result<Globals, ReadError> {
    let mut records = Records { stream, pos: 0 };
    let mut globals = Globals { sheets: Vec::new(), shared: Vec::new(), longest_name: 0, end: 0 };
    let place = "the workbook's globals";
    // calamine decodes text as UTF-16LE (code page 1200) unless a CODEPAGE
    // record names another.
    let mut utf16 = true;
    while let Some(record) = records.next(place)? {
        match record.typ {
            BOUNDSHEET => {
                if globals.sheets.len() == MAX_SHEETS {
                    return Err(too_large(
                        None,
                        format!("the .xls workbook has more than {MAX_SHEETS} sheets, past the limit"),
                    ));
                }
                let pos = u32_at(record.data, 0).ok_or_else(|| unreadable("a sheet record is too short"))?;
                let name = sheet_name(record.data);
                globals.longest_name = globals.longest_name.max(name.chars().count());
                globals.sheets.push((name, pos as usize));
            }
            // Lbl: a defined name of cch characters.
            LBL => {
                let cch = record.data.get(3).copied().unwrap_or(0);
                globals.longest_name = globals.longest_name.max(usize::from(cch));
            }
            CODEPAGE => utf16 = u16_at(record.data, 0) == Some(1200),
            SST => globals.shared = shared_string_sizes(record, utf16)?,
            EOF => break,
            _ => {}
        }
    }
    globals.end = records.pos;
    Ok(globals)
}

/// A BOUNDSHEET record's sheet name, for messages (BIFF8 layout; older files
/// give a best effort).
fn sheet_name(data: &[u8]) -> String {
    let cch = usize::from(data.get(6).copied().unwrap_or(0));
    let wide = data.get(7).is_some_and(|flags| flags & 1 != 0);
    let raw = data.get(8..).unwrap_or_default();
    let name = if wide {
        let units: Vec<u16> = raw.chunks_exact(2).take(cch).map(|b| u16::from_le_bytes([b[0], b[1]])).collect();
        String::from_utf16_lossy(&units)
    } else {
        raw.iter().take(cch).map(|&b| char::from(b)).collect()
    };
    name.chars().filter(|c| !c.is_control()).collect()
}

/// The UTF-8 bytes each string of an SST record can take once decoded, read
/// the way calamine reads the strings: 3-byte header (character count,
/// flags), optional rich-text run count and phonetic block size, the
/// characters (1 or 2 bytes each, a CONTINUE record restarting with a flags
/// byte), then the runs and phonetic block skipped. Under another code page
/// than UTF-16LE, calamine decodes each character's bytes (a 1-byte one
/// padded with a NUL) as that code page's characters: at most 3 bytes of
/// UTF-8 for each, counted as such.
fn shared_string_sizes(mut record: Record<'_>, utf16: bool) -> Result<Vec<u32>, ReadError> {
    let short = || unreadable("its shared-string table (SST) is cut short");
    let mut data = record.data.get(8..).ok_or_else(short)?;
    let mut cont = std::mem::take(&mut record.cont).into_iter();
    let mut sizes = Vec::new();
    loop {
        if data.is_empty() {
            match cont.next() {
                Some(next) => data = next,
                None => break,
            }
            if data.is_empty() {
                sizes.push(0);
                continue;
            }
        }
        if sizes.len() == MAX_XLS_SHARED_STRINGS {
            return Err(too_large(
                None,
                format!("the .xls workbook holds more than {MAX_XLS_SHARED_STRINGS} shared strings, past the limit"),
            ));
        }
        let cch = usize::from(u16_at(data, 0).ok_or_else(short)?);
        let flags = *data.get(2).ok_or_else(short)?;
        data = &data[3..];
        let mut skip = 0usize;
        if flags & 0x8 != 0 {
            skip += 4 * usize::from(u16_at(data, 0).ok_or_else(short)?);
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            // calamine reads the size as i32 and widens it: a negative one is
            // refused by running out of data, as here.
            let size = u32_at(data, 0).ok_or_else(short)? as i32;
            skip = skip.saturating_add(size as usize);
            data = &data[4..];
        }
        let (mut left, mut wide, mut utf8) = (cch, flags & 0x1 != 0, 0u32);
        while left > 0 {
            let width = if wide { 2 } else { 1 };
            let take = left.min(data.len() / width);
            for unit in data[..take * width].chunks_exact(width) {
                let code = if wide { u16::from_le_bytes([unit[0], unit[1]]) } else { u16::from(unit[0]) };
                utf8 += match (utf16, wide, code) {
                    (false, false, _) => 4,
                    (false, true, _) => 6,
                    (true, _, 0..=0x7F) => 1,
                    (true, _, 0x80..=0x7FF) => 2,
                    (true, _, _) => 3,
                };
            }
            data = &data[take * width..];
            left -= take;
            if left > 0 {
                data = cont.next().ok_or_else(short)?;
                wide = *data.first().ok_or_else(short)? & 0x1 != 0;
                data = &data[1..];
            }
        }
        while skip > 0 {
            if data.is_empty() {
                data = cont.next().ok_or_else(short)?;
            }
            let n = skip.min(data.len());
            data = &data[n..];
            skip -= n;
        }
        sizes.push(utf8);
    }
    Ok(sizes)
}

/// The workbook's running totals against the limits.
struct Budget {
    text: u64,
    cells: u64,
    formula_factor: u64,
}

fn text_too_large(place: &str) -> ReadError {
    too_large(
        None,
        format!(
            "{place} would hold more than {} of text once read, the limit for a workbook read whole \
             (a shared string is copied into every cell that uses it)",
            bytes(MAX_RANGE_TEXT_BYTES)
        ),
    )
}

/// The rectangle a set of cells spans, as calamine allocates it.
#[derive(Default)]
struct Span {
    first: Option<(u32, u32)>,
    last: (u32, u32),
    /// Cell records, each a 40-byte entry before the range is built.
    records: u64,
}

impl Span {
    fn add(&mut self, row: u32, col: u32) {
        self.records += 1;
        let (first, last) = (self.first.get_or_insert((row, col)), &mut self.last);
        *first = (first.0.min(row), first.1.min(col));
        *last = (last.0.max(row), last.1.max(col));
    }

    fn cells(&self) -> u64 {
        self.first.map_or(0, |first| u64::from(self.last.0 - first.0 + 1) * u64::from(self.last.1 - first.1 + 1))
    }

    fn describe(&self) -> String {
        let first = self.first.unwrap_or_default();
        format!(
            "{}:{} ({} rows × {} columns)",
            cell_name(first.0.into(), first.1.into()),
            cell_name(self.last.0.into(), self.last.1.into()),
            u64::from(self.last.0 - first.0) + 1,
            u64::from(self.last.1 - first.1) + 1
        )
    }
}

/// Walks one sheet's substream as calamine does (from its BOF to its EOF,
/// nested substreams such as embedded charts skipped), returning the bytes
/// walked.
fn check_sheet(
    stream: &[u8],
    pos: usize,
    name: &str,
    globals: &Globals,
    budget: &mut Budget,
) -> Result<usize, ReadError> {
    let place = format!("sheet '{name}'");
    let mut records = Records { stream, pos };
    let (mut values, mut formulas) = (Span::default(), Span::default());
    let (mut depth, mut seen_bof) = (0usize, false);
    let mut formula_at = (0u32, 0u32);
    let short = |what: &str, at: usize| unreadable(&format!("{place} has a {what} record at byte {at} cut short"));
    while let Some(record) = records.next(&place)? {
        let (data, at) = (record.data, record.at);
        if depth > 0 {
            match record.typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        let position = || -> Result<(u32, u32), ReadError> {
            match (u16_at(data, 0), u16_at(data, 2)) {
                (Some(row), Some(col)) => within_sheet(&place, row.into(), col.into()),
                _ => Err(short("cell", at)),
            }
        };
        match record.typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => check_dimensions(data, &place, at)?,
            NUMBER | LABEL | RSTRING | BOOLERR | RK => {
                let (row, col) = position()?;
                values.add(row, col);
            }
            STRING => values.add(formula_at.0, formula_at.1),
            LABELSST => {
                let (row, col) = position()?;
                let index = u32_at(data, 6).ok_or_else(|| short("shared-string cell", at))?;
                // calamine skips a cell whose string does not exist.
                if let Some(&size) = globals.shared.get(index as usize) {
                    values.add(row, col);
                    budget.text += u64::from(size);
                    if budget.text > MAX_RANGE_TEXT_BYTES {
                        let cell = cell_name(row.into(), col.into());
                        return Err(text_too_large(&format!("{place}, by cell {cell},")));
                    }
                }
            }
            MULRK => {
                let (row, first) = position()?;
                if data.len() < 6 {
                    return Err(short("MulRk", at));
                }
                let last = u16_at(data, data.len() - 2).map_or(0, u32::from);
                let count = (data.len() - 6) / 6;
                // calamine refuses a record whose length does not match its columns.
                if last < first || (last - first + 1) as usize != count || data.len() != 6 + 6 * count {
                    return Err(short("MulRk", at));
                }
                within_sheet(&place, row, last)?;
                for col in first..=last {
                    values.add(row, col);
                }
            }
            FORMULA => {
                let (row, col) = position()?;
                let cce = u16_at(data, 20).ok_or_else(|| short("formula", at))?;
                if data.len() < 22 + usize::from(cce) {
                    return Err(short("formula", at));
                }
                formula_at = (row, col);
                values.add(row, col);
                formulas.add(row, col);
                budget.text += u64::from(cce) * budget.formula_factor;
                if budget.text > MAX_RANGE_TEXT_BYTES {
                    let cell = cell_name(row.into(), col.into());
                    return Err(text_too_large(&format!("{place}, by the formula in {cell},")));
                }
            }
            _ => {}
        }
        if values.records + formulas.records > MAX_RANGE_CELLS {
            return Err(too_large(
                None,
                format!("{place} has more than {MAX_RANGE_CELLS} cell records, past the limit for a sheet read whole"),
            ));
        }
    }
    for (span, what) in [(&values, "cells"), (&formulas, "formulas")] {
        budget.cells += span.cells();
        if budget.cells > MAX_RANGE_CELLS {
            return Err(too_large(
                None,
                format!(
                    "{place}: its {what} span {}, {} cells with those of the sheets before, past the limit of \
                     {MAX_RANGE_CELLS} cells for a workbook read whole",
                    span.describe(),
                    budget.cells
                ),
            ));
        }
    }
    Ok(records.pos - pos)
}

/// A cell position held to Excel 97-2003's sheet (column IV at most; a
/// BIFF8 row number cannot pass row 65,536): calamine would read a cell
/// past it, and a row of tens of thousands of cells that no Excel wrote.
fn within_sheet(place: &str, row: u32, col: u32) -> Result<(u32, u32), ReadError> {
    if u64::from(col) >= MAX_XLS_COLUMNS {
        return Err(too_large(
            None,
            format!(
                "{place} has a cell at {}, past Excel 97-2003's last column (IV, {MAX_XLS_COLUMNS} columns) \
                 for an .xls sheet",
                cell_name(row.into(), col.into())
            ),
        ));
    }
    Ok((row, col))
}

/// A DIMENSIONS record read as calamine reads it (first row, last row + 1,
/// first column, last column + 1), held to Excel 97-2003's sheet size.
fn check_dimensions(data: &[u8], place: &str, at: usize) -> Result<(), ReadError> {
    let (first_row, end_row, first_col, end_col) = match data.len() {
        10 => (
            u16_at(data, 0).map(u64::from),
            u16_at(data, 2).map(u64::from),
            u16_at(data, 4).map(u64::from),
            u16_at(data, 6).map(u64::from),
        ),
        14 | 16 => (
            u32_at(data, 0).map(u64::from),
            u32_at(data, 4).map(u64::from),
            u16_at(data, 8).map(u64::from),
            u16_at(data, 10).map(u64::from),
        ),
        _ => return Err(unreadable(&format!("{place} has a DIMENSIONS record of {} bytes at byte {at}", data.len()))),
    };
    let (Some(first_row), Some(end_row), Some(mut first_col), Some(end_col)) = (first_row, end_row, first_col, end_col)
    else {
        return Err(unreadable(&format!("{place} has a DIMENSIONS record cut short at byte {at}")));
    };
    if first_col > 0xFF || end_col < first_col {
        first_col = 0;
    }
    if end_row > MAX_XLS_ROWS || end_col > MAX_XLS_COLUMNS {
        return Err(too_large(
            None,
            format!(
                "{place} declares (DIMENSIONS) {end_row} rows and {end_col} columns, past Excel 97-2003's \
                 limit of {MAX_XLS_ROWS} rows and {MAX_XLS_COLUMNS} columns (IV) for an .xls sheet"
            ),
        ));
    }
    // calamine subtracts the first row from the last: a first row past the
    // last would wrap round to billions of cells.
    if end_row >= 1 && end_col >= 1 && first_row > end_row {
        return Err(unreadable(&format!(
            "{place} declares (DIMENSIONS) a first row past its last (rows {first_row} to {end_row}, \
             columns {first_col} to {end_col})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_xls::{workbook_stream, write_xls, XlsCell, XlsSheet};
    use super::*;
    use calamine::{open_workbook, Data, Reader, Xls};

    fn strings() -> Vec<String> {
        // The long one runs over three CONTINUE records; the Hebrew one is
        // written as UTF-16.
        vec!["id".to_owned(), "name".to_owned(), "x".repeat(20_000), "שלום עולם".to_owned()]
    }

    fn normal_sheets() -> Vec<XlsSheet> {
        let mut cells = vec![(0, 0, XlsCell::Shared(0)), (0, 1, XlsCell::Shared(1))];
        for row in 1..200u16 {
            cells.push((row, 0, XlsCell::Number(f64::from(row))));
            cells.push((row, 1, XlsCell::Shared(u32::from(row % 4))));
        }
        vec![XlsSheet::new("Data", cells), XlsSheet::new("Other", vec![(3, 2, XlsCell::Shared(3))])]
    }

    fn guard(
        strings: &[String],
        sheets: &[XlsSheet],
    ) -> (tempfile::TempDir, std::path::PathBuf, Result<(), ReadError>) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("book.xls");
        write_xls(&path, &workbook_stream(strings, sheets));
        let checked = check(&path);
        (dir, path, checked)
    }

    fn message(result: Result<(), ReadError>) -> (&'static str, String) {
        match result {
            Err(ReadError::TooLarge { message, .. }) => ("too_large", message),
            Err(ReadError::Unreadable { message }) => ("unreadable", message),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn a_normal_workbook_passes_and_calamine_reads_the_same_cells() {
        let (strings, sheets) = (strings(), normal_sheets());
        let (_dir, path, checked) = guard(&strings, &sheets);
        assert!(checked.is_ok(), "{checked:?}");
        let mut workbook: Xls<_> = open_workbook(&path).unwrap_or_else(|e| panic!("{e}"));
        for sheet in &sheets {
            let range = workbook.worksheet_range(&sheet.name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(range.used_cells().count(), sheet.cells.len(), "{}", sheet.name);
            for &(row, col, cell) in &sheet.cells {
                let expected = match cell {
                    XlsCell::Number(n) => Data::Float(n),
                    XlsCell::Shared(i) => Data::String(strings[i as usize].clone()),
                };
                assert_eq!(range.get_value((row.into(), col.into())), Some(&expected), "{} {row},{col}", sheet.name);
            }
        }
    }

    #[test]
    fn counts_shared_strings_as_calamine_decodes_them() {
        let strings = strings();
        let stream = workbook_stream(&strings, &normal_sheets());
        let globals = read_globals(&stream).unwrap_or_else(|e| panic!("{e}"));
        let expected: Vec<u32> = strings.iter().map(|s| s.len() as u32).collect();
        assert_eq!(globals.shared, expected);
        assert_eq!(globals.sheets.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(), ["Data", "Other"]);
    }

    #[test]
    fn the_workbook_also_opens_as_a_table() {
        let (_dir, path, _) = guard(&strings(), &normal_sheets());
        let options = crate::contract::SourceOptions::default();
        let table = super::super::open_table(&path, &options, &|_| 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(table.headers, ["id", "name"]);
    }

    #[test]
    fn refuses_dimensions_past_the_xls_sheet() {
        let mut sheets = normal_sheets();
        sheets[0].dimensions = (0, 4_000_000_000, 0, 2);
        let (code, text) = message(guard(&strings(), &sheets).2);
        assert_eq!(code, "too_large");
        assert!(text.contains("sheet 'Data'") && text.contains("65536 rows"), "{text}");
        let mut sheets = normal_sheets();
        sheets[1].dimensions = (0, 10, 0, 300);
        let (code, text) = message(guard(&strings(), &sheets).2);
        assert_eq!(code, "too_large");
        assert!(text.contains("sheet 'Other'") && text.contains("300 columns"), "{text}");
    }

    #[test]
    fn refuses_dimensions_whose_first_row_is_past_the_last() {
        let mut sheets = normal_sheets();
        sheets[0].dimensions = (60_000, 10, 0, 2);
        let (code, text) = message(guard(&strings(), &sheets).2);
        assert_eq!(code, "unreadable");
        assert!(text.contains("first row past its last"), "{text}");
    }

    #[test]
    fn refuses_a_far_cell() {
        let mut sheets = normal_sheets();
        sheets[1].cells.push((65_535, 65_535, XlsCell::Number(1.0)));
        let (code, text) = message(guard(&strings(), &sheets).2);
        assert_eq!(code, "too_large");
        assert!(text.contains("sheet 'Other'") && text.contains("CRXP65536"), "{text}");
        // One column past IV (the fuzz target `guards` found a 12,093-cell
        // row that calamine read): refused with the cell named.
        let mut sheets = normal_sheets();
        sheets[0].cells.push((7, 256, XlsCell::Shared(1)));
        let (code, text) = message(guard(&strings(), &sheets).2);
        assert_eq!(code, "too_large");
        assert!(text.contains("sheet 'Data'") && text.contains("IW8") && text.contains("(IV, 256 columns)"), "{text}");
        // A cell within the limit passes.
        let mut sheets = normal_sheets();
        sheets[1].cells.push((4_000, 255, XlsCell::Number(1.0)));
        assert!(guard(&strings(), &sheets).2.is_ok());
    }

    #[test]
    fn refuses_a_shared_string_copied_into_too_many_cells() {
        let strings = vec!["y".repeat(32_000)];
        let cells = (0..8_000u16).map(|row| (row, 0, XlsCell::Shared(0))).collect();
        let (code, text) = message(guard(&strings, &[XlsSheet::new("Bomb", cells)]).2);
        assert_eq!(code, "too_large");
        assert!(text.contains("sheet 'Bomb', by cell A"), "{text}");
        // The same string in a few cells passes.
        let cells = (0..100u16).map(|row| (row, 0, XlsCell::Shared(0))).collect();
        assert!(guard(&strings, &[XlsSheet::new("Few", cells)]).2.is_ok());
    }

    #[test]
    fn refuses_a_truncated_stream() {
        let stream = workbook_stream(&strings(), &normal_sheets());
        for cut in [6, stream.len() / 3, stream.len() - 3] {
            let result = check_stream(&stream[..cut]);
            assert_eq!(message(result).0, "unreadable", "cut at {cut}");
        }
    }

    #[test]
    fn refuses_overlapping_sheets() {
        let sheet = || XlsSheet::new("S", (0..50).map(|r| (r, 0, XlsCell::Number(1.0))).collect());
        let mut stream = workbook_stream(&strings(), &[sheet(), sheet()]);
        // Point the second BOUNDSHEET at the first sheet.
        let globals = read_globals(&stream).unwrap_or_else(|e| panic!("{e}"));
        let first = globals.sheets[0].1 as u32;
        let second = (globals.sheets[1].1 as u32).to_le_bytes();
        let at = stream.windows(4).rposition(|w| w == second).unwrap_or_else(|| panic!("no offset"));
        stream[at..at + 4].copy_from_slice(&first.to_le_bytes());
        let (code, text) = message(check_stream(&stream));
        assert_eq!(code, "unreadable");
        assert!(text.contains("overlap"), "{text}");
    }

    #[test]
    fn refuses_a_record_with_endless_continue_records() {
        let mut stream = workbook_stream(&strings(), &normal_sheets());
        for _ in 0..MAX_XLS_CONTINUE_RECORDS + 2 {
            stream.extend_from_slice(&[0x3C, 0, 0, 0]);
        }
        // The records continue the last EOF of the last sheet.
        let (code, text) = message(check_stream(&stream));
        assert_eq!(code, "too_large", "{text}");
        assert!(text.contains("CONTINUE"), "{text}");
    }

    #[test]
    fn refuses_more_sheets_than_the_limit() {
        let sheets: Vec<XlsSheet> = (0..=MAX_SHEETS).map(|i| XlsSheet::new(&format!("S{i}"), Vec::new())).collect();
        let (code, text) = message(check_stream(&workbook_stream(&strings(), &sheets)));
        assert_eq!(code, "too_large");
        assert!(text.contains("4096 sheets"), "{text}");
    }

    /// Workbooks damaged at random: whatever the guard lets through, calamine
    /// builds no more cells than it counted, and never aborts.
    #[test]
    fn damaged_workbooks_never_let_calamine_build_more_than_counted() {
        let strings = ["id", "name", "שלום", "x"].map(str::to_owned);
        let base = workbook_stream(&strings, &normal_sheets());
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("damaged.xls");
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut passed, mut opened) = (0, 0);
        for _ in 0..400 {
            let mut stream = base.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % stream.len() as u64) as usize;
                stream[at] = if next() % 3 == 0 { 0xFF } else { next() as u8 };
            }
            let Ok(counted) = measure(&stream) else { continue };
            passed += 1;
            write_xls(&path, &stream);
            let built = std::panic::catch_unwind(|| -> Option<u64> {
                let mut workbook: Xls<_> = open_workbook(&path).ok()?;
                let mut cells = 0;
                for name in workbook.sheet_names() {
                    if let Ok(range) = workbook.worksheet_range(&name) {
                        cells += (range.get_size().0 * range.get_size().1) as u64;
                    }
                    if let Ok(formulas) = workbook.worksheet_formula(&name) {
                        cells += (formulas.get_size().0 * formulas.get_size().1) as u64;
                    }
                }
                Some(cells)
            });
            if let Ok(Some(built)) = built {
                opened += 1;
                assert!(built <= counted, "calamine built {built} cells, the guard counted {counted}");
            }
        }
        // The damage must leave enough workbooks whole for the test to mean something.
        assert!(passed > 100 && opened > 100, "{passed} passed the guard, {opened} opened");
    }

    #[test]
    fn passes_files_that_are_no_ole_container() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("x.xls");
        std::fs::write(&path, b"id,name\n1,a\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(check(&path).is_ok());
    }
}
