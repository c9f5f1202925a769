//! Survivor support in the programme indicators (issue 16, point 10): survivors supported by
//! service, by sex and age band; seed funding per local level; government-scheme linkages;
//! reintegration found at the 6- and 12-month follow-ups; how fast referrals between
//! organisations are answered and delivered; criminal cases reported and decided. Counted
//! from grouped rows, for a reader's scope (cases by their home place, or an organisation's
//! own), over a period; the page decides what a reader may see of small counts.

use setu_core::access::Scope;
use setu_core::calendar::{iso, parse_ad, FIRST_DAY};
use setu_core::community::Sex;
use setu_stats::survivors::{self as stats, FollowUp, ReferralGroup};
pub use setu_stats::survivors::{
    CaseFigures, JusticeCounts, Milestone, ReferralTimes, SeedLocal, SexBand, MILESTONES,
};
use sqlx::Row;
use time::{Date, OffsetDateTime};

use crate::case_referrals::ANSWER_WITHIN_HOURS;
use crate::scope::scope_condition;
use crate::{Result, Store};

impl Store {
    /// Rows of `sql` (which reads `$1` and `$2` as the period's first and last day, and keeps
    /// cases `c` inside `scope` and not withdrawn where it says `{scope}`, or only inside
    /// `scope` where it says `{place}`, for the tables that hold no withdrawn case).
    ///
    /// The two days are written into the statement, not bound: PostgreSQL plans a bound range
    /// once for any period (a generic plan after five runs), and the plan it keeps for a year
    /// (an index scan over the services) took 385 ms for all years, where the plan for the
    /// actual days took 137. They come from `Date`s, so only digits and dashes are written.
    async fn case_rows(
        &self,
        sql: &str,
        scope: Scope,
        from: Date,
        to: Date,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        let (cond, value) =
            scope_condition(scope, 1, "c.home_ward", None, Some("c.organisation_id"));
        let sql = sql
            .replace("$1", &format!("'{}'", iso(from)))
            .replace("$2", &format!("'{}'", iso(to)))
            .replace("{scope}", &format!("{cond} AND c.withdrawn_at IS NULL"))
            .replace("{place}", &cond);
        let mut q = sqlx::query(&sql);
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

    /// Survivors supported in the period, by sex and birth year, counted once each.
    async fn supported(&self, scope: Scope, from: Date, to: Date) -> Result<Vec<SexBand>> {
        let sql = if from_the_start(from) {
            "SELECT c.sex, c.birth_year, COUNT(*) AS n FROM case_first_service c \
             WHERE c.first_on <= $2 AND {place} GROUP BY c.sex, c.birth_year"
        } else {
            "SELECT c.sex, c.birth_year, COUNT(DISTINCT c.id) AS n \
             FROM case_service s JOIN survivor_case c ON c.id = s.case_id \
             WHERE s.started_on >= $1 AND s.started_on <= $2 AND {scope} \
             GROUP BY c.sex, c.birth_year"
        };
        let rows = self.case_rows(sql, scope, from, to).await?;
        let mut groups = Vec::with_capacity(rows.len());
        for r in &rows {
            let sex: String = r.try_get("sex")?;
            let born: Option<i64> = r.try_get("birth_year")?;
            groups.push((
                Sex::parse(&sex).unwrap_or(Sex::Other),
                born.and_then(|b| i32::try_from(b).ok()),
                r.try_get::<i64, _>("n")?,
            ));
        }
        Ok(stats::supported(&groups, to.year()))
    }

    /// Survivors who received each kind of service in the period, counted once per kind.
    async fn by_service(&self, scope: Scope, from: Date, to: Date) -> Result<Vec<(String, i64)>> {
        let sql = if from_the_start(from) {
            "SELECT c.kind, COUNT(*) AS n FROM case_first_kind c \
             WHERE c.first_on <= $2 AND {place} GROUP BY c.kind ORDER BY c.kind"
        } else {
            "SELECT s.kind, COUNT(DISTINCT c.id) AS n \
             FROM case_service s JOIN survivor_case c ON c.id = s.case_id \
             WHERE s.started_on >= $1 AND s.started_on <= $2 AND {scope} \
             GROUP BY s.kind ORDER BY s.kind"
        };
        self.case_rows(sql, scope, from, to)
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
                "SELECT c.returned_on, f.due_on, f.statuses, COUNT(*) AS n \
                 FROM case_followup f JOIN survivor_case c ON c.id = f.case_id \
                 WHERE f.done_on >= $1 AND f.done_on <= $2 AND c.returned_on IS NOT NULL \
                 AND {scope} GROUP BY c.returned_on, f.due_on, f.statuses",
                scope,
                from,
                to,
            )
            .await?;
        let mut followups = Vec::with_capacity(rows.len());
        for r in &rows {
            let returned: String = r.try_get("returned_on")?;
            let due: String = r.try_get("due_on")?;
            let statuses: Option<String> = r.try_get("statuses")?;
            let (Ok(returned_on), Ok(due_on)) = (parse_ad(&returned), parse_ad(&due)) else {
                continue;
            };
            followups.push(FollowUp {
                returned_on,
                due_on,
                found: statuses
                    .unwrap_or_default()
                    .split(',')
                    .map(str::to_string)
                    .collect(),
                n: r.try_get("n")?,
            });
        }
        Ok(stats::reintegration(&followups))
    }

    async fn referral_times(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
        now: OffsetDateTime,
    ) -> Result<ReferralTimes> {
        // What is in time and what is overdue is decided here, against `now`; the rows are
        // counted alike by whole hours and days.
        let due = ANSWER_WITHIN_HOURS * 3600;
        let seconds = self.seconds_between_sql("r.sent_at", "r.answered_at");
        let days = self.days_between_sql("SUBSTR(r.sent_at, 1, 10)", "r.delivered_on");
        let late = crate::time_text(now - time::Duration::seconds(due));
        let sql = format!(
            "SELECT {seconds} / 3600 AS hours, \
             CAST(CASE WHEN {seconds} <= {due} THEN 1 ELSE 0 END AS BIGINT) AS in_time, \
             CAST({days} AS BIGINT) AS days, \
             CAST(CASE WHEN r.status = 'sent' AND r.answered_at IS NULL AND r.sent_at < '{late}' \
               THEN 1 ELSE 0 END AS BIGINT) AS overdue, \
             COUNT(*) AS n \
             FROM case_referral r JOIN survivor_case c ON c.id = r.case_id \
             WHERE SUBSTR(r.sent_at, 1, 10) >= $1 AND SUBSTR(r.sent_at, 1, 10) <= $2 \
             AND {{scope}} GROUP BY 1, 2, 3, 4"
        );
        let mut groups = Vec::new();
        for r in &self.case_rows(&sql, scope, from, to).await? {
            groups.push(ReferralGroup {
                hours_to_answer: r.try_get("hours")?,
                in_time: r.try_get::<i64, _>("in_time")? == 1,
                days_to_deliver: r.try_get("days")?,
                waiting_overdue: r.try_get::<i64, _>("overdue")? == 1,
                n: r.try_get("n")?,
            });
        }
        Ok(stats::referral_times(&groups))
    }

    async fn justice_counts(&self, scope: Scope, from: Date, to: Date) -> Result<JusticeCounts> {
        let rows = self
            .case_rows(
                "SELECT j.reported_on, j.decided_on, j.outcome, COUNT(*) AS n \
                 FROM case_justice j JOIN survivor_case c ON c.id = j.case_id \
                 WHERE ((j.reported_on >= $1 AND j.reported_on <= $2) \
                 OR (j.decided_on >= $1 AND j.decided_on <= $2)) AND {scope} \
                 GROUP BY j.reported_on, j.decided_on, j.outcome",
                scope,
                from,
                to,
            )
            .await?;
        let mut cases = Vec::with_capacity(rows.len());
        for r in &rows {
            let reported: String = r.try_get("reported_on")?;
            let decided: Option<String> = r.try_get("decided_on")?;
            let Ok(reported) = parse_ad(&reported) else {
                continue;
            };
            let decided = decided.as_deref().and_then(|d| parse_ad(d).ok());
            cases.push((
                reported,
                decided,
                r.try_get::<String, _>("outcome")?,
                r.try_get::<i64, _>("n")?,
            ));
        }
        Ok(stats::justice(&cases, from, to))
    }
}

/// Whether a period starting on `from` holds every service (no date is before the calendar's
/// first day): survivors supported in it are then the cases whose first service came by its
/// last day, which the writes keep (`case_first_service` and `case_first_kind`, migration 0041),
/// instead of distinct cases over ten years of services (335 ms for a national reader on the
/// national data set, about 20 this way). A shorter period counts its services, which an index
/// on their day finds.
fn from_the_start(from: Date) -> bool {
    from <= FIRST_DAY
}
