//! Devanagari → Latin, the way Nepali names are usually romanised.
//!
//! The output is not a scholarly transliteration: it is the spelling a booth worker would
//! most likely type (व → b, श/ष → sh, क्ष → ksh, a word-final inherent vowel dropped
//! except after a conjunct: राम → ram, कृष्ण → krishna). Whatever remains different is
//! absorbed by the phonetic skeleton in [`crate::names`].

/// The Latin form of a Devanagari consonant (without its inherent vowel).
fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'क' => "k",
        'ख' => "kh",
        'ग' => "g",
        'घ' => "gh",
        'ङ' => "ng",
        'च' => "ch",
        'छ' => "chh",
        'ज' => "j",
        'झ' => "jh",
        'ञ' => "n",
        'ट' => "t",
        'ठ' => "th",
        'ड' => "d",
        'ढ' => "dh",
        'ण' => "n",
        'त' => "t",
        'थ' => "th",
        'द' => "d",
        'ध' => "dh",
        'न' => "n",
        'प' => "p",
        'फ' => "ph",
        'ब' => "b",
        'भ' => "bh",
        'म' => "m",
        'य' => "y",
        'र' => "r",
        'ल' => "l",
        'व' => "b",
        'श' => "sh",
        'ष' => "sh",
        'स' => "s",
        'ह' => "h",
        _ => return None,
    })
}

/// The Latin form of an independent vowel or a vowel sign (matra).
fn vowel(c: char) -> Option<&'static str> {
    Some(match c {
        'अ' => "a",
        'आ' | 'ा' => "aa",
        'इ' | 'ि' => "i",
        'ई' | 'ी' => "ee",
        'उ' | 'ु' => "u",
        'ऊ' | 'ू' => "oo",
        'ऋ' | 'ृ' => "ri",
        'ए' | 'े' => "e",
        'ऐ' | 'ै' => "ai",
        'ओ' | 'ो' => "o",
        'औ' | 'ौ' => "au",
        _ => return None,
    })
}

/// Family names written as initials, whose Devanagari letters are the letters' names.
const ABBREVIATIONS: [(&str, &str); 4] = [
    ("वि.क.", "B.K."),
    ("वि. क.", "B.K."),
    ("बि.क.", "B.K."),
    ("के.सी.", "K.C."),
];

const VIRAMA: char = '्';
const NUKTA: char = '़';

/// Whether `c` is a vowel sign that attaches to the preceding consonant.
fn is_matra(c: char) -> bool {
    matches!(c, 'ा' | 'ि' | 'ी' | 'ु' | 'ू' | 'ृ' | 'े' | 'ै' | 'ो' | 'ौ')
}

/// The value of a Devanagari digit (० to ९).
pub fn digit(c: char) -> Option<u8> {
    ('०'..='९')
        .contains(&c)
        .then(|| (c as u32 - '०' as u32) as u8)
}

/// Whether the text holds any Devanagari letter.
pub fn has_devanagari(s: &str) -> bool {
    s.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c))
}

/// Transliterates Devanagari letters and digits; other characters pass through unchanged.
pub fn to_latin(s: &str) -> String {
    let mut s = s.to_owned();
    for (abbreviation, latin) in ABBREVIATIONS {
        s = s.replace(abbreviation, latin);
    }
    let chars: Vec<char> = s.chars().filter(|&c| c != NUKTA).collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == 'क' && chars.get(i + 1) == Some(&VIRAMA) && chars.get(i + 2) == Some(&'ष') {
            out.push_str("ksh");
            i += 3;
            i += inherent_vowel(&chars, i, true, &mut out);
            continue;
        }
        if let Some(latin) = consonant(c) {
            out.push_str(latin);
            i += 1;
            let in_conjunct = i >= 3 && chars.get(i - 2) == Some(&VIRAMA);
            i += inherent_vowel(&chars, i, in_conjunct, &mut out);
            continue;
        }
        if let Some(latin) = vowel(c) {
            out.push_str(latin);
        } else if let Some(d) = digit(c) {
            out.push(char::from(b'0' + d));
        } else {
            match c {
                'ं' => out.push('n'),
                'ः' => out.push('h'),
                'ँ' | VIRAMA | '।' => {}
                _ => out.push(c),
            }
        }
        i += 1;
    }
    out
}

/// After a consonant at `chars[i-1]`: writes its vowel (a matra, nothing before a virama, or the
/// inherent `a`, which is dropped at the end of a word unless the word ends in a conjunct).
/// Returns how many characters were consumed.
fn inherent_vowel(chars: &[char], i: usize, in_conjunct: bool, out: &mut String) -> usize {
    match chars.get(i) {
        Some(&VIRAMA) => 1,
        Some(&m) if is_matra(m) => {
            if let Some(latin) = vowel(m) {
                out.push_str(latin);
            }
            1
        }
        next => {
            let word_end = next.is_none_or(|c| !('\u{0900}'..='\u{097F}').contains(c) || *c == '।');
            let before_mark = matches!(next, Some('ं' | 'ँ' | 'ः'));
            if !word_end || in_conjunct || before_mark {
                out.push('a');
            }
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_out_as_they_are_usually_typed() {
        for (deva, latin) in [
            ("सीता", "seetaa"),
            ("राम", "raam"),
            ("कृष्ण", "krishna"),
            ("श्रेष्ठ", "shreshtha"),
            ("लक्ष्मी", "lakshmee"),
            ("तामाङ", "taamaang"),
            ("संगीता", "sangeetaa"),
            ("विकास", "bikaas"),
            ("चन्द्र", "chandra"),
            ("अञ्जली", "anjalee"),
            ("सीता कुमारी", "seetaa kumaaree"),
            ("९८४१२३", "984123"),
        ] {
            assert_eq!(to_latin(deva), latin, "{deva}");
        }
    }

    #[test]
    fn latin_text_passes_through() {
        assert_eq!(to_latin("Sita K.C."), "Sita K.C.");
        assert!(!has_devanagari("Sita"));
        assert!(has_devanagari("सीता"));
    }
}
