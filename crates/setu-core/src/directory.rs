//! The directory of organisations (who) and sites (where work happens).
//!
//! Organisations are the bodies that act: municipalities, police units, India's SSB posts,
//! NGOs and coordination committees. Sites are the places where records are made: border
//! booths, police posts, shelters and ward offices. Both hang off a node of the geography,
//! and both become scopes for permissions (issue 3).

use serde::{Deserialize, Serialize};

use crate::geo::PlaceCode;
use crate::validation::{Checker, Invalid};

kinds! {
    /// What kind of place a site is.
    SiteKind {
        /// Information and assistance booth at a border crossing.
        BorderBooth = "border-booth",
        /// Police post or women and children service centre.
        PolicePost = "police-post",
        /// Shelter or transit home.
        Shelter = "shelter",
        /// Ward office.
        WardOffice = "ward-office",
    }
}

impl SiteKind {
    /// Whether the site's location protects the people in it (a shelter or transit home is
    /// where survivors stay): such a site is shown only to signed-in users whose scope holds
    /// it, never to visitors or to other places' users.
    pub fn protects_people(self) -> bool {
        matches!(self, SiteKind::Shelter)
    }
}

kinds! {
    /// What kind of body an organisation is.
    OrgKind {
        /// A local level's government (municipality or rural municipality).
        Municipality = "municipality",
        /// A unit of Nepal Police.
        PoliceUnit = "police-unit",
        /// A post of India's Sashastra Seema Bal at the border.
        SsbPost = "ssb-post",
        /// A non-governmental organisation.
        Ngo = "ngo",
        /// A coordination committee against human trafficking (LCCHT, DCCHT).
        Committee = "committee",
    }
}

/// A site or organisation form as typed, before it is checked. Every field is text so that
/// a form with mistakes can be shown again exactly as the user left it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct DirectoryForm {
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// Nepali name (optional; pages fall back to the English one).
    #[serde(default)]
    pub name_ne: String,
    /// The kind, in its stored form.
    #[serde(default)]
    pub kind: String,
    /// A place code (`51106`, `5110619`, …).
    #[serde(default)]
    pub place: String,
    /// For sites: the organisation that runs it (an id, or empty).
    #[serde(default)]
    pub organisation: String,
    /// The version the edit was based on (empty for a new record).
    #[serde(default)]
    pub version: String,
}

/// A checked site, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDraft {
    /// English name.
    pub name_en: String,
    /// Nepali name.
    pub name_ne: Option<String>,
    /// Kind.
    pub kind: SiteKind,
    /// Where it is.
    pub place: PlaceCode,
    /// Who runs it.
    pub organisation_id: Option<i64>,
}

/// A checked organisation, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgDraft {
    /// English name.
    pub name_en: String,
    /// Nepali name.
    pub name_ne: Option<String>,
    /// Kind.
    pub kind: OrgKind,
    /// The place it serves.
    pub place: PlaceCode,
}

/// Longest name accepted.
const NAME_MAX: usize = 200;

impl DirectoryForm {
    /// Checks the form as a site. Whether the place exists is the store's question.
    pub fn to_site(&self) -> Result<SiteDraft, Invalid> {
        let mut c = Checker::default();
        let (name_en, name_ne, place) = self.common(&mut c);
        let kind = SiteKind::parse(&self.kind);
        if kind.is_none() {
            c.fail("kind", "error-choose-one");
        }
        let organisation_id = match self.organisation.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    c.fail("organisation", "error-choose-one");
                    None
                }
            },
        };
        let draft = match (kind, place) {
            (Some(kind), Some(place)) => Some(SiteDraft {
                name_en,
                name_ne,
                kind,
                place,
                organisation_id,
            }),
            _ => None,
        };
        finish(c, draft)
    }

    /// Checks the form as an organisation.
    pub fn to_org(&self) -> Result<OrgDraft, Invalid> {
        let mut c = Checker::default();
        let (name_en, name_ne, place) = self.common(&mut c);
        let kind = OrgKind::parse(&self.kind);
        if kind.is_none() {
            c.fail("kind", "error-choose-one");
        }
        let draft = match (kind, place) {
            (Some(kind), Some(place)) => Some(OrgDraft {
                name_en,
                name_ne,
                kind,
                place,
            }),
            _ => None,
        };
        finish(c, draft)
    }

    /// The version an edit was based on, if the form carried one.
    pub fn base_version(&self) -> Option<i64> {
        self.version.trim().parse().ok()
    }

    fn common(&self, c: &mut Checker) -> (String, Option<String>, Option<PlaceCode>) {
        let name_en = c.text("name_en", &self.name_en, NAME_MAX);
        let name_ne = c.optional_text("name_ne", &self.name_ne, NAME_MAX);
        let place = match self.place.trim() {
            "" => {
                c.fail("place", "error-required");
                None
            }
            s => match s.parse::<PlaceCode>() {
                Ok(p) if p != PlaceCode::Country => Some(p),
                _ => {
                    c.fail("place", "error-place-code");
                    None
                }
            },
        };
        (name_en, name_ne, place)
    }
}

fn finish<T>(c: Checker, draft: Option<T>) -> Result<T, Invalid> {
    match draft {
        Some(d) => c.finish(d),
        // A missing draft always comes with at least one recorded error.
        None => Err(c.finish(()).err().unwrap_or(Invalid(Vec::new()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, kind: &str, place: &str) -> DirectoryForm {
        DirectoryForm {
            name_en: name.into(),
            kind: kind.into(),
            place: place.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_site_is_accepted_and_trimmed() {
        let s = form("  Jamunaha booth ", "border-booth", "5110619")
            .to_site()
            .unwrap();
        assert_eq!(s.name_en, "Jamunaha booth");
        assert_eq!(s.kind, SiteKind::BorderBooth);
        assert_eq!(s.name_ne, None);
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let err = form("", "castle", "12").to_site().unwrap_err();
        assert_eq!(err.for_field("name_en"), Some("error-required"));
        assert_eq!(err.for_field("kind"), Some("error-choose-one"));
        assert_eq!(err.for_field("place"), Some("error-place-code"));
        let err = form("x".repeat(201).as_str(), "ngo", "NP")
            .to_org()
            .unwrap_err();
        assert_eq!(err.for_field("name_en"), Some("error-too-long"));
        assert_eq!(err.for_field("place"), Some("error-place-code"));
    }
}

kinds! {
    /// A service an organisation offers (for the NGO forum's directory and for referrals).
    Service {
        /// Shelter or transit home.
        Shelter = "shelter",
        /// Counselling and psychosocial support.
        Psychosocial = "psychosocial",
        /// Medical care.
        Medical = "medical",
        /// Legal aid.
        Legal = "legal",
        /// Skills training.
        SkillsTraining = "skills-training",
        /// Seed funding or linkage to a government scheme.
        SeedFunding = "seed-funding",
        /// Family tracing and repatriation.
        Repatriation = "repatriation",
        /// Awareness and prevention.
        Awareness = "awareness",
    }
}

kinds! {
    /// An entry of the NGO forum's log.
    ForumEntryKind {
        /// A forum meeting.
        Meeting = "meeting",
        /// A joint action (a rescue, a campaign).
        JointAction = "joint-action",
    }
}

/// The longest alert title: it is one line on every forum page of its area.
pub const ALERT_TITLE_MAX: usize = 200;
/// The longest alert body: a paragraph.
pub const ALERT_BODY_MAX: usize = 4_000;

fn any_place(_: &PlaceCode) -> bool {
    true
}

/// The form sharing an alert with the forums of an area, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AlertForm {
    /// The area (a place code).
    pub place: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Shown until (BS).
    pub expires_on: String,
}

/// An alert, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDraft {
    /// Area.
    pub place: PlaceCode,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Shown until.
    pub expires_on: time::Date,
}

impl AlertForm {
    /// Checks every field at once; an alert expires today or later.
    pub fn check(&self, today: time::Date) -> Result<AlertDraft, Invalid> {
        let mut c = Checker::default();
        let place = c.place("place", &self.place, any_place, "error-place-code");
        let title = c.text("title", &self.title, ALERT_TITLE_MAX);
        let body = c.text("body", &self.body, ALERT_BODY_MAX);
        let expires_on = c.required_date("expires_on", &self.expires_on);
        if expires_on.is_some_and(|d| d < today) {
            c.fail("expires_on", "error-expiry-past");
        }
        c.finish(())?;
        match (place, expires_on) {
            (Some(place), Some(expires_on)) => Ok(AlertDraft {
                place,
                title,
                body,
                expires_on,
            }),
            _ => Err(Invalid::required("place")),
        }
    }
}

/// The form listing a service an organisation offers in an area, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ServiceForm {
    /// The organisation's id (chosen from a list).
    pub organisation: String,
    /// The service.
    pub service: String,
    /// The area (a place code).
    pub place: String,
}

impl ServiceForm {
    /// Checks every field at once: (organisation id, service, area).
    pub fn check(&self) -> Result<(i64, Service, PlaceCode), Invalid> {
        let mut c = Checker::default();
        let org = match self.organisation.trim().parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                c.fail("organisation", "error-choice");
                None
            }
        };
        let service = c.choose("service", &self.service, Service::parse);
        let place = c.place("place", &self.place, any_place, "error-place-code");
        c.finish(())?;
        match (org, service, place) {
            (Some(o), Some(s), Some(p)) => Ok((o, s, p)),
            _ => Err(Invalid::required("organisation")),
        }
    }
}

/// The form adding a forum meeting or joint action to the shared log, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ForumEntryForm {
    /// Kind of entry.
    pub kind: String,
    /// The area (a place code).
    pub place: String,
    /// When it happened (BS).
    pub happened_on: String,
    /// What happened (sealed when stored: it may name people).
    pub text: String,
    /// The organisation it was with, optional (an id chosen from a list).
    pub organisation: String,
}

/// A forum entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForumEntryDraft {
    /// Kind.
    pub kind: ForumEntryKind,
    /// Area.
    pub place: PlaceCode,
    /// Happened on.
    pub happened_on: time::Date,
    /// Text.
    pub text: String,
    /// Organisations involved.
    pub organisations: Vec<i64>,
}

impl ForumEntryForm {
    /// Checks every field at once.
    pub fn check(&self, today: time::Date) -> Result<ForumEntryDraft, Invalid> {
        let mut c = Checker::default();
        let kind = c.choose("kind", &self.kind, ForumEntryKind::parse);
        let place = c.place("place", &self.place, any_place, "error-place-code");
        let happened_on = c.past_date("happened_on", &self.happened_on, today);
        let text = c.text("text", &self.text, 2_000);
        let organisations = match self.organisation.trim() {
            "" => Vec::new(),
            o => match o.parse::<i64>() {
                Ok(id) => vec![id],
                Err(_) => {
                    c.fail("organisation", "error-choice");
                    Vec::new()
                }
            },
        };
        c.finish(())?;
        match (kind, place, happened_on) {
            (Some(kind), Some(place), Some(happened_on)) => Ok(ForumEntryDraft {
                kind,
                place,
                happened_on,
                text,
                organisations,
            }),
            _ => Err(Invalid::required("kind")),
        }
    }
}

#[cfg(test)]
mod forum_form_tests {
    use super::*;

    #[test]
    fn forum_forms_report_every_field_at_once() {
        let today = time::Date::from_calendar_date(2025, time::Month::January, 1).unwrap();
        let bad = AlertForm {
            place: "nowhere".into(),
            title: "x".repeat(ALERT_TITLE_MAX + 1),
            body: String::new(),
            expires_on: "2070-01-01".into(),
        }
        .check(today)
        .unwrap_err();
        for (f, m) in [
            ("place", "error-place-code"),
            ("title", "error-too-long"),
            ("body", "error-required"),
            ("expires_on", "error-expiry-past"),
        ] {
            assert_eq!(bad.for_field(f), Some(m), "{f}");
        }
        let bad = ForumEntryForm {
            kind: "party".into(),
            organisation: "the police".into(),
            ..Default::default()
        }
        .check(today)
        .unwrap_err();
        assert_eq!(bad.0.len(), 5);
        let ok = ServiceForm {
            organisation: "4".into(),
            service: Service::ALL[0].as_str().into(),
            place: "51106".into(),
        }
        .check()
        .unwrap();
        assert_eq!(ok.0, 4);
    }
}
