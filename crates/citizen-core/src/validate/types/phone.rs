//! Israeli phone numbers, normalised to E.164 with the `phonenumber` library
//! (region IL). The common forms (`050-2345678`, `+972 3 123 4567`, ...) take a
//! fast path derived from the library's own IL metadata; a differential test
//! proves the fast path agrees with the library on every input it accepts, and
//! anything else goes to the library.

use crate::readers::trim_text;
use phonenumber::country::Id::IL;
use phonenumber::{Mode, Type};
use serde::Serialize;

/// What kind of line a number is, for `core.phone_numbers.phone_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Mobile,
    Landline,
    Other,
}

impl PhoneKind {
    /// The kind as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneKind::Mobile => "mobile",
            PhoneKind::Landline => "landline",
            PhoneKind::Other => "other",
        }
    }
}

/// A valid number in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub e164: String,
    pub kind: PhoneKind,
}

/// Parses and validates a phone number written in any common Israeli form.
pub fn normalise_phone(raw: &str) -> Option<Phone> {
    fast_path(raw).or_else(|| by_library(raw))
}

/// Whether `raw` is a valid number, without building its E.164 form.
pub fn is_valid_phone(raw: &str) -> bool {
    fast_national(raw).is_some() || by_library(raw).is_some()
}

/// The library alone: parse with region IL, require a valid number.
pub fn by_library(raw: &str) -> Option<Phone> {
    let number = phonenumber::parse(Some(IL), trim_text(raw)).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    let kind = match number.number_type(&phonenumber::metadata::DATABASE) {
        Type::Mobile => PhoneKind::Mobile,
        Type::FixedLine => PhoneKind::Landline,
        _ => PhoneKind::Other,
    };
    Some(Phone { e164: number.format().mode(Mode::E164).to_string(), kind })
}

/// Mobile prefixes `5XY` whose remaining six digits are free in the IL
/// metadata (`5(?:[0-2][02-9]|[36]\d|[49][2-9]|8[3-7])\d{6}`); `55…` depends on
/// more digits and is left to the library.
fn mobile_prefix_ok(x: u8, y: u8) -> bool {
    match x {
        b'0'..=b'2' => y != b'1',
        b'3' | b'6' => true,
        b'4' | b'9' => y >= b'2',
        b'8' => (b'3'..=b'7').contains(&y),
        _ => false,
    }
}

/// Landline national numbers of 8 digits: `(?:2[0-8]|[3489]\d)\d{6}`.
fn landline_prefix_ok(first: u8, second: u8) -> bool {
    match first {
        b'2' => second != b'9',
        b'3' | b'4' | b'8' | b'9' => true,
        _ => false,
    }
}

/// Where the fast path is with a leading parenthesised area code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Paren {
    None,
    Open,
    Closed,
}

fn fast_path(raw: &str) -> Option<Phone> {
    let (digits, national, kind) = fast_national(raw)?;
    let national = digits.get(national)?;
    let mut e164 = String::with_capacity(4 + national.len());
    e164.push_str("+972");
    e164.extend(national.iter().map(|&d| d as char));
    Some(Phone { e164, kind })
}

/// The fast path's verdict: the digits read, where the national number lies
/// among them, and its kind.
fn fast_national(raw: &str) -> Option<([u8; 16], std::ops::Range<usize>, PhoneKind)> {
    let text = trim_text(raw);
    let mut digits = [0u8; 16];
    let mut count = 0usize;
    let mut plus = false;
    // An area code in parentheses at the start, digits only: `(03) 123-4567`.
    let mut paren = Paren::None;
    for (index, byte) in text.bytes().enumerate() {
        match byte {
            b'0'..=b'9' => {
                if count == digits.len() {
                    return None;
                }
                digits[count] = byte;
                count += 1;
            }
            b'+' if index == 0 => plus = true,
            b'(' if index == 0 => paren = Paren::Open,
            b')' if paren == Paren::Open && count > 0 => paren = Paren::Closed,
            b' ' | b'-' if paren != Paren::Open => {}
            _ => return None,
        }
    }
    if paren == Paren::Open {
        return None;
    }
    let all = &digits[..count];
    let start = if plus {
        all.strip_prefix(b"972")?;
        3
    } else {
        let rest = all.strip_prefix(b"0")?;
        if rest.first() == Some(&b'0') {
            return None;
        }
        1
    };
    let national = &all[start..];
    let kind = match national.len() {
        9 if national[0] == b'5' && mobile_prefix_ok(national[1], national[2]) => PhoneKind::Mobile,
        8 if landline_prefix_ok(national[0], national[1]) => PhoneKind::Landline,
        _ => return None,
    };
    Some((digits, start..count, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random digits for the differential test.
    fn lcg(state: &mut u64) -> u64 {
        *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *state >> 33
    }

    fn forms(national: &str) -> Vec<String> {
        let (head, tail) = national.split_at(if national.len() == 9 { 2 } else { 1 });
        vec![
            format!("0{national}"),
            format!("0{head}-{tail}"),
            format!("0{head} {tail}"),
            format!("+972{national}"),
            format!("+972-{head}-{tail}"),
            format!("+972 {head} {tail}"),
            format!(" 0{head}-{} {} ", &tail[..3], &tail[3..]),
            format!("972{national}"),
            format!("00972{national}"),
            national.to_owned(),
            format!("0{national}1"),
            format!("0{}", &national[1..]),
            format!("+0{national}"),
            format!("00{national}"),
            format!("(0{head}) {tail}"),
            format!("(0{head}){tail}"),
            format!("(0{head}) {}-{}", &tail[..3], &tail[3..]),
            format!("({head}) {tail}"),
            format!("(0{head} {tail}"),
            format!("0{head}) {tail}"),
            format!("(0{head}-{tail})"),
            format!("(0) {national}"),
            format!("() 0{national}"),
        ]
    }

    #[test]
    fn fast_path_agrees_with_library_on_every_input_it_accepts() {
        let mut state = 7u64;
        let mut accepted = 0usize;
        for first in 0..10u64 {
            for second in 0..10u64 {
                for third in 0..10u64 {
                    for length in [7usize, 8, 9, 10] {
                        for _ in 0..3 {
                            let mut national = format!("{first}{second}{third}");
                            while national.len() < length {
                                national.push(char::from(b'0' + (lcg(&mut state) % 10) as u8));
                            }
                            for text in forms(&national) {
                                if let Some(fast) = fast_path(&text) {
                                    accepted += 1;
                                    assert_eq!(Some(fast), by_library(&text), "input {text:?}");
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(accepted > 5_000, "the fast path took only {accepted} inputs");
    }

    #[test]
    fn common_forms_normalise_to_e164() {
        let mobile = Some("+972502345678".to_owned());
        for text in ["050-2345678", "0502345678", "+972-50-234-5678", "+972 50 234 5678", "050 234 5678"] {
            assert_eq!(normalise_phone(text).map(|p| p.e164), mobile, "{text}");
        }
        let landline = normalise_phone("03-1234567");
        assert_eq!(landline.as_ref().map(|p| p.e164.as_str()), Some("+97231234567"));
        assert_eq!(landline.map(|p| p.kind), Some(PhoneKind::Landline));
        assert_eq!(normalise_phone("(03) 123-4567").map(|p| p.e164), Some("+97231234567".to_owned()));
        assert!(fast_path("(04) 751-5149").is_some(), "the parenthesised area code takes the fast path");
    }

    #[test]
    fn nonsense_is_rejected() {
        for text in ["", "abc", "123", "050-123", "+1 202", "0000000000", "050-2345678-99-99"] {
            assert_eq!(normalise_phone(text), None, "{text}");
        }
    }
}
