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

use serde::Serialize;
use setu_core::PlaceCode;
use sqlx::Row;

use crate::audit::{append, Actor, Event};
use crate::rekey::{id_is, next_version, UNVERSIONED};
use crate::sealing::Reveal;
use crate::{now_text, Result, Store, StoreError};

/// A field's new value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text (dates as ISO text), or nothing.
    Text(Option<String>),
    /// A whole number (an amount, a count), or nothing.
    Int(Option<i64>),
}

impl Value {
    /// As history keeps it: text.
    fn as_text(&self) -> Option<String> {
        match self {
            Value::Text(t) => t.clone(),
            Value::Int(n) => n.map(|n| n.to_string()),
        }
    }
}

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
        self.write(|tx, _| {
            Box::pin(async move {
                let cols: String = c.fields.iter().map(|(f, _, _)| format!(", {f}")).collect();
                let row = sqlx::query(&format!(
                    "SELECT version{cols} FROM {} WHERE {}",
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
