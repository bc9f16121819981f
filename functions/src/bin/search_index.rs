//! Drains the search-index queue into OpenSearch.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_workers::lambda::run(crm_workers::functions::search_index).await
}
