//! Booth figures per booth and Bikram Sambat month (the dashboard, the indicators and their
//! exports): added up from the counts the store keeps of the booths' screenings and of their
//! daily tallies of people informed.

use std::collections::BTreeMap;

use serde::Serialize;
use setu_core::booths::Outcome;
use setu_core::community::Participants;

/// What one booth recorded in one BS month (or part of it), as counted.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct MonthCounts {
    /// The booth.
    pub site_id: i64,
    /// The BS month: year × 100 + month.
    pub month: i64,
    /// Screened.
    pub screened: i64,
    /// Of them, under 18.
    pub minors: i64,
    /// Of them, women and girls.
    pub female: i64,
    /// By outcome, in the order of [`Outcome::ALL`].
    pub by_outcome: [i64; 5],
    /// People informed (the tallies), by sex and age band.
    pub informed: Participants,
    /// Materials given out.
    pub materials: i64,
}

/// Booth figures for one area and period, per booth and BS month.
#[derive(Debug, Clone, Serialize, Default)]
pub struct BoothFigures {
    /// Rows: booth × BS month.
    pub months: Vec<BoothMonth>,
    /// Totals over all rows.
    pub totals: BoothMonth,
}

/// One booth in one BS month.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct BoothMonth {
    /// Booth id (0 for totals).
    pub site_id: i64,
    /// BS year.
    pub year: u16,
    /// BS month.
    pub month: u8,
    /// People informed.
    pub informed: Participants,
    /// Materials given out.
    pub materials: i64,
    /// People screened.
    pub screened: i64,
    /// Of those, stopped (every outcome but continuing).
    pub intercepted: i64,
    /// Handed over to police, family or a shelter.
    pub handed_over: i64,
    /// By outcome, in the order of [`Outcome::ALL`].
    pub by_outcome: Vec<i64>,
    /// Screened under 18.
    pub screened_under18: i64,
    /// Screened women and girls.
    pub screened_female: i64,
}

impl BoothMonth {
    fn blank(site_id: i64, year: u16, month: u8) -> BoothMonth {
        BoothMonth {
            site_id,
            year,
            month,
            by_outcome: vec![0; Outcome::ALL.len()],
            ..BoothMonth::default()
        }
    }

    /// Adds what a booth counted (in some part of a month, or of a period).
    fn count(&mut self, c: &MonthCounts) {
        self.informed.add(&c.informed);
        self.materials += c.materials;
        self.screened += c.screened;
        self.screened_under18 += c.minors;
        self.screened_female += c.female;
        for (i, (o, n)) in Outcome::ALL.iter().zip(c.by_outcome).enumerate() {
            self.by_outcome[i] += n;
            self.intercepted += if o.stopped() { n } else { 0 };
            self.handed_over += if handed_over(*o) { n } else { 0 };
        }
    }

    fn add(&mut self, o: &BoothMonth) {
        self.informed.add(&o.informed);
        self.materials += o.materials;
        self.screened += o.screened;
        self.intercepted += o.intercepted;
        self.handed_over += o.handed_over;
        self.screened_under18 += o.screened_under18;
        self.screened_female += o.screened_female;
        for (a, b) in self.by_outcome.iter_mut().zip(&o.by_outcome) {
            *a += b;
        }
    }
}

/// Whether an outcome hands the person over (to police, family or a shelter).
pub fn handed_over(o: Outcome) -> bool {
    matches!(
        o,
        Outcome::HandedToPolice | Outcome::ReunitedWithFamily | Outcome::ReferredToShelter
    )
}

/// The figures of a period from its counts (parts of one month may come in several rows);
/// months that cannot be read are left out.
pub fn booth_figures(counts: &[MonthCounts]) -> BoothFigures {
    let mut rows: BTreeMap<(i64, u16, u8), BoothMonth> = BTreeMap::new();
    for c in counts {
        let (Ok(year), Ok(month)) = (u16::try_from(c.month / 100), u8::try_from(c.month % 100))
        else {
            continue;
        };
        if !(1..=12).contains(&month) {
            continue;
        }
        rows.entry((c.site_id, year, month))
            .or_insert_with(|| BoothMonth::blank(c.site_id, year, month))
            .count(c);
    }
    let mut totals = BoothMonth::blank(0, 0, 0);
    for r in rows.values() {
        totals.add(r);
    }
    BoothFigures {
        months: rows.into_values().collect(),
        totals,
    }
}

/// Each booth's figures over a whole period (year and month `0`, as the totals), from its
/// counts in any parts, in the order of their ids.
pub fn by_booth(counts: &[MonthCounts]) -> Vec<BoothMonth> {
    let mut rows: BTreeMap<i64, BoothMonth> = BTreeMap::new();
    for c in counts {
        rows.entry(c.site_id)
            .or_insert_with(|| BoothMonth::blank(c.site_id, 0, 0))
            .count(c);
    }
    rows.into_values().collect()
}

/// People informed per BS month across booths, with the under-18 part: `((year, month),
/// informed, under 18)` from the first month with figures to the last. Months between without
/// any are there with zeros, so that a chart shows them as a gap and two bars side by side are
/// always consecutive months.
pub fn informed_by_month(months: &[BoothMonth]) -> Vec<((u16, u8), i64, i64)> {
    let mut per_month: BTreeMap<(u16, u8), (i64, i64)> = BTreeMap::new();
    for m in months {
        let e = per_month.entry((m.year, m.month)).or_default();
        e.0 += m.informed.total();
        e.1 += m.informed.minors();
    }
    if let (Some(&first), Some(&last)) = (per_month.keys().next(), per_month.keys().last()) {
        let mut at = first;
        while at < last {
            per_month.entry(at).or_default();
            at = if at.1 >= 12 {
                (at.0 + 1, 1)
            } else {
                (at.0, at.1 + 1)
            };
        }
    }
    per_month
        .into_iter()
        .map(|(k, (all, minors))| (k, all, minors))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_add_up_by_booth_and_outcome_with_their_tallies() {
        let informed = Participants {
            under18: [2, 1, 0],
            adults: [3, 4, 0],
        };
        let counts = [
            MonthCounts {
                site_id: 7,
                month: 208204,
                screened: 10,
                minors: 3,
                female: 6,
                by_outcome: [6, 1, 2, 1, 0],
                ..Default::default()
            },
            // The days of the same month, read apart.
            MonthCounts {
                site_id: 7,
                month: 208204,
                screened: 2,
                minors: 0,
                female: 1,
                by_outcome: [0, 0, 0, 0, 2],
                informed,
                materials: 9,
            },
            MonthCounts {
                site_id: 8,
                month: 208205,
                screened: 1,
                by_outcome: [1, 0, 0, 0, 0],
                ..Default::default()
            },
            MonthCounts {
                site_id: 8,
                month: 0,
                screened: 5,
                ..Default::default()
            },
        ];
        let f = booth_figures(&counts);
        assert_eq!(
            f.months.len(),
            2,
            "a month outside the calendar is left out"
        );
        let m = &f.months[0];
        assert_eq!((m.site_id, m.year, m.month), (7, 2082, 4));
        assert_eq!(
            (m.screened, m.screened_under18, m.screened_female),
            (12, 3, 7)
        );
        assert_eq!(
            (m.intercepted, m.handed_over),
            (6, 5),
            "all but the six who went on"
        );
        assert_eq!(m.by_outcome, vec![6, 1, 2, 1, 2]);
        assert_eq!((m.informed.total(), m.materials), (10, 9));
        assert_eq!(f.totals.screened, 13);
        assert_eq!(f.totals.by_outcome, vec![7, 1, 2, 1, 2]);

        // By booth: every part of the period, whatever its month (the store sends a booth's
        // whole period as month 0), added up as the months are.
        let booths = by_booth(&counts);
        assert_eq!(booths.len(), 2);
        assert_eq!(
            (booths[0].site_id, booths[0].year, booths[0].month),
            (7, 0, 0)
        );
        assert_eq!(
            (
                booths[0].screened,
                booths[0].intercepted,
                booths[0].handed_over
            ),
            (m.screened, m.intercepted, m.handed_over)
        );
        assert_eq!(booths[0].by_outcome, m.by_outcome);
        assert_eq!((booths[1].site_id, booths[1].screened), (8, 6));
    }

    #[test]
    fn the_outcome_columns_follow_the_vocabulary() {
        // The counts are stored in this order (migration 0038); a new outcome needs a column.
        let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(
            names,
            [
                "counselled-continued",
                "intercepted",
                "handed-to-police",
                "reunited-with-family",
                "referred-to-shelter"
            ]
        );
    }

    #[test]
    fn informed_months_run_on_without_gaps_across_the_new_year() {
        let month = |site_id, year, month, under18, adults| BoothMonth {
            site_id,
            year,
            month,
            informed: Participants {
                under18: [under18, 0, 0],
                adults: [adults, 0, 0],
            },
            ..Default::default()
        };
        let months = [
            month(1, 2081, 11, 2, 5),
            month(2, 2081, 11, 1, 0),
            month(1, 2082, 2, 0, 4),
        ];
        assert_eq!(
            informed_by_month(&months),
            vec![
                ((2081, 11), 8, 3),
                ((2081, 12), 0, 0),
                ((2082, 1), 0, 0),
                ((2082, 2), 4, 0),
            ]
        );
        assert!(informed_by_month(&[]).is_empty());
    }
}
