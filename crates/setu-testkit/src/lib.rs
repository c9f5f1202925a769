//! Fresh, empty databases for tests, on SQLite always and on PostgreSQL whenever
//! `SETU_TEST_POSTGRES_URL` names a server. Under CI (`CI=true`) a missing PostgreSQL URL
//! fails the test instead of silently testing one engine.
#![allow(clippy::expect_used)] // test support: a broken test environment should stop loudly

use setu_store::{ConnectOptions, Engine};
use sqlx::Connection;

/// A database made for one test. SQLite files live in a temporary folder removed on drop;
/// PostgreSQL databases are dropped by [`TestDb::cleanup`].
#[derive(Debug)]
pub struct TestDb {
    /// Which engine.
    pub engine: Engine,
    /// The URL to open it with.
    pub url: String,
    /// For SQLite: the folder holding the file.
    pub dir: Option<tempfile::TempDir>,
    admin_url: Option<String>,
    name: String,
    keys: std::sync::Arc<setu_store::crypto::Keyring>,
}

impl TestDb {
    /// Connect options for this database.
    pub fn options(&self) -> ConnectOptions {
        let mut o = ConnectOptions::new(self.url.clone());
        o.keys = std::sync::Arc::clone(&self.keys);
        o
    }

    /// Drops a PostgreSQL test database (SQLite folders go on drop).
    pub async fn cleanup(self) {
        if let Some(admin) = &self.admin_url {
            if let Ok(mut c) = sqlx::PgConnection::connect(admin).await {
                let _ = sqlx::query(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut c)
                .await;
            }
        }
    }
}

/// The PostgreSQL server URL under test, if any; panics under CI when it is missing.
pub fn postgres_url() -> Option<String> {
    match std::env::var("SETU_TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CI").map(|v| v != "true").unwrap_or(true),
                "CI=true but SETU_TEST_POSTGRES_URL is not set: PostgreSQL tests would be skipped"
            );
            None
        }
    }
}

/// One fresh database per engine under test: SQLite first, then PostgreSQL if configured.
pub async fn databases() -> Vec<TestDb> {
    let mut out = vec![sqlite()];
    if let Some(server) = postgres_url() {
        out.push(postgres(&server).await);
    }
    out
}

/// Runs `f` once per engine under test, each time on a fresh, migrated store.
pub async fn each_store<F, Fut>(f: F)
where
    F: Fn(setu_store::Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for db in databases().await {
        let store = setu_store::Store::open(&db.options())
            .await
            .expect("open and migrate the test database");
        f(store.clone()).await;
        store.close().await;
        db.cleanup().await;
    }
}

/// A fresh SQLite database in a temporary folder.
pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("setu.db");
    TestDb {
        engine: Engine::Sqlite,
        url: format!("sqlite://{}", path.display()),
        dir: Some(dir),
        admin_url: None,
        name: String::new(),
        keys: std::sync::Arc::new(setu_store::crypto::Keyring::ephemeral()),
    }
}

/// A fresh database on the PostgreSQL server at `server`.
pub async fn postgres(server: &str) -> TestDb {
    let name = format!("setu_t_{}", uuid::Uuid::new_v4().simple());
    let mut c = sqlx::PgConnection::connect(server)
        .await
        .expect("SETU_TEST_POSTGRES_URL must name a reachable PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await
        .expect("create test database");
    TestDb {
        engine: Engine::Postgres,
        url: with_database(server, &name),
        dir: None,
        admin_url: Some(server.to_string()),
        name,
        keys: std::sync::Arc::new(setu_store::crypto::Keyring::ephemeral()),
    }
}

/// `postgres://u@h:p/old?x` → `postgres://u@h:p/NAME?x`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (server, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    format!("{}/{}{}", &base[..authority_end], name, query)
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_replaces_the_path() {
        assert_eq!(
            super::with_database("postgres://root@127.0.0.1:5432/test?sslmode=disable", "x"),
            "postgres://root@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
    }
}

/// A minimal HTTP/1.1 client for tests that talk to a real `setu serve` process (one
/// request per connection, `Connection: close`).
pub mod http {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    /// Status code, raw head and body of a response.
    #[derive(Debug)]
    pub struct Response {
        /// The status code.
        pub status: u16,
        /// The status line and headers.
        pub head: String,
        /// The body as text.
        pub body: String,
    }

    impl Response {
        /// The value of header `name` (case-insensitive), if present.
        pub fn header(&self, name: &str) -> Option<&str> {
            self.head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
            })
        }
    }

    /// Sends one request to `addr` (`127.0.0.1:port`); a form body is sent urlencoded.
    pub fn request(
        addr: &str,
        method: &str,
        path: &str,
        form: Option<&str>,
    ) -> std::io::Result<Response> {
        request_with(addr, method, path, &[], form)
    }

    /// Like [`request`], with extra headers (a session cookie, say).
    pub fn request_with(
        addr: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        form: Option<&str>,
    ) -> std::io::Result<Response> {
        let mut s = TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let body = form.unwrap_or("");
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        if form.is_some() {
            req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        s.write_all(req.as_bytes())?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Ok(Response {
            status,
            head: head.to_string(),
            body: body.to_string(),
        })
    }

    /// A signed-in browser session against a real server: cookie and CSRF token.
    #[derive(Debug, Clone)]
    pub struct Session {
        /// `setu_session=…`
        pub cookie: String,
        /// The CSRF token forms must carry.
        pub csrf: String,
    }

    impl Session {
        /// Signs in through the login form and reads the CSRF token from a page.
        pub fn sign_in(addr: &str, username: &str, password: &str) -> std::io::Result<Session> {
            let form: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("username", username)
                .append_pair("password", password)
                .finish();
            let r = request(addr, "POST", "/login", Some(&form))?;
            let fail = |what: &str| {
                std::io::Error::other(format!(
                    "sign in as {username}: {what} (status {})",
                    r.status
                ))
            };
            let cookie = r
                .header("set-cookie")
                .and_then(|c| c.split(';').next())
                .ok_or_else(|| fail("no cookie"))?
                .to_string();
            let page = request_with(addr, "GET", "/", &[("Cookie", &cookie)], None)?;
            let csrf = page
                .body
                .split("name=\"csrf\" value=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .ok_or_else(|| fail("no CSRF token on the page"))?
                .to_string();
            Ok(Session { cookie, csrf })
        }

        /// Posts a form (adding the CSRF token) with the session cookie.
        pub fn post(
            &self,
            addr: &str,
            path: &str,
            form: &[(&str, &str)],
        ) -> std::io::Result<Response> {
            let mut pairs = form.to_vec();
            pairs.push(("csrf", &self.csrf));
            let body: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            request_with(addr, "POST", path, &[("Cookie", &self.cookie)], Some(&body))
        }

        /// Gets a page with the session cookie.
        pub fn get(&self, addr: &str, path: &str) -> std::io::Result<Response> {
            request_with(addr, "GET", path, &[("Cookie", &self.cookie)], None)
        }
    }
}

/// An asynchronous HTTP/1.1 client that keeps its connection open, for many concurrent clients
/// against a real server: the concurrency test, the crash drill and the write benchmark.
pub mod load {
    use std::time::Duration;

    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpStream;

    /// One answer.
    #[derive(Debug, Clone)]
    pub struct Reply {
        /// The status code.
        pub status: u16,
        /// `Retry-After`, in seconds, if the server asked to wait.
        pub retry_after: Option<u64>,
        /// The body.
        pub body: Vec<u8>,
    }

    impl Reply {
        /// The body as text.
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.body).into_owned()
        }
    }

    /// A connection to one server, reopened when the server closed it.
    #[derive(Debug)]
    pub struct Client {
        addr: String,
        conn: Option<BufReader<TcpStream>>,
        /// Longest wait for one answer.
        pub timeout: Duration,
    }

    impl Client {
        /// A client for `addr` (`127.0.0.1:port`); connects on first use.
        pub fn new(addr: &str) -> Client {
            Client {
                addr: addr.to_string(),
                conn: None,
                timeout: Duration::from_secs(30),
            }
        }

        /// Sends one request and reads its answer. On any error the connection is dropped, so
        /// the next request opens a fresh one.
        pub async fn send(
            &mut self,
            method: &str,
            path: &str,
            headers: &[(&str, &str)],
            body: &[u8],
        ) -> std::io::Result<Reply> {
            let timeout = self.timeout;
            let result = tokio::time::timeout(timeout, self.exchange(method, path, headers, body))
                .await
                .unwrap_or_else(|_| Err(std::io::Error::other("timed out")));
            if result.is_err() {
                self.conn = None;
            }
            result
        }

        /// POSTs a JSON `body` to `path` with a bearer `token`, as a phone syncing does.
        pub async fn post_json(
            &mut self,
            path: &str,
            token: &str,
            body: &[u8],
        ) -> std::io::Result<Reply> {
            let auth = format!("Bearer {token}");
            let headers = [
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ];
            self.send("POST", path, &headers, body).await
        }

        async fn exchange(
            &mut self,
            method: &str,
            path: &str,
            headers: &[(&str, &str)],
            body: &[u8],
        ) -> std::io::Result<Reply> {
            if self.conn.is_none() {
                let stream = TcpStream::connect(&self.addr).await?;
                stream.set_nodelay(true)?;
                self.conn = Some(BufReader::new(stream));
            }
            let Some(conn) = self.conn.as_mut() else {
                return Err(std::io::Error::other("no connection"));
            };
            let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let mut request = head.into_bytes();
            request.extend_from_slice(body);
            conn.get_mut().write_all(&request).await?;
            read_reply(conn).await
        }
    }

    async fn read_reply(conn: &mut BufReader<TcpStream>) -> std::io::Result<Reply> {
        let mut line = String::new();
        if conn.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| std::io::Error::other("no status line"))?;
        let (mut length, mut chunked, mut retry_after) = (None, false, None);
        loop {
            line.clear();
            conn.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
                match k.as_str() {
                    "content-length" => length = v.parse::<usize>().ok(),
                    "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                    "retry-after" => retry_after = v.parse().ok(),
                    _ => {}
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                conn.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16)
                    .map_err(|_| std::io::Error::other("bad chunk"))?;
                let mut chunk = vec![0; size + 2];
                conn.read_exact(&mut chunk).await?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            conn.read_exact(&mut body).await?;
        }
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}

/// Records that several tests build the same way.
pub mod fixtures {
    use setu_core::committees::{BudgetDraft, CommitteeKind, FundingSource};
    use setu_core::PlaceCode;
    use setu_store::audit::Actor;
    use setu_store::Store;

    /// The LCCHT of local level `ll` (made if missing) with a budget line of its own funds for
    /// 2081/82: `allocated` rupees for `purpose`, nothing spent yet. Returns (committee, line).
    pub async fn lccht_budget_line(
        store: &Store,
        ll: u32,
        purpose: &str,
        allocated: i64,
    ) -> (i64, String) {
        let sys = Actor::system("test");
        let committee = match store
            .create_committee(
                &sys,
                CommitteeKind::Lccht,
                PlaceCode::LocalLevel(ll),
                None,
                None,
                None,
            )
            .await
        {
            Ok(id) => id,
            Err(e) => panic!("committee at {ll}: {e}"),
        };
        let draft = BudgetDraft {
            source: FundingSource::Own,
            purpose: purpose.into(),
            allocated,
            spent: 0,
        };
        let fy = "2081/82".parse().unwrap_or_else(|_| panic!("fiscal year"));
        let line = store
            .add_budget_line(&sys, committee, fy, &draft)
            .await
            .unwrap_or_else(|e| panic!("budget line: {e}"));
        (committee, line)
    }
}
