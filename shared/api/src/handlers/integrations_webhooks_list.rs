//! `GET /api/v1/integrations/webhooks` (Admin): the account's inbound lead endpoints, oldest first.

use crate::extract::{AppState, Claimed};
use crate::http::PageBody;
use crate::integrations::{WebhookView, admin_only, public_base};
use crate::problem::ApiError;
use axum::extract::State;
use http::HeaderMap;

/// The account's inbound lead webhook endpoints (Admin)
#[utoipa::path(get, operation_id = "integrations_webhooks_list", path = "/api/v1/integrations/webhooks", tag = "integrations",
    responses((status = 200, description = "Every endpoint, oldest first", body = PageBody<WebhookView>)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    headers: HeaderMap,
) -> Result<PageBody<WebhookView>, ApiError> {
    let read = async |actor: crm_domain::Actor| {
        admin_only(&actor)?;
        Ok(app.table.webhooks(actor.tenant).await?)
    };
    let (_, stored) = app.confirm_while(claimed, read).await?;
    let base = public_base(&headers);
    let items = stored.into_iter().map(|s| WebhookView::new(s.endpoint, &base)).collect();
    Ok(PageBody { items, next_cursor: None })
}
