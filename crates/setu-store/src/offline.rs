//! Records created on a phone without a connection (a youth event, a parents' session) and sent
//! later, perhaps more than once: each carries the id the phone gave it, and is stored under
//! that id once. A resend finds it stored and changes nothing, so a phone that did not hear
//! the answer can always send again. (Booth tallies and screenings, which phones also edit,
//! go through the fuller rules of [`crate::booths`].)

use std::future::Future;

use sqlx::Row;

use crate::{Result, Store, StoreError};

/// What storing a record sent from a phone did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Once {
    /// It was stored now.
    Created,
    /// It had been stored before (a resend); nothing changed.
    AlreadyStored,
}

/// The id a phone gave a record: a UUID, kept in lower case.
pub(crate) fn client_id(id: &str) -> Result<String> {
    let ok = id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| {
            if [8, 13, 18, 23].contains(&i) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        });
    if ok {
        Ok(id.to_ascii_lowercase())
    } else {
        Err(StoreError::Rejected("error-client-id"))
    }
}

impl Store {
    /// Stores a phone's record under its id once. `key` names text columns that identify the
    /// record (a resend must agree on them: an id reused for something else is refused);
    /// `insert` writes it. Two resends racing each other meet at the primary key: the loser's
    /// insert fails, and it then finds the record stored.
    pub(crate) async fn create_once<F, Fut>(
        &self,
        table: &'static str,
        id: &str,
        key: &[(&'static str, String)],
        insert: F,
    ) -> Result<Once>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        let id = client_id(id)?;
        match self.stored_as(table, &id, key).await? {
            Some(true) => return Ok(Once::AlreadyStored),
            Some(false) => return Err(StoreError::Rejected("error-client-id")),
            None => {}
        }
        match insert(id.clone()).await {
            Ok(()) => Ok(Once::Created),
            Err(e) => match self.stored_as(table, &id, key).await? {
                Some(true) => Ok(Once::AlreadyStored),
                _ => Err(e),
            },
        }
    }

    /// Whether a record `id` is stored in `table`, and if so whether its `key` columns agree.
    async fn stored_as(
        &self,
        table: &'static str,
        id: &str,
        key: &[(&'static str, String)],
    ) -> Result<Option<bool>> {
        let columns: Vec<&str> = key.iter().map(|(c, _)| *c).collect();
        let row = sqlx::query(&format!(
            "SELECT {} FROM {table} WHERE id = $1",
            columns.join(", ")
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| {
            key.iter()
                .all(|(c, v)| r.try_get::<String, _>(*c).is_ok_and(|stored| &stored == v))
        }))
    }
}
