//! `GET /api/v1/{leads|customers|deals}/{id}/notes`: a record's notes, newest first, a page at a time.

use crate::app::App;
use crate::problem::ApiError;
use crate::records::record_sublist;
use lambda_http::{Body, Request, Response};

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    record_sublist(app, &req, async |tenant, kind, id, page| app.table.notes(tenant, kind, &id, &page).await).await
}
