//! Setu's vocabulary, shared by every other crate.
//!
//! Everything here is pure: no database, no network, no files read at run time. The types
//! carry the rules of the domain (what a place code looks like, how a Bikram Sambat date maps
//! to an ISO date, which fiscal year a day falls in, how Nepali numbers are written) so that
//! the storage and web layers cannot get them wrong on their own.

#[macro_use]
mod macros;

pub mod access;
pub mod attachments;
pub mod booths;
pub mod calendar;
pub mod cases;
pub mod committees;
pub mod community;
pub mod directory;
pub mod geo;
pub mod justice;
pub mod lang;
pub mod numbers;
pub mod password;
pub mod records;
pub mod risk;
pub mod sheet;
pub mod survey;
pub mod tracing;
pub mod validation;
pub mod wards;

pub use calendar::{BsDate, CalendarError, FiscalYear};
pub use geo::{Gazetteer, LocalLevelType, PlaceCode};
pub use lang::{Digits, Lang};
pub use validation::{FieldError, Invalid};
