//! `citizen-db users ...`: logins managed by an administrator (the library's
//! `ops::users`; the database decides who may). Passwords are never taken
//! from the command line: prompted twice without echo on a terminal, read
//! from standard input (one line, or two that must match) otherwise.

use citizen_core::db::Database;
use citizen_core::error::CoreError;
use citizen_core::ops::users::{self, LoginRole, LoginView};
use clap::Subcommand;
use std::io::{BufRead, IsTerminal, Write};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    Clerk,
    Supervisor,
    Reader,
    Admin,
}

impl From<RoleArg> for LoginRole {
    fn from(role: RoleArg) -> LoginRole {
        match role {
            RoleArg::Clerk => LoginRole::Clerk,
            RoleArg::Supervisor => LoginRole::Supervisor,
            RoleArg::Reader => LoginRole::Reader,
            RoleArg::Admin => LoginRole::Admin,
        }
    }
}

#[derive(Subcommand)]
pub enum UsersAction {
    /// List the Citizen DB logins, their roles and whether they can sign in.
    List {
        /// Print them as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create a login with a role; its password is prompted (or read from stdin).
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Disable a login (it can no longer sign in; it is never dropped).
    Disable { name: String },
    /// Let a disabled login sign in again.
    Enable { name: String },
    /// Give a login another role.
    Role {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Set a login's password (prompted, or read from stdin).
    Password { name: String },
}

/// Turns terminal echo off until dropped (`stty`, on the controlling terminal).
struct NoEcho;

impl NoEcho {
    fn new() -> NoEcho {
        let _ = std::process::Command::new("stty").arg("-echo").stdin(std::process::Stdio::inherit()).status();
        NoEcho
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        let _ = std::process::Command::new("stty").arg("echo").stdin(std::process::Stdio::inherit()).status();
    }
}

fn read_line(input: &mut impl BufRead) -> anyhow::Result<Option<String>> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim_end_matches(['\n', '\r']).to_owned()))
}

/// The new password of `name`: twice at a prompt without echo, or from stdin.
fn new_password(name: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    if stdin.is_terminal() {
        let _echo = NoEcho::new();
        eprint!("New password for {name}: ");
        std::io::stderr().flush()?;
        let first = read_line(&mut input)?.unwrap_or_default();
        eprint!("\nAgain: ");
        std::io::stderr().flush()?;
        let second = read_line(&mut input)?.unwrap_or_default();
        eprintln!();
        if first != second {
            anyhow::bail!("the two passwords differ; nothing was changed");
        }
        return Ok(first);
    }
    let Some(first) = read_line(&mut input)? else {
        anyhow::bail!("no password on standard input; nothing was changed");
    };
    if let Some(second) = read_line(&mut input)? {
        if second != first {
            anyhow::bail!("the two passwords on standard input differ; nothing was changed");
        }
    }
    Ok(first)
}

fn print_logins(logins: &[LoginView]) {
    if logins.is_empty() {
        println!("no Citizen DB logins");
        return;
    }
    for login in logins {
        let roles: Vec<&str> = login.roles.iter().map(|r| r.as_str()).collect();
        let state = if login.can_login { "enabled" } else { "disabled" };
        let demo = if login.is_demo { " (demo)" } else { "" };
        println!("{:<24} {:<20} {state}{demo}", crate::output::shown(&login.login), roles.join(","));
    }
}

/// Runs one `users` action as `database`'s login. `Err(CoreError)` is the
/// database's refusal (exit 1) or another failure; usage problems are anyhow errors.
pub async fn run(database: &Database, action: UsersAction) -> anyhow::Result<Result<(), CoreError>> {
    Ok(match action {
        UsersAction::List { json } => match users::list_logins(database).await {
            Ok(logins) => {
                if json {
                    println!("{}", serde_json::to_string_pretty(&logins)?);
                } else {
                    print_logins(&logins);
                }
                Ok(())
            }
            Err(error) => Err(error),
        },
        UsersAction::Add { name, role } => {
            let password = new_password(&name)?;
            let done = users::add_login(database, &name, role.into(), &password).await;
            if done.is_ok() {
                println!("login {name} added as {}", LoginRole::from(role));
            }
            done
        }
        UsersAction::Disable { name } => {
            let done = users::disable_login(database, &name).await;
            if done.is_ok() {
                println!("login {name} disabled");
            }
            done
        }
        UsersAction::Enable { name } => {
            let done = users::enable_login(database, &name).await;
            if done.is_ok() {
                println!("login {name} enabled");
            }
            done
        }
        UsersAction::Role { name, role } => {
            let done = users::set_login_role(database, &name, role.into()).await;
            if done.is_ok() {
                println!("login {name} is now {}", LoginRole::from(role));
            }
            done
        }
        UsersAction::Password { name } => {
            let password = new_password(&name)?;
            let done = users::set_login_password(database, &name, &password).await;
            if done.is_ok() {
                println!("password of {name} changed");
            }
            done
        }
    })
}
