//! Opening the database: choosing the engine from the URL, preparing the SQLite file and
//! its settings, and giving one-line errors for the usual mistakes.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

use crate::crypto::Keyring;
use crate::{Result, Store, StoreError};

/// The two database engines Setu runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A single file, for a municipality on a small machine.
    Sqlite,
    /// A server, for a national deployment with several application servers.
    Postgres,
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `sqlite://PATH` or `postgres://…`.
    pub url: String,
    /// Most connections the pool keeps open.
    pub max_connections: u32,
    /// How long to keep trying to reach the database before giving up.
    pub connect_timeout: Duration,
    /// The keys personal data is sealed with. Defaults to keys held only in memory (for
    /// tests); `setu` always passes the key file's.
    pub keys: Arc<Keyring>,
}

impl ConnectOptions {
    /// Options for a URL with default pool size.
    pub fn new(url: impl Into<String>) -> ConnectOptions {
        ConnectOptions {
            url: url.into(),
            max_connections: 8,
            connect_timeout: Duration::from_secs(10),
            keys: Arc::new(Keyring::ephemeral()),
        }
    }

    /// The SQLite URL of a database file `PATH` (created if missing).
    pub fn sqlite_file(path: &Path) -> ConnectOptions {
        ConnectOptions::new(format!("sqlite://{}", path.display()))
    }
}

impl Engine {
    /// The engine a URL names.
    pub fn of_url(url: &str) -> Result<Engine> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::BadUrl)
        }
    }
}

/// SQLite settings applied to every connection: write-ahead log so readers never block the
/// writer, `synchronous = FULL` so that a write acknowledged to a user survives a power cut
/// as well as a crash, foreign keys enforced, and a busy timeout so that a write waits for
/// another process's (`setu rekey`, a second server) instead of failing. A page cache of 32 MB
/// per connection (SQLite's default is 2 MB): records have random ids and keyed-hash indexes,
/// so inserts land all over the B-trees, and once a register outgrows 2 MB each one read
/// its pages from the operating system again (docs/benchmarks.md).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -32768;";

/// Readers may not write: every write goes through the one writer ([`crate::write`]), and a
/// write that tried another way fails at once, in tests, rather than under load.
const SQLITE_READ_ONLY: &str = "PRAGMA query_only = ON;";
const POSTGRES_READ_ONLY: &str = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";

/// Connections the writer's pool keeps: one held by the writer, one for migrations at start
/// and for backups.
const WRITER_CONNECTIONS: u32 = 2;

impl Store {
    /// Opens (and for SQLite creates) the database, without migrating it.
    pub async fn connect(opts: &ConnectOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of_url(&opts.url)?;
        let mut url = opts.url.clone();
        if engine == Engine::Sqlite {
            let path = sqlite_path(&url)?;
            prepare_data_folder(&path)?;
            if !path.exists() {
                create_private_file(&path)?;
            }
            make_private(&path)?;
            url = format!("sqlite://{}?mode=rwc", path.display());
        }
        let connect_opts = AnyConnectOptions::from_str(&url).map_err(|_| StoreError::BadUrl)?;
        // One direct attempt first: the pool would only report "timed out", while the
        // driver says why (connection refused, no such database, authentication failed).
        let probe = tokio::time::timeout(
            opts.connect_timeout,
            AnyConnection::connect_with(&connect_opts),
        )
        .await
        .map_err(|_| StoreError::Unreachable("timed out".into()))?
        .map_err(|e| StoreError::Unreachable(one_line(&e)))?;
        let _ = probe.close().await;
        let pool = pool(&connect_opts, engine, opts, opts.max_connections, true).await?;
        let writer = pool_for_writes(&connect_opts, engine, opts).await?;
        Ok(Store {
            pool,
            gate: Arc::new(crate::write::Gate::new(writer, engine)),
            engine,
            keys: Arc::clone(&opts.keys),
            learning: Arc::default(),
            jobs: Arc::default(),
            homes: Arc::default(),
        })
    }

    /// Opens the database and brings its schema and reference data up to date.
    pub async fn open(opts: &ConnectOptions) -> Result<Store> {
        let store = Store::connect(opts).await?;
        store.migrate().await?;
        store.check_keys().await?;
        // Only once the keys are known to be this database's: the head's MAC is made with them.
        store.seal_audit_head().await?;
        Ok(store)
    }
}

/// A pool of connections with Setu's settings; `read_only` for the readers.
async fn pool(
    connect_opts: &AnyConnectOptions,
    engine: Engine,
    opts: &ConnectOptions,
    size: u32,
    read_only: bool,
) -> Result<AnyPool> {
    AnyPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(opts.connect_timeout)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                match engine {
                    Engine::Sqlite => {
                        conn.execute(SQLITE_PRAGMAS).await?;
                        if read_only {
                            conn.execute(SQLITE_READ_ONLY).await?;
                        }
                    }
                    Engine::Postgres if read_only => {
                        conn.execute(POSTGRES_READ_ONLY).await?;
                    }
                    Engine::Postgres => {}
                }
                Ok(())
            })
        })
        .connect_with(connect_opts.clone())
        .await
        .map_err(|e| StoreError::Unreachable(one_line(&e)))
}

async fn pool_for_writes(
    connect_opts: &AnyConnectOptions,
    engine: Engine,
    opts: &ConnectOptions,
) -> Result<AnyPool> {
    pool(connect_opts, engine, opts, WRITER_CONNECTIONS, false).await
}

/// Creates `path` empty and readable by its owner only (0600), failing if it exists. The
/// database, its write-ahead log and shared-memory files (SQLite gives them the database
/// file's mode) and backups are made this way, like the key file.
pub(crate) fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|e| StoreError::DataFolder {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// Makes an existing database and its companion files readable by their owner only (a
/// database created by an earlier version kept the process's default mode).
fn make_private(db: &Path) -> Result<()> {
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(
                |e| StoreError::DataFolder {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                },
            )?;
        }
    }
    Ok(())
}

fn sqlite_path(url: &str) -> Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or(StoreError::BadUrl)?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::BadUrl);
    }
    Ok(PathBuf::from(path))
}

/// Creates the folder that will hold the database file and proves it writable, so that a
/// read-only folder is reported as such rather than as SQLite's "unable to open database file".
fn prepare_data_folder(db: &Path) -> Result<()> {
    let folder = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |e: std::io::Error| StoreError::DataFolder {
        path: folder.display().to_string(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(&folder).map_err(fail)?;
    let probe = folder.join(".setu-write-test");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)?;
    Ok(())
}

/// The first line of an error's text, without the driver's nested detail.
fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}
