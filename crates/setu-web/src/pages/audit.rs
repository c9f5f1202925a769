//! The audit trail for auditors (browse, filter, export as CSV), and the break-the-glass
//! review for coordinators.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use setu_store::audit::{AuditFilter, Event};

use crate::auth::SignedIn;
use crate::error::WebError;
use crate::page::Page;
use crate::templates::{AuditPage, GlassPage, RenderHtml, WithdrawalsPage};
use crate::AppState;

/// Filters of `/audit`, as typed (kept to show the form again).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    /// The entry the page starts before (keyset paging).
    #[serde(default)]
    pub before: String,
}

impl AuditQuery {
    fn filter(&self, limit: i64) -> AuditFilter {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let date = |s: &str| {
            setu_core::calendar::parse_ad(s)
                .ok()
                .map(setu_core::calendar::iso)
        };
        AuditFilter {
            actor: some(&self.actor),
            action: some(&self.action),
            entity: some(&self.entity),
            entity_id: None,
            within: self.place.trim().parse().ok(),
            from: date(&self.from),
            until: date(&self.until),
            limit,
            before: self.before.trim().parse().ok(),
        }
    }

    fn query_string(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("actor", &self.actor)
            .append_pair("action", &self.action)
            .append_pair("entity", &self.entity)
            .append_pair("place", &self.place)
            .append_pair("from", &self.from)
            .append_pair("until", &self.until)
            .finish()
    }
}

/// Entries an audit page shows.
const PAGE: i64 = 50;

/// `GET /audit`: the trail, newest first, 50 entries a page, filtered in the query.
pub async fn browse(
    State(app): State<AppState>,
    page: Page,
    SignedIn(_me): SignedIn,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, WebError> {
    let mut entries = app.store.audit_entries(&q.filter(PAGE + 1)).await?;
    let more = entries.len() > PAGE as usize;
    entries.truncate(PAGE as usize);
    let page = page.titled("audit-title", "audit");
    let filters = q.query_string();
    let csv_href = format!("/audit.csv?{filters}");
    let next = entries
        .last()
        .filter(|_| more)
        .map(|e| format!("/audit?{filters}&before={}", e.seq));
    let first = (!q.before.is_empty()).then(|| format!("/audit?{filters}"));
    let entries = rows(&app, &page, entries).await?;
    Ok(Html(
        AuditPage {
            p: &page,
            entries,
            q,
            csv_href,
            next,
            first,
        }
        .render_html(),
    ))
}

/// An entry as a person reads it: the time in Nepal, the action, the kind of record and its
/// fields in words, the place by name.
#[derive(Debug)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub when: String,
    pub actor: String,
    pub via: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub place: String,
    pub fields: String,
    pub detail: String,
}

async fn rows(
    app: &AppState,
    page: &Page,
    entries: Vec<setu_store::audit::Entry>,
) -> Result<Vec<AuditRow>, WebError> {
    let mut places = std::collections::HashMap::new();
    for code in entries.iter().filter_map(|e| e.place_code.clone()) {
        if places.contains_key(&code) {
            continue;
        }
        let name = match code.parse() {
            Ok(c) => app.store.place(c).await?.map(|p| page.place_name(&p)),
            Err(_) => None,
        };
        places.insert(code.clone(), name.unwrap_or(code));
    }
    Ok(entries
        .into_iter()
        .map(|e| AuditRow {
            when: page.moment(&e.at),
            action: page.label("audit-action-", &e.action),
            entity: page.label("audit-entity-", &e.entity),
            place: e
                .place_code
                .as_ref()
                .and_then(|c| places.get(c).cloned())
                .unwrap_or_default(),
            fields: e
                .fields
                .split(',')
                .filter(|f| !f.is_empty())
                .map(|f| page.label("audit-field-", f))
                .collect::<Vec<_>>()
                .join(", "),
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            via: e.via,
            entity_id: e.entity_id,
            detail: e.detail,
        })
        .collect())
}

/// `GET /audit.csv`: the filtered trail as CSV (the export itself is audited).
pub async fn export(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let entries = app.store.audit_entries(&q.filter(100_000)).await?;
    app.store
        .audit(
            &me.actor(),
            &Event::new("export", "audit", "-").detail(format!("rows={}", entries.len())),
        )
        .await?;
    let mut csv =
        String::from("seq,at,actor,via,action,entity,entity_id,place_code,fields,detail,hash\n");
    for e in &entries {
        let cells = [
            e.seq.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.via.clone().unwrap_or_default(),
            e.action.clone(),
            e.entity.clone(),
            e.entity_id.clone(),
            e.place_code.clone().unwrap_or_default(),
            e.fields.clone(),
            e.detail.clone(),
            e.hash.clone(),
        ];
        csv.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"setu-audit.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// A CSV cell: quoted when needed, and never starting with a formula character.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// `GET /glass`: break-the-glass accesses to records inside the coordinator's scope.
pub async fn review(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Html<String>, WebError> {
    let grants = app.store.glass_grants_in(me.scope).await?;
    let page = page.titled("glass-title", "glass");
    Ok(Html(GlassPage { p: &page, grants }.render_html()))
}

/// `GET /audit/withdrawn`: records withdrawn inside the auditor's scope, newest first: what
/// each was (its values that are not personal), who withdrew it, when and why. Notes stay
/// sealed here: they are free text and may name people.
pub async fn withdrawn(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Html<String>, WebError> {
    let rows = app.store.withdrawals(me.scope, 500).await?;
    let page = page.titled("withdrawals-title", "audit");
    Ok(Html(WithdrawalsPage { p: &page, rows }.render_html()))
}
