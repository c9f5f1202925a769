//! Keeping the keys fresh: re-sealing every sealed value under a new key (`setu rekey`),
//! recomputing every keyed hash under a new index key (`setu rekey --index`), and checking at
//! start that the keys in use are the database's. All of it runs while servers keep serving:
//! rows are rewritten in small chunks, each only if it still holds what was read.

use sqlx::Row;

use crate::booths::SCREENING_SEALED;
use crate::crypto::Keyring;
use crate::tracing::{ENCOUNTER_SEALED, REPORT_SEALED};
use crate::write::Tx;
use crate::{Result, Store, StoreError};

/// The version values of rows that are never changed are sealed at.
pub(crate) const UNVERSIONED: i64 = 0;
/// The version of a new row of a table whose rows change.
pub(crate) const FIRST_VERSION: i64 = 1;

/// A table with sealed columns.
pub(crate) struct SealedTable {
    /// The table (its rows are keyed by `id`).
    pub table: &'static str,
    /// Its sealed columns.
    pub columns: &'static [&'static str],
    /// Whether its rows carry a `version`, which each sealed value is bound to; rows of the
    /// other tables are never changed (their values are sealed at version 0).
    pub versioned: bool,
    /// Which rows hold sealed values (SQL), where not all do.
    pub only: &'static str,
}

const fn t(table: &'static str, columns: &'static [&'static str], versioned: bool) -> SealedTable {
    SealedTable {
        table,
        columns,
        versioned,
        only: "1 = 1",
    }
}

/// Every sealed column, for re-keying and for re-sealing a row at its next version.
pub(crate) const SEALED: &[SealedTable] = &[
    t("app_user", &["full_name", "totp_secret"], true),
    t("contact", &["name", "phone"], true),
    t("glass_grant", &["reason"], false),
    t("withdrawal", &["note"], false),
    t("committee_member", &["name"], true),
    t("committee_meeting", &["agenda"], true),
    t("meeting_decision", &["text", "responsible"], true),
    t("group_member", &["name"], true),
    t("sbcc_session", &["facilitator"], true),
    t("youth_ambassador", &["name"], true),
    t("forum_entry", &["text"], true),
    t("shared_alert", &["body"], true),
    t("screening", SCREENING_SEALED, true),
    t("sync_conflict", &["payload"], false),
    t(
        "handover",
        &["from_officer", "to_officer", "documents"],
        true,
    ),
    t("police_referral", &["description", "close_reason"], true),
    t("missing_report", REPORT_SEALED, true),
    t("tracing_encounter", ENCOUNTER_SEALED, true),
    t(
        "survivor_case",
        &["given_name", "family_name", "guardian_name", "close_note"],
        true,
    ),
    t("case_assessment_score", &["note"], false),
    t("case_goal", &["goal"], false),
    t("case_task", &["task"], false),
    t("case_plan_review", &["note"], false),
    t("case_followup", &["note"], false),
    t("case_referral", &["note", "glass_reason"], false),
    t("case_perpetrator", &["relation", "roles"], false),
    t("case_justice", &["fir_number", "court_case"], false),
    t("attachment", &["label", "data", "thumb"], false),
    SealedTable {
        only: "sealed = 1",
        ..t("record_change", &["old_value", "new_value"], false)
    },
];

/// Tables whose `id` is a number (the rest are keyed by UUID text).
const NUMBER_KEYED: &[&str] = &["parents_group", "committee", "organisation", "site"];

/// SQL matching row `$n` of `table` by the id bound as text, on both engines.
pub(crate) fn id_is(table: &str, n: usize) -> String {
    if NUMBER_KEYED.contains(&table) {
        format!("id = CAST(${n} AS BIGINT)")
    } else {
        format!("id = ${n}")
    }
}

/// The sealed-table entry of `table`.
fn sealed_table(table: &str) -> Result<&'static SealedTable> {
    SEALED
        .iter()
        .find(|t| t.table == table)
        .ok_or_else(|| StoreError::ReferenceData(format!("{table} has no sealed columns")))
}

/// The version row `r` of `table` binds its sealed values to (0 for tables whose rows never
/// change). The row must carry its `version` column where the table has one.
pub(crate) fn row_version(table: &str, r: &sqlx::any::AnyRow) -> Result<i64> {
    if sealed_table(table)?.versioned {
        Ok(r.try_get("version")?)
    } else {
        Ok(UNVERSIONED)
    }
}

/// Moves row `id` of `table` to its next version inside the write `tx`, re-sealing its sealed
/// values (if it has any) for it: every change of a versioned row goes through here, so that a
/// value written back from an earlier version does not open. With `expected`, only if the row is
/// still at that version. Returns the new version, or `None` if the row is gone or moved on.
pub(crate) async fn next_version(
    tx: &mut Tx,
    keys: &Keyring,
    table: &str,
    id: &str,
    expected: Option<i64>,
) -> Result<Option<i64>> {
    let sealed: &[&str] = SEALED
        .iter()
        .find(|t| t.table == table)
        .map_or(&[], |t| t.columns);
    let cols: String = sealed.iter().map(|c| format!(", {c}")).collect();
    let Some(row) = sqlx::query(&format!(
        "SELECT version{cols} FROM {table} WHERE {}",
        id_is(table, 1)
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let version: i64 = row.try_get("version")?;
    if expected.is_some_and(|e| e != version) {
        return Ok(None);
    }
    let mut sets = vec!["version = $1".to_string()];
    let mut values: Vec<Option<String>> = Vec::with_capacity(sealed.len());
    for (i, col) in sealed.iter().enumerate() {
        let value: Option<String> = row.try_get(*col)?;
        values.push(match value {
            Some(v) => {
                let plain = keys.open_bytes(table, col, id, version, &v)?;
                Some(keys.seal_bytes(table, col, id, version + 1, &plain)?)
            }
            None => None,
        });
        sets.push(format!("{col} = ${}", i + 2));
    }
    let n = values.len();
    let sql = format!(
        "UPDATE {table} SET {} WHERE {} AND version = ${}",
        sets.join(", "),
        id_is(table, n + 2),
        n + 3
    );
    let mut q = sqlx::query(&sql).bind(version + 1);
    for v in values {
        q = q.bind(v);
    }
    let done = q
        .bind(id.to_string())
        .bind(version)
        .execute(&mut **tx)
        .await?;
    Ok((done.rows_affected() == 1).then_some(version + 1))
}

impl Store {
    /// Re-seals every sealed value that is not under the current key; returns how many
    /// values changed. Safe while servers run: each row is rewritten only if it still holds
    /// the value that was read (compare and swap), so a concurrent edit is never undone.
    pub async fn reseal_all(&self) -> Result<usize> {
        let current = self.keys.current_id();
        let mut changed = 0;
        for spec in SEALED {
            let table = spec.table;
            let version = if spec.versioned {
                "version".to_string()
            } else {
                UNVERSIONED.to_string()
            };
            for col in spec.columns {
                loop {
                    let rows = sqlx::query(&format!(
                        "SELECT id, {version} AS version, {col} AS v FROM {table} \
                         WHERE {col} IS NOT NULL AND {col} NOT LIKE $1 AND {only} LIMIT 500",
                        only = spec.only
                    ))
                    .bind(format!("s2.{current}.%"))
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
                        let at: i64 = r.try_get("version")?;
                        let old: String = r.try_get("v")?;
                        let plain = self.keys.open_bytes(table, col, &id, at, &old)?;
                        let new = self.keys.seal_bytes(table, col, &id, at, &plain)?;
                        swaps.push((id, old, new));
                    }
                    let sql = format!("UPDATE {table} SET {col} = $1 WHERE id = $2 AND {col} = $3");
                    changed += self.swap_each(&sql, &swaps).await?;
                }
            }
        }
        self.check_keys().await?;
        // Every value is now bound to its row's version: values in the first format (which
        // an intruder could write back) no longer open.
        self.keys.require_second_format()?;
        Ok(changed)
    }

    /// Checks that the keys in use are the database's: the first start seals a marker with
    /// them, and every later start must open it. A server given another key file (a second
    /// server with its own, a restored backup without its keys) stops with a clear error
    /// instead of writing data that the others cannot read.
    pub(crate) async fn check_keys(&self) -> Result<()> {
        const MARKER: &str = "setu key check";
        let (table, column, row) = ("reference_data", "checksum", "key-check");
        let stored: Option<String> =
            sqlx::query_scalar("SELECT checksum FROM reference_data WHERE name = 'key-check'")
                .fetch_optional(&self.pool)
                .await?;
        let (sql, old) = match stored {
            Some(sealed) => match self.keys.open(table, column, row, UNVERSIONED, &sealed) {
                Ok(text) if text == MARKER && self.keys.is_current(&sealed) => return Ok(()),
                // The right keys, and the marker is older than the current key (or format):
                // seal it again, as `setu rekey` does every value.
                Ok(text) if text == MARKER => (
                    "UPDATE reference_data SET checksum = $1 WHERE name = 'key-check' AND checksum = $2",
                    Some(sealed),
                ),
                _ => return Err(StoreError::Crypto(crate::crypto::CryptoError::WrongKeys)),
            },
            None => (
                "INSERT INTO reference_data (name, checksum) VALUES ('key-check', $1) \
                 ON CONFLICT (name) DO NOTHING",
                None,
            ),
        };
        let fresh = self.keys.seal(table, column, row, UNVERSIONED, MARKER)?;
        let (fresh, old_ref) = (&fresh, &old);
        self.write(|tx, _| {
            Box::pin(async move {
                let mut q = sqlx::query(sql).bind(fresh.clone());
                if let Some(old) = old_ref {
                    q = q.bind(old.clone());
                }
                q.execute(&mut **tx).await?;
                Ok(())
            })
        })
        .await?;
        if old.is_none() {
            // Another server may have won the insert: check against what is stored.
            return Box::pin(self.check_keys()).await;
        }
        Ok(())
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
                "SELECT id, version, phone FROM {table} WHERE phone IS NOT NULL \
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
                let phone = self
                    .keys
                    .open(table, "phone", &id, r.try_get("version")?, &sealed)?;
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
