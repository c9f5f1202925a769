//! The one record page: a record's current values, its correction form for those who may
//! correct it, and its history. Every kind of correctable record renders through
//! [`render`], so a stale form, a refused field and a saved correction look the same
//! everywhere: a stale form (409) keeps what was typed and shows the current record beside it.
//! The page also says whether the record was withdrawn (and why), and offers those who may
//! correct it to withdraw it, with a reason: records are never deleted.

use std::future::Future;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use setu_core::records::{WithdrawForm, WithdrawReason};
use setu_core::{Invalid, PlaceCode};
use setu_store::records::{FieldChange, Withdrawal};
use setu_store::sealing::Reveal;
use setu_store::StoreError;

use crate::error::WebError;
use crate::page::Page;
use crate::templates::{FormField, RecordPage, RenderHtml};
use crate::AppState;
use setu_store::auth::User;

/// The query of a record page (`?saved=1` after a save).
#[derive(Debug, serde::Deserialize, Default)]
pub struct SavedQuery {
    /// Set after a save.
    pub saved: Option<u8>,
}

/// How a record page opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Nothing to say.
    None,
    /// A correction was saved.
    Saved,
    /// The form was based on an older version.
    Conflict,
    /// Fields were refused (each says why).
    Invalid,
    /// A withdrawal was refused: its form again, with what is wrong, or based on an older
    /// version (`conflict`).
    Withdraw {
        /// As typed.
        form: WithdrawForm,
        /// What is wrong with it.
        invalid: Option<Invalid>,
        /// Whether the record changed since the page was read.
        conflict: bool,
    },
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

/// Which record a page shows, for its history and its withdrawal.
#[derive(Debug)]
pub struct RecordRef<'a> {
    /// The kind, as the audit trail names it (`budget-line`).
    pub entity: &'static str,
    /// Which record.
    pub id: String,
    /// Where it is (for the audit entry of a view of sealed values).
    pub place: String,
    /// Whether the reader may read personal data there: sealed earlier values and a
    /// withdrawal's note open for her (one audited view each), and stay sealed for others.
    pub personal: bool,
    /// The reader.
    pub me: &'a User,
}

/// A withdrawn record's notice, as its page shows it.
#[derive(Debug)]
pub struct WithdrawnView {
    /// Why (in the reader's language).
    pub reason: String,
    /// The note, or a word that it is sealed, or nothing.
    pub note: Option<String>,
    /// Who.
    pub by: String,
    /// When (BS date).
    pub at: String,
}

/// The withdrawal form of a record page.
#[derive(Debug)]
pub struct WithdrawBox {
    /// Where it posts.
    pub action: String,
    /// The version the withdrawal is based on.
    pub version: i64,
    /// Its fields: the reason (a choice) and the note.
    pub fields: Vec<FormField>,
    /// Open (after a refusal), rather than folded.
    pub open: bool,
    /// The refusal was a conflict.
    pub conflict: bool,
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
        .map(|c| match c.field.as_str() {
            "withdrawn" => HistoryRow {
                at: page.date(&c.at),
                by: c.by.clone(),
                field: page.t("record-withdrawn-field"),
                old: "—".to_string(),
                new: c
                    .new
                    .as_deref()
                    .map(|r| page.t(&format!("withdraw-reason-{r}")))
                    .unwrap_or_default(),
            },
            _ => HistoryRow {
                at: page.date(&c.at),
                by: c.by.clone(),
                field: show(&c.field, "").0,
                old: text(c, &c.old),
                new: text(c, &c.new),
            },
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

/// Withdraws record `rec` (of `table`, described for auditors by `label`) with the reason
/// typed in `f`: after it, to `saved_to`; a refused or stale form goes back to the record page
/// through `again`, with what was typed.
pub async fn withdraw<Fut>(
    app: &AppState,
    rec: RecordRef<'_>,
    table: &'static str,
    label: String,
    f: WithdrawForm,
    saved_to: String,
    again: impl FnOnce(Notice) -> Fut,
) -> Result<Response, WebError>
where
    Fut: Future<Output = Result<Response, WebError>>,
{
    let what = match f.check() {
        Ok(what) => what,
        Err(inv) => {
            return again(Notice::Withdraw {
                form: f,
                invalid: Some(inv),
                conflict: false,
            })
            .await
        }
    };
    let w = Withdrawal {
        entity: rec.entity,
        table,
        id: &rec.id,
        place: rec.place.parse::<PlaceCode>().ok(),
        label,
        what: &what,
    };
    match app.store.withdraw(&rec.me.actor(), &w).await {
        Ok(_) => Ok(Redirect::to(&saved_to).into_response()),
        Err(StoreError::Conflict { .. }) => {
            again(Notice::Withdraw {
                form: f,
                invalid: None,
                conflict: true,
            })
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Renders the record page of `rec`: `view` with the record's history (its labels and values
/// through `show`) and, if it was withdrawn, why (then it is no longer corrected); otherwise
/// the withdrawal form for those who may correct it.
pub async fn show(
    app: &AppState,
    page: &Page,
    mut view: RecordView,
    rec: RecordRef<'_>,
    show: impl Fn(&str, &str) -> (String, String),
    notice: Notice,
) -> Result<Response, WebError> {
    let actor = rec.me.actor();
    let reveal = if rec.personal {
        Reveal::To(&actor)
    } else {
        Reveal::No
    };
    let changes = app
        .store
        .history(rec.entity, &rec.id, &rec.place, reveal)
        .await?;
    let history = history(page, &changes, show);
    let (withdrawn, withdraw) = withdrawal(
        app,
        page,
        &rec,
        reveal,
        view.action.as_deref(),
        view.version,
        &notice,
    )
    .await?;
    if withdrawn.is_some() {
        // A withdrawn record is no longer corrected.
        view.action = None;
    }
    render(page, view, history, withdrawn, withdraw, notice)
}

/// Whether `rec` was withdrawn (and why, the note opened with `reveal`); if not, and the reader
/// may correct it at `action`, the withdrawal form (as typed after a refusal in `notice`).
pub async fn withdrawal(
    app: &AppState,
    page: &Page,
    rec: &RecordRef<'_>,
    reveal: Reveal<'_>,
    action: Option<&str>,
    version: i64,
    notice: &Notice,
) -> Result<(Option<WithdrawnView>, Option<WithdrawBox>), WebError> {
    let withdrawn = app
        .store
        .withdrawal(rec.entity, &rec.id, &rec.place, reveal)
        .await?
        .map(|w| WithdrawnView {
            reason: page.t(&format!("withdraw-reason-{}", w.reason.as_str())),
            note: match (w.note, w.has_note) {
                (Some(n), _) => Some(n),
                (None, true) => Some(page.t("history-sealed")),
                (None, false) => None,
            },
            by: w.by,
            at: page.date(&w.at),
        });
    let withdraw = match (&withdrawn, action) {
        (Some(_), _) | (None, None) => None,
        (None, Some(action)) => {
            let (typed, invalid, open, conflict) = match notice {
                Notice::Withdraw {
                    form,
                    invalid,
                    conflict,
                } => (form.clone(), invalid.clone(), true, *conflict),
                _ => (WithdrawForm::default(), None, false, false),
            };
            let mut b = withdraw_box(page, action, &typed, invalid.as_ref(), open, conflict);
            b.version = version;
            Some(b)
        }
    };
    Ok((withdrawn, withdraw))
}

/// The withdrawal form: a reason from the list, and a note (needed for "other").
fn withdraw_box(
    page: &Page,
    action: &str,
    typed: &WithdrawForm,
    invalid: Option<&Invalid>,
    open: bool,
    conflict: bool,
) -> WithdrawBox {
    let mut fields = vec![
        FormField {
            options: super::choices(
                page,
                WithdrawReason::ALL.iter().map(|r| r.as_str()),
                "withdraw-reason-",
                &typed.reason,
            ),
            ..field("reason", page.t("withdraw-reason"), &typed.reason, true)
        },
        FormField {
            hint: Some(page.t("withdraw-note-hint")),
            ..field("note", page.t("withdraw-note"), &typed.note, false)
        },
    ];
    mark(page, &mut fields, invalid);
    WithdrawBox {
        action: format!("{action}/withdraw"),
        version: 0,
        fields,
        open,
        conflict,
    }
}

/// Renders the record page.
fn render(
    page: &Page,
    mut view: RecordView,
    history: Vec<HistoryRow>,
    withdrawn: Option<WithdrawnView>,
    withdraw: Option<WithdrawBox>,
    notice: Notice,
) -> Result<Response, WebError> {
    let status = match notice {
        Notice::Conflict | Notice::Withdraw { conflict: true, .. } => StatusCode::CONFLICT,
        Notice::Invalid | Notice::Withdraw { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Notice::None | Notice::Saved => StatusCode::OK,
    };
    let html = RecordPage {
        p: page,
        fields: std::mem::take(&mut view.fields),
        view,
        history,
        withdrawn,
        withdraw,
        saved: notice == Notice::Saved,
        conflict: notice == Notice::Conflict,
        invalid: notice == Notice::Invalid,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}
