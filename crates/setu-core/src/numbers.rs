//! Numbers as Nepali readers expect them: Devanagari digits and South Asian grouping
//! (१२,३४,५६७), through ICU4X's CLDR data rather than hand-written rules.

use icu_decimal::input::Decimal;
use icu_decimal::DecimalFormatter;
use icu_locale_core::{locale, Locale};

use crate::{Digits, Lang};

/// Formats integers for each language and choice of digits. Build once and share: the
/// formatters hold their CLDR data.
#[derive(Debug)]
pub struct NumberFormat {
    en: DecimalFormatter,
    ne_deva: DecimalFormatter,
    ne_latn: DecimalFormatter,
}

impl NumberFormat {
    /// Loads the formatters from ICU4X's compiled data (no files, cannot fail at run time
    /// for these locales; a failure would mean the crate was built without its data).
    pub fn new() -> Result<NumberFormat, NumberDataMissing> {
        Ok(NumberFormat {
            en: formatter(locale!("en"))?,
            ne_deva: formatter(locale!("ne-u-nu-deva"))?,
            ne_latn: formatter(locale!("ne-u-nu-latn"))?,
        })
    }

    /// `1234567` → `1,234,567` (English), `१२,३४,५६७` (Nepali), `12,34,567` (Nepali, Latin digits).
    pub fn integer(&self, lang: Lang, digits: Digits, value: i64) -> String {
        let f = match (lang, digits) {
            (Lang::En, Digits::Latin) => &self.en,
            (Lang::En, Digits::Devanagari) | (Lang::Ne, Digits::Devanagari) => &self.ne_deva,
            (Lang::Ne, Digits::Latin) => &self.ne_latn,
        };
        f.format_to_string(&Decimal::from(value))
    }
}

/// ICU4X had no number data for a locale (the binary was built without its data).
#[derive(Debug, Clone, thiserror::Error)]
#[error("no number formatting data for {0}")]
pub struct NumberDataMissing(String);

fn formatter(locale: Locale) -> Result<DecimalFormatter, NumberDataMissing> {
    DecimalFormatter::try_new((&locale).into(), Default::default())
        .map_err(|_| NumberDataMissing(locale.to_string()))
}

/// Rewrites ASCII digits in `text` as Devanagari digits (for dates and codes, which are not
/// grouped). Other characters are kept.
pub fn to_devanagari_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_u32(0x0966 + d).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Rewrites Devanagari digits in `text` as ASCII digits, so that input typed either way parses.
pub fn to_ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            d @ 0x0966..=0x096F => char::from_u32(u32::from(b'0') + d - 0x0966).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Writes `text`'s digits in the chosen script.
pub fn with_digits(text: &str, digits: Digits) -> String {
    match digits {
        Digits::Devanagari => to_devanagari_digits(text),
        Digits::Latin => to_ascii_digits(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nepali_grouping_and_digits() {
        let nf = NumberFormat::new().unwrap();
        assert_eq!(nf.integer(Lang::En, Digits::Latin, 1_234_567), "1,234,567");
        assert_eq!(
            nf.integer(Lang::Ne, Digits::Devanagari, 1_234_567),
            "१२,३४,५६७"
        );
        assert_eq!(nf.integer(Lang::Ne, Digits::Latin, 1_234_567), "12,34,567");
        assert_eq!(nf.integer(Lang::Ne, Digits::Devanagari, 13_211), "१३,२११");
        assert_eq!(nf.integer(Lang::Ne, Digits::Devanagari, -7), "-७");
    }

    #[test]
    fn digit_scripts_round_trip() {
        assert_eq!(to_devanagari_digits("2082-04-01"), "२०८२-०४-०१");
        assert_eq!(to_ascii_digits("२०८२-०४-०१"), "2082-04-01");
        assert_eq!(with_digits("वडा ७", Digits::Latin), "वडा 7");
    }
}
