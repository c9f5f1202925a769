//! The demo's survivors at the scale of the brief (issue 16, point 13): the 41 women of the SSB
//! hand-over, opened as cases at Banke's NGO from their own screenings (never typed again),
//! sheltered, treated, counselled, reunited, followed up for a year, given seed funding from
//! their local level's budget or linked to a government scheme, most of them closed as
//! reintegrated; and survivors of this year at the three districts' NGOs, with services, seed
//! funding, schemes, referrals between the NGOs, follow-ups (some overdue) and criminal cases.
//! Deterministic: the same every time it is built.

use anyhow::{Context, Result};
use setu_core::access::Scope;
use setu_core::calendar::{today_in_nepal, BsDate};
use setu_core::cases::{
    CaseForm, CloseReason, ConsentForm, FollowUpForm, Reintegration, ServiceForm, TrancheForm,
};
use setu_core::committees::{BudgetDraft, CommitteeKind, FundingSource};
use setu_core::{FiscalYear, PlaceCode};
use setu_store::audit::Actor;
use setu_store::sealing::Reveal;
use setu_store::Store;
use time::{Date, Duration};

use super::{as_user, demo_actor, demo_id, DemoIds, Lcg, DEMO_SSB_GROUP, PROGRAMME_LOCAL_LEVELS};

/// What local levels put in their budgets for survivors (the brief asks them to).
const PURPOSE: &str = "income generation and reintegration of survivors";

/// Government schemes survivors are linked to.
const SCHEMES: [&str; 3] = [
    "Prime Minister Employment Programme",
    "Youth and Small Entrepreneur Self-Employment Fund",
    "Women Entrepreneurship Development Fund",
];

fn bs(d: Date) -> Result<String> {
    Ok(BsDate::from_ad(d)?.to_string())
}

fn fail(what: &str) -> impl Fn(setu_core::Invalid) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("demo {what}: {e:?}")
}

/// Builds them.
pub async fn survivors(store: &Store, ids: &DemoIds) -> Result<()> {
    let today = today_in_nepal();
    let ssb_day = time::macros::date!(2022 - 03 - 14);
    // In 2022 a donor paid for the survivors' seed funding through the committees; this year
    // the municipalities pay from their own budgets (the brief's sustainability test).
    budget_lines(store, ssb_day + Duration::days(60), FundingSource::Donor).await?;
    budget_lines(store, today, FundingSource::Own).await?;
    let banke = as_user(store, "ngo.banke").await?;
    let supervisor = as_user(store, "supervisor.banke").await?;
    let mut rng = Lcg(2083);
    for k in 0..DEMO_SSB_GROUP {
        ssb_survivor(store, ids, (&banke, &supervisor), k, &mut rng).await?;
    }
    this_year(store, ids, &banke, &mut rng).await?;
    Ok(())
}

/// A line for survivors in the budget of every programme LCCHT, for the fiscal year of `day`
/// (Nepalganj's of this year exists already: Sarita is paid from it).
async fn budget_lines(store: &Store, day: Date, source: FundingSource) -> Result<()> {
    let fy = FiscalYear::containing(day)?;
    for ll in PROGRAMME_LOCAL_LEVELS {
        let place = PlaceCode::LocalLevel(ll);
        let home = PlaceCode::Ward {
            local_level: ll,
            ward: 1,
        };
        let has = store
            .funding_lines(Some(home), day)
            .await?
            .iter()
            .any(|l| l.purpose == PURPOSE);
        if has {
            continue;
        }
        let lccht = store
            .committees(Scope::Place(place), day)
            .await?
            .into_iter()
            .find(|c| c.kind == CommitteeKind::Lccht && c.place == place)
            .with_context(|| format!("the LCCHT of {ll}"))?;
        let line = BudgetDraft {
            source,
            purpose: PURPOSE.into(),
            allocated: 400_000,
            spent: 0,
        };
        store
            .add_budget_line(&demo_actor(), lccht.id, fy, &line)
            .await?;
    }
    Ok(())
}

/// A case opened for her, with consent to services and to follow-up; its id.
async fn open(store: &Store, by: &Actor, form: CaseForm, today: Date) -> Result<String> {
    let opened = form.opened_on.clone();
    let draft = form.check(today).map_err(fail("case"))?;
    let child = draft.is_child_on(draft.opened_on);
    let user = store.user_by_name(&by.name).await.ok().map(|u| u.id);
    let case = store.open_case(by, &draft, user.as_deref()).await?;
    for kind in ["services", "follow-up"] {
        let consent = ConsentForm {
            kind: kind.into(),
            given_on: opened.clone(),
            taken_by: "Demo Caseworker".into(),
            guardian: if child { "on".into() } else { String::new() },
            ..Default::default()
        }
        .check(today)
        .map_err(fail("consent"))?;
        store.record_consent(by, &case, &consent).await?;
    }
    Ok(case)
}

/// A service given to her.
async fn give(
    store: &Store,
    by: &Actor,
    case: &str,
    provider: i64,
    fields: &[(&str, String)],
) -> Result<String> {
    let today = today_in_nepal();
    let mut f = ServiceForm {
        provider: provider.to_string(),
        ..Default::default()
    };
    for (k, v) in fields {
        let v = v.clone();
        match *k {
            "kind" => f.kind = v,
            "started_on" => f.started_on = v,
            "ended_on" => f.ended_on = v,
            "detail" => f.detail = v,
            "hours" => f.hours = v,
            "amount" => f.amount = v,
            "outcome" => f.outcome = v,
            _ => {}
        }
    }
    let d = f.check(today).map_err(fail("service"))?;
    Ok(store.record_service(by, case, &d).await?)
}

/// Seed funding of `amount` granted on `on`, its first half paid a few days later from her
/// local level's budget line for that fiscal year.
async fn seed(
    store: &Store,
    by: &Actor,
    case: &str,
    provider: i64,
    on: Date,
    amount: i64,
) -> Result<()> {
    let grant = give(
        store,
        by,
        case,
        provider,
        &[
            ("kind", "seed-funding".into()),
            ("started_on", bs(on)?),
            ("detail", "A small shop, goats or a sewing machine".into()),
            ("amount", amount.to_string()),
        ],
    )
    .await?;
    let paid = on + Duration::days(5);
    let held = store.case(case, Reveal::No).await?;
    // The NGO's own line when it has one, else her local level's.
    let lines = store.case_funding_lines(&held, paid).await?;
    let line = lines
        .iter()
        .find(|l| l.committee_kind == setu_store::services::OWN_LINE && l.left >= amount / 2)
        .or_else(|| lines.iter().find(|l| l.purpose == PURPOSE))
        .cloned()
        .context("a budget line for survivors")?;
    let tranche = TrancheForm {
        service: grant,
        paid_on: bs(paid)?,
        amount: (amount / 2).min(line.left).to_string(),
        receipt: format!("R-{}-{}", paid.year(), &case[..8]),
        budget_line: line.id,
    }
    .check(today_in_nepal())
    .map_err(fail("tranche"))?;
    store.pay_tranche(by, case, &tranche).await?;
    Ok(())
}

/// Follow-ups recorded on their day, each finding what `found` gives for its place in the
/// schedule; those due after `until` (or whose day has not come) left as they are.
async fn follow_up(
    store: &Store,
    by: &Actor,
    case: &str,
    until: Date,
    found: impl Fn(usize) -> &'static [&'static str],
) -> Result<()> {
    let today = today_in_nepal();
    for (i, f) in store
        .case_followups(case, Reveal::No)
        .await?
        .iter()
        .enumerate()
    {
        let due = setu_core::calendar::parse_ad(&f.due_on)?;
        if due > until || due > today {
            continue;
        }
        let mut form = FollowUpForm {
            followup: f.id.clone(),
            done_on: bs(due)?,
            contact: if i % 2 == 0 { "visit" } else { "phone" }.into(),
            ..Default::default()
        };
        for status in found(i) {
            let status = Reintegration::parse(status).context("a reintegration status")?;
            form.fields.insert(status.field().into(), "on".into());
        }
        let d = form.check(today).map_err(fail("follow-up"))?;
        store.record_followup(by, case, &d).await?;
    }
    Ok(())
}

/// One woman of the SSB hand-over: her case at Banke's NGO, opened from her screening the day
/// after; shelter, medical care, counselling, reunification; followed up for a year; seed
/// funding (two in three) or a government scheme; closed as reintegrated unless one of the
/// last six, still open; five of them with a criminal case.
async fn ssb_survivor(
    store: &Store,
    ids: &DemoIds,
    (by, supervisor): (&Actor, &Actor),
    k: usize,
    rng: &mut Lcg,
) -> Result<()> {
    let today = today_in_nepal();
    let screening = demo_id(2, i64::try_from(k)?);
    let s = store.screening(&screening, Reveal::To(by)).await?;
    let opened = time::macros::date!(2022 - 03 - 15);
    let born = opened.year() - i32::try_from(s.age)?;
    let child = s.age < 18;
    let form = CaseForm {
        organisation: ids.banke_ngo.to_string(),
        origin: "screening".into(),
        origin_id: screening.clone(),
        given_name: s.given_name.clone().unwrap_or_default(),
        family_name: s.family_name.clone().unwrap_or_default(),
        sex: s.sex.as_str().into(),
        birth_year: born.to_string(),
        home: s.home_code.clone().unwrap_or_default(),
        guardian_name: if child {
            "Guardian (demo)".into()
        } else {
            String::new()
        },
        guardian_relation: if child {
            "mother".into()
        } else {
            String::new()
        },
        opened_on: bs(opened)?,
    };
    let case = open(store, by, form, today).await?;
    let ngo = ids.banke_ngo;
    let home_day = opened + Duration::days(10 + i64::try_from(rng.next(25))?);
    give(
        store,
        by,
        &case,
        ngo,
        &[
            ("kind", "shelter-stay".into()),
            ("started_on", bs(opened)?),
            ("ended_on", bs(home_day)?),
        ],
    )
    .await?;
    for (kind, after) in [("medical", 1), ("psychosocial", 4)] {
        give(
            store,
            by,
            &case,
            ngo,
            &[
                ("kind", kind.into()),
                ("started_on", bs(opened + Duration::days(after))?),
            ],
        )
        .await?;
    }
    give(
        store,
        by,
        &case,
        ngo,
        &[
            ("kind", "family-reunification".into()),
            ("started_on", bs(home_day)?),
        ],
    )
    .await?;
    store.mark_returned_home(by, &case, home_day).await?;
    let remigrated = k % 13 == 5;
    follow_up(store, by, &case, today, |i| match (i, remigrated) {
        (3, true) => &["re-migrated"],
        (0, _) => &["with-family"],
        (1, _) => &["with-family", "in-school-or-work"],
        _ => &["with-family", "in-school-or-work", "has-income"],
    })
    .await?;
    let support_day = home_day + Duration::days(20);
    if k % 3 == 2 {
        give(
            store,
            by,
            &case,
            ngo,
            &[
                ("kind", "scheme-linkage".into()),
                ("started_on", bs(support_day)?),
                ("detail", SCHEMES[k % SCHEMES.len()].into()),
                (
                    "outcome",
                    if k % 9 == 8 { "refused" } else { "approved" }.into(),
                ),
            ],
        )
        .await?;
    } else {
        let amount = 20_000 + 5_000 * i64::try_from(rng.next(5))?;
        seed(store, by, &case, ngo, support_day, amount).await?;
    }
    if k < 5 {
        criminal_case(store, by, &case, k, opened).await?;
    }
    if k < DEMO_SSB_GROUP - 6 && !remigrated {
        store
            .ask_case_closure(by, &case, CloseReason::Reintegrated, None, today)
            .await?;
        store
            .decide_case_closure(supervisor, &case, true, today)
            .await?;
    }
    Ok(())
}

/// Her criminal case against the traffickers of the SSB hand-over: reported at the district
/// police office; two convicted with compensation, one acquitted, two still before the court.
async fn criminal_case(
    store: &Store,
    by: &Actor,
    case: &str,
    k: usize,
    opened: Date,
) -> Result<()> {
    let mut f = setu_core::justice::JusticeForm {
        version: "0".into(),
        police_office: "District Police Office, Banke".into(),
        fir_number: format!("{}/2078", 300 + k),
        reported_on: bs(opened + Duration::days(2))?,
        court: "Banke District Court".into(),
        court_case: format!("078-CR-{:04}", 210 + k),
        ..Default::default()
    };
    f.fields.insert("charge_4-1-a".into(), "on".into());
    f.fields.insert("charge_4-2-a".into(), "on".into());
    let decided = opened + Duration::days(420 + 30 * i64::try_from(k)?);
    match k {
        0 | 1 => {
            f.outcome = "convicted".into();
            f.decided_on = bs(decided)?;
            f.compensation = "200000".into();
        }
        2 => {
            f.outcome = "acquitted".into();
            f.decided_on = bs(decided)?;
        }
        _ => {}
    }
    let d = f.check(today_in_nepal()).map_err(fail("criminal case"))?;
    store.record_justice(by, case, &d).await?;
    Ok(())
}

/// Survivors of this year at each district's NGO: ten each, opened in the last eight months,
/// given counselling and legal aid, two in three trained and given seed funding, the others
/// linked to a scheme; most home and followed up (every fourth with a follow-up left overdue);
/// Banke's NGO refers four to the other NGOs with their consent, answered in turn.
async fn this_year(store: &Store, ids: &DemoIds, banke: &Actor, rng: &mut Lcg) -> Result<()> {
    let today = today_in_nepal();
    let given = [
        "Anita", "Sabina", "Laxmi", "Rupa", "Gita", "Puja", "Kabita", "Manisha", "Sushila",
        "Bimala",
    ];
    let family = [
        "Tamang",
        "Lama",
        "Tharu",
        "Chaudhary",
        "Magar",
        "Rai",
        "Limbu",
        "Shrestha",
    ];
    let districts: [&[u32]; 3] = [
        &PROGRAMME_LOCAL_LEVELS[..5],
        &PROGRAMME_LOCAL_LEVELS[5..9],
        &PROGRAMME_LOCAL_LEVELS[9..],
    ];
    let mut referred = 0;
    // Sunsari's NGO pays seed funding from its own budget (a donor's grant to it); the others
    // from their municipalities'.
    let fy = FiscalYear::containing(today)?;
    let own = "Seed grants for survivors (donor grant)";
    store
        .add_org_budget_line(&demo_actor(), ids.ngos[2], fy, own, 150_000)
        .await?;
    for (d, (ngo, lls)) in ids.ngos.iter().zip(districts).enumerate() {
        let by = if d == 0 {
            banke.clone()
        } else {
            Actor::system("demo-ngo")
        };
        for n in 0..10usize {
            let i = d * 10 + n;
            let opened =
                today - Duration::days(30 + 21 * i64::try_from(n)? + i64::try_from(rng.next(7))?);
            let ll = lls[n % lls.len()];
            let form = CaseForm {
                organisation: ngo.to_string(),
                origin: "direct".into(),
                given_name: given[i % given.len()].into(),
                family_name: family[(i / 3) % family.len()].into(),
                sex: if n == 7 { "male" } else { "female" }.into(),
                birth_year: (today.year() - 16 - i32::try_from(rng.next(18))?).to_string(),
                home: format!("{ll}{:02}", 1 + rng.next(5)),
                guardian_name: "Guardian (demo)".into(),
                guardian_relation: "mother".into(),
                opened_on: bs(opened)?,
                ..Default::default()
            };
            let case = open(store, &by, form, today).await?;
            for (kind, after) in [("psychosocial", 2), ("legal-aid", 6)] {
                give(
                    store,
                    &by,
                    &case,
                    *ngo,
                    &[
                        ("kind", kind.into()),
                        ("started_on", bs(opened + Duration::days(after))?),
                    ],
                )
                .await?;
            }
            // Paid from this fiscal year's budget, once her training is under way.
            let fy_start = FiscalYear::containing(today)?.first_day();
            let support = (opened + Duration::days(14)).max(fy_start + Duration::days(1));
            if n % 3 == 2 {
                give(
                    store,
                    &by,
                    &case,
                    *ngo,
                    &[
                        ("kind", "scheme-linkage".into()),
                        ("started_on", bs(support)?),
                        ("detail", SCHEMES[n % SCHEMES.len()].into()),
                        ("outcome", ["applied", "approved", "approved"][n % 3].into()),
                    ],
                )
                .await?;
            } else {
                give(
                    store,
                    &by,
                    &case,
                    *ngo,
                    &[
                        ("kind", "skills-training".into()),
                        ("started_on", bs(opened + Duration::days(3))?),
                        (
                            "detail",
                            ["Tailoring", "Beautician", "Mobile repair"][n % 3].into(),
                        ),
                        ("hours", "120".into()),
                    ],
                )
                .await?;
                seed(store, &by, &case, *ngo, support, 30_000).await?;
            }
            let home_day = opened + Duration::days(20);
            if n < 8 && home_day < today {
                store.mark_returned_home(&by, &case, home_day).await?;
                // Every fourth has her latest follow-up left undone: overdue on the work list.
                let until = if n % 4 == 1 {
                    today - Duration::days(40)
                } else {
                    today
                };
                follow_up(store, &by, &case, until, |_| {
                    &["with-family", "in-school-or-work"]
                })
                .await?;
            }
            if d == 0 && n < 4 {
                refer(store, ids, &by, &case, n, opened).await?;
                referred += 1;
            }
        }
    }
    anyhow::ensure!(referred == 4, "four referrals");
    Ok(())
}

/// A referral from Banke's NGO to another district's NGO, with her consent to sharing with
/// it: delivered, accepted, declined, or still waiting for an answer.
async fn refer(
    store: &Store,
    ids: &DemoIds,
    by: &Actor,
    case: &str,
    n: usize,
    opened: Date,
) -> Result<()> {
    let today = today_in_nepal();
    let to = ids.ngos[1 + n % 2];
    let consent = ConsentForm {
        kind: "sharing".into(),
        with_org: to.to_string(),
        given_on: bs(opened)?,
        taken_by: "Demo Caseworker".into(),
        ..Default::default()
    }
    .check(today)
    .map_err(fail("consent"))?;
    store.record_consent(by, case, &consent).await?;
    let draft = setu_store::case_referrals::ReferralDraft {
        to_org: to,
        service: setu_core::cases::ServiceKind::SkillsTraining,
        note: Some("She is moving to her aunt's; wants to train near her".into()),
        glass: None,
    };
    let sent = store.send_case_referral(by, case, &draft, today).await?;
    let receiver = Actor::system("demo-receiver");
    match n {
        0 => {
            store.answer_case_referral(&receiver, &sent, None).await?;
            store.deliver_case_referral(&receiver, &sent, today).await?;
        }
        1 => store.answer_case_referral(&receiver, &sent, None).await?,
        2 => {
            let reason = setu_core::cases::DeclineReason::NoCapacity;
            store
                .answer_case_referral(&receiver, &sent, Some(reason))
                .await?;
        }
        _ => {}
    }
    Ok(())
}
