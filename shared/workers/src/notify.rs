//! The notify worker: turns domain events (and failed Google syncs) into entries of the users' inboxes,
//! as the users' preferences allow, and pushes each new entry to the recipient's live connections. An
//! entry's id is derived from its event, so a redelivered message stores nothing new and pushes nothing.

use crate::{Retries, Workers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use crm_domain::notification::{self, Draft, NotifySource, Preferences};
use crm_domain::{TenantId, UserId};
use lambda_runtime::Error;
use std::collections::HashMap;

/// Preferences read in this batch, by recipient.
type Known = HashMap<(TenantId, UserId), Preferences>;

async fn drafts_of(workers: &Workers, source: NotifySource) -> Result<Vec<Draft>, Error> {
    Ok(match source {
        NotifySource::Event(event) => {
            let owner = match notification::noted_record(&event) {
                Some((kind, id)) => workers.table.record_owner(event.tenant_id, kind, &id).await?,
                None => None,
            };
            notification::drafts(&event, owner)
        }
        NotifySource::GoogleSyncFailed { id, tenant_id, user_id, error, at } => {
            vec![notification::sync_failed(tenant_id, user_id, &error, &at, &id)]
        }
        NotifySource::WebhookDisabled { id, tenant_id, url, reason, at } => admins(workers, tenant_id)
            .await?
            .into_iter()
            .map(|admin| notification::webhook_disabled(tenant_id, admin, &url, &reason, &at, &id))
            .collect(),
        NotifySource::PlanChanged { id, tenant_id, plan, subscription, at } => admins(workers, tenant_id)
            .await?
            .into_iter()
            .map(|admin| notification::plan_changed(tenant_id, admin, &plan, &subscription, &at, &id))
            .collect(),
        NotifySource::JobFinished { id, tenant_id, user_id, job_id, summary, at } => {
            vec![notification::job_finished(tenant_id, user_id, job_id, summary, &at, &id)]
        }
        // Pushed as it is, never an inbox entry (see `process`).
        NotifySource::JobProgress { .. } => Vec::new(),
    })
}

/// The account's active Admins.
async fn admins(workers: &Workers, tenant: TenantId) -> Result<Vec<UserId>, Error> {
    let mut admins = Vec::new();
    let mut page = crm_store::PageRequest { limit: 100, cursor: None };
    loop {
        let users = workers.table.users(tenant, &page).await?;
        admins.extend(
            users.items.into_iter().filter(|u| u.role == crm_domain::Role::Admin && u.is_active()).map(|u| u.id),
        );
        match users.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(admins),
        }
    }
}

async fn deliver(workers: &Workers, known: &mut Known, draft: Draft) -> Result<(), Error> {
    let recipient = (draft.tenant_id, draft.recipient);
    if let std::collections::hash_map::Entry::Vacant(entry) = known.entry(recipient) {
        entry.insert(workers.table.notification_preferences(recipient.0, recipient.1).await?);
    }
    if !known[&recipient].wants(draft.notification.kind) {
        return Ok(());
    }
    if !workers.table.add_notification(&draft).await? {
        return Ok(());
    }
    let pushed = match &workers.chat {
        Some(chat) => chat.notify(draft.tenant_id, draft.recipient, draft.notification.clone()).await?,
        None => 0,
    };
    tracing::info!(tenant = %draft.tenant_id, user = %draft.recipient, kind = draft.notification.kind.as_str(), pushed, "notified");
    Ok(())
}

async fn process(workers: &Workers, known: &mut Known, message: &SqsMessage) -> Result<(), Error> {
    let source: NotifySource = serde_json::from_str(message.body.as_deref().unwrap_or(""))?;
    if let NotifySource::JobProgress { tenant_id, user_id, job_id, percent, processed } = source {
        let progress = crm_domain::chat::ServerEvent::JobProgress { job_id, percent, processed };
        if let Some(chat) = &workers.chat {
            chat.tell(tenant_id, user_id, &progress).await?;
        }
        return Ok(());
    }
    for draft in drafts_of(workers, source).await? {
        deliver(workers, known, draft).await?;
    }
    Ok(())
}

pub async fn handle(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut retries = Retries::default();
    let mut known = Known::new();
    for message in &event.records {
        if let Err(error) = process(workers, &mut known, message).await {
            retries.retry(message, "notification", &error);
        }
    }
    Ok(retries.response())
}
