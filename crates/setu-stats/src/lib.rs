//! Setu's statistics (issue 17): figures that pages, exports and the command line compute from
//! counts the store returns. Pure: no I/O, no clock; every random draw comes from a seeded
//! generator, so a ranking is the same every time it is made from the same counts.

pub mod areas;
pub mod booths;
pub mod community;
pub mod disclosure;
pub mod gamma;
pub mod kanon;
pub mod referrals;
pub mod release;
pub mod risk;
pub mod rng;
pub mod survivors;
pub mod tables;
pub mod tracing;
