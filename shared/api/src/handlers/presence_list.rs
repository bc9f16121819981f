//! `GET /api/v1/presence`: who in the account is online (has a live connection), with how many.

use crate::extract::{AppState, Claimed, Json};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::clock::Timestamp;
use crm_domain::{Actor, UserId};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Online {
    pub user_id: UserId,
    pub connections: usize,
    pub since: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Presence {
    pub online: Vec<Online>,
}

/// Who is online, with connection counts
#[utoipa::path(get, operation_id = "presence_list", path = "/api/v1/presence", tag = "chat",
    responses((status = 200, description = "The online users", body = Presence)),
    security(("bearer" = [])))]
pub async fn handle(State(app): AppState, Claimed(claimed): Claimed) -> Result<Json<Presence>, ApiError> {
    let read = async |actor: Actor| {
        Ok(app.table.live_connections(actor.tenant, None, Timestamp::now().unix_seconds()).await?)
    };
    let (_, connections) = app.confirm_while(claimed, read).await?;
    let mut by_user: BTreeMap<UserId, Online> = BTreeMap::new();
    for connection in connections {
        let entry = by_user.entry(connection.user_id).or_insert_with(|| Online {
            user_id: connection.user_id,
            connections: 0,
            since: connection.connected_at.clone(),
        });
        entry.connections += 1;
        entry.since = entry.since.clone().min(connection.connected_at);
    }
    Ok(Json(Presence { online: by_user.into_values().collect() }))
}
