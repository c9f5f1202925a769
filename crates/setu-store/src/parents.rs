//! Parents' groups in the database: groups per ward, members (names sealed), SBCC sessions
//! with the material used and attendance per member, and the SBCC indicators of any scope.

use serde::Serialize;
use setu_core::access::{Scope, Target};
use setu_core::calendar::iso;
use setu_core::community::{Material, Sex};
use setu_core::PlaceCode;
use setu_stats::community::SbccIndicators;
use sqlx::any::AnyRow;
use sqlx::Row;
use time::Date;

use crate::audit::{Actor, Event};
use crate::paging::Paged;
use crate::rekey::UNVERSIONED;
use crate::scope::scope_condition;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// A parents' group with its indicators.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Id.
    pub id: i64,
    /// Its ward.
    pub ward: String,
    /// Name (a group's name, not a person's).
    pub name: String,
    /// Formed on, ISO.
    pub formed_on: Option<String>,
    /// Members on record.
    pub members: i64,
    /// Sessions held.
    pub sessions: i64,
    /// Last session, ISO.
    pub last_session: Option<String>,
    /// Incremented at every correction.
    pub version: i64,
}

impl Group {
    /// Where it lives, for access decisions.
    pub fn target(&self) -> Target {
        Target {
            place: self.ward.parse().ok(),
            site: None,
            organisation: None,
        }
    }
}

/// A member with the number of sessions attended; `name` only when revealed.
#[derive(Debug, Clone, Serialize)]
pub struct GroupMember {
    /// Id.
    pub id: String,
    /// Name, when revealed.
    pub name: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Joined, ISO.
    pub joined_on: String,
    /// Sessions attended.
    pub attended: i64,
}

/// A session in a list.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    /// Id.
    pub id: String,
    /// Held on, ISO.
    pub held_on: String,
    /// Topic.
    pub topic: String,
    /// Material.
    pub material: Material,
    /// Episode of "Maya and Udayan", if that was the material.
    pub episode: Option<i64>,
    /// Parents present.
    pub present: i64,
}

pub use setu_core::community::SessionDraft;

/// A group member with the sessions she attended.
const MEMBER_SELECT: &str = "SELECT m.id, m.name, m.sex, m.joined_on, m.version, \
    (SELECT COUNT(*) FROM session_attendance a WHERE a.member_id = m.id) AS attended \
    FROM group_member m";

impl Store {
    /// Creates a parents' group in a ward.
    pub async fn create_group(
        &self,
        by: &Actor,
        ward: PlaceCode,
        name: &str,
        formed_on: Option<Date>,
    ) -> Result<i64> {
        if !matches!(ward, PlaceCode::Ward { .. }) {
            return Err(StoreError::Rejected("error-ward-code"));
        }
        self.place(ward)
            .await?
            .ok_or(StoreError::UnknownReference("place"))?;
        if name.trim().is_empty() {
            return Err(StoreError::Rejected("error-required"));
        }
        self.record(by, |tx, _| Box::pin(async move {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO parents_group (ward_code, name, formed_on, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(ward.to_string())
        .bind(name.trim().to_string())
        .bind(formed_on.map(iso))
        .bind(now_text())
        .fetch_one(&mut **tx)
        .await?;
        audited(id, Event::new("create", "parents-group", id)
                .at(ward)
                .fields(&["name", "ward"]))
        })).await
    }

    /// Groups inside `scope` (filtered in SQL), by ward.
    pub async fn groups(&self, scope: Scope) -> Result<Vec<Group>> {
        let (cond, value) = scope_condition(scope, 1, "g.ward_code", None, None);
        let sql = format!(
            "{GROUP_SELECT} WHERE {cond} AND g.withdrawn_at IS NULL ORDER BY g.ward_code, g.id"
        );
        let mut q = sqlx::query(&sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(group_from_row).collect()
    }

    /// One group.
    pub async fn group(&self, id: i64) -> Result<Group> {
        let row = sqlx::query(&format!("{GROUP_SELECT} WHERE g.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        group_from_row(&row)
    }

    /// Adds a member to a group.
    pub async fn add_group_member(
        &self,
        by: &Actor,
        group_id: i64,
        name: &str,
        sex: Sex,
        joined_on: Date,
    ) -> Result<String> {
        let g = self.group(group_id).await?;
        if name.trim().is_empty() {
            return Err(StoreError::Rejected("error-required"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let id = &id;
        let g = &g;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query("INSERT INTO group_member (id, group_id, name, sex, joined_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.clone())
            .bind(group_id)
            .bind(self.keys.seal("group_member", "name", id, UNVERSIONED, name.trim())?)
            .bind(sex.as_str())
            .bind(iso(joined_on))
            .bind(now_text())
            .execute(&mut **tx)
            .await?;
        let ward = g.ward.parse().ok();
        let mut event = Event::new("create", "group-member", id).fields(&["name", "sex"]);
        event.place = ward;
        audited((), event)
        })).await?;
        Ok(id.clone())
    }

    /// All of a group's members with sessions attended (for the attendance form, which lists
    /// them all); names opened only with `Reveal::To`, in one audit entry.
    pub async fn group_members(
        &self,
        group_id: i64,
        reveal: Reveal<'_>,
    ) -> Result<Vec<GroupMember>> {
        let sql = format!(
            "{MEMBER_SELECT} WHERE m.group_id = $1 AND m.withdrawn_at IS NULL \
             ORDER BY m.joined_on, m.id"
        );
        let rows = sqlx::query(&sql)
            .bind(group_id)
            .fetch_all(&self.pool)
            .await?;
        self.group_member_rows(&rows, reveal).await
    }

    /// One page of a group's members, who joined last first, for the group's page; names
    /// opened only with `Reveal::To`, in one audit entry naming the members shown.
    pub async fn group_member_page(
        &self,
        group_id: i64,
        after: Option<&str>,
        reveal: Reveal<'_>,
    ) -> Result<Paged<GroupMember>> {
        let select = format!(
            "{MEMBER_SELECT} WHERE m.group_id = CAST($1 AS BIGINT) AND m.withdrawn_at IS NULL"
        );
        let page = self
            .page_rows(
                "group_member",
                &select,
                vec![group_id.to_string()],
                &["joined_on"],
                after,
            )
            .await?;
        Ok(Paged {
            rows: self.group_member_rows(&page.rows, reveal).await?,
            next: page.next,
        })
    }

    async fn group_member_rows(
        &self,
        rows: &[AnyRow],
        reveal: Reveal<'_>,
    ) -> Result<Vec<GroupMember>> {
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let open = self
            .page_opener(
                reveal,
                "group-member",
                "group_member",
                &ids,
                &["name"],
                None,
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (r, id) in rows.iter().zip(ids) {
            let sex: String = r.try_get("sex")?;
            out.push(GroupMember {
                sex: Sex::parse(&sex).unwrap_or(Sex::Other),
                joined_on: r.try_get("joined_on")?,
                attended: r.try_get("attended")?,
                name: open.row("group_member", &id).get(r, "name")?,
                id,
            });
        }
        Ok(out)
    }

    /// Records a session and who attended.
    pub async fn record_session(
        &self,
        by: &Actor,
        group_id: i64,
        d: &SessionDraft,
    ) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        self.insert_session(by, &id, group_id, d).await?;
        Ok(id)
    }

    /// Records a session a phone recorded offline, under the phone's id, once: a resend
    /// changes nothing ([`crate::offline`]).
    pub async fn record_session_once(
        &self,
        by: &Actor,
        id: &str,
        group_id: i64,
        d: &SessionDraft,
    ) -> Result<crate::offline::Once> {
        let key = [
            ("held_on", iso(d.held_on)),
            ("topic", d.topic.trim().to_string()),
        ];
        self.create_once("sbcc_session", id, &key, |id| async move {
            self.insert_session(by, &id, group_id, d).await
        })
        .await
    }

    async fn insert_session(
        &self,
        by: &Actor,
        id: &str,
        group_id: i64,
        d: &SessionDraft,
    ) -> Result<()> {
        let g = self.group(group_id).await?;
        let members: Vec<String> = self
            .group_members(group_id, Reveal::No)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        if d.present.iter().any(|m| !members.contains(m)) {
            return Err(StoreError::UnknownReference("member"));
        }
        if d.topic.trim().is_empty() || d.facilitator.trim().is_empty() {
            return Err(StoreError::Rejected("error-required"));
        }
        let g = &g;
        self.record(by, |tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO sbcc_session (id, group_id, held_on, topic, material, episode, facilitator, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(group_id)
        .bind(iso(d.held_on))
        .bind(d.topic.trim().to_string())
        .bind(d.material.as_str())
        .bind(d.episode)
        .bind(self.keys.seal("sbcc_session", "facilitator", id, UNVERSIONED, d.facilitator.trim())?)
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
        for m in &d.present {
            sqlx::query("INSERT INTO session_attendance (session_id, member_id) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(m.clone())
                .execute(&mut **tx)
                .await?;
        }
        let mut event = Event::new("create", "sbcc-session", id)
            .fields(&["topic", "material", "facilitator", "attendance"])
            .detail(format!("present={}", d.present.len()));
        event.place = g.ward.parse().ok();
        audited((), event)
        })).await
    }

    /// A group's sessions, newest first.
    pub async fn group_sessions(&self, group_id: i64) -> Result<Vec<Session>> {
        let rows = sqlx::query(
            "SELECT s.id, s.held_on, s.topic, s.material, s.episode, \
               (SELECT COUNT(*) FROM session_attendance a WHERE a.session_id = s.id) AS present \
             FROM sbcc_session s WHERE s.group_id = $1 AND s.withdrawn_at IS NULL \
             ORDER BY s.held_on DESC, s.id",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let material: String = r.try_get("material")?;
                Ok(Session {
                    id: r.try_get("id")?,
                    held_on: r.try_get("held_on")?,
                    topic: r.try_get("topic")?,
                    material: Material::parse(&material).unwrap_or(Material::Other),
                    episode: r.try_get("episode")?,
                    present: r.try_get("present")?,
                })
            })
            .collect()
    }

    /// SBCC indicators of every group inside `scope`, or of one group.
    pub async fn sbcc_indicators(
        &self,
        scope: Scope,
        group: Option<i64>,
    ) -> Result<SbccIndicators> {
        self.sbcc_indicators_between(scope, group, None).await
    }

    /// SBCC indicators counting only sessions held between two dates (inclusive).
    pub async fn sbcc_indicators_between(
        &self,
        scope: Scope,
        group: Option<i64>,
        between: Option<(Date, Date)>,
    ) -> Result<SbccIndicators> {
        let (from, to) = between
            .map(|(a, b)| (iso(a), iso(b)))
            .unwrap_or_else(|| ("0000-01-01".into(), "9999-12-31".into()));
        let (cond, value) = scope_condition(scope, 4, "g.ward_code", None, None);
        let sql = format!(
            "SELECT m.sex, (SELECT COUNT(*) FROM session_attendance a JOIN sbcc_session s ON s.id = a.session_id \
                            WHERE a.member_id = m.id AND s.held_on >= $2 AND s.held_on <= $3 \
                              AND s.withdrawn_at IS NULL) AS n \
             FROM group_member m JOIN parents_group g ON g.id = m.group_id \
             WHERE (CAST($1 AS BIGINT) = 0 OR g.id = CAST($1 AS BIGINT)) AND g.withdrawn_at IS NULL \
               AND m.withdrawn_at IS NULL AND {cond}"
        );
        let mut q = sqlx::query(&sql)
            .bind(group.unwrap_or(0).to_string())
            .bind(from)
            .bind(to);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let parents = rows
            .iter()
            .map(|r| {
                let sex: String = r.try_get("sex")?;
                let n: i64 = r.try_get("n")?;
                Ok((
                    Sex::parse(&sex).unwrap_or(Sex::Other),
                    u32::try_from(n).unwrap_or(0),
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SbccIndicators::from_parents(parents))
    }
}

const GROUP_SELECT: &str =
    "SELECT g.id, g.ward_code, g.name, g.formed_on, g.version, g.withdrawn_at, \
     (SELECT COUNT(*) FROM group_member m WHERE m.group_id = g.id AND m.withdrawn_at IS NULL) AS members, \
     (SELECT COUNT(*) FROM sbcc_session s WHERE s.group_id = g.id AND s.withdrawn_at IS NULL) AS sessions, \
     (SELECT MAX(s.held_on) FROM sbcc_session s WHERE s.group_id = g.id AND s.withdrawn_at IS NULL) AS last_session \
     FROM parents_group g";

fn group_from_row(r: &sqlx::any::AnyRow) -> Result<Group> {
    Ok(Group {
        id: r.try_get("id")?,
        ward: r.try_get("ward_code")?,
        name: r.try_get("name")?,
        formed_on: r.try_get("formed_on")?,
        members: r.try_get("members")?,
        sessions: r.try_get("sessions")?,
        last_session: r.try_get("last_session")?,
        version: r.try_get("version")?,
    })
}
