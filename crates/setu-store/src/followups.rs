//! Follow-ups after a survivor returns home (issue 16): the day she went home schedules a
//! visit or call 1, 3, 6 and 12 months after; each is recorded once, with how it was made, her
//! reintegration status (several may hold) and a sealed note. Those past their day and not
//! recorded are the caseworker's work.

use setu_core::calendar::iso;
use setu_core::cases::{
    months_after, CaseStatus, Contact, FollowUpDraft, Reintegration, FOLLOW_UP_MONTHS,
};
use sqlx::Row;
use time::Date;

use crate::audit::{Actor, Event};
use crate::rekey::UNVERSIONED;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// A follow-up, scheduled or recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// Id (UUID).
    pub id: String,
    /// Due on (ISO).
    pub due_on: String,
    /// Done on (ISO), once recorded.
    pub done_on: Option<String>,
    /// How it was made.
    pub contact: Option<Contact>,
    /// What was found.
    pub found: Vec<Reintegration>,
    /// The note, when revealed.
    pub note: Option<String>,
    /// Who recorded it (username).
    pub recorded_by: Option<String>,
}

impl Store {
    /// Records the day she went home and schedules her follow-ups ([`FOLLOW_UP_MONTHS`]
    /// after it), once: a case already marked home is refused.
    pub async fn mark_returned_home(&self, by: &Actor, case_id: &str, on: Date) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        if case.status == CaseStatus::Closed {
            return Err(StoreError::Rejected("error-case-status"));
        }
        let case = &case;
        self.record(by, |tx, _| {
            Box::pin(async move {
                let marked = sqlx::query(
                    "UPDATE survivor_case SET returned_on = $1 WHERE id = $2 \
                     AND returned_on IS NULL AND status <> 'closed'",
                )
                .bind(iso(on))
                .bind(case_id.to_string())
                .execute(&mut **tx)
                .await?;
                if marked.rows_affected() == 0 {
                    return Err(StoreError::Rejected("error-case-returned"));
                }
                for m in FOLLOW_UP_MONTHS {
                    insert_scheduled(tx, case_id, months_after(on, m)).await?;
                }
                let mut e = Event::new("returned-home", "survivor-case", case_id);
                e.place = case.home;
                audited((), e)
            })
        })
        .await
    }

    /// Schedules one more follow-up.
    pub async fn schedule_followup(&self, by: &Actor, case_id: &str, due: Date) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        if case.status == CaseStatus::Closed {
            return Err(StoreError::Rejected("error-case-status"));
        }
        let home = case.home;
        self.record(by, |tx, _| {
            Box::pin(async move {
                let id = insert_scheduled(tx, case_id, due).await?;
                let mut e = Event::new("schedule", "case-followup", id);
                e.place = home;
                audited((), e)
            })
        })
        .await
    }

    /// Records a scheduled follow-up of the case, once.
    pub async fn record_followup(
        &self,
        by: &Actor,
        case_id: &str,
        d: &FollowUpDraft,
    ) -> Result<()> {
        self.write_followup(by, case_id, d, None).await.map(|_| ())
    }

    /// Records a follow-up sent from a phone (made without a connection) under the id the
    /// phone gave it, once: a resend of the same record finds it recorded and changes nothing;
    /// an id reused for another follow-up, or a follow-up recorded since by someone else, is
    /// refused.
    pub async fn record_followup_once(
        &self,
        by: &Actor,
        case_id: &str,
        client: &str,
        d: &FollowUpDraft,
    ) -> Result<crate::offline::Once> {
        use crate::offline::{client_id, Once};
        let client = client_id(client)?;
        let sent_before = || async {
            let stored: Option<String> =
                sqlx::query_scalar("SELECT id FROM case_followup WHERE client_id = $1")
                    .bind(client.clone())
                    .fetch_optional(&self.pool)
                    .await?;
            Ok::<_, StoreError>(stored)
        };
        match sent_before().await? {
            Some(f) if f == d.followup => return Ok(Once::AlreadyStored),
            Some(_) => return Err(StoreError::Rejected("error-client-id")),
            None => {}
        }
        match self.write_followup(by, case_id, d, Some(&client)).await {
            Ok(true) => Ok(Once::Created),
            Ok(false) => Ok(Once::AlreadyStored),
            // Two resends at once: the other one recorded it.
            Err(e) => match sent_before().await? {
                Some(f) if f == d.followup => Ok(Once::AlreadyStored),
                _ => Err(e),
            },
        }
    }

    /// The case a follow-up belongs to (what a phone's record names), if it exists.
    pub async fn followup_case(&self, followup: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT case_id FROM case_followup WHERE id = $1")
                .bind(followup.to_string())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn write_followup(
        &self,
        by: &Actor,
        case_id: &str,
        d: &FollowUpDraft,
        client: Option<&str>,
    ) -> Result<bool> {
        let case = self.case(case_id, Reveal::No).await?;
        let note = d
            .note
            .as_deref()
            .map(|n| {
                self.keys
                    .seal("case_followup", "note", &d.followup, UNVERSIONED, n)
            })
            .transpose()?;
        let found = d
            .found
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let (note, found, home) = (&note, &found, case.home);
        self.record(by, |tx, _| {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE case_followup SET done_on = $1, contact = $2, statuses = $3, \
                     note = $4, recorded_by = $5, client_id = $6 \
                     WHERE id = $7 AND case_id = $8 AND done_on IS NULL",
                )
                .bind(iso(d.done_on))
                .bind(d.contact.as_str())
                .bind(found.clone())
                .bind(note.clone())
                .bind(by.name.clone())
                .bind(client.map(str::to_string))
                .bind(d.followup.clone())
                .bind(case_id.to_string())
                .execute(&mut **tx)
                .await?;
                if done.rows_affected() == 0 {
                    // Made already: by this phone's record (a resend racing the first send,
                    // perhaps in the same batch of writes) is not a refusal.
                    let by_this: Option<String> = match client {
                        Some(_) => {
                            sqlx::query_scalar("SELECT client_id FROM case_followup WHERE id = $1")
                                .bind(d.followup.clone())
                                .fetch_optional(&mut **tx)
                                .await?
                                .flatten()
                        }
                        None => None,
                    };
                    if by_this.is_some() && by_this.as_deref() == client {
                        let mut e = Event::new("resend", "case-followup", &d.followup);
                        e.place = home;
                        return audited(false, e);
                    }
                    return Err(StoreError::Rejected("error-followup-done"));
                }
                let mut e =
                    Event::new("record", "case-followup", &d.followup).detail(found.clone());
                e.place = home;
                audited(true, e)
            })
        })
        .await
    }

    /// A case's follow-ups by due day; notes open with `Reveal::To`, in one audited view.
    pub async fn case_followups(&self, case_id: &str, reveal: Reveal<'_>) -> Result<Vec<FollowUp>> {
        let rows = sqlx::query(
            "SELECT id, due_on, done_on, contact, statuses, note, recorded_by FROM case_followup \
             WHERE case_id = $1 ORDER BY due_on, id",
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
                "case-followup",
                "case_followup",
                &noted,
                &["note"],
                None,
            )
            .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let statuses: Option<String> = r.try_get("statuses")?;
                let contact: Option<String> = r.try_get("contact")?;
                Ok(FollowUp {
                    note: open.row("case_followup", &id).get(r, "note")?,
                    due_on: r.try_get("due_on")?,
                    done_on: r.try_get("done_on")?,
                    contact: contact.as_deref().and_then(Contact::parse),
                    found: statuses
                        .unwrap_or_default()
                        .split(',')
                        .filter_map(Reintegration::parse)
                        .collect(),
                    recorded_by: r.try_get("recorded_by")?,
                    id,
                })
            })
            .collect()
    }

    /// The follow-ups of an organisation's open cases not yet made and due by `until`, by day:
    /// (follow-up id, case id, due on, ISO). What a caseworker takes along on her visits.
    pub async fn followups_to_make(
        &self,
        organisation: i64,
        until: Date,
    ) -> Result<Vec<(String, String, String)>> {
        sqlx::query(
            "SELECT f.id, f.case_id, f.due_on FROM case_followup f \
             JOIN survivor_case c ON c.id = f.case_id \
             WHERE c.organisation_id = $1 AND c.status <> 'closed' AND c.withdrawn_at IS NULL \
             AND f.done_on IS NULL AND f.due_on <= $2 ORDER BY f.due_on, f.id",
        )
        .bind(organisation)
        .bind(iso(until))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("case_id")?,
                r.try_get("due_on")?,
            ))
        })
        .collect()
    }

    /// How many follow-ups of an organisation's open cases are past their day and not
    /// recorded (the caseworker's work list).
    pub async fn followups_due(&self, organisation: i64, today: Date) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM case_followup f JOIN survivor_case c ON c.id = f.case_id \
             WHERE c.organisation_id = $1 AND c.status <> 'closed' AND c.withdrawn_at IS NULL \
             AND f.done_on IS NULL AND f.due_on <= $2",
        )
        .bind(organisation)
        .bind(iso(today))
        .fetch_one(&self.pool)
        .await?)
    }
}

/// Schedules one follow-up; returns its id.
async fn insert_scheduled(tx: &mut crate::write::Tx, case_id: &str, due: Date) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO case_followup (id, case_id, due_on, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id.clone())
    .bind(case_id.to_string())
    .bind(iso(due))
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}
