//! `setu risk`: the ward risk ranking of `setu-stats` on a CSV of counts
//! (`ward_code,events,population`), written as `ward_code,rate,smoothed_rate,lower,upper,rank,
//! p_top10`. Every bad row is reported with its line and column, and nothing is written then.
//! The method: docs/risk.md.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use setu_core::numbers::to_ascii_digits;
use setu_stats::risk::{rank, Settings, WardCount};

/// What `setu risk` was asked to do.
#[derive(Debug, clap::Args)]
pub struct RiskArgs {
    /// Ward counts (CSV: ward_code,events,population).
    #[arg(long)]
    input: PathBuf,
    /// Where to write the ranking (CSV).
    #[arg(long)]
    out: PathBuf,
    /// Posterior draws for the chance of being among the riskiest tenth.
    #[arg(long, default_value_t = 1_000)]
    draws: usize,
    /// The random generator's seed (the same seed, the same ranking).
    #[arg(long, default_value_t = 2083)]
    seed: u64,
}

const COLUMNS: [&str; 3] = ["ward_code", "events", "population"];

/// Runs the command.
pub fn run(args: RiskArgs) -> Result<()> {
    let wards = read(&args.input)?;
    let settings = Settings {
        draws: args.draws.max(1),
        seed: args.seed,
        ..Settings::default()
    };
    let ranked = rank(&wards, &settings);
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "ward_code,rate,smoothed_rate,lower,upper,rank,p_top10")?;
    for w in &ranked {
        writeln!(
            out,
            "{},{:.6e},{:.6e},{:.6e},{:.6e},{},{:.4}",
            w.code, w.rate, w.smoothed, w.lower, w.upper, w.rank, w.p_top10
        )?;
    }
    out.flush()?;
    eprintln!(
        "setu risk: {} wards ranked, written to {}",
        ranked.len(),
        args.out.display()
    );
    Ok(())
}

/// Reads the counts; every bad row is named (line, column), and any makes the whole file
/// refused.
fn read(path: &std::path::Path) -> Result<Vec<WardCount>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: line 1: not a CSV header", path.display()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut at = [0usize; 3];
    for (slot, name) in at.iter_mut().zip(COLUMNS) {
        *slot = header.iter().position(|h| h == name).with_context(|| {
            format!(
                "{}: line 1: the header has no column {name:?}",
                path.display()
            )
        })?;
    }
    let (mut wards, mut errors) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashMap::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: not readable as CSV", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| record.get(at[i]).unwrap_or("").trim().to_string();
        let fail = |errors: &mut Vec<String>, i: usize, what: &str| {
            errors.push(format!(
                "{}: line {line}, column {} ({}): {what}",
                path.display(),
                at[i] + 1,
                COLUMNS[i]
            ));
        };
        let code = cell(0);
        if code.is_empty() {
            fail(&mut errors, 0, "the ward code is empty");
        } else if let Some(first) = seen.insert(code.clone(), line) {
            fail(
                &mut errors,
                0,
                &format!("{code:?} was already on line {first}"),
            );
        }
        let mut count = |i: usize| match to_ascii_digits(&cell(i)).parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                fail(
                    &mut errors,
                    i,
                    &format!("{:?} is not a whole number of 0 or more", cell(i)),
                );
                None
            }
        };
        let (events, population) = (count(1), count(2));
        if population == Some(0) {
            fail(
                &mut errors,
                2,
                "a ward has people: the population cannot be 0",
            );
        }
        if let (Some(events), Some(population)) = (events, population) {
            wards.push(WardCount {
                code,
                events,
                population,
            });
        }
    }
    if !errors.is_empty() {
        // Each refused row on its own line; the error itself stays one line.
        for e in &errors {
            eprintln!("{e}");
        }
        bail!(
            "{}: {} rows refused (listed above); nothing written",
            path.display(),
            errors.len()
        );
    }
    if wards.is_empty() {
        bail!("{}: no wards in the file", path.display());
    }
    Ok(wards)
}
