//! WebSocket route `markRead`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::ws::run(crm_api::ws::ws_mark_read).await
}
