//! Blocking: which pairs are worth comparing at all.
//!
//! Each record gets several keys; two records become a candidate pair when they share any
//! key. Every key is built to survive one kind of damage the others do not: a swapped or
//! aliased name, a typo in the given name, a nickname, a missing phone, a wrong district.
//! Keys are text (skeletons joined), so the application can store them as keyed hashes and
//! never keep a readable name in an index.

use crate::record::{Interner, Prepared};

/// The blocking keys of one record, sorted and without repeats.
pub fn keys(p: &Prepared, words: &Interner) -> Vec<String> {
    let w = |s| words.word(s);
    let mut keys = Vec::new();
    let mut families: Vec<String> = Vec::new();
    if p.family != 0 {
        families.push(w(p.family).to_owned());
        families.extend(
            p.family_words
                .iter()
                .filter(|&&s| s != 0)
                .map(|&s| w(s).to_owned()),
        );
        families.extend(
            (0..32)
                .filter(|k| p.family_aliases & (1 << k) != 0)
                .map(|k| format!("~{k}")),
        );
    }
    let given = (p.given != 0).then(|| w(p.given));
    if let Some(g) = given {
        for f in &families {
            // Sorted, so a given and family name written the other way round meet.
            let (x, y) = if g <= f.as_str() {
                (g, f.as_str())
            } else {
                (f.as_str(), g)
            };
            keys.push(format!("n:{x}|{y}"));
        }
        if let Some(year) = p.birth_year {
            // Two overlapping three-year buckets: birth years one apart always share one.
            let district = w(p.district);
            keys.push(format!("b:{g}|{district}|{}", year.div_euclid(3)));
            keys.push(format!("b:{g}|{district}|{}", (year + 1).div_euclid(3)));
            // A slip in both names: their beginnings usually survive.
            if let (Some(g3), Some(f3)) = (g.get(..3), w(p.family).get(..3)) {
                for bucket in [year.div_euclid(3), (year + 1).div_euclid(3)] {
                    keys.push(format!("x:{g3}|{f3}|{district}|{bucket}"));
                }
            }
        }
        if p.father != 0 {
            keys.push(format!("gf:{g}|{}", w(p.father)));
        }
        if p.municipality != 0 {
            keys.push(format!("gm:{g}|{}|{}", w(p.district), w(p.municipality)));
        }
    }
    for f in &families {
        if p.father != 0 {
            keys.push(format!("ff:{f}|{}", w(p.father)));
        }
        if p.municipality != 0 {
            keys.push(format!("fm:{f}|{}|{}", w(p.district), w(p.municipality)));
        }
    }
    if p.phone != 0 {
        let digits = p.phone.to_string();
        keys.push(format!("p:{digits}"));
        // One digit wrong, missing, added or two swapped: the number with each digit in turn
        // left out (two numbers one such slip apart share one of these).
        for i in 2..digits.len() {
            keys.push(format!("p-:{}{}", &digits[..i], &digits[i + 1..]));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// A 64-bit fingerprint of a key, for the in-memory index (FNV-1a: fast and the same on
/// every run, so results never depend on hash order).
pub fn fingerprint(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    #[test]
    fn swapped_and_aliased_names_share_a_key() {
        let mut words = Interner::new();
        let mut key_set = |given: &str, family: &str, phone: &str| {
            let r = Record {
                given_name: given.into(),
                family_name: family.into(),
                phone: phone.into(),
                ..Record::default()
            };
            let p = Prepared::new(&r, &mut words);
            keys(&p, &words)
        };
        let a = key_set("Sita", "Tamang", "9841234567");
        let shares = |b: &[String]| a.iter().any(|k| b.contains(k));
        assert!(shares(&key_set("Tamang", "Sita", "")));
        assert!(shares(&key_set("Seeta", "Lama", "")));
        assert!(
            shares(&key_set("Mina", "Gurung", "9841234568")),
            "one digit off"
        );
        assert!(!shares(&key_set("Mina", "Gurung", "9800000000")));
        assert!(
            a.iter().all(|k| !k.contains("Sita")),
            "keys hold skeletons, not the name as typed"
        );
    }
}
