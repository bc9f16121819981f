//! `POST /api/v1/integrations/webhooks`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run(crm_api::routes::integrations_webhooks_create).await
}
