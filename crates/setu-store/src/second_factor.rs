//! A second factor for sign-in: time-based one-time codes (TOTP, RFC 6238: HMAC-SHA1, 30 s
//! steps, 6 digits), which any authenticator app computes from a shared secret, and ten
//! single-use recovery codes for a lost phone. The secret is sealed like any identifying field;
//! recovery codes are kept only as SHA-256 hashes. A deployment can require it of every role
//! that reads personal data (`AuthPolicy::require_second_factor`). Own passwords are changed
//! here too, with the current one.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sqlx::Row;

use crate::audit::{append, Event};
use crate::auth::{hash_secret, verify_password, User};
use crate::rekey::next_version;
use crate::{now_text, Result, Store, StoreError};

/// Seconds per code.
const STEP: u64 = 30;
/// Codes one step either side are accepted (a phone's clock a little off).
const SKEW: i64 = 1;
/// Recovery codes made at once.
pub const RECOVERY_CODES: usize = 10;

/// The 6-digit code for `secret` at Unix time `unix` (RFC 6238 with SHA-1).
pub fn totp(secret: &[u8], unix: u64) -> String {
    hotp(secret, unix / STEP)
}

/// The code for a secret written in Base32 (as the account page shows it), at `unix`.
pub fn totp_base32(secret: &str, unix: u64) -> Option<String> {
    BASE32_NOPAD
        .decode(secret.trim().as_bytes())
        .ok()
        .map(|s| totp(&s, unix))
}

/// RFC 4226: the code for `counter`.
fn hotp(secret: &[u8], counter: u64) -> String {
    let Ok(mut mac) = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let code = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    format!("{:06}", code % 1_000_000)
}

/// Whether `code` (spaces allowed) is right for `secret` now, within one step either side.
pub fn totp_matches(secret: &[u8], code: &str, unix: u64) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 {
        return false;
    }
    (-SKEW..=SKEW).any(|d| {
        let t = unix.saturating_add_signed(d * STEP as i64);
        totp(secret, t) == code
    })
}

fn unix_now() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0)
}

/// A secret being set up: shown once as text and as an `otpauth://` address for the app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in Base32, as authenticator apps take it typed.
    pub secret: String,
    /// The address an app reads (the account page shows it as a QR code).
    pub uri: String,
}

impl Store {
    /// Changes one's own password, given the current one; every session and token of the
    /// account ends (the user signs in again).
    pub async fn change_own_password(&self, user: &User, current: &str, new: &str) -> Result<()> {
        self.check_own_password(user, current).await?;
        self.set_own_password(user, new).await
    }

    /// Refuses unless `current` is the user's password (before changing what guards the
    /// account: a borrowed session alone must not do it).
    async fn check_own_password(&self, user: &User, current: &str) -> Result<()> {
        let hash: String = sqlx::query_scalar("SELECT password_hash FROM app_user WHERE id = $1")
            .bind(user.id.clone())
            .fetch_one(&self.pool)
            .await?;
        if current.chars().count() > setu_core::password::MAX_LENGTH
            || !verify_password(current, &hash)
        {
            return Err(StoreError::Rejected("error-current-password"));
        }
        Ok(())
    }

    /// Whether the user has a confirmed second factor.
    pub async fn has_second_factor(&self, user_id: &str) -> Result<bool> {
        let at: Option<String> =
            sqlx::query_scalar("SELECT totp_enabled_at FROM app_user WHERE id = $1")
                .bind(user_id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .flatten();
        Ok(at.is_some())
    }

    /// Starts setting up a second factor, given the user's password: a new secret, kept
    /// sealed, not yet in force (a factor in force is off until the new one is confirmed).
    pub async fn start_second_factor(&self, user: &User, password: &str) -> Result<Enrolment> {
        self.check_own_password(user, password).await?;
        let mut raw = [0u8; 20];
        argon2::password_hash::rand_core::RngCore::fill_bytes(
            &mut argon2::password_hash::rand_core::OsRng,
            &mut raw,
        );
        let secret = BASE32_NOPAD.encode(&raw);
        let (id, secret_ref) = (&user.id, &secret);
        self.write(|tx, _| {
            Box::pin(async move {
                // A new version, so that an earlier secret written back does not open.
                let version = next_version(tx, &self.keys, "app_user", id, None)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let sealed = self
                    .keys
                    .seal("app_user", "totp_secret", id, version, secret_ref)?;
                sqlx::query(
                    "UPDATE app_user SET totp_secret = $1, totp_enabled_at = NULL WHERE id = $2",
                )
                .bind(sealed.clone())
                .bind(id.clone())
                .execute(&mut **tx)
                .await?;
                sqlx::query("DELETE FROM recovery_code WHERE user_id = $1")
                    .bind(id.clone())
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            })
        })
        .await?;
        let uri = format!(
            "otpauth://totp/Setu:{}?secret={secret}&issuer=Setu&digits=6&period=30",
            user.username
        );
        Ok(Enrolment { secret, uri })
    }

    /// Confirms the second factor with a code from the app; puts it in force and returns the
    /// recovery codes (shown once).
    pub async fn confirm_second_factor(&self, user: &User, code: &str) -> Result<Vec<String>> {
        let secret = self
            .totp_secret(&user.id)
            .await?
            .ok_or(StoreError::Rejected("error-totp-not-started"))?;
        if !totp_matches(&secret, code, unix_now()) {
            return Err(StoreError::Rejected("error-totp-code"));
        }
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| {
                let mut raw = [0u8; 5];
                argon2::password_hash::rand_core::RngCore::fill_bytes(
                    &mut argon2::password_hash::rand_core::OsRng,
                    &mut raw,
                );
                let text = BASE32_NOPAD.encode(&raw).to_lowercase();
                format!("{}-{}", &text[..4], &text[4..])
            })
            .collect();
        let (id, codes_ref) = (&user.id, &codes);
        let actor = user.actor();
        let actor = &actor;
        self.write(|tx, _| {
            Box::pin(async move {
                sqlx::query("UPDATE app_user SET totp_enabled_at = $1 WHERE id = $2")
                    .bind(now_text())
                    .bind(id.clone())
                    .execute(&mut **tx)
                    .await?;
                for c in codes_ref {
                    sqlx::query("INSERT INTO recovery_code (user_id, code_hash) VALUES ($1, $2)")
                        .bind(id.clone())
                        .bind(hash_secret(c))
                        .execute(&mut **tx)
                        .await?;
                }
                append(
                    tx,
                    actor,
                    &Event::new("second-factor-on", "user", id).fields(&["totp_secret"]),
                );
                Ok(())
            })
        })
        .await?;
        Ok(codes)
    }

    /// Whether `code` is the user's current one-time code, or one of their unused recovery
    /// codes (which is then used up).
    pub async fn check_second_factor(&self, user_id: &str, code: &str) -> Result<bool> {
        if code.chars().count() > 40 {
            return Ok(false);
        }
        if let Some(secret) = self.totp_secret(user_id).await? {
            if totp_matches(&secret, code, unix_now()) {
                return Ok(true);
            }
        }
        let hashed = hash_secret(code.trim().to_lowercase().as_str());
        let (id, hashed) = (user_id, &hashed);
        self.write(|tx, _| {
            Box::pin(async move {
                let used = sqlx::query(
                    "UPDATE recovery_code SET used_at = $1 \
                     WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
                )
                .bind(now_text())
                .bind(id.to_string())
                .bind(hashed.clone())
                .execute(&mut **tx)
                .await?;
                Ok(used.rows_affected() == 1)
            })
        })
        .await
    }

    /// The user's secret, opened (in force or being set up).
    async fn totp_secret(&self, user_id: &str) -> Result<Option<Vec<u8>>> {
        let Some(row) = sqlx::query("SELECT totp_secret, version FROM app_user WHERE id = $1")
            .bind(user_id.to_string())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let Some(sealed) = row.try_get::<Option<String>, _>("totp_secret")? else {
            return Ok(None);
        };
        let text = self.keys.open(
            "app_user",
            "totp_secret",
            user_id,
            row.try_get("version")?,
            &sealed,
        )?;
        Ok(BASE32_NOPAD.decode(text.as_bytes()).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_6238_test_vectors_give_their_codes() {
        // RFC 6238 appendix B, SHA-1, the last six of the eight digits.
        let secret = b"12345678901234567890";
        assert_eq!(totp(secret, 59), "287082");
        assert_eq!(totp(secret, 1_111_111_109), "081804");
        assert_eq!(totp(secret, 1_234_567_890), "005924");
        assert_eq!(totp(secret, 2_000_000_000), "279037");
        assert!(
            totp_matches(secret, "287 082", 59 + 30),
            "a step late is accepted"
        );
        assert!(!totp_matches(secret, "287082", 59 + 90));
        assert!(!totp_matches(secret, "28708", 59));
    }
}
