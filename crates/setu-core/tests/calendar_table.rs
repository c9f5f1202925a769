//! Checks Setu's Bikram Sambat conversion against an independent implementation.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//!
//! `tests/data/bs_months.csv` was produced from the PyPI package `nepali-datetime` by
//! `scripts/bs_reference_table.py`: for each BS month of 1975–2100, the AD date of its
//! first day and its length. Setu's conversion (the `nepdate` crate) must agree with every
//! row of BS 1999–2086, in both directions, for every day. Beyond 2086 both tables are
//! projections and differ; the months where they differ are pinned, so that an update of
//! either source shows up here.

use setu_core::calendar::{self, FIRST_YEAR, LAST_YEAR};
use setu_core::{BsDate, CalendarError};
use time::Duration;

const TABLE: &str = include_str!("data/bs_months.csv");

struct Row {
    year: u16,
    month: u8,
    first_ad: time::Date,
    days: u8,
}

fn rows() -> Vec<Row> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("bs_year"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Row {
                year: f[0].parse().unwrap(),
                month: f[1].parse().unwrap(),
                first_ad: calendar::parse_ad(f[2]).unwrap(),
                days: f[3].parse().unwrap(),
            }
        })
        .collect()
}

/// The last BS year on which both tables agree.
const VERIFIED_UNTIL: u16 = 2086;

fn verified_rows() -> Vec<Row> {
    rows()
        .into_iter()
        .filter(|r| (FIRST_YEAR..=VERIFIED_UNTIL).contains(&r.year))
        .collect()
}

#[test]
fn calendar_matches_independent_table() {
    let rows = verified_rows();
    assert_eq!(
        rows.len(),
        usize::from(VERIFIED_UNTIL - FIRST_YEAR + 1) * 12
    );
    let mut checked_days = 0;
    for r in &rows {
        let first = BsDate::new(r.year, r.month, 1).unwrap();
        assert_eq!(
            first.to_ad(),
            r.first_ad,
            "AD date of BS {}-{}-01",
            r.year,
            r.month
        );
        assert_eq!(
            first.month_length(),
            r.days,
            "length of BS {}-{}",
            r.year,
            r.month
        );
        for day in 1..=r.days {
            let ad = r.first_ad + Duration::days(i64::from(day) - 1);
            let bs = BsDate::from_ad(ad).unwrap();
            assert_eq!((bs.year(), bs.month(), bs.day()), (r.year, r.month, day));
            assert_eq!(bs.to_ad(), ad);
            checked_days += 1;
        }
        assert_eq!(
            BsDate::new(r.year, r.month, r.days + 1),
            Err(CalendarError::NoSuchDate)
        );
    }
    // Consecutive months leave no gap and no overlap.
    for w in rows.windows(2) {
        assert_eq!(
            w[0].first_ad + Duration::days(i64::from(w[0].days)),
            w[1].first_ad
        );
    }
    assert!(checked_days > 32_000);
}

#[test]
fn projected_years_differ_only_where_pinned() {
    let differing: Vec<(u16, u8)> = rows()
        .iter()
        .filter(|r| r.year >= FIRST_YEAR)
        .filter(|r| {
            let bs = BsDate::new(r.year, r.month, 1).unwrap();
            bs.to_ad() != r.first_ad || bs.month_length() != r.days
        })
        .map(|r| (r.year, r.month))
        .collect();
    // Every disagreement is in the projected years, starting with Mangsir 2087.
    assert_eq!(differing.first(), Some(&(2087, 8)));
    assert!(differing.iter().all(|(y, _)| *y > VERIFIED_UNTIL));
    assert_eq!(
        differing.len(),
        99,
        "the projected tables changed: {differing:?}"
    );
}

#[test]
fn range_edges_give_a_clear_error() {
    let first = BsDate::new(FIRST_YEAR, 1, 1).unwrap().to_ad();
    assert_eq!(calendar::iso(first), "1942-04-13");
    assert_eq!(first, calendar::FIRST_DAY);
    let last_month = BsDate::new(LAST_YEAR, 12, 1).unwrap();
    let last = last_month.to_ad() + Duration::days(i64::from(last_month.month_length()) - 1);
    assert!(BsDate::from_ad(first).is_ok());
    assert!(BsDate::from_ad(last).is_ok());
    assert_eq!(
        BsDate::from_ad(first - Duration::days(1)),
        Err(CalendarError::OutOfRange)
    );
    assert_eq!(
        BsDate::from_ad(last + Duration::days(1)),
        Err(CalendarError::OutOfRange)
    );
}
