//! Human-readable printing for the terminal: short tables, first issues.
//! Everything that comes from a file or the database goes through `shown`, so
//! a cell can never carry a terminal escape sequence to the user's terminal.

use citizen_core::contract::ContractSummary;
use citizen_core::ops::apply::Applied;
use citizen_core::pipeline::queries::{RequestRow, VersionRow};
use citizen_core::report::{Report, Status};
use citizen_core::validate::edits::ReviewLog;

/// How many issues the human output shows before pointing at --json/--report.
const SHOWN_ISSUES: usize = 20;

/// `text` safe for a terminal: control characters (C0, DEL and C1, among them
/// ESC and CSI, which start escape sequences) and the bidirectional overrides
/// and isolates (which reorder what follows) are written as `\u{..}`.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One line per contract.
pub fn print_contracts(summaries: &[ContractSummary]) {
    println!("{:<20} {:<10} {:<8} {:>7} {:>6}  title", "dataset", "period", "strategy", "columns", "phones");
    for s in summaries {
        let title = s.title_he.as_deref().map(|he| format!("{} ({he})", s.title)).unwrap_or_else(|| s.title.clone());
        println!("{:<20} {:<10} {:<8} {:>7} {:>6}  {title}", s.dataset, s.period, s.strategy, s.columns, s.phones);
    }
}

/// A short summary table and the first issues of one report.
pub fn print_report(report: &Report) {
    let status = match report.status {
        Status::Valid => "VALID",
        Status::Invalid => "INVALID",
        Status::Unusable => "UNUSABLE",
    };
    let dataset = report.dataset.as_deref().unwrap_or("?");
    let sheet = report.sheet.as_deref().map(|s| format!(" [{}]", shown(s))).unwrap_or_default();
    println!("{}{sheet} -> {dataset}: {status}", shown(&report.file));
    println!(
        "  rows {}  valid {}  invalid {}  warnings {}",
        report.rows, report.valid_rows, report.invalid_rows, report.warnings
    );
    if !report.summary.is_empty() {
        let counts: Vec<String> = report.summary.iter().map(|(code, n)| format!("{code} {n}")).collect();
        println!("  issues: {}", counts.join(", "));
    }
    for issue in report.issues.iter().take(SHOWN_ISSUES) {
        let row = issue.row.map(|r| format!("row {r}")).unwrap_or_else(|| "file".to_owned());
        let column =
            issue.header.as_deref().or(issue.column.as_deref()).map(|c| format!(" [{}]", shown(c))).unwrap_or_default();
        let value = issue.value.as_deref().map(|v| format!(" '{}'", shown(v))).unwrap_or_default();
        println!("  {row}{column} {}{value}: {}", issue.code, shown(&issue.message));
    }
    let total: u64 = report.summary.values().sum();
    if total as usize > SHOWN_ISSUES {
        println!("  ... {} more; use --json or --report OUT.xlsx for all", total as usize - SHOWN_ISSUES);
    }
}

/// The mappings a validation or submit applied (and corrections, from the app).
pub fn print_review(review: &ReviewLog) {
    for mapping in &review.mappings {
        let target = mapping.column.as_deref().map(shown).unwrap_or(std::borrow::Cow::Borrowed("(ignored)"));
        let remembered = if mapping.remember { " (remembered)" } else { "" };
        println!("  mapped: '{}' -> {target}{remembered}", shown(&mapping.header));
    }
    for c in review.corrections.iter().take(SHOWN_ISSUES) {
        println!(
            "  corrected: row {} [{}] '{}' -> '{}'",
            c.row,
            shown(&c.column),
            shown(&c.old_value),
            shown(&c.new_value)
        );
    }
    if review.corrections.len() > SHOWN_ISSUES {
        println!("  ... {} more corrections", review.corrections.len() - SHOWN_ISSUES);
    }
}

/// What `contracts apply` did, per dataset.
pub fn print_applied(applied: &[Applied]) {
    for outcome in applied {
        match outcome {
            Applied::Created { dataset } => println!("{dataset}: tables created, contract registered"),
            Applied::Evolved { dataset, added_columns } => {
                println!("{dataset}: added column(s) {}, contract registered", added_columns.join(", "))
            }
            Applied::Registered { dataset } => println!("{dataset}: new contract version registered"),
            Applied::Unchanged { dataset } => println!("{dataset}: unchanged"),
        }
    }
}

/// Load requests as a table.
pub fn print_requests(rows: &[RequestRow]) {
    println!(
        "{:>7}  {:<18} {:<8} {:<9} {:>8} {:<12} {:<16}  file",
        "request", "dataset", "period", "status", "rows", "submitted by", "submitted at"
    );
    for r in rows {
        println!(
            "{:>7}  {:<18} {:<8} {:<9} {:>8} {:<12} {:<16}  {}",
            r.request_id,
            r.dataset,
            r.period,
            r.status,
            r.rows,
            shown(&r.submitted_by),
            r.submitted_at.format("%Y-%m-%d %H:%M"),
            shown(&r.file_name)
        );
        if let Some(warnings) = r.warnings.as_array() {
            for w in warnings {
                if let Some(message) = w.get("message").and_then(|m| m.as_str()) {
                    println!("           warning: {}", shown(message));
                }
            }
        }
        if let Some(error) = &r.error {
            println!("           error: {}", shown(error));
        }
    }
}

/// Dataset versions as a table.
pub fn print_versions(rows: &[VersionRow]) {
    println!(
        "{:<18} {:<8} {:>7} {:<6} {:>8} {:<12} {:<12} {:<16}",
        "dataset", "period", "version", "active", "rows", "submitted by", "approved by", "created at"
    );
    for v in rows {
        println!(
            "{:<18} {:<8} {:>7} {:<6} {:>8} {:<12} {:<12} {:<16}",
            v.dataset,
            v.period,
            v.version,
            if v.is_active { "yes" } else { "" },
            v.row_count,
            shown(&v.created_by),
            shown(v.approved_by.as_deref().unwrap_or("")),
            v.created_at.format("%Y-%m-%d %H:%M")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn escape_sequences_and_bidi_overrides_never_reach_the_terminal() {
        assert_eq!(shown("דנה כהן 050-1234567"), "דנה כהן 050-1234567");
        assert_eq!(shown("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(shown("\u{9b}31m\u{7}\u{0}"), "\\u{9b}31m\\u{7}\\u{0}");
        assert_eq!(shown("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
        assert_eq!(shown("tab\there"), "tab\\u{9}here");
    }
}
