//! `POST /api/v1/auth/sign_up`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run(crm_api::routes::auth_sign_up).await
}
