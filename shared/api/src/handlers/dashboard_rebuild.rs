//! `POST /api/v1/dashboard/rebuild` (Admin): recomputes the account's statistics from its records, so
//! drift can always be repaired, and checked: the rebuilt figures must equal the incremental ones.

use crate::app::App;
use crate::extract::{AppState, Caller, Json};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::customer::Customer;
use crm_domain::deal::Deal;
use crm_domain::events::Snapshot;
use crm_domain::lead::Lead;
use crm_domain::{Actor, Record, Role, stats};
use crm_store::{PageRequest, RecordFilter};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rebuilt {
    pub records: usize,
    pub stats_items: usize,
}

/// Every record of one kind in the tenant, page by page.
async fn all<R: Record>(
    app: &App,
    actor: &Actor,
    wrap: fn(R) -> Snapshot,
    into: &mut Vec<Snapshot>,
) -> Result<(), ApiError> {
    let mut page = PageRequest { limit: 100, cursor: None };
    loop {
        let batch = app.table.records::<R>(actor.tenant, &RecordFilter::default(), &page).await?;
        into.extend(batch.items.into_iter().map(wrap));
        match batch.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(()),
        }
    }
}

pub async fn rebuild(app: &App, actor: &Actor) -> Result<Rebuilt, ApiError> {
    if actor.role != Role::Admin {
        return Err(ApiError::Forbidden("only an admin can rebuild the statistics".into()));
    }
    let mut records = Vec::new();
    all::<Lead>(app, actor, Snapshot::Lead, &mut records).await?;
    all::<Customer>(app, actor, Snapshot::Customer, &mut records).await?;
    all::<Deal>(app, actor, Snapshot::Deal, &mut records).await?;
    let figures = stats::totals(&records);
    app.table.replace_stats(actor.tenant, &figures).await?;
    Ok(Rebuilt { records: records.len(), stats_items: figures.len() })
}

/// Recompute the statistics from the records (Admin)
#[utoipa::path(post, operation_id = "dashboard_rebuild", path = "/api/v1/dashboard/rebuild", tag = "dashboard",
    responses((status = 200, description = "What was recomputed", body = Rebuilt)),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller) -> Result<Json<Rebuilt>, ApiError> {
    Ok(Json(rebuild(&app, &caller.actor).await?))
}
