//! Survivor support among the programme indicators (issue 16, point 10), as one list of
//! figures that the page, the CSV, the XLSX and `/api/v1/indicators` all show. Readers who may
//! not read survivors' cases (a committee, a district or national coordinator, an analyst) see
//! counts of one or two as "fewer than 3", and no total of a table with such a count
//! ([`setu_stats::disclosure::with_total`]); an organisation's caseworkers see their own counts
//! as they are.

use serde::Serialize;
use setu_core::cases::{AgeBand, ServiceKind};
use setu_core::community::Sex;
use setu_core::PlaceCode;
use setu_stats::disclosure::{cell, table, Cell};
use setu_store::case_figures::CaseFigures;

use crate::error::WebError;
use crate::page::Page;
use crate::AppState;

/// One figure: its group (a heading on the page), its stable key (CSV, XLSX, API), its label
/// in the reader's language, and what may be shown of it.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The message id of its group's heading.
    pub group: &'static str,
    /// Stable key.
    pub key: String,
    /// Label in the reader's language.
    pub label: String,
    /// What may be shown.
    pub cell: Cell,
    /// Rupees rather than a count.
    pub rupees: bool,
}

/// A figure as the API writes it: the value, or `null` with why.
#[derive(Debug, Clone, Serialize)]
pub struct Released {
    /// Stable key.
    pub indicator: String,
    /// The value, when it may be shown.
    pub value: Option<i64>,
    /// `shown`, `fewer-than-3` or `hidden` (a total hidden beside a small count).
    pub disclosure: &'static str,
}

impl Figure {
    /// The value as the page shows it.
    pub fn text(&self, page: &Page) -> String {
        match self.cell {
            Cell::Count(n) if self.rupees => crate::pages::cases::rupees(page, n),
            c => page.cell(c),
        }
    }

    /// The value as the CSV and XLSX write it.
    pub fn plain(&self) -> String {
        match self.cell {
            Cell::Count(n) => n.to_string(),
            Cell::Below(b) => format!("<{b}"),
            Cell::Hidden => "hidden".into(),
        }
    }

    /// The value as the API writes it.
    pub fn released(&self) -> Released {
        let (value, disclosure) = match self.cell {
            Cell::Count(n) => (Some(n), "shown"),
            Cell::Below(_) => (None, "fewer-than-3"),
            Cell::Hidden => (None, "hidden"),
        };
        Released {
            indicator: self.key.clone(),
            value,
            disclosure,
        }
    }
}

/// Collects figures of one group.
struct Group<'p> {
    page: &'p Page,
    group: &'static str,
    out: Vec<Figure>,
    /// Whether small counts are shown as they are.
    open: bool,
}

impl Group<'_> {
    fn push(&mut self, key: String, label: String, cell: Cell, rupees: bool) {
        self.out.push(Figure {
            group: self.group,
            key,
            label,
            cell,
            rupees,
        });
    }

    /// A count of people (or of their referrals and cases), small ones hidden when closed.
    fn count(&mut self, key: String, label: String, n: i64) {
        let c = if self.open { Cell::Count(n) } else { cell(n) };
        self.push(key, label, c, false);
    }

    /// A table of counts with its total first.
    fn table(&mut self, total: (String, String), cells: Vec<(String, String, i64)>) {
        let ns: Vec<i64> = cells.iter().map(|c| c.2).collect();
        let (shown, sum) = table(&ns, self.open);
        self.push(total.0, total.1, sum, false);
        for ((key, label, _), c) in cells.into_iter().zip(shown) {
            self.push(key, label, c, false);
        }
    }

    fn next(mut self, group: &'static str) -> Self {
        self.group = group;
        self
    }
}

/// Every survivor figure, in the order the page shows them.
pub async fn figures(
    app: &AppState,
    page: &Page,
    f: &CaseFigures,
    open: bool,
) -> Result<Vec<Figure>, WebError> {
    let t = |id: &str| page.t(id);
    let mut g = Group {
        page,
        group: "indicators-survivors-supported",
        out: Vec::new(),
        open,
    };
    let mut cells = Vec::new();
    for sex in Sex::ALL {
        for band in AgeBand::ALL {
            let n = f
                .supported
                .iter()
                .find(|c| c.sex == *sex && c.band == *band)
                .map_or(0, |c| c.n);
            cells.push((
                format!("survivors_supported_{}_{}", sex.as_str(), band.as_str()),
                format!(
                    "{} · {}",
                    t(&format!("sex-{}", sex.as_str())),
                    t(&format!("age-band-{}", band.as_str()))
                ),
                n,
            ));
        }
    }
    // A sex and band nobody is in is left out: the table reads shorter, and zero says nothing.
    cells.retain(|c| c.2 > 0);
    g.table(
        (
            "survivors_supported".into(),
            t("indicators-survivors-total"),
        ),
        cells,
    );
    let mut g = g.next("indicators-survivors-services");
    for kind in ServiceKind::ALL {
        let n = f
            .by_service
            .iter()
            .find(|(k, _)| k == kind.as_str())
            .map_or(0, |(_, n)| *n);
        g.count(
            format!("survivors_service_{}", kind.as_str()),
            t(&format!("case-service-{}", kind.as_str())),
            n,
        );
    }
    let mut g = g.next("indicators-survivors-seed");
    seed(app, &mut g, f).await?;
    for outcome in ["applied", "approved", "refused"] {
        let n = f
            .schemes
            .iter()
            .find(|(o, _)| o == outcome)
            .map_or(0, |(_, n)| *n);
        g.count(
            format!("schemes_{outcome}"),
            page.t1(
                "indicators-scheme",
                "outcome",
                &t(&format!("service-outcome-{outcome}")),
            ),
            n,
        );
    }
    let mut g = g.next("indicators-survivors-reintegration");
    for m in &f.reintegration {
        let months = page.num(&i64::from(m.months));
        g.count(
            format!("reintegration_{}m_recorded", m.months),
            page.t1("indicators-followups-at", "months", &months),
            m.recorded,
        );
        for (status, n) in &m.found {
            g.count(
                format!("reintegration_{}m_{}", m.months, status.as_str()),
                format!(
                    "{} · {}",
                    page.t1("indicators-at-months", "months", &months),
                    t(&format!("reintegration-{}", status.as_str()))
                ),
                *n,
            );
        }
    }
    let mut g = g.next("indicators-survivors-referrals");
    let r = &f.referrals;
    for (key, n) in [
        ("sent", r.sent),
        ("answered", r.answered),
        ("answered_in_time", r.answered_in_time),
        ("waiting_overdue", r.waiting_overdue),
        ("delivered", r.delivered),
    ] {
        g.count(
            format!("case_referrals_{key}"),
            t(&format!("indicators-referrals-{key}")),
            n,
        );
    }
    // A median over one or two referrals is those referrals' own time.
    for (key, median, over) in [
        (
            "median_hours_to_answer",
            r.median_hours_to_answer,
            r.answered,
        ),
        (
            "median_days_to_deliver",
            r.median_days_to_deliver,
            r.delivered,
        ),
    ] {
        if let Some(v) = median {
            let c = match (open, cell(over)) {
                (false, Cell::Below(_)) => Cell::Hidden,
                _ => Cell::Count(v),
            };
            g.push(
                format!("case_referrals_{key}"),
                t(&format!("indicators-referrals-{key}")),
                c,
                false,
            );
        }
    }
    let mut g = g.next("indicators-survivors-justice");
    let j = &f.justice;
    for (key, n) in [
        ("reported", j.reported),
        ("convicted", j.convicted),
        ("acquitted", j.acquitted),
        ("dismissed", j.dismissed),
    ] {
        g.count(
            format!("criminal_cases_{key}"),
            t(&format!("indicators-justice-{key}")),
            n,
        );
    }
    Ok(g.out)
}

/// Seed funding per local level, named: survivors paid and rupees. A local level's rupees are
/// hidden with its survivors when they are one or two (the amount is their grant), and the
/// totals with them.
async fn seed(app: &AppState, g: &mut Group<'_>, f: &CaseFigures) -> Result<(), WebError> {
    let page = g.page;
    let codes: Vec<PlaceCode> = f
        .seed
        .iter()
        .filter_map(|s| s.local_level.as_deref()?.parse().ok())
        .collect();
    let places = app.store.places(&codes).await?;
    let name = |code: &Option<String>| {
        code.as_deref()
            .and_then(|c| places.iter().find(|p| p.code.to_string() == c))
            .map(|p| page.place_name(p))
            .unwrap_or_else(|| page.t("indicators-home-unknown"))
    };
    let survivors: Vec<i64> = f.seed.iter().map(|s| s.survivors).collect();
    let (shown, total) = table(&survivors, g.open);
    let rupees_total = match total {
        Cell::Count(_) if !shown.iter().any(|c| matches!(c, Cell::Below(_))) => {
            Cell::Count(f.seed.iter().map(|s| s.rupees).sum())
        }
        _ => Cell::Hidden,
    };
    g.push(
        "seed_survivors".into(),
        page.t("indicators-seed-survivors"),
        total,
        false,
    );
    g.push(
        "seed_rupees".into(),
        page.t("indicators-seed-rupees"),
        rupees_total,
        true,
    );
    for (s, c) in f.seed.iter().zip(shown) {
        let at = s.local_level.clone().unwrap_or_else(|| "unknown".into());
        let place = name(&s.local_level);
        let rupees = match c {
            Cell::Count(_) => Cell::Count(s.rupees),
            _ => Cell::Hidden,
        };
        g.push(
            format!("seed_survivors_{at}"),
            page.t1("indicators-seed-survivors-at", "place", &place),
            c,
            false,
        );
        g.push(
            format!("seed_rupees_{at}"),
            page.t1("indicators-seed-rupees-at", "place", &place),
            rupees,
            true,
        );
    }
    Ok(())
}
