//! Photos and documents on a survivor's case (issue 16, point 12): the list on her page (kind,
//! caption, size; thumbnails of photos), the form to add one, and the files themselves, each
//! opening an audited view, served only to who may read the case and her personal data.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use setu_core::access::Capability;
use setu_store::attachments::Owner;
use setu_store::auth::User;
use setu_store::cases::Case;

use super::{back_to_case, case_for, target};
use crate::auth::{can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::attachments::FileQuery;
use crate::templates::AttachmentView;
use crate::upload::{self, UPLOAD_MAX};
use crate::AppState;

/// The files on her case, and the form to add one.
pub(super) async fn attachment_view(
    app: &AppState,
    page: &Page,
    me: &User,
    case: &Case,
) -> Result<AttachmentView, WebError> {
    let may_write = can(
        me,
        Capability::WriteSurvivorCases,
        Some(&target(case)),
        false,
    );
    let base = format!("/cases/{}", case.id);
    crate::pages::attachments::view(app, page, me, Owner::Case(&case.id), &base, may_write).await
}

/// `POST /cases/{id}/attachments`: a photo or document (multipart), checked and cleaned.
pub async fn add(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, WebError> {
    let case = case_for(&app, &me, &id, Capability::WriteSurvivorCases).await?;
    let outcome = async {
        let bytes = axum::body::to_bytes(body, UPLOAD_MAX)
            .await
            .map_err(|_| WebError::TooLarge("error-attachment-too-large"))?;
        let file = upload::attachment(&headers, bytes).await?;
        app.store
            .add_attachment(&me.actor(), Owner::Case(&id), case.home, &file)
            .await?;
        Ok(())
    }
    .await;
    back_to_case(&app, page, &me, &id, outcome).await
}

/// `GET /cases/{id}/attachments/{att}` (`?size=thumb` for a photo's thumbnail).
pub async fn file(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path((id, att)): Path<(String, String)>,
    Query(q): Query<FileQuery>,
) -> Result<Response, WebError> {
    let case = case_for(&app, &me, &id, Capability::ReadSurvivorCases).await?;
    crate::pages::attachments::serve(&app, &me, Owner::Case(&id), &att, q.thumb(), case.home).await
}
