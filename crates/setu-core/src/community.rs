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
        let trainings = c
            .number("trainings", &self.trainings, 0, 1_000)
            .unwrap_or(0);
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
            ("trainings", "error-number-0-1000"),
        ] {
            assert_eq!(bad.for_field(field), Some(message), "{field}");
        }
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

    /// Everyone under 18.
    pub fn minors(&self) -> i64 {
        self.under18.iter().sum()
    }

    /// Adds another event's participants.
    pub fn add(&mut self, other: &Participants) {
        for i in 0..3 {
            self.under18[i] += other.under18[i];
            self.adults[i] += other.adults[i];
        }
    }
}

/// The form creating a parents' group, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ParentsGroupForm {
    /// Its ward (7 digits).
    pub ward: String,
    /// Its name.
    pub name: String,
    /// Formed on (BS), optional.
    pub formed_on: String,
}

/// A new parents' group, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentsGroupDraft {
    /// Ward.
    pub ward: crate::PlaceCode,
    /// Name.
    pub name: String,
    /// Formed on.
    pub formed_on: Option<time::Date>,
}

fn is_ward(p: &crate::PlaceCode) -> bool {
    matches!(p, crate::PlaceCode::Ward { .. })
}

impl ParentsGroupForm {
    /// Checks every field at once.
    pub fn check(&self) -> Result<ParentsGroupDraft, crate::Invalid> {
        let mut c = crate::validation::Checker::default();
        let ward = c.place("ward", &self.ward, is_ward, "error-ward-code");
        let name = c.text("name", &self.name, 120);
        let formed_on = c.bs_date("formed_on", &self.formed_on);
        c.finish(())?;
        let ward = ward.ok_or_else(|| crate::Invalid::required("ward"))?;
        Ok(ParentsGroupDraft {
            ward,
            name,
            formed_on,
        })
    }
}

/// The form adding a parent to a group, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ParentForm {
    /// Name (sealed when stored).
    pub name: String,
    /// Sex.
    pub sex: String,
    /// Joined on (BS).
    pub joined_on: String,
}

/// A parent joining a group, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentDraft {
    /// Name.
    pub name: String,
    /// Sex.
    pub sex: Sex,
    /// Joined on.
    pub joined_on: time::Date,
}

impl ParentForm {
    /// Checks every field at once.
    pub fn check(&self, today: time::Date) -> Result<ParentDraft, crate::Invalid> {
        let mut c = crate::validation::Checker::default();
        let name = c.text("name", &self.name, 120);
        let sex = c.choose("sex", &self.sex, Sex::parse);
        let joined_on = c.past_date("joined_on", &self.joined_on, today);
        c.finish(())?;
        match (sex, joined_on) {
            (Some(sex), Some(joined_on)) => Ok(ParentDraft {
                name,
                sex,
                joined_on,
            }),
            _ => Err(crate::Invalid::required("sex")),
        }
    }
}

/// The form recording a parents' session, as typed; `present` repeats once per parent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SessionForm {
    /// Held on (BS).
    pub held_on: String,
    /// Topic.
    pub topic: String,
    /// Material.
    pub material: String,
    /// Episode of "Maya and Udayan", optional.
    pub episode: String,
    /// Facilitator (sealed when stored).
    pub facilitator: String,
    /// Ids of the parents present.
    pub present: Vec<String>,
}

/// A parents' session to record.
#[derive(Debug, Clone)]
pub struct SessionDraft {
    /// Held on.
    pub held_on: time::Date,
    /// Topic.
    pub topic: String,
    /// Material.
    pub material: Material,
    /// Episode number, for "Maya and Udayan".
    pub episode: Option<i64>,
    /// Facilitator (sealed: a person's name).
    pub facilitator: String,
    /// Members present.
    pub present: Vec<String>,
}

impl SessionForm {
    /// Reads the form from `application/x-www-form-urlencoded` pairs (`present` repeats).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> SessionForm {
        let mut f = SessionForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "held_on" => f.held_on = v,
                "topic" => f.topic = v,
                "material" => f.material = v,
                "episode" => f.episode = v,
                "facilitator" => f.facilitator = v,
                "present" => f.present.push(v),
                _ => {}
            }
        }
        f
    }

    /// Checks every field at once; `members` are the group's parents.
    pub fn check(
        &self,
        today: time::Date,
        members: &[String],
    ) -> Result<SessionDraft, crate::Invalid> {
        let mut c = crate::validation::Checker::default();
        let held_on = c.past_date("held_on", &self.held_on, today);
        let topic = c.text("topic", &self.topic, 200);
        let material = c.choose("material", &self.material, Material::parse);
        let episode = match crate::numbers::to_ascii_digits(self.episode.trim()) {
            e if e.is_empty() => None,
            e => match e.parse::<i64>() {
                Ok(n) if (1..=1_000).contains(&n) => Some(n),
                _ => {
                    c.fail("episode", "error-episode");
                    None
                }
            },
        };
        let facilitator = c.text("facilitator", &self.facilitator, 120);
        if self.present.iter().any(|p| !members.contains(p)) {
            c.fail("present", "error-choice");
        }
        c.finish(())?;
        match (held_on, material) {
            (Some(held_on), Some(material)) => Ok(SessionDraft {
                held_on,
                topic,
                material,
                episode,
                facilitator,
                present: self.present.clone(),
            }),
            _ => Err(crate::Invalid::required("held_on")),
        }
    }
}

/// The form moving a youth ambassador's standing, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct StandingForm {
    /// `active`, `inactive` or `left`.
    pub status: String,
    /// Since (BS); empty is today.
    pub since: String,
}

impl StandingForm {
    /// Checks both fields: the standing and since when (today when left empty).
    pub fn check(&self, today: time::Date) -> Result<(YouthStatus, time::Date), crate::Invalid> {
        let mut c = crate::validation::Checker::default();
        let status = c.choose("status", &self.status, YouthStatus::parse);
        let since = c.bs_date("since", &self.since).unwrap_or(today);
        if since > today {
            c.fail("since", "error-date-future");
        }
        c.finish(())?;
        Ok((
            status.ok_or_else(|| crate::Invalid::required("status"))?,
            since,
        ))
    }
}

/// The youth event form: participants by sex (female, male, other) × under 18 / 18 and over.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct YouthEventForm {
    /// Ward (7 digits).
    pub ward: String,
    /// Held on (BS).
    pub held_on: String,
    /// Kind of event.
    pub event_type: String,
    /// Girls under 18.
    pub female_u18: String,
    /// Boys under 18.
    pub male_u18: String,
    /// Others under 18.
    pub other_u18: String,
    /// Women.
    pub female_18: String,
    /// Men.
    pub male_18: String,
    /// Others 18 and over.
    pub other_18: String,
    /// What came of it.
    pub outcome: String,
}

/// A youth event to record.
#[derive(Debug, Clone)]
pub struct EventDraft {
    /// Ward.
    pub ward: crate::PlaceCode,
    /// Held on.
    pub held_on: time::Date,
    /// Kind.
    pub event_type: EventType,
    /// Participants.
    pub participants: Participants,
    /// Outcome.
    pub outcome: String,
}

impl YouthEventForm {
    /// Checks every field at once.
    pub fn check(&self, today: time::Date) -> Result<EventDraft, crate::Invalid> {
        let mut c = crate::validation::Checker::default();
        let ward = c.place("ward", &self.ward, is_ward, "error-ward-code");
        let held_on = c.past_date("held_on", &self.held_on, today);
        let event_type = c.choose("event_type", &self.event_type, EventType::parse);
        let participants = Participants {
            under18: [
                c.count("female_u18", &self.female_u18),
                c.count("male_u18", &self.male_u18),
                c.count("other_u18", &self.other_u18),
            ],
            adults: [
                c.count("female_18", &self.female_18),
                c.count("male_18", &self.male_18),
                c.count("other_18", &self.other_18),
            ],
        };
        let outcome = c
            .optional_text("outcome", &self.outcome, 2_000)
            .unwrap_or_default();
        c.finish(())?;
        match (ward, held_on, event_type) {
            (Some(ward), Some(held_on), Some(event_type)) => Ok(EventDraft {
                ward,
                held_on,
                event_type,
                participants,
                outcome,
            }),
            _ => Err(crate::Invalid::required("ward")),
        }
    }
}

/// The youth-group form, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct YouthGroupForm {
    /// Ward (7 digits) or local level (5 digits).
    pub place: String,
    /// Name.
    pub name: String,
    /// Formed on (BS), optional.
    pub formed_on: String,
    /// The resource centre that gave the group a room, optional.
    pub resource_centre: String,
    /// When the room was given (BS): required with a resource centre.
    pub room_given_on: String,
}

/// A youth group, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YouthGroupDraft {
    /// Ward or local level.
    pub place: crate::PlaceCode,
    /// Name.
    pub name: String,
    /// Formed on.
    pub formed_on: Option<time::Date>,
    /// (resource centre, room given on).
    pub room: Option<(String, time::Date)>,
}

impl YouthGroupForm {
    /// Checks every field at once.
    pub fn check(&self) -> Result<YouthGroupDraft, crate::Invalid> {
        let mut c = crate::validation::Checker::default();
        let place = c.place(
            "place",
            &self.place,
            |p| {
                matches!(
                    p,
                    crate::PlaceCode::Ward { .. } | crate::PlaceCode::LocalLevel(_)
                )
            },
            "error-ward-or-local-level",
        );
        let name = c.text("name", &self.name, 120);
        let formed_on = c.bs_date("formed_on", &self.formed_on);
        let centre = c.optional_text("resource_centre", &self.resource_centre, 120);
        let given = c.bs_date("room_given_on", &self.room_given_on);
        if centre.is_some() && self.room_given_on.trim().is_empty() {
            c.fail("room_given_on", "error-required");
        }
        c.finish(())?;
        Ok(YouthGroupDraft {
            place: place.ok_or_else(|| crate::Invalid::required("place"))?,
            name,
            formed_on,
            room: centre.zip(given),
        })
    }
}

#[cfg(test)]
mod youth_tests {
    use super::*;

    fn day(y: i32, m: u8, d: u8) -> time::Date {
        time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap()
    }

    #[test]
    fn community_forms_report_every_field_at_once() {
        let today = day(2025, 1, 1);
        let bad = ParentsGroupForm {
            ward: "511".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(bad.for_field("ward"), Some("error-ward-code"));
        assert_eq!(bad.for_field("name"), Some("error-required"));
        let bad = ParentForm {
            sex: "dragon".into(),
            joined_on: "2090-01-01".into(),
            ..Default::default()
        }
        .check(today)
        .unwrap_err();
        for (f, m) in [
            ("name", "error-required"),
            ("sex", "error-choice"),
            ("joined_on", "error-date-future"),
        ] {
            assert_eq!(bad.for_field(f), Some(m), "{f}");
        }
        let session = SessionForm::from_pairs(
            [
                ("held_on", "2081-01-01"),
                ("topic", "Safe migration"),
                ("material", "film"),
                ("episode", "x"),
                ("present", "p1"),
                ("present", "stranger"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        assert_eq!(session.present.len(), 2);
        let bad = session.check(today, &["p1".into()]).unwrap_err();
        for (f, m) in [
            ("episode", "error-episode"),
            ("facilitator", "error-required"),
            ("present", "error-choice"),
        ] {
            assert_eq!(bad.for_field(f), Some(m), "{f}");
        }
        let bad = YouthEventForm {
            ward: "5110619".into(),
            held_on: "2081-01-01".into(),
            female_u18: "-3".into(),
            male_18: "many".into(),
            ..Default::default()
        }
        .check(today)
        .unwrap_err();
        for (f, m) in [
            ("event_type", "error-required"),
            ("female_u18", "error-count"),
            ("male_18", "error-count"),
        ] {
            assert_eq!(bad.for_field(f), Some(m), "{f}");
        }
        let ok = YouthEventForm {
            ward: "5110619".into(),
            held_on: "२०८१-०१-०१".into(),
            event_type: EventType::ALL[0].as_str().into(),
            female_u18: "१२".into(),
            ..Default::default()
        }
        .check(today)
        .unwrap();
        assert_eq!(ok.participants.total(), 12);
        let bad = YouthGroupForm {
            place: "5110619".into(),
            name: "Jamunaha youth".into(),
            resource_centre: "Ward office".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(bad.0.len(), 1);
        assert_eq!(bad.for_field("room_given_on"), Some("error-required"));
        let bad = StandingForm {
            status: "retired".into(),
            since: "2090-01-01".into(),
        }
        .check(today)
        .unwrap_err();
        assert_eq!(bad.0.len(), 2);
    }

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
