//! `POST /api/v1/{leads|customers}/{id}/merge`: merges a duplicate into the record the path names. At once,
//! in one transaction: the record takes the duplicate's fields where it has none, their tags and the
//! duplicate's conversion; the duplicate is deleted, and its routes answer 404 with `merged_into`; the merge
//! is on both timelines. Then a job moves the duplicate's notes, timeline entries and deals over; the answer
//! is that job (202). Asking for the same merge again runs the moving again (it resumes where it stopped).
//! Admins and Managers only (it deletes a record); takes `If-Match` for the record kept.

use crate::app::App;
use crate::extract::{AppState, Caller, IfMatch, Json, Path};
use crate::problem::ApiError;
use crate::records::visible;
use axum::extract::State;
use axum::response::Response;
use crm_core::CoreError;
use crm_domain::clock::Timestamp;
use crm_domain::customer::Customer;
use crm_domain::job::Job;
use crm_domain::lead::Lead;
use crm_domain::merge::{MergeAsked, MergeJob, Mergeable};
use crm_domain::{Actor, RecordId, RecordKind, policy};
use serde::{Deserialize, Deserializer};

/// `/api/v1/{kind}/{id}/merge`: leads and customers merge; deals do not.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MergePath {
    /// `leads` or `customers`
    #[param(value_type = String, pattern = "^(leads|customers)$")]
    #[serde(deserialize_with = "mergeable")]
    pub kind: RecordKind,
    /// The record kept
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub id: String,
}

fn mergeable<'de, D: Deserializer<'de>>(deserializer: D) -> Result<RecordKind, D::Error> {
    let text = String::deserialize(deserializer)?;
    match RecordKind::from_collection(&text) {
        Some(kind @ (RecordKind::Lead | RecordKind::Customer)) => Ok(kind),
        _ => Err(serde::de::Error::custom("only leads and customers merge")),
    }
}

/// Merge a duplicate into this lead or customer; its notes, timeline and deals follow in the job answered
#[utoipa::path(post, operation_id = "record_merge", path = "/api/v1/{kind}/{id}/merge", tag = "activity",
    request_body(content = MergeAsked, example = json!({"duplicate_id": "01JD3V6Z8Q4X2N7K5M9P0R1S2T"})),
    params(MergePath, IfMatch),
    responses((status = 202, description = "Merged; the job moving the duplicate's notes, timeline and deals", body = Job,
        headers(("Location" = String, description = "The job: `/api/v1/jobs/{id}`")))),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<MergePath>,
    expected: IfMatch,
    Json(asked): Json<MergeAsked>,
) -> Result<Response, ApiError> {
    match path.kind {
        RecordKind::Customer => merge::<Customer>(&app, &caller.actor, &path.id, expected, &asked).await,
        _ => merge::<Lead>(&app, &caller.actor, &path.id, expected, &asked).await,
    }
}

async fn merge<R: Mergeable>(
    app: &App,
    actor: &Actor,
    id: &str,
    expected: IfMatch,
    asked: &MergeAsked,
) -> Result<Response, ApiError> {
    let survivor = visible::<R>(app, actor, R::Id::parse(id).ok_or(ApiError::NotFound)?).await?;
    let entity = R::KIND.entity();
    let duplicate_id = R::Id::parse(&asked.duplicate_id)
        .ok_or_else(|| ApiError::missing("duplicate_id", format!("names no {entity} of this account")))?;
    let now = Timestamp::now();
    let duplicate = match crm_core::visible::<R>(&app.table, actor, duplicate_id).await {
        Ok(duplicate) => duplicate,
        // Merged into this record before: move again what may be left (a job that failed or never ran).
        Err(CoreError::Merged { into, .. }) if into.survivor_id == survivor.id().to_string() => {
            policy::edit_record(actor, survivor.owner())?;
            policy::delete_record(actor, into.owner)?;
            let rest = MergeJob {
                kind: R::KIND,
                survivor_id: into.survivor_id,
                duplicate_id: duplicate_id.to_string(),
                entry: into.entry,
            };
            return crate::jobs::queue(app, actor, Job::merge(rest, actor.user, now)).await;
        }
        Err(CoreError::Merged { into, .. }) => {
            let detail = format!("was merged into {entity} {} already", into.survivor_id);
            return Err(ApiError::missing("duplicate_id", detail));
        }
        Err(CoreError::NotFound | CoreError::Denied(policy::Denied::Hidden)) => {
            return Err(ApiError::missing("duplicate_id", format!("names no {entity} of this account")));
        }
        Err(other) => return Err(other.into()),
    };
    let prepared = crm_core::merge(&app.table, actor, survivor, duplicate, expected.0, now).await?;
    let rest = prepared.value.rest.clone();
    prepared.commit().await.map_err(|e| expected.lost_race(e))?;
    crate::jobs::queue(app, actor, Job::merge(rest, actor.user, now)).await
}
