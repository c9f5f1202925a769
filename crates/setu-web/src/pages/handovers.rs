//! Hand-overs and police referrals: the two records that cross from one party to another.
//! The sending side sees them through its scope, the receiving organisation through its own;
//! the receiving side acknowledges (or a paper receipt number is recorded), and anything past
//! its deadline is flagged.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use setu_core::access::{Capability, Scope, Target};
use setu_core::booths::{
    HandoverForm, Party, ReferralCategory, ReferralForm, ReferralSource, ReferralStatus, Urgency,
};
use setu_core::directory::{OrgKind, SiteKind};
use setu_core::records::{FieldSpec as F, FieldType as T};
use setu_store::auth::User;
use setu_store::directory::DirectoryFilter;
use setu_store::handovers::{Handover, Referral};
use setu_store::sealing::Reveal;

use crate::auth::{allow, can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::records::{self, Correctable, Kind, Located};
use crate::pages::{acting_for, choices, out_of_scope, settle};
use crate::templates::{
    Choice, HandoverPage, HandoversPage, ReferralPage, ReferralsPage, RenderHtml,
};
use crate::AppState;

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Whether `me` may use `cap` on either side of a two-sided record.
fn either(me: &User, cap: Capability, targets: &[Target; 2]) -> bool {
    targets.iter().any(|t| can(me, cap, Some(t), false))
}

/// 404 unless `me` may use `cap` on one side (403 if the role lacks it).
fn allow_either(me: &User, cap: Capability, targets: &[Target; 2]) -> Result<(), WebError> {
    allow(me, cap, None, false)?;
    if either(me, cap, targets) {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

/// The organisations a form offers, by kind.
pub(crate) async fn org_choices(
    app: &AppState,
    page: &Page,
    kinds: &[OrgKind],
) -> Result<Vec<Choice>, WebError> {
    let mut out = Vec::new();
    for k in kinds {
        let filter = DirectoryFilter {
            kind: Some(k.as_str().to_string()),
            ..Default::default()
        };
        for o in app.store.organisations(&filter).await? {
            out.push(Choice {
                value: o.id.to_string(),
                label: page.name(&Some(o.name_en.clone()), &o.name_ne),
                selected: false,
            });
        }
    }
    Ok(out)
}

/// The border booths, by name in the reader's language with their place, for the site a
/// hand-over or referral came from (chosen, never typed as a number).
pub(crate) async fn booth_choices(
    app: &AppState,
    page: &Page,
    selected: &str,
) -> Result<Vec<Choice>, WebError> {
    let filter = DirectoryFilter {
        kind: Some(SiteKind::BorderBooth.as_str().to_string()),
        ..Default::default()
    };
    let mut out: Vec<Choice> = app
        .store
        .sites(&filter)
        .await?
        .into_iter()
        .map(|s| Choice {
            value: s.id.to_string(),
            label: format!(
                "{} ({})",
                page.name(&Some(s.name_en.clone()), &s.name_ne),
                page.place(&s.place.to_string())
            ),
            selected: s.id.to_string() == selected.trim(),
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(out)
}

/// The position of a list page (keyset paging): the row it starts after.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AfterQuery {
    /// The id of the last row of the page before.
    pub after: String,
}

impl AfterQuery {
    /// The row to start after, if not the first page.
    pub fn row(&self) -> Option<&str> {
        Some(self.after.as_str()).filter(|a| !a.is_empty())
    }
}

/// `GET /handovers`: the list, 50 a page (with overdue flags), and the form for a new one.
pub async fn list(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<AfterQuery>,
) -> Result<Response, WebError> {
    render_list(
        &app,
        page,
        &me,
        q.row(),
        None,
        HandoverForm::default(),
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_list(
    app: &AppState,
    page: Page,
    me: &User,
    after: Option<&str>,
    error: Option<String>,
    form: HandoverForm,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = page.titled("handovers-title", "handovers");
    let list = app.store.handover_page(me.scope, after).await?;
    let at = now();
    let rows = list
        .rows
        .iter()
        .map(|h| (h.clone(), h.overdue(at), page.date(&h.handed_at[..10])))
        .collect();
    // Persons that may be handed over: stopped at a booth the user may write for.
    let candidates = if me.holds(Capability::ReadPersonal) {
        app.store
            .screenings(me.scope, None, true, 60, Reveal::To(&me.actor()))
            .await?
            .into_iter()
            .map(|s| Choice {
                label: format!(
                    "{} {} · {} · {}",
                    s.given_name
                        .clone()
                        .unwrap_or_else(|| page.t("contact-hidden")),
                    s.family_name.clone().unwrap_or_default(),
                    page.num(&s.age),
                    page.date(&s.day)
                ),
                selected: form.persons.contains(&s.id),
                value: s.id,
            })
            .collect()
    } else {
        Vec::new()
    };
    let parties = choices(&page, Party::ALL.iter().map(|p| p.as_str()), "party-", "");
    let orgs = org_choices(
        app,
        &page,
        &[OrgKind::PoliceUnit, OrgKind::SsbPost, OrgKind::Ngo],
    )
    .await?;
    let sites = booth_choices(app, &page, &form.site).await?;
    let html = HandoversPage {
        rows,
        sites,
        next: list.next.map(|a| format!("/handovers?after={a}")),
        first: after.map(|_| "/handovers".to_string()),
        candidates,
        parties,
        orgs,
        can_write: me.holds(Capability::WriteHandovers),
        error,
        form,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// Reads a form body with repeated `persons` into a hand-over form.
fn handover_form(raw: &[u8]) -> HandoverForm {
    let mut map = serde_json::Map::new();
    let mut persons = Vec::new();
    for (k, v) in form_urlencoded::parse(raw) {
        if k == "persons" {
            persons.push(serde_json::Value::String(v.to_string()));
        } else {
            map.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    map.insert("persons".into(), serde_json::Value::Array(persons));
    serde_json::from_value(serde_json::Value::Object(map)).unwrap_or_default()
}

/// Checks and stores a hand-over; the writer must be able to write where it happened and
/// for every person's screening.
async fn create(app: &AppState, me: &User, form: &HandoverForm) -> Result<String, WebError> {
    let d = form.check(now()).map_err(WebError::Invalid)?;
    let here = Target {
        place: Some(d.place),
        site: d.site,
        organisation: d.from.1,
    };
    // A police unit or NGO hands over in its own name anywhere.
    let own_name = d.from.1.is_some_and(|o| me.scope == Scope::Organisation(o));
    if !own_name && !can(me, Capability::WriteHandovers, Some(&here), false) {
        return Err(out_of_scope("place"));
    }
    if let (Some(org), false) = (d.from.1, own_name) {
        acting_for(app, me, Capability::WriteHandovers, org).await?;
    }
    for p in &d.persons {
        let s = app.store.screening(p, Reveal::No).await?;
        if !can(me, Capability::WriteHandovers, Some(&s.target()), false) {
            return Err(out_of_scope("persons"));
        }
        if !s.consent_share {
            return Err(WebError::Invalid(setu_core::Invalid(vec![
                setu_core::FieldError {
                    field: "persons",
                    message: "error-no-consent-share",
                },
            ])));
        }
    }
    Ok(app.store.create_handover(&me.actor(), &d).await?)
}

/// `POST /handovers`
pub async fn create_form(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let form = handover_form(&body);
    let outcome = create(&app, &me, &form)
        .await
        .map(|id| format!("/handovers/{id}"));
    settle(page, outcome, |page, r| {
        render_list(&app, page, &me, None, Some(r.message), form, r.status)
    })
    .await
}

/// `GET /handovers/{id}`
pub async fn show(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let h = app.store.handover(&id, Reveal::No).await?;
    // The persons handed over (sex, age, outcome) are about children: closed to roles that do
    // not read personal data (they see the list's counts).
    allow_either(&me, Capability::ReadPersonal, &h.targets())?;
    let personal = either(&me, Capability::ReadPersonal, &h.targets());
    let actor = me.actor();
    let h = if personal {
        app.store.handover(&id, Reveal::To(&actor)).await?
    } else {
        h
    };
    let mut persons = Vec::new();
    for sid in &h.persons {
        let s = app
            .store
            .screening(
                sid,
                if personal {
                    Reveal::To(&actor)
                } else {
                    Reveal::No
                },
            )
            .await?;
        // Linked only where the reader may open the screening itself.
        let opens = crate::pages::booths::opens_screening(&me, &s);
        persons.push((s, opens));
    }
    let receiving = h
        .to_org_id
        .is_some_and(|o| me.scope == Scope::Organisation(o));
    let page = page.titled("handover-title", "handovers");
    let when = page.date(&h.handed_at[..10]);
    Ok(Html(
        HandoverPage {
            overdue: h.overdue(now()),
            can_ack: !h.acknowledged() && receiving && me.holds(Capability::WriteHandovers),
            can_receipt: !h.acknowledged()
                && can(
                    &me,
                    Capability::WriteHandovers,
                    Some(&h.targets()[0]),
                    false,
                ),
            when,
            persons,
            h: &h,
            p: &page,
        }
        .render_html(),
    ))
}

/// The acknowledgement form: empty `receipt` acknowledges in Setu.
#[derive(Debug, Deserialize)]
pub struct Ack {
    #[serde(default)]
    receipt: String,
}

/// `POST /handovers/{id}/acknowledge`
pub async fn acknowledge(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(ack): Form<Ack>,
) -> Result<Response, WebError> {
    acknowledge_inner(&app, &me, &id, &ack.receipt).await?;
    Ok(Redirect::to(&format!("/handovers/{id}")).into_response())
}

async fn acknowledge_inner(
    app: &AppState,
    me: &User,
    id: &str,
    receipt: &str,
) -> Result<(), WebError> {
    let h = app.store.handover(id, Reveal::No).await?;
    allow_either(me, Capability::WriteHandovers, &h.targets())?;
    let receiving = h
        .to_org_id
        .is_some_and(|o| me.scope == Scope::Organisation(o));
    let receipt = receipt.trim();
    if receipt.is_empty() && !receiving {
        // Only the receiving side acknowledges in Setu; the sending side records a receipt.
        return Err(WebError::Forbidden);
    }
    app.store
        .acknowledge_handover(&me.actor(), id, (!receipt.is_empty()).then_some(receipt))
        .await?;
    Ok(())
}

fn handover_json(h: &Handover, at: time::OffsetDateTime) -> serde_json::Value {
    let mut v = serde_json::to_value(h).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.insert("overdue".into(), serde_json::Value::Bool(h.overdue(at)));
        m.insert(
            "acknowledged".into(),
            serde_json::Value::Bool(h.acknowledged()),
        );
    }
    v
}

/// `GET /api/v1/handovers`: hand-overs on either side of the user's scope (no names), 50 a
/// page, newest first; `next` is the `after` of the next page.
pub async fn api_list(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(q): Query<AfterQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let at = now();
    let page = app.store.handover_page(me.scope, q.row()).await?;
    let items: Vec<_> = page.rows.iter().map(|h| handover_json(h, at)).collect();
    Ok(Json(
        serde_json::json!({ "items": items, "next": page.next }),
    ))
}

/// `POST /api/v1/handovers`
pub async fn api_create(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Json(form): Json<HandoverForm>,
) -> Result<(StatusCode, Json<serde_json::Value>), WebError> {
    let id = create(&app, &me, &form).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// `POST /api/v1/handovers/{id}/acknowledge` with `{"receipt": "…"}` or `{}`.
pub async fn api_acknowledge(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Json(ack): Json<serde_json::Value>,
) -> Result<Json<serde_json::Value>, WebError> {
    let receipt = ack
        .get("receipt")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    acknowledge_inner(&app, &me, &id, receipt).await?;
    let h = app.store.handover(&id, Reveal::No).await?;
    Ok(Json(handover_json(&h, now())))
}

// ---- police referrals ----

/// `GET /referrals`: the queue (a police unit's own, or what the user sent), 50 a page.
pub async fn referrals(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Query(q): Query<AfterQuery>,
) -> Result<Response, WebError> {
    render_referrals(
        &app,
        page,
        &me,
        q.row(),
        None,
        ReferralForm::default(),
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_referrals(
    app: &AppState,
    page: Page,
    me: &User,
    after: Option<&str>,
    error: Option<String>,
    form: ReferralForm,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = page.titled("referrals-title", "referrals");
    let list = app.store.referral_page(me.scope, after).await?;
    let at = now();
    let figures = app.store.referral_figures(me.scope, at).await?;
    let rows = list
        .rows
        .iter()
        .map(|r| (r.clone(), r.overdue(at), page.date(&r.sent_at[..10])))
        .collect();
    let html = ReferralsPage {
        rows,
        next: list.next.map(|a| format!("/referrals?after={a}")),
        first: after.map(|_| "/referrals".to_string()),
        overdue: page.num(&figures.overdue),
        ack_median: figures
            .ack_median
            .map(|m| hours(&page, m))
            .unwrap_or_else(|| "—".into()),
        act_median: figures
            .act_median
            .map(|m| hours(&page, m))
            .unwrap_or_else(|| "—".into()),
        units: org_choices(app, &page, &[OrgKind::PoliceUnit]).await?,
        sites: booth_choices(app, &page, &form.site).await?,
        categories: choices(
            &page,
            ReferralCategory::ALL.iter().map(|c| c.as_str()),
            "category-",
            &form.category,
        ),
        urgencies: choices(
            &page,
            Urgency::ALL.iter().map(|c| c.as_str()),
            "urgency-",
            &form.urgency,
        ),
        sources: choices(
            &page,
            ReferralSource::ALL.iter().map(|c| c.as_str()),
            "source-",
            &form.source,
        ),
        can_write: me.holds(Capability::WriteHandovers),
        error,
        form,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// Minutes as hours with one decimal.
fn hours(page: &Page, minutes: i64) -> String {
    let tenths = (minutes * 10 + 30) / 60;
    page.t1(
        "duration-hours",
        "hours",
        &page.digits(&format!("{}.{}", tenths / 10, tenths % 10)),
    )
}

/// Checks and sends a referral from inside the user's scope.
async fn send(app: &AppState, me: &User, form: &ReferralForm) -> Result<String, WebError> {
    let d = form.check().map_err(WebError::Invalid)?;
    let (site, from_org) = match d.site {
        Some(s) => {
            let site = app.store.site(s).await?;
            (Some(site.id), site.organisation_id)
        }
        None => (None, None),
    };
    let target = Target {
        place: Some(d.place),
        site,
        organisation: from_org,
    };
    if !can(me, Capability::WriteHandovers, Some(&target), false) {
        return Err(out_of_scope("place"));
    }
    let from_org = from_org.or(match me.scope {
        Scope::Organisation(o) => Some(o),
        _ => None,
    });
    Ok(app
        .store
        .create_referral(&me.actor(), &d, from_org, now())
        .await?)
}

/// `POST /referrals`
pub async fn create_referral(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(form): Form<ReferralForm>,
) -> Result<Response, WebError> {
    match send(&app, &me, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/referrals/{id}")).into_response()),
        Err(WebError::Invalid(inv)) => {
            let msg = crate::pages::invalid_message(&page, &inv);
            render_referrals(
                &app,
                page,
                &me,
                None,
                Some(msg),
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// `GET /referrals/{id}`
pub async fn referral(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let r = app.store.referral(&id, Reveal::No).await?;
    allow_either(&me, Capability::ReadDirectory, &r.targets())?;
    let personal = either(&me, Capability::ReadPersonal, &r.targets());
    let actor = me.actor();
    let r = if personal {
        app.store.referral(&id, Reveal::To(&actor)).await?
    } else {
        r
    };
    let receiving = me.scope == Scope::Organisation(r.to_org_id);
    let unit = app.store.organisation(r.to_org_id).await?;
    let page = page.titled("referral-title", "referrals");
    let next = if receiving && me.holds(Capability::WriteHandovers) {
        r.status
            .next()
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: page.t(&format!("referral-{}", s.as_str())),
                selected: false,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Html(
        ReferralPage {
            overdue: r.overdue(now()),
            unit: page.name(&Some(unit.name_en.clone()), &unit.name_ne),
            ack: r.minutes_to_acknowledge().map(|m| hours(&page, m)),
            act: r.minutes_to_act().map(|m| hours(&page, m)),
            next,
            r: &r,
            p: &page,
        }
        .render_html(),
    ))
}

/// A status change.
#[derive(Debug, Deserialize)]
pub struct Step {
    status: String,
    #[serde(default)]
    reason: String,
}

/// Moves a referral on; only the police unit it was sent to may.
async fn step(app: &AppState, me: &User, id: &str, s: &Step) -> Result<(), WebError> {
    let r = app.store.referral(id, Reveal::No).await?;
    allow_either(me, Capability::WriteHandovers, &r.targets())?;
    if me.scope != Scope::Organisation(r.to_org_id) {
        return Err(WebError::Forbidden);
    }
    let next = ReferralStatus::parse(&s.status).ok_or(WebError::BadRequest)?;
    app.store
        .advance_referral(&me.actor(), id, next, Some(&s.reason), now())
        .await?;
    Ok(())
}

/// `POST /referrals/{id}/status`
pub async fn referral_status(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(s): Form<Step>,
) -> Result<Response, WebError> {
    step(&app, &me, &id, &s).await?;
    Ok(Redirect::to(&format!("/referrals/{id}")).into_response())
}

fn referral_json(r: &Referral, at: time::OffsetDateTime) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.remove("description");
        m.remove("close_reason");
        m.insert("overdue".into(), serde_json::Value::Bool(r.overdue(at)));
        m.insert(
            "minutes_to_acknowledge".into(),
            serde_json::json!(r.minutes_to_acknowledge()),
        );
        m.insert(
            "minutes_to_act".into(),
            serde_json::json!(r.minutes_to_act()),
        );
    }
    v
}

/// `GET /api/v1/referrals`
pub async fn api_referrals(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(q): Query<AfterQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let at = now();
    let page = app.store.referral_page(me.scope, q.row()).await?;
    let items: Vec<_> = page.rows.iter().map(|r| referral_json(r, at)).collect();
    Ok(Json(
        serde_json::json!({ "items": items, "next": page.next }),
    ))
}

/// `POST /api/v1/referrals`
pub async fn api_create_referral(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Json(form): Json<ReferralForm>,
) -> Result<(StatusCode, Json<serde_json::Value>), WebError> {
    let id = send(&app, &me, &form).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// `POST /api/v1/referrals/{id}/status` with `{"status": "acknowledged"}`.
pub async fn api_referral_status(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Json(s): Json<Step>,
) -> Result<Json<serde_json::Value>, WebError> {
    step(&app, &me, &id, &s).await?;
    let r = app.store.referral(&id, Reveal::No).await?;
    Ok(Json(referral_json(&r, now())))
}

/// A hand-over's record (`/handovers/{id}/record`): the police references and the officers'
/// names and ranks, corrected by either side; who was handed over is not changed here.
#[derive(Debug)]
pub struct HandoverRecord;

impl Correctable for HandoverRecord {
    const KIND: Kind = Kind {
        entity: "handover",
        table: "handover",
        nav: "handovers",
        fields: &[
            F::new("gd_number", "handover-gd", T::Note(60)),
            F::new("fir_number", "handover-fir", T::Note(60)),
            F::new("from_officer", "handover-from-officer", T::Text(200)).sealed(),
            F::new("from_rank", "handover-from-rank", T::Note(60)),
            F::new("to_officer", "handover-to-officer", T::Text(200)).sealed(),
            F::new("to_rank", "handover-to-rank", T::Note(60)),
            F::new("documents", "handover-documents", T::Text(1000)).sealed(),
        ],
        read: Capability::ReadPersonal,
        write: Capability::WriteHandovers,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let h = app.store.handover(id, Reveal::No).await?;
        let [from, to] = h.targets();
        let parent = (format!("/handovers/{id}"), page.t("handover-title"));
        let mut at = records::placed(
            app,
            page,
            Some(h.place_code.clone()),
            "kind-handover",
            parent,
            format!("/handovers/{id}/record"),
        )
        .await?;
        at.target = from;
        at.also = Some(to);
        Ok(at)
    }
}
