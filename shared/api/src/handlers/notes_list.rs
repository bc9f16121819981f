//! `GET /api/v1/{leads|customers|deals}/{id}/notes`: a record's notes, newest first, a page at a time.

use crate::app::App;
use crate::http::{PageBody, json, only_query_params, page_request, path_id};
use crate::problem::ApiError;
use crate::records::{path_kind, visible_owner};
use crm_domain::note::Note;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let kind = path_kind(&req)?;
    let record_id = path_id(&req, "id", |id| Some(id.to_owned()))?;
    only_query_params(&req, &["limit", "cursor"])?;
    let page = page_request(&req)?;
    visible_owner(app, &actor, kind, &record_id).await?;
    let notes: PageBody<Note> = app.table.notes(actor.tenant, kind, &record_id, &page).await?.into();
    json(StatusCode::OK, &notes)
}
