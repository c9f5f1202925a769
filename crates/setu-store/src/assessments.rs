//! Assessments of a survivor's situation by domain (issue 16), made again and again over her
//! case so that the change shows: each domain scored on the scale of
//! [`setu_core::cases::SCORES`], with a note about her that is sealed like her name. An
//! assessment is never edited; the next one records what changed.

use setu_core::calendar::iso;
use setu_core::cases::{AssessmentDraft, Domain};
use sqlx::Row;

use crate::audit::{Actor, Event};
use crate::rekey::UNVERSIONED;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// One assessment as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Id (UUID).
    pub id: String,
    /// Assessed on (ISO).
    pub assessed_on: String,
    /// Who assessed (username).
    pub assessed_by: String,
    /// Each domain's score and note (the note only when revealed), in [`Domain::ALL`]'s order.
    pub scores: Vec<(Domain, i64, Option<String>)>,
}

impl Store {
    /// Records an assessment of a case (every domain scored). The case must be open to work.
    pub async fn record_assessment(
        &self,
        by: &Actor,
        case_id: &str,
        d: &AssessmentDraft,
    ) -> Result<String> {
        let case = self.case(case_id, Reveal::No).await?;
        if case.status == setu_core::cases::CaseStatus::Closed {
            return Err(StoreError::Rejected("error-case-status"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let mut rows = Vec::new();
        for (domain, score, note) in &d.scores {
            let row = uuid::Uuid::new_v4().to_string();
            let sealed = note
                .as_deref()
                .map(|n| {
                    self.keys
                        .seal("case_assessment_score", "note", &row, UNVERSIONED, n)
                })
                .transpose()?;
            rows.push((row, *domain, *score, sealed));
        }
        let (id, rows) = (&id, &rows);
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO case_assessment (id, case_id, assessed_on, assessed_by, \
                     created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id.clone())
                .bind(case_id.to_string())
                .bind(iso(d.assessed_on))
                .bind(by.name.clone())
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                for (row, domain, score, note) in rows {
                    sqlx::query(
                        "INSERT INTO case_assessment_score (id, assessment_id, domain, score, \
                         note) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(row.clone())
                    .bind(id.clone())
                    .bind(domain.as_str())
                    .bind(*score)
                    .bind(note.clone())
                    .execute(&mut **tx)
                    .await?;
                }
                let mut event =
                    Event::new("create", "case-assessment", id).detail(format!("case={case_id}"));
                event.place = case.home;
                audited(id.clone(), event)
            })
        })
        .await
    }

    /// A case's assessments, oldest first; the notes open with `Reveal::To`, in one audited
    /// view.
    pub async fn case_assessments(
        &self,
        case_id: &str,
        reveal: Reveal<'_>,
    ) -> Result<Vec<Assessment>> {
        let rows = sqlx::query(
            "SELECT a.id AS assessment, a.assessed_on, a.assessed_by, s.id, s.domain, s.score, \
             s.note FROM case_assessment a JOIN case_assessment_score s ON s.assessment_id = a.id \
             WHERE a.case_id = $1 ORDER BY a.assessed_on, a.created_at, a.id",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let noted: Vec<String> = rows
            .iter()
            .filter(|r| matches!(r.try_get::<Option<String>, _>("note"), Ok(Some(_))))
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let open = self
            .page_opener(
                reveal,
                "case-assessment",
                "case_assessment_score",
                &noted,
                &["note"],
                None,
            )
            .await?;
        let mut out: Vec<Assessment> = Vec::new();
        for r in &rows {
            let id: String = r.try_get("assessment")?;
            if out.last().is_none_or(|a| a.id != id) {
                out.push(Assessment {
                    id: id.clone(),
                    assessed_on: r.try_get("assessed_on")?,
                    assessed_by: r.try_get("assessed_by")?,
                    scores: Vec::new(),
                });
            }
            let domain: String = r.try_get("domain")?;
            let domain = Domain::parse(&domain)
                .ok_or_else(|| StoreError::ReferenceData(format!("domain {domain}")))?;
            let row: String = r.try_get("id")?;
            let note = open.row("case_assessment_score", &row).get(r, "note")?;
            if let Some(a) = out.last_mut() {
                a.scores.push((domain, r.try_get("score")?, note));
            }
        }
        for a in &mut out {
            a.scores
                .sort_by_key(|(d, _, _)| Domain::ALL.iter().position(|x| x == d));
        }
        Ok(out)
    }
}
