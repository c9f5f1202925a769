//! Photos and documents on a survivor's case or a missing-person report (issue 16, point 12).
//! The file, its thumbnail and its caption are sealed like every other personal field, bound
//! to the row; a file never changes. Listing shows what files there are (kind, size, who added
//! them), captions only to a reader who may see them; every opening of a file or thumbnail is
//! an audited view of personal data. Whether the reader may see the record at all is decided
//! before, by the page, as for the record itself.

use setu_core::attachments::{AttachmentDraft, AttachmentKind, MAX_PER_RECORD};
use setu_core::PlaceCode;
use sqlx::Row;

use crate::audit::{Actor, Event};
use crate::rekey::UNVERSIONED;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// The record a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    /// A survivor's case (its id).
    Case(&'a str),
    /// A missing-person report (its id).
    Report(&'a str),
}

impl Owner<'_> {
    fn parts(&self) -> (&'static str, String) {
        match self {
            Owner::Case(id) => ("survivor-case", (*id).to_string()),
            Owner::Report(id) => ("missing-report", (*id).to_string()),
        }
    }
}

/// A file made ready to keep (cleaned by `setu-media`), with what the person said of it.
#[derive(Debug, Clone)]
pub struct NewFile {
    /// Kind and caption.
    pub about: AttachmentDraft,
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub mime: String,
    /// The file.
    pub bytes: Vec<u8>,
    /// A thumbnail (photos).
    pub thumb: Option<Vec<u8>>,
    /// A photo's size in pixels.
    pub width: i64,
    /// Height.
    pub height: i64,
}

/// A file as listed (its bytes are opened one by one, each an audited view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Id (UUID).
    pub id: String,
    /// Kind.
    pub kind: AttachmentKind,
    /// Caption, when revealed.
    pub label: Option<String>,
    /// Media type.
    pub mime: String,
    /// Bytes.
    pub size: i64,
    /// Whether it has a thumbnail.
    pub has_thumb: bool,
    /// Who added it (username).
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
}

impl Store {
    /// Keeps a file on a record (at `place`, for the audit trail); at most
    /// [`MAX_PER_RECORD`] on one record.
    pub async fn add_attachment(
        &self,
        by: &Actor,
        owner: Owner<'_>,
        place: Option<PlaceCode>,
        f: &NewFile,
    ) -> Result<String> {
        let (entity, entity_id) = owner.parts();
        let id = uuid::Uuid::new_v4().to_string();
        let seal = |column: &str, bytes: &[u8]| {
            self.keys
                .seal_bytes("attachment", column, &id, UNVERSIONED, bytes)
        };
        let data = seal("data", &f.bytes)?;
        let thumb = f.thumb.as_deref().map(|t| seal("thumb", t)).transpose()?;
        let label = f
            .about
            .label
            .as_deref()
            .map(|l| seal("label", l.as_bytes()))
            .transpose()?;
        let size = i64::try_from(f.bytes.len()).unwrap_or(i64::MAX);
        let (id, data, thumb, label) = (&id, &data, &thumb, &label);
        let (entity_id, f) = (&entity_id, f);
        self.record(by, |tx, _| {
            Box::pin(async move {
                // Counted inside the write, so files sent at once are counted at once.
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM attachment WHERE entity = $1 AND entity_id = $2",
                )
                .bind(entity)
                .bind(entity_id.clone())
                .fetch_one(&mut **tx)
                .await?;
                if n >= MAX_PER_RECORD {
                    return Err(StoreError::Rejected("error-attachment-too-many"));
                }
                sqlx::query(
                    "INSERT INTO attachment (id, entity, entity_id, kind, label, mime, size, \
                     width, height, data, thumb, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(id.clone())
                .bind(entity)
                .bind(entity_id.clone())
                .bind(f.about.kind.as_str())
                .bind(label.clone())
                .bind(f.mime.clone())
                .bind(size)
                .bind(f.width)
                .bind(f.height)
                .bind(data.clone())
                .bind(thumb.clone())
                .bind(by.name.clone())
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                let mut e = Event::new("create", "attachment", id).detail(format!(
                    "{entity}={entity_id} kind={}",
                    f.about.kind.as_str()
                ));
                e.place = place;
                audited(id.clone(), e)
            })
        })
        .await
    }

    /// The files on a record, oldest first; captions open with `Reveal::To` (one audited
    /// view).
    pub async fn attachments(
        &self,
        owner: Owner<'_>,
        reveal: Reveal<'_>,
    ) -> Result<Vec<Attachment>> {
        let (entity, entity_id) = owner.parts();
        let rows = sqlx::query(
            "SELECT id, kind, label, mime, size, thumb IS NOT NULL AS has_thumb, created_by, \
             created_at FROM attachment WHERE entity = $1 AND entity_id = $2 \
             ORDER BY created_at, id",
        )
        .bind(entity)
        .bind(entity_id)
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<String> = rows
            .iter()
            .filter(|r| matches!(r.try_get::<Option<String>, _>("label"), Ok(Some(_))))
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let open = self
            .page_opener(reveal, "attachment", "attachment", &ids, &["label"], None)
            .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let kind: String = r.try_get("kind")?;
                Ok(Attachment {
                    label: open.row("attachment", &id).get(r, "label")?,
                    kind: AttachmentKind::parse(&kind).unwrap_or(AttachmentKind::Other),
                    mime: r.try_get("mime")?,
                    size: r.try_get("size")?,
                    has_thumb: r
                        .try_get::<bool, _>("has_thumb")
                        .or_else(|_| r.try_get::<i64, _>("has_thumb").map(|n| n != 0))?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    id,
                })
            })
            .collect()
    }

    /// Opens one file of a record (or its thumbnail) for `reader`: its media type and bytes.
    /// Audited as a view of personal data; a file of another record is not found.
    pub async fn attachment_file(
        &self,
        owner: Owner<'_>,
        id: &str,
        thumb: bool,
        reader: &Actor,
        place: Option<PlaceCode>,
    ) -> Result<(String, Vec<u8>)> {
        let (entity, entity_id) = owner.parts();
        let column = if thumb { "thumb" } else { "data" };
        let row = sqlx::query(&format!(
            "SELECT mime, {column} AS v FROM attachment WHERE id = $1 AND entity = $2 \
             AND entity_id = $3"
        ))
        .bind(id.to_string())
        .bind(entity)
        .bind(entity_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let sealed: Option<String> = row.try_get("v")?;
        let sealed = sealed.ok_or(StoreError::NotFound)?;
        let mut e = Event::new("view-personal", "attachment", id).fields(&[column]);
        e.place = place;
        self.audit(reader, &e).await?;
        let bytes = self
            .keys
            .open_bytes("attachment", column, id, UNVERSIONED, &sealed)?;
        let mime = if thumb {
            "image/jpeg".to_string()
        } else {
            row.try_get("mime")?
        };
        Ok((mime, bytes))
    }
}
