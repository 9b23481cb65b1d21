//! The fast path for .xlsx/.xlsm workbooks: it reads the package, the shared
//! strings and the sheet's XML itself, with the small scanner of `xml_scan`,
//! instead of through calamine, whose general XML reader spends most of the
//! time on a large sheet. It follows calamine's rules cell for cell (types,
//! styles that make a number a date, the 1904 epoch, rich and phonetic text,
//! Excel's `_xHHHH_` escapes, cells and rows without positions); differential
//! tests hold it to calamine on workbooks of every shape. A workbook whose
//! package it does not understand is left to calamine (`open` gives `None`).

mod package;
mod shared_strings;
mod sheet;
mod styles;
pub(crate) mod xml_scan;

use crate::contract::config::SheetConfig;
use crate::readers::cell::StringTable;
use crate::readers::sheet_stream::RowSink;
use crate::readers::spreadsheet::choose_sheet;
use calamine::SheetType;
use package::{inflate, is_utf8_xml, office_document, part_name, read_part, relationships, sheets, Archive};
use shared_strings::shared_strings;
use sheet::{Book, Reader, SheetError};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;
use styles::{number_formats, NumberKind};
use zip::ZipArchive;

/// A workbook opened on the fast path, its sheet chosen.
pub(crate) struct FastXlsx {
    archive: Archive,
    /// The sheet's name, for messages.
    sheet: String,
    /// Zip entries of the sheet and of the shared strings.
    sheet_part: String,
    strings_part: Option<String>,
    /// Number kind by cell style index.
    formats: Vec<NumberKind>,
    is_1904: bool,
}

/// Opens the workbook and picks the sheet as the calamine path would; `None`
/// when anything is not as the fast path expects, so the caller falls back to
/// calamine (which also gives the messages for damaged files).
pub(crate) fn open(path: &Path, wanted: Option<&SheetConfig>) -> Option<(FastXlsx, String)> {
    let file = File::open(path).ok()?;
    let mut archive = ZipArchive::new(BufReader::new(file)).ok()?;
    let (xl_path, workbook_name) = office_document(&mut archive)?;
    let styles = format!("{xl_path}styles.xml");
    let formats = match part_name(&archive, &styles) {
        Some(_) => number_formats(&read_part(&mut archive, &styles)?)?,
        None => Vec::new(),
    };
    let relationships = relationships(&read_part(&mut archive, &format!("{xl_path}_rels/{workbook_name}.rels"))?)?;
    let workbook = read_part(&mut archive, &format!("{xl_path}{workbook_name}"))?;
    let (sheets, parts, is_1904) = sheets(&workbook, &relationships, &xl_path)?;
    let name = choose_sheet(&sheets, wanted).ok()?;
    let index = sheets.iter().position(|s| s.name == name)?;
    if sheets[index].typ != SheetType::WorkSheet {
        return None;
    }
    let sheet_part = part_name(&archive, &parts[index])?;
    let strings_part = part_name(&archive, &format!("{xl_path}sharedStrings.xml"));
    for part in strings_part.iter().chain([&sheet_part]) {
        if !is_utf8_xml(&mut archive, part) {
            return None;
        }
    }
    let fast = FastXlsx { archive, sheet: name.clone(), sheet_part, strings_part, formats, is_1904 };
    Some((fast, name))
}

impl FastXlsx {
    /// Runs on the parsing thread: the shared strings, then every cell of the
    /// sheet. Both parts are inflated on a thread of their own meanwhile.
    pub(crate) fn stream(self, sink: &mut RowSink<'_>) {
        let sheet = format!("sheet '{}'", self.sheet);
        let parts: Vec<String> = self.strings_part.iter().chain([&self.sheet_part]).cloned().collect();
        let mut inflated = inflate(self.archive, parts).into_iter();
        let strings_part = if self.strings_part.is_some() { inflated.next() } else { None };
        let strings = match strings_part.map(shared_strings) {
            Some(Ok(strings)) => strings,
            Some(Err(error)) => {
                let part = self.strings_part.as_deref().unwrap_or("sharedStrings.xml");
                return sink.fail(error.into_read_error(&format!("the shared strings ({part}) of {sheet}")));
            }
            None => StringTable::default(),
        };
        let strings = Arc::new(strings);
        let Some(part) = inflated.next() else {
            return sink.fail(SheetError::Eof("worksheet").into_read_error(&format!("{sheet} (its part is missing)")));
        };
        let book = Book { strings: &strings, formats: &self.formats, is_1904: self.is_1904 };
        let mut reader = Reader::new(part);
        match reader.cells(&book, sink) {
            Ok(()) => sink.finish(),
            Err(error) => sink.fail(error.into_read_error(&format!("{sheet} ({})", self.sheet_part))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sheet::{cell_name, reference};
    use super::styles::{builtin_format, custom_format};
    use super::*;
    use crate::contract::{Catalog, SourceOptions};
    use crate::readers::calamine::{open_sheet, parse_sheet};
    use crate::readers::cell::Cell;
    use crate::readers::sheet_stream::{Row, RowStream};
    use crate::readers::table::ReadError;
    use crate::readers::test_workbooks::workbooks;
    use crate::sample::{write_sample, SampleFormat, SampleSpec};
    use calamine::Sheets;
    use std::io::Write;
    use std::path::PathBuf;

    fn drain(mut rows: RowStream) -> Result<Vec<Row>, ReadError> {
        let mut out = Vec::new();
        while let Some(row) = rows.next_row() {
            out.push(row?);
        }
        Ok(out)
    }

    /// The sheet's rows through the fast path; None if it leaves the workbook to calamine.
    fn fast_rows(path: &Path, options: &SourceOptions) -> Option<Result<Vec<Row>, ReadError>> {
        let (workbook, _) = open(path, options.sheet.as_ref())?;
        Some(drain(RowStream::spawn(move |sink| workbook.stream(sink))))
    }

    fn calamine_rows(path: &Path, options: &SourceOptions) -> Result<Vec<Row>, ReadError> {
        let (workbook, sheet) = open_sheet(path, options)?;
        let Sheets::Xlsx(xlsx) = workbook else { panic!("an xlsx workbook") };
        drain(RowStream::spawn(move |sink| parse_sheet(xlsx, &sheet, sink)))
    }

    /// Both paths read the same rows and cells, or both refuse the sheet.
    fn assert_agree(name: &str, path: &Path, options: &SourceOptions) {
        let fast = fast_rows(path, options).unwrap_or_else(|| panic!("{name}: the fast path declined"));
        match (fast, calamine_rows(path, options)) {
            (Ok(fast), Ok(slow)) => assert_eq!(fast, slow, "{name}"),
            (Err(_), Err(_)) => {}
            (fast, slow) => panic!("{name}: fast path {fast:?}, calamine {slow:?}"),
        }
    }

    #[test]
    fn agrees_with_calamine_on_the_reader_test_workbooks() {
        let (_dir, workbooks) = workbooks();
        for (name, path, options) in &workbooks {
            assert_agree(name, path, options);
        }
    }

    #[test]
    fn agrees_with_calamine_on_every_generated_sample() {
        let dir = tempfile::tempdir().expect("temp dir");
        let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts");
        let catalog = Catalog::load(&contracts).unwrap_or_else(|e| panic!("{e}"));
        for contract in &catalog.contracts {
            let spec = SampleSpec { rows: 3000, seed: 7, errors_per_code: 20, format: SampleFormat::Xlsx };
            let path = dir.path().join(format!("{}.xlsx", contract.dataset));
            write_sample(contract, &spec, &path).unwrap_or_else(|e| panic!("{e}"));
            let rows = fast_rows(&path, &SourceOptions::default()).expect("fast path").expect("readable");
            assert_eq!(rows.len(), 3001, "{}", contract.dataset);
            assert_agree(&contract.dataset, &path, &SourceOptions::default());
        }
    }

    /// Random cells of every kind rust_xlsxwriter writes, tricky text included.
    #[test]
    fn agrees_with_calamine_on_random_cells() {
        use rust_xlsxwriter::{ExcelDateTime as XlsxDate, Format as XlsxFormat, Formula, Workbook};
        let texts = [
            "plain",
            "  padded  ",
            "R&D <x> \"q\" 'a'",
            "line\nbreak",
            "cr\r\nlf",
            "_x000D_ literal",
            "שלום עולם",
            "\u{200F}RTL mark",
            "nbsp\u{A0}",
            "emoji 😀",
            "=1+1",
            "007",
            "",
            "   ",
        ];
        let formats = [
            XlsxFormat::new().set_num_format("dd/mm/yyyy"),
            XlsxFormat::new().set_num_format("yyyy-mm-dd hh:mm"),
            XlsxFormat::new().set_num_format("[h]:mm:ss"),
            XlsxFormat::new().set_num_format("0.00"),
            XlsxFormat::new().set_num_format("\"d\" 0"),
            XlsxFormat::new().set_num_format_index(14),
            XlsxFormat::new().set_bold(),
        ];
        let dir = tempfile::tempdir().expect("temp dir");
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for round in 0..3 {
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet();
            for row in 0..300u32 {
                for col in 0..10u16 {
                    let format = &formats[next(formats.len() as u64) as usize];
                    let text = texts[next(texts.len() as u64) as usize];
                    let number = (next(2_000_000) as f64 - 500_000.0) / 16.0;
                    let written = match next(9) {
                        0 => sheet.write_string(row, col, text).map(|_| ()),
                        1 => sheet.write_string_with_format(row, col, text, format).map(|_| ()),
                        2 => sheet.write_number_with_format(row, col, number, format).map(|_| ()),
                        3 => sheet.write_number(row, col, number).map(|_| ()),
                        4 => sheet.write_boolean(row, col, next(2) == 0).map(|_| ()),
                        5 => {
                            let day =
                                XlsxDate::from_ymd(1950 + next(100) as u16, 1 + next(12) as u8, 1 + next(28) as u8)
                                    .expect("a date");
                            sheet.write_datetime_with_format(row, col, day, format).map(|_| ())
                        }
                        6 => sheet.write_formula(row, col, Formula::new("=A1").set_result(text.trim())).map(|_| ()),
                        7 => sheet.write_blank(row, col, format).map(|_| ()),
                        _ => Ok(()),
                    };
                    written.expect("cell written");
                }
            }
            let path = dir.path().join(format!("random-{round}.xlsx"));
            workbook.save(&path).expect("saved");
            assert_agree(&format!("random {round}"), &path, &SourceOptions::default());
        }
    }

    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /// The parts of a hand-written package; `None` leaves a part out.
    struct Package<'a> {
        sheets: Vec<(&'a str, &'a str, String)>,
        strings: Option<String>,
        styles: Option<String>,
        workbook_pr: &'a str,
        package_rels: bool,
        absolute_targets: bool,
        /// The first sheet's part as these bytes instead of its text.
        first_sheet_bytes: Option<Vec<u8>>,
    }

    impl Default for Package<'_> {
        fn default() -> Self {
            Package {
                sheets: Vec::new(),
                strings: Some(shared_strings_xml()),
                styles: Some(styles_xml()),
                workbook_pr: "",
                package_rels: true,
                absolute_targets: false,
                first_sheet_bytes: None,
            }
        }
    }

    fn sheet_xml(rows: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"{MAIN}\" \
             xmlns:r=\"{RELS}\"><dimension ref=\"A1:Z40\"/><sheetViews><sheetView workbookViewId=\"0\"/>\
             </sheetViews><sheetData>{rows}</sheetData><pageMargins left=\"0.7\"/></worksheet>"
        )
    }

    fn shared_strings_xml() -> String {
        let items = [
            "<si><t>plain</t></si>",
            "<si><t xml:space=\"preserve\">  spaced  </t></si>",
            "<si><t>  trimmed\r\n</t></si>",
            "<si><t>R&amp;D &lt;x&gt; &#1488;&#x5D1; &quot;q&quot;</t></si>",
            "<si><r><rPr><b/><sz val=\"11\"/></rPr><t>bold</t></r><r><t xml:space=\"preserve\"> part</t></r></si>",
            "<si><t>東京</t><rPh sb=\"0\" eb=\"2\"><t>トウキョウ</t></rPh><phoneticPr fontId=\"1\"/></si>",
            "<si><t>line_x000D_break _x005F_x000D_</t></si>",
            "<si><t><![CDATA[<cdata> & more]]></t></si>",
            "<si><t/></si>",
            "<si></si>",
            "<si><t>a\r\nb\rc</t></si>",
            "<si><t>&#160;nbsp kept&#160;</t></si>",
            "<si><t>emoji _xD83D__xDE00_ lone _xD83D_</t></si>",
            "<si>\n  <t>indented</t>\n</si>",
            "<si><t>two</t><t>parts</t></si>",
        ];
        format!("<sst xmlns=\"{MAIN}\" count=\"15\" uniqueCount=\"15\">{}</sst>", items.concat())
    }

    fn styles_xml() -> String {
        format!(
            "<styleSheet xmlns=\"{MAIN}\"><numFmts count=\"3\"><numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy\"/>\
             <numFmt numFmtId=\"165\" formatCode=\"[h]:mm:ss\"/><numFmt numFmtId=\"166\" \
             formatCode=\"&quot;Day&quot; 0\"/></numFmts><fonts count=\"1\"><font><sz val=\"11\"/></font></fonts>\
             <cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs><cellXfs count=\"7\"><xf numFmtId=\"0\"/>\
             <xf numFmtId=\"14\" applyNumberFormat=\"1\"/><xf numFmtId=\"164\"><alignment horizontal=\"left\"/></xf>\
             <xf numFmtId=\"165\"/><xf numFmtId=\"166\"/><xf numFmtId=\"46\"/><xf/></cellXfs></styleSheet>"
        )
    }

    /// Writes the package as a zip; each part stored as is.
    fn write_package(dir: &Path, name: &str, package: &Package<'_>) -> PathBuf {
        let path = dir.join(format!("{name}.xlsx"));
        let mut zip = zip::ZipWriter::new(File::create(&path).expect("created"));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut part = |name: &str, bytes: &[u8]| {
            zip.start_file(name, options).expect("zip entry");
            zip.write_all(bytes).expect("written");
        };
        part("[Content_Types].xml", b"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>");
        if package.package_rels {
            part(
                "_rels/.rels",
                format!(
                    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
                     <Relationship Id=\"rId1\" Type=\"{RELS}/officeDocument\" Target=\"xl/workbook.xml\"/>\
                     </Relationships>"
                )
                .as_bytes(),
            );
        }
        let prefix = if package.absolute_targets { "/xl/" } else { "" };
        let mut sheets = String::new();
        let mut rels = String::new();
        for (i, (sheet_name, state, xml)) in package.sheets.iter().enumerate() {
            let n = i + 1;
            let state = if state.is_empty() { String::new() } else { format!(" state=\"{state}\"") };
            sheets.push_str(&format!("<sheet name=\"{sheet_name}\" sheetId=\"{n}\"{state} r:id=\"rId{n}\"/>"));
            rels.push_str(&format!(
                "<Relationship Id=\"rId{n}\" Type=\"{RELS}/worksheet\" Target=\"{prefix}worksheets/sheet{n}.xml\"/>"
            ));
            let bytes = package.first_sheet_bytes.as_deref().filter(|_| n == 1).unwrap_or(xml.as_bytes());
            part(&format!("xl/worksheets/sheet{n}.xml"), bytes);
        }
        part(
            "xl/workbook.xml",
            format!(
                "<workbook xmlns=\"{MAIN}\" xmlns:r=\"{RELS}\">{}<sheets>{sheets}</sheets></workbook>",
                package.workbook_pr
            )
            .as_bytes(),
        );
        part(
            "xl/_rels/workbook.xml.rels",
            format!("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}</Relationships>").as_bytes(),
        );
        if let Some(strings) = &package.strings {
            part("xl/sharedStrings.xml", strings.as_bytes());
        }
        if let Some(styles) = &package.styles {
            part("xl/styles.xml", styles.as_bytes());
        }
        zip.finish().expect("zip finished");
        path
    }

    fn one_sheet(rows: &str) -> Package<'static> {
        Package { sheets: vec![("Data", "", sheet_xml(rows))], ..Package::default() }
    }

    /// Cells of every type, style and odd form the fast path reads itself.
    fn sheets_that_read() -> Vec<(&'static str, Package<'static>)> {
        let strings: String = (0..15)
            .map(|i| format!("<c r=\"{}1\" t=\"s\"><v>{i}</v></c>", cell_name((0, i)).trim_end_matches('1')))
            .collect();
        let numbers = "<row r=\"2\"><c r=\"A2\"><v>42</v></c><c r=\"B2\" t=\"n\"><v>-1.5E3</v></c>\
            <c r=\"C2\" s=\"1\"><v>45000</v></c><c r=\"D2\" s=\"2\"><v>45000.5</v></c><c r=\"E2\" s=\"3\"><v>1.25</v></c>\
            <c r=\"F2\" s=\"4\"><v>7</v></c><c r=\"G2\" s=\"5\"><v>0.5</v></c><c r=\"H2\" s=\"99\"><v>3</v></c>\
            <c r=\"I2\" s=\"1\"><v>0.25</v></c><c r=\"J2\" s=\"1\"><v>60</v></c><c r=\"K2\" s=\"1\"><v>-1</v></c>\
            <c r=\"L2\" s=\"x\"><v>5</v></c><c r=\"M2\" s=\"6\"><v>0.1</v></c></row>";
        let others = "<row r=\"3\"><c r=\"A3\" t=\"b\"><v>1</v></c><c r=\"B3\" t=\"b\"><v>0</v></c>\
            <c r=\"C3\" t=\"b\"><v>true</v></c><c r=\"D3\" t=\"b\"><v> FALSE </v></c><c r=\"E3\" t=\"b\"><v></v></c>\
            <c r=\"F3\" t=\"e\"><v>#N/A</v></c><c r=\"G3\" t=\"e\"><v>#DIV/0!</v></c>\
            <c r=\"H3\" t=\"str\"><v>a &amp; b_x000D_\r\nc</v></c><c r=\"I3\" t=\"d\"><v>2024-03-01T10:00:00</v></c>\
            <c r=\"J3\" t=\"d\"><v>2024-03-01</v></c><c r=\"K3\" t=\"d\"><v>soon</v></c>\
            <c r=\"L3\" t=\"inlineStr\"><is><t> inline </t></is></c>\
            <c r=\"M3\" t=\"inlineStr\"><is><r><t>rich</t></r><r><t xml:space=\"preserve\"> inline</t></r></is></c>\
            <c r=\"N3\" t=\"inlineStr\"><v>ignored</v><is><t>kept</t></is></c><c r=\"O3\"><v>not a number</v></c>\
            <c r=\"P3\" t=\"s\"><v></v></c><c r=\"Q3\" t=\"s\"/><c r=\"R3\"><f>1+1</f><v>2</v></c>\
            <c r=\"S3\"><v>2</v><f>1+1</f></c><c r=\"T3\" t=\"str\"><f>A1</f><v>x</v></c>\
            <c r=\"U3\" t=\"inlineStr\"><is/></c><c r=\"V3\"><v>1&#48;</v></c><c r=\"W3\"><v/></c>\
            <c r=\"X3\" t=\"s\"><v>007</v></c><c r=\"Y3\" t=\"n\"><f t=\"shared\" si=\"0\" ref=\"Y3:Y4\">1</f><v>8</v></c></row>";
        let positions = "<row><c><v>1</v></c><c><v>2</v></c></row><row r=\"5\"><c><v>3</v></c><c r=\"D5\"><v>4</v></c>\
            <c><v>5</v></c><c/><c><v>6</v></c></row><row/><row><c t=\"s\"><v>0</v></c></row>\
            <row r=\"9\"><c r=\"A9\" s=\"1\"/><c r=\"B9\" t=\"s\"><v>3</v></c><c r=\"b9\"><v>9</v></c></row>\
            <row r=\"12\"><c r=\"C9\"><v>out of order</v></c></row>";
        let spaced = "<row r=\"1\">\n  <c r=\"A1\" t=\"s\">\n    <v>0</v>\n  </c>\n  <!-- <c r=\"B1\"><v>9</v></c> -->\
            \n  <c r=\"B1\"><v>1</v> </c><?pi data?><c r=\"C1\"  t = 's' ><v>2</v></c>\n</row>";
        let prefixed = format!(
            "<x:worksheet xmlns:x=\"{MAIN}\"><x:sheetData><x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c>\
             <x:c r=\"B1\" t=\"inlineStr\"><x:is><x:t>inline</x:t></x:is></x:c><x:c r=\"C1\" s=\"1\"><x:v>45000</x:v>\
             </x:c></x:row></x:sheetData></x:worksheet>"
        );
        let prefixed_strings = format!(
            "<x:sst xmlns:x=\"{MAIN}\"><x:si><x:t>prefixed</x:t></x:si><x:si><x:r><x:t>r</x:t></x:r></x:si></x:sst>"
        );
        let hidden_first = Package {
            sheets: vec![
                ("Hidden", "hidden", sheet_xml("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>")),
                ("Shown", "", sheet_xml("<row r=\"1\"><c r=\"A1\"><v>2</v></c></row>")),
            ],
            ..Package::default()
        };
        vec![
            ("shared strings", one_sheet(&format!("<row r=\"1\">{strings}</row>"))),
            ("numbers and styles", one_sheet(numbers)),
            ("other types", one_sheet(others)),
            ("positions", one_sheet(positions)),
            ("spacing, comments and instructions", one_sheet(spaced)),
            ("1904 epoch", Package { workbook_pr: "<workbookPr date1904=\"1\"/>", ..one_sheet(numbers) }),
            (
                "prefixed",
                Package { sheets: vec![("Data", "", prefixed)], strings: Some(prefixed_strings), ..Package::default() },
            ),
            ("no strings, no styles", Package { strings: None, styles: None, ..one_sheet(numbers) }),
            ("absolute targets", Package { absolute_targets: true, ..one_sheet(numbers) }),
            ("hidden first sheet", hidden_first),
            ("empty sheet data", one_sheet("")),
            (
                "self-closing sheet data",
                Package {
                    sheets: vec![("Data", "", format!("<worksheet xmlns=\"{MAIN}\"><sheetData/></worksheet>"))],
                    ..Package::default()
                },
            ),
        ]
    }

    #[test]
    fn agrees_with_calamine_on_hand_written_sheets() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, package) in sheets_that_read() {
            let path = write_package(dir.path(), &name.replace(' ', "-"), &package);
            let fast = fast_rows(&path, &SourceOptions::default()).expect("fast path");
            assert!(fast.is_ok(), "{name}: {fast:?}");
            assert_agree(name, &path, &SourceOptions::default());
        }
    }

    #[test]
    fn refuses_what_calamine_refuses() {
        let broken = [
            ("missing shared string", "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>99</v></c></row>"),
            ("unknown type", "<row r=\"1\"><c r=\"A1\" t=\"x\"><v>1</v></c></row>"),
            ("bad boolean", "<row r=\"1\"><c r=\"A1\" t=\"b\"><v>yes</v></c></row>"),
            ("unknown error", "<row r=\"1\"><c r=\"A1\" t=\"e\"><v>#GETTING_DATA</v></c></row>"),
            ("bad reference", "<row r=\"1\"><c r=\"1A\"><v>1</v></c></row>"),
            ("row zero", "<row r=\"0\"><c><v>1</v></c></row>"),
            ("unexpected element", "<row r=\"1\"><c r=\"A1\"><foo/></c></row>"),
            ("text in a number", "<row r=\"1\"><c r=\"A1\" t=\"n\"><v>abc</v></c></row>"),
            ("unknown entity", "<row r=\"1\"><c r=\"A1\" t=\"str\"><v>&nbsp;</v></c></row>"),
        ];
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, rows) in broken {
            let path = write_package(dir.path(), &name.replace(' ', "-"), &one_sheet(rows));
            let fast = fast_rows(&path, &SourceOptions::default()).expect("fast path");
            assert!(fast.is_err(), "{name}: {fast:?}");
            assert!(calamine_rows(&path, &SourceOptions::default()).is_err(), "{name}: calamine read it");
        }
        let truncated = sheet_xml("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>");
        let path = write_package(
            dir.path(),
            "truncated",
            &Package { sheets: vec![("Data", "", truncated[..truncated.len() - 40].to_owned())], ..Package::default() },
        );
        assert_agree("truncated", &path, &SourceOptions::default());
        assert!(calamine_rows(&path, &SourceOptions::default()).is_err());
    }

    #[test]
    fn a_damaged_sheet_part_is_an_error_not_a_shorter_table() {
        let dir = tempfile::tempdir().expect("temp dir");
        let rows: String = (1..3000)
            .map(|r| {
                format!(
                    "<row r=\"{r}\"><c r=\"A{r}\"><v>{}</v></c><c r=\"B{r}\" t=\"s\"><v>0</v></c></row>",
                    r * 7919 % 10007
                )
            })
            .collect();
        let path = write_package(dir.path(), "damaged", &one_sheet(&rows));
        let (start, size) = {
            let mut archive = ZipArchive::new(File::open(&path).expect("opened")).expect("a zip");
            let entry = archive.by_name("xl/worksheets/sheet1.xml").expect("sheet part");
            (entry.data_start().expect("data offset"), entry.compressed_size())
        };
        let mut bytes = std::fs::read(&path).expect("read");
        let middle = usize::try_from(start + size / 2).expect("small file");
        for byte in &mut bytes[middle..middle + 16] {
            *byte ^= 0x5A;
        }
        std::fs::write(&path, bytes).expect("written");
        let fast = fast_rows(&path, &SourceOptions::default()).expect("the package itself is intact");
        assert!(fast.is_err(), "{:?}", fast.map(|rows| rows.len()));
        assert!(calamine_rows(&path, &SourceOptions::default()).is_err());
    }

    #[test]
    fn leaves_packages_it_does_not_know_to_calamine() {
        let dir = tempfile::tempdir().expect("temp dir");
        let rows = "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>";
        let no_rels = write_package(dir.path(), "no-rels", &Package { package_rels: false, ..one_sheet(rows) });
        assert!(open(&no_rels, None).is_none());
        let not_zip = dir.path().join("not-zip.xlsx");
        std::fs::write(&not_zip, b"id,name\n1,Dana\n").expect("written");
        assert!(open(&not_zip, None).is_none());
        let bad_state = write_package(
            dir.path(),
            "bad-state",
            &Package { sheets: vec![("Data", "invisible", sheet_xml(rows))], ..Package::default() },
        );
        assert!(open(&bad_state, None).is_none());
        let xml = sheet_xml(rows);
        let utf16 = xml.encode_utf16().flat_map(u16::to_le_bytes);
        let wide = write_package(
            dir.path(),
            "utf-16",
            &Package { first_sheet_bytes: Some([0xFF, 0xFE].into_iter().chain(utf16).collect()), ..one_sheet(rows) },
        );
        assert!(open(&wide, None).is_none());
    }

    #[test]
    fn picks_the_sheet_the_contract_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_, package) =
            sheets_that_read().into_iter().find(|(name, _)| *name == "hidden first sheet").expect("case");
        let path = write_package(dir.path(), "two-sheets", &package);
        for (wanted, value) in
            [(None, 2.0), (Some(SheetConfig::Index(0)), 1.0), (Some(SheetConfig::Name(" hidden ".into())), 1.0)]
        {
            let options = SourceOptions { sheet: wanted.clone(), ..SourceOptions::default() };
            let rows = fast_rows(&path, &options).expect("fast path").expect("readable");
            assert_eq!(rows, vec![(0, vec![Cell::Number(value)])], "{wanted:?}");
            assert_agree("two sheets", &path, &options);
        }
        assert!(open(&path, Some(&SheetConfig::Name("Missing".into()))).is_none());
    }

    #[test]
    fn tells_date_formats_as_calamine_does() {
        let cases = [
            ("dd/mm/yyyy", NumberKind::DateTime),
            ("[$-409]d-mmm-yy", NumberKind::DateTime),
            ("h:mm AM/PM", NumberKind::DateTime),
            ("[h]:mm:ss", NumberKind::Duration),
            ("[mm]:ss", NumberKind::Duration),
            ("0.00", NumberKind::Plain),
            ("\"day\" 0", NumberKind::Plain),
            ("#,##0 \\d", NumberKind::Plain),
            ("0;[Red]-0;\"d\"", NumberKind::Plain),
            ("[Red]0.0", NumberKind::Plain),
            ("General", NumberKind::Plain),
        ];
        for (code, kind) in cases {
            assert_eq!(custom_format(code), kind, "{code}");
        }
        assert_eq!(builtin_format(b"14"), NumberKind::DateTime);
        assert_eq!(builtin_format(b"46"), NumberKind::Duration);
        assert_eq!(builtin_format(b"49"), NumberKind::Plain);
    }

    #[test]
    fn names_cells_as_excel_does() {
        assert_eq!(cell_name((0, 0)), "A1");
        assert_eq!(cell_name((11, 25)), "Z12");
        assert_eq!(cell_name((0, 26)), "AA1");
        assert_eq!(reference(b"AA10").expect("valid"), (9, Some(26)));
        assert_eq!(reference(b"7").expect("valid"), (6, None));
        assert!(reference(b"A0").is_err());
        assert!(reference(b"A").is_err());
        assert!(reference(b"A1B").is_err());
    }
}
