//! Border booths: the dashboard (per booth and BS month, with chart and exports), the capture
//! page that keeps working offline (tally and screening forms, the queue waiting to sync),
//! one screening, sync conflicts and the batch sync API that phones call when back online.
//!
//! Online forms and offline phones go through the same function ([`sync_record`]), so a record
//! is checked, scored, scoped and audited the same way whichever path it took.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use setu_core::access::{Capability, Scope, Target};
use setu_core::booths::{Outcome, Purpose, ScreeningForm, TallyForm, SCREENING_LIST_FIELDS};
use setu_core::calendar::{iso, BsDate};
use setu_core::community::{Participants, Sex};
use setu_core::records::{FieldSpec as F, FieldType as T};
use setu_core::risk::RiskLevel;
use setu_store::auth::User;
use setu_store::booths::{
    ScoredScreening, ScreeningFilter, SyncDraft, SyncItem, SyncOutcome, SyncResult,
};
use setu_store::directory::Site;
use setu_store::figures::{BoothFigures, BoothMonth};
use setu_store::sealing::Reveal;

use crate::auth::{allow, can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::choices;
use crate::pages::inputs::AreaQuery;
use crate::pages::records::{self, Correctable, Kind, Located};
use crate::templates::{
    BoothsPage, CapturePage, Choice, ConflictsPage, MonthRow, RenderHtml, ScreeningPage,
    ScreeningRow, ScreeningsPage, TrendBar,
};
use crate::AppState;

fn today() -> time::Date {
    setu_core::calendar::today_in_nepal()
}

/// Where a booth's records live.
pub fn booth_target(site: &Site) -> Target {
    Target {
        place: Some(site.place),
        site: Some(site.id),
        organisation: site.organisation_id,
    }
}

/// One record sent by a phone (or an online form): its kind, client id, the version it was
/// based on (0 for new) and the form's fields.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SyncRecord {
    /// `tally` or `screening`.
    pub kind: String,
    /// Client-generated UUID.
    pub id: String,
    /// Version the change was based on; 0 for a new record.
    #[serde(default)]
    pub base_version: i64,
    /// The form's fields.
    pub data: serde_json::Value,
}

/// The answer for one record of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct SyncAnswer {
    /// Client id.
    pub id: String,
    /// `created`, `updated`, `unchanged`, `conflict` or `invalid`.
    pub outcome: String,
    /// Version stored now (0 when refused).
    pub version: i64,
    /// Conflict id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
    /// What is wrong, per field (message in the reader's language), when refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<(String, String)>,
}

/// Why one record was not stored.
pub(crate) enum Refused {
    /// Fields that are wrong (message ids), answered `invalid`.
    Fields(setu_core::Invalid),
    /// The record's booth is not one the user may record at (or not a booth), answered
    /// `invalid` on the site field.
    Booth,
    /// The record could not be read at all, answered `invalid`.
    Malformed,
    /// Not stored now for a reason of the server's: answered `retry`, the phone keeps it.
    Retry,
    /// The whole request fails (the database is down, a bug).
    Web(WebError),
}

impl From<WebError> for Refused {
    fn from(e: WebError) -> Refused {
        Refused::Web(e)
    }
}

impl From<setu_store::StoreError> for Refused {
    fn from(e: setu_store::StoreError) -> Refused {
        match e {
            setu_store::StoreError::Rejected(m) => {
                Refused::Fields(setu_core::Invalid(vec![setu_core::FieldError {
                    field: "",
                    message: m,
                }]))
            }
            setu_store::StoreError::UnknownReference(_) | setu_store::StoreError::NotFound => {
                Refused::Booth
            }
            other => Refused::Web(other.into()),
        }
    }
}

/// Checks records for the store, reading the risk catalogue and each booth once per batch.
struct BatchCheck<'a> {
    app: &'a AppState,
    me: &'a User,
    catalogue: Option<setu_core::risk::Catalogue>,
    /// Booths by id: `None` when not a booth the user may record at.
    booths: std::collections::HashMap<i64, Option<Site>>,
}

impl<'a> BatchCheck<'a> {
    fn new(app: &'a AppState, me: &'a User) -> BatchCheck<'a> {
        BatchCheck {
            app,
            me,
            catalogue: None,
            booths: std::collections::HashMap::new(),
        }
    }

    /// The booth a record names, if the user may record there.
    async fn booth(&mut self, id: i64) -> Result<Site, Refused> {
        if let Some(known) = self.booths.get(&id) {
            return known.clone().ok_or(Refused::Booth);
        }
        let site = match scoped_booth(self.app, self.me, id).await {
            Ok(site) => Some(site),
            Err(WebError::NotFound | WebError::Forbidden) => None,
            Err(e) => return Err(Refused::Web(e)),
        };
        self.booths.insert(id, site.clone());
        site.ok_or(Refused::Booth)
    }

    /// One record checked into what the store writes.
    async fn item(&mut self, rec: &SyncRecord) -> Result<SyncItem, Refused> {
        let payload = rec.data.to_string();
        let draft = match rec.kind.as_str() {
            "tally" => {
                let form: TallyForm =
                    serde_json::from_value(rec.data.clone()).map_err(|_| Refused::Malformed)?;
                SyncDraft::Tally(form.check(today()).map_err(Refused::Fields)?)
            }
            "screening" => {
                let form: ScreeningForm =
                    serde_json::from_value(rec.data.clone()).map_err(|_| Refused::Malformed)?;
                if self.catalogue.is_none() {
                    self.catalogue = Some(self.app.store.risk_catalogue().await?);
                }
                let Some(catalogue) = self.catalogue.as_ref() else {
                    return Err(Refused::Retry);
                };
                let (draft, score, level) =
                    form.check(today(), catalogue).map_err(Refused::Fields)?;
                SyncDraft::Screening(Box::new(ScoredScreening {
                    draft,
                    risk_version: catalogue.version,
                    risk_score: score,
                    risk_level: level,
                }))
            }
            _ => return Err(Refused::Malformed),
        };
        let site_id = match &draft {
            SyncDraft::Tally(d) => d.site,
            SyncDraft::Screening(s) => s.draft.site,
        };
        let site = self.booth(site_id).await?;
        // A later version of a screening changes names someone already gave: that is a
        // correction of personal data, a capability of its own (a new one is not).
        if matches!(draft, SyncDraft::Screening(_))
            && rec.base_version > 0
            && !can(
                self.me,
                Capability::CorrectPersonal,
                Some(&booth_target(&site)),
                false,
            )
        {
            return Err(Refused::Fields(setu_core::Invalid(vec![
                setu_core::FieldError {
                    field: "",
                    message: "error-may-not-correct",
                },
            ])));
        }
        Ok(SyncItem {
            id: rec.id.clone(),
            base_version: rec.base_version,
            draft,
            payload,
            site,
        })
    }
}

/// Checks, scopes and stores records, all in one write: the one path for forms and phones,
/// so a record is checked, scored, scoped and audited the same way whichever path it took.
async fn sync_records(
    app: &AppState,
    me: &User,
    recs: &[SyncRecord],
) -> Result<Vec<Result<SyncResult, Refused>>, WebError> {
    let mut check = BatchCheck::new(app, me);
    let mut answers: Vec<Option<Result<SyncResult, Refused>>> = Vec::with_capacity(recs.len());
    let mut items = Vec::new();
    let mut slots = Vec::new();
    for (i, rec) in recs.iter().enumerate() {
        match check.item(rec).await {
            Ok(item) => {
                items.push(item);
                slots.push(i);
                answers.push(None);
            }
            Err(Refused::Web(e)) => return Err(e),
            Err(refused) => answers.push(Some(Err(refused))),
        }
    }
    let stored = app.store.sync_batch(&me.actor(), &items).await?;
    for (slot, result) in slots.into_iter().zip(stored) {
        answers[slot] = Some(result.map_err(|e| match e {
            setu_store::StoreError::Rejected(_)
            | setu_store::StoreError::NotFound
            | setu_store::StoreError::UnknownReference(_) => Refused::from(e),
            _ => Refused::Retry,
        }));
    }
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or(Err(Refused::Retry)))
        .collect())
}

/// One record, as a batch of one.
async fn sync_record(app: &AppState, me: &User, rec: &SyncRecord) -> Result<SyncResult, Refused> {
    sync_records(app, me, std::slice::from_ref(rec))
        .await?
        .pop()
        .unwrap_or(Err(Refused::Retry))
}

/// A booth the user may write records for (404 when outside their scope or not a booth).
async fn scoped_booth(app: &AppState, me: &User, id: i64) -> Result<Site, WebError> {
    let site = app.store.booth(id).await.map_err(|e| match e {
        setu_store::StoreError::Rejected(_) => WebError::NotFound,
        other => other.into(),
    })?;
    allow(
        me,
        Capability::WriteBooths,
        Some(&booth_target(&site)),
        false,
    )?;
    Ok(site)
}

/// The batch sync request.
#[derive(Debug, Deserialize)]
pub struct SyncBatch {
    /// Records, in any order; the same record may come more than once.
    pub records: Vec<SyncRecord>,
}

/// The most records one batch may carry.
pub const MAX_BATCH: usize = 500;

/// `POST /api/v1/sync`: stores each record once, whatever the order and however often sent,
/// the whole batch in one write. Each record gets its own answer: `created`, `updated`,
/// `unchanged`, `conflict`, `invalid` (with the fields' messages) or `retry` (not stored now:
/// send it again). A batch over the limit is refused whole with 413; a server that is storing
/// more than it can answers 503 with `Retry-After`.
pub async fn sync_api(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<serde_json::Value>, WebError> {
    let batch = read_batch(body)?;
    let results = sync_records(&app, &me, &batch.records).await?;
    let answers: Vec<SyncAnswer> = batch
        .records
        .iter()
        .zip(results)
        .map(|(rec, result)| answer(&page, rec, result))
        .collect();
    Ok(Json(serde_json::json!({ "results": answers })))
}

/// Reads a sync batch (the booths' or the community's): 413 over the size or record limit,
/// 422 when it is not a batch at all.
pub(crate) fn read_batch(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<SyncBatch, WebError> {
    let body = body.map_err(|_| WebError::TooLarge("error-batch-too-large"))?;
    let batch: SyncBatch = serde_json::from_slice(&body).map_err(|_| {
        WebError::Invalid(setu_core::Invalid(vec![setu_core::FieldError {
            field: "records",
            message: "error-bad-json",
        }]))
    })?;
    if batch.records.len() > MAX_BATCH {
        return Err(WebError::TooLarge("error-batch-too-large"));
    }
    Ok(batch)
}

/// The answer for one record of a batch.
pub(crate) fn answer(
    page: &Page,
    rec: &SyncRecord,
    result: Result<SyncResult, Refused>,
) -> SyncAnswer {
    let refused = |outcome: &str, errors: Vec<(String, String)>| SyncAnswer {
        id: rec.id.clone(),
        outcome: outcome.into(),
        version: 0,
        conflict: None,
        errors,
    };
    match result {
        Ok(r) => SyncAnswer {
            id: r.id,
            outcome: outcome_name(r.outcome).into(),
            version: r.version,
            conflict: r.conflict,
            errors: Vec::new(),
        },
        Err(Refused::Fields(inv)) => refused(
            "invalid",
            inv.0
                .iter()
                .map(|f| (f.field.to_string(), page.t(f.message)))
                .collect(),
        ),
        Err(Refused::Booth) => refused(
            "invalid",
            vec![("site".into(), page.t("error-place-out-of-scope"))],
        ),
        Err(Refused::Malformed) => {
            refused("invalid", vec![(String::new(), page.t("error-bad-record"))])
        }
        Err(Refused::Retry | Refused::Web(_)) => {
            refused("retry", vec![(String::new(), page.t("error-not-stored"))])
        }
    }
}

fn outcome_name(o: SyncOutcome) -> &'static str {
    match o {
        SyncOutcome::Created => "created",
        SyncOutcome::Updated => "updated",
        SyncOutcome::Unchanged => "unchanged",
        SyncOutcome::Conflict => "conflict",
    }
}

/// Reads an HTML form body into JSON, repeated names of list fields becoming arrays.
fn form_json(raw: &[u8], lists: &[&str]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (k, v) in form_urlencoded::parse(raw) {
        if lists.contains(&k.as_ref()) {
            let entry = map
                .entry(k.to_string())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if let serde_json::Value::Array(a) = entry {
                a.push(serde_json::Value::String(v.to_string()));
            }
        } else {
            map.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    serde_json::Value::Object(map)
}

/// `POST /booths/{id}/tallies` and `POST /booths/{id}/screenings` without JavaScript: the
/// same record the script would queue, stored at once.
async fn post_form(
    app: AppState,
    page: Page,
    me: User,
    site_id: i64,
    kind: &str,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let site = scoped_booth(&app, &me, site_id).await?;
    let mut data = form_json(&body, SCREENING_LIST_FIELDS);
    let field = |d: &serde_json::Value, k: &str| {
        d.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let id = match field(&data, "record_id") {
        s if s.is_empty() => uuid::Uuid::new_v4().to_string(),
        s => s,
    };
    let base_version = field(&data, "base_version").parse().unwrap_or(0);
    if let Some(m) = data.as_object_mut() {
        m.insert(
            "site".into(),
            serde_json::Value::String(site.id.to_string()),
        );
        for k in ["csrf", "record_id", "base_version"] {
            m.remove(k);
        }
    }
    let rec = SyncRecord {
        kind: kind.into(),
        id,
        base_version,
        data,
    };
    match sync_record(&app, &me, &rec).await {
        Ok(r) if r.outcome == SyncOutcome::Conflict => {
            Ok(Redirect::to("/booths/conflicts").into_response())
        }
        Ok(_) => {
            Ok(Redirect::to(&format!("/booths/{}/capture?saved={kind}", site.id)).into_response())
        }
        Err(Refused::Fields(inv)) => {
            let notice = crate::pages::invalid_message(&page, &inv);
            capture_page(
                &app,
                page,
                &me,
                &site,
                Some(notice),
                Some(rec),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Refused::Booth) => Err(WebError::NotFound),
        Err(Refused::Malformed) => Err(WebError::BadRequest),
        Err(Refused::Retry) => Err(WebError::Busy),
        Err(Refused::Web(e)) => Err(e),
    }
}

/// `POST /booths/{id}/tallies`
pub async fn post_tally(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    post_form(app, page, me, id, "tally", body).await
}

/// `POST /booths/{id}/screenings`
pub async fn post_screening(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    post_form(app, page, me, id, "screening", body).await
}

/// `?saved=tally`
#[derive(Debug, Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

/// `GET /booths/{id}/capture`: the phone page (works offline once loaded).
pub async fn capture(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let site = scoped_booth(&app, &me, id).await?;
    let notice = match q.saved.as_str() {
        "tally" | "screening" => Some(page.t("booth-saved")),
        _ => None,
    };
    let mut resp = capture_page(&app, page, &me, &site, notice, None, StatusCode::OK).await?;
    // The service worker keeps a copy for offline use; the browser itself must not.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

async fn capture_page(
    app: &AppState,
    page: Page,
    me: &User,
    site: &Site,
    notice: Option<String>,
    again: Option<SyncRecord>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let title = format!(
        "{} · {}",
        page.t("booth-capture"),
        page.name(&Some(site.name_en.clone()), &site.name_ne)
    );
    let page = page.with_title(title, "booths");
    let catalogue = app.store.risk_catalogue().await?;
    let tallies = app.store.tallies(site.id, 7).await?;
    let weeks = weekly_totals(app, site.id, today(), 8).await?;
    let alerts = app
        .store
        .unread_alerts(&me.username)
        .await?
        .iter()
        .map(|n| crate::pages::notifications::told(&page, n))
        .collect();
    use crate::pages::choices;
    use setu_core::booths::{Document, Payer, Purpose, Relation};
    let html = CapturePage {
        site_id: site.id,
        qkey: app.store.keys().queue_key(&me.id),
        today_bs: BsDate::from_ad(today())
            .map(|d| d.short(page.prefs.digits))
            .unwrap_or_default(),
        bs_months: bs_month_starts(),
        indicators: catalogue
            .indicators
            .iter()
            .map(|i| Choice {
                value: i.code.clone(),
                label: if page.is_ne() { i.text_ne.clone() } else { i.text_en.clone() },
                selected: false,
            })
            .collect(),
        risk_version: catalogue.version,
        sexes: choices(&page, Sex::ALL.iter().map(|s| s.as_str()), "sex-", ""),
        outcomes: choices(&page, Outcome::ALL.iter().map(|s| s.as_str()), "outcome-", ""),
        purposes: choices(&page, Purpose::ALL.iter().map(|s| s.as_str()), "purpose-", ""),
        relations: choices(&page, Relation::ALL.iter().map(|s| s.as_str()), "relation-", ""),
        payers: choices(&page, Payer::ALL.iter().map(|s| s.as_str()), "payer-", ""),
        documents: choices(&page, Document::ALL.iter().map(|s| s.as_str()), "document-", ""),
        tallies: tallies
            .iter()
            .map(|t| {
                (
                    t.id.clone(),
                    page.date(&t.day),
                    page.num(&t.informed.total()),
                    t.version,
                    serde_json::json!({
                        "date": t.day, "female_u18": t.informed.under18[0], "male_u18": t.informed.under18[1],
                        "other_u18": t.informed.under18[2], "female_18": t.informed.adults[0],
                        "male_18": t.informed.adults[1], "other_18": t.informed.adults[2], "materials": t.materials
                    })
                    .to_string(),
                )
            })
            .collect(),
        weeks: weeks
            .iter()
            .map(|(start, p)| {
                (
                    page.date(&iso(*start)),
                    page.num(&p.total()),
                    page.num(&p.minors()),
                )
            })
            .collect(),
        can_screen: me.holds(Capability::ReadPersonal),
        alerts,
        notice,
        again: again.map(|r| serde_json::to_string(&r).unwrap_or_default()),
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// People informed at one booth in each of the last `n` weeks (Sunday to Saturday, the Nepali
/// working week), newest first; weeks without tallies show zero.
pub async fn weekly_totals(
    app: &AppState,
    site: i64,
    today: time::Date,
    n: i64,
) -> Result<Vec<(time::Date, Participants)>, WebError> {
    let this_week =
        today - time::Duration::days(i64::from(today.weekday().number_days_from_sunday()));
    let first = this_week - time::Duration::weeks(n - 1);
    let mut weeks: Vec<(time::Date, Participants)> = (0..n)
        .map(|k| {
            (
                this_week - time::Duration::weeks(k),
                Participants::default(),
            )
        })
        .collect();
    for d in app
        .store
        .tally_days(Scope::Site(site), first, today)
        .await?
    {
        let Ok(day) = setu_core::calendar::parse_ad(&d.day) else {
            continue;
        };
        if let Some(w) = weeks.iter_mut().find(|(start, _)| *start <= day) {
            w.1.add(&d.informed);
        }
    }
    Ok(weeks)
}

/// The first AD day of each BS month from a year ago to two years ahead, so that the offline
/// page can show today's BS date and read BS dates without asking the server.
pub(crate) fn bs_month_starts() -> String {
    let mut out = Vec::new();
    let Ok(mut d) = BsDate::from_ad(today()) else {
        return "[]".into();
    };
    for _ in 0..12 {
        d = match BsDate::new(
            d.year() - u16::from(d.month() == 1),
            if d.month() == 1 { 12 } else { d.month() - 1 },
            1,
        ) {
            Ok(p) => p,
            Err(_) => break,
        };
    }
    for _ in 0..36 {
        let Ok(first) = BsDate::new(d.year(), d.month(), 1) else {
            break;
        };
        out.push(format!(
            "[{},{},\"{}\",{}]",
            first.year(),
            first.month(),
            iso(first.to_ad()),
            first.month_length()
        ));
        d = match BsDate::new(d.year() + u16::from(d.month() == 12), d.month() % 12 + 1, 1) {
            Ok(n) => n,
            Err(_) => break,
        };
    }
    format!("[{}]", out.join(","))
}

/// `GET /booths/sw.js`: the service worker that keeps the capture page and its assets for
/// offline use (scope `/booths/`).
pub async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../static/sw.js"),
    )
        .into_response()
}

/// Whether `me` may open screening `s`'s page (without a glass grant): its booth's readers,
/// or the readers of the organisation she agreed to share with. What links to a screening
/// asks this, so that no link leads to a refusal.
pub(crate) fn opens_screening(me: &User, s: &setu_store::booths::Screening) -> bool {
    [s.target(), s.shared_target()]
        .iter()
        .any(|t| can(me, Capability::ReadPersonal, Some(t), false))
}

/// `GET /screenings/{id}`: one screening with its personal data (the opening is audited).
pub async fn screening(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let plain = app.store.screening(&id, Reveal::No).await?;
    let glass = app.store.has_glass(&me.id, "screening", &id).await?;
    // She did not agree to sharing: a reader whose scope holds the booth but not the
    // organisation that met her sees the record without her details, and may give a reason.
    let withheld = !glass
        && can(&me, Capability::ReadPersonal, Some(&plain.target()), false)
        && !can(
            &me,
            Capability::ReadPersonal,
            Some(&plain.shared_target()),
            false,
        );
    if !withheld {
        allow(
            &me,
            Capability::ReadPersonal,
            Some(&plain.shared_target()),
            glass,
        )?;
    }
    let actor = me.actor();
    let s = if withheld {
        plain
    } else {
        app.store.screening(&id, Reveal::To(&actor)).await?
    };
    let catalogue = app.store.risk_catalogue_version(s.risk_version).await?;
    let site = app.store.site(s.site_id).await?;
    let page = page.titled("screening-title", "booths");
    let risks = s
        .risk_codes
        .iter()
        .map(|c| {
            catalogue
                .indicators
                .iter()
                .find(|i| &i.code == c)
                .map(|i| {
                    format!(
                        "{} ({})",
                        if page.is_ne() { &i.text_ne } else { &i.text_en },
                        page.num(&i.weight)
                    )
                })
                .unwrap_or_else(|| c.clone())
        })
        .collect();
    let booth = page.name(&Some(site.name_en.clone()), &site.name_ne);
    Ok(Html(
        ScreeningPage {
            booth,
            risks,
            withheld,
            can_break_glass: withheld && me.holds(Capability::BreakGlass),
            s: &s,
            p: &page,
        }
        .render_html(),
    ))
}

/// `POST /screenings/{id}/glass`: read a screening whose subject did not agree to sharing, for
/// an hour, for the reason given (recorded, and shown to the coordinators of the place).
pub async fn screening_glass(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<crate::pages::directory::routes::GlassForm>,
) -> Result<Response, WebError> {
    let plain = app.store.screening(&id, Reveal::No).await?;
    let place = plain.place_code.parse().map_err(|_| WebError::NotFound)?;
    let grant = app
        .store
        .grant_glass(
            &me.actor(),
            "screening",
            &id,
            place,
            &f.reason,
            crate::pages::directory::routes::GLASS_MINUTES,
        )
        .await;
    match grant {
        Ok(_) => Ok(Redirect::to(&format!("/screenings/{id}")).into_response()),
        Err(setu_store::StoreError::Rejected(m)) => {
            Err(WebError::Invalid(setu_core::Invalid(vec![
                setu_core::FieldError {
                    field: "reason",
                    message: m,
                },
            ])))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /booths/conflicts`
pub async fn conflicts(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Html<String>, WebError> {
    let list = app.store.sync_conflicts(me.scope).await?;
    let page = page.titled("conflicts-title", "booths");
    let mut rows = Vec::new();
    for c in list {
        let opened = if me.holds(Capability::ReadPersonal) {
            app.store
                .sync_conflict(&c.id, Reveal::To(&me.actor()))
                .await?
                .0
                .payload
        } else {
            None
        };
        rows.push((c, opened.unwrap_or_default()));
    }
    Ok(Html(ConflictsPage { rows, p: &page }.render_html()))
}

/// The choice on a conflict.
#[derive(Debug, Deserialize)]
pub struct Resolve {
    /// `keep` (the stored version stays) or `apply` (the submission becomes the next version).
    choice: String,
}

/// `POST /booths/conflicts/{id}`
pub async fn resolve(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Resolve>,
) -> Result<Response, WebError> {
    let (_, target) = app.store.sync_conflict(&id, Reveal::No).await?;
    allow(&me, Capability::WriteBooths, Some(&target), false)?;
    let (c, _) = app
        .store
        .sync_conflict(&id, Reveal::To(&me.actor()))
        .await?;
    match form.choice.as_str() {
        "keep" => {}
        "apply" => {
            let current = app.store.synced_version(&c.kind, &c.record_id).await?;
            let data: serde_json::Value =
                serde_json::from_str(c.payload.as_deref().unwrap_or("{}"))
                    .map_err(|_| WebError::BadRequest)?;
            let rec = SyncRecord {
                kind: if c.kind == "screening" {
                    "screening"
                } else {
                    "tally"
                }
                .into(),
                id: c.record_id.clone(),
                base_version: current,
                data,
            };
            match sync_record(&app, &me, &rec).await {
                Ok(_) => {}
                Err(Refused::Fields(inv)) => return Err(WebError::Invalid(inv)),
                Err(Refused::Booth) => return Err(WebError::NotFound),
                Err(Refused::Malformed) => return Err(WebError::BadRequest),
                Err(Refused::Retry) => return Err(WebError::Busy),
                Err(Refused::Web(e)) => return Err(e),
            }
        }
        _ => return Err(WebError::BadRequest),
    }
    app.store
        .resolve_sync_conflict(&me.actor(), &id, &form.choice)
        .await?;
    Ok(Redirect::to("/booths/conflicts").into_response())
}

/// `GET /booths[?place=…&fy=…]`: the dashboard.
pub async fn dashboard(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let period = q.period(today()).map_err(|_| WebError::BadRequest)?;
    let scope = q.scope(me.scope);
    let figures = app
        .store
        .booth_months(scope, period.from, period.until)
        .await?;
    if figures.months.is_empty() {
        if let Some(to) = q
            .latest_with_records(&app, scope, "/booths", today())
            .await?
        {
            return Ok(Redirect::to(&to).into_response());
        }
    }
    let latest_note = q.latest_note(&page, today());
    let booths = app.store.booths(me.scope).await?;
    let page = page.titled("booths-title", "booths");
    let name_of = |id: i64| {
        booths
            .iter()
            .find(|b| b.id == id)
            .map(|b| page.name(&Some(b.name_en.clone()), &b.name_ne))
            .unwrap_or_else(|| format!("#{id}"))
    };
    // The chart: informed per BS month across booths, with the under-18 part, the last 24.
    let per_month = setu_stats::booths::informed_by_month(&figures.months);
    let max = per_month.iter().map(|m| m.1).max().unwrap_or(0).max(1);
    let bars = per_month
        .iter()
        .rev()
        .take(24)
        .rev()
        .enumerate()
        .map(|(i, ((y, m), total, minors))| TrendBar {
            x: i64::try_from(i).unwrap_or(0) * 60 + 34,
            label: chart_label(&page, *y, *m),
            total_h: total * 100 / max,
            own_h: minors * 100 / max,
            share: page.num(total),
        })
        .collect();
    let row = |m: &BoothMonth, label: String, sort: String| MonthRow {
        label,
        sort,
        informed: page.num(&m.informed.total()),
        female: page.num(&(m.informed.under18[0] + m.informed.adults[0])),
        male: page.num(&(m.informed.under18[1] + m.informed.adults[1])),
        other: page.num(&(m.informed.under18[2] + m.informed.adults[2])),
        under18: page.num(&m.informed.minors()),
        screened: page.num(&m.screened),
        intercepted: page.num(&m.intercepted),
        handed_over: page.num(&m.handed_over),
        by_outcome: m.by_outcome.iter().map(|n| page.num(n)).collect(),
    };
    let months = figures
        .months
        .iter()
        .rev()
        .map(|m| {
            let sort = format!("{:04}-{:02}", m.year, m.month);
            row(m, month_label(&page, m.year, m.month), sort)
        })
        .collect();
    let totals = row(&figures.totals, page.t("booths-total"), String::new());
    let by_booth = app
        .store
        .booth_by_booth(scope, period.from, period.until)
        .await?
        .iter()
        .map(|m| {
            let name = name_of(m.site_id);
            row(m, name.clone(), name)
        })
        .collect();
    let fy = period
        .fy
        .map(|f| f.to_string())
        .unwrap_or_else(|| "all".into());
    let writable = booths
        .iter()
        .filter(|b| can(&me, Capability::WriteBooths, Some(&booth_target(b)), false))
        .map(|b| (b.id, page.name(&Some(b.name_en.clone()), &b.name_ne)))
        .collect();
    let html = BoothsPage {
        months,
        booths: by_booth,
        totals,
        bars,
        outcomes: Outcome::ALL
            .iter()
            .map(|o| page.t(&format!("outcome-{}", o.as_str())))
            .collect(),
        fy_choices: crate::pages::inputs::fy_choices(&page, &fy, today()),
        writable,
        export: format!("place={}&fy={}", q.place.trim(), fy),
        place: q.place.clone(),
        latest_note,
        p: &page,
    }
    .render_html();
    Ok(Html(html).into_response())
}

/// A month under a chart's bar: two digits of the year keep it within the bar's width at a
/// size a phone can read (`साउन ८२`).
fn chart_label(page: &Page, year: u16, month: u8) -> String {
    BsDate::new(year, month, 1)
        .map(|d| {
            format!(
                "{} {}",
                d.month_name(page.prefs.lang),
                page.digits(&format!("{:02}", year % 100))
            )
        })
        .unwrap_or_default()
}

fn month_label(page: &Page, year: u16, month: u8) -> String {
    BsDate::new(year, month, 1)
        .map(|d| {
            format!(
                "{} {}",
                d.month_name(page.prefs.lang),
                page.digits(&year.to_string())
            )
        })
        .unwrap_or_default()
}

/// The rows every export writes: one per booth and BS month.
fn export_rows(app_figures: &BoothFigures) -> Vec<Vec<String>> {
    let mut out = vec![[
        "site_id",
        "bs_year",
        "bs_month",
        "informed",
        "informed_female",
        "informed_male",
        "informed_other",
        "informed_under18",
        "materials",
        "screened",
        "screened_under18",
        "intercepted",
        "handed_over",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(
        Outcome::ALL
            .iter()
            .map(|o| format!("outcome_{}", o.as_str().replace('-', "_"))),
    )
    .collect()];
    for m in &app_figures.months {
        let i = &m.informed;
        let mut row: Vec<String> = [
            m.site_id,
            i64::from(m.year),
            i64::from(m.month),
            i.total(),
            i.under18[0] + i.adults[0],
            i.under18[1] + i.adults[1],
            i.under18[2] + i.adults[2],
            i.minors(),
            m.materials,
            m.screened,
            m.screened_under18,
            m.intercepted,
            m.handed_over,
        ]
        .iter()
        .map(|n| n.to_string())
        .collect();
        row.extend(m.by_outcome.iter().map(|n| n.to_string()));
        out.push(row);
    }
    out
}

async fn export_figures(
    app: &AppState,
    me: &User,
    q: &AreaQuery,
) -> Result<Vec<Vec<String>>, WebError> {
    allow(me, Capability::ReadAggregates, None, false)?;
    let period = q.period(today()).map_err(|_| WebError::BadRequest)?;
    let f = app
        .store
        .booth_figures(q.scope(me.scope), period.from, period.until)
        .await?;
    Ok(export_rows(&f))
}

/// `GET /booths.csv`
pub async fn csv(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let rows = export_figures(&app, &me, &q).await?;
    let body: String = rows.iter().map(|r| r.join(",") + "\n").collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"setu-booths.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET /booths.xlsx`
pub async fn xlsx(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let rows = export_figures(&app, &me, &q).await?;
    let bytes = crate::pages::indicators::spreadsheet("Booths", &rows)
        .map_err(|e| WebError::Internal(format!("xlsx: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"setu-booths.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/v1/booths/figures`
pub async fn figures_api(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(q): Query<AreaQuery>,
) -> Result<Json<BoothFigures>, WebError> {
    let period = q.period(today()).map_err(|_| WebError::BadRequest)?;
    Ok(Json(
        app.store
            .booth_figures(q.scope(me.scope), period.from, period.until)
            .await?,
    ))
}

/// `?site=ID` (optional: without it, every booth in the user's scope).
#[derive(Debug, Deserialize)]
pub struct SiteQuery {
    site: Option<i64>,
}

/// `GET /api/v1/tallies[?site=ID]`: latest tallies (no personal data) of booths the user
/// records for or counts.
pub async fn tallies_api(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(q): Query<SiteQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let sites = match q.site {
        Some(id) => vec![app.store.booth(id).await.map_err(|_| WebError::NotFound)?],
        None => app.store.booths(me.scope).await?,
    };
    let mut items = Vec::new();
    for site in sites {
        let t = booth_target(&site);
        if !can(&me, Capability::WriteBooths, Some(&t), false)
            && !can(&me, Capability::ReadAggregates, Some(&t), false)
        {
            if q.site.is_some() {
                return Err(WebError::NotFound);
            }
            continue;
        }
        items.extend(app.store.tallies(site.id, 500).await?);
    }
    Ok(Json(serde_json::json!({ "items": items })))
}

/// A booth screening's record (`/screenings/{id}/record`): who she is, where she was going
/// and what the booth did, corrected by those who may correct personal data where she may be
/// read by name (her consent decides where), and matched again (a corrected phone's keyed
/// hash goes with it). The risk indicators stay as the booth judged them.
#[derive(Debug)]
pub struct ScreeningRecord;

impl Correctable for ScreeningRecord {
    const KIND: Kind = Kind {
        entity: "screening",
        table: "screening",
        nav: "booths",
        fields: &[
            F::new("given_name", "screening-given-name", T::Text(100)).sealed(),
            F::new("family_name", "screening-family-name", T::Text(100)).sealed(),
            F::new("sex", "field-sex", T::Choice("sex", Sex::NAMES)).required(),
            F::new("age", "screening-age", T::Count(0, 120)).required(),
            F::new("birth_date", "screening-birth-date", T::Date).sealed(),
            F::new("phone", "report-field-phone", T::Phone).sealed(),
            F::new(
                "destination_place",
                "screening-destination-place",
                T::Text(200),
            )
            .sealed(),
            F::new(
                "purpose",
                "screening-purpose",
                T::Choice("purpose", Purpose::NAMES),
            )
            .required(),
            F::new(
                "outcome",
                "screening-outcome",
                T::Choice("outcome", Outcome::NAMES),
            )
            .required(),
            F::new("note", "screening-note", T::Text(1000)).sealed(),
        ],
        read: Capability::ReadPersonal,
        write: Capability::CorrectPersonal,
        rematch: Some("screening"),
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let s = app.store.screening(id, Reveal::No).await?;
        let parent = (format!("/screenings/{id}"), page.t("screening-title"));
        let mut at = records::placed(
            app,
            page,
            Some(s.place_code.clone()),
            "kind-screening",
            parent,
            format!("/screenings/{id}/record"),
        )
        .await?;
        // Where she may be read by name: her consent decides.
        at.target = s.shared_target();
        Ok(at)
    }
}

/// Filters and position of a booth's list of screenings, as typed in its address.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScreeningsQuery {
    /// Only this outcome.
    pub outcome: String,
    /// Only this risk level.
    pub level: String,
    /// The screening the page starts after.
    pub after: String,
}

/// `GET /booths/{id}/screenings`: a booth's screenings, 50 a page, newest first, filtered by
/// outcome and risk level in the query. Names show only where the reader may read them (her
/// consent decides beyond the booth); the page's names are one audited view.
pub async fn screenings(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<ScreeningsQuery>,
) -> Result<Response, WebError> {
    let site = app.store.booth(id).await.map_err(|e| match e {
        setu_store::StoreError::Rejected(_) => WebError::NotFound,
        other => other.into(),
    })?;
    allow(
        &me,
        Capability::ReadPersonal,
        Some(&booth_target(&site)),
        false,
    )?;
    let filter = ScreeningFilter {
        outcome: Outcome::parse(&q.outcome),
        level: RiskLevel::parse(&q.level).map(|l| l.as_str().to_string()),
    };
    let after = Some(q.after.as_str()).filter(|a| !a.is_empty());
    let actor = me.actor();
    let shown = app
        .store
        .screening_page(id, &filter, after, Reveal::To(&actor))
        .await?;
    let here = |after: Option<&str>| {
        let mut url = form_urlencoded::Serializer::new(String::new());
        url.append_pair("outcome", &q.outcome)
            .append_pair("level", &q.level);
        if let Some(a) = after {
            url.append_pair("after", a);
        }
        format!("/booths/{id}/screenings?{}", url.finish())
    };
    let rows = shown
        .rows
        .into_iter()
        .map(|s| {
            let named = can(
                &me,
                Capability::ReadPersonal,
                Some(&s.shared_target()),
                false,
            );
            let name = match (named, &s.given_name, &s.family_name) {
                (false, _, _) | (true, None, None) => page.t("screening-anonymous"),
                (true, g, f) => format!(
                    "{} {}",
                    g.as_deref().unwrap_or(""),
                    f.as_deref().unwrap_or("")
                )
                .trim()
                .to_string(),
            };
            ScreeningRow {
                href: format!("/screenings/{}", s.id),
                when: format!("{} {}", page.date(&s.day), s.time),
                name,
                sex: page.t(&format!("sex-{}", s.sex.as_str())),
                age: page.num(&s.age),
                outcome: page.t(&format!("outcome-{}", s.outcome)),
                level: page.t(&format!("risk-level-{}", s.risk_level)),
            }
        })
        .collect();
    let booth = page.name(&Some(site.name_en.clone()), &site.name_ne);
    let title = format!("{} · {booth}", page.t("booth-screenings"));
    let page = page.with_title(title, "booths");
    let html = ScreeningsPage {
        outcomes: choices(
            &page,
            Outcome::NAMES.iter().copied(),
            "outcome-",
            &q.outcome,
        ),
        levels: choices(
            &page,
            RiskLevel::NAMES.iter().copied(),
            "risk-level-",
            &q.level,
        ),
        next: shown.next.as_deref().map(|a| here(Some(a))),
        first: after.map(|_| here(None)),
        capture: format!("/booths/{id}/capture"),
        rows,
        p: &page,
    }
    .render_html();
    Ok(Html(html).into_response())
}
