//! Israeli phone numbers, normalised to E.164 with the `phonenumber` library
//! (region IL).
//!
//! Every common form (`050-2345678`, `0502345678`, `+972 50 234 5678`,
//! `+972-50-2345678`, `00972502345678`, `(050) 234-5678`, `050.234.5678`,
//! `502345678`, ...) takes a fast path: the separators are dropped once, the
//! prefix (`+972`, `00972`, the national `0`, or none) is split off, and the
//! national number's verdict (valid or not, and its kind) is looked up in a
//! table filled from the library itself at first use: one entry per national
//! length and first five digits, asked of `phonenumber` for the class's lowest
//! number. The IL metadata never looks past the fifth digit for national
//! numbers starting with 2-9 (the deepest ranges are `5540[0-3]`, `7380[0-9]`);
//! a test checks that the highest number of every class gets the same answer,
//! and the differential tests below check every prefix and every form.
//! `+9720…` and `972…` without a plus have entries of their own, asked in
//! those forms (without a plus, the library sometimes keeps the `972` as
//! national digits). Whatever the fast path is not sure of (letters, other
//! separators, other country codes, national numbers starting with 0 or 1,
//! odd lengths) goes to the library.

use crate::readers::trim_text;
use phonenumber::country::Id::IL;
use phonenumber::{Mode, Type};
use serde::Serialize;
use std::sync::atomic::{AtomicU8, Ordering};

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
    match fast_path(raw) {
        Fast::Valid(number) => Some(number.phone()),
        Fast::Invalid => None,
        Fast::Unsure => by_library(raw),
    }
}

/// Whether `raw` is a valid number, without building its E.164 form.
pub fn is_valid_phone(raw: &str) -> bool {
    match fast_path(raw) {
        Fast::Valid(_) => true,
        Fast::Invalid => false,
        Fast::Unsure => by_library(raw).is_some(),
    }
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

/// The fast path's answer.
enum Fast {
    /// A valid number: its national digits and kind.
    Valid(National),
    /// Not a valid number (the library says so for its whole class).
    Invalid,
    /// Not a form the fast path decides: ask the library.
    Unsure,
}

/// A valid national number as the fast path read it.
struct National {
    digits: [u8; MAX_DIGITS],
    start: usize,
    end: usize,
    kind: PhoneKind,
}

impl National {
    fn phone(&self) -> Phone {
        let national = &self.digits[self.start..self.end];
        let mut e164 = String::with_capacity(4 + national.len());
        e164.push_str("+972");
        e164.extend(national.iter().map(|&d| d as char));
        Phone { e164, kind: self.kind }
    }
}

/// Most digits the fast path reads (more goes to the library).
const MAX_DIGITS: usize = 16;
/// National lengths the table covers.
const MIN_NATIONAL: usize = 6;
const MAX_NATIONAL: usize = 12;
/// Digits of the national number that pick its table entry.
const CLASS_DIGITS: usize = 5;
const CLASSES: usize = 100_000;

/// Table entries: not asked yet, then the library's verdict for the class.
const UNKNOWN: u8 = 0;
const INVALID: u8 = 1;
const MOBILE: u8 = 2;
const LANDLINE: u8 = 3;
const OTHER: u8 = 4;
/// The two sample numbers of the class disagreed: always ask the library.
const MIXED: u8 = 5;
/// Added to a kind when the library keeps the leading `972` of a number
/// written without a plus as part of the national number (it strips it only
/// when the whole does not already look like an Israeli number).
const KEEPS_972: u8 = 8;

/// How the digits before the national number were written, as far as the
/// table is concerned: each has its own entries, asked of the library in that
/// same form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lead {
    /// `+972`, and also `00972`, the national `0` or nothing (the differential
    /// tests hold those to the `+972` entries).
    Plus,
    /// `+972` then a national `0`: `+9720501234567`.
    PlusZero,
    /// `972` without a plus: `97231234567`.
    Bare972,
}

impl Lead {
    fn text(self) -> &'static str {
        match self {
            Lead::Plus => "+972",
            Lead::PlusZero => "+9720",
            Lead::Bare972 => "972",
        }
    }
}

const LENGTHS: usize = MAX_NATIONAL - MIN_NATIONAL + 1;

/// One entry per lead, national length (6..=12) and first five digits, filled
/// lazily from the library (threads racing on an entry store the same value).
static TABLE: [AtomicU8; 3 * LENGTHS * CLASSES] = [const { AtomicU8::new(UNKNOWN) }; 3 * LENGTHS * CLASSES];

/// The library's verdict on a whole class: the lead, the national number's
/// length and first five digits, asked for the class's lowest number (the
/// last digits filled with `fill`) written after that lead. One number
/// speaks for its class because the IL metadata never looks past the fifth
/// digit here; `every_class_is_decided_by_its_first_five_digits` checks that
/// the highest number of every class gets the same answer.
fn class_verdict(lead: Lead, length: usize, class: &[u8], fill: u8) -> u8 {
    let mut national = String::with_capacity(length);
    national.extend(class.iter().map(|&d| d as char));
    (class.len()..length).for_each(|_| national.push(fill as char));
    let text = format!("{}{national}", lead.text());
    // What `by_library` does, without formatting: parse, then the type
    // (valid exactly when it is known, for a national number without
    // leading zeros, which is checked), and the digits it kept.
    let Ok(number) = phonenumber::parse(Some(IL), &text) else { return INVALID };
    let kind = match number.number_type(&phonenumber::metadata::DATABASE) {
        Type::Unknown => return INVALID,
        Type::Mobile => MOBILE,
        Type::FixedLine => LANDLINE,
        _ => OTHER,
    };
    if number.code().value() != 972 || number.national().zeros() != 0 {
        return MIXED;
    }
    let kept = number.national().value();
    if national.parse() == Ok(kept) {
        kind
    } else if lead == Lead::Bare972 && text.parse() == Ok(kept) {
        kind + KEEPS_972
    } else {
        MIXED
    }
}

/// The table's verdict for a national number (length 6..=12, first digit 2-9)
/// written after `lead`.
fn verdict(lead: Lead, national: &[u8]) -> u8 {
    let class = &national[..CLASS_DIGITS];
    let index = class.iter().fold(0usize, |acc, &d| acc * 10 + usize::from(d - b'0'));
    let entry = &TABLE[((lead as usize) * LENGTHS + national.len() - MIN_NATIONAL) * CLASSES + index];
    match entry.load(Ordering::Relaxed) {
        UNKNOWN => {
            let found = class_verdict(lead, national.len(), class, b'0');
            entry.store(found, Ordering::Relaxed);
            found
        }
        known => known,
    }
}

/// Reads `raw` as digits, separators (space, `-`, `.`, parentheses) and a
/// leading `+`, splits off the prefix and asks the table.
fn fast_path(raw: &str) -> Fast {
    let text = trim_text(raw).as_bytes();
    let mut digits = [0u8; MAX_DIGITS];
    let mut count = 0usize;
    let plus = text.first() == Some(&b'+');
    // Digits read when the first `-`, `.` or parenthesis came, and whether a
    // space came at all (see below).
    let mut before_separator = None;
    let mut space = false;
    for &byte in &text[usize::from(plus)..] {
        match byte {
            b'0'..=b'9' => {
                if count == MAX_DIGITS {
                    return Fast::Unsure;
                }
                digits[count] = byte;
                count += 1;
            }
            b' ' => space = true,
            b'-' | b'.' | b'(' | b')' => {
                before_separator.get_or_insert(count);
            }
            _ => return Fast::Unsure,
        }
    }
    let all = &digits[..count];
    let start = if plus {
        // Without a space, the library reads `+CC-…` as an RFC 3966 number
        // whose country code is everything up to the first separator:
        // `+972-50-…` is Israel, `+97250-…` is no country at all.
        let glued = !space && before_separator.is_some_and(|n| n != 0 && n != 3);
        if glued || !all.starts_with(b"972") {
            return Fast::Unsure;
        }
        if all.get(3) == Some(&b'0') {
            (Lead::PlusZero, 4)
        } else {
            (Lead::Plus, 3)
        }
    } else if all.starts_with(b"00972") {
        (Lead::Plus, 5)
    } else if all.starts_with(b"0") {
        (Lead::Plus, 1)
    } else if all.starts_with(b"972") {
        (Lead::Bare972, 3)
    } else {
        (Lead::Plus, 0)
    };
    let (lead, start) = start;
    let national = &all[start..];
    if !(MIN_NATIONAL..=MAX_NATIONAL).contains(&national.len()) || !(b'2'..=b'9').contains(&national[0]) {
        return Fast::Unsure;
    }
    let found = verdict(lead, national);
    let kind = match found & !KEEPS_972 {
        INVALID => return Fast::Invalid,
        MOBILE => PhoneKind::Mobile,
        LANDLINE => PhoneKind::Landline,
        OTHER => PhoneKind::Other,
        _ => return Fast::Unsure,
    };
    let start = if found & KEEPS_972 != 0 { 0 } else { start };
    Fast::Valid(National { digits, start, end: count, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random numbers for the differential tests.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }

        fn digit(&mut self) -> char {
            char::from(b'0' + self.below(10) as u8)
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len() as u64) as usize]
        }
    }

    /// Counts of the differential checks.
    #[derive(Default)]
    struct Tally {
        checked: usize,
        decided: usize,
        valid: usize,
    }

    impl Tally {
        /// The whole parser (fast path, then the library) against the library
        /// alone: same verdict, same E.164 form, same kind.
        fn check(&mut self, text: &str) {
            let reference = by_library(text);
            assert_eq!(normalise_phone(text), reference, "input {text:?}");
            assert_eq!(is_valid_phone(text), reference.is_some(), "input {text:?}");
            self.checked += 1;
            self.decided += usize::from(!matches!(fast_path(text), Fast::Unsure));
            self.valid += usize::from(reference.is_some());
        }
    }

    /// How a number starts: the prefixes the fast path decides and the ones it
    /// must leave to the library.
    const LEADS: [&str; 16] = [
        "0", "+972", "00972", "", "972", "+9720", "0972", "+972 0", "00 972 ", "+972-", "+1", "001", "012", "+44",
        "++972", "(+972)",
    ];

    /// Writes `lead` + `national` in one of the separator styles.
    fn styled(style: u64, lead: &str, national: &str, rng: &mut Lcg) -> String {
        let cut = if national.len() >= 9 { 2 } else { 1 }.min(national.len());
        let (head, tail) = national.split_at(cut);
        let (t1, t2) = tail.split_at(tail.len().min(3));
        let sep = |c: &str| format!("{lead}{head}{c}{tail}");
        match style {
            0 => format!("{lead}{national}"),
            1 => sep("-"),
            2 => sep(" "),
            3 => sep("."),
            4 => format!("{lead}{head}-{t1}-{t2}"),
            5 => format!("{lead}{head} {t1} {t2}"),
            6 => format!("{lead}{head}.{t1}.{t2}"),
            7 => format!("({lead}{head}) {t1}-{t2}"),
            8 => format!("({lead}{head}){tail}"),
            9 => format!("{lead} ({head}) {t1} {t2}"),
            10 => format!("  {lead}{head}-{t1} {t2}  "),
            11 => format!("{lead}-{head}--{tail}-"),
            12 => format!("{lead}{head}) ({tail}"),
            13 => format!("({lead}{national}"),
            14 => format!("{lead}{head}/{tail}"),
            15 => format!("{lead}{head}-{t1}x{t2}"),
            16 => format!("{lead}{head}-{tail} ext 12"),
            17 => {
                // A typo: a letter instead of one digit, or one digit too many.
                let mut text: Vec<char> = format!("{lead}{national}").chars().collect();
                let at = rng.below(text.len().max(1) as u64) as usize;
                let typo = rng.pick(&["O", "l", "a", "א", "#", "*", "1", "5"]);
                if text.is_empty() {
                    typo.to_owned()
                } else {
                    text[at] = typo.chars().next().unwrap_or('O');
                    text.into_iter().collect()
                }
            }
            18 => format!("{lead}{head}\u{a0}{tail}"),
            19 => format!("{lead}{head}\t{tail}"),
            _ => {
                // Separators at random places, any number of them.
                let mut text = lead.to_owned();
                for digit in national.chars() {
                    if rng.below(3) == 0 {
                        text.push_str(rng.pick(&[" ", "-", ".", "(", ")", "--", " - ", ""]));
                    }
                    text.push(digit);
                }
                text
            }
        }
    }

    const STYLES: u64 = 21;

    fn random_national(rng: &mut Lcg, prefix: &str, length: usize) -> String {
        let mut national = prefix.to_owned();
        while national.len() < length {
            national.push(rng.digit());
        }
        national.truncate(length);
        national
    }

    /// Every 2-, 3- and 4-digit prefix after `0`, `+972` and `00972` (and
    /// bare), national lengths 6..=14, a separator style drawn per number.
    #[test]
    fn every_prefix_every_length_agrees_with_the_library() {
        let mut tally = Tally::default();
        for seed in [1u64, 2026] {
            let mut rng = Lcg(seed);
            for width in [2usize, 3, 4] {
                for value in 0..10u64.pow(width as u32) {
                    let prefix = format!("{value:0width$}");
                    for length in 6..=14 {
                        for lead in ["0", "+972", "00972", ""] {
                            if width == 4 && rng.below(3) != 0 {
                                continue;
                            }
                            let national = random_national(&mut rng, &prefix, length);
                            let style = if rng.below(2) == 0 { rng.below(8) } else { rng.below(STYLES) };
                            tally.check(&styled(style, lead, &national, &mut rng));
                        }
                    }
                }
            }
        }
        assert!(tally.decided * 10 > tally.checked * 4, "fast path decided {} of {}", tally.decided, tally.checked);
        assert!(tally.valid > 20_000, "only {} valid numbers among {}", tally.valid, tally.checked);
    }

    /// Every separator style with every lead, for many seeds.
    #[test]
    fn every_form_agrees_with_the_library() {
        let mut tally = Tally::default();
        for seed in 0..40u64 {
            let mut rng = Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            for lead in LEADS {
                for style in 0..STYLES {
                    for length in [7usize, 8, 9, 10] {
                        let first = rng.pick(&["5", "5", "2", "3", "4", "7", "8", "9", "6", "1", "0"]);
                        let national = random_national(&mut rng, first, length);
                        tally.check(&styled(style, lead, &national, &mut rng));
                    }
                }
            }
        }
        assert!(tally.valid > 5_000, "only {} valid numbers among {}", tally.valid, tally.checked);
    }

    /// Every class of the table (length 8 and 9, first five digits 2xxxx to
    /// 9xxxx) with random last digits, in the forms of the realistic file.
    #[test]
    fn every_table_class_agrees_with_the_library() {
        let mut tally = Tally::default();
        let mut rng = Lcg(97);
        for class in 20_000..100_000u32 {
            for length in [8usize, 9] {
                let national = random_national(&mut rng, &class.to_string(), length);
                let lead = rng.pick(&["0", "+972", "00972", "", "+972-", "0", "972", "+9720", "+972-0"]);
                tally.check(&styled(rng.below(8), lead, &national, &mut rng));
            }
        }
        for class in (20_000..100_000u32).step_by(7) {
            for length in [6usize, 7, 10, 11, 12] {
                let national = random_national(&mut rng, &class.to_string(), length);
                tally.check(&format!("+972{national}"));
            }
        }
        assert!(tally.decided * 10 > tally.checked * 8, "fast path decided {} of {}", tally.decided, tally.checked);
    }

    /// The table's premise: within a class (lead, length, first five digits)
    /// the library answers the same for the lowest and the highest number.
    #[test]
    fn every_class_is_decided_by_its_first_five_digits() {
        for lead in [Lead::Plus, Lead::PlusZero, Lead::Bare972] {
            for length in MIN_NATIONAL..=MAX_NATIONAL {
                let step = if lead == Lead::Plus && (length == 8 || length == 9) { 1 } else { 13 };
                for class in (20_000..100_000u32).step_by(step) {
                    let class = class.to_string();
                    let low = class_verdict(lead, length, class.as_bytes(), b'0');
                    let high = class_verdict(lead, length, class.as_bytes(), b'9');
                    assert_eq!(low, high, "{lead:?} length {length} class {class}");
                }
            }
        }
    }

    /// Random strings over digits, separators, plus signs and a few letters.
    #[test]
    fn garbage_agrees_with_the_library() {
        let alphabet =
            ["0", "0", "5", "9", "7", "2", "1", "3", "4", "6", "8", "+", "-", " ", ".", "(", ")", "x", "a", "/"];
        let mut tally = Tally::default();
        for seed in 0..30_000u64 {
            let mut rng = Lcg(seed);
            let length = 1 + rng.below(18) as usize;
            let mut text = String::new();
            (0..length).for_each(|_| text.push_str(rng.pick(&alphabet)));
            tally.check(&text);
        }
    }

    #[test]
    fn common_forms_normalise_to_e164() {
        let mobile = Some("+972502345678".to_owned());
        for text in [
            "050-2345678",
            "0502345678",
            "+972-50-234-5678",
            "+972 50 234 5678",
            "050 234 5678",
            "050.234.5678",
            "(050) 234-5678",
            "00972502345678",
            "+972502345678",
            "+972-50-2345678",
            "502345678",
            "+9720502345678",
        ] {
            assert_eq!(normalise_phone(text).map(|p| p.e164), mobile, "{text}");
            assert!(matches!(fast_path(text), Fast::Valid(_)), "{text} takes the fast path");
        }
        let landline = normalise_phone("03-1234567");
        assert_eq!(landline.as_ref().map(|p| p.e164.as_str()), Some("+97231234567"));
        assert_eq!(landline.map(|p| p.kind), Some(PhoneKind::Landline));
        assert_eq!(normalise_phone("(03) 123-4567").map(|p| p.e164), Some("+97231234567".to_owned()));
        assert_eq!(normalise_phone("077-1234567").map(|p| p.kind), Some(PhoneKind::Other));
        // `972` without a plus takes the fast path too, with the library's verdict.
        for text in ["97231234567", "972502345678", "97226814446"] {
            assert!(!matches!(fast_path(text), Fast::Unsure), "{text}");
            assert_eq!(normalise_phone(text), by_library(text), "{text}");
        }
    }

    /// The fuzzer's findings of issue 11 (separators after `+` that the
    /// library reads as an RFC 3966 country code) and their neighbours.
    #[test]
    fn separators_after_plus_agree_with_the_library() {
        let mut tally = Tally::default();
        for text in [
            "+9-72-8-283-9539",
            "+97250234-5678",
            "+97250-234-5678",
            "+972-50-234-5678",
            "+972.50.234.5678",
            "+972(50)2345678",
            "+(972)50-234-5678",
            "+-972-50-234-5678",
            "+97250 234-5678",
            "+972 50-234-5678",
            "+9723.044.0949",
            "+97220.683512027",
            "+972502345678-",
            "+972502345678",
        ] {
            tally.check(text);
        }
        assert_eq!(normalise_phone("+97250-234-5678"), None);
        assert!(normalise_phone("+97250 234-5678").is_some());
    }

    #[test]
    fn nonsense_is_rejected() {
        for text in
            ["", "abc", "123", "050-123", "+1 202", "0000000000", "050-2345678-99-99", "050-1234567", "+97250-234-5678"]
        {
            assert_eq!(normalise_phone(text), None, "{text}");
        }
        // Unallocated ranges and wrong lengths are decided by the fast path.
        for text in ["050-1234567", "051-1345678", "060-2345678", "02-9023456", "050-23456789", "03-123456"] {
            assert!(matches!(fast_path(text), Fast::Invalid), "{text}");
        }
    }
}
