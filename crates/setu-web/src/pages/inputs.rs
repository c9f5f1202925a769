//! Reading what people type into forms: Bikram Sambat dates and rupee amounts, in Latin or
//! Devanagari digits. Errors are Fluent message ids.

use serde::Deserialize;
use setu_core::access::Scope;
use setu_core::{BsDate, PlaceCode};
use time::Date;

/// `?place=511&fy=2082/83`: narrows a list or the indicators to an area inside the reader's
/// scope (never widens it) and to a fiscal year (`all` for the whole programme, empty for the
/// current year), so that an indicator and the list it links to count the same records.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AreaQuery {
    /// A place code, or empty for the whole scope.
    #[serde(default)]
    pub place: String,
    /// A fiscal year, `all`, or empty.
    #[serde(default)]
    pub fy: String,
    /// Set when the page opened on the latest year with records because this year has none
    /// (the page says so).
    #[serde(default)]
    pub latest: String,
}

/// The period an indicator covers: its fiscal year (None for all years), first day, last day
/// counted (the end of the year, or today if earlier).
#[derive(Debug, Clone, Copy)]
pub struct Period {
    /// The fiscal year, or None for all years.
    pub fy: Option<setu_core::FiscalYear>,
    /// First day.
    pub from: Date,
    /// Last day counted.
    pub until: Date,
}

impl AreaQuery {
    /// The period asked for; `Err` for an unreadable fiscal year.
    pub fn period(&self, today: Date) -> Result<Period, &'static str> {
        let fy = match self.fy.trim() {
            "all" => None,
            "" => Some(setu_core::FiscalYear::containing(today).map_err(|_| "error-fiscal-year")?),
            f => Some(f.parse().map_err(|_| "error-fiscal-year")?),
        };
        Ok(match fy {
            Some(fy) => Period {
                fy: Some(fy),
                from: fy.first_day(),
                until: fy.last_day().min(today),
            },
            None => Period {
                fy: None,
                from: setu_core::calendar::FIRST_DAY,
                until: today,
            },
        })
    }

    /// Where a dashboard asked for without a year should open instead of on an empty year:
    /// the latest fiscal year with booth records in `scope`, when this year has none and an
    /// earlier one has (`None`: stay). Only called when this year came out empty; it asks
    /// for the latest day with records, not for every year's figures.
    pub async fn latest_with_records(
        &self,
        app: &crate::AppState,
        scope: Scope,
        path: &str,
        today: Date,
    ) -> Result<Option<String>, crate::error::WebError> {
        if !self.fy.trim().is_empty() {
            return Ok(None);
        }
        let latest = app.store.latest_booth_day(scope, today).await?;
        let fy = latest.and_then(|d| setu_core::FiscalYear::containing(d).ok());
        let this = setu_core::FiscalYear::containing(today).ok();
        Ok(match fy {
            Some(fy) if Some(fy) != this => {
                let place: String =
                    form_urlencoded::byte_serialize(self.place.trim().as_bytes()).collect();
                Some(format!("{path}?place={place}&fy={fy}&latest=1"))
            }
            _ => None,
        })
    }

    /// The note a dashboard shows when it opened on the latest year with records.
    pub fn latest_note(&self, page: &crate::page::Page, today: Date) -> Option<String> {
        let this = setu_core::FiscalYear::containing(today).ok()?;
        (!self.latest.is_empty()).then(|| {
            page.t1(
                "dashboard-latest-year",
                "year",
                &this.label(page.prefs.digits),
            )
        })
    }

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

/// A stored ISO date as a form shows it to be typed again: BS `YYYY-MM-DD` (empty if none).
pub fn bs_text(iso: Option<&str>) -> String {
    iso.and_then(|d| setu_core::calendar::parse_ad(d.get(..10).unwrap_or(d)).ok())
        .and_then(|d| setu_core::calendar::BsDate::from_ad(d).ok())
        .map(|d| d.to_string())
        .unwrap_or_default()
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

/// Fiscal-year choices: the current one and five before it, and "all years".
pub fn fy_choices(
    page: &crate::page::Page,
    selected: &str,
    today: Date,
) -> Vec<crate::templates::Choice> {
    use crate::templates::Choice;
    let Ok(current) = setu_core::FiscalYear::containing(today) else {
        return Vec::new();
    };
    let mut out: Vec<Choice> = (0..8)
        .filter_map(|back| (0..back).try_fold(current, |f, _| f.previous()))
        .map(|fy| Choice {
            value: fy.to_string(),
            label: fy.label(page.prefs.digits),
            selected: fy.to_string() == selected,
        })
        .collect();
    out.push(Choice {
        value: "all".into(),
        label: page.t("indicators-all-years"),
        selected: selected == "all",
    });
    out
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
