//! What every kind of record shares: the version a correction is based on, and withdrawal.
//! A record is never deleted: a record entered twice, by mistake or as a test is withdrawn
//! with a reason, leaves lists and figures, and stays readable to auditors.

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
