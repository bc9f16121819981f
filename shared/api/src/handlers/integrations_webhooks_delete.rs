//! `DELETE /api/v1/integrations/webhooks/{id}` (Admin): revokes an endpoint; later deliveries to it
//! are refused.

use crate::app::App;
use crate::http::{no_content, only_query_params, path_id};
use crate::integrations::admin_only;
use crate::problem::ApiError;
use crm_domain::WebhookId;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    admin_only(&actor)?;
    only_query_params(&req, &[])?;
    let id = path_id(&req, "id", WebhookId::parse)?;
    app.table.delete_webhook(actor.tenant, id).await?;
    Ok(no_content())
}
