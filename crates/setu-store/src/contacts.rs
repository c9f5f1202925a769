//! Contact persons of organisations: the first records with personal data. Names and phone
//! numbers are sealed at rest; a phone number can be looked up through its keyed hash.
//! Reading them is a separate step that the caller must ask for ([`Reveal`]), and every such
//! reading is audited, entry by entry ([`crate::sealing`]).

use serde::Serialize;
use setu_core::access::{Scope, Target};
use setu_core::PlaceCode;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{Actor, Event};
use crate::rekey::FIRST_VERSION;
use crate::scope::scope_condition;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

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

/// Digits only, without a leading +977 or 0: how phone numbers are compared.
pub fn normalise_phone(raw: &str) -> String {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.strip_prefix("977").unwrap_or(&digits).to_string();
    digits.trim_start_matches('0').to_string()
}

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
        self.record(by, |tx, _| Box::pin(async move {
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
        audited((), event)
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
            "SELECT {COLUMNS} FROM contact WHERE organisation_id = $1 AND withdrawn_at IS NULL \
             ORDER BY title, id"
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
        let sql = format!(
            "SELECT {COLUMNS} FROM contact WHERE {cond} AND withdrawn_at IS NULL \
             ORDER BY place_code, title, id"
        );
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
                sqlx::query_scalar(
                    "SELECT id FROM contact WHERE phone_index = $1 AND withdrawn_at IS NULL ORDER BY id",
                )
                    .bind(index)
                    .fetch_all(&self.pool)
                    .await?;
            ids.extend(found);
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }
}

const COLUMNS: &str = "id, organisation_id, place_code, title, name, phone, version";

impl Store {
    async fn contacts_from_rows(
        &self,
        rows: &[AnyRow],
        reveal: Reveal<'_>,
    ) -> Result<Vec<Contact>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.try_get("id")?;
            let place: String = r.try_get("place_code")?;
            let open = self
                .opener(
                    reveal,
                    "contact",
                    "contact",
                    &id,
                    &place,
                    &["name", "phone"],
                )
                .await?;
            out.push(Contact {
                organisation_id: r.try_get("organisation_id")?,
                place: place
                    .parse()
                    .map_err(|_| StoreError::ReferenceData("bad place".into()))?,
                title: r.try_get("title")?,
                name: open.get(r, "name")?,
                phone: open.get(r, "phone")?,
                version: r.try_get("version")?,
                id,
            });
        }
        Ok(out)
    }
}
