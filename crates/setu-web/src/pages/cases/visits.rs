//! Follow-up visits without a connection (issue 16, point 7): the caseworker opens the list of
//! follow-ups due (or due within two weeks) before she leaves, and records each visit on her
//! phone where there is no signal. The page works offline as the booths' capture page does
//! (`offline.js` and the service worker of `/cases/`); records go to
//! `/api/v1/community/sync` and are stored once under the phone's id
//! ([`setu_store::Store::record_followup_once`]).

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use setu_core::calendar::today_in_nepal;
use setu_core::cases::Reintegration;

use super::{name_of, own_organisation, reveal_to};
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::page::Page;
use crate::templates::{CaseVisitsPage, RenderHtml, VisitRow};
use crate::AppState;

/// How far ahead the list reaches: a visit round is planned a fortnight at a time.
const AHEAD_DAYS: i64 = 14;

/// `GET /cases/followups`
pub async fn visits(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Response, WebError> {
    let org = own_organisation(&me)?;
    let today = today_in_nepal();
    let due = app
        .store
        .followups_to_make(org, today + time::Duration::days(AHEAD_DAYS))
        .await?;
    let actor = me.actor();
    // Her name only for the cases on the list, in one audited view.
    let cases = if due.is_empty() {
        Vec::new()
    } else {
        app.store
            .organisation_cases(org, reveal_to(&me, &actor))
            .await?
    };
    let today_iso = setu_core::calendar::iso(today);
    let rows = due
        .into_iter()
        .filter_map(|(id, case_id, due_on)| {
            let case = cases.iter().find(|c| c.id == case_id)?;
            let name = name_of(&page, case);
            Some(VisitRow {
                label: page.t1("visit-label", "name", &name),
                name,
                home: case
                    .home
                    .map(|h| page.place(&h.to_string()))
                    .unwrap_or_default(),
                overdue: due_on < today_iso,
                due: page.date(&due_on),
                href: format!("/cases/{case_id}#followups"),
                case_id,
                id,
            })
        })
        .collect();
    let found = Reintegration::ALL
        .iter()
        .map(|r| (r.field(), page.t(&format!("reintegration-{}", r.as_str()))))
        .collect();
    let o = crate::pages::offline::root(
        &app,
        &me,
        format!("followups-{org}"),
        "/cases/",
        "/cases/followups".into(),
    );
    let page = page.titled("visits-title", "cases");
    Ok(Html(
        CaseVisitsPage {
            p: &page,
            rows,
            found,
            o,
        }
        .render_html(),
    )
    .into_response())
}
