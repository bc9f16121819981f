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
