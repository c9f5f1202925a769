//! Counts of the booths' screenings and tallies, kept so that figures over years and the whole
//! country read a few thousand rows, not millions (issue 17, point 9).
//!
//! **Why this shape.** Counts updated inside each write made every booth phone's sync wait for
//! the same count row (a booth's day), and cut the stored screenings a second by up to 81 % on
//! PostgreSQL (docs/benchmarks.md). So a write only *appends* to `count_change` (triggers, so no
//! write path, correction, withdrawal or deletion can forget it; no row is shared between
//! writers), and the job worker folds those changes into `booth_count` and `home_stop_count`
//! every few seconds ([`Store::fold_counts`]). A read adds to the folded counts the changes not
//! yet folded, in one statement (one snapshot on both engines), so figures are exact whether or
//! not the worker has run.
//!
//! Counts are kept per BS month and per day: a period reads the months it covers whole and the
//! days of the months it cuts ([`MonthSplit`]).

use std::collections::BTreeMap;

use setu_core::access::Scope;
use setu_core::booths::Outcome;
use setu_core::calendar::{iso, month_key_of, parse_ad, MonthSplit};
use setu_core::community::Participants;
use setu_stats::booths::MonthCounts;
use sqlx::any::AnyRow;
use sqlx::Row;
use time::Date;

use crate::scope::scope_condition;
use crate::{Result, Store};

/// The counted columns of `booth_count`, in the order of [`Counted`]'s array: screened, of
/// them minors and women, by outcome (in the order of [`Outcome::ALL`]), people informed by
/// sex and age band, materials.
const COLUMNS: [&str; 15] = [
    "screened",
    "minors",
    "female",
    "continued",
    "intercepted",
    "to_police",
    "to_family",
    "to_shelter",
    "female_u18",
    "male_u18",
    "other_u18",
    "female_18",
    "male_18",
    "other_18",
    "materials",
];

/// Where the outcomes start in [`COLUMNS`], and the tallies.
const OUTCOMES_AT: usize = 3;
const TALLY_AT: usize = 8;

/// The raw columns of a change (beside its sign): the screening's, or the tally's numbers.
const CHANGE_COLUMNS: &str =
    "site_id, place_code, organisation_id, day, home_code, outcome, sex, age, \
     female_u18, male_u18, other_u18, female_18, male_18, other_18, materials";

/// Changes folded in one write, so that the writer is never held for long.
pub const FOLD_BATCH: i64 = 5_000;

/// One row's counts, in the order of [`COLUMNS`].
type Counted = [i64; 15];

/// A change as the trigger wrote it.
struct Change {
    sign: i64,
    site_id: i64,
    place_code: String,
    organisation_id: i64,
    day: String,
    home_code: Option<String>,
    /// `None` for a tally.
    outcome: Option<Outcome>,
    counted: Counted,
}

impl Change {
    /// Reads a change from a row holding `sign` and [`CHANGE_COLUMNS`].
    fn read(r: &AnyRow) -> Result<Change> {
        let sign: i64 = r.try_get("sign")?;
        let (outcome, counted) = change_counts(r, sign)?;
        Ok(Change {
            sign,
            site_id: r.try_get("site_id")?,
            place_code: r.try_get("place_code")?,
            organisation_id: r.try_get("organisation_id")?,
            day: r.try_get("day")?,
            home_code: r.try_get("home_code")?,
            outcome,
            counted,
        })
    }
}

/// What a change of `sign` adds to the counts, from its outcome, sex and age (a screening; no
/// outcome: a tally, whose numbers it carries): the one place that says how a record counts,
/// for folding and for reading changes not yet folded.
fn change_counts(r: &AnyRow, sign: i64) -> Result<(Option<Outcome>, Counted)> {
    let outcome: Option<String> = r.try_get("outcome")?;
    let outcome = outcome
        .as_deref()
        .map(|o| Outcome::parse(o).unwrap_or(Outcome::Continued));
    let mut counted = [0; 15];
    match outcome {
        Some(o) => {
            let age: Option<i64> = r.try_get("age")?;
            let sex: Option<String> = r.try_get("sex")?;
            counted[0] = sign;
            counted[1] = if age.is_some_and(|a| a < 18) { sign } else { 0 };
            counted[2] = if sex.as_deref() == Some("female") {
                sign
            } else {
                0
            };
            if let Some(i) = Outcome::ALL.iter().position(|x| *x == o) {
                counted[OUTCOMES_AT + i] = sign;
            }
        }
        None => {
            for (i, c) in COLUMNS.iter().enumerate().skip(TALLY_AT) {
                counted[i] = sign * r.try_get::<i64, _>(*c)?;
            }
        }
    }
    Ok((outcome, counted))
}

/// A booth count row's key: booth, place, organisation, BS month, day (`""` for the month).
type BoothKey = (i64, String, i64, i64, String);

fn add(into: &mut Counted, from: &Counted) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

impl Store {
    /// Folds up to `limit` changes into the counts, in one write; returns how many it folded
    /// (fewer than `limit`: none are left). The job worker calls it every few seconds; reads
    /// are exact either way.
    pub async fn fold_counts(&self, limit: i64) -> Result<usize> {
        // Looked for first on a reader: an idle server then takes no write lock (and no fsync)
        // every time the worker wakes.
        let waiting: Option<i64> = sqlx::query_scalar("SELECT id FROM count_change LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        if waiting.is_none() {
            return Ok(0);
        }
        self.write(|tx, _| {
            Box::pin(async move {
                let sql = format!(
                    "DELETE FROM count_change WHERE id IN (SELECT id FROM count_change ORDER BY id LIMIT $1) \
                     RETURNING sign, {CHANGE_COLUMNS}"
                );
                let rows = sqlx::query(&sql).bind(limit).fetch_all(&mut **tx).await?;
                let mut booths: BTreeMap<BoothKey, Counted> = BTreeMap::new();
                let mut homes: BTreeMap<(String, i64, String), i64> = BTreeMap::new();
                for row in &rows {
                    let c = Change::read(row)?;
                    let Ok(month) = parse_ad(&c.day).and_then(month_key_of) else {
                        // A day outside the calendar cannot be shown in a figure either.
                        continue;
                    };
                    let stopped = c.outcome.is_some_and(Outcome::stopped);
                    for day in [String::new(), c.day.clone()] {
                        let key = (c.site_id, c.place_code.clone(), c.organisation_id, month, day.clone());
                        add(booths.entry(key).or_insert([0; 15]), &c.counted);
                        if let (Some(home), true) = (&c.home_code, stopped) {
                            *homes.entry((home.clone(), month, day)).or_insert(0) += c.sign;
                        }
                    }
                }
                upsert_booths(tx, booths).await?;
                upsert_homes(tx, homes).await?;
                Ok(rows.len())
            })
        })
        .await
    }

    /// Folds every change there is (after a bulk load, or before timing reads), then tidies
    /// the count tables ([`Store::tidy_counts`]).
    pub async fn fold_all_counts(&self) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.fold_counts(FOLD_BATCH).await?;
            total += n;
            if i64::try_from(n).unwrap_or(0) < FOLD_BATCH {
                if total > 0 {
                    self.tidy_counts(&["count_change", "booth_count", "home_stop_count"])
                        .await?;
                }
                return Ok(total);
            }
        }
    }

    /// On PostgreSQL, vacuums and analyses `tables`. `count_change` is a queue: every row is
    /// deleted seconds after it was written, and until a vacuum its dead rows stay in the
    /// table that every figure reads (after ten million, reads took 300 ms instead of 30).
    /// The worker does this itself rather than trust that autovacuum is on. SQLite reuses
    /// the freed pages by itself.
    pub async fn tidy_counts(&self, tables: &[&str]) -> Result<()> {
        if self.engine() == crate::Engine::Postgres {
            for table in tables {
                sqlx::query(&format!("VACUUM (ANALYZE) {table}"))
                    .execute(&self.gate.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// How many changes wait to be folded (the job worker's backlog, shown beside its jobs).
    pub async fn unfolded_count_changes(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM count_change")
            .fetch_one(&self.pool)
            .await?)
    }

    /// What the booths inside `scope` screened and were told between two days (inclusive),
    /// added up to `grain` (see [`BoothGrain`]; a month may come in several parts: add them up).
    pub(crate) async fn booth_month_counts(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
        grain: BoothGrain,
    ) -> Result<Vec<MonthCounts>> {
        let (periods, mut binds) = period_condition(from, to)?;
        let (cond, value) = scope_condition(
            scope,
            binds.len() + 3,
            "place_code",
            Some("site_id"),
            Some("organisation_id"),
        );
        let sums = || {
            COLUMNS
                .iter()
                .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (site, month, day, counted, grouped) = match grain {
            BoothGrain::BoothMonth => ("site_id", "month", "day", COLUMNS.join(", "), ""),
            BoothGrain::Month => (
                "CAST(0 AS BIGINT)",
                "month",
                "day",
                sums(),
                " GROUP BY month, day",
            ),
            BoothGrain::Booth => (
                "site_id",
                "CAST(0 AS BIGINT)",
                "CAST('' AS TEXT)",
                sums(),
                " GROUP BY site_id",
            ),
        };
        let change_site = if grain == BoothGrain::Month {
            site
        } else {
            "site_id"
        };
        let raw =
            "CAST(NULL AS TEXT) AS outcome, CAST(NULL AS TEXT) AS sex, CAST(NULL AS BIGINT) AS age";
        let zeros = COLUMNS[..TALLY_AT]
            .iter()
            .map(|c| format!("CAST(0 AS BIGINT) AS {c}"));
        let tally = COLUMNS[TALLY_AT..].iter().map(|c| (*c).to_string());
        let change_counted = zeros.chain(tally).collect::<Vec<_>>().join(", ");
        let (a, b) = (binds.len() + 1, binds.len() + 2);
        let sql = format!(
            "SELECT {site} AS site_id, {month} AS month, {day} AS day, CAST(0 AS BIGINT) AS sign, {raw}, {counted} \
             FROM booth_count WHERE ({periods}) AND {cond}{grouped} \
             UNION ALL \
             SELECT {change_site} AS site_id, CAST(0 AS BIGINT) AS month, day, sign, outcome, sex, age, {change_counted} \
             FROM count_change WHERE day >= ${a} AND day <= ${b} AND {cond}"
        );
        binds.push(Bind::Text(iso(from)));
        binds.push(Bind::Text(iso(to)));
        let rows = self.bound_rows(&sql, binds, value).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let sign: i64 = r.try_get("sign")?;
            let day: String = r.try_get("day")?;
            let counted = if sign == 0 {
                let mut c = [0; 15];
                for (i, col) in COLUMNS.iter().enumerate() {
                    c[i] = r.try_get(*col)?;
                }
                c
            } else {
                change_counts(r, sign)?.1
            };
            let month = if day.is_empty() {
                r.try_get("month")?
            } else {
                match parse_ad(&day).and_then(month_key_of) {
                    Ok(m) => m,
                    Err(_) => continue,
                }
            };
            out.push(month_counts(r.try_get("site_id")?, month, &counted));
        }
        Ok(out)
    }

    /// People stopped at booths between two days (inclusive), by home place inside `scope`.
    pub(crate) async fn home_stops(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
    ) -> Result<Vec<(String, i64)>> {
        let (periods, mut binds) = period_condition(from, to)?;
        let (cond, value) = scope_condition(scope, binds.len() + 3, "home_code", None, None);
        let (a, b) = (binds.len() + 1, binds.len() + 2);
        let stopped = stopped_outcomes();
        let sql = format!(
            "SELECT home_code, CAST(SUM(n) AS BIGINT) AS n FROM ( \
               SELECT home_code, n FROM home_stop_count WHERE ({periods}) AND {cond} \
               UNION ALL \
               SELECT home_code, sign AS n FROM count_change \
               WHERE day >= ${a} AND day <= ${b} AND outcome IN ({stopped}) AND home_code IS NOT NULL AND {cond} \
             ) stops GROUP BY home_code"
        );
        binds.push(Bind::Text(iso(from)));
        binds.push(Bind::Text(iso(to)));
        let rows = self.bound_rows(&sql, binds, value).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("home_code")?, r.try_get("n")?)))
            .collect()
    }

    /// Runs `sql` with `binds` as `$1`… and the scope's value, if any, after them.
    async fn bound_rows(
        &self,
        sql: &str,
        binds: Vec<Bind>,
        scope: Option<String>,
    ) -> Result<Vec<AnyRow>> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = match b {
                Bind::Int(i) => q.bind(i),
                Bind::Text(t) => q.bind(t),
            };
        }
        if let Some(v) = scope {
            q = q.bind(v);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }
}

/// The outcomes of people stopped, as an SQL list (`'intercepted', …`).
fn stopped_outcomes() -> String {
    Outcome::ALL
        .iter()
        .filter(|o| o.stopped())
        .map(|o| format!("'{}'", o.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value bound to a count query.
enum Bind {
    Int(i64),
    Text(String),
}

/// How finely the booths' counts of a period come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BoothGrain {
    /// Per booth and BS month (the exports: 12,000 rows for ten years of a hundred booths).
    BoothMonth,
    /// Per BS month, every booth's added up as booth `0` (the chart, the indicators).
    Month,
    /// Per booth over the whole period (month `0`).
    Booth,
}

/// The condition on a count table's `month` and `day` that reads the period `from`–`to` (whole
/// months, then the two runs of days, bound as `$1`…`$6`), and its values. A part the period
/// lacks is bound as an empty range.
fn period_condition(from: Date, to: Date) -> Result<(String, Vec<Bind>)> {
    let split = MonthSplit::of(from, to).map_err(|_| crate::StoreError::Rejected("error-date"))?;
    let (m1, m2) = split.whole.unwrap_or((1, 0));
    let mut binds = vec![Bind::Int(m1), Bind::Int(m2)];
    for i in 0..2 {
        let (d1, d2) = split
            .days
            .get(i)
            .map(|(a, b)| (iso(*a), iso(*b)))
            .unwrap_or_else(|| ("9".into(), "0".into()));
        binds.push(Bind::Text(d1));
        binds.push(Bind::Text(d2));
    }
    let cond = "(day = '' AND month >= $1 AND month <= $2) \
                OR (day >= $3 AND day <= $4) OR (day >= $5 AND day <= $6)"
        .to_string();
    Ok((cond, binds))
}

/// A booth's counts as the figures read them.
fn month_counts(site_id: i64, month: i64, c: &Counted) -> MonthCounts {
    let mut by_outcome = [0; 5];
    by_outcome.copy_from_slice(&c[OUTCOMES_AT..TALLY_AT]);
    MonthCounts {
        site_id,
        month,
        screened: c[0],
        minors: c[1],
        female: c[2],
        by_outcome,
        informed: Participants {
            under18: [c[TALLY_AT], c[TALLY_AT + 1], c[TALLY_AT + 2]],
            adults: [c[TALLY_AT + 3], c[TALLY_AT + 4], c[TALLY_AT + 5]],
        },
        materials: c[TALLY_AT + 6],
    }
}

/// Adds folded booth counts to `booth_count`, a hundred rows a statement.
async fn upsert_booths(tx: &mut crate::write::Tx, rows: BTreeMap<BoothKey, Counted>) -> Result<()> {
    let rows: Vec<_> = rows.into_iter().collect();
    let keys = "site_id, place_code, organisation_id, month, day";
    let set = COLUMNS
        .iter()
        .map(|c| format!("{c} = booth_count.{c} + excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    for chunk in rows.chunks(100) {
        let width = 5 + COLUMNS.len();
        let values = placeholders(chunk.len(), width);
        let sql = format!(
            "INSERT INTO booth_count ({keys}, {}) VALUES {values} ON CONFLICT ({keys}) DO UPDATE SET {set}",
            COLUMNS.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for ((site, place, org, month, day), counted) in chunk {
            q = q
                .bind(*site)
                .bind(place.clone())
                .bind(*org)
                .bind(*month)
                .bind(day.clone());
            for n in counted {
                q = q.bind(*n);
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Adds folded stops by home place to `home_stop_count`, a hundred rows a statement.
async fn upsert_homes(
    tx: &mut crate::write::Tx,
    rows: BTreeMap<(String, i64, String), i64>,
) -> Result<()> {
    let rows: Vec<_> = rows.into_iter().collect();
    for chunk in rows.chunks(100) {
        let sql = format!(
            "INSERT INTO home_stop_count (home_code, month, day, n) VALUES {} \
             ON CONFLICT (home_code, month, day) DO UPDATE SET n = home_stop_count.n + excluded.n",
            placeholders(chunk.len(), 4)
        );
        let mut q = sqlx::query(&sql);
        for ((home, month, day), n) in chunk {
            q = q.bind(home.clone()).bind(*month).bind(day.clone()).bind(*n);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `($1, $2), ($3, $4)` for `rows` rows of `width` values.
fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let row = (1..=width)
                .map(|c| format!("${}", r * width + c))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({row})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}
