//! Access tokens: EdDSA-signed JWTs. Only the token-issuing functions hold the private key; every other
//! function holds the public key alone, so a compromised route cannot mint tokens. The algorithm is
//! pinned, and `exp`, `iss` and `aud` are always checked.

use crm_domain::{Role, TenantId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// The tenant: the only source of tenancy for a request.
    pub tid: String,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The user's session generation when the token was issued: ending every session of the user
    /// (deactivation, a password change, signing out everywhere) raises it and retires older tokens.
    #[serde(default)]
    pub r#gen: u64,
}

/// A token's verified identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSubject {
    pub tenant: TenantId,
    pub user: UserId,
    pub role: Role,
    pub generation: u64,
}

/// A verified token: who it names and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub subject: TokenSubject,
    /// Unix seconds.
    pub expires_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{name} is not an Ed25519 key in PEM form: {source}")]
    BadKey { name: &'static str, source: jsonwebtoken::errors::Error },
}

#[derive(Clone)]
pub struct TokenVerifier {
    /// The current public key, then the previous one while a rotation is under way: tokens signed with
    /// either verify, so the signing key can change without a deploy.
    keys: Vec<DecodingKey>,
    validation: Validation,
}

impl TokenVerifier {
    pub fn new(public_pem: &[u8], issuer: &str, audience: &str) -> Result<Self, KeyError> {
        Self::rotating(public_pem, None, issuer, audience)
    }

    /// A verifier that also accepts tokens signed with the key before the current one.
    pub fn rotating(
        public_pem: &[u8],
        previous_pem: Option<&[u8]>,
        issuer: &str,
        audience: &str,
    ) -> Result<Self, KeyError> {
        let key = DecodingKey::from_ed_pem(public_pem)
            .map_err(|source| KeyError::BadKey { name: "JWT_PUBLIC_KEY", source })?;
        let previous = previous_pem
            .map(|pem| {
                DecodingKey::from_ed_pem(pem)
                    .map_err(|source| KeyError::BadKey { name: "JWT_PREVIOUS_PUBLIC_KEY", source })
            })
            .transpose()?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Ok(Self { keys: std::iter::once(key).chain(previous).collect(), validation })
    }

    /// The subject of a valid token; `None` for anything else (bad signature, other algorithm,
    /// expired, wrong issuer or audience, malformed ids).
    pub fn verify(&self, token: &str) -> Option<Verified> {
        let data =
            self.keys.iter().find_map(|key| jsonwebtoken::decode::<Claims>(token, key, &self.validation).ok())?;
        let subject = TokenSubject {
            tenant: TenantId::parse(&data.claims.tid)?,
            user: UserId::parse(&data.claims.sub)?,
            role: data.claims.role,
            generation: data.claims.r#gen,
        };
        Some(Verified { subject, expires_at: data.claims.exp })
    }
}

#[derive(Clone)]
pub struct TokenIssuer {
    key: EncodingKey,
    issuer: String,
    audience: String,
    pub ttl_seconds: i64,
}

impl TokenIssuer {
    pub fn new(private_pem: &[u8], issuer: &str, audience: &str, ttl_seconds: i64) -> Result<Self, KeyError> {
        let key = EncodingKey::from_ed_pem(private_pem)
            .map_err(|source| KeyError::BadKey { name: "JWT_PRIVATE_KEY", source })?;
        Ok(Self { key, issuer: issuer.to_owned(), audience: audience.to_owned(), ttl_seconds })
    }

    pub fn issue(&self, subject: TokenSubject, now_unix: i64) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: subject.user.to_string(),
            tid: subject.tenant.to_string(),
            role: subject.role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now_unix,
            exp: now_unix + self.ttl_seconds,
            r#gen: subject.generation,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims, &self.key)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    // Throwaway keys for these tests only.
    pub const PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIO0vcJRtem7DL6Ix6xpPLPYpzdXOK8XZsPEaXwyP+62c\n-----END PRIVATE KEY-----\n";
    pub const PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA3MOBFnw2ToulSYyxjx941KeRH4IGeJbbcfKL32AZmmA=\n-----END PUBLIC KEY-----\n";
    const OTHER_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIE635zfFgs0N94omHnLjOQ/1IGAtuts8Pb3hKPUb1t5u\n-----END PRIVATE KEY-----\n";

    fn subject() -> TokenSubject {
        TokenSubject { tenant: TenantId::new(), user: UserId::new(), role: Role::Sales, generation: 2 }
    }

    fn now() -> i64 {
        crm_domain::clock::Timestamp::now().unix_seconds()
    }

    #[test]
    fn a_token_round_trips() {
        let issuer = TokenIssuer::new(PRIVATE.as_bytes(), "crm", "crm-api", 900).unwrap();
        let verifier = TokenVerifier::new(PUBLIC.as_bytes(), "crm", "crm-api").unwrap();
        let subject = subject();
        assert_eq!(verifier.verify(&issuer.issue(subject, now()).unwrap()).map(|v| v.subject), Some(subject));
    }

    #[test]
    fn during_a_rotation_tokens_of_the_previous_key_still_verify() {
        const OTHER_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAuPIphuJO5dpx6Ti9E8J687LaJFCNSsMoYn9ZPPxI2+k=\n-----END PUBLIC KEY-----\n";
        let old =
            TokenIssuer::new(OTHER_PRIVATE.as_bytes(), "crm", "crm-api", 900).unwrap().issue(subject(), now()).unwrap();
        let new = TokenIssuer::new(PRIVATE.as_bytes(), "crm", "crm-api", 900).unwrap().issue(subject(), now()).unwrap();
        let rotating =
            TokenVerifier::rotating(PUBLIC.as_bytes(), Some(OTHER_PUBLIC.as_bytes()), "crm", "crm-api").unwrap();
        assert!(rotating.verify(&new).is_some() && rotating.verify(&old).is_some());
        let settled = TokenVerifier::new(PUBLIC.as_bytes(), "crm", "crm-api").unwrap();
        assert!(settled.verify(&new).is_some() && settled.verify(&old).is_none());
    }

    #[test]
    fn refuses_expired_foreign_and_misaddressed_tokens() {
        let verifier = TokenVerifier::new(PUBLIC.as_bytes(), "crm", "crm-api").unwrap();
        let expired = TokenIssuer::new(PRIVATE.as_bytes(), "crm", "crm-api", 900)
            .unwrap()
            .issue(subject(), now() - 3600)
            .unwrap();
        assert_eq!(verifier.verify(&expired), None);
        let other_key =
            TokenIssuer::new(OTHER_PRIVATE.as_bytes(), "crm", "crm-api", 900).unwrap().issue(subject(), now()).unwrap();
        assert_eq!(verifier.verify(&other_key), None);
        let wrong_audience =
            TokenIssuer::new(PRIVATE.as_bytes(), "crm", "other", 900).unwrap().issue(subject(), now()).unwrap();
        assert_eq!(verifier.verify(&wrong_audience), None);
        let wrong_issuer =
            TokenIssuer::new(PRIVATE.as_bytes(), "evil", "crm-api", 900).unwrap().issue(subject(), now()).unwrap();
        assert_eq!(verifier.verify(&wrong_issuer), None);
    }

    #[test]
    fn refuses_unsigned_tokens() {
        let verifier = TokenVerifier::new(PUBLIC.as_bytes(), "crm", "crm-api").unwrap();
        let good =
            TokenIssuer::new(PRIVATE.as_bytes(), "crm", "crm-api", 900).unwrap().issue(subject(), now()).unwrap();
        let payload = good.split('.').nth(1).unwrap();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(verifier.verify(&format!("{none_header}.{payload}.")), None);
        let hs_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        assert_eq!(verifier.verify(&format!("{hs_header}.{payload}.AAAA")), None);
        assert_eq!(verifier.verify("garbage"), None);
    }
}
