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
}

/// How `n` may be shown.
pub fn cell(n: i64) -> Cell {
    if n > 0 && n < FEWEST_SHOWN {
        Cell::Few
    } else {
        Cell::Count(n)
    }
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
}
