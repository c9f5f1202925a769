//! Figures computed from grouped counts the store returns, in one place for the pages, the
//! exports and the API: the programme's headline indicators, and the booths' month by month
//! (the dashboard, the indicators and their exports all read this, never a page module).

use serde::Serialize;
use setu_core::access::Scope;
use setu_core::{FiscalYear, PlaceCode};
use setu_stats::community::{committee_counts, SbccIndicators};

use crate::counts::BoothGrain;
use crate::{Result, Store};

pub use setu_stats::booths::{BoothFigures, BoothMonth};

impl Store {
    /// The booth figures for `scope` between two days, per booth and BS month (the exports and
    /// the API): the booths' counts (see [`crate::counts`]), added up by `setu_stats::booths`.
    pub async fn booth_figures(
        &self,
        scope: Scope,
        from: time::Date,
        to: time::Date,
    ) -> Result<BoothFigures> {
        let counts = self
            .booth_month_counts(scope, from, to, BoothGrain::BoothMonth)
            .await?;
        Ok(setu_stats::booths::booth_figures(&counts))
    }

    /// The booth figures for `scope` between two days per BS month, every booth's added up by
    /// the engine (booth `0`): the dashboard's chart and months, the indicators' totals. Ten
    /// years of a hundred booths are 120 rows this way, not 12,000.
    pub async fn booth_months(
        &self,
        scope: Scope,
        from: time::Date,
        to: time::Date,
    ) -> Result<BoothFigures> {
        let counts = self
            .booth_month_counts(scope, from, to, BoothGrain::Month)
            .await?;
        Ok(setu_stats::booths::booth_figures(&counts))
    }

    /// Each booth inside `scope` over the days between two (year and month `0`), by booth.
    pub async fn booth_by_booth(
        &self,
        scope: Scope,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<BoothMonth>> {
        let counts = self
            .booth_month_counts(scope, from, to, BoothGrain::Booth)
            .await?;
        Ok(setu_stats::booths::by_booth(&counts))
    }
}

/// The headline figures.
#[derive(Debug, Serialize)]
pub struct Figures {
    /// The place filter, if any.
    pub place: Option<String>,
    /// The fiscal year.
    pub fiscal_year: String,
    /// LCCHTs functional at the end of the year (or today) / all LCCHTs.
    pub lcchts_functional: i64,
    /// All LCCHTs in the area.
    pub lcchts: i64,
    /// DCCHTs functional / all.
    pub dcchts_functional: i64,
    /// All DCCHTs.
    pub dcchts: i64,
    /// SBCC figures for sessions in the fiscal year.
    pub sbcc: SbccIndicators,
    /// Active youth ambassadors at the end of each calendar year from 2020.
    pub youth_by_year: Vec<(i32, i64)>,
    /// Engagement events in the fiscal year, by type.
    pub events_by_type: Vec<(String, i64)>,
    /// Engagement events in the fiscal year.
    pub events: i64,
    /// Border booths in the fiscal year: informed, of them under 18, screened, intercepted,
    /// handed over.
    pub booths: BoothTotals,
    /// Survivor support, as counted: the page decides what of it a reader may see, so it is
    /// never serialised as it is.
    #[serde(skip)]
    pub survivors: setu_stats::survivors::CaseFigures,
}

/// The booth figures that join the programme indicators.
#[derive(Debug, Serialize, Default)]
pub struct BoothTotals {
    /// People informed at booths.
    pub informed: i64,
    /// Of them, under 18.
    pub informed_under18: i64,
    /// People screened.
    pub screened: i64,
    /// People stopped.
    pub intercepted: i64,
    /// People handed over to police, family or a shelter.
    pub handed_over: i64,
}

impl Store {
    /// The programme's headline figures for `scope` (narrowed to `place`, if any) over the
    /// days `from` to `as_of` of fiscal year `fy` (all years when `None`); youth growth up to
    /// `today`.
    pub async fn indicators(
        &self,
        scope: Scope,
        place: Option<PlaceCode>,
        fy: Option<FiscalYear>,
        from: time::Date,
        as_of: time::Date,
        today: time::Date,
    ) -> Result<Figures> {
        let committees = self.committees(scope, as_of).await?;
        let committees = committee_counts(committees.iter().map(|c| (c.kind, c.status)));
        let sbcc = self
            .sbcc_indicators_between(scope, None, Some((from, as_of)))
            .await?;
        let youth_by_year = self.youth_growth(scope, 2020, today).await?;
        let by_type = self.youth_event_counts(scope, from, as_of).await?;
        let b = self.booth_months(scope, from, as_of).await?.totals;
        let survivors = self
            .case_figures(scope, from, as_of, time::OffsetDateTime::now_utc())
            .await?;
        Ok(Figures {
            survivors,
            booths: BoothTotals {
                informed: b.informed.total(),
                informed_under18: b.informed.minors(),
                screened: b.screened,
                intercepted: b.intercepted,
                handed_over: b.handed_over,
            },
            place: place.map(|p| p.to_string()),
            fiscal_year: fy.map(|f| f.to_string()).unwrap_or_else(|| "all".into()),
            lcchts_functional: committees.lcchts_functional,
            lcchts: committees.lcchts,
            dcchts_functional: committees.dcchts_functional,
            dcchts: committees.dcchts,
            sbcc,
            events: setu_stats::community::events_total(&by_type),
            events_by_type: by_type
                .into_iter()
                .map(|(t, n)| (t.as_str().to_string(), n))
                .collect(),
            youth_by_year,
        })
    }
}
