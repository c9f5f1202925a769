//! Survivors' cases (issue 16, first part): opened by a caseworker for her organisation, read
//! only there, consent recorded and withdrawn.

use crate::support::*;

/// An NGO of Nepalganj named `name`.
async fn ngo(store: &Store, name: &str) -> i64 {
    let form = setu_core::directory::DirectoryForm {
        name_en: name.into(),
        kind: "ngo".into(),
        place: "51106".into(),
        ..Default::default()
    };
    store
        .create_organisation(
            &setu_store::audit::Actor::system("test"),
            &form.to_org().unwrap(),
        )
        .await
        .unwrap()
}

/// A caseworker of organisation `org`, signed in.
async fn caseworker(store: &Store, username: &str, org: i64) -> Client {
    sign_in(store, username, Role::NgoCaseworker, &format!("org:{org}")).await
}

/// A case opened directly by `worker` with these fields (origin and sex given unless they say
/// otherwise), and its path.
async fn open_case(app: &Router, worker: &Client, fields: &[(&str, &str)]) -> String {
    let mut form = vec![("origin", "direct"), ("sex", "female")];
    form.retain(|(k, _)| !fields.iter().any(|(f, _)| f == k));
    form.extend_from_slice(fields);
    let made = post_form(app, "/cases", &form, worker).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    made.headers[header::LOCATION].to_str().unwrap().to_string()
}

#[tokio::test]
async fn a_caseworker_opens_a_case_and_records_consent_that_others_cannot_see() {
    each_app(|app, store| async move {
        let sys = setu_store::audit::Actor::system("test");
        let org = |name: &str| setu_core::directory::DirectoryForm {
            name_en: name.into(),
            kind: "ngo".into(),
            place: "51106".into(),
            ..Default::default()
        };
        let ours = store
            .create_organisation(&sys, &org("Case NGO").to_org().unwrap())
            .await
            .unwrap();
        let theirs = store
            .create_organisation(&sys, &org("Other NGO").to_org().unwrap())
            .await
            .unwrap();
        let worker = self::caseworker(&store, "case.worker", ours).await;
        let other = self::caseworker(&store, "other.worker", theirs).await;
        let lccht = sign_in(&store, "case.lccht", Role::LcchtMemberSecretary, "51106").await;

        // A child's case without her guardian is refused, on the field, with what was typed.
        let child = [
            ("origin", "direct"),
            ("given_name", "Gita"),
            ("family_name", "Unique-Kx4"),
            ("sex", "female"),
            ("birth_year", "2013"),
            ("home", "5110604"),
            ("opened_on", "2083-08-01"),
        ];
        // The form starts on today's date.
        let blank = get_as(&app, "/cases/new", "en", &worker).await.body;
        assert!(
            blank.contains(r#"name="opened_on" value="20"#),
            "opened today by default"
        );
        let refused = post_form(&app, "/cases", &child, &worker).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("guardian"), "{}", refused.body);
        assert!(
            refused.body.contains("Unique-Kx4"),
            "what was typed is kept"
        );
        let mut with_guardian = child.to_vec();
        with_guardian.extend([("guardian_name", "Maya"), ("guardian_relation", "mother")]);
        let made = post_form(&app, "/cases", &with_guardian, &worker).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let path = made.headers[header::LOCATION].to_str().unwrap().to_string();

        // Her organisation reads her; another organisation's caseworker and the LCCHT do not.
        let page = get_as(&app, &path, "en", &worker).await;
        assert!(page.body.contains("Unique-Kx4") && page.body.contains("Maya (mother)"));
        assert_eq!(
            get_as(&app, &path, "en", &other).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get_as(&app, &path, "en", &lccht).await.status,
            StatusCode::FORBIDDEN
        );
        let list = get_as(&app, "/cases", "en", &worker).await;
        assert!(list.body.contains("Unique-Kx4"));
        assert!(!get_as(&app, "/cases", "en", &other)
            .await
            .body
            .contains("Unique-Kx4"));

        // A child's consent needs her guardian's; sharing names the organisation.
        let theirs_s = theirs.to_string();
        let consent = |guardian: &'static str| {
            vec![
                ("kind", "sharing"),
                ("with_org", theirs_s.as_str()),
                ("given_on", "2083-08-02"),
                ("taken_by", "Caseworker Name"),
                ("guardian", guardian),
            ]
        };
        let alone = post_form(&app, &format!("{path}/consents"), &consent(""), &worker).await;
        assert_eq!(alone.status, StatusCode::UNPROCESSABLE_ENTITY);
        let given = post_form(&app, &format!("{path}/consents"), &consent("on"), &worker).await;
        assert_eq!(given.status, StatusCode::SEE_OTHER);
        let id = path.rsplit('/').next().unwrap().to_string();
        let today = setu_core::calendar::today_in_nepal();
        assert!(store.may_share_case(&id, theirs, today).await.unwrap());
        let consent_id = store.case_consents(&id).await.unwrap()[0].id.clone();
        // Another organisation cannot withdraw it; hers can, and sharing stops.
        let theirs_try = post_form(
            &app,
            &format!("{path}/consents/withdraw"),
            &[("consent", &consent_id)],
            &other,
        )
        .await;
        assert_eq!(theirs_try.status, StatusCode::NOT_FOUND);
        let withdrawn = post_form(
            &app,
            &format!("{path}/consents/withdraw"),
            &[("consent", &consent_id)],
            &worker,
        )
        .await;
        assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
        assert!(!store.may_share_case(&id, theirs, today).await.unwrap());
        assert!(get_as(&app, &path, "en", &worker)
            .await
            .body
            .contains("Withdrawn on"));
    })
    .await;
}

/// A case opened from a screening carries the person over (her name, sex, year of birth and
/// home), for a caseworker who may read her; anyone else gets an empty form.
#[tokio::test]
async fn a_case_opened_from_a_screening_carries_the_person_over() {
    each_app(|app, store| async move {
        let sys = setu_store::audit::Actor::system("test");
        let ngo = self::ngo(&store, "Booth NGO").await;
        let booth = store
            .create_site(
                &sys,
                &setu_core::directory::DirectoryForm {
                    name_en: "Case booth".into(),
                    kind: "border-booth".into(),
                    place: "51106".into(),
                    organisation: ngo.to_string(),
                    ..Default::default()
                }
                .to_site()
                .unwrap(),
            )
            .await
            .unwrap();
        let worker = sign_in(&store, "case.booth", Role::BoothWorker, &format!("site:{booth}")).await;
        let id = "7d3f0c2a-1b4e-4c5d-8e6f-9a0b1c2d3e4f";
        let record = serde_json::json!({"kind": "screening", "id": id, "base_version": 0, "data": {
            "site": booth.to_string(), "date_bs": "2083-08-01", "time": "10:45", "consent_record": "on",
            "given_name": "Carried", "family_name": "Unique-Zx7", "sex": "female", "age": "19",
            "home": "5110619", "documents_seen": ["citizenship"], "destination_country": "India",
            "purpose": "work", "companions": "1", "companion_relation": "stranger", "paid_by": "agent",
            "documents_carried": ["citizenship"], "risk": ["documents-held"],
            "outcome": "intercepted", "consent_share": "on"}});
        let (status, answers) = sync_batch(&app, &worker, &[record]).await;
        assert_eq!((status, answers[0].1.as_str()), (StatusCode::OK, "created"), "{answers:?}");
        let caseworker = self::caseworker(&store, "case.ngo", ngo).await;
        let form = get_as(
            &app,
            &format!("/cases/new?origin=screening&origin_id={id}"),
            "en",
            &caseworker,
        )
        .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains(r#"value="Unique-Zx7""#), "the name is carried over");
        assert!(form.body.contains(r#"value="5110619""#) && form.body.contains(r#"value="2007""#));
        assert!(form.body.contains(&format!(r#"name="origin_id" value="{id}""#)));
        // From a hand-over: the person carried over is one it handed over, and only such.
        let police = store
            .create_organisation(
                &sys,
                &setu_core::directory::DirectoryForm {
                    name_en: "Case police".into(),
                    kind: "police-unit".into(),
                    place: "51106".into(),
                    ..Default::default()
                }
                .to_org()
                .unwrap(),
            )
            .await
            .unwrap();
        let handover = setu_core::booths::HandoverForm {
            date_bs: "2083-08-01".into(),
            time: "11:00".into(),
            place: "5110619".into(),
            site: booth.to_string(),
            from_party: "booth".into(),
            from_org: ngo.to_string(),
            to_party: "nepal-police".into(),
            to_org: police.to_string(),
            persons: vec![id.to_string()],
            ..Default::default()
        }
        .check(time::OffsetDateTime::now_utc())
        .unwrap();
        let h = store.create_handover(&sys, &handover).await.unwrap();
        let from_handover = |person: &str| {
            format!("/cases/new?origin=handover&origin_id={h}&person={person}")
        };
        let carried = get_as(&app, &from_handover(id), "en", &caseworker).await;
        assert!(carried.body.contains(r#"value="Unique-Zx7""#));
        let stranger_person = get_as(
            &app,
            &format!("/cases/new?origin=handover&origin_id=no-such&person={id}"),
            "en",
            &caseworker,
        )
        .await;
        assert!(
            !stranger_person.body.contains("Unique-Zx7"),
            "a person is carried over only from the hand-over that handed her over"
        );
        // Another organisation's caseworker may not read her: nothing is carried over.
        let other_org = store
            .create_organisation(
                &sys,
                &setu_core::directory::DirectoryForm {
                    name_en: "Far NGO".into(),
                    kind: "ngo".into(),
                    place: "31206".into(),
                    ..Default::default()
                }
                .to_org()
                .unwrap(),
            )
            .await
            .unwrap();
        let stranger = self::caseworker(&store, "case.far", other_org).await;
        let empty = get_as(
            &app,
            &format!("/cases/new?origin=screening&origin_id={id}"),
            "en",
            &stranger,
        )
        .await;
        assert!(!empty.body.contains("Unique-Zx7"));
    })
    .await;
}

/// Closing a case takes two people: the caseworker asks with a reason, a supervisor who did not
/// ask approves or declines; a closed case can be reopened.
#[tokio::test]
async fn a_case_is_closed_by_a_supervisor_on_the_caseworkers_request() {
    each_app(|app, store| async move {
        let ngo = self::ngo(&store, "Closing NGO").await;
        let worker = self::caseworker(&store, "close.worker", ngo).await;
        let boss = sign_in(
            &store,
            "close.boss",
            Role::NgoSupervisor,
            &format!("org:{ngo}"),
        )
        .await;
        let path = open_case(
            &app,
            &worker,
            &[("given_name", "Closing"), ("opened_on", "2083-07-01")],
        )
        .await;
        // A reason is needed.
        let bare = post_form(&app, &format!("{path}/close"), &[("reason", "")], &worker).await;
        assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
        let asked = post_form(
            &app,
            &format!("{path}/close"),
            &[
                ("reason", "reintegrated"),
                ("note", "Living with her family"),
            ],
            &worker,
        )
        .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER);
        // The caseworker cannot approve; the supervisor sees the request and approves it.
        let approve = [("decision", "approve")];
        let own = post_form(&app, &format!("{path}/closure"), &approve, &worker).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        // The supervisor's home page counts it among her work.
        let home = get_as(&app, "/", "en", &boss).await.body;
        assert!(
            home.contains("case closures waiting for your decision"),
            "{home}"
        );
        let page = get_as(&app, &path, "en", &boss).await.body;
        assert!(
            page.contains("Closure asked by close.worker")
                && page.contains("Living with her family")
        );
        assert!(page.contains("Approve closing"));
        let done = post_form(&app, &format!("{path}/closure"), &approve, &boss).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(page.contains("Closed on") && page.contains("Reopen the case"));
        // Approving again: the case has moved on.
        let again = post_form(&app, &format!("{path}/closure"), &approve, &boss).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        // A supervisor who asks herself waits for another.
        let reopened = post_form(&app, &format!("{path}/reopen"), &[], &worker).await;
        assert_eq!(reopened.status, StatusCode::SEE_OTHER);
        post_form(
            &app,
            &format!("{path}/close"),
            &[("reason", "moved-away")],
            &boss,
        )
        .await;
        let self_approve = post_form(&app, &format!("{path}/closure"), &approve, &boss).await;
        assert_eq!(self_approve.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(self_approve
            .body
            .contains("Someone other than the person who asked"));
    })
    .await;
}

/// A case is sent only to an organisation she consented to share with; the receiving
/// organisation reads it to decide (and nothing else of the sender's), declines with a reason
/// or accepts; the caseworker is chosen by name among the holding organisation's staff.
#[tokio::test]
async fn a_case_is_transferred_to_an_organisation_that_accepts_it() {
    each_app(|app, store| async move {
        let sys = setu_store::audit::Actor::system("test");
        let org = |name: &str| setu_core::directory::DirectoryForm {
            name_en: name.into(),
            kind: "ngo".into(),
            place: "51106".into(),
            ..Default::default()
        };
        let ngo = store
            .create_organisation(&sys, &org("Sending NGO").to_org().unwrap())
            .await
            .unwrap();
        let shelter = store
            .create_organisation(&sys, &org("Receiving Shelter").to_org().unwrap())
            .await
            .unwrap();
        let third = store
            .create_organisation(&sys, &org("Third NGO").to_org().unwrap())
            .await
            .unwrap();
        let at = |o: i64| format!("org:{o}");
        let sender = sign_in(&store, "tr.sender", Role::NgoCaseworker, &at(ngo)).await;
        let mate = sign_in(&store, "tr.mate", Role::NgoCaseworker, &at(ngo)).await;
        let receiver = sign_in(&store, "tr.receiver", Role::NgoCaseworker, &at(shelter)).await;
        let outsider = sign_in(&store, "tr.outsider", Role::NgoCaseworker, &at(third)).await;
        let path = open_case(
            &app,
            &sender,
            &[
                ("given_name", "Transfer-Qz7"),
                ("birth_year", "1997"),
                ("opened_on", "2083-07-01"),
            ],
        )
        .await;

        // The caseworker is chosen by name; the one who opened it holds it first.
        let page = get_as(&app, &path, "en", &sender).await.body;
        assert!(page.contains(">tr.mate</option>"), "chosen by name");
        let mate_id = store.user_by_name("tr.mate").await.unwrap().id;
        let version = store
            .case(
                path.trim_start_matches("/cases/"),
                setu_store::sealing::Reveal::No,
            )
            .await
            .unwrap()
            .version;
        let assigned = post_form(
            &app,
            &format!("{path}/caseworker"),
            &[
                ("user", mate_id.as_str()),
                ("version", &version.to_string()),
            ],
            &sender,
        )
        .await;
        assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);
        let mates = get_as(&app, "/notifications", "en", &mate).await.body;
        assert!(mates.contains("A case was given to you"), "{mates}");

        // No consent to share with the shelter: nothing to choose, and a forged form is refused.
        assert!(get_as(&app, &path, "en", &sender)
            .await
            .body
            .contains("first record her consent to sharing"));
        let forged = post_form(
            &app,
            &format!("{path}/transfer"),
            &[("to", &shelter.to_string())],
            &sender,
        )
        .await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(forged.body.contains("has not consented"), "{}", forged.body);
        assert_eq!(
            get_as(&app, &path, "en", &receiver).await.status,
            StatusCode::NOT_FOUND,
            "not offered yet: not theirs to read"
        );
        let consent = post_form(
            &app,
            &format!("{path}/consents"),
            &[
                ("kind", "sharing"),
                ("with_org", &shelter.to_string()),
                ("given_on", "2083-07-02"),
                ("taken_by", "Sender"),
            ],
            &sender,
        )
        .await;
        assert_eq!(consent.status, StatusCode::SEE_OTHER, "{}", consent.body);
        assert!(
            get_as(&app, &path, "en", &sender)
                .await
                .body
                .contains(r#"id="t-to""#),
            "the shelter can now be chosen"
        );
        let sent = post_form(
            &app,
            &format!("{path}/transfer"),
            &[("to", &shelter.to_string())],
            &sender,
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);

        // The receiver is offered it, reads it, and declines with a reason.
        let list = get_as(&app, "/cases", "en", &receiver).await.body;
        assert!(list.contains("Offered to your organisation") && list.contains(&path));
        let offered = get_as(&app, &path, "en", &receiver).await;
        assert_eq!(offered.status, StatusCode::OK);
        assert!(offered.body.contains("Accept the case"));
        assert_eq!(
            get_as(&app, &path, "en", &outsider).await.status,
            StatusCode::NOT_FOUND
        );
        let forbidden = post_form(
            &app,
            &format!("{path}/transfer/answer"),
            &[("decision", "accept")],
            &outsider,
        )
        .await;
        assert_eq!(
            forbidden.status,
            StatusCode::NOT_FOUND,
            "only the receiver answers"
        );
        let bare = post_form(
            &app,
            &format!("{path}/transfer/answer"),
            &[("decision", "decline"), ("reason", "")],
            &receiver,
        )
        .await;
        assert_eq!(
            bare.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a reason is needed"
        );
        let declined = post_form(
            &app,
            &format!("{path}/transfer/answer"),
            &[("decision", "decline"), ("reason", "outside-area")],
            &receiver,
        )
        .await;
        assert_eq!(declined.status, StatusCode::SEE_OTHER);
        let back = get_as(&app, &path, "en", &sender).await.body;
        assert!(
            back.contains("She lives outside the area we serve"),
            "{back}"
        );
        assert_eq!(
            get_as(&app, &path, "en", &receiver).await.status,
            StatusCode::NOT_FOUND,
            "declined: no longer theirs to read"
        );

        // Sent again and accepted: the receiver's, worked by the one who accepted.
        post_form(
            &app,
            &format!("{path}/transfer"),
            &[("to", &shelter.to_string())],
            &sender,
        )
        .await;
        let accepted = post_form(
            &app,
            &format!("{path}/transfer/answer"),
            &[("decision", "accept")],
            &receiver,
        )
        .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER);
        let theirs = get_as(&app, &path, "en", &receiver).await.body;
        assert!(theirs.contains("<dd>tr.receiver</dd>") && theirs.contains("Transfer-Qz7"));
        assert_eq!(
            get_as(&app, &path, "en", &sender).await.status,
            StatusCode::NOT_FOUND,
            "the sender no longer holds it"
        );
        let ne = get_as(&app, &path, "ne", &receiver).await.body;
        assert!(ne.contains("केस सहयोगकर्ता"));
    })
    .await;
}

/// A caseworker assesses a survivor in every domain, twice; the case page draws each domain's
/// change and lists the scores with their notes; a form missing a domain is refused on it.
#[tokio::test]
async fn a_survivor_is_assessed_by_domain_and_the_change_is_drawn() {
    each_app(|app, store| async move {
        let ngo = self::ngo(&store, "Assessing NGO").await;
        let worker = self::caseworker(&store, "as.worker", ngo).await;
        let elsewhere = self::ngo(&store, "Elsewhere NGO").await;
        let other = self::caseworker(&store, "as.other", elsewhere).await;
        let path = open_case(
            &app,
            &worker,
            &[("given_name", "Assessed"), ("opened_on", "2083-05-01")],
        )
        .await;
        let domains = [
            "safety",
            "shelter",
            "health",
            "psychosocial",
            "family",
            "education",
            "livelihood",
            "legal",
        ];
        let form = |on: &'static str, score: &'static str, skip: Option<&str>| {
            let mut f: Vec<(String, String)> = vec![("assessed_on".into(), on.into())];
            for d in domains.iter().filter(|d| Some(**d) != skip) {
                f.push((format!("score_{d}"), score.into()));
            }
            f.push(("note_safety".into(), format!("Note-{score}-Kq2")));
            f
        };
        let to = format!("{path}/assessments");
        let send = |f: Vec<(String, String)>, who| {
            let (app, to) = (app.clone(), to.clone());
            async move {
                let pairs: Vec<(&str, &str)> =
                    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                post_form(&app, &to, &pairs, who).await
            }
        };
        let missing = send(form("2083-05-02", "1", Some("legal")), &worker).await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            missing.body.contains("Legal and documents"),
            "the form is drawn again"
        );
        assert!(
            missing.body.contains("score_legal"),
            "the refusal names the field"
        );
        let first = send(form("2083-05-02", "1", None), &worker).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
        let second = send(form("2083-07-02", "3", None), &worker).await;
        assert_eq!(second.status, StatusCode::SEE_OTHER);
        assert_eq!(
            send(form("2083-07-03", "4", None), &other).await.status,
            StatusCode::NOT_FOUND,
            "another organisation's caseworker"
        );
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert_eq!(
            page.matches(r#"class="domain-chart""#).count(),
            8,
            "a chart per domain"
        );
        assert!(
            page.contains(r#"aria-label="Safety: now 3 stable""#),
            "{page}"
        );
        assert!(page.contains("Note-1-Kq2") && page.contains("Note-3-Kq2"));
        // Two points per line: from crisis (y 68) to stable (y 32).
        assert!(page.contains(r#"points="24.0,68.0 190.0,32.0""#), "{page}");
        let ne = get_as(&app, &path, "ne", &worker).await.body;
        assert!(ne.contains("सुरक्षा") && ne.contains("३ स्थिर"));
    })
    .await;
}

/// A caseworker plans with a survivor: a goal, a task due by a day and someone responsible, the
/// task done, a goal achieved, a review with its next date; an overdue task is marked.
#[tokio::test]
async fn a_support_plan_is_written_worked_and_reviewed_on_the_case_page() {
    each_app(|app, store| async move {
        let ngo = self::ngo(&store, "Planning NGO").await;
        let worker = self::caseworker(&store, "pl.worker", ngo).await;
        let path = open_case(
            &app,
            &worker,
            &[("given_name", "Planned"), ("opened_on", "2083-05-01")],
        )
        .await;
        let bad = post_form(
            &app,
            &format!("{path}/goals"),
            &[("domain", ""), ("goal", "Goal-Keep-Typed")],
            &worker,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ok = post_form(
            &app,
            &format!("{path}/goals"),
            &[("domain", "livelihood"), ("goal", "Goal-Tailoring-Shop")],
            &worker,
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let id = path.trim_start_matches("/cases/");
        let plan = store
            .case_plan(id, setu_store::sealing::Reveal::No)
            .await
            .unwrap();
        let goal = plan.goals[0].id.clone();
        for (task, due) in [
            ("Task-Late-Kx", "2080-01-01"),
            ("Task-Training-Kx", "2090-01-01"),
        ] {
            let added = post_form(
                &app,
                &format!("{path}/tasks"),
                &[
                    ("goal", goal.as_str()),
                    ("task", task),
                    ("due_on", due),
                    ("responsible", "Skills centre"),
                ],
                &worker,
            )
            .await;
            assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        }
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(page.contains("Goal-Tailoring-Shop") && page.contains("Livelihood and income"));
        assert_eq!(
            page.matches("overdue</span>").count(),
            1,
            "only the late task"
        );
        let late = store
            .case_plan(id, setu_store::sealing::Reveal::No)
            .await
            .unwrap()
            .goals[0]
            .tasks[0]
            .id
            .clone();
        let done = post_form(
            &app,
            &format!("{path}/tasks/done"),
            &[("task", late.as_str())],
            &worker,
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let again = post_form(
            &app,
            &format!("{path}/tasks/done"),
            &[("task", late.as_str())],
            &worker,
        )
        .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "done once");
        let review = post_form(
            &app,
            &format!("{path}/reviews"),
            &[
                ("reviewed_on", "2083-07-01"),
                ("next_review_on", "2083-06-01"),
                ("note", "Review-Kept-Typed"),
            ],
            &worker,
        )
        .await;
        assert_eq!(
            review.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "next review before this one"
        );
        let review = post_form(
            &app,
            &format!("{path}/reviews"),
            &[
                ("reviewed_on", "2083-07-01"),
                ("next_review_on", "2083-07-15"),
                ("note", "Review-Note-Kx"),
            ],
            &worker,
        )
        .await;
        assert_eq!(review.status, StatusCode::SEE_OTHER);
        let achieved = post_form(
            &app,
            &format!("{path}/goals/settle"),
            &[("goal", goal.as_str()), ("outcome", "achieved")],
            &worker,
        )
        .await;
        assert_eq!(achieved.status, StatusCode::SEE_OTHER);
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(page.contains("achieved") && page.contains("Review-Note-Kx"));
        assert!(
            page.contains("review was due on"),
            "its next review has passed"
        );
        assert_eq!(
            page.matches("overdue</span>").count(),
            0,
            "the late task is done"
        );
        let ne = get_as(&app, &path, "ne", &worker).await.body;
        assert!(ne.contains("सहयोग योजना") && ne.contains("जीविका र आम्दानी"));
    })
    .await;
}

/// She goes home: her follow-ups are scheduled, the ones past their day show on the case and
/// in the caseworker's work list, and one is recorded with what was found.
#[tokio::test]
async fn follow_ups_after_her_return_are_scheduled_shown_due_and_recorded() {
    each_app(|app, store| async move {
        let ngo = self::ngo(&store, "Follow NGO").await;
        let worker = self::caseworker(&store, "fu.worker", ngo).await;
        let path = open_case(
            &app,
            &worker,
            &[("given_name", "Followed"), ("opened_on", "2082-01-01")],
        )
        .await;
        let before = get_as(&app, &path, "en", &worker).await.body;
        assert!(before.contains("Not home yet"));
        let future = post_form(
            &app,
            &format!("{path}/home"),
            &[("on", "2099-01-01")],
            &worker,
        )
        .await;
        assert_eq!(
            future.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a day to come"
        );
        let home = post_form(
            &app,
            &format!("{path}/home"),
            &[("on", "2083-01-15")],
            &worker,
        )
        .await;
        assert_eq!(home.status, StatusCode::SEE_OTHER, "{}", home.body);
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(page.contains("She went home on"));
        assert_eq!(
            page.matches(r#"<tr class="overdue">"#).count(),
            3,
            "1, 3 and 6 months have passed"
        );
        let work = get_as(&app, "/", "en", &worker).await.body;
        assert!(work.contains("follow-ups due"), "{work}");

        let id = path.trim_start_matches("/cases/");
        let first = store
            .case_followups(id, setu_store::sealing::Reveal::No)
            .await
            .unwrap()[0]
            .id
            .clone();
        let nothing = post_form(
            &app,
            &format!("{path}/followups"),
            &[
                ("followup", first.as_str()),
                ("done_on", "2083-02-16"),
                ("contact", "visit"),
            ],
            &worker,
        )
        .await;
        assert_eq!(
            nothing.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "something is found"
        );
        let recorded = post_form(
            &app,
            &format!("{path}/followups"),
            &[
                ("followup", first.as_str()),
                ("done_on", "2083-02-16"),
                ("contact", "visit"),
                ("found_with_family", "on"),
                ("found_has_income", "on"),
                ("note", "Followup-Web-Note"),
            ],
            &worker,
        )
        .await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(page.contains("living with her family, earning an income"));
        assert!(page.contains("Followup-Web-Note") && page.contains("Home visit"));
        assert_eq!(page.matches(r#"<tr class="overdue">"#).count(), 2);
        let ne = get_as(&app, &path, "ne", &worker).await.body;
        assert!(ne.contains("परिवारसँग बस्दै"));
    })
    .await;
}

/// Services on the case page: a training with its hours, seed funding granted and a tranche
/// paid from the LCCHT's budget line, which then shows it spent on the committee's plan.
#[tokio::test]
async fn services_and_seed_funding_are_recorded_and_the_budget_line_shows_it_spent() {
    each_app(|app, store| async move {
        let sys = setu_store::audit::Actor::system("test");
        let ngo = self::ngo(&store, "Service NGO").await;
        let today = setu_core::calendar::today_in_nepal();
        let fy = setu_core::FiscalYear::containing(today).unwrap();
        let lccht = store
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
        let line = store
            .add_budget_line(
                &sys,
                lccht,
                fy,
                &setu_core::committees::BudgetDraft {
                    source: setu_core::committees::FundingSource::Own,
                    purpose: "Reintegration-Line-Kx".into(),
                    allocated: 50_000,
                    spent: 0,
                },
            )
            .await
            .unwrap();
        let worker = self::caseworker(&store, "sv.worker", ngo).await;
        let path = open_case(
            &app,
            &worker,
            &[
                ("given_name", "Served"),
                ("home", "5110604"),
                ("opened_on", "2083-05-01"),
            ],
        )
        .await;
        let ngo_s = ngo.to_string();
        let training = [
            ("kind", "skills-training"),
            ("provider", ngo_s.as_str()),
            ("started_on", "2083-05-10"),
            ("ended_on", "2083-06-20"),
            ("detail", "Tailoring-Course-Kx"),
            ("outcome", "completed"),
        ];
        let no_hours = post_form(&app, &format!("{path}/services"), &training, &worker).await;
        assert_eq!(
            no_hours.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "training needs its hours"
        );
        let mut with_hours = training.to_vec();
        with_hours.push(("hours", "120"));
        let ok = post_form(&app, &format!("{path}/services"), &with_hours, &worker).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let grant = post_form(
            &app,
            &format!("{path}/services"),
            &[
                ("kind", "seed-funding"),
                ("provider", ngo_s.as_str()),
                ("started_on", "2083-07-01"),
                ("detail", "Sewing machine"),
                ("amount", "30,000"),
            ],
            &worker,
        )
        .await;
        assert_eq!(grant.status, StatusCode::SEE_OTHER, "{}", grant.body);
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(page.contains("Tailoring-Course-Kx") && page.contains("120 hours"));
        assert!(
            page.contains("Reintegration-Line-Kx"),
            "the LCCHT's line is offered"
        );
        let id = path.trim_start_matches("/cases/");
        let seed = store
            .case_services(id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.kind == setu_core::cases::ServiceKind::SeedFunding)
            .unwrap()
            .id;
        let too_much = post_form(
            &app,
            &format!("{path}/tranches"),
            &[
                ("service", seed.as_str()),
                ("budget_line", line.as_str()),
                ("paid_on", "2083-07-02"),
                ("amount", "40000"),
                ("receipt", "R-9"),
            ],
            &worker,
        )
        .await;
        assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            too_much.body.contains("left of her seed funding"),
            "{}",
            too_much.body
        );
        let paid = post_form(
            &app,
            &format!("{path}/tranches"),
            &[
                ("service", seed.as_str()),
                ("budget_line", line.as_str()),
                ("paid_on", "2083-07-02"),
                ("amount", "१०,०००"),
                ("receipt", "R-9"),
            ],
            &worker,
        )
        .await;
        assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(page.contains("Rs 30,000 granted, Rs 10,000 paid"), "{page}");
        assert!(page.contains("receipt R-9"));
        let spent = store.plan(lccht, fy).await.unwrap().lines[0].spent;
        assert_eq!(spent, 10_000, "the committee's line shows it spent");
        let ne = get_as(&app, &path, "ne", &worker).await.body;
        assert!(ne.contains("सीप तालिम") && ne.contains("रु"));
    })
    .await;
}

/// A referral to another organisation: refused without consent unless the glass is broken
/// with a reason; the receiver reads only the referral's part (never the case), accepts and
/// delivers; the sender sees how long the answer took and closes it; once her consent is
/// withdrawn the receiver no longer sees her name, and the sender's list says so.
#[tokio::test]
async fn a_referral_shares_only_its_part_and_only_while_she_consents() {
    each_app(|app, store| async move {
        let sys = setu_store::audit::Actor::system("test");
        let org = |name: &str| setu_core::directory::DirectoryForm {
            name_en: name.into(),
            kind: "ngo".into(),
            place: "51106".into(),
            ..Default::default()
        };
        let ngo = store
            .create_organisation(&sys, &org("Referring NGO").to_org().unwrap())
            .await
            .unwrap();
        let clinic = store
            .create_organisation(&sys, &org("Receiving Clinic").to_org().unwrap())
            .await
            .unwrap();
        let lawyers = store
            .create_organisation(&sys, &org("Legal Aid Desk").to_org().unwrap())
            .await
            .unwrap();
        let sender = self::caseworker(&store, "rf.sender", ngo).await;
        let receiver = self::caseworker(&store, "rf.clinic", clinic).await;
        let path = open_case(
            &app,
            &sender,
            &[
                ("given_name", "Referral-Name-Zq"),
                ("birth_year", "1999"),
                ("opened_on", "2083-05-01"),
            ],
        )
        .await;
        let (clinic_s, lawyers_s) = (clinic.to_string(), lawyers.to_string());
        let unconsented = post_form(
            &app,
            &format!("{path}/referrals"),
            &[
                ("to_org", clinic_s.as_str()),
                ("service", "medical"),
                ("note", "Kept-Note-Zq"),
            ],
            &sender,
        )
        .await;
        assert_eq!(unconsented.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            unconsented.body.contains("has not consented to sharing"),
            "{}",
            unconsented.body
        );
        let glass = post_form(
            &app,
            &format!("{path}/referrals"),
            &[
                ("to_org", lawyers_s.as_str()),
                ("service", "legal-aid"),
                (
                    "glass",
                    "Hearing tomorrow morning; she cannot be reached to consent",
                ),
            ],
            &sender,
        )
        .await;
        assert_eq!(glass.status, StatusCode::SEE_OTHER, "{}", glass.body);
        post_form(
            &app,
            &format!("{path}/consents"),
            &[
                ("kind", "sharing"),
                ("with_org", clinic_s.as_str()),
                ("given_on", "2083-05-02"),
                ("taken_by", "Sender"),
            ],
            &sender,
        )
        .await;
        let sent = post_form(
            &app,
            &format!("{path}/referrals"),
            &[
                ("to_org", clinic_s.as_str()),
                ("service", "medical"),
                ("note", "Referral-Note-Zq"),
            ],
            &sender,
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let page = get_as(&app, &path, "en", &sender).await.body;
        assert!(page.contains("sent without consent"), "the glass is marked");
        // Sharing without her consent is reviewed as any other break-the-glass.
        let reviewer = sign_in(&store, "ref.review", Role::DistrictCoordinator, "511").await;
        let review = get_as(&app, "/glass", "en", &reviewer).await.body;
        assert!(
            review.contains("Hearing tomorrow morning")
                && review.contains("referral of a survivor"),
            "{review}"
        );

        // The receiver: its list, the referral's part, never the case.
        let list = get_as(&app, "/cases", "en", &receiver).await.body;
        assert!(list.contains("Referred to your organisation"));
        let home = get_as(&app, "/", "en", &receiver).await.body;
        assert!(
            home.contains("referrals waiting for your answer"),
            "in the receiver's work list"
        );
        let id = store
            .case_referrals_to(clinic)
            .await
            .unwrap()
            .first()
            .unwrap()
            .id
            .clone();
        let part = get_as(&app, &format!("/case-referrals/{id}"), "en", &receiver).await;
        assert_eq!(part.status, StatusCode::OK);
        assert!(part.body.contains("Referral-Name-Zq") && part.body.contains("Referral-Note-Zq"));
        assert!(part.body.contains("Referring NGO"));
        assert_eq!(
            get_as(&app, &path, "en", &receiver).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get_as(&app, &format!("/case-referrals/{id}"), "en", &sender)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "the receiver's page"
        );
        let ok = post_form(
            &app,
            &format!("/case-referrals/{id}/answer"),
            &[("decision", "accept")],
            &receiver,
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let done = post_form(
            &app,
            &format!("/case-referrals/{id}/delivered"),
            &[("on", "2083-08-01")],
            &receiver,
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let page = get_as(&app, &path, "en", &sender).await.body;
        assert!(
            page.contains("answered after 0 hours") && page.contains("delivered"),
            "{page}"
        );
        let closed = post_form(
            &app,
            &format!("{path}/referrals/close"),
            &[("referral", id.as_str())],
            &sender,
        )
        .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER);

        // Her consent withdrawn: the receiver no longer sees her name; the sender sees why.
        let consent = store
            .case_consents(path.trim_start_matches("/cases/"))
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.with_org == Some(clinic))
            .unwrap()
            .id;
        post_form(
            &app,
            &format!("{path}/consents/withdraw"),
            &[("consent", consent.as_str())],
            &sender,
        )
        .await;
        let part = get_as(&app, &format!("/case-referrals/{id}"), "en", &receiver)
            .await
            .body;
        assert!(
            !part.contains("Referral-Name-Zq"),
            "her name is no longer shown"
        );
        assert!(part.contains("withdrew her consent"));
        let page = get_as(&app, &path, "en", &sender).await.body;
        assert!(page.contains("consent withdrawn since"));
    })
    .await;
}

/// Her experience recorded in the standard's terms, shown in words in both languages, corrected
/// only from the version read; a perpetrator only as relation and role.
#[tokio::test]
async fn her_experience_is_recorded_in_the_standards_terms() {
    each_app(|app, store| async move {
        let ngo = ngo(&store, "Experience NGO").await;
        let worker = self::caseworker(&store, "ex.worker", ngo).await;
        let path = open_case(
            &app,
            &worker,
            &[("given_name", "Told"), ("opened_on", "2083-05-01")],
        )
        .await;
        let first = post_form(
            &app,
            &format!("{path}/experience"),
            &[
                ("version", "0"),
                ("status", "ActualVictimOfTrafficking"),
                ("exploitation_ForcedLabour", "on"),
                ("control_DebtBondage", "on"),
                ("destination", "Malaysia, Kuala Lumpur"),
                ("months", "14"),
            ],
            &worker,
        )
        .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
        let stale = post_form(
            &app,
            &format!("{path}/experience"),
            &[("version", "0")],
            &worker,
        )
        .await;
        assert_eq!(
            stale.status,
            StatusCode::CONFLICT,
            "a second page read before the first save"
        );
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(page.contains("Forced labour") && page.contains("Debt bondage"));
        assert!(page.contains("Malaysia, Kuala Lumpur"));
        assert!(
            page.contains(r#"name="control_DebtBondage" value="on" checked"#),
            "the form starts from what is recorded"
        );
        let no_role = post_form(
            &app,
            &format!("{path}/perpetrators"),
            &[("relation", "Familial")],
            &worker,
        )
        .await;
        assert_eq!(no_role.status, StatusCode::UNPROCESSABLE_ENTITY);
        let added = post_form(
            &app,
            &format!("{path}/perpetrators"),
            &[("relation", "Familial"), ("role_SoldIndividual", "on")],
            &worker,
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER);
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(page.contains("Family · Sold her"), "{page}");
        let ne = get_as(&app, &path, "ne", &worker).await.body;
        assert!(ne.contains("जबरजस्ती श्रम") && ne.contains("ऋणको बन्धन"));
    })
    .await;
}

/// Her criminal case: a report without a charge is refused with its message and what was
/// typed kept; recorded, it reads in words in both languages with its FIR number for her
/// caseworker; a hearing ahead is marked; a correction from a stale page is refused.
#[tokio::test]
async fn her_criminal_case_is_recorded_with_its_hearings() {
    each_app(|app, store| async move {
        let ngo = ngo(&store, "Justice NGO").await;
        let worker = self::caseworker(&store, "ju.worker", ngo).await;
        let path = open_case(
            &app,
            &worker,
            &[("given_name", "Heard"), ("opened_on", "2083-05-01")],
        )
        .await;
        let report = [
            ("version", "0"),
            ("police_office", "District Police Office, Banke"),
            ("fir_number", "FIR-Banke-4471"),
            ("reported_on", "2083-06-01"),
        ];
        let refused = post_form(&app, &format!("{path}/justice"), &report, &worker).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("Tick at least one charge"));
        assert!(
            refused.body.contains("FIR-Banke-4471"),
            "what was typed comes back"
        );
        let hearing = [("held_on", "2084-01-10"), ("purpose", "testimony")];
        let early = post_form(&app, &format!("{path}/hearings"), &hearing, &worker).await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut charged = report.to_vec();
        charged.extend([("charge_4-1-a", "on"), ("charge_4-2-b", "on")]);
        let saved = post_form(&app, &format!("{path}/justice"), &charged, &worker).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let stale = post_form(&app, &format!("{path}/justice"), &charged, &worker).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        let mut with_support = hearing.to_vec();
        with_support.extend([("support_closed-hearing", "on"), ("support_escort", "on")]);
        let added = post_form(&app, &format!("{path}/hearings"), &with_support, &worker).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(page.contains("s. 4(1)(a): selling or buying a person"));
        assert!(page.contains("FIR-Banke-4471"));
        assert!(page.contains("Escorted to court and back, Closed hearing"));
        assert!(page.contains(">Ahead<"), "a hearing not yet held");
        let ne = get_as(&app, &path, "ne", &worker).await.body;
        assert!(ne.contains("दफा ४(२)(ख)") && ne.contains("बन्द इजलास"));
        let home = get_as(&app, "/", "en", &worker).await.body;
        assert!(
            home.contains(r#"<span class="n">0</span> hearings in the next two weeks"#),
            "months ahead"
        );
        let soon = setu_core::BsDate::from_ad(
            setu_core::calendar::today_in_nepal() + time::Duration::days(5),
        )
        .unwrap()
        .to_string();
        let soon = post_form(
            &app,
            &format!("{path}/hearings"),
            &[("held_on", &soon), ("purpose", "testimony")],
            &worker,
        )
        .await;
        assert_eq!(soon.status, StatusCode::SEE_OTHER);
        let home = get_as(&app, "/", "en", &worker).await.body;
        assert!(
            home.contains(r#"<span class="n">1</span> hearings in the next two weeks"#),
            "in the work list"
        );
    })
    .await;
}

/// The survivor figures among the indicators: the organisation's supervisor sees its own
/// counts as they are; a district coordinator sees a count of one as "fewer than 3" and no
/// total beside it, on the page, in the CSV and in the API.
#[tokio::test]
async fn survivor_figures_hide_small_counts_from_those_who_may_not_read_cases() {
    each_app(|app, store| async move {
        let ngo = ngo(&store, "Figures NGO").await;
        let worker = self::caseworker(&store, "fig.worker", ngo).await;
        let ngo_s = ngo.to_string();
        for (sex, n) in [("female", 4), ("male", 1)] {
            for _ in 0..n {
                let path = open_case(
                    &app,
                    &worker,
                    &[
                        ("given_name", "Counted"),
                        ("sex", sex),
                        ("birth_year", "1995"),
                        ("home", "5110604"),
                        ("opened_on", "2083-05-01"),
                    ],
                )
                .await;
                let given = post_form(
                    &app,
                    &format!("{path}/services"),
                    &[
                        ("kind", "medical"),
                        ("provider", ngo_s.as_str()),
                        ("started_on", "2083-07-01"),
                    ],
                    &worker,
                )
                .await;
                assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.body);
            }
        }
        let fy = setu_core::FiscalYear::containing(setu_core::calendar::today_in_nepal())
            .unwrap()
            .to_string();
        let district = sign_in(&store, "fig.district", Role::DistrictCoordinator, "511").await;
        let page = get_as(&app, &format!("/indicators?fy={fy}"), "en", &district).await;
        assert_eq!(page.status, StatusCode::OK);
        let row = |body: &str, label: &str| {
            let at = body
                .find(&format!("<th scope=\"row\">{label}</th>"))
                .unwrap_or_else(|| panic!("{label} in {body}"));
            let cell = &body[at..];
            let start = cell.find("<td class=\"num\">").unwrap() + 16;
            cell[start..start + cell[start..].find("</td>").unwrap()].to_string()
        };
        assert_eq!(row(&page.body, "Male · 25 and over"), "fewer than 3");
        assert_eq!(row(&page.body, "Survivors given a service"), "not shown");
        assert_eq!(row(&page.body, "Female · 25 and over"), "4");
        assert_eq!(row(&page.body, "Medical care"), "5");
        let head = sign_in(
            &store,
            "fig.head",
            Role::NgoSupervisor,
            &format!("org:{ngo}"),
        )
        .await;
        let own = get_as(&app, &format!("/indicators?fy={fy}"), "en", &head).await;
        assert_eq!(row(&own.body, "Male · 25 and over"), "1");
        assert_eq!(row(&own.body, "Survivors given a service"), "5");
        let csv = get_as(&app, &format!("/indicators.csv?fy={fy}"), "en", &district).await;
        assert!(
            csv.body.contains("\nsurvivors_supported,hidden\n"),
            "{}",
            csv.body
        );
        assert!(csv.body.contains("\nsurvivors_supported_male_25-plus,<3\n"));
        let api = get_as(
            &app,
            &format!("/api/v1/indicators?fy={fy}"),
            "en",
            &district,
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        let male = v["survivors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["indicator"] == "survivors_supported_male_25-plus")
            .unwrap();
        assert_eq!(
            (&male["value"], &male["disclosure"]),
            (&serde_json::Value::Null, &serde_json::json!("fewer-than-3"))
        );
        let ne = get_as(&app, &format!("/indicators?fy={fy}"), "ne", &district).await;
        assert!(ne.body.contains("३ भन्दा कम"));
    })
    .await;
}

/// The printable summary: for a court it has her experience and criminal case; for an
/// organisation only one her sharing consent stands for (another is refused), without them;
/// in Nepali for a Nepali reader; printing it is audited.
#[tokio::test]
async fn the_case_summary_prints_only_what_its_reader_may_see() {
    each_app(|app, store| async move {
        let ngo = ngo(&store, "Summary NGO").await;
        let shelter = self::ngo(&store, "Summary Shelter").await;
        let stranger = self::ngo(&store, "Summary Stranger").await;
        let worker = self::caseworker(&store, "sum.worker", ngo).await;
        let path = open_case(
            &app,
            &worker,
            &[("given_name", "Printed-Nm"), ("opened_on", "2083-05-01")],
        )
        .await;
        let report = [
            ("version", "0"),
            ("police_office", "District Police Office, Banke"),
            ("fir_number", "FIR-Sum-77"),
            ("reported_on", "2083-06-01"),
            ("charge_4-1-a", "on"),
        ];
        let saved = post_form(&app, &format!("{path}/justice"), &report, &worker).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let court = get_as(&app, &format!("{path}/summary"), "en", &worker).await;
        assert_eq!(court.status, StatusCode::OK);
        assert!(court.body.contains("Printed-Nm") && court.body.contains("FIR-Sum-77"));
        assert!(court.body.contains("Prepared for the court."));
        assert!(court.body.contains("Confidential"));
        let to = |org: i64| format!("{path}/summary?for=organisation&to={org}");
        let refused = get_as(&app, &to(shelter), "en", &worker).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "no consent yet");
        let shelter_s = shelter.to_string();
        let consent = post_form(
            &app,
            &format!("{path}/consents"),
            &[
                ("kind", "sharing"),
                ("with_org", &shelter_s),
                ("given_on", "2083-07-02"),
                ("taken_by", "Caseworker"),
            ],
            &worker,
        )
        .await;
        assert_eq!(consent.status, StatusCode::SEE_OTHER, "{}", consent.body);
        let theirs = get_as(&app, &to(shelter), "en", &worker).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert!(theirs.body.contains("Prepared for Summary Shelter"));
        assert!(
            !theirs.body.contains("FIR-Sum-77") && !theirs.body.contains("Criminal case"),
            "her criminal case is for a court"
        );
        let forged = get_as(&app, &to(stranger), "en", &worker).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let ne = get_as(&app, &format!("{path}/summary"), "ne", &worker).await;
        assert!(ne.body.contains("अदालतका लागि तयार पारिएको"));
        let printed = store
            .audit_entries(&setu_store::audit::AuditFilter {
                action: Some("print".into()),
                actor: Some("sum.worker".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(printed.len(), 3, "each summary printed is audited");
        let other = self::caseworker(&store, "sum.other", stranger).await;
        let outside = get_as(&app, &format!("{path}/summary"), "en", &other).await;
        assert!(
            matches!(outside.status.as_u16(), 403 | 404),
            "{}",
            outside.status
        );
    })
    .await;
}

/// Follow-up visits offline: the list of visits due carries a form per follow-up that the
/// phone queues; sent through the community sync twice, the visit is recorded once; another
/// organisation's caseworker cannot record it.
#[tokio::test]
async fn a_follow_up_visit_recorded_offline_is_stored_once() {
    each_app(|app, store| async move {
        const SYNC: &str = "/api/v1/community/sync";
        let ngo = ngo(&store, "Visits NGO").await;
        let worker = self::caseworker(&store, "visit.worker", ngo).await;
        let path = open_case(
            &app,
            &worker,
            &[("given_name", "Visited-Nm"), ("opened_on", "2082-10-01")],
        )
        .await;
        let empty = get_as(&app, "/cases/followups", "en", &worker).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.body.contains("No follow-up is due"));
        let home = setu_core::BsDate::from_ad(
            setu_core::calendar::today_in_nepal() - time::Duration::days(200),
        )
        .unwrap()
        .to_string();
        let marked = post_form(&app, &format!("{path}/home"), &[("on", &home)], &worker).await;
        assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.body);
        let list = get_as(&app, "/cases/followups", "en", &worker).await.body;
        assert!(list.contains("Visited-Nm") && list.contains("data-offline"));
        assert_eq!(
            list.matches(r#"data-kind="case-followup""#).count(),
            3,
            "1, 3 and 6 months are due"
        );
        let case_id = path.rsplit('/').next().unwrap().to_string();
        let first = store
            .followups_to_make(ngo, setu_core::calendar::today_in_nepal())
            .await
            .unwrap()[0]
            .0
            .clone();
        let visit = |id: &str| {
            serde_json::json!({ "kind": "case-followup", "id": id, "base_version": 0, "data": {
                "followup": first, "done_on": "2083-08-01", "contact": "visit",
                "found_with_family": "on", "note": "Offline-Visit-Note" } })
        };
        let phone = "7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b7";
        let (status, answers) = sync_to(&app, SYNC, &worker, &[visit(phone)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answers[0].1, "created");
        let (_, again) = sync_to(&app, SYNC, &worker, &[visit(phone)]).await;
        assert_eq!(again[0].1, "unchanged", "a resend changes nothing");
        let done = store
            .case_followups(&case_id, setu_store::sealing::Reveal::No)
            .await
            .unwrap()
            .iter()
            .filter(|f| f.done_on.is_some())
            .count();
        assert_eq!(done, 1);
        let stranger = self::ngo(&store, "Visits Stranger").await;
        let other = self::caseworker(&store, "visit.other", stranger).await;
        let (_, theirs) = sync_to(
            &app,
            SYNC,
            &other,
            &[visit("7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b8")],
        )
        .await;
        assert_eq!(theirs[0].1, "invalid", "another organisation's follow-up");
        let list = get_as(&app, "/cases/followups", "en", &worker).await.body;
        assert_eq!(list.matches(r#"data-kind="case-followup""#).count(), 2);
    })
    .await;
}

/// A photo added to her case: kept without the phone's location and camera, upright, with a
/// thumbnail; a wrong file refused with its reason; a form without its token refused; the
/// file opened only by her organisation, each opening audited.
#[tokio::test]
async fn a_photo_on_her_case_loses_its_location_and_only_her_organisation_opens_it() {
    each_app(|app, store| async move {
        let ngo = ngo(&store, "Photo NGO").await;
        let worker = self::caseworker(&store, "photo.worker", ngo).await;
        let path = open_case(
            &app,
            &worker,
            &[("given_name", "Pictured"), ("opened_on", "2083-05-01")],
        )
        .await;
        let photo = setu_media::fixtures::phone_photo(40, 20, 6);
        assert!(String::from_utf8_lossy(&photo).contains("PhoneX"));
        let url = format!("{path}/attachments");
        let wrong = post_file(
            &app,
            &url,
            &[("kind", "photo")],
            Some(("virus.exe", b"MZ\x90\0 not a photo")),
            &worker,
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong
            .body
            .contains("Only photos (JPEG or PNG) and PDF documents"));
        let huge = vec![0xFFu8; setu_media::MAX_BYTES + 1];
        let too_big = post_file(
            &app,
            &url,
            &[("kind", "photo")],
            Some(("big.jpg", &huge)),
            &worker,
        )
        .await;
        assert_eq!(too_big.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            too_big.body.contains("larger than 10 MB"),
            "the limit is said"
        );
        let none = post_file(&app, &url, &[("kind", "photo")], None, &worker).await;
        assert!(none.body.contains("Choose a file to add"));
        let forged = Client {
            cookie: worker.cookie.clone(),
            csrf: "not-the-token".into(),
        };
        let refused = post_file(
            &app,
            &url,
            &[("kind", "photo")],
            Some(("p.jpg", &photo)),
            &forged,
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "the token is checked in a file form"
        );
        let added = post_file(
            &app,
            &url,
            &[("kind", "photo"), ("label", "At the shelter")],
            Some(("p.jpg", &photo)),
            &worker,
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let page = get_as(&app, &path, "en", &worker).await.body;
        let href = page
            .split("href=\"")
            .filter_map(|s| s.split('"').next())
            .find(|h| h.contains("/attachments/") && !h.contains("size=thumb"))
            .unwrap()
            .to_string();
        assert!(page.contains("At the shelter") && page.contains(&format!("{href}?size=thumb")));
        let served = get_as(&app, &href, "en", &worker).await;
        assert_eq!(served.status, StatusCode::OK);
        assert_eq!(served.headers[header::CONTENT_TYPE], "image/jpeg");
        assert_eq!(
            served.headers[header::CACHE_CONTROL],
            "no-store",
            "never kept by a browser"
        );
        assert!(
            !served.body.contains("Exif") && !served.body.contains("PhoneX"),
            "no location, no camera"
        );
        let thumb = get_as(&app, &format!("{href}?size=thumb"), "en", &worker).await;
        assert_eq!(thumb.status, StatusCode::OK);
        let stranger = self::ngo(&store, "Photo Stranger").await;
        let other = self::caseworker(&store, "photo.other", stranger).await;
        let theirs = get_as(&app, &href, "en", &other).await;
        assert!(
            matches!(theirs.status.as_u16(), 403 | 404),
            "{}",
            theirs.status
        );
        let opened = store
            .audit_entries(&setu_store::audit::AuditFilter {
                action: Some("view-personal".into()),
                actor: Some("photo.worker".into()),
                entity: Some("attachment".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            opened.len() >= 2,
            "the photo and its thumbnail, each audited"
        );
    })
    .await;
}

/// The NGO's own budget for survivors: its supervisor adds a line (a wrong amount refused with
/// its message), the caseworker pays a tranche of seed funding from it, and the line shows it
/// paid.
#[tokio::test]
async fn seed_funding_is_paid_from_the_organisations_own_budget() {
    each_app(|app, store| async move {
        let ngo = ngo(&store, "Budget NGO").await;
        let head = sign_in(
            &store,
            "budget.head",
            Role::NgoSupervisor,
            &format!("org:{ngo}"),
        )
        .await;
        let worker = self::caseworker(&store, "budget.worker", ngo).await;
        let bad = post_form(
            &app,
            "/cases/budget",
            &[("purpose", "Seed grants"), ("allocated", "-5")],
            &head,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let refused = post_form(
            &app,
            "/cases/budget",
            &[("purpose", "Seed grants"), ("allocated", "50000")],
            &worker,
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "a caseworker does not set the budget"
        );
        let added = post_form(
            &app,
            "/cases/budget",
            &[("purpose", "Seed grants"), ("allocated", "50,000")],
            &head,
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let path = open_case(
            &app,
            &worker,
            &[
                ("given_name", "Granted"),
                ("home", "5110604"),
                ("opened_on", "2083-05-01"),
            ],
        )
        .await;
        let ngo_s = ngo.to_string();
        let grant = post_form(
            &app,
            &format!("{path}/services"),
            &[
                ("kind", "seed-funding"),
                ("provider", ngo_s.as_str()),
                ("started_on", "2083-07-01"),
                ("detail", "Tea shop"),
                ("amount", "40000"),
            ],
            &worker,
        )
        .await;
        assert_eq!(grant.status, StatusCode::SEE_OTHER, "{}", grant.body);
        let case_id = path.rsplit('/').next().unwrap().to_string();
        let service = store.case_services(&case_id).await.unwrap()[0].id.clone();
        let page = get_as(&app, &path, "en", &worker).await.body;
        assert!(
            page.contains("Budget NGO (own budget)"),
            "offered among the lines"
        );
        let fy = setu_core::FiscalYear::containing(setu_core::calendar::today_in_nepal()).unwrap();
        let line = store.org_budget_lines(ngo, fy).await.unwrap()[0].id.clone();
        let paid_on = setu_core::BsDate::from_ad(setu_core::calendar::today_in_nepal())
            .unwrap()
            .to_string();
        let paid = post_form(
            &app,
            &format!("{path}/tranches"),
            &[
                ("service", service.as_str()),
                ("paid_on", paid_on.as_str()),
                ("amount", "20000"),
                ("receipt", "NGO-001"),
                ("budget_line", line.as_str()),
            ],
            &worker,
        )
        .await;
        assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
        let list = get_as(&app, "/cases", "en", &head).await.body;
        assert!(
            list.contains("Seed grants") && list.contains("Rs 20,000"),
            "{list}"
        );
        assert!(list.contains("Rs 30,000"), "left on the line");
    })
    .await;
}

#[tokio::test]
async fn the_htcds_export_names_nobody_and_every_row_is_like_ten_others() {
    each_app(|app, store| async move {
        let ngo = ngo(&store, "Export NGO").await;
        let worker = self::caseworker(&store, "htcds.worker", ngo).await;
        let other =
            self::caseworker(&store, "htcds.other", self::ngo(&store, "Other NGO").await).await;
        let cases = (0..12)
            .map(|i| (format!("Sita{i}"), "female", "2004", "India, Mumbai"))
            .chain([
                ("Sunita".to_string(), "female", "2004", "Kamathipura"),
                ("Ram".to_string(), "male", "1970", "Qatar, Doha"),
            ]);
        for (name, sex, born, destination) in cases {
            let path = open_case(
                &app,
                &worker,
                &[
                    ("given_name", &name),
                    ("sex", sex),
                    ("birth_year", born),
                    ("opened_on", "2083-05-01"),
                ],
            )
            .await;
            let r = post_form(
                &app,
                &format!("{path}/experience"),
                &[
                    ("version", "0"),
                    ("status", "ActualVictimOfTrafficking"),
                    ("exploitation_SexualExploitation", "on"),
                    ("recruitment_ThroughFriendsOrSocialEvents", "on"),
                    ("control_DebtBondage", "on"),
                    ("control_WithholdsDocuments", "on"),
                    ("destination", destination),
                ],
                &worker,
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let csv = get_as(&app, "/cases/htcds.csv", "en", &worker).await;
        assert_eq!(csv.status, StatusCode::OK);
        let mut lines = csv.body.lines();
        assert_eq!(
            lines.next(),
            Some(setu_web::pages::cases::htcds::COLUMNS.join(",").as_str())
        );
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        // The twelve alike are shared whole; Sunita's and Ram's rows stand out whatever they
        // lose, so they are left out.
        assert_eq!(rows.len(), 12, "{}", csv.body);
        for row in &rows {
            assert_eq!(
                &row[..6],
                ["IN", "21--23", "Feminine", "2026", "NP", "Active"]
            );
            assert_eq!(row[7], "ActualVictimOfTrafficking");
            assert_eq!(row[8], "SexualExploitation");
            assert_eq!(row[10], "DebtBondage WithholdsDocuments");
        }
        for secret in ["Sita", "Sunita", "Mumbai", "Kamathipura", "Doha", "2004"] {
            assert!(!csv.body.contains(secret), "{secret} in the export");
        }
        // Another organisation's caseworker exports none of these.
        let theirs = get_as(&app, "/cases/htcds.csv", "en", &other).await.body;
        assert_eq!(theirs.lines().count(), 1);
    })
    .await;
}
