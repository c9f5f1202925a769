//! Keeping the keys fresh: re-sealing every sealed value under a new key (`setu rekey`),
//! recomputing every keyed hash under a new index key (`setu rekey --index`), and checking at
//! start that the keys in use are the database's. All of it runs while servers keep serving:
//! rows are rewritten in small chunks, each only if it still holds what was read.

use sqlx::Row;

use crate::booths::SCREENING_SEALED;
use crate::tracing::{ENCOUNTER_SEALED, REPORT_SEALED};
use crate::{Result, Store, StoreError};

/// Every sealed column (table, id column, columns), for re-keying.
pub(crate) const SEALED: &[(&str, &str, &[&str])] = &[
    ("app_user", "id", &["full_name"]),
    ("contact", "id", &["name", "phone"]),
    ("glass_grant", "id", &["reason"]),
    ("committee_member", "id", &["name"]),
    ("committee_meeting", "id", &["agenda"]),
    ("meeting_decision", "id", &["text", "responsible"]),
    ("group_member", "id", &["name"]),
    ("sbcc_session", "id", &["facilitator"]),
    ("youth_ambassador", "id", &["name"]),
    ("forum_entry", "id", &["text"]),
    ("shared_alert", "id", &["body"]),
    ("screening", "id", SCREENING_SEALED),
    ("sync_conflict", "id", &["payload"]),
    (
        "handover",
        "id",
        &["from_officer", "to_officer", "documents"],
    ),
    ("police_referral", "id", &["description", "close_reason"]),
    ("missing_report", "id", REPORT_SEALED),
    ("tracing_encounter", "id", ENCOUNTER_SEALED),
];

impl Store {
    /// Re-seals every sealed value that is not under the current key; returns how many
    /// values changed. Safe while servers run: each row is rewritten only if it still holds
    /// the value that was read (compare and swap), so a concurrent edit is never undone.
    pub async fn reseal_all(&self) -> Result<usize> {
        let current = self.keys.current_id();
        let mut changed = 0;
        for (table, id_col, columns) in SEALED {
            for col in *columns {
                loop {
                    let rows = sqlx::query(&format!(
                        "SELECT {id_col} AS id, {col} AS v FROM {table} \
                         WHERE {col} IS NOT NULL AND {col} NOT LIKE $1 LIMIT 500"
                    ))
                    .bind(format!("s1.{current}.%"))
                    .fetch_all(&self.pool)
                    .await?;
                    if rows.is_empty() {
                        break;
                    }
                    // Opened and sealed again before the write, which then holds the lock
                    // only for the updates of this chunk: servers' writes go on between chunks.
                    let mut swaps = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let id: String = r.try_get("id")?;
                        let old: String = r.try_get("v")?;
                        let plain = self.keys.open(table, col, &id, &old)?;
                        let new = self.keys.seal(table, col, &id, &plain)?;
                        swaps.push((id, old, new));
                    }
                    let sql =
                        format!("UPDATE {table} SET {col} = $1 WHERE {id_col} = $2 AND {col} = $3");
                    changed += self.swap_each(&sql, &swaps).await?;
                }
            }
        }
        Ok(changed)
    }

    /// Checks that the keys in use are the database's: the first start seals a marker with
    /// them, and every later start must open it. A server given another key file (a second
    /// server with its own, a restored backup without its keys) stops with a clear error
    /// instead of writing data that the others cannot read.
    pub(crate) async fn check_keys(&self) -> Result<()> {
        const MARKER: &str = "setu key check";
        let stored: Option<String> =
            sqlx::query_scalar("SELECT checksum FROM reference_data WHERE name = 'key-check'")
                .fetch_optional(&self.pool)
                .await?;
        match stored {
            Some(sealed) => match self
                .keys
                .open("reference_data", "checksum", "key-check", &sealed)
            {
                Ok(text) if text == MARKER => Ok(()),
                _ => Err(StoreError::Crypto(crate::crypto::CryptoError::WrongKeys)),
            },
            None => {
                let sealed = self
                    .keys
                    .seal("reference_data", "checksum", "key-check", MARKER)?;
                let sealed = &sealed;
                self.write(|tx, _| {
                    Box::pin(async move {
                        sqlx::query(
                            "INSERT INTO reference_data (name, checksum) VALUES ('key-check', $1) \
                             ON CONFLICT (name) DO NOTHING",
                        )
                        .bind(sealed.clone())
                        .execute(&mut **tx)
                        .await?;
                        Ok(())
                    })
                })
                .await?;
                // Another server may have won the insert: check against what is stored.
                Box::pin(self.check_keys()).await
            }
        }
    }

    /// Recomputes every stored keyed hash with the index key in use (after
    /// [`crate::crypto::Keyring::rotate_index`]). Phone hashes of contacts and screenings are
    /// computed again from their sealed phones, chunk by chunk, each row only if its phone is
    /// still the one read. The tracing register's blocking keys are recomputed by queueing every
    /// keyed record to be keyed and matched again (which changes nothing else: known pairs are
    /// not proposed twice) and draining the queue. Hashes of synced content are left: a resent
    /// record is compared with every index key the key file has held. Returns (phone hashes
    /// recomputed, records re-keyed).
    pub async fn reindex_all(&self) -> Result<(usize, usize)> {
        let mut phones = 0;
        for (table, purpose) in [
            ("contact", "contact.phone"),
            ("screening", "screening.phone"),
        ] {
            phones += self.reindex_phones(table, purpose).await?;
        }
        let keyed: Vec<(String, String)> =
            sqlx::query("SELECT DISTINCT kind, record_id FROM tracing_key")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("kind")?, r.try_get("record_id")?)))
                .collect::<Result<_>>()?;
        for chunk in keyed.chunks(1000) {
            let subjects: Vec<(&str, &str)> = chunk
                .iter()
                .map(|(k, id)| (k.as_str(), id.as_str()))
                .collect();
            let subjects = &subjects;
            self.write(|tx, _| {
                Box::pin(async move {
                    crate::jobs::enqueue_many(tx, crate::jobs::MATCH, subjects, "system:rekey")
                        .await
                })
            })
            .await?;
        }
        self.drain_jobs().await?;
        Ok((phones, keyed.len()))
    }

    /// Recomputes the phone hashes of `table` that were not made with the index key in use.
    async fn reindex_phones(&self, table: &str, purpose: &str) -> Result<usize> {
        let Some(current) = self
            .keys
            .blind_index(purpose, "")
            .split_once('.')
            .map(|(id, _)| id.to_string())
        else {
            // No index key in the key file (made before them): nothing to move to.
            return Ok(0);
        };
        let mut changed = 0;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT id, phone FROM {table} WHERE phone IS NOT NULL \
                 AND (phone_index IS NULL OR phone_index NOT LIKE $1) LIMIT 500"
            ))
            .bind(format!("{current}.%"))
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(changed);
            }
            let mut swaps = Vec::with_capacity(rows.len());
            for r in &rows {
                let id: String = r.try_get("id")?;
                let sealed: String = r.try_get("phone")?;
                let phone = self.keys.open(table, "phone", &id, &sealed)?;
                let index = self
                    .keys
                    .blind_index(purpose, &crate::contacts::normalise_phone(&phone));
                swaps.push((id, sealed, index));
            }
            let sql = format!("UPDATE {table} SET phone_index = $1 WHERE id = $2 AND phone = $3");
            changed += self.swap_each(&sql, &swaps).await?;
        }
    }

    /// Runs `sql` (`SET … = $1 WHERE id = $2 AND … = $3`) once per `(id, old, new)`, in one
    /// write: a row that changed since it was read is left alone. Returns how many changed.
    async fn swap_each(&self, sql: &str, swaps: &[(String, String, String)]) -> Result<usize> {
        self.write(|tx, _| {
            Box::pin(async move {
                let mut n = 0;
                for (id, old, new) in swaps {
                    let done = sqlx::query(sql)
                        .bind(new.clone())
                        .bind(id.clone())
                        .bind(old.clone())
                        .execute(&mut **tx)
                        .await?;
                    n += usize::try_from(done.rows_affected()).unwrap_or(0);
                }
                Ok(n)
            })
        })
        .await
    }
}
