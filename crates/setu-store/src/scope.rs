//! The one scoped-query helper: what keeps a list inside the reader's scope, in SQL.

use setu_core::access::Scope;
use setu_core::PlaceCode;
use sqlx::any::AnyRow;

use crate::{Result, Store};

/// SQL that keeps only rows inside `scope`: the condition, and the value to bind as `$n`
/// if the condition uses one. Records carry a place code, and may carry a site id and an
/// organisation id (the column names are given); a scope a table has no column for matches
/// nothing.
pub fn scope_condition(
    scope: Scope,
    n: usize,
    place_col: &str,
    site_col: Option<&str>,
    org_col: Option<&str>,
) -> (String, Option<String>) {
    match scope {
        Scope::Place(PlaceCode::Country) => ("1 = 1".into(), None),
        // A range, not `LIKE code || '%'`: an index on the column serves it on both engines.
        Scope::Place(p) => {
            let code = p.to_string();
            let cond = match after_prefix(&code) {
                Some(next) => format!("({place_col} >= ${n} AND {place_col} < '{next}')"),
                None => format!("{place_col} >= ${n}"),
            };
            (cond, Some(code))
        }
        Scope::Site(id) => match site_col {
            Some(c) => (format!("{c} = CAST(${n} AS BIGINT)"), Some(id.to_string())),
            None => ("1 = 0".into(), None),
        },
        Scope::Organisation(id) => match org_col {
            Some(c) => (format!("{c} = CAST(${n} AS BIGINT)"), Some(id.to_string())),
            None => ("1 = 0".into(), None),
        },
    }
}

/// The first code after every code that starts with `code` (digits): `511` → `512`,
/// `5119` → `512`; `None` when all of them are nines. Only digits come out, so the value is safe
/// to write into the SQL.
fn after_prefix(code: &str) -> Option<String> {
    let digits: Vec<u8> = code.bytes().collect();
    let last = digits.iter().rposition(|d| (b'0'..=b'8').contains(d))?;
    let mut next: Vec<u8> = digits[..=last].to_vec();
    next[last] += 1;
    String::from_utf8(next).ok()
}

impl Store {
    /// Rows of a query whose scope condition may bind one value (from [`scope_condition`]).
    pub(crate) async fn scoped_rows(
        &self,
        sql: &str,
        value: Option<String>,
    ) -> Result<Vec<AnyRow>> {
        let mut q = sqlx::query(sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::after_prefix;

    #[test]
    fn a_place_range_ends_at_the_next_code() {
        assert_eq!(after_prefix("511").as_deref(), Some("512"));
        assert_eq!(after_prefix("5119").as_deref(), Some("512"));
        assert_eq!(after_prefix("5110619").as_deref(), Some("511062"));
        assert_eq!(after_prefix("9"), None);
        // Every code inside sorts between the two ends, and none outside does.
        for inside in ["511", "51106", "5110619", "5119"] {
            assert!(("511".."512").contains(&inside), "{inside}");
        }
        for outside in ["51", "512", "5120101", "510", "6"] {
            assert!(!("511".."512").contains(&outside), "{outside}");
        }
    }
}
