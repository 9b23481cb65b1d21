//! Citizen DB core: data contracts, file readers, offline validation and error
//! reports. The CLI and the desktop app are thin adapters over this crate.

pub mod contract;
pub mod db;
pub mod desktop;
pub mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod grid;
pub mod ops;
pub mod pipeline;
pub mod readers;
pub mod report;
pub mod sample;
pub mod sql;
pub mod strategy;
pub mod validate;

pub use error::{CoreError, ErrorPayload};
