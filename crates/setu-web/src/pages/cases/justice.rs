//! The criminal case on a survivor's page (issue 16, point 8): the report, the court, the
//! charges under the Act, the outcome and compensation, the hearings with the support given or
//! planned for her testimony, and the forms for them. Its FIR and court case numbers are shown
//! only to those who may read her name (an audited view).

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use setu_core::access::Capability;
use setu_core::calendar::today_in_nepal;
use setu_core::justice::{
    Charge, CourtOutcome, HearingForm, HearingPurpose, JusticeForm, TestimonySupport,
};
use setu_store::auth::User;
use setu_store::cases::Case;
use setu_store::justice::Justice;

use super::{change_case, reveal_to, rupees, target};
use crate::auth::{can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::choices;
use crate::pages::inputs::bs_text;
use crate::templates::{Choice, HearingRow, JusticeView};
use crate::AppState;

/// Checkboxes `{prefix}_{value}` labelled `{prefix}-{value}`.
fn ticks<T: Copy + PartialEq>(
    page: &Page,
    prefix: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    ticked: &[T],
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: format!("{prefix}_{}", name(*v)),
            label: page.t(&format!("{prefix}-{}", name(*v))),
            selected: ticked.contains(v),
        })
        .collect()
}

/// Values in words, joined.
fn words<T: Copy>(
    page: &Page,
    prefix: &str,
    values: &[T],
    name: impl Fn(T) -> &'static str,
) -> String {
    values
        .iter()
        .map(|v| page.t(&format!("{prefix}-{}", name(*v))))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The recorded criminal case as label and words, in the order a court summary reads.
fn facts(page: &Page, j: &Justice) -> Vec<(String, String)> {
    let hidden = || page.t("case-name-hidden");
    let mut facts = vec![
        (page.t("justice-police-office"), j.police_office.clone()),
        (
            page.t("justice-fir"),
            j.fir_number.clone().unwrap_or_else(hidden),
        ),
        (page.t("justice-reported-on"), page.date(&j.reported_on)),
        (
            page.t("justice-charges"),
            words(page, "charge", &j.charges, Charge::as_str),
        ),
    ];
    if let Some(court) = &j.court {
        facts.push((page.t("justice-court"), court.clone()));
        facts.push((
            page.t("justice-court-case"),
            j.court_case.clone().unwrap_or_else(hidden),
        ));
    }
    let mut outcome = page.t(&format!("court-outcome-{}", j.outcome.as_str()));
    if let Some(d) = &j.decided_on {
        outcome = format!("{outcome} · {}", page.date(d));
    }
    facts.push((page.t("justice-outcome"), outcome));
    if let Some(c) = j.compensation {
        facts.push((page.t("justice-compensation"), rupees(page, c)));
    }
    facts
}

/// Her criminal case, its hearings and the forms for them, as `me` may see them.
pub(super) async fn justice_view(
    app: &AppState,
    page: &Page,
    me: &User,
    case: &Case,
) -> Result<JusticeView, WebError> {
    let actor = me.actor();
    let j = app.store.justice(&case.id, reveal_to(me, &actor)).await?;
    let today = setu_core::calendar::iso(today_in_nepal());
    let hearings = app
        .store
        .hearings(&case.id)
        .await?
        .into_iter()
        .map(|h| HearingRow {
            ahead: h.held_on > today,
            day: page.date(&h.held_on),
            purpose: page.t(&format!("hearing-purpose-{}", h.purpose.as_str())),
            support: words(page, "support", &h.support, TestimonySupport::as_str),
        })
        .collect();
    let charges: &[Charge] = j.as_ref().map_or(&[], |j| &j.charges);
    let outcome = j.as_ref().map_or(CourtOutcome::Pending, |j| j.outcome);
    Ok(JusticeView {
        facts: j.as_ref().map(|j| facts(page, j)).unwrap_or_default(),
        hearings,
        charges: ticks(page, "charge", Charge::ALL, Charge::as_str, charges),
        outcomes: choices(
            page,
            CourtOutcome::ALL.iter().map(|o| o.as_str()),
            "court-outcome-",
            outcome.as_str(),
        ),
        purposes: choices(
            page,
            HearingPurpose::ALL.iter().map(|p| p.as_str()),
            "hearing-purpose-",
            "",
        ),
        supports: ticks(
            page,
            "support",
            TestimonySupport::ALL,
            TestimonySupport::as_str,
            &[],
        ),
        police_office: j
            .as_ref()
            .map(|j| j.police_office.clone())
            .unwrap_or_default(),
        fir_number: j
            .as_ref()
            .and_then(|j| j.fir_number.clone())
            .unwrap_or_default(),
        reported_on: bs_text(j.as_ref().map(|j| j.reported_on.as_str())),
        court: j.as_ref().and_then(|j| j.court.clone()).unwrap_or_default(),
        court_case: j
            .as_ref()
            .and_then(|j| j.court_case.clone())
            .unwrap_or_default(),
        decided_on: bs_text(j.as_ref().and_then(|j| j.decided_on.as_deref())),
        compensation: j
            .as_ref()
            .and_then(|j| j.compensation)
            .map(|c| c.to_string())
            .unwrap_or_default(),
        version: j.as_ref().map_or(0, |j| j.version),
        recorded: j.is_some(),
        may_write: can(
            me,
            Capability::WriteSurvivorCases,
            Some(&target(case)),
            false,
        ),
    })
}

/// `POST /cases/{id}/justice`: the criminal case recorded or corrected at the version read.
pub async fn record_justice(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<JusticeForm>,
) -> Result<Response, WebError> {
    let change = async {
        let d = f.check(today_in_nepal())?;
        app.store.record_justice(&me.actor(), &id, &d).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}

/// `POST /cases/{id}/hearings`: a hearing held or ahead, with the support for her testimony.
pub async fn add_hearing(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<HearingForm>,
) -> Result<Response, WebError> {
    let change = async {
        let d = f.check(today_in_nepal())?;
        app.store.add_hearing(&me.actor(), &id, &d).await?;
        Ok(())
    };
    change_case(&app, page, &me, &id, change).await
}
