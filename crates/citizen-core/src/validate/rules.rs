//! The per-cell rules of a column (SPEC §3) applied after its type parsed:
//! `pattern`, `allowed`, `min`, `max`, `min_length`, `max_length`.

use super::types::{Parsed, Typed};
use crate::contract::{Bound, Column};
use crate::report::{params, IssueCode};
use std::collections::BTreeMap;

/// A rule a parsed value broke.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleBreach {
    pub code: IssueCode,
    pub message: String,
    /// What the message quotes, for the UI's translation (see `Issue::params`).
    pub params: BTreeMap<String, String>,
}

/// Whether any rule of `column` looks at the normalised text (not only at the
/// typed value): validation skips building that text when none does.
pub fn reads_text(column: &Column) -> bool {
    column.pattern.is_some() || column.allowed.is_some() || column.min_length.is_some() || column.max_length.is_some()
}

/// Checks every rule of `column` on a parsed value; returns each one broken.
pub fn check_rules(column: &Column, parsed: &Parsed<'_>, breaches: &mut Vec<RuleBreach>) {
    let text = parsed.text.as_ref();
    if let Some(pattern) = &column.pattern {
        if !pattern.is_match(text) {
            let pattern = column.pattern_text.clone().unwrap_or_default();
            breaches.push(RuleBreach {
                code: IssueCode::Pattern,
                message: format!("does not match the expected form {pattern}"),
                params: params([("pattern", pattern)]),
            });
        }
    }
    if let Some(allowed) = &column.allowed {
        if !allowed.iter().any(|a| a == text) {
            breaches.push(RuleBreach {
                code: IssueCode::Allowed,
                message: format!("is not one of the allowed values: {}", allowed.join(", ")),
                params: params([("allowed", allowed.join(", "))]),
            });
        }
    }
    if let Some(min) = column.min {
        if below(parsed.typed, min) {
            breaches.push(RuleBreach {
                code: IssueCode::Min,
                message: format!("is below the minimum {min}"),
                params: params([("limit", min.to_string())]),
            });
        }
    }
    if let Some(max) = column.max {
        if below_bound_is_exceeded(parsed.typed, max) {
            breaches.push(RuleBreach {
                code: IssueCode::Max,
                message: format!("is above the maximum {max}"),
                params: params([("limit", max.to_string())]),
            });
        }
    }
    if column.min_length.is_some() || column.max_length.is_some() {
        let length = text.chars().count();
        if let Some(min) = column.min_length.filter(|m| length < *m) {
            breaches.push(RuleBreach {
                code: IssueCode::MinLength,
                message: format!("is {length} characters long; at least {min} expected"),
                params: params([("length", length.to_string()), ("limit", min.to_string())]),
            });
        }
        if let Some(max) = column.max_length.filter(|m| length > *m) {
            breaches.push(RuleBreach {
                code: IssueCode::MaxLength,
                message: format!("is {length} characters long; at most {max} allowed"),
                params: params([("length", length.to_string()), ("limit", max.to_string())]),
            });
        }
    }
}

fn below(value: Typed, bound: Bound) -> bool {
    match (value, bound) {
        (Typed::Number(v), Bound::Number(b)) => v < b,
        (Typed::Date(v), Bound::Date(b)) => v < b,
        (Typed::DateTime(v), Bound::DateTime(b)) => v < b,
        _ => false,
    }
}

fn below_bound_is_exceeded(value: Typed, bound: Bound) -> bool {
    match (value, bound) {
        (Typed::Number(v), Bound::Number(b)) => v > b,
        (Typed::Date(v), Bound::Date(b)) => v > b,
        (Typed::DateTime(v), Bound::DateTime(b)) => v > b,
        _ => false,
    }
}
