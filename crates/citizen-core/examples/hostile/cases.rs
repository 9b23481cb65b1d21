//! Hostile files, made on the spot (no binary fixtures): each case writes one
//! file and says what validating it must report. Shared by the test
//! `tests/hostile.rs` and the generator of `scripts/bench_hostile.sh`.
//!
//! Packages are written by hand (local headers and central directory) so
//! that a part can be deflated cheaply however large it inflates: the
//! deflate streams are built as fixed-Huffman blocks of literals and
//! repeated matches (13 to 16 bits per 258 bytes inflated), with no
//! compressor involved.
#![allow(dead_code)]

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// What validation must report for a case.
pub struct Case {
    pub name: &'static str,
    /// File name (its extension picks the reader).
    pub file: &'static str,
    /// `unusable` or `invalid`.
    pub status: &'static str,
    /// The report code of the first issue.
    pub code: &'static str,
    pub write: fn(&Path) -> io::Result<()>,
}

/// The contract every case is validated against.
pub const CONTRACT: &str = "dataset: hostile
title: Hostile files
period: none
strategy: rebuild
columns:
  - name: id
    type: text
    required: true
  - name: name
    type: text
";

pub fn all() -> Vec<Case> {
    let case = |name, file, status, code, write| Case { name, file, status, code, write };
    vec![
        case("cell at FXSHRXW2", "fxshrxw2.xlsx", "unusable", "too_large", |p| one_cell(p, "FXSHRXW2")),
        case("cell at ZZZZZZ1", "zzzzzz1.xlsx", "unusable", "too_large", |p| one_cell(p, "ZZZZZZ1")),
        case("cell in row 1,048,577", "row-past-limit.xlsx", "unusable", "too_large", |p| one_cell(p, "A1048577")),
        case("cell in column 100,000", "col-100000.xlsx", "unusable", "too_large", |p| one_cell(p, "EQXD1")),
        case("1.5 GB shared-string text node", "huge-text-node.xlsx", "unusable", "too_large", huge_text_node),
        case("20 million shared strings", "20m-strings.xlsx", "unusable", "too_large", many_strings),
        case("inline cell of 40,000 characters", "long-inline.xlsx", "unusable", "too_large", long_inline),
        case("zip bomb (4 GB declared from 1 KB)", "zip-bomb.xlsx", "unusable", "too_large", zip_bomb),
        case("1 GB of spaces in the sheet", "spaces-bomb.xlsx", "unusable", "too_large", spaces_bomb),
        case("XML bomb (billion laughs)", "billion-laughs.xlsx", "unusable", "unreadable", billion_laughs),
        case("external entity", "external-entity.xlsx", "unusable", "unreadable", external_entity),
        case("truncated package", "truncated.xlsx", "unusable", "unreadable", truncated),
        case("corrupt package", "corrupt.xlsx", "unusable", "unreadable", corrupt),
        case("NUL in xlsx text", "nul.xlsx", "invalid", "encoding", nul_xlsx),
        case("NUL in CSV text", "nul.csv", "invalid", "encoding", nul_csv),
        case("invalid UTF-8 in CSV", "bad-utf8.csv", "unusable", "encoding", bad_utf8),
        case("100,000 CSV columns", "wide.csv", "unusable", "too_large", wide_csv),
        case("unclosed CSV quote", "unclosed-quote.csv", "unusable", "too_large", unclosed_quote),
        case("60 MB CSV cell", "60mb-cell.csv", "unusable", "too_large", big_csv_cell),
        case("xls DIMENSIONS of 4 billion rows", "xls-dimensions.xls", "unusable", "too_large", xls_dimensions),
        case("xls cell at CRXP65536", "xls-far-cell.xls", "unusable", "too_large", xls_far_cell),
        case("xls shared string in 60,000 cells", "xls-sst-bomb.xls", "unusable", "too_large", xls_sst_bomb),
        case("ods 1,048,576 × 16,384 repeated cells", "ods-repeat-bomb.ods", "unusable", "too_large", ods_repeat_bomb),
        case("ods 30,000-char cell repeated", "ods-long-text.ods", "unusable", "too_large", ods_long_text),
    ]
}

// ---------------------------------------------------------------------------
// Cases

fn one_cell(path: &Path, at: &str) -> io::Result<()> {
    let rows = format!("<row><c r=\"{at}\" t=\"inlineStr\"><is><t>x</t></is></c></row>");
    let sheet = sheet(&rows);
    write_workbook(path, Part::stored("xl/worksheets/sheet1.xml", sheet.into_bytes()), None)
}

fn huge_text_node(path: &Path) -> io::Result<()> {
    let strings = Part::repeated(
        "xl/sharedStrings.xml",
        &format!("<sst xmlns=\"{MAIN}\" count=\"1\" uniqueCount=\"1\"><si><t>"),
        b"a",
        1_500_000_000,
        "</t></si></sst>",
    );
    let rows = "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>";
    write_workbook(path, Part::stored("xl/worksheets/sheet1.xml", sheet(rows).into_bytes()), Some(strings))
}

fn many_strings(path: &Path) -> io::Result<()> {
    let strings = Part::repeated(
        "xl/sharedStrings.xml",
        &format!("<sst xmlns=\"{MAIN}\">"),
        b"<si><t>a</t></si>",
        20_000_000,
        "</sst>",
    );
    let rows = "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>";
    write_workbook(path, Part::stored("xl/worksheets/sheet1.xml", sheet(rows).into_bytes()), Some(strings))
}

fn long_inline(path: &Path) -> io::Result<()> {
    let rows = format!(
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>id</t></is></c></row>\
         <row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>{}</t></is></c></row>",
        "x".repeat(40_000)
    );
    write_workbook(path, Part::stored("xl/worksheets/sheet1.xml", sheet(&rows).into_bytes()), None)
}

fn zip_bomb(path: &Path) -> io::Result<()> {
    // A part that says it inflates to 4,000,000,000 bytes from 1 KB: the
    // zip reader would enforce that size, so the guard refuses it unread.
    let mut part = Part::repeated("xl/worksheets/sheet1.xml", "", b" ", 8_000, "");
    part.size = 4_000_000_000;
    write_workbook(path, part, None)
}

fn spaces_bomb(path: &Path) -> io::Result<()> {
    let head = format!("<worksheet xmlns=\"{MAIN}\"><sheetData><row r=\"1\">");
    let part = Part::repeated("xl/worksheets/sheet1.xml", &head, b" ", 1 << 30, "</row></sheetData></worksheet>");
    write_workbook(path, part, None)
}

fn billion_laughs(path: &Path) -> io::Result<()> {
    let mut doctype = String::from("<!DOCTYPE worksheet [<!ENTITY lol \"lol\">");
    for level in 1..10 {
        let previous = if level == 1 { "lol".to_owned() } else { format!("lol{}", level - 1) };
        doctype.push_str(&format!("<!ENTITY lol{level} \"{}\">", format!("&{previous};").repeat(10)));
    }
    doctype.push_str("]>");
    let xml = format!(
        "<?xml version=\"1.0\"?>{doctype}<worksheet xmlns=\"{MAIN}\"><sheetData><row r=\"1\">\
         <c r=\"A1\" t=\"inlineStr\"><is><t>id</t></is></c></row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\">\
         <is><t>&lol9;</t></is></c></row></sheetData></worksheet>"
    );
    write_workbook(path, Part::stored("xl/worksheets/sheet1.xml", xml.into_bytes()), None)
}

fn external_entity(path: &Path) -> io::Result<()> {
    let xml = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]>\
         <worksheet xmlns=\"{MAIN}\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>id</t></is></c>\
         </row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>&secret;</t></is></c></row></sheetData></worksheet>"
    );
    write_workbook(path, Part::stored("xl/worksheets/sheet1.xml", xml.into_bytes()), None)
}

fn valid_workbook_bytes(path: &Path) -> io::Result<Vec<u8>> {
    let rows: String = (1..=2000)
        .map(|r| format!("<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>id {r}</t></is></c></row>"))
        .collect();
    write_workbook(path, Part::stored("xl/worksheets/sheet1.xml", sheet(&rows).into_bytes()), None)?;
    std::fs::read(path)
}

fn truncated(path: &Path) -> io::Result<()> {
    let bytes = valid_workbook_bytes(path)?;
    std::fs::write(path, &bytes[..bytes.len() / 2])
}

fn corrupt(path: &Path) -> io::Result<()> {
    let mut bytes = valid_workbook_bytes(path)?;
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 64] {
        *byte ^= 0x5A;
    }
    // The directory too, so no reader can skip the damaged part.
    let end = bytes.len();
    for byte in &mut bytes[end - 40..end - 30] {
        *byte ^= 0xA5;
    }
    std::fs::write(path, bytes)
}

fn nul_xlsx(path: &Path) -> io::Result<()> {
    let rows = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>id</t></is></c>\
        <c r=\"B1\" t=\"inlineStr\"><is><t>name</t></is></c></row>\
        <row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>1</t></is></c>\
        <c r=\"B2\" t=\"inlineStr\"><is><t>Da_x0000_na</t></is></c></row>";
    write_workbook(path, Part::stored("xl/worksheets/sheet1.xml", sheet(rows).into_bytes()), None)
}

/// A NUL past the first 64 KiB (a NUL among them makes the file binary, not
/// CSV text: refused as `unreadable` before any row is read).
fn nul_csv(path: &Path) -> io::Result<()> {
    let mut bytes = b"id,name\n".to_vec();
    for i in 0..10_000 {
        bytes.extend_from_slice(format!("{i},name {i}\n").as_bytes());
    }
    bytes.extend_from_slice(b"10000,Da\0na\n");
    std::fs::write(path, bytes)
}

fn bad_utf8(path: &Path) -> io::Result<()> {
    let mut bytes = b"id,name\n".to_vec();
    for i in 0..5000 {
        bytes.extend_from_slice(format!("{i},name {i}\n").as_bytes());
    }
    bytes.extend_from_slice(b"5000,\xff\xfe\xc3(\n");
    std::fs::write(path, bytes)
}

fn wide_csv(path: &Path) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(b"id,name")?;
    for i in 2..100_000 {
        write!(out, ",c{i}")?;
    }
    out.write_all(b"\n1,Dana\n")?;
    out.flush()
}

fn unclosed_quote(path: &Path) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(b"id,name\n1,\"Dana\n")?;
    for i in 0..50_000 {
        writeln!(out, "{i},more text that stays inside the quote")?;
    }
    out.flush()
}

fn big_csv_cell(path: &Path) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(b"id,name\n1,")?;
    let block = [b'x'; 1 << 16];
    for _ in 0..(60 << 20) / block.len() {
        out.write_all(&block)?;
    }
    out.write_all(b"\n")?;
    out.flush()
}

/// A sheet's DIMENSIONS record saying it has 4,000,000,000 rows: calamine
/// would reserve room for 8 billion cells before reading one.
fn xls_dimensions(path: &Path) -> io::Result<()> {
    let cells = [(0, 0, XlsCell::Shared(0)), (0, 1, XlsCell::Shared(1))];
    write_xls(path, &["id", "name"].map(str::to_owned), (0, 4_000_000_000, 0, 2), &cells)
}

/// A header and one cell at column 65,536, row 65,536 (far past IV65536,
/// the last cell of an .xls sheet): calamine would allocate the 4 billion
/// cells between them.
fn xls_far_cell(path: &Path) -> io::Result<()> {
    let cells = [(0, 0, XlsCell::Shared(0)), (0, 1, XlsCell::Shared(1)), (65_535, 65_535, XlsCell::Number(1.0))];
    write_xls(path, &["id", "name"].map(str::to_owned), (0, 2, 0, 2), &cells)
}

/// One shared string of 32,000 characters used by 60,000 cells: calamine
/// would copy it into each, 1.9 GB from a file of under 1 MB.
fn xls_sst_bomb(path: &Path) -> io::Result<()> {
    let strings = ["id".to_owned(), "name".to_owned(), "x".repeat(32_000)];
    let mut cells = vec![(0, 0, XlsCell::Shared(0)), (0, 1, XlsCell::Shared(1))];
    cells.extend((1..=60_000u16).map(|row| (row, 0, XlsCell::Shared(2))));
    write_xls(path, &strings, (0, 60_001, 0, 2), &cells)
}

/// One row of 16,384 repeated numbers, repeated 1,048,576 times: 17 billion
/// cells in a few hundred bytes.
fn ods_repeat_bomb(path: &Path) -> io::Result<()> {
    write_ods(
        path,
        "<table:table-row table:number-rows-repeated=\"1048576\"><table:table-cell \
         table:number-columns-repeated=\"16384\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>",
    )
}

/// A header, then a cell of 30,000 characters repeated over 100 columns and
/// 1,000 rows: 3 GB of text from 30 KB.
fn ods_long_text(path: &Path) -> io::Result<()> {
    let header = "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>id</text:p>\
                  </table:table-cell></table:table-row>";
    let rows = format!(
        "{header}<table:table-row table:number-rows-repeated=\"1000\"><table:table-cell \
         table:number-columns-repeated=\"100\" office:value-type=\"string\"><text:p>{}</text:p>\
         </table:table-cell></table:table-row>",
        "y".repeat(30_000)
    );
    write_ods(path, &rows)
}

// ---------------------------------------------------------------------------
// .xls (BIFF8 in an OLE container) and .ods writers

/// An .xls cell: a number or an index into the shared strings.
#[derive(Clone, Copy)]
enum XlsCell {
    Number(f64),
    Shared(u32),
}

fn biff(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

/// A one-sheet .xls workbook of ASCII shared strings and numbers, its
/// DIMENSIONS record (first row, last row + 1, first column, last column + 1)
/// as given. Strings longer than a record go on in CONTINUE records.
fn write_xls(
    path: &Path,
    strings: &[String],
    dimensions: (u32, u32, u16, u16),
    cells: &[(u16, u16, XlsCell)],
) -> io::Result<()> {
    const MAX_RECORD: usize = 8224;
    let bof = |kind: u16| [&0x0600u16.to_le_bytes()[..], &kind.to_le_bytes(), &[0; 12]].concat();
    let mut stream = Vec::new();
    biff(&mut stream, 0x0809, &bof(0x0005));
    biff(&mut stream, 0x0042, &1200u16.to_le_bytes());
    let sheet_at = stream.len() + 4;
    biff(&mut stream, 0x0085, &[&[0u8; 4][..], &[0, 0, 4, 0], b"Data"].concat());
    // The SST record and its CONTINUE records.
    let count = (strings.len() as u32).to_le_bytes();
    let mut records = vec![[count, count].concat()];
    for text in strings {
        if records[records.len() - 1].len() + 3 > MAX_RECORD {
            records.push(Vec::new());
        }
        let last = records.len() - 1;
        records[last].extend_from_slice(&(text.len() as u16).to_le_bytes());
        records[last].push(0);
        let mut rest = text.as_bytes();
        loop {
            let last = records.len() - 1;
            let take = (MAX_RECORD - records[last].len()).min(rest.len());
            records[last].extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if rest.is_empty() {
                break;
            }
            records.push(vec![0]);
        }
    }
    for (i, data) in records.iter().enumerate() {
        biff(&mut stream, if i == 0 { 0x00FC } else { 0x003C }, data);
    }
    biff(&mut stream, 0x000A, &[]);
    let at = (stream.len() as u32).to_le_bytes();
    stream[sheet_at..sheet_at + 4].copy_from_slice(&at);
    biff(&mut stream, 0x0809, &bof(0x0010));
    let (first_row, end_row, first_col, end_col) = dimensions;
    let dims = [
        &first_row.to_le_bytes()[..],
        &end_row.to_le_bytes(),
        &first_col.to_le_bytes(),
        &end_col.to_le_bytes(),
        &[0, 0],
    ]
    .concat();
    biff(&mut stream, 0x0200, &dims);
    for &(row, col, cell) in cells {
        let head = [row.to_le_bytes(), col.to_le_bytes(), [0, 0]].concat();
        match cell {
            XlsCell::Number(n) => biff(&mut stream, 0x0203, &[&head[..], &n.to_le_bytes()].concat()),
            XlsCell::Shared(i) => biff(&mut stream, 0x00FD, &[&head[..], &i.to_le_bytes()].concat()),
        }
    }
    biff(&mut stream, 0x000A, &[]);
    // Version 3 (512-byte sectors), as Excel writes .xls files.
    let mut container = cfb::CompoundFile::create_with_version(cfb::Version::V3, File::create(path)?)?;
    let mut workbook = container.create_stream("/Workbook")?;
    workbook.write_all(&stream)?;
    drop(workbook);
    container.flush()
}

/// A one-table .ods workbook (table "Data") with `rows` as its content.
fn write_ods(path: &Path, rows: &str) -> io::Result<()> {
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body>\
         <office:spreadsheet><table:table table:name=\"Data\">{rows}</table:table></office:spreadsheet>\
         </office:body></office:document-content>"
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest \
                    xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
                    <manifest:file-entry manifest:full-path=\"/\" \
                    manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
                    <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
                    </manifest:manifest>";
    write_zip(
        path,
        &[
            Part::stored("mimetype", b"application/vnd.oasis.opendocument.spreadsheet".to_vec()),
            Part::stored("META-INF/manifest.xml", manifest.as_bytes().to_vec()),
            Part::stored("content.xml", content.into_bytes()),
        ],
    )
}

// ---------------------------------------------------------------------------
// Packages

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PACKAGE_RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

fn sheet(rows: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<worksheet xmlns=\"{MAIN}\"><sheetData>{rows}</sheetData></worksheet>")
}

/// One part of a package: its name, its bytes as stored, and what they inflate to.
pub struct Part {
    name: String,
    /// 0 stored, 8 deflated.
    method: u16,
    data: Vec<u8>,
    size: u64,
    crc: u32,
}

impl Part {
    fn stored(name: &str, bytes: Vec<u8>) -> Part {
        Part { name: name.to_owned(), method: 0, size: bytes.len() as u64, crc: crc32(&bytes), data: bytes }
    }

    /// `head`, then `unit` `count` times, then `tail`, deflated. The CRC is
    /// left at 0 for parts over 64 MiB (computing it would take longer than
    /// every reader needs to refuse them; a reader that got to the end would
    /// report the part as damaged).
    fn repeated(name: &str, head: &str, unit: &[u8], count: u64, tail: &str) -> Part {
        let size = head.len() as u64 + unit.len() as u64 * count + tail.len() as u64;
        let crc = if size <= 64 << 20 {
            let mut all = head.as_bytes().to_vec();
            for _ in 0..count {
                all.extend_from_slice(unit);
            }
            all.extend_from_slice(tail.as_bytes());
            crc32(&all)
        } else {
            0
        };
        Part {
            name: name.to_owned(),
            method: 8,
            data: deflate_repeated(head.as_bytes(), unit, count, tail.as_bytes()),
            size,
            crc,
        }
    }
}

/// A one-sheet workbook: the usual small parts, `sheet` and the shared strings.
fn write_workbook(path: &Path, sheet: Part, strings: Option<Part>) -> io::Result<()> {
    let mut parts = vec![
        Part::stored(
            "[Content_Types].xml",
            b"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>".to_vec(),
        ),
        Part::stored(
            "_rels/.rels",
            format!(
                "<Relationships xmlns=\"{PACKAGE_RELS}\"><Relationship Id=\"rId1\" \
                 Type=\"{RELS}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            )
            .into_bytes(),
        ),
        Part::stored(
            "xl/workbook.xml",
            format!(
                "<workbook xmlns=\"{MAIN}\" xmlns:r=\"{RELS}\"><sheets><sheet name=\"Data\" sheetId=\"1\" \
                 r:id=\"rId1\"/></sheets></workbook>"
            )
            .into_bytes(),
        ),
        Part::stored(
            "xl/_rels/workbook.xml.rels",
            format!(
                "<Relationships xmlns=\"{PACKAGE_RELS}\"><Relationship Id=\"rId1\" Type=\"{RELS}/worksheet\" \
                 Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"{RELS}/sharedStrings\" \
                 Target=\"sharedStrings.xml\"/></Relationships>"
            )
            .into_bytes(),
        ),
        sheet,
    ];
    parts.extend(strings);
    write_zip(path, &parts)
}

/// Writes `parts` as a zip file (no zip64: every size below 4 GiB).
fn write_zip(path: &Path, parts: &[Part]) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut directory = Vec::new();
    let mut offset = 0u64;
    let u32_of = |n: u64| u32::try_from(n).map_err(|_| io::Error::other("a size past 4 GiB"));
    for part in parts {
        let name = part.name.as_bytes();
        let (packed, size) = (u32_of(part.data.len() as u64)?, u32_of(part.size)?);
        let mut local = Vec::new();
        local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        local.extend_from_slice(&20u16.to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes());
        local.extend_from_slice(&part.method.to_le_bytes());
        local.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
        local.extend_from_slice(&part.crc.to_le_bytes());
        local.extend_from_slice(&packed.to_le_bytes());
        local.extend_from_slice(&size.to_le_bytes());
        local.extend_from_slice(&(name.len() as u16).to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes());
        local.extend_from_slice(name);
        out.write_all(&local)?;
        out.write_all(&part.data)?;
        directory.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        directory.extend_from_slice(&20u16.to_le_bytes());
        directory.extend_from_slice(&local[4..30]);
        directory.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        directory.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        directory.extend_from_slice(&u32_of(offset)?.to_le_bytes());
        directory.extend_from_slice(name);
        offset += local.len() as u64 + part.data.len() as u64;
    }
    out.write_all(&directory)?;
    out.write_all(&0x0605_4b50u32.to_le_bytes())?;
    out.write_all(&[0; 4])?;
    out.write_all(&(parts.len() as u16).to_le_bytes())?;
    out.write_all(&(parts.len() as u16).to_le_bytes())?;
    out.write_all(&u32_of(directory.len() as u64)?.to_le_bytes())?;
    out.write_all(&u32_of(offset)?.to_le_bytes())?;
    out.write_all(&0u16.to_le_bytes())?;
    out.flush()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

// ---------------------------------------------------------------------------
// Deflate, fixed Huffman codes (RFC 1951 §3.2.6)

struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    /// `count` bits of `value`, least significant first.
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code, most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.put(reversed, len);
    }

    fn literal(&mut self, byte: u8) {
        match byte {
            0..=143 => self.code(0x30 + u32::from(byte), 8),
            _ => self.code(0x190 + u32::from(byte) - 144, 9),
        }
    }

    fn symbol(&mut self, symbol: u32) {
        match symbol {
            256..=279 => self.code(symbol - 256, 7),
            _ => self.code(0xC0 + symbol - 280, 8),
        }
    }

    fn matched(&mut self, length: u32, distance: u32) {
        const LENGTHS: [(u32, u32); 29] = [
            (3, 0),
            (4, 0),
            (5, 0),
            (6, 0),
            (7, 0),
            (8, 0),
            (9, 0),
            (10, 0),
            (11, 1),
            (13, 1),
            (15, 1),
            (17, 1),
            (19, 2),
            (23, 2),
            (27, 2),
            (31, 2),
            (35, 3),
            (43, 3),
            (51, 3),
            (59, 3),
            (67, 4),
            (83, 4),
            (99, 4),
            (115, 4),
            (131, 5),
            (163, 5),
            (195, 5),
            (227, 5),
            (258, 0),
        ];
        let index = LENGTHS.iter().rposition(|&(base, _)| base <= length).unwrap_or(0);
        let (base, extra) = LENGTHS[index];
        self.symbol(257 + index as u32);
        self.put(length - base, extra);
        let (mut code, mut base, mut extra) = (0u32, 1u32, 0u32);
        while code < 29 {
            let next_extra = if code < 2 { 0 } else { (code - 2) / 2 };
            let size = 1 << next_extra;
            if distance < base + size {
                extra = next_extra;
                break;
            }
            base += size;
            code += 1;
        }
        self.code(code, 5);
        self.put(distance - base, extra);
    }
}

/// One fixed-Huffman block: `head` and one `unit` as literals, the other
/// `count - 1` units as matches at the unit's distance, `tail` as literals.
fn deflate_repeated(head: &[u8], unit: &[u8], count: u64, tail: &[u8]) -> Vec<u8> {
    let mut bits = Bits { out: Vec::new(), acc: 0, n: 0 };
    bits.put(1, 1); // final block
    bits.put(1, 2); // fixed codes
    for &b in head {
        bits.literal(b);
    }
    if count > 0 {
        for &b in unit {
            bits.literal(b);
        }
        let distance = unit.len() as u32;
        let mut left = (count - 1) * unit.len() as u64;
        let mut at = 0usize;
        while left >= 3 {
            let length = left.min(258) as u32;
            bits.matched(length, distance);
            left -= u64::from(length);
            at = (at + length as usize) % unit.len();
        }
        for _ in 0..left {
            bits.literal(unit[at]);
            at = (at + 1) % unit.len();
        }
    }
    for &b in tail {
        bits.literal(b);
    }
    bits.symbol(256);
    bits.put(0, 7);
    bits.out
}
