//! The token keys rotate without a deploy (issue #16, finding 1): a function re-reads them from Secrets
//! Manager, trusts the current and the previous public key while a rotation is under way, and signs with
//! whatever private key the signing secret holds now.

use base64::Engine;
use crm_api::tokens::{TokenIssuer, TokenSubject, TokenVerifier};
use crm_domain::{Role, TenantId, UserId};
use serde_json::json;
use std::time::{Duration, Instant};

/// A fresh Ed25519 key pair as PEM (private PKCS#8, public SPKI).
fn key_pair() -> (String, String) {
    use aws_lc_rs::signature::KeyPair;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    // An Ed25519 SubjectPublicKeyInfo is this fixed prefix and the 32-byte key.
    let mut spki = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
    spki.extend_from_slice(pair.public_key().as_ref());
    let pem = |label: &str, der: &[u8]| {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
    };
    (pem("PRIVATE KEY", pkcs8.as_ref()), pem("PUBLIC KEY", &spki))
}

async fn put_secret(client: &aws_sdk_secretsmanager::Client, name: &str, value: serde_json::Value) {
    let value = value.to_string();
    if client.create_secret().name(name).secret_string(&value).send().await.is_err() {
        client.put_secret_value().secret_id(name).secret_string(&value).send().await.unwrap();
    }
}

/// Waits until `holds` (a re-read happens on a request after the cache time), failing after 10 s.
async fn eventually(what: &str, holds: impl AsyncFn() -> bool) {
    let started = Instant::now();
    while !holds().await {
        assert!(started.elapsed() < Duration::from_secs(10), "never: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_signing_key_rotates_through_secrets_manager_without_a_restart() {
    let aws = aws_config::load_from_env().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&aws);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let prefix = format!("crm-rotation/{}-{nanos}", std::process::id());
    let ((old_private, old_public), (new_private, new_public)) = (key_pair(), key_pair());
    put_secret(&secrets, &format!("{prefix}/verifying"), json!({"public_key": old_public})).await;
    put_secret(&secrets, &format!("{prefix}/signing"), json!({"private_key": old_private})).await;
    let (issuer, audience) = ("rotation-test", "rotation-test-api");
    let settings = |name: &str| match name {
        "JWT_PUBLIC_KEY_FROM_SECRET" => Some(format!("{prefix}/verifying#public_key")),
        "JWT_PREVIOUS_PUBLIC_KEY_FROM_SECRET" => Some(format!("{prefix}/verifying#previous_public_key")),
        "JWT_PRIVATE_KEY_FROM_SECRET" => Some(format!("{prefix}/signing#private_key")),
        "JWT_KEYS_CACHE_SECONDS" => Some("1".into()),
        "JWT_ISSUER" => Some(issuer.into()),
        "JWT_AUDIENCE" => Some(audience.into()),
        other => std::env::var(other).ok(),
    };
    let app = crm_api::App::from_lookup(aws.clone(), settings).await.expect("the app from its settings");
    let subject = TokenSubject { tenant: TenantId::new(), user: UserId::new(), role: Role::Sales, generation: 0 };
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let signed_by =
        |pem: &str| TokenIssuer::new(pem.as_bytes(), issuer, audience, 900).unwrap().issue(subject, now()).unwrap();
    let (old_token, new_token) = (signed_by(&old_private), signed_by(&new_private));
    assert!(app.verifier().await.verify(&old_token).is_some());
    assert!(app.verifier().await.verify(&new_token).is_none(), "the new key is not trusted before the rotation");

    // 1. The new public key becomes current, the old one previous: both verify, with no restart.
    put_secret(
        &secrets,
        &format!("{prefix}/verifying"),
        json!({"public_key": new_public, "previous_public_key": old_public}),
    )
    .await;
    eventually("the new public key is trusted", async || app.verifier().await.verify(&new_token).is_some()).await;
    assert!(app.verifier().await.verify(&old_token).is_some(), "tokens of the previous key still verify");

    // 2. The new private key signs from now on.
    put_secret(&secrets, &format!("{prefix}/signing"), json!({"private_key": new_private})).await;
    let only_new = TokenVerifier::new(new_public.as_bytes(), issuer, audience).unwrap();
    eventually("tokens are signed with the new key", async || {
        let token = app.issuer().await.unwrap().issue(subject, now()).unwrap();
        only_new.verify(&token).is_some()
    })
    .await;

    // 3. The previous key is retired: its tokens stop verifying.
    put_secret(&secrets, &format!("{prefix}/verifying"), json!({"public_key": new_public})).await;
    eventually("the old key is retired", async || app.verifier().await.verify(&old_token).is_none()).await;
    assert!(app.verifier().await.verify(&new_token).is_some());
}
