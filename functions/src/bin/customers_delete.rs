//! `DELETE /api/v1/customers/{id}`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run(crm_api::routes::customers_delete).await
}
