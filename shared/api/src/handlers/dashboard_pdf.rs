//! `POST /api/v1/dashboard/pdf?to=YYYY-MM-DD&days=N`: the dashboard of a date range as a PDF, with the same
//! figures `GET /api/v1/dashboard` answers the caller (Sales: its own), kept in the files bucket and handed
//! out as a short-lived link.

use crate::downloads::Download;
use crate::extract::{AppState, Caller, Query};
use crate::handlers::dashboard::{DashboardRange, dashboard};
use crate::http::WithStatus;
use crate::problem::ApiError;
use crate::reports::Names;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_store::PageRequest;
use http::StatusCode;

/// The dashboard of a date range as a PDF: a link to it, valid for 15 minutes
#[utoipa::path(post, operation_id = "dashboard_pdf", path = "/api/v1/dashboard/pdf", tag = "dashboard", params(DashboardRange),
    responses((status = 201, description = "Where to fetch the PDF, for 15 minutes", body = Download)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Query(range): Query<DashboardRange>,
) -> Result<WithStatus<Download>, ApiError> {
    let actor = caller.actor;
    let (from, to) = range.dates()?;
    let page = PageRequest { limit: 100, cursor: None };
    let (board, users) = tokio::join!(dashboard(&app, &actor, from, to), app.table.users(actor.tenant, &page));
    let names: Names = users?.items.into_iter().map(|user| (user.id, user.name)).collect();
    let pdf = crate::reports::dashboard(&board?, &names, Timestamp::now())
        .render()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let file_name = format!("dashboard-{from}-{to}.pdf");
    let link = crate::downloads::keep(&app, actor.tenant, "pdfs", pdf, "application/pdf", &file_name).await?;
    Ok(WithStatus(StatusCode::CREATED, link))
}
