//! The engine end to end on a small synthetic population: people written by different hands
//! (romanisation variants, Devanagari, swapped names, surname aliases, nicknames, merged
//! honorifics), with brothers and sisters who share everything but their own name and age.

use setu_link::{Corpus, Match, Record, Settings, Silent};

/// A fixed pseudo-random sequence (no dependency, same on every machine).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const GIVEN: [&str; 24] = [
    "Sita", "Gita", "Sunita", "Anita", "Sarita", "Kabita", "Laxmi", "Sabita", "Sangita", "Kamala",
    "Manisha", "Bimala", "Puja", "Sapana", "Asmita", "Samjhana", "Nirmala", "Parbati", "Srijana",
    "Pramila", "Kalpana", "Radhika", "Anjali", "Nisha",
];
const FAMILY: [&str; 12] = [
    "Tamang",
    "Thapa",
    "Gurung",
    "Shrestha",
    "Magar",
    "Rai",
    "Sharma",
    "BK",
    "Chaudhary",
    "Limbu",
    "Yadav",
    "Karki",
];
const FATHERS: [&str; 10] = [
    "Ram", "Hari", "Krishna", "Bishnu", "Shyam", "Dil", "Man", "Tek", "Dhan", "Purna",
];
const MOTHERS: [&str; 10] = [
    "Maya", "Kamala", "Laxmi", "Sita", "Gita", "Parbati", "Radha", "Durga", "Ganga", "Hira",
];
const PLACES: [(&str, &str); 6] = [
    ("Makwanpur", "Hetauda"),
    ("Sindhupalchok", "Melamchi"),
    ("Banke", "Nepalgunj"),
    ("Sunsari", "Itahari"),
    ("Kailali", "Dhangadhi"),
    ("Nuwakot", "Bidur"),
];

/// Day number of 2023-01-01.
const DAY0: i32 = 19_358;

#[derive(Clone)]
struct Person {
    given: String,
    family: String,
    father: String,
    mother: String,
    place: (&'static str, &'static str),
    ward: i32,
    birth: i32,
    phone: String,
}

fn population(n: usize, dice: &mut Dice) -> Vec<Person> {
    let mut people: Vec<Person> = Vec::new();
    for i in 0..n {
        if i % 10 == 9 {
            // A sister of the previous person: same household, her own name and age.
            let mut sister = people[i - 1].clone();
            while sister.given == people[i - 1].given {
                sister.given = dice.pick(&GIVEN).to_owned();
            }
            sister.birth += 2 + (dice.next() % 4) as i32;
            people.push(sister);
            continue;
        }
        people.push(Person {
            given: dice.pick(&GIVEN).to_owned(),
            family: dice.pick(&FAMILY).to_owned(),
            father: dice.pick(&FATHERS).to_owned(),
            mother: dice.pick(&MOTHERS).to_owned(),
            place: PLACES[(dice.next() % PLACES.len() as u64) as usize],
            ward: 1 + (dice.next() % 12) as i32,
            birth: 1998 + (dice.next() % 10) as i32,
            phone: format!("98{:08}", dice.next() % 100_000_000),
        });
    }
    people
}

fn report(p: &Person) -> Record {
    Record {
        given_name: p.given.clone(),
        family_name: p.family.clone(),
        sex: "F".into(),
        birth_year: Some(p.birth),
        event_day: Some(DAY0),
        father_name: format!("{} Bahadur {}", p.father, p.family),
        mother_name: p.mother.clone(),
        district: p.place.0.into(),
        municipality: format!("{} Municipality", p.place.1),
        ward: Some(p.ward),
        phone: p.phone.clone(),
        ..Record::default()
    }
}

/// How a hurried hand at a booth might write the same person.
fn encounter(p: &Person, variant: usize, dice: &mut Dice) -> Record {
    let mut given = p.given.clone();
    let mut family = p.family.clone();
    match variant % 8 {
        0 => given = given.replace("ita", "eeta").replace('s', "sh"),
        1 => (given, family) = (family, given),
        2 => {
            family = match family.as_str() {
                "Tamang" => "Lama".into(),
                "BK" => "Bishwokarma".into(),
                "Chaudhary" => "Tharu".into(),
                "Limbu" => "Subba".into(),
                _ => family.to_uppercase(),
            }
        }
        3 => given = format!("{given} Kumari"),
        4 => {
            given = devanagari(&given).unwrap_or(given);
            family = devanagari(&family).unwrap_or(family);
        }
        5 => given = "Kanchhi".into(),
        6 => given = format!("{}kumari", given.to_lowercase()),
        _ => {}
    }
    let age = 2024 - p.birth + if dice.chance(30) { 1 } else { 0 };
    Record {
        given_name: given,
        family_name: family,
        sex: if dice.chance(5) {
            String::new()
        } else {
            "F".into()
        },
        age: Some(age),
        event_day: Some(DAY0 + 200 + (dice.next() % 100) as i32),
        father_name: if dice.chance(30) {
            String::new()
        } else {
            p.father.clone()
        },
        mother_name: if dice.chance(40) {
            String::new()
        } else {
            p.mother.clone()
        },
        district: p.place.0.into(),
        municipality: if dice.chance(20) {
            String::new()
        } else {
            p.place.1.into()
        },
        ward: if dice.chance(30) { None } else { Some(p.ward) },
        phone: if dice.chance(50) {
            String::new()
        } else {
            p.phone.clone()
        },
        ..Record::default()
    }
}

fn devanagari(name: &str) -> Option<String> {
    let table = [
        ("Sita", "सीता"),
        ("Gita", "गीता"),
        ("Sunita", "सुनिता"),
        ("Laxmi", "लक्ष्मी"),
        ("Kamala", "कमला"),
        ("Tamang", "तामाङ"),
        ("Thapa", "थापा"),
        ("Gurung", "गुरुङ"),
        ("Shrestha", "श्रेष्ठ"),
        ("Sharma", "शर्मा"),
    ];
    table
        .iter()
        .find(|(latin, _)| *latin == name)
        .map(|(_, deva)| (*deva).to_owned())
}

struct Fixture {
    reports: Vec<Record>,
    encounters: Vec<Record>,
    /// (report, encounter) of the same person.
    truth: Vec<(u32, u32)>,
    /// (report of one sister, encounter of the other).
    sisters: Vec<(u32, u32)>,
}

fn fixture() -> Fixture {
    let mut dice = Dice(7);
    let people = population(600, &mut dice);
    let reports: Vec<Record> = people.iter().take(400).map(report).collect();
    let mut encounters = Vec::new();
    let (mut truth, mut sisters) = (Vec::new(), Vec::new());
    for (i, p) in people.iter().enumerate().skip(200) {
        let e = encounters.len() as u32;
        encounters.push(encounter(p, i, &mut dice));
        if i < 400 {
            truth.push((i as u32, e));
        }
        if i % 10 == 9 && i < 400 {
            // Her encounter against her sister's report.
            sisters.push(((i - 1) as u32, e));
        }
    }
    Fixture {
        reports,
        encounters,
        truth,
        sisters,
    }
}

fn pairs(matches: &[Match]) -> Vec<(u32, u32)> {
    matches.iter().map(|m| (m.left, m.right)).collect()
}

#[test]
fn links_people_written_by_different_hands() {
    let f = fixture();
    let corpus = Corpus::link(&f.reports, &f.encounters, &Silent);
    let outcome = corpus.run(&Settings::default(), &Silent);
    let found = pairs(&outcome.matches);
    let true_found = f.truth.iter().filter(|t| found.contains(t)).count();
    let precision = true_found as f64 / found.len() as f64;
    let recall = true_found as f64 / f.truth.len() as f64;
    assert!(
        precision >= 0.95 && recall >= 0.9,
        "precision {precision:.3}, recall {recall:.3}"
    );
    for variant in 0..8 {
        let of_kind: Vec<_> = f
            .truth
            .iter()
            .filter(|t| (t.0 as usize) % 8 == variant)
            .collect();
        let hit = of_kind.iter().filter(|t| found.contains(t)).count();
        assert!(
            hit * 10 >= of_kind.len() * 8,
            "variant {variant}: {hit} of {}",
            of_kind.len()
        );
    }
    assert!(!f.sisters.is_empty());
    let sisters_linked = f.sisters.iter().filter(|s| found.contains(s)).count();
    assert_eq!(sisters_linked, 0, "a sister is not the missing person");
}

#[test]
fn probabilities_come_with_reasons_and_runs_repeat_exactly() {
    let f = fixture();
    let corpus = Corpus::link(&f.reports, &f.encounters, &Silent);
    let one = corpus.run(
        &Settings {
            threads: 1,
            ..Settings::default()
        },
        &Silent,
    );
    let two = corpus.run(
        &Settings {
            threads: 2,
            ..Settings::default()
        },
        &Silent,
    );
    assert_eq!(one.matches, two.matches, "threads do not change the result");
    assert_eq!(one.model, two.model);
    let m = one.matches.first().copied().expect("some match");
    let reasons = corpus.explain(&one.model, &m);
    assert_eq!(reasons.len(), setu_link::Field::ALL.len());
    assert!(reasons.iter().any(|r| r.bits > 3.0), "{reasons:?}");
    assert!(one
        .matches
        .iter()
        .all(|m| (0.5..=1.0).contains(&m.probability)));
}

#[test]
fn finds_the_same_person_among_encounters() {
    let f = fixture();
    // Each reported person met twice: the report's own clean form and a hurried one.
    let mut dice = Dice(11);
    let people = population(300, &mut dice);
    let mut encounters: Vec<Record> = people.iter().map(report).collect();
    encounters.extend(
        people
            .iter()
            .enumerate()
            .map(|(i, p)| encounter(p, i, &mut dice)),
    );
    let corpus = Corpus::dedup(&encounters, &Silent);
    let outcome = corpus.run(&Settings::default(), &Silent);
    let n = people.len() as u32;
    let found = pairs(&outcome.matches);
    assert!(found.iter().all(|(l, r)| l < r));
    let true_found = found.iter().filter(|(l, r)| *r == *l + n).count();
    assert!(
        true_found as f64 >= 0.85 * f64::from(n),
        "{true_found} of {n}"
    );
    assert!(
        true_found as f64 >= 0.95 * found.len() as f64,
        "{true_found} of {} proposed",
        found.len()
    );
    drop(f);
}

#[test]
fn a_learned_model_travels_as_text_and_scores_single_pairs() {
    let f = fixture();
    let corpus = Corpus::link(&f.reports, &f.encounters, &Silent);
    let outcome = corpus.run(&Settings::default(), &Silent);
    let text = outcome.model.to_text();
    let back = setu_link::Model::from_text(&text).expect("reads its own text");
    assert_eq!(back.to_text(), text);
    assert!(setu_link::Model::from_text("setu-link-model 2 link").is_none());
    assert!(setu_link::Model::from_text(&text.replace("link", "linx")).is_none());
    // One pair at a time, as the application scores a new record against its candidates.
    let (r, e) = f.truth[3];
    let (p_true, reasons) =
        setu_link::score_pair(&back, &f.reports[r as usize], &f.encounters[e as usize]);
    let (sister_report, sister_enc) = f.sisters[0];
    let (p_sister, _) = setu_link::score_pair(
        &back,
        &f.reports[sister_report as usize],
        &f.encounters[sister_enc as usize],
    );
    assert!(p_true > 0.9, "{p_true} {reasons:?}");
    assert!(p_sister < 0.5, "{p_sister}");
    assert_eq!(reasons.len(), setu_link::Field::ALL.len());
}

#[test]
fn the_starter_models_load_and_scale_to_a_small_register() {
    for task in [setu_link::Task::Link, setu_link::Task::Dedup] {
        let model = setu_link::starter_model(task).expect("the shipped model reads");
        assert_eq!(model.task, task);
        assert!(model.population > 1_000.0);
        let small = model.for_population(50);
        assert!(
            small.prior > model.prior * 100.0,
            "fewer records, each pair likelier"
        );
    }
    let f = fixture();
    let model = setu_link::starter_model(setu_link::Task::Link)
        .unwrap()
        .for_population(f.encounters.len());
    let (r, e) = f.truth[5];
    let (p, _) = setu_link::score_pair(&model, &f.reports[r as usize], &f.encounters[e as usize]);
    assert!(p > 0.9, "{p}");
}
