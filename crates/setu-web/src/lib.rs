//! Setu's HTTP face: bilingual server-rendered pages, the JSON API, security headers and
//! error pages. SQL stays in `setu-store`; rules stay in `setu-core`.

pub mod api;
mod assets;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod input;
mod menu;
pub mod page;
pub mod pages;
pub mod resume;
pub mod routes;
mod templates;
mod upload;

use std::future::Future;
use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use setu_core::numbers::NumberFormat;
use setu_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

use crate::error::WebError;
use crate::i18n::I18n;

/// How the web layer behaves.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Session time-outs and login throttling.
    pub auth: setu_store::auth::AuthPolicy,
    /// Served over HTTPS (directly or by a proxy): cookies get `Secure`, responses HSTS.
    pub behind_tls: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed. Behind a proxy every request comes
    /// from the proxy's address, so without this all users share one address for throttling;
    /// from any other peer the header is ignored (a client could write anything in it).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// What every request handler shares.
#[derive(Debug)]
pub struct App {
    /// The database.
    pub store: Store,
    /// Interface text.
    pub i18n: I18n,
    /// Number formatting.
    pub numbers: NumberFormat,
    /// Behaviour.
    pub config: WebConfig,
    /// Every place by code, to show places by name ([`App::gazetteer`]).
    gazetteer: std::sync::RwLock<Option<(std::time::Instant, Arc<Gazetteer>)>>,
    /// Held by the one request that reloads the gazetteer, so that when it expires under load
    /// one request reads the places again, not every request at once.
    gazetteer_reload: tokio::sync::Mutex<()>,
}

/// Every place by its code: what pages need to name a ward, a local level or a district.
pub type Gazetteer = std::collections::HashMap<String, setu_store::geo::Place>;

/// How long the index of place names is kept before it is read again (a correction of the
/// reference geography shows within this time).
const GAZETTEER_FOR: std::time::Duration = std::time::Duration::from_secs(600);

/// The shared application state handed to handlers.
pub type AppState = Arc<App>;

/// A failure while building the application (bundled text or data unreadable).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(String);

impl App {
    /// Builds the application around an open, migrated store, with default behaviour.
    pub fn new(store: Store) -> Result<AppState, StartError> {
        App::with_config(store, WebConfig::default())
    }

    /// Builds the application with `config`.
    pub fn with_config(store: Store, config: WebConfig) -> Result<AppState, StartError> {
        Ok(Arc::new(App {
            store,
            i18n: I18n::new().map_err(|e| StartError(e.to_string()))?,
            numbers: NumberFormat::new().map_err(|e| StartError(e.to_string()))?,
            config,
            gazetteer: std::sync::RwLock::new(None),
            gazetteer_reload: tokio::sync::Mutex::new(()),
        }))
    }

    /// Every place by code, read once and kept for ten minutes. `None` when it cannot be read
    /// (pages then show codes rather than fail). When the copy expires, one request reads the
    /// places again while the others go on with the old copy.
    pub async fn gazetteer(&self) -> Option<Arc<Gazetteer>> {
        let kept = self.kept_gazetteer();
        if let Some((at, g)) = &kept {
            if at.elapsed() < GAZETTEER_FOR {
                return Some(Arc::clone(g));
            }
        }
        let _reloading = match (self.gazetteer_reload.try_lock(), &kept) {
            (Ok(guard), _) => guard,
            // Another request is reading the places: the old copy serves meanwhile.
            (Err(_), Some((_, g))) => return Some(Arc::clone(g)),
            // The first read of all: wait for it rather than read them twice.
            (Err(_), None) => {
                let guard = self.gazetteer_reload.lock().await;
                if let Some((_, g)) = self.kept_gazetteer() {
                    return Some(g);
                }
                guard
            }
        };
        match self.store.all_places().await {
            Ok(places) => {
                let g: Arc<Gazetteer> = Arc::new(
                    places
                        .into_iter()
                        .map(|p| (p.code.to_string(), p))
                        .collect(),
                );
                if let Ok(mut slot) = self.gazetteer.write() {
                    *slot = Some((std::time::Instant::now(), Arc::clone(&g)));
                }
                Some(g)
            }
            Err(e) => {
                tracing::warn!(error = %e.log_safe(), "the place names could not be read");
                kept.map(|(_, g)| g)
            }
        }
    }

    fn kept_gazetteer(&self) -> Option<(std::time::Instant, Arc<Gazetteer>)> {
        self.gazetteer.read().ok().and_then(|g| g.clone())
    }
}

/// Every route of Setu, with the layers every response goes through.
pub fn router(app: AppState) -> Router {
    with_layers(routes(), app)
}

/// The routes alone, before state and layers: every entry of [`routes::table`], each behind
/// the access its line names ([`routes::guard`]).
fn routes() -> Router<AppState> {
    routes::table()
        .into_iter()
        .fold(Router::new(), |r, (spec, handler)| {
            r.route(spec.path, routes::guard(spec.access, handler))
        })
        .fallback(not_found)
}

/// Wraps `routes` in the layers every response goes through (outermost last): panics become
/// 500s, input with control characters is refused before sign-in reads it, errors become pages in the reader's language or JSON, security headers, compression,
/// and an access log that names the route, never the path (paths carry record ids).
pub fn with_layers(routes: Router<AppState>, app: AppState) -> Router {
    routes
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            auth::authenticate,
        ))
        .layer(middleware::from_fn(input::refuse_control_characters))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            error::localize_errors,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            security_headers,
        ))
        .layer(middleware::from_fn(access_log))
        .layer(CompressionLayer::new())
        .with_state(app)
}

/// Serves until `shutdown` completes, then finishes the requests under way.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = router(app).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// `GET /healthz`: the process is alive.
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers.
pub(crate) async fn readyz(State(app): State<AppState>) -> Result<&'static str, WebError> {
    app.store.ping().await.map_err(|_| WebError::Unavailable)?;
    Ok("ready")
}

/// One log line per request: method, route pattern, status and time taken.
async fn access_log(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".into());
    let resp = next.run(req).await;
    tracing::info!(
        target: "setu::access",
        %method,
        route,
        status = resp.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
    );
    resp
}

/// Headers on every response: no inline script or style, no framing, no MIME sniffing, no
/// referrer leaving the site (URLs may name records).
async fn security_headers(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await.into_response();
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if app.config.behind_tls {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    resp
}
