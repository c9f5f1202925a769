//! Ward figures (issue 17, point 2): per ward and period, grouped counts of what the registers
//! hold about the people of the ward (missing-person reports, survivors' cases, residents
//! stopped at booths, police referrals) and of what the committees did there, beside the
//! ward's population and households from its municipality's ward profile. The store only
//! counts; `setu-stats` ranks and the page decides what a reader may see of small counts.

use std::collections::BTreeMap;

use serde::Serialize;
use setu_core::access::Scope;
use setu_core::calendar::iso;
use setu_core::tracing::ReportStatus;
use setu_core::wards::WardProfile;
use setu_core::{FiscalYear, PlaceCode};
use sqlx::Row;
use time::Date;

use crate::audit::{Actor, Event};
use crate::scope::scope_condition;
use crate::write::audited;
use crate::{now_text, Result, Store};

/// One ward's counts over a period.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct WardCounts {
    /// The ward's seven-digit code.
    pub ward: String,
    /// Population from the ward profile (`None`: not imported).
    pub population: Option<i64>,
    /// Households from the ward profile.
    pub households: Option<i64>,
    /// Missing-person reports made in the period about people of the ward.
    pub reports: i64,
    /// Of them, still open (missing, still missing).
    pub reports_open: i64,
    /// Of them, found but not yet home.
    pub reports_found: i64,
    /// Of them, back home.
    pub reports_home: i64,
    /// People of the ward found trafficked in the period: survivors' cases opened, and people
    /// the ward survey found trafficked (one person may be in both).
    pub trafficked: i64,
    /// Of them, back home in the period (cases and the survey).
    pub returned: i64,
    /// Residents of the ward stopped at a booth in the period.
    pub intercepted: i64,
    /// Police referrals made in the ward in the period.
    pub referrals: i64,
    /// Plan activities for the ward in the fiscal year asked for.
    pub planned: i64,
    /// Of them, done.
    pub done: i64,
    /// Parents' group sessions held in the ward in the period.
    pub sessions: i64,
    /// Youth events held in the ward in the period.
    pub events: i64,
}

/// What an import of a ward profile changed.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Default)]
pub struct ProfileImport {
    /// Wards that had no profile.
    pub added: usize,
    /// Wards whose figures changed.
    pub changed: usize,
    /// Wards already as imported.
    pub unchanged: usize,
}

impl Store {
    /// Imports the ward profile of `local_level`: every ward's population and households
    /// replaced in one write, audited once with what changed. Importing the same profile again
    /// changes nothing.
    pub async fn import_ward_profile(
        &self,
        by: &Actor,
        local_level: PlaceCode,
        rows: &[WardProfile],
        source: &str,
    ) -> Result<ProfileImport> {
        if rows.iter().any(|r| !r.ward.is_within(local_level)) {
            return Err(crate::StoreError::Rejected("error-ward-unknown"));
        }
        let source = source.trim().to_string();
        self.record(by, |tx, _| {
            let source = source.clone();
            Box::pin(async move {
                let mut out = ProfileImport::default();
                for r in rows {
                    let ward = r.ward.to_string();
                    let now: Option<(i64, Option<i64>)> = sqlx::query(
                        "SELECT population, households FROM ward_profile WHERE ward_code = $1",
                    )
                    .bind(&ward)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(|row| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?)))
                    .transpose()?;
                    match now {
                        Some(n) if n == (r.population, r.households) => {
                            out.unchanged += 1;
                            continue;
                        }
                        Some(_) => out.changed += 1,
                        None => out.added += 1,
                    }
                    sqlx::query(
                        "INSERT INTO ward_profile (ward_code, population, households, source, updated_by, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (ward_code) DO UPDATE SET population = excluded.population, \
                         households = excluded.households, source = excluded.source, \
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                    )
                    .bind(&ward)
                    .bind(r.population)
                    .bind(r.households)
                    .bind(&source)
                    .bind(by.name.clone())
                    .bind(now_text())
                    .execute(&mut **tx)
                    .await?;
                }
                let detail = format!(
                    "added {} changed {} unchanged {}",
                    out.added, out.changed, out.unchanged
                );
                audited(
                    out,
                    Event::new("import", "ward-profile", local_level.to_string())
                        .at(local_level)
                        .detail(detail),
                )
            })
        })
        .await
    }

    /// Every ward inside `scope` with its counts between two days (inclusive) and its plan
    /// activities of `fy`, wards with nothing at all included (a ward of the scope is listed
    /// whether or not anything happened there). Each source is one grouped query.
    pub async fn ward_counts(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
        fy: FiscalYear,
    ) -> Result<Vec<WardCounts>> {
        self.area_counts(scope, from, to, fy, Grain::Ward).await
    }

    /// The same counts added up by local level (`ward` holds the local level's code): what a
    /// map of a province or the country shades. The queries group by local level, so a national
    /// reader's 6,743 wards come back as 753 rows per source. A local level's population is
    /// known only when every one of its wards has one.
    pub async fn local_level_counts(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
        fy: FiscalYear,
    ) -> Result<Vec<WardCounts>> {
        self.area_counts(scope, from, to, fy, Grain::LocalLevel)
            .await
    }

    async fn area_counts(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
        fy: FiscalYear,
        grain: Grain,
    ) -> Result<Vec<WardCounts>> {
        let mut wards: BTreeMap<String, WardCounts> = BTreeMap::new();
        let (cond, value) = scope_condition(scope, 1, "code", None, None);
        let cond = cond.replace("code", "p.code");
        let sql = match grain {
            Grain::Ward => format!(
                "SELECT p.code, w.population, w.households FROM place p \
                 LEFT JOIN ward_profile w ON w.ward_code = p.code \
                 WHERE p.level = 'ward' AND {cond}"
            ),
            Grain::LocalLevel => format!(
                "SELECT SUBSTR(p.code, 1, 5), \
                 CAST(CASE WHEN COUNT(w.population) = COUNT(*) THEN SUM(w.population) END AS BIGINT), \
                 CAST(CASE WHEN COUNT(w.households) = COUNT(*) THEN SUM(w.households) END AS BIGINT) \
                 FROM place p LEFT JOIN ward_profile w ON w.ward_code = p.code \
                 WHERE p.level = 'ward' AND {cond} GROUP BY SUBSTR(p.code, 1, 5)"
            ),
        };
        for row in self.scoped_rows(&sql, value).await? {
            let ward: String = row.try_get(0)?;
            wards.insert(
                ward.clone(),
                WardCounts {
                    ward,
                    population: row.try_get(1)?,
                    households: row.try_get(2)?,
                    ..WardCounts::default()
                },
            );
        }
        let (from_day, to_day) = (from, to);
        let (from, to) = (iso(from), iso(to));
        let sources: [(&str, &str, &str); 8] = [
            (
                "reports",
                "place_code",
                "SELECT {key}, status, COUNT(*) FROM missing_report \
                 WHERE reported_on BETWEEN $1 AND $2 AND withdrawn_at IS NULL AND {scope} GROUP BY {key}, status",
            ),
            (
                "trafficked",
                "home_ward",
                "SELECT {key}, '', COUNT(*) FROM survivor_case \
                 WHERE opened_on BETWEEN $1 AND $2 AND withdrawn_at IS NULL AND {scope} GROUP BY {key}",
            ),
            // People the ward survey found trafficked, and of them those back home.
            (
                "trafficked",
                "place_code",
                "SELECT {key}, '', COUNT(*) FROM missing_report \
                 WHERE trafficked = 1 AND reported_on BETWEEN $1 AND $2 AND withdrawn_at IS NULL AND {scope} GROUP BY {key}",
            ),
            (
                "returned",
                "place_code",
                "SELECT {key}, '', COUNT(*) FROM missing_report \
                 WHERE trafficked = 1 AND status = 'returned-home' AND status_on BETWEEN $1 AND $2 AND withdrawn_at IS NULL AND {scope} GROUP BY {key}",
            ),
            (
                "returned",
                "home_ward",
                "SELECT {key}, '', COUNT(*) FROM survivor_case \
                 WHERE returned_on BETWEEN $1 AND $2 AND withdrawn_at IS NULL AND {scope} GROUP BY {key}",
            ),
            (
                "referrals",
                "place_code",
                "SELECT {key}, '', COUNT(*) FROM police_referral \
                 WHERE substr(sent_at, 1, 10) BETWEEN $1 AND $2 AND {scope} GROUP BY {key}",
            ),
            (
                "sessions",
                "g.ward_code",
                "SELECT {key}, '', COUNT(*) FROM sbcc_session s JOIN parents_group g ON g.id = s.group_id \
                 WHERE s.held_on BETWEEN $1 AND $2 AND s.withdrawn_at IS NULL AND g.withdrawn_at IS NULL AND {scope} GROUP BY {key}",
            ),
            (
                "events",
                "ward_code",
                "SELECT {key}, '', COUNT(*) FROM youth_event \
                 WHERE held_on BETWEEN $1 AND $2 AND withdrawn_at IS NULL AND {scope} GROUP BY {key}",
            ),
        ];
        for (what, col, sql) in sources {
            let binds = [from.clone(), to.clone()];
            for (ward, status, n) in self.grouped(sql, col, scope, &binds, grain).await? {
                let Some(w) = wards.get_mut(&ward) else {
                    continue;
                };
                match what {
                    "reports" => {
                        w.reports += n;
                        match ReportStatus::parse(&status) {
                            Some(ReportStatus::ReturnedHome) => w.reports_home += n,
                            Some(ReportStatus::Found) => w.reports_found += n,
                            Some(s) if s.is_open() => w.reports_open += n,
                            _ => {}
                        }
                    }
                    "trafficked" => w.trafficked += n,
                    "returned" => w.returned += n,
                    "intercepted" => w.intercepted += n,
                    "referrals" => w.referrals += n,
                    "sessions" => w.sessions += n,
                    _ => w.events += n,
                }
            }
        }
        // People stopped, by home ward: from the booths' counts (see `crate::counts`).
        for (ward, n) in self.home_stops(scope, from_day, to_day).await? {
            let key = match grain {
                Grain::Ward => Some(ward.as_str()),
                Grain::LocalLevel if ward.len() == 7 => ward.get(..5),
                Grain::LocalLevel => None,
            };
            if let Some(w) = key.and_then(|k| wards.get_mut(k)) {
                w.intercepted += n;
            }
        }
        let fy_start = i64::from(fy.start_year());
        let plan = "SELECT {key}, CASE WHEN done_on IS NULL THEN 'planned' ELSE 'done' END, COUNT(*) FROM plan_activity \
                    WHERE fiscal_year = CAST($1 AS BIGINT) AND withdrawn_at IS NULL AND {scope} \
                    GROUP BY {key}, CASE WHEN done_on IS NULL THEN 'planned' ELSE 'done' END";
        let binds = [fy_start.to_string()];
        for (ward, status, n) in self
            .grouped(plan, "ward_code", scope, &binds, grain)
            .await?
        {
            if let Some(w) = wards.get_mut(&ward) {
                w.planned += n;
                if status == "done" {
                    w.done += n;
                }
            }
        }
        Ok(wards.into_values().collect())
    }

    /// `(ward or local level, group, n)` rows of a grouped count: `sql` reads `binds` as `$1`,
    /// `$2`… keeps rows of `col` inside `scope` where it says `{scope}`, and groups by `col` or
    /// its local level (`grain`) where it says `{key}`. Rows outside a ward are dropped.
    async fn grouped(
        &self,
        sql: &str,
        col: &str,
        scope: Scope,
        binds: &[String],
        grain: Grain,
    ) -> Result<Vec<(String, String, i64)>> {
        let (cond, value) = scope_condition(scope, binds.len() + 1, col, None, None);
        let key = match grain {
            Grain::Ward => col.to_string(),
            Grain::LocalLevel => format!("SUBSTR({col}, 1, 5)"),
        };
        let sql = sql
            .replace("{scope}", &format!("{cond} AND length({col}) = 7"))
            .replace("{key}", &key);
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b.clone());
        }
        if let Some(v) = value {
            q = q.bind(v);
        }
        let mut out = Vec::new();
        for row in q.fetch_all(&self.pool).await? {
            let ward: Option<String> = row.try_get(0)?;
            let group: String = row.try_get(1)?;
            let n: i64 = row.try_get(2)?;
            if let Some(ward) = ward {
                out.push((ward, group, n));
            }
        }
        Ok(out)
    }
}

/// What the counts are added up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grain {
    /// Each ward.
    Ward,
    /// Each local level (the first five digits of its wards' codes).
    LocalLevel,
}
