//! Community figures: what parents' groups reached (the SBCC indicators), how many committees
//! stand and work, how many youth ambassadors were active on given days. Computed from the rows
//! the store returns, for the indicators page, its exports and the parents' group pages.

use serde::{Deserialize, Serialize};
use setu_core::committees::{CommitteeKind, CommitteeStatus};
use setu_core::community::{Sex, YouthStatus};

/// Sessions a parent must attend to count as reached repeatedly.
pub const REPEATED_SESSIONS: u32 = 3;

/// The SBCC indicators of a set of parents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SbccIndicators {
    /// Parents who attended at least one session (unique people).
    pub parents_reached: u32,
    /// Of those, women.
    pub women_reached: u32,
    /// Attendances in all (one parent at one session is one).
    pub attendances: u32,
    /// Parents who attended [`REPEATED_SESSIONS`] sessions or more.
    pub repeated: u32,
}

impl SbccIndicators {
    /// Computes the indicators from (sex, sessions attended) for each parent on record.
    pub fn from_parents(parents: impl IntoIterator<Item = (Sex, u32)>) -> SbccIndicators {
        parents.into_iter().filter(|(_, n)| *n > 0).fold(
            SbccIndicators::default(),
            |mut acc, (sex, n)| {
                acc.parents_reached += 1;
                acc.women_reached += u32::from(sex == Sex::Female);
                acc.attendances += n;
                acc.repeated += u32::from(n >= REPEATED_SESSIONS);
                acc
            },
        )
    }

    /// Share of women among parents reached, whole per cent.
    pub fn women_percent(&self) -> Option<u32> {
        percent(self.women_reached, self.parents_reached)
    }

    /// Share of parents reached who attended three sessions or more, whole per cent.
    pub fn repeated_percent(&self) -> Option<u32> {
        percent(self.repeated, self.parents_reached)
    }

    /// Sessions per parent reached, in tenths (25 means 2.5).
    pub fn sessions_per_parent_tenths(&self) -> Option<u32> {
        (self.parents_reached > 0)
            .then(|| (self.attendances * 10 + self.parents_reached / 2) / self.parents_reached)
    }
}

fn percent(part: u32, whole: u32) -> Option<u32> {
    (whole > 0).then(|| (part * 100 + whole / 2) / whole)
}

/// Committees of each kind in an area, and of them those functional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CommitteeCounts {
    /// Local committees (LCCHTs).
    pub lcchts: i64,
    /// Of them, functional.
    pub lcchts_functional: i64,
    /// District committees (DCCHTs).
    pub dcchts: i64,
    /// Of them, functional.
    pub dcchts_functional: i64,
}

/// Counts committees from their (kind, status) on the day asked about.
pub fn committee_counts(
    committees: impl IntoIterator<Item = (CommitteeKind, CommitteeStatus)>,
) -> CommitteeCounts {
    let mut c = CommitteeCounts::default();
    for (kind, status) in committees {
        let functional = i64::from(status == CommitteeStatus::Functional);
        match kind {
            CommitteeKind::Lccht => {
                c.lcchts += 1;
                c.lcchts_functional += functional;
            }
            CommitteeKind::Dccht => {
                c.dcchts += 1;
                c.dcchts_functional += functional;
            }
        }
    }
    c
}

/// A youth ambassador's time with the programme, as the register keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenure {
    /// The day she joined, ISO.
    pub joined_on: String,
    /// Her standing now.
    pub status: YouthStatus,
    /// Since when, ISO (when she stopped being active, if she did).
    pub status_since: Option<String>,
}

impl Tenure {
    /// Whether she was active on `day` (ISO): joined by then, and either active now or not yet
    /// inactive on that day (a standing without a date counts as active throughout).
    pub fn active_on(&self, day: &str) -> bool {
        self.joined_on.as_str() <= day
            && match (&self.status, &self.status_since) {
                (YouthStatus::Active, _) => true,
                (_, Some(since)) => since.as_str() > day,
                (_, None) => true,
            }
    }
}

/// How many of `ambassadors` were active on each of `days` (ISO).
pub fn active_on(ambassadors: &[Tenure], days: &[String]) -> Vec<i64> {
    days.iter()
        .map(|day| {
            let n = ambassadors.iter().filter(|a| a.active_on(day)).count();
            i64::try_from(n).unwrap_or(i64::MAX)
        })
        .collect()
}

/// Youth events of every type, from their counts by type (the indicators' total and the youth
/// page's).
pub fn events_total<T>(by_type: &[(T, i64)]) -> i64 {
    by_type.iter().map(|(_, n)| n).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_of_every_type_add_up() {
        assert_eq!(
            events_total(&[("awareness", 4), ("sports", 0), ("rally", 7)]),
            11
        );
        assert_eq!(events_total::<&str>(&[]), 0);
    }

    #[test]
    fn indicators_count_people_once_and_repeated_contact() {
        let parents = [
            (Sex::Female, 4),
            (Sex::Female, 1),
            (Sex::Male, 3),
            (Sex::Female, 0),
            (Sex::Other, 2),
        ];
        let i = SbccIndicators::from_parents(parents);
        assert_eq!(
            i.parents_reached, 4,
            "the parent with no session is not reached"
        );
        assert_eq!(i.women_reached, 2);
        assert_eq!(i.attendances, 10);
        assert_eq!(i.repeated, 2);
        assert_eq!(i.women_percent(), Some(50));
        assert_eq!(i.repeated_percent(), Some(50));
        assert_eq!(i.sessions_per_parent_tenths(), Some(25));
        assert_eq!(SbccIndicators::default().women_percent(), None);
    }

    #[test]
    fn committees_are_counted_by_kind_and_function() {
        use CommitteeKind::{Dccht, Lccht};
        use CommitteeStatus::Functional;
        let other = CommitteeStatus::ALL
            .iter()
            .copied()
            .find(|s| *s != Functional)
            .unwrap();
        let c = committee_counts([
            (Lccht, Functional),
            (Lccht, other),
            (Lccht, Functional),
            (Dccht, other),
        ]);
        assert_eq!(
            c,
            CommitteeCounts {
                lcchts: 3,
                lcchts_functional: 2,
                dcchts: 1,
                dcchts_functional: 0
            }
        );
    }

    #[test]
    fn an_ambassador_counts_from_joining_until_she_stops() {
        let t = |joined: &str, status, since: Option<&str>| Tenure {
            joined_on: joined.into(),
            status,
            status_since: since.map(Into::into),
        };
        let all = [
            t("2020-05-01", YouthStatus::Active, None),
            t("2021-01-10", YouthStatus::Inactive, Some("2023-03-01")),
            t("2022-06-01", YouthStatus::Left, Some("2022-12-31")),
            t("2024-01-01", YouthStatus::Inactive, None),
        ];
        let days = [
            "2019-12-31",
            "2020-12-31",
            "2022-12-31",
            "2023-12-31",
            "2024-12-31",
        ]
        .map(String::from);
        assert_eq!(active_on(&all, &days), vec![0, 1, 2, 1, 2]);
    }
}
