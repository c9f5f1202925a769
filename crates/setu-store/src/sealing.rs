//! The one way to open sealed fields. A read says whether to open them ([`Reveal`]); a row's
//! sealed columns open through an [`Opener`], which [`Store::opener`] makes after writing the
//! one audit entry for the view, so that no view of personal data goes unaudited.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{Actor, Event};
use crate::{Result, Store};

/// Whether to open the sealed fields, and who is reading (for the audit trail).
#[derive(Debug, Clone, Copy)]
pub enum Reveal<'a> {
    /// Leave names and phones sealed.
    No,
    /// Open them; each record opened is audited as a view of personal data by this actor.
    To(&'a Actor),
}

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

impl<'a> Opener<'a> {
    /// The same reader's opener for another row whose view the same audit entry covers (the
    /// changes in one record's history).
    pub(crate) fn row(&self, table: &'static str, id: &str) -> Opener<'a> {
        Opener {
            store: self.store,
            table,
            id: id.to_string(),
            open: self.open,
        }
    }

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
    /// Audits one view of a page of a list's rows (`ids`, of `table`, as `entity`, showing
    /// `fields`) when `reveal` names someone, naming them in one entry, and returns what opens
    /// their sealed columns, row by row through [`Opener::row`].
    pub(crate) async fn page_opener(
        &self,
        reveal: Reveal<'_>,
        entity: &str,
        table: &'static str,
        ids: &[String],
        fields: &[&str],
        place: Option<setu_core::PlaceCode>,
    ) -> Result<Opener<'_>> {
        if let (Reveal::To(actor), false) = (reveal, ids.is_empty()) {
            let mut e = Event::new("view-personal", entity, "list")
                .fields(fields)
                .detail(ids.join(","));
            e.place = place;
            self.audit(actor, &e).await?;
        }
        Ok(Opener {
            store: self,
            table,
            id: String::new(),
            open: matches!(reveal, Reveal::To(_)),
        })
    }

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
