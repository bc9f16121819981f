//! Drains the stats-rollup queue into the pre-computed statistics.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_workers::lambda::run(crm_workers::functions::stats_rollup).await
}
