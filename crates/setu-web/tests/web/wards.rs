//! Ward risk (issue 17): the ward profile imported from a sheet (every bad row named, nothing
//! half-way, the same file twice changes nothing), the wards ranked with small counts withheld
//! from readers who may not see the records, the highest-risk wards with nothing planned.

use crate::support::*;

/// The profile of Nepalganj's 23 wards as a CSV sheet.
fn profile_csv() -> String {
    let mut csv = String::from("Ward No,Population,Households\n");
    for w in 1..=23 {
        let population = if w == 5 { 3_000 } else { 4_000 };
        csv.push_str(&format!("{w},{population},{}\n", population / 5));
    }
    csv
}

/// The part of a page between two markers.
fn between<'a>(body: &'a str, from: &str, to: &str) -> &'a str {
    let start = body.find(from).unwrap_or(0);
    let end = body[start..].find(to).map_or(body.len(), |e| start + e);
    &body[start..end]
}

#[tokio::test]
async fn wards_are_ranked_from_an_imported_profile_and_small_counts_stay_hidden() {
    each_app(|app, store| async move {
        let secretary = sign_in(&store, "ms.wards", Role::LcchtMemberSecretary, "51106").await;
        let member = sign_in(&store, "member.wards", Role::LcchtMember, "51106").await;
        let national = sign_in(&store, "nc.wards", Role::NationalCoordinator, "NP").await;
        missing_reports(&store, "5110603", 15).await;
        missing_reports(&store, "5110605", 2).await;
        missing_reports(&store, "5110607", 1).await;
        let (committee, _) =
            setu_testkit::fixtures::lccht_budget_line(&store, 51106, "Visits", 500).await;
        store
            .add_activity(
                &Actor::system("test"),
                committee,
                "2081/82".parse().unwrap(),
                &setu_store::committees::ActivityDraft {
                    title: "Door-to-door visits".into(),
                    activity_type: "awareness".into(),
                    ward: Some("5110607".parse().unwrap()),
                    planned_on: None,
                    done_on: None,
                    responsible: "ward chair".into(),
                    budget_line: None,
                },
            )
            .await
            .unwrap();
        let page = "/wards?place=51106&fy=2081/82&measure=missing";

        // Before the profile: nothing ranked, every ward named as missing its population.
        let before = get_as(&app, page, "en", &member).await;
        assert_eq!(before.status, StatusCode::OK);
        assert!(before.body.contains("No ward can be ranked yet"));
        assert!(before.body.contains("Wards without a population"));
        assert!(before.body.contains("Ward 23"), "{}", before.body);

        // A sheet with mistakes: every one named by line and column, nothing imported.
        let bad = "ward,population,households\n1,4000,900\n24,100,\n1,x,5000\n";
        let form = [
            ("place", "51106"),
            ("source", "Ward profile 2081"),
            ("fy", "2081/82"),
            ("measure", "missing"),
        ];
        let r = post_file(
            &app,
            "/wards/profile",
            &form,
            Some(("p.csv", bad.as_bytes())),
            &member,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("Nothing was imported"));
        assert!(
            r.body
                .contains("Line 3, column “ward”: Not a ward of this municipality."),
            "{}",
            r.body
        );
        assert!(r
            .body
            .contains("Line 4, column “ward”: This ward is already in an earlier row."));
        assert!(r
            .body
            .contains("Line 4, column “population”: Give the population"));
        assert!(
            r.body.contains(r#"value="Ward profile 2081""#),
            "what was typed stays"
        );
        let fy: setu_core::FiscalYear = "2081/82".parse().unwrap();
        let ll = setu_core::access::Scope::Place("51106".parse().unwrap());
        let counts = store
            .ward_counts(ll, fy.first_day(), fy.last_day(), fy)
            .await
            .unwrap();
        assert!(
            counts.iter().all(|w| w.population.is_none()),
            "nothing half-way"
        );
        // An overlong source is refused on its own (a form with a file skips the input check);
        // a sheet of many wrong rows lists the first 200 and counts the rest.
        let long = "x".repeat(5_000);
        let r = post_file(
            &app,
            "/wards/profile",
            &[("place", "51106"), ("source", &long)],
            Some(("p.csv", profile_csv().as_bytes())),
            &member,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("This is too long.") && !r.body.contains(&long));
        let many: String = std::iter::once("ward,population\n".to_string())
            .chain((0..500).map(|_| "99,x\n".to_string()))
            .collect();
        let r = post_file(
            &app,
            "/wards/profile",
            &form,
            Some(("p.csv", many.as_bytes())),
            &member,
        )
        .await;
        assert!(
            r.body.contains("and 800 more"),
            "1,000 refused cells: 200 listed"
        );
        assert!(r.body.matches("Line ").count() <= 201);
        // No file, or a file that is no sheet, is told so.
        let none = post_file(&app, "/wards/profile", &form, None, &member).await;
        assert!(none.body.contains("Choose a file"), "{}", none.body);
        let junk = post_file(
            &app,
            "/wards/profile",
            &form,
            Some(("x.xlsx", b"PK\x03\x04junk")),
            &member,
        )
        .await;
        assert!(junk.body.contains("neither a CSV"), "{}", junk.body);

        // The good sheet: 23 wards added; the same sheet again changes nothing.
        let csv = profile_csv();
        let r = post_file(
            &app,
            "/wards/profile",
            &form,
            Some(("p.csv", csv.as_bytes())),
            &member,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r.headers[header::LOCATION].to_str().unwrap().to_string();
        assert!(to.contains("imported=23-0-0"), "{to}");
        let shown = get_as(&app, &to, "en", &member).await.body;
        assert!(shown.contains("23 wards added, 0 changed, 0 already as imported"));
        let again = post_file(
            &app,
            "/wards/profile",
            &form,
            Some(("p.csv", csv.as_bytes())),
            &member,
        )
        .await;
        assert!(again.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("imported=0-0-23"));
        // An XLSX in Nepali, correcting one ward.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "वडा नं").unwrap();
        sheet.write_string(0, 1, "जनसंख्या").unwrap();
        sheet.write_string(1, 0, "९").unwrap();
        sheet.write_number(1, 1, 4_200.0).unwrap();
        let xlsx = book.save_to_buffer().unwrap();
        let r = post_file(
            &app,
            "/wards/profile",
            &form,
            Some(("p.xlsx", &xlsx)),
            &member,
        )
        .await;
        assert!(
            r.headers[header::LOCATION]
                .to_str()
                .unwrap()
                .contains("imported=0-1-0"),
            "{}",
            r.body
        );

        // Ranked: ward 3 first; for a member (who may not read the register) ward 5's two
        // reports and ward 7's one are "fewer than 11", with no rate beside them.
        let ranked = get_as(&app, page, "en", &member).await.body;
        let grid = between(&ranked, r#"class="ward-grid""#, "</ol>");
        assert!(
            grid.find("<strong>Ward 3</strong>").unwrap()
                < grid.find("<strong>Ward 5</strong>").unwrap()
        );
        let row = |body: &str, ward: &str| {
            between(body, &format!(r#"<tr id="w-{ward}""#), "</tr>").to_string()
        };
        assert!(row(&ranked, "5110603").contains("<strong>15</strong>"));
        let five = row(&ranked, "5110605");
        assert!(
            five.contains("fewer than 11") && five.contains("not shown"),
            "{five}"
        );
        assert!(!five.contains("<strong>2</strong>"));
        assert!(ranked.contains("Counts of fewer than 11 people are not shown"));
        // The highest-risk wards with nothing planned: 3 and 5, not 7 (its visits are planned).
        let unplanned = between(&ranked, r#"id="unplanned-h""#, "</section>");
        assert!(
            unplanned.contains("<strong>Ward 3</strong>")
                && unplanned.contains("<strong>Ward 5</strong>"),
            "{unplanned}"
        );
        assert!(!unplanned.contains("Ward 7<"), "{unplanned}");
        // The member-secretary reads the register, and sees the counts as they are.
        let open = get_as(&app, page, "en", &secretary).await.body;
        assert!(row(&open, "5110605").contains("<strong>2</strong>"));
        // In Nepali, with Nepali digits.
        let ne = get_as(&app, page, "ne", &secretary).await.body;
        assert!(ne.contains("वडा जोखिम") && ne.contains("वडा नं. ३"), "{ne}");

        // Never another municipality's wards, nor its profile.
        let other = get_as(&app, "/wards?place=51107", "en", &member).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        let theirs = [("place", "51107"), ("source", "x")];
        let r = post_file(
            &app,
            "/wards/profile",
            &theirs,
            Some(("p.csv", csv.as_bytes())),
            &member,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("outside your scope"), "{}", r.body);
        // An organisation's reader of aggregates has no wards: told so, nothing else.
        let org = setu_core::directory::DirectoryForm {
            name_en: "Ward NGO".into(),
            kind: "ngo".into(),
            place: "51106".into(),
            ..Default::default()
        };
        let org = store
            .create_organisation(&Actor::system("test"), &org.to_org().unwrap())
            .await
            .unwrap();
        let supervisor = sign_in(
            &store,
            "sup.wards",
            Role::NgoSupervisor,
            &format!("org:{org}"),
        )
        .await;
        let none = get_as(&app, "/wards", "en", &supervisor).await;
        assert!(
            none.body.contains("Ward risk is about places"),
            "{}",
            none.body
        );
        // A national coordinator chooses a district first.
        let choose = get_as(&app, "/wards", "en", &national).await.body;
        assert!(choose.contains(r#"href="/wards?place=511&amp;"#) && choose.contains("Banke"));
        // The sheet to fill in lists every ward with its figures.
        let sheet = get_as(&app, "/wards/profile.csv?place=51106", "en", &member)
            .await
            .body;
        assert!(sheet.starts_with("ward,ward_code,population,households\n1,5110601,4000,800\n"));
        assert!(sheet.contains("9,5110609,4200,\n"), "{sheet}");
    })
    .await;
}

#[tokio::test]
async fn the_ward_survey_is_published_as_an_xlsform_and_its_submissions_imported_once() {
    each_app(|app, store| async move {
        let secretary = sign_in(&store, "ms.survey", Role::LcchtMemberSecretary, "51106").await;
        let member = sign_in(&store, "member.survey", Role::LcchtMember, "51106").await;
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
        // A girl the police rescued: the survey's Sita is proposed as her.
        let rescued = setu_core::tracing::EncounterForm {
            source: "police".into(),
            organisation: police.to_string(),
            place: "5110603".into(),
            met_on: "2025-02-01".into(),
            given_name: "Sita".into(),
            family_name: "Tamang".into(),
            sex: "female".into(),
            age: "17".into(),
            father_name: "Hari Tamang".into(),
            home: "5110603".into(),
            ..Default::default()
        };
        let today = setu_core::calendar::today_in_nepal();
        store
            .create_encounter(&sys, &rescued.check(today).unwrap())
            .await
            .unwrap();

        // The form: an XLSForm in both languages with the municipality's wards.
        let form = get_as(&app, "/wards/survey.xlsx?place=51106", "en", &member).await;
        assert_eq!(form.status, StatusCode::OK);
        let req = Request::get("/wards/survey.xlsx?place=51106")
            .header(header::COOKIE, member.cookie.clone())
            .body(Body::empty())
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let bytes = to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        let survey = setu_sheets::read(&bytes).unwrap();
        assert_eq!(
            survey.header[..4],
            ["type", "name", "label::English (en)", "label::Nepali (ne)"]
        );
        assert!(survey.rows.iter().any(|r| r.cells[..2] == ["select_one ward", "ward"]));
        assert!(survey.rows.iter().any(|r| r.cells[3] == "लिङ्ग"));

        // Submissions as ODK Central exports them; one row wrong: nothing is imported.
        let header_line = "SubmissionDate,ward,consent,person-given_name,person-family_name,sex,age,father_name,status,since,meta-instanceID\n";
        let good = [
            "2025-03-02T10:00:00Z,3,yes,Sita,Tamang,female,17,Hari Tamang,trafficked,2024-12-01,uuid:s1",
            "2025-03-02T11:00:00Z,3,yes,Maya,Gurung,female,15,,returned,,uuid:s2",
            "2025-03-02T12:00:00Z,5,no,Kiran,Thapa,male,16,,missing,,uuid:s3",
        ];
        let bad = format!("{header_line}{}\n2025-03-02T13:00:00Z,40,yes,,,female,16,,lost,,uuid:s4\n", good.join("\n"));
        let fields = [("place", "51106"), ("fy", "2081/82")];
        let r = post_file(&app, "/wards/survey", &fields, Some(("s.csv", bad.as_bytes())), &secretary).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("Line 5, column “ward”: Not a ward of this municipality."), "{}", r.body);
        assert!(r.body.contains("Line 5, column “status”: Write missing, trafficked or returned."));
        let fy: setu_core::FiscalYear = "2081/82".parse().unwrap();
        let counts = |store: Store| async move {
            store
                .ward_counts(setu_core::access::Scope::Place("51106".parse().unwrap()), fy.first_day(), fy.last_day(), fy)
                .await
                .unwrap()
        };
        assert_eq!(counts(store.clone()).await.iter().map(|w| w.reports).sum::<i64>(), 0);

        // The good file: three people; the same file again adds nothing.
        let csv = format!("{header_line}{}\n", good.join("\n"));
        let r = post_file(&app, "/wards/survey", &fields, Some(("s.csv", csv.as_bytes())), &secretary).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r.headers[header::LOCATION].to_str().unwrap().to_string();
        assert!(to.contains("surveyed=3-0"), "{to}");
        assert!(get_as(&app, &to, "en", &secretary).await.body.contains("3 people added to the register"));
        let again = post_file(&app, "/wards/survey", &fields, Some(("s.csv", csv.as_bytes())), &secretary).await;
        assert!(again.headers[header::LOCATION].to_str().unwrap().contains("surveyed=0-3"));
        let wards = counts(store.clone()).await;
        let three = wards.iter().find(|w| w.ward == "5110603").unwrap();
        assert_eq!((three.reports, three.trafficked, three.returned), (2, 2, 1));
        // Sita is proposed for the rescued girl, like any report.
        let proposed = store
            .proposals(setu_core::access::Scope::Place(setu_core::PlaceCode::Country), Some("proposed"))
            .await
            .unwrap();
        assert!(!proposed.is_empty(), "the surveyed Sita is matched against the rescue");
        // A member who may not record reports cannot import it.
        let refused = post_file(&app, "/wards/survey", &fields, Some(("s.csv", csv.as_bytes())), &member).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    })
    .await;
}

/// What the map tests shade: Nepalganj's 23 wards and Duduwa's 6 profiled (4,000 people each),
/// 15 reports from a ward of Nepalganj and 3 from one of Duduwa (below the threshold of 11).
async fn profiled_with_reports(store: &setu_store::Store) {
    use setu_core::wards::WardProfile;
    let sys = Actor::system("test");
    for (ll, wards) in [(51106, 23), (51107, 6)] {
        let rows: Vec<WardProfile> = (1..=wards)
            .map(|w| WardProfile {
                ward: format!("{ll}{w:02}").parse().unwrap(),
                population: 4_000,
                households: None,
            })
            .collect();
        store
            .import_ward_profile(&sys, setu_core::PlaceCode::LocalLevel(ll), &rows, "profile")
            .await
            .unwrap();
    }
    missing_reports(store, "5110603", 15).await;
    missing_reports(store, "5110702", 3).await;
}

/// Issue 17, point 5: a district's municipalities on a map drawn on the server, each shaded by
/// its rate and linking to its wards; a rate withheld from a reader who may not see the records
/// leaves its municipality unshaded; in both languages.
#[tokio::test]
async fn a_district_map_shades_its_municipalities_and_withholds_what_it_must() {
    each_app(|app, store| async move {
        profiled_with_reports(&store).await;
        let national = sign_in(&store, "nc.map", Role::NationalCoordinator, "NP").await;
        let analyst = sign_in(&store, "an.map", Role::Analyst, "NP").await;
        let page = "/wards?place=511&fy=2081/82&measure=missing";
        let area = |body: &str, ll: &str| {
            between(body, &format!(r#"<a href="/wards?place={ll}&amp;"#), "</a>").to_string()
        };

        let open = get_as(&app, page, "en", &national).await;
        assert_eq!(open.status, StatusCode::OK);
        let map = between(&open.body, "<svg", "</svg>");
        assert_eq!(
            map.matches("<a href=\"/wards?place=").count(),
            8,
            "Banke's eight municipalities"
        );
        assert!(
            map.contains(r#"class="reserve"><title>Bardiya National Park</title>"#),
            "the park on its border, in grey"
        );
        assert!(!map.contains("place=512"), "no other district");
        let nepalganj = area(map, "51106");
        assert!(
            nepalganj.contains("Nepalganj") && nepalganj.contains("shade-"),
            "{nepalganj}"
        );
        assert!(!nepalganj.contains("shade-none"));
        let duduwa = area(map, "51107");
        assert!(
            !duduwa.contains("shade-none"),
            "three reports, open to this reader: {duduwa}"
        );
        assert!(
            area(map, "51101").contains("shade-none"),
            "no ward profile, no rate"
        );
        assert!(area(map, "51101").contains("ward profile incomplete"));

        // A reader of aggregates only: Duduwa's three reports are withheld, and so is its shade.
        let closed = get_as(&app, page, "en", &analyst).await.body;
        let map = between(&closed, "<svg", "</svg>");
        let duduwa = area(map, "51107");
        assert!(
            duduwa.contains("shade-none") && duduwa.contains("not shown"),
            "{duduwa}"
        );
        assert!(!area(map, "51106").contains("shade-none"));

        // In Nepali: the names and the legend.
        let ne = get_as(&app, page, "ne", &national).await.body;
        let map = between(&ne, "<svg", "</figure>");
        assert!(
            map.contains("नेपालगञ्ज") && map.contains("दर देखाइएको छैन"),
            "{map}"
        );
    })
    .await;
}

/// National and province readers start from a map of every local level within their reach,
/// shaded from their wards' counts (withheld as on a district's page), before they choose a
/// district; nothing is ranked there.
#[tokio::test]
async fn national_and_province_readers_see_their_local_levels_on_one_map() {
    each_app(|app, store| async move {
        profiled_with_reports(&store).await;
        let national = sign_in(&store, "nc.country", Role::NationalCoordinator, "NP").await;
        let analyst = sign_in(&store, "an.country", Role::Analyst, "NP").await;
        let lumbini = sign_in(&store, "pc.lumbini", Role::ProvinceCoordinator, "5").await;
        let page = "/wards?fy=2081/82&measure=missing";
        let area = |body: &str, ll: &str| {
            between(body, &format!(r#"<a href="/wards?place={ll}&amp;"#), "</a>").to_string()
        };

        let open = get_as(&app, page, "en", &national).await;
        assert_eq!(open.status, StatusCode::OK);
        let map = between(&open.body, "<svg", "</svg>");
        assert_eq!(map.matches("<a href=\"/wards?place=").count(), 753);
        assert_eq!(map.matches(r#"class="reserve""#).count(), 22);
        assert!(!area(map, "51106").contains("shade-none"));
        assert!(!area(map, "51107").contains("shade-none"));
        assert!(area(map, "51101").contains("shade-none"));
        assert!(
            open.body.contains("Choose a district") && open.body.contains(">Banke</a>"),
            "the districts still listed"
        );
        assert!(!open.body.contains("ward-card"), "nothing ranked");
        assert!(open.body.contains("Local levels by rate"));

        // Aggregates only: Duduwa's three reports withheld, Nepalganj's fifteen shown.
        let closed = get_as(&app, page, "en", &analyst).await.body;
        let map = between(&closed, "<svg", "</svg>");
        assert!(area(map, "51107").contains("not shown"));
        assert!(!area(map, "51106").contains("shade-none"));

        // A province's reader: its own local levels only.
        let own = get_as(&app, page, "ne", &lumbini).await;
        assert_eq!(own.status, StatusCode::OK);
        let map = between(&own.body, "<svg", "</svg>");
        let links = map.matches("<a href=\"/wards?place=").count();
        assert_eq!(links, map.matches("<a href=\"/wards?place=5").count());
        assert!(links > 100 && links < 200, "{links}");
        assert!(map.contains("नेपालगञ्ज"));
    })
    .await;
}
