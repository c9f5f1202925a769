//! Family tracing: the ward's register of missing-person reports, police rescues and shelter
//! intakes, and how a record reads as a person (the same rows for every kind, which the
//! review queue in [`crate::pages::matches`] lines up side by side).
//!
//! Names are shown only to users whose role reads personal data for the record's place (each
//! opening audited by the store); everyone else with access sees the same pages with the
//! identifying fields hidden. The queue itself holds no personal data.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use setu_core::access::{Capability, Scope, Target};
use setu_core::community::Sex;
use setu_core::directory::OrgKind;
use setu_core::geo::PlaceCode;
use setu_core::records::{FieldSpec as F, FieldType as T, WithdrawForm};
use setu_core::tracing::{EncounterForm, EncounterSource, ReportForm, ReportStatus, Reporter};
use setu_store::attachments::Owner;
use setu_store::auth::User;
use setu_store::sealing::Reveal;
use setu_store::tracing::{MissingReport, RecordKind, RegisterFilter, TracingEncounter};

use crate::auth::{allow, can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::handovers::org_choices;
use crate::pages::records::{self, Correctable, Kind, Located, Notice, RecordRef};
use crate::pages::{acting_for, choices, invalid_message, out_of_scope, refusal, settle};
use crate::templates::{
    Choice, CountsPage, EncounterPage, EncountersPage, Person, RegisterPage, RenderHtml,
    ReportFormPage, ReportPage,
};
use crate::AppState;

fn today() -> time::Date {
    setu_core::calendar::today_in_nepal()
}

/// Opens sealed fields to `me` only where the role reads personal data for `target`.
fn reveal_for<'a>(me: &User, actor: &'a setu_store::audit::Actor, target: &Target) -> Reveal<'a> {
    if can(me, Capability::ReadPersonal, Some(target), false) {
        Reveal::To(actor)
    } else {
        Reveal::No
    }
}

/// Opens list rows when the role reads personal data (lists are already cut to the scope).
fn reveal_list<'a>(me: &User, actor: &'a setu_store::audit::Actor) -> Reveal<'a> {
    if me.holds(Capability::ReadPersonal) {
        Reveal::To(actor)
    } else {
        Reveal::No
    }
}

// ---- how a record reads, the same fields in the same order for every kind ----

/// A sealed field as shown: the value, a dash when nobody recorded it, "(hidden)" when the
/// reader may not see it.
fn shown(page: &Page, personal: bool, v: &Option<String>) -> String {
    match v {
        Some(v) => v.clone(),
        None if personal => "—".into(),
        None => page.t("contact-hidden"),
    }
}

fn full_name(page: &Page, personal: bool, parts: [&Option<String>; 3]) -> String {
    if !personal {
        return page.t("contact-hidden");
    }
    let name: Vec<&str> = parts.iter().filter_map(|p| p.as_deref()).collect();
    if name.is_empty() {
        "—".into()
    } else {
        name.join(" ")
    }
}

fn sex_text(page: &Page, sex: Option<Sex>) -> String {
    sex.map(|s| page.t(&format!("sex-{}", s.as_str())))
        .unwrap_or_else(|| "—".into())
}

fn age_text(page: &Page, age: Option<i64>, birth_year: Option<i64>) -> String {
    let mut out = Vec::new();
    if let Some(a) = age {
        out.push(page.t1("tracing-age-years", "age", &page.num(&a)));
    }
    if let Some(y) = birth_year {
        out.push(page.t1("tracing-born", "year", &page.digits(&y.to_string())));
    }
    if out.is_empty() {
        "—".into()
    } else {
        out.join(" · ")
    }
}

/// The labels of a person's rows, in order (one list, so two records line up side by side).
const PERSON_ROWS: [&str; 10] = [
    "tracing-name",
    "field-sex",
    "tracing-age",
    "tracing-father",
    "tracing-mother",
    "tracing-home",
    "contact-phone",
    "tracing-when",
    "tracing-where",
    "tracing-description",
];

fn person(page: &Page, kind: &str, href: String, values: [String; 10]) -> Person {
    Person {
        kind: page.t(kind),
        href,
        rows: PERSON_ROWS
            .iter()
            .zip(values)
            .map(|(label, v)| (page.t(label), v))
            .collect(),
    }
}

/// Places by name ("Nepalganj, Ward 11") for a record's page; a code not looked up shows as
/// the code (lists show codes, which sort).
#[derive(Debug, Default)]
struct PlaceNames(std::collections::HashMap<String, String>);

impl PlaceNames {
    /// Looks up `codes` (and, for wards, their local level) in one query.
    async fn of<'c>(
        app: &AppState,
        page: &Page,
        codes: impl IntoIterator<Item = &'c str>,
    ) -> Result<PlaceNames, WebError> {
        let codes: Vec<PlaceCode> = codes.into_iter().filter_map(|c| c.parse().ok()).collect();
        let mut wanted = codes.clone();
        wanted.extend(codes.iter().filter_map(|c| match c {
            PlaceCode::Ward { .. } => c.parent(),
            _ => None,
        }));
        let places = app.store.places(&wanted).await?;
        let name = |code: Option<PlaceCode>| {
            places
                .iter()
                .find(|p| Some(p.code) == code)
                .map(|p| page.name(&p.name_en, &p.name_ne))
        };
        let mut out = std::collections::HashMap::new();
        for c in codes {
            let label = match (c, places.iter().find(|p| p.code == c)) {
                (PlaceCode::Ward { .. }, Some(ward)) => match name(c.parent()) {
                    Some(local) => format!("{local}, {}", page.place_name(ward)),
                    None => page.place_name(ward),
                },
                (_, Some(p)) => page.place_name(p),
                (_, None) => continue,
            };
            out.insert(c.to_string(), label);
        }
        Ok(PlaceNames(out))
    }

    fn show(&self, page: &Page, code: &Option<String>) -> String {
        match code.as_deref() {
            Some(c) => self.0.get(c).cloned().unwrap_or_else(|| page.digits(c)),
            None => "—".into(),
        }
    }
}

fn report_person(page: &Page, r: &MissingReport, personal: bool, at: &PlaceNames) -> Person {
    person(
        page,
        "tracing-kind-report",
        format!("/tracing/reports/{}", r.id),
        [
            full_name(
                page,
                personal,
                [&r.given_name, &r.middle_name, &r.family_name],
            ),
            sex_text(page, r.sex),
            age_text(page, r.age, r.birth_year),
            shown(page, personal, &r.father_name),
            shown(page, personal, &r.mother_name),
            at.show(page, &Some(r.place_code.clone())),
            shown(page, personal, &r.phone),
            format!(
                "{} · {}",
                page.t1("tracing-reported-on", "date", &page.date(&r.reported_on)),
                r.last_seen_on
                    .as_deref()
                    .map(|d| page.t1("tracing-last-seen-on", "date", &page.date(d)))
                    .unwrap_or_default()
            ),
            shown(page, personal, &r.last_seen_place),
            shown(page, personal, &r.description),
        ],
    )
}

fn encounter_person(page: &Page, e: &TracingEncounter, personal: bool, at: &PlaceNames) -> Person {
    person(
        page,
        &format!("tracing-kind-{}", e.source.as_str()),
        format!("/tracing/encounters/{}", e.id),
        [
            full_name(
                page,
                personal,
                [&e.given_name, &e.middle_name, &e.family_name],
            ),
            sex_text(page, e.sex),
            age_text(page, e.age, None),
            shown(page, personal, &e.father_name),
            shown(page, personal, &e.mother_name),
            at.show(page, &e.home_code),
            shown(page, personal, &e.phone),
            page.date(&e.met_on),
            at.show(page, &Some(e.place_code.clone())),
            shown(page, personal, &e.note),
        ],
    )
}

fn screening_person(
    page: &Page,
    s: &setu_store::booths::Screening,
    personal: bool,
    at: &PlaceNames,
) -> Person {
    person(
        page,
        "tracing-kind-screening",
        format!("/screenings/{}", s.id),
        [
            full_name(page, personal, [&s.given_name, &None, &s.family_name]),
            sex_text(page, Some(s.sex)),
            age_text(page, Some(s.age), None),
            "—".into(),
            "—".into(),
            at.show(page, &s.home_code),
            shown(page, personal, &s.phone),
            page.date(&s.day),
            at.show(page, &Some(s.place_code.clone())),
            shown(page, personal, &s.note),
        ],
    )
}

/// A record read sealed, loaded again opened (audited) if `me` reads personal data where it
/// lives; whether it was opened.
async fn open_for<'a, T, Fut>(
    me: &User,
    actor: &'a setu_store::audit::Actor,
    sealed: T,
    target: fn(&T) -> Target,
    load: impl FnOnce(Reveal<'a>) -> Fut,
) -> Result<(T, bool), WebError>
where
    Fut: std::future::Future<Output = Result<T, setu_store::StoreError>>,
{
    match reveal_for(me, actor, &target(&sealed)) {
        reveal @ Reveal::To(_) => Ok((load(reveal).await?, true)),
        _ => Ok((sealed, false)),
    }
}

/// One record of any kind as a person, opened only if `me` reads personal data there.
pub(crate) async fn load_person(
    app: &AppState,
    page: &Page,
    me: &User,
    kind: RecordKind,
    id: &str,
) -> Result<Person, WebError> {
    let actor = me.actor();
    let store = &app.store;
    Ok(match kind {
        RecordKind::Report => {
            let sealed = store.report(id, Reveal::No).await?;
            let (r, personal) = open_for(me, &actor, sealed, MissingReport::target, |v| {
                store.report(id, v)
            })
            .await?;
            let at = PlaceNames::of(app, page, [r.place_code.as_str()]).await?;
            report_person(page, &r, personal, &at)
        }
        RecordKind::Encounter => {
            let sealed = store.tracing_encounter(id, Reveal::No).await?;
            encounter_who(app, page, me, sealed).await?
        }
        RecordKind::Screening => {
            let sealed = store.screening(id, Reveal::No).await?;
            let (s, personal) = open_for(
                me,
                &actor,
                sealed,
                setu_store::booths::Screening::shared_target,
                |v| store.screening(id, v),
            )
            .await?;
            let codes = [Some(s.place_code.as_str()), s.home_code.as_deref()];
            let at = PlaceNames::of(app, page, codes.into_iter().flatten()).await?;
            screening_person(page, &s, personal, &at)
        }
    })
}

/// An encounter read sealed, as a person (opened where `me` may see personal data).
async fn encounter_who(
    app: &AppState,
    page: &Page,
    me: &User,
    sealed: TracingEncounter,
) -> Result<Person, WebError> {
    let actor = me.actor();
    let id = sealed.id.clone();
    let (e, personal) = open_for(me, &actor, sealed, TracingEncounter::target, |v| {
        app.store.tracing_encounter(&id, v)
    })
    .await?;
    let codes = [Some(e.place_code.as_str()), e.home_code.as_deref()];
    let at = PlaceNames::of(app, page, codes.into_iter().flatten()).await?;
    Ok(encounter_person(page, &e, personal, &at))
}

/// Whether `me` may open record `id` of kind `k` (as its page decides).
async fn may_open(app: &AppState, me: &User, k: RecordKind, id: &str) -> Result<bool, WebError> {
    let cap = Capability::ReadPersonal;
    Ok(match k {
        RecordKind::Report => {
            let r = app.store.report(id, Reveal::No).await?;
            can(me, cap, Some(&r.target()), false)
        }
        RecordKind::Encounter => {
            let e = app.store.tracing_encounter(id, Reveal::No).await?;
            can(me, cap, Some(&e.target()), false)
        }
        RecordKind::Screening => {
            let s = app.store.screening(id, Reveal::No).await?;
            crate::pages::booths::opens_screening(me, &s)
        }
    })
}

/// The records linked to the same person as this one, and its proposals, as links.
async fn connections(
    app: &AppState,
    page: &Page,
    me: &User,
    kind: RecordKind,
    id: &str,
) -> Result<(Vec<Choice>, Vec<Choice>), WebError> {
    let href = |k: RecordKind, i: &str| match k {
        RecordKind::Report => format!("/tracing/reports/{i}"),
        RecordKind::Encounter => format!("/tracing/encounters/{i}"),
        RecordKind::Screening => format!("/screenings/{i}"),
    };
    let mut linked = Vec::new();
    for (k, i) in app.store.linked_records(kind, id).await? {
        // Only the sides the reader may open are shown (the other side may be another
        // district's, or a booth's without consent to share).
        if !may_open(app, me, k, &i).await? {
            continue;
        }
        linked.push(Choice {
            value: href(k, &i),
            label: page.t(&format!("tracing-kind-{}", k.as_str())),
            selected: false,
        });
    }
    let proposals = if me.holds(Capability::ConfirmMatches) {
        app.store
            .proposals_of(kind, id)
            .await?
            .into_iter()
            .map(|p| Choice {
                value: format!("/tracing/matches/{}", p.id),
                label: format!(
                    "{} · {}",
                    percent(page, p.probability),
                    page.t(&format!("match-status-{}", p.status))
                ),
                selected: p.status == "proposed",
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok((linked, proposals))
}

/// The fields a check refused, to mark them in the form shown again.
fn fields_of(inv: &setu_core::Invalid) -> Vec<&'static str> {
    inv.0.iter().map(|f| f.field).collect()
}

/// A probability as a percent: whole numbers, except that nothing short of certain reads
/// "100%" (0.999 is "99.9%").
pub(crate) fn percent(page: &Page, p: f64) -> String {
    format!("{}%", page.digits(&percent_text(p)))
}

fn percent_text(p: f64) -> String {
    let tenths = (p * 1000.0).floor().clamp(0.0, 1000.0) as i64;
    if (990..1000).contains(&tenths) {
        format!("{}.{}", tenths / 10, tenths % 10)
    } else {
        ((p * 100.0).round().clamp(0.0, 100.0) as i64).to_string()
    }
}

// ---- the register ----

/// Which reports the register lists.
#[derive(Debug, Default, Deserialize)]
pub struct RegisterQuery {
    /// `open` (the default), `all`, or one status.
    #[serde(default)]
    status: String,
    /// One ward's reports only (its 7-digit code); empty for all in scope.
    #[serde(default)]
    ward: String,
    /// The report the page starts after (keyset paging).
    #[serde(default)]
    after: String,
}

/// `GET /tracing`: the register of missing-person reports in the user's scope.
pub async fn register(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<RegisterQuery>,
) -> Result<Html<String>, WebError> {
    let page = page.titled("tracing-title", "tracing");
    if !me.holds(Capability::ReadPersonal) {
        // Counts, not children: a reader who may not see the records sees how many by ward.
        let counts = app.store.report_counts(me.scope).await?;
        let columns = ReportStatus::ALL;
        let cells = counts.into_iter().filter_map(|(place, status, n)| {
            columns
                .iter()
                .position(|c| *c == status)
                .map(|i| (place, i, n))
        });
        let labels = columns
            .iter()
            .map(|c| page.t(&format!("report-status-{}", c.as_str())))
            .collect();
        return counts_page(&app, &page, labels, cells.collect()).await;
    }
    let actor = me.actor();
    let reveal = reveal_list(&me, &actor);
    let personal = matches!(reveal, Reveal::To(_));
    let wanted = ReportStatus::parse(&q.status);
    let open_only = q.status.is_empty() || q.status == "open";
    let filter = RegisterFilter {
        open_only,
        status: wanted,
        ward: Some(q.ward.clone()).filter(|w| !w.is_empty()),
    };
    let after = Some(q.after.as_str()).filter(|a| !a.is_empty());
    let shown = app
        .store
        .register_page(me.scope, &filter, after, reveal)
        .await?;
    let wards = app
        .store
        .report_wards(me.scope)
        .await?
        .into_iter()
        .map(|w| Choice {
            label: page.digits(&w),
            selected: w == q.ward,
            value: w,
        })
        .collect();
    let rows = shown
        .rows
        .into_iter()
        .map(|r| {
            let name = full_name(
                &page,
                personal,
                [&r.given_name, &r.middle_name, &r.family_name],
            );
            let age = age_text(&page, r.age, r.birth_year);
            (r, name, age)
        })
        .collect::<Vec<_>>();
    let here = |after: Option<&str>| {
        let mut url = form_urlencoded::Serializer::new(String::new());
        url.append_pair("status", &q.status)
            .append_pair("ward", &q.ward);
        if let Some(a) = after {
            url.append_pair("after", a);
        }
        format!("/tracing?{}", url.finish())
    };
    let next = shown.next.as_deref().map(|a| here(Some(a)));
    let first = after.map(|_| here(None));
    let mut filters = vec![
        Choice {
            value: "open".into(),
            label: page.t("tracing-filter-open"),
            selected: open_only,
        },
        Choice {
            value: "all".into(),
            label: page.t("tracing-filter-all"),
            selected: q.status == "all",
        },
    ];
    filters.extend(choices(
        &page,
        ReportStatus::ALL.iter().map(|s| s.as_str()),
        "report-status-",
        &q.status,
    ));
    let queue = if me.holds(Capability::ConfirmMatches) {
        let n = app
            .store
            .count_proposals(me.scope, Some("proposed"))
            .await?;
        Some(page.num(&n))
    } else {
        None
    };
    Ok(Html(
        RegisterPage {
            rows,
            next,
            first,
            filters,
            wards,
            queue,
            can_write: me.holds(Capability::WriteTracing),
            p: &page,
        }
        .render_html(),
    ))
}

/// The counts page: one row per place (named), one column per kind, small counts suppressed
/// (`setu_stats::disclosure`).
async fn counts_page(
    app: &AppState,
    page: &Page,
    columns: Vec<String>,
    cells: Vec<(String, usize, i64)>,
) -> Result<Html<String>, WebError> {
    let names = PlaceNames::of(app, page, cells.iter().map(|c| c.0.as_str())).await?;
    // Rows by the place's name as read (two codes that read the same are one row).
    let named = cells
        .into_iter()
        .map(|(place, col, n)| (names.show(page, &Some(place)), col, n));
    let rows = setu_stats::tables::cross_tab(named, columns.len())
        .into_iter()
        .map(|(name, ns)| {
            let shown = ns
                .into_iter()
                .map(|n| page.cell(setu_stats::disclosure::cell(n)))
                .collect();
            (name, shown)
        })
        .collect();
    Ok(Html(
        CountsPage {
            p: page,
            columns,
            rows,
        }
        .render_html(),
    ))
}

// ---- reports ----

/// `GET /tracing/reports/new`
pub async fn report_new(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Response, WebError> {
    // A police unit or an NGO takes reports in its own name.
    let form = ReportForm {
        organisation: match me.scope {
            Scope::Organisation(o) => o.to_string(),
            _ => String::new(),
        },
        ..ReportForm::default()
    };
    render_report_form(&app, page, form, None, StatusCode::OK).await
}

async fn render_report_form(
    app: &AppState,
    page: Page,
    form: ReportForm,
    refused: Option<&setu_core::Invalid>,
    status: StatusCode,
) -> Result<Response, WebError> {
    report_form_page(app, page, form, refused, status, None).await
}

/// The report form, new or (with `correcting`: the report's id) a correction.
async fn report_form_page(
    app: &AppState,
    page: Page,
    form: ReportForm,
    refused: Option<&setu_core::Invalid>,
    status: StatusCode,
    correcting: Option<&str>,
) -> Result<Response, WebError> {
    let title = if correcting.is_some() {
        "report-correct"
    } else {
        "report-new-title"
    };
    let page = page.titled(title, "tracing");
    let error = refused.map(|inv| invalid_message(&page, inv));
    let invalid = refused.map(fields_of).unwrap_or_default();
    let mut orgs = org_choices(app, &page, &[OrgKind::PoliceUnit, OrgKind::Ngo]).await?;
    for o in &mut orgs {
        o.selected = o.value == form.organisation;
    }
    let html = ReportFormPage {
        orgs,
        relations: choices(
            &page,
            Reporter::ALL.iter().map(|r| r.as_str()),
            "reporter-",
            &form.reporter_relation,
        ),
        sexes: choices(
            &page,
            Sex::ALL.iter().map(|s| s.as_str()),
            "sex-",
            &form.sex,
        ),
        error,
        invalid,
        action: correcting.map_or("/tracing/reports".into(), |id| {
            format!("/tracing/reports/{id}")
        }),
        conflict: status == StatusCode::CONFLICT,
        form,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// Checks a report and registers it, if its home ward is inside the writer's scope.
async fn create_report(app: &AppState, me: &User, form: &ReportForm) -> Result<String, WebError> {
    let d = form.check(today()).map_err(WebError::Invalid)?;
    // A police unit or an NGO takes a report in its own name; a ward office in the ward's.
    let target = Target {
        place: Some(d.home),
        site: None,
        organisation: d.organisation,
    };
    if !can(me, Capability::WriteTracing, Some(&target), false) {
        return Err(out_of_scope("home"));
    }
    if let Some(org) = d.organisation {
        acting_for(app, me, Capability::WriteTracing, org).await?;
    }
    Ok(app.store.create_report(&me.actor(), &d).await?)
}

/// `POST /tracing/reports`
pub async fn report_create(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(form): Form<ReportForm>,
) -> Result<Response, WebError> {
    let outcome = create_report(&app, &me, &form)
        .await
        .map(|id| format!("/tracing/reports/{id}"));
    settle(page, outcome, |page, r| async move {
        render_report_form(&app, page, form, r.invalid.as_ref(), r.status).await
    })
    .await
}

/// `POST /api/v1/tracing/reports`
pub async fn api_report_create(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Json(form): Json<ReportForm>,
) -> Result<(StatusCode, Json<serde_json::Value>), WebError> {
    let id = create_report(&app, &me, &form).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// `GET /tracing/reports/{id}`
pub async fn report(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    render_report(&app, page, &me, &id, None, StatusCode::OK, Notice::None).await
}

/// `POST /tracing/reports/{id}/withdraw`: withdraws a report made twice, by mistake or as a
/// test (a report of a person who was found is closed with its status instead).
pub async fn withdraw_report(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let r = correctable_report(&app, &me, &id).await?;
    // What the report was, without naming anyone: its ward and the day it was made.
    let label = format!("{} · {}", page.t("report-title"), r.reported_on);
    let rec = report_ref(&me, &r, true);
    records::withdraw(
        &app,
        rec,
        "missing_report",
        label,
        f,
        format!("/tracing/reports/{id}"),
        |notice| render_report(&app, page, &me, &id, None, StatusCode::OK, notice),
    )
    .await
}

fn report_ref<'a>(me: &'a User, r: &MissingReport, personal: bool) -> RecordRef<'a> {
    RecordRef {
        entity: "missing-report",
        id: r.id.clone(),
        place: r.place_code.clone(),
        personal,
        withdrawable: true,
        me,
    }
}

/// The report's page; `notice` carries a refused withdrawal (its form again, with the status
/// it calls for), otherwise the page answers `status`.
async fn render_report(
    app: &AppState,
    page: Page,
    me: &User,
    id: &str,
    error: Option<String>,
    status: StatusCode,
    notice: Notice,
) -> Result<Response, WebError> {
    let sealed = app.store.report(id, Reveal::No).await?;
    allow(me, Capability::ReadPersonal, Some(&sealed.target()), false)?;
    let actor = me.actor();
    let (r, personal) = open_for(me, &actor, sealed, MissingReport::target, |v| {
        app.store.report(id, v)
    })
    .await?;
    let page = page.titled("report-title", "tracing");
    let history = app
        .store
        .report_history(id)
        .await?
        .into_iter()
        .map(|h| {
            (
                page.t(&format!("report-status-{}", h.status.as_str())),
                page.date(&h.on_day),
                h.changed_by,
            )
        })
        .collect();
    let next = if can(me, Capability::WriteTracing, Some(&r.target()), false) {
        let may_close = can(me, Capability::CloseCases, Some(&r.target()), false);
        let allowed = ReportStatus::ALL
            .iter()
            .filter(|s| r.status.can_move_to(**s) && (s.is_open() || may_close))
            .map(|s| s.as_str());
        choices(&page, allowed, "report-status-", "")
    } else {
        Vec::new()
    };
    let (linked, proposals) = connections(app, &page, me, RecordKind::Report, id).await?;
    let reporter = format!(
        "{} · {}{}",
        shown(&page, personal, &r.reporter_name),
        page.t(&format!("reporter-{}", r.reporter_relation.as_str())),
        r.reporter_phone
            .as_deref()
            .map(|ph| format!(" · {ph}"))
            .unwrap_or_default()
    );
    let at = PlaceNames::of(app, &page, [r.place_code.as_str()]).await?;
    let changes = app
        .store
        .history("missing-report", id, &r.place_code, Reveal::To(&actor))
        .await?;
    let changes = records::history(&page, &changes, |field, value| {
        (page.t(&format!("report-field-{field}")), value.to_string())
    });
    let may_correct = can(me, Capability::CorrectPersonal, Some(&r.target()), false);
    let reveal = if personal {
        Reveal::To(&actor)
    } else {
        Reveal::No
    };
    let action = may_correct.then(|| format!("/tracing/reports/{id}"));
    let rec = report_ref(me, &r, personal);
    let (withdrawn, withdraw) = records::withdrawal(
        app,
        &page,
        &rec,
        reveal,
        action.as_deref(),
        r.version,
        &notice,
    )
    .await?;
    // A withdrawn report is no longer corrected or moved on.
    let (may_correct, next) = match withdrawn {
        Some(_) => (false, Vec::new()),
        None => (may_correct, next),
    };
    let status = match notice {
        Notice::Withdraw { conflict: true, .. } => StatusCode::CONFLICT,
        Notice::Withdraw { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        _ => status,
    };
    let files = crate::pages::attachments::view(
        app,
        &page,
        me,
        Owner::Report(id),
        &format!("/tracing/reports/{id}"),
        withdrawn.is_none() && can(me, Capability::WriteTracing, Some(&r.target()), false),
    )
    .await?;
    let html = ReportPage {
        attachments: files,
        withdrawn,
        withdraw,
        changes,
        may_correct,
        who: report_person(&page, &r, personal, &at),
        reporter,
        status: page.t(&format!("report-status-{}", r.status.as_str())),
        status_on: page.date(&r.status_on),
        history,
        next,
        linked,
        proposals,
        personal,
        error,
        r: &r,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// A status change: the new status, the day (BS, or AD in `date`) and the version read.
#[derive(Debug, Deserialize)]
pub struct StatusStep {
    status: String,
    #[serde(default)]
    date_bs: String,
    #[serde(default)]
    date: String,
    version: i64,
}

/// `POST /tracing/reports/{id}/status`: found, returned home (the reunification), still
/// missing, deceased or withdrawn.
pub async fn report_status(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(step): Form<StatusStep>,
) -> Result<Response, WebError> {
    let r = app.store.report(&id, Reveal::No).await?;
    allow(&me, Capability::WriteTracing, Some(&r.target()), false)?;
    let next = ReportStatus::parse(&step.status).ok_or(WebError::BadRequest)?;
    if !next.is_open() {
        allow(&me, Capability::CloseCases, Some(&r.target()), false)?;
    }
    let day = if step.date.trim().is_empty() {
        crate::pages::inputs::bs_date(&step.date_bs)
    } else {
        setu_core::calendar::parse_ad(step.date.trim())
            .map(Some)
            .map_err(|_| "error-date")
    };
    let day = match day {
        Ok(d) => d.unwrap_or_else(today),
        Err(m) => {
            let msg = page.t(m);
            return render_report(
                &app,
                page,
                &me,
                &id,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
                Notice::None,
            )
            .await;
        }
    };
    if day > today() {
        let msg = page.t("error-future-date");
        return render_report(
            &app,
            page,
            &me,
            &id,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
            Notice::None,
        )
        .await;
    }
    match app
        .store
        .set_report_status(&me.actor(), &id, step.version, next, day)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/tracing/reports/{id}")).into_response()),
        Err(e) => {
            let (m, status) = refusal(e)?;
            let msg = page.t(m);
            render_report(&app, page, &me, &id, Some(msg), status, Notice::None).await
        }
    }
}

// ---- police rescues and shelter intakes ----

/// `GET /tracing/encounters`
pub async fn encounters(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Response, WebError> {
    if !me.holds(Capability::ReadPersonal) {
        let page = page.titled("encounters-title", "tracing");
        let columns = EncounterSource::ALL;
        let cells = app
            .store
            .encounter_counts(me.scope)
            .await?
            .into_iter()
            .filter_map(|(place, source, n)| {
                columns
                    .iter()
                    .position(|c| *c == source)
                    .map(|i| (place, i, n))
            })
            .collect();
        let labels = columns
            .iter()
            .map(|c| page.t(&format!("tracing-kind-{}", c.as_str())))
            .collect();
        return Ok(counts_page(&app, &page, labels, cells)
            .await?
            .into_response());
    }
    render_encounters(
        &app,
        page,
        &me,
        EncounterForm::default(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn render_encounters(
    app: &AppState,
    page: Page,
    me: &User,
    form: EncounterForm,
    refused: Option<&setu_core::Invalid>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = page.titled("encounters-title", "tracing");
    let error = refused.map(|inv| invalid_message(&page, inv));
    let invalid = refused.map(fields_of).unwrap_or_default();
    let actor = me.actor();
    let reveal = reveal_list(me, &actor);
    let personal = matches!(reveal, Reveal::To(_));
    let rows = app
        .store
        .tracing_encounters(me.scope, reveal)
        .await?
        .iter()
        .map(|e| {
            let p = encounter_person(&page, e, personal, &PlaceNames::default());
            (e.clone(), p.kind, p.rows[0].1.clone(), p.rows[2].1.clone())
        })
        .collect();
    // Each source has its own small form; the one that was sent keeps what was typed.
    let mut forms = Vec::new();
    for source in EncounterSource::ALL {
        let kinds: &[OrgKind] = match source {
            EncounterSource::Police => &[OrgKind::PoliceUnit],
            EncounterSource::Shelter => &[OrgKind::Ngo, OrgKind::Municipality],
        };
        let mine = form.source == source.as_str();
        let f = if mine {
            form.clone()
        } else {
            EncounterForm {
                source: source.as_str().into(),
                ..EncounterForm::default()
            }
        };
        let mut orgs = org_choices(app, &page, kinds).await?;
        for o in &mut orgs {
            o.selected = o.value == f.organisation;
        }
        forms.push((
            page.t(&format!("encounter-new-{}", source.as_str())),
            f,
            orgs,
            mine && error.is_some(),
        ));
    }
    let html = EncountersPage {
        rows,
        forms,
        sexes: choices(&page, Sex::ALL.iter().map(|s| s.as_str()), "sex-", ""),
        can_write: me.holds(Capability::WriteTracing),
        error,
        invalid,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// Checks and records an encounter where the writer may write: its place, or in the name of
/// the writer's own organisation.
async fn create_encounter(
    app: &AppState,
    me: &User,
    form: &EncounterForm,
) -> Result<String, WebError> {
    let d = form.check(today()).map_err(WebError::Invalid)?;
    let target = Target {
        place: Some(d.place),
        site: None,
        organisation: Some(d.organisation),
    };
    if !can(me, Capability::WriteTracing, Some(&target), false) {
        return Err(out_of_scope("place"));
    }
    acting_for(app, me, Capability::WriteTracing, d.organisation).await?;
    Ok(app.store.create_encounter(&me.actor(), &d).await?)
}

/// `POST /tracing/encounters`
pub async fn encounter_create(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(form): Form<EncounterForm>,
) -> Result<Response, WebError> {
    let outcome = create_encounter(&app, &me, &form)
        .await
        .map(|id| format!("/tracing/encounters/{id}"));
    settle(page, outcome, |page, r| async move {
        render_encounters(&app, page, &me, form, r.invalid.as_ref(), r.status).await
    })
    .await
}

/// `POST /api/v1/tracing/encounters`
pub async fn api_encounter_create(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Json(form): Json<EncounterForm>,
) -> Result<(StatusCode, Json<serde_json::Value>), WebError> {
    let id = create_encounter(&app, &me, &form).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// `GET /tracing/encounters/{id}`
pub async fn encounter(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let e = app.store.tracing_encounter(&id, Reveal::No).await?;
    allow(&me, Capability::ReadPersonal, Some(&e.target()), false)?;
    let page = page.titled("encounter-title", "tracing");
    let org = app.store.organisation(e.organisation_id).await?;
    let recorded_by = e.created_by.clone();
    let who = encounter_who(&app, &page, &me, e).await?;
    let (linked, proposals) = connections(&app, &page, &me, RecordKind::Encounter, &id).await?;
    Ok(Html(
        EncounterPage {
            who,
            org: page.name(&Some(org.name_en.clone()), &org.name_ne),
            recorded_by,
            linked,
            proposals,
            p: &page,
        }
        .render_html(),
    ))
}

/// The form filled in from a stored report (to correct it).
fn report_form_of(r: &MissingReport) -> ReportForm {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    ReportForm {
        reporter_name: text(&r.reporter_name),
        reporter_relation: r.reporter_relation.as_str().into(),
        reporter_phone: text(&r.reporter_phone),
        reported_on: r.reported_on.clone(),
        last_seen_on: text(&r.last_seen_on),
        last_seen_place: text(&r.last_seen_place),
        given_name: text(&r.given_name),
        middle_name: text(&r.middle_name),
        family_name: text(&r.family_name),
        sex: r.sex.map(|s| s.as_str().to_string()).unwrap_or_default(),
        birth_year: r.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        age: r.age.map(|a| a.to_string()).unwrap_or_default(),
        father_name: text(&r.father_name),
        mother_name: text(&r.mother_name),
        home: r.place_code.clone(),
        phone: text(&r.phone),
        description: text(&r.description),
        police_ref: text(&r.police_ref),
        hotline_ref: text(&r.hotline_ref),
        organisation: r.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
        consent_tracing: if r.consent_tracing { "yes" } else { "no" }.into(),
        version: r.version.to_string(),
        ..ReportForm::default()
    }
}

/// A report the reader may correct (404 outside the scope), its sealed fields closed.
async fn correctable_report(
    app: &AppState,
    me: &User,
    id: &str,
) -> Result<MissingReport, WebError> {
    let r = app.store.report(id, Reveal::No).await?;
    allow(me, Capability::CorrectPersonal, Some(&r.target()), false)?;
    Ok(r)
}

/// `GET /tracing/reports/{id}/edit`: the report's form, filled in, to correct it.
pub async fn report_edit(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    correctable_report(&app, &me, &id).await?;
    let r = app.store.report(&id, Reveal::To(&me.actor())).await?;
    report_form_page(
        &app,
        page,
        report_form_of(&r),
        None,
        StatusCode::OK,
        Some(&id),
    )
    .await
}

/// `POST /tracing/reports/{id}`: corrects a report (a description or phone completed after
/// the first visit, a name spelled right); the home ward stays inside the writer's scope.
pub async fn report_correct(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ReportForm>,
) -> Result<Response, WebError> {
    let sealed = correctable_report(&app, &me, &id).await?;
    let checked = form.check(today()).and_then(|d| {
        let version = form.version.trim().parse::<i64>().map_err(|_| {
            setu_core::Invalid(vec![setu_core::FieldError {
                field: "version",
                message: "error-required",
            }])
        })?;
        Ok((d, version))
    });
    let outcome = match checked {
        Ok((d, version)) => {
            let target = Target {
                place: Some(d.home),
                site: None,
                organisation: d.organisation,
            };
            if !can(&me, Capability::CorrectPersonal, Some(&target), false) {
                return Err(out_of_scope("home"));
            }
            if let Some(org) = d
                .organisation
                .filter(|o| Some(*o) != sealed.organisation_id)
            {
                acting_for(&app, &me, Capability::WriteTracing, org).await?;
            }
            Ok(app
                .store
                .correct_report(&me.actor(), &id, version, &d)
                .await)
        }
        Err(inv) => Err(inv),
    };
    records::answer(
        outcome,
        format!("/tracing/reports/{id}"),
        |notice, inv| async move {
            let status = match notice {
                Notice::Conflict => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let form = if notice == Notice::Conflict {
                let current = app.store.report(&id, Reveal::No).await?;
                ReportForm {
                    version: current.version.to_string(),
                    ..form
                }
            } else {
                form
            };
            report_form_page(&app, page, form, inv.as_ref(), status, Some(&id)).await
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn nothing_short_of_certain_reads_a_hundred_percent() {
        use super::percent_text;
        assert_eq!(percent_text(0.999), "99.9");
        assert_eq!(percent_text(0.9999), "99.9");
        assert_eq!(percent_text(1.0), "100");
        assert_eq!(percent_text(0.374), "37");
        assert_eq!(percent_text(0.9894), "99");
    }
}

/// A police rescue or shelter intake (`/tracing/encounters/{id}/record`): a name spelled
/// right, an age found out later. Corrected by those who may correct personal data, and
/// matched again against the register.
#[derive(Debug)]
pub struct Encounter;

impl Correctable for Encounter {
    const KIND: Kind = Kind {
        entity: "tracing-encounter",
        table: "tracing_encounter",
        nav: "tracing",
        fields: &[
            F::new("met_on", "report-field-met_on", T::Date).required(),
            F::new("given_name", "report-field-given_name", T::Text(100)).sealed(),
            F::new("middle_name", "report-field-middle_name", T::Text(100)).sealed(),
            F::new("family_name", "report-field-family_name", T::Text(100)).sealed(),
            F::new("sex", "report-field-sex", T::Choice("sex", Sex::NAMES)),
            F::new("age", "report-field-age", T::Number(0, 120)),
            F::new("father_name", "report-field-father_name", T::Text(100)).sealed(),
            F::new("mother_name", "report-field-mother_name", T::Text(100)).sealed(),
            F::new("phone", "report-field-phone", T::Phone).sealed(),
            F::new("note", "screening-note", T::Text(1000)).sealed(),
        ],
        read: Capability::ReadPersonal,
        write: Capability::CorrectPersonal,
        rematch: Some("encounter"),
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let e = app.store.tracing_encounter(id, Reveal::No).await?;
        let parent = (
            "/tracing/encounters".to_string(),
            page.t("encounters-title"),
        );
        let mut at = records::placed(
            app,
            page,
            Some(e.place_code.clone()),
            "kind-tracing-encounter",
            parent,
            format!("/tracing/encounters/{id}/record"),
        )
        .await?;
        at.target = e.target();
        Ok(at)
    }
}

/// `POST /tracing/reports/{id}/attachments`: a photo of the missing person (the main aid to
/// tracing) or a document, checked and cleaned as on a case.
pub async fn add_report_attachment(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Response, WebError> {
    let r = app.store.report(&id, Reveal::No).await?;
    allow(&me, Capability::WriteTracing, Some(&r.target()), false)?;
    let stored = async {
        let bytes = axum::body::to_bytes(body, crate::upload::UPLOAD_MAX)
            .await
            .map_err(|_| WebError::TooLarge("error-attachment-too-large"))?;
        let file = crate::upload::attachment(&headers, bytes).await?;
        let place = r.place_code.parse().ok();
        app.store
            .add_attachment(&me.actor(), Owner::Report(&id), place, &file)
            .await?;
        Ok::<_, WebError>(())
    }
    .await;
    match stored {
        Ok(()) => Ok(
            axum::response::Redirect::to(&format!("/tracing/reports/{id}#attachments"))
                .into_response(),
        ),
        Err(WebError::Invalid(inv)) => {
            let message = crate::pages::invalid_message(&page, &inv);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_report(&app, page, &me, &id, Some(message), status, Notice::None).await
        }
        Err(e) => Err(e),
    }
}

/// `GET /tracing/reports/{id}/attachments/{att}` (`?size=thumb` for a photo's thumbnail).
pub async fn report_attachment(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path((id, att)): Path<(String, String)>,
    Query(q): Query<crate::pages::attachments::FileQuery>,
) -> Result<Response, WebError> {
    let r = app.store.report(&id, Reveal::No).await?;
    allow(&me, Capability::ReadPersonal, Some(&r.target()), false)?;
    let place = r.place_code.parse().ok();
    crate::pages::attachments::serve(&app, &me, Owner::Report(&id), &att, q.thumb(), place).await
}
