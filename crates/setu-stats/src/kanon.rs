//! k-anonymity for case records shared outside Setu (issue 17, point 8), as the Counter
//! Trafficking Data Collaborative publishes its global data set: every combination of the
//! quasi-identifiers (what a neighbour could know: sex, age band, year, destination country)
//! is shared by at least k records (k = 11), so no record stands out.
//!
//! The values are generalised before they arrive here (age to a band, a day to its year).
//! Records in combinations rarer than k then lose their quasi-identifiers one at a time, in the
//! order given (the least useful first), each suppressed value joining every other missing one;
//! a record still alone after losing them all is left out. Records in common combinations keep
//! every value: suppression touches only the records at risk.

/// The k the data collaborative uses.
pub const K: usize = 11;

/// One record's quasi-identifiers (`None`: unknown or suppressed).
pub type Key = Vec<Option<String>>;

/// What k-anonymising did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Whether each record is kept.
    pub kept: Vec<bool>,
    /// Values suppressed, per quasi-identifier.
    pub suppressed: Vec<usize>,
    /// Records left out.
    pub dropped: usize,
}

fn class_sizes(keys: &[Key], kept: &[bool]) -> std::collections::HashMap<Key, usize> {
    let mut sizes = std::collections::HashMap::new();
    for (key, _) in keys.iter().zip(kept).filter(|(_, k)| **k) {
        *sizes.entry(key.clone()).or_insert(0) += 1;
    }
    sizes
}

/// Makes `keys` k-anonymous in place (see the module's notes).
pub fn anonymise(keys: &mut [Key], k: usize) -> Outcome {
    let width = keys.first().map_or(0, Vec::len);
    let mut out = Outcome {
        kept: vec![true; keys.len()],
        suppressed: vec![0; width],
        dropped: 0,
    };
    for column in 0..=width {
        let sizes = class_sizes(keys, &out.kept);
        let rare: Vec<usize> = (0..keys.len())
            .filter(|i| out.kept[*i] && sizes.get(&keys[*i]).copied().unwrap_or(0) < k)
            .collect();
        if rare.is_empty() {
            break;
        }
        for i in rare {
            if column == width {
                out.kept[i] = false;
                out.dropped += 1;
            } else if keys[i][column].take().is_some() {
                out.suppressed[column] += 1;
            }
        }
    }
    out
}

/// Whether every combination of the kept records' keys is shared by at least `k` of them.
pub fn is_k_anonymous(keys: &[Key], kept: &[bool], k: usize) -> bool {
    class_sizes(keys, kept).values().all(|n| *n >= k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn key(values: &[&str]) -> Key {
        values
            .iter()
            .map(|v| (!v.is_empty()).then(|| v.to_string()))
            .collect()
    }

    #[test]
    fn common_records_keep_everything_and_rare_ones_lose_the_least_useful_first() {
        let mut keys: Vec<Key> = (0..12)
            .map(|_| key(&["IN", "18-20", "F", "2081"]))
            .collect();
        keys.extend((0..10).map(|_| key(&["MY", "18-20", "F", "2081"])));
        keys.push(key(&["QA", "18-20", "F", "2081"]));
        keys.push(key(&["IN", "48+", "M", "2079"]));
        let out = anonymise(&mut keys, K);
        assert!(is_k_anonymous(&keys, &out.kept, K));
        assert_eq!(
            keys[0],
            key(&["IN", "18-20", "F", "2081"]),
            "common: untouched"
        );
        // The ten to Malaysia and the one to Qatar lose their destination and become 11.
        assert_eq!(keys[12], key(&["", "18-20", "F", "2081"]));
        assert_eq!(keys[22], key(&["", "18-20", "F", "2081"]));
        // The one man of 48 stays unlike anyone whatever he loses: left out.
        assert_eq!((out.dropped, out.kept[23]), (1, false));
        assert_eq!(out.suppressed[0], 12);
    }

    #[test]
    fn random_case_sets_come_out_k_anonymous() {
        let mut rng = Rng::new(17);
        let pick = |rng: &mut Rng, options: &[&str]| {
            let i = (rng.uniform() * options.len() as f64) as usize;
            options[i.min(options.len() - 1)].to_string()
        };
        for round in 0..20 {
            let n = 50 + round * 40;
            let mut keys: Vec<Key> = (0..n)
                .map(|_| {
                    vec![
                        Some(pick(&mut rng, &["IN", "IN", "IN", "MY", "QA", "SA", "CN"])),
                        Some(pick(
                            &mut rng,
                            &["9-17", "18-20", "21-23", "24-26", "27-29", "30-38"],
                        )),
                        Some(pick(&mut rng, &["F", "F", "F", "M", "X"])),
                        Some(pick(&mut rng, &["2079", "2080", "2081"])),
                    ]
                })
                .collect();
            let out = anonymise(&mut keys, K);
            assert!(is_k_anonymous(&keys, &out.kept, K), "round {round}");
            assert!(
                out.dropped < K,
                "at most one class of fewer than k is left out"
            );
            let kept = out.kept.iter().filter(|k| **k).count();
            assert_eq!(kept + out.dropped, n);
        }
    }
}
