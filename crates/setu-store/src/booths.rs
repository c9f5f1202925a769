//! Border booths: the risk catalogue (versioned), daily tallies and screenings, written through
//! one idempotent sync path that online forms and phones coming back online both use, and the
//! figures the booth dashboard and the programme indicators count.
//!
//! Sync rules (docs/booths.md): a record carries a client-generated id and the version it was
//! based on (0 for new). The same content again is a no-op; a late copy of an older version is
//! recognised by its content hash and is a no-op too; a change based on the current version is
//! a correction (audited); a change based on an older version becomes a conflict that a person
//! resolves. Nothing is overwritten silently.

use serde::Serialize;
use setu_core::access::{Scope, Target};
use setu_core::booths::{
    documents_from_text, documents_to_text, Outcome, ScreeningDraft, TallyDraft,
};
use setu_core::calendar::iso;
use setu_core::community::{Participants, Sex};
use setu_core::directory::SiteKind;
use setu_core::risk::{Catalogue, Indicator, RiskCategory, RiskLevel};
use sqlx::{Any, Row};
use time::Date;

use crate::audit::{append, Actor, Event};
use crate::contacts::normalise_phone;
use crate::paging::Paged;
use crate::rekey::{FIRST_VERSION, UNVERSIONED};
use crate::scope::scope_condition;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::write::Tx;
use crate::{now_text, Result, Store, StoreError};

impl Store {
    /// The catalogue in force (the highest version).
    pub async fn risk_catalogue(&self) -> Result<Catalogue> {
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM risk_catalogue")
            .fetch_one(&self.pool)
            .await?;
        self.risk_catalogue_version(v.ok_or(StoreError::NotFound)?)
            .await
    }

    /// One version of the catalogue, as it was.
    pub async fn risk_catalogue_version(&self, version: i64) -> Result<Catalogue> {
        let head = sqlx::query(
            "SELECT high_threshold, evidence_threshold FROM risk_catalogue WHERE version = $1",
        )
        .bind(version)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let rows = sqlx::query(
            "SELECT code, category, weight, text_en, text_ne FROM risk_indicator \
             WHERE version = $1 ORDER BY position",
        )
        .bind(version)
        .fetch_all(&self.pool)
        .await?;
        let indicators = rows
            .iter()
            .map(|r| {
                let cat: String = r.try_get("category")?;
                Ok(Indicator {
                    code: r.try_get("code")?,
                    category: RiskCategory::parse(&cat).unwrap_or(RiskCategory::Behaviour),
                    weight: r.try_get("weight")?,
                    text_en: r.try_get("text_en")?,
                    text_ne: r.try_get("text_ne")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Catalogue {
            version,
            indicators,
            high_threshold: head.try_get("high_threshold")?,
            evidence_threshold: head.try_get("evidence_threshold")?,
        })
    }

    /// Every version: (version, when, by whom, indicators).
    pub async fn risk_catalogue_versions(&self) -> Result<Vec<(i64, String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT c.version, c.created_at, c.created_by, \
               (SELECT COUNT(*) FROM risk_indicator i WHERE i.version = c.version) AS n \
             FROM risk_catalogue c ORDER BY c.version DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("version")?,
                    r.try_get("created_at")?,
                    r.try_get("created_by")?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Saves `catalogue` as a new version (its `version` field is ignored); returns the number.
    /// Versions are never changed afterwards: records keep the one they were scored with.
    pub async fn save_risk_catalogue(&self, by: &Actor, catalogue: &Catalogue) -> Result<i64> {
        catalogue.check().map_err(|e| {
            StoreError::Rejected(e.0.first().map_or("error-required", |f| f.message))
        })?;
        self.record(by, |tx, _| {
            Box::pin(async move {
                let version: i64 =
                    sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM risk_catalogue")
                        .fetch_one(&mut **tx)
                        .await?
                        .unwrap_or(0)
                        + 1;
                if !insert_catalogue(tx, version, catalogue, &by.name).await? {
                    return Err(StoreError::Conflict { current: version });
                }
                audited(
                    version,
                    Event::new("create", "risk-catalogue", version)
                        .detail(format!("{} indicators", catalogue.indicators.len())),
                )
            })
        })
        .await
    }

    /// Seeds version 1 with the documented default set when there is no catalogue yet (several
    /// servers starting together insert it once).
    pub(crate) async fn seed_risk_catalogue(&self) -> Result<()> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM risk_catalogue")
            .fetch_one(&self.pool)
            .await?;
        if n > 0 {
            return Ok(());
        }
        self.write(|tx, _| {
            Box::pin(async move {
                insert_catalogue(tx, 1, &Catalogue::default_set(), "system:seed").await?;
                Ok(())
            })
        })
        .await?;
        Ok(())
    }

    /// A border booth (a site of that kind); other sites are refused.
    pub async fn booth(&self, site_id: i64) -> Result<crate::directory::Site> {
        let site = self.site(site_id).await?;
        if site.kind != SiteKind::BorderBooth {
            return Err(StoreError::Rejected("error-not-a-booth"));
        }
        Ok(site)
    }

    /// Border booths inside `scope`.
    pub async fn booths(&self, scope: Scope) -> Result<Vec<crate::directory::Site>> {
        let (cond, value) =
            scope_condition(scope, 2, "place_code", Some("id"), Some("organisation_id"));
        let sql = format!("SELECT id FROM site WHERE kind = $1 AND {cond} ORDER BY name_en, id");
        let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(SiteKind::BorderBooth.as_str());
        if let Some(v) = value {
            q = q.bind(v);
        }
        let mut out = Vec::new();
        for id in q.fetch_all(&self.pool).await? {
            out.push(self.site(id).await?);
        }
        Ok(out)
    }
}

/// Inserts a catalogue version; false if that version exists already.
async fn insert_catalogue(tx: &mut Tx, version: i64, c: &Catalogue, by: &str) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO risk_catalogue (version, high_threshold, evidence_threshold, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO NOTHING",
    )
    .bind(version)
    .bind(c.high_threshold)
    .bind(c.evidence_threshold)
    .bind(by.to_string())
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    for (pos, i) in c.indicators.iter().enumerate() {
        sqlx::query(
            "INSERT INTO risk_indicator (version, position, code, category, weight, text_en, text_ne) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(version)
        .bind(i64::try_from(pos).unwrap_or(0))
        .bind(i.code.clone())
        .bind(i.category.as_str())
        .bind(i.weight)
        .bind(i.text_en.trim().to_string())
        .bind(i.text_ne.trim().to_string())
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

/// A value to write into a column.
#[derive(Debug, Clone)]
enum V {
    T(Option<String>),
    I(i64),
}

/// A record that phones sync: which table it lives in and what goes in its columns.
trait Synced {
    /// Entity name in the audit trail and in conflicts (`booth-tally`, `screening`).
    const KIND: &'static str;
    /// Its table.
    const TABLE: &'static str;
    /// Sealed column names (for the audit trail's field list).
    const SEALED: &'static [&'static str];
    /// The booth.
    fn site(&self) -> i64;
    /// What identifies the content (hashed with a key, so it reveals nothing).
    fn content(&self) -> String;
    /// The columns that a correction may change, sealed for row `id` at `version`.
    fn columns(&self, store: &Store, id: &str, version: i64) -> Result<Vec<(&'static str, V)>>;
}

impl Synced for TallyDraft {
    const KIND: &'static str = "booth-tally";
    const TABLE: &'static str = "booth_tally";
    const SEALED: &'static [&'static str] = &[];

    fn site(&self) -> i64 {
        self.site
    }

    fn content(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn columns(&self, _: &Store, _: &str, _: i64) -> Result<Vec<(&'static str, V)>> {
        let p = self.informed;
        Ok(vec![
            ("day", V::T(Some(iso(self.day)))),
            ("female_u18", V::I(p.under18[0])),
            ("male_u18", V::I(p.under18[1])),
            ("other_u18", V::I(p.under18[2])),
            ("female_18", V::I(p.adults[0])),
            ("male_18", V::I(p.adults[1])),
            ("other_18", V::I(p.adults[2])),
            ("materials", V::I(self.materials)),
        ])
    }
}

/// A screening with the score it was given and the catalogue version that gave it.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredScreening {
    /// The checked form.
    pub draft: ScreeningDraft,
    /// Catalogue version.
    pub risk_version: i64,
    /// Score.
    pub risk_score: i64,
    /// Level.
    pub risk_level: RiskLevel,
}

/// A screening's sealed columns.
pub(crate) const SCREENING_SEALED: &[&str] = &[
    "given_name",
    "family_name",
    "birth_date",
    "phone",
    "destination_place",
    "note",
];

impl Synced for ScoredScreening {
    const KIND: &'static str = "screening";
    const TABLE: &'static str = "screening";
    const SEALED: &'static [&'static str] = SCREENING_SEALED;

    fn site(&self) -> i64 {
        self.draft.site
    }

    fn content(&self) -> String {
        serde_json::to_string(&self.draft).unwrap_or_default()
    }

    fn columns(&self, store: &Store, id: &str, version: i64) -> Result<Vec<(&'static str, V)>> {
        let d = &self.draft;
        let seal = |col: &'static str, v: Option<&str>| -> Result<(&'static str, V)> {
            Ok((
                col,
                V::T(
                    v.map(|v| store.keys.seal("screening", col, id, version, v))
                        .transpose()?,
                ),
            ))
        };
        let birth = d.birth_date.map(iso);
        Ok(vec![
            ("day", V::T(Some(iso(d.day)))),
            ("time", V::T(Some(d.time.clone()))),
            seal("given_name", d.given_name.as_deref())?,
            seal("family_name", d.family_name.as_deref())?,
            ("sex", V::T(Some(d.sex.as_str().into()))),
            ("age", V::I(d.age)),
            seal("birth_date", birth.as_deref())?,
            seal("phone", d.phone.as_deref())?,
            (
                "phone_index",
                V::T(d.phone.as_deref().map(|p| {
                    store
                        .keys
                        .blind_index("screening.phone", &normalise_phone(p))
                })),
            ),
            ("home_code", V::T(d.home.map(|h| h.to_string()))),
            (
                "documents_seen",
                V::T(Some(documents_to_text(&d.documents_seen))),
            ),
            (
                "destination_country",
                V::T(Some(d.destination_country.clone())),
            ),
            seal("destination_place", d.destination_place.as_deref())?,
            ("purpose", V::T(Some(d.purpose.as_str().into()))),
            ("companions", V::I(d.companions)),
            (
                "companion_relation",
                V::T(Some(d.companion_relation.as_str().into())),
            ),
            ("paid_by", V::T(Some(d.paid_by.as_str().into()))),
            ("agent_involved", V::I(i64::from(d.agent_involved))),
            (
                "documents_carried",
                V::T(Some(documents_to_text(&d.documents_carried))),
            ),
            ("risk_codes", V::T(Some(d.risk.join(",")))),
            ("risk_version", V::I(self.risk_version)),
            ("risk_score", V::I(self.risk_score)),
            ("risk_level", V::T(Some(self.risk_level.as_str().into()))),
            ("outcome", V::T(Some(d.outcome.as_str().into()))),
            ("consent_record", V::I(i64::from(d.consent_record))),
            ("consent_share", V::I(i64::from(d.consent_share))),
            seal("note", d.note.as_deref())?,
        ])
    }
}

/// What happened to one synced record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncOutcome {
    /// Stored for the first time.
    Created,
    /// A correction based on the current version.
    Updated,
    /// Seen before (the same content, or a late copy of an older version): nothing changed.
    Unchanged,
    /// Based on an older version than the one stored: kept aside for a person to resolve.
    Conflict,
}

/// The answer for one synced record.
#[derive(Debug, Clone, Serialize)]
pub struct SyncResult {
    /// The record's id.
    pub id: String,
    /// What happened.
    pub outcome: SyncOutcome,
    /// The version stored now.
    pub version: i64,
    /// The conflict to resolve, if any.
    pub conflict: Option<String>,
}

/// One record of a sync batch: checked, scored and scoped by the caller, with its booth.
#[derive(Debug, Clone)]
pub struct SyncItem {
    /// The client-generated id.
    pub id: String,
    /// The version the change was based on (0 for a new record).
    pub base_version: i64,
    /// What was sent.
    pub draft: SyncDraft,
    /// The form as submitted, kept (sealed) if the record becomes a conflict.
    pub payload: String,
    /// The booth it was recorded at (the draft's site).
    pub site: crate::directory::Site,
}

/// The kinds of record phones sync.
#[derive(Debug, Clone)]
pub enum SyncDraft {
    /// A daily tally.
    Tally(TallyDraft),
    /// A screening, scored.
    Screening(Box<ScoredScreening>),
}

/// A record ready to write: its columns sealed and its content hashed before the write lock is
/// taken, so that the lock is held for the database work alone.
#[derive(Debug)]
struct Prepared<'i> {
    item: &'i SyncItem,
    id: String,
    kind: &'static str,
    table: &'static str,
    sealed: &'static [&'static str],
    cols: Vec<(&'static str, V)>,
    /// The content's keyed hash, as it is stored.
    hash: String,
    /// The hashes the same content may have been stored under (earlier index keys too).
    known: Vec<String>,
    /// A screening with names (consent to record them): it is matched against the register.
    named: bool,
}

impl Store {
    /// Syncs a tally (see the module's rules). `payload` is the form as submitted, kept
    /// (sealed) if the record becomes a conflict.
    pub async fn sync_tally(
        &self,
        by: &Actor,
        id: &str,
        base_version: i64,
        draft: &TallyDraft,
        payload: &str,
    ) -> Result<SyncResult> {
        let site = self.booth(draft.site).await?;
        self.sync_one(
            by,
            id,
            base_version,
            SyncDraft::Tally(draft.clone()),
            payload,
            site,
        )
        .await
    }

    /// Syncs a screening; a screening with names is then matched against the register.
    pub async fn sync_screening(
        &self,
        by: &Actor,
        id: &str,
        base_version: i64,
        record: &ScoredScreening,
        payload: &str,
    ) -> Result<SyncResult> {
        let site = self.booth(record.draft.site).await?;
        let draft = SyncDraft::Screening(Box::new(record.clone()));
        self.sync_one(by, id, base_version, draft, payload, site)
            .await
    }

    async fn sync_one(
        &self,
        by: &Actor,
        id: &str,
        base_version: i64,
        draft: SyncDraft,
        payload: &str,
        site: crate::directory::Site,
    ) -> Result<SyncResult> {
        let item = SyncItem {
            id: id.to_string(),
            base_version,
            draft,
            payload: payload.to_string(),
            site,
        };
        self.sync_batch(by, std::slice::from_ref(&item))
            .await?
            .pop()
            .unwrap_or(Err(StoreError::NotFound))
    }

    /// Stores a batch of synced records in one write (group commit), with an answer for each
    /// in order. A record that is refused (a malformed id, a record of another booth, a
    /// failure of its own) is answered so and never holds up the rest of its batch. Named
    /// screenings queue matching, which runs after the write ([`crate::jobs`]).
    pub async fn sync_batch(
        &self,
        by: &Actor,
        items: &[SyncItem],
    ) -> Result<Vec<Result<SyncResult>>> {
        let prepared: Vec<Result<Prepared<'_>>> =
            items.iter().map(|item| self.prepare(item)).collect();
        let prepared = &prepared;
        let (results, named) = self
            .write(|tx, _| {
                Box::pin(async move {
                    let mut results = Vec::with_capacity(prepared.len());
                    let mut named: Vec<(&str, &str)> = Vec::new();
                    for p in prepared {
                        let p = match p {
                            Ok(p) => p,
                            Err(e) => {
                                results.push(Err(refusal(e)));
                                continue;
                            }
                        };
                        let mark = tx.savepoint().await?;
                        match sync_record(self, tx, by, p).await {
                            Ok(r) => {
                                tx.release().await?;
                                let changed =
                                    matches!(r.outcome, SyncOutcome::Created | SyncOutcome::Updated);
                                if changed && p.named {
                                    named.push(("screening", p.id.as_str()));
                                }
                                results.push(Ok(r));
                            }
                            Err(e) if crate::write::is_transient(&e) => return Err(e),
                            Err(e) => {
                                tx.undo(mark).await?;
                                tracing::warn!(kind = p.kind, error = %e.log_safe(), "a synced record was refused");
                                results.push(Err(e));
                            }
                        }
                    }
                    crate::jobs::enqueue_many(tx, crate::jobs::MATCH, &named, &by.name).await?;
                    Ok((results, !named.is_empty()))
                })
            })
            .await?;
        if named {
            self.jobs_queued().await;
        }
        Ok(results)
    }

    /// Checks an item's id and booth, seals its columns and hashes its content.
    fn prepare<'i>(&self, item: &'i SyncItem) -> Result<Prepared<'i>> {
        let id = crate::offline::client_id(&item.id)?;
        let (kind, table, sealed, cols, content, named, site) = match &item.draft {
            SyncDraft::Tally(d) => (
                TallyDraft::KIND,
                TallyDraft::TABLE,
                TallyDraft::SEALED,
                d.columns(self, &id, FIRST_VERSION)?,
                d.content(),
                false,
                d.site(),
            ),
            SyncDraft::Screening(r) => (
                ScoredScreening::KIND,
                ScoredScreening::TABLE,
                ScoredScreening::SEALED,
                r.columns(self, &id, FIRST_VERSION)?,
                r.content(),
                r.draft.given_name.is_some() || r.draft.family_name.is_some(),
                r.site(),
            ),
        };
        if site != item.site.id {
            return Err(StoreError::Rejected("error-sync-site"));
        }
        Ok(Prepared {
            item,
            hash: self.keys.blind_index(kind, &content),
            known: self.keys.blind_indexes(kind, &content),
            id,
            kind,
            table,
            sealed,
            cols,
            named,
        })
    }
}

/// A refusal found before writing, as its own error (errors are not `Clone`).
fn refusal(e: &StoreError) -> StoreError {
    match e {
        StoreError::Rejected(m) => StoreError::Rejected(m),
        StoreError::NotFound => StoreError::NotFound,
        other => {
            tracing::warn!(error = %other.log_safe(), "preparing a synced record failed");
            StoreError::Rejected("error-not-stored")
        }
    }
}

/// One record of a batch (see the module's rules), inside the batch's write.
async fn sync_record(
    store: &Store,
    tx: &mut Tx,
    by: &Actor,
    p: &Prepared<'_>,
) -> Result<SyncResult> {
    let result = |outcome, version, conflict| SyncResult {
        id: p.id.clone(),
        outcome,
        version,
        conflict,
    };
    // Most records are new: try the insert first.
    if insert_synced(tx, by, p).await? {
        return Ok(result(SyncOutcome::Created, 1, None));
    }
    let row = sqlx::query(&format!(
        "SELECT version, content_hash, site_id FROM {} WHERE id = $1",
        p.table
    ))
    .bind(p.id.clone())
    .fetch_one(&mut **tx)
    .await?;
    let version: i64 = row.try_get("version")?;
    let stored_hash: String = row.try_get("content_hash")?;
    if row.try_get::<i64, _>("site_id")? != p.item.site.id {
        return Err(StoreError::Rejected("error-sync-site"));
    }
    let base = p.item.base_version;
    if p.known.contains(&stored_hash) || seen_revision(tx, p, base + 1).await? {
        return Ok(result(SyncOutcome::Unchanged, version, None));
    }
    if base == version {
        if !update_synced(store, tx, by, p, version).await? {
            return Err(StoreError::Conflict { current: version });
        }
        return Ok(result(SyncOutcome::Updated, version + 1, None));
    }
    let conflict = record_conflict(store, tx, by, p, (base, version)).await?;
    Ok(result(SyncOutcome::Conflict, version, Some(conflict)))
}

/// Inserts a new synced record; false if its id exists.
async fn insert_synced(tx: &mut Tx, by: &Actor, p: &Prepared<'_>) -> Result<bool> {
    let site = &p.item.site;
    let mut cols = p.cols.clone();
    let now = now_text();
    cols.extend([
        ("id", V::T(Some(p.id.clone()))),
        ("site_id", V::I(site.id)),
        ("place_code", V::T(Some(site.place.to_string()))),
        (
            "organisation_id",
            V::T(site.organisation_id.map(|o| o.to_string())),
        ),
        ("version", V::I(1)),
        ("content_hash", V::T(Some(p.hash.clone()))),
        ("created_by", V::T(Some(by.name.clone()))),
        ("created_at", V::T(Some(now.clone()))),
        ("updated_at", V::T(Some(now))),
    ]);
    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    let marks: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, (n, _))| placeholder(n, i + 1))
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO NOTHING",
        p.table,
        names.join(", "),
        marks.join(", ")
    );
    if bind_all(sqlx::query(&sql), &cols)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        == 0
    {
        return Ok(false);
    }
    note_revision(tx, p, 1).await?;
    let mut fields = vec!["counts"];
    fields.extend_from_slice(p.sealed);
    append(
        tx,
        by,
        &Event::new("create", p.kind, &p.id)
            .at(site.place)
            .fields(&fields)
            .detail(format!("site {}", site.id)),
    );
    Ok(true)
}

/// Applies a correction based on the current `version`; false if it moved on meanwhile.
async fn update_synced(
    store: &Store,
    tx: &mut Tx,
    by: &Actor,
    p: &Prepared<'_>,
    version: i64,
) -> Result<bool> {
    // Sealed again for the version this write makes (`p.cols` are sealed for a new row).
    let mut cols = match &p.item.draft {
        SyncDraft::Tally(d) => d.columns(store, &p.id, version + 1)?,
        SyncDraft::Screening(r) => r.columns(store, &p.id, version + 1)?,
    };
    cols.extend([
        ("version", V::I(version + 1)),
        ("content_hash", V::T(Some(p.hash.clone()))),
        ("updated_at", V::T(Some(now_text()))),
    ]);
    let sets: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, (n, _))| format!("{n} = {}", placeholder(n, i + 1)))
        .collect();
    let n = cols.len();
    let sql = format!(
        "UPDATE {} SET {} WHERE id = ${} AND version = ${}",
        p.table,
        sets.join(", "),
        n + 1,
        n + 2
    );
    let done = bind_all(sqlx::query(&sql), &cols)
        .bind(p.id.clone())
        .bind(version)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    note_revision(tx, p, version + 1).await?;
    append(
        tx,
        by,
        &Event::new("update", p.kind, &p.id)
            .at(p.item.site.place)
            .detail(format!("correction, version {}", version + 1)),
    );
    Ok(true)
}

/// Remembers which content a version had, so that a late copy of it is recognised.
async fn note_revision(tx: &mut Tx, p: &Prepared<'_>, version: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_revision (kind, record_id, version, content_hash) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind, record_id, version) DO NOTHING",
    )
    .bind(p.kind)
    .bind(p.id.clone())
    .bind(version)
    .bind(p.hash.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether this content was stored before as `version` (a late copy of an older version).
async fn seen_revision(tx: &mut Tx, p: &Prepared<'_>, version: i64) -> Result<bool> {
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT content_hash FROM sync_revision WHERE kind = $1 AND record_id = $2 AND version = $3",
    )
    .bind(p.kind)
    .bind(p.id.clone())
    .bind(version)
    .fetch_all(&mut **tx)
    .await?;
    Ok(stored.iter().any(|h| p.known.contains(h)))
}

/// Keeps a change based on an older version aside for a person to resolve (once, however
/// often the same stale change is sent); returns the conflict's id.
async fn record_conflict(
    store: &Store,
    tx: &mut Tx,
    by: &Actor,
    p: &Prepared<'_>,
    (base, seen): (i64, i64),
) -> Result<String> {
    let site = &p.item.site;
    let open = sqlx::query(
        "SELECT id, content_hash FROM sync_conflict WHERE kind = $1 AND record_id = $2 AND resolved_at IS NULL",
    )
    .bind(p.kind)
    .bind(p.id.clone())
    .fetch_all(&mut **tx)
    .await?;
    for row in open {
        if p.known.contains(&row.try_get::<String, _>("content_hash")?) {
            return Ok(row.try_get("id")?);
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO sync_conflict (id, kind, record_id, site_id, place_code, organisation_id, base_version, seen_version, \
           content_hash, payload, submitted_by, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, CAST($6 AS BIGINT), $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.clone())
    .bind(p.kind)
    .bind(p.id.clone())
    .bind(site.id)
    .bind(site.place.to_string())
    .bind(site.organisation_id.map(|o| o.to_string()))
    .bind(base)
    .bind(seen)
    .bind(p.hash.clone())
    .bind(store.keys.seal("sync_conflict", "payload", &id, UNVERSIONED, &p.item.payload)?)
    .bind(by.name.clone())
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    append(
        tx,
        by,
        &Event::new("sync-conflict", p.kind, &p.id)
            .at(site.place)
            .detail(format!("based on version {base}, stored {seen}")),
    );
    Ok(id)
}

/// `$n`, cast where a column is an integer given as optional text.
fn placeholder(column: &str, n: usize) -> String {
    if column == "organisation_id" {
        format!("CAST(${n} AS BIGINT)")
    } else {
        format!("${n}")
    }
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    cols: &[(&'static str, V)],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for (_, v) in cols {
        q = match v {
            V::T(t) => q.bind(t.clone()),
            V::I(i) => q.bind(*i),
        };
    }
    q
}

/// A sync conflict waiting for a person.
#[derive(Debug, Clone, Serialize)]
pub struct SyncConflict {
    /// Id.
    pub id: String,
    /// `booth-tally` or `screening`.
    pub kind: String,
    /// The record.
    pub record_id: String,
    /// The booth.
    pub site_id: i64,
    /// Version the submission was based on.
    pub base_version: i64,
    /// Version stored when it arrived.
    pub seen_version: i64,
    /// Who sent it.
    pub submitted_by: String,
    /// When.
    pub submitted_at: String,
    /// The submitted form (JSON), when opened.
    pub payload: Option<String>,
    /// How it was resolved, if it was.
    pub resolution: Option<String>,
}

impl Store {
    /// Open conflicts inside `scope`, oldest first.
    pub async fn sync_conflicts(&self, scope: Scope) -> Result<Vec<SyncConflict>> {
        let (cond, value) = scope_condition(
            scope,
            1,
            "place_code",
            Some("site_id"),
            Some("organisation_id"),
        );
        let sql = format!(
            "SELECT id, kind, record_id, site_id, base_version, seen_version, submitted_by, submitted_at, resolution \
             FROM sync_conflict WHERE resolved_at IS NULL AND {cond} ORDER BY submitted_at, id"
        );
        let mut q = sqlx::query(&sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(|r| conflict_from_row(r, None)).collect()
    }

    /// One conflict with its submitted form opened (audited: the form holds personal data),
    /// and where it lives.
    pub async fn sync_conflict(
        &self,
        id: &str,
        reveal: Reveal<'_>,
    ) -> Result<(SyncConflict, Target)> {
        let r = sqlx::query(
            "SELECT id, kind, record_id, site_id, place_code, organisation_id, base_version, seen_version, submitted_by, \
               submitted_at, resolution, payload FROM sync_conflict WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let place: String = r.try_get("place_code")?;
        let target = Target {
            place: place.parse().ok(),
            site: Some(r.try_get("site_id")?),
            organisation: r.try_get("organisation_id")?,
        };
        let payload = self
            .opener(
                reveal,
                "sync-conflict",
                "sync_conflict",
                id,
                &place,
                &["payload"],
            )
            .await?
            .get(&r, "payload")?;
        Ok((conflict_from_row(&r, payload)?, target))
    }

    /// Closes a conflict: `kept` says the stored version stays (the submission is dropped);
    /// otherwise the caller has already applied the submission as a correction.
    pub async fn resolve_sync_conflict(
        &self,
        by: &Actor,
        id: &str,
        resolution: &str,
    ) -> Result<()> {
        let (c, target) = self.sync_conflict(id, Reveal::No).await?;
        if c.resolution.is_some() {
            return Err(StoreError::Rejected("error-conflict-resolved"));
        }
        self.record(by, |tx, _| Box::pin(async move {
        let done = sqlx::query(
            "UPDATE sync_conflict SET resolved_at = $1, resolved_by = $2, resolution = $3 WHERE id = $4 AND resolved_at IS NULL",
        )
        .bind(now_text())
        .bind(by.name.clone())
        .bind(resolution.to_string())
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Rejected("error-conflict-resolved"));
        }
        let mut e =
            Event::new("resolve-conflict", "sync-conflict", id).detail(resolution.to_string());
        e.place = target.place;
        audited((), e)
        })).await?;
        Ok(())
    }

    /// The version a synced record is at now.
    pub async fn synced_version(&self, kind: &str, id: &str) -> Result<i64> {
        let table = match kind {
            "booth-tally" => "booth_tally",
            "screening" => "screening",
            _ => return Err(StoreError::NotFound),
        };
        sqlx::query_scalar(&format!("SELECT version FROM {table} WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }
}

fn conflict_from_row(r: &sqlx::any::AnyRow, payload: Option<String>) -> Result<SyncConflict> {
    Ok(SyncConflict {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        record_id: r.try_get("record_id")?,
        site_id: r.try_get("site_id")?,
        base_version: r.try_get("base_version")?,
        seen_version: r.try_get("seen_version")?,
        submitted_by: r.try_get("submitted_by")?,
        submitted_at: r.try_get("submitted_at")?,
        resolution: r.try_get("resolution")?,
        payload,
    })
}

/// A stored tally.
#[derive(Debug, Clone, Serialize)]
pub struct Tally {
    /// Id.
    pub id: String,
    /// Booth.
    pub site_id: i64,
    /// Day, ISO.
    pub day: String,
    /// People informed.
    pub informed: Participants,
    /// Materials.
    pub materials: i64,
    /// Version.
    pub version: i64,
    /// Recorded by.
    pub created_by: String,
}

/// What a booth's list of screenings is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ScreeningFilter {
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only this risk level.
    pub level: Option<String>,
}

/// A stored screening; identifying fields only when revealed.
#[derive(Debug, Clone, Serialize)]
pub struct Screening {
    /// Id.
    pub id: String,
    /// Booth.
    pub site_id: i64,
    /// Booth's place.
    pub place_code: String,
    /// Organisation running the booth.
    pub organisation_id: Option<i64>,
    /// Day, ISO.
    pub day: String,
    /// Time.
    pub time: String,
    /// Recorded by.
    pub created_by: String,
    /// Given name (revealed).
    pub given_name: Option<String>,
    /// Family name (revealed).
    pub family_name: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Age.
    pub age: i64,
    /// Birth date, ISO (revealed).
    pub birth_date: Option<String>,
    /// Phone (revealed).
    pub phone: Option<String>,
    /// Home place.
    pub home_code: Option<String>,
    /// Documents seen.
    pub documents_seen: Vec<String>,
    /// Destination country.
    pub destination_country: String,
    /// Destination place (revealed).
    pub destination_place: Option<String>,
    /// Purpose.
    pub purpose: String,
    /// Companions.
    pub companions: i64,
    /// Their relation.
    pub companion_relation: String,
    /// Who paid.
    pub paid_by: String,
    /// Agent involved.
    pub agent_involved: bool,
    /// Documents carried.
    pub documents_carried: Vec<String>,
    /// Indicator codes.
    pub risk_codes: Vec<String>,
    /// Catalogue version scored with.
    pub risk_version: i64,
    /// Score.
    pub risk_score: i64,
    /// Level.
    pub risk_level: String,
    /// Outcome.
    pub outcome: String,
    /// Consent to record.
    pub consent_record: bool,
    /// Consent to share.
    pub consent_share: bool,
    /// Note (revealed).
    pub note: Option<String>,
    /// Version.
    pub version: i64,
}

impl Screening {
    /// Where it lives.
    pub fn target(&self) -> Target {
        Target {
            place: self.place_code.parse().ok(),
            site: Some(self.site_id),
            organisation: self.organisation_id,
        }
    }

    /// Where she may be read by name: wherever her place reaches when she agreed to her details
    /// being shared; otherwise only at the booth and in the organisation that met her (a
    /// coordinator of the district then needs a reason: break the glass).
    pub fn shared_target(&self) -> Target {
        if self.consent_share {
            self.target()
        } else {
            Target {
                place: None,
                ..self.target()
            }
        }
    }
}

const SCREENING_COLUMNS: &str = "id, site_id, place_code, organisation_id, day, time, created_by, given_name, family_name, \
    sex, age, birth_date, phone, home_code, documents_seen, destination_country, destination_place, purpose, companions, \
    companion_relation, paid_by, agent_involved, documents_carried, risk_codes, risk_version, risk_score, risk_level, \
    outcome, consent_record, consent_share, note, version";

impl Store {
    /// One screening; identifying fields opened (and the opening audited) with `reveal`.
    pub async fn screening(&self, id: &str, reveal: Reveal<'_>) -> Result<Screening> {
        let r = sqlx::query(&format!(
            "SELECT {SCREENING_COLUMNS} FROM screening WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        self.screening_from_row(&r, reveal).await
    }

    /// Screenings inside `scope`, newest first, optionally only one booth's and only the
    /// candidates for a hand-over (stopped, and agreed to her details being shared: the others
    /// are never opened for the form); at most `limit`.
    pub async fn screenings(
        &self,
        scope: Scope,
        site: Option<i64>,
        handover_candidates: bool,
        limit: i64,
        reveal: Reveal<'_>,
    ) -> Result<Vec<Screening>> {
        let (cond, value) = scope_condition(
            scope,
            3,
            "place_code",
            Some("site_id"),
            Some("organisation_id"),
        );
        let sql = format!(
            "SELECT {SCREENING_COLUMNS} FROM screening \
             WHERE ($1 IS NULL OR site_id = CAST($1 AS BIGINT)) AND ($2 = 0 OR (outcome <> 'counselled-continued' AND consent_share = 1)) \
               AND withdrawn_at IS NULL AND {cond} \
             ORDER BY day DESC, time DESC, id LIMIT {}",
            limit.clamp(1, 5_000)
        );
        let mut q = sqlx::query(&sql)
            .bind(site.map(|s| s.to_string()))
            .bind(i64::from(handover_candidates));
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.screening_from_row(r, reveal).await?);
        }
        Ok(out)
    }

    /// One page of a booth's screenings (see [`crate::paging`]), newest first, filtered in
    /// the query; names opened only for the page's rows, as one audited view naming them.
    pub async fn screening_page(
        &self,
        site: i64,
        filter: &ScreeningFilter,
        after: Option<&str>,
        reveal: Reveal<'_>,
    ) -> Result<Paged<Screening>> {
        let mut select = format!(
            "SELECT {SCREENING_COLUMNS} FROM screening WHERE site_id = CAST($1 AS BIGINT) \
             AND withdrawn_at IS NULL"
        );
        let mut leading = vec![site.to_string()];
        if let Some(o) = filter.outcome {
            leading.push(o.as_str().to_string());
            select.push_str(&format!(" AND outcome = ${}", leading.len()));
        }
        if let Some(level) = &filter.level {
            leading.push(level.clone());
            select.push_str(&format!(" AND risk_level = ${}", leading.len()));
        }
        let page = self
            .page_rows("screening", &select, leading, &["day", "time"], after)
            .await?;
        let ids: Vec<String> = page
            .rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let site_place = self.booth(site).await?.place;
        let names = ["given_name", "family_name"];
        let open = self
            .page_opener(
                reveal,
                "screening",
                "screening",
                &ids,
                &names,
                Some(site_place),
            )
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for (r, id) in page.rows.iter().zip(&ids) {
            let mut s = self.screening_from_row(r, Reveal::No).await?;
            let row = open.row("screening", id);
            s.given_name = row.get(r, "given_name")?;
            s.family_name = row.get(r, "family_name")?;
            out.push(s);
        }
        Ok(Paged {
            rows: out,
            next: page.next,
        })
    }

    async fn screening_from_row(
        &self,
        r: &sqlx::any::AnyRow,
        reveal: Reveal<'_>,
    ) -> Result<Screening> {
        let id: String = r.try_get("id")?;
        let place_code: String = r.try_get("place_code")?;
        let sealed = <ScoredScreening as Synced>::SEALED;
        let opener = self
            .opener(reveal, "screening", "screening", &id, &place_code, sealed)
            .await?;
        let open = |col: &str| opener.get(r, col);
        let list = |col: &str| -> Result<Vec<String>> {
            let v: String = r.try_get(col)?;
            Ok(v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect())
        };
        let sex: String = r.try_get("sex")?;
        let seen: String = r.try_get("documents_seen")?;
        let carried: String = r.try_get("documents_carried")?;
        Ok(Screening {
            site_id: r.try_get("site_id")?,
            organisation_id: r.try_get("organisation_id")?,
            day: r.try_get("day")?,
            time: r.try_get("time")?,
            created_by: r.try_get("created_by")?,
            given_name: open("given_name")?,
            family_name: open("family_name")?,
            sex: Sex::parse(&sex).unwrap_or(Sex::Other),
            age: r.try_get("age")?,
            birth_date: open("birth_date")?,
            phone: open("phone")?,
            home_code: r.try_get("home_code")?,
            documents_seen: documents_from_text(&seen)
                .iter()
                .map(|d| d.as_str().to_string())
                .collect(),
            destination_country: r.try_get("destination_country")?,
            destination_place: open("destination_place")?,
            purpose: r.try_get("purpose")?,
            companions: r.try_get("companions")?,
            companion_relation: r.try_get("companion_relation")?,
            paid_by: r.try_get("paid_by")?,
            agent_involved: r.try_get::<i64, _>("agent_involved")? != 0,
            documents_carried: documents_from_text(&carried)
                .iter()
                .map(|d| d.as_str().to_string())
                .collect(),
            risk_codes: list("risk_codes")?,
            risk_version: r.try_get("risk_version")?,
            risk_score: r.try_get("risk_score")?,
            risk_level: r.try_get("risk_level")?,
            outcome: r.try_get("outcome")?,
            consent_record: r.try_get::<i64, _>("consent_record")? != 0,
            consent_share: r.try_get::<i64, _>("consent_share")? != 0,
            note: open("note")?,
            version: r.try_get("version")?,
            place_code,
            id,
        })
    }

    /// Tallies of one booth, newest first, at most `limit`.
    pub async fn tallies(&self, site: i64, limit: i64) -> Result<Vec<Tally>> {
        let rows = sqlx::query(&format!(
            "SELECT id, site_id, day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials, version, created_by \
             FROM booth_tally WHERE site_id = $1 ORDER BY day DESC, created_at DESC, id LIMIT {}",
            limit.clamp(1, 5_000)
        ))
        .bind(site)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Tally {
                    id: r.try_get("id")?,
                    site_id: r.try_get("site_id")?,
                    day: r.try_get("day")?,
                    informed: participants(r)?,
                    materials: r.try_get("materials")?,
                    version: r.try_get("version")?,
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }
}

fn participants(r: &sqlx::any::AnyRow) -> Result<Participants> {
    Ok(Participants {
        under18: [
            r.try_get("female_u18")?,
            r.try_get("male_u18")?,
            r.try_get("other_u18")?,
        ],
        adults: [
            r.try_get("female_18")?,
            r.try_get("male_18")?,
            r.try_get("other_18")?,
        ],
    })
}

/// People informed at one booth on one day (all its tallies added up).
#[derive(Debug, Clone, Serialize)]
pub struct TallyDay {
    /// Booth.
    pub site_id: i64,
    /// Day, ISO.
    pub day: String,
    /// Informed.
    pub informed: Participants,
    /// Materials.
    pub materials: i64,
}

/// Screenings at one booth on one day with the same outcome, sex, age band and level.
#[derive(Debug, Clone, Serialize)]
pub struct ScreeningGroup {
    /// Booth.
    pub site_id: i64,
    /// Day, ISO.
    pub day: String,
    /// Outcome.
    pub outcome: Outcome,
    /// Sex.
    pub sex: Sex,
    /// Under 18.
    pub minor: bool,
    /// Risk level.
    pub level: RiskLevel,
    /// How many.
    pub n: i64,
}

impl Store {
    /// The latest day with booth records (tallies or screenings) inside `scope`, up to
    /// `today`: what a dashboard opens on when this year has none. Two `MAX` queries, not a
    /// scan of every year's figures.
    pub async fn latest_booth_day(&self, scope: Scope, today: Date) -> Result<Option<Date>> {
        let (cond, value) = scope_condition(
            scope,
            2,
            "place_code",
            Some("site_id"),
            Some("organisation_id"),
        );
        let mut latest: Option<String> = None;
        for (table, live) in [
            ("booth_tally", ""),
            ("screening", " AND withdrawn_at IS NULL"),
        ] {
            let sql = format!("SELECT MAX(day) FROM {table} WHERE day <= $1{live} AND {cond}");
            let mut q = sqlx::query_scalar::<_, Option<String>>(&sql).bind(iso(today));
            if let Some(v) = &value {
                q = q.bind(v.clone());
            }
            latest = latest.max(q.fetch_one(&self.pool).await?);
        }
        Ok(latest.and_then(|d| setu_core::calendar::parse_ad(&d).ok()))
    }

    /// Tallies inside `scope` between two days (inclusive), added up per booth and day.
    pub async fn tally_days(&self, scope: Scope, from: Date, to: Date) -> Result<Vec<TallyDay>> {
        let (cond, value) = scope_condition(
            scope,
            3,
            "place_code",
            Some("site_id"),
            Some("organisation_id"),
        );
        let sql = format!(
            "SELECT site_id, day, CAST(SUM(female_u18) AS BIGINT) AS female_u18, CAST(SUM(male_u18) AS BIGINT) AS male_u18, CAST(SUM(other_u18) AS BIGINT) AS other_u18, \
               CAST(SUM(female_18) AS BIGINT) AS female_18, CAST(SUM(male_18) AS BIGINT) AS male_18, CAST(SUM(other_18) AS BIGINT) AS other_18, CAST(SUM(materials) AS BIGINT) AS materials \
             FROM booth_tally WHERE day >= $1 AND day <= $2 AND {cond} GROUP BY site_id, day ORDER BY day, site_id"
        );
        let mut q = sqlx::query(&sql).bind(iso(from)).bind(iso(to));
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(TallyDay {
                    site_id: r.try_get("site_id")?,
                    day: r.try_get("day")?,
                    informed: participants(r)?,
                    materials: r.try_get("materials")?,
                })
            })
            .collect()
    }

    /// Screenings inside `scope` between two days, counted per booth, day, outcome, sex, age
    /// band and level.
    pub async fn screening_groups(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
    ) -> Result<Vec<ScreeningGroup>> {
        let (cond, value) = scope_condition(
            scope,
            3,
            "place_code",
            Some("site_id"),
            Some("organisation_id"),
        );
        let sql = format!(
            "SELECT site_id, day, outcome, sex, CAST(CASE WHEN age < 18 THEN 1 ELSE 0 END AS BIGINT) AS minor, risk_level, COUNT(*) AS n \
             FROM screening WHERE day >= $1 AND day <= $2 AND withdrawn_at IS NULL AND {cond} \
             GROUP BY site_id, day, outcome, sex, CASE WHEN age < 18 THEN 1 ELSE 0 END, risk_level ORDER BY day, site_id"
        );
        let mut q = sqlx::query(&sql).bind(iso(from)).bind(iso(to));
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let outcome: String = r.try_get("outcome")?;
                let sex: String = r.try_get("sex")?;
                let level: String = r.try_get("risk_level")?;
                Ok(ScreeningGroup {
                    site_id: r.try_get("site_id")?,
                    day: r.try_get("day")?,
                    outcome: Outcome::parse(&outcome).unwrap_or(Outcome::Continued),
                    sex: Sex::parse(&sex).unwrap_or(Sex::Other),
                    minor: r.try_get::<i64, _>("minor")? != 0,
                    level: RiskLevel::parse(&level).unwrap_or(RiskLevel::Low),
                    n: r.try_get("n")?,
                })
            })
            .collect()
    }
}
