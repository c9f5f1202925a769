//! Disclosure control for counts shown to people who may not see the records behind them. In a
//! small ward "one girl returned home in Shrawan" names her to her neighbours, so a count of
//! one or two is shown only as "fewer than 3", and no total is printed beside such a cell
//! (a total would give it back by subtraction). Figures about a ward, and everything public,
//! use the stricter threshold of 11 ([`PUBLIC_THRESHOLD`]).

/// The smallest count shown as a number (other than zero) inside Setu.
pub const FEWEST_SHOWN: i64 = 3;

/// The smallest count of persons shown on a ward's figures to readers who may not see the
/// records, and in anything published (issue 17): the threshold national statistics offices
/// and the data collaborative use.
pub const PUBLIC_THRESHOLD: i64 = 11;

/// A count as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Shown as it is (zero, or at least [`FEWEST_SHOWN`]).
    Count(i64),
    /// More than zero and fewer than the threshold it holds: shown as "fewer than N".
    Below(i64),
    /// A total not small, but hidden so that a small count in its table cannot be worked out
    /// from it.
    Hidden,
}

/// How `n` may be shown inside Setu.
pub fn cell(n: i64) -> Cell {
    cell_at(n, FEWEST_SHOWN)
}

/// How `n` may be shown where counts under `threshold` are withheld.
pub fn cell_at(n: i64, threshold: i64) -> Cell {
    if n > 0 && n < threshold {
        Cell::Below(threshold)
    } else {
        Cell::Count(n)
    }
}

/// A sum shown beside its parts: as it is when every part is shown, hidden otherwise (it
/// would give a withheld part back by subtraction).
pub fn sum_of(parts: &[Cell], sum: i64) -> Cell {
    if parts.iter().all(|c| matches!(c, Cell::Count(_))) {
        Cell::Count(sum)
    } else {
        Cell::Hidden
    }
}

/// The parts of a count shown under it (reports still open, found, back home) where counts
/// under `threshold` are withheld: when any part is withheld, the others are hidden too.
/// Otherwise the total less the parts shown would give the withheld part back, and two
/// withheld parts summing to two would each be one.
pub fn parts_at(parts: &[i64], threshold: i64) -> Vec<Cell> {
    let cells: Vec<Cell> = parts.iter().map(|n| cell_at(*n, threshold)).collect();
    if cells.iter().all(|c| matches!(c, Cell::Count(_))) {
        return cells;
    }
    cells
        .into_iter()
        .map(|c| match c {
            Cell::Count(_) => Cell::Hidden,
            other => other,
        })
        .collect()
}

const FEW: Cell = Cell::Below(FEWEST_SHOWN);

/// A breakdown shown with its total: the small cells hidden and, when any is, the total too.
/// Hiding more of the cells instead (secondary suppression) was tried and leaks: the reader
/// knows the rule, and which cell was hidden tells them bounds that pin a small cell down
/// (a total of 13 over "fewer than 3", hidden, 9 leaves 4 for two cells, one at least 3).
pub fn with_total(cells: &[i64]) -> (Vec<Cell>, Cell) {
    let total: i64 = cells.iter().sum();
    let shown: Vec<Cell> = cells.iter().map(|n| cell(*n)).collect();
    let total = match cell(total) {
        Cell::Count(t) if !shown.contains(&FEW) => Cell::Count(t),
        Cell::Below(b) => Cell::Below(b),
        _ => Cell::Hidden,
    };
    (shown, total)
}

/// A table's cells and its total as a reader sees them: as they are to one who may see the
/// records behind them (`open`), under [`with_total`]'s rules to anyone else.
pub fn table(cells: &[i64], open: bool) -> (Vec<Cell>, Cell) {
    if open {
        (
            cells.iter().map(|n| Cell::Count(*n)).collect(),
            Cell::Count(cells.iter().sum()),
        )
    } else {
        with_total(cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_whole_to_its_readers_and_guarded_for_others() {
        assert_eq!(
            table(&[1, 5], true),
            (vec![Cell::Count(1), Cell::Count(5)], Cell::Count(6))
        );
        assert_eq!(table(&[1, 5], false), with_total(&[1, 5]));
        assert_eq!(table(&[1, 5], false).1, Cell::Hidden);
    }

    #[test]
    fn one_and_two_are_never_shown() {
        assert_eq!(cell(0), Cell::Count(0));
        assert_eq!(cell(1), FEW);
        assert_eq!(cell(2), FEW);
        assert_eq!(cell_at(10, PUBLIC_THRESHOLD), Cell::Below(11));
        assert_eq!(cell_at(11, PUBLIC_THRESHOLD), Cell::Count(11));
        assert_eq!(
            sum_of(&[Cell::Count(4), Cell::Count(20)], 24),
            Cell::Count(24)
        );
        assert_eq!(
            sum_of(&[Cell::Below(11), Cell::Count(20)], 24),
            Cell::Hidden
        );
        assert_eq!(
            parts_at(&[3, 12, 0], PUBLIC_THRESHOLD),
            [Cell::Below(11), Cell::Hidden, Cell::Hidden]
        );
        assert_eq!(
            parts_at(&[11, 12, 0], PUBLIC_THRESHOLD),
            [Cell::Count(11), Cell::Count(12), Cell::Count(0)]
        );
        assert_eq!(cell(3), Cell::Count(3));
    }

    /// What a reader who knows the rule can work out: every value each hidden cell could
    /// take, given the shown cells and the total.
    fn possible(shown: &[Cell], total: Cell) -> Vec<std::collections::BTreeSet<i64>> {
        let ranges: Vec<Vec<i64>> = shown
            .iter()
            .map(|c| match c {
                Cell::Count(n) => vec![*n],
                Cell::Below(_) => vec![1, 2],
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
                Cell::Below(_) => (1..FEWEST_SHOWN).contains(&sum),
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
            (vec![FEW, Cell::Count(7), Cell::Count(9)], Cell::Hidden)
        );
        assert_eq!(with_total(&[1, 0, 1]).1, FEW);
    }
}
