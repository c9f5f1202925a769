//! Youth ambassadors: growth by year, the succession warning, the registry, and engagement
//! events, with the forms to register an ambassador, change their standing and record an event.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use setu_core::access::{Capability, Target};
use setu_core::community::{
    AmbassadorForm, EventType, Participants, Sex, YouthStatus, SUCCESSION_THRESHOLD,
};
use setu_core::records::{FieldSpec as F, FieldType as T};
use setu_core::PlaceCode;
use setu_store::auth::User;
use setu_store::sealing::Reveal;
use setu_store::youth::EventDraft;
use setu_store::StoreError;

use crate::auth::{allow, can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::inputs::{bs_date, AreaQuery};
use crate::pages::records::{self, Correctable, Kind, Located};
use crate::pages::refusal;
use crate::templates::{Choice, RenderHtml, TrendBar, YouthPage};
use crate::AppState;

/// The first year of the programme's youth work.
const FIRST_YEAR: i32 = 2020;

fn today() -> time::Date {
    setu_core::calendar::today_in_nepal()
}

/// `GET /youth[?place=…]`
pub async fn page(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(area): Query<AreaQuery>,
    Query(at): Query<YouthPages>,
) -> Result<Response, WebError> {
    let period = area.period(today()).map_err(|_| WebError::BadRequest)?;
    let view = View {
        scope: area.scope(me.scope),
        between: Some((period.from, period.until)),
        area,
        at,
    };
    render(&app, page, &me, view, None, StatusCode::OK).await
}

/// Where the youth page's two lists start (keyset paging).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct YouthPages {
    /// The ambassador the registry's page starts after.
    pub ambassadors_after: String,
    /// The event the events' page starts after.
    pub events_after: String,
}

/// What the youth page shows: where, which period, which pages of its lists.
struct View {
    scope: setu_core::access::Scope,
    between: Option<(time::Date, time::Date)>,
    area: AreaQuery,
    at: YouthPages,
}

impl View {
    /// The page's address with one list moved on to start after `after`.
    fn moved(&self, list: &str, after: Option<&str>) -> String {
        let mut url = form_urlencoded::Serializer::new(String::new());
        url.append_pair("place", &self.area.place)
            .append_pair("fy", &self.area.fy);
        let other = match list {
            "ambassadors_after" => ("events_after", &self.at.events_after),
            _ => ("ambassadors_after", &self.at.ambassadors_after),
        };
        if !other.1.is_empty() {
            url.append_pair(other.0, other.1);
        }
        if let Some(a) = after {
            url.append_pair(list, a);
        }
        format!("/youth?{}", url.finish())
    }
}

async fn render(
    app: &AppState,
    page: Page,
    me: &User,
    view: View,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (scope, between) = (view.scope, view.between);
    let page = page.titled("youth-title", "youth");
    let personal = me.holds(Capability::ReadPersonal);
    let actor = me.actor();
    let reveal = if personal {
        Reveal::To(&actor)
    } else {
        Reveal::No
    };
    let a_after = Some(view.at.ambassadors_after.as_str()).filter(|a| !a.is_empty());
    let ambassadors = app
        .store
        .ambassador_page(scope, a_after, reveal, today())
        .await?;
    let growth = app.store.youth_growth(scope, FIRST_YEAR, today()).await?;
    let max = growth.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let bars = growth
        .iter()
        .enumerate()
        .map(|(i, (year, n))| TrendBar {
            x: i64::try_from(i).unwrap_or(0) * 60 + 30,
            label: page.digits(&year.to_string()),
            total_h: n * 100 / max,
            own_h: 0,
            share: page.num(n),
        })
        .collect();
    let mut warnings = Vec::new();
    for (ll, active) in app
        .store
        .youth_succession(scope, SUCCESSION_THRESHOLD, today())
        .await?
    {
        let name = app
            .store
            .place(ll)
            .await?
            .map(|p| page.place_name(&p))
            .unwrap_or_default();
        warnings.push(page.t1(
            "youth-succession-warning",
            "place",
            &format!("{name} ({})", page.num(&active)),
        ));
    }
    let e_after = Some(view.at.events_after.as_str()).filter(|a| !a.is_empty());
    let (events, all_events) = app.store.youth_events(scope, e_after).await?;
    // Events in the period asked for (all of them without one), as the indicators count.
    let event_count = match between {
        Some((from, until)) => app
            .store
            .youth_event_counts(scope, from, until)
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum(),
        None => all_events,
    };
    let groups = app.store.youth_groups(scope).await?;
    let sexes = Sex::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: page.t(&format!("sex-{}", s.as_str())),
            selected: false,
        })
        .collect();
    let types = EventType::ALL
        .iter()
        .map(|t| Choice {
            value: t.as_str().into(),
            label: page.t(&format!("event-{}", t.as_str())),
            selected: false,
        })
        .collect();
    let statuses = YouthStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: page.t(&format!("youth-status-{}", s.as_str())),
            selected: false,
        })
        .collect();
    // Active today: the last point of the growth line (the registry is shown a page at a time).
    let active = growth.last().map_or(0, |(_, n)| *n);
    let html = YouthPage {
        active: page.num(&active),
        ambassadors_next: ambassadors
            .next
            .as_deref()
            .map(|a| view.moved("ambassadors_after", Some(a))),
        ambassadors_first: a_after.map(|_| view.moved("ambassadors_after", None)),
        events_next: events
            .next
            .as_deref()
            .map(|a| view.moved("events_after", Some(a))),
        events_first: e_after.map(|_| view.moved("events_after", None)),
        event_count: page.num(&event_count),
        can_write: me.holds(Capability::WriteYouth),
        threshold: page.num(&SUCCESSION_THRESHOLD),
        ambassadors: ambassadors.rows,
        groups,
        bars,
        warnings,
        events: events.rows,
        sexes,
        types,
        statuses,
        error,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// Reads a ward code and checks it lies in the user's scope for writing.
fn ward_in_scope(me: &User, raw: &str) -> Result<PlaceCode, &'static str> {
    let ward: PlaceCode = raw.trim().parse().map_err(|_| "error-ward-code")?;
    if !matches!(ward, PlaceCode::Ward { .. }) {
        return Err("error-ward-code");
    }
    writable(me, ward).map(|()| ward)
}

/// Whether `me` may write youth records in `ward`.
fn writable(me: &User, ward: PlaceCode) -> Result<(), &'static str> {
    let target = Target {
        place: Some(ward),
        ..Default::default()
    };
    if can(me, Capability::WriteYouth, Some(&target), false) {
        Ok(())
    } else {
        Err("error-place-out-of-scope")
    }
}

async fn after(
    app: &AppState,
    page: Page,
    me: &User,
    result: Result<(), StoreError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(Redirect::to("/youth").into_response()),
        Err(e) => {
            let (m, status) = refusal(e)?;
            let msg = page.t(m);
            refused(app, page, me, msg, status).await
        }
    }
}

/// The youth page again, with what was refused.
async fn refused(
    app: &AppState,
    page: Page,
    me: &User,
    msg: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let view = View {
        scope: me.scope,
        between: None,
        area: AreaQuery::default(),
        at: YouthPages::default(),
    };
    render(app, page, me, view, Some(msg), status).await
}

/// `POST /youth/ambassadors`
pub async fn add(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<AmbassadorForm>,
) -> Result<Response, WebError> {
    let result = match f.check() {
        Ok(d) => match writable(&me, d.ward) {
            Ok(()) => app.store.add_ambassador(&me.actor(), &d).await.map(|_| ()),
            Err(m) => Err(StoreError::Rejected(m)),
        },
        Err(inv) => {
            let msg = crate::pages::invalid_message(&page, &inv);
            return refused(&app, page, &me, msg, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    after(&app, page, &me, result).await
}

/// The standing form.
#[derive(Debug, Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    since: String,
}

/// `POST /youth/ambassadors/{id}/status`
pub async fn set_status(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Result<Response, WebError> {
    let a = app.store.ambassador(&id, today()).await?;
    allow(&me, Capability::WriteYouth, Some(&a.target()), false)?;
    let checked = (|| {
        let status = YouthStatus::parse(&f.status).ok_or("error-choose-one")?;
        let since = bs_date(&f.since)?.unwrap_or_else(today);
        Ok((status, since))
    })();
    let result = match checked {
        Ok((status, since)) => {
            app.store
                .set_ambassador_status(&me.actor(), &id, status, since)
                .await
        }
        Err(m) => Err(StoreError::Rejected(m)),
    };
    after(&app, page, &me, result).await
}

/// The event form: participants by sex (female, male, other) × under 18 / 18 and over.
#[derive(Debug, Deserialize, Default)]
pub struct EventForm {
    #[serde(default)]
    ward: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    female_u18: String,
    #[serde(default)]
    male_u18: String,
    #[serde(default)]
    other_u18: String,
    #[serde(default)]
    female_18: String,
    #[serde(default)]
    male_18: String,
    #[serde(default)]
    other_18: String,
    #[serde(default)]
    outcome: String,
}

/// `POST /youth/events`
pub async fn record_event(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<EventForm>,
) -> Result<Response, WebError> {
    let count = |s: &str| -> Result<i64, &'static str> {
        crate::pages::inputs::rupees(s).map_err(|_| "error-count")
    };
    let checked = (|| {
        let ward = ward_in_scope(&me, &f.ward)?;
        let held_on = bs_date(&f.held_on)?.ok_or("error-required")?;
        if held_on > today() {
            return Err("error-date-future");
        }
        let event_type = EventType::parse(&f.event_type).ok_or("error-choose-one")?;
        let participants = Participants {
            under18: [
                count(&f.female_u18)?,
                count(&f.male_u18)?,
                count(&f.other_u18)?,
            ],
            adults: [
                count(&f.female_18)?,
                count(&f.male_18)?,
                count(&f.other_18)?,
            ],
        };
        Ok(EventDraft {
            ward,
            held_on,
            event_type,
            participants,
            outcome: f.outcome.clone(),
        })
    })();
    let result = match checked {
        Ok(d) => app
            .store
            .record_youth_event(&me.actor(), &d)
            .await
            .map(|_| ()),
        Err(m) => Err(StoreError::Rejected(m)),
    };
    after(&app, page, &me, result).await
}

/// The youth-group form.
#[derive(Debug, Deserialize, Default)]
pub struct GroupForm {
    #[serde(default)]
    place: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    formed_on: String,
    #[serde(default)]
    resource_centre: String,
    #[serde(default)]
    room_given_on: String,
}

/// `POST /youth/groups`
pub async fn add_group(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<GroupForm>,
) -> Result<Response, WebError> {
    let checked = (|| {
        let place: PlaceCode = f
            .place
            .trim()
            .parse()
            .map_err(|_| "error-ward-or-local-level")?;
        let target = Target {
            place: Some(place),
            ..Default::default()
        };
        if !can(&me, Capability::WriteYouth, Some(&target), false) {
            return Err("error-place-out-of-scope");
        }
        let formed = bs_date(&f.formed_on)?;
        let room = match (f.resource_centre.trim(), bs_date(&f.room_given_on)?) {
            ("", _) => None,
            (r, Some(d)) => Some((r.to_string(), d)),
            (_, None) => return Err("error-required"),
        };
        Ok((place, formed, room))
    })();
    let result = match checked {
        Ok((place, formed, room)) => app
            .store
            .add_youth_group(
                &me.actor(),
                place,
                &f.name,
                formed,
                room.as_ref().map(|(r, d)| (r.as_str(), *d)),
            )
            .await
            .map(|_| ()),
        Err(m) => Err(StoreError::Rejected(m)),
    };
    after(&app, page, &me, result).await
}

fn youth_parent(page: &Page) -> (String, String) {
    ("/youth".into(), page.t("youth-title"))
}

/// A youth ambassador, corrected and withdrawn through the shared record page
/// (`/youth/ambassadors/{id}`); her standing moves through its own form.
#[derive(Debug)]
pub struct Ambassador;

impl Correctable for Ambassador {
    const KIND: Kind = Kind {
        entity: "youth-ambassador",
        table: "youth_ambassador",
        nav: "youth",
        fields: &[
            F::new("name", "contact-name", T::Text(120))
                .required()
                .sealed(),
            F::new("sex", "field-sex", T::Choice("sex", Sex::NAMES)).required(),
            F::new("joined_on", "group-joined", T::Date).required(),
            F::new("trainings", "youth-trainings", T::Count(0, 1_000)),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteYouth,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let ward = app
            .store
            .record_text("youth_ambassador", id, "ward_code")
            .await?;
        let address = format!("/youth/ambassadors/{id}");
        records::placed(
            app,
            page,
            ward,
            "kind-youth-ambassador",
            youth_parent(page),
            address,
        )
        .await
    }
}

/// A youth group and its resource centre (`/youth/groups/{id}`).
#[derive(Debug)]
pub struct YouthGroup;

impl Correctable for YouthGroup {
    const KIND: Kind = Kind {
        entity: "youth-group",
        table: "youth_group",
        nav: "youth",
        fields: &[
            F::new("name", "youth-group-name", T::Text(120)).required(),
            F::new("formed_on", "committee-formed", T::Date),
            F::new("resource_centre", "youth-resource-centre", T::Text(200)),
            F::new("room_given_on", "youth-room-given", T::Date),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteYouth,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let place = app
            .store
            .record_text("youth_group", id, "place_code")
            .await?;
        let address = format!("/youth/groups/{id}");
        records::placed(
            app,
            page,
            place,
            "kind-youth-group",
            youth_parent(page),
            address,
        )
        .await
    }
}

/// A youth engagement event and who took part (`/youth/events/{id}`).
#[derive(Debug)]
pub struct YouthEvent;

impl Correctable for YouthEvent {
    const KIND: Kind = Kind {
        entity: "youth-event",
        table: "youth_event",
        nav: "youth",
        fields: &[
            F::new("held_on", "meeting-date", T::Date).required(),
            F::new(
                "event_type",
                "field-kind",
                T::Choice("event", EventType::NAMES),
            )
            .required(),
            F::new("female_u18", "female_u18", T::Count(0, 100_000)),
            F::new("male_u18", "male_u18", T::Count(0, 100_000)),
            F::new("other_u18", "other_u18", T::Count(0, 100_000)),
            F::new("female_18", "female_18", T::Count(0, 100_000)),
            F::new("male_18", "male_18", T::Count(0, 100_000)),
            F::new("other_18", "other_18", T::Count(0, 100_000)),
            F::new("outcome", "youth-outcome", T::Note(500)),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteYouth,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let ward = app
            .store
            .record_text("youth_event", id, "ward_code")
            .await?;
        let address = format!("/youth/events/{id}");
        records::placed(
            app,
            page,
            ward,
            "kind-youth-event",
            youth_parent(page),
            address,
        )
        .await
    }
}
