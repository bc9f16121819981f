//! `POST /api/v1/integrations/webhooks` (Admin): a new inbound lead endpoint for Typeform, Zapier or the
//! generic shape. Its secret is in this response only.

use crate::extract::{AppState, Caller, Json};
use crate::http::WithStatus;
use crate::integrations::{CreatedWebhook, WebhookView, admin_only, public_base};
use crate::problem::ApiError;
use crate::webhooks::new_secret;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_domain::webhook::NewWebhookEndpoint;
use crm_store::StoredWebhook;
use http::{HeaderMap, StatusCode};

/// Create an inbound lead webhook endpoint; its secret is in this response only (Admin)
#[utoipa::path(post, operation_id = "integrations_webhooks_create", path = "/api/v1/integrations/webhooks", tag = "integrations", request_body = NewWebhookEndpoint,
    responses((status = 201, description = "The endpoint, its URL and its secret", body = CreatedWebhook)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    headers: HeaderMap,
    Json(input): Json<NewWebhookEndpoint>,
) -> Result<WithStatus<CreatedWebhook>, ApiError> {
    let actor = caller.actor;
    admin_only(&actor)?;
    let endpoint = input.validate(actor.user, Timestamp::now())?;
    if endpoint.owner_id != actor.user {
        let owner = app.table.user(actor.tenant, endpoint.owner_id).await?;
        if !owner.is_some_and(|o| o.user.is_active()) {
            return Err(ApiError::missing("owner_id", "names no active user of this account"));
        }
    }
    let secret = new_secret(&app, &endpoint)?;
    let stored = StoredWebhook {
        tenant: actor.tenant,
        endpoint,
        token_sha256: secret.token_sha256,
        sealed_secret: secret.sealed_secret,
    };
    app.table.put_webhook(&stored).await?;
    let view = WebhookView::new(stored.endpoint, &public_base(&headers));
    Ok(WithStatus(StatusCode::CREATED, CreatedWebhook { view, secret: secret.shown }))
}
