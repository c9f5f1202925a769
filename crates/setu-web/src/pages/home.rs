//! The home page: what Setu is, today's date in Bikram Sambat, and the size of what it holds.

use axum::extract::State;
use axum::response::Html;
use setu_core::calendar::iso;
use setu_core::FiscalYear;

use crate::error::WebError;
use crate::page::Page;
use crate::templates::{Home, RenderHtml};
use crate::AppState;

/// `GET /`
pub async fn home(State(app): State<AppState>, page: Page) -> Result<Html<String>, WebError> {
    let page = page.titled("home-title", "home");
    let today = setu_core::calendar::today_in_nepal();
    let counts = app.store.place_counts().await?;
    let (organisations, sites) = app.store.directory_counts().await?;
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
