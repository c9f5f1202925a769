//! Counts grouped by the store, laid out as a table for readers who see counts instead of
//! records (the tracing register's counts by place and status, the encounters' by place and
//! source).

use std::collections::BTreeMap;

/// Rows of a table from `(row, column, count)` groups: one row per key, in key order, with a
/// count per column (`columns` of them, zero where no group fell). Groups naming a column
/// outside the table are left out, and groups with the same row and column are added.
pub fn cross_tab<K: Ord>(
    groups: impl IntoIterator<Item = (K, usize, i64)>,
    columns: usize,
) -> Vec<(K, Vec<i64>)> {
    let mut rows: BTreeMap<K, Vec<i64>> = BTreeMap::new();
    for (key, column, n) in groups {
        if column >= columns {
            continue;
        }
        rows.entry(key).or_insert_with(|| vec![0; columns])[column] += n;
    }
    rows.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_fall_into_their_row_and_column() {
        let groups = vec![
            ("Kohalpur", 1, 4),
            ("Baijanath", 0, 2),
            ("Kohalpur", 0, 1),
            ("Kohalpur", 1, 3),
            ("Nowhere", 5, 9),
        ];
        assert_eq!(
            cross_tab(groups, 2),
            vec![("Baijanath", vec![2, 0]), ("Kohalpur", vec![1, 7])]
        );
    }
}
