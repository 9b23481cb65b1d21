//! How long until the app can show a file's first rows, and until its
//! validation ends: `make bench` runs this on the 100,000-row xlsx.
//!
//! Usage: `first_rows CONTRACTS_DIR DATASET FILE`

use citizen_core::contract::Catalog;
use citizen_core::validate::{validate_file, ValidateOptions};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [contracts, dataset, file] = args.as_slice() else {
        return Err("usage: first_rows CONTRACTS_DIR DATASET FILE".into());
    };
    let catalog = Catalog::load(Path::new(contracts))?;
    let contract = catalog.get(dataset)?;
    let started = Instant::now();
    let first = Arc::new(Mutex::new(None));
    let seen = first.clone();
    let options = ValidateOptions {
        keep_rows: true,
        preview: Some(Arc::new(move |_headers: &[String], rows: Vec<(u64, Vec<String>)>| {
            if let Ok(mut seen) = seen.lock() {
                *seen = Some((started.elapsed(), rows.len()));
            }
        })),
        ..ValidateOptions::default()
    };
    let validation = validate_file(Path::new(file), contract, &options);
    let done = started.elapsed();
    let first = first.lock().map_err(|_| "poisoned")?.take().ok_or("no preview was sent")?;
    println!(
        "first {} rows after {:.2} s; {} rows validated (grid ready) after {:.2} s",
        first.1,
        first.0.as_secs_f64(),
        validation.report.rows,
        done.as_secs_f64()
    );
    Ok(())
}
