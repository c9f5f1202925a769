//! What every web test shares: the app on each engine, a signed-in client, requests.

pub(crate) use axum::body::{to_bytes, Body};
pub(crate) use axum::http::{header, Request, StatusCode};
pub(crate) use axum::Router;
pub(crate) use setu_core::access::Role;
pub(crate) use setu_store::audit::Actor;
pub(crate) use setu_store::auth::{AuthPolicy, Login, NewUser};
pub(crate) use setu_store::Store;
pub(crate) use tower::ServiceExt;

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: String,
}

pub(crate) async fn send(app: &Router, req: Request<Body>) -> Resp {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = to_bytes(resp.into_body(), 10 << 20).await.unwrap();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub(crate) async fn get(app: &Router, path: &str, lang: &str) -> Resp {
    let req = Request::get(path)
        .header(header::COOKIE, format!("setu_lang={lang}"))
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone)]
pub(crate) struct Client {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) const PASSWORD: &str = "river-bridge-lantern";

/// Creates a user with `role` at `scope` and signs them in.
pub(crate) async fn sign_in(store: &Store, name: &str, role: Role, scope: &str) -> Client {
    let new = NewUser {
        username: name.into(),
        password: PASSWORD.into(),
        role,
        scope: scope.parse().unwrap(),
        full_name: None,
    };
    store
        .create_user(&Actor::system("test"), &new)
        .await
        .unwrap();
    client_for(store, name).await
}

pub(crate) async fn client_for(store: &Store, name: &str) -> Client {
    let policy = AuthPolicy::default();
    let Login::Ok { token, .. } = store.login(name, PASSWORD, "test", &policy).await.unwrap()
    else {
        panic!("login failed for {name}")
    };
    let csrf = store
        .session(&token, &policy)
        .await
        .unwrap()
        .unwrap()
        .csrf_token;
    Client {
        cookie: format!("setu_session={token}"),
        csrf,
    }
}

pub(crate) async fn get_as(app: &Router, path: &str, lang: &str, who: &Client) -> Resp {
    let req = Request::get(path)
        .header(header::COOKIE, format!("setu_lang={lang}; {}", who.cookie))
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

pub(crate) async fn post_form(
    app: &Router,
    path: &str,
    form: &[(&str, &str)],
    who: &Client,
) -> Resp {
    let mut pairs = form.to_vec();
    pairs.push(("csrf", &who.csrf));
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("setu_lang=en; {}", who.cookie))
        .body(Body::from(body))
        .unwrap();
    send(app, req).await
}

/// Posts a form with a file (`multipart/form-data`), the session's token among its fields.
pub(crate) async fn post_file(
    app: &Router,
    path: &str,
    form: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
    who: &Client,
) -> Resp {
    const B: &str = "setu-test-boundary-7d1f";
    let mut body: Vec<u8> = Vec::new();
    let mut fields = form.to_vec();
    fields.push(("csrf", &who.csrf));
    for (k, v) in fields {
        body.extend(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend(
            format!(
                "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{B}--\r\n").as_bytes());
    let req = Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={B}"),
        )
        .header(header::COOKIE, format!("setu_lang=en; {}", who.cookie))
        .body(Body::from(body))
        .unwrap();
    send(app, req).await
}

/// Posts a form without a session (sign-in steps), in English.
pub(crate) async fn post_anonymous(app: &Router, path: &str, form: &[(&str, &str)]) -> Resp {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "setu_lang=en")
        .body(Body::from(form_body(form)))
        .unwrap();
    send(app, req).await
}

pub(crate) async fn json(app: &Router, path: &str) -> (StatusCode, serde_json::Value) {
    let r = get(app, path, "en").await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null),
    )
}

/// Runs `f` against a fresh app on each engine.
pub(crate) async fn each_engine<F, Fut>(f: F)
where
    F: Fn(Router) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    setu_testkit::each_store(|store| f(setu_web::router(setu_web::App::new(store).unwrap()))).await;
}

/// Runs `f` against a fresh app and its store on each engine.
pub(crate) async fn each_app<F, Fut>(f: F)
where
    F: Fn(Router, Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    setu_testkit::each_store(|store| {
        let app = setu_web::router(setu_web::App::new(store.clone()).unwrap());
        f(app, store)
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Accounts, CSRF, sessions, tokens, personal data and the authorisation matrix.
// ---------------------------------------------------------------------------------------

pub(crate) fn form_body(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Posts a sync batch as `who`; returns the status and each record's (id, outcome, version).
pub(crate) async fn sync_batch(
    app: &Router,
    who: &Client,
    records: &[serde_json::Value],
) -> (StatusCode, Vec<(String, String, i64)>) {
    sync_to(app, "/api/v1/sync", who, records).await
}

/// Posts a sync batch to `path` (the booths' or the community's sync) as `who`.
pub(crate) async fn sync_to(
    app: &Router,
    path: &str,
    who: &Client,
    records: &[serde_json::Value],
) -> (StatusCode, Vec<(String, String, i64)>) {
    let body = serde_json::json!({ "records": records }).to_string();
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, who.cookie.clone())
        .header("x-csrf-token", who.csrf.clone())
        .body(Body::from(body))
        .unwrap();
    let r = send(app, req).await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
    let results = v["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap_or("").to_string(),
                a["outcome"].as_str().unwrap_or("").to_string(),
                a["version"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    (r.status, results)
}

/// A booth of the in-scope organisation, and a booth worker there.
pub(crate) async fn booth_and_worker(store: &Store) -> (i64, Client) {
    let booth = border_booth(store, "Replay booth").await;
    let worker = sign_in(
        store,
        "booth.replay",
        Role::BoothWorker,
        &format!("site:{booth}"),
    )
    .await;
    (booth, worker)
}

/// A border booth in Nepalganj called `name`.
pub(crate) async fn border_booth(store: &Store, name: &str) -> i64 {
    store
        .create_site(
            &Actor::system("test"),
            &setu_core::directory::DirectoryForm {
                name_en: name.into(),
                kind: "border-booth".into(),
                place: "51106".into(),
                ..Default::default()
            }
            .to_site()
            .unwrap(),
        )
        .await
        .unwrap()
}

/// The English name of Nepalganj as the bundled gazetteer spells it.
pub(crate) async fn nepalganj_en(store: &Store) -> String {
    store
        .place(setu_core::PlaceCode::LocalLevel(51106))
        .await
        .unwrap()
        .unwrap()
        .name_en
        .unwrap_or_default()
}

/// The record ids a list of proposals pairs.
pub(crate) fn store_ids(proposals: Vec<setu_store::matching::Proposal>) -> Vec<String> {
    proposals
        .into_iter()
        .flat_map(|p| [p.left_id, p.right_id])
        .collect()
}

/// `n` missing-person reports of people from `ward`, made on 20 January 2025 (FY 2081/82).
pub(crate) async fn missing_reports(store: &Store, ward: &str, n: usize) {
    let sys = Actor::system("test");
    let today = time::macros::date!(2025 - 03 - 01);
    for i in 0..n {
        let form = setu_core::tracing::ReportForm {
            reporter_name: format!("Parent {ward} {i}"),
            reporter_relation: "parent".into(),
            consent_tracing: "yes".into(),
            reported_on: "2025-01-20".into(),
            given_name: format!("Girl {i}"),
            sex: "female".into(),
            home: ward.into(),
            ..Default::default()
        };
        store
            .create_report(&sys, &form.check(today).unwrap())
            .await
            .unwrap();
    }
}
