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
        Scope::Place(p) => (
            format!("({place_col} = ${n} OR {place_col} LIKE ${n} || '%')"),
            Some(p.to_string()),
        ),
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
