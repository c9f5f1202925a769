//! Missing persons and family tracing: the report register (sealed names, status history),
//! police rescues and shelter intakes, and the blocking keys that find a new record's possible
//! matches among the others without reading anyone's name.
//!
//! Blocking keys come from `setu-link` as text built from name skeletons; only their keyed
//! hashes ([`crate::crypto::Keyring::blind_index`]) are stored. A new record's keys are
//! computed in memory from what was just typed, so finding candidates opens nothing.

use std::collections::HashMap;

use serde::Serialize;
use setu_core::access::{Scope, Target};
use setu_core::calendar::iso;
use setu_core::community::Sex;
use setu_core::geo::PlaceCode;
use setu_core::tracing::{
    EncounterDraft, EncounterSource, Names, ReportDraft, ReportStatus, Reporter,
};
use sqlx::any::AnyRow;
use sqlx::Row;
use time::Date;

use crate::audit::{Actor, Event};
use crate::crypto::Keyring;
use crate::jobs;
use crate::records::{Correction, Value};
use crate::rekey::{next_version, FIRST_VERSION};
use crate::scope::scope_condition;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::write::Tx;
use crate::{now_text, Result, Store, StoreError};

/// The kinds of record that take part in matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RecordKind {
    /// A missing-person report.
    Report,
    /// A police rescue or shelter intake.
    Encounter,
    /// A booth screening.
    Screening,
}

impl RecordKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Report => "report",
            RecordKind::Encounter => "encounter",
            RecordKind::Screening => "screening",
        }
    }

    /// The table its records live in.
    pub(crate) fn table(self) -> &'static str {
        match self {
            RecordKind::Report => "missing_report",
            RecordKind::Encounter => "tracing_encounter",
            RecordKind::Screening => "screening",
        }
    }

    /// Every kind.
    pub const ALL: [RecordKind; 3] = [
        RecordKind::Report,
        RecordKind::Encounter,
        RecordKind::Screening,
    ];

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A stored missing-person report. Sealed fields are `None` unless revealed.
#[derive(Debug, Clone, Serialize)]
pub struct MissingReport {
    pub id: String,
    /// Home ward.
    pub place_code: String,
    pub reported_on: String,
    pub last_seen_on: Option<String>,
    pub last_seen_place: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_relation: Reporter,
    pub reporter_phone: Option<String>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub sex: Option<Sex>,
    pub birth_year: Option<i64>,
    pub age: Option<i64>,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub police_ref: Option<String>,
    pub hotline_ref: Option<String>,
    pub status: ReportStatus,
    pub status_on: String,
    pub person_id: Option<String>,
    /// Who recorded it (the report's owner, told when a match is confirmed).
    pub created_by: String,
    pub version: i64,
    /// The organisation that took the report, if not the ward.
    pub organisation_id: Option<i64>,
    /// Whether the reporter agreed to tracing (without it: never matched nor shared).
    pub consent_tracing: bool,
}

impl MissingReport {
    /// Where it lives, for the access decision: the home ward, and the organisation that took
    /// it (whose people see it through their own scope).
    pub fn target(&self) -> Target {
        Target {
            place: self.place_code.parse().ok(),
            site: None,
            organisation: self.organisation_id,
        }
    }
}

/// One step of a report's status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub status: ReportStatus,
    pub on_day: String,
    pub changed_by: String,
}

/// A stored police rescue or shelter intake. Sealed fields are `None` unless revealed.
#[derive(Debug, Clone, Serialize)]
pub struct TracingEncounter {
    pub id: String,
    pub source: EncounterSource,
    pub organisation_id: i64,
    pub place_code: String,
    pub met_on: String,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub sex: Option<Sex>,
    pub age: Option<i64>,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub home_code: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
    pub person_id: Option<String>,
    pub created_by: String,
    pub version: i64,
}

impl TracingEncounter {
    /// Where it lives: the place it happened and the organisation that recorded it.
    pub fn target(&self) -> Target {
        Target {
            place: self.place_code.parse().ok(),
            site: None,
            organisation: Some(self.organisation_id),
        }
    }
}

pub(crate) const REPORT_SEALED: &[&str] = &[
    "last_seen_place",
    "reporter_name",
    "reporter_phone",
    "given_name",
    "middle_name",
    "family_name",
    "father_name",
    "mother_name",
    "phone",
    "description",
];
const REPORT_COLUMNS: &str = "id, place_code, reported_on, last_seen_on, last_seen_place, reporter_name, \
    reporter_relation, reporter_phone, given_name, middle_name, family_name, sex, birth_year, age, father_name, \
    mother_name, phone, description, police_ref, hotline_ref, status, status_on, person_id, created_by, version, \
    organisation_id, consent_tracing";

pub(crate) const ENCOUNTER_SEALED: &[&str] = &[
    "given_name",
    "middle_name",
    "family_name",
    "father_name",
    "mother_name",
    "phone",
    "note",
];
const ENCOUNTER_COLUMNS: &str = "id, source, organisation_id, place_code, met_on, given_name, middle_name, \
    family_name, sex, age, father_name, mother_name, home_code, phone, note, person_id, created_by, version";

/// Purpose of the keyed hash of a blocking key (see [`crate::crypto::Keyring::blind_index`]).
const KEY_PURPOSE: &str = "tracing.key";

/// Reports a register page shows per page.
pub const REGISTER_PAGE: usize = 50;

/// What the register is filtered by.
#[derive(Debug, Clone, Default)]
pub struct RegisterFilter {
    /// Open reports only (missing, still missing, found).
    pub open_only: bool,
    /// One status only.
    pub status: Option<ReportStatus>,
    /// One home ward only (7-digit code).
    pub ward: Option<String>,
}

/// One report as the register lists it: names opened for readers who may, nothing else.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterRow {
    /// Id.
    pub id: String,
    /// Home ward.
    pub place_code: String,
    /// Reported on, ISO.
    pub reported_on: String,
    /// Given name, when revealed.
    pub given_name: Option<String>,
    /// Middle name, when revealed.
    pub middle_name: Option<String>,
    /// Family name, when revealed.
    pub family_name: Option<String>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Year of birth.
    pub birth_year: Option<i64>,
    /// Age when reported.
    pub age: Option<i64>,
    /// Status.
    pub status: ReportStatus,
    /// Since, ISO.
    pub status_on: String,
}

/// A page of the register, and the report to start the next page after (if there is one).
#[derive(Debug, Clone)]
pub struct RegisterRows {
    /// The page.
    pub rows: Vec<RegisterRow>,
    /// The last report of this page, when another page follows.
    pub next: Option<String>,
}

impl Store {
    /// Names of the district and local level of a ward, as the matcher reads places.
    async fn home_names(&self, home: Option<PlaceCode>) -> Result<(String, String, Option<i32>)> {
        let Some(ward @ PlaceCode::Ward { ward: number, .. }) = home else {
            return Ok((String::new(), String::new(), None));
        };
        if let Some(known) = self.homes.get(ward) {
            return Ok(known);
        }
        let local = ward.parent();
        let district = local.and_then(PlaceCode::parent);
        let codes: Vec<PlaceCode> = [district, local].into_iter().flatten().collect();
        let places = self.places(&codes).await?;
        let name = |code: Option<PlaceCode>| {
            places
                .iter()
                .find(|p| Some(p.code) == code)
                .and_then(|p| p.name_en.clone())
                .unwrap_or_default()
        };
        let names = (name(district), name(local), Some(i32::from(number)));
        self.homes.put(ward, names.clone());
        Ok(names)
    }

    /// The keyed hashes of a record's blocking keys (what is stored and looked up: the keys
    /// themselves are built from names and never leave memory).
    pub(crate) fn key_hashes(&self, record: &setu_link::Record) -> Vec<String> {
        let mut hashes: Vec<String> = setu_link::keys_of(record)
            .iter()
            .map(|key| self.keys.blind_index(KEY_PURPOSE, key))
            .collect();
        hashes.sort();
        hashes.dedup();
        hashes
    }

    /// Records of other kinds (or other records of the same kind) that share a blocking key
    /// with this one: the candidates a new record is compared with. Found by keyed hash alone.
    pub async fn tracing_candidates(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Vec<(RecordKind, String)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT other.kind, other.record_id FROM tracing_key mine \
             JOIN tracing_key other ON other.key_hash = mine.key_hash \
             WHERE mine.kind = $1 AND mine.record_id = $2 \
               AND NOT (other.kind = mine.kind AND other.record_id = mine.record_id) \
             ORDER BY other.kind, other.record_id",
        )
        .bind(kind.as_str())
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let k: String = r.try_get("kind")?;
            if let Some(k) = RecordKind::parse(&k) {
                out.push((k, r.try_get("record_id")?));
            }
        }
        Ok(out)
    }

    /// Corrects a report (the description or a phone completed after the first visit, a name
    /// spelled right) if still at `version`; a changed report is keyed and matched again. The
    /// status moves on its own path ([`Store::set_report_status`] and matching). See
    /// [`Store::correct`].
    pub async fn correct_report(
        &self,
        by: &Actor,
        id: &str,
        version: i64,
        d: &ReportDraft,
    ) -> Result<i64> {
        self.require_place(d.home).await?;
        self.require_organisation(d.organisation).await?;
        let text = |v: &Option<String>| Value::Text(v.clone());
        let n = &d.names;
        let correction = Correction {
            entity: "missing-report",
            table: "missing_report",
            id,
            version,
            place: Some(d.home),
            fields: vec![
                ("place_code", Value::Text(Some(d.home.to_string())), false),
                ("reported_on", Value::Text(Some(iso(d.reported_on))), false),
                ("last_seen_on", Value::Text(d.last_seen_on.map(iso)), false),
                ("last_seen_place", text(&d.last_seen_place), true),
                (
                    "reporter_name",
                    Value::Text(Some(d.reporter_name.clone())),
                    true,
                ),
                (
                    "reporter_relation",
                    Value::Text(Some(d.reporter_relation.as_str().into())),
                    false,
                ),
                ("reporter_phone", text(&d.reporter_phone), true),
                ("given_name", text(&n.given_name), true),
                ("middle_name", text(&n.middle_name), true),
                ("family_name", text(&n.family_name), true),
                ("sex", Value::Text(n.sex.map(|s| s.as_str().into())), false),
                ("birth_year", Value::Int(d.birth_year.map(i64::from)), false),
                ("age", Value::Int(d.age.map(i64::from)), false),
                ("father_name", text(&n.father_name), true),
                ("mother_name", text(&n.mother_name), true),
                ("phone", text(&d.phone), true),
                ("description", text(&d.description), true),
                ("police_ref", text(&d.police_ref), false),
                ("hotline_ref", text(&d.hotline_ref), false),
                ("organisation_id", Value::Int(d.organisation), false),
                (
                    "consent_tracing",
                    Value::Int(Some(i64::from(d.consent_tracing))),
                    false,
                ),
            ],
            rematch: Some(RecordKind::Report.as_str()),
        };
        self.correct(by, &correction).await
    }

    /// Registers a missing-person report: sealed, audited, its status history started and its
    /// blocking keys stored. Returns its id.
    pub async fn create_report(&self, by: &Actor, d: &ReportDraft) -> Result<String> {
        self.require_place(d.home).await?;
        self.require_organisation(d.organisation).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| {
            Box::pin(async move {
                self.insert_report(tx, by, id, d, &Surveyed::No).await?;
                audited((), report_created(id, d))
            })
        })
        .await?;
        self.jobs_queued().await;
        Ok(id.clone())
    }

    /// Imports a ward survey in one write: each surveyed person a report (sealed, matched like
    /// any other), stored once under her submission's id; a submission already imported is
    /// left as it is. Returns (added, already imported).
    pub async fn import_survey(
        &self,
        by: &Actor,
        local_level: PlaceCode,
        rows: &[setu_core::survey::SurveyRow],
    ) -> Result<(usize, usize)> {
        if rows.iter().any(|r| !r.report.home.is_within(local_level)) {
            return Err(StoreError::Rejected("error-ward-unknown"));
        }
        let ids: Vec<String> = rows
            .iter()
            .map(|_| uuid::Uuid::new_v4().to_string())
            .collect();
        let ids = &ids;
        let done = self
            .write(|tx, _| {
                Box::pin(async move {
                    let (mut added, mut known) = (0, 0);
                    for (row, id) in rows.iter().zip(ids) {
                        let exists =
                            sqlx::query("SELECT id FROM missing_report WHERE submission_id = $1")
                                .bind(row.submission.clone())
                                .fetch_optional(&mut **tx)
                                .await?
                                .is_some();
                        if exists {
                            known += 1;
                            continue;
                        }
                        let surveyed = Surveyed::Yes(row.submission.clone(), row.status);
                        self.insert_report(tx, by, id, &row.report, &surveyed)
                            .await?;
                        crate::audit::append(
                            tx,
                            by,
                            &report_created(id, &row.report).detail("survey"),
                        );
                        added += 1;
                    }
                    crate::audit::append(
                        tx,
                        by,
                        &Event::new("import", "ward-survey", local_level.to_string())
                            .at(local_level)
                            .detail(format!("added {added} already {known}")),
                    );
                    Ok((added, known))
                })
            })
            .await?;
        self.jobs_queued().await;
        Ok(done)
    }

    /// Writes a report (its status history and its match job) inside a write.
    async fn insert_report(
        &self,
        tx: &mut Tx,
        by: &Actor,
        id: &str,
        d: &ReportDraft,
        surveyed: &Surveyed,
    ) -> Result<()> {
        let seal = |col: &str, v: &Option<String>| -> Result<Option<String>> {
            v.as_ref()
                .map(|v| self.keys.seal("missing_report", col, id, FIRST_VERSION, v))
                .transpose()
                .map_err(StoreError::from)
        };
        let n = &d.names;
        let now = now_text();
        let (submission, trafficked, status) = match surveyed {
            Surveyed::No => (None, false, ReportStatus::Missing),
            Surveyed::Yes(s, found) => (
                Some(s.clone()),
                found.trafficked(),
                if *found == setu_core::survey::SurveyStatus::Returned {
                    ReportStatus::ReturnedHome
                } else {
                    ReportStatus::Missing
                },
            ),
        };
        sqlx::query(
            "INSERT INTO missing_report (id, place_code, reported_on, last_seen_on, last_seen_place, reporter_name, \
               reporter_relation, reporter_phone, given_name, middle_name, family_name, sex, birth_year, age, \
               father_name, mother_name, phone, description, police_ref, hotline_ref, status, status_on, person_id, \
               created_by, created_at, version, organisation_id, consent_tracing, submission_id, trafficked) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CAST($13 AS BIGINT), CAST($14 AS BIGINT), \
               $15, $16, $17, $18, $19, $20, $27, $3, NULL, $21, $22, 1, CAST($23 AS BIGINT), $24, $25, $26)",
        )
        .bind(id.to_string())
        .bind(d.home.to_string())
        .bind(iso(d.reported_on))
        .bind(d.last_seen_on.map(iso))
        .bind(seal("last_seen_place", &d.last_seen_place)?)
        .bind(seal("reporter_name", &Some(d.reporter_name.clone()))?)
        .bind(d.reporter_relation.as_str())
        .bind(seal("reporter_phone", &d.reporter_phone)?)
        .bind(seal("given_name", &n.given_name)?)
        .bind(seal("middle_name", &n.middle_name)?)
        .bind(seal("family_name", &n.family_name)?)
        .bind(n.sex.map(Sex::as_str))
        .bind(d.birth_year.map(|v| v.to_string()))
        .bind(d.age.map(|v| v.to_string()))
        .bind(seal("father_name", &n.father_name)?)
        .bind(seal("mother_name", &n.mother_name)?)
        .bind(seal("phone", &d.phone)?)
        .bind(seal("description", &d.description)?)
        .bind(d.police_ref.clone())
        .bind(d.hotline_ref.clone())
        .bind(by.name.clone())
        .bind(now.clone())
        .bind(d.organisation.map(|o| o.to_string()))
        .bind(i64::from(d.consent_tracing))
        .bind(submission)
        .bind(i64::from(trafficked))
        .bind(status.as_str())
        .execute(&mut **tx)
        .await?;
        record_status(tx, id, status, d.reported_on, by, &now).await?;
        jobs::enqueue(tx, jobs::MATCH, RecordKind::Report.as_str(), id, &by.name).await?;
        Ok(())
    }

    /// One report; sealed fields opened (and the opening audited) with `reveal`.
    pub async fn report(&self, id: &str, reveal: Reveal<'_>) -> Result<MissingReport> {
        let r = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM missing_report WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        self.report_from_row(&r, reveal).await
    }

    /// One page of the register (see [`REGISTER_PAGE`]): reports inside `scope` that pass
    /// `filter`, open ones first, newest first, after the report `after` (the last of the page
    /// before). Only the names the register shows are opened, and a reader's view of the page is
    /// one audit entry naming its reports. Filters and the position are in the query (keyset
    /// paging), so a page costs the same on the thousandth page as on the first.
    pub async fn register_page(
        &self,
        scope: Scope,
        filter: &RegisterFilter,
        after: Option<&str>,
        reveal: Reveal<'_>,
    ) -> Result<RegisterRows> {
        // Migration 0021 indexes exactly this expression (with reported_on DESC, id DESC): a page
        // is read in index order only while the two are written the same.
        const RANK: &str =
            "CASE WHEN status IN ('missing', 'still-missing', 'found') THEN 0 ELSE 1 END";
        let (cond, value) = scope_condition(scope, 1, "place_code", None, Some("organisation_id"));
        let mut binds: Vec<String> = value.into_iter().collect();
        let mut sql = format!(
            "SELECT id, place_code, reported_on, sex, birth_year, age, status, status_on, given_name, \
               middle_name, family_name, version, {RANK} AS rank FROM missing_report \
               WHERE {cond} AND withdrawn_at IS NULL"
        );
        let bind = |v: String, binds: &mut Vec<String>| {
            binds.push(v);
            format!("${}", binds.len())
        };
        if filter.open_only {
            sql.push_str(" AND status IN ('missing', 'still-missing', 'found')");
        }
        if let Some(s) = filter.status {
            let n = bind(s.as_str().to_string(), &mut binds);
            sql.push_str(&format!(" AND status = {n}"));
        }
        if let Some(w) = &filter.ward {
            let n = bind(w.clone(), &mut binds);
            sql.push_str(&format!(" AND place_code = {n}"));
        }
        if let Some(after) = after {
            let row = sqlx::query(&format!(
                "SELECT {RANK} AS rank, reported_on FROM missing_report WHERE id = $1"
            ))
            .bind(after.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
            let rank: i64 = row.try_get("rank")?;
            let (r, d, i) = (
                bind(rank.to_string(), &mut binds),
                bind(row.try_get("reported_on")?, &mut binds),
                bind(after.to_string(), &mut binds),
            );
            sql.push_str(&format!(
                " AND ({RANK} > CAST({r} AS BIGINT) OR ({RANK} = CAST({r} AS BIGINT) AND \
                   (reported_on < {d} OR (reported_on = {d} AND id < {i}))))"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY rank, reported_on DESC, id DESC LIMIT {}",
            REGISTER_PAGE + 1
        ));
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        let mut rows = q.fetch_all(&self.pool).await?;
        let more = rows.len() > REGISTER_PAGE;
        rows.truncate(REGISTER_PAGE);
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let names = ["given_name", "middle_name", "family_name"];
        let open = self
            .page_opener(
                reveal,
                "missing-report",
                "missing_report",
                &ids,
                &names,
                // Where auditors of that place find the view.
                match scope {
                    Scope::Place(p) => Some(p),
                    _ => None,
                },
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (r, id) in rows.iter().zip(&ids) {
            let row = open.row("missing_report", id);
            let sex: Option<String> = r.try_get("sex")?;
            let status: String = r.try_get("status")?;
            out.push(RegisterRow {
                id: id.clone(),
                place_code: r.try_get("place_code")?,
                reported_on: r.try_get("reported_on")?,
                given_name: row.get(r, "given_name")?,
                middle_name: row.get(r, "middle_name")?,
                family_name: row.get(r, "family_name")?,
                sex: sex.as_deref().and_then(Sex::parse),
                birth_year: r.try_get("birth_year")?,
                age: r.try_get("age")?,
                status: ReportStatus::parse(&status).unwrap_or(ReportStatus::Missing),
                status_on: r.try_get("status_on")?,
            });
        }
        let next = if more { ids.last().cloned() } else { None };
        Ok(RegisterRows { rows: out, next })
    }

    /// The home wards of the reports inside `scope` (for the register's ward filter).
    pub async fn report_wards(&self, scope: Scope) -> Result<Vec<String>> {
        let (cond, value) = scope_condition(scope, 1, "place_code", None, Some("organisation_id"));
        let sql = format!(
            "SELECT DISTINCT place_code FROM missing_report WHERE {cond} AND withdrawn_at IS NULL \
             ORDER BY place_code"
        );
        self.scoped_rows(&sql, value)
            .await?
            .iter()
            .map(|r| Ok(r.try_get("place_code")?))
            .collect()
    }

    /// Reports inside `scope` counted by home ward and status: the register as readers without
    /// `read-personal` see it (nothing opened, nothing audited).
    pub async fn report_counts(&self, scope: Scope) -> Result<Vec<(String, ReportStatus, i64)>> {
        let (cond, value) = scope_condition(scope, 1, "place_code", None, Some("organisation_id"));
        let sql = format!(
            "SELECT place_code, status, COUNT(*) AS n FROM missing_report \
             WHERE {cond} AND withdrawn_at IS NULL \
             GROUP BY place_code, status ORDER BY place_code"
        );
        self.scoped_rows(&sql, value)
            .await?
            .iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok((
                    r.try_get("place_code")?,
                    ReportStatus::parse(&status).unwrap_or(ReportStatus::Missing),
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Police rescues and shelter intakes inside `scope` counted by place and source.
    pub async fn encounter_counts(
        &self,
        scope: Scope,
    ) -> Result<Vec<(String, EncounterSource, i64)>> {
        let (cond, value) = scope_condition(scope, 1, "place_code", None, Some("organisation_id"));
        let sql = format!(
            "SELECT place_code, source, COUNT(*) AS n FROM tracing_encounter \
             WHERE {cond} AND withdrawn_at IS NULL \
             GROUP BY place_code, source ORDER BY place_code"
        );
        self.scoped_rows(&sql, value)
            .await?
            .iter()
            .map(|r| {
                let source: String = r.try_get("source")?;
                Ok((
                    r.try_get("place_code")?,
                    EncounterSource::parse(&source).unwrap_or(EncounterSource::Police),
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    async fn report_from_row(&self, r: &AnyRow, reveal: Reveal<'_>) -> Result<MissingReport> {
        let id: String = r.try_get("id")?;
        let place_code: String = r.try_get("place_code")?;
        let opener = self
            .opener(
                reveal,
                "missing-report",
                "missing_report",
                &id,
                &place_code,
                REPORT_SEALED,
            )
            .await?;
        let open = |col: &str| opener.get(r, col);
        let relation: String = r.try_get("reporter_relation")?;
        let sex: Option<String> = r.try_get("sex")?;
        let status: String = r.try_get("status")?;
        Ok(MissingReport {
            reported_on: r.try_get("reported_on")?,
            last_seen_on: r.try_get("last_seen_on")?,
            last_seen_place: open("last_seen_place")?,
            reporter_name: open("reporter_name")?,
            reporter_relation: Reporter::parse(&relation).unwrap_or(Reporter::Other),
            reporter_phone: open("reporter_phone")?,
            given_name: open("given_name")?,
            middle_name: open("middle_name")?,
            family_name: open("family_name")?,
            sex: sex.as_deref().and_then(Sex::parse),
            birth_year: r.try_get("birth_year")?,
            age: r.try_get("age")?,
            father_name: open("father_name")?,
            mother_name: open("mother_name")?,
            phone: open("phone")?,
            description: open("description")?,
            police_ref: r.try_get("police_ref")?,
            hotline_ref: r.try_get("hotline_ref")?,
            status: ReportStatus::parse(&status).unwrap_or(ReportStatus::Missing),
            status_on: r.try_get("status_on")?,
            person_id: r.try_get("person_id")?,
            created_by: r.try_get("created_by")?,
            version: r.try_get("version")?,
            organisation_id: r.try_get("organisation_id")?,
            consent_tracing: r.try_get::<i64, _>("consent_tracing")? != 0,
            id,
            place_code,
        })
    }

    /// Moves a report to `next` on `on` (found, returned home…), if its status allows and
    /// nobody changed it since `version` was read.
    pub async fn set_report_status(
        &self,
        by: &Actor,
        id: &str,
        version: i64,
        next: ReportStatus,
        on: Date,
    ) -> Result<()> {
        let current = self.report(id, Reveal::No).await?;
        if !current.status.can_move_to(next) {
            return Err(StoreError::Rejected("error-status-move"));
        }
        let current = &current;
        self.record(by, |tx, _| {
            Box::pin(async move {
                if !move_report(tx, &self.keys, id, version, next, on, by).await? {
                    return Err(StoreError::Conflict {
                        current: current.version,
                    });
                }
                let place: Option<PlaceCode> = current.place_code.parse().ok();
                let mut event = Event::new("update", "missing-report", id)
                    .detail(format!("status {}", next.as_str()));
                event.place = place;
                audited((), event)
            })
        })
        .await?;
        Ok(())
    }

    /// A report's status history, oldest first.
    pub async fn report_history(&self, id: &str) -> Result<Vec<StatusChange>> {
        let rows = sqlx::query(
            "SELECT status, on_day, changed_by FROM report_status_change WHERE report_id = $1 \
             ORDER BY changed_at, on_day",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let s: String = r.try_get("status")?;
                Ok(StatusChange {
                    status: ReportStatus::parse(&s).unwrap_or(ReportStatus::Missing),
                    on_day: r.try_get("on_day")?,
                    changed_by: r.try_get("changed_by")?,
                })
            })
            .collect()
    }

    /// Records a police rescue or a shelter intake (sealed, audited, keys stored).
    pub async fn create_encounter(&self, by: &Actor, d: &EncounterDraft) -> Result<String> {
        self.require_place(d.place).await?;
        if let Some(home) = d.home {
            self.require_place(home).await?;
        }
        self.require_organisation(Some(d.organisation)).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let seal = |col: &str, v: &Option<String>| -> Result<Option<String>> {
            v.as_ref()
                .map(|v| {
                    self.keys
                        .seal("tracing_encounter", col, &id, FIRST_VERSION, v)
                })
                .transpose()
                .map_err(StoreError::from)
        };
        let n = &d.names;
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO tracing_encounter (id, source, organisation_id, place_code, met_on, given_name, middle_name, \
               family_name, sex, age, father_name, mother_name, home_code, phone, note, person_id, created_by, \
               created_at, version) \
             VALUES ($1, $2, CAST($3 AS BIGINT), $4, $5, $6, $7, $8, $9, CAST($10 AS BIGINT), $11, $12, $13, $14, $15, \
               NULL, $16, $17, 1)",
        )
        .bind(id.clone())
        .bind(d.source.as_str())
        .bind(d.organisation.to_string())
        .bind(d.place.to_string())
        .bind(iso(d.met_on))
        .bind(seal("given_name", &n.given_name)?)
        .bind(seal("middle_name", &n.middle_name)?)
        .bind(seal("family_name", &n.family_name)?)
        .bind(n.sex.map(Sex::as_str))
        .bind(d.age.map(|v| v.to_string()))
        .bind(seal("father_name", &n.father_name)?)
        .bind(seal("mother_name", &n.mother_name)?)
        .bind(d.home.map(|h| h.to_string()))
        .bind(seal("phone", &d.phone)?)
        .bind(seal("note", &d.note)?)
        .bind(by.name.clone())
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
        jobs::enqueue(tx, jobs::MATCH, RecordKind::Encounter.as_str(), id, &by.name).await?;
        audited((), Event::new("create", "tracing-encounter", id)
                .at(d.place)
                .fields(ENCOUNTER_SEALED)
                .detail(d.source.as_str().to_string()))
        })).await?;
        self.jobs_queued().await;
        Ok(id.clone())
    }

    /// One police rescue or shelter intake; sealed fields opened (audited) with `reveal`.
    pub async fn tracing_encounter(
        &self,
        id: &str,
        reveal: Reveal<'_>,
    ) -> Result<TracingEncounter> {
        let r = sqlx::query(&format!(
            "SELECT {ENCOUNTER_COLUMNS} FROM tracing_encounter WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        self.encounter_from_row(&r, reveal).await
    }

    /// Police rescues and shelter intakes inside `scope` (by place or recording
    /// organisation), newest first.
    pub async fn tracing_encounters(
        &self,
        scope: Scope,
        reveal: Reveal<'_>,
    ) -> Result<Vec<TracingEncounter>> {
        let (cond, value) = scope_condition(scope, 1, "place_code", None, Some("organisation_id"));
        let sql = format!(
            "SELECT {ENCOUNTER_COLUMNS} FROM tracing_encounter WHERE {cond} AND withdrawn_at IS NULL \
             ORDER BY met_on DESC, id"
        );
        let mut out = Vec::new();
        for r in &self.scoped_rows(&sql, value).await? {
            out.push(self.encounter_from_row(r, reveal).await?);
        }
        Ok(out)
    }

    async fn encounter_from_row(&self, r: &AnyRow, reveal: Reveal<'_>) -> Result<TracingEncounter> {
        let id: String = r.try_get("id")?;
        let place_code: String = r.try_get("place_code")?;
        let opener = self
            .opener(
                reveal,
                "tracing-encounter",
                "tracing_encounter",
                &id,
                &place_code,
                ENCOUNTER_SEALED,
            )
            .await?;
        let open = |col: &str| opener.get(r, col);
        let source: String = r.try_get("source")?;
        let sex: Option<String> = r.try_get("sex")?;
        Ok(TracingEncounter {
            source: EncounterSource::parse(&source).unwrap_or(EncounterSource::Police),
            organisation_id: r.try_get("organisation_id")?,
            met_on: r.try_get("met_on")?,
            given_name: open("given_name")?,
            middle_name: open("middle_name")?,
            family_name: open("family_name")?,
            sex: sex.as_deref().and_then(Sex::parse),
            age: r.try_get("age")?,
            father_name: open("father_name")?,
            mother_name: open("mother_name")?,
            home_code: r.try_get("home_code")?,
            phone: open("phone")?,
            note: open("note")?,
            person_id: r.try_get("person_id")?,
            created_by: r.try_get("created_by")?,
            version: r.try_get("version")?,
            id,
            place_code,
        })
    }
}

impl Store {
    /// The person a record has been linked to by a confirmed match, if any.
    pub async fn person_of(&self, kind: RecordKind, id: &str) -> Result<Option<String>> {
        person_in(&mut *self.pool.acquire().await?, kind, id).await
    }

    /// Every record of a kind that takes part in matching (or only those with the ids in
    /// `only`), as the matcher reads them: one query per kind (per 500 ids), place names from a
    /// cache, so that re-learning a register of thousands and matching a batch stay short.
    /// Opened in memory only.
    pub(crate) async fn link_rows(
        &self,
        kind: RecordKind,
        only: Option<&[String]>,
    ) -> Result<Vec<LinkRow>> {
        let (table, select) = match kind {
            RecordKind::Report => (
                "missing_report",
                "SELECT id, place_code, place_code AS home_code, reported_on AS on_day, given_name, middle_name, \
                 family_name, sex, birth_year, age, father_name, mother_name, phone, created_by, status AS flag, version \
                 FROM missing_report WHERE consent_tracing = 1 AND withdrawn_at IS NULL",
            ),
            RecordKind::Encounter => (
                "tracing_encounter",
                "SELECT id, place_code, home_code, met_on AS on_day, given_name, middle_name, family_name, sex, \
                 CAST(NULL AS BIGINT) AS birth_year, age, father_name, mother_name, phone, created_by, \
                 source AS flag, version FROM tracing_encounter WHERE withdrawn_at IS NULL",
            ),
            // Only screenings with names (consent to record) whose subject agreed to sharing
            // take part in matching; a report only with the reporter's consent to tracing.
            RecordKind::Screening => (
                "screening",
                "SELECT id, place_code, home_code, day AS on_day, given_name, CAST(NULL AS TEXT) AS middle_name, \
                 family_name, sex, birth_date, age, CAST(NULL AS TEXT) AS father_name, \
                 CAST(NULL AS TEXT) AS mother_name, phone, created_by, consent_share AS flag, version FROM screening \
                 WHERE (given_name IS NOT NULL OR family_name IS NOT NULL) AND consent_share = 1 \
                   AND withdrawn_at IS NULL",
            ),
        };
        let rows = match only {
            None => {
                sqlx::query(&format!("{select} ORDER BY id"))
                    .fetch_all(&self.pool)
                    .await?
            }
            Some(ids) => {
                let mut rows = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                    let sql = format!("{select} AND id IN ({}) ORDER BY id", marks.join(", "));
                    let mut q = sqlx::query(&sql);
                    for id in chunk {
                        q = q.bind(id.clone());
                    }
                    rows.extend(q.fetch_all(&self.pool).await?);
                }
                rows
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.link_row(kind, table, r).await?);
        }
        Ok(out)
    }

    /// One row of [`Store::link_rows`], opened.
    async fn link_row(&self, kind: RecordKind, table: &str, r: &AnyRow) -> Result<LinkRow> {
        let id: String = r.try_get("id")?;
        let at = crate::rekey::row_version(table, r)?;
        let open = |col: &str| -> Result<Option<String>> {
            let v: Option<String> = r.try_get(col)?;
            v.map(|v| {
                self.keys
                    .open(table, col, &id, at, &v)
                    .map_err(StoreError::from)
            })
            .transpose()
        };
        let sex: Option<String> = r.try_get("sex")?;
        let on_day: String = r.try_get("on_day")?;
        let home: Option<String> = r.try_get("home_code")?;
        let names = Names {
            given_name: open("given_name")?,
            middle_name: open("middle_name")?,
            family_name: open("family_name")?,
            sex: sex.as_deref().and_then(Sex::parse),
            father_name: open("father_name")?,
            mother_name: open("mother_name")?,
        };
        let year = |v: Option<i64>| v.and_then(|v| i32::try_from(v).ok());
        let birth_year = if kind == RecordKind::Screening {
            // Screenings keep a (sealed) birth date, not a year.
            open("birth_date")?.and_then(|d| d.get(..4).and_then(|y| y.parse().ok()))
        } else {
            year(r.try_get("birth_year")?)
        };
        let on = setu_core::calendar::parse_ad(&on_day).map_err(|_| StoreError::NotFound)?;
        let homes = self
            .home_names(home.as_deref().and_then(|h| h.parse().ok()))
            .await?;
        let record = link_record_at(
            &names,
            birth_year,
            year(r.try_get("age")?),
            on,
            homes,
            open("phone")?.as_deref(),
        );
        let flag = match kind {
            RecordKind::Screening => r.try_get::<i64, _>("flag")?.to_string(),
            _ => r.try_get("flag")?,
        };
        Ok(LinkRow {
            kind,
            record,
            place: r.try_get("place_code")?,
            created_by: r.try_get("created_by")?,
            flag,
            id,
        })
    }
}

/// Names of the district and local level of each ward the matcher has read (places do not
/// change while a server runs), so that a batch reads each place once.
#[derive(Debug, Default)]
pub(crate) struct HomeNames(std::sync::Mutex<HashMap<PlaceCode, HomeOf>>);

/// The district's and local level's names and the ward number of a home, as the matcher reads
/// a place.
type HomeOf = (String, String, Option<i32>);

impl HomeNames {
    fn get(&self, ward: PlaceCode) -> Option<HomeOf> {
        self.0.lock().ok()?.get(&ward).cloned()
    }

    fn put(&self, ward: PlaceCode, names: HomeOf) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(ward, names);
        }
    }
}

/// A record as the matcher reads it, with what scope and alerts need (never shown to anyone).
#[derive(Debug, Clone)]
pub(crate) struct LinkRow {
    pub(crate) kind: RecordKind,
    pub(crate) id: String,
    pub(crate) record: setu_link::Record,
    /// Its place code, for scope (a report's home ward).
    pub(crate) place: String,
    /// Who recorded it (told of a likely match).
    pub(crate) created_by: String,
    /// A report's status, an encounter's source, a screening's consent to share (`1`/`0`).
    pub(crate) flag: String,
}

/// The matcher's view of a person, with the names of her home's district and local level.
#[allow(clippy::too_many_arguments)]
fn link_record_at(
    names: &Names,
    birth_year: Option<i32>,
    age: Option<i32>,
    on: Date,
    (district, municipality, ward): (String, String, Option<i32>),
    phone: Option<&str>,
) -> setu_link::Record {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    setu_link::Record {
        given_name: text(&names.given_name),
        middle_name: text(&names.middle_name),
        family_name: text(&names.family_name),
        sex: match names.sex {
            Some(Sex::Female) => "F",
            Some(Sex::Male) => "M",
            Some(Sex::Other) => "O",
            None => "",
        }
        .to_string(),
        birth_year,
        age,
        event_day: Some(on.to_julian_day() - 2_440_588),
        father_name: text(&names.father_name),
        mother_name: text(&names.mother_name),
        district,
        municipality,
        ward,
        phone: phone.unwrap_or_default().to_string(),
    }
}

/// Moves a report to `next` on `on` if it is still at `version`, with its history entry (in
/// the caller's transaction). False if someone changed it since. The caller has checked that
/// the move is allowed ([`ReportStatus::can_move_to`]).
pub(crate) async fn move_report(
    tx: &mut Tx,
    keys: &Keyring,
    id: &str,
    version: i64,
    next: ReportStatus,
    on: Date,
    by: &Actor,
) -> Result<bool> {
    if next_version(tx, keys, "missing_report", id, Some(version))
        .await?
        .is_none()
    {
        return Ok(false);
    }
    let done = sqlx::query("UPDATE missing_report SET status = $1, status_on = $2 WHERE id = $3")
        .bind(next.as_str())
        .bind(iso(on))
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    record_status(tx, id, next, on, by, &now_text()).await?;
    Ok(true)
}

async fn record_status(
    tx: &mut Tx,
    id: &str,
    status: ReportStatus,
    on: Date,
    by: &Actor,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO report_status_change (report_id, status, on_day, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(status.as_str())
    .bind(iso(on))
    .bind(by.name.clone())
    .bind(now.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The person a record is linked to, read on `conn` (inside a transaction, what it sees).
pub(crate) async fn person_in(
    conn: &mut sqlx::AnyConnection,
    kind: RecordKind,
    id: &str,
) -> Result<Option<String>> {
    let sql = format!("SELECT person_id FROM {} WHERE id = $1", kind.table());
    Ok(sqlx::query(&sql)
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?
        .map(|r| r.try_get::<Option<String>, _>("person_id"))
        .transpose()?
        .flatten())
}

/// Whether a report comes from the ward survey: its submission's id and what it found.
#[derive(Debug)]
enum Surveyed {
    /// Made on the report form or the API.
    No,
    /// Imported from a survey.
    Yes(String, setu_core::survey::SurveyStatus),
}

/// The audit entry of a new report (names of the sealed fields only).
fn report_created(id: &str, d: &ReportDraft) -> Event<'static> {
    Event::new("create", "missing-report", id)
        .at(d.home)
        .fields(REPORT_SEALED)
}
