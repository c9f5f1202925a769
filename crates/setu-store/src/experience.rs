//! A survivor's trafficking experience in the terms of the international case data standard
//! (HTCDS 2.0, `../shared/reference/htcds/`), so that her case can later be exported to it:
//! status, types of exploitation, means of recruitment and of control (kept as the standard's
//! value names), destination, age when trafficked and months exploited; corrected at the version
//! read. Perpetrators are recorded only as the standard needs them (relation to her, roles),
//! sealed, never named.

use setu_core::cases::{
    Control, ExperienceDraft, Exploitation, PerpetratorDraft, PerpetratorRole, Recruitment,
    Relation, TraffickingStatus,
};
use sqlx::Row;

use crate::audit::{Actor, Event};
use crate::rekey::UNVERSIONED;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// The experience as recorded (`version` 0 when nothing is yet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Experience {
    /// Its version.
    pub version: i64,
    /// Her status.
    pub status: Option<TraffickingStatus>,
    /// Types of exploitation.
    pub exploitation: Vec<Exploitation>,
    /// Means of recruitment.
    pub recruitment: Vec<Recruitment>,
    /// Means of control.
    pub control: Vec<Control>,
    /// Destination, as told.
    pub destination: Option<String>,
    /// Age when first trafficked.
    pub age_trafficked: Option<i64>,
    /// Months exploited.
    pub months: Option<i64>,
}

/// A perpetrator as the standard needs them; both sealed (`None` unless revealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Perpetrator {
    /// Relation to her.
    pub relation: Option<Relation>,
    /// Roles.
    pub roles: Vec<PerpetratorRole>,
}

/// Values kept as their stored names, comma-separated.
pub(crate) fn joined<T: Copy>(values: &[T], name: impl Fn(T) -> &'static str) -> String {
    values
        .iter()
        .map(|v| name(*v))
        .collect::<Vec<_>>()
        .join(",")
}

/// The values of a comma-separated list, unknown names skipped.
pub(crate) fn split<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    text.split(',').filter_map(parse).collect()
}

impl Store {
    /// Records or corrects a case's experience at the version read (0: first record); a stale
    /// version is a conflict.
    pub async fn record_experience(
        &self,
        by: &Actor,
        case_id: &str,
        d: &ExperienceDraft,
    ) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        let current = self.experience(case_id).await?.version;
        if current != d.version {
            return Err(StoreError::Conflict { current });
        }
        let values = [
            d.status.map(|s| s.as_str().to_string()),
            Some(joined(&d.exploitation, Exploitation::as_str)),
            Some(joined(&d.recruitment, Recruitment::as_str)),
            Some(joined(&d.control, Control::as_str)),
            d.destination.clone(),
        ];
        let (values, home) = (&values, case.home);
        self.record(by, |tx, _| {
            Box::pin(async move {
                let sql = if d.version == 0 {
                    "INSERT INTO case_experience (status, exploitation, recruitment, control, \
                     destination, age_trafficked, months, updated_by, updated_at, case_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (case_id) DO NOTHING"
                } else {
                    "UPDATE case_experience SET status = $1, exploitation = $2, recruitment = $3, \
                     control = $4, destination = $5, age_trafficked = $6, months = $7, \
                     updated_by = $8, updated_at = $9, version = version + 1 \
                     WHERE case_id = $10 AND version = $11"
                };
                let mut q = sqlx::query(sql);
                for v in values {
                    q = q.bind(v.clone());
                }
                q = q
                    .bind(d.age_trafficked)
                    .bind(d.months)
                    .bind(by.name.clone())
                    .bind(now_text())
                    .bind(case_id.to_string());
                if d.version > 0 {
                    q = q.bind(d.version);
                }
                // Another first record (or correction) went in between: her page is stale.
                if q.execute(&mut **tx).await?.rows_affected() == 0 {
                    return Err(StoreError::Conflict { current: d.version });
                }
                let mut e = Event::new("update", "case-experience", case_id);
                e.place = home;
                audited((), e)
            })
        })
        .await
    }

    /// A case's experience (empty, version 0, when nothing is recorded).
    pub async fn experience(&self, case_id: &str) -> Result<Experience> {
        let row = sqlx::query(
            "SELECT status, exploitation, recruitment, control, destination, age_trafficked, \
             months, version FROM case_experience WHERE case_id = $1",
        )
        .bind(case_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(Experience::default());
        };
        let status: Option<String> = r.try_get("status")?;
        let text = |c: &str| r.try_get::<String, _>(c);
        Ok(Experience {
            version: r.try_get("version")?,
            status: status.as_deref().and_then(TraffickingStatus::parse),
            exploitation: split(&text("exploitation")?, Exploitation::parse),
            recruitment: split(&text("recruitment")?, Recruitment::parse),
            control: split(&text("control")?, Control::parse),
            destination: r.try_get("destination")?,
            age_trafficked: r.try_get("age_trafficked")?,
            months: r.try_get("months")?,
        })
    }

    /// Records a perpetrator (relation and roles, sealed).
    pub async fn add_perpetrator(
        &self,
        by: &Actor,
        case_id: &str,
        d: &PerpetratorDraft,
    ) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let seal = |column: &str, text: &str| {
            self.keys
                .seal("case_perpetrator", column, &id, UNVERSIONED, text)
        };
        let relation = seal("relation", d.relation.as_str())?;
        let roles = seal("roles", &joined(&d.roles, PerpetratorRole::as_str))?;
        let (id, relation, roles, home) = (&id, &relation, &roles, case.home);
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO case_perpetrator (id, case_id, relation, roles, created_by, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.clone())
                .bind(case_id.to_string())
                .bind(relation.clone())
                .bind(roles.clone())
                .bind(by.name.clone())
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                let mut e =
                    Event::new("create", "case-perpetrator", id).detail(format!("case={case_id}"));
                e.place = home;
                audited((), e)
            })
        })
        .await
    }

    /// A case's perpetrators; relation and roles open with `Reveal::To` (one audited view).
    pub async fn perpetrators(
        &self,
        case_id: &str,
        reveal: Reveal<'_>,
    ) -> Result<Vec<Perpetrator>> {
        let rows = sqlx::query(
            "SELECT id, relation, roles FROM case_perpetrator WHERE case_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let open = self
            .page_opener(
                reveal,
                "case-perpetrator",
                "case_perpetrator",
                &ids,
                &["relation", "roles"],
                None,
            )
            .await?;
        rows.iter()
            .zip(&ids)
            .map(|(r, id)| {
                let row = open.row("case_perpetrator", id);
                let relation = row.get(r, "relation")?;
                let roles = row.get(r, "roles")?.unwrap_or_default();
                Ok(Perpetrator {
                    relation: relation.as_deref().and_then(Relation::parse),
                    roles: split(&roles, PerpetratorRole::parse),
                })
            })
            .collect()
    }
}
