//! `GET /api/v1/integrations/webhooks` (Admin): the account's inbound lead endpoints, oldest first.

use crate::extract::{AppState, Caller};
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
    caller: Caller,
    headers: HeaderMap,
) -> Result<PageBody<WebhookView>, ApiError> {
    admin_only(&caller.actor)?;
    let base = public_base(&headers);
    let stored = app.table.webhooks(caller.actor.tenant).await?;
    let items = stored.into_iter().map(|s| WebhookView::new(s.endpoint, &base)).collect();
    Ok(PageBody { items, next_cursor: None })
}
