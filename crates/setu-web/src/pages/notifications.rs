//! In-app notifications (a match confirmed for a report one made, a possible match to review,
//! an alert at a booth), with the unread count shown as a badge in every page's header
//! (`Page::unread`). Alerts of a possible match are also shown on the capture page and given to
//! the phone after a sync (`GET /api/v1/alerts`), worded the same way everywhere.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use serde::Serialize;
use setu_store::matching::Notification;

use crate::auth::SignedIn;
use crate::error::WebError;
use crate::page::Page;
use crate::templates::{NotificationsPage, RenderHtml};
use crate::AppState;

/// A notification as a person reads it.
#[derive(Debug, Clone, Serialize)]
pub struct Told {
    /// What happened and what to do, in the reader's language.
    pub text: String,
    /// Where to look (a page the reader may open).
    pub href: String,
    /// When, as the reader reads dates.
    pub day: String,
    /// Not yet marked read.
    pub unread: bool,
    /// The committee's number to call, as shown (reader's digits) and as dialled.
    pub phone: Option<(String, String)>,
}

/// Words a notification for `page`'s reader. An alert names the committee to call and its
/// number, never anything of the report.
pub fn told(page: &Page, n: &Notification) -> Told {
    let text = match (n.kind.as_str(), &n.contact) {
        ("match-alert", Some(c)) => {
            let place = page.name(&c.place_en, &c.place_ne);
            let committee = page.t1(&format!("alert-committee-{}", c.kind), "place", &place);
            page.t1("notification-match-alert", "committee", &committee)
        }
        ("match-alert", None) => page.t("notification-match-alert-nobody"),
        (kind, _) => page.t(&format!("notification-{kind}")),
    };
    let href = match n.subject_kind.as_str() {
        "report" => format!("/tracing/reports/{}", n.subject),
        "proposal" => format!("/tracing/matches/{}", n.subject),
        "screening" => format!("/screenings/{}", n.subject),
        "encounter" => format!("/tracing/encounters/{}", n.subject),
        // A declined transfer leaves the case with the sender; an offer is read by the receiver.
        "case" => format!("/cases/{}", n.subject),
        _ => "/notifications".into(),
    };
    let phone = n
        .contact
        .as_ref()
        .and_then(|c| c.phone.clone())
        .map(|ph| (page.digits(&ph), ph));
    Told {
        text,
        href,
        day: page.date(&n.created_at),
        unread: n.read_at.is_none(),
        phone,
    }
}

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
        .iter()
        .map(|n| told(&page, n))
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

/// What `GET /api/v1/alerts` answers.
#[derive(Debug, Serialize)]
pub struct Alerts {
    /// Unread alerts of a possible match, newest first, worded for the caller.
    pub alerts: Vec<Told>,
}

/// `GET /api/v1/alerts`: the caller's unread alerts of a possible match. The capture page asks
/// for them for a while after each sync, since matching runs after the sync has answered.
pub async fn alerts_api(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Json<Alerts>, WebError> {
    let alerts = app
        .store
        .unread_alerts(&me.username)
        .await?
        .iter()
        .map(|n| told(&page, n))
        .collect();
    Ok(Json(Alerts { alerts }))
}
