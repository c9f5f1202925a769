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
    /// The condition keeping rows of `table` that come after row `after` in the order
    /// `order… DESC, id DESC` (`order` are its columns, or expressions over them, compared as
    /// text), with its values to bind from `$n`; nothing on the first page.
    pub(crate) async fn after_row(
        &self,
        table: &str,
        order: &[&str],
        after: Option<&str>,
        n: usize,
    ) -> Result<(String, Vec<String>)> {
        let Some(after) = after else {
            return Ok(("1 = 1".into(), Vec::new()));
        };
        // Plain columns are compared as they are (an index serves them); expressions as text.
        let keys: Vec<String> = order
            .iter()
            .map(|c| match c.contains([' ', '(']) {
                true => format!("CAST({c} AS TEXT)"),
                false => c.to_string(),
            })
            .collect();
        let selected: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{k} AS k{i}"))
            .collect();
        let row = sqlx::query(&format!(
            "SELECT {} FROM {table} WHERE {}",
            selected.join(", "),
            id_is(table, 1)
        ))
        .bind(after.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut values = Vec::with_capacity(keys.len() + 1);
        for i in 0..keys.len() {
            values.push(row.try_get::<String, _>(format!("k{i}").as_str())?);
        }
        values.push(after.to_string());
        let marks: Vec<String> = (0..=keys.len()).map(|i| format!("${}", n + i)).collect();
        let id = id_is(table, n + keys.len()).replacen('=', "<", 1);
        // (a, b, id) < (x, y, z) spelled out, as both engines plan it: a < x, or a = x and
        // b < y, …, or all equal and the id before.
        let alternatives: Vec<String> = (0..=keys.len())
            .map(|i| {
                let mut parts: Vec<String> = (0..i)
                    .map(|j| format!("{} = {}", keys[j], marks[j]))
                    .collect();
                parts.push(match keys.get(i) {
                    Some(k) => format!("{k} < {}", marks[i]),
                    None => id.clone(),
                });
                format!("({})", parts.join(" AND "))
            })
            .collect();
        Ok((format!("({})", alternatives.join(" OR ")), values))
    }
}

impl Store {
    /// One page of `select`, a query over `table` that ends in its conditions, with `leading`
    /// bound to its `$1…` (as text: cast where a column is a number), read in the order
    /// `order… DESC, id DESC` after row `after` (see [`Store::after_row`]).
    pub(crate) async fn page_rows(
        &self,
        table: &str,
        select: &str,
        leading: Vec<String>,
        order: &[&str],
        after: Option<&str>,
    ) -> Result<Paged<sqlx::any::AnyRow>> {
        let (position, binds) = self
            .after_row(table, order, after, leading.len() + 1)
            .await?;
        let keys: Vec<String> = order
            .iter()
            .map(|c| format!("{c} DESC"))
            .chain(["id DESC".to_string()])
            .collect();
        let sql = format!(
            "{select} AND {position} ORDER BY {} LIMIT {}",
            keys.join(", "),
            PAGE + 1
        );
        let mut q = sqlx::query(&sql);
        for v in leading.into_iter().chain(binds) {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        Ok(page_of(rows, |r| {
            r.try_get::<String, _>("id").unwrap_or_default()
        }))
    }
}

/// The page of `rows` (read with a limit of `PAGE + 1`) and where the next one starts.
fn page_of<T>(mut rows: Vec<T>, id: impl Fn(&T) -> String) -> Paged<T> {
    let more = rows.len() > PAGE;
    rows.truncate(PAGE);
    let next = if more { rows.last().map(id) } else { None };
    Paged { rows, next }
}
