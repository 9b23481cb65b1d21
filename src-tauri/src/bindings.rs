//! TypeScript bindings of every type the commands take or return, generated
//! with ts-rs into `ui/src/bindings/` (committed). The test below regenerates
//! them into a temporary directory and fails when the committed files differ;
//! `UPDATE_BINDINGS=1 cargo test -p citizen-app bindings` rewrites them.
//!
//! The command names and argument names are typed by hand in
//! `ui/src/commands.ts` against these bindings; a second test reads the
//! commands registered in `lib.rs` and their signatures in `commands/` and
//! fails when that table is missing one, has one too many, or names another
//! argument (a renamed command then fails here, and its callers fail `tsc`).

#[cfg(test)]
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::{Config, ExportError, TS};

/// Where the committed bindings live.
pub fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings")
}

fn export<T: TS + 'static>(config: &Config) -> Result<(), ExportError> {
    T::export_all(config)
}

/// Writes the bindings of every command type (and their dependencies) into `dir`.
/// Integers are `number` in TypeScript: ids and counts stay below 2^53.
pub fn export_bindings(dir: &Path) -> Result<(), ExportError> {
    use citizen_core::contract::ContractSummary;
    use citizen_core::desktop::files::{
        FileEvent, FileSummary, GridPage, IssuePage, NextIssue, OpenedFile, RowFilter, SubmitBlock,
    };
    use citizen_core::desktop::session::{ApproveEvent, SavedSettings, SubmitResult};
    use citizen_core::desktop::settings::{Language, Settings, Theme};
    use citizen_core::desktop::views::{
        ApproveBlock, AuditAction, AuditFilter, AuditView, ConnectionStatus, DatabaseMode, RequestDetail,
        RequestStatus, RequestView, VersionView, VersionsCalendar,
    };
    use citizen_core::error::ErrorCode;
    use citizen_core::pipeline::Approved;
    use citizen_core::report::IssueCode;
    use citizen_core::ErrorPayload;

    let config = Config::new().with_out_dir(dir).with_large_int("number");
    // The closed code sets the UI's translation tables are typed over.
    export::<ErrorCode>(&config)?;
    export::<IssueCode>(&config)?;
    export::<SubmitBlock>(&config)?;
    export::<ApproveBlock>(&config)?;
    export::<RequestStatus>(&config)?;
    export::<AuditAction>(&config)?;
    export::<DatabaseMode>(&config)?;
    export::<Language>(&config)?;
    export::<Theme>(&config)?;
    export::<ErrorPayload>(&config)?;
    export::<ContractSummary>(&config)?;
    export::<OpenedFile>(&config)?;
    export::<FileEvent>(&config)?;
    export::<FileSummary>(&config)?;
    export::<RowFilter>(&config)?;
    export::<GridPage>(&config)?;
    export::<IssuePage>(&config)?;
    export::<NextIssue>(&config)?;
    export::<ConnectionStatus>(&config)?;
    export::<SubmitResult>(&config)?;
    export::<RequestView>(&config)?;
    export::<RequestDetail>(&config)?;
    export::<ApproveEvent>(&config)?;
    export::<Approved>(&config)?;
    export::<VersionsCalendar>(&config)?;
    export::<VersionView>(&config)?;
    export::<AuditFilter>(&config)?;
    export::<AuditView>(&config)?;
    export::<Settings>(&config)?;
    export::<SavedSettings>(&config)?;
    export::<citizen_core::ops::users::LoginView>(&config)?;
    export::<citizen_core::ops::apply::ContractPlan>(&config)?;
    export::<citizen_core::report::profile::Profile>(&config)?;
    export::<citizen_core::pipeline::profile::ProfileComparison>(&config)?;
    Ok(())
}

#[cfg(test)]
/// `snake_case` as Tauri expects it from JavaScript (camelCase).
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
/// The commands of `generate_handler![...]` in `lib.rs`, by function name.
fn registered_commands(lib_rs: &str) -> Vec<String> {
    let start = lib_rs.find("generate_handler![").map(|i| i + "generate_handler![".len()).unwrap_or(lib_rs.len());
    let end = lib_rs[start..].find(']').map_or(start, |i| start + i);
    lib_rs[start..end]
        .split(',')
        .filter_map(|path| path.trim().rsplit("::").next().filter(|n| !n.is_empty()).map(str::to_owned))
        .collect()
}

#[cfg(test)]
/// Every `#[tauri::command] fn` of a source file: its name and the names of
/// its arguments as JavaScript passes them (managed state left out).
fn command_signatures(source: &str) -> BTreeMap<String, Vec<String>> {
    let mut found = BTreeMap::new();
    let mut rest = source;
    while let Some(at) = rest.find("#[tauri::command") {
        rest = &rest[at..];
        let Some(fn_at) = rest.find("fn ") else { break };
        let signature = &rest[fn_at + 3..];
        let name = signature.split('(').next().unwrap_or_default().trim().to_owned();
        let open = signature.find('(').unwrap_or(signature.len());
        let mut depth = 0usize;
        let mut params = String::new();
        for c in signature[open..].chars() {
            match c {
                '(' | '<' => depth += 1,
                ')' | '>' => depth = depth.saturating_sub(1),
                _ => {}
            }
            match (depth, c) {
                (0, _) => break,
                (1, ',') => params.push('\n'),
                (1, '(') => {}
                _ => params.push(c),
            }
        }
        let args = params
            .lines()
            .filter_map(|param| param.split_once(':'))
            .filter(|(_, ty)| !ty.trim().starts_with("State<"))
            .map(|(arg, _)| camel(arg.trim()))
            .collect();
        found.insert(name, args);
        rest = &rest[fn_at..];
    }
    found
}

#[cfg(test)]
/// The entries of `interface Commands` in `ui/src/commands.ts` (one a line:
/// `  name: { args: { a: T; b: U }; result: R };`).
fn typed_commands(commands_ts: &str) -> BTreeMap<String, Vec<String>> {
    commands_ts
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.strip_prefix("  ")?.split_once(": { args: {")?;
            let (args, _) = rest.split_once("}; result:")?;
            let args = args.split(';').filter_map(|a| a.split_once(':')).map(|(n, _)| n.trim().to_owned()).collect();
            Some((name.to_owned(), args))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{command_signatures, committed_dir, export_bindings, registered_commands, typed_commands};
    use std::collections::BTreeMap;
    use std::path::Path;

    #[test]
    fn every_registered_command_is_typed_in_commands_ts_with_its_arguments() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let registered = registered_commands(&read(&root.join("src/lib.rs")));
        let mut defined = BTreeMap::new();
        for entry in std::fs::read_dir(root.join("src/commands")).expect("commands dir").filter_map(Result::ok) {
            defined.extend(command_signatures(&read(&entry.path())));
        }
        let typed = typed_commands(&read(&root.join("../ui/src/commands.ts")));
        assert!(registered.len() > 20 && typed.len() > 20, "parsed {registered:?} and {typed:?}");
        let mut names: Vec<&String> = registered.iter().collect();
        names.sort();
        assert_eq!(
            names,
            typed.keys().collect::<Vec<_>>(),
            "ui/src/commands.ts must list exactly the registered commands"
        );
        for name in &registered {
            let args = defined
                .get(name)
                .unwrap_or_else(|| panic!("{name} is registered but not a #[tauri::command] in commands/"));
            assert_eq!(Some(args), typed.get(name), "the arguments of {name} in ui/src/commands.ts");
        }
        assert_eq!(defined.get("open_files").map(Vec::len), Some(2), "{defined:?}");
    }

    fn read_dir(dir: &Path) -> BTreeMap<String, String> {
        let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                (name, text)
            })
            .collect()
    }

    #[test]
    fn committed_bindings_are_up_to_date() {
        let temp = tempfile::tempdir().expect("temp dir");
        export_bindings(temp.path()).expect("bindings export");
        let fresh = read_dir(temp.path());
        assert!(fresh.contains_key("FileSummary.ts"), "{:?}", fresh.keys());
        let committed_dir = committed_dir();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            for name in read_dir(&committed_dir).keys() {
                std::fs::remove_file(committed_dir.join(name)).expect("remove a stale binding");
            }
            std::fs::create_dir_all(&committed_dir).expect("bindings dir");
            for (name, text) in &fresh {
                std::fs::write(committed_dir.join(name), text).expect("write a binding");
            }
        }
        let committed = read_dir(&committed_dir);
        let stale: Vec<&String> =
            fresh.keys().chain(committed.keys()).filter(|name| fresh.get(*name) != committed.get(*name)).collect();
        assert!(
            stale.is_empty(),
            "ui/src/bindings/ is stale ({stale:?}); regenerate with UPDATE_BINDINGS=1 cargo test -p citizen-app bindings"
        );
    }
}
