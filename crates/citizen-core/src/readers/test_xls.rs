//! A minimal BIFF8 writer for tests and the `guards` fuzz target: .xls workbooks of numbers and shared
//! strings (BOF, CODEPAGE, BOUNDSHEET, SST with its CONTINUE records, EOF,
//! then per sheet BOF, DIMENSIONS, cells, EOF) in an OLE container written by
//! the `cfb` crate, so the .xls guard can be held to calamine without binary
//! fixtures. Fields can be set to anything, hostile values included.

use std::io::Write;
use std::path::Path;

/// Bytes of data in one record, as Excel writes them.
const MAX_RECORD: usize = 8224;

/// A cell: a number, or an index into the shared strings.
#[derive(Clone, Copy, Debug)]
pub(crate) enum XlsCell {
    Number(f64),
    Shared(u32),
}

/// A sheet: its name, the DIMENSIONS record's fields (first row, last row +
/// 1, first column, last column + 1) and its cells (row, column, value).
pub(crate) struct XlsSheet {
    pub name: String,
    pub dimensions: (u32, u32, u16, u16),
    pub cells: Vec<(u16, u16, XlsCell)>,
}

impl XlsSheet {
    /// A sheet whose DIMENSIONS record fits its cells.
    pub fn new(name: &str, cells: Vec<(u16, u16, XlsCell)>) -> XlsSheet {
        let rows = cells.iter().map(|c| u32::from(c.0) + 1).max().unwrap_or(0);
        let cols = cells.iter().map(|c| c.1 + 1).max().unwrap_or(0);
        XlsSheet { name: name.to_owned(), dimensions: (0, rows, 0, cols), cells }
    }
}

fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

/// The SST record and its CONTINUE records: a string split inside its
/// characters goes on after a flags byte, as Excel writes it.
fn shared_strings(out: &mut Vec<u8>, strings: &[String]) {
    let mut records: Vec<Vec<u8>> = vec![Vec::new()];
    let count = (strings.len() as u32).to_le_bytes();
    records[0].extend_from_slice(&count);
    records[0].extend_from_slice(&count);
    for text in strings {
        let wide = !text.is_ascii();
        let units: Vec<u8> =
            if wide { text.encode_utf16().flat_map(u16::to_le_bytes).collect() } else { text.as_bytes().to_vec() };
        let width = if wide { 2 } else { 1 };
        if records[records.len() - 1].len() + 3 > MAX_RECORD {
            records.push(Vec::new());
        }
        let last = records.len() - 1;
        records[last].extend_from_slice(&((units.len() / width) as u16).to_le_bytes());
        records[last].push(u8::from(wide));
        let mut rest = &units[..];
        loop {
            let last = records.len() - 1;
            let current = &mut records[last];
            let room = (MAX_RECORD - current.len()) / width * width;
            let take = room.min(rest.len());
            current.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if rest.is_empty() {
                break;
            }
            records.push(vec![u8::from(wide)]);
        }
    }
    for (i, data) in records.iter().enumerate() {
        record(out, if i == 0 { 0x00FC } else { 0x003C }, data);
    }
}

/// The Workbook stream of a workbook.
pub(crate) fn workbook_stream(strings: &[String], sheets: &[XlsSheet]) -> Vec<u8> {
    let bof = |kind: u16| [&0x0600u16.to_le_bytes()[..], &kind.to_le_bytes(), &[0; 12]].concat();
    let mut globals = Vec::new();
    record(&mut globals, 0x0809, &bof(0x0005));
    record(&mut globals, 0x0042, &1200u16.to_le_bytes());
    let mut patches = Vec::new();
    for sheet in sheets {
        patches.push(globals.len() + 4);
        let name: Vec<u8> = sheet.name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let data = [&[0u8; 4][..], &[0, 0, (name.len() / 2) as u8, 1], &name].concat();
        record(&mut globals, 0x0085, &data);
    }
    shared_strings(&mut globals, strings);
    record(&mut globals, 0x000A, &[]);
    let mut stream = globals;
    for (sheet, patch) in sheets.iter().zip(patches) {
        let at = stream.len() as u32;
        stream[patch..patch + 4].copy_from_slice(&at.to_le_bytes());
        record(&mut stream, 0x0809, &bof(0x0010));
        let (first_row, end_row, first_col, end_col) = sheet.dimensions;
        let dims = [
            &first_row.to_le_bytes()[..],
            &end_row.to_le_bytes(),
            &first_col.to_le_bytes(),
            &end_col.to_le_bytes(),
            &[0, 0],
        ]
        .concat();
        record(&mut stream, 0x0200, &dims);
        for &(row, col, cell) in &sheet.cells {
            let head = [row.to_le_bytes(), col.to_le_bytes(), [0, 0]].concat();
            match cell {
                XlsCell::Number(n) => record(&mut stream, 0x0203, &[&head[..], &n.to_le_bytes()].concat()),
                XlsCell::Shared(i) => record(&mut stream, 0x00FD, &[&head[..], &i.to_le_bytes()].concat()),
            }
        }
        record(&mut stream, 0x000A, &[]);
    }
    stream
}

/// Writes `stream` as the Workbook stream of an OLE container at `path`.
pub(crate) fn write_xls(path: &Path, stream: &[u8]) {
    // Version 3 (512-byte sectors), as Excel writes .xls files.
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{e}"));
    let mut container =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, file).unwrap_or_else(|e| panic!("{e}"));
    let mut workbook = container.create_stream("/Workbook").unwrap_or_else(|e| panic!("{e}"));
    workbook.write_all(stream).unwrap_or_else(|e| panic!("{e}"));
    drop(workbook);
    container.flush().unwrap_or_else(|e| panic!("{e}"));
}
