//! A survivor's support plan (issue 16): goals per assessment domain, tasks toward them with a
//! due date and who is responsible, and the plan's reviews. Their words are about her and are
//! sealed; they are never edited (a goal is achieved or dropped, a task done, and a new one
//! written), so a change of state never touches a sealed value.

use setu_core::calendar::iso;
use setu_core::cases::{CaseStatus, Domain, GoalDraft, ReviewDraft, TaskDraft};
use sqlx::Row;
use time::Date;

use crate::audit::{Actor, Event};
use crate::rekey::UNVERSIONED;
use crate::sealing::Reveal;
use crate::write::audited;
use crate::{now_text, Result, Store, StoreError};

/// A goal and its tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    /// Id (UUID).
    pub id: String,
    /// Its domain.
    pub domain: Domain,
    /// The goal, when revealed.
    pub goal: Option<String>,
    /// open, achieved or dropped.
    pub status: String,
    /// Its tasks, by due date.
    pub tasks: Vec<Task>,
}

/// A task toward a goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Id (UUID).
    pub id: String,
    /// The task, when revealed.
    pub task: Option<String>,
    /// Due on (ISO).
    pub due_on: String,
    /// Who is responsible.
    pub responsible: String,
    /// Done on (ISO), once done.
    pub done_on: Option<String>,
}

/// A review of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Reviewed on (ISO).
    pub reviewed_on: String,
    /// The next review (ISO), if set.
    pub next_review_on: Option<String>,
    /// Note, when revealed.
    pub note: Option<String>,
    /// Who reviewed (username).
    pub reviewed_by: String,
}

/// A whole plan as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Goals in domain order, then as written.
    pub goals: Vec<Goal>,
    /// Reviews, newest first.
    pub reviews: Vec<Review>,
}

/// Words to seal for row `id` of `table`.
fn seal(store: &Store, table: &str, column: &str, id: &str, text: &str) -> Result<String> {
    Ok(store.keys.seal(table, column, id, UNVERSIONED, text)?)
}

impl Store {
    /// A case one may still plan for: not closed.
    async fn plannable(&self, case_id: &str) -> Result<crate::cases::Case> {
        let case = self.case(case_id, Reveal::No).await?;
        if case.status == CaseStatus::Closed {
            return Err(StoreError::Rejected("error-case-status"));
        }
        Ok(case)
    }

    /// Adds a goal to a case's plan.
    pub async fn add_goal(&self, by: &Actor, case_id: &str, d: &GoalDraft) -> Result<String> {
        let case = self.plannable(case_id).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let goal = seal(self, "case_goal", "goal", &id, &d.goal)?;
        let (id, goal) = (&id, &goal);
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO case_goal (id, case_id, domain, goal, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.clone())
                .bind(case_id.to_string())
                .bind(d.domain.as_str())
                .bind(goal.clone())
                .bind(by.name.clone())
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                let mut e = Event::new("create", "case-goal", id).detail(format!("case={case_id}"));
                e.place = case.home;
                audited(id.clone(), e)
            })
        })
        .await
    }

    /// Adds a task toward one of the case's open goals.
    pub async fn add_task(&self, by: &Actor, case_id: &str, d: &TaskDraft) -> Result<String> {
        let case = self.plannable(case_id).await?;
        let open: Option<String> =
            sqlx::query_scalar("SELECT status FROM case_goal WHERE id = $1 AND case_id = $2")
                .bind(d.goal.clone())
                .bind(case_id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        if open.as_deref() != Some("open") {
            return Err(StoreError::Rejected("error-plan-goal"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let task = seal(self, "case_task", "task", &id, &d.task)?;
        let (id, task) = (&id, &task);
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO case_task (id, goal_id, case_id, task, due_on, responsible, \
                     created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id.clone())
                .bind(d.goal.clone())
                .bind(case_id.to_string())
                .bind(task.clone())
                .bind(iso(d.due_on))
                .bind(d.responsible.clone())
                .bind(by.name.clone())
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                let mut e = Event::new("create", "case-task", id).detail(format!("case={case_id}"));
                e.place = case.home;
                audited(id.clone(), e)
            })
        })
        .await
    }

    /// Marks a task of the case done on `on` (once: done again changes nothing).
    pub async fn finish_task(&self, by: &Actor, case_id: &str, task: &str, on: Date) -> Result<()> {
        let case = self.plannable(case_id).await?;
        self.settle_plan_row(
            by,
            "UPDATE case_task SET done_on = $1 WHERE id = $2 AND case_id = $3 AND done_on IS NULL",
            vec![iso(on), task.to_string(), case_id.to_string()],
            ("finish", "case-task", task, case.home),
        )
        .await
    }

    /// Settles a goal of the case: achieved or dropped, on `on` (once).
    pub async fn settle_goal(
        &self,
        by: &Actor,
        case_id: &str,
        goal: &str,
        achieved: bool,
        on: Date,
    ) -> Result<()> {
        let case = self.plannable(case_id).await?;
        let status = if achieved { "achieved" } else { "dropped" };
        self.settle_plan_row(
            by,
            "UPDATE case_goal SET status = $1, settled_on = $2 WHERE id = $3 AND case_id = $4 \
             AND status = 'open'",
            vec![
                status.into(),
                iso(on),
                goal.to_string(),
                case_id.to_string(),
            ],
            (status, "case-goal", goal, case.home),
        )
        .await
    }

    /// One conditional update of a plan's row, audited; nothing to change is refused.
    async fn settle_plan_row(
        &self,
        by: &Actor,
        sql: &'static str,
        values: Vec<String>,
        (action, entity, id, place): (
            &'static str,
            &'static str,
            &str,
            Option<setu_core::PlaceCode>,
        ),
    ) -> Result<()> {
        let values = &values;
        self.record(by, |tx, _| {
            Box::pin(async move {
                let mut q = sqlx::query(sql);
                for v in values {
                    q = q.bind(v.clone());
                }
                if q.execute(&mut **tx).await?.rows_affected() == 0 {
                    return Err(StoreError::Rejected("error-plan-settled"));
                }
                let mut e = Event::new(action, entity, id);
                e.place = place;
                audited((), e)
            })
        })
        .await
    }

    /// Records a review of the case's plan.
    pub async fn review_plan(&self, by: &Actor, case_id: &str, d: &ReviewDraft) -> Result<String> {
        let case = self.plannable(case_id).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let note = d
            .note
            .as_deref()
            .map(|n| seal(self, "case_plan_review", "note", &id, n))
            .transpose()?;
        let (id, note) = (&id, &note);
        self.record(by, |tx, _| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO case_plan_review (id, case_id, reviewed_on, next_review_on, \
                     note, reviewed_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id.clone())
                .bind(case_id.to_string())
                .bind(iso(d.reviewed_on))
                .bind(d.next_review_on.map(iso))
                .bind(note.clone())
                .bind(by.name.clone())
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                let mut e = Event::new("review", "case-plan", id).detail(format!("case={case_id}"));
                e.place = case.home;
                audited(id.clone(), e)
            })
        })
        .await
    }

    /// How many tasks of an organisation's open cases are past their day and not done (the
    /// caseworker's work list).
    pub async fn tasks_overdue(&self, organisation: i64, today: Date) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM case_task t JOIN survivor_case c ON c.id = t.case_id \
             WHERE c.organisation_id = $1 AND c.status <> 'closed' AND c.withdrawn_at IS NULL \
             AND t.done_on IS NULL AND t.due_on < $2",
        )
        .bind(organisation)
        .bind(iso(today))
        .fetch_one(&self.pool)
        .await?)
    }

    /// A case's plan: goals with their tasks, and reviews; the words open with `Reveal::To`,
    /// in one audited view.
    pub async fn case_plan(&self, case_id: &str, reveal: Reveal<'_>) -> Result<Plan> {
        let goals = sqlx::query(
            "SELECT id, domain, goal, status FROM case_goal WHERE case_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let tasks = sqlx::query(
            "SELECT id, goal_id, task, due_on, responsible, done_on FROM case_task \
             WHERE case_id = $1 ORDER BY due_on, id",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let reviews = sqlx::query(
            "SELECT id, reviewed_on, next_review_on, note, reviewed_by FROM case_plan_review \
             WHERE case_id = $1 ORDER BY reviewed_on DESC, created_at DESC",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<String> = [&goals, &tasks, &reviews]
            .iter()
            .flat_map(|rows| rows.iter().map(|r| r.try_get::<String, _>("id")))
            .collect::<std::result::Result<_, _>>()?;
        let open = self
            .page_opener(
                reveal,
                "case-plan",
                "case_goal",
                &ids,
                &["goal", "task", "note"],
                None,
            )
            .await?;
        let mut plan = Plan::default();
        for r in &goals {
            let id: String = r.try_get("id")?;
            let domain: String = r.try_get("domain")?;
            plan.goals.push(Goal {
                domain: Domain::parse(&domain)
                    .ok_or_else(|| StoreError::ReferenceData(format!("domain {domain}")))?,
                goal: open.row("case_goal", &id).get(r, "goal")?,
                status: r.try_get("status")?,
                tasks: Vec::new(),
                id,
            });
        }
        for r in &tasks {
            let id: String = r.try_get("id")?;
            let goal: String = r.try_get("goal_id")?;
            let task = Task {
                task: open.row("case_task", &id).get(r, "task")?,
                due_on: r.try_get("due_on")?,
                responsible: r.try_get("responsible")?,
                done_on: r.try_get("done_on")?,
                id,
            };
            if let Some(g) = plan.goals.iter_mut().find(|g| g.id == goal) {
                g.tasks.push(task);
            }
        }
        plan.goals
            .sort_by_key(|g| Domain::ALL.iter().position(|d| *d == g.domain));
        for r in &reviews {
            let id: String = r.try_get("id")?;
            plan.reviews.push(Review {
                reviewed_on: r.try_get("reviewed_on")?,
                next_review_on: r.try_get("next_review_on")?,
                note: open.row("case_plan_review", &id).get(r, "note")?,
                reviewed_by: r.try_get("reviewed_by")?,
            });
        }
        Ok(plan)
    }
}
