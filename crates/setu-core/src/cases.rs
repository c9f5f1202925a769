//! Survivor support (issue 16): a case per survivor, held by an organisation, and the consents
//! that decide what may be done and shared. The forms here are checked as every other form is
//! (every wrong field at once, messages by id); the store keeps the case's identifying fields
//! sealed and enforces the consents when a case is shared.

use serde::{Deserialize, Serialize};

use crate::community::Sex;
use crate::geo::PlaceCode;
use crate::validation::{Checker, Invalid};

kinds! {
    /// Where a case stands.
    CaseStatus {
        /// Being worked on.
        Open = "open",
        /// Sent to another organisation, waiting for it to accept.
        TransferPending = "transfer-pending",
        /// Its caseworker asked to close it; a supervisor approves or declines.
        ClosureRequested = "closure-requested",
        /// Closed with a reason (and a supervisor's approval).
        Closed = "closed",
    }
}

kinds! {
    /// What a case was opened from: the record the survivor is carried over from, never typed
    /// again.
    CaseOrigin {
        /// A hand-over (police, booth, cross-border partner).
        Handover = "handover",
        /// A shelter intake.
        ShelterIntake = "shelter-intake",
        /// A booth screening.
        Screening = "screening",
        /// A police rescue.
        PoliceRescue = "police-rescue",
        /// A missing-person report whose person came home.
        ReturnedHome = "returned-home",
        /// Opened directly, from nothing recorded before.
        Direct = "direct",
    }
}

kinds! {
    /// Why a case is closed.
    CloseReason {
        /// Home and settled: reintegration done.
        Reintegrated = "reintegrated",
        /// She no longer wants services.
        DeclinedServices = "declined-services",
        /// Moved out of the organisation's reach.
        MovedAway = "moved-away",
        /// No contact for a long time despite trying.
        LostContact = "lost-contact",
        /// Died.
        Deceased = "deceased",
    }
}

kinds! {
    /// Why an organisation declines a case transferred to it (a code: the sender reads it in
    /// her language, and nothing about the survivor is written).
    DeclineReason {
        /// No place or caseworker free now.
        NoCapacity = "no-capacity",
        /// She lives outside the area the organisation serves.
        OutsideArea = "outside-area",
        /// The organisation does not give the services she needs.
        ServicesNotOffered = "services-not-offered",
        /// She would not be safe there (a known perpetrator nearby, a conflict of interest).
        NotSafe = "not-safe",
    }
}

kinds! {
    /// What a survivor consents to.
    ConsentKind {
        /// To receive services.
        Services = "services",
        /// To have her case shared with a named organisation.
        Sharing = "sharing",
        /// To be contacted after returning home.
        FollowUp = "follow-up",
    }
}

kinds! {
    /// The domains a survivor's situation is assessed in, again and again over her case.
    Domain {
        /// Safe from the traffickers and from harm where she lives.
        Safety = "safety",
        /// A safe, stable place to live.
        Shelter = "shelter",
        /// Physical health and care.
        Health = "health",
        /// Psychosocial wellbeing.
        Psychosocial = "psychosocial",
        /// Family and community: accepted, supported, not blamed.
        Family = "family",
        /// Schooling or training.
        Education = "education",
        /// Livelihood and income.
        Livelihood = "livelihood",
        /// Legal matters and identity documents.
        Legal = "legal",
    }
}

impl Domain {
    /// The form field of this domain's score.
    pub fn score_field(self) -> &'static str {
        match self {
            Domain::Safety => "score_safety",
            Domain::Shelter => "score_shelter",
            Domain::Health => "score_health",
            Domain::Psychosocial => "score_psychosocial",
            Domain::Family => "score_family",
            Domain::Education => "score_education",
            Domain::Livelihood => "score_livelihood",
            Domain::Legal => "score_legal",
        }
    }

    /// The form field of this domain's note.
    pub fn note_field(self) -> &'static str {
        match self {
            Domain::Safety => "note_safety",
            Domain::Shelter => "note_shelter",
            Domain::Health => "note_health",
            Domain::Psychosocial => "note_psychosocial",
            Domain::Family => "note_family",
            Domain::Education => "note_education",
            Domain::Livelihood => "note_livelihood",
            Domain::Legal => "note_legal",
        }
    }
}

/// The assessment scale, the same in every domain (after OSCaR's): 1 in crisis, needs help
/// now; 2 vulnerable, needs support; 3 stable, managing with some support; 4 thriving, needs
/// none.
pub const SCORES: std::ops::RangeInclusive<i64> = 1..=4;

/// An assessment as typed: the day, and a score (1–4) and an optional note per domain, in
/// fields named by [`Domain::score_field`] and [`Domain::note_field`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AssessmentForm {
    /// The day assessed (BS).
    #[serde(default)]
    pub assessed_on: String,
    /// Every other field, by name.
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// An assessment to record: a score and a note per domain, every domain scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentDraft {
    /// Assessed on.
    pub assessed_on: time::Date,
    /// Each domain's score (1–4) and note, in [`Domain::ALL`]'s order.
    pub scores: Vec<(Domain, i64, Option<String>)>,
}

impl AssessmentForm {
    /// Checks every field at once: each domain scored on the scale, notes short.
    pub fn check(&self, today: time::Date) -> Result<AssessmentDraft, Invalid> {
        let mut c = Checker::default();
        let assessed_on = c.past_date("assessed_on", &self.assessed_on, today);
        let field = |name: &str| self.fields.get(name).map(String::as_str).unwrap_or("");
        let mut scores = Vec::new();
        for d in Domain::ALL.iter().copied() {
            let typed = field(d.score_field());
            let score = if typed.trim().is_empty() {
                c.fail(d.score_field(), "error-required");
                None
            } else {
                c.number(d.score_field(), typed, *SCORES.start(), *SCORES.end())
            };
            let note = c.optional_text(d.note_field(), field(d.note_field()), 500);
            if let Some(score) = score {
                scores.push((d, score, note));
            }
        }
        c.finish(())?;
        let assessed_on = assessed_on.ok_or(Invalid::required("assessed_on"))?;
        Ok(AssessmentDraft {
            assessed_on,
            scores,
        })
    }
}

/// A goal of her support plan, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct GoalForm {
    /// The domain it belongs to.
    pub domain: String,
    /// What she wants to reach.
    pub goal: String,
}

/// A goal to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalDraft {
    /// Its domain.
    pub domain: Domain,
    /// The goal.
    pub goal: String,
}

impl GoalForm {
    /// Checks both fields at once.
    pub fn check(&self) -> Result<GoalDraft, Invalid> {
        let mut c = Checker::default();
        let domain = c.choose("domain", &self.domain, Domain::parse);
        let goal = c.text("goal", &self.goal, 300);
        c.finish(())?;
        let domain = domain.ok_or(Invalid::required("domain"))?;
        Ok(GoalDraft { domain, goal })
    }
}

/// A task toward a goal, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TaskForm {
    /// The goal it serves (id).
    pub goal: String,
    /// What is to be done.
    pub task: String,
    /// By when (BS).
    pub due_on: String,
    /// Who does it: a person or an organisation.
    pub responsible: String,
}

/// A task to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDraft {
    /// The goal's id.
    pub goal: String,
    /// The task.
    pub task: String,
    /// Due on.
    pub due_on: time::Date,
    /// Who is responsible.
    pub responsible: String,
}

impl TaskForm {
    /// Checks every field at once; a due date may be in the future.
    pub fn check(&self) -> Result<TaskDraft, Invalid> {
        let mut c = Checker::default();
        let goal = c.text("goal", &self.goal, 64);
        let task = c.text("task", &self.task, 300);
        let due_on = c.required_date("due_on", &self.due_on);
        let responsible = c.text("responsible", &self.responsible, 120);
        c.finish(())?;
        let due_on = due_on.ok_or(Invalid::required("due_on"))?;
        Ok(TaskDraft {
            goal,
            task,
            due_on,
            responsible,
        })
    }
}

/// A review of her plan, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ReviewForm {
    /// Reviewed on (BS).
    pub reviewed_on: String,
    /// The next review (BS), if set.
    pub next_review_on: String,
    /// What was found (about her: sealed).
    pub note: String,
}

/// A plan review to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDraft {
    /// Reviewed on.
    pub reviewed_on: time::Date,
    /// Next review, after the review.
    pub next_review_on: Option<time::Date>,
    /// Note.
    pub note: Option<String>,
}

impl ReviewForm {
    /// Checks every field at once: reviewed by today, the next review after it.
    pub fn check(&self, today: time::Date) -> Result<ReviewDraft, Invalid> {
        let mut c = Checker::default();
        let reviewed_on = c.past_date("reviewed_on", &self.reviewed_on, today);
        let next = if self.next_review_on.trim().is_empty() {
            None
        } else {
            c.bs_date("next_review_on", &self.next_review_on)
        };
        if let (Some(on), Some(n)) = (reviewed_on, next) {
            if n <= on {
                c.fail("next_review_on", "error-review-after");
            }
        }
        let note = c.optional_text("note", &self.note, 500);
        c.finish(())?;
        let reviewed_on = reviewed_on.ok_or(Invalid::required("reviewed_on"))?;
        Ok(ReviewDraft {
            reviewed_on,
            next_review_on: next,
            note,
        })
    }
}

kinds! {
    /// What a follow-up finds of her life back home (several may hold at once).
    Reintegration {
        /// Living with her family.
        WithFamily = "with-family",
        /// In school or at work.
        InSchoolOrWork = "in-school-or-work",
        /// Earning an income.
        HasIncome = "has-income",
        /// A concern for her safety.
        SafetyConcern = "safety-concern",
        /// Gone abroad or away for work again.
        ReMigrated = "re-migrated",
        /// Could not be reached.
        LostContact = "lost-contact",
    }
}

kinds! {
    /// How a follow-up was made.
    Contact {
        /// A home visit.
        Visit = "visit",
        /// A telephone call.
        Phone = "phone",
    }
}

/// Months after her return home when she is followed up by default.
pub const FOLLOW_UP_MONTHS: [u8; 4] = [1, 3, 6, 12];

/// The day `months` after `day` (the month's last day when it has fewer days).
pub fn months_after(day: time::Date, months: u8) -> time::Date {
    let total = i32::from(day.month() as u8) - 1 + i32::from(months);
    let year = day.year() + total / 12;
    let month = time::Month::try_from((total % 12 + 1) as u8).unwrap_or(time::Month::January);
    let last = month.length(year);
    time::Date::from_calendar_date(year, month, day.day().min(last)).unwrap_or(day)
}

impl Reintegration {
    /// The form field of this status's checkbox.
    pub fn field(self) -> &'static str {
        match self {
            Reintegration::WithFamily => "found_with_family",
            Reintegration::InSchoolOrWork => "found_in_school_or_work",
            Reintegration::HasIncome => "found_has_income",
            Reintegration::SafetyConcern => "found_safety_concern",
            Reintegration::ReMigrated => "found_re_migrated",
            Reintegration::LostContact => "found_lost_contact",
        }
    }
}

/// A follow-up as typed: the day, how, what was found (a checkbox per status), a note.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct FollowUpForm {
    /// The scheduled follow-up it records (id).
    #[serde(default)]
    pub followup: String,
    /// Done on (BS).
    #[serde(default)]
    pub done_on: String,
    /// visit or phone.
    #[serde(default)]
    pub contact: String,
    /// A note (about her: sealed).
    #[serde(default)]
    pub note: String,
    /// The checkboxes, by name ([`Reintegration::field`]).
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// A follow-up to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpDraft {
    /// The scheduled follow-up.
    pub followup: String,
    /// Done on.
    pub done_on: time::Date,
    /// How.
    pub contact: Contact,
    /// What was found.
    pub found: Vec<Reintegration>,
    /// Note.
    pub note: Option<String>,
}

impl FollowUpForm {
    /// Checks every field at once: at least one status found (lost contact is one).
    pub fn check(&self, today: time::Date) -> Result<FollowUpDraft, Invalid> {
        let mut c = Checker::default();
        let followup = c.text("followup", &self.followup, 64);
        let done_on = c.past_date("done_on", &self.done_on, today);
        let contact = c.choose("contact", &self.contact, Contact::parse);
        let found: Vec<Reintegration> = Reintegration::ALL
            .iter()
            .copied()
            .filter(|r| self.fields.get(r.field()).is_some_and(|v| v == "on"))
            .collect();
        if found.is_empty() {
            c.fail("found_with_family", "error-followup-found");
        }
        let note = c.optional_text("note", &self.note, 500);
        c.finish(())?;
        match (done_on, contact) {
            (Some(done_on), Some(contact)) => Ok(FollowUpDraft {
                followup,
                done_on,
                contact,
                found,
                note,
            }),
            _ => Err(Invalid::required("done_on")),
        }
    }
}

kinds! {
    /// A service delivered to a survivor.
    ServiceKind {
        /// A stay at a shelter (in and out).
        ShelterStay = "shelter-stay",
        /// Medical care.
        Medical = "medical",
        /// Psychosocial counselling sessions.
        Psychosocial = "psychosocial",
        /// Legal aid.
        LegalAid = "legal-aid",
        /// Skills training: a course, its hours, completed or not.
        SkillsTraining = "skills-training",
        /// Seed funding in rupees for a purpose, paid in tranches from a budget line.
        SeedFunding = "seed-funding",
        /// Linkage to a government scheme: applied, then approved or refused.
        SchemeLinkage = "scheme-linkage",
        /// An identity document obtained (citizenship, birth registration, passport).
        IdentityDocument = "identity-document",
        /// Brought back to her family.
        FamilyReunification = "family-reunification",
        /// Support to settle back in her community.
        Reintegration = "reintegration",
    }
}

kinds! {
    /// How a service ended, where it has an outcome.
    ServiceOutcome {
        /// Training completed.
        Completed = "completed",
        /// Training left before the end.
        DroppedOut = "dropped-out",
        /// A scheme applied for, no answer yet.
        Applied = "applied",
        /// A scheme approved.
        Approved = "approved",
        /// A scheme refused.
        Refused = "refused",
    }
}

impl ServiceKind {
    /// Whether the service needs what `detail` holds: the course, the purpose of the money,
    /// the scheme, the document.
    pub fn needs_detail(self) -> bool {
        matches!(
            self,
            ServiceKind::SkillsTraining
                | ServiceKind::SeedFunding
                | ServiceKind::SchemeLinkage
                | ServiceKind::IdentityDocument
        )
    }
}

/// A service as typed. Which fields count depends on the kind: a shelter stay's end is the day
/// she left; a training's detail is the course, with hours and an outcome; seed funding's
/// detail is its purpose and its amount the total granted; a scheme's detail is the scheme,
/// with its outcome and, once approved, the day in `ended_on`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ServiceForm {
    /// The kind.
    pub kind: String,
    /// The organisation that gave it (id).
    pub provider: String,
    /// Started on, or given on (BS).
    pub started_on: String,
    /// Ended on (BS), where it has an end.
    pub ended_on: String,
    /// The course, purpose, scheme or document.
    pub detail: String,
    /// Training hours.
    pub hours: String,
    /// Seed funding granted, in rupees.
    pub amount: String,
    /// How it ended.
    pub outcome: String,
}

/// A service to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDraft {
    /// The kind.
    pub kind: ServiceKind,
    /// The organisation that gave it.
    pub provider: i64,
    /// Started on.
    pub started_on: time::Date,
    /// Ended on.
    pub ended_on: Option<time::Date>,
    /// The course, purpose, scheme or document.
    pub detail: Option<String>,
    /// Training hours.
    pub hours: Option<i64>,
    /// Seed funding granted, in rupees.
    pub amount: Option<i64>,
    /// How it ended.
    pub outcome: Option<ServiceOutcome>,
}

impl ServiceForm {
    /// Checks every field at once, as its kind needs.
    pub fn check(&self, today: time::Date) -> Result<ServiceDraft, Invalid> {
        let mut c = Checker::default();
        let kind = c.choose("kind", &self.kind, ServiceKind::parse);
        let provider = match self.provider.trim().parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                c.fail("provider", "error-choice");
                None
            }
        };
        let started_on = c.past_date("started_on", &self.started_on, today);
        let ended_on = c.bs_date("ended_on", &self.ended_on);
        if let (Some(s), Some(e)) = (started_on, ended_on) {
            if e < s {
                c.fail("ended_on", "error-service-ends-before");
            }
        }
        let detail = match kind {
            Some(k) if k.needs_detail() => Some(c.text("detail", &self.detail, 200)),
            _ => c.optional_text("detail", &self.detail, 200),
        };
        let hours = match (kind, self.hours.trim()) {
            (Some(ServiceKind::SkillsTraining), "") => {
                c.fail("hours", "error-required");
                None
            }
            (_, "") => None,
            (_, typed) => c.number("hours", typed, 1, 5_000),
        };
        let amount = match (kind, self.amount.trim()) {
            (Some(ServiceKind::SeedFunding), typed) => {
                let a = c.amount("amount", typed);
                if a <= 0 {
                    c.fail("amount", "error-seed-amount");
                }
                Some(a)
            }
            _ => None,
        };
        let outcome = match self.outcome.trim() {
            "" => None,
            typed => c.choose("outcome", typed, ServiceOutcome::parse),
        };
        let fits = match (kind, outcome) {
            (_, None) => true,
            (Some(ServiceKind::SkillsTraining), Some(o)) => {
                matches!(o, ServiceOutcome::Completed | ServiceOutcome::DroppedOut)
            }
            (Some(ServiceKind::SchemeLinkage), Some(o)) => matches!(
                o,
                ServiceOutcome::Applied | ServiceOutcome::Approved | ServiceOutcome::Refused
            ),
            _ => false,
        };
        if !fits {
            c.fail("outcome", "error-service-outcome");
        }
        c.finish(())?;
        match (kind, provider, started_on) {
            (Some(kind), Some(provider), Some(started_on)) => Ok(ServiceDraft {
                kind,
                provider,
                started_on,
                ended_on,
                detail,
                hours,
                amount,
                outcome,
            }),
            _ => Err(Invalid::required("kind")),
        }
    }
}

/// A tranche of seed funding as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TrancheForm {
    /// The seed funding service (id).
    pub service: String,
    /// Paid on (BS).
    pub paid_on: String,
    /// Rupees.
    pub amount: String,
    /// The receipt's number.
    pub receipt: String,
    /// The budget line it is paid from (id).
    pub budget_line: String,
}

/// A tranche to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrancheDraft {
    /// The seed funding service.
    pub service: String,
    /// Paid on.
    pub paid_on: time::Date,
    /// Rupees.
    pub amount: i64,
    /// Receipt number.
    pub receipt: String,
    /// Budget line.
    pub budget_line: String,
}

impl TrancheForm {
    /// Checks every field at once.
    pub fn check(&self, today: time::Date) -> Result<TrancheDraft, Invalid> {
        let mut c = Checker::default();
        let service = c.text("service", &self.service, 64);
        let paid_on = c.past_date("paid_on", &self.paid_on, today);
        let amount = c.amount("amount", &self.amount);
        if amount <= 0 {
            c.fail("amount", "error-seed-amount");
        }
        let receipt = c.text("receipt", &self.receipt, 60);
        let budget_line = c.text("budget_line", &self.budget_line, 64);
        c.finish(())?;
        let paid_on = paid_on.ok_or(Invalid::required("paid_on"))?;
        Ok(TrancheDraft {
            service,
            paid_on,
            amount,
            receipt,
            budget_line,
        })
    }
}

kinds! {
    /// Whether she is a victim of trafficking (HTCDS vic_TraffickingStatus). Stored as the standard's value names, so the export maps one to one.
    TraffickingStatus {
        /// HTCDS `PossibleVictimOfTrafficking`.
        PossibleVictimOfTrafficking = "PossibleVictimOfTrafficking",
        /// HTCDS `ActualVictimOfTrafficking`.
        ActualVictimOfTrafficking = "ActualVictimOfTrafficking",
        /// HTCDS `NotAVictimOfTrafficking`.
        NotAVictimOfTrafficking = "NotAVictimOfTrafficking",
    }
}

kinds! {
    /// Type of exploitation (HTCDS vic_TypeOfExploitation). Stored as the standard's value names, so the export maps one to one.
    Exploitation {
        /// HTCDS `ForcedLabour`.
        ForcedLabour = "ForcedLabour",
        /// HTCDS `SexualExploitation`.
        SexualExploitation = "SexualExploitation",
        /// HTCDS `ChildLabour`.
        ChildLabour = "ChildLabour",
        /// HTCDS `ForcedMarriage`.
        ForcedMarriage = "ForcedMarriage",
        /// HTCDS `Servitude`.
        Servitude = "Servitude",
        /// HTCDS `ForcedMilitaryByNonStateActors`.
        ForcedMilitaryByNonStateActors = "ForcedMilitaryByNonStateActors",
        /// HTCDS `OrganRemoval`.
        OrganRemoval = "OrganRemoval",
        /// HTCDS `ForcedBegging`.
        ForcedBegging = "ForcedBegging",
        /// HTCDS `ForcedAdoption`.
        ForcedAdoption = "ForcedAdoption",
        /// HTCDS `Surrogacy`.
        Surrogacy = "Surrogacy",
        /// HTCDS `Other`.
        Other = "Other",
    }
}

kinds! {
    /// How she was recruited (HTCDS vic_MethodOfRecruitment). Stored as the standard's value names, so the export maps one to one.
    Recruitment {
        /// HTCDS `AtAPlaceOfBusiness`.
        AtAPlaceOfBusiness = "AtAPlaceOfBusiness",
        /// HTCDS `AtAnEducationalInstitution`.
        AtAnEducationalInstitution = "AtAnEducationalInstitution",
        /// HTCDS `AtWork`.
        AtWork = "AtWork",
        /// HTCDS `ThroughOnlineSocialNetworks`.
        ThroughOnlineSocialNetworks = "ThroughOnlineSocialNetworks",
        /// HTCDS `ThroughAnOnlineAdvertisement`.
        ThroughAnOnlineAdvertisement = "ThroughAnOnlineAdvertisement",
        /// HTCDS `ThroughATelevisionAdvert`.
        ThroughATelevisionAdvert = "ThroughATelevisionAdvert",
        /// HTCDS `ThroughANewspaperAdvert`.
        ThroughANewspaperAdvert = "ThroughANewspaperAdvert",
        /// HTCDS `ThroughFamilyOrFamilyEvents`.
        ThroughFamilyOrFamilyEvents = "ThroughFamilyOrFamilyEvents",
        /// HTCDS `ThroughFriendsOrSocialEvents`.
        ThroughFriendsOrSocialEvents = "ThroughFriendsOrSocialEvents",
        /// HTCDS `Other`.
        Other = "Other",
    }
}

kinds! {
    /// Means of control used on her (HTCDS vic_MethodsOfControl). Stored as the standard's value names, so the export maps one to one.
    Control {
        /// HTCDS `PhysicalThreats`.
        PhysicalThreats = "PhysicalThreats",
        /// HTCDS `ThreatsLawEnforcement`.
        ThreatsLawEnforcement = "ThreatsLawEnforcement",
        /// HTCDS `ThreatensChildrenFamily`.
        ThreatensChildrenFamily = "ThreatensChildrenFamily",
        /// HTCDS `DebtBondage`.
        DebtBondage = "DebtBondage",
        /// HTCDS `FalsePromises`.
        FalsePromises = "FalsePromises",
        /// HTCDS `PhysicalAbuse`.
        PhysicalAbuse = "PhysicalAbuse",
        /// HTCDS `SexualAbuse`.
        SexualAbuse = "SexualAbuse",
        /// HTCDS `TakesEarnings`.
        TakesEarnings = "TakesEarnings",
        /// HTCDS `RestrictsFinancialAccess`.
        RestrictsFinancialAccess = "RestrictsFinancialAccess",
        /// HTCDS `RestrictsMedicalCare`.
        RestrictsMedicalCare = "RestrictsMedicalCare",
        /// HTCDS `WithholdsNecessities`.
        WithholdsNecessities = "WithholdsNecessities",
        /// HTCDS `PsychologicalAbuse`.
        PsychologicalAbuse = "PsychologicalAbuse",
        /// HTCDS `PsychoactiveSubstance`.
        PsychoactiveSubstance = "PsychoactiveSubstance",
        /// HTCDS `ExcessiveWorkingHours`.
        ExcessiveWorkingHours = "ExcessiveWorkingHours",
        /// HTCDS `WithholdsDocuments`.
        WithholdsDocuments = "WithholdsDocuments",
        /// HTCDS `Other`.
        Other = "Other",
    }
}

kinds! {
    /// A perpetrator's relation to her (HTCDS vic_RelationshipToTrafficker; the standard spells the third value so). Stored as the standard's value names, so the export maps one to one.
    Relation {
        /// HTCDS `Familial`.
        Familial = "Familial",
        /// HTCDS `Acquainted`.
        Acquainted = "Acquainted",
        /// HTCDS `Unaquainted`.
        Unaquainted = "Unaquainted",
    }
}

kinds! {
    /// A perpetrator's role (HTCDS per_RoleInProcess). Stored as the standard's value names, so the export maps one to one.
    PerpetratorRole {
        /// HTCDS `TravellingPartner`.
        TravellingPartner = "TravellingPartner",
        /// HTCDS `Transporter`.
        Transporter = "Transporter",
        /// HTCDS `RecruiterOrIntermediary`.
        RecruiterOrIntermediary = "RecruiterOrIntermediary",
        /// HTCDS `BrokerTravelAgent`.
        BrokerTravelAgent = "BrokerTravelAgent",
        /// HTCDS `TransferredIndividual`.
        TransferredIndividual = "TransferredIndividual",
        /// HTCDS `HarbouredIndividual`.
        HarbouredIndividual = "HarbouredIndividual",
        /// HTCDS `SoldIndividual`.
        SoldIndividual = "SoldIndividual",
        /// HTCDS `BoughtIndividual`.
        BoughtIndividual = "BoughtIndividual",
        /// HTCDS `ReceivedIndividual`.
        ReceivedIndividual = "ReceivedIndividual",
        /// HTCDS `ControlledIndividual`.
        ControlledIndividual = "ControlledIndividual",
        /// HTCDS `Smuggler`.
        Smuggler = "Smuggler",
        /// HTCDS `Abuser`.
        Abuser = "Abuser",
        /// HTCDS `Kidnapper`.
        Kidnapper = "Kidnapper",
        /// HTCDS `Exploiter`.
        Exploiter = "Exploiter",
        /// HTCDS `Other`.
        Other = "Other",
    }
}

/// The trafficking experience as typed: a choice each for her status and a perpetrator's
/// relation, a checkbox per value of the multiselects (`exploitation_<Value>`,
/// `recruitment_<Value>`, `control_<Value>`), where she was taken, how old she was and for how
/// many months.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ExperienceForm {
    /// The version it was read at (0 for none yet).
    #[serde(default)]
    pub version: String,
    /// [`TraffickingStatus`].
    #[serde(default)]
    pub status: String,
    /// Destination (country, place), as told.
    #[serde(default)]
    pub destination: String,
    /// Age when first trafficked.
    #[serde(default)]
    pub age_trafficked: String,
    /// Months in exploitation.
    #[serde(default)]
    pub months: String,
    /// The checkboxes, by name.
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// The experience to record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExperienceDraft {
    /// The version it was read at.
    pub version: i64,
    /// Her status.
    pub status: Option<TraffickingStatus>,
    /// Types of exploitation.
    pub exploitation: Vec<Exploitation>,
    /// Means of recruitment.
    pub recruitment: Vec<Recruitment>,
    /// Means of control.
    pub control: Vec<Control>,
    /// Destination.
    pub destination: Option<String>,
    /// Age when first trafficked.
    pub age_trafficked: Option<i64>,
    /// Months in exploitation.
    pub months: Option<i64>,
}

/// The values of a multiselect ticked in a form: `prefix_<Value>` = on.
pub(crate) fn ticked<T: Copy>(
    fields: &std::collections::BTreeMap<String, String>,
    prefix: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Vec<T> {
    all.iter()
        .copied()
        .filter(|v| {
            fields
                .get(&format!("{prefix}_{}", name(*v)))
                .is_some_and(|x| x == "on")
        })
        .collect()
}

impl ExperienceForm {
    /// Checks every field at once; everything is optional (she tells what she tells).
    pub fn check(&self) -> Result<ExperienceDraft, Invalid> {
        let mut c = Checker::default();
        let status = match self.status.trim() {
            "" => None,
            typed => c.choose("status", typed, TraffickingStatus::parse),
        };
        let destination = c.optional_text("destination", &self.destination, 120);
        let age = match self.age_trafficked.trim() {
            "" => None,
            typed => c.number("age_trafficked", typed, 0, 100),
        };
        let months = match self.months.trim() {
            "" => None,
            typed => c.number("months", typed, 0, 600),
        };
        let version = self.version.trim().parse::<i64>().unwrap_or(0);
        c.finish(())?;
        Ok(ExperienceDraft {
            version,
            status,
            exploitation: ticked(
                &self.fields,
                "exploitation",
                Exploitation::ALL,
                Exploitation::as_str,
            ),
            recruitment: ticked(
                &self.fields,
                "recruitment",
                Recruitment::ALL,
                Recruitment::as_str,
            ),
            control: ticked(&self.fields, "control", Control::ALL, Control::as_str),
            destination,
            age_trafficked: age,
            months,
        })
    }
}

/// A perpetrator as typed: only the relation and the roles the standard needs.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PerpetratorForm {
    /// [`Relation`].
    #[serde(default)]
    pub relation: String,
    /// The checkboxes, `role_<Value>`.
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// A perpetrator to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerpetratorDraft {
    /// Relation to her.
    pub relation: Relation,
    /// Roles (at least one).
    pub roles: Vec<PerpetratorRole>,
}

impl PerpetratorForm {
    /// Checks both at once: a relation and at least one role.
    pub fn check(&self) -> Result<PerpetratorDraft, Invalid> {
        let mut c = Checker::default();
        let relation = c.choose("relation", &self.relation, Relation::parse);
        let roles = ticked(
            &self.fields,
            "role",
            PerpetratorRole::ALL,
            PerpetratorRole::as_str,
        );
        if roles.is_empty() {
            c.fail("role_Exploiter", "error-perpetrator-role");
        }
        c.finish(())?;
        let relation = relation.ok_or(Invalid::required("relation"))?;
        Ok(PerpetratorDraft { relation, roles })
    }
}

kinds! {
    /// The age bands survivor figures are broken down by.
    AgeBand {
        /// A child.
        Under18 = "under-18",
        /// A young adult.
        From18To24 = "18-24",
        /// 25 and over.
        From25 = "25-plus",
        /// Year of birth not known.
        Unknown = "unknown",
    }
}

impl AgeBand {
    /// Her band in `year` (AD), from her year of birth.
    pub fn of(birth_year: Option<i32>, year: i32) -> AgeBand {
        match birth_year.map(|b| year - b) {
            None => AgeBand::Unknown,
            Some(a) if a < ADULT_AGE => AgeBand::Under18,
            Some(a) if a < 25 => AgeBand::From18To24,
            Some(_) => AgeBand::From25,
        }
    }
}

/// Under this age a case is a child's: it records the guardian, and consent is the child's
/// and the guardian's together.
pub const ADULT_AGE: i32 = 18;

/// The form opening a case, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CaseForm {
    /// The organisation that holds the case (id).
    pub organisation: String,
    /// What it is opened from (`CaseOrigin`), and that record's id.
    pub origin: String,
    /// The record it is opened from.
    pub origin_id: String,
    /// Given name (sealed).
    pub given_name: String,
    /// Family name (sealed).
    pub family_name: String,
    /// Female, male or other (third gender).
    pub sex: String,
    /// Year of birth (AD), if known.
    pub birth_year: String,
    /// Home ward, if known.
    pub home: String,
    /// A child's guardian (sealed).
    pub guardian_name: String,
    /// The guardian's relation to the child.
    pub guardian_relation: String,
    /// Opened on (BS).
    pub opened_on: String,
}

/// A case to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDraft {
    /// The organisation holding it.
    pub organisation: i64,
    /// What it was opened from, with that record's id (none when opened directly).
    pub origin: CaseOrigin,
    /// The record it came from.
    pub origin_id: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Year of birth (AD).
    pub birth_year: Option<i32>,
    /// Home ward.
    pub home: Option<PlaceCode>,
    /// A child's guardian and the guardian's relation.
    pub guardian: Option<(String, String)>,
    /// Opened on.
    pub opened_on: time::Date,
}

impl CaseDraft {
    /// Whether the survivor was a child on `day` (unknown age counts as an adult's case).
    pub fn is_child_on(&self, day: time::Date) -> bool {
        self.birth_year.is_some_and(|y| day.year() - y < ADULT_AGE)
    }
}

impl CaseForm {
    /// Checks every field at once: a name (given or family), the sex, a past opening date, a
    /// ward for a home, the origin's record unless opened directly, and a child's guardian.
    pub fn check(&self, today: time::Date) -> Result<CaseDraft, Invalid> {
        let mut c = Checker::default();
        let organisation = match self.organisation.trim().parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                c.fail("organisation", "error-choice");
                None
            }
        };
        let origin = c.choose("origin", &self.origin, CaseOrigin::parse);
        let origin_id = c.optional_text("origin_id", &self.origin_id, 64);
        if origin.is_some_and(|o| o != CaseOrigin::Direct) && origin_id.is_none() {
            c.fail("origin_id", "error-required");
        }
        let given_name = c.optional_text("given_name", &self.given_name, 120);
        let family_name = c.optional_text("family_name", &self.family_name, 120);
        if given_name.is_none() && family_name.is_none() {
            c.fail("given_name", "error-case-name");
        }
        let sex = c.choose("sex", &self.sex, Sex::parse);
        let birth_year = match crate::numbers::to_ascii_digits(self.birth_year.trim()).as_str() {
            "" => None,
            digits => match digits.parse::<i32>() {
                Ok(y) if (1900..=today.year()).contains(&y) => Some(y),
                _ => {
                    c.fail("birth_year", "error-birth-year");
                    None
                }
            },
        };
        let home = match self.home.trim() {
            "" => None,
            typed => c.place(
                "home",
                typed,
                |p| matches!(p, PlaceCode::Ward { .. }),
                "error-ward-code",
            ),
        };
        let opened_on = c.past_date("opened_on", &self.opened_on, today);
        let guardian_name = c.optional_text("guardian_name", &self.guardian_name, 120);
        let guardian_relation = c.optional_text("guardian_relation", &self.guardian_relation, 60);
        let child = birth_year.is_some_and(|y| today.year() - y < ADULT_AGE);
        let guardian = match (guardian_name, guardian_relation) {
            (Some(n), Some(r)) => Some((n, r)),
            (Some(_), None) => {
                c.fail("guardian_relation", "error-required");
                None
            }
            (None, _) if child => {
                c.fail("guardian_name", "error-case-guardian");
                None
            }
            (None, _) => None,
        };
        c.finish(())?;
        match (organisation, origin, sex, opened_on) {
            (Some(organisation), Some(origin), Some(sex), Some(opened_on)) => Ok(CaseDraft {
                organisation,
                origin,
                origin_id: origin_id.filter(|_| origin != CaseOrigin::Direct),
                given_name,
                family_name,
                sex,
                birth_year,
                home,
                guardian,
                opened_on,
            }),
            _ => Err(Invalid::required("opened_on")),
        }
    }
}

/// The form recording a consent, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ConsentForm {
    /// What is consented to (`ConsentKind`).
    pub kind: String,
    /// For sharing: the organisation it may be shared with (id).
    pub with_org: String,
    /// Given on (BS).
    pub given_on: String,
    /// Who took it (the caseworker's name as she signs).
    pub taken_by: String,
    /// `on` when the guardian consented too (required for a child's case).
    pub guardian: String,
}

/// A consent to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDraft {
    /// What is consented to.
    pub kind: ConsentKind,
    /// For sharing: with whom.
    pub with_org: Option<i64>,
    /// Given on.
    pub given_on: time::Date,
    /// Who took it.
    pub taken_by: String,
    /// Whether the guardian consented too.
    pub guardian: bool,
}

impl ConsentForm {
    /// Checks every field at once: sharing names the organisation, the others do not.
    pub fn check(&self, today: time::Date) -> Result<ConsentDraft, Invalid> {
        let mut c = Checker::default();
        let kind = c.choose("kind", &self.kind, ConsentKind::parse);
        let with_org = match (kind, self.with_org.trim()) {
            (Some(ConsentKind::Sharing), "") => {
                c.fail("with_org", "error-required");
                None
            }
            (Some(ConsentKind::Sharing), typed) => match typed.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    c.fail("with_org", "error-choice");
                    None
                }
            },
            _ => None,
        };
        let given_on = c.past_date("given_on", &self.given_on, today);
        let taken_by = c.text("taken_by", &self.taken_by, 120);
        c.finish(())?;
        match (kind, given_on) {
            (Some(kind), Some(given_on)) => Ok(ConsentDraft {
                kind,
                with_org,
                given_on,
                taken_by,
                guardian: self.guardian.trim() == "on",
            }),
            _ => Err(Invalid::required("kind")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: time::Date = date!(2026 - 12 - 03);

    fn form() -> CaseForm {
        CaseForm {
            organisation: "7".into(),
            origin: "handover".into(),
            origin_id: "3f2c".into(),
            given_name: "Sita".into(),
            sex: "female".into(),
            birth_year: "१९९८".into(),
            home: "5110604".into(),
            opened_on: "2083-08-10".into(),
            ..CaseForm::default()
        }
    }

    #[test]
    fn a_case_is_opened_from_what_was_recorded() {
        let d = form().check(TODAY).unwrap();
        assert_eq!(d.origin, CaseOrigin::Handover);
        assert_eq!(d.origin_id.as_deref(), Some("3f2c"));
        assert_eq!(d.birth_year, Some(1998));
        assert!(!d.is_child_on(TODAY));
        let direct = CaseForm {
            origin: "direct".into(),
            origin_id: "ignored".into(),
            sex: "other".into(),
            ..form()
        };
        let d = direct.check(TODAY).unwrap();
        assert_eq!(
            (d.origin_id, d.sex),
            (None, Sex::Other),
            "third gender is a sex"
        );
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let bad = CaseForm {
            organisation: "x".into(),
            origin: "handover".into(),
            origin_id: String::new(),
            given_name: String::new(),
            family_name: String::new(),
            sex: "unknown".into(),
            birth_year: "1800".into(),
            home: "51106".into(),
            opened_on: "2090-01-01".into(),
            ..CaseForm::default()
        }
        .check(TODAY)
        .unwrap_err();
        for (field, message) in [
            ("organisation", "error-choice"),
            ("origin_id", "error-required"),
            ("given_name", "error-case-name"),
            ("sex", "error-choice"),
            ("birth_year", "error-birth-year"),
            ("home", "error-ward-code"),
            ("opened_on", "error-date-future"),
        ] {
            assert_eq!(bad.for_field(field), Some(message), "{field}");
        }
    }

    #[test]
    fn a_childs_case_records_the_guardian() {
        let child = CaseForm {
            birth_year: "2012".into(),
            ..form()
        };
        let e = child.clone().check(TODAY).unwrap_err();
        assert_eq!(e.for_field("guardian_name"), Some("error-case-guardian"));
        let d = CaseForm {
            guardian_name: "Maya".into(),
            guardian_relation: "mother".into(),
            ..child
        }
        .check(TODAY)
        .unwrap();
        assert!(d.is_child_on(TODAY));
        assert_eq!(d.guardian, Some(("Maya".into(), "mother".into())));
    }

    #[test]
    fn sharing_names_the_organisation() {
        let c = |kind: &str, with: &str| ConsentForm {
            kind: kind.into(),
            with_org: with.into(),
            given_on: "2083-08-10".into(),
            taken_by: "Caseworker".into(),
            guardian: String::new(),
        };
        assert_eq!(
            c("sharing", "")
                .check(TODAY)
                .unwrap_err()
                .for_field("with_org"),
            Some("error-required")
        );
        assert_eq!(c("sharing", "12").check(TODAY).unwrap().with_org, Some(12));
        assert_eq!(c("services", "12").check(TODAY).unwrap().with_org, None);
        assert_eq!(
            c("everything", "")
                .check(TODAY)
                .unwrap_err()
                .for_field("kind"),
            Some("error-choice")
        );
    }

    #[test]
    fn an_assessment_scores_every_domain_on_the_scale() {
        let today = time::macros::date!(2026 - 12 - 03);
        let mut form = AssessmentForm {
            assessed_on: "2083-08-10".into(),
            ..Default::default()
        };
        for d in Domain::ALL {
            form.fields.insert(d.score_field().into(), "३".into());
        }
        form.fields
            .insert("note_health".into(), "Clinic visit done".into());
        let draft = form.check(today).unwrap();
        assert_eq!(draft.scores.len(), Domain::ALL.len());
        assert!(
            draft.scores.iter().all(|(_, s, _)| *s == 3),
            "Devanagari digits read"
        );
        assert_eq!(draft.scores[2].2.as_deref(), Some("Clinic visit done"));

        form.fields.insert("score_safety".into(), "5".into());
        form.fields.insert("score_legal".into(), String::new());
        form.fields.insert("note_family".into(), "x".repeat(501));
        form.assessed_on = "2090-01-01".into();
        let err = form.check(today).unwrap_err();
        for field in ["score_safety", "score_legal", "note_family", "assessed_on"] {
            assert!(err.for_field(field).is_some(), "{field} reported");
        }
    }

    #[test]
    fn a_plan_names_its_domain_its_due_dates_and_its_next_review_after_this_one() {
        let today = time::macros::date!(2026 - 12 - 03);
        let goal = GoalForm {
            domain: "education".into(),
            goal: "Back to school".into(),
        };
        assert_eq!(goal.check().unwrap().domain, Domain::Education);
        let bad = GoalForm {
            domain: "astrology".into(),
            goal: " ".into(),
        };
        let err = bad.check().unwrap_err();
        assert!(err.for_field("domain").is_some() && err.for_field("goal").is_some());
        let task = TaskForm {
            goal: "g1".into(),
            task: "Enrol at the secondary school".into(),
            due_on: "2083-10-01".into(),
            responsible: "Caseworker and her mother".into(),
        };
        assert!(
            task.check().unwrap().due_on > today,
            "a task may be due later"
        );
        let review = ReviewForm {
            reviewed_on: "2083-08-10".into(),
            next_review_on: "2083-08-01".into(),
            note: String::new(),
        };
        assert_eq!(
            review.check(today).unwrap_err().for_field("next_review_on"),
            Some("error-review-after")
        );
    }

    #[test]
    fn follow_ups_fall_due_months_after_her_return_and_say_what_was_found() {
        use time::macros::date;
        assert_eq!(
            months_after(date!(2026 - 01 - 31), 1),
            date!(2026 - 02 - 28)
        );
        assert_eq!(
            months_after(date!(2026 - 11 - 15), 3),
            date!(2027 - 02 - 15)
        );
        assert_eq!(
            months_after(date!(2026 - 12 - 03), 12),
            date!(2027 - 12 - 03)
        );
        let today = date!(2026 - 12 - 03);
        let mut f = FollowUpForm {
            followup: "f1".into(),
            done_on: "2083-08-10".into(),
            contact: "visit".into(),
            ..Default::default()
        };
        assert_eq!(
            f.check(today).unwrap_err().for_field("found_with_family"),
            Some("error-followup-found"),
            "something was found, even that she could not be reached"
        );
        f.fields.insert("found_with_family".into(), "on".into());
        f.fields.insert("found_has_income".into(), "on".into());
        let d = f.check(today).unwrap();
        assert_eq!(
            d.found,
            [Reintegration::WithFamily, Reintegration::HasIncome]
        );
        assert_eq!(d.contact, Contact::Visit);
    }

    #[test]
    fn a_service_is_checked_as_its_kind_needs() {
        let today = time::macros::date!(2026 - 12 - 03);
        let training = ServiceForm {
            kind: "skills-training".into(),
            provider: "4".into(),
            started_on: "2083-05-01".into(),
            ended_on: "2083-06-15".into(),
            detail: "Tailoring".into(),
            hours: "१२०".into(),
            outcome: "completed".into(),
            ..Default::default()
        };
        let d = training.check(today).unwrap();
        assert_eq!(
            (d.hours, d.outcome),
            (Some(120), Some(ServiceOutcome::Completed))
        );
        let wrong = ServiceForm {
            hours: String::new(),
            detail: String::new(),
            outcome: "approved".into(),
            ended_on: "2083-04-01".into(),
            ..training.clone()
        };
        let err = wrong.check(today).unwrap_err();
        for f in ["hours", "detail", "outcome", "ended_on"] {
            assert!(err.for_field(f).is_some(), "{f}");
        }
        let seed = ServiceForm {
            kind: "seed-funding".into(),
            provider: "4".into(),
            started_on: "2083-07-01".into(),
            detail: "Sewing machine".into(),
            amount: "0".into(),
            ..Default::default()
        };
        assert_eq!(
            seed.check(today).unwrap_err().for_field("amount"),
            Some("error-seed-amount")
        );
        let tranche = TrancheForm {
            service: "s1".into(),
            paid_on: "2083-07-02".into(),
            amount: "15,000".into(),
            receipt: "R-44".into(),
            budget_line: "b1".into(),
        };
        assert_eq!(tranche.check(today).unwrap().amount, 15_000);
    }

    #[test]
    fn the_experience_is_recorded_in_the_standards_values() {
        let mut f = ExperienceForm {
            status: "ActualVictimOfTrafficking".into(),
            destination: "India, Mumbai".into(),
            months: "१८".into(),
            ..Default::default()
        };
        f.fields
            .insert("exploitation_SexualExploitation".into(), "on".into());
        f.fields.insert("control_DebtBondage".into(), "on".into());
        f.fields
            .insert("control_WithholdsDocuments".into(), "on".into());
        let d = f.check().unwrap();
        assert_eq!(d.exploitation, [Exploitation::SexualExploitation]);
        assert_eq!(
            d.control,
            [Control::DebtBondage, Control::WithholdsDocuments]
        );
        assert_eq!(d.months, Some(18));
        f.status = "Victim".into();
        f.age_trafficked = "300".into();
        let err = f.check().unwrap_err();
        assert!(err.for_field("status").is_some() && err.for_field("age_trafficked").is_some());
        let p = PerpetratorForm {
            relation: "Acquainted".into(),
            ..Default::default()
        };
        assert_eq!(
            p.check().unwrap_err().for_field("role_Exploiter"),
            Some("error-perpetrator-role")
        );
    }
}

/// The ISO 3166 code of the country a destination "as told" names first ("India, Mumbai" →
/// `IN`), for the HTCDS export, which shares the country and never the place. Only the
/// countries Nepali survivors are taken to most are known; any other text gives `None`.
pub fn destination_country(destination: &str) -> Option<&'static str> {
    const KNOWN: &[(&str, &str)] = &[
        ("india", "IN"),
        ("भारत", "IN"),
        ("china", "CN"),
        ("चीन", "CN"),
        ("malaysia", "MY"),
        ("मलेसिया", "MY"),
        ("qatar", "QA"),
        ("कतार", "QA"),
        ("saudi arabia", "SA"),
        ("साउदी अरब", "SA"),
        ("united arab emirates", "AE"),
        ("uae", "AE"),
        ("dubai", "AE"),
        ("kuwait", "KW"),
        ("oman", "OM"),
        ("bahrain", "BH"),
        ("lebanon", "LB"),
        ("jordan", "JO"),
        ("iraq", "IQ"),
        ("korea", "KR"),
        ("south korea", "KR"),
        ("japan", "JP"),
        ("nepal", "NP"),
        ("नेपाल", "NP"),
    ];
    let first = destination
        .split([',', ';', '/'])
        .next()?
        .trim()
        .to_lowercase();
    KNOWN
        .iter()
        .find(|(name, _)| *name == first)
        .map(|(_, code)| *code)
}

#[cfg(test)]
mod destination_tests {
    use super::destination_country;

    #[test]
    fn only_the_country_of_a_destination_is_kept() {
        assert_eq!(destination_country("India, Mumbai"), Some("IN"));
        assert_eq!(destination_country(" Malaysia "), Some("MY"));
        assert_eq!(destination_country("भारत, दिल्ली"), Some("IN"));
        assert_eq!(destination_country("Kamathipura, Mumbai"), None);
        assert_eq!(destination_country(""), None);
    }
}
