//! The printable case summary (issue 16, point 11): for a court (who she is, what happened to
//! her, her criminal case, the support she was given) or for an organisation she consented to
//! share with (who she is, her standing consents, her needs, plan, services and follow-ups).
//! Whatever is on it is what the reader may see (names opened only for readers of personal
//! data, each view audited), in the reader's language; printing is audited as such.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use setu_core::access::Capability;
use setu_core::calendar::today_in_nepal;
use setu_core::cases::ConsentKind;
use setu_store::audit::Event;

use super::{
    assessment_view, case_for, consent_rows, experience_view, followup_view, handling_view,
    justice::justice_view, name_of, plan_view, reveal_to, row, service_view,
};
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::page::Page;
use crate::templates::{CaseSummaryPage, Choice, RenderHtml};
use crate::AppState;

/// Whom the summary is for: `court` (the default) or `organisation` with `to` its id.
#[derive(Debug, Default, Deserialize)]
pub struct SummaryQuery {
    #[serde(default, rename = "for")]
    pub reader: String,
    #[serde(default)]
    pub to: String,
}

/// `GET /cases/{id}/summary?for=court` or `?for=organisation&to=ORG`.
pub async fn summary(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SummaryQuery>,
) -> Result<Response, WebError> {
    case_for(&app, &me, &id, Capability::ReadSurvivorCases).await?;
    let actor = me.actor();
    let case = app.store.case(&id, reveal_to(&me, &actor)).await?;
    let today = today_in_nepal();
    // The organisations her sharing consent stands for today: the only ones a summary may be
    // printed for.
    let mut receivers = Vec::new();
    for c in app.store.case_consents(&id).await? {
        if let (ConsentKind::Sharing, Some(org), true) = (c.kind, c.with_org, c.stands_on(today)) {
            let o = app.store.organisation(org).await?;
            receivers.push((org, page.name(&Some(o.name_en), &o.name_ne)));
        }
    }
    let to = match q.reader.as_str() {
        "" | "court" => None,
        "organisation" => {
            let org: i64 = q.to.trim().parse().map_err(|_| WebError::BadRequest)?;
            // A forged id, or a consent withdrawn since the link was made.
            let name = receivers
                .iter()
                .find(|(o, _)| *o == org)
                .map(|(_, n)| n.clone())
                .ok_or(WebError::Forbidden)?;
            Some((org, name))
        }
        _ => return Err(WebError::BadRequest),
    };
    let for_court = to.is_none();
    let detail = to.as_ref().map_or("for=court".to_string(), |(o, _)| {
        format!("for=organisation:{o}")
    });
    let mut e = Event::new("print", "survivor-case", &id).detail(detail);
    e.place = case.home;
    app.store.audit(&actor, &e).await?;

    let assessment = assessment_view(&app, &page, &me, &case).await?;
    let latest = assessment
        .rows
        .first()
        .map(|a| {
            (
                a.day.clone(),
                a.scores
                    .iter()
                    .map(|(d, s, _)| (d.clone(), page.t(&format!("score-{s}"))))
                    .collect(),
            )
        })
        .unwrap_or_default();
    let experience = experience_view(&app, &page, &me, &case).await?;
    let justice = justice_view(&app, &page, &me, &case).await?;
    let plan = plan_view(&app, &page, &me, &case).await?;
    let followups = followup_view(&app, &page, &me, &case).await?;
    let organisation = app.store.organisation(case.organisation_id).await?;
    let title = page.t1("case-summary-title", "name", &name_of(&page, &case));
    let html = CaseSummaryPage {
        row: row(&page, &case),
        id: id.clone(),
        for_court,
        to: to.as_ref().map(|(_, n)| n.clone()),
        choices: receivers
            .iter()
            .map(|(o, n)| Choice {
                value: o.to_string(),
                label: n.clone(),
                selected: to.as_ref().is_some_and(|(t, _)| t == o),
            })
            .collect(),
        held_by: page.name(&Some(organisation.name_en), &organisation.name_ne),
        caseworker: handling_view(&app, &page, &me, &case).await?.caseworker,
        birth_year: case
            .birth_year
            .map(|y| page.digits(&y.to_string()))
            .unwrap_or_default(),
        guardian: case.guardian_name.clone().map(|g| {
            format!(
                "{g} ({})",
                case.guardian_relation.clone().unwrap_or_default()
            )
        }),
        latest_day: latest.0,
        latest: latest.1,
        experience: experience.facts,
        perpetrators: experience.perpetrators,
        justice: justice.facts,
        hearings: justice.hearings,
        services: service_view(&app, &page, &me, &case).await?.rows,
        consents: consent_rows(&app, &page, &id)
            .await?
            .into_iter()
            .filter(|c| c.stands)
            .collect(),
        goals: plan.goals.into_iter().filter(|g| g.open).collect(),
        followups: followups.rows,
        returned: followups.returned,
        printed: page.date(&setu_core::calendar::iso(today)),
        printed_by: me.full_name.clone().unwrap_or_else(|| me.username.clone()),
        p: &page.with_title(title, "cases"),
    }
    .render_html();
    Ok(Html(html).into_response())
}
