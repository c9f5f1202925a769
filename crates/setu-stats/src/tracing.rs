//! Figures of the missing-person register from its counts by place and status.

use setu_core::tracing::ReportStatus;

/// Reports still open (missing, still missing, or found and not yet home: see
/// [`ReportStatus::is_open`]) among `(place, status, reports)` counts.
pub fn open_reports(counts: &[(String, ReportStatus, i64)]) -> i64 {
    counts
        .iter()
        .filter(|(_, status, _)| status.is_open())
        .map(|(_, _, n)| n)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_open_reports_count() {
        let counts: Vec<(String, ReportStatus, i64)> = ReportStatus::ALL
            .iter()
            .enumerate()
            .map(|(i, s)| ("5110603".to_string(), *s, 1 << i))
            .collect();
        let expected: i64 = ReportStatus::ALL
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_open())
            .map(|(i, _)| 1 << i)
            .sum();
        assert!(expected > 0 && expected < (1 << ReportStatus::ALL.len()) - 1);
        assert_eq!(open_reports(&counts), expected);
    }
}
