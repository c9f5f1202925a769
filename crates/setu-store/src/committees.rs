//! Coordination committees in the database: the committee, its members (names sealed),
//! meetings with attendance and decisions (agenda and decisions sealed: they can name people),
//! action plans and budgets per fiscal year. Status is computed from these records by
//! `setu_core::committees::status`; nothing here stores it.

use serde::Serialize;
use setu_core::access::{Scope, Target};
use setu_core::calendar::{iso, parse_ad};
use setu_core::committees::{
    status, BudgetDraft, BudgetTotals, CommitteeKind, CommitteeStatus, Criterion, DecisionStatus,
    FundingSource, Seat, StatusFacts,
};
use setu_core::{FiscalYear, PlaceCode};
use sqlx::any::AnyRow;
use sqlx::Row;
use time::Date;

pub use setu_core::committees::ActivityDraft;

use crate::audit::{Actor, Event};
use crate::paging::Paged;
use crate::rekey::{next_version, FIRST_VERSION, UNVERSIONED};
use crate::scope::scope_condition;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// A committee with its computed status.
#[derive(Debug, Clone, Serialize)]
pub struct Committee {
    /// Id.
    pub id: i64,
    /// LCCHT or DCCHT.
    pub kind: CommitteeKind,
    /// Its local level or district.
    #[serde(serialize_with = "ser_display")]
    pub place: PlaceCode,
    /// English name of the place.
    pub place_en: Option<String>,
    /// Nepali name of the place.
    pub place_ne: Option<String>,
    /// Formed (or re-formed) on, ISO.
    pub formed_on: Option<String>,
    /// The office telephone (not personal: an alert at a booth gives it to call).
    pub phone: Option<String>,
    /// The records its status is computed from (current fiscal year).
    #[serde(skip)]
    pub facts: StatusFacts,
    /// Status on the day it was read.
    pub status: CommitteeStatus,
    /// The criteria behind the status.
    #[serde(skip)]
    pub criteria: [Criterion; 3],
}

fn ser_display<S: serde::Serializer>(v: &PlaceCode, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl Committee {
    /// Where it lives, for access decisions.
    pub fn target(&self) -> Target {
        Target {
            place: Some(self.place),
            site: None,
            organisation: None,
        }
    }
}

/// A member; `name` is `None` unless revealed.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// Id.
    pub id: String,
    /// Name, when revealed.
    pub name: Option<String>,
    /// Seat.
    pub seat: Seat,
    /// Term start, ISO.
    pub term_start: String,
    /// Term end, ISO, if the term is over or fixed.
    pub term_end: Option<String>,
    /// Its committee.
    pub committee_id: i64,
    /// Incremented at every correction.
    pub version: i64,
}

/// A meeting in a list.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingSummary {
    /// Id.
    pub id: String,
    /// Held on, ISO.
    pub held_on: String,
    /// Members present.
    pub present: i64,
    /// Members recorded.
    pub recorded: i64,
    /// Decisions taken.
    pub decisions: i64,
}

/// A decision with its follow-up.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// Id.
    pub id: String,
    /// What was decided (revealed).
    pub text: String,
    /// Who is responsible (revealed).
    pub responsible: String,
    /// Due, ISO.
    pub due_on: Option<String>,
    /// Follow-up status.
    pub status: DecisionStatus,
    /// When the status last changed, ISO.
    pub status_on: String,
}

/// A whole meeting, for the minutes.
#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    /// Id.
    pub id: String,
    /// The committee.
    pub committee_id: i64,
    /// Held on, ISO.
    pub held_on: String,
    /// Agenda (revealed).
    pub agenda: String,
    /// (member, present)
    pub attendance: Vec<(Member, bool)>,
    /// Decisions.
    pub decisions: Vec<Decision>,
    /// Incremented at every correction.
    pub version: i64,
}

pub use setu_core::committees::MeetingDraft;

/// A planned activity.
#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Type (awareness, training, meeting…).
    pub activity_type: String,
    /// Ward, if the activity is in one.
    pub ward: Option<String>,
    /// Planned date, ISO.
    pub planned_on: Option<String>,
    /// Done on, ISO.
    pub done_on: Option<String>,
    /// Who is responsible (a function, not a person's name).
    pub responsible: String,
    /// The budget line it is paid from, if any.
    pub budget_line: Option<String>,
    /// Its committee.
    pub committee_id: i64,
    /// Incremented at every correction.
    pub version: i64,
}

/// A budget line.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetLine {
    /// Id.
    pub id: String,
    /// Its committee.
    pub committee_id: i64,
    /// Its fiscal year.
    #[serde(serialize_with = "ser_fy")]
    pub fiscal_year: FiscalYear,
    /// Incremented at every correction.
    pub version: i64,
    /// Source of funds.
    pub source: FundingSource,
    /// What it pays for.
    pub purpose: String,
    /// Rupees allocated.
    pub allocated: i64,
    /// Rupees spent.
    pub spent: i64,
}

/// A committee's plan and budget for one fiscal year.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Activities.
    pub activities: Vec<Activity>,
    /// Budget lines.
    pub lines: Vec<BudgetLine>,
    /// Totals.
    #[serde(skip)]
    pub totals: BudgetTotals,
}

const COMMITTEE_COLUMNS: &str = "c.id, c.kind, c.place_code, c.formed_on, c.phone, p.name_en AS place_en, p.name_ne AS place_ne, \
     (SELECT MAX(m.held_on) FROM committee_meeting m WHERE m.committee_id = c.id AND m.held_on <= $1 AND m.withdrawn_at IS NULL) AS last_meeting, \
     (SELECT COUNT(*) FROM plan_activity a WHERE a.committee_id = c.id AND a.fiscal_year = CAST($2 AS BIGINT) AND a.withdrawn_at IS NULL) AS activities, \
     (SELECT CAST(COALESCE(SUM(b.allocated), 0) AS BIGINT) FROM budget_line b WHERE b.committee_id = c.id AND b.fiscal_year = CAST($2 AS BIGINT) AND b.withdrawn_at IS NULL) AS allocated";

/// A committee member from her row, her name opened or not.
fn member_of(r: &AnyRow, name: Option<String>) -> Result<Member> {
    let seat: String = r.try_get("seat")?;
    Ok(Member {
        seat: Seat::parse(&seat).unwrap_or(Seat::Member),
        term_start: r.try_get("term_start")?,
        term_end: r.try_get("term_end")?,
        committee_id: r.try_get("committee_id")?,
        version: r.try_get("version")?,
        id: r.try_get("id")?,
        name,
    })
}

/// A committee member's row.
const MEMBER_SELECT: &str = "SELECT id, committee_id, name, seat, term_start, term_end, version \
    FROM committee_member";

impl Store {
    /// Creates a committee for a local level (LCCHT) or district (DCCHT).
    pub async fn create_committee(
        &self,
        by: &Actor,
        kind: CommitteeKind,
        place: PlaceCode,
        organisation_id: Option<i64>,
        formed_on: Option<Date>,
        phone: Option<String>,
    ) -> Result<i64> {
        let level_ok = matches!(
            (kind, place),
            (CommitteeKind::Lccht, PlaceCode::LocalLevel(_))
                | (CommitteeKind::Dccht, PlaceCode::District(_))
        );
        if !level_ok {
            return Err(StoreError::Rejected("error-committee-place"));
        }
        self.place(place)
            .await?
            .ok_or(StoreError::UnknownReference("place"))?;
        let now = now_text();
        let now = &now;
        let phone = phone.as_deref();
        self.record(by, |tx, _| Box::pin(async move {
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM committee WHERE kind = $1 AND place_code = $2")
                .bind(kind.as_str())
                .bind(place.to_string())
                .fetch_optional(&mut **tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::Rejected("error-committee-exists"));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO committee (kind, place_code, organisation_id, formed_on, phone, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(kind.as_str())
        .bind(place.to_string())
        .bind(organisation_id)
        .bind(formed_on.map(iso))
        .bind(phone)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        audited(id, Event::new("create", "committee", id).at(place).fields(&[
                "kind",
                "place",
                "formed_on",
                "phone",
            ]))
        })).await
    }

    /// Committees inside `scope` (filtered in SQL), with their status on `today`.
    pub async fn committees(&self, scope: Scope, today: Date) -> Result<Vec<Committee>> {
        let (cond, value) = scope_condition(scope, 3, "c.place_code", None, None);
        let sql = format!(
            "SELECT {COMMITTEE_COLUMNS} FROM committee c JOIN place p ON p.code = c.place_code \
             WHERE {cond} ORDER BY c.kind DESC, c.place_code"
        );
        let fy = FiscalYear::containing(today)
            .map(|f| i64::from(f.start_year()))
            .unwrap_or(0);
        let mut q = sqlx::query(&sql).bind(iso(today)).bind(fy.to_string());
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(|r| committee_from_row(r, today)).collect()
    }

    /// One committee, with its status on `today`.
    pub async fn committee(&self, id: i64, today: Date) -> Result<Committee> {
        let fy = FiscalYear::containing(today)
            .map(|f| i64::from(f.start_year()))
            .unwrap_or(0);
        let row = sqlx::query(&format!(
            "SELECT {COMMITTEE_COLUMNS} FROM committee c JOIN place p ON p.code = c.place_code WHERE c.id = $3"
        ))
        .bind(iso(today))
        .bind(fy.to_string())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        committee_from_row(&row, today)
    }

    /// Adds a member; returns the id.
    pub async fn add_member(
        &self,
        by: &Actor,
        committee_id: i64,
        name: &str,
        seat: Seat,
        term_start: Date,
        term_end: Option<Date>,
    ) -> Result<String> {
        let committee = self.committee(committee_id, term_start).await?;
        if name.trim().is_empty() {
            return Err(StoreError::Rejected("error-required"));
        }
        if term_end.is_some_and(|e| e < term_start) {
            return Err(StoreError::Rejected("error-term-order"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO committee_member (id, committee_id, name, seat, term_start, term_end, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.clone())
        .bind(committee_id)
        .bind(self.keys.seal("committee_member", "name", id, UNVERSIONED, name.trim())?)
        .bind(seat.as_str())
        .bind(iso(term_start))
        .bind(term_end.map(iso))
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
        let event = Event::new("create", "committee-member", id)
            .at(committee.place)
            .fields(&["name", "seat", "term"]);
        audited((), event)
        })).await?;
        Ok(id.clone())
    }

    /// All of a committee's members, chair first (for the meeting form, which records each
    /// present or absent); names opened only with `Reveal::To`, in one audit entry.
    pub async fn members(&self, committee_id: i64, reveal: Reveal<'_>) -> Result<Vec<Member>> {
        let sql = format!(
            "{MEMBER_SELECT} WHERE committee_id = $1 AND withdrawn_at IS NULL \
             ORDER BY term_start, id"
        );
        let rows = sqlx::query(&sql)
            .bind(committee_id)
            .fetch_all(&self.pool)
            .await?;
        let mut out = self.member_rows(&rows, reveal).await?;
        out.sort_by_key(|m| Seat::ALL.iter().position(|s| *s == m.seat));
        Ok(out)
    }

    /// One page of a committee's members, latest term first, for the committee's page; names
    /// opened only with `Reveal::To`, in one audit entry naming the members shown.
    pub async fn member_page(
        &self,
        committee_id: i64,
        after: Option<&str>,
        reveal: Reveal<'_>,
    ) -> Result<Paged<Member>> {
        let select = format!(
            "{MEMBER_SELECT} WHERE committee_id = CAST($1 AS BIGINT) AND withdrawn_at IS NULL"
        );
        let page = self
            .page_rows(
                "committee_member",
                &select,
                vec![committee_id.to_string()],
                &["term_start"],
                after,
            )
            .await?;
        Ok(Paged {
            rows: self.member_rows(&page.rows, reveal).await?,
            next: page.next,
        })
    }

    async fn member_rows(&self, rows: &[AnyRow], reveal: Reveal<'_>) -> Result<Vec<Member>> {
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let open = self
            .page_opener(
                reveal,
                "committee-member",
                "committee_member",
                &ids,
                &["name"],
                None,
            )
            .await?;
        rows.iter()
            .zip(ids)
            .map(|(r, id)| member_of(r, open.row("committee_member", &id).get(r, "name")?))
            .collect()
    }

    /// Records a meeting with its attendance and decisions, all at once.
    pub async fn record_meeting(
        &self,
        by: &Actor,
        committee_id: i64,
        d: &MeetingDraft,
    ) -> Result<String> {
        let committee = self.committee(committee_id, d.held_on).await?;
        let members: Vec<String> = self
            .members(committee_id, Reveal::No)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        if d.attendance.iter().any(|(m, _)| !members.contains(m)) {
            return Err(StoreError::UnknownReference("member"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_text();
        let now = &now;
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query("INSERT INTO committee_meeting (id, committee_id, held_on, agenda, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.clone())
            .bind(committee_id)
            .bind(iso(d.held_on))
            .bind(self.keys.seal("committee_meeting", "agenda", id, UNVERSIONED, d.agenda.trim())?)
            .bind(now.clone())
            .execute(&mut **tx)
            .await?;
        for (member, present) in &d.attendance {
            sqlx::query("INSERT INTO meeting_attendance (meeting_id, member_id, present) VALUES ($1, $2, $3)")
                .bind(id.clone())
                .bind(member.clone())
                .bind(i64::from(*present))
                .execute(&mut **tx)
                .await?;
        }
        for (text, responsible, due) in &d.decisions {
            let did = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                "INSERT INTO meeting_decision (id, meeting_id, text, responsible, due_on, status, status_on) \
                 VALUES ($1, $2, $3, $4, $5, 'open', $6)",
            )
            .bind(did.clone())
            .bind(id.clone())
            .bind(self.keys.seal("meeting_decision", "text", &did, FIRST_VERSION, text.trim())?)
            .bind(self.keys.seal("meeting_decision", "responsible", &did, FIRST_VERSION, responsible.trim())?)
            .bind(due.map(iso))
            .bind(now.clone())
            .execute(&mut **tx)
            .await?;
        }
        let event = Event::new("create", "committee-meeting", id)
            .at(committee.place)
            .fields(&["held_on", "agenda", "attendance", "decisions"])
            .detail(format!("decisions={}", d.decisions.len()));
        audited((), event)
        })).await?;
        Ok(id.clone())
    }

    /// A committee's meetings, newest first.
    pub async fn meetings(&self, committee_id: i64) -> Result<Vec<MeetingSummary>> {
        let rows = sqlx::query(
            "SELECT m.id, m.held_on, \
               (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.present = 1) AS present, \
               (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id) AS recorded, \
               (SELECT COUNT(*) FROM meeting_decision d WHERE d.meeting_id = m.id AND d.withdrawn_at IS NULL) AS decisions \
             FROM committee_meeting m WHERE m.committee_id = $1 AND m.withdrawn_at IS NULL ORDER BY m.held_on DESC, m.id",
        )
        .bind(committee_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MeetingSummary {
                    id: r.try_get("id")?,
                    held_on: r.try_get("held_on")?,
                    present: r.try_get("present")?,
                    recorded: r.try_get("recorded")?,
                    decisions: r.try_get("decisions")?,
                })
            })
            .collect()
    }

    /// A whole meeting, opened for `reader` (audited).
    pub async fn meeting(&self, id: &str, reader: &Actor) -> Result<Meeting> {
        let row = sqlx::query(
            "SELECT id, committee_id, held_on, agenda, version FROM committee_meeting WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let committee_id: i64 = row.try_get("committee_id")?;
        let sealed: String = row.try_get("agenda")?;
        let agenda = self.keys.open(
            "committee_meeting",
            "agenda",
            id,
            row.try_get("version")?,
            &sealed,
        )?;
        let members = self.members(committee_id, Reveal::To(reader)).await?;
        let present: Vec<(String, i64)> =
            sqlx::query("SELECT member_id, present FROM meeting_attendance WHERE meeting_id = $1")
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("member_id")?, r.try_get("present")?)))
                .collect::<Result<_>>()?;
        let attendance = members
            .into_iter()
            .filter_map(|m| {
                present
                    .iter()
                    .find(|(id, _)| *id == m.id)
                    .map(|(_, p)| (m, *p != 0))
            })
            .collect();
        let rows = sqlx::query(
            "SELECT id, text, responsible, due_on, status, status_on, version FROM meeting_decision WHERE meeting_id = $1 AND withdrawn_at IS NULL ORDER BY id",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut decisions = Vec::new();
        for r in &rows {
            let did: String = r.try_get("id")?;
            let status: String = r.try_get("status")?;
            let at: i64 = r.try_get("version")?;
            decisions.push(Decision {
                text: self.keys.open(
                    "meeting_decision",
                    "text",
                    &did,
                    at,
                    &r.try_get::<String, _>("text")?,
                )?,
                responsible: self.keys.open(
                    "meeting_decision",
                    "responsible",
                    &did,
                    at,
                    &r.try_get::<String, _>("responsible")?,
                )?,
                due_on: r.try_get("due_on")?,
                status: DecisionStatus::parse(&status).unwrap_or(DecisionStatus::Open),
                status_on: r.try_get("status_on")?,
                id: did,
            });
        }
        self.audit(
            reader,
            &Event::new("view-personal", "committee-meeting", id).fields(&["agenda", "decisions"]),
        )
        .await?;
        Ok(Meeting {
            id: id.to_string(),
            committee_id,
            held_on: row.try_get("held_on")?,
            agenda,
            attendance,
            decisions,
            version: row.try_get("version")?,
        })
    }

    /// A meeting's own fields, nothing opened: (committee, held on, version).
    pub async fn meeting_head(&self, id: &str) -> Result<(i64, String, i64)> {
        let row = sqlx::query(
            "SELECT committee_id, held_on, version FROM committee_meeting WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((
            row.try_get("committee_id")?,
            row.try_get("held_on")?,
            row.try_get("version")?,
        ))
    }

    /// The committee a meeting belongs to.
    pub async fn meeting_committee(&self, meeting_id: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT committee_id FROM committee_meeting WHERE id = $1")
            .bind(meeting_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The committee a decision belongs to.
    pub async fn decision_committee(&self, decision_id: &str) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT m.committee_id FROM meeting_decision d JOIN committee_meeting m ON m.id = d.meeting_id WHERE d.id = $1",
        )
        .bind(decision_id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// Changes a decision's follow-up status; returns its committee id.
    pub async fn set_decision_status(
        &self,
        by: &Actor,
        decision_id: &str,
        status: DecisionStatus,
    ) -> Result<i64> {
        let committee_id = self.decision_committee(decision_id).await?;
        self.record(by, |tx, _| {
            Box::pin(async move {
                if next_version(tx, &self.keys, "meeting_decision", decision_id, None)
                    .await?
                    .is_none()
                {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(
                    "UPDATE meeting_decision SET status = $1, status_on = $2 WHERE id = $3",
                )
                .bind(status.as_str())
                .bind(now_text())
                .bind(decision_id.to_string())
                .execute(&mut **tx)
                .await?;
                audited(
                    (),
                    Event::new("update", "meeting-decision", decision_id)
                        .fields(&["status"])
                        .detail(status.as_str()),
                )
            })
        })
        .await?;
        Ok(committee_id)
    }

    /// Adds an activity to a committee's plan for `fy`.
    pub async fn add_activity(
        &self,
        by: &Actor,
        committee_id: i64,
        fy: FiscalYear,
        a: &ActivityDraft,
    ) -> Result<String> {
        let committee = self.committee(committee_id, fy.first_day()).await?;
        if let Some(w) = a.ward {
            if !w.is_within(committee.place) || self.place(w).await?.is_none() {
                return Err(StoreError::Rejected("error-ward-outside"));
            }
        }
        if let Some(line) = &a.budget_line {
            let owner: Option<i64> = sqlx::query_scalar(
                "SELECT committee_id FROM budget_line WHERE id = $1 AND committee_id = $2 AND fiscal_year = $3",
            )
            .bind(line.clone())
            .bind(committee_id)
            .bind(i64::from(fy.start_year()))
            .fetch_optional(&self.pool)
            .await?;
            if owner.is_none() {
                return Err(StoreError::Rejected("error-budget-line"));
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO plan_activity (id, committee_id, fiscal_year, title, activity_type, ward_code, planned_on, done_on, responsible, created_at, budget_line_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.clone())
        .bind(committee_id)
        .bind(i64::from(fy.start_year()))
        .bind(a.title.trim().to_string())
        .bind(a.activity_type.trim().to_string())
        .bind(a.ward.map(|w| w.to_string()))
        .bind(a.planned_on.map(iso))
        .bind(a.done_on.map(iso))
        .bind(a.responsible.trim().to_string())
        .bind(now_text())
        .bind(a.budget_line.clone())
        .execute(&mut **tx)
        .await?;
        audited((), Event::new("create", "plan-activity", id)
                .at(committee.place)
                .detail(format!("fy={fy}")))
        })).await?;
        Ok(id.clone())
    }

    /// Adds a budget line to a committee's budget for `fy`.
    pub async fn add_budget_line(
        &self,
        by: &Actor,
        committee_id: i64,
        fy: FiscalYear,
        line: &BudgetDraft,
    ) -> Result<String> {
        let BudgetDraft {
            source,
            purpose,
            allocated,
            spent,
        } = line;
        let (source, allocated, spent) = (*source, *allocated, *spent);
        let committee = self.committee(committee_id, fy.first_day()).await?;
        if allocated < 0 || spent < 0 {
            return Err(StoreError::Rejected("error-amount"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO budget_line (id, committee_id, fiscal_year, source, purpose, allocated, spent, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.clone())
        .bind(committee_id)
        .bind(i64::from(fy.start_year()))
        .bind(source.as_str())
        .bind(purpose.trim().to_string())
        .bind(allocated)
        .bind(spent)
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
        audited((), Event::new("create", "budget-line", id)
                .at(committee.place)
                .detail(format!("fy={fy} source={}", source.as_str())))
        })).await?;
        Ok(id.clone())
    }

    /// A committee's plan and budget for `fy`.
    pub async fn plan(&self, committee_id: i64, fy: FiscalYear) -> Result<Plan> {
        let year = i64::from(fy.start_year());
        let rows = sqlx::query(&format!(
            "SELECT {ACTIVITY_COLUMNS} FROM plan_activity \
             WHERE committee_id = $1 AND fiscal_year = $2 AND withdrawn_at IS NULL ORDER BY planned_on, id"
        ))
        .bind(committee_id)
        .bind(year)
        .fetch_all(&self.pool)
        .await?;
        let activities = rows.iter().map(activity).collect::<Result<Vec<_>>>()?;
        let rows = sqlx::query(
            &format!("SELECT {BUDGET_COLUMNS} FROM budget_line WHERE committee_id = $1 AND fiscal_year = $2 AND withdrawn_at IS NULL ORDER BY source, id"),
        )
        .bind(committee_id)
        .bind(year)
        .fetch_all(&self.pool)
        .await?;
        let lines = rows.iter().map(budget_line).collect::<Result<Vec<_>>>()?;
        let totals = totals(&lines);
        Ok(Plan {
            activities,
            lines,
            totals,
        })
    }

    /// One committee member; the name opened (and the view audited) with `reveal`.
    pub async fn member(&self, id: &str, reveal: Reveal<'_>) -> Result<Member> {
        let row = sqlx::query(&format!("{MEMBER_SELECT} WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let open = self
            .opener(
                reveal,
                "committee-member",
                "committee_member",
                id,
                "",
                &["name"],
            )
            .await?;
        member_of(&row, open.get(&row, "name")?)
    }

    /// One planned activity.
    pub async fn activity(&self, id: &str) -> Result<Activity> {
        let row = sqlx::query(&format!(
            "SELECT {ACTIVITY_COLUMNS} FROM plan_activity WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        activity(&row)
    }

    /// One budget line.
    pub async fn budget_line(&self, id: &str) -> Result<BudgetLine> {
        let row = sqlx::query(&format!(
            "SELECT {BUDGET_COLUMNS} FROM budget_line WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        budget_line(&row)
    }

    /// Budget totals per fiscal year, oldest first: the trend of the municipality's own share.
    pub async fn budget_trend(&self, committee_id: i64) -> Result<Vec<(FiscalYear, BudgetTotals)>> {
        let rows = sqlx::query(
            "SELECT fiscal_year, \
               CAST(COALESCE(SUM(CASE WHEN source = 'own' THEN allocated ELSE 0 END), 0) AS BIGINT) AS own, \
               CAST(COALESCE(SUM(allocated), 0) AS BIGINT) AS allocated, \
               CAST(COALESCE(SUM(spent), 0) AS BIGINT) AS spent \
             FROM budget_line WHERE committee_id = $1 AND withdrawn_at IS NULL GROUP BY fiscal_year ORDER BY fiscal_year",
        )
        .bind(committee_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .filter_map(|r| {
                let year: i64 = r.try_get("fiscal_year").ok()?;
                let fy = u16::try_from(year)
                    .ok()
                    .and_then(|y| FiscalYear::new(y).ok())?;
                Some(Ok((
                    fy,
                    BudgetTotals {
                        own_allocated: r.try_get("own").ok()?,
                        allocated: r.try_get("allocated").ok()?,
                        spent: r.try_get("spent").ok()?,
                    },
                )))
            })
            .collect()
    }
}

fn totals(lines: &[BudgetLine]) -> BudgetTotals {
    lines
        .iter()
        .fold(BudgetTotals::default(), |t, l| BudgetTotals {
            own_allocated: t.own_allocated
                + if l.source == FundingSource::Own {
                    l.allocated
                } else {
                    0
                },
            allocated: t.allocated + l.allocated,
            spent: t.spent + l.spent,
        })
}

fn committee_from_row(r: &AnyRow, today: Date) -> Result<Committee> {
    let bad = |w: &str| StoreError::ReferenceData(format!("bad {w} in committee row"));
    let kind: String = r.try_get("kind")?;
    let place: String = r.try_get("place_code")?;
    let last: Option<String> = r.try_get("last_meeting")?;
    let facts = StatusFacts {
        last_meeting: last.as_deref().and_then(|d| parse_ad(d).ok()),
        planned_activities: r.try_get("activities")?,
        budget_allocated: r.try_get("allocated")?,
    };
    let (state, criteria) = status(&facts, today);
    Ok(Committee {
        id: r.try_get("id")?,
        kind: CommitteeKind::parse(&kind).ok_or_else(|| bad("kind"))?,
        place: place.parse().map_err(|_| bad("place"))?,
        place_en: r.try_get("place_en")?,
        place_ne: r.try_get("place_ne")?,
        formed_on: r.try_get("formed_on")?,
        phone: r.try_get("phone")?,
        facts,
        status: state,
        criteria,
    })
}

const BUDGET_COLUMNS: &str =
    "id, committee_id, fiscal_year, source, purpose, allocated, spent, version";

fn budget_line(r: &AnyRow) -> Result<BudgetLine> {
    let source: String = r.try_get("source")?;
    let year: i64 = r.try_get("fiscal_year")?;
    Ok(BudgetLine {
        id: r.try_get("id")?,
        committee_id: r.try_get("committee_id")?,
        fiscal_year: u16::try_from(year)
            .ok()
            .and_then(|y| FiscalYear::new(y).ok())
            .ok_or_else(|| StoreError::ReferenceData("fiscal year".into()))?,
        version: r.try_get("version")?,
        source: FundingSource::parse(&source).unwrap_or(FundingSource::Donor),
        purpose: r.try_get("purpose")?,
        allocated: r.try_get("allocated")?,
        spent: r.try_get("spent")?,
    })
}

fn ser_fy<S: serde::Serializer>(v: &FiscalYear, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

const ACTIVITY_COLUMNS: &str = "id, committee_id, title, activity_type, ward_code, planned_on, \
     done_on, responsible, budget_line_id, version";

fn activity(r: &AnyRow) -> Result<Activity> {
    Ok(Activity {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        activity_type: r.try_get("activity_type")?,
        ward: r.try_get("ward_code")?,
        planned_on: r.try_get("planned_on")?,
        done_on: r.try_get("done_on")?,
        responsible: r.try_get("responsible")?,
        budget_line: r.try_get("budget_line_id")?,
        committee_id: r.try_get("committee_id")?,
        version: r.try_get("version")?,
    })
}
