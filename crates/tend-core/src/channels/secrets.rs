//! Channel credentials at rest: sealed with XChaCha20-Poly1305 under a key
//! from the configuration (`[channels] secret_key`, or a key file Tend makes
//! in its data directory on first use). The store only ever sees the sealed
//! form; a wrong key or a tampered value fails to open, never decrypts to
//! something else.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use tend_channels::live::Credentials;
use tend_domain::SealedSecret;

/// Bound to every sealed value, so a value sealed for something else (or by
/// a later format) does not open as credentials.
const AAD: &[u8] = b"tend/channel-credentials/v1";

/// Why credentials could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The configured key is not 32 bytes of base64.
    #[error("the channel secret key must be 32 bytes, base64-encoded ({0})")]
    BadKey(String),
    /// The sealed value does not open with this key (another key, or altered).
    #[error("the channel's credentials cannot be opened with the configured secret key")]
    WontOpen,
}

/// The key that seals channel credentials.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box from a base64 key of 32 bytes.
    pub fn from_base64(key: &str) -> Result<SecretBox, SecretError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|e| SecretError::BadKey(e.to_string()))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| SecretError::BadKey(format!("{} bytes", b.len())))?;
        Ok(SecretBox {
            cipher: XChaCha20Poly1305::new(&key.into()),
        })
    }

    /// A fresh random key, base64 (for a key file or `tend channel key`).
    pub fn generate_key() -> String {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        STANDARD.encode(key)
    }

    /// The key in `path`, made (readable by the owner only) when missing.
    pub fn from_key_file(path: &std::path::Path) -> std::io::Result<SecretBox> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let key = SecretBox::generate_key();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(path) {
                Ok(mut file) => std::io::Write::write_all(&mut file, key.as_bytes())?,
                // Another process made it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        let key = std::fs::read_to_string(path)?;
        SecretBox::from_base64(&key)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
    }

    /// Seals credentials: base64 of a random 24-byte nonce and the ciphertext.
    pub fn seal(&self, credentials: &Credentials) -> SealedSecret {
        self.seal_json(credentials)
    }

    /// Opens sealed credentials.
    pub fn open(&self, sealed: &SealedSecret) -> Result<Credentials, SecretError> {
        self.open_json(sealed)
    }

    /// Seals any secret value (as JSON), like [`SecretBox::seal`].
    pub fn seal_json<T: serde::Serialize>(&self, value: &T) -> SealedSecret {
        // Plain data of strings always serialises.
        let plain = serde_json::to_vec(value).unwrap_or_default();
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: AAD,
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        SealedSecret(STANDARD.encode(out))
    }

    /// Opens a value sealed by [`SecretBox::seal_json`].
    pub fn open_json<T: serde::de::DeserializeOwned>(
        &self,
        sealed: &SealedSecret,
    ) -> Result<T, SecretError> {
        let bytes = STANDARD
            .decode(&sealed.0)
            .map_err(|_| SecretError::WontOpen)?;
        if bytes.len() < 24 + 16 {
            return Err(SecretError::WontOpen);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: AAD,
                },
            )
            .map_err(|_| SecretError::WontOpen)?;
        serde_json::from_slice(&plain).map_err(|_| SecretError::WontOpen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::Password {
            username: "brand@example.org".into(),
            password: "app-password-1234".into(),
        }
    }

    #[test]
    fn sealed_credentials_open_with_the_key_and_show_nothing_in_clear() {
        let key = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        let sealed = key.seal(&creds());
        assert!(!sealed.0.contains("app-password"));
        let raw = STANDARD.decode(&sealed.0).unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("app-password"));
        assert_eq!(key.open(&sealed).unwrap(), creds());
        // Two seals of the same value differ (fresh nonce).
        assert_ne!(key.seal(&creds()), sealed);
    }

    #[test]
    fn another_key_or_a_changed_byte_does_not_open() {
        let key = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        let other = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        let sealed = key.seal(&creds());
        assert!(matches!(other.open(&sealed), Err(SecretError::WontOpen)));
        let mut raw = STANDARD.decode(&sealed.0).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        let altered = SealedSecret(STANDARD.encode(raw));
        assert!(matches!(key.open(&altered), Err(SecretError::WontOpen)));
        assert!(matches!(
            key.open(&SealedSecret("!!".into())),
            Err(SecretError::WontOpen)
        ));
        assert!(SecretBox::from_base64("c2hvcnQ=").is_err());
    }

    #[test]
    fn the_key_file_is_made_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/channels.key");
        let a = SecretBox::from_key_file(&path).unwrap();
        let b = SecretBox::from_key_file(&path).unwrap();
        assert_eq!(b.open(&a.seal(&creds())).unwrap(), creds());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
