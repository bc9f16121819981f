//! The routes leads, customers and deals share: create (with `Idempotency-Key`), read, list (filters,
//! cursor pages), change (with `If-Match`) and delete, each applying the record policy and writing its
//! activity entry in the same transaction as the change.

use crate::app::{App, Claim};
use crate::extract::{IdempotencyKey, IfMatch};
use crate::http::{PageBody, Versioned, json};
use crate::idempotency::{IdempotentRequest, replay};
use crate::problem::ApiError;
use axum::response::{IntoResponse, Response};
use crm_domain::clock::Timestamp;
use crm_domain::customer::Customer;
use crm_domain::deal::Deal;
use crm_domain::lead::Lead;
use crm_domain::record::{NewRecord, RecordPatch};
use crm_domain::{Actor, Record, RecordId, RecordKind, TenantId, UserId, policy, validation};
use crm_store::{Changes, PageRequest, RecordFilter, StoreError};
use http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Deserializer, Serialize};

/// A record of the caller's tenant that the caller may see; anything else is "not found".
pub async fn visible<R: Record>(app: &App, actor: &Actor, id: R::Id) -> Result<R, ApiError> {
    Ok(crm_core::visible(&app.table, actor, id).await?)
}

/// The owner of a visible record of any kind, named by its collection and id as in a URL.
pub async fn visible_owner(app: &App, actor: &Actor, kind: RecordKind, id: &str) -> Result<UserId, ApiError> {
    Ok(crm_core::visible_owner(&app.table, actor, kind, id).await?)
}

/// A record of any kind the actor may see, as its JSON; anything else is "not found".
pub async fn visible_json(app: &App, actor: &Actor, kind: RecordKind, id: &str) -> Result<serde_json::Value, ApiError> {
    async fn one<R: Record>(app: &App, actor: &Actor, id: &str) -> Result<serde_json::Value, ApiError> {
        let id = R::Id::parse(id).ok_or(ApiError::NotFound)?;
        let record = crm_core::visible::<R>(&app.table, actor, id).await?;
        serde_json::to_value(record).map_err(|e| ApiError::Internal(e.to_string()))
    }
    match kind {
        RecordKind::Lead => one::<crm_domain::lead::Lead>(app, actor, id).await,
        RecordKind::Customer => one::<crm_domain::customer::Customer>(app, actor, id).await,
        RecordKind::Deal => one::<crm_domain::deal::Deal>(app, actor, id).await,
    }
}

/// A record's collection as its URLs name it: `leads`, `customers` or `deals`.
#[derive(Clone, Copy, Debug, utoipa::ToSchema)]
#[schema(value_type = String, pattern = "^(leads|customers|deals)$", example = "leads")]
pub struct Collection(pub RecordKind);

impl<'de> Deserialize<'de> for Collection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RecordKind::from_collection(&text).map(Collection).ok_or_else(|| serde::de::Error::custom("no such collection"))
    }
}

/// `/api/v1/{kind}/{id}`: a record of any kind, as the routes under a record name it.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RecordPath {
    /// `leads`, `customers` or `deals`
    #[param(value_type = String, pattern = "^(leads|customers|deals)$")]
    pub kind: Collection,
    /// The record's id
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    #[serde(deserialize_with = "canonical_id")]
    pub id: String,
}

/// An id as text, in its canonical spelling (another spelling of the same id keys the same items).
fn canonical_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    crm_domain::ids::canonical(&text).ok_or_else(|| serde::de::Error::custom("not an id"))
}

/// `{id}` of a record's URL, as the document states it (the handler reads it as the kind's id type).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    /// The record's id
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub id: String,
}

/// `/api/v1/{kind}/{id}/notes/{note_id}`: one note of a record.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NotePath {
    /// `leads`, `customers` or `deals`
    #[param(value_type = String, pattern = "^(leads|customers|deals)$")]
    pub kind: Collection,
    /// The record's id
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    #[serde(deserialize_with = "canonical_id")]
    pub id: String,
    /// The note's id
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub note_id: crm_domain::NoteId,
}

impl NotePath {
    /// The note, when the caller sees its record and may edit it (its author, an Admin or a Manager), at
    /// the version the client expects.
    pub async fn editable_note(
        &self,
        app: &App,
        actor: &Actor,
        expected: IfMatch,
    ) -> Result<crm_domain::note::Note, ApiError> {
        Ok(crm_core::notes::editable(&app.table, actor, self.kind.0, &self.id, self.note_id, expected.0).await?)
    }
}

/// A list route's query filters, checked into the store's filter.
pub trait IntoFilter {
    fn into_filter(self) -> Result<RecordFilter, ApiError>;
}

/// A page of a list under one record (`/{kind}/{id}/notes`, `…/timeline`), in one DynamoDB round trip:
/// the caller's user, the record (does the caller see it?) and the page are read together, and the page is
/// answered only once both checks pass.
pub async fn record_sublist<T, F>(
    app: &App,
    claimed: Claim,
    path: &RecordPath,
    page: &PageRequest,
    read_page: impl Fn(TenantId, RecordKind, String, PageRequest) -> F,
) -> Result<PageBody<T>, ApiError>
where
    F: std::future::Future<Output = Result<crm_store::Page<T>, StoreError>>,
{
    let kind = path.kind.0;
    let read = async |actor: Actor| {
        let (visible, items) = tokio::join!(
            visible_owner(app, &actor, kind, &path.id),
            read_page(actor.tenant, kind, path.id.clone(), page.clone())
        );
        visible?;
        Ok(PageBody::from(items?))
    };
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(page)
}

/// What a creating request made, so that a retry with its idempotency key can tell whether it still
/// exists.
#[derive(Clone, Copy, Debug)]
pub enum Made<'a> {
    Record(RecordKind),
    /// A note on the record of this kind and id.
    Note(RecordKind, &'a str),
    /// Several records at once (a conversion): a retry answers what the first request did.
    Several,
}

impl Made<'_> {
    /// Whether the thing the stored first answer (`body`) created is gone since.
    async fn gone(self, app: &App, tenant: TenantId, body: &str) -> Result<bool, ApiError> {
        let stored: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let Some(id) = stored["id"].as_str() else { return Ok(false) };
        async fn missing<R: Record>(app: &App, tenant: TenantId, id: &str) -> Result<bool, ApiError> {
            let Some(id) = R::Id::parse(id) else { return Ok(true) };
            Ok(app.table.record::<R>(tenant, id).await?.is_none())
        }
        match self {
            Made::Record(RecordKind::Lead) => missing::<Lead>(app, tenant, id).await,
            Made::Record(RecordKind::Customer) => missing::<Customer>(app, tenant, id).await,
            Made::Record(RecordKind::Deal) => missing::<Deal>(app, tenant, id).await,
            Made::Note(kind, record_id) => {
                let Some(note_id) = crm_domain::NoteId::parse(id) else { return Ok(true) };
                Ok(app.table.note(tenant, kind, record_id, note_id).await?.is_none())
            }
            Made::Several => Ok(false),
        }
    }
}

/// Commits a creating change; with an idempotency key, the response is stored with the change, and a
/// retry gets the stored response instead of a second record — or, when what the first request created
/// has been deleted since, a 409 saying so (the stored answer would point at nothing).
#[allow(clippy::too_many_arguments)]
pub async fn commit_created<T: Serialize>(
    app: &App,
    made: Made<'_>,
    mut changes: Changes<'_>,
    actor: &Actor,
    idempotent: Option<IdempotentRequest>,
    operation: &str,
    body: &T,
    location: Option<String>,
    version: Option<u64>,
) -> Result<Response, ApiError> {
    let now = Timestamp::now();
    let mut response = match version {
        Some(version) => Versioned::created(body, version).into_response(),
        None => json(StatusCode::CREATED, body)?,
    };
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    let claim =
        idempotent.map(|request| request.claim(actor, operation, StatusCode::CREATED, body, now)).transpose()?;
    if let Some(claim) = &claim {
        changes.claim(claim, now.unix_seconds())?;
    }
    match changes.commit().await {
        Ok(()) => Ok(response),
        Err(StoreError::Replay(stored)) => {
            let first = replay(claim.as_ref(), &stored)?;
            if made.gone(app, actor.tenant, &stored.body).await? {
                return Err(ApiError::Conflict {
                    detail: "what the first request with this Idempotency-Key created has been deleted since".into(),
                    field: Some(crate::idempotency::HEADER.into()),
                });
            }
            Ok(first)
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /api/v1/{kind}`.
pub async fn create<R: Record, N: NewRecord<R>>(
    app: &App,
    actor: &Actor,
    key: IdempotencyKey,
    input: N,
) -> Result<Response, ApiError> {
    let prepared = crm_core::create(&app.table, actor, input, Timestamp::now()).await?;
    let operation = format!("POST /api/v1/{}", R::KIND.collection());
    respond_created(app, actor, prepared, key.0, &operation).await
}

/// Commits a created record and answers it (201, its ETag and location), or the first answer when the
/// idempotency key was used before; `operation` scopes the key.
pub async fn respond_created<R: Record>(
    app: &App,
    actor: &Actor,
    prepared: crm_core::Prepared<'_, R>,
    idempotent: Option<IdempotentRequest>,
    operation: &str,
) -> Result<Response, ApiError> {
    let crm_core::Prepared { value: record, changes } = prepared;
    let location = format!("/api/v1/{}/{}", R::KIND.collection(), record.id());
    let made = Made::Record(R::KIND);
    let version = Some(record.version());
    commit_created(app, made, changes, actor, idempotent, operation, &record, Some(location), version).await
}

/// `GET /api/v1/{kind}/{id}`.
pub async fn get<R: Record>(app: &App, claimed: Claim, id: R::Id) -> Result<Versioned<R>, ApiError> {
    let (_, record) = app.confirm_while(claimed, async |actor: Actor| visible::<R>(app, &actor, id).await).await?;
    let version = record.version();
    Ok(Versioned::ok(record, version))
}

/// `PATCH /api/v1/{kind}/{id}`: a partial update; `If-Match` with a stale version answers 412, a change
/// that raced another answers 409.
pub async fn update<R: Record, P: RecordPatch<R>>(
    app: &App,
    actor: &Actor,
    id: R::Id,
    expected: IfMatch,
    patch: P,
) -> Result<Versioned<R>, ApiError> {
    let before = visible::<R>(app, actor, id).await?;
    let record = match crm_core::update(&app.table, actor, before, expected.0, patch, Timestamp::now())? {
        crm_core::Changed::Unchanged(record) => record,
        crm_core::Changed::Prepared(prepared) => prepared.commit().await.map_err(|e| expected.lost_race(e))?,
    };
    let version = record.version();
    Ok(Versioned::ok(record, version))
}

/// `DELETE /api/v1/{kind}/{id}` (Admin and Manager).
pub async fn delete<R: Record>(app: &App, actor: &Actor, id: R::Id, expected: IfMatch) -> Result<StatusCode, ApiError> {
    let record = visible::<R>(app, actor, id).await?;
    let prepared = crm_core::delete(&app.table, actor, record, expected.0, Timestamp::now())?;
    prepared.commit().await.map_err(|e| expected.lost_race(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The filters a list route was given, checked: the kind's state (`status` or `stage`), `owner_id`, `tag`.
pub fn record_filter(
    state: Option<&'static str>,
    owner: Option<UserId>,
    tag: Option<String>,
) -> Result<RecordFilter, ApiError> {
    let tag = tag
        .map(|t| validation::tag("tag", &t).map_err(|e| ApiError::bad_request("tag", format!("`tag` {}", e.message))))
        .transpose()?;
    Ok(RecordFilter { state, owner, tag })
}

/// `GET /api/v1/{kind}`: newest first, one Query per page; Sales sees only its own records.
pub async fn list<R: Record>(
    app: &App,
    claimed: Claim,
    requested: RecordFilter,
    page: &PageRequest,
) -> Result<PageBody<R>, ApiError> {
    let read = async |actor: Actor| {
        let filter = RecordFilter { owner: policy::list_owner(&actor, requested.owner)?, ..requested.clone() };
        Ok(app.table.records::<R>(actor.tenant, &filter, page).await?)
    };
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(page.into())
}
