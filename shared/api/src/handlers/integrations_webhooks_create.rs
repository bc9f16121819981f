//! `POST /api/v1/integrations/webhooks` (Admin): a new inbound lead endpoint for Typeform, Zapier or the
//! generic shape. Its secret is in this response only.

use crate::app::App;
use crate::http::{json, json_body};
use crate::integrations::{CreatedWebhook, WebhookView, admin_only, public_base};
use crate::problem::ApiError;
use crate::webhooks::new_secret;
use crm_domain::clock::Timestamp;
use crm_domain::webhook::NewWebhookEndpoint;
use crm_store::StoredWebhook;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    admin_only(&actor)?;
    let input: NewWebhookEndpoint = json_body(&req)?;
    let endpoint = input.validate(actor.user, Timestamp::now())?;
    if endpoint.owner_id != actor.user {
        let owner = app.table.user(actor.tenant, endpoint.owner_id).await?;
        if !owner.is_some_and(|o| o.user.is_active()) {
            return Err(ApiError::invalid("owner_id", "names no active user of this account"));
        }
    }
    let secret = new_secret(app, &endpoint)?;
    let stored = StoredWebhook {
        tenant: actor.tenant,
        endpoint,
        token_sha256: secret.token_sha256,
        sealed_secret: secret.sealed_secret,
    };
    app.table.put_webhook(&stored).await?;
    let view = WebhookView::new(stored.endpoint, &public_base(&req));
    json(StatusCode::CREATED, &CreatedWebhook { view, secret: secret.shown })
}
