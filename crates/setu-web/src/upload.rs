//! Files sent from a form (`multipart/form-data`): read whole within [`UPLOAD_MAX`], split into
//! their parts, and checked by `setu-media` before the store sees them. One reader serves the
//! CSRF check (which needs the form's token) and the handlers (which need the file).

use axum::body::Bytes;
use axum::http::{header, HeaderMap};
use setu_core::attachments::AttachmentForm;
use setu_core::validation::FieldError;
use setu_core::Invalid;
use setu_store::attachments::NewFile;

use crate::error::WebError;

/// The largest body a form with a file may send: the largest file and the form around it.
pub const UPLOAD_MAX: usize = setu_media::MAX_BYTES + 256 * 1024;

/// One part of a form.
#[derive(Debug, Clone)]
pub struct Part {
    /// The field's name.
    pub name: String,
    /// Its content.
    pub bytes: Bytes,
}

/// Whether the request is a form with files.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The parts of a form with files.
pub async fn parts(headers: &HeaderMap, body: Bytes) -> Result<Vec<Part>, WebError> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or(WebError::BadRequest)?;
    let boundary = multer::parse_boundary(kind).map_err(|_| WebError::BadRequest)?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|_| WebError::BadRequest)? {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|_| WebError::BadRequest)?;
        out.push(Part { name, bytes });
    }
    Ok(out)
}

fn refused(field: &'static str, message: &'static str) -> WebError {
    WebError::Invalid(Invalid(vec![FieldError { field, message }]))
}

/// The file of an attachment form (`file`, with `kind` and `label`), checked and cleaned: a
/// photo upright and without its metadata, with its thumbnail. Every mistake is the form's
/// answer on its field.
pub async fn attachment(headers: &HeaderMap, body: Bytes) -> Result<NewFile, WebError> {
    if !is_multipart(headers) {
        return Err(refused("file", "error-attachment-empty"));
    }
    let parts = parts(headers, body).await?;
    let text = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.bytes).into_owned())
            .unwrap_or_default()
    };
    let about = AttachmentForm {
        kind: text("kind"),
        label: text("label"),
    }
    .check();
    let file = parts
        .iter()
        .find(|p| p.name == "file")
        .map(|p| setu_media::clean(&p.bytes));
    let cleaned = match file {
        None => Err(setu_media::Refusal::Empty),
        Some(c) => c,
    };
    match (about, cleaned) {
        (Ok(about), Ok(c)) => Ok(NewFile {
            about,
            mime: c.mime.to_string(),
            bytes: c.bytes,
            thumb: c.thumb,
            width: i64::from(c.width),
            height: i64::from(c.height),
        }),
        (Err(mut inv), Err(r)) => {
            inv.0.push(FieldError {
                field: "file",
                message: r.message(),
            });
            Err(WebError::Invalid(inv))
        }
        (Err(inv), Ok(_)) => Err(WebError::Invalid(inv)),
        (Ok(_), Err(r)) => Err(refused("file", r.message())),
    }
}

/// A file as the browser is given it: never sniffed, nothing in it run, a document downloaded
/// rather than opened in the page (never cached either: every signed-in answer is `no-store`).
pub fn served(mime: String, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let disposition = if mime == "application/pdf" {
        "attachment; filename=\"setu-document.pdf\""
    } else {
        "inline"
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CONTENT_DISPOSITION, disposition.to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}
