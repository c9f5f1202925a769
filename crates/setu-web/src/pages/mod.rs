//! Server-rendered pages. Each works without JavaScript.

pub mod admin;
pub mod audit;
pub mod booths;
pub mod committees;
pub mod directory;
pub mod engagement;
pub mod forum;
pub mod handovers;
pub mod home;
pub mod indicators;
pub mod inputs;
pub mod login;
pub mod parents;
pub mod places;
pub mod prefs;
pub mod risk;
pub mod youth;

use axum::http::StatusCode;
use setu_store::StoreError;

use crate::error::WebError;

/// A store refusal as the message to show on the form and its status; any other failure is an
/// error for the error pages. Every form handler answers refusals through this one mapping.
pub(crate) fn refusal(e: StoreError) -> Result<(&'static str, StatusCode), WebError> {
    match e {
        StoreError::Rejected(m) => Ok((m, StatusCode::UNPROCESSABLE_ENTITY)),
        StoreError::UnknownReference("place") => {
            Ok(("error-unknown-place", StatusCode::UNPROCESSABLE_ENTITY))
        }
        StoreError::UnknownReference("organisation") => Ok((
            "error-unknown-organisation",
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        StoreError::UnknownReference(_) => {
            Ok(("error-scope-unknown", StatusCode::UNPROCESSABLE_ENTITY))
        }
        StoreError::Conflict { .. } => Ok(("form-conflict", StatusCode::CONFLICT)),
        other => Err(other.into()),
    }
}
