//! The single DynamoDB table. Every partition key begins with `T#<tenant id>#`, every request path is a
//! GetItem, a Query or a transaction, and lists page with opaque cursors bound to their tenant and query.
//! `docs/access-patterns.md` lists each access pattern with its key condition and index.

mod activity;
mod changes;
mod chat;
mod cursor;
mod error;
mod google;
mod idempotency;
mod imports;
mod integrations;
mod jobs;
pub mod keys;
mod merges;
mod notes;
mod notifications;
mod once;
mod outgoing;
mod rates;
mod read;
mod records;
pub mod secret_env;
pub mod secrets;
mod sessions;
mod stats;
mod tags;
mod throttle;
mod tx;
mod usage;
mod users;
mod webhooks;

pub use changes::{CHANGED_BY, CHANGED_VIA, Changes, MAX_TRANSACTION_ACTIONS};
pub use chat::{Connection, ConnectionOwner, TokenTerms};
pub use cursor::{Page, PageRequest};
pub use error::StoreError;
pub use google::{
    ContactLink, GoogleConnection, OAUTH_STATE_SECONDS, OAuthState, SYNC_REQUEST_PREFIX, SyncOutcome, google_place,
};
pub use idempotency::{IDEMPOTENCY_WINDOW_SECONDS, IdempotencyClaim, IdempotencyRecord};
pub use integrations::StoredSlack;
pub use merges::MergedInto;
pub use outgoing::{StoredDelivery, StoredEndpoint};
pub use records::RecordFilter;
pub use sessions::Session;
pub use stats::StatsRange;
pub use tags::{TagCount, TagScope};
pub use usage::{Applied, USAGE, Usage};
pub use users::{StoredKey, StoredUser};
pub use webhooks::StoredWebhook;

use aws_sdk_dynamodb::Client;

/// The DynamoDB client type, for callers that build a `Table` from their own configuration.
pub type DynamoDbClient = Client;

/// Handle on the table; cheap to clone, built once per execution environment.
#[derive(Clone, Debug)]
pub struct Table {
    client: Client,
    name: String,
}

impl Table {
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self { client, name: name.into() }
    }

    /// A client configured from the standard AWS environment (region, credentials, and endpoint
    /// variables such as `AWS_ENDPOINT_URL_DYNAMODB`, which is how the local stack points it at
    /// DynamoDB Local).
    pub async fn from_env(name: impl Into<String>) -> Self {
        let config = aws_config::load_from_env().await;
        Self::new(Client::new(&config), name)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}
