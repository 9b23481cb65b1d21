//! `citizen-db`: the command line over citizen-core. Argument parsing and
//! printing only; every behaviour lives in the library.

mod output;

use anyhow::Context;
use citizen_core::contract::{default_contracts_dir, Catalog};
use citizen_core::report::Status;
use citizen_core::validate::{validate_path, ValidateOptions};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes of SPEC §6.
const EXIT_INVALID: u8 = 1;
const EXIT_UNUSABLE: u8 = 2;

#[derive(Parser)]
#[command(name = "citizen-db", version, about = "Validate and load municipal data files")]
struct Cli {
    /// Directory of dataset contracts (default: ./contracts, then the user's config dir).
    #[arg(long, global = true)]
    contracts: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files against their dataset's contract, offline.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Dataset to validate against (default: recognised from file name and headers).
        #[arg(long)]
        dataset: Option<String>,
        /// Print the SPEC §4 report as JSON (an array for several files).
        #[arg(long)]
        json: bool,
        /// Write an error report for the sender: .xlsx (highlighted cells) or .csv.
        #[arg(long, value_name = "OUT")]
        report: Option<PathBuf>,
    },
    /// Check or list the contracts.
    Contracts {
        #[command(subcommand)]
        action: ContractsAction,
    },
    /// Write a deterministic sample file with known deliberate errors.
    Sample {
        #[arg(long)]
        dataset: String,
        #[arg(long, default_value_t = 1000)]
        rows: u64,
        /// Deliberate errors per applicable issue code.
        #[arg(long, default_value_t = 3)]
        errors: u64,
        #[arg(long, value_enum, default_value_t = SampleFormatArg::Csv)]
        format: SampleFormatArg,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Read a file and count its rows without validating (benchmarks).
    #[command(hide = true)]
    Read {
        file: PathBuf,
        #[arg(long)]
        dataset: String,
    },
}

#[derive(Subcommand)]
enum ContractsAction {
    /// Parse and check every contract; list every problem with file, line and column.
    Check,
    /// List the contracts.
    List,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SampleFormatArg {
    Csv,
    #[value(name = "csv-1255")]
    Csv1255,
    Xlsx,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

fn load_catalog(dir: Option<PathBuf>) -> anyhow::Result<Catalog> {
    let dir = dir.unwrap_or_else(default_contracts_dir);
    Ok(Catalog::load(&dir)?)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Contracts { action } => {
            let catalog = load_catalog(cli.contracts)?;
            match action {
                ContractsAction::Check => {
                    println!("{} contract(s) OK in {}", catalog.contracts.len(), catalog.dir.display());
                }
                ContractsAction::List => output::print_contracts(&catalog.summaries()),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { files, dataset, json, report } => {
            let catalog = load_catalog(cli.contracts)?;
            if report.is_some() && files.len() > 1 {
                anyhow::bail!("--report takes one input file; run validate once per file");
            }
            let options = ValidateOptions::default();
            let mut reports = Vec::with_capacity(files.len());
            for file in &files {
                let report = validate_path(&catalog, file, dataset.as_deref(), &options)
                    .with_context(|| format!("validating {}", file.display()))?;
                reports.push(report);
            }
            if let (Some(out), Some(first)) = (&report, reports.first()) {
                let dataset = first.dataset.as_deref().context(
                    "the dataset of this file is unknown, so no report can be written; pass --dataset",
                )?;
                citizen_core::report::export::write_report(out, &files[0], catalog.get(dataset)?, first)?;
                if !json {
                    println!("error report written to {}", out.display());
                }
            }
            if json {
                let text = if reports.len() == 1 {
                    serde_json::to_string_pretty(&reports[0])?
                } else {
                    serde_json::to_string_pretty(&reports)?
                };
                println!("{text}");
            } else {
                for report in &reports {
                    output::print_report(report);
                }
            }
            let worst = reports.iter().map(|r| r.status).fold(Status::Valid, |acc, s| match (acc, s) {
                (Status::Unusable, _) | (_, Status::Unusable) => Status::Unusable,
                (Status::Invalid, _) | (_, Status::Invalid) => Status::Invalid,
                _ => Status::Valid,
            });
            Ok(match worst {
                Status::Valid => ExitCode::SUCCESS,
                Status::Invalid => ExitCode::from(EXIT_INVALID),
                Status::Unusable => ExitCode::from(EXIT_UNUSABLE),
            })
        }
        Command::Sample { dataset, rows, errors, format, seed, out } => {
            let catalog = load_catalog(cli.contracts)?;
            let contract = catalog.get(&dataset)?;
            let format = match format {
                SampleFormatArg::Csv => citizen_core::sample::SampleFormat::Csv,
                SampleFormatArg::Csv1255 => citizen_core::sample::SampleFormat::CsvWindows1255,
                SampleFormatArg::Xlsx => citizen_core::sample::SampleFormat::Xlsx,
            };
            let spec = citizen_core::sample::SampleSpec { rows, seed, errors_per_code: errors, format };
            let manifest = citizen_core::sample::write_sample(contract, &spec, &out)?;
            println!("{}", serde_json::to_string_pretty(&manifest)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Read { file, dataset } => {
            let catalog = load_catalog(cli.contracts)?;
            let contract = catalog.get(&dataset)?;
            let rows = citizen_core::validate::count_rows(&file, contract)
                .with_context(|| format!("reading {}", file.display()))?;
            println!("{rows} rows");
            Ok(ExitCode::SUCCESS)
        }
    }
}
