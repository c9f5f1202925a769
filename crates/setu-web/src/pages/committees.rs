//! Coordination committees: the list with computed status, a committee's page (status and
//! its criteria, members, meetings, the fiscal year's plan and budget, the own-funds trend),
//! recording a meeting, printable minutes, and decision follow-up.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use setu_core::access::{Capability, Scope, Target};
use setu_core::committees::BudgetDraft;
use setu_core::committees::{
    ActivityEditForm, BudgetForm, CommitteeKind, DecisionStatus, FundingSource, MeetingEditForm,
    MemberForm, Seat,
};
use setu_core::records::{FieldSpec as F, FieldType as T, WithdrawForm};
use setu_core::{FiscalYear, PlaceCode};
use setu_store::auth::User;
use setu_store::committees::{ActivityDraft, Committee, MeetingDraft};
use setu_store::sealing::Reveal;
use setu_store::StoreError;
use time::Date;

use crate::auth::{allow, can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::inputs::{bs_date, bs_text, AreaQuery};
use crate::pages::records::{self, Notice, RecordView};
use crate::pages::records::{Correctable, Kind, Located, RecordRef};
use crate::pages::{choices, invalid_message, refusal};
use crate::templates::{
    Choice, CommitteePage, CommitteeRow, CommitteesPage, FormField, MeetingFormPage, MinutesPage,
    RenderHtml, TrendBar,
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
#[derive(Debug, Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    formed_on: String,
    #[serde(default)]
    phone: String,
}

/// `POST /committees`
pub async fn create(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<CreateForm>,
) -> Result<Response, WebError> {
    let checked = (|| {
        let kind = CommitteeKind::parse(&f.kind).ok_or("error-choose-one")?;
        let place: PlaceCode = f.place.trim().parse().map_err(|_| "error-place-code")?;
        let target = Target {
            place: Some(place),
            ..Default::default()
        };
        if !can(&me, Capability::WriteCommittees, Some(&target), false) {
            return Err("error-place-out-of-scope");
        }
        let mut c = setu_core::validation::Checker::default();
        let phone = c.optional_phone("phone", &f.phone);
        c.finish(())
            .map_err(|e| e.0.first().map_or("error-phone", |e| e.message))?;
        Ok((kind, place, bs_date(&f.formed_on)?, phone))
    })();
    let result = match checked {
        Ok((kind, place, formed, phone)) => {
            app.store
                .create_committee(&me.actor(), kind, place, None, formed, phone)
                .await
        }
        Err(m) => Err(StoreError::Rejected(m)),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/committees/{id}")).into_response()),
        Err(e) => {
            let (m, status) = refusal(e)?;
            let msg = page.t(m);
            render_list(&app, page, &me, me.scope, today(), Some(msg), status).await
        }
    }
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
    render(&app, page, &me, c, q.fy.as_deref(), None, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn render(
    app: &AppState,
    page: Page,
    me: &User,
    c: Committee,
    fy: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let current = FiscalYear::containing(today())
        .map_err(|_| WebError::Internal("date out of range".into()))?;
    let fy = fy.and_then(|s| s.parse().ok()).unwrap_or(current);
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
    match f.check() {
        Ok(d) => {
            let name = d.name.clone().unwrap_or_default();
            let result = app
                .store
                .add_member(&me.actor(), c.id, &name, d.seat, d.term_start, d.term_end)
                .await;
            after_write(&app, page, &me, c, result.map(|_| ())).await
        }
        Err(inv) => {
            let msg = invalid_message(&page, &inv);
            render(
                &app,
                page,
                &me,
                c,
                None,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Redirects back to the committee, or shows it again with the refusal.
async fn after_write(
    app: &AppState,
    page: Page,
    me: &User,
    c: Committee,
    result: Result<(), StoreError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/committees/{}", c.id)).into_response()),
        Err(e) => {
            let (m, status) = refusal(e)?;
            let msg = page.t(m);
            render(app, page, me, c, None, Some(msg), status).await
        }
    }
}

/// The add-activity form.
#[derive(Debug, Deserialize, Default)]
pub struct ActivityForm {
    #[serde(default)]
    fy: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    activity_type: String,
    #[serde(default)]
    ward: String,
    #[serde(default)]
    planned_on: String,
    #[serde(default)]
    done_on: String,
    #[serde(default)]
    responsible: String,
    #[serde(default)]
    budget_line: String,
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
    let parsed = (|| {
        let fy: FiscalYear = f.fy.parse().map_err(|_| "error-fiscal-year")?;
        let ward = match f.ward.trim() {
            "" => None,
            w => Some(w.parse::<PlaceCode>().map_err(|_| "error-place-code")?),
        };
        if f.title.trim().is_empty() || f.responsible.trim().is_empty() {
            return Err("error-required");
        }
        let draft = ActivityDraft {
            title: f.title.clone(),
            activity_type: Some(f.activity_type.trim())
                .filter(|t| !t.is_empty())
                .unwrap_or("awareness")
                .to_string(),
            ward,
            planned_on: bs_date(&f.planned_on)?,
            done_on: bs_date(&f.done_on)?,
            responsible: f.responsible.clone(),
            budget_line: Some(f.budget_line.trim().to_string()).filter(|l| !l.is_empty()),
        };
        Ok((fy, draft))
    })();
    let result = match parsed {
        Ok((fy, d)) => app
            .store
            .add_activity(&me.actor(), c.id, fy, &d)
            .await
            .map(|_| ()),
        Err(m) => Err(StoreError::Rejected(m)),
    };
    after_write(&app, page, &me, c, result).await
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
    match f.check().and_then(|d| Ok((f.fiscal_year()?, d))) {
        Ok((fy, d)) => {
            let result = app.store.add_budget_line(&me.actor(), c.id, fy, &d).await;
            after_write(&app, page, &me, c, result.map(|_| ())).await
        }
        Err(inv) => {
            let msg = invalid_message(&page, &inv);
            render(
                &app,
                page,
                &me,
                c,
                None,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
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

/// The meeting form: date (BS), agenda, who was present, up to three decisions.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct MeetingForm {
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub agenda: String,
    #[serde(default)]
    pub present: Vec<String>,
    #[serde(default)]
    pub decision: Vec<String>,
    #[serde(default)]
    pub responsible: Vec<String>,
    #[serde(default)]
    pub due_on: Vec<String>,
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
    let form = parse_meeting_form(&raw);
    let members = app.store.members(c.id, Reveal::No).await?;
    let parsed = (|| {
        let held_on = bs_date(&form.held_on)?.ok_or("error-required")?;
        if held_on > today() {
            return Err("error-date-future");
        }
        if form.agenda.trim().is_empty() {
            return Err("error-required");
        }
        let attendance = members
            .iter()
            .map(|m| (m.id.clone(), form.present.contains(&m.id)))
            .collect();
        let mut decisions = Vec::new();
        for (i, text) in form.decision.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            let responsible = form.responsible.get(i).cloned().unwrap_or_default();
            let due = bs_date(form.due_on.get(i).map(String::as_str).unwrap_or(""))?;
            decisions.push((text.clone(), responsible, due));
        }
        Ok(MeetingDraft {
            held_on,
            agenda: form.agenda.clone(),
            attendance,
            decisions,
        })
    })();
    match parsed {
        Ok(d) => {
            let mid = app.store.record_meeting(&me.actor(), c.id, &d).await?;
            // The minutes name people: a member who may not read them goes back to the
            // committee, not to a page that would refuse them.
            let next = if can(&me, Capability::ReadPersonal, Some(&c.target()), false) {
                format!("/meetings/{mid}")
            } else {
                format!("/committees/{}", c.id)
            };
            Ok(Redirect::to(&next).into_response())
        }
        Err(m) => {
            let msg = page.t(m);
            render_meeting_form(
                &app,
                page,
                &me,
                c,
                form,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Repeated fields (`present`, `decision`…) need the raw form: serde_urlencoded cannot read them.
fn parse_meeting_form(raw: &[u8]) -> MeetingForm {
    let mut f = MeetingForm::default();
    for (k, v) in form_urlencoded::parse(raw) {
        let v = v.into_owned();
        match k.as_ref() {
            "held_on" => f.held_on = v,
            "agenda" => f.agenda = v,
            "present" => f.present.push(v),
            "decision" => f.decision.push(v),
            "responsible" => f.responsible.push(v),
            "due_on" => f.due_on.push(v),
            _ => {}
        }
    }
    f
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

/// `GET /budget/{id}`: a budget line, its history and (for writers) its correction form.
pub async fn budget_line(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<records::SavedQuery>,
) -> Result<Response, WebError> {
    let (line, c) = line_for(&app, &me, &id, Capability::ReadDirectory).await?;
    let form = BudgetForm::of(&draft_of(&line), line.version);
    render_budget_line(
        &app,
        page,
        &me,
        &c,
        &line,
        &form,
        None,
        records::opening(&q),
    )
    .await
}

/// `POST /budget/{id}`: corrects a budget line (what was spent, most often).
pub async fn correct_budget_line(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<BudgetForm>,
) -> Result<Response, WebError> {
    let (line, c) = line_for(&app, &me, &id, Capability::WriteCommittees).await?;
    let outcome = match f.check().and_then(|d| Ok((d, f.base_version()?))) {
        Ok((d, version)) => Ok(app
            .store
            .correct_budget_line(&me.actor(), &id, version, &d)
            .await),
        Err(inv) => Err(inv),
    };
    records::answer(
        outcome,
        format!("/budget/{id}?saved=1"),
        |notice, inv| async move {
            if notice == Notice::Conflict {
                let line = app.store.budget_line(&id).await?;
                let form = BudgetForm {
                    version: line.version.to_string(),
                    ..f
                };
                return render_budget_line(&app, page, &me, &c, &line, &form, None, notice).await;
            }
            render_budget_line(&app, page, &me, &c, &line, &f, inv.as_ref(), notice).await
        },
    )
    .await
}

/// A budget line and its committee, if the reader may `cap` there (404 outside the scope).
async fn line_for(
    app: &AppState,
    me: &User,
    id: &str,
    cap: Capability,
) -> Result<(setu_store::committees::BudgetLine, Committee), WebError> {
    let line = app.store.budget_line(id).await?;
    let c = committee_for(app, me, &line.committee_id.to_string(), cap).await?;
    Ok((line, c))
}

fn draft_of(line: &setu_store::committees::BudgetLine) -> BudgetDraft {
    BudgetDraft {
        source: line.source,
        purpose: line.purpose.clone(),
        allocated: line.allocated,
        spent: line.spent,
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_budget_line(
    app: &AppState,
    page: Page,
    me: &User,
    c: &Committee,
    line: &setu_store::committees::BudgetLine,
    form: &BudgetForm,
    invalid: Option<&setu_core::Invalid>,
    notice: Notice,
) -> Result<Response, WebError> {
    let committee = committee_name(&page, c);
    let title = format!("{} · {}", page.t("plan-budget"), line.purpose);
    let page = page.with_title(title, "committees");
    let show = |field: &str, value: &str| -> (String, String) {
        match field {
            "source" => (page.t("budget-source"), page.t(&format!("source-{value}"))),
            "purpose" => (page.t("budget-purpose"), value.to_string()),
            "allocated" | "spent" => (
                page.t(&format!("budget-{field}")),
                value
                    .parse::<i64>()
                    .map(|n| page.num(&n))
                    .unwrap_or_default(),
            ),
            other => (other.to_string(), value.to_string()),
        }
    };
    let facts = vec![
        (
            page.t("plan-title"),
            line.fiscal_year.label(page.prefs.digits),
        ),
        show("source", line.source.as_str()),
        show("purpose", &line.purpose),
        show("allocated", &line.allocated.to_string()),
        show("spent", &line.spent.to_string()),
    ];
    let may_correct = can(me, Capability::WriteCommittees, Some(&c.target()), false);
    let text = |name: &'static str, value: &str, numeric: bool| FormField {
        numeric,
        ..records::field(name, show(name, "").0, value, true)
    };
    let mut fields = vec![
        FormField {
            options: choices(
                &page,
                FundingSource::ALL.iter().map(|s| s.as_str()),
                "source-",
                &form.source,
            ),
            ..text("source", &form.source, false)
        },
        text("purpose", &form.purpose, false),
        text("allocated", &form.allocated, true),
        text("spent", &form.spent, true),
    ];
    records::mark(&page, &mut fields, invalid);
    let view = RecordView {
        title: page.title.clone(),
        parent: (
            format!("/committees/{}?fy={}", c.id, line.fiscal_year),
            committee,
        ),
        facts,
        action: may_correct.then(|| format!("/budget/{}", line.id)),
        version: form.version.parse().unwrap_or(line.version),
        fields,
    };
    let rec = budget_ref(me, c, line);
    records::show(app, &page, view, rec, show, notice).await
}

fn budget_ref<'a>(
    me: &'a User,
    c: &Committee,
    line: &setu_store::committees::BudgetLine,
) -> RecordRef<'a> {
    RecordRef {
        entity: "budget-line",
        id: line.id.clone(),
        place: c.place.to_string(),
        personal: can(me, Capability::ReadPersonal, Some(&c.target()), false),
        withdrawable: true,
        me,
    }
}

/// `POST /budget/{id}/withdraw`: withdraws a budget line (entered twice, by mistake).
pub async fn withdraw_budget_line(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let (line, c) = line_for(&app, &me, &id, Capability::WriteCommittees).await?;
    let label = format!("{} · {}", line.fiscal_year, line.purpose);
    let form = BudgetForm::of(&draft_of(&line), line.version);
    records::withdraw(
        &app,
        budget_ref(&me, &c, &line),
        "budget_line",
        label,
        f,
        format!("/budget/{id}?saved=1"),
        |notice| render_budget_line(&app, page, &me, &c, &line, &form, None, notice),
    )
    .await
}

/// `GET /members/{id}`: a committee member (the name only for readers of personal data), her
/// history, and the correction form (marking her as gone, most often).
pub async fn member(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<records::SavedQuery>,
) -> Result<Response, WebError> {
    let (m, c, personal) = member_for(&app, &me, &id, Capability::ReadDirectory).await?;
    let form = member_form(&m, personal);
    render_member(&app, page, &me, &c, &m, &form, None, records::opening(&q)).await
}

/// `POST /members/{id}`: corrects a member.
pub async fn correct_member(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(mut f): Form<MemberForm>,
) -> Result<Response, WebError> {
    let (m, c, personal) = member_for(&app, &me, &id, Capability::WriteCommittees).await?;
    if !personal {
        // A name sent by someone who may not read names is not theirs to change.
        f.name = None;
    }
    let outcome = match f.check().and_then(|d| Ok((d, f.base_version()?))) {
        Ok((d, version)) => Ok(app
            .store
            .correct_member(&me.actor(), &id, version, &d)
            .await),
        Err(inv) => Err(inv),
    };
    records::answer(
        outcome,
        format!("/members/{id}?saved=1"),
        |notice, inv| async move {
            if notice == Notice::Conflict {
                let (m, _, _) = member_for(&app, &me, &id, Capability::WriteCommittees).await?;
                let form = MemberForm {
                    version: m.version.to_string(),
                    ..f
                };
                return render_member(&app, page, &me, &c, &m, &form, None, notice).await;
            }
            render_member(&app, page, &me, &c, &m, &f, inv.as_ref(), notice).await
        },
    )
    .await
}

/// A member, her committee, and whether the reader may read names there; 404 outside the scope.
async fn member_for(
    app: &AppState,
    me: &User,
    id: &str,
    cap: Capability,
) -> Result<(setu_store::committees::Member, Committee, bool), WebError> {
    let m = app.store.member(id, Reveal::No).await?;
    let c = committee_for(app, me, &m.committee_id.to_string(), cap).await?;
    let personal = can(me, Capability::ReadPersonal, Some(&c.target()), false);
    let actor = me.actor();
    let m = if personal {
        app.store.member(id, Reveal::To(&actor)).await?
    } else {
        m
    };
    Ok((m, c, personal))
}

#[allow(clippy::too_many_arguments)]
async fn render_member(
    app: &AppState,
    page: Page,
    me: &User,
    c: &Committee,
    m: &setu_store::committees::Member,
    form: &MemberForm,
    invalid: Option<&setu_core::Invalid>,
    notice: Notice,
) -> Result<Response, WebError> {
    let committee = committee_name(&page, c);
    let seat = page.t(&format!("seat-{}", m.seat.as_str()));
    let title = match &m.name {
        Some(n) => format!("{n} · {seat}"),
        None => seat,
    };
    let page = page.with_title(title, "committees");
    let show = |field: &str, value: &str| -> (String, String) {
        let date = |v: &str| {
            if v.is_empty() {
                "—".to_string()
            } else {
                page.date(v)
            }
        };
        match field {
            "name" => (page.t("member-name"), value.to_string()),
            "seat" => (page.t("member-seat"), page.t(&format!("seat-{value}"))),
            "term_start" => (page.t("member-term-start"), date(value)),
            "term_end" => (page.t("member-term-end"), date(value)),
            other => (other.to_string(), value.to_string()),
        }
    };
    let mut facts = Vec::new();
    if let Some(n) = &m.name {
        facts.push(show("name", n));
    }
    facts.push(show("seat", m.seat.as_str()));
    facts.push(show("term_start", &m.term_start));
    facts.push(show("term_end", m.term_end.as_deref().unwrap_or("")));
    let may_correct = can(me, Capability::WriteCommittees, Some(&c.target()), false);
    let field = |name: &'static str, value: &str, required: bool| {
        records::field(name, show(name, "").0, value, required)
    };
    let mut fields = Vec::new();
    if let Some(n) = &form.name {
        fields.push(field("name", n, true));
    }
    fields.push(FormField {
        options: choices(
            &page,
            Seat::ALL.iter().map(|s| s.as_str()),
            "seat-",
            &form.seat,
        ),
        ..field("seat", &form.seat, true)
    });
    fields.push(FormField {
        hint: Some(page.t("field-bs-date-hint")),
        ..field("term_start", &form.term_start, true)
    });
    fields.push(FormField {
        hint: Some(page.t("member-term-end-hint")),
        ..field("term_end", &form.term_end, false)
    });
    records::mark(&page, &mut fields, invalid);
    let view = RecordView {
        title: page.title.clone(),
        parent: (format!("/committees/{}", c.id), committee),
        facts,
        action: may_correct.then(|| format!("/members/{}", m.id)),
        version: form.version.parse().unwrap_or(m.version),
        fields,
    };
    let rec = member_ref(me, c, m, form.name.is_some());
    records::show(app, &page, view, rec, show, notice).await
}

fn member_ref<'a>(
    me: &'a User,
    c: &Committee,
    m: &setu_store::committees::Member,
    personal: bool,
) -> RecordRef<'a> {
    RecordRef {
        entity: "committee-member",
        id: m.id.clone(),
        place: c.place.to_string(),
        personal,
        withdrawable: true,
        me,
    }
}

/// `POST /members/{id}/withdraw`: withdraws a member recorded by mistake (one who left is
/// given the day she left instead).
pub async fn withdraw_member(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let (m, c, personal) = member_for(&app, &me, &id, Capability::WriteCommittees).await?;
    let label = page.t(&format!("seat-{}", m.seat.as_str()));
    let form = member_form(&m, personal);
    records::withdraw(
        &app,
        member_ref(&me, &c, &m, personal),
        "committee_member",
        label,
        f,
        format!("/members/{id}?saved=1"),
        |notice| render_member(&app, page, &me, &c, &m, &form, None, notice),
    )
    .await
}

/// The member's correction form, filled in from the record (the name only for readers of it).
fn member_form(m: &setu_store::committees::Member, personal: bool) -> MemberForm {
    MemberForm {
        name: personal.then(|| m.name.clone().unwrap_or_default()),
        seat: m.seat.as_str().into(),
        term_start: bs_text(Some(&m.term_start)),
        term_end: bs_text(m.term_end.as_deref()),
        version: m.version.to_string(),
    }
}

/// A meeting's own fields as its record page shows them.
struct MeetingRecord {
    id: String,
    held_on: String,
    /// Opened (and the view audited) only for readers of personal data.
    agenda: Option<String>,
    version: i64,
}

/// A meeting, its committee, and whether the reader may read its agenda; 404 outside the scope.
async fn meeting_for(
    app: &AppState,
    me: &User,
    id: &str,
    cap: Capability,
) -> Result<(MeetingRecord, Committee), WebError> {
    let (committee_id, held_on, version) = app.store.meeting_head(id).await?;
    let c = committee_for(app, me, &committee_id.to_string(), cap).await?;
    let agenda = if can(me, Capability::ReadPersonal, Some(&c.target()), false) {
        Some(app.store.meeting(id, &me.actor()).await?.agenda)
    } else {
        None
    };
    let record = MeetingRecord {
        id: id.to_string(),
        held_on,
        agenda,
        version,
    };
    Ok((record, c))
}

/// `GET /meetings/{id}/record`: a meeting's date (and agenda, for readers of personal data),
/// its history and its correction form.
pub async fn meeting_record(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<records::SavedQuery>,
) -> Result<Response, WebError> {
    let (m, c) = meeting_for(&app, &me, &id, Capability::ReadDirectory).await?;
    let form = meeting_record_form(&m);
    render_meeting_record(&app, page, &me, &c, &m, &form, None, records::opening(&q)).await
}

/// `POST /meetings/{id}/record`: corrects a meeting's date (and agenda).
pub async fn correct_meeting(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(mut f): Form<MeetingEditForm>,
) -> Result<Response, WebError> {
    let (m, c) = meeting_for(&app, &me, &id, Capability::WriteCommittees).await?;
    if m.agenda.is_none() {
        // An agenda sent by someone who may not read it is not theirs to change.
        f.agenda = None;
    }
    let outcome = match f.check().and_then(|d| Ok((d, f.base_version()?))) {
        Ok(((held_on, agenda), version)) => Ok(app
            .store
            .correct_meeting(&me.actor(), &id, version, held_on, agenda.as_deref())
            .await),
        Err(inv) => Err(inv),
    };
    records::answer(
        outcome,
        format!("/meetings/{id}/record?saved=1"),
        |notice, inv| async move {
            if notice == Notice::Conflict {
                let (m, _) = meeting_for(&app, &me, &id, Capability::WriteCommittees).await?;
                let form = MeetingEditForm {
                    version: m.version.to_string(),
                    ..f
                };
                return render_meeting_record(&app, page, &me, &c, &m, &form, None, notice).await;
            }
            render_meeting_record(&app, page, &me, &c, &m, &f, inv.as_ref(), notice).await
        },
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_meeting_record(
    app: &AppState,
    page: Page,
    me: &User,
    c: &Committee,
    m: &MeetingRecord,
    form: &MeetingEditForm,
    invalid: Option<&setu_core::Invalid>,
    notice: Notice,
) -> Result<Response, WebError> {
    let committee = committee_name(&page, c);
    let title = format!("{} · {}", page.t("minutes-title"), page.date(&m.held_on));
    let page = page.with_title(title, "committees");
    let show = |field: &str, value: &str| -> (String, String) {
        match field {
            "held_on" => (page.t("meeting-date"), page.date(value)),
            "agenda" => (page.t("meeting-agenda"), value.to_string()),
            other => (other.to_string(), value.to_string()),
        }
    };
    let mut facts = vec![show("held_on", &m.held_on)];
    if let Some(a) = &m.agenda {
        facts.push(show("agenda", a));
    }
    let may_correct = can(me, Capability::WriteCommittees, Some(&c.target()), false);
    let field =
        |name: &'static str, value: &str| records::field(name, show(name, "").0, value, true);
    let mut fields = vec![FormField {
        hint: Some(page.t("field-bs-date-hint")),
        ..field("held_on", &form.held_on)
    }];
    if let Some(a) = &form.agenda {
        fields.push(field("agenda", a));
    }
    records::mark(&page, &mut fields, invalid);
    let view = RecordView {
        title: page.title.clone(),
        parent: (format!("/committees/{}", c.id), committee),
        facts,
        action: may_correct.then(|| format!("/meetings/{}/record", m.id)),
        version: form.version.parse().unwrap_or(m.version),
        fields,
    };
    records::show(app, &page, view, meeting_ref(me, c, m), show, notice).await
}

fn meeting_ref<'a>(me: &'a User, c: &Committee, m: &MeetingRecord) -> RecordRef<'a> {
    RecordRef {
        entity: "committee-meeting",
        id: m.id.clone(),
        place: c.place.to_string(),
        personal: m.agenda.is_some(),
        withdrawable: true,
        me,
    }
}

/// The meeting's correction form, filled in from the record.
fn meeting_record_form(m: &MeetingRecord) -> MeetingEditForm {
    MeetingEditForm {
        held_on: bs_text(Some(&m.held_on)),
        agenda: m.agenda.clone(),
        version: m.version.to_string(),
    }
}

/// `POST /meetings/{id}/record/withdraw`: withdraws a meeting recorded twice or by mistake.
pub async fn withdraw_meeting(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let (m, c) = meeting_for(&app, &me, &id, Capability::WriteCommittees).await?;
    let label = format!("{} {}", page.t("minutes-title"), m.held_on);
    let form = meeting_record_form(&m);
    records::withdraw(
        &app,
        meeting_ref(&me, &c, &m),
        "committee_meeting",
        label,
        f,
        format!("/meetings/{id}/record?saved=1"),
        |notice| render_meeting_record(&app, page, &me, &c, &m, &form, None, notice),
    )
    .await
}

/// An activity and its committee, if the reader may `cap` there (404 outside the scope).
async fn activity_for(
    app: &AppState,
    me: &User,
    id: &str,
    cap: Capability,
) -> Result<(setu_store::committees::Activity, Committee), WebError> {
    let a = app.store.activity(id).await?;
    let c = committee_for(app, me, &a.committee_id.to_string(), cap).await?;
    Ok((a, c))
}

/// `GET /activities/{id}`: a planned activity, its history and its correction form.
pub async fn activity(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<records::SavedQuery>,
) -> Result<Response, WebError> {
    let (a, c) = activity_for(&app, &me, &id, Capability::ReadDirectory).await?;
    let form = activity_form(&a);
    render_activity(&app, page, &me, &c, &a, &form, None, records::opening(&q)).await
}

/// `POST /activities/{id}`: corrects an activity (marks it done, most often).
pub async fn correct_activity(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ActivityEditForm>,
) -> Result<Response, WebError> {
    let (a, c) = activity_for(&app, &me, &id, Capability::WriteCommittees).await?;
    let outcome = match f.check().and_then(|e| Ok((e, f.base_version()?))) {
        Ok((e, version)) => Ok(app
            .store
            .correct_activity(&me.actor(), &id, version, &e)
            .await),
        Err(inv) => Err(inv),
    };
    records::answer(
        outcome,
        format!("/activities/{id}?saved=1"),
        |notice, inv| async move {
            if notice == Notice::Conflict {
                let (a, _) = activity_for(&app, &me, &id, Capability::WriteCommittees).await?;
                let form = ActivityEditForm {
                    version: a.version.to_string(),
                    ..f
                };
                return render_activity(&app, page, &me, &c, &a, &form, None, notice).await;
            }
            render_activity(&app, page, &me, &c, &a, &f, inv.as_ref(), notice).await
        },
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_activity(
    app: &AppState,
    page: Page,
    me: &User,
    c: &Committee,
    a: &setu_store::committees::Activity,
    form: &ActivityEditForm,
    invalid: Option<&setu_core::Invalid>,
    notice: Notice,
) -> Result<Response, WebError> {
    let committee = committee_name(&page, c);
    let title = a.title.clone();
    let page = page.with_title(title, "committees");
    let show = |field: &str, value: &str| -> (String, String) {
        let date = |v: &str| {
            if v.is_empty() {
                "—".to_string()
            } else {
                page.date(v)
            }
        };
        match field {
            "title" => (page.t("activity-title"), value.to_string()),
            "planned_on" => (page.t("activity-planned"), date(value)),
            "done_on" => (page.t("activity-done"), date(value)),
            "responsible" => (page.t("activity-responsible"), value.to_string()),
            other => (other.to_string(), value.to_string()),
        }
    };
    let facts = vec![
        show("title", &a.title),
        show("planned_on", a.planned_on.as_deref().unwrap_or("")),
        show("done_on", a.done_on.as_deref().unwrap_or("")),
        show("responsible", &a.responsible),
    ];
    let may_correct = can(me, Capability::WriteCommittees, Some(&c.target()), false);
    let field = |name: &'static str, value: &str, required: bool| {
        records::field(name, show(name, "").0, value, required)
    };
    let date_hint = page.t("field-bs-date-hint");
    let mut fields = vec![
        field("title", &form.title, true),
        FormField {
            hint: Some(date_hint.clone()),
            ..field("planned_on", &form.planned_on, false)
        },
        FormField {
            hint: Some(date_hint),
            ..field("done_on", &form.done_on, false)
        },
        field("responsible", &form.responsible, true),
    ];
    records::mark(&page, &mut fields, invalid);
    let view = RecordView {
        title: page.title.clone(),
        parent: (format!("/committees/{}", c.id), committee),
        facts,
        action: may_correct.then(|| format!("/activities/{}", a.id)),
        version: form.version.parse().unwrap_or(a.version),
        fields,
    };
    records::show(app, &page, view, activity_ref(me, c, a), show, notice).await
}

fn activity_ref<'a>(
    me: &'a User,
    c: &Committee,
    a: &setu_store::committees::Activity,
) -> RecordRef<'a> {
    RecordRef {
        entity: "plan-activity",
        id: a.id.clone(),
        place: c.place.to_string(),
        personal: can(me, Capability::ReadPersonal, Some(&c.target()), false),
        withdrawable: true,
        me,
    }
}

/// The activity's correction form, filled in from the record.
fn activity_form(a: &setu_store::committees::Activity) -> ActivityEditForm {
    ActivityEditForm {
        title: a.title.clone(),
        planned_on: bs_text(a.planned_on.as_deref()),
        done_on: bs_text(a.done_on.as_deref()),
        responsible: a.responsible.clone(),
        version: a.version.to_string(),
    }
}

/// `POST /activities/{id}/withdraw`: withdraws an activity planned twice or by mistake.
pub async fn withdraw_activity(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let (a, c) = activity_for(&app, &me, &id, Capability::WriteCommittees).await?;
    let label = a.title.clone();
    let form = activity_form(&a);
    records::withdraw(
        &app,
        activity_ref(&me, &c, &a),
        "plan_activity",
        label,
        f,
        format!("/activities/{id}?saved=1"),
        |notice| render_activity(&app, page, &me, &c, &a, &form, None, notice),
    )
    .await
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
        })
    }
}
