//! `/api/v1/notifications`: the caller's own inbox. Every route reads or changes only the caller's entries,
//! so there is nothing of anyone else's to ask for; the notify worker writes them, never these routes.

use crate::extract::{AppState, Caller, Claimed, Json, Listed, Path};
use crate::http::PageBody;
use crate::problem::{ApiError, Problem};
use axum::extract::State;
use crm_domain::NotificationId;
use crm_domain::clock::Timestamp;
use crm_domain::notification::{Notification, Preferences, PreferencesPatch};
use serde::Serialize;

/// The filters of `GET /api/v1/notifications`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxFilters {
    /// Only the unread ones
    pub unread: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnreadCount {
    /// How many of the caller's notifications are unread
    pub unread: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MarkedRead {
    /// How many notifications this request marked read
    pub marked: u64,
}

/// The path of one notification.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NotificationPath {
    /// The notification's id
    #[param(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub id: NotificationId,
}

/// The caller's notifications, newest first
#[utoipa::path(get, operation_id = "notifications_list", path = "/api/v1/notifications", tag = "notifications",
    params(Listed<InboxFilters>),
    responses((status = 200, description = "A page of the caller's notifications", body = PageBody<Notification>)),
    security(("bearer" = [])))]
pub async fn list(
    State(app): AppState,
    Claimed(claimed): Claimed,
    query: Listed<InboxFilters>,
) -> Result<PageBody<Notification>, ApiError> {
    let unread_only = query.filters.unread.unwrap_or(false);
    let read = async |actor: crm_domain::Actor| {
        Ok(app.table.notifications(actor.tenant, actor.user, unread_only, &query.page).await?)
    };
    let (_, page) = app.confirm_while(claimed, read).await?;
    Ok(page.into())
}

/// How many of the caller's notifications are unread
#[utoipa::path(get, operation_id = "notifications_unread_count", path = "/api/v1/notifications/unread_count", tag = "notifications",
    responses((status = 200, description = "The unread count", body = UnreadCount)),
    security(("bearer" = [])))]
pub async fn unread_count(State(app): AppState, Claimed(claimed): Claimed) -> Result<Json<UnreadCount>, ApiError> {
    let read = async |actor: crm_domain::Actor| Ok(app.table.unread_notifications(actor.tenant, actor.user).await?);
    let (_, unread) = app.confirm_while(claimed, read).await?;
    Ok(Json(UnreadCount { unread }))
}

/// Mark one notification read (again: it keeps the first time)
#[utoipa::path(post, operation_id = "notifications_read", path = "/api/v1/notifications/{id}/read", tag = "notifications",
    params(NotificationPath),
    responses((status = 200, description = "The notification, read", body = Notification),
        (status = 404, description = "The caller has no such notification", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn read(
    State(app): AppState,
    caller: Caller,
    Path(path): Path<NotificationPath>,
) -> Result<Json<Notification>, ApiError> {
    let (tenant, user) = (caller.actor.tenant, caller.actor.user);
    let now = Timestamp::now().rfc3339();
    Ok(Json(app.table.mark_notification_read(tenant, user, path.id, &now).await?))
}

/// Mark every notification of the caller read
#[utoipa::path(post, operation_id = "notifications_read_all", path = "/api/v1/notifications/read_all", tag = "notifications",
    responses((status = 200, description = "How many were marked read", body = MarkedRead)),
    security(("bearer" = [])))]
pub async fn read_all(State(app): AppState, caller: Caller) -> Result<Json<MarkedRead>, ApiError> {
    let (tenant, user) = (caller.actor.tenant, caller.actor.user);
    let marked = app.table.mark_all_notifications_read(tenant, user, &Timestamp::now().rfc3339()).await?;
    Ok(Json(MarkedRead { marked }))
}

/// Which kinds notify the caller
#[utoipa::path(get, operation_id = "notifications_preferences_get", path = "/api/v1/notifications/preferences", tag = "notifications",
    responses((status = 200, description = "The caller's preferences", body = Preferences)),
    security(("bearer" = [])))]
pub async fn preferences_get(State(app): AppState, Claimed(claimed): Claimed) -> Result<Json<Preferences>, ApiError> {
    let read =
        async |actor: crm_domain::Actor| Ok(app.table.notification_preferences(actor.tenant, actor.user).await?);
    let (_, preferences) = app.confirm_while(claimed, read).await?;
    Ok(Json(preferences))
}

/// Switch kinds of notification on or off (kinds left out keep their setting)
#[utoipa::path(patch, operation_id = "notifications_preferences_update", path = "/api/v1/notifications/preferences", tag = "notifications",
    request_body = PreferencesPatch,
    responses((status = 200, description = "The caller's preferences now", body = Preferences)),
    security(("bearer" = [])))]
pub async fn preferences_update(
    State(app): AppState,
    caller: Caller,
    Json(patch): Json<PreferencesPatch>,
) -> Result<Json<Preferences>, ApiError> {
    let (tenant, user) = (caller.actor.tenant, caller.actor.user);
    Ok(Json(app.table.set_notification_preferences(tenant, user, &patch.changes()).await?))
}
