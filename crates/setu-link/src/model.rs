//! The Fellegi–Sunter model: for each field and level, how likely that level is among pairs
//! that are the same person (m) and among pairs that are not (u); their ratio is the weight
//! of evidence. Learned without labels: u first from random pairs, then m, u and the share
//! of true pairs among the candidates by expectation–maximisation over the candidate pairs.

use std::collections::BTreeMap;

use crate::compare::{level, Field, Pattern, Task};
use crate::record::{Prepared, Sym};

/// Most levels any field has (level 0, "missing", included).
pub const MAX_LEVELS: usize = 8;
const FIELDS: usize = Field::ALL.len();

/// Probabilities per field and level. Level 0 is never used: a missing value is no evidence.
pub type Table = [[f64; MAX_LEVELS]; FIELDS];

/// A learned model: enough to score any pair of prepared records.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub task: Task,
    /// The share of candidate pairs that are the same person.
    pub prior: f64,
    pub m: Table,
    /// u among strangers whose parent field (see [`Field::depends_on`]) disagrees or is
    /// missing (`u[0]`) and among those whose parent field agrees (`u[1]`).
    pub u: [Table; 2],
    /// EM rounds run before the parameters settled.
    pub iterations: usize,
    /// Pairs from one household (brothers and sisters) per true pair; see [`Model::combine`].
    pub household: f64,
    /// The larger side of the data it learned from (see [`Model::for_population`]).
    pub population: f64,
}

/// What one field contributed to a pair's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub field: Field,
    pub level: &'static str,
    /// Weight of evidence in bits: positive for "same person", negative against.
    pub bits: f64,
}

/// How common each value of the term-frequency fields is, as an adjustment in bits to the
/// weight of exact agreement: agreeing on "Sita" says less than agreeing on "Kopila".
#[derive(Debug, Clone, Default)]
pub struct TermFrequencies {
    bits: [Vec<f32>; 4],
    /// For full names (given, family) seen more often together than their separate
    /// frequencies predict: bits to add when both agree exactly. "Salma" is rare in Nepal
    /// but common among Khans; agreeing on "Salma Khan" says less than "Salma" and "Khan" apart.
    together: crate::fast::Map<(Sym, Sym), f32>,
}

fn tf_slot(field: Field) -> Option<usize> {
    match field {
        Field::Given => Some(0),
        Field::Family => Some(1),
        Field::Father => Some(2),
        Field::Mother => Some(3),
        _ => None,
    }
}

fn tf_value(field: Field, p: &Prepared) -> Sym {
    match field {
        Field::Given => p.given,
        Field::Family => p.family,
        Field::Father => p.father,
        Field::Mother => p.mother,
        _ => 0,
    }
}

/// Largest adjustment allowed either way, so that one rare typo cannot decide a pair alone.
const TF_CLAMP: f64 = 6.0;

impl TermFrequencies {
    /// Counts values over all records. The adjustment is centred so that, over pairs that agree
    /// by chance, it averages zero: the model's own weight for "same" stays the mean.
    pub fn count(records: &[&[Prepared]], vocabulary: usize) -> Self {
        let mut out = TermFrequencies::default();
        for field in Field::ALL.into_iter().filter(|f| f.term_frequency()) {
            let Some(slot) = tf_slot(field) else { continue };
            let mut counts = vec![0u32; vocabulary];
            let mut total = 0u64;
            for set in records {
                for r in set.iter() {
                    let v = tf_value(field, r) as usize;
                    if v != 0 && v < vocabulary {
                        counts[v] += 1;
                        total += 1;
                    }
                }
            }
            if total == 0 {
                continue;
            }
            let share = |c: u32| f64::from(c) / total as f64;
            let (mut sq, mut weighted_log) = (0.0, 0.0);
            for &c in counts.iter().filter(|&&c| c > 0) {
                let p = share(c);
                sq += p * p;
                weighted_log += p * p * p.log2();
            }
            let centre = weighted_log / sq;
            out.bits[slot] = counts
                .iter()
                .map(|&c| {
                    if c == 0 {
                        0.0
                    } else {
                        (centre - share(c).log2()).clamp(-TF_CLAMP, TF_CLAMP) as f32
                    }
                })
                .collect();
        }
        out.count_full_names(records, vocabulary);
        out
    }

    fn count_full_names(&mut self, records: &[&[Prepared]], vocabulary: usize) {
        let mut given = vec![0u32; vocabulary];
        let mut family = vec![0u32; vocabulary];
        let mut both: crate::fast::Map<(Sym, Sym), u32> = crate::fast::Map::default();
        let mut total = 0u32;
        for r in records
            .iter()
            .flat_map(|set| set.iter())
            .filter(|r| r.given != 0 && r.family != 0)
        {
            given[r.given as usize] += 1;
            family[r.family as usize] += 1;
            *both.entry((r.given, r.family)).or_default() += 1;
            total += 1;
        }
        let total = f64::from(total);
        for ((g, f), n) in both {
            let expected = f64::from(given[g as usize]) * f64::from(family[f as usize]) / total;
            let excess = (expected / f64::from(n)).log2();
            if excess < -0.5 && n >= 3 {
                self.together.insert((g, f), excess.max(-TF_CLAMP) as f32);
            }
        }
    }

    /// Bits to add when given and family name both agree exactly.
    pub fn full_name(&self, p: &Prepared) -> f64 {
        self.together
            .get(&(p.given, p.family))
            .map_or(0.0, |&b| f64::from(b))
    }

    /// All term-frequency adjustments of a pair, as (household, person) bits. `a` is either
    /// record: an exact level means both hold the same value.
    pub fn pair_bits(&self, pattern: Pattern, a: &Prepared) -> (f64, f64) {
        let (mut household, mut person) = (0.0, 0.0);
        for (f, field) in Field::ALL.into_iter().enumerate() {
            let b = self.field_bits(pattern, f, a);
            if field.household() {
                household += b;
            } else {
                person += b;
            }
        }
        (household, person)
    }

    /// The adjustment for field `f` of a pair: the value's frequency when it agrees exactly,
    /// and on the given name, the full name's when both names agree exactly.
    fn field_bits(&self, pattern: Pattern, f: usize, a: &Prepared) -> f64 {
        let field = Field::ALL[f];
        if level(pattern, f) != 1 || !field.term_frequency() {
            return 0.0;
        }
        let mut b = self.adjustment(field, tf_value(field, a));
        if field == Field::Given && level(pattern, 1) == 1 {
            b += self.full_name(a);
        }
        b
    }

    fn adjustment(&self, field: Field, value: Sym) -> f64 {
        tf_slot(field)
            .and_then(|s| self.bits[s].get(value as usize))
            .map_or(0.0, |&b| f64::from(b))
    }
}

/// Starting m: what a field usually looks like when two records are the same person.
fn initial_m(task: Task) -> Table {
    let mut m = [[0.0; MAX_LEVELS]; FIELDS];
    let rows: [&[f64]; FIELDS] = [
        &[0.80, 0.08, 0.04, 0.04, 0.04],
        &[0.80, 0.10, 0.05, 0.05],
        &[0.97, 0.03],
        &[0.60, 0.20, 0.10, 0.05, 0.05],
        &[0.80, 0.10, 0.10],
        &[0.80, 0.10, 0.10],
        &[0.50, 0.15, 0.10, 0.10, 0.10, 0.05],
        &[0.60, 0.10, 0.30],
        match task {
            Task::Link => &[0.05, 0.30, 0.45, 0.15, 0.05],
            Task::Dedup => &[0.30, 0.40, 0.20, 0.10],
        },
    ];
    for (f, row) in rows.iter().enumerate() {
        m[f][1..=row.len()].copy_from_slice(row);
    }
    m
}

/// A pair's pattern with its term-frequency adjustments (household, person) in quarters of a
/// bit: what the prior fit needs to see the pairs as the scorer will.
pub type Key = (Pattern, i16, i16);

/// Quantises term-frequency bits for a [`Key`].
pub fn key(pattern: Pattern, tf: (f64, f64)) -> Key {
    let q = |b: f64| (b * 4.0).round().clamp(-30_000.0, 30_000.0) as i16;
    (pattern, q(tf.0), q(tf.1))
}

/// Which candidate pairs a training session learns from.
type Selector = dyn Fn(Pattern) -> bool;

/// Pair counts by key, in a fixed order.
pub type Counts = BTreeMap<Key, u64>;

fn levels_of(task: Task, f: usize) -> usize {
    Field::ALL[f].levels(task).len()
}

/// Frequencies of each level among the given pairs (level 0 excluded), lightly smoothed,
/// apart for pairs whose parent field agrees and the rest.
fn frequencies(task: Task, counts: &Counts) -> [Table; 2] {
    let mut t = [[[0.0; MAX_LEVELS]; FIELDS]; 2];
    for (&(pattern, _, _), &n) in counts {
        for f in 0..FIELDS {
            t[condition(pattern, f)][f][level(pattern, f)] += n as f64;
        }
    }
    for table in &mut t {
        for (f, row) in table.iter_mut().enumerate() {
            normalise(&mut row[1..levels_of(task, f)]);
        }
    }
    t
}

/// 1 if the field's parent field agrees in this pattern, else 0.
fn condition(pattern: Pattern, f: usize) -> usize {
    match Field::ALL[f].depends_on() {
        Some(parent) => {
            let p = Field::ALL.iter().position(|&x| x == parent).unwrap_or(0);
            usize::from(parent.agrees(level(pattern, p)))
        }
        None => 0,
    }
}

/// A share at or below this was never observed: [`normalise`]'s floor over many pairs.
const UNSEEN: f64 = 1e-9;

fn normalise(row: &mut [f64]) {
    let floor = 1e-6;
    let total: f64 = row.iter().map(|v| v + floor).sum();
    for v in row.iter_mut() {
        *v = (*v + floor) / total;
    }
}

impl Model {
    /// Learns a model without labels.
    ///
    /// u is chance agreement, measured on `random` pairs. m is learned by EM in two training
    /// sessions over candidate pairs where true pairs are common, each leaving out the fields
    /// that define it (their agreement there is forced, not informative): pairs that share a
    /// phone number teach the name, birth and place weights; pairs that agree on given name,
    /// family name and birth year teach the phone, parent and place weights. Finally the prior
    /// (the share of all pairs that match) is fitted with m and u held: over the candidates
    /// counted exactly, plus the other pairs, stood for by the random sample with each pair
    /// counting `random_scale`.
    pub fn learn(
        task: Task,
        random: &Counts,
        outside: &Counts,
        random_scale: f64,
        candidates: &Counts,
        expected_pairs: f64,
    ) -> Model {
        let u = frequencies(task, random);
        let mut model = Model {
            task,
            prior: 0.01,
            m: initial_m(task),
            u,
            iterations: 0,
            household: 1.0,
            population: 0.0,
        };
        let field = |f: Field| Field::ALL.iter().position(|&x| x == f).unwrap_or(0);
        let (given, family, birth, phone) = (
            field(Field::Given),
            field(Field::Family),
            field(Field::Birth),
            field(Field::Phone),
        );
        let by_phone = move |p: Pattern| level(p, phone) == 1;
        let by_name = move |p: Pattern| {
            level(p, given) == 1 && matches!(level(p, family), 1 | 2) && level(p, birth) == 1
        };
        let sessions: [(&Selector, Vec<usize>); 2] = [
            (&by_phone, vec![phone]),
            (&by_name, vec![given, family, birth]),
        ];
        let mut learned: Vec<Table> = Vec::new();
        let mut trained = [[false; 2]; FIELDS];
        for (s, (select, fixed)) in sessions.iter().enumerate() {
            let mut selected: BTreeMap<Pattern, f64> = BTreeMap::new();
            for (&(p, _, _), &n) in candidates.iter().filter(|(k, _)| select(k.0)) {
                *selected.entry(p).or_default() += n as f64;
            }
            let pairs: Vec<(Pattern, f64)> = selected.into_iter().collect();
            let mut session = model.clone();
            session.prior = 0.5;
            session.iterations = 0;
            session.fit(&pairs, fixed, true);
            for f in (0..FIELDS).filter(|f| !fixed.contains(f)) {
                trained[f][s] = !pairs.is_empty();
            }
            model.iterations += session.iterations;
            learned.push(session.m);
        }
        for f in 0..FIELDS {
            let from: Vec<&Table> = (0..2)
                .filter(|&s| trained[f][s])
                .map(|s| &learned[s])
                .collect();
            if from.is_empty() {
                continue;
            }
            for l in 0..MAX_LEVELS {
                model.m[f][l] = from.iter().map(|t| t[f][l]).sum::<f64>() / from.len() as f64;
            }
        }
        let mut pairs: BTreeMap<Key, f64> = BTreeMap::new();
        for (&k, &n) in candidates {
            *pairs.entry(k).or_default() += n as f64;
        }
        for (&k, &n) in outside {
            *pairs.entry(k).or_default() += n as f64 * random_scale;
        }
        let total: f64 = pairs.values().sum();
        model.prior = (expected_pairs / total.max(1.0)).clamp(1e-12, 0.5);
        let pairs: Vec<(Key, f64)> = pairs.into_iter().collect();
        model.fit_priors(&pairs);
        model
    }

    /// EM for the shares of the three kinds of pair (same person, same household, strangers)
    /// with m and u held; see [`Model::combine`].
    fn fit_priors(&mut self, pairs: &[(Key, f64)]) {
        let evidence: Vec<(f64, f64, f64)> = pairs
            .iter()
            .map(|&((p, th, tp), n)| {
                let (h, q) = self.split(p, &[]);
                (h + f64::from(th) / 4.0, q + f64::from(tp) / 4.0, n)
            })
            .collect();
        let total: f64 = evidence.iter().map(|e| e.2).sum();
        let mut same = self.prior;
        let mut household = self.household * self.prior;
        for round in 1..=500 {
            let (mut m_sum, mut s_sum) = (0.0, 0.0);
            for &(h, q, n) in &evidence {
                // Responsibilities in log2 space, relative to "strangers" (weight 1 - shares).
                let strangers = (1.0 - same - household).max(1e-12).log2();
                let lm = same.log2() + h + q;
                let ls = household.log2() + h;
                let top = lm.max(ls).max(strangers);
                let (wm, ws, wu) = (
                    (lm - top).exp2(),
                    (ls - top).exp2(),
                    (strangers - top).exp2(),
                );
                let z = wm + ws + wu;
                m_sum += n * wm / z;
                s_sum += n * ws / z;
            }
            let (new_same, new_household) =
                ((m_sum / total).max(1e-15), (s_sum / total).max(1e-15));
            let change = (new_same.ln() - same.ln())
                .abs()
                .max((new_household.ln() - household.ln()).abs());
            same = new_same;
            household = new_household;
            self.iterations = round;
            if change < 1e-7 {
                break;
            }
        }
        self.prior = same;
        self.household = household / same;
    }

    /// Household and person evidence of a pattern in bits, leaving out the fields in `skip`.
    fn split(&self, pattern: Pattern, skip: &[usize]) -> (f64, f64) {
        let (mut household, mut person) = (0.0, 0.0);
        for (f, field) in Field::ALL
            .into_iter()
            .enumerate()
            .filter(|(f, _)| !skip.contains(f))
        {
            let b = self.bits(f, pattern);
            if field.household() {
                household += b;
            } else {
                person += b;
            }
        }
        (household, person)
    }

    /// EM over weighted patterns: m of the fields not in `fixed` and, if `free_prior`… the
    /// prior is always re-estimated; u never is.
    fn fit(&mut self, pairs: &[(Pattern, f64)], fixed: &[usize], _free_prior: bool) {
        if pairs.is_empty() {
            return;
        }
        for round in 1..=300 {
            let previous = self.clone();
            self.em_step(pairs, fixed);
            self.iterations = round;
            if self.distance(&previous) < 1e-7 {
                break;
            }
        }
    }

    fn em_step(&mut self, pairs: &[(Pattern, f64)], fixed: &[usize]) {
        let mut m = [[0.0; MAX_LEVELS]; FIELDS];
        let (mut matched, mut total) = (0.0, 0.0);
        for &(pattern, n) in pairs {
            let w = self.posterior_of_pattern_without(pattern, fixed);
            matched += w * n;
            total += n;
            for (f, row) in m.iter_mut().enumerate() {
                row[level(pattern, f)] += w * n;
            }
        }
        for (f, row) in m.iter_mut().enumerate() {
            if fixed.contains(&f) {
                continue;
            }
            let k = levels_of(self.task, f);
            normalise(&mut row[1..k]);
            if Field::ALL[f].ordered() {
                monotone(&mut row[1..k], &self.u[0][f][1..k]);
            }
            self.m[f] = *row;
        }
        self.prior = (matched / total).clamp(1e-12, 1.0 - 1e-9);
    }

    /// Posterior of a pattern ignoring the fields in `skip` (those a session selected on).
    fn posterior_of_pattern_without(&self, pattern: Pattern, skip: &[usize]) -> f64 {
        let (household, person) = self.split(pattern, skip);
        probability(self.combine(household, person))
    }

    /// The weight of a pair from its household evidence (family name, parents, home, phone,
    /// timing) and its person evidence (given name, sex, birth year), in bits.
    ///
    /// Plain Fellegi–Sunter adds them, which counts one fact (same household) five times:
    /// a sister then outscores her own typo-ridden record. With three kinds of pair, the
    /// same person (share λ), another member of the household (ρλ) and strangers (the rest),
    /// and household fields that look alike for the first two, the odds are
    /// λ·H·P / (ρλ·H + 1), with H and P the two likelihood ratios: ordinary evidence when H
    /// is small, but once the household is certain, only the person evidence decides.
    pub fn combine(&self, household: f64, person: f64) -> f64 {
        let x = household + (self.household * self.prior).log2();
        self.prior_bits() + household + person - log2_one_plus_exp2(x)
    }

    fn distance(&self, other: &Model) -> f64 {
        let mut d = (self.prior.ln() - other.prior.ln()).abs();
        for f in 0..FIELDS {
            for l in 0..MAX_LEVELS {
                d = d.max((self.m[f][l] - other.m[f][l]).abs());
            }
        }
        d
    }

    /// The model as a lookup table of weights.
    pub fn weights(&self) -> Weights {
        let mut bits = [[[0.0; MAX_LEVELS]; FIELDS]; 2];
        for (c, table) in bits.iter_mut().enumerate() {
            for (f, row) in table.iter_mut().enumerate() {
                for (l, b) in row.iter_mut().enumerate().skip(1) {
                    *b = (self.m[f][l] / self.u[c][f][l]).log2();
                }
            }
        }
        Weights {
            bits,
            prior_bits: self.prior_bits(),
            household_bits: (self.household * self.prior).log2(),
        }
    }

    /// Weight of evidence of field `f` in a pattern, in bits (0 for "missing").
    pub fn bits(&self, f: usize, pattern: Pattern) -> f64 {
        match level(pattern, f) {
            0 => 0.0,
            l => (self.m[f][l] / self.u[condition(pattern, f)][f][l]).log2(),
        }
    }

    fn prior_bits(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// Total weight of a pair in bits, prior included, with term-frequency adjustments
    /// (`a` is either record: an exact level means both hold the same value).
    pub fn score(&self, pattern: Pattern, tf: &TermFrequencies, a: &Prepared) -> f64 {
        let (mut household, mut person) = (0.0, 0.0);
        for r in self.reasons(pattern, tf, a) {
            if r.field.household() {
                household += r.bits;
            } else {
                person += r.bits;
            }
        }
        self.combine(household, person)
    }

    /// The same model for a register whose larger side holds `n` records. The prior is a share
    /// of all pairs, and the true pairs grow with the register while all pairs grow with its
    /// square: the chance that two given records match is inversely proportional to `n`.
    pub fn for_population(&self, n: usize) -> Model {
        let mut m = self.clone();
        if self.population > 0.0 && n > 0 {
            m.prior = (self.prior * self.population / n as f64).min(0.5);
            m.population = n as f64;
        }
        m
    }

    /// This model with how often strangers agree (u) taken from `learned`, a model that a
    /// register learned from itself, level by level: a level the register's strangers showed
    /// keeps the register's measure (a register of a few wards, where strangers share a ward
    /// far more often than across Nepal, must say so), and a level they never showed takes this
    /// model's (its floor, 1e-12, would make a weak agreement such as a surname alias worth 36
    /// bits: a register of a few hundred records, where no two strangers happened to be Tamang
    /// and Lama, proposed every such pair as one person). Each row is then a distribution again,
    /// and m is made monotone against the new u, so that a weaker agreement never counts more
    /// than a stronger one.
    pub fn with_strangers_from(&self, learned: &Model) -> Model {
        let mut out = self.clone();
        for f in 0..FIELDS {
            let k = levels_of(self.task, f);
            for c in 0..2 {
                let mut row = learned.u[c][f];
                for (v, starter) in row[1..k].iter_mut().zip(&self.u[c][f][1..k]) {
                    if *v <= UNSEEN {
                        *v = *starter;
                    }
                }
                let total: f64 = row[1..k].iter().sum();
                if total > 0.0 {
                    for v in &mut row[1..k] {
                        *v /= total;
                    }
                    out.u[c][f] = row;
                }
            }
            if Field::ALL[f].ordered() {
                monotone(&mut out.m[f][1..k], &out.u[0][f][1..k]);
            }
        }
        out
    }

    /// The model as text, to keep between runs (one line of numbers per table row).
    pub fn to_text(&self) -> String {
        let task = match self.task {
            Task::Link => "link",
            Task::Dedup => "dedup",
        };
        let mut out = format!(
            "setu-link-model 1 {task} {:e} {:e} {} {:e}\n",
            self.prior, self.household, self.iterations, self.population
        );
        for table in [&self.m, &self.u[0], &self.u[1]] {
            for row in table.iter() {
                let cells: Vec<String> = row.iter().map(|v| format!("{v:e}")).collect();
                out.push_str(&cells.join(" "));
                out.push('\n');
            }
        }
        out
    }

    /// Reads what [`Model::to_text`] wrote; `None` if it is not such a text.
    pub fn from_text(text: &str) -> Option<Model> {
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next()?.split(' ').collect();
        let ["setu-link-model", "1", task, prior, household, iterations, population] = head[..]
        else {
            return None;
        };
        let task = match task {
            "link" => Task::Link,
            "dedup" => Task::Dedup,
            _ => return None,
        };
        let mut tables = [[[0.0; MAX_LEVELS]; FIELDS]; 3];
        for table in &mut tables {
            for row in table.iter_mut() {
                let cells: Vec<f64> = lines
                    .next()?
                    .split(' ')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .ok()?;
                if cells.len() != MAX_LEVELS {
                    return None;
                }
                row.copy_from_slice(&cells);
            }
        }
        let [m, u0, u1] = tables;
        Some(Model {
            task,
            prior: prior.parse().ok()?,
            household: household.parse().ok()?,
            iterations: iterations.parse().ok()?,
            population: population.parse().ok()?,
            m,
            u: [u0, u1],
        })
    }

    /// The contribution of every field to a pair's score.
    /// `a` is either record: a term-frequency level means both hold the same value.
    pub fn reasons(&self, pattern: Pattern, tf: &TermFrequencies, a: &Prepared) -> Vec<Reason> {
        Field::ALL
            .into_iter()
            .enumerate()
            .map(|(f, field)| Reason {
                field,
                level: field.levels(self.task)[level(pattern, f)],
                bits: self.bits(f, pattern) + tf.field_bits(pattern, f, a),
            })
            .collect()
    }
}

/// Makes the weight of evidence fall (or stay) from each level to the next, by pooling
/// adjacent levels that break the order (pool-adjacent-violators on m/u, weighted by u).
///
/// Without this, EM is free to call "same family, same father, different given name" the
/// matching class: households are a strong cluster among blocked pairs. Agreement on a field
/// can never be evidence against, nor disagreement evidence for, the same person.
fn monotone(m: &mut [f64], u: &[f64]) {
    // Blocks of (first level, m sum, u sum), each with a lower ratio than the one before.
    let mut blocks: Vec<(usize, f64, f64)> = Vec::with_capacity(m.len());
    for l in 0..m.len() {
        blocks.push((l, m[l], u[l]));
        while blocks.len() >= 2 {
            let (_, m2, u2) = blocks[blocks.len() - 1];
            let (s1, m1, u1) = blocks[blocks.len() - 2];
            if m2 / u2 <= m1 / u1 {
                break;
            }
            blocks.truncate(blocks.len() - 2);
            blocks.push((s1, m1 + m2, u1 + u2));
        }
    }
    for (b, &(start, bm, bu)) in blocks.iter().enumerate() {
        let end = blocks.get(b + 1).map_or(m.len(), |next| next.0);
        for l in start..end {
            m[l] = bm * u[l] / bu;
        }
    }
}

/// A learned model as a lookup table, for scoring millions of pairs.
#[derive(Debug, Clone)]
pub struct Weights {
    bits: [[[f64; MAX_LEVELS]; FIELDS]; 2],
    prior_bits: f64,
    household_bits: f64,
}

impl Weights {
    /// Same as [`Model::score`], without logarithms.
    pub fn score(&self, pattern: Pattern, tf: &TermFrequencies, a: &Prepared) -> f64 {
        let (mut household, mut person) = tf.pair_bits(pattern, a);
        for (f, field) in Field::ALL.into_iter().enumerate() {
            let b = self.bits[condition(pattern, f)][f][level(pattern, f)];
            if field.household() {
                household += b;
            } else {
                person += b;
            }
        }
        let x = household + self.household_bits;
        self.prior_bits + household + person - log2_one_plus_exp2(x)
    }
}

/// log2(1 + 2^x), without the work where it is 0 or x to within 1e-9.
fn log2_one_plus_exp2(x: f64) -> f64 {
    if x < -30.0 {
        0.0
    } else if x > 30.0 {
        x
    } else {
        x.exp2().ln_1p() / std::f64::consts::LN_2
    }
}

/// Bits of evidence to a probability.
pub fn probability(bits: f64) -> f64 {
    1.0 / (1.0 + (-bits).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pattern over two levels per field, counted exactly as a mixture of known m and u
    /// would produce them: the training sessions must find m again, and the prior fit the
    /// share of true pairs.
    #[test]
    fn em_recovers_a_known_mixture() {
        let m = [0.9, 0.85, 0.97, 0.7, 0.8, 0.75, 0.6, 0.5, 0.4];
        let u = [0.05, 0.2, 0.5, 0.15, 0.1, 0.1, 0.2, 0.02, 0.3];
        let (matches, others) = (2_000.0, 50_000.0);
        let mut candidates = Counts::new();
        let mut random = Counts::new();
        for bits in 0u32..(1 << FIELDS) {
            let (mut pm, mut pu, mut pattern): (f64, f64, u64) = (1.0, 1.0, 0);
            for (f, (mf, uf)) in m.iter().zip(u).enumerate() {
                let agree = bits & (1 << f) != 0;
                pm *= if agree { *mf } else { 1.0 - mf };
                pu *= if agree { uf } else { 1.0 - uf };
                let levels = Field::ALL[f].levels(Task::Link).len() as u64;
                pattern |= (if agree { 1 } else { levels - 1 }) << (4 * f);
            }
            candidates.insert((pattern, 0, 0), (matches * pm + others * pu).round() as u64);
            random.insert((pattern, 0, 0), (1e6 * pu).round() as u64);
        }
        let learn = || {
            Model::learn(
                Task::Link,
                &random,
                &Counts::new(),
                0.0,
                &candidates,
                1_000.0,
            )
        };
        let model = learn();
        let share = model.prior * (1.0 + model.household);
        // Household fields are learned without bias. Person fields come out higher: the
        // training sessions assume some agreeing households are brothers and sisters, whose
        // disagreement on the person fields is then not held against true pairs.
        for (f, want) in m.iter().enumerate() {
            let got = model.m[f][1];
            if Field::ALL[f].household() {
                assert!((got - want).abs() < 0.03, "m[{f}] {got} want {want}");
            } else {
                assert!(
                    got > want - 0.01 && got < want + 0.1,
                    "m[{f}] {got} want {want}"
                );
            }
        }
        let truth = matches / (matches + others);
        assert!(
            (share - truth).abs() < 0.1 * truth,
            "share {share} want {truth}"
        );
        assert!(
            model.household < 0.1,
            "no households in this population: {}",
            model.household
        );
        assert_eq!(model, learn(), "deterministic");
    }

    /// A register's first sample of strangers (a few hundred records) where no two were
    /// Tamang and Lama: the unseen level takes the starter model's measure, the levels seen
    /// keep the register's (its strangers share a ward more often than Nepal's do), and an
    /// alias never outweighs the same surname. Before, the unseen level's floor made an alias
    /// worth about 36 bits.
    #[test]
    fn a_level_never_seen_among_strangers_keeps_the_starters_measure() {
        let starter = crate::starter_model(Task::Dedup).expect("the starter model parses");
        let field = |f: Field| Field::ALL.iter().position(|&x| x == f).unwrap_or(0);
        let (family, home) = (field(Field::Family), field(Field::Home));
        let mut learned = starter.clone();
        learned.u[0][family] = [0.0, 0.08, 1e-12, 0.002, 0.918, 0.0, 0.0, 0.0];
        learned.u[0][home] = [0.0, 0.05, 1e-12, 0.07, 0.1, 0.3, 0.48, 0.0];
        let adopted = starter.with_strangers_from(&learned);
        let alias = adopted.u[0][family][2];
        assert!(
            (alias - starter.u[0][family][2]).abs() < 0.002,
            "the starter's measure of an alias: {alias}"
        );
        let same = adopted.u[0][family][1] / adopted.u[0][family][4];
        assert!(
            (same - 0.08 / 0.918).abs() < 1e-9,
            "the seen levels keep their ratio"
        );
        assert!(
            adopted.u[0][home][1] > 0.04,
            "strangers in a small register share a ward often: {}",
            adopted.u[0][home][1]
        );
        let sum: f64 = adopted.u[0][home][1..7].iter().sum();
        assert!((sum - 1.0).abs() < 1e-9);
        let bits = |m: &Model, f: usize, l: usize| (m.m[f][l] / m.u[0][f][l]).log2();
        let mut naive = starter.clone();
        naive.u = learned.u;
        assert!(
            bits(&naive, family, 2) > 30.0,
            "the failure this guards against"
        );
        assert!(
            bits(&adopted, family, 2) < 4.0,
            "{}",
            bits(&adopted, family, 2)
        );
        for f in (0..FIELDS).filter(|&f| Field::ALL[f].ordered()) {
            let k = levels_of(Task::Dedup, f);
            for l in 2..k {
                assert!(
                    bits(&adopted, f, l) <= bits(&adopted, f, l - 1) + 1e-9,
                    "field {f}: level {l} outweighs level {}",
                    l - 1
                );
            }
        }
    }
}
