//! Programme indicators: the brief's headline figures computed from records, for the reader's
//! scope narrowed by place and fiscal year; as a page (with links down to the records, a
//! chart and a print layout), as CSV, and as JSON at `/api/v1/indicators`.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use setu_core::access::Scope;
use setu_core::{FiscalYear, PlaceCode};
use setu_store::auth::User;

use setu_store::figures::Figures;

use crate::auth::SignedIn;
use crate::error::WebError;
use crate::page::Page;
use crate::pages::inputs::AreaQuery;
use crate::pages::parents::cards;
use crate::templates::{IndicatorsPage, RenderHtml};
use crate::AppState;

mod survivors;

/// Filters: a district or local level code, and a fiscal year (shared with the lists).
pub type IndicatorQuery = AreaQuery;

/// The reader's scope narrowed to `place`: the smaller of the two when one contains the other,
/// and nothing when they do not overlap.
pub fn narrow(scope: Scope, place: Option<PlaceCode>) -> Scope {
    match (scope, place) {
        (s, None) => s,
        (Scope::Place(s), Some(p)) if p.is_within(s) => Scope::Place(p),
        (Scope::Place(s), Some(p)) if s.is_within(p) => Scope::Place(s),
        // Disjoint places, or a site or organisation scope: no place-based figures.
        _ => Scope::Site(0),
    }
}

/// Whether `me` sees survivors' counts as they are: an organisation's own caseworkers, who may
/// read the cases behind them. Everyone else sees small counts hidden.
fn sees_cases(me: &User) -> bool {
    me.holds(setu_core::access::Capability::ReadSurvivorCases)
        && matches!(me.scope, Scope::Organisation(_))
}

async fn figures(app: &AppState, me: &User, q: &IndicatorQuery) -> Result<Figures, WebError> {
    let place: Option<PlaceCode> = match q.place.trim() {
        "" => None,
        p => Some(p.parse().map_err(|_| WebError::BadRequest)?),
    };
    let today = setu_core::calendar::today_in_nepal();
    let period = q.period(today).map_err(|_| WebError::BadRequest)?;
    let fy = period.fy;
    let scope = narrow(me.scope, place);
    Ok(app
        .store
        .indicators(scope, place, fy, period.from, period.until, today)
        .await?)
}

/// `GET /indicators`
pub async fn page(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, WebError> {
    let f = figures(&app, &me, &q).await?;
    let today = setu_core::calendar::today_in_nepal();
    let nothing = f.booths.informed == 0
        && f.booths.screened == 0
        && f.events == 0
        && f.survivors.by_service.is_empty();
    if nothing {
        let scope = q.scope(me.scope);
        if let Some(to) = q
            .latest_with_records(&app, scope, "/indicators", today)
            .await?
        {
            return Ok(Redirect::to(&to).into_response());
        }
    }
    let latest_note = q.latest_note(&page, today);
    let page = page.titled("indicators-title", "indicators");
    let (bars, _) = crate::pages::youth::growth_bars(&app, &page, q.scope(me.scope)).await?;
    let fy_choices = crate::pages::inputs::fy_choices(
        &page,
        &f.fiscal_year,
        setu_core::calendar::today_in_nepal(),
    );
    let ratio = |a: i64, b: i64| format!("{} / {}", page.num(&a), page.num(&b));
    let mut survivors: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for fig in survivors::figures(&app, &page, &f.survivors, sees_cases(&me)).await? {
        let heading = page.t(fig.group);
        let first = survivors.last().is_none_or(|(h, _)| *h != heading);
        if first {
            survivors.push((heading, Vec::new()));
        }
        // A table lists what happened: its first row always, the others when not zero (the
        // exports keep every row, so that their columns do not move).
        let zero = fig.cell == setu_stats::disclosure::Cell::Count(0);
        if let (Some((_, rows)), true) = (survivors.last_mut(), first || !zero) {
            rows.push((fig.label.clone(), fig.text(&page)));
        }
    }
    let html = IndicatorsPage {
        survivors,
        survivors_closed: !sees_cases(&me),
        latest_note,
        booths: vec![
            (page.t("booths-informed"), page.num(&f.booths.informed)),
            (
                page.t("booths-under18"),
                page.num(&f.booths.informed_under18),
            ),
            (
                page.t("booths-intercepted"),
                page.num(&f.booths.intercepted),
            ),
            (
                page.t("booths-handed-over"),
                page.num(&f.booths.handed_over),
            ),
        ],
        lcchts: ratio(f.lcchts_functional, f.lcchts),
        dcchts: ratio(f.dcchts_functional, f.dcchts),
        sbcc: cards(&page, &f.sbcc),
        events: page.num(&f.events),
        events_by_type: f
            .events_by_type
            .iter()
            .map(|(t, n)| (page.t(&format!("event-{t}")), page.num(n)))
            .collect(),
        youth_latest: f
            .youth_by_year
            .last()
            .map(|(_, n)| page.num(n))
            .unwrap_or_default(),
        bars,
        fy_choices,
        fy_label: f
            .fiscal_year
            .parse::<FiscalYear>()
            .map(|fy| fy.label(page.prefs.digits))
            .unwrap_or_else(|_| page.t("indicators-all-years")),
        csv_href: format!(
            "/indicators.csv?place={}&fy={}",
            q.place.trim(),
            f.fiscal_year
        ),
        xlsx_href: format!(
            "/indicators.xlsx?place={}&fy={}",
            q.place.trim(),
            f.fiscal_year
        ),
        place: q.place.clone(),
        fy: f.fiscal_year.clone(),
        p: &page,
    }
    .render_html();
    Ok(Html(html).into_response())
}

/// The figures as the API writes them: the survivor figures as released to the reader.
#[derive(Debug, serde::Serialize)]
pub struct ApiFigures {
    #[serde(flatten)]
    figures: Figures,
    /// Survivor support: each figure's value, or null with why.
    survivors: Vec<survivors::Released>,
}

/// `GET /api/v1/indicators?place=511&fy=2082/83`
pub async fn api(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<IndicatorQuery>,
) -> Result<Json<ApiFigures>, WebError> {
    let f = figures(&app, &me, &q).await?;
    let survivors = survivors::figures(&app, &page, &f.survivors, sees_cases(&me))
        .await?
        .iter()
        .map(survivors::Figure::released)
        .collect();
    Ok(Json(ApiFigures {
        figures: f,
        survivors,
    }))
}

/// The figures as (indicator, value) rows: what the CSV and XLSX exports both write, the
/// survivor figures as released to the reader last.
async fn all_rows(
    app: &AppState,
    page: &Page,
    me: &User,
    f: &Figures,
) -> Result<Vec<(String, String)>, WebError> {
    let mut out = rows(f);
    for fig in survivors::figures(app, page, &f.survivors, sees_cases(me)).await? {
        out.push((fig.key.clone(), fig.plain()));
    }
    Ok(out)
}

fn rows(f: &Figures) -> Vec<(String, String)> {
    let pct = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut out = vec![
        (
            "place".to_string(),
            f.place.clone().unwrap_or_else(|| "scope".into()),
        ),
        ("fiscal_year".into(), f.fiscal_year.clone()),
        ("lcchts_functional".into(), f.lcchts_functional.to_string()),
        ("lcchts".into(), f.lcchts.to_string()),
        ("dcchts_functional".into(), f.dcchts_functional.to_string()),
        ("dcchts".into(), f.dcchts.to_string()),
        ("parents_reached".into(), f.sbcc.parents_reached.to_string()),
        ("parents_women_percent".into(), pct(f.sbcc.women_percent())),
        (
            "parents_repeated_percent".into(),
            pct(f.sbcc.repeated_percent()),
        ),
    ];
    for (y, n) in &f.youth_by_year {
        out.push((format!("youth_active_{y}"), n.to_string()));
    }
    out.push(("engagement_events".into(), f.events.to_string()));
    let b = &f.booths;
    for (k, v) in [
        ("booth_informed", b.informed),
        ("booth_informed_under18", b.informed_under18),
        ("booth_screened", b.screened),
        ("booth_intercepted", b.intercepted),
        ("booth_handed_over", b.handed_over),
    ] {
        out.push((k.into(), v.to_string()));
    }
    for (t, n) in &f.events_by_type {
        out.push((format!("events_{t}"), n.to_string()));
    }
    out
}

/// `GET /indicators.csv`: the same figures, one per line.
pub async fn csv(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, WebError> {
    let f = figures(&app, &me, &q).await?;
    let mut out = String::from("indicator,value\n");
    for (k, v) in all_rows(&app, &page, &me, &f).await? {
        out.push_str(&format!("{k},{v}\n"));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"setu-indicators.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// `GET /indicators.xlsx`: the same figures as a spreadsheet (numbers as numbers).
pub async fn xlsx(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, WebError> {
    let f = figures(&app, &me, &q).await?;
    let table: Vec<Vec<String>> =
        std::iter::once(vec!["indicator".to_string(), "value".to_string()])
            .chain(
                all_rows(&app, &page, &me, &f)
                    .await?
                    .into_iter()
                    .map(|(k, v)| vec![k, v]),
            )
            .collect();
    let bytes =
        spreadsheet("Indicators", &table).map_err(|e| WebError::Internal(format!("xlsx: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"setu-indicators.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A one-sheet workbook: the first row bold (headers), numbers written as numbers. Every
/// export of figures (indicators, booths) writes through this.
pub fn spreadsheet(
    name: &str,
    rows: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r).unwrap_or(u32::MAX);
        for (c, v) in row.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            match (r, v.parse::<f64>()) {
                (0, _) => sheet.write_string_with_format(r, c, v, &bold)?,
                (_, Ok(n)) => sheet.write_number(r, c, n)?,
                (_, Err(_)) => sheet.write_string(r, c, v)?,
            };
        }
    }
    sheet.set_column_width(0, 28)?;
    book.save_to_buffer()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_narrow_the_scope_never_widen_it() {
        let p = |s: &str| s.parse::<PlaceCode>().unwrap();
        assert_eq!(
            narrow(Scope::Place(p("511")), Some(p("51106"))),
            Scope::Place(p("51106"))
        );
        assert_eq!(
            narrow(Scope::Place(p("51106")), Some(p("511"))),
            Scope::Place(p("51106"))
        );
        assert_eq!(
            narrow(Scope::Place(p("511")), Some(p("312"))),
            Scope::Site(0)
        );
        assert_eq!(
            narrow(Scope::Place(PlaceCode::Country), None),
            Scope::Place(PlaceCode::Country)
        );
    }
}
