//! The store on every engine under test (SQLite always, PostgreSQL when configured).
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use setu_core::directory::{DirectoryForm, SiteKind};
use setu_core::geo::PlaceLevel;
use setu_core::{LocalLevelType, PlaceCode};
use setu_store::directory::DirectoryFilter;
use setu_store::{Store, StoreError};

use setu_testkit::each_store as each_engine;

#[tokio::test]
async fn geography_counts_match_nepal() {
    each_engine(|s| async move {
        let c = s.place_counts().await.unwrap();
        assert_eq!(
            (c.provinces, c.districts, c.local_levels, c.wards),
            (7, 77, 753, 6743)
        );
        let lls = s
            .places_at_level(PlaceLevel::LocalLevel, None)
            .await
            .unwrap();
        let n = |t| lls.iter().filter(|l| l.local_level_type == Some(t)).count();
        assert_eq!(n(LocalLevelType::Metropolitan), 6);
        assert_eq!(n(LocalLevelType::SubMetropolitan), 11);
        assert_eq!(n(LocalLevelType::Municipality), 276);
        assert_eq!(n(LocalLevelType::RuralMunicipality), 460);
        assert_eq!(lls.iter().map(|l| l.ward_count.unwrap()).sum::<i64>(), 6743);
    })
    .await;
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    each_engine(|s| async move {
        s.migrate().await.unwrap();
        assert_eq!(s.schema_version().await.unwrap(), 1);
        assert_eq!(s.place_counts().await.unwrap().wards, 6743);
    })
    .await;
}

#[tokio::test]
async fn browse_down_the_hierarchy() {
    each_engine(|s| async move {
        let provinces = s.children(PlaceCode::Country).await.unwrap();
        assert_eq!(provinces.len(), 7);
        let banke = s.place("511".parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(banke.name_en.as_deref(), Some("Banke"));
        assert_eq!(banke.name_ne.as_deref(), Some("बाँके"));
        assert_eq!(banke.parent, Some(PlaceCode::Province(5)));
        let lls = s.children(banke.code).await.unwrap();
        assert_eq!(lls.len(), 8);
        let wards = s.children(PlaceCode::LocalLevel(51106)).await.unwrap();
        assert_eq!(wards.len(), 23);
        assert_eq!(wards[18].ward_number, Some(19));
        assert_eq!(wards[18].code.to_string(), "5110619");
        let in_banke = s
            .places_at_level(PlaceLevel::LocalLevel, Some(banke.code))
            .await
            .unwrap();
        assert_eq!(in_banke.len(), 8);
        assert!(s.place("999".parse().unwrap()).await.unwrap().is_none());
        let ward: PlaceCode = "5110619".parse().unwrap();
        let above: Vec<PlaceCode> = ward.lineage().into_iter().skip(1).collect();
        let names: Vec<_> = s
            .places(&above)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.name_en.unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Nepal",
                "Lumbini Province",
                "Banke",
                "Nepalganj Sub-Metropolitan City"
            ]
        );
        assert!(s.places(&[]).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn search_finds_places_in_either_script_and_spelling() {
    each_engine(|s| async move {
        let first = |q: &'static str| {
            let s = s.clone();
            async move {
                s.search_places(q, 10)
                    .await
                    .unwrap()
                    .first()
                    .map(|p| p.code.to_string())
            }
        };
        assert_eq!(first("Nepalganj").await.as_deref(), Some("51106"));
        assert_eq!(first("nepalgunj").await.as_deref(), Some("51106"));
        assert_eq!(first("नेपालगञ्ज").await.as_deref(), Some("51106"));
        assert_eq!(first("नेपालगन्ज").await.as_deref(), Some("51106"));
        assert_eq!(first("sunsari").await.as_deref(), Some("113"));
        assert_eq!(first("मकवानपुर").await.as_deref(), Some("312"));
        assert!(s.search_places("%", 10).await.unwrap().is_empty());
        assert!(s.search_places("   ", 10).await.unwrap().is_empty());
    })
    .await;
}

fn form(name: &str, kind: &str, place: &str) -> DirectoryForm {
    DirectoryForm {
        name_en: name.into(),
        kind: kind.into(),
        place: place.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn organisations_and_sites_with_versioned_edits() {
    each_engine(|s| async move {
        let org = s
            .create_organisation(
                &form("Nepalganj Sub-Metropolitan City", "municipality", "51106")
                    .to_org()
                    .unwrap(),
            )
            .await
            .unwrap();
        let mut booth = form("Jamunaha booth", "border-booth", "5110619");
        booth.organisation = org.to_string();
        let site = s.create_site(&booth.to_site().unwrap()).await.unwrap();
        let got = s.site(site).await.unwrap();
        assert_eq!(got.kind, SiteKind::BorderBooth);
        assert_eq!(
            got.place_en.as_deref(),
            Some("Nepalganj Sub-Metropolitan City")
        );
        assert_eq!(got.organisation_id, Some(org));
        assert_eq!(got.version, 1);

        // Two people edit version 1; the second is refused, not applied over the first.
        booth.name_ne = "जमुनाहा सूचना केन्द्र".into();
        assert_eq!(
            s.update_site(site, 1, &booth.to_site().unwrap())
                .await
                .unwrap(),
            2
        );
        booth.name_en = "Stale edit".into();
        match s.update_site(site, 1, &booth.to_site().unwrap()).await {
            Err(StoreError::Conflict { current: 2 }) => {}
            other => panic!("expected a conflict, got {other:?}"),
        }
        let got = s.site(site).await.unwrap();
        assert_eq!(got.name_en, "Jamunaha booth");
        assert_eq!(got.name_ne.as_deref(), Some("जमुनाहा सूचना केन्द्र"));

        // Filters by kind and by place (prefix scope).
        let in_banke = DirectoryFilter {
            within: Some(PlaceCode::District(511)),
            ..Default::default()
        };
        assert_eq!(s.sites(&in_banke).await.unwrap().len(), 1);
        let in_sunsari = DirectoryFilter {
            within: Some(PlaceCode::District(113)),
            ..Default::default()
        };
        assert!(s.sites(&in_sunsari).await.unwrap().is_empty());
        let shelters = DirectoryFilter {
            kind: Some("shelter".into()),
            ..Default::default()
        };
        assert!(s.sites(&shelters).await.unwrap().is_empty());
        assert_eq!(
            s.organisations(&DirectoryFilter::default())
                .await
                .unwrap()
                .len(),
            1
        );

        // References that do not exist are refused with a reason.
        assert!(matches!(
            s.create_site(&form("x", "shelter", "9990101").to_site().unwrap())
                .await,
            Err(StoreError::UnknownReference("place"))
        ));
        let mut orphan = form("x", "shelter", "51106");
        orphan.organisation = "424242".into();
        assert!(matches!(
            s.create_site(&orphan.to_site().unwrap()).await,
            Err(StoreError::UnknownReference("organisation"))
        ));
        assert!(matches!(s.site(424242).await, Err(StoreError::NotFound)));
        assert!(matches!(
            s.update_site(424242, 1, &booth.to_site().unwrap()).await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn clear_errors_for_bad_urls_and_folders() {
    use setu_store::ConnectOptions;
    assert!(matches!(
        Store::connect(&ConnectOptions::new("mysql://x")).await,
        Err(StoreError::BadUrl)
    ));
    // A data folder below a regular file can never be created, even by root.
    let dir = tempfile_dir();
    let file = dir.join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let err = Store::connect(&ConnectOptions::sqlite_file(&file.join("setu.db")))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DataFolder { .. }), "{err}");
    // Nothing listens on port 1.
    let mut unreachable = ConnectOptions::new("postgres://127.0.0.1:1/none");
    unreachable.connect_timeout = std::time::Duration::from_secs(1);
    let err = Store::connect(&unreachable).await.unwrap_err();
    assert!(matches!(err, StoreError::Unreachable(_)), "{err}");
    assert!(!err.to_string().contains('\n'));
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("setu-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
