//! Every WebSocket API function: `$connect`, `$disconnect`, the actions and `$default`, chosen by the
//! event's route key.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::ws::run().await
}
