//! Tables released to the public (issue 17, point 7): counts of persons per area with their
//! total, where no count from 1 to 10 is ever published and none can be worked out from what is.
//!
//! Small counts are suppressed (primary suppression). A total published beside a single
//! suppressed count would give it back by subtraction, so more counts are suppressed
//! (secondary suppression: the smallest published counts first, losing the least) until the
//! worst-placed reader cannot pin a small count down to fewer than [`MIN_VALUES`] values; when
//! no count is left to hide, the total is suppressed too. Every suppressed cell is published
//! the same way, whatever the reason, and zeros are published (a zero names nobody).
//!
//! The check assumes a reader stronger than any real one: one who knows which suppressed cells
//! are small (1–10) and which were hidden to protect them (at least 11, and no larger than any
//! count still published, since the smallest are hidden first). The test enumerates every
//! table of small sizes, runs the release on each, and checks that a reader who knows the rule
//! and sees the published table never learns a small count exactly.

/// Counts from 1 to `THRESHOLD - 1` are never published.
pub const THRESHOLD: i64 = crate::disclosure::PUBLIC_THRESHOLD;

/// The fewest values a suppressed small count may still take in the reader's eyes.
pub const MIN_VALUES: i64 = 3;

/// One column of a release as published: each part (`None`: suppressed) and the total.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Protected {
    /// The parts, in the order given.
    pub parts: Vec<Option<i64>>,
    /// Their total.
    pub total: Option<i64>,
}

/// The column `parts` (with their total) as it may be published.
pub fn protect(parts: &[i64]) -> Protected {
    let total: i64 = parts.iter().sum();
    let small = |n: i64| n > 0 && n < THRESHOLD;
    if small(total) {
        // Every part is small or zero: only the zeros are published.
        return Protected {
            parts: parts.iter().map(|n| (*n == 0).then_some(0)).collect(),
            total: None,
        };
    }
    let mut hidden: Vec<bool> = parts.iter().map(|n| small(*n)).collect();
    let mut total_hidden = false;
    while !safe(parts, &hidden) {
        let next = (0..parts.len())
            .filter(|i| !hidden[*i] && parts[*i] >= THRESHOLD)
            .min_by_key(|i| (parts[*i], *i));
        match next {
            Some(i) => hidden[i] = true,
            None => {
                total_hidden = true;
                break;
            }
        }
    }
    Protected {
        parts: parts
            .iter()
            .zip(&hidden)
            .map(|(n, h)| (!h).then_some(*n))
            .collect(),
        total: (!total_hidden).then_some(total),
    }
}

/// A release table: counts per area (rows) and measure (columns), each column protected on
/// its own (the columns are measures that do not add up to one another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Each area's published values, in the columns' order.
    pub rows: Vec<Vec<Option<i64>>>,
    /// Each column's published total.
    pub totals: Vec<Option<i64>>,
}

/// Protects every column of `counts` (one row per area, `columns` values a row).
pub fn table(counts: &[Vec<i64>], columns: usize) -> Table {
    let mut rows = vec![Vec::with_capacity(columns); counts.len()];
    let mut totals = Vec::with_capacity(columns);
    for c in 0..columns {
        let column: Vec<i64> = counts
            .iter()
            .map(|r| r.get(c).copied().unwrap_or(0))
            .collect();
        let p = protect(&column);
        for (row, v) in rows.iter_mut().zip(p.parts) {
            row.push(v);
        }
        totals.push(p.total);
    }
    Table { rows, totals }
}

/// Whether, with the total published, every small hidden count can still take at least
/// [`MIN_VALUES`] values in the eyes of the strong reader described in the module.
fn safe(parts: &[i64], hidden: &[bool]) -> bool {
    let total: i64 = parts.iter().sum();
    let shown: i64 = parts
        .iter()
        .zip(hidden)
        .filter(|(_, h)| !**h)
        .map(|(n, _)| n)
        .sum();
    let rest = total - shown;
    // A hidden count of at least the threshold is no larger than any count still shown.
    let ceiling = parts
        .iter()
        .zip(hidden)
        .filter(|(n, h)| !**h && **n >= THRESHOLD)
        .map(|(n, _)| *n)
        .min()
        .unwrap_or(rest);
    let range = |n: i64| {
        if n < THRESHOLD {
            (1, THRESHOLD - 1)
        } else {
            (THRESHOLD, ceiling.max(THRESHOLD))
        }
    };
    (0..parts.len())
        .filter(|i| hidden[*i] && parts[*i] < THRESHOLD)
        .all(|i| {
            let (mut others_min, mut others_max) = (0, 0);
            for j in (0..parts.len()).filter(|j| hidden[*j] && *j != i) {
                let (lo, hi) = range(parts[j]);
                others_min += lo;
                others_max += hi;
            }
            let lo = (rest - others_max).max(1);
            let hi = (rest - others_min).min(THRESHOLD - 1);
            hi - lo + 1 >= MIN_VALUES
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap};

    #[test]
    fn a_table_is_protected_column_by_column() {
        let t = table(&[vec![3, 40], vec![40, 12], vec![25, 0]], 2);
        assert_eq!(t.rows[0], [None, Some(40)]);
        assert_eq!(t.rows[2], [None, Some(0)]);
        assert_eq!(t.totals, [Some(68), Some(52)]);
    }

    #[test]
    fn small_counts_are_never_published() {
        let p = protect(&[3, 40, 25, 0]);
        assert_eq!(p.parts[0], None);
        assert_eq!(p.parts[3], Some(0));
        assert!(p.parts.iter().flatten().all(|n| *n == 0 || *n >= THRESHOLD));
        assert_eq!(p.parts.iter().filter(|c| c.is_none()).count(), 2, "{p:?}");
        assert_eq!(
            p.parts[2], None,
            "the smallest other count is hidden: {p:?}"
        );
        assert_eq!(p.total, Some(68));
        let tiny = protect(&[2, 3, 0]);
        assert_eq!(
            tiny,
            Protected {
                parts: vec![None, None, Some(0)],
                total: None
            }
        );
        let none = protect(&[12, 40]);
        assert_eq!(none.parts, [Some(12), Some(40)]);
        // One small count beside a single other: hiding both would still give 1 + 11 = 12
        // away to a reader who knows the rule, so the total goes too.
        assert_eq!(protect(&[1, 11]).total, None);
    }

    /// The attack: for every table of `len` counts from 0 to `max`, publish it, and group the
    /// tables by what was published. A reader who knows the rule and sees a published table
    /// knows only that the truth is one of its group. No small count may be the same in every
    /// table of its group.
    fn attack(len: u32, max: i64) {
        let mut groups: HashMap<Protected, Vec<Vec<i64>>> = HashMap::new();
        let size = (max + 1).pow(len);
        for k in 0..size {
            let table: Vec<i64> = (0..len)
                .map(|d| (k / (max + 1).pow(d)) % (max + 1))
                .collect();
            groups.entry(protect(&table)).or_default().push(table);
        }
        let mut recovered = Vec::new();
        for (published, tables) in &groups {
            for (i, cell) in published.parts.iter().enumerate() {
                if cell.is_some() {
                    continue;
                }
                let values: BTreeSet<i64> = tables.iter().map(|t| t[i]).collect();
                let small: Vec<&i64> = values.iter().filter(|v| **v < THRESHOLD).collect();
                if values.len() < 2 && !small.is_empty() {
                    recovered.push((published.clone(), i, values));
                }
            }
            for t in tables {
                for (v, c) in t.iter().zip(&published.parts) {
                    assert!(
                        c.is_none() || *v == 0 || *v >= THRESHOLD,
                        "a small count published: {t:?}"
                    );
                }
                let total: i64 = t.iter().sum();
                assert!(published.total.is_none() || total == 0 || total >= THRESHOLD);
            }
        }
        assert!(
            recovered.is_empty(),
            "{} small counts recovered, e.g. {:?}",
            recovered.len(),
            recovered.first()
        );
    }

    #[test]
    fn no_small_count_can_be_recovered_from_any_table_of_two_or_three() {
        attack(2, 40);
        attack(3, 30);
    }

    #[test]
    fn no_small_count_can_be_recovered_from_any_table_of_four() {
        attack(4, 16);
    }
}
