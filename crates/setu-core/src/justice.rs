//! Justice for a survivor (issue 16, point 8): the criminal case her case may record — the
//! police report and its FIR number, the court, the charges under the Human Trafficking and
//! Transportation (Control) Act, 2064 (2007), the hearings with the support she was given to
//! testify, and the outcome. The FIR and court case numbers identify her in public records and
//! are sealed by the store; the names of the accused are never recorded (perpetrators are kept
//! only as relation and role, see [`crate::cases::Relation`]).

use serde::{Deserialize, Serialize};

use crate::cases::ticked;
use crate::validation::{Checker, Invalid};

kinds! {
    /// A charge under the Act, by its section. Stored as a short code; its message id is
    /// `charge-<code>`.
    Charge {
        /// s. 4(1)(a): selling or buying a person for any purpose.
        Sale = "4-1-a",
        /// s. 4(1)(b): using someone in prostitution, with or without benefit.
        Prostitution = "4-1-b",
        /// s. 4(1)(c): removing a human organ other than as the law allows.
        OrganRemoval = "4-1-c",
        /// s. 4(1)(d): going for prostitution (the buyer).
        BuyingSex = "4-1-d",
        /// s. 4(2)(a): taking a person out of the country to sell or buy her.
        TakingAbroad = "4-2-a",
        /// s. 4(2)(b): taking a person from her home by enticement, deceit, force or threat, for
        /// prostitution or exploitation (transportation).
        Transportation = "4-2-b",
        /// s. 15: attempt, conspiracy or complicity.
        Complicity = "15",
    }
}

kinds! {
    /// What a hearing was for.
    HearingPurpose {
        /// Her statement to the police or the government attorney.
        Statement = "statement",
        /// Her testimony in court.
        Testimony = "testimony",
        /// A hearing of the case without her testimony.
        Hearing = "hearing",
        /// The judgment.
        Judgment = "judgment",
    }
}

kinds! {
    /// Support given (or planned) so that she can testify safely.
    TestimonySupport {
        /// A lawyer at her side.
        LegalRepresentation = "legal-representation",
        /// Taken to court and back by a caseworker.
        Escort = "escort",
        /// A closed hearing: the public and the accused's people kept out.
        ClosedHearing = "closed-hearing",
        /// Prepared and accompanied by a counsellor.
        Psychosocial = "psychosocial",
        /// Travel, food and lodging paid.
        TravelCosts = "travel-costs",
        /// Police protection.
        Protection = "protection",
        /// An interpreter.
        Interpreter = "interpreter",
    }
}

kinds! {
    /// Where the criminal case stands.
    CourtOutcome {
        /// Under investigation or before the court.
        Pending = "pending",
        /// The accused (or some of them) convicted.
        Convicted = "convicted",
        /// The accused acquitted.
        Acquitted = "acquitted",
        /// Not prosecuted or dismissed.
        Dismissed = "dismissed",
    }
}

/// The criminal case as typed; charges are checkboxes `charge_<code>` = on.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct JusticeForm {
    /// The version it was read at (0 for none yet).
    #[serde(default)]
    pub version: String,
    /// The police office the report was made at.
    #[serde(default)]
    pub police_office: String,
    /// The FIR number (sealed).
    #[serde(default)]
    pub fir_number: String,
    /// Reported on (BS).
    #[serde(default)]
    pub reported_on: String,
    /// The court.
    #[serde(default)]
    pub court: String,
    /// The court's case number (sealed).
    #[serde(default)]
    pub court_case: String,
    /// [`CourtOutcome`].
    #[serde(default)]
    pub outcome: String,
    /// Decided on (BS), once not pending.
    #[serde(default)]
    pub decided_on: String,
    /// Compensation ordered for her, in rupees (s. 17 of the Act), once convicted.
    #[serde(default)]
    pub compensation: String,
    /// The checkboxes, by name.
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// The criminal case to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JusticeDraft {
    /// The version it was read at.
    pub version: i64,
    /// The police office.
    pub police_office: String,
    /// The FIR number.
    pub fir_number: String,
    /// Reported on.
    pub reported_on: time::Date,
    /// The court.
    pub court: Option<String>,
    /// The court's case number.
    pub court_case: Option<String>,
    /// Charges (at least one).
    pub charges: Vec<Charge>,
    /// Where it stands.
    pub outcome: CourtOutcome,
    /// Decided on.
    pub decided_on: Option<time::Date>,
    /// Compensation ordered, in rupees.
    pub compensation: Option<i64>,
}

impl JusticeForm {
    /// Checks every field at once: a report needs its office, number, day and at least one
    /// charge; a court case number needs its court; a decision needs its day, after the report;
    /// compensation is ordered only on a conviction.
    pub fn check(&self, today: time::Date) -> Result<JusticeDraft, Invalid> {
        let mut c = Checker::default();
        let police_office = c.text("police_office", &self.police_office, 120);
        let fir_number = c.text("fir_number", &self.fir_number, 40);
        let reported_on = c.past_date("reported_on", &self.reported_on, today);
        let court = c.optional_text("court", &self.court, 120);
        let court_case = c.optional_text("court_case", &self.court_case, 40);
        if court_case.is_some() && court.is_none() {
            c.fail("court", "error-justice-court");
        }
        let charges = ticked(&self.fields, "charge", Charge::ALL, Charge::as_str);
        if charges.is_empty() {
            c.fail("charge_4-1-a", "error-justice-charge");
        }
        let outcome = match self.outcome.trim() {
            "" => Some(CourtOutcome::Pending),
            typed => c.choose("outcome", typed, CourtOutcome::parse),
        };
        let decided_on = c.bs_date("decided_on", &self.decided_on);
        match (outcome, decided_on) {
            (Some(CourtOutcome::Pending), Some(_)) => c.fail("decided_on", "error-justice-pending"),
            (Some(o), None) if o != CourtOutcome::Pending => c.fail("decided_on", "error-required"),
            (_, Some(d)) if d > today => c.fail("decided_on", "error-date-future"),
            (_, Some(d)) if reported_on.is_some_and(|r| d < r) => {
                c.fail("decided_on", "error-justice-before-report")
            }
            _ => {}
        }
        let compensation = match self.compensation.trim() {
            "" => None,
            typed => {
                let a = c.amount("compensation", typed);
                if outcome != Some(CourtOutcome::Convicted) {
                    c.fail("compensation", "error-justice-compensation");
                }
                Some(a)
            }
        };
        let version = self.version.trim().parse::<i64>().unwrap_or(0);
        c.finish(())?;
        let (Some(reported_on), Some(outcome)) = (reported_on, outcome) else {
            return Err(Invalid::required("reported_on"));
        };
        Ok(JusticeDraft {
            version,
            police_office,
            fir_number,
            reported_on,
            court,
            court_case,
            charges,
            outcome,
            decided_on,
            compensation,
        })
    }
}

/// A hearing as typed: its day (past, or ahead when it is scheduled), what it is for, and the
/// support given or planned (`support_<code>` = on).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct HearingForm {
    /// Held on (BS).
    #[serde(default)]
    pub held_on: String,
    /// [`HearingPurpose`].
    #[serde(default)]
    pub purpose: String,
    /// The checkboxes, by name.
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// A hearing to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HearingDraft {
    /// Held on (or scheduled for).
    pub held_on: time::Date,
    /// What it is for.
    pub purpose: HearingPurpose,
    /// Support given or planned.
    pub support: Vec<TestimonySupport>,
}

/// How far ahead a hearing may be scheduled.
pub const HEARING_HORIZON_DAYS: i64 = 2 * 366;

impl HearingForm {
    /// Checks both at once; a day more than two years ahead is a typing slip.
    pub fn check(&self, today: time::Date) -> Result<HearingDraft, Invalid> {
        let mut c = Checker::default();
        let held_on = c.required_date("held_on", &self.held_on);
        if held_on.is_some_and(|d| d > today + time::Duration::days(HEARING_HORIZON_DAYS)) {
            c.fail("held_on", "error-hearing-far");
        }
        let purpose = c.choose("purpose", &self.purpose, HearingPurpose::parse);
        let support = ticked(
            &self.fields,
            "support",
            TestimonySupport::ALL,
            TestimonySupport::as_str,
        );
        c.finish(())?;
        match (held_on, purpose) {
            (Some(held_on), Some(purpose)) => Ok(HearingDraft {
                held_on,
                purpose,
                support,
            }),
            _ => Err(Invalid::required("held_on")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn form(pairs: &[(&str, &str)]) -> JusticeForm {
        let mut f = JusticeForm {
            police_office: "District Police Office, Banke".into(),
            fir_number: "FIR 112/2083".into(),
            reported_on: "2083-06-01".into(),
            ..Default::default()
        };
        for (k, v) in pairs {
            match *k {
                "outcome" => f.outcome = v.to_string(),
                "decided_on" => f.decided_on = v.to_string(),
                "compensation" => f.compensation = v.to_string(),
                "court_case" => f.court_case = v.to_string(),
                _ => {
                    f.fields.insert(k.to_string(), v.to_string());
                }
            }
        }
        f
    }

    const TODAY: time::Date = date!(2026 - 12 - 03);

    #[test]
    fn a_report_needs_a_charge_and_a_court_case_its_court() {
        let e = form(&[("court_case", "075-CR-0112")])
            .check(TODAY)
            .unwrap_err();
        assert_eq!(e.for_field("charge_4-1-a"), Some("error-justice-charge"));
        assert_eq!(e.for_field("court"), Some("error-justice-court"));
        let d = form(&[("charge_4-1-a", "on"), ("charge_4-2-b", "on")])
            .check(TODAY)
            .unwrap();
        assert_eq!(d.charges, vec![Charge::Sale, Charge::Transportation]);
        assert_eq!(d.outcome, CourtOutcome::Pending);
        assert_eq!(d.reported_on, date!(2026 - 09 - 17));
    }

    #[test]
    fn a_decision_has_its_day_and_compensation_only_on_conviction() {
        let e = form(&[("charge_15", "on"), ("outcome", "convicted")])
            .check(TODAY)
            .unwrap_err();
        assert_eq!(e.for_field("decided_on"), Some("error-required"));
        let e = form(&[
            ("charge_15", "on"),
            ("outcome", "acquitted"),
            ("decided_on", "2083-05-01"),
            ("compensation", "50000"),
        ])
        .check(TODAY)
        .unwrap_err();
        assert_eq!(
            e.for_field("decided_on"),
            Some("error-justice-before-report")
        );
        assert_eq!(
            e.for_field("compensation"),
            Some("error-justice-compensation")
        );
        let e = form(&[("charge_15", "on"), ("decided_on", "2083-07-01")])
            .check(TODAY)
            .unwrap_err();
        assert_eq!(e.for_field("decided_on"), Some("error-justice-pending"));
        let d = form(&[
            ("charge_4-1-b", "on"),
            ("outcome", "convicted"),
            ("decided_on", "2083-08-01"),
            ("compensation", "२,००,०००"),
        ])
        .check(TODAY)
        .unwrap();
        assert_eq!(d.compensation, Some(200_000));
    }

    #[test]
    fn a_hearing_may_be_ahead_but_not_years_ahead() {
        let mut f = HearingForm {
            held_on: "2084-01-10".into(),
            purpose: "testimony".into(),
            ..Default::default()
        };
        f.fields
            .insert("support_closed-hearing".into(), "on".into());
        f.fields.insert("support_escort".into(), "on".into());
        let d = f.check(TODAY).unwrap();
        assert!(d.held_on > TODAY);
        assert_eq!(
            d.support,
            vec![TestimonySupport::Escort, TestimonySupport::ClosedHearing]
        );
        f.held_on = "2090-01-10".into();
        f.purpose = "party".into();
        let e = f.check(TODAY).unwrap_err();
        assert_eq!(e.for_field("held_on"), Some("error-hearing-far"));
        assert_eq!(e.for_field("purpose"), Some("error-choice"));
    }
}
