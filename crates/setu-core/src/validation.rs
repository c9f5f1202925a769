//! Validation results that the web layer can show next to the field, in the user's language.

use serde::Serialize;

/// One thing wrong with one field. `message` is a Fluent message id (e.g. `error-required`),
/// so the page shows it in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The form field's name.
    pub field: &'static str,
    /// The Fluent message id explaining what is wrong.
    pub message: &'static str,
}

/// Everything wrong with a submitted form (never empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("invalid input in {} field(s)", .0.len())]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    /// `field` is required (for a value a checker already reported missing).
    pub fn required(field: &'static str) -> Invalid {
        Invalid(vec![FieldError {
            field,
            message: "error-required",
        }])
    }

    /// The error for `field`, if any.
    pub fn for_field(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message)
    }
}

/// Collects field errors while a form is checked, then turns into `Ok` or `Err(Invalid)`.
#[derive(Debug, Default)]
pub struct Checker(Vec<FieldError>);

impl Checker {
    /// Records that `field` is wrong because of `message`.
    pub fn fail(&mut self, field: &'static str, message: &'static str) {
        self.0.push(FieldError { field, message });
    }

    /// A required single-line text: trimmed, non-empty, at most `max` characters.
    pub fn text(&mut self, field: &'static str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.fail(field, "error-required");
        } else if v.chars().count() > max {
            self.fail(field, "error-too-long");
        } else if v.chars().any(char::is_control) {
            self.fail(field, "error-control-chars");
        }
        v.to_string()
    }

    /// An optional single-line text: empty becomes `None`.
    pub fn optional_text(
        &mut self,
        field: &'static str,
        value: &str,
        max: usize,
    ) -> Option<String> {
        if value.trim().is_empty() {
            None
        } else {
            Some(self.text(field, value, max))
        }
    }

    /// An optional telephone number (an office line or a mobile): digits, spaces, `+`, `-` and
    /// brackets only, at most 30 characters.
    pub fn optional_phone(&mut self, field: &'static str, value: &str) -> Option<String> {
        let phone = self.optional_text(field, value, 30)?;
        if !phone
            .chars()
            .all(|ch| ch.is_ascii_digit() || " +-()".contains(ch))
        {
            self.fail(field, "error-phone");
        }
        Some(phone)
    }

    /// An amount in rupees, typed with Latin or Devanagari digits and grouping commas; empty
    /// is 0. At most a hundred billion (a municipality's whole budget is far less).
    pub fn amount(&mut self, field: &'static str, value: &str) -> i64 {
        let digits = crate::numbers::to_ascii_digits(value).replace([',', ' '], "");
        if digits.is_empty() {
            return 0;
        }
        match digits.parse::<i64>() {
            Ok(v) if (0..=100_000_000_000).contains(&v) => v,
            _ => {
                self.fail(field, "error-amount");
                0
            }
        }
    }

    /// An optional Bikram Sambat date (`2081-05-01`, Latin or Devanagari digits), as AD.
    pub fn bs_date(&mut self, field: &'static str, value: &str) -> Option<time::Date> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        match v.parse::<crate::calendar::BsDate>() {
            Ok(d) => Some(d.to_ad()),
            Err(_) => {
                self.fail(field, "error-bs-date");
                None
            }
        }
    }

    /// A required Bikram Sambat date, not after `today`.
    pub fn past_date(
        &mut self,
        field: &'static str,
        value: &str,
        today: time::Date,
    ) -> Option<time::Date> {
        let day = self.required_date(field, value)?;
        if day > today {
            self.fail(field, "error-date-future");
        }
        Some(day)
    }

    /// A required Bikram Sambat date.
    pub fn required_date(&mut self, field: &'static str, value: &str) -> Option<time::Date> {
        if value.trim().is_empty() {
            self.fail(field, "error-required");
            return None;
        }
        self.bs_date(field, value)
    }

    /// One of a vocabulary's stored values (required).
    pub fn choose<T>(
        &mut self,
        field: &'static str,
        value: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        if value.trim().is_empty() {
            self.fail(field, "error-required");
            return None;
        }
        let v = parse(value.trim());
        if v.is_none() {
            self.fail(field, "error-choice");
        }
        v
    }

    /// A place code whose kind `accept` allows (a ward, a local level…); `message` says
    /// which kinds are meant.
    pub fn place(
        &mut self,
        field: &'static str,
        value: &str,
        accept: fn(&crate::PlaceCode) -> bool,
        message: &'static str,
    ) -> Option<crate::PlaceCode> {
        match value.trim().parse::<crate::PlaceCode>() {
            Ok(p) if accept(&p) => Some(p),
            _ if value.trim().is_empty() => {
                self.fail(field, "error-required");
                None
            }
            _ => {
                self.fail(field, message);
                None
            }
        }
    }

    /// A whole number in `min..=max` (Latin or Devanagari digits, grouping commas); empty is 0.
    /// A wrong one is refused with a message that gives the range ([`range_message`]).
    pub fn number(&mut self, field: &'static str, value: &str, min: i64, max: i64) -> Option<i64> {
        let digits = crate::numbers::to_ascii_digits(value.trim()).replace(',', "");
        match digits.parse::<i64>() {
            _ if digits.is_empty() => Some(0),
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.fail(field, range_message(min, max));
                None
            }
        }
    }

    /// A count of people, Latin or Devanagari digits; empty is 0; at most 100,000.
    pub fn count(&mut self, field: &'static str, value: &str) -> i64 {
        let digits = crate::numbers::to_ascii_digits(value.trim()).replace(',', "");
        match digits.parse::<i64>() {
            _ if digits.is_empty() => 0,
            Ok(n) if (0..=100_000).contains(&n) => n,
            _ => {
                self.fail(field, "error-count");
                0
            }
        }
    }

    /// Finishes: the value if nothing failed, otherwise every error at once.
    pub fn finish<T>(self, value: T) -> Result<T, Invalid> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(Invalid(self.0))
        }
    }
}

/// The message for a number outside `min..=max`, which says the range: the ranges Setu's
/// forms use each have one (messages take no arguments), others say only "a whole number".
pub fn range_message(min: i64, max: i64) -> &'static str {
    match (min, max) {
        (0, 120) => "error-age",
        (0, 100) => "error-age-100",
        (0, 100_000) => "error-count",
        (0, 1_000) => "error-number-0-1000",
        (0, 500) => "error-number-0-500",
        (1, 1_000) => "error-number-1-1000",
        _ => "error-number",
    }
}
