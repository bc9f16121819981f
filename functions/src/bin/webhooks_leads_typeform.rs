//! `POST /api/v1/webhooks/leads/typeform/{endpoint_id}`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run(crm_api::routes::webhooks_leads_typeform).await
}
