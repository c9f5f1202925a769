//! What every kind of record shares: its correctable fields, described once ([`FieldSpec`])
//! and checked by one function ([`check_fields`]), the version a correction is based on, and
//! withdrawal. A record is never deleted: a record entered twice, by mistake or as a test is
//! withdrawn with a reason, leaves lists and figures, and stays readable to auditors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::validation::{Checker, FieldError};
use crate::Invalid;

kinds! {
    /// Why a record is withdrawn.
    WithdrawReason {
        /// The same record was entered twice.
        Duplicate = "duplicate",
        /// Entered by mistake (the wrong committee, a record that should not exist).
        Mistake = "mistake",
        /// Entered to try the system.
        Test = "test",
        /// Another reason, which the note says.
        Other = "other",
    }
}

/// The withdrawal form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct WithdrawForm {
    /// Why.
    pub reason: String,
    /// A note (required for "other"); sealed at rest, as free text may name people.
    pub note: String,
    /// The version the withdrawal is based on (a stale page is refused).
    pub version: String,
}

/// A withdrawal, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdraw {
    /// Why.
    pub reason: WithdrawReason,
    /// The note, if any.
    pub note: Option<String>,
    /// The version it is based on.
    pub version: i64,
}

impl WithdrawForm {
    /// Checks every field at once.
    pub fn check(&self) -> Result<Withdraw, Invalid> {
        let mut c = Checker::default();
        let reason =
            crate::booths::choice(&mut c, "reason", &self.reason, WithdrawReason::parse, None);
        let note = c.optional_text("note", &self.note, 500);
        if reason == Some(WithdrawReason::Other) && note.is_none() {
            c.fail("note", "error-withdraw-note");
        }
        let version = self.version.trim().parse::<i64>();
        if version.is_err() {
            c.fail("version", "error-required");
        }
        match (reason, version) {
            (Some(reason), Ok(version)) => c.finish(Withdraw {
                reason,
                note,
                version,
            }),
            _ => Err(c.finish(()).err().unwrap_or_else(|| {
                Invalid(vec![FieldError {
                    field: "reason",
                    message: "error-required",
                }])
            })),
        }
    }
}

/// How a correctable field is typed, checked and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text, at most this many characters; empty is nothing (NULL).
    Text(usize),
    /// Text, at most this many characters, kept as empty text when left empty (a column that
    /// is never NULL).
    Note(usize),
    /// A day, typed in Bikram Sambat, stored as the AD ISO date.
    Date,
    /// Rupees (Latin or Devanagari digits, grouping commas), stored as a whole number.
    Amount,
    /// A whole number from the first to the second bound; empty is 0.
    Count(i64, i64),
    /// A whole number from the first to the second bound, or nothing (an age not known).
    Number(i64, i64),
    /// One of these stored values, each shown through the message id `{prefix}-{value}`.
    Choice(&'static str, &'static [&'static str]),
    /// A telephone number.
    Phone,
}

/// One correctable field of a kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The form field's and the table column's name.
    pub name: &'static str,
    /// The message id of its label (and the prefix of a choice's values).
    pub label: &'static str,
    /// How it is typed.
    pub kind: FieldType,
    /// Whether it must be filled in.
    pub required: bool,
    /// Whether it is sealed at rest (personal): shown, corrected and its history opened only
    /// for readers of personal data.
    pub sealed: bool,
    /// The message id of a hint shown under the label, if any.
    pub hint: Option<&'static str>,
    /// A day that this day may not come before (the field's name), and the message id that
    /// says so: a term's end, its start.
    pub after: Option<(&'static str, &'static str)>,
}

impl FieldSpec {
    /// An optional field, not sealed, without hint.
    pub const fn new(name: &'static str, label: &'static str, kind: FieldType) -> FieldSpec {
        FieldSpec {
            name,
            label,
            kind,
            required: false,
            sealed: false,
            hint: None,
            after: None,
        }
    }

    /// The same field, to be filled in.
    pub const fn required(self) -> FieldSpec {
        FieldSpec {
            required: true,
            ..self
        }
    }

    /// The same field, sealed at rest.
    pub const fn sealed(self) -> FieldSpec {
        FieldSpec {
            sealed: true,
            ..self
        }
    }

    /// The same field, with a hint.
    pub const fn hint(self, hint: &'static str) -> FieldSpec {
        FieldSpec {
            hint: Some(hint),
            ..self
        }
    }

    /// The same day, not before the day in field `other` (`message` says so otherwise).
    pub const fn after(self, other: &'static str, message: &'static str) -> FieldSpec {
        FieldSpec {
            after: Some((other, message)),
            ..self
        }
    }

    /// Whether the column holds a whole number.
    pub fn is_number(&self) -> bool {
        matches!(
            self.kind,
            FieldType::Amount | FieldType::Count(..) | FieldType::Number(..)
        )
    }
}

/// A field's checked value, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text (dates as ISO text), or nothing.
    Text(Option<String>),
    /// A whole number (an amount, a count), or nothing.
    Int(Option<i64>),
}

impl Value {
    /// As history keeps it: text.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Text(t) => t.clone(),
            Value::Int(n) => n.map(|n| n.to_string()),
        }
    }
}

/// Checks the fields `specs` describe in `typed` (a form as posted), every field at once: the
/// values to store, in the order of `specs`, or everything wrong.
pub fn check_fields(
    specs: &[FieldSpec],
    typed: &BTreeMap<String, String>,
) -> Result<Vec<(&'static str, Value)>, Invalid> {
    let mut c = Checker::default();
    let mut out = Vec::with_capacity(specs.len());
    for f in specs {
        let raw = typed.get(f.name).map_or("", String::as_str);
        if f.required && raw.trim().is_empty() {
            c.fail(f.name, "error-required");
            continue;
        }
        let value = match f.kind {
            FieldType::Text(max) => Value::Text(c.optional_text(f.name, raw, max)),
            FieldType::Note(max) => {
                Value::Text(Some(c.optional_text(f.name, raw, max).unwrap_or_default()))
            }
            FieldType::Phone => Value::Text(c.optional_phone(f.name, raw)),
            FieldType::Date => Value::Text(c.bs_date(f.name, raw).map(crate::calendar::iso)),
            FieldType::Amount => Value::Int(Some(c.amount(f.name, raw))),
            FieldType::Count(min, max) => Value::Int(c.number(f.name, raw, min, max)),
            FieldType::Number(_, _) if raw.trim().is_empty() => Value::Int(None),
            FieldType::Number(min, max) => Value::Int(c.number(f.name, raw, min, max)),
            FieldType::Choice(_, values) => {
                let v = raw.trim();
                if !v.is_empty() && !values.contains(&v) {
                    c.fail(f.name, "error-choice");
                }
                Value::Text(Some(v.to_string()).filter(|v| !v.is_empty()))
            }
        };
        out.push((f.name, value));
    }
    for f in specs {
        let day = |name: &str| {
            out.iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| v.as_text())
        };
        if let (Some((other, message)), Some(this)) = (f.after, day(f.name)) {
            if day(other).is_some_and(|o| this < o) {
                c.fail(f.name, message);
            }
        }
    }
    c.finish(out)
}

/// The version a correction is based on (the form's hidden `version`).
pub fn base_version(raw: &str) -> Result<i64, Invalid> {
    raw.trim().parse().map_err(|_| {
        Invalid(vec![FieldError {
            field: "version",
            message: "error-required",
        }])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[FieldSpec] = &[
        FieldSpec::new("title", "t", FieldType::Text(10)).required(),
        FieldSpec::new("held_on", "d", FieldType::Date),
        FieldSpec::new("girls", "g", FieldType::Count(0, 500)),
        FieldSpec::new("kind", "k", FieldType::Choice("k", &["rally", "drama"])).required(),
        FieldSpec::new("ended_on", "e", FieldType::Date).after("held_on", "error-date-order"),
    ];

    fn typed(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_field_is_checked_at_once_and_stored_in_its_form() {
        let ok = check_fields(
            SPECS,
            &typed(&[
                ("title", " Rally "),
                ("held_on", "२०८१-०५-०१"),
                ("girls", "४२"),
                ("kind", "rally"),
            ]),
        )
        .unwrap();
        assert_eq!(ok[0], ("title", Value::Text(Some("Rally".into()))));
        assert_eq!(ok[1], ("held_on", Value::Text(Some("2024-08-17".into()))));
        assert_eq!(ok[2], ("girls", Value::Int(Some(42))));
        assert_eq!(ok[3], ("kind", Value::Text(Some("rally".into()))));
        let bad = check_fields(
            SPECS,
            &typed(&[
                ("title", ""),
                ("held_on", "someday"),
                ("girls", "-1"),
                ("kind", "party"),
            ]),
        )
        .unwrap_err();
        assert_eq!(bad.for_field("title"), Some("error-required"));
        assert_eq!(bad.for_field("held_on"), Some("error-bs-date"));
        assert_eq!(bad.for_field("girls"), Some("error-number-0-500"));
        assert_eq!(bad.for_field("kind"), Some("error-choice"));
        let empty = check_fields(SPECS, &typed(&[("title", "x"), ("kind", "drama")])).unwrap();
        assert_eq!(empty[1].1, Value::Text(None));
        assert_eq!(empty[2].1, Value::Int(Some(0)), "an empty count is none");
        let order = check_fields(
            SPECS,
            &typed(&[
                ("title", "x"),
                ("kind", "drama"),
                ("held_on", "2081-05-02"),
                ("ended_on", "2081-05-01"),
            ]),
        )
        .unwrap_err();
        assert_eq!(order.for_field("ended_on"), Some("error-date-order"));
    }

    fn form(reason: &str, note: &str, version: &str) -> WithdrawForm {
        WithdrawForm {
            reason: reason.into(),
            note: note.into(),
            version: version.into(),
        }
    }

    #[test]
    fn a_withdrawal_names_its_reason_and_other_needs_a_note() {
        let w = form("duplicate", "", "3").check().unwrap();
        assert_eq!(w.reason, WithdrawReason::Duplicate);
        assert_eq!((w.note, w.version), (None, 3));
        let inv = form("other", " ", "3").check().unwrap_err();
        assert_eq!(inv.for_field("note"), Some("error-withdraw-note"));
        let inv = form("", "", "x").check().unwrap_err();
        assert_eq!(inv.for_field("reason"), Some("error-required"));
        assert_eq!(inv.for_field("version"), Some("error-required"));
        let inv = form("gone", &"n".repeat(501), "1").check().unwrap_err();
        assert_eq!(inv.for_field("reason"), Some("error-choice"));
        assert_eq!(inv.for_field("note"), Some("error-too-long"));
    }
}
