//! Disclosure control for counts shown to people who may not see the records behind them. In a
//! small ward "one girl returned home in Shrawan" names her to her neighbours, so a count of
//! one or two is shown only as "fewer than 3", and no total is printed beside such a cell
//! (a total would give it back by subtraction).

/// The smallest count shown as a number (other than zero).
pub const FEWEST_SHOWN: i64 = 3;

/// A count as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Shown as it is (zero, or at least [`FEWEST_SHOWN`]).
    Count(i64),
    /// One or two: shown as "fewer than 3".
    Few,
    /// A total not small, but hidden so that a small count in its table cannot be worked out
    /// from it.
    Hidden,
}

/// How `n` may be shown.
pub fn cell(n: i64) -> Cell {
    if n > 0 && n < FEWEST_SHOWN {
        Cell::Few
    } else {
        Cell::Count(n)
    }
}

/// A breakdown shown with its total: the small cells hidden and, when any is, the total too.
/// Hiding more of the cells instead (secondary suppression) was tried and leaks: the reader
/// knows the rule, and which cell was hidden tells them bounds that pin a small cell down
/// (a total of 13 over "fewer than 3", hidden, 9 leaves 4 for two cells, one at least 3).
pub fn with_total(cells: &[i64]) -> (Vec<Cell>, Cell) {
    let total: i64 = cells.iter().sum();
    let shown: Vec<Cell> = cells.iter().map(|n| cell(*n)).collect();
    let total = match cell(total) {
        Cell::Count(t) if !shown.contains(&Cell::Few) => Cell::Count(t),
        Cell::Few => Cell::Few,
        _ => Cell::Hidden,
    };
    (shown, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_and_two_are_never_shown() {
        assert_eq!(cell(0), Cell::Count(0));
        assert_eq!(cell(1), Cell::Few);
        assert_eq!(cell(2), Cell::Few);
        assert_eq!(cell(3), Cell::Count(3));
    }

    /// What a reader who knows the rule can work out: every value each hidden cell could
    /// take, given the shown cells and the total.
    fn possible(shown: &[Cell], total: Cell) -> Vec<std::collections::BTreeSet<i64>> {
        let ranges: Vec<Vec<i64>> = shown
            .iter()
            .map(|c| match c {
                Cell::Count(n) => vec![*n],
                Cell::Few => vec![1, 2],
                Cell::Hidden => (1..=30).collect(),
            })
            .collect();
        let mut out = vec![std::collections::BTreeSet::new(); shown.len()];
        let mut pick = vec![0usize; shown.len()];
        loop {
            let values: Vec<i64> = pick.iter().zip(&ranges).map(|(i, r)| r[*i]).collect();
            let sum: i64 = values.iter().sum();
            let fits = match total {
                Cell::Count(t) => sum == t,
                Cell::Few => (1..FEWEST_SHOWN).contains(&sum),
                Cell::Hidden => true,
            };
            // The rule is public: a table it would have drawn differently is not possible.
            if fits && with_total(&values) == (shown.to_vec(), total) {
                for (set, v) in out.iter_mut().zip(&values) {
                    set.insert(*v);
                }
            }
            let mut i = 0;
            loop {
                if i == pick.len() {
                    return out;
                }
                pick[i] += 1;
                if pick[i] < ranges[i].len() {
                    break;
                }
                pick[i] = 0;
                i += 1;
            }
        }
    }

    #[test]
    fn no_small_cell_can_be_worked_out_from_the_total() {
        let tables: &[&[i64]] = &[
            &[1, 7, 9],
            &[2, 0, 12],
            &[1, 1, 8],
            &[1, 2, 0, 5],
            &[4, 5, 6],
            &[0, 1, 0],
            &[2, 3, 4, 0],
            &[1, 0, 0, 9],
            &[1, 3, 9],
        ];
        for t in tables {
            let (shown, total) = with_total(t);
            for (i, n) in t.iter().enumerate() {
                if *n > 0 && *n < FEWEST_SHOWN {
                    assert_ne!(shown[i], Cell::Count(*n), "{t:?}: a small cell shown");
                    let could = possible(&shown, total);
                    assert!(could[i].len() >= 2, "{t:?}: cell {i} is {:?}", could[i]);
                }
            }
        }
        assert_eq!(
            with_total(&[4, 5, 6]).1,
            Cell::Count(15),
            "nothing small: all shown"
        );
        assert_eq!(
            with_total(&[1, 7, 9]),
            (
                vec![Cell::Few, Cell::Count(7), Cell::Count(9)],
                Cell::Hidden
            )
        );
        assert_eq!(with_total(&[1, 0, 1]).1, Cell::Few);
    }
}
