//! `setu demo`: a fresh, deterministic demo database for the PROTECT programme's three
//! districts (Banke, Makwanpur, Sunsari) and 13 local levels, then serve it. Later
//! capabilities add their records here. What is real and what is invented is listed in
//! `docs/demo.md`.

use anyhow::{bail, Context, Result};
use setu_core::access::{Role, Scope};
use setu_core::committees::BudgetDraft;
use setu_core::committees::{CommitteeKind, FundingSource, Seat};
use setu_core::community::{EventType, Material, Participants, Sex};
use setu_core::directory::{ForumEntryKind, OrgDraft, OrgKind, Service, SiteDraft, SiteKind};
use setu_core::FiscalYear;
use setu_core::PlaceCode;
use setu_store::audit::Actor;
use setu_store::auth::NewUser;
use setu_store::committees::{ActivityDraft, MeetingDraft};
use setu_store::contacts::ContactDraft;
use setu_store::directory::DirectoryFilter;
use setu_store::parents::SessionDraft;
use setu_store::sealing::Reveal;
use setu_store::youth::{AmbassadorDraft, EventDraft};
use setu_store::{Engine, Store};
use time::macros::date;
use time::Duration;

use crate::config::{Config, ServeArgs};
use crate::serve::{open_store, run_server};

/// The SQLite file the demo builds (never the working `setu.db`).
pub const DEMO_FILE: &str = "demo.db";
/// The demo's key file (never the working `setu.keys`).
pub const DEMO_KEYS: &str = "demo.keys";
/// The password of every demo account. Demo only: a real deployment has no shared password
/// and no account it did not create itself.
pub const DEMO_PASSWORD: &str = "setu-demo-2082";

/// The programme's 13 local levels (code, district). The brief names the districts but not
/// the local levels; these are our choice, see docs/demo.md.
pub const PROGRAMME_LOCAL_LEVELS: [u32; 13] = [
    51106, 51102, 51105, 51107,
    51101, // Banke: Nepalganj, Kohalpur, Janaki, Duduwa, Rapti Sonari
    31206, 31208, 31202, 31207, // Makwanpur: Hetauda, Makawanpurgadhi, Thaha, Bhimphedi
    11306, 11309, 11303, 11301, // Sunsari: Itahari, Inaruwa, Koshi, Dharan
];

mod survivors;

/// `setu demo`
pub async fn run(args: ServeArgs, no_serve: bool) -> Result<()> {
    let config = Config::load(&args)?;
    if config.database_url.is_none() {
        remove_sqlite_files(&config)?;
    }
    let store = open_store(&config, DEMO_FILE, DEMO_KEYS).await?;
    if store.engine() == Engine::Postgres
        && !store
            .organisations(&DirectoryFilter::default())
            .await?
            .is_empty()
    {
        bail!("the demo needs an empty database, and this one already holds organisations");
    }
    let ids = build(&store).await?;
    let logins = users(&store, &ids).await?;
    committees(&store).await?;
    parents_groups(&store).await?;
    youth(&store).await?;
    forum(&store, &ids.ngos).await?;
    booths(&store, &ids).await?;
    tracing(&store, &ids).await?;
    cases(&store, &ids).await?;
    survivors::survivors(&store, &ids).await?;
    ward_profiles(&store).await?;
    statistics(&store).await?;
    println!(
        "demo database ready: {} organisations, {} sites",
        store
            .organisations(&DirectoryFilter::default())
            .await?
            .len(),
        store.sites(&DirectoryFilter::default()).await?.len()
    );
    println!("demo logins (password {DEMO_PASSWORD:?} for all; demo only):");
    for (name, role, scope) in logins {
        println!("  {name:<20} {:<26} {scope}", role.as_str());
    }
    if no_serve {
        store.close().await;
        return Ok(());
    }
    run_server(&config, store).await
}

/// Each programme municipality's ward profile (population and households of every ward), as
/// its committee would import it; Inaruwa has not imported one yet, so its ward risk page
/// says which wards lack a population (issue 17).
pub async fn ward_profiles(store: &Store) -> Result<()> {
    let mut rng = Lcg(2081);
    for ll in PROGRAMME_LOCAL_LEVELS.into_iter().filter(|ll| *ll != 11309) {
        let place = PlaceCode::LocalLevel(ll);
        let wards = store
            .place(place)
            .await?
            .and_then(|p| p.ward_count)
            .with_context(|| format!("local level {ll} has no wards"))?;
        let rows: Vec<setu_core::wards::WardProfile> = (1..=wards)
            .filter_map(|w| u8::try_from(w).ok())
            .map(|ward| {
                let population = 1_800 + rng.next(7_000) as i64;
                setu_core::wards::WardProfile {
                    ward: PlaceCode::Ward {
                        local_level: ll,
                        ward,
                    },
                    population,
                    households: Some(population * 10 / 46),
                }
            })
            .collect();
        store
            .import_ward_profile(&demo_actor(), place, &rows, "Ward profile 2081 (demo)")
            .await?;
    }
    Ok(())
}

/// Banke's public statistics for the last fiscal year: drafted by its district coordinator,
/// approved by the national coordinator, published as version 1 (issue 17).
pub async fn statistics(store: &Store) -> Result<()> {
    let today = setu_core::calendar::today_in_nepal();
    let fy = setu_core::FiscalYear::containing(today)
        .ok()
        .and_then(|f| f.previous())
        .context("no previous fiscal year")?;
    let banke = PlaceCode::District(511);
    let table = setu_web::pages::statistics::build_table(store, banke, fy).await?;
    let district = as_user(store, "district.banke").await?;
    let note = "Counted from Setu's registers: missing-person reports, survivors' cases and \
                border booth screenings, by the person's home municipality.";
    let id = store
        .draft_release(&district, banke, fy, &table, note)
        .await?;
    store
        .approve_release(&as_user(store, "national").await?, &id)
        .await?;
    store.publish_release(&district, &id).await?;
    Ok(())
}

fn remove_sqlite_files(config: &Config) -> Result<()> {
    for name in [DEMO_FILE, "demo.db-wal", "demo.db-shm", DEMO_KEYS] {
        let path = config.data_dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
    }
    Ok(())
}

fn demo_actor() -> Actor {
    Actor::system("demo")
}

fn code(s: &str) -> Result<PlaceCode> {
    s.parse().with_context(|| format!("bad place code {s}"))
}

async fn org(store: &Store, en: &str, ne: &str, kind: OrgKind, place: &str) -> Result<i64> {
    Ok(store
        .create_organisation(
            &demo_actor(),
            &OrgDraft {
                name_en: en.into(),
                name_ne: Some(ne.into()),
                kind,
                place: code(place)?,
            },
        )
        .await?)
}

async fn site(
    store: &Store,
    en: &str,
    ne: &str,
    kind: SiteKind,
    place: &str,
    by: Option<i64>,
) -> Result<i64> {
    Ok(store
        .create_site(
            &demo_actor(),
            &SiteDraft {
                name_en: en.into(),
                name_ne: Some(ne.into()),
                kind,
                place: code(place)?,
                organisation_id: by,
            },
        )
        .await?)
}

/// The telephone area code of a committee's district (demo office numbers).
fn area_code(place: PlaceCode) -> u32 {
    let district = place
        .lineage()
        .into_iter()
        .find_map(|p| match p {
            PlaceCode::District(d) => Some(d),
            _ => None,
        })
        .unwrap_or(0);
    match district {
        511 => 81, // Banke
        312 => 57, // Makwanpur
        113 => 25, // Sunsari
        _ => 1,
    }
}

/// The 13 LCCHTs and 3 DCCHTs with members, meetings, decisions, plans and budgets, so that
/// every committee is functional (as the brief reports) and the municipalities' own share of
/// the budget grows year by year. Dates are relative to the day the demo is built: "met in
/// the last three months" must hold whenever it is shown.
pub async fn committees(store: &Store) -> Result<()> {
    let today = time::OffsetDateTime::now_utc().date();
    let fy = FiscalYear::containing(today)?;
    let mut places: Vec<(CommitteeKind, PlaceCode)> = PROGRAMME_LOCAL_LEVELS
        .iter()
        .map(|l| (CommitteeKind::Lccht, PlaceCode::LocalLevel(*l)))
        .collect();
    places.extend([511, 312, 113].map(|d| (CommitteeKind::Dccht, PlaceCode::District(d))));
    let seats = [
        (Seat::Chair, "Ram Bahadur Thapa"),
        (Seat::MemberSecretary, "Sita Kumari Shrestha"),
        (Seat::Police, "Inspector Hari Karki"),
        (Seat::Ngo, "Gita Tharu"),
        (Seat::Parents, "Maya Devi Yadav"),
        (Seat::Youth, "Anish Lama"),
    ];
    for (n, (kind, place)) in places.into_iter().enumerate() {
        let offset = i64::try_from(n).unwrap_or(0);
        let c = store
            .create_committee(
                &demo_actor(),
                kind,
                place,
                None,
                Some(date!(2019 - 08 - 20) + Duration::days(offset * 9)),
                // Office lines with the districts' area codes (081 Banke, 057 Makwanpur, 025 Sunsari).
                Some(format!("0{}-52{:04}", area_code(place), 1000 + offset * 37)),
            )
            .await?;
        let mut members = Vec::new();
        for (seat, name) in seats {
            let id = store
                .add_member(
                    &demo_actor(),
                    c,
                    &format!("{name} (demo)"),
                    seat,
                    date!(2022 - 01 - 15),
                    None,
                )
                .await?;
            members.push(id);
        }
        for (k, days_ago) in [70_i64, 25].into_iter().enumerate() {
            let held_on = today - Duration::days(days_ago + offset);
            let attendance = members
                .iter()
                .enumerate()
                .map(|(i, m)| (m.clone(), (i + k + n) % 5 != 0))
                .collect();
            let decisions = vec![
                (
                    "Run awareness sessions in the wards with most reports (demo)".to_string(),
                    "member-secretary".to_string(),
                    Some(held_on + Duration::days(45)),
                ),
                (
                    "Ask the municipality to keep the anti-trafficking budget line (demo)"
                        .to_string(),
                    "chair".to_string(),
                    None,
                ),
            ];
            let draft = MeetingDraft {
                held_on,
                agenda: "Review of the action plan; cases referred; budget (demo)".into(),
                attendance,
                decisions,
            };
            store.record_meeting(&demo_actor(), c, &draft).await?;
        }
        // Four fiscal years: the municipality's own share grows from a fifth to most of it.
        let mut year = Some(fy);
        for (back, own_share) in [(0_i64, 70_i64), (1, 55), (2, 40), (3, 20)] {
            let Some(this) = year else { break };
            let total = 400_000 + offset * 25_000;
            let own = total * own_share / 100;
            let spent = if back == 0 { own / 3 } else { total };
            store
                .add_budget_line(
                    &demo_actor(),
                    c,
                    this,
                    &BudgetDraft {
                        source: FundingSource::Own,
                        purpose: "awareness and data collection".into(),
                        allocated: own,
                        spent: spent.min(own),
                    },
                )
                .await?;
            store
                .add_budget_line(
                    &demo_actor(),
                    c,
                    this,
                    &BudgetDraft {
                        source: FundingSource::Donor,
                        purpose: "training and youth events".into(),
                        allocated: total - own,
                        spent: if back == 0 { 0 } else { total - own },
                    },
                )
                .await?;
            let ward = match place {
                PlaceCode::LocalLevel(l) => Some(PlaceCode::Ward {
                    local_level: l,
                    ward: 1,
                }),
                _ => None,
            };
            let activity = ActivityDraft {
                title: "Awareness sessions in schools".into(),
                activity_type: "awareness".into(),
                ward,
                planned_on: Some(this.first_day() + Duration::days(60)),
                done_on: (back > 0).then(|| this.first_day() + Duration::days(75)),
                responsible: "member-secretary".into(),
                budget_line: None,
            };
            store
                .add_activity(&demo_actor(), c, this, &activity)
                .await?;
            year = this.previous();
        }
    }
    Ok(())
}

/// Parents' groups: two per programme local level (wards 1 and 2), 30 parents each (27 women,
/// 3 men), six SBCC sessions with the "Maya and Udayan" episodes, each parent attending from one
/// to all six. That makes the brief's 780 parents reached, 90% of them women.
pub async fn parents_groups(store: &Store) -> Result<()> {
    let today = time::OffsetDateTime::now_utc().date();
    let first = [
        "Sita", "Gita", "Maya", "Kamala", "Radha", "Sunita", "Laxmi", "Parbati", "Sarita", "Bimala",
    ];
    let last = [
        "Tharu",
        "Yadav",
        "Thapa",
        "Lama",
        "Magar",
        "Shrestha",
        "Khan",
        "Chaudhary",
        "Rai",
        "Tamang",
    ];
    let men = ["Ram", "Hari", "Krishna"];
    for (n, ll) in PROGRAMME_LOCAL_LEVELS.iter().enumerate() {
        for ward in 1..=2u8 {
            let place = PlaceCode::Ward {
                local_level: *ll,
                ward,
            };
            let g = store
                .create_group(
                    &demo_actor(),
                    place,
                    &format!("Ward {ward} parents' group"),
                    Some(date!(2020 - 03 - 01)),
                )
                .await?;
            let mut members = Vec::new();
            for i in 0..30usize {
                let (name, sex) = if i < 27 {
                    (
                        format!(
                            "{} {}",
                            first[(i + n) % first.len()],
                            last[(i / 3 + n) % last.len()]
                        ),
                        Sex::Female,
                    )
                } else {
                    (
                        format!("{} {}", men[i - 27], last[(i + n) % last.len()]),
                        Sex::Male,
                    )
                };
                members.push(
                    store
                        .add_group_member(&demo_actor(), g, &name, sex, date!(2020 - 03 - 01))
                        .await?,
                );
            }
            for session in 0..6usize {
                let offset = i64::try_from(60 * (6 - session) + n).unwrap_or(0);
                let present = members
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % 6 >= session)
                    .map(|(_, m)| m.clone())
                    .collect();
                let draft = SessionDraft {
                    held_on: today - Duration::days(offset),
                    topic: "Safe migration and the risks of trafficking".into(),
                    material: Material::MayaUdayan,
                    episode: Some(i64::try_from(session).unwrap_or(0) + 1),
                    facilitator: "Parents' group facilitator (demo)".into(),
                    present,
                };
                store.record_session(&demo_actor(), g, &draft).await?;
            }
        }
    }
    Ok(())
}

/// Youth ambassadors: 20 at the end of 2020, 100 in 2021, 240 in 2022 and 370 in 2023, as the
/// brief reports, spread over the programme's wards; and 968 engagement events over those
/// four years.
pub async fn youth(store: &Store) -> Result<()> {
    let names = [
        "Anish", "Sabina", "Rohit", "Puja", "Bikash", "Asmita", "Suman", "Nirmala", "Dipak",
        "Rekha",
    ];
    let joined_per_year = [(2020, 20), (2021, 80), (2022, 140), (2023, 130)];
    let mut n = 0usize;
    for (year, count) in joined_per_year {
        for k in 0..count {
            let ll = PROGRAMME_LOCAL_LEVELS[n % PROGRAMME_LOCAL_LEVELS.len()];
            let ward = u8::try_from(1 + (n / PROGRAMME_LOCAL_LEVELS.len()) % 5).unwrap_or(1);
            let day = i64::from(k % 300);
            let joined = date!(2020 - 01 - 15).replace_year(year)? + Duration::days(day);
            let draft = AmbassadorDraft {
                ward: PlaceCode::Ward {
                    local_level: ll,
                    ward,
                },
                name: format!("{} {} (demo)", names[n % names.len()], n + 1),
                sex: if n.is_multiple_of(3) {
                    Sex::Male
                } else {
                    Sex::Female
                },
                joined_on: joined,
                trainings: i64::try_from(n % 4).unwrap_or(0),
            };
            store.add_ambassador(&demo_actor(), &draft).await?;
            n += 1;
        }
    }
    for e in 0..968usize {
        let ll = PROGRAMME_LOCAL_LEVELS[e % PROGRAMME_LOCAL_LEVELS.len()];
        let kind = EventType::ALL[e % EventType::ALL.len()];
        let held_on = date!(2020 - 03 - 01) + Duration::days(i64::try_from(e * 3 / 2).unwrap_or(0));
        let size = i64::try_from(10 + e % 40).unwrap_or(10);
        let participants = Participants {
            under18: [size / 2, size / 3, 0],
            adults: [size / 5, size / 10, 0],
        };
        let outcome = match kind {
            EventType::BudgetHearing => "Anti-trafficking budget line kept (demo)",
            EventType::MunicipalityMeeting => "Youth resource centre room agreed (demo)",
            _ => "",
        };
        let draft = EventDraft {
            ward: PlaceCode::Ward {
                local_level: ll,
                ward: 1,
            },
            held_on,
            event_type: kind,
            participants,
            outcome: outcome.into(),
        };
        store.record_youth_event(&demo_actor(), &draft).await?;
    }
    Ok(())
}

/// The NGO forum: the demo NGOs' services, a forum meeting and a joint action per district,
/// and a shared alert about a recruitment tactic.
pub async fn forum(store: &Store, ngos: &[i64]) -> Result<()> {
    let today = time::OffsetDateTime::now_utc().date();
    let districts = [
        PlaceCode::District(511),
        PlaceCode::District(312),
        PlaceCode::District(113),
    ];
    for (ngo, district) in ngos.iter().zip(districts) {
        for service in [
            Service::Shelter,
            Service::Psychosocial,
            Service::Legal,
            Service::SeedFunding,
        ] {
            store
                .add_service(&demo_actor(), *ngo, service, district)
                .await?;
        }
        store
            .add_forum_entry(
                &demo_actor(),
                ForumEntryKind::Meeting,
                district,
                today - Duration::days(40),
                "Quarterly forum meeting: referrals and shelter capacity (demo)",
                &[*ngo],
            )
            .await?;
        store
            .add_forum_entry(
                &demo_actor(),
                ForumEntryKind::JointAction,
                district,
                today - Duration::days(20),
                "Rescue of two minors at the border; families contacted (demo)",
                &[*ngo],
            )
            .await?;
    }
    store
        .post_alert(&demo_actor(), PlaceCode::Country, "Recruiters posing as marriage brokers (demo)", "Young women are offered marriage abroad; the 'broker' takes their documents at the border (demo).", today + Duration::days(60), today)
        .await?;
    Ok(())
}

/// People informed at the two booths, 2019–2023 (the brief's figure).
pub const DEMO_INFORMED: i64 = 13_211;
/// Of them, under 18 (the brief: about 2,300).
pub const DEMO_INFORMED_UNDER18: i64 = 2_300;
/// Screenings that ended with the person stopped (the brief: more than 800 rescued).
pub const DEMO_STOPPED: usize = 900;
/// The women SSB handed to Nepal Police in one hand-over (the brief).
pub const DEMO_SSB_GROUP: usize = 41;

/// A deterministic record id (the demo is the same every time it is built).
fn demo_id(kind: u16, n: i64) -> String {
    format!("00000000-0000-4{kind:03x}-8000-{n:012x}")
}

/// A small deterministic generator (the demo must be the same every time it is built).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// The booths' history 2019–2023: weekly tallies adding up to the brief's figures, screenings
/// (most with consent, some minors, scored by the default catalogue), the SSB hand-over of 41
/// women, later hand-overs (one left unacknowledged) and police referrals at every stage.
pub async fn booths(store: &Store, ids: &DemoIds) -> Result<()> {
    use setu_core::booths::{HandoverForm, ReferralForm, ReferralStatus, ScreeningForm, TallyForm};
    use setu_store::booths::ScoredScreening;
    let by = |name: &str| Actor::system(name);
    let booths = [ids.jamunaha_booth, ids.bhantabari_booth];
    let today = time::OffsetDateTime::now_utc().date();
    let mut rng = Lcg(2082);
    let weeks: Vec<time::Date> = (0..)
        .map(|w| date!(2019 - 01 - 06) + Duration::weeks(w))
        .take_while(|d| *d <= date!(2023 - 12 - 31))
        .collect();
    let n = i64::try_from(weeks.len() * booths.len()).unwrap_or(1);
    let mut i = 0i64;
    for day in &weeks {
        for site in booths {
            // Spread the totals evenly, the remainder on the first tallies.
            let total = DEMO_INFORMED / n + i64::from(i < DEMO_INFORMED % n);
            let minors = DEMO_INFORMED_UNDER18 / n + i64::from(i < DEMO_INFORMED_UNDER18 % n);
            let adults = total - minors;
            let other = i64::from(rng.next(40) == 0 && adults > 2);
            let f18 = (adults - other) * (50 + i64::try_from(rng.next(15)).unwrap_or(0)) / 100;
            let fu = minors * 6 / 10;
            let form = TallyForm {
                site: site.to_string(),
                date: setu_core::calendar::iso(*day),
                female_u18: fu.to_string(),
                male_u18: (minors - fu).to_string(),
                female_18: f18.to_string(),
                male_18: (adults - other - f18).to_string(),
                other_18: other.to_string(),
                materials: (total * 2 / 3).to_string(),
                ..Default::default()
            };
            let draft = form
                .check(today)
                .map_err(|e| anyhow::anyhow!("demo tally: {e}"))?;
            let id = demo_id(1, i);
            store.sync_tally(&by("demo"), &id, 0, &draft, "{}").await?;
            i += 1;
        }
    }
    let catalogue = store.risk_catalogue().await?;
    // Every screening is a different person with a name of her own (40 × 30 = 1,200), no two
    // names a slip apart and no two surnames aliases of each other: the matcher would rightly
    // propose two records with one name, one ward and one age as one person.
    let given = [
        "Sita", "Maya", "Anjali", "Puja", "Kabita", "Laxmi", "Bimala", "Ramesh", "Chandra", "Goma",
        "Indira", "Januka", "Kusum", "Manju", "Nisha", "Renu", "Sabitri", "Tulsi", "Yamuna",
        "Bishnu", "Ganga", "Kopila", "Prakash", "Sagar", "Hemanta", "Roshani", "Kamal", "Bhagwati",
        "Pramila", "Sushma", "Mohan", "Kalpana", "Rekha", "Shanti", "Parbati", "Durga", "Bhawana",
        "Suresh", "Binod", "Ishwari",
    ];
    let family = [
        "Tamang",
        "Magar",
        "Rai",
        "Chaudhary",
        "Shrestha",
        "Gurung",
        "BK",
        "Adhikari",
        "Basnet",
        "Bhattarai",
        "Dahal",
        "Ghimire",
        "Karki",
        "Limbu",
        "Mahato",
        "Neupane",
        "Pandey",
        "Sharma",
        "Subedi",
        "Yadav",
        "Shah",
        "Joshi",
        "Khanal",
        "Lamichhane",
        "Regmi",
        "Sapkota",
        "Bhandari",
        "Koirala",
        "Rijal",
        "Acharya",
    ];
    // Homes spread over wards 1–5 of seven local levels the booths serve.
    let homes: Vec<String> = [
        "51106", "51102", "51107", "31206", "31208", "11303", "11306",
    ]
    .iter()
    .flat_map(|ll| (1..=5).map(move |w| format!("{ll}{w:02}")))
    .collect();
    let mix = |k: usize, shift: u32, n: usize| {
        let h = (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift;
        usize::try_from(h % n as u64).unwrap_or(0)
    };
    let codes: Vec<String> = catalogue
        .indicators
        .iter()
        .map(|i| i.code.clone())
        .collect();
    // Nine in ten of those stopped are handed over (police, family, shelter), one in ten only
    // stopped and counselled.
    let stopped_outcomes = [
        "handed-to-police",
        "handed-to-police",
        "reunited-with-family",
        "referred-to-shelter",
        "handed-to-police",
        "reunited-with-family",
        "handed-to-police",
        "handed-to-police",
        "referred-to-shelter",
        "intercepted",
    ];
    let screen = |k: usize, site: i64, day: time::Date, outcome: &str, sex: &str, rng: &mut Lcg| {
        let minor = rng.next(10) < 3;
        let risks: Vec<String> = (0..1 + rng.next(3))
            .map(|_| codes[usize::try_from(rng.next(codes.len() as u64)).unwrap_or(0)].clone())
            .collect();
        ScreeningForm {
            site: site.to_string(),
            date: setu_core::calendar::iso(day),
            time: format!("{:02}:{:02}", 7 + rng.next(11), rng.next(60)),
            given_name: given[k % given.len()].into(),
            family_name: family[(k / given.len()) % family.len()].into(),
            sex: sex.into(),
            age: (if minor {
                14 + rng.next(4)
            } else {
                18 + rng.next(20)
            })
            .to_string(),
            home: homes[mix(k, 51, homes.len())].clone(),
            destination_country: if rng.next(3) == 0 {
                "Saudi Arabia"
            } else {
                "India"
            }
            .into(),
            purpose: if rng.next(4) == 0 { "marriage" } else { "work" }.into(),
            companions: rng.next(3).to_string(),
            companion_relation: ["alone", "friend", "agent", "stranger", "family"]
                [usize::try_from(rng.next(5)).unwrap_or(0)]
            .into(),
            paid_by: ["self", "agent", "companion", "unknown"]
                [usize::try_from(rng.next(4)).unwrap_or(0)]
            .into(),
            risk: risks,
            outcome: outcome.into(),
            consent_record: "true".into(),
            consent_share: "true".into(),
            ..Default::default()
        }
    };
    let mut next_id = 0i64;
    let mut store_screening = async |form: ScreeningForm| -> Result<String> {
        let (draft, score, level) = form
            .check(today, &catalogue)
            .map_err(|e| anyhow::anyhow!("demo screening: {e}"))?;
        let id = demo_id(2, next_id);
        next_id += 1;
        let rec = ScoredScreening {
            draft,
            risk_version: catalogue.version,
            risk_score: score,
            risk_level: level,
        };
        store
            .sync_screening(&by("demo"), &id, 0, &rec, "{}")
            .await?;
        Ok(id)
    };
    // The SSB hand-over: 41 women stopped on the Indian side and handed to Nepal Police.
    let ssb_day = date!(2022 - 03 - 14);
    let mut group = Vec::new();
    for k in 0..DEMO_SSB_GROUP {
        let f = screen(
            k,
            ids.jamunaha_booth,
            ssb_day,
            "handed-to-police",
            "female",
            &mut rng,
        );
        group.push(store_screening(f).await?);
    }
    let total_screenings = 1_200usize;
    let mut stopped = DEMO_SSB_GROUP;
    let mut recent = Vec::new();
    for k in DEMO_SSB_GROUP..total_screenings {
        let site = booths[k % 2];
        let day = (weeks[(k * 7) % weeks.len()]
            + Duration::days(i64::try_from(k % 5).unwrap_or(0)))
        .min(date!(2023 - 12 - 31));
        let outcome = if stopped < DEMO_STOPPED && k % 5 != 0 {
            stopped += 1;
            stopped_outcomes[stopped % stopped_outcomes.len()]
        } else {
            "counselled-continued"
        };
        let sex = if rng.next(10) < 8 { "female" } else { "male" };
        let id = store_screening(screen(k, site, day, outcome, sex, &mut rng)).await?;
        if outcome == "handed-to-police" && site == ids.jamunaha_booth && recent.len() < 3 {
            recent.push(id);
        }
    }
    let handover = |date: time::Date,
                    time: &str,
                    from: (&str, Option<i64>, &str, &str),
                    to: (&str, Option<i64>, &str, &str),
                    persons: Vec<String>,
                    gd: &str| HandoverForm {
        date: setu_core::calendar::iso(date),
        time: time.into(),
        place: "51106".into(),
        site: ids.jamunaha_booth.to_string(),
        from_party: from.0.into(),
        from_org: from.1.map(|o| o.to_string()).unwrap_or_default(),
        from_officer: from.2.into(),
        from_rank: from.3.into(),
        to_party: to.0.into(),
        to_org: to.1.map(|o| o.to_string()).unwrap_or_default(),
        to_officer: to.2.into(),
        to_rank: to.3.into(),
        persons,
        documents: "Citizenship certificates, two passports".into(),
        gd_number: gd.into(),
        ..Default::default()
    };
    let now = time::OffsetDateTime::now_utc();
    let ssb = handover(
        ssb_day,
        "16:30",
        (
            "ssb",
            Some(ids.ssb_rupaidiha),
            "R. K. Singh",
            "Sub-Inspector",
        ),
        (
            "nepal-police",
            Some(ids.jamunaha_police),
            "B. Oli",
            "Inspector",
        ),
        group,
        "GD 214/078-79",
    )
    .check(now)
    .map_err(|e| anyhow::anyhow!("demo hand-over: {e}"))?;
    let ssb_id = store.create_handover(&by("demo"), &ssb).await?;
    store
        .acknowledge_handover(&by("demo"), &ssb_id, None)
        .await?;
    // A hand-over from the booth two days ago that the police have not acknowledged yet.
    let pending = handover(
        today - Duration::days(2),
        "11:00",
        ("booth", None, "Demo Counsellor", "Counsellor"),
        ("nepal-police", Some(ids.jamunaha_police), "", ""),
        recent,
        "",
    )
    .check(now)
    .map_err(|e| anyhow::anyhow!("demo hand-over: {e}"))?;
    store.create_handover(&by("demo"), &pending).await?;
    // Police referrals at every stage, timed relative to now.
    let stages: [(&str, &str, &str, i64, &[ReferralStatus]); 5] = [
        (
            "booth",
            "suspected-trafficking",
            "immediate",
            1,
            &[
                ReferralStatus::Acknowledged,
                ReferralStatus::ActionTaken,
                ReferralStatus::Closed,
            ],
        ),
        (
            "youth-ambassador",
            "child-marriage",
            "urgent",
            3,
            &[ReferralStatus::Acknowledged],
        ),
        (
            "community",
            "fraudulent-recruitment",
            "routine",
            20,
            &[ReferralStatus::Acknowledged, ReferralStatus::ActionTaken],
        ),
        ("community", "missing-person", "urgent", 2, &[]),
        ("booth", "suspected-trafficking", "routine", 0, &[]),
    ];
    for (k, (source, category, urgency, days_ago, steps)) in stages.iter().enumerate() {
        let form = ReferralForm {
            source: (*source).into(),
            site: match (*source, k) {
                ("booth", 4) => ids.bhantabari_booth.to_string(),
                ("booth", _) => ids.jamunaha_booth.to_string(),
                _ => String::new(),
            },
            // The last one goes to Bhantabari, so each police unit has its own queue.
            place: if k == 4 { "1130302".to_string() } else { format!("51106{:02}", 3 + k) },
            to_org: if k == 4 { ids.bhantabari_police } else { ids.jamunaha_police }.to_string(),
            category: (*category).into(),
            urgency: (*urgency).into(),
            description: "A girl of about 15 was seen leaving with a man who offered her work in India (demo).".into(),
        };
        let d = form
            .check()
            .map_err(|e| anyhow::anyhow!("demo referral: {e}"))?;
        let sent = now - Duration::days(*days_ago) - Duration::hours(1);
        let id = store
            .create_referral(&by("demo"), &d, Some(ids.banke_ngo), sent)
            .await?;
        for (j, s) in steps.iter().enumerate() {
            let at = sent + Duration::hours(1 + i64::try_from(j).unwrap_or(0) * 5);
            store
                .advance_referral(&by("demo"), &id, *s, None, at)
                .await?;
        }
    }
    Ok(())
}

/// Records the demo's accounts are scoped to.
#[derive(Debug, Clone, Copy)]
pub struct DemoIds {
    /// The Jamunaha border booth (a site).
    pub jamunaha_booth: i64,
    /// The border police post at Jamunaha (an organisation).
    pub jamunaha_police: i64,
    /// The Bhantabari border booth (a site).
    pub bhantabari_booth: i64,
    /// The border police post at Bhantabari (an organisation).
    pub bhantabari_police: i64,
    /// The SSB outpost facing Jamunaha (an organisation).
    pub ssb_rupaidiha: i64,
    /// Banke's partner NGO.
    pub banke_ngo: i64,
    /// The three districts' partner NGOs (Banke, Makwanpur, Sunsari).
    pub ngos: [i64; 3],
}

/// One account per role, scoped inside the demo districts: (username, role, scope).
pub async fn users(store: &Store, ids: &DemoIds) -> Result<Vec<(String, Role, Scope)>> {
    let plan: Vec<(&str, Role, String, &str)> = vec![
        (
            "admin",
            Role::SystemAdmin,
            "NP".into(),
            "Demo Administrator",
        ),
        // A second administrator: a role that reads personal data, given by one, is applied
        // only when another approves it (the two-person rule).
        (
            "admin.second",
            Role::SystemAdmin,
            "NP".into(),
            "Demo Second Administrator",
        ),
        (
            "national",
            Role::NationalCoordinator,
            "NP".into(),
            "Demo National Coordinator",
        ),
        (
            "province.lumbini",
            Role::ProvinceCoordinator,
            "5".into(),
            "Demo Lumbini Coordinator",
        ),
        (
            "district.banke",
            Role::DistrictCoordinator,
            "511".into(),
            "Demo Banke Coordinator",
        ),
        (
            "district.makwanpur",
            Role::DistrictCoordinator,
            "312".into(),
            "Demo Makwanpur Coordinator",
        ),
        (
            "lccht.nepalganj",
            Role::LcchtMemberSecretary,
            "51106".into(),
            "Demo Member-Secretary",
        ),
        (
            "member.nepalganj",
            Role::LcchtMember,
            "51106".into(),
            "Demo LCCHT Member",
        ),
        (
            "booth.jamunaha",
            Role::BoothWorker,
            format!("site:{}", ids.jamunaha_booth),
            "Demo Booth Worker",
        ),
        (
            "police.jamunaha",
            Role::PoliceFocalPerson,
            format!("org:{}", ids.jamunaha_police),
            "Demo Police Focal Person",
        ),
        (
            "ngo.banke",
            Role::NgoCaseworker,
            format!("org:{}", ids.banke_ngo),
            "Demo Caseworker",
        ),
        (
            "supervisor.banke",
            Role::NgoSupervisor,
            format!("org:{}", ids.banke_ngo),
            "Demo NGO Supervisor",
        ),
        (
            "youth.nepalganj",
            Role::YouthAmbassador,
            "5110619".into(),
            "Demo Youth Ambassador",
        ),
        (
            "parents.hetauda",
            Role::ParentsGroupFacilitator,
            "31206".into(),
            "Demo Facilitator",
        ),
        ("analyst", Role::Analyst, "NP".into(), "Demo Analyst"),
        ("auditor", Role::Auditor, "NP".into(), "Demo Auditor"),
    ];
    let mut out = Vec::new();
    for (name, role, scope, full_name) in plan {
        let scope: Scope = scope.parse()?;
        let new = NewUser {
            username: name.into(),
            password: DEMO_PASSWORD.into(),
            role,
            scope,
            full_name: Some(full_name.into()),
        };
        store.create_user(&demo_actor(), &new).await?;
        out.push((name.to_string(), role, scope));
    }
    Ok(out)
}

/// Survivors' cases at Banke's partner NGO, opened by its caseworker: a woman, a girl with
/// her guardian and a third-gender survivor, with consents to services and to sharing with the
/// district police, one of them withdrawn; one case closed with the supervisor's approval.
pub async fn cases(store: &Store, ids: &DemoIds) -> Result<()> {
    use setu_core::cases::{CaseForm, ConsentForm};
    let today = setu_core::calendar::today_in_nepal();
    let today_bs = setu_core::calendar::BsDate::from_ad(today)?.to_string();
    let caseworker = as_user(store, "ngo.banke").await?;
    let user = store.user_by_name("ngo.banke").await?;
    let police = store
        .organisations(&DirectoryFilter::default())
        .await?
        .into_iter()
        .find(|o| o.name_en == "District Police Office, Banke")
        .map(|o| o.id)
        .context("Banke's district police office")?;
    // (given, family, sex, birth year, ward, guardian, relation, opened, share withdrawn)
    let people = [
        (
            "Sarita",
            "Tharu",
            "female",
            "2001",
            "5110604",
            "",
            "",
            "2083-05-12",
            false,
        ),
        (
            "सुनिता",
            "बिक",
            "female",
            "2010",
            "5110611",
            "कमला बिक",
            "आमा",
            "2083-06-03",
            true,
        ),
        (
            "Pabitra",
            "Gurung",
            "other",
            "1996",
            "5110619",
            "",
            "",
            "2083-07-21",
            false,
        ),
    ];
    for (given, family, sex, birth, ward, guardian, relation, opened, withdrawn) in people {
        let draft = CaseForm {
            organisation: ids.banke_ngo.to_string(),
            origin: "direct".into(),
            given_name: given.into(),
            family_name: family.into(),
            sex: sex.into(),
            birth_year: birth.into(),
            home: ward.into(),
            guardian_name: guardian.into(),
            guardian_relation: relation.into(),
            opened_on: opened.into(),
            ..CaseForm::default()
        }
        .check(today)
        .map_err(|e| anyhow::anyhow!("demo case: {e:?}"))?;
        let case = store.open_case(&caseworker, &draft, Some(&user.id)).await?;
        let child = !guardian.is_empty();
        for (kind, with) in [("services", String::new()), ("sharing", police.to_string())] {
            let consent = ConsentForm {
                kind: kind.into(),
                with_org: with,
                given_on: opened.into(),
                taken_by: "Demo Caseworker".into(),
                guardian: if child { "on".into() } else { String::new() },
            }
            .check(today)
            .map_err(|e| anyhow::anyhow!("demo consent: {e:?}"))?;
            let id = store.record_consent(&caseworker, &case, &consent).await?;
            if withdrawn && kind == "sharing" {
                store.withdraw_consent(&caseworker, &id, today).await?;
            }
        }
        // Assessed when the case was opened and again now: the change shows on her page.
        let series: [(&str, [&str; 8]); 2] = [
            (opened, ["1", "2", "2", "1", "2", "1", "1", "2"]),
            (&today_bs, ["3", "3", "3", "2", "3", "2", "2", "3"]),
        ];
        for (on, scores) in series {
            let mut form = setu_core::cases::AssessmentForm {
                assessed_on: on.to_string(),
                ..Default::default()
            };
            for (d, score) in setu_core::cases::Domain::ALL.iter().zip(scores) {
                form.fields.insert(d.score_field().into(), score.into());
            }
            form.fields
                .insert("note_safety".into(), "Demo: staying at the shelter".into());
            let draft = form
                .check(today)
                .map_err(|e| anyhow::anyhow!("demo assessment: {e:?}"))?;
            store.record_assessment(&caseworker, &case, &draft).await?;
        }
        if given == "Sarita" {
            plan_and_follow_up(store, &caseworker, &case, today).await?;
        }
        // The third-gender survivor is home and settled: her case is closed, asked by the
        // caseworker and approved by the supervisor.
        if sex == "other" {
            let reason = setu_core::cases::CloseReason::Reintegrated;
            store
                .ask_case_closure(
                    &caseworker,
                    &case,
                    reason,
                    Some("Back with her family, working"),
                    today,
                )
                .await?;
            store
                .decide_case_closure(
                    &as_user(store, "supervisor.banke").await?,
                    &case,
                    true,
                    today,
                )
                .await?;
        }
    }
    Ok(())
}

/// Sarita's plan (a livelihood goal with a task done and one late, reviewed) and her return
/// home 75 days ago, the first follow-up recorded: what a caseworker's page looks like in use.
async fn plan_and_follow_up(
    store: &Store,
    by: &Actor,
    case: &str,
    today: time::Date,
) -> Result<()> {
    use setu_core::cases::{FollowUpForm, GoalForm, ReviewForm, TaskForm};
    let bs = |d: time::Date| -> Result<String> {
        Ok(setu_core::calendar::BsDate::from_ad(d)?.to_string())
    };
    let fail = |what: &str, e: setu_core::Invalid| anyhow::anyhow!("demo {what}: {e:?}");
    let goal = GoalForm {
        domain: "livelihood".into(),
        goal: "Start a tailoring business at home".into(),
    }
    .check()
    .map_err(|e| fail("goal", e))?;
    let goal = store.add_goal(by, case, &goal).await?;
    for (task, days, done) in [
        ("Six-week tailoring course at the skills centre", -40, true),
        ("Seed funding for a sewing machine", -5, false),
    ] {
        let t = TaskForm {
            goal: goal.clone(),
            task: task.into(),
            due_on: bs(today + time::Duration::days(days))?,
            responsible: "Caseworker".into(),
        }
        .check()
        .map_err(|e| fail("task", e))?;
        let id = store.add_task(by, case, &t).await?;
        if done {
            store
                .finish_task(by, case, &id, today - time::Duration::days(42))
                .await?;
        }
    }
    let review = ReviewForm {
        reviewed_on: bs(today - time::Duration::days(30))?,
        next_review_on: bs(today + time::Duration::days(60))?,
        note: "Course finished; waiting for the machine".into(),
    }
    .check(today)
    .map_err(|e| fail("review", e))?;
    store.review_plan(by, case, &review).await?;
    seed_funding(store, by, case, today).await?;
    let mut told = setu_core::cases::ExperienceForm {
        version: "0".into(),
        status: "ActualVictimOfTrafficking".into(),
        destination: "India, Mumbai".into(),
        age_trafficked: "17".into(),
        months: "14".into(),
        ..Default::default()
    };
    for field in [
        "exploitation_SexualExploitation",
        "recruitment_ThroughFriendsOrSocialEvents",
        "control_FalsePromises",
        "control_DebtBondage",
        "control_WithholdsDocuments",
    ] {
        told.fields.insert(field.into(), "on".into());
    }
    let told = told.check().map_err(|e| fail("experience", e))?;
    store.record_experience(by, case, &told).await?;
    criminal_case(store, by, case, today).await?;
    store
        .mark_returned_home(by, case, today - time::Duration::days(75))
        .await?;
    let first = store.case_followups(case, Reveal::No).await?;
    if let Some(f) = first.first() {
        let mut form = FollowUpForm {
            followup: f.id.clone(),
            done_on: bs(today - time::Duration::days(44))?,
            contact: "visit".into(),
            note: "Living with her parents; sewing for neighbours".into(),
            ..Default::default()
        };
        form.fields.insert("found_with_family".into(), "on".into());
        form.fields.insert("found_has_income".into(), "on".into());
        let d = form.check(today).map_err(|e| fail("follow-up", e))?;
        store.record_followup(by, case, &d).await?;
    }
    Ok(())
}

/// Sarita's criminal case: reported at the district police office, before the district court
/// under sections 4(1)(a) and 4(2)(b), her statement taken, and her testimony ahead with its
/// support arranged (so that her caseworker's work list shows it).
async fn criminal_case(store: &Store, by: &Actor, case: &str, today: time::Date) -> Result<()> {
    use setu_core::justice::{HearingForm, JusticeForm};
    let bs = |d: time::Date| -> Result<String> {
        Ok(setu_core::calendar::BsDate::from_ad(d)?.to_string())
    };
    let fail = |what: &str, e: setu_core::Invalid| anyhow::anyhow!("demo {what}: {e:?}");
    let mut report = JusticeForm {
        version: "0".into(),
        police_office: "District Police Office, Banke".into(),
        fir_number: "112/2083".into(),
        reported_on: bs(today - time::Duration::days(70))?,
        court: "Banke District Court".into(),
        court_case: "083-CR-0047".into(),
        ..Default::default()
    };
    for charge in ["charge_4-1-a", "charge_4-2-b"] {
        report.fields.insert(charge.into(), "on".into());
    }
    let report = report.check(today).map_err(|e| fail("criminal case", e))?;
    store.record_justice(by, case, &report).await?;
    for (days, purpose, support) in [
        (-60, "statement", &["support_psychosocial"][..]),
        (
            10,
            "testimony",
            &[
                "support_legal-representation",
                "support_escort",
                "support_closed-hearing",
            ][..],
        ),
    ] {
        let mut h = HearingForm {
            held_on: bs(today + time::Duration::days(days))?,
            purpose: purpose.into(),
            ..Default::default()
        };
        for s in support {
            h.fields.insert((*s).into(), "on".into());
        }
        let h = h.check(today).map_err(|e| fail("hearing", e))?;
        store.add_hearing(by, case, &h).await?;
    }
    Ok(())
}

/// Sarita's tailoring course and her seed funding, a first tranche paid from her local level's
/// budget line when it has money left (the committee's plan then shows it spent).
async fn seed_funding(store: &Store, by: &Actor, case: &str, today: time::Date) -> Result<()> {
    use setu_core::cases::{ServiceForm, TrancheForm};
    let bs = |d: time::Date| -> Result<String> {
        Ok(setu_core::calendar::BsDate::from_ad(d)?.to_string())
    };
    let fail = |what: &str, e: setu_core::Invalid| anyhow::anyhow!("demo {what}: {e:?}");
    let provider = store
        .case(case, Reveal::No)
        .await?
        .organisation_id
        .to_string();
    let training = ServiceForm {
        kind: "skills-training".into(),
        provider: provider.clone(),
        started_on: bs(today - time::Duration::days(85))?,
        ended_on: bs(today - time::Duration::days(42))?,
        detail: "Tailoring".into(),
        hours: "180".into(),
        outcome: "completed".into(),
        ..Default::default()
    }
    .check(today)
    .map_err(|e| fail("training", e))?;
    store.record_service(by, case, &training).await?;
    let grant = ServiceForm {
        kind: "seed-funding".into(),
        provider,
        started_on: bs(today - time::Duration::days(20))?,
        detail: "Sewing machine and cloth".into(),
        amount: "25000".into(),
        ..Default::default()
    }
    .check(today)
    .map_err(|e| fail("seed funding", e))?;
    let grant = store.record_service(by, case, &grant).await?;
    // Nepalganj puts income generation and reintegration in its budget, as the brief asks.
    let nepalganj = PlaceCode::LocalLevel(51106);
    let lccht = store
        .committees(Scope::Place(nepalganj), today)
        .await?
        .into_iter()
        .find(|c| c.kind == CommitteeKind::Lccht && c.place == nepalganj)
        .context("Nepalganj's LCCHT")?;
    let purpose = "income generation and reintegration of survivors";
    let line = BudgetDraft {
        source: FundingSource::Own,
        purpose: purpose.into(),
        allocated: 200_000,
        spent: 0,
    };
    store
        .add_budget_line(
            &demo_actor(),
            lccht.id,
            FiscalYear::containing(today)?,
            &line,
        )
        .await?;
    let home = store.case(case, Reveal::No).await?.home;
    let lines = store.funding_lines(home, today).await?;
    if let Some(line) = lines.iter().find(|l| l.purpose == purpose) {
        let tranche = TrancheForm {
            service: grant,
            paid_on: bs(today - time::Duration::days(18))?,
            amount: line.left.min(15_000).to_string(),
            receipt: "NPJ-2083-117".into(),
            budget_line: line.id.clone(),
        }
        .check(today)
        .map_err(|e| fail("tranche", e))?;
        store.pay_tranche(by, case, &tranche).await?;
    }
    Ok(())
}

/// The signed-in demo user `name` as an actor (so that a report's owner gets its notification).
async fn as_user(store: &Store, name: &str) -> Result<Actor> {
    let user = store.user_by_name(name).await?;
    Ok(Actor::user(&user.id, &user.username))
}

/// Family tracing in Nepalganj: missing-person reports made by the LCCHT, police rescues and
/// shelter intakes written by other hands (true matches among them, in Devanagari, with
/// surname aliases, swapped names and a minor claiming 18), two rescues of one girl to merge,
/// and strangers. One match is confirmed and the girl is home; the rest wait for review.
pub async fn tracing(store: &Store, ids: &DemoIds) -> Result<()> {
    use setu_core::tracing::{EncounterForm, ReportForm, ReportStatus};
    let today = time::OffsetDateTime::now_utc().date();
    let secretary = as_user(store, "lccht.nepalganj").await?;
    let police = as_user(store, "police.jamunaha").await?;
    let ngo = as_user(store, "ngo.banke").await?;
    // (given, family, age, father, mother, ward, reported, last seen, status)
    let reports = [
        (
            "Samjhana",
            "Pariyar",
            "15",
            "Bir Bahadur Pariyar",
            "Kali Pariyar",
            "04",
            "2025-03-02",
            "2025-02-27",
        ),
        (
            "सुशीला",
            "सुनार",
            "16",
            "राम सुनार",
            "",
            "08",
            "2025-04-11",
            "2025-04-09",
        ),
        (
            "Radha",
            "Khadka",
            "14",
            "",
            "Devi Khadka",
            "11",
            "2025-05-20",
            "2025-05-18",
        ),
        (
            "Parbati",
            "Dhami",
            "17",
            "Karna Dhami",
            "Sita Dhami",
            "02",
            "2025-01-15",
            "2025-01-12",
        ),
        (
            "Nirmala",
            "Oli",
            "19",
            "Dal Bahadur Oli",
            "",
            "13",
            "2025-06-03",
            "2025-06-01",
        ),
        (
            "Kamala",
            "Bohara",
            "13",
            "Jaya Bohara",
            "Laxmi Bohara",
            "06",
            "2025-02-21",
            "2025-02-20",
        ),
        (
            "Asmita",
            "Damai",
            "16",
            "",
            "",
            "15",
            "2025-07-08",
            "2025-07-02",
        ),
        (
            "दुर्गा",
            "रोकाया",
            "15",
            "गोरख रोकाया",
            "",
            "09",
            "2025-08-14",
            "2025-08-10",
        ),
        (
            "Sapana",
            "Kami",
            "17",
            "Hari Kami",
            "Maya Kami",
            "17",
            "2024-11-30",
            "2024-11-29",
        ),
        (
            "Mina",
            "Nepali",
            "12",
            "Tek Nepali",
            "",
            "03",
            "2025-09-01",
            "2025-08-31",
        ),
    ];
    let mut report_ids = Vec::new();
    for (given, family, age, father, mother, ward, on, seen) in reports {
        let form = ReportForm {
            reporter_name: [father, mother]
                .into_iter()
                .find(|n| !n.is_empty())
                .unwrap_or("Ward office (demo)")
                .into(),
            reporter_relation: if father.is_empty() && mother.is_empty() {
                "ward-office"
            } else {
                "parent"
            }
            .into(),
            reported_on: on.into(),
            last_seen_on: seen.into(),
            last_seen_place: "Nepalganj bus park".into(),
            given_name: given.into(),
            family_name: family.into(),
            sex: "female".into(),
            age: age.into(),
            father_name: father.into(),
            mother_name: mother.into(),
            home: format!("51106{ward}"),
            description: "Invented for the demo.".into(),
            police_ref: format!("DPO-BNK-{}", &on[..4]),
            consent_tracing: "yes".into(),
            ..Default::default()
        };
        let d = form
            .check(today)
            .map_err(|e| anyhow::anyhow!("demo report: {e}"))?;
        report_ids.push(store.create_report(&secretary, &d).await?);
    }
    // (source, given, family, age, father, mother, ward, met on)
    let encounters = [
        (
            "police",
            "SAMJANA",
            "PARIYAR",
            "16",
            "Bir Pariyar",
            "",
            "04",
            "2025-09-12",
        ),
        (
            "shelter",
            "Sushila",
            "BK",
            "18",
            "Ram Sunar",
            "",
            "08",
            "2025-06-30",
        ),
        (
            "shelter",
            "Khadka",
            "Radha",
            "14",
            "",
            "Debi Khadka",
            "11",
            "2025-07-02",
        ),
        (
            "police",
            "Parvati",
            "Dhami",
            "17",
            "Karna Dhami",
            "",
            "02",
            "2025-03-10",
        ),
        (
            "police",
            "Meena",
            "Rokaya",
            "17",
            "Bhim Rokaya",
            "",
            "12",
            "2025-10-02",
        ),
        (
            "police",
            "Mina",
            "Rokaya",
            "16",
            "Bhim Bahadur Rokaya",
            "",
            "12",
            "2025-10-20",
        ),
        (
            "shelter",
            "Rekha",
            "Bhandari",
            "22",
            "",
            "",
            "05",
            "2025-04-04",
        ),
        (
            "police",
            "Sabina",
            "Khatun",
            "19",
            "Rafiq Khan",
            "",
            "14",
            "2025-08-08",
        ),
        (
            "shelter",
            "Pooja",
            "Chand",
            "15",
            "Nar Chand",
            "",
            "10",
            "2025-05-15",
        ),
        (
            "police",
            "Karishma",
            "Shah",
            "20",
            "",
            "",
            "16",
            "2025-09-25",
        ),
    ];
    for (source, given, family, age, father, mother, ward, on) in encounters {
        let (by, org) = if source == "police" {
            (&police, ids.jamunaha_police)
        } else {
            (&ngo, ids.banke_ngo)
        };
        let form = EncounterForm {
            source: source.into(),
            organisation: org.to_string(),
            place: "51106".into(),
            met_on: on.into(),
            given_name: given.into(),
            family_name: family.into(),
            sex: "female".into(),
            age: age.into(),
            father_name: father.into(),
            mother_name: mother.into(),
            home: format!("51106{ward}"),
            ..Default::default()
        };
        let d = form
            .check(today)
            .map_err(|e| anyhow::anyhow!("demo encounter: {e}"))?;
        store.create_encounter(by, &d).await?;
    }
    // Parbati was confirmed by the district coordinator and is home; the rest wait.
    let parbati = report_ids.get(3).context("demo report missing")?;
    let reviewer = as_user(store, "district.banke").await?;
    let queue = store
        .proposals(Scope::Place(code("511")?), Some("proposed"))
        .await?;
    let found = queue
        .iter()
        .find(|p| &p.left_id == parbati)
        .context("the demo's Parbati was not proposed")?;
    store.decide_proposal(&reviewer, &found.id, true).await?;
    let version = store.report(parbati, Reveal::No).await?.version;
    store
        .set_report_status(
            &secretary,
            parbati,
            version,
            ReportStatus::ReturnedHome,
            setu_core::calendar::today_in_nepal(),
        )
        .await?;
    // A case closed without a match: Mina came back on her own.
    let mina = report_ids.get(9).context("demo report missing")?;
    let version = store.report(mina, Reveal::No).await?.version;
    store
        .set_report_status(
            &secretary,
            mina,
            version,
            ReportStatus::Withdrawn,
            date!(2025 - 09 - 04),
        )
        .await?;
    Ok(())
}

/// Invented contact persons (personal data, sealed at rest) for a few organisations.
async fn contacts(store: &Store, ids: &DemoIds, makwanpur_police: i64) -> Result<()> {
    let people = [
        (
            ids.jamunaha_police,
            "focal person",
            "Sarita Khadka (demo)",
            "+977 981-0000101",
        ),
        (
            ids.banke_ngo,
            "shelter manager",
            "Pooja Tharu (demo)",
            "+977 981-0000102",
        ),
        (
            ids.banke_ngo,
            "counsellor",
            "Anil Yadav (demo)",
            "+977 981-0000103",
        ),
        (
            makwanpur_police,
            "focal person",
            "Bimala Lama (demo)",
            "+977 981-0000104",
        ),
    ];
    for (org, title, name, phone) in people {
        let draft = ContactDraft {
            title: title.into(),
            name: name.into(),
            phone: Some(phone.into()),
        };
        store.create_contact(&demo_actor(), org, &draft).await?;
    }
    Ok(())
}

/// Fills an empty, migrated store with the demo directory.
pub async fn build(store: &Store) -> Result<DemoIds> {
    // Each programme local level: its government and its LCCHT.
    for ll in PROGRAMME_LOCAL_LEVELS {
        let place = store
            .place(PlaceCode::LocalLevel(ll))
            .await?
            .with_context(|| format!("local level {ll} missing from the geography"))?;
        let en = place.name_en.clone().unwrap_or_default();
        let ne = place.name_ne.clone().unwrap_or_default();
        let short_en = en.split(" Sub-Metropolitan").next().unwrap_or(&en);
        let short_en = short_en
            .split(" Rural Municipality")
            .next()
            .unwrap_or(short_en);
        let short_en = short_en.split(" Municipality").next().unwrap_or(short_en);
        let short_ne = ne.split_whitespace().next().unwrap_or(&ne);
        let code = ll.to_string();
        let gov = org(store, &en, &ne, OrgKind::Municipality, &code).await?;
        org(
            store,
            &format!("{short_en} LCCHT"),
            &format!("{short_ne} स्थानीय मानव बेचबिखन नियन्त्रण समिति"),
            OrgKind::Committee,
            &code,
        )
        .await?;
        site(
            store,
            &format!("{short_en} ward 1 office"),
            &format!("{short_ne} वडा नं. १ कार्यालय"),
            SiteKind::WardOffice,
            &format!("{code}01"),
            Some(gov),
        )
        .await?;
    }

    // Districts: DCCHT, District Police Office, a partner NGO with a shelter.
    let districts = [
        ("511", "Banke", "बाँके", "Nepalganj", "नेपालगञ्ज", "51106"),
        ("312", "Makwanpur", "मकवानपुर", "Hetauda", "हेटौंडा", "31206"),
        ("113", "Sunsari", "सुनसरी", "Inaruwa", "इनरुवा", "11309"),
    ];
    let mut ngos = Vec::new();
    let mut police_offices = Vec::new();
    for (d, en, ne, hq_en, hq_ne, hq) in districts {
        org(
            store,
            &format!("{en} DCCHT"),
            &format!("{ne} जिल्ला मानव बेचबिखन नियन्त्रण समिति"),
            OrgKind::Committee,
            d,
        )
        .await?;
        let police = org(
            store,
            &format!("District Police Office, {en}"),
            &format!("जिल्ला प्रहरी कार्यालय, {ne}"),
            OrgKind::PoliceUnit,
            hq,
        )
        .await?;
        site(
            store,
            &format!("Women and Children Service Centre, {hq_en}"),
            &format!("महिला तथा बालबालिका सेवा केन्द्र, {hq_ne}"),
            SiteKind::PolicePost,
            hq,
            Some(police),
        )
        .await?;
        let ngo = org(
            store,
            &format!("{en} Safe Migration Forum (demo NGO)"),
            &format!("{ne} सुरक्षित आप्रवासन मञ्च (नमुना संस्था)"),
            OrgKind::Ngo,
            hq,
        )
        .await?;
        site(
            store,
            &format!("{en} transit shelter"),
            &format!("{ne} अस्थायी आश्रय गृह"),
            SiteKind::Shelter,
            hq,
            Some(ngo),
        )
        .await?;
        ngos.push(ngo);
        police_offices.push(police);
    }

    // The two border booths of the brief, and the police and SSB posts facing them.
    let banke_ngo = ngos.first().copied();
    let sunsari_ngo = ngos.get(2).copied();
    let jamunaha_booth = site(
        store,
        "Jamunaha information and assistance booth",
        "जमुनाहा सूचना तथा सहायता केन्द्र",
        SiteKind::BorderBooth,
        "51106",
        banke_ngo,
    )
    .await?;
    let bhantabari_booth = site(
        store,
        "Bhantabari information and assistance booth",
        "भन्टाबारी सूचना तथा सहायता केन्द्र",
        SiteKind::BorderBooth,
        "11303",
        sunsari_ngo,
    )
    .await?;
    let jamunaha_police = org(
        store,
        "Border Police Post, Jamunaha",
        "सीमा प्रहरी चौकी, जमुनाहा",
        OrgKind::PoliceUnit,
        "51106",
    )
    .await?;
    site(
        store,
        "Jamunaha border police post",
        "जमुनाहा सीमा प्रहरी चौकी",
        SiteKind::PolicePost,
        "51106",
        Some(jamunaha_police),
    )
    .await?;
    let bhantabari_police = org(
        store,
        "Border Police Post, Bhantabari",
        "सीमा प्रहरी चौकी, भन्टाबारी",
        OrgKind::PoliceUnit,
        "11303",
    )
    .await?;
    site(
        store,
        "Bhantabari border police post",
        "भन्टाबारी सीमा प्रहरी चौकी",
        SiteKind::PolicePost,
        "11303",
        Some(bhantabari_police),
    )
    .await?;
    let ssb_rupaidiha = org(
        store,
        "SSB border outpost, Rupaidiha (facing Jamunaha)",
        "एसएसबी सीमा चौकी, रुपैडिहा (जमुनाहा सामु)",
        OrgKind::SsbPost,
        "51106",
    )
    .await?;
    org(
        store,
        "SSB border outpost, Bhimnagar (facing Bhantabari)",
        "एसएसबी सीमा चौकी, भीमनगर (भन्टाबारी सामु)",
        OrgKind::SsbPost,
        "11303",
    )
    .await?;
    let ids = DemoIds {
        jamunaha_booth,
        jamunaha_police,
        bhantabari_booth,
        bhantabari_police,
        ssb_rupaidiha,
        banke_ngo: banke_ngo.context("Banke NGO missing")?,
        ngos: [
            ngos.first().copied().context("NGO missing")?,
            ngos.get(1).copied().context("NGO missing")?,
            ngos.get(2).copied().context("NGO missing")?,
        ],
    };
    let makwanpur_police = police_offices
        .get(1)
        .copied()
        .context("Makwanpur police missing")?;
    contacts(store, &ids, makwanpur_police).await?;
    Ok(ids)
}
