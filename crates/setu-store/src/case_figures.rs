//! Survivor support in the programme indicators (issue 16, point 10): survivors supported by
//! service, by sex and age band; seed funding per local level; government-scheme linkages;
//! reintegration found at the 6- and 12-month follow-ups; how fast referrals between
//! organisations are answered and delivered; criminal cases reported and decided. Counted
//! from grouped rows, for a reader's scope (cases by their home place, or an organisation's
//! own), over a period; the page decides what a reader may see of small counts.

use std::collections::BTreeMap;

use serde::Serialize;
use setu_core::access::Scope;
use setu_core::calendar::{iso, parse_ad};
use setu_core::cases::{months_after, AgeBand, Reintegration};
use setu_core::community::Sex;
use sqlx::Row;
use time::{Date, OffsetDateTime};

use crate::case_referrals::ANSWER_WITHIN_HOURS;
use crate::scope::scope_condition;
use crate::{Result, Store};

/// Survivors counted in one cell of sex × age band.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SexBand {
    /// Her sex (`female`, `male`, `other`).
    pub sex: Sex,
    /// Her age band at the end of the period.
    pub band: AgeBand,
    /// Survivors.
    pub n: i64,
}

/// Seed funding paid in one local level (her home's).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SeedLocal {
    /// The local level's code (`None`: her home is not recorded).
    pub local_level: Option<String>,
    /// Survivors paid at least one tranche.
    pub survivors: i64,
    /// Rupees paid.
    pub rupees: i64,
}

/// What the follow-ups of one milestone (months after her return home) found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Milestone {
    /// Months after her return home.
    pub months: u8,
    /// Follow-ups recorded.
    pub recorded: i64,
    /// Of them, how many found each status (in [`Reintegration::ALL`]'s order).
    pub found: Vec<(Reintegration, i64)>,
}

/// How referrals between organisations sent in the period were answered.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct ReferralTimes {
    /// Sent.
    pub sent: i64,
    /// Answered (accepted or declined).
    pub answered: i64,
    /// Answered within the day they are due in.
    pub answered_in_time: i64,
    /// Still waiting past that day.
    pub waiting_overdue: i64,
    /// The median hours to answer.
    pub median_hours_to_answer: Option<i64>,
    /// Delivered.
    pub delivered: i64,
    /// The median days from sending to delivery.
    pub median_days_to_deliver: Option<i64>,
}

/// Criminal cases of survivors: reported and decided in the period.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct JusticeCounts {
    /// Reported to the police.
    pub reported: i64,
    /// Decided: convicted.
    pub convicted: i64,
    /// Decided: acquitted.
    pub acquitted: i64,
    /// Not prosecuted or dismissed.
    pub dismissed: i64,
}

/// The survivor support figures.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct CaseFigures {
    /// Survivors given any service in the period, by sex and age band (cells with none left
    /// out).
    pub supported: Vec<SexBand>,
    /// Survivors given each kind of service (a survivor counts once per kind).
    pub by_service: Vec<(String, i64)>,
    /// Seed funding paid in the period, per local level.
    pub seed: Vec<SeedLocal>,
    /// Government-scheme linkages made in the period, by outcome (`applied` when none yet).
    pub schemes: Vec<(String, i64)>,
    /// Reintegration at 6 and 12 months.
    pub reintegration: Vec<Milestone>,
    /// Referrals between organisations.
    pub referrals: ReferralTimes,
    /// Criminal cases.
    pub justice: JusticeCounts,
}

/// The milestones the indicators report.
pub const MILESTONES: [u8; 2] = [6, 12];

/// The middle value (the upper one of an even count).
pub(crate) fn median(mut v: Vec<i64>) -> Option<i64> {
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

fn at(stamp: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).ok()
}

impl Store {
    /// Rows of `sql` (which reads `$1` and `$2` as the period's first and last day, and keeps
    /// cases `c` inside `scope` where it says `{scope}`).
    async fn case_rows(
        &self,
        sql: &str,
        scope: Scope,
        from: Date,
        to: Date,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        let (cond, value) =
            scope_condition(scope, 3, "c.home_ward", None, Some("c.organisation_id"));
        let sql = sql.replace("{scope}", &format!("{cond} AND c.withdrawn_at IS NULL"));
        let mut q = sqlx::query(&sql).bind(iso(from)).bind(iso(to));
        if let Some(v) = value {
            q = q.bind(v);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// The survivor support figures for `scope` between two days (inclusive); `now` decides
    /// which unanswered referrals are overdue.
    pub async fn case_figures(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
        now: OffsetDateTime,
    ) -> Result<CaseFigures> {
        Ok(CaseFigures {
            supported: self.supported(scope, from, to).await?,
            by_service: self.by_service(scope, from, to).await?,
            seed: self.seed_by_local_level(scope, from, to).await?,
            schemes: self.scheme_outcomes(scope, from, to).await?,
            reintegration: self.reintegration(scope, from, to).await?,
            referrals: self.referral_times(scope, from, to, now).await?,
            justice: self.justice_counts(scope, from, to).await?,
        })
    }

    async fn supported(&self, scope: Scope, from: Date, to: Date) -> Result<Vec<SexBand>> {
        let rows = self
            .case_rows(
                "SELECT c.sex, c.birth_year, COUNT(DISTINCT c.id) AS n \
                 FROM case_service s JOIN survivor_case c ON c.id = s.case_id \
                 WHERE s.started_on >= $1 AND s.started_on <= $2 AND {scope} \
                 GROUP BY c.sex, c.birth_year",
                scope,
                from,
                to,
            )
            .await?;
        let mut cells: BTreeMap<(usize, usize), i64> = BTreeMap::new();
        for r in &rows {
            let sex: String = r.try_get("sex")?;
            let born: Option<i64> = r.try_get("birth_year")?;
            let sex = Sex::parse(&sex).unwrap_or(Sex::Other);
            let band = AgeBand::of(born.and_then(|b| i32::try_from(b).ok()), to.year());
            let key = (
                Sex::ALL.iter().position(|s| *s == sex).unwrap_or(0),
                AgeBand::ALL.iter().position(|b| *b == band).unwrap_or(0),
            );
            *cells.entry(key).or_default() += r.try_get::<i64, _>("n")?;
        }
        Ok(cells
            .into_iter()
            .map(|((s, b), n)| SexBand {
                sex: Sex::ALL[s],
                band: AgeBand::ALL[b],
                n,
            })
            .collect())
    }

    async fn by_service(&self, scope: Scope, from: Date, to: Date) -> Result<Vec<(String, i64)>> {
        self.case_rows(
            "SELECT s.kind, COUNT(DISTINCT c.id) AS n \
             FROM case_service s JOIN survivor_case c ON c.id = s.case_id \
             WHERE s.started_on >= $1 AND s.started_on <= $2 AND {scope} \
             GROUP BY s.kind ORDER BY s.kind",
            scope,
            from,
            to,
        )
        .await?
        .iter()
        .map(|r| Ok((r.try_get("kind")?, r.try_get("n")?)))
        .collect()
    }

    async fn seed_by_local_level(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
    ) -> Result<Vec<SeedLocal>> {
        self.case_rows(
            "SELECT SUBSTR(c.home_ward, 1, 5) AS ll, COUNT(DISTINCT c.id) AS n, \
             CAST(SUM(t.amount) AS BIGINT) AS rupees \
             FROM seed_tranche t JOIN survivor_case c ON c.id = t.case_id \
             WHERE t.paid_on >= $1 AND t.paid_on <= $2 AND {scope} \
             GROUP BY SUBSTR(c.home_ward, 1, 5) ORDER BY SUBSTR(c.home_ward, 1, 5)",
            scope,
            from,
            to,
        )
        .await?
        .iter()
        .map(|r| {
            Ok(SeedLocal {
                local_level: r.try_get("ll")?,
                survivors: r.try_get("n")?,
                rupees: r.try_get("rupees")?,
            })
        })
        .collect()
    }

    async fn scheme_outcomes(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
    ) -> Result<Vec<(String, i64)>> {
        self.case_rows(
            "SELECT COALESCE(s.outcome, 'applied') AS outcome, COUNT(*) AS n \
             FROM case_service s JOIN survivor_case c ON c.id = s.case_id \
             WHERE s.kind = 'scheme-linkage' AND s.started_on >= $1 AND s.started_on <= $2 \
             AND {scope} GROUP BY COALESCE(s.outcome, 'applied') \
             ORDER BY COALESCE(s.outcome, 'applied')",
            scope,
            from,
            to,
        )
        .await?
        .iter()
        .map(|r| Ok((r.try_get("outcome")?, r.try_get("n")?)))
        .collect()
    }

    /// The follow-ups recorded in the period that were the 6- or 12-month ones (due that many
    /// months after her return home), with what they found.
    async fn reintegration(&self, scope: Scope, from: Date, to: Date) -> Result<Vec<Milestone>> {
        let rows = self
            .case_rows(
                "SELECT c.returned_on, f.due_on, f.statuses \
                 FROM case_followup f JOIN survivor_case c ON c.id = f.case_id \
                 WHERE f.done_on >= $1 AND f.done_on <= $2 AND c.returned_on IS NOT NULL \
                 AND {scope}",
                scope,
                from,
                to,
            )
            .await?;
        let mut out: Vec<Milestone> = MILESTONES
            .iter()
            .map(|m| Milestone {
                months: *m,
                recorded: 0,
                found: Reintegration::ALL.iter().map(|s| (*s, 0)).collect(),
            })
            .collect();
        for r in &rows {
            let returned: String = r.try_get("returned_on")?;
            let due: String = r.try_get("due_on")?;
            let statuses: Option<String> = r.try_get("statuses")?;
            let Ok(home) = parse_ad(&returned) else {
                continue;
            };
            let Some(m) = out
                .iter_mut()
                .find(|m| iso(months_after(home, m.months)) == due)
            else {
                continue;
            };
            m.recorded += 1;
            for code in statuses.as_deref().unwrap_or_default().split(',') {
                if let Some(cell) = m.found.iter_mut().find(|(s, _)| s.as_str() == code) {
                    cell.1 += 1;
                }
            }
        }
        Ok(out)
    }

    async fn referral_times(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
        now: OffsetDateTime,
    ) -> Result<ReferralTimes> {
        let rows = self
            .case_rows(
                "SELECT r.sent_at, r.answered_at, r.delivered_on, r.status \
                 FROM case_referral r JOIN survivor_case c ON c.id = r.case_id \
                 WHERE SUBSTR(r.sent_at, 1, 10) >= $1 AND SUBSTR(r.sent_at, 1, 10) <= $2 \
                 AND {scope}",
                scope,
                from,
                to,
            )
            .await?;
        let due = time::Duration::hours(ANSWER_WITHIN_HOURS);
        let mut t = ReferralTimes::default();
        let (mut hours, mut days) = (Vec::new(), Vec::new());
        for r in &rows {
            let sent_at: String = r.try_get("sent_at")?;
            let answered_at: Option<String> = r.try_get("answered_at")?;
            let delivered_on: Option<String> = r.try_get("delivered_on")?;
            let status: String = r.try_get("status")?;
            let Some(sent) = at(&sent_at) else {
                continue;
            };
            t.sent += 1;
            match answered_at.as_deref().and_then(at) {
                Some(a) => {
                    t.answered += 1;
                    t.answered_in_time += i64::from(a - sent <= due);
                    hours.push((a - sent).whole_hours());
                }
                None if status == "sent" && now - sent > due => t.waiting_overdue += 1,
                None => {}
            }
            if let Some(d) = delivered_on.as_deref().and_then(|d| parse_ad(d).ok()) {
                t.delivered += 1;
                days.push((d - sent.date()).whole_days());
            }
        }
        t.median_hours_to_answer = median(hours);
        t.median_days_to_deliver = median(days);
        Ok(t)
    }

    async fn justice_counts(&self, scope: Scope, from: Date, to: Date) -> Result<JusticeCounts> {
        let rows = self
            .case_rows(
                "SELECT j.reported_on, j.decided_on, j.outcome \
                 FROM case_justice j JOIN survivor_case c ON c.id = j.case_id \
                 WHERE ((j.reported_on >= $1 AND j.reported_on <= $2) \
                 OR (j.decided_on >= $1 AND j.decided_on <= $2)) AND {scope}",
                scope,
                from,
                to,
            )
            .await?;
        let (from, to) = (iso(from), iso(to));
        let within = |d: &str| d >= from.as_str() && d <= to.as_str();
        let mut j = JusticeCounts::default();
        for r in &rows {
            let reported: String = r.try_get("reported_on")?;
            let decided: Option<String> = r.try_get("decided_on")?;
            let outcome: String = r.try_get("outcome")?;
            j.reported += i64::from(within(&reported));
            if decided.as_deref().is_some_and(within) {
                match outcome.as_str() {
                    "convicted" => j.convicted += 1,
                    "acquitted" => j.acquitted += 1,
                    "dismissed" => j.dismissed += 1,
                    _ => {}
                }
            }
        }
        Ok(j)
    }
}
