//! `GET /api/v1/{leads|customers|deals}/{id}/timeline`: one record's history, newest first: every change
//! with its fields' old and new values, status and stage moves, conversion, notes, owner changes.

use crate::app::App;
use crate::http::{PageBody, json};
use crate::problem::ApiError;
use crate::records::record_sublist;
use crm_domain::activity::Activity;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, kind, record_id, page) = record_sublist(app, &req).await?;
    let history: PageBody<Activity> = app.table.timeline(actor.tenant, kind, &record_id, &page).await?.into();
    json(StatusCode::OK, &history)
}
