//! Password hashing with Argon2id (the crate's defaults: 19 MiB, 2 passes), run off the async
//! executor because it is deliberately slow.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;

/// Verified against when an email is unknown, so a miss costs as much time as a wrong password and
/// response times do not reveal which addresses have accounts.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now("decoy password that matches nothing").unwrap_or_default());

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

pub async fn hash(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash_now(&password).map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())?
}

/// Whether `password` matches `stored`; with no stored hash, burns the same time and answers false.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DECOY_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else { return false };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_their_password() {
        let stored = hash("correct horse battery".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(stored.clone())).await);
        assert!(!verify("wrong".into(), Some(stored)).await);
        assert!(!verify("decoy password that matches nothing".into(), None).await);
    }
}
