//! Contact persons of organisations: the first records with personal data. Names and phone
//! numbers are sealed at rest; a phone number can be looked up through its keyed hash.
//! Reading them is a separate step that the caller must ask for ([`Reveal`]), and every such
//! reading is audited, entry by entry.

use serde::Serialize;
use setu_core::access::{Scope, Target};
use setu_core::PlaceCode;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{append, Actor, Event};
use crate::rekey::{FIRST_VERSION, UNVERSIONED};
use crate::{now_text, time_text, Result, Store, StoreError};

/// A contact person. `name` and `phone` are `None` unless they were revealed.
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    /// Id (UUID).
    pub id: String,
    /// The organisation.
    pub organisation_id: i64,
    /// The organisation's place.
    #[serde(serialize_with = "ser_display")]
    pub place: PlaceCode,
    /// Their function ("focal person", "shelter manager"): not identifying.
    pub title: String,
    /// Name, when revealed.
    pub name: Option<String>,
    /// Phone, when revealed.
    pub phone: Option<String>,
    /// Incremented at every change.
    pub version: i64,
}

fn ser_display<S: serde::Serializer>(v: &PlaceCode, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl Contact {
    /// Where the record lives, for access decisions.
    pub fn target(&self) -> Target {
        Target {
            place: Some(self.place),
            site: None,
            organisation: Some(self.organisation_id),
        }
    }
}

/// A new contact, checked.
#[derive(Debug, Clone)]
pub struct ContactDraft {
    /// Function.
    pub title: String,
    /// Name.
    pub name: String,
    /// Phone number, as typed.
    pub phone: Option<String>,
}

/// Whether to open the sealed fields, and who is reading (for the audit trail).
#[derive(Debug, Clone, Copy)]
pub enum Reveal<'a> {
    /// Leave names and phones sealed.
    No,
    /// Open them; each record opened is audited as a view of personal data by this actor.
    To(&'a Actor),
}

/// Digits only, without a leading +977 or 0: how phone numbers are compared.
pub fn normalise_phone(raw: &str) -> String {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.strip_prefix("977").unwrap_or(&digits).to_string();
    digits.trim_start_matches('0').to_string()
}

/// SQL that keeps only rows inside `scope`: the condition, and the value to bind as `$n`
/// if the condition uses one. Records carry a place code, and may carry a site id and an
/// organisation id (the column names are given); a scope a table has no column for matches
/// nothing.
pub fn scope_condition(
    scope: Scope,
    n: usize,
    place_col: &str,
    site_col: Option<&str>,
    org_col: Option<&str>,
) -> (String, Option<String>) {
    match scope {
        Scope::Place(PlaceCode::Country) => ("1 = 1".into(), None),
        Scope::Place(p) => (
            format!("({place_col} = ${n} OR {place_col} LIKE ${n} || '%')"),
            Some(p.to_string()),
        ),
        Scope::Site(id) => match site_col {
            Some(c) => (format!("{c} = CAST(${n} AS BIGINT)"), Some(id.to_string())),
            None => ("1 = 0".into(), None),
        },
        Scope::Organisation(id) => match org_col {
            Some(c) => (format!("{c} = CAST(${n} AS BIGINT)"), Some(id.to_string())),
            None => ("1 = 0".into(), None),
        },
    }
}

/// Break-the-glass grants one user may take in 24 hours; beyond it, a coordinator with the
/// scope (or a change of role) is the way.
pub const GLASS_PER_DAY: i64 = 5;

impl Store {
    /// Adds a contact to an organisation; returns its id.
    pub async fn create_contact(
        &self,
        by: &Actor,
        organisation_id: i64,
        d: &ContactDraft,
    ) -> Result<String> {
        let org = self.organisation(organisation_id).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let phone = d.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let sealed_name = self
            .keys
            .seal("contact", "name", &id, FIRST_VERSION, d.name.trim())?;
        let sealed_phone = phone
            .map(|p| self.keys.seal("contact", "phone", &id, FIRST_VERSION, p))
            .transpose()?;
        let index = phone.map(|p| self.keys.blind_index("contact.phone", &normalise_phone(p)));
        let now = now_text();
        let sealed_phone = &sealed_phone;
        let sealed_name = &sealed_name;
        let now = &now;
        let index = &index;
        let id = &id;
        self.write(|tx, _| Box::pin(async move {
        sqlx::query(
            "INSERT INTO contact (id, organisation_id, place_code, title, name, phone, phone_index, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(id.clone())
        .bind(organisation_id)
        .bind(org.place.to_string())
        .bind(d.title.trim().to_string())
        .bind(sealed_name)
        .bind(sealed_phone)
        .bind(index)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let event = Event::new("create", "contact", id)
            .at(org.place)
            .fields(&["title", "name", "phone"]);
        append(tx, by, &event);
        Ok(())
        })).await?;
        Ok(id.clone())
    }

    /// The contacts of one organisation.
    pub async fn contacts_of(
        &self,
        organisation_id: i64,
        reveal: Reveal<'_>,
    ) -> Result<Vec<Contact>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM contact WHERE organisation_id = $1 ORDER BY title, id"
        ))
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await?;
        self.contacts_from_rows(&rows, reveal).await
    }

    /// Every contact inside `scope` (filtered in SQL); names opened (and audited) only with
    /// `Reveal::To`.
    pub async fn contacts_in_scope(
        &self,
        scope: Scope,
        reveal: Reveal<'_>,
    ) -> Result<Vec<Contact>> {
        let (cond, value) = scope_condition(scope, 1, "place_code", None, Some("organisation_id"));
        let sql =
            format!("SELECT {COLUMNS} FROM contact WHERE {cond} ORDER BY place_code, title, id");
        let mut q = sqlx::query(&sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        self.contacts_from_rows(&rows, reveal).await
    }

    /// One contact.
    pub async fn contact(&self, id: &str, reveal: Reveal<'_>) -> Result<Contact> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM contact WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut list = self
            .contacts_from_rows(std::slice::from_ref(&row), reveal)
            .await?;
        list.pop().ok_or(StoreError::NotFound)
    }

    /// Ids of contacts with this phone number (exact, through the keyed hash).
    pub async fn contacts_by_phone(&self, phone: &str) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for index in self
            .keys
            .blind_indexes("contact.phone", &normalise_phone(phone))
        {
            let found: Vec<String> =
                sqlx::query_scalar("SELECT id FROM contact WHERE phone_index = $1 ORDER BY id")
                    .bind(index)
                    .fetch_all(&self.pool)
                    .await?;
            ids.extend(found);
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Records a break-the-glass access: `user` may read `entity` `entity_id` (at `place`)
    /// for `minutes`, because of `reason` (sealed: it may name people). At most
    /// [`GLASS_PER_DAY`] a day per user: an emergency is rare, and a habit is a leak.
    pub async fn grant_glass(
        &self,
        user: &Actor,
        entity: &str,
        entity_id: &str,
        place: PlaceCode,
        reason: &str,
        minutes: i64,
    ) -> Result<String> {
        let user_id = user
            .id
            .clone()
            .ok_or(StoreError::Rejected("error-required"))?;
        if reason.trim().chars().count() < 10 {
            return Err(StoreError::Rejected("error-reason-short"));
        }
        if reason.trim().chars().count() > 2_000 {
            return Err(StoreError::Rejected("error-too-long"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = time::OffsetDateTime::now_utc();
        let user_id = &user_id;
        let id = &id;
        self.write(|tx, _| Box::pin(async move {
        // Counted inside the write, so grants asked for at once are counted at once.
        let today: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM glass_grant WHERE user_id = $1 AND granted_at >= $2",
        )
        .bind(user_id)
        .bind(time_text(now - time::Duration::hours(24)))
        .fetch_one(&mut **tx)
        .await?;
        if today >= GLASS_PER_DAY {
            return Err(StoreError::Rejected("error-glass-limit"));
        }
        sqlx::query(
            "INSERT INTO glass_grant (id, user_id, entity, entity_id, place_code, reason, granted_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.clone())
        .bind(user_id)
        .bind(entity.to_string())
        .bind(entity_id.to_string())
        .bind(place.to_string())
        .bind(self.keys.seal("glass_grant", "reason", id, UNVERSIONED, reason.trim())?)
        .bind(time_text(now))
        .bind(time_text(now + time::Duration::minutes(minutes)))
        .execute(&mut **tx)
        .await?;
        let event = Event::new("break-glass", entity, entity_id)
            .at(place)
            .fields(&["reason"])
            .detail(format!("minutes={minutes}"));
        append(tx, user, &event);
        Ok(())
        })).await?;
        Ok(id.clone())
    }

    /// Whether `user_id` holds a live break-the-glass grant for the record.
    pub async fn has_glass(&self, user_id: &str, entity: &str, entity_id: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM glass_grant WHERE user_id = $1 AND entity = $2 AND entity_id = $3 AND expires_at > $4",
        )
        .bind(user_id.to_string())
        .bind(entity.to_string())
        .bind(entity_id.to_string())
        .bind(now_text())
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Break-the-glass grants on records inside `scope`, newest first, with their reasons:
    /// what the coordinator of that scope reviews.
    pub async fn glass_grants_in(&self, scope: Scope) -> Result<Vec<GlassGrant>> {
        let (cond, value) = scope_condition(scope, 1, "g.place_code", None, None);
        let sql = format!(
            "SELECT g.id, u.username, g.entity, g.entity_id, g.place_code, g.reason, g.granted_at, g.expires_at \
             FROM glass_grant g JOIN app_user u ON u.id = g.user_id \
             WHERE {cond} ORDER BY g.granted_at DESC LIMIT 200"
        );
        let mut q = sqlx::query(&sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let reason: String = r.try_get("reason")?;
                Ok(GlassGrant {
                    reason: self
                        .keys
                        .open("glass_grant", "reason", &id, UNVERSIONED, &reason)?,
                    id,
                    username: r.try_get("username")?,
                    entity: r.try_get("entity")?,
                    entity_id: r.try_get("entity_id")?,
                    place_code: r.try_get("place_code")?,
                    granted_at: r.try_get("granted_at")?,
                    expires_at: r.try_get("expires_at")?,
                })
            })
            .collect()
    }

    async fn contacts_from_rows(
        &self,
        rows: &[AnyRow],
        reveal: Reveal<'_>,
    ) -> Result<Vec<Contact>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.try_get("id")?;
            let place: String = r.try_get("place_code")?;
            let mut c = Contact {
                organisation_id: r.try_get("organisation_id")?,
                place: place
                    .parse()
                    .map_err(|_| StoreError::ReferenceData("bad place".into()))?,
                title: r.try_get("title")?,
                name: None,
                phone: None,
                version: r.try_get("version")?,
                id,
            };
            if let Reveal::To(actor) = reveal {
                let name: String = r.try_get("name")?;
                let phone: Option<String> = r.try_get("phone")?;
                c.name = Some(self.keys.open("contact", "name", &c.id, c.version, &name)?);
                c.phone = phone
                    .map(|p| self.keys.open("contact", "phone", &c.id, c.version, &p))
                    .transpose()?;
                self.audit(
                    actor,
                    &Event::new("view-personal", "contact", &c.id)
                        .at(c.place)
                        .fields(&["name", "phone"]),
                )
                .await?;
            }
            out.push(c);
        }
        Ok(out)
    }
}

/// A break-the-glass grant, for review.
#[derive(Debug, Clone, Serialize)]
pub struct GlassGrant {
    /// Id.
    pub id: String,
    /// Who.
    pub username: String,
    /// Which kind of record.
    pub entity: String,
    /// Which record.
    pub entity_id: String,
    /// Where.
    pub place_code: String,
    /// Why (opened from its sealed form).
    pub reason: String,
    /// When.
    pub granted_at: String,
    /// Until when.
    pub expires_at: String,
}

const COLUMNS: &str = "id, organisation_id, place_code, title, name, phone, version";

/// Opens the sealed columns of one row for the actor a [`Reveal`] names. Made by
/// [`Store::opener`], which writes the one audit entry for the view first; with `Reveal::No`
/// nothing is audited and every column stays closed.
#[derive(Debug)]
pub(crate) struct Opener<'a> {
    store: &'a Store,
    table: &'static str,
    id: String,
    open: bool,
}

impl Opener<'_> {
    /// The plain value of sealed column `col` of row `r`, if revealed and present.
    pub(crate) fn get(&self, r: &AnyRow, col: &str) -> Result<Option<String>> {
        let v: Option<String> = r.try_get(col)?;
        match v {
            Some(v) if self.open => {
                let at = crate::rekey::row_version(self.table, r)?;
                Ok(Some(
                    self.store.keys.open(self.table, col, &self.id, at, &v)?,
                ))
            }
            _ => Ok(None),
        }
    }
}

impl Store {
    /// Audits a view of row `id` of `table` (as `entity`, at `place`, showing `fields`) when
    /// `reveal` names someone, and returns what opens its sealed columns.
    pub(crate) async fn opener(
        &self,
        reveal: Reveal<'_>,
        entity: &str,
        table: &'static str,
        id: &str,
        place: &str,
        fields: &[&str],
    ) -> Result<Opener<'_>> {
        if let Reveal::To(actor) = reveal {
            let mut e = Event::new("view-personal", entity, id).fields(fields);
            e.place = place.parse().ok();
            self.audit(actor, &e).await?;
        }
        Ok(Opener {
            store: self,
            table,
            id: id.to_string(),
            open: matches!(reveal, Reveal::To(_)),
        })
    }
}
