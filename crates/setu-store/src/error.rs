//! The storage layer's one error type. The web layer maps it to HTTP in one place.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not one Setu understands.
    #[error("unsupported database URL: expected sqlite://PATH or postgres://…")]
    BadUrl,
    /// The data folder for the SQLite file cannot be created or written.
    #[error("cannot write to the data folder {path}: {reason}")]
    DataFolder {
        /// The folder.
        path: String,
        /// What the operating system said.
        reason: String,
    },
    /// The database server could not be reached or refused the connection.
    #[error("cannot connect to the database: {0}")]
    Unreachable(String),
    /// Applying migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// The record changed since the version the edit was based on.
    #[error("the record was changed by someone else (now at version {current})")]
    Conflict {
        /// The version now stored.
        current: i64,
    },
    /// A reference to another record (a place, an organisation) that does not exist.
    #[error("unknown {0}")]
    UnknownReference(&'static str),
    /// The input breaks a rule the store enforces (the Fluent message id says which).
    #[error("rejected: {0}")]
    Rejected(&'static str),
    /// Keys are missing, or a sealed value does not open.
    #[error("encryption: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
    /// Bundled reference data could not be read.
    #[error("bundled reference data is unreadable: {0}")]
    ReferenceData(String),
    /// More writes are waiting than the server can work off now, or a write kept meeting a
    /// lock held elsewhere: try again shortly (the web layer answers 503 with `Retry-After`).
    #[error("the database is busy; try again shortly")]
    Busy,
    /// A write's group failed to commit after its body ran; the body runs again (internal to
    /// [`crate::write`], never returned to callers).
    #[error("the write will be retried")]
    Transient,
    /// A write was started inside another write's body (a bug: it would wait for itself).
    #[error("a write was started inside another write")]
    NestedWrite,
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether the database could not be reached (as opposed to a bug or bad data).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Unreachable(_)
                | StoreError::Database(
                    sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
                )
        )
    }

    /// A description safe for logs: driver messages can quote the values of a row (which
    /// may be personal data), so database errors are reduced to their error code.
    pub fn log_safe(&self) -> String {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                format!("database error, code {}", db.code().unwrap_or_default())
            }
            StoreError::Database(e) => format!(
                "database error: {}",
                e.to_string().lines().next().unwrap_or_default()
            ),
            other => other.to_string(),
        }
    }
}
