//! The top menu: only what the reader's role may open (the route table decides, as for every
//! link), in the order the role works in, with the booth worker's own booth first.

use setu_core::access::{Role, Scope};

use crate::page::Page;

/// One entry of the menu.
#[derive(Debug, Clone)]
pub struct MenuItem {
    /// Where it leads.
    pub href: String,
    /// Its name in the reader's language.
    pub label: String,
    /// Whether this page is under it (`aria-current`).
    pub current: bool,
}

/// Every entry in the usual order: (address, navigation id, message id).
const ENTRIES: &[(&str, &str, &str)] = &[
    ("/", "home", "nav-home"),
    ("/places", "places", "nav-places"),
    ("/organisations", "organisations", "nav-organisations"),
    ("/sites", "sites", "nav-sites"),
    ("/committees", "committees", "nav-committees"),
    ("/parents-groups", "groups", "nav-groups"),
    ("/youth", "youth", "nav-youth"),
    ("/forum", "forum", "nav-forum"),
    ("/booths", "booths", "nav-booths"),
    ("/tracing", "tracing", "nav-tracing"),
    ("/tracing/matches", "matches", "nav-matches"),
    ("/cases", "cases", "nav-cases"),
    ("/handovers", "handovers", "nav-handovers"),
    ("/referrals", "referrals", "nav-referrals"),
    ("/indicators", "indicators", "nav-indicators"),
    ("/wards", "wards", "nav-wards"),
    ("/statistics", "statistics", "nav-statistics"),
    ("/glass", "glass", "nav-glass"),
    ("/admin/users", "admin", "nav-admin"),
    ("/audit", "audit", "nav-audit"),
];

/// What each role uses most, right after Home; the rest follow in the usual order.
fn first_for(role: Role) -> &'static [&'static str] {
    use Role as R;
    match role {
        R::SystemAdmin => &["/admin/users", "/organisations", "/sites"],
        R::NationalCoordinator | R::ProvinceCoordinator | R::DistrictCoordinator => &[
            "/indicators",
            "/wards",
            "/committees",
            "/booths",
            "/tracing/matches",
            "/tracing",
            "/handovers",
            "/referrals",
        ],
        R::LcchtMemberSecretary | R::LcchtMember => &[
            "/committees",
            "/wards",
            "/tracing",
            "/parents-groups",
            "/youth",
            "/forum",
        ],
        R::BoothWorker => &["/handovers", "/referrals", "/tracing", "/booths"],
        R::PoliceFocalPerson => &["/referrals", "/handovers", "/tracing", "/tracing/matches"],
        R::NgoCaseworker | R::NgoSupervisor => {
            &["/cases", "/handovers", "/referrals", "/tracing", "/forum"]
        }
        R::YouthAmbassador => &["/youth", "/parents-groups", "/forum"],
        R::ParentsGroupFacilitator => &["/parents-groups", "/youth"],
        R::Analyst => &["/indicators", "/booths", "/committees"],
        R::Auditor => &["/audit", "/glass"],
    }
}

/// The reader's menu.
pub fn menu(page: &Page) -> Vec<MenuItem> {
    let user = page.auth.user();
    let first = user.map(|u| first_for(u.role)).unwrap_or(&[]);
    let entry = |href: &str| ENTRIES.iter().find(|(h, _, _)| *h == href);
    let ordered = std::iter::once(&ENTRIES[0])
        .chain(first.iter().filter_map(|h| entry(h)))
        .chain(
            ENTRIES
                .iter()
                .skip(1)
                .filter(|(h, _, _)| !first.contains(h)),
        );
    let mut out: Vec<MenuItem> = ordered
        .filter(|(href, _, _)| page.opens(href))
        .map(|(href, nav, label)| MenuItem {
            href: (*href).to_string(),
            label: page.t(label),
            current: page.is_nav(nav),
        })
        .collect();
    // A booth worker's own booth: where she records, second only to Home.
    if let Some(Scope::Site(site)) = user
        .filter(|u| u.role == Role::BoothWorker)
        .map(|u| u.scope)
    {
        let href = format!("/booths/{site}/capture");
        if page.opens(&href) {
            let item = MenuItem {
                current: page.here.starts_with(&href),
                href,
                label: page.t("nav-capture"),
            };
            out.insert(1.min(out.len()), item);
        }
    }
    out
}
