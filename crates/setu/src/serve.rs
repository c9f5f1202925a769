//! `setu serve` and `setu migrate`.

use anyhow::{Context, Result};
use setu_store::{ConnectOptions, Store};

use crate::config::{Config, ServeArgs};

/// The SQLite file `setu serve` uses when no database URL is given.
pub const DB_FILE: &str = "setu.db";

/// Opens and migrates the configured database.
pub async fn open_store(config: &Config, default_file: &str) -> Result<Store> {
    let url = config.database_url(default_file);
    Ok(Store::open(&ConnectOptions::new(url)).await?)
}

/// `setu serve`
pub async fn serve(args: ServeArgs) -> Result<()> {
    let config = Config::load(&args)?;
    let store = open_store(&config, DB_FILE).await?;
    run_server(&config, store).await
}

/// `setu migrate`
pub async fn migrate(args: ServeArgs) -> Result<()> {
    let config = Config::load(&args)?;
    let store = open_store(&config, DB_FILE).await?;
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
    let app = setu_web::App::new(store.clone())?;
    tracing::info!(engine = ?store.engine(), "Setu is serving on http://{addr}/");
    println!("Setu is serving on http://{addr}/ (Ctrl-C to stop)");
    setu_web::serve(listener, app, shutdown_signal()).await?;
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
