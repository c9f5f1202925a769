//! Record linkage for family tracing: which missing-person reports and which encounters
//! (booth screenings, police rescues, shelter intakes) are the same person, and which
//! encounters are the same person met twice.
//!
//! The pipeline: [`record`] reduces each record to skeletons ([`names`] knows how Nepali
//! names are written by different hands, [`deva`] reads Devanagari); [`blocking`] picks the
//! pairs worth comparing; [`compare`] grades each field; [`model`] weighs the grades
//! (Fellegi–Sunter, learned by EM without labels) into a probability with reasons.
//!
//! Pure: no files, no network, no clock. The same input always gives the same output,
//! whatever the number of threads.

pub mod blocking;
pub mod compare;
pub mod deva;
mod fast;
pub mod model;
pub mod names;
pub mod record;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

pub use compare::{Field, Task};
pub use model::{Model, Reason};
pub use record::Record;

use compare::{Pattern, Similarity};
use model::{Counts, TermFrequencies};
use record::{Interner, Normalised, Prepared};

/// The blocking keys of one record, as text: what the application stores (as keyed hashes)
/// to find a new record's candidates without comparing it with everything.
pub fn keys_of(record: &Record) -> Vec<String> {
    let mut words = Interner::new();
    let prepared = Prepared::new(record, &mut words);
    blocking::keys(&prepared, &words)
}

/// Scores one pair with a learned model, for the application: a new record against each of
/// its candidates. Term frequencies are not known for a single pair, so none are applied.
/// Returns the probability and each field's contribution. For linking, `a` is the report.
pub fn score_pair(model: &Model, a: &Record, b: &Record) -> (f64, Vec<Reason>) {
    let mut words = Interner::new();
    let (pa, pb) = (Prepared::new(a, &mut words), Prepared::new(b, &mut words));
    let mut sim = Similarity::default();
    let pattern = compare::compare(model.task, &words, &mut sim, &pa, &pb);
    let tf = TermFrequencies::default();
    let bits = model.score(pattern, &tf, &pa);
    (model::probability(bits), model.reasons(pattern, &tf, &pa))
}

/// The model learned on generated data (`../shared/linkage/gen.py`, development seed 99,
/// default rates), for a register too small to learn its own: see docs/linkage.md.
pub fn starter_model(task: Task) -> Option<Model> {
    Model::from_text(match task {
        Task::Link => include_str!("../models/link.model"),
        Task::Dedup => include_str!("../models/dedup.model"),
    })
}

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Pairs below this probability are not returned.
    pub min_probability: f64,
    /// A person has at most one open report (the register merges duplicates), so an
    /// encounter's probability is shared among the reports competing for it.
    pub one_report_per_person: bool,
    /// Keys shared by more records than this are too common to block on.
    pub max_block: usize,
    /// Worker threads (the result does not depend on it).
    pub threads: usize,
    /// Random pairs drawn to measure chance agreement.
    pub random_pairs: usize,
    /// Probing records whose candidate pairs are counted to learn the weights (a regular
    /// sample when there are more).
    pub training_probes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_probability: 0.5,
            one_report_per_person: true,
            max_block: 2_000,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            random_pairs: 1_000_000,
            training_probes: 25_000,
        }
    }
}

/// What a run is doing, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Preparing,
    Counting,
    Scoring,
}

/// Receives progress: `done` of `total` records at a stage.
pub trait Progress: Sync {
    fn update(&self, stage: Stage, done: u64, total: u64);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn update(&self, _: Stage, _: u64, _: u64) {}
}

/// One proposed pair: indexes into the inputs (report and encounter, or two encounters with
/// `left < right`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub left: u32,
    pub right: u32,
    pub probability: f64,
}

/// The result of a run.
#[derive(Debug)]
pub struct Outcome {
    pub matches: Vec<Match>,
    pub model: Model,
    pub candidate_pairs: u64,
}

/// Records prepared for one task: reports (empty when de-duplicating) and encounters.
#[derive(Debug)]
pub struct Corpus {
    pub task: Task,
    words: Interner,
    reports: Vec<Prepared>,
    encounters: Vec<Prepared>,
    tf: TermFrequencies,
}

impl Corpus {
    /// Prepares reports × encounters for linking.
    pub fn link(reports: &[Record], encounters: &[Record], progress: &dyn Progress) -> Corpus {
        Corpus::new(Task::Link, reports, encounters, progress)
    }

    /// Prepares encounters for finding the same person met twice.
    pub fn dedup(encounters: &[Record], progress: &dyn Progress) -> Corpus {
        Corpus::new(Task::Dedup, &[], encounters, progress)
    }

    fn new(
        task: Task,
        reports: &[Record],
        encounters: &[Record],
        progress: &dyn Progress,
    ) -> Corpus {
        let threads = Settings::default().threads;
        let mut words = Interner::new();
        let total = (reports.len() + encounters.len()) as u64;
        progress.update(Stage::Preparing, 0, total);
        let normalised_reports = par_map(reports, threads, Normalised::new);
        progress.update(Stage::Preparing, reports.len() as u64, total);
        let normalised_encounters = par_map(encounters, threads, Normalised::new);
        let reports: Vec<Prepared> = normalised_reports
            .iter()
            .map(|n| Prepared::intern(n, &mut words))
            .collect();
        let encounters: Vec<Prepared> = normalised_encounters
            .iter()
            .map(|n| Prepared::intern(n, &mut words))
            .collect();
        progress.update(Stage::Preparing, total, total);
        let tf = TermFrequencies::count(&[&reports, &encounters], words.len());
        Corpus {
            task,
            words,
            reports,
            encounters,
            tf,
        }
    }

    /// The side whose records are indexed by blocking key, and the side that probes it.
    fn sides(&self) -> (&[Prepared], &[Prepared]) {
        match self.task {
            Task::Link => (&self.reports, &self.encounters),
            Task::Dedup => (&self.encounters, &self.encounters),
        }
    }

    /// Compares an indexed record with a probing one, in the order the task needs
    /// (report first when linking, so that timing reads "met after the report").
    fn pattern(&self, sim: &mut Similarity, indexed: &Prepared, probe: &Prepared) -> Pattern {
        compare::compare(self.task, &self.words, sim, indexed, probe)
    }

    /// Finds and scores every candidate pair.
    pub fn run(&self, settings: &Settings, progress: &dyn Progress) -> Outcome {
        let (indexed, probes) = self.sides();
        let keys_of = |records: &[Prepared]| {
            par_map(records, settings.threads, |p| fingerprints(p, &self.words))
        };
        let indexed_keys = keys_of(indexed);
        let index = Index::build(&indexed_keys);
        let probe_keys = match self.task {
            Task::Link => keys_of(probes),
            Task::Dedup => indexed_keys.clone(),
        };
        let scan = Scan {
            corpus: self,
            index: &index,
            probe_keys: &probe_keys,
            settings,
        };
        let step = probes.len().div_ceil(settings.training_probes.max(1));
        let counts = scan.count_patterns(step, progress);
        let candidate_pairs = counts.values().sum();
        let (random, outside) = scan.random_patterns(&indexed_keys, settings.random_pairs);
        let all_pairs = match self.task {
            Task::Link => indexed.len() as f64 * probes.len() as f64,
            Task::Dedup => indexed.len() as f64 * (indexed.len() as f64 - 1.0) / 2.0,
        };
        let sampled: u64 = outside.values().sum();
        let scale = (all_pairs - candidate_pairs as f64).max(0.0) / sampled.max(1) as f64;
        // A first guess: a third of the smaller side has a partner.
        let expected = indexed.len().min(probes.len()) as f64 / 3.0;
        let mut model = Model::learn(self.task, &random, &outside, scale, &counts, expected);
        model.population = indexed.len().max(probes.len()) as f64;
        let matches = scan.score(&model, progress);
        Outcome {
            matches,
            model,
            candidate_pairs,
        }
    }

    /// Why a pair scored what it did: each field's level and weight, plus the prior.
    pub fn explain(&self, model: &Model, m: &Match) -> Vec<Reason> {
        let (indexed, probes) = self.sides();
        let (Some(a), Some(b)) = (indexed.get(m.left as usize), probes.get(m.right as usize))
        else {
            return Vec::new();
        };
        let mut sim = Similarity::default();
        let pattern = self.pattern(&mut sim, a, b);
        model.reasons(pattern, &self.tf, a)
    }
}

/// `f` over every item on `threads` threads, results in the items' order.
fn par_map<X: Sync, T: Send>(items: &[X], threads: usize, f: impl Fn(&X) -> T + Sync) -> Vec<T> {
    let size = items.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(size)
            .map(|chunk| s.spawn(|| chunk.iter().map(&f).collect::<Vec<T>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fingerprints(p: &Prepared, words: &Interner) -> Vec<u64> {
    let mut f: Vec<u64> = blocking::keys(p, words)
        .iter()
        .map(|k| blocking::fingerprint(k))
        .collect();
    f.sort_unstable();
    f.dedup();
    f
}

/// Blocking keys of the indexed side: records sorted by key fingerprint, and for each
/// fingerprint where its run of records starts and how long it is.
struct Index {
    records: Vec<u32>,
    runs: fast::Map<u64, (u32, u32)>,
}

impl Index {
    fn build(keys: &[Vec<u64>]) -> Index {
        let mut entries: Vec<(u64, u32)> = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            entries.extend(k.iter().map(|&k| (k, i as u32)));
        }
        entries.sort_unstable();
        let mut runs = fast::Map::default();
        let mut start = 0;
        while start < entries.len() {
            let key = entries[start].0;
            let len = entries[start..].partition_point(|e| e.0 == key);
            runs.insert(key, (start as u32, len as u32));
            start += len;
        }
        Index {
            records: entries.into_iter().map(|e| e.1).collect(),
            runs,
        }
    }

    fn postings(&self, key: u64) -> &[u32] {
        match self.runs.get(&key) {
            Some(&(start, len)) => &self.records[start as usize..(start + len) as usize],
            None => &[],
        }
    }
}

/// One pass over the probing side, shared by pattern counting and scoring.
struct Scan<'a> {
    corpus: &'a Corpus,
    index: &'a Index,
    probe_keys: &'a [Vec<u64>],
    settings: &'a Settings,
}

const CHUNK: usize = 256;

/// Independent random streams for the chance-agreement sample.
const RANDOM_STREAMS: usize = 16;

impl Scan<'_> {
    /// Patterns of pseudo-random pairs (a fixed sequence, so runs repeat exactly): all of
    /// them, for chance agreement, and those that blocking would not have proposed, to stand
    /// for the pairs outside the candidates.
    fn random_patterns(&self, indexed_keys: &[Vec<u64>], n: usize) -> (Counts, Counts) {
        let corpus = self.corpus;
        let (indexed, probes) = corpus.sides();
        let (mut all, mut outside) = (Counts::new(), Counts::new());
        if indexed.is_empty() || probes.is_empty() {
            return (all, outside);
        }
        // A fixed number of streams, whatever the number of threads, so the sample is the same.
        let streams: Vec<usize> = (0..RANDOM_STREAMS).collect();
        let parts = self.parallel(Stage::Counting, &streams, 1, &Silent, |_, chunk| {
            let mut sim = Similarity::uncached();
            let (mut all, mut outside): (fast::Map<model::Key, u64>, fast::Map<model::Key, u64>) =
                Default::default();
            for &stream in chunk {
                let mut state =
                    0x9E37_79B9_7F4A_7C15u64 ^ (stream as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
                for _ in 0..n / RANDOM_STREAMS {
                    let i = (splitmix(&mut state) % indexed.len() as u64) as usize;
                    let j = (splitmix(&mut state) % probes.len() as u64) as usize;
                    if corpus.task == Task::Dedup && i == j {
                        continue;
                    }
                    let pattern = corpus.pattern(&mut sim, &indexed[i], &probes[j]);
                    let key = model::key(pattern, corpus.tf.pair_bits(pattern, &indexed[i]));
                    *all.entry(key).or_default() += 1;
                    if !self.would_block(&indexed_keys[i], &self.probe_keys[j]) {
                        *outside.entry(key).or_default() += 1;
                    }
                }
            }
            (all, outside)
        });
        for (a, o) in parts {
            for (k, n) in a {
                *all.entry(k).or_default() += n;
            }
            for (k, n) in o {
                *outside.entry(k).or_default() += n;
            }
        }
        (all, outside)
    }

    /// Whether two records share a blocking key that is not too common to use.
    fn would_block(&self, a: &[u64], b: &[u64]) -> bool {
        let (mut x, mut y) = (0, 0);
        while x < a.len() && y < b.len() {
            match a[x].cmp(&b[y]) {
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => y += 1,
                std::cmp::Ordering::Equal => {
                    if self.index.postings(a[x]).len() <= self.settings.max_block {
                        return true;
                    }
                    x += 1;
                    y += 1;
                }
            }
        }
        false
    }

    /// Candidates of probe `i`, sorted, without repeats.
    fn candidates(&self, i: usize, out: &mut Vec<u32>) {
        out.clear();
        for &key in &self.probe_keys[i] {
            let run = self.index.postings(key);
            if run.len() <= self.settings.max_block {
                out.extend_from_slice(run);
            }
        }
        out.sort_unstable();
        out.dedup();
        if self.corpus.task == Task::Dedup {
            out.retain(|&j| j as usize > i);
        }
    }

    /// Runs `work` over chunks of the probes in `probes` on every thread, each thread with
    /// its own similarity cache; results come back in chunk order.
    fn parallel<T: Send>(
        &self,
        stage: Stage,
        probes: &[usize],
        chunk: usize,
        progress: &dyn Progress,
        work: impl Fn(&mut Similarity, &[usize]) -> T + Sync,
    ) -> Vec<T> {
        let chunks: Vec<&[usize]> = probes.chunks(chunk.max(1)).collect();
        let next = AtomicUsize::new(0);
        let done = AtomicU64::new(0);
        let results: Mutex<Vec<(usize, T)>> = Mutex::new(Vec::with_capacity(chunks.len()));
        std::thread::scope(|s| {
            for _ in 0..self.settings.threads.max(1) {
                s.spawn(|| {
                    let mut sim = Similarity::default();
                    loop {
                        let c = next.fetch_add(1, Ordering::Relaxed);
                        let Some(chunk) = chunks.get(c) else { break };
                        let out = work(&mut sim, chunk);
                        if let Ok(mut r) = results.lock() {
                            r.push((c, out));
                        }
                        let len = chunk.len() as u64;
                        let d = done.fetch_add(len, Ordering::Relaxed) + len;
                        progress.update(stage, d, probes.len() as u64);
                    }
                });
            }
        });
        let mut results = results.into_inner().unwrap_or_default();
        results.sort_by_key(|r| r.0);
        results.into_iter().map(|r| r.1).collect()
    }

    /// Pattern counts over the candidate pairs of every `step`-th probe, each counted `step`
    /// times: EM needs the shape of the distribution, not every pair.
    fn count_patterns(&self, step: usize, progress: &dyn Progress) -> Counts {
        let (indexed, probes) = self.corpus.sides();
        let sample: Vec<usize> = (0..probes.len()).step_by(step.max(1)).collect();
        let parts = self.parallel(Stage::Counting, &sample, CHUNK, progress, |sim, chunk| {
            let mut buf = Vec::new();
            let mut counts: fast::Map<model::Key, u64> = fast::Map::default();
            for &i in chunk {
                self.candidates(i, &mut buf);
                for &j in &buf {
                    let a = &indexed[j as usize];
                    let pattern = self.corpus.pattern(sim, a, &probes[i]);
                    *counts
                        .entry(model::key(pattern, self.corpus.tf.pair_bits(pattern, a)))
                        .or_default() += 1;
                }
            }
            counts
        });
        let mut total = Counts::new();
        for part in parts {
            for (p, n) in part {
                *total.entry(p).or_default() += n * step as u64;
            }
        }
        total
    }

    fn score(&self, model: &Model, progress: &dyn Progress) -> Vec<Match> {
        let (indexed, probes) = self.corpus.sides();
        let exclusive = self.corpus.task == Task::Link && self.settings.one_report_per_person;
        let all: Vec<usize> = (0..probes.len()).collect();
        let weights = model.weights();
        let parts = self.parallel(Stage::Scoring, &all, CHUNK, progress, |sim, chunk| {
            let mut buf = Vec::new();
            let mut scored: Vec<(u32, f64)> = Vec::new();
            let mut out = Vec::new();
            for &i in chunk {
                self.candidates(i, &mut buf);
                scored.clear();
                for &j in &buf {
                    let (a, b) = (&indexed[j as usize], &probes[i]);
                    let pattern = self.corpus.pattern(sim, a, b);
                    scored.push((j, weights.score(pattern, &self.corpus.tf, a)));
                }
                // An encounter is at most one reported person: competing reports share it.
                let rivals: f64 = if exclusive {
                    scored
                        .iter()
                        .filter(|s| s.1 > -40.0)
                        .map(|s| s.1.exp2())
                        .sum()
                } else {
                    0.0
                };
                for &(j, bits) in scored.iter().filter(|s| s.1 > -20.0) {
                    let odds = bits.exp2();
                    let p = if exclusive {
                        odds / (1.0 + rivals)
                    } else {
                        odds / (1.0 + odds)
                    };
                    if p >= self.settings.min_probability {
                        out.push(Match {
                            left: j,
                            right: i as u32,
                            probability: p,
                        });
                    }
                }
            }
            out
        });
        let mut matches: Vec<Match> = parts.into_iter().flatten().collect();
        if self.corpus.task == Task::Dedup {
            for m in &mut matches {
                (m.left, m.right) = (m.right, m.left);
            }
        }
        matches.sort_by_key(|m| (m.left, m.right));
        matches
    }
}
