//! Browsing the geography (country → province → district → local level → ward) and
//! finding a place by name in either script.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::Json;
use serde::{Deserialize, Serialize};
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

/// What a place picker may choose (`/places/suggest?pick=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// A ward (a group's ward, a person's home).
    Ward,
    /// A ward or a whole local level (where a person was met).
    WardOrLocalLevel,
    /// A local level or a district (a committee's area).
    Committee,
    /// A province, district or local level (a filter).
    Area,
    /// Any place but the country (an alert's area, a hand-over's place).
    Any,
    /// Any place, the country too (a role's scope; a site or organisation is typed as such).
    Scope,
}

impl Pick {
    fn read(s: &str) -> Pick {
        match s {
            "ward" => Pick::Ward,
            "ward-or-local-level" => Pick::WardOrLocalLevel,
            "committee" => Pick::Committee,
            "any" => Pick::Any,
            "scope" => Pick::Scope,
            _ => Pick::Area,
        }
    }

    fn takes(self, level: PlaceLevel) -> bool {
        use PlaceLevel as L;
        match self {
            Pick::Ward => level == L::Ward,
            Pick::WardOrLocalLevel => matches!(level, L::Ward | L::LocalLevel),
            Pick::Committee => matches!(level, L::LocalLevel | L::District),
            Pick::Area => matches!(level, L::Province | L::District | L::LocalLevel),
            Pick::Any => level != L::Country,
            Pick::Scope => true,
        }
    }
}

/// The query of `/places/suggest`: what was typed, or the code a filled field holds.
#[derive(Debug, Deserialize)]
pub struct SuggestQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    pick: String,
    #[serde(default)]
    code: String,
}

/// One place a picker offers: its code (what the form sends), its name as the reader reads
/// it, and where it lies.
#[derive(Debug, Serialize)]
pub struct Suggestion {
    code: String,
    label: String,
    context: String,
}

/// How many places a picker lists at once.
const SUGGESTIONS: usize = 20;

/// `GET /places/suggest?pick=ward&q=nepalganj 4`: the places a picker offers for what was
/// typed, in either script and the usual spellings (`/places/search`'s search), a ward as its
/// local level's name and the ward's number. `?code=` names the place a filled field holds.
pub async fn suggest(
    State(app): State<AppState>,
    page: Page,
    Query(query): Query<SuggestQuery>,
) -> Result<Json<Vec<Suggestion>>, WebError> {
    let Some(places) = page.places.clone() else {
        return Ok(Json(Vec::new()));
    };
    let pick = Pick::read(&query.pick);
    let offer = |p: &Place| suggestion(&page, &places, p);
    if !query.code.is_empty() {
        let found = places.get(query.code.trim()).map(offer);
        return Ok(Json(found.into_iter().collect()));
    }
    let typed: String = query.q.chars().take(100).collect();
    let typed = setu_core::numbers::to_ascii_digits(typed.trim());
    if let Some(p) = typed
        .parse::<PlaceCode>()
        .ok()
        .and_then(|c| places.get(&c.to_string()))
    {
        let found = pick.takes(p.level).then(|| offer(p));
        return Ok(Json(found.into_iter().collect()));
    }
    let (words, number) = ward_number(&typed);
    if words.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let mut out = Vec::new();
    for hit in app.store.search_places(&words, 12).await? {
        for p in offered(&places, pick, &hit, number) {
            if out.len() < SUGGESTIONS {
                out.push(offer(p));
            }
        }
    }
    Ok(Json(out))
}

/// The places a search hit stands for in a picker: itself, or its wards (the one numbered, or
/// all of them when no number was typed).
fn offered<'a>(
    places: &'a crate::Gazetteer,
    pick: Pick,
    hit: &'a Place,
    number: Option<u8>,
) -> Vec<&'a Place> {
    let mut out = Vec::new();
    let a_ward_was_meant = number.is_some() && pick.takes(PlaceLevel::Ward);
    if pick.takes(hit.level) && !(a_ward_was_meant && hit.level == PlaceLevel::LocalLevel) {
        out.extend(places.get(&hit.code.to_string()));
    }
    if let (PlaceCode::LocalLevel(local_level), true) = (hit.code, pick.takes(PlaceLevel::Ward)) {
        let wards = hit.ward_count.unwrap_or(0).clamp(0, 99) as u8;
        let numbers: Vec<u8> = match number {
            Some(n) => vec![n],
            None => (1..=wards).collect(),
        };
        for ward in numbers {
            let code = PlaceCode::Ward { local_level, ward }.to_string();
            out.extend(places.get(&code));
        }
    }
    out
}

/// Splits "Nepalganj ward 4", "नेपालगञ्ज-४" or "Nepalganj 4" into the name and the ward number.
fn ward_number(typed: &str) -> (String, Option<u8>) {
    const WARD_WORDS: [&str; 7] = ["ward", "wd", "wada", "no", "वडा", "वार्ड", "नं"];
    let mut words: Vec<&str> = typed
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | ',' | '.'))
        .filter(|w| !w.is_empty())
        .collect();
    let number = match words.last().map(|w| w.parse::<u8>()) {
        Some(Ok(n)) if n > 0 => {
            words.pop();
            Some(n)
        }
        _ => None,
    };
    words.retain(|w| !WARD_WORDS.contains(&w.to_lowercase().as_str()));
    (words.join(" "), number)
}

fn suggestion(page: &Page, places: &crate::Gazetteer, p: &Place) -> Suggestion {
    let name_of = |c: &PlaceCode| places.get(&c.to_string()).map(|a| page.place_name(a));
    let kind = match p.level {
        PlaceLevel::Ward => None,
        PlaceLevel::LocalLevel => Some(page.ll_type(&p.local_level_type)),
        level => Some(page.t(&level_id(level))),
    };
    // "Sub-metropolitan city · Banke, Lumbini": what it is and the district and province
    // it lies in (a ward's municipality is in its label already).
    let skip = if p.level == PlaceLevel::Ward { 2 } else { 1 };
    let within: Vec<String> = p
        .code
        .lineage()
        .iter()
        .skip(skip)
        .filter(|c| **c != PlaceCode::Country)
        .filter_map(name_of)
        .collect();
    let context = kind
        .into_iter()
        .chain((!within.is_empty()).then(|| within.join(", ")))
        .collect::<Vec<_>>()
        .join(" · ");
    Suggestion {
        code: p.code.to_string(),
        label: page.place(&p.code.to_string()),
        context,
    }
}
