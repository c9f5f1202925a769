//! Server-rendered pages. Each works without JavaScript.

pub mod directory;
pub mod home;
pub mod places;
pub mod prefs;
