//! The audit trail: append-only, hash-chained and keyed. Each entry carries the hash of the
//! one before it, so changing or removing any stored entry breaks every hash after it, and
//! `setu audit verify` names the first broken entry. Someone who can write to the database can
//! recompute SHA-256, so each entry and the head also carry a MAC keyed with a key derived from
//! the encryption key file, which is never in the database: rewriting an entry, adding one or
//! cutting the tail then fails the MACs. A checkpoint (`setu audit checkpoint`) is the head
//! signed with an Ed25519 key derived from the same file, for the operator to keep elsewhere;
//! `verify --checkpoint` finds the tail cut back to an older head that a copy of the database
//! could supply. Entries are written in the same transaction as the change they record, and
//! never hold the values of sealed fields.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, Verifier};
use serde::Serialize;
use setu_core::PlaceCode;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::crypto::Keyring;
use crate::write::Tx;
use crate::{now_text, Result, Store, StoreError};

/// Who did something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's id; `None` for the system or an unknown user (a failed login).
    pub id: Option<String>,
    /// The username, or `system:…` / the name typed at a failed login.
    pub name: String,
    /// The session (`session:` and the first 12 hex digits of its hash) or API token
    /// (`token:ID`) the request came through, so a read through a token is never mistaken
    /// for its user's own.
    pub via: Option<String>,
}

impl Actor {
    /// A signed-in user.
    pub fn user(id: &str, name: &str) -> Actor {
        Actor {
            id: Some(id.to_string()),
            name: name.to_string(),
            via: None,
        }
    }

    /// Setu itself or a command-line tool (`system:demo`, `system:cli`).
    pub fn system(what: &str) -> Actor {
        Actor {
            id: None,
            name: format!("system:{what}"),
            via: None,
        }
    }

    /// The same actor, acting through `via`.
    pub fn via(mut self, via: Option<String>) -> Actor {
        self.via = via;
        self
    }
}

/// One thing to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// `login`, `login-failed`, `logout`, `create`, `update`, `view-personal`, `export`,
    /// `permission-change`, `break-glass`, …
    pub action: &'a str,
    /// The kind of record (`organisation`, `contact`, `user`, `session`, …).
    pub entity: &'a str,
    /// Its id.
    pub entity_id: String,
    /// Where it is, so coordinators can see what happened in their scope.
    pub place: Option<PlaceCode>,
    /// Which fields changed or were shown (names only, never values).
    pub fields: Vec<&'a str>,
    /// Free detail without personal data (a role change, a reason's existence, a client).
    pub detail: String,
}

impl<'a> Event<'a> {
    /// An event with no fields and no detail.
    pub fn new(action: &'a str, entity: &'a str, entity_id: impl ToString) -> Event<'a> {
        Event {
            action,
            entity,
            entity_id: entity_id.to_string(),
            place: None,
            fields: Vec::new(),
            detail: String::new(),
        }
    }

    /// Sets the place.
    pub fn at(mut self, place: PlaceCode) -> Self {
        self.place = Some(place);
        self
    }

    /// Sets the field names.
    pub fn fields(mut self, fields: &[&'a str]) -> Self {
        self.fields = fields.to_vec();
        self
    }

    /// Sets the detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// A stored entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, UTC.
    pub at: String,
    /// The user's id.
    pub actor_id: Option<String>,
    /// The username.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// To what kind of record.
    pub entity: String,
    /// Which one.
    pub entity_id: String,
    /// Where.
    pub place_code: Option<String>,
    /// Field names, comma-separated.
    pub fields: String,
    /// Detail.
    pub detail: String,
    /// The session or token it came through (`None` for the system and older entries).
    pub via: Option<String>,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
    /// The keyed MAC of its number and hash (`KEYID.BASE64`); `None` on entries written
    /// before the trail was keyed.
    #[serde(skip)]
    pub mac: Option<String>,
}

/// What an entry's MAC covers: its number and its hash (which covers its fields and, through
/// the previous hash, every entry before it).
fn entry_message(seq: i64, hash: &str) -> String {
    format!("entry|{seq}|{hash}")
}

/// What the head's MAC covers.
fn head_message(seq: i64, last_hash: &str, keyed_from: i64) -> String {
    format!("head|{seq}|{last_hash}|{keyed_from}")
}

/// The head's MAC, written with every change of the head.
pub(crate) fn head_mac(keys: &Keyring, seq: i64, last_hash: &str, keyed_from: i64) -> String {
    keys.audit_mac(&head_message(seq, last_hash, keyed_from))
}

impl Entry {
    fn compute_hash(&self) -> String {
        // A JSON array is an unambiguous encoding of the fields in order. `via` joins the
        // array only when present, so entries written before it existed keep their hashes.
        let mut canonical = serde_json::json!([
            self.prev_hash,
            self.seq,
            self.at,
            self.actor_id,
            self.actor,
            self.action,
            self.entity,
            self.entity_id,
            self.place_code,
            self.fields,
            self.detail
        ]);
        if let (Some(via), Some(array)) = (&self.via, canonical.as_array_mut()) {
            array.push(serde_json::Value::String(via.clone()));
        }
        let canonical = canonical.to_string();
        let digest = Sha256::digest(canonical.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Filters for browsing the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this username.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this kind of record.
    pub entity: Option<String>,
    /// Only this record id.
    pub entity_id: Option<String>,
    /// Only entries at or inside this place.
    pub within: Option<PlaceCode>,
    /// Only entries on or after this ISO date.
    pub from: Option<String>,
    /// Only entries before the day after this ISO date.
    pub until: Option<String>,
    /// At most this many, newest first.
    pub limit: i64,
    /// Only entries before this one (keyset paging: the last entry of the page before).
    pub before: Option<i64>,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Entries checked.
    pub checked: i64,
    /// The first entry whose hash, link or MAC does not match, if any (one past the last
    /// entry when the head or the tail is wrong).
    pub first_broken: Option<i64>,
}

/// The head of the trail signed at one moment, to be kept outside the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last entry's number.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// When it was signed, UTC.
    pub at: String,
    /// The key the signing key was derived from.
    pub key_id: String,
    /// The Ed25519 public key (for checking without Setu).
    pub public_key: String,
    /// The signature of [`Checkpoint::message`].
    pub signature: String,
}

const CHECKPOINT_HEADER: &str = "setu-audit-checkpoint v1";

impl Checkpoint {
    /// What is signed.
    fn message(&self) -> String {
        format!("{CHECKPOINT_HEADER}|{}|{}|{}", self.seq, self.hash, self.at)
    }

    /// The text an operator keeps (a file, a syslog line, paper).
    pub fn to_text(&self) -> String {
        format!(
            "{CHECKPOINT_HEADER}\nseq {}\nhash {}\nat {}\nkey {}\npublic {}\nsignature {}\n",
            self.seq, self.hash, self.at, self.key_id, self.public_key, self.signature
        )
    }

    /// Reads [`Checkpoint::to_text`]; `None` if it is not one.
    pub fn parse(text: &str) -> Option<Checkpoint> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        if lines.next()? != CHECKPOINT_HEADER {
            return None;
        }
        let mut field = |name: &str| -> Option<String> {
            let line = lines.next()?;
            line.strip_prefix(name)?
                .strip_prefix(' ')
                .map(str::to_string)
        };
        Some(Checkpoint {
            seq: field("seq")?.parse().ok()?,
            hash: field("hash")?,
            at: field("at")?,
            key_id: field("key")?,
            public_key: field("public")?,
            signature: field("signature")?,
        })
    }
}

/// Why a checkpoint could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    /// Not a checkpoint file.
    Unreadable,
    /// Its signature does not hold with this key file: it was altered, or is another's.
    BadSignature,
}

const COLUMNS: &str =
    "seq, at, actor_id, actor, action, entity, entity_id, place_code, fields, detail, prev_hash, hash, via, mac";

/// The head of the chain as a write group holds it: the last entry's number and hash, and the
/// entries appended in this group, written just before it commits ([`crate::write`]).
#[derive(Debug, Default)]
pub(crate) struct AuditCursor {
    pub(crate) seq: i64,
    pub(crate) last_hash: String,
    pub(crate) pending: Vec<Entry>,
    /// The first entry that carries a MAC (entries before it predate the keyed trail).
    pub(crate) keyed_from: i64,
    /// The keys entries and the head are MACed with.
    pub(crate) keys: Option<Arc<Keyring>>,
}

impl AuditCursor {
    pub(crate) fn new(
        seq: i64,
        last_hash: String,
        keyed_from: i64,
        keys: Arc<Keyring>,
    ) -> AuditCursor {
        AuditCursor {
            seq,
            last_hash,
            pending: Vec::new(),
            keyed_from,
            keys: Some(keys),
        }
    }

    /// The head's MAC as it stands.
    pub(crate) fn head_mac(&self) -> Option<String> {
        self.keys
            .as_ref()
            .map(|k| head_mac(k, self.seq, &self.last_hash, self.keyed_from))
    }
}

/// Appends `event` by `actor` in the write `tx`. The write holds the lock on the chain's head,
/// so appends queue in one order and the chain never forks.
pub(crate) fn append(tx: &mut Tx, actor: &Actor, event: &Event<'_>) -> i64 {
    let cursor = &mut tx.audit;
    let seq = cursor.seq + 1;
    let mut entry = Entry {
        seq,
        at: now_text(),
        actor_id: actor.id.clone(),
        actor: actor.name.clone(),
        action: event.action.to_string(),
        entity: event.entity.to_string(),
        entity_id: event.entity_id.clone(),
        place_code: event.place.map(|p| p.to_string()),
        fields: event.fields.join(","),
        detail: event.detail.clone(),
        via: actor.via.clone(),
        prev_hash: cursor.last_hash.clone(),
        hash: String::new(),
        mac: None,
    };
    entry.hash = entry.compute_hash();
    entry.mac = cursor
        .keys
        .as_ref()
        .map(|k| k.audit_mac(&entry_message(seq, &entry.hash)));
    cursor.seq = seq;
    cursor.last_hash = entry.hash.clone();
    cursor.pending.push(entry);
    seq
}

/// Inserts entries in one statement (a group's, before it commits).
pub(crate) async fn insert_entries(conn: &mut AnyConnection, entries: &[Entry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut sql = format!("INSERT INTO audit_entry ({COLUMNS}) VALUES ");
    for i in 0..entries.len() {
        let b = i * 14;
        if i > 0 {
            sql.push(',');
        }
        let marks: Vec<String> = (1..=14).map(|k| format!("${}", b + k)).collect();
        sql.push('(');
        sql.push_str(&marks.join(","));
        sql.push(')');
    }
    let mut q = sqlx::query(&sql);
    for e in entries {
        q = q
            .bind(e.seq)
            .bind(e.at.clone())
            .bind(e.actor_id.clone())
            .bind(e.actor.clone())
            .bind(e.action.clone())
            .bind(e.entity.clone())
            .bind(e.entity_id.clone())
            .bind(e.place_code.clone())
            .bind(e.fields.clone())
            .bind(e.detail.clone())
            .bind(e.prev_hash.clone())
            .bind(e.hash.clone())
            .bind(e.via.clone())
            .bind(e.mac.clone());
    }
    q.execute(conn).await?;
    Ok(())
}

impl Store {
    /// Records an event on its own (for events that change nothing else: a view, a login).
    pub async fn audit(&self, actor: &Actor, event: &Event<'_>) -> Result<i64> {
        self.write(|tx, _| Box::pin(async move { Ok(append(tx, actor, event)) }))
            .await
    }

    /// Entries matching `filter`, newest first.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<Entry>> {
        let until_next_day = f.until.as_ref().map(|d| format!("{d}T99"));
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_entry \
             WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR action = $2) \
               AND ($3 IS NULL OR entity = $3) AND ($4 IS NULL OR entity_id = $4) \
               AND ($5 IS NULL OR place_code = $5 OR place_code LIKE $5 || '%') \
               AND ($6 IS NULL OR at >= $6) AND ($7 IS NULL OR at < $7) \
               AND (CAST($9 AS BIGINT) IS NULL OR seq < CAST($9 AS BIGINT)) \
             ORDER BY seq DESC LIMIT $8"
        ))
        .bind(f.actor.clone())
        .bind(f.action.clone())
        .bind(f.entity.clone())
        .bind(f.entity_id.clone())
        .bind(
            f.within
                .filter(|p| *p != PlaceCode::Country)
                .map(|p| p.to_string()),
        )
        .bind(f.from.clone())
        .bind(until_next_day)
        .bind(if f.limit > 0 { f.limit } else { 500 })
        .bind(f.before)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Recomputes the whole chain, in order, checks every entry's MAC and the head's, and
    /// names the first entry that does not match.
    pub async fn verify_audit(&self) -> Result<Verification> {
        let head =
            sqlx::query("SELECT seq, last_hash, keyed_from, mac FROM audit_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        let (head_seq, head_hash, keyed_from, head_mac): (i64, String, i64, Option<String>) = (
            head.try_get("seq")?,
            head.try_get("last_hash")?,
            head.try_get("keyed_from")?,
            head.try_get("mac")?,
        );
        let mut prev = "genesis".to_string();
        let mut checked = 0;
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM audit_entry WHERE seq > $1 ORDER BY seq LIMIT 1000"
            ))
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let e = entry_from_row(row)?;
                checked += 1;
                let keyed = e.seq < keyed_from
                    || e.mac.as_deref().is_some_and(|m| {
                        self.keys
                            .audit_mac_matches(m, &entry_message(e.seq, &e.hash))
                    });
                if e.seq != after + 1 || e.prev_hash != prev || e.compute_hash() != e.hash || !keyed
                {
                    return Ok(Verification {
                        checked,
                        first_broken: Some(after + 1),
                    });
                }
                prev = e.hash;
                after = e.seq;
            }
        }
        // The head must point at the last entry, under a MAC only the key file can make: a
        // truncated tail or a head moved back is tampering too.
        let head_ok = head_mac.as_deref().is_some_and(|m| {
            self.keys
                .audit_mac_matches(m, &head_message(head_seq, &head_hash, keyed_from))
        });
        if head_seq != after || head_hash != prev || !head_ok {
            return Ok(Verification {
                checked,
                first_broken: Some(after + 1),
            });
        }
        Ok(Verification {
            checked,
            first_broken: None,
        })
    }

    /// Signs the head of the trail as it stands now.
    pub async fn audit_checkpoint(&self) -> Result<Checkpoint> {
        let head = sqlx::query("SELECT seq, last_hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let (key_id, signing) = self.keys.checkpoint_key(None)?;
        let mut c = Checkpoint {
            seq: head.try_get("seq")?,
            hash: head.try_get("last_hash")?,
            at: now_text(),
            key_id,
            public_key: B64.encode(signing.verifying_key().to_bytes()),
            signature: String::new(),
        };
        c.signature = B64.encode(signing.sign(c.message().as_bytes()).to_bytes());
        Ok(c)
    }

    /// Verifies the trail (as [`Store::verify_audit`]) and that it still holds the entry a
    /// checkpoint signed, with the same hash: an entry removed, added or changed before it, or
    /// a tail cut back past it, is found even if the head was put back to an older state.
    pub async fn verify_audit_against(
        &self,
        checkpoint_text: &str,
    ) -> Result<std::result::Result<Verification, CheckpointError>> {
        let Some(c) = Checkpoint::parse(checkpoint_text) else {
            return Ok(Err(CheckpointError::Unreadable));
        };
        let signed = match self.keys.checkpoint_key(Some(&c.key_id)) {
            Ok((_, key)) => {
                let sig = B64
                    .decode(&c.signature)
                    .ok()
                    .and_then(|b| <[u8; 64]>::try_from(b).ok())
                    .map(|b| Signature::from_bytes(&b));
                sig.is_some_and(|s| {
                    key.verifying_key()
                        .verify(c.message().as_bytes(), &s)
                        .is_ok()
                })
            }
            Err(crate::crypto::CryptoError::UnknownKey(_)) => false,
            Err(e) => return Err(StoreError::from(e)),
        };
        if !signed {
            return Ok(Err(CheckpointError::BadSignature));
        }
        let v = self.verify_audit().await?;
        if v.first_broken.is_some() {
            return Ok(Ok(v));
        }
        let at: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_entry WHERE seq = $1")
            .bind(c.seq)
            .fetch_optional(&self.pool)
            .await?;
        let holds = match at {
            Some(hash) => hash == c.hash,
            None => c.seq == 0,
        };
        if holds {
            Ok(Ok(v))
        } else {
            // The entry the checkpoint signed is gone or different: everything from the
            // first entry the trail no longer agrees on is suspect.
            Ok(Ok(Verification {
                checked: v.checked,
                first_broken: Some(c.seq.min(v.checked + 1)),
            }))
        }
    }

    /// Writes the head's MAC if it has none (the first start after the trail was keyed).
    pub(crate) async fn seal_audit_head(&self) -> Result<()> {
        let keys = Arc::clone(&self.keys);
        self.write(|tx, _| {
            let keys = Arc::clone(&keys);
            Box::pin(async move {
                let head = sqlx::query(
                    "SELECT seq, last_hash, keyed_from, mac FROM audit_head WHERE id = 1",
                )
                .fetch_one(&mut **tx)
                .await?;
                let mac: Option<String> = head.try_get("mac")?;
                if mac.is_none() {
                    let (seq, last, from): (i64, String, i64) = (
                        head.try_get("seq")?,
                        head.try_get("last_hash")?,
                        head.try_get("keyed_from")?,
                    );
                    sqlx::query("UPDATE audit_head SET mac = $1 WHERE id = 1")
                        .bind(head_mac(&keys, seq, &last, from))
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            })
        })
        .await
    }
}

fn entry_from_row(r: &AnyRow) -> Result<Entry> {
    Ok(Entry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor_id: r.try_get("actor_id")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        place_code: r.try_get("place_code")?,
        fields: r.try_get("fields")?,
        detail: r.try_get("detail")?,
        via: r.try_get("via")?,
        mac: r.try_get("mac")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}
