//! Areas' figures from their parts' (issue 17, points 1 and 5): a local level's counts are its
//! wards' added up, its population too where every ward has one, and its rate is a count shown
//! over that population. The ward page's table of a district's local levels and the national
//! and province map read them from here.

use std::collections::BTreeMap;

use crate::disclosure::Cell;

/// One area's counts, added up from its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pooled<'a> {
    /// The area's code: the first digits its parts' codes share.
    pub code: &'a str,
    /// Its population: `None` when any part's is unknown (a rate over part of an area would
    /// overstate it).
    pub population: Option<i64>,
    /// The parts' counts, added up position by position.
    pub counts: [i64; 3],
}

/// Adds up `parts` (code, population, counts) by the first `digits` of their codes, in code
/// order. A code shorter than `digits` is an area of its own.
pub fn pool<'a>(
    parts: impl IntoIterator<Item = (&'a str, Option<i64>, [i64; 3])>,
    digits: usize,
) -> Vec<Pooled<'a>> {
    let mut sums: BTreeMap<&str, (Option<i64>, [i64; 3])> = BTreeMap::new();
    for (code, population, counts) in parts {
        let area = code.get(..digits).unwrap_or(code);
        let e = sums.entry(area).or_insert((Some(0), [0; 3]));
        e.0 = e.0.zip(population).map(|(a, b)| a + b);
        for (sum, n) in e.1.iter_mut().zip(counts) {
            *sum += n;
        }
    }
    sums.into_iter()
        .map(|(code, (population, counts))| Pooled {
            code,
            population,
            counts,
        })
        .collect()
}

/// Events per person: only for a count that is shown and a known, non-zero population (a
/// withheld count has no rate, or the rate would give it away).
pub fn shown_rate(events: Cell, population: Option<i64>) -> Option<f64> {
    match (events, population) {
        (Cell::Count(n), Some(p)) if p > 0 => Some(n as f64 / p as f64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wards_add_up_to_their_local_levels() {
        let wards = [
            ("5110601", Some(100), [1, 2, 3]),
            ("5110602", Some(50), [0, 1, 0]),
            ("5110701", Some(10), [4, 0, 0]),
            ("5110702", None, [1, 1, 1]),
        ];
        let pooled = pool(wards, 5);
        assert_eq!(
            pooled,
            vec![
                Pooled {
                    code: "51106",
                    population: Some(150),
                    counts: [1, 3, 3]
                },
                Pooled {
                    code: "51107",
                    population: None,
                    counts: [5, 1, 1]
                },
            ]
        );
        assert_eq!(pool([("511", Some(5), [1, 0, 0])], 5)[0].code, "511");
    }

    #[test]
    fn a_rate_only_for_a_shown_count_over_known_people() {
        assert_eq!(shown_rate(Cell::Count(3), Some(1_000)), Some(0.003));
        assert_eq!(shown_rate(Cell::Count(3), None), None);
        assert_eq!(shown_rate(Cell::Count(3), Some(0)), None);
        assert_eq!(shown_rate(Cell::Below(11), Some(1_000)), None);
        assert_eq!(shown_rate(Cell::Hidden, Some(1_000)), None);
    }
}
