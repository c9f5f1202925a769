//! The web layer's one error type, and the one place where errors become HTTP responses:
//! a page in the reader's language for the browser, a stable JSON shape under `/api/`.
//! Neither ever shows internals; the log gets what an operator needs, without personal data.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use setu_core::validation::Invalid;
use setu_store::StoreError;

use crate::page::{Page, Prefs};
use crate::templates::RenderHtml;
use crate::AppState;

/// What went wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No such page or record.
    #[error("not found")]
    NotFound,
    /// The request could not be read (a malformed id, query or form).
    #[error("bad request")]
    BadRequest,
    /// The input was read but is not acceptable.
    #[error("invalid input")]
    Invalid(Invalid),
    /// The record changed since the version the edit was based on.
    #[error("edit conflict")]
    Conflict,
    /// Nobody is signed in (pages redirect to the login page; the API answers 401).
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but the role lacks the capability.
    #[error("forbidden")]
    Forbidden,
    /// A state-changing request without the session's CSRF token, or from another site.
    #[error("CSRF check failed")]
    CsrfRejected,
    /// The database cannot be reached.
    #[error("database unavailable")]
    Unavailable,
    /// More is being written than the server can store now: the client tries again after the
    /// `Retry-After` seconds the answer carries.
    #[error("busy")]
    Busy,
    /// The request is larger than allowed (a sync batch of too many records); the message id
    /// says what the limit is.
    #[error("too large")]
    TooLarge(&'static str),
    /// A bug or an unexpected failure; the detail goes to the log only.
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> WebError {
        match e {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Conflict { .. } => WebError::Conflict,
            StoreError::Rejected(m) => {
                WebError::Invalid(Invalid(vec![setu_core::validation::FieldError {
                    field: "",
                    message: m,
                }]))
            }
            // A form named a place or record that does not exist: the form says so.
            StoreError::UnknownReference(what) => {
                WebError::Invalid(Invalid(vec![setu_core::validation::FieldError {
                    field: what,
                    message: match what {
                        "place" => "error-unknown-place",
                        "organisation" => "error-unknown-organisation",
                        _ => "error-scope-unknown",
                    },
                }]))
            }
            StoreError::Busy => WebError::Busy,
            e if e.is_unavailable() => WebError::Unavailable,
            other => WebError::Internal(other.log_safe()),
        }
    }
}

impl From<Invalid> for WebError {
    fn from(inv: Invalid) -> WebError {
        WebError::Invalid(inv)
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> WebError {
        WebError::Internal(format!("template: {e}"))
    }
}

/// Marks a response as an error for [`localize_errors`] to render.
#[derive(Debug, Clone)]
struct ErrorBody {
    code: &'static str,
    fields: Vec<FieldJson>,
}

#[derive(Debug, Clone, Serialize)]
struct FieldJson {
    field: &'static str,
    message: String,
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest => StatusCode::BAD_REQUEST,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict => StatusCode::CONFLICT,
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden | WebError::CsrfRejected => StatusCode::FORBIDDEN,
            WebError::Unavailable | WebError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code of the JSON error shape.
    fn code(&self) -> &'static str {
        match self {
            WebError::NotFound => "not-found",
            WebError::BadRequest => "bad-request",
            WebError::Invalid(_) => "invalid",
            WebError::Conflict => "conflict",
            WebError::Unauthenticated => "unauthenticated",
            WebError::Forbidden => "forbidden",
            WebError::CsrfRejected => "csrf",
            WebError::Unavailable => "unavailable",
            WebError::Busy => "busy",
            WebError::TooLarge(_) => "too-large",
            WebError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            WebError::Internal(detail) => tracing::error!(%detail, "request failed"),
            WebError::Unavailable => tracing::warn!("database unavailable"),
            _ => {}
        }
        let fields = match &self {
            WebError::Invalid(inv) => inv
                .0
                .iter()
                .map(|f| FieldJson {
                    field: f.field,
                    message: f.message.to_string(),
                })
                .collect(),
            WebError::TooLarge(message) => vec![FieldJson {
                field: "records",
                message: (*message).to_string(),
            }],
            _ => Vec::new(),
        };
        let mut resp = (status, status.canonical_reason().unwrap_or("error")).into_response();
        if matches!(self, WebError::Busy | WebError::Unavailable) {
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(RETRY_AFTER_SECONDS),
            );
        }
        resp.extensions_mut().insert(ErrorBody {
            code: self.code(),
            fields,
        });
        resp
    }
}

/// Seconds a client is asked to wait before trying again when the server is busy.
pub const RETRY_AFTER_SECONDS: u32 = 2;

/// The panic handler's answer: a plain 500 that [`localize_errors`] dresses.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    WebError::Internal("a request handler panicked".into()).into_response()
}

/// Middleware: turns every error response into the reader's language (HTML) or the stable
/// JSON shape (under `/api/`).
pub async fn localize_errors(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let prefs = Prefs::from_headers(req.headers());
    let api = req.uri().path().starts_with("/api/");
    let here = req.uri().path().to_string();
    let here_full = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let posted = !matches!(req.method(), &Method::GET | &Method::HEAD);
    let form_page = crate::resume::page_of_form(req.headers());
    let resp = next.run(req).await;
    let Some(body) = resp.extensions().get::<ErrorBody>().cloned() else {
        return resp;
    };
    let retry_after = resp.headers().get(header::RETRY_AFTER).cloned();
    let status = resp.status();
    if status == StatusCode::UNAUTHORIZED && !api {
        // A form whose session lapsed: sign in again on the spot, the form kept.
        if let Some(carried) = resp.extensions().get::<crate::resume::Carried>() {
            let page = Page::new(app, prefs, here);
            return crate::pages::login::carrying(&page, &form_page, carried);
        }
        // Never lead back to an address that only takes forms: to the form's page instead.
        let back = if posted { form_page } else { here_full };
        let next: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
        return axum::response::Redirect::to(&format!("/login?next={next}")).into_response();
    }
    let mut page = Page::new(app, prefs, here);
    if let Some(auth) = resp.extensions().get::<crate::auth::Auth>() {
        page.auth = auth.clone();
    }
    let (title_id, text_id) = match status.as_u16() {
        404 => ("error-404-title", "error-404-body"),
        401 => ("error-401-title", "error-401-body"),
        403 if body.code == "csrf" => ("error-csrf-title", "error-csrf-body"),
        403 => ("error-403-title", "error-403-body"),
        400 | 409 | 422 => ("error-400-title", "error-400-body"),
        413 => ("error-413-title", "error-413-body"),
        503 if body.code == "busy" => ("error-busy-title", "error-busy-body"),
        503 => ("error-503-title", "error-503-body"),
        _ => ("error-500-title", "error-500-body"),
    };
    if api {
        let fields: Vec<FieldJson> = body
            .fields
            .into_iter()
            .map(|f| FieldJson {
                field: f.field,
                message: page.t(&f.message),
            })
            .collect();
        let json = serde_json::json!({
            "error": {
                "status": status.as_u16(),
                "code": body.code,
                "message": page.t(title_id),
                "detail": page.t(text_id),
                "fields": fields,
            }
        });
        let mut out = (status, axum::Json(json)).into_response();
        if let Some(v) = retry_after {
            out.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return out;
    }
    let title = page.t(title_id);
    let page = page.with_title(title, "");
    // What was wrong, when the error says (a form's own page shows it by the field instead).
    let text = std::iter::once(page.t(text_id))
        .chain(body.fields.iter().map(|f| page.t(&f.message)))
        .collect::<Vec<_>>()
        .join(" ");
    let html = crate::templates::ErrorPage {
        p: &page,
        text: &text,
    }
    .render_html();
    let mut out = (status, Html(html)).into_response();
    out.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    if let Some(v) = retry_after {
        out.headers_mut().insert(header::RETRY_AFTER, v);
    }
    out
}
