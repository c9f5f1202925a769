//! The one record page: a record's current values, its correction form for those who may
//! correct it, and its history. Every kind of correctable record renders through
//! [`render`], so a stale form, a refused field and a saved correction look the same
//! everywhere: a stale form (409) keeps what was typed and shows the current record beside it.

use std::future::Future;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use setu_core::Invalid;
use setu_store::records::FieldChange;
use setu_store::StoreError;

use crate::error::WebError;
use crate::page::Page;
use crate::templates::{FormField, RecordPage, RenderHtml};

/// The query of a record page (`?saved=1` after a save).
#[derive(Debug, serde::Deserialize, Default)]
pub struct SavedQuery {
    /// Set after a save.
    pub saved: Option<u8>,
}

/// How a record page opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Nothing to say.
    None,
    /// A correction was saved.
    Saved,
    /// The form was based on an older version.
    Conflict,
    /// Fields were refused (each says why).
    Invalid,
}

/// One record, as its page shows it.
#[derive(Debug)]
pub struct RecordView {
    /// Heading.
    pub title: String,
    /// Where the record belongs: (link, its name).
    pub parent: (String, String),
    /// Current values: (label, value).
    pub facts: Vec<(String, String)>,
    /// The correction form's address, when the reader may correct the record.
    pub action: Option<String>,
    /// The version the form is based on.
    pub version: i64,
    /// The form's fields, with what was typed and what is wrong.
    pub fields: Vec<FormField>,
}

/// A text field of a record form, labelled, with its value (options, hint and the numeric
/// keyboard are added with struct update where a field needs them).
pub fn field(name: &'static str, label: String, value: &str, required: bool) -> FormField {
    FormField {
        name,
        label,
        hint: None,
        value: value.to_string(),
        error: None,
        required,
        numeric: false,
        lang: "",
        options: Vec::new(),
    }
}

/// Turns `Invalid` into each field's message, in the reader's language.
pub fn mark(page: &Page, fields: &mut [FormField], inv: Option<&Invalid>) {
    for f in fields {
        f.error = inv.and_then(|i| i.for_field(f.name)).map(|m| page.t(m));
    }
}

/// One change of the history, as shown: when, who, which field, before and after.
#[derive(Debug)]
pub struct HistoryRow {
    /// When (BS date).
    pub at: String,
    /// Who.
    pub by: String,
    /// The field's label.
    pub field: String,
    /// The value before ("—" when empty; a note when sealed and closed to the reader).
    pub old: String,
    /// The value after.
    pub new: String,
}

/// The history as the page shows it; `show(field, value)` gives a field's label and a value's
/// text (a choice's name, an amount in the reader's digits).
pub fn history(
    page: &Page,
    changes: &[FieldChange],
    show: impl Fn(&str, &str) -> (String, String),
) -> Vec<HistoryRow> {
    let text = |c: &FieldChange, v: &Option<String>| match v {
        Some(v) => show(&c.field, v).1,
        None if c.sealed => page.t("history-sealed"),
        None => "—".to_string(),
    };
    changes
        .iter()
        .map(|c| HistoryRow {
            at: page.date(&c.at),
            by: c.by.clone(),
            field: show(&c.field, "").0,
            old: text(c, &c.old),
            new: text(c, &c.new),
        })
        .collect()
}

/// The notice a record page opens with (`?saved=1` after a save).
pub fn opening(q: &SavedQuery) -> Notice {
    if q.saved.is_some() {
        Notice::Saved
    } else {
        Notice::None
    }
}

/// Answers a correction: after a save, to `saved_to`; otherwise the page again through
/// `again` with its notice: the refused fields (a form that did not check, or the store's
/// refusal), or a conflict, for which `again` shows the current record beside what was typed
/// and bases the form on the current version, so that saving again is a choice made knowingly.
pub async fn answer<Fut>(
    outcome: Result<Result<i64, StoreError>, Invalid>,
    saved_to: String,
    again: impl FnOnce(Notice, Option<Invalid>) -> Fut,
) -> Result<Response, WebError>
where
    Fut: Future<Output = Result<Response, WebError>>,
{
    match outcome {
        Ok(Ok(_)) => Ok(Redirect::to(&saved_to).into_response()),
        Ok(Err(StoreError::Conflict { .. })) => again(Notice::Conflict, None).await,
        Ok(Err(e)) => match WebError::from(e) {
            WebError::Invalid(inv) => again(Notice::Invalid, Some(inv)).await,
            other => Err(other),
        },
        Err(inv) => again(Notice::Invalid, Some(inv)).await,
    }
}

/// Renders the record page.
pub fn render(
    page: &Page,
    mut view: RecordView,
    history: Vec<HistoryRow>,
    notice: Notice,
) -> Result<Response, WebError> {
    let status = match notice {
        Notice::Conflict => StatusCode::CONFLICT,
        Notice::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Notice::None | Notice::Saved => StatusCode::OK,
    };
    let html = RecordPage {
        p: page,
        fields: std::mem::take(&mut view.fields),
        view,
        history,
        saved: notice == Notice::Saved,
        conflict: notice == Notice::Conflict,
        invalid: notice == Notice::Invalid,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}
