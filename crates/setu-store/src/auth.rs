//! Accounts, password hashes, sessions, API tokens, login throttling and the one-time setup
//! link for the first administrator. Secrets (session cookies, API tokens, setup links) are
//! random, shown once, and stored only as SHA-256 hashes.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde::Serialize;
use setu_core::access::{check_assignment, Capability, Principal, Role, Scope};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{append, Actor, Event};
use crate::crypto::Keyring;
use crate::rekey::next_version;
use crate::rekey::FIRST_VERSION;
use crate::write::audited;
use crate::write::Tx;
use crate::{now_text, time_text, Result, Store, StoreError};

/// Session idle and absolute time-outs, and login throttling. Nothing is locked: after a few
/// failures each further attempt waits twice as long as the last (2 s, 4 s, 8 s…), counted
/// three ways. One name from one address (someone guessing) soon waits up to the window; one
/// address across names (someone spraying) likewise; one name from anywhere (many addresses
/// guessing at one account) waits at most [`AuthPolicy::account_wait_cap`], so that a
/// stranger's failures never keep the account's owner out for long.
#[derive(Debug, Clone, Copy)]
pub struct AuthPolicy {
    /// A session unused for this long ends.
    pub idle: time::Duration,
    /// A session ends this long after login, used or not.
    pub absolute: time::Duration,
    /// Whether roles that read personal data must use a second factor (a deployment's
    /// setting): until they set one up, they reach only their account page.
    pub require_second_factor: bool,
    /// Failures of one name from one address, within `window`, before attempts wait.
    pub free_failures_per_pair: i64,
    /// Failures of one name from any address before every attempt at it waits.
    pub max_failures_per_account: i64,
    /// Failures from one address (any names) before its attempts wait.
    pub max_failures_per_client: i64,
    /// The longest wait that failures of an account from anywhere impose on it.
    pub account_wait_cap: time::Duration,
    /// The throttling window: failures older than this are forgotten (and the longest wait).
    pub window: time::Duration,
}

impl AuthPolicy {
    /// The wait after `failures` failures of which the first `free` cost nothing: 2 s, 4 s,
    /// 8 s… for each one beyond, at most `cap`.
    fn wait(failures: i64, free: i64, cap: time::Duration) -> time::Duration {
        if failures < free {
            return time::Duration::ZERO;
        }
        let doublings = u32::try_from((failures - free + 1).min(20)).unwrap_or(20);
        time::Duration::seconds(1i64 << doublings).min(cap)
    }
}

impl Default for AuthPolicy {
    fn default() -> AuthPolicy {
        AuthPolicy {
            idle: time::Duration::minutes(30),
            absolute: time::Duration::hours(12),
            require_second_factor: false,
            free_failures_per_pair: 3,
            max_failures_per_account: 5,
            max_failures_per_client: 20,
            account_wait_cap: time::Duration::minutes(1),
            window: time::Duration::minutes(15),
        }
    }
}

/// A user account (without its password hash).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Id (UUID).
    pub id: String,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Scope.
    #[serde(serialize_with = "ser_display")]
    pub scope: Scope,
    /// Full name, opened from its sealed form.
    pub full_name: Option<String>,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Incremented at every change.
    pub version: i64,
    /// Created, UTC.
    pub created_at: String,
    /// The session or API token this request came through (for the audit trail).
    #[serde(skip)]
    pub via: Option<String>,
    /// The capabilities an API token was narrowed to, if it was.
    #[serde(skip)]
    pub limit: Option<Vec<Capability>>,
    /// Whether sign-in asks this user for a one-time code too.
    pub second_factor: bool,
    /// Whether an administrator set the password: the user must choose their own before
    /// doing anything else.
    pub must_change_password: bool,
}

fn ser_display<S: serde::Serializer>(v: &Scope, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl User {
    /// The user as access decisions see them.
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.id.clone(),
            username: self.username.clone(),
            role: self.role,
            scope: self.scope,
            limit: self.limit.clone(),
        }
    }

    /// Whether this user, as they came (through a session or a narrowed token), holds `cap`.
    pub fn holds(&self, cap: Capability) -> bool {
        self.principal().holds(cap)
    }

    /// The user as the audit trail names them, with the session or token they came through.
    pub fn actor(&self) -> Actor {
        Actor::user(&self.id, &self.username).via(self.via.clone())
    }
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name: 3–40 lower-case letters, digits, `.`, `-`, `_`.
    pub username: String,
    /// Password (checked against the policy).
    pub password: String,
    /// Role.
    pub role: Role,
    /// Scope (must suit the role).
    pub scope: Scope,
    /// Full name (sealed at rest).
    pub full_name: Option<String>,
}

/// The outcome of a login attempt. Unknown user, wrong password and disabled account are one
/// answer, so the page cannot tell which.
#[derive(Debug)]
pub enum Login {
    /// Signed in: the session cookie value (shown once) and the user.
    Ok { token: String, user: User },
    /// Wrong username or password, or the account is disabled.
    Refused,
    /// The password was right and the account has a second factor: ask for a code, with this
    /// challenge (valid five minutes, five tries).
    SecondFactor {
        /// The challenge the code form carries (shown once, stored hashed).
        challenge: String,
    },
    /// Too many failures for this account or from this address: try again after this wait.
    Throttled {
        /// How long, rounded up to whole seconds.
        wait_seconds: i64,
    },
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The signed-in user.
    pub user: User,
    /// The token forms and API calls must echo (CSRF).
    pub csrf_token: String,
}

/// A random secret of 32 bytes, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    B64.encode(bytes)
}

/// SHA-256 of a secret, as stored.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn argon2() -> Argon2<'static> {
    Argon2::default() // Argon2id, 19 MiB, 2 passes: OWASP's minimum recommendation
}

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| StoreError::ReferenceData("password hashing failed".into()))
}

/// A hash of a password nobody has, verified when the username is unknown so that unknown
/// and known usernames take the same time.
fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

pub(crate) fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// Checks a username's form; the error is a Fluent message id.
pub fn check_username(name: &str) -> std::result::Result<(), &'static str> {
    let ok_len = (3..=40).contains(&name.len());
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err("error-username")
    }
}

/// A refused login, as it is recorded.
#[derive(Debug, Clone, Copy)]
struct Failure<'a> {
    username: &'a str,
    /// Whether an account has this name. A name that is not an account's may be a password
    /// typed into the wrong field: it is never written to the audit trail.
    known: bool,
    client: &'a str,
    /// Failures within the window, this one included.
    by_account: i64,
    by_client: i64,
    by_pair: i64,
}

impl Failure<'_> {
    /// What the audit trail records of this failure: the first of an account (or from a
    /// client) in the window, and the one that reached a limit, with how many there were. The
    /// failures in between are in the count, not one entry each.
    fn audit(&self, policy: &AuthPolicy) -> Option<(Actor, (&'static str, String))> {
        let actor = Actor {
            id: None,
            name: if self.known {
                self.username.to_string()
            } else {
                "(no such account)".to_string()
            },
            via: None,
        };
        let minutes = policy.window.whole_minutes();
        let event = if self.by_account == policy.max_failures_per_account
            || self.by_client == policy.max_failures_per_client
            || self.by_pair == policy.free_failures_per_pair
        {
            (
                "login-throttled",
                format!(
                    "client={}; {} failures for this name and {} from this client in {minutes} min",
                    self.client, self.by_account, self.by_client
                ),
            )
        } else if self.by_account == 1 || self.by_client == 1 {
            ("login-failed", format!("client={}", self.client))
        } else {
            return None;
        };
        Some((actor, event))
    }
}

/// Failures matching `cond` since `since`: how many, and when the last was.
async fn failures(
    tx: &mut Tx,
    cond: &str,
    binds: &[&str],
    since: &str,
) -> Result<(i64, Option<time::OffsetDateTime>)> {
    let at = binds.len() + 1;
    let sql = format!(
        "SELECT COUNT(*) AS n, MAX(at) AS last FROM login_failure WHERE {cond} AND at >= ${at}"
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b.to_string());
    }
    let row = q.bind(since.to_string()).fetch_one(&mut **tx).await?;
    let last: Option<String> = row.try_get("last")?;
    let last = last.and_then(|t| {
        time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
    });
    Ok((row.try_get("n")?, last))
}

/// Counts the failures of `username` from `client`, of `username` and from `client` within the
/// window; if the last of any of them was too recent for its count, returns how long to wait
/// (`Err`), writing nothing. Otherwise records this attempt as a failure (a good password
/// takes it back) and returns the counts with it: `(account, client, pair)`.
async fn reserve_attempt(
    tx: &mut Tx,
    username: &str,
    client: &str,
    policy: &AuthPolicy,
) -> Result<std::result::Result<(i64, i64, i64), time::Duration>> {
    let now = time::OffsetDateTime::now_utc();
    let since = time_text(now - policy.window);
    let (by_account, account_last) = failures(tx, "username = $1", &[username], &since).await?;
    let (by_client, client_last) = failures(tx, "client = $1", &[client], &since).await?;
    let (by_pair, pair_last) = failures(
        tx,
        "username = $1 AND client = $2",
        &[username, client],
        &since,
    )
    .await?;
    let waits = [
        (
            by_pair,
            pair_last,
            policy.free_failures_per_pair,
            policy.window,
        ),
        (
            by_account,
            account_last,
            policy.max_failures_per_account,
            policy.account_wait_cap,
        ),
        (
            by_client,
            client_last,
            policy.max_failures_per_client,
            policy.window,
        ),
    ];
    let wait = waits
        .iter()
        .filter_map(|(n, last, free, cap)| {
            let until = (*last)? + AuthPolicy::wait(*n, *free, *cap);
            (until > now).then_some(until - now)
        })
        .max();
    if let Some(wait) = wait {
        return Ok(Err(wait));
    }
    sqlx::query("INSERT INTO login_failure (username, client, at) VALUES ($1, $2, $3)")
        .bind(username.to_string())
        .bind(client.to_string())
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
    Ok(Ok((by_account + 1, by_client + 1, by_pair + 1)))
}

/// What became of a change of role or an administrator's password reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminChange {
    /// Applied: the user's sessions and tokens ended.
    Done,
    /// Requested: it waits for a second administrator.
    Requested,
}

/// Stores a password hash for account `id` (`temporary`: set by someone else, to be changed at
/// the next sign-in), ends the account's sessions and tokens, and audits the change.
pub(crate) async fn write_password(
    tx: &mut Tx,
    keys: &Keyring,
    by: &Actor,
    id: &str,
    (hash, temporary): (&str, bool),
) -> Result<()> {
    if next_version(tx, keys, "app_user", id, None)
        .await?
        .is_none()
    {
        return Err(StoreError::NotFound);
    }
    let done = sqlx::query(
        "UPDATE app_user SET password_hash = $1, must_change_password = $2, updated_at = $3 \
         WHERE id = $4",
    )
    .bind(hash.to_string())
    .bind(i64::from(temporary))
    .bind(now_text())
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::NotFound);
    }
    revoke_access(tx, id).await?;
    let event = Event::new(
        if temporary {
            "password-reset"
        } else {
            "password-change"
        },
        "user",
        id,
    )
    .fields(&["password"]);
    append(tx, by, &event);
    Ok(())
}

/// Whether giving `role` needs a second administrator: an administrator (a signed-in user)
/// granting a role that reads personal data. An operator at the command line (a system
/// actor) already holds the server and its keys.
pub(crate) fn needs_second_administrator(by: &Actor, role: Role) -> bool {
    by.id.is_some() && role.has(Capability::ReadPersonal)
}

/// How long a first-run setup link stays valid, in hours.
pub const SETUP_TOKEN_HOURS: i64 = 24;

const USER_COLUMNS: &str =
    "id, username, role, scope, full_name, disabled, version, created_at, totp_enabled_at, \
     must_change_password";

impl Store {
    /// Creates an account. `by` is recorded in the audit trail.
    pub async fn create_user(&self, by: &Actor, new: &NewUser) -> Result<User> {
        check_username(&new.username).map_err(StoreError::Rejected)?;
        setu_core::password::check(&new.password).map_err(StoreError::Rejected)?;
        check_assignment(new.role, new.scope).map_err(StoreError::Rejected)?;
        self.require_scope(new.scope).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let hash = hash_password(&new.password)?;
        let full_name = match &new.full_name {
            Some(n) if !n.trim().is_empty() => {
                Some(
                    self.keys
                        .seal("app_user", "full_name", &id, FIRST_VERSION, n.trim())?,
                )
            }
            _ => None,
        };
        let now = now_text();
        let now = &now;
        let id = &id;
        let hash = &hash;
        let full_name = &full_name;
        self.write(|tx, _| Box::pin(async move {
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM app_user WHERE username = $1")
                .bind(new.username.clone())
                .fetch_optional(&mut **tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::Rejected("error-username-taken"));
        }
        let waits = needs_second_administrator(by, new.role);
        sqlx::query(
            "INSERT INTO app_user (id, username, password_hash, role, scope, full_name, created_at, updated_at, disabled) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
        )
        .bind(id.clone())
        .bind(new.username.clone())
        .bind(hash)
        .bind(new.role.as_str())
        .bind(new.scope.to_string())
        .bind(full_name)
        .bind(now)
        .bind(i64::from(waits))
        .execute(&mut **tx)
        .await?;
        let event = Event::new("create", "user", id)
            .fields(&["username", "role", "scope", "full_name", "password"])
            .detail(format!("role={} scope={}", new.role, new.scope));
        append(tx, by, &event);
        if waits {
            crate::approvals::request(tx, by, id, new.role, new.scope, true).await?;
        }
        Ok(())
        })).await?;
        self.user(id).await
    }

    /// One account by id.
    pub async fn user(&self, id: &str) -> Result<User> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM app_user WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        self.user_from_row(&row)
    }

    /// One account by username.
    pub async fn user_by_name(&self, username: &str) -> Result<User> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM app_user WHERE username = $1"
        ))
        .bind(username.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        self.user_from_row(&row)
    }

    /// The accounts of one scope (an organisation's staff, a booth's workers), by username.
    pub async fn users_in_scope(&self, scope: Scope) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM app_user WHERE scope = $1 ORDER BY username"
        ))
        .bind(scope.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| self.user_from_row(r)).collect()
    }

    /// Every account, by username.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM app_user ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| self.user_from_row(r)).collect()
    }

    /// How many accounts exist (the first start offers a setup link when none does).
    pub async fn user_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM app_user")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Changes role and scope (a permission change, audited), if still at `version`. No one
    /// changes their own; a role that reads personal data, given by an administrator, is only
    /// requested here and waits for a second administrator ([`Store::decide_role_request`]).
    pub async fn set_role(
        &self,
        by: &Actor,
        id: &str,
        version: i64,
        role: Role,
        scope: Scope,
    ) -> Result<AdminChange> {
        check_assignment(role, scope).map_err(StoreError::Rejected)?;
        if by.id.as_deref() == Some(id) {
            return Err(StoreError::Rejected("error-own-role"));
        }
        self.require_scope(scope).await?;
        let before = self.user(id).await?;
        if needs_second_administrator(by, role) {
            if before.version != version {
                return Err(StoreError::Conflict {
                    current: before.version,
                });
            }
            self.write(|tx, _| {
                Box::pin(
                    async move { crate::approvals::request(tx, by, id, role, scope, false).await },
                )
            })
            .await?;
            return Ok(AdminChange::Requested);
        }
        self.record(by, |tx, _| {
            Box::pin(async move {
                let moved = next_version(tx, &self.keys, "app_user", id, Some(version)).await?;
                let done = sqlx::query(
                    "UPDATE app_user SET role = $1, scope = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(role.as_str())
                .bind(scope.to_string())
                .bind(now_text())
                .bind(id.to_string())
                .execute(&mut **tx)
                .await?;
                if moved.is_none() || done.rows_affected() != 1 {
                    return Err(StoreError::Conflict {
                        current: before.version,
                    });
                }
                // Sessions and tokens of a user whose permissions changed start again.
                revoke_access(tx, id).await?;
                let event = Event::new("permission-change", "user", id)
                    .fields(&["role", "scope"])
                    .detail(format!(
                        "{} {} -> {} {}",
                        before.role, before.scope, role, scope
                    ));
                audited((), event)
            })
        })
        .await?;
        Ok(AdminChange::Done)
    }

    /// Disables or re-enables an account; disabling ends its sessions and API tokens.
    pub async fn set_disabled(&self, by: &Actor, id: &str, disabled: bool) -> Result<()> {
        self.record(by, |tx, _| Box::pin(async move {
        // An account created with a role that reads personal data waits, disabled, for a
        // second administrator: enabling it by hand would skip that approval.
        if !disabled && by.id.is_some() {
            let unapproved: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM role_request r WHERE r.user_id = $1 AND r.new_account = 1 \
                 AND NOT EXISTS (SELECT 1 FROM role_request a WHERE a.user_id = $1 AND a.kind = 'role' AND a.outcome = 'approved')",
            )
            .bind(id.to_string())
            .fetch_one(&mut **tx)
            .await?;
            if unapproved > 0 {
                return Err(StoreError::Rejected("error-waits-approval"));
            }
        }
        if next_version(tx, &self.keys, "app_user", id, None).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let done = sqlx::query("UPDATE app_user SET disabled = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(disabled))
            .bind(now_text())
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            revoke_access(tx, id).await?;
        }
        let action = if disabled { "disable" } else { "enable" };
        audited((), Event::new(action, "user", id).fields(&["disabled"]))
        })).await?;
        Ok(())
    }

    /// Sets another person's password, as an administrator (or `setu` at the server). The
    /// password is temporary: the person must choose their own at the next sign-in. For an
    /// account that reads personal data, an administrator's reset is only requested here and
    /// waits for a second administrator ([`Store::decide_role_request`]): otherwise a reset
    /// would let one administrator sign in as a coordinator and read names.
    pub async fn reset_password(
        &self,
        by: &Actor,
        id: &str,
        password: &str,
    ) -> Result<AdminChange> {
        if by.id.as_deref() == Some(id) {
            return Err(StoreError::Rejected("error-own-password-reset"));
        }
        setu_core::password::check(password).map_err(StoreError::Rejected)?;
        let target = self.user(id).await?;
        let hash = hash_password(password)?;
        let hash = &hash;
        if needs_second_administrator(by, target.role) {
            self.write(|tx, _| {
                Box::pin(async move { crate::approvals::request_password(tx, by, id, hash).await })
            })
            .await?;
            return Ok(AdminChange::Requested);
        }
        self.write(|tx, _| {
            Box::pin(async move { write_password(tx, &self.keys, by, id, (hash, true)).await })
        })
        .await?;
        Ok(AdminChange::Done)
    }

    /// Sets one's own password (checked by the caller against the current one).
    pub(crate) async fn set_own_password(&self, user: &User, password: &str) -> Result<()> {
        setu_core::password::check(password).map_err(StoreError::Rejected)?;
        let hash = hash_password(password)?;
        let (hash, by, id) = (&hash, &user.actor(), user.id.as_str());
        self.write(|tx, _| {
            Box::pin(async move { write_password(tx, &self.keys, by, id, (hash, false)).await })
        })
        .await
    }

    /// Checks a username and password from `client`, with throttling, and on success opens
    /// a session. Every attempt is audited.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
        policy: &AuthPolicy,
    ) -> Result<Login> {
        let username = username.trim().to_lowercase();
        // Bounded before anything is read or written: no account has a name of another form,
        // and no password is longer than the policy allows, so such an attempt cannot succeed
        // and is answered without a trace (an anonymous flood must not fill the audit trail).
        if check_username(&username).is_err()
            || password.chars().count() > setu_core::password::MAX_LENGTH
            || client.len() > 100
        {
            return Ok(Login::Refused);
        }
        // Counted and recorded in one write (writes take turns), before the password is
        // checked: parallel guesses cannot all pass the count before any of them is recorded.
        // A good password takes its attempt back.
        let (name, from) = (&username, client);
        let counted = self
            .write(|tx, _| Box::pin(async move { reserve_attempt(tx, name, from, policy).await }))
            .await?;
        let (by_account, by_client, by_pair) = match counted {
            Ok(counts) => counts,
            // Written once, when waiting began (below); attempts while waiting write nothing.
            Err(wait) => {
                return Ok(Login::Throttled {
                    wait_seconds: (wait.whole_milliseconds() as i64 + 999) / 1000,
                })
            }
        };
        let row =
            sqlx::query("SELECT id, password_hash, disabled FROM app_user WHERE username = $1")
                .bind(username.clone())
                .fetch_optional(&self.pool)
                .await?;
        // Verify against a dummy hash for unknown users: the same work, the same time.
        let (id, hash, disabled) = match &row {
            Some(r) => (
                Some(r.try_get::<String, _>("id")?),
                r.try_get::<String, _>("password_hash")?,
                r.try_get::<i64, _>("disabled")? != 0,
            ),
            None => (None, dummy_hash().to_string(), false),
        };
        let password_ok = verify_password(password, &hash);
        let Some(id) = id.filter(|_| password_ok && !disabled) else {
            let failure = Failure {
                username: &username,
                known: row.is_some(),
                client,
                by_account,
                by_client,
                by_pair,
            };
            if let Some(event) = failure.audit(policy) {
                let (actor, event) = (&event.0, &event.1);
                self.write(|tx, _| {
                    Box::pin(async move {
                        append(
                            tx,
                            actor,
                            &Event::new(event.0, "session", "-").detail(&event.1),
                        );
                        Ok(())
                    })
                })
                .await?;
            }
            return Ok(Login::Refused);
        };
        if self.has_second_factor(&id).await? {
            // The password was right; the session waits for the code. Its failures stay
            // counted until then, so a known password does not buy unlimited guesses.
            let challenge = random_token();
            let (hash, id, from) = (hash_secret(&challenge), &id, client);
            let hash = &hash;
            self.write(|tx, _| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO login_challenge (token_hash, user_id, client, created_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(hash.clone())
                    .bind(id.clone())
                    .bind(from.to_string())
                    .bind(now_text())
                    .execute(&mut **tx)
                    .await?;
                    Ok(())
                })
            })
            .await?;
            return Ok(Login::SecondFactor { challenge });
        }
        self.open_session(&id, &username, client, policy).await
    }

    /// The second step of a sign-in: the code (or a recovery code) for a challenge from the
    /// same client. A wrong code counts as a failed sign-in; a challenge takes five codes and
    /// lasts five minutes.
    pub async fn login_second_step(
        &self,
        challenge: &str,
        code: &str,
        client: &str,
        policy: &AuthPolicy,
    ) -> Result<Login> {
        let since = time_text(time::OffsetDateTime::now_utc() - time::Duration::minutes(5));
        let hash = hash_secret(challenge);
        let row = sqlx::query(
            "SELECT c.user_id, u.username, c.attempts FROM login_challenge c \
             JOIN app_user u ON u.id = c.user_id \
             WHERE c.token_hash = $1 AND c.client = $2 AND c.created_at >= $3 AND u.disabled = 0",
        )
        .bind(hash.clone())
        .bind(client.to_string())
        .bind(since)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Login::Refused);
        };
        let (id, username, attempts): (String, String, i64) = (
            row.try_get("user_id")?,
            row.try_get("username")?,
            row.try_get("attempts")?,
        );
        if attempts >= 5 {
            return Ok(Login::Refused);
        }
        let (name, from) = (&username, client);
        let counted = self
            .write(|tx, _| Box::pin(async move { reserve_attempt(tx, name, from, policy).await }))
            .await?;
        if let Err(wait) = counted {
            return Ok(Login::Throttled {
                wait_seconds: (wait.whole_milliseconds() as i64 + 999) / 1000,
            });
        }
        if !self.check_second_factor(&id, code).await? {
            let hash = &hash;
            self.write(|tx, _| {
                Box::pin(async move {
                    sqlx::query(
                        "UPDATE login_challenge SET attempts = attempts + 1 WHERE token_hash = $1",
                    )
                    .bind(hash.clone())
                    .execute(&mut **tx)
                    .await?;
                    Ok(())
                })
            })
            .await?;
            return Ok(Login::SecondFactor {
                challenge: challenge.to_string(),
            });
        }
        let hash = &hash;
        self.write(|tx, _| {
            Box::pin(async move {
                sqlx::query("DELETE FROM login_challenge WHERE token_hash = $1")
                    .bind(hash.clone())
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            })
        })
        .await?;
        self.open_session(&id, &username, client, policy).await
    }

    /// Opens a session for a user whose sign-in succeeded; their failures are forgotten.
    async fn open_session(
        &self,
        id: &str,
        username: &str,
        client: &str,
        policy: &AuthPolicy,
    ) -> Result<Login> {
        let token = random_token();
        let now = now_text();
        let token = &token;
        let now = &now;
        self.write(|tx, _| Box::pin(async move {
        // Housekeeping: sessions past their absolute time-out, old failures and challenges go.
        let stale = time_text(time::OffsetDateTime::now_utc() - policy.absolute);
        sqlx::query("DELETE FROM user_session WHERE created_at < $1")
            .bind(stale)
            .execute(&mut **tx)
            .await?;
        let old_failures = time_text(time::OffsetDateTime::now_utc() - policy.window);
        sqlx::query("DELETE FROM login_failure WHERE at < $1")
            .bind(old_failures.clone())
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM login_challenge WHERE created_at < $1")
            .bind(old_failures)
            .execute(&mut **tx)
            .await?;
        sqlx::query("INSERT INTO user_session (token_hash, user_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(hash_secret(token))
            .bind(id.to_string())
            .bind(random_token())
            .bind(now)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM login_failure WHERE username = $1")
            .bind(username.to_string())
            .execute(&mut **tx)
            .await?;
        append(
            tx,
            &Actor::user(id, username),
            &Event::new("login", "session", "-").detail(format!("client={client}")),
        );
        Ok(())
        })).await?;
        let user = self.user(id).await?;
        Ok(Login::Ok {
            token: token.clone(),
            user,
        })
    }

    /// The live session for a cookie value, touching its idle timer; `None` if it expired,
    /// was revoked, or its user was disabled.
    pub async fn session(&self, token: &str, policy: &AuthPolicy) -> Result<Option<Session>> {
        let now = time::OffsetDateTime::now_utc();
        let row = sqlx::query(
            "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at FROM user_session s \
             JOIN app_user u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.revoked = 0 AND u.disabled = 0",
        )
        .bind(hash_secret(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created: String = row.try_get("created_at")?;
        let seen: String = row.try_get("last_seen_at")?;
        if created < time_text(now - policy.absolute) || seen < time_text(now - policy.idle) {
            return Ok(None);
        }
        // Touch at most once a minute: fewer writes, same idle semantics to the minute.
        if seen < time_text(now - time::Duration::minutes(1)) {
            self.write(|tx, _| {
                Box::pin(async move {
                    sqlx::query("UPDATE user_session SET last_seen_at = $1 WHERE token_hash = $2")
                        .bind(time_text(now))
                        .bind(hash_secret(token))
                        .execute(&mut **tx)
                        .await?;
                    Ok(())
                })
            })
            .await?;
        }
        let mut user = self.user(&row.try_get::<String, _>("user_id")?).await?;
        user.via = Some(session_via(token));
        Ok(Some(Session {
            user,
            csrf_token: row.try_get("csrf_token")?,
        }))
    }

    /// A session that timed out (idle or absolute) but was neither revoked nor signed out, of
    /// an account still enabled: its user's id and its CSRF token, so that a form posted from
    /// it can be carried across a new sign-in by the same person. Only sessions begun within a
    /// day past the absolute limit count; a live session is not lapsed.
    pub async fn lapsed_session(
        &self,
        token: &str,
        policy: &AuthPolicy,
    ) -> Result<Option<(String, String)>> {
        let now = time::OffsetDateTime::now_utc();
        let row = sqlx::query(
            "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at FROM user_session s \
             JOIN app_user u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.revoked = 0 AND u.disabled = 0",
        )
        .bind(hash_secret(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created: String = row.try_get("created_at")?;
        let seen: String = row.try_get("last_seen_at")?;
        let live =
            created >= time_text(now - policy.absolute) && seen >= time_text(now - policy.idle);
        let recent = created >= time_text(now - policy.absolute - time::Duration::days(1));
        if live || !recent {
            return Ok(None);
        }
        Ok(Some((row.try_get("user_id")?, row.try_get("csrf_token")?)))
    }

    /// Ends a session (logout).
    pub async fn logout(&self, token: &str, user: &User) -> Result<()> {
        self.write(|tx, _| {
            Box::pin(async move {
                sqlx::query("UPDATE user_session SET revoked = 1 WHERE token_hash = $1")
                    .bind(hash_secret(token))
                    .execute(&mut **tx)
                    .await?;
                append(tx, &user.actor(), &Event::new("logout", "session", "-"));
                Ok(())
            })
        })
        .await?;
        Ok(())
    }

    /// When no account exists yet: a one-time setup token for the first administrator
    /// (shown once, valid for [`SETUP_TOKEN_HOURS`] until used). It replaces the tokens of
    /// earlier starts, so a link left in an old log opens nothing. `None` once any account
    /// exists.
    pub async fn first_run_setup_token(&self) -> Result<Option<String>> {
        if self.user_count().await? > 0 {
            return Ok(None);
        }
        let token = random_token();
        let hash = hash_secret(&token);
        let hash = &hash;
        self.write(|tx, _| {
            Box::pin(async move {
                sqlx::query("DELETE FROM setup_token WHERE used_at IS NULL")
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("INSERT INTO setup_token (token_hash, created_at) VALUES ($1, $2)")
                    .bind(hash.clone())
                    .bind(now_text())
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            })
        })
        .await?;
        Ok(Some(token))
    }

    /// Uses a setup token to create the first administrator (country scope).
    pub async fn complete_setup(
        &self,
        token: &str,
        username: &str,
        password: &str,
        full_name: Option<String>,
    ) -> Result<User> {
        if self.user_count().await? > 0 {
            return Err(StoreError::NotFound);
        }
        let taken = self
            .write(|tx, _| {
                Box::pin(async move {
                    let since = time_text(
                        time::OffsetDateTime::now_utc() - time::Duration::hours(SETUP_TOKEN_HOURS),
                    );
                    let done = sqlx::query(
                        "UPDATE setup_token SET used_at = $1 \
                         WHERE token_hash = $2 AND used_at IS NULL AND created_at >= $3",
                    )
                    .bind(now_text())
                    .bind(hash_secret(token))
                    .bind(since)
                    .execute(&mut **tx)
                    .await?;
                    Ok(done.rows_affected())
                })
            })
            .await?;
        if taken != 1 {
            return Err(StoreError::NotFound);
        }
        let new = NewUser {
            username: username.to_string(),
            password: password.to_string(),
            role: Role::SystemAdmin,
            scope: Scope::Place(setu_core::PlaceCode::Country),
            full_name,
        };
        match self.create_user(&Actor::system("setup"), &new).await {
            Ok(u) => Ok(u),
            Err(e) => {
                // Give the token back so the administrator can correct the form.
                self.write(|tx, _| {
                    Box::pin(async move {
                        sqlx::query("UPDATE setup_token SET used_at = NULL WHERE token_hash = $1")
                            .bind(hash_secret(token))
                            .execute(&mut **tx)
                            .await?;
                        Ok(())
                    })
                })
                .await?;
                Err(e)
            }
        }
    }

    /// Checks that a scope names something that exists.
    pub async fn require_scope(&self, scope: Scope) -> Result<()> {
        match scope {
            Scope::Place(p) => {
                self.place(p)
                    .await?
                    .ok_or(StoreError::UnknownReference("place"))?;
            }
            Scope::Site(id) => {
                self.site(id)
                    .await
                    .map_err(|_| StoreError::UnknownReference("site"))?;
            }
            Scope::Organisation(id) => {
                self.organisation(id)
                    .await
                    .map_err(|_| StoreError::UnknownReference("organisation"))?;
            }
        }
        Ok(())
    }

    fn user_from_row(&self, r: &AnyRow) -> Result<User> {
        let id: String = r.try_get("id")?;
        let role: String = r.try_get("role")?;
        let scope: String = r.try_get("scope")?;
        let sealed: Option<String> = r.try_get("full_name")?;
        let version: i64 = r.try_get("version")?;
        let full_name = sealed
            .map(|s| self.keys.open("app_user", "full_name", &id, version, &s))
            .transpose()?;
        Ok(User {
            username: r.try_get("username")?,
            role: Role::parse(&role)
                .ok_or_else(|| StoreError::ReferenceData("unknown role".into()))?,
            scope: scope
                .parse()
                .map_err(|_| StoreError::ReferenceData("unknown scope".into()))?,
            full_name,
            disabled: r.try_get::<i64, _>("disabled")? != 0,
            version,
            created_at: r.try_get("created_at")?,
            id,
            via: None,
            limit: None,
            second_factor: r.try_get::<Option<String>, _>("totp_enabled_at")?.is_some(),
            must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        })
    }
}

/// How the audit trail names a session: a prefix of its hash, which identifies it among the
/// user's sessions and cannot be turned back into the cookie.
pub fn session_via(token: &str) -> String {
    format!("session:{}", &hash_secret(token)[..12])
}

/// Ends every session and API token of a user: after a password reset, a change of role or
/// scope, or disabling, nothing issued under the old terms keeps working.
pub(crate) async fn revoke_access(tx: &mut Tx, user_id: &str) -> Result<()> {
    sqlx::query("UPDATE user_session SET revoked = 1 WHERE user_id = $1")
        .bind(user_id.to_string())
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now_text())
        .bind(user_id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
