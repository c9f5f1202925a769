//! Server-rendered pages. Each works without JavaScript.

pub mod account;
pub mod admin;
pub(crate) mod attachments;
pub mod audit;
pub mod booths;
pub mod cases;
pub mod committees;
pub mod directory;
pub mod engagement;
pub mod forum;
pub mod handovers;
pub mod home;
pub mod indicators;
pub mod inputs;
pub mod login;
pub mod matches;
pub mod notifications;
pub mod offline;
pub mod parents;
pub mod places;
pub mod prefs;
pub mod records;
pub mod risk;
pub mod statistics;
pub mod tracing;
pub mod wards;
pub mod youth;

use axum::http::StatusCode;
use setu_store::StoreError;

use crate::error::WebError;

/// A store refusal as the message to show on the form and its status; any other failure is an
/// error for the error pages. Built on the one mapping of store errors ([`WebError::from`]).
pub(crate) fn refusal(e: StoreError) -> Result<(&'static str, StatusCode), WebError> {
    match WebError::from(e) {
        WebError::Invalid(inv) => Ok((
            inv.0.first().map_or("form-errors-summary", |f| f.message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        WebError::Conflict => Ok(("form-conflict", StatusCode::CONFLICT)),
        other => Err(other),
    }
}

/// Why a submitted form is shown again: every message in the reader's language (for the
/// notice above the form), the fields that are wrong (to mark them), and the status.
#[derive(Debug)]
pub(crate) struct Refusal {
    /// Every message on one line.
    pub message: String,
    /// The fields and their messages (empty for a stale version).
    pub invalid: Option<setu_core::Invalid>,
    /// 422 for mistakes, 409 for a record changed since the form was opened.
    pub status: StatusCode,
}

/// The one answer to a submitted form: a redirect to `outcome`'s address when the write was
/// stored; otherwise the form's page again through `again`, with the refusal (mistakes 422,
/// a stale version 409). Any other failure goes to the error pages.
pub(crate) async fn settle<Fut>(
    page: crate::page::Page,
    outcome: Result<String, WebError>,
    again: impl FnOnce(crate::page::Page, Refusal) -> Fut,
) -> Result<axum::response::Response, WebError>
where
    Fut: std::future::Future<Output = Result<axum::response::Response, WebError>>,
{
    use axum::response::IntoResponse;
    let refusal = match outcome {
        Ok(next) => return Ok(axum::response::Redirect::to(&next).into_response()),
        Err(WebError::Invalid(inv)) => Refusal {
            message: invalid_message(&page, &inv),
            invalid: Some(inv),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        },
        Err(WebError::Conflict) => Refusal {
            message: page.t("form-conflict"),
            invalid: None,
            status: StatusCode::CONFLICT,
        },
        Err(other) => return Err(other),
    };
    let mut page = page;
    page.echo = echo(&page, refusal.invalid.as_ref());
    again(page, refusal).await
}

/// A refused form for `setu.js` to put back (JSON): the address it was sent to, each wrong
/// field's messages in the reader's language, and every field as typed. The page of a form
/// that is not drawn again with its values (a committee's page with its several forms) gets
/// them back this way; a form drawn with its values is left as it is.
fn echo(page: &crate::page::Page, invalid: Option<&setu_core::Invalid>) -> Option<String> {
    // A form with a file is not read into fields (its file cannot be put back anyway): its
    // refusal still comes back, with nothing typed.
    let empty = crate::auth::Posted::default();
    let posted = match (page.posted.as_ref(), invalid) {
        (Some(p), _) => p,
        (None, Some(_)) => &empty,
        (None, None) => return None,
    };
    let action = page.here.split('?').next().unwrap_or_default();
    let mut fields: Vec<(&str, String)> = Vec::new();
    for e in invalid.map(|i| i.0.as_slice()).unwrap_or_default() {
        fields.push((e.field, page.t(e.message)));
    }
    // A password is never written back into a page.
    let typed: Vec<&(String, String)> = posted
        .0
        .iter()
        .filter(|(k, _)| !k.contains("password"))
        .collect();
    let json = serde_json::json!({
        "action": action,
        "errors": fields,
        "typed": typed,
    });
    Some(json.to_string())
}

/// Refuses a write at `place` unless `me` may `cap` there, on the form's `field`.
pub(crate) fn may_write_at(
    me: &setu_store::auth::User,
    cap: setu_core::access::Capability,
    place: setu_core::PlaceCode,
    field: &'static str,
) -> Result<(), WebError> {
    let target = setu_core::access::Target {
        place: Some(place),
        ..Default::default()
    };
    if crate::auth::can(me, cap, Some(&target), false) {
        Ok(())
    } else {
        Err(out_of_scope(field))
    }
}

/// Every message of a refused form on one line, in the reader's language (for the notice above
/// a form that is shown again with what was typed).
pub(crate) fn invalid_message(page: &crate::page::Page, inv: &setu_core::Invalid) -> String {
    inv.0
        .iter()
        .map(|f| page.t(f.message))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The choices of a `<select>` over a vocabulary: each value shown by its message
/// `{prefix}{value}`, `selected` marked.
pub(crate) fn choices<'v>(
    page: &crate::page::Page,
    values: impl IntoIterator<Item = &'v str>,
    prefix: &str,
    selected: &str,
) -> Vec<crate::templates::Choice> {
    values
        .into_iter()
        .map(|v| crate::templates::Choice {
            value: v.to_string(),
            label: page.t(&format!("{prefix}{v}")),
            selected: v == selected,
        })
        .collect()
}

/// Refuses a record made in the name of organisation `id` unless the writer may `cap` for it:
/// their own organisation, or one based inside their place scope. Otherwise a ward office could
/// attribute a report to any NGO in the country, whose people would then read it.
pub(crate) async fn acting_for(
    app: &crate::AppState,
    me: &setu_store::auth::User,
    cap: setu_core::access::Capability,
    id: i64,
) -> Result<(), WebError> {
    let org = match app.store.organisation(id).await {
        Ok(org) => org,
        Err(setu_store::StoreError::NotFound) => {
            return Err(WebError::Invalid(setu_core::Invalid(vec![
                setu_core::FieldError {
                    field: "organisation",
                    message: "error-unknown-organisation",
                },
            ])))
        }
        Err(e) => return Err(e.into()),
    };
    let target = setu_core::access::Target {
        place: Some(org.place),
        site: None,
        organisation: Some(org.id),
    };
    if crate::auth::can(me, cap, Some(&target), false) {
        Ok(())
    } else {
        Err(out_of_scope("organisation"))
    }
}

/// A place or record outside the writer's scope, answered on the form like any other mistake.
pub(crate) fn out_of_scope(field: &'static str) -> WebError {
    WebError::Invalid(setu_core::Invalid(vec![setu_core::FieldError {
        field,
        message: "error-place-out-of-scope",
    }]))
}

/// The districts inside `scope` (code and name, by name): every district of the country or of
/// a province, or the district itself. Pages that work a district at a time offer these.
pub(crate) async fn districts_within(
    app: &crate::AppState,
    page: &crate::page::Page,
    scope: setu_core::access::Scope,
) -> Result<Vec<(String, String)>, WebError> {
    use setu_core::access::Scope;
    use setu_core::PlaceCode;
    let provinces: Vec<PlaceCode> = match scope {
        Scope::Place(PlaceCode::Country) => (1..=7).map(PlaceCode::Province).collect(),
        Scope::Place(p @ PlaceCode::Province(_)) => vec![p],
        Scope::Place(d @ PlaceCode::District(_)) => {
            let code = d.to_string();
            return Ok(vec![(code.clone(), page.place(&code))]);
        }
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for p in provinces {
        for d in app.store.children(p).await? {
            let code = d.code.to_string();
            out.push((code.clone(), page.place(&code)));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}
