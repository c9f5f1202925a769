//! Field encryption at the storage boundary.
//!
//! Identifying fields are sealed with XChaCha20-Poly1305 before they reach SQL. The
//! associated data binds each value to its table, column, row id and the row's version, so a
//! sealed value copied into another row or column does not open, nor one written back into its
//! cell after the row changed (a correction quietly undone). Keys live in a key file (created on first start
//! with mode 0600) or in `SETU_KEYS`, never in the database. A sealed value names the key it
//! was sealed with, so `setu rekey` can add a key and re-seal rows while servers keep running:
//! a server that meets a key id it does not know, or whose key file changed, reloads the file.
//! Exact look-ups (a phone number) use a keyed hash (blind index), never the plaintext. The
//! index key is derived for that purpose from a key the file names (`index ID`), never an
//! encryption key itself, and rotates on its own (`setu rekey --index`): each hash names the key
//! it was made with, and look-ups try every index key the file has held.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why keys could not be loaded or a value could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key file could not be read, written or parsed.
    #[error("key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A sealed value names a key that is not in the key file.
    #[error("no key {0} in the key file")]
    UnknownKey(String),
    /// The keys do not open this database's data.
    #[error("these encryption keys are not the ones this database was written with (use the same key file, or SETU_KEYS, on every server)")]
    WrongKeys,
    /// A sealed value is damaged, or was moved to another row or column.
    #[error("a sealed value did not open (damaged or moved)")]
    Tampered,
}

/// One key.
#[derive(Clone)]
struct Key {
    id: String,
    bytes: [u8; 32],
}

#[derive(Clone, Default)]
struct Keys {
    keys: Vec<Key>,
    current: usize,
    /// Ids of the keys blind indexes were derived from, oldest first; the last is in use.
    /// Empty in a key file from before index keys: hashes are then keyed, unprefixed, with the
    /// first key itself, until `setu rekey --index`.
    index: Vec<String>,
    /// Whether only second-format values (bound to their row's version) open: set in new key
    /// files, and by `setu rekey` once it re-sealed an older database.
    second_format: bool,
    loaded_mtime: Option<SystemTime>,
}

/// The keys Setu seals and opens with.
pub struct Keyring {
    path: Option<PathBuf>,
    inner: RwLock<Keys>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Keyring")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

const HEADER: &str =
    "# Setu encryption keys. Keep this file secret, and back it up apart from the database:\n\
# without it the personal data in the database cannot be read.\n";

impl Keyring {
    /// Keys held only in memory (tests and the `--ephemeral-keys` development mode).
    pub fn ephemeral() -> Keyring {
        Keyring {
            path: None,
            inner: RwLock::new(Keys::fresh()),
        }
    }

    /// Keys from text in the key-file format (for `SETU_KEYS`).
    pub fn from_text(text: &str) -> Result<Keyring, CryptoError> {
        let keys = parse(text).map_err(|reason| CryptoError::KeyFile {
            path: "SETU_KEYS".into(),
            reason,
        })?;
        Ok(Keyring {
            path: None,
            inner: RwLock::new(keys),
        })
    }

    /// Loads the key file, creating it (mode 0600, one fresh key) if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Keyring, CryptoError> {
        if !path.exists() {
            create_file(path)?;
        }
        let ring = Keyring {
            path: Some(path.to_path_buf()),
            inner: RwLock::new(Keys::default()),
        };
        ring.reload()?;
        Ok(ring)
    }

    /// Re-reads the key file.
    pub fn reload(&self) -> Result<(), CryptoError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let fail = |reason: String| CryptoError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let mut keys = parse(&text).map_err(fail)?;
        keys.loaded_mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if let Ok(mut inner) = self.inner.write() {
            *inner = keys;
        }
        Ok(())
    }

    /// Adds a new key, makes it current, and saves the key file. Old keys stay, so values
    /// sealed with them still open (and backups stay readable).
    pub fn rotate(&self) -> Result<String, CryptoError> {
        self.reload()?;
        self.add_key(|keys, _| keys.current = keys.keys.len() - 1)
    }

    /// Adds a new key that blind indexes are derived from from now on, and saves the key file.
    /// Hashes made with earlier index keys still match in look-ups until they are recomputed
    /// ([`crate::Store::reindex_all`]).
    pub fn rotate_index(&self) -> Result<String, CryptoError> {
        self.reload()?;
        self.add_key(|keys, id| keys.index.push(id.to_string()))
    }

    /// Adds a fresh key, lets `apply` put it to use, and saves the key file.
    fn add_key(&self, apply: impl FnOnce(&mut Keys, &str)) -> Result<String, CryptoError> {
        let mut inner = self.inner.write().map_err(|_| CryptoError::Tampered)?;
        let next = (1..)
            .map(|n| format!("k{n}"))
            .find(|id| !inner.keys.iter().any(|k| &k.id == id))
            .unwrap_or_else(|| "k0".into());
        inner.keys.push(new_key(&next));
        apply(&mut inner, &next);
        if let Some(path) = &self.path {
            write_file(path, &inner)?;
            inner.loaded_mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        }
        Ok(next)
    }

    /// The id of the key new values are sealed with.
    pub fn current_id(&self) -> String {
        self.refresh_if_changed();
        self.inner
            .read()
            .ok()
            .and_then(|k| k.keys.get(k.current).map(|k| k.id.clone()))
            .unwrap_or_default()
    }

    /// Seals `plain` for `table`.`column` of row `row_id` at the row's `version` (0 for rows
    /// that are never changed). A value written back into its cell after the row moved on
    /// does not open.
    pub fn seal(
        &self,
        table: &str,
        column: &str,
        row_id: &str,
        version: i64,
        plain: &str,
    ) -> Result<String, CryptoError> {
        self.seal_bytes(table, column, row_id, version, plain.as_bytes())
    }

    /// Seals bytes (a photo, a document) as [`Keyring::seal`] seals text: the sealed form is
    /// text either way, so one column type and one re-keying serve both.
    pub fn seal_bytes(
        &self,
        table: &str,
        column: &str,
        row_id: &str,
        version: i64,
        plain: &[u8],
    ) -> Result<String, CryptoError> {
        self.refresh_if_changed();
        let inner = self.inner.read().map_err(|_| CryptoError::Tampered)?;
        let key = inner
            .keys
            .get(inner.current)
            .ok_or_else(|| CryptoError::UnknownKey("current".into()))?;
        let cipher = XChaCha20Poly1305::new((&key.bytes).into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = aad(table, column, row_id, Some(version));
        let ct = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Tampered)?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        Ok(format!("s2.{}.{}", key.id, B64.encode(blob)))
    }

    /// Opens a value sealed for `table`.`column` of row `row_id` at `version`. A value in the
    /// first format (no version bound) opens only while the key file allows it (until
    /// `setu rekey` has re-sealed everything).
    pub fn open(
        &self,
        table: &str,
        column: &str,
        row_id: &str,
        version: i64,
        sealed: &str,
    ) -> Result<String, CryptoError> {
        let plain = self.open_bytes(table, column, row_id, version, sealed)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Tampered)
    }

    /// Opens what [`Keyring::seal_bytes`] (or [`Keyring::seal`]) sealed, as bytes.
    pub fn open_bytes(
        &self,
        table: &str,
        column: &str,
        row_id: &str,
        version: i64,
        sealed: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(format), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Tampered);
        };
        let aad = match format {
            "s2" => aad(table, column, row_id, Some(version)),
            "s1" if self.opens_first_format() => aad(table, column, row_id, None),
            _ => return Err(CryptoError::Tampered),
        };
        let key = match self.key(key_id) {
            Some(k) => k,
            None => {
                // Another process may have rotated keys since this one loaded them.
                self.reload()?;
                self.key(key_id)
                    .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))?
            }
        };
        let blob = B64.decode(body).map_err(|_| CryptoError::Tampered)?;
        if blob.len() < 24 {
            return Err(CryptoError::Tampered);
        }
        let (nonce, ct) = blob.split_at(24);
        let cipher = XChaCha20Poly1305::new((&key.bytes).into());
        let plain = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Tampered)?;
        Ok(plain)
    }

    /// Whether values in the first format (sealed without the row's version) still open: in a
    /// key file from before the second format, until `setu rekey` re-sealed them all.
    fn opens_first_format(&self) -> bool {
        self.inner.read().map(|k| !k.second_format).unwrap_or(false)
    }

    /// Records in the key file that every value is now in the second format, so values in the
    /// first (which an intruder could write back) no longer open. `setu rekey` calls it once
    /// it has re-sealed everything.
    pub fn require_second_format(&self) -> Result<(), CryptoError> {
        self.reload()?;
        let mut inner = self.inner.write().map_err(|_| CryptoError::Tampered)?;
        if inner.second_format {
            return Ok(());
        }
        inner.second_format = true;
        if let Some(path) = &self.path {
            write_file(path, &inner)?;
            inner.loaded_mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        }
        Ok(())
    }

    /// Whether `sealed` is in the second format and sealed with the current key.
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed.strip_prefix("s2.").and_then(|r| r.split('.').next())
            == Some(self.current_id().as_str())
    }

    /// A keyed hash of `value` for exact look-ups (normalised by the caller), tied to the
    /// purpose so that the same phone number gives unrelated hashes in unrelated indexes: what
    /// is stored. It names its index key (`ID.HASH`) so that a later look-up knows it.
    pub fn blind_index(&self, purpose: &str, value: &str) -> String {
        self.refresh_if_changed();
        let Ok(inner) = self.inner.read() else {
            return String::new();
        };
        match inner
            .index
            .last()
            .and_then(|id| inner.keys.iter().find(|k| &k.id == id))
        {
            Some(k) => index_hash(k, purpose, value),
            None => legacy_index_hash(inner.keys.first(), purpose, value),
        }
    }

    /// The hashes `value` may be stored under: with the index key in use first, then with
    /// each earlier one (and the first key itself, as before index keys), for look-ups while
    /// `setu rekey --index` recomputes, and for hashes it does not recompute.
    pub fn blind_indexes(&self, purpose: &str, value: &str) -> Vec<String> {
        self.refresh_if_changed();
        let Ok(inner) = self.inner.read() else {
            return Vec::new();
        };
        let mut out: Vec<String> = inner
            .index
            .iter()
            .rev()
            .filter_map(|id| inner.keys.iter().find(|k| &k.id == id))
            .map(|k| index_hash(k, purpose, value))
            .collect();
        out.push(legacy_index_hash(inner.keys.first(), purpose, value));
        out
    }

    /// Whether `stored` was made with the index key in use.
    pub fn is_current_index(&self, stored: &str) -> bool {
        let id = self.inner.read().ok().and_then(|k| k.index.last().cloned());
        id.is_some_and(|id| stored.split_once('.').is_some_and(|(k, _)| k == id))
    }

    /// The audit trail's MAC of `message`, with a key derived from the current one for this
    /// purpose only: `ID.BASE64`, so a later check knows which key to derive again.
    pub fn audit_mac(&self, message: &str) -> String {
        self.refresh_if_changed();
        let key = self
            .inner
            .read()
            .ok()
            .and_then(|k| k.keys.get(k.current).cloned());
        match key {
            Some(k) => format!(
                "{}.{}",
                k.id,
                mac_b64(&derive(&k.bytes, AUDIT_MAC), message)
            ),
            None => String::new(),
        }
    }

    /// Whether `mac` (as [`Keyring::audit_mac`] wrote it) is the MAC of `message`.
    pub fn audit_mac_matches(&self, mac: &str, message: &str) -> bool {
        let Some((id, _)) = mac.split_once('.') else {
            return false;
        };
        let key = match self.key(id) {
            Some(k) => Some(k),
            None => self.reload().ok().and_then(|()| self.key(id)),
        };
        key.is_some_and(|k| {
            let expected = format!("{id}.{}", mac_b64(&derive(&k.bytes, AUDIT_MAC), message));
            // Both are public-length strings; compare without early exit.
            expected.len() == mac.len()
                && expected
                    .bytes()
                    .zip(mac.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
    }

    /// The key a booth phone's browser encrypts the user's offline queue with (AES-256-GCM,
    /// standard Base64). Derived from the first key, which never changes, so a queue written
    /// before `setu rekey` still opens after it; one key per user, so a queue left on a shared
    /// phone opens only in its own user's sessions.
    pub fn queue_key(&self, user_id: &str) -> String {
        let key = self.inner.read().ok().and_then(|k| k.keys.first().cloned());
        let bytes = key.map(|k| k.bytes).unwrap_or([0; 32]);
        let mut mac = hmac_with(&derive(&bytes, QUEUE_KEY));
        mac.update(user_id.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    /// The Ed25519 key that signs checkpoints of the audit trail, derived from key `id` (the
    /// current key when `None`), with that key's id.
    pub fn checkpoint_key(
        &self,
        id: Option<&str>,
    ) -> Result<(String, ed25519_dalek::SigningKey), CryptoError> {
        self.refresh_if_changed();
        let key = match id {
            Some(id) => match self.key(id) {
                Some(k) => k,
                None => {
                    self.reload()?;
                    self.key(id)
                        .ok_or_else(|| CryptoError::UnknownKey(id.to_string()))?
                }
            },
            None => self
                .inner
                .read()
                .ok()
                .and_then(|k| k.keys.get(k.current).cloned())
                .ok_or_else(|| CryptoError::UnknownKey("current".into()))?,
        };
        let seed = derive(&key.bytes, CHECKPOINT_KEY);
        Ok((key.id, ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    fn key(&self, id: &str) -> Option<Key> {
        self.inner
            .read()
            .ok()?
            .keys
            .iter()
            .find(|k| k.id == id)
            .cloned()
    }

    /// Reloads the file if another process (`setu rekey`) changed it.
    fn refresh_if_changed(&self) {
        let Some(path) = &self.path else { return };
        let on_disk = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let loaded = self.inner.read().ok().and_then(|k| k.loaded_mtime);
        if on_disk.is_some() && on_disk != loaded {
            if let Err(e) = self.reload() {
                tracing::error!(error = %e, "could not reload the key file");
            }
        }
    }
}

/// What blind indexes are keyed with, derived from an index key.
const BLIND_INDEX: &str = "setu/blind-index/v1";
/// What the audit trail's MACs are keyed with, derived from each encryption key.
const AUDIT_MAC: &str = "setu/audit-mac/v1";
/// What browsers encrypt offline queues with, derived from the first key.
const QUEUE_KEY: &str = "setu/offline-queue/v1";
/// What checkpoints are signed with, derived from each encryption key.
const CHECKPOINT_KEY: &str = "setu/audit-checkpoint/v1";

/// A key for one purpose, derived from an encryption key (HMAC-SHA256 of the purpose), so
/// that no key does two jobs and a leaked MAC key opens nothing.
fn derive(key: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut mac = hmac_with(key);
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

fn index_hash(key: &Key, purpose: &str, value: &str) -> String {
    let mut mac = hmac_with(&derive(&key.bytes, BLIND_INDEX));
    mac.update(purpose.as_bytes());
    mac.update(&[0]);
    mac.update(value.as_bytes());
    format!(
        "{}.{}",
        key.id,
        B64.encode(&mac.finalize().into_bytes()[..20])
    )
}

/// A hash as key files without an index key made them: keyed with the first key itself.
fn legacy_index_hash(first: Option<&Key>, purpose: &str, value: &str) -> String {
    let mut mac = hmac_with(&first.map(|k| k.bytes).unwrap_or([0; 32]));
    mac.update(purpose.as_bytes());
    mac.update(&[0]);
    mac.update(value.as_bytes());
    B64.encode(&mac.finalize().into_bytes()[..20])
}

fn mac_b64(key: &[u8; 32], message: &str) -> String {
    let mut mac = hmac_with(key);
    mac.update(message.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

fn hmac_with(key: &[u8; 32]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_mac())
}

fn unreachable_mac() -> Hmac<Sha256> {
    // Only reachable if HMAC-SHA256 stopped accepting 32-byte keys.
    std::process::abort()
}

/// The associated data of a cell: its table, column and row, and (second format) the row's
/// version.
fn aad(table: &str, column: &str, row_id: &str, version: Option<i64>) -> String {
    match version {
        Some(v) => format!("setu/{table}/{column}/{row_id}/v{v}"),
        None => format!("setu/{table}/{column}/{row_id}"),
    }
}

impl Keys {
    /// A new key file's keys: one key, sealing and deriving the index key.
    fn fresh() -> Keys {
        Keys {
            keys: vec![new_key("k1")],
            current: 0,
            index: vec!["k1".into()],
            second_format: true,
            loaded_mtime: None,
        }
    }
}

fn new_key(id: &str) -> Key {
    let bytes: [u8; 32] = XChaCha20Poly1305::generate_key(&mut OsRng).into();
    Key {
        id: id.to_string(),
        bytes,
    }
}

/// Key-file format: `key ID BASE64` lines, one `current ID` line, `index ID` lines (the keys
/// blind indexes were derived from, oldest first), `format 2` (only values bound to their
/// row's version open); `#` comments.
fn parse(text: &str) -> Result<Keys, String> {
    let mut keys = Vec::new();
    let mut current = None;
    let mut index = Vec::new();
    let mut second_format = false;
    for (n, line) in text.split(['\n', ';']).enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["key", id, b64] => {
                let raw = B64
                    .decode(b64)
                    .map_err(|_| format!("line {}: bad key encoding", n + 1))?;
                let bytes: [u8; 32] = raw
                    .try_into()
                    .map_err(|_| format!("line {}: a key must be 32 bytes", n + 1))?;
                keys.push(Key {
                    id: (*id).to_string(),
                    bytes,
                });
            }
            ["current", id] => current = Some((*id).to_string()),
            ["index", id] => index.push((*id).to_string()),
            ["format", "2"] => second_format = true,
            _ => {
                return Err(format!(
                    "line {}: expected `key ID BASE64`, `current ID`, `index ID` or `format 2`",
                    n + 1
                ))
            }
        }
    }
    let current_id = current.ok_or("no `current` line")?;
    let current = keys
        .iter()
        .position(|k| k.id == current_id)
        .ok_or_else(|| format!("current key {current_id} is not listed"))?;
    if let Some(missing) = index.iter().find(|id| !keys.iter().any(|k| &k.id == *id)) {
        return Err(format!("index key {missing} is not listed"));
    }
    Ok(Keys {
        keys,
        current,
        index,
        second_format,
        loaded_mtime: None,
    })
}

/// Creates a key file with one fresh key, unless another process (a second server starting
/// at the same moment) creates it first: the file is written aside, then hard-linked into
/// place, which fails rather than replaces if the name exists. Either way one set of keys wins.
fn create_file(path: &Path) -> Result<(), CryptoError> {
    let fail = |e: std::io::Error| CryptoError::KeyFile {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".new-{}", std::process::id()));
    let aside = PathBuf::from(aside);
    write_file(&aside, &Keys::fresh())?;
    let linked = std::fs::hard_link(&aside, path);
    std::fs::remove_file(&aside).map_err(fail)?;
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "created a new encryption key file");
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(fail(e)),
    }
}

fn write_file(path: &Path, keys: &Keys) -> Result<(), CryptoError> {
    let fail = |e: std::io::Error| CryptoError::KeyFile {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut text = HEADER.to_string();
    for k in &keys.keys {
        text.push_str(&format!("key {} {}\n", k.id, B64.encode(k.bytes)));
    }
    if let Some(k) = keys.keys.get(keys.current) {
        text.push_str(&format!("current {}\n", k.id));
    }
    for id in &keys.index {
        text.push_str(&format!("index {id}\n"));
    }
    if keys.second_format {
        text.push_str("format 2\n");
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    // Write a new file with mode 0600 beside the old one, then rename: never a half-written
    // key file, never a moment when it is readable by others.
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(fail)?;
        f.write_all(text.as_bytes()).map_err(fail)?;
        f.sync_all().map_err(fail)?;
    }
    std::fs::rename(&tmp, path).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_written_back_after_its_row_changed_does_not_open() {
        let k = Keyring::ephemeral();
        let first = k
            .seal("screening", "given_name", "row-1", 1, "Sita")
            .unwrap();
        let corrected = k
            .seal("screening", "given_name", "row-1", 2, "Gita")
            .unwrap();
        assert_eq!(
            k.open("screening", "given_name", "row-1", 2, &corrected)
                .unwrap(),
            "Gita"
        );
        // The first version put back into the cell of the row at version 2.
        assert!(matches!(
            k.open("screening", "given_name", "row-1", 2, &first),
            Err(CryptoError::Tampered)
        ));
        // A value in the first format (no version) opens only under a key file that still
        // allows it, and a new key file does not.
        let first_format = {
            let inner = k.inner.read().unwrap();
            let key = &inner.keys[0];
            let cipher = XChaCha20Poly1305::new((&key.bytes).into());
            let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
            let aad = aad("screening", "given_name", "row-1", None);
            let ct = cipher
                .encrypt(
                    &nonce,
                    Payload {
                        msg: b"Sita",
                        aad: aad.as_bytes(),
                    },
                )
                .unwrap();
            let mut blob = nonce.to_vec();
            blob.extend_from_slice(&ct);
            format!("s1.{}.{}", key.id, B64.encode(blob))
        };
        assert!(k
            .open("screening", "given_name", "row-1", 2, &first_format)
            .is_err());
        let text = {
            let inner = k.inner.read().unwrap();
            format!(
                "key k1 {}\ncurrent k1\nindex k1",
                B64.encode(inner.keys[0].bytes)
            )
        };
        let older = Keyring::from_text(&text).unwrap();
        assert_eq!(
            older
                .open("screening", "given_name", "row-1", 7, &first_format)
                .unwrap(),
            "Sita"
        );
        assert!(!older.is_current(&first_format), "setu rekey re-seals it");
        older.require_second_format().unwrap();
        assert!(older
            .open("screening", "given_name", "row-1", 7, &first_format)
            .is_err());
    }

    #[test]
    fn blind_indexes_use_a_derived_key_that_rotates_on_its_own() {
        let k = Keyring::ephemeral();
        let first = k.blind_index("contact.phone", "9812345678");
        assert!(first.starts_with("k1."), "{first}");
        let keys = k.inner.read().unwrap().clone();
        // Not keyed with the encryption key itself (as before index keys were derived).
        let raw = legacy_index_hash(keys.keys.first(), "contact.phone", "9812345678");
        assert_ne!(first.split_once('.').unwrap().1, raw);
        assert_ne!(first, k.blind_index("screening.phone", "9812345678"));
        let sealing = k.current_id();
        let index = k.rotate_index().unwrap();
        assert_eq!(k.current_id(), sealing, "the sealing key stays");
        let next = k.blind_index("contact.phone", "9812345678");
        assert!(next.starts_with(&format!("{index}.")) && next != first);
        assert!(k.is_current_index(&next) && !k.is_current_index(&first));
        let all = k.blind_indexes("contact.phone", "9812345678");
        assert_eq!(all[..2], [next, first]);
        assert_eq!(
            all.len(),
            3,
            "and the hash of a key file without index keys"
        );
        // The key file keeps the history; one without `index` lines hashes as before.
        let dir = std::env::temp_dir().join(format!("setu-index-{}", std::process::id()));
        let path = dir.join("keys");
        write_file(&path, &k.inner.read().unwrap()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(&format!("index k1\nindex {index}\n")),
            "{text}"
        );
        let old: String = text
            .lines()
            .filter(|l| !l.starts_with("index"))
            .collect::<Vec<_>>()
            .join("\n");
        let legacy = Keyring::from_text(&old).unwrap();
        assert_eq!(legacy.blind_index("contact.phone", "9812345678"), raw);
        assert!(Keyring::from_text(&format!("{old}\nindex k9")).is_err());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn sealed_values_open_only_where_they_were_sealed() {
        let k = Keyring::ephemeral();
        let s = k
            .seal("contact", "name", "row-1", 1, "Sita Tamang")
            .unwrap();
        assert!(!s.contains("Sita"));
        assert_eq!(
            k.open("contact", "name", "row-1", 1, &s).unwrap(),
            "Sita Tamang"
        );
        assert!(matches!(
            k.open("contact", "name", "row-2", 1, &s),
            Err(CryptoError::Tampered)
        ));
        assert!(matches!(
            k.open("contact", "phone", "row-1", 1, &s),
            Err(CryptoError::Tampered)
        ));
        let mut bad = s.clone();
        bad.pop();
        assert!(k.open("contact", "name", "row-1", 1, &bad).is_err());
        assert_ne!(
            s,
            k.seal("contact", "name", "row-1", 1, "Sita Tamang")
                .unwrap(),
            "fresh nonce each time"
        );
    }

    #[test]
    fn key_file_is_private_and_rotation_keeps_old_values_readable() {
        let dir = std::env::temp_dir().join(format!("setu-keys-{}", std::process::id()));
        let path = dir.join("setu.keys");
        let _ = std::fs::remove_file(&path);
        let k = Keyring::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let old = k.seal("t", "c", "1", 1, "secret").unwrap();
        let index = k.blind_index("phone", "9800000000");
        // Another process rotates; this one notices.
        let other = Keyring::load_or_create(&path).unwrap();
        assert_eq!(other.rotate().unwrap(), "k2");
        std::thread::sleep(std::time::Duration::from_millis(20));
        let new = k.seal("t", "c", "1", 1, "secret").unwrap();
        assert!(new.starts_with("s2.k2."), "{new}");
        assert!(k.is_current(&new) && !k.is_current(&old));
        assert_eq!(k.open("t", "c", "1", 1, &old).unwrap(), "secret");
        assert_eq!(other.open("t", "c", "1", 1, &new).unwrap(), "secret");
        assert_eq!(
            k.blind_index("phone", "9800000000"),
            index,
            "indexes survive rotation"
        );
        assert_ne!(k.blind_index("other", "9800000000"), index);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn keys_from_the_environment() {
        let k = Keyring::from_text("key a AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; current a")
            .unwrap();
        let s = k.seal("t", "c", "1", 1, "x").unwrap();
        assert_eq!(k.open("t", "c", "1", 1, &s).unwrap(), "x");
        assert!(Keyring::from_text("key a short; current a").is_err());
        assert!(Keyring::from_text("current zz").is_err());
    }
}
