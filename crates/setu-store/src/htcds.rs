//! Case data for the HTCDS export (issue 17, point 8): per case of an organisation, only what
//! the standard's shared data set needs and nothing that names her (no names, no birth date,
//! no ward, no free text but the destination, which the web layer reduces to a country).

use setu_core::access::Scope;
use setu_core::cases::{CaseStatus, CloseReason};
use setu_core::community::Sex;
use sqlx::Row;

use crate::experience::split;
use crate::scope::scope_condition;
use crate::{Result, Store};

/// One case as the export reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseData {
    /// Where the case stands.
    pub status: CaseStatus,
    /// Why it closed.
    pub close_reason: Option<CloseReason>,
    /// Her sex.
    pub sex: Sex,
    /// Her year of birth (AD), if known.
    pub birth_year: Option<i64>,
    /// The day the case was opened (ISO).
    pub opened_on: String,
    /// Her experience, as recorded (`None`: not yet).
    pub experience: Option<crate::experience::Experience>,
}

impl Store {
    /// Every case inside `scope` (an organisation's own) for the HTCDS export.
    pub async fn htcds_cases(&self, scope: Scope) -> Result<Vec<CaseData>> {
        let (cond, value) =
            scope_condition(scope, 1, "c.home_ward", None, Some("c.organisation_id"));
        let sql = format!(
            "SELECT c.status, c.close_reason, c.sex, c.birth_year, c.opened_on, \
             e.status AS e_status, e.exploitation, e.recruitment, e.control, e.destination, \
             e.age_trafficked, e.months, e.version \
             FROM survivor_case c LEFT JOIN case_experience e ON e.case_id = c.id \
             WHERE {cond} AND c.withdrawn_at IS NULL ORDER BY c.opened_on, c.id"
        );
        let mut out = Vec::new();
        for row in self.scoped_rows(&sql, value).await? {
            let version: Option<i64> = row.try_get("version")?;
            let experience = match version {
                Some(version) => Some(crate::experience::Experience {
                    version,
                    status: row
                        .try_get::<Option<String>, _>("e_status")?
                        .and_then(|s| setu_core::cases::TraffickingStatus::parse(&s)),
                    exploitation: split(
                        &row.try_get::<String, _>("exploitation")?,
                        setu_core::cases::Exploitation::parse,
                    ),
                    recruitment: split(
                        &row.try_get::<String, _>("recruitment")?,
                        setu_core::cases::Recruitment::parse,
                    ),
                    control: split(
                        &row.try_get::<String, _>("control")?,
                        setu_core::cases::Control::parse,
                    ),
                    destination: row.try_get("destination")?,
                    age_trafficked: row.try_get("age_trafficked")?,
                    months: row.try_get("months")?,
                }),
                None => None,
            };
            out.push(CaseData {
                status: CaseStatus::parse(&row.try_get::<String, _>("status")?)
                    .unwrap_or(CaseStatus::Open),
                close_reason: row
                    .try_get::<Option<String>, _>("close_reason")?
                    .and_then(|s| CloseReason::parse(&s)),
                sex: Sex::parse(&row.try_get::<String, _>("sex")?).unwrap_or(Sex::Other),
                birth_year: row.try_get("birth_year")?,
                opened_on: row.try_get("opened_on")?,
                experience,
            });
        }
        Ok(out)
    }
}
