//! The two languages of the interface and the user's choice of digits.

use serde::{Deserialize, Serialize};

/// A language of the interface. Every piece of UI text exists in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Nepali, written in Devanagari.
    Ne,
}

impl Lang {
    /// All languages, in the order the language switch lists them.
    pub const ALL: [Lang; 2] = [Lang::Ne, Lang::En];

    /// The BCP 47 tag, as used in `lang=""` attributes and Fluent file names.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ne => "ne",
        }
    }

    /// Parses a tag such as `ne`, `ne-NP` or `en-GB`; anything else is `None`.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "ne" | "np" => Some(Lang::Ne),
            _ => None,
        }
    }

    /// The language's name written in itself, for the language switch.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ne => "नेपाली",
        }
    }
}

/// Which digits numbers and dates are written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Digits {
    /// ० १ २ ३ …, the default in Nepali.
    Devanagari,
    /// 0 1 2 3 …, the default in English and a choice in Nepali.
    Latin,
}

impl Digits {
    /// The digits a language uses when the user has not chosen.
    pub fn default_for(lang: Lang) -> Digits {
        match lang {
            Lang::En => Digits::Latin,
            Lang::Ne => Digits::Devanagari,
        }
    }

    /// The value stored in the preference cookie.
    pub fn code(self) -> &'static str {
        match self {
            Digits::Devanagari => "deva",
            Digits::Latin => "latn",
        }
    }

    /// Parses a preference cookie value.
    pub fn parse(code: &str) -> Option<Digits> {
        match code {
            "deva" => Some(Digits::Devanagari),
            "latn" => Some(Digits::Latin),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_with_regions() {
        assert_eq!(Lang::parse("ne-NP"), Some(Lang::Ne));
        assert_eq!(Lang::parse("EN_gb"), Some(Lang::En));
        assert_eq!(Lang::parse("hi"), None);
        assert_eq!(Lang::parse(""), None);
    }
}
