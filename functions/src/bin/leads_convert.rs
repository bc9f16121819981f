//! `POST /api/v1/leads/{id}/convert`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run(crm_api::routes::leads_convert).await
}
