//! Values for one contract column: valid ones shaped by the column's type, name
//! and rules, and deliberately broken ones that trigger exactly one issue code.
//!
//! Every value carries its canonical form (what validation normalises it to)
//! and its typed value, so the generator can check it against the column's
//! rules (`pattern`, `allowed`, `min`, `max`, `min_length`, `max_length`) itself,
//! following SPEC §3, without calling the validator.

use super::data::{
    CITIES, FIRST_NAMES, LAST_NAMES, LETTERS, MAIL_DOMAINS, NEIGHBOURHOODS, NOTES, NOT_ALLOWED, STREETS, WORDS,
};
use super::regex_gen::PatternSampler;
use super::rng::Rng;
use crate::contract::{Bound, Column, ColumnType};
use crate::readers::format_number;
use crate::report::IssueCode;
use crate::validate::types::israeli_id::with_check_digit;
use crate::validate::types::phone::normalise_phone;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use std::fmt::Write as _;

/// A cell as it will be written: always text in CSV; in xlsx numbers, dates
/// and booleans become real typed cells.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Out {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Bool(bool),
}

/// The typed meaning of a value, for `min`/`max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Typed {
    None,
    Number(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

/// A generated value: the cell, its canonical text and its typed value.
#[derive(Debug, Clone)]
pub(crate) struct Value {
    pub(crate) out: Out,
    pub(crate) canon: String,
    pub(crate) typed: Typed,
}

impl Value {
    fn text(text: String) -> Value {
        let canon = text.trim().to_owned();
        Value { out: Out::Text(text), canon, typed: Typed::None }
    }

    fn empty() -> Value {
        Value { out: Out::Empty, canon: String::new(), typed: Typed::None }
    }
}

/// What a text column holds, guessed from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextKind {
    First,
    Last,
    Full,
    Note,
    City,
    Neighbourhood,
    Street,
    Address,
    Generic,
}

/// The default forms of a date (SPEC §3), with their weights in percent.
const DATE_FORMS: &[(&str, u64)] =
    &[("%d/%m/%Y", 45), ("%Y-%m-%d", 25), ("%d.%m.%Y", 17), ("%-d/%-m/%Y", 8), ("%d-%m-%Y", 5)];

/// The default forms of a date-time.
const DATETIME_FORMS: &[&str] = &["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"];

/// Mobile prefixes `5XY` valid in the IL metadata (`5[0-2][02-9]`, `53x`, `5[49][2-9]`, `58[3-7]`),
/// restricted to the common networks.
const MOBILE_PREFIXES: &[&str] = &[
    "502", "503", "504", "505", "506", "507", "508", "509", "522", "523", "524", "525", "526", "527", "528", "529",
    "530", "532", "533", "534", "535", "536", "537", "538", "539", "542", "543", "544", "545", "546", "547", "548",
    "549", "583", "584", "585", "586", "587",
];

/// Landline area digits (national numbers `(?:2[0-8]|[3489]\d)\d{6}`).
const AREAS: &[char] = &['2', '3', '4', '8', '9'];

/// Text shorter than any sensible value, for `min_length` errors.
fn letters_for(mut k: u64, length: usize) -> String {
    let mut out = String::new();
    for _ in 0..length {
        out.push(LETTERS[(k % LETTERS.len() as u64) as usize]);
        k /= LETTERS.len() as u64;
    }
    out
}

/// Formats a chrono value with a user format, `None` when the format cannot
/// print it (e.g. a time field for a date).
fn format_with<T: std::fmt::Display>(formatted: T) -> Option<String> {
    let mut out = String::new();
    write!(out, "{formatted}").ok()?;
    Some(out)
}

/// How a carrier column derives a unique value from the row index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carrier {
    /// The type's own unique form (an ID, a number, a dated minute, ...).
    Natural,
    /// The row-th string of the column's `pattern`.
    Pattern,
}

/// Whether a text stays unparseable as a column's type (with its `format`).
type StillUnparsed = fn(&str, Option<&str>) -> bool;

/// Generation knobs for one column.
#[derive(Debug, Clone)]
pub(crate) struct ColumnGen<'c> {
    pub(crate) column: &'c Column,
    xlsx: bool,
    text_kind: TextKind,
    /// Range of numeric codes.
    code_range: (i64, i64),
    int_range: (i64, i64),
    dec_range: (f64, f64),
    date_range: (NaiveDate, NaiveDate),
    datetime_range: (NaiveDateTime, NaiveDateTime),
    /// Share of rows where an optional column stays empty.
    pub(crate) empty_rate: f64,
    /// Set when this column makes a uniqueness set unique: its value is an
    /// injective function of the row index.
    pub(crate) carrier: Option<Carrier>,
    /// A seed-dependent offset for carrier values.
    carrier_offset: u64,
    sampler: Option<PatternSampler>,
    /// How phone cells are written.
    pub(crate) phone_mix: PhoneMix,
}

/// How the phone cells of a sample are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhoneMix {
    /// The generator's own mix: mostly `05X-XXXXXXX`, `05XXXXXXXX` and a few
    /// `+972` forms.
    #[default]
    Sample,
    /// The shares of forms in real municipal files (issue 13), by shape (9 =
    /// a digit): `999-9999999` 28%, `9999999999` 22.5%, `+999999999999` 15%,
    /// `99-9999999` 11%, `+999-99-9999999` 8%, empty 5% (optional columns),
    /// `999999999` 5% (landline with its 0, or mobile without it),
    /// `+99999999999` 3%, and 2.5% of others: `00972…`, `(050) 123-4567`,
    /// `050 123 4567`, `050.123.4567`, `972` + landline, `+972` + `0` + mobile.
    /// Typos with letters and 7-digit numbers come as deliberate `phone`
    /// errors, so that the manifest stays exact.
    Municipal,
}

impl PhoneMix {
    /// The mix named by `CITIZEN_SAMPLE_PHONE_MIX` (`municipal`), else the
    /// generator's own.
    pub fn from_env() -> PhoneMix {
        match std::env::var("CITIZEN_SAMPLE_PHONE_MIX").as_deref() {
            Ok("municipal") => PhoneMix::Municipal,
            _ => PhoneMix::Sample,
        }
    }
}

/// The municipal forms, in thousandths of the non-empty cells (sum 950: the
/// other 50 are the empty cells).
const MUNICIPAL_FORMS: [(MunicipalForm, u64); 14] = [
    (MunicipalForm::MobileDash, 280),
    (MunicipalForm::MobilePlain, 225),
    (MunicipalForm::MobilePlus, 150),
    (MunicipalForm::LandlineDash, 110),
    (MunicipalForm::MobilePlusDashes, 80),
    (MunicipalForm::LandlinePlain, 25),
    (MunicipalForm::MobileBare, 25),
    (MunicipalForm::LandlinePlus, 30),
    (MunicipalForm::MobileIdd, 5),
    (MunicipalForm::MobileParens, 5),
    (MunicipalForm::MobileSpaces, 5),
    (MunicipalForm::MobileDots, 5),
    (MunicipalForm::LandlineCountryNoPlus, 3),
    (MunicipalForm::MobilePlusZero, 2),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MunicipalForm {
    /// `050-2345678`
    MobileDash,
    /// `0502345678`
    MobilePlain,
    /// `+972502345678`
    MobilePlus,
    /// `03-1234567`
    LandlineDash,
    /// `+972-50-2345678`
    MobilePlusDashes,
    /// `031234567`
    LandlinePlain,
    /// `502345678`
    MobileBare,
    /// `+97231234567`
    LandlinePlus,
    /// `00972502345678`
    MobileIdd,
    /// `(050) 234-5678`
    MobileParens,
    /// `050 234 5678`
    MobileSpaces,
    /// `050.234.5678`
    MobileDots,
    /// `97231234567`
    LandlineCountryNoPlus,
    /// `+9720502345678`
    MobilePlusZero,
}

impl MunicipalForm {
    fn pick(rng: &mut Rng) -> MunicipalForm {
        let mut pick = rng.below(950);
        for (form, weight) in MUNICIPAL_FORMS {
            if pick < weight {
                return form;
            }
            pick -= weight;
        }
        MunicipalForm::MobileDash
    }

    fn mobile(self) -> bool {
        !matches!(
            self,
            MunicipalForm::LandlineDash
                | MunicipalForm::LandlinePlain
                | MunicipalForm::LandlinePlus
                | MunicipalForm::LandlineCountryNoPlus
        )
    }

    /// `national` written in this form (`head` is its area or mobile code).
    fn write(self, national: &str) -> String {
        let (head, tail) = national.split_at(if national.len() == 9 { 2 } else { 1 });
        let (t1, t2) = tail.split_at(3);
        match self {
            MunicipalForm::MobileDash | MunicipalForm::LandlineDash => format!("0{head}-{tail}"),
            MunicipalForm::MobilePlain | MunicipalForm::LandlinePlain => format!("0{national}"),
            MunicipalForm::MobilePlus | MunicipalForm::LandlinePlus => format!("+972{national}"),
            MunicipalForm::MobilePlusDashes => format!("+972-{head}-{tail}"),
            MunicipalForm::MobileBare => national.to_owned(),
            MunicipalForm::MobileIdd => format!("00972{national}"),
            MunicipalForm::MobileParens => format!("(0{head}) {t1}-{t2}"),
            MunicipalForm::MobileSpaces => format!("0{head} {t1} {t2}"),
            MunicipalForm::MobileDots => format!("0{head}.{t1}.{t2}"),
            MunicipalForm::LandlineCountryNoPlus => format!("972{national}"),
            MunicipalForm::MobilePlusZero => format!("+9720{national}"),
        }
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Narrows a default range to a column's bounds; when the bounds exclude the
/// default entirely, a range of the same span next to the bound.
fn narrow<T: PartialOrd + Copy>(
    default: (T, T),
    min: Option<T>,
    max: Option<T>,
    shift: impl Fn(T, bool) -> T,
) -> (T, T) {
    let mut lo = default.0;
    let mut hi = default.1;
    if let Some(min) = min {
        if min > lo {
            lo = min;
        }
    }
    if let Some(max) = max {
        if max < hi {
            hi = max;
        }
    }
    if lo <= hi {
        return (lo, hi);
    }
    match (min, max) {
        (Some(min), Some(max)) => (min, max),
        (Some(min), None) => (min, shift(min, true)),
        (None, Some(max)) => (shift(max, false), max),
        (None, None) => default,
    }
}

impl<'c> ColumnGen<'c> {
    /// Knobs for `column`; `keyed` columns (in a uniqueness set) are never left empty.
    pub(crate) fn new(column: &'c Column, xlsx: bool, seed: u64, keyed: bool) -> ColumnGen<'c> {
        let name = column.name.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
        let text_kind = if has(&["first", "given"]) {
            TextKind::First
        } else if has(&["last", "family", "surname"]) {
            TextKind::Last
        } else if has(&["name"]) {
            TextKind::Full
        } else if has(&["note", "comment", "remark", "desc"]) {
            TextKind::Note
        } else if has(&["city", "town", "locality"]) {
            TextKind::City
        } else if has(&["neighbourhood", "neighborhood", "quarter", "district"]) {
            TextKind::Neighbourhood
        } else if has(&["street"]) {
            TextKind::Street
        } else if has(&["address"]) {
            TextKind::Address
        } else {
            TextKind::Generic
        };
        let code_range = if has(&["street"]) {
            (100, 2500)
        } else if has(&["building", "house"]) {
            (1, 120)
        } else if has(&["apartment", "apt", "flat"]) {
            (1, 40)
        } else if has(&["entrance"]) {
            (1, 4)
        } else {
            (1, 999)
        };
        let number = |b: Option<Bound>| match b {
            Some(Bound::Number(n)) => Some(n),
            _ => None,
        };
        let (min_n, max_n) = (number(column.min), number(column.max));
        let int_default = if has(&["size", "household", "persons", "people"]) {
            (1, 8)
        } else if has(&["entrance"]) {
            (1, 4)
        } else if has(&["age"]) {
            (0, 99)
        } else if has(&["floor"]) {
            (0, 20)
        } else {
            (1, 100)
        };
        let int_range =
            narrow(int_default, min_n.map(|m| m.ceil() as i64), max_n.map(|m| m.floor() as i64), |b, up| {
                if up {
                    b.saturating_add(20)
                } else {
                    b.saturating_sub(20)
                }
            });
        let dec_range = narrow((0.0, 1000.0), min_n, max_n, |b, up| if up { b + 1000.0 } else { b - 1000.0 });
        let date_default = if has(&["birth", "born"]) {
            (date(1930, 1, 1), date(2020, 12, 31))
        } else {
            (date(2020, 1, 1), date(2026, 12, 31))
        };
        let as_date = |b: Option<Bound>| match b {
            Some(Bound::Date(d)) => Some(d),
            Some(Bound::DateTime(d)) => Some(d.date()),
            _ => None,
        };
        let date_range = narrow(date_default, as_date(column.min), as_date(column.max), |b, up| {
            if up {
                b + Duration::days(3650)
            } else {
                b - Duration::days(3650)
            }
        });
        let as_datetime = |b: Option<Bound>| match b {
            Some(Bound::DateTime(d)) => Some(d),
            Some(Bound::Date(d)) => Some(d.and_time(NaiveTime::MIN)),
            _ => None,
        };
        let datetime_default =
            (date(2024, 1, 1).and_time(NaiveTime::MIN), date(2026, 12, 31).and_hms_opt(23, 0, 0).unwrap_or_default());
        let datetime_range = narrow(datetime_default, as_datetime(column.min), as_datetime(column.max), |b, up| {
            if up {
                b + Duration::days(1000)
            } else {
                b - Duration::days(1000)
            }
        });
        let empty_rate = if column.required || keyed {
            0.0
        } else {
            match column.column_type {
                ColumnType::Phone => match name.chars().last() {
                    Some('1') => 0.03,
                    Some('2') => 0.15,
                    Some(c) if c.is_ascii_digit() => 0.35,
                    _ => 0.2,
                },
                ColumnType::Email => 0.08,
                ColumnType::Text if text_kind == TextKind::Note => 0.7,
                _ => 0.05,
            }
        };
        let sampler = match column.column_type {
            ColumnType::Text | ColumnType::Code => column.pattern_text.as_deref().and_then(PatternSampler::new),
            _ => None,
        };
        ColumnGen {
            column,
            xlsx,
            text_kind,
            code_range,
            int_range,
            dec_range,
            date_range,
            datetime_range,
            empty_rate,
            carrier: None,
            carrier_offset: Rng::new(seed ^ 0x5EED).below(1_000_000),
            sampler,
            phone_mix: PhoneMix::Sample,
        }
    }

    /// How this column can carry uniqueness for `rows` rows, if it can: its
    /// carrier values exist and satisfy every rule at the ends of the range.
    pub(crate) fn carrier_mode(&self, rows: u64) -> Option<Carrier> {
        let capable = match self.column.column_type {
            ColumnType::Boolean => false,
            _ => self.column.allowed.is_none(),
        };
        if !capable {
            return None;
        }
        let last = rows.max(1) - 1;
        [Carrier::Natural, Carrier::Pattern].into_iter().find(|&mode| {
            if mode == Carrier::Pattern && self.sampler.is_none() {
                return false;
            }
            let mut probe = self.clone();
            probe.carrier = Some(mode);
            [0, 1, last / 2, last].iter().all(|&row| {
                let mut rng = Rng::new(row);
                let value = probe.natural(&mut rng, row);
                !value.canon.is_empty()
                    && probe.breaches(&value).is_empty()
                    && (self.column.column_type != ColumnType::Phone || normalise_phone(&value.canon_input()).is_some())
            })
        })
    }

    /// A cell of a clean row: empty at the column's rate, else a valid value.
    pub(crate) fn clean(&self, rng: &mut Rng, row: u64) -> Result<Value, String> {
        if self.empty_rate > 0.0 && rng.chance(self.empty_rate) {
            return Ok(Value::empty());
        }
        self.valid(rng, row)
    }

    /// A value that passes every check of the column.
    pub(crate) fn valid(&self, rng: &mut Rng, row: u64) -> Result<Value, String> {
        let allowed = self.column.allowed.as_deref().filter(|a| !a.is_empty() && self.carrier.is_none());
        for _ in 0..40 {
            let value = match allowed {
                Some(values) => Value::text(rng.pick(values).clone()),
                None => self.natural(rng, row),
            };
            if self.breaches(&value).is_empty() && !value.canon.is_empty() {
                return Ok(value);
            }
            if self.carrier.is_some() {
                break;
            }
        }
        if let Some(sampler) = &self.sampler {
            for _ in 0..200 {
                let text = sampler.sample(rng);
                let value = Value::text(text.clone());
                if text.trim() == text && !text.is_empty() && self.breaches(&value).is_empty() {
                    return Ok(value);
                }
            }
        }
        Err(format!(
            "cannot generate a value for column '{}' that satisfies its rules (type, pattern, allowed, bounds, lengths)",
            self.column.name
        ))
    }

    /// Which rules a value breaks, in the validator's order (SPEC §3 rules).
    pub(crate) fn breaches(&self, value: &Value) -> Vec<IssueCode> {
        let column = self.column;
        let text = value.canon.as_str();
        let mut found = Vec::new();
        if let Some(pattern) = &column.pattern {
            if !pattern.is_match(text) {
                found.push(IssueCode::Pattern);
            }
        }
        if let Some(allowed) = &column.allowed {
            if !allowed.iter().any(|a| a == text) {
                found.push(IssueCode::Allowed);
            }
        }
        let compare = |bound: Bound| match (value.typed, bound) {
            (Typed::Number(v), Bound::Number(b)) => v.partial_cmp(&b),
            (Typed::Date(v), Bound::Date(b)) => Some(v.cmp(&b)),
            (Typed::DateTime(v), Bound::DateTime(b)) => Some(v.cmp(&b)),
            _ => None,
        };
        if column.min.and_then(compare) == Some(std::cmp::Ordering::Less) {
            found.push(IssueCode::Min);
        }
        if column.max.and_then(compare) == Some(std::cmp::Ordering::Greater) {
            found.push(IssueCode::Max);
        }
        let length = text.chars().count();
        if column.min_length.is_some_and(|m| length < m) {
            found.push(IssueCode::MinLength);
        }
        if column.max_length.is_some_and(|m| length > m) {
            found.push(IssueCode::MaxLength);
        }
        found
    }

    /// A natural value of the column's type, ignoring `allowed`.
    fn natural(&self, rng: &mut Rng, row: u64) -> Value {
        if self.carrier == Some(Carrier::Pattern) {
            let text = self.sampler.as_ref().and_then(|s| s.nth(row)).unwrap_or_default();
            return Value::text(text);
        }
        match self.column.column_type {
            ColumnType::Text => self.text_value(rng, row),
            ColumnType::Code => self.code_value(rng, row),
            ColumnType::Integer => {
                let (lo, hi) = self.int_range;
                let v = if self.carrier.is_some() { lo.saturating_add(row as i64) } else { rng.range_i64(lo, hi) };
                self.int_out(rng, v)
            }
            ColumnType::Decimal => {
                let (lo, hi) = self.dec_range;
                let v = if self.carrier.is_some() {
                    lo + row as f64
                } else {
                    (((lo + rng.unit() * (hi - lo)) * 100.0).round() / 100.0).clamp(lo, hi)
                };
                self.dec_out(rng, v)
            }
            ColumnType::Boolean => {
                let v = rng.chance(0.5);
                if self.xlsx && rng.chance(0.5) {
                    return Value { out: Out::Bool(v), canon: v.to_string(), typed: Typed::None };
                }
                let forms: &[(&str, &str)] = &[("כן", "לא"), ("כן", "לא"), ("true", "false"), ("1", "0"), ("Y", "N")];
                let (yes, no) = *rng.pick(forms);
                Value { out: Out::Text(if v { yes } else { no }.to_owned()), canon: v.to_string(), typed: Typed::None }
            }
            ColumnType::Date => {
                let (lo, hi) = self.date_range;
                let span = (hi - lo).num_days().max(0) as u64;
                let offset = if self.carrier.is_some() { row } else { rng.below(span + 1) };
                self.date_out(rng, lo + Duration::days(offset as i64))
            }
            ColumnType::Datetime => {
                let (lo, hi) = self.datetime_range;
                let span = (hi - lo).num_minutes().max(0) as u64;
                let offset = if self.carrier.is_some() { row } else { rng.below(span + 1) };
                self.datetime_out(rng, lo + Duration::minutes(offset as i64))
            }
            ColumnType::IsraeliId => {
                let first_eight = if self.carrier.is_some() {
                    // An affine permutation of 1..=99_999_999 (the multiplier is coprime with it),
                    // so neighbouring rows get unrelated IDs.
                    1 + ((u128::from(row) * 61_803_398 + u128::from(self.carrier_offset)) % 99_999_999) as u32
                } else {
                    rng.range_i64(1, 99_999_999) as u32
                };
                let id = with_check_digit(first_eight);
                let written = if id.starts_with('0') && rng.chance(0.3) {
                    id[1..].to_owned()
                } else if rng.chance(0.02) {
                    format!("{}-{}", &id[..8], &id[8..])
                } else {
                    id.clone()
                };
                Value { out: Out::Text(written), canon: id, typed: Typed::None }
            }
            ColumnType::Phone => self.phone_value(rng, row),
            ColumnType::Email => {
                let (_, first) = rng.pick(FIRST_NAMES);
                let (_, last) = rng.pick(LAST_NAMES);
                let domain = rng.pick(MAIL_DOMAINS);
                let n = rng.range_i64(1, 999);
                let address = if self.carrier.is_some() {
                    format!("{first}.{last}.{}@{domain}", row + 1)
                } else {
                    match rng.below(6) {
                        0..=2 => format!("{first}.{last}{n}@{domain}"),
                        3 => format!("{first}{last}@{domain}"),
                        4 => format!("{}{last}{n}@{domain}", &first[..1]),
                        _ => format!("{last}.{first}@{domain}"),
                    }
                };
                Value::text(address)
            }
        }
    }

    fn text_value(&self, rng: &mut Rng, row: u64) -> Value {
        let first = rng.pick(FIRST_NAMES).0;
        let last = rng.pick(LAST_NAMES).0;
        let mut text = match self.text_kind {
            TextKind::First => first.to_owned(),
            TextKind::Last => last.to_owned(),
            TextKind::Full => format!("{first} {last}"),
            TextKind::Note => (*rng.pick(NOTES)).to_owned(),
            TextKind::City => (*rng.pick(CITIES)).to_owned(),
            TextKind::Neighbourhood => (*rng.pick(NEIGHBOURHOODS)).to_owned(),
            TextKind::Street => (*rng.pick(STREETS)).to_owned(),
            TextKind::Address => format!("{} {}", rng.pick(STREETS), rng.range_i64(1, 120)),
            TextKind::Generic => (*rng.pick(WORDS)).to_owned(),
        };
        if self.carrier.is_some() {
            text = format!("{text} {}", row + 1);
        }
        if let Some(max) = self.column.max_length.filter(|m| *m > 0) {
            if text.chars().count() > max {
                text = text.chars().take(max).collect::<String>().trim_end().to_owned();
            }
        }
        if let Some(min) = self.column.min_length {
            let mut k = rng.next_u64();
            while text.chars().count() < min {
                text.push(LETTERS[(k % LETTERS.len() as u64) as usize]);
                k /= 3;
            }
        }
        Value::text(text)
    }

    fn code_value(&self, rng: &mut Rng, row: u64) -> Value {
        let (lo, hi) = self.code_range;
        let n = if self.carrier.is_some() { lo.saturating_add(row as i64) } else { rng.range_i64(lo, hi) };
        let digits = n.to_string();
        let building = self.column.name.contains("building") || self.column.name.contains("house");
        if building && self.carrier.is_none() && rng.chance(0.03) {
            let letter = *rng.pick(&['א', 'ב', 'ג']);
            return Value::text(format!("{digits}{letter}"));
        }
        if self.xlsx && rng.chance(0.4) {
            return Value { out: Out::Number(n as f64), canon: digits, typed: Typed::None };
        }
        if !self.xlsx && rng.chance(0.03) {
            return Value { out: Out::Text(format!("{digits}.0")), canon: digits, typed: Typed::None };
        }
        Value::text(digits)
    }

    fn int_out(&self, rng: &mut Rng, v: i64) -> Value {
        let out = if self.xlsx && rng.chance(0.85) { Out::Number(v as f64) } else { Out::Text(v.to_string()) };
        Value { out, canon: v.to_string(), typed: Typed::Number(v as f64) }
    }

    fn dec_out(&self, rng: &mut Rng, v: f64) -> Value {
        if self.xlsx && rng.chance(0.85) {
            return Value { out: Out::Number(v), canon: format_number(v), typed: Typed::Number(v) };
        }
        let text = format!("{v:.2}");
        let typed = text.parse::<f64>().map(Typed::Number).unwrap_or(Typed::None);
        Value { out: Out::Text(text.clone()), canon: text, typed }
    }

    /// A date written as an Excel date cell or as text in the contract's
    /// format or a default form.
    fn date_out(&self, rng: &mut Rng, d: NaiveDate) -> Value {
        let canon = d.format("%Y-%m-%d").to_string();
        let typed = Typed::Date(d);
        if self.xlsx && d.year() > 1900 && d.year() <= 9999 && rng.chance(0.85) {
            return Value { out: Out::Date(d), canon, typed };
        }
        let text = match self.column.format.as_deref() {
            Some(f) => format_with(d.format(f)).unwrap_or_else(|| canon.clone()),
            None => {
                let mut pick = rng.below(100);
                let mut form = DATE_FORMS[0].0;
                for (candidate, weight) in DATE_FORMS {
                    if pick < *weight {
                        form = candidate;
                        break;
                    }
                    pick -= weight;
                }
                d.format(form).to_string()
            }
        };
        Value { out: Out::Text(text), canon, typed }
    }

    fn datetime_out(&self, rng: &mut Rng, at: NaiveDateTime) -> Value {
        let canon = at.format("%Y-%m-%d %H:%M:%S").to_string();
        let typed = Typed::DateTime(at);
        if self.xlsx && at.year() > 1900 && at.year() <= 9999 && rng.chance(0.85) {
            return Value { out: Out::DateTime(at), canon, typed };
        }
        let text = match self.column.format.as_deref() {
            Some(f) => format_with(at.format(f)).unwrap_or_else(|| canon.clone()),
            None => {
                let form: &&str = rng.pick(DATETIME_FORMS);
                at.format(form).to_string()
            }
        };
        Value { out: Out::Text(text), canon, typed }
    }

    fn phone_value(&self, rng: &mut Rng, row: u64) -> Value {
        let municipal = (self.phone_mix == PhoneMix::Municipal).then(|| MunicipalForm::pick(rng));
        let national = if self.carrier.is_some() {
            let prefix = MOBILE_PREFIXES[((row / 1_000_000) % MOBILE_PREFIXES.len() as u64) as usize];
            let rest = (row % 1_000_000 * 618_033 + self.carrier_offset) % 1_000_000;
            format!("{prefix}{rest:06}")
        } else {
            let mut found = None;
            for _ in 0..20 {
                let mobile = municipal.map_or_else(|| rng.chance(0.72), MunicipalForm::mobile);
                let candidate = if mobile {
                    let mut n = (*rng.pick(MOBILE_PREFIXES)).to_owned();
                    n.push(char::from(b'2' + rng.below(8) as u8));
                    (0..5).for_each(|_| n.push(rng.digit()));
                    n
                } else {
                    let mut n = rng.pick(AREAS).to_string();
                    n.push(char::from(b'2' + rng.below(7) as u8));
                    (0..6).for_each(|_| n.push(rng.digit()));
                    n
                };
                if normalise_phone(&format!("0{candidate}")).is_some() {
                    found = Some(candidate);
                    break;
                }
            }
            found.unwrap_or_else(|| "502345678".to_owned())
        };
        let canon = format!("+972{national}");
        let (head, tail) = national.split_at(if national.len() == 9 { 2 } else { 1 });
        let (t1, t2) = tail.split_at(3);
        let written = if let Some(form) = municipal.filter(|f| f.mobile() == (national.len() == 9)) {
            form.write(&national)
        } else if national.len() == 9 {
            match rng.below(100) {
                0..=34 => format!("0{head}-{tail}"),
                35..=59 => format!("0{national}"),
                60..=69 => format!("+972-{head}-{t1}-{t2}"),
                70..=74 => format!("+972 {head} {t1} {t2}"),
                75..=84 => format!("0{head} {t1} {t2}"),
                85..=94 => format!("+972{national}"),
                _ => format!("0{head}-{t1}-{t2}"),
            }
        } else {
            match rng.below(100) {
                0..=49 => format!("0{head}-{tail}"),
                50..=74 => format!("0{national}"),
                75..=89 => format!("+972-{head}-{t1}-{t2}"),
                _ => format!("(0{head}) {t1}-{t2}"),
            }
        };
        let written = if normalise_phone(&written).is_some_and(|p| p.e164 == canon) {
            written
        } else {
            format!("0{head}-{tail}")
        };
        Value { out: Out::Text(written), canon, typed: Typed::None }
    }

    /// A value that triggers exactly `code` on this column, or `None` when the
    /// column cannot break that way. `k` numbers the error among its code, so
    /// rule breaches on a carrier column stay unique.
    pub(crate) fn error(&self, code: IssueCode, rng: &mut Rng, k: u64, row: u64) -> Option<Value> {
        let column = self.column;
        match code {
            IssueCode::Required if column.required => Some(if rng.chance(0.7) {
                Value::empty()
            } else {
                Value { out: Out::Text("  ".to_owned()), canon: String::new(), typed: Typed::None }
            }),
            IssueCode::Type => self.type_error(rng),
            IssueCode::IsraeliId if column.column_type == ColumnType::IsraeliId => {
                let mut clean = self.clone();
                clean.carrier = None;
                let id = clean.natural(rng, row).canon;
                let (head, check) = id.split_at(8);
                let check = check.bytes().next().map_or(0, |b| b - b'0');
                let wrong = (check + 1 + rng.below(9) as u8) % 10;
                Some(Value::text(format!("{head}{wrong}")))
            }
            IssueCode::Phone if column.column_type == ColumnType::Phone => {
                for _ in 0..50 {
                    let digits = |rng: &mut Rng, n: usize| (0..n).map(|_| rng.digit()).collect::<String>();
                    let forms = if self.phone_mix == PhoneMix::Municipal { 7 } else { 5 };
                    let text = match rng.below(forms) {
                        // A typo with a letter, and a 7-digit number.
                        5 => format!("05{}-{}ח{}", rng.pick(&['0', '2', '4']), digits(rng, 3), digits(rng, 3)),
                        6 => digits(rng, 7),
                        0 => format!("050-1{}", digits(rng, 6)),
                        1 => format!("05{}-{}", rng.pick(&['0', '2', '4']), digits(rng, 5)),
                        2 => format!("0{}-{}", rng.pick(AREAS), digits(rng, 5)),
                        3 => digits(rng, 5),
                        _ => format!("+972-50-1{}", digits(rng, 6)),
                    };
                    if normalise_phone(&text).is_none() {
                        return Some(Value::text(text));
                    }
                }
                None
            }
            IssueCode::Email if column.column_type == ColumnType::Email => {
                let (_, first) = rng.pick(FIRST_NAMES);
                let (_, last) = rng.pick(LAST_NAMES);
                let domain = rng.pick(MAIL_DOMAINS);
                Some(Value::text(match rng.below(3) {
                    0 => format!("{first}.{last}@"),
                    1 => format!("{first}.{last}.{domain}"),
                    _ => format!("{first}@@{domain}"),
                }))
            }
            IssueCode::Pattern
            | IssueCode::Allowed
            | IssueCode::Min
            | IssueCode::Max
            | IssueCode::MinLength
            | IssueCode::MaxLength => {
                let candidates = self.rule_candidates(code, rng, k, row);
                candidates.into_iter().find(|v| !v.canon.is_empty() && self.breaches(v) == [code])
            }
            _ => None,
        }
    }

    /// A cell of the column's type that does not parse as that type.
    fn type_error(&self, rng: &mut Rng) -> Option<Value> {
        let format = self.column.format.as_deref();
        let (texts, checks): (&[&str], StillUnparsed) = match self.column.column_type {
            ColumnType::Integer => {
                if self.xlsx && rng.chance(0.3) {
                    return Some(Value { out: Out::Number(2.5), canon: "2.5".to_owned(), typed: Typed::None });
                }
                (&["שלוש", "12.5", "4 נפשות", "n/a", "1,000"], |_, _| true)
            }
            ColumnType::Decimal => (&["12,5", "abc", "שתיים", "1.2.3"], |_, _| true),
            ColumnType::Boolean => {
                if self.xlsx && rng.chance(0.3) {
                    return Some(Value { out: Out::Number(2.0), canon: "2".to_owned(), typed: Typed::None });
                }
                (&["אולי", "maybe", "2", "כ"], |_, _| true)
            }
            ColumnType::Date => {
                (&["31/02/2025", "2025-13-01", "לא ידוע", "32.01.2024", "00/00/0000"], |text, format| {
                    let forms: Vec<&str> = match format {
                        Some(f) => vec![f],
                        None => DATE_FORMS.iter().map(|(f, _)| *f).collect(),
                    };
                    forms.iter().all(|f| NaiveDate::parse_from_str(text, f).is_err())
                })
            }
            ColumnType::Datetime => {
                (&["31/02/2025 10:00", "2025-01-01 25:00", "לא ידוע", "2025-02-30T08:00:00"], |text, format| {
                    match format {
                        Some(f) => {
                            NaiveDateTime::parse_from_str(text, f).is_err()
                                && NaiveDate::parse_from_str(text, f).is_err()
                        }
                        None => {
                            let dates = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"];
                            let times = ["", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S"];
                            dates.iter().all(|d| {
                                times.iter().all(|t| {
                                    let form = format!("{d}{t}");
                                    NaiveDateTime::parse_from_str(text, &form).is_err()
                                        && NaiveDate::parse_from_str(text, &form).is_err()
                                })
                            })
                        }
                    }
                })
            }
            _ => return None,
        };
        let start = rng.below(texts.len() as u64) as usize;
        (0..texts.len())
            .map(|i| texts[(start + i) % texts.len()])
            .find(|t| checks(t, format))
            .map(|t| Value::text(t.to_owned()))
    }

    /// Candidate values for a rule breach; the caller keeps the first that
    /// breaks exactly that rule.
    fn rule_candidates(&self, code: IssueCode, rng: &mut Rng, k: u64, row: u64) -> Vec<Value> {
        let column = self.column;
        let textual = matches!(column.column_type, ColumnType::Text | ColumnType::Code);
        let mut out = Vec::new();
        let naturals = |rng: &mut Rng, out: &mut Vec<Value>| {
            let mut free = self.clone();
            free.carrier = None;
            for _ in 0..30 {
                out.push(free.natural(rng, row));
            }
        };
        match code {
            IssueCode::Pattern => {
                if textual {
                    for text in [
                        format!("{}א", k + 1),
                        format!("X-{k}"),
                        format!("#{k}"),
                        format!("99999999999{k}"),
                        format!("A{k}"),
                    ] {
                        out.push(Value::text(text));
                    }
                }
                naturals(rng, &mut out);
            }
            IssueCode::Allowed => {
                if textual {
                    let start = rng.below(NOT_ALLOWED.len() as u64) as usize;
                    for i in 0..NOT_ALLOWED.len() {
                        out.push(Value::text(NOT_ALLOWED[(start + i) % NOT_ALLOWED.len()].to_owned()));
                    }
                    out.push(Value::text(format!("x{k}")));
                }
                naturals(rng, &mut out);
            }
            IssueCode::Min | IssueCode::Max => {
                let below = code == IssueCode::Min;
                let bound = if below { column.min } else { column.max };
                let step = |n: f64| if below { -n } else { n };
                match (column.column_type, bound) {
                    (ColumnType::Integer, Some(Bound::Number(b))) => {
                        let edge = if below { b.ceil() - 1.0 } else { b.floor() + 1.0 };
                        out.push(self.int_out(rng, (edge + step(k as f64)) as i64));
                    }
                    (ColumnType::Decimal, Some(Bound::Number(b))) => {
                        out.push(self.dec_out(rng, b + step(0.5 + k as f64)));
                    }
                    (ColumnType::Date, Some(Bound::Date(b))) => {
                        out.push(self.date_out(rng, b + Duration::days(step(1.0 + k as f64) as i64)));
                    }
                    (ColumnType::Datetime, Some(Bound::DateTime(b))) => {
                        out.push(self.datetime_out(rng, b + Duration::hours(step(1.0 + k as f64) as i64)));
                    }
                    _ => {}
                }
            }
            IssueCode::MinLength => {
                let length = column.min_length.unwrap_or(0).saturating_sub(1);
                if length > 0 && textual {
                    out.push(Value::text(match column.column_type {
                        ColumnType::Code => {
                            let digits = format!("{k}");
                            let mut text: String = digits.chars().rev().take(length).collect();
                            while text.chars().count() < length {
                                text.push('1');
                            }
                            text
                        }
                        _ => letters_for(k, length),
                    }));
                }
                naturals(rng, &mut out);
            }
            IssueCode::MaxLength => {
                if let Some(max) = column.max_length {
                    let length = max + 1 + (k % 3) as usize;
                    if textual {
                        let mut free = self.clone();
                        free.carrier = None;
                        let seed_text = free.natural(rng, row).canon;
                        let filler = format!("{seed_text} {} ", rng.pick(NOTES));
                        let mut text = if self.carrier.is_some() { format!("{k} ") } else { String::new() };
                        while text.chars().count() < length {
                            text.push_str(&filler);
                        }
                        let mut text: String = text.chars().take(length).collect();
                        if text.ends_with(' ') {
                            text.pop();
                            text.push(LETTERS[(k % LETTERS.len() as u64) as usize]);
                        }
                        if column.column_type == ColumnType::Code {
                            text = format!("{k}").chars().chain(std::iter::repeat('9')).take(length).collect();
                        }
                        out.push(Value::text(text));
                    }
                }
                naturals(rng, &mut out);
            }
            _ => {}
        }
        out
    }
}

impl Value {
    /// The text validation would read from this cell (for checking phones).
    fn canon_input(&self) -> String {
        match &self.out {
            Out::Text(t) => t.clone(),
            _ => self.canon.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_prefixes_are_valid() {
        for prefix in MOBILE_PREFIXES {
            for rest in ["234567", "000000", "999999"] {
                let text = format!("0{prefix}{rest}");
                assert!(normalise_phone(&text).is_some(), "{text}");
            }
        }
    }

    #[test]
    fn letters_make_distinct_strings() {
        let all: std::collections::HashSet<String> = (0..22 * 22).map(|k| letters_for(k, 2)).collect();
        assert_eq!(all.len(), 22 * 22);
    }
}
