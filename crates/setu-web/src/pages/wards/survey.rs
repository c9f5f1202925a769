//! The ward survey as an XLSForm (issue 17, point 3): the questions of
//! `setu_core::survey::QUESTIONS` in English and Nepali, the municipality's wards as the
//! choices of the first, in the sheets ODK Collect and KoboToolbox read (survey, choices,
//! settings). Its exported submissions come back through `POST /wards/survey`.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use setu_core::survey::{SurveyStatus, QUESTIONS};
use setu_core::tracing::Reporter;
use setu_core::{Digits, PlaceCode};

use super::{area, WardQuery};
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::AppState;

/// Writes a row of text cells.
fn row(sheet: &mut Worksheet, r: u32, cells: &[&str]) -> Result<(), XlsxError> {
    for (c, text) in cells.iter().enumerate() {
        sheet.write_string(r, c as u16, *text)?;
    }
    Ok(())
}

/// The XLSForm of the survey of `local_level` (named `en` / `ne`, with `wards` wards); for no
/// local level, a form for any (the ward typed as its number, at most 33, the most any has).
pub fn xlsform(
    local_level: Option<u32>,
    wards: u8,
    en: &str,
    ne: &str,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let survey = book.add_worksheet().set_name("survey")?;
    let mut r = 0;
    row(
        survey,
        r,
        &[
            "type",
            "name",
            "label::English (en)",
            "label::Nepali (ne)",
            "required",
            "constraint",
        ],
    )?;
    for meta in ["start", "end"] {
        r += 1;
        row(survey, r, &[meta, meta])?;
    }
    for (name, kind, en, ne, required) in QUESTIONS {
        r += 1;
        let constraint = match *name {
            "age" => ". >= 0 and . <= 100",
            "since" => ". <= today()",
            _ => "",
        };
        row(
            survey,
            r,
            &[
                kind,
                name,
                en,
                ne,
                if *required { "yes" } else { "no" },
                constraint,
            ],
        )?;
    }
    let choices = book.add_worksheet().set_name("choices")?;
    row(
        choices,
        0,
        &[
            "list_name",
            "name",
            "label::English (en)",
            "label::Nepali (ne)",
        ],
    )?;
    let mut lines: Vec<[String; 4]> = (1..=wards)
        .map(|w| {
            let n = w.to_string();
            let ne_n = setu_core::numbers::with_digits(&n, Digits::Devanagari);
            [
                "ward".into(),
                n.clone(),
                format!("Ward {n}"),
                format!("वडा नं. {ne_n}"),
            ]
        })
        .collect();
    let fixed: &[(&str, &str, &str, &str)] = &[
        ("yes_no", "yes", "Yes", "हो"),
        ("yes_no", "no", "No", "होइन"),
        ("sex", "female", "Female", "महिला"),
        ("sex", "male", "Male", "पुरुष"),
        ("sex", "other", "Third gender", "तेस्रो लिङ्गी"),
    ];
    lines.extend(
        fixed
            .iter()
            .map(|(l, n, e, ne)| [l.to_string(), n.to_string(), e.to_string(), ne.to_string()]),
    );
    for s in SurveyStatus::ALL {
        let (e, n) = match s {
            SurveyStatus::Missing => ("Missing: nobody knows where", "हराइरहेको: कहाँ छ थाहा छैन"),
            SurveyStatus::Trafficked => ("Trafficked, not back", "बेचबिखनमा परेको, फर्किएको छैन"),
            SurveyStatus::Returned => ("Trafficked and back home", "बेचबिखनमा परेर घर फर्किएको"),
        };
        lines.push(["status".into(), s.as_str().into(), e.into(), n.into()]);
    }
    for rel in Reporter::ALL {
        let (e, n) = match rel {
            Reporter::Parent => ("Parent", "आमा/बुबा"),
            Reporter::Sibling => ("Brother or sister", "दाजुभाइ/दिदीबहिनी"),
            Reporter::Spouse => ("Husband or wife", "श्रीमान्/श्रीमती"),
            Reporter::Relative => ("Other relative", "अन्य नातेदार"),
            Reporter::WardOffice => ("Ward office", "वडा कार्यालय"),
            Reporter::Police => ("Police", "प्रहरी"),
            Reporter::Organisation => ("Organisation", "संस्था"),
            Reporter::Other => ("Someone else", "अरू कोही"),
        };
        lines.push(["relation".into(), rel.as_str().into(), e.into(), n.into()]);
    }
    for (i, l) in lines.iter().enumerate() {
        let cells: Vec<&str> = l.iter().map(String::as_str).collect();
        row(choices, i as u32 + 1, &cells)?;
    }
    let settings = book.add_worksheet().set_name("settings")?;
    row(
        settings,
        0,
        &["form_title", "form_id", "version", "default_language"],
    )?;
    let (title, id) = match local_level {
        Some(ll) => (
            format!("Setu ward survey: {en} / {ne}"),
            format!("setu_ward_survey_{ll:05}"),
        ),
        None => (
            "Setu ward survey".to_string(),
            "setu_ward_survey".to_string(),
        ),
    };
    row(settings, 1, &[&title, &id, "2026120301", "Nepali (ne)"])?;
    book.save_to_buffer()
}

/// `GET /wards/survey.xlsx?place=51106`: the survey form of a local level.
pub async fn form(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(q): Query<WardQuery>,
) -> Result<Response, WebError> {
    let (ll, wards, en, ne) = match area(&q, &me)? {
        Some(place @ PlaceCode::LocalLevel(ll)) => {
            let p = app.store.place(place).await?.ok_or(WebError::NotFound)?;
            let wards = p
                .ward_count
                .and_then(|n| u8::try_from(n).ok())
                .ok_or(WebError::NotFound)?;
            (
                Some(ll),
                wards,
                p.name_en.unwrap_or_default(),
                p.name_ne.unwrap_or_default(),
            )
        }
        _ => (None, 0, String::new(), String::new()),
    };
    let bytes = xlsform(ll, wards, &en, &ne).map_err(|e| WebError::Internal(e.to_string()))?;
    let name = ll.map_or("setu-ward-survey.xlsx".to_string(), |ll| {
        format!("setu-ward-survey-{ll:05}.xlsx")
    });
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
