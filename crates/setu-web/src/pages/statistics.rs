//! Public statistics (issue 17, point 7): what a district releases to everyone, without
//! signing in — a table per fiscal year of its municipalities' counts (people reported
//! missing, survivors identified and returned home, residents stopped at border booths),
//! small counts suppressed by `setu_stats::release` — as a page and as open-data CSV; and the
//! coordinators' release step (draft → approved by another → published, versioned, audited).

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use setu_core::access::{Capability, Scope};
use setu_core::{FiscalYear, PlaceCode};
use setu_store::auth::User;
use setu_store::releases::{Release, ReleaseRow, ReleaseStatus, ReleaseTable};

use crate::auth::{can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::templates::{Choice, ReleaseView, RenderHtml, StatisticsManagePage, StatisticsPage};
use crate::AppState;

/// The measures a release publishes, by their stable names (the CSV's and the API's), each
/// a count of persons over the fiscal year by their home municipality.
pub const MEASURES: [&str; 4] = [
    "missing_reported",
    "survivors_identified",
    "survivors_returned",
    "intercepted",
];

/// The release table of `district` for `fy`, protected: counted from the wards' grouped counts
/// per municipality, each column suppressed by `setu_stats::release` (the demo drafts its
/// release with it too).
pub async fn build_table(
    store: &setu_store::Store,
    district: PlaceCode,
    fy: FiscalYear,
) -> Result<ReleaseTable, setu_store::StoreError> {
    use std::collections::BTreeMap;
    let wards = store
        .ward_counts(Scope::Place(district), fy.first_day(), fy.last_day(), fy)
        .await?;
    let mut per_ll: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for w in &wards {
        let ll = w.ward.get(..5).unwrap_or(&w.ward).to_string();
        let row = per_ll.entry(ll).or_insert_with(|| vec![0; MEASURES.len()]);
        for (cell, n) in row
            .iter_mut()
            .zip([w.reports, w.trafficked, w.returned, w.intercepted])
        {
            *cell += n;
        }
    }
    let codes: Vec<String> = per_ll.keys().cloned().collect();
    let counts: Vec<Vec<i64>> = per_ll.into_values().collect();
    let protected = setu_stats::release::table(&counts, MEASURES.len());
    Ok(ReleaseTable {
        columns: MEASURES.iter().map(|m| m.to_string()).collect(),
        rows: codes
            .into_iter()
            .zip(protected.rows)
            .map(|(code, values)| ReleaseRow { code, values })
            .collect(),
        totals: protected.totals,
    })
}

/// A release as a page shows it.
fn view(page: &Page, r: &Release) -> ReleaseView {
    let cell = |v: &Option<i64>| match v {
        Some(n) => page.num(n),
        None => page.t("stats-suppressed"),
    };
    ReleaseView {
        id: r.id.clone(),
        district: page.place(&r.district),
        fiscal_year: r.fiscal_year.label(page.prefs.digits),
        status: page.t(&format!("stats-status-{}", r.status.as_str())),
        public: r.status.is_public(),
        version: r.version.map(|v| page.num(&v)).unwrap_or_default(),
        published_at: r
            .published_at
            .as_deref()
            .map(|d| page.date(d))
            .unwrap_or_default(),
        drafted_by: r.drafted_by.clone(),
        approved_by: r.approved_by.clone().unwrap_or_default(),
        note: r.note.clone(),
        columns: r
            .table
            .columns
            .iter()
            .map(|c| page.t(&format!("stats-measure-{}", c.replace('_', "-"))))
            .collect(),
        rows: r
            .table
            .rows
            .iter()
            .map(|row| (page.place(&row.code), row.values.iter().map(cell).collect()))
            .collect(),
        totals: r.table.totals.iter().map(cell).collect(),
    }
}

/// `GET /statistics`: every published release, the current version of each district and year
/// first; no sign-in.
pub async fn public(State(app): State<AppState>, page: Page) -> Result<Response, WebError> {
    let page = page.titled("stats-title", "statistics");
    let releases = app.store.public_releases().await?;
    let current: Vec<ReleaseView> = releases
        .iter()
        .filter(|r| r.status == ReleaseStatus::Published)
        .map(|r| view(&page, r))
        .collect();
    let html = StatisticsPage {
        p: &page,
        current,
        release: None,
        versions: Vec::new(),
    };
    Ok(Html(html.render_html()).into_response())
}

/// `GET /statistics/{id}`: one published release (any version), with its other versions.
pub async fn release(
    State(app): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let r = public_release(&app, &id).await?;
    let page = page.titled("stats-title", "statistics");
    let versions = app
        .store
        .public_releases()
        .await?
        .iter()
        .filter(|o| o.district == r.district && o.fiscal_year == r.fiscal_year)
        .map(|o| view(&page, o))
        .collect();
    let html = StatisticsPage {
        p: &page,
        current: Vec::new(),
        release: Some(view(&page, &r)),
        versions,
    };
    Ok(Html(html.render_html()).into_response())
}

/// A release the public may read (a draft is not found).
async fn public_release(app: &AppState, id: &str) -> Result<Release, WebError> {
    let r = app.store.release(id).await.map_err(|e| match e {
        setu_store::StoreError::NotFound => WebError::NotFound,
        e => e.into(),
    })?;
    if !r.status.is_public() {
        return Err(WebError::NotFound);
    }
    Ok(r)
}

/// The CSV lines of `releases`: one per municipality (and the district's total) and measure.
fn csv_lines(releases: &[Release]) -> String {
    let mut out = String::from(
        "district_code,fiscal_year,version,published_at,area_code,measure,value,suppressed\n",
    );
    for r in releases {
        let areas = r
            .table
            .rows
            .iter()
            .map(|row| (row.code.as_str(), &row.values))
            .chain(std::iter::once((r.district.as_str(), &r.table.totals)));
        for (area, values) in areas {
            for (measure, v) in r.table.columns.iter().zip(values.iter()) {
                out.push_str(&format!(
                    "{},{},{},{},{},{},{},{}\n",
                    r.district,
                    r.fiscal_year,
                    r.version.unwrap_or(0),
                    r.published_at
                        .as_deref()
                        .unwrap_or("")
                        .get(..10)
                        .unwrap_or(""),
                    area,
                    measure,
                    v.map(|n| n.to_string()).unwrap_or_default(),
                    v.is_none()
                ));
            }
        }
    }
    out
}

fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /statistics/open-data.csv`: every current release as open data.
pub async fn open_data(State(app): State<AppState>) -> Result<Response, WebError> {
    let current: Vec<Release> = app
        .store
        .public_releases()
        .await?
        .into_iter()
        .filter(|r| r.status == ReleaseStatus::Published)
        .collect();
    Ok(csv_response("setu-open-data.csv", csv_lines(&current)))
}

/// `GET /statistics/{id}/csv`: one published release (any version).
pub async fn release_csv(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let r = public_release(&app, &id).await?;
    let name = format!(
        "setu-{}-{}-v{}.csv",
        r.district,
        r.fiscal_year.start_year(),
        r.version.unwrap_or(0)
    );
    Ok(csv_response(&name, csv_lines(&[r])))
}

/// `?release=…`: which release a step acts on (manage pages).
#[derive(Debug, Deserialize, Default)]
pub struct ReleaseQuery {
    /// The release's id.
    #[serde(default)]
    pub release: String,
}

/// `GET /statistics/manage`: the coordinator's releases, the draft form, and one release to
/// review (`?release=`).
pub async fn manage(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<ReleaseQuery>,
) -> Result<Response, WebError> {
    manage_page(&app, page, &me, &q.release, None).await
}

async fn manage_page(
    app: &AppState,
    page: Page,
    me: &User,
    open: &str,
    refused: Option<String>,
) -> Result<Response, WebError> {
    let page = page.titled("stats-manage-title", "statistics");
    let releases = app.store.releases_in(me.scope).await?;
    let chosen = releases.iter().find(|r| r.id == open).map(|r| {
        let mine = r.drafted_by == me.username;
        (view(&page, r), r.status, mine)
    });
    let today = setu_core::calendar::today_in_nepal();
    let this = FiscalYear::containing(today).ok();
    let previous = this.and_then(|f| f.previous());
    let fy_choices = [previous, this]
        .into_iter()
        .flatten()
        .map(|f| Choice {
            value: f.to_string(),
            label: f.label(page.prefs.digits),
            selected: Some(f) == previous,
        })
        .collect();
    let districts = crate::pages::districts_within(app, &page, me.scope).await?;
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = StatisticsManagePage {
        p: &page,
        releases: releases.iter().map(|r| view(&page, r)).collect(),
        may_approve: chosen
            .as_ref()
            .is_some_and(|(_, s, mine)| *s == ReleaseStatus::Draft && !mine),
        may_publish: chosen
            .as_ref()
            .is_some_and(|(_, s, _)| *s == ReleaseStatus::Approved),
        may_discard: chosen
            .as_ref()
            .is_some_and(|(_, s, _)| matches!(s, ReleaseStatus::Draft | ReleaseStatus::Approved)),
        own_draft: chosen
            .as_ref()
            .is_some_and(|(_, s, mine)| *s == ReleaseStatus::Draft && *mine),
        chosen: chosen.map(|(v, _, _)| v),
        fy_choices,
        districts,
        refused,
    };
    Ok((status, Html(html.render_html())).into_response())
}

/// The draft form.
#[derive(Debug, Deserialize, Default)]
pub struct DraftForm {
    /// The district.
    #[serde(default)]
    pub place: String,
    /// The fiscal year.
    #[serde(default)]
    pub fy: String,
    /// What the release says about itself.
    #[serde(default)]
    pub note: String,
}

/// `POST /statistics/manage`: drafts a release of a district's figures for a fiscal year.
pub async fn draft(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<DraftForm>,
) -> Result<Response, WebError> {
    let refuse = |field, message| {
        WebError::Invalid(setu_core::Invalid(vec![setu_core::FieldError {
            field,
            message,
        }]))
    };
    let district = match f.place.trim().parse::<PlaceCode>() {
        Ok(d @ PlaceCode::District(_)) => d,
        Ok(_) | Err(_) => return Err(refuse("place", "error-release-district")),
    };
    crate::pages::may_write_at(&me, Capability::PublishStatistics, district, "place")?;
    let fy: FiscalYear =
        f.fy.trim()
            .parse()
            .map_err(|_| refuse("fy", "error-fiscal-year"))?;
    if f.note.chars().count() > 2_000 {
        return Err(refuse("note", "error-too-long"));
    }
    let table = build_table(&app.store, district, fy).await?;
    let id = app
        .store
        .draft_release(&me.actor(), district, fy, &table, &f.note)
        .await?;
    Ok(Redirect::to(&format!("/statistics/manage?release={id}")).into_response())
}

/// The step form: which release.
#[derive(Debug, Deserialize, Default)]
pub struct StepForm {
    /// The release's id.
    #[serde(default)]
    pub release: String,
}

/// The release a step acts on, inside the reader's scope (a form without one is refused on
/// its field).
async fn in_scope(app: &AppState, me: &User, id: &str) -> Result<Release, WebError> {
    if id.trim().is_empty() {
        return Err(WebError::Invalid(setu_core::Invalid(vec![
            setu_core::FieldError {
                field: "release",
                message: "error-release-missing",
            },
        ])));
    }
    let r = app.store.release(id.trim()).await.map_err(|e| match e {
        setu_store::StoreError::NotFound => WebError::NotFound,
        e => e.into(),
    })?;
    let target = setu_core::access::Target {
        place: r.district.parse().ok(),
        ..Default::default()
    };
    if !can(me, Capability::PublishStatistics, Some(&target), false) {
        return Err(WebError::NotFound);
    }
    Ok(r)
}

/// A step of the release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Approve,
    Publish,
    Discard,
}

/// `POST /statistics/manage/approve`: another coordinator's draft approved.
pub async fn approve(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<StepForm>,
) -> Result<Response, WebError> {
    step(app, page, me, f, Step::Approve).await
}

/// `POST /statistics/manage/publish`: an approved release made public as the next version.
pub async fn publish(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<StepForm>,
) -> Result<Response, WebError> {
    step(app, page, me, f, Step::Publish).await
}

/// `POST /statistics/manage/discard`: a release dropped before publication.
pub async fn discard(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<StepForm>,
) -> Result<Response, WebError> {
    step(app, page, me, f, Step::Discard).await
}

async fn step(
    app: AppState,
    page: Page,
    me: User,
    f: StepForm,
    step: Step,
) -> Result<Response, WebError> {
    let r = in_scope(&app, &me, &f.release).await?;
    let done = match step {
        Step::Approve => app.store.approve_release(&me.actor(), &r.id).await,
        Step::Publish => app
            .store
            .publish_release(&me.actor(), &r.id)
            .await
            .map(|_| ()),
        Step::Discard => app.store.discard_release(&me.actor(), &r.id).await,
    };
    match done {
        Ok(()) if step == Step::Publish => {
            Ok(Redirect::to(&format!("/statistics/{}", r.id)).into_response())
        }
        Ok(()) => Ok(Redirect::to(&format!("/statistics/manage?release={}", r.id)).into_response()),
        Err(setu_store::StoreError::Rejected(why)) => {
            let message = page.t(why);
            manage_page(&app, page, &me, &r.id, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}
