//! `setu link`: match missing-person reports against encounters (or encounters against each
//! other) from CSV files, with the engine in `setu-link`. The file format is described in
//! docs/linkage.md; every bad row is reported with its line and column.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use setu_core::calendar::parse_ad;
use setu_core::numbers::to_ascii_digits;
use setu_link::{Corpus, Outcome, Progress, Record, Settings, Stage};

/// What `setu link` was asked to do.
#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    /// Missing-person reports (CSV). Required unless --dedup.
    #[arg(long)]
    reports: Option<PathBuf>,
    /// Encounters: booth screenings, police rescues, shelter intakes (CSV).
    #[arg(long)]
    encounters: PathBuf,
    /// Where to write the pairs (CSV).
    #[arg(long)]
    out: PathBuf,
    /// Find the same person among the encounters instead of linking reports.
    #[arg(long)]
    dedup: bool,
    /// Write every pair at least this likely to be the same person.
    #[arg(long, default_value_t = 0.5)]
    min_probability: f64,
    /// Add a column with each field's contribution (in bits) to the pair's score.
    #[arg(long)]
    reasons: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Print the learned weights (m, u and bits per field and level) on standard error.
    #[arg(long)]
    show_model: bool,
    /// Also write the learned model to this file (the form `setu-link` reads back).
    #[arg(long)]
    save_model: Option<PathBuf>,
}

const REPORT_COLUMNS: [&str; 15] = [
    "report_id",
    "given_name",
    "middle_name",
    "family_name",
    "sex",
    "birth_year",
    "age_at_report",
    "report_date",
    "father_name",
    "mother_name",
    "home_district",
    "home_municipality",
    "home_ward",
    "phone",
    "notes",
];
const ENCOUNTER_COLUMNS: [&str; 16] = [
    "encounter_id",
    "source",
    "site",
    "encounter_date",
    "given_name",
    "middle_name",
    "family_name",
    "sex",
    "stated_age",
    "father_name",
    "mother_name",
    "home_district",
    "home_municipality",
    "home_ward",
    "phone",
    "destination",
];

/// Runs the command.
pub fn run(args: LinkArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&args.min_probability) {
        bail!(
            "--min-probability must be between 0 and 1, not {}",
            args.min_probability
        );
    }
    let bar = Bar::new(args.quiet);
    let (encounter_ids, encounters) = read(&args.encounters, &ENCOUNTER_COLUMNS, encounter_record)?;
    let settings = Settings {
        min_probability: args.min_probability,
        ..Settings::default()
    };
    let (corpus, left_ids, header) = if args.dedup {
        let corpus = Corpus::dedup(&encounters, &bar);
        (
            corpus,
            encounter_ids.clone(),
            ["encounter_id_l", "encounter_id_r"],
        )
    } else {
        let path = args
            .reports
            .as_deref()
            .ok_or_else(|| anyhow!("--reports is required (or use --dedup)"))?;
        let (report_ids, reports) = read(path, &REPORT_COLUMNS, report_record)?;
        (
            Corpus::link(&reports, &encounters, &bar),
            report_ids,
            ["report_id", "encounter_id"],
        )
    };
    drop(encounters);
    let outcome = corpus.run(&settings, &bar);
    bar.finish();
    write(&args, &corpus, &outcome, header, &left_ids, &encounter_ids)?;
    if let Some(path) = &args.save_model {
        std::fs::write(path, outcome.model.to_text())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.show_model {
        eprint!("{}", model_table(&outcome.model));
    }
    if !args.quiet {
        eprintln!(
            "setu link: {} candidate pairs compared, {} written to {} (EM settled after {} rounds)",
            outcome.candidate_pairs,
            outcome.matches.len(),
            args.out.display(),
            outcome.model.iterations
        );
    }
    Ok(())
}

/// The learned model as a plain-text table: what each level of each field weighs.
fn model_table(m: &setu_link::Model) -> String {
    let mut out = format!(
        "share of pairs that are the same person: {:.3e}; household pairs per true pair: {:.2}\n",
        m.prior, m.household
    );
    out.push_str(&format!(
        "{:<12} {:<36} {:>7} {:>9} {:>7}\n",
        "field", "level", "m", "u", "bits"
    ));
    for (f, field) in setu_link::Field::ALL.iter().enumerate() {
        for (l, name) in field.levels(m.task).iter().enumerate().skip(1) {
            let u = m.u[0][f][l];
            out.push_str(&format!(
                "{:<12} {:<36} {:>7.4} {:>9.6} {:>+7.2}\n",
                field.key(),
                name,
                m.m[f][l],
                u,
                (m.m[f][l] / u).log2()
            ));
        }
    }
    out
}

fn write(
    args: &LinkArgs,
    corpus: &Corpus,
    outcome: &Outcome,
    header: [&str; 2],
    left: &[String],
    right: &[String],
) -> Result<()> {
    let file =
        File::create(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    let mut out = csv::Writer::from_writer(BufWriter::new(file));
    let mut columns = vec![header[0], header[1], "probability"];
    if args.reasons {
        columns.push("reasons");
    }
    out.write_record(&columns)?;
    for m in &outcome.matches {
        let (l, r) = (left.get(m.left as usize), right.get(m.right as usize));
        let (Some(l), Some(r)) = (l, r) else { continue };
        let p = format!("{:.4}", m.probability);
        let mut row = vec![l.as_str(), r.as_str(), p.as_str()];
        let reasons;
        if args.reasons {
            reasons = corpus
                .explain(&outcome.model, m)
                .iter()
                .map(|r| format!("{}={} ({:+.1})", r.field.key(), r.level, r.bits))
                .collect::<Vec<_>>()
                .join("; ");
            row.push(&reasons);
        }
        out.write_record(&row)?;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    Ok(())
}

/// One CSV row, with its line number, and the column positions of the header.
struct Row<'a> {
    file: &'a Path,
    line: u64,
    record: &'a csv::StringRecord,
    columns: &'a [usize],
    names: &'a [&'static str],
}

impl Row<'_> {
    fn text(&self, i: usize) -> String {
        self.record
            .get(self.columns[i])
            .unwrap_or("")
            .trim()
            .to_owned()
    }

    fn fail(&self, i: usize, what: &str) -> anyhow::Error {
        anyhow!(
            "{}: line {}, column {} ({}): {what}",
            self.file.display(),
            self.line,
            self.columns[i] + 1,
            self.names[i]
        )
    }

    fn number(&self, i: usize) -> Result<Option<i32>> {
        let t = to_ascii_digits(&self.text(i));
        if t.is_empty() {
            return Ok(None);
        }
        t.parse()
            .map(Some)
            .map_err(|_| self.fail(i, &format!("{t:?} is not a whole number")))
    }

    fn day(&self, i: usize) -> Result<Option<i32>> {
        let t = to_ascii_digits(&self.text(i));
        if t.is_empty() {
            return Ok(None);
        }
        let date = parse_ad(&t)
            .map_err(|_| self.fail(i, &format!("{t:?} is not a date written YYYY-MM-DD")))?;
        Ok(Some(date.to_julian_day() - 2_440_588))
    }
}

fn report_record(row: &Row) -> Result<Record> {
    Ok(Record {
        given_name: row.text(1),
        middle_name: row.text(2),
        family_name: row.text(3),
        sex: row.text(4),
        birth_year: row.number(5)?,
        age: row.number(6)?,
        event_day: row.day(7)?,
        father_name: row.text(8),
        mother_name: row.text(9),
        district: row.text(10),
        municipality: row.text(11),
        ward: row.number(12)?,
        phone: row.text(13),
    })
}

fn encounter_record(row: &Row) -> Result<Record> {
    Ok(Record {
        event_day: row.day(3)?,
        given_name: row.text(4),
        middle_name: row.text(5),
        family_name: row.text(6),
        sex: row.text(7),
        birth_year: None,
        age: row.number(8)?,
        father_name: row.text(9),
        mother_name: row.text(10),
        district: row.text(11),
        municipality: row.text(12),
        ward: row.number(13)?,
        phone: row.text(14),
    })
}

/// Reads a whole file or fails on the first bad row, naming its line and column.
/// Returns the ids (first column) and the records.
fn read(
    path: &Path,
    names: &[&'static str],
    parse: fn(&Row) -> Result<Record>,
) -> Result<(Vec<String>, Vec<Record>)> {
    let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(std::io::BufReader::new(file));
    let header = reader
        .headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect::<Vec<_>>();
    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        let at = header.iter().position(|h| h == name);
        columns.push(at.ok_or_else(|| {
            anyhow!(
                "{}: line 1: the header has no column {name:?}",
                path.display()
            )
        })?);
    }
    let (mut ids, mut records) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, &e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let row = Row {
            file: path,
            line,
            record: &record,
            columns: &columns,
            names,
        };
        let id = row.text(0);
        if id.is_empty() {
            return Err(row.fail(0, "the id is empty"));
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            return Err(row.fail(
                0,
                &format!("the id {id:?} was already used on line {first}"),
            ));
        }
        records.push(parse(&row)?);
        ids.push(id);
    }
    Ok((ids, records))
}

fn csv_error(path: &Path, e: &csv::Error) -> anyhow::Error {
    let line = e.position().map_or(0, csv::Position::line);
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            anyhow!(
                "{}: line {line}: {len} columns where the header has {expected_len}",
                path.display()
            )
        }
        csv::ErrorKind::Utf8 { err, .. } => {
            anyhow!(
                "{}: line {line}, column {}: the text is not UTF-8",
                path.display(),
                err.field() + 1
            )
        }
        _ => anyhow!("{}: line {line}: {e}", path.display()),
    }
}

/// A progress bar on standard error, redrawn at most ten times a second.
struct Bar {
    quiet: bool,
    terminal: bool,
    last: Mutex<(Instant, Option<Stage>)>,
}

impl Bar {
    fn new(quiet: bool) -> Bar {
        let long_ago = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(Instant::now);
        Bar {
            quiet,
            terminal: std::io::stderr().is_terminal(),
            last: Mutex::new((long_ago, None)),
        }
    }

    fn finish(&self) {
        if !self.quiet && self.terminal {
            eprintln!();
        }
    }
}

impl Progress for Bar {
    fn update(&self, stage: Stage, done: u64, total: u64) {
        if self.quiet {
            return;
        }
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let new_stage = last.1 != Some(stage);
        let finished = done >= total;
        if !new_stage && !finished && last.0.elapsed() < Duration::from_millis(100) {
            return;
        }
        // Not a terminal (a log file): one line per stage, when it ends.
        if !self.terminal && !finished {
            *last = (Instant::now(), Some(stage));
            return;
        }
        let name = match stage {
            Stage::Preparing => "reading names",
            Stage::Counting => "learning weights",
            Stage::Scoring => "scoring pairs",
        };
        let width = 30;
        let percent = (done * 100).checked_div(total).unwrap_or(100).min(100);
        let filled = (percent as usize * width) / 100;
        let line = format!(
            "{name:<17} [{}{}] {percent:>3}% {done}/{total}",
            "#".repeat(filled),
            ".".repeat(width - filled),
        );
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
        *last = (Instant::now(), Some(stage));
    }
}
