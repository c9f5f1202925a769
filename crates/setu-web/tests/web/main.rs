//! The web application in-process, on every engine under test: one test binary, a module per
//! feature around the shared support module.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod support;

mod access;
mod accounts;
mod booths;
mod cases;
mod committees;
mod community;
mod directory;
mod pages;
mod statistics;
mod tracing;
mod wards;
