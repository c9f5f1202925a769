//! The criminal case a survivor's case records (issue 16, point 8): the police report, the
//! court, the charges under the Act, the outcome and compensation, one per case and corrected
//! at the version read; and its hearings with the support given or planned for her testimony.
//! The FIR and court case numbers are sealed: with a court's public cause list they find her.

use setu_core::calendar::iso;
use setu_core::justice::{
    Charge, CourtOutcome, HearingDraft, HearingPurpose, JusticeDraft, TestimonySupport,
};
use sqlx::Row;

use crate::audit::{Actor, Event};
use crate::experience::{joined, split};
use crate::rekey::UNVERSIONED;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// The criminal case as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Justice {
    /// Its version.
    pub version: i64,
    /// The police office the report was made at.
    pub police_office: String,
    /// The FIR number (`None` unless revealed).
    pub fir_number: Option<String>,
    /// Reported on (ISO).
    pub reported_on: String,
    /// The court.
    pub court: Option<String>,
    /// The court's case number (`None` unless revealed, or not yet known).
    pub court_case: Option<String>,
    /// Charges.
    pub charges: Vec<Charge>,
    /// Where it stands.
    pub outcome: CourtOutcome,
    /// Decided on (ISO).
    pub decided_on: Option<String>,
    /// Compensation ordered, in rupees.
    pub compensation: Option<i64>,
}

/// A hearing, held or ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hearing {
    /// Held on, or scheduled for (ISO).
    pub held_on: String,
    /// What it is for.
    pub purpose: HearingPurpose,
    /// Support given or planned.
    pub support: Vec<TestimonySupport>,
}

impl Store {
    /// Records the criminal case (version 0: the first time) or corrects it at the version
    /// read; a stale version is a conflict.
    pub async fn record_justice(&self, by: &Actor, case_id: &str, d: &JusticeDraft) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        let existing: Option<(String, i64)> =
            sqlx::query("SELECT id, version FROM case_justice WHERE case_id = $1")
                .bind(case_id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .map(|r| Ok::<_, sqlx::Error>((r.try_get("id")?, r.try_get("version")?)))
                .transpose()?;
        let current = existing.as_ref().map_or(0, |e| e.1);
        if current != d.version {
            return Err(StoreError::Conflict { current });
        }
        let id = existing.map_or_else(|| uuid::Uuid::new_v4().to_string(), |e| e.0);
        let seal = |column: &str, text: &str| {
            self.keys
                .seal("case_justice", column, &id, UNVERSIONED, text)
        };
        let fir = seal("fir_number", &d.fir_number)?;
        let court_case = d
            .court_case
            .as_deref()
            .map(|c| seal("court_case", c))
            .transpose()?;
        let charges = joined(&d.charges, Charge::as_str);
        let (id, fir, court_case, charges, home) = (&id, &fir, &court_case, &charges, case.home);
        self.record(by, |tx, _| {
            Box::pin(async move {
                let sql = if d.version == 0 {
                    "INSERT INTO case_justice (police_office, fir_number, reported_on, court, \
                     court_case, charges, outcome, decided_on, compensation, updated_by, \
                     updated_at, id, case_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT (case_id) DO NOTHING"
                } else {
                    "UPDATE case_justice SET police_office = $1, fir_number = $2, \
                     reported_on = $3, court = $4, court_case = $5, charges = $6, outcome = $7, \
                     decided_on = $8, compensation = $9, updated_by = $10, updated_at = $11, \
                     version = version + 1 WHERE id = $12 AND case_id = $13 AND version = $14"
                };
                let mut q = sqlx::query(sql)
                    .bind(d.police_office.clone())
                    .bind(fir.clone())
                    .bind(iso(d.reported_on))
                    .bind(d.court.clone())
                    .bind(court_case.clone())
                    .bind(charges.clone())
                    .bind(d.outcome.as_str())
                    .bind(d.decided_on.map(iso))
                    .bind(d.compensation)
                    .bind(by.name.clone())
                    .bind(now_text())
                    .bind(id.clone())
                    .bind(case_id.to_string());
                if d.version > 0 {
                    q = q.bind(d.version);
                }
                // Another first record (or correction) went in between: her page is stale.
                if q.execute(&mut **tx).await?.rows_affected() == 0 {
                    return Err(StoreError::Conflict { current: d.version });
                }
                let mut e = Event::new("update", "case-justice", case_id)
                    .detail(format!("outcome={}", d.outcome.as_str()));
                e.place = home;
                audited((), e)
            })
        })
        .await
    }

    /// A case's criminal case, if recorded; its numbers open with `Reveal::To` (one audited
    /// view).
    pub async fn justice(&self, case_id: &str, reveal: Reveal<'_>) -> Result<Option<Justice>> {
        let Some(r) = sqlx::query(
            "SELECT j.id, j.police_office, j.fir_number, j.reported_on, j.court, j.court_case, \
             j.charges, j.outcome, j.decided_on, j.compensation, j.version, c.home_ward AS home \
             FROM case_justice j JOIN survivor_case c ON c.id = j.case_id WHERE j.case_id = $1",
        )
        .bind(case_id.to_string())
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let id: String = r.try_get("id")?;
        let home: Option<String> = r.try_get("home")?;
        let open = self
            .opener(
                reveal,
                "case-justice",
                "case_justice",
                &id,
                home.as_deref().unwrap_or_default(),
                &["fir_number", "court_case"],
            )
            .await?;
        let outcome: String = r.try_get("outcome")?;
        let charges: String = r.try_get("charges")?;
        Ok(Some(Justice {
            version: r.try_get("version")?,
            police_office: r.try_get("police_office")?,
            fir_number: open.get(&r, "fir_number")?,
            reported_on: r.try_get("reported_on")?,
            court: r.try_get("court")?,
            court_case: open.get(&r, "court_case")?,
            charges: split(&charges, Charge::parse),
            outcome: CourtOutcome::parse(&outcome).unwrap_or(CourtOutcome::Pending),
            decided_on: r.try_get("decided_on")?,
            compensation: r.try_get("compensation")?,
        }))
    }

    /// Records a hearing of her criminal case (held, or ahead); refused until the criminal case
    /// is recorded.
    pub async fn add_hearing(&self, by: &Actor, case_id: &str, d: &HearingDraft) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        let home = case.home;
        self.record(by, |tx, _| {
            Box::pin(async move {
                let id = uuid::Uuid::new_v4().to_string();
                let added = sqlx::query(
                    "INSERT INTO case_hearing (id, case_id, held_on, purpose, support, \
                     created_by, created_at) \
                     SELECT $1, case_id, $2, $3, $4, $5, $6 FROM case_justice WHERE case_id = $7",
                )
                .bind(id.clone())
                .bind(iso(d.held_on))
                .bind(d.purpose.as_str())
                .bind(joined(&d.support, TestimonySupport::as_str))
                .bind(by.name.clone())
                .bind(now_text())
                .bind(case_id.to_string())
                .execute(&mut **tx)
                .await?;
                if added.rows_affected() == 0 {
                    return Err(StoreError::Rejected("error-hearing-no-case"));
                }
                let mut e =
                    Event::new("create", "case-hearing", &id).detail(format!("case={case_id}"));
                e.place = home;
                audited((), e)
            })
        })
        .await
    }

    /// A case's hearings, by day.
    pub async fn hearings(&self, case_id: &str) -> Result<Vec<Hearing>> {
        sqlx::query(
            "SELECT held_on, purpose, support FROM case_hearing WHERE case_id = $1 \
             ORDER BY held_on, created_at",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let purpose: String = r.try_get("purpose")?;
            let support: String = r.try_get("support")?;
            Ok(Hearing {
                held_on: r.try_get("held_on")?,
                purpose: HearingPurpose::parse(&purpose).unwrap_or(HearingPurpose::Hearing),
                support: split(&support, TestimonySupport::parse),
            })
        })
        .collect()
    }

    /// How many hearings of an organisation's open cases fall in the next `days` days (the
    /// caseworker's work list: her escort, lawyer and counsellor are arranged beforehand).
    pub async fn hearings_ahead(
        &self,
        organisation: i64,
        today: time::Date,
        days: i64,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM case_hearing h JOIN survivor_case c ON c.id = h.case_id \
             WHERE c.organisation_id = $1 AND c.status <> 'closed' AND c.withdrawn_at IS NULL \
             AND h.held_on >= $2 AND h.held_on <= $3",
        )
        .bind(organisation)
        .bind(iso(today))
        .bind(iso(today + time::Duration::days(days)))
        .fetch_one(&self.pool)
        .await?)
    }
}
