//! The contacts-sync worker: two-way sync between each connected user's Google Contacts and the CRM.
//!
//! A sync request pulls the address book (incrementally, with Google's sync token, page by page):
//! an entry unknown to the CRM is matched to a lead or customer by email, or else imported as a new
//! record; a linked entry is compared three ways with what both sides held at the last sync, and the
//! side that changed wins (the CRM when both did). A change to a linked record in the CRM arrives here
//! as a domain event and is pushed to Google at once. Everything is idempotent: records are matched by
//! link or email, so a redelivered request creates nothing twice.

use crate::{Retries, Workers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use crm_domain::clock::Timestamp;
use crm_domain::contacts::{ContactCard, ContactsSyncMessage, Reconcile, SyncRequest, reconcile};
use crm_domain::customer::{Customer, CustomerPatch, NewCustomer};
use crm_domain::events::Via;
use crm_domain::events::{DomainEvent, Snapshot};
use crm_domain::lead::{Lead, LeadPatch, NewLead};
use crm_domain::record::{NewRecord, RecordPatch};
use crm_domain::{Actor, Invalid, Record, RecordKind, TenantId, UserId, policy};
use crm_google::{GoogleClient, GoogleError, Person};
use crm_store::{ContactLink, GoogleConnection, StoreError, SyncOutcome, Table, google_place};
use lambda_runtime::Error;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

pub async fn handle(workers: &Workers, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut retries = Retries::default();
    for message in &event.records {
        if let Err(error) = process(workers, message).await {
            retries.retry(message, "contact sync", &error);
        }
    }
    Ok(retries.response())
}

async fn process(workers: &Workers, message: &SqsMessage) -> Result<(), Error> {
    let Some(sync) = ContactSync::new(workers) else {
        tracing::warn!("contacts-sync has no Google settings or INTEGRATIONS_KEY; dropping the message");
        return Ok(());
    };
    match serde_json::from_str(message.body.as_deref().unwrap_or(""))? {
        ContactsSyncMessage::Sync { sync_request } => sync.run(&sync_request).await,
        ContactsSyncMessage::Change(event) => sync.push_change(&event).await,
    }
}

struct ContactSync<'a> {
    table: &'a Table,
    google: &'a GoogleClient,
    sealer: &'a crm_store::secrets::Sealer,
}

/// The record kinds an address-book entry can be: how each shows as a card, and where a run keeps it.
trait ContactRecord: Record {
    fn card(&self) -> ContactCard;
    fn keep(self, records: &mut Records);
}

impl ContactRecord for Lead {
    fn card(&self) -> ContactCard {
        ContactCard::of_lead(self)
    }

    fn keep(self, records: &mut Records) {
        records.leads.insert(self.id.to_string(), self);
    }
}

impl ContactRecord for Customer {
    fn card(&self) -> ContactCard {
        ContactCard::of_customer(self)
    }

    fn keep(self, records: &mut Records) {
        records.customers.insert(self.id.to_string(), self);
    }
}

/// The CRM side of one tenant, loaded once per sync run.
#[derive(Default)]
struct Records {
    leads: HashMap<String, Lead>,
    customers: HashMap<String, Customer>,
    by_email: HashMap<String, (RecordKind, String)>,
}

impl Records {
    /// The leads and customers `actor` may see: only those are linked to (and so pushed to) their address
    /// book; a link to one they can no longer see is dropped.
    async fn load(table: &Table, actor: &Actor) -> Result<Self, StoreError> {
        let mut records = Records::default();
        let visible = |owner| policy::view_record(actor, owner).is_ok();
        // Customers first, so an address shared by a lead and its customer matches the customer.
        for customer in table.every_record::<Customer>(actor.tenant).await?.into_iter().filter(|c| visible(c.owner_id))
        {
            records.index(RecordKind::Customer, &customer.id.to_string(), &ContactCard::of_customer(&customer));
            records.customers.insert(customer.id.to_string(), customer);
        }
        for lead in table.every_record::<Lead>(actor.tenant).await?.into_iter().filter(|l| visible(l.owner_id)) {
            records.index(RecordKind::Lead, &lead.id.to_string(), &ContactCard::of_lead(&lead));
            records.leads.insert(lead.id.to_string(), lead);
        }
        Ok(records)
    }

    fn index(&mut self, kind: RecordKind, id: &str, card: &ContactCard) {
        if let Some(email) = card.email_key() {
            self.by_email.entry(email).or_insert((kind, id.to_owned()));
        }
    }

    fn card(&self, kind: RecordKind, id: &str) -> Option<ContactCard> {
        match kind {
            RecordKind::Lead => self.leads.get(id).map(ContactCard::of_lead),
            RecordKind::Customer => self.customers.get(id).map(ContactCard::of_customer),
            RecordKind::Deal => None,
        }
    }
}

/// A card as record fields (`null` clears one).
fn fields_of(card: &ContactCard, name: String) -> Value {
    json!({"name": name, "email": card.email, "phone": card.phone, "company": card.company})
}

/// `fields` as a `T` that passes `check`, without the fields the CRM's rules refuse (an address book
/// holds phone numbers and emails the CRM would not accept) rather than refusing the whole entry.
fn lenient<T, R>(mut fields: Value, check: impl Fn(T) -> Result<R, Invalid>) -> Option<T>
where
    T: DeserializeOwned,
{
    for _ in 0..3 {
        let input: T = serde_json::from_value(fields.clone()).ok()?;
        match check(input) {
            Ok(_) => return serde_json::from_value(fields).ok(),
            Err(Invalid(errors)) => {
                for error in errors {
                    if error.field == "name" {
                        return None;
                    }
                    if let Some(object) = fields.as_object_mut() {
                        object.insert(error.field.split(['.', '[']).next().unwrap_or("").to_owned(), Value::Null);
                    }
                }
            }
        }
    }
    None
}

impl<'a> ContactSync<'a> {
    fn new(workers: &'a Workers) -> Option<Self> {
        Some(ContactSync { table: &workers.table, google: workers.google()?, sealer: workers.sealer.as_ref()? })
    }

    /// An access token for the user's connection, and the connection; `None` when they are not (or no
    /// longer) connected, or Google refused the grant.
    async fn access_token(&self, tenant: TenantId, user: UserId) -> Result<Option<(String, GoogleConnection)>, Error> {
        let Some(connection) = self.table.google_connection(tenant, user).await? else { return Ok(None) };
        let refresh = self.sealer.open(&connection.sealed_refresh_token, &google_place(tenant, user))?;
        match self.google.access_token(&refresh).await {
            Ok(token) => Ok(Some((token, connection))),
            Err(GoogleError::Grant(reason)) => {
                // Revoked or expired for good: say so on the connection; retrying cannot help.
                let outcome =
                    SyncOutcome { error: Some(format!("Google refused the grant: {reason}")), ..Default::default() };
                self.table.record_google_sync(tenant, user, &outcome, Timestamp::now()).await?;
                Ok(None)
            }
            Err(other) => Err(other.into()),
        }
    }

    async fn run(&self, request: &SyncRequest) -> Result<(), Error> {
        let (tenant, user) = (request.tenant_id, request.user_id);
        let Some((access, connection)) = self.access_token(tenant, user).await? else { return Ok(()) };
        let Some(actor) = self.actor(tenant, user).await? else {
            tracing::info!(%tenant, %user, "the connected user no longer has access; nothing synced");
            return Ok(());
        };
        let mut sync_token = connection.sync_token;
        let mut records = Records::load(self.table, &actor).await?;
        let mut links: HashMap<String, ContactLink> =
            self.table.contact_links(tenant, user).await?.into_iter().map(|l| (l.resource_name.clone(), l)).collect();
        let mut seen = HashSet::new();
        let mut outcome = SyncOutcome::default();
        let mut page_token: Option<String> = None;
        let mut restarted = false;
        loop {
            let page = match self.google.connections(&access, sync_token.as_deref(), page_token.as_deref()).await {
                Err(GoogleError::SyncTokenExpired) if !restarted => {
                    tracing::info!(%tenant, %user, "sync token expired; running a full sync");
                    self.table.clear_google_sync_token(tenant, user).await?;
                    (sync_token, page_token, restarted) = (None, None, true);
                    continue;
                }
                other => other?,
            };
            for person in page.people {
                seen.insert(person.resource_name.clone());
                let run = Run { tenant, user, actor, access: &access, import_as: request.import_as };
                self.apply(&run, person, &mut records, &mut links, &mut outcome).await?;
            }
            match page.next_page_token {
                Some(next) => page_token = Some(next),
                None => {
                    outcome.sync_token = page.next_sync_token;
                    break;
                }
            }
        }
        // An incremental sync reports only entries that changed in Google: linked records changed in the
        // CRM meanwhile are pushed here, in case their change events were missed.
        for link in links.values().filter(|l| !seen.contains(&l.resource_name)) {
            let Some(card) = records.card(link.kind, &link.record_id) else { continue };
            if card.fingerprint() != link.fingerprint && self.push(tenant, user, &access, link, &card).await?.is_some()
            {
                outcome.pushed += 1;
            }
        }
        tracing::info!(%tenant, %user, imported = outcome.imported, pushed = outcome.pushed, pulled = outcome.pulled, "contact sync done");
        self.table.record_google_sync(tenant, user, &outcome, Timestamp::now()).await?;
        Ok(())
    }

    async fn apply(
        &self,
        run: &Run<'_>,
        person: Person,
        records: &mut Records,
        links: &mut HashMap<String, ContactLink>,
        outcome: &mut SyncOutcome,
    ) -> Result<(), Error> {
        let (tenant, user) = (run.tenant, run.user);
        if person.deleted {
            if let Some(link) = links.remove(&person.resource_name) {
                self.table.delete_contact_link(tenant, user, link.kind, &link.record_id).await?;
            }
            return Ok(());
        }
        let link = match links.get(&person.resource_name) {
            Some(link) => link.clone(),
            None => {
                let matched = person.card.email_key().and_then(|email| records.by_email.get(&email).cloned());
                let already_linked =
                    |(kind, id): &(RecordKind, String)| links.values().any(|l| l.kind == *kind && &l.record_id == id);
                match matched.filter(|m| !already_linked(m)) {
                    // Linked as if both sides last agreed on Google's version: the CRM's differences win.
                    Some((kind, record_id)) => ContactLink {
                        resource_name: person.resource_name.clone(),
                        kind,
                        record_id,
                        etag: person.etag.clone(),
                        fingerprint: person.card.fingerprint(),
                    },
                    None => {
                        if let Some(link) = self.import(&run.actor, run.import_as, &person, records).await? {
                            outcome.imported += 1;
                            links.insert(link.resource_name.clone(), link);
                        }
                        return Ok(());
                    }
                }
            }
        };
        let Some(crm) = records.card(link.kind, &link.record_id) else {
            // The record was deleted in the CRM: the entry stays in Google, unlinked.
            links.remove(&person.resource_name);
            self.table.delete_contact_link(tenant, user, link.kind, &link.record_id).await?;
            return Ok(());
        };
        let updated = match reconcile(&crm, &person.card, &link.fingerprint) {
            Reconcile::InSync => ContactLink { etag: person.etag.clone(), fingerprint: crm.fingerprint(), ..link },
            Reconcile::PushToAddressBook => {
                let link = ContactLink { etag: person.etag.clone(), ..link };
                match self.push(tenant, user, run.access, &link, &crm).await? {
                    Some(pushed) => {
                        outcome.pushed += 1;
                        links.insert(person.resource_name.clone(), pushed);
                    }
                    None => {
                        links.remove(&person.resource_name);
                    }
                }
                return Ok(());
            }
            Reconcile::PullIntoCrm => {
                let card = self.pull(&run.actor, &link, &person.card, records).await?;
                outcome.pulled += 1;
                ContactLink { etag: person.etag.clone(), fingerprint: card.fingerprint(), ..link }
            }
        };
        self.table.put_contact_link(tenant, user, &updated).await?;
        links.insert(person.resource_name.clone(), updated);
        Ok(())
    }

    /// A new record from an entry the CRM does not know, created as the connected user (through the same
    /// core as the API) and linked to the entry in the same write.
    async fn import(
        &self,
        actor: &Actor,
        import_as: RecordKind,
        person: &Person,
        records: &mut Records,
    ) -> Result<Option<ContactLink>, Error> {
        match import_as {
            RecordKind::Lead => self.create_linked::<Lead, NewLead>(actor, person, records).await,
            _ => self.create_linked::<Customer, NewCustomer>(actor, person, records).await,
        }
    }

    async fn create_linked<R: ContactRecord, N: NewRecord<R> + DeserializeOwned>(
        &self,
        actor: &Actor,
        person: &Person,
        records: &mut Records,
    ) -> Result<Option<ContactLink>, Error> {
        let now = Timestamp::now();
        let fields = person.card.record_name().map(|name| fields_of(&person.card, name));
        let Some(input) = fields.and_then(|fields| lenient(fields, |n: N| n.validate(actor.user, now))) else {
            tracing::info!(resource = %person.resource_name, "entry not importable (no usable name); skipped");
            return Ok(None);
        };
        let mut prepared = crm_core::create::<R, N>(self.table, actor, input, now).await?;
        let card = prepared.value.card();
        let link = ContactLink {
            resource_name: person.resource_name.clone(),
            kind: R::KIND,
            record_id: prepared.value.id().to_string(),
            etag: person.etag.clone(),
            fingerprint: card.fingerprint(),
        };
        prepared.changes.link_contact(actor.user, &link)?.via(Via::GoogleSync);
        let record = match prepared.commit().await {
            Ok(record) => record,
            // Left in Google unlinked: once the plan has room, a full sync, or the entry's next change, imports it.
            Err(StoreError::PlanLimit(reached)) => {
                tracing::warn!(resource = %person.resource_name, %reached, "entry not imported: the plan is full");
                return Ok(None);
            }
            Err(other) => return Err(other.into()),
        };
        records.index(R::KIND, &link.record_id, &card);
        record.keep(records);
        Ok(Some(link))
    }

    /// Writes Google's version into the CRM record (as the connected user, with an activity entry); the
    /// card as the CRM then holds it.
    async fn pull(
        &self,
        actor: &Actor,
        link: &ContactLink,
        card: &ContactCard,
        records: &mut Records,
    ) -> Result<ContactCard, Error> {
        let id = &link.record_id;
        Ok(match link.kind {
            RecordKind::Lead => {
                let before = records.leads.get(id).cloned().ok_or("linked lead vanished")?;
                let after = self.update::<Lead, LeadPatch>(actor, before, card).await?;
                let card = ContactCard::of_lead(&after);
                records.leads.insert(id.clone(), after);
                card
            }
            _ => {
                let before = records.customers.get(id).cloned().ok_or("linked customer vanished")?;
                let after = self.update::<Customer, CustomerPatch>(actor, before, card).await?;
                let card = ContactCard::of_customer(&after);
                records.customers.insert(id.clone(), after);
                card
            }
        })
    }

    /// Google's version of a linked record written into it as the connected user may change it (through
    /// the same core as the API); a record the user may not edit stays as it is.
    async fn update<R: Record, P: RecordPatch<R> + DeserializeOwned>(
        &self,
        actor: &Actor,
        before: R,
        card: &ContactCard,
    ) -> Result<R, Error> {
        let now = Timestamp::now();
        let name = card.record_name().unwrap_or_default();
        let Some(patch) = lenient(fields_of(card, name), |p: P| p.apply(&before, now)) else {
            return Ok(before);
        };
        match crm_core::update(self.table, actor, before.clone(), None, patch, now) {
            Ok(crm_core::Changed::Unchanged(record)) => Ok(record),
            Ok(crm_core::Changed::Prepared(mut prepared)) => {
                prepared.changes.via(Via::GoogleSync);
                Ok(prepared.commit().await?)
            }
            Err(crm_core::CoreError::Denied(denied)) => {
                tracing::info!(record = %before.id(), %denied, "not the connected user's to change; not pulled");
                Ok(before)
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Writes the CRM's card over the linked entry (the CRM wins: on a stale etag the entry is re-read
    /// and written again) and stores the link as both sides now hold it; `None` when the entry is gone
    /// from Google (the link is dropped).
    async fn push(
        &self,
        tenant: TenantId,
        user: UserId,
        access: &str,
        link: &ContactLink,
        card: &ContactCard,
    ) -> Result<Option<ContactLink>, Error> {
        let mut etag = link.etag.clone();
        for attempt in 0..2 {
            match self.google.update_contact(access, &link.resource_name, &etag, card).await {
                Ok(person) => {
                    let stored = ContactLink { etag: person.etag, fingerprint: card.fingerprint(), ..link.clone() };
                    self.table.put_contact_link(tenant, user, &stored).await?;
                    return Ok(Some(stored));
                }
                Err(GoogleError::EtagMismatch) if attempt == 0 => {
                    etag = self.google.person(access, &link.resource_name).await?.etag;
                }
                Err(GoogleError::Gone) => {
                    self.table.delete_contact_link(tenant, user, link.kind, &link.record_id).await?;
                    return Ok(None);
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err("the Google entry kept changing while it was written".into())
    }

    /// The connected user as the policy sees them now, if they still have access.
    async fn actor(&self, tenant: TenantId, user: UserId) -> Result<Option<Actor>, StoreError> {
        let stored = self.table.user(tenant, user).await?.filter(|s| s.user.is_active());
        Ok(stored.map(|s| Actor { tenant, user, role: s.user.role }))
    }

    /// A CRM change to a lead or customer: pushed to the linked entry of every connected user who may
    /// see the record; a deletion, or a record the user can no longer see, unlinks it.
    async fn push_change(&self, event: &DomainEvent) -> Result<(), Error> {
        let tenant = event.tenant_id;
        let (kind, card, owner) = match (&event.new, &event.old) {
            (Some(Snapshot::Lead(lead)), _) => {
                (RecordKind::Lead, Some(ContactCard::of_lead(lead)), Some(lead.owner_id))
            }
            (Some(Snapshot::Customer(customer)), _) => {
                (RecordKind::Customer, Some(ContactCard::of_customer(customer)), Some(customer.owner_id))
            }
            (None, Some(Snapshot::Lead(_))) => (RecordKind::Lead, None, None),
            (None, Some(Snapshot::Customer(_))) => (RecordKind::Customer, None, None),
            _ => return Ok(()),
        };
        for connection in self.table.google_connections(tenant).await? {
            let user = connection.user_id;
            let Some(link) = self.table.contact_link(tenant, user, kind, &event.entity_id).await? else { continue };
            let sees = match (owner, self.actor(tenant, user).await?) {
                (Some(owner), Some(actor)) => policy::view_record(&actor, owner).is_ok(),
                _ => false,
            };
            let card = card.as_ref().filter(|_| sees);
            match card {
                None => self.table.delete_contact_link(tenant, user, kind, &event.entity_id).await?,
                // Unchanged since the last sync (or this is the echo of a pull): nothing to push.
                Some(card) if card.fingerprint() == link.fingerprint => {}
                Some(card) => {
                    let Some((access, _)) = self.access_token(tenant, user).await? else { continue };
                    self.push(tenant, user, &access, &link, card).await?;
                }
            }
        }
        Ok(())
    }
}

/// One sync run's user and Google access.
struct Run<'a> {
    tenant: TenantId,
    user: UserId,
    /// The connected user as the policy sees them: imports and pulls are their changes.
    actor: Actor,
    access: &'a str,
    import_as: RecordKind,
}
