//! The one extension table: which format a file's name says it is, and
//! whether the name alone decides which reader opens it. `route` routes by it;
//! calamine tries the named format first.

use std::path::Path;

/// The formats the readers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
    Xlsb,
    Ods,
}

impl Format {
    /// The format's name in messages.
    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Xlsx => "Excel .xlsx",
            Format::Xls => "Excel .xls",
            Format::Xlsb => "Excel .xlsb",
            Format::Ods => "OpenDocument .ods",
        }
    }
}

/// Every extension the readers know (compared without case), the format it
/// names, and whether the name alone sends the file to that format's reader:
/// a template (`.xltx`, `.xltm`, `.xlt`) is read as a workbook only when its
/// first bytes are a workbook's, else as CSV.
const EXTENSIONS: [(&str, Format, bool); 13] = [
    ("csv", Format::Csv, true),
    ("txt", Format::Csv, true),
    ("tsv", Format::Csv, true),
    ("xlsx", Format::Xlsx, true),
    ("xlsm", Format::Xlsx, true),
    ("xlam", Format::Xlsx, true),
    ("xltx", Format::Xlsx, false),
    ("xltm", Format::Xlsx, false),
    ("xls", Format::Xls, true),
    ("xla", Format::Xls, true),
    ("xlt", Format::Xls, false),
    ("xlsb", Format::Xlsb, true),
    ("ods", Format::Ods, true),
];

/// The format `path`'s extension names, and whether the name alone decides.
pub fn named(path: &Path) -> Option<(Format, bool)> {
    let ext = path.extension()?.to_str()?;
    EXTENSIONS.iter().find(|(known, ..)| known.eq_ignore_ascii_case(ext)).map(|&(_, format, sure)| (format, sure))
}

/// The workbook format `path`'s extension names, if any.
pub fn named_workbook(path: &Path) -> Option<Format> {
    named(path).map(|(format, _)| format).filter(|&format| format != Format::Csv)
}
