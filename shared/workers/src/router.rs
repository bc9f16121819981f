//! The events router: table stream records in, domain events out to the queues that care, in batches.
//! A record whose events could not all be sent is reported as a batch item failure, so the stream
//! retries from it; nothing is lost when a queue call fails.

use crate::Workers;
use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use crm_domain::contacts::{ContactsSyncMessage, SyncRequest};
use crm_domain::events::{DomainEvent, Queue, Snapshot, Via};
use crm_domain::notification::NotifySource;
use crm_domain::outgoing::DeliveryMessage;
use crm_domain::{RecordKind, TenantId, UserId};
use crm_store::keys::{self, ItemKind};
use crm_store::{CHANGED_BY, CHANGED_VIA};
use lambda_runtime::Error;
use std::collections::{BTreeMap, BTreeSet};

fn text(item: &serde_dynamo::Item, name: &str) -> Option<String> {
    match item.get(name)? {
        serde_dynamo::AttributeValue::S(s) => Some(s.clone()),
        _ => None,
    }
}

/// The record, note or message an image holds, if it holds one.
fn snapshot(kind: ItemKind, image: &serde_dynamo::Item) -> Option<Snapshot> {
    if image.is_empty() {
        return None;
    }
    let item = image.clone();
    let parsed = match kind {
        ItemKind::Record => match text(image, "entity")?.as_str() {
            "lead" => serde_dynamo::from_item(item).map(Snapshot::Lead),
            "customer" => serde_dynamo::from_item(item).map(Snapshot::Customer),
            "deal" => serde_dynamo::from_item(item).map(Snapshot::Deal),
            _ => return None,
        },
        ItemKind::Note => serde_dynamo::from_item(item).map(Snapshot::Note),
        ItemKind::Message => serde_dynamo::from_item(item).map(Snapshot::Message),
        ItemKind::GoogleSyncRequest
        | ItemKind::GoogleConnection
        | ItemKind::WebhookEndpoint
        | ItemKind::WebhookDelivery
        | ItemKind::Usage
        | ItemKind::Job
        | ItemKind::Other => return None,
    };
    parsed.map_err(|e| tracing::warn!(?kind, error = %e, "unreadable image in the stream")).ok()
}

/// The tenant and kind of the item a stream record changed.
fn item_of(record: &EventRecord) -> Option<(TenantId, ItemKind)> {
    let keys = &record.change.keys;
    keys::classify(&text(keys, "pk")?, &text(keys, "sk")?)
}

/// The domain event a stream record carries, if it is a change of a record or note.
pub fn event_of(record: &EventRecord) -> Option<DomainEvent> {
    let (tenant, kind) = item_of(record)?;
    let old = snapshot(kind, &record.change.old_image);
    let new = snapshot(kind, &record.change.new_image);
    let mut event = DomainEvent::from_change(record.event_id.clone(), tenant, old, new)?;
    event.seen_at = Some(stream_time(record));
    // A record says who wrote it; a deletion leaves no trace of who deleted it. A note says whether a
    // merge moved it.
    let image = &record.change.new_image;
    if kind == ItemKind::Record && !image.is_empty() {
        event.actor = text(image, CHANGED_BY).and_then(|u| UserId::parse(&u));
    }
    if matches!(kind, ItemKind::Record | ItemKind::Note) && !image.is_empty() {
        event.via = text(image, CHANGED_VIA).and_then(|v| Via::parse(&v));
    }
    Some(event)
}

/// When the table's stream saw a change: part of the record, so the same on every redelivery.
fn stream_time(record: &EventRecord) -> String {
    let seconds = record.change.approximate_creation_date_time.timestamp();
    crm_domain::clock::Timestamp::from_unix_seconds(seconds).unwrap_or_else(crm_domain::clock::Timestamp::now).rfc3339()
}

/// A Google Contacts sync that newly failed: a connection whose last error appeared or changed.
pub fn sync_failure_of(record: &EventRecord) -> Option<NotifySource> {
    let (tenant, kind) = item_of(record)?;
    if kind != ItemKind::GoogleConnection || record.event_name != "MODIFY" {
        return None;
    }
    let (old, new) = (&record.change.old_image, &record.change.new_image);
    let error = text(new, "last_error")?;
    if text(old, "last_error").as_deref() == Some(error.as_str()) {
        return None;
    }
    Some(NotifySource::GoogleSyncFailed {
        id: record.event_id.clone(),
        tenant_id: tenant,
        user_id: UserId::parse(&text(new, "user_id")?)?,
        at: text(new, "last_synced_at").unwrap_or_else(|| crm_domain::clock::Timestamp::now().rfc3339()),
        error,
    })
}

/// A Google sync request: an insert of a sync-request item under a tenant's Google partition.
pub fn sync_request_of(record: &EventRecord) -> Option<SyncRequest> {
    // An insert, or an overwrite of a request whose run never finished (it expired).
    let written = record.event_name == "INSERT" || record.event_name == "MODIFY";
    if !written || item_of(record)?.1 != ItemKind::GoogleSyncRequest {
        return None;
    }
    let image = &record.change.new_image;
    Some(SyncRequest {
        tenant_id: TenantId::parse(&text(image, "tenant_id")?)?,
        user_id: UserId::parse(&text(image, "user_id")?)?,
        import_as: RecordKind::from_entity(&text(image, "import_as")?)?,
    })
}

/// An outgoing webhook endpoint that was just disabled for failing (not by an Admin).
pub fn endpoint_disabled_of(record: &EventRecord) -> Option<NotifySource> {
    let (tenant, kind) = item_of(record)?;
    if kind != ItemKind::WebhookEndpoint || record.event_name != "MODIFY" {
        return None;
    }
    let (old, new) = (&record.change.old_image, &record.change.new_image);
    let disabled =
        text(old, "status").as_deref() == Some("active") && text(new, "status").as_deref() == Some("disabled");
    let reason = text(new, "disabled_reason")?;
    if !disabled || reason == crm_domain::outgoing::DISABLED_BY_ADMIN {
        return None;
    }
    Some(NotifySource::WebhookDisabled {
        id: record.event_id.clone(),
        tenant_id: tenant,
        url: text(new, "url")?,
        at: text(new, "updated_at").unwrap_or_else(|| crm_domain::clock::Timestamp::now().rfc3339()),
        reason,
    })
}

/// A job someone asked for that just ended (an export): its asker is told.
pub fn job_finished_of(record: &EventRecord) -> Option<NotifySource> {
    let (tenant, kind) = item_of(record)?;
    if kind != ItemKind::Job || record.event_name != "MODIFY" {
        return None;
    }
    let (old, new) = (&record.change.old_image, &record.change.new_image);
    if text(old, "status") == text(new, "status") {
        return None;
    }
    let job: crm_domain::job::Job = serde_dynamo::from_item(new.clone()).ok()?;
    Some(NotifySource::JobFinished {
        id: record.event_id.clone(),
        tenant_id: tenant,
        user_id: job.requested_by,
        job_id: job.id,
        summary: crm_domain::notification::job_summary(&job)?,
        at: stream_time(record),
    })
}

/// A running job that passed another tenth of its work (an import's file): its asker is shown how far.
pub fn job_progress_of(record: &EventRecord) -> Option<NotifySource> {
    let (tenant, kind) = item_of(record)?;
    if kind != ItemKind::Job || record.event_name != "MODIFY" {
        return None;
    }
    let old: crm_domain::job::Job = serde_dynamo::from_item(record.change.old_image.clone()).ok()?;
    let new: crm_domain::job::Job = serde_dynamo::from_item(record.change.new_image.clone()).ok()?;
    let percent = new.percent.filter(|_| new.status == crm_domain::job::JobStatus::Running)?;
    if percent / 10 <= old.percent.unwrap_or(0) / 10 {
        return None;
    }
    Some(NotifySource::JobProgress {
        tenant_id: tenant,
        user_id: new.requested_by,
        job_id: new.id,
        percent,
        processed: new.processed,
    })
}

/// An account's plan or subscription that changed (not its counts).
pub fn plan_change_of(record: &EventRecord) -> Option<NotifySource> {
    let (tenant, kind) = item_of(record)?;
    if kind != ItemKind::Usage || record.event_name != "MODIFY" {
        return None;
    }
    let (old, new) = (&record.change.old_image, &record.change.new_image);
    let plan = text(new, "plan").unwrap_or_else(|| "free".into());
    let subscription = text(new, "subscription_status").unwrap_or_else(|| "none".into());
    let unchanged = text(old, "plan").unwrap_or_else(|| "free".into()) == plan
        && text(old, "subscription_status").unwrap_or_else(|| "none".into()) == subscription;
    if unchanged {
        return None;
    }
    Some(NotifySource::PlanChanged {
        id: record.event_id.clone(),
        tenant_id: tenant,
        // When the stream saw the change: the same on every redelivery, so the notification's id is too.
        at: stream_time(record),
        plan,
        subscription,
    })
}

/// A delivery to queue: one just made, or made to start over (pending, no attempts yet).
pub fn delivery_of(record: &EventRecord) -> Option<DeliveryMessage> {
    let (tenant, kind) = item_of(record)?;
    if kind != ItemKind::WebhookDelivery {
        return None;
    }
    let (old, new) = (&record.change.old_image, &record.change.new_image);
    let fresh = |image: &serde_dynamo::Item| {
        text(image, "status").as_deref() == Some("pending")
            && matches!(image.get("attempts"), Some(serde_dynamo::AttributeValue::N(n)) if n == "0")
    };
    if !fresh(new) || (!old.is_empty() && fresh(old)) {
        return None;
    }
    Some(DeliveryMessage {
        tenant_id: tenant,
        endpoint_id: crm_domain::EndpointId::parse(&text(new, "endpoint_id")?)?,
        delivery_id: crm_domain::DeliveryId::parse(&text(new, "id")?)?,
    })
}

/// Which integrations an account uses, for the queues that serve only those: a change goes to Slack,
/// contacts sync and outgoing webhooks only when the account has Slack set up, a Google connection or a
/// webhook endpoint. Read when the batch is routed, after its changes were made, so a change made after an
/// integration was set up is always sent on (the workers read the settings again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Integrations {
    slack: bool,
    google: bool,
    webhooks: bool,
}

impl Integrations {
    /// What the router assumes when it could not read the settings: every queue, as before it knew.
    const ALL: Integrations = Integrations { slack: true, google: true, webhooks: true };

    fn consumes(self, queue: Queue) -> bool {
        match queue {
            Queue::SlackNotify => self.slack,
            Queue::ContactsSync => self.google,
            Queue::WebhookEvents => self.webhooks,
            _ => true,
        }
    }
}

/// The integrations of each account, read concurrently (three strongly consistent reads an account).
async fn integrations_in_use(workers: &Workers, tenants: BTreeSet<TenantId>) -> BTreeMap<TenantId, Integrations> {
    let reads = tenants.into_iter().map(|tenant| async move {
        let table = &workers.table;
        let read = tokio::try_join!(table.uses_slack(tenant), table.uses_google(tenant), table.uses_webhooks(tenant));
        let uses = match read {
            Ok((slack, google, webhooks)) => Integrations { slack, google, webhooks },
            Err(error) => {
                tracing::warn!(%tenant, %error, "an account's integrations could not be read; its events go to every queue");
                Integrations::ALL
            }
        };
        (tenant, uses)
    });
    futures_util::future::join_all(reads).await.into_iter().collect()
}

pub async fn handle(workers: &Workers, event: Event) -> Result<DynamoDbEventResponse, Error> {
    // Messages per queue, each remembering which stream record it came from.
    let mut outgoing: BTreeMap<Queue, Vec<(usize, String)>> = BTreeMap::new();
    let mut domain_events = Vec::new();
    for (index, record) in event.records.iter().enumerate() {
        if let Some(sync_request) = sync_request_of(record) {
            if workers.queues.contains_key(&Queue::ContactsSync) {
                let body = serde_json::to_string(&ContactsSyncMessage::Sync { sync_request })?;
                outgoing.entry(Queue::ContactsSync).or_default().push((index, body));
            }
            continue;
        }
        if let Some(told) = sync_failure_of(record)
            .or_else(|| endpoint_disabled_of(record))
            .or_else(|| plan_change_of(record))
            .or_else(|| job_finished_of(record))
            .or_else(|| job_progress_of(record))
        {
            if workers.queues.contains_key(&Queue::Notify) {
                outgoing.entry(Queue::Notify).or_default().push((index, serde_json::to_string(&told)?));
            }
            continue;
        }
        if let Some(delivery) = delivery_of(record) {
            if workers.queues.contains_key(&Queue::WebhookDeliveries) {
                let body = serde_json::to_string(&delivery)?;
                outgoing.entry(Queue::WebhookDeliveries).or_default().push((index, body));
            }
            continue;
        }
        if let Some(domain_event) = event_of(record) {
            domain_events.push((index, domain_event));
        }
    }
    let tenants: BTreeSet<TenantId> = domain_events.iter().map(|(_, event)| event.tenant_id).collect();
    let in_use = integrations_in_use(workers, tenants).await;
    for (index, domain_event) in domain_events {
        let body = serde_json::to_string(&domain_event)?;
        let uses = in_use.get(&domain_event.tenant_id).copied().unwrap_or(Integrations::ALL);
        for queue in domain_event.queues() {
            if !workers.queues.contains_key(&queue) || !uses.consumes(queue) {
                continue;
            }
            let body = match queue {
                Queue::Notify => serde_json::to_string(&NotifySource::Event(Box::new(domain_event.clone())))?,
                _ => body.clone(),
            };
            outgoing.entry(queue).or_default().push((index, body));
        }
    }
    let mut failed: BTreeSet<usize> = BTreeSet::new();
    for (queue, messages) in outgoing {
        let url = &workers.queues[&queue];
        for chunk in messages.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, (_, body))| {
                    SendMessageBatchRequestEntry::builder().id(i.to_string()).message_body(body).build().ok()
                })
                .collect();
            match workers.sqs.send_message_batch().queue_url(url).set_entries(Some(entries)).send().await {
                Ok(output) => {
                    for failure in output.failed() {
                        if let Some((index, _)) = failure.id().parse::<usize>().ok().and_then(|i| chunk.get(i)) {
                            failed.insert(*index);
                        }
                    }
                }
                Err(error) => {
                    tracing::error!(?queue, error = %aws_sdk_sqs::error::DisplayErrorContext(&error), "sending events failed");
                    failed.extend(chunk.iter().map(|(index, _)| *index));
                }
            }
        }
    }
    // The stream retries from the earliest failed record, so reporting that one suffices; consumers are
    // idempotent about events already sent.
    let batch_item_failures = failed
        .first()
        .and_then(|index| event.records[*index].change.sequence_number.clone())
        .map(|sequence| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(sequence);
            vec![failure]
        })
        .unwrap_or_default();
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = batch_item_failures;
    Ok(response)
}
