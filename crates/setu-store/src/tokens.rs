//! API tokens: what a booth phone or a dashboard uses instead of a session. A user mints their
//! own (an administrator cannot mint one for someone else and then read as them), may narrow
//! it to some of their capabilities (a phone's token syncs and does nothing else), and sees
//! and revokes their tokens; administrators see and revoke anyone's. A token works for
//! [`API_TOKEN_DAYS`] and ends with its user's password, role, scope or account
//! (`auth::revoke_access`). Requests through a token are audited as `token:ID`.

use serde::Serialize;
use setu_core::access::Capability;
use sqlx::Row;

use crate::audit::{Actor, Event};
use crate::auth::{hash_secret, random_token, User};
use crate::write::audited;
use crate::{now_text, time_text, Result, Store, StoreError};

/// How long an API token works after it was made, in days (a booth phone's token is made
/// again each season rather than living for ever).
pub const API_TOKEN_DAYS: i64 = 90;

/// The longest label a token may carry.
pub const LABEL_MAX: usize = 80;

/// A token as its owner and administrators see it (never the secret).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    /// Id (UUID), as the audit trail names it.
    pub id: String,
    /// Its owner's label ("booth phone 2").
    pub label: String,
    /// Made, UTC.
    pub created_at: String,
    /// When it stops working, UTC.
    pub expires_at: String,
    /// Revoked, UTC.
    pub revoked_at: Option<String>,
    /// What it may do; `None`: everything its user's role allows.
    pub capabilities: Option<Vec<Capability>>,
}

impl ApiToken {
    /// Whether it still works (not revoked, not expired).
    pub fn live(&self) -> bool {
        self.revoked_at.is_none() && self.expires_at > now_text()
    }
}

/// What a new token should be.
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    /// A label for its owner.
    pub label: String,
    /// The capabilities to keep; `None`: all of the role's.
    pub capabilities: Option<Vec<Capability>>,
}

fn caps_text(caps: &[Capability]) -> String {
    caps.iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn caps_from(text: Option<String>) -> Result<Option<Vec<Capability>>> {
    text.map(|t| {
        t.split(',')
            .filter(|c| !c.is_empty())
            .map(|c| {
                Capability::parse(c)
                    .ok_or_else(|| StoreError::ReferenceData("unknown capability".into()))
            })
            .collect()
    })
    .transpose()
}

fn expiry(created_at: &str) -> String {
    time::OffsetDateTime::parse(created_at, &time::format_description::well_known::Rfc3339)
        .map(|t| time_text(t + time::Duration::days(API_TOKEN_DAYS)))
        .unwrap_or_default()
}

impl Store {
    /// Makes a new API token for `user_id`; returns the secret (shown once). Only the user
    /// themself may mint one (or an operator at the command line, `by` a system actor): an
    /// administrator who minted a token for a coordinator could read as that coordinator.
    pub async fn create_api_token(
        &self,
        by: &Actor,
        user_id: &str,
        new: &NewToken,
    ) -> Result<String> {
        if by.id.as_deref().is_some_and(|id| id != user_id) {
            return Err(StoreError::Rejected("error-token-own-only"));
        }
        let user = self.user(user_id).await?;
        if user.disabled {
            return Err(StoreError::Rejected("error-user-disabled"));
        }
        let label = new.label.trim();
        if label.chars().count() > LABEL_MAX {
            return Err(StoreError::Rejected("error-too-long"));
        }
        if let Some(caps) = &new.capabilities {
            if caps.is_empty() || caps.iter().any(|c| !user.role.has(*c)) {
                return Err(StoreError::Rejected("error-token-capabilities"));
            }
        }
        let token = format!("setu_{}", random_token());
        let id = uuid::Uuid::new_v4().to_string();
        let caps = new.capabilities.as_deref().map(caps_text);
        let (token, id, caps, user) = (&token, &id, &caps, &user);
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO api_token (id, user_id, token_hash, created_at, label, capabilities) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.clone())
                .bind(user_id.to_string())
                .bind(hash_secret(token))
                .bind(now_text())
                .bind(label.to_string())
                .bind(caps.clone())
                .execute(&mut **tx)
                .await?;
                let detail = format!(
                    "user={}; capabilities={}",
                    user.username,
                    caps.as_deref().unwrap_or("all of the role's")
                );
                audited((), Event::new("create", "api-token", id).detail(detail))
            })
        })
        .await?;
        Ok(token.clone())
    }

    /// Revokes a token. With `owner`, only a token of that user (their own account page); an
    /// administrator passes `None`. Anything else is [`StoreError::NotFound`].
    pub async fn revoke_api_token(&self, by: &Actor, id: &str, owner: Option<&str>) -> Result<()> {
        self.record(by, |tx, _| {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE api_token SET revoked_at = $1 \
                     WHERE id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR user_id = $3)",
                )
                .bind(now_text())
                .bind(id.to_string())
                .bind(owner.map(str::to_string))
                .execute(&mut **tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                audited((), Event::new("revoke", "api-token", id))
            })
        })
        .await?;
        Ok(())
    }

    /// The user an API token belongs to, if the token is live (not revoked, younger than
    /// [`API_TOKEN_DAYS`]) and the user enabled; narrowed to the token's capabilities and
    /// named, for the audit trail, by the token.
    pub async fn api_token_user(&self, token: &str) -> Result<Option<User>> {
        let since =
            time_text(time::OffsetDateTime::now_utc() - time::Duration::days(API_TOKEN_DAYS));
        let row = sqlx::query(
            "SELECT t.id, t.user_id, t.capabilities FROM api_token t \
             JOIN app_user u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0 \
             AND t.created_at >= $2",
        )
        .bind(hash_secret(token))
        .bind(since)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut user = self.user(&row.try_get::<String, _>("user_id")?).await?;
        user.via = Some(format!("token:{}", row.try_get::<String, _>("id")?));
        user.limit = caps_from(row.try_get("capabilities")?)?;
        Ok(Some(user))
    }

    /// A user's API tokens, oldest first.
    pub async fn api_tokens(&self, user_id: &str) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, label, created_at, revoked_at, capabilities FROM api_token \
             WHERE user_id = $1 ORDER BY created_at",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let created_at: String = r.try_get("created_at")?;
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    label: r.try_get("label")?,
                    expires_at: expiry(&created_at),
                    created_at,
                    revoked_at: r.try_get("revoked_at")?,
                    capabilities: caps_from(r.try_get("capabilities")?)?,
                })
            })
            .collect()
    }
}
