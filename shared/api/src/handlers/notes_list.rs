//! `GET /api/v1/{leads|customers|deals}/{id}/notes`: a record's notes, newest first, a page at a time.

use crate::app::App;
use crate::http::{PageBody, json};
use crate::problem::ApiError;
use crate::records::record_sublist;
use crm_domain::note::Note;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, kind, record_id, page) = record_sublist(app, &req).await?;
    let notes: PageBody<Note> = app.table.notes(actor.tenant, kind, &record_id, &page).await?.into();
    json(StatusCode::OK, &notes)
}
