//! Every HTTP API function: the whole router, built once. API Gateway sends each function only its route.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run().await
}
