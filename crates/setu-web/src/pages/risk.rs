//! The risk-indicator catalogue: the version in force, earlier versions, and the form that
//! saves a change as a new version (records keep the version they were scored with).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use setu_core::access::Capability;
use setu_core::risk::{Catalogue, Indicator, RiskCategory};

use crate::auth::SignedIn;
use crate::error::WebError;
use crate::page::Page;
use crate::pages::refusal;
use crate::templates::{RenderHtml, RiskPage};
use crate::AppState;

/// `GET /risk`
pub async fn page(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Response, WebError> {
    let can_edit = me.holds(Capability::ManageReference);
    render(&app, page, can_edit, None, StatusCode::OK).await
}

async fn render(
    app: &AppState,
    page: Page,
    can_edit: bool,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = page.titled("risk-title", "booths");
    let current = app.store.risk_catalogue().await?;
    let versions = app.store.risk_catalogue_versions().await?;
    let categories = crate::pages::choices(
        &page,
        RiskCategory::ALL.iter().map(|c| c.as_str()),
        "risk-category-",
        "",
    );
    let html = RiskPage {
        current,
        versions,
        categories,
        can_edit,
        error,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// Reads the edit form: rows `code`, `category`, `weight`, `text_en`, `text_ne` repeated in
/// order (a row with an empty code is dropped), and the two thresholds.
fn catalogue_from_form(raw: &[u8]) -> Catalogue {
    let mut cols: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (k, v) in form_urlencoded::parse(raw) {
        cols.entry(k.to_string())
            .or_default()
            .push(v.trim().to_string());
    }
    let col = |k: &str| cols.get(k).cloned().unwrap_or_default();
    let (codes, cats, weights, en, ne) = (
        col("code"),
        col("category"),
        col("weight"),
        col("text_en"),
        col("text_ne"),
    );
    let num = |s: Option<&String>| {
        s.and_then(|s| setu_core::numbers::to_ascii_digits(s).parse::<i64>().ok())
            .unwrap_or(0)
    };
    let indicators = codes
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .map(|(i, c)| Indicator {
            code: c.clone(),
            category: cats
                .get(i)
                .and_then(|c| RiskCategory::parse(c))
                .unwrap_or(RiskCategory::Behaviour),
            weight: num(weights.get(i)),
            text_en: en.get(i).cloned().unwrap_or_default(),
            text_ne: ne.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    Catalogue {
        version: 0,
        indicators,
        high_threshold: num(col("high_threshold").first()),
        evidence_threshold: num(col("evidence_threshold").first()),
    }
}

/// `POST /risk`: saves the form as a new version.
pub async fn save(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let catalogue = catalogue_from_form(&body);
    if let Err(inv) = catalogue.check() {
        let msg = crate::pages::invalid_message(&page, &inv);
        return render(
            &app,
            page,
            true,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match app.store.save_risk_catalogue(&me.actor(), &catalogue).await {
        Ok(_) => Ok(Redirect::to("/risk").into_response()),
        Err(e) => {
            let (m, status) = refusal(e)?;
            let msg = page.t(m);
            render(&app, page, true, Some(msg), status).await
        }
    }
}

/// `GET /api/v1/risk-catalogue`: the version in force.
pub async fn api(
    State(app): State<AppState>,
    SignedIn(_me): SignedIn,
) -> Result<Json<Catalogue>, WebError> {
    Ok(Json(app.store.risk_catalogue().await?))
}
