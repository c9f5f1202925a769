//! The one record page: a record's current values, its correction form for those who may
//! correct it, and its history. Every kind of correctable record renders through
//! [`render`], so a stale form, a refused field and a saved correction look the same
//! everywhere: a stale form (409) keeps what was typed and shows the current record beside it.
//! The page also says whether the record was withdrawn (and why), and offers those who may
//! correct it to withdraw it, with a reason: records are never deleted.

use std::collections::BTreeMap;
use std::future::Future;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use setu_core::access::{Capability, Target};
use setu_core::records::{
    base_version, check_fields, FieldSpec, FieldType, WithdrawForm, WithdrawReason,
};
use setu_core::{Invalid, PlaceCode};
use setu_store::records::{Correction, FieldChange, Withdrawal};
use setu_store::sealing::Reveal;
use setu_store::StoreError;

use crate::auth::{allow, can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::inputs::bs_text;
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
    /// Whether the page offers its withdrawal.
    pub withdrawable: bool,
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
        place: "",
        lang: "",
        options: Vec::new(),
        max: 200,
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
    let action = action.filter(|_| rec.withdrawable);
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
        changes: history,
        withdrawn,
        withdraw,
        saved: notice == Notice::Saved,
        conflict: notice == Notice::Conflict,
        invalid: notice == Notice::Invalid,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

// ---- kinds corrected through their field descriptions ----

/// A kind of record whose page, correction and withdrawal are served by the shared handlers
/// ([`page`], [`correct`], [`withdraw_record`]) from its description alone: its table, its
/// fields (as `setu-core` checks them), who may read and correct it.
#[derive(Debug)]
pub struct Kind {
    /// As the audit trail names it (`meeting-decision`).
    pub entity: &'static str,
    /// Its table (rows keyed by `id`, with `version` and `withdrawn_at`).
    pub table: &'static str,
    /// The navigation section its pages belong to.
    pub nav: &'static str,
    /// Its correctable fields.
    pub fields: &'static [FieldSpec],
    /// To read its page.
    pub read: Capability,
    /// To correct or withdraw it.
    pub write: Capability,
    /// The register's kind (`encounter`) when a correction is matched again.
    pub rematch: Option<&'static str>,
    /// Whether it may be withdrawn (not when other records name it: a committee).
    pub withdrawable: bool,
}

/// Where a record sits, as its kind finds it: what the access check needs and what its page
/// links to. Nothing here may name a person (the heading is also what auditors read of a
/// withdrawn record).
#[derive(Debug)]
pub struct Located {
    /// Whom it belongs to, for the access check.
    pub target: Target,
    /// Whom else it belongs to (the receiving side of a hand-over), if anyone.
    pub also: Option<Target>,
    /// Its place (for audit entries).
    pub place: String,
    /// The page it belongs to: (link, name).
    pub parent: (String, String),
    /// The page's heading.
    pub heading: String,
    /// The record page's address (the correction form posts to it).
    pub address: String,
    /// What the page shows about the record besides its fields (its fiscal year).
    pub facts: Vec<(String, String)>,
}

/// A kind served by the shared record handlers: its description, and how to find a record.
pub trait Correctable: Send + Sync + 'static {
    /// Its description.
    const KIND: Kind;
    /// Where record `id` sits (`WebError::NotFound` if there is none).
    fn locate(
        app: &AppState,
        page: &Page,
        id: &str,
    ) -> impl Future<Output = Result<Located, WebError>> + Send;

    /// Whether `me` may read record `id` although it sits in a wider area than their scope
    /// (an alert shared with everyone in its area). Reading only: who may correct a record is
    /// decided by where it sits.
    fn shared_with(
        app: &AppState,
        me: &User,
        id: &str,
    ) -> impl Future<Output = Result<bool, WebError>> + Send {
        let _ = (app, me, id);
        async { Ok(false) }
    }
}

/// `GET` a record page of kind `K`.
pub async fn page<K: Correctable>(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let at = K::locate(&app, &page, &id).await?;
    if !K::shared_with(&app, &me, &id).await? {
        allow_at(&me, K::KIND.read, &at)?;
    }
    render_kind::<K>(&app, page, &me, &id, &at, None, None, opening(&q)).await
}

/// `POST` a correction of a record of kind `K`: the fields the reader may read, checked by
/// `setu-core`, applied by [`setu_store::Store::correct`] against the version the form was
/// based on.
pub async fn correct<K: Correctable>(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(typed): Form<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let at = K::locate(&app, &page, &id).await?;
    allow_at(&me, K::KIND.write, &at)?;
    let specs = readable(K::KIND.fields, &me, &at);
    let version = typed.get("version").map_or("", String::as_str);
    let outcome = match check_fields(&specs, &typed).and_then(|v| Ok((v, base_version(version)?))) {
        Ok((values, version)) => {
            let fields = values
                .into_iter()
                .zip(&specs)
                .map(|((name, value), spec)| (name, value, spec.sealed))
                .collect();
            let c = Correction {
                entity: K::KIND.entity,
                table: K::KIND.table,
                id: &id,
                version,
                place: at.place.parse().ok(),
                fields,
                rematch: K::KIND.rematch,
            };
            Ok(app.store.correct(&me.actor(), &c).await)
        }
        Err(inv) => Err(inv),
    };
    let saved_to = format!("{}?saved=1", at.address);
    answer(outcome, saved_to, |notice, inv| async move {
        render_kind::<K>(
            &app,
            page,
            &me,
            &id,
            &at,
            Some(&typed),
            inv.as_ref(),
            notice,
        )
        .await
    })
    .await
}

/// `POST` the withdrawal of a record of kind `K`.
pub async fn withdraw_record<K: Correctable>(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let at = K::locate(&app, &page, &id).await?;
    allow_at(&me, K::KIND.write, &at)?;
    let rec = kind_ref::<K>(&me, &id, &at);
    let saved_to = format!("{}?saved=1", at.address);
    let label = at.heading.clone();
    withdraw(&app, rec, K::KIND.table, label, f, saved_to, |notice| {
        render_kind::<K>(&app, page, &me, &id, &at, None, None, notice)
    })
    .await
}

/// 403 when the role lacks `cap`, 404 when the record is outside every side the reader
/// may use it on.
fn allow_at(me: &User, cap: Capability, at: &Located) -> Result<(), WebError> {
    match (allow(me, cap, Some(&at.target), false), &at.also) {
        (Ok(()), _) => Ok(()),
        (Err(e), Some(other)) if !matches!(e, WebError::Forbidden) => {
            if can(me, cap, Some(other), false) {
                Ok(())
            } else {
                Err(e)
            }
        }
        (Err(e), _) => Err(e),
    }
}

/// Whether the reader may use `cap` on the record (on any of its sides).
fn can_at(me: &User, cap: Capability, at: &Located) -> bool {
    can(me, cap, Some(&at.target), false)
        || at
            .also
            .as_ref()
            .is_some_and(|t| can(me, cap, Some(t), false))
}

/// The fields of `fields` the reader may read where the record sits (sealed ones only for
/// readers of personal data).
fn readable(fields: &'static [FieldSpec], me: &User, at: &Located) -> Vec<FieldSpec> {
    let personal = can_at(me, Capability::ReadPersonal, at);
    fields
        .iter()
        .filter(|f| personal || !f.sealed)
        .copied()
        .collect()
}

fn kind_ref<'a, K: Correctable>(me: &'a User, id: &str, at: &Located) -> RecordRef<'a> {
    RecordRef {
        entity: K::KIND.entity,
        id: id.to_string(),
        place: at.place.clone(),
        personal: can_at(me, Capability::ReadPersonal, at),
        withdrawable: K::KIND.withdrawable,
        me,
    }
}

/// A stored value as a reader reads it: a day in BS, a choice by its name, a number in her
/// digits.
fn shown(page: &Page, f: &FieldSpec, value: &str) -> String {
    if value.is_empty() {
        return "—".to_string();
    }
    match f.kind {
        FieldType::Date => page.date(value),
        FieldType::Choice(prefix, _) => page.t(&format!("{prefix}-{value}")),
        FieldType::Amount | FieldType::Count(..) | FieldType::Number(..) => value
            .parse::<i64>()
            .map_or_else(|_| value.to_string(), |n| page.num(&n)),
        FieldType::Text(_) | FieldType::Note(_) | FieldType::Phone => value.to_string(),
    }
}

/// The record page of a kind `K` record: its values, its correction form (with what was
/// `typed`, if sent), history and withdrawal.
#[allow(clippy::too_many_arguments)]
async fn render_kind<K: Correctable>(
    app: &AppState,
    page: Page,
    me: &User,
    id: &str,
    at: &Located,
    typed: Option<&BTreeMap<String, String>>,
    invalid: Option<&Invalid>,
    notice: Notice,
) -> Result<Response, WebError> {
    let specs = readable(K::KIND.fields, me, at);
    let rec = kind_ref::<K>(me, id, at);
    let actor = me.actor();
    let reveal = if rec.personal {
        Reveal::To(&actor)
    } else {
        Reveal::No
    };
    let current = app
        .store
        .record_values(K::KIND.entity, K::KIND.table, id, &at.place, &specs, reveal)
        .await?;
    let page = page.with_title(at.heading.clone(), K::KIND.nav);
    let facts = at
        .facts
        .iter()
        .cloned()
        .chain(
            specs
                .iter()
                .zip(&current.values)
                .map(|(f, v)| (page.t(f.label), shown(&page, f, v.as_deref().unwrap_or("")))),
        )
        .collect();
    let mut fields: Vec<FormField> = specs
        .iter()
        .zip(&current.values)
        .map(|(f, stored)| {
            let value = match (typed.and_then(|t| t.get(f.name)), f.kind) {
                (Some(t), _) => t.clone(),
                (None, FieldType::Date) => bs_text(stored.as_deref()),
                (None, _) => stored.clone().unwrap_or_default(),
            };
            form_field(&page, f, value)
        })
        .collect();
    mark(&page, &mut fields, invalid);
    let may_correct = can_at(me, K::KIND.write, at);
    let version = match (&notice, typed.and_then(|t| t.get("version"))) {
        (Notice::Conflict, _) | (_, None) => current.version,
        (_, Some(v)) => v.parse().unwrap_or(current.version),
    };
    let view = RecordView {
        title: page.title.clone(),
        parent: at.parent.clone(),
        facts,
        action: may_correct.then(|| at.address.clone()),
        version,
        fields,
    };
    let label = |name: &str, value: &str| match K::KIND.fields.iter().find(|f| f.name == name) {
        Some(f) => (page.t(f.label), shown(&page, f, value)),
        None => (name.to_string(), value.to_string()),
    };
    show(app, &page, view, rec, label, notice).await
}

/// A described field as a form field: a choice as a list (with an empty choice when it may be
/// left empty), numbers with the numeric keyboard, days with the BS hint.
fn form_field(page: &Page, f: &FieldSpec, value: String) -> FormField {
    let mut out = field(f.name, page.t(f.label), &value, f.required);
    match f.kind {
        FieldType::Choice(prefix, values) => {
            let prefix = format!("{prefix}-");
            out.options = super::choices(page, values.iter().copied(), &prefix, &value);
            if !f.required {
                out.options.insert(
                    0,
                    crate::templates::Choice {
                        value: String::new(),
                        label: "—".into(),
                        selected: value.is_empty(),
                    },
                );
            }
        }
        FieldType::Amount | FieldType::Count(..) | FieldType::Number(..) => out.numeric = true,
        FieldType::Date => out.hint = Some(page.t("field-bs-date-hint")),
        FieldType::Text(max) | FieldType::Note(max) => out.max = max,
        FieldType::Phone => out.max = 30,
    }
    if let Some(hint) = f.hint {
        out.hint = Some(page.t(hint));
    }
    out
}

/// Where a record that carries its place sits: `kind_label`'s name and the place's name as the
/// heading, inside `parent`, at `address`.
pub async fn placed(
    app: &AppState,
    page: &Page,
    place: Option<String>,
    kind_label: &str,
    parent: (String, String),
    address: String,
) -> Result<Located, WebError> {
    let place = place.unwrap_or_default();
    let code: Option<PlaceCode> = place.parse().ok();
    let name = match code {
        Some(c) => app.store.place(c).await?.map(|p| page.place_name(&p)),
        None => None,
    };
    Ok(Located {
        target: Target {
            place: code,
            ..Target::default()
        },
        also: None,
        heading: match name {
            Some(n) => format!("{} · {n}", page.t(kind_label)),
            None => page.t(kind_label),
        },
        place,
        parent,
        address,
        facts: Vec::new(),
    })
}
