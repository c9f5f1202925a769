//! The HTCDS export of an organisation's cases (issue 17, point 8): the case data in the
//! standard's fields and values (`../shared/reference/htcds/`) for an international data
//! collaborative, identifying fields removed, quasi-identifiers generalised and made
//! k-anonymous with k = 11 (`setu_stats::kanon`), as the Counter Trafficking Data
//! Collaborative publishes. The mapping is written up in docs/htcds.md.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use setu_core::cases::{destination_country, CaseStatus};
use setu_core::community::Sex;
use setu_stats::kanon::{anonymise, Key, K};
use setu_store::audit::Event;
use setu_store::htcds::CaseData;

use crate::auth::SignedIn;
use crate::error::WebError;
use crate::AppState;

/// The export's columns: the quasi-identifiers first, in the order they are suppressed.
pub const COLUMNS: [&str; 11] = [
    "vic_LocationOfExploitation",
    "prs_AgeBroad",
    "prs_Gender",
    "cas_YearOfRegistration",
    "prs_Citizenship",
    "cas_Status",
    "cas_ReasonForCaseClosure",
    "vic_TraffickingStatus",
    "vic_TypeOfExploitation",
    "vic_MethodOfRecruitment",
    "vic_MethodsOfControl",
];

/// The data collaborative's broad age bands, at the case's registration.
fn age_band(age: i64) -> &'static str {
    match age {
        ..=8 => "0--8",
        9..=17 => "9--17",
        18..=20 => "18--20",
        21..=23 => "21--23",
        24..=26 => "24--26",
        27..=29 => "27--29",
        30..=38 => "30--38",
        39..=47 => "39--47",
        _ => "48+",
    }
}

/// One case in the standard's terms: its quasi-identifiers, then the rest.
pub fn record(c: &CaseData) -> (Key, Vec<String>) {
    let year: Option<i64> = c.opened_on.get(..4).and_then(|y| y.parse().ok());
    let e = c.experience.as_ref();
    let key = vec![
        e.and_then(|e| e.destination.as_deref())
            .and_then(destination_country)
            .map(str::to_string),
        year.zip(c.birth_year)
            .map(|(y, b)| age_band(y - b).to_string()),
        Some(
            match c.sex {
                Sex::Female => "Feminine",
                Sex::Male => "Masculine",
                Sex::Other => "NonConforming",
            }
            .to_string(),
        ),
        year.map(|y| y.to_string()),
    ];
    let names = |values: Vec<&'static str>| values.join(" ");
    let rest = vec![
        "NP".to_string(),
        match c.status {
            CaseStatus::Closed => "Closed",
            _ => "Active",
        }
        .to_string(),
        c.close_reason
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
        e.and_then(|e| e.status)
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        e.map(|e| names(e.exploitation.iter().map(|x| x.as_str()).collect()))
            .unwrap_or_default(),
        e.map(|e| names(e.recruitment.iter().map(|x| x.as_str()).collect()))
            .unwrap_or_default(),
        e.map(|e| names(e.control.iter().map(|x| x.as_str()).collect()))
            .unwrap_or_default(),
    ];
    (key, rest)
}

/// The export as CSV, and how many cases were left out.
pub fn csv(cases: &[CaseData]) -> (String, usize) {
    let (mut keys, rest): (Vec<Key>, Vec<Vec<String>>) = cases.iter().map(record).unzip();
    let outcome = anonymise(&mut keys, K);
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for ((key, rest), kept) in keys.iter().zip(&rest).zip(&outcome.kept) {
        if !kept {
            continue;
        }
        let cells: Vec<String> = key
            .iter()
            .map(|v| v.clone().unwrap_or_default())
            .chain(rest.iter().cloned())
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    (out, outcome.dropped)
}

/// `GET /cases/htcds.csv`: the organisation's cases for the data collaborative (audited).
pub async fn export(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
) -> Result<Response, WebError> {
    let cases = app.store.htcds_cases(me.scope).await?;
    let (body, dropped) = csv(&cases);
    app.store
        .audit(
            &me.actor(),
            &Event::new("export", "htcds", "-")
                .detail(format!("cases={} left-out={dropped} k={K}", cases.len())),
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"setu-htcds.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
