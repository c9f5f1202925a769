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
use setu_store::contacts::Reveal;

use crate::auth::{allow, can, SignedIn};
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
    allow(&me, Capability::ReadDirectory, None, false)?;
    let actor = me.actor();
    let reveal = if me.role.has(Capability::ReadPersonal) {
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
    allow(&me, Capability::EditDirectory, None, false)?;
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
