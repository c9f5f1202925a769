//! In-app notifications (a match confirmed for a report one made), with the unread count
//! shown as a badge in every page's header (`Page::unread`).

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::auth::SignedIn;
use crate::error::WebError;
use crate::page::Page;
use crate::templates::{NotificationsPage, RenderHtml};
use crate::AppState;

/// `GET /notifications`: the user's notifications, newest first.
pub async fn notifications(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Html<String>, WebError> {
    let page = page.titled("notifications-title", "notifications");
    let rows = app
        .store
        .notifications(&me.username)
        .await?
        .into_iter()
        .map(|n| {
            let text = page.t(&format!("notification-{}", n.kind));
            let href = match n.kind.as_str() {
                "match-confirmed" => format!("/tracing/reports/{}", n.subject),
                _ => "/".into(),
            };
            (text, href, page.date(&n.created_at), n.read_at.is_none())
        })
        .collect();
    Ok(Html(NotificationsPage { rows, p: &page }.render_html()))
}

/// `POST /notifications/read`: marks them all read.
pub async fn notifications_read(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
) -> Result<Response, WebError> {
    app.store.mark_notifications_read(&me.username).await?;
    Ok(Redirect::to("/notifications").into_response())
}
