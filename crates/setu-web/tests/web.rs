//! The web application in-process, on every engine under test.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::Router;
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

async fn post_form(app: &Router, path: &str, form: &[(&str, &str)]) -> Resp {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "setu_lang=en")
        .body(Body::from(body))
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
        assert_eq!(
            get(&app, "/organisations/99999", "en").await.status,
            StatusCode::NOT_FOUND
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

#[tokio::test]
async fn plain_pages_are_light_on_the_wire() {
    each_engine(|app| async move {
        for path in [
            "/",
            "/places/511",
            "/organisations",
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
    each_engine(|app| async move {
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
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let location = ok.headers[header::LOCATION].to_str().unwrap().to_string();
        assert!(location.ends_with("?saved=1"));
        let shown = get(&app, &location, "ne").await;
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
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("Someone else changed this record"));
        assert!(stale.body.contains(r#"value="Stale name""#));
        let now = get(&app, &site_path, "en").await;
        assert!(now.body.contains("Hetauda transit shelter") && !now.body.contains("Stale name"));

        // Lists filter by kind and by place.
        let list = get(&app, "/sites?kind=shelter&place=312", "en").await;
        assert!(list.body.contains("Hetauda transit shelter"));
        let list = get(&app, "/sites?place=511", "en").await;
        assert!(!list.body.contains("Hetauda transit shelter"));
        let place = get(&app, "/places/31206", "en").await;
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
    each_engine(|app| async move {
        let ok = post_form(
            &app,
            "/organisations",
            &[
                ("name_en", "Date check"),
                ("kind", "ngo"),
                ("place", "11306"),
            ],
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
        let plain = get(&app, &path, "en").await.body;
        assert!(plain.contains(&bs.long(setu_core::Lang::En, setu_core::Digits::Latin)));
        assert!(!plain.contains(&format!("({iso})")));
        let req = Request::get(&path)
            .header(header::COOKIE, "setu_lang=ne; setu_ad=1")
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
