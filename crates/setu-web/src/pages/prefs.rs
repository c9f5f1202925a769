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
    let mut resp = see_other_next(q.next.as_deref());
    let headers = resp.headers_mut();
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            headers.append(SET_COOKIE, v);
        }
    }
    Ok(resp)
}

/// 303 to `next` if it is a path on this site (see [`safe_next`]), else to the home page.
pub(crate) fn see_other_next(next: Option<&str>) -> Response {
    let next = safe_next(next);
    let mut resp = (StatusCode::SEE_OTHER, "").into_response();
    resp.headers_mut().insert(
        LOCATION,
        HeaderValue::from_str(&next).unwrap_or(HeaderValue::from_static("/")),
    );
    resp
}

/// Only a path on this site: no scheme, no `//host`, no backslash tricks, and no control
/// characters or spaces (browsers drop tabs and newlines from a URL, so `/\t/host` would become
/// `//host`; a newline would also break the `Location` header). Capped in length.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &str| {
        n.starts_with('/')
            && !n.starts_with("//")
            && n.len() <= 2_000
            && !n
                .chars()
                .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
    };
    match next {
        Some(n) if ok(n) => n.to_string(),
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
        // Browsers drop tabs and newlines, so these would lead to another host.
        assert_eq!(safe_next(Some("/\t/other-host/")), "/");
        assert_eq!(safe_next(Some("/\n/other-host/")), "/");
        assert_eq!(safe_next(Some("/ /other-host/")), "/");
        assert_eq!(safe_next(Some("/places\r\nSet-Cookie: x=1")), "/");
    }
}
