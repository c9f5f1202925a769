//! Coordination committees: the list with computed status, a committee's page (status and
//! its criteria, members, meetings, the fiscal year's plan and budget, the own-funds trend),
//! recording a meeting, printable minutes, and decision follow-up.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use setu_core::access::{Capability, Scope};
use setu_core::committees::{
    ActivityForm, BudgetForm, CommitteeForm, DecisionStatus, FundingSource, MeetingForm,
    MemberForm, Seat,
};
use setu_core::records::{FieldSpec as F, FieldType as T};
use setu_core::FiscalYear;
use setu_store::auth::User;
use setu_store::committees::Committee;
use setu_store::sealing::Reveal;
use time::Date;

use crate::auth::{allow, can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::inputs::AreaQuery;
use crate::pages::records::{Correctable, Kind, Located};
use crate::pages::{may_write_at, settle};
use crate::templates::{
    Choice, CommitteePage, CommitteeRow, CommitteesPage, MeetingFormPage, MinutesPage, RenderHtml,
    TrendBar,
};
use crate::AppState;

fn today() -> Date {
    setu_core::calendar::today_in_nepal()
}

fn row(page: &Page, c: &Committee) -> CommitteeRow {
    CommitteeRow {
        href: format!("/committees/{}", c.id),
        name: format!(
            "{} · {}",
            page.name(&c.place_en, &c.place_ne),
            page.t(&format!("committee-kind-{}", c.kind.as_str()))
        ),
        place_code: c.place.to_string(),
        status: c.status.as_str(),
        status_label: page.t(&format!("committee-status-{}", c.status.as_str())),
        last_meeting: c
            .facts
            .last_meeting
            .map(|d| page.date(&setu_core::calendar::iso(d)))
            .unwrap_or_default(),
        last_meeting_sort: c
            .facts
            .last_meeting
            .map(setu_core::calendar::iso)
            .unwrap_or_default(),
    }
}

/// `GET /committees`: the committees inside the reader's scope, with their status.
pub async fn list(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(area): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let until = area
        .period(today())
        .map_err(|_| WebError::BadRequest)?
        .until;
    render_list(
        &app,
        page,
        &me,
        area.scope(me.scope),
        until,
        None,
        StatusCode::OK,
    )
    .await
}

async fn render_list(
    app: &AppState,
    page: Page,
    me: &User,
    scope: Scope,
    as_of: Date,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = page.titled("committees-title", "committees");
    let committees = app.store.committees(scope, as_of).await?;
    let rows: Vec<CommitteeRow> = committees.iter().map(|c| row(&page, c)).collect();
    let functional = committees
        .iter()
        .filter(|c| c.status == setu_core::committees::CommitteeStatus::Functional)
        .count();
    let count = |n: usize| page.num(&i64::try_from(n).unwrap_or(0));
    let summary = page.t1(
        "committees-functional",
        "count",
        &format!("{} / {}", count(functional), count(rows.len())),
    );
    let can_create = me.holds(Capability::WriteCommittees);
    let html = CommitteesPage {
        p: &page,
        rows,
        summary,
        can_create,
        error,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// The new-committee form.
/// `POST /committees`
pub async fn create(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<CommitteeForm>,
) -> Result<Response, WebError> {
    let outcome = async {
        let d = f.check()?;
        may_write_at(&me, Capability::WriteCommittees, d.place, "place")?;
        let by = me.actor();
        let id = app
            .store
            .create_committee(&by, d.kind, d.place, None, d.formed_on, d.phone)
            .await?;
        Ok(format!("/committees/{id}"))
    }
    .await;
    settle(page, outcome, |page, r| {
        render_list(
            &app,
            page,
            &me,
            me.scope,
            today(),
            Some(r.message),
            r.status,
        )
    })
    .await
}

fn invalid(field: &'static str, message: &'static str) -> WebError {
    WebError::Invalid(setu_core::validation::Invalid(vec![
        setu_core::validation::FieldError { field, message },
    ]))
}

/// Loads a committee and checks `cap` on it (404 outside the scope).
async fn committee_for(
    app: &AppState,
    me: &User,
    id: &str,
    cap: Capability,
) -> Result<Committee, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let c = app.store.committee(id, today()).await?;
    allow(me, cap, Some(&c.target()), false)?;
    Ok(c)
}

/// The query of a committee page.
#[derive(Debug, Deserialize, Default)]
pub struct CommitteeQuery {
    fy: Option<String>,
    /// The member the members' list continues after (keyset paging).
    after: Option<String>,
}

/// `GET /committees/{id}[?fy=2082/83]`
pub async fn show(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<CommitteeQuery>,
) -> Result<Response, WebError> {
    let c = committee_for(&app, &me, &id, Capability::ReadDirectory).await?;
    render(&app, page, &me, c, &q, None, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn render(
    app: &AppState,
    page: Page,
    me: &User,
    c: Committee,
    q: &CommitteeQuery,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let current = FiscalYear::containing(today())
        .map_err(|_| WebError::Internal("date out of range".into()))?;
    let fy =
        q.fy.as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(current);
    let personal = can(me, Capability::ReadPersonal, Some(&c.target()), false);
    let actor = me.actor();
    let reveal = if personal {
        Reveal::To(&actor)
    } else {
        Reveal::No
    };
    let members = app
        .store
        .member_page(c.id, q.after.as_deref(), reveal)
        .await?;
    let here = format!("/committees/{}?fy={fy}", c.id);
    let first = q.after.as_ref().map(|_| format!("{here}#members"));
    let next = members
        .next
        .as_ref()
        .map(|n| format!("{here}&after={n}#members"));
    let members = members.rows;
    let meetings = app.store.meetings(c.id).await?;
    let plan = app.store.plan(c.id, fy).await?;
    let trend = app.store.budget_trend(c.id).await?;
    let title = format!(
        "{} · {}",
        page.name(&c.place_en, &c.place_ne),
        page.t(&format!("committee-kind-{}", c.kind.as_str()))
    );
    let page = page.with_title(title, "committees");
    let max = trend
        .iter()
        .map(|(_, t)| t.allocated)
        .max()
        .unwrap_or(0)
        .max(1);
    let bars = trend
        .iter()
        .enumerate()
        .map(|(i, (f, t))| {
            let total = t.allocated * 100 / max;
            let own = t.own_allocated * 100 / max;
            TrendBar {
                x: i64::try_from(i).unwrap_or(0) * 60 + 30,
                label: f.label(page.prefs.digits),
                total_h: total,
                own_h: own,
                share: t
                    .own_share_percent()
                    .map(|p| format!("{}%", page.num(&p)))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let fy_choices = (0..5)
        .filter_map(|back| (0..back).try_fold(current, |f, _| f.previous()))
        .map(|f| Choice {
            value: f.to_string(),
            label: f.label(page.prefs.digits),
            selected: f == fy,
        })
        .collect();
    let seats = Seat::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: page.t(&format!("seat-{}", s.as_str())),
            selected: false,
        })
        .collect();
    let sources = FundingSource::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: page.t(&format!("source-{}", s.as_str())),
            selected: false,
        })
        .collect();
    let can_write = can(me, Capability::WriteCommittees, Some(&c.target()), false);
    let html = CommitteePage {
        p: &page,
        c: &c,
        status_label: page.t(&format!("committee-status-{}", c.status.as_str())),
        criteria: c
            .criteria
            .iter()
            .map(|k| (page.t(k.message), k.met))
            .collect(),
        members,
        first,
        next,
        personal,
        meetings,
        plan,
        fy: fy.to_string(),
        fy_label: fy.label(page.prefs.digits),
        fy_choices,
        bars,
        seats,
        sources,
        can_write,
        error,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// `POST /committees/{id}/members`
pub async fn add_member(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(mut f): Form<MemberForm>,
) -> Result<Response, WebError> {
    let c = committee_for(&app, &me, &id, Capability::WriteCommittees).await?;
    f.name.get_or_insert_with(String::new);
    let outcome = async {
        let d = f.check()?;
        let name = d.name.clone().unwrap_or_default();
        let by = me.actor();
        app.store
            .add_member(&by, c.id, &name, d.seat, d.term_start, d.term_end)
            .await?;
        Ok(format!("/committees/{}", c.id))
    }
    .await;
    again_on_committee(&app, page, &me, c, outcome).await
}

/// Redirects to the next page, or shows the committee again with the refusal.
async fn again_on_committee(
    app: &AppState,
    page: Page,
    me: &User,
    c: Committee,
    outcome: Result<String, WebError>,
) -> Result<Response, WebError> {
    let q = CommitteeQuery::default();
    settle(page, outcome, |page, r| {
        render(app, page, me, c, &q, Some(r.message), r.status)
    })
    .await
}

/// `POST /committees/{id}/activities`
pub async fn add_activity(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ActivityForm>,
) -> Result<Response, WebError> {
    let c = committee_for(&app, &me, &id, Capability::WriteCommittees).await?;
    let outcome = async {
        let (fy, d) = f.check()?;
        app.store.add_activity(&me.actor(), c.id, fy, &d).await?;
        Ok(format!("/committees/{}", c.id))
    }
    .await;
    again_on_committee(&app, page, &me, c, outcome).await
}

/// `POST /committees/{id}/budget`
pub async fn add_budget(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<BudgetForm>,
) -> Result<Response, WebError> {
    let c = committee_for(&app, &me, &id, Capability::WriteCommittees).await?;
    let outcome = async {
        let d = f.check()?;
        let fy = f.fiscal_year()?;
        app.store.add_budget_line(&me.actor(), c.id, fy, &d).await?;
        Ok(format!("/committees/{}", c.id))
    }
    .await;
    again_on_committee(&app, page, &me, c, outcome).await
}

/// `GET /committees/{id}/meetings/new`
pub async fn meeting_form(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let c = committee_for(&app, &me, &id, Capability::WriteCommittees).await?;
    render_meeting_form(
        &app,
        page,
        &me,
        c,
        MeetingForm::default(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn render_meeting_form(
    app: &AppState,
    page: Page,
    me: &User,
    c: Committee,
    form: MeetingForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let personal = can(me, Capability::ReadPersonal, Some(&c.target()), false);
    let actor = me.actor();
    let members = app
        .store
        .members(
            c.id,
            if personal {
                Reveal::To(&actor)
            } else {
                Reveal::No
            },
        )
        .await?;
    let page = page.titled("meeting-new", "committees");
    let rows = (0..3)
        .map(|i| {
            let at = |v: &Vec<String>| v.get(i).cloned().unwrap_or_default();
            (at(&form.decision), at(&form.responsible), at(&form.due_on))
        })
        .collect();
    let html = MeetingFormPage {
        p: &page,
        committee_id: c.id,
        members,
        form,
        rows,
        error,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// `POST /committees/{id}/meetings`
pub async fn record_meeting(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    axum::extract::RawForm(raw): axum::extract::RawForm,
) -> Result<Response, WebError> {
    let c = committee_for(&app, &me, &id, Capability::WriteCommittees).await?;
    let form = MeetingForm::from_pairs(
        form_urlencoded::parse(&raw).map(|(k, v)| (k.into_owned(), v.into_owned())),
    );
    let outcome = async {
        let members: Vec<String> = app
            .store
            .members(c.id, Reveal::No)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let d = form.check(today(), &members)?;
        let mid = app.store.record_meeting(&me.actor(), c.id, &d).await?;
        // The minutes name people: a member who may not read them goes back to the
        // committee, not to a page that would refuse them.
        Ok(
            if can(&me, Capability::ReadPersonal, Some(&c.target()), false) {
                format!("/meetings/{mid}")
            } else {
                format!("/committees/{}", c.id)
            },
        )
    }
    .await;
    let form = form.clone();
    settle(page, outcome, |page, r| {
        render_meeting_form(&app, page, &me, c, form, Some(r.message), r.status)
    })
    .await
}

/// `GET /meetings/{id}`: the minutes, printable, in the reader's language.
pub async fn minutes(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let committee_id = app.store.meeting_committee(&id).await?;
    let c = committee_for(
        &app,
        &me,
        &committee_id.to_string(),
        Capability::ReadPersonal,
    )
    .await?;
    let m = app.store.meeting(&id, &me.actor()).await?;
    let title = format!(
        "{} · {}",
        page.name(&c.place_en, &c.place_ne),
        page.t(&format!("committee-kind-{}", c.kind.as_str()))
    );
    let page = page.with_title(title, "committees");
    let can_write = can(&me, Capability::WriteCommittees, Some(&c.target()), false);
    let statuses = DecisionStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: page.t(&format!("decision-{}", s.as_str())),
            selected: false,
        })
        .collect();
    Ok(Html(
        MinutesPage {
            p: &page,
            c: &c,
            m,
            can_write,
            statuses,
        }
        .render_html(),
    ))
}

/// The decision-status form.
#[derive(Debug, Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    meeting: String,
}

/// `POST /decisions/{id}/status`
pub async fn decision_status(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let status =
        DecisionStatus::parse(&f.status).ok_or_else(|| invalid("status", "error-choose-one"))?;
    // The decision's own committee decides access, whatever the form claims.
    let committee_id = app.store.decision_committee(&id).await?;
    committee_for(
        &app,
        &me,
        &committee_id.to_string(),
        Capability::WriteCommittees,
    )
    .await?;
    app.store
        .set_decision_status(&me.actor(), &id, status)
        .await?;
    let same = app.store.meeting_committee(&f.meeting).await.ok() == Some(committee_id);
    let reads_minutes = can(
        &me,
        Capability::ReadPersonal,
        Some(&app.store.committee(committee_id, today()).await?.target()),
        false,
    );
    let back = if same && reads_minutes {
        format!("/meetings/{}", f.meeting)
    } else {
        format!("/committees/{committee_id}")
    };
    Ok(Redirect::to(&back).into_response())
}

/// A committee as a record page names its parent: "Nepalganj … · LCCHT".
fn committee_name(page: &Page, c: &Committee) -> String {
    format!(
        "{} · {}",
        page.name(&c.place_en, &c.place_ne),
        page.t(&format!("committee-kind-{}", c.kind.as_str()))
    )
}

/// A meeting's decision, corrected and withdrawn through the shared record page
/// (`/decisions/{id}`): what was decided and who follows it up are sealed, like the minutes.
#[derive(Debug)]
pub struct Decision;

impl Correctable for Decision {
    const KIND: Kind = Kind {
        entity: "meeting-decision",
        table: "meeting_decision",
        nav: "committees",
        fields: &[
            F::new("text", "decision-text", T::Text(1000))
                .required()
                .sealed(),
            F::new("responsible", "decision-responsible", T::Text(200))
                .required()
                .sealed(),
            F::new("due_on", "decision-due", T::Date),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteCommittees,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let c = app
            .store
            .committee(app.store.decision_committee(id).await?, today())
            .await?;
        let name = committee_name(page, &c);
        Ok(Located {
            target: c.target(),
            also: None,
            place: c.place.to_string(),
            heading: format!("{} · {name}", page.t("kind-meeting-decision")),
            parent: (format!("/committees/{}", c.id), name),
            address: format!("/decisions/{id}"),
            facts: Vec::new(),
        })
    }
}

/// A committee's own record (`/committees/{id}/record`): the day it was formed and its office
/// telephone (which a booth's alert gives). Corrected, never withdrawn: its meetings, plans
/// and members name it.
#[derive(Debug)]
pub struct CommitteeRecord;

impl Correctable for CommitteeRecord {
    const KIND: Kind = Kind {
        entity: "committee",
        table: "committee",
        nav: "committees",
        fields: &[
            F::new("formed_on", "committee-formed", T::Date),
            F::new("phone", "committee-phone", T::Phone).hint("committee-phone-hint"),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteCommittees,
        rematch: None,
        withdrawable: false,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let c = app
            .store
            .committee(id.parse().map_err(|_| WebError::NotFound)?, today())
            .await?;
        let name = committee_name(page, &c);
        Ok(Located {
            target: c.target(),
            also: None,
            place: c.place.to_string(),
            heading: name.clone(),
            parent: (format!("/committees/{}", c.id), name),
            address: format!("/committees/{id}/record"),
            facts: Vec::new(),
        })
    }
}

/// A committee's record: its place, its name in the reader's language, its page.
async fn in_committee(
    app: &AppState,
    page: &Page,
    committee: i64,
    heading: String,
    address: String,
) -> Result<Located, WebError> {
    let c = app.store.committee(committee, today()).await?;
    let name = committee_name(page, &c);
    Ok(Located {
        target: c.target(),
        also: None,
        place: c.place.to_string(),
        heading: format!("{heading} · {name}"),
        parent: (format!("/committees/{}", c.id), name),
        address,
        facts: Vec::new(),
    })
}

/// A budget line (`/budget/{id}`): what was spent, most often.
#[derive(Debug)]
pub struct BudgetLineRecord;

impl Correctable for BudgetLineRecord {
    const KIND: Kind = Kind {
        entity: "budget-line",
        table: "budget_line",
        nav: "committees",
        fields: &[
            F::new(
                "source",
                "budget-source",
                T::Choice("source", FundingSource::NAMES),
            )
            .required(),
            F::new("purpose", "budget-purpose", T::Text(200)).required(),
            F::new("allocated", "budget-allocated", T::Amount),
            F::new("spent", "budget-spent", T::Amount),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteCommittees,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let line = app.store.budget_line(id).await?;
        let heading = format!("{} · {}", page.t("plan-budget"), line.purpose);
        let address = format!("/budget/{id}");
        let mut at = in_committee(app, page, line.committee_id, heading, address).await?;
        at.parent.0 = format!("{}?fy={}", at.parent.0, line.fiscal_year);
        at.facts = vec![(
            page.t("plan-title"),
            line.fiscal_year.label(page.prefs.digits),
        )];
        Ok(at)
    }
}

/// A committee member (`/members/{id}`): her name (sealed), seat and term; a member who left
/// is given the day she left.
#[derive(Debug)]
pub struct MemberRecord;

impl Correctable for MemberRecord {
    const KIND: Kind = Kind {
        entity: "committee-member",
        table: "committee_member",
        nav: "committees",
        fields: &[
            F::new("name", "member-name", T::Text(120))
                .required()
                .sealed(),
            F::new("seat", "member-seat", T::Choice("seat", Seat::NAMES)).required(),
            F::new("term_start", "member-term-start", T::Date).required(),
            F::new("term_end", "member-term-end", T::Date)
                .hint("member-term-end-hint")
                .after("term_start", "error-term-order"),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteCommittees,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let m = app.store.member(id, Reveal::No).await?;
        let seat = page.t(&format!("seat-{}", m.seat.as_str()));
        in_committee(app, page, m.committee_id, seat, format!("/members/{id}")).await
    }
}

/// A meeting's own fields (`/meetings/{id}/record`): its day and, for readers of personal
/// data, its agenda. Attendance and decisions are recorded with the meeting.
#[derive(Debug)]
pub struct MeetingRecord;

impl Correctable for MeetingRecord {
    const KIND: Kind = Kind {
        entity: "committee-meeting",
        table: "committee_meeting",
        nav: "committees",
        fields: &[
            F::new("held_on", "meeting-date", T::Date).required(),
            F::new("agenda", "meeting-agenda", T::Text(2000))
                .required()
                .sealed(),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteCommittees,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let (committee, held_on, _) = app.store.meeting_head(id).await?;
        let heading = format!("{} {}", page.t("minutes-title"), page.date(&held_on));
        in_committee(
            app,
            page,
            committee,
            heading,
            format!("/meetings/{id}/record"),
        )
        .await
    }
}

/// A planned activity (`/activities/{id}`): most often, the day it was done.
#[derive(Debug)]
pub struct ActivityRecord;

impl Correctable for ActivityRecord {
    const KIND: Kind = Kind {
        entity: "plan-activity",
        table: "plan_activity",
        nav: "committees",
        fields: &[
            F::new("title", "activity-title", T::Text(200)).required(),
            F::new("planned_on", "activity-planned", T::Date),
            F::new("done_on", "activity-done", T::Date),
            F::new("responsible", "activity-responsible", T::Text(120)).required(),
        ],
        read: Capability::ReadDirectory,
        write: Capability::WriteCommittees,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let a = app.store.activity(id).await?;
        in_committee(
            app,
            page,
            a.committee_id,
            a.title,
            format!("/activities/{id}"),
        )
        .await
    }
}
