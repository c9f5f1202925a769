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
