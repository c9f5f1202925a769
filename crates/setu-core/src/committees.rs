//! Coordination committees against human trafficking: the local committee of a municipality
//! (LCCHT) and the district committee (DCCHT), their seats, meetings, decisions, action plans
//! and budgets, and the committee's status, which is computed from records, never typed in.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::validation::{Checker, Invalid};
use crate::{FiscalYear, PlaceCode};

kinds! {
    /// Which committee.
    CommitteeKind {
        /// Local Level Coordination Committee against Human Trafficking (a local level).
        Lccht = "lccht",
        /// District Coordination Committee against Human Trafficking (a district).
        Dccht = "dccht",
    }
}

kinds! {
    /// A member's seat on the committee.
    Seat {
        /// Chair.
        Chair = "chair",
        /// Vice-chair.
        ViceChair = "vice-chair",
        /// Member-secretary.
        MemberSecretary = "member-secretary",
        /// A ward chair.
        WardChair = "ward-chair",
        /// Police.
        Police = "police",
        /// Health.
        Health = "health",
        /// Education.
        Education = "education",
        /// An NGO.
        Ngo = "ngo",
        /// Parents' representative.
        Parents = "parents",
        /// Youth representative.
        Youth = "youth",
        /// Survivor representative.
        Survivor = "survivor",
        /// Any other member.
        Member = "member",
    }
}

kinds! {
    /// Follow-up of a decision.
    DecisionStatus {
        /// Decided, nothing done yet.
        Open = "open",
        /// Work under way.
        InProgress = "in-progress",
        /// Done.
        Done = "done",
        /// Given up, with the meeting's agreement.
        Dropped = "dropped",
    }
}

kinds! {
    /// Where budget money comes from.
    FundingSource {
        /// The municipality's own funds (the brief's sustainability test).
        Own = "own",
        /// The province.
        Province = "province",
        /// The federal government.
        Federal = "federal",
        /// A donor.
        Donor = "donor",
        /// An NGO.
        Ngo = "ngo",
    }
}

kinds! {
    /// A committee's state, computed by [`status`].
    CommitteeStatus {
        /// No meeting in the last 12 months.
        Dormant = "dormant",
        /// Has met in the last 12 months, but not every criterion of "functional" holds.
        Reactivated = "reactivated",
        /// Met in the last 3 months, has an action plan for the current fiscal year, and budget
        /// allocated for it.
        Functional = "functional",
    }
}

/// Days within which a meeting counts as recent for "functional".
pub const RECENT_MEETING_DAYS: i64 = 92;
/// Days within which a meeting keeps a committee from being dormant.
pub const ACTIVE_MEETING_DAYS: i64 = 365;

/// The records status is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusFacts {
    /// The last meeting held, if any.
    pub last_meeting: Option<Date>,
    /// Activities planned for the current fiscal year.
    pub planned_activities: i64,
    /// Rupees allocated for the current fiscal year, from any source.
    pub budget_allocated: i64,
}

/// One criterion and whether it holds, to show on the committee page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Criterion {
    /// Message id describing it.
    pub message: &'static str,
    /// Whether it holds.
    pub met: bool,
}

/// The committee's status on `today`, and the criteria it was decided by.
pub fn status(facts: &StatusFacts, today: Date) -> (CommitteeStatus, [Criterion; 3]) {
    let days_since = facts.last_meeting.map(|d| (today - d).whole_days());
    let recent = days_since.is_some_and(|d| (0..=RECENT_MEETING_DAYS).contains(&d));
    let active = days_since.is_some_and(|d| (0..=ACTIVE_MEETING_DAYS).contains(&d));
    let plan = facts.planned_activities > 0;
    let budget = facts.budget_allocated > 0;
    let criteria = [
        Criterion {
            message: "criterion-met-recently",
            met: recent,
        },
        Criterion {
            message: "criterion-plan",
            met: plan,
        },
        Criterion {
            message: "criterion-budget",
            met: budget,
        },
    ];
    let state = if recent && plan && budget {
        CommitteeStatus::Functional
    } else if active {
        CommitteeStatus::Reactivated
    } else {
        CommitteeStatus::Dormant
    };
    (state, criteria)
}

/// A fiscal year's budget by source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BudgetTotals {
    /// Allocated from the municipality's own funds.
    pub own_allocated: i64,
    /// Allocated from every source.
    pub allocated: i64,
    /// Spent, every source.
    pub spent: i64,
}

impl BudgetTotals {
    /// The municipality's own share of the allocation, in whole per cent (None without budget).
    pub fn own_share_percent(&self) -> Option<i64> {
        (self.allocated > 0)
            .then(|| (self.own_allocated * 100 + self.allocated / 2) / self.allocated)
    }
}

/// The fiscal year a committee works in on `today` (falls back to the supported range's end).
pub fn current_fiscal_year(today: Date) -> Option<FiscalYear> {
    FiscalYear::containing(today).ok()
}

/// A budget line, checked: where the money comes from, what it pays for, how much was
/// allocated and how much is spent so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetDraft {
    /// Source of funds.
    pub source: FundingSource,
    /// What it pays for.
    pub purpose: String,
    /// Rupees allocated.
    pub allocated: i64,
    /// Rupees spent so far.
    pub spent: i64,
}

/// The budget-line form as typed (new or corrected; the fiscal year is chosen when it is made).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct BudgetForm {
    /// Fiscal year (`2082/83`), for a new line.
    pub fy: String,
    /// Source of funds.
    pub source: String,
    /// What it pays for.
    pub purpose: String,
    /// Rupees allocated.
    pub allocated: String,
    /// Rupees spent so far.
    pub spent: String,
}

impl BudgetForm {
    /// Checks every field at once.
    pub fn check(&self) -> Result<BudgetDraft, Invalid> {
        let mut c = Checker::default();
        let source =
            crate::booths::choice(&mut c, "source", &self.source, FundingSource::parse, None);
        let purpose = c.text("purpose", &self.purpose, 200);
        let allocated = c.amount("allocated", &self.allocated);
        let spent = c.amount("spent", &self.spent);
        match source {
            Some(source) => c.finish(BudgetDraft {
                source,
                purpose,
                allocated,
                spent,
            }),
            None => Err(c.finish(()).err().unwrap_or_else(|| {
                Invalid(vec![crate::FieldError {
                    field: "source",
                    message: "error-required",
                }])
            })),
        }
    }

    /// The fiscal year of a new line.
    pub fn fiscal_year(&self) -> Result<FiscalYear, Invalid> {
        self.fy.parse().map_err(|_| {
            Invalid(vec![crate::FieldError {
                field: "fy",
                message: "error-fiscal-year",
            }])
        })
    }
}

/// A committee member, checked. `name` is `None` when the form did not carry it (a corrector
/// who may not read names changes the seat and term only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDraft {
    /// Name (sealed at rest).
    pub name: Option<String>,
    /// Seat.
    pub seat: Seat,
    /// Joined on.
    pub term_start: Date,
    /// Left on (or the term's fixed end).
    pub term_end: Option<Date>,
}

/// The member form as typed (dates in BS).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MemberForm {
    /// Name; absent from the form of a reader who may not read names.
    pub name: Option<String>,
    /// Seat.
    pub seat: String,
    /// Joined on (BS).
    pub term_start: String,
    /// Left on (BS), if the member left.
    pub term_end: String,
}

impl MemberForm {
    /// Checks every field at once: a seat, a start date, an end date not before it.
    pub fn check(&self) -> Result<MemberDraft, Invalid> {
        let mut c = Checker::default();
        let name = self.name.as_ref().map(|n| c.text("name", n, 120));
        let seat = crate::booths::choice(&mut c, "seat", &self.seat, Seat::parse, None);
        let start = c.bs_date("term_start", &self.term_start);
        if start.is_none() && self.term_start.trim().is_empty() {
            c.fail("term_start", "error-required");
        }
        let end = c.bs_date("term_end", &self.term_end);
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                c.fail("term_end", "error-term-order");
            }
        }
        c.finish(())?;
        match (seat, start) {
            (Some(seat), Some(term_start)) => Ok(MemberDraft {
                name,
                seat,
                term_start,
                term_end: end,
            }),
            // Unreachable: a missing seat or start failed above.
            _ => Err(Invalid(vec![crate::FieldError {
                field: "seat",
                message: "error-required",
            }])),
        }
    }
}

/// A new activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityDraft {
    /// Title.
    pub title: String,
    /// Type.
    pub activity_type: String,
    /// Ward code (7 digits), if any.
    pub ward: Option<PlaceCode>,
    /// Planned date.
    pub planned_on: Option<Date>,
    /// Done on.
    pub done_on: Option<Date>,
    /// Responsible (a function).
    pub responsible: String,
    /// The budget line (of the same committee and year) it is paid from.
    pub budget_line: Option<String>,
}

/// The add-activity form as typed (dates in BS).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ActivityForm {
    /// Fiscal year (`2082/83`).
    pub fy: String,
    /// Title.
    pub title: String,
    /// Kind of activity (awareness when empty).
    pub activity_type: String,
    /// A ward (7 digits), if the activity is held in one.
    pub ward: String,
    /// Planned on (BS).
    pub planned_on: String,
    /// Done on (BS).
    pub done_on: String,
    /// Who is responsible (a function, not a person's name).
    pub responsible: String,
    /// The budget line it is paid from, if any.
    pub budget_line: String,
}

impl ActivityForm {
    /// Checks every field at once: the fiscal year and the draft.
    pub fn check(&self) -> Result<(FiscalYear, ActivityDraft), Invalid> {
        let mut c = Checker::default();
        let fy = self.fy.trim().parse::<FiscalYear>();
        if fy.is_err() {
            c.fail("fy", "error-fiscal-year");
        }
        let ward = match self.ward.trim() {
            "" => None,
            w => match w.parse::<PlaceCode>() {
                Ok(p) => Some(p),
                Err(_) => {
                    c.fail("ward", "error-place-code");
                    None
                }
            },
        };
        let activity_type = c
            .optional_text("activity_type", &self.activity_type, 60)
            .unwrap_or_else(|| "awareness".into());
        let draft = ActivityDraft {
            title: c.text("title", &self.title, 200),
            activity_type,
            ward,
            planned_on: c.bs_date("planned_on", &self.planned_on),
            done_on: c.bs_date("done_on", &self.done_on),
            responsible: c.text("responsible", &self.responsible, 120),
            budget_line: Some(self.budget_line.trim().to_string()).filter(|l| !l.is_empty()),
        };
        let checked = c.finish(draft)?;
        match fy {
            Ok(fy) => Ok((fy, checked)),
            Err(_) => Err(Invalid(vec![crate::FieldError {
                field: "fy",
                message: "error-fiscal-year",
            }])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_activity_form_reports_every_field_at_once() {
        let ok = ActivityForm {
            fy: "2082/83".into(),
            title: " School visits ".into(),
            planned_on: "२०८२-०५-०१".into(),
            responsible: "Ward chair".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.1.title, "School visits");
        assert_eq!(ok.1.activity_type, "awareness");
        assert!(ok.1.planned_on.is_some() && ok.1.ward.is_none());
        let bad = ActivityForm {
            fy: "next year".into(),
            ward: "ward 4".into(),
            done_on: "someday".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        for (field, message) in [
            ("fy", "error-fiscal-year"),
            ("ward", "error-place-code"),
            ("title", "error-required"),
            ("responsible", "error-required"),
            ("done_on", "error-bs-date"),
        ] {
            assert_eq!(bad.for_field(field), Some(message), "{field}");
        }
    }
    use time::macros::date;

    #[test]
    fn status_follows_the_documented_criteria() {
        let today = date!(2025 - 11 - 01);
        let full = StatusFacts {
            last_meeting: Some(date!(2025 - 09 - 15)),
            planned_activities: 4,
            budget_allocated: 150_000,
        };
        assert_eq!(status(&full, today).0, CommitteeStatus::Functional);
        let no_budget = StatusFacts {
            budget_allocated: 0,
            ..full
        };
        let (s, c) = status(&no_budget, today);
        assert_eq!(s, CommitteeStatus::Reactivated);
        assert_eq!(c.map(|c| c.met), [true, true, false]);
        let old_meeting = StatusFacts {
            last_meeting: Some(date!(2025 - 03 - 01)),
            ..full
        };
        assert_eq!(status(&old_meeting, today).0, CommitteeStatus::Reactivated);
        let dormant = StatusFacts {
            last_meeting: Some(date!(2024 - 09 - 01)),
            ..full
        };
        assert_eq!(status(&dormant, today).0, CommitteeStatus::Dormant);
        assert_eq!(
            status(&StatusFacts::default(), today).0,
            CommitteeStatus::Dormant
        );
        // A meeting recorded in the future does not count.
        let future = StatusFacts {
            last_meeting: Some(date!(2026 - 01 - 01)),
            ..full
        };
        assert_eq!(status(&future, today).0, CommitteeStatus::Dormant);
    }

    #[test]
    fn own_share_is_rounded_per_cent() {
        let t = BudgetTotals {
            own_allocated: 1,
            allocated: 3,
            spent: 0,
        };
        assert_eq!(t.own_share_percent(), Some(33));
        assert_eq!(BudgetTotals::default().own_share_percent(), None);
    }
}

/// The form creating a committee, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CommitteeForm {
    /// `lccht` (a local level) or `dccht` (a district).
    pub kind: String,
    /// The place code of the local level or district.
    pub place: String,
    /// Formed on (BS), optional.
    pub formed_on: String,
    /// The committee's office phone, optional.
    pub phone: String,
}

/// A new committee, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitteeDraft {
    /// Kind.
    pub kind: CommitteeKind,
    /// Its local level or district.
    pub place: PlaceCode,
    /// Formed on.
    pub formed_on: Option<Date>,
    /// Office phone.
    pub phone: Option<String>,
}

impl CommitteeForm {
    /// Checks every field at once; a local committee sits at a local level, a district one
    /// at a district.
    pub fn check(&self) -> Result<CommitteeDraft, Invalid> {
        let mut c = Checker::default();
        let kind = c.choose("kind", &self.kind, CommitteeKind::parse);
        let place = c.place(
            "place",
            &self.place,
            |p| matches!(p, PlaceCode::LocalLevel(_) | PlaceCode::District(_)),
            "error-place-code",
        );
        let wrong_level = matches!(
            (kind, place),
            (Some(CommitteeKind::Lccht), Some(PlaceCode::District(_)))
                | (Some(CommitteeKind::Dccht), Some(PlaceCode::LocalLevel(_)))
        );
        if wrong_level {
            c.fail("place", "error-committee-place");
        }
        let formed_on = c.bs_date("formed_on", &self.formed_on);
        let phone = c.optional_phone("phone", &self.phone);
        c.finish(())?;
        match (kind, place) {
            (Some(kind), Some(place)) => Ok(CommitteeDraft {
                kind,
                place,
                formed_on,
                phone,
            }),
            _ => Err(Invalid::required("kind")),
        }
    }
}

/// The meeting form as typed: date (BS), agenda, who was present, and decisions (text,
/// responsible, due date in BS) in parallel lists, as repeated form fields arrive.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MeetingForm {
    /// Held on (BS).
    pub held_on: String,
    /// Agenda.
    pub agenda: String,
    /// Member ids ticked present.
    pub present: Vec<String>,
    /// Decision texts (empty rows are skipped).
    pub decision: Vec<String>,
    /// Who is responsible for each decision.
    pub responsible: Vec<String>,
    /// When each decision is due (BS).
    pub due_on: Vec<String>,
}

/// A meeting to record.
#[derive(Debug, Clone)]
pub struct MeetingDraft {
    /// Held on.
    pub held_on: Date,
    /// Agenda.
    pub agenda: String,
    /// (member id, present) for the members recorded.
    pub attendance: Vec<(String, bool)>,
    /// (text, responsible, due on)
    pub decisions: Vec<(String, String, Option<Date>)>,
}

impl MeetingForm {
    /// Reads the form's fields from `application/x-www-form-urlencoded` pairs (repeated
    /// fields, which a derived reader cannot take).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> MeetingForm {
        let mut f = MeetingForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "held_on" => f.held_on = v,
                "agenda" => f.agenda = v,
                "present" => f.present.push(v),
                "decision" => f.decision.push(v),
                "responsible" => f.responsible.push(v),
                "due_on" => f.due_on.push(v),
                _ => {}
            }
        }
        f
    }

    /// Checks every field at once; `members` are the committee's member ids, each recorded
    /// present or absent.
    pub fn check(&self, today: Date, members: &[String]) -> Result<MeetingDraft, Invalid> {
        let mut c = Checker::default();
        let held_on = c.past_date("held_on", &self.held_on, today);
        let agenda = c.text("agenda", &self.agenda, 2_000);
        if self.present.iter().any(|p| !members.contains(p)) {
            c.fail("present", "error-choice");
        }
        let mut decisions = Vec::new();
        for (i, text) in self.decision.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            let text = c.text("decision", text, 2_000);
            let responsible = self.responsible.get(i).map_or("", |r| r.trim()).to_string();
            let due = c.bs_date("due_on", self.due_on.get(i).map_or("", String::as_str));
            decisions.push((text, responsible, due));
        }
        c.finish(())?;
        let held_on = held_on.ok_or_else(|| Invalid::required("held_on"))?;
        Ok(MeetingDraft {
            held_on,
            agenda,
            attendance: members
                .iter()
                .map(|m| (m.clone(), self.present.contains(m)))
                .collect(),
            decisions,
        })
    }
}

#[cfg(test)]
mod form_tests {
    use super::*;

    #[test]
    fn committee_and_meeting_forms_report_every_field_at_once() {
        let bad = CommitteeForm {
            kind: "lccht".into(),
            place: "511".into(),
            formed_on: "not a date".into(),
            phone: "call me".into(),
        }
        .check()
        .unwrap_err();
        for (f, m) in [
            ("place", "error-committee-place"),
            ("formed_on", "error-bs-date"),
            ("phone", "error-phone"),
        ] {
            assert_eq!(bad.for_field(f), Some(m), "{f}");
        }
        let ok = CommitteeForm {
            kind: "lccht".into(),
            place: "51106".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.kind, CommitteeKind::Lccht);
        let today = Date::from_calendar_date(2025, time::Month::January, 1).unwrap();
        let form = MeetingForm::from_pairs(
            [
                ("held_on", "2090-01-01"),
                ("present", "m2"),
                ("decision", "Visit the schools"),
                ("responsible", "Chair"),
                ("due_on", "soon"),
                ("decision", ""),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let members = ["m1".to_string(), "m2".to_string()];
        let bad = form.check(today, &members).unwrap_err();
        for (f, m) in [
            ("held_on", "error-date-future"),
            ("agenda", "error-required"),
            ("due_on", "error-bs-date"),
        ] {
            assert_eq!(bad.for_field(f), Some(m), "{f}");
        }
        let form = MeetingForm {
            held_on: "2081-01-01".into(),
            agenda: "Plan".into(),
            due_on: vec!["2081-02-01".into()],
            ..form
        };
        let d = form.check(today, &members).unwrap();
        assert_eq!(
            d.attendance,
            vec![("m1".to_string(), false), ("m2".to_string(), true)]
        );
        assert_eq!(d.decisions.len(), 1);
    }
}
