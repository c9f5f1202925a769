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

#[cfg(test)]
mod tests {
    use super::*;

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
