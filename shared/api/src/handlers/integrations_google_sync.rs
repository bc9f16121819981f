//! `POST /api/v1/integrations/google/sync`: queues a sync of the caller's Google contacts (through the
//! table's stream to the contacts-sync worker); answers 202 at once.

use crate::app::App;
use crate::http::{json, json_body, only_query_params};
use crate::problem::ApiError;
use crate::records::has_body;
use crm_domain::RecordKind;
use crm_domain::clock::Timestamp;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// What a contact the CRM does not know becomes: `customer` (the default) or `lead`.
    #[serde(default)]
    pub import_as: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SyncQueued {
    pub status: &'static str,
    pub import_as: &'static str,
}

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &[])?;
    let request: SyncRequest = if has_body(&req) { json_body(&req)? } else { SyncRequest::default() };
    let import_as = match request.import_as.as_deref() {
        None | Some("customer") => RecordKind::Customer,
        Some("lead") => RecordKind::Lead,
        Some(_) => return Err(ApiError::invalid("import_as", "must be `customer` or `lead`")),
    };
    if app.table.google_connection(actor.tenant, actor.user).await?.is_none() {
        return Err(ApiError::Conflict {
            detail: "connect a Google account first (GET /api/v1/integrations/google/authorize)".into(),
            field: None,
        });
    }
    app.table.request_google_sync(actor.tenant, actor.user, import_as, Timestamp::now()).await?;
    json(StatusCode::ACCEPTED, &SyncQueued { status: "queued", import_as: import_as.entity() })
}
