//! Outgoing webhooks: `webhook_dispatch` turns each domain event into one delivery per subscribed endpoint,
//! stored in the endpoint's log (the table's stream queues each new one); `webhook_deliver` makes the
//! attempts. Every delivery is its
//! own message, and a batch's deliveries run side by side, so a slow endpoint holds up nobody else's.
//!
//! Each attempt is signed (`CRM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one `v1`
//! per valid secret), reaches only public addresses (every name is resolved and checked here, and the
//! connection goes to the checked address), follows no redirect, stops after a short timeout and reads at
//! most a little of the answer. A 5xx, 408, 429 (`Retry-After` honoured) or network failure is retried on
//! the schedule in `crm_domain::outgoing`, for over a day; anything else ends the delivery, and an endpoint
//! whose deliveries keep failing is disabled (its Admins are told through the notify worker).

use crate::{Retries, Workers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use crm_domain::TenantId;
use crm_domain::clock::Timestamp;
use crm_domain::events::{DomainEvent, Queue};
use crm_domain::outgoing::{self, Delivery, DeliveryMessage, DeliveryStatus, EndpointStatus, EventBody, Outcome};
use crm_store::{StoredDelivery, StoredEndpoint};
use futures_util::future::join_all;
use lambda_runtime::Error;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How much of an answer is kept in the log when it is a failure.
const ANSWER_KEPT_BYTES: usize = 512;
const DEFAULT_TIMEOUT_MS: u64 = 5_000;

/// The HTTP side of deliveries: settings read at start, clients built on the first delivery (only the
/// delivering function pays for them).
pub struct Hooks {
    timeout: Duration,
    /// `WEBHOOK_LOCAL_TARGETS` (`host=http://127.0.0.1:port,…`): an operator's setting for the local stack,
    /// never a tenant's input and never set in `template.yaml`.
    local_targets: BTreeMap<String, String>,
    /// `WEBHOOK_RETRY_CAP_SECONDS`: bounds every wait between attempts (the local stack waits a second).
    retry_cap: Option<i64>,
    clients: std::sync::OnceLock<Clients>,
}

struct Clients {
    /// Resolves names to public addresses only, follows no redirect, gives up after the timeout.
    guarded: reqwest::Client,
    /// For the hosts of `local_targets` only: the local stack's receivers, which live on loopback.
    local: reqwest::Client,
}

impl Hooks {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let timeout = Duration::from_millis(
            lookup("WEBHOOK_TIMEOUT_MS").and_then(|t| t.parse().ok()).unwrap_or(DEFAULT_TIMEOUT_MS),
        );
        let local_targets = lookup("WEBHOOK_LOCAL_TARGETS")
            .unwrap_or_default()
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .map(|(host, base)| (host.trim().to_owned(), base.trim().trim_end_matches('/').to_owned()))
            .filter(|(host, base)| !host.is_empty() && !base.is_empty())
            .collect();
        let retry_cap = lookup("WEBHOOK_RETRY_CAP_SECONDS").and_then(|c| c.parse().ok());
        Hooks { timeout, local_targets, retry_cap, clients: std::sync::OnceLock::new() }
    }

    fn clients(&self) -> &Clients {
        self.clients.get_or_init(|| {
            let builder = || {
                reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.timeout.min(Duration::from_secs(3)))
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent("serverless-crm-webhooks/1")
            };
            Clients {
                guarded: builder()
                    .dns_resolver(Arc::new(PublicOnly))
                    .build()
                    .unwrap_or_else(|_| reqwest::Client::new()),
                local: builder().build().unwrap_or_else(|_| reqwest::Client::new()),
            }
        })
    }
}

/// Why a name was not resolved: it leads to an address no endpoint may reach.
#[derive(Debug)]
struct AddressRefused(String);

impl std::fmt::Display for AddressRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves to an address that is not public", self.0)
    }
}

impl std::error::Error for AddressRefused {}

/// Resolves like the system does, and refuses a name if any of its addresses is not public: the
/// connection then goes to an address checked here, so a name cannot be re-pointed between check and use.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addresses.is_empty() || addresses.iter().any(|a| !outgoing::is_public(a.ip())) {
                return Err(Box::new(AddressRefused(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn refused_address(error: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(refused) = current.downcast_ref::<AddressRefused>() {
            return Some(refused.to_string());
        }
        source = current.source();
    }
    None
}

/// The `CRM-Signature` value for `body` sent at `timestamp`.
pub fn signature(timestamp: i64, body: &str, secrets: &[String]) -> String {
    let signed = format!("{timestamp}.{body}");
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
        let tag = aws_lc_rs::hmac::sign(&key, signed.as_bytes());
        header.push_str(",v1=");
        header.extend(tag.as_ref().iter().map(|b| format!("{b:02x}")));
    }
    header
}

/// What one attempt came to, for the log.
struct Attempted {
    outcome: Outcome,
    status: Option<u16>,
    error: Option<String>,
}

async fn first_bytes(mut response: reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < ANSWER_KEPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk[..chunk.len().min(ANSWER_KEPT_BYTES - kept.len())]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

async fn attempt(hooks: &Hooks, url: &str, event_id: &str, body: &str, secrets: &[String]) -> Attempted {
    let host = url.strip_prefix("https://").and_then(|rest| rest.split('/').next()).unwrap_or_default();
    let clients = hooks.clients();
    let (client, target) = match hooks.local_targets.get(host) {
        Some(base) => (&clients.local, url.replacen(&format!("https://{host}"), base, 1)),
        None => (&clients.guarded, url.to_owned()),
    };
    let sent = client
        .post(target)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(outgoing::SIGNATURE_HEADER, signature(Timestamp::now().unix_seconds(), body, secrets))
        .header("CRM-Event-Id", event_id)
        .body(body.to_owned())
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            if let Some(refused) = refused_address(&error) {
                return Attempted { outcome: Outcome::Final, status: None, error: Some(refused) };
            }
            let what = if error.is_timeout() { "timed out" } else { "could not connect" };
            // The error names the URL, which is the tenant's and may carry a token: it is left out.
            let error = format!("{what}: {}", error.without_url());
            return Attempted { outcome: Outcome::Retry { after: None }, status: None, error: Some(error) };
        }
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let outcome = outgoing::outcome_of_status(status, retry_after);
    let error = match outcome {
        Outcome::Delivered => None,
        _ if (300..400).contains(&status) => Some(format!("answered {status}: redirects are not followed")),
        _ => Some(format!("answered {status}: {}", first_bytes(response).await)),
    };
    Attempted { outcome, status: Some(status), error }
}

fn subscribed(endpoint: &StoredEndpoint, event: &DomainEvent) -> bool {
    endpoint.endpoint.status == EndpointStatus::Active && endpoint.endpoint.events.contains(&event.kind)
}

/// One delivery per subscribed endpoint, stored in its log once, whatever the redeliveries (the table's
/// stream then queues each new delivery).
async fn dispatch_one(
    workers: &Workers,
    known: &mut HashMap<TenantId, Vec<StoredEndpoint>>,
    message: &SqsMessage,
) -> Result<(), Error> {
    let event: DomainEvent = serde_json::from_str(message.body.as_deref().unwrap_or(""))?;
    if let std::collections::hash_map::Entry::Vacant(entry) = known.entry(event.tenant_id) {
        entry.insert(workers.table.endpoints(event.tenant_id).await?);
    }
    let endpoints: Vec<&StoredEndpoint> = known[&event.tenant_id].iter().filter(|e| subscribed(e, &event)).collect();
    let Some(body) = EventBody::of(&event) else { return Ok(()) };
    let text = serde_json::to_string(&body)?;
    for endpoint in endpoints {
        let id = outgoing::delivery_id(&body.created_at, &event.id, endpoint.endpoint.id);
        let delivery = Delivery {
            id,
            endpoint_id: endpoint.endpoint.id,
            event_id: body.id.clone(),
            event_type: event.kind,
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_status_code: None,
            last_error: None,
            last_attempt_at: None,
            next_attempt_at: None,
            created_at: body.created_at.clone(),
        };
        workers.table.add_delivery(event.tenant_id, &StoredDelivery { delivery, body: text.clone() }).await?;
    }
    Ok(())
}

pub async fn dispatch(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut retries = Retries::default();
    let mut known = HashMap::new();
    for message in &event.records {
        if let Err(error) = dispatch_one(workers, &mut known, message).await {
            retries.retry(message, "webhook dispatch", &error);
        }
    }
    Ok(retries.response())
}

/// Makes one attempt of a pending delivery; answers how long to wait before the next, if there is one.
async fn deliver_one(workers: &Workers, hooks: &Hooks, message: &SqsMessage) -> Result<Option<i64>, Error> {
    let asked: DeliveryMessage = serde_json::from_str(message.body.as_deref().unwrap_or(""))?;
    let (tenant, endpoint_id) = (asked.tenant_id, asked.endpoint_id);
    let Some(mut stored) = workers.table.delivery(tenant, endpoint_id, asked.delivery_id).await? else {
        return Ok(None);
    };
    if stored.delivery.status != DeliveryStatus::Pending {
        return Ok(None);
    }
    let now = Timestamp::now();
    let endpoint = workers.table.endpoint(tenant, endpoint_id).await?;
    let Some(endpoint) = endpoint.filter(|e| e.endpoint.status == EndpointStatus::Active) else {
        stored.delivery.status = DeliveryStatus::Failed;
        stored.delivery.last_error = Some("the endpoint was disabled or deleted before the delivery".into());
        stored.delivery.next_attempt_at = None;
        workers.table.save_delivery(tenant, &stored).await?;
        return Ok(None);
    };
    let sealer = workers.sealer.as_ref().ok_or("this worker was deployed without INTEGRATIONS_KEY")?;
    let secrets = endpoint.signing_secrets(tenant, sealer, now)?;
    let attempted = attempt(hooks, &endpoint.endpoint.url, &stored.delivery.event_id, &stored.body, &secrets).await;
    let delivery = &mut stored.delivery;
    delivery.attempts += 1;
    delivery.last_attempt_at = Some(now.rfc3339());
    delivery.last_status_code = attempted.status;
    delivery.last_error = attempted.error.clone();
    delivery.next_attempt_at = None;
    let wait = match attempted.outcome {
        Outcome::Delivered => {
            delivery.status = DeliveryStatus::Delivered;
            None
        }
        Outcome::Retry { after } => outgoing::next_wait(delivery.attempts, after, hooks.retry_cap),
        Outcome::Final => None,
    };
    if let Some(seconds) = wait {
        delivery.next_attempt_at = Some(now.plus_seconds(seconds).rfc3339());
    } else if delivery.status == DeliveryStatus::Pending {
        delivery.status = DeliveryStatus::Failed;
    }
    let status = delivery.status;
    workers.table.save_delivery(tenant, &stored).await?;
    tracing::info!(%tenant, endpoint = %endpoint_id, delivery = %asked.delivery_id, attempts = stored.delivery.attempts,
        status = ?status, code = ?attempted.status, "webhook attempt");
    match status {
        DeliveryStatus::Delivered if endpoint.endpoint.consecutive_failures > 0 => {
            workers.table.endpoint_delivered(tenant, endpoint_id).await?;
        }
        DeliveryStatus::Failed => {
            let why = attempted.error.as_deref().unwrap_or("failed");
            if workers.table.endpoint_failed(tenant, endpoint_id, why, &now.rfc3339()).await? {
                tracing::warn!(%tenant, endpoint = %endpoint_id, "webhook endpoint disabled after repeated failures");
            }
        }
        _ => {}
    }
    Ok(wait)
}

pub async fn deliver(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let hooks = &workers.hooks;
    let attempts = event.records.iter().map(|message| deliver_one(workers, hooks, message));
    let outcomes = join_all(attempts).await;
    let mut retries = Retries::default();
    for (message, outcome) in event.records.iter().zip(outcomes) {
        match outcome {
            Ok(None) => {}
            Ok(Some(seconds)) => retries.retry_after(workers, Queue::WebhookDeliveries, message, seconds).await,
            Err(error) => retries.retry(message, "webhook delivery", &error),
        }
    }
    Ok(retries.response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_the_timestamp_and_the_body_under_every_secret() {
        let header = signature(1_700_000_000, r#"{"id":"evt_1"}"#, &["whsec_a".into(), "whsec_b".into()]);
        let parts: Vec<&str> = header.split(',').collect();
        assert_eq!(parts[0], "t=1700000000");
        assert_eq!(parts.len(), 3);
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, b"whsec_b");
        let expected: String = aws_lc_rs::hmac::sign(&key, br#"1700000000.{"id":"evt_1"}"#)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(parts[2], format!("v1={expected}"));
        assert_ne!(signature(1_700_000_001, r#"{"id":"evt_1"}"#, &["whsec_a".into()])[13..], parts[1][..]);
    }

    #[tokio::test]
    async fn names_of_private_addresses_are_not_resolved() {
        use reqwest::dns::Resolve;
        let refused = PublicOnly.resolve("localhost".parse().unwrap()).await;
        assert!(refused.is_err_and(|e| e.to_string().contains("not public")));
    }

    #[tokio::test]
    async fn a_request_to_a_private_name_is_refused_before_it_is_sent() {
        let hooks = Hooks::from_lookup(|_| None);
        let attempted = attempt(&hooks, "https://localhost/hook", "evt_1", "{}", &["s".into()]).await;
        assert_eq!((attempted.outcome, attempted.status), (Outcome::Final, None));
        assert!(attempted.error.unwrap().contains("not public"));
    }
}
