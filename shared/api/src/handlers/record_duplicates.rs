//! `GET /api/v1/{leads|customers|deals}/{id}/duplicates`: records of the same kind that may be the same
//! person or deal: the same email address (from the email index), or a name the search matches closely
//! (every word, a typo or two allowed in each). Only records the caller may see are shown; each says why.

use crate::extract::{AppState, Caller, Json, Path};
use crate::problem::ApiError;
use crate::records::{RecordPath, visible_json};
use axum::extract::State;
use crm_domain::duplicates::{self, Reason};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Duplicates {
    pub items: Vec<Duplicate>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Duplicate {
    /// Why it may be the same record.
    pub reasons: Vec<Reason>,
    /// The record, as its own route answers it.
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

/// Likely duplicates of a record: the same email, or a closely matching name (at most 10)
#[utoipa::path(get, operation_id = "record_duplicates", path = "/api/v1/{kind}/{id}/duplicates", tag = "activity", params(RecordPath),
    responses((status = 200, description = "The likely duplicates, the likeliest first", body = Duplicates)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<RecordPath>,
) -> Result<Json<Duplicates>, ApiError> {
    let actor = caller.actor;
    let kind = path.kind.0;
    let record = visible_json(&app, &actor, kind, &path.id).await?;
    let email = record["email"].clone();
    let same_email = async {
        match record["email"].as_str() {
            Some(email) => {
                app.table.records_with_email(actor.tenant, kind, email, duplicates::MAX_SHOWN as i32 + 1).await
            }
            None => Ok(Vec::new()),
        }
    };
    let similar_name = async {
        let (Some(search), Some(name)) = (app.search(), record["name"].as_str()) else { return Ok(Vec::new()) };
        let owner = (!actor.role.sees_whole_tenant()).then(|| actor.user.to_string());
        let tenant = actor.tenant.to_string();
        let hits =
            search.similar_names(&tenant, kind.entity(), owner.as_deref(), name, duplicates::MAX_SHOWN + 1).await;
        hits.map(|hits| hits.into_iter().map(|hit| hit.id).collect::<Vec<_>>())
    };
    let (same_email, similar_name) = tokio::join!(same_email, similar_name);
    let similar_name = similar_name.map_err(|e| ApiError::Internal(format!("{e:?}")))?;
    let likely = duplicates::likely(&path.id, &same_email?, &similar_name);
    let reads = likely.iter().map(|(id, _)| visible_json(&app, &actor, kind, id));
    let records = futures_util::future::join_all(reads).await;
    let mut items = Vec::new();
    for ((_, mut reasons), record) in likely.into_iter().zip(records) {
        match record {
            Ok(record) => {
                // An email copy is a hint: the record may have changed its address since.
                if record["email"] != email {
                    reasons.retain(|reason| *reason != Reason::SameEmail);
                }
                if !reasons.is_empty() {
                    items.push(Duplicate { reasons, record });
                }
            }
            // Deleted since it was indexed, or not the caller's to see.
            Err(ApiError::NotFound | ApiError::Merged { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(Json(Duplicates { items }))
}
