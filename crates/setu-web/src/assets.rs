//! Static files (stylesheet, script, icon), compiled into the binary: a page needs nothing
//! from any other server.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::error::WebError;

const FILES: &[(&str, &str, &str)] = &[
    (
        "setu.css",
        "text/css; charset=utf-8",
        include_str!("../static/setu.css"),
    ),
    (
        "setu.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/setu.js"),
    ),
    (
        "offline.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/offline.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../static/favicon.svg"),
    ),
];

/// `GET /static/{name}`
pub async fn file(Path(name): Path<String>) -> Result<Response, WebError> {
    let (_, mime, body) = FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (CONTENT_TYPE, *mime),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        *body,
    )
        .into_response())
}
