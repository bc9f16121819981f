//! What the integration routes share: only an Admin manages a tenant's integrations, and secrets are
//! shown back masked.

use crate::problem::ApiError;
use crm_domain::{Actor, Role};
use serde::Serialize;

pub fn admin_only(actor: &Actor) -> Result<(), ApiError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only an admin can manage integrations".into()))
    }
}

/// Slack settings as the API shows them: the webhook URL's secret part hidden.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlackView {
    pub webhook_url: String,
    pub events: Vec<String>,
    pub updated_at: String,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
}

impl From<&crm_store::StoredSlack> for SlackView {
    fn from(settings: &crm_store::StoredSlack) -> Self {
        SlackView {
            webhook_url: settings.masked_url.clone(),
            events: settings.events.iter().map(|e| e.name()).collect(),
            updated_at: settings.updated_at.clone(),
            last_error: settings.last_error.clone(),
            last_error_at: settings.last_error_at.clone(),
        }
    }
}

/// The public base URL a request came in on (`X-Forwarded-Proto` and `Host`, as API Gateway sets
/// them), for URLs handed to other services: a webhook's address, the OAuth callback.
pub fn public_base(headers: &http::HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let scheme = header("x-forwarded-proto").unwrap_or("https");
    let host = header("host").unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// A webhook endpoint as the Admin sees it: where the source posts, never its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    #[serde(flatten)]
    pub endpoint: crm_domain::webhook::WebhookEndpoint,
    /// The full URL to give the source.
    pub url: String,
}

impl WebhookView {
    pub fn new(endpoint: crm_domain::webhook::WebhookEndpoint, base: &str) -> Self {
        let url = format!("{base}{}", endpoint.source.path(endpoint.id));
        WebhookView { endpoint, url }
    }
}

/// A new endpoint with its secret, which is shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub view: WebhookView,
    /// Typeform: the secret to enter in the form's webhook settings. Zapier and generic: the token to
    /// send as `Authorization: Bearer <token>` or `X-Webhook-Token`.
    pub secret: String,
}

/// A user's Google connection as they see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GoogleView {
    pub connected_at: String,
    pub last_synced_at: Option<String>,
    pub last_error: Option<String>,
    /// Totals over every sync: contacts imported as records, CRM changes written to Google, Google
    /// changes written to the CRM.
    pub imported: u64,
    pub pushed: u64,
    pub pulled: u64,
}

impl From<crm_store::GoogleConnection> for GoogleView {
    fn from(c: crm_store::GoogleConnection) -> Self {
        GoogleView {
            connected_at: c.connected_at,
            last_synced_at: c.last_synced_at,
            last_error: c.last_error,
            imported: c.imported,
            pushed: c.pushed,
            pulled: c.pulled,
        }
    }
}

/// The web app's page Google sends the browser back to, when `GOOGLE_REDIRECT_URI` does not name one:
/// the web app as served locally.
pub const LOCAL_GOOGLE_REDIRECT_URI: &str = "http://localhost:5173/integrations/google/callback";

/// The OAuth redirect URI: a page of the web app, which hands the code to
/// `POST /api/v1/integrations/google/callback` with the signed-in user's token, so the connection
/// completes only for the user who started it, in their own browser.
pub fn google_redirect_uri(google: &crm_google::GoogleClient) -> String {
    google.settings().redirect_uri.clone().unwrap_or_else(|| LOCAL_GOOGLE_REDIRECT_URI.to_owned())
}

/// PKCE (RFC 7636, `S256`): the challenge sent with the consent request for a verifier kept here and
/// sent only with the code exchange, so an intercepted code is useless to anyone else.
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

impl From<crm_google::GoogleError> for ApiError {
    fn from(error: crm_google::GoogleError) -> Self {
        match error {
            crm_google::GoogleError::Grant(_) => {
                ApiError::bad_request("code", "Google refused the authorization code; start the connection again")
            }
            other => ApiError::Internal(format!("Google: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_pkce_challenge_is_rfc_7636s() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(super::pkce_challenge(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
