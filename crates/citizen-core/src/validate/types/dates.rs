//! Date and date-time text: ISO `YYYY-MM-DD` and the Israeli day-first forms
//! `DD/MM/YYYY`, `DD.MM.YYYY`, `DD-MM-YYYY` (SPEC §3), or a contract's own
//! `format`. The default forms are parsed by hand for speed; a differential
//! test checks them against chrono's parser.

use crate::readers::trim_text;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Parses a date in the default forms; `None` when it is not one.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = trim_text(text).as_bytes();
    let (year, month, day) = match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' => (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?),
        8..=10 => {
            let sep = *b.iter().find(|c| matches!(c, b'/' | b'.' | b'-'))?;
            let mut parts = b.split(|&c| c == sep);
            let day = parts.next().filter(|p| (1..=2).contains(&p.len()))?;
            let month = parts.next().filter(|p| (1..=2).contains(&p.len()))?;
            let year = parts.next().filter(|p| p.len() == 4)?;
            if parts.next().is_some() {
                return None;
            }
            (num(year)?, num(month)?, num(day)?)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// Parses a date-time: a default date form, optionally followed by a space or
/// `T` and `HH:MM` or `HH:MM:SS`. A date alone means midnight.
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let trimmed = trim_text(text);
    let split = trimmed.find([' ', 'T']);
    let (date_part, time_part) = match split {
        Some(at) => (&trimmed[..at], Some(trim_text(&trimmed[at + 1..]))),
        None => (trimmed, None),
    };
    let date = parse_date(date_part)?;
    let time = match time_part {
        None => NaiveTime::MIN,
        Some(t) => parse_time(t)?,
    };
    Some(date.and_time(time))
}

/// `H:MM`, `HH:MM`, `H:MM:SS` or `HH:MM:SS` (SPEC §3): the hour has one or
/// two digits, the minute and the second exactly two, and nothing follows.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let b = text.as_bytes();
    let colon = b.iter().position(|&c| c == b':')?;
    if !(1..=2).contains(&colon) {
        return None;
    }
    let hour = num(&b[..colon])?;
    let rest = &b[colon + 1..];
    let (minute, second) = match rest.len() {
        2 => (num(rest)?, 0),
        5 if rest[2] == b':' => (num(&rest[..2])?, num(&rest[3..])?),
        _ => return None,
    };
    NaiveTime::from_hms_opt(hour, minute, second)
}

fn num(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
}

/// Parses with a contract's explicit chrono format.
pub fn parse_date_with(text: &str, format: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(trim_text(text), format).ok()
}

/// Parses a date-time with a contract's explicit chrono format.
pub fn parse_datetime_with(text: &str, format: &str) -> Option<NaiveDateTime> {
    let text = trim_text(text);
    NaiveDateTime::parse_from_str(text, format)
        .ok()
        .or_else(|| NaiveDate::parse_from_str(text, format).ok().map(|d| d.and_time(NaiveTime::MIN)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_chrono(text: &str) -> Option<NaiveDate> {
        ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"].iter().find_map(|f| NaiveDate::parse_from_str(text, f).ok())
    }

    #[test]
    fn default_forms() {
        let expected = NaiveDate::from_ymd_opt(2026, 11, 5);
        for text in ["2026-11-05", "05/11/2026", "5/11/2026", "05.11.2026", "05-11-2026", " 5.11.2026 "] {
            assert_eq!(parse_date(text), expected, "{text}");
        }
        for text in ["2026-13-01", "31/02/2026", "11/2026", "2026/11/05", "05/11/26", "", "abc", "05/11/2026/1"] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn hand_parser_agrees_with_chrono() {
        let mut texts = Vec::new();
        for year in [1899, 1900, 1999, 2000, 2024, 2026] {
            for month in 0..=13u32 {
                for day in [0u32, 1, 9, 10, 28, 29, 30, 31, 32] {
                    texts.push(format!("{year:04}-{month:02}-{day:02}"));
                    texts.push(format!("{day:02}/{month:02}/{year:04}"));
                    texts.push(format!("{day}/{month}/{year:04}"));
                    texts.push(format!("{day:02}.{month:02}.{year:04}"));
                    texts.push(format!("{day:02}-{month}-{year:04}"));
                }
            }
        }
        for text in &texts {
            let ours = parse_date(text);
            if ours.is_some() {
                assert_eq!(ours, by_chrono(text), "{text}");
            } else {
                assert_eq!(by_chrono(text).filter(|d| d.format("%Y").to_string().len() == 4), None, "{text}");
            }
        }
    }

    #[test]
    fn datetimes() {
        let at = |h, m, s| NaiveDate::from_ymd_opt(2026, 11, 5).and_then(|d| d.and_hms_opt(h, m, s));
        assert_eq!(parse_datetime("2026-11-05 14:30"), at(14, 30, 0));
        assert_eq!(parse_datetime("2026-11-05T14:30:15"), at(14, 30, 15));
        assert_eq!(parse_datetime("05/11/2026 08:05:00"), at(8, 5, 0));
        assert_eq!(parse_datetime("05/11/2026"), at(0, 0, 0));
        assert_eq!(parse_datetime("05/11/2026 25:00"), None);
        assert_eq!(parse_datetime("05/11/2026 1:02"), at(1, 2, 0));
        assert_eq!(parse_datetime("05/11/2026 8:05:09"), at(8, 5, 9));
        for text in [
            "05/11/2026 1:2:3:45",
            "05/11/2026 14:30:15:00",
            "2026-11-05T14:3:015",
            "2026-11-05 012:3:45",
            "2026-11-05 12:003:4",
            "05/11/2026 14:1",
            "05/11/2026 4:1",
            "05/11/2026 12:3:45",
            "05/11/2026 12:30:4",
            "05/11/2026 :30",
            "05/11/2026 12:30:",
            "05/11/2026 12::30",
            "05/11/2026 +1:30",
        ] {
            assert_eq!(parse_datetime(text), None, "{text}");
        }
        assert_eq!(parse_datetime_with("2026/11/05 14:30", "%Y/%m/%d %H:%M"), at(14, 30, 0));
        assert_eq!(parse_date_with("11-05-2026", "%m-%d-%Y"), NaiveDate::from_ymd_opt(2026, 11, 5));
    }
}
