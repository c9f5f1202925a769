//! Survivor support in the programme indicators (issue 16, point 10): survivors supported by
//! sex and age band, reintegration found at the 6- and 12-month follow-ups, how fast referrals
//! between organisations are answered and delivered, criminal cases reported and decided. The
//! store returns the grouped rows of a scope and period; the arithmetic is here. The page
//! decides what a reader may see of small counts.

use std::collections::BTreeMap;

use serde::Serialize;
use setu_core::cases::{months_after, AgeBand, Reintegration};
use setu_core::community::Sex;
use time::Date;

use crate::referrals::median_of_counts;

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

/// Survivors by sex and age band at the end of `year`, from `(sex, birth year, survivors)`
/// groups.
pub fn supported(groups: &[(Sex, Option<i32>, i64)], year: i32) -> Vec<SexBand> {
    let mut cells: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    for (sex, born, n) in groups {
        let band = AgeBand::of(*born, year);
        let key = (
            Sex::ALL.iter().position(|s| s == sex).unwrap_or(0),
            AgeBand::ALL.iter().position(|b| *b == band).unwrap_or(0),
        );
        *cells.entry(key).or_default() += n;
    }
    cells
        .into_iter()
        .map(|((s, b), n)| SexBand {
            sex: Sex::ALL[s],
            band: AgeBand::ALL[b],
            n,
        })
        .collect()
}

/// One follow-up recorded: the day she came home, the day it was due, what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// Her return home.
    pub returned_on: Date,
    /// When the follow-up was due.
    pub due_on: Date,
    /// What it found (status codes).
    pub found: Vec<String>,
    /// How many follow-ups were recorded alike (the store counts them by these three).
    pub n: i64,
}

/// The follow-ups that were the 6- or 12-month ones (due that many months after her return
/// home), with what they found.
pub fn reintegration(followups: &[FollowUp]) -> Vec<Milestone> {
    let mut out: Vec<Milestone> = MILESTONES
        .iter()
        .map(|m| Milestone {
            months: *m,
            recorded: 0,
            found: Reintegration::ALL.iter().map(|s| (*s, 0)).collect(),
        })
        .collect();
    for f in followups {
        let Some(m) = out
            .iter_mut()
            .find(|m| months_after(f.returned_on, m.months) == f.due_on)
        else {
            continue;
        };
        m.recorded += f.n;
        for code in &f.found {
            if let Some(cell) = m.found.iter_mut().find(|(s, _)| s.as_str() == code) {
                cell.1 += f.n;
            }
        }
    }
    out
}

/// Referrals between organisations counted alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralGroup {
    /// Whole hours from sending to the answer (accepted or declined); `None`: not answered.
    pub hours_to_answer: Option<i64>,
    /// Answered within the time a receiver has.
    pub in_time: bool,
    /// Days from the day it was sent to the day the service was delivered; `None`: not yet.
    pub days_to_deliver: Option<i64>,
    /// Still waiting for an answer past that time.
    pub waiting_overdue: bool,
    /// Referrals alike in all of these.
    pub n: i64,
}

/// How the referrals were answered and delivered, from their counts (the query decides what
/// was in time and what is overdue, against the clock it is given).
pub fn referral_times(groups: &[ReferralGroup]) -> ReferralTimes {
    let mut t = ReferralTimes::default();
    let (mut hours, mut days) = (Vec::new(), Vec::new());
    for g in groups {
        t.sent += g.n;
        match g.hours_to_answer {
            Some(h) => {
                t.answered += g.n;
                t.answered_in_time += if g.in_time { g.n } else { 0 };
                hours.push((h, g.n));
            }
            None if g.waiting_overdue => t.waiting_overdue += g.n,
            None => {}
        }
        if let Some(d) = g.days_to_deliver {
            t.delivered += g.n;
            days.push((d, g.n));
        }
    }
    t.median_hours_to_answer = median_of_counts(&hours);
    t.median_days_to_deliver = median_of_counts(&days);
    t
}

/// Criminal cases reported and decided between two days (inclusive), from `(reported on,
/// decided on, outcome)`.
pub fn justice(cases: &[(Date, Option<Date>, String, i64)], from: Date, to: Date) -> JusticeCounts {
    let within = |d: Date| d >= from && d <= to;
    let mut j = JusticeCounts::default();
    for (reported, decided, outcome, n) in cases {
        j.reported += if within(*reported) { *n } else { 0 };
        if decided.is_some_and(within) {
            match outcome.as_str() {
                "convicted" => j.convicted += n,
                "acquitted" => j.acquitted += n,
                "dismissed" => j.dismissed += n,
                _ => {}
            }
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn survivors_fall_into_their_sex_and_age_band_once() {
        let cells = supported(
            &[
                (Sex::Female, Some(2010), 2),
                (Sex::Female, Some(2011), 1),
                (Sex::Male, None, 1),
            ],
            2025,
        );
        let total: i64 = cells.iter().map(|c| c.n).sum();
        assert_eq!(total, 4);
        let girls = cells
            .iter()
            .find(|c| c.sex == Sex::Female)
            .map(|c| (c.band, c.n));
        assert_eq!(girls, Some((AgeBand::of(Some(2010), 2025), 3)));
    }

    #[test]
    fn only_the_six_and_twelve_month_follow_ups_count() {
        let home = date!(2025 - 01 - 15);
        let f = |due: Date, found: &[&str], n: i64| FollowUp {
            returned_on: home,
            due_on: due,
            found: found.iter().map(|s| s.to_string()).collect(),
            n,
        };
        let six = months_after(home, 6);
        let m = reintegration(&[
            f(six, &[Reintegration::ALL[0].as_str()], 1),
            f(six, &[], 2),
            f(months_after(home, 12), &[], 1),
            f(months_after(home, 3), &[Reintegration::ALL[0].as_str()], 4),
        ]);
        assert_eq!((m[0].months, m[0].recorded, m[0].found[0].1), (6, 3, 1));
        assert_eq!((m[1].months, m[1].recorded), (12, 1));
    }

    #[test]
    fn referrals_are_timed_from_their_counts() {
        let g = |hours: Option<i64>, in_time: bool, days: Option<i64>, overdue: bool, n| {
            ReferralGroup {
                hours_to_answer: hours,
                in_time,
                days_to_deliver: days,
                waiting_overdue: overdue,
                n,
            }
        };
        let t = referral_times(&[
            g(Some(5), true, None, false, 1),
            g(Some(30), false, None, false, 1),
            g(None, false, None, true, 2),
            g(None, false, None, false, 1),
            g(Some(2), true, Some(3), false, 1),
        ]);
        assert_eq!((t.sent, t.answered, t.answered_in_time), (6, 3, 2));
        assert_eq!((t.waiting_overdue, t.median_hours_to_answer), (2, Some(5)));
        assert_eq!((t.delivered, t.median_days_to_deliver), (1, Some(3)));
        assert_eq!(referral_times(&[]), ReferralTimes::default());
    }

    #[test]
    fn a_case_counts_where_its_days_fall() {
        let (from, to) = (date!(2025 - 01 - 01), date!(2025 - 06 - 30));
        let j = justice(
            &[
                (
                    date!(2024 - 11 - 01),
                    Some(date!(2025 - 02 - 01)),
                    "convicted".into(),
                    2,
                ),
                (date!(2025 - 02 - 01), None, "pending".into(), 1),
                (
                    date!(2025 - 03 - 01),
                    Some(date!(2025 - 08 - 01)),
                    "acquitted".into(),
                    1,
                ),
            ],
            from,
            to,
        );
        assert_eq!(
            j,
            JusticeCounts {
                reported: 2,
                convicted: 2,
                acquitted: 0,
                dismissed: 0
            }
        );
    }
}
