//! The NGO forum: which organisation offers which service where, the forum's log of meetings
//! and joint actions, and shared alerts about recruitment tactics or suspicious agents, each
//! visible in an area until it expires.

use serde::Serialize;
use setu_core::access::Scope;
use setu_core::calendar::iso;
use setu_core::directory::{ForumEntryKind, Service};
use setu_core::PlaceCode;
use sqlx::Row;
use time::Date;

use crate::audit::{Actor, Event};
use crate::rekey::UNVERSIONED;
use crate::scope::scope_condition;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// A service offered by an organisation in a place.
#[derive(Debug, Clone, Serialize)]
pub struct OfferedService {
    /// Id.
    pub id: String,
    /// The organisation.
    pub organisation_id: i64,
    /// Its English name.
    pub organisation_en: String,
    /// Its Nepali name.
    pub organisation_ne: Option<String>,
    /// The service.
    pub service: Service,
    /// Where it is offered.
    pub place: String,
}

/// An entry of the forum's log, text opened.
#[derive(Debug, Clone, Serialize)]
pub struct ForumEntry {
    /// Id.
    pub id: String,
    /// Meeting or joint action.
    pub kind: ForumEntryKind,
    /// Where.
    pub place: String,
    /// When, ISO.
    pub happened_on: String,
    /// What happened (opened).
    pub text: String,
    /// Organisations involved.
    pub organisations: Vec<i64>,
}

/// A shared alert, body opened.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    /// Id.
    pub id: String,
    /// The area it concerns and is visible in.
    pub place: String,
    /// Title.
    pub title: String,
    /// Body (opened).
    pub body: String,
    /// Who posted it.
    pub posted_by: String,
    /// Posted on, ISO.
    pub posted_on: String,
    /// Visible until, ISO.
    pub expires_on: String,
}

pub use setu_core::directory::{ALERT_BODY_MAX, ALERT_TITLE_MAX};

impl Store {
    /// Records that an organisation offers `service` in `place`.
    pub async fn add_service(
        &self,
        by: &Actor,
        organisation_id: i64,
        service: Service,
        place: PlaceCode,
    ) -> Result<String> {
        self.organisation(organisation_id).await?;
        self.place(place)
            .await?
            .ok_or(StoreError::UnknownReference("place"))?;
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query("INSERT INTO org_service (id, organisation_id, service, place_code, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.clone())
            .bind(organisation_id)
            .bind(service.as_str())
            .bind(place.to_string())
            .bind(now_text())
            .execute(&mut **tx)
            .await?;
        audited((), Event::new("create", "org-service", id)
                .at(place)
                .detail(service.as_str()))
        })).await?;
        Ok(id.clone())
    }

    /// Services offered at or inside `within` (or that cover it from above), optionally one kind.
    pub async fn services(
        &self,
        within: PlaceCode,
        service: Option<Service>,
    ) -> Result<Vec<OfferedService>> {
        // A service offered for a whole district also serves its wards: match both ways.
        let rows = sqlx::query(
            "SELECT s.id, s.organisation_id, o.name_en, o.name_ne, s.service, s.place_code \
             FROM org_service s JOIN organisation o ON o.id = s.organisation_id \
             WHERE ($1 = 'NP' OR s.place_code LIKE $1 || '%' OR $1 LIKE s.place_code || '%') \
               AND ($2 = '' OR s.service = $2) ORDER BY s.service, o.name_en",
        )
        .bind(within.to_string())
        .bind(service.map(|s| s.as_str()).unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("service")?;
                Ok(OfferedService {
                    id: r.try_get("id")?,
                    organisation_id: r.try_get("organisation_id")?,
                    organisation_en: r.try_get("name_en")?,
                    organisation_ne: r.try_get("name_ne")?,
                    service: Service::parse(&kind).unwrap_or(Service::Awareness),
                    place: r.try_get("place_code")?,
                })
            })
            .collect()
    }

    /// Adds a forum meeting or joint action.
    pub async fn add_forum_entry(
        &self,
        by: &Actor,
        kind: ForumEntryKind,
        place: PlaceCode,
        happened_on: Date,
        text: &str,
        organisations: &[i64],
    ) -> Result<String> {
        self.place(place)
            .await?
            .ok_or(StoreError::UnknownReference("place"))?;
        if text.trim().is_empty() {
            return Err(StoreError::Rejected("error-required"));
        }
        for o in organisations {
            self.organisation(*o)
                .await
                .map_err(|_| StoreError::UnknownReference("organisation"))?;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let orgs: Vec<String> = organisations.iter().map(i64::to_string).collect();
        let orgs = &orgs;
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO forum_entry (id, kind, place_code, happened_on, text, organisations, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.clone())
        .bind(kind.as_str())
        .bind(place.to_string())
        .bind(iso(happened_on))
        .bind(self.keys.seal("forum_entry", "text", id, UNVERSIONED, text.trim())?)
        .bind(orgs.join(","))
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
        audited((), Event::new("create", "forum-entry", id)
                .at(place)
                .fields(&["text"])
                .detail(kind.as_str()))
        })).await?;
        Ok(id.clone())
    }

    /// The forum's log inside `scope` (SQL), newest first.
    pub async fn forum_entries(&self, scope: Scope) -> Result<Vec<ForumEntry>> {
        let (cond, value) = scope_condition(scope, 1, "place_code", None, None);
        let sql = format!("SELECT id, kind, place_code, happened_on, text, organisations, version FROM forum_entry WHERE {cond} AND withdrawn_at IS NULL ORDER BY happened_on DESC, id");
        let mut q = sqlx::query(&sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let kind: String = r.try_get("kind")?;
                let orgs: String = r.try_get("organisations")?;
                Ok(ForumEntry {
                    text: self.keys.open(
                        "forum_entry",
                        "text",
                        &id,
                        r.try_get("version")?,
                        &r.try_get::<String, _>("text")?,
                    )?,
                    kind: ForumEntryKind::parse(&kind).unwrap_or(ForumEntryKind::Meeting),
                    place: r.try_get("place_code")?,
                    happened_on: r.try_get("happened_on")?,
                    organisations: orgs.split(',').filter_map(|o| o.parse().ok()).collect(),
                    id,
                })
            })
            .collect()
    }

    /// Posts an alert visible in `place` (and everywhere inside it) until `expires_on`.
    pub async fn post_alert(
        &self,
        by: &Actor,
        place: PlaceCode,
        title: &str,
        body: &str,
        expires_on: Date,
        today: Date,
    ) -> Result<String> {
        self.place(place)
            .await?
            .ok_or(StoreError::UnknownReference("place"))?;
        if title.trim().is_empty() || body.trim().is_empty() {
            return Err(StoreError::Rejected("error-required"));
        }
        // Shown on every forum page of the area: a title is a line, the body a paragraph.
        if title.trim().chars().count() > ALERT_TITLE_MAX
            || body.trim().chars().count() > ALERT_BODY_MAX
        {
            return Err(StoreError::Rejected("error-too-long"));
        }
        if expires_on < today {
            return Err(StoreError::Rejected("error-expiry-past"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO shared_alert (id, place_code, title, body, posted_by, posted_on, expires_on) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.clone())
        .bind(place.to_string())
        .bind(title.trim().to_string())
        .bind(self.keys.seal("shared_alert", "body", id, UNVERSIONED, body.trim())?)
        .bind(by.name.clone())
        .bind(iso(today))
        .bind(iso(expires_on))
        .execute(&mut **tx)
        .await?;
        audited((), Event::new("create", "shared-alert", id)
                .at(place)
                .fields(&["title", "body"]))
        })).await?;
        Ok(id.clone())
    }

    /// Live alerts a user with `scope` sees: those for an area that contains the user's area
    /// or lies inside it (a national alert reaches everyone; a ward's alert reaches that ward
    /// and those responsible above it). Site and organisation scopes see national alerts.
    pub async fn alerts_for(&self, scope: Scope, today: Date) -> Result<Vec<Alert>> {
        let area = match scope {
            Scope::Place(p) => p.to_string(),
            // Matches no area but the whole country's.
            _ => "-".to_string(),
        };
        let rows = sqlx::query(
            "SELECT id, place_code, title, body, posted_by, posted_on, expires_on, version FROM shared_alert \
             WHERE expires_on >= $1 AND withdrawn_at IS NULL AND (place_code = 'NP' OR $2 = 'NP' OR place_code LIKE $2 || '%' OR $2 LIKE place_code || '%') \
             ORDER BY posted_on DESC, id",
        )
        .bind(iso(today))
        .bind(area)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                Ok(Alert {
                    body: self.keys.open(
                        "shared_alert",
                        "body",
                        &id,
                        r.try_get("version")?,
                        &r.try_get::<String, _>("body")?,
                    )?,
                    place: r.try_get("place_code")?,
                    title: r.try_get("title")?,
                    posted_by: r.try_get("posted_by")?,
                    posted_on: r.try_get("posted_on")?,
                    expires_on: r.try_get("expires_on")?,
                    id,
                })
            })
            .collect()
    }
}
