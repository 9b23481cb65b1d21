//! Operations above the vocabulary: each reads files or writes SQL by using
//! the contract, the readers, the report types, validation and the
//! strategies, and nothing below imports them back.
//!
//! - `apply`: `contracts apply`, registering contracts and creating or
//!   evolving their tables from the strategies' SQL.
//! - `export`: the error report a clerk sends back to a file's sender.
//! - `users`: logins managed by an administrator (SCRAM verifiers computed here).

pub mod apply;
pub mod export;
pub mod users;
