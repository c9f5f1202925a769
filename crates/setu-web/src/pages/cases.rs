//! Survivors' cases (issue 16, first part): an organisation's caseworkers open a case for a
//! survivor, directly or from the record she was met in, and record her consents: to services,
//! to sharing with a named organisation, to follow-up contact. A case is read only inside the
//! organisation that holds it; every view of her name is audited.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use setu_core::access::{Capability, Scope, Target};
use setu_core::calendar::today_in_nepal;
use setu_core::cases::{
    CaseForm, CaseOrigin, CaseStatus, CloseReason, ConsentForm, ConsentKind, DeclineReason,
};
use setu_core::community::Sex;
use setu_store::auth::User;
use setu_store::cases::Case;
use setu_store::sealing::Reveal;

use crate::auth::{allow, can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::{choices, settle};
use crate::templates::{CaseFormPage, CasePage, CaseRow, CasesPage, ConsentRow, RenderHtml};
use crate::AppState;

mod attachments;
pub mod htcds;
mod justice;
mod summary;
mod visits;
pub use attachments::{add as add_attachment, file as attachment};
pub use justice::{add_hearing, record_justice};
pub use summary::summary;
pub use visits::visits;

/// Names opened for `actor` when `me` may read personal data (the view is then audited),
/// else left sealed.
fn reveal_to<'a>(me: &User, actor: &'a setu_store::audit::Actor) -> Reveal<'a> {
    if me.holds(Capability::ReadPersonal) {
        Reveal::To(actor)
    } else {
        Reveal::No
    }
}

/// The organisation whose cases `me` works on (caseworkers are scoped to one).
fn own_organisation(me: &User) -> Result<i64, WebError> {
    match me.scope {
        Scope::Organisation(org) => Ok(org),
        _ => Err(WebError::Forbidden),
    }
}

/// Who may act on a case: the organisation holding it.
fn target(case: &Case) -> Target {
    Target {
        organisation: Some(case.organisation_id),
        ..Default::default()
    }
}

/// The organisation a case is being transferred to, as a target.
fn receiver(case: &Case) -> Option<Target> {
    case.transfer.as_ref().map(|t| Target {
        organisation: Some(t.to),
        ..Default::default()
    })
}

/// A case `me` may use `cap` on (404 outside her organisation). The organisation a case is
/// offered to may read it, to decide.
pub(crate) async fn case_for(
    app: &AppState,
    me: &User,
    id: &str,
    cap: Capability,
) -> Result<Case, WebError> {
    let case = app.store.case(id, Reveal::No).await?;
    let held = allow(me, cap, Some(&target(&case)), false);
    let offered = cap == Capability::ReadSurvivorCases
        && receiver(&case).is_some_and(|t| can(me, cap, Some(&t), false));
    if held.is_err() && !offered {
        held?;
    }
    Ok(case)
}

/// A survivor's name as the reader may see it ("(sealed)" without the right to read names).
fn name_of(page: &Page, c: &Case) -> String {
    let name = [c.given_name.as_deref(), c.family_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        page.t("case-name-hidden")
    } else {
        name
    }
}

fn row(page: &Page, c: &Case) -> CaseRow {
    CaseRow {
        href: format!("/cases/{}", c.id),
        name: name_of(page, c),
        sex: page.t(&format!("sex-{}", c.sex.as_str())),
        home: c
            .home
            .map(|h| page.place(&h.to_string()))
            .unwrap_or_default(),
        origin: page.t(&format!("case-origin-{}", c.origin.as_str())),
        status: page.t(&format!("case-status-{}", c.status.as_str())),
        opened: page.date(&c.opened_on),
        opened_sort: c.opened_on.clone(),
    }
}

/// `GET /cases`: the cases of the reader's organisation, newest first.
pub async fn list(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Response, WebError> {
    list_page(&app, page, &me, StatusCode::OK).await
}

async fn list_page(
    app: &AppState,
    page: Page,
    me: &User,
    status: StatusCode,
) -> Result<Response, WebError> {
    let org = own_organisation(me)?;
    let actor = me.actor();
    let reveal = reveal_to(me, &actor);
    let cases = app.store.organisation_cases(org, reveal).await?;
    let offered = app.store.cases_offered_to(org, reveal).await?;
    let page = page.titled("cases-title", "cases");
    let mut referred = Vec::new();
    for r in app.store.case_referrals_to(org).await? {
        if matches!(r.status.as_str(), "sent" | "accepted") {
            referred.push(referral_row(app, &page, &r, r.from_org).await?);
        }
    }
    let fy = setu_core::FiscalYear::containing(today_in_nepal())
        .map_err(|_| WebError::Internal("fiscal year".into()))?;
    let budget = app
        .store
        .org_budget_lines(org, fy)
        .await?
        .into_iter()
        .map(|l| {
            (
                l.purpose,
                rupees(&page, l.allocated),
                rupees(&page, l.spent),
                rupees(&page, l.allocated - l.spent),
            )
        })
        .collect();
    let html = CasesPage {
        rows: cases.iter().map(|c| row(&page, c)).collect(),
        offered: offered.iter().map(|c| row(&page, c)).collect(),
        referred,
        can_write: can(me, Capability::WriteSurvivorCases, None, false),
        budget,
        fy_label: fy.label(page.prefs.digits),
        may_budget: me.holds(Capability::ApproveCaseClosure),
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// The organisation's own budget line for survivors, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OwnLineForm {
    purpose: String,
    allocated: String,
}

/// `POST /cases/budget`: a line of the organisation's own budget for survivors this fiscal
/// year (seed funding may then be paid from it); its supervisor adds it.
pub async fn add_own_line(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<OwnLineForm>,
) -> Result<Response, WebError> {
    let org = own_organisation(&me)?;
    let outcome = async {
        let mut c = setu_core::validation::Checker::default();
        let purpose = c.text("purpose", &f.purpose, 200);
        let allocated = c.amount("allocated", &f.allocated);
        if allocated <= 0 {
            c.fail("allocated", "error-seed-amount");
        }
        c.finish(())?;
        let fy = setu_core::FiscalYear::containing(today_in_nepal())
            .map_err(|_| WebError::Internal("fiscal year".into()))?;
        app.store
            .add_org_budget_line(&me.actor(), org, fy, &purpose, allocated)
            .await?;
        Ok("/cases#budget".to_string())
    }
    .await;
    settle(page, outcome, |page, r| {
        list_page(&app, page, &me, r.status)
    })
    .await
}

/// What a new case is opened from (`/cases/new?origin=handover&origin_id=…&person=…`): the
/// record, and for a hand-over the screening of the person handed over.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewCaseQuery {
    origin: String,
    origin_id: String,
    person: String,
}

/// `GET /cases/new`
pub async fn new(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<NewCaseQuery>,
) -> Result<Response, WebError> {
    // A hand-over carries over only a person it handed over.
    let handed_over = match q.origin.as_str() {
        "handover" => app
            .store
            .handover(&q.origin_id, Reveal::No)
            .await
            .is_ok_and(|h| h.persons.contains(&q.person)),
        _ => false,
    };
    let person = match q.origin.as_str() {
        "screening" => q.origin_id.as_str(),
        "handover" if handed_over => q.person.as_str(),
        _ => "",
    };
    let mut form = carried_over(&app, &me, person).await?;
    form.opened_on = today_bs(&page);
    form.origin = if q.origin.is_empty() {
        CaseOrigin::Direct.as_str().into()
    } else {
        q.origin
    };
    form.origin_id = q.origin_id;
    form_page(&app, page, &me, form, StatusCode::OK).await
}

/// Today in BS, in the reader's digits: what a date field for something done today starts with.
fn today_bs(page: &Page) -> String {
    setu_core::BsDate::from_ad(today_in_nepal())
        .map(|d| d.short(page.prefs.digits))
        .unwrap_or_default()
}

/// The person a case is opened for, carried over from her screening (never typed again):
/// her name, sex, year of birth and home, when the caseworker may read them (the reading is
/// audited as any other). Nothing when there is no such screening or she may not.
async fn carried_over(app: &AppState, me: &User, screening: &str) -> Result<CaseForm, WebError> {
    if screening.is_empty() {
        return Ok(CaseForm::default());
    }
    let Ok(plain) = app.store.screening(screening, Reveal::No).await else {
        return Ok(CaseForm::default());
    };
    if !crate::pages::booths::opens_screening(me, &plain) {
        return Ok(CaseForm::default());
    }
    let actor = me.actor();
    let s = app.store.screening(screening, Reveal::To(&actor)).await?;
    let year = s
        .day
        .get(..4)
        .and_then(|y| y.parse::<i64>().ok())
        .filter(|_| s.age > 0)
        .map(|y| (y - s.age).to_string());
    Ok(CaseForm {
        given_name: s.given_name.unwrap_or_default(),
        family_name: s.family_name.unwrap_or_default(),
        sex: s.sex.as_str().into(),
        birth_year: year.unwrap_or_default(),
        home: s.home_code.filter(|h| h.len() == 7).unwrap_or_default(),
        ..CaseForm::default()
    })
}

async fn form_page(
    app: &AppState,
    page: Page,
    me: &User,
    form: CaseForm,
    status: StatusCode,
) -> Result<Response, WebError> {
    let org = own_organisation(me)?;
    let o = app.store.organisation(org).await?;
    let page = page.titled("case-new", "cases");
    let html = CaseFormPage {
        organisation: page.name(&Some(o.name_en), &o.name_ne),
        origins: choices(
            &page,
            CaseOrigin::ALL.iter().map(|o| o.as_str()),
            "case-origin-",
            &form.origin,
        ),
        sexes: choices(
            &page,
            Sex::ALL.iter().map(|s| s.as_str()),
            "sex-",
            &form.sex,
        ),
        form,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// `POST /cases`: opens a case for the writer's own organisation.
pub async fn create(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(mut f): Form<CaseForm>,
) -> Result<Response, WebError> {
    let outcome = async {
        f.organisation = own_organisation(&me)?.to_string();
        let d = f.check(today_in_nepal())?;
        let id = app.store.open_case(&me.actor(), &d, Some(&me.id)).await?;
        Ok(format!("/cases/{id}"))
    }
    .await;
    settle(page, outcome, |page, r| {
        form_page(&app, page, &me, f, r.status)
    })
    .await
}

/// Her consents in words, each with whether it stands today.
async fn consent_rows(app: &AppState, page: &Page, id: &str) -> Result<Vec<ConsentRow>, WebError> {
    let today = today_in_nepal();
    let mut consents = Vec::new();
    for c in app.store.case_consents(id).await? {
        let with = match c.with_org {
            Some(org) => {
                let o = app.store.organisation(org).await?;
                page.name(&Some(o.name_en), &o.name_ne)
            }
            None => String::new(),
        };
        consents.push(ConsentRow {
            kind: page.t(&format!("consent-{}", c.kind.as_str())),
            with,
            given: page.date(&c.given_on),
            taken_by: c.taken_by.clone(),
            guardian: c.guardian,
            withdrawn: c.withdrawn_on.as_deref().map(|w| page.date(w)),
            stands: c.stands_on(today),
            id: c.id,
        });
    }
    Ok(consents)
}

/// `GET /cases/{id}`: the case, her consents and the form for another.
pub async fn show(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    case_page(&app, page, &me, &id, StatusCode::OK).await
}

async fn case_page(
    app: &AppState,
    page: Page,
    me: &User,
    id: &str,
    status: StatusCode,
) -> Result<Response, WebError> {
    case_for(app, me, id, Capability::ReadSurvivorCases).await?;
    let actor = me.actor();
    let case = if me.holds(Capability::ReadPersonal) {
        app.store.case(id, Reveal::To(&actor)).await?
    } else {
        app.store.case(id, Reveal::No).await?
    };
    let today = today_in_nepal();
    let consents = consent_rows(app, &page, id).await?;
    let orgs = crate::pages::handovers::org_choices(
        app,
        &page,
        &[
            setu_core::directory::OrgKind::Ngo,
            setu_core::directory::OrgKind::PoliceUnit,
        ],
    )
    .await?;
    let title = name_of(&page, &case);
    let page = page.with_title(title, "cases");
    let html = CasePage {
        row: row(&page, &case),
        birth_year: case
            .birth_year
            .map(|y| page.digits(&y.to_string()))
            .unwrap_or_default(),
        guardian: case.guardian_name.as_ref().map(|g| {
            format!(
                "{g} ({})",
                case.guardian_relation.clone().unwrap_or_default()
            )
        }),
        child: case
            .birth_year
            .is_some_and(|y| today.year() - y < setu_core::cases::ADULT_AGE),
        consents,
        kinds: choices(
            &page,
            ConsentKind::ALL.iter().map(|k| k.as_str()),
            "consent-",
            "",
        ),
        orgs,
        closure: closure_view(&page, me, &case),
        handling: handling_view(app, &page, me, &case).await?,
        assessment: assessment_view(app, &page, me, &case).await?,
        plan: plan_view(app, &page, me, &case).await?,
        followups: followup_view(app, &page, me, &case).await?,
        services: service_view(app, &page, me, &case).await?,
        referrals: referral_view(app, &page, me, &case).await?,
        experience: experience_view(app, &page, me, &case).await?,
        justice: justice::justice_view(app, &page, me, &case).await?,
        attachments: attachments::attachment_view(app, &page, me, &case).await?,
        reasons: choices(
            &page,
            CloseReason::ALL.iter().map(|r| r.as_str()),
            "close-reason-",
            "",
        ),
        today: today_bs(&page),
        can_write: can(
            me,
            Capability::WriteSurvivorCases,
            Some(&target(&case)),
            false,
        ),
        id: case.id.clone(),
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// A change to case `id` by someone who may write it there: `change` runs only after the
/// access check (an async block does nothing until awaited), and the answer is
/// [`back_to_case`].
async fn change_case(
    app: &AppState,
    page: Page,
    me: &User,
    id: &str,
    change: impl std::future::Future<Output = Result<(), WebError>>,
) -> Result<Response, WebError> {
    case_for(app, me, id, Capability::WriteSurvivorCases).await?;
    back_to_case(app, page, me, id, change.await).await
}

/// Answers a change to case `id`: back to the case when it was stored, else the case's page
/// again with the refusal on its form.
async fn back_to_case(
    app: &AppState,
    page: Page,
    me: &User,
    id: &str,
    outcome: Result<(), WebError>,
) -> Result<Response, WebError> {
    let outcome = outcome.map(|()| format!("/cases/{id}"));
    settle(page, outcome, |page, r| {
        case_page(app, page, me, id, r.status)
    })
    .await
}

/// Where the case's closure stands, as the reader reads it, and what she may do about it.
fn closure_view(page: &Page, me: &User, case: &Case) -> crate::templates::ClosureView {
    let may = |cap| can(me, cap, Some(&target(case)), false);
    let asked_by_me = case
        .closure_asked
        .as_ref()
        .is_some_and(|(who, _)| *who == me.username);
    crate::templates::ClosureView {
        may_ask: case.status == CaseStatus::Open && may(Capability::WriteSurvivorCases),
        asked: case
            .closure_asked
            .as_ref()
            .map(|(who, on)| (page.t1("case-close-asked", "who", who), page.date(on))),
        reason: case
            .close_reason
            .map(|r| page.t(&format!("close-reason-{}", r.as_str())))
            .unwrap_or_default(),
        note: case.close_note.clone().unwrap_or_default(),
        may_decide: case.status == CaseStatus::ClosureRequested
            && may(Capability::ApproveCaseClosure)
            && !asked_by_me,
        waits_for_another: case.status == CaseStatus::ClosureRequested && asked_by_me,
        closed: case
            .closed
            .as_ref()
            .filter(|_| case.status == CaseStatus::Closed)
            .map(|(_, on)| page.t1("case-closed", "date", &page.date(on))),
        may_reopen: case.status == CaseStatus::Closed && may(Capability::WriteSurvivorCases),
    }
}

/// An organisation's name in the reader's language.
async fn org_name(app: &AppState, page: &Page, id: i64) -> Result<String, WebError> {
    let o = app.store.organisation(id).await?;
    Ok(page.name(&Some(o.name_en), &o.name_ne))
}

/// Who works the case and where it is going, as the reader reads it, and what she may do.
async fn handling_view(
    app: &AppState,
    page: &Page,
    me: &User,
    case: &Case,
) -> Result<crate::templates::HandlingView, WebError> {
    let holds = can(
        me,
        Capability::WriteSurvivorCases,
        Some(&target(case)),
        false,
    );
    let answers =
        receiver(case).is_some_and(|t| can(me, Capability::WriteSurvivorCases, Some(&t), false));
    let mut caseworkers = Vec::new();
    let mut caseworker = page.t("case-no-caseworker");
    for u in app
        .store
        .organisation_caseworkers(case.organisation_id)
        .await?
    {
        let label = u.full_name.clone().unwrap_or_else(|| u.username.clone());
        let selected = case.caseworker_id.as_deref() == Some(u.id.as_str());
        if selected {
            caseworker = label.clone();
        }
        caseworkers.push(crate::templates::Choice {
            value: u.id,
            label,
            selected,
        });
    }
    let pending = match &case.transfer {
        Some(t) => Some(page.tn(
            "case-transfer-pending",
            &[
                ("org", &org_name(app, page, t.to).await?),
                ("who", &t.asked_by),
                ("date", &page.date(&t.asked_on)),
            ],
        )),
        None => None,
    };
    let today = today_in_nepal();
    let mut receivers = Vec::new();
    if holds && case.status == CaseStatus::Open {
        for c in app.store.case_consents(&case.id).await? {
            let Some(org) = c.with_org.filter(|&o| o != case.organisation_id) else {
                continue;
            };
            if c.kind == ConsentKind::Sharing && c.stands_on(today) {
                receivers.push(crate::templates::Choice {
                    value: org.to_string(),
                    label: org_name(app, page, org).await?,
                    selected: false,
                });
            }
        }
        receivers.dedup_by(|a, b| a.value == b.value);
    }
    Ok(crate::templates::HandlingView {
        caseworker,
        may_assign: holds && case.status != CaseStatus::Closed,
        caseworkers,
        pending,
        may_cancel: holds && case.status == CaseStatus::TransferPending,
        may_answer: answers && case.status == CaseStatus::TransferPending,
        declined: case
            .transfer_declined
            .map(|r| page.t(&format!("decline-reason-{}", r.as_str()))),
        may_send: holds && case.status == CaseStatus::Open,
        receivers,
        decline_reasons: choices(
            page,
            DeclineReason::ALL.iter().map(|r| r.as_str()),
            "decline-reason-",
            "",
        ),
        version: case.version,
    })
}

/// The x of the `i`-th of `n` points across a domain chart (200 wide, labels on the left).
fn chart_x(i: usize, n: usize) -> f64 {
    match n {
        0 | 1 => 105.0,
        _ => 24.0 + 166.0 * i as f64 / (n - 1) as f64,
    }
}

/// The y of score `s` (1 low, 4 high) in a domain chart (80 high).
fn chart_y(s: i64) -> f64 {
    68.0 - 18.0 * (s - 1) as f64
}

/// A case's assessments as the reader reads them: one small chart per domain over time, the
/// table of every score and note, and the form for the next.
async fn assessment_view(
    app: &AppState,
    page: &Page,
    me: &User,
    case: &Case,
) -> Result<crate::templates::AssessmentView, WebError> {
    use crate::templates::{AssessmentRow, DomainSeries};
    use setu_core::cases::Domain;
    let actor = me.actor();
    let reveal = reveal_to(me, &actor);
    let all = app.store.case_assessments(&case.id, reveal).await?;
    let n = all.len();
    let series = if n == 0 {
        Vec::new()
    } else {
        Domain::ALL
            .iter()
            .enumerate()
            .map(|(k, d)| {
                let name = page.t(&format!("domain-{}", d.as_str()));
                let dots: Vec<(String, String, String)> = all
                    .iter()
                    .enumerate()
                    .filter_map(|(i, a)| a.scores.get(k).map(|sc| (i, a, sc.1)))
                    .map(|(i, a, score)| {
                        let label = page.t(&format!("score-{score}"));
                        (
                            format!("{:.1}", chart_x(i, n)),
                            format!("{:.1}", chart_y(score)),
                            format!("{}: {label}", page.date(&a.assessed_on)),
                        )
                    })
                    .collect();
                let latest = all.last().and_then(|a| a.scores.get(k)).map_or(0, |s| s.1);
                DomainSeries {
                    aria: page.tn(
                        "case-assessment-chart",
                        &[
                            ("domain", &name),
                            ("score", &page.t(&format!("score-{latest}"))),
                        ],
                    ),
                    name,
                    points: dots
                        .iter()
                        .map(|(x, y, _)| format!("{x},{y}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    dots,
                    latest,
                    latest_text: page.t(&format!("score-{latest}")),
                }
            })
            .collect()
    };
    let rows = all
        .iter()
        .rev()
        .map(|a| AssessmentRow {
            day: page.date(&a.assessed_on),
            by: a.assessed_by.clone(),
            scores: a
                .scores
                .iter()
                .map(|(d, score, note)| {
                    (
                        page.t(&format!("domain-{}", d.as_str())),
                        *score,
                        note.clone().unwrap_or_default(),
                    )
                })
                .collect(),
        })
        .collect();
    Ok(crate::templates::AssessmentView {
        series,
        rows,
        domains: Domain::ALL
            .iter()
            .map(|d| {
                (
                    page.t(&format!("domain-{}", d.as_str())),
                    d.score_field(),
                    d.note_field(),
                )
            })
            .collect(),
        scale: setu_core::cases::SCORES
            .map(|s| (s, page.t(&format!("score-{s}"))))
            .collect(),
        may_assess: case.status != CaseStatus::Closed
            && can(
                me,
                Capability::WriteSurvivorCases,
                Some(&target(case)),
                false,
            ),
    })
}

/// A case's support plan as the reader reads it.
async fn plan_view(
    app: &AppState,
    page: &Page,
    me: &User,
    case: &Case,
) -> Result<crate::templates::PlanView, WebError> {
    use crate::templates::{GoalRow, TaskRow};
    let actor = me.actor();
    let reveal = reveal_to(me, &actor);
    let plan = app.store.case_plan(&case.id, reveal).await?;
    let today = setu_core::calendar::iso(today_in_nepal());
    let hidden = page.t("case-name-hidden");
    let goals: Vec<GoalRow> = plan
        .goals
        .iter()
        .map(|g| GoalRow {
            id: g.id.clone(),
            domain: page.t(&format!("domain-{}", g.domain.as_str())),
            goal: g.goal.clone().unwrap_or_else(|| hidden.clone()),
            status: page.t(&format!("goal-{}", g.status)),
            open: g.status == "open",
            tasks: g
                .tasks
                .iter()
                .map(|t| TaskRow {
                    id: t.id.clone(),
                    task: t.task.clone().unwrap_or_else(|| hidden.clone()),
                    due: page.date(&t.due_on),
                    responsible: t.responsible.clone(),
                    done: t.done_on.as_deref().map(|d| page.date(d)),
                    overdue: t.done_on.is_none() && t.due_on < today,
                })
                .collect(),
        })
        .collect();
    let reviews = plan
        .reviews
        .iter()
        .map(|r| {
            let mut text = page.tn(
                "support-plan-reviewed",
                &[
                    ("date", &page.date(&r.reviewed_on)),
                    ("who", &r.reviewed_by),
                ],
            );
            if let Some(next) = &r.next_review_on {
                text.push_str(" · ");
                text.push_str(&page.t1("support-plan-next-review", "date", &page.date(next)));
            }
            (text, r.note.clone().unwrap_or_default())
        })
        .collect();
    let review_due = plan
        .reviews
        .first()
        .and_then(|r| r.next_review_on.clone())
        .filter(|next| *next < today)
        .map(|next| page.t1("support-plan-review-overdue", "date", &page.date(&next)));
    Ok(crate::templates::PlanView {
        open_goals: goals
            .iter()
            .filter(|g| g.open)
            .map(|g| crate::templates::Choice {
                value: g.id.clone(),
                label: format!("{}: {}", g.domain, g.goal),
                selected: false,
            })
            .collect(),
        goals,
        reviews,
        review_due,
        domains: choices(
            page,
            setu_core::cases::Domain::ALL.iter().map(|d| d.as_str()),
            "domain-",
            "",
        ),
        may_plan: case.status != CaseStatus::Closed
            && can(
                me,
                Capability::WriteSurvivorCases,
                Some(&target(case)),
                false,
            ),
    })
}

/// Her return home and the follow-ups after it, as the reader reads them.
async fn followup_view(
    app: &AppState,
    page: &Page,
    me: &User,
    case: &Case,
) -> Result<crate::templates::FollowUpView, WebError> {
    use crate::templates::FollowUpRow;
    use setu_core::cases::Reintegration;
    let actor = me.actor();
    let reveal = reveal_to(me, &actor);
    let today = setu_core::calendar::iso(today_in_nepal());
    let all = app.store.case_followups(&case.id, reveal).await?;
    let rows: Vec<FollowUpRow> = all
        .iter()
        .map(|f| FollowUpRow {
            due: page.date(&f.due_on),
            done: f.done_on.as_deref().map(|d| {
                let how = f
                    .contact
                    .map(|c| page.t(&format!("followup-by-{}", c.as_str())))
                    .unwrap_or_default();
                format!("{} · {how}", page.date(d))
            }),
            found: f
                .found
                .iter()
                .map(|r| page.t(&format!("reintegration-{}", r.as_str())))
                .collect::<Vec<_>>()
                .join(", "),
            note: f.note.clone().unwrap_or_default(),
            overdue: f.done_on.is_none() && f.due_on <= today,
        })
        .collect();
    Ok(crate::templates::FollowUpView {
        returned: case.returned_on.as_deref().map(|d| page.date(d)),
        scheduled: all
            .iter()
            .filter(|f| f.done_on.is_none())
            .map(|f| crate::templates::Choice {
                value: f.id.clone(),
                label: page.date(&f.due_on),
                selected: false,
            })
            .collect(),
        rows,
        found: Reintegration::ALL
            .iter()
            .map(|r| (r.field(), page.t(&format!("reintegration-{}", r.as_str()))))
            .collect(),
        may_write: case.status != CaseStatus::Closed
            && can(
                me,
                Capability::WriteSurvivorCases,
                Some(&target(case)),
                false,
            ),
    })
}

/// How long after `from` (a UTC timestamp) `to` came, in hours, in words.
fn after_hours(page: &Page, from: &str, to: &str) -> String {
    let at = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    };
    match (at(from), at(to)) {
        (Some(a), Some(b)) => {
            let hours = (b - a).whole_hours().max(0);
            page.t1("case-referral-after-hours", "n", &page.num(&hours))
        }
        _ => String::new(),
    }
}

/// Whether a referral sent at `sent_at` and not answered is past its day.
pub(crate) fn referral_overdue(r: &setu_store::case_referrals::CaseReferral) -> bool {
    let sent =
        time::OffsetDateTime::parse(&r.sent_at, &time::format_description::well_known::Rfc3339);
    r.status == "sent"
        && sent.is_ok_and(|s| {
            time::OffsetDateTime::now_utc() - s
                > time::Duration::hours(setu_store::case_referrals::ANSWER_WITHIN_HOURS)
        })
}

/// A referral's standing in words: its status, how long the answer took, overdue, and whether
/// her consent to the sharing still stands.
async fn referral_row(
    app: &AppState,
    page: &Page,
    r: &setu_store::case_referrals::CaseReferral,
    org: i64,
) -> Result<crate::templates::ReferralRow, WebError> {
    let today = today_in_nepal();
    let consent = r.by_glass
        || app
            .store
            .may_share_case(&r.case_id, r.to_org, today)
            .await?;
    let mut status = page.t(&format!("case-referral-status-{}", r.status));
    if let Some(a) = &r.answered_at {
        status.push_str(" · ");
        status.push_str(&after_hours(page, &r.sent_at, a));
    }
    if let Some(reason) = r.decline_reason {
        status.push_str(" · ");
        status.push_str(&page.t(&format!("decline-reason-{}", reason.as_str())));
    }
    if let Some(d) = &r.delivered_on {
        status.push_str(" · ");
        status.push_str(&page.t1("case-referral-delivered-on", "date", &page.date(d)));
    }
    Ok(crate::templates::ReferralRow {
        id: r.id.clone(),
        org: org_name(app, page, org).await?,
        service: page.t(&format!("case-service-{}", r.service.as_str())),
        sent: page.date(&r.sent_at),
        status,
        overdue: referral_overdue(r),
        by_glass: r.by_glass,
        consent_withdrawn: !consent,
        closable: r.status == "delivered",
    })
}

/// The case's referrals as its holder reads them, and the form to send one.
async fn referral_view(
    app: &AppState,
    page: &Page,
    me: &User,
    case: &Case,
) -> Result<crate::templates::ReferralView, WebError> {
    let mut rows = Vec::new();
    for r in app.store.case_referrals_of(&case.id).await? {
        rows.push(referral_row(app, page, &r, r.to_org).await?);
    }
    let kinds = [
        setu_core::directory::OrgKind::Ngo,
        setu_core::directory::OrgKind::PoliceUnit,
    ];
    let orgs = crate::pages::handovers::org_choices(app, page, &kinds)
        .await?
        .into_iter()
        .filter(|o| o.value != case.organisation_id.to_string())
        .collect();
    Ok(crate::templates::ReferralView {
        rows,
        orgs,
        services: choices(
            page,
            setu_core::cases::ServiceKind::ALL
                .iter()
                .map(|k| k.as_str()),
            "case-service-",
            "",
        ),
        may_write: case.status != CaseStatus::Closed
            && can(
                me,
                Capability::WriteSurvivorCases,
                Some(&target(case)),
                false,
            ),
    })
}

/// A referral as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReferralForm {
    to_org: String,
    service: String,
    note: String,
    glass: String,
}

/// `POST /cases/{id}/referrals`: with her consent to sharing with the receiver, or by
/// break-the-glass with its reason.
pub async fn send_referral(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ReferralForm>,
) -> Result<Response, WebError> {
    let change = async {
        let mut c = setu_core::validation::Checker::default();
        let to_org = c.choose("to_org", &f.to_org, |v| {
            v.parse::<i64>().ok().filter(|n| *n > 0)
        });
        let service = c.choose("service", &f.service, setu_core::cases::ServiceKind::parse);
        let note = c.optional_text("note", &f.note, 500);
        let glass = c.optional_text("glass", &f.glass, 500);
        c.finish(())?;
        let (Some(to_org), Some(service)) = (to_org, service) else {
            return Err(WebError::BadRequest);
        };
        let d = setu_store::case_referrals::ReferralDraft {
            to_org,
            service,
            note,
            glass,
        };
        app.store
            .send_case_referral(&me.actor(), &id, &d, today_in_nepal())
            .await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// The referral a holder closes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReferralChoice {
    referral: String,
}

/// `POST /cases/{id}/referrals/close`: the sender closes a delivered referral of this case.
pub async fn close_referral(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ReferralChoice>,
) -> Result<Response, WebError> {
    let change = async {
        let ours = app
            .store
            .case_referrals_of(&id)
            .await?
            .iter()
            .any(|r| r.id == f.referral);
        if !ours {
            return Err(setu_store::StoreError::Rejected("error-referral-status").into());
        }
        app.store
            .close_case_referral(&me.actor(), &f.referral)
            .await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// A referral the reader's organisation received (404 to anyone else).
async fn received(
    app: &AppState,
    me: &User,
    id: &str,
    cap: Capability,
) -> Result<setu_store::case_referrals::CaseReferral, WebError> {
    let r = app.store.case_referral(id, Reveal::No).await?;
    let to = Target {
        organisation: Some(r.to_org),
        ..Default::default()
    };
    allow(me, cap, Some(&to), false)?;
    Ok(r)
}

/// `GET /case-referrals/{id}`: the referral's part of the case, for the receiving
/// organisation: her name while her consent stands (or the glass allowed it), sex, year of
/// birth, home, the service and the note; never the rest of the case.
pub async fn show_referral(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    referral_page(&app, page, &me, &id, StatusCode::OK).await
}

async fn referral_page(
    app: &AppState,
    page: Page,
    me: &User,
    id: &str,
    status: StatusCode,
) -> Result<Response, WebError> {
    received(app, me, id, Capability::ReadSurvivorCases).await?;
    let actor = me.actor();
    let reveal = reveal_to(me, &actor);
    let r = app.store.case_referral(id, reveal).await?;
    let row = referral_row(app, &page, &r, r.from_org).await?;
    let case = if row.consent_withdrawn {
        app.store.case(&r.case_id, Reveal::No).await?
    } else {
        app.store.case(&r.case_id, reveal).await?
    };
    let name = if row.consent_withdrawn {
        page.t("case-referral-consent-withdrawn")
    } else {
        name_of(&page, &case)
    };
    let title = page.t("case-referral-title");
    let page = page.with_title(title, "cases");
    let html = crate::templates::CaseReferralPage {
        name,
        sex: page.t(&format!("sex-{}", case.sex.as_str())),
        birth_year: case
            .birth_year
            .map(|y| page.digits(&y.to_string()))
            .unwrap_or_default(),
        home: case
            .home
            .map(|h| page.place(&h.to_string()))
            .unwrap_or_default(),
        note: r.note.clone().unwrap_or_default(),
        may_answer: r.status == "sent"
            && can(
                me,
                Capability::WriteSurvivorCases,
                Some(&Target {
                    organisation: Some(r.to_org),
                    ..Default::default()
                }),
                false,
            ),
        may_deliver: r.status == "accepted"
            && can(
                me,
                Capability::WriteSurvivorCases,
                Some(&Target {
                    organisation: Some(r.to_org),
                    ..Default::default()
                }),
                false,
            ),
        reasons: choices(
            &page,
            DeclineReason::ALL.iter().map(|x| x.as_str()),
            "decline-reason-",
            "",
        ),
        today: today_bs(&page),
        row,
        id: id.to_string(),
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// The receiver's answer, or the day it delivered.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReferralAnswer {
    decision: String,
    reason: String,
    on: String,
}

/// `POST /case-referrals/{id}/answer`: accepted, or declined with a reason.
pub async fn answer_referral(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ReferralAnswer>,
) -> Result<Response, WebError> {
    received(&app, &me, &id, Capability::WriteSurvivorCases).await?;
    let outcome = async {
        let declined = match f.decision.as_str() {
            "accept" => None,
            "decline" => {
                let mut c = setu_core::validation::Checker::default();
                let reason = c.choose("reason", &f.reason, DeclineReason::parse);
                c.finish(())?;
                Some(reason.ok_or(WebError::BadRequest)?)
            }
            _ => return Err(WebError::BadRequest),
        };
        app.store
            .answer_case_referral(&me.actor(), &id, declined)
            .await?;
        Ok(format!("/case-referrals/{id}"))
    }
    .await;
    settle(page, outcome, |page, r| {
        referral_page(&app, page, &me, &id, r.status)
    })
    .await
}

/// `POST /case-referrals/{id}/delivered`
pub async fn deliver_referral(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ReferralAnswer>,
) -> Result<Response, WebError> {
    received(&app, &me, &id, Capability::WriteSurvivorCases).await?;
    let outcome = async {
        let mut c = setu_core::validation::Checker::default();
        let on = c.past_date("on", &f.on, today_in_nepal());
        c.finish(())?;
        let on = on.ok_or(WebError::BadRequest)?;
        app.store
            .deliver_case_referral(&me.actor(), &id, on)
            .await?;
        Ok(format!("/case-referrals/{id}"))
    }
    .await;
    settle(page, outcome, |page, r| {
        referral_page(&app, page, &me, &id, r.status)
    })
    .await
}

/// A multiselect's values as checkboxes: field `prefix_<Value>`, its words, ticked or not.
fn boxes<T: Copy + PartialEq>(
    page: &Page,
    prefix: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    ticked: &[T],
) -> Vec<crate::templates::Choice> {
    all.iter()
        .map(|v| crate::templates::Choice {
            value: format!("{prefix}_{}", name(*v)),
            label: page.t(&format!("htcds-{prefix}-{}", name(*v))),
            selected: ticked.contains(v),
        })
        .collect()
}

/// Her experience in the standard's terms, her perpetrators (relation and role only), and the
/// forms for them.
async fn experience_view(
    app: &AppState,
    page: &Page,
    me: &User,
    case: &Case,
) -> Result<crate::templates::ExperienceView, WebError> {
    use setu_core::cases::{
        Control, Exploitation, PerpetratorRole, Recruitment, Relation, TraffickingStatus,
    };
    let e = app.store.experience(&case.id).await?;
    let actor = me.actor();
    let perpetrators = app
        .store
        .perpetrators(&case.id, reveal_to(me, &actor))
        .await?
        .iter()
        .map(|p| match p.relation {
            Some(r) => format!(
                "{} · {}",
                page.t(&format!("htcds-relation-{}", r.as_str())),
                p.roles
                    .iter()
                    .map(|x| page.t(&format!("htcds-role-{}", x.as_str())))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => page.t("case-name-hidden"),
        })
        .collect();
    let words = |prefix: &str, names: Vec<&'static str>| {
        names
            .iter()
            .map(|n| page.t(&format!("htcds-{prefix}-{n}")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut facts = Vec::new();
    if let Some(st) = e.status {
        facts.push((
            page.t("experience-status"),
            page.t(&format!("htcds-status-{}", st.as_str())),
        ));
    }
    for (label, prefix, names) in [
        (
            "experience-exploitation",
            "exploitation",
            e.exploitation
                .iter()
                .map(|x| x.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "experience-recruitment",
            "recruitment",
            e.recruitment.iter().map(|x| x.as_str()).collect(),
        ),
        (
            "experience-control",
            "control",
            e.control.iter().map(|x| x.as_str()).collect(),
        ),
    ] {
        if !names.is_empty() {
            facts.push((page.t(label), words(prefix, names)));
        }
    }
    if let Some(d) = &e.destination {
        facts.push((page.t("experience-destination"), d.clone()));
    }
    if let Some(a) = e.age_trafficked {
        facts.push((page.t("experience-age"), page.num(&a)));
    }
    if let Some(m) = e.months {
        facts.push((page.t("experience-months"), page.num(&m)));
    }
    Ok(crate::templates::ExperienceView {
        facts,
        perpetrators,
        statuses: TraffickingStatus::ALL
            .iter()
            .map(|st| crate::templates::Choice {
                value: st.as_str().into(),
                label: page.t(&format!("htcds-status-{}", st.as_str())),
                selected: e.status == Some(*st),
            })
            .collect(),
        exploitation: boxes(
            page,
            "exploitation",
            Exploitation::ALL,
            Exploitation::as_str,
            &e.exploitation,
        ),
        recruitment: boxes(
            page,
            "recruitment",
            Recruitment::ALL,
            Recruitment::as_str,
            &e.recruitment,
        ),
        control: boxes(page, "control", Control::ALL, Control::as_str, &e.control),
        relations: choices(
            page,
            Relation::ALL.iter().map(|r| r.as_str()),
            "htcds-relation-",
            "",
        ),
        roles: boxes(
            page,
            "role",
            PerpetratorRole::ALL,
            PerpetratorRole::as_str,
            &[],
        ),
        destination: e.destination.clone().unwrap_or_default(),
        age: e.age_trafficked.map(|a| a.to_string()).unwrap_or_default(),
        months: e.months.map(|m| m.to_string()).unwrap_or_default(),
        version: e.version,
        may_write: can(
            me,
            Capability::WriteSurvivorCases,
            Some(&target(case)),
            false,
        ),
    })
}

/// `POST /cases/{id}/experience`: recorded or corrected at the version read.
pub async fn record_experience(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<setu_core::cases::ExperienceForm>,
) -> Result<Response, WebError> {
    let change = async {
        app.store
            .record_experience(&me.actor(), &id, &f.check()?)
            .await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// `POST /cases/{id}/perpetrators`: relation and roles only.
pub async fn add_perpetrator(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<setu_core::cases::PerpetratorForm>,
) -> Result<Response, WebError> {
    let change = async {
        app.store
            .add_perpetrator(&me.actor(), &id, &f.check()?)
            .await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// Rupees in the reader's digits and grouping.
pub(crate) fn rupees(page: &Page, n: i64) -> String {
    page.t1("rupees", "n", &page.num(&n))
}

/// The services she was given, with seed funding's tranches, and the forms to add more.
async fn service_view(
    app: &AppState,
    page: &Page,
    me: &User,
    case: &Case,
) -> Result<crate::templates::ServiceView, WebError> {
    use crate::templates::ServiceRow;
    use setu_core::cases::{ServiceKind, ServiceOutcome};
    let services = app.store.case_services(&case.id).await?;
    let lines = app.store.case_funding_lines(case, today_in_nepal()).await?;
    let mut rows = Vec::new();
    for sv in &services {
        let mut facts = Vec::new();
        if let Some(h) = sv.hours {
            facts.push(page.t1("service-hours-n", "n", &page.num(&h)));
        }
        if let Some(a) = sv.amount {
            let paid: i64 = sv.tranches.iter().map(|t| t.amount).sum();
            facts.push(page.tn(
                "service-seed-paid",
                &[("granted", &rupees(page, a)), ("paid", &rupees(page, paid))],
            ));
        }
        if let Some(o) = sv.outcome {
            facts.push(page.t(&format!("service-outcome-{}", o.as_str())));
        }
        rows.push(ServiceRow {
            kind: page.t(&format!("case-service-{}", sv.kind.as_str())),
            provider: org_name(app, page, sv.provider).await?,
            when: match &sv.ended_on {
                Some(e) => format!("{} – {}", page.date(&sv.started_on), page.date(e)),
                None => page.date(&sv.started_on),
            },
            detail: sv.detail.clone().unwrap_or_default(),
            facts: facts.join(" · "),
            tranches: sv
                .tranches
                .iter()
                .map(|t| {
                    let from = lines
                        .iter()
                        .find(|l| l.id == t.budget_line)
                        .map(|l| l.purpose.clone())
                        .unwrap_or_default();
                    page.tn(
                        "service-tranche",
                        &[
                            ("date", &page.date(&t.paid_on)),
                            ("amount", &rupees(page, t.amount)),
                            ("receipt", &t.receipt),
                        ],
                    ) + &if from.is_empty() {
                        String::new()
                    } else {
                        format!(" · {from}")
                    }
                })
                .collect(),
        });
    }
    let kinds = [
        setu_core::directory::OrgKind::Ngo,
        setu_core::directory::OrgKind::PoliceUnit,
    ];
    let mut providers = crate::pages::handovers::org_choices(app, page, &kinds).await?;
    for p in &mut providers {
        p.selected = p.value == case.organisation_id.to_string();
    }
    Ok(crate::templates::ServiceView {
        rows,
        kinds: choices(
            page,
            ServiceKind::ALL.iter().map(|k| k.as_str()),
            "case-service-",
            "",
        ),
        outcomes: choices(
            page,
            ServiceOutcome::ALL.iter().map(|o| o.as_str()),
            "service-outcome-",
            "",
        ),
        providers,
        grants: services
            .iter()
            .filter(|sv| sv.kind == ServiceKind::SeedFunding)
            .map(|sv| crate::templates::Choice {
                value: sv.id.clone(),
                label: format!(
                    "{} · {}",
                    sv.detail.clone().unwrap_or_default(),
                    rupees(page, sv.amount.unwrap_or(0))
                ),
                selected: false,
            })
            .collect(),
        lines: lines
            .iter()
            .map(|l| crate::templates::Choice {
                value: l.id.clone(),
                label: format!(
                    "{} · {} · {}",
                    page.t1(
                        &format!("alert-committee-{}", l.committee_kind),
                        "place",
                        &page.name(&Some(l.place_en.clone()), &Some(l.place_ne.clone()))
                    ),
                    l.purpose,
                    page.t1("service-line-left", "amount", &rupees(page, l.left))
                ),
                selected: false,
            })
            .collect(),
        may_write: case.status != CaseStatus::Closed
            && can(
                me,
                Capability::WriteSurvivorCases,
                Some(&target(case)),
                false,
            ),
    })
}

/// `POST /cases/{id}/services`
pub async fn add_service(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<setu_core::cases::ServiceForm>,
) -> Result<Response, WebError> {
    let change = async {
        let d = f.check(today_in_nepal())?;
        app.store.record_service(&me.actor(), &id, &d).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// `POST /cases/{id}/tranches`: seed funding paid from a budget line.
pub async fn pay_tranche(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<setu_core::cases::TrancheForm>,
) -> Result<Response, WebError> {
    let change = async {
        let d = f.check(today_in_nepal())?;
        app.store.pay_tranche(&me.actor(), &id, &d).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// Her return home, or one more follow-up's day.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayForm {
    on: String,
}

/// `POST /cases/{id}/home`: she went home on a day; her follow-ups are scheduled from it.
pub async fn returned_home(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DayForm>,
) -> Result<Response, WebError> {
    let change = async {
        let mut c = setu_core::validation::Checker::default();
        let on = c.past_date("on", &f.on, today_in_nepal());
        c.finish(())?;
        let on = on.ok_or(WebError::BadRequest)?;
        app.store.mark_returned_home(&me.actor(), &id, on).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// `POST /cases/{id}/followups/schedule`: one more follow-up.
pub async fn schedule_followup(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DayForm>,
) -> Result<Response, WebError> {
    let change = async {
        let mut c = setu_core::validation::Checker::default();
        let on = c.required_date("on", &f.on);
        c.finish(())?;
        let on = on.ok_or(WebError::BadRequest)?;
        app.store.schedule_followup(&me.actor(), &id, on).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// `POST /cases/{id}/followups`: a scheduled follow-up recorded.
pub async fn record_followup(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<setu_core::cases::FollowUpForm>,
) -> Result<Response, WebError> {
    let change = async {
        let d = f.check(today_in_nepal())?;
        app.store.record_followup(&me.actor(), &id, &d).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// `POST /cases/{id}/goals`
pub async fn add_goal(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<setu_core::cases::GoalForm>,
) -> Result<Response, WebError> {
    let change = async {
        let d = f.check()?;
        app.store.add_goal(&me.actor(), &id, &d).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// `POST /cases/{id}/tasks`
pub async fn add_task(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<setu_core::cases::TaskForm>,
) -> Result<Response, WebError> {
    let change = async {
        let d = f.check()?;
        app.store.add_task(&me.actor(), &id, &d).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// A task marked done, or a goal settled.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanStep {
    task: String,
    goal: String,
    outcome: String,
}

/// `POST /cases/{id}/tasks/done`
pub async fn finish_task(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<PlanStep>,
) -> Result<Response, WebError> {
    let change = async {
        app.store
            .finish_task(&me.actor(), &id, &f.task, today_in_nepal())
            .await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// `POST /cases/{id}/goals/settle`: achieved or dropped.
pub async fn settle_goal(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<PlanStep>,
) -> Result<Response, WebError> {
    case_for(&app, &me, &id, Capability::WriteSurvivorCases).await?;
    let achieved = match f.outcome.as_str() {
        "achieved" => true,
        "dropped" => false,
        _ => return Err(WebError::BadRequest),
    };
    let outcome = async {
        app.store
            .settle_goal(&me.actor(), &id, &f.goal, achieved, today_in_nepal())
            .await?;
        Ok(())
    }
    .await;
    back_to_case(&app, page, &me, &id, outcome).await
}

/// `POST /cases/{id}/reviews`
pub async fn review_plan(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<setu_core::cases::ReviewForm>,
) -> Result<Response, WebError> {
    let change = async {
        let d = f.check(today_in_nepal())?;
        app.store.review_plan(&me.actor(), &id, &d).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// `POST /cases/{id}/assessments`: every domain scored; the page again with each mistake.
pub async fn add_assessment(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<setu_core::cases::AssessmentForm>,
) -> Result<Response, WebError> {
    let change = async {
        let d = f.check(today_in_nepal())?;
        app.store.record_assessment(&me.actor(), &id, &d).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// Sending a case to another organisation.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransferForm {
    to: String,
}

/// `POST /cases/{id}/transfer`: only to an organisation she consented to share with.
pub async fn ask_transfer(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<TransferForm>,
) -> Result<Response, WebError> {
    let change = async {
        let mut c = setu_core::validation::Checker::default();
        let to = c.choose("to", &f.to, |v| v.parse::<i64>().ok());
        c.finish(())?;
        let to = to.ok_or(WebError::BadRequest)?;
        app.store
            .ask_case_transfer(&me.actor(), &id, to, today_in_nepal())
            .await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// The receiving organisation's answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransferAnswer {
    decision: String,
    reason: String,
}

/// `POST /cases/{id}/transfer/answer`: the receiving organisation accepts (the one who accepts
/// becomes the caseworker) or declines with a reason.
pub async fn answer_transfer(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<TransferAnswer>,
) -> Result<Response, WebError> {
    let case = app.store.case(&id, Reveal::No).await?;
    let Some(to) = receiver(&case) else {
        return Err(WebError::NotFound);
    };
    allow(&me, Capability::WriteSurvivorCases, Some(&to), false)?;
    let outcome = async {
        let declined = match f.decision.as_str() {
            "accept" => None,
            "decline" => {
                let mut c = setu_core::validation::Checker::default();
                let reason = c.choose("reason", &f.reason, DeclineReason::parse);
                c.finish(())?;
                Some(reason.ok_or(WebError::BadRequest)?)
            }
            _ => return Err(WebError::BadRequest),
        };
        app.store
            .decide_case_transfer(&me.actor(), &id, declined, Some(me.id.as_str()))
            .await?;
        Ok(())
    }
    .await;
    if outcome.is_ok() && f.decision == "decline" {
        // The case is no longer theirs to read: back to their list.
        return Ok(axum::response::Redirect::to("/cases").into_response());
    }
    back_to_case(&app, page, &me, &id, outcome).await
}

/// `POST /cases/{id}/transfer/cancel`: the sender calls the transfer back.
pub async fn cancel_transfer(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let change = async {
        app.store.cancel_case_transfer(&me.actor(), &id).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// Choosing a caseworker.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignForm {
    user: String,
    version: i64,
}

/// `POST /cases/{id}/caseworker`
pub async fn assign(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<AssignForm>,
) -> Result<Response, WebError> {
    let change = async {
        app.store
            .assign_caseworker(&me.actor(), &id, f.version, &f.user)
            .await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// `POST /cases/{id}/consents`
pub async fn add_consent(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ConsentForm>,
) -> Result<Response, WebError> {
    let change = async {
        let d = f.check(today_in_nepal())?;
        app.store.record_consent(&me.actor(), &id, &d).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// The consent a withdrawal names.
#[derive(Debug, Deserialize)]
pub struct WithdrawConsent {
    consent: String,
}

/// `POST /cases/{id}/consents/withdraw`: the consent stops allowing anything from today.
pub async fn withdraw_consent(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<WithdrawConsent>,
) -> Result<Response, WebError> {
    case_for(&app, &me, &id, Capability::WriteSurvivorCases).await?;
    let ours = app
        .store
        .case_consents(&id)
        .await?
        .iter()
        .any(|c| c.id == f.consent);
    if !ours {
        return Err(WebError::NotFound);
    }
    app.store
        .withdraw_consent(&me.actor(), &f.consent, today_in_nepal())
        .await?;
    Ok(axum::response::Redirect::to(&format!("/cases/{id}")).into_response())
}

/// Asking to close a case.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    reason: String,
    note: String,
}

/// `POST /cases/{id}/close`: the caseworker asks to close the case, with the reason.
pub async fn ask_closure(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CloseForm>,
) -> Result<Response, WebError> {
    let change = async {
        let mut c = setu_core::validation::Checker::default();
        let reason = c.choose("reason", &f.reason, CloseReason::parse);
        let note = c.optional_text("note", &f.note, 500);
        c.finish(())?;
        let reason = reason.ok_or(WebError::BadRequest)?;
        app.store
            .ask_case_closure(&me.actor(), &id, reason, note.as_deref(), today_in_nepal())
            .await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// A supervisor's decision on a closure asked.
#[derive(Debug, Deserialize)]
pub struct ClosureDecision {
    decision: String,
}

/// `POST /cases/{id}/closure`: a supervisor (not the person who asked) approves or declines.
pub async fn decide_closure(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ClosureDecision>,
) -> Result<Response, WebError> {
    case_for(&app, &me, &id, Capability::ApproveCaseClosure).await?;
    let approve = match f.decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(WebError::BadRequest),
    };
    let outcome = async {
        app.store
            .decide_case_closure(&me.actor(), &id, approve, today_in_nepal())
            .await?;
        Ok(())
    }
    .await;
    back_to_case(&app, page, &me, &id, outcome).await
}

/// `POST /cases/{id}/reopen`
pub async fn reopen(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let change = async {
        app.store.reopen_case(&me.actor(), &id).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

#[cfg(test)]
mod tests {
    use super::referral_overdue;
    use setu_core::cases::ServiceKind;
    use setu_store::case_referrals::CaseReferral;

    fn sent(hours_ago: i64, status: &str) -> CaseReferral {
        let at = time::OffsetDateTime::now_utc() - time::Duration::hours(hours_ago);
        CaseReferral {
            id: "r".into(),
            case_id: "c".into(),
            from_org: 1,
            to_org: 2,
            service: ServiceKind::Medical,
            note: None,
            by_glass: false,
            status: status.into(),
            sent_at: at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            sent_by: "x".into(),
            answered_at: None,
            decline_reason: None,
            delivered_on: None,
        }
    }

    /// Unanswered for more than a day is overdue; an answered one never is.
    #[test]
    fn a_referral_waiting_more_than_a_day_is_overdue() {
        assert!(referral_overdue(&sent(25, "sent")));
        assert!(!referral_overdue(&sent(23, "sent")));
        assert!(!referral_overdue(&sent(48, "accepted")));
    }
}
