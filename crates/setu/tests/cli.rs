//! The `setu` binary as a user runs it: real processes, real ports, real signals.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
        let sites = store.sites(&DirectoryFilter::default()).await.unwrap();
        let booth = |name: &str, place: &str| {
            sites
                .iter()
                .any(|s| s.name_en.starts_with(name) && s.place.to_string() == place)
        };
        assert!(booth("Jamunaha information", "51106"));
        assert!(booth("Bhantabari information", "11303"));
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
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema version 2"));
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
