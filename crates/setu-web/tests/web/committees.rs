//! Committees: meetings, plans and budgets, members, decisions, corrections and withdrawal.

use crate::support::*;

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
        assert_eq!(
            committees[0].facts.budget_allocated, 50_000,
            "the committee's status counts the line once"
        );

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
