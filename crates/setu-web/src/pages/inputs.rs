//! Reading what people type into forms: Bikram Sambat dates and rupee amounts, in Latin or
//! Devanagari digits. Errors are Fluent message ids.

use serde::Deserialize;
use setu_core::access::Scope;
use setu_core::{BsDate, PlaceCode};
use time::Date;

/// `?place=511`: narrows a list to an area inside the reader's scope (never widens it).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AreaQuery {
    /// A place code, or empty for the whole scope.
    #[serde(default)]
    pub place: String,
}

impl AreaQuery {
    /// The reader's scope narrowed to the place asked for (an unreadable code is ignored).
    pub fn scope(&self, own: Scope) -> Scope {
        let place: Option<PlaceCode> = self.place.trim().parse().ok();
        crate::pages::indicators::narrow(own, place)
    }
}

/// Reads a date typed in Bikram Sambat (either digits); empty is `None`.
pub fn bs_date(raw: &str) -> Result<Option<Date>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<BsDate>()
        .map(|d| Some(d.to_ad()))
        .map_err(|_| "error-bs-date")
}

/// Reads a rupee amount typed with Latin or Devanagari digits and grouping commas.
pub fn rupees(raw: &str) -> Result<i64, &'static str> {
    let digits = setu_core::numbers::to_ascii_digits(raw).replace([',', ' '], "");
    if digits.is_empty() {
        return Ok(0);
    }
    digits
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 0)
        .ok_or("error-amount")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_amounts_in_either_script() {
        assert_eq!(
            bs_date("२०८२-०४-०१")
                .unwrap()
                .map(setu_core::calendar::iso)
                .as_deref(),
            Some("2025-07-17")
        );
        assert_eq!(bs_date(" ").unwrap(), None);
        assert_eq!(bs_date("2082-13-01"), Err("error-bs-date"));
        assert_eq!(rupees("३,००,०००"), Ok(300_000));
        assert_eq!(rupees("1,250"), Ok(1250));
        assert_eq!(rupees(""), Ok(0));
        assert_eq!(rupees("-5"), Err("error-amount"));
        assert_eq!(rupees("12x"), Err("error-amount"));
    }
}
