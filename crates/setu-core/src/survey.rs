//! The ward survey of missing and trafficked people (issue 17, point 3): the questions Setu
//! publishes as an XLSForm (for ODK Collect and KoboToolbox) and the check of their exported
//! submissions, or of a plain spreadsheet with the same columns. Each row becomes a
//! missing-person report checked by the report form's own rules ([`ReportForm::check`]), so a
//! surveyed person is matched against the register like any other report.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::sheet::{RowError, Sheet};
use crate::tracing::{ReportDraft, ReportForm};

kinds! {
    /// What the survey found of a person.
    SurveyStatus {
        /// Missing: nobody knows where she is.
        Missing = "missing",
        /// Known to have been trafficked, not back.
        Trafficked = "trafficked",
        /// Trafficked and back home.
        Returned = "returned",
    }
}

impl SurveyStatus {
    /// Whether the person was trafficked (counted among the ward's people trafficked).
    pub fn trafficked(self) -> bool {
        matches!(self, SurveyStatus::Trafficked | SurveyStatus::Returned)
    }
}

/// One surveyed person, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRow {
    /// The submission's id (ODK's instanceID, Kobo's `_uuid`), or for a sheet without one a
    /// fingerprint of the row, so that the same row imported twice is recognised.
    pub submission: String,
    /// The report it becomes.
    pub report: ReportDraft,
    /// What the survey found.
    pub status: SurveyStatus,
}

/// The survey's questions: (name, type, English label, Nepali label, required). The XLSForm
/// and the import read the same list.
pub const QUESTIONS: &[(&str, &str, &str, &str, bool)] = &[
    ("ward", "select_one ward", "Ward", "वडा", true),
    (
        "consent",
        "select_one yes_no",
        "Does the family agree that Setu uses this to look for the person?",
        "व्यक्ति खोज्न सेतुले यो प्रयोग गर्न परिवार सहमत छ?",
        true,
    ),
    ("given_name", "text", "Given name", "नाम", false),
    ("family_name", "text", "Family name", "थर", false),
    ("sex", "select_one sex", "Sex", "लिङ्ग", false),
    ("age", "integer", "Age", "उमेर", false),
    ("father_name", "text", "Father's name", "बुबाको नाम", false),
    (
        "status",
        "select_one status",
        "What is known of the person?",
        "व्यक्तिबारे के थाहा छ?",
        true,
    ),
    (
        "since",
        "date",
        "Missing or away since",
        "कहिलेदेखि हराएको वा बाहिर",
        false,
    ),
    (
        "reporter_name",
        "text",
        "Name of the person answering",
        "जवाफ दिनेको नाम",
        false,
    ),
    (
        "reporter_relation",
        "select_one relation",
        "Their relation to the person",
        "व्यक्तिसँगको नाता",
        false,
    ),
];

/// The names an exported submission's id goes by.
const SUBMISSION_COLUMNS: &[&str] = &[
    "instanceID",
    "meta/instanceID",
    "meta-instanceID",
    "_uuid",
    "KEY",
    "submission_id",
];
/// The names the survey's day goes by (ODK's `end`, Kobo's `_submission_time`).
const DAY_COLUMNS: &[&str] = &["end", "_submission_time", "SubmissionDate", "today"];

/// A column by its question's name, with or without an ODK/Kobo group in front of it
/// (`person/given_name`, `person-given_name`).
fn column(sheet: &Sheet, name: &str) -> Option<usize> {
    sheet.column(&[name]).or_else(|| {
        sheet.header.iter().position(|h| {
            h.rsplit(['/', '-'])
                .next()
                .is_some_and(|last| last.eq_ignore_ascii_case(name))
        })
    })
}

/// A stable fingerprint of a row (FNV-1a, 64 bits): the id of a submission that has none.
fn fingerprint(cells: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in cells.join("\u{1f}").bytes() {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("sheet:{h:016x}")
}

/// A day as a sheet holds it, for the report form: (AD, BS). ODK and Kobo write ISO days or
/// timestamps (the time is dropped); a day typed by hand in Bikram Sambat (a year from 2050,
/// either digits) goes to the BS field, so that it is read, or refused on its column, never
/// dropped.
fn day_typed(raw: &str) -> (String, String) {
    let day = raw
        .trim()
        .split(['T', ' '])
        .next()
        .unwrap_or("")
        .to_string();
    let year: Option<u32> = crate::numbers::to_ascii_digits(&day)
        .get(..4)
        .and_then(|y| y.parse().ok());
    match year {
        Some(y) if y >= 2050 => (String::new(), day),
        _ => (day, String::new()),
    }
}

/// Checks every row of a survey of `local_level` (with `wards` wards) imported on `today`.
/// Every refused cell is returned, by line and column; nothing is taken from a sheet with any.
pub fn check_survey(
    sheet: &Sheet,
    local_level: u32,
    wards: u8,
    today: Date,
) -> Result<Vec<SurveyRow>, Vec<RowError>> {
    let col = |name: &str| column(sheet, name);
    let name_of = |field: &str| -> String {
        let question = match field {
            "home" => "ward",
            "consent_tracing" => "consent",
            "last_seen_on" => "since",
            other => other,
        };
        col(question)
            .and_then(|i| sheet.header.get(i).cloned())
            .unwrap_or_else(|| question.to_string())
    };
    let mut errors = Vec::new();
    for required in ["ward", "consent", "status"] {
        if col(required).is_none() {
            errors.push(RowError {
                line: 1,
                column: required.into(),
                message: "error-sheet-no-column",
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let submission_col = SUBMISSION_COLUMNS.iter().find_map(|n| sheet.column(&[n]));
    let day_col = DAY_COLUMNS.iter().find_map(|n| sheet.column(&[n]));
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for row in &sheet.rows {
        let cell = |name: &str| row.cell(col(name)).to_string();
        let mut fail = |field: &str, message: &'static str| {
            errors.push(RowError {
                line: row.line,
                column: name_of(field),
                message,
            });
        };
        let submission = match row.cell(submission_col) {
            "" => fingerprint(&row.cells),
            id => id.to_string(),
        };
        if !seen.insert(submission.clone()) {
            fail("ward", "error-survey-twice");
            continue;
        }
        let ward = crate::wards::ward_in(&cell("ward"), local_level, wards);
        if ward.is_none() {
            fail("ward", "error-ward-unknown");
        }
        let status = SurveyStatus::parse(cell("status").trim());
        if status.is_none() {
            fail("status", "error-survey-status");
        }
        let consent = match cell("consent").trim().to_lowercase().as_str() {
            "yes" | "true" | "1" | "हो" | "छ" => "yes",
            "no" | "false" | "0" | "होइन" | "छैन" => "no",
            _ => "",
        };
        let reported_on = row
            .cell(day_col)
            .get(..10)
            .filter(|d| crate::calendar::parse_ad(d).is_ok_and(|d| d <= today))
            .map_or_else(|| crate::calendar::iso(today), str::to_string);
        let since = day_typed(&cell("since"));
        let reporter = cell("reporter_name");
        let form = ReportForm {
            reporter_name: if reporter.is_empty() {
                "Ward survey".into()
            } else {
                reporter
            },
            reporter_relation: match cell("reporter_relation") {
                r if r.is_empty() => "ward-office".into(),
                r => r,
            },
            consent_tracing: consent.into(),
            reported_on,
            last_seen_on: since.0,
            last_seen_on_bs: since.1,
            given_name: cell("given_name"),
            family_name: cell("family_name"),
            sex: cell("sex"),
            age: cell("age"),
            father_name: cell("father_name"),
            home: ward
                .map(|w| w.to_string())
                .unwrap_or_else(|| format!("{local_level:05}01")),
            ..ReportForm::default()
        };
        match form.check(today) {
            Ok(report) => {
                if let (Some(status), Some(_)) = (status, ward) {
                    out.push(SurveyRow {
                        submission,
                        report,
                        status,
                    });
                }
            }
            Err(invalid) => {
                for e in invalid.0 {
                    fail(e.field, e.message);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(header: &[&str], rows: &[&[&str]]) -> Sheet {
        Sheet::of(header, rows)
    }

    const TODAY: Date = time::macros::date!(2026 - 12 - 01);

    #[test]
    fn an_odk_export_is_read_with_its_groups_and_ids() {
        let s = sheet(
            &[
                "SubmissionDate",
                "person-given_name",
                "person-family_name",
                "ward",
                "consent",
                "status",
                "sex",
                "age",
                "since",
                "meta-instanceID",
            ],
            &[
                &[
                    "2026-11-02T10:00:00Z",
                    "Sita",
                    "Tamang",
                    "3",
                    "yes",
                    "trafficked",
                    "female",
                    "16",
                    "2025-04-01",
                    "uuid:a1",
                ],
                &[
                    "2026-11-02T11:00:00Z",
                    "Gita",
                    "",
                    "5110604",
                    "no",
                    "returned",
                    "",
                    "",
                    "",
                    "uuid:a2",
                ],
            ],
        );
        let rows = check_survey(&s, 51106, 23, TODAY).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].submission, "uuid:a1");
        assert_eq!(rows[0].report.home.to_string(), "5110603");
        assert_eq!(rows[0].report.names.given_name.as_deref(), Some("Sita"));
        assert_eq!(rows[0].status, SurveyStatus::Trafficked);
        assert!(rows[0].report.consent_tracing && !rows[1].report.consent_tracing);
        assert_eq!(
            crate::calendar::iso(rows[0].report.reported_on),
            "2026-11-02"
        );
    }

    #[test]
    fn a_day_is_read_in_either_calendar_and_never_dropped() {
        assert_eq!(
            day_typed("2025-04-01T09:30:00.000+05:45"),
            ("2025-04-01".into(), String::new())
        );
        assert_eq!(
            day_typed("२०८१-१२-१९"),
            (String::new(), "२०८१-१२-१९".into())
        );
        let s = sheet(
            &["ward", "consent", "status", "given_name", "since"],
            &[
                &["1", "yes", "missing", "Maya", "२०८१-१२-१९"],
                &["2", "yes", "missing", "Rita", "someday"],
            ],
        );
        let errors = check_survey(&s, 51106, 23, TODAY).err().unwrap_or_default();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column.as_str()), (3, "since"));
        let ok = sheet(
            &["ward", "consent", "status", "given_name", "since"],
            &[&["1", "yes", "missing", "Maya", "२०८१-१२-१९"]],
        );
        let rows = check_survey(&ok, 51106, 23, TODAY).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            rows[0]
                .report
                .last_seen_on
                .map(crate::calendar::iso)
                .as_deref(),
            Some("2025-04-01")
        );
    }

    #[test]
    fn a_plain_sheet_is_fingerprinted_and_every_mistake_named() {
        let s = sheet(
            &["ward", "consent", "status", "given_name", "age"],
            &[
                &["1", "yes", "missing", "Maya", "14"],
                &["99", "maybe", "lost", "", "300"],
                &["1", "yes", "missing", "Maya", "14"],
            ],
        );
        let errors = check_survey(&s, 51106, 23, TODAY).err().unwrap_or_default();
        let got: Vec<(usize, &str, &str)> = errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.message))
            .collect();
        assert!(got.contains(&(3, "ward", "error-ward-unknown")), "{got:?}");
        assert!(
            got.contains(&(3, "status", "error-survey-status")),
            "{got:?}"
        );
        assert!(
            got.contains(&(3, "consent", "error-consent-tracing")),
            "{got:?}"
        );
        assert!(got.contains(&(3, "age", "error-age-100")), "{got:?}");
        assert!(got.contains(&(4, "ward", "error-survey-twice")), "{got:?}");
        let once = sheet(
            &["ward", "consent", "status", "given_name"],
            &[&["1", "yes", "missing", "Maya"]],
        );
        let a = check_survey(&once, 51106, 23, TODAY).unwrap_or_default();
        let b = check_survey(&once, 51106, 23, TODAY).unwrap_or_default();
        assert!(a[0].submission.starts_with("sheet:") && a[0].submission == b[0].submission);
    }
}
