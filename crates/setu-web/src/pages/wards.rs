//! Ward risk (issue 17, points 2, 4 and 6): the wards of a local level or district ranked by
//! their smoothed rate of people missing, trafficked or stopped on their way (`setu-stats`),
//! as a grid of cards in rank order and a table of every count; the highest-risk wards with
//! nothing planned this fiscal year; the ward profile (population and households) a
//! municipality imports as CSV or XLSX.
//!
//! Readers who may not see the records behind a count see counts of persons under
//! [`PUBLIC_THRESHOLD`] as "fewer than 11": in a ward everyone knows whose daughter is
//! missing. Reports, interceptions and police referrals are open to readers of personal data
//! (the municipality's member-secretary, coordinators); survivors' cases to nobody who can
//! reach this page (only an NGO's caseworkers read cases). A ward whose ranked count is
//! withheld shows no rate either, raw or smoothed: either would give the count back from the
//! population beside it. Its rank stays, and its chance of being among the riskiest tenth is
//! rounded to tens.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use setu_core::access::{Capability, Scope};
use setu_core::sheet::RowError;
use setu_core::wards::{check_profile, Measure};
use setu_core::{FiscalYear, PlaceCode};
use setu_stats::disclosure::{cell_at, parts_at, sum_of, Cell, PUBLIC_THRESHOLD};
use setu_stats::risk::{rank, Settings, WardCount, WardRisk};
use setu_store::auth::User;
use setu_store::wards::WardCounts;

use crate::auth::{can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::templates::{Choice, RenderHtml, WardCard, WardsPage};
use crate::AppState;

pub mod map;
pub mod survey;

/// `?place=51106&fy=2082/83&measure=all`
#[derive(Debug, Deserialize, Default, Clone)]
pub struct WardQuery {
    /// A local level or district (empty: the reader's own, when it is one).
    #[serde(default)]
    pub place: String,
    /// A fiscal year, `all`, or empty for this year.
    #[serde(default)]
    pub fy: String,
    /// What wards are ranked by ([`Measure`]).
    #[serde(default)]
    pub measure: String,
    /// Set after an import: what it changed (`added-changed-unchanged`).
    #[serde(default)]
    pub imported: String,
    /// Set after a survey import: `added-already`.
    #[serde(default)]
    pub surveyed: String,
}

/// A ward counts among the highest-risk when it is more likely than not among the riskiest
/// tenth. Rank alone would name three wards even when the counts single out none (a dozen
/// reports spread over 23 wards give every ward the same smoothed rate).
pub const LIKELY: f64 = 0.5;

/// How many of a district's wards its grid shows (the table lists every one).
const GRID_IN_DISTRICT: usize = 20;

/// Rates are shown per this many people.
const PER: f64 = 1_000.0;

/// The area the page is about: the place asked for, or the reader's own local level or
/// district; a ward stands for its local level. `None` when the reader must choose.
pub(crate) fn area(q: &WardQuery, me: &User) -> Result<Option<PlaceCode>, WebError> {
    let asked: Option<PlaceCode> = match q.place.trim() {
        "" => match me.scope {
            Scope::Place(p) => Some(p),
            _ => None,
        },
        p => Some(p.parse().map_err(|_| WebError::BadRequest)?),
    };
    let area = match asked {
        Some(PlaceCode::Ward { local_level, .. }) => Some(PlaceCode::LocalLevel(local_level)),
        Some(p @ (PlaceCode::LocalLevel(_) | PlaceCode::District(_))) => Some(p),
        _ => None,
    };
    // Never wider than the reader's scope: a place outside it is not found.
    if let Some(a) = area {
        if crate::pages::indicators::narrow(me.scope, Some(a)) != Scope::Place(a) {
            return Err(WebError::NotFound);
        }
    }
    Ok(area)
}

/// How a count of persons may be shown to a reader who may (`open`) or may not see the
/// records behind it.
fn person(n: i64, open: bool) -> Cell {
    if open {
        Cell::Count(n)
    } else {
        cell_at(n, PUBLIC_THRESHOLD)
    }
}

/// A rate per 1,000 with two significant digits (more would pretend to a precision small
/// counts do not have).
fn per_thousand(page: &Page, rate: f64) -> String {
    let x = rate * PER;
    // Below a thousandth per 1,000 is nothing a reader can act on: shown as 0.
    let text = if x < 0.001 {
        "0".to_string()
    } else {
        let digits = (1 - x.abs().log10().floor() as i32).clamp(0, 4) as usize;
        format!("{x:.digits$}")
    };
    page.digits(&text)
}

/// The ranking of the wards that have a population, by `measure`.
pub fn ranking(wards: &[WardCounts], measure: Measure) -> Vec<WardRisk> {
    let counts: Vec<WardCount> = wards
        .iter()
        .filter_map(|w| {
            let population = u64::try_from(w.population?).ok()?;
            let events = measure.events(w.reports, w.trafficked, w.intercepted);
            Some(WardCount {
                code: w.ward.clone(),
                events: u64::try_from(events).unwrap_or(0),
                population,
            })
        })
        .collect();
    if counts.is_empty() {
        return Vec::new();
    }
    let mut ranked = rank(&counts, &Settings::default());
    ranked.sort_by_key(|r| r.rank);
    ranked
}

/// Whether a ranked ward counts among the highest-risk.
pub fn highest(r: &WardRisk) -> bool {
    r.p_top10 >= LIKELY
}

/// `GET /wards`
pub async fn page(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<WardQuery>,
) -> Result<Response, WebError> {
    render(&app, page, &me, &q, Vec::new(), String::new()).await
}

async fn render(
    app: &AppState,
    page: Page,
    me: &User,
    q: &WardQuery,
    import_errors: Vec<String>,
    source: String,
) -> Result<Response, WebError> {
    let today = setu_core::calendar::today_in_nepal();
    let period = crate::pages::inputs::AreaQuery {
        fy: q.fy.clone(),
        ..Default::default()
    }
    .period(today)
    .map_err(|_| WebError::BadRequest)?;
    let plan_fy = match period.fy {
        Some(fy) => fy,
        None => FiscalYear::containing(today).map_err(|_| WebError::BadRequest)?,
    };
    // Reports by default: the register every reader of personal data may see whole (cases are
    // their caseworkers' only, so a ranking that counts them shows fewer rates).
    let measure = Measure::parse(q.measure.trim()).unwrap_or(Measure::Missing);
    let area = area(q, me)?;
    let page = page.titled("wards-title", "wards");
    let fy_choices = crate::pages::inputs::fy_choices(
        &page,
        &period.fy.map(|f| f.to_string()).unwrap_or("all".into()),
        today,
    );
    let measures = Measure::ALL
        .iter()
        .map(|m| Choice {
            value: m.as_str().into(),
            label: page.t(&format!("wards-measure-{}", m.as_str())),
            selected: *m == measure,
        })
        .collect();
    // Above a district the reader chooses one, after a map of the local levels within reach
    // (their wards' counts added up; nothing is ranked).
    let (choose, wards, overview) = match area {
        None => {
            let overview = match me.scope {
                Scope::Place(PlaceCode::Country | PlaceCode::Province(_)) => {
                    app.store
                        .local_level_counts(me.scope, period.from, period.until, plan_fy)
                        .await?
                }
                _ => Vec::new(),
            };
            (
                crate::pages::districts_within(app, &page, me.scope).await?,
                Vec::new(),
                overview,
            )
        }
        Some(area) => (
            Vec::new(),
            app.store
                .ward_counts(Scope::Place(area), period.from, period.until, plan_fy)
                .await?,
            Vec::new(),
        ),
    };
    let ranked = ranking(&wards, measure);
    // Registers open to readers of personal data; cases to their caseworkers only.
    let records = me.holds(Capability::ReadPersonal);
    let cases = me.holds(Capability::ReadSurvivorCases);
    let mut cards = Vec::new();
    for r in &ranked {
        let Some(w) = wards.iter().find(|w| w.ward == r.code) else {
            continue;
        };
        let mut c = card(&page, w, r, measure, (records, cases));
        c.name = ward_name(&page, &w.ward, area);
        cards.push(c);
    }
    let (local_levels, shaded) = match area {
        Some(PlaceCode::District(_)) => local_levels(&page, &wards, measure, (records, cases)),
        None => (
            Vec::new(),
            local_levels(&page, &overview, measure, (records, cases)).1,
        ),
        _ => (Vec::new(), Vec::new()),
    };
    let map = map::choropleth(&shaded).unwrap_or_default();
    // A district's wards run to the hundreds: its grid shows the first of them, its table all.
    let grid_limit = if local_levels.is_empty() {
        usize::MAX
    } else {
        GRID_IN_DISTRICT
    };
    let unranked: Vec<String> = wards
        .iter()
        .filter(|w| w.population.is_none())
        .map(|w| ward_name(&page, &w.ward, area))
        .collect();
    let may = |cap| {
        matches!(area, Some(PlaceCode::LocalLevel(_)))
            && can(
                me,
                cap,
                Some(&setu_core::access::Target {
                    place: area,
                    ..Default::default()
                }),
                false,
            )
    };
    let may_import = may(Capability::WriteCommittees);
    let may_survey = may(Capability::WriteTracing);
    let overview = area.is_none();
    let area = area.map(|a| a.to_string()).unwrap_or_default();
    let imported = q
        .imported
        .split('-')
        .filter_map(|n| n.parse::<i64>().ok())
        .collect::<Vec<_>>();
    let imported = match imported[..] {
        [a, c, u] => Some(page.tn(
            "wards-imported",
            &[
                ("added", &page.num(&a)),
                ("changed", &page.num(&c)),
                ("unchanged", &page.num(&u)),
            ],
        )),
        _ => None,
    };
    let surveyed = q.surveyed.split_once('-').map(|(a, k)| {
        page.tn(
            "wards-surveyed",
            &[
                ("added", &page.num(&a.parse::<i64>().unwrap_or(0))),
                ("known", &page.num(&k.parse::<i64>().unwrap_or(0))),
            ],
        )
    });
    let status = if import_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let fy_label = match period.fy {
        Some(fy) => fy.label(page.prefs.digits),
        None => page.t("indicators-all-years"),
    };
    let html = WardsPage {
        p: &page,
        choose,
        area_name: page.place(&area),
        area,
        fy: period.fy.map(|f| f.to_string()).unwrap_or("all".into()),
        help: page.tn(
            if overview {
                "wards-overview-help"
            } else {
                "wards-help"
            },
            &[
                (
                    "measure",
                    &page.t(&format!("wards-measure-{}", measure.as_str())),
                ),
                ("fy", &fy_label),
            ],
        ),
        plan_fy: plan_fy.label(page.prefs.digits),
        measure: measure.as_str().into(),
        fy_choices,
        measures,
        likely: page.num(&((LIKELY * 100.0) as i64)),
        unplanned: cards.iter().filter(|c| c.unplanned).cloned().collect(),
        stand_out: cards.iter().any(|c| c.top),
        grid: cards.iter().take(grid_limit).cloned().collect(),
        cut: cards.len() > grid_limit,
        cards,
        local_levels,
        map,
        unranked,
        closed: !(records && cases),
        may_import,
        may_survey,
        import_errors,
        imported,
        surveyed,
        source,
    };
    Ok((status, Html(html.render_html())).into_response())
}

/// A district's local levels: their wards' population and counts added up, a pooled rate, a
/// link to each one's wards. A local level with a ward lacking its population has no rate.
/// Beside the rows, what the map shades: (code, name and rate as said, rate if shown).
fn local_levels(
    page: &Page,
    wards: &[WardCounts],
    measure: Measure,
    (records, cases): (bool, bool),
) -> (Vec<crate::templates::LocalLevelRow>, Vec<map::Shaded>) {
    let parts = wards.iter().map(|w| {
        let counts = [w.reports, w.trafficked, w.intercepted];
        (w.ward.as_str(), w.population, counts)
    });
    let mut rows: Vec<_> = setu_stats::areas::pool(parts, 5)
        .into_iter()
        .map(|area| {
            let [reports, trafficked, intercepted] = area.counts;
            let parts = match measure {
                Measure::All => vec![
                    person(reports, records),
                    person(trafficked, cases),
                    person(intercepted, records),
                ],
                Measure::Missing => vec![person(reports, records)],
                Measure::Trafficked => vec![person(trafficked, cases)],
                Measure::Intercepted => vec![person(intercepted, records)],
            };
            let n = measure.events(reports, trafficked, intercepted);
            let events = sum_of(&parts, n);
            let rate = setu_stats::areas::shown_rate(events, area.population);
            (rate, area.code, area.population, events)
        })
        .collect();
    rows.sort_by(|a, b| b.0.unwrap_or(-1.0).total_cmp(&a.0.unwrap_or(-1.0)));
    let mut shaded = Vec::with_capacity(rows.len());
    let rows = rows
        .into_iter()
        .map(|(rate, code, population, events)| {
            let row = crate::templates::LocalLevelRow {
                code: code.to_string(),
                name: page.place(code),
                population: population
                    .map(|p| page.num(&p))
                    .unwrap_or_else(|| page.t("wards-profile-missing")),
                events: page.cell(events),
                rate: match (rate, population) {
                    (Some(r), _) => per_thousand(page, r),
                    (None, None) => page.t("wards-profile-missing"),
                    (None, Some(_)) => page.t("wards-rate-withheld"),
                },
            };
            let title = format!("{}: {}", row.name, row.rate);
            shaded.push((row.code.clone(), title, rate));
            row
        })
        .collect();
    (rows, shaded)
}

/// A ward as the page names it: "Ward 3" inside its own local level's page, with its local
/// level's name on a district's.
fn ward_name(page: &Page, code: &str, area: Option<PlaceCode>) -> String {
    match (area, code.get(5..).and_then(|n| n.parse::<i64>().ok())) {
        (Some(PlaceCode::LocalLevel(_)), Some(n)) => page.t1("wards-ward", "n", &page.num(&n)),
        _ => page.place(code),
    }
}

/// One ward's card and table row, with what this reader may see (`open`: records, cases).
fn card(
    page: &Page,
    w: &WardCounts,
    r: &WardRisk,
    measure: Measure,
    (records, cases): (bool, bool),
) -> WardCard {
    let reports = person(w.reports, records);
    let trafficked = person(w.trafficked, cases);
    let intercepted = person(w.intercepted, records);
    let parts: Vec<Cell> = match measure {
        Measure::All => vec![reports, trafficked, intercepted],
        Measure::Missing => vec![reports],
        Measure::Trafficked => vec![trafficked],
        Measure::Intercepted => vec![intercepted],
    };
    let events = sum_of(
        &parts,
        measure.events(w.reports, w.trafficked, w.intercepted),
    );
    let shown = matches!(events, Cell::Count(_));
    let rate = |x: f64| {
        if shown {
            per_thousand(page, x)
        } else {
            page.t("wards-rate-withheld")
        }
    };
    let status = [w.reports_open, w.reports_found, w.reports_home];
    let status: Vec<Cell> = if records {
        status.iter().map(|n| Cell::Count(*n)).collect()
    } else {
        parts_at(&status, PUBLIC_THRESHOLD)
    };
    let chance = if shown {
        (r.p_top10 * 100.0).round() as i64
    } else {
        (r.p_top10 * 10.0).round() as i64 * 10
    };
    WardCard {
        code: w.ward.clone(),
        name: page.place(&w.ward),
        rank: page.num(&(r.rank as i64)),
        top: highest(r),
        unplanned: highest(r) && w.planned == 0,
        events: page.cell(events),
        population: w.population.map(|p| page.num(&p)).unwrap_or_default(),
        households: w.households.map(|h| page.num(&h)).unwrap_or_default(),
        rate_shown: shown,
        rate: rate(r.rate),
        smoothed: rate(r.smoothed),
        interval: if shown {
            format!("{} – {}", rate(r.lower), rate(r.upper))
        } else {
            rate(r.lower)
        },
        p_top10: page.num(&chance),
        p_width: chance,
        reports: page.cell(reports),
        reports_open: page.cell(status[0]),
        reports_found: page.cell(status[1]),
        reports_home: page.cell(status[2]),
        trafficked: page.cell(trafficked),
        returned: page.cell(person(w.returned, cases)),
        intercepted: page.cell(intercepted),
        referrals: page.cell(person(w.referrals, records)),
        planned: page.num(&w.planned),
        done: page.num(&w.done),
        sessions: page.num(&w.sessions),
        youth_events: page.num(&w.events),
    }
}

/// The row errors of an import in the reader's language, one line each.
/// At most this many refused cells are listed (a sheet of 100,000 wrong rows would otherwise
/// make a page of as many lines); the rest are counted.
const ERRORS_LISTED: usize = 200;

fn row_errors(page: &Page, errors: &[RowError]) -> Vec<String> {
    let mut out: Vec<String> = errors
        .iter()
        .take(ERRORS_LISTED)
        .map(|e| {
            // A column's name is the sheet's own text: shown, but never more than 60 characters.
            let column: String = e.column.chars().take(60).collect();
            if e.line == 0 {
                return page.t(e.message);
            }
            page.tn(
                "wards-import-row-error",
                &[
                    ("line", &page.num(&(e.line as i64))),
                    ("column", &column),
                    ("message", &page.t(e.message)),
                ],
            )
        })
        .collect();
    if errors.len() > ERRORS_LISTED {
        let more = (errors.len() - ERRORS_LISTED) as i64;
        out.push(page.t1("wards-import-more-errors", "n", &page.num(&more)));
    }
    out
}

/// The longest source a ward profile may name.
const SOURCE_MAX: usize = 200;

/// What a sheet sent to the ward page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Import {
    /// The ward profile (population, households), by the committee.
    Profile,
    /// The ward survey of missing and trafficked people, by who may record reports.
    Survey,
}

/// `POST /wards/profile`: a ward profile (CSV or XLSX, multipart: `place`, `source`, `file`),
/// checked whole; every refused row is listed and nothing is imported then.
pub async fn import(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, WebError> {
    import_sheet(&app, page, &me, &headers, body, Import::Profile).await
}

/// `POST /wards/survey`: the ward survey's submissions exported from ODK Collect or
/// KoboToolbox (or a plain sheet with the same columns), checked whole; each person becomes a
/// missing-person report, sealed and matched; a submission imported before is left as it is.
pub async fn import_survey(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, WebError> {
    import_sheet(&app, page, &me, &headers, body, Import::Survey).await
}

async fn import_sheet(
    app: &AppState,
    page: Page,
    me: &User,
    headers: &HeaderMap,
    body: Body,
    kind: Import,
) -> Result<Response, WebError> {
    let bytes = axum::body::to_bytes(body, crate::upload::UPLOAD_MAX)
        .await
        .map_err(|_| WebError::TooLarge("error-attachment-too-large"))?;
    let parts = if crate::upload::is_multipart(headers) {
        crate::upload::parts(headers, bytes).await?
    } else {
        form_parts(&bytes)
    };
    let text = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.bytes).trim().to_string())
            .unwrap_or_default()
    };
    let place: PlaceCode = text("place").parse().map_err(|_| {
        WebError::Invalid(setu_core::Invalid(vec![setu_core::FieldError {
            field: "place",
            message: "error-place-code",
        }]))
    })?;
    let ll = match place {
        PlaceCode::Ward { local_level, .. } | PlaceCode::LocalLevel(local_level) => local_level,
        _ => return Err(crate::pages::out_of_scope("place")),
    };
    let local_level = PlaceCode::LocalLevel(ll);
    let needs = match kind {
        Import::Profile => Capability::WriteCommittees,
        Import::Survey => Capability::WriteTracing,
    };
    crate::pages::may_write_at(me, needs, local_level, "place")?;
    let mut source = text("source");
    // Forms with a file are not read by the input check: the source's length is checked here.
    let long_source = source.chars().count() > SOURCE_MAX;
    if long_source {
        source = source.chars().take(SOURCE_MAX).collect();
    }
    let q = WardQuery {
        place: local_level.to_string(),
        fy: text("fy"),
        measure: text("measure"),
        ..WardQuery::default()
    };
    let file = parts
        .iter()
        .find(|p| p.name == "file" && !p.bytes.is_empty());
    let refused = |line, message| {
        vec![RowError {
            line,
            column: String::new(),
            message,
        }]
    };
    let sheet = match file.map(|f| setu_sheets::read(&f.bytes)) {
        None => Err(refused(0, "error-sheet-empty")),
        Some(Err(e)) => Err(refused(
            match e {
                setu_sheets::SheetError::Line(l) => l,
                _ => 0,
            },
            e.message_id(),
        )),
        Some(Ok(sheet)) => Ok(sheet),
    };
    let wards = app
        .store
        .place(local_level)
        .await?
        .and_then(|p| p.ward_count)
        .and_then(|n| u8::try_from(n).ok())
        .ok_or(WebError::NotFound)?;
    let today = setu_core::calendar::today_in_nepal();
    let back = |what: &str, counts: String| {
        format!(
            "/wards?place={local_level}&fy={}&measure={}&{what}={counts}#{what}",
            q.fy, q.measure
        )
    };
    let errors = match (kind, sheet) {
        _ if long_source => vec![RowError {
            line: 0,
            column: "source".into(),
            message: "error-too-long",
        }],
        (_, Err(errors)) => errors,
        (Import::Profile, Ok(sheet)) => match check_profile(&sheet, ll, wards) {
            Ok(rows) => {
                let source = if source.is_empty() {
                    page.t("wards-source-default")
                } else {
                    source.clone()
                };
                let done = app
                    .store
                    .import_ward_profile(&me.actor(), local_level, &rows, &source)
                    .await?;
                let counts = format!("{}-{}-{}", done.added, done.changed, done.unchanged);
                return Ok(Redirect::to(&back("imported", counts)).into_response());
            }
            Err(errors) => errors,
        },
        (Import::Survey, Ok(sheet)) => {
            match setu_core::survey::check_survey(&sheet, ll, wards, today) {
                Ok(rows) => {
                    let (added, known) = app
                        .store
                        .import_survey(&me.actor(), local_level, &rows)
                        .await?;
                    return Ok(
                        Redirect::to(&back("surveyed", format!("{added}-{known}"))).into_response()
                    );
                }
                Err(errors) => errors,
            }
        }
    };
    let messages = row_errors(&page, &errors);
    render(app, page, me, &q, messages, source).await
}

/// `GET /wards/profile.csv?place=51106`: the local level's ward profile as a sheet to fill in
/// (every ward listed, with the figures it has now), the same columns the import reads; for a
/// district, every ward of it (the import takes one local level's rows at a time).
pub async fn profile_csv(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(q): Query<WardQuery>,
) -> Result<Response, WebError> {
    let today = setu_core::calendar::today_in_nepal();
    let fy = FiscalYear::containing(today).map_err(|_| WebError::BadRequest)?;
    let wards = match area(&q, &me)? {
        Some(area) => {
            app.store
                .ward_counts(Scope::Place(area), today, today, fy)
                .await?
        }
        None => Vec::new(),
    };
    let mut out = String::from("ward,ward_code,population,households\n");
    for w in wards {
        let number = w
            .ward
            .get(5..)
            .and_then(|n| n.parse::<u8>().ok())
            .unwrap_or(0);
        let num = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{number},{},{},{}\n",
            w.ward,
            num(w.population),
            num(w.households)
        ));
    }
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"ward-profile.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// The fields of a form sent without a file (url-encoded), as parts.
fn form_parts(bytes: &[u8]) -> Vec<crate::upload::Part> {
    form_urlencoded::parse(bytes)
        .map(|(k, v)| crate::upload::Part {
            name: k.into_owned(),
            bytes: axum::body::Bytes::from(v.into_owned()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ward_is_among_the_highest_risk_when_more_likely_than_not() {
        let ward = |p_top10| WardRisk {
            code: "5110603".into(),
            rate: 0.0,
            smoothed: 0.0,
            lower: 0.0,
            upper: 0.0,
            rank: 1,
            p_top10,
        };
        assert!(highest(&ward(0.5)) && highest(&ward(0.97)));
        assert!(!highest(&ward(0.14)), "first by rank, but not singled out");
    }
}
