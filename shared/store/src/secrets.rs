//! Secrets at rest: integration credentials (OAuth refresh tokens, webhook signing secrets) are sealed
//! with AES-256-GCM under the integrations key before they reach the table, bound to where they are
//! stored, so a copied item cannot be opened in another place.

use aws_lc_rs::aead::{AES_256_GCM, Aad, Nonce, RandomizedNonceKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

const VERSION: &str = "v1.";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the integrations key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("a sealed secret could not be opened (wrong key, place, or damaged)")]
    Unreadable,
    #[error("the system's random number generator failed")]
    Random,
}

/// Seals and opens secrets under one key (`INTEGRATIONS_KEY`: 32 random bytes, base64).
pub struct Sealer {
    key: RandomizedNonceKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| SecretError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey);
        }
        let key = RandomizedNonceKey::new(&AES_256_GCM, &bytes).map_err(|_| SecretError::BadKey)?;
        Ok(Sealer { key })
    }

    /// `place` names where the sealed text is kept (tenant, user, integration); opening needs the same.
    pub fn seal(&self, secret: &str, place: &str) -> Result<String, SecretError> {
        let mut in_out = secret.as_bytes().to_vec();
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(place.as_bytes()), &mut in_out)
            .map_err(|_| SecretError::Unreadable)?;
        let mut sealed = nonce.as_ref().to_vec();
        sealed.extend_from_slice(&in_out);
        Ok(format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(sealed)))
    }

    pub fn open(&self, sealed: &str, place: &str) -> Result<String, SecretError> {
        let bytes = sealed
            .strip_prefix(VERSION)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or(SecretError::Unreadable)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::Unreadable)?;
        let mut in_out = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(place.as_bytes()), &mut in_out)
            .map_err(|_| SecretError::Unreadable)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretError::Unreadable)
    }
}

/// `bytes` random bytes as URL-safe base64: webhook tokens and secrets, OAuth states.
pub fn random_token(bytes: usize) -> Result<String, SecretError> {
    let mut buffer = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buffer).map_err(|_| SecretError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

/// SHA-256 of text, hex: how bearer tokens are kept (only ever compared, never shown again).
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Equality that takes the same time wherever the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::from_base64(&STANDARD.encode([7u8; 32])).unwrap()
    }

    #[test]
    fn sealed_secrets_open_only_in_their_place() {
        let sealer = sealer();
        let sealed = sealer.seal("1//refresh-token", "T#a#GOOGLE#u").unwrap();
        assert!(!sealed.contains("refresh"));
        assert_ne!(sealed, sealer.seal("1//refresh-token", "T#a#GOOGLE#u").unwrap(), "a fresh nonce each time");
        assert_eq!(sealer.open(&sealed, "T#a#GOOGLE#u").unwrap(), "1//refresh-token");
        assert_eq!(sealer.open(&sealed, "T#b#GOOGLE#u"), Err(SecretError::Unreadable));
        let other = Sealer::from_base64(&STANDARD.encode([8u8; 32])).unwrap();
        assert_eq!(other.open(&sealed, "T#a#GOOGLE#u"), Err(SecretError::Unreadable));
        assert_eq!(sealer.open("v1.AAAA", "x"), Err(SecretError::Unreadable));
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert_eq!(Sealer::from_base64("c2hvcnQ=").unwrap_err(), SecretError::BadKey);
        assert_eq!(Sealer::from_base64("not base64!").unwrap_err(), SecretError::BadKey);
    }

    #[test]
    fn tokens_are_random_and_compare_in_constant_time() {
        let (a, b) = (random_token(32).unwrap(), random_token(32).unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(constant_time_eq(a.as_bytes(), a.as_bytes()));
        assert!(!constant_time_eq(a.as_bytes(), b.as_bytes()));
        assert_eq!(sha256_hex("abc").len(), 64);
    }
}
