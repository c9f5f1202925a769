//! Ward figures (issue 17): what a municipality knows of each ward (its population and
//! households, from its ward profile), the measures of risk a ward is ranked by, and the check
//! of an imported ward profile.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::geo::PlaceCode;
use crate::sheet::{whole_number, RowError, Sheet};

/// The largest population a ward may have (the largest wards of Kathmandu hold about 90,000).
pub const MAX_WARD_POPULATION: i64 = 500_000;

kinds! {
    /// What a ward is ranked by: people of the ward who went missing, were trafficked, or
    /// were stopped at a booth on their way (each a sign of risk), or all three together.
    Measure {
        /// Missing-person reports (the default).
        Missing = "missing",
        /// Reports + cases + interceptions (one person may be counted in more than one).
        All = "all",
        /// Survivors' cases opened (people trafficked).
        Trafficked = "trafficked",
        /// Residents stopped at a booth.
        Intercepted = "intercepted",
    }
}

impl Measure {
    /// The events of a ward by this measure, from its reports, cases and interceptions.
    pub fn events(self, reports: i64, trafficked: i64, intercepted: i64) -> i64 {
        match self {
            Measure::All => reports + trafficked + intercepted,
            Measure::Missing => reports,
            Measure::Trafficked => trafficked,
            Measure::Intercepted => intercepted,
        }
    }
}

/// One ward's line of a ward profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardProfile {
    /// The ward.
    pub ward: PlaceCode,
    /// People living there.
    pub population: i64,
    /// Households, when the profile gives them.
    pub households: Option<i64>,
}

/// The names a ward profile's columns may have, in English or Nepali.
pub const WARD_COLUMNS: &[&str] = &[
    "ward",
    "ward no",
    "ward number",
    "ward_code",
    "वडा",
    "वडा नं",
];
/// Population column names.
pub const POPULATION_COLUMNS: &[&str] = &["population", "total population", "जनसंख्या"];
/// Household column names.
pub const HOUSEHOLD_COLUMNS: &[&str] = &["households", "household", "घरधुरी", "घरपरिवार"];

/// Checks a ward profile of `local_level` (which has `wards` wards): each row names a ward (its
/// number, or its seven-digit code) of that local level once, with its population and,
/// optionally, its households. Every refused cell is returned; nothing is taken from a sheet
/// with any.
pub fn check_profile(
    sheet: &Sheet,
    local_level: u32,
    wards: u8,
) -> Result<Vec<WardProfile>, Vec<RowError>> {
    let ward_col = sheet.column(WARD_COLUMNS);
    let pop_col = sheet.column(POPULATION_COLUMNS);
    let hh_col = sheet.column(HOUSEHOLD_COLUMNS);
    let mut errors = Vec::new();
    for (col, name) in [(ward_col, "ward"), (pop_col, "population")] {
        if col.is_none() {
            errors.push(RowError {
                line: 1,
                column: name.into(),
                message: "error-sheet-no-column",
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if sheet.rows.is_empty() {
        return Err(vec![RowError {
            line: 2,
            column: column_name(sheet, ward_col, "ward"),
            message: "error-sheet-no-rows",
        }]);
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for row in &sheet.rows {
        let mut fail = |col: Option<usize>, fallback: &str, message| {
            errors.push(RowError {
                line: row.line,
                column: column_name(sheet, col, fallback),
                message,
            })
        };
        let ward = ward_in(row.cell(ward_col), local_level, wards);
        match ward {
            None => fail(ward_col, "ward", "error-ward-unknown"),
            Some(w) if !seen.insert(w) => fail(ward_col, "ward", "error-ward-twice"),
            Some(_) => {}
        }
        let population =
            whole_number(row.cell(pop_col)).filter(|n| (1..=MAX_WARD_POPULATION).contains(n));
        if population.is_none() {
            fail(pop_col, "population", "error-ward-population");
        }
        let hh_cell = row.cell(hh_col);
        let households = if hh_cell.is_empty() {
            None
        } else {
            match whole_number(hh_cell) {
                Some(h) if h >= 1 && population.is_none_or(|p| h <= p) => Some(h),
                _ => {
                    fail(hh_col, "households", "error-ward-households");
                    None
                }
            }
        };
        if let (Some(ward), Some(population)) = (ward, population) {
            out.push(WardProfile {
                ward,
                population,
                households,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn column_name(sheet: &Sheet, col: Option<usize>, fallback: &str) -> String {
    col.and_then(|c| sheet.header.get(c))
        .cloned()
        .unwrap_or_else(|| fallback.into())
}

/// A ward named by its number within `local_level` (Latin or Devanagari digits, "Ward 4"
/// or "वडा नं. ४" too) or by its seven-digit code.
pub fn ward_in(cell: &str, local_level: u32, wards: u8) -> Option<PlaceCode> {
    let digits: String = crate::numbers::to_ascii_digits(cell)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let code: PlaceCode = if digits.len() == 7 {
        digits.parse().ok()?
    } else {
        let n: u8 = digits.parse().ok()?;
        PlaceCode::Ward {
            local_level,
            ward: n,
        }
    };
    match code {
        PlaceCode::Ward {
            local_level: l,
            ward,
        } if l == local_level && (1..=wards).contains(&ward) => Some(code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(header: &[&str], rows: &[&[&str]]) -> Sheet {
        Sheet::of(header, rows)
    }

    #[test]
    fn a_profile_in_nepali_is_read() {
        let s = sheet(
            &["वडा नं", "जनसंख्या", "घरधुरी"],
            &[&["१", "४,५१२", "९८०"], &["5110602", "3900", ""]],
        );
        let rows = check_profile(&s, 51106, 23).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].ward.to_string(), "5110601");
        assert_eq!(rows[0].population, 4512);
        assert_eq!(rows[0].households, Some(980));
        assert_eq!(rows[1].households, None);
    }

    #[test]
    fn every_bad_cell_is_named_by_line_and_column() {
        let s = sheet(
            &["Ward", "Population", "Households"],
            &[
                &["1", "4000", "900"],
                &["24", "100", ""],
                &["1", "x", "5000"],
                &["5110701", "10", "20"],
            ],
        );
        let errors = check_profile(&s, 51106, 23).err().unwrap_or_default();
        let got: Vec<(usize, &str, &str)> = errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.message))
            .collect();
        assert_eq!(
            got,
            [
                (3, "Ward", "error-ward-unknown"),
                (4, "Ward", "error-ward-twice"),
                (4, "Population", "error-ward-population"),
                (5, "Ward", "error-ward-unknown"),
                (5, "Households", "error-ward-households"),
            ]
        );
        let missing = check_profile(&sheet(&["ward"], &[&["1"]]), 51106, 23);
        assert_eq!(
            missing.err().map(|e| e[0].message),
            Some("error-sheet-no-column")
        );
    }
}
