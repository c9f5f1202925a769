//! Youth ambassadors: growth by year, the succession warning, the registry, and engagement
//! events, with the forms to register an ambassador, change their standing and record an event.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use setu_core::access::Capability;
use setu_core::community::{
    AmbassadorForm, EventType, Sex, StandingForm, YouthEventForm, YouthGroupForm, YouthStatus,
    SUCCESSION_THRESHOLD,
};
use setu_core::records::{FieldSpec as F, FieldType as T};
use setu_store::auth::User;
use setu_store::sealing::Reveal;

use crate::auth::{allow, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::inputs::AreaQuery;
use crate::pages::records::{self, Correctable, Kind, Located};
use crate::pages::{choices, may_write_at, settle};
use crate::templates::{Choice, RenderHtml, TrendBar, YouthEventPage, YouthPage};
use crate::AppState;
use setu_core::PlaceCode;

/// The first year of the programme's youth work.
const FIRST_YEAR: i32 = 2020;

/// The chart of active ambassadors at the end of each fiscal year (the last day of Asar; this
/// year's bar is today), labelled in BS (`२०७९/८०`), from the fiscal year the programme's
/// ambassadors started in. The youth page and the indicators page draw the same chart. With
/// it, how many are active today (the last bar: the register is shown a page at a time).
pub(crate) async fn growth_bars(
    app: &AppState,
    page: &Page,
    scope: setu_core::access::Scope,
) -> Result<(Vec<TrendBar>, i64), WebError> {
    use setu_core::calendar::FiscalYear;
    let today = today();
    let first = time::Date::from_calendar_date(FIRST_YEAR, time::Month::January, 1)
        .ok()
        .and_then(|d| FiscalYear::containing(d).ok());
    let (Some(first), Ok(last)) = (first, FiscalYear::containing(today)) else {
        return Ok((Vec::new(), 0));
    };
    let years: Vec<FiscalYear> = (first.start_year()..=last.start_year())
        .filter_map(|y| FiscalYear::new(y).ok())
        .collect();
    let ends: Vec<time::Date> = years.iter().map(|fy| fy.last_day().min(today)).collect();
    let active = app.store.youth_active_at(scope, &ends, today).await?;
    let max = active.iter().copied().max().unwrap_or(0).max(1);
    let bars = years
        .iter()
        .zip(&active)
        .enumerate()
        .map(|(i, (fy, n))| TrendBar {
            x: i64::try_from(i).unwrap_or(0) * 60 + 30,
            label: fy.label(page.prefs.digits),
            total_h: n * 100 / max,
            own_h: 0,
            share: page.num(n),
        })
        .collect();
    Ok((bars, active.last().copied().unwrap_or(0)))
}

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
    let (bars, active) = growth_bars(app, &page, scope).await?;
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
        Some((from, until)) => setu_stats::community::events_total(
            &app.store.youth_event_counts(scope, from, until).await?,
        ),
        None => all_events,
    };
    let groups = app.store.youth_groups(scope).await?;
    let sexes = choices(&page, Sex::ALL.iter().map(|s| s.as_str()), "sex-", "");
    let statuses = choices(
        &page,
        YouthStatus::ALL.iter().map(|s| s.as_str()),
        "youth-status-",
        "",
    );
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
        statuses,
        error,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// Redirects to the youth page, or shows it again with the refusal.
async fn again_on_youth(
    app: &AppState,
    page: Page,
    me: &User,
    outcome: Result<String, WebError>,
) -> Result<Response, WebError> {
    let view = View {
        scope: me.scope,
        between: None,
        area: AreaQuery::default(),
        at: YouthPages::default(),
    };
    settle(page, outcome, |page, r| {
        render(app, page, me, view, Some(r.message), r.status)
    })
    .await
}

/// `POST /youth/ambassadors`
pub async fn add(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<AmbassadorForm>,
) -> Result<Response, WebError> {
    let outcome = async {
        let d = f.check()?;
        may_write_at(&me, Capability::WriteYouth, d.ward, "ward")?;
        app.store.add_ambassador(&me.actor(), &d).await?;
        Ok("/youth".to_string())
    }
    .await;
    again_on_youth(&app, page, &me, outcome).await
}

/// `POST /youth/ambassadors/{id}/status`
pub async fn set_status(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<StandingForm>,
) -> Result<Response, WebError> {
    let a = app.store.ambassador(&id, today()).await?;
    allow(&me, Capability::WriteYouth, Some(&a.target()), false)?;
    let outcome = async {
        let (status, since) = f.check(today())?;
        let by = me.actor();
        app.store
            .set_ambassador_status(&by, &id, status, since)
            .await?;
        Ok("/youth".to_string())
    }
    .await;
    again_on_youth(&app, page, &me, outcome).await
}

/// `GET /youth/events/new`: recording an event, online or on a phone without a connection
/// (the form is queued and sent through the community sync, [`crate::pages::offline`]).
pub async fn event_form(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Response, WebError> {
    event_page(&app, page, &me, StatusCode::OK).await
}

async fn event_page(
    app: &AppState,
    page: Page,
    me: &User,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = page.titled("youth-event-new", "youth");
    let types = choices(
        &page,
        EventType::ALL.iter().map(|t| t.as_str()),
        "event-",
        "",
    );
    let html = YouthEventPage {
        o: crate::pages::offline::root(
            app,
            me,
            "youth".into(),
            "/youth/",
            "/youth/events/new".into(),
        ),
        wards: own_wards(&page, me),
        types,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// The wards of the reader's local level (or her own ward), to choose from a list that works
/// without a connection; empty for a wider scope, which gets the place picker.
fn own_wards(page: &Page, me: &User) -> Vec<Choice> {
    let code = match me.scope {
        setu_core::access::Scope::Place(code) => code,
        _ => return Vec::new(),
    };
    let Some(places) = &page.places else {
        return Vec::new();
    };
    let wards: Vec<PlaceCode> = match code {
        PlaceCode::Ward { .. } => vec![code],
        PlaceCode::LocalLevel(local_level) => {
            let count = places
                .get(&code.to_string())
                .and_then(|p| p.ward_count)
                .unwrap_or(0)
                .clamp(0, 99) as u8;
            (1..=count)
                .map(|ward| PlaceCode::Ward { local_level, ward })
                .collect()
        }
        _ => Vec::new(),
    };
    wards
        .into_iter()
        .map(|w| Choice {
            value: w.to_string(),
            label: page.place(&w.to_string()),
            selected: false,
        })
        .collect()
}

/// `POST /youth/events` (a browser without script; with it, the page queues and syncs)
pub async fn record_event(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<YouthEventForm>,
) -> Result<Response, WebError> {
    let outcome = async {
        let d = f.check(today())?;
        may_write_at(&me, Capability::WriteYouth, d.ward, "ward")?;
        app.store.record_youth_event(&me.actor(), &d).await?;
        Ok("/youth".to_string())
    }
    .await;
    settle(page, outcome, |page, r| {
        event_page(&app, page, &me, r.status)
    })
    .await
}

/// `POST /youth/groups`
pub async fn add_group(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<YouthGroupForm>,
) -> Result<Response, WebError> {
    let outcome = async {
        let d = f.check()?;
        may_write_at(&me, Capability::WriteYouth, d.place, "place")?;
        let room = d.room.as_ref().map(|(r, day)| (r.as_str(), *day));
        let by = me.actor();
        app.store
            .add_youth_group(&by, d.place, &d.name, d.formed_on, room)
            .await?;
        Ok("/youth".to_string())
    }
    .await;
    again_on_youth(&app, page, &me, outcome).await
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
