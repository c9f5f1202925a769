//! The matcher: from saved records to proposals for review, run as jobs ([`crate::jobs`]).
//!
//! A save queues a `match` job for its record. A worker takes a batch of them and, for the
//! batch at once:
//! 1. reads the records (opened in memory only) and computes the keyed hashes of their blocking
//!    keys;
//! 2. finds candidates by those hashes, in the register and within the batch;
//! 3. scores each pair with the model and keeps those at least [`PROPOSE_FROM`] likely;
//! 4. writes, in one transaction: the keys, the proposals (a pair already decided is never
//!    proposed again), the alerts, and each job's completion.
//!
//! Steps 1–3 read without holding the write lock, so a batch of matching never holds up a sync.
//! Another worker (another server) may have stored keys in between; step 4 looks again under the
//! lock and starts over if it finds candidates that step 2 did not see, so no pair is missed.
//!
//! **Alerts.** A new proposal between an open missing-person report and a booth screening or a
//! police rescue tells three people: whoever recorded the screening or rescue (to contact the
//! report's local committee, without the report's details), the report's owner, and the
//! district coordinator.
//!
//! **The model** is learned from the register itself (`setu_link::Corpus::run`) and kept as
//! text; a `relearn` job learns it again when what it learned from has doubled since (the whole
//! register for linking, the encounters for merging).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};

use setu_core::geo::PlaceCode;
use setu_link::{Corpus, Model, Settings, Silent, Task};
use sqlx::Row;

use crate::audit::{append, Actor, Event};
use crate::jobs::{self, Job};
use crate::tracing::{LinkRow, RecordKind};
use crate::write::Tx;
use crate::{now_text, Result, Store, StoreError};

/// Pairs at least this likely go to the review queue (below the engine's 0.5, so reviewers
/// also see the doubtful ones, marked as such).
pub const PROPOSE_FROM: f64 = 0.3;

/// From this many records on a task's smaller side (reports and encounters for linking,
/// encounters for merging) the register learns that task from itself; see `model_for`.
pub const TRAIN_FROM: i64 = 250;

/// A learned model is used only if it expects at least this many true pairs per record of the
/// larger side (the starter models expect about 0.5); below it, EM found nothing to learn from.
const MIN_LEARNED_MATCH_RATE: f64 = 0.01;

/// How the register learns.
#[derive(Debug)]
pub(crate) struct Learning {
    /// Records a task needs on its smaller side before it learns ([`TRAIN_FROM`]).
    train_from: AtomicI64,
    /// The register's size (reports, named encounters) as last counted, and when. Counting
    /// scans the screenings, so a worker matching batch after batch reuses it for
    /// [`COUNTS_FOR`]; inline (tests, the demo) it is counted every time.
    counts: std::sync::Mutex<Option<(std::time::Instant, i64, i64)>>,
}

/// How long a worker reuses the register's counts: they only scale the model's prior and say
/// when to learn again, so a few seconds late changes nothing.
const COUNTS_FOR: std::time::Duration = std::time::Duration::from_secs(10);

impl Default for Learning {
    fn default() -> Learning {
        Learning {
            train_from: AtomicI64::new(TRAIN_FROM),
            counts: std::sync::Mutex::new(None),
        }
    }
}

pub(crate) fn task_name(task: Task) -> &'static str {
    match task {
        Task::Link => "link",
        Task::Dedup => "dedup",
    }
}

fn evidence_text(reasons: &[setu_link::Reason]) -> String {
    reasons
        .iter()
        .map(|r| format!("{}={}:{:.2}", r.field.key(), r.level, r.bits))
        .collect::<Vec<_>>()
        .join(";")
}

/// A record named by kind and id.
type Subject = (RecordKind, String);

/// A pair worth proposing.
#[derive(Debug, Clone)]
struct Pair {
    left: Subject,
    right: Subject,
    probability: f64,
    reasons: String,
}

/// What matching a batch found, before it is written.
#[derive(Debug, Default)]
struct Found {
    /// The batch's records in order, with the hashes of their keys.
    subjects: Vec<(Subject, Vec<String>)>,
    /// Every record read (the batch's and their candidates).
    rows: HashMap<Subject, LinkRow>,
    /// Candidates found in the register (for the check under the lock).
    seen: HashSet<Subject>,
    /// Pairs to propose, by the index of the subject that found them.
    pairs: Vec<Vec<Pair>>,
    /// Pairs compared, by subject.
    compared: Vec<usize>,
    /// The register has doubled since the model was learned.
    relearn: bool,
}

/// The model for each task, read once per batch.
#[derive(Debug, Default)]
struct Models {
    link: Option<Option<Model>>,
    dedup: Option<Option<Model>>,
    stale: bool,
}

impl Store {
    /// Lowers (or raises) the number of records a task needs before the register learns it
    /// from itself, for small deployments and tests. The default is [`TRAIN_FROM`].
    pub fn set_train_from(&self, records: i64) {
        self.learning.train_from.store(records, Ordering::SeqCst);
    }

    /// How many records the register's learned model for `task` was learned from, if it has
    /// learned one.
    pub async fn learned_from(&self, task: Task) -> Result<Option<i64>> {
        Ok(
            sqlx::query("SELECT records FROM link_model WHERE task = $1")
                .bind(task_name(task))
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get::<i64, _>("records"))
                .transpose()?,
        )
    }

    /// Every report and encounter as the matcher reads them, opened in memory only.
    async fn all_link_records(&self) -> Result<(Vec<setu_link::Record>, Vec<setu_link::Record>)> {
        let records = |rows: Vec<LinkRow>| rows.into_iter().map(|r| r.record).collect::<Vec<_>>();
        let reports = records(self.link_rows(RecordKind::Report, None).await?);
        let mut encounters = records(self.link_rows(RecordKind::Encounter, None).await?);
        encounters.extend(records(self.link_rows(RecordKind::Screening, None).await?));
        Ok((reports, encounters))
    }

    /// Learns the link and dedup models from the whole register and keeps them. Returns
    /// how many records they learned from.
    pub async fn train_matching(&self) -> Result<usize> {
        let (models, records) = self.learn().await?;
        let (models, counts) = (&models, &records);
        self.write(|tx, _| Box::pin(async move { keep_models(tx, models, counts).await }))
            .await?;
        Ok(records[0])
    }

    /// Runs EM over the register (no lock held: this is the long part). Returns the models
    /// and what each learned from: linking, the whole register; merging, the encounters (so
    /// that a register of many reports learns its merge model again as encounters double, not
    /// only when the whole register does).
    async fn learn(&self) -> Result<([Model; 2], [usize; 2])> {
        let (reports, encounters) = self.all_link_records().await?;
        let records = [reports.len() + encounters.len(), encounters.len()];
        let settings = Settings::default();
        let models = [
            Corpus::link(&reports, &encounters, &Silent)
                .run(&settings, &Silent)
                .model,
            Corpus::dedup(&encounters, &Silent)
                .run(&settings, &Silent)
                .model,
        ];
        Ok((models, records))
    }

    /// The `relearn` job: learns again if the register is still larger than twice what the
    /// model learned from (another job may have done it already), and finishes the job in the
    /// same write as the models.
    pub(crate) async fn run_relearn_job(&self, job: &Job) -> Result<usize> {
        let stale = self.model_for(Task::Link).await?.1 || self.model_for(Task::Dedup).await?.1;
        let learned = if stale {
            Some(self.learn().await?)
        } else {
            None
        };
        let worker = self.jobs_worker();
        let learned = &learned;
        self.write(|tx, _| {
            Box::pin(async move {
                if !jobs::finish(tx, job, worker).await? {
                    return Ok(0);
                }
                if let Some((models, records)) = learned {
                    keep_models(tx, models, records).await?;
                }
                Ok(1)
            })
        })
        .await
    }

    /// The model for `task`, scaled to the register's size, and whether the register has
    /// outgrown the learned model (a `relearn` job is then queued).
    ///
    /// Until the task has [`TRAIN_FROM`] records on its smaller side, the starter model as
    /// it is. Then the register learns from itself, again whenever it has doubled since, and
    /// uses what it learned in two parts: how often strangers agree (u) comes from its own
    /// random pairs and is right for it (a register of 14 wards is not the whole of Nepal),
    /// field by field where the sample saw every level ([`Model::with_strangers_from`]);
    /// what a true match looks like (m, and how many there are) is used only if EM found
    /// matches to learn it from, else the starter model's m and prior stay.
    async fn model_for(&self, task: Task) -> Result<(Option<Model>, bool)> {
        let (reports, encounters) = self.register_counts().await?;
        let larger = match task {
            Task::Link => reports.max(encounters),
            Task::Dedup => encounters,
        };
        let population = usize::try_from(larger).unwrap_or(0).max(1);
        let starter = setu_link::starter_model(task);
        let side = match task {
            Task::Link => reports.min(encounters),
            Task::Dedup => encounters,
        };
        if side < self.learning.train_from.load(Ordering::SeqCst) {
            return Ok((starter.map(|m| m.for_population(population)), false));
        }
        let stored = sqlx::query("SELECT model, records FROM link_model WHERE task = $1")
            .bind(task_name(task))
            .fetch_optional(&self.pool)
            .await?;
        let now = match task {
            Task::Link => reports + encounters,
            Task::Dedup => encounters,
        };
        let stale = match &stored {
            Some(r) => r.try_get::<i64, _>("records")? * 2 <= now,
            None => true,
        };
        let text: Option<String> = stored.map(|r| r.try_get("model")).transpose()?;
        let Some(learned) = text.as_deref().and_then(Model::from_text) else {
            return Ok((starter.map(|m| m.for_population(population)), stale));
        };
        // EM that found almost no pairs (a thousand screenings of different people) learned
        // noise for m, and its prior would hide every new match.
        let model = if learned.prior * learned.population >= MIN_LEARNED_MATCH_RATE {
            learned
        } else {
            match starter {
                Some(s) => s.with_strangers_from(&learned),
                None => return Ok((None, stale)),
            }
        };
        Ok((Some(model.for_population(population)), stale))
    }

    /// How many reports and named encounters the register holds (see [`Learning::counts`]).
    async fn register_counts(&self) -> Result<(i64, i64)> {
        let reuse = !self.jobs_run_inline();
        if reuse {
            if let Ok(cached) = self.learning.counts.lock() {
                if let Some((at, r, e)) = *cached {
                    if at.elapsed() < COUNTS_FOR {
                        return Ok((r, e));
                    }
                }
            }
        }
        let count = |sql: &'static str| async move {
            sqlx::query(sql)
                .fetch_one(&self.pool)
                .await?
                .try_get::<i64, _>("n")
                .map_err(StoreError::from)
        };
        let reports = count("SELECT COUNT(*) AS n FROM missing_report").await?;
        let encounters = count(
            "SELECT (SELECT COUNT(*) FROM tracing_encounter) + (SELECT COUNT(*) FROM screening \
             WHERE given_name IS NOT NULL OR family_name IS NOT NULL) AS n",
        )
        .await?;
        if reuse {
            if let Ok(mut cached) = self.learning.counts.lock() {
                *cached = Some((std::time::Instant::now(), reports, encounters));
            }
        }
        Ok((reports, encounters))
    }

    /// Finds and scores the candidates of one record now and proposes the likely pairs (except
    /// pairs already decided), as a `match` job would. Returns the new proposals' ids.
    pub async fn propose_matches(
        &self,
        _by: &Actor,
        kind: RecordKind,
        id: &str,
    ) -> Result<Vec<String>> {
        let subject = [(kind, id.to_string())];
        Ok(self.match_and_write(&subject, &[]).await?.1)
    }

    /// The `match` jobs of a batch: every record keyed, matched and its proposals written in
    /// one transaction with the jobs' completion. Returns how many jobs finished.
    pub(crate) async fn run_match_jobs(&self, batch: &[Job]) -> Result<usize> {
        let mut subjects: Vec<Subject> = Vec::new();
        for job in batch {
            let Some(kind) = RecordKind::parse(&job.subject_kind) else {
                continue;
            };
            let s = (kind, job.subject_id.clone());
            if !subjects.contains(&s) {
                subjects.push(s);
            }
        }
        Ok(self.match_and_write(&subjects, batch).await?.0)
    }

    /// Matches `subjects` and writes what was found, finishing `jobs`; starts over when another
    /// worker's keys appeared in between. Returns (jobs finished, proposals made).
    async fn match_and_write(
        &self,
        subjects: &[Subject],
        batch: &[Job],
    ) -> Result<(usize, Vec<String>)> {
        for _ in 0..5 {
            let found = self.find_matches(subjects).await?;
            if let Some(done) = self.write_matches(&found, batch).await? {
                return Ok(done);
            }
        }
        Err(StoreError::Transient)
    }

    /// Steps 1–3 (see the module): read, key, find candidates, score.
    async fn find_matches(&self, subjects: &[Subject]) -> Result<Found> {
        let mut found = Found::default();
        self.read_rows(&mut found.rows, subjects).await?;
        for s in subjects {
            let hashes = match found.rows.get(s) {
                Some(row) => self.key_hashes(&row.record),
                None => Vec::new(), // no names to match on (or no longer there)
            };
            found.subjects.push((s.clone(), hashes));
        }
        let all: Vec<String> = found
            .subjects
            .iter()
            .flat_map(|(_, h)| h.iter().cloned())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let by_hash = self.records_with_keys(&all).await?;
        let batch: HashSet<Subject> = subjects.iter().cloned().collect();
        let mut candidates: Vec<Vec<Subject>> = Vec::with_capacity(subjects.len());
        for (s, hashes) in &found.subjects {
            let mut mine: Vec<Subject> = Vec::new();
            for h in hashes {
                for other in by_hash.get(h).into_iter().flatten() {
                    if !batch.contains(other) {
                        found.seen.insert(other.clone());
                    }
                    mine.push(other.clone());
                }
                // Records of the same batch whose keys are not stored yet.
                for (o, oh) in &found.subjects {
                    if o != s && oh.binary_search(h).is_ok() {
                        mine.push(o.clone());
                    }
                }
            }
            mine.sort();
            mine.dedup();
            mine.retain(|o| o != s && !(o.0 == RecordKind::Report && s.0 == RecordKind::Report));
            candidates.push(mine);
        }
        let wanted: Vec<Subject> = candidates.iter().flatten().cloned().collect();
        let missing: Vec<Subject> = wanted
            .into_iter()
            .filter(|c| !found.rows.contains_key(c))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        self.read_rows(&mut found.rows, &missing).await?;
        let mut models = Models::default();
        let mut proposed: HashSet<(Subject, Subject)> = HashSet::new();
        for (i, (s, _)) in found.subjects.iter().enumerate() {
            let mut pairs = Vec::new();
            let mut compared = 0;
            let Some(mine) = found.rows.get(s) else {
                found.pairs.push(pairs);
                found.compared.push(0);
                continue;
            };
            for c in &candidates[i] {
                let Some(other) = found.rows.get(c) else {
                    continue;
                };
                let (left, right) = oriented(mine, other);
                if proposed.contains(&(subject_of(left), subject_of(right))) {
                    continue;
                }
                let task = if left.kind == RecordKind::Report {
                    Task::Link
                } else {
                    Task::Dedup
                };
                let Some(model) = self.model_of(&mut models, task).await? else {
                    continue;
                };
                compared += 1;
                let (probability, reasons) =
                    setu_link::score_pair(&model, &left.record, &right.record);
                if probability < PROPOSE_FROM {
                    continue;
                }
                proposed.insert((subject_of(left), subject_of(right)));
                pairs.push(Pair {
                    left: subject_of(left),
                    right: subject_of(right),
                    probability,
                    reasons: evidence_text(&reasons),
                });
            }
            found.pairs.push(pairs);
            found.compared.push(compared);
        }
        found.relearn = models.stale;
        Ok(found)
    }

    /// The batch's model for `task`, read the first time it is needed.
    async fn model_of(&self, models: &mut Models, task: Task) -> Result<Option<Model>> {
        let slot = match task {
            Task::Link => &mut models.link,
            Task::Dedup => &mut models.dedup,
        };
        if slot.is_none() {
            let (model, stale) = self.model_for(task).await?;
            *slot = Some(model);
            models.stale |= stale;
        }
        Ok(slot.clone().flatten())
    }

    /// Reads records (of any kinds) into `rows`, one query per kind.
    async fn read_rows(
        &self,
        rows: &mut HashMap<Subject, LinkRow>,
        subjects: &[Subject],
    ) -> Result<()> {
        for kind in RecordKind::ALL {
            let ids: Vec<String> = subjects
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| id.clone())
                .collect();
            if ids.is_empty() {
                continue;
            }
            for row in self.link_rows(kind, Some(&ids)).await? {
                rows.insert((kind, row.id.clone()), row);
            }
        }
        Ok(())
    }

    /// The records that have any of `hashes` among their stored keys, by hash.
    async fn records_with_keys(&self, hashes: &[String]) -> Result<HashMap<String, Vec<Subject>>> {
        let mut out: HashMap<String, Vec<Subject>> = HashMap::new();
        for chunk in hashes.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT kind, record_id, key_hash FROM tracing_key WHERE key_hash IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for h in chunk {
                q = q.bind(h.clone());
            }
            for r in q.fetch_all(&self.pool).await? {
                let kind: String = r.try_get("kind")?;
                let Some(kind) = RecordKind::parse(&kind) else {
                    continue;
                };
                out.entry(r.try_get("key_hash")?)
                    .or_default()
                    .push((kind, r.try_get("record_id")?));
            }
        }
        Ok(out)
    }

    /// Step 4: writes keys, proposals, alerts and the jobs' completion in one transaction;
    /// `None` (having written nothing) when candidates appeared that step 2 did not see.
    async fn write_matches(
        &self,
        found: &Found,
        batch: &[Job],
    ) -> Result<Option<(usize, Vec<String>)>> {
        let worker = self.jobs_worker();
        self.write(|tx, _| {
            Box::pin(async move {
                if appeared_since(tx, found).await? {
                    return Ok(None);
                }
                let mut finished = 0;
                let mut made = Vec::new();
                for (i, (subject, hashes)) in found.subjects.iter().enumerate() {
                    let mark = tx.savepoint().await?;
                    store_keys(tx, subject, hashes).await?;
                    let mut new = 0;
                    for pair in &found.pairs[i] {
                        if let Some(id) = propose(tx, found, pair).await? {
                            made.push(id);
                            new += 1;
                        }
                    }
                    if new > 0 {
                        let event = Event::new("match", subject.0.as_str(), &subject.1)
                            .detail(format!("{} compared, {new} proposed", found.compared[i]));
                        append(tx, &Actor::system("matcher"), &event);
                    }
                    let mut kept = true;
                    for job in batch.iter().filter(|j| {
                        j.subject_kind == subject.0.as_str() && j.subject_id == subject.1
                    }) {
                        kept &= jobs::finish(tx, job, worker).await?;
                    }
                    if kept {
                        tx.release().await?;
                        finished += batch
                            .iter()
                            .filter(|j| {
                                j.subject_kind == subject.0.as_str() && j.subject_id == subject.1
                            })
                            .count();
                    } else {
                        // Another worker took these jobs over: its run will write this.
                        tx.undo(mark).await?;
                        made.truncate(made.len() - new);
                    }
                }
                // Jobs for records that are gone or not matchable finish too.
                for job in batch
                    .iter()
                    .filter(|j| RecordKind::parse(&j.subject_kind).is_none())
                {
                    if jobs::finish(tx, job, worker).await? {
                        finished += 1;
                    }
                }
                if found.relearn {
                    jobs::enqueue(tx, jobs::RELEARN, "register", "-", "system:matcher").await?;
                }
                Ok(Some((finished, made)))
            })
        })
        .await
    }
}

/// The report on the left; two encounters in (kind, id) order.
fn oriented<'r>(a: &'r LinkRow, b: &'r LinkRow) -> (&'r LinkRow, &'r LinkRow) {
    let report = |r: &LinkRow| r.kind == RecordKind::Report;
    if report(b)
        || (!report(a) && (b.kind.as_str(), b.id.as_str()) < (a.kind.as_str(), a.id.as_str()))
    {
        (b, a)
    } else {
        (a, b)
    }
}

fn subject_of(r: &LinkRow) -> Subject {
    (r.kind, r.id.clone())
}

/// Whether, under the write lock, records share keys with the batch that step 2 did not see
/// (another worker keyed them in between).
async fn appeared_since(tx: &mut Tx, found: &Found) -> Result<bool> {
    let batch: HashSet<&Subject> = found.subjects.iter().map(|(s, _)| s).collect();
    let hashes: Vec<&String> = found
        .subjects
        .iter()
        .flat_map(|(_, h)| h.iter())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for chunk in hashes.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT DISTINCT kind, record_id FROM tracing_key WHERE key_hash IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for h in chunk {
            q = q.bind((*h).clone());
        }
        for r in q.fetch_all(&mut **tx).await? {
            let kind: String = r.try_get("kind")?;
            let Some(kind) = RecordKind::parse(&kind) else {
                continue;
            };
            let s = (kind, r.try_get::<String, _>("record_id")?);
            if !batch.contains(&s) && !found.seen.contains(&s) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Replaces a record's stored key hashes.
async fn store_keys(tx: &mut Tx, (kind, id): &Subject, hashes: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM tracing_key WHERE kind = $1 AND record_id = $2")
        .bind(kind.as_str())
        .bind(id.clone())
        .execute(&mut **tx)
        .await?;
    if hashes.is_empty() {
        return Ok(());
    }
    let marks: Vec<String> = (0..hashes.len())
        .map(|i| format!("($1, $2, ${})", i + 3))
        .collect();
    let sql = format!(
        "INSERT INTO tracing_key (kind, record_id, key_hash) VALUES {} ON CONFLICT DO NOTHING",
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(kind.as_str()).bind(id.clone());
    for h in hashes {
        q = q.bind(h.clone());
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Inserts a proposal unless the pair is known (proposed or decided); sends its alerts. The
/// new proposal's id, if it is new.
async fn propose(tx: &mut Tx, found: &Found, pair: &Pair) -> Result<Option<String>> {
    let (Some(left), Some(right)) = (found.rows.get(&pair.left), found.rows.get(&pair.right))
    else {
        return Ok(None);
    };
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = sqlx::query(
        "INSERT INTO match_proposal (id, left_kind, left_id, right_kind, right_id, place_code, probability, \
           reasons, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'proposed', $9) \
         ON CONFLICT (left_kind, left_id, right_kind, right_id) DO NOTHING",
    )
    .bind(id.clone())
    .bind(left.kind.as_str())
    .bind(left.id.clone())
    .bind(right.kind.as_str())
    .bind(right.id.clone())
    .bind(left.place.clone())
    .bind(pair.probability)
    .bind(pair.reasons.clone())
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    if raises_alert(left, right) {
        alert(tx, &id, left, right).await?;
    }
    Ok(Some(id))
}

/// A likely match between an open missing-person report and someone met at a booth or rescued
/// by the police: she may be about to cross, or in a police post now.
fn raises_alert(left: &LinkRow, right: &LinkRow) -> bool {
    let open = left.kind == RecordKind::Report
        && matches!(left.flag.as_str(), "missing" | "still-missing");
    let met = match right.kind {
        RecordKind::Screening => true,
        RecordKind::Encounter => right.flag == "police",
        RecordKind::Report => false,
    };
    open && met
}

/// Tells whoever met her (to contact the committee of the report's local level), the report's
/// owner and the district's coordinators. Each is told once, however often the job runs.
async fn alert(tx: &mut Tx, proposal: &str, report: &LinkRow, met: &LinkRow) -> Result<()> {
    let ward: Option<PlaceCode> = report.place.parse().ok();
    let local = ward.and_then(|w| match w {
        PlaceCode::Ward { .. } => w.parent(),
        _ => Some(w),
    });
    let district = local.and_then(PlaceCode::parent);
    let local_text = local.map(|l| l.to_string());
    let mut told: Vec<(String, &str, String)> = vec![
        (met.created_by.clone(), "match-alert", met.id.clone()),
        (
            report.created_by.clone(),
            "match-proposed",
            proposal.to_string(),
        ),
    ];
    if let Some(district) = district {
        let coordinators: Vec<String> = sqlx::query_scalar(
            "SELECT username FROM app_user WHERE role = 'district-coordinator' AND disabled = 0 \
             AND scope = $1 ORDER BY username",
        )
        .bind(district.to_string())
        .fetch_all(&mut **tx)
        .await?;
        for c in coordinators {
            told.push((c, "match-proposed", proposal.to_string()));
        }
    }
    let now = now_text();
    for (username, kind, subject) in told {
        sqlx::query(
            "INSERT INTO notification (id, username, kind, subject, created_at, place_code, dedup_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(username)
        .bind(kind)
        .bind(subject)
        .bind(now.clone())
        .bind(local_text.clone())
        .bind(format!("{kind}:{proposal}"))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Keeps learned models (replacing the earlier ones), each with how many records it learned
/// from.
async fn keep_models(tx: &mut Tx, models: &[Model; 2], records: &[usize; 2]) -> Result<()> {
    for (model, records) in models.iter().zip(records) {
        sqlx::query(
            "INSERT INTO link_model (task, model, records, trained_at) VALUES ($1, $2, CAST($3 AS BIGINT), $4) \
             ON CONFLICT (task) DO UPDATE SET model = EXCLUDED.model, records = EXCLUDED.records, \
             trained_at = EXCLUDED.trained_at",
        )
        .bind(task_name(model.task))
        .bind(model.to_text())
        .bind(records.to_string())
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
