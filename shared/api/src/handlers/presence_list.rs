//! `GET /api/v1/presence`: who in the account is online (has a live connection), with how many.

use crate::app::App;
use crate::http::{json, only_query_params};
use crate::problem::ApiError;
use crm_domain::UserId;
use crm_domain::clock::Timestamp;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
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

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (actor, _) = app.authenticate(&req).await?;
    only_query_params(&req, &[])?;
    let connections = app.table.live_connections(actor.tenant, None, Timestamp::now().unix_seconds()).await?;
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
    json(StatusCode::OK, &Presence { online: by_user.into_values().collect() })
}
