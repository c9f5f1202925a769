//! The web application in-process, on every engine under test.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use setu_core::access::Role;
use setu_store::audit::Actor;
use setu_store::auth::{AuthPolicy, Login, NewUser};
use setu_store::Store;
use tower::ServiceExt;

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(app: &Router, req: Request<Body>) -> Resp {
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

async fn get(app: &Router, path: &str, lang: &str) -> Resp {
    let req = Request::get(path)
        .header(header::COOKIE, format!("setu_lang={lang}"))
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone)]
struct Client {
    cookie: String,
    csrf: String,
}

const PASSWORD: &str = "river-bridge-lantern";

/// Creates a user with `role` at `scope` and signs them in.
async fn sign_in(store: &Store, name: &str, role: Role, scope: &str) -> Client {
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

async fn client_for(store: &Store, name: &str) -> Client {
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

async fn get_as(app: &Router, path: &str, lang: &str, who: &Client) -> Resp {
    let req = Request::get(path)
        .header(header::COOKIE, format!("setu_lang={lang}; {}", who.cookie))
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

async fn post_form(app: &Router, path: &str, form: &[(&str, &str)], who: &Client) -> Resp {
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

/// Posts a form without a session (sign-in steps), in English.
async fn post_anonymous(app: &Router, path: &str, form: &[(&str, &str)]) -> Resp {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "setu_lang=en")
        .body(Body::from(form_body(form)))
        .unwrap();
    send(app, req).await
}

async fn json(app: &Router, path: &str) -> (StatusCode, serde_json::Value) {
    let r = get(app, path, "en").await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null),
    )
}

/// Runs `f` against a fresh app on each engine.
async fn each_engine<F, Fut>(f: F)
where
    F: Fn(Router) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    setu_testkit::each_store(|store| f(setu_web::router(setu_web::App::new(store).unwrap()))).await;
}

/// Runs `f` against a fresh app and its store on each engine.
async fn each_app<F, Fut>(f: F)
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

#[tokio::test]
async fn home_page_in_both_languages_with_nepali_digits() {
    each_engine(|app| async move {
        let ne = get(&app, "/", "ne").await;
        assert_eq!(ne.status, StatusCode::OK);
        assert!(ne.body.contains(r#"<html lang="ne">"#));
        assert!(ne.body.contains("सेतु"));
        assert!(ne.body.contains("गृहपृष्ठ"));
        // 753 local levels and 6,743 wards, in Devanagari digits with Nepali grouping.
        assert!(ne.body.contains("७५३"), "Devanagari count of local levels");
        assert!(ne.body.contains("६,७४३"), "Devanagari count of wards");
        assert!(ne.body.contains("आर्थिक वर्ष"));

        let en = get(&app, "/", "en").await;
        assert!(en.body.contains(r#"<html lang="en">"#));
        assert!(en.body.contains("Fiscal year"));
        assert!(en.body.contains("6,743"));
        assert!(!en.body.contains("गृहपृष्ठ"));

        let latin = send(
            &app,
            Request::get("/")
                .header(header::COOKIE, "setu_lang=ne; setu_digits=latn")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert!(latin.body.contains("6,743") && latin.body.contains("गृहपृष्ठ"));
    })
    .await;
}

#[tokio::test]
async fn language_switch_is_remembered_and_stays_on_site() {
    each_engine(|app| async move {
        let r = get(&app, "/prefs?lang=en&next=%2Fplaces%2F511", "ne").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], "/places/511");
        let cookies: Vec<_> = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(cookies
            .iter()
            .any(|c| c.starts_with("setu_lang=en;") && c.contains("Max-Age=31536000")));
        let r = get(&app, "/prefs?lang=ne&next=https%3A%2F%2Fevil.example", "en").await;
        assert_eq!(r.headers[header::LOCATION], "/");
        let r = get(&app, "/prefs?lang=xx", "en").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    })
    .await;
}

/// Issue 13: a tab or newline in `next` led the browser to another host (browsers drop them
/// from URLs, so `/\t/host` is `//host`), and a newline gave a 500 after a good sign-in.
#[tokio::test]
async fn redirects_after_a_language_change_or_sign_in_stay_on_this_site() {
    each_app(|app, store| async move {
        for next in [
            "/%09/other-host/",
            "/%0A/other-host/",
            "/%0D%0A/x",
            "/%20/other-host/",
        ] {
            let r = get(&app, &format!("/prefs?lang=en&next={next}"), "ne").await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
            assert_eq!(r.headers[header::LOCATION], "/", "{next}");
        }
        sign_in(&store, "kiran", Role::Analyst, "NP").await;
        for next in [
            "/\t/other-host/",
            "/\n/other-host/",
            "/sites\r\nSet-Cookie: a=b",
        ] {
            let req = Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form_body(&[
                    ("username", "kiran"),
                    ("password", PASSWORD),
                    ("next", next),
                ])))
                .unwrap();
            let r = send(&app, req).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}");
            assert_eq!(r.headers[header::LOCATION], "/", "{next:?}");
        }
        // The login page puts a bad `next` back as the home page, not as it came.
        let r = get(&app, "/login?next=%2F%09%2Fother-host%2F", "en").await;
        assert!(r.body.contains(r#"name="next" value="/">"#), "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn browse_country_to_ward_in_both_languages() {
    each_engine(|app| async move {
        let country = get(&app, "/places", "en").await;
        assert_eq!(country.status, StatusCode::OK);
        assert!(
            country.body.contains("Lumbini Province") && country.body.contains("Koshi Province")
        );
        let banke = get(&app, "/places/511", "ne").await;
        assert!(banke.body.contains("बाँके"));
        assert!(banke.body.contains("नेपालगञ्ज उपमहानगरपालिका"));
        assert!(banke.body.contains("उपमहानगरपालिका"));
        let nepalganj = get(&app, "/places/51106", "en").await;
        assert!(nepalganj.body.contains("Ward 23") && nepalganj.body.contains("Banke"));
        let ward = get(&app, "/places/5110619", "ne").await;
        assert_eq!(ward.status, StatusCode::OK);
        assert!(ward.body.contains("वडा नं. १९"));
        assert_eq!(
            get(&app, "/places/999", "en").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get(&app, "/places/abc", "en").await.status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn search_box_finds_places_typed_in_either_script() {
    each_engine(|app| async move {
        for q in [
            "Nepalgunj",
            "%E0%A4%A8%E0%A5%87%E0%A4%AA%E0%A4%BE%E0%A4%B2%E0%A4%97%E0%A4%9E%E0%A5%8D%E0%A4%9C",
        ] {
            let r = get(&app, &format!("/places/search?q={q}"), "en").await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.body.contains(r#"href="/places/51106""#), "search {q}");
            assert!(
                r.body.contains("Banke, Lumbini Province"),
                "search {q} says where the place is"
            );
        }
        let none = get(&app, "/places/search?q=zzzzqqq", "en").await;
        assert!(none.body.contains("No place matches"));
    })
    .await;
}

#[tokio::test]
async fn geography_api_counts_and_shapes() {
    each_engine(|app| async move {
        let (s, v) = json(&app, "/api/v1/geo/provinces").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["items"].as_array().unwrap().len(), 7);
        assert_eq!(v["items"][0]["name_ne"], "कोशी प्रदेश");
        let (_, v) = json(&app, "/api/v1/geo/districts").await;
        assert_eq!(v["items"].as_array().unwrap().len(), 77);
        let (_, v) = json(&app, "/api/v1/geo/districts?province=5").await;
        assert_eq!(v["items"].as_array().unwrap().len(), 12);
        assert!(v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["parent"] == "5"));
        let (_, v) = json(&app, "/api/v1/geo/local-levels").await;
        let lls = v["items"].as_array().unwrap();
        assert_eq!(lls.len(), 753);
        let wards: i64 = lls.iter().map(|l| l["ward_count"].as_i64().unwrap()).sum();
        assert_eq!(wards, 6743);
        let count = |t: &str| lls.iter().filter(|l| l["type"] == t).count();
        assert_eq!(
            (
                count("metropolitan"),
                count("sub-metropolitan"),
                count("municipality"),
                count("rural-municipality")
            ),
            (6, 11, 276, 460)
        );
        let itahari = lls.iter().find(|l| l["code"] == "11306").unwrap();
        assert_eq!(itahari["type"], "sub-metropolitan");
        assert_eq!(itahari["parent"], "113");
        let (_, v) = json(&app, "/api/v1/geo/local-levels?district=511").await;
        assert_eq!(v["items"].as_array().unwrap().len(), 8);
        let (_, v) = json(&app, "/api/v1/geo/wards?local_level=51106").await;
        assert_eq!(v["items"].as_array().unwrap().len(), 23);

        // Errors have one stable shape.
        let (s, v) = json(&app, "/api/v1/geo/local-levels?district=abc").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"]["code"], "bad-request");
        assert_eq!(v["error"]["status"], 400);
        assert!(v["error"]["message"].is_string());
        let (s, v) = json(&app, "/api/v1/nothing-here").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(v["error"]["code"], "not-found");
    })
    .await;
}

#[tokio::test]
async fn error_pages_speak_the_readers_language() {
    each_engine(|app| async move {
        let ne = get(&app, "/no/such/page", "ne").await;
        assert_eq!(ne.status, StatusCode::NOT_FOUND);
        assert!(ne.body.contains("पृष्ठ भेटिएन"));
        let en = get(&app, "/no/such/page", "en").await;
        assert!(en.body.contains("Page not found"));
        assert!(!en.body.contains("panicked") && !en.body.contains("sqlx"));
        // Anonymous: to the login page, and back here afterwards.
        let anon = get(&app, "/organisations/99999", "en").await;
        assert_eq!(anon.status, StatusCode::SEE_OTHER);
        assert_eq!(
            anon.headers[header::LOCATION],
            "/login?next=%2Forganisations%2F99999"
        );
    })
    .await;
}

#[tokio::test]
async fn security_headers_on_every_response() {
    each_engine(|app| async move {
        for path in ["/", "/api/v1/geo/provinces", "/nope", "/static/setu.css"] {
            let r = get(&app, path, "en").await;
            let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(
                csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
                "{path}"
            );
            assert!(!csp.contains("unsafe-inline"));
            assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert_eq!(r.headers[header::REFERRER_POLICY], "same-origin");
        }
        // No inline script or style anywhere in a page.
        let home = get(&app, "/", "ne").await.body;
        assert!(!home.contains("<script>") && !home.contains("style="));
    })
    .await;
}

/// Issue 13: pages, API answers and exports with personal data stayed in the browser cache of
/// a shared booth phone after sign-out.
#[tokio::test]
async fn nothing_a_signed_in_user_is_shown_is_kept_in_the_browser_cache() {
    each_app(|app, store| async move {
        let who = sign_in(&store, "coord", Role::DistrictCoordinator, "511").await;
        for path in [
            "/",
            "/tracing",
            "/booths",
            "/api/v1/me",
            "/api/v1/contacts",
            "/nope",
        ] {
            let r = get_as(&app, path, "en", &who).await;
            assert_eq!(r.headers[header::CACHE_CONTROL], "no-store", "{path}");
        }
        let user = store.user_by_name("coord").await.unwrap();
        let token = store
            .create_api_token(&Actor::system("test"), &user.id, &Default::default())
            .await
            .unwrap();
        let req = Request::get("/api/v1/handovers")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let r = send(&app, req).await;
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        // Assets are the same for everyone and stay cacheable.
        let r = get_as(&app, "/static/setu.css", "en", &who).await;
        assert_ne!(
            r.headers
                .get(header::CACHE_CONTROL)
                .map(|v| v.to_str().unwrap()),
            Some("no-store")
        );
    })
    .await;
}

/// Issue 13: a NUL byte gave a 500 on PostgreSQL, without signing in (the login form, the
/// place search); now every form, query and JSON body is checked once, before any handler.
#[tokio::test]
async fn control_characters_anywhere_get_a_clear_answer_never_a_500() {
    each_app(|app, store| async move {
        let r = get(&app, "/places/search?q=Nepal%00ganj", "ne").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("राख्न नमिल्ने अक्षर"), "{}", r.body);
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, "setu_lang=en")
            .body(Body::from("username=ad%00min&password=x&next=%2F"))
            .unwrap();
        let r = send(&app, req).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("characters that cannot be stored"));
        // A JSON body, with the NUL escaped as JSON allows, from a signed-in booth phone.
        let (_, worker) = booth_and_worker(&store).await;
        let req = Request::post("/api/v1/sync")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, &worker.cookie)
            .header("x-csrf-token", &worker.csrf)
            .body(Body::from(
                r#"{"records":[{"kind":"tally","id":"a\u0000b"}]}"#,
            ))
            .unwrap();
        let r = send(&app, req).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["error"]["fields"][0]["field"], "input");
        // Tabs and new lines in a note are text, and Nepali is text.
        let r = get(
            &app,
            "/places/search?q=%E0%A4%A8%E0%A5%87%E0%A4%AA%E0%A4%BE%E0%A4%B2",
            "ne",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
    })
    .await;
}

/// Issue 13: the public page of a place listed NGO shelters to anonymous visitors; a
/// shelter's location is protection information.
/// Issue 13: several text fields had no length limit (a 500,000-character alert title was
/// stored). Now no field of any form or API call is longer than 10,000 characters, whatever
/// the form checks itself; invalid UTF-8 gets a clear 4xx too, never a 500.
#[tokio::test]
async fn no_field_anywhere_is_unbounded_and_bad_bytes_get_a_clear_answer() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "long.writer", Role::NationalCoordinator, "NP").await;
        let long = "a".repeat(10_001);
        let before = store.audit_entries(&setu_store::audit::AuditFilter { limit: 1000, ..Default::default() }).await.unwrap().len();
        for (path, field) in [
            ("/forum/entries", "text"),
            ("/forum/alerts", "body"),
            ("/committees", "place"),
            ("/parents-groups", "name"),
            ("/youth/events", "ward"),
            ("/tracing/reports", "description"),
            ("/organisations", "name_en"),
        ] {
            let r = post_form(&app, path, &[(field, &long), ("place", "51106")], &me).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            assert!(r.body.contains("longer than 10,000 characters"), "{path}");
        }
        let r = get_as(&app, &format!("/places/search?q={long}"), "en", &me).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let note = serde_json::json!({"records": [{"kind": "tally", "id": "00000000-0000-4000-9000-00000000aa01",
            "data": {"site": "1", "date_bs": "2081-01-03", "note": long}}]});
        let req = Request::post("/api/v1/sync")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, me.cookie.clone())
            .header("x-csrf-token", me.csrf.clone())
            .body(Body::from(note.to_string()))
            .unwrap();
        assert_eq!(send(&app, req).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Bytes that are not UTF-8, in a form and in JSON.
        for (kind, body) in [
            ("application/x-www-form-urlencoded", b"name=%FF%FE&csrf=x".to_vec()),
            ("application/json", b"{\"records\": [\"\xff\xfe\"]}".to_vec()),
        ] {
            let req = Request::post("/api/v1/sync")
                .header(header::CONTENT_TYPE, kind)
                .header(header::COOKIE, me.cookie.clone())
                .header("x-csrf-token", me.csrf.clone())
                .body(Body::from(body))
                .unwrap();
            let status = send(&app, req).await.status;
            assert!(status.is_client_error(), "{kind}: {status}");
        }
        let after = store.audit_entries(&setu_store::audit::AuditFilter { limit: 1000, ..Default::default() }).await.unwrap().len();
        assert_eq!(before, after, "nothing was written");
    })
    .await;
}

#[tokio::test]
async fn shelters_are_shown_only_inside_the_readers_scope() {
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let site = |name: &str, kind: &str| setu_core::directory::DirectoryForm {
            name_en: name.into(),
            kind: kind.into(),
            place: "5110601".into(),
            ..Default::default()
        };
        let shelter = store
            .create_site(&sys, &site("Hidden Home", "shelter").to_site().unwrap())
            .await
            .unwrap();
        store
            .create_site(&sys, &site("Open Booth", "border-booth").to_site().unwrap())
            .await
            .unwrap();
        let public = get(&app, "/places/51106", "en").await;
        assert!(public.body.contains("Open Booth"));
        assert!(!public.body.contains("Hidden Home"));
        let inside = sign_in(&store, "banke.coord", Role::DistrictCoordinator, "511").await;
        let outside = sign_in(&store, "mak.coord", Role::DistrictCoordinator, "312").await;
        for (who, sees) in [(&inside, true), (&outside, false)] {
            let place = get_as(&app, "/places/51106", "en", who).await;
            assert_eq!(place.body.contains("Hidden Home"), sees);
            let list = get_as(&app, "/sites", "en", who).await;
            assert_eq!(list.body.contains("Hidden Home"), sees);
            assert!(list.body.contains("Open Booth"));
            let page = get_as(&app, &format!("/sites/{shelter}"), "en", who).await;
            let expected = if sees {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(page.status, expected);
        }
    })
    .await;
}

#[tokio::test]
async fn plain_pages_are_light_on_the_wire() {
    each_engine(|app| async move {
        for path in [
            "/",
            "/places/511",
            "/login",
            "/static/setu.css",
            "/static/setu.js",
        ] {
            let req = Request::get(path)
                .header(header::ACCEPT_ENCODING, "gzip")
                .header(header::COOKIE, "setu_lang=ne")
                .body(Body::empty())
                .unwrap();
            let resp = app.clone().oneshot(req).await.unwrap();
            assert_eq!(resp.headers()[header::CONTENT_ENCODING], "gzip", "{path}");
            let wire = to_bytes(resp.into_body(), 1 << 20).await.unwrap().len();
            assert!(wire < 30 * 1024, "{path} is {wire} bytes on the wire");
        }
    })
    .await;
}

#[tokio::test]
async fn health_and_readiness() {
    each_engine(|app| async move {
        assert_eq!(get(&app, "/healthz", "en").await.body, "ok");
        let r = get(&app, "/readyz", "en").await;
        assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ready"));
    })
    .await;
}

#[tokio::test]
async fn directory_forms_validate_keep_input_and_refuse_stale_edits() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "coordinator", Role::NationalCoordinator, "NP").await;
        let me = &me;
        // A form with mistakes comes back with every error and everything typed.
        let bad = post_form(
            &app,
            "/organisations",
            &[
                ("name_en", "Hetauda Youth Network"),
                ("name_ne", "हेटौंडा युवा सञ्जाल"),
                ("kind", "castle"),
                ("place", "3120"),
            ],
            me,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Please choose one of the options."));
        assert!(bad.body.contains("This is not a place code"));
        assert!(bad.body.contains(r#"value="Hetauda Youth Network""#));
        assert!(bad.body.contains(r#"value="हेटौंडा युवा सञ्जाल""#));
        assert!(bad.body.contains(r#"value="3120""#));
        let unknown = post_form(
            &app,
            "/organisations",
            &[("name_en", "X"), ("kind", "ngo"), ("place", "99999")],
            me,
        )
        .await;
        assert!(unknown.body.contains("No place has this code."));

        // A good one is saved and shown.
        let ok = post_form(
            &app,
            "/organisations",
            &[
                ("name_en", "Hetauda Youth Network"),
                ("name_ne", "हेटौंडा युवा सञ्जाल"),
                ("kind", "ngo"),
                ("place", "31206"),
            ],
            me,
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let location = ok.headers[header::LOCATION].to_str().unwrap().to_string();
        assert!(location.ends_with("?saved=1"));
        let shown = get_as(&app, &location, "ne", me).await;
        assert!(shown.body.contains("हेटौंडा युवा सञ्जाल") && shown.body.contains("सुरक्षित भयो"));
        let path = location.trim_end_matches("?saved=1").to_string();

        // A site run by it, then two edits from version 1: the second is refused.
        let org_id = path.rsplit('/').next().unwrap().to_string();
        let site = post_form(
            &app,
            "/sites",
            &[
                ("name_en", "Hetauda shelter"),
                ("kind", "shelter"),
                ("place", "3120601"),
                ("organisation", &org_id),
            ],
            me,
        )
        .await;
        assert_eq!(site.status, StatusCode::SEE_OTHER);
        let site_path = site.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .trim_end_matches("?saved=1")
            .to_string();
        let first = post_form(
            &app,
            &site_path,
            &[
                ("name_en", "Hetauda transit shelter"),
                ("kind", "shelter"),
                ("place", "3120601"),
                ("organisation", &org_id),
                ("version", "1"),
            ],
            me,
        )
        .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER);
        let stale = post_form(
            &app,
            &site_path,
            &[
                ("name_en", "Stale name"),
                ("kind", "shelter"),
                ("place", "3120601"),
                ("organisation", &org_id),
                ("version", "1"),
            ],
            me,
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("Someone else changed this record"));
        assert!(stale.body.contains(r#"value="Stale name""#));
        let now = get_as(&app, &site_path, "en", me).await;
        assert!(now.body.contains("Hetauda transit shelter") && !now.body.contains("Stale name"));

        // Lists filter by kind and by place.
        let list = get_as(&app, "/sites?kind=shelter&place=312", "en", me).await;
        assert!(list.body.contains("Hetauda transit shelter"));
        let list = get_as(&app, "/sites?place=511", "en", me).await;
        assert!(!list.body.contains("Hetauda transit shelter"));
        let place = get_as(&app, "/places/31206", "en", me).await;
        assert!(
            place.body.contains("Hetauda Youth Network")
                && place.body.contains("Hetauda transit shelter")
        );
    })
    .await;
}

#[tokio::test]
async fn a_crash_or_lost_database_gives_a_page_without_internals() {
    let db = setu_testkit::sqlite();
    let store = Store::open(&db.options()).await.unwrap();
    let app = setu_web::App::new(store.clone()).unwrap();
    let routes = axum::Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            if std::hint::black_box(true) {
                panic!("Sita Tamang 9800000000"); // a panic message that must not leak
            }
            "unreachable"
        }),
    );
    let router = setu_web::with_layers(routes, app.clone());
    let r = get(&router, "/boom", "ne").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body.contains("केही गडबड भयो"));
    assert!(
        !r.body.contains("Sita") && !r.body.contains("9800000000") && !r.body.contains("panicked")
    );

    // The database goes away: pages and readiness say so in the reader's language.
    let router = setu_web::router(app);
    store.close().await;
    let r = get(&router, "/", "en").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("Temporarily unavailable"));
    assert_eq!(
        get(&router, "/readyz", "en").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(get(&router, "/healthz", "en").await.status, StatusCode::OK);
    let (s, v) = json(&router, "/api/v1/geo/provinces").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["error"]["code"], "unavailable");
}

#[tokio::test]
async fn dates_show_in_bikram_sambat_with_ad_on_request() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "coordinator", Role::NationalCoordinator, "NP").await;
        let me = &me;
        let ok = post_form(
            &app,
            "/organisations",
            &[
                ("name_en", "Date check"),
                ("kind", "ngo"),
                ("place", "11306"),
            ],
            me,
        )
        .await;
        let path = ok.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .trim_end_matches("?saved=1")
            .to_string();
        let today = time::OffsetDateTime::now_utc().date();
        let bs = setu_core::BsDate::from_ad(today).unwrap();
        let iso = setu_core::calendar::iso(today);
        let plain = get_as(&app, &path, "en", me).await.body;
        assert!(plain.contains(&bs.long(setu_core::Lang::En, setu_core::Digits::Latin)));
        assert!(!plain.contains(&format!("({iso})")));
        let req = Request::get(&path)
            .header(
                header::COOKIE,
                format!("setu_lang=ne; setu_ad=1; {}", me.cookie),
            )
            .body(Body::empty())
            .unwrap();
        let with_ad = send(&app, req).await.body;
        assert!(with_ad.contains(&bs.long(setu_core::Lang::Ne, setu_core::Digits::Devanagari)));
        assert!(
            with_ad.contains(&setu_core::numbers::to_devanagari_digits(&format!(
                "({iso})"
            )))
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Accounts, CSRF, sessions, tokens, personal data and the authorisation matrix.
// ---------------------------------------------------------------------------------------

fn form_body(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[tokio::test]
async fn login_gives_one_answer_for_unknown_user_and_wrong_password_and_throttles() {
    each_app(|app, store| async move {
        sign_in(&store, "kiran", Role::Analyst, "NP").await;
        let attempt = |user: &'static str, pass: &'static str| {
            let app = app.clone();
            async move {
                let form = [("username", user), ("password", pass), ("next", "/sites")];
                post_anonymous(&app, "/login", &form).await
            }
        };
        let unknown = attempt("nobody", "whatever-password").await;
        let wrong = attempt("kiran", "wrong-password!!").await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.status, unknown.status);
        assert!(unknown
            .body
            .contains("The username or password is not right."));
        // The same page apart from the echoed username.
        assert_eq!(
            unknown.body.replace("nobody", "X"),
            wrong.body.replace("kiran", "X")
        );

        let ok = attempt("kiran", PASSWORD).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        assert_eq!(ok.headers[header::LOCATION], "/sites");
        let cookie = ok.headers[header::SET_COOKIE].to_str().unwrap();
        assert!(
            cookie.starts_with("setu_session=")
                && cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
        );
        assert!(!cookie.contains("Secure"), "not behind TLS in this test");

        for _ in 0..5 {
            attempt("kiran", "wrong-password!!").await;
        }
        let throttled = attempt("kiran", PASSWORD).await;
        assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(throttled.body.contains("Too many attempts"));
    })
    .await;
}

/// Issue 13: behind the reverse proxy the README recommends, every user shared the proxy's
/// address, so 20 failures anywhere locked everyone out.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_on_its_own() {
    setu_testkit::each_store(|store| async move {
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let config = setu_web::WebConfig {
            trusted_proxies: vec![proxy],
            ..Default::default()
        };
        let app = setu_web::router(setu_web::App::with_config(store.clone(), config).unwrap());
        sign_in(&store, "near.user", Role::Analyst, "NP").await;
        let attempt =
            |peer: &'static str, forwarded: &'static str, user: String, pass: &'static str| {
                let app = app.clone();
                async move {
                    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
                    let req = Request::post("/login")
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .header("x-forwarded-for", forwarded)
                        .extension(axum::extract::ConnectInfo(addr))
                        .body(Body::from(form_body(&[
                            ("username", &user),
                            ("password", pass),
                        ])))
                        .unwrap();
                    send(&app, req).await.status
                }
            };
        // One client behind the proxy guesses at 20 names: it is throttled, the others not.
        for n in 0..20 {
            attempt(
                "10.0.0.1",
                "203.0.113.5",
                format!("guess{n}"),
                "wrong-password!",
            )
            .await;
        }
        let blocked = attempt("10.0.0.1", "203.0.113.5", "near.user".into(), PASSWORD).await;
        assert_eq!(blocked, StatusCode::TOO_MANY_REQUESTS);
        let other = attempt("10.0.0.1", "203.0.113.6", "near.user".into(), PASSWORD).await;
        assert_eq!(other, StatusCode::SEE_OTHER);
        // A peer that is not the proxy cannot choose its address by writing the header.
        for n in 0..20 {
            attempt(
                "192.0.2.7",
                "198.51.100.1",
                format!("spoof{n}"),
                "wrong-password!",
            )
            .await;
        }
        let spoofed = attempt("192.0.2.7", "198.51.100.2", "near.user".into(), PASSWORD).await;
        assert_eq!(spoofed, StatusCode::TOO_MANY_REQUESTS);
    })
    .await;
}

#[tokio::test]
async fn secure_cookies_and_hsts_behind_tls() {
    setu_testkit::each_store(|store| async move {
        let config = setu_web::WebConfig {
            behind_tls: true,
            ..Default::default()
        };
        let app = setu_web::router(setu_web::App::with_config(store.clone(), config).unwrap());
        sign_in(&store, "tls.user", Role::Analyst, "NP").await;
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&[
                ("username", "tls.user"),
                ("password", PASSWORD),
            ])))
            .unwrap();
        let r = send(&app, req).await;
        assert!(r.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("; Secure"));
        assert!(r.headers[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .contains("max-age="));
    })
    .await;
}

#[tokio::test]
async fn csrf_is_required_for_every_state_change_made_with_the_session() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "natl", Role::NationalCoordinator, "NP").await;
        let form = [("name_en", "CSRF NGO"), ("kind", "ngo"), ("place", "51106")];
        let post = |csrf: Option<&str>, origin: Option<&str>| {
            let mut pairs = form.to_vec();
            if let Some(c) = csrf {
                pairs.push(("csrf", c));
            }
            let mut req = Request::post("/organisations")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, "setu.example")
                .header(header::COOKIE, format!("setu_lang=en; {}", me.cookie));
            if let Some(o) = origin {
                req = req.header(header::ORIGIN, o);
            }
            let req = req.body(Body::from(form_body(&pairs))).unwrap();
            let app = app.clone();
            async move { send(&app, req).await }
        };
        assert_eq!(post(None, None).await.status, StatusCode::FORBIDDEN);
        let wrong = post(Some("not-the-token"), None).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        assert!(wrong.body.contains("The form has expired"));
        assert_eq!(
            post(Some(&me.csrf), Some("https://evil.example"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            post(Some(&me.csrf), Some("https://setu.example"))
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            post(Some(&me.csrf), None).await.status,
            StatusCode::SEE_OTHER
        );

        // JSON API calls made with the cookie need the token in a header.
        let json_post = |token: Option<&str>| {
            let mut req = Request::post("/api/v1/organisations")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, me.cookie.clone());
            if let Some(t) = token {
                req = req.header("x-csrf-token", t);
            }
            let req = req
                .body(Body::from(
                    r#"{"name_en":"API NGO","kind":"ngo","place":"11306"}"#,
                ))
                .unwrap();
            let app = app.clone();
            async move { send(&app, req).await }
        };
        let refused = json_post(None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.body.contains(r#""code":"csrf""#));
        assert_eq!(json_post(Some(&me.csrf)).await.status, StatusCode::CREATED);
        // Logging out is a state change too.
        let req = Request::post("/logout")
            .header(header::COOKIE, me.cookie.clone())
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, req).await.status, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn sessions_end_at_logout_and_password_change() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "dcb", Role::DistrictCoordinator, "511").await;
        assert_eq!(
            get_as(&app, "/organisations", "en", &me).await.status,
            StatusCode::OK
        );
        let out = post_form(&app, "/logout", &[], &me).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"));
        assert_eq!(
            get_as(&app, "/organisations", "en", &me).await.status,
            StatusCode::SEE_OTHER
        );

        let me = client_for(&store, "dcb").await;
        let user = store.user_by_name("dcb").await.unwrap();
        store
            .reset_password(&Actor::system("test"), &user.id, "a-new-long-phrase")
            .await
            .unwrap();
        assert_eq!(
            get_as(&app, "/organisations", "en", &me).await.status,
            StatusCode::SEE_OTHER
        );
    })
    .await;
}

#[tokio::test]
async fn api_tokens_work_without_csrf_and_stop_when_revoked() {
    each_app(|app, store| async move {
        sign_in(&store, "lms", Role::LcchtMemberSecretary, "51106").await;
        let user = store.user_by_name("lms").await.unwrap();
        let token = store
            .create_api_token(&Actor::system("test"), &user.id, &Default::default())
            .await
            .unwrap();
        let bearer = |method: &str, path: &str, body: &str| {
            let req = Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            let app = app.clone();
            async move { send(&app, req).await }
        };
        let me = bearer("GET", "/api/v1/me", "").await;
        assert_eq!(me.status, StatusCode::OK);
        assert!(me.body.contains(r#""scope":"51106""#));
        let made = bearer(
            "POST",
            "/api/v1/organisations",
            r#"{"name_en":"Ward forum","kind":"ngo","place":"5110603"}"#,
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED);
        let outside = bearer(
            "POST",
            "/api/v1/organisations",
            r#"{"name_en":"Far forum","kind":"ngo","place":"31206"}"#,
        )
        .await;
        assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(outside.body.contains(r#""field":"place""#));
        let id = store.api_tokens(&user.id).await.unwrap().remove(0).id;
        store
            .revoke_api_token(&Actor::system("test"), &id, None)
            .await
            .unwrap();
        let after = bearer("GET", "/api/v1/me", "").await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        assert!(after.body.contains(r#""code":"unauthenticated""#));
    })
    .await;
}

#[tokio::test]
async fn first_administrator_is_set_up_through_a_one_time_link() {
    each_app(|app, store| async move {
        let token = store.first_run_setup_token().await.unwrap().unwrap();
        let page = get(&app, &format!("/setup?token={token}"), "en").await;
        assert_eq!(page.status, StatusCode::OK);
        let submit = |pass: &'static str| {
            let req = Request::post("/setup")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, "setu_lang=en")
                .body(Body::from(form_body(&[
                    ("token", &token),
                    ("username", "chief"),
                    ("password", pass),
                ])))
                .unwrap();
            let app = app.clone();
            async move { send(&app, req).await }
        };
        let weak = submit("password1").await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(weak.body.contains("at least 10 characters"));
        assert!(
            weak.body.contains(r#"value="chief""#),
            "keeps what was typed"
        );
        assert_eq!(submit(PASSWORD).await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            submit(PASSWORD).await.status,
            StatusCode::NOT_FOUND,
            "the link works once"
        );
        assert_eq!(
            get(&app, &format!("/setup?token={token}"), "en")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let admin = client_for(&store, "chief").await;
        assert_eq!(
            get_as(&app, "/admin/users", "en", &admin).await.status,
            StatusCode::OK
        );
    })
    .await;
}

#[tokio::test]
async fn administrators_manage_accounts_through_pages() {
    each_app(|app, store| async move {
        let admin = sign_in(&store, "root.admin", Role::SystemAdmin, "NP").await;
        let made = post_form(
            &app,
            "/admin/users",
            &[
                ("username", "booth.one"),
                ("full_name", "Booth One"),
                ("role", "lccht-member"),
                ("scope", "51106"),
                ("password", PASSWORD),
            ],
            &admin,
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let user_path = made.headers[header::LOCATION].to_str().unwrap().to_string();
        let bad = post_form(
            &app,
            "/admin/users",
            &[
                ("username", "x2y"),
                ("role", "booth-worker"),
                ("scope", "511"),
                ("password", "a-long-pass-phrase"),
            ],
            &admin,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad
            .body
            .contains("This role cannot have this kind of scope."));
        assert!(bad.body.contains(r#"value="x2y""#));
        let user = store.user_by_name("booth.one").await.unwrap();
        let session = client_for(&store, "booth.one").await;
        // A role change is audited and ends the user's sessions.
        let changed = post_form(
            &app,
            &format!("{user_path}/role"),
            &[
                ("role", "analyst"),
                ("scope", "312"),
                ("version", &user.version.to_string()),
            ],
            &admin,
        )
        .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        assert_eq!(
            get_as(&app, "/organisations", "en", &session).await.status,
            StatusCode::SEE_OTHER
        );
        let user = store.user_by_name("booth.one").await.unwrap();
        assert_eq!(
            (user.role, user.scope.to_string()),
            (Role::Analyst, "312".to_string())
        );
        assert_eq!(
            post_form(&app, &format!("{user_path}/disable"), &[], &admin)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert!(store.user_by_name("booth.one").await.unwrap().disabled);
        assert_eq!(
            post_form(&app, &format!("{user_path}/enable"), &[], &admin)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let reset = post_form(
            &app,
            &format!("{user_path}/password"),
            &[("password", "short")],
            &admin,
        )
        .await;
        assert_eq!(reset.status, StatusCode::UNPROCESSABLE_ENTITY);
        let reset = post_form(
            &app,
            &format!("{user_path}/password"),
            &[("password", "brand-new-phrase")],
            &admin,
        )
        .await;
        assert_eq!(reset.status, StatusCode::OK);
        // Administrators no longer mint tokens for others (issue 13): only the user does.
        let token_page = post_form(&app, &format!("{user_path}/tokens"), &[], &admin).await;
        assert_eq!(token_page.status, StatusCode::NOT_FOUND);
        let changes = store
            .audit_entries(&setu_store::audit::AuditFilter {
                entity_id: Some(user.id.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = changes.iter().map(|e| e.action.as_str()).collect();
        for a in [
            "create",
            "permission-change",
            "disable",
            "enable",
            "password-reset",
        ] {
            assert!(actions.contains(&a), "{a} audited: {actions:?}");
        }
        assert!(changes
            .iter()
            .all(|e| e.actor == "root.admin" || e.action == "create"));
    })
    .await;
}

/// Issue 13: an administrator could give themselves or anyone a role that reads names, and
/// mint a token for any user whose reads were then written under that user's name. Now a
/// second administrator approves such a role, no one changes their own, only the user mints
/// their tokens (narrowed to what a device needs), and the audit trail names the token.
#[tokio::test]
async fn two_administrators_give_a_role_that_reads_names_and_only_users_mint_tokens() {
    each_app(|app, store| async move {
        let first = sign_in(&store, "first.admin", Role::SystemAdmin, "NP").await;
        let second = sign_in(&store, "second.admin", Role::SystemAdmin, "NP").await;
        let first_user = store.user_by_name("first.admin").await.unwrap();

        // Nobody changes their own role.
        let own = post_form(
            &app,
            &format!("/admin/users/{}/role", first_user.id),
            &[
                ("role", "national-coordinator"),
                ("scope", "NP"),
                ("version", &first_user.version.to_string()),
            ],
            &first,
        )
        .await;
        assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(own.body.contains("No one can change their own role"));
        assert_eq!(
            store.user(&first_user.id).await.unwrap().role,
            Role::SystemAdmin
        );

        // A new coordinator's account waits, disabled, for the second administrator.
        let made = post_form(
            &app,
            "/admin/users",
            &[
                ("username", "coord.new"),
                ("role", "district-coordinator"),
                ("scope", "511"),
                ("password", PASSWORD),
            ],
            &first,
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let user_path = made.headers[header::LOCATION].to_str().unwrap().to_string();
        let coord = store.user_by_name("coord.new").await.unwrap();
        assert!(coord.disabled, "waits for approval");
        let policy = AuthPolicy::default();
        assert!(matches!(
            store
                .login("coord.new", PASSWORD, "t", &policy)
                .await
                .unwrap(),
            Login::Refused
        ));
        let mine = get_as(&app, &user_path, "en", &first).await.body;
        assert!(mine.contains("Waiting for a second administrator") && !mine.contains("/approve"));
        // Enabling it by hand would skip the second administrator: refused.
        let enable = post_form(&app, &format!("{user_path}/enable"), &[], &first).await;
        assert_eq!(enable.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(enable.body.contains("waits for a second administrator"));
        assert!(store.user(&coord.id).await.unwrap().disabled);
        let request = store.pending_role_requests(Some(&coord.id)).await.unwrap();
        let approve = format!("/admin/requests/{}/approve", request[0].id);
        let refused = post_form(&app, &approve, &[], &first).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("A second administrator must decide"));
        assert!(get_as(&app, &user_path, "en", &second)
            .await
            .body
            .contains(&approve));
        assert_eq!(
            post_form(&app, &approve, &[], &second).await.status,
            StatusCode::SEE_OTHER
        );
        let coord = store.user_by_name("coord.new").await.unwrap();
        assert!(!coord.disabled && coord.role == Role::DistrictCoordinator);

        // A later grant of another personal-data role is only requested; refused, it changes nothing.
        let asked = post_form(
            &app,
            &format!("{user_path}/role"),
            &[
                ("role", "province-coordinator"),
                ("scope", "5"),
                ("version", &coord.version.to_string()),
            ],
            &first,
        )
        .await;
        assert_eq!(asked.status, StatusCode::OK);
        assert!(asked.body.contains("Sent for approval"));
        let request = store.pending_role_requests(Some(&coord.id)).await.unwrap();
        let refuse = format!("/admin/requests/{}/refuse", request[0].id);
        assert_eq!(
            post_form(&app, &refuse, &[], &second).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            store.user(&coord.id).await.unwrap().role,
            Role::DistrictCoordinator
        );
        let trail = store
            .audit_entries(&setu_store::audit::AuditFilter {
                entity: Some("role-request".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let steps: Vec<(&str, &str)> = trail
            .iter()
            .map(|e| (e.action.as_str(), e.actor.as_str()))
            .collect();
        for step in [
            ("request", "first.admin"),
            ("approve", "second.admin"),
            ("refuse", "second.admin"),
        ] {
            assert!(steps.contains(&step), "{step:?} in {steps:?}");
        }

        // An administrator cannot mint a token for the coordinator.
        assert!(matches!(
            store
                .create_api_token(
                    &Actor::user(&first_user.id, "first.admin"),
                    &coord.id,
                    &Default::default()
                )
                .await,
            Err(setu_store::StoreError::Rejected("error-token-own-only"))
        ));

        // The coordinator mints a sync-only token for a booth phone on her account page.
        let booth = store
            .create_site(
                &Actor::system("test"),
                &setu_core::directory::DirectoryForm {
                    name_en: "Token booth".into(),
                    kind: "border-booth".into(),
                    place: "51106".into(),
                    ..Default::default()
                }
                .to_site()
                .unwrap(),
            )
            .await
            .unwrap();
        let me = client_for(&store, "coord.new").await;
        let account = get_as(&app, "/account", "en", &me).await;
        assert_eq!(account.status, StatusCode::OK);
        assert!(account.body.contains("Record at booths (sync)"));
        // One press makes the narrow tokens a device needs.
        assert!(account.body.contains(r#"id="preset-booth""#));
        let preset = post_form(
            &app,
            "/account/tokens",
            &[
                ("label", "dashboard"),
                ("capability", "read-aggregates"),
                ("capability", "read-directory"),
            ],
            &me,
        )
        .await;
        assert_eq!(preset.status, StatusCode::OK);
        assert!(preset.body.contains("See counts and indicators, See organisations and sites")
            || preset.body.contains("See organisations and sites, See counts and indicators"));
        let dashboard = store.api_tokens(&coord.id).await.unwrap().remove(0).id;
        store
            .revoke_api_token(&Actor::user(&coord.id, "coord.new"), &dashboard, Some(&coord.id))
            .await
            .unwrap();
        let made = post_form(
            &app,
            "/account/tokens",
            &[("label", "booth phone 2"), ("capability", "write-booths")],
            &me,
        )
        .await;
        assert_eq!(made.status, StatusCode::OK);
        let token = made
            .body
            .split("setu_")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .map(|t| format!("setu_{t}"))
            .unwrap();
        assert!(made.body.contains("booth phone 2"));
        let bearer = |method: &str, path: &str, body: String| {
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap()
        };
        // It syncs a new screening…
        let record = |version: i64, name: &str| {
            serde_json::json!({"records": [{
                "kind": "screening", "id": "00000000-0000-4000-8000-0000000001a1",
                "base_version": version,
                "data": {"site": booth.to_string(), "date_bs": "2081-01-02", "sex": "female",
                         "age": "16", "outcome": "intercepted", "given_name": name, "consent_record": "yes"}
            }]})
            .to_string()
        };
        let r = send(&app, bearer("POST", "/api/v1/sync", record(0, "Sita"))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(r#""outcome":"created""#), "{}", r.body);
        // …but does not correct the names it sent, nor read anything.
        let r = send(&app, bearer("POST", "/api/v1/sync", record(1, "Gita"))).await;
        assert!(r.body.contains(r#""outcome":"invalid""#), "{}", r.body);
        let r = send(
            &app,
            bearer("GET", "/api/v1/tracing/matches", String::new()),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&app, bearer("GET", "/api/v1/contacts", String::new())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // What it did is written under the token, not only under her name.
        let phone = store
            .api_tokens(&coord.id)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.label == "booth phone 2")
            .unwrap();
        let via = format!("token:{}", phone.id);
        let trail = store
            .audit_entries(&setu_store::audit::AuditFilter {
                actor: Some("coord.new".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(trail.iter().any(|e| e.via.as_deref() == Some(via.as_str())));
        assert!(trail
            .iter()
            .any(|e| e.via.as_deref().is_some_and(|v| v.starts_with("session:"))));
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());

        // Administrators see her tokens; she revokes her own, not another's.
        let listed = get_as(&app, &user_path, "en", &second).await.body;
        assert!(listed.contains("booth phone 2") && listed.contains("Record at booths (sync)"));
        let other = store.user_by_name("second.admin").await.unwrap();
        store
            .create_api_token(
                &Actor::user(&other.id, "second.admin"),
                &other.id,
                &Default::default(),
            )
            .await
            .unwrap();
        let theirs = store.api_tokens(&other.id).await.unwrap().remove(0).id;
        let r = post_form(&app, &format!("/account/tokens/{theirs}/revoke"), &[], &me).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = post_form(
            &app,
            &format!("/account/tokens/{}/revoke", phone.id),
            &[],
            &me,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = send(&app, bearer("POST", "/api/v1/sync", record(0, "Sita"))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    })
    .await;
}

/// Issue 13: users could not change their own password, and there was no second factor. Now
/// a user changes hers with the current one, sets up one-time codes with recovery codes, and a
/// deployment can require them of every role that reads personal data.
/// Issue 13: an administrator could reset a coordinator's password and sign in as her. Now the
/// reset of an account that reads names waits for a second administrator, and any password an
/// administrator sets is temporary: its holder reaches nothing but the password form.
#[tokio::test]
async fn an_administrators_password_reset_needs_a_second_and_is_changed_at_sign_in() {
    each_app(|app, store| async move {
        let first = sign_in(&store, "first.admin", Role::SystemAdmin, "NP").await;
        let second = sign_in(&store, "second.admin", Role::SystemAdmin, "NP").await;
        let first_user = store.user_by_name("first.admin").await.unwrap();
        sign_in(&store, "coord.reset", Role::DistrictCoordinator, "511").await;
        let coord = store.user_by_name("coord.reset").await.unwrap();
        let policy = AuthPolicy::default();
        let login = |name: &'static str, password: &'static str| {
            let store = store.clone();
            async move {
                store
                    .login(name, password, "t", &AuthPolicy::default())
                    .await
                    .unwrap()
            }
        };
        const CHOSEN: &str = "an-administrator-chose-this";

        // One's own password is changed on one's account page, not reset.
        let own = post_form(
            &app,
            &format!("/admin/users/{}/password", first_user.id),
            &[("password", CHOSEN)],
            &first,
        )
        .await;
        assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(own
            .body
            .contains("Change your own password on your account page"));

        // The coordinator's reset is only requested: her password still works, the new one not.
        let user_path = format!("/admin/users/{}", coord.id);
        let asked = post_form(
            &app,
            &format!("{user_path}/password"),
            &[("password", CHOSEN)],
            &first,
        )
        .await;
        assert_eq!(asked.status, StatusCode::OK);
        assert!(asked.body.contains("Sent for approval") && asked.body.contains("Password reset"));
        assert!(matches!(login("coord.reset", CHOSEN).await, Login::Refused));
        assert!(matches!(
            login("coord.reset", PASSWORD).await,
            Login::Ok { .. }
        ));
        let request = store.pending_role_requests(Some(&coord.id)).await.unwrap();
        assert_eq!(request.len(), 1);
        let approve = format!("/admin/requests/{}/approve", request[0].id);
        assert_eq!(
            post_form(&app, &approve, &[], &first).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            post_form(&app, &approve, &[], &second).await.status,
            StatusCode::SEE_OTHER
        );
        assert!(matches!(
            login("coord.reset", PASSWORD).await,
            Login::Refused
        ));

        // Signed in with the administrator's password she reaches only the password form.
        let Login::Ok { token, user } = login("coord.reset", CHOSEN).await else {
            panic!("the approved password signs in")
        };
        assert!(user.must_change_password);
        let csrf = store
            .session(&token, &policy)
            .await
            .unwrap()
            .unwrap()
            .csrf_token;
        let her = Client {
            cookie: format!("setu_session={token}"),
            csrf,
        };
        let r = get_as(&app, "/tracing", "en", &her).await;
        assert_eq!(
            (r.status, r.headers[header::LOCATION].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/account")
        );
        let page = get_as(&app, "/account", "en", &her).await;
        assert!(page.body.contains("An administrator set your password"));
        assert!(
            !page.body.contains("/account/tokens"),
            "no token while the password is temporary"
        );
        let minted = post_form(
            &app,
            "/account/tokens",
            &[("label", "x"), ("all", "1")],
            &her,
        )
        .await;
        assert_eq!(minted.status, StatusCode::SEE_OTHER);
        assert!(store.api_tokens(&coord.id).await.unwrap().is_empty());
        let changed = post_form(
            &app,
            "/account/password",
            &[("current", CHOSEN), ("password", "her-very-own-phrase")],
            &her,
        )
        .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        let Login::Ok { user, .. } = login("coord.reset", "her-very-own-phrase").await else {
            panic!("her own password signs in")
        };
        assert!(!user.must_change_password);

        // An account that reads no names is reset by one administrator, still temporarily.
        sign_in(&store, "analyst.reset", Role::Analyst, "511").await;
        let analyst = store.user_by_name("analyst.reset").await.unwrap();
        let done = post_form(
            &app,
            &format!("/admin/users/{}/password", analyst.id),
            &[("password", CHOSEN)],
            &first,
        )
        .await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.body.contains("It is temporary"));
        let Login::Ok { user, .. } = login("analyst.reset", CHOSEN).await else {
            panic!("the reset password signs in")
        };
        assert!(user.must_change_password);

        let trail = store
            .audit_entries(&setu_store::audit::AuditFilter {
                entity_id: Some(coord.id.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        let steps: Vec<(&str, &str)> = trail
            .iter()
            .map(|e| (e.action.as_str(), e.actor.as_str()))
            .collect();
        assert!(
            steps.contains(&("password-reset", "second.admin")),
            "{steps:?}"
        );
        assert!(
            steps.contains(&("password-change", "coord.reset")),
            "{steps:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn users_change_their_password_and_sign_in_in_two_steps() {
    setu_testkit::each_store(|store| async move {
        let config = setu_web::WebConfig {
            auth: AuthPolicy {
                require_second_factor: true,
                ..AuthPolicy::default()
            },
            ..Default::default()
        };
        let app = setu_web::router(setu_web::App::with_config(store.clone(), config).unwrap());
        let me = sign_in(&store, "two.step", Role::DistrictCoordinator, "511").await;
        // Required and not set up: everything but her account page sends her there.
        let r = get_as(&app, "/tracing", "en", &me).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], "/account");
        let page = get_as(&app, "/account", "en", &me).await;
        assert!(page.body.contains("requires two-step sign-in"));
        // An analyst (no personal data) is not asked.
        let analyst = sign_in(&store, "no.step", Role::Analyst, "511").await;
        assert_eq!(
            get_as(&app, "/indicators", "en", &analyst).await.status,
            StatusCode::OK
        );

        // Setting it up needs her password (a borrowed session alone cannot).
        let wrong = post_form(
            &app,
            "/account/second-factor",
            &[("current", "not-my-password")],
            &me,
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let started = post_form(
            &app,
            "/account/second-factor",
            &[("current", PASSWORD)],
            &me,
        )
        .await;
        assert_eq!(started.status, StatusCode::OK);
        assert!(started.body.contains(r#"<figure class="qr""#) && started.body.contains("<svg"));
        let secret = started
            .body
            .split(r#"<code class="secret">"#)
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_string();
        let now = || u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap();
        let code = |t: u64| setu_store::second_factor::totp_base32(&secret, t).unwrap();
        let bad = post_form(
            &app,
            "/account/second-factor/confirm",
            &[("code", "000000")],
            &me,
        )
        .await;
        assert!(bad.body.contains("That code is not right") || code(now()) == "000000");
        let on = post_form(
            &app,
            "/account/second-factor/confirm",
            &[("code", &code(now()))],
            &me,
        )
        .await;
        assert_eq!(on.status, StatusCode::OK);
        assert!(on.body.contains("Recovery codes"));
        let recovery: Vec<String> = on
            .body
            .split(r#"<ul class="codes">"#)
            .nth(1)
            .unwrap()
            .split("<code>")
            .skip(1)
            .map(|c| c.split('<').next().unwrap().to_string())
            .collect();
        assert_eq!(recovery.len(), 10);
        assert_eq!(
            get_as(&app, "/tracing", "en", &me).await.status,
            StatusCode::OK
        );

        // Sign-in now takes the code as a second step.
        let login = |user: &'static str, pass: &'static str| {
            let app = app.clone();
            async move {
                let form = [("username", user), ("password", pass), ("next", "/tracing")];
                post_anonymous(&app, "/login", &form).await
            }
        };
        let step = |challenge: String, code: String| {
            let app = app.clone();
            async move {
                let form = [
                    ("challenge", challenge.as_str()),
                    ("code", code.as_str()),
                    ("next", "/tracing"),
                ];
                post_anonymous(&app, "/login/code", &form).await
            }
        };
        let challenge_of = |body: &str| {
            body.split(r#"name="challenge" value=""#)
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap()
                .to_string()
        };
        let first = login("two.step", PASSWORD).await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(
            first.headers.get(header::SET_COOKIE).is_none(),
            "no session yet"
        );
        let challenge = challenge_of(&first.body);
        let wrong = step(challenge.clone(), "123456".into()).await;
        if code(now()) != "123456" {
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
            assert!(wrong.body.contains("That code is not right"));
        }
        let ok = step(challenge.clone(), code(now())).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(ok.headers[header::LOCATION], "/tracing");
        let cookie = ok.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(cookie.starts_with("setu_session="));
        let token = cookie["setu_session=".len()..]
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let csrf = store
            .session(&token, &AuthPolicy::default())
            .await
            .unwrap()
            .unwrap()
            .csrf_token;
        let session = Client {
            cookie: format!("setu_session={token}"),
            csrf,
        };
        // The challenge is spent (back to the password); a recovery code works once.
        let spent = step(challenge, code(now())).await;
        assert!(spent.headers.get(header::SET_COOKIE).is_none());
        assert!(spent.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login"));
        let again = challenge_of(&login("two.step", PASSWORD).await.body);
        assert_eq!(
            step(again, recovery[0].clone()).await.status,
            StatusCode::SEE_OTHER
        );
        let third = challenge_of(&login("two.step", PASSWORD).await.body);
        assert_ne!(
            step(third, recovery[0].clone()).await.status,
            StatusCode::SEE_OTHER
        );

        // She changes her own password with the current one; her sessions end.
        let me = session;
        let refused = post_form(
            &app,
            "/account/password",
            &[
                ("current", "not-my-password"),
                ("password", "a-new-long-passphrase"),
            ],
            &me,
        )
        .await;
        assert!(refused.body.contains("The current password is not right"));
        let changed = post_form(
            &app,
            "/account/password",
            &[("current", PASSWORD), ("password", "a-new-long-passphrase")],
            &me,
        )
        .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        assert_eq!(
            get_as(&app, "/account", "en", &me).await.status,
            StatusCode::SEE_OTHER
        );
        let policy = AuthPolicy::default();
        assert!(matches!(
            store
                .login("two.step", "a-new-long-passphrase", "t2", &policy)
                .await
                .unwrap(),
            Login::SecondFactor { .. }
        ));
    })
    .await;
}

#[tokio::test]
async fn personal_data_needs_the_capability_the_scope_or_a_reason() {
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let draft = setu_core::directory::DirectoryForm {
            name_en: "Banke Shelter NGO".into(),
            kind: "ngo".into(),
            place: "51106".into(),
            ..Default::default()
        };
        let org = store
            .create_organisation(&sys, &draft.to_org().unwrap())
            .await
            .unwrap();
        let contact = setu_store::contacts::ContactDraft {
            title: "shelter manager".into(),
            name: "Gita Unique-Qz4".into(),
            phone: Some("9800000123".into()),
        };
        store.create_contact(&sys, org, &contact).await.unwrap();
        let path = format!("/organisations/{org}");

        let banke = sign_in(&store, "dc.banke", Role::DistrictCoordinator, "511").await;
        let analyst = sign_in(&store, "analyst", Role::Analyst, "NP").await;
        let makwanpur = sign_in(&store, "dc.makwanpur", Role::DistrictCoordinator, "312").await;
        let banke_auditor = sign_in(&store, "auditor", Role::Auditor, "NP").await;

        let seen = get_as(&app, &path, "en", &banke).await.body;
        assert!(seen.contains("Gita Unique-Qz4") && seen.contains("9800000123"));
        let masked = get_as(&app, &path, "en", &analyst).await.body;
        assert!(
            !masked.contains("Gita")
                && masked.contains("(hidden)")
                && masked.contains("shelter manager")
        );
        assert!(
            !masked.contains("Outside your scope"),
            "analysts cannot break the glass"
        );
        let outside = get_as(&app, &path, "en", &makwanpur).await.body;
        assert!(!outside.contains("Gita") && outside.contains("Outside your scope"));

        // Breaking the glass needs a reason, opens for an hour, and is shown to Banke's coordinator.
        let short = post_form(
            &app,
            &format!("{path}/glass"),
            &[("reason", "need it")],
            &makwanpur,
        )
        .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        let granted = post_form(
            &app,
            &format!("{path}/glass"),
            &[("reason", "Girl from Hetauda sheltered here, family asking")],
            &makwanpur,
        )
        .await;
        assert_eq!(granted.status, StatusCode::SEE_OTHER);
        let now_seen = get_as(&app, &path, "en", &makwanpur).await.body;
        assert!(
            now_seen.contains("Gita Unique-Qz4") && now_seen.contains("recorded emergency access")
        );
        let review = get_as(&app, "/glass", "en", &banke).await.body;
        assert!(review.contains("dc.makwanpur") && review.contains("family asking"));
        assert!(!get_as(&app, "/glass", "en", &makwanpur)
            .await
            .body
            .contains("family asking"));

        // Every view of the names is in the audit trail, which the auditor can read and export.
        let trail = get_as(&app, "/audit?action=view-personal", "en", &banke_auditor).await;
        assert_eq!(trail.status, StatusCode::OK);
        assert!(
            trail.body.contains("dc.banke")
                && trail.body.contains("dc.makwanpur")
                && !trail.body.contains("analyst<")
        );
        let csv = get_as(&app, "/audit.csv?action=break-glass", "en", &banke_auditor).await;
        assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        assert!(csv.body.lines().count() == 2 && csv.body.contains("break-glass"));
        assert!(
            !csv.body.contains("family asking"),
            "reasons are sealed, not in the trail"
        );
        // The auditor sees nothing else.
        assert_eq!(
            get_as(&app, &path, "en", &banke_auditor).await.status,
            StatusCode::FORBIDDEN
        );
        // The API lists contacts in scope only, with names for those who may see them.
        let api = get_as(&app, "/api/v1/contacts", "en", &banke).await.body;
        assert!(api.contains("Gita Unique-Qz4"));
        let api = get_as(&app, "/api/v1/contacts", "en", &makwanpur)
            .await
            .body;
        assert!(!api.contains("Gita") && api.contains(r#""items":[]"#));
        let api = get_as(&app, "/api/v1/contacts", "en", &analyst).await.body;
        assert!(!api.contains("Gita") && api.contains(r#""name":null"#));
    })
    .await;
}

/// The authorisation matrix, generated from the router's own route table: every route ×
/// every role × a record inside and outside the user's scope. The expected answer comes from
/// the permission matrix (`setu_core::access::decide` over `MATRIX`), the actual one from the
/// router; a route added without being reachable here fails the test.
#[tokio::test]
async fn authorisation_matrix_over_every_route_role_and_scope() {
    use setu_core::access::{decide, Decision, Principal, Target, MATRIX};
    use setu_core::committees::{CommitteeKind, Seat};
    use setu_core::PlaceCode;
    use setu_store::committees::MeetingDraft;
    use setu_web::routes::{specs, Access, Subject};
    use time::macros::date;

    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let org_at = |place: &str| setu_core::directory::DirectoryForm {
            name_en: format!("Org {place}"),
            kind: "ngo".into(),
            place: place.into(),
            ..Default::default()
        };
        let in_org = store
            .create_organisation(&sys, &org_at("5110619").to_org().unwrap())
            .await
            .unwrap();
        let out_org = store
            .create_organisation(&sys, &org_at("3120601").to_org().unwrap())
            .await
            .unwrap();
        let mut contacts = Vec::new();
        for org in [in_org, out_org] {
            let draft = setu_store::contacts::ContactDraft {
                title: "focal person".into(),
                name: "Matrix Person".into(),
                phone: Some("9800000001".into()),
            };
            contacts.push(store.create_contact(&sys, org, &draft).await.unwrap());
        }
        let site_at = |place: &str, org: i64| setu_core::directory::DirectoryForm {
            name_en: format!("Site {place}"),
            kind: "border-booth".into(),
            place: place.into(),
            organisation: org.to_string(),
            ..Default::default()
        };
        let in_site = store
            .create_site(&sys, &site_at("5110619", in_org).to_site().unwrap())
            .await
            .unwrap();
        let out_site = store
            .create_site(&sys, &site_at("3120601", out_org).to_site().unwrap())
            .await
            .unwrap();
        let mut committees = Vec::new();
        for ll in [51106, 31206] {
            let c = store
                .create_committee(
                    &sys,
                    CommitteeKind::Lccht,
                    PlaceCode::LocalLevel(ll),
                    None,
                    None, None,
                )
                .await
                .unwrap();
            let member = store
                .add_member(&sys, c, "Member", Seat::Chair, date!(2024 - 01 - 01), None)
                .await
                .unwrap();
            let draft = MeetingDraft {
                held_on: date!(2025 - 01 - 01),
                agenda: "a".into(),
                attendance: vec![(member.clone(), true)],
                decisions: vec![("d".into(), "r".into(), None)],
            };
            let meeting = store.record_meeting(&sys, c, &draft).await.unwrap();
            let decision = store.meeting(&meeting, &sys).await.unwrap().decisions[0]
                .id
                .clone();
            let line = store
                .add_budget_line(
                    &sys,
                    c,
                    "2081/82".parse().unwrap(),
                    &setu_core::committees::BudgetDraft {
                        source: setu_core::committees::FundingSource::Own,
                        purpose: "Awareness".into(),
                        allocated: 100,
                        spent: 0,
                    },
                )
                .await
                .unwrap();
            let activity = store
                .add_activity(
                    &sys,
                    c,
                    "2081/82".parse().unwrap(),
                    &setu_store::committees::ActivityDraft {
                        title: "Street drama".into(),
                        activity_type: "awareness".into(),
                        ward: None,
                        planned_on: None,
                        done_on: None,
                        responsible: "secretary".into(),
                        budget_line: None,
                    },
                )
                .await
                .unwrap();
            committees.push((
                c,
                meeting,
                decision,
                line,
                member,
                activity,
                PlaceCode::LocalLevel(ll),
            ));
        }
        let mut ambassadors = Vec::new();
        for ward in ["5110619", "3120601"] {
            let draft = setu_store::youth::AmbassadorDraft {
                ward: ward.parse().unwrap(),
                name: "Youth".into(),
                sex: setu_core::community::Sex::Male,
                joined_on: date!(2022 - 01 - 01),
                trainings: 0,
            };
            ambassadors.push(store.add_ambassador(&sys, &draft).await.unwrap());
        }
        let (mut youth_groups, mut youth_events) = (Vec::new(), Vec::new());
        for ward in ["5110619", "3120601"] {
            let place: PlaceCode = ward.parse().unwrap();
            youth_groups.push(
                store
                    .add_youth_group(&sys, place, "Youth club", None, None)
                    .await
                    .unwrap(),
            );
            let event = setu_store::youth::EventDraft {
                ward: place,
                held_on: date!(2025 - 01 - 01),
                event_type: setu_core::community::EventType::Awareness,
                participants: Default::default(),
                outcome: String::new(),
            };
            youth_events.push(store.record_youth_event(&sys, &event).await.unwrap());
        }
        let (mut groups, mut group_members, mut sessions) = (Vec::new(), Vec::new(), Vec::new());
        let (mut forum_entries, mut alerts) = (Vec::new(), Vec::new());
        for ward in ["5110619", "3120601"] {
            let g = store
                .create_group(&sys, ward.parse().unwrap(), "Group", None)
                .await
                .unwrap();
            let session = setu_store::parents::SessionDraft {
                held_on: date!(2025 - 01 - 01),
                topic: "Safe migration".into(),
                material: setu_core::community::Material::Discussion,
                episode: None,
                facilitator: "Facilitator".into(),
                present: Vec::new(),
            };
            sessions.push(store.record_session(&sys, g, &session).await.unwrap());
            forum_entries.push(
                store
                    .add_forum_entry(
                        &sys,
                        setu_core::directory::ForumEntryKind::Meeting,
                        ward.parse().unwrap(),
                        date!(2025 - 01 - 01),
                        "Forum met",
                        &[],
                    )
                    .await
                    .unwrap(),
            );
            alerts.push(
                store
                    .post_alert(
                        &sys,
                        ward.parse().unwrap(),
                        "Alert",
                        "Watch out",
                        date!(2030 - 01 - 01),
                        date!(2025 - 01 - 01),
                    )
                    .await
                    .unwrap(),
            );
            let member = store
                .add_group_member(
                    &sys,
                    g,
                    "Parent",
                    setu_core::community::Sex::Female,
                    date!(2024 - 01 - 01),
                )
                .await
                .unwrap();
            group_members.push(member);
            groups.push(g);
        }
        // Booth records on each side: a screening, a sync conflict, a hand-over, a referral.
        let (mut screenings, mut conflicts, mut handovers, mut referrals) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let catalogue = store.risk_catalogue().await.unwrap();
        for (k, (site, org, place)) in [(in_site, in_org, "5110619"), (out_site, out_org, "3120601")]
            .into_iter()
            .enumerate()
        {
            let police = store
                .create_organisation(
                    &sys,
                    &setu_core::directory::DirectoryForm {
                        name_en: format!("Police {place}"),
                        kind: "police-unit".into(),
                        place: place.into(),
                        ..Default::default()
                    }
                    .to_org()
                    .unwrap(),
                )
                .await
                .unwrap();
            let today = time::OffsetDateTime::now_utc().date();
            let form = setu_core::booths::ScreeningForm {
                site: site.to_string(),
                date_bs: "2081-01-01".into(),
                sex: "female".into(),
                age: "16".into(),
                outcome: "intercepted".into(),
                consent_share: "on".into(),
                ..Default::default()
            };
            let (draft, risk_score, risk_level) = form.check(today, &catalogue).unwrap();
            let scored = setu_store::booths::ScoredScreening {
                draft,
                risk_version: catalogue.version,
                risk_score,
                risk_level,
            };
            let sid = format!("00000000-0000-4000-8000-00000000000{k}");
            store.sync_screening(&sys, &sid, 0, &scored, "{}").await.unwrap();
            let tally = |n: &str| {
                setu_core::booths::TallyForm {
                    site: site.to_string(),
                    date_bs: "2081-01-01".into(),
                    female_18: n.into(),
                    ..Default::default()
                }
                .check(today)
                .unwrap()
            };
            let tid = format!("00000000-0000-4000-8000-00000000001{k}");
            store.sync_tally(&sys, &tid, 0, &tally("1"), "{}").await.unwrap();
            store.sync_tally(&sys, &tid, 1, &tally("2"), "{}").await.unwrap();
            let stale = store.sync_tally(&sys, &tid, 1, &tally("3"), "{}").await.unwrap();
            conflicts.push(stale.conflict.unwrap());
            let handover = setu_core::booths::HandoverForm {
                date_bs: "2081-01-01".into(),
                time: "10:00".into(),
                place: place.into(),
                site: site.to_string(),
                from_party: "booth".into(),
                from_org: org.to_string(),
                to_party: "nepal-police".into(),
                to_org: police.to_string(),
                persons: vec![sid.clone()],
                ..Default::default()
            }
            .check(time::OffsetDateTime::now_utc())
            .unwrap();
            handovers.push(store.create_handover(&sys, &handover).await.unwrap());
            let referral = setu_core::booths::ReferralForm {
                source: "booth".into(),
                site: site.to_string(),
                place: place.into(),
                to_org: police.to_string(),
                category: "suspected-trafficking".into(),
                urgency: "urgent".into(),
                description: "Matrix concern".into(),
            }
            .check()
            .unwrap();
            referrals.push(
                store
                    .create_referral(&sys, &referral, Some(org), time::OffsetDateTime::now_utc())
                    .await
                    .unwrap(),
            );
            screenings.push(sid);
        }
        // Family tracing on each side: a report (for its own pages), a proposed match of a
        // report with a police rescue (to decide), and a confirmed merge of two rescues (to undo).
        let (mut reports, mut encounters, mut proposals, mut merges) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (org, place) in [(in_org, "5110619"), (out_org, "3120601")] {
            let today = time::OffsetDateTime::now_utc().date();
            let report = |given: &str| setu_core::tracing::ReportForm {
                reporter_name: "Hari Tamang".into(),
                reporter_relation: "parent".into(),
                consent_tracing: "yes".into(),
                reported_on: "2024-01-10".into(),
                given_name: given.into(),
                family_name: "Tamang".into(),
                sex: "female".into(),
                age: "16".into(),
                father_name: "Hari Tamang".into(),
                home: place.into(),
                ..Default::default()
            };
            reports.push(
                store
                    .create_report(&sys, &report("Kamala").check(today).unwrap())
                    .await
                    .unwrap(),
            );
            let sita = store
                .create_report(&sys, &report("Sita").check(today).unwrap())
                .await
                .unwrap();
            let rescue = |given: &str, family: &str, father: &str| setu_core::tracing::EncounterForm {
                source: "police".into(),
                organisation: org.to_string(),
                place: place.into(),
                met_on: "2024-02-01".into(),
                given_name: given.into(),
                family_name: family.into(),
                sex: "female".into(),
                age: "17".into(),
                father_name: father.into(),
                home: place.into(),
                ..Default::default()
            };
            let mut ids = Vec::new();
            for (g, f, father) in [
                ("SEETA", "Lama", "Hari Tamang"),
                ("Gita", "Magar", "Ram Magar"),
                ("Geeta", "Magar", "Ram Bahadur Magar"),
            ] {
                ids.push(
                    store
                        .create_encounter(&sys, &rescue(g, f, father).check(today).unwrap())
                        .await
                        .unwrap(),
                );
            }
            encounters.push(ids[0].clone());
            let queue = store
                .proposals(
                    setu_core::access::Scope::Place(place.parse().unwrap()),
                    Some("proposed"),
                )
                .await
                .unwrap();
            let pair = |a: &str, b: &str| {
                queue
                    .iter()
                    .find(|p| p.left_id == a && p.right_id == b || p.left_id == b && p.right_id == a)
                    .unwrap_or_else(|| panic!("no proposal in {place}: {queue:#?}"))
                    .id
                    .clone()
            };
            proposals.push(pair(&sita, &ids[0]));
            let merge = pair(&ids[1], &ids[2]);
            store.decide_proposal(&sys, &merge, true).await.unwrap();
            merges.push(merge);
        }
        let target_user = store
            .create_user(
                &sys,
                &NewUser {
                    username: "target.user".into(),
                    password: PASSWORD.into(),
                    role: Role::Analyst,
                    scope: "511".parse().unwrap(),
                    full_name: None,
                },
            )
            .await
            .unwrap();
        let requester = store
            .create_user(
                &sys,
                &NewUser {
                    username: "second.admin".into(),
                    password: PASSWORD.into(),
                    role: Role::SystemAdmin,
                    scope: "NP".parse().unwrap(),
                    full_name: None,
                },
            )
            .await
            .unwrap();
        let fy = setu_core::FiscalYear::containing(time::OffsetDateTime::now_utc().date())
            .unwrap()
            .to_string();

        let scope_for = |role: Role| -> String {
            use setu_core::access::ScopeKind as K;
            match role.spec().scopes[0] {
                K::Country => "NP".into(),
                K::Province => "5".into(),
                K::District => "511".into(),
                K::LocalLevel if role == Role::Analyst => "511".into(),
                K::LocalLevel => "51106".into(),
                K::Ward => "5110619".into(),
                K::Site => format!("site:{in_site}"),
                K::Organisation => format!("org:{in_org}"),
            }
        };
        let mut checked = 0;
        let mut n = 0;
        for spec_row in MATRIX {
            let role = spec_row.role;
            let name = format!("u.{}", role.as_str());
            let mut me = sign_in(&store, &name, role, &scope_for(role)).await;
            let principal = Principal {
                user_id: String::new(),
                username: name.clone(),
                role,
                scope: scope_for(role).parse().unwrap(),
                limit: None,
            };
            for route in specs() {
                let scoped = !matches!(
                    route.subject,
                    Subject::None | Subject::User | Subject::Token | Subject::OwnToken | Subject::RoleRequest
                );
                let sides: &[bool] = if scoped { &[true, false] } else { &[true] };
                for &inside in sides {
                    n += 1;
                    let side = usize::from(!inside);
                    let (org, site, place) = if inside {
                        (in_org, in_site, "5110619")
                    } else {
                        (out_org, out_site, "3120601")
                    };
                    let meeting_on = setu_core::calendar::BsDate::from_ad(date!(2025 - 01 - 01))
                        .unwrap()
                        .to_string();
                    let member_start = setu_core::calendar::BsDate::from_ad(date!(2024 - 01 - 01))
                        .unwrap()
                        .to_string();
                    let youth_joined = setu_core::calendar::BsDate::from_ad(date!(2022 - 01 - 01))
                        .unwrap()
                        .to_string();
                    let alert_until = setu_core::calendar::BsDate::from_ad(date!(2030 - 01 - 01))
                        .unwrap()
                        .to_string();
                    let encounter_met = setu_core::calendar::BsDate::from_ad(date!(2024 - 02 - 01))
                        .unwrap()
                        .to_string();
                    let screening_purpose = store
                        .screening(&screenings[side], setu_store::sealing::Reveal::No)
                        .await
                        .unwrap()
                        .purpose;
                    let (committee, meeting, decision, budget_line, member, activity, committee_place) =
                        committees[side].clone();
                    let token_id = if route.subject == Subject::Token {
                        store
                            .set_disabled(&sys, &target_user.id, false)
                            .await
                            .unwrap();
                        store.create_api_token(&sys, &target_user.id, &Default::default()).await.unwrap();
                        store
                            .api_tokens(&target_user.id)
                            .await
                            .unwrap()
                            .into_iter()
                            .find(|t| t.revoked_at.is_none())
                            .unwrap()
                            .id
                    } else if route.subject == Subject::OwnToken {
                        let mine = store.user_by_name(&name).await.unwrap();
                        store
                            .create_api_token(&Actor::user(&mine.id, &name), &mine.id, &Default::default())
                            .await
                            .unwrap();
                        store
                            .api_tokens(&mine.id)
                            .await
                            .unwrap()
                            .into_iter()
                            .find(|t| t.revoked_at.is_none())
                            .unwrap()
                            .id
                    } else if route.subject == Subject::RoleRequest {
                        // Another administrator asks; the acting role decides.
                        let current = store.user(&target_user.id).await.unwrap();
                        store
                            .set_role(
                                &Actor::user(&requester.id, &requester.username),
                                &target_user.id,
                                current.version,
                                Role::DistrictCoordinator,
                                "511".parse().unwrap(),
                            )
                            .await
                            .unwrap();
                        store
                            .pending_role_requests(Some(&target_user.id))
                            .await
                            .unwrap()
                            .remove(0)
                            .id
                    } else {
                        String::new()
                    };
                    let id = match route.subject {
                        Subject::Site => site.to_string(),
                        Subject::User => target_user.id.clone(),
                        Subject::Token | Subject::OwnToken | Subject::RoleRequest => token_id,
                        Subject::Committee => committee.to_string(),
                        Subject::Meeting => meeting.clone(),
                        Subject::Decision => decision.clone(),
                        Subject::BudgetLine => budget_line.clone(),
                        Subject::Member => member.clone(),
                        Subject::Activity => activity.clone(),
                        Subject::Group => groups[side].to_string(),
                        Subject::Ambassador => ambassadors[side].clone(),
                        Subject::YouthGroup => youth_groups[side].clone(),
                        Subject::YouthEvent => youth_events[side].clone(),
                        Subject::ForumEntry => forum_entries[side].clone(),
                        Subject::Alert => alerts[side].clone(),
                        Subject::GroupMember => group_members[side].clone(),
                        Subject::Session => sessions[side].clone(),
                        Subject::Contact => contacts[side].clone(),
                        Subject::Booth => site.to_string(),
                        Subject::Screening => screenings[side].clone(),
                        Subject::Conflict => conflicts[side].clone(),
                        Subject::Handover => handovers[side].clone(),
                        Subject::Referral => referrals[side].clone(),
                        Subject::Report => reports[side].clone(),
                        Subject::Encounter => encounters[side].clone(),
                        Subject::Proposal if route.path.ends_with("/undo") => merges[side].clone(),
                        Subject::Proposal => proposals[side].clone(),
                        _ if route.path.starts_with("/sites/") => site.to_string(),
                        _ if route.path.starts_with("/screenings/") => screenings[side].clone(),
                        _ => org.to_string(),
                    };
                    let path = route
                        .path
                        .replace("{id}", &id)
                        .replace("{code}", "511")
                        .replace("{name}", "setu.css");
                    let org_version = store.organisation(org).await.unwrap().version.to_string();
                    let site_version = store.site(site).await.unwrap().version.to_string();
                    let user_version = store
                        .user(&target_user.id)
                        .await
                        .unwrap()
                        .version
                        .to_string();
                    let unique = format!("n{n}");
                    let org_s = org.to_string();
                    let site_s = site.to_string();
                    let police_s = store
                        .referral(&referrals[side], setu_store::sealing::Reveal::No)
                        .await
                        .unwrap()
                        .to_org_id
                        .to_string();
                    let committee_at = if inside { "51107" } else { "31207" };
                    // The current version of a record corrected through its description.
                    let version_of = |table: &'static str| {
                        let (store, id) = (store.clone(), id.clone());
                        async move {
                            store
                                .record_number(table, &id, "version")
                                .await
                                .ok()
                                .flatten()
                                .unwrap_or(0)
                                .to_string()
                        }
                    };
                    let current_version = match route.subject {
                        Subject::Decision => version_of("meeting_decision").await,
                        Subject::Ambassador => version_of("youth_ambassador").await,
                        Subject::YouthGroup => version_of("youth_group").await,
                        Subject::YouthEvent => version_of("youth_event").await,
                        Subject::ForumEntry => version_of("forum_entry").await,
                        Subject::Alert => version_of("shared_alert").await,
                        Subject::GroupMember => version_of("group_member").await,
                        Subject::Session => version_of("sbcc_session").await,
                        Subject::Screening => version_of("screening").await,
                        Subject::Handover => version_of("handover").await,
                        Subject::Encounter => version_of("tracing_encounter").await,
                        Subject::Contact => version_of("contact").await,
                        Subject::Committee => version_of("committee").await,
                        _ => String::new(),
                    };
                    let report_version = store
                        .report(&reports[side], setu_store::sealing::Reveal::No)
                        .await
                        .unwrap()
                        .version
                        .to_string();
                    let body: Vec<(&str, &str)> = match (route.path, route.method.as_str()) {
                        ("/organisations", "POST") => {
                            vec![("name_en", "New org"), ("kind", "ngo"), ("place", place)]
                        }
                        ("/sites", "POST") => vec![
                            ("name_en", "New site"),
                            ("kind", "shelter"),
                            ("place", place),
                            ("organisation", &org_s),
                        ],
                        ("/organisations/{id}", "POST") => vec![
                            ("name_en", "Edited"),
                            ("kind", "ngo"),
                            ("place", place),
                            ("version", &org_version),
                        ],
                        ("/sites/{id}", "POST") => vec![
                            ("name_en", "Edited"),
                            ("kind", "border-booth"),
                            ("place", place),
                            ("organisation", &org_s),
                            ("version", &site_version),
                        ],
                        ("/organisations/{id}/contacts", _) => {
                            vec![("title", "focal person"), ("name", "Matrix Person")]
                        }
                        ("/organisations/{id}/glass", _) | ("/screenings/{id}/glass", _) => {
                            vec![("reason", "matrix test reason, long enough")]
                        }
                        ("/committees", "POST") => vec![("kind", "lccht"), ("place", committee_at)],
                        ("/youth/ambassadors", "POST") => vec![
                            ("name", "Matrix Youth"),
                            ("ward", place),
                            ("sex", "female"),
                            ("joined_on", "2080-01-01"),
                        ],
                        ("/youth/ambassadors/{id}/status", _) => vec![("status", "active")],
                        // Records corrected through their description, as they are (nothing
                        // changes, so every allowed role is answered the same).
                        ("/decisions/{id}", "POST") => {
                            vec![("text", "d"), ("responsible", "r"), ("version", &current_version)]
                        }
                        ("/youth/ambassadors/{id}", "POST") => vec![
                            ("name", "Youth"),
                            ("sex", "male"),
                            ("joined_on", &youth_joined),
                            ("version", &current_version),
                        ],
                        ("/youth/groups/{id}", "POST") => {
                            vec![("name", "Youth club"), ("version", &current_version)]
                        }
                        ("/youth/events/{id}", "POST") => vec![
                            ("held_on", &meeting_on),
                            ("event_type", "awareness"),
                            ("version", &current_version),
                        ],
                        ("/forum/entries/{id}", "POST") => vec![
                            ("kind", "meeting"),
                            ("happened_on", &meeting_on),
                            ("text", "Forum met"),
                            ("version", &current_version),
                        ],
                        ("/forum/alerts/{id}", "POST") => vec![
                            ("title", "Alert"),
                            ("body", "Watch out"),
                            ("expires_on", &alert_until),
                            ("version", &current_version),
                        ],
                        ("/group-members/{id}", "POST") => vec![
                            ("name", "Parent"),
                            ("sex", "female"),
                            ("joined_on", &member_start),
                            ("version", &current_version),
                        ],
                        ("/screenings/{id}/record", "POST") => vec![
                            ("sex", "female"),
                            ("age", "16"),
                            ("purpose", &screening_purpose),
                            ("outcome", "intercepted"),
                            ("version", &current_version),
                        ],
                        ("/handovers/{id}/record", "POST") => vec![("version", &current_version)],
                        ("/committees/{id}/record", "POST") => {
                            vec![("phone", "081-520000"), ("version", &current_version)]
                        }
                        ("/contacts/{id}", "POST") => vec![
                            ("title", "focal person"),
                            ("name", "Matrix Person"),
                            ("phone", "9800000001"),
                            ("version", &current_version),
                        ],
                        ("/tracing/encounters/{id}/record", "POST") => vec![
                            ("met_on", &encounter_met),
                            ("given_name", "SEETA"),
                            ("family_name", "Lama"),
                            ("father_name", "Hari Tamang"),
                            ("sex", "female"),
                            ("age", "17"),
                            ("version", &current_version),
                        ],
                        ("/sessions/{id}", "POST") => vec![
                            ("held_on", &meeting_on),
                            ("topic", "Safe migration"),
                            ("material", "discussion"),
                            ("facilitator", "Facilitator"),
                            ("version", &current_version),
                        ],
                        // A withdrawal based on a version the record never had: allowed roles
                        // are told it changed (409), and the record stays for the routes after.
                        (path, "POST") if path.ends_with("/withdraw") => {
                            vec![("reason", "duplicate"), ("version", "999999")]
                        }
                        ("/youth/events", "POST") => vec![
                            ("ward", place),
                            ("held_on", "2081-01-01"),
                            ("event_type", "awareness"),
                            ("female_u18", "3"),
                        ],
                        ("/forum/alerts", _) => vec![
                            ("place", place),
                            ("title", "Alert"),
                            ("body", "Watch out"),
                            ("expires_on", "2099-01-01"),
                        ],
                        ("/forum/services", _) => vec![
                            ("organisation", &org_s),
                            ("service", "shelter"),
                            ("place", place),
                        ],
                        ("/forum/entries", _) => vec![
                            ("kind", "meeting"),
                            ("place", place),
                            ("happened_on", "2081-01-01"),
                            ("text", "Forum met"),
                        ],
                        ("/youth/groups", _) => vec![
                            ("place", place),
                            ("name", "Youth club"),
                            ("resource_centre", "Ward office room"),
                            ("room_given_on", "2081-01-01"),
                        ],
                        ("/parents-groups", "POST") => vec![("name", "New group"), ("ward", place)],
                        ("/parents-groups/{id}/members", _) => vec![
                            ("name", "Matrix Parent"),
                            ("sex", "female"),
                            ("joined_on", "2080-01-01"),
                        ],
                        ("/parents-groups/{id}/sessions", _) => vec![
                            ("held_on", "2081-01-01"),
                            ("topic", "Safe migration"),
                            ("material", "maya-udayan"),
                            ("episode", "1"),
                            ("facilitator", "Facilitator"),
                        ],
                        ("/committees/{id}/members", _) => vec![
                            ("name", "Matrix Member"),
                            ("seat", "member"),
                            ("term_start", "2080-01-01"),
                        ],
                        ("/committees/{id}/activities", _) => vec![
                            ("fy", &fy),
                            ("title", "Awareness"),
                            ("responsible", "secretary"),
                        ],
                        ("/committees/{id}/budget", _) => vec![
                            ("fy", &fy),
                            ("source", "own"),
                            ("purpose", "awareness"),
                            ("allocated", "1000"),
                        ],
                        ("/committees/{id}/meetings", _) => {
                            vec![("held_on", "2081-01-01"), ("agenda", "Matrix agenda")]
                        }
                        ("/decisions/{id}/status", _) => {
                            vec![("status", "done"), ("meeting", &meeting)]
                        }
                        // The line as it is (a correction that changes nothing keeps its
                        // version, so every allowed role is answered the same).
                        // The member as she is (nothing changes, so every allowed role is
                        // answered the same); a name is ignored from those who may not read it.
                        ("/members/{id}", "POST") => vec![
                            ("name", "Member"),
                            ("seat", "chair"),
                            ("term_start", &member_start),
                            ("version", "0"),
                        ],
                        // The group as it is: nothing changes.
                        ("/parents-groups/{id}/record", "POST") => {
                            vec![("name", "Group"), ("version", "0")]
                        }
                        // The activity as it is: nothing changes.
                        ("/activities/{id}", "POST") => vec![
                            ("title", "Street drama"),
                            ("responsible", "secretary"),
                            ("version", "0"),
                        ],
                        // The meeting as it is: nothing changes.
                        ("/meetings/{id}/record", "POST") => vec![
                            ("held_on", &meeting_on),
                            ("agenda", "a"),
                            ("version", "0"),
                        ],
                        ("/budget/{id}", "POST") => vec![
                            ("source", "own"),
                            ("purpose", "Awareness"),
                            ("allocated", "100"),
                            ("spent", "0"),
                            ("version", "0"),
                        ],
                        ("/admin/users", "POST") => vec![
                            ("username", &unique),
                            ("role", "analyst"),
                            ("scope", "511"),
                            ("password", PASSWORD),
                        ],
                        ("/admin/users/{id}/role", _) => vec![
                            ("role", "analyst"),
                            ("scope", "511"),
                            ("version", &user_version),
                        ],
                        ("/admin/users/{id}/password", _) => vec![("password", PASSWORD)],
                        ("/admin/tokens/{id}/revoke", _) => vec![("user", &target_user.id)],
                        ("/login", "POST") => vec![("username", &name), ("password", PASSWORD)],
                        ("/account/tokens", _) => vec![("label", "matrix"), ("all", "1")],
                        ("/account/password", _) => {
                            vec![("current", PASSWORD), ("password", PASSWORD)]
                        }
                        ("/account/second-factor", _) => vec![("current", PASSWORD)],
                        ("/account/second-factor/confirm", _) => vec![("code", "000000")],
                        ("/booths/{id}/tallies", _) => {
                            vec![("date_bs", "2081-01-02"), ("female_18", "3")]
                        }
                        ("/booths/{id}/screenings", _) => vec![
                            ("date_bs", "2081-01-02"),
                            ("sex", "male"),
                            ("age", "30"),
                            ("outcome", "counselled-continued"),
                        ],
                        ("/booths/conflicts/{id}", _) => vec![("choice", "keep")],
                        ("/handovers", "POST") => vec![
                            ("date_bs", "2081-01-02"),
                            ("time", "09:00"),
                            ("place", place),
                            ("site", &site_s),
                            ("from_party", "booth"),
                            ("to_party", "family"),
                            ("persons", &screenings[side]),
                        ],
                        ("/handovers/{id}/acknowledge", _) => vec![("receipt", "R-17")],
                        ("/referrals", "POST") => vec![
                            ("source", "booth"),
                            ("site", &site_s),
                            ("place", place),
                            ("to_org", &police_s),
                            ("category", "other"),
                            ("urgency", "routine"),
                            ("description", "Matrix referral"),
                        ],
                        ("/referrals/{id}/status", _) => vec![("status", "acknowledged")],
                        ("/tracing/reports", _) => vec![
                            ("reporter_name", "Matrix Parent"),
                            ("reporter_relation", "parent"),
                            ("consent_tracing", "yes"),
                            ("reported_on_bs", "2081-01-01"),
                            ("given_name", "Matrix"),
                            ("home", place),
                        ],
                        // The report as it is (nothing changes, so every allowed role is
                        // answered the same).
                        ("/tracing/reports/{id}", "POST") => vec![
                            ("reporter_name", "Hari Tamang"),
                            ("reporter_relation", "parent"),
                            ("consent_tracing", "yes"),
                            ("reported_on", "2024-01-10"),
                            ("given_name", "Kamala"),
                            ("family_name", "Tamang"),
                            ("sex", "female"),
                            ("age", "16"),
                            ("father_name", "Hari Tamang"),
                            ("home", place),
                            ("version", &report_version),
                        ],
                        ("/tracing/reports/{id}/status", _) => {
                            vec![("status", "still-missing"), ("version", &report_version)]
                        }
                        ("/tracing/encounters", _) => vec![
                            ("source", "police"),
                            ("organisation", &org_s),
                            ("place", place),
                            ("met_on_bs", "2081-01-01"),
                            ("given_name", "Matrix"),
                        ],
                        ("/tracing/matches/{id}", _) => vec![("decision", "confirm")],
                        ("/risk", "POST") => vec![
                            ("code", "matrix-indicator"),
                            ("category", "person"),
                            ("weight", "3"),
                            ("text_en", "Matrix"),
                            ("text_ne", "म्याट्रिक्स"),
                            ("high_threshold", "3"),
                            ("evidence_threshold", "6"),
                        ],
                        _ => vec![],
                    };
                    let req = if route.path.starts_with("/api/")
                        && route.method == axum::http::Method::POST
                    {
                        Request::post(&path)
                            .header(header::CONTENT_TYPE, "application/json")
                            .header(header::COOKIE, me.cookie.clone())
                            .header("x-csrf-token", me.csrf.clone())
                            .body(Body::from(match route.path {
                                "/api/v1/sync" => format!(
                                    r#"{{"records":[{{"kind":"tally","id":"00000000-0000-4000-9000-{n:012}","data":{{"site":"{site}","date_bs":"2081-01-03","male_18":"4"}}}}]}}"#
                                ),
                                "/api/v1/handovers" => format!(
                                    r#"{{"date_bs":"2081-01-02","time":"09:00","place":"{place}","site":"{site}","from_party":"booth","to_party":"family","persons":["{}"]}}"#,
                                    screenings[side]
                                ),
                                "/api/v1/handovers/{id}/acknowledge" => r#"{"receipt":"R-18"}"#.to_string(),
                                "/api/v1/referrals" => format!(
                                    r#"{{"source":"booth","site":"{site}","place":"{place}","to_org":"{police_s}","category":"other","urgency":"routine","description":"API referral"}}"#
                                ),
                                "/api/v1/referrals/{id}/status" => r#"{"status":"acknowledged"}"#.to_string(),
                                "/api/v1/tracing/reports" => format!(
                                    r#"{{"reporter_name":"API Parent","reporter_relation":"parent","consent_tracing":"yes","reported_on_bs":"2081-01-01","given_name":"Api","home":"{place}"}}"#
                                ),
                                "/api/v1/tracing/encounters" => format!(
                                    r#"{{"source":"shelter","organisation":"{org}","place":"{place}","met_on_bs":"2081-01-01","family_name":"Api"}}"#
                                ),
                                _ => format!(r#"{{"name_en":"API org","kind":"ngo","place":"{place}"}}"#),
                            }))
                            .unwrap()
                    } else if route.method == axum::http::Method::POST {
                        let mut pairs = body.clone();
                        pairs.push(("csrf", &me.csrf));
                        Request::post(&path)
                            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                            .header(header::COOKIE, format!("setu_lang=en; {}", me.cookie))
                            .body(Body::from(form_body(&pairs)))
                            .unwrap()
                    } else {
                        Request::get(&path)
                            .header(header::COOKIE, format!("setu_lang=en; {}", me.cookie))
                            .body(Body::empty())
                            .unwrap()
                    };
                    let resp = send(&app, req).await;
                    let status = resp.status.as_u16();
                    let what = format!(
                        "{} {} as {} ({})",
                        route.method,
                        path,
                        role.as_str(),
                        if inside { "in scope" } else { "out of scope" }
                    );
                    // Where the record (or the new record) lives.
                    let target = match route.subject {
                        Subject::Organisation | Subject::Contact => Some(Target {
                            place: Some(place.parse().unwrap()),
                            site: None,
                            organisation: Some(org),
                        }),
                        Subject::Site => Some(Target {
                            place: Some(place.parse().unwrap()),
                            site: Some(site),
                            organisation: Some(org),
                        }),
                        Subject::Ambassador
                        | Subject::YouthGroup
                        | Subject::YouthEvent
                        | Subject::ForumEntry
                        | Subject::Alert
                        | Subject::GroupMember
                        | Subject::Session => Some(Target {
                            place: Some(place.parse().unwrap()),
                            ..Default::default()
                        }),
                        Subject::Booth
                        | Subject::Screening
                        | Subject::Conflict
                        | Subject::Handover
                        | Subject::Referral => Some(Target {
                            place: Some(place.parse().unwrap()),
                            site: Some(site),
                            organisation: Some(org),
                        }),
                        Subject::Encounter => Some(Target {
                            place: Some(place.parse().unwrap()),
                            site: None,
                            organisation: Some(org),
                        }),
                        Subject::NewAtPlace if route.path.ends_with("/tracing/encounters") => {
                            Some(Target {
                                place: Some(place.parse().unwrap()),
                                site: None,
                                organisation: Some(org),
                            })
                        }
                        Subject::Report | Subject::Proposal => Some(Target {
                            place: Some(place.parse().unwrap()),
                            ..Default::default()
                        }),
                        Subject::NewAtPlace
                            if route.path.ends_with("/handovers")
                                || route.path.ends_with("/referrals") =>
                        {
                            // A referral from a booth belongs to the organisation running it.
                            Some(Target {
                                place: Some(place.parse().unwrap()),
                                site: Some(site),
                                organisation: route.path.ends_with("/referrals").then_some(org),
                            })
                        }
                        Subject::Group => Some(Target {
                            place: Some(place.parse().unwrap()),
                            ..Default::default()
                        }),
                        Subject::Committee
                        | Subject::Meeting
                        | Subject::Decision
                        | Subject::BudgetLine
                        | Subject::Member
                        | Subject::Activity => Some(Target {
                            place: Some(committee_place),
                            ..Default::default()
                        }),
                        Subject::NewAtPlace if route.path == "/committees" => Some(Target {
                            place: Some(committee_at.parse().unwrap()),
                            ..Default::default()
                        }),
                        Subject::NewAtPlace if route.path == "/sites" => Some(Target {
                            place: Some(place.parse().unwrap()),
                            site: None,
                            organisation: Some(org),
                        }),
                        Subject::NewAtPlace => Some(Target {
                            place: Some(place.parse().unwrap()),
                            ..Default::default()
                        }),
                        _ => None,
                    };
                    match route.access {
                        Access::Public => {
                            assert!(![401, 403].contains(&status), "{what}: {status}")
                        }
                        // A made-up code is answered as a wrong code: allowed, told so.
                        Access::SignedIn if route.path.ends_with("/second-factor/confirm") => {
                            assert!([200, 422].contains(&status), "{what}: {status}")
                        }
                        Access::SignedIn => {
                            assert!([200, 303].contains(&status), "{what}: {status}")
                        }
                        Access::Needs(cap) => {
                            let expected: &[u16] =
                                match decide(&principal, cap, target.as_ref(), false) {
                                    Decision::Allow => &[200, 201, 303],
                                    Decision::Forbidden => &[403],
                                    Decision::OutOfScope
                                        if route.subject == Subject::NewAtPlace =>
                                    {
                                        &[422]
                                    }
                                    Decision::OutOfScope => &[404],
                                };
                            // The role's capability alone decides before any record is read.
                            let expected = if !role.has(cap) { &[403][..] } else { expected };
                            // Only the receiving police unit moves a referral on; the fixture's
                            // unit is nobody's scope, so the senders are refused.
                            let expected = if route.path.ends_with("/referrals/{id}/status")
                                && expected.contains(&303)
                            {
                                &[403][..]
                            } else {
                                expected
                            };
                            // A hand-over is acknowledged and a conflict resolved once: later
                            // roles are allowed but told it is done.
                            let done = status == 422
                                && (route.path.ends_with("/acknowledge")
                                    || route.path.starts_with("/booths/conflicts/")
                                    || route.path.starts_with("/tracing/matches/"));
                            if done && (expected.contains(&303) || expected.contains(&200)) {
                                checked += 1;
                                continue;
                            }
                            let stale = status == 409 && route.path.ends_with("/withdraw");
                            if stale && expected.contains(&303) {
                                checked += 1;
                                continue;
                            }
                            // Each place has one committee: after the first role made it, the
                            // others are allowed but told it exists.
                            let exists =
                                status == 422 && resp.body.contains("already has that committee");
                            if exists && expected.contains(&303) {
                                checked += 1;
                                continue;
                            }
                            assert!(
                                expected.contains(&status),
                                "{what} needs {}: {status} {}",
                                cap.as_str(),
                                &resp.body[..resp.body.len().min(300)]
                            );
                            if status == 422 {
                                assert!(
                                    resp.body.contains("outside your scope")
                                        || resp.body.contains(r#""field":"place""#)
                                        || resp.body.contains(r#""field":"home""#),
                                    "{what}: 422 for another reason"
                                );
                            }
                        }
                    }
                    if route.path == "/logout" || route.path == "/account/password" {
                        me = client_for(&store, &name).await;
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 13 * 50, "checked {checked} combinations");

        // Anonymous: every route that is not public sends pages to the login page, the API to 401.
        for route in specs().into_iter().filter(|r| r.access != Access::Public) {
            let path = route.path.replace("{id}", &in_org.to_string());
            let req = Request::builder()
                .method(route.method.clone())
                .uri(&path)
                .body(Body::empty())
                .unwrap();
            let status = send(&app, req).await.status.as_u16();
            let expected = if path.starts_with("/api/") { 401 } else { 303 };
            assert_eq!(status, expected, "anonymous {} {path}", route.method);
        }

        // A guessed id from another scope looks exactly like an id that does not exist.
        let dc = client_for(&store, "u.district-coordinator").await;
        let outside = get_as(&app, &format!("/organisations/{out_org}/edit"), "en", &dc).await;
        let missing = get_as(&app, "/organisations/987654/edit", "en", &dc).await;
        let outside_body = outside
            .body
            .replace(&format!("%2F{out_org}%2F"), "%2FID%2F");
        let missing_body = missing.body.replace("%2F987654%2F", "%2FID%2F");
        assert_eq!(
            (outside.status, outside_body),
            (missing.status, missing_body)
        );
    })
    .await;
}

/// Issue 13: each role writes its own kind of record and nothing else. Before capabilities by
/// domain, `write-records` let a parents'-group facilitator mark a missing child "deceased", a
/// youth ambassador record budget lines and police rescues, an LCCHT member overwrite a
/// screening's names through sync, and a ward office attribute a report to any organisation.
#[tokio::test]
async fn each_role_writes_only_its_own_kind_of_record() {
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let org = |name: &str, kind: &str, place: &str| setu_core::directory::DirectoryForm {
            name_en: name.into(),
            kind: kind.into(),
            place: place.into(),
            ..Default::default()
        };
        let ngo = store
            .create_organisation(&sys, &org("Near NGO", "ngo", "5110603").to_org().unwrap())
            .await
            .unwrap();
        let far_ngo = store
            .create_organisation(&sys, &org("Far NGO", "ngo", "3120601").to_org().unwrap())
            .await
            .unwrap();
        let booth = store
            .create_site(
                &sys,
                &setu_core::directory::DirectoryForm {
                    organisation: ngo.to_string(),
                    ..org("Border booth", "border-booth", "51106")
                }
                .to_site()
                .unwrap(),
            )
            .await
            .unwrap();
        let committee = store
            .create_committee(
                &sys,
                setu_core::committees::CommitteeKind::Lccht,
                setu_core::PlaceCode::LocalLevel(51106),
                None,
                None,
                None,
            )
            .await
            .unwrap();
        let today = time::OffsetDateTime::now_utc().date();
        let report = setu_core::tracing::ReportForm {
            reporter_name: "Hari Tamang".into(),
            reporter_relation: "parent".into(),
            consent_tracing: "yes".into(),
            reported_on: "2024-01-10".into(),
            given_name: "Kamala".into(),
            family_name: "Tamang".into(),
            sex: "female".into(),
            age: "15".into(),
            home: "5110603".into(),
            organisation: ngo.to_string(),
            ..Default::default()
        };
        let report = store
            .create_report(&sys, &report.check(today).unwrap())
            .await
            .unwrap();
        let version = |store: Store, id: String| async move {
            store
                .report(&id, setu_store::sealing::Reveal::No)
                .await
                .unwrap()
                .version
                .to_string()
        };
        let status_path = format!("/tracing/reports/{report}/status");

        // A parents'-group facilitator cannot touch a missing child's report.
        let facilitator = sign_in(
            &store,
            "pg.facilitator",
            Role::ParentsGroupFacilitator,
            "5110603",
        )
        .await;
        let v = version(store.clone(), report.clone()).await;
        let r = post_form(
            &app,
            &status_path,
            &[("status", "deceased"), ("version", &v)],
            &facilitator,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // The NGO's caseworker moves the report on but cannot close it; the page offers only
        // what she may choose.
        let caseworker = sign_in(
            &store,
            "ngo.caseworker",
            Role::NgoCaseworker,
            &format!("org:{ngo}"),
        )
        .await;
        let page = get_as(
            &app,
            &format!("/tracing/reports/{report}"),
            "en",
            &caseworker,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(r#"value="still-missing""#),
            "{}",
            page.body
        );
        assert!(!page.body.contains(r#"value="deceased""#));
        let r = post_form(
            &app,
            &status_path,
            &[("status", "deceased"), ("version", &v)],
            &caseworker,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post_form(
            &app,
            &status_path,
            &[("status", "still-missing"), ("version", &v)],
            &caseworker,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // A youth ambassador records youth events, not budget lines, screenings or rescues.
        let youth = sign_in(&store, "youth.only", Role::YouthAmbassador, "5110603").await;
        let fy = setu_core::FiscalYear::containing(today)
            .unwrap()
            .to_string();
        for (path, form) in [
            (
                format!("/committees/{committee}/budget"),
                vec![
                    ("fy", fy.as_str()),
                    ("source", "own"),
                    ("purpose", "awareness"),
                    ("allocated", "1000"),
                ],
            ),
            (
                format!("/booths/{booth}/screenings"),
                vec![
                    ("date_bs", "2081-01-02"),
                    ("sex", "female"),
                    ("age", "16"),
                    ("outcome", "intercepted"),
                ],
            ),
            (
                "/tracing/encounters".to_string(),
                vec![
                    ("source", "police"),
                    ("organisation", "1"),
                    ("place", "5110603"),
                    ("met_on_bs", "2081-01-01"),
                    ("given_name", "Rita"),
                ],
            ),
        ] {
            let r = post_form(&app, &path, &form, &youth).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
        let r = post_form(
            &app,
            "/youth/events",
            &[
                ("ward", "5110603"),
                ("held_on", "2081-01-01"),
                ("event_type", "awareness"),
                ("female_u18", "3"),
            ],
            &youth,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // An LCCHT member (no read-personal) cannot write a screening's names through sync.
        let member = sign_in(&store, "lccht.m", Role::LcchtMember, "51106").await;
        let screening = serde_json::json!({
            "kind": "screening",
            "id": "00000000-0000-4000-8000-000000000131",
            "base_version": 1,
            "data": {"site": booth.to_string(), "date_bs": "2081-01-02", "sex": "female",
                     "age": "16", "outcome": "intercepted", "given_name": "Overwritten"}
        });
        let (status, _) = sync_batch(&app, &member, &[screening]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // A member-secretary takes reports in her own area's organisations' names only.
        let secretary = sign_in(&store, "lccht.ms", Role::LcchtMemberSecretary, "51106").await;
        let new_report = |org: i64| {
            vec![
                ("reporter_name", "Maya Rai".to_string()),
                ("reporter_relation", "parent".to_string()),
                ("consent_tracing", "yes".to_string()),
                ("reported_on_bs", "2081-01-01".to_string()),
                ("given_name", "Sunita".to_string()),
                ("home", "5110603".to_string()),
                ("organisation", org.to_string()),
            ]
        };
        let far = new_report(far_ngo);
        let far: Vec<(&str, &str)> = far.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post_form(&app, "/tracing/reports", &far, &secretary).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains(r#"name="organisation""#),
            "the form is shown again"
        );
        let near = new_report(ngo);
        let near: Vec<(&str, &str)> = near.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post_form(&app, "/tracing/reports", &near, &secretary).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    })
    .await;
}

/// Issue 13: consent to share was stored and never checked. A girl who refused sharing is not
/// matched, not handed over with her record, and not shown by name outside the organisation
/// that met her (a coordinator gives a reason); a report whose reporter refused tracing is
/// never matched.
#[tokio::test]
async fn consent_refused_is_never_matched_handed_over_or_shown_outside_the_booth() {
    each_app(|app, store| async move {
        let secretary = sign_in(&store, "consent.sec", Role::LcchtMemberSecretary, "51106").await;
        let coordinator = sign_in(&store, "consent.dc", Role::DistrictCoordinator, "511").await;
        let (booth, worker) = booth_and_worker(&store).await;
        let report = |given: &'static str, consent: &'static str| {
            let (app, secretary) = (app.clone(), secretary.clone());
            async move {
                let r = post_form(
                    &app,
                    "/tracing/reports",
                    &[
                        ("reporter_name", "Hari Tamang"),
                        ("reporter_relation", "parent"),
                        ("consent_tracing", consent),
                        ("reported_on_bs", "2081-09-10"),
                        ("given_name", given),
                        ("family_name", "Tamang"),
                        ("sex", "female"),
                        ("age", "16"),
                        ("father_name", "Hari Tamang"),
                        ("home", "5110603"),
                    ],
                    &secretary,
                )
                .await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
                r.headers["location"]
                    .to_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            }
        };
        // Unasked, the form says so and keeps what was typed.
        let r = post_form(
            &app,
            "/tracing/reports",
            &[
                ("reporter_name", "Hari Tamang"),
                ("given_name", "Unasked"),
                ("home", "5110603"),
            ],
            &secretary,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body
                .contains("Ask the reporter whether she may be traced"),
            "{}",
            r.body
        );
        let traced = report("Sunita", "yes").await;
        let untraced = report("Kamala", "no").await;
        let page = get_as(
            &app,
            &format!("/tracing/reports/{untraced}"),
            "en",
            &secretary,
        )
        .await;
        assert!(page.body.contains("did not agree to tracing"));

        let screening = |id: &str, given: &str, share: &str| {
            serde_json::json!({
                "kind": "screening", "id": id, "base_version": 0,
                "data": {"site": booth.to_string(), "date": "2025-02-01", "time": "10:30",
                    "given_name": given, "family_name": "Tamang", "sex": "female", "age": "17",
                    "home": "5110603", "consent_record": "on", "consent_share": share,
                    "outcome": "intercepted"}
            })
        };
        let shared = "6f1c1d0e-4a43-4b7e-9d7e-2a51f0a2c101";
        let refused = "6f1c1d0e-4a43-4b7e-9d7e-2a51f0a2c102";
        let (status, results) = sync_batch(
            &app,
            &worker,
            &[
                screening(shared, "SUNITA", "on"),
                screening(refused, "Sunita", ""),
                screening("6f1c1d0e-4a43-4b7e-9d7e-2a51f0a2c103", "Kamala", "on"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(results.iter().all(|r| r.1 == "created"), "{results:?}");
        store.drain_jobs().await.unwrap();
        let proposals = store
            .proposals(
                setu_core::access::Scope::Place("511".parse().unwrap()),
                None,
            )
            .await
            .unwrap();
        let pairs: Vec<(&str, &str)> = proposals
            .iter()
            .map(|p| (p.left_id.as_str(), p.right_id.as_str()))
            .collect();
        assert!(pairs.contains(&(traced.as_str(), shared)), "{pairs:?}");
        for p in &proposals {
            for id in [refused, untraced.as_str()] {
                assert!(
                    p.left_id != id && p.right_id != id,
                    "{id} matched: {pairs:?}"
                );
            }
        }

        // At the booth her details are there; a district coordinator needs a reason.
        let at_booth = get_as(&app, &format!("/screenings/{refused}"), "en", &worker).await;
        assert!(at_booth.body.contains("Sunita"), "{}", at_booth.body);
        let outside = get_as(&app, &format!("/screenings/{refused}"), "en", &coordinator).await;
        assert_eq!(outside.status, StatusCode::OK);
        assert!(!outside.body.contains("Sunita") && outside.body.contains("did not agree"));
        assert!(
            get_as(&app, &format!("/screenings/{shared}"), "en", &coordinator)
                .await
                .body
                .contains("SUNITA")
        );
        let r = post_form(
            &app,
            &format!("/screenings/{refused}/glass"),
            &[("reason", "Her mother is at the police post asking for her")],
            &coordinator,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let opened = get_as(&app, &format!("/screenings/{refused}"), "en", &coordinator).await;
        assert!(opened.body.contains("Sunita"));
        let glass = get_as(&app, "/glass", "en", &coordinator).await;
        assert!(glass.body.contains("Her mother is at the police post"));

        // She is not handed over with her record, nor offered for it.
        let form = get_as(&app, "/handovers", "en", &worker).await;
        assert!(form.body.contains(shared) && !form.body.contains(refused));
        let r = post_form(
            &app,
            "/handovers",
            &[
                ("date_bs", "2081-10-02"),
                ("time", "09:00"),
                ("place", "51106"),
                ("site", &booth.to_string()),
                ("from_party", "booth"),
                ("to_party", "family"),
                ("persons", refused),
            ],
            &worker,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("did not agree to her details being shared"),
            "{}",
            r.body
        );
    })
    .await;
}

#[tokio::test]
async fn a_committee_is_run_from_its_pages_and_becomes_functional() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "secretary", Role::LcchtMemberSecretary, "51106").await;
        // Creating outside the scope is refused with a reason; inside, it works.
        let far = post_form(
            &app,
            "/committees",
            &[("kind", "lccht"), ("place", "31206")],
            &me,
        )
        .await;
        assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(far.body.contains("outside your scope"));
        let made = post_form(
            &app,
            "/committees",
            &[
                ("kind", "lccht"),
                ("place", "51106"),
                ("formed_on", "२०७६-०५-०१"),
            ],
            &me,
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let path = made.headers[header::LOCATION].to_str().unwrap().to_string();
        let page = get_as(&app, &path, "en", &me).await.body;
        assert!(page.contains("Dormant") && page.contains("Formed"));

        let m = post_form(
            &app,
            &format!("{path}/members"),
            &[
                ("name", "Chair Unique-Wq3"),
                ("seat", "chair"),
                ("term_start", "2080-01-01"),
            ],
            &me,
        )
        .await;
        assert_eq!(m.status, StatusCode::SEE_OTHER);
        let bad = post_form(
            &app,
            &format!("{path}/members"),
            &[
                ("name", "X"),
                ("seat", "chair"),
                ("term_start", "2080-13-01"),
            ],
            &me,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("not a Bikram Sambat date"));
        let member = store
            .members(
                path.rsplit('/').next().unwrap().parse().unwrap(),
                setu_store::sealing::Reveal::No,
            )
            .await
            .unwrap()
            .remove(0);

        // A meeting: a mistake keeps the agenda; then it is saved with attendance and decisions.
        let today_bs = setu_core::BsDate::from_ad(time::OffsetDateTime::now_utc().date())
            .unwrap()
            .to_string();
        let form = |date: &str| {
            vec![
                ("held_on", date.to_string()),
                ("agenda", "Ward 4 schools; budget".to_string()),
                ("present", member.id.clone()),
                ("decision", "Visit ward 4 schools".to_string()),
                ("responsible", "ward chair".to_string()),
                ("due_on", String::new()),
            ]
        };
        fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
            v.iter().map(|(k, v)| (*k, v.as_str())).collect()
        }
        let wrong = form("2199-01-01");
        let wrong = post_form(&app, &format!("{path}/meetings"), &pairs(&wrong), &me).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("Ward 4 schools; budget") && wrong.body.contains("checked"));
        let good = form(&today_bs);
        let saved = post_form(&app, &format!("{path}/meetings"), &pairs(&good), &me).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let minutes_path = saved.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        let minutes = get_as(&app, &minutes_path, "ne", &me).await.body;
        assert!(
            minutes.contains("माइन्युट")
                && minutes.contains("Chair Unique-Wq3")
                && minutes.contains("Visit ward 4 schools")
        );
        let meeting_id = minutes_path.rsplit('/').next().unwrap();
        let decision = store
            .meeting(meeting_id, &Actor::system("test"))
            .await
            .unwrap()
            .decisions[0]
            .id
            .clone();
        let done = post_form(
            &app,
            &format!("/decisions/{decision}/status"),
            &[("status", "done"), ("meeting", meeting_id)],
            &me,
        )
        .await;
        assert_eq!(
            done.headers[header::LOCATION].to_str().unwrap(),
            minutes_path
        );

        // Plan and budget for the current fiscal year (amount typed in Nepali digits).
        let fy = setu_core::FiscalYear::containing(time::OffsetDateTime::now_utc().date())
            .unwrap()
            .to_string();
        let a = post_form(
            &app,
            &format!("{path}/activities"),
            &[
                ("fy", &fy),
                ("title", "School sessions"),
                ("ward", "5110604"),
                ("responsible", "member-secretary"),
            ],
            &me,
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let outside_ward = post_form(
            &app,
            &format!("{path}/activities"),
            &[
                ("fy", &fy),
                ("title", "X"),
                ("ward", "3120601"),
                ("responsible", "x"),
            ],
            &me,
        )
        .await;
        assert!(outside_ward.body.contains("not in the committee"));
        let b = post_form(
            &app,
            &format!("{path}/budget"),
            &[
                ("fy", &fy),
                ("source", "own"),
                ("purpose", "awareness"),
                ("allocated", "३,००,०००"),
                ("spent", "0"),
            ],
            &me,
        )
        .await;
        assert_eq!(b.status, StatusCode::SEE_OTHER);
        let page = get_as(&app, &path, "en", &me).await.body;
        assert!(
            page.contains("Functional"),
            "met today, plan and budget: functional"
        );
        assert!(page.contains("3,00,000") || page.contains("300,000"));
        assert!(
            page.contains("municipality&#39;s own share 100%") || page.contains("own share 100%")
        );
        assert!(page.contains("<svg"), "the own-funds chart");
        let list = get_as(&app, "/committees", "en", &me).await.body;
        assert!(list.contains("Functional: 1 / 1"));
        // An analyst sees the committee but not the members' names nor the minutes.
        let analyst = sign_in(&store, "analyst.x", Role::Analyst, "NP").await;
        let seen = get_as(&app, &path, "en", &analyst).await.body;
        assert!(!seen.contains("Chair Unique-Wq3") && seen.contains("(hidden)"));
        assert_eq!(
            get_as(&app, &minutes_path, "en", &analyst).await.status,
            StatusCode::FORBIDDEN
        );
    })
    .await;
}

#[tokio::test]
async fn parents_groups_record_sessions_and_show_repeated_contact() {
    each_app(|app, store| async move {
        let me = sign_in(
            &store,
            "facilitator",
            Role::ParentsGroupFacilitator,
            "51106",
        )
        .await;
        let far = post_form(
            &app,
            "/parents-groups",
            &[("name", "Far group"), ("ward", "3120601")],
            &me,
        )
        .await;
        assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(far.body.contains("outside your scope"));
        let made = post_form(
            &app,
            "/parents-groups",
            &[("name", "Ward 4 mothers"), ("ward", "5110604")],
            &me,
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let path = made.headers[header::LOCATION].to_str().unwrap().to_string();
        for (name, sex) in [("Parent Unique-Gx1", "female"), ("Parent Two", "male")] {
            let r = post_form(
                &app,
                &format!("{path}/members"),
                &[("name", name), ("sex", sex), ("joined_on", "2081-01-01")],
                &me,
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
        let members = store
            .group_members(id, setu_store::sealing::Reveal::No)
            .await
            .unwrap();
        let woman = members
            .iter()
            .find(|m| m.sex == setu_core::community::Sex::Female)
            .unwrap()
            .id
            .clone();
        let dates = ["2081-02-01", "2081-03-01", "2081-04-01"];
        for d in dates {
            let r = post_form(
                &app,
                &format!("{path}/sessions"),
                &[
                    ("held_on", d),
                    ("topic", "Safe migration"),
                    ("material", "maya-udayan"),
                    ("episode", "२"),
                    ("facilitator", "F"),
                    ("present", &woman),
                ],
                &me,
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let bad = post_form(
            &app,
            &format!("{path}/sessions"),
            &[
                ("held_on", "2081-02-30x"),
                ("topic", "x"),
                ("material", "drama"),
                ("facilitator", "F"),
            ],
            &me,
        )
        .await;
        assert!(bad.body.contains("not a Bikram Sambat date"));
        // The facilitator's role does not read personal data: names are hidden.
        let page = get_as(&app, &path, "en", &me).await.body;
        assert!(page.contains("(hidden)") && !page.contains("Unique-Gx1"));
        assert!(
            page.contains("Parents reached") && page.contains("100%"),
            "one parent reached, a woman, three sessions"
        );
        // A district coordinator sees the names; the list shows the district's figures.
        let dc = sign_in(&store, "district.coord", Role::DistrictCoordinator, "511").await;
        assert!(get_as(&app, &path, "en", &dc)
            .await
            .body
            .contains("Parent Unique-Gx1"));
        let list = get_as(&app, "/parents-groups", "en", &dc).await.body;
        assert!(list.contains("Ward 4 mothers") && list.contains("Attended 3 sessions or more"));
    })
    .await;
}

#[tokio::test]
async fn youth_ambassadors_grow_and_events_are_recorded() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "youth.lead", Role::YouthAmbassador, "51106").await;
        let made = post_form(
            &app,
            "/youth/ambassadors",
            &[
                ("name", "Youth Unique-Yx2"),
                ("ward", "5110603"),
                ("sex", "female"),
                ("joined_on", "2079-01-01"),
                ("trainings", "२"),
            ],
            &me,
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let far = post_form(
            &app,
            "/youth/ambassadors",
            &[
                ("name", "X"),
                ("ward", "3120601"),
                ("sex", "female"),
                ("joined_on", "2079-01-01"),
            ],
            &me,
        )
        .await;
        assert!(far.body.contains("outside your scope"));
        let ev = post_form(
            &app,
            "/youth/events",
            &[
                ("ward", "5110603"),
                ("held_on", "2081-05-01"),
                ("event_type", "budget-hearing"),
                ("female_u18", "12"),
                ("male_18", "3"),
                ("outcome", "Budget line won"),
            ],
            &me,
        )
        .await;
        assert_eq!(ev.status, StatusCode::SEE_OTHER);
        let bad = post_form(
            &app,
            "/youth/events",
            &[
                ("ward", "5110603"),
                ("held_on", "2081-05-01"),
                ("event_type", "budget-hearing"),
                ("female_u18", "many"),
            ],
            &me,
        )
        .await;
        assert!(bad.body.contains("number of people"));
        let page = get_as(&app, "/youth", "en", &me).await.body;
        assert!(
            page.contains("Budget hearing")
                && page.contains("Budget line won")
                && page.contains(">15<")
        );
        assert!(
            page.contains("(hidden)") && !page.contains("Unique-Yx2"),
            "youth ambassadors do not read personal data"
        );
        assert!(
            page.contains("Succession:"),
            "one active ambassador is fewer than five"
        );
        assert!(page.contains("<svg"));
        let club = post_form(
            &app,
            "/youth/groups",
            &[
                ("place", "51106"),
                ("name", "Nepalganj youth club"),
                ("resource_centre", "Room in the ward 3 office"),
                ("room_given_on", "2080-06-01"),
            ],
            &me,
        )
        .await;
        assert_eq!(club.status, StatusCode::SEE_OTHER);
        let no_date = post_form(
            &app,
            "/youth/groups",
            &[
                ("place", "51106"),
                ("name", "X"),
                ("resource_centre", "Room"),
            ],
            &me,
        )
        .await;
        assert_eq!(no_date.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(get_as(&app, "/youth", "en", &me)
            .await
            .body
            .contains("Room in the ward 3 office"));
        let dc = sign_in(&store, "dc.youth", Role::DistrictCoordinator, "511").await;
        assert!(get_as(&app, "/youth", "en", &dc)
            .await
            .body
            .contains("Youth Unique-Yx2"));
    })
    .await;
}

#[tokio::test]
async fn indicators_are_computed_from_records_filtered_and_exported() {
    use setu_core::committees::BudgetDraft;
    use setu_core::committees::{CommitteeKind, FundingSource, Seat};
    use setu_core::community::{EventType, Material, Participants, Sex};
    use setu_core::PlaceCode;
    use setu_store::committees::{ActivityDraft, MeetingDraft};
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let today = time::OffsetDateTime::now_utc().date();
        let fy = setu_core::FiscalYear::containing(today).unwrap();
        let c = store
            .create_committee(
                &sys,
                CommitteeKind::Lccht,
                PlaceCode::LocalLevel(51106),
                None,
                None,
                None,
            )
            .await
            .unwrap();
        let m = store
            .add_member(&sys, c, "M", Seat::Chair, today, None)
            .await
            .unwrap();
        store
            .record_meeting(
                &sys,
                c,
                &MeetingDraft {
                    held_on: today,
                    agenda: "a".into(),
                    attendance: vec![(m, true)],
                    decisions: vec![],
                },
            )
            .await
            .unwrap();
        store
            .add_activity(
                &sys,
                c,
                fy,
                &ActivityDraft {
                    title: "t".into(),
                    activity_type: "awareness".into(),
                    ward: None,
                    planned_on: None,
                    done_on: None,
                    responsible: "r".into(),
                    budget_line: None,
                },
            )
            .await
            .unwrap();
        store
            .add_budget_line(
                &sys,
                c,
                fy,
                &BudgetDraft {
                    source: FundingSource::Own,
                    purpose: "p".into(),
                    allocated: 1000,
                    spent: 0,
                },
            )
            .await
            .unwrap();
        store
            .create_committee(
                &sys,
                CommitteeKind::Lccht,
                PlaceCode::LocalLevel(51102),
                None,
                None,
                None,
            )
            .await
            .unwrap();
        let g = store
            .create_group(&sys, "5110601".parse().unwrap(), "G", None)
            .await
            .unwrap();
        let a = store
            .add_group_member(&sys, g, "A", Sex::Female, today)
            .await
            .unwrap();
        store
            .record_session(
                &sys,
                g,
                &setu_store::parents::SessionDraft {
                    held_on: today,
                    topic: "t".into(),
                    material: Material::Discussion,
                    episode: None,
                    facilitator: "f".into(),
                    present: vec![a],
                },
            )
            .await
            .unwrap();
        store
            .record_youth_event(
                &sys,
                &setu_store::youth::EventDraft {
                    ward: "5110601".parse().unwrap(),
                    held_on: today,
                    event_type: EventType::SchoolSession,
                    participants: Participants::default(),
                    outcome: String::new(),
                },
            )
            .await
            .unwrap();

        let analyst = sign_in(&store, "analyst.i", Role::Analyst, "NP").await;
        let (status, _) = (StatusCode::OK, ());
        let r = get_as(
            &app,
            &format!("/api/v1/indicators?place=511&fy={fy}"),
            "en",
            &analyst,
        )
        .await;
        assert_eq!(r.status, status);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            (v["lcchts_functional"].as_i64(), v["lcchts"].as_i64()),
            (Some(1), Some(2))
        );
        assert_eq!(v["sbcc"]["parents_reached"], 1);
        assert_eq!(v["events"], 1);
        let far: serde_json::Value = serde_json::from_str(
            &get_as(&app, "/api/v1/indicators?place=312", "en", &analyst)
                .await
                .body,
        )
        .unwrap();
        assert_eq!(
            (far["lcchts"].as_i64(), far["events"].as_i64()),
            (Some(0), Some(0))
        );
        let bad = get_as(&app, "/api/v1/indicators?fy=1900/01", "en", &analyst).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        // A district coordinator elsewhere cannot widen their scope with the filter.
        let mk = sign_in(&store, "dc.mk", Role::DistrictCoordinator, "312").await;
        let wide: serde_json::Value = serde_json::from_str(
            &get_as(&app, "/api/v1/indicators?place=511", "en", &mk)
                .await
                .body,
        )
        .unwrap();
        assert_eq!(wide["lcchts"], 0);
        // The page links down to the records, and the CSV carries the same figures.
        let page = get_as(&app, "/indicators?place=511", "en", &analyst)
            .await
            .body;
        assert!(
            page.contains("1 / 2")
                && page.contains(r#"href="/committees?place=511&amp;fy="#)
                && page.contains("<svg")
        );
        // The figures lead to the records they count: the lists take the same area.
        let listed = get_as(&app, "/committees?place=51102", "en", &analyst)
            .await
            .body;
        assert!(
            listed.contains("Functional: 0 / 1"),
            "only Kohalpur's committee"
        );
        let listed = get_as(&app, "/committees?place=511", "en", &analyst)
            .await
            .body;
        assert!(listed.contains("Functional: 1 / 2"));
        assert!(
            get_as(&app, "/parents-groups?place=5110601", "en", &analyst)
                .await
                .body
                .contains(">1<")
        );
        // A past fiscal year: the committee had not met then, and no session was held.
        let past = fy.previous().unwrap().to_string();
        let then = get_as(
            &app,
            &format!("/committees?place=511&fy={past}"),
            "en",
            &analyst,
        )
        .await
        .body;
        assert!(then.contains("Functional: 0 / 2"));
        let groups_then = get_as(
            &app,
            &format!("/parents-groups?place=511&fy={past}"),
            "en",
            &analyst,
        )
        .await
        .body;
        let groups_now = get_as(&app, "/parents-groups?place=511", "en", &analyst)
            .await
            .body;
        assert_ne!(
            groups_then.contains("<dd>1</dd>"),
            groups_now.contains("<dd>1</dd>")
        );
        assert_eq!(
            get_as(&app, "/committees?fy=abc", "en", &analyst)
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        let widened = get_as(&app, "/committees?place=NP", "en", &mk).await.body;
        assert!(
            widened.contains("Functional: 0 / 0"),
            "a filter never widens the scope"
        );
        let csv = get_as(&app, "/indicators.csv?place=511", "en", &analyst).await;
        assert!(csv.body.contains("lcchts_functional,1") && csv.body.contains("parents_reached,1"));
        let req = Request::get("/indicators.xlsx?place=511")
            .header(header::COOKIE, analyst.cookie.clone())
            .body(Body::empty())
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"));
        let bytes = to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
        assert!(bytes.len() > 1000);
        // A booth worker has no aggregates.
        let booth_org = store
            .create_organisation(
                &sys,
                &setu_core::directory::DirectoryForm {
                    name_en: "B".into(),
                    kind: "ngo".into(),
                    place: "51106".into(),
                    ..Default::default()
                }
                .to_org()
                .unwrap(),
            )
            .await
            .unwrap();
        let booth = store
            .create_site(
                &sys,
                &setu_core::directory::DirectoryForm {
                    name_en: "Booth".into(),
                    kind: "border-booth".into(),
                    place: "51106".into(),
                    organisation: booth_org.to_string(),
                    ..Default::default()
                }
                .to_site()
                .unwrap(),
            )
            .await
            .unwrap();
        let worker = sign_in(
            &store,
            "booth.w",
            Role::BoothWorker,
            &format!("site:{booth}"),
        )
        .await;
        // A booth worker counts their own booth; place-based figures stay closed to a site scope.
        let r = get_as(&app, "/api/v1/indicators?fy=all", "en", &worker).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(r#""lcchts":0"#), "{}", r.body);
        assert!(r.body.contains(r#""parents_reached":0"#), "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn wards_without_recent_engagement_are_flagged() {
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let today = time::OffsetDateTime::now_utc().date();
        let event = |ward: &str, days_ago: i64| setu_store::youth::EventDraft {
            ward: ward.parse().unwrap(),
            held_on: today - time::Duration::days(days_ago),
            event_type: setu_core::community::EventType::Awareness,
            participants: Default::default(),
            outcome: String::new(),
        };
        store
            .record_youth_event(&sys, &event("5110601", 10))
            .await
            .unwrap();
        store
            .record_youth_event(&sys, &event("5110602", 200))
            .await
            .unwrap();
        let me = sign_in(&store, "lms.e", Role::LcchtMemberSecretary, "51106").await;
        let page = get_as(&app, "/engagement", "en", &me).await;
        assert_eq!(page.status, StatusCode::OK);
        // 23 wards: ward 1 engaged, the other 22 flagged (ward 2's event is 200 days old).
        assert!(
            page.body
                .contains("Wards without engagement in that time: 22 / 23"),
            "{}",
            page.body.len()
        );
        let longer = get_as(&app, "/engagement?days=365", "en", &me).await.body;
        assert!(longer.contains("21 / 23"));
        assert_eq!(
            get_as(&app, "/engagement?days=0", "en", &me).await.status,
            StatusCode::BAD_REQUEST
        );
        // Another local level is outside this member-secretary's scope.
        assert_eq!(
            get_as(&app, "/engagement?place=31206", "en", &me)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let national = sign_in(&store, "nat.e", Role::NationalCoordinator, "NP").await;
        assert!(get_as(&app, "/engagement", "en", &national)
            .await
            .body
            .contains("Choose a district"));
    })
    .await;
}

#[tokio::test]
async fn the_ngo_forum_shares_services_alerts_and_its_log() {
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let ngo = store
            .create_organisation(
                &sys,
                &setu_core::directory::DirectoryForm {
                    name_en: "Forum NGO".into(),
                    kind: "ngo".into(),
                    place: "51106".into(),
                    ..Default::default()
                }
                .to_org()
                .unwrap(),
            )
            .await
            .unwrap();
        let dc = sign_in(&store, "dc.forum", Role::DistrictCoordinator, "511").await;
        let org = ngo.to_string();
        assert_eq!(
            post_form(
                &app,
                "/forum/services",
                &[
                    ("organisation", &org),
                    ("service", "legal"),
                    ("place", "511")
                ],
                &dc
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            post_form(
                &app,
                "/forum/alerts",
                &[
                    ("place", "511"),
                    ("title", "Fake job offers"),
                    ("body", "Agent promising Gulf jobs via Delhi"),
                    ("expires_on", "2099-01-01")
                ],
                &dc
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        let past = post_form(
            &app,
            "/forum/alerts",
            &[
                ("place", "511"),
                ("title", "Old"),
                ("body", "b"),
                ("expires_on", "2070-01-01"),
            ],
            &dc,
        )
        .await;
        assert!(past.body.contains("already passed"));
        // Issue 13: a 500,000-character title was stored and shown on every forum page.
        let huge = "x".repeat(500_000);
        let long = post_form(
            &app,
            "/forum/alerts",
            &[
                ("place", "511"),
                ("title", &huge),
                ("body", "b"),
                ("expires_on", "2099-01-01"),
            ],
            &dc,
        )
        .await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(long.body.contains("longer than 10,000 characters"));
        // Within that bound, the form's own limit for a title (200) answers on the field.
        let over = "x".repeat(201);
        let long = post_form(
            &app,
            "/forum/alerts",
            &[
                ("place", "511"),
                ("title", &over),
                ("body", "b"),
                ("expires_on", "2099-01-01"),
            ],
            &dc,
        )
        .await;
        assert!(long.body.contains("This is too long."), "{}", long.status);
        let far = post_form(
            &app,
            "/forum/alerts",
            &[
                ("place", "312"),
                ("title", "x"),
                ("body", "b"),
                ("expires_on", "2099-01-01"),
            ],
            &dc,
        )
        .await;
        assert!(far.body.contains("outside your scope"));
        assert_eq!(
            post_form(
                &app,
                "/forum/entries",
                &[
                    ("kind", "joint-action"),
                    ("place", "511"),
                    ("happened_on", "2081-06-01"),
                    ("text", "Rescue of two minors Unique-Fz8"),
                    ("organisation", &org)
                ],
                &dc
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        let page = get_as(&app, "/forum?place=5110604&service=legal", "en", &dc)
            .await
            .body;
        assert!(
            page.contains("Fake job offers")
                && page.contains("Legal aid")
                && page.contains("Unique-Fz8")
        );
        // A youth ambassador in the district sees the alert but not the log's text.
        // An entry inside the youth ambassador's ward, so the row is listed for them.
        let ward_entry = post_form(
            &app,
            "/forum/entries",
            &[
                ("kind", "meeting"),
                ("place", "5110604"),
                ("happened_on", "2081-06-02"),
                ("text", "Ward meeting Unique-Wk5"),
            ],
            &dc,
        )
        .await;
        assert_eq!(ward_entry.status, StatusCode::SEE_OTHER);
        assert!(get_as(&app, "/forum", "en", &dc)
            .await
            .body
            .contains("Unique-Wk5"));
        let youth = sign_in(&store, "youth.f", Role::YouthAmbassador, "5110604").await;
        let seen = get_as(&app, "/forum", "en", &youth).await.body;
        assert!(seen.contains("Fake job offers") && !seen.contains("Unique-Fz8"));
        assert!(
            seen.contains("Forum meeting")
                && !seen.contains("Unique-Wk5")
                && seen.contains("(hidden)"),
            "the row is shown, its text is not"
        );
        // Makwanpur does not see Banke's alert.
        let mk = sign_in(&store, "dc.mk.f", Role::DistrictCoordinator, "312").await;
        assert!(!get_as(&app, "/forum", "en", &mk)
            .await
            .body
            .contains("Fake job offers"));
    })
    .await;
}

/// Posts a sync batch as `who`; returns the status and each record's (id, outcome, version).
async fn sync_batch(
    app: &Router,
    who: &Client,
    records: &[serde_json::Value],
) -> (StatusCode, Vec<(String, String, i64)>) {
    let body = serde_json::json!({ "records": records }).to_string();
    let req = Request::post("/api/v1/sync")
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
async fn booth_and_worker(store: &Store) -> (i64, Client) {
    let sys = Actor::system("test");
    let booth = store
        .create_site(
            &sys,
            &setu_core::directory::DirectoryForm {
                name_en: "Replay booth".into(),
                kind: "border-booth".into(),
                place: "51106".into(),
                ..Default::default()
            }
            .to_site()
            .unwrap(),
        )
        .await
        .unwrap();
    let worker = sign_in(
        store,
        "booth.replay",
        Role::BoothWorker,
        &format!("site:{booth}"),
    )
    .await;
    (booth, worker)
}

/// The offline-sync acceptance test: 1,000 tallies arrive shuffled, in batches, each several
/// times; then corrections, late copies of the originals and stale edits. Every record is
/// stored exactly once, corrections win, late copies change nothing, stale edits become
/// conflicts, and nothing is overwritten.
#[tokio::test]
async fn sync_replays_a_thousand_records_with_duplicates_out_of_order_exactly_once() {
    each_app(|app, store| async move {
        let (booth, worker) = booth_and_worker(&store).await;
        let tally = |k: usize, n: usize, base: i64| {
            serde_json::json!({
                "kind": "tally",
                "id": format!("00000000-0000-4000-8000-{k:012}"),
                "base_version": base,
                "data": {"site": booth.to_string(), "date": "2025-01-01", "female_18": n.to_string()}
            })
        };
        // Every record twice or three times, in a scrambled order (a fixed permutation).
        let mut wire: Vec<serde_json::Value> = Vec::new();
        for copy in 0..3 {
            for i in 0..1000usize {
                let k = (i * 617 + copy * 131) % 1000;
                if copy < 2 || k % 3 == 0 {
                    wire.push(tally(k, k % 50 + 1, 0));
                }
            }
        }
        let mut outcomes = std::collections::HashMap::<String, usize>::new();
        for batch in wire.chunks(250) {
            let (status, results) = sync_batch(&app, &worker, batch).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(results.len(), batch.len());
            for (_, outcome, version) in results {
                assert_eq!(version, 1);
                *outcomes.entry(outcome).or_default() += 1;
            }
        }
        assert_eq!(outcomes.get("created"), Some(&1000));
        assert_eq!(outcomes.get("unchanged"), Some(&(wire.len() - 1000)));
        let stored = store.tallies(booth, 5_000).await.unwrap();
        assert_eq!(stored.len(), 1000, "each record exactly once");
        let sum: i64 = stored.iter().map(|t| t.informed.total()).sum();
        assert_eq!(sum, (0..1000).map(|k| (k % 50 + 1) as i64).sum::<i64>());

        // Corrections of the first 100 (based on version 1), mixed with late copies of their
        // originals and then stale edits still based on version 1.
        let mut mixed: Vec<serde_json::Value> = (0..100).map(|k| tally(k, 99, 1)).collect();
        mixed.extend((0..100).rev().map(|k| tally(k, k % 50 + 1, 0)));
        let (_, results) = sync_batch(&app, &worker, &mixed).await;
        assert!(results[..100].iter().all(|r| r.1 == "updated" && r.2 == 2));
        assert!(results[100..].iter().all(|r| r.1 == "unchanged" && r.2 == 2));
        let stale: Vec<serde_json::Value> = (0..10).map(|k| tally(k, 7, 1)).collect();
        let (_, results) = sync_batch(&app, &worker, &stale).await;
        assert!(results.iter().all(|r| r.1 == "conflict" && r.2 == 2), "{results:?}");
        // The same stale edit again is the same conflict, not a second one.
        sync_batch(&app, &worker, &stale).await;
        let scope: setu_core::access::Scope = format!("site:{booth}").parse().unwrap();
        assert_eq!(store.sync_conflicts(scope).await.unwrap().len(), 10);
        // After a new index key, copies are still recognised (their stored hashes name the
        // old key): the stored content, late copies of older versions, the open conflicts.
        store.keys().rotate_index().unwrap();
        let (_, results) = sync_batch(&app, &worker, &mixed).await;
        assert!(results.iter().all(|r| r.1 == "unchanged" && r.2 == 2), "{results:?}");
        sync_batch(&app, &worker, &stale).await;
        assert_eq!(store.sync_conflicts(scope).await.unwrap().len(), 10);
        let after = store.tallies(booth, 5_000).await.unwrap();
        assert_eq!(after.len(), 1000);
        assert_eq!(
            after.iter().filter(|t| t.informed.total() == 99).count(),
            100,
            "corrections kept, stale edits did not overwrite them"
        );

        // A record for a booth outside the worker's scope is refused, and nothing is stored.
        let other = store
            .create_site(
                &Actor::system("test"),
                &setu_core::directory::DirectoryForm {
                    name_en: "Other booth".into(),
                    kind: "border-booth".into(),
                    place: "11303".into(),
                    ..Default::default()
                }
                .to_site()
                .unwrap(),
            )
            .await
            .unwrap();
        let foreign = serde_json::json!({"kind": "tally", "id": "00000000-0000-4000-8000-999999999999",
            "data": {"site": other.to_string(), "date": "2025-01-01", "male_18": "2"}});
        let (_, results) = sync_batch(&app, &worker, &[foreign]).await;
        assert_eq!(results[0].1, "invalid");
        assert!(store.tallies(other, 10).await.unwrap().is_empty());
    })
    .await;
}

/// The booth form on a slow link: its first load (page, stylesheet, scripts) under 60 KB on the
/// wire, and one screening record under 2 KB.
#[tokio::test]
async fn booth_form_is_light_on_a_slow_link() {
    each_app(|app, store| async move {
        let (booth, worker) = booth_and_worker(&store).await;
        let mut total = 0;
        for path in [
            format!("/booths/{booth}/capture"),
            "/static/setu.css".into(),
            "/static/setu.js".into(),
            "/static/booth.js".into(),
            "/booths/sw.js".into(),
        ] {
            let req = Request::get(&path)
                .header(header::ACCEPT_ENCODING, "gzip")
                .header(header::COOKIE, format!("setu_lang=ne; {}", worker.cookie))
                .body(Body::empty())
                .unwrap();
            let resp = app.clone().oneshot(req).await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            total += to_bytes(resp.into_body(), 1 << 20).await.unwrap().len();
        }
        assert!(total < 60 * 1024, "first load is {total} bytes on the wire");
        // A full screening record as the phone sends it, with long Nepali text.
        let record = serde_json::json!({"kind": "screening", "id": "00000000-0000-4000-8000-000000000001",
            "base_version": 0, "data": {"site": booth.to_string(), "date_bs": "२०८२-०८-१२", "time": "10:45",
            "consent_record": "on", "given_name": "सीता कुमारी", "family_name": "तामाङ", "sex": "female", "age": "16",
            "phone": "9812345678", "home": "5110619", "documents_seen": ["citizenship"], "destination_country": "India",
            "destination_place": "मुम्बई, एक कपडा कारखाना", "purpose": "work", "companions": "1",
            "companion_relation": "stranger", "paid_by": "agent", "agent_involved": "on",
            "documents_carried": ["citizenship", "voter-id"],
            "risk": ["minor-no-consent", "documents-held", "unknown-destination", "offer-too-good"],
            "outcome": "intercepted", "consent_share": "on",
            "note": "साथमा भएका व्यक्तिले काम दिलाउने भने, ठेगाना थाहा छैन।".repeat(3)}});
        let size = record.to_string().len();
        assert!(size < 2048, "one record is {size} bytes");
        let (status, results) = sync_batch(&app, &worker, &[record]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(results[0].1, "created");
    })
    .await;
}

/// The booth worker's page adds tallies up by week; a conflict resolved by applying the phone's
/// version becomes the next version; booth figures join the programme indicators.
#[tokio::test]
async fn weekly_totals_conflict_resolution_and_indicators_join() {
    each_app(|app, store| async move {
        let (booth, worker) = booth_and_worker(&store).await;
        // Booths count days in Nepal time.
        let today = time::OffsetDateTime::now_utc()
            .to_offset(setu_core::booths::NEPAL_OFFSET)
            .date();
        let day = setu_core::calendar::iso(today);
        let tally = |k: usize, n: &str, base: i64| {
            serde_json::json!({"kind": "tally", "id": format!("00000000-0000-4000-8000-{k:012}"), "base_version": base,
                "data": {"site": booth.to_string(), "date": day, "female_18": n, "male_u18": "2"}})
        };
        sync_batch(&app, &worker, &[tally(1, "10", 0), tally(2, "5", 0)]).await;
        let page = get_as(&app, &format!("/booths/{booth}/capture"), "en", &worker).await;
        let weekly = &page.body[page.body.find(r#"id="weekly""#).unwrap()..];
        let body = &weekly[weekly.find("<tbody><tr>").unwrap()..];
        let this_week = &body[..body.find("</tr>").unwrap()];
        assert!(this_week.contains(">19<") && this_week.contains(">4<"), "{this_week}");

        // Correct tally 1 on one phone, then a stale edit from another becomes a conflict.
        sync_batch(&app, &worker, &[tally(1, "11", 1)]).await;
        sync_batch(&app, &worker, &[tally(1, "30", 1)]).await;
        let scope: setu_core::access::Scope = format!("site:{booth}").parse().unwrap();
        let conflicts = store.sync_conflicts(scope).await.unwrap();
        assert_eq!(conflicts.len(), 1);
        let listed = get_as(&app, "/booths/conflicts", "en", &worker).await;
        let shown = listed.body.replace("&#34;", "\"").replace("&quot;", "\"");
        assert!(shown.contains(r#""female_18":"30""#), "the phone's version is shown");
        let r = post_form(&app, &format!("/booths/conflicts/{}", conflicts[0].id), &[("choice", "apply")], &worker).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let t = store.tallies(booth, 10).await.unwrap();
        let one = t.iter().find(|t| t.id.ends_with("000000000001")).unwrap();
        assert_eq!((one.version, one.informed.adults[0]), (3, 30));
        assert!(store.sync_conflicts(scope).await.unwrap().is_empty());
        let again = post_form(&app, &format!("/booths/conflicts/{}", conflicts[0].id), &[("choice", "keep")], &worker).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "resolved once");

        // The booth's figures in the programme indicators (JSON) for the worker's own scope.
        let fy = setu_core::FiscalYear::containing(today).unwrap().to_string();
        let r = get_as(&app, &format!("/api/v1/indicators?fy={fy}"), "en", &worker).await;
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["booths"]["informed"], 39, "{}", r.body);
        assert_eq!(v["booths"]["informed_under18"], 4);
    })
    .await;
}

#[tokio::test]
async fn a_missing_girl_is_reported_found_confirmed_and_brought_home() {
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let police = store
            .create_organisation(
                &sys,
                &setu_core::directory::DirectoryForm {
                    name_en: "Area Police Office".into(),
                    kind: "police-unit".into(),
                    place: "51106".into(),
                    ..Default::default()
                }
                .to_org()
                .unwrap(),
            )
            .await
            .unwrap();
        let secretary = sign_in(
            &store,
            "ward.secretary",
            Role::LcchtMemberSecretary,
            "51106",
        )
        .await;
        let member = sign_in(&store, "lccht.member", Role::LcchtMember, "51106").await;
        let officer = sign_in(
            &store,
            "police.focal",
            Role::PoliceFocalPerson,
            &format!("org:{police}"),
        )
        .await;
        let reviewer = sign_in(&store, "district.coord", Role::DistrictCoordinator, "511").await;

        // A report without a name and with a bad date is refused, and what was typed stays.
        let r = post_form(
            &app,
            "/tracing/reports",
            &[
                ("reporter_name", "Hari Tamang"),
                ("reporter_relation", "parent"),
                ("consent_tracing", "yes"),
                ("reported_on_bs", "2081-13-40"),
                ("home", "5110603"),
            ],
            &secretary,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Write at least a given name"), "{}", r.body);
        assert!(r.body.contains("not a Bikram Sambat date"));
        assert!(r.body.contains(r#"value="Hari Tamang""#));
        assert!(r.body.contains(r#"name="given_name" aria-invalid="true""#));
        assert!(r
            .body
            .contains(r#"name="reported_on_bs" aria-invalid="true""#));

        // In Devanagari, with a BS date in Devanagari digits.
        let r = post_form(
            &app,
            "/tracing/reports",
            &[
                ("reporter_name", "हरि तामाङ"),
                ("reporter_relation", "parent"),
                ("consent_tracing", "yes"),
                ("reported_on_bs", "२०८१-०९-१०"),
                ("given_name", "सीता"),
                ("family_name", "तामाङ"),
                ("sex", "female"),
                ("age", "16"),
                ("father_name", "हरि तामाङ"),
                ("home", "5110603"),
                ("phone", "9841234567"),
            ],
            &secretary,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let report_url = r.headers["location"].to_str().unwrap().to_string();
        let report_id = report_url.rsplit('/').next().unwrap().to_string();
        let page = get_as(&app, &report_url, "en", &secretary).await;
        assert!(page.body.contains("सीता तामाङ") && page.body.contains("Missing"));
        // The register: names for the secretary, hidden from a member without the capability.
        let register = get_as(&app, "/tracing", "en", &secretary).await;
        assert!(register.body.contains("सीता तामाङ"));
        let ward = get_as(&app, "/tracing?ward=5110603", "en", &secretary).await;
        assert!(ward.body.contains("सीता तामाङ"));
        let other = get_as(&app, "/tracing?ward=5110604", "en", &secretary).await;
        assert!(
            !other.body.contains("सीता तामाङ"),
            "one ward's register only"
        );
        // Counts, not children (issue 13): a member without read-personal sees how many by
        // ward, one girl as "fewer than 3", and no record page.
        let register = get_as(&app, "/tracing", "en", &member).await;
        assert_eq!(register.status, StatusCode::OK);
        assert!(!register.body.contains("सीता") && !register.body.contains("/tracing/reports/"));
        assert!(register.body.contains("You see how many, not who"));
        assert!(register.body.contains("fewer than 3"), "{}", register.body);
        let record = get_as(&app, &report_url, "en", &member).await;
        assert_eq!(record.status, StatusCode::FORBIDDEN);
        assert!(!record.body.contains("सीता") && !record.body.contains("तामाङ"));

        // The police rescue her; she gives her name in Latin letters and a surname alias.
        let r = post_form(
            &app,
            "/tracing/encounters",
            &[
                ("source", "police"),
                ("organisation", &police.to_string()),
                ("place", "5110603"),
                ("met_on_bs", "2082-01-15"),
                ("given_name", "Sita"),
                ("family_name", "Lama"),
                ("sex", "female"),
                ("age", "17"),
                ("father_name", "Hari Tamang"),
                ("home", "5110603"),
            ],
            &officer,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // An organisation that does not exist is named on the form, not a server error.
        let r = post_form(
            &app,
            "/tracing/encounters",
            &[
                ("source", "shelter"),
                ("organisation", "999999"),
                ("place", "5110603"),
                ("met_on_bs", "2082-01-15"),
                ("given_name", "Sita"),
            ],
            &secretary,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("That organisation does not exist."),
            "{}",
            r.body
        );
        assert!(r.body.contains(r#"value="Sita""#), "what was typed stays");

        // The police take a report in their own name: they see it through their scope, and
        // so does the ward's LCCHT.
        let form = get_as(&app, "/tracing/reports/new", "en", &officer).await;
        assert!(form
            .body
            .contains(&format!(r#"<option value="{police}" selected>"#)));
        let r = post_form(
            &app,
            "/tracing/reports",
            &[
                ("reporter_name", "Maya Rai"),
                ("reporter_relation", "parent"),
                ("consent_tracing", "yes"),
                ("reported_on_bs", "2082-03-01"),
                ("given_name", "Bishnu"),
                ("family_name", "Rai"),
                ("home", "5110609"),
                ("organisation", &police.to_string()),
            ],
            &officer,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(get_as(&app, "/tracing", "en", &officer)
            .await
            .body
            .contains("Bishnu Rai"));
        assert!(get_as(&app, "/tracing", "en", &secretary)
            .await
            .body
            .contains("Bishnu Rai"));
        let r = post_form(
            &app,
            "/tracing/reports",
            &[
                ("reporter_name", "Maya Rai"),
                ("reporter_relation", "parent"),
                ("consent_tracing", "yes"),
                ("reported_on_bs", "2082-03-01"),
                ("given_name", "Bishnu"),
                ("home", "5110609"),
            ],
            &officer,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not in the ward's name"
        );

        // The reviewer sees the pair side by side with the evidence.
        let queue = store
            .proposals(
                setu_core::access::Scope::Place("511".parse().unwrap()),
                Some("proposed"),
            )
            .await
            .unwrap();
        let proposal = queue
            .iter()
            .find(|p| p.left_id == report_id)
            .unwrap_or_else(|| panic!("not proposed: {queue:#?}"));
        let list = get_as(&app, "/tracing/matches", "en", &reviewer).await;
        assert!(list
            .body
            .contains(&format!("/tracing/matches/{}", proposal.id)));
        assert!(!list.body.contains("Sita"), "the queue holds no names");
        let url = format!("/tracing/matches/{}", proposal.id);
        let pair = get_as(&app, &url, "en", &reviewer).await;
        assert_eq!(pair.status, StatusCode::OK);
        for text in [
            "सीता तामाङ",
            "Sita Lama",
            "Evidence, field by field",
            "Father",
            "Police rescue",
        ] {
            assert!(
                pair.body.contains(text),
                "{text} missing from the match page"
            );
        }
        assert!(
            pair.body.contains(r#"class="for""#),
            "an evidence bar for the match"
        );
        assert!(
            pair.body.contains("Nepalganj"),
            "places by name on the pair's page"
        );
        assert!(pair.body.contains(", Ward 3"));
        let ne = get_as(&app, &url, "ne", &reviewer).await;
        assert!(ne.body.contains("प्रमाण, क्षेत्र अनुसार"));
        // A member cannot review; the API lists the pair without names.
        assert_eq!(
            get_as(&app, "/tracing/matches", "en", &member).await.status,
            StatusCode::FORBIDDEN
        );
        let api = get_as(&app, "/api/v1/tracing/matches", "en", &reviewer).await;
        assert!(api.body.contains(&proposal.id) && !api.body.contains("Sita"));

        // Confirmed: the report is found and its owner sees a notification badge.
        let r = post_form(&app, &url, &[("decision", "confirm")], &reviewer).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let again = post_form(&app, &url, &[("decision", "reject")], &reviewer).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("already"), "{}", again.body);
        let report = store
            .report(&report_id, setu_store::sealing::Reveal::No)
            .await
            .unwrap();
        assert_eq!(report.status, setu_core::tracing::ReportStatus::Found);
        let home = get_as(&app, "/", "en", &secretary).await;
        assert!(home.body.contains(r#"class="count""#));
        let told = get_as(&app, "/notifications", "en", &secretary).await;
        assert!(told.body.contains("has been found") && told.body.contains(&report_url));
        let r = post_form(&app, "/notifications/read", &[], &secretary).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(!get_as(&app, "/", "en", &secretary)
            .await
            .body
            .contains(r#"class="count""#));
        let linked = get_as(&app, &report_url, "en", &secretary).await;
        assert!(linked.body.contains("The same person, confirmed"));

        // The reunification: a stale form is refused, the current one recorded.
        let stale = post_form(
            &app,
            &format!("{report_url}/status"),
            &[("status", "returned-home"), ("version", "1")],
            &secretary,
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("Someone else changed this record"));
        let version = report.version.to_string();
        let r = post_form(
            &app,
            &format!("{report_url}/status"),
            &[
                ("status", "returned-home"),
                ("version", &version),
                ("date_bs", "२०८२-०२-०१"),
            ],
            &secretary,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let done = get_as(&app, &report_url, "en", &secretary).await;
        assert!(done.body.contains("Returned home"));
        assert_eq!(
            store.report_history(&report_id).await.unwrap().len(),
            3,
            "missing, found, returned home"
        );
        // A closed case is not offered to move again, and it leaves the open register.
        assert!(!done.body.contains("/status\""));
        assert!(!get_as(&app, "/tracing", "en", &secretary)
            .await
            .body
            .contains("सीता"));
        assert!(
            get_as(&app, "/tracing?status=returned-home", "en", &secretary)
                .await
                .body
                .contains("सीता")
        );

        // One girl rescued twice is proposed as a merge; the merge is confirmed, then undone.
        let mut rescued = Vec::new();
        for (given, day) in [("Kopila", "2082-02-10"), ("KOPILA", "2082-02-25")] {
            let r = post_form(
                &app,
                "/tracing/encounters",
                &[
                    ("source", "police"),
                    ("organisation", &police.to_string()),
                    ("place", "5110605"),
                    ("met_on_bs", day),
                    ("given_name", given),
                    ("family_name", "Thapa Magar"),
                    ("sex", "female"),
                    ("age", "15"),
                    ("father_name", "Dhan Bahadur Thapa"),
                    ("home", "5110605"),
                ],
                &officer,
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let url = r.headers["location"].to_str().unwrap().to_string();
            rescued.push(url.rsplit('/').next().unwrap().to_string());
        }
        let merge = store
            .proposals_of(setu_store::tracing::RecordKind::Encounter, &rescued[1])
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.left_kind == setu_store::tracing::RecordKind::Encounter)
            .expect("the two rescues are proposed as one girl");
        let url = format!("/tracing/matches/{}", merge.id);
        assert!(get_as(&app, &url, "en", &reviewer)
            .await
            .body
            .contains("Merge: the same person"));
        let r = post_form(&app, &url, &[("decision", "confirm")], &reviewer).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let person = |id: String| {
            let store = store.clone();
            async move {
                store
                    .person_of(setu_store::tracing::RecordKind::Encounter, &id)
                    .await
                    .unwrap()
            }
        };
        assert!(person(rescued[0].clone()).await.is_some());
        assert_eq!(
            person(rescued[0].clone()).await,
            person(rescued[1].clone()).await
        );
        assert!(get_as(&app, &url, "en", &reviewer)
            .await
            .body
            .contains("Undo this merge"));
        let undo = format!("{url}/undo");
        assert_eq!(
            post_form(&app, &undo, &[], &member).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            post_form(&app, &undo, &[], &reviewer).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(person(rescued[0].clone()).await, None);
        assert_eq!(person(rescued[1].clone()).await, None);
        assert_eq!(store.proposal(&merge.id).await.unwrap().status, "proposed");

        // Rescued again, in another district: the Banke reviewer may decide the pair (the
        // report is in Banke) but does not read personal data in Makwanpur, so that side's
        // names stay hidden on the pair's page.
        let r = post_form(
            &app,
            "/tracing/encounters",
            &[
                ("source", "police"),
                ("organisation", &police.to_string()),
                ("place", "3120601"),
                ("met_on_bs", "2082-04-02"),
                ("given_name", "Seeta"),
                ("family_name", "Lama"),
                ("sex", "female"),
                ("age", "17"),
                ("father_name", "Hari Tamang"),
                ("home", "5110603"),
            ],
            &officer,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let url = r.headers["location"].to_str().unwrap().to_string();
        let far = url.rsplit('/').next().unwrap().to_string();
        let pair = store
            .proposals_of(setu_store::tracing::RecordKind::Encounter, &far)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.left_id == report_id)
            .expect("the Makwanpur rescue is proposed against her report");
        let page = get_as(
            &app,
            &format!("/tracing/matches/{}", pair.id),
            "en",
            &reviewer,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("सीता तामाङ"),
            "the report's side, in scope"
        );
        assert!(
            !page.body.contains("Seeta"),
            "the Makwanpur side is not opened"
        );
        assert!(page.body.contains("(hidden)"));
    })
    .await;
}

/// Issue 12: a girl reported missing in Nepalganj is screened at a booth. Matching runs in the
/// background worker after the sync has answered; within ten seconds the booth worker who
/// recorded her sees an alert (through the API the phone polls, on the capture page and in
/// notifications) telling them to call Nepalganj's LCCHT, with its number and nothing of the
/// report. The report's owner and the district coordinator are told to review the match.
#[tokio::test]
async fn a_screening_that_may_be_a_missing_girl_raises_an_alert_at_the_booth_within_ten_seconds() {
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        store
            .create_committee(
                &sys,
                setu_core::committees::CommitteeKind::Lccht,
                setu_core::PlaceCode::LocalLevel(51106),
                None,
                None,
                Some("081-520123".into()),
            )
            .await
            .unwrap();
        let secretary = sign_in(&store, "ward.sec", Role::LcchtMemberSecretary, "51106").await;
        let coordinator = sign_in(&store, "district.c", Role::DistrictCoordinator, "511").await;
        let (booth, worker) = booth_and_worker(&store).await;
        let r = post_form(
            &app,
            "/tracing/reports",
            &[
                ("reporter_name", "Hari Tamang"),
                ("reporter_relation", "parent"),
                ("consent_tracing", "yes"),
                ("reported_on_bs", "2081-09-10"),
                ("given_name", "Sunita"),
                ("family_name", "Tamang"),
                ("sex", "female"),
                ("age", "16"),
                ("father_name", "Hari Tamang"),
                ("home", "5110603"),
                ("phone", "9841234567"),
            ],
            &secretary,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        store.drain_jobs().await.unwrap();

        // From here on, matching runs only in the worker, as in `setu serve`.
        let worker_task = store.start_worker();
        let poll = |lang: &'static str| {
            let (app, worker) = (app.clone(), worker.clone());
            async move {
                let r = get_as(&app, "/api/v1/alerts", lang, &worker).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["alerts"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            }
        };
        assert!(poll("en").await.is_empty(), "no alert before the screening");
        let screening = serde_json::json!({
            "kind": "screening", "id": "6f1c1d0e-4a43-4b7e-9d7e-2a51f0a2c001", "base_version": 0,
            "data": {"site": booth.to_string(), "date": "2025-02-01", "time": "10:30",
                "given_name": "SUNITA", "family_name": "Tamang", "sex": "female", "age": "17",
                "home": "5110603", "phone": "9841234567", "consent_record": "on", "consent_share": "on",
                "outcome": "intercepted", "purpose": "work", "destination_country": "IN"}
        });
        let sent = std::time::Instant::now();
        let (status, results) = sync_batch(&app, &worker, &[screening]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(results[0].1, "created");
        let alerts = loop {
            let alerts = poll("en").await;
            if !alerts.is_empty() || sent.elapsed() > std::time::Duration::from_secs(10) {
                break alerts;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        let waited = sent.elapsed();
        assert_eq!(alerts.len(), 1, "one alert within 10 s (waited {waited:?})");
        eprintln!("alert at the booth {waited:?} after the sync answered");
        let text = alerts[0]["text"].as_str().unwrap();
        assert_eq!(
            text,
            "Possible match with a missing-person report: contact the LCCHT of Nepalgunj."
                .replace("Nepalgunj", &nepalganj_en(&store).await)
        );
        assert_eq!(alerts[0]["phone"][1], "081-520123");
        let body = alerts[0].to_string();
        for secret in ["Hari", "9841234567", "tracing/reports"] {
            assert!(!body.contains(secret), "the alert gives away {secret}");
        }
        // In Nepali, with Devanagari digits.
        let ne = poll("ne").await;
        let ne_text = ne[0]["text"].as_str().unwrap();
        assert!(
            ne_text.contains("स्थानीय मानव बेचबिखन नियन्त्रण समिति"),
            "{ne_text}"
        );
        assert_eq!(ne[0]["phone"][0], "०८१-५२०१२३");
        // On the capture page, and in notifications, linked to her screening.
        let page = get_as(&app, &format!("/booths/{booth}/capture"), "en", &worker).await;
        assert!(page.body.contains(text) && page.body.contains(r#"href="tel:081-520123""#));
        let notes = get_as(&app, "/notifications", "en", &worker).await;
        assert!(notes.body.contains(text));
        assert!(notes
            .body
            .contains("/screenings/6f1c1d0e-4a43-4b7e-9d7e-2a51f0a2c001"));
        // The report's owner and the district coordinator are asked to review the match.
        for who in [&secretary, &coordinator] {
            let notes = get_as(&app, "/notifications", "en", who).await;
            assert!(
                notes.body.contains("A possible match was found")
                    && notes.body.contains("/tracing/matches/"),
                "{}",
                notes.body
            );
        }
        // Read, the alert leaves the capture page; a resent screening raises no second one.
        let r = post_form(&app, "/notifications/read", &[], &worker).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let again = serde_json::json!({
            "kind": "screening", "id": "6f1c1d0e-4a43-4b7e-9d7e-2a51f0a2c001", "base_version": 0,
            "data": {"site": booth.to_string()}
        });
        sync_batch(&app, &worker, &[again]).await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert!(poll("en").await.is_empty());
        store.stop_worker();
        worker_task.await.unwrap();
    })
    .await;
}

/// The English name of Nepalganj as the bundled gazetteer spells it.
async fn nepalganj_en(store: &Store) -> String {
    store
        .place(setu_core::PlaceCode::LocalLevel(51106))
        .await
        .unwrap()
        .unwrap()
        .name_en
        .unwrap_or_default()
}

/// Issue 12: a phone that sends faster than the server can store gets 503 with Retry-After
/// (never a failure deep inside), a batch over the limit gets 413 with a message, and a body
/// that is not JSON gets 422: each says what is wrong in the reader's language.
#[tokio::test]
async fn an_overloaded_oversized_or_garbled_sync_gets_a_clear_answer() {
    each_app(|app, store| async move {
        let (booth, worker) = booth_and_worker(&store).await;
        let raw = |body: String, lang: &'static str| {
            Request::post("/api/v1/sync")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, format!("setu_lang={lang}; {}", worker.cookie))
                .header("x-csrf-token", worker.csrf.clone())
                .body(Body::from(body))
                .unwrap()
        };
        let tally = |k: usize| {
            serde_json::json!({"kind": "tally", "id": format!("00000000-0000-4000-8000-{k:012}"),
                "base_version": 0, "data": {"site": booth.to_string(), "date": "2025-01-01", "female_18": "3"}})
        };
        let one = serde_json::json!({ "records": [tally(1)] }).to_string();

        store.set_write_queue_limit(0);
        let r = send(&app, raw(one.clone(), "en")).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
        assert_eq!(r.headers["retry-after"], "2");
        assert!(r.body.contains("Nothing you sent is lost"), "{}", r.body);
        store.set_write_queue_limit(4096);
        let (status, results) = sync_batch(&app, &worker, &[tally(1)]).await;
        assert_eq!((status, results[0].1.as_str()), (StatusCode::OK, "created"));

        let many: Vec<_> = (0..501).map(tally).collect();
        let r = send(&app, raw(serde_json::json!({ "records": many }).to_string(), "ne")).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert!(r.body.contains("५००"), "{}", r.body);
        assert_eq!(store.tallies(booth, 1_000).await.unwrap().len(), 1, "nothing of it stored");

        let r = send(&app, raw("{\"records\": [".into(), "en")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("not valid JSON"), "{}", r.body);
    })
    .await;
}

/// Issue 14: a budget line could not be corrected (what was spent stayed 0). Now an LCCHT
/// member corrects it on its page; the history shows who changed what; a form based on an
/// older version is refused (409) with the current record beside what was typed; a wrong
/// amount is marked on its field, with the typed values kept.
#[tokio::test]
async fn a_budget_line_is_corrected_with_history_and_a_stale_form_is_refused() {
    each_app(|app, store| async move {
        let (_, line) =
            setu_testkit::fixtures::lccht_budget_line(&store, 51106, "Street drama", 50_000).await;
        let me = sign_in(&store, "member.budget", Role::LcchtMember, "51106").await;
        let path = format!("/budget/{line}");
        let form = |spent: &'static str, version: &'static str| {
            vec![
                ("source", "own"),
                ("purpose", "Street drama"),
                ("allocated", "50,000"),
                ("spent", spent),
                ("version", version),
            ]
        };
        let page = get_as(&app, &path, "en", &me).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("No corrections yet") && page.body.contains(r#"action="/budget/"#)
        );

        let saved = post_form(&app, &path, &form("१२,५००", "0"), &me).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let page = get_as(&app, &format!("{path}?saved=1"), "en", &me)
            .await
            .body;
        assert!(page.contains("Saved."));
        assert!(
            page.contains("member.budget")
                && page.contains("Spent (NPR)")
                && page.contains("12,500")
        );
        assert_eq!(store.budget_line(&line).await.unwrap().spent, 12_500);

        // Another member's form, opened before that correction.
        let stale = post_form(&app, &path, &form("9,000", "0"), &me).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("Someone else changed this record"));
        assert!(
            stale.body.contains(r#"value="9,000""#),
            "what was typed is kept"
        );
        assert!(
            stale.body.contains("12,500"),
            "the current record is shown beside it"
        );
        assert!(stale.body.contains(r#"name="version" value="1""#));
        assert_eq!(store.budget_line(&line).await.unwrap().spent, 12_500);

        let wrong = post_form(&app, &path, &form("-3", "1"), &me).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains(r#"id="e-spent""#) && wrong.body.contains(r#"value="-3""#));

        // A reader without the capability sees the line and its history, not the form.
        let analyst = sign_in(&store, "analyst.budget", Role::Analyst, "511").await;
        let page = get_as(&app, &path, "en", &analyst).await.body;
        assert!(page.contains("12,500") && !page.contains(r#"action="/budget/"#));
    })
    .await;
}

/// Issue 14: an LCCHT member (who may not read names) who recorded a meeting was sent to the
/// minutes, which answered 403. Now she goes back to the committee page, which she may read.
#[tokio::test]
async fn a_member_who_records_a_meeting_lands_on_a_page_she_may_read() {
    each_app(|app, store| async move {
        let (committee, _) =
            setu_testkit::fixtures::lccht_budget_line(&store, 51106, "Meetings", 1_000).await;
        let me = sign_in(&store, "member.meeting", Role::LcchtMember, "51106").await;
        let saved = post_form(
            &app,
            &format!("/committees/{committee}/meetings"),
            &[("held_on", "2081-05-01"), ("agenda", "Plan for Dashain")],
            &me,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let next = saved.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(next, format!("/committees/{committee}"));
        assert_eq!(get_as(&app, &next, "en", &me).await.status, StatusCode::OK);
        // The secretary, who reads names, is shown the minutes she wrote.
        let secretary = sign_in(
            &store,
            "secretary.meeting",
            Role::LcchtMemberSecretary,
            "51106",
        )
        .await;
        let saved = post_form(
            &app,
            &format!("/committees/{committee}/meetings"),
            &[("held_on", "2081-05-02"), ("agenda", "Budget")],
            &secretary,
        )
        .await;
        let next = saved.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        assert!(next.starts_with("/meetings/"), "{next}");
        assert_eq!(
            get_as(&app, &next, "en", &secretary).await.status,
            StatusCode::OK
        );
    })
    .await;
}

/// Issue 14: a member who left could not be marked as gone. Now a member of the committee
/// marks her term's end on her page (without seeing or changing her name, which she may not
/// read); the secretary corrects the name; each sees the history, the name's earlier and later
/// values only where names may be read.
#[tokio::test]
async fn a_member_who_left_is_marked_as_gone_and_her_name_corrected() {
    use setu_core::committees::Seat;
    use setu_store::sealing::Reveal;
    use time::macros::date;
    each_app(|app, store| async move {
        let (committee, _) =
            setu_testkit::fixtures::lccht_budget_line(&store, 51106, "Members", 1_000).await;
        let member = store
            .add_member(
                &Actor::system("test"),
                committee,
                "Sita Tamamg",
                Seat::Chair,
                date!(2024 - 01 - 01),
                None,
            )
            .await
            .unwrap();
        let start = setu_core::calendar::BsDate::from_ad(date!(2024 - 01 - 01))
            .unwrap()
            .to_string();
        let path = format!("/members/{member}");
        let clerk = sign_in(&store, "member.left", Role::LcchtMember, "51106").await;
        let page = get_as(&app, &path, "en", &clerk).await.body;
        assert!(
            !page.contains("Sita") && !page.contains(r#"name="name""#),
            "no name for her"
        );
        let gone = post_form(
            &app,
            &path,
            &[
                ("seat", "chair"),
                ("term_start", &start),
                ("term_end", "२०८१-०४-३२"),
                ("name", "Someone Else"),
                ("version", "0"),
            ],
            &clerk,
        )
        .await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER);
        let stored = store
            .member(&member, Reveal::To(&Actor::system("test")))
            .await
            .unwrap();
        assert_eq!(
            stored.name.as_deref(),
            Some("Sita Tamamg"),
            "a name she may not read is not hers to change"
        );
        assert!(stored.term_end.is_some() && stored.version == 1);

        let secretary = sign_in(
            &store,
            "secretary.left",
            Role::LcchtMemberSecretary,
            "51106",
        )
        .await;
        let end = setu_core::calendar::BsDate::from_ad(
            setu_core::calendar::parse_ad(stored.term_end.as_deref().unwrap()).unwrap(),
        )
        .unwrap()
        .to_string();
        let fixed = post_form(
            &app,
            &path,
            &[
                ("name", "Sita Tamang"),
                ("seat", "chair"),
                ("term_start", &start),
                ("term_end", &end),
                ("version", "1"),
            ],
            &secretary,
        )
        .await;
        assert_eq!(fixed.status, StatusCode::SEE_OTHER);
        let page = get_as(&app, &format!("{path}?saved=1"), "en", &secretary)
            .await
            .body;
        assert!(
            page.contains("Sita Tamamg") && page.contains("Sita Tamang"),
            "both names in the history"
        );
        assert!(page.contains("member.left") && page.contains("Term ends"));
        let page = get_as(&app, &path, "en", &clerk).await.body;
        assert!(!page.contains("Sita") && page.contains("(hidden: personal data)"));
        // An end before the start is refused on its field.
        let wrong = post_form(
            &app,
            &path,
            &[
                ("seat", "chair"),
                ("term_start", &start),
                ("term_end", "2070-01-01"),
                ("version", "2"),
            ],
            &clerk,
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("The term cannot end before it starts"));
    })
    .await;
}

/// Issue 14: a meeting's mistyped date stayed so. Now a member corrects the date on the
/// meeting's record page (without seeing its agenda, which she may not read); the secretary
/// sees the agenda and corrects it too; both changes are in the history.
#[tokio::test]
async fn a_mistyped_meeting_date_is_corrected() {
    each_app(|app, store| async move {
        let (committee, _) =
            setu_testkit::fixtures::lccht_budget_line(&store, 51106, "Meeting", 1_000).await;
        let secretary = sign_in(
            &store,
            "secretary.date",
            Role::LcchtMemberSecretary,
            "51106",
        )
        .await;
        let saved = post_form(
            &app,
            &format!("/committees/{committee}/meetings"),
            &[("held_on", "2081-05-11"), ("agenda", "Plan for Tihar")],
            &secretary,
        )
        .await;
        let minutes = saved.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        let record = format!("{minutes}/record");
        assert!(get_as(&app, &minutes, "en", &secretary)
            .await
            .body
            .contains(&record));

        let member = sign_in(&store, "member.date", Role::LcchtMember, "51106").await;
        let page = get_as(&app, &record, "en", &member).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("Tihar") && !page.body.contains(r#"name="agenda""#));
        let fixed = post_form(
            &app,
            &record,
            &[
                ("held_on", "2081-05-01"),
                ("agenda", "Something else"),
                ("version", "0"),
            ],
            &member,
        )
        .await;
        assert_eq!(fixed.status, StatusCode::SEE_OTHER);
        let page = get_as(&app, &record, "en", &secretary).await.body;
        assert!(
            page.contains("Plan for Tihar"),
            "the agenda she could not read is unchanged"
        );
        assert!(page.contains("member.date") && page.contains("Date"));
        let again = post_form(
            &app,
            &record,
            &[
                ("held_on", "2081-05-01"),
                ("agenda", "Plan for Tihar and Chhath"),
                ("version", "1"),
            ],
            &secretary,
        )
        .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        let page = get_as(&app, &record, "en", &secretary).await.body;
        assert!(page.contains("Plan for Tihar and Chhath") && page.contains("secretary.date"));
        // The member's form, still at version 1, is refused now.
        let stale = post_form(
            &app,
            &record,
            &[("held_on", "2081-05-02"), ("version", "1")],
            &member,
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains(r#"value="2081-05-02""#));
    })
    .await;
}

/// Issue 14: an activity could not be marked as done. Now the committee marks it on the
/// activity's page, and the committee's plan shows the day.
#[tokio::test]
async fn an_activity_is_marked_as_done() {
    each_app(|app, store| async move {
        let (committee, _) =
            setu_testkit::fixtures::lccht_budget_line(&store, 51106, "Activities", 1_000).await;
        let activity = store
            .add_activity(
                &Actor::system("test"),
                committee,
                "2081/82".parse().unwrap(),
                &setu_store::committees::ActivityDraft {
                    title: "Door-to-door visits".into(),
                    activity_type: "awareness".into(),
                    ward: None,
                    planned_on: None,
                    done_on: None,
                    responsible: "ward chair".into(),
                    budget_line: None,
                },
            )
            .await
            .unwrap();
        let me = sign_in(&store, "member.activity", Role::LcchtMember, "51106").await;
        let path = format!("/activities/{activity}");
        let done = post_form(
            &app,
            &path,
            &[
                ("title", "Door-to-door visits"),
                ("done_on", "२०८१-०६-०१"),
                ("responsible", "ward chair"),
                ("version", "0"),
            ],
            &me,
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let stored = store.activity(&activity).await.unwrap();
        assert!(stored.done_on.is_some() && stored.version == 1);
        let page = get_as(&app, &path, "en", &me).await.body;
        assert!(page.contains("member.activity") && page.contains("Done (BS)"));
        let wrong = post_form(
            &app,
            &path,
            &[
                ("title", ""),
                ("done_on", "someday"),
                ("responsible", "ward chair"),
                ("version", "1"),
            ],
            &me,
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            wrong.body.contains(r#"id="e-title""#) && wrong.body.contains(r#"id="e-done_on""#),
            "both fields marked"
        );
    })
    .await;
}

/// Issue 14: a report's description or phone could not be completed after the first visit.
/// Now it is corrected through its own form, filled in; the report page lists the changes;
/// a stale form is refused with what was typed kept.
#[tokio::test]
async fn a_report_is_completed_after_the_first_visit() {
    use setu_store::sealing::Reveal;
    each_app(|app, store| async move {
        let me = sign_in(&store, "ward.report", Role::DistrictCoordinator, "511").await;
        let today = time::OffsetDateTime::now_utc().date();
        let form = setu_core::tracing::ReportForm {
            reporter_name: "Hari Tamang".into(),
            reporter_relation: "parent".into(),
            consent_tracing: "yes".into(),
            reported_on: "2024-01-10".into(),
            given_name: "Sita".into(),
            family_name: "Tamang".into(),
            sex: "female".into(),
            age: "16".into(),
            home: "5110619".into(),
            ..Default::default()
        };
        let id = store
            .create_report(&Actor::system("test"), &form.check(today).unwrap())
            .await
            .unwrap();
        let edit = get_as(&app, &format!("/tracing/reports/{id}/edit"), "en", &me).await;
        assert_eq!(edit.status, StatusCode::OK);
        assert!(
            edit.body.contains(r#"value="Sita""#)
                && edit.body.contains(r#"name="version" value="1""#)
        );
        let mut fields: Vec<(&str, &str)> = vec![
            ("reporter_name", "Hari Tamang"),
            ("reporter_relation", "parent"),
            ("consent_tracing", "yes"),
            ("reported_on", "2024-01-10"),
            ("given_name", "Sita"),
            ("family_name", "Tamang"),
            ("sex", "female"),
            ("age", "16"),
            ("home", "5110619"),
            ("phone", "9841000111"),
            ("description", "Red kurta, a scar on the left hand"),
            ("version", "1"),
        ];
        let saved = post_form(&app, &format!("/tracing/reports/{id}"), &fields, &me).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let page = get_as(&app, &format!("/tracing/reports/{id}"), "en", &me)
            .await
            .body;
        assert!(page.contains("Red kurta, a scar on the left hand"));
        assert!(
            page.contains("ward.report")
                && page.contains("Description")
                && page.contains("9841000111")
        );
        let r = store.report(&id, Reveal::No).await.unwrap();
        assert_eq!(r.version, 2);
        // The same form again, still based on version 1: refused, what was typed kept.
        fields.retain(|(k, _)| *k != "description");
        fields.push(("description", "Blue kurta"));
        let stale = post_form(&app, &format!("/tracing/reports/{id}"), &fields, &me).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(
            stale.body.contains("Someone else changed this record")
                && stale.body.contains("Blue kurta")
        );
        assert!(stale.body.contains(r#"name="version" value="2""#));
        // A home ward outside her scope is refused.
        fields.retain(|(k, _)| *k != "home" && *k != "version");
        fields.extend([("home", "3120601"), ("version", "2")]);
        let far = post_form(&app, &format!("/tracing/reports/{id}"), &fields, &me).await;
        assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            store.report(&id, Reveal::No).await.unwrap().place_code,
            "5110619"
        );
    })
    .await;
}

/// Issue 14: a parents' group's name could not be corrected ("Ward 1 parents' group" stayed
/// so). Now its facilitator corrects it, the history shows the change, and a number-keyed
/// record takes the same correction path as the others on both engines.
#[tokio::test]
async fn a_parents_group_is_renamed() {
    each_app(|app, store| async move {
        let g = store
            .create_group(
                &Actor::system("test"),
                "5110619".parse().unwrap(),
                "Ward 1 parents' group",
                None,
            )
            .await
            .unwrap();
        let me = sign_in(
            &store,
            "facilitator.rename",
            Role::ParentsGroupFacilitator,
            "5110619",
        )
        .await;
        let path = format!("/parents-groups/{g}/record");
        let saved = post_form(
            &app,
            &path,
            &[
                ("name", "Sunaulo Bhabishya parents' group"),
                ("formed_on", "2080-01-15"),
                ("version", "0"),
            ],
            &me,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let group = store.group(g).await.unwrap();
        assert_eq!(
            (group.name.as_str(), group.version),
            ("Sunaulo Bhabishya parents' group", 1)
        );
        let page = get_as(&app, &path, "en", &me).await.body;
        assert!(
            page.contains("Ward 1 parents"),
            "earlier name in the history: {page}"
        );
        assert!(page.contains("facilitator.rename"));
        let stale = post_form(&app, &path, &[("name", "Other"), ("version", "0")], &me).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
    })
    .await;
}

/// Issue 14: the register opened, and audited one by one, every report in the reader's scope
/// on every view. Now it shows 50 a page (keyset paging, filters in the query), opens only the
/// names it shows, and writes one audit entry naming the reports of the page.
#[tokio::test]
async fn the_register_is_paged_and_a_page_is_one_audited_view() {
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let today = time::OffsetDateTime::now_utc().date();
        for i in 0..57 {
            let form = setu_core::tracing::ReportForm {
                reporter_name: "Hari".into(),
                reporter_relation: "parent".into(),
                consent_tracing: "no".into(),
                reported_on: format!("2024-01-{:02}", i % 28 + 1),
                given_name: format!("Girl{i}"),
                family_name: "Pagetest".into(),
                home: "5110603".into(),
                ..Default::default()
            };
            store
                .create_report(&sys, &form.check(today).unwrap())
                .await
                .unwrap();
        }
        let me = sign_in(&store, "district.pages", Role::DistrictCoordinator, "511").await;
        let first = get_as(&app, "/tracing?status=all", "en", &me).await.body;
        let rows = |body: &str| {
            body.matches("href=\"/tracing/reports/").count()
                - body.matches("href=\"/tracing/reports/new").count()
        };
        assert_eq!(rows(&first), 50);
        let next = first
            .split("rel=\"next\"")
            .next()
            .and_then(|b| b.rsplit("href=\"").next())
            .and_then(|h| h.split('"').next())
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        assert!(
            next.starts_with("/tracing?status=all&ward=&after="),
            "{next}"
        );
        let second = get_as(&app, &next, "en", &me).await.body;
        assert_eq!(rows(&second), 7);
        assert!(second.contains("First page") && !second.contains("rel=\"next\""));
        // Every report once across the two pages.
        let mut seen: Vec<&str> = first
            .split("href=\"/tracing/reports/")
            .skip(1)
            .chain(second.split("href=\"/tracing/reports/").skip(1))
            .filter_map(|s| s.split('"').next())
            .filter(|id| !id.starts_with("new"))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 57);
        // Two views of pages, two audit entries, each naming its reports.
        let views = store
            .audit_entries(&setu_store::audit::AuditFilter {
                actor: Some("district.pages".into()),
                action: Some("view-personal".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(views.len(), 2, "{views:?}");
        assert!(views
            .iter()
            .all(|v| v.entity_id == "list" && v.place_code.as_deref() == Some("511")));
    })
    .await;
}

/// Issue 14: a record entered twice could not be taken back (nothing was ever deletable, nor
/// withdrawable). Now a budget line entered twice is withdrawn with a reason: it leaves the
/// plan, the committee's figures and the trend, its page says it was withdrawn, why and by
/// whom (the note, which may name people, only to readers of personal data), it can no longer
/// be corrected or withdrawn again, and auditors find it, note sealed, on their list.
#[tokio::test]
async fn a_budget_line_entered_twice_is_withdrawn_with_a_reason_and_leaves_the_figures() {
    use setu_core::committees::{BudgetDraft, FundingSource};
    each_app(|app, store| async move {
        let (committee, _) =
            setu_testkit::fixtures::lccht_budget_line(&store, 51106, "Street drama", 50_000).await;
        let fy = "2081/82".parse().unwrap();
        let twice = store
            .add_budget_line(
                &Actor::system("test"),
                committee,
                fy,
                &BudgetDraft {
                    source: FundingSource::Own,
                    purpose: "Street drama".into(),
                    allocated: 50_000,
                    spent: 0,
                },
            )
            .await
            .unwrap();
        let allocated = |s: Store| async move {
            let plan = s.plan(committee, fy).await.unwrap();
            let trend = s.budget_trend(committee).await.unwrap();
            (
                plan.lines.len(),
                plan.totals.allocated,
                trend[0].1.allocated,
            )
        };
        assert_eq!(allocated(store.clone()).await, (2, 100_000, 100_000));

        let me = sign_in(&store, "member.withdraw", Role::LcchtMember, "51106").await;
        let path = format!("/budget/{twice}");
        let page = get_as(&app, &path, "en", &me).await.body;
        assert!(page.contains(&format!(r#"action="/budget/{twice}/withdraw""#)));
        let withdraw = format!("{path}/withdraw");

        // "Another reason" needs a note: refused, the field marked, nothing withdrawn.
        let refused = post_form(
            &app,
            &withdraw,
            &[("reason", "other"), ("note", " "), ("version", "0")],
            &me,
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains(r#"id="we-note""#), "{}", refused.body);
        // A page read before a correction is stale: 409, the reason kept.
        let corrected = post_form(
            &app,
            &path,
            &[
                ("source", "own"),
                ("purpose", "Street drama (second show)"),
                ("allocated", "50000"),
                ("spent", "0"),
                ("version", "0"),
            ],
            &me,
        )
        .await;
        assert_eq!(corrected.status, StatusCode::SEE_OTHER);
        let stale = post_form(
            &app,
            &withdraw,
            &[
                ("reason", "duplicate"),
                ("note", "Ram Bahadur typed it twice"),
                ("version", "0"),
            ],
            &me,
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("Someone else changed this record"));
        assert!(
            stale.body.contains("Ram Bahadur typed it twice"),
            "the note is kept"
        );
        assert_eq!(allocated(store.clone()).await.0, 2, "nothing withdrawn");

        let done = post_form(
            &app,
            &withdraw,
            &[
                ("reason", "duplicate"),
                ("note", "Ram Bahadur typed it twice"),
                ("version", "1"),
            ],
            &me,
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(
            allocated(store.clone()).await,
            (1, 50_000, 50_000),
            "the withdrawn line leaves the plan, its totals and the trend"
        );
        let committees = store
            .committees(
                setu_core::access::Scope::Place("51106".parse().unwrap()),
                time::macros::date!(2025 - 01 - 01),
            )
            .await
            .unwrap();
        assert_eq!(committees.len(), 1);

        // Its page: withdrawn, why, by whom; the note sealed for a member who may not read
        // names; no correction or withdrawal any more.
        let page = get_as(&app, &path, "en", &me).await.body;
        assert!(page.contains("Withdrawn:") && page.contains("Entered twice"));
        assert!(page.contains("member.withdraw"));
        assert!(!page.contains("Ram Bahadur") && page.contains("(hidden: personal data)"));
        assert!(!page.contains(&format!(r#"action="/budget/{twice}"#)));
        let again = post_form(
            &app,
            &withdraw,
            &[("reason", "duplicate"), ("version", "2")],
            &me,
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "withdrawn once only");
        // The member-secretary reads the note (an audited view).
        let secretary = sign_in(
            &store,
            "secretary.withdraw",
            Role::LcchtMemberSecretary,
            "51106",
        )
        .await;
        let page = get_as(&app, &path, "ne", &secretary).await.body;
        assert!(page.contains("Ram Bahadur typed it twice") && page.contains("दुई पटक लेखिएको"));

        // Auditors: the list names it and its values, never the note.
        let auditor = sign_in(&store, "auditor.withdraw", Role::Auditor, "NP").await;
        let list = get_as(&app, "/audit/withdrawn", "en", &auditor).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(
            list.body.contains("Street drama (second show)") && list.body.contains("Entered twice")
        );
        assert!(list.body.contains("50000") && !list.body.contains("Ram Bahadur"));
        assert_eq!(
            get_as(&app, "/audit/withdrawn", "en", &me).await.status,
            StatusCode::FORBIDDEN
        );
        let trail = store
            .audit_entries(&setu_store::audit::AuditFilter {
                action: Some("withdraw".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].entity_id, twice);
    })
    .await;
}

/// Issue 14: every record page offers withdrawal; a withdrawn activity, meeting, member and
/// parents' group leave their lists and the committee's figures, and stay readable by their
/// page.
#[tokio::test]
async fn withdrawn_activities_meetings_members_and_groups_leave_their_lists() {
    use setu_core::committees::Seat;
    use time::macros::date;
    each_app(|app, store| async move {
        let (committee, line) =
            setu_testkit::fixtures::lccht_budget_line(&store, 51106, "Awareness", 10_000).await;
        let secretary = sign_in(
            &store,
            "secretary.lists",
            Role::LcchtMemberSecretary,
            "51106",
        )
        .await;
        let sys = Actor::system("test");
        let member = store
            .add_member(
                &sys,
                committee,
                "Gita Thapa",
                Seat::Chair,
                date!(2024 - 01 - 01),
                None,
            )
            .await
            .unwrap();
        let saved = post_form(
            &app,
            &format!("/committees/{committee}/meetings"),
            &[("held_on", "2081-05-01"), ("agenda", "Plan")],
            &secretary,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let meeting = store.meetings(committee).await.unwrap()[0].id.clone();
        let fy: setu_core::FiscalYear = "2081/82".parse().unwrap();
        let activity = store
            .add_activity(
                &sys,
                committee,
                fy,
                &setu_store::committees::ActivityDraft {
                    title: "School visit".into(),
                    activity_type: "awareness".into(),
                    ward: None,
                    planned_on: None,
                    done_on: None,
                    responsible: "Ward chair".into(),
                    budget_line: Some(line.clone()),
                },
            )
            .await
            .unwrap();
        let group = store
            .create_group(&sys, "5110609".parse().unwrap(), "Mothers of ward 9", None)
            .await
            .unwrap();
        for page in [
            format!("/members/{member}"),
            format!("/meetings/{meeting}/record"),
            format!("/activities/{activity}"),
            format!("/parents-groups/{group}/record"),
        ] {
            let body = get_as(&app, &page, "en", &secretary).await.body;
            assert!(
                body.contains(&format!(r#"action="{page}/withdraw""#)),
                "{page}"
            );
            let version = body
                .split(r#"name="version" value=""#)
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap()
                .to_string();
            let r = post_form(
                &app,
                &format!("{page}/withdraw"),
                &[("reason", "mistake"), ("version", &version)],
                &secretary,
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{page}: {}", r.body);
            let body = get_as(&app, &page, "en", &secretary).await;
            assert_eq!(body.status, StatusCode::OK, "{page}");
            assert!(body.body.contains("Entered by mistake"), "{page}");
        }
        assert!(store
            .members(committee, setu_store::sealing::Reveal::No)
            .await
            .unwrap()
            .is_empty());
        assert!(store.meetings(committee).await.unwrap().is_empty());
        assert!(store
            .plan(committee, fy)
            .await
            .unwrap()
            .activities
            .is_empty());
        let groups = store
            .groups(setu_core::access::Scope::Place("51106".parse().unwrap()))
            .await
            .unwrap();
        assert!(groups.iter().all(|g| g.id != group));
    })
    .await;
}

/// Issue 14: a report made twice stayed in the register and the ward's figures, and kept
/// being matched. Now it is withdrawn from its page (by those who may correct reports): it
/// leaves the register, the counts by ward and matching; its page says so and offers no more
/// status moves; a district coordinator of another district cannot withdraw it.
#[tokio::test]
async fn a_report_made_twice_is_withdrawn_and_leaves_the_register_and_matching() {
    use setu_core::access::Scope;
    use setu_store::tracing::RegisterFilter;
    each_app(|app, store| async move {
        let me = sign_in(&store, "district.twice", Role::DistrictCoordinator, "511").await;
        let today = time::OffsetDateTime::now_utc().date();
        let form = setu_core::tracing::ReportForm {
            reporter_name: "Hari Tamang".into(),
            reporter_relation: "parent".into(),
            consent_tracing: "yes".into(),
            reported_on: "2024-01-10".into(),
            given_name: "Sita".into(),
            family_name: "Tamang".into(),
            sex: "female".into(),
            age: "16".into(),
            home: "5110619".into(),
            ..Default::default()
        };
        let draft = form.check(today).unwrap();
        let sys = Actor::system("test");
        let first = store.create_report(&sys, &draft).await.unwrap();
        let twice = store.create_report(&sys, &draft).await.unwrap();
        store.drain_jobs().await.unwrap();
        let district = Scope::Place("511".parse().unwrap());
        let register = |s: Store| async move {
            let rows = s
                .register_page(
                    district,
                    &RegisterFilter::default(),
                    None,
                    setu_store::sealing::Reveal::No,
                )
                .await
                .unwrap()
                .rows;
            let counted: i64 = s
                .report_counts(district)
                .await
                .unwrap()
                .iter()
                .map(|c| c.2)
                .sum();
            (rows.len(), counted)
        };
        assert_eq!(register(store.clone()).await, (2, 2));

        let other = sign_in(&store, "district.other", Role::DistrictCoordinator, "512").await;
        let path = format!("/tracing/reports/{twice}/withdraw");
        let refused = post_form(
            &app,
            &path,
            &[("reason", "duplicate"), ("version", "1")],
            &other,
        )
        .await;
        assert!(
            matches!(
                refused.status,
                StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
            ),
            "{}",
            refused.status
        );
        let page = get_as(&app, &format!("/tracing/reports/{twice}"), "en", &me)
            .await
            .body;
        assert!(page.contains(&format!(r#"action="{path}""#)));
        let done = post_form(
            &app,
            &path,
            &[
                ("reason", "duplicate"),
                ("note", &format!("same as {first}")),
                ("version", "1"),
            ],
            &me,
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(
            register(store.clone()).await,
            (1, 1),
            "the register and counts leave it"
        );
        let page = get_as(&app, &format!("/tracing/reports/{twice}"), "en", &me)
            .await
            .body;
        assert!(page.contains("Withdrawn:") && page.contains(&format!("same as {first}")));
        assert!(!page.contains(&format!(r#"action="{path}""#)));
        assert!(
            !page.contains(&format!("/tracing/reports/{twice}/edit")),
            "no more corrections"
        );
        // Matching no longer reads it: a police rescue of the same girl is proposed with the
        // report that stays, not with the withdrawn one.
        let org = store
            .create_organisation(
                &sys,
                &setu_core::directory::DirectoryForm {
                    name_en: "Police Banke".into(),
                    kind: "police-unit".into(),
                    place: "5110619".into(),
                    ..Default::default()
                }
                .to_org()
                .unwrap(),
            )
            .await
            .unwrap();
        let rescue = setu_core::tracing::EncounterForm {
            source: "police".into(),
            organisation: org.to_string(),
            place: "5110619".into(),
            met_on: "2024-02-01".into(),
            given_name: "Sita".into(),
            family_name: "Tamang".into(),
            sex: "female".into(),
            age: "16".into(),
            home: "5110619".into(),
            ..Default::default()
        };
        let enc = store
            .create_encounter(&sys, &rescue.check(today).unwrap())
            .await
            .unwrap();
        store.drain_jobs().await.unwrap();
        let with: Vec<String> = store
            .proposals_of(setu_store::tracing::RecordKind::Encounter, &enc)
            .await
            .unwrap()
            .into_iter()
            .flat_map(|p| [p.left_id, p.right_id])
            .collect();
        assert!(with.contains(&first), "{with:?}");
        assert!(!with.contains(&twice), "{with:?}");
    })
    .await;
}

/// Issue 14: decisions and youth records could not be corrected. Now each has a record page
/// served from its description: a decision's text (sealed) is corrected by the secretary, who
/// reads it, and its due date by a member who may not (she never sees the text); a youth
/// event's participants are corrected (the figures follow) and a wrong number is marked on its
/// field; a stale form is refused with what was typed kept; a withdrawn event leaves the
/// counts.
#[tokio::test]
async fn decisions_and_youth_events_are_corrected_from_their_description() {
    use setu_core::access::Scope;
    use setu_core::community::EventType;
    use setu_store::committees::MeetingDraft;
    use time::macros::date;
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let (committee, _) =
            setu_testkit::fixtures::lccht_budget_line(&store, 51106, "Decisions", 1_000).await;
        let draft = MeetingDraft {
            held_on: date!(2025 - 01 - 01),
            agenda: "Plan".into(),
            attendance: vec![],
            decisions: vec![("Visit schools in ward 4".into(), "Ward chair".into(), None)],
        };
        let meeting = store.record_meeting(&sys, committee, &draft).await.unwrap();
        let decision = store.meeting(&meeting, &sys).await.unwrap().decisions[0]
            .id
            .clone();
        let path = format!("/decisions/{decision}");

        let secretary = sign_in(
            &store,
            "secretary.decide",
            Role::LcchtMemberSecretary,
            "51106",
        )
        .await;
        let page = get_as(&app, &path, "en", &secretary).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Visit schools in ward 4"));
        let saved = post_form(
            &app,
            &path,
            &[
                ("text", "Visit schools in wards 4 and 5"),
                ("responsible", "Ward chair"),
                ("due_on", "2082-01-15"),
                ("version", "1"),
            ],
            &secretary,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let minutes = store.meeting(&meeting, &sys).await.unwrap();
        assert_eq!(minutes.decisions[0].text, "Visit schools in wards 4 and 5");
        let page = get_as(&app, &path, "en", &secretary).await.body;
        assert!(page.contains("secretary.decide") && page.contains("Visit schools in ward 4"));

        // A member who may not read minutes sees and corrects the due date only.
        let member = sign_in(&store, "member.decide", Role::LcchtMember, "51106").await;
        let page = get_as(&app, &path, "en", &member).await.body;
        assert!(!page.contains("Visit schools") && !page.contains(r#"name="text""#));
        assert!(
            page.contains("(hidden: personal data)"),
            "the sealed change stays sealed"
        );
        let stale = post_form(
            &app,
            &path,
            &[("due_on", "2082-02-01"), ("version", "1")],
            &member,
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(
            stale.body.contains(r#"value="2082-02-01""#),
            "what was typed is kept"
        );
        let saved = post_form(
            &app,
            &path,
            &[("due_on", "2082-02-01"), ("version", "2")],
            &member,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let minutes = store.meeting(&meeting, &sys).await.unwrap();
        assert_eq!(
            minutes.decisions[0].text, "Visit schools in wards 4 and 5",
            "text untouched"
        );
        assert!(minutes.decisions[0]
            .due_on
            .as_deref()
            .unwrap()
            .starts_with("2025-05"));

        // A youth event: participants corrected, the figures follow; then withdrawn.
        let event = store
            .record_youth_event(
                &sys,
                &setu_store::youth::EventDraft {
                    ward: "5110619".parse().unwrap(),
                    held_on: date!(2025 - 01 - 01),
                    event_type: EventType::StreetDrama,
                    participants: Default::default(),
                    outcome: "Crowd of parents".into(),
                },
            )
            .await
            .unwrap();
        let youth = sign_in(
            &store,
            "ambassador.correct",
            Role::YouthAmbassador,
            "5110619",
        )
        .await;
        let path = format!("/youth/events/{event}");
        let held = setu_core::calendar::BsDate::from_ad(date!(2025 - 01 - 01))
            .unwrap()
            .to_string();
        let form = |girls: &'static str, version: &'static str| {
            vec![
                ("held_on", held.clone()),
                ("event_type", "street-drama".to_string()),
                ("female_u18", girls.to_string()),
                ("outcome", "Crowd of parents".to_string()),
                ("version", version.to_string()),
            ]
        };
        let send = |pairs: Vec<(&'static str, String)>| {
            let (app, youth, path) = (app.clone(), youth.clone(), path.clone());
            async move {
                let pairs: Vec<(&str, &str)> =
                    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post_form(&app, &path, &pairs, &youth).await
            }
        };
        let wrong = send(form("-4", "0")).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            wrong.body.contains(r#"id="e-female_u18""#) && wrong.body.contains(r#"value="-4""#)
        );
        let saved = send(form("४२", "0")).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let ward = Scope::Place("5110619".parse().unwrap());
        let (events, _) = store.youth_events(ward, None).await.unwrap();
        assert_eq!(events.rows[0].participants.total(), 42);
        let withdrawn = post_form(
            &app,
            &format!("{path}/withdraw"),
            &[("reason", "test"), ("version", "1")],
            &youth,
        )
        .await;
        assert_eq!(
            withdrawn.status,
            StatusCode::SEE_OTHER,
            "{}",
            withdrawn.body
        );
        let (events, total) = store.youth_events(ward, None).await.unwrap();
        assert!(events.rows.is_empty() && total == 0);
        let counted = store
            .youth_event_counts(ward, date!(2024 - 01 - 01), date!(2026 - 01 - 01))
            .await
            .unwrap();
        assert!(counted.is_empty(), "{counted:?}");
        let page = get_as(&app, &path, "ne", &youth).await.body;
        assert!(page.contains("फिर्ता गरिएको") && page.contains("४२"));
    })
    .await;
}

/// Issue 14: forum alerts and parents' group records could not be corrected or taken back. Now
/// an alert is extended on its page and withdrawn (it leaves the forum); a session's episode is
/// corrected; a parent recorded twice is withdrawn and leaves the group's list and its SBCC
/// figures, while her name stays sealed for a facilitator who may not read names.
#[tokio::test]
async fn alerts_sessions_and_parents_are_corrected_and_withdrawn() {
    use setu_core::access::Scope;
    use setu_core::community::{Material, Sex};
    use setu_store::sealing::Reveal;
    use time::macros::date;
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let ward: setu_core::PlaceCode = "5110619".parse().unwrap();
        let today = time::OffsetDateTime::now_utc().date();
        let alert = store
            .post_alert(
                &sys,
                ward,
                "Agent at the bus park",
                "A man offers jobs in Delhi",
                today,
                today,
            )
            .await
            .unwrap();
        let ngo = sign_in(&store, "district.forum", Role::DistrictCoordinator, "511").await;
        let path = format!("/forum/alerts/{alert}");
        let page = get_as(&app, &path, "en", &ngo).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("A man offers jobs in Delhi"));
        let until = setu_core::calendar::BsDate::from_ad(today + time::Duration::days(30))
            .unwrap()
            .to_string();
        let saved = post_form(
            &app,
            &path,
            &[
                ("title", "Agent at the bus park"),
                ("body", "A man offers jobs in Delhi; he drives a white van"),
                ("expires_on", &until),
                ("version", "0"),
            ],
            &ngo,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let shown = store.alerts_for(Scope::Place(ward), today).await.unwrap();
        assert!(shown[0].body.contains("white van"));
        let gone = post_form(
            &app,
            &format!("{path}/withdraw"),
            &[("reason", "mistake"), ("version", "1")],
            &ngo,
        )
        .await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.body);
        assert!(store
            .alerts_for(Scope::Place(ward), today)
            .await
            .unwrap()
            .is_empty());

        // A parents' group: one parent entered twice, a session's episode mistyped.
        let group = store
            .create_group(&sys, ward, "Mothers of ward 19", None)
            .await
            .unwrap();
        let mut parents = Vec::new();
        for _ in 0..2 {
            parents.push(
                store
                    .add_group_member(
                        &sys,
                        group,
                        "Laxmi Tharu",
                        Sex::Female,
                        date!(2024 - 01 - 01),
                    )
                    .await
                    .unwrap(),
            );
        }
        let session = store
            .record_session(
                &sys,
                group,
                &setu_store::parents::SessionDraft {
                    held_on: date!(2025 - 01 - 01),
                    topic: "Safe migration".into(),
                    material: Material::MayaUdayan,
                    episode: Some(30),
                    facilitator: "Sunita Chaudhary".into(),
                    present: parents.clone(),
                },
            )
            .await
            .unwrap();
        let facilitator = sign_in(
            &store,
            "facilitator.parents",
            Role::ParentsGroupFacilitator,
            "5110619",
        )
        .await;
        let page = get_as(&app, &format!("/sessions/{session}"), "en", &facilitator)
            .await
            .body;
        assert!(
            !page.contains("Sunita"),
            "the facilitator's name is sealed for her"
        );
        let held = setu_core::calendar::BsDate::from_ad(date!(2025 - 01 - 01))
            .unwrap()
            .to_string();
        let saved = post_form(
            &app,
            &format!("/sessions/{session}"),
            &[
                ("held_on", &held),
                ("topic", "Safe migration"),
                ("material", "maya-udayan"),
                ("episode", "3"),
                ("version", "0"),
            ],
            &facilitator,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(
            store.group_sessions(group).await.unwrap()[0].episode,
            Some(3)
        );
        let before = store
            .sbcc_indicators(Scope::Place(ward), Some(group))
            .await
            .unwrap();
        assert_eq!(before.parents_reached, 2);
        let twice = &parents[1];
        let page = get_as(&app, &format!("/group-members/{twice}"), "en", &facilitator)
            .await
            .body;
        assert!(!page.contains("Laxmi"));
        let gone = post_form(
            &app,
            &format!("/group-members/{twice}/withdraw"),
            &[("reason", "duplicate"), ("version", "0")],
            &facilitator,
        )
        .await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.body);
        assert_eq!(
            store.group_members(group, Reveal::No).await.unwrap().len(),
            1
        );
        let after = store
            .sbcc_indicators(Scope::Place(ward), Some(group))
            .await
            .unwrap();
        assert_eq!(
            after.parents_reached, 1,
            "the withdrawn parent leaves the figures"
        );
        assert_eq!(store.group(group).await.unwrap().members, 1);
    })
    .await;
}

/// Issue 14: a booth screening could not be corrected from the web. Now the booth worker
/// corrects a wrong name and an age typed backwards (61 for 16) on the screening's record page; the corrected screening is matched
/// again and proposed with the missing-person report it now resembles; the history keeps the
/// earlier name (sealed); a reader without personal data is refused; a screening entered twice
/// is withdrawn and leaves the booth's figures.
#[tokio::test]
async fn a_screening_is_corrected_from_the_web_matched_again_and_withdrawn() {
    use setu_core::access::Scope;
    use setu_store::sealing::Reveal;
    use setu_store::tracing::RecordKind;
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let today = time::OffsetDateTime::now_utc().date();
        let report = setu_core::tracing::ReportForm {
            reporter_name: "Hari Tamang".into(),
            reporter_relation: "parent".into(),
            consent_tracing: "yes".into(),
            reported_on: "2024-12-20".into(),
            given_name: "Sunita".into(),
            family_name: "Tamang".into(),
            sex: "female".into(),
            age: "16".into(),
            father_name: "Hari Tamang".into(),
            home: "5110603".into(),
            ..Default::default()
        };
        let report = store
            .create_report(&sys, &report.check(today).unwrap())
            .await
            .unwrap();
        store.drain_jobs().await.unwrap();
        let (booth, worker) = booth_and_worker(&store).await;
        let r = post_form(
            &app,
            &format!("/booths/{booth}/screenings"),
            &[
                ("date_bs", "2081-09-15"),
                ("given_name", "Kamala"),
                ("family_name", "Tamang"),
                ("sex", "female"),
                ("age", "61"),
                ("home", "5110603"),
                ("outcome", "intercepted"),
                ("consent_record", "on"),
                ("consent_share", "on"),
            ],
            &worker,
        )
        .await;
        assert!(r.status.is_redirection(), "{}: {}", r.status, r.body);
        store.drain_jobs().await.unwrap();
        let site = Scope::Site(booth);
        let sid = store
            .screenings(site, Some(booth), false, 10, Reveal::No)
            .await
            .unwrap()[0]
            .id
            .clone();
        let proposed = |s: Store, sid: String| async move {
            store_ids(s.proposals_of(RecordKind::Screening, &sid).await.unwrap())
        };
        assert!(!proposed(store.clone(), sid.clone()).await.contains(&report));

        let path = format!("/screenings/{sid}/record");
        let page = get_as(&app, &path, "en", &worker).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(r#"value="Kamala""#));
        let version = page
            .body
            .split(r#"name="version" value=""#)
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap()
            .to_string();
        let saved = post_form(
            &app,
            &path,
            &[
                ("given_name", "Sunita"),
                ("family_name", "Tamang"),
                ("sex", "female"),
                ("age", "16"),
                ("purpose", "work"),
                ("outcome", "intercepted"),
                ("version", &version),
            ],
            &worker,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        store.drain_jobs().await.unwrap();
        assert!(
            proposed(store.clone(), sid.clone()).await.contains(&report),
            "matched again after the correction"
        );
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(
            page.contains("Kamala") && page.contains("Sunita"),
            "the history keeps both"
        );

        let analyst = sign_in(&store, "analyst.screening", Role::Analyst, "511").await;
        assert_eq!(
            get_as(&app, &path, "en", &analyst).await.status,
            StatusCode::FORBIDDEN
        );

        let figures = |s: Store| async move {
            s.screening_groups(site, today - time::Duration::days(3650), today)
                .await
                .unwrap()
                .iter()
                .map(|g| g.n)
                .sum::<i64>()
        };
        assert_eq!(figures(store.clone()).await, 1);
        let current = store
            .screening(&sid, Reveal::No)
            .await
            .unwrap()
            .version
            .to_string();
        let gone = post_form(
            &app,
            &format!("{path}/withdraw"),
            &[("reason", "duplicate"), ("version", &current)],
            &worker,
        )
        .await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.body);
        assert_eq!(
            figures(store.clone()).await,
            0,
            "the withdrawn screening leaves the figures"
        );
        assert!(store
            .screenings(site, Some(booth), false, 10, Reveal::No)
            .await
            .unwrap()
            .is_empty());
    })
    .await;
}

/// The record ids a list of proposals pairs.
fn store_ids(proposals: Vec<setu_store::matching::Proposal>) -> Vec<String> {
    proposals
        .into_iter()
        .flat_map(|p| [p.left_id, p.right_id])
        .collect()
}

/// Issue 14: organisations and sites were edited with a version but kept no history, and a
/// contact's phone could not be corrected. Now an organisation's page lists who changed which
/// field, and a contact corrected on her page is found by her new phone, not the old one (the
/// keyed hash follows the phone), with her earlier phone sealed in the history.
#[tokio::test]
async fn directory_entries_keep_their_history_and_contacts_are_corrected() {
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let org = store
            .create_organisation(
                &sys,
                &setu_core::directory::DirectoryForm {
                    name_en: "Maiti Nepal Banke".into(),
                    kind: "ngo".into(),
                    place: "51106".into(),
                    ..Default::default()
                }
                .to_org()
                .unwrap(),
            )
            .await
            .unwrap();
        let district = sign_in(&store, "district.dir", Role::DistrictCoordinator, "511").await;
        let saved = post_form(
            &app,
            &format!("/organisations/{org}"),
            &[
                ("name_en", "Maiti Nepal, Banke office"),
                ("kind", "ngo"),
                ("place", "51106"),
                ("version", "1"),
            ],
            &district,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let page = get_as(&app, &format!("/organisations/{org}"), "en", &district)
            .await
            .body;
        assert!(
            page.contains("Maiti Nepal Banke") && page.contains("district.dir"),
            "history shown"
        );

        let contact = store
            .create_contact(
                &sys,
                org,
                &setu_store::contacts::ContactDraft {
                    title: "focal person".into(),
                    name: "Sarita Karki".into(),
                    phone: Some("9801111111".into()),
                },
            )
            .await
            .unwrap();
        let path = format!("/contacts/{contact}");
        let saved = post_form(
            &app,
            &path,
            &[
                ("title", "focal person"),
                ("name", "Sarita Karki"),
                ("phone", "+977 980-2222222"),
                ("version", "1"),
            ],
            &district,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(
            store.contacts_by_phone("9802222222").await.unwrap(),
            vec![contact.clone()]
        );
        assert!(store
            .contacts_by_phone("9801111111")
            .await
            .unwrap()
            .is_empty());
        let analyst = sign_in(&store, "analyst.dir", Role::Analyst, "511").await;
        let page = get_as(&app, &path, "en", &analyst).await.body;
        assert!(!page.contains("9801111111") && !page.contains("Sarita"));
        let page = get_as(&app, &path, "en", &district).await.body;
        assert!(page.contains("9801111111") && page.contains("980-2222222"));
    })
    .await;
}

/// Issue 14: a committee's formation day and office phone (the number booths are told to
/// call) could not be corrected. Now the member-secretary corrects them on the committee's
/// record page, which keeps the history and offers no withdrawal (its records name it).
#[tokio::test]
async fn a_committees_phone_is_corrected_and_the_committee_is_never_withdrawn() {
    each_app(|app, store| async move {
        let (committee, _) =
            setu_testkit::fixtures::lccht_budget_line(&store, 51106, "Phone", 1_000).await;
        let secretary = sign_in(
            &store,
            "secretary.phone",
            Role::LcchtMemberSecretary,
            "51106",
        )
        .await;
        let path = format!("/committees/{committee}/record");
        let page = get_as(&app, &path, "en", &secretary).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("/withdraw"), "no withdrawal offered");
        let wrong = post_form(
            &app,
            &path,
            &[("phone", "call the ward"), ("version", "1")],
            &secretary,
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains(r#"id="e-phone""#) && wrong.body.contains("call the ward"));
        let saved = post_form(
            &app,
            &path,
            &[("phone", "081-520123"), ("version", "1")],
            &secretary,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let today = time::OffsetDateTime::now_utc().date();
        let c = store.committee(committee, today).await.unwrap();
        assert_eq!(c.phone.as_deref(), Some("081-520123"));
        let page = get_as(&app, &path, "en", &secretary).await.body;
        assert!(page.contains("secretary.phone") && page.contains("Office phone"));
        let refused = post_form(
            &app,
            &format!("{path}/withdraw"),
            &[("reason", "mistake"), ("version", "2")],
            &secretary,
        )
        .await;
        assert!(
            refused.status == StatusCode::NOT_FOUND
                || refused.status == StatusCode::METHOD_NOT_ALLOWED,
            "{}",
            refused.status
        );
    })
    .await;
}

/// Issue 14: a booth's screenings had no list page (only the hand-over form showed some). Now
/// `/booths/{id}/screenings` lists them 50 a page, newest first, filtered by outcome in the
/// query; the next page follows on from the last row shown; the page's names are one audit
/// entry; a withdrawn screening is not listed; a reader without personal data is refused.
#[tokio::test]
async fn a_booths_screenings_are_listed_fifty_a_page() {
    use setu_store::audit::AuditFilter;
    each_app(|app, store| async move {
        let (booth, worker) = booth_and_worker(&store).await;
        let today = time::OffsetDateTime::now_utc().date();
        let catalogue = store.risk_catalogue().await.unwrap();
        let sys = Actor::system("test");
        for i in 0..53 {
            let form = setu_core::booths::ScreeningForm {
                site: booth.to_string(),
                date: format!("2025-01-{:02}", i % 28 + 1),
                time: format!("{:02}:00", i % 24),
                given_name: format!("Girl{i}"),
                family_name: "Tamang".into(),
                sex: "female".into(),
                age: "16".into(),
                outcome: if i % 2 == 0 {
                    "intercepted"
                } else {
                    "counselled-continued"
                }
                .into(),
                consent_record: "on".into(),
                ..Default::default()
            };
            let (draft, risk_score, risk_level) = form.check(today, &catalogue).unwrap();
            let scored = setu_store::booths::ScoredScreening {
                draft,
                risk_version: catalogue.version,
                risk_score,
                risk_level,
            };
            let id = format!("00000000-0000-4000-8000-{i:012}");
            store
                .sync_screening(&sys, &id, 0, &scored, "{}")
                .await
                .unwrap();
        }
        let path = format!("/booths/{booth}/screenings");
        let views = |s: Store| async move {
            s.audit_entries(&AuditFilter {
                action: Some("view-personal".into()),
                entity: Some("screening".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .len()
        };
        let before = views(store.clone()).await;
        let first = get_as(&app, &path, "en", &worker).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.body);
        assert_eq!(
            first.body.matches("<tr><td><a href=\"/screenings/").count(),
            50
        );
        assert_eq!(
            views(store.clone()).await,
            before + 1,
            "one audit entry for the page"
        );
        let next = first
            .body
            .split("rel=\"next\"")
            .next()
            .and_then(|b| b.rsplit("href=\"").next())
            .and_then(|h| h.split('"').next())
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        let second = get_as(&app, &next, "en", &worker).await.body;
        assert_eq!(second.matches("<tr><td><a href=\"/screenings/").count(), 3);
        let names = |body: &str| -> Vec<String> {
            body.split("Girl")
                .skip(1)
                .map(|s| s.split(' ').next().unwrap().to_string())
                .collect()
        };
        let (a, b) = (names(&first.body), names(&second));
        assert!(a.iter().all(|n| !b.contains(n)), "no row twice");
        let only = get_as(&app, &format!("{path}?outcome=intercepted"), "en", &worker)
            .await
            .body;
        assert_eq!(only.matches("<tr><td><a href=\"/screenings/").count(), 27);
        let analyst = sign_in(&store, "analyst.list", Role::Analyst, "511").await;
        assert_eq!(
            get_as(&app, &path, "en", &analyst).await.status,
            StatusCode::FORBIDDEN
        );
    })
    .await;
}

/// Issue 14: the youth page listed every ambassador (opening and auditing every name) and the
/// audit page 500 entries at once. Now the registry, the events and the audit trail are shown
/// 50 a page, newest first, each page following on from the last row of the one before; the
/// registry's names on a page are one audit entry.
#[tokio::test]
async fn the_youth_registry_events_and_the_audit_trail_are_paged() {
    use setu_store::audit::AuditFilter;
    use time::macros::date;
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        for i in 0..53 {
            let draft = setu_store::youth::AmbassadorDraft {
                ward: "5110619".parse().unwrap(),
                name: format!("Youth{i:02}"),
                sex: setu_core::community::Sex::Female,
                joined_on: date!(2024 - 01 - 01) + time::Duration::days(i),
                trainings: 0,
            };
            store.add_ambassador(&sys, &draft).await.unwrap();
            let event = setu_store::youth::EventDraft {
                ward: "5110619".parse().unwrap(),
                held_on: date!(2024 - 01 - 01) + time::Duration::days(i),
                event_type: setu_core::community::EventType::Awareness,
                participants: Default::default(),
                outcome: format!("Event{i:02}"),
            };
            store.record_youth_event(&sys, &event).await.unwrap();
        }
        let district = sign_in(&store, "district.pages", Role::DistrictCoordinator, "511").await;
        let views = |s: Store| async move {
            s.audit_entries(&AuditFilter {
                action: Some("view-personal".into()),
                entity: Some("youth-ambassador".into()),
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .len()
        };
        let before = views(store.clone()).await;
        let page = get_as(&app, "/youth", "en", &district).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            views(store.clone()).await,
            before + 1,
            "one entry for the page's names"
        );
        // Occurrences of `word` followed by a number (the names and outcomes made above).
        let count = |body: &str, word: &str| {
            body.match_indices(word)
                .filter(|(i, _)| body[i + word.len()..].starts_with(|c: char| c.is_ascii_digit()))
                .count()
        };
        assert_eq!(count(&page.body, ">Youth"), 50);
        assert!(page.body.contains(">Youth52<"), "newest first");
        assert_eq!(count(&page.body, "Event"), 50);
        let link = |body: &str, list: &str| -> String {
            let at = body.find(&format!("{list}_after=")).expect(list);
            let start = body[..at].rfind("href=\"").unwrap() + 6;
            let end = start + body[start..].find('"').unwrap();
            body[start..end].replace("&#38;", "&").replace("&amp;", "&")
        };
        let more = get_as(&app, &link(&page.body, "ambassadors"), "en", &district)
            .await
            .body;
        assert_eq!(count(&more, ">Youth"), 3);
        assert!(more.contains(">Youth00<") && !more.contains(">Youth52<"));
        assert_eq!(
            count(&more, "Event"),
            50,
            "the events stay on their first page"
        );
        let more = get_as(&app, &link(&page.body, "events"), "en", &district)
            .await
            .body;
        assert_eq!(count(&more, "Event"), 3);

        let auditor = sign_in(&store, "auditor.pages", Role::Auditor, "NP").await;
        let trail = get_as(&app, "/audit", "en", &auditor).await.body;
        let rows = |body: &str| body.matches("<tr><td data-value=").count();
        assert_eq!(rows(&trail), 50);
        let next = trail
            .split("rel=\"next\"")
            .next()
            .and_then(|b| b.rsplit("href=\"").next())
            .and_then(|h| h.split('"').next())
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        let older = get_as(&app, &next, "en", &auditor).await.body;
        assert!(rows(&older) > 0);
        let first_seq = |body: &str| -> i64 {
            body.split("<tr><td data-value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(
            first_seq(&older) < first_seq(&trail),
            "older entries on the next page"
        );
    })
    .await;
}
