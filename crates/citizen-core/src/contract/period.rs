//! The period rules of a dataset's cadence (SPEC §2): which periods a
//! dataset accepts (`check_period`) and which one a file's name suggests
//! (`guess_period`). Both follow `Contract::period`, so they live with it.

use super::{Contract, Period};
use crate::error::CoreError;

/// Checks a period against the dataset's cadence: `2026-11`, `2026-Q4`, `2026`, `none`.
pub fn check_period(contract: &Contract, period: &str) -> Result<(), CoreError> {
    let bytes = period.as_bytes();
    let year_ok = |b: &[u8]| b.len() >= 4 && b[..4].iter().all(u8::is_ascii_digit);
    let (ok, kind, example) = match contract.period {
        Period::Monthly => (
            bytes.len() == 7 && year_ok(bytes) && bytes[4] == b'-' && matches!(period[5..].parse::<u32>(), Ok(1..=12)),
            "monthly",
            "YYYY-MM, e.g. 2026-11",
        ),
        Period::Quarterly => (
            bytes.len() == 7 && year_ok(bytes) && &period[4..6] == "-Q" && matches!(bytes[6], b'1'..=b'4'),
            "quarterly",
            "YYYY-Qn, e.g. 2026-Q4",
        ),
        Period::Yearly => (bytes.len() == 4 && year_ok(bytes), "yearly", "YYYY, e.g. 2026"),
        Period::None => (period == "none", "period-less", "none"),
    };
    if ok {
        Ok(())
    } else {
        Err(CoreError::BadPeriod { period: period.to_owned(), kind: kind.to_owned(), example: example.to_owned() })
    }
}

/// Guesses a file's period from its name for the dataset's cadence:
/// `2026-11`, `11-2026`, `2026_11`, `11.2026` (monthly), `Q4 2026`, `2026-Q4`
/// (quarterly), a year (yearly), `none` for period-less datasets.
pub fn guess_period(file_name: &str, period: Period) -> Option<String> {
    let digits_at = |s: &[u8], at: usize, n: usize| s.len() >= at + n && s[at..at + n].iter().all(u8::is_ascii_digit);
    let bytes = file_name.as_bytes();
    let is_sep = |b: u8| matches!(b, b'-' | b'_' | b'.' | b' ');
    let boundary = |i: usize| i == 0 || !bytes[i - 1].is_ascii_digit();
    let year_ok = |y: &str| y.parse::<u32>().is_ok_and(|y| (1990..=2100).contains(&y));
    match period {
        Period::None => Some("none".to_owned()),
        Period::Yearly => (0..bytes.len()).find_map(|i| {
            (boundary(i) && digits_at(bytes, i, 4) && !digits_at(bytes, i + 4, 1))
                .then(|| &file_name[i..i + 4])
                .filter(|y| year_ok(y))
                .map(str::to_owned)
        }),
        Period::Monthly => (0..bytes.len()).find_map(|i| {
            if !boundary(i) {
                return None;
            }
            if digits_at(bytes, i, 4) && bytes.get(i + 4).is_some_and(|&b| is_sep(b)) && digits_at(bytes, i + 5, 2) {
                let (year, month) = (&file_name[i..i + 4], &file_name[i + 5..i + 7]);
                if year_ok(year) && matches!(month.parse::<u32>(), Ok(1..=12)) && !digits_at(bytes, i + 7, 1) {
                    return Some(format!("{year}-{month}"));
                }
            }
            if digits_at(bytes, i, 2) && bytes.get(i + 2).is_some_and(|&b| is_sep(b)) && digits_at(bytes, i + 3, 4) {
                let (month, year) = (&file_name[i..i + 2], &file_name[i + 3..i + 7]);
                if year_ok(year) && matches!(month.parse::<u32>(), Ok(1..=12)) && !digits_at(bytes, i + 7, 1) {
                    return Some(format!("{year}-{month}"));
                }
            }
            None
        }),
        Period::Quarterly => {
            let upper = file_name.to_ascii_uppercase();
            let ub = upper.as_bytes();
            (0..ub.len()).find_map(|i| {
                if ub[i] != b'Q' || !ub.get(i + 1).is_some_and(|b| (b'1'..=b'4').contains(b)) {
                    return None;
                }
                let quarter = ub[i + 1] as char;
                let after = i + 2;
                let year_after = (after + 1..=after + 1)
                    .find(|&j| j <= ub.len() && ub.get(after).is_some_and(|&b| is_sep(b)) && digits_at(ub, j, 4))
                    .map(|j| &upper[j..j + 4]);
                let year_before =
                    (i >= 5 && is_sep(ub[i - 1]) && digits_at(ub, i - 5, 4)).then(|| &upper[i - 5..i - 1]);
                year_after.or(year_before).filter(|y| year_ok(y)).map(|y| format!("{y}-Q{quarter}"))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_guessed_from_file_names() {
        assert_eq!(guess_period("welfare_2026-11.xlsx", Period::Monthly).as_deref(), Some("2026-11"));
        assert_eq!(guess_period("רווחה 11.2026.csv", Period::Monthly).as_deref(), Some("2026-11"));
        assert_eq!(guess_period("list_2026_03_final.csv", Period::Monthly).as_deref(), Some("2026-03"));
        assert_eq!(guess_period("export.csv", Period::Monthly), None);
        assert_eq!(guess_period("2026-13.csv", Period::Monthly), None);
        assert_eq!(guess_period("caretakers Q4 2026.xlsx", Period::Quarterly).as_deref(), Some("2026-Q4"));
        assert_eq!(guess_period("caretakers_2026-Q2.xlsx", Period::Quarterly).as_deref(), Some("2026-Q2"));
        assert_eq!(guess_period("report 2025.csv", Period::Yearly).as_deref(), Some("2025"));
        assert_eq!(guess_period("anything.csv", Period::None).as_deref(), Some("none"));
    }
}
