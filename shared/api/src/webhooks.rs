//! What the inbound lead webhooks share: the raw body (size-limited, since a signature covers exact
//! bytes), proof of origin (a per-endpoint token, or Typeform's HMAC signature), and delivering the
//! lead through the same creation path as `POST /api/v1/leads`. The tenant comes only from the
//! endpoint that authenticated the call.

use crate::app::App;
use crate::idempotency::IdempotentRequest;
use crate::problem::ApiError;
use crate::records::respond_created;
use axum::response::Response;
use crm_domain::clock::Timestamp;
use crm_domain::events::Via;
use crm_domain::lead::{Lead, NewLead};
use crm_domain::webhook::{WebhookEndpoint, WebhookSource};
use crm_domain::{Actor, Role, WebhookId};
use crm_store::StoredWebhook;
use crm_store::secrets::{constant_time_eq, random_token, sha256_hex};
use http::HeaderMap;
use serde_json::Value;

pub const TOKEN_HEADER: &str = "X-Webhook-Token";
pub const TYPEFORM_SIGNATURE: &str = "Typeform-Signature";
const TOKEN_PREFIX: &str = "whk_";

/// The secret shown once when an endpoint is created, and what is kept of it.
pub struct NewSecret {
    pub shown: String,
    pub token_sha256: Option<String>,
    pub sealed_secret: Option<String>,
}

/// Where a signing secret is sealed: it opens only as this endpoint's.
fn secret_place(id: WebhookId) -> String {
    format!("WEBHOOK#{id}")
}

/// A token names its endpoint (`whk_<endpoint id>_<random>`), so checking it is one GetItem; only its
/// hash is kept. A signing secret must be kept (each signature is recomputed from it), so it is sealed.
pub fn new_secret(app: &App, endpoint: &WebhookEndpoint) -> Result<NewSecret, ApiError> {
    let random = random_token(32).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(match endpoint.source {
        WebhookSource::Typeform => NewSecret {
            sealed_secret: Some(
                app.sealer()?
                    .seal(&random, &secret_place(endpoint.id))
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            ),
            token_sha256: None,
            shown: random,
        },
        WebhookSource::Zapier | WebhookSource::Generic => {
            let token = format!("{TOKEN_PREFIX}{}_{random}", endpoint.id);
            NewSecret { token_sha256: Some(sha256_hex(&token)), sealed_secret: None, shown: token }
        }
    })
}

/// The body as JSON (malformed JSON is a 400; the shape is each source's to judge).
pub fn json_value(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest { detail: format!("the body is not JSON: {e}"), field: None })
}

const UNKNOWN_TOKEN: &str = "the webhook token is missing, unknown or revoked";

/// The endpoint of a token-authenticated source (`Authorization: Bearer` or `X-Webhook-Token`).
pub async fn endpoint_of_token(
    app: &App,
    headers: &HeaderMap,
    source: WebhookSource,
) -> Result<StoredWebhook, ApiError> {
    let bearer = crate::extract::bearer(headers).ok();
    let token = bearer.or_else(|| header_text(headers, TOKEN_HEADER)).map(str::trim).unwrap_or_default();
    let id = token
        .strip_prefix(TOKEN_PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .and_then(|(id, _)| WebhookId::parse(id))
        .ok_or(ApiError::Unauthorized(UNKNOWN_TOKEN))?;
    let stored = app.table.webhook(id).await?.ok_or(ApiError::Unauthorized(UNKNOWN_TOKEN))?;
    let expected = stored.token_sha256.as_deref().unwrap_or_default();
    if stored.endpoint.source != source || !constant_time_eq(sha256_hex(token).as_bytes(), expected.as_bytes()) {
        return Err(ApiError::Unauthorized(UNKNOWN_TOKEN));
    }
    Ok(stored)
}

const BAD_SIGNATURE: &str = "the Typeform-Signature header is missing or does not match the body";

/// A Typeform endpoint named in the path, once `Typeform-Signature` (`sha256=` + base64 HMAC-SHA256 of
/// the raw body under the endpoint's secret) is proven; nothing is read from the body before that.
pub async fn endpoint_of_signature(
    app: &App,
    id: WebhookId,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<StoredWebhook, ApiError> {
    let stored = app.table.webhook(id).await?.ok_or(ApiError::NotFound)?;
    let sealed = stored.sealed_secret.as_deref().filter(|_| stored.endpoint.source == WebhookSource::Typeform);
    let sealed = sealed.ok_or(ApiError::NotFound)?;
    let secret = app
        .sealer()?
        .open(sealed, &secret_place(id))
        .map_err(|e| ApiError::Internal(format!("webhook secret: {e}")))?;
    let signature = header_text(headers, TYPEFORM_SIGNATURE).ok_or(ApiError::Unauthorized(BAD_SIGNATURE))?;
    if !typeform_signature_matches(secret.as_bytes(), body, signature) {
        return Err(ApiError::Unauthorized(BAD_SIGNATURE));
    }
    Ok(stored)
}

/// Whether `header` is Typeform's signature of `body` under `secret` (compared in constant time).
pub fn typeform_signature_matches(secret: &[u8], body: &[u8], header: &str) -> bool {
    use base64::Engine;
    let Some(given) = header.trim().strip_prefix("sha256=") else { return false };
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(given) else { return false };
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    aws_lc_rs::hmac::verify(&key, body, &given).is_ok()
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `X-Webhook-Token`, as the document states it (a token-authenticated source may send it instead of a
/// bearer token).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct WebhookToken {
    /// The endpoint's token, unless sent as `Authorization: Bearer`
    #[param(rename = "X-Webhook-Token")]
    pub token: Option<String>,
}

/// `{endpoint_id}` of a Typeform endpoint's URL.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TypeformEndpoint {
    /// The endpoint id from its URL
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub endpoint_id: WebhookId,
}

/// `Typeform-Signature`, as the document states it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct TypeformSignature {
    /// `sha256=` and the base64 HMAC-SHA256 of the raw body under the endpoint's secret
    #[param(rename = "Typeform-Signature")]
    pub signature: String,
}

/// Creates the delivered lead as the endpoint's owner (who must still be an active user), with the
/// endpoint's tags; `delivery` (a source's own submission id) makes redeliveries answer the first result.
pub async fn deliver(
    app: &App,
    stored: &StoredWebhook,
    lead: NewLead,
    delivery: Option<IdempotentRequest>,
) -> Result<Response, ApiError> {
    let endpoint = &stored.endpoint;
    let actor = Actor { tenant: stored.tenant, user: endpoint.owner_id, role: Role::Sales };
    let mut prepared = crm_core::create::<Lead, NewLead>(&app.table, &actor, lead, Timestamp::now()).await?;
    prepared.changes.require_active_user(endpoint.owner_id)?.via(Via::Webhook);
    let operation = format!("webhook {}", endpoint.id);
    tracing::info!(endpoint = %endpoint.id, source = endpoint.source.as_str(), tenant = %stored.tenant, "lead delivered");
    respond_created(app, &actor, prepared, delivery, &operation).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn typeform_signatures_are_checked_against_the_exact_body() {
        // Typeform's documented scheme: base64 of HMAC-SHA256(secret, raw body), prefixed `sha256=`.
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, b"s3cret");
        let body = br#"{"form_response":{"token":"t"}}"#;
        let tag = aws_lc_rs::hmac::sign(&key, body);
        let header = format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(tag.as_ref()));
        assert!(typeform_signature_matches(b"s3cret", body, &header));
        assert!(!typeform_signature_matches(b"other", body, &header));
        assert!(!typeform_signature_matches(b"s3cret", br#"{"form_response":{"token":"u"}}"#, &header));
        assert!(!typeform_signature_matches(b"s3cret", body, header.trim_start_matches("sha256=")));
        assert!(!typeform_signature_matches(b"s3cret", body, "sha256=not base64"));
    }
}
