//! One checker per column type (SPEC §3): each turns a cell into its normalised
//! text form (what is staged into PostgreSQL) or says why it cannot.

pub mod dates;
pub mod email;
pub mod israeli_id;
pub mod phone;

use crate::contract::ColumnType;
use crate::readers::{format_number, trim_text, CellRef};
use crate::report::{params, IssueCode};
use chrono::{NaiveDate, NaiveDateTime};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A typed value after parsing, used by the `min`/`max` rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Typed {
    None,
    Number(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

/// A cell that parsed: its normalised text and its typed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<'a> {
    pub text: Cow<'a, str>,
    pub typed: Typed,
}

/// A cell that did not parse: the code, an English reason, and what the
/// reason quotes for the UI's translation (see `Issue::params`): `expected`
/// (and `format`) for `type`, `reason` for `israeli_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeProblem {
    pub code: IssueCode,
    pub message: Cow<'static, str>,
    pub params: BTreeMap<String, String>,
}

/// A `type` problem: the cell is not the `expected` kind of value.
fn type_problem(expected: &str, message: impl Into<Cow<'static, str>>) -> TypeProblem {
    TypeProblem { code: IssueCode::Type, message: message.into(), params: params([("expected", expected.to_owned())]) }
}

/// A `type` problem for a date or date-time in a declared `format`.
fn format_problem(expected: &str, format: &str, message: String) -> TypeProblem {
    let mut problem = type_problem(expected, message);
    problem.params.insert("format".to_owned(), format.to_owned());
    problem
}

/// What a caller needs of `Parsed::text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextNeed {
    /// The normalised form (E.164 phones, ISO dates, padded IDs): for staging,
    /// keys and the rules that read text.
    Normalised,
    /// Only whether the cell parses and its typed value; `text` may then be the
    /// cell as written, which saves building a string per cell.
    AsWritten,
}

/// Parses a non-empty cell as `column_type`; `format` overrides date forms.
pub fn parse_cell<'a>(
    column_type: ColumnType,
    format: Option<&str>,
    cell: CellRef<'a>,
) -> Result<Parsed<'a>, TypeProblem> {
    check_cell(column_type, format, cell, TextNeed::Normalised)
}

/// Checks a non-empty cell as `column_type`, building the normalised text only
/// when `need` asks for it; the verdict and `typed` never depend on `need`.
pub fn check_cell<'a>(
    column_type: ColumnType,
    format: Option<&str>,
    cell: CellRef<'a>,
    need: TextNeed,
) -> Result<Parsed<'a>, TypeProblem> {
    let as_written = need == TextNeed::AsWritten;
    match column_type {
        ColumnType::Text => Ok(plain(text_of(cell))),
        ColumnType::Code => match cell {
            CellRef::Number(n) if n.fract() != 0.0 => Err(type_problem("code", "expected a code without decimals")),
            CellRef::Text(s) => {
                let trimmed = trim_text(s);
                match trimmed.strip_suffix(".0") {
                    Some(whole) if !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) => {
                        Ok(plain(Cow::Borrowed(whole)))
                    }
                    _ => Ok(plain(Cow::Borrowed(trimmed))),
                }
            }
            other => Ok(plain(text_of(other))),
        },
        ColumnType::Integer => {
            let value = match cell {
                CellRef::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Some(n as i64),
                CellRef::Text(s) => parse_integer(trim_text(s)),
                _ => None,
            };
            let value = value.ok_or_else(|| type_problem("integer", "expected a whole number"))?;
            let text = if as_written { text_of(cell) } else { Cow::Owned(value.to_string()) };
            Ok(Parsed { text, typed: Typed::Number(value as f64) })
        }
        ColumnType::Decimal => {
            let value = match cell {
                CellRef::Number(n) => Some(n),
                CellRef::Text(s) => trim_text(s).parse::<f64>().ok().filter(|v| v.is_finite()),
                _ => None,
            };
            let value = value.ok_or_else(|| type_problem("decimal", "expected a number such as 12.5"))?;
            let text = match cell {
                CellRef::Text(s) => Cow::Borrowed(trim_text(s)),
                _ => Cow::Owned(format_number(value)),
            };
            Ok(Parsed { text, typed: Typed::Number(value) })
        }
        ColumnType::Boolean => {
            let value = match cell {
                CellRef::Bool(b) => Some(b),
                CellRef::Number(n) if n == 1.0 || n == 0.0 => Some(n == 1.0),
                CellRef::Text(s) => parse_boolean(trim_text(s)),
                _ => None,
            };
            let value = value.ok_or_else(|| type_problem("boolean", "expected yes/no (כן/לא, true/false, 1/0)"))?;
            Ok(plain(Cow::Borrowed(if value { "true" } else { "false" })))
        }
        ColumnType::Date => {
            let date = match cell {
                CellRef::DateTime(d) => Some(d.date()),
                CellRef::Text(s) => match format {
                    Some(f) => dates::parse_date_with(s, f),
                    None => dates::parse_date(s),
                },
                _ => None,
            };
            let date = date.ok_or_else(|| match format {
                Some(f) => format_problem("date", f, format!("expected a date in the form {f}")),
                None => type_problem("date", "expected a date such as 31/12/2026 or 2026-12-31"),
            })?;
            let text = if as_written { text_of(cell) } else { Cow::Owned(iso_date(date)) };
            Ok(Parsed { text, typed: Typed::Date(date) })
        }
        ColumnType::Datetime => {
            let at = match cell {
                CellRef::DateTime(d) => Some(d),
                CellRef::Text(s) => match format {
                    Some(f) => dates::parse_datetime_with(s, f),
                    None => dates::parse_datetime(s),
                },
                _ => None,
            };
            let at = at.ok_or_else(|| match format {
                Some(f) => format_problem("datetime", f, format!("expected a date and time in the form {f}")),
                None => type_problem("datetime", "expected a date and time such as 31/12/2026 14:30"),
            })?;
            if as_written {
                return Ok(Parsed { text: text_of(cell), typed: Typed::DateTime(at) });
            }
            let mut text = iso_date(at.date());
            let time = at.time();
            use chrono::Timelike;
            push_two(&mut text, b' ', time.hour());
            push_two(&mut text, b':', time.minute());
            push_two(&mut text, b':', time.second());
            Ok(Parsed { text: Cow::Owned(text), typed: Typed::DateTime(at) })
        }
        ColumnType::IsraeliId => {
            let problem = |p: israeli_id::IdProblem| TypeProblem {
                code: IssueCode::IsraeliId,
                message: p.message().into(),
                params: params([("reason", p.reason().to_owned())]),
            };
            match text_of(cell) {
                Cow::Borrowed(raw) => israeli_id::normalise_israeli_id(raw).map(plain).map_err(problem),
                Cow::Owned(raw) => {
                    israeli_id::normalise_israeli_id(&raw).map(|id| plain(Cow::Owned(id.into_owned()))).map_err(problem)
                }
            }
        }
        ColumnType::Phone => {
            let raw = text_of(cell);
            let problem = TypeProblem {
                code: IssueCode::Phone,
                message: "not a valid Israeli phone number (e.g. 050-2345678 or 03-1234567)".into(),
                params: BTreeMap::new(),
            };
            if as_written {
                return if phone::is_valid_phone(&raw) { Ok(plain(raw)) } else { Err(problem) };
            }
            phone::normalise_phone(&raw).map(|p| plain(Cow::Owned(p.e164))).ok_or(problem)
        }
        ColumnType::Email => {
            let raw = text_of(cell);
            if !email::is_valid_email(&raw) {
                return Err(TypeProblem {
                    code: IssueCode::Email,
                    message: "not a valid e-mail address (name@example.org)".into(),
                    params: BTreeMap::new(),
                });
            }
            Ok(plain(raw))
        }
    }
}

/// `YYYY-MM-DD` without going through strftime (a hot path when staging).
fn iso_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    let mut text = String::with_capacity(19);
    let year = date.year();
    if (0..=9999).contains(&year) {
        let year = year as u32;
        for divisor in [1000, 100, 10, 1] {
            text.push(char::from(b'0' + (year / divisor % 10) as u8));
        }
    } else {
        text.push_str(&format!("{year:04}"));
    }
    push_two(&mut text, b'-', date.month());
    push_two(&mut text, b'-', date.day());
    text
}

fn push_two(text: &mut String, separator: u8, value: u32) {
    text.push(char::from(separator));
    text.push(char::from(b'0' + (value / 10 % 10) as u8));
    text.push(char::from(b'0' + (value % 10) as u8));
}

fn plain(text: Cow<'_, str>) -> Parsed<'_> {
    Parsed { text, typed: Typed::None }
}

/// The cell as text, trimmed; numbers as written.
fn text_of(cell: CellRef<'_>) -> Cow<'_, str> {
    match cell {
        CellRef::Text(s) => Cow::Borrowed(trim_text(s)),
        other => Cow::Owned(other.display()),
    }
}

fn parse_integer(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().or_else(|| {
        let whole = text.strip_suffix(".0")?;
        whole.parse::<i64>().ok()
    })
}

fn parse_boolean(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "true" | "yes" | "y" | "t" | "1" | "כן" | "v" => Some(true),
        "false" | "no" | "n" | "f" | "0" | "לא" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn text(column_type: ColumnType, value: &str) -> Result<String, IssueCode> {
        parse_cell(column_type, None, CellRef::Text(value)).map(|p| p.text.into_owned()).map_err(|p| p.code)
    }

    #[test]
    fn codes_keep_their_text_form() {
        assert_eq!(
            parse_cell(ColumnType::Code, None, CellRef::Number(123.0)).map(|p| p.text.into_owned()),
            Ok("123".to_owned())
        );
        assert_eq!(text(ColumnType::Code, "00123"), Ok("00123".to_owned()));
        assert_eq!(text(ColumnType::Code, "123.0"), Ok("123".to_owned()));
        assert_eq!(text(ColumnType::Code, "12א"), Ok("12א".to_owned()));
        assert!(parse_cell(ColumnType::Code, None, CellRef::Number(1.5)).is_err());
    }

    #[test]
    fn each_type_accepts_and_refuses() {
        assert_eq!(text(ColumnType::Integer, " 42 "), Ok("42".to_owned()));
        assert_eq!(text(ColumnType::Integer, "4.5"), Err(IssueCode::Type));
        assert_eq!(text(ColumnType::Decimal, "4.5"), Ok("4.5".to_owned()));
        assert_eq!(text(ColumnType::Decimal, "four"), Err(IssueCode::Type));
        assert_eq!(text(ColumnType::Boolean, "כן"), Ok("true".to_owned()));
        assert_eq!(text(ColumnType::Boolean, "maybe"), Err(IssueCode::Type));
        assert_eq!(text(ColumnType::Date, "31/12/2026"), Ok("2026-12-31".to_owned()));
        assert_eq!(text(ColumnType::Date, "31/13/2026"), Err(IssueCode::Type));
        assert_eq!(text(ColumnType::Datetime, "2026-12-31 10:00"), Ok("2026-12-31 10:00:00".to_owned()));
        assert_eq!(text(ColumnType::IsraeliId, "123456782"), Ok("123456782".to_owned()));
        assert_eq!(text(ColumnType::IsraeliId, "123456789"), Err(IssueCode::IsraeliId));
        assert_eq!(text(ColumnType::Phone, "052-3456789"), Ok("+972523456789".to_owned()));
        assert_eq!(text(ColumnType::Phone, "12"), Err(IssueCode::Phone));
        assert_eq!(text(ColumnType::Email, "a.b@example.org"), Ok("a.b@example.org".to_owned()));
        assert_eq!(text(ColumnType::Email, "a.b@"), Err(IssueCode::Email));
        assert_eq!(text(ColumnType::Email, "Name <a@b.org>"), Err(IssueCode::Email));
    }

    #[test]
    fn the_verdict_never_depends_on_the_text_asked_for() {
        let types = [
            ColumnType::Text,
            ColumnType::Code,
            ColumnType::Integer,
            ColumnType::Decimal,
            ColumnType::Boolean,
            ColumnType::Date,
            ColumnType::Datetime,
            ColumnType::IsraeliId,
            ColumnType::Phone,
            ColumnType::Email,
        ];
        let values = [
            "42",
            " 42.0 ",
            "4.5",
            "כן",
            "31/12/2026",
            "2026-12-31 10:00",
            "123456782",
            "12345678-2",
            "123456789",
            "052-3456789",
            "(03) 123-4567",
            "+972 50 234 5678",
            "12",
            "a.b@example.org",
            "a@b",
            "x",
            "",
        ];
        for column_type in types {
            for value in values {
                let normalised = check_cell(column_type, None, CellRef::Text(value), TextNeed::Normalised);
                let as_written = check_cell(column_type, None, CellRef::Text(value), TextNeed::AsWritten);
                assert_eq!(normalised.as_ref().map(|p| p.typed), as_written.as_ref().map(|p| p.typed));
                assert_eq!(normalised.map_err(|p| p.code).err(), as_written.map_err(|p| p.code).err());
            }
        }
    }

    #[test]
    fn iso_dates_match_chrono() {
        let mut day = NaiveDate::from_ymd_opt(1899, 12, 25);
        while let Some(d) = day.filter(|d| d.year() < 2101) {
            assert_eq!(iso_date(d), d.format("%Y-%m-%d").to_string());
            day = d.checked_add_days(chrono::Days::new(13));
        }
    }

    #[test]
    fn excel_cells_are_understood() {
        let at = NaiveDate::from_ymd_opt(2026, 1, 2).and_then(|d| d.and_hms_opt(0, 0, 0));
        let Some(at) = at else { panic!("bad test date") };
        let parsed = parse_cell(ColumnType::Date, None, CellRef::DateTime(at));
        assert_eq!(parsed.map(|p| p.text.into_owned()), Ok("2026-01-02".to_owned()));
        let id = parse_cell(ColumnType::IsraeliId, None, CellRef::Number(12_345_674.0));
        assert_eq!(id.map(|p| p.text.into_owned()), Ok("012345674".to_owned()), "leading zero restored");
        let phone = parse_cell(ColumnType::Phone, None, CellRef::Number(31234567.0));
        assert!(phone.is_ok(), "Excel drops the leading zero; the library still reads it");
    }
}
