//! The one way a record is corrected. A correction names the record, the version the form was
//! based on and the new value of each field the form edits; [`Store::correct`] applies it in
//! one write or refuses it whole:
//!
//! 1. the row is read at its current version; another version than the form's is a
//!    [`StoreError::Conflict`] carrying the current one (never a silent overwrite);
//! 2. fields whose value did not change are left alone; nothing changed writes nothing;
//! 3. the row moves to its next version ([`crate::rekey::next_version`], which re-seals its
//!    sealed values for it), the changed fields are written (sealed ones sealed again);
//! 4. each changed field leaves its earlier and later value in `record_change` (sealed there
//!    when the field is), and the audit trail gets one `update` entry naming the fields.
//!
//! [`Store::history`] reads those changes back, opening sealed values only for a reader who
//! may (one audited view), so that a record page can show who changed what, and when.
//!
//! A record is never deleted: [`Store::withdraw`] marks it withdrawn (lists and figures leave
//! it out, each reading `withdrawn_at IS NULL`), keeps in `withdrawal` why, by whom and what
//! the record was (its values that are not sealed, for auditors), and leaves a change in its
//! history, in the same write and under the same version rule as a correction.

use serde::Serialize;
use setu_core::access::Scope;
pub use setu_core::records::Value;
use setu_core::records::{FieldSpec, Withdraw, WithdrawReason};
use setu_core::PlaceCode;
use sqlx::any::AnyRow;
use sqlx::{Column, Row};

use crate::audit::{append, Actor, Event};
use crate::rekey::{id_is, next_version, SEALED, UNVERSIONED};
use crate::scope::scope_condition;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// Tables whose sealed `phone` has a keyed hash (`phone_index`), with the hash's purpose.
const PHONE_INDEXED: &[(&str, &str)] = &[
    ("contact", "contact.phone"),
    ("screening", "screening.phone"),
];

/// Tables that keep when a row last changed (`updated_at`).
const TOUCHED: &[&str] = &["organisation", "site", "contact", "screening", "committee"];

/// A correction of one record.
#[derive(Debug, Clone)]
pub struct Correction<'a> {
    /// The record kind as the audit trail names it (`budget-line`).
    pub entity: &'static str,
    /// Its table (rows keyed by `id`).
    pub table: &'static str,
    /// Which row.
    pub id: &'a str,
    /// The version the form was based on.
    pub version: i64,
    /// Where it is (for the audit trail's place filter).
    pub place: Option<PlaceCode>,
    /// The fields the form edits: (column, new value, sealed).
    pub fields: Vec<(&'static str, Value, bool)>,
    /// The register's kind of record (`report`) when a change is to be matched again (its
    /// blocking keys recomputed), queued in the same write.
    pub rematch: Option<&'static str>,
}

/// One field changed by one correction.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    /// The version the change made.
    pub version: i64,
    /// The column.
    pub field: String,
    /// Its value before; `None` when empty, or when sealed and not opened.
    pub old: Option<String>,
    /// Its value after; idem.
    pub new: Option<String>,
    /// Whether the values are sealed (and were left closed if `old`/`new` are `None`).
    pub sealed: bool,
    /// Who changed it.
    pub by: String,
    /// When, UTC.
    pub at: String,
}

impl Store {
    /// Applies `c` (see the module documentation); returns the record's version after it.
    pub async fn correct(&self, by: &Actor, c: &Correction<'_>) -> Result<i64> {
        let before = c.version;
        let version = self.correct_in_write(by, c).await?;
        if c.rematch.is_some() && version != before {
            self.jobs_queued().await;
        }
        Ok(version)
    }

    async fn correct_in_write(&self, by: &Actor, c: &Correction<'_>) -> Result<i64> {
        // A plain write: a correction that changes nothing writes no history and no audit entry.
        self.write(|tx, _| {
            Box::pin(async move {
                let cols: String = c.fields.iter().map(|(f, _, _)| format!(", {f}")).collect();
                let row = sqlx::query(&format!(
                    "SELECT version, withdrawn_at{cols} FROM {} WHERE {}",
                    c.table,
                    id_is(c.table, 1)
                ))
                .bind(c.id.to_string())
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StoreError::NotFound)?;
                let current: i64 = row.try_get("version")?;
                if current != c.version {
                    return Err(StoreError::Conflict { current });
                }
                if row.try_get::<Option<String>, _>("withdrawn_at")?.is_some() {
                    // A withdrawn record is kept as it was.
                    return Err(StoreError::Rejected("error-withdrawn"));
                }
                let mut changed = Vec::new();
                for (field, value, sealed) in &c.fields {
                    let before = match (value, sealed) {
                        (_, true) => row
                            .try_get::<Option<String>, _>(*field)?
                            .map(|v| self.keys.open(c.table, field, c.id, current, &v))
                            .transpose()?,
                        (Value::Text(_), false) => row.try_get::<Option<String>, _>(*field)?,
                        (Value::Int(_), false) => {
                            row.try_get::<Option<i64>, _>(*field)?.map(|n| n.to_string())
                        }
                    };
                    if before != value.as_text() {
                        changed.push((*field, value, *sealed, before));
                    }
                }
                if changed.is_empty() {
                    return Ok(current);
                }
                let version = next_version(tx, &self.keys, c.table, c.id, Some(current))
                    .await?
                    .ok_or(StoreError::Conflict { current })?;
                let now = now_text();
                if TOUCHED.contains(&c.table) {
                    sqlx::query(&format!(
                        "UPDATE {} SET updated_at = $1 WHERE {}",
                        c.table,
                        id_is(c.table, 2)
                    ))
                    .bind(now.clone())
                    .bind(c.id.to_string())
                    .execute(&mut **tx)
                    .await?;
                }
                for (field, value, sealed, before) in &changed {
                    let sql = format!(
                        "UPDATE {} SET {field} = $1 WHERE {}",
                        c.table,
                        id_is(c.table, 2)
                    );
                    let q = match (value, sealed) {
                        (value, true) => sqlx::query(&sql).bind(
                            value
                                .as_text()
                                .map(|v| self.keys.seal(c.table, field, c.id, version, &v))
                                .transpose()?,
                        ),
                        (Value::Text(t), false) => sqlx::query(&sql).bind(t.clone()),
                        (Value::Int(n), false) => sqlx::query(&sql).bind(*n),
                    };
                    q.bind(c.id.to_string()).execute(&mut **tx).await?;
                    if let Some((_, purpose)) =
                        PHONE_INDEXED.iter().find(|(t, _)| *field == "phone" && *t == c.table)
                    {
                        // The keyed hash phones are found by follows the phone.
                        let index = value.as_text().map(|p| {
                            self.keys
                                .blind_index(purpose, &crate::contacts::normalise_phone(&p))
                        });
                        sqlx::query(&format!(
                            "UPDATE {} SET phone_index = $1 WHERE {}",
                            c.table,
                            id_is(c.table, 2)
                        ))
                        .bind(index)
                        .bind(c.id.to_string())
                        .execute(&mut **tx)
                        .await?;
                    }
                    let change_id = uuid::Uuid::new_v4().to_string();
                    let keep = |col: &str, v: Option<String>| -> Result<Option<String>> {
                        match (sealed, v) {
                            (true, Some(v)) => Ok(Some(self.keys.seal(
                                "record_change",
                                col,
                                &change_id,
                                UNVERSIONED,
                                &v,
                            )?)),
                            (_, v) => Ok(v),
                        }
                    };
                    sqlx::query(
                        "INSERT INTO record_change (id, entity, record_id, version, field, old_value, \
                           new_value, sealed, changed_by, changed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(change_id.clone())
                    .bind(c.entity)
                    .bind(c.id.to_string())
                    .bind(version)
                    .bind(field.to_string())
                    .bind(keep("old_value", before.clone())?)
                    .bind(keep("new_value", value.as_text())?)
                    .bind(i64::from(*sealed))
                    .bind(by.name.clone())
                    .bind(now.clone())
                    .execute(&mut **tx)
                    .await?;
                }
                if let Some(kind) = c.rematch {
                    crate::jobs::enqueue(tx, crate::jobs::MATCH, kind, c.id, &by.name).await?;
                }
                let names: Vec<&str> = changed.iter().map(|(f, _, _, _)| *f).collect();
                let mut event = Event::new("update", c.entity, c.id)
                    .fields(&names)
                    .detail(format!("version {version}"));
                event.place = c.place;
                append(tx, by, &event);
                Ok(version)
            })
        })
        .await
    }

    /// The changes of record `id` of kind `entity`, newest first. Sealed values open only with
    /// `Reveal::To`, which writes one audit entry for the view (at `place`).
    pub async fn history(
        &self,
        entity: &str,
        id: &str,
        place: &str,
        reveal: Reveal<'_>,
    ) -> Result<Vec<FieldChange>> {
        let rows = sqlx::query(
            "SELECT id, version, field, old_value, new_value, sealed, changed_by, changed_at \
             FROM record_change WHERE entity = $1 AND record_id = $2 \
             ORDER BY version DESC, field",
        )
        .bind(entity.to_string())
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let sealed_fields: Vec<String> = rows
            .iter()
            .filter(|r| r.try_get::<i64, _>("sealed").is_ok_and(|s| s != 0))
            .filter_map(|r| r.try_get::<String, _>("field").ok())
            .collect();
        let fields: Vec<&str> = sealed_fields.iter().map(String::as_str).collect();
        // One audited view of the record's sealed history (none if nothing in it is sealed).
        let reveal = if fields.is_empty() {
            Reveal::No
        } else {
            reveal
        };
        let open = self
            .opener(reveal, entity, "record_change", id, place, &fields)
            .await?;
        let mut opened = Vec::with_capacity(rows.len());
        for r in &rows {
            let sealed = r.try_get::<i64, _>("sealed")? != 0;
            let (old, new) = if sealed {
                let change: String = r.try_get("id")?;
                let row = open.row("record_change", &change);
                (row.get(r, "old_value")?, row.get(r, "new_value")?)
            } else {
                (r.try_get("old_value")?, r.try_get("new_value")?)
            };
            opened.push(FieldChange {
                version: r.try_get("version")?,
                field: r.try_get("field")?,
                old,
                new,
                sealed,
                by: r.try_get("changed_by")?,
                at: r.try_get("changed_at")?,
            });
        }
        Ok(opened)
    }
}

/// A withdrawal of one record: which, and what it was in words without personal data.
#[derive(Debug, Clone)]
pub struct Withdrawal<'a> {
    /// The record kind as the audit trail names it (`budget-line`).
    pub entity: &'static str,
    /// Its table (rows keyed by `id`, with `version` and `withdrawn_at`).
    pub table: &'static str,
    /// Which row.
    pub id: &'a str,
    /// Where it is (for the audit trail and the auditors' list).
    pub place: Option<PlaceCode>,
    /// What the record was, without personal data (a budget line's purpose, "ward 3 report").
    pub label: String,
    /// Why, and the version the withdrawal is based on.
    pub what: &'a Withdraw,
}

/// A record's withdrawal, as its page and the auditors' list show it.
#[derive(Debug, Clone, Serialize)]
pub struct Withdrawn {
    /// The record kind.
    pub entity: String,
    /// Which record.
    pub record_id: String,
    /// Where it is.
    pub place_code: Option<String>,
    /// Why.
    pub reason: WithdrawReason,
    /// The note, opened only for a reader who may read personal data there.
    pub note: Option<String>,
    /// Whether there is a note (opened or not).
    pub has_note: bool,
    /// What the record was.
    pub label: String,
    /// Its values that are not sealed, as they were: (column, value).
    pub facts: Vec<(String, String)>,
    /// Who withdrew it.
    pub by: String,
    /// When, UTC.
    pub at: String,
}

/// Columns of a withdrawn row that say nothing about what the record was.
const BOOKKEEPING: &[&str] = &["id", "version", "withdrawn_at", "created_by", "created_at"];

impl Store {
    /// Withdraws a record (see the module documentation); returns its version after it. A
    /// record already withdrawn, or at another version than the form's, is a conflict.
    pub async fn withdraw(&self, by: &Actor, w: &Withdrawal<'_>) -> Result<i64> {
        self.record(by, |tx, _| {
            Box::pin(async move {
                let row = sqlx::query(&format!(
                    "SELECT * FROM {} WHERE {}",
                    w.table,
                    id_is(w.table, 1)
                ))
                .bind(w.id.to_string())
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StoreError::NotFound)?;
                let current: i64 = row.try_get("version")?;
                let already: Option<String> = row.try_get("withdrawn_at")?;
                if current != w.what.version || already.is_some() {
                    return Err(StoreError::Conflict { current });
                }
                let facts = serde_json::to_string(&plain_values(w.table, &row))
                    .map_err(|e| StoreError::ReferenceData(e.to_string()))?;
                let version = next_version(tx, &self.keys, w.table, w.id, Some(current))
                    .await?
                    .ok_or(StoreError::Conflict { current })?;
                let now = now_text();
                sqlx::query(&format!(
                    "UPDATE {} SET withdrawn_at = $1 WHERE {}",
                    w.table,
                    id_is(w.table, 2)
                ))
                .bind(now.clone())
                .bind(w.id.to_string())
                .execute(&mut **tx)
                .await?;
                let id = uuid::Uuid::new_v4().to_string();
                let note = w
                    .what
                    .note
                    .as_deref()
                    .map(|n| self.keys.seal("withdrawal", "note", &id, UNVERSIONED, n))
                    .transpose()?;
                sqlx::query(
                    "INSERT INTO withdrawal (id, entity, record_id, place_code, reason, note, label, \
                       facts, record_version, withdrawn_by, withdrawn_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(id)
                .bind(w.entity)
                .bind(w.id.to_string())
                .bind(w.place.map(|p| p.to_string()))
                .bind(w.what.reason.as_str())
                .bind(note)
                .bind(w.label.clone())
                .bind(facts)
                .bind(version)
                .bind(by.name.clone())
                .bind(now.clone())
                .execute(&mut **tx)
                .await?;
                sqlx::query(
                    "INSERT INTO record_change (id, entity, record_id, version, field, old_value, \
                       new_value, sealed, changed_by, changed_at) \
                     VALUES ($1, $2, $3, $4, 'withdrawn', NULL, $5, 0, $6, $7)",
                )
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(w.entity)
                .bind(w.id.to_string())
                .bind(version)
                .bind(w.what.reason.as_str())
                .bind(by.name.clone())
                .bind(now)
                .execute(&mut **tx)
                .await?;
                let mut event = Event::new("withdraw", w.entity, w.id)
                    .detail(format!("{}, version {version}", w.what.reason.as_str()));
                event.place = w.place;
                audited(version, event)
            })
        })
        .await
    }

    /// The withdrawal of record `id` of kind `entity`, if it was withdrawn. The note opens only
    /// with `Reveal::To` (one audited view, at `place`).
    pub async fn withdrawal(
        &self,
        entity: &str,
        id: &str,
        place: &str,
        reveal: Reveal<'_>,
    ) -> Result<Option<Withdrawn>> {
        let row = sqlx::query(&format!(
            "SELECT {WITHDRAWN_COLUMNS} FROM withdrawal WHERE entity = $1 AND record_id = $2"
        ))
        .bind(entity.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let has_note = row.try_get::<Option<String>, _>("note")?.is_some();
        let wid: String = row.try_get("id")?;
        let reveal = if has_note { reveal } else { Reveal::No };
        let open = self
            .opener(reveal, entity, "withdrawal", &wid, place, &["note"])
            .await?;
        withdrawn(&row, open.get(&row, "note")?).map(Some)
    }

    /// Every withdrawal inside `scope`, newest first, at most `limit` (for auditors: notes stay
    /// sealed).
    pub async fn withdrawals(&self, scope: Scope, limit: i64) -> Result<Vec<Withdrawn>> {
        let (cond, value) = scope_condition(scope, 1, "place_code", None, None);
        let rows = self
            .scoped_rows(
                &format!(
                    "SELECT {WITHDRAWN_COLUMNS} FROM withdrawal WHERE {cond} \
                     ORDER BY withdrawn_at DESC, id DESC LIMIT {limit}"
                ),
                value,
            )
            .await?;
        rows.iter().map(|r| withdrawn(r, None)).collect()
    }
}

const WITHDRAWN_COLUMNS: &str =
    "id, entity, record_id, place_code, reason, note, label, facts, withdrawn_by, withdrawn_at";

fn withdrawn(r: &AnyRow, note: Option<String>) -> Result<Withdrawn> {
    let reason: String = r.try_get("reason")?;
    let facts: String = r.try_get("facts")?;
    let facts: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&facts).unwrap_or_default();
    Ok(Withdrawn {
        entity: r.try_get("entity")?,
        record_id: r.try_get("record_id")?,
        place_code: r.try_get("place_code")?,
        reason: WithdrawReason::parse(&reason).unwrap_or(WithdrawReason::Other),
        has_note: r.try_get::<Option<String>, _>("note")?.is_some(),
        note,
        label: r.try_get("label")?,
        facts: facts
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
        by: r.try_get("withdrawn_by")?,
        at: r.try_get("withdrawn_at")?,
    })
}

/// The values of row `r` of `table` that are neither sealed nor bookkeeping, by column (what a
/// withdrawn record was, for auditors who may not read personal data).
fn plain_values(table: &str, r: &AnyRow) -> serde_json::Map<String, serde_json::Value> {
    let sealed: &[&str] = SEALED
        .iter()
        .find(|t| t.table == table)
        .map_or(&[], |t| t.columns);
    let mut out = serde_json::Map::new();
    for (i, col) in r.columns().iter().enumerate() {
        let name = col.name();
        if sealed.contains(&name) || BOOKKEEPING.contains(&name) {
            continue;
        }
        let value = match r.try_get::<Option<String>, _>(i) {
            Ok(Some(s)) => serde_json::Value::String(s),
            Ok(None) => continue,
            Err(_) => match r.try_get::<Option<i64>, _>(i) {
                Ok(Some(n)) => serde_json::Value::from(n),
                _ => continue,
            },
        };
        out.insert(name.to_string(), value);
    }
    out
}

/// A record's correctable fields as stored now.
#[derive(Debug, Clone)]
pub struct RecordValues {
    /// Its version.
    pub version: i64,
    /// Each field's value as text (numbers in Latin digits, dates ISO), in the order asked;
    /// `None` when empty, or when sealed and not opened.
    pub values: Vec<Option<String>>,
}

impl Store {
    /// The fields `specs` of row `id` of `table` (a record of kind `entity` at `place`), sealed
    /// ones opened only with `Reveal::To` (one audited view).
    pub async fn record_values(
        &self,
        entity: &str,
        table: &'static str,
        id: &str,
        place: &str,
        specs: &[FieldSpec],
        reveal: Reveal<'_>,
    ) -> Result<RecordValues> {
        let cols: String = specs.iter().map(|f| format!(", {}", f.name)).collect();
        let row = sqlx::query(&format!(
            "SELECT version{cols} FROM {table} WHERE {}",
            id_is(table, 1)
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let sealed: Vec<&str> = specs.iter().filter(|f| f.sealed).map(|f| f.name).collect();
        let reveal = if sealed.is_empty() {
            Reveal::No
        } else {
            reveal
        };
        let open = self
            .opener(reveal, entity, table, id, place, &sealed)
            .await?;
        let mut values = Vec::with_capacity(specs.len());
        for f in specs {
            values.push(match (f.sealed, f.is_number()) {
                (true, _) => open.get(&row, f.name)?,
                (false, true) => row
                    .try_get::<Option<i64>, _>(f.name)?
                    .map(|n| n.to_string()),
                (false, false) => row.try_get::<Option<String>, _>(f.name)?,
            });
        }
        Ok(RecordValues {
            version: row.try_get("version")?,
            values,
        })
    }
}

impl Store {
    /// Text column `column` of row `id` of `table` (`NotFound` if there is no such row): how a
    /// record page finds where a record sits (its place, its parent).
    pub async fn record_text(&self, table: &str, id: &str, column: &str) -> Result<Option<String>> {
        let row = sqlx::query(&format!(
            "SELECT {column} AS v FROM {table} WHERE {}",
            id_is(table, 1)
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(row.try_get("v")?)
    }

    /// Number column `column` of row `id` of `table` (a parent's id), as [`Store::record_text`].
    pub async fn record_number(&self, table: &str, id: &str, column: &str) -> Result<Option<i64>> {
        let row = sqlx::query(&format!(
            "SELECT {column} AS v FROM {table} WHERE {}",
            id_is(table, 1)
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(row.try_get("v")?)
    }
}
