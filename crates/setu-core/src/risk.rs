//! Risk indicators for screening at the border: a catalogue that is data, not code.
//!
//! An administrator edits the catalogue; every change is a new version, and each screening
//! keeps the version and the score it was scored with, so a score never changes after the
//! fact. [`Catalogue::default_set`] is the first version (documented in `docs/booths.md`).

use serde::{Deserialize, Serialize};

use crate::validation::Checker;
use crate::Invalid;

kinds! {
    /// What an indicator is about.
    RiskCategory {
        /// The person (age, consent, relationship).
        Person = "person",
        /// The journey (destination, route).
        Journey = "journey",
        /// Documents.
        Documents = "documents",
        /// Recruitment and money.
        Recruitment = "recruitment",
        /// What staff observe (stories, behaviour).
        Behaviour = "behaviour",
    }
}

kinds! {
    /// The level a score falls in.
    RiskLevel {
        /// Below the high-risk threshold.
        Low = "low",
        /// At or above the high-risk threshold: counsel, verify, consider stopping.
        High = "high",
        /// At or above the evidence threshold: evidence of trafficking, hand over to police.
        Evidence = "evidence",
    }
}

/// One indicator of a catalogue version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// Stable short code (`minor-no-consent`); kept across versions so trends compare.
    pub code: String,
    /// Category.
    pub category: RiskCategory,
    /// Weight added to the score when the indicator is present (1–10).
    pub weight: i64,
    /// English text.
    pub text_en: String,
    /// Nepali text.
    pub text_ne: String,
}

/// A version of the catalogue: indicators and the two thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Version number, from 1.
    pub version: i64,
    /// The indicators, in the order forms list them.
    pub indicators: Vec<Indicator>,
    /// Score at or above which a person is at high risk.
    pub high_threshold: i64,
    /// Score at or above which the record shows evidence of trafficking.
    pub evidence_threshold: i64,
}

/// The highest weight an indicator may carry.
pub const MAX_WEIGHT: i64 = 10;

impl Catalogue {
    /// Version 1: indicators used by booth staff at Nepal's border crossings (see
    /// `docs/booths.md` for the sources and the reasoning behind the weights).
    pub fn default_set() -> Catalogue {
        let i = |code: &str, category, weight, en: &str, ne: &str| Indicator {
            code: code.into(),
            category,
            weight,
            text_en: en.into(),
            text_ne: ne.into(),
        };
        use RiskCategory::*;
        Catalogue {
            version: 1,
            high_threshold: 5,
            evidence_threshold: 10,
            indicators: vec![
                i(
                    "minor-no-consent",
                    Person,
                    5,
                    "A minor travelling without the consent of parents or guardian",
                    "अभिभावकको सहमतिबिना यात्रा गरिरहेको नाबालक",
                ),
                i(
                    "recent-companion",
                    Person,
                    3,
                    "Met the companion or married very recently",
                    "साथीसँग भर्खरै चिनजान वा भर्खरै विवाह भएको",
                ),
                i(
                    "unknown-destination",
                    Journey,
                    3,
                    "Does not know the destination address or the employer",
                    "गन्तव्यको ठेगाना वा रोजगारदाता थाहा नभएको",
                ),
                i(
                    "gulf-via-india",
                    Journey,
                    4,
                    "Going to a Gulf country through India",
                    "भारत हुँदै खाडी मुलुक जाँदै गरेको",
                ),
                i(
                    "documents-held",
                    Documents,
                    4,
                    "Identity documents held by a companion or agent",
                    "परिचयपत्र साथी वा एजेन्टले राखेको",
                ),
                i(
                    "documents-suspect",
                    Documents,
                    5,
                    "Documents look forged or show a different age",
                    "कागजात नक्कली देखिएको वा फरक उमेर देखाएको",
                ),
                i(
                    "no-documents",
                    Documents,
                    2,
                    "Carries no identity document",
                    "कुनै परिचयपत्र नबोकेको",
                ),
                i(
                    "offer-too-good",
                    Recruitment,
                    3,
                    "A job offer too good to be true (high pay, no skill or cost)",
                    "पत्याउनै नसकिने रोजगारीको प्रस्ताव (धेरै तलब, सीप वा खर्च नचाहिने)",
                ),
                i(
                    "debt-to-recruiter",
                    Recruitment,
                    4,
                    "Owes money to the recruiter or agent",
                    "भर्ती गर्ने व्यक्ति वा एजेन्टलाई ऋण तिर्नुपर्ने",
                ),
                i(
                    "unlicensed-agent",
                    Recruitment,
                    3,
                    "Recruited by an agent without a foreign-employment licence",
                    "वैदेशिक रोजगार इजाजत नभएको एजेन्टमार्फत",
                ),
                i(
                    "stories-contradict",
                    Behaviour,
                    3,
                    "Their story and the companion's contradict each other",
                    "आफ्नो र साथीको भनाइ बाझिएको",
                ),
                i(
                    "coached-answers",
                    Behaviour,
                    2,
                    "Answers seem rehearsed, or the companion answers for them",
                    "सिकाइएका जस्ता जवाफ, वा साथीले नै जवाफ दिने",
                ),
                i(
                    "fear-distress",
                    Behaviour,
                    2,
                    "Appears frightened, distressed or drugged",
                    "डराएको, आत्तिएको वा लागुपदार्थको असरमा देखिएको",
                ),
            ],
        }
    }

    /// The score of a set of indicator codes, and its level. Unknown codes are an error (the
    /// form was made from another version).
    pub fn score(&self, codes: &[String]) -> Result<(i64, RiskLevel), Invalid> {
        let mut c = Checker::default();
        let mut total = 0;
        for code in codes {
            match self.indicators.iter().find(|i| &i.code == code) {
                Some(i) => total += i.weight,
                None => c.fail("risk", "error-risk-unknown"),
            }
        }
        c.finish((total, self.level(total)))
    }

    /// The level of a score.
    pub fn level(&self, score: i64) -> RiskLevel {
        if score >= self.evidence_threshold {
            RiskLevel::Evidence
        } else if score >= self.high_threshold {
            RiskLevel::High
        } else {
            RiskLevel::Low
        }
    }

    /// Checks a proposed new version: codes unique and well formed, texts in both languages,
    /// weights 1–10, thresholds positive and ordered.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Checker::default();
        if self.indicators.is_empty() {
            c.fail("indicators", "error-required");
        }
        for (n, i) in self.indicators.iter().enumerate() {
            let code_ok = !i.code.is_empty()
                && i.code.len() <= 40
                && i.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !code_ok {
                c.fail("code", "error-risk-code");
            }
            if self.indicators[..n].iter().any(|o| o.code == i.code) {
                c.fail("code", "error-risk-duplicate");
            }
            if i.text_en.trim().is_empty() || i.text_ne.trim().is_empty() {
                c.fail("text", "error-required");
            }
            if !(1..=MAX_WEIGHT).contains(&i.weight) {
                c.fail("weight", "error-risk-weight");
            }
        }
        if self.high_threshold < 1 || self.evidence_threshold <= self.high_threshold {
            c.fail("thresholds", "error-risk-thresholds");
        }
        c.finish(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_set_is_valid_and_scores_by_weight() {
        let cat = Catalogue::default_set();
        cat.check().unwrap();
        assert_eq!(cat.score(&[]).unwrap(), (0, RiskLevel::Low));
        assert_eq!(
            cat.score(&codes(&["unknown-destination", "no-documents"]))
                .unwrap(),
            (5, RiskLevel::High)
        );
        assert_eq!(
            cat.score(&codes(&[
                "minor-no-consent",
                "documents-held",
                "stories-contradict"
            ]))
            .unwrap(),
            (12, RiskLevel::Evidence)
        );
        assert!(cat.score(&codes(&["made-up"])).is_err());
    }

    #[test]
    fn a_bad_version_is_refused_with_reasons() {
        let mut cat = Catalogue::default_set();
        cat.indicators[1].code = cat.indicators[0].code.clone();
        cat.indicators[2].weight = 0;
        cat.evidence_threshold = cat.high_threshold;
        let e = cat.check().unwrap_err();
        assert_eq!(e.for_field("code"), Some("error-risk-duplicate"));
        assert_eq!(e.for_field("weight"), Some("error-risk-weight"));
        assert_eq!(e.for_field("thresholds"), Some("error-risk-thresholds"));
    }
}
