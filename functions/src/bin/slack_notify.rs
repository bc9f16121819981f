//! Drains the slack-notify queue into each tenant's Slack incoming webhook.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_workers::lambda::run(crm_workers::functions::slack_notify).await
}
