//! How long saving an encounter takes, matching included, in a register of a given size.
//! The target: candidate matches found within 2 seconds of a save.
//!
//!     cargo run --release -p setu-store --example matching_speed -- 5000
//!
//! Builds a fresh SQLite register in a temporary folder with N reports and N encounters (a
//! third of them the same people, written by other hands), then times 20 more saves and
//! prints the median and the slowest. Results go in docs/benchmarks.md by hand, with the
//! command line that produced them.

use std::time::Instant;

use setu_core::directory::DirectoryForm;
use setu_core::tracing::{EncounterForm, ReportForm};
use setu_store::audit::Actor;
use setu_store::{ConnectOptions, Store};
use time::macros::date;

const GIVEN: [&str; 12] = [
    "Sita", "Gita", "Sunita", "Anita", "Kabita", "Laxmi", "Sabita", "Kamala", "Bimala", "Puja",
    "Sapana", "Asmita",
];
const FAMILY: [&str; 10] = [
    "Tamang", "Thapa", "Gurung", "Shrestha", "Magar", "Rai", "BK", "Yadav", "Karki", "Limbu",
];
const FATHER: [&str; 7] = ["Ram", "Hari", "Krishna", "Bishnu", "Shyam", "Dil", "Man"];

fn report(i: usize) -> ReportForm {
    ReportForm {
        reporter_name: format!("Parent {i}"),
        reporter_relation: "parent".into(),
        consent_tracing: "yes".into(),
        reported_on: "2024-03-01".into(),
        given_name: GIVEN[i % 12].into(),
        family_name: FAMILY[(i / 12) % 10].into(),
        sex: "female".into(),
        birth_year: (1995 + i % 15).to_string(),
        father_name: FATHER[(i / 120) % 7].into(),
        home: format!("51106{:02}", 1 + (i / 840) % 9),
        phone: format!("98{:08}", i * 7919 % 100_000_000),
        ..ReportForm::default()
    }
}

fn encounter(i: usize, shelter: i64) -> EncounterForm {
    let r = report(i);
    EncounterForm {
        source: "shelter".into(),
        organisation: shelter.to_string(),
        place: "51106".into(),
        met_on: "2024-04-15".into(),
        given_name: r.given_name.to_uppercase(),
        family_name: r.family_name,
        sex: "female".into(),
        age: (2024 - 1995 - i % 15).to_string(),
        father_name: r.father_name,
        home: r.home,
        ..EncounterForm::default()
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let dir = std::env::temp_dir().join(format!("setu-matching-speed-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&ConnectOptions::sqlite_file(&dir.join("speed.db"))).await?;
    let by = Actor::system("bench");
    let today = date!(2024 - 06 - 01);
    let shelter = store
        .create_organisation(
            &by,
            &DirectoryForm {
                name_en: "Transit home".into(),
                kind: "ngo".into(),
                place: "51106".into(),
                ..Default::default()
            }
            .to_org()?,
        )
        .await?;
    let started = Instant::now();
    // The slowest saves while building: those that made the register learn again (when it
    // had doubled: 1,000, 2,000, 4,000 records) and any others.
    let mut slowest: Vec<(f64, usize)> = Vec::new();
    for i in 0..n {
        let t = Instant::now();
        store.create_report(&by, &report(i).check(today)?).await?;
        slowest.push((t.elapsed().as_secs_f64(), 2 * i + 1));
        // Strangers and, for every third report, the same person met later.
        let who = if i % 3 == 0 { i } else { n + i };
        let t = Instant::now();
        store
            .create_encounter(&by, &encounter(who, shelter).check(today)?)
            .await?;
        slowest.push((t.elapsed().as_secs_f64(), 2 * i + 2));
    }
    eprintln!(
        "built {n} reports and {n} encounters in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (secs, records) in slowest.iter().take(4) {
        println!("slow save while building: {secs:.3} s at {records} records");
    }
    let mut times = Vec::new();
    for k in 0..20 {
        let t = Instant::now();
        store
            .create_encounter(&by, &encounter(3 * k + 1, shelter).check(today)?)
            .await?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "register of {n} reports and {n} encounters: saving an encounter with matching takes {:.3} s (median), {:.3} s (slowest of 20)",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
