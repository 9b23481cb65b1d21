//! Citizen DB core: data contracts, file readers, offline validation and error
//! reports. The CLI and the desktop app are thin adapters over this crate.

pub mod contract;
pub mod error;
pub mod readers;
pub mod report;
pub mod validate;

pub use error::{CoreError, ErrorPayload};
