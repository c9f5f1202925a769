//! The review queue: pairs of records Setu proposes as one person, most likely first; one
//! pair side by side with the evidence per field; confirm, reject, and undo a merge. The
//! queue holds no names; a pair's page opens each side only where the reviewer reads
//! personal data (see [`crate::pages::tracing::load_person`]).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use setu_core::access::{Capability, Target};
use setu_store::auth::User;
use setu_store::matching::Proposal;
use setu_store::tracing::RecordKind;

use crate::auth::{allow, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::refusal;
use crate::pages::tracing::{load_person, percent};
use crate::templates::{Choice, EvidenceRow, MatchPage, MatchesPage, RenderHtml, SideBySide};
use crate::AppState;

/// Which proposals the queue lists.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    /// `proposed` (the default), `confirmed`, `rejected` or `all`.
    #[serde(default)]
    status: String,
}

fn queue_status(q: &QueueQuery) -> Option<&str> {
    match q.status.as_str() {
        "" => Some("proposed"),
        "all" => None,
        s => Some(s),
    }
}

/// `GET /tracing/matches`: proposed matches in the reviewer's scope, most likely first.
pub async fn matches(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, WebError> {
    let page = page.titled("matches-title", "matches");
    let status = queue_status(&q);
    let rows = app
        .store
        .proposals(me.scope, status)
        .await?
        .into_iter()
        .map(|p| {
            let kinds = format!(
                "{} ↔ {}",
                page.t(&format!("tracing-kind-{}", p.left_kind.as_str())),
                page.t(&format!("tracing-kind-{}", p.right_kind.as_str()))
            );
            (percent(&page, p.probability), kinds, p)
        })
        .collect();
    let filters = ["proposed", "confirmed", "rejected", "all"]
        .iter()
        .map(|s| Choice {
            value: (*s).into(),
            label: page.t(&format!("match-status-{s}")),
            selected: status.unwrap_or("all") == *s,
        })
        .collect();
    Ok(Html(
        MatchesPage {
            rows,
            filters,
            p: &page,
        }
        .render_html(),
    ))
}

fn proposal_target(p: &Proposal) -> Target {
    Target {
        place: p.place_code.parse().ok(),
        ..Default::default()
    }
}

/// `GET /tracing/matches/{id}`: the two records side by side with the evidence.
pub async fn match_page(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    render_match(&app, page, &me, &id, None, StatusCode::OK).await
}

async fn render_match(
    app: &AppState,
    page: Page,
    me: &User,
    id: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let p = reviewable(app, me, id).await?;
    let page = page.titled("match-title", "matches");
    let left = load_person(app, &page, me, p.left_kind, &p.left_id).await?;
    let right = load_person(app, &page, me, p.right_kind, &p.right_id).await?;
    let rows = left
        .rows
        .iter()
        .zip(&right.rows)
        .map(|((label, l), (_, r))| (label.clone(), l.clone(), r.clone(), l == r && l != "—"))
        .collect();
    let html = MatchPage {
        side: SideBySide { left, right, rows },
        probability: percent(&page, p.probability),
        doubtful: p.probability < 0.5,
        evidence: evidence_rows(&page, &p),
        merge: p.left_kind != RecordKind::Report,
        status: page.t(&format!("match-status-{}", p.status)),
        decided: p
            .decided_at
            .as_deref()
            .map(|d| (p.decided_by.clone().unwrap_or_default(), page.date(d))),
        error,
        pr: &p,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// The level's message id: its name from `setu-link`, as a slug.
pub(crate) fn level_id(level: &str) -> String {
    let mut out = String::from("link-level-");
    let mut dash = false;
    for c in level.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else {
            dash = true;
        }
    }
    out
}

/// One line per field: what agreed, how much it weighed, as a bar either side of zero.
fn evidence_rows(page: &Page, p: &Proposal) -> Vec<EvidenceRow> {
    let scale = p
        .evidence
        .iter()
        .map(|e| e.bits.abs())
        .fold(1.0_f64, f64::max);
    p.evidence
        .iter()
        .map(|e| {
            // Bar width in percent of half the chart: the strongest field fills its half.
            let width = (e.bits.abs() / scale * 100.0).round() as i64;
            let tenths = (e.bits * 10.0).round() as i64;
            let sign = if tenths < 0 { "−" } else { "+" };
            let magnitude = tenths.abs();
            EvidenceRow {
                field: page.t(&format!("link-field-{}", e.field.replace('_', "-"))),
                level: page.t(&level_id(&e.level)),
                bits: format!(
                    "{sign}{}",
                    page.digits(&format!("{}.{}", magnitude / 10, magnitude % 10))
                ),
                x: if e.bits < 0.0 { 100 - width } else { 100 },
                width,
                positive: e.bits >= 0.0,
            }
        })
        .collect()
}

/// A reviewer's decision.
#[derive(Debug, Deserialize)]
pub struct Decision {
    /// `confirm` or `reject`.
    decision: String,
}

/// `POST /tracing/matches/{id}`: confirm or reject.
pub async fn decide(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(d): Form<Decision>,
) -> Result<Response, WebError> {
    reviewable(&app, &me, &id).await?;
    let confirm = match d.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => return Err(WebError::BadRequest),
    };
    let done = app.store.decide_proposal(&me.actor(), &id, confirm).await;
    answer(&app, page, &me, &id, done).await
}

/// `POST /tracing/matches/{id}/undo`: undoes a merge of encounters.
pub async fn undo(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    reviewable(&app, &me, &id).await?;
    let done = app.store.undo_merge(&me.actor(), &id).await;
    answer(&app, page, &me, &id, done).await
}

/// The proposal, if `me` may review it (404 outside the scope, 403 without the capability).
async fn reviewable(app: &AppState, me: &User, id: &str) -> Result<Proposal, WebError> {
    let p = app.store.proposal(id).await?;
    allow(
        me,
        Capability::ConfirmMatches,
        Some(&proposal_target(&p)),
        false,
    )?;
    Ok(p)
}

/// After a decision: back to the pair, or the pair again with the store's refusal on it.
async fn answer(
    app: &AppState,
    page: Page,
    me: &User,
    id: &str,
    done: Result<(), setu_store::StoreError>,
) -> Result<Response, WebError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/tracing/matches/{id}")).into_response()),
        Err(e) => {
            let (m, status) = refusal(e)?;
            let msg = page.t(m);
            render_match(app, page, me, id, Some(msg), status).await
        }
    }
}

/// `GET /api/v1/tracing/matches`: the queue in the user's scope (`?status=`), no names.
pub async fn api_matches(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(q): Query<QueueQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let items = app.store.proposals(me.scope, queue_status(&q)).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

#[cfg(test)]
mod tests {
    use super::level_id;

    #[test]
    fn level_names_become_message_ids() {
        assert_eq!(level_id("one slip apart"), "link-level-one-slip-apart");
        assert_eq!(
            level_id("met > 90 days before report"),
            "link-level-met-90-days-before-report"
        );
        assert_eq!(
            level_id("met 400–900 days after"),
            "link-level-met-400-900-days-after"
        );
        assert_eq!(level_id("minor said 18-20"), "link-level-minor-said-18-20");
    }

    /// Every level and field the engine can report has its words in both languages, so the
    /// evidence never shows a bare message id.
    #[test]
    fn every_level_and_field_of_the_engine_has_words() {
        use setu_link::{Field, Task};
        for (lang, text) in [
            ("en", include_str!("../../locales/en.ftl")),
            ("ne", include_str!("../../locales/ne.ftl")),
        ] {
            for field in Field::ALL {
                let id = format!("link-field-{}", field.key().replace('_', "-"));
                assert!(text.contains(&format!("\n{id} = ")), "{lang}: {id}");
                for task in [Task::Link, Task::Dedup] {
                    for level in field.levels(task) {
                        let id = level_id(level);
                        assert!(text.contains(&format!("\n{id} = ")), "{lang}: {id}");
                    }
                }
            }
        }
    }
}
