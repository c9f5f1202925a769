//! Border booths: capture, offline sync, screenings and their list.

use crate::support::*;

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
            "/static/offline.js".into(),
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

/// Issue 14: a hand-over's references could not be corrected. Now the receiving police unit
/// (the other side of the record, not the booth's scope) corrects the GD number on the
/// hand-over's record page, and the history keeps the earlier one; a police unit of another
/// district gets "not found", as for a record that does not exist.
#[tokio::test]
async fn the_receiving_side_corrects_a_handovers_references() {
    use setu_core::booths::{HandoverForm, ScreeningForm};
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let org = |name: &str, place: &str| setu_core::directory::DirectoryForm {
            name_en: name.into(),
            kind: "police-unit".into(),
            place: place.into(),
            ..Default::default()
        };
        let police = store
            .create_organisation(&sys, &org("Police Banke", "51106").to_org().unwrap())
            .await
            .unwrap();
        let other = store
            .create_organisation(&sys, &org("Police elsewhere", "31206").to_org().unwrap())
            .await
            .unwrap();
        let (booth, _) = booth_and_worker(&store).await;
        let now = time::OffsetDateTime::now_utc();
        let catalogue = store.risk_catalogue().await.unwrap();
        let (draft, risk_score, risk_level) = ScreeningForm {
            site: booth.to_string(),
            date: "2025-02-01".into(),
            sex: "female".into(),
            age: "17".into(),
            outcome: "handed-to-police".into(),
            ..Default::default()
        }
        .check(now.date(), &catalogue)
        .unwrap();
        let person = "00000000-0000-4000-8000-0000000000a1";
        let scored = setu_store::booths::ScoredScreening {
            draft,
            risk_version: catalogue.version,
            risk_score,
            risk_level,
        };
        store
            .sync_screening(&sys, person, 0, &scored, "{}")
            .await
            .unwrap();
        let form = HandoverForm {
            date: "2025-02-01".into(),
            time: "10:00".into(),
            place: "51106".into(),
            site: booth.to_string(),
            from_party: "booth".into(),
            to_party: "nepal-police".into(),
            to_org: police.to_string(),
            persons: vec![person.to_string()],
            gd_number: "GD-17".into(),
            ..Default::default()
        };
        let id = store
            .create_handover(&sys, &form.check(now).unwrap())
            .await
            .unwrap();
        let path = format!("/handovers/{id}/record");
        let receiving = sign_in(
            &store,
            "police.receiving",
            Role::PoliceFocalPerson,
            &format!("org:{police}"),
        )
        .await;
        let page = get_as(&app, &path, "en", &receiving).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let saved = post_form(
            &app,
            &path,
            &[("gd_number", "GD-71"), ("version", "0")],
            &receiving,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let h = store
            .handover(&id, setu_store::sealing::Reveal::No)
            .await
            .unwrap();
        assert_eq!(h.gd_number, "GD-71");
        let page = get_as(&app, &path, "en", &receiving).await.body;
        assert!(page.contains("GD-17") && page.contains("police.receiving"));
        let elsewhere = sign_in(
            &store,
            "police.elsewhere",
            Role::PoliceFocalPerson,
            &format!("org:{other}"),
        )
        .await;
        let refused = post_form(
            &app,
            &path,
            &[("gd_number", "X"), ("version", "1")],
            &elsewhere,
        )
        .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert_eq!(
            get_as(&app, &path, "en", &elsewhere).await.status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

/// A dashboard asked for without a year opens on this year when it has records, and on the
/// latest year with records (saying so, with a link back) when this year has none; a year
/// asked for is shown as asked, empty or not.
#[tokio::test]
async fn dashboards_open_on_the_latest_year_with_records() {
    each_app(|app, store| async move {
        let (booth, worker) = booth_and_worker(&store).await;
        let national = sign_in(&store, "nat", Role::NationalCoordinator, "NP").await;
        // Nothing at all: the page stays on this year.
        for path in ["/booths", "/indicators"] {
            assert_eq!(
                get_as(&app, path, "en", &national).await.status,
                StatusCode::OK
            );
        }
        let record = serde_json::json!({
            "kind": "tally",
            "id": "00000000-0000-4000-8000-000000000001",
            "base_version": 0,
            "data": {"site": booth.to_string(), "date": "2023-01-15", "female_18": "4"}
        });
        let (status, _) = sync_batch(&app, &worker, &[record]).await;
        assert_eq!(status, StatusCode::OK);
        // A second month with records three months on: the chart shows the two between as
        // empty bars, not side by side.
        let later = serde_json::json!({
            "kind": "tally",
            "id": "00000000-0000-4000-8000-000000000002",
            "base_version": 0,
            "data": {"site": booth.to_string(), "date": "2023-04-15", "female_18": "2"}
        });
        let (status, _) = sync_batch(&app, &worker, &[later]).await;
        assert_eq!(status, StatusCode::OK);
        let all = get_as(&app, "/booths?fy=all", "en", &national).await.body;
        let chart = all
            .split("<figure class=\"chart\">")
            .nth(1)
            .unwrap_or_default();
        let chart = chart.split("</svg>").next().unwrap_or_default();
        assert_eq!(
            chart.matches("<g><title>").count(),
            4,
            "Magh to Baisakh, gaps included"
        );
        let that = setu_core::FiscalYear::containing(time::macros::date!(2023 - 01 - 15)).unwrap();
        for path in ["/booths", "/indicators"] {
            let opened = get_as(&app, path, "en", &national).await;
            assert_eq!(opened.status, StatusCode::SEE_OTHER, "{path}");
            let to = opened.headers[header::LOCATION]
                .to_str()
                .unwrap()
                .to_string();
            assert_eq!(to, format!("{path}?place=&fy={that}&latest=1"));
            let shown = get_as(&app, &to, "en", &national).await;
            assert_eq!(shown.status, StatusCode::OK);
            assert!(
                shown.body.contains("Nothing has been recorded in"),
                "{path}"
            );
            assert!(shown.body.contains("Show this year"));
            // This year, asked for: shown, empty, without a note.
            let this =
                setu_core::FiscalYear::containing(setu_core::calendar::today_in_nepal()).unwrap();
            let asked = get_as(&app, &format!("{path}?fy={this}"), "en", &national).await;
            assert_eq!(asked.status, StatusCode::OK);
            assert!(!asked.body.contains("Nothing has been recorded in"));
        }
    })
    .await;
}

/// The home page puts a person's work first: a booth worker's button to record at her booth,
/// then what waits for her (conflicts to resolve, hand-overs not acknowledged); a visitor sees
/// no work; a role sees only work it may open.
#[tokio::test]
async fn the_home_page_shows_each_person_their_work() {
    each_app(|app, store| async move {
        let (booth, worker) = booth_and_worker(&store).await;
        let home = get_as(&app, "/", "en", &worker).await.body;
        let work = home.split("class=\"hero\"").next().unwrap();
        assert!(work.contains("Your work"));
        assert!(work.contains(&format!("href=\"/booths/{booth}/capture\"")));
        assert!(work.contains("sync conflicts to resolve"));
        assert!(
            !work.contains("possible matches to review"),
            "not hers to review"
        );
        let anonymous = get(&app, "/", "en").await.body;
        assert!(!anonymous.contains("Your work"));
        let auditor = sign_in(&store, "aud", Role::Auditor, "NP").await;
        let theirs = get_as(&app, "/", "en", &auditor).await.body;
        assert!(!theirs.contains("/capture\""));
    })
    .await;
}

/// The hand-over form names organisations in the reader's language.
#[tokio::test]
async fn organisations_are_chosen_by_their_name_in_the_readers_language() {
    each_app(|app, store| async move {
        let (_, worker) = booth_and_worker(&store).await;
        let unit = setu_core::directory::DirectoryForm {
            name_en: "Jamunaha Police Post".into(),
            name_ne: "जमुनाहा प्रहरी चौकी".into(),
            kind: "police-unit".into(),
            place: "51106".into(),
            ..Default::default()
        };
        store
            .create_organisation(&Actor::system("test"), &unit.to_org().unwrap())
            .await
            .unwrap();
        let ne = get_as(&app, "/handovers", "ne", &worker).await.body;
        assert!(
            ne.contains(">जमुनाहा प्रहरी चौकी</option>"),
            "Nepali name in Nepali"
        );
        let en = get_as(&app, "/handovers", "en", &worker).await.body;
        assert!(en.contains(">Jamunaha Police Post</option>"));
    })
    .await;
}

/// The dashboard shows each booth over the period and the months with every booth together
/// (ten years of a hundred booths would otherwise be 12,000 rows of booth and month); a
/// booth's own worker sees no table of booths. The two tables and the totals agree.
#[tokio::test]
async fn the_dashboard_shows_each_booth_and_each_month() {
    each_app(|app, store| async move {
        let (first, worker) = booth_and_worker(&store).await;
        let second = border_booth(&store, "Second booth").await;
        let other = sign_in(
            &store,
            "booth.second",
            Role::BoothWorker,
            &format!("site:{second}"),
        )
        .await;
        let tally = |n: u32, booth: i64, date: &str, women: &str| {
            serde_json::json!({
                "kind": "tally",
                "id": format!("00000000-0000-4000-8000-{n:012}"),
                "base_version": 0,
                "data": {"site": booth.to_string(), "date": date, "female_18": women}
            })
        };
        let (status, _) = sync_batch(
            &app,
            &worker,
            &[
                tally(1, first, "2023-01-15", "4"),
                tally(2, first, "2023-04-15", "2"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = sync_batch(&app, &other, &[tally(3, second, "2023-01-20", "3")]).await;
        assert_eq!(status, StatusCode::OK);

        // The body rows of a table: (first cell, people informed).
        let rows = |html: &str, id: &str| -> Vec<(String, String)> {
            let Some(table) = html.split(&format!("id=\"{id}\"")).nth(1) else {
                return Vec::new();
            };
            let body = table.split("<tbody>").nth(1).unwrap_or_default();
            let body = body.split("</tbody>").next().unwrap_or_default();
            body.split("<tr>")
                .skip(1)
                .map(|tr| {
                    let cells: Vec<&str> = tr
                        .split("<td")
                        .skip(1)
                        .map(|td| {
                            let text = td.split('>').nth(1).unwrap_or_default();
                            text.split('<').next().unwrap_or_default()
                        })
                        .collect();
                    (cells[0].to_string(), cells[1].to_string())
                })
                .collect()
        };
        let national = sign_in(&store, "nat", Role::NationalCoordinator, "NP").await;
        let page = get_as(&app, "/booths?fy=all", "en", &national).await;
        assert_eq!(page.status, StatusCode::OK);
        let mut booths = rows(&page.body, "booth-totals");
        booths.sort();
        assert_eq!(
            booths,
            vec![
                ("Replay booth".to_string(), "6".to_string()),
                ("Second booth".to_string(), "3".to_string())
            ]
        );
        let months = rows(&page.body, "booth-months");
        assert_eq!(
            months.len(),
            2,
            "two months, the booths together: {months:?}"
        );
        let mut informed: Vec<&str> = months.iter().map(|(_, n)| n.as_str()).collect();
        informed.sort_unstable();
        assert_eq!(informed, vec!["2", "7"]);
        assert!(page.body.contains("Each booth over the period"));

        // In Nepali, with its digits: the same tables.
        let ne = get_as(&app, "/booths?fy=all", "ne", &national).await.body;
        assert!(ne.contains("अवधिभरि प्रत्येक बुथ"));
        assert_eq!(rows(&ne, "booth-totals").len(), 2);

        // One booth's worker: her booth's months, no table of booths.
        let own = get_as(&app, "/booths?fy=all", "en", &worker).await.body;
        assert!(rows(&own, "booth-totals").is_empty());
        let months = rows(&own, "booth-months");
        assert_eq!(months.len(), 2);
        assert!(months.iter().any(|(_, n)| n == "4"));
    })
    .await;
}
