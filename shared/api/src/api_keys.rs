//! API keys as credentials: a key names its account and service user and carries a secret whose SHA-256 the
//! service user holds. Checking one costs nothing beyond the user read every call already makes.

use crate::app::Claim;
use crate::problem::ApiError;
use base64::Engine;
use crm_domain::Actor;
use crm_domain::api_key::{key_text, parse_key, unexpired};
use crm_domain::clock::Timestamp;
use crm_domain::policy::Role;
use crm_store::StoredUser;
use sha2::{Digest, Sha256};

/// A new key's secret (32 random bytes) and the key text to hand out once.
pub fn new_key(tenant: crm_domain::TenantId, id: crm_domain::UserId) -> Result<(String, String), ApiError> {
    let mut secret = [0u8; 32];
    aws_lc_rs::rand::fill(&mut secret).map_err(|_| ApiError::Internal("no randomness for a key".into()))?;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let digest = hex(&Sha256::digest(secret.as_bytes()).into());
    Ok((key_text(tenant, id, &secret), digest))
}

/// What an API key claims: its service user, with the least role until the stored user says more.
pub fn claim(token: &str) -> Result<Claim, ApiError> {
    let (tenant, user, secret) = parse_key(token).ok_or(ApiError::Unauthorized("the API key is malformed"))?;
    Ok(Claim {
        actor: Actor { tenant, user, role: Role::Sales },
        // Keys have no sessions: revocation deactivates the service user instead.
        generation: u64::MAX,
        expires_at: i64::MAX,
        api_key: Some(Sha256::digest(secret.as_bytes()).into()),
    })
}

/// Whether the claim's credential is the stored user's kind and, for a key, that very key, unexpired.
pub fn credential_matches(claimed: &Claim, stored: &StoredUser) -> bool {
    match (&claimed.api_key, &stored.key) {
        (None, None) => true,
        (Some(digest), Some(key)) => {
            aws_lc_rs::constant_time::verify_slices_are_equal(hex(digest).as_bytes(), key.digest.as_bytes()).is_ok()
                && unexpired(key.expires_at, Timestamp::now().unix_seconds())
        }
        _ => false,
    }
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::user::{User, UserStatus};
    use crm_store::StoredKey;

    fn stored(key: Option<StoredKey>) -> StoredUser {
        let user = User {
            id: crm_domain::UserId::new(),
            tenant_id: crm_domain::TenantId::new(),
            email: "x@keys.invalid".into(),
            name: "API key: x".into(),
            role: Role::Sales,
            status: UserStatus::Active,
            created_at: String::new(),
            updated_at: String::new(),
            version: 1,
        };
        StoredUser { user, password_hash: String::new(), session_generation: 0, key }
    }

    #[test]
    fn only_the_key_its_service_user_holds_passes_and_only_until_it_expires() {
        let (text, digest) = new_key(crm_domain::TenantId::new(), crm_domain::UserId::new()).unwrap();
        let claim = claim(&text).unwrap();
        let now = Timestamp::now().unix_seconds();
        let key = |expires_at| Some(StoredKey { digest: digest.clone(), expires_at, last_used: None });
        assert!(credential_matches(&claim, &stored(key(None))));
        assert!(credential_matches(&claim, &stored(key(Some(now + 60)))));
        assert!(!credential_matches(&claim, &stored(key(Some(now - 1)))), "an expired key");
        let other = StoredKey { digest: "0".repeat(64), expires_at: None, last_used: None };
        assert!(!credential_matches(&claim, &stored(Some(other))), "another key's digest");
        assert!(!credential_matches(&claim, &stored(None)), "a person is never reached with a key");
        let person = Claim { api_key: None, ..claim };
        assert!(!credential_matches(&person, &stored(key(None))), "a service user is never reached with a token");
    }
}
