//! How fast Setu stores what booth phones send, under many concurrent clients, beside the bare
//! engine on the same machine (issue 12). Results go in docs/benchmarks.md with this command:
//!
//!     cargo build --release && cargo run --release -p setu --example write_load -- \
//!         [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--seconds 10] [--quick] \
//!         [--named-only] [--keep]
//!
//! For each engine it builds the demo database with the release `setu` (target/release/setu),
//! starts `setu serve` on it as a separate process, and has N clients each send `/api/v1/sync`
//! batches of new screenings with the booth worker's API token, as fast as the answers come
//! back, for a fixed time. It prints records stored per second, latency percentiles and every
//! answer that was not 2xx. Then, on a register of 10,000 missing-person reports, named
//! screenings (which queue matching jobs): the same throughput, and how fast the worker drains
//! the queue. The bare engine is measured in the same run: one-row transactions and 100-row
//! transactions in a table of the same width, through the same driver (sqlx), WAL and
//! `synchronous = FULL` on SQLite.
//!
//! `--quick` runs each load for two seconds with a register of 1,000 (a smoke test of the
//! program, not figures to publish).
//!
//! `--count-cost [--rounds 8]` measures instead what keeping the booths' counts (issue 17,
//! `setu_store::counts`) costs the writes: two demo databases side by side, one as Setu makes it
//! and one with the count triggers dropped, each served by its own `setu serve`; every round
//! runs each load on both, in turns (which goes first alternates), after the counts of the
//! last run are folded. Runs of one binary vary by tens of per cent on a shared machine, so it
//! reports each load's median rate over the rounds on each side and the median of the rounds'
//! paired ratios (counted over uncounted, two runs a few seconds apart).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use setu_testkit::load::Client;
use sqlx::{Connection, Executor};
use tokio::sync::Mutex;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What to run.
#[derive(Debug, Clone)]
struct Options {
    seconds: u64,
    postgres: Option<String>,
    register: usize,
    /// Only the named screenings and the queue (to study the matcher).
    named_only: bool,
    /// Keep the SQLite database and its key file afterwards (to study what the load wrote).
    keep: bool,
    /// Instead of the loads: what the booths' counts cost the writes, in this many rounds.
    count_cost: Option<usize>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let quick = args.iter().any(|a| a == "--quick");
    Options {
        seconds: value("--seconds")
            .and_then(|s| s.parse().ok())
            .unwrap_or(if quick { 2 } else { 10 }),
        postgres: value("--postgres"),
        register: if quick { 1_000 } else { 10_000 },
        named_only: args.iter().any(|a| a == "--named-only"),
        keep: args.iter().any(|a| a == "--keep"),
        count_cost: args.iter().any(|a| a == "--count-cost").then(|| {
            value("--rounds")
                .and_then(|s| s.parse().ok())
                .unwrap_or(if quick { 1 } else { 8 })
        }),
    }
}

/// A running `setu serve` and what the clients need to talk to it.
struct Server {
    child: Child,
    addr: String,
    token: String,
    booth: i64,
    url: String,
    keys: PathBuf,
    /// Each stored report's id and the generator's id for it.
    register_ids: std::collections::HashMap<String, String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn setu_bin() -> Result<PathBuf, Error> {
    let exe = std::env::current_exe()?;
    // target/release/examples/write_load → target/release/setu
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("setu"))
        .ok_or("cannot find target/release")?;
    if !bin.exists() {
        return Err("build the server first: cargo build --release".into());
    }
    Ok(bin)
}

fn run(cmd: &mut Command) -> Result<String, Error> {
    let out = cmd.stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed").into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Builds the demo database (SQLite in `dir`, or the PostgreSQL database `pg`), adds a register
/// of `register` reports, and starts `setu serve` on it.
async fn start(
    dir: &Path,
    pg: Option<&str>,
    register: &[Person],
    uncounted: bool,
) -> Result<Server, Error> {
    let bin = setu_bin()?;
    let keys = dir.join("demo.keys");
    let url = match pg {
        Some(u) => u.to_string(),
        None => format!("sqlite://{}", dir.join("demo.db").display()),
    };
    let common = |c: &mut Command| {
        c.arg("--data-dir")
            .arg(dir)
            .arg("--database-url")
            .arg(&url)
            .arg("--key-file")
            .arg(&keys)
            .env("SETU_LOG", "warn");
    };
    let mut demo = Command::new(&bin);
    demo.args(["demo", "--no-serve"]);
    common(&mut demo);
    run(demo.stdout(Stdio::null()))?;
    let store = open(&url, &keys).await?;
    let booth = match store.user_by_name("booth.jamunaha").await?.scope {
        setu_core::access::Scope::Site(id) => id,
        other => return Err(format!("unexpected booth worker scope {other}").into()),
    };
    let built = Instant::now();
    let register_ids = add_register(&store, register).await?;
    println!(
        "  register of {} reports added in {:.1} s (their matching jobs queued)",
        register.len(),
        built.elapsed().as_secs_f64()
    );
    store.close().await;
    if uncounted {
        drop_count_triggers(&url).await?;
    }
    let mut token_cmd = Command::new(&bin);
    token_cmd.args(["token", "create", "booth.jamunaha"]);
    common(&mut token_cmd);
    let token = run(&mut token_cmd)?.trim().to_string();
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let mut serve = Command::new(&bin);
    serve.args(["serve", "--bind", &addr]);
    common(&mut serve);
    let child = serve.stdout(Stdio::null()).spawn()?;
    let server = Server {
        child,
        addr,
        token,
        booth,
        url,
        keys,
        register_ids,
    };
    wait_ready(&server.addr).await?;
    Ok(server)
}

async fn open(url: &str, keys: &Path) -> Result<setu_store::Store, Error> {
    let mut opts = setu_store::ConnectOptions::new(url);
    opts.keys = Arc::new(setu_store::crypto::Keyring::load_or_create(keys)?);
    Ok(setu_store::Store::open(&opts).await?)
}

fn free_port() -> Result<u16, Error> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn wait_ready(addr: &str) -> Result<(), Error> {
    let mut c = Client::new(addr);
    for _ in 0..300 {
        if let Ok(r) = c.send("GET", "/readyz", &[], b"").await {
            if r.status == 200 {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("setu serve did not become ready".into())
}

/// One person as the linkage generator (`../shared/linkage/gen.py`) wrote them: the register's
/// reports and the encounters at booths and police posts, with realistic Nepali names, their
/// spelling variants and their family and home.
#[derive(Debug, Clone, Default)]
struct Person {
    /// The generator's `report_id` or `encounter_id` (to score the proposals against its truth).
    id: String,
    given: String,
    middle: String,
    family: String,
    sex: String,
    age: String,
    father: String,
    mother: String,
    home: String,
    phone: String,
    /// When the report was made or the person met (as the generator spread them over years).
    date: String,
}

/// Runs the generator into `dir` and reads its reports and encounters (the first `register`
/// reports; every encounter).
fn generated(dir: &Path, register: usize) -> Result<(Vec<Person>, Vec<Person>), Error> {
    let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/linkage/gen.py");
    let out = dir.join("linkage");
    // About 0.45 reports per person: 22,400 people give a little over 10,000 reports.
    let persons = (register * 224 / 100).max(2_000).to_string();
    run(Command::new("python3")
        .arg(&gen)
        .args(["--seed", "12", "--persons", &persons, "--out"])
        .arg(&out)
        .stdout(Stdio::null()))?;
    let places = Places::bundled()?;
    let mut reports = read_people(
        &out.join("reports.csv"),
        ["age_at_report", "report_date"],
        &places,
    )?;
    reports.truncate(register);
    let encounters = read_people(
        &out.join("encounters.csv"),
        ["stated_age", "encounter_date"],
        &places,
    )?;
    Ok((reports, encounters))
}

/// District and municipality names (as the generator writes them) to local-level codes. A name
/// the bundled gazetteer spells too differently (or a missing one) falls back to the district's
/// first local level: reports and encounters go through the same map, so the same person gets
/// the same home on both sides.
struct Places {
    local: std::collections::HashMap<(String, String), (String, u8)>,
    district: std::collections::HashMap<String, (String, u8)>,
}

impl Places {
    fn bundled() -> Result<Places, Error> {
        let g = setu_core::geo::Gazetteer::bundled()?;
        let districts: std::collections::HashMap<&str, &str> = g
            .districts
            .iter()
            .map(|d| (d.code.as_str(), d.name_en.as_str()))
            .collect();
        let fold = setu_core::geo::search_fold;
        let mut district = std::collections::HashMap::new();
        for l in &g.local_levels {
            if let Some(d) = districts.get(l.district.as_str()) {
                district.entry(fold(d)).or_insert((l.code.clone(), l.wards));
            }
        }
        let local = g
            .local_levels
            .iter()
            .filter_map(|l| {
                let d = districts.get(l.district.as_str())?;
                let name = [
                    " Rural Municipality",
                    " Sub-Metropolitan City",
                    " Metropolitan City",
                    " Municipality",
                ]
                .iter()
                .find_map(|suffix| l.name_en.strip_suffix(suffix))
                .unwrap_or(&l.name_en);
                Some(((fold(d), fold(name)), (l.code.clone(), l.wards)))
            })
            .collect();
        Ok(Places { local, district })
    }

    /// The ward code (or the local level's, when the ward is missing or out of range).
    fn home(&self, district: &str, municipality: &str, ward: &str) -> String {
        let fold = setu_core::geo::search_fold;
        let found = self
            .local
            .get(&(fold(district), fold(municipality)))
            .or_else(|| self.district.get(&fold(district)));
        match found {
            Some((code, wards)) => match ward.parse::<u8>() {
                Ok(w) if (1..=*wards).contains(&w) => format!("{code}{w:02}"),
                _ => code.clone(),
            },
            None => String::new(),
        }
    }
}

/// Reads a generator CSV; `[age, date]` name the columns that differ between reports and
/// encounters.
fn read_people(
    path: &Path,
    [age_column, date_column]: [&str; 2],
    places: &Places,
) -> Result<Vec<Person>, Error> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty CSV")?.split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let date = col(date_column).ok_or("no date")?;
    let (given, middle, family, sex, age, father, mother, district, muni, ward, phone) = (
        col("given_name").ok_or("no given_name")?,
        col("middle_name").ok_or("no middle_name")?,
        col("family_name").ok_or("no family_name")?,
        col("sex").ok_or("no sex")?,
        col(age_column).ok_or("no age")?,
        col("father_name").ok_or("no father_name")?,
        col("mother_name").ok_or("no mother_name")?,
        col("home_district").ok_or("no home_district")?,
        col("home_municipality").ok_or("no home_municipality")?,
        col("home_ward").ok_or("no home_ward")?,
        col("phone").ok_or("no phone")?,
    );
    Ok(lines
        .map(split_csv)
        .map(|f| {
            let at = |i: usize| f.get(i).cloned().unwrap_or_default();
            Person {
                id: at(0),
                given: at(given),
                middle: at(middle),
                family: at(family),
                sex: match at(sex).as_str() {
                    "F" => "female",
                    "M" => "male",
                    _ => "other",
                }
                .into(),
                age: at(age),
                father: at(father),
                mother: at(mother),
                home: places.home(&at(district), &at(muni), &at(ward)),
                phone: at(phone),
                date: at(date),
            }
        })
        .collect())
}

/// One CSV line into fields (quoted fields may hold commas; the generator writes no newlines
/// inside them).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(f) = fields.last_mut() {
                    f.push('"');
                }
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

/// Adds the register's reports through the store (jobs left queued for the server). Returns
/// each stored report's id with the generator's.
async fn add_register(
    store: &setu_store::Store,
    reports: &[Person],
) -> Result<std::collections::HashMap<String, String>, Error> {
    use setu_core::tracing::ReportForm;
    store.run_jobs_in_background(true);
    let by = setu_store::audit::Actor::system("bench");
    let today = setu_core::calendar::today_in_nepal();
    let reports = Arc::new(reports.to_vec());
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (store, by, reports) = (store.clone(), by.clone(), Arc::clone(&reports));
            tokio::spawn(async move {
                let (mut skipped, mut ids) = (0, Vec::new());
                for (i, p) in reports.iter().enumerate().skip(t).step_by(8) {
                    let form = ReportForm {
                        reporter_name: format!("Parent {i}"),
                        reporter_relation: "parent".into(),
                        consent_tracing: "yes".into(),
                        reported_on: p.date.clone(),
                        given_name: p.given.clone(),
                        middle_name: p.middle.clone(),
                        family_name: p.family.clone(),
                        sex: p.sex.clone(),
                        age: p.age.clone(),
                        father_name: p.father.clone(),
                        mother_name: p.mother.clone(),
                        // A report needs the ward; where the generator left it out, the
                        // family's answer is taken to be ward 1.
                        home: match p.home.len() {
                            5 => format!("{}01", p.home),
                            _ => p.home.clone(),
                        },
                        phone: p.phone.clone(),
                        ..ReportForm::default()
                    };
                    match form.check(today) {
                        Ok(draft) => {
                            ids.push((store.create_report(&by, &draft).await?, p.id.clone()))
                        }
                        Err(e) => {
                            if skipped == 0 && t == 0 {
                                eprintln!("  a generated report refused: {e:?}");
                            }
                            skipped += 1
                        }
                    }
                }
                Ok::<_, Error>((skipped, ids))
            })
        })
        .collect();
    let (mut skipped, mut register_ids) = (0, std::collections::HashMap::new());
    for t in tasks {
        let (s, ids) = t.await??;
        skipped += s;
        register_ids.extend(ids);
    }
    if skipped > 0 {
        println!("  {skipped} generated reports did not pass the form's checks and were left out");
    }
    Ok(register_ids)
}

/// One screening as a phone sends it; named ones are the generator's encounters (the people
/// of the register among them, as another hand wrote them), with an id that says which client
/// sent which encounter ([`sent_encounter`] reads it back).
fn screening(booth: i64, client: usize, k: usize, named: Option<&[Person]>) -> serde_json::Value {
    let id = match named {
        Some(_) => format!("{client:08x}-0000-4000-8000-{k:012x}"),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let mut data = serde_json::json!({
        "site": booth.to_string(), "date": "2025-02-01", "time": "10:30", "sex": "female",
        "age": (16 + k % 20).to_string(),
        "outcome": if k.is_multiple_of(4) { "intercepted" } else { "counselled-continued" },
        "purpose": "work", "destination_country": "IN",
    });
    if let Some(people) = named {
        let p = &people[k % people.len()];
        let age = p.age.parse::<u8>().unwrap_or(18).clamp(5, 90);
        data["given_name"] = p.given.clone().into();
        data["family_name"] = p.family.clone().into();
        data["sex"] = p.sex.clone().into();
        data["age"] = age.to_string().into();
        data["home"] = p.home.clone().into();
        data["phone"] = p.phone.clone().into();
        data["consent_record"] = "on".into();
        data["consent_share"] = "on".into();
        data["date"] = p.date.clone().into();
    }
    serde_json::json!({"kind": "screening", "id": id, "base_version": 0, "data": data})
}

/// What a load produced.
#[derive(Debug, Default)]
struct Tally {
    stored: u64,
    answers: u64,
    not_2xx: Vec<u16>,
    errors: u64,
    latencies: Vec<Duration>,
    /// The first answer that was not `created` (the load sends only new, valid records).
    refused: Option<String>,
}

/// `clients` clients send batches of `batch` screenings for `seconds`.
async fn load(
    server: &Server,
    clients: usize,
    batch: usize,
    named: Option<&Arc<Vec<Person>>>,
    seconds: u64,
) -> Result<(Tally, f64), Error> {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let token = server.token.clone();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (tally, addr, token, booth, named) = (
                Arc::clone(&tally),
                server.addr.clone(),
                token.clone(),
                server.booth,
                named.cloned(),
            );
            tokio::spawn(async move {
                let mut client = Client::new(&addr);
                // Each client its own slice of the encounters, so that no person is sent twice
                // by two clients (as the same screening under two ids) within a run.
                let mut k = match named.as_deref() {
                    Some(people) => c * people.len() / clients,
                    None => c * 1_000_003,
                };
                let mut mine = Tally::default();
                while Instant::now() < deadline {
                    let records: Vec<_> = (0..batch)
                        .map(|j| screening(booth, c, k + j, named.as_deref().map(|v| &v[..])))
                        .collect();
                    k += batch;
                    let body = serde_json::json!({ "records": records }).to_string();
                    let t = Instant::now();
                    let reply = client
                        .post_json("/api/v1/sync", &token, body.as_bytes())
                        .await;
                    mine.latencies.push(t.elapsed());
                    match reply {
                        Ok(r) if (200..300).contains(&r.status) => {
                            mine.answers += 1;
                            let v: serde_json::Value =
                                serde_json::from_slice(&r.body).unwrap_or_default();
                            let results = v["results"].as_array().cloned().unwrap_or_default();
                            let created =
                                results.iter().filter(|x| x["outcome"] == "created").count();
                            if created < results.len() && mine.refused.is_none() {
                                mine.refused = results
                                    .iter()
                                    .find(|x| x["outcome"] != "created")
                                    .map(|x| x.to_string());
                            }
                            mine.stored += created as u64;
                        }
                        Ok(r) => {
                            mine.answers += 1;
                            mine.not_2xx.push(r.status);
                            if let Some(s) = r.retry_after {
                                tokio::time::sleep(Duration::from_secs(s)).await;
                            }
                        }
                        Err(_) => mine.errors += 1,
                    }
                }
                let mut t = tally.lock().await;
                t.stored += mine.stored;
                t.answers += mine.answers;
                t.errors += mine.errors;
                t.not_2xx.extend(mine.not_2xx);
                if t.refused.is_none() {
                    t.refused = mine.refused;
                }
                t.latencies.extend(mine.latencies);
            })
        })
        .collect();
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let tally = Arc::try_unwrap(tally)
        .map_err(|_| "clients still running")?
        .into_inner();
    Ok((tally, elapsed))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn report_line(engine: &str, clients: usize, batch: usize, named: bool, t: &mut Tally, s: f64) {
    t.latencies.sort();
    if let Some(r) = &t.refused {
        eprintln!("  not stored (the load sends only new, valid records): {r}");
    }
    let rate = t.stored as f64 / s;
    println!(
        "| {engine} | {clients} | {batch} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} |",
        if named { "named" } else { "anonymous" },
        rate,
        percentile(&t.latencies, 0.5),
        percentile(&t.latencies, 0.99),
        percentile(&t.latencies, 1.0),
        t.not_2xx.len(),
        t.errors,
    );
}

/// Waits until no job is queued or running; returns when that happened.
async fn wait_drained(store: &setu_store::Store) -> Result<Instant, Error> {
    loop {
        let c = store.job_counts().await?;
        if c.queued == 0 && c.running == 0 {
            return Ok(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One engine: every load, then the named screenings and the queue.
async fn engine(name: &str, pg: Option<&str>, o: &Options) -> Result<(), Error> {
    let dir = std::env::temp_dir().join(format!("setu-write-load-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    println!("\n{name}: building the demo database and the register…");
    let (reports, encounters) = generated(&dir, o.register)?;
    let encounters = Arc::new(encounters);
    let server = start(&dir, pg, &reports, false).await?;
    let store = open(&server.url, &server.keys).await?;
    let drained = Instant::now();
    let at = wait_drained(&store).await?;
    println!(
        "  the worker matched the register's {} reports in {:.1} s",
        reports.len(),
        (at - drained).as_secs_f64()
    );
    // Warm the server (its caches, the page cache, the allocator) before measuring.
    load(&server, 16, 10, None, 1).await?;
    println!("\n| engine | clients | records per request | screenings | stored per s | p50 ms | p99 ms | max ms | non-2xx | errors |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let loads: &[(usize, usize)] = if o.named_only {
        &[]
    } else {
        &[
            (1, 1),
            (16, 1),
            (64, 1),
            (500, 1),
            (1, 50),
            (16, 50),
            (64, 50),
        ]
    };
    for &(clients, batch) in loads {
        let (mut t, s) = load(&server, clients, batch, None, o.seconds).await?;
        report_line(name, clients, batch, false, &mut t, s);
    }
    let jobs_before = store.job_counts().await?;
    let started = Instant::now();
    let (mut t, s) = load(&server, 16, 50, Some(&encounters), o.seconds).await?;
    report_line(name, 16, 50, true, &mut t, s);
    let done = wait_drained(&store).await?;
    let drain = (done - started).as_secs_f64();
    println!(
        "\n  named screenings: {} stored in {s:.1} s; the matching queue ({} waiting before) was empty {:.1} s \
         after the first was sent: **{:.0} screenings matched per second** against {} reports",
        t.stored,
        jobs_before.queued,
        drain,
        t.stored as f64 / drain,
        reports.len()
    );
    let proposals = store
        .count_proposals(
            setu_core::access::Scope::Place(setu_core::PlaceCode::Country),
            None,
        )
        .await?;
    println!("  proposals in the queue afterwards: {proposals}");
    proposal_breakdown(&server.url).await?;
    proposal_quality(&server, &dir.join("linkage"), &encounters).await?;
    store.close().await;
    drop(server);
    if o.keep {
        println!("  kept for inspection: {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// Proposals by the kinds they pair and how likely they are (no personal data).
async fn proposal_breakdown(url: &str) -> Result<(), Error> {
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(url).await?;
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT left_kind, right_kind, COUNT(*), \
         SUM(CASE WHEN probability >= 0.9 THEN 1 ELSE 0 END) \
         FROM match_proposal GROUP BY left_kind, right_kind",
    )
    .fetch_all(&mut c)
    .await?;
    for (l, r, n, sure) in rows {
        println!("    {l} ↔ {r}: {n} ({sure} at 0.9 or more)");
    }
    Ok(())
}

/// Which of the generator's encounters a named screening is (see [`screening`]).
fn sent_encounter(screening_id: &str, encounters: &[Person]) -> Option<String> {
    let (client, k) = screening_id.split_once("-0000-4000-8000-")?;
    u32::from_str_radix(client, 16).ok()?;
    let k = usize::from_str_radix(k, 16).ok()?;
    encounters.get(k % encounters.len()).map(|p| p.id.clone())
}

/// Reads a truth file of the generator as pairs of ids.
fn truth_pairs(path: &Path) -> Result<std::collections::HashSet<(String, String)>, Error> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect())
}

/// Scores the proposals against the generator's truth: how many are the same person
/// (precision), and how many of the true pairs among what was stored were proposed (recall).
/// A screening sent twice (when the clients' slices overlap) is the same person as itself.
async fn proposal_quality(
    server: &Server,
    linkage: &Path,
    encounters: &[Person],
) -> Result<(), Error> {
    use std::collections::HashMap;
    let links = truth_pairs(&linkage.join("truth.csv"))?;
    let dups = truth_pairs(&linkage.join("truth_dedup.csv"))?;
    let mut c = sqlx::AnyConnection::connect(&server.url).await?;
    let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM screening")
        .fetch_all(&mut c)
        .await?;
    let enc: HashMap<String, String> = ids
        .into_iter()
        .filter_map(|(id,)| sent_encounter(&id, encounters).map(|e| (id, e)))
        .collect();
    let mut times: HashMap<&str, u64> = HashMap::new();
    for e in enc.values() {
        *times.entry(e).or_default() += 1;
    }
    let n = |e: &str| times.get(e).copied().unwrap_or(0);
    let true_dups = times.values().map(|k| k * (k - 1) / 2).sum::<u64>()
        + dups.iter().map(|(a, b)| n(a) * n(b)).sum::<u64>();
    let in_register: std::collections::HashSet<&String> = server.register_ids.values().collect();
    let true_links: u64 = links
        .iter()
        .filter(|(r, _)| in_register.contains(r))
        .map(|(_, e)| n(e))
        .sum();
    let rows: Vec<(String, String, String, String, f64)> = sqlx::query_as(
        "SELECT left_kind, left_id, right_kind, right_id, probability FROM match_proposal",
    )
    .fetch_all(&mut c)
    .await?;
    println!("\n| pairs | from probability | proposed | same person | precision | recall |");
    println!("|---|---|---|---|---|---|");
    for from in [0.3, 0.5, 0.9] {
        let (mut dup, mut dup_true, mut link, mut link_true) = (0u64, 0u64, 0u64, 0u64);
        for (lk, l, rk, r, p) in &rows {
            if *p < from {
                continue;
            }
            match (lk.as_str(), rk.as_str()) {
                ("screening", "screening") => {
                    dup += 1;
                    let (a, b) = (enc.get(l), enc.get(r));
                    if let (Some(a), Some(b)) = (a, b) {
                        let same = a == b
                            || dups.contains(&(a.clone(), b.clone()))
                            || dups.contains(&(b.clone(), a.clone()));
                        dup_true += u64::from(same);
                    }
                }
                ("report", "screening") => {
                    link += 1;
                    if let (Some(a), Some(b)) = (server.register_ids.get(l), enc.get(r)) {
                        link_true += u64::from(links.contains(&(a.clone(), b.clone())));
                    }
                }
                _ => {}
            }
        }
        let share = |a: u64, b: u64| a as f64 / b.max(1) as f64;
        println!(
            "| report ↔ screening | {from} | {link} | {link_true} | {:.3} | {:.3} of {true_links} |",
            share(link_true, link),
            share(link_true, true_links)
        );
        println!(
            "| screening ↔ screening | {from} | {dup} | {dup_true} | {:.3} | {:.3} of {true_dups} |",
            share(dup_true, dup),
            share(dup_true, true_dups)
        );
    }
    Ok(())
}

/// The bare engine: one-row and 100-row transactions into a table as wide as `screening`.
async fn bare(url: &str, seconds: u64) -> Result<(f64, f64), Error> {
    let mut c = sqlx::AnyConnection::connect(url).await?;
    if url.starts_with("sqlite") {
        c.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .await?;
    }
    c.execute("DROP TABLE IF EXISTS bare_write").await?;
    let cols: Vec<String> = (0..30).map(|i| format!("c{i} TEXT")).collect();
    c.execute(
        format!(
            "CREATE TABLE bare_write (id TEXT PRIMARY KEY, {})",
            cols.join(", ")
        )
        .as_str(),
    )
    .await?;
    let names: Vec<String> = (0..30).map(|i| format!("c{i}")).collect();
    let marks: Vec<String> = (2..32).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO bare_write (id, {}) VALUES ($1, {})",
        names.join(", "),
        marks.join(", ")
    );
    let value = "x".repeat(40);
    let mut rates = Vec::new();
    for rows in [1usize, 100] {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut n = 0u64;
        while Instant::now() < deadline {
            let mut tx = c.begin().await?;
            for _ in 0..rows {
                let mut q = sqlx::query(&sql).bind(uuid::Uuid::new_v4().to_string());
                for _ in 0..30 {
                    q = q.bind(value.clone());
                }
                q.execute(&mut *tx).await?;
                n += 1;
            }
            tx.commit().await?;
        }
        rates.push(n as f64 / started.elapsed().as_secs_f64());
    }
    c.execute("DROP TABLE bare_write").await?;
    Ok((rates[0], rates[1]))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Error> {
    sqlx::any::install_default_drivers();
    let o = options();
    println!(
        "write_load: {} s per load, register of {} reports, {} cores, commit {}",
        o.seconds,
        o.register,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        option_env!("SETU_COMMIT").unwrap_or("(see git log)")
    );
    let dir = std::env::temp_dir().join(format!("setu-bare-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let bare_url = format!("sqlite://{}?mode=rwc", dir.join("bare.db").display());
    let (one, hundred) = bare(&bare_url, o.seconds).await?;
    println!(
        "bare SQLite (sqlx, WAL, synchronous = FULL): {one:.0} one-row transactions per s; \
         {hundred:.0} rows per s in 100-row transactions"
    );
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(pg) = &o.postgres {
        let (one, hundred) = bare(pg, o.seconds).await?;
        println!(
            "bare PostgreSQL (sqlx): {one:.0} one-row transactions per s; {hundred:.0} rows per s in 100-row transactions"
        );
    }
    if let Some(rounds) = o.count_cost {
        count_cost("SQLite", None, None, rounds, o.seconds).await?;
        if let Some(pg) = &o.postgres {
            let counted = recreate_database(pg, "setu_write_load").await?;
            let uncounted = recreate_database(pg, "setu_write_load_uncounted").await?;
            count_cost(
                "PostgreSQL",
                Some(&counted),
                Some(&uncounted),
                rounds,
                o.seconds,
            )
            .await?;
        }
        return Ok(());
    }
    engine("SQLite", None, &o).await?;
    if let Some(pg) = &o.postgres {
        let db = recreate_database(pg, "setu_write_load").await?;
        engine("PostgreSQL", Some(&db), &o).await?;
    }
    Ok(())
}

/// Drops the triggers that note every booth record's change for the counts
/// (`setu_store::counts`), so that the database is written as it was before them.
async fn drop_count_triggers(url: &str) -> Result<(), Error> {
    let mut c = sqlx::AnyConnection::connect(url).await?;
    let triggers = [
        ("screening_counted", "screening"),
        ("screening_uncounted", "screening"),
        ("screening_recounted", "screening"),
        ("tally_counted", "booth_tally"),
        ("tally_uncounted", "booth_tally"),
        ("tally_recounted", "booth_tally"),
    ];
    for (name, table) in triggers {
        let sql = if url.starts_with("sqlite") {
            format!("DROP TRIGGER IF EXISTS {name}")
        } else {
            format!("DROP TRIGGER IF EXISTS {name} ON {table}")
        };
        c.execute(sql.as_str()).await?;
    }
    Ok(())
}

/// What the counts cost the writes on one engine: `rounds` rounds of each load on a database
/// that keeps the counts and on one that does not (see the module's comment).
async fn count_cost(
    name: &str,
    counted_pg: Option<&str>,
    uncounted_pg: Option<&str>,
    rounds: usize,
    seconds: u64,
) -> Result<(), Error> {
    let base = std::env::temp_dir().join(format!("setu-count-cost-{}-{name}", std::process::id()));
    let (dir_on, dir_off) = (base.join("counted"), base.join("uncounted"));
    std::fs::create_dir_all(&dir_on)?;
    std::fs::create_dir_all(&dir_off)?;
    println!("\n{name}: building two demo databases, one without the count triggers…");
    let counted = start(&dir_on, counted_pg, &[], false).await?;
    let uncounted = start(&dir_off, uncounted_pg, &[], true).await?;
    let store = open(&counted.url, &counted.keys).await?;
    for server in [&counted, &uncounted] {
        load(server, 16, 10, None, 1).await?;
    }
    let loads: [(usize, usize); 4] = [(1, 1), (500, 1), (1, 50), (16, 50)];
    // Per load: (counted rates, uncounted rates), one of each per round.
    let mut rates: Vec<(Vec<f64>, Vec<f64>)> = vec![Default::default(); loads.len()];
    for round in 0..rounds {
        for (i, &(clients, batch)) in loads.iter().enumerate() {
            let order = if (round + i) % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for on in order {
                // The last run's counts folded first: folding them is that run's cost.
                while store.unfolded_count_changes().await? > 0 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let server = if on { &counted } else { &uncounted };
                let (t, s) = load(server, clients, batch, None, seconds).await?;
                if !t.not_2xx.is_empty() || t.errors > 0 {
                    return Err(format!(
                        "{} answers not 2xx, {} errors",
                        t.not_2xx.len(),
                        t.errors
                    )
                    .into());
                }
                let rate = t.stored as f64 / s;
                if on {
                    rates[i].0.push(rate);
                } else {
                    rates[i].1.push(rate);
                }
            }
        }
        println!("  round {} of {rounds} done", round + 1);
    }
    println!("\n| engine | clients | records per request | rounds | median stored per s, counted | median, uncounted | counted / uncounted (median of paired rounds) | paired ratios, lowest – highest |");
    println!("|---|---|---|---|---|---|---|---|");
    for (&(clients, batch), (on, off)) in loads.iter().zip(&rates) {
        let mut ratios: Vec<f64> = on.iter().zip(off).map(|(a, b)| a / b).collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "| {name} | {clients} | {batch} | {rounds} | {:.0} | {:.0} | {:.3} | {:.3} – {:.3} |",
            median(on),
            median(off),
            median(&ratios),
            ratios.first().copied().unwrap_or(f64::NAN),
            ratios.last().copied().unwrap_or(f64::NAN),
        );
    }
    store.close().await;
    drop((counted, uncounted));
    let _ = std::fs::remove_dir_all(&base);
    Ok(())
}

/// The middle of `v` (the mean of the two middle values of an even count).
fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// A fresh, empty database `name` on the server of `admin`; returns its URL.
async fn recreate_database(admin: &str, name: &str) -> Result<String, Error> {
    let mut c = sqlx::PgConnection::connect(admin).await?;
    c.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await?;
    c.execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    Ok(format!("{base}/{name}"))
}
