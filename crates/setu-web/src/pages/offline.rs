//! Youth ambassadors' events, parents' group sessions and survivors' follow-up visits recorded
//! on a phone without a connection: the phone queues them (`offline.js`, as the booth capture page does) and sends
//! them here when it can. Each record carries the id the phone gave it and is stored once
//! ([`setu_store::offline`]); each gets its own answer in the booths' sync format, so the
//! phone's queue treats both alike: `created` or `unchanged` leave the phone, `invalid`
//! (with each field's message) waits for the person, `retry` is sent again.

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use setu_core::access::Capability;
use setu_core::community::{SessionForm, YouthEventForm};
use setu_store::auth::User;
use setu_store::booths::{SyncOutcome, SyncResult};
use setu_store::offline::Once;
use setu_store::sealing::Reveal;
use setu_store::StoreError;

use crate::auth::{can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::booths::{answer, bs_month_starts, read_batch, Refused, SyncRecord};
use crate::pages::may_write_at;
use crate::templates::OfflineRoot;
use crate::AppState;

/// `POST /api/v1/community/sync`: youth events (`youth-event`), parents' sessions
/// (`parents-session`, with `group`) and follow-ups (`case-followup`, with `followup`)
/// recorded offline. The role's right to write at the
/// record's ward is checked per record, as the online forms check it.
pub async fn sync(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Value>, WebError> {
    let batch = read_batch(body)?;
    let mut answers = Vec::with_capacity(batch.records.len());
    for rec in &batch.records {
        let result = match store(&app, &me, rec).await {
            Ok(once) => Ok(SyncResult {
                id: rec.id.to_ascii_lowercase(),
                outcome: match once {
                    Once::Created => SyncOutcome::Created,
                    Once::AlreadyStored => SyncOutcome::Unchanged,
                },
                version: 1,
                conflict: None,
            }),
            Err(Refused::Web(e)) if !matches!(e, WebError::Invalid(_)) => return Err(e),
            Err(Refused::Web(WebError::Invalid(inv))) => Err(Refused::Fields(inv)),
            Err(refused) => Err(refused),
        };
        answers.push(answer(&page, rec, result));
    }
    Ok(Json(serde_json::json!({ "results": answers })))
}

/// Checks and stores one record as its online form would.
async fn store(app: &AppState, me: &User, rec: &SyncRecord) -> Result<Once, Refused> {
    let today = setu_core::calendar::today_in_nepal();
    let by = me.actor();
    let stored = match rec.kind.as_str() {
        "youth-event" => {
            let form: YouthEventForm =
                serde_json::from_value(strings(&rec.data)).map_err(|_| Refused::Malformed)?;
            let d = form.check(today).map_err(Refused::Fields)?;
            may_write_at(me, Capability::WriteYouth, d.ward, "ward")?;
            app.store.record_youth_event_once(&by, &rec.id, &d).await
        }
        "parents-session" => {
            let group: i64 = field(&rec.data, "group")
                .parse()
                .map_err(|_| Refused::Malformed)?;
            let g = app
                .store
                .group(group)
                .await
                .map_err(|_| Refused::Malformed)?;
            // A group outside the writer's reach is this record's answer, not the batch's.
            if !can(me, Capability::WriteParents, Some(&g.target()), false) {
                return Err(Refused::Fields(setu_core::Invalid(vec![
                    setu_core::FieldError {
                        field: "group",
                        message: "error-place-out-of-scope",
                    },
                ])));
            }
            let form = SessionForm::from_pairs(pairs(&rec.data));
            let members: Vec<String> = app
                .store
                .group_members(g.id, Reveal::No)
                .await
                .map_err(WebError::from)?
                .into_iter()
                .map(|m| m.id)
                .collect();
            let d = form.check(today, &members).map_err(Refused::Fields)?;
            app.store.record_session_once(&by, &rec.id, g.id, &d).await
        }
        "case-followup" => {
            let form: setu_core::cases::FollowUpForm =
                serde_json::from_value(strings(&rec.data)).map_err(|_| Refused::Malformed)?;
            let d = form.check(today).map_err(Refused::Fields)?;
            // A follow-up of a case she may not write (another organisation's, or gone) is
            // this record's answer, not the batch's.
            let out_of_reach = || {
                Refused::Fields(setu_core::Invalid(vec![setu_core::FieldError {
                    field: "followup",
                    message: "error-place-out-of-scope",
                }]))
            };
            let case = app
                .store
                .followup_case(&d.followup)
                .await
                .map_err(WebError::from)?
                .ok_or_else(out_of_reach)?;
            crate::pages::cases::case_for(app, me, &case, Capability::WriteSurvivorCases)
                .await
                .map_err(|_| out_of_reach())?;
            app.store
                .record_followup_once(&by, &case, &rec.id, &d)
                .await
        }
        _ => return Err(Refused::Malformed),
    };
    stored.map_err(|e| match e {
        StoreError::Rejected(_) | StoreError::UnknownReference(_) | StoreError::NotFound => {
            Refused::from(e)
        }
        _ => Refused::Retry,
    })
}

/// The record's fields as the phone sent them: every value as text, a list as its items.
fn pairs(data: &Value) -> Vec<(String, String)> {
    let Some(map) = data.as_object() else {
        return Vec::new();
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    map.iter()
        .flat_map(|(k, v)| match v {
            Value::Array(items) => items.iter().map(|i| (k.clone(), text(i))).collect(),
            one => vec![(k.clone(), text(one))],
        })
        .collect()
}

/// The record's fields as one object of texts (a list keeps its last item), for a form that
/// is read with serde.
fn strings(data: &Value) -> Value {
    Value::Object(
        pairs(data)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

fn field(data: &Value, name: &str) -> String {
    pairs(data)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// What a page that records offline gives `offline.js` for `me`: the queue `queue` (one per
/// page, so that a session form's queue is its group's), sealed with `me`'s queue key, and
/// the service worker of `folder`.
pub(crate) fn root(
    app: &AppState,
    me: &User,
    queue: String,
    folder: &'static str,
    next: String,
) -> OfflineRoot {
    OfflineRoot {
        queue,
        qkey: app.store.keys().queue_key(&me.id),
        bs_months: bs_month_starts(),
        folder,
        next,
    }
}

/// `GET /youth/sw.js`, `/parents-groups/sw.js`, `/cases/sw.js`: the booths' service worker, served in each
/// folder whose pages record offline (a worker controls only the folder it comes from).
pub async fn service_worker() -> axum::response::Response {
    crate::pages::booths::service_worker().await
}
