//! The home page: what Setu is, today's date in Bikram Sambat, and the size of what it holds.

use axum::extract::State;
use axum::response::Html;
use setu_core::calendar::iso;
use setu_core::FiscalYear;
use setu_store::directory::DirectoryFilter;

use crate::error::WebError;
use crate::page::Page;
use crate::templates::{Home, RenderHtml};
use crate::AppState;

/// `GET /`
pub async fn home(State(app): State<AppState>, page: Page) -> Result<Html<String>, WebError> {
    let page = page.titled("home-title", "home");
    let today = time::OffsetDateTime::now_utc().date();
    let counts = app.store.place_counts().await?;
    let all = DirectoryFilter::default();
    let organisations = i64::try_from(app.store.organisations(&all).await?.len()).unwrap_or(0);
    let sites = i64::try_from(app.store.sites(&all).await?.len()).unwrap_or(0);
    let fiscal_year = FiscalYear::containing(today)
        .map(|fy| fy.label(page.prefs.digits))
        .unwrap_or_default();
    Ok(Html(
        Home {
            p: &page,
            today: iso(today),
            fiscal_year,
            counts,
            organisations,
            sites,
            query: String::new(),
        }
        .render_html(),
    ))
}
