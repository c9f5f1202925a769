//! Regular engagement: each ward's last SBCC session, youth event or committee activity, with
//! the wards that had none in a configurable number of days flagged.

use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use setu_core::access::{Capability, Scope, Target};
use setu_core::geo::PlaceLevel;
use setu_core::PlaceCode;

use crate::auth::{allow, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::templates::{EngagementPage, EngagementRow, RenderHtml};
use crate::AppState;

/// Default days without engagement before a ward is flagged.
pub const DEFAULT_DAYS: i64 = 90;

/// Filters: a district or local level, and the number of days.
#[derive(Debug, Deserialize, Default)]
pub struct EngagementQuery {
    #[serde(default)]
    place: String,
    #[serde(default)]
    days: String,
}

/// `GET /engagement?place=511&days=90`
pub async fn page(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<EngagementQuery>,
) -> Result<Html<String>, WebError> {
    let days: i64 = match q.days.trim() {
        "" => DEFAULT_DAYS,
        d => d
            .parse()
            .ok()
            .filter(|d| (1..=3650).contains(d))
            .ok_or(WebError::BadRequest)?,
    };
    // The area: the place asked for, or the reader's own scope if it is a district or smaller.
    let asked: Option<PlaceCode> = match q.place.trim() {
        "" => None,
        p => Some(p.parse().map_err(|_| WebError::BadRequest)?),
    };
    let own = match me.scope {
        Scope::Place(p) if p.level() >= PlaceLevel::District => Some(p),
        _ => None,
    };
    let area = asked.or(own).filter(|p| p.level() >= PlaceLevel::District);
    if let Some(a) = area {
        allow(
            &me,
            Capability::ReadAggregates,
            Some(&Target {
                place: Some(a),
                ..Default::default()
            }),
            false,
        )?;
    }
    let since = setu_core::calendar::iso(
        setu_core::calendar::today_in_nepal() - time::Duration::days(days),
    );
    let page = page.titled("engagement-title", "indicators");
    let mut rows = Vec::new();
    if let Some(a) = area {
        for w in app.store.ward_engagement(a).await? {
            let last = w.last();
            rows.push(EngagementRow {
                ward: w.ward.to_string(),
                ward_label: match w.ward {
                    PlaceCode::Ward { ward, .. } => {
                        page.t1("ward-name", "number", &page.num(&i64::from(ward)))
                    }
                    _ => String::new(),
                },
                last: last.map(|(_, d)| page.date(d)).unwrap_or_default(),
                last_sort: last.map(|(_, d)| d.to_string()).unwrap_or_default(),
                kind: last
                    .map(|(k, _)| page.t(&format!("engagement-{k}")))
                    .unwrap_or_default(),
                stale: w.stale(&since),
            });
        }
    }
    let flagged = rows.iter().filter(|r| r.stale).count();
    let summary = page.t1(
        "engagement-flagged",
        "count",
        &format!(
            "{} / {}",
            page.num(&i64::try_from(flagged).unwrap_or(0)),
            page.num(&i64::try_from(rows.len()).unwrap_or(0))
        ),
    );
    Ok(Html(
        EngagementPage {
            summary,
            place: area.map(|a| a.to_string()).unwrap_or_default(),
            days: days.to_string(),
            rows,
            p: &page,
        }
        .render_html(),
    ))
}
