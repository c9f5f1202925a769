//! Break-the-glass: reading one record outside one's scope in an emergency, with a reason
//! (sealed: it may name people), for a short time, a few times a day, reviewed afterwards.

use serde::Serialize;
use setu_core::access::Scope;
use setu_core::PlaceCode;
use sqlx::Row;

use crate::audit::{append, Actor, Event};
use crate::rekey::UNVERSIONED;
use crate::scope::scope_condition;
use crate::{now_text, time_text, Result, Store, StoreError};

/// Break-the-glass grants one user may take in 24 hours; beyond it, a coordinator with the
/// scope (or a change of role) is the way.
pub const GLASS_PER_DAY: i64 = 5;

impl Store {
    /// Records a break-the-glass access: `user` may read `entity` `entity_id` (at `place`)
    /// for `minutes`, because of `reason` (sealed: it may name people). At most
    /// [`GLASS_PER_DAY`] a day per user: an emergency is rare, and a habit is a leak.
    pub async fn grant_glass(
        &self,
        user: &Actor,
        entity: &str,
        entity_id: &str,
        place: PlaceCode,
        reason: &str,
        minutes: i64,
    ) -> Result<String> {
        let user_id = user
            .id
            .clone()
            .ok_or(StoreError::Rejected("error-required"))?;
        if reason.trim().chars().count() < 10 {
            return Err(StoreError::Rejected("error-reason-short"));
        }
        if reason.trim().chars().count() > 2_000 {
            return Err(StoreError::Rejected("error-too-long"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let (user_id, id) = (&user_id, &id);
        let until = time::Duration::minutes(minutes);
        self.write(|tx, _| {
            Box::pin(async move {
                self.insert_glass(tx, (user_id, id), (entity, entity_id), place, reason, until)
                    .await?;
                let event = Event::new("break-glass", entity, entity_id)
                    .at(place)
                    .fields(&["reason"])
                    .detail(format!("minutes={minutes}"));
                append(tx, user, &event);
                Ok(())
            })
        })
        .await?;
        Ok(id.clone())
    }

    /// Writes grant `id` of `user_id` inside the write `tx`, refused past [`GLASS_PER_DAY`]
    /// (counted inside the write, so grants asked for at once are counted at once). A grant
    /// lasting no time opens nothing: it puts an act done without consent (a referral
    /// sent by break-the-glass) in the coordinator's review.
    pub(crate) async fn insert_glass(
        &self,
        tx: &mut crate::write::Tx,
        (user_id, id): (&str, &str),
        (entity, entity_id): (&str, &str),
        place: PlaceCode,
        reason: &str,
        lasting: time::Duration,
    ) -> Result<()> {
        let now = time::OffsetDateTime::now_utc();
        let today: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM glass_grant WHERE user_id = $1 AND granted_at >= $2",
        )
        .bind(user_id.to_string())
        .bind(time_text(now - time::Duration::hours(24)))
        .fetch_one(&mut **tx)
        .await?;
        if today >= GLASS_PER_DAY {
            return Err(StoreError::Rejected("error-glass-limit"));
        }
        sqlx::query(
            "INSERT INTO glass_grant (id, user_id, entity, entity_id, place_code, reason, \
             granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .bind(entity.to_string())
        .bind(entity_id.to_string())
        .bind(place.to_string())
        .bind(
            self.keys
                .seal("glass_grant", "reason", id, UNVERSIONED, reason.trim())?,
        )
        .bind(time_text(now))
        .bind(time_text(now + lasting))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Whether `user_id` holds a live break-the-glass grant for the record.
    pub async fn has_glass(&self, user_id: &str, entity: &str, entity_id: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM glass_grant WHERE user_id = $1 AND entity = $2 AND entity_id = $3 AND expires_at > $4",
        )
        .bind(user_id.to_string())
        .bind(entity.to_string())
        .bind(entity_id.to_string())
        .bind(now_text())
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Break-the-glass grants on records inside `scope`, newest first, with their reasons:
    /// what the coordinator of that scope reviews.
    pub async fn glass_grants_in(&self, scope: Scope) -> Result<Vec<GlassGrant>> {
        let (cond, value) = scope_condition(scope, 1, "g.place_code", None, None);
        let sql = format!(
            "SELECT g.id, u.username, g.entity, g.entity_id, g.place_code, g.reason, g.granted_at, g.expires_at \
             FROM glass_grant g JOIN app_user u ON u.id = g.user_id \
             WHERE {cond} ORDER BY g.granted_at DESC LIMIT 200"
        );
        let mut q = sqlx::query(&sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let reason: String = r.try_get("reason")?;
                Ok(GlassGrant {
                    reason: self
                        .keys
                        .open("glass_grant", "reason", &id, UNVERSIONED, &reason)?,
                    id,
                    username: r.try_get("username")?,
                    entity: r.try_get("entity")?,
                    entity_id: r.try_get("entity_id")?,
                    place_code: r.try_get("place_code")?,
                    granted_at: r.try_get("granted_at")?,
                    expires_at: r.try_get("expires_at")?,
                })
            })
            .collect()
    }
}

/// A break-the-glass grant, for review.
#[derive(Debug, Clone, Serialize)]
pub struct GlassGrant {
    /// Id.
    pub id: String,
    /// Who.
    pub username: String,
    /// Which kind of record.
    pub entity: String,
    /// Which record.
    pub entity_id: String,
    /// Where.
    pub place_code: String,
    /// Why (opened from its sealed form).
    pub reason: String,
    /// When.
    pub granted_at: String,
    /// Until when.
    pub expires_at: String,
}
