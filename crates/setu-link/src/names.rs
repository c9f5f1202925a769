//! Names as different hands write them: cleaning, a phonetic skeleton that absorbs
//! romanisation variants, honorifics, birth-order nicknames and surname aliases.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::deva;

/// Lower-case Latin words: Devanagari transliterated, punctuation and digits dropped, spaces
/// collapsed. Initials written apart ("B. K.", "K.C.") are joined into one word ("bk", "kc").
pub fn clean(raw: &str) -> Vec<String> {
    let latin = if deva::has_devanagari(raw) {
        deva::to_latin(raw)
    } else {
        raw.to_owned()
    };
    let mut words: Vec<String> = Vec::new();
    let mut initials = String::new();
    for piece in latin.split(|c: char| !c.is_ascii_alphabetic() && c != '.') {
        for word in piece.split('.').filter(|w| !w.is_empty()) {
            let word = word.to_ascii_lowercase();
            let dotted = piece.contains('.') && word.len() == 1;
            if dotted || (word.len() == 1 && !initials.is_empty()) {
                initials.push_str(&word);
                continue;
            }
            if !initials.is_empty() {
                words.push(std::mem::take(&mut initials));
            }
            words.push(word);
        }
    }
    if !initials.is_empty() {
        words.push(initials);
    }
    words
}

/// The phonetic skeleton of one cleaned word: the spelling differences that Nepali
/// romanisation allows are folded away (sh/s, v/w/b, aa/a, ee/i, oo/u, ph/f, th/t, dh/d,
/// ksh/chh/ch/x, an aspirate h after a consonant, a leading y before e, doubled letters).
pub fn skeleton(word: &str) -> String {
    let b = word.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let (sound, used): (&[u8], usize) = if rest.starts_with(b"ksh") {
            (b"c", 3)
        } else if rest.starts_with(b"ch") || rest.starts_with(b"x") {
            (b"c", if rest.starts_with(b"ch") { 2 } else { 1 })
        } else if rest.starts_with(b"ph") || rest.starts_with(b"f") {
            (b"f", if rest.starts_with(b"ph") { 2 } else { 1 })
        } else if rest.starts_with(b"aa") {
            (b"a", 2)
        } else if rest.starts_with(b"ee") || rest.starts_with(b"ii") {
            (b"i", 2)
        } else if rest.starts_with(b"oo") || rest.starts_with(b"uu") {
            (b"u", 2)
        } else if rest.starts_with(b"ou") {
            (b"au", 2)
        } else if i == 0 && rest.starts_with(b"ye") {
            (b"e", 2)
        } else {
            match rest[0] {
                b'v' | b'w' => (b"b", 1),
                b'q' => (b"k", 1),
                b'z' => (b"j", 1),
                b'h' if out.last().is_some_and(|c| !b"aeiou".contains(c)) => (b"", 1),
                _ => (&rest[..1], 1),
            }
        };
        for &c in sound {
            if out.last() != Some(&c) {
                out.push(c);
            }
        }
        i += used;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn skeleton_set(words: &[&str]) -> HashMap<String, usize> {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| (skeleton(w), i))
        .collect()
}

/// Words that stand between given and family name and say little about who someone is.
const HONORIFICS: [&str; 11] = [
    "kumari", "maya", "devi", "bahadur", "prasad", "kumar", "raj", "lal", "nath", "kala", "bdr",
];

/// Birth-order and household nicknames used instead of a given name.
const NICKNAMES: [&str; 27] = [
    "kanchhi", "kanchi", "maili", "saili", "jethi", "kaili", "thuli", "sani", "nani", "kanchha",
    "kancha", "maila", "saila", "jetha", "kaila", "thulo", "sano", "babu", "munni", "guddi",
    "baby", "chhoti", "chhotu", "pappu", "munna", "bablu", "rani",
];

/// Family names that are written for one another. A name may sit in several sets
/// (Nepali is used by Damai, Pariyar and Sarki families alike).
const SURNAME_ALIASES: [&[&str]; 14] = [
    &["tamang", "lama", "moktan", "ghising", "yonjan"],
    &[
        "bk",
        "bishwokarma",
        "biswakarma",
        "bishwakarma",
        "kami",
        "sunar",
    ],
    &["damai", "pariyar", "nepali"],
    &["sarki", "nepali"],
    &["chaudhary", "chaudhari", "tharu"],
    &["magar", "thapa"],
    &["magar", "rana"],
    &["tharu", "rana"],
    &["kc", "khatri", "khatrichhetri"],
    &["subba", "limbu", "nembang"],
    &["rai", "chamling", "bantawa", "kulung", "thulung", "sampang"],
    &["gurung", "ghale"],
    &["sah", "shah", "sha"],
    &["miya", "miyan"],
];

fn honorifics() -> &'static HashMap<String, usize> {
    static SET: OnceLock<HashMap<String, usize>> = OnceLock::new();
    SET.get_or_init(|| skeleton_set(&HONORIFICS))
}

fn nicknames() -> &'static HashMap<String, usize> {
    static SET: OnceLock<HashMap<String, usize>> = OnceLock::new();
    SET.get_or_init(|| skeleton_set(&NICKNAMES))
}

fn alias_sets() -> &'static HashMap<String, u32> {
    static SETS: OnceLock<HashMap<String, u32>> = OnceLock::new();
    SETS.get_or_init(|| {
        let mut map: HashMap<String, u32> = HashMap::new();
        for (i, set) in SURNAME_ALIASES.iter().enumerate() {
            for name in set.iter() {
                *map.entry(skeleton(name)).or_default() |= 1 << i;
            }
        }
        map
    })
}

/// Whether a skeleton is an honorific or middle name such as Kumari or Bahadur.
pub fn is_honorific(skel: &str) -> bool {
    honorifics().contains_key(skel)
}

/// Whether a skeleton is a birth-order or household nickname such as Kanchhi or Maila.
pub fn is_nickname(skel: &str) -> bool {
    nicknames().contains_key(skel)
}

/// The alias sets a family-name skeleton belongs to, as a bit mask (0: none).
pub fn alias_mask(skel: &str) -> u32 {
    alias_sets().get(skel).copied().unwrap_or(0)
}

/// A person's name reduced to what identifies them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameParts {
    /// Skeleton of the given name (the first word that is not an honorific).
    pub given: String,
    /// Skeleton of the family name, words joined without spaces.
    pub family: String,
    /// Skeletons of each word of the family name (for "Thapa Magar" against "Magar").
    pub family_words: Vec<String>,
    /// The given name is a birth-order nickname.
    pub nickname: bool,
}

/// Splits the given and family name fields into skeletons. Honorifics are set aside wherever
/// they were written, including glued to the given name ("Sitakumari"). The middle-name field
/// is not read: it nearly always holds an honorific, and one hand writes it where another
/// drops it.
pub fn parts(given: &str, family: &str) -> NameParts {
    let given_words: Vec<String> = clean(given).iter().map(|w| skeleton(w)).collect();
    let mut family_words: Vec<String> = clean(family)
        .iter()
        .map(|w| skeleton(w))
        .filter(|w| !w.is_empty())
        .collect();
    let first = given_words
        .iter()
        .find(|w| !is_honorific(w))
        .or(given_words.first())
        .cloned()
        .unwrap_or_default();
    let given = strip_glued_honorific(&first);
    if family_words.len() > 1 {
        family_words.retain(|w| !is_honorific(w));
    }
    let family = family_words.concat();
    NameParts {
        nickname: is_nickname(&given),
        given,
        family,
        family_words,
    }
}

/// "sitakumari" → "sita"; "dilmaya" → "dil". Short names are left alone.
fn strip_glued_honorific(word: &str) -> String {
    for h in honorifics().keys() {
        if word.len() >= h.len() + 3 && word.ends_with(h.as_str()) {
            return word[..word.len() - h.len()].to_owned();
        }
    }
    word.to_owned()
}

/// The first word of a parent's name that is not an honorific, as a skeleton.
pub fn first_name(raw: &str) -> String {
    let words: Vec<String> = clean(raw).iter().map(|w| skeleton(w)).collect();
    words
        .iter()
        .find(|w| !is_honorific(w))
        .or(words.first())
        .cloned()
        .unwrap_or_default()
}

/// Jaro–Winkler similarity of two ASCII words (1.0 identical, 0.0 nothing in common).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_hit = [false; 64];
    let mut b_hit = [false; 64];
    let (a, b) = (&a[..a.len().min(64)], &b[..b.len().min(64)]);
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_hit[j] && b[j] == ca {
                a_hit[i] = true;
                b_hit[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0;
    for (i, &ca) in a.iter().enumerate() {
        if !a_hit[i] {
            continue;
        }
        while !b_hit[j] {
            j += 1;
        }
        if ca != b[j] {
            transpositions += 1;
        }
        j += 1;
    }
    let m = matches as f64;
    let jaro =
        (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64 / 2.0) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// Whether two words differ by at most one edit (substitution, insertion, deletion or an
/// adjacent transposition): the shape of most typing slips.
pub fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let start = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if start == short.len() {
        return true;
    }
    if short.len() == long.len() {
        let tail_eq = short[start + 1..] == long[start + 1..];
        let swapped = start + 1 < short.len()
            && short[start] == long[start + 1]
            && short[start + 1] == long[start]
            && short[start + 2..] == long[start + 2..];
        tail_eq || swapped
    } else {
        short[start..] == long[start + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn romanisation_variants_share_a_skeleton() {
        for group in [
            &["Sita", "Seeta", "सीता", "SITA"][..],
            &["Laxmi", "Lakshmi", "Lachhmi", "लक्ष्मी"],
            &["Kabita", "Kavita", "Kawita", "कविता"],
            &["Bishnu", "Bisnu", "Vishnu", "विष्णु"],
            &["Shrestha", "Sresta", "Shresta", "श्रेष्ठ"],
            &["Kanchhi", "Kanchi"],
            &["Phulmaya", "Fulmaya"],
            &["Chhetri", "Kshetri", "Chettri"],
            &["Pooja", "Puja", "पूजा"],
            &["Elina", "Yelina"],
            &["Gurung", "गुरुङ"],
        ] {
            let skels: Vec<String> = group
                .iter()
                .map(|n| clean(n).iter().map(|w| skeleton(w)).collect())
                .collect();
            assert!(
                skels.windows(2).all(|w| w[0] == w[1]),
                "{group:?} → {skels:?}"
            );
        }
        assert_ne!(skeleton("sita"), skeleton("gita"));
        assert_ne!(skeleton("ram"), skeleton("rama"));
    }

    #[test]
    fn honorifics_nicknames_and_initials_are_recognised() {
        let p = parts("Sita Kumari", "Thapa");
        assert_eq!((p.given.as_str(), p.family.as_str()), ("sita", "tapa"));
        assert_eq!(parts("Sitakumari", "Thapa").given, "sita");
        assert_eq!(
            parts("Kumari", "Thapa").given,
            "kumari",
            "a lone honorific is the name"
        );
        assert!(parts("KANCHHI", "Tamang").nickname);
        assert_eq!(parts("Ram", "B.K.").family, "bk");
        assert_eq!(parts("Ram", "B. K.").family, "bk");
        assert_eq!(parts("Ram", "वि.क.").family, "bk");
        assert_eq!(first_name("Tek Bahadur Nepali"), "tek");
        assert_eq!(first_name("Bahadur"), "bahadur");
        assert_ne!(
            alias_mask(&skeleton("tamang")) & alias_mask(&skeleton("lama")),
            0
        );
        assert_ne!(alias_mask(&skeleton("bishwokarma")) & alias_mask("bk"), 0);
        assert_eq!(
            alias_mask(&skeleton("tamang")) & alias_mask(&skeleton("gurung")),
            0
        );
    }

    #[test]
    fn string_similarities() {
        assert!((jaro_winkler("martha", "marhta") - 0.961).abs() < 0.001);
        assert_eq!(jaro_winkler("", "a"), 0.0);
        assert!(one_edit_apart("sunita", "sunta"));
        assert!(one_edit_apart("sunita", "suntia"));
        assert!(one_edit_apart("sunita", "sunika"));
        assert!(!one_edit_apart("sunita", "anita"));
    }
}
