//! `POST /api/v1/auth/refresh`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run(crm_api::routes::auth_refresh).await
}
