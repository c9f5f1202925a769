//! Public statistics (issue 17): a district's release drafted, approved by another coordinator,
//! published as a version for everyone without signing in; no count of 1–10 published and no
//! suppressed count recoverable from the published table.

use crate::support::*;

/// The values of one measure in a release's CSV: (area, value or None when suppressed).
fn column(csv: &str, measure: &str) -> Vec<(String, Option<i64>)> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[5] == measure)
        .map(|f| (f[4].to_string(), f[6].parse().ok()))
        .collect()
}

#[tokio::test]
async fn a_release_is_approved_by_another_published_by_version_and_hides_small_counts() {
    each_app(|app, store| async move {
        let banke = sign_in(&store, "banke.stats", Role::DistrictCoordinator, "511").await;
        let national = sign_in(&store, "nc.stats", Role::NationalCoordinator, "NP").await;
        let makwanpur = sign_in(&store, "mk.stats", Role::DistrictCoordinator, "312").await;
        missing_reports(&store, "5110603", 15).await; // Nepalganj
        missing_reports(&store, "5110502", 12).await; // Janaki
        missing_reports(&store, "5110201", 3).await; // Kohalpur: a small count

        // Drafted: the draft is not public.
        let r = post_form(
            &app,
            "/statistics/manage",
            &[
                ("place", "511"),
                ("fy", "2081/82"),
                ("note", "From the register"),
            ],
            &banke,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r.headers[header::LOCATION].to_str().unwrap().to_string();
        let id = to.split("release=").nth(1).unwrap().to_string();
        let draft = get_as(&app, &to, "en", &banke).await.body;
        assert!(draft.contains("Draft, waiting for approval") && draft.contains("suppressed"));
        assert!(draft.contains("another coordinator approves it"));
        assert_eq!(
            get(&app, &format!("/statistics/{id}"), "en").await.status,
            StatusCode::NOT_FOUND
        );
        assert!(get(&app, "/statistics", "en")
            .await
            .body
            .contains("No district has published"));

        // Never approved by who drafted it, nor from outside the district, nor published unapproved.
        let own = post_form(
            &app,
            "/statistics/manage/approve",
            &[("release", &id)],
            &banke,
        )
        .await;
        assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(own
            .body
            .contains("approved by someone other than who drafted it"));
        let early = post_form(
            &app,
            "/statistics/manage/publish",
            &[("release", &id)],
            &banke,
        )
        .await;
        assert!(early
            .body
            .contains("Only an approved release can be published"));
        let outside = post_form(
            &app,
            "/statistics/manage/approve",
            &[("release", &id)],
            &makwanpur,
        )
        .await;
        assert_eq!(outside.status, StatusCode::NOT_FOUND);
        let ok = post_form(
            &app,
            "/statistics/manage/approve",
            &[("release", &id)],
            &national,
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let published = post_form(
            &app,
            "/statistics/manage/publish",
            &[("release", &id)],
            &banke,
        )
        .await;
        assert_eq!(published.status, StatusCode::SEE_OTHER);

        // Each step is in the audit trail, by who took it.
        let steps = store
            .audit_entries(&setu_store::audit::AuditFilter {
                entity_id: Some(id.clone()),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut steps: Vec<(String, String)> =
            steps.into_iter().map(|e| (e.action, e.actor)).collect();
        steps.sort();
        assert_eq!(
            steps,
            [
                ("approve".to_string(), "nc.stats".to_string()),
                ("create".to_string(), "banke.stats".to_string()),
                ("publish".to_string(), "banke.stats".to_string()),
            ]
        );
        // Public, without signing in, in both languages.
        let page = get(&app, "/statistics", "en").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Banke") && page.body.contains("Version 1"),
            "{}",
            page.body
        );
        assert!(get(&app, "/statistics", "ne")
            .await
            .body
            .contains("लुकाइएको"));
        let csv = get(&app, "/statistics/open-data.csv", "en").await.body;
        let missing = column(&csv, "missing_reported");
        let value = |area: &str| missing.iter().find(|(a, _)| a == area).unwrap().1;
        assert_eq!(value("51106"), Some(15));
        assert_eq!(value("51102"), None, "3 is never published");
        assert_eq!(
            value("51105"),
            None,
            "12 is hidden too, or 30 - 15 - 12 would give 3"
        );
        assert_eq!(value("511"), Some(30));
        // The attack: no published count is small, and what the total leaves to the
        // suppressed cells is spread over at least two of them.
        for (area, v) in &missing {
            assert!(v.is_none_or(|n| n == 0 || n >= 11), "{area}: {v:?}");
        }
        let hidden: Vec<_> = missing
            .iter()
            .filter(|(a, v)| a != "511" && v.is_none())
            .collect();
        assert!(hidden.len() >= 2);

        // A second version: the first stays readable, marked as replaced.
        missing_reports(&store, "5110201", 1).await;
        let r = post_form(
            &app,
            "/statistics/manage",
            &[("place", "511"), ("fy", "2081/82")],
            &national,
        )
        .await;
        let second = r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .split("release=")
            .nth(1)
            .unwrap()
            .to_string();
        post_form(
            &app,
            "/statistics/manage/approve",
            &[("release", &second)],
            &banke,
        )
        .await;
        post_form(
            &app,
            "/statistics/manage/publish",
            &[("release", &second)],
            &banke,
        )
        .await;
        let now = get(&app, "/statistics", "en").await.body;
        assert!(
            now.contains("Version 2") && !now.contains("Version 1<"),
            "{now}"
        );
        let first = get(&app, &format!("/statistics/{id}"), "en").await.body;
        assert!(
            first.contains("replaced by a later version")
                && first.contains("Versions of this release")
        );
        let one = get(&app, &format!("/statistics/{second}/csv"), "en")
            .await
            .body;
        assert!(
            one.lines().skip(1).all(|l| l.starts_with("511,2081/82,2,")),
            "{one}"
        );
        // A published release stays published.
        let again = post_form(
            &app,
            "/statistics/manage/discard",
            &[("release", &id)],
            &banke,
        )
        .await;
        assert!(again.body.contains("A published release stays published"));
    })
    .await;
}
