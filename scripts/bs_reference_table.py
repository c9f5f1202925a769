#!/usr/bin/env python3
"""Regenerate the independent Bikram Sambat reference table used by setu-core's tests.

    pip install nepali-datetime==1.0.8.5 && python3 scripts/bs_reference_table.py

Setu converts dates with the Rust crate `nepdate`. This table comes from a separate
implementation with its own month data, the PyPI package `nepali-datetime` (MIT):
for every BS month it supports, the AD date of day 1 and the month's length.
The test `calendar_matches_independent_table` checks nepdate against every row.
"""
import pathlib

import nepali_datetime as nd

out = pathlib.Path(__file__).resolve().parent.parent / "crates/setu-core/tests/data/bs_months.csv"
lines = ["# BS month table from PyPI nepali-datetime (MIT); scripts/bs_reference_table.py",
         "bs_year,bs_month,ad_first_day,days"]
for year in range(nd.MINYEAR, nd.MAXYEAR + 1):
    for month in range(1, 13):
        first = nd.date(year, month, 1)
        days = 0
        for day in range(29, 33):
            try:
                nd.date(year, month, day)
                days = day
            except ValueError:
                break
        lines.append(f"{year},{month},{first.to_datetime_date().isoformat()},{days}")
out.write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"wrote {out}: {len(lines) - 2} months")
