//! Nepal's administrative geography: country → 7 provinces → 77 districts → 753 local
//! levels → 6,743 wards, and the codes that name each node.
//!
//! Codes follow the source data set: a province is one digit (`5`), a district three (`511`,
//! province first), a local level five (`51106`, district first), and a ward seven: the local
//! level's code and the ward number in two digits (`5110619` is ward 19 of Nepalganj). The
//! country is `NP`. A code therefore says which level it is and who its parents are, which
//! is what scopes (issue 3) need.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A node of the geography, by its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlaceCode {
    /// The whole of Nepal (`NP`).
    Country,
    /// A province, 1–7.
    Province(u8),
    /// A district, e.g. 511 (Banke).
    District(u16),
    /// A local level, e.g. 51106 (Nepalganj).
    LocalLevel(u32),
    /// A ward of a local level, numbered from 1.
    Ward {
        /// The local level's five-digit code.
        local_level: u32,
        /// The ward number.
        ward: u8,
    },
}

/// The level of a place in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlaceLevel {
    /// Nepal.
    Country,
    /// Province.
    Province,
    /// District.
    District,
    /// Local level (municipality or rural municipality).
    LocalLevel,
    /// Ward.
    Ward,
}

impl PlaceLevel {
    /// Every level, from the country down.
    pub const ALL: [PlaceLevel; 5] = [
        PlaceLevel::Country,
        PlaceLevel::Province,
        PlaceLevel::District,
        PlaceLevel::LocalLevel,
        PlaceLevel::Ward,
    ];

    /// The stored and API form (`local-level`); also the suffix of its message ids.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceLevel::Country => "country",
            PlaceLevel::Province => "province",
            PlaceLevel::District => "district",
            PlaceLevel::LocalLevel => "local-level",
            PlaceLevel::Ward => "ward",
        }
    }

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<PlaceLevel> {
        PlaceLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A place code that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a place code: expected NP, or a province (1 digit), district (3), local level (5) or ward (7) code")]
pub struct BadPlaceCode;

impl PlaceCode {
    /// Which level this code names.
    pub fn level(self) -> PlaceLevel {
        match self {
            PlaceCode::Country => PlaceLevel::Country,
            PlaceCode::Province(_) => PlaceLevel::Province,
            PlaceCode::District(_) => PlaceLevel::District,
            PlaceCode::LocalLevel(_) => PlaceLevel::LocalLevel,
            PlaceCode::Ward { .. } => PlaceLevel::Ward,
        }
    }

    /// The place one level up; the country has none.
    pub fn parent(self) -> Option<PlaceCode> {
        match self {
            PlaceCode::Country => None,
            PlaceCode::Province(_) => Some(PlaceCode::Country),
            PlaceCode::District(d) => u8::try_from(d / 100).ok().map(PlaceCode::Province),
            PlaceCode::LocalLevel(l) => u16::try_from(l / 100).ok().map(PlaceCode::District),
            PlaceCode::Ward { local_level, .. } => Some(PlaceCode::LocalLevel(local_level)),
        }
    }

    /// This place and every place above it, nearest first.
    pub fn lineage(self) -> Vec<PlaceCode> {
        let mut out = vec![self];
        let mut here = self;
        while let Some(p) = here.parent() {
            out.push(p);
            here = p;
        }
        out
    }

    /// Whether `self` is `other` or lies inside it.
    pub fn is_within(self, other: PlaceCode) -> bool {
        self.lineage().contains(&other)
    }
}

impl fmt::Display for PlaceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaceCode::Country => f.write_str("NP"),
            PlaceCode::Province(p) => write!(f, "{p}"),
            PlaceCode::District(d) => write!(f, "{d:03}"),
            PlaceCode::LocalLevel(l) => write!(f, "{l:05}"),
            PlaceCode::Ward { local_level, ward } => write!(f, "{local_level:05}{ward:02}"),
        }
    }
}

impl FromStr for PlaceCode {
    type Err = BadPlaceCode;

    fn from_str(s: &str) -> Result<PlaceCode, BadPlaceCode> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("NP") {
            return Ok(PlaceCode::Country);
        }
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BadPlaceCode);
        }
        let n: u32 = s.parse().map_err(|_| BadPlaceCode)?;
        let code = match s.len() {
            1 => PlaceCode::Province(u8::try_from(n).map_err(|_| BadPlaceCode)?),
            3 => PlaceCode::District(u16::try_from(n).map_err(|_| BadPlaceCode)?),
            5 => PlaceCode::LocalLevel(n),
            7 => PlaceCode::Ward {
                local_level: n / 100,
                ward: u8::try_from(n % 100).map_err(|_| BadPlaceCode)?,
            },
            _ => return Err(BadPlaceCode),
        };
        // Codes are only meaningful if each digit group is non-zero (no province 0, ward 0).
        let parts_ok = match code {
            PlaceCode::Province(p) => p > 0,
            PlaceCode::District(d) => d / 100 > 0 && d % 100 > 0,
            PlaceCode::LocalLevel(l) => l / 10_000 > 0 && (l / 100) % 100 > 0 && l % 100 > 0,
            PlaceCode::Ward { local_level, ward } => local_level / 10_000 > 0 && ward > 0,
            PlaceCode::Country => true,
        };
        if parts_ok {
            Ok(code)
        } else {
            Err(BadPlaceCode)
        }
    }
}

impl Serialize for PlaceCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PlaceCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PlaceCode, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The four kinds of local level, as the Local Government Operation Act 2017 names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocalLevelType {
    /// महानगरपालिका
    Metropolitan,
    /// उपमहानगरपालिका
    SubMetropolitan,
    /// नगरपालिका
    Municipality,
    /// गाउँपालिका
    RuralMunicipality,
}

impl LocalLevelType {
    /// Every type, largest first.
    pub const ALL: [LocalLevelType; 4] = [
        LocalLevelType::Metropolitan,
        LocalLevelType::SubMetropolitan,
        LocalLevelType::Municipality,
        LocalLevelType::RuralMunicipality,
    ];

    /// The stored and API form (`rural-municipality`); also the suffix of its message id.
    pub fn as_str(self) -> &'static str {
        match self {
            LocalLevelType::Metropolitan => "metropolitan",
            LocalLevelType::SubMetropolitan => "sub-metropolitan",
            LocalLevelType::Municipality => "municipality",
            LocalLevelType::RuralMunicipality => "rural-municipality",
        }
    }

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<LocalLevelType> {
        LocalLevelType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A province in the bundled data set.
#[derive(Debug, Clone, Deserialize)]
pub struct ProvinceRecord {
    /// One digit.
    pub code: String,
    /// English name.
    pub name_en: String,
    /// Nepali name.
    pub name_ne: String,
}

/// A district in the bundled data set.
#[derive(Debug, Clone, Deserialize)]
pub struct DistrictRecord {
    /// Three digits.
    pub code: String,
    /// The province's code.
    pub province: String,
    /// English name.
    pub name_en: String,
    /// Nepali name.
    pub name_ne: String,
}

/// A local level in the bundled data set.
#[derive(Debug, Clone, Deserialize)]
pub struct LocalLevelRecord {
    /// Five digits.
    pub code: String,
    /// The district's code.
    pub district: String,
    /// English name.
    pub name_en: String,
    /// Nepali name.
    pub name_ne: String,
    /// Metropolitan, sub-metropolitan, municipality or rural municipality.
    #[serde(rename = "type")]
    pub kind: LocalLevelType,
    /// How many wards it has (numbered 1..=wards).
    pub wards: u8,
}

/// The whole of Nepal's geography as shipped with Setu (`data/geography.json`, generated by
/// `scripts/extract_geography.py`).
#[derive(Debug, Clone, Deserialize)]
pub struct Gazetteer {
    /// Where the data comes from and under which licence.
    pub attribution: String,
    /// 7 provinces.
    pub provinces: Vec<ProvinceRecord>,
    /// 77 districts.
    pub districts: Vec<DistrictRecord>,
    /// 753 local levels.
    pub local_levels: Vec<LocalLevelRecord>,
}

const BUNDLED: &str = include_str!("../../../data/geography.json");

impl Gazetteer {
    /// The data set compiled into the binary.
    pub fn bundled() -> Result<Gazetteer, serde_json::Error> {
        serde_json::from_str(BUNDLED)
    }

    /// Total number of wards.
    pub fn ward_count(&self) -> usize {
        self.local_levels.iter().map(|l| usize::from(l.wards)).sum()
    }
}

/// A loose form of a place name for search, so that spellings that differ the way Nepali
/// names are written by different hands still meet: Latin names lose case, vowels after the
/// first letter and doubled letters (`Nepalgunj` and `Nepalganj` both give `nplgnj`);
/// Devanagari names lose the virama and nukta, and their nasals, sibilants and long vowels
/// fold together (`नेपालगञ्ज` and `नेपालगन्ज` meet).
pub fn search_fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last: Option<char> = None;
    for (i, c) in text.to_lowercase().chars().enumerate() {
        let folded = match c {
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' if i > 0 => None,
            'w' => Some('v'),
            '\u{094D}' | '\u{093C}' => None, // virama, nukta
            'ञ' | 'ङ' | 'ण' | 'ं' | 'ँ' => Some('न'),
            'श' | 'ष' => Some('स'),
            'व' => Some('ब'),
            'ी' => Some('ि'),
            'ू' => Some('ु'),
            'ई' => Some('इ'),
            'ऊ' => Some('उ'),
            c if c.is_alphanumeric() || ('\u{0900}'..='\u{097F}').contains(&c) => Some(c),
            _ => None,
        };
        if let Some(f) = folded {
            if last != Some(f) {
                out.push(f);
            }
            last = Some(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_fold_joins_spelling_variants() {
        assert_eq!(
            search_fold("Nepalgunj"),
            search_fold("Nepalganj Sub-Metropolitan City")
                .get(..6)
                .unwrap()
        );
        assert_eq!(search_fold("नेपालगन्ज"), search_fold("नेपालगञ्ज"));
        assert_eq!(search_fold("Itahari"), search_fold("itahaari"));
        assert_eq!(search_fold("ईटहरी"), search_fold("इटहरि"));
        assert_ne!(search_fold("Banke"), search_fold("Bara"));
    }

    #[test]
    fn codes_round_trip_and_know_their_parents() {
        for s in ["NP", "5", "511", "51106", "5110619"] {
            assert_eq!(s.parse::<PlaceCode>().unwrap().to_string(), s);
        }
        let ward: PlaceCode = "5110619".parse().unwrap();
        assert_eq!(
            ward.lineage(),
            vec![
                ward,
                PlaceCode::LocalLevel(51106),
                PlaceCode::District(511),
                PlaceCode::Province(5),
                PlaceCode::Country
            ]
        );
        assert!(ward.is_within(PlaceCode::District(511)));
        assert!(!ward.is_within(PlaceCode::District(312)));
        for bad in [
            "", "0", "12", "5110", "51100", "5110600", "NPL", "5a106", "९",
        ] {
            assert!(
                bad.parse::<PlaceCode>().is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn bundled_gazetteer_has_all_of_nepal() {
        let g = Gazetteer::bundled().unwrap();
        assert_eq!(g.provinces.len(), 7);
        assert_eq!(g.districts.len(), 77);
        assert_eq!(g.local_levels.len(), 753);
        assert_eq!(g.ward_count(), 6743);
        let count = |t| g.local_levels.iter().filter(|l| l.kind == t).count();
        assert_eq!(count(LocalLevelType::Metropolitan), 6);
        assert_eq!(count(LocalLevelType::SubMetropolitan), 11);
        assert_eq!(count(LocalLevelType::Municipality), 276);
        assert_eq!(count(LocalLevelType::RuralMunicipality), 460);
        assert!(g.attribution.contains("MIT"));
        // Every code parses at its level and its parent exists.
        for l in &g.local_levels {
            let code: PlaceCode = l.code.parse().unwrap();
            assert_eq!(code.level(), PlaceLevel::LocalLevel);
            assert_eq!(code.parent().unwrap().to_string(), l.district);
            assert!(g.districts.iter().any(|d| d.code == l.district));
            assert!(l.wards > 0);
        }
        for d in &g.districts {
            let code: PlaceCode = d.code.parse().unwrap();
            assert_eq!(code.parent().unwrap().to_string(), d.province);
        }
        let itahari = g.local_levels.iter().find(|l| l.code == "11306").unwrap();
        assert_eq!(itahari.kind, LocalLevelType::SubMetropolitan);
        let bhaktapur = g.local_levels.iter().find(|l| l.code == "30702").unwrap();
        assert_eq!(bhaktapur.kind, LocalLevelType::Municipality);
    }
}
