//! Services delivered to a survivor (issue 16): shelter stays, care, counselling, legal aid,
//! training, seed funding, government schemes, documents, reunification; each dated and given
//! by an organisation. Seed funding is granted as a total and paid in tranches, each with its
//! receipt and from a committee's budget line, which shows the tranche as spent at once (the
//! same transaction, never more than the line has left or the grant allows).

use setu_core::calendar::{iso, FiscalYear};
use setu_core::cases::{CaseStatus, ServiceDraft, ServiceKind, ServiceOutcome, TrancheDraft};
use sqlx::Row;
use time::Date;

use crate::audit::{Actor, Event};
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// A service as read, with its tranches when it is seed funding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Id (UUID).
    pub id: String,
    /// Kind.
    pub kind: ServiceKind,
    /// The organisation that gave it.
    pub provider: i64,
    /// Started or given on (ISO).
    pub started_on: String,
    /// Ended on (ISO).
    pub ended_on: Option<String>,
    /// The course, purpose, scheme or document.
    pub detail: Option<String>,
    /// Training hours.
    pub hours: Option<i64>,
    /// Seed funding granted (rupees).
    pub amount: Option<i64>,
    /// How it ended.
    pub outcome: Option<ServiceOutcome>,
    /// Seed funding paid, oldest first.
    pub tranches: Vec<Tranche>,
}

/// One payment of seed funding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tranche {
    /// Paid on (ISO).
    pub paid_on: String,
    /// Rupees.
    pub amount: i64,
    /// Receipt number.
    pub receipt: String,
    /// The budget line it came from (a committee's or the organisation's own).
    pub budget_line: String,
}

/// What the organisation holding a case calls an own budget line in a [`FundingLine`]'s
/// `committee_kind`.
pub const OWN_LINE: &str = "organisation";

/// An organisation's own budget line for survivors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgBudgetLine {
    /// Id.
    pub id: String,
    /// What it pays for.
    pub purpose: String,
    /// Rupees allocated.
    pub allocated: i64,
    /// Rupees paid from it.
    pub spent: i64,
}

/// A budget line seed funding may be paid from: its committee's place, purpose and what is
/// left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingLine {
    /// Budget line id.
    pub id: String,
    /// The committee's kind (lccht, dccht).
    pub committee_kind: String,
    /// The committee's place, in English and Nepali.
    pub place_en: String,
    /// In Nepali.
    pub place_ne: String,
    /// What it pays for.
    pub purpose: String,
    /// Rupees not yet spent.
    pub left: i64,
}

impl Store {
    /// Records a service given to a survivor by an organisation.
    pub async fn record_service(
        &self,
        by: &Actor,
        case_id: &str,
        d: &ServiceDraft,
    ) -> Result<String> {
        let case = self.case(case_id, Reveal::No).await?;
        if case.status == CaseStatus::Closed {
            return Err(StoreError::Rejected("error-case-status"));
        }
        self.organisation(d.provider)
            .await
            .map_err(|_| StoreError::UnknownReference("provider"))?;
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO case_service (id, case_id, kind, provider_id, started_on, \
                     ended_on, detail, hours, amount, outcome, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(id.clone())
                .bind(case_id.to_string())
                .bind(d.kind.as_str())
                .bind(d.provider)
                .bind(iso(d.started_on))
                .bind(d.ended_on.map(iso))
                .bind(d.detail.clone())
                .bind(d.hours)
                .bind(d.amount)
                .bind(d.outcome.map(|o| o.as_str()))
                .bind(by.name.clone())
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                let mut e = Event::new("create", "case-service", id)
                    .detail(format!("case={case_id} kind={}", d.kind.as_str()));
                e.place = case.home;
                audited(id.clone(), e)
            })
        })
        .await
    }

    /// Pays a tranche of a case's seed funding from a budget line: never more than the grant
    /// has left, nor than the line has left; the line shows it as spent in the same write.
    pub async fn pay_tranche(&self, by: &Actor, case_id: &str, d: &TrancheDraft) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        // Only a line of her own local level's or district's committee, of the payment's
        // fiscal year: the form offers no other, and a forged id must not spend elsewhere.
        let mut lines = self.lines_for(case.home, d.paid_on, "").await?;
        lines.extend(self.own_lines(case.organisation_id, d.paid_on, "").await?);
        let own = match lines.iter().find(|l| l.id == d.budget_line) {
            Some(l) => l.committee_kind == OWN_LINE,
            None => return Err(StoreError::Rejected("error-seed-line")),
        };
        let (table, column) = if own {
            ("org_budget_line", "org_line_id")
        } else {
            ("budget_line", "budget_line_id")
        };
        let (spend_sql, insert_sql) = (
            format!(
                "UPDATE {table} SET spent = spent + $1{} WHERE id = $2{} AND allocated - spent >= $1",
                if own { "" } else { ", version = version + 1" },
                if own { "" } else { " AND withdrawn_at IS NULL" },
            ),
            format!(
                "INSERT INTO seed_tranche (id, service_id, case_id, paid_on, amount, receipt, \
                 {column}, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ),
        );
        let (spend_sql, insert_sql) = (&spend_sql, &insert_sql);
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| {
            Box::pin(async move {
                // The grant's row first (a write, so two tranches paid at once take turns on
                // either engine), then what is left of it, read inside the same transaction.
                let locked = sqlx::query(
                    "UPDATE case_service SET amount = amount WHERE id = $1 AND case_id = $2 \
                     AND kind = 'seed-funding'",
                )
                .bind(d.service.clone())
                .bind(case_id.to_string())
                .execute(&mut **tx)
                .await?;
                if locked.rows_affected() == 0 {
                    return Err(StoreError::Rejected("error-seed-service"));
                }
                let grant = sqlx::query(
                    "SELECT s.amount, CAST(COALESCE((SELECT SUM(t.amount) FROM seed_tranche t \
                     WHERE t.service_id = s.id), 0) AS BIGINT) AS paid FROM case_service s \
                     WHERE s.id = $1",
                )
                .bind(d.service.clone())
                .fetch_one(&mut **tx)
                .await?;
                let (granted, paid): (Option<i64>, i64) =
                    (grant.try_get("amount")?, grant.try_get("paid")?);
                if paid + d.amount > granted.unwrap_or(0) {
                    return Err(StoreError::Rejected("error-seed-over-grant"));
                }
                let spent = sqlx::query(spend_sql)
                    .bind(d.amount)
                    .bind(d.budget_line.clone())
                    .execute(&mut **tx)
                    .await?;
                if spent.rows_affected() == 0 {
                    return Err(StoreError::Rejected("error-seed-over-budget"));
                }
                sqlx::query(insert_sql)
                    .bind(id.clone())
                    .bind(d.service.clone())
                    .bind(case_id.to_string())
                    .bind(iso(d.paid_on))
                    .bind(d.amount)
                    .bind(d.receipt.clone())
                    .bind(d.budget_line.clone())
                    .bind(by.name.clone())
                    .bind(now_text())
                    .execute(&mut **tx)
                    .await?;
                let mut e = Event::new("pay", "seed-tranche", id).detail(format!(
                    "case={case_id} amount={} line={}",
                    d.amount, d.budget_line
                ));
                e.place = case.home;
                audited((), e)
            })
        })
        .await
    }

    /// A case's services, by the day they started, with the tranches of seed funding.
    pub async fn case_services(&self, case_id: &str) -> Result<Vec<Service>> {
        let rows = sqlx::query(
            "SELECT id, kind, provider_id, started_on, ended_on, detail, hours, amount, outcome \
             FROM case_service WHERE case_id = $1 ORDER BY started_on, created_at, id",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let tranches = sqlx::query(
            "SELECT service_id, paid_on, amount, receipt, budget_line_id, org_line_id \
             FROM seed_tranche \
             WHERE case_id = $1 ORDER BY paid_on, created_at",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let id: String = r.try_get("id")?;
            let kind: String = r.try_get("kind")?;
            let outcome: Option<String> = r.try_get("outcome")?;
            let mut paid = Vec::new();
            for t in tranches.iter() {
                if t.try_get::<String, _>("service_id")? == id {
                    paid.push(Tranche {
                        paid_on: t.try_get("paid_on")?,
                        amount: t.try_get("amount")?,
                        receipt: t.try_get("receipt")?,
                        budget_line: match t.try_get::<Option<String>, _>("budget_line_id")? {
                            Some(line) => line,
                            None => t
                                .try_get::<Option<String>, _>("org_line_id")?
                                .unwrap_or_default(),
                        },
                    });
                }
            }
            out.push(Service {
                kind: ServiceKind::parse(&kind)
                    .ok_or_else(|| StoreError::ReferenceData(format!("service {kind}")))?,
                provider: r.try_get("provider_id")?,
                started_on: r.try_get("started_on")?,
                ended_on: r.try_get("ended_on")?,
                detail: r.try_get("detail")?,
                hours: r.try_get("hours")?,
                amount: r.try_get("amount")?,
                outcome: outcome.as_deref().and_then(ServiceOutcome::parse),
                tranches: paid,
                id,
            });
        }
        Ok(out)
    }

    /// The budget lines of this fiscal year that seed funding for a survivor from `home` may
    /// be paid from: those of the committees of her local level and district, with money left.
    pub async fn funding_lines(
        &self,
        home: Option<setu_core::PlaceCode>,
        today: Date,
    ) -> Result<Vec<FundingLine>> {
        self.lines_for(home, today, "AND b.allocated > b.spent")
            .await
    }

    /// Every budget line of this fiscal year with money left that seed funding on `case` may
    /// be paid from: her local level's and district's committees' lines, and the holding
    /// organisation's own.
    pub async fn case_funding_lines(
        &self,
        case: &crate::cases::Case,
        today: Date,
    ) -> Result<Vec<FundingLine>> {
        let mut lines = self.funding_lines(case.home, today).await?;
        lines.extend(
            self.own_lines(case.organisation_id, today, "AND b.allocated > b.spent")
                .await?,
        );
        Ok(lines)
    }

    /// An organisation's own lines for the fiscal year of `day` (matching `more`, SQL on `b`),
    /// as funding lines named by the organisation.
    async fn own_lines(&self, org: i64, day: Date, more: &str) -> Result<Vec<FundingLine>> {
        let fy = FiscalYear::containing(day)
            .map_err(|_| StoreError::ReferenceData("fiscal year".into()))?;
        let rows = sqlx::query(&format!(
            "SELECT b.id, o.name_en, o.name_ne, b.purpose, b.allocated - b.spent AS left_over \
             FROM org_budget_line b JOIN organisation o ON o.id = b.organisation_id \
             WHERE b.organisation_id = $1 AND b.fiscal_year = $2 {more} ORDER BY b.purpose"
        ))
        .bind(org)
        .bind(i64::from(fy.start_year()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FundingLine {
                    id: r.try_get("id")?,
                    committee_kind: OWN_LINE.into(),
                    place_en: r.try_get("name_en")?,
                    place_ne: r
                        .try_get::<Option<String>, _>("name_ne")?
                        .unwrap_or_default(),
                    purpose: r.try_get("purpose")?,
                    left: r.try_get("left_over")?,
                })
            })
            .collect()
    }

    /// Adds a line to an organisation's own budget for survivors, for fiscal year `fy`.
    pub async fn add_org_budget_line(
        &self,
        by: &Actor,
        org: i64,
        fy: FiscalYear,
        purpose: &str,
        allocated: i64,
    ) -> Result<String> {
        if allocated <= 0 {
            return Err(StoreError::Rejected("error-seed-amount"));
        }
        self.organisation(org).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO org_budget_line (id, organisation_id, fiscal_year, purpose, \
                     allocated, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id.clone())
                .bind(org)
                .bind(i64::from(fy.start_year()))
                .bind(purpose.to_string())
                .bind(allocated)
                .bind(by.name.clone())
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                let e = Event::new("create", "org-budget-line", id)
                    .detail(format!("organisation={org} fy={fy} allocated={allocated}"));
                audited(id.clone(), e)
            })
        })
        .await
    }

    /// An organisation's own budget lines for fiscal year `fy`, with what was paid from them.
    pub async fn org_budget_lines(&self, org: i64, fy: FiscalYear) -> Result<Vec<OrgBudgetLine>> {
        sqlx::query(
            "SELECT id, purpose, allocated, spent FROM org_budget_line \
             WHERE organisation_id = $1 AND fiscal_year = $2 ORDER BY created_at, id",
        )
        .bind(org)
        .bind(i64::from(fy.start_year()))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(OrgBudgetLine {
                id: r.try_get("id")?,
                purpose: r.try_get("purpose")?,
                allocated: r.try_get("allocated")?,
                spent: r.try_get("spent")?,
            })
        })
        .collect()
    }

    /// The budget lines of her local level's and district's committees for the fiscal year of
    /// `day`, those matching `more` (SQL on `b`, the line).
    async fn lines_for(
        &self,
        home: Option<setu_core::PlaceCode>,
        today: Date,
        more: &str,
    ) -> Result<Vec<FundingLine>> {
        let Some(home) = home else {
            return Ok(Vec::new());
        };
        let code = home.to_string();
        let (local, district) = (code.get(..5).unwrap_or(""), code.get(..3).unwrap_or(""));
        let fy = FiscalYear::containing(today)
            .map_err(|_| StoreError::ReferenceData("fiscal year".into()))?;
        let rows = sqlx::query(&format!(
            "SELECT b.id, c.kind, p.name_en, p.name_ne, b.purpose, b.allocated - b.spent AS left_over \
             FROM budget_line b JOIN committee c ON c.id = b.committee_id \
             JOIN place p ON p.code = c.place_code \
             WHERE b.fiscal_year = $1 AND b.withdrawn_at IS NULL {more} \
             AND c.place_code IN ($2, $3) ORDER BY c.kind DESC, b.purpose"
        ))
        .bind(i64::from(fy.start_year()))
        .bind(local.to_string())
        .bind(district.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FundingLine {
                    id: r.try_get("id")?,
                    committee_kind: r.try_get("kind")?,
                    place_en: r.try_get("name_en")?,
                    place_ne: r.try_get("name_ne")?,
                    purpose: r.try_get("purpose")?,
                    left: r.try_get("left_over")?,
                })
            })
            .collect()
    }
}
