//! The profile of a load (issue 15): per contract column, how many cells are
//! filled, empty or not of the column's type, how many distinct values, the
//! range of numbers and dates, and the most frequent values. Validation
//! computes it as it reads the file (`crate::validate::profile`); the submit
//! stores it with the request; `drift` compares it with the active version's.
//!
//! Its JSON (`citizen-db profile --json`, `meta.load_request.profile`, the
//! app) uses the camelCase field names below; they are stable API.

use crate::contract::ColumnType;
use serde::{Deserialize, Serialize};

/// How many most frequent values a column lists.
pub const TOP_VALUES: usize = 10;

/// Distinct values are counted exactly up to this many per column; beyond
/// it the count is a HyperLogLog estimate (`distinctExact: false`, about 1.6%
/// typical error) and no most-frequent list is kept.
pub const DISTINCT_CAP: usize = 10_000;

/// A text or code column with at most this many distinct values, each seen
/// at least twice on average, is *coded* (a closed set such as a status).
pub const CODED_MAX_DISTINCT: u64 = 30;

/// The values of a coded column kept in full, for new-value drift.
pub const CODED_VALUES_KEPT: usize = 200;

/// A value's text is cut to this many characters (ending in `…`): a profile
/// lists values, it does not copy cells. Counting is by the whole value.
pub const VALUE_CHARS: usize = 100;

/// The profile of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub dataset: String,
    /// Data rows profiled (every row read, valid or not).
    pub rows: u64,
    /// One per contract column, in contract order.
    pub columns: Vec<ColumnProfile>,
}

/// The profile of one contract column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ColumnProfile {
    /// The contract column.
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// Whether a header of the file maps to the column (when not, every cell is empty).
    pub present: bool,
    /// Cells holding a value (`invalid` included).
    pub filled: u64,
    /// Empty cells, or holding only whitespace.
    pub empty: u64,
    /// Filled cells that are not of the column's type (not counted below).
    pub invalid: u64,
    /// Distinct values among the filled cells of the column's type.
    pub distinct: u64,
    /// False when `distinct` is an estimate (more than `DISTINCT_CAP` values).
    pub distinct_exact: bool,
    /// Smallest and largest value of a number, date or date-time column.
    pub range: Option<ValueRange>,
    /// The most frequent values, most frequent first (ties by value); empty
    /// when `distinct` is an estimate.
    pub top: Vec<ValueCount>,
    /// A closed set of values: `allowed` in the contract, a boolean, or a
    /// text or code column with few distinct values (`CODED_MAX_DISTINCT`).
    pub coded: bool,
    /// Every value of a coded column with its count (up to
    /// `CODED_VALUES_KEPT`), most frequent first; empty otherwise.
    pub values: Vec<ValueCount>,
}

impl ColumnProfile {
    /// The share of the file's rows whose cell is empty (0 when there are no rows).
    pub fn empty_share(&self) -> f64 {
        let rows = self.filled + self.empty;
        if rows == 0 {
            0.0
        } else {
            self.empty as f64 / rows as f64
        }
    }
}

/// A value and how many cells hold it. Numbers are written as in reports
/// (`12`, `12.5`), dates `YYYY-MM-DD`, date-times `YYYY-MM-DD HH:MM:SS`,
/// text trimmed (a key column or one with text rules normalised, e.g. a
/// phone in E.164; otherwise a phone as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

/// The smallest and largest value of a column, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValueRange {
    Number {
        min: f64,
        max: f64,
    },
    /// `YYYY-MM-DD`.
    Date {
        min: String,
        max: String,
    },
    /// `YYYY-MM-DD HH:MM:SS`.
    Datetime {
        min: String,
        max: String,
    },
}

impl ValueRange {
    /// The range as two numbers on one axis (numbers as they are, dates in
    /// days, date-times in seconds), for comparing two ranges of one kind;
    /// `None` when a stored text does not parse.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        use chrono::{NaiveDate, NaiveDateTime};
        match self {
            ValueRange::Number { min, max } => Some((*min, *max)),
            ValueRange::Date { min, max } => {
                let day = |s: &str| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .ok()
                        .map(|d| f64::from(chrono::Datelike::num_days_from_ce(&d)))
                };
                Some((day(min)?, day(max)?))
            }
            ValueRange::Datetime { min, max } => {
                let second = |s: &str| {
                    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok().map(|d| d.and_utc().timestamp() as f64)
                };
                Some((second(min)?, second(max)?))
            }
        }
    }

    /// The range's ends as written in the profile.
    pub fn ends(&self) -> (String, String) {
        match self {
            ValueRange::Number { min, max } => {
                (crate::readers::format_number(*min), crate::readers::format_number(*max))
            }
            ValueRange::Date { min, max } | ValueRange::Datetime { min, max } => (min.clone(), max.clone()),
        }
    }

    fn same_kind(&self, other: &ValueRange) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// Why a column drifted from the active version's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DriftReason {
    /// The share of empty cells moved by more than `EMPTY_SHARE_POINTS`.
    EmptyShare,
    /// A coded column holds values the active version did not.
    NewValues,
    /// The smallest or largest value lies outside the active version's range
    /// by more than `RANGE_SLACK` of that range.
    Range,
    /// The number of distinct values changed by more than `DISTINCT_CHANGE`.
    Distinct,
    /// The file has the column, the active version's file did not.
    Appeared,
    /// The active version's file had the column, this one does not.
    Disappeared,
}

/// A change of the share of empty cells past this many points (0.05 = 5
/// percentage points) is drift.
pub const EMPTY_SHARE_POINTS: f64 = 0.05;
/// A minimum or maximum past the active range by more than this share of
/// the range's width is drift (any step past a range of width zero).
pub const RANGE_SLACK: f64 = 0.10;
/// A relative change of the distinct count past this (0.5 = ±50%), and by at
/// least `DISTINCT_MIN_STEP` values, is drift.
pub const DISTINCT_CHANGE: f64 = 0.5;
pub const DISTINCT_MIN_STEP: u64 = 5;
/// New values of a coded column listed in a drift (the count says how many in all).
pub const NEW_VALUES_LISTED: usize = 20;

/// How one column compares with the active version's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ColumnDrift {
    pub name: String,
    /// Share of empty cells, this file and the active version's (0 to 1).
    pub empty_share: f64,
    pub previous_empty_share: Option<f64>,
    pub distinct: u64,
    pub previous_distinct: Option<u64>,
    pub range: Option<ValueRange>,
    pub previous_range: Option<ValueRange>,
    /// Values of a coded column the active version did not hold (up to
    /// `NEW_VALUES_LISTED`), most frequent first; `newValueCount` counts all.
    pub new_values: Vec<ValueCount>,
    pub new_value_count: u64,
    /// Empty when the column did not drift.
    pub reasons: Vec<DriftReason>,
}

/// A file's profile against the active version's, column by column (the
/// file's columns, then any the active version had that the contract no
/// longer lists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub columns: Vec<ColumnDrift>,
    /// The names of the columns with at least one reason, in column order.
    pub flagged: Vec<String>,
}

/// Compares a file's profile with the active version's: per column, the
/// share of empty cells, new values of a coded column, the range and the
/// distinct count (thresholds above). Pure: no I/O.
pub fn drift(previous: &Profile, current: &Profile) -> Drift {
    let mut columns = Vec::new();
    for column in &current.columns {
        let before = previous.columns.iter().find(|c| c.name == column.name);
        columns.push(column_drift(before, column));
    }
    for before in &previous.columns {
        if before.present && !current.columns.iter().any(|c| c.name == before.name) {
            columns.push(ColumnDrift {
                name: before.name.clone(),
                empty_share: 1.0,
                previous_empty_share: Some(before.empty_share()),
                distinct: 0,
                previous_distinct: Some(before.distinct),
                range: None,
                previous_range: before.range.clone(),
                new_values: Vec::new(),
                new_value_count: 0,
                reasons: vec![DriftReason::Disappeared],
            });
        }
    }
    let flagged = columns.iter().filter(|c| !c.reasons.is_empty()).map(|c| c.name.clone()).collect();
    Drift { columns, flagged }
}

fn column_drift(before: Option<&ColumnProfile>, now: &ColumnProfile) -> ColumnDrift {
    let mut drift = ColumnDrift {
        name: now.name.clone(),
        empty_share: now.empty_share(),
        previous_empty_share: before.map(ColumnProfile::empty_share),
        distinct: now.distinct,
        previous_distinct: before.map(|b| b.distinct),
        range: now.range.clone(),
        previous_range: before.and_then(|b| b.range.clone()),
        new_values: Vec::new(),
        new_value_count: 0,
        reasons: Vec::new(),
    };
    let Some(before) = before else {
        if now.present {
            drift.reasons.push(DriftReason::Appeared);
        }
        return drift;
    };
    match (before.present, now.present) {
        (true, false) => {
            drift.reasons.push(DriftReason::Disappeared);
            return drift;
        }
        (false, true) => {
            drift.reasons.push(DriftReason::Appeared);
            return drift;
        }
        (false, false) => return drift,
        (true, true) => {}
    }
    if (now.empty_share() - before.empty_share()).abs() > EMPTY_SHARE_POINTS {
        drift.reasons.push(DriftReason::EmptyShare);
    }
    if before.coded && !before.values.is_empty() {
        // Every value of the active version is known only when its list was
        // kept whole; otherwise a value missing from it is not "new".
        let complete = before.distinct_exact && before.values.len() as u64 == before.distinct;
        let listed: Vec<&ValueCount> = if now.coded { now.values.iter().collect() } else { now.top.iter().collect() };
        if complete {
            let new: Vec<&ValueCount> =
                listed.into_iter().filter(|v| !before.values.iter().any(|b| b.value == v.value)).collect();
            drift.new_value_count = new.len() as u64;
            drift.new_values = new.into_iter().take(NEW_VALUES_LISTED).cloned().collect();
            if drift.new_value_count > 0 {
                drift.reasons.push(DriftReason::NewValues);
            }
        }
    }
    if let (Some(old), Some(new)) = (&before.range, &now.range) {
        if old.same_kind(new) {
            if let (Some((old_min, old_max)), Some((new_min, new_max))) = (old.bounds(), new.bounds()) {
                let slack = (old_max - old_min) * RANGE_SLACK;
                if new_min < old_min - slack || new_max > old_max + slack {
                    drift.reasons.push(DriftReason::Range);
                }
            }
        }
    }
    let (old, new) = (before.distinct, now.distinct);
    if old.abs_diff(new) >= DISTINCT_MIN_STEP
        && (old == 0 || (new as f64 - old as f64).abs() / old as f64 > DISTINCT_CHANGE)
    {
        drift.reasons.push(DriftReason::Distinct);
    }
    drift
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, filled: u64, empty: u64, values: &[(&str, u64)]) -> ColumnProfile {
        let values: Vec<ValueCount> =
            values.iter().map(|(v, c)| ValueCount { value: (*v).to_owned(), count: *c }).collect();
        ColumnProfile {
            name: name.to_owned(),
            column_type: ColumnType::Text,
            present: true,
            filled,
            empty,
            invalid: 0,
            distinct: values.len() as u64,
            distinct_exact: true,
            range: None,
            top: values.iter().take(TOP_VALUES).cloned().collect(),
            coded: true,
            values,
        }
    }

    fn profile(columns: Vec<ColumnProfile>) -> Profile {
        let rows = columns.first().map_or(0, |c| c.filled + c.empty);
        Profile { dataset: "d".to_owned(), rows, columns }
    }

    fn numbers(name: &str, min: f64, max: f64, distinct: u64) -> ColumnProfile {
        ColumnProfile {
            column_type: ColumnType::Integer,
            coded: false,
            values: Vec::new(),
            top: Vec::new(),
            distinct,
            range: Some(ValueRange::Number { min, max }),
            ..column(name, 100, 0, &[])
        }
    }

    #[test]
    fn the_same_profile_has_no_drift() {
        let p = profile(vec![column("status", 90, 10, &[("a", 50), ("b", 40)]), numbers("n", 1.0, 10.0, 10)]);
        let d = drift(&p, &p);
        assert!(d.flagged.is_empty(), "{d:?}");
        assert_eq!(d.columns.len(), 2);
        assert_eq!(d.columns[0].previous_empty_share, Some(0.1));
    }

    #[test]
    fn empties_past_five_points_are_drift_and_within_are_not() {
        let before = profile(vec![column("status", 90, 10, &[("a", 90)])]);
        let slightly = profile(vec![column("status", 86, 14, &[("a", 86)])]);
        let much = profile(vec![column("status", 80, 20, &[("a", 80)])]);
        assert!(drift(&before, &slightly).flagged.is_empty());
        let d = drift(&before, &much);
        assert_eq!(d.flagged, vec!["status"]);
        assert_eq!(d.columns[0].reasons, vec![DriftReason::EmptyShare]);
        assert!((d.columns[0].empty_share - 0.2).abs() < 1e-9);
    }

    #[test]
    fn a_new_value_of_a_coded_column_is_named() {
        let before = profile(vec![column("status", 100, 0, &[("a", 60), ("b", 40)])]);
        let now = profile(vec![column("status", 100, 0, &[("a", 50), ("c", 30), ("b", 20)])]);
        let d = drift(&before, &now);
        assert_eq!(d.columns[0].reasons, vec![DriftReason::NewValues]);
        assert_eq!(d.columns[0].new_value_count, 1);
        assert_eq!(d.columns[0].new_values, vec![ValueCount { value: "c".to_owned(), count: 30 }]);
        // A value gone is no new value.
        let fewer = profile(vec![column("status", 100, 0, &[("a", 100)])]);
        assert!(drift(&before, &fewer).flagged.is_empty());
    }

    #[test]
    fn a_range_widened_past_its_slack_is_drift() {
        let before = profile(vec![numbers("n", 0.0, 100.0, 10)]);
        let within = profile(vec![numbers("n", -5.0, 109.0, 10)]);
        let below = profile(vec![numbers("n", -11.0, 50.0, 10)]);
        let above = profile(vec![numbers("n", 0.0, 111.0, 10)]);
        assert!(drift(&before, &within).flagged.is_empty());
        assert_eq!(drift(&before, &below).columns[0].reasons, vec![DriftReason::Range]);
        assert_eq!(drift(&before, &above).columns[0].reasons, vec![DriftReason::Range]);
    }

    #[test]
    fn dates_are_compared_in_days() {
        let dates = |min: &str, max: &str| ColumnProfile {
            range: Some(ValueRange::Date { min: min.to_owned(), max: max.to_owned() }),
            ..numbers("d", 0.0, 0.0, 10)
        };
        let before = profile(vec![dates("2026-01-01", "2026-01-31")]);
        let near = profile(vec![dates("2026-01-02", "2026-02-02")]);
        let far = profile(vec![dates("2026-01-01", "2026-03-31")]);
        assert!(drift(&before, &near).flagged.is_empty(), "3 days past a 30-day range");
        assert_eq!(drift(&before, &far).columns[0].reasons, vec![DriftReason::Range]);
        let broken = profile(vec![dates("not a date", "2026-01-31")]);
        assert!(drift(&broken, &far).flagged.is_empty(), "a range that does not parse is not compared");
    }

    #[test]
    fn distinct_counts_that_halve_or_grow_by_half_are_drift() {
        let before = profile(vec![numbers("n", 0.0, 1.0, 100)]);
        assert!(drift(&before, &profile(vec![numbers("n", 0.0, 1.0, 140)])).flagged.is_empty());
        assert_eq!(
            drift(&before, &profile(vec![numbers("n", 0.0, 1.0, 151)])).columns[0].reasons,
            vec![DriftReason::Distinct]
        );
        assert_eq!(
            drift(&before, &profile(vec![numbers("n", 0.0, 1.0, 49)])).columns[0].reasons,
            vec![DriftReason::Distinct]
        );
        let tiny = profile(vec![numbers("n", 0.0, 1.0, 2)]);
        assert!(drift(&tiny, &profile(vec![numbers("n", 0.0, 1.0, 5)])).flagged.is_empty(), "a step below 5");
    }

    #[test]
    fn columns_that_appear_or_disappear_are_flagged() {
        let mut absent = column("status", 0, 100, &[]);
        absent.present = false;
        let present = column("status", 100, 0, &[("a", 100)]);
        let d = drift(&profile(vec![present.clone()]), &profile(vec![absent.clone()]));
        assert_eq!(d.columns[0].reasons, vec![DriftReason::Disappeared]);
        let d = drift(&profile(vec![absent]), &profile(vec![present.clone()]));
        assert_eq!(d.columns[0].reasons, vec![DriftReason::Appeared]);
        let d = drift(&profile(vec![present.clone(), column("old", 1, 0, &[("x", 1)])]), &profile(vec![present]));
        assert_eq!(d.flagged, vec!["old"]);
        assert_eq!(d.columns[1].reasons, vec![DriftReason::Disappeared]);
    }

    #[test]
    fn the_json_names_are_camel_case_and_round_trip() {
        let p = profile(vec![numbers("n", 1.0, 2.5, 3)]);
        let json = serde_json::to_value(&p).unwrap_or_default();
        let column = &json["columns"][0];
        assert_eq!(column["type"], "integer");
        assert_eq!(column["distinctExact"], true);
        assert_eq!(column["range"]["kind"], "number");
        assert_eq!(column["range"]["max"], 2.5);
        let back: Result<Profile, _> = serde_json::from_value(json);
        assert_eq!(back.ok(), Some(p));
    }
}
