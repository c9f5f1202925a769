//! `setu date 2025-07-17` → `2082-04-01`; `setu date --bs 2082-04-01` → `2025-07-17`.

use anyhow::{anyhow, Result};
use setu_core::calendar::{iso, parse_ad, FIRST_YEAR, LAST_YEAR};
use setu_core::{BsDate, CalendarError};

/// Converts and prints one date.
pub fn run(text: &str, from_bs: bool) -> Result<()> {
    let out = if from_bs {
        let bs: BsDate = text.parse().map_err(|e| explain(e, text, "BS"))?;
        iso(bs.to_ad())
    } else {
        let ad = parse_ad(text).map_err(|e| explain(e, text, "AD"))?;
        BsDate::from_ad(ad)
            .map_err(|e| explain(e, text, "AD"))?
            .to_string()
    };
    println!("{out}");
    Ok(())
}

fn explain(e: CalendarError, text: &str, calendar: &str) -> anyhow::Error {
    match e {
        CalendarError::OutOfRange => anyhow!(
            "{calendar} date {text} is outside the supported range (BS {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-end, AD 1942-04-13 to 2044-04-12)"
        ),
        CalendarError::NoSuchDate => anyhow!("{calendar} date {text} does not exist"),
        CalendarError::Format => {
            anyhow!("{text:?} is not a date: write it as YYYY-MM-DD, e.g. 2025-07-17")
        }
    }
}
