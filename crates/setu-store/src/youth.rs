//! Youth ambassadors and their engagement events: the registry (names sealed), standing over
//! time, growth by year, the succession warning, and events with participants by sex and age.

use serde::Serialize;
use setu_core::access::{Scope, Target};
use setu_core::calendar::iso;
use setu_core::community::{EventType, Participants, Sex, YouthStatus};
use setu_core::PlaceCode;
use sqlx::Row;
use time::Date;

pub use setu_core::community::AmbassadorDraft;

use crate::audit::{Actor, Event};
use crate::paging::Paged;
use crate::rekey::UNVERSIONED;
use crate::scope::scope_condition;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// An ambassador; `name` only when revealed.
#[derive(Debug, Clone, Serialize)]
pub struct Ambassador {
    /// Id.
    pub id: String,
    /// Ward.
    pub ward: String,
    /// Name, when revealed.
    pub name: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Joined, ISO.
    pub joined_on: String,
    /// Standing today.
    pub status: YouthStatus,
    /// Since when inactive or gone, ISO.
    pub status_since: Option<String>,
    /// Trainings attended.
    pub trainings: i64,
}

impl Ambassador {
    /// Where the record lives.
    pub fn target(&self) -> Target {
        Target {
            place: self.ward.parse().ok(),
            ..Default::default()
        }
    }
}

/// An engagement event.
#[derive(Debug, Clone, Serialize)]
pub struct YouthEvent {
    /// Id.
    pub id: String,
    /// Ward.
    pub ward: String,
    /// Held on, ISO.
    pub held_on: String,
    /// Kind.
    pub event_type: EventType,
    /// Participants.
    pub participants: Participants,
    /// Outcome (e.g. a budget line won).
    pub outcome: String,
}

pub use setu_core::community::EventDraft;

impl Store {
    /// Registers an ambassador.
    pub async fn add_ambassador(&self, by: &Actor, d: &AmbassadorDraft) -> Result<String> {
        if !matches!(d.ward, PlaceCode::Ward { .. }) {
            return Err(StoreError::Rejected("error-ward-code"));
        }
        self.place(d.ward)
            .await?
            .ok_or(StoreError::UnknownReference("place"))?;
        if d.name.trim().is_empty() {
            return Err(StoreError::Rejected("error-required"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO youth_ambassador (id, ward_code, name, sex, joined_on, trainings, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(d.ward.to_string())
        .bind(self.keys.seal("youth_ambassador", "name", id, UNVERSIONED, d.name.trim())?)
        .bind(d.sex.as_str())
        .bind(iso(d.joined_on))
        .bind(d.trainings.max(0))
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
        audited((), Event::new("create", "youth-ambassador", id)
                .at(d.ward)
                .fields(&["name", "sex", "joined_on"]))
        })).await?;
        Ok(id.clone())
    }

    /// One ambassador (sealed name), with standing on `today`.
    pub async fn ambassador(&self, id: &str, today: Date) -> Result<Ambassador> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.ambassador_from_row(&row, Reveal::No, today).await
    }

    /// Changes an ambassador's standing from `since`.
    pub async fn set_ambassador_status(
        &self,
        by: &Actor,
        id: &str,
        status: YouthStatus,
        since: Date,
    ) -> Result<()> {
        let a = self.ambassador(id, since).await?;
        let (inactive, left) = match status {
            YouthStatus::Active => (None, None),
            YouthStatus::Inactive => (Some(iso(since)), None),
            YouthStatus::Left => (None, Some(iso(since))),
        };
        let left = &left;
        let inactive = &inactive;
        let a = &a;
        self.record(by, |tx, _| {
            Box::pin(async move {
                // A change of standing moves the record on, so that a correction form read
                // before it is refused rather than silently undoing it.
                crate::rekey::next_version(tx, &self.keys, "youth_ambassador", id, None)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                sqlx::query(
                    "UPDATE youth_ambassador SET inactive_since = $1, left_on = $2 WHERE id = $3",
                )
                .bind(inactive)
                .bind(left)
                .bind(id.to_string())
                .execute(&mut **tx)
                .await?;
                let mut event = Event::new("update", "youth-ambassador", id)
                    .fields(&["status"])
                    .detail(status.as_str());
                event.place = a.ward.parse().ok();
                audited((), event)
            })
        })
        .await?;
        Ok(())
    }

    /// Ambassadors inside `scope` (SQL), with standing on `today`.
    pub async fn ambassadors(
        &self,
        scope: Scope,
        reveal: Reveal<'_>,
        today: Date,
    ) -> Result<Vec<Ambassador>> {
        let (cond, value) = scope_condition(scope, 1, "ward_code", None, None);
        let sql = format!(
            "{SELECT} WHERE {cond} AND withdrawn_at IS NULL ORDER BY ward_code, joined_on, id"
        );
        let mut q = sqlx::query(&sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.ambassador_from_row(r, reveal, today).await?);
        }
        Ok(out)
    }

    /// One page of the ambassadors inside `scope` (see [`crate::paging`]), the newest to join
    /// first, with standing on `today`; names opened for the page's rows only, as one audited
    /// view.
    pub async fn ambassador_page(
        &self,
        scope: Scope,
        after: Option<&str>,
        reveal: Reveal<'_>,
        today: Date,
    ) -> Result<Paged<Ambassador>> {
        let (cond, value) = scope_condition(scope, 1, "ward_code", None, None);
        let select = format!("{SELECT} WHERE {cond} AND withdrawn_at IS NULL");
        let rows = self
            .page_rows(
                "youth_ambassador",
                &select,
                value.into_iter().collect(),
                &["joined_on"],
                after,
            )
            .await?;
        let ids: Vec<String> = rows
            .rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let place = match scope {
            Scope::Place(p) => Some(p),
            _ => None,
        };
        let open = self
            .page_opener(
                reveal,
                "youth-ambassador",
                "youth_ambassador",
                &ids,
                &["name"],
                place,
            )
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for (r, id) in rows.rows.iter().zip(&ids) {
            let mut a = self.ambassador_from_row(r, Reveal::No, today).await?;
            a.name = open.row("youth_ambassador", id).get(r, "name")?;
            out.push(a);
        }
        Ok(Paged {
            rows: out,
            next: rows.next,
        })
    }

    /// Active ambassadors at the end of each calendar (AD) year from `first_year` to `today`'s
    /// year: the brief's own series ("20 in 2020, 370 in 2023"), kept for the figures export.
    /// Pages count by fiscal year ([`Store::youth_active_at`]).
    pub async fn youth_growth(
        &self,
        scope: Scope,
        first_year: i32,
        today: Date,
    ) -> Result<Vec<(i32, i64)>> {
        let years: Vec<i32> = (first_year..=today.year()).collect();
        let ends: Vec<Date> = years
            .iter()
            .map(|y| {
                Date::from_calendar_date(*y, time::Month::December, 31)
                    .unwrap_or(today)
                    .min(today)
            })
            .collect();
        let active = self.youth_active_at(scope, &ends, today).await?;
        Ok(years.into_iter().zip(active).collect())
    }

    /// How many ambassadors were active on each of `days` (one read of the register).
    pub async fn youth_active_at(
        &self,
        scope: Scope,
        days: &[Date],
        today: Date,
    ) -> Result<Vec<i64>> {
        use setu_stats::community::{active_on, Tenure};
        let all: Vec<Tenure> = self
            .ambassadors(scope, Reveal::No, today)
            .await?
            .into_iter()
            .map(|a| Tenure {
                joined_on: a.joined_on,
                status: a.status,
                status_since: a.status_since,
            })
            .collect();
        let days: Vec<String> = days.iter().map(|d| iso(*d)).collect();
        Ok(active_on(&all, &days))
    }

    /// Local levels inside `scope` that have ambassadors on record but fewer than `threshold`
    /// active today: (local level code, active).
    pub async fn youth_succession(
        &self,
        scope: Scope,
        threshold: i64,
        today: Date,
    ) -> Result<Vec<(PlaceCode, i64)>> {
        let all = self.ambassadors(scope, Reveal::No, today).await?;
        let mut per_ll: std::collections::BTreeMap<PlaceCode, i64> =
            std::collections::BTreeMap::new();
        for a in &all {
            if let Ok(PlaceCode::Ward { local_level, .. }) = a.ward.parse::<PlaceCode>() {
                *per_ll
                    .entry(PlaceCode::LocalLevel(local_level))
                    .or_default() += i64::from(a.status == YouthStatus::Active);
            }
        }
        Ok(per_ll.into_iter().filter(|(_, n)| *n < threshold).collect())
    }

    /// Records an engagement event.
    pub async fn record_youth_event(&self, by: &Actor, d: &EventDraft) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        self.insert_youth_event(by, &id, d).await?;
        Ok(id)
    }

    /// Records an event a phone recorded offline, under the phone's id, once: a resend changes
    /// nothing ([`crate::offline`]).
    pub async fn record_youth_event_once(
        &self,
        by: &Actor,
        id: &str,
        d: &EventDraft,
    ) -> Result<crate::offline::Once> {
        let key = [
            ("ward_code", d.ward.to_string()),
            ("held_on", iso(d.held_on)),
            ("event_type", d.event_type.as_str().to_string()),
        ];
        self.create_once("youth_event", id, &key, |id| async move {
            self.insert_youth_event(by, &id, d).await
        })
        .await
    }

    async fn insert_youth_event(&self, by: &Actor, id: &str, d: &EventDraft) -> Result<()> {
        if !matches!(d.ward, PlaceCode::Ward { .. }) {
            return Err(StoreError::Rejected("error-ward-code"));
        }
        self.place(d.ward)
            .await?
            .ok_or(StoreError::UnknownReference("place"))?;
        let p = d.participants;
        if p.under18.iter().chain(p.adults.iter()).any(|n| *n < 0) {
            return Err(StoreError::Rejected("error-amount"));
        }
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO youth_event (id, ward_code, held_on, event_type, female_u18, male_u18, other_u18, female_18, male_18, other_18, outcome, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id.to_string())
        .bind(d.ward.to_string())
        .bind(iso(d.held_on))
        .bind(d.event_type.as_str())
        .bind(p.under18[0])
        .bind(p.under18[1])
        .bind(p.under18[2])
        .bind(p.adults[0])
        .bind(p.adults[1])
        .bind(p.adults[2])
        .bind(d.outcome.trim().to_string())
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
        audited((), Event::new("create", "youth-event", id)
                .at(d.ward)
                .detail(d.event_type.as_str()))
        })).await
    }

    /// How many events inside `scope` were held between two dates (inclusive), by type.
    pub async fn youth_event_counts(
        &self,
        scope: Scope,
        from: Date,
        to: Date,
    ) -> Result<Vec<(EventType, i64)>> {
        let (cond, value) = scope_condition(scope, 3, "ward_code", None, None);
        let sql = format!(
            "SELECT event_type, COUNT(*) AS n FROM youth_event \
             WHERE held_on >= $1 AND held_on <= $2 AND withdrawn_at IS NULL AND {cond} \
             GROUP BY event_type ORDER BY event_type"
        );
        let mut q = sqlx::query(&sql).bind(iso(from)).bind(iso(to));
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("event_type")?;
                Ok((
                    EventType::parse(&kind).unwrap_or(EventType::Awareness),
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// One page of the events inside `scope` (see [`crate::paging`]), newest first, after
    /// event `after`; and how many there are in all.
    pub async fn youth_events(
        &self,
        scope: Scope,
        after: Option<&str>,
    ) -> Result<(Paged<YouthEvent>, i64)> {
        let (cond, value) = scope_condition(scope, 1, "ward_code", None, None);
        let select = format!(
            "SELECT id, ward_code, held_on, event_type, female_u18, male_u18, other_u18, \
             female_18, male_18, other_18, outcome \
             FROM youth_event WHERE {cond} AND withdrawn_at IS NULL"
        );
        let page = self
            .page_rows(
                "youth_event",
                &select,
                value.clone().into_iter().collect(),
                &["held_on"],
                after,
            )
            .await?;
        let count_sql = format!(
            "SELECT COUNT(*) FROM youth_event WHERE withdrawn_at IS NULL AND {}",
            scope_condition(scope, 1, "ward_code", None, None).0
        );
        let mut c = sqlx::query_scalar::<_, i64>(&count_sql);
        if let Some(v) = value {
            c = c.bind(v);
        }
        let total = c.fetch_one(&self.pool).await?;
        let events = page
            .rows
            .iter()
            .map(|r| {
                let kind: String = r.try_get("event_type")?;
                Ok(YouthEvent {
                    id: r.try_get("id")?,
                    ward: r.try_get("ward_code")?,
                    held_on: r.try_get("held_on")?,
                    event_type: EventType::parse(&kind).unwrap_or(EventType::Awareness),
                    participants: Participants {
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
                    },
                    outcome: r.try_get("outcome")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next = page.next;
        Ok((Paged { rows: events, next }, total))
    }

    async fn ambassador_from_row(
        &self,
        r: &sqlx::any::AnyRow,
        reveal: Reveal<'_>,
        today: Date,
    ) -> Result<Ambassador> {
        let id: String = r.try_get("id")?;
        let sex: String = r.try_get("sex")?;
        let inactive: Option<String> = r.try_get("inactive_since")?;
        let left: Option<String> = r.try_get("left_on")?;
        let today = iso(today);
        let (status, since) = match (left, inactive) {
            (Some(l), _) if l <= today => (YouthStatus::Left, Some(l)),
            (_, Some(i)) if i <= today => (YouthStatus::Inactive, Some(i)),
            _ => (YouthStatus::Active, None),
        };
        let name = self
            .opener(
                reveal,
                "youth-ambassador",
                "youth_ambassador",
                &id,
                "",
                &["name"],
            )
            .await?
            .get(r, "name")?;
        Ok(Ambassador {
            ward: r.try_get("ward_code")?,
            sex: Sex::parse(&sex).unwrap_or(Sex::Other),
            joined_on: r.try_get("joined_on")?,
            trainings: r.try_get("trainings")?,
            status,
            status_since: since,
            name,
            id,
        })
    }
}

const SELECT: &str = "SELECT id, ward_code, name, sex, joined_on, inactive_since, left_on, trainings, version FROM youth_ambassador";

/// A ward's most recent programme engagement.
#[derive(Debug, Clone, Serialize)]
pub struct WardEngagement {
    /// The ward.
    #[serde(serialize_with = "ser_place")]
    pub ward: PlaceCode,
    /// Last SBCC session there, ISO.
    pub sbcc: Option<String>,
    /// Last youth event there, ISO.
    pub youth: Option<String>,
    /// Last committee activity done there, ISO.
    pub committee: Option<String>,
}

fn ser_place<S: serde::Serializer>(v: &PlaceCode, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl WardEngagement {
    /// The most recent of the three, and which it was.
    pub fn last(&self) -> Option<(&'static str, &str)> {
        [
            ("sbcc", &self.sbcc),
            ("youth", &self.youth),
            ("committee", &self.committee),
        ]
        .into_iter()
        .filter_map(|(k, d)| d.as_deref().map(|d| (k, d)))
        .max_by(|a, b| a.1.cmp(b.1))
    }

    /// Whether nothing happened there on or after `since` (ISO).
    pub fn stale(&self, since: &str) -> bool {
        self.last().is_none_or(|(_, d)| d < since)
    }
}

impl Store {
    /// Every ward at or inside `place` with its last SBCC session, youth event and committee
    /// activity (a district has about a hundred wards; callers pass a district or smaller).
    pub async fn ward_engagement(&self, place: PlaceCode) -> Result<Vec<WardEngagement>> {
        let rows = sqlx::query(
            "SELECT p.code, \
               (SELECT MAX(s.held_on) FROM sbcc_session s JOIN parents_group g ON g.id = s.group_id WHERE g.ward_code = p.code AND g.withdrawn_at IS NULL AND s.withdrawn_at IS NULL) AS sbcc, \
               (SELECT MAX(e.held_on) FROM youth_event e WHERE e.ward_code = p.code AND e.withdrawn_at IS NULL) AS youth, \
               (SELECT MAX(a.done_on) FROM plan_activity a WHERE a.ward_code = p.code AND a.withdrawn_at IS NULL) AS committee \
             FROM place p WHERE p.level = 'ward' AND (p.code = $1 OR p.code LIKE $1 || '%') ORDER BY p.code",
        )
        .bind(place.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let code: String = r.try_get("code")?;
                Ok(WardEngagement {
                    ward: code
                        .parse()
                        .map_err(|_| StoreError::ReferenceData("bad ward".into()))?,
                    sbcc: r.try_get("sbcc")?,
                    youth: r.try_get("youth")?,
                    committee: r.try_get("committee")?,
                })
            })
            .collect()
    }
}

/// A youth group, and its resource centre if the municipality gave it a room.
#[derive(Debug, Clone, Serialize)]
pub struct YouthGroup {
    /// Id.
    pub id: String,
    /// Its ward or local level.
    pub place: String,
    /// Name.
    pub name: String,
    /// Formed on, ISO.
    pub formed_on: Option<String>,
    /// The room, if any ("ward office, first floor").
    pub resource_centre: Option<String>,
    /// When the municipality gave the room, ISO.
    pub room_given_on: Option<String>,
}

impl Store {
    /// Records a youth group (with its resource centre, if it has one).
    pub async fn add_youth_group(
        &self,
        by: &Actor,
        place: PlaceCode,
        name: &str,
        formed_on: Option<Date>,
        resource_centre: Option<(&str, Date)>,
    ) -> Result<String> {
        if !matches!(place, PlaceCode::Ward { .. } | PlaceCode::LocalLevel(_)) {
            return Err(StoreError::Rejected("error-ward-or-local-level"));
        }
        self.place(place)
            .await?
            .ok_or(StoreError::UnknownReference("place"))?;
        if name.trim().is_empty() {
            return Err(StoreError::Rejected("error-required"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO youth_group (id, place_code, name, formed_on, resource_centre, room_given_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.clone())
        .bind(place.to_string())
        .bind(name.trim().to_string())
        .bind(formed_on.map(iso))
        .bind(resource_centre.map(|(r, _)| r.trim().to_string()).filter(|r| !r.is_empty()))
        .bind(resource_centre.map(|(_, d)| iso(d)))
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
        audited((), Event::new("create", "youth-group", id)
                .at(place)
                .fields(&["name", "resource_centre"]))
        })).await?;
        Ok(id.clone())
    }

    /// Youth groups inside `scope` (SQL).
    pub async fn youth_groups(&self, scope: Scope) -> Result<Vec<YouthGroup>> {
        let (cond, value) = scope_condition(scope, 1, "place_code", None, None);
        let sql = format!(
            "SELECT id, place_code, name, formed_on, resource_centre, room_given_on FROM youth_group WHERE {cond} AND withdrawn_at IS NULL \
             ORDER BY place_code, name"
        );
        let mut q = sqlx::query(&sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(YouthGroup {
                    id: r.try_get("id")?,
                    place: r.try_get("place_code")?,
                    name: r.try_get("name")?,
                    formed_on: r.try_get("formed_on")?,
                    resource_centre: r.try_get("resource_centre")?,
                    room_given_on: r.try_get("room_given_on")?,
                })
            })
            .collect()
    }
}
