//! Israeli ID numbers (teudat zehut): 5–9 digits, left-padded to 9, with the
//! Ministry of Interior check digit.

use crate::readers::trim_text;
use std::borrow::Cow;

/// Why a value is not a valid Israeli ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdProblem {
    NotDigits,
    Length,
    AllZeros,
    CheckDigit,
}

impl IdProblem {
    /// A stable name for the UI's translation (`params.reason`).
    pub fn reason(self) -> &'static str {
        match self {
            IdProblem::NotDigits => "not_digits",
            IdProblem::Length => "length",
            IdProblem::AllZeros => "all_zeros",
            IdProblem::CheckDigit => "check_digit",
        }
    }

    /// English explanation for reports.
    pub fn message(self) -> &'static str {
        match self {
            IdProblem::NotDigits => "an ID number holds digits only",
            IdProblem::Length => "an ID number has 5 to 9 digits",
            IdProblem::AllZeros => "an ID number cannot be all zeros",
            IdProblem::CheckDigit => "the check digit does not match (typing error?)",
        }
    }
}

/// Validates an ID and returns it padded to 9 digits (borrowed when it is
/// written that way already). A dash before the check digit ("12345678-2") and
/// surrounding spaces are accepted.
pub fn normalise_israeli_id(raw: &str) -> Result<Cow<'_, str>, IdProblem> {
    let trimmed = trim_text(raw);
    let mut digits = [0u8; 9];
    let mut count = 0usize;
    for (index, byte) in trimmed.bytes().enumerate() {
        match byte {
            b'0'..=b'9' => {
                if count == 9 {
                    return Err(IdProblem::Length);
                }
                digits[count] = byte;
                count += 1;
            }
            b'-' if index + 2 == trimmed.len() && count > 0 => {}
            _ => return Err(IdProblem::NotDigits),
        }
    }
    if count < 5 {
        return Err(IdProblem::Length);
    }
    let mut padded = [b'0'; 9];
    padded[9 - count..].copy_from_slice(&digits[..count]);
    if padded.iter().all(|&d| d == b'0') {
        return Err(IdProblem::AllZeros);
    }
    if !check_digit_ok(&padded) {
        return Err(IdProblem::CheckDigit);
    }
    if trimmed.as_bytes() == padded {
        return Ok(Cow::Borrowed(trimmed));
    }
    Ok(Cow::Owned(padded.iter().map(|&d| char::from(d)).collect()))
}

/// The Ministry of Interior algorithm: weights 1,2,1,2,…; two-digit products
/// contribute the sum of their digits; the total must divide by 10.
pub fn check_digit_ok(padded: &[u8; 9]) -> bool {
    let total: u32 = padded
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let product = u32::from(d - b'0') * if i % 2 == 0 { 1 } else { 2 };
            if product > 9 {
                product - 9
            } else {
                product
            }
        })
        .sum();
    total.is_multiple_of(10)
}

/// Completes 8 leading digits with their check digit; used by the sample generator.
pub fn with_check_digit(first_eight: u32) -> String {
    let base = format!("{:08}", (first_eight % 100_000_000).max(1));
    (0..10)
        .map(|d| format!("{base}{d}"))
        .find(|candidate| {
            let mut padded = [b'0'; 9];
            padded.copy_from_slice(candidate.as_bytes());
            check_digit_ok(&padded)
        })
        .unwrap_or_else(|| format!("{base}0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_ids() {
        assert_eq!(normalise_israeli_id("000000018").as_deref(), Ok("000000018"));
        assert_eq!(normalise_israeli_id("123456782").as_deref(), Ok("123456782"));
        assert_eq!(normalise_israeli_id(" 12345678-2 ").as_deref(), Ok("123456782"));
        assert_eq!(normalise_israeli_id("00018").as_deref(), Ok("000000018"));
    }

    #[test]
    fn each_problem_is_named() {
        assert_eq!(normalise_israeli_id("123456789"), Err(IdProblem::CheckDigit));
        assert_eq!(normalise_israeli_id("1234"), Err(IdProblem::Length));
        assert_eq!(normalise_israeli_id("1234567890"), Err(IdProblem::Length));
        assert_eq!(normalise_israeli_id("00000"), Err(IdProblem::AllZeros));
        assert_eq!(normalise_israeli_id("12a456782"), Err(IdProblem::NotDigits));
        assert_eq!(normalise_israeli_id("1-23456782"), Err(IdProblem::NotDigits));
    }

    #[test]
    fn generated_ids_are_valid() {
        for seed in [0u32, 1, 12_345_678, 99_999_999, 31_415_926] {
            let id = with_check_digit(seed);
            assert!(normalise_israeli_id(&id).is_ok(), "{id}");
        }
    }
}
