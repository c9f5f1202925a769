//! Border information and assistance booths: daily tallies of people informed, screening of
//! one person with a risk score, hand-overs between parties, and police referrals.
//!
//! Forms arrive as text (an HTML form or a JSON record synced from a phone that was offline);
//! the `*Form` types hold them exactly as typed so a refused form comes back intact, and
//! `check` turns them into drafts or says, field by field, what is wrong.

use serde::{Deserialize, Deserializer, Serialize};
use time::{Date, Duration};

use crate::calendar::{parse_ad, BsDate};
use crate::community::{Participants, Sex};
use crate::geo::PlaceCode;
use crate::numbers::to_ascii_digits;
use crate::risk::{Catalogue, RiskLevel};
use crate::validation::Checker;
use crate::Invalid;

kinds! {
    /// How a screening ended.
    Outcome {
        /// Counselled and allowed to continue.
        Continued = "counselled-continued",
        /// Stopped at the border.
        Intercepted = "intercepted",
        /// Handed to police.
        HandedToPolice = "handed-to-police",
        /// Reunited with family.
        ReunitedWithFamily = "reunited-with-family",
        /// Referred to a shelter.
        ReferredToShelter = "referred-to-shelter",
    }
}

impl Outcome {
    /// Whether the person was stopped (every outcome but continuing the journey).
    pub fn stopped(self) -> bool {
        self != Outcome::Continued
    }
}

kinds! {
    /// Why the person travels.
    Purpose {
        /// Work.
        Work = "work",
        /// Study.
        Study = "study",
        /// Marriage.
        Marriage = "marriage",
        /// Visiting family or relatives.
        VisitingFamily = "visiting-family",
        /// Medical treatment.
        Medical = "medical",
        /// Pilgrimage or tourism.
        Pilgrimage = "pilgrimage",
        /// Something else.
        Other = "other",
    }
}

kinds! {
    /// Who paid for the journey.
    Payer {
        /// The person.
        OwnMoney = "self",
        /// Their family.
        Family = "family",
        /// A companion.
        Companion = "companion",
        /// An agent or recruiter.
        Agent = "agent",
        /// An employer.
        Employer = "employer",
        /// Not known.
        Unknown = "unknown",
    }
}

kinds! {
    /// How companions relate to the person.
    Relation {
        /// Travelling alone.
        Alone = "alone",
        /// Parents or other family.
        Family = "family",
        /// Husband or wife.
        Spouse = "spouse",
        /// Friend.
        Friend = "friend",
        /// Agent, broker or recruiter.
        Agent = "agent",
        /// Someone met recently.
        Stranger = "stranger",
    }
}

kinds! {
    /// An identity or travel document.
    Document {
        /// Citizenship certificate.
        Citizenship = "citizenship",
        /// Passport.
        Passport = "passport",
        /// Voter identity card.
        VoterId = "voter-id",
        /// Birth registration certificate.
        BirthCertificate = "birth-certificate",
        /// Labour permit or visa.
        LabourPermit = "labour-permit",
        /// Another document.
        Other = "other",
    }
}

kinds! {
    /// A party to a hand-over.
    Party {
        /// A border booth.
        Booth = "booth",
        /// A non-governmental organisation.
        Ngo = "ngo",
        /// Nepal Police.
        NepalPolice = "nepal-police",
        /// India's Sashastra Seema Bal.
        Ssb = "ssb",
        /// Indian police.
        IndianPolice = "indian-police",
        /// The person's family.
        Family = "family",
        /// A shelter.
        Shelter = "shelter",
    }
}

kinds! {
    /// What a police referral is about.
    ReferralCategory {
        /// Suspected trafficking.
        SuspectedTrafficking = "suspected-trafficking",
        /// A missing person.
        MissingPerson = "missing-person",
        /// Child marriage.
        ChildMarriage = "child-marriage",
        /// Fraudulent foreign-employment recruitment.
        FraudulentRecruitment = "fraudulent-recruitment",
        /// Forced labour.
        ForcedLabour = "forced-labour",
        /// Sexual exploitation.
        SexualExploitation = "sexual-exploitation",
        /// Something else.
        Other = "other",
    }
}

kinds! {
    /// How soon police must act.
    Urgency {
        /// Life or liberty at stake now.
        Immediate = "immediate",
        /// Within a day.
        Urgent = "urgent",
        /// Within a week.
        Routine = "routine",
    }
}

impl Urgency {
    /// Time allowed to acknowledge a referral.
    pub fn acknowledge_within(self) -> Duration {
        match self {
            Urgency::Immediate => Duration::hours(2),
            Urgency::Urgent => Duration::hours(24),
            Urgency::Routine => Duration::hours(72),
        }
    }

    /// Time allowed from sending to action taken.
    pub fn act_within(self) -> Duration {
        match self {
            Urgency::Immediate => Duration::hours(24),
            Urgency::Urgent => Duration::days(3),
            Urgency::Routine => Duration::days(14),
        }
    }
}

kinds! {
    /// Where a referral stands.
    ReferralStatus {
        /// Sent, not yet acknowledged.
        Sent = "sent",
        /// Acknowledged by the police unit.
        Acknowledged = "acknowledged",
        /// Police acted.
        ActionTaken = "action-taken",
        /// Closed after action.
        Closed = "closed",
        /// Closed without action (with a reason).
        ClosedWithoutAction = "closed-without-action",
    }
}

impl ReferralStatus {
    /// The statuses a referral may move to from this one.
    pub fn next(self) -> &'static [ReferralStatus] {
        use ReferralStatus::*;
        match self {
            Sent => &[Acknowledged, ClosedWithoutAction],
            Acknowledged => &[ActionTaken, ClosedWithoutAction],
            ActionTaken => &[Closed],
            Closed | ClosedWithoutAction => &[],
        }
    }

    /// Whether the referral is finished.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ReferralStatus::Closed | ReferralStatus::ClosedWithoutAction
        )
    }
}

kinds! {
    /// Who raised a referral.
    ReferralSource {
        /// Booth staff.
        Booth = "booth",
        /// A youth ambassador.
        YouthAmbassador = "youth-ambassador",
        /// A community member (recorded by whoever took the call).
        Community = "community",
    }
}

/// A hand-over not acknowledged within this time after it happened is flagged.
pub const HANDOVER_ACK_WITHIN: Duration = Duration::hours(24);

/// Reads a form value that may arrive as JSON text, number, boolean or null.
pub(crate) fn loose<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        serde_json::Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    })
}

/// Whether a checkbox or flag is set (`on`, `true`, `1`, `yes`).
pub fn flag(raw: &str) -> bool {
    matches!(raw.trim(), "on" | "true" | "1" | "yes")
}

/// Reads a date given as ISO AD in `ad` or as Bikram Sambat in `bs` (either digits).
pub(crate) fn date_field(c: &mut Checker, field: &'static str, ad: &str, bs: &str) -> Option<Date> {
    if !ad.trim().is_empty() {
        return parse_ad(ad).map_err(|_| c.fail(field, "error-date")).ok();
    }
    if bs.trim().is_empty() {
        c.fail(field, "error-required");
        return None;
    }
    bs.parse::<BsDate>()
        .map(BsDate::to_ad)
        .map_err(|_| c.fail(field, "error-bs-date"))
        .ok()
}

fn count(c: &mut Checker, field: &'static str, raw: &str, max: i64) -> i64 {
    whole(c, field, raw, max, "error-count")
}

/// A whole number from 0 to `max` (empty is 0), refused with `message`.
fn whole(c: &mut Checker, field: &'static str, raw: &str, max: i64, message: &'static str) -> i64 {
    let t = to_ascii_digits(raw.trim());
    if t.is_empty() {
        return 0;
    }
    match t.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => n,
        _ => {
            c.fail(field, message);
            0
        }
    }
}

/// The largest number one tally cell may hold (a busy booth informs a few hundred a day).
pub const MAX_TALLY: i64 = 5_000;

/// A tally as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TallyForm {
    /// The booth (site id).
    #[serde(deserialize_with = "loose")]
    pub site: String,
    /// The day, ISO AD.
    #[serde(deserialize_with = "loose")]
    pub date: String,
    /// The day, BS.
    #[serde(deserialize_with = "loose")]
    pub date_bs: String,
    /// Female under 18.
    #[serde(deserialize_with = "loose")]
    pub female_u18: String,
    /// Male under 18.
    #[serde(deserialize_with = "loose")]
    pub male_u18: String,
    /// Other under 18.
    #[serde(deserialize_with = "loose")]
    pub other_u18: String,
    /// Female 18 and over.
    #[serde(deserialize_with = "loose")]
    pub female_18: String,
    /// Male 18 and over.
    #[serde(deserialize_with = "loose")]
    pub male_18: String,
    /// Other 18 and over.
    #[serde(deserialize_with = "loose")]
    pub other_18: String,
    /// Leaflets, cards and other materials given out.
    #[serde(deserialize_with = "loose")]
    pub materials: String,
}

/// A checked tally: people informed at one booth during one day (or one shift of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TallyDraft {
    /// The booth.
    pub site: i64,
    /// The day.
    #[serde(serialize_with = "ser_date")]
    pub day: Date,
    /// People informed by sex × age band.
    pub informed: Participants,
    /// Materials given out.
    pub materials: i64,
}

impl TallyForm {
    /// Checks the form; `today` bounds the date (no tallies for tomorrow).
    pub fn check(&self, today: Date) -> Result<TallyDraft, Invalid> {
        let mut c = Checker::default();
        let site = site_id(&mut c, &self.site);
        let day = date_field(&mut c, "date", &self.date, &self.date_bs);
        if day.is_some_and(|d| d > today) {
            c.fail("date", "error-date-future");
        }
        let informed = Participants {
            under18: [
                count(&mut c, "female_u18", &self.female_u18, MAX_TALLY),
                count(&mut c, "male_u18", &self.male_u18, MAX_TALLY),
                count(&mut c, "other_u18", &self.other_u18, MAX_TALLY),
            ],
            adults: [
                count(&mut c, "female_18", &self.female_18, MAX_TALLY),
                count(&mut c, "male_18", &self.male_18, MAX_TALLY),
                count(&mut c, "other_18", &self.other_18, MAX_TALLY),
            ],
        };
        let materials = count(&mut c, "materials", &self.materials, MAX_TALLY * 4);
        if informed.total() == 0 && materials == 0 {
            c.fail("female_18", "error-tally-empty");
        }
        c.finish(TallyDraft {
            site,
            day: day.unwrap_or(today),
            informed,
            materials,
        })
    }
}

fn site_id(c: &mut Checker, raw: &str) -> i64 {
    match raw.trim().parse::<i64>() {
        Ok(n) if n > 0 => n,
        _ => {
            c.fail("site", "error-required");
            0
        }
    }
}

/// A screening as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ScreeningForm {
    /// The booth (site id).
    #[serde(deserialize_with = "loose")]
    pub site: String,
    /// Date, ISO AD.
    #[serde(deserialize_with = "loose")]
    pub date: String,
    /// Date, BS.
    #[serde(deserialize_with = "loose")]
    pub date_bs: String,
    /// Time, `HH:MM` (Nepal time).
    #[serde(deserialize_with = "loose")]
    pub time: String,
    /// Given name(s).
    #[serde(deserialize_with = "loose")]
    pub given_name: String,
    /// Family name.
    #[serde(deserialize_with = "loose")]
    pub family_name: String,
    /// Sex.
    #[serde(deserialize_with = "loose")]
    pub sex: String,
    /// Age in years (or give the birth date).
    #[serde(deserialize_with = "loose")]
    pub age: String,
    /// Birth date, BS.
    #[serde(deserialize_with = "loose")]
    pub birth_date_bs: String,
    /// Phone.
    #[serde(deserialize_with = "loose")]
    pub phone: String,
    /// Home ward (7 digits) or local level (5 digits).
    #[serde(deserialize_with = "loose")]
    pub home: String,
    /// Identity documents seen.
    pub documents_seen: Vec<String>,
    /// Destination country.
    #[serde(deserialize_with = "loose")]
    pub destination_country: String,
    /// Destination place (city, employer address).
    #[serde(deserialize_with = "loose")]
    pub destination_place: String,
    /// Purpose.
    #[serde(deserialize_with = "loose")]
    pub purpose: String,
    /// Number of companions.
    #[serde(deserialize_with = "loose")]
    pub companions: String,
    /// How the companions relate to the person.
    #[serde(deserialize_with = "loose")]
    pub companion_relation: String,
    /// Who paid.
    #[serde(deserialize_with = "loose")]
    pub paid_by: String,
    /// Whether an agent or recruiter is involved.
    #[serde(deserialize_with = "loose")]
    pub agent_involved: String,
    /// Documents carried.
    pub documents_carried: Vec<String>,
    /// Risk indicator codes present.
    pub risk: Vec<String>,
    /// Outcome.
    #[serde(deserialize_with = "loose")]
    pub outcome: String,
    /// Consent to record identifying details.
    #[serde(deserialize_with = "loose")]
    pub consent_record: String,
    /// Consent to share with police or an NGO.
    #[serde(deserialize_with = "loose")]
    pub consent_share: String,
    /// A note (sealed).
    #[serde(deserialize_with = "loose")]
    pub note: String,
}

/// The list fields of a screening form (HTML forms repeat their names).
pub const SCREENING_LIST_FIELDS: &[&str] = &["documents_seen", "documents_carried", "risk"];

/// A checked screening. Identifying fields are present only with consent to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScreeningDraft {
    /// The booth.
    pub site: i64,
    /// Day.
    #[serde(serialize_with = "ser_date")]
    pub day: Date,
    /// `HH:MM`.
    pub time: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Age in whole years on the day.
    pub age: i64,
    /// Birth date.
    #[serde(serialize_with = "ser_opt_date")]
    pub birth_date: Option<Date>,
    /// Phone.
    pub phone: Option<String>,
    /// Home ward or local level.
    #[serde(serialize_with = "ser_opt_place")]
    pub home: Option<PlaceCode>,
    /// Documents seen.
    pub documents_seen: Vec<Document>,
    /// Destination country.
    pub destination_country: String,
    /// Destination place.
    pub destination_place: Option<String>,
    /// Purpose.
    pub purpose: Purpose,
    /// Companions.
    pub companions: i64,
    /// Their relation.
    pub companion_relation: Relation,
    /// Who paid.
    pub paid_by: Payer,
    /// Agent involved.
    pub agent_involved: bool,
    /// Documents carried.
    pub documents_carried: Vec<Document>,
    /// Indicator codes present, sorted.
    pub risk: Vec<String>,
    /// Outcome.
    pub outcome: Outcome,
    /// Consent to record.
    pub consent_record: bool,
    /// Consent to share.
    pub consent_share: bool,
    /// Note.
    pub note: Option<String>,
}

impl ScreeningDraft {
    /// Under 18 on the day.
    pub fn minor(&self) -> bool {
        self.age < 18
    }
}

pub(crate) fn choice<T: Copy>(
    c: &mut Checker,
    field: &'static str,
    raw: &str,
    parse: fn(&str) -> Option<T>,
    default: Option<T>,
) -> Option<T> {
    match (raw.trim(), default) {
        ("", Some(d)) => Some(d),
        ("", None) => {
            c.fail(field, "error-required");
            None
        }
        (s, _) => {
            let v = parse(s);
            if v.is_none() {
                c.fail(field, "error-choice");
            }
            v
        }
    }
}

fn documents(c: &mut Checker, field: &'static str, raw: &[String]) -> Vec<Document> {
    let mut out: Vec<Document> = Vec::new();
    for r in raw.iter().filter(|r| !r.trim().is_empty()) {
        match Document::parse(r.trim()) {
            Some(d) if !out.contains(&d) => out.push(d),
            Some(_) => {}
            None => c.fail(field, "error-choice"),
        }
    }
    out
}

/// Whole years from `born` to `on`.
pub fn age_on(born: Date, on: Date) -> i64 {
    let mut years = i64::from(on.year() - born.year());
    if (on.month() as u8, on.day()) < (born.month() as u8, born.day()) {
        years -= 1;
    }
    years
}

impl ScreeningForm {
    /// Checks the form against the catalogue it will be scored with; returns the draft and
    /// its score and level.
    pub fn check(
        &self,
        today: Date,
        catalogue: &Catalogue,
    ) -> Result<(ScreeningDraft, i64, RiskLevel), Invalid> {
        let mut c = Checker::default();
        let site = site_id(&mut c, &self.site);
        let day = date_field(&mut c, "date", &self.date, &self.date_bs);
        if day.is_some_and(|d| d > today) {
            c.fail("date", "error-date-future");
        }
        let day = day.unwrap_or(today);
        let time = self.time.trim().to_string();
        let time_ok = time.is_empty()
            || (time.len() == 5
                && time.as_bytes()[2] == b':'
                && time[..2].parse::<u8>().is_ok_and(|h| h < 24)
                && time[3..].parse::<u8>().is_ok_and(|m| m < 60));
        if !time_ok {
            c.fail("time", "error-time");
        }
        let consent_record = flag(&self.consent_record);
        let given_name = c.optional_text("given_name", &self.given_name, 80);
        let family_name = c.optional_text("family_name", &self.family_name, 80);
        let phone = c.optional_text("phone", &self.phone, 20);
        let note = optional_note(&mut c, "note", &self.note);
        let destination_place = c.optional_text("destination_place", &self.destination_place, 120);
        let birth_date = match self.birth_date_bs.trim() {
            "" => None,
            s => s
                .parse::<BsDate>()
                .map(BsDate::to_ad)
                .map_err(|_| c.fail("birth_date_bs", "error-bs-date"))
                .ok(),
        };
        if !consent_record {
            // Without consent nothing that names the person is kept: the record still counts.
            for (field, present) in [
                ("given_name", given_name.is_some()),
                ("family_name", family_name.is_some()),
                ("phone", phone.is_some()),
                ("birth_date_bs", birth_date.is_some()),
            ] {
                if present {
                    c.fail(field, "error-consent-needed");
                }
            }
        }
        let age = match (birth_date, self.age.trim()) {
            (Some(b), _) if b <= day => age_on(b, day),
            (Some(_), _) => {
                c.fail("birth_date_bs", "error-date-future");
                0
            }
            (None, "") => {
                c.fail("age", "error-required");
                0
            }
            // An age is not a number of people: its message says what an age must be.
            (None, raw) => whole(&mut c, "age", raw, 120, "error-age"),
        };
        let home = match self.home.trim() {
            "" => None,
            s => match s.parse::<PlaceCode>() {
                Ok(p @ (PlaceCode::Ward { .. } | PlaceCode::LocalLevel(_))) => Some(p),
                _ => {
                    c.fail("home", "error-ward-or-local-level");
                    None
                }
            },
        };
        let sex = choice(&mut c, "sex", &self.sex, Sex::parse, None);
        let purpose = choice(
            &mut c,
            "purpose",
            &self.purpose,
            Purpose::parse,
            Some(Purpose::Other),
        );
        let relation = choice(
            &mut c,
            "companion_relation",
            &self.companion_relation,
            Relation::parse,
            Some(Relation::Alone),
        );
        let paid_by = choice(
            &mut c,
            "paid_by",
            &self.paid_by,
            Payer::parse,
            Some(Payer::Unknown),
        );
        let outcome = choice(&mut c, "outcome", &self.outcome, Outcome::parse, None);
        let destination_country = match self.destination_country.trim() {
            "" => String::new(),
            s => c.text("destination_country", s, 60),
        };
        let mut risk: Vec<String> = self
            .risk
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        risk.sort();
        risk.dedup();
        let scored = catalogue.score(&risk);
        if scored.is_err() {
            c.fail("risk", "error-risk-unknown");
        }
        let draft = ScreeningDraft {
            site,
            day,
            time,
            given_name,
            family_name,
            sex: sex.unwrap_or(Sex::Other),
            age,
            birth_date,
            phone,
            home,
            documents_seen: documents(&mut c, "documents_seen", &self.documents_seen),
            destination_country,
            destination_place,
            purpose: purpose.unwrap_or(Purpose::Other),
            companions: count(&mut c, "companions", &self.companions, 100),
            companion_relation: relation.unwrap_or(Relation::Alone),
            paid_by: paid_by.unwrap_or(Payer::Unknown),
            agent_involved: flag(&self.agent_involved),
            documents_carried: documents(&mut c, "documents_carried", &self.documents_carried),
            risk,
            outcome: outcome.unwrap_or(Outcome::Continued),
            consent_record,
            consent_share: flag(&self.consent_share),
            note,
        };
        let (score, level) = scored.unwrap_or((0, RiskLevel::Low));
        c.finish((draft, score, level))
    }
}

pub(crate) fn optional_note(c: &mut Checker, field: &'static str, raw: &str) -> Option<String> {
    let v = raw.trim();
    if v.is_empty() {
        None
    } else if v.chars().count() > 4_000 {
        c.fail(field, "error-too-long");
        None
    } else {
        Some(v.to_string())
    }
}

fn ser_date<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&crate::calendar::iso(*d))
}

fn ser_opt_date<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(&crate::calendar::iso(*d)),
        None => s.serialize_none(),
    }
}

fn ser_opt_place<S: serde::Serializer>(p: &Option<PlaceCode>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.collect_str(p),
        None => s.serialize_none(),
    }
}

/// Splits a comma-separated stored list of documents.
pub fn documents_from_text(s: &str) -> Vec<Document> {
    s.split(',').filter_map(Document::parse).collect()
}

/// Joins documents for storage.
pub fn documents_to_text(d: &[Document]) -> String {
    d.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn form() -> ScreeningForm {
        ScreeningForm {
            site: "3".into(),
            date: "2025-08-01".into(),
            time: "09:45".into(),
            given_name: "Sita".into(),
            sex: "female".into(),
            birth_date_bs: "2066-01-01".into(),
            outcome: "intercepted".into(),
            risk: vec!["minor-no-consent".into(), "documents-held".into()],
            consent_record: "on".into(),
            ..Default::default()
        }
    }

    #[test]
    fn screening_scores_on_the_server_and_derives_age() {
        let (d, score, level) = form()
            .check(date!(2025 - 08 - 02), &Catalogue::default_set())
            .unwrap();
        assert_eq!((score, level), (9, RiskLevel::High));
        assert_eq!(d.age, 16);
        assert!(d.minor());
        assert_eq!(d.risk, vec!["documents-held", "minor-no-consent"]);
    }

    #[test]
    fn names_need_consent_and_errors_name_their_fields() {
        let mut f = form();
        f.consent_record = String::new();
        f.sex = "x".into();
        f.time = "25:00".into();
        f.date = "2025-09-01".into();
        f.birth_date_bs = String::new();
        f.age = "-3".into();
        let e = f
            .check(date!(2025 - 08 - 02), &Catalogue::default_set())
            .unwrap_err();
        // An age says what an age must be, not "a number of people".
        assert_eq!(e.for_field("age"), Some("error-age"));
        assert_eq!(e.for_field("given_name"), Some("error-consent-needed"));
        assert_eq!(e.for_field("sex"), Some("error-choice"));
        assert_eq!(e.for_field("time"), Some("error-time"));
        assert_eq!(e.for_field("date"), Some("error-date-future"));
    }

    #[test]
    fn tallies_take_either_digits_and_refuse_nonsense() {
        let t = TallyForm {
            site: "1".into(),
            date_bs: "२०८२-०४-०१".into(),
            female_18: "१२".into(),
            male_u18: "3".into(),
            ..Default::default()
        }
        .check(date!(2025 - 08 - 01))
        .unwrap();
        assert_eq!(t.day, date!(2025 - 07 - 17));
        assert_eq!(t.informed.total(), 15);
        let e = TallyForm {
            site: "1".into(),
            date: "2025-07-01".into(),
            female_18: "-2".into(),
            ..Default::default()
        }
        .check(date!(2025 - 08 - 01))
        .unwrap_err();
        assert_eq!(e.for_field("female_18"), Some("error-count"));
        let json: TallyForm =
            serde_json::from_str(r#"{"site": 4, "date": "2025-07-01", "male_18": 7}"#).unwrap();
        assert_eq!(
            json.check(date!(2025 - 08 - 01)).unwrap().informed.adults[1],
            7
        );
    }

    #[test]
    fn referrals_move_forward_only() {
        assert!(ReferralStatus::Sent
            .next()
            .contains(&ReferralStatus::Acknowledged));
        assert!(!ReferralStatus::Sent
            .next()
            .contains(&ReferralStatus::Closed));
        assert!(ReferralStatus::Closed.next().is_empty());
        assert!(Urgency::Immediate.acknowledge_within() < Urgency::Routine.acknowledge_within());
    }
}

pub use crate::calendar::NEPAL_OFFSET;

/// A day and a `HH:MM` typed in Nepal time, as an instant; `None` if the time is malformed.
pub fn nepal_instant(day: Date, hhmm: &str) -> Option<time::OffsetDateTime> {
    let t = hhmm.trim();
    let (h, m) = t.split_once(':')?;
    let time = time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()?;
    Some(time::PrimitiveDateTime::new(day, time).assume_offset(NEPAL_OFFSET))
}

/// A hand-over as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HandoverForm {
    /// Day, ISO AD.
    #[serde(deserialize_with = "loose")]
    pub date: String,
    /// Day, BS.
    #[serde(deserialize_with = "loose")]
    pub date_bs: String,
    /// `HH:MM`, Nepal time.
    #[serde(deserialize_with = "loose")]
    pub time: String,
    /// Where (place code).
    #[serde(deserialize_with = "loose")]
    pub place: String,
    /// The booth involved, if any.
    #[serde(deserialize_with = "loose")]
    pub site: String,
    /// Handing party.
    #[serde(deserialize_with = "loose")]
    pub from_party: String,
    /// Its organisation in the directory, if it has one.
    #[serde(deserialize_with = "loose")]
    pub from_org: String,
    /// Officer handing over.
    #[serde(deserialize_with = "loose")]
    pub from_officer: String,
    /// Their rank.
    #[serde(deserialize_with = "loose")]
    pub from_rank: String,
    /// Receiving party.
    #[serde(deserialize_with = "loose")]
    pub to_party: String,
    /// Its organisation, if it has one.
    #[serde(deserialize_with = "loose")]
    pub to_org: String,
    /// Officer receiving.
    #[serde(deserialize_with = "loose")]
    pub to_officer: String,
    /// Their rank.
    #[serde(deserialize_with = "loose")]
    pub to_rank: String,
    /// Screening ids of the persons handed over.
    pub persons: Vec<String>,
    /// Documents handed over with them.
    #[serde(deserialize_with = "loose")]
    pub documents: String,
    /// Police General Diary number.
    #[serde(deserialize_with = "loose")]
    pub gd_number: String,
    /// First Information Report number.
    #[serde(deserialize_with = "loose")]
    pub fir_number: String,
}

/// A checked hand-over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverDraft {
    /// When.
    pub at: time::OffsetDateTime,
    /// Where.
    pub place: PlaceCode,
    /// Booth involved.
    pub site: Option<i64>,
    /// Handing party, organisation, officer, rank.
    pub from: (Party, Option<i64>, Option<String>, String),
    /// Receiving party, organisation, officer, rank.
    pub to: (Party, Option<i64>, Option<String>, String),
    /// Screening ids.
    pub persons: Vec<String>,
    /// Documents.
    pub documents: String,
    /// GD number.
    pub gd_number: String,
    /// FIR number.
    pub fir_number: String,
}

pub(crate) fn optional_id(c: &mut Checker, field: &'static str, raw: &str) -> Option<i64> {
    match raw.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                c.fail(field, "error-choice");
                None
            }
        },
    }
}

impl HandoverForm {
    /// Checks the form.
    pub fn check(&self, now: time::OffsetDateTime) -> Result<HandoverDraft, Invalid> {
        let mut c = Checker::default();
        let day = date_field(&mut c, "date", &self.date, &self.date_bs);
        let at = day.and_then(|d| nepal_instant(d, &self.time));
        if day.is_some() && at.is_none() {
            c.fail("time", "error-time");
        }
        if at.is_some_and(|a| a > now + Duration::minutes(5)) {
            c.fail("date", "error-date-future");
        }
        let place = match self.place.trim().parse::<PlaceCode>() {
            Ok(p) if p != PlaceCode::Country => Some(p),
            _ => {
                c.fail("place", "error-unknown-place");
                None
            }
        };
        let site = optional_id(&mut c, "site", &self.site);
        let from_party = choice(&mut c, "from_party", &self.from_party, Party::parse, None);
        let to_party = choice(&mut c, "to_party", &self.to_party, Party::parse, None);
        let from_org = optional_id(&mut c, "from_org", &self.from_org);
        let to_org = optional_id(&mut c, "to_org", &self.to_org);
        let from_officer = c.optional_text("from_officer", &self.from_officer, 80);
        let to_officer = c.optional_text("to_officer", &self.to_officer, 80);
        let from_rank = c
            .optional_text("from_rank", &self.from_rank, 60)
            .unwrap_or_default();
        let to_rank = c
            .optional_text("to_rank", &self.to_rank, 60)
            .unwrap_or_default();
        let mut persons: Vec<String> = self
            .persons
            .iter()
            .map(|p| p.trim().to_ascii_lowercase())
            .filter(|p| !p.is_empty())
            .collect();
        persons.sort();
        persons.dedup();
        if persons.is_empty() {
            c.fail("persons", "error-handover-persons");
        }
        if from_party.is_some() && from_party == to_party && from_org == to_org {
            c.fail("to_party", "error-handover-same");
        }
        let documents = c
            .optional_text("documents", &self.documents, 300)
            .unwrap_or_default();
        let gd_number = c
            .optional_text("gd_number", &self.gd_number, 40)
            .unwrap_or_default();
        let fir_number = c
            .optional_text("fir_number", &self.fir_number, 40)
            .unwrap_or_default();
        c.finish(HandoverDraft {
            at: at.unwrap_or(now),
            place: place.unwrap_or(PlaceCode::Country),
            site,
            from: (
                from_party.unwrap_or(Party::Booth),
                from_org,
                from_officer,
                from_rank,
            ),
            to: (
                to_party.unwrap_or(Party::NepalPolice),
                to_org,
                to_officer,
                to_rank,
            ),
            persons,
            documents,
            gd_number,
            fir_number,
        })
    }
}

/// A police referral as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReferralForm {
    /// Who raised it.
    #[serde(deserialize_with = "loose")]
    pub source: String,
    /// The booth, if it came from one.
    #[serde(deserialize_with = "loose")]
    pub site: String,
    /// The ward (or local level) concerned.
    #[serde(deserialize_with = "loose")]
    pub place: String,
    /// The police unit (organisation id).
    #[serde(deserialize_with = "loose")]
    pub to_org: String,
    /// Category.
    #[serde(deserialize_with = "loose")]
    pub category: String,
    /// Urgency.
    #[serde(deserialize_with = "loose")]
    pub urgency: String,
    /// What is the concern (sealed).
    #[serde(deserialize_with = "loose")]
    pub description: String,
}

/// A checked referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralDraft {
    /// Who raised it.
    pub source: ReferralSource,
    /// Booth.
    pub site: Option<i64>,
    /// Ward or local level.
    pub place: PlaceCode,
    /// Police unit.
    pub to_org: i64,
    /// Category.
    pub category: ReferralCategory,
    /// Urgency.
    pub urgency: Urgency,
    /// Description.
    pub description: String,
}

impl ReferralForm {
    /// Checks the form.
    pub fn check(&self) -> Result<ReferralDraft, Invalid> {
        let mut c = Checker::default();
        let source = choice(&mut c, "source", &self.source, ReferralSource::parse, None);
        let site = optional_id(&mut c, "site", &self.site);
        let place = match self.place.trim().parse::<PlaceCode>() {
            Ok(p @ (PlaceCode::Ward { .. } | PlaceCode::LocalLevel(_))) => Some(p),
            _ => {
                c.fail("place", "error-ward-or-local-level");
                None
            }
        };
        let to_org = optional_id(&mut c, "to_org", &self.to_org);
        if to_org.is_none() {
            c.fail("to_org", "error-required");
        }
        let category = choice(
            &mut c,
            "category",
            &self.category,
            ReferralCategory::parse,
            None,
        );
        let urgency = choice(&mut c, "urgency", &self.urgency, Urgency::parse, None);
        let description = optional_note(&mut c, "description", &self.description);
        if self.description.trim().is_empty() {
            c.fail("description", "error-required");
        }
        c.finish(ReferralDraft {
            source: source.unwrap_or(ReferralSource::Community),
            site,
            place: place.unwrap_or(PlaceCode::Country),
            to_org: to_org.unwrap_or(0),
            category: category.unwrap_or(ReferralCategory::Other),
            urgency: urgency.unwrap_or(Urgency::Routine),
            description: description.unwrap_or_default(),
        })
    }
}
