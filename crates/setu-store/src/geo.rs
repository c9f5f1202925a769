//! Nepal's geography in the database: loading the bundled gazetteer and reading it.

use serde::Serialize;
use setu_core::geo::{search_fold, Gazetteer, PlaceLevel};
use setu_core::{LocalLevelType, PlaceCode};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, Store, StoreError};

/// A node of the geography as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// Its code (`NP`, `5`, `511`, `51106`, `5110619`).
    pub code: PlaceCode,
    /// Its level.
    pub level: PlaceLevel,
    /// The place one level up.
    pub parent: Option<PlaceCode>,
    /// English name (wards have none: they are named by number).
    pub name_en: Option<String>,
    /// Nepali name.
    pub name_ne: Option<String>,
    /// For local levels: metropolitan, sub-metropolitan, municipality, rural municipality.
    pub local_level_type: Option<LocalLevelType>,
    /// For local levels: how many wards.
    pub ward_count: Option<i64>,
    /// For wards: the ward number.
    pub ward_number: Option<i64>,
}

/// How many places of each level are stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlaceCounts {
    /// Provinces.
    pub provinces: i64,
    /// Districts.
    pub districts: i64,
    /// Local levels.
    pub local_levels: i64,
    /// Wards.
    pub wards: i64,
}

/// Sorts places from the country down to wards.
const LEVEL_ORDER: &str = "CASE level WHEN 'country' THEN 0 WHEN 'province' THEN 1 \
     WHEN 'district' THEN 2 WHEN 'local-level' THEN 3 ELSE 4 END";

const PLACE_COLUMNS: &str =
    "code, level, parent_code, name_en, name_ne, ll_type, ward_count, ward_number";

/// One row to upsert: code, level, parent, name_en, name_ne, type, ward_count, ward_number.
type PlaceRow = (
    String,
    &'static str,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<&'static str>,
    Option<i64>,
    Option<i64>,
);

impl Store {
    /// Loads the bundled gazetteer if the database does not hold this exact version of it.
    pub(crate) async fn load_geography(&self) -> Result<()> {
        let raw = include_str!("../../../data/geography.json");
        let checksum = format!("{:016x}", fnv1a(raw.as_bytes()));
        let stored: Option<String> =
            sqlx::query_scalar("SELECT checksum FROM reference_data WHERE name = 'geography'")
                .fetch_optional(&self.pool)
                .await?;
        if stored.as_deref() == Some(checksum.as_str()) {
            return Ok(());
        }
        let gazetteer =
            Gazetteer::bundled().map_err(|e| StoreError::ReferenceData(e.to_string()))?;
        let rows = place_rows(&gazetteer);
        let (rows, checksum) = (&rows, &checksum);
        self.write(|tx, _| {
            Box::pin(async move {
                // Parents come before children in `rows`, so foreign keys hold at every insert.
                for chunk in rows.chunks(400) {
                    let mut sql = format!(
                        "INSERT INTO place ({PLACE_COLUMNS}, search_en, search_fold) VALUES "
                    );
                    for i in 0..chunk.len() {
                        let b = i * 10;
                        if i > 0 {
                            sql.push(',');
                        }
                        sql.push_str(&format!(
                            "(${},${},${},${},${},${},${},${},${},${})",
                            b + 1,
                            b + 2,
                            b + 3,
                            b + 4,
                            b + 5,
                            b + 6,
                            b + 7,
                            b + 8,
                            b + 9,
                            b + 10
                        ));
                    }
                    sql.push_str(
                        " ON CONFLICT (code) DO UPDATE SET level = excluded.level, \
                 parent_code = excluded.parent_code, name_en = excluded.name_en, \
                 name_ne = excluded.name_ne, ll_type = excluded.ll_type, \
                 ward_count = excluded.ward_count, ward_number = excluded.ward_number, \
                 search_en = excluded.search_en, search_fold = excluded.search_fold",
                    );
                    let mut q = sqlx::query(&sql);
                    for r in chunk {
                        let en = r.3.clone().unwrap_or_default();
                        let ne = r.4.clone().unwrap_or_default();
                        let fold = format!("{} {}", search_fold(&en), search_fold(&ne));
                        q = q
                            .bind(r.0.clone())
                            .bind(r.1)
                            .bind(r.2.clone())
                            .bind(r.3.clone())
                            .bind(r.4.clone())
                            .bind(r.5)
                            .bind(r.6)
                            .bind(r.7)
                            .bind(en.to_lowercase())
                            .bind(fold);
                    }
                    q.execute(&mut **tx).await?;
                }
                sqlx::query(
                    "INSERT INTO reference_data (name, checksum) VALUES ('geography', $1) \
             ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum",
                )
                .bind(checksum.clone())
                .execute(&mut **tx)
                .await?;
                Ok(())
            })
        })
        .await?;
        tracing::info!(places = rows.len(), "loaded Nepal's geography");
        Ok(())
    }

    /// One place by code.
    pub async fn place(&self, code: PlaceCode) -> Result<Option<Place>> {
        let row = sqlx::query(&format!(
            "SELECT {PLACE_COLUMNS} FROM place WHERE code = $1"
        ))
        .bind(code.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| place_from_row(&r)).transpose()
    }

    /// Every place (about 7,600 rows: provinces, districts, local levels, wards), for the
    /// web layer's index of names.
    pub async fn all_places(&self) -> Result<Vec<Place>> {
        let rows = sqlx::query(&format!("SELECT {PLACE_COLUMNS} FROM place"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(place_from_row).collect()
    }

    /// The places with these codes (unknown codes are left out), in code order. One query,
    /// for breadcrumbs and "Banke, Lumbini Province" lines.
    pub async fn places(&self, codes: &[PlaceCode]) -> Result<Vec<Place>> {
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=codes.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {PLACE_COLUMNS} FROM place WHERE code IN ({}) ORDER BY {LEVEL_ORDER}, code",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for c in codes {
            q = q.bind(c.to_string());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(place_from_row).collect()
    }

    /// The places one level below `code`, in code order.
    pub async fn children(&self, code: PlaceCode) -> Result<Vec<Place>> {
        let rows = sqlx::query(&format!(
            "SELECT {PLACE_COLUMNS} FROM place WHERE parent_code = $1 ORDER BY code"
        ))
        .bind(code.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(place_from_row).collect()
    }

    /// Every place of one level, optionally only those inside `within`, in code order.
    pub async fn places_at_level(
        &self,
        level: PlaceLevel,
        within: Option<PlaceCode>,
    ) -> Result<Vec<Place>> {
        let within = within.filter(|w| *w != PlaceCode::Country);
        let rows = sqlx::query(&format!(
            "SELECT {PLACE_COLUMNS} FROM place WHERE level = $1 \
             AND ($2 IS NULL OR code LIKE $2 || '%') ORDER BY code"
        ))
        .bind(level.as_str())
        .bind(within.map(|w| w.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(place_from_row).collect()
    }

    /// Places whose name contains `query`, typed in English or Nepali, loose about spelling.
    /// Exact substring matches come first, then larger places before smaller ones.
    pub async fn search_places(&self, query: &str, limit: i64) -> Result<Vec<Place>> {
        let q = escape_like(query.trim());
        let q = q.trim();
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let fold = search_fold(q);
        let fold = if fold.chars().count() >= 3 {
            Some(fold)
        } else {
            None
        };
        let rows = sqlx::query(&format!(
            "SELECT {PLACE_COLUMNS}, \
               CASE WHEN search_en LIKE '%' || $1 || '%' OR name_ne LIKE '%' || $2 || '%' \
                    THEN 0 ELSE 1 END AS rank \
             FROM place \
             WHERE level <> 'ward' AND (search_en LIKE '%' || $1 || '%' \
                OR name_ne LIKE '%' || $2 || '%' \
                OR ($3 IS NOT NULL AND search_fold LIKE '%' || $3 || '%')) \
             ORDER BY rank, {LEVEL_ORDER}, code LIMIT $4"
        ))
        .bind(q.to_lowercase())
        .bind(q.to_string())
        .bind(fold)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(place_from_row).collect()
    }

    /// How many places of each level are stored.
    pub async fn place_counts(&self) -> Result<PlaceCounts> {
        let rows = sqlx::query("SELECT level, COUNT(*) AS n FROM place GROUP BY level")
            .fetch_all(&self.pool)
            .await?;
        let mut c = PlaceCounts::default();
        for r in rows {
            let level: String = r.try_get("level")?;
            let n: i64 = r.try_get("n")?;
            match level.as_str() {
                "province" => c.provinces = n,
                "district" => c.districts = n,
                "local-level" => c.local_levels = n,
                "ward" => c.wards = n,
                _ => {}
            }
        }
        Ok(c)
    }
}

/// `%` and `_` typed by a user are literal characters, not wildcards. LIKE has no escape
/// character by default in either engine, so they are removed rather than escaped.
fn escape_like(s: &str) -> String {
    s.chars().filter(|c| *c != '%' && *c != '_').collect()
}

fn place_from_row(r: &AnyRow) -> Result<Place> {
    let bad = |what: &str| StoreError::ReferenceData(format!("bad {what} in place table"));
    let code: String = r.try_get("code")?;
    let level: String = r.try_get("level")?;
    let parent: Option<String> = r.try_get("parent_code")?;
    let ll_type: Option<String> = r.try_get("ll_type")?;
    Ok(Place {
        code: code.parse().map_err(|_| bad("code"))?,
        level: PlaceLevel::parse(&level).ok_or_else(|| bad("level"))?,
        parent: parent
            .map(|p| p.parse())
            .transpose()
            .map_err(|_| bad("parent"))?,
        name_en: r.try_get("name_en")?,
        name_ne: r.try_get("name_ne")?,
        local_level_type: ll_type.as_deref().and_then(LocalLevelType::parse),
        ward_count: r.try_get("ward_count")?,
        ward_number: r.try_get("ward_number")?,
    })
}

/// Every place of the gazetteer as a row, parents before children.
fn place_rows(g: &Gazetteer) -> Vec<PlaceRow> {
    let mut rows: Vec<PlaceRow> = vec![(
        "NP".into(),
        "country",
        None,
        Some("Nepal".into()),
        Some("नेपाल".into()),
        None,
        None,
        None,
    )];
    for p in &g.provinces {
        rows.push((
            p.code.clone(),
            "province",
            Some("NP".into()),
            Some(p.name_en.clone()),
            Some(p.name_ne.clone()),
            None,
            None,
            None,
        ));
    }
    for d in &g.districts {
        rows.push((
            d.code.clone(),
            "district",
            Some(d.province.clone()),
            Some(d.name_en.clone()),
            Some(d.name_ne.clone()),
            None,
            None,
            None,
        ));
    }
    for l in &g.local_levels {
        rows.push((
            l.code.clone(),
            "local-level",
            Some(l.district.clone()),
            Some(l.name_en.clone()),
            Some(l.name_ne.clone()),
            Some(l.kind.as_str()),
            Some(i64::from(l.wards)),
            None,
        ));
    }
    for l in &g.local_levels {
        for w in 1..=l.wards {
            rows.push((
                format!("{}{:02}", l.code, w),
                "ward",
                Some(l.code.clone()),
                None,
                None,
                None,
                None,
                Some(i64::from(w)),
            ));
        }
    }
    rows
}

/// FNV-1a, to notice that the bundled data changed (not a security function).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
