//! `GET /api/v1/{kind}/{id}/notes`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_api::lambda::run(crm_api::routes::notes_list).await
}
