//! Browsing the geography (country → province → district → local level → ward) and
//! finding a place by name in either script.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;
use setu_core::geo::PlaceLevel;
use setu_core::PlaceCode;
use setu_store::directory::DirectoryFilter;
use setu_store::geo::Place;

use crate::error::WebError;
use crate::page::Page;
use crate::templates::{Item, PlacePage, RenderHtml, SearchHit, SearchPage};
use crate::AppState;

/// `GET /places`: the country.
pub async fn country(State(app): State<AppState>, page: Page) -> Result<Html<String>, WebError> {
    show(app, page, PlaceCode::Country).await
}

/// `GET /places/{code}`
pub async fn place(
    State(app): State<AppState>,
    page: Page,
    Path(code): Path<String>,
) -> Result<Html<String>, WebError> {
    let code: PlaceCode = code.parse().map_err(|_| WebError::NotFound)?;
    show(app, page, code).await
}

async fn show(app: AppState, page: Page, code: PlaceCode) -> Result<Html<String>, WebError> {
    let place = app.store.place(code).await?.ok_or(WebError::NotFound)?;
    let lineage: Vec<PlaceCode> = code.lineage().into_iter().skip(1).collect();
    let ancestors = app.store.places(&lineage).await?;
    let children = app.store.children(code).await?;
    let child_level = children.first().map(|c| c.level);
    let within = DirectoryFilter {
        within: Some(code),
        kind: None,
    };
    let page = page.with_title(String::new(), "places");
    let organisations = app
        .store
        .organisations(&within)
        .await?
        .into_iter()
        .map(|o| Item {
            href: format!("/organisations/{}", o.id),
            name: page.name(&Some(o.name_en), &o.name_ne),
            kind: page.t(&format!("org-kind-{}", o.kind.as_str())),
        })
        .collect();
    let reader = page.auth.user().map(|u| u.scope);
    let sites = app
        .store
        .sites(&within)
        .await?
        .into_iter()
        .filter(|s| s.visible_to(reader))
        .map(|s| Item {
            href: format!("/sites/{}", s.id),
            name: page.name(&Some(s.name_en), &s.name_ne),
            kind: page.t(&format!("site-kind-{}", s.kind.as_str())),
        })
        .collect();
    let title = page.place_name(&place);
    let page = page.with_title(title, "places");
    let html = PlacePage {
        p: &page,
        level_name: page.t(&level_id(place.level)),
        children_title: child_level
            .map(|l| page.t(&format!("place-children-{}", l.as_str())))
            .unwrap_or_default(),
        children_count: i64::try_from(children.len()).unwrap_or(0),
        show_type: child_level == Some(PlaceLevel::LocalLevel),
        ancestors,
        children,
        place,
        organisations,
        sites,
        query: String::new(),
    }
    .render_html();
    Ok(Html(html))
}

/// The query of `/places/search`.
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /places/search?q=…`
pub async fn search(
    State(app): State<AppState>,
    page: Page,
    Query(SearchQuery { q }): Query<SearchQuery>,
) -> Result<Html<String>, WebError> {
    let q: String = q.chars().take(100).collect();
    let found = app.store.search_places(&q, 50).await?;
    let page = page.with_title(String::new(), "places");
    // The districts and provinces the hits lie in, fetched in one query.
    let mut above: Vec<PlaceCode> = found
        .iter()
        .flat_map(|p| p.code.lineage().into_iter().skip(1))
        .filter(|c| *c != PlaceCode::Country)
        .collect();
    above.sort();
    above.dedup();
    let names: HashMap<PlaceCode, String> = app
        .store
        .places(&above)
        .await?
        .iter()
        .map(|p| (p.code, page.place_name(p)))
        .collect();
    let results = found.into_iter().map(|p| hit(&page, &names, p)).collect();
    let title = page.t1("places-search-title", "query", q.trim());
    let page = page.with_title(title, "places");
    Ok(Html(
        SearchPage {
            p: &page,
            query: q,
            results,
        }
        .render_html(),
    ))
}

fn hit(page: &Page, names: &HashMap<PlaceCode, String>, place: Place) -> SearchHit {
    let other_name = if page.is_ne() {
        place.name_en.clone()
    } else {
        place.name_ne.clone()
    }
    .unwrap_or_default();
    let kind = match place.local_level_type {
        Some(_) => page.ll_type(&place.local_level_type),
        None => page.t(&level_id(place.level)),
    };
    // "Banke, Lumbini Province": the district and province a local level lies in.
    let within: Vec<&str> = place
        .code
        .lineage()
        .iter()
        .skip(1)
        .filter_map(|a| names.get(a).map(String::as_str))
        .collect();
    SearchHit {
        within: within.join(", "),
        place,
        other_name,
        kind,
    }
}

fn level_id(level: PlaceLevel) -> String {
    format!("level-{}", level.as_str())
}
