//! Organisations and sites. Edits carry the version they were based on; an edit against a
//! stale version is refused with [`StoreError::Conflict`], never applied over the other.

use serde::Serialize;
use setu_core::access::{Scope, Target};
use setu_core::directory::{OrgDraft, OrgKind, SiteDraft, SiteKind};
use setu_core::PlaceCode;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{Actor, Event};
use crate::records::{Correction, Value};
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// An organisation with the names of its place.
#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    /// Id.
    pub id: i64,
    /// English name.
    pub name_en: String,
    /// Nepali name.
    pub name_ne: Option<String>,
    /// Kind.
    pub kind: OrgKind,
    /// Where it is.
    pub place: PlaceCode,
    /// The place's English name (a ward shows its local level's).
    pub place_en: Option<String>,
    /// The place's Nepali name.
    pub place_ne: Option<String>,
    /// Incremented at every edit.
    pub version: i64,
    /// Last change, UTC.
    pub updated_at: String,
}

/// A site with the names of its place and organisation.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    /// Id.
    pub id: i64,
    /// English name.
    pub name_en: String,
    /// Nepali name.
    pub name_ne: Option<String>,
    /// Kind.
    pub kind: SiteKind,
    /// Where it is.
    pub place: PlaceCode,
    /// The place's English name (a ward shows its local level's).
    pub place_en: Option<String>,
    /// The place's Nepali name.
    pub place_ne: Option<String>,
    /// Who runs it.
    pub organisation_id: Option<i64>,
    /// The organisation's English name.
    pub organisation_en: Option<String>,
    /// The organisation's Nepali name.
    pub organisation_ne: Option<String>,
    /// Incremented at every edit.
    pub version: i64,
    /// Last change, UTC.
    pub updated_at: String,
}

impl Site {
    /// Where the site is, for access decisions: its place, itself, and who runs it.
    pub fn target(&self) -> Target {
        Target {
            place: Some(self.place),
            site: Some(self.id),
            organisation: self.organisation_id,
        }
    }

    /// Whether a reader with `scope` (`None`: not signed in) may see that the site exists.
    pub fn visible_to(&self, scope: Option<Scope>) -> bool {
        setu_core::access::site_visible(scope, self.kind.protects_people(), &self.target())
    }
}

/// Which records a directory list shows.
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    /// Only this kind (stored form).
    pub kind: Option<String>,
    /// Only records at or inside this place.
    pub within: Option<PlaceCode>,
}

/// The place's display name: a ward is shown by its local level's name.
const PLACE_NAME_JOIN: &str = "JOIN place p ON p.code = x.place_code \
     LEFT JOIN place pp ON pp.code = p.parent_code";
const PLACE_NAME_COLUMNS: &str = "COALESCE(p.name_en, pp.name_en) AS place_en, \
     COALESCE(p.name_ne, pp.name_ne) AS place_ne";

impl Store {
    /// How many organisations and sites are recorded (for the home page).
    pub async fn directory_counts(&self) -> Result<(i64, i64)> {
        let orgs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisation")
            .fetch_one(&self.pool)
            .await?;
        let sites: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM site")
            .fetch_one(&self.pool)
            .await?;
        Ok((orgs, sites))
    }

    /// Organisations matching `filter`, by name.
    pub async fn organisations(&self, filter: &DirectoryFilter) -> Result<Vec<Organisation>> {
        let rows = sqlx::query(&format!(
            "SELECT x.id, x.name_en, x.name_ne, x.kind, x.place_code, x.version, x.updated_at, \
             {PLACE_NAME_COLUMNS} FROM organisation x {PLACE_NAME_JOIN} \
             WHERE ($1 IS NULL OR x.kind = $1) \
               AND ($2 IS NULL OR x.place_code = $2 OR x.place_code LIKE $2 || '%') \
             ORDER BY x.name_en, x.id"
        ))
        .bind(filter.kind.clone())
        .bind(scope_prefix(filter.within))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(org_from_row).collect()
    }

    /// One organisation.
    pub async fn organisation(&self, id: i64) -> Result<Organisation> {
        let row = sqlx::query(&format!(
            "SELECT x.id, x.name_en, x.name_ne, x.kind, x.place_code, x.version, x.updated_at, \
             {PLACE_NAME_COLUMNS} FROM organisation x {PLACE_NAME_JOIN} WHERE x.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        org_from_row(&row)
    }

    /// Adds an organisation; returns its id.
    pub async fn create_organisation(&self, by: &Actor, d: &OrgDraft) -> Result<i64> {
        self.require_place(d.place).await?;
        let now = now_text();
        let now = &now;
        self.record(by, |tx, _| {
            Box::pin(async move {
                let id: i64 = sqlx::query_scalar(
            "INSERT INTO organisation (name_en, name_ne, kind, place_code, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(d.name_en.clone())
        .bind(d.name_ne.clone())
        .bind(d.kind.as_str())
        .bind(d.place.to_string())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
                audited(
                    id,
                    Event::new("create", "organisation", id)
                        .at(d.place)
                        .fields(ORG_FIELDS),
                )
            })
        })
        .await
    }

    /// Changes an organisation, if it is still at `base_version`; returns its version after
    /// it (the same when nothing changed). Each changed field is kept in its history.
    pub async fn update_organisation(
        &self,
        by: &Actor,
        id: i64,
        base_version: i64,
        d: &OrgDraft,
    ) -> Result<i64> {
        self.require_place(d.place).await?;
        let id = id.to_string();
        let fields = named_fields(&d.name_en, d.name_ne.as_deref(), d.kind.as_str(), d.place);
        self.correct(
            by,
            &Correction {
                entity: "organisation",
                table: "organisation",
                id: &id,
                version: base_version,
                place: Some(d.place),
                fields,
                rematch: None,
            },
        )
        .await
    }

    /// Sites matching `filter`, by name.
    pub async fn sites(&self, filter: &DirectoryFilter) -> Result<Vec<Site>> {
        let rows = sqlx::query(&format!(
            "SELECT {SITE_COLUMNS} FROM site x {PLACE_NAME_JOIN} \
             LEFT JOIN organisation o ON o.id = x.organisation_id \
             WHERE ($1 IS NULL OR x.kind = $1) \
               AND ($2 IS NULL OR x.place_code = $2 OR x.place_code LIKE $2 || '%') \
             ORDER BY x.name_en, x.id"
        ))
        .bind(filter.kind.clone())
        .bind(scope_prefix(filter.within))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(site_from_row).collect()
    }

    /// One site.
    pub async fn site(&self, id: i64) -> Result<Site> {
        let row = sqlx::query(&format!(
            "SELECT {SITE_COLUMNS} FROM site x {PLACE_NAME_JOIN} \
             LEFT JOIN organisation o ON o.id = x.organisation_id WHERE x.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        site_from_row(&row)
    }

    /// Adds a site; returns its id.
    pub async fn create_site(&self, by: &Actor, d: &SiteDraft) -> Result<i64> {
        self.require_place(d.place).await?;
        self.require_organisation(d.organisation_id).await?;
        let now = now_text();
        let now = &now;
        self.record(by, |tx, _| Box::pin(async move {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO site (name_en, name_ne, kind, place_code, organisation_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(d.name_en.clone())
        .bind(d.name_ne.clone())
        .bind(d.kind.as_str())
        .bind(d.place.to_string())
        .bind(d.organisation_id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        audited(id, Event::new("create", "site", id)
                .at(d.place)
                .fields(SITE_FIELDS))
        })).await
    }

    /// Changes a site, if it is still at `base_version`; returns its version after it (the same
    /// when nothing changed). Each changed field is kept in its history.
    pub async fn update_site(
        &self,
        by: &Actor,
        id: i64,
        base_version: i64,
        d: &SiteDraft,
    ) -> Result<i64> {
        self.require_place(d.place).await?;
        self.require_organisation(d.organisation_id).await?;
        let id = id.to_string();
        let mut fields = named_fields(&d.name_en, d.name_ne.as_deref(), d.kind.as_str(), d.place);
        fields.push(("organisation_id", Value::Int(d.organisation_id), false));
        self.correct(
            by,
            &Correction {
                entity: "site",
                table: "site",
                id: &id,
                version: base_version,
                place: Some(d.place),
                fields,
                rematch: None,
            },
        )
        .await
    }

    /// `UnknownReference("place")` unless the place exists.
    pub(crate) async fn require_place(&self, code: PlaceCode) -> Result<()> {
        let found: Option<String> = sqlx::query_scalar("SELECT code FROM place WHERE code = $1")
            .bind(code.to_string())
            .fetch_optional(&self.pool)
            .await?;
        found
            .map(|_| ())
            .ok_or(StoreError::UnknownReference("place"))
    }

    /// `UnknownReference("organisation")` unless the organisation (if any) exists.
    pub(crate) async fn require_organisation(&self, id: Option<i64>) -> Result<()> {
        let Some(id) = id else { return Ok(()) };
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM organisation WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        found
            .map(|_| ())
            .ok_or(StoreError::UnknownReference("organisation"))
    }
}

const SITE_COLUMNS: &str = "x.id, x.name_en, x.name_ne, x.kind, x.place_code, x.version, \
     x.updated_at, x.organisation_id, o.name_en AS organisation_en, \
     o.name_ne AS organisation_ne, COALESCE(p.name_en, pp.name_en) AS place_en, \
     COALESCE(p.name_ne, pp.name_ne) AS place_ne";

const ORG_FIELDS: &[&str] = &["name_en", "name_ne", "kind", "place"];
const SITE_FIELDS: &[&str] = &["name_en", "name_ne", "kind", "place", "organisation"];

/// The country scope needs no filter; any other scope is a code prefix.
fn scope_prefix(within: Option<PlaceCode>) -> Option<String> {
    within
        .filter(|w| *w != PlaceCode::Country)
        .map(|w| w.to_string())
}

fn bad_row(what: &str) -> StoreError {
    StoreError::ReferenceData(format!("unreadable {what} in a directory row"))
}

fn org_from_row(r: &AnyRow) -> Result<Organisation> {
    let kind: String = r.try_get("kind")?;
    let place: String = r.try_get("place_code")?;
    Ok(Organisation {
        id: r.try_get("id")?,
        name_en: r.try_get("name_en")?,
        name_ne: r.try_get("name_ne")?,
        kind: OrgKind::parse(&kind).ok_or_else(|| bad_row("kind"))?,
        place: place.parse().map_err(|_| bad_row("place"))?,
        place_en: r.try_get("place_en")?,
        place_ne: r.try_get("place_ne")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn site_from_row(r: &AnyRow) -> Result<Site> {
    let kind: String = r.try_get("kind")?;
    let place: String = r.try_get("place_code")?;
    Ok(Site {
        id: r.try_get("id")?,
        name_en: r.try_get("name_en")?,
        name_ne: r.try_get("name_ne")?,
        kind: SiteKind::parse(&kind).ok_or_else(|| bad_row("kind"))?,
        place: place.parse().map_err(|_| bad_row("place"))?,
        place_en: r.try_get("place_en")?,
        place_ne: r.try_get("place_ne")?,
        organisation_id: r.try_get("organisation_id")?,
        organisation_en: r.try_get("organisation_en")?,
        organisation_ne: r.try_get("organisation_ne")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The fields organisations and sites share, as a correction writes them.
fn named_fields(
    name_en: &str,
    name_ne: Option<&str>,
    kind: &str,
    place: PlaceCode,
) -> Vec<(&'static str, Value, bool)> {
    vec![
        ("name_en", Value::Text(Some(name_en.to_string())), false),
        ("name_ne", Value::Text(name_ne.map(str::to_string)), false),
        ("kind", Value::Text(Some(kind.to_string())), false),
        ("place_code", Value::Text(Some(place.to_string())), false),
    ]
}
