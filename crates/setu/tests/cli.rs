//! The `setu` binary as a user runs it: real processes, real ports, real signals.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use setu_core::PlaceCode;
use setu_store::crypto::Keyring;
use setu_store::directory::DirectoryFilter;
use setu_store::{ConnectOptions, Store};
use setu_testkit::http;

const BIN: &str = env!("CARGO_BIN_EXE_setu");

fn setu(args: &[&str], cwd: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("SETU_DATABASE_URL")
        .env_remove("SETU_BIND")
        .output()
        .unwrap()
}

/// A running `setu` server and the address it printed.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(cwd)
            .env_remove("SETU_DATABASE_URL")
            .env_remove("SETU_BIND")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                let status = child.wait();
                panic!("setu exited before serving: {status:?}");
            }
            if let Some(rest) = line.split("serving on http://").nth(1) {
                let addr = rest.split('/').next().unwrap().to_string();
                return Server { child, addr };
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("setu did not start serving");
    }

    fn get(&self, path: &str) -> http::Response {
        http::request(&self.addr, "GET", path, None).unwrap()
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }
}

const PASSWORD: &str = "river-bridge-lantern";

/// `setu user add NAME --role ROLE --scope SCOPE EXTRA…`, password on standard input.
fn add_user(cwd: &Path, name: &str, role: &str, scope: &str, extra: &[&str]) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(["user", "add", name, "--role", role, "--scope", scope])
        .args(extra)
        .current_dir(cwd)
        .env_remove("SETU_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn date_converts_both_ways_and_explains_errors() {
    let cwd = std::env::temp_dir();
    let out = setu(&["date", "2025-07-17"], &cwd);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2082-04-01");
    let out = setu(&["date", "--bs", "2082-04-01"], &cwd);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2025-07-17");
    let out = setu(&["date", "--bs", "२०८१-०१-०१"], &cwd);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2024-04-13");
    for (args, expect) in [
        (vec!["date", "1900-01-01"], "outside the supported range"),
        (
            vec!["date", "--bs", "2200-01-01"],
            "outside the supported range",
        ),
        (vec!["date", "--bs", "2082-04-33"], "does not exist"),
        (vec!["date", "17/07/2025x"], "is not a date"),
    ] {
        let out = setu(&args, &cwd);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn serve_with_no_database_creates_sqlite_in_wal_mode_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&["serve", "--bind", "127.0.0.1:0"], dir.path(), &[]);
    assert_eq!(server.get("/healthz").body, "ok");
    assert_eq!(server.get("/readyz").body, "ready");
    let db = dir.path().join("setu-data/setu.db");
    assert!(db.exists());
    let created = http::request(
        &server.addr,
        "POST",
        "/organisations",
        Some("name_en=Test&kind=ngo&place=51106"),
    )
    .unwrap();
    assert_eq!(created.status, 303);
    assert!(
        dir.path().join("setu-data/setu.db-wal").exists(),
        "WAL journal in use"
    );
    let status = server.terminate();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
}

#[test]
fn configuration_file_environment_and_flags_in_that_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("setu.toml"),
        "bind = \"127.0.0.1:1\"\ndata_dir = \"from-file\"\n",
    )
    .unwrap();
    // The environment overrides the file's bind; the file's data_dir stands.
    let server = Server::start(&["serve"], dir.path(), &[("SETU_BIND", "127.0.0.1:0")]);
    assert!(dir.path().join("from-file/setu.db").exists());
    server.terminate();
    // A flag overrides both.
    let server = Server::start(
        &["serve", "--data-dir", "from-flag"],
        dir.path(),
        &[("SETU_BIND", "127.0.0.1:0")],
    );
    assert!(dir.path().join("from-flag/setu.db").exists());
    server.terminate();
}

#[test]
fn clear_one_line_errors_for_common_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().to_string();
    std::fs::write(dir.path().join("a-file"), "x").unwrap();
    for (args, expect) in [
        (vec!["serve", "--bind", port.as_str()], "cannot listen on"),
        (
            vec!["serve", "--database-url", "mysql://localhost/x"],
            "unsupported database URL",
        ),
        (
            vec!["serve", "--database-url", "postgres://127.0.0.1:1/x"],
            "cannot connect to the database",
        ),
        (
            vec!["serve", "--data-dir", "a-file/below"],
            "cannot write to the data folder",
        ),
        (
            vec!["serve", "--config", "missing.toml"],
            "cannot read configuration file",
        ),
    ] {
        let out = setu(&args, dir.path());
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.trim().lines().last().unwrap_or_default();
        assert!(!out.status.success(), "{args:?}");
        assert!(
            last.starts_with("setu: error: ") && last.contains(expect),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Options to open a database the binary wrote, with the key file it made in `cwd`.
fn with_keys(url: &str, cwd: &Path) -> ConnectOptions {
    let mut o = ConnectOptions::new(url.to_string());
    o.keys = Arc::new(Keyring::load_or_create(&cwd.join("setu-data/setu.keys")).unwrap());
    o
}

/// Options to open a demo database.
fn with_demo_keys(url: &str, cwd: &Path) -> ConnectOptions {
    let mut o = ConnectOptions::new(url.to_string());
    o.keys = Arc::new(Keyring::load_or_create(&cwd.join("setu-data/demo.keys")).unwrap());
    o
}

/// Databases to run process-level tests against: a SQLite file, and PostgreSQL if configured.
async fn database_urls() -> Vec<(String, setu_testkit::TestDb)> {
    setu_testkit::databases()
        .await
        .into_iter()
        .map(|db| (db.url.clone(), db))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_writes_survive_kill_9() {
    for (url, db) in database_urls().await {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start(
            &["serve", "--bind", "127.0.0.1:0", "--database-url", &url],
            dir.path(),
            &[],
        );
        let addr = server.addr.clone();
        let made = add_user(
            dir.path(),
            "writer",
            "national-coordinator",
            "NP",
            &["--database-url", &url],
        );
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let me = http::Session::sign_in(&addr, "writer", PASSWORD).unwrap();
        let acked = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        // Four clients write as fast as they can; each records what the server acknowledged.
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (addr, acked, stop, me) = (
                    addr.clone(),
                    Arc::clone(&acked),
                    Arc::clone(&stop),
                    me.clone(),
                );
                std::thread::spawn(move || {
                    for i in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let name = format!("durability-{w}-{i}");
                        let form = [
                            ("name_en", name.as_str()),
                            ("kind", "ngo"),
                            ("place", "51106"),
                        ];
                        match me.post(&addr, "/organisations", &form) {
                            Ok(r)
                                if r.status == 303
                                    && r.header("location")
                                        .is_some_and(|l| l.ends_with("?saved=1")) =>
                            {
                                acked.lock().unwrap().push(name)
                            }
                            _ => break, // the server is gone
                        }
                    }
                })
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(30);
        while acked.lock().unwrap().len() < 200 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut child = server.child;
        child.kill().unwrap(); // SIGKILL, mid-write
        child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.join().unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            acked.len() >= 200,
            "only {} writes acknowledged",
            acked.len()
        );

        let store = Store::open(&with_keys(&url, dir.path())).await.unwrap();
        let stored: std::collections::HashSet<String> = store
            .organisations(&DirectoryFilter::default())
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.name_en)
            .collect();
        let lost: Vec<_> = acked.iter().filter(|n| !stored.contains(*n)).collect();
        assert!(
            lost.is_empty(),
            "{} acknowledged writes lost after kill -9 on {url}: {lost:?}",
            lost.len()
        );
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_builds_the_programme_directory_on_each_engine() {
    for (url, db) in database_urls().await {
        let dir = tempfile::tempdir().unwrap();
        let out = setu(&["demo", "--no-serve", "--database-url", &url], dir.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let store = Store::open(&with_demo_keys(&url, dir.path()))
            .await
            .unwrap();
        let orgs = store
            .organisations(&DirectoryFilter::default())
            .await
            .unwrap();
        let lcchts = orgs
            .iter()
            .filter(|o| o.name_en.ends_with(" LCCHT"))
            .count();
        assert_eq!(lcchts, 13);
        let districts: std::collections::BTreeSet<String> = orgs
            .iter()
            .map(|o| o.place.to_string()[..3].to_string())
            .collect();
        assert_eq!(
            districts.into_iter().collect::<Vec<_>>(),
            ["113", "312", "511"]
        );
        // 13 LCCHTs and 3 DCCHTs, every one functional, as the brief reports.
        let today = time::OffsetDateTime::now_utc().date();
        let all = store
            .committees("NP".parse().unwrap(), today)
            .await
            .unwrap();
        assert_eq!(all.len(), 16);
        assert!(all
            .iter()
            .all(|c| c.status == setu_core::committees::CommitteeStatus::Functional));
        let trend = store.budget_trend(all[0].id).await.unwrap();
        let shares: Vec<i64> = trend
            .iter()
            .filter_map(|(_, t)| t.own_share_percent())
            .collect();
        assert!(
            shares.len() >= 2 && shares.windows(2).all(|w| w[0] < w[1]),
            "own share grows: {shares:?}"
        );
        // 780 parents reached, 90% women, as the brief reports.
        let sbcc = store
            .sbcc_indicators("NP".parse().unwrap(), None)
            .await
            .unwrap();
        assert_eq!(sbcc.parents_reached, 780);
        assert_eq!(sbcc.women_percent(), Some(90));
        assert!(sbcc.repeated_percent().unwrap() > 50);
        // Youth ambassadors 20 (2020) growing to 370 (2023); 968 engagement events.
        let growth = store
            .youth_growth("NP".parse().unwrap(), 2020, today)
            .await
            .unwrap();
        assert_eq!(
            &growth[..4],
            &[(2020, 20), (2021, 100), (2022, 240), (2023, 370)]
        );
        assert_eq!(
            store
                .youth_events("NP".parse().unwrap(), None)
                .await
                .unwrap()
                .1,
            968
        );
        // Survivors' cases at Banke's NGO: three, a child's among them, one sharing consent
        // withdrawn (sharing with the district police stands for the other two).
        let banke_ngo = orgs
            .iter()
            .find(|o| o.name_en == "Banke Safe Migration Forum (demo NGO)")
            .unwrap()
            .id;
        let banke_police = orgs
            .iter()
            .find(|o| o.name_en == "District Police Office, Banke")
            .unwrap()
            .id;
        let cases = store
            .organisation_cases(banke_ngo, setu_store::sealing::Reveal::No)
            .await
            .unwrap();
        // Sarita and the two others, the 41 women of the SSB hand-over (each opened from her
        // own screening), and ten survivors of this year.
        assert_eq!(cases.len(), 3 + 41 + 10);
        let from_ssb = cases
            .iter()
            .filter(|c| {
                c.origin == setu_core::cases::CaseOrigin::Screening
                    && c.origin_id
                        .as_deref()
                        .is_some_and(|id| id.starts_with("00000000-0000-4002-8000-"))
            })
            .count();
        assert_eq!(from_ssb, 41);
        let mut shared = 0;
        for c in &cases {
            shared += usize::from(
                store
                    .may_share_case(&c.id, banke_police, setu_core::calendar::today_in_nepal())
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(shared, 2);
        assert_eq!(
            cases
                .iter()
                .filter(|c| c.status == setu_core::cases::CaseStatus::Closed)
                .count(),
            1 + 32,
            "the third-gender survivor and the SSB women settled (three re-migrated stay open)"
        );
        // More than 50 survivors given seed funding or linked to a government scheme; referrals
        // between the NGOs; follow-ups overdue on Banke's work list.
        let all = store
            .case_figures(
                setu_core::access::Scope::Place(PlaceCode::Country),
                time::macros::date!(2000 - 01 - 01),
                setu_core::calendar::today_in_nepal(),
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        let given = |kind: &str| {
            all.by_service
                .iter()
                .find(|(k, _)| k == kind)
                .map_or(0, |(_, n)| *n)
        };
        assert!(
            given("seed-funding") + given("scheme-linkage") > 50,
            "{:?}",
            all.by_service
        );
        assert_eq!(all.referrals.sent, 4);
        // Sunsari's NGO paid seed funding from its own budget line, which shows it spent.
        let sunsari_ngo = orgs
            .iter()
            .find(|o| o.name_en.contains("Sunsari") && o.name_en.ends_with("(demo NGO)"))
            .unwrap()
            .id;
        let fy = setu_core::FiscalYear::containing(setu_core::calendar::today_in_nepal()).unwrap();
        let own = store.org_budget_lines(sunsari_ngo, fy).await.unwrap();
        assert!(own.len() == 1 && own[0].spent > 0, "{own:?}");
        assert!(all.referrals.delivered >= 1);
        assert!(all.reintegration[1].recorded >= 35, "a year of follow-ups");
        assert!(
            store
                .followups_due(banke_ngo, setu_core::calendar::today_in_nepal())
                .await
                .unwrap()
                > 0
        );
        // Sarita's criminal case: her testimony is ahead, in her caseworker's work list.
        assert_eq!(
            store
                .hearings_ahead(banke_ngo, setu_core::calendar::today_in_nepal(), 14)
                .await
                .unwrap(),
            1
        );
        // The forum: services, a joint action per district, a national alert.
        assert_eq!(
            store
                .services(PlaceCode::Country, None)
                .await
                .unwrap()
                .len(),
            12
        );
        assert_eq!(
            store
                .alerts_for("511".parse().unwrap(), today)
                .await
                .unwrap()
                .len(),
            1
        );
        // The booths, 2019-2023, as the brief reports: 13,211 informed, about 2,300 under 18,
        // more than 800 stopped and handed over, and one SSB hand-over of 41 women.
        let (from, to) = (
            time::macros::date!(2019 - 01 - 01),
            time::macros::date!(2023 - 12 - 31),
        );
        let np: setu_core::access::Scope = "NP".parse().unwrap();
        let days = store.tally_days(np, from, to).await.unwrap();
        let informed: i64 = days.iter().map(|d| d.informed.total()).sum();
        let minors: i64 = days.iter().map(|d| d.informed.minors()).sum();
        assert_eq!((informed, minors), (13_211, 2_300));
        let groups = store.screening_groups(np, from, to).await.unwrap();
        let count = |f: &dyn Fn(&setu_core::booths::Outcome) -> bool| -> i64 {
            groups.iter().filter(|g| f(&g.outcome)).map(|g| g.n).sum()
        };
        use setu_core::booths::Outcome as O;
        assert!(count(&|o| o.stopped()) > 800);
        assert!(
            count(&|o| matches!(
                o,
                O::HandedToPolice | O::ReunitedWithFamily | O::ReferredToShelter
            )) > 800
        );
        let handovers = store.handover_page(np, None).await.unwrap().rows;
        assert!(handovers
            .iter()
            .any(|h| h.from_party == "ssb" && h.persons.len() == 41 && h.acknowledged()));
        assert!(
            handovers
                .iter()
                .any(|h| h.overdue(time::OffsetDateTime::now_utc())),
            "one hand-over waits"
        );
        // Family tracing: ten reports in Nepalganj, true matches waiting for review (one of
        // them a merge of two rescues), one confirmed and the girl home, her reporter told.
        use setu_core::tracing::ReportStatus;
        use setu_store::tracing::RecordKind;
        let reports = store
            .register_page(
                np,
                &Default::default(),
                None,
                setu_store::sealing::Reveal::No,
            )
            .await
            .unwrap()
            .rows;
        assert_eq!(reports.len(), 10);
        assert_eq!(
            reports
                .iter()
                .filter(|r| r.status == ReportStatus::ReturnedHome)
                .count(),
            1
        );
        let queue = store.proposals(np, Some("proposed")).await.unwrap();
        let links = queue
            .iter()
            .filter(|p| p.left_kind == RecordKind::Report && p.probability >= 0.5)
            .count();
        assert!(links >= 3, "{queue:#?}");
        assert!(
            queue
                .iter()
                .any(|p| p.left_kind == RecordKind::Encounter
                    && p.right_kind == RecordKind::Encounter)
        );
        assert_eq!(
            store.proposals(np, Some("confirmed")).await.unwrap().len(),
            1
        );
        // The report's owner hears of the confirmed match and of the rescues proposed for her
        // open reports; the police who rescued them and the district coordinator are alerted.
        let kinds = |user: &'static str| {
            let store = store.clone();
            async move {
                let mut k: Vec<String> = store
                    .notifications(user)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|n| n.kind)
                    .collect();
                k.sort();
                k
            }
        };
        let owner = kinds("lccht.nepalganj").await;
        assert_eq!(
            owner.iter().filter(|k| *k == "match-confirmed").count(),
            1,
            "{owner:?}"
        );
        assert!(owner.iter().any(|k| k == "match-proposed"), "{owner:?}");
        assert!(kinds("police.jamunaha")
            .await
            .iter()
            .any(|k| k == "match-alert"));
        assert!(kinds("district.banke")
            .await
            .iter()
            .any(|k| k == "match-proposed"));
        // Different people stopped at the booths are rarely proposed as one.
        assert!(queue.len() <= 10, "{} proposals", queue.len());
        // One account per role.
        let users = store.users().await.unwrap();
        for role in setu_core::access::Role::all() {
            assert!(
                users.iter().any(|u| u.role == role),
                "a demo user for {role}"
            );
        }
        let sites = store.sites(&DirectoryFilter::default()).await.unwrap();
        let booth = |name: &str, place: &str| {
            sites
                .iter()
                .any(|s| s.name_en.starts_with(name) && s.place.to_string() == place)
        };
        assert!(booth("Jamunaha information", "51106"));
        assert!(booth("Bhantabari information", "11303"));
        // Ward profiles for every programme municipality but Inaruwa, and Banke's statistics
        // published for last year (issue 17).
        let today = setu_core::calendar::today_in_nepal();
        let fy = setu_core::FiscalYear::containing(today).unwrap();
        let nepalganj = store
            .ward_counts(
                setu_core::access::Scope::Place("51106".parse().unwrap()),
                today,
                today,
                fy,
            )
            .await
            .unwrap();
        assert_eq!(nepalganj.len(), 23);
        assert!(nepalganj.iter().all(|w| w.population.is_some()));
        let inaruwa = store
            .ward_counts(
                setu_core::access::Scope::Place("11309".parse().unwrap()),
                today,
                today,
                fy,
            )
            .await
            .unwrap();
        assert!(inaruwa.iter().all(|w| w.population.is_none()));
        let public = store.public_releases().await.unwrap();
        assert_eq!(public.len(), 1);
        assert_eq!(
            (public[0].district.as_str(), public[0].version),
            ("511", Some(1))
        );
        assert!(public[0]
            .table
            .rows
            .iter()
            .flat_map(|r| &r.values)
            .all(|v| v.is_none_or(|n| n == 0 || n >= 11)));
        store.close().await;
        // A second demo into the same non-empty server database is refused, not doubled.
        if url.starts_with("postgres") {
            let again = setu(&["demo", "--no-serve", "--database-url", &url], dir.path());
            assert!(!again.status.success());
            assert!(String::from_utf8_lossy(&again.stderr).contains("needs an empty database"));
        }
        db.cleanup().await;
    }
}

#[test]
fn demo_is_fresh_and_deterministic_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        let out = setu(&["demo", "--no-serve"], dir.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = run();
    assert_eq!(first, run(), "a second demo rebuilds the same database");
    assert!(first.contains("organisations"));
    assert!(dir.path().join("setu-data/demo.db").exists());
    assert!(
        !dir.path().join("setu-data/setu.db").exists(),
        "the demo never touches setu.db"
    );
}

#[test]
fn migrate_reports_the_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let out = setu(&["migrate"], dir.path());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!(
        "schema version {}",
        setu_store::latest_schema_version()
    )));
}

#[tokio::test(flavor = "multi_thread")]
async fn several_servers_share_one_postgres() {
    let Some(server_url) = setu_testkit::postgres_url() else {
        return; // PostgreSQL not configured here (CI always configures it)
    };
    let db = setu_testkit::postgres(&server_url).await;
    let dir = tempfile::tempdir().unwrap();
    // Both start at once against an empty database: migrations must not collide.
    let url = db.url.clone();
    let (a, b) = std::thread::scope(|s| {
        let d = dir.path();
        let a = s.spawn(|| {
            Server::start(
                &["serve", "--bind", "127.0.0.1:0", "--database-url", &url],
                d,
                &[],
            )
        });
        let b = s.spawn(|| {
            Server::start(
                &["serve", "--bind", "127.0.0.1:0", "--database-url", &url],
                d,
                &[],
            )
        });
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(add_user(
        dir.path(),
        "shared",
        "national-coordinator",
        "NP",
        &["--database-url", &url]
    )
    .status
    .success());
    let on_a = http::Session::sign_in(&a.addr, "shared", PASSWORD).unwrap();
    let created = on_a
        .post(
            &a.addr,
            "/organisations",
            &[
                ("name_en", "Shared Forum"),
                ("kind", "ngo"),
                ("place", "11306"),
            ],
        )
        .unwrap();
    assert_eq!(created.status, 303);
    let location = created
        .header("location")
        .unwrap()
        .trim_end_matches("?saved=1")
        .to_string();
    // The session made on A is valid on B: sessions live in the database.
    let seen = on_a.get(&b.addr, &location).unwrap();
    assert_eq!(seen.status, 200);
    assert!(seen.body.contains("Shared Forum"));
    assert!(a.terminate().success());
    assert!(b.terminate().success());
    db.cleanup().await;
}

#[test]
fn first_start_offers_a_one_time_setup_link_and_no_default_login() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("SETU_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.starts_with("No administrator yet."), "{first}");
    let link = first
        .split_whitespace()
        .find(|w| w.contains("/setup?token="))
        .unwrap();
    assert!(link.len() > 50, "a long random token");
    // With an account, no link.
    assert!(add_user(dir.path(), "chief", "system-admin", "NP", &[])
        .status
        .success());
    let server = Server::start(&["serve", "--bind", "127.0.0.1:0"], dir.path(), &[]);
    assert!(server.get("/setup?token=x").status == 404);
    server.terminate();
}

#[test]
fn user_add_explains_refusals_and_tokens_work_as_bearer() {
    let dir = tempfile::tempdir().unwrap();
    let weak = {
        use std::io::Write;
        let mut child = Command::new(BIN)
            .args(["user", "add", "weak", "--role", "analyst", "--scope", "NP"])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"password1\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 10 characters"));
    let bad_scope = add_user(dir.path(), "booth", "booth-worker", "511", &[]);
    assert!(String::from_utf8_lossy(&bad_scope.stderr).contains("cannot have this kind of scope"));
    let bad_role = add_user(dir.path(), "x.y", "king", "NP", &[]);
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role"));
    assert!(add_user(
        dir.path(),
        "api.user",
        "analyst",
        "511",
        &["--full-name", "Api User"]
    )
    .status
    .success());
    let out = setu(&["token", "create", "api.user"], dir.path());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("setu_"));
    let server = Server::start(&["serve", "--bind", "127.0.0.1:0"], dir.path(), &[]);
    let me = http::request_with(
        &server.addr,
        "GET",
        "/api/v1/me",
        &[("Authorization", &format!("Bearer {token}"))],
        None,
    )
    .unwrap();
    assert_eq!(me.status, 200);
    assert!(me.body.contains(r#""role":"analyst""#));
    server.terminate();
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_verify_names_the_first_tampered_entry() {
    for (url, db) in database_urls().await {
        let dir = tempfile::tempdir().unwrap();
        for name in ["one.user", "two.user", "three.user"] {
            assert!(
                add_user(dir.path(), name, "analyst", "NP", &["--database-url", &url])
                    .status
                    .success()
            );
        }
        let ok = setu(&["audit", "verify", "--database-url", &url], dir.path());
        assert!(ok.status.success());
        assert!(String::from_utf8_lossy(&ok.stdout).contains("intact: 3 entries"));
        // The operator keeps a signed checkpoint elsewhere; it verifies, and an edited copy
        // of it does not.
        let printed = setu(&["audit", "checkpoint", "--database-url", &url], dir.path());
        assert!(printed.status.success());
        let checkpoint = String::from_utf8_lossy(&printed.stdout).to_string();
        assert!(
            checkpoint.starts_with("setu-audit-checkpoint v1\nseq 3\n"),
            "{checkpoint}"
        );
        let kept = dir.path().join("checkpoint.txt");
        std::fs::write(&kept, &checkpoint).unwrap();
        let kept_arg = kept.display().to_string();
        let ok = setu(
            &[
                "audit",
                "verify",
                "--checkpoint",
                &kept_arg,
                "--database-url",
                &url,
            ],
            dir.path(),
        );
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        std::fs::write(&kept, checkpoint.replace("seq 3", "seq 2")).unwrap();
        let forged = setu(
            &[
                "audit",
                "verify",
                "--checkpoint",
                &kept_arg,
                "--database-url",
                &url,
            ],
            dir.path(),
        );
        assert!(!forged.status.success());
        assert!(String::from_utf8_lossy(&forged.stderr).contains("signature does not hold"));
        // Someone with database access removes the guard and rewrites entry 2.
        let store = Store::open(&with_keys(&url, dir.path())).await.unwrap();
        let drop = match store.engine() {
            setu_store::Engine::Sqlite => "DROP TRIGGER audit_entry_no_update",
            setu_store::Engine::Postgres => "DROP TRIGGER audit_entry_no_change ON audit_entry",
        };
        store.raw_execute_for_tests(drop).await.unwrap();
        store
            .raw_execute_for_tests("UPDATE audit_entry SET actor = 'someone.else' WHERE seq = 2")
            .await
            .unwrap();
        store.close().await;
        let broken = setu(&["audit", "verify", "--database-url", &url], dir.path());
        assert!(!broken.status.success());
        let err = String::from_utf8_lossy(&broken.stderr);
        assert!(err.contains("broken at entry 2"), "{err}");
        db.cleanup().await;
    }
}

/// A unique name and phone written through every path that handles personal data must not
/// appear in plaintext in the database file, its journal, a backup, or the logs.
#[test]
fn no_plaintext_personal_data_in_database_backups_or_logs() {
    let dir = tempfile::tempdir().unwrap();
    let name = "Zq9Unique Tamang-Xv4";
    let phone = "9817273747";
    assert!(add_user(
        dir.path(),
        "coord",
        "national-coordinator",
        "NP",
        &["--full-name", "Kx7Unique Staffname"]
    )
    .status
    .success());
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("SETU_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    while !line.contains("serving on") {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let me = http::Session::sign_in(&addr, "coord", PASSWORD).unwrap();
    let org = me
        .post(
            &addr,
            "/organisations",
            &[
                ("name_en", "Plaintext NGO"),
                ("kind", "ngo"),
                ("place", "51106"),
            ],
        )
        .unwrap();
    let org_path = org
        .header("location")
        .unwrap()
        .trim_end_matches("?saved=1")
        .to_string();
    let added = me
        .post(
            &addr,
            &format!("{org_path}/contacts"),
            &[("title", "focal person"), ("name", name), ("phone", phone)],
        )
        .unwrap();
    assert_eq!(added.status, 303);
    // Reading it back works (and is audited), so the data is really there.
    let page = me.get(&addr, &org_path).unwrap();
    assert!(page.body.contains(name) && page.body.contains(phone));
    let backup = dir.path().join("backup.db");
    let out = setu(&["backup", backup.to_str().unwrap()], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    child.wait().unwrap();

    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path().join("setu-data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("setu.keys"))
        .collect();
    files.push(backup.clone());
    files.push(dir.path().join("server.log"));
    assert!(files.iter().any(|f| f.ends_with("setu.db")) && backup.exists());
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in [name, phone, "Kx7Unique"] {
            assert!(
                !text.contains(secret),
                "{secret} in plaintext in {}",
                f.display()
            );
        }
    }
    // The log did record the requests, so the search above looked at real content.
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("/organisations/{id}/contacts"));
}

#[test]
fn rekey_while_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    assert!(add_user(
        dir.path(),
        "coord",
        "national-coordinator",
        "NP",
        &["--full-name", "Rekey Person"]
    )
    .status
    .success());
    let server = Server::start(&["serve", "--bind", "127.0.0.1:0"], dir.path(), &[]);
    let me = http::Session::sign_in(&server.addr, "coord", PASSWORD).unwrap();
    let org = me
        .post(
            &server.addr,
            "/organisations",
            &[
                ("name_en", "Rekey NGO"),
                ("kind", "ngo"),
                ("place", "51106"),
            ],
        )
        .unwrap();
    let org_path = org
        .header("location")
        .unwrap()
        .trim_end_matches("?saved=1")
        .to_string();
    me.post(
        &server.addr,
        &format!("{org_path}/contacts"),
        &[("title", "manager"), ("name", "Before Rekey")],
    )
    .unwrap();
    let out = setu(&["rekey"], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        said.contains("new key k2 is current") && said.contains("re-sealed"),
        "{said}"
    );
    // The running server reads old and new values and writes with the new key.
    me.post(
        &server.addr,
        &format!("{org_path}/contacts"),
        &[("title", "counsellor"), ("name", "After Rekey")],
    )
    .unwrap();
    let page = me.get(&server.addr, &org_path).unwrap();
    assert!(page.body.contains("Before Rekey") && page.body.contains("After Rekey"));
    assert!(server.terminate().success());
    let again = setu(&["rekey"], dir.path());
    assert!(String::from_utf8_lossy(&again.stdout).contains("new key k3 is current"));
    let keys = std::fs::read_to_string(dir.path().join("setu-data/setu.keys")).unwrap();
    assert!(keys.contains("current k3") && keys.contains("key k1 "));
    // With --index, a new index key too, and every keyed hash recomputed with it.
    let index = setu(&["rekey", "--index"], dir.path());
    let said = String::from_utf8_lossy(&index.stdout).to_string();
    assert!(
        index.status.success() && said.contains("new index key k5"),
        "{said}"
    );
    let keys = std::fs::read_to_string(dir.path().join("setu-data/setu.keys")).unwrap();
    assert!(keys.contains("index k1\nindex k5"), "{keys}");
}

const REPORT_HEADER: &str = "report_id,given_name,middle_name,family_name,sex,birth_year,age_at_report,report_date,father_name,mother_name,home_district,home_municipality,home_ward,phone,notes";
const ENCOUNTER_HEADER: &str = "encounter_id,source,site,encounter_date,given_name,middle_name,family_name,sex,stated_age,father_name,mother_name,home_district,home_municipality,home_ward,phone,destination";

/// A small register: 60 reported girls, and booth encounters of the first 30 written by other
/// hands (variants, Devanagari, swapped names, aliases), plus 30 strangers.
fn linkage_files(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let given = [
        "Sita", "Gita", "Sunita", "Anita", "Kabita", "Laxmi", "Sabita", "Kamala", "Bimala", "Puja",
        "Sapana", "Asmita",
    ];
    let family = [
        "Tamang", "Thapa", "Gurung", "Shrestha", "Magar", "Rai", "BK", "Yadav", "Karki", "Limbu",
    ];
    let fathers = ["Ram", "Hari", "Krishna", "Bishnu", "Shyam", "Dil", "Man"];
    let places = [
        ("Makwanpur", "Hetauda"),
        ("Banke", "Nepalgunj"),
        ("Sunsari", "Itahari"),
    ];
    let mut reports = vec![REPORT_HEADER.to_string()];
    let mut encounters = vec![ENCOUNTER_HEADER.to_string()];
    for i in 0..90usize {
        let (g, f, fa) = (given[i % 12], family[(i * 7) % 10], fathers[(i * 3) % 7]);
        let (d, m) = places[i % 3];
        let (ward, by, phone) = (
            1 + i % 9,
            2000 + i % 8,
            format!("98{:08}", i * 7919 % 100_000_000),
        );
        if i < 60 {
            reports.push(format!("R{i:03},{g},,{f},F,{by},,2023-01-15,{fa} {f},,{d},{m} Municipality,{ward},{phone},"));
        }
        if !(30..60).contains(&i) {
            let (eg, ef) = match i % 5 {
                0 => (g.replace("ita", "eeta"), f.to_string()),
                1 => (f.to_string(), g.to_string()),
                2 => (
                    g.to_uppercase(),
                    if f == "Tamang" {
                        "Lama".into()
                    } else {
                        f.to_lowercase()
                    },
                ),
                _ => (g.to_string(), f.to_string()),
            };
            let age = 2023 - by;
            encounters.push(format!("E{i:03},booth,Jamunaha,2023-06-0{},{eg},,{ef},F,{age},{fa},,{d},{m},{ward},{phone},Delhi", 1 + i % 9));
        }
    }
    let r = dir.join("reports.csv");
    let e = dir.join("encounters.csv");
    std::fs::write(&r, reports.join("\n") + "\n").unwrap();
    std::fs::write(&e, encounters.join("\n") + "\n").unwrap();
    (r, e)
}

#[test]
fn link_writes_calibrated_pairs_with_progress_and_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let (reports, encounters) = linkage_files(dir.path());
    let out = dir.path().join("links.csv");
    let link_to = |out: &Path, quiet: &[&str]| {
        let files = [
            reports.to_str().unwrap(),
            encounters.to_str().unwrap(),
            out.to_str().unwrap(),
        ];
        let args = [
            &[
                "link",
                "--reasons",
                "--reports",
                files[0],
                "--encounters",
                files[1],
                "--out",
                files[2],
            ],
            quiet,
        ]
        .concat();
        setu(&args, dir.path())
    };
    let run = link_to(&out, &[]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("scoring pairs") && stderr.contains("100%"),
        "progress on stderr: {stderr}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("report_id,encounter_id,probability,reasons")
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.splitn(4, ',').map(str::to_owned).collect())
        .collect();
    let right = rows.iter().filter(|r| r[0][1..] == r[1][1..]).count();
    assert!(right >= 27, "{right} of 30 true pairs found:\n{text}");
    assert!(rows.len() - right <= 2, "strangers proposed:\n{text}");
    for r in &rows {
        let p: f64 = r[2].parse().unwrap();
        assert!((0.5..=1.0).contains(&p));
        assert!(
            r[3].contains("given_name=") && r[3].contains("phone="),
            "{}",
            r[3]
        );
    }
    // The same input gives byte-identical output.
    let again = dir.path().join("again.csv");
    let rerun = link_to(&again, &["--quiet"]);
    assert!(
        rerun.status.success() && rerun.stderr.is_empty(),
        "--quiet is quiet"
    );
    assert_eq!(std::fs::read(&again).unwrap(), text.as_bytes());

    let pairs = dir.path().join("pairs.csv");
    let dedup = setu(
        &[
            "link",
            "--dedup",
            "--quiet",
            "--encounters",
            encounters.to_str().unwrap(),
            "--out",
            pairs.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(
        dedup.status.success(),
        "{}",
        String::from_utf8_lossy(&dedup.stderr)
    );
    let text = std::fs::read_to_string(&pairs).unwrap();
    assert!(text.starts_with("encounter_id_l,encounter_id_r,probability\n"));
    assert!(text.lines().skip(1).all(|l| {
        let v: Vec<&str> = l.split(',').collect();
        v[0] < v[1]
    }));
}

#[test]
fn link_names_the_line_and_column_of_a_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let (reports, encounters) = linkage_files(dir.path());
    let out = dir.path().join("links.csv");
    let run_with = |reports_text: &str| {
        std::fs::write(&reports, reports_text).unwrap();
        let run = setu(
            &[
                "link",
                "--quiet",
                "--reports",
                reports.to_str().unwrap(),
                "--encounters",
                encounters.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert!(!run.status.success());
        String::from_utf8_lossy(&run.stderr).to_string()
    };
    let good =
        format!("{REPORT_HEADER}\nR1,Sita,,Tamang,F,2005,,2023-01-15,,,Banke,Nepalgunj,3,,\n");
    let err = run_with(&format!(
        "{good}R2,Gita,,Thapa,F,2005,,15/01/2023,,,Banke,Nepalgunj,3,,\n"
    ));
    assert!(
        err.contains("line 3, column 8 (report_date)") && err.contains("YYYY-MM-DD"),
        "{err}"
    );
    let err = run_with(&format!(
        "{good}R2,Gita,,Thapa,F,twenty,,2023-01-15,,,Banke,Nepalgunj,3,,\n"
    ));
    assert!(err.contains("line 3, column 6 (birth_year)"), "{err}");
    let err = run_with(&format!("{good}R2,Gita,Thapa\n"));
    assert!(
        err.contains("line 3") && err.contains("3 columns where the header has 15"),
        "{err}"
    );
    let err = run_with(&format!(
        "{good}R1,Gita,,Thapa,F,2005,,2023-01-15,,,Banke,Nepalgunj,3,,\n"
    ));
    assert!(
        err.contains("line 3") && err.contains("already used on line 2"),
        "{err}"
    );
    let err = run_with("report_id,given_name\nR1,Sita\n");
    assert!(
        err.contains("line 1") && err.contains("\"middle_name\""),
        "{err}"
    );
    assert!(!err.contains("panicked"));
    assert!(!out.exists(), "nothing written when the input is bad");
}

/// A booth, a booth worker with an API token, and a missing-person report its screenings may
/// match (so that named screenings queue matching jobs), made through the store of `url`.
/// Returns the token and the booth's id.
async fn booth_with_token(url: &str, dir: &Path) -> (String, i64) {
    use setu_store::audit::Actor;
    let store = Store::open(&with_keys(url, dir)).await.unwrap();
    let sys = Actor::system("test");
    let booth = store
        .create_site(
            &sys,
            &setu_core::directory::DirectoryForm {
                name_en: "Drill booth".into(),
                kind: "border-booth".into(),
                place: "51106".into(),
                ..Default::default()
            }
            .to_site()
            .unwrap(),
        )
        .await
        .unwrap();
    let user = store
        .create_user(
            &sys,
            &setu_store::auth::NewUser {
                username: "booth.drill".into(),
                password: PASSWORD.into(),
                role: setu_core::access::Role::BoothWorker,
                scope: format!("site:{booth}").parse().unwrap(),
                full_name: None,
            },
        )
        .await
        .unwrap();
    let token = store
        .create_api_token(&sys, &user.id, &Default::default())
        .await
        .unwrap();
    let today = setu_core::calendar::today_in_nepal();
    let report = setu_core::tracing::ReportForm {
        reporter_name: "Hari Tamang".into(),
        reporter_relation: "parent".into(),
        consent_tracing: "yes".into(),
        reported_on: "2025-01-10".into(),
        given_name: "Sunita".into(),
        family_name: "Tamang".into(),
        sex: "female".into(),
        age: "16".into(),
        home: "5110603".into(),
        ..Default::default()
    };
    store
        .create_report(&sys, &report.check(today).unwrap())
        .await
        .unwrap();
    store.close().await;
    (token, booth)
}

const GIVEN: [&str; 16] = [
    "Sunita", "Gita", "Anita", "Kabita", "Laxmi", "Sabita", "Kamala", "Bimala", "Puja", "Sapana",
    "Asmita", "Rojina", "Srijana", "Manisha", "Pramila", "Rekha",
];
const FAMILY: [&str; 12] = [
    "Tamang", "Thapa", "Gurung", "Shrestha", "Magar", "Rai", "BK", "Yadav", "Karki", "Limbu",
    "Dhami", "Pariyar",
];

/// A sync batch of `n` new screenings from client `c`, batch `b`; every third is named (and
/// queues a matching job), with names and wards that differ the way people's do.
fn screening_batch(booth: i64, c: usize, b: usize, n: usize) -> (Vec<String>, String) {
    let ids: Vec<String> = (0..n)
        .map(|k| format!("00000000-0000-4000-8000-{:04}{:04}{:04}", c, b, k))
        .collect();
    let records: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let mut data = serde_json::json!({"site": booth.to_string(), "date": "2025-02-01",
                "time": "10:30", "sex": "female", "age": (15 + k % 10).to_string(),
                "outcome": "counselled-continued", "purpose": "work", "destination_country": "IN"});
            if k.is_multiple_of(6) {
                // Many different people, as at a real booth (one name for all would make
                // every screening a candidate for every other).
                let n = c * 7919 + b * 104_729 + k;
                data["given_name"] = GIVEN[n % GIVEN.len()].into();
                data["family_name"] = FAMILY[(n / GIVEN.len()) % FAMILY.len()].into();
                data["home"] = format!("51106{:02}", 1 + n % 19).into();
                data["consent_record"] = "on".into();
                data["consent_share"] = "on".into();
            }
            serde_json::json!({"kind": "screening", "id": id, "base_version": 0, "data": data})
        })
        .collect();
    (ids, serde_json::json!({ "records": records }).to_string())
}

/// Sends one batch; the outcomes per record, or the status if the answer was not 2xx.
async fn sync_once(
    client: &mut setu_testkit::load::Client,
    token: &str,
    body: &str,
) -> Result<Vec<String>, String> {
    let reply = client
        .post_json("/api/v1/sync", token, body.as_bytes())
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    if !(200..300).contains(&reply.status) {
        return Err(format!("status {}: {}", reply.status, reply.text()));
    }
    let v: serde_json::Value = serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
    Ok(v["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or("").to_string())
        .collect())
}

/// A figure read straight from the database (`SELECT COUNT(*) …`).
async fn count(url: &str, sql: &str) -> i64 {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap();
    c.close().await.unwrap();
    n
}

const SCREENINGS: &str = "SELECT COUNT(*) FROM screening";
/// Named screenings whose matching job never ran (it stores their blocking keys).
const UNMATCHED: &str = "SELECT COUNT(*) FROM screening s WHERE s.given_name IS NOT NULL \
    AND NOT EXISTS (SELECT 1 FROM tracing_key k WHERE k.kind = 'screening' AND k.record_id = s.id)";

/// Issue 12: sixteen booth phones sync at once (while the keys are rotated with `setu rekey`):
/// every answer is 2xx, every record is created once, resending the same batches changes
/// nothing. Before one writer took the write lock first, most of these answered 500 on SQLite.
#[tokio::test(flavor = "multi_thread")]
async fn sixteen_booths_sync_at_once_during_a_rekey_and_every_record_is_stored_once() {
    for (url, db) in database_urls().await {
        let dir = tempfile::tempdir().unwrap();
        let (token, booth) = booth_with_token(&url, dir.path()).await;
        let server = Server::start(
            &["serve", "--bind", "127.0.0.1:0", "--database-url", &url],
            dir.path(),
            &[],
        );
        let (clients, batches, per) = (16, 12, 10);
        let run = |pass: usize| {
            let (addr, token) = (server.addr.clone(), token.clone());
            (0..clients)
                .map(|c| {
                    let (addr, token) = (addr.clone(), token.clone());
                    tokio::spawn(async move {
                        let mut client = setu_testkit::load::Client::new(&addr);
                        let mut outcomes = Vec::new();
                        for b in 0..batches {
                            let (_, body) = screening_batch(booth, c, b, per);
                            match sync_once(&mut client, &token, &body).await {
                                Ok(o) => outcomes.extend(o),
                                Err(e) => panic!("pass {pass}, client {c}, batch {b}: {e}"),
                            }
                        }
                        outcomes
                    })
                })
                .collect::<Vec<_>>()
        };
        let first = run(1);
        let rekey = {
            let (dir, url) = (dir.path().to_path_buf(), url.clone());
            tokio::task::spawn_blocking(move || setu(&["rekey", "--database-url", &url], &dir))
        };
        let mut outcomes = Vec::new();
        for t in first {
            outcomes.extend(t.await.unwrap());
        }
        let rekeyed = rekey.await.unwrap();
        assert!(
            rekeyed.status.success(),
            "{}",
            String::from_utf8_lossy(&rekeyed.stderr)
        );
        let total = clients * batches * per;
        assert_eq!(outcomes.len(), total);
        assert!(outcomes.iter().all(|o| o == "created"), "{outcomes:?}");
        // The same batches again, all at once: nothing new.
        let mut again = Vec::new();
        for t in run(2) {
            again.extend(t.await.unwrap());
        }
        assert!(again.iter().all(|o| o == "unchanged"), "{again:?}");
        let stored = count(&url, SCREENINGS).await;
        assert_eq!(
            stored,
            i64::try_from(total).unwrap(),
            "each record once on {url}"
        );
        assert!(server.terminate().success());
        db.cleanup().await;
    }
}

/// Issue 12's crash drill: 50 times, `setu serve` is killed with SIGKILL while four phones sync
/// named screenings (which queue matching jobs), and started again. Then every record that was
/// acknowledged is there, the SQLite file passes `PRAGMA integrity_check`, every interrupted
/// matching job has run, and replaying every batch ever sent creates nothing twice.
#[tokio::test(flavor = "multi_thread")]
async fn fifty_kill_9_cycles_under_sync_lose_nothing_and_duplicate_nothing() {
    use std::collections::HashSet;
    for (url, db) in database_urls().await {
        let dir = tempfile::tempdir().unwrap();
        let (token, booth) = booth_with_token(&url, dir.path()).await;
        let args = [
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            url.as_str(),
        ];
        let acked = Arc::new(Mutex::new(HashSet::<String>::new()));
        let mut sent: Vec<String> = Vec::new();
        let mut batch_no = 0;
        for cycle in 0..50 {
            let server = Server::start(&args, dir.path(), &[]);
            let phones: Vec<_> = (0..4)
                .map(|c| {
                    let bodies: Vec<(Vec<String>, String)> = (0..40)
                        .map(|b| screening_batch(booth, c, batch_no + b, 6))
                        .collect();
                    let (addr, token, acked) =
                        (server.addr.clone(), token.clone(), Arc::clone(&acked));
                    tokio::spawn(async move {
                        let mut client = setu_testkit::load::Client::new(&addr);
                        // Every batch this phone began to send, answered or not.
                        let mut tried = Vec::new();
                        for (ids, body) in bodies {
                            tried.push(body.clone());
                            match sync_once(&mut client, &token, &body).await {
                                Ok(outcomes) => {
                                    assert!(
                                        outcomes.iter().all(|o| o == "created" || o == "unchanged"),
                                        "{outcomes:?}"
                                    );
                                    acked.lock().unwrap().extend(ids);
                                }
                                Err(_) => break, // killed
                            }
                        }
                        tried
                    })
                })
                .collect();
            batch_no += 40;
            // Let them write for a moment, then kill the server mid-write.
            tokio::time::sleep(Duration::from_millis(150 + (cycle % 5) * 40)).await;
            let mut child = server.child;
            child.kill().unwrap();
            child.wait().unwrap();
            for phone in phones {
                sent.extend(phone.await.unwrap());
            }
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            acked.len() > 500,
            "only {} records acknowledged",
            acked.len()
        );

        let server = Server::start(&args, dir.path(), &[]);
        let store = Store::open(&with_keys(&url, dir.path())).await.unwrap();
        let mut missing = Vec::new();
        for id in &acked {
            if store
                .screening(id, setu_store::sealing::Reveal::No)
                .await
                .is_err()
            {
                missing.push(id.clone());
            }
        }
        assert!(
            missing.is_empty(),
            "acknowledged but lost on {url}: {missing:?}"
        );
        if url.starts_with("sqlite") {
            use sqlx::Connection;
            let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
            let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert_eq!(ok, "ok");
        }
        // Interrupted jobs are claimed again once their lease runs out (15 s) and run.
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let jobs = store.job_counts().await.unwrap();
            if jobs.queued == 0 && jobs.running == 0 {
                assert_eq!(jobs.failed, 0);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "jobs left after restart: {jobs:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let before = count(&url, SCREENINGS).await;
        assert_eq!(
            count(&url, UNMATCHED).await,
            0,
            "named screenings never matched"
        );
        // Every batch ever sent, once more (four phones at once): only what was never stored
        // is created.
        let replays: Vec<_> = sent
            .chunks(sent.len().div_ceil(4))
            .map(|bodies| {
                let (addr, token, bodies) = (server.addr.clone(), token.clone(), bodies.to_vec());
                tokio::spawn(async move {
                    let mut client = setu_testkit::load::Client::new(&addr);
                    let mut created = 0;
                    for body in &bodies {
                        let outcomes = sync_once(&mut client, &token, body).await.unwrap();
                        created += outcomes.iter().filter(|o| *o == "created").count();
                    }
                    created
                })
            })
            .collect();
        let mut created = 0;
        for replay in replays {
            created += replay.await.unwrap();
        }
        let after = count(&url, SCREENINGS).await;
        let distinct: HashSet<&String> = sent.iter().collect();
        assert_eq!(after - before, i64::try_from(created).unwrap());
        assert_eq!(
            after,
            i64::try_from(distinct.len() * 6).unwrap(),
            "no duplicate on {url}"
        );
        store.close().await;
        assert!(server.terminate().success());
        db.cleanup().await;
    }
}

/// `setu risk` ranks wards from a CSV of counts; a file with bad rows is refused whole, each
/// bad row named by its line and column, and nothing is written.
#[test]
fn risk_ranks_wards_from_a_csv_and_names_every_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("wards.csv");
    let out = dir.path().join("ranking.csv");
    std::fs::write(
        &input,
        "ward_code,events,population\n5110601,3,4000\n5110602,-1,3000\n5110603,2,0\n5110601,1,10\n",
    )
    .unwrap();
    let run = |dir: &Path| {
        setu(
            &[
                "risk",
                "--input",
                input.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            dir,
        )
    };
    let refused = run(dir.path());
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("line 3, column 2 (events)"), "{err}");
    assert!(err.contains("line 4, column 3 (population)"), "{err}");
    assert!(err.contains("line 5, column 1 (ward_code)"), "{err}");
    assert!(!out.exists(), "nothing written");
    let mut rows = String::from("ward_code,events,population\n");
    for w in 1..=20 {
        rows.push_str(&format!("51106{w:02},{},{}\n", 4 + w % 3, 3000 + 100 * w));
    }
    // A tiny ward of a quiet local level with a high raw rate, and a ward with evidence.
    rows.push_str("5110621,2,15\n5110722,40,3500\n");
    std::fs::write(&input, rows).unwrap();
    let ran = run(dir.path());
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let ranking = std::fs::read_to_string(&out).unwrap();
    let mut lines = ranking.lines();
    assert_eq!(
        lines.next(),
        Some("ward_code,rate,smoothed_rate,lower,upper,rank,p_top10")
    );
    assert!(
        lines.next().unwrap().starts_with("5110722,"),
        "the ward with evidence first"
    );
    assert_eq!(ranking.lines().count(), 1 + 22);
}
