//! Server-rendered pages. Each works without JavaScript.

pub mod admin;
pub mod audit;
pub mod committees;
pub mod directory;
pub mod engagement;
pub mod forum;
pub mod home;
pub mod indicators;
pub mod inputs;
pub mod login;
pub mod parents;
pub mod places;
pub mod prefs;
pub mod youth;
