//! `GET /api/v1/{leads|customers|deals}/{id}/notes`: a record's notes, newest first, a page at a time.

use crate::extract::{AppState, Claimed, Listed, Path};
use crate::http::PageBody;
use crate::problem::ApiError;
use crate::records::RecordPath;
use crate::records::record_sublist;
use axum::extract::State;
use crm_domain::note::Note;

/// A record's notes, newest first
#[utoipa::path(get, operation_id = "notes_list", path = "/api/v1/{kind}/{id}/notes", tag = "notes", params(RecordPath, Listed),
    responses((status = 200, description = "A page of notes", body = PageBody<Note>)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    Claimed(claimed): Claimed,
    Path(path): Path<RecordPath>,
    query: Listed,
) -> Result<PageBody<Note>, ApiError> {
    record_sublist(&app, claimed, &path, &query.page, async |tenant, kind, id, page| {
        app.table.notes(tenant, kind, &id, &page).await
    })
    .await
}
