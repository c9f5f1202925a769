//! Bikram Sambat (BS) dates and Nepali fiscal years.
//!
//! Setu stores every date as an ISO (AD) date and converts at the edges: forms accept BS,
//! pages show BS. The conversion is the `nepdate` crate's month table. Setu supports BS
//! 1999–2100 (AD 1942-04-13 to 2044-04-12). An independent implementation (PyPI
//! `nepali-datetime`) agrees with it on every day of BS 1999–2086; for 2087–2100 the two
//! disagree on a few month lengths, because calendars that far ahead are projections until
//! Nepal's calendar committee fixes them. The test `calendar_matches_independent_table`
//! checks the first range day by day and pins the list of disagreements in the second, so a
//! change in either source is noticed.

use std::fmt;
use std::str::FromStr;

use nepdate::NepaliDate;
use time::{Date, Duration, Month};

use crate::numbers::{to_ascii_digits, with_digits};
use crate::{Digits, Lang};

/// The first BS year Setu supports.
pub const FIRST_YEAR: u16 = 1999;
/// The last BS year Setu supports.
pub const LAST_YEAR: u16 = 2100;
/// The first day Setu supports (BS 1999-01-01): no date a person enters is earlier, so a period
/// from this day holds every record (the store counts such a period from what it keeps).
pub const FIRST_DAY: Date = time::macros::date!(1942 - 04 - 13);

/// Why a date could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The date exists but lies outside BS 1999–2100 (AD 1942-04-13 – 2044-04-12).
    #[error("date outside the supported range BS {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-end")]
    OutOfRange,
    /// No such day, e.g. BS 2082-13-01 or AD 2025-02-30.
    #[error("no such date")]
    NoSuchDate,
    /// The text is not a date written as YYYY-MM-DD.
    #[error("expected a date written as YYYY-MM-DD")]
    Format,
}

/// A period of days cut along Bikram Sambat months: the months it covers whole, and the days
/// of the months it only cuts (at most two runs, one at each end). Counts kept per month and per
/// day read a period of years as a few month rows and a few day rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthSplit {
    /// The first and last whole month, as year × 100 + month, if the period holds one.
    pub whole: Option<(i64, i64)>,
    /// Runs of days (first, last, inclusive) outside the whole months.
    pub days: Vec<(Date, Date)>,
}

impl MonthSplit {
    /// `from` to `to` (inclusive; empty when `to` is before `from`) cut along BS months.
    pub fn of(from: Date, to: Date) -> Result<MonthSplit, CalendarError> {
        if to < from {
            return Ok(MonthSplit {
                whole: None,
                days: Vec::new(),
            });
        }
        let (f, t) = (BsDate::from_ad(from)?, BsDate::from_ad(to)?);
        // The first day of a whole month, and the last.
        let start = if f.day() == 1 {
            from
        } else {
            month_start(from, f) + Duration::days(i64::from(f.month_length()))
        };
        let end = if t.day() == t.month_length() {
            to
        } else {
            month_start(to, t) - Duration::days(1)
        };
        if end < start {
            return Ok(MonthSplit {
                whole: None,
                days: vec![(from, to)],
            });
        }
        let mut days = Vec::new();
        if from < start {
            days.push((from, start - Duration::days(1)));
        }
        if end < to {
            days.push((end + Duration::days(1), to));
        }
        Ok(MonthSplit {
            whole: Some((
                month_key(BsDate::from_ad(start)?),
                month_key(BsDate::from_ad(end)?),
            )),
            days,
        })
    }
}

/// A BS month as the counts key it: year × 100 + month (208204 for Shrawan 2082).
pub fn month_key(d: BsDate) -> i64 {
    i64::from(d.year()) * 100 + i64::from(d.month())
}

/// The BS month key of an AD day.
pub fn month_key_of(date: Date) -> Result<i64, CalendarError> {
    BsDate::from_ad(date).map(month_key)
}

/// The AD day on which the BS month of `date` (which is `bs`) begins.
fn month_start(date: Date, bs: BsDate) -> Date {
    date - Duration::days(i64::from(bs.day()) - 1)
}

/// A day in the Bikram Sambat calendar, within Setu's supported range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BsDate(NepaliDate);

impl BsDate {
    /// The BS date `year-month-day`.
    pub fn new(year: u16, month: u8, day: u8) -> Result<BsDate, CalendarError> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(CalendarError::OutOfRange);
        }
        NepaliDate::new(year, month, day)
            .map(BsDate)
            .map_err(|_| CalendarError::NoSuchDate)
    }

    /// The BS date of an AD date.
    pub fn from_ad(date: Date) -> Result<BsDate, CalendarError> {
        let nd = NepaliDate::from_gregorian(date.year(), u8::from(date.month()), date.day())
            .map_err(|e| match e {
                nepdate::Error::OutOfRange => CalendarError::OutOfRange,
                _ => CalendarError::NoSuchDate,
            })?;
        BsDate::new(nd.year(), nd.month_number(), nd.day())
    }

    /// The AD date of this BS date.
    pub fn to_ad(self) -> Date {
        let g = self.0.to_gregorian();
        // nepdate only returns valid Gregorian dates; fall back to its range start rather
        // than panic if that ever changed.
        Month::try_from(g.month())
            .ok()
            .and_then(|m| Date::from_calendar_date(g.year(), m, g.day()).ok())
            .unwrap_or(Date::MIN)
    }

    /// Year, e.g. 2082.
    pub fn year(self) -> u16 {
        self.0.year()
    }

    /// Month, 1 (Baishakh) to 12 (Chaitra).
    pub fn month(self) -> u8 {
        self.0.month_number()
    }

    /// Day of the month, 1 to 32.
    pub fn day(self) -> u8 {
        self.0.day()
    }

    /// Days in this date's month (29 to 32).
    pub fn month_length(self) -> u8 {
        self.0.month_length()
    }

    /// The month's name in `lang` (Shrawan, साउन).
    pub fn month_name(self, lang: Lang) -> &'static str {
        self.0.month().name(nepdate_lang(lang))
    }

    /// A date for reading: `1 Shrawan 2082` in English, `२०८२ साउन १` in Nepali.
    pub fn long(self, lang: Lang, digits: Digits) -> String {
        let text = match lang {
            Lang::En => format!("{} {} {}", self.day(), self.month_name(lang), self.year()),
            Lang::Ne => format!("{} {} {}", self.year(), self.month_name(lang), self.day()),
        };
        with_digits(&text, digits)
    }

    /// A compact date for tables: `2082-04-01` in the chosen digits.
    pub fn short(self, digits: Digits) -> String {
        with_digits(&self.to_string(), digits)
    }
}

fn nepdate_lang(lang: Lang) -> nepdate::Lang {
    match lang {
        Lang::En => nepdate::Lang::En,
        Lang::Ne => nepdate::Lang::Ne,
    }
}

impl fmt::Display for BsDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

impl FromStr for BsDate {
    type Err = CalendarError;

    /// Reads `YYYY-MM-DD` (or `/` or `.` between) in Latin or Devanagari digits.
    fn from_str(s: &str) -> Result<BsDate, CalendarError> {
        let (y, m, d) = parse_ymd(s)?;
        let year = u16::try_from(y).map_err(|_| CalendarError::OutOfRange)?;
        let month = u8::try_from(m).map_err(|_| CalendarError::NoSuchDate)?;
        let day = u8::try_from(d).map_err(|_| CalendarError::NoSuchDate)?;
        BsDate::new(year, month, day)
    }
}

/// Reads an AD date written `YYYY-MM-DD` (Latin or Devanagari digits).
pub fn parse_ad(s: &str) -> Result<Date, CalendarError> {
    let (y, m, d) = parse_ymd(s)?;
    let year = i32::try_from(y).map_err(|_| CalendarError::NoSuchDate)?;
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or(CalendarError::NoSuchDate)?;
    let day = u8::try_from(d).map_err(|_| CalendarError::NoSuchDate)?;
    Date::from_calendar_date(year, month, day).map_err(|_| CalendarError::NoSuchDate)
}

/// Nepal's offset from UTC (+05:45).
pub const NEPAL_OFFSET: time::UtcOffset = match time::UtcOffset::from_hms(5, 45, 0) {
    Ok(o) => o,
    Err(_) => time::UtcOffset::UTC,
};

/// Today's date in Nepal: what "today", "this week" and "this fiscal year" mean to the people
/// using Setu (between 18:15 and midnight UTC it is already tomorrow there).
pub fn today_in_nepal() -> Date {
    time::OffsetDateTime::now_utc()
        .to_offset(NEPAL_OFFSET)
        .date()
}

/// Formats an AD date as ISO `YYYY-MM-DD`.
pub fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn parse_ymd(s: &str) -> Result<(u32, u32, u32), CalendarError> {
    let ascii = to_ascii_digits(s.trim());
    let parts: Vec<&str> = ascii.split(['-', '/', '.']).collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(CalendarError::Format);
    };
    let num = |p: &str, max_len: usize| -> Result<u32, CalendarError> {
        if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CalendarError::Format);
        }
        p.parse().map_err(|_| CalendarError::Format)
    };
    if y.len() != 4 {
        return Err(CalendarError::Format);
    }
    Ok((num(y, 4)?, num(m, 2)?, num(d, 2)?))
}

/// A Nepali fiscal year: 1 Shrawan of `start_year` to the last day of Asar of the next
/// BS year. FY 2082/83 runs from 17 July 2025 to 16 July 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalYear(u16);

impl FiscalYear {
    /// The fiscal year that starts on 1 Shrawan of BS `start_year`.
    pub fn new(start_year: u16) -> Result<FiscalYear, CalendarError> {
        if !(FIRST_YEAR..LAST_YEAR).contains(&start_year) {
            return Err(CalendarError::OutOfRange);
        }
        Ok(FiscalYear(start_year))
    }

    /// The fiscal year an AD date falls in.
    pub fn containing(date: Date) -> Result<FiscalYear, CalendarError> {
        let bs = BsDate::from_ad(date)?;
        let start = if bs.month() >= 4 {
            bs.year()
        } else {
            bs.year() - 1
        };
        FiscalYear::new(start)
    }

    /// The BS year it starts in (2082 for FY 2082/83).
    pub fn start_year(self) -> u16 {
        self.0
    }

    /// First day, 1 Shrawan, as an AD date.
    pub fn first_day(self) -> Date {
        self.first_bs().to_ad()
    }

    /// Last day, the end of Asar in the next BS year, as an AD date.
    pub fn last_day(self) -> Date {
        match FiscalYear::new(self.0 + 1) {
            Ok(next) => next.first_bs().to_ad().previous_day().unwrap_or(Date::MIN),
            // The last supported fiscal year ends with the last supported Asar.
            Err(_) => BsDate::new(self.0 + 1, 3, 1)
                .map(|d| {
                    let len = i64::from(d.month_length()) - 1;
                    d.to_ad() + time::Duration::days(len)
                })
                .unwrap_or(Date::MIN),
        }
    }

    /// The year before.
    pub fn previous(self) -> Option<FiscalYear> {
        FiscalYear::new(self.0.checked_sub(1)?).ok()
    }

    /// The label `2082/83` in the chosen digits.
    pub fn label(self, digits: Digits) -> String {
        with_digits(&self.to_string(), digits)
    }

    fn first_bs(self) -> BsDate {
        // Shrawan 1 of any supported year exists; BsDate::new only fails out of range,
        // which FiscalYear::new has ruled out.
        BsDate::new(self.0, 4, 1).unwrap_or(BsDate(NepaliDate::MIN))
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1) % 100)
    }
}

impl FromStr for FiscalYear {
    type Err = CalendarError;

    /// Reads `2082/83` or `2082` (Latin or Devanagari digits).
    fn from_str(s: &str) -> Result<FiscalYear, CalendarError> {
        let ascii = to_ascii_digits(s.trim());
        let (start, end) = match ascii.split_once(['/', '-']) {
            Some((a, b)) => (a, Some(b)),
            None => (ascii.as_str(), None),
        };
        let start: u16 = start.parse().map_err(|_| CalendarError::Format)?;
        if let Some(end) = end {
            let end: u16 = end.parse().map_err(|_| CalendarError::Format)?;
            if end != (start + 1) % 100 && end != start + 1 {
                return Err(CalendarError::Format);
            }
        }
        FiscalYear::new(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every day of a split period is in exactly one whole month or one run of days, and
    /// nothing outside it is: checked day by day over ragged and whole periods.
    #[test]
    fn a_month_split_covers_each_day_once() {
        let ad = |s: &str| parse_ad(s).unwrap();
        let periods = [
            ("2025-07-17", "2026-07-16"), // fiscal year 2082/83: whole months only
            ("2025-07-20", "2026-07-01"), // ragged at both ends
            ("2025-08-01", "2025-08-10"), // inside one month
            ("2025-07-17", "2025-08-20"), // one whole month and a tail
            ("2024-01-01", "2026-12-31"), // years
            ("2025-08-10", "2025-08-10"), // one day
        ];
        for (from, to) in periods {
            let (from, to) = (ad(from), ad(to));
            let split = MonthSplit::of(from, to).unwrap();
            assert!(split.days.len() <= 2);
            let mut day = from - Duration::days(3);
            while day <= to + Duration::days(3) {
                let key = month_key_of(day).unwrap();
                let in_whole = split.whole.is_some_and(|(a, b)| (a..=b).contains(&key));
                let in_days = split
                    .days
                    .iter()
                    .filter(|(a, b)| (*a..=*b).contains(&day))
                    .count();
                let inside = (from..=to).contains(&day);
                assert_eq!(
                    usize::from(in_whole) + in_days,
                    usize::from(inside),
                    "{day}"
                );
                day += Duration::days(1);
            }
        }
        assert_eq!(
            MonthSplit::of(ad("2025-07-17"), ad("2026-07-16")).unwrap(),
            MonthSplit {
                whole: Some((208204, 208303)),
                days: vec![]
            }
        );
        assert!(MonthSplit::of(ad("2025-02-02"), ad("2025-02-01"))
            .unwrap()
            .days
            .is_empty());
    }
    use time::macros::date;

    #[test]
    fn shrawan_2082_is_17_july_2025() {
        let bs = BsDate::from_ad(date!(2025 - 07 - 17)).unwrap();
        assert_eq!(bs.to_string(), "2082-04-01");
        assert_eq!(bs.month_name(Lang::En), "Shrawan");
        assert_eq!(bs.long(Lang::Ne, Digits::Devanagari), "२०८२ साउन १");
        assert_eq!(bs.long(Lang::En, Digits::Latin), "1 Shrawan 2082");
        assert_eq!(
            "२०८२-०४-०१".parse::<BsDate>().unwrap().to_ad(),
            date!(2025 - 07 - 17)
        );
    }

    #[test]
    fn fiscal_year_2082_83() {
        let fy: FiscalYear = "2082/83".parse().unwrap();
        assert_eq!(fy.first_day(), date!(2025 - 07 - 17));
        assert_eq!(fy.last_day(), date!(2026 - 07 - 16));
        assert_eq!(FiscalYear::containing(date!(2026 - 07 - 16)).unwrap(), fy);
        assert_eq!(
            FiscalYear::containing(date!(2026 - 07 - 17))
                .unwrap()
                .to_string(),
            "2083/84"
        );
        assert_eq!(
            FiscalYear::containing(date!(2025 - 07 - 16))
                .unwrap()
                .to_string(),
            "2081/82"
        );
        assert_eq!(fy.label(Digits::Devanagari), "२०८२/८३");
        assert_eq!(
            "2099/00".parse::<FiscalYear>().unwrap().to_string(),
            "2099/00"
        );
        assert!("2082/85".parse::<FiscalYear>().is_err());
    }

    #[test]
    fn out_of_range_and_bad_input() {
        assert_eq!(
            BsDate::from_ad(date!(1900 - 01 - 01)),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(
            "2101-01-01".parse::<BsDate>(),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(
            "2082-13-01".parse::<BsDate>(),
            Err(CalendarError::NoSuchDate)
        );
        assert_eq!("2082-04".parse::<BsDate>(), Err(CalendarError::Format));
        assert_eq!("20x2-04-01".parse::<BsDate>(), Err(CalendarError::Format));
        assert_eq!(parse_ad("2025-02-30"), Err(CalendarError::NoSuchDate));
    }
}
