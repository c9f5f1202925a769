//! Which wards are most at risk (issue 17, point 4), honestly: a ward of 40 people with two
//! girls missing has a higher raw rate than a ward of 4,000 with sixty, but far less evidence.
//! Rates are smoothed by empirical Bayes with a Poisson–gamma model: a ward's true rate θᵢ is
//! drawn from a gamma prior centred on its local level's rate, its events are Poisson(θᵢ·Pᵢ),
//! and what is reported is the posterior: its mean (the smoothed rate), a 90 % interval, and
//! the probability that the ward is among the riskiest tenth, from draws of every ward's
//! posterior at once. Small wards are shrunk toward their local level, large wards keep their
//! own rate. The method is written up in docs/risk.md.
//!
//! The prior's spread is Marshall's (1991) moment estimate over all wards: the variance of the
//! raw rates around the overall rate, less what Poisson noise alone would give, as a squared
//! coefficient of variation; each local level's centre is its own pooled rate, shrunk toward the
//! overall rate by the same prior (a local level of few people borrows from the rest).

use crate::gamma::quantile;
use crate::rng::Rng;

/// A ward's counts.
#[derive(Debug, Clone, PartialEq)]
pub struct WardCount {
    /// Its code; the local level is the code without its last two characters
    /// (`5110604` → `51106`).
    pub code: String,
    /// Events in the period (people missing or trafficked).
    pub events: u64,
    /// People living there (more than 0).
    pub population: u64,
}

/// A ward's risk, as ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct WardRisk {
    /// Its code.
    pub code: String,
    /// Events per person, raw.
    pub rate: f64,
    /// The posterior mean.
    pub smoothed: f64,
    /// The interval's lower end.
    pub lower: f64,
    /// Its upper end.
    pub upper: f64,
    /// 1 for the riskiest.
    pub rank: usize,
    /// The probability of being among the riskiest tenth.
    pub p_top10: f64,
}

/// How the ranking is made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The interval's level (0.90: from the 5th to the 95th percentile).
    pub level: f64,
    /// Posterior draws for the chance of being in the top tenth.
    pub draws: usize,
    /// The generator's seed.
    pub seed: u64,
    /// Shrink every ward toward the overall rate instead of its local level's (Marshall's
    /// global empirical Bayes, what PySAL's esda computes: the benchmark compares the two).
    pub one_level: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            level: 0.90,
            draws: 1_000,
            seed: 2083,
            one_level: false,
        }
    }
}

/// The smallest squared coefficient of variation the prior may have: with no spread beyond
/// Poisson noise every ward would be given its local level's rate exactly.
const MIN_CV2: f64 = 1e-4;

/// A ward's local level: its code without the ward number.
fn local_level(code: &str) -> &str {
    code.get(..code.len().saturating_sub(2)).unwrap_or(code)
}

/// The group a ward is shrunk toward: its local level, or one group for all.
fn level_of(code: &str, one_level: bool) -> &str {
    if one_level {
        ""
    } else {
        local_level(code)
    }
}

/// The prior's squared coefficient of variation (Marshall's moment estimate).
fn prior_cv2(wards: &[WardCount], overall: f64) -> f64 {
    let n = wards.len() as f64;
    let people: f64 = wards.iter().map(|w| w.population as f64).sum();
    let spread = wards
        .iter()
        .map(|w| {
            let r = w.events as f64 / w.population as f64;
            w.population as f64 * (r - overall).powi(2)
        })
        .sum::<f64>()
        / people;
    let between = spread - overall / (people / n);
    (between / (overall * overall)).max(MIN_CV2)
}

/// Ranks the wards, riskiest first. Wards without people are left out (no rate can be said).
pub fn rank(wards: &[WardCount], s: &Settings) -> Vec<WardRisk> {
    let wards: Vec<&WardCount> = wards.iter().filter(|w| w.population > 0).collect();
    if wards.is_empty() {
        return Vec::new();
    }
    let events: f64 = wards.iter().map(|w| w.events as f64).sum();
    let people: f64 = wards.iter().map(|w| w.population as f64).sum();
    // With no event at all, the overall rate is taken as half an event, not zero (a gamma
    // prior needs a positive mean); every ward then ranks alike.
    let overall = events.max(0.5) / people;
    let owned: Vec<WardCount> = wards.iter().map(|w| (*w).clone()).collect();
    let cv2 = prior_cv2(&owned, overall);
    let shape = 1.0 / cv2;
    // Each local level's centre: its pooled rate shrunk toward the overall rate.
    let mut levels: std::collections::HashMap<&str, (f64, f64)> = Default::default();
    for w in &wards {
        let e = levels.entry(level_of(&w.code, s.one_level)).or_default();
        e.0 += w.events as f64;
        e.1 += w.population as f64;
    }
    let centre = |code: &str| {
        let (e, p) = levels
            .get(level_of(code, s.one_level))
            .copied()
            .unwrap_or((0.0, 0.0));
        (e + shape) / (p + shape / overall)
    };
    let tail = (1.0 - s.level) / 2.0;
    let posts: Vec<(f64, f64)> = wards
        .iter()
        .map(|w| {
            let rate = shape / centre(&w.code);
            (shape + w.events as f64, rate + w.population as f64)
        })
        .collect();
    let p_top = top_tenth(&posts, s);
    let mut out: Vec<WardRisk> = wards
        .iter()
        .zip(&posts)
        .zip(p_top)
        .map(|((w, (a, b)), p)| WardRisk {
            code: w.code.clone(),
            rate: w.events as f64 / w.population as f64,
            smoothed: a / b,
            lower: quantile(*a, *b, tail),
            upper: quantile(*a, *b, 1.0 - tail),
            rank: 0,
            p_top10: p,
        })
        .collect();
    out.sort_by(|x, y| {
        y.smoothed
            .total_cmp(&x.smoothed)
            .then_with(|| x.code.cmp(&y.code))
    });
    for (i, w) in out.iter_mut().enumerate() {
        w.rank = i + 1;
    }
    out
}

/// For each ward, the share of joint posterior draws in which it is among the top tenth.
fn top_tenth(posts: &[(f64, f64)], s: &Settings) -> Vec<f64> {
    let n = posts.len();
    let k = n.div_ceil(10).max(1);
    let mut rng = Rng::new(s.seed);
    let mut hits = vec![0u32; n];
    let mut draw = vec![0.0; n];
    let mut sorted = vec![0.0; n];
    for _ in 0..s.draws {
        for (d, (a, b)) in draw.iter_mut().zip(posts) {
            *d = rng.gamma(*a) / b;
        }
        sorted.copy_from_slice(&draw);
        let (_, kth, _) = sorted.select_nth_unstable_by(n - k, |x, y| x.total_cmp(y));
        let threshold = *kth;
        for (h, d) in hits.iter_mut().zip(&draw) {
            if *d >= threshold {
                *h += 1;
            }
        }
    }
    hits.iter()
        .map(|h| f64::from(*h) / s.draws.max(1) as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ward(code: &str, events: u64, population: u64) -> WardCount {
        WardCount {
            code: code.into(),
            events,
            population,
        }
    }

    #[test]
    fn a_tiny_ward_does_not_top_the_list_by_chance() {
        let mut wards: Vec<WardCount> = (0..40)
            .map(|i| ward(&format!("511{:02}{:02}", 1 + i / 8, 1 + i % 8), 10, 5_000))
            .collect();
        wards.push(ward("5110699", 2, 20)); // raw 0.1: tops by raw rate
        wards.push(ward("5110598", 45, 5_000)); // raw 0.009: truly high, with evidence
        let ranked = rank(&wards, &Settings::default());
        assert_eq!(ranked[0].code, "5110598");
        let tiny = ranked.iter().find(|w| w.code == "5110699").unwrap();
        assert!(tiny.rank > 1 && tiny.smoothed < 0.02, "{tiny:?}");
        assert!(
            tiny.upper - tiny.lower > ranked[0].upper - ranked[0].lower,
            "wide: little evidence"
        );
        for w in &ranked {
            assert!(w.lower <= w.smoothed && w.smoothed <= w.upper);
            assert!((0.0..=1.0).contains(&w.p_top10));
        }
        assert!(ranked[0].p_top10 > 0.9);
        let total: f64 = ranked.iter().map(|w| w.p_top10).sum();
        assert!(
            (total - 5.0).abs() < 1e-9,
            "five wards are the top tenth of 42 in every draw"
        );
    }

    /// Wards with known true risk: the smoothed ranking finds the truly riskiest better than
    /// raw rates, and the 90 % intervals cover the true rates about 90 % of the time.
    #[test]
    fn on_wards_of_known_risk_it_beats_raw_rates_and_its_intervals_cover() {
        let mut rng = Rng::new(42);
        let (mut wards, mut truth) = (Vec::new(), Vec::new());
        for ll in 0..200 {
            let level = 0.002 * rng.gamma(8.0) / 8.0;
            for w in 0..10 {
                let theta = level * rng.gamma(4.0) / 4.0;
                let people = 100 + (rng.uniform() * 4_900.0) as u64;
                let events = rng.poisson(theta * people as f64);
                wards.push(ward(
                    &format!("{:05}{:02}", 10_000 + ll, w + 1),
                    events,
                    people,
                ));
                truth.push(theta);
            }
        }
        let s = Settings {
            draws: 200,
            ..Settings::default()
        };
        let ranked = rank(&wards, &s);
        let true_of = |code: &str| truth[wards.iter().position(|w| w.code == code).unwrap()];
        let covered = ranked
            .iter()
            .filter(|w| (w.lower..=w.upper).contains(&true_of(&w.code)))
            .count() as f64
            / ranked.len() as f64;
        assert!((0.87..=0.93).contains(&covered), "coverage {covered}");
        let k = wards.len() / 10;
        let mut by_truth: Vec<usize> = (0..wards.len()).collect();
        by_truth.sort_by(|a, b| truth[*b].total_cmp(&truth[*a]));
        let top: std::collections::HashSet<&str> = by_truth[..k]
            .iter()
            .map(|i| wards[*i].code.as_str())
            .collect();
        let smoothed_hits = ranked[..k]
            .iter()
            .filter(|w| top.contains(w.code.as_str()))
            .count();
        let mut raw = ranked.clone();
        raw.sort_by(|x, y| y.rate.total_cmp(&x.rate));
        let raw_hits = raw[..k]
            .iter()
            .filter(|w| top.contains(w.code.as_str()))
            .count();
        assert!(
            smoothed_hits > raw_hits,
            "smoothed {smoothed_hits} vs raw {raw_hits} of {k}"
        );
    }

    /// With one level for all, the smoothed rate is Marshall's global empirical Bayes in
    /// closed form (what PySAL's esda computes): m + (r − m) · v / (v + m / P).
    #[test]
    fn one_level_is_marshalls_global_empirical_bayes() {
        let wards: Vec<WardCount> = [(3, 400), (0, 900), (12, 2_500), (7, 600), (1, 80)]
            .iter()
            .enumerate()
            .map(|(i, (e, p))| ward(&format!("{i:05}01"), *e, *p))
            .collect();
        let s = Settings {
            one_level: true,
            draws: 10,
            ..Settings::default()
        };
        let ranked = rank(&wards, &s);
        let (e, p): (f64, f64) = wards.iter().fold((0.0, 0.0), |(e, p), w| {
            (e + w.events as f64, p + w.population as f64)
        });
        let m = e / p;
        let mean_p = p / wards.len() as f64;
        let v = wards
            .iter()
            .map(|w| w.population as f64 * (w.events as f64 / w.population as f64 - m).powi(2))
            .sum::<f64>()
            / p
            - m / mean_p;
        for w in &wards {
            let r = w.events as f64 / w.population as f64;
            let marshall = m + (r - m) * v / (v + m / w.population as f64);
            let ours = ranked.iter().find(|x| x.code == w.code).unwrap().smoothed;
            assert!(
                (ours - marshall).abs() < 1e-12 * marshall.max(1e-9),
                "{ours} vs {marshall}"
            );
        }
    }
}
