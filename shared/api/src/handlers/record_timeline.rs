//! `GET /api/v1/{leads|customers|deals}/{id}/timeline`: one record's history, newest first: every change
//! with its fields' old and new values, status and stage moves, conversion, notes, owner changes.

use crate::app::App;
use crate::problem::ApiError;
use crate::records::record_sublist;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    record_sublist(app, &req, async |tenant, kind, id, page| app.table.timeline(tenant, kind, &id, &page).await).await
}
