//! Organisations, sites and contacts.

use crate::support::*;

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
        assert!(bad.body.contains("Choose the place from the list"));
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
        assert!(unknown
            .body
            .contains("No such place: type its name and choose it from the list."));

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
