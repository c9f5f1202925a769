//! `GET /prefs?lang=ne&next=/places`: remembers a display preference in a cookie and goes
//! back. A plain link, so the switch works without JavaScript; it changes no data.

use axum::extract::Query;
use axum::http::header::{HeaderValue, LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use setu_core::{Digits, Lang};

use crate::error::WebError;
use crate::page::{AD_COOKIE, DIGITS_COOKIE, LANG_COOKIE};

/// The query of `/prefs`.
#[derive(Debug, Deserialize)]
pub struct PrefsQuery {
    lang: Option<String>,
    digits: Option<String>,
    ad: Option<String>,
    next: Option<String>,
}

/// One year: a preference should outlive the session.
const MAX_AGE: &str = "Max-Age=31536000; Path=/; SameSite=Lax; HttpOnly";

/// `GET /prefs`
pub async fn set_prefs(Query(q): Query<PrefsQuery>) -> Result<Response, WebError> {
    let mut cookies = Vec::new();
    if let Some(l) = q.lang.as_deref() {
        let lang = Lang::parse(l).ok_or(WebError::BadRequest)?;
        cookies.push(format!("{LANG_COOKIE}={}; {MAX_AGE}", lang.code()));
        // A new language starts with its own digits.
        cookies.push(format!("{DIGITS_COOKIE}=; Max-Age=0; Path=/"));
    }
    if let Some(d) = q.digits.as_deref() {
        let digits = Digits::parse(d).ok_or(WebError::BadRequest)?;
        cookies.push(format!("{DIGITS_COOKIE}={}; {MAX_AGE}", digits.code()));
    }
    if let Some(a) = q.ad.as_deref() {
        let on = match a {
            "1" => "1",
            "0" => "0",
            _ => return Err(WebError::BadRequest),
        };
        cookies.push(format!("{AD_COOKIE}={on}; {MAX_AGE}"));
    }
    let next = safe_next(q.next.as_deref());
    let mut resp = (StatusCode::SEE_OTHER, "").into_response();
    let headers = resp.headers_mut();
    headers.insert(
        LOCATION,
        HeaderValue::from_str(&next).unwrap_or(HeaderValue::from_static("/")),
    );
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            headers.append(SET_COOKIE, v);
        }
    }
    Ok(resp)
}

/// Only a path on this site: no scheme, no `//host`, no backslash tricks.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        use super::safe_next;
        assert_eq!(safe_next(Some("/places/511?x=1")), "/places/511?x=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
