//! `DELETE /api/v1/deals/{id}`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run(crm_api::routes::deals_delete).await
}
