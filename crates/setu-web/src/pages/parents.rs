//! Parents' groups and SBCC sessions: the groups in the reader's scope with their indicators,
//! a group's page (members, sessions, attendance), and the forms to add members and record
//! sessions.

use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use setu_core::access::Capability;
use setu_core::calendar::today_in_nepal;
use setu_core::community::{Material, ParentForm, ParentsGroupForm, SessionForm, Sex};
use setu_core::records::{FieldSpec as F, FieldType as T};
use setu_core::PlaceCode;
use setu_stats::community::SbccIndicators;
use setu_store::auth::User;
use setu_store::parents::Group;
use setu_store::sealing::Reveal;

use crate::auth::{allow, can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::inputs::AreaQuery;
use crate::pages::records::{self, Correctable, Kind, Located};
use crate::pages::{may_write_at, settle};
use crate::templates::{GroupPage, GroupsPage, IndicatorCard, RenderHtml, SessionFormPage};
use crate::AppState;

/// The four SBCC figures as cards, in the reader's digits.
pub fn cards(page: &Page, i: &SbccIndicators) -> Vec<IndicatorCard> {
    let pct = |v: Option<u32>| {
        v.map(|p| format!("{}%", page.num(&i64::from(p))))
            .unwrap_or_else(|| "–".into())
    };
    let per = i
        .sessions_per_parent_tenths()
        .map(|t| page.digits(&format!("{}.{}", t / 10, t % 10)))
        .unwrap_or_else(|| "–".into());
    vec![
        IndicatorCard {
            label: page.t("sbcc-parents-reached"),
            value: page.num(&i64::from(i.parents_reached)),
        },
        IndicatorCard {
            label: page.t("sbcc-women"),
            value: pct(i.women_percent()),
        },
        IndicatorCard {
            label: page.t("sbcc-sessions-per-parent"),
            value: per,
        },
        IndicatorCard {
            label: page.t("sbcc-repeated"),
            value: pct(i.repeated_percent()),
        },
    ]
}

/// `GET /parents-groups`
pub async fn list(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(area): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let period = area
        .period(setu_core::calendar::today_in_nepal())
        .map_err(|_| WebError::BadRequest)?;
    render_list(
        &app,
        page,
        &me,
        area.scope(me.scope),
        Some((period.from, period.until)),
        None,
        StatusCode::OK,
    )
    .await
}

async fn render_list(
    app: &AppState,
    page: Page,
    me: &User,
    scope: setu_core::access::Scope,
    between: Option<(time::Date, time::Date)>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = page.titled("groups-title", "groups");
    let groups = app.store.groups(scope).await?;
    let indicators = app
        .store
        .sbcc_indicators_between(scope, None, between)
        .await?;
    let html = GroupsPage {
        cards: cards(&page, &indicators),
        groups,
        can_create: me.holds(Capability::WriteParents),
        error,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// `POST /parents-groups`
pub async fn create(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<ParentsGroupForm>,
) -> Result<Response, WebError> {
    let outcome = async {
        let d = f.check()?;
        may_write_at(&me, Capability::WriteParents, d.ward, "ward")?;
        let by = me.actor();
        let id = app
            .store
            .create_group(&by, d.ward, &d.name, d.formed_on)
            .await?;
        Ok(format!("/parents-groups/{id}"))
    }
    .await;
    settle(page, outcome, |page, r| {
        render_list(&app, page, &me, me.scope, None, Some(r.message), r.status)
    })
    .await
}

async fn group_for(
    app: &AppState,
    me: &User,
    id: &str,
    cap: Capability,
) -> Result<Group, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let g = app.store.group(id).await?;
    allow(me, cap, Some(&g.target()), false)?;
    Ok(g)
}

/// The query of a group's page: where its members' list continues (keyset paging).
#[derive(Debug, Deserialize, Default)]
pub struct GroupQuery {
    after: Option<String>,
}

/// `GET /parents-groups/{id}[?after=member]`
pub async fn show(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<GroupQuery>,
) -> Result<Response, WebError> {
    let g = group_for(&app, &me, &id, Capability::ReadDirectory).await?;
    render(&app, page, &me, g, q.after.as_deref(), None, StatusCode::OK).await
}

/// Names are opened for those who may read personal data in the group's ward.
fn reveal_for<'a>(me: &User, g: &Group, actor: &'a setu_store::audit::Actor) -> Reveal<'a> {
    if can(me, Capability::ReadPersonal, Some(&g.target()), false) {
        Reveal::To(actor)
    } else {
        Reveal::No
    }
}

async fn render(
    app: &AppState,
    page: Page,
    me: &User,
    g: Group,
    after: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let actor = me.actor();
    let members = app
        .store
        .group_member_page(g.id, after, reveal_for(me, &g, &actor))
        .await?;
    let here = format!("/parents-groups/{}", g.id);
    let first = after.map(|_| format!("{here}#members"));
    let next = members
        .next
        .as_ref()
        .map(|n| format!("{here}?after={n}#members"));
    let sessions = app.store.group_sessions(g.id).await?;
    let indicators = app
        .store
        .sbcc_indicators(
            setu_core::access::Scope::Place(PlaceCode::Country),
            Some(g.id),
        )
        .await?;
    let page = page.with_title(g.name.clone(), "groups");
    let sexes = crate::pages::choices(&page, Sex::NAMES.iter().copied(), "sex-", "");
    let html = GroupPage {
        cards: cards(&page, &indicators),
        can_write: can(me, Capability::WriteParents, Some(&g.target()), false),
        g: &g,
        members: members.rows,
        first,
        next,
        sessions,
        sexes,
        error,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// `GET /parents-groups/{id}/sessions/new`: the session form, with every parent to mark.
pub async fn session_form(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let g = group_for(&app, &me, &id, Capability::WriteParents).await?;
    let form = SessionForm::default();
    render_session_form(&app, page, &me, g, form, None, StatusCode::OK).await
}

async fn render_session_form(
    app: &AppState,
    page: Page,
    me: &User,
    g: Group,
    form: SessionForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let actor = me.actor();
    let members = app
        .store
        .group_members(g.id, reveal_for(me, &g, &actor))
        .await?;
    let title = format!("{} · {}", g.name, page.t("session-new"));
    let page = page.with_title(title, "groups");
    let materials = crate::pages::choices(
        &page,
        Material::NAMES.iter().copied(),
        "material-",
        &form.material,
    );
    let html = SessionFormPage {
        p: &page,
        o: crate::pages::offline::root(
            app,
            me,
            format!("group-{}", g.id),
            "/parents-groups/",
            format!("/parents-groups/{}/sessions/new", g.id),
        ),
        group_id: g.id,
        members,
        materials,
        form,
        error,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// `POST /parents-groups/{id}/members`
pub async fn add_member(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ParentForm>,
) -> Result<Response, WebError> {
    let g = group_for(&app, &me, &id, Capability::WriteParents).await?;
    let outcome = async {
        let d = f.check(today_in_nepal())?;
        let by = me.actor();
        app.store
            .add_group_member(&by, g.id, &d.name, d.sex, d.joined_on)
            .await?;
        Ok(format!("/parents-groups/{}", g.id))
    }
    .await;
    again_on_group(&app, page, &me, g, outcome).await
}

/// Redirects to the group, or shows it again with the refusal.
async fn again_on_group(
    app: &AppState,
    page: Page,
    me: &User,
    g: Group,
    outcome: Result<String, WebError>,
) -> Result<Response, WebError> {
    settle(page, outcome, |page, r| {
        render(app, page, me, g, None, Some(r.message), r.status)
    })
    .await
}

/// `POST /parents-groups/{id}/sessions`: date, topic, material (and episode), facilitator,
/// and a `present` field for every member who came.
pub async fn record_session(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    RawForm(raw): RawForm,
) -> Result<Response, WebError> {
    let g = group_for(&app, &me, &id, Capability::WriteParents).await?;
    let form = SessionForm::from_pairs(
        form_urlencoded::parse(&raw).map(|(k, v)| (k.into_owned(), v.into_owned())),
    );
    let outcome = async {
        let members: Vec<String> = app
            .store
            .group_members(g.id, Reveal::No)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let d = form.check(today_in_nepal(), &members)?;
        app.store.record_session(&me.actor(), g.id, &d).await?;
        Ok(format!("/parents-groups/{}", g.id))
    }
    .await;
    let typed = form.clone();
    settle(page, outcome, |page, r| {
        render_session_form(&app, page, &me, g, typed, Some(r.message), r.status)
    })
    .await
}

/// Where a record of a parents' group sits: the group's ward, under the group's page.
async fn in_group(
    app: &AppState,
    page: &Page,
    table: &'static str,
    id: &str,
    kind_label: &str,
    address: String,
) -> Result<Located, WebError> {
    let group = app
        .store
        .record_number(table, id, "group_id")
        .await?
        .ok_or(WebError::NotFound)?;
    let g = app.store.group(group).await?;
    let parent = (format!("/parents-groups/{}", g.id), g.name.clone());
    let mut at =
        records::placed(app, page, Some(g.ward.clone()), kind_label, parent, address).await?;
    at.heading = format!("{} · {}", page.t(kind_label), g.name);
    Ok(at)
}

/// A parent in a group (`/group-members/{id}`): her name is sealed.
#[derive(Debug)]
pub struct GroupMember;

impl Correctable for GroupMember {
    const KIND: Kind = Kind {
        entity: "group-member",
        table: "group_member",
        nav: "parents",
        fields: &[
            F::new("name", "member-name", T::Text(120))
                .required()
                .sealed(),
            F::new("sex", "field-sex", T::Choice("sex", Sex::NAMES)).required(),
            F::new("joined_on", "group-joined", T::Date).required(),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteParents,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let address = format!("/group-members/{id}");
        in_group(app, page, "group_member", id, "kind-group-member", address).await
    }
}

/// A session held with a group (`/sessions/{id}`); attendance is recorded with it.
#[derive(Debug)]
pub struct Session;

impl Correctable for Session {
    const KIND: Kind = Kind {
        entity: "sbcc-session",
        table: "sbcc_session",
        nav: "parents",
        fields: &[
            F::new("held_on", "meeting-date", T::Date).required(),
            F::new("topic", "session-topic", T::Text(200)).required(),
            F::new(
                "material",
                "session-material",
                T::Choice("material", Material::NAMES),
            )
            .required(),
            F::new("episode", "session-episode", T::Number(1, 1_000)),
            F::new("facilitator", "session-facilitator", T::Text(120))
                .required()
                .sealed(),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteParents,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let address = format!("/sessions/{id}");
        in_group(app, page, "sbcc_session", id, "kind-sbcc-session", address).await
    }
}

/// A parents' group's own fields (`/parents-groups/{id}/record`): its name and founding day.
#[derive(Debug)]
pub struct GroupRecord;

impl Correctable for GroupRecord {
    const KIND: Kind = Kind {
        entity: "parents-group",
        table: "parents_group",
        nav: "parents",
        fields: &[
            F::new("name", "group-name", T::Text(120)).required(),
            F::new("formed_on", "group-formed", T::Date),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteParents,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let g = app
            .store
            .group(id.parse().map_err(|_| WebError::NotFound)?)
            .await?;
        let parent = (format!("/parents-groups/{id}"), g.name.clone());
        let address = format!("/parents-groups/{id}/record");
        let mut at = records::placed(
            app,
            page,
            Some(g.ward.clone()),
            "kind-parents-group",
            parent,
            address,
        )
        .await?;
        at.heading = g.name;
        Ok(at)
    }
}
