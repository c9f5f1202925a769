//! A spreadsheet as rows of text with the line each came from (read from CSV or XLSX by
//! `setu-sheets`), and the refusal of a row by line and column. Imports (ward profiles,
//! surveys) check a whole sheet at once and refuse all of it when any row is wrong, so that
//! nothing is imported half-way and the person sees every mistake in one go.

use serde::Serialize;

/// A sheet as read: its header and the rows under it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sheet {
    /// Column names as written in the first row, trimmed.
    pub header: Vec<String>,
    /// Every row under the header that holds anything.
    pub rows: Vec<Row>,
}

/// One row under the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The line (row number) the spreadsheet program shows: the header is line 1.
    pub line: usize,
    /// The cells as text, trimmed, as many as the header has columns.
    pub cells: Vec<String>,
}

/// One refused cell: its line, its column as the sheet names it, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The line (1 is the header).
    pub line: usize,
    /// The column's name in the sheet (or the name it should have had).
    pub column: String,
    /// The Fluent message id.
    pub message: &'static str,
}

impl Sheet {
    /// The column whose name is one of `names`, case, spacing and punctuation aside ("Ward
    /// No", "ward_no" and "ward no." are the same column).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        let wanted: Vec<String> = names.iter().map(|n| fold(n)).collect();
        self.header.iter().position(|h| wanted.contains(&fold(h)))
    }
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
impl Sheet {
    /// A sheet from literal cells, its rows numbered from line 2 (tests).
    pub(crate) fn of(header: &[&str], rows: &[&[&str]]) -> Sheet {
        Sheet {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| Row {
                    line: i + 2,
                    cells: r.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
        }
    }
}

impl Row {
    /// The cell of column `i` (empty when there is none).
    pub fn cell(&self, i: Option<usize>) -> &str {
        i.and_then(|i| self.cells.get(i)).map_or("", String::as_str)
    }
}

/// A whole number as people write it in a sheet: Latin or Devanagari digits, with or
/// without thousands separators (`4,512`, `४५१२`, `4 512`).
pub fn whole_number(cell: &str) -> Option<i64> {
    let digits: String = crate::numbers::to_ascii_digits(cell)
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}'))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_in_either_script() {
        assert_eq!(whole_number("4,512"), Some(4512));
        assert_eq!(whole_number("४५१२"), Some(4512));
        assert_eq!(whole_number("-3"), None);
        assert_eq!(whole_number("3.5"), None);
        assert_eq!(whole_number(""), None);
    }

    #[test]
    fn columns_are_found_by_a_loose_name() {
        let sheet = Sheet {
            header: vec!["Ward No.".into(), "Population".into()],
            rows: vec![],
        };
        assert_eq!(sheet.column(&["ward_no", "ward"]), Some(0));
        assert_eq!(sheet.column(&["जनसंख्या", "population"]), Some(1));
        assert_eq!(sheet.column(&["households"]), None);
    }
}
