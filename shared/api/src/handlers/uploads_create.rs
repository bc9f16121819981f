//! `POST /api/v1/uploads`: a short-lived link that puts one CSV file of an exact size into the files
//! bucket, under the caller's own prefix, for an import (`POST /api/v1/imports`) to read. The API never
//! carries the file itself: a Lambda request body is capped at 6 MB, an import file at 20 MiB.

use crate::extract::{AppState, Caller, Json};
use crate::http::WithStatus;
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::UploadId;
use crm_domain::clock::Timestamp;
use crm_domain::import::NewUpload;
use http::StatusCode;
use serde::Serialize;
use std::collections::BTreeMap;

/// How long an upload link works.
const UPLOAD_SECONDS: u64 = 15 * 60;
/// What an upload holds, as its link is signed for.
const CONTENT_TYPE: &str = "text/csv";

/// Where to put the file: send `PUT url` with these headers and the file's exact bytes as the body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadLink {
    /// Name it as `upload_id` when starting the import.
    #[schema(value_type = String)]
    pub id: UploadId,
    pub url: String,
    #[schema(example = "PUT")]
    pub method: &'static str,
    /// Headers the `PUT` must carry, as signed (with a `Content-Length` of exactly `bytes`).
    pub headers: BTreeMap<&'static str, &'static str>,
    pub expires_at: String,
}

/// A link to upload a CSV file of `bytes` bytes (at most 20 MiB) for an import
#[utoipa::path(post, operation_id = "uploads_create", path = "/api/v1/uploads", tag = "imports",
    request_body(content = NewUpload, example = json!({"bytes": 48213})),
    responses((status = 201, description = "Where to `PUT` the file, for 15 minutes", body = UploadLink)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Json(asked): Json<NewUpload>,
) -> Result<WithStatus<UploadLink>, ApiError> {
    let actor = caller.actor;
    let bytes = asked.validate()?;
    let files = app.files.as_ref().ok_or_else(|| ApiError::Internal("no files bucket (FILES_BUCKET)".into()))?;
    let id = UploadId::new();
    let key = crm_files::upload_key(actor.tenant, actor.user, id);
    let valid_for = std::time::Duration::from_secs(UPLOAD_SECONDS);
    let url =
        files.upload_url(&key, bytes, CONTENT_TYPE, valid_for).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let expires = Timestamp::from_unix_seconds(Timestamp::now().unix_seconds() + UPLOAD_SECONDS as i64);
    let link = UploadLink {
        id,
        url,
        method: "PUT",
        headers: BTreeMap::from([("content-type", CONTENT_TYPE)]),
        expires_at: expires.map(|t| t.rfc3339()).unwrap_or_default(),
    };
    Ok(WithStatus(StatusCode::CREATED, link))
}
