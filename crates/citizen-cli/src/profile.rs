//! `citizen-db profile FILE [--dataset D] [--json]`: the per-column profile
//! of a file (issue 15), computed by validation as it reads the file. The
//! JSON is `citizen_core::report::profile::Profile` (camelCase, stable field
//! names; README "Profiles and drift").

use crate::output::shown;
use citizen_core::contract::Catalog;
use citizen_core::report::profile::{ColumnProfile, Profile};
use citizen_core::report::Status;
use citizen_core::validate::{recognise_named, validate_file, Recognition, ValidateOptions};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Profiles one file: 0 when it was read, 2 when it cannot be (the report's
/// first issue says why). Invalid rows do not change the exit code: a
/// profile describes the file, it does not judge it (that is `validate`).
pub fn run(catalog: &Catalog, file: &Path, dataset: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let recognised = match recognise_named(catalog, file, dataset) {
        Ok(recognised) => recognised,
        Err(Recognition::Unreadable(error)) => anyhow::bail!("{}: {error}", file.display()),
        Err(Recognition::Unknown(error)) => {
            return Err(anyhow::Error::new(error).context(format!("profiling {}", file.display())))
        }
    };
    let validation = validate_file(file, recognised, &ValidateOptions::default());
    let profile = match validation.profile {
        Some(profile) if validation.report.status != Status::Unusable => profile,
        _ => {
            let reason = validation.report.issues.first().map(|i| i.message.clone()).unwrap_or_default();
            anyhow::bail!("{}: {reason}", file.display());
        }
    };
    let mut out = std::io::stdout().lock();
    let written = if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&profile)?)
    } else {
        print_profile(&mut out, &validation.report.file, &profile)
    };
    match written.and_then(|()| out.flush()) {
        // A reader that stopped reading (`| head`) is no failure of ours.
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// A table: one line per column, then its most frequent values.
fn print_profile(out: &mut impl Write, file: &str, profile: &Profile) -> std::io::Result<()> {
    writeln!(out, "{}: {} ({} rows)", shown(file), profile.dataset, profile.rows)?;
    writeln!(
        out,
        "{:<22} {:<10} {:>9} {:>9} {:>8} {:>10}  range",
        "column", "type", "filled", "empty", "invalid", "distinct"
    )?;
    for column in &profile.columns {
        let type_name = serde_json::to_value(column.column_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let range = column.range.as_ref().map(|r| {
            let (min, max) = r.ends();
            format!("{} .. {}", shown(&min), shown(&max))
        });
        writeln!(
            out,
            "{:<22} {:<10} {:>9} {:>9} {:>8} {:>10}  {}",
            shown(&column.name),
            type_name,
            column.filled,
            column.empty,
            column.invalid,
            distinct(column),
            range.unwrap_or_default()
        )?;
    }
    for column in profile.columns.iter().filter(|c| !c.top.is_empty()) {
        let values: Vec<String> = column.top.iter().map(|v| format!("{} ({})", shown(&v.value), v.count)).collect();
        let coded = if column.coded { " [coded]" } else { "" };
        writeln!(out, "{}{coded}: {}", shown(&column.name), values.join(", "))?;
    }
    for column in profile.columns.iter().filter(|c| !c.present) {
        writeln!(out, "{}: no header of the file maps to it", shown(&column.name))?;
    }
    Ok(())
}

/// The distinct count, `~N` when estimated.
fn distinct(column: &ColumnProfile) -> String {
    if column.distinct_exact {
        column.distinct.to_string()
    } else {
        format!("~{}", column.distinct)
    }
}
