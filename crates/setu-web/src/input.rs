//! One check on every request's input before any handler, or the sign-in and CSRF checks, see
//! it: no NUL and no other control character (tab, line feed and carriage return apart) in the
//! query string or in a form or JSON body, no single field longer than [`FIELD_MAX`]
//! characters, and a body no larger than the server reads. Forms check their own, tighter,
//! lengths field by field; this bound holds for every field of every form and API call, so no
//! text anywhere is unbounded (a 500,000-character alert title was once stored).
//!
//! **Why here.** PostgreSQL refuses NUL in text, so a NUL typed into any field (the sign-in
//! form, the place search) ended as a 500 deep in the store; and control characters have no
//! place in anything a person types. Checking each field in each form would miss one; checking
//! the request once cannot. The answer is 422 (the field `input`, message
//! `error-control-chars`) in the reader's language, or 413 for an oversized body.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use setu_core::validation::FieldError;
use setu_core::Invalid;

use crate::error::WebError;

/// The most a request body may hold (axum's own default for forms and JSON).
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// The longest any one field may be, in characters (the longest a form allows is 4,000).
pub const FIELD_MAX: usize = 10_000;

/// The middleware: refuses a request whose input holds a control character.
pub async fn refuse_control_characters(req: Request, next: Next) -> Response {
    match checked(req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn checked(req: Request) -> Result<Request, WebError> {
    if let Some(query) = req.uri().query() {
        if form_has_control(query.as_bytes()) {
            return Err(refused());
        }
        if form_too_long(query.as_bytes()) {
            return Err(too_long());
        }
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let (check, long): (Check, Check) = match kind.as_str() {
        "application/x-www-form-urlencoded" => (form_has_control, form_too_long),
        "application/json" => (json_has_control, json_too_long),
        _ => return Ok(req),
    };
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| WebError::TooLarge("error-body-too-large"))?;
    if check(&bytes) {
        return Err(refused());
    }
    if long(&bytes) {
        return Err(too_long());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn refused() -> WebError {
    WebError::Invalid(Invalid(vec![FieldError {
        field: "input",
        message: "error-control-chars",
    }]))
}

/// A test of a body's bytes.
type Check = fn(&[u8]) -> bool;

fn too_long() -> WebError {
    WebError::Invalid(Invalid(vec![FieldError {
        field: "input",
        message: "error-field-too-long",
    }]))
}

/// Whether any value of a URL-encoded form or query is longer than [`FIELD_MAX`].
fn form_too_long(raw: &[u8]) -> bool {
    raw.len() > FIELD_MAX
        && form_urlencoded::parse(raw)
            .any(|(k, v)| k.chars().count() > FIELD_MAX || v.chars().count() > FIELD_MAX)
}

/// Whether any string in a JSON text is longer than [`FIELD_MAX`] (text that is not JSON is
/// left to the handler, which says so).
fn json_too_long(raw: &[u8]) -> bool {
    fn long(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.chars().count() > FIELD_MAX,
            serde_json::Value::Array(a) => a.iter().any(long),
            serde_json::Value::Object(o) => o
                .iter()
                .any(|(k, v)| k.chars().count() > FIELD_MAX || long(v)),
            _ => false,
        }
    }
    raw.len() > FIELD_MAX
        && serde_json::from_slice::<serde_json::Value>(raw).is_ok_and(|v| long(&v))
}

/// A control character a person would not type: C0 other than tab, LF and CR, and DEL.
fn is_control(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}'
}

/// Whether any name or value of a URL-encoded form or query holds a control character (or
/// bytes that are not UTF-8 once decoded, which no handler could read either).
fn form_has_control(raw: &[u8]) -> bool {
    form_urlencoded::parse(raw).any(|(k, v)| {
        k.chars()
            .chain(v.chars())
            .any(|c| is_control(c) || c == '\u{fffd}')
    })
}

/// Whether a JSON text holds a control character, raw or escaped (`\u0000`).
fn json_has_control(raw: &[u8]) -> bool {
    if raw
        .iter()
        .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f)
    {
        return true;
    }
    // `\u00XX` escapes of control characters; a backslash escaped itself (`\\u0000`) is text.
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            if raw.get(i + 1) == Some(&b'u') {
                let hex = raw
                    .get(i + 2..i + 6)
                    .and_then(|h| std::str::from_utf8(h).ok());
                if let Some(c) = hex
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32)
                {
                    if is_control(c) {
                        return true;
                    }
                }
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_in_forms_and_json() {
        assert!(form_has_control(b"q=a%00b"));
        assert!(form_has_control(b"a%01=b"));
        assert!(form_has_control(b"q=%FF"));
        assert!(!form_has_control(b"q=line%0Aand%09tab"));
        assert!(!form_has_control("q=नेपालगञ्ज".as_bytes()));
        assert!(json_has_control(br#"{"a":"x\u0000y"}"#));
        assert!(json_has_control(br#"{"a":"x\u001Fy"}"#));
        assert!(json_has_control(b"{\"a\":\"x\x00y\"}"));
        assert!(!json_has_control(br#"{"a":"x\\u0000y","b":"\n\t"}"#));
        assert!(!json_has_control("{\"a\":\"सुशीला\"}".as_bytes()));
    }
}
