//! Matching in the application, after the matcher ([`crate::matcher`]) has proposed pairs: the
//! review queue, decisions (a rejected pair is never proposed again; a confirmed pair links both
//! records to one person and tells the report's owner), merges with undo, and notifications.
//!
//! Nothing personal is written here (proposals hold kinds, ids, the probability and per-field
//! levels; notifications name records by id).

use serde::Serialize;
use setu_core::access::Scope;
use setu_core::tracing::ReportStatus;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{Actor, Event};
use crate::scope::scope_condition;
use crate::tracing::{move_report, person_in, RecordKind};
use crate::write::audited;
use crate::write::Tx;

pub use crate::matcher::{PROPOSE_FROM, TRAIN_FROM};
use crate::{now_text, Result, Store, StoreError};

/// One field's part in a proposal's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// `setu_link::Field::key`, e.g. `given_name`.
    pub field: String,
    /// The level reached, e.g. `alias`.
    pub level: String,
    /// Weight in bits.
    pub bits: f64,
}

/// A proposed pair.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    pub id: String,
    pub left_kind: RecordKind,
    pub left_id: String,
    pub right_kind: RecordKind,
    pub right_id: String,
    /// Home ward of the report (or place of the first encounter), for scope.
    pub place_code: String,
    pub probability: f64,
    pub evidence: Vec<Evidence>,
    /// proposed, confirmed or rejected.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

/// An in-app notification.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: String,
    pub kind: String,
    /// The record it is about (an id).
    pub subject: String,
    /// What `subject` is: `screening`, `encounter`, `report` or `proposal`.
    pub subject_kind: String,
    pub created_at: String,
    pub read_at: Option<String>,
    /// Whom to call, for an alert at a booth: the committee of the report's local level (or,
    /// where it has none, of its district). Never anything of the report itself.
    pub contact: Option<CommitteeContact>,
}

/// The committee a booth worker is asked to call about a possible match.
#[derive(Debug, Clone, Serialize)]
pub struct CommitteeContact {
    /// `lccht` or `dccht`.
    pub kind: String,
    /// The local level (or district) in English and Nepali.
    pub place_en: Option<String>,
    pub place_ne: Option<String>,
    /// The committee's office telephone, when it gave one.
    pub phone: Option<String>,
}

/// The notifications' columns: the subject's kind is looked up (a notification stores an id
/// only) and the committee to call is joined by the place the alert was raised for.
const NOTIFICATION_QUERY: &str = "SELECT n.id, n.kind, n.subject, n.created_at, n.read_at, \
     CASE WHEN n.kind IN ('match-proposed') THEN 'proposal' \
          WHEN n.kind = 'match-confirmed' THEN 'report' \
          WHEN n.kind LIKE 'case-%' THEN 'case' \
          WHEN EXISTS (SELECT 1 FROM screening s WHERE s.id = n.subject) THEN 'screening' \
          WHEN EXISTS (SELECT 1 FROM tracing_encounter e WHERE e.id = n.subject) THEN 'encounter' \
          ELSE '' END AS subject_kind, \
     CASE WHEN l.id IS NOT NULL THEN 'lccht' WHEN d.id IS NOT NULL THEN 'dccht' END AS committee_kind, \
     CASE WHEN l.id IS NOT NULL THEN lp.name_en ELSE dp.name_en END AS committee_place_en, \
     CASE WHEN l.id IS NOT NULL THEN lp.name_ne ELSE dp.name_ne END AS committee_place_ne, \
     CASE WHEN l.id IS NOT NULL THEN l.phone ELSE d.phone END AS committee_phone \
     FROM notification n \
     LEFT JOIN committee l ON l.kind = 'lccht' AND l.place_code = n.place_code \
     LEFT JOIN place lp ON lp.code = n.place_code \
     LEFT JOIN committee d ON d.kind = 'dccht' AND d.place_code = substr(n.place_code, 1, 3) \
     LEFT JOIN place dp ON dp.code = substr(n.place_code, 1, 3) \
     WHERE n.username = $1";

fn parse_evidence(text: &str) -> Vec<Evidence> {
    text.split(';')
        .filter_map(|part| {
            let (field, rest) = part.split_once('=')?;
            let (level, bits) = rest.rsplit_once(':')?;
            Some(Evidence {
                field: field.to_string(),
                level: level.to_string(),
                bits: bits.parse().ok()?,
            })
        })
        .collect()
}

const PROPOSAL_COLUMNS: &str =
    "id, left_kind, left_id, right_kind, right_id, place_code, probability, reasons, \
    status, decided_by, decided_at";

fn proposal_from_row(r: &AnyRow) -> Result<Proposal> {
    let kind = |col: &str| -> Result<RecordKind> {
        let k: String = r.try_get(col)?;
        RecordKind::parse(&k).ok_or(StoreError::NotFound)
    };
    let reasons: String = r.try_get("reasons")?;
    Ok(Proposal {
        id: r.try_get("id")?,
        left_kind: kind("left_kind")?,
        left_id: r.try_get("left_id")?,
        right_kind: kind("right_kind")?,
        right_id: r.try_get("right_id")?,
        place_code: r.try_get("place_code")?,
        probability: r.try_get("probability")?,
        evidence: parse_evidence(&reasons),
        status: r.try_get("status")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
    })
}

impl Store {
    /// Proposals inside `scope` (by the report's home ward), most likely first; only those
    /// with `status` if given.
    pub async fn proposals(&self, scope: Scope, status: Option<&str>) -> Result<Vec<Proposal>> {
        self.proposal_rows(
            PROPOSAL_COLUMNS,
            "ORDER BY probability DESC, id",
            scope,
            status,
        )
        .await?
        .iter()
        .map(proposal_from_row)
        .collect()
    }

    /// How many proposals [`Store::proposals`] would list (the register's "waiting" link).
    pub async fn count_proposals(&self, scope: Scope, status: Option<&str>) -> Result<i64> {
        let rows = self
            .proposal_rows("COUNT(*) AS n", "", scope, status)
            .await?;
        match rows.first() {
            Some(r) => Ok(r.try_get("n")?),
            None => Ok(0),
        }
    }

    /// One query over the proposals in `scope` with `status`, for the list and its count.
    async fn proposal_rows(
        &self,
        select: &str,
        order: &str,
        scope: Scope,
        status: Option<&str>,
    ) -> Result<Vec<AnyRow>> {
        let (cond, value) = scope_condition(scope, 2, "place_code", None, None);
        let sql = format!(
            "SELECT {select} FROM match_proposal WHERE ($1 IS NULL OR status = $1) AND {cond} {order}"
        );
        let mut q = sqlx::query(&sql).bind(status.map(str::to_string));
        if let Some(v) = value {
            q = q.bind(v);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// One proposal.
    pub async fn proposal(&self, id: &str) -> Result<Proposal> {
        let r = sqlx::query(&format!(
            "SELECT {PROPOSAL_COLUMNS} FROM match_proposal WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        proposal_from_row(&r)
    }

    /// Confirms or rejects a proposal (once). Confirming links both records to one person,
    /// marks an open report found, and tells the report's owner in the app.
    pub async fn decide_proposal(&self, by: &Actor, id: &str, confirm: bool) -> Result<()> {
        let p = self.proposal(id).await?;
        if p.status != "proposed" {
            return Err(StoreError::Rejected("error-already-decided"));
        }
        let now = now_text();
        let p = &p;
        let now = &now;
        self.record(by, |tx, _| Box::pin(async move {
        let status = if confirm { "confirmed" } else { "rejected" };
        let done = sqlx::query(
            "UPDATE match_proposal SET status = $1, decided_by = $2, decided_at = $3 \
             WHERE id = $4 AND status = 'proposed'",
        )
        .bind(status)
        .bind(by.name.clone())
        .bind(now.clone())
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Rejected("error-already-decided"));
        }
        if confirm {
            self.link_persons(tx, p).await?;
            if p.left_kind == RecordKind::Report {
                let report = self.report(&p.left_id, crate::sealing::Reveal::No).await?;
                let open = matches!(
                    report.status,
                    ReportStatus::Missing | ReportStatus::StillMissing
                );
                if open {
                    let found_on = self.found_on(p, &report.reported_on).await?;
                    let moved = move_report(
                        tx,
                        &self.keys,
                        &p.left_id,
                        report.version,
                        ReportStatus::Found,
                        found_on,
                        by,
                    )
                    .await?;
                    if !moved {
                        return Err(StoreError::Conflict {
                            current: report.version,
                        });
                    }
                }
                sqlx::query(
                    "INSERT INTO notification (id, username, kind, subject, created_at) VALUES ($1, $2, 'match-confirmed', $3, $4)",
                )
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(report.created_by.clone())
                .bind(p.left_id.clone())
                .bind(now.clone())
                .execute(&mut **tx)
                .await?;
            }
        }
        let mut event = Event::new(
            if confirm { "confirm" } else { "reject" },
            "match-proposal",
            id,
        )
        .detail(format!(
            "{}:{} {}:{}",
            p.left_kind.as_str(),
            p.left_id,
            p.right_kind.as_str(),
            p.right_id
        ));
        event.place = p.place_code.parse().ok();
        audited((), event)
        })).await?;
        Ok(())
    }

    /// Links both sides of a confirmed proposal to one person (inside the caller's
    /// transaction). When both were already linked to different people, everyone linked to the
    /// right side's person joins the left's. Every record moved is written to `person_merge`
    /// with its earlier person, so that the merge can be undone.
    async fn link_persons(&self, tx: &mut Tx, p: &Proposal) -> Result<()> {
        // Read inside the transaction, so that a confirmation running beside this one cannot
        // change the persons between reading and moving them.
        let left = person_in(tx, p.left_kind, &p.left_id).await?;
        let right = person_in(tx, p.right_kind, &p.right_id).await?;
        let person = left
            .clone()
            .or(right.clone())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let mut moving = vec![
            (p.left_kind, p.left_id.clone(), left),
            (p.right_kind, p.right_id.clone(), right.clone()),
        ];
        if let Some(other) = right.filter(|r| *r != person) {
            for (kind, id) in records_of_person(tx, &other).await? {
                if !moving.iter().any(|(k, i, _)| *k == kind && *i == id) {
                    moving.push((kind, id, Some(other.clone())));
                }
            }
        }
        let seq: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM person_merge")
            .fetch_one(&mut **tx)
            .await?
            .try_get("n")?;
        for (kind, id, before) in moving {
            if before.as_deref() == Some(person.as_str()) {
                continue;
            }
            move_person(tx, kind, &id, before.as_deref(), Some(&person)).await?;
            sqlx::query(
                "INSERT INTO person_merge (proposal_id, kind, record_id, person_before, person_after, seq) \
                 VALUES ($1, $2, $3, $4, $5, CAST($6 AS BIGINT))",
            )
            .bind(p.id.clone())
            .bind(kind.as_str())
            .bind(id)
            .bind(before)
            .bind(person.clone())
            .bind(seq.to_string())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Undoes a confirmed merge of two encounters: every record it moved goes back to the
    /// person it had before, and the pair returns to the queue to be decided again. A match
    /// with a report is not undone here (its status history records what followed; the case
    /// is moved back with the status form). Refused if a later merge moved the same records:
    /// that one is undone first.
    pub async fn undo_merge(&self, by: &Actor, id: &str) -> Result<()> {
        let p = self.proposal(id).await?;
        if p.status != "confirmed" || p.left_kind == RecordKind::Report {
            return Err(StoreError::Rejected("error-undo-not-merge"));
        }
        let p = &p;
        self.record(by, |tx, _| Box::pin(async move {
        let rows = sqlx::query(
            "SELECT kind, record_id, person_before, person_after, seq FROM person_merge \
             WHERE proposal_id = $1 ORDER BY kind, record_id",
        )
        .bind(id.to_string())
        .fetch_all(&mut **tx)
        .await?;
        // A later confirmation that joined more records to the same person builds on this one.
        if let Some(after) = rows.first() {
            let seq: i64 = after.try_get("seq")?;
            let after: String = after.try_get("person_after")?;
            let later: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM person_merge WHERE person_after = $1 AND seq > CAST($2 AS BIGINT)",
            )
            .bind(after)
            .bind(seq.to_string())
            .fetch_one(&mut **tx)
            .await?
            .try_get("n")?;
            if later > 0 {
                return Err(StoreError::Rejected("error-undo-later-merge"));
            }
        }
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let kind = RecordKind::parse(&kind).ok_or(StoreError::NotFound)?;
            let record: String = r.try_get("record_id")?;
            let before: Option<String> = r.try_get("person_before")?;
            let after: String = r.try_get("person_after")?;
            if !move_person(tx, kind, &record, Some(&after), before.as_deref()).await? {
                return Err(StoreError::Rejected("error-undo-later-merge"));
            }
        }
        sqlx::query("DELETE FROM person_merge WHERE proposal_id = $1")
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        let reopened = sqlx::query(
            "UPDATE match_proposal SET status = 'proposed', decided_by = NULL, decided_at = NULL \
             WHERE id = $1 AND status = 'confirmed'",
        )
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
        if reopened.rows_affected() == 0 {
            return Err(StoreError::Rejected("error-undo-not-merge"));
        }
        let mut event = Event::new("undo", "match-proposal", id)
            .detail(format!("{} records restored", rows.len()));
        event.place = p.place_code.parse().ok();
        audited((), event)
        })).await?;
        Ok(())
    }

    /// Proposals that involve one record, most likely first (for the record's own page).
    pub async fn proposals_of(&self, kind: RecordKind, id: &str) -> Result<Vec<Proposal>> {
        let sql = format!(
            "SELECT {PROPOSAL_COLUMNS} FROM match_proposal \
             WHERE (left_kind = $1 AND left_id = $2) OR (right_kind = $1 AND right_id = $2) \
             ORDER BY probability DESC, id"
        );
        sqlx::query(&sql)
            .bind(kind.as_str())
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(proposal_from_row)
            .collect()
    }

    /// The other records linked to the same person as this one.
    pub async fn linked_records(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Vec<(RecordKind, String)>> {
        let Some(person) = self.person_of(kind, id).await? else {
            return Ok(Vec::new());
        };
        let all = records_of_person(&mut *self.pool.acquire().await?, &person).await?;
        Ok(all
            .into_iter()
            .filter(|(k, i)| !(*k == kind && i == id))
            .collect())
    }

    /// How many of a user's notifications are unread (the badge in the header).
    pub async fn unread_notifications(&self, username: &str) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM notification WHERE username = $1 AND read_at IS NULL",
        )
        .bind(username.to_string())
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?)
    }

    /// Marks all of a user's notifications read.
    pub async fn mark_notifications_read(&self, username: &str) -> Result<()> {
        self.write(|tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE notification SET read_at = $1 WHERE username = $2 AND read_at IS NULL",
                )
                .bind(now_text())
                .bind(username.to_string())
                .execute(&mut **tx)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// The day a confirmed match found the girl of a report: the day she was met (rescued,
    /// taken in, screened), unless that was before the report was made; then today.
    async fn found_on(&self, p: &Proposal, reported_on: &str) -> Result<time::Date> {
        let today = setu_core::calendar::today_in_nepal();
        let met = match p.right_kind {
            RecordKind::Encounter => {
                self.tracing_encounter(&p.right_id, crate::sealing::Reveal::No)
                    .await?
                    .met_on
            }
            RecordKind::Screening => {
                self.screening(&p.right_id, crate::sealing::Reveal::No)
                    .await?
                    .day
            }
            RecordKind::Report => return Ok(today),
        };
        let met = setu_core::calendar::parse_ad(&met).ok();
        let reported = setu_core::calendar::parse_ad(reported_on).ok();
        Ok(match (met, reported) {
            (Some(m), Some(r)) if m >= r && m <= today => m,
            _ => today,
        })
    }

    /// A user's notifications, newest first (the latest 200).
    pub async fn notifications(&self, username: &str) -> Result<Vec<Notification>> {
        let sql = format!("{NOTIFICATION_QUERY} ORDER BY n.created_at DESC, n.id LIMIT 200");
        self.notifications_where(&sql, username).await
    }

    /// A user's unread alerts of a possible match (the capture page shows them, and the phone
    /// asks for them after a sync), newest first.
    pub async fn unread_alerts(&self, username: &str) -> Result<Vec<Notification>> {
        let sql = format!(
            "{NOTIFICATION_QUERY} AND n.kind = 'match-alert' AND n.read_at IS NULL \
             ORDER BY n.created_at DESC, n.id LIMIT 20"
        );
        self.notifications_where(&sql, username).await
    }

    async fn notifications_where(&self, sql: &str, username: &str) -> Result<Vec<Notification>> {
        let rows = sqlx::query(sql)
            .bind(username.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(notification_from_row).collect()
    }
}

fn notification_from_row(r: &AnyRow) -> Result<Notification> {
    let committee: Option<String> = r.try_get("committee_kind")?;
    let contact = match committee {
        Some(kind) => Some(CommitteeContact {
            kind,
            place_en: r.try_get("committee_place_en")?,
            place_ne: r.try_get("committee_place_ne")?,
            phone: r.try_get("committee_phone")?,
        }),
        None => None,
    };
    Ok(Notification {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        subject_kind: r.try_get("subject_kind")?,
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
        contact,
    })
}

/// Every record of every kind linked to `person`.
async fn records_of_person(
    conn: &mut sqlx::AnyConnection,
    person: &str,
) -> Result<Vec<(RecordKind, String)>> {
    let mut out = Vec::new();
    for kind in RecordKind::ALL {
        let sql = format!(
            "SELECT id FROM {} WHERE person_id = $1 ORDER BY id",
            kind.table()
        );
        for r in sqlx::query(&sql)
            .bind(person.to_string())
            .fetch_all(&mut *conn)
            .await?
        {
            out.push((kind, r.try_get("id")?));
        }
    }
    Ok(out)
}

/// Moves one record to `to` if it is still linked to `from` (`None`: linked to nobody);
/// whether it moved.
async fn move_person(
    tx: &mut Tx,
    kind: RecordKind,
    id: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<bool> {
    let sql = format!(
        "UPDATE {} SET person_id = $1 WHERE id = $2 AND ((person_id IS NULL AND $3 IS NULL) OR person_id = $3)",
        kind.table()
    );
    let done = sqlx::query(&sql)
        .bind(to.map(str::to_string))
        .bind(id.to_string())
        .bind(from.map(str::to_string))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}
