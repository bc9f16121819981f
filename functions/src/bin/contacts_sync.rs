//! Drains the contacts-sync queue: Google Contacts sync runs and CRM changes pushed to linked entries.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    crm_workers::lambda::run(crm_workers::functions::contacts_sync).await
}
