//! `POST /api/v1/{leads|customers|deals}/{id}/pdf`: the record's summary as a PDF (its fields, its newest
//! notes and timeline entries, who wrote and changed what), kept in the files bucket and handed out as a
//! short-lived link. Whoever may see the record may print it.

use crate::downloads::Download;
use crate::extract::{AppState, Caller, Path};
use crate::http::WithStatus;
use crate::problem::ApiError;
use crate::records::RecordPath;
use crate::reports::Names;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_store::PageRequest;
use http::StatusCode;

/// How many of the newest notes, timeline entries and users (for their names) a summary reads.
const SHOWN: usize = 100;

/// The record's summary (fields, notes, timeline) as a PDF: a link to it, valid for 15 minutes
#[utoipa::path(post, operation_id = "record_pdf", path = "/api/v1/{kind}/{id}/pdf", tag = "exports", params(RecordPath),
    responses((status = 201, description = "Where to fetch the PDF, for 15 minutes", body = Download)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<RecordPath>,
) -> Result<WithStatus<Download>, ApiError> {
    let actor = caller.actor;
    let kind = path.kind.0;
    let page = PageRequest { limit: SHOWN, cursor: None };
    // Read together; the notes and timeline are shown only once the record is known to be visible.
    let (record, notes, timeline, users) = tokio::join!(
        crate::records::visible_json(&app, &actor, kind, &path.id),
        app.table.notes(actor.tenant, kind, &path.id, &page),
        app.table.timeline(actor.tenant, kind, &path.id, &page),
        app.table.users(actor.tenant, &page),
    );
    let record = record?;
    let names: Names = users?.items.into_iter().map(|user| (user.id, user.name)).collect();
    let report =
        crate::reports::record_summary(kind, &record, &notes?.items, &timeline?.items, &names, Timestamp::now());
    let pdf = report.render().map_err(|e| ApiError::Internal(e.to_string()))?;
    let file_name = format!("{}-{}.pdf", kind.entity(), path.id);
    let link = crate::downloads::keep(&app, actor.tenant, "pdfs", pdf, "application/pdf", &file_name).await?;
    Ok(WithStatus(StatusCode::CREATED, link))
}
