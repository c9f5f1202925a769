//! Photos and documents attached to a survivor's case or a missing-person report (issue 16,
//! point 12): what kind of file it is and its caption, as typed. The file itself is checked and
//! cleaned by `setu-media`; the store seals it.

use serde::{Deserialize, Serialize};

use crate::validation::{Checker, Invalid};

kinds! {
    /// What a file attached to a record is.
    AttachmentKind {
        /// A photo of the person (on a missing-person report, the main aid to tracing).
        Photo = "photo",
        /// An identity document (citizenship, birth registration, passport).
        IdentityDocument = "identity-document",
        /// A medical report.
        MedicalReport = "medical-report",
        /// A court or police document.
        LegalDocument = "legal-document",
        /// Anything else.
        Other = "other",
    }
}

/// At most this many files on one record.
pub const MAX_PER_RECORD: i64 = 30;

/// The fields sent with a file, as typed.
#[derive(Debug, Clone, Default)]
pub struct AttachmentForm {
    /// [`AttachmentKind`].
    pub kind: String,
    /// A caption (optional; sealed: it may name people).
    pub label: String,
}

/// What a file is, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentDraft {
    /// Its kind.
    pub kind: AttachmentKind,
    /// Its caption.
    pub label: Option<String>,
}

impl AttachmentForm {
    /// Checks both at once.
    pub fn check(&self) -> Result<AttachmentDraft, Invalid> {
        let mut c = Checker::default();
        let kind = c.choose("kind", &self.kind, AttachmentKind::parse);
        let label = c.optional_text("label", &self.label, 200);
        c.finish(())?;
        Ok(AttachmentDraft {
            kind: kind.ok_or(Invalid::required("kind"))?,
            label,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_needs_its_kind_and_a_short_caption() {
        let e = AttachmentForm {
            kind: "selfie".into(),
            label: "x".repeat(201),
        }
        .check()
        .unwrap_err();
        assert_eq!(e.for_field("kind"), Some("error-choice"));
        assert!(e.for_field("label").is_some());
        let d = AttachmentForm {
            kind: "photo".into(),
            label: " Taken at the shelter ".into(),
        }
        .check()
        .unwrap();
        assert_eq!(d.kind, AttachmentKind::Photo);
        assert_eq!(d.label.as_deref(), Some("Taken at the shelter"));
    }
}
