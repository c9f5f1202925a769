//! Parents' groups and their social and behaviour change communication (SBCC) sessions.
//! One session is not enough: the brief says repeated contact changes behaviour, so the
//! indicators count how many sessions each parent attended, not only who came once.

use serde::{Deserialize, Serialize};

kinds! {
    /// Sex as recorded for programme indicators.
    Sex {
        /// Female.
        Female = "female",
        /// Male.
        Male = "male",
        /// Other.
        Other = "other",
    }
}

kinds! {
    /// Material used in a session.
    Material {
        /// An episode of the "Maya and Udayan" video series.
        MayaUdayan = "maya-udayan",
        /// A flip chart or poster.
        FlipChart = "flip-chart",
        /// A discussion without material.
        Discussion = "discussion",
        /// A drama or role play.
        Drama = "drama",
        /// Something else.
        Other = "other",
    }
}

/// Sessions a parent must attend to count as reached repeatedly.
pub const REPEATED_SESSIONS: u32 = 3;

/// The SBCC indicators of a set of parents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SbccIndicators {
    /// Parents who attended at least one session (unique people).
    pub parents_reached: u32,
    /// Of those, women.
    pub women_reached: u32,
    /// Attendances in all (one parent at one session is one).
    pub attendances: u32,
    /// Parents who attended [`REPEATED_SESSIONS`] sessions or more.
    pub repeated: u32,
}

impl SbccIndicators {
    /// Computes the indicators from (sex, sessions attended) for each parent on record.
    pub fn from_parents(parents: impl IntoIterator<Item = (Sex, u32)>) -> SbccIndicators {
        parents.into_iter().filter(|(_, n)| *n > 0).fold(
            SbccIndicators::default(),
            |mut acc, (sex, n)| {
                acc.parents_reached += 1;
                acc.women_reached += u32::from(sex == Sex::Female);
                acc.attendances += n;
                acc.repeated += u32::from(n >= REPEATED_SESSIONS);
                acc
            },
        )
    }

    /// Share of women among parents reached, whole per cent.
    pub fn women_percent(&self) -> Option<u32> {
        percent(self.women_reached, self.parents_reached)
    }

    /// Share of parents reached who attended three sessions or more, whole per cent.
    pub fn repeated_percent(&self) -> Option<u32> {
        percent(self.repeated, self.parents_reached)
    }

    /// Sessions per parent reached, in tenths (25 means 2.5).
    pub fn sessions_per_parent_tenths(&self) -> Option<u32> {
        (self.parents_reached > 0)
            .then(|| (self.attendances * 10 + self.parents_reached / 2) / self.parents_reached)
    }
}

fn percent(part: u32, whole: u32) -> Option<u32> {
    (whole > 0).then(|| (part * 100 + whole / 2) / whole)
}

/// A new youth ambassador, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmbassadorDraft {
    /// Her ward.
    pub ward: crate::PlaceCode,
    /// Name (sealed at rest).
    pub name: String,
    /// Sex.
    pub sex: Sex,
    /// Joined on.
    pub joined_on: time::Date,
    /// Trainings attended.
    pub trainings: i64,
}

/// The form registering a youth ambassador, as typed (the day in BS).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AmbassadorForm {
    /// Her ward (7 digits).
    pub ward: String,
    /// Name.
    pub name: String,
    /// Sex.
    pub sex: String,
    /// Joined on (BS).
    pub joined_on: String,
    /// Trainings attended (empty is none).
    pub trainings: String,
}

impl AmbassadorForm {
    /// Checks every field at once (whether the ward is the writer's to write in is the
    /// caller's question).
    pub fn check(&self) -> Result<AmbassadorDraft, crate::Invalid> {
        let mut c = crate::validation::Checker::default();
        let ward = match self.ward.trim().parse::<crate::PlaceCode>() {
            Ok(w @ crate::PlaceCode::Ward { .. }) => Some(w),
            _ => {
                c.fail("ward", "error-ward-code");
                None
            }
        };
        let name = c.text("name", &self.name, 120);
        let sex = crate::booths::choice(&mut c, "sex", &self.sex, Sex::parse, None);
        let joined_on = c.bs_date("joined_on", &self.joined_on);
        if self.joined_on.trim().is_empty() {
            c.fail("joined_on", "error-required");
        }
        let digits = crate::numbers::to_ascii_digits(self.trainings.trim());
        let trainings = match digits.parse::<i64>() {
            _ if digits.is_empty() => 0,
            Ok(n) if (0..=1_000).contains(&n) => n,
            _ => {
                c.fail("trainings", "error-number");
                0
            }
        };
        c.finish(())?;
        match (ward, sex, joined_on) {
            (Some(ward), Some(sex), Some(joined_on)) => Ok(AmbassadorDraft {
                ward,
                name,
                sex,
                joined_on,
                trainings,
            }),
            // Unreachable: each missing value failed above.
            _ => Err(crate::Invalid(vec![crate::FieldError {
                field: "ward",
                message: "error-required",
            }])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ambassador_form_reports_every_field_at_once() {
        let ok = AmbassadorForm {
            ward: "5110619".into(),
            name: " Asha Tharu ".into(),
            sex: "female".into(),
            joined_on: "२०८१-०१-०१".into(),
            trainings: "३".into(),
        }
        .check()
        .unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.trainings, ok.sex),
            ("Asha Tharu", 3, Sex::Female)
        );
        let bad = AmbassadorForm {
            ward: "51106".into(),
            trainings: "-1".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        for (field, message) in [
            ("ward", "error-ward-code"),
            ("name", "error-required"),
            ("sex", "error-required"),
            ("joined_on", "error-required"),
            ("trainings", "error-number"),
        ] {
            assert_eq!(bad.for_field(field), Some(message), "{field}");
        }
    }

    #[test]
    fn indicators_count_people_once_and_repeated_contact() {
        let parents = [
            (Sex::Female, 4),
            (Sex::Female, 1),
            (Sex::Male, 3),
            (Sex::Female, 0),
            (Sex::Other, 2),
        ];
        let i = SbccIndicators::from_parents(parents);
        assert_eq!(
            i.parents_reached, 4,
            "the parent with no session is not reached"
        );
        assert_eq!(i.women_reached, 2);
        assert_eq!(i.attendances, 10);
        assert_eq!(i.repeated, 2);
        assert_eq!(i.women_percent(), Some(50));
        assert_eq!(i.repeated_percent(), Some(50));
        assert_eq!(i.sessions_per_parent_tenths(), Some(25));
        assert_eq!(SbccIndicators::default().women_percent(), None);
    }
}

kinds! {
    /// What a youth engagement event was.
    EventType {
        /// Awareness in the community.
        Awareness = "awareness",
        /// A session in a school.
        SchoolSession = "school-session",
        /// Street drama.
        StreetDrama = "street-drama",
        /// A video screening.
        VideoScreening = "video-screening",
        /// A meeting with the municipality.
        MunicipalityMeeting = "municipality-meeting",
        /// A budget hearing.
        BudgetHearing = "budget-hearing",
        /// Support to a survivor.
        SurvivorSupport = "survivor-support",
    }
}

kinds! {
    /// A youth ambassador's standing.
    YouthStatus {
        /// Active.
        Active = "active",
        /// Not active for now, still a member.
        Inactive = "inactive",
        /// Has left.
        Left = "left",
    }
}

/// A local level with fewer active youth ambassadors than this is flagged: when the
/// ambassadors of one generation leave, nobody may be there to take over.
pub const SUCCESSION_THRESHOLD: i64 = 5;

/// Participants of an event by sex × age band: [female, male, other] under 18, then 18+.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participants {
    /// Under 18: female, male, other.
    pub under18: [i64; 3],
    /// 18 and over: female, male, other.
    pub adults: [i64; 3],
}

impl Participants {
    /// Everyone.
    pub fn total(&self) -> i64 {
        self.under18.iter().chain(self.adults.iter()).sum()
    }

    /// Adds another event's participants.
    pub fn add(&mut self, other: &Participants) {
        for i in 0..3 {
            self.under18[i] += other.under18[i];
            self.adults[i] += other.adults[i];
        }
    }
}

#[cfg(test)]
mod youth_tests {
    use super::*;

    #[test]
    fn participants_add_up() {
        let mut p = Participants {
            under18: [3, 2, 0],
            adults: [5, 1, 1],
        };
        assert_eq!(p.total(), 12);
        p.add(&Participants {
            under18: [1, 0, 0],
            adults: [0, 0, 0],
        });
        assert_eq!(p.under18[0], 4);
        assert_eq!(
            EventType::parse("budget-hearing"),
            Some(EventType::BudgetHearing)
        );
    }
}
