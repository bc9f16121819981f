//! `POST /api/v1/search/reindex` (Admin): rebuilds the account's search documents from the table — every
//! lead, customer and deal, and their notes.

use crate::app::App;
use crate::extract::{AppState, Caller, Json};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::customer::Customer;
use crm_domain::deal::Deal;
use crm_domain::events::Snapshot;
use crm_domain::lead::Lead;
use crm_domain::{Actor, Record, Role};
use crm_search::SearchDoc;
use crm_store::{PageRequest, RecordFilter};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reindexed {
    pub documents: usize,
}

const BULK: usize = 500;

async fn kind<R: Record>(
    app: &App,
    actor: &Actor,
    wrap: fn(R) -> Snapshot,
    docs: &mut Vec<(String, SearchDoc, u64)>,
) -> Result<(), ApiError> {
    let mut page = PageRequest { limit: 100, cursor: None };
    loop {
        let batch = app.table.records::<R>(actor.tenant, &RecordFilter::default(), &page).await?;
        for record in batch.items {
            let (id, owner) = (record.id().to_string(), record.owner().to_string());
            docs.extend(SearchDoc::from_snapshot(actor.tenant, &wrap(record), None));
            let mut notes_page = PageRequest { limit: 100, cursor: None };
            loop {
                let notes = app.table.notes(actor.tenant, R::KIND, &id, &notes_page).await?;
                for note in notes.items {
                    docs.extend(SearchDoc::from_snapshot(actor.tenant, &Snapshot::Note(note), Some(owner.clone())));
                }
                match notes.next_cursor {
                    Some(cursor) => notes_page.cursor = Some(cursor),
                    None => break,
                }
            }
        }
        match batch.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(()),
        }
    }
}

/// Rebuild the account's search documents from the table (Admin)
#[utoipa::path(post, operation_id = "search_reindex", path = "/api/v1/search/reindex", tag = "search",
    responses((status = 200, description = "How many documents were written", body = Reindexed)),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, caller: Caller) -> Result<Json<Reindexed>, ApiError> {
    let actor = caller.actor;
    if actor.role != Role::Admin {
        return Err(ApiError::Forbidden("only an admin can reindex".into()));
    }
    let search =
        app.search().ok_or_else(|| ApiError::Internal("search is not configured (OPENSEARCH_ENDPOINT)".into()))?;
    let mut docs = Vec::new();
    kind::<Lead>(&app, &actor, Snapshot::Lead, &mut docs).await?;
    kind::<Customer>(&app, &actor, Snapshot::Customer, &mut docs).await?;
    kind::<Deal>(&app, &actor, Snapshot::Deal, &mut docs).await?;
    search.ensure_index().await.map_err(|e| ApiError::Internal(e.to_string()))?;
    for chunk in docs.chunks(BULK) {
        search.bulk(chunk).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(Json(Reindexed { documents: docs.len() }))
}
