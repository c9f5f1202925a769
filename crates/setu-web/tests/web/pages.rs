//! Pages every reader meets: languages, places, headers, errors, limits, health, dates.

use crate::support::*;

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

/// The place pickers: a ward is typed as its municipality's name and number, in either
/// script and the usual spellings, and comes back with its code (what the form sends), its
/// name in the reader's language and where it lies; what a field may not take is not offered.
#[tokio::test]
async fn place_pickers_offer_names_for_what_was_typed() {
    each_engine(|app| async move {
        let codes = |v: &serde_json::Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().map(|o| o["code"].as_str().unwrap_or("").to_string()).collect())
                .unwrap_or_default()
        };
        // "Nepalganj 4", "Nepalgunj ward 4", "नेपालगञ्ज-४": the ward, first.
        for q in [
            "Nepalganj%204",
            "nepalgunj%20ward%204",
            "%E0%A4%A8%E0%A5%87%E0%A4%AA%E0%A4%BE%E0%A4%B2%E0%A4%97%E0%A4%9E%E0%A5%8D%E0%A4%9C-%E0%A5%AA",
        ] {
            let (s, v) = json(&app, &format!("/places/suggest?pick=ward&q={q}")).await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(codes(&v).first().map(String::as_str), Some("5110604"), "{q}: {v}");
            let label = v[0]["label"].as_str().unwrap_or("");
            assert!(label.starts_with("Nepalganj") && label.ends_with("-4"), "{v}");
            assert!(v[0]["context"].as_str().unwrap_or("").contains("Banke"), "{v}");
        }
        // No number: the municipality's wards, never the municipality itself for a ward field.
        let (_, v) = json(&app, "/places/suggest?pick=ward&q=Nepalganj").await;
        let wards = codes(&v);
        assert!(wards.contains(&"5110601".to_string()), "{v}");
        assert!(wards.iter().all(|c| c.len() == 7), "{v}");
        assert!(wards.len() <= 20);
        // A committee's area: a district or a local level, not a ward.
        let (_, v) = json(&app, "/places/suggest?pick=committee&q=Banke").await;
        assert!(codes(&v).contains(&"511".to_string()), "{v}");
        assert!(codes(&v).iter().all(|c| c.len() == 3 || c.len() == 5), "{v}");
        // A filled field's code is named, in the reader's language.
        let r = get(&app, "/places/suggest?code=5110604", "ne").await;
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
        let label = v[0]["label"].as_str().unwrap_or("");
        assert!(label.starts_with("नेपालगञ्ज") && label.ends_with("-४"), "{v}");
        // A code typed is still understood, if the field takes its level.
        let (_, v) = json(&app, "/places/suggest?pick=ward&q=5110604").await;
        assert_eq!(codes(&v), vec!["5110604"]);
        let (_, v) = json(&app, "/places/suggest?pick=ward&q=51106").await;
        assert!(codes(&v).is_empty(), "{v}");
        // Nonsense, wildcards and overlong input find nothing and do not fail.
        let long = "n".repeat(5000);
        for q in ["zzzzqqq", "%25", "%20", "4", &long] {
            let (s, v) = json(&app, &format!("/places/suggest?pick=ward&q={q}")).await;
            assert_eq!(s, StatusCode::OK);
            assert!(codes(&v).is_empty(), "{q}: {v}");
        }
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
