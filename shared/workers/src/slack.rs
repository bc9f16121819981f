//! The slack-notify worker: posts a Block Kit message to the tenant's Slack incoming webhook for the
//! events it chose. On 429 it honours `Retry-After` (the message returns to the queue after that delay);
//! on 5xx or a network error it fails the message, to be retried after the queue's visibility timeout
//! and in the end moved to the dead-letter queue; any other 4xx is final: recorded on the settings for the
//! admin to see, and not retried. A delivered event is remembered, so a redelivery posts nothing.

use crate::{Retries, Workers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use crm_domain::TenantId;
use crm_domain::clock::Timestamp;
use crm_domain::events::{DomainEvent, Queue};
use crm_domain::slack::{self, SLACK_HOST};
use crm_store::StoredSlack;
use lambda_runtime::Error;
use std::collections::HashMap;

/// Longest delay SQS allows a message to stay invisible (12 hours).
const MAX_DELAY_SECONDS: i32 = 12 * 60 * 60;
const DEFAULT_RETRY_AFTER_SECONDS: i32 = 30;

#[derive(Debug, PartialEq, Eq)]
enum Delivery {
    /// Posted, or nothing to post.
    Done,
    /// Try again: after `Some(seconds)` if Slack said when, else after the queue's visibility timeout.
    Retry(Option<i32>),
}

/// The URL to post to: the configured base (a local fake in tests) in place of Slack's own.
fn target(workers: &Workers, webhook_url: &str) -> String {
    match &workers.slack_base_url {
        Some(base) => webhook_url.replacen(&format!("https://{SLACK_HOST}"), base.trim_end_matches('/'), 1),
        None => webhook_url.to_owned(),
    }
}

fn retry_after(response: &reqwest::Response) -> i32 {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i32>().ok())
        .unwrap_or(DEFAULT_RETRY_AFTER_SECONDS)
        .clamp(0, MAX_DELAY_SECONDS)
}

async fn deliver(workers: &Workers, settings: &StoredSlack, event: &DomainEvent) -> Result<Delivery, Error> {
    if !settings.events.contains(&event.kind) {
        return Ok(Delivery::Done);
    }
    let Some(message) = slack::message(event) else { return Ok(Delivery::Done) };
    if workers.table.notification_sent(event.tenant_id, "slack", &event.id).await? {
        return Ok(Delivery::Done);
    }
    let sealer = workers.sealer.as_ref().ok_or("this worker was deployed without INTEGRATIONS_KEY")?;
    let webhook_url = settings.webhook_url(event.tenant_id, sealer)?;
    let response = match workers.http().post(target(workers, &webhook_url)).json(&message).send().await {
        Ok(response) => response,
        Err(error) => {
            // The webhook URL is a credential: the error is logged without it.
            let error = error.without_url();
            tracing::warn!(tenant = %event.tenant_id, %error, "Slack unreachable; will retry");
            return Ok(Delivery::Retry(None));
        }
    };
    let status = response.status();
    if status.is_success() {
        workers
            .table
            .mark_notification_sent(event.tenant_id, "slack", &event.id, Timestamp::now().unix_seconds())
            .await?;
        Ok(Delivery::Done)
    } else if status.as_u16() == 429 {
        Ok(Delivery::Retry(Some(retry_after(&response))))
    } else if status.is_server_error() {
        Ok(Delivery::Retry(None))
    } else {
        let body = response.text().await.unwrap_or_default();
        let error = format!("Slack answered {status}: {}", body.chars().take(200).collect::<String>());
        tracing::warn!(tenant = %event.tenant_id, %error, "Slack refused a notification; not retrying");
        workers.table.record_slack_failure(event.tenant_id, &error, &Timestamp::now().rfc3339()).await?;
        Ok(Delivery::Done)
    }
}

async fn process(
    workers: &Workers,
    cache: &mut HashMap<TenantId, Option<StoredSlack>>,
    message: &SqsMessage,
) -> Result<Delivery, Error> {
    let event: DomainEvent = serde_json::from_str(message.body.as_deref().unwrap_or(""))?;
    if let std::collections::hash_map::Entry::Vacant(entry) = cache.entry(event.tenant_id) {
        entry.insert(workers.table.slack_settings(event.tenant_id).await?);
    }
    match &cache[&event.tenant_id] {
        Some(settings) => deliver(workers, settings, &event).await,
        None => Ok(Delivery::Done),
    }
}

pub async fn handle(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut retries = Retries::default();
    let mut cache = HashMap::new();
    for message in &event.records {
        match process(workers, &mut cache, message).await {
            Ok(Delivery::Done) => {}
            Ok(Delivery::Retry(Some(seconds))) => {
                retries.retry_after(workers, Queue::SlackNotify, message, i64::from(seconds)).await;
            }
            Ok(Delivery::Retry(None)) => retries.retry(message, "Slack notification", &"Slack unreachable or failing"),
            Err(error) => retries.retry(message, "Slack notification", &error),
        }
    }
    Ok(retries.response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_and_bounded() {
        let response = |value: &str| {
            reqwest::Response::from(
                http::Response::builder().status(429).header("retry-after", value).body("").unwrap(),
            )
        };
        assert_eq!(retry_after(&response("2")), 2);
        assert_eq!(retry_after(&response("soon")), DEFAULT_RETRY_AFTER_SECONDS);
        assert_eq!(retry_after(&response("99999999")), MAX_DELAY_SECONDS);
    }
}
