//! Referrals of a survivor between organisations (issue 16): sent for a service, with what her
//! consent allows; accepted or declined with a reason; the service delivered; closed by the
//! sender. Without a consent to sharing with the receiver standing that day, a referral goes
//! only by break-the-glass, with its reason (sealed) and an audit entry of its own. The
//! receiving organisation reads the referral's part (her name while the consent stands, sex,
//! year of birth, home, the service and the note), never the rest of the case; when the
//! consent is withdrawn, her name is no longer shown to it and the referral says so.

use setu_core::calendar::iso;
use setu_core::cases::{DeclineReason, ServiceKind};
use sqlx::Row;
use time::Date;

use crate::audit::{Actor, Event};
use crate::rekey::UNVERSIONED;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// Where a referral stands.
pub const STATUSES: [&str; 5] = ["sent", "accepted", "declined", "delivered", "closed"];

/// Hours a receiver has to answer before a referral is flagged overdue (as for police
/// referrals, a day).
pub const ANSWER_WITHIN_HOURS: i64 = 24;

/// A referral as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReferral {
    /// Id (UUID).
    pub id: String,
    /// The case.
    pub case_id: String,
    /// Sent by this organisation.
    pub from_org: i64,
    /// To this one.
    pub to_org: i64,
    /// The service asked for.
    pub service: ServiceKind,
    /// The note, when revealed.
    pub note: Option<String>,
    /// Sent without her consent, by break-the-glass.
    pub by_glass: bool,
    /// sent, accepted, declined, delivered or closed.
    pub status: String,
    /// When sent (UTC timestamp) and by whom.
    pub sent_at: String,
    /// Who sent it (username).
    pub sent_by: String,
    /// When answered (UTC timestamp).
    pub answered_at: Option<String>,
    /// Why declined.
    pub decline_reason: Option<DeclineReason>,
    /// The day the service was delivered (ISO).
    pub delivered_on: Option<String>,
}

/// A referral to send.
#[derive(Debug, Clone)]
pub struct ReferralDraft {
    /// To this organisation.
    pub to_org: i64,
    /// For this service.
    pub service: ServiceKind,
    /// What the receiver needs to know (sealed).
    pub note: Option<String>,
    /// Break-the-glass: why it goes without her consent (sealed), if it does.
    pub glass: Option<String>,
}

const COLUMNS: &str = "id, case_id, from_org, to_org, service, note, glass_reason, status, \
    sent_at, sent_by, answered_at, decline_reason, delivered_on";

impl Store {
    /// Sends a referral from the case's organisation. Without a standing consent to sharing
    /// with the receiver, only with a break-the-glass reason (10 characters at least).
    pub async fn send_case_referral(
        &self,
        by: &Actor,
        case_id: &str,
        d: &ReferralDraft,
        today: Date,
    ) -> Result<String> {
        let case = self.case(case_id, Reveal::No).await?;
        if case.organisation_id == d.to_org {
            return Err(StoreError::Rejected("error-case-transfer-same"));
        }
        self.require_organisation(Some(d.to_org)).await?;
        let consented = self.may_share_case(case_id, d.to_org, today).await?;
        let glass = match (&d.glass, consented) {
            (_, true) => None,
            (Some(reason), false) if reason.trim().chars().count() >= 10 => Some(reason.trim()),
            (Some(_), false) => return Err(StoreError::Rejected("error-reason-short")),
            (None, false) => return Err(StoreError::Rejected("error-referral-consent")),
        };
        let id = uuid::Uuid::new_v4().to_string();
        let seal = |column: &str, text: &str| {
            self.keys
                .seal("case_referral", column, &id, UNVERSIONED, text)
        };
        let note = d.note.as_deref().map(|n| seal("note", n)).transpose()?;
        let glass_sealed = glass.map(|g| seal("glass_reason", g)).transpose()?;
        // Where the coordinators who review it work: her home, else the sender's place.
        let place = match case.home {
            Some(h) => h,
            None => self.organisation(case.organisation_id).await?.place,
        };
        let (id, note, glass_sealed, case) = (&id, &note, &glass_sealed, &case);
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO case_referral (id, case_id, from_org, to_org, service, note, \
                     glass_reason, sent_at, sent_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(id.clone())
                .bind(case_id.to_string())
                .bind(case.organisation_id)
                .bind(d.to_org)
                .bind(d.service.as_str())
                .bind(note.clone())
                .bind(glass_sealed.clone())
                .bind(now_text())
                .bind(by.name.clone())
                .execute(&mut **tx)
                .await?;
                if let (Some(reason), Some(user)) = (glass, &by.id) {
                    // In the review of break-the-glass (a system actor, an import, has no
                    // user to review).
                    let grant = uuid::Uuid::new_v4().to_string();
                    self.insert_glass(
                        tx,
                        (user, &grant),
                        ("case-referral", id),
                        place,
                        reason,
                        time::Duration::ZERO,
                    )
                    .await?;
                }
                if glass_sealed.is_some() {
                    let mut e = Event::new("break-glass", "case-referral", id)
                        .fields(&["glass_reason"])
                        .detail(format!("case={case_id} to={}", d.to_org));
                    e.place = case.home;
                    crate::audit::append(tx, by, &e);
                }
                let mut e = Event::new("create", "case-referral", id)
                    .detail(format!("case={case_id} to={}", d.to_org));
                e.place = case.home;
                audited(id.clone(), e)
            })
        })
        .await
    }

    /// Moves a referral on: `from` the status it must be in, `to` the next, with what `set`
    /// adds (values bound from `$3`). Refused if it has moved on already.
    async fn move_referral(
        &self,
        by: &Actor,
        id: &str,
        (from, to): (&'static str, &'static str),
        set: &'static str,
        values: Vec<Option<String>>,
    ) -> Result<()> {
        let sql = format!(
            "UPDATE case_referral SET status = $1{set} WHERE id = $2 AND status = '{from}'"
        );
        let (sql, values) = (&sql, &values);
        self.record(by, |tx, _| {
            Box::pin(async move {
                let mut q = sqlx::query(sql).bind(to).bind(id.to_string());
                for v in values {
                    q = q.bind(v.clone());
                }
                if q.execute(&mut **tx).await?.rows_affected() == 0 {
                    return Err(StoreError::Rejected("error-referral-status"));
                }
                let e = Event::new(to, "case-referral", id).detail(format!("{from} -> {to}"));
                audited((), e)
            })
        })
        .await
    }

    /// The receiver accepts (`None`) or declines with a reason.
    pub async fn answer_case_referral(
        &self,
        by: &Actor,
        id: &str,
        declined: Option<DeclineReason>,
    ) -> Result<()> {
        let set = ", answered_at = $3, answered_by = $4, decline_reason = $5";
        let values = vec![
            Some(now_text()),
            Some(by.name.clone()),
            declined.map(|r| r.as_str().to_string()),
        ];
        let to = if declined.is_some() {
            "declined"
        } else {
            "accepted"
        };
        self.move_referral(by, id, ("sent", to), set, values).await
    }

    /// The receiver delivered the service on `on`.
    pub async fn deliver_case_referral(&self, by: &Actor, id: &str, on: Date) -> Result<()> {
        let values = vec![Some(iso(on))];
        self.move_referral(
            by,
            id,
            ("accepted", "delivered"),
            ", delivered_on = $3",
            values,
        )
        .await
    }

    /// The sender closes a delivered referral.
    pub async fn close_case_referral(&self, by: &Actor, id: &str) -> Result<()> {
        let values = vec![Some(now_text())];
        self.move_referral(by, id, ("delivered", "closed"), ", closed_at = $3", values)
            .await
    }

    /// One referral; its note opens with `Reveal::To` (audited).
    pub async fn case_referral(&self, id: &str, reveal: Reveal<'_>) -> Result<CaseReferral> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM case_referral WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let open = self
            .opener(reveal, "case-referral", "case_referral", id, "", &["note"])
            .await?;
        referral_from_row(&row, open.get(&row, "note")?)
    }

    /// A case's referrals, newest first (notes sealed: the case page shows them to its holder
    /// through [`Store::case_referral`]).
    pub async fn case_referrals_of(&self, case_id: &str) -> Result<Vec<CaseReferral>> {
        self.referrals_where("case_id = $1", case_id.to_string())
            .await
    }

    /// Referrals sent to an organisation, newest first.
    pub async fn case_referrals_to(&self, organisation: i64) -> Result<Vec<CaseReferral>> {
        self.referrals_where("to_org = CAST($1 AS BIGINT)", organisation.to_string())
            .await
    }

    async fn referrals_where(&self, condition: &str, value: String) -> Result<Vec<CaseReferral>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM case_referral WHERE {condition} ORDER BY sent_at DESC, id"
        ))
        .bind(value)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| referral_from_row(r, None)).collect()
    }
}

fn referral_from_row(r: &sqlx::any::AnyRow, note: Option<String>) -> Result<CaseReferral> {
    let service: String = r.try_get("service")?;
    let decline: Option<String> = r.try_get("decline_reason")?;
    Ok(CaseReferral {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        from_org: r.try_get("from_org")?,
        to_org: r.try_get("to_org")?,
        service: ServiceKind::parse(&service)
            .ok_or_else(|| StoreError::ReferenceData(format!("service {service}")))?,
        note,
        by_glass: r.try_get::<Option<String>, _>("glass_reason")?.is_some(),
        status: r.try_get("status")?,
        sent_at: r.try_get("sent_at")?,
        sent_by: r.try_get("sent_by")?,
        answered_at: r.try_get("answered_at")?,
        decline_reason: decline.as_deref().and_then(DeclineReason::parse),
        delivered_on: r.try_get("delivered_on")?,
    })
}
