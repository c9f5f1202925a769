//! Hand-overs (who handed whom to whom, acknowledged by the receiving side or by a paper
//! receipt) and police referrals (sent → acknowledged → action taken → closed, each timed).
//!
//! Both have two sides: the side that made the record sees it through its place, site or
//! organisation; the receiving organisation sees it through its own organisation scope.

use serde::Serialize;
use setu_core::access::{Scope, Target};
use setu_core::booths::{
    HandoverDraft, ReferralCategory, ReferralDraft, ReferralSource, ReferralStatus, Urgency,
    HANDOVER_ACK_WITHIN,
};
pub use setu_stats::referrals::ReferralFigures;
use setu_stats::referrals::{referral_figures, ReferralCounts};
use sqlx::Row;
use time::OffsetDateTime;

use crate::audit::{Actor, Event};
use crate::paging::Paged;
use crate::rekey::{next_version, FIRST_VERSION, UNVERSIONED};
use crate::scope::scope_condition;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, time_text, Result, Store, StoreError};

/// The SQL condition for a two-sided record: inside `scope` by place, site or sending
/// organisation, or received by the scope's organisation.
fn two_sided(scope: Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::Organisation(id) => (
            format!("(from_org_id = CAST(${n} AS BIGINT) OR to_org_id = CAST(${n} AS BIGINT))"),
            Some(id.to_string()),
        ),
        other => scope_condition(other, n, "place_code", Some("site_id"), None),
    }
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// A stored hand-over.
#[derive(Debug, Clone, Serialize)]
pub struct Handover {
    /// Id.
    pub id: String,
    /// When, UTC.
    pub handed_at: String,
    /// Where.
    pub place_code: String,
    /// Booth involved.
    pub site_id: Option<i64>,
    /// Handing party.
    pub from_party: String,
    /// Its organisation.
    pub from_org_id: Option<i64>,
    /// Officer (revealed).
    pub from_officer: Option<String>,
    /// Rank.
    pub from_rank: String,
    /// Receiving party.
    pub to_party: String,
    /// Its organisation.
    pub to_org_id: Option<i64>,
    /// Officer (revealed).
    pub to_officer: Option<String>,
    /// Rank.
    pub to_rank: String,
    /// Documents handed over (revealed: a description can carry document numbers).
    pub documents: Option<String>,
    /// GD number.
    pub gd_number: String,
    /// FIR number.
    pub fir_number: String,
    /// Acknowledgement due, UTC.
    pub due_at: String,
    /// Acknowledged in Setu, UTC.
    pub acknowledged_at: Option<String>,
    /// By whom.
    pub acknowledged_by: Option<String>,
    /// Paper receipt number, for a party without an account.
    pub receipt_number: Option<String>,
    /// Screening ids of the persons.
    pub persons: Vec<String>,
}

impl Handover {
    /// The sending side and the receiving side: a user who may act on either sees it.
    pub fn targets(&self) -> [Target; 2] {
        [
            Target {
                place: self.place_code.parse().ok(),
                site: self.site_id,
                organisation: self.from_org_id,
            },
            Target {
                organisation: self.to_org_id,
                ..Default::default()
            },
        ]
    }

    /// Whether it is acknowledged (in Setu or by a paper receipt).
    pub fn acknowledged(&self) -> bool {
        self.acknowledged_at.is_some() || self.receipt_number.is_some()
    }

    /// Unacknowledged past its deadline at `now`.
    pub fn overdue(&self, now: OffsetDateTime) -> bool {
        !self.acknowledged() && parse_time(&self.due_at).is_some_and(|d| d < now)
    }
}

/// A stored referral.
#[derive(Debug, Clone, Serialize)]
pub struct Referral {
    /// Id.
    pub id: String,
    /// Who raised it.
    pub source: ReferralSource,
    /// Ward or local level.
    pub place_code: String,
    /// Booth.
    pub site_id: Option<i64>,
    /// Sending organisation.
    pub from_org_id: Option<i64>,
    /// Police unit.
    pub to_org_id: i64,
    /// Category.
    pub category: ReferralCategory,
    /// Urgency.
    pub urgency: Urgency,
    /// Description (revealed).
    pub description: Option<String>,
    /// Status.
    pub status: ReferralStatus,
    /// Sent, UTC.
    pub sent_at: String,
    /// Acknowledged, UTC.
    pub acknowledged_at: Option<String>,
    /// Action taken, UTC.
    pub action_at: Option<String>,
    /// Closed, UTC.
    pub closed_at: Option<String>,
    /// Why closed without action (revealed).
    pub close_reason: Option<String>,
    /// Acknowledgement due.
    pub ack_due_at: String,
    /// Action due.
    pub act_due_at: String,
    /// Sent by.
    pub created_by: String,
}

impl Referral {
    /// The sending side and the police unit.
    pub fn targets(&self) -> [Target; 2] {
        [
            Target {
                place: self.place_code.parse().ok(),
                site: self.site_id,
                organisation: self.from_org_id,
            },
            Target {
                organisation: Some(self.to_org_id),
                ..Default::default()
            },
        ]
    }

    /// Past a deadline at `now`: not acknowledged in time, or no action in time.
    pub fn overdue(&self, now: OffsetDateTime) -> bool {
        let past = |s: &str| parse_time(s).is_some_and(|d| d < now);
        match self.status {
            ReferralStatus::Sent => past(&self.ack_due_at) || past(&self.act_due_at),
            ReferralStatus::Acknowledged => past(&self.act_due_at),
            _ => false,
        }
    }

    /// Minutes from sending to acknowledgement.
    pub fn minutes_to_acknowledge(&self) -> Option<i64> {
        minutes_between(&self.sent_at, self.acknowledged_at.as_deref())
    }

    /// Minutes from sending to action.
    pub fn minutes_to_act(&self) -> Option<i64> {
        minutes_between(&self.sent_at, self.action_at.as_deref())
    }
}

fn minutes_between(from: &str, to: Option<&str>) -> Option<i64> {
    Some((parse_time(to?)? - parse_time(from)?).whole_minutes())
}

const HANDOVER_COLUMNS: &str = "id, handed_at, place_code, site_id, from_party, from_org_id, from_officer, from_rank, \
    to_party, to_org_id, to_officer, to_rank, documents, gd_number, fir_number, due_at, acknowledged_at, acknowledged_by, receipt_number, \
    version";

impl Store {
    /// Records a hand-over of the persons (screening ids) in `d`.
    pub async fn create_handover(&self, by: &Actor, d: &HandoverDraft) -> Result<String> {
        self.place(d.place)
            .await?
            .ok_or(StoreError::UnknownReference("place"))?;
        for org in [d.from.1, d.to.1].into_iter().flatten() {
            self.organisation(org).await?;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let seal = |col: &str, v: &Option<String>| {
            v.as_deref()
                .map(|v| self.keys.seal("handover", col, &id, UNVERSIONED, v))
                .transpose()
        };
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO handover (id, handed_at, place_code, site_id, from_party, from_org_id, from_officer, from_rank, \
               to_party, to_org_id, to_officer, to_rank, documents, gd_number, fir_number, due_at, created_by, created_at) \
             VALUES ($1, $2, $3, CAST($4 AS BIGINT), $5, CAST($6 AS BIGINT), $7, $8, $9, CAST($10 AS BIGINT), $11, $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(id.clone())
        .bind(time_text(d.at))
        .bind(d.place.to_string())
        .bind(d.site.map(|s| s.to_string()))
        .bind(d.from.0.as_str())
        .bind(d.from.1.map(|s| s.to_string()))
        .bind(seal("from_officer", &d.from.2)?)
        .bind(d.from.3.clone())
        .bind(d.to.0.as_str())
        .bind(d.to.1.map(|s| s.to_string()))
        .bind(seal("to_officer", &d.to.2)?)
        .bind(d.to.3.clone())
        .bind(seal("documents", &Some(d.documents.clone()).filter(|d| !d.is_empty()))?)
        .bind(d.gd_number.clone())
        .bind(d.fir_number.clone())
        .bind(time_text(d.at + HANDOVER_ACK_WITHIN))
        .bind(by.name.clone())
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
        for p in &d.persons {
            let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM screening WHERE id = $1")
                .bind(p.clone())
                .fetch_one(&mut **tx)
                .await?;
            if known == 0 {
                return Err(StoreError::UnknownReference("screening"));
            }
            sqlx::query("INSERT INTO handover_person (handover_id, screening_id) VALUES ($1, $2)")
                .bind(id.clone())
                .bind(p.clone())
                .execute(&mut **tx)
                .await?;
        }
        audited((), Event::new("create", "handover", id)
                .at(d.place)
                .fields(&["from_officer", "to_officer", "documents"])
                .detail(format!(
                    "{} persons, {} to {}",
                    d.persons.len(),
                    d.from.0.as_str(),
                    d.to.0.as_str()
                )))
        })).await?;
        Ok(id.clone())
    }

    /// One hand-over; officers' names opened (audited) with `reveal`.
    pub async fn handover(&self, id: &str, reveal: Reveal<'_>) -> Result<Handover> {
        let sql = format!("SELECT {HANDOVER_COLUMNS} FROM handover WHERE id = $1");
        let r = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.handover_from_row(&r, reveal).await
    }

    /// One page of the hand-overs on either side of `scope` (see [`crate::paging`]), newest
    /// first, after hand-over `after` (names left sealed).
    pub async fn handover_page(
        &self,
        scope: Scope,
        after: Option<&str>,
    ) -> Result<Paged<Handover>> {
        let (cond, value) = two_sided(scope, 1);
        let select = format!(
            "SELECT {HANDOVER_COLUMNS} FROM handover WHERE {cond} AND withdrawn_at IS NULL"
        );
        let page = self
            .page_rows(
                "handover",
                &select,
                value.into_iter().collect(),
                &["handed_at"],
                after,
            )
            .await?;
        let mut rows = Vec::with_capacity(page.rows.len());
        for r in &page.rows {
            rows.push(self.handover_from_row(r, Reveal::No).await?);
        }
        Ok(Paged {
            rows,
            next: page.next,
        })
    }

    /// Acknowledges a hand-over: in Setu by the receiving side (`receipt` is `None`), or by
    /// recording the number of a paper receipt from a party without an account.
    pub async fn acknowledge_handover(
        &self,
        by: &Actor,
        id: &str,
        receipt: Option<&str>,
    ) -> Result<()> {
        let h = self.handover(id, Reveal::No).await?;
        if h.acknowledged() {
            return Err(StoreError::Rejected("error-already-acknowledged"));
        }
        let receipt = receipt.map(str::trim).filter(|r| !r.is_empty());
        let h = &h;
        self.record(by, |tx, _| Box::pin(async move {
        let done = match receipt {
            Some(r) => sqlx::query(
                "UPDATE handover SET receipt_number = $1 WHERE id = $2 AND acknowledged_at IS NULL AND receipt_number IS NULL",
            )
            .bind(r.to_string()),
            None => sqlx::query(
                "UPDATE handover SET acknowledged_at = $1 WHERE id = $2 AND acknowledged_at IS NULL AND receipt_number IS NULL",
            )
            .bind(now_text()),
        }
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Rejected("error-already-acknowledged"));
        }
        if receipt.is_none() {
            sqlx::query("UPDATE handover SET acknowledged_by = $1 WHERE id = $2")
                .bind(by.name.clone())
                .bind(id.to_string())
                .execute(&mut **tx)
                .await?;
        }
        let mut e = Event::new("acknowledge", "handover", id).detail(if receipt.is_some() {
            "paper receipt"
        } else {
            "in Setu"
        });
        e.place = h.place_code.parse().ok();
        audited((), e)
        })).await?;
        Ok(())
    }

    async fn handover_from_row(
        &self,
        r: &sqlx::any::AnyRow,
        reveal: Reveal<'_>,
    ) -> Result<Handover> {
        let id: String = r.try_get("id")?;
        let place_code: String = r.try_get("place_code")?;
        let opener = self
            .opener(
                reveal,
                "handover",
                "handover",
                &id,
                &place_code,
                &["from_officer", "to_officer", "documents"],
            )
            .await?;
        let open = |col: &str| opener.get(r, col);
        let persons = sqlx::query_scalar::<_, String>(
            "SELECT screening_id FROM handover_person WHERE handover_id = $1 ORDER BY screening_id",
        )
        .bind(id.clone())
        .fetch_all(&self.pool)
        .await?;
        Ok(Handover {
            handed_at: r.try_get("handed_at")?,
            site_id: r.try_get("site_id")?,
            from_party: r.try_get("from_party")?,
            from_org_id: r.try_get("from_org_id")?,
            from_officer: open("from_officer")?,
            from_rank: r.try_get("from_rank")?,
            to_party: r.try_get("to_party")?,
            to_org_id: r.try_get("to_org_id")?,
            to_officer: open("to_officer")?,
            to_rank: r.try_get("to_rank")?,
            documents: open("documents")?,
            gd_number: r.try_get("gd_number")?,
            fir_number: r.try_get("fir_number")?,
            due_at: r.try_get("due_at")?,
            acknowledged_at: r.try_get("acknowledged_at")?,
            acknowledged_by: r.try_get("acknowledged_by")?,
            receipt_number: r.try_get("receipt_number")?,
            persons,
            place_code,
            id,
        })
    }
}

const REFERRAL_COLUMNS: &str = "id, source, place_code, site_id, from_org_id, to_org_id, category, urgency, description, \
    status, sent_at, acknowledged_at, action_at, closed_at, close_reason, ack_due_at, act_due_at, created_by, version";

impl Store {
    /// Sends a referral to a police unit, at `now`.
    pub async fn create_referral(
        &self,
        by: &Actor,
        d: &ReferralDraft,
        from_org: Option<i64>,
        now: OffsetDateTime,
    ) -> Result<String> {
        self.place(d.place)
            .await?
            .ok_or(StoreError::UnknownReference("place"))?;
        let unit = self.organisation(d.to_org).await?;
        if unit.kind != setu_core::directory::OrgKind::PoliceUnit {
            return Err(StoreError::Rejected("error-not-police"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO police_referral (id, source, place_code, site_id, from_org_id, to_org_id, category, urgency, \
               description, status, sent_at, ack_due_at, act_due_at, created_by) \
             VALUES ($1, $2, $3, CAST($4 AS BIGINT), CAST($5 AS BIGINT), $6, $7, $8, $9, 'sent', $10, $11, $12, $13)",
        )
        .bind(id.clone())
        .bind(d.source.as_str())
        .bind(d.place.to_string())
        .bind(d.site.map(|s| s.to_string()))
        .bind(from_org.map(|s| s.to_string()))
        .bind(d.to_org)
        .bind(d.category.as_str())
        .bind(d.urgency.as_str())
        .bind(self.keys.seal("police_referral", "description", id, FIRST_VERSION, &d.description)?)
        .bind(time_text(now))
        .bind(time_text(now + d.urgency.acknowledge_within()))
        .bind(time_text(now + d.urgency.act_within()))
        .bind(by.name.clone())
        .execute(&mut **tx)
        .await?;
        audited((), Event::new("create", "police-referral", id)
                .at(d.place)
                .fields(&["description"])
                .detail(format!("{} {}", d.category.as_str(), d.urgency.as_str())))
        })).await?;
        Ok(id.clone())
    }

    /// Moves a referral to `next` (only forward, as [`ReferralStatus::next`] allows), at
    /// `now`; closing without action needs a reason.
    pub async fn advance_referral(
        &self,
        by: &Actor,
        id: &str,
        next: ReferralStatus,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let r = self.referral(id, Reveal::No).await?;
        if !r.status.next().contains(&next) {
            return Err(StoreError::Rejected("error-referral-step"));
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if next == ReferralStatus::ClosedWithoutAction && reason.is_none() {
            return Err(StoreError::Rejected("error-referral-reason"));
        }
        let column = match next {
            ReferralStatus::Acknowledged => "acknowledged_at",
            ReferralStatus::ActionTaken => "action_at",
            _ => "closed_at",
        };
        let r = &r;
        self.record(by, |tx, _| Box::pin(async move {
        let Some(version) = next_version(tx, &self.keys, "police_referral", id, None).await? else {
            return Err(StoreError::NotFound);
        };
        let sealed = reason
            .map(|r| self.keys.seal("police_referral", "close_reason", id, version, r))
            .transpose()?;
        let done = sqlx::query(&format!(
            "UPDATE police_referral SET status = $1, {column} = $2, close_reason = COALESCE($3, close_reason) \
             WHERE id = $4 AND status = $5"
        ))
        .bind(next.as_str())
        .bind(time_text(now))
        .bind(sealed)
        .bind(id.to_string())
        .bind(r.status.as_str())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict { current: 0 });
        }
        let mut e = Event::new("update", "police-referral", id).detail(next.as_str());
        if reason.is_some() {
            e = e.fields(&["close_reason"]);
        }
        e.place = r.place_code.parse().ok();
        audited((), e)
        })).await?;
        Ok(())
    }

    /// One referral; description and reason opened (audited) with `reveal`.
    pub async fn referral(&self, id: &str, reveal: Reveal<'_>) -> Result<Referral> {
        let sql = format!("SELECT {REFERRAL_COLUMNS} FROM police_referral WHERE id = $1");
        let r = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.referral_from_row(&r, reveal).await
    }

    /// Hand-overs on either side of `scope` not yet acknowledged, and how many of them are
    /// past their deadline at `now`: counted in the query (it serves every home page view).
    pub async fn handovers_waiting(&self, scope: Scope, now: OffsetDateTime) -> Result<(i64, i64)> {
        let (cond, value) = two_sided(scope, 1);
        let k = 1 + usize::from(value.is_some());
        let sql = format!(
            "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN due_at < ${k} THEN 1 ELSE 0 END), 0) AS late \
             FROM handover WHERE {cond} AND withdrawn_at IS NULL \
             AND acknowledged_at IS NULL AND receipt_number IS NULL"
        );
        self.count_pair(&sql, value, now).await
    }

    /// Referrals on either side of `scope` still open, and how many of them are past a
    /// deadline at `now` (as [`Referral::overdue`] decides, in the query).
    pub async fn referrals_waiting(&self, scope: Scope, now: OffsetDateTime) -> Result<(i64, i64)> {
        let (cond, value) = two_sided(scope, 1);
        let k = 1 + usize::from(value.is_some());
        let sql = format!(
            "SELECT COUNT(*) AS n, COALESCE(SUM(CASE \
               WHEN status = 'sent' AND (ack_due_at < ${k} OR act_due_at < ${k}) THEN 1 \
               WHEN status = 'acknowledged' AND act_due_at < ${k} THEN 1 ELSE 0 END), 0) AS late \
             FROM police_referral WHERE {cond} \
             AND status NOT IN ('closed', 'closed-without-action')"
        );
        self.count_pair(&sql, value, now).await
    }

    /// Runs a count query with its scope value and `now` bound after it.
    async fn count_pair(
        &self,
        sql: &str,
        value: Option<String>,
        now: OffsetDateTime,
    ) -> Result<(i64, i64)> {
        let mut q = sqlx::query(sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let row = q.bind(time_text(now)).fetch_one(&self.pool).await?;
        Ok((row.try_get("n")?, row.try_get("late")?))
    }

    /// How fast referrals on either side of `scope` are answered: how many are past a deadline
    /// at `now` and the median minutes to acknowledge and to act (over all of them, whatever
    /// page of the list is shown). The query counts referrals by whole minutes taken, so that
    /// nothing is read one by one; `setu-stats` takes the medians.
    pub async fn referral_figures(
        &self,
        scope: Scope,
        now: OffsetDateTime,
    ) -> Result<ReferralFigures> {
        let (_, overdue) = self.referrals_waiting(scope, now).await?;
        let mut counts = ReferralCounts {
            overdue,
            ..ReferralCounts::default()
        };
        for (column, into) in [
            ("acknowledged_at", &mut counts.to_acknowledge),
            ("action_at", &mut counts.to_act),
        ] {
            let (cond, value) = two_sided(scope, 1);
            let minutes = format!("({} / 60)", self.seconds_between_sql("sent_at", column));
            let sql = format!(
                "SELECT {minutes} AS minutes, COUNT(*) AS n FROM police_referral \
                 WHERE {cond} AND {column} IS NOT NULL GROUP BY {minutes}"
            );
            for row in self.scoped_rows(&sql, value).await? {
                into.push((row.try_get("minutes")?, row.try_get("n")?));
            }
        }
        Ok(referral_figures(&counts))
    }

    /// One page of the referrals on either side of `scope` (see [`crate::paging`]): open ones
    /// first, newest first, after referral `after`.
    pub async fn referral_page(
        &self,
        scope: Scope,
        after: Option<&str>,
    ) -> Result<Paged<Referral>> {
        const OPEN: &str =
            "CASE WHEN status IN ('closed', 'closed-without-action') THEN 0 ELSE 1 END";
        let (cond, value) = two_sided(scope, 1);
        let select = format!("SELECT {REFERRAL_COLUMNS} FROM police_referral WHERE {cond}");
        let page = self
            .page_rows(
                "police_referral",
                &select,
                value.into_iter().collect(),
                &[OPEN, "sent_at"],
                after,
            )
            .await?;
        let mut rows = Vec::with_capacity(page.rows.len());
        for r in &page.rows {
            rows.push(self.referral_from_row(r, Reveal::No).await?);
        }
        Ok(Paged {
            rows,
            next: page.next,
        })
    }

    async fn referral_from_row(
        &self,
        r: &sqlx::any::AnyRow,
        reveal: Reveal<'_>,
    ) -> Result<Referral> {
        let id: String = r.try_get("id")?;
        let place_code: String = r.try_get("place_code")?;
        let opener = self
            .opener(
                reveal,
                "police-referral",
                "police_referral",
                &id,
                &place_code,
                &["description", "close_reason"],
            )
            .await?;
        let open = |col: &str| opener.get(r, col);
        let text = |col: &str| -> Result<String> { Ok(r.try_get::<String, _>(col)?) };
        Ok(Referral {
            source: ReferralSource::parse(&text("source")?).unwrap_or(ReferralSource::Community),
            site_id: r.try_get("site_id")?,
            from_org_id: r.try_get("from_org_id")?,
            to_org_id: r.try_get("to_org_id")?,
            category: ReferralCategory::parse(&text("category")?)
                .unwrap_or(ReferralCategory::Other),
            urgency: Urgency::parse(&text("urgency")?).unwrap_or(Urgency::Routine),
            description: open("description")?,
            status: ReferralStatus::parse(&text("status")?).unwrap_or(ReferralStatus::Sent),
            sent_at: text("sent_at")?,
            acknowledged_at: r.try_get("acknowledged_at")?,
            action_at: r.try_get("action_at")?,
            closed_at: r.try_get("closed_at")?,
            close_reason: open("close_reason")?,
            ack_due_at: text("ack_due_at")?,
            act_due_at: text("act_due_at")?,
            created_by: text("created_by")?,
            place_code,
            id,
        })
    }
}
