//! Keyset paging: a list is read a page at a time, newest first, with its position in the
//! query (the rows after the last one shown), so that a page costs the same on the hundredth
//! page as on the first. A page's address names only the id of the row it starts after.

use sqlx::Row;

use crate::rekey::id_is;
use crate::{Result, Store, StoreError};

/// Rows a list page shows.
pub const PAGE: usize = 50;

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    /// Its rows, at most [`PAGE`].
    pub rows: Vec<T>,
    /// The id to start the next page after, if there is one.
    pub next: Option<String>,
}

impl Store {
    /// The condition keeping rows of `table` (as `alias`) that come after row `after` in the
    /// order `order… DESC, id DESC` (`order` are text columns; the id is compared as the table
    /// keys it), with its values to bind from `$n`; nothing on the first page.
    pub(crate) async fn after_row(
        &self,
        table: &str,
        alias: &str,
        order: &[&str],
        after: Option<&str>,
        n: usize,
    ) -> Result<(String, Vec<String>)> {
        let Some(after) = after else {
            return Ok(("1 = 1".into(), Vec::new()));
        };
        let row = sqlx::query(&format!(
            "SELECT {} FROM {table} WHERE {}",
            order.join(", "),
            id_is(table, 1)
        ))
        .bind(after.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut values = Vec::with_capacity(order.len() + 1);
        for col in order {
            values.push(row.try_get::<String, _>(*col)?);
        }
        values.push(after.to_string());
        let cols: Vec<String> = order.iter().map(|c| format!("{alias}.{c}")).collect();
        let marks: Vec<String> = (0..order.len()).map(|i| format!("${}", n + i)).collect();
        let id = id_is(table, n + order.len()).replace("id =", &format!("{alias}.id <"));
        // (a, b) < (x, y) without row values, which the engines plan differently: a < x, or
        // a = x and b < y, …, or all equal and the id before.
        let mut alternatives = Vec::new();
        for i in 0..=cols.len() {
            let mut parts: Vec<String> = (0..i)
                .map(|j| format!("{} = {}", cols[j], marks[j]))
                .collect();
            parts.push(match cols.get(i) {
                Some(c) => format!("{c} < {}", marks[i]),
                None => id.clone(),
            });
            alternatives.push(format!("({})", parts.join(" AND ")));
        }
        Ok((format!("({})", alternatives.join(" OR ")), values))
    }
}

/// The page of `rows` (read with a limit of `PAGE + 1`) and where the next one starts.
pub(crate) fn page_of<T>(mut rows: Vec<T>, id: impl Fn(&T) -> String) -> Paged<T> {
    let more = rows.len() > PAGE;
    rows.truncate(PAGE);
    let next = if more { rows.last().map(id) } else { None };
    Paged { rows, next }
}
