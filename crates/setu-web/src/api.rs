//! The JSON API under `/api/v1`. Geography is reference data, readable without login.
//! Lists answer `{"items": [...]}`; errors answer the shape in [`crate::error`].

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use setu_core::geo::PlaceLevel;
use setu_core::PlaceCode;
use setu_store::geo::Place;

use axum::http::StatusCode;
use setu_core::access::{Capability, Target};
use setu_core::directory::DirectoryForm;
use setu_core::validation::{FieldError, Invalid};
use setu_store::sealing::Reveal;

use crate::auth::{can, SignedIn};
use crate::error::WebError;
use crate::AppState;

/// A place as the API shows it.
#[derive(Debug, Serialize)]
pub struct PlaceJson {
    code: String,
    name_en: Option<String>,
    name_ne: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    parent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ward_count: Option<i64>,
}

impl From<Place> for PlaceJson {
    fn from(p: Place) -> PlaceJson {
        let kind = match p.local_level_type {
            Some(t) => t.as_str().to_string(),
            None => p.level.as_str().to_string(),
        };
        PlaceJson {
            code: p.code.to_string(),
            name_en: p.name_en,
            name_ne: p.name_ne,
            kind,
            parent: p.parent.map(|c| c.to_string()),
            ward_count: p.ward_count,
        }
    }
}

/// A list answer.
#[derive(Debug, Serialize)]
pub struct Items<T> {
    items: Vec<T>,
}

/// Filters of the geography lists.
#[derive(Debug, Deserialize, Default)]
pub struct GeoQuery {
    province: Option<String>,
    district: Option<String>,
    local_level: Option<String>,
}

/// Reads an optional filter that must be a code of `level`.
fn filter(raw: &Option<String>, level: PlaceLevel) -> Result<Option<PlaceCode>, WebError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => match s.parse::<PlaceCode>() {
            Ok(c) if c.level() == level => Ok(Some(c)),
            _ => Err(WebError::BadRequest),
        },
    }
}

async fn list(
    app: &AppState,
    level: PlaceLevel,
    within: Option<PlaceCode>,
) -> Result<Json<Items<PlaceJson>>, WebError> {
    let items = app
        .store
        .places_at_level(level, within)
        .await?
        .into_iter()
        .map(PlaceJson::from)
        .collect();
    Ok(Json(Items { items }))
}

/// `GET /api/v1/geo/provinces`
pub async fn provinces(State(app): State<AppState>) -> Result<Json<Items<PlaceJson>>, WebError> {
    list(&app, PlaceLevel::Province, None).await
}

/// `GET /api/v1/geo/districts[?province=5]`
pub async fn districts(
    State(app): State<AppState>,
    Query(q): Query<GeoQuery>,
) -> Result<Json<Items<PlaceJson>>, WebError> {
    let within = filter(&q.province, PlaceLevel::Province)?;
    list(&app, PlaceLevel::District, within).await
}

/// `GET /api/v1/geo/local-levels[?province=5|?district=511]`
pub async fn local_levels(
    State(app): State<AppState>,
    Query(q): Query<GeoQuery>,
) -> Result<Json<Items<PlaceJson>>, WebError> {
    let within = match filter(&q.district, PlaceLevel::District)? {
        Some(d) => Some(d),
        None => filter(&q.province, PlaceLevel::Province)?,
    };
    list(&app, PlaceLevel::LocalLevel, within).await
}

/// `GET /api/v1/geo/wards?local_level=51106`
pub async fn wards(
    State(app): State<AppState>,
    Query(q): Query<GeoQuery>,
) -> Result<Json<Items<PlaceJson>>, WebError> {
    let within = filter(&q.local_level, PlaceLevel::LocalLevel)?.ok_or(WebError::BadRequest)?;
    list(&app, PlaceLevel::Ward, Some(within)).await
}

/// `GET /api/v1/me`: who the caller is.
pub async fn me(SignedIn(me): SignedIn) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "username": me.username,
        "role": me.role.as_str(),
        "scope": me.scope.to_string(),
        "capabilities": me.role.spec().capabilities.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    }))
}

/// A contact as the API shows it: names and phones only to those who may see them.
#[derive(Debug, Serialize)]
pub struct ContactJson {
    id: String,
    organisation_id: i64,
    place: String,
    title: String,
    name: Option<String>,
    phone: Option<String>,
}

/// `GET /api/v1/contacts`: contacts inside the caller's scope (filtered in SQL). Names and
/// phones are included, and each audited, only for a role that may read personal data.
pub async fn contacts(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
) -> Result<Json<Items<ContactJson>>, WebError> {
    let actor = me.actor();
    let reveal = if me.holds(Capability::ReadPersonal) {
        Reveal::To(&actor)
    } else {
        Reveal::No
    };
    let items = app
        .store
        .contacts_in_scope(me.scope, reveal)
        .await?
        .into_iter()
        .map(|c| ContactJson {
            id: c.id,
            organisation_id: c.organisation_id,
            place: c.place.to_string(),
            title: c.title,
            name: c.name,
            phone: c.phone,
        })
        .collect();
    Ok(Json(Items { items }))
}

/// `POST /api/v1/organisations`: `{"name_en", "name_ne", "kind", "place"}` → 201 `{"id"}`.
pub async fn create_organisation(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Json(form): Json<DirectoryForm>,
) -> Result<(StatusCode, Json<serde_json::Value>), WebError> {
    let draft = form.to_org().map_err(WebError::Invalid)?;
    let target = Target {
        place: Some(draft.place),
        ..Default::default()
    };
    if !can(&me, Capability::EditDirectory, Some(&target), false) {
        return Err(WebError::Invalid(Invalid(vec![FieldError {
            field: "place",
            message: "error-place-out-of-scope",
        }])));
    }
    let id = app.store.create_organisation(&me.actor(), &draft).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// What each API operation does, for the OpenAPI document (a test checks every `/api/v1`
/// route has an entry).
const DESCRIPTIONS: &[(&str, &str, &str)] = &[
    ("GET", "/api/v1/geo/provinces", "Provinces (reference data, no sign-in)."),
    ("GET", "/api/v1/geo/districts", "Districts, optionally of one province (`?province=`)."),
    ("GET", "/api/v1/geo/local-levels", "Local levels, optionally of one district (`?district=`)."),
    ("GET", "/api/v1/geo/wards", "Wards of one local level (`?local_level=`)."),
    ("GET", "/api/v1/me", "The signed-in user, role and scope."),
    ("GET", "/api/v1/contacts", "Contact persons in scope; names only with read-personal (each opening audited)."),
    ("POST", "/api/v1/organisations", "Adds an organisation (DirectoryForm)."),
    ("GET", "/api/v1/indicators", "Programme indicators for `?place=&fy=`, including the booth figures."),
    ("POST", "/api/v1/community/sync", "Batch sync of youth events (`youth-event`) and parents' sessions (`parents-session`, with the `group` id and `present` member ids) recorded offline. Each record carries a client UUID and is stored once under it: sent again it is `unchanged`; the same id for a different record is `invalid`. Each record is checked as its online form is (fields, and the right to write at its ward) and answered `created`, `unchanged`, `invalid` (with field messages) or `retry`; nothing else in the batch is affected. At most 500 records."),
    ("POST", "/api/v1/sync", "Batch sync of booth tallies and screenings made offline. Each record carries a client UUID and the version it was based on (0 for new). The same record twice is a no-op (`unchanged`); a change based on the current version is stored (`updated`); one based on an older version becomes a `conflict` for a person to resolve. Invalid records are answered `invalid` with field messages; nothing else in the batch is affected. At most 500 records (413 beyond); a server storing more than it can answers 503 with `Retry-After`. Named screenings are matched against the missing-person register after the answer."),
    ("GET", "/api/v1/alerts", "The signed-in user's unread match alerts (a screening or rescue they recorded may be a missing person): the committee to contact and its phone, never the report's personal details."),
    ("GET", "/api/v1/tallies", "A booth's latest tallies (`?site=`), no personal data."),
    ("GET", "/api/v1/booths/figures", "Booth figures per booth and BS month for `?place=&fy=`."),
    ("GET", "/api/v1/risk-catalogue", "The risk-indicator catalogue in force (version, indicators, thresholds)."),
    ("GET", "/api/v1/handovers", "Hand-overs on either side of the user's scope, with `overdue` and `acknowledged`."),
    ("POST", "/api/v1/handovers", "Records a hand-over (HandoverForm); persons are screening ids."),
    ("POST", "/api/v1/handovers/{id}/acknowledge", "Acknowledges a hand-over: `{}` by the receiving organisation, or `{\"receipt\": \"…\"}` for a paper receipt."),
    ("GET", "/api/v1/referrals", "Police referrals on either side of the user's scope, with timings and `overdue`."),
    ("POST", "/api/v1/referrals", "Sends a referral to a police unit (ReferralForm)."),
    ("POST", "/api/v1/referrals/{id}/status", "Moves a referral on (`{\"status\": \"acknowledged\"}`; closing without action needs `reason`). Only the receiving police unit may."),
    ("POST", "/api/v1/tracing/reports", "Registers a missing-person report (ReportForm); its home ward must be in the user's scope. Matching runs in a job after the save."),
    ("POST", "/api/v1/tracing/encounters", "Records a police rescue or shelter intake (EncounterForm, `source` police or shelter). Matching runs in a job after the save."),
    ("GET", "/api/v1/tracing/matches", "Proposed matches in scope (`?status=proposed|confirmed|rejected|all`): kinds, ids, probability and per-field evidence; no names."),
    ("GET", "/api/v1/openapi.json", "This document."),
];

/// The request body schema of a POST route, from the form type's own fields (so the document
/// cannot drift from what the server reads).
fn request_schema(path: &str) -> Option<serde_json::Value> {
    use setu_core::booths::{HandoverForm, ReferralForm, ScreeningForm, TallyForm};
    fn object_of<T: Serialize + Default>() -> serde_json::Value {
        let fields = serde_json::to_value(T::default()).unwrap_or_default();
        let props: serde_json::Map<String, serde_json::Value> = fields
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let schema = if v.is_array() {
                            serde_json::json!({"type": "array", "items": {"type": "string"}})
                        } else {
                            serde_json::json!({"type": "string"})
                        };
                        (k.clone(), schema)
                    })
                    .collect()
            })
            .unwrap_or_default();
        serde_json::json!({"type": "object", "properties": props})
    }
    // A sync batch: records of these kinds, each with its client id and its form's fields.
    fn batch_of(kinds: &[&str], data: [serde_json::Value; 2]) -> serde_json::Value {
        serde_json::json!({
            "type": "object",
            "required": ["records"],
            "properties": {"records": {"type": "array", "maxItems": crate::pages::booths::MAX_BATCH, "items": {
                "type": "object", "required": ["kind", "id", "data"],
                "properties": {
                    "kind": {"type": "string", "enum": kinds},
                    "id": {"type": "string", "format": "uuid"},
                    "base_version": {"type": "integer", "minimum": 0},
                    "data": {"oneOf": data}
                }}}}
        })
    }
    Some(match path {
        "/api/v1/sync" => batch_of(
            &["tally", "screening"],
            [object_of::<TallyForm>(), object_of::<ScreeningForm>()],
        ),
        "/api/v1/community/sync" => batch_of(
            &["youth-event", "parents-session"],
            [
                object_of::<setu_core::community::YouthEventForm>(),
                object_of::<setu_core::community::SessionForm>(),
            ],
        ),
        "/api/v1/handovers" => object_of::<HandoverForm>(),
        "/api/v1/tracing/reports" => object_of::<setu_core::tracing::ReportForm>(),
        "/api/v1/tracing/encounters" => object_of::<setu_core::tracing::EncounterForm>(),
        "/api/v1/referrals" => object_of::<ReferralForm>(),
        "/api/v1/organisations" => object_of::<DirectoryForm>(),
        _ => return None,
    })
}

/// The OpenAPI 3.1 document of every `/api/v1` route, built from the route table.
pub fn openapi_document() -> serde_json::Value {
    use crate::routes::{specs, Access};
    let mut paths = serde_json::Map::new();
    for spec in specs().iter().filter(|s| s.path.starts_with("/api/v1/")) {
        let method = spec.method.as_str().to_ascii_lowercase();
        let description = DESCRIPTIONS
            .iter()
            .find(|(m, p, _)| *m == spec.method.as_str() && *p == spec.path)
            .map(|(_, _, d)| *d)
            .unwrap_or("");
        let access = match spec.access {
            Access::Public => "public".to_string(),
            Access::SignedIn => "signed-in".to_string(),
            Access::Needs(c) => format!("needs {}", c.as_str()),
        };
        let mut op = serde_json::json!({
            "summary": description,
            "x-setu-access": access,
            "responses": {
                "200": {"description": "OK"},
                "401": {"description": "Not signed in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "403": {"description": "The role lacks the capability"},
                "404": {"description": "Not found, or outside the user's scope"},
                "422": {"description": "Invalid input, with field messages", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        if spec.access == Access::Public {
            op["security"] = serde_json::json!([]);
        }
        if spec.path.contains("{id}") {
            op["parameters"] = serde_json::json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
        }
        if spec.method == axum::http::Method::POST {
            if let Some(schema) = request_schema(spec.path) {
                op["requestBody"] = serde_json::json!({"required": true, "content": {"application/json": {"schema": schema}}});
            }
        }
        let entry = paths
            .entry(spec.path.to_string())
            .or_insert_with(|| serde_json::json!({}));
        entry[method] = op;
    }
    serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "Setu API", "version": "1",
                 "description": "Setu's JSON API. Sign in with an API token (`Authorization: Bearer …`) or a session cookie with the `X-CSRF-Token` header on changes."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"},
                "fields": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}}}}}}
        },
        "paths": paths
    })
}

/// `GET /api/v1/openapi.json`
pub async fn openapi() -> Json<serde_json::Value> {
    Json(openapi_document())
}

#[cfg(test)]
mod openapi_tests {
    #[test]
    fn every_api_route_is_described() {
        let doc = super::openapi_document();
        for spec in crate::routes::specs()
            .iter()
            .filter(|s| s.path.starts_with("/api/v1/"))
        {
            let op = &doc["paths"][spec.path][spec.method.as_str().to_ascii_lowercase()];
            assert!(op.is_object(), "{} {} missing", spec.method, spec.path);
            assert!(
                !op["summary"].as_str().unwrap_or("").is_empty(),
                "{} {} has no description",
                spec.method,
                spec.path
            );
        }
        assert!(doc["paths"]["/api/v1/sync"]["post"]["requestBody"].is_object());
    }
}
