//! Graded comparisons: for each field, which level of agreement two records reach.
//!
//! Level 0 of every field means "not recorded on one side": it carries no evidence either
//! way. The other levels run from the strongest agreement to disagreement; the model learns
//! how much each level says.

use crate::names;
use crate::record::{Interner, Prepared, Sym};

/// The fields compared, in the order of their levels in a [`Pattern`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Given,
    Family,
    Sex,
    Birth,
    Father,
    Mother,
    Home,
    Phone,
    Timing,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Given,
        Field::Family,
        Field::Sex,
        Field::Birth,
        Field::Father,
        Field::Mother,
        Field::Home,
        Field::Phone,
        Field::Timing,
    ];

    /// A stable machine name (used in CSV headers and stored reasons).
    pub fn key(self) -> &'static str {
        match self {
            Field::Given => "given_name",
            Field::Family => "family_name",
            Field::Sex => "sex",
            Field::Birth => "birth_year",
            Field::Father => "father_name",
            Field::Mother => "mother_name",
            Field::Home => "home",
            Field::Phone => "phone",
            Field::Timing => "timing",
        }
    }

    /// The names of the levels, from "not recorded" through agreement to disagreement.
    pub fn levels(self, task: Task) -> &'static [&'static str] {
        match self {
            Field::Given => &[
                "missing",
                "same",
                "one slip apart",
                "similar",
                "nickname",
                "different",
            ],
            Field::Family => &["missing", "same", "alias", "one slip apart", "different"],
            Field::Sex => &["missing", "same", "different"],
            Field::Birth => &[
                "missing",
                "within 1 year",
                "within 3 years",
                "minor said 18-20",
                "within 6 years",
                "further apart",
            ],
            Field::Father | Field::Mother => &["missing", "same", "similar", "different"],
            Field::Home => &[
                "missing",
                "same ward",
                "same local level, ward missing",
                "same local level, other ward",
                "same district, local level missing",
                "same district, other local level",
                "other district",
            ],
            Field::Phone => &["missing", "same", "one digit off or swapped", "different"],
            Field::Timing => match task {
                Task::Link => &[
                    "missing",
                    "met > 90 days before report",
                    "met around the report",
                    "met within 400 days after",
                    "met 400–900 days after",
                    "met > 900 days after",
                ],
                Task::Dedup => &[
                    "missing",
                    "within 60 days",
                    "within 400 days",
                    "within 900 days",
                    "further apart",
                ],
            },
        }
    }

    /// Whether the levels run from strongest agreement to disagreement, so that their weights
    /// must not rise from one to the next (timing has no such order).
    pub fn ordered(self) -> bool {
        self != Field::Timing
    }

    /// Whether the field describes the household rather than the person: brothers and sisters
    /// agree on these as often as the same person does.
    pub fn household(self) -> bool {
        matches!(
            self,
            Field::Family
                | Field::Father
                | Field::Mother
                | Field::Home
                | Field::Phone
                | Field::Timing
        )
    }

    /// The field whose agreement changes how often this one agrees by chance: strangers who
    /// share a family name are often from one district and one naming tradition (parents'
    /// names), and strangers who share a given name nearly always share a sex.
    pub fn depends_on(self) -> Option<Field> {
        match self {
            Field::Sex => Some(Field::Given),
            Field::Home | Field::Father | Field::Mother => Some(Field::Family),
            _ => None,
        }
    }

    /// Whether a level of this field counts as agreeing (for [`Field::depends_on`]).
    pub fn agrees(self, level: usize) -> bool {
        match self {
            Field::Given | Field::Family => (1..=3).contains(&level),
            _ => level == 1,
        }
    }

    /// Whether exact agreement on this field is adjusted for how common the value is.
    pub fn term_frequency(self) -> bool {
        matches!(
            self,
            Field::Given | Field::Family | Field::Father | Field::Mother
        )
    }
}

/// Linking reports to encounters, or finding the same person among encounters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Link,
    Dedup,
}

/// The level reached on every field by one pair; 4 bits a field.
pub type Pattern = u64;

pub fn level(pattern: Pattern, field: usize) -> usize {
    ((pattern >> (4 * field)) & 0xF) as usize
}

fn pack(levels: &[u8; 9]) -> Pattern {
    levels
        .iter()
        .enumerate()
        .fold(0, |p, (i, &l)| p | (u64::from(l) << (4 * i)))
}

/// How alike two interned words are: 1 same, 2 one slip apart (one edit, or Jaro–Winkler ≥
/// 0.92), 3 similar (Jaro–Winkler ≥ 0.85), 4 different. Results are cached per thread:
/// the vocabulary of names is small and the same pairs come up again and again.
#[derive(Debug, Default)]
pub struct Similarity {
    cache: crate::fast::Map<(Sym, Sym), u8>,
    /// Measure without remembering: for random pairs, which rarely meet twice and would only
    /// fill the cache.
    forgetful: bool,
}

impl Similarity {
    /// A grader that does not cache (see `forgetful`).
    pub fn uncached() -> Similarity {
        Similarity {
            cache: crate::fast::Map::default(),
            forgetful: true,
        }
    }

    pub fn grade(&mut self, words: &Interner, a: Sym, b: Sym) -> u8 {
        if a == b {
            return 1;
        }
        if !could_be_alike(words.shape(a), words.shape(b)) {
            return 4;
        }
        if self.forgetful {
            return measure(words.word(a), words.word(b));
        }
        let key = if a < b { (a, b) } else { (b, a) };
        *self
            .cache
            .entry(key)
            .or_insert_with(|| measure(words.word(a), words.word(b)))
    }
}

fn measure(x: &str, y: &str) -> u8 {
    if names::one_edit_apart(x, y) && x.len().min(y.len()) >= 3 {
        return 2;
    }
    let jw = names::jaro_winkler(x, y);
    if jw >= 0.92 {
        2
    } else if jw >= 0.85 {
        3
    } else {
        4
    }
}

/// False when two words are too unlike to reach Jaro–Winkler 0.85 or one edit: lengths
/// more than three apart, or fewer than half of the letters of the longer one in common.
/// A fast screen only; anything it lets through is measured properly.
fn could_be_alike(a: (u8, u32), b: (u8, u32)) -> bool {
    if a.0.abs_diff(b.0) > 3 {
        return false;
    }
    let common = (a.1 & b.1).count_ones();
    2 * common >= a.1.count_ones().max(b.1.count_ones())
}

/// Compares two prepared records field by field.
pub fn compare(
    task: Task,
    words: &Interner,
    sim: &mut Similarity,
    a: &Prepared,
    b: &Prepared,
) -> Pattern {
    let (given, family) = names_levels(words, sim, a, b);
    let levels = [
        given,
        family,
        sex(a.sex, b.sex),
        birth(a, b),
        parent(words, sim, a.father, b.father),
        parent(words, sim, a.mother, b.mother),
        home(words, sim, a, b),
        phone(a.phone, b.phone),
        timing(task, a.event_day, b.event_day),
    ];
    pack(&levels)
}

fn names_levels(words: &Interner, sim: &mut Similarity, a: &Prepared, b: &Prepared) -> (u8, u8) {
    let straight = (
        given_level(words, sim, a.given, a.nickname, b.given, b.nickname),
        family_level(words, sim, a, b),
    );
    if straight.0 <= 2 || a.given == 0 || b.given == 0 || a.family == 0 || b.family == 0 {
        return straight;
    }
    // Given and family name written the other way round ("Sara-Louise Nikakis" as
    // "Nikakis Sara-Louise": the family side may hold the whole given name).
    let cross = |sim: &mut Similarity, given: Sym, other: &Prepared| {
        sim.grade(words, given, other.family)
            .min(if other.family_words[0] != 0 {
                sim.grade(words, given, other.family_words[0])
            } else {
                4
            })
    };
    let cross_given = cross(sim, a.given, b);
    let cross_family = cross(sim, b.given, a);
    // Both cross over (one of them exactly): a slip on top of a swap is still a swap.
    if cross_given.max(cross_family) <= 3 && cross_given.min(cross_family) == 1 {
        (cross_given, if cross_family == 1 { 1 } else { 3 })
    } else {
        straight
    }
}

fn given_level(
    words: &Interner,
    sim: &mut Similarity,
    a: Sym,
    a_nick: bool,
    b: Sym,
    b_nick: bool,
) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    match sim.grade(words, a, b) {
        g @ 1..=3 => g,
        _ if a_nick || b_nick => 4,
        _ => 5,
    }
}

fn family_level(words: &Interner, sim: &mut Similarity, a: &Prepared, b: &Prepared) -> u8 {
    if a.family == 0 || b.family == 0 {
        return 0;
    }
    if a.family == b.family {
        return 1;
    }
    let shares_word = a
        .family_words
        .iter()
        .any(|&w| w != 0 && b.family_words.contains(&w));
    if a.family_aliases & b.family_aliases != 0 || shares_word {
        return 2;
    }
    match sim.grade(words, a.family, b.family) {
        2 => 3,
        _ => 4,
    }
}

fn sex(a: u8, b: u8) -> u8 {
    match (a, b) {
        (0, _) | (_, 0) => 0,
        _ if a == b => 1,
        _ => 2,
    }
}

fn birth(a: &Prepared, b: &Prepared) -> u8 {
    let (Some(x), Some(y)) = (a.birth_year, b.birth_year) else {
        return 0;
    };
    let d = (x - y).abs();
    if d <= 1 {
        1
    } else if d <= 3 {
        2
    } else if claims_adult(a, y) || claims_adult(b, x) {
        3
    } else if d <= 6 {
        4
    } else {
        5
    }
}

/// A minor who says she is 18–20, measured against the other record's birth year.
fn claims_adult(r: &Prepared, other_birth_year: i32) -> bool {
    match (r.age, r.event_day) {
        (Some(age), Some(day)) if (18..=20).contains(&age) => {
            let true_age = crate::record::year_of_day(day) - other_birth_year;
            (10..18).contains(&true_age)
        }
        _ => false,
    }
}

fn parent(words: &Interner, sim: &mut Similarity, a: Sym, b: Sym) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    match sim.grade(words, a, b) {
        1 => 1,
        2 => 2,
        _ => 3,
    }
}

fn home(words: &Interner, sim: &mut Similarity, a: &Prepared, b: &Prepared) -> u8 {
    if a.district == 0 || b.district == 0 {
        return 0;
    }
    if a.district != b.district && sim.grade(words, a.district, b.district) > 2 {
        return 6;
    }
    if a.municipality == 0 || b.municipality == 0 {
        return 4;
    }
    if sim.grade(words, a.municipality, b.municipality) > 2 {
        return 5;
    }
    match (a.ward, b.ward) {
        (Some(x), Some(y)) if x == y => 1,
        (Some(_), Some(_)) => 3,
        _ => 2,
    }
}

fn phone(a: u64, b: u64) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    if a == b {
        return 1;
    }
    let (x, y) = (a.to_string(), b.to_string());
    if names::one_edit_apart(&x, &y) {
        2
    } else {
        3
    }
}

fn timing(task: Task, a: Option<i32>, b: Option<i32>) -> u8 {
    let (Some(a), Some(b)) = (a, b) else { return 0 };
    match task {
        // a is the report, b the encounter.
        Task::Link => match b - a {
            g if g < -90 => 1,
            g if g <= 30 => 2,
            g if g <= 400 => 3,
            g if g <= 900 => 4,
            _ => 5,
        },
        Task::Dedup => match (b - a).abs() {
            g if g <= 60 => 1,
            g if g <= 400 => 2,
            g if g <= 900 => 3,
            _ => 4,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn prep(words: &mut Interner, given: &str, family: &str) -> Prepared {
        Prepared::new(
            &Record {
                given_name: given.into(),
                family_name: family.into(),
                ..Record::default()
            },
            words,
        )
    }

    #[test]
    fn names_are_graded_with_swaps_aliases_and_nicknames() {
        let mut w = Interner::new();
        let mut sim = Similarity::default();
        let sita = prep(&mut w, "Sita", "Tamang");
        let cases = [
            (prep(&mut w, "Seeta", "Lama"), (1, 2)),
            (prep(&mut w, "Tamang", "Sita"), (1, 1)),
            (prep(&mut w, "Sitta", "Tamnag"), (1, 3)),
            (prep(&mut w, "Kanchhi", "Tamang"), (4, 1)),
            (prep(&mut w, "Gita", "Gurung"), (2, 4)),
            (prep(&mut w, "Mina", "Tamang"), (5, 1)),
        ];
        for (other, want) in cases {
            let p = compare(Task::Link, &w, &mut sim, &sita, &other);
            assert_eq!(
                (level(p, 0) as u8, level(p, 1) as u8),
                want,
                "{:?}",
                w.word(other.given)
            );
        }
    }

    #[test]
    fn phones_and_timing() {
        assert_eq!(phone(19_841_234_567, 19_841_234_567), 1);
        assert_eq!(phone(19_841_234_567, 19_841_234_568), 2);
        assert_eq!(phone(19_841_234_567, 19_851_234_568), 3);
        assert_eq!(phone(0, 19_841_234_567), 0);
        assert_eq!(timing(Task::Link, Some(100), Some(50)), 2);
        assert_eq!(timing(Task::Link, Some(100), Some(-100)), 1);
        assert_eq!(timing(Task::Dedup, Some(100), Some(-100)), 2);
    }
}
