//! Logins managed by an administrator (issue 14): list, add, disable, enable,
//! change the role, set the password, each through the SECURITY DEFINER
//! functions of migrations/0005_users.sql, which decide who may and write the
//! audit entry. A password never leaves this process: its SCRAM-SHA-256
//! verifier is computed here (as libpq's `PQencryptPasswordConn` and psql's
//! `\password` do) and only the verifier is sent.

use crate::db::Database;
use crate::error::CoreError;
use base64::prelude::{Engine as _, BASE64_STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The shortest password accepted for a login.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// SCRAM iterations, as PostgreSQL's default `scram_iterations`.
pub const SCRAM_ITERATIONS: u32 = 4096;
/// Salt bytes, as PostgreSQL's `SCRAM_DEFAULT_SALT_LEN`.
const SCRAM_SALT_LEN: usize = 16;

/// A Citizen DB role a login holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LoginRole {
    Clerk,
    Supervisor,
    Reader,
    Admin,
}

impl LoginRole {
    pub const ALL: [LoginRole; 4] = [LoginRole::Clerk, LoginRole::Supervisor, LoginRole::Reader, LoginRole::Admin];

    /// The short name the database functions take (`clerk`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LoginRole::Clerk => "clerk",
            LoginRole::Supervisor => "supervisor",
            LoginRole::Reader => "reader",
            LoginRole::Admin => "admin",
        }
    }

    /// The role named `name` (`clerk`, ...), if any.
    pub fn parse(name: &str) -> Option<LoginRole> {
        LoginRole::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

impl std::fmt::Display for LoginRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One login as the administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LoginView {
    pub login: String,
    /// The Citizen DB roles it holds (usually one).
    pub roles: Vec<LoginRole>,
    pub can_login: bool,
    /// A demo login made by `db start --demo`.
    pub is_demo: bool,
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> Result<[u8; 32], CoreError> {
    let mut mac = HmacSha256::new_from_slice(key).map_err(|e| CoreError::Internal { message: e.to_string() })?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().into())
}

/// The SCRAM-SHA-256 verifier of `password` with `salt` and `iterations`
/// (RFC 5802/7677 as PostgreSQL stores it):
/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`. The password
/// is normalised with SASLprep when it can be, and used as it is otherwise,
/// as libpq does.
pub fn scram_verifier_with(password: &str, salt: &[u8], iterations: u32) -> Result<String, CoreError> {
    let prepared = stringprep::saslprep(password).map(|p| p.into_owned()).unwrap_or_else(|_| password.to_owned());
    let key = prepared.as_bytes();
    // Hi(password, salt, i): PBKDF2 with HMAC-SHA-256, one block.
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac(key, &first)?;
    let mut salted = u;
    for _ in 1..iterations {
        u = hmac(key, &u)?;
        for (s, b) in salted.iter_mut().zip(u.iter()) {
            *s ^= b;
        }
    }
    let client_key = hmac(&salted, b"Client Key")?;
    let stored_key = Sha256::digest(client_key);
    let server_key = hmac(&salted, b"Server Key")?;
    Ok(format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        BASE64_STANDARD.encode(salt),
        BASE64_STANDARD.encode(stored_key),
        BASE64_STANDARD.encode(server_key)
    ))
}

/// The SCRAM-SHA-256 verifier of `password` with a fresh random salt;
/// refuses a password shorter than `MIN_PASSWORD_CHARS`.
pub fn scram_verifier(password: &str) -> Result<String, CoreError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(CoreError::PasswordTooShort { min: MIN_PASSWORD_CHARS });
    }
    let mut salt = [0u8; SCRAM_SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| CoreError::Internal { message: format!("no random salt: {e}") })?;
    scram_verifier_with(password, &salt, SCRAM_ITERATIONS)
}

/// Every Citizen DB login (administrators only).
pub async fn list_logins(database: &Database) -> Result<Vec<LoginView>, CoreError> {
    let rows: Vec<(String, Vec<String>, bool, bool)> =
        sqlx::query_as("SELECT login, roles, can_login, is_demo FROM meta.list_logins()")
            .fetch_all(&database.pool)
            .await
            .map_err(|e| CoreError::db("listing logins", e))?;
    Ok(rows
        .into_iter()
        .map(|(login, roles, can_login, is_demo)| LoginView {
            login,
            roles: roles.iter().filter_map(|r| LoginRole::parse(r)).collect(),
            can_login,
            is_demo,
        })
        .collect())
}

async fn call(database: &Database, context: &str, sql: &'static str, args: &[&str]) -> Result<(), CoreError> {
    // The one thing the server cannot even receive (a NUL in text); every
    // other check on names is the database's (meta.login_ddl).
    if args.iter().any(|arg| arg.contains('\0')) {
        return Err(CoreError::Refused {
            reason: crate::error::Refusal::LoginInvalid,
            message: "a login name is 1 to 63 lower-case letters, digits or _ and holds no NUL character".to_owned(),
        });
    }
    let mut query = sqlx::query(sql);
    for arg in args {
        query = query.bind(*arg);
    }
    query.execute(&database.pool).await.map(|_| ()).map_err(|e| CoreError::db(context.to_owned(), e))
}

/// Creates `login` with `role` and an initial `password` (hashed here).
pub async fn add_login(database: &Database, login: &str, role: LoginRole, password: &str) -> Result<(), CoreError> {
    let verifier = scram_verifier(password)?;
    call(database, "adding a login", "SELECT meta.add_login($1, $2, $3)", &[login, role.as_str(), &verifier]).await
}

/// Disables `login` (it can no longer sign in; it is never dropped).
pub async fn disable_login(database: &Database, login: &str) -> Result<(), CoreError> {
    call(database, "disabling a login", "SELECT meta.disable_login($1)", &[login]).await
}

/// Lets a disabled `login` sign in again.
pub async fn enable_login(database: &Database, login: &str) -> Result<(), CoreError> {
    call(database, "enabling a login", "SELECT meta.enable_login($1)", &[login]).await
}

/// Gives `login` the one role `role` instead of the ones it holds.
pub async fn set_login_role(database: &Database, login: &str, role: LoginRole) -> Result<(), CoreError> {
    call(database, "changing a login's role", "SELECT meta.set_login_role($1, $2)", &[login, role.as_str()]).await
}

/// Sets the password of `login` (hashed here; the server sees the verifier only).
pub async fn set_login_password(database: &Database, login: &str, password: &str) -> Result<(), CoreError> {
    let verifier = scram_verifier(password)?;
    call(database, "setting a password", "SELECT meta.set_login_password($1, $2)", &[login, &verifier]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_matches_a_postgresql_verifier() {
        // Made by PostgreSQL 15 for the password "correct horse battery"
        // (SET password_encryption = 'scram-sha-256'; CREATE ROLE ...; read from pg_authid).
        let salt = BASE64_STANDARD.decode("hxYrlbB6T7/39WihROUW4g==").unwrap_or_default();
        let ours = scram_verifier_with("correct horse battery", &salt, 4096).unwrap_or_default();
        assert_eq!(ours, POSTGRES_VERIFIER);
    }

    const POSTGRES_VERIFIER: &str = "SCRAM-SHA-256$4096:hxYrlbB6T7/39WihROUW4g==$vA6hqrmPil178KR7PDv8jRwLB3ZGYk17Nt984oaNPwA=:igE5KM7IeYFT0cVwxLPT/IGSgSlhfaM0pBDWNb0O0ho=";

    #[test]
    fn random_salt_and_short_passwords() {
        let a = scram_verifier("long enough").unwrap_or_default();
        let b = scram_verifier("long enough").unwrap_or_default();
        assert!(a.starts_with("SCRAM-SHA-256$4096:"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(matches!(scram_verifier("short"), Err(CoreError::PasswordTooShort { min: 8 })));
    }
}
