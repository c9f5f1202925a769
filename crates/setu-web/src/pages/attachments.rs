//! Photos and documents on records, as every page shows them (issue 16, point 12): the list
//! of a record's files, the form's choices, and a file served to a reader who may see the
//! record and personal data. The pages of cases and of missing-person reports decide first
//! whether the reader may see the record at all.

use axum::response::Response;
use setu_core::access::Capability;
use setu_core::attachments::AttachmentKind;
use setu_core::PlaceCode;
use setu_store::attachments::Owner;
use setu_store::auth::User;
use setu_store::sealing::Reveal;

use crate::error::WebError;
use crate::page::Page;
use crate::pages::choices;
use crate::templates::{AttachmentRow, AttachmentView};
use crate::AppState;

/// The files on a record as a page lists them (`base`: the record's path).
pub(crate) async fn rows(
    app: &AppState,
    page: &Page,
    me: &User,
    owner: Owner<'_>,
    base: &str,
) -> Result<Vec<AttachmentRow>, WebError> {
    let actor = me.actor();
    Ok(app
        .store
        .attachments(owner, Reveal::To(&actor))
        .await?
        .into_iter()
        .map(|a| AttachmentRow {
            kind: page.t(&format!("attachment-kind-{}", a.kind.as_str())),
            label: a.label.unwrap_or_default(),
            size: page.t1(
                "attachment-size",
                "kb",
                &page.num(&((a.size + 1023) / 1024)),
            ),
            added: page.date(&a.created_at),
            href: format!("{base}/attachments/{}", a.id),
            thumb: a
                .has_thumb
                .then(|| format!("{base}/attachments/{}?size=thumb", a.id)),
        })
        .collect())
}

/// Which size of a file to open: `?size=thumb` for a photo's thumbnail, else the file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct FileQuery {
    size: String,
}

impl FileQuery {
    /// Whether the thumbnail is asked for.
    pub fn thumb(&self) -> bool {
        self.size == "thumb"
    }
}

/// The files on a record and the form to add one (`base`: the record's path); nothing of them
/// without read-personal.
pub(crate) async fn view(
    app: &AppState,
    page: &Page,
    me: &User,
    owner: Owner<'_>,
    base: &str,
    may_write: bool,
) -> Result<AttachmentView, WebError> {
    let reads = me.holds(Capability::ReadPersonal);
    Ok(AttachmentView {
        // Without read-personal nothing of a file opens: the list would only tease.
        rows: if reads {
            rows(app, page, me, owner, base).await?
        } else {
            Vec::new()
        },
        kinds: choices(
            page,
            AttachmentKind::ALL.iter().map(|k| k.as_str()),
            "attachment-kind-",
            "photo",
        ),
        action: format!("{base}/attachments"),
        may_write: may_write && reads,
    })
}

/// One file (or its thumbnail) of a record the reader may see, opened in an audited view.
pub(crate) async fn serve(
    app: &AppState,
    me: &User,
    owner: Owner<'_>,
    att: &str,
    thumb: bool,
    place: Option<PlaceCode>,
) -> Result<Response, WebError> {
    if !me.holds(Capability::ReadPersonal) {
        return Err(WebError::Forbidden);
    }
    let (mime, bytes) = app
        .store
        .attachment_file(owner, att, thumb, &me.actor(), place)
        .await?;
    Ok(crate::upload::served(mime, bytes))
}
