//! `setu serve` and `setu migrate`.

use std::sync::Arc;

use anyhow::{Context, Result};
use setu_store::{ConnectOptions, Store};

use crate::config::{Config, ServeArgs};

/// The SQLite file `setu serve` uses when no database URL is given.
pub const DB_FILE: &str = "setu.db";
/// The key file beside it.
pub const KEY_FILE: &str = "setu.keys";

/// Opens and migrates the configured database (`default_file` and `key_file` name the SQLite
/// file and key file in the data folder when none is configured).
pub async fn open_store(config: &Config, default_file: &str, key_file: &str) -> Result<Store> {
    let mut opts = ConnectOptions::new(config.database_url(default_file));
    opts.keys = Arc::new(config.keys(key_file)?);
    Ok(Store::open(&opts).await?)
}

/// `setu serve`
pub async fn serve(args: ServeArgs) -> Result<()> {
    let config = Config::load(&args)?;
    let store = open_store(&config, DB_FILE, KEY_FILE).await?;
    run_server(&config, store).await
}

/// `setu migrate`
pub async fn migrate(args: ServeArgs) -> Result<()> {
    let config = Config::load(&args)?;
    let store = open_store(&config, DB_FILE, KEY_FILE).await?;
    let version = store.schema_version().await?;
    store.close().await;
    println!("database is at schema version {version}");
    Ok(())
}

/// Listens on the configured address and serves `store` until Ctrl-C or SIGTERM.
pub async fn run_server(config: &Config, store: Store) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let auth = setu_store::auth::AuthPolicy {
        idle: time::Duration::minutes(config.session_idle_minutes),
        absolute: time::Duration::hours(config.session_max_hours),
        require_second_factor: config.require_second_factor,
        ..Default::default()
    };
    let web = setu_web::WebConfig {
        behind_tls: config.behind_tls,
        auth,
        trusted_proxies: config.trusted_proxies.clone(),
    };
    // Matching and re-learning run as jobs: a save answers once it is committed.
    let worker = store.start_worker();
    let app = setu_web::App::with_config(store.clone(), web)?;
    tracing::info!(engine = ?store.engine(), "Setu is serving on http://{addr}/");
    // No default credentials: the first start offers a one-time link for the first administrator.
    if let Some(token) = store.first_run_setup_token().await? {
        println!("No administrator yet. Create one at http://{addr}/setup?token={token} (this link works once).");
    }
    println!("Setu is serving on http://{addr}/ (Ctrl-C to stop)");
    setu_web::serve(listener, app, shutdown_signal()).await?;
    // The worker finishes the batch it is on (a job cut short runs again at the next start).
    store.stop_worker();
    if tokio::time::timeout(std::time::Duration::from_secs(10), worker)
        .await
        .is_err()
    {
        tracing::warn!("the job worker did not stop in time; its jobs will run at the next start");
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests under way");
}
