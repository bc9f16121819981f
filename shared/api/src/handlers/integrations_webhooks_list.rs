//! `GET /api/v1/integrations/webhooks` (Admin): the account's inbound lead endpoints, oldest first.

use crate::app::App;
use crate::http::{PageBody, json, only_query_params};
use crate::integrations::{WebhookView, admin_only, public_base};
use crate::problem::ApiError;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    admin_only(&actor)?;
    only_query_params(&req, &[])?;
    let base = public_base(&req);
    let items = app.table.webhooks(actor.tenant).await?.into_iter().map(|s| WebhookView::new(s.endpoint, &base));
    json(StatusCode::OK, &PageBody { items: items.collect(), next_cursor: None })
}
