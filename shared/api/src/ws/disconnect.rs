//! `$disconnect`: forgets the connection; if it was its user's last, tells the tenant the user is offline.

use crate::app::App;
use crate::ws::{event_endpoint, status};
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use crm_chat::Member;

pub async fn handle(app: &App, event: ApiGatewayWebsocketProxyRequest) -> ApiGatewayProxyResponse {
    let Some(connection) = event.request_context.connection_id.clone() else { return status(400) };
    let owner = match app.table.connection_owner(&connection).await {
        Ok(Some(owner)) => owner,
        Ok(None) => return status(200),
        Err(error) => {
            tracing::error!(%error, "connection lookup failed");
            return status(500);
        }
    };
    let member = Member { tenant: owner.tenant, user: owner.user };
    let client = app.chat.client(event_endpoint(&event).as_deref());
    match app.chat.depart(client.as_ref(), member, &connection).await {
        Ok(()) => status(200),
        Err(error) => {
            tracing::error!(%error, "disconnect failed");
            status(500)
        }
    }
}
