//! How fast police answer referrals (the referrals page): how many are past a deadline and the
//! median minutes to acknowledge and to act, from the minutes the store counts in its query
//! (minutes, referrals) rather than from referrals read one by one.

use serde::Serialize;

/// What the store counts for the figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralCounts {
    /// Referrals past a deadline now.
    pub overdue: i64,
    /// (minutes from sending to acknowledgement, referrals).
    pub to_acknowledge: Vec<(i64, i64)>,
    /// (minutes from sending to action, referrals).
    pub to_act: Vec<(i64, i64)>,
}

/// How fast referrals are answered, as the page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReferralFigures {
    /// Past a deadline now.
    pub overdue: i64,
    /// Median minutes from sending to acknowledgement.
    pub ack_median: Option<i64>,
    /// Median minutes from sending to action.
    pub act_median: Option<i64>,
}

/// The figures from their counts.
pub fn referral_figures(c: &ReferralCounts) -> ReferralFigures {
    ReferralFigures {
        overdue: c.overdue,
        ack_median: median_of_counts(&c.to_acknowledge),
        act_median: median_of_counts(&c.to_act),
    }
}

/// The median of values given as (value, how many), in any order: the middle of the values
/// written out one by one, the upper middle of an even count. Groups with no members count for
/// nothing.
pub fn median_of_counts(groups: &[(i64, i64)]) -> Option<i64> {
    let mut sorted: Vec<(i64, i64)> = groups.iter().copied().filter(|g| g.1 > 0).collect();
    sorted.sort_unstable();
    let total: i64 = sorted.iter().map(|g| g.1).sum();
    // The value at 0-based position total / 2 of the list written out.
    let mut seen = 0;
    for (value, n) in sorted {
        seen += n;
        if seen > total / 2 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The median of a list written out: sorted, the upper middle.
    fn median(mut v: Vec<i64>) -> Option<i64> {
        v.sort_unstable();
        v.get(v.len() / 2).copied()
    }

    #[test]
    fn a_median_is_the_upper_middle_and_none_of_nothing() {
        let one_each = |v: &[i64]| v.iter().map(|x| (*x, 1)).collect::<Vec<_>>();
        assert_eq!(median_of_counts(&[]), None);
        assert_eq!(median_of_counts(&one_each(&[5, 1, 3])), Some(3));
        assert_eq!(median_of_counts(&one_each(&[4, 1, 3, 2])), Some(3));
    }

    /// Every small list, counted, gives the median of the list written out.
    #[test]
    fn the_median_of_counts_is_the_median_of_the_values() {
        let lists: [&[i64]; 7] = [
            &[],
            &[5],
            &[5, 9],
            &[9, 5, 5],
            &[1, 2, 3, 4],
            &[30, 30, 30, 1, 1000],
            &[7, 7, 7, 7, 2, 2, 2, 90],
        ];
        for list in lists {
            let mut groups: Vec<(i64, i64)> = Vec::new();
            for v in list {
                match groups.iter_mut().find(|g| g.0 == *v) {
                    Some(g) => g.1 += 1,
                    None => groups.push((*v, 1)),
                }
            }
            groups.reverse();
            assert_eq!(median_of_counts(&groups), median(list.to_vec()), "{list:?}");
        }
    }

    #[test]
    fn empty_groups_are_no_values() {
        assert_eq!(median_of_counts(&[(3, 0), (8, 0)]), None);
        assert_eq!(median_of_counts(&[(3, 0), (8, 2), (1, 0)]), Some(8));
    }

    #[test]
    fn figures_carry_the_overdue_count_and_both_medians() {
        let f = referral_figures(&ReferralCounts {
            overdue: 4,
            to_acknowledge: vec![(60, 3), (10, 1)],
            to_act: vec![],
        });
        assert_eq!(
            f,
            ReferralFigures {
                overdue: 4,
                ack_median: Some(60),
                act_median: None
            }
        );
    }
}
