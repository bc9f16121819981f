//! `DELETE /api/v1/integrations/webhooks/{id}` (Admin): revokes an endpoint; later deliveries to it
//! are refused.

use crate::extract::{AppState, Caller, Path};
use crate::integrations::admin_only;
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::WebhookId;
use http::StatusCode;

/// Revoke an inbound lead webhook endpoint (Admin)
#[utoipa::path(delete, operation_id = "integrations_webhooks_delete", path = "/api/v1/integrations/webhooks/{id}", tag = "integrations",
    params(crate::records::IdPath),
    responses((status = 204, description = "Revoked")),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller, Path(id): Path<WebhookId>) -> Result<StatusCode, ApiError> {
    admin_only(&caller.actor)?;
    app.table.delete_webhook(caller.actor.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
