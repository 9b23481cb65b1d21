//! The desktop's view of opening a file, through the app's own core path
//! (`OpenedFiles::open`, as the Load screen calls it): when the first rows
//! arrive, when every issue and the grid are ready, how long a page of the
//! grid takes to answer anywhere in the file (all rows, and only rows with
//! issues), and the process's peak memory. `make bench` runs it on the
//! 1,000,000-row CSV (issue 13's desktop targets).
//!
//! Usage: `desktop_open CONTRACTS_DIR FILE`

use citizen_core::contract::Catalog;
use citizen_core::desktop::files::{FileEvent, OpenedFiles, RowFilter};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Rows the grid asks for at once (the Load screen's page).
const PAGE_ROWS: usize = 100;
/// Pages fetched at spread positions, per filter.
const PAGES: usize = 200;

#[derive(Default)]
struct Seen {
    first_rows: Option<Duration>,
    last_progress: Option<Duration>,
    finished: Option<(Duration, Result<u64, String>)>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [contracts, file] = args.as_slice() else {
        return Err("usage: desktop_open CONTRACTS_DIR FILE".into());
    };
    let catalog = Arc::new(Catalog::load(Path::new(contracts))?);
    let files = Arc::new(OpenedFiles::default());
    let seen = Arc::new((Mutex::new(Seen::default()), Condvar::new()));
    let started = Instant::now();
    let heard = seen.clone();
    let on_event = Arc::new(move |event: FileEvent| {
        let (lock, ready) = &*heard;
        let Ok(mut seen) = lock.lock() else { return };
        match event {
            FileEvent::Preview { .. } => {
                seen.first_rows.get_or_insert(started.elapsed());
            }
            FileEvent::Done { summary, .. } => {
                seen.finished = Some((started.elapsed(), Ok(summary.rows)));
                ready.notify_all();
            }
            FileEvent::Failed { error, .. } => {
                seen.finished = Some((started.elapsed(), Err(format!("{error:?}"))));
                ready.notify_all();
            }
            FileEvent::Progress { .. } => seen.last_progress = Some(started.elapsed()),
        }
    });
    let opened = files.open(&catalog, &[PathBuf::from(file)], on_event);
    let file_id = opened.first().ok_or("nothing was opened")?.id;
    let (lock, ready) = &*seen;
    let mut state = lock.lock().map_err(|_| "poisoned")?;
    while state.finished.is_none() {
        state = ready.wait(state).map_err(|_| "poisoned")?;
    }
    let first_rows = state.first_rows;
    let last_progress = state.last_progress;
    let Some((done, outcome)) = state.finished.take() else { return Err("no end".into()) };
    drop(state);
    let rows = outcome?;

    let mut lines = Vec::new();
    for (label, filter) in [
        ("all rows", RowFilter::default()),
        ("rows with issues", RowFilter { only_issues: true, ..RowFilter::default() }),
    ] {
        let total = files.rows(file_id, 0, 1, &filter)?.total;
        let mut times = Vec::with_capacity(PAGES);
        for page in 0..PAGES {
            // Spread over the whole file, last page included.
            let start = (total.saturating_sub(PAGE_ROWS)) * page / (PAGES - 1).max(1);
            let asked = Instant::now();
            let answered = files.rows(file_id, start, PAGE_ROWS, &filter)?;
            times.push(asked.elapsed());
            if answered.rows.is_empty() && total > 0 {
                return Err(format!("page at {start} of {total} came back empty").into());
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        lines.push(format!(
            "page of {PAGE_ROWS} {label} ({total}): median {:.1} ms, max {:.1} ms",
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        ));
    }
    println!(
        "desktop_open: first rows {} s; issues and grid ready {:.2} s ({rows} rows); peak {} MB",
        first_rows.map(|d| format!("{:.2}", d.as_secs_f64())).unwrap_or_else(|| "n/a".to_owned()),
        done.as_secs_f64(),
        peak_megabytes().map(|m| m.to_string()).unwrap_or_else(|| "n/a".to_owned())
    );
    if let Some(last) = last_progress {
        println!("desktop_open: last progress event (rows read and checked) after {:.2} s", last.as_secs_f64());
    }
    for line in lines {
        println!("desktop_open: {line}");
    }
    Ok(())
}

/// The process's peak resident memory (`VmHWM`), in MB.
fn peak_megabytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
