//! Writes the hostile files of `cases.rs` into a directory, for
//! `scripts/bench_hostile.sh`: one line per case on stdout, tab-separated:
//! file, expected status, expected code, name. The contract goes to
//! `DIR/contracts/hostile.yaml`.
//!
//! Usage: cargo run --release -p citizen-core --example hostile -- DIR

mod cases;

use std::path::PathBuf;

fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: hostile DIR");
        std::process::exit(2);
    };
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {error}", dir.display());
        std::process::exit(2);
    }
    if let Err(error) = std::fs::create_dir_all(dir.join("contracts"))
        .and_then(|_| std::fs::write(dir.join("contracts/hostile.yaml"), cases::CONTRACT))
    {
        eprintln!("{error}");
        std::process::exit(2);
    }
    for case in cases::all() {
        let path = dir.join(case.file);
        if let Err(error) = (case.write)(&path) {
            eprintln!("{}: {error}", case.name);
            std::process::exit(2);
        }
        println!("{}\t{}\t{}\t{}", case.file, case.status, case.code, case.name);
    }
}
