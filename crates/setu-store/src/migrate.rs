//! Schema migrations (one folder per engine, embedded in the binary) and bundled reference
//! data, applied at start and by `setu migrate`. Safe to run from several servers at once:
//! sqlx takes an advisory lock on PostgreSQL, and reference data is upserted.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::{Engine, Result, Store, StoreError};

/// (version, description, SQLite DDL, PostgreSQL DDL)
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "access",
        include_str!("../migrations/sqlite/0002_access.sql"),
        include_str!("../migrations/postgres/0002_access.sql"),
    ),
    (
        3,
        "committees",
        include_str!("../migrations/sqlite/0003_committees.sql"),
        include_str!("../migrations/postgres/0003_committees.sql"),
    ),
    (
        4,
        "parents groups",
        include_str!("../migrations/sqlite/0004_parents_groups.sql"),
        include_str!("../migrations/postgres/0004_parents_groups.sql"),
    ),
    (
        5,
        "youth",
        include_str!("../migrations/sqlite/0005_youth.sql"),
        include_str!("../migrations/postgres/0005_youth.sql"),
    ),
    (
        6,
        "forum",
        include_str!("../migrations/sqlite/0006_forum.sql"),
        include_str!("../migrations/postgres/0006_forum.sql"),
    ),
    (
        7,
        "youth groups",
        include_str!("../migrations/sqlite/0007_youth_groups.sql"),
        include_str!("../migrations/postgres/0007_youth_groups.sql"),
    ),
    (
        8,
        "booths",
        include_str!("../migrations/sqlite/0008_booths.sql"),
        include_str!("../migrations/postgres/0008_booths.sql"),
    ),
    (
        9,
        "tracing",
        include_str!("../migrations/sqlite/0009_tracing.sql"),
        include_str!("../migrations/postgres/0009_tracing.sql"),
    ),
    (
        10,
        "matching",
        include_str!("../migrations/sqlite/0010_matching.sql"),
        include_str!("../migrations/postgres/0010_matching.sql"),
    ),
    (
        11,
        "screening person",
        include_str!("../migrations/sqlite/0011_screening_person.sql"),
        include_str!("../migrations/postgres/0011_screening_person.sql"),
    ),
    (
        12,
        "person merge",
        include_str!("../migrations/sqlite/0012_person_merge.sql"),
        include_str!("../migrations/postgres/0012_person_merge.sql"),
    ),
    (
        13,
        "report organisation",
        include_str!("../migrations/sqlite/0013_report_organisation.sql"),
        include_str!("../migrations/postgres/0013_report_organisation.sql"),
    ),
    (
        14,
        "jobs",
        include_str!("../migrations/sqlite/0014_jobs.sql"),
        include_str!("../migrations/postgres/0014_jobs.sql"),
    ),
    (
        15,
        "two-person rule",
        include_str!("../migrations/sqlite/0015_two_person.sql"),
        include_str!("../migrations/postgres/0015_two_person.sql"),
    ),
    (
        16,
        "consent to tracing",
        include_str!("../migrations/sqlite/0016_consent_tracing.sql"),
        include_str!("../migrations/postgres/0016_consent_tracing.sql"),
    ),
    (
        17,
        "keyed audit trail",
        include_str!("../migrations/sqlite/0017_audit_mac.sql"),
        include_str!("../migrations/postgres/0017_audit_mac.sql"),
    ),
    (
        18,
        "second factor",
        include_str!("../migrations/sqlite/0018_second_factor.sql"),
        include_str!("../migrations/postgres/0018_second_factor.sql"),
    ),
    (
        19,
        "temporary passwords and approved resets",
        include_str!("../migrations/sqlite/0019_password_reset.sql"),
        include_str!("../migrations/postgres/0019_password_reset.sql"),
    ),
    (
        20,
        "corrections with history",
        include_str!("../migrations/sqlite/0020_record_history.sql"),
        include_str!("../migrations/postgres/0020_record_history.sql"),
    ),
    (
        21,
        "withdrawn records and the register's order",
        include_str!("../migrations/sqlite/0021_withdrawal.sql"),
        include_str!("../migrations/postgres/0021_withdrawal.sql"),
    ),
    (
        22,
        "every kind of record corrected and withdrawn",
        include_str!("../migrations/sqlite/0022_every_record.sql"),
        include_str!("../migrations/postgres/0022_every_record.sql"),
    ),
    (
        23,
        "survivor cases and their consents",
        include_str!("../migrations/sqlite/0023_cases.sql"),
        include_str!("../migrations/postgres/0023_cases.sql"),
    ),
    (
        24,
        "a case transferred to another organisation waits for its answer",
        include_str!("../migrations/sqlite/0024_case_transfer.sql"),
        include_str!("../migrations/postgres/0024_case_transfer.sql"),
    ),
    (
        25,
        "survivors' assessments by domain",
        include_str!("../migrations/sqlite/0025_case_assessment.sql"),
        include_str!("../migrations/postgres/0025_case_assessment.sql"),
    ),
    (
        26,
        "survivors' support plans: goals, tasks, reviews",
        include_str!("../migrations/sqlite/0026_case_plan.sql"),
        include_str!("../migrations/postgres/0026_case_plan.sql"),
    ),
    (
        27,
        "follow-ups after a survivor returns home",
        include_str!("../migrations/sqlite/0027_case_followup.sql"),
        include_str!("../migrations/postgres/0027_case_followup.sql"),
    ),
    (
        28,
        "services to survivors, seed funding paid from budget lines",
        include_str!("../migrations/sqlite/0028_case_service.sql"),
        include_str!("../migrations/postgres/0028_case_service.sql"),
    ),
    (
        29,
        "referrals of survivors between organisations",
        include_str!("../migrations/sqlite/0029_case_referral.sql"),
        include_str!("../migrations/postgres/0029_case_referral.sql"),
    ),
    (
        30,
        "the trafficking experience in HTCDS terms, perpetrators",
        include_str!("../migrations/sqlite/0030_case_experience.sql"),
        include_str!("../migrations/postgres/0030_case_experience.sql"),
    ),
    (
        31,
        "the criminal case: report, court, charges, hearings, outcome",
        include_str!("../migrations/sqlite/0031_case_justice.sql"),
        include_str!("../migrations/postgres/0031_case_justice.sql"),
    ),
    (
        32,
        "follow-ups recorded offline: the phone's id",
        include_str!("../migrations/sqlite/0032_followup_client_id.sql"),
        include_str!("../migrations/postgres/0032_followup_client_id.sql"),
    ),
    (
        33,
        "photos and documents on cases and missing-person reports",
        include_str!("../migrations/sqlite/0033_attachment.sql"),
        include_str!("../migrations/postgres/0033_attachment.sql"),
    ),
    (
        34,
        "an organisation's own budget lines for seed funding",
        include_str!("../migrations/sqlite/0034_org_budget_line.sql"),
        include_str!("../migrations/postgres/0034_org_budget_line.sql"),
    ),
    (
        35,
        "ward profiles (population, households) and the indexes ward figures group by",
        include_str!("../migrations/sqlite/0035_ward_profile.sql"),
        include_str!("../migrations/postgres/0035_ward_profile.sql"),
    ),
    (
        36,
        "public statistics releases: drafted, approved by another, published by version",
        include_str!("../migrations/sqlite/0036_stat_release.sql"),
        include_str!("../migrations/postgres/0036_stat_release.sql"),
    ),
    (
        37,
        "ward survey submissions on missing-person reports",
        include_str!("../migrations/sqlite/0037_ward_survey.sql"),
        include_str!("../migrations/postgres/0037_ward_survey.sql"),
    ),
    (
        38,
        "place indexes",
        include_str!("../migrations/sqlite/0038_place_indexes.sql"),
        include_str!("../migrations/postgres/0038_place_indexes.sql"),
    ),
    (
        39,
        "booth counts",
        include_str!("../migrations/sqlite/0039_booth_counts.sql"),
        include_str!("../migrations/postgres/0039_booth_counts.sql"),
    ),
    (
        40,
        "ward figure indexes",
        include_str!("../migrations/sqlite/0040_ward_figure_indexes.sql"),
        include_str!("../migrations/postgres/0040_ward_figure_indexes.sql"),
    ),
    (
        41,
        "case first service",
        include_str!("../migrations/sqlite/0041_case_first_service.sql"),
        include_str!("../migrations/postgres/0041_case_first_service.sql"),
    ),
];

/// The schema version this build migrates to (its last migration's number).
pub fn latest_schema_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

impl Store {
    /// Applies every pending migration, then loads reference data that changed.
    pub async fn migrate(&self) -> Result<()> {
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, name, sqlite, postgres)| {
                let sql = match self.engine {
                    Engine::Sqlite => sqlite,
                    Engine::Postgres => postgres,
                };
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect::<Vec<_>>();
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        };
        migrator
            .run(&self.gate.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        self.load_geography().await?;
        self.seed_risk_catalogue().await?;
        Ok(())
    }

    /// The highest schema version applied.
    pub async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }
}
