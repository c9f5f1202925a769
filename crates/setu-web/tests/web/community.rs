//! Parents' groups, youth ambassadors, the NGO forum, ward engagement and indicators.

use crate::support::*;

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
        // The growth chart counts fiscal years, labelled in BS, never AD calendar years.
        assert!(page.contains("<title>2076/77: "), "first fiscal year bar");
        assert!(!page.contains("<title>2020: "), "no AD year bar");
        let ne = get_as(&app, "/youth", "ne", &me).await.body;
        assert!(ne.contains("<title>२०७६/७७: "), "Nepali digits in Nepali");
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

/// Every create form of committees, parents' groups, youth and the forum is checked in
/// setu-core as a whole: an empty or wrong form is shown again (422) with a message for each
/// field that is wrong, not only the first, and stores nothing.
#[tokio::test]
async fn create_forms_answer_every_mistake_at_once() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "secretary", Role::LcchtMemberSecretary, "51106").await;
        let made = post_form(
            &app,
            "/committees",
            &[("kind", "lccht"), ("place", "51106")],
            &me,
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let committee = made.headers[header::LOCATION].to_str().unwrap().to_string();
        let group = post_form(
            &app,
            "/parents-groups",
            &[("ward", "5110601"), ("name", "Tole A")],
            &me,
        )
        .await;
        assert_eq!(group.status, StatusCode::SEE_OTHER);
        let group = group.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        let future = "2090-01-01";
        type Case<'a> = (String, Vec<(&'a str, &'a str)>, Vec<&'a str>);
        let cases: Vec<Case> = vec![
            (
                "/committees".into(),
                vec![("kind", "lccht"), ("place", "511"), ("phone", "call me")],
                vec!["error-committee-place", "error-phone"],
            ),
            (
                format!("{committee}/meetings"),
                vec![("held_on", future)],
                vec!["error-date-future", "error-required"],
            ),
            (
                "/parents-groups".into(),
                vec![("ward", "51106")],
                vec!["error-ward-code", "error-required"],
            ),
            (
                format!("{group}/members"),
                vec![("name", "Sita"), ("sex", "dragon"), ("joined_on", future)],
                vec!["error-choice", "error-date-future"],
            ),
            (
                format!("{group}/sessions"),
                vec![
                    ("held_on", "2081-01-01"),
                    ("material", "film"),
                    ("episode", "x"),
                ],
                vec!["error-episode", "error-required"],
            ),
            (
                "/youth/events".into(),
                vec![
                    ("ward", "5110601"),
                    ("held_on", future),
                    ("female_u18", "-2"),
                ],
                vec!["error-date-future", "error-count", "error-required"],
            ),
            (
                "/youth/groups".into(),
                vec![("place", "x"), ("resource_centre", "Ward office")],
                vec!["error-ward-or-local-level", "error-required"],
            ),
            (
                "/forum/entries".into(),
                vec![
                    ("kind", "party"),
                    ("place", "51106"),
                    ("happened_on", future),
                ],
                vec!["error-choice", "error-date-future", "error-required"],
            ),
            (
                "/forum/alerts".into(),
                vec![("place", "51106"), ("expires_on", "2070-01-01")],
                vec!["error-required", "error-expiry-past"],
            ),
        ];
        let i18n = setu_web::i18n::I18n::new().unwrap();
        let before = store.verify_audit().await.unwrap().checked;
        for (path, form, messages) in cases {
            let answer = post_form(&app, &path, &form, &me).await;
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            let body = answer.body.replace("&#x27;", "'").replace("&#39;", "'");
            // What was typed comes back with the page, for the form to be filled again.
            let echo = body.split("data-echo=\"").nth(1).unwrap_or_default();
            let echo = echo
                .split('"')
                .next()
                .unwrap_or_default()
                .replace("&#34;", "\"")
                .replace("&quot;", "\"");
            let echo: serde_json::Value =
                serde_json::from_str(&echo.replace("&#38;", "&").replace("&amp;", "&"))
                    .unwrap_or_else(|e| panic!("{path}: no echo ({e})"));
            assert_eq!(echo["action"], path.as_str());
            for (k, v) in &form {
                assert!(
                    echo["typed"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|p| p[0] == *k && p[1] == *v),
                    "{path}: {k} kept"
                );
            }
            assert!(!echo["errors"].as_array().unwrap().is_empty());
            for m in messages {
                let text = i18n.t(setu_core::lang::Lang::En, m);
                assert!(body.contains(&text), "{path}: {m} ({text})");
            }
        }
        let after = store.verify_audit().await.unwrap().checked;
        assert_eq!(before, after, "a refused form writes nothing");
    })
    .await;
}

/// A parents' group's and a committee's members are read 50 a page: each page names only the
/// members it shows in one audit entry, every member appears once across the pages, and the
/// session form (which marks attendance) still lists every parent.
#[tokio::test]
async fn group_and_committee_members_are_paged_with_one_audit_entry_a_page() {
    use setu_core::community::Sex;
    each_app(|app, store| async move {
        let sys = Actor::system("test");
        let me = sign_in(&store, "secretary", Role::LcchtMemberSecretary, "51106").await;
        let today = time::OffsetDateTime::now_utc().date();
        let g = store
            .create_group(&sys, "5110601".parse().unwrap(), "Tole B", None)
            .await
            .unwrap();
        let c = store
            .create_committee(
                &sys,
                setu_core::committees::CommitteeKind::Lccht,
                "51106".parse().unwrap(),
                None,
                None,
                None,
            )
            .await
            .unwrap();
        for i in 0..51 {
            let day = today - time::Duration::days(i);
            store
                .add_group_member(&sys, g, &format!("Parent Pg{i:02}x"), Sex::Female, day)
                .await
                .unwrap();
            store
                .add_member(
                    &sys,
                    c,
                    &format!("Member Cm{i:02}x"),
                    setu_core::committees::Seat::Member,
                    day,
                    None,
                )
                .await
                .unwrap();
        }
        let views = |entity: &'static str| {
            let store = store.clone();
            async move {
                store
                    .audit_entries(&setu_store::audit::AuditFilter {
                        action: Some("view-personal".into()),
                        entity: Some(entity.into()),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .len()
            }
        };
        for (path, prefix, entity) in [
            (format!("/parents-groups/{g}"), "Parent Pg", "group-member"),
            (format!("/committees/{c}"), "Member Cm", "committee-member"),
        ] {
            let before = views(entity).await;
            let first = get_as(&app, &path, "en", &me).await;
            assert_eq!(first.status, StatusCode::OK);
            assert_eq!(first.body.matches(prefix).count(), 50, "{path}");
            assert_eq!(views(entity).await, before + 1, "{path}: one entry a page");
            let next = first
                .body
                .split("rel=\"next\"")
                .next()
                .and_then(|b| b.rsplit("href=\"").next())
                .and_then(|h| h.split('"').next())
                .unwrap()
                .replace("&amp;", "&")
                .replace("&#38;", "&");
            let second = get_as(&app, &next, "en", &me).await;
            assert_eq!(second.body.matches(prefix).count(), 1, "{next}");
            let mut seen: Vec<String> = [&first.body, &second.body]
                .iter()
                .flat_map(|b| b.split(prefix).skip(1).map(|s| s[..3].to_string()))
                .collect();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), 51, "{path}: every member once");
        }
        // The group's ward is named, not coded.
        let group = get_as(&app, &format!("/parents-groups/{g}"), "en", &me)
            .await
            .body;
        let ward = format!("{}-1", nepalganj_en(&store).await);
        assert!(
            group.contains(&ward) && !group.contains("<code>5110601</code>"),
            "{ward}"
        );
        let form = get_as(
            &app,
            &format!("/parents-groups/{g}/sessions/new"),
            "en",
            &me,
        )
        .await;
        assert_eq!(form.status, StatusCode::OK);
        assert_eq!(form.body.matches("Parent Pg").count(), 51);
    })
    .await;
}

/// Point 7 of issue 15: a youth event and a parents' session recorded on a phone offline are
/// sent through the community sync, checked as the online forms check them, stored once
/// however often they are resent, and a wrong or out-of-scope one is answered on its field.
#[tokio::test]
async fn events_and_sessions_recorded_offline_are_stored_once_through_sync() {
    each_app(|app, store| async move {
        const SYNC: &str = "/api/v1/community/sync";
        let youth = sign_in(&store, "youth.offline", Role::YouthAmbassador, "51106").await;
        let event = |id: &str, ward: &str, girls: &str| {
            serde_json::json!({ "kind": "youth-event", "id": id, "data": {
                "ward": ward, "held_on": "2081-05-01", "event_type": "awareness",
                "female_u18": girls, "male_18": "2", "outcome": "" } })
        };
        let good = "0a1b2c3d-1111-4222-8333-444455556666";
        let bad = "0a1b2c3d-1111-4222-8333-444455556667";
        let far = "0a1b2c3d-1111-4222-8333-444455556668";
        let batch = [
            event(good, "5110603", "12"),
            event(bad, "5110603", "-4"),
            event(far, "3120601", "1"),
        ];
        let (status, answers) = sync_to(&app, SYNC, &youth, &batch).await;
        assert_eq!(status, StatusCode::OK);
        let outcomes: Vec<&str> = answers.iter().map(|a| a.1.as_str()).collect();
        assert_eq!(outcomes, ["created", "invalid", "invalid"]);
        // Resent (the phone did not hear the answer): nothing new is stored.
        let (_, again) = sync_to(&app, SYNC, &youth, &batch[..1]).await;
        assert_eq!(again[0].1, "unchanged");
        let (events, total) = store
            .youth_events("511".parse().unwrap(), None)
            .await
            .unwrap();
        assert_eq!(total, 1, "stored once");
        assert_eq!(events.rows[0].participants.total(), 14);
        // The refused ones say which field and why, in the reader's language.
        let body = serde_json::json!({ "records": [event(bad, "5110603", "-4"), event(far, "3120601", "1")] });
        let r = send(
            &app,
            Request::post(SYNC)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, youth.cookie.clone())
                .header("x-csrf-token", youth.csrf.clone())
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
        assert_eq!(v["results"][0]["errors"][0][0], "female_u18", "{v}");
        assert!(v["results"][0]["errors"][0][1].as_str().unwrap_or("").contains("0 to 100,000"));
        assert_eq!(v["results"][1]["errors"][0][0], "ward", "{v}");
        assert!(v["results"][1]["errors"][0][1].as_str().unwrap_or("").contains("outside your scope"));

        // A parents' session, attendance and all.
        let facilitator = sign_in(&store, "fac.offline", Role::ParentsGroupFacilitator, "51106").await;
        let made = post_form(
            &app,
            "/parents-groups",
            &[("name", "Ward 3 fathers"), ("ward", "5110603")],
            &facilitator,
        )
        .await;
        let path = made.headers[header::LOCATION].to_str().unwrap().to_string();
        let r = post_form(
            &app,
            &format!("{path}/members"),
            &[("name", "Parent Offline"), ("sex", "male"), ("joined_on", "2081-01-01")],
            &facilitator,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let group: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
        let member = store
            .group_members(group, setu_store::sealing::Reveal::No)
            .await
            .unwrap()[0]
            .id
            .clone();
        let session = serde_json::json!({ "kind": "parents-session",
            "id": "9f8e7d6c-5b4a-4321-8fed-cba987654321", "data": {
                "group": group.to_string(), "held_on": "2081-06-01", "topic": "Safe migration",
                "material": "discussion", "facilitator": "Facilitator Name", "present": [member] } });
        for expected in ["created", "unchanged"] {
            let (_, a) = sync_to(&app, SYNC, &facilitator, std::slice::from_ref(&session)).await;
            assert_eq!(a[0].1, expected);
        }
        assert_eq!(store.group_sessions(group).await.unwrap().len(), 1);
        // The youth ambassador may not record a parents' session.
        let (_, a) = sync_to(&app, SYNC, &youth, std::slice::from_ref(&session)).await;
        assert_eq!(a.first().map(|a| a.1.as_str()), Some("invalid"));

        // Without a session the phone is told to sign in again (and keeps its queue).
        let r = send(
            &app,
            Request::post(SYNC)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    })
    .await;
}
