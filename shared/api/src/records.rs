//! The routes leads, customers and deals share: create (with `Idempotency-Key`), read, list (filters,
//! cursor pages), change (with `If-Match`) and delete, each applying the record policy and writing its
//! activity entry in the same transaction as the change.

use crate::app::App;
use crate::http::{
    PageBody, if_match, json, json_body, only_query_params, page_request, path_id, query_param, versioned,
};
use crate::idempotency::{IdempotentRequest, replay};
use crate::problem::ApiError;
use crm_domain::activity::{Action, Activity};
use crm_domain::clock::Timestamp;
use crm_domain::customer::Customer;
use crm_domain::deal::Deal;
use crm_domain::lead::Lead;
use crm_domain::record::{NewRecord, RecordPatch};
use crm_domain::{Actor, Record, RecordId, RecordKind, TenantId, UserId, policy, validation};
use crm_store::{Changes, PageRequest, RecordFilter, StoreError};
use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A record of the caller's tenant that the caller may see; anything else is "not found".
pub async fn visible<R: Record>(app: &App, actor: &Actor, id: R::Id) -> Result<R, ApiError> {
    let record: R = app.table.record(actor.tenant, id).await?.ok_or(ApiError::NotFound)?;
    policy::view_record(actor, record.owner())?;
    Ok(record)
}

/// The owner of a visible record of any kind, named by its collection and id as in a URL.
pub async fn visible_owner(app: &App, actor: &Actor, kind: RecordKind, id: &str) -> Result<UserId, ApiError> {
    async fn owner<R: Record>(app: &App, actor: &Actor, id: &str) -> Result<UserId, ApiError> {
        let id = R::Id::parse(id).ok_or(ApiError::NotFound)?;
        Ok(visible::<R>(app, actor, id).await?.owner())
    }
    match kind {
        RecordKind::Lead => owner::<Lead>(app, actor, id).await,
        RecordKind::Customer => owner::<Customer>(app, actor, id).await,
        RecordKind::Deal => owner::<Deal>(app, actor, id).await,
    }
}

/// The `{kind}` path parameter of the routes shared by all record kinds (`leads`, `customers`, `deals`).
pub fn path_kind(req: &Request) -> Result<RecordKind, ApiError> {
    path_id(req, "kind", RecordKind::from_collection)
}

/// A page of a list under one record (`/{kind}/{id}/notes`, `…/timeline`), in one DynamoDB round trip:
/// the caller's user, the record (does the caller see it?) and the page are read together, and the page is
/// answered only once both checks pass.
pub async fn record_sublist<T, F>(
    app: &App,
    req: &Request,
    read_page: impl Fn(TenantId, RecordKind, String, PageRequest) -> F,
) -> Result<Response<Body>, ApiError>
where
    T: Serialize,
    F: std::future::Future<Output = Result<crm_store::Page<T>, StoreError>>,
{
    let read = async |actor: Actor| {
        let kind = path_kind(req)?;
        let record_id = path_id(req, "id", |id| Some(id.to_owned()))?;
        only_query_params(req, &["limit", "cursor"])?;
        let page = page_request(req)?;
        let (visible, items) = tokio::join!(
            visible_owner(app, &actor, kind, &record_id),
            read_page(actor.tenant, kind, record_id.clone(), page)
        );
        visible?;
        Ok(PageBody::from(items?))
    };
    let (_, page) = app.authenticate_with(req, read).await?;
    json(StatusCode::OK, &page)
}

/// Commits a creating change; with an idempotency key, the response is stored with the change, and a
/// retry gets the stored response instead of a second record.
pub async fn commit_created<T: Serialize>(
    mut changes: Changes<'_>,
    actor: &Actor,
    idempotent: Option<IdempotentRequest>,
    operation: &str,
    body: &T,
    location: Option<String>,
    version: Option<u64>,
) -> Result<Response<Body>, ApiError> {
    let now = Timestamp::now();
    let mut response = match version {
        Some(version) => versioned(StatusCode::CREATED, body, version)?,
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
        Err(StoreError::Replay(stored)) => replay(claim.as_ref(), &stored),
        Err(other) => Err(other.into()),
    }
}

/// `POST /api/v1/{kind}`.
pub async fn create<R: Record, N: NewRecord<R> + DeserializeOwned>(
    app: &App,
    req: Request,
) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let idempotent = IdempotentRequest::from_request(&req)?;
    let input: N = json_body(&req)?;
    let changes = app.table.changes(actor.tenant);
    let operation = format!("POST /api/v1/{}", R::KIND.collection());
    create_record(app, &actor, input, changes, idempotent, &operation).await
}

/// Creates a record as `actor` — every way a record comes into being (the API, inbound webhooks)
/// goes through here, so policy, validation, activity and events are the same. `changes` may already
/// hold conditions the caller needs; `operation` scopes the idempotency key.
pub async fn create_record<R: Record, N: NewRecord<R>>(
    app: &App,
    actor: &Actor,
    input: N,
    mut changes: Changes<'_>,
    idempotent: Option<IdempotentRequest>,
    operation: &str,
) -> Result<Response<Body>, ApiError> {
    let owner = policy::owner_for_new_record(actor, input.requested_owner())?;
    let references = input.references();
    let now = Timestamp::now();
    let record = input.validate(owner, now)?;
    for (kind, id, field) in references {
        // A reference the caller cannot see is as good as missing.
        visible_owner(app, actor, kind, &id)
            .await
            .map_err(|_| ApiError::invalid(field, format!("names no {} of this account", kind.entity())))?;
        changes.require_record(kind, &id, field)?;
    }
    let id = record.id().to_string();
    changes.create(&record)?;
    if record.owner() != actor.user {
        changes.require_active_user(record.owner())?;
    }
    changes.log(&Activity::record(R::KIND.entity(), &id, Action::Created, actor.user, &now.rfc3339(), Vec::new()))?;
    let location = format!("/api/v1/{}/{id}", R::KIND.collection());
    commit_created(changes, actor, idempotent, operation, &record, Some(location), Some(record.version())).await
}

/// `GET /api/v1/{kind}/{id}`.
pub async fn get<R: Record>(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let read = async |actor: Actor| {
        only_query_params(&req, &[])?;
        visible::<R>(app, &actor, path_id(&req, "id", R::Id::parse)?).await
    };
    let (_, record) = app.authenticate_with(&req, read).await?;
    versioned(StatusCode::OK, &record, record.version())
}

/// `PATCH /api/v1/{kind}/{id}`: a partial update; `If-Match` with a stale version answers 412, a change
/// that raced another answers 409.
pub async fn update<R: Record, P: RecordPatch<R> + DeserializeOwned>(
    app: &App,
    req: Request,
) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    let id = path_id(&req, "id", R::Id::parse)?;
    let expected = if_match(&req)?;
    let patch: P = json_body(&req)?;
    let before = visible::<R>(app, &actor, id).await?;
    policy::edit_record(&actor, before.owner())?;
    if expected.is_some_and(|v| v != before.version()) {
        return Err(ApiError::PreconditionFailed);
    }
    let now = Timestamp::now();
    let update = patch.apply(&before, now)?;
    if update.changes.is_empty() {
        return versioned(StatusCode::OK, &before, before.version());
    }
    let mut changes = app.table.changes(actor.tenant);
    changes.replace(&before, &update.record)?;
    if update.changed("owner_id") {
        policy::reassign_record(&actor)?;
        changes.require_active_user(update.record.owner())?;
    }
    let action = Action::for_changes(&update.changes);
    changes.log(&Activity::record(R::KIND.entity(), id, action, actor.user, &now.rfc3339(), update.changes))?;
    match changes.commit().await {
        Ok(()) => versioned(StatusCode::OK, &update.record, update.record.version()),
        Err(StoreError::VersionConflict) if expected.is_some() => Err(ApiError::PreconditionFailed),
        Err(other) => Err(other.into()),
    }
}

/// `DELETE /api/v1/{kind}/{id}` (Admin and Manager).
pub async fn delete<R: Record>(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &[])?;
    let id = path_id(&req, "id", R::Id::parse)?;
    let expected = if_match(&req)?;
    let record = visible::<R>(app, &actor, id).await?;
    policy::delete_record(&actor, record.owner())?;
    if expected.is_some_and(|v| v != record.version()) {
        return Err(ApiError::PreconditionFailed);
    }
    let mut changes = app.table.changes(actor.tenant);
    changes.remove(&record)?;
    changes.log(&Activity::record(
        R::KIND.entity(),
        id,
        Action::Deleted,
        actor.user,
        &Timestamp::now().rfc3339(),
        Vec::new(),
    ))?;
    match changes.commit().await {
        Ok(()) => Ok(crate::http::no_content()),
        Err(StoreError::VersionConflict) if expected.is_some() => Err(ApiError::PreconditionFailed),
        Err(other) => Err(other.into()),
    }
}

/// The filters of a list route: the kind's state (`status` or `stage`), `owner_id` and `tag`.
fn filter<R: Record>(req: &Request) -> Result<RecordFilter, ApiError> {
    let mut known = vec!["owner_id", "tag", "limit", "cursor"];
    known.extend(R::KIND.state_field());
    only_query_params(req, &known)?;
    let state = match R::KIND.state_field() {
        Some(field) => query_param(req, field)?
            .map(|s| {
                R::parse_state(&s).ok_or_else(|| {
                    ApiError::bad_request(field, format!("`{field}` must be one of {}", R::state_names().join(", ")))
                })
            })
            .transpose()?,
        None => None,
    };
    let owner = query_param(req, "owner_id")?
        .map(|o| UserId::parse(&o).ok_or_else(|| ApiError::bad_request("owner_id", "`owner_id` must be a user id")))
        .transpose()?;
    let tag = query_param(req, "tag")?
        .map(|t| validation::tag("tag", &t).map_err(|e| ApiError::bad_request("tag", format!("`tag` {}", e.message))))
        .transpose()?;
    Ok(RecordFilter { state, owner, tag })
}

/// `GET /api/v1/{kind}`: newest first, one Query per page; Sales sees only its own records.
pub async fn list<R: Record>(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let read = async |actor: Actor| {
        let requested = filter::<R>(&req)?;
        let filter = RecordFilter { owner: policy::list_owner(&actor, requested.owner)?, ..requested };
        Ok(app.table.records::<R>(actor.tenant, &filter, &page_request(&req)?).await?)
    };
    let (_, page) = app.authenticate_with(&req, read).await?;
    json(StatusCode::OK, &PageBody::from(page))
}

/// Whether a request carries a body at all (some routes take an optional one).
pub fn has_body(req: &Request) -> bool {
    let empty = match req.body() {
        Body::Empty => true,
        Body::Text(text) => text.trim().is_empty(),
        Body::Binary(bytes) => bytes.is_empty(),
        _ => true,
    };
    !empty
}
