//! `GET /api/v1/{leads|customers|deals}/{id}/timeline`: one record's history, newest first: every change
//! with its fields' old and new values, status and stage moves, conversion, notes, owner changes.

use crate::extract::{AppState, Claimed, Listed, Path};
use crate::http::PageBody;
use crate::problem::ApiError;
use crate::records::RecordPath;
use crate::records::record_sublist;
use axum::extract::State;
use crm_domain::activity::Activity;

/// A record's history, newest first
#[utoipa::path(get, operation_id = "record_timeline", path = "/api/v1/{kind}/{id}/timeline", tag = "activity", params(RecordPath, Listed),
    responses((status = 200, description = "A page of the record's changes", body = PageBody<Activity>)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    Path(path): Path<RecordPath>,
    query: Listed,
) -> Result<PageBody<Activity>, ApiError> {
    record_sublist(&app, claimed, &path, &query.page, async |tenant, kind, id, page| {
        app.table.timeline(tenant, kind, &id, &page).await
    })
    .await
}
