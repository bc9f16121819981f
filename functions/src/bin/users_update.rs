//! `PATCH /api/v1/users/{id}`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run(crm_api::routes::users_update).await
}
