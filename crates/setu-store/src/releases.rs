//! Public statistics releases (issue 17, point 7): one district's figures for one fiscal year,
//! drafted by a coordinator, approved by a second person, published under the next version
//! number (the version before it kept, as superseded), each step audited. The table is stored
//! as it will be published, small counts already suppressed by `setu-stats`: nothing in this
//! table may not leave the system.

use serde::{Deserialize, Serialize};
use setu_core::access::Scope;
use setu_core::{FiscalYear, PlaceCode};
use sqlx::Row;

use crate::audit::{Actor, Event};
use crate::scope::scope_condition;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// A release table as published: a row per local level, a column per measure, and the
/// district's totals; `None` is a suppressed cell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReleaseTable {
    /// The measures, by their stable names (`missing_reported`, …).
    pub columns: Vec<String>,
    /// One row per local level.
    pub rows: Vec<ReleaseRow>,
    /// The district's total of each column.
    pub totals: Vec<Option<i64>>,
}

/// One local level's row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReleaseRow {
    /// The local level's code.
    pub code: String,
    /// Its values, in the columns' order.
    pub values: Vec<Option<i64>>,
}

/// Where a release stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseStatus {
    /// Drafted, waiting for a second person's approval.
    Draft,
    /// Approved, not yet public.
    Approved,
    /// Public: the current version for its district and year.
    Published,
    /// Public, replaced by a later version.
    Superseded,
    /// Dropped before publication.
    Discarded,
}

impl ReleaseStatus {
    fn parse(s: &str) -> ReleaseStatus {
        match s {
            "approved" => ReleaseStatus::Approved,
            "published" => ReleaseStatus::Published,
            "superseded" => ReleaseStatus::Superseded,
            "discarded" => ReleaseStatus::Discarded,
            _ => ReleaseStatus::Draft,
        }
    }

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Draft => "draft",
            ReleaseStatus::Approved => "approved",
            ReleaseStatus::Published => "published",
            ReleaseStatus::Superseded => "superseded",
            ReleaseStatus::Discarded => "discarded",
        }
    }

    /// Whether the public may read it.
    pub fn is_public(self) -> bool {
        matches!(self, ReleaseStatus::Published | ReleaseStatus::Superseded)
    }
}

/// A release.
#[derive(Debug, Clone)]
pub struct Release {
    /// Its id.
    pub id: String,
    /// The district.
    pub district: String,
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// Where it stands.
    pub status: ReleaseStatus,
    /// Its version once published (1, 2, … per district and year).
    pub version: Option<i64>,
    /// The table as published.
    pub table: ReleaseTable,
    /// What the release says about itself (sources, changes from the last version).
    pub note: String,
    /// Who drafted it, and when.
    pub drafted_by: String,
    /// When.
    pub drafted_at: String,
    /// Who approved it.
    pub approved_by: Option<String>,
    /// Who published it.
    pub published_by: Option<String>,
    /// When it was published.
    pub published_at: Option<String>,
}

const COLUMNS: &str = "id, district_code, fiscal_year, status, version, tables, note, drafted_by, drafted_at, approved_by, published_by, published_at";

fn release_of(row: &sqlx::any::AnyRow) -> Result<Release> {
    let tables: String = row.try_get("tables")?;
    let year: i64 = row.try_get("fiscal_year")?;
    let fiscal_year = FiscalYear::new(u16::try_from(year).unwrap_or(0))
        .map_err(|_| StoreError::Rejected("error-fiscal-year"))?;
    Ok(Release {
        id: row.try_get("id")?,
        district: row.try_get("district_code")?,
        fiscal_year,
        status: ReleaseStatus::parse(&row.try_get::<String, _>("status")?),
        version: row.try_get("version")?,
        table: serde_json::from_str(&tables)
            .map_err(|_| StoreError::Rejected("error-release-table"))?,
        note: row.try_get("note")?,
        drafted_by: row.try_get("drafted_by")?,
        drafted_at: row.try_get("drafted_at")?,
        approved_by: row.try_get("approved_by")?,
        published_by: row.try_get("published_by")?,
        published_at: row.try_get("published_at")?,
    })
}

impl Store {
    /// Drafts a release of `district`'s figures for `fy`.
    pub async fn draft_release(
        &self,
        by: &Actor,
        district: PlaceCode,
        fy: FiscalYear,
        table: &ReleaseTable,
        note: &str,
    ) -> Result<String> {
        if !matches!(district, PlaceCode::District(_)) {
            return Err(StoreError::Rejected("error-release-district"));
        }
        let tables = serde_json::to_string(table)
            .map_err(|_| StoreError::Rejected("error-release-table"))?;
        let id = uuid::Uuid::new_v4().to_string();
        let note = note.trim().to_string();
        self.record(by, |tx, _| {
            let (id, tables, note) = (id.clone(), tables.clone(), note.clone());
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO stat_release (id, district_code, fiscal_year, status, tables, note, drafted_by, drafted_at) \
                     VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7)",
                )
                .bind(&id)
                .bind(district.to_string())
                .bind(i64::from(fy.start_year()))
                .bind(tables)
                .bind(note)
                .bind(by.name.clone())
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                audited(
                    id.clone(),
                    Event::new("create", "stat-release", &id)
                        .at(district)
                        .detail(fy.to_string()),
                )
            })
        })
        .await
    }

    /// A release by id.
    pub async fn release(&self, id: &str) -> Result<Release> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM stat_release WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        release_of(&row)
    }

    /// Every release inside `scope` (a coordinator's list), latest first.
    pub async fn releases_in(&self, scope: Scope) -> Result<Vec<Release>> {
        let (cond, value) = scope_condition(scope, 1, "district_code", None, None);
        let sql = format!(
            "SELECT {COLUMNS} FROM stat_release WHERE {cond} ORDER BY drafted_at DESC LIMIT 200"
        );
        self.scoped_rows(&sql, value)
            .await?
            .iter()
            .map(release_of)
            .collect()
    }

    /// The releases the public may read: every published version, current ones first, by
    /// district and year.
    pub async fn public_releases(&self) -> Result<Vec<Release>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM stat_release WHERE status IN ('published', 'superseded') \
             ORDER BY district_code, fiscal_year DESC, version DESC"
        );
        sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(release_of)
            .collect()
    }

    /// Approves a draft: never by who drafted it.
    pub async fn approve_release(&self, by: &Actor, id: &str) -> Result<()> {
        let r = self.release(id).await?;
        if r.status != ReleaseStatus::Draft {
            return Err(StoreError::Rejected("error-release-not-draft"));
        }
        if r.drafted_by == by.name {
            return Err(StoreError::Rejected("error-release-same-person"));
        }
        self.move_release(by, &r, "approve", "approved", ReleaseStatus::Draft)
            .await
    }

    /// Publishes an approved release under the next version of its district and year; the
    /// version published before becomes superseded.
    pub async fn publish_release(&self, by: &Actor, id: &str) -> Result<i64> {
        let r = self.release(id).await?;
        if r.status != ReleaseStatus::Approved {
            return Err(StoreError::Rejected("error-release-not-approved"));
        }
        let district: PlaceCode = r.district.parse().map_err(|_| StoreError::NotFound)?;
        let year = i64::from(r.fiscal_year.start_year());
        let id = id.to_string();
        self.record(by, |tx, _| {
            let (id, district_code) = (id.clone(), r.district.clone());
            Box::pin(async move {
                let version: i64 = sqlx::query(
                    "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM stat_release WHERE district_code = $1 AND fiscal_year = $2",
                )
                .bind(&district_code)
                .bind(year)
                .fetch_one(&mut **tx)
                .await?
                .try_get(0)?;
                sqlx::query(
                    "UPDATE stat_release SET status = 'superseded' WHERE district_code = $1 AND fiscal_year = $2 AND status = 'published'",
                )
                .bind(&district_code)
                .bind(year)
                .execute(&mut **tx)
                .await?;
                let done = sqlx::query(
                    "UPDATE stat_release SET status = 'published', version = $1, published_by = $2, published_at = $3 \
                     WHERE id = $4 AND status = 'approved'",
                )
                .bind(version + 1)
                .bind(by.name.clone())
                .bind(now_text())
                .bind(&id)
                .execute(&mut **tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Rejected("error-release-not-approved"));
                }
                audited(
                    version + 1,
                    Event::new("publish", "stat-release", &id)
                        .at(district)
                        .detail(format!("version {}", version + 1)),
                )
            })
        })
        .await
    }

    /// Discards a release not yet published.
    pub async fn discard_release(&self, by: &Actor, id: &str) -> Result<()> {
        let r = self.release(id).await?;
        let from = match r.status {
            ReleaseStatus::Draft | ReleaseStatus::Approved => r.status,
            _ => return Err(StoreError::Rejected("error-release-published")),
        };
        self.move_release(by, &r, "discard", "discarded", from)
            .await
    }

    /// Moves `r` from `from` to `to`, audited as `action`.
    async fn move_release(
        &self,
        by: &Actor,
        r: &Release,
        action: &'static str,
        to: &'static str,
        from: ReleaseStatus,
    ) -> Result<()> {
        let district: PlaceCode = r.district.parse().map_err(|_| StoreError::NotFound)?;
        let id = r.id.clone();
        self.record(by, |tx, _| {
            let id = id.clone();
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE stat_release SET status = $1, \
                     approved_by = CASE WHEN $1 = 'approved' THEN $2 ELSE approved_by END, \
                     approved_at = CASE WHEN $1 = 'approved' THEN $3 ELSE approved_at END \
                     WHERE id = $4 AND status = $5",
                )
                .bind(to)
                .bind(by.name.clone())
                .bind(now_text())
                .bind(&id)
                .bind(from.as_str())
                .execute(&mut **tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict { current: 0 });
                }
                audited((), Event::new(action, "stat-release", &id).at(district))
            })
        })
        .await
    }
}
