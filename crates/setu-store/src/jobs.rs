//! Durable jobs: work that need not hold up a request. Keying and matching a saved report,
//! encounter or screening, and re-learning the matching model, are written as a row of `job` in
//! the same transaction as the record, so a job exists exactly when its record does.
//!
//! A worker inside `setu serve` ([`Store::start_worker`]) claims jobs in batches. A claim is a
//! lease: the worker's name and a time until which no one else takes the job (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, so several servers never claim the same one). A job's effects and its
//! completion are written in one transaction, and that transaction checks that the worker still
//! holds the claim, so a job's work is kept once even if a slow worker lost its lease. A server
//! that was killed leaves its claims to run out; the next worker to look takes them over. Every
//! job is safe to run twice: keys are replaced, proposals and notifications are inserted once.
//!
//! Tests, the demo's build and command-line tools run jobs *inline*: the write that queued them
//! drains the queue before it returns, so what they assert does not depend on timing.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use sqlx::Row;
use tokio::sync::Notify;

use crate::write::Tx;
use crate::{now_text, time_text, Engine, Result, Store, StoreError};

/// What a job does.
pub(crate) const MATCH: &str = "match";
/// Re-learn the matching model from the register (its subject is `register:-`).
pub(crate) const RELEARN: &str = "relearn";

/// Jobs claimed at once: a batch of matching is keyed, scored and written together.
const BATCH: usize = 64;

/// Longest a worker waits for the writer's queue to empty before its next batch.
const YIELD_TO_REQUESTS: Duration = Duration::from_millis(250);

/// Attempts before a job is set aside as failed (shown to administrators, never lost).
const MAX_ATTEMPTS: i64 = 5;

/// How long finished jobs are kept (for the status of the queue), in days.
const KEEP_DONE_DAYS: i64 = 2;

/// A job as a worker holds it.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) subject_kind: String,
    pub(crate) subject_id: String,
    /// Which attempt this is; the claim is checked with it when the job finishes.
    pub(crate) attempts: i64,
}

/// How jobs run in a store.
#[derive(Debug)]
pub(crate) struct Jobs {
    /// Drain the queue inside the write that filled it (tests, the demo, tools).
    inline: AtomicBool,
    /// Wakes this server's worker when a write queued something.
    wake: Notify,
    /// This process's name as a worker.
    worker: String,
    /// How long a claim lasts, in seconds.
    lease: AtomicI64,
    stop: AtomicBool,
    /// Jobs finished by this store, for tests and the benchmark.
    finished: AtomicU64,
}

impl Default for Jobs {
    fn default() -> Jobs {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        Jobs {
            inline: AtomicBool::new(true),
            wake: Notify::new(),
            worker: format!("{}-{}", std::process::id(), &tag[..8]),
            lease: AtomicI64::new(15),
            stop: AtomicBool::new(false),
            finished: AtomicU64::new(0),
        }
    }
}

/// The queue at a glance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    /// Waiting to run.
    pub queued: i64,
    /// Claimed by a worker.
    pub running: i64,
    /// Set aside after repeated failures.
    pub failed: i64,
}

/// Queues a job inside the write `tx`. A job for the same subject that is still waiting is
/// enough: the worker reads the record as it is when it runs.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    kind: &str,
    subject_kind: &str,
    subject_id: &str,
    by: &str,
) -> Result<()> {
    enqueue_many(tx, kind, &[(subject_kind, subject_id)], by).await
}

/// Queues one job per subject, in one statement.
pub(crate) async fn enqueue_many(
    tx: &mut Tx,
    kind: &str,
    subjects: &[(&str, &str)],
    by: &str,
) -> Result<()> {
    let now = now_text();
    for chunk in subjects.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO job (kind, subject_kind, subject_id, run_after, requested_by, created_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 2;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("($1, ${}, ${}, $2, $3, $2)", b + 4, b + 5));
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        let mut q = sqlx::query(&sql)
            .bind(kind.to_string())
            .bind(now.clone())
            .bind(by.to_string());
        for (k, id) in chunk {
            q = q.bind(k.to_string()).bind(id.to_string());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Marks a job done inside the write that holds its effects; false if the worker no longer
/// holds it (its lease ran out and another took it), in which case those effects are dropped.
pub(crate) async fn finish(tx: &mut Tx, job: &Job, worker: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE job SET state = 'done', finished_at = $1, lease_until = NULL, error = NULL \
         WHERE id = $2 AND state = 'running' AND claimed_by = $3 AND attempts = $4",
    )
    .bind(now_text())
    .bind(job.id)
    .bind(worker.to_string())
    .bind(job.attempts)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// Runs jobs in the background from now on (a server): writes return as soon as they are
    /// committed, and [`Store::start_worker`] does the work. Off (the default), each write that
    /// queues jobs runs them before it returns.
    pub fn run_jobs_in_background(&self, on: bool) {
        self.jobs.inline.store(!on, Ordering::SeqCst);
    }

    /// How long a worker's claim on a job lasts before another worker may take it over
    /// (default 15 seconds; a worker renews it while a long job runs).
    pub fn set_job_lease(&self, seconds: i64) {
        self.jobs.lease.store(seconds.max(1), Ordering::SeqCst);
    }

    /// This process's name as a worker (claims carry it).
    pub(crate) fn jobs_worker(&self) -> &str {
        &self.jobs.worker
    }

    /// Jobs this store has finished.
    pub fn jobs_finished(&self) -> u64 {
        self.jobs.finished.load(Ordering::Relaxed)
    }

    /// Whether jobs run inside the write that queued them (tests, the demo's build, tools).
    pub(crate) fn jobs_run_inline(&self) -> bool {
        self.jobs.inline.load(Ordering::SeqCst)
    }

    /// Called after a write that queued jobs has committed: runs them now (inline) or wakes the
    /// worker. The write is kept whatever happens here; failures are logged and retried later.
    pub(crate) async fn jobs_queued(&self) {
        if self.jobs.inline.load(Ordering::SeqCst) {
            if let Err(e) = self.drain_jobs().await {
                tracing::warn!(error = %e.log_safe(), "running queued jobs failed; they stay queued");
            }
        } else {
            self.jobs.wake.notify_one();
        }
    }

    /// Runs jobs until none is ready; returns how many ran.
    pub async fn drain_jobs(&self) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.run_jobs().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Claims one batch of ready jobs (and any whose claim ran out) and runs it; returns how many
    /// jobs it claimed.
    pub async fn run_jobs(&self) -> Result<usize> {
        let jobs = self.claim_jobs(BATCH).await?;
        if jobs.is_empty() {
            return Ok(0);
        }
        let (relearn, matching): (Vec<Job>, Vec<Job>) =
            jobs.iter().cloned().partition(|j| j.kind == RELEARN);
        if !matching.is_empty() {
            let outcome = self.run_match_jobs(&matching).await;
            self.settle(&matching, outcome).await?;
        }
        for job in relearn {
            let outcome = self
                .with_renewed_lease(&job, self.run_relearn_job(&job))
                .await;
            self.settle(std::slice::from_ref(&job), outcome).await?;
        }
        Ok(jobs.len())
    }

    /// After a batch: counts what finished, or puts failed jobs back with a delay (or aside,
    /// after too many attempts).
    async fn settle(&self, jobs: &[Job], outcome: Result<usize>) -> Result<()> {
        match outcome {
            Ok(finished) => {
                self.jobs
                    .finished
                    .fetch_add(finished as u64, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                tracing::warn!(jobs = jobs.len(), error = %e.log_safe(), "jobs failed; they will be tried again");
                self.fail_jobs(jobs, &e).await
            }
        }
    }

    /// Runs `work` while renewing the job's claim, so that a long job (re-learning) is not taken
    /// over by another worker while it is still running.
    async fn with_renewed_lease<T>(
        &self,
        job: &Job,
        work: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let lease = self.jobs.lease.load(Ordering::SeqCst);
        let renew = async {
            loop {
                tokio::time::sleep(Duration::from_secs(
                    u64::try_from(lease / 3).unwrap_or(1).max(1),
                ))
                .await;
                if let Err(e) = self.renew_lease(job).await {
                    tracing::warn!(error = %e.log_safe(), "renewing a job's claim failed");
                }
            }
        };
        tokio::select! {
            out = work => out,
            () = renew => Err(StoreError::Transient),
        }
    }

    async fn renew_lease(&self, job: &Job) -> Result<()> {
        let until = self.lease_until();
        let worker = &self.jobs.worker;
        let until = &until;
        self.write(|tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE job SET lease_until = $1 WHERE id = $2 AND claimed_by = $3 AND state = 'running'",
                )
                .bind(until.clone())
                .bind(job.id)
                .bind(worker.clone())
                .execute(&mut **tx)
                .await?;
                Ok(())
            })
        })
        .await
    }

    fn lease_until(&self) -> String {
        let lease = self.jobs.lease.load(Ordering::SeqCst);
        time_text(time::OffsetDateTime::now_utc() + time::Duration::seconds(lease))
    }

    /// Claims up to `max` jobs that are ready, or whose claim ran out, for this worker.
    async fn claim_jobs(&self, max: usize) -> Result<Vec<Job>> {
        let lock = match self.engine {
            Engine::Postgres => "FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        };
        let sql = format!(
            "UPDATE job SET state = 'running', claimed_by = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM job \
               WHERE (state = 'queued' AND run_after <= $3) OR (state = 'running' AND lease_until < $3) \
               ORDER BY id LIMIT $4 {lock}) \
             RETURNING id, kind, subject_kind, subject_id, attempts"
        );
        let now = now_text();
        let until = self.lease_until();
        let worker = &self.jobs.worker;
        let (sql, now, until) = (&sql, &now, &until);
        let limit = i64::try_from(max).unwrap_or(64);
        let rows = self
            .write(|tx, _| {
                Box::pin(async move {
                    Ok(sqlx::query(sql)
                        .bind(worker.clone())
                        .bind(until.clone())
                        .bind(now.clone())
                        .bind(limit)
                        .fetch_all(&mut **tx)
                        .await?)
                })
            })
            .await?;
        let mut jobs = rows
            .iter()
            .map(|r| {
                Ok(Job {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    subject_kind: r.try_get("subject_kind")?,
                    subject_id: r.try_get("subject_id")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    /// Puts jobs that failed back in the queue after a delay that grows with each attempt, or
    /// aside as failed after [`MAX_ATTEMPTS`]. Only what is safe for logs is kept of the error.
    async fn fail_jobs(&self, jobs: &[Job], error: &StoreError) -> Result<()> {
        let why = error.log_safe();
        let worker = &self.jobs.worker;
        let why = &why;
        self.write(|tx, _| {
            Box::pin(async move {
                for job in jobs {
                    let delay = 2i64.pow(u32::try_from(job.attempts.clamp(0, 10)).unwrap_or(0));
                    let after =
                        time_text(time::OffsetDateTime::now_utc() + time::Duration::seconds(delay));
                    let state = if job.attempts >= MAX_ATTEMPTS {
                        "failed"
                    } else {
                        "queued"
                    };
                    // A waiting job for the same subject makes this one redundant.
                    sqlx::query(
                        "UPDATE job SET state = CASE WHEN EXISTS (SELECT 1 FROM job other \
                           WHERE other.kind = job.kind AND other.subject_kind = job.subject_kind \
                           AND other.subject_id = job.subject_id AND other.state = 'queued') \
                           THEN 'done' ELSE $1 END, \
                         run_after = $2, error = $3, claimed_by = NULL, lease_until = NULL \
                         WHERE id = $4 AND claimed_by = $5 AND attempts = $6 AND state = 'running'",
                    )
                    .bind(state)
                    .bind(after)
                    .bind(why.clone())
                    .bind(job.id)
                    .bind(worker.clone())
                    .bind(job.attempts)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }

    /// How many jobs wait, run and failed.
    pub async fn job_counts(&self) -> Result<JobCounts> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM job WHERE state <> 'done' GROUP BY state",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut counts = JobCounts::default();
        for r in rows {
            let state: String = r.try_get("state")?;
            let n: i64 = r.try_get("n")?;
            match state.as_str() {
                "queued" => counts.queued = n,
                "running" => counts.running = n,
                "failed" => counts.failed = n,
                _ => {}
            }
        }
        Ok(counts)
    }

    /// Starts this server's worker: it runs ready jobs as soon as a write queues them, folds
    /// the booths' count changes ([`Store::fold_counts`]), and looks every two seconds for jobs
    /// queued by other servers or left by a server that stopped. Stop it with
    /// [`Store::stop_worker`].
    pub fn start_worker(&self) -> tokio::task::JoinHandle<()> {
        self.run_jobs_in_background(true);
        self.jobs.stop.store(false, Ordering::SeqCst);
        let store = self.clone();
        tokio::spawn(async move {
            let mut pruned = std::time::Instant::now() - Duration::from_secs(3600);
            let (mut tidied, mut folded_since) = (std::time::Instant::now(), 0);
            while !store.jobs.stop.load(Ordering::SeqCst) {
                // Requests first: while phones' syncs wait for the writer, the next batch
                // waits up to a quarter of a second (measured in docs/benchmarks.md).
                store.gate.quiet(YIELD_TO_REQUESTS).await;
                let jobs = match store.run_jobs().await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e.log_safe(), "the job worker could not claim jobs");
                        0
                    }
                };
                // The booths' counts too (see `crate::counts`): reads are exact without it,
                // and faster the fewer changes are left.
                let folded = match store.fold_counts(crate::counts::FOLD_BATCH).await {
                    Ok(n) => i64::try_from(n).unwrap_or(0),
                    Err(e) => {
                        tracing::warn!(error = %e.log_safe(), "the job worker could not fold counts");
                        0
                    }
                };
                folded_since += folded;
                if folded_since > 0 && tidied.elapsed() > Duration::from_secs(60) {
                    (tidied, folded_since) = (std::time::Instant::now(), 0);
                    if let Err(e) = store.tidy_counts(&["count_change"]).await {
                        tracing::warn!(error = %e.log_safe(), "tidying the count changes failed");
                    }
                }
                if jobs > 0 || folded == crate::counts::FOLD_BATCH {
                    continue;
                }
                if pruned.elapsed() > Duration::from_secs(3600) {
                    pruned = std::time::Instant::now();
                    if let Err(e) = store.prune_jobs().await {
                        tracing::warn!(error = %e.log_safe(), "pruning finished jobs failed");
                    }
                }
                tokio::select! {
                    () = store.jobs.wake.notified() => {}
                    () = tokio::time::sleep(Duration::from_secs(2)) => {}
                }
            }
        })
    }

    /// Asks the worker to stop after the batch it is running (the server is shutting down).
    pub fn stop_worker(&self) {
        self.jobs.stop.store(true, Ordering::SeqCst);
        self.jobs.wake.notify_one();
    }

    /// Deletes jobs finished more than [`KEEP_DONE_DAYS`] ago.
    async fn prune_jobs(&self) -> Result<()> {
        let before =
            time_text(time::OffsetDateTime::now_utc() - time::Duration::days(KEEP_DONE_DAYS));
        let before = &before;
        self.write(|tx, _| {
            Box::pin(async move {
                sqlx::query("DELETE FROM job WHERE state = 'done' AND finished_at < $1")
                    .bind(before.clone())
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}
