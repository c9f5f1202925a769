//! Survivor cases (issue 16): opened from the record the survivor was met in (carried over,
//! never typed again) or directly, held by an organisation; and the consents that decide what
//! may be shared. Identifying fields are sealed and every view of them audited, as elsewhere.
//! A consent is withdrawn by dating its withdrawal: sharing stops from that day, and what was
//! shared before stays explained by the consent that allowed it.

use setu_core::access::{Capability, Scope};
use setu_core::calendar::iso;
use setu_core::cases::{
    CaseDraft, CaseOrigin, CaseStatus, CloseReason, ConsentDraft, ConsentKind, DeclineReason,
};
use setu_core::community::Sex;
use setu_core::PlaceCode;
use sqlx::any::AnyRow;
use sqlx::Row;
use time::Date;

use crate::audit::{Actor, Event};
use crate::auth::User;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// What declining or undoing a closure clears.
const CLEAR_ASKED: &str =
    ", close_reason = NULL, close_note = NULL, closure_asked_by = NULL, closure_asked_on = NULL";

/// Sealed values are bound to the row's version; a case starts at 1.
const FIRST_VERSION: i64 = 1;

const COLUMNS: &str = "id, organisation_id, caseworker_id, origin, origin_id, given_name, \
    family_name, sex, birth_year, home_ward, guardian_name, guardian_relation, opened_on, status, \
    close_reason, close_note, closure_asked_by, closure_asked_on, closed_by, closed_on, version, \
    transfer_to, transfer_asked_by, transfer_asked_on, transfer_declined, returned_on";

/// What settling a transfer (accepted, declined or called back) clears.
const CLEAR_TRANSFER: &str =
    ", transfer_to = NULL, transfer_asked_by = NULL, transfer_asked_on = NULL";

/// A survivor's case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Id (UUID).
    pub id: String,
    /// The organisation holding it.
    pub organisation_id: i64,
    /// Its caseworker (user id), once assigned.
    pub caseworker_id: Option<String>,
    /// What it was opened from, and that record's id.
    pub origin: CaseOrigin,
    /// The record it came from.
    pub origin_id: Option<String>,
    /// Given name, when revealed.
    pub given_name: Option<String>,
    /// Family name, when revealed.
    pub family_name: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Year of birth (AD).
    pub birth_year: Option<i32>,
    /// Home ward.
    pub home: Option<PlaceCode>,
    /// A child's guardian, when revealed.
    pub guardian_name: Option<String>,
    /// The guardian's relation.
    pub guardian_relation: Option<String>,
    /// Opened on (ISO).
    pub opened_on: String,
    /// Where it stands.
    pub status: CaseStatus,
    /// Why it is (or is asked to be) closed.
    pub close_reason: Option<CloseReason>,
    /// A note on the closure, when revealed (sealed: it is about her).
    pub close_note: Option<String>,
    /// Who asked to close it (username) and when (ISO day).
    pub closure_asked: Option<(String, String)>,
    /// Who approved the closure (username) and when (ISO day).
    pub closed: Option<(String, String)>,
    /// Its version.
    pub version: i64,
    /// Where it is being transferred, while it waits for the receiving organisation.
    pub transfer: Option<Transfer>,
    /// Why the last transfer was declined, until the case is sent again.
    pub transfer_declined: Option<DeclineReason>,
    /// The day she went home (ISO), from which she is followed up.
    pub returned_on: Option<String>,
}

/// A transfer waiting for the receiving organisation to accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The receiving organisation.
    pub to: i64,
    /// Who sent it (username).
    pub asked_by: String,
    /// When (ISO day).
    pub asked_on: String,
}

/// A consent as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Id (UUID).
    pub id: String,
    /// What was consented to.
    pub kind: ConsentKind,
    /// For sharing: with whom.
    pub with_org: Option<i64>,
    /// Given on (ISO).
    pub given_on: String,
    /// Who took it.
    pub taken_by: String,
    /// Whether the guardian consented too.
    pub guardian: bool,
    /// Withdrawn on (ISO): from that day it allows nothing.
    pub withdrawn_on: Option<String>,
}

impl Consent {
    /// Whether it stood on `day`: given by then and not withdrawn by then.
    pub fn stands_on(&self, day: Date) -> bool {
        let day = iso(day);
        self.given_on <= day && self.withdrawn_on.as_ref().is_none_or(|w| *w > day)
    }
}

impl Store {
    /// Opens a case for the organisation the draft names, by `by`, who becomes its caseworker
    /// when `caseworker` is given. A record it is opened from must exist.
    pub async fn open_case(
        &self,
        by: &Actor,
        d: &CaseDraft,
        caseworker: Option<&str>,
    ) -> Result<String> {
        self.organisation(d.organisation)
            .await
            .map_err(|_| StoreError::UnknownReference("organisation"))?;
        if let Some(home) = d.home {
            self.place(home)
                .await?
                .ok_or(StoreError::UnknownReference("place"))?;
        }
        if let Some(origin) = &d.origin_id {
            if !self.case_origin_exists(d.origin, origin).await? {
                return Err(StoreError::UnknownReference("origin"));
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        let seal = |col: &str, v: &Option<String>| {
            v.as_deref()
                .map(|v| self.keys.seal("survivor_case", col, id, FIRST_VERSION, v))
                .transpose()
        };
        let given = seal("given_name", &d.given_name)?;
        let family = seal("family_name", &d.family_name)?;
        let guardian = seal("guardian_name", &d.guardian.as_ref().map(|g| g.0.clone()))?;
        let (given, family, guardian) = (&given, &family, &guardian);
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO survivor_case (id, organisation_id, caseworker_id, origin, \
                     origin_id, given_name, family_name, sex, birth_year, home_ward, \
                     guardian_name, guardian_relation, opened_on, status, version, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(id.to_string())
                .bind(d.organisation)
                .bind(caseworker.map(str::to_string))
                .bind(d.origin.as_str())
                .bind(d.origin_id.clone())
                .bind(given.clone())
                .bind(family.clone())
                .bind(d.sex.as_str())
                .bind(d.birth_year.map(i64::from))
                .bind(d.home.map(|h| h.to_string()))
                .bind(guardian.clone())
                .bind(d.guardian.as_ref().map(|g| g.1.clone()))
                .bind(iso(d.opened_on))
                .bind(CaseStatus::Open.as_str())
                .bind(FIRST_VERSION)
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                let mut event = Event::new("create", "survivor-case", id)
                    .fields(&["given_name", "family_name", "guardian_name"])
                    .detail(format!("origin={}", d.origin.as_str()));
                event.place = d.home;
                audited((), event)
            })
        })
        .await?;
        Ok(id.clone())
    }

    /// Whether the record a case is opened from exists (an origin of a kind Setu records).
    async fn case_origin_exists(&self, origin: CaseOrigin, id: &str) -> Result<bool> {
        let table = match origin {
            CaseOrigin::Handover => "handover",
            CaseOrigin::Screening => "screening",
            CaseOrigin::ShelterIntake | CaseOrigin::PoliceRescue => "tracing_encounter",
            CaseOrigin::ReturnedHome => "missing_report",
            CaseOrigin::Direct => return Ok(true),
        };
        let found = sqlx::query(&format!("SELECT 1 AS one FROM {table} WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// One case; its names open (and the view is audited) only with `Reveal::To`.
    pub async fn case(&self, id: &str, reveal: Reveal<'_>) -> Result<Case> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM survivor_case WHERE id = $1 AND withdrawn_at IS NULL"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let home: Option<String> = row.try_get("home_ward")?;
        let open = self
            .opener(
                reveal,
                "survivor-case",
                "survivor_case",
                id,
                home.as_deref().unwrap_or(""),
                &["given_name", "family_name", "guardian_name", "close_note"],
            )
            .await?;
        let mut case = case_from_row(&row)?;
        case.close_note = open.get(&row, "close_note")?;
        case.given_name = open.get(&row, "given_name")?;
        case.family_name = open.get(&row, "family_name")?;
        case.guardian_name = open.get(&row, "guardian_name")?;
        Ok(case)
    }

    /// An organisation's cases, newest first; the names open with `Reveal::To`, the list's
    /// view audited in one entry naming every case shown.
    pub async fn organisation_cases(
        &self,
        organisation: i64,
        reveal: Reveal<'_>,
    ) -> Result<Vec<Case>> {
        self.cases_where("organisation_id = $1", organisation, reveal)
            .await
    }

    /// Cases matching `condition` on `$1 = organisation`, newest first, their names opened
    /// with `Reveal::To` in one audited view.
    async fn cases_where(
        &self,
        condition: &str,
        organisation: i64,
        reveal: Reveal<'_>,
    ) -> Result<Vec<Case>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM survivor_case WHERE {condition} \
             AND withdrawn_at IS NULL ORDER BY opened_on DESC, id"
        ))
        .bind(organisation)
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let open = self
            .page_opener(
                reveal,
                "survivor-case",
                "survivor_case",
                &ids,
                &["given_name", "family_name"],
                None,
            )
            .await?;
        rows.iter()
            .zip(&ids)
            .map(|(r, id)| {
                let row = open.row("survivor_case", id);
                let mut case = case_from_row(r)?;
                case.given_name = row.get(r, "given_name")?;
                case.family_name = row.get(r, "family_name")?;
                Ok(case)
            })
            .collect()
    }

    /// How many of an organisation's cases stand in each status (the caseworker's home page).
    pub async fn case_counts(&self, organisation: i64) -> Result<Vec<(CaseStatus, i64)>> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM survivor_case \
             WHERE organisation_id = $1 AND withdrawn_at IS NULL GROUP BY status",
        )
        .bind(organisation)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                let status = CaseStatus::parse(&status)
                    .ok_or_else(|| StoreError::ReferenceData(format!("case status {status}")))?;
                Ok((status, r.try_get("n")?))
            })
            .collect()
    }

    /// Records a consent on a case. A child's case takes a consent only with her guardian's.
    pub async fn record_consent(
        &self,
        by: &Actor,
        case_id: &str,
        d: &ConsentDraft,
    ) -> Result<String> {
        let case = self.case(case_id, Reveal::No).await?;
        let child = case
            .birth_year
            .is_some_and(|y| d.given_on.year() - y < setu_core::cases::ADULT_AGE);
        if child && !d.guardian {
            return Err(StoreError::Rejected("error-consent-guardian"));
        }
        if let Some(org) = d.with_org {
            self.organisation(org)
                .await
                .map_err(|_| StoreError::UnknownReference("organisation"))?;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO case_consent (id, case_id, kind, with_org, given_on, taken_by, \
                     guardian, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id.to_string())
                .bind(case_id.to_string())
                .bind(d.kind.as_str())
                .bind(d.with_org)
                .bind(iso(d.given_on))
                .bind(d.taken_by.clone())
                .bind(i64::from(d.guardian))
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                let mut event = Event::new("create", "case-consent", id)
                    .detail(format!("case={case_id} kind={}", d.kind.as_str()));
                event.place = case.home;
                audited((), event)
            })
        })
        .await?;
        Ok(id.clone())
    }

    /// Withdraws a consent from `on`: from that day it allows nothing. Withdrawing twice
    /// keeps the first date.
    pub async fn withdraw_consent(&self, by: &Actor, consent_id: &str, on: Date) -> Result<()> {
        self.record(by, |tx, _| {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE case_consent SET withdrawn_on = $1 \
                     WHERE id = $2 AND withdrawn_on IS NULL",
                )
                .bind(iso(on))
                .bind(consent_id.to_string())
                .execute(&mut **tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                audited(
                    (),
                    Event::new("withdraw", "case-consent", consent_id).detail(iso(on)),
                )
            })
        })
        .await
    }

    /// A case's consents, oldest first.
    pub async fn case_consents(&self, case_id: &str) -> Result<Vec<Consent>> {
        let rows = sqlx::query(
            "SELECT id, kind, with_org, given_on, taken_by, guardian, withdrawn_on \
             FROM case_consent WHERE case_id = $1 ORDER BY given_on, created_at, id",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                let guardian: i64 = r.try_get("guardian")?;
                Ok(Consent {
                    id: r.try_get("id")?,
                    kind: ConsentKind::parse(&kind)
                        .ok_or_else(|| StoreError::ReferenceData(format!("consent kind {kind}")))?,
                    with_org: r.try_get("with_org")?,
                    given_on: r.try_get("given_on")?,
                    taken_by: r.try_get("taken_by")?,
                    guardian: guardian != 0,
                    withdrawn_on: r.try_get("withdrawn_on")?,
                })
            })
            .collect()
    }

    /// Asks to close a case (open → closure asked), with the reason and a note (sealed: it is
    /// about her); a supervisor decides.
    pub async fn ask_case_closure(
        &self,
        by: &Actor,
        case_id: &str,
        reason: CloseReason,
        note: Option<&str>,
        on: Date,
    ) -> Result<()> {
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let set =
            ", close_reason = $5, close_note = $6, closure_asked_by = $7, closure_asked_on = $8";
        self.move_case(
            by,
            case_id,
            (CaseStatus::Open, CaseStatus::ClosureRequested),
            "ask-closure",
            set,
            |case| {
                let note = note
                    .map(|n| {
                        self.keys
                            .seal("survivor_case", "close_note", case_id, case.version, n)
                    })
                    .transpose()?;
                Ok(vec![
                    Some(reason.as_str().to_string()),
                    note,
                    Some(by.name.clone()),
                    Some(iso(on)),
                ])
            },
        )
        .await
    }

    /// A supervisor's decision on a closure asked (never by the person who asked): approved,
    /// the case is closed; declined, it is open again and the reason is cleared.
    pub async fn decide_case_closure(
        &self,
        by: &Actor,
        case_id: &str,
        approve: bool,
        on: Date,
    ) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        if case
            .closure_asked
            .as_ref()
            .is_some_and(|(who, _)| *who == by.name)
        {
            return Err(StoreError::Rejected("error-case-own-closure"));
        }
        let asked = CaseStatus::ClosureRequested;
        if approve {
            let set = ", closed_by = $5, closed_on = $6";
            self.move_case(
                by,
                case_id,
                (asked, CaseStatus::Closed),
                "approve-closure",
                set,
                |_| Ok(vec![Some(by.name.clone()), Some(iso(on))]),
            )
            .await
        } else {
            self.move_case(
                by,
                case_id,
                (asked, CaseStatus::Open),
                "decline-closure",
                CLEAR_ASKED,
                |_| Ok(vec![]),
            )
            .await
        }
    }

    /// Reopens a closed case; its closure stays in its history (the audit trail).
    pub async fn reopen_case(&self, by: &Actor, case_id: &str) -> Result<()> {
        let set = concat!(
            ", close_reason = NULL, close_note = NULL, closure_asked_by = NULL, ",
            "closure_asked_on = NULL, closed_by = NULL, closed_on = NULL"
        );
        self.move_case(
            by,
            case_id,
            (CaseStatus::Closed, CaseStatus::Open),
            "reopen",
            set,
            |_| Ok(vec![]),
        )
        .await
    }

    /// Sends an open case to another organisation, which accepts or declines it. Only with
    /// her consent to sharing with that organisation standing on `on` (the receiving
    /// organisation reads the case to decide). Its caseworkers are told.
    pub async fn ask_case_transfer(
        &self,
        by: &Actor,
        case_id: &str,
        to: i64,
        on: Date,
    ) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        if case.organisation_id == to {
            return Err(StoreError::Rejected("error-case-transfer-same"));
        }
        self.require_organisation(Some(to)).await?;
        if !self.may_share_case(case_id, to, on).await? {
            return Err(StoreError::Rejected("error-case-transfer-consent"));
        }
        let set = ", transfer_to = CAST($5 AS BIGINT), transfer_asked_by = $6, \
                   transfer_asked_on = $7, transfer_declined = NULL";
        let values = vec![Some(to.to_string()), Some(by.name.clone()), Some(iso(on))];
        let moved = (CaseStatus::Open, CaseStatus::TransferPending);
        self.move_case(by, case_id, moved, "ask-transfer", set, |_| Ok(values))
            .await?;
        self.tell_organisation(to, "case-offered", case_id).await
    }

    /// The receiving organisation's answer to a transfer: accepted (`None`), the case is
    /// theirs, with `caseworker` as its caseworker; declined with a reason, it stays with the
    /// sender, who is told why.
    pub async fn decide_case_transfer(
        &self,
        by: &Actor,
        case_id: &str,
        declined: Option<DeclineReason>,
        caseworker: Option<&str>,
    ) -> Result<()> {
        let moved = (CaseStatus::TransferPending, CaseStatus::Open);
        match declined {
            None => {
                let set =
                    format!(", organisation_id = transfer_to, caseworker_id = $5{CLEAR_TRANSFER}");
                let worker = vec![caseworker.map(str::to_string)];
                self.move_case(by, case_id, moved, "accept-transfer", &set, |_| Ok(worker))
                    .await
            }
            Some(reason) => {
                let set = format!(", transfer_declined = $5{CLEAR_TRANSFER}");
                let code = vec![Some(reason.as_str().to_string())];
                let case = self.case(case_id, Reveal::No).await?;
                self.move_case(by, case_id, moved, "decline-transfer", &set, |_| Ok(code))
                    .await?;
                self.tell_organisation(case.organisation_id, "case-transfer-declined", case_id)
                    .await
            }
        }
    }

    /// The sender calls a transfer back before it is answered.
    pub async fn cancel_case_transfer(&self, by: &Actor, case_id: &str) -> Result<()> {
        let moved = (CaseStatus::TransferPending, CaseStatus::Open);
        self.move_case(
            by,
            case_id,
            moved,
            "cancel-transfer",
            CLEAR_TRANSFER,
            |_| Ok(vec![]),
        )
        .await
    }

    /// Gives a case to one of its organisation's caseworkers (someone who may write cases
    /// there), who is told. At `version`, so two supervisors assigning at once do not both win.
    pub async fn assign_caseworker(
        &self,
        by: &Actor,
        case_id: &str,
        version: i64,
        user_id: &str,
    ) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        if case.version != version {
            return Err(StoreError::Conflict {
                current: case.version,
            });
        }
        if case.status == CaseStatus::Closed {
            return Err(StoreError::Rejected("error-case-status"));
        }
        let worker = match self.user(user_id).await {
            Err(StoreError::NotFound) => return Err(StoreError::Rejected("error-case-caseworker")),
            found => found?,
        };
        let theirs = worker.scope == Scope::Organisation(case.organisation_id)
            && worker.role.has(Capability::WriteSurvivorCases)
            && !worker.disabled;
        if !theirs {
            return Err(StoreError::Rejected("error-case-caseworker"));
        }
        let set = ", caseworker_id = $5";
        let values = vec![Some(worker.id.clone())];
        let status = (case.status, case.status);
        self.move_case(by, case_id, status, "assign-caseworker", set, |_| {
            Ok(values)
        })
        .await?;
        self.notify_users(&[worker.username], "case-assigned", case_id)
            .await
    }

    /// The accounts that may hold an organisation's cases (its caseworkers and supervisors),
    /// by username, for choosing a caseworker.
    pub async fn organisation_caseworkers(&self, organisation: i64) -> Result<Vec<User>> {
        Ok(self
            .users_in_scope(Scope::Organisation(organisation))
            .await?
            .into_iter()
            .filter(|u| u.role.has(Capability::WriteSurvivorCases) && !u.disabled)
            .collect())
    }

    /// Cases other organisations are offering this one, oldest first; names open as in
    /// [`Store::organisation_cases`].
    pub async fn cases_offered_to(
        &self,
        organisation: i64,
        reveal: Reveal<'_>,
    ) -> Result<Vec<Case>> {
        self.cases_where("transfer_to = $1", organisation, reveal)
            .await
    }

    /// Tells the accounts that may hold an organisation's cases.
    async fn tell_organisation(&self, organisation: i64, kind: &str, case_id: &str) -> Result<()> {
        let names: Vec<String> = self
            .organisation_caseworkers(organisation)
            .await?
            .into_iter()
            .map(|u| u.username)
            .collect();
        self.notify_users(&names, kind, case_id).await
    }

    /// Notifications about a case (its id only, never her name).
    async fn notify_users(&self, usernames: &[String], kind: &str, case_id: &str) -> Result<()> {
        let now = now_text();
        let (kind, now) = (&kind, &now);
        self.write(|tx, _| {
            Box::pin(async move {
                for u in usernames {
                    sqlx::query(
                        "INSERT INTO notification (id, username, kind, subject, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(uuid::Uuid::new_v4().to_string())
                    .bind(u.clone())
                    .bind(kind.to_string())
                    .bind(case_id.to_string())
                    .bind(now.clone())
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }

    /// Moves a case from one status to the next (`from`, `to`), only if it is still as it was
    /// read, status and version (a move two people make at once goes through once; the other is
    /// told the case moved on), setting what `set` adds with the values `values` gives for the
    /// case as read (bound from `$5`), at the case's next version.
    async fn move_case(
        &self,
        by: &Actor,
        case_id: &str,
        (from, to): (CaseStatus, CaseStatus),
        action: &'static str,
        set: &str,
        values: impl FnOnce(&Case) -> Result<Vec<Option<String>>>,
    ) -> Result<()> {
        let case = self.case(case_id, Reveal::No).await?;
        if case.status != from {
            return Err(StoreError::Rejected("error-case-status"));
        }
        let values = values(&case)?;
        let sql = format!(
            "UPDATE survivor_case SET status = $1{set} WHERE id = $2 AND status = $3 AND version = $4"
        );
        let (sql, values, case) = (&sql, &values, &case);
        self.record(by, |tx, _| {
            Box::pin(async move {
                let mut q = sqlx::query(sql)
                    .bind(to.as_str())
                    .bind(case_id.to_string())
                    .bind(from.as_str())
                    .bind(case.version);
                for v in values {
                    q = q.bind(v.clone());
                }
                if q.execute(&mut **tx).await?.rows_affected() == 0 {
                    return Err(StoreError::Rejected("error-case-status"));
                }
                let next = crate::rekey::next_version(
                    tx,
                    &self.keys,
                    "survivor_case",
                    case_id,
                    Some(case.version),
                );
                next.await?
                    .ok_or(StoreError::Rejected("error-case-status"))?;
                let mut event = Event::new(action, "survivor-case", case_id).detail(format!(
                    "{} -> {}",
                    from.as_str(),
                    to.as_str()
                ));
                event.place = case.home;
                audited((), event)
            })
        })
        .await
    }

    /// Whether the survivor's consent allows sharing her case with organisation `org` on
    /// `day` (a consent to sharing with it that stood that day). Sharing without it is only by
    /// break-the-glass, with its reason.
    pub async fn may_share_case(&self, case_id: &str, org: i64, day: Date) -> Result<bool> {
        Ok(self
            .case_consents(case_id)
            .await?
            .iter()
            .any(|c| c.kind == ConsentKind::Sharing && c.with_org == Some(org) && c.stands_on(day)))
    }
}

fn case_from_row(r: &AnyRow) -> Result<Case> {
    let origin: String = r.try_get("origin")?;
    let sex: String = r.try_get("sex")?;
    let status: String = r.try_get("status")?;
    let home: Option<String> = r.try_get("home_ward")?;
    let birth_year: Option<i64> = r.try_get("birth_year")?;
    let bad = |what: &str, v: &str| StoreError::ReferenceData(format!("case {what} {v}"));
    Ok(Case {
        id: r.try_get("id")?,
        organisation_id: r.try_get("organisation_id")?,
        caseworker_id: r.try_get("caseworker_id")?,
        origin: CaseOrigin::parse(&origin).ok_or_else(|| bad("origin", &origin))?,
        origin_id: r.try_get("origin_id")?,
        given_name: None,
        family_name: None,
        sex: Sex::parse(&sex).ok_or_else(|| bad("sex", &sex))?,
        birth_year: birth_year.and_then(|y| i32::try_from(y).ok()),
        home: home.and_then(|h| h.parse().ok()),
        guardian_name: None,
        guardian_relation: r.try_get("guardian_relation")?,
        opened_on: r.try_get("opened_on")?,
        status: CaseStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        close_reason: r
            .try_get::<Option<String>, _>("close_reason")?
            .and_then(|c| CloseReason::parse(&c)),
        close_note: None,
        closure_asked: pair(r, "closure_asked_by", "closure_asked_on")?,
        closed: pair(r, "closed_by", "closed_on")?,
        version: r.try_get("version")?,
        transfer: match r.try_get::<Option<i64>, _>("transfer_to")? {
            Some(to) => {
                pair(r, "transfer_asked_by", "transfer_asked_on")?.map(|(asked_by, asked_on)| {
                    Transfer {
                        to,
                        asked_by,
                        asked_on,
                    }
                })
            }
            None => None,
        },
        transfer_declined: r
            .try_get::<Option<String>, _>("transfer_declined")?
            .and_then(|c| DeclineReason::parse(&c)),
        returned_on: r.try_get("returned_on")?,
    })
}

fn pair(r: &AnyRow, who: &str, when: &str) -> Result<Option<(String, String)>> {
    let who: Option<String> = r.try_get(who)?;
    let when: Option<String> = r.try_get(when)?;
    Ok(who.zip(when))
}
