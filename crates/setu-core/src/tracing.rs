//! Missing persons and family tracing: the report a family (or a ward office, or the police)
//! makes, its status from missing to home, and the encounters (police rescues, shelter
//! intakes) that may be the same person. Booth screenings are encounters too; they have their
//! own form in [`crate::booths`].

use serde::{Deserialize, Serialize};
use time::Date;

use crate::booths::{choice, date_field, loose, optional_id, optional_note};
use crate::community::Sex;
use crate::geo::PlaceCode;
use crate::numbers::to_ascii_digits;
use crate::validation::Checker;
use crate::Invalid;

kinds! {
    /// Where a missing person's case stands.
    ReportStatus {
        /// Reported missing; nobody has found her yet.
        Missing = "missing",
        /// Found (met at a booth, rescued, in a shelter), not yet home.
        Found = "found",
        /// Back with her family.
        ReturnedHome = "returned-home",
        /// Reviewed, and still missing.
        StillMissing = "still-missing",
        /// Died.
        Deceased = "deceased",
        /// The report was withdrawn (she came back on her own, or it was made in error).
        Withdrawn = "withdrawn",
    }
}

impl ReportStatus {
    /// Whether a case can move from this status to `next`. Nothing leaves "returned home",
    /// "deceased" or "withdrawn": a new disappearance is a new report.
    pub fn can_move_to(self, next: ReportStatus) -> bool {
        use ReportStatus::*;
        match self {
            Missing | StillMissing => matches!(
                next,
                Found | ReturnedHome | StillMissing | Deceased | Withdrawn
            ),
            Found => matches!(next, ReturnedHome | Deceased | Missing),
            ReturnedHome | Deceased | Withdrawn => false,
        }
    }

    /// Whether the case is open (someone is still looking or bringing her home).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReportStatus::Missing | ReportStatus::StillMissing | ReportStatus::Found
        )
    }
}

kinds! {
    /// Who made the report, in relation to the missing person.
    Reporter {
        /// Mother or father.
        Parent = "parent",
        /// Brother or sister.
        Sibling = "sibling",
        /// Husband or wife.
        Spouse = "spouse",
        /// Another relative.
        Relative = "relative",
        /// The ward office.
        WardOffice = "ward-office",
        /// The police.
        Police = "police",
        /// An organisation (NGO, school).
        Organisation = "organisation",
        /// Someone else.
        Other = "other",
    }
}

kinds! {
    /// Where an encounter recorded on its own form happened.
    EncounterSource {
        /// Rescued by the police.
        Police = "police",
        /// Taken in by a shelter or transit home.
        Shelter = "shelter",
    }
}

/// The report form as typed (every field text, so nothing typed is lost on an error).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    #[serde(deserialize_with = "loose")]
    pub reporter_name: String,
    #[serde(deserialize_with = "loose")]
    pub reporter_relation: String,
    #[serde(deserialize_with = "loose")]
    pub reporter_phone: String,
    /// Report date, AD (`YYYY-MM-DD`) or, in `reported_on_bs`, BS.
    #[serde(deserialize_with = "loose")]
    pub reported_on: String,
    #[serde(deserialize_with = "loose")]
    pub reported_on_bs: String,
    #[serde(deserialize_with = "loose")]
    pub last_seen_on: String,
    #[serde(deserialize_with = "loose")]
    pub last_seen_on_bs: String,
    #[serde(deserialize_with = "loose")]
    pub last_seen_place: String,
    #[serde(deserialize_with = "loose")]
    pub given_name: String,
    #[serde(deserialize_with = "loose")]
    pub middle_name: String,
    #[serde(deserialize_with = "loose")]
    pub family_name: String,
    #[serde(deserialize_with = "loose")]
    pub sex: String,
    /// AD or BS (a year after the report date is read as BS).
    #[serde(deserialize_with = "loose")]
    pub birth_year: String,
    #[serde(deserialize_with = "loose")]
    pub age: String,
    #[serde(deserialize_with = "loose")]
    pub father_name: String,
    #[serde(deserialize_with = "loose")]
    pub mother_name: String,
    /// Home ward (7-digit place code).
    #[serde(deserialize_with = "loose")]
    pub home: String,
    #[serde(deserialize_with = "loose")]
    pub phone: String,
    #[serde(deserialize_with = "loose")]
    pub description: String,
    #[serde(deserialize_with = "loose")]
    pub police_ref: String,
    #[serde(deserialize_with = "loose")]
    pub hotline_ref: String,
    /// The organisation that took the report (a police unit, an NGO), if not the ward.
    #[serde(deserialize_with = "loose")]
    pub organisation: String,
    /// The reporter's answer to "may she be traced": matched against the people met at booths
    /// and by the police, and her report shared with them (`yes` / `no`; asked every time).
    #[serde(deserialize_with = "loose")]
    pub consent_tracing: String,
    /// The version a correction is based on (empty for a new report).
    #[serde(deserialize_with = "loose")]
    pub version: String,
}

/// A checked report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDraft {
    pub reporter_name: String,
    pub reporter_relation: Reporter,
    pub reporter_phone: Option<String>,
    pub reported_on: Date,
    pub last_seen_on: Option<Date>,
    pub last_seen_place: Option<String>,
    pub names: Names,
    pub birth_year: Option<i32>,
    pub age: Option<i32>,
    /// Home ward.
    pub home: PlaceCode,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub police_ref: Option<String>,
    pub hotline_ref: Option<String>,
    /// The organisation that took it, if not the ward.
    pub organisation: Option<i64>,
    /// Whether the reporter agreed to tracing; without it the report is kept but never
    /// matched nor shared.
    pub consent_tracing: bool,
}

/// A person's names, sex and parents, as recorded on a report or an encounter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Names {
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub sex: Option<Sex>,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
}

/// Reads the names part shared by the report and encounter forms: a given or a family name
/// is required, everything else may be unknown.
#[allow(clippy::too_many_arguments)]
fn names(
    c: &mut Checker,
    given: &str,
    middle: &str,
    family: &str,
    sex: &str,
    father: &str,
    mother: &str,
) -> Names {
    let out = Names {
        given_name: c.optional_text("given_name", given, 80),
        middle_name: c.optional_text("middle_name", middle, 80),
        family_name: c.optional_text("family_name", family, 80),
        sex: if sex.trim().is_empty() {
            None
        } else {
            choice(c, "sex", sex, Sex::parse, None)
        },
        father_name: c.optional_text("father_name", father, 120),
        mother_name: c.optional_text("mother_name", mother, 120),
    };
    if out.given_name.is_none() && out.family_name.is_none() {
        c.fail("given_name", "error-name-needed");
    }
    out
}

/// An optional whole number in a range (either digits).
fn number(
    c: &mut Checker,
    field: &'static str,
    raw: &str,
    range: std::ops::RangeInclusive<i32>,
    message: &'static str,
) -> Option<i32> {
    let t = to_ascii_digits(raw.trim());
    if t.is_empty() {
        return None;
    }
    match t.parse::<i32>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            c.fail(field, message);
            None
        }
    }
}

fn ward(c: &mut Checker, field: &'static str, raw: &str, required: bool) -> Option<PlaceCode> {
    match raw.trim() {
        "" if !required => None,
        t => match t.parse::<PlaceCode>() {
            Ok(p @ PlaceCode::Ward { .. }) => Some(p),
            _ => {
                c.fail(field, "error-ward");
                None
            }
        },
    }
}

fn optional_date(c: &mut Checker, field: &'static str, ad: &str, bs: &str) -> Option<Date> {
    if ad.trim().is_empty() && bs.trim().is_empty() {
        None
    } else {
        date_field(c, field, ad, bs)
    }
}

impl ReportForm {
    /// Checks the form; `today` bounds the dates.
    pub fn check(&self, today: Date) -> Result<ReportDraft, Invalid> {
        let mut c = Checker::default();
        let reporter_name = c.optional_text("reporter_name", &self.reporter_name, 120);
        if reporter_name.is_none() {
            c.fail("reporter_name", "error-required");
        }
        let reporter_relation = choice(
            &mut c,
            "reporter_relation",
            &self.reporter_relation,
            Reporter::parse,
            None,
        );
        let reporter_phone = c.optional_text("reporter_phone", &self.reporter_phone, 30);
        let reported_on = date_field(
            &mut c,
            "reported_on",
            &self.reported_on,
            &self.reported_on_bs,
        );
        if reported_on.is_some_and(|d| d > today) {
            c.fail("reported_on", "error-future-date");
        }
        let last_seen_on = optional_date(
            &mut c,
            "last_seen_on",
            &self.last_seen_on,
            &self.last_seen_on_bs,
        );
        if let (Some(seen), Some(reported)) = (last_seen_on, reported_on) {
            if seen > reported {
                c.fail("last_seen_on", "error-seen-after-report");
            }
        }
        let last_seen_place = c.optional_text("last_seen_place", &self.last_seen_place, 200);
        let names = names(
            &mut c,
            &self.given_name,
            &self.middle_name,
            &self.family_name,
            &self.sex,
            &self.father_name,
            &self.mother_name,
        );
        let birth_year = number(
            &mut c,
            "birth_year",
            &self.birth_year,
            1900..=2100,
            "error-birth-year",
        );
        let age = number(&mut c, "age", &self.age, 0..=100, "error-age-100");
        let home = ward(&mut c, "home", &self.home, true);
        let phone = c.optional_text("phone", &self.phone, 30);
        let description = optional_note(&mut c, "description", &self.description);
        let police_ref = c.optional_text("police_ref", &self.police_ref, 60);
        let hotline_ref = c.optional_text("hotline_ref", &self.hotline_ref, 60);
        let organisation = optional_id(&mut c, "organisation", &self.organisation);
        let consent_tracing = match self.consent_tracing.trim() {
            "yes" => true,
            "no" => false,
            _ => {
                c.fail("consent_tracing", "error-consent-tracing");
                false
            }
        };
        c.finish(ReportDraft {
            reporter_name: reporter_name.unwrap_or_default(),
            reporter_relation: reporter_relation.unwrap_or(Reporter::Other),
            reporter_phone,
            reported_on: reported_on.unwrap_or(today),
            last_seen_on,
            last_seen_place,
            names,
            birth_year,
            age,
            home: home.unwrap_or(PlaceCode::Country),
            phone,
            description,
            police_ref,
            hotline_ref,
            organisation,
            consent_tracing,
        })
    }
}

/// A police rescue or shelter intake as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EncounterForm {
    #[serde(deserialize_with = "loose")]
    pub source: String,
    /// The police unit or the shelter's organisation.
    #[serde(deserialize_with = "loose")]
    pub organisation: String,
    /// Where it happened (ward or local level), for scope.
    #[serde(deserialize_with = "loose")]
    pub place: String,
    #[serde(deserialize_with = "loose")]
    pub met_on: String,
    #[serde(deserialize_with = "loose")]
    pub met_on_bs: String,
    #[serde(deserialize_with = "loose")]
    pub given_name: String,
    #[serde(deserialize_with = "loose")]
    pub middle_name: String,
    #[serde(deserialize_with = "loose")]
    pub family_name: String,
    #[serde(deserialize_with = "loose")]
    pub sex: String,
    #[serde(deserialize_with = "loose")]
    pub age: String,
    #[serde(deserialize_with = "loose")]
    pub father_name: String,
    #[serde(deserialize_with = "loose")]
    pub mother_name: String,
    /// Home ward, as she gave it.
    #[serde(deserialize_with = "loose")]
    pub home: String,
    #[serde(deserialize_with = "loose")]
    pub phone: String,
    #[serde(deserialize_with = "loose")]
    pub note: String,
}

/// A checked police rescue or shelter intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncounterDraft {
    pub source: EncounterSource,
    pub organisation: i64,
    pub place: PlaceCode,
    pub met_on: Date,
    pub names: Names,
    pub age: Option<i32>,
    pub home: Option<PlaceCode>,
    pub phone: Option<String>,
    pub note: Option<String>,
}

impl EncounterForm {
    /// Checks the form; `today` bounds the date.
    pub fn check(&self, today: Date) -> Result<EncounterDraft, Invalid> {
        let mut c = Checker::default();
        let source = choice(&mut c, "source", &self.source, EncounterSource::parse, None);
        let organisation = optional_id(&mut c, "organisation", &self.organisation);
        if organisation.is_none() {
            c.fail("organisation", "error-required");
        }
        let place = match self.place.trim().parse::<PlaceCode>() {
            Ok(p @ (PlaceCode::Ward { .. } | PlaceCode::LocalLevel(_))) => Some(p),
            _ => {
                c.fail("place", "error-ward-or-local-level");
                None
            }
        };
        let met_on = date_field(&mut c, "met_on", &self.met_on, &self.met_on_bs);
        if met_on.is_some_and(|d| d > today) {
            c.fail("met_on", "error-future-date");
        }
        let names = names(
            &mut c,
            &self.given_name,
            &self.middle_name,
            &self.family_name,
            &self.sex,
            &self.father_name,
            &self.mother_name,
        );
        let age = number(&mut c, "age", &self.age, 0..=100, "error-age-100");
        let home = ward(&mut c, "home", &self.home, false);
        let phone = c.optional_text("phone", &self.phone, 30);
        let note = optional_note(&mut c, "note", &self.note);
        c.finish(EncounterDraft {
            source: source.unwrap_or(EncounterSource::Police),
            organisation: organisation.unwrap_or(0),
            place: place.unwrap_or(PlaceCode::Country),
            met_on: met_on.unwrap_or(today),
            names,
            age,
            home,
            phone,
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn form() -> ReportForm {
        ReportForm {
            reporter_name: "Hari Tamang".into(),
            reporter_relation: "parent".into(),
            reported_on: "2024-05-02".into(),
            last_seen_on_bs: "२०८१-०१-१५".into(),
            given_name: "Sita".into(),
            family_name: "Tamang".into(),
            sex: "female".into(),
            birth_year: "२०६५".into(),
            home: "5110603".into(),
            consent_tracing: "yes".into(),
            ..ReportForm::default()
        }
    }

    #[test]
    fn the_reporter_is_asked_about_tracing_every_time() {
        let unasked = ReportForm {
            consent_tracing: String::new(),
            ..form()
        };
        let e = unasked
            .check(date!(2024 - 06 - 01))
            .expect_err("must be asked");
        assert_eq!(
            e.for_field("consent_tracing"),
            Some("error-consent-tracing")
        );
        let refused = ReportForm {
            consent_tracing: "no".into(),
            ..form()
        };
        assert!(
            !refused
                .check(date!(2024 - 06 - 01))
                .expect("valid")
                .consent_tracing
        );
        assert!(
            form()
                .check(date!(2024 - 06 - 01))
                .expect("valid")
                .consent_tracing
        );
    }

    #[test]
    fn a_report_reads_either_script_and_calendar() {
        let d = form().check(date!(2024 - 06 - 01)).expect("valid");
        assert_eq!(d.reported_on, date!(2024 - 05 - 02));
        assert_eq!(d.last_seen_on, Some(date!(2024 - 04 - 27)));
        assert_eq!(
            d.birth_year,
            Some(2065),
            "kept as written; the matcher reads it as BS"
        );
        assert_eq!(d.names.sex, Some(Sex::Female));
    }

    #[test]
    fn a_bad_report_names_every_field_at_fault() {
        let f = ReportForm {
            reporter_name: " ".into(),
            given_name: String::new(),
            family_name: String::new(),
            home: "511".into(),
            age: "two hundred".into(),
            last_seen_on: "2024-06-01".into(),
            ..form()
        };
        let e = f.check(date!(2024 - 06 - 01)).expect_err("invalid");
        assert_eq!(e.for_field("reporter_name"), Some("error-required"));
        assert_eq!(e.for_field("given_name"), Some("error-name-needed"));
        assert_eq!(e.for_field("home"), Some("error-ward"));
        assert_eq!(e.for_field("age"), Some("error-age-100"));
        assert_eq!(e.for_field("last_seen_on"), Some("error-seen-after-report"));
        let future = ReportForm {
            reported_on: "2030-01-01".into(),
            ..form()
        };
        assert_eq!(
            future
                .check(date!(2024 - 06 - 01))
                .expect_err("future")
                .for_field("reported_on"),
            Some("error-future-date")
        );
    }

    #[test]
    fn statuses_move_forward_and_closed_cases_stay_closed() {
        use ReportStatus::*;
        assert!(Missing.can_move_to(Found));
        assert!(Found.can_move_to(ReturnedHome));
        assert!(Found.can_move_to(Missing), "a wrong match is undone");
        assert!(!ReturnedHome.can_move_to(Missing));
        assert!(!Withdrawn.can_move_to(Found));
        assert!(!Deceased.can_move_to(ReturnedHome));
        assert!(Missing.is_open() && Found.is_open() && !ReturnedHome.is_open());
    }

    #[test]
    fn an_encounter_needs_a_source_an_organisation_and_a_place() {
        let e = EncounterForm {
            given_name: "Sita".into(),
            ..EncounterForm::default()
        }
        .check(date!(2024 - 06 - 01))
        .expect_err("invalid");
        for field in ["source", "organisation", "place", "met_on"] {
            assert!(e.for_field(field).is_some(), "{field}");
        }
        let ok = EncounterForm {
            source: "shelter".into(),
            organisation: "7".into(),
            place: "51106".into(),
            met_on: "2024-05-20".into(),
            given_name: "सीता".into(),
            age: "16".into(),
            ..EncounterForm::default()
        }
        .check(date!(2024 - 06 - 01))
        .expect("valid");
        assert_eq!(ok.source, EncounterSource::Shelter);
        assert_eq!(ok.age, Some(16));
    }
}
