//! What the three spreadsheet paths share (the fast xlsx path, calamine's
//! cell stream, calamine's range): the sheet a contract asks for, calamine's
//! values as [`Cell`]s (Excel dates and times included), and the message for a
//! damaged workbook. Nothing here reads a file.

use super::cell::Cell;
use super::table::ReadError;
use crate::contract::config::SheetConfig;
use calamine::{Data, ExcelDateTime, Sheet, SheetType, SheetVisible};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A workbook calamine could not parse: `what` failed.
pub(crate) fn damaged(what: &str) -> ReadError {
    unreadable(format!("{what}: the workbook seems damaged; open it in Excel and save it again"))
}

/// The sheet to read: by index (0-based, hidden sheets included) or by name
/// (exact, else ignoring case and surrounding spaces); by default the first
/// visible worksheet.
pub(crate) fn choose_sheet(sheets: &[Sheet], wanted: Option<&SheetConfig>) -> Result<String, ReadError> {
    if sheets.is_empty() {
        return Err(ReadError::Empty { message: "the workbook has no sheets".to_owned() });
    }
    let found = match wanted {
        Some(SheetConfig::Index(index)) => sheets.get(*index).ok_or_else(|| {
            unreadable(format!(
                "the workbook has no sheet number {index} (sheets count from 0); its sheets are: {}",
                list(sheets)
            ))
        })?,
        Some(SheetConfig::Name(name)) => sheets
            .iter()
            .find(|s| s.name == *name)
            .or_else(|| {
                let wanted = name.trim().to_lowercase();
                sheets.iter().find(|s| s.name.trim().to_lowercase() == wanted)
            })
            .ok_or_else(|| {
                unreadable(format!("the workbook has no sheet named '{name}'; its sheets are: {}", list(sheets)))
            })?,
        None => sheets
            .iter()
            .find(|s| s.visible == SheetVisible::Visible && s.typ == SheetType::WorkSheet)
            .or_else(|| sheets.iter().find(|s| s.typ == SheetType::WorkSheet))
            .unwrap_or(&sheets[0]),
    };
    Ok(found.name.clone())
}

pub(crate) fn unreadable(message: String) -> ReadError {
    ReadError::Unreadable { message }
}

/// The sheet names for messages, hidden ones marked.
fn list(sheets: &[Sheet]) -> String {
    sheets
        .iter()
        .map(|s| match s.visible {
            SheetVisible::Visible => format!("'{}'", s.name),
            SheetVisible::Hidden => format!("'{}' (hidden)", s.name),
            SheetVisible::VeryHidden => format!("'{}' (very hidden)", s.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A calamine cell as a [`Cell`]: text as written (leading zeros kept), numbers,
/// dates, booleans, and error cells by their Excel text.
pub fn convert(data: &Data) -> Cell {
    cell_of(data.clone())
}

/// [`convert`] for a value calamine hands over (its text moved, not copied):
/// the range's cells are cloned into it, the cell stream's converted
/// (`Data::from` a `DataRef`).
pub fn cell_of(data: Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DurationIso(s) => Cell::Text(s),
        Data::Float(f) => Cell::Number(f),
        Data::Int(i) => Cell::Number(i as f64),
        Data::Bool(b) => Cell::Bool(b),
        Data::DateTime(dt) => excel_datetime(&dt),
        Data::DateTimeIso(s) => iso_datetime(&s),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// An Excel date/time serial: a date-time from its own epoch (1900 or 1904,
/// Excel's 1900 leap-year bug included); a time of day alone (serial below 1)
/// and a duration become text such as `10:30:00`.
pub(crate) fn excel_datetime(dt: &ExcelDateTime) -> Cell {
    let serial = dt.as_f64();
    if !serial.is_finite() {
        return Cell::Number(serial);
    }
    if dt.is_duration() || (0.0..1.0).contains(&serial) {
        return Cell::Text(clock_text(serial));
    }
    let (year, month, day, hour, minute, second, milli) = dt.to_ymd_hms_milli();
    let date = NaiveDate::from_ymd_opt(year.into(), month.into(), day.into());
    let time = NaiveTime::from_hms_milli_opt(hour.into(), minute.into(), second.into(), milli.into());
    match (date, time) {
        (Some(date), Some(time)) if serial > 0.0 => Cell::DateTime(date.and_time(time)),
        // Before the epoch, or Excel's 1900-02-29: no real date.
        _ => Cell::Number(serial),
    }
}

/// A fraction of days as `h:mm:ss` (hours may exceed 24; negative keeps its sign).
fn clock_text(days: f64) -> String {
    let total = (days.abs() * 86_400.0).round();
    // Clamp before the cast: f64 to u64 saturates, but keep the figure sane.
    let total = total.min(1e15) as u64;
    let sign = if days < 0.0 && total > 0 { "-" } else { "" };
    format!("{sign}{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}

/// An ISO 8601 date or date-time (OpenDocument cells) as a date-time; anything
/// else stays text.
pub(crate) fn iso_datetime(s: &str) -> Cell {
    let trimmed = s.trim();
    NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").map(|d| d.and_time(NaiveTime::MIN)))
        .map_or_else(|_| Cell::Text(s.to_owned()), Cell::DateTime)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn converts_calamine_values() {
        use calamine::{CellErrorType, ExcelDateTimeType};
        let serial = |v: f64, kind| Data::DateTime(ExcelDateTime::new(v, kind, false));
        assert_eq!(convert(&Data::Int(42)), Cell::Number(42.0));
        assert_eq!(convert(&Data::Float(0.1)), Cell::Number(0.1));
        assert_eq!(convert(&Data::String(" 00123 ".to_owned())), Cell::Text(" 00123 ".to_owned()));
        assert_eq!(convert(&Data::Error(CellErrorType::Div0)), Cell::Error("#DIV/0!".to_owned()));
        assert_eq!(convert(&Data::Empty), Cell::Empty);
        // 45306 is 2024-01-15 in the 1900 system; .5 is noon.
        let noon = date(2024, 1, 15).and_hms_opt(12, 0, 0).unwrap();
        assert_eq!(convert(&serial(45306.5, ExcelDateTimeType::DateTime)), Cell::DateTime(noon));
        let in_1904 = Data::DateTime(ExcelDateTime::new(43844.0, ExcelDateTimeType::DateTime, true));
        assert_eq!(convert(&in_1904), Cell::DateTime(date(2024, 1, 15).and_time(NaiveTime::MIN)));
        assert_eq!(convert(&serial(0.4375, ExcelDateTimeType::DateTime)), Cell::Text("10:30:00".to_owned()));
        assert_eq!(convert(&serial(1.5, ExcelDateTimeType::TimeDelta)), Cell::Text("36:00:00".to_owned()));
        // Excel's phantom 1900-02-29 and impossible serials stay numbers.
        assert_eq!(convert(&serial(60.0, ExcelDateTimeType::DateTime)), Cell::Number(60.0));
        assert_eq!(convert(&serial(-3.0, ExcelDateTimeType::DateTime)), Cell::Number(-3.0));
        assert_eq!(convert(&serial(-0.25, ExcelDateTimeType::TimeDelta)), Cell::Text("-6:00:00".to_owned()));
        assert!(matches!(convert(&serial(f64::NAN, ExcelDateTimeType::DateTime)), Cell::Number(n) if n.is_nan()));
        assert_eq!(
            convert(&Data::DateTimeIso("2024-01-15T08:05:00.250".to_owned())),
            Cell::DateTime(date(2024, 1, 15).and_hms_milli_opt(8, 5, 0, 250).unwrap())
        );
        assert_eq!(convert(&Data::DateTimeIso("15/01/2024".to_owned())), Cell::Text("15/01/2024".to_owned()));
        assert_eq!(convert(&Data::DurationIso("PT10H30M00S".to_owned())), Cell::Text("PT10H30M00S".to_owned()));
    }
}
