//! What the integration routes share: only an Admin manages a tenant's integrations, and secrets are
//! shown back masked.

use crate::problem::ApiError;
use crm_domain::slack::SlackSettings;
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

impl From<&SlackSettings> for SlackView {
    fn from(settings: &SlackSettings) -> Self {
        SlackView {
            webhook_url: settings.masked_url(),
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

pub const GOOGLE_CALLBACK_PATH: &str = "/api/v1/integrations/google/callback";

/// The OAuth callback URL: configured (`GOOGLE_REDIRECT_URI`), else this API's own.
pub fn google_redirect_uri(google: &crm_google::GoogleClient, headers: &http::HeaderMap) -> String {
    google.settings().redirect_uri.clone().unwrap_or_else(|| format!("{}{GOOGLE_CALLBACK_PATH}", public_base(headers)))
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
