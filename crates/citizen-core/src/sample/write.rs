//! Writes generated rows to disk, one row at a time: CSV as UTF-8 with a BOM
//! or as windows-1255 (transcoded on the fly, never whole in memory), and
//! xlsx through rust_xlsxwriter with real date cells.

use super::values::Out;
use crate::readers::format_number;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Why writing a sample stopped.
#[derive(Debug)]
pub(crate) enum WriteFailure {
    /// The file could not be written.
    Io(String),
    /// A value could not be generated (a contract the generator cannot satisfy).
    Generate(String),
}

impl From<io::Error> for WriteFailure {
    fn from(error: io::Error) -> Self {
        WriteFailure::Io(error.to_string())
    }
}

impl From<csv::Error> for WriteFailure {
    fn from(error: csv::Error) -> Self {
        WriteFailure::Io(error.to_string())
    }
}

impl From<XlsxError> for WriteFailure {
    fn from(error: XlsxError) -> Self {
        WriteFailure::Io(error.to_string())
    }
}

/// The text encodings a sample CSV can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CsvEncoding {
    /// UTF-8 with a byte-order mark, as Excel writes "CSV UTF-8".
    Utf8Bom,
    /// The Hebrew Windows code page, as older Excel versions write "CSV".
    Windows1255,
}

/// A cell as CSV text.
fn csv_text(out: &Out) -> Cow<'_, str> {
    match out {
        Out::Empty => Cow::Borrowed(""),
        Out::Text(s) => Cow::Borrowed(s),
        Out::Number(n) => Cow::Owned(format_number(*n)),
        Out::Date(d) => Cow::Owned(d.format("%d/%m/%Y").to_string()),
        Out::DateTime(d) => Cow::Owned(d.format("%d/%m/%Y %H:%M").to_string()),
        Out::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
    }
}

/// Streams `rows` rows to a CSV file.
pub(crate) fn write_csv(
    path: &Path,
    headers: &[String],
    rows: u64,
    encoding: CsvEncoding,
    mut row: impl FnMut(u64) -> Result<Vec<Out>, String>,
) -> Result<(), WriteFailure> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    match encoding {
        CsvEncoding::Utf8Bom => {
            let mut file = file;
            file.write_all(b"\xEF\xBB\xBF")?;
            let file = write_records(file, csv::Terminator::Any(b'\n'), headers, rows, &mut row)?;
            finish(file)
        }
        CsvEncoding::Windows1255 => {
            let writer = Windows1255Writer { inner: file, pending: Vec::new() };
            let writer = write_records(writer, csv::Terminator::CRLF, headers, rows, &mut row)?;
            finish(writer.finish()?)
        }
    }
}

fn finish(mut file: BufWriter<File>) -> Result<(), WriteFailure> {
    file.flush()?;
    let file = file.into_inner().map_err(|e| WriteFailure::Io(e.error().to_string()))?;
    file.sync_all().ok();
    Ok(())
}

fn write_records<W: Write>(
    sink: W,
    terminator: csv::Terminator,
    headers: &[String],
    rows: u64,
    row: &mut impl FnMut(u64) -> Result<Vec<Out>, String>,
) -> Result<W, WriteFailure> {
    let mut writer = csv::WriterBuilder::new().terminator(terminator).buffer_capacity(1 << 16).from_writer(sink);
    writer.write_record(headers)?;
    for index in 0..rows {
        let cells = row(index).map_err(WriteFailure::Generate)?;
        writer.write_record(cells.iter().map(|c| csv_text(c).into_owned()))?;
    }
    writer.flush()?;
    writer.into_inner().map_err(|e| WriteFailure::Io(e.error().to_string()))
}

/// Transcodes the UTF-8 the CSV writer produces to windows-1255 as it
/// streams, holding back a character split across two writes.
struct Windows1255Writer<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Windows1255Writer<W> {
    fn drain(&mut self) -> io::Result<()> {
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => return Err(io::Error::new(io::ErrorKind::InvalidData, "the sample text is not UTF-8")),
        };
        if valid == 0 {
            return Ok(());
        }
        let text = std::str::from_utf8(&self.pending[..valid])
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the sample text is not UTF-8"))?;
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1255.encode(text);
        if unmappable {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a sample value has a character windows-1255 cannot hold",
            ));
        }
        self.inner.write_all(&bytes)?;
        self.pending.drain(..valid);
        Ok(())
    }

    fn finish(mut self) -> io::Result<W> {
        self.drain()?;
        if !self.pending.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "the sample text ends inside a character"));
        }
        Ok(self.inner)
    }
}

impl<W: Write> Write for Windows1255Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain()?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.inner.flush()
    }
}

/// Rows an xlsx sheet holds below its header.
pub(crate) const XLSX_MAX_ROWS: u64 = 1_048_575;

/// Writes `rows` rows to an xlsx workbook (one right-to-left sheet).
pub(crate) fn write_xlsx(
    path: &Path,
    headers: &[String],
    rows: u64,
    mut row: impl FnMut(u64) -> Result<Vec<Out>, String>,
) -> Result<(), WriteFailure> {
    if rows > XLSX_MAX_ROWS {
        return Err(WriteFailure::Io(format!("an xlsx sheet holds at most {XLSX_MAX_ROWS} data rows, not {rows}")));
    }
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_right_to_left(true);
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    let datetime_format = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    for (col, header) in headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.write_string_with_format(0, col, header, &bold)?;
        sheet.set_column_width(col, 14)?;
    }
    for index in 0..rows {
        let cells = row(index).map_err(WriteFailure::Generate)?;
        let r = u32::try_from(index + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (col, cell) in cells.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
            match cell {
                Out::Empty => {}
                Out::Text(s) => {
                    sheet.write_string(r, col, s)?;
                }
                Out::Number(n) => {
                    sheet.write_number(r, col, *n)?;
                }
                Out::Bool(b) => {
                    sheet.write_boolean(r, col, *b)?;
                }
                Out::Date(d) => {
                    let at = excel_date(*d)?;
                    sheet.write_datetime_with_format(r, col, &at, &date_format)?;
                }
                Out::DateTime(d) => {
                    use chrono::Timelike;
                    let at = excel_date(d.date())?.and_hms(d.hour() as u16, d.minute() as u8, d.second())?;
                    sheet.write_datetime_with_format(r, col, &at, &datetime_format)?;
                }
            }
        }
    }
    workbook.save(path)?;
    Ok(())
}

fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}
