//! Every change to the database goes through [`Store::write`]: one writer at a time, the write
//! lock taken before anything is read, and the work of many requests committed together.
//!
//! **Why.** A transaction that starts by reading and then writes cannot wait for the write lock
//! on SQLite: if another writer committed in between, its snapshot is stale and it fails at once
//! (`SQLITE_BUSY_SNAPSHOT`), whatever the busy timeout. So a write here takes the lock first:
//! `BEGIN IMMEDIATE` on SQLite, and on PostgreSQL a lock on the audit trail's head row, which
//! every write needs anyway (so the writers of several servers queue in one order and never
//! deadlock one another). The connections that read are opened read-only, so a write that
//! tried to go round this module would fail in every test instead of failing under load.
//!
//! **Group commit.** One connection writes, and writers take turns on it. The first writer to
//! find no transaction open begins one; each writer runs its body inside a savepoint of that
//! transaction (a body that fails is rolled back alone); the transaction commits once everyone
//! who was waiting when it began has had their turn. The commit (an `fsync`) is the expensive
//! part of a write, so sixty-four phones syncing together cost a handful of commits, not
//! sixty-four. A writer gets its answer only after the commit that holds its work.
//!
//! **Retries.** A body may run more than once: when its group failed to commit, or when the
//! engine reports a transient failure (a lock held by another process past the busy timeout, a
//! serialisation failure or deadlock on PostgreSQL). Bodies therefore change nothing outside
//! the database. When more writers wait than the server can work off, or retries run out, the
//! caller gets [`StoreError::Busy`], which the web layer answers with 503 and `Retry-After`.
//!
//! **Cancellation.** A request whose client goes away is dropped wherever it was waiting. The
//! group notes each step before awaiting it; whoever takes the lock next finds a step left
//! half-done and undoes it (the abandoned body's savepoint, or the whole group, whose other
//! members then run again). Commits run in a task of their own, so they are never abandoned.
//!
//! **Audit.** The audit trail is a hash chain, so appending needs the previous entry's hash.
//! The group holds the head in memory ([`Tx::audit`]) and writes the entries and the new head
//! just before it commits, so that an audited write costs no extra round trip.

use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor, Row};
use tokio::sync::{watch, Mutex, OwnedMutexGuard};

use crate::audit::{append, Actor, AuditCursor, Event};
use crate::crypto::Keyring;
use crate::{Engine, Result, Store, StoreError};

/// A boxed future, as write bodies return them.
pub(crate) type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// Ties the borrow of the transaction (`'c`) to the caller's borrows (`'a`), so that a body
/// may use both. Its only use is in the signature of [`Store::write`]; bodies ignore it (`_`).
#[derive(Debug)]
pub(crate) struct Within<'c, 'a>(PhantomData<&'c &'a ()>);

/// The open transaction as a body sees it: a connection (through `Deref`) and the audit trail's
/// head, which [`crate::audit::append`] writes through.
#[derive(Debug)]
pub(crate) struct Tx {
    conn: PoolConnection<Any>,
    pub(crate) audit: AuditCursor,
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// What the body of an audited write ([`Store::record`]) returns: its value and the event that
/// records what it did.
#[derive(Debug)]
pub(crate) struct Audited<T> {
    pub(crate) value: T,
    pub(crate) event: Event<'static>,
}

/// `value`, recorded by `event`.
pub(crate) fn audited<T>(value: T, event: Event<'static>) -> Result<Audited<T>> {
    Ok(Audited { value, event })
}

/// Where a write stood before one record of a batch (see [`Tx::savepoint`]).
#[derive(Debug)]
pub(crate) struct RecordMark(AuditMark);

impl Tx {
    /// Begins a savepoint for one record of a batch, so that a record that fails can be undone
    /// ([`Tx::undo`]) while the rest of the batch is kept ([`Tx::release`]).
    pub(crate) async fn savepoint(&mut self) -> Result<RecordMark> {
        (&mut *self.conn).execute("SAVEPOINT setu_record").await?;
        Ok(RecordMark(self.audit.mark()))
    }

    /// Keeps what was written since [`Tx::savepoint`].
    pub(crate) async fn release(&mut self) -> Result<()> {
        (&mut *self.conn)
            .execute("RELEASE SAVEPOINT setu_record")
            .await?;
        Ok(())
    }

    /// Undoes what was written since [`Tx::savepoint`], audit entries included.
    pub(crate) async fn undo(&mut self, mark: RecordMark) -> Result<()> {
        (&mut *self.conn)
            .execute("ROLLBACK TO SAVEPOINT setu_record")
            .await?;
        (&mut *self.conn)
            .execute("RELEASE SAVEPOINT setu_record")
            .await?;
        self.audit.reset(mark.0);
        Ok(())
    }
}

/// How a group's commit ended, as its members learn it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Committed,
    /// The group was rolled back after this member's body had run: it runs again.
    Failed,
}

/// The write connection and the group of writers using it.
#[derive(Debug, Default)]
struct Group {
    /// The write connection, kept between groups (`None` until first used, or after it broke).
    tx: Option<Tx>,
    /// A transaction is open on it.
    open: bool,
    /// A statement was awaited and its waiter dropped: the connection's state is unknown until
    /// the whole transaction is rolled back.
    unsure: bool,
    /// Set while a body runs; found still set by the next holder, the body was abandoned
    /// half-way and its savepoint is rolled back.
    running: Option<AuditMark>,
    /// Which group is open (a committer commits only its own).
    serial: u64,
    done: Option<watch::Sender<Option<Outcome>>>,
}

/// Where the audit cursor stood before a body, to put it back if the body is rolled back.
#[derive(Debug, Clone)]
struct AuditMark {
    seq: i64,
    last_hash: String,
    pending: usize,
}

/// Counters, for tests and the benchmark: how well writes are grouped, how often retried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Transactions committed.
    pub commits: u64,
    /// Bodies committed (the writes of requests and jobs).
    pub writes: u64,
    /// Bodies run again after a transient failure.
    pub retries: u64,
    /// Writers turned away because too many were waiting.
    pub refused: u64,
}

#[derive(Debug, Default)]
struct Counters {
    commits: AtomicU64,
    writes: AtomicU64,
    retries: AtomicU64,
    refused: AtomicU64,
}

/// The single writer of a store.
#[derive(Debug)]
pub(crate) struct Gate {
    /// Connections that may write: one is in use at a time (a second waits in reserve on
    /// PostgreSQL, in case the first breaks).
    pub(crate) pool: AnyPool,
    engine: Engine,
    group: Arc<Mutex<Group>>,
    waiting: AtomicUsize,
    /// Most writers that may wait at once before new ones are turned away with `Busy`.
    queue_limit: AtomicUsize,
    counters: Arc<Counters>,
}

/// Attempts of one body before the caller is told the store is busy.
const ATTEMPTS: u32 = 8;

/// Writers that may wait at once by default: about two seconds of work at the rates measured
/// in docs/benchmarks.md.
const QUEUE_LIMIT: usize = 4096;

tokio::task_local! {
    /// Set inside a write body: a body that started another write would wait for itself.
    static IN_WRITE: ();
}

impl Gate {
    /// Waits until no writer is queued, or `at_most` has passed. Background work calls it
    /// before it starts, so that people waiting on a write go first, yet it still progresses
    /// under constant load.
    pub(crate) async fn quiet(&self, at_most: Duration) {
        let until = tokio::time::Instant::now() + at_most;
        while self.waiting.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub(crate) fn new(pool: AnyPool, engine: Engine) -> Gate {
        Gate {
            pool,
            engine,
            group: Arc::default(),
            waiting: AtomicUsize::new(0),
            queue_limit: AtomicUsize::new(QUEUE_LIMIT),
            counters: Arc::default(),
        }
    }
}

/// Runs one statement of the gate's own on the write connection, noting it first so that a
/// dropped waiter leaves the group marked unsure.
async fn exec(g: &mut Group, sql: &'static str) -> Result<()> {
    let Some(tx) = g.tx.as_mut() else {
        return Err(StoreError::Transient);
    };
    g.unsure = true;
    let done = (&mut **tx).execute(sql).await;
    g.unsure = false;
    done?;
    Ok(())
}

/// Closes the write connection (rather than returning it to the pool, where it might carry a
/// transaction): the next writer takes a fresh one.
fn discard(g: &mut Group) {
    if let Some(tx) = g.tx.take() {
        drop(tx.conn.detach());
    }
}

/// Puts the write connection back in a known state after an abandoned step: an abandoned body's
/// savepoint is rolled back; anything else rolls back the whole group.
async fn recover(g: &mut Group) {
    if !g.unsure {
        if let Some(mark) = g.running.take() {
            let undone = async {
                exec(g, "ROLLBACK TO SAVEPOINT setu_write").await?;
                exec(g, "RELEASE SAVEPOINT setu_write").await
            }
            .await;
            match undone {
                Ok(()) => {
                    if let Some(tx) = g.tx.as_mut() {
                        tx.audit.reset(mark);
                    }
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e.log_safe(), "undoing an abandoned write failed")
                }
            }
        } else {
            return;
        }
    }
    abort(g).await;
}

/// Rolls back the open transaction; its members run their bodies again. If even that fails,
/// the connection is dropped and a fresh one is taken next time.
async fn abort(g: &mut Group) {
    g.running = None;
    if g.open || g.unsure {
        let rolled_back = match g.tx.as_mut() {
            Some(tx) => (&mut **tx).execute("ROLLBACK").await.is_ok(),
            None => true,
        };
        if !rolled_back {
            discard(g);
        }
    }
    g.open = false;
    g.unsure = false;
    if let Some(done) = g.done.take() {
        let _ = done.send(Some(Outcome::Failed));
    }
}

/// Waits for the lock behind everyone queued when the group opened, then commits the group
/// (unless it already ended). A task of its own, so a group commits even if every request in
/// it was cancelled.
async fn commit_in_turn(group: Arc<Mutex<Group>>, serial: u64, counters: Arc<Counters>) {
    let mut g = group.lock_owned().await;
    if g.serial != serial || !g.open {
        return;
    }
    recover(&mut g).await;
    if !g.open {
        return;
    }
    match commit(&mut g).await {
        Ok(()) => {
            counters.commits.fetch_add(1, Ordering::Relaxed);
            g.open = false;
            if let Some(done) = g.done.take() {
                let _ = done.send(Some(Outcome::Committed));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e.log_safe(), "a group of writes failed to commit; running them again");
            g.unsure = true;
            abort(&mut g).await;
        }
    }
}

/// Writes the group's audit entries and head, then commits.
async fn commit(g: &mut Group) -> Result<()> {
    let Some(tx) = g.tx.as_mut() else {
        return Err(StoreError::Transient);
    };
    g.unsure = true;
    let entries = std::mem::take(&mut tx.audit.pending);
    for chunk in entries.chunks(200) {
        crate::audit::insert_entries(&mut tx.conn, chunk).await?;
    }
    if !entries.is_empty() {
        sqlx::query("UPDATE audit_head SET seq = $1, last_hash = $2, mac = $3 WHERE id = 1")
            .bind(tx.audit.seq)
            .bind(tx.audit.last_hash.clone())
            .bind(tx.audit.head_mac())
            .execute(&mut *tx.conn)
            .await?;
    }
    (&mut *tx.conn).execute("COMMIT").await?;
    g.unsure = false;
    Ok(())
}

/// Whether an error is worth running the body again for: the engine said "not now", not "no".
pub(crate) fn is_transient(e: &StoreError) -> bool {
    match e {
        StoreError::Transient => true,
        StoreError::Database(sqlx::Error::Database(db)) => {
            let code = db.code().unwrap_or_default();
            // SQLite: BUSY (5) and LOCKED (6) with their extended codes. PostgreSQL:
            // serialization_failure, deadlock_detected, lock_not_available.
            matches!(
                code.as_ref(),
                "5" | "261" | "517" | "773" | "6" | "262" | "40001" | "40P01" | "55P03"
            )
        }
        StoreError::Database(sqlx::Error::PoolTimedOut) => true,
        _ => false,
    }
}

/// Leaves the waiting count when a writer is done, however it ends.
struct Waiting<'g>(&'g AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Store {
    /// Runs `body` in a write transaction and returns its value once that transaction has
    /// committed (see the module's notes). `body` may run more than once and must change
    /// nothing outside the database. It must not start another write (that is refused with
    /// [`StoreError::NestedWrite`]): it calls the crate's functions that take `&mut Tx`.
    ///
    /// A write that creates or changes one record uses [`Store::record`] instead, which writes
    /// its audit entry; this one is for writes whose audit entries depend on what they find
    /// (a sync batch, a decision on a match) and for bookkeeping that is not an event (job
    /// leases, sign-in attempt counters, the session's last use).
    pub(crate) async fn write<'a, T, F>(&'a self, body: F) -> Result<T>
    where
        F: for<'c> FnMut(&'c mut Tx, Within<'c, 'a>) -> BoxFuture<'c, Result<T>> + Send + 'a,
        T: Send,
    {
        self.run(body, |_, v| v).await
    }

    /// The audited write: runs `body`, which returns its value together with the event that
    /// records it ([`Audited`]), and appends that event by `by` in the same transaction. A
    /// body cannot forget its audit entry, because it has no other way to return.
    pub(crate) async fn record<'a, T, F>(&'a self, by: &'a Actor, body: F) -> Result<T>
    where
        F: for<'c> FnMut(&'c mut Tx, Within<'c, 'a>) -> BoxFuture<'c, Result<Audited<T>>>
            + Send
            + 'a,
        T: Send,
    {
        self.run(body, |tx, done: Audited<T>| {
            append(tx, by, &done.event);
            done.value
        })
        .await
    }

    /// [`Store::write`] with a last step (`seal`) run on the transaction after the body
    /// succeeded, inside its savepoint.
    async fn run<'a, R, T, F, S>(&'a self, mut body: F, mut seal: S) -> Result<T>
    where
        F: for<'c> FnMut(&'c mut Tx, Within<'c, 'a>) -> BoxFuture<'c, Result<R>> + Send + 'a,
        S: FnMut(&mut Tx, R) -> T + Send,
        R: Send,
        T: Send,
    {
        if IN_WRITE.try_with(|()| ()).is_ok() {
            tracing::error!("a write was started inside another write; refused");
            return Err(StoreError::NestedWrite);
        }
        let gate = &self.gate;
        let queued = gate.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&gate.waiting);
        if queued >= gate.queue_limit.load(Ordering::Relaxed) {
            gate.counters.refused.fetch_add(1, Ordering::Relaxed);
            return Err(StoreError::Busy);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.write_once(&mut body, &mut seal).await {
                Ok(v) => {
                    gate.counters.writes.fetch_add(1, Ordering::Relaxed);
                    return Ok(v);
                }
                Err(e) if is_transient(&e) => {
                    if attempt >= ATTEMPTS {
                        tracing::warn!(error = %e.log_safe(), attempts = attempt, "a write gave up after retries");
                        return Err(StoreError::Busy);
                    }
                    gate.counters.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One attempt: join (or open) the group, run the body in a savepoint, wait for the commit.
    async fn write_once<'a, R, T, F, S>(&'a self, body: &mut F, seal: &mut S) -> Result<T>
    where
        F: for<'c> FnMut(&'c mut Tx, Within<'c, 'a>) -> BoxFuture<'c, Result<R>> + Send + 'a,
        S: FnMut(&mut Tx, R) -> T + Send,
        R: Send,
        T: Send,
    {
        let mut g: OwnedMutexGuard<Group> = Arc::clone(&self.gate.group).lock_owned().await;
        recover(&mut g).await;
        if !g.open {
            self.open_group(&mut g).await?;
        }
        let mark = match g.tx.as_ref() {
            Some(tx) => tx.audit.mark(),
            None => return Err(StoreError::Transient),
        };
        if let Err(e) = exec(&mut g, "SAVEPOINT setu_write").await {
            tracing::warn!(error = %e.log_safe(), "a write could not begin its savepoint");
            abort(&mut g).await;
            return Err(StoreError::Transient);
        }
        g.running = Some(mark.clone());
        let result = match g.tx.as_mut() {
            Some(tx) => IN_WRITE
                .scope((), body(tx, Within(PhantomData)))
                .await
                .and_then(|r| match g.tx.as_mut() {
                    Some(tx) => Ok(seal(tx, r)),
                    None => Err(StoreError::Transient),
                }),
            None => Err(StoreError::Transient),
        };
        g.running = None;
        let value = match result {
            Ok(v) => v,
            Err(e) => {
                let undone = async {
                    exec(&mut g, "ROLLBACK TO SAVEPOINT setu_write").await?;
                    exec(&mut g, "RELEASE SAVEPOINT setu_write").await
                }
                .await;
                match (undone, g.tx.as_mut()) {
                    (Ok(()), Some(tx)) => tx.audit.reset(mark),
                    _ => abort(&mut g).await,
                }
                return Err(e);
            }
        };
        if let Err(e) = exec(&mut g, "RELEASE SAVEPOINT setu_write").await {
            tracing::warn!(error = %e.log_safe(), "a write could not release its savepoint");
            abort(&mut g).await;
            return Err(StoreError::Transient);
        }
        let Some(done) = g.done.as_ref() else {
            return Err(StoreError::Transient);
        };
        let mut outcome = done.subscribe();
        drop(g);
        match outcome.wait_for(Option::is_some).await.map(|o| *o) {
            Ok(Some(Outcome::Committed)) => Ok(value),
            _ => Err(StoreError::Transient),
        }
    }

    /// Begins a group's transaction with the write lock held, reads the audit head, and starts
    /// the task that will commit it.
    async fn open_group(&self, g: &mut Group) -> Result<()> {
        if g.tx.is_none() {
            let conn = self.gate.pool.acquire().await?;
            g.tx = Some(Tx {
                conn,
                audit: AuditCursor::default(),
            });
        }
        let (begin, head) = match self.gate.engine {
            Engine::Sqlite => (
                "BEGIN IMMEDIATE",
                "SELECT seq, last_hash, keyed_from FROM audit_head WHERE id = 1",
            ),
            Engine::Postgres => (
                "BEGIN",
                "SELECT seq, last_hash, keyed_from FROM audit_head WHERE id = 1 FOR UPDATE",
            ),
        };
        if let Err(e) = exec(g, begin).await {
            // A connection that cannot begin may be broken: take a fresh one next time.
            if !is_transient(&e) {
                discard(g);
            }
            return Err(e);
        }
        g.open = true;
        g.unsure = true;
        if let Err(e) = read_head(g, head, &self.keys).await {
            abort(g).await;
            return Err(e);
        }
        g.unsure = false;
        let (send, _) = watch::channel(None);
        g.serial += 1;
        g.done = Some(send);
        // The commit queues for the lock now, behind everyone already waiting: they all join
        // this group, and whoever comes after the commit starts the next one.
        tokio::spawn(commit_in_turn(
            Arc::clone(&self.gate.group),
            g.serial,
            Arc::clone(&self.gate.counters),
        ));
        Ok(())
    }

    /// Ends the writer: waits for the group under way, rolls back anything left open, and
    /// closes the write connection (which the writer otherwise keeps between groups).
    pub(crate) async fn close_writer(&self) {
        let mut g = Arc::clone(&self.gate.group).lock_owned().await;
        recover(&mut g).await;
        if g.open {
            abort(&mut g).await;
        }
        if let Some(tx) = g.tx.take() {
            let _ = tx.conn.close().await;
        }
        self.gate.pool.close().await;
    }

    /// Counters of the writer since this store opened.
    pub fn write_stats(&self) -> WriteStats {
        let c = &self.gate.counters;
        WriteStats {
            commits: c.commits.load(Ordering::Relaxed),
            writes: c.writes.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
        }
    }

    /// How many writers may wait at once (default 4,096); beyond it a write is refused with
    /// [`StoreError::Busy`] at once, which the web layer answers with 503 and `Retry-After`.
    pub fn set_write_queue_limit(&self, writers: usize) {
        self.gate.queue_limit.store(writers, Ordering::Relaxed);
    }
}

/// Reads the audit trail's head into the group's cursor (on PostgreSQL, locking it).
async fn read_head(g: &mut Group, sql: &'static str, keys: &Arc<Keyring>) -> Result<()> {
    let tx = g.tx.as_mut().ok_or(StoreError::Transient)?;
    let row = sqlx::query(sql).fetch_one(&mut *tx.conn).await?;
    tx.audit = AuditCursor::new(
        row.try_get("seq")?,
        row.try_get("last_hash")?,
        row.try_get("keyed_from")?,
        Arc::clone(keys),
    );
    Ok(())
}

/// Waits a little longer after each failed attempt, with jitter so that retries spread out.
fn backoff(attempt: u32) -> Duration {
    let base = 5u64 << attempt.min(7);
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % (base / 2 + 1);
    Duration::from_millis(base + jitter)
}

impl AuditCursor {
    fn mark(&self) -> AuditMark {
        AuditMark {
            seq: self.seq,
            last_hash: self.last_hash.clone(),
            pending: self.pending.len(),
        }
    }

    fn reset(&mut self, mark: AuditMark) {
        self.seq = mark.seq;
        self.last_hash = mark.last_hash;
        self.pending.truncate(mark.pending);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
    use super::*;
    use crate::crypto::Keyring;
    use crate::ConnectOptions;

    /// A write started from inside another would wait for the lock its own caller holds: it
    /// is refused at once instead, and the store keeps writing.
    #[tokio::test]
    async fn a_write_inside_another_is_refused_not_deadlocked() {
        let dir = std::env::temp_dir().join(format!("setu-nested-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut o = ConnectOptions::new(format!("sqlite://{}", dir.join("t.db").display()));
        o.keys = std::sync::Arc::new(Keyring::ephemeral());
        let store = Store::open(&o).await.unwrap();
        let inner = store.clone();
        let outer = store.write(move |_tx, _| {
            let inner = inner.clone();
            Box::pin(async move { inner.write(|_tx, _| Box::pin(async { Ok(()) })).await })
        });
        let result = tokio::time::timeout(Duration::from_secs(10), outer)
            .await
            .expect("a nested write must not deadlock");
        assert!(matches!(result, Err(StoreError::NestedWrite)), "{result:?}");
        store
            .write(|_tx, _| Box::pin(async { Ok(()) }))
            .await
            .unwrap();
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
