//! How fast the missing-person register answers on a large register (issue 14, point 6): a
//! register of N reports in one district (default 100,000), the first page of `/tracing`, the
//! next page, and a correction saved, each timed 30 times through the whole web stack
//! in-process (router, session, access check, SQL, opening names, audit, HTML). Results go in
//! docs/benchmarks.md with this command:
//!
//!     cargo run --release -p setu-web --example register_speed -- [--reports 100000] \
//!         [--postgres postgres://postgres@127.0.0.1:5432/setu_bench]
//!
//! Without `--postgres` the register is a fresh SQLite file in a temporary folder; with it, a
//! PostgreSQL database that is emptied first (it must exist). With `--keys FILE` as well, the
//! keys are kept in that file and a database that already holds the register is timed as it
//! is, so that the timing can be repeated on a quiet machine without storing it again. Reports are stored through the
//! store's own path (sealed, audited); their matching is skipped (no consent to tracing), as
//! it has nothing to do with how fast the register reads.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark program: failing loudly is right

use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use setu_core::access::Role;
use setu_store::audit::Actor;
use setu_store::auth::{AuthPolicy, Login, NewUser};
use setu_store::{ConnectOptions, Store};
use tower::ServiceExt;

#[path = "support/timing.rs"]
mod timing;
use timing::summary;

const PASSWORD: &str = "river-bridge-lantern";
const RUNS: usize = 30;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let reports: usize = value("--reports").map_or(100_000, |v| v.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let keys = value("--keys");
    let (mut options, engine) = match value("--postgres") {
        Some(url) => {
            if keys.is_none() || stored(&url).await < reports {
                empty_postgres(&url).await;
            }
            (ConnectOptions::new(url), "PostgreSQL")
        }
        None => (
            ConnectOptions::sqlite_file(&dir.path().join("register.db")),
            "SQLite",
        ),
    };
    if let Some(path) = &keys {
        let keyring = setu_store::crypto::Keyring::load_or_create(std::path::Path::new(path));
        options.keys = std::sync::Arc::new(keyring.unwrap());
    }
    let store = Store::open(&options).await.unwrap();
    let held: usize = store
        .raw_query_for_tests("SELECT CAST(COUNT(*) AS TEXT) FROM missing_report")
        .await
        .unwrap()
        .remove(0)
        .parse()
        .unwrap();
    if held < reports {
        println!("{engine}: storing {reports} reports in one district…");
        let started = Instant::now();
        seed(&store, reports).await;
        println!("  stored in {:.0} s", started.elapsed().as_secs_f64());
    } else {
        println!("{engine}: timing the register of {held} reports already stored");
    }

    let app = setu_web::router(setu_web::App::new(store.clone()).unwrap());
    let cookie = sign_in(&store).await;
    let (first, body) = timed(&app, &cookie, "/tracing?status=all").await;
    let next = next_page(&body);
    let (second, _) = timed(&app, &cookie, &next).await;
    let correction = corrections(&app, &store, &cookie).await;
    println!("  first page of /tracing : {}", summary(&first));
    println!("  next page             : {}", summary(&second));
    println!("  a correction saved    : {}", summary(&correction));
}

/// Stores `n` reports in ward 3 of Nepalganj's district (Banke), 8 at a time.
async fn seed(store: &Store, n: usize) {
    let sys = Actor::system("bench");
    let today = time::OffsetDateTime::now_utc().date();
    let mut done = 0;
    while done < n {
        let batch: Vec<_> = (done..(done + 8).min(n))
            .map(|i| {
                let form = setu_core::tracing::ReportForm {
                    reporter_name: "Hari Tamang".into(),
                    reporter_relation: "parent".into(),
                    consent_tracing: "no".into(),
                    reported_on: format!(
                        "20{:02}-{:02}-{:02}",
                        15 + i % 10,
                        i % 12 + 1,
                        i % 28 + 1
                    ),
                    given_name: format!("Girl {i}"),
                    family_name: "Tamang".into(),
                    sex: "female".into(),
                    age: format!("{}", 12 + i % 8),
                    home: format!("51106{:02}", i % 19 + 1),
                    ..Default::default()
                };
                form.check(today).unwrap()
            })
            .collect();
        let writes = batch.iter().map(|d| store.create_report(&sys, d));
        for r in futures_join(writes).await {
            r.unwrap();
        }
        done += batch.len();
        if done % 10_000 < 8 {
            println!("    {done}");
        }
    }
}

async fn futures_join<F: std::future::Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = fs.collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await);
    }
    out
}

async fn sign_in(store: &Store) -> String {
    let new = NewUser {
        username: "bench.district".into(),
        password: PASSWORD.into(),
        role: Role::DistrictCoordinator,
        scope: "511".parse().unwrap(),
        full_name: None,
    };
    // Already there when the register was kept from an earlier run.
    let _ = store.create_user(&Actor::system("bench"), &new).await;
    let policy = AuthPolicy::default();
    let Login::Ok { token, .. } = store
        .login("bench.district", PASSWORD, "bench", &policy)
        .await
        .unwrap()
    else {
        panic!("sign-in failed")
    };
    format!("setu_session={token}; setu_lang=en")
}

/// `RUNS` GETs of `path`: their times and the last body.
async fn timed(app: &Router, cookie: &str, path: &str) -> (Vec<Duration>, String) {
    let mut times = Vec::with_capacity(RUNS);
    let mut body = String::new();
    for _ in 0..RUNS {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let t = Instant::now();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let bytes = to_bytes(resp.into_body(), 16 << 20).await.unwrap();
        times.push(t.elapsed());
        body = String::from_utf8_lossy(&bytes).into_owned();
    }
    (times, body)
}

fn next_page(body: &str) -> String {
    body.split("rel=\"next\"")
        .next()
        .and_then(|b| b.rsplit("href=\"").next())
        .and_then(|h| h.split('"').next())
        .expect("a next page")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// `RUNS` corrections of one report's description, each from its current version.
async fn corrections(app: &Router, store: &Store, cookie: &str) -> Vec<Duration> {
    let csrf = {
        let token = cookie
            .split(';')
            .next()
            .and_then(|c| c.strip_prefix("setu_session="))
            .unwrap();
        store
            .session(token, &AuthPolicy::default())
            .await
            .unwrap()
            .unwrap()
            .csrf_token
    };
    let id: String = store
        .raw_query_for_tests("SELECT MIN(id) FROM missing_report")
        .await
        .unwrap()
        .remove(0);
    let mut times = Vec::with_capacity(RUNS);
    for run in 0..RUNS {
        let r = store
            .report(
                &id,
                setu_store::sealing::Reveal::To(&Actor::system("bench")),
            )
            .await
            .unwrap();
        let description = format!("Seen near the bus park, visit {run}");
        let version = r.version.to_string();
        let form = [
            ("reporter_name", r.reporter_name.clone().unwrap_or_default()),
            (
                "reporter_relation",
                r.reporter_relation.as_str().to_string(),
            ),
            ("consent_tracing", "no".to_string()),
            ("reported_on", r.reported_on.clone()),
            ("given_name", r.given_name.clone().unwrap_or_default()),
            ("family_name", r.family_name.clone().unwrap_or_default()),
            ("sex", "female".to_string()),
            ("age", r.age.map(|a| a.to_string()).unwrap_or_default()),
            ("home", r.place_code.clone()),
            ("description", description),
            ("version", version),
            ("csrf", csrf.clone()),
        ];
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let req = Request::post(format!("/tracing/reports/{id}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap();
        let t = Instant::now();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "correction {run}");
        times.push(t.elapsed());
    }
    times
}

async fn empty_postgres(url: &str) {
    use sqlx::{Connection, Executor};
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        .await
        .unwrap();
}

/// How many reports a PostgreSQL database holds (0 when it has no register yet).
async fn stored(url: &str) -> usize {
    use sqlx::{Connection, Row};
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query("SELECT COUNT(*) AS n FROM missing_report")
        .fetch_one(&mut c)
        .await
        .ok()
        .and_then(|r| r.try_get::<i64, _>("n").ok())
        .map_or(0, |n| usize::try_from(n).unwrap_or(0))
}
