//! `citizen-db`: the command line over citizen-core. Argument parsing and
//! printing only; every behaviour lives in the library.

mod output;
mod profile;
mod users;

use anyhow::Context;
use citizen_core::contract::{default_contracts_dir, Catalog};
use citizen_core::db::embedded::{self, Cluster};
use citizen_core::db::{Database, DbTarget};
use citizen_core::error::CoreError;
use citizen_core::ops::apply::apply_contracts;
use citizen_core::ops::export::ExportFormat;
use citizen_core::pipeline::{self, queries};
use citizen_core::report::Status;
use citizen_core::validate::edits::{parse_mapping, ReviewEdits};
use citizen_core::validate::{recognise_named_with, validate_file, Recognition, ValidateOptions, Validation};
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
    /// Sign in as this login on the embedded default database (demo logins, from
    /// `db start --demo`: clerk, supervisor, supervisor2, reader, admin).
    #[arg(long, global = true, env = "CITIZEN_DB_USER")]
    user: Option<String>,
    /// Password for --user.
    #[arg(long, global = true, env = "CITIZEN_DB_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Act as the embedded default's superuser (its password file): migrations,
    /// contracts, anything. Never the default; only on the embedded default.
    #[arg(long, global = true, conflicts_with = "user")]
    admin: bool,
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
        /// Map a source header to a contract column: "HEADER=column"; "HEADER=" ignores the header. Repeatable.
        #[arg(long = "map", value_name = "HEADER=COLUMN")]
        mappings: Vec<String>,
    },
    /// Print the per-column profile of a file (filled, empty, distinct, ranges, most frequent values).
    Profile {
        file: PathBuf,
        /// Dataset to profile against (default: recognised from file name and headers).
        #[arg(long)]
        dataset: Option<String>,
        /// Print the profile as JSON (camelCase fields; README "Profiles and drift").
        #[arg(long)]
        json: bool,
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
    /// Manage the embedded default database.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Submit a valid file for approval (clerk).
    Submit {
        file: PathBuf,
        #[arg(long)]
        dataset: Option<String>,
        /// The period the file covers: 2026-11, 2026-Q4, 2026 or none.
        #[arg(long)]
        period: String,
        /// Map a source header to a contract column: "HEADER=column"; "HEADER=" ignores the header. Repeatable;
        /// the dataset's remembered mappings in the database apply to the headers not given here.
        #[arg(long = "map", value_name = "HEADER=COLUMN")]
        mappings: Vec<String>,
        /// Remember the --map mappings for every later file of the dataset (on every desktop).
        #[arg(long, requires = "mappings")]
        remember: bool,
    },
    /// List load requests.
    Requests {
        #[arg(long)]
        status: Option<String>,
    },
    /// Approve a pending request: transform and publish a new version (supervisor).
    Approve {
        request: i64,
        #[arg(long)]
        note: Option<String>,
    },
    /// Reject a pending request with a note (supervisor).
    Reject {
        request: i64,
        #[arg(long)]
        note: String,
    },
    /// List dataset versions.
    Versions {
        #[arg(long)]
        dataset: Option<String>,
        #[arg(long)]
        period: Option<String>,
    },
    /// Re-activate an earlier version (supervisor).
    Rollback {
        #[arg(long)]
        dataset: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        version: i32,
    },
    /// Manage logins (administrator): list, add, disable, enable, role, password.
    Users {
        #[command(subcommand)]
        action: users::UsersAction,
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
    /// Register the contracts in the database and create or evolve their tables (admin).
    Apply,
}

#[derive(Subcommand)]
enum DbAction {
    /// Start the embedded database (created on first start).
    Start {
        /// Also create the demo logins (password = login name): clerk,
        /// supervisor, supervisor2, reader, admin. Without it none are created
        /// (existing ones are kept).
        #[arg(long)]
        demo: bool,
    },
    /// Stop the embedded database.
    Stop,
    /// Show where it lives and whether it runs.
    Status,
    /// Print a connection URL for psql and other tools.
    Url,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SampleFormatArg {
    Csv,
    #[value(name = "csv-1255")]
    Csv1255,
    Xlsx,
}

fn main() -> ExitCode {
    end_quietly_on_a_closed_pipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", output::shown(&format!("{error:#}")));
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

/// Rust ignores SIGPIPE, so a reader that stops reading (`citizen-db validate
/// --json FILE | head`) made the next print panic ("failed printing to
/// stdout"). With the signal's default back, the process ends as other
/// command-line tools do there: quietly, by the signal.
fn end_quietly_on_a_closed_pipe() {
    // SAFETY: called first in main, before any other thread exists; setting a
    // signal's disposition to SIG_DFL installs no handler code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn load_catalog(dir: Option<PathBuf>) -> anyhow::Result<Catalog> {
    let dir = dir.unwrap_or_else(default_contracts_dir);
    Ok(Catalog::load(&dir)?)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Who the command acts as: `--user` (with `--password`), `--admin`, or nobody.
struct Login {
    user: Option<String>,
    password: Option<String>,
    admin: bool,
}

/// A usage error: printed, and the program exits 2.
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Which database and login a command uses; nobody acts as the superuser
/// unless `--admin` asks for it.
fn target(login: &Login) -> Result<DbTarget, UsageError> {
    let target = DbTarget::from_env(login.user.clone(), login.password.clone());
    match target {
        DbTarget::Url(_) if login.admin => Err(UsageError(
            "--admin acts as the embedded default's superuser; with DATABASE_URL set, the login is the one in the URL \
             (or unset DATABASE_URL)"
                .to_owned(),
        )),
        DbTarget::Embedded { .. } if login.admin => Ok(DbTarget::EmbeddedAdmin),
        DbTarget::Embedded { user: None, .. } => Err(UsageError(
            "this command needs the database: sign in with --user NAME (password from --password or \
             CITIZEN_DB_PASSWORD) or use --admin to act as the embedded default's superuser \
             (demo logins come from `citizen-db db start --demo`)"
                .to_owned(),
        )),
        DbTarget::Embedded { user: Some(user), password: None } => {
            Err(UsageError(format!("no password for --user {user}: pass --password or set CITIZEN_DB_PASSWORD")))
        }
        other => Ok(other),
    }
}

fn connect(login: &Login) -> anyhow::Result<(tokio::runtime::Runtime, Database)> {
    let target = target(login)?;
    let runtime = runtime()?;
    if matches!(target, DbTarget::Embedded { .. } | DbTarget::EmbeddedAdmin) && embedded::running_as_root() {
        eprintln!("note: running as root, so the embedded PostgreSQL runs as the system user 'postgres'");
    }
    let database = runtime.block_on(Database::connect(&target))?;
    Ok((runtime, database))
}

/// The review of `--map` arguments (nothing corrected: cells are corrected in the app).
fn review_edits(mappings: &[String]) -> Result<ReviewEdits, CoreError> {
    let mut edits = ReviewEdits::default();
    for text in mappings {
        edits.set_mapping(parse_mapping(text)?);
    }
    Ok(edits)
}

/// Exit code for an error: refusals and invalid data are 1, the rest 2.
fn exit_for(error: &CoreError) -> ExitCode {
    match error {
        CoreError::Refused { .. } | CoreError::InvalidFile { .. } => ExitCode::from(EXIT_INVALID),
        _ => ExitCode::from(EXIT_UNUSABLE),
    }
}

fn report_failure(error: CoreError) -> ExitCode {
    if let CoreError::InvalidFile { report, .. } = &error {
        output::print_report(report);
    }
    eprintln!("error: {}", output::shown(&error.to_string()));
    exit_for(&error)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let user = cli.user.clone();
    let login = Login { user: cli.user.clone(), password: cli.password.clone(), admin: cli.admin };
    match cli.command {
        Command::Contracts { action } => {
            let catalog = load_catalog(cli.contracts)?;
            match action {
                ContractsAction::Check => {
                    println!("{} contract(s) OK in {}", catalog.contracts.len(), catalog.dir.display());
                }
                ContractsAction::List => output::print_contracts(&catalog.summaries()),
                ContractsAction::Apply => {
                    let (runtime, database) = connect(&login)?;
                    match runtime.block_on(apply_contracts(&database, &catalog)) {
                        Ok(applied) => output::print_applied(&applied),
                        Err(error) => return Ok(report_failure(error)),
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Users { action } => {
            let (runtime, database) = connect(&login)?;
            match runtime.block_on(users::run(&database, action))? {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(error) => Ok(report_failure(error)),
            }
        }
        Command::Db { action } => {
            let cluster = Cluster::default_location()?;
            match action {
                DbAction::Start { demo } => {
                    cluster.start()?;
                    let runtime = runtime()?;
                    let demo_logins = runtime.block_on(async {
                        let admin = Database::connect_cluster(&cluster, embedded::DATABASE, None).await?;
                        if demo {
                            admin.ensure_demo_logins().await?;
                        }
                        let logins = admin.demo_logins().await;
                        admin.pool.close().await;
                        logins
                    })?;
                    if let Some(user) = cluster.run_as() {
                        println!("running as root: the server runs as the system user '{user}'");
                    }
                    println!("embedded database running in {}", cluster.dir.display());
                    if demo_logins.is_empty() {
                        println!(
                            "no demo logins: sign in with --user NAME --password ..., or act as its superuser \
                             with --admin (`db start --demo` creates demo logins)"
                        );
                    } else {
                        let pairs: Vec<String> = demo_logins.iter().map(|l| format!("{l}/{l}")).collect();
                        println!("demo logins (password = login name): {}", pairs.join(", "));
                    }
                }
                DbAction::Stop => {
                    cluster.stop()?;
                    println!("embedded database stopped");
                }
                DbAction::Status => {
                    let status = cluster.status();
                    println!("directory  {}", status.dir.display());
                    println!("created    {}", if status.initialised { "yes" } else { "no" });
                    println!("running    {}", if status.running { "yes" } else { "no" });
                    if let Some(user) = &status.run_as {
                        println!("runs as    {user} (this program runs as root)");
                    }
                }
                DbAction::Url => println!("{}", cluster.url(user.as_deref().unwrap_or(embedded::SUPERUSER))),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Submit { file, dataset, period, mappings, remember } => {
            let catalog = load_catalog(cli.contracts)?;
            let mut edits = match review_edits(&mappings) {
                Ok(edits) => edits,
                Err(error) => return Ok(report_failure(error)),
            };
            for mapping in &mut edits.mappings {
                mapping.remember = remember;
            }
            let (runtime, database) = connect(&login)?;
            // Without --dataset, each dataset's headers are scored with what
            // its submit applies: --map, then its remembered aliases.
            let aliases = match dataset {
                Some(_) => Default::default(),
                None => match runtime.block_on(queries::all_column_aliases(&database)) {
                    Ok(aliases) => aliases,
                    Err(error) => return Ok(report_failure(error)),
                },
            };
            let edits_for = |name: &str| edits.clone().with_remembered(aliases.get(name).map_or(&[], Vec::as_slice));
            let contract = match recognise_named_with(&catalog, &file, dataset.as_deref(), edits_for) {
                Ok(recognised) => recognised.contract,
                Err(Recognition::Unreadable(e)) => anyhow::bail!("{}: {e}", file.display()),
                Err(Recognition::Unknown(e)) => return Err(e.into()),
            };
            match runtime.block_on(pipeline::submit_reviewed(&database, contract, &file, &period, &edits)) {
                Ok(submitted) => {
                    println!(
                        "request {} pending approval: {} rows staged for {} {period}",
                        submitted.request_id, submitted.staged_rows, contract.dataset
                    );
                    output::print_review(&submitted.review);
                    for warning in &submitted.warnings {
                        println!("  warning: {}", output::shown(&warning.message));
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => Ok(report_failure(error)),
            }
        }
        Command::Requests { status } => {
            let (runtime, database) = connect(&login)?;
            let rows = runtime.block_on(queries::list_requests(&database, status.as_deref()))?;
            output::print_requests(&rows);
            Ok(ExitCode::SUCCESS)
        }
        Command::Approve { request, note } => {
            let (runtime, database) = connect(&login)?;
            match runtime.block_on(pipeline::approve(&database, request, note.as_deref())) {
                Ok(approved) => {
                    println!("request {request} loaded as version {} ({} rows)", approved.version, approved.rows);
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => Ok(report_failure(error)),
            }
        }
        Command::Reject { request, note } => {
            let (runtime, database) = connect(&login)?;
            match runtime.block_on(pipeline::reject(&database, request, &note)) {
                Ok(()) => {
                    println!("request {request} rejected");
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => Ok(report_failure(error)),
            }
        }
        Command::Versions { dataset, period } => {
            let (runtime, database) = connect(&login)?;
            let rows = runtime.block_on(queries::list_versions(&database, dataset.as_deref(), period.as_deref()))?;
            output::print_versions(&rows);
            Ok(ExitCode::SUCCESS)
        }
        Command::Rollback { dataset, period, version } => {
            let (runtime, database) = connect(&login)?;
            match runtime.block_on(pipeline::rollback(&database, &dataset, &period, version)) {
                Ok(_) => {
                    println!("{dataset} {period}: version {version} is active again");
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => Ok(report_failure(error)),
            }
        }
        Command::Validate { files, dataset, json, report, mappings } => {
            let catalog = load_catalog(cli.contracts)?;
            let edits = match review_edits(&mappings) {
                Ok(edits) => edits,
                Err(error) => return Ok(report_failure(error)),
            };
            if report.is_some() && files.len() > 1 {
                anyhow::bail!("--report takes one input file; run validate once per file");
            }
            // An .xlsx report copies the file's rows: validation keeps them, so
            // the file is read once.
            let keep_rows =
                report.as_deref().is_some_and(|out| ExportFormat::from_path(out).ok() == Some(ExportFormat::Xlsx));
            let edits = (!edits.is_empty()).then(|| std::sync::Arc::new(edits));
            // The report is all `validate` prints: no profile (`citizen-db profile` has it).
            let options =
                ValidateOptions { keep_rows, edits: edits.clone(), profile: false, ..ValidateOptions::default() };
            let mut validations = Vec::with_capacity(files.len());
            for file in &files {
                // Headers are scored with the --map mappings validation applies.
                let edits_for = |_: &str| edits.as_deref().cloned().unwrap_or_default();
                let validation = match recognise_named_with(&catalog, file, dataset.as_deref(), edits_for) {
                    Ok(recognised) => {
                        if let Some(edits) = &edits {
                            if let Err(error) = edits.check(recognised.contract) {
                                return Ok(report_failure(error));
                            }
                        }
                        validate_file(file, recognised, &options)
                    }
                    Err(Recognition::Unreadable(error)) => Validation::unreadable(file, &error),
                    Err(Recognition::Unknown(error)) => {
                        return Err(anyhow::Error::new(error).context(format!("validating {}", file.display())))
                    }
                };
                validations.push(validation);
            }
            if let (Some(out), Some(first)) = (&report, validations.first()) {
                let dataset = first
                    .report
                    .dataset
                    .as_deref()
                    .context("the dataset of this file is unknown, so no report can be written; pass --dataset")?;
                citizen_core::ops::export::write_report(out, &files[0], catalog.get(dataset)?, first)?;
                if !json {
                    println!("error report written to {}", out.display());
                }
            }
            let (reports, reviews): (Vec<_>, Vec<_>) = validations.into_iter().map(|v| (v.report, v.review)).unzip();
            if json {
                let text = if reports.len() == 1 {
                    serde_json::to_string_pretty(&reports[0])?
                } else {
                    serde_json::to_string_pretty(&reports)?
                };
                println!("{text}");
            } else {
                for (report, review) in reports.iter().zip(&reviews) {
                    output::print_report(report);
                    output::print_review(review);
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
        Command::Profile { file, dataset, json } => {
            let catalog = load_catalog(cli.contracts)?;
            profile::run(&catalog, &file, dataset.as_deref(), json)
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
