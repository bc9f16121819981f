//! The table stream's consumer: turns item changes into domain events for the queues.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_workers::lambda::run(crm_workers::functions::events_router).await
}
