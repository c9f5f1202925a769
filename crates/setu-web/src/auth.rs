//! Who is asking: the session cookie or an API token, read once per request by the
//! [`authenticate`] middleware, which also enforces CSRF protection on every state-changing
//! request. Handlers ask for a [`SignedIn`] user and call [`allow`], the web side of the one
//! access decision ([`setu_core::access::decide`]).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use setu_core::access::{decide, Capability, Decision, Target};
use setu_store::auth::User;

use crate::error::WebError;
use crate::page::cookie_value;
use crate::resume::Carried;
use crate::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "setu_session";
/// Header an API client or script sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Form field a page sends the CSRF token in.
pub const CSRF_FIELD: &str = "csrf";
/// Largest form body read for the CSRF check.
const FORM_LIMIT: usize = 1 << 20;

/// How the request was authenticated.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Nobody signed in.
    Anonymous,
    /// A browser session: the user, the cookie value and its CSRF token.
    Session {
        /// The user.
        user: Box<User>,
        /// The cookie value (to end the session at logout).
        token: String,
        /// The session's CSRF token.
        csrf: String,
    },
    /// An API token (`Authorization: Bearer …`); no CSRF token needed, nothing ambient.
    Token {
        /// The user.
        user: Box<User>,
    },
}

impl Auth {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&User> {
        match self {
            Auth::Anonymous => None,
            Auth::Session { user, .. } | Auth::Token { user } => Some(user),
        }
    }

    /// The CSRF token forms must carry (empty when not in a session).
    pub fn csrf(&self) -> &str {
        match self {
            Auth::Session { csrf, .. } => csrf,
            _ => "",
        }
    }
}

/// The client's address, for login throttling and the audit trail.
pub fn client_addr(
    req_extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    trusted_proxies: &[std::net::IpAddr],
) -> String {
    let Some(peer) = req_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return "local".into();
    };
    forwarded_client(peer, headers, trusted_proxies).to_string()
}

/// The client behind a chain of trusted proxies: reading `X-Forwarded-For` from the right
/// (each proxy appends the address it received from), the first address that is not a trusted
/// proxy. A peer that is not a trusted proxy is the client, whatever the header says.
fn forwarded_client(
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|a| a.trim().parse().ok())
        .collect();
    hops.into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

/// Middleware: reads the session or token, refuses cross-site and token-less state changes,
/// and leaves an [`Auth`] in the request's extensions.
pub async fn authenticate(State(app): State<AppState>, req: Request, next: Next) -> Response {
    match authenticate_inner(&app, req).await {
        Ok((req, carried)) => {
            let auth = req.extensions().get::<Auth>().cloned();
            let asset = req.uri().path().starts_with("/static/");
            if let Some(Auth::Session { user, .. }) = &auth {
                if confined_to_account(&app, user, req.uri().path()) {
                    let mut resp = Redirect::to("/account").into_response();
                    resp.headers_mut().insert(
                        header::CACHE_CONTROL,
                        header::HeaderValue::from_static("no-store"),
                    );
                    return resp;
                }
            }
            let mut resp = next.run(req).await;
            // What a signed-in user is shown may be personal: a shared booth phone must not keep
            // it in its browser cache after sign-out (assets are the same for everyone).
            if !asset && !matches!(auth, None | Some(Auth::Anonymous)) {
                resp.headers_mut().insert(
                    header::CACHE_CONTROL,
                    header::HeaderValue::from_static("no-store"),
                );
            }
            // Error pages are drawn further out; they need to know who is reading too.
            if let Some(auth) = auth {
                resp.extensions_mut().insert(auth);
            }
            // A form that arrived after its session lapsed goes to the sign-in page with it.
            if let (Some(c), axum::http::StatusCode::UNAUTHORIZED) = (carried, resp.status()) {
                resp.extensions_mut().insert(c);
            }
            resp
        }
        Err(e) => e.into_response(),
    }
}

/// A session that must first put its account in order reaches only the account page, sign-out
/// and the page's assets: one whose password an administrator set (it chooses its own first:
/// the password form only) and, where a deployment requires a second factor of roles that read
/// personal data, one without it (the account page's forms).
fn confined_to_account(app: &AppState, user: &User, path: &str) -> bool {
    let common =
        path == "/account" || path == "/logout" || path == "/prefs" || path.starts_with("/static/");
    if user.must_change_password {
        return !(common || path == "/account/password");
    }
    app.config.auth.require_second_factor
        && user.role.has(Capability::ReadPersonal)
        && !user.second_factor
        && !(common || path.starts_with("/account/"))
}

async fn authenticate_inner(
    app: &AppState,
    req: Request,
) -> Result<(Request, Option<Carried>), WebError> {
    let (mut parts, body) = req.into_parts();
    let auth = identify(app, &parts.headers).await?;
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut carried = None;
    let body = if unsafe_method {
        check_origin(&parts.headers)?;
        match &auth {
            Auth::Session { csrf, .. } => {
                let (body, posted) = check_csrf(&parts.headers, body, csrf).await?;
                if let Some(posted) = posted {
                    parts.extensions.insert(posted);
                }
                body
            }
            // A request carrying a session cookie that did not resolve (expired) must not be
            // treated as anonymous-and-safe either: it simply has no rights; but a form typed
            // in that session is kept for the sign-in that follows.
            Auth::Anonymous => {
                let (body, kept) = keep_lapsed_form(app, &parts, body).await?;
                carried = kept;
                body
            }
            _ => body,
        }
    } else {
        body
    };
    parts.extensions.insert(auth);
    Ok((Request::from_parts(parts, body), carried))
}

/// A page's form posted with a session cookie that has lapsed, holding that session's CSRF
/// token: kept ([`crate::resume`]), and the body put back for the route (which refuses it).
async fn keep_lapsed_form(
    app: &AppState,
    parts: &axum::http::request::Parts,
    body: Body,
) -> Result<(Body, Option<Carried>), WebError> {
    let lapsed = match cookie_value(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
        Some(token) if !parts.uri.path().starts_with("/api/") => {
            app.store.lapsed_session(&token, &app.config.auth).await?
        }
        _ => None,
    };
    let Some((_, csrf)) = lapsed.filter(|_| crate::resume::is_plain_form(&parts.headers)) else {
        return Ok((body, None));
    };
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| WebError::BadRequest)?;
    let action = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    let carried = Carried::of(&action, &bytes, &csrf);
    Ok((Body::from(bytes), carried))
}

async fn identify(app: &AppState, headers: &HeaderMap) -> Result<Auth, WebError> {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return match app.store.api_token_user(bearer.trim()).await? {
            Some(user) => Ok(Auth::Token {
                user: Box::new(user),
            }),
            None => Err(WebError::Unauthenticated),
        };
    }
    if let Some(token) = cookie_value(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
        if let Some(s) = app.store.session(&token, &app.config.auth).await? {
            return Ok(Auth::Session {
                user: Box::new(s.user),
                token,
                csrf: s.csrf_token,
            });
        }
    }
    Ok(Auth::Anonymous)
}

/// A state-changing request from a page of another site is refused outright.
fn check_origin(headers: &HeaderMap) -> Result<(), WebError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin.split("://").nth(1).unwrap_or(origin);
    if origin == "null" || origin_host != host {
        return Err(WebError::CsrfRejected);
    }
    Ok(())
}

/// What a page's form sent, without its CSRF token: kept so that a refused form can be shown
/// again with everything typed ([`crate::pages::settle`]).
#[derive(Debug, Clone, Default)]
pub struct Posted(pub Vec<(String, String)>);

/// The session's CSRF token must come back in the header or in the form; a form's fields are
/// returned too ([`Posted`]).
async fn check_csrf(
    headers: &HeaderMap,
    body: Body,
    expected: &str,
) -> Result<(Body, Option<Posted>), WebError> {
    if let Some(sent) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(sent, expected) {
            Ok((body, None))
        } else {
            Err(WebError::CsrfRejected)
        };
    }
    // A form with a file: its token is one of its parts. The body is read whole (within the
    // upload limit) and handed on as it came.
    if crate::upload::is_multipart(headers) {
        let bytes = axum::body::to_bytes(body, crate::upload::UPLOAD_MAX)
            .await
            .map_err(|_| WebError::TooLarge("error-attachment-too-large"))?;
        let parts = crate::upload::parts(headers, bytes.clone()).await?;
        let sent = parts
            .iter()
            .find(|p| p.name == CSRF_FIELD)
            .map(|p| String::from_utf8_lossy(&p.bytes).into_owned())
            .unwrap_or_default();
        return if constant_time_eq(&sent, expected) {
            Ok((Body::from(bytes), None))
        } else {
            Err(WebError::CsrfRejected)
        };
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(WebError::CsrfRejected);
    }
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| WebError::BadRequest)?;
    let mut sent = String::new();
    let mut posted = Vec::new();
    for (k, v) in form_urlencoded::parse(&bytes) {
        if k == CSRF_FIELD {
            sent = v.into_owned();
        } else {
            posted.push((k.into_owned(), v.into_owned()));
        }
    }
    if constant_time_eq(&sent, expected) {
        Ok((Body::from(bytes), Some(Posted(posted))))
    } else {
        Err(WebError::CsrfRejected)
    }
}

pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The signed-in user. Without one, pages redirect to the login page and the API answers 401.
#[derive(Debug, Clone)]
pub struct SignedIn(pub User);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<SignedIn, WebError> {
        parts
            .extensions
            .get::<Auth>()
            .and_then(Auth::user)
            .cloned()
            .map(SignedIn)
            .ok_or(WebError::Unauthenticated)
    }
}

/// The web side of the one access decision: 403 when the role lacks the capability, 404
/// when the record lies outside the user's scope (revealing nothing about it).
pub fn allow(
    user: &User,
    cap: Capability,
    target: Option<&Target>,
    glass: bool,
) -> Result<(), WebError> {
    match decide(&user.principal(), cap, target, glass) {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(WebError::Forbidden),
        Decision::OutOfScope => Err(WebError::NotFound),
    }
}

/// Whether the decision would allow (for showing or hiding a button).
pub fn can(user: &User, cap: Capability, target: Option<&Target>, glass: bool) -> bool {
    allow(user, cap, target, glass).is_ok()
}

#[cfg(test)]
mod forwarded_tests {
    use super::*;

    #[test]
    fn only_trusted_proxies_are_believed() {
        let proxy: std::net::IpAddr = "10.0.0.1"
            .parse()
            .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            header::HeaderValue::from_static("198.51.100.9, 203.0.113.5"),
        );
        let client = |peer: &str, trusted: &[std::net::IpAddr]| {
            forwarded_client(peer.parse().unwrap_or(proxy), &headers, trusted).to_string()
        };
        // Behind the trusted proxy: the address the proxy saw (the right-most).
        assert_eq!(client("10.0.0.1", &[proxy]), "203.0.113.5");
        // Not a trusted proxy: the peer, whatever it wrote in the header.
        assert_eq!(client("192.0.2.7", &[proxy]), "192.0.2.7");
        assert_eq!(client("10.0.0.1", &[]), "10.0.0.1");
    }
}
