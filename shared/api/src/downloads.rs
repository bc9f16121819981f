//! Files handed out: people fetch them through short-lived presigned links the function signs, never through
//! the API itself (a Lambda answer is capped at 6 MB).

use crate::app::App;
use crate::problem::ApiError;
use crm_domain::TenantId;
use crm_domain::clock::Timestamp;
use serde::Serialize;

/// How long a link to a file works.
pub const LINK_SECONDS: u64 = 15 * 60;

/// A file to fetch: a link that works for 15 minutes (ask again for a fresh one).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Download {
    pub url: String,
    pub expires_at: String,
}

fn files(app: &App) -> Result<&crm_files::Files, ApiError> {
    app.files.as_ref().ok_or_else(|| ApiError::Internal("no files bucket (FILES_BUCKET)".into()))
}

/// A link to the file at `key`, offered to the browser as `file_name`.
pub async fn link(app: &App, key: &str, file_name: &str) -> Result<Download, ApiError> {
    let valid_for = std::time::Duration::from_secs(LINK_SECONDS);
    let url =
        files(app)?.download_url(key, file_name, valid_for).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let expires = Timestamp::from_unix_seconds(Timestamp::now().unix_seconds() + LINK_SECONDS as i64);
    Ok(Download { url, expires_at: expires.map(|t| t.rfc3339()).unwrap_or_default() })
}

/// Keeps `bytes` as a new file of the account under `area` (it expires with the bucket's lifecycle rule) and
/// answers a link to it.
pub async fn keep(
    app: &App,
    tenant: TenantId,
    area: &str,
    bytes: Vec<u8>,
    content_type: &str,
    file_name: &str,
) -> Result<Download, ApiError> {
    let extension = file_name.rsplit('.').next().unwrap_or("bin");
    let key = crm_files::key(tenant, area, &format!("{}.{extension}", ulid::Ulid::new()));
    files(app)?.put(&key, bytes, content_type).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    link(app, &key, file_name).await
}
