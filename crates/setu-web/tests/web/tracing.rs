//! Family tracing: reports, matching, the register, alerts at the booth.

use crate::support::*;

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

/// A photo of the missing girl on her report: kept without the phone's location, a thumbnail
/// on the report's page for its readers, a PDF kept as a document; another district's
/// coordinator cannot open it; a file that is neither is refused with its reason.
#[tokio::test]
async fn a_photo_on_a_report_is_cleaned_and_shown_only_to_its_readers() {
    each_app(|app, store| async move {
        let secretary = sign_in(
            &store,
            "photo.secretary",
            Role::LcchtMemberSecretary,
            "51106",
        )
        .await;
        let made = post_form(
            &app,
            "/tracing/reports",
            &[
                ("reporter_name", "Hari Tamang"),
                ("reporter_relation", "parent"),
                ("consent_tracing", "yes"),
                ("reported_on_bs", "2081-09-10"),
                ("given_name", "Sita"),
                ("sex", "female"),
                ("age", "16"),
                ("home", "5110603"),
            ],
            &secretary,
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let path = made.headers[header::LOCATION].to_str().unwrap().to_string();
        let url = format!("{path}/attachments");
        let photo = setu_media::fixtures::phone_photo(30, 30, 1);
        let added = post_file(
            &app,
            &url,
            &[("kind", "photo")],
            Some(("sita.jpg", &photo)),
            &secretary,
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let pdf = post_file(
            &app,
            &url,
            &[
                ("kind", "identity-document"),
                ("label", "Birth registration"),
            ],
            Some(("birth.pdf", b"%PDF-1.4\n% demo\n")),
            &secretary,
        )
        .await;
        assert_eq!(pdf.status, StatusCode::SEE_OTHER);
        let gif = post_file(
            &app,
            &url,
            &[("kind", "photo")],
            Some(("a.gif", b"GIF89a.....")),
            &secretary,
        )
        .await;
        assert_eq!(gif.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(gif
            .body
            .contains("Only photos (JPEG or PNG) and PDF documents"));
        let page = get_as(&app, &path, "en", &secretary).await.body;
        assert!(page.contains("?size=thumb\"") && page.contains("Birth registration"));
        let hrefs: Vec<String> = page
            .split("href=\"")
            .filter_map(|s| s.split('"').next())
            .filter(|h| h.starts_with(&format!("{path}/attachments/")) && !h.contains("size=thumb"))
            .map(str::to_string)
            .collect();
        assert_eq!(hrefs.len(), 2, "{hrefs:?}");
        // The photo is the one with a thumbnail; the other is the document.
        let (photo_href, doc_href) = if page.contains(&format!("{}?size=thumb", hrefs[0])) {
            (&hrefs[0], &hrefs[1])
        } else {
            (&hrefs[1], &hrefs[0])
        };
        let served = get_as(&app, photo_href, "en", &secretary).await;
        assert_eq!(served.headers[header::CONTENT_TYPE], "image/jpeg");
        assert!(!served.body.contains("Exif") && !served.body.contains("PhoneX"));
        let doc = get_as(&app, doc_href, "en", &secretary).await;
        assert_eq!(doc.headers[header::CONTENT_TYPE], "application/pdf");
        assert!(doc.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        let far = sign_in(&store, "photo.far", Role::DistrictCoordinator, "312").await;
        let theirs = get_as(&app, photo_href, "en", &far).await;
        assert!(
            matches!(theirs.status.as_u16(), 403 | 404),
            "{}",
            theirs.status
        );
    })
    .await;
}
