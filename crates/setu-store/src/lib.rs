//! Setu's database: one code path over SQLite (a single file, the default) and PostgreSQL
//! (a national deployment with several application servers).
//!
//! Queries are written once, in portable SQL through sqlx's `Any` driver: `$1` placeholders,
//! `RETURNING`, `ON CONFLICT`, times as ISO-8601 text, booleans as integers. Only the DDL
//! differs per engine (`migrations/sqlite`, `migrations/postgres`). SQL lives in this crate
//! and nowhere else.

pub mod approvals;
pub mod assessments;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod booths;
pub mod case_figures;
pub mod case_referrals;
pub mod cases;
pub mod committees;
mod connect;
pub mod contacts;
mod counts;
pub mod crypto;
pub mod directory;
mod error;
pub mod experience;
pub mod figures;
pub mod followups;
pub mod forum;
pub mod geo;
pub mod glass;
pub mod handovers;
pub mod htcds;
pub mod jobs;
pub mod justice;
mod matcher;
pub mod matching;
mod migrate;
pub mod offline;
pub mod paging;
pub mod parents;
pub mod plans;
pub mod records;
mod rekey;
pub mod releases;
pub mod scope;
pub mod sealing;
pub mod second_factor;
pub mod services;
pub mod tokens;
pub mod tracing;
pub mod wards;
mod write;
pub mod youth;

use std::sync::Arc;

use sqlx::AnyPool;

use crate::crypto::Keyring;

pub use connect::{ConnectOptions, Engine};
pub use error::StoreError;
pub use migrate::latest_schema_version;
pub use write::WriteStats;

/// A handle on the database, cheap to clone (it wraps a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    /// Connections that read (opened read-only: every write goes through `gate`).
    pool: AnyPool,
    /// The one writer ([`write`]).
    gate: Arc<write::Gate>,
    engine: Engine,
    keys: Arc<Keyring>,
    /// How the register re-learns its matching model (see [`matching`]).
    learning: Arc<matcher::Learning>,
    /// Durable jobs and this server's worker ([`jobs`]).
    jobs: Arc<jobs::Jobs>,
    /// Place names the matcher has read.
    homes: Arc<tracing::HomeNames>,
}

/// Shorthand for results of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl Store {
    /// Which database engine this store talks to.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The keys personal data is sealed with.
    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Runs one raw SQL statement. For tests that play an intruder with database access
    /// (tampering with the audit trail); nothing in Setu calls it.
    #[doc(hidden)]
    pub async fn raw_execute_for_tests(&self, sql: &str) -> Result<()> {
        self.write(|tx, _| {
            Box::pin(async move {
                sqlx::query(sql).execute(&mut **tx).await?;
                Ok(())
            })
        })
        .await
    }

    /// The first row of `sql`, every column read as text (tests that play an intruder).
    #[doc(hidden)]
    pub async fn raw_query_for_tests(&self, sql: &str) -> Result<Vec<String>> {
        use sqlx::Row;
        let row = sqlx::query(sql).fetch_one(&self.pool).await?;
        (0..row.columns().len())
            .map(|i| {
                row.try_get::<String, _>(i)
                    .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                    .map_err(StoreError::from)
            })
            .collect()
    }

    /// Writes a consistent copy of a SQLite database to `path` (which must not exist) while
    /// the server keeps running. Personal data stays sealed in the copy; keep the key file
    /// apart from it. PostgreSQL deployments use the server's own tools (pg_dump, streaming
    /// replication) instead.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        if self.engine != Engine::Sqlite {
            return Err(StoreError::Rejected("backup-postgres"));
        }
        if path.exists() {
            return Err(StoreError::Rejected("backup-exists"));
        }
        connect::create_private_file(path)?;
        let target = path.to_string_lossy().replace('\'', "''");
        // A connection of its own: the readers are read-only and the writer must stay free.
        let mut conn = self.gate.pool.acquire().await?;
        let copied = sqlx::query(&format!("VACUUM INTO '{target}'"))
            .execute(&mut *conn)
            .await;
        if copied.is_err() {
            let _ = std::fs::remove_file(path);
        }
        copied?;
        Ok(())
    }

    /// Closes every connection, waiting for queries under way to finish.
    pub async fn close(&self) {
        self.close_writer().await;
        self.pool.close().await;
    }
}

/// The current time as stored: UTC, ISO-8601 with seconds (`2025-07-17T08:30:00Z`).
pub(crate) fn now_text() -> String {
    time_text(time::OffsetDateTime::now_utc())
}

/// A time as stored. Stored times compare correctly as text.
impl Store {
    /// Whole seconds from one stored UTC time (`…T…Z` text) to another, columns or expressions,
    /// in this engine's SQL; divided by 60 or 3600 it gives whole minutes or hours cut toward
    /// zero, as [`time::Duration::whole_minutes`] does.
    pub(crate) fn seconds_between_sql(&self, from: &str, to: &str) -> String {
        match self.engine {
            Engine::Sqlite => format!(
                "(CAST(strftime('%s', {to}) AS INTEGER) - CAST(strftime('%s', {from}) AS INTEGER))"
            ),
            Engine::Postgres => format!(
                "CAST(EXTRACT(EPOCH FROM (CAST({to} AS timestamptz) - CAST({from} AS timestamptz))) AS BIGINT)"
            ),
        }
    }

    /// Days from one stored day (`YYYY-MM-DD` text) to another, in this engine's SQL.
    pub(crate) fn days_between_sql(&self, from: &str, to: &str) -> String {
        match self.engine {
            Engine::Sqlite => format!("CAST(julianday({to}) - julianday({from}) AS INTEGER)"),
            Engine::Postgres => format!("(CAST({to} AS date) - CAST({from} AS date))"),
        }
    }
}

pub(crate) fn time_text(t: time::OffsetDateTime) -> String {
    let now = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}
