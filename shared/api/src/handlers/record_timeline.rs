//! `GET /api/v1/{leads|customers|deals}/{id}/timeline`: one record's history, newest first: every change
//! with its fields' old and new values, status and stage moves, conversion, notes, owner changes.

use crate::app::App;
use crate::http::{PageBody, json, only_query_params, page_request, path_id};
use crate::problem::ApiError;
use crate::records::{path_kind, visible_owner};
use crm_domain::activity::Activity;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let kind = path_kind(&req)?;
    let record_id = path_id(&req, "id", |id| Some(id.to_owned()))?;
    only_query_params(&req, &["limit", "cursor"])?;
    let page = page_request(&req)?;
    visible_owner(app, &actor, kind, &record_id).await?;
    let history: PageBody<Activity> = app.table.timeline(actor.tenant, kind, &record_id, &page).await?.into();
    json(StatusCode::OK, &history)
}
