//! Password policy: 10 to 256 characters, and not a common password (the bundled list of
//! the 30,000 most common, `data/common-passwords.txt`) nor one with a few characters added.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 10;

/// Longest password accepted, in characters: room for any passphrase, and a bound on the work
/// of hashing what an anonymous visitor sends.
pub const MAX_LENGTH: usize = 256;

const LIST: &str = include_str!("../../../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        LIST.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    })
}

/// Checks a new password; the error is a Fluent message id.
pub fn check(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < MIN_LENGTH {
        return Err("error-password-short");
    }
    if password.chars().count() > MAX_LENGTH {
        return Err("error-password-long");
    }
    let lower = password.to_lowercase();
    let set = common();
    if set.contains(lower.as_str()) {
        return Err("error-password-common");
    }
    // "password2024!", "Qwerty123456": a common word with up to 4 digits or symbols added.
    let core = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let added = lower.chars().count() - core.chars().count();
    if core.chars().count() >= 4 && added <= 4 && set.contains(core) {
        return Err("error-password-common");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passwords_are_refused() {
        assert_eq!(check("short"), Err("error-password-short"));
        assert_eq!(check("1234567890"), Err("error-password-common"));
        assert_eq!(check("Password1234"), Err("error-password-common"));
        assert_eq!(check("football!!"), Err("error-password-common"));
        assert!(check("jamunaha-booth-river-7").is_ok());
        assert!(check("सेतु पुल नदी माथि").is_ok());
        assert!(common().len() > 29_000);
    }
}
