//! The NGO forum: shared alerts, the directory of services by place, and the forum's log of
//! meetings and joint actions.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use setu_core::access::Capability;
use setu_core::directory::{AlertForm, ForumEntryForm, ForumEntryKind, Service, ServiceForm};
use setu_core::records::{FieldSpec as F, FieldType as T};
use setu_core::PlaceCode;
use setu_store::audit::Event;
use setu_store::auth::User;
use setu_store::directory::DirectoryFilter;

use crate::auth::SignedIn;
use crate::error::WebError;
use crate::page::Page;
use crate::pages::records::{self, Correctable, Kind, Located};
use crate::pages::{may_write_at, settle};
use crate::templates::{Choice, ForumPage, RenderHtml};
use crate::AppState;

fn today() -> time::Date {
    setu_core::calendar::today_in_nepal()
}

/// Filters of the services directory.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ForumQuery {
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub service: String,
}

/// `GET /forum`
pub async fn page(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<ForumQuery>,
) -> Result<Response, WebError> {
    render(&app, page, &me, q, None, StatusCode::OK).await
}

async fn render(
    app: &AppState,
    page: Page,
    me: &User,
    q: ForumQuery,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = page.titled("forum-title", "forum");
    let alerts = app.store.alerts_for(me.scope, today()).await?;
    let within: PlaceCode = q.place.trim().parse().unwrap_or(PlaceCode::Country);
    let service = Service::parse(&q.service);
    let services = app.store.services(within, service).await?;
    let personal = me.holds(Capability::ReadPersonal);
    let mut log = app.store.forum_entries(me.scope).await?;
    if personal && !log.is_empty() {
        app.store
            .audit(
                &me.actor(),
                &Event::new("view-personal", "forum-log", me.scope.to_string()).fields(&["text"]),
            )
            .await?;
    } else {
        for e in &mut log {
            e.text = page.t("contact-hidden");
        }
    }
    let organisations = app
        .store
        .organisations(&DirectoryFilter::default())
        .await?
        .into_iter()
        .map(|o| Choice {
            value: o.id.to_string(),
            label: page.name(&Some(o.name_en), &o.name_ne),
            selected: false,
        })
        .collect();
    let service_choices = Service::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: page.t(&format!("service-{}", s.as_str())),
            selected: Some(*s) == service,
        })
        .collect();
    let html = ForumPage {
        alerts,
        services,
        log,
        organisations,
        service_choices,
        can_write: me.holds(Capability::WriteForum),
        can_edit: me.holds(Capability::EditDirectory),
        q,
        error,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// Redirects to the forum, or shows it again with the refusal.
async fn again_on_forum(
    app: &AppState,
    page: Page,
    me: &User,
    outcome: Result<String, WebError>,
) -> Result<Response, WebError> {
    settle(page, outcome, |page, r| {
        render(
            app,
            page,
            me,
            ForumQuery::default(),
            Some(r.message),
            r.status,
        )
    })
    .await
}

/// `POST /forum/alerts`
pub async fn post_alert(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<AlertForm>,
) -> Result<Response, WebError> {
    let outcome = async {
        let d = f.check(today())?;
        may_write_at(&me, Capability::WriteForum, d.place, "place")?;
        let by = me.actor();
        app.store
            .post_alert(&by, d.place, &d.title, &d.body, d.expires_on, today())
            .await?;
        Ok("/forum".to_string())
    }
    .await;
    again_on_forum(&app, page, &me, outcome).await
}

/// `POST /forum/services`
pub async fn add_service(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<ServiceForm>,
) -> Result<Response, WebError> {
    let outcome = async {
        let (org, service, place) = f.check()?;
        may_write_at(&me, Capability::EditDirectory, place, "place")?;
        app.store
            .add_service(&me.actor(), org, service, place)
            .await?;
        Ok("/forum".to_string())
    }
    .await;
    again_on_forum(&app, page, &me, outcome).await
}

/// `POST /forum/entries`
pub async fn add_entry(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<ForumEntryForm>,
) -> Result<Response, WebError> {
    let outcome = async {
        let d = f.check(today())?;
        may_write_at(&me, Capability::WriteForum, d.place, "place")?;
        let by = me.actor();
        app.store
            .add_forum_entry(
                &by,
                d.kind,
                d.place,
                d.happened_on,
                &d.text,
                &d.organisations,
            )
            .await?;
        Ok("/forum".to_string())
    }
    .await;
    again_on_forum(&app, page, &me, outcome).await
}

fn forum_parent(page: &Page) -> (String, String) {
    ("/forum".into(), page.t("forum-title"))
}

/// A forum meeting or joint action on the shared log (`/forum/entries/{id}`); its text is
/// sealed (it may name people), so it is corrected by those who read personal data.
#[derive(Debug)]
pub struct Entry;

impl Correctable for Entry {
    const KIND: Kind = Kind {
        entity: "forum-entry",
        table: "forum_entry",
        nav: "forum",
        fields: &[
            F::new(
                "kind",
                "field-kind",
                T::Choice("forum", ForumEntryKind::NAMES),
            )
            .required(),
            F::new("happened_on", "meeting-date", T::Date).required(),
            F::new("text", "forum-entry-text", T::Text(2000))
                .required()
                .sealed(),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteForum,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let place = app
            .store
            .record_text("forum_entry", id, "place_code")
            .await?;
        let address = format!("/forum/entries/{id}");
        records::placed(
            app,
            page,
            place,
            "kind-forum-entry",
            forum_parent(page),
            address,
        )
        .await
    }
}

/// An alert shared with the forum (`/forum/alerts/{id}`): corrected, extended or withdrawn.
#[derive(Debug)]
pub struct Alert;

impl Correctable for Alert {
    const KIND: Kind = Kind {
        entity: "shared-alert",
        table: "shared_alert",
        nav: "forum",
        fields: &[
            F::new("title", "forum-alert-title", T::Text(200)).required(),
            F::new("body", "forum-alert-body", T::Text(2000))
                .required()
                .sealed(),
            F::new("expires_on", "forum-until", T::Date).required(),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteForum,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let place = app
            .store
            .record_text("shared_alert", id, "place_code")
            .await?;
        let address = format!("/forum/alerts/{id}");
        records::placed(
            app,
            page,
            place,
            "kind-shared-alert",
            forum_parent(page),
            address,
        )
        .await
    }

    /// An alert is shared with everyone whose forum lists it.
    async fn shared_with(app: &AppState, me: &User, id: &str) -> Result<bool, WebError> {
        let shown = app.store.alerts_for(me.scope, today()).await?;
        Ok(shown.iter().any(|a| a.id == id))
    }
}
