//! The functions behind the table's stream and the queues. The stream feeds the events router, which turns
//! item changes into domain events and sends each to the queues that care (an outbox: request handlers
//! never wait on a queue); each queue is drained by its own function. Every SQS function reports partial
//! batch failures and is idempotent, since delivery is at least once.

pub mod bootstrap;
pub mod contacts;
pub mod functions;
pub mod jobs;
pub mod lambda;
pub mod notify;
pub mod outgoing;
pub mod rollup;
pub mod router;
pub mod search;
pub mod slack;

use crm_domain::events::Queue;
use crm_store::Table;
use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("INTEGRATIONS_KEY: {0}")]
    IntegrationsKey(#[from] crm_store::secrets::SecretError),
    #[error(transparent)]
    Secrets(#[from] crm_store::secret_env::SecretEnvError),
}

/// A queue batch's answer: the messages whose work failed, for SQS to deliver again (and, in the end, to
/// move to the queue's dead-letter queue).
#[derive(Default)]
pub struct Retries(aws_lambda_events::sqs::SqsBatchResponse);

impl Retries {
    /// `message` failed at `work`; it comes back later.
    pub fn retry(&mut self, message: &aws_lambda_events::sqs::SqsMessage, work: &str, error: &dyn std::fmt::Display) {
        let id = message.message_id.clone().unwrap_or_default();
        tracing::warn!(message_id = %id, %error, "{work} failed; the message will be retried");
        let mut failure = aws_lambda_events::sqs::BatchItemFailure::default();
        failure.item_identifier = id;
        self.0.batch_item_failures.push(failure);
    }

    /// `message` is to come back after `seconds` (when the other side said when, or a schedule does)
    /// rather than after the queue's visibility timeout.
    pub async fn retry_after(
        &mut self,
        workers: &Workers,
        queue: Queue,
        message: &aws_lambda_events::sqs::SqsMessage,
        seconds: i64,
    ) {
        if let (Some(url), Some(receipt)) = (workers.queues.get(&queue), &message.receipt_handle) {
            // SQS keeps a message invisible for 12 hours at the most.
            let seconds = i32::try_from(seconds.clamp(0, 12 * 60 * 60)).unwrap_or(0);
            let delayed = workers
                .sqs
                .change_message_visibility()
                .queue_url(url)
                .receipt_handle(receipt)
                .visibility_timeout(seconds)
                .send()
                .await;
            if let Err(error) = delayed {
                let error = aws_sdk_sqs::error::DisplayErrorContext(&error);
                tracing::warn!(message_id = ?message.message_id, %error, "could not delay the retry");
            }
        }
        let mut failure = aws_lambda_events::sqs::BatchItemFailure::default();
        failure.item_identifier = message.message_id.clone().unwrap_or_default();
        self.0.batch_item_failures.push(failure);
    }

    pub fn response(self) -> aws_lambda_events::sqs::SqsBatchResponse {
        self.0
    }
}

/// Everything a worker builds once at start-up.
pub struct Workers {
    pub table: Table,
    pub sqs: aws_sdk_sqs::Client,
    /// Built on first use: only Slack, Google and the deploy step call out over HTTP, and building a
    /// client parses every trusted root certificate: 0.5 ms, a seventh of a worker's init (docs/benchmarks.md).
    http: OnceLock<reqwest::Client>,
    /// Queue URLs by queue; a queue without a URL is not deployed (yet) and gets no events.
    pub queues: BTreeMap<Queue, String>,
    /// Replaces `https://hooks.slack.com` in webhook URLs: tests point it at a local fake.
    pub slack_base_url: Option<String>,
    /// The search index, when search is deployed.
    pub search: Option<crm_search::SearchClient>,
    /// The OpenSearch domain's name (`SEARCH_DOMAIN_NAME`), for the deploy step that waits on it.
    pub search_domain: Option<String>,
    /// The AWS configuration the clients were built from.
    pub aws: aws_config::SdkConfig,
    /// How long a job's step may run before it continues in a new invocation (`JOB_STEP_SECONDS`).
    pub job_step: std::time::Duration,
    /// Google Contacts sync's settings, when configured (`GOOGLE_CLIENT_ID`, …); its client is built on
    /// first use.
    google_settings: Option<crm_google::GoogleSettings>,
    google: OnceLock<Option<crm_google::GoogleClient>>,
    /// Opens integration secrets (`INTEGRATIONS_KEY`), for the workers given it.
    pub sealer: Option<crm_store::secrets::Sealer>,
    /// Pushes to WebSocket connections, for the workers given `WEBSOCKET_MANAGEMENT_ENDPOINT`.
    pub chat: Option<crm_chat::Chat>,
    /// Outgoing webhook deliveries' HTTP clients and settings.
    pub hooks: outgoing::Hooks,
    /// The files bucket, for the workers given it (exports).
    pub files: Option<crm_files::Files>,
    /// The size of a multipart upload's parts: S3's least (`FILE_PART_BYTES`, smaller only in the tests).
    pub file_part_bytes: usize,
}

/// A job's step ends after this long, well before Lambda's 15-minute limit on the jobs function.
const DEFAULT_JOB_STEP_SECONDS: u64 = 600;

/// The secret settings workers may be given.
const WORKER_SECRETS: [&str; 3] = ["INTEGRATIONS_KEY", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"];

impl Workers {
    /// Builds the workers' clients from settings looked up by name (environment variables in Lambda);
    /// the secret ones are read from Secrets Manager where the settings name them.
    pub async fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        Self::with_config(lookup, aws_config::load_from_env().await).await
    }

    /// As [`Workers::from_lookup`], with clients built from `config`.
    pub async fn with_config(
        lookup: impl Fn(&str) -> Option<String>,
        config: aws_config::SdkConfig,
    ) -> Result<Self, SettingsError> {
        // The workers verify no tokens: only the sealing key and Google's client are theirs to read.
        let secrets = crm_store::secret_env::expand(&config, &WORKER_SECRETS, &lookup).await?;
        let lookup = |name: &str| secrets.get(name).cloned().or_else(|| lookup(name));
        let table_name = lookup("TABLE_NAME").filter(|t| !t.is_empty()).ok_or(SettingsError::Missing("TABLE_NAME"))?;
        let queues = Queue::ALL
            .into_iter()
            .filter_map(|queue| Some((queue, lookup(queue.url_variable()).filter(|u| !u.is_empty())?)))
            .collect();
        let search = crm_search::SearchClient::from_lookup(lookup, &config);
        let sealer = lookup("INTEGRATIONS_KEY")
            .filter(|k| !k.is_empty())
            .map(|k| crm_store::secrets::Sealer::from_base64(&k))
            .transpose()?;
        let table = Table::new(aws_sdk_dynamodb_client(&config), table_name);
        let chat = lookup("WEBSOCKET_MANAGEMENT_ENDPOINT")
            .filter(|e| !e.is_empty())
            .map(|endpoint| crm_chat::Chat::new(table.clone(), config.clone(), Some(endpoint)));
        Ok(Workers {
            files: crm_files::Files::from_lookup(lookup, &config),
            file_part_bytes: lookup("FILE_PART_BYTES")
                .and_then(|b| b.parse().ok())
                .unwrap_or(crm_files::MIN_PART_BYTES),
            hooks: outgoing::Hooks::from_lookup(lookup),
            chat,
            search,
            search_domain: lookup("SEARCH_DOMAIN_NAME").filter(|d| !d.is_empty()),
            table,
            sqs: aws_sdk_sqs::Client::new(&config),
            http: OnceLock::new(),
            queues,
            slack_base_url: lookup("SLACK_BASE_URL").filter(|u| !u.is_empty()),
            google_settings: crm_google::GoogleSettings::from_lookup(lookup),
            google: OnceLock::new(),
            sealer,
            aws: config,
            job_step: std::time::Duration::from_secs(
                lookup("JOB_STEP_SECONDS").and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_JOB_STEP_SECONDS),
            ),
        })
    }

    pub async fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok()).await
    }

    /// The HTTP client for calls out (Slack, Google, the deploy step's answer).
    pub fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_else(|_| reqwest::Client::new())
        })
    }

    /// The Google client, when Google Contacts sync is configured.
    pub fn google(&self) -> Option<&crm_google::GoogleClient> {
        self.google
            .get_or_init(|| Some(crm_google::GoogleClient::new(self.http().clone(), self.google_settings.clone()?)))
            .as_ref()
    }
}

fn aws_sdk_dynamodb_client(config: &aws_config::SdkConfig) -> crm_store::DynamoDbClient {
    crm_store::DynamoDbClient::new(config)
}
