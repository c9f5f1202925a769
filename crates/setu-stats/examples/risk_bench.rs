//! Benchmark of the ward risk ranking on wards of known risk (issue 17, point 4): simulates
//! local levels and wards with true rates, draws Poisson events, ranks them, and prints how
//! well the smoothed ranking finds the truly riskiest tenth (recall) and orders wards
//! (Spearman's rank correlation) against raw rates, and how often the 90 % intervals cover the
//! true rate. With `--csv FILE` it also writes the counts of one simulation pooled as a single
//! local level (`ward_code,events,population,smoothed_rate`) for `scripts/esda_compare.py`,
//! which checks the smoothed rates against PySAL esda's empirical Bayes.
//!
//! `cargo run --release -p setu-stats --example risk_bench -- [--runs 20] [--csv wards.csv]`

use setu_stats::risk::{rank, Settings, WardCount};
use setu_stats::rng::Rng;

/// 753 local levels of 9 wards: about Nepal's 6,743.
const LEVELS: usize = 753;
const WARDS: usize = 9;

fn simulate(seed: u64) -> (Vec<WardCount>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let (mut wards, mut truth) = (Vec::new(), Vec::new());
    for ll in 0..LEVELS {
        let level = 0.0015 * rng.gamma(6.0) / 6.0;
        for w in 0..WARDS {
            let theta = level * rng.gamma(3.0) / 3.0;
            // Ward populations as in Nepal: a few hundred to many thousands.
            let people = (300.0 * (rng.uniform() * 4.0).exp()) as u64;
            let events = rng.poisson(theta * people as f64);
            wards.push(WardCount {
                code: format!("{:05}{:02}", 10_000 + ll, w + 1),
                events,
                population: people,
            });
            truth.push(theta);
        }
    }
    (wards, truth)
}

/// Ranks of values (1 = largest), ties by order.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|a, b| values[*b].total_cmp(&values[*a]));
    let mut r = vec![0.0; values.len()];
    for (pos, i) in idx.into_iter().enumerate() {
        r[i] = pos as f64 + 1.0;
    }
    r
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let d2: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - y).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

fn recall(score: &[f64], truth: &[f64]) -> f64 {
    let k = truth.len().div_ceil(10);
    let top = |v: &[f64]| {
        let r = ranks(v);
        (0..v.len())
            .filter(|i| r[*i] <= k as f64)
            .collect::<std::collections::HashSet<_>>()
    };
    let (t, s) = (top(truth), top(score));
    t.intersection(&s).count() as f64 / k as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runs: u64 = value("--runs").and_then(|v| v.parse().ok()).unwrap_or(20);
    let settings = Settings {
        draws: 200,
        ..Settings::default()
    };
    let mut sums = [0.0f64; 5];
    for run in 0..runs {
        let (wards, truth) = simulate(1_000 + run);
        let ranked = rank(&wards, &settings);
        let at: std::collections::HashMap<&str, usize> = wards
            .iter()
            .enumerate()
            .map(|(i, w)| (w.code.as_str(), i))
            .collect();
        let mut smoothed = vec![0.0; wards.len()];
        let mut raw = vec![0.0; wards.len()];
        let mut covered = 0usize;
        for w in &ranked {
            let i = at[w.code.as_str()];
            smoothed[i] = w.smoothed;
            raw[i] = w.rate;
            covered += usize::from(w.lower <= truth[i] && truth[i] <= w.upper);
        }
        sums[0] += recall(&smoothed, &truth);
        sums[1] += recall(&raw, &truth);
        sums[2] += spearman(&smoothed, &truth);
        sums[3] += spearman(&raw, &truth);
        sums[4] += covered as f64 / wards.len() as f64;
    }
    let n = runs as f64;
    println!(
        "{runs} simulations of {} wards ({LEVELS} local levels of {WARDS})",
        LEVELS * WARDS
    );
    println!(
        "top-tenth recall:      smoothed {:.3}  raw {:.3}",
        sums[0] / n,
        sums[1] / n
    );
    println!(
        "Spearman with truth:   smoothed {:.3}  raw {:.3}",
        sums[2] / n,
        sums[3] / n
    );
    println!("90 % interval coverage: {:.3}", sums[4] / n);
    if let Some(path) = value("--csv") {
        // One local level for all: the model is then Marshall's global empirical Bayes, what
        // esda computes.
        let (wards, _) = simulate(7);
        let global = Settings {
            one_level: true,
            ..settings
        };
        let ranked = rank(&wards, &global);
        let mut out = String::from("ward_code,events,population,smoothed_rate\n");
        for w in &ranked {
            let c = wards
                .iter()
                .find(|x| x.code == w.code)
                .map_or((0, 0), |x| (x.events, x.population));
            out.push_str(&format!("{},{},{},{:.12e}\n", w.code, c.0, c.1, w.smoothed));
        }
        if let Err(e) = std::fs::write(&path, out) {
            eprintln!("cannot write {path}: {e}");
            std::process::exit(1);
        }
        println!("wrote {path}");
    }
}
