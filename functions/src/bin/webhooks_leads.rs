//! `POST /api/v1/webhooks/leads`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run(crm_api::routes::webhooks_leads).await
}
