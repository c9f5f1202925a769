//! Records as they arrive (text typed by people) and as the engine keeps them (interned
//! skeletons and numbers), so that comparing two records is a handful of integer checks.

use std::collections::HashMap;

use crate::names::{self, NameParts};

/// One person as written on a report or an encounter. Text fields are as typed; the numbers
/// are already parsed by the caller (who knows the line and column to blame).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub given_name: String,
    pub middle_name: String,
    pub family_name: String,
    /// "F", "M", "O" or empty.
    pub sex: String,
    /// A birth year in AD or Bikram Sambat (a year later than the event is read as BS).
    pub birth_year: Option<i32>,
    /// Age at the event (the report or the encounter).
    pub age: Option<i32>,
    /// The day of the report or the encounter, as days since 1970-01-01.
    pub event_day: Option<i32>,
    pub father_name: String,
    pub mother_name: String,
    pub district: String,
    pub municipality: String,
    pub ward: Option<i32>,
    pub phone: String,
}

/// An interned word: 0 means "not recorded".
pub type Sym = u32;

/// Interns skeletons so that equal names compare as equal integers.
#[derive(Debug, Default)]
pub struct Interner {
    ids: HashMap<String, Sym>,
    words: Vec<String>,
    /// Per word: its length and which letters it holds (bit 0 = a), for a quick "cannot be
    /// similar" test before any string comparison.
    shapes: Vec<(u8, u32)>,
}

impl Interner {
    pub fn new() -> Self {
        Interner {
            ids: HashMap::new(),
            words: vec![String::new()],
            shapes: vec![(0, 0)],
        }
    }

    pub fn intern(&mut self, word: &str) -> Sym {
        if word.is_empty() {
            return 0;
        }
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = self.words.len() as Sym;
        self.words.push(word.to_owned());
        let letters = word
            .bytes()
            .filter(u8::is_ascii_lowercase)
            .fold(0u32, |m, b| m | 1 << (b - b'a'));
        self.shapes.push((word.len().min(255) as u8, letters));
        self.ids.insert(word.to_owned(), id);
        id
    }

    pub fn word(&self, id: Sym) -> &str {
        self.words.get(id as usize).map_or("", String::as_str)
    }

    /// Length and letter set of a word.
    pub fn shape(&self, id: Sym) -> (u8, u32) {
        self.shapes.get(id as usize).copied().unwrap_or((0, 0))
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.len() <= 1
    }
}

/// A record reduced to what the comparisons and blocking keys need.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub given: Sym,
    pub nickname: bool,
    pub family: Sym,
    /// Up to three words of a multi-word family name ("Thapa Magar").
    pub family_words: [Sym; 3],
    pub family_aliases: u32,
    /// 1 female, 2 male, 3 other, 0 not recorded.
    pub sex: u8,
    /// Birth year in AD, estimated from the age if no year was written.
    pub birth_year: Option<i32>,
    pub event_day: Option<i32>,
    pub age: Option<i32>,
    pub father: Sym,
    pub mother: Sym,
    pub district: Sym,
    pub municipality: Sym,
    pub ward: Option<i32>,
    /// Digits of the phone number (last ten), 0 if fewer than seven digits were written.
    pub phone: u64,
}

/// Words that only say what kind of local level a municipality is.
const MUNICIPALITY_SUFFIXES: [&str; 12] = [
    "sub",
    "metropolitan",
    "city",
    "upamahanagarpalika",
    "mahanagarpalika",
    "smc",
    "rural",
    "municipality",
    "nagarpalika",
    "gaunpalika",
    "mun",
    "rm",
];

/// 1970-01-01 is day 0; a year is 365.2425 days on average.
pub fn year_of_day(day: i32) -> i32 {
    1970 + (f64::from(day) / 365.2425).floor() as i32
}

impl Prepared {
    pub fn new(r: &Record, words: &mut Interner) -> Prepared {
        Prepared::intern(&Normalised::new(r), words)
    }

    /// Interns a normalised record (the only step that needs the shared vocabulary, so the
    /// rest can run on every thread).
    pub fn intern(n: &Normalised, words: &mut Interner) -> Prepared {
        let mut family_words = [0; 3];
        for (slot, w) in family_words.iter_mut().zip(&n.names.family_words) {
            *slot = words.intern(w);
        }
        Prepared {
            given: words.intern(&n.names.given),
            nickname: n.names.nickname,
            family: words.intern(&n.names.family),
            family_words,
            family_aliases: n.family_aliases,
            sex: n.sex,
            birth_year: n.birth_year,
            event_day: n.event_day,
            age: n.age,
            father: words.intern(&n.father),
            mother: words.intern(&n.mother),
            district: words.intern(&n.district),
            municipality: words.intern(&n.municipality),
            ward: n.ward,
            phone: n.phone,
        }
    }
}

/// A record with every text field reduced to skeletons, before interning.
#[derive(Debug, Clone, Default)]
pub struct Normalised {
    names: NameParts,
    family_aliases: u32,
    sex: u8,
    birth_year: Option<i32>,
    event_day: Option<i32>,
    age: Option<i32>,
    father: String,
    mother: String,
    district: String,
    municipality: String,
    ward: Option<i32>,
    phone: u64,
}

impl Normalised {
    pub fn new(r: &Record) -> Normalised {
        let names = names::parts(&r.given_name, &r.family_name);
        let family_aliases = names
            .family_words
            .iter()
            .fold(names::alias_mask(&names.family), |m, w| {
                m | names::alias_mask(w)
            });
        Normalised {
            family_aliases,
            sex: match r.sex.trim().to_ascii_uppercase().as_str() {
                "F" | "FEMALE" | "म" => 1,
                "M" | "MALE" | "पु" => 2,
                "O" | "OTHER" | "अ" => 3,
                _ => 0,
            },
            birth_year: birth_year(r.birth_year, r.age, r.event_day.map(year_of_day)),
            event_day: r.event_day,
            age: r.age.filter(|a| (0..=120).contains(a)),
            father: names::first_name(&r.father_name),
            mother: names::first_name(&r.mother_name),
            district: names::clean(&r.district)
                .iter()
                .map(|w| names::skeleton(w))
                .collect(),
            municipality: municipality(&r.municipality),
            ward: r.ward.filter(|w| (1..=40).contains(w)),
            phone: phone(&r.phone),
            names,
        }
    }
}

/// A written birth year if there is one (read as Bikram Sambat when it is later than the event
/// or than any AD year could be), else the event year minus the age.
fn birth_year(written: Option<i32>, age: Option<i32>, event_year: Option<i32>) -> Option<i32> {
    if let Some(y) = written.filter(|y| (1900..=2200).contains(y)) {
        let latest_ad = event_year.unwrap_or(2030);
        return Some(if y > latest_ad { y - 57 } else { y });
    }
    match (age, event_year) {
        (Some(a), Some(ey)) if (0..=120).contains(&a) => Some(ey - a),
        _ => None,
    }
}

fn municipality(raw: &str) -> String {
    names::clean(raw)
        .iter()
        .filter(|w| !MUNICIPALITY_SUFFIXES.contains(&w.as_str()))
        .map(|w| names::skeleton(w))
        .collect()
}

/// The last ten digits (Latin or Devanagari) of a phone number; 0 when fewer than seven.
fn phone(raw: &str) -> u64 {
    let digits: Vec<u64> = raw
        .chars()
        .filter_map(|c| {
            c.to_digit(10)
                .map(u64::from)
                .or_else(|| crate::deva::digit(c).map(u64::from))
        })
        .collect();
    if digits.len() < 7 {
        return 0;
    }
    let start = digits.len().saturating_sub(10);
    // A leading 1 keeps numbers of different lengths apart (0981… is not 981…).
    digits[start..].iter().fold(1, |n, d| n * 10 + d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_places_are_normalised() {
        let mut words = Interner::new();
        let r = Record {
            given_name: "SITA KUMARI".into(),
            family_name: "Thapa Magar".into(),
            sex: "f".into(),
            birth_year: Some(2062),
            event_day: Some(19_000),
            municipality: "Hetauda Sub-Metropolitan City".into(),
            district: "Makwanpur".into(),
            ward: Some(4),
            phone: "+977 984-1234567".into(),
            ..Record::default()
        };
        let p = Prepared::new(&r, &mut words);
        assert_eq!(words.word(p.given), "sita");
        assert_eq!(words.word(p.municipality), "hetauda");
        assert_eq!(
            p.birth_year,
            Some(2005),
            "2062 BS is later than the event, so it is read as BS"
        );
        assert_eq!(p.sex, 1);
        assert_eq!(p.phone, 19_841_234_567);
        assert_ne!(p.family_aliases, 0);
        let by_age = Prepared::new(
            &Record {
                age: Some(17),
                event_day: Some(19_000),
                ..Record::default()
            },
            &mut words,
        );
        assert_eq!(by_age.birth_year, Some(2022 - 17));
        assert_eq!(phone("98"), 0);
        assert_eq!(phone("९८४१२३४५६७"), phone("9841234567"));
    }
}
