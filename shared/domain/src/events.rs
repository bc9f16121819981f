//! Domain events: what changed, derived from a record's old and new image in the table's stream, and
//! which queues care about each kind.

use crate::chat::Message;
use crate::customer::Customer;
use crate::deal::{Deal, DealStage};
use crate::lead::{Lead, LeadStatus};
use crate::note::Note;
use crate::{Record, TenantId};
use serde::{Deserialize, Serialize};

/// A record as it was or is, tagged with its kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "lowercase")]
pub enum Snapshot {
    Lead(Lead),
    Customer(Customer),
    Deal(Deal),
    Note(Note),
    Message(Message),
}

impl Snapshot {
    pub fn entity_id(&self) -> String {
        match self {
            Snapshot::Lead(r) => r.id.to_string(),
            Snapshot::Customer(r) => r.id.to_string(),
            Snapshot::Deal(r) => r.id.to_string(),
            Snapshot::Note(n) => n.id.to_string(),
            Snapshot::Message(m) => m.id.to_string(),
        }
    }

    /// The record's name (a lead's, customer's or deal's), for people reading about it.
    pub fn title(&self) -> Option<&str> {
        match self {
            Snapshot::Lead(r) => Some(&r.name),
            Snapshot::Customer(r) => Some(&r.name),
            Snapshot::Deal(r) => Some(&r.name),
            Snapshot::Note(_) | Snapshot::Message(_) => None,
        }
    }

    /// When this version was written.
    pub fn written_at(&self) -> &str {
        match self {
            Snapshot::Lead(r) => &r.updated_at,
            Snapshot::Customer(r) => &r.updated_at,
            Snapshot::Deal(r) => &r.updated_at,
            Snapshot::Note(n) => &n.updated_at,
            Snapshot::Message(m) => &m.created_at,
        }
    }

    pub(crate) fn owner(&self) -> Option<crate::UserId> {
        match self {
            Snapshot::Lead(r) => Some(r.owner()),
            Snapshot::Customer(r) => Some(r.owner()),
            Snapshot::Deal(r) => Some(r.owner()),
            Snapshot::Note(_) => None,
            Snapshot::Message(m) => Some(m.author_id),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventKind {
    #[serde(rename = "lead.created")]
    LeadCreated,
    #[serde(rename = "lead.updated")]
    LeadUpdated,
    #[serde(rename = "lead.status_changed")]
    LeadStatusChanged,
    #[serde(rename = "lead.owner_changed")]
    LeadOwnerChanged,
    #[serde(rename = "lead.converted")]
    LeadConverted,
    #[serde(rename = "lead.deleted")]
    LeadDeleted,
    #[serde(rename = "customer.created")]
    CustomerCreated,
    #[serde(rename = "customer.updated")]
    CustomerUpdated,
    #[serde(rename = "customer.deleted")]
    CustomerDeleted,
    #[serde(rename = "deal.created")]
    DealCreated,
    #[serde(rename = "deal.updated")]
    DealUpdated,
    #[serde(rename = "deal.stage_changed")]
    DealStageChanged,
    #[serde(rename = "deal.won")]
    DealWon,
    #[serde(rename = "deal.lost")]
    DealLost,
    #[serde(rename = "deal.deleted")]
    DealDeleted,
    #[serde(rename = "note.added")]
    NoteAdded,
    #[serde(rename = "note.edited")]
    NoteEdited,
    #[serde(rename = "note.deleted")]
    NoteDeleted,
    #[serde(rename = "message.posted")]
    MessagePosted,
}

impl EventKind {
    pub const ALL: [EventKind; 19] = [
        EventKind::LeadCreated,
        EventKind::LeadUpdated,
        EventKind::LeadStatusChanged,
        EventKind::LeadOwnerChanged,
        EventKind::LeadConverted,
        EventKind::LeadDeleted,
        EventKind::CustomerCreated,
        EventKind::CustomerUpdated,
        EventKind::CustomerDeleted,
        EventKind::DealCreated,
        EventKind::DealUpdated,
        EventKind::DealStageChanged,
        EventKind::DealWon,
        EventKind::DealLost,
        EventKind::DealDeleted,
        EventKind::NoteAdded,
        EventKind::NoteEdited,
        EventKind::NoteDeleted,
        EventKind::MessagePosted,
    ];

    pub fn name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    pub fn queues(self) -> &'static [Queue] {
        use EventKind::*;
        use Queue::*;
        match self {
            LeadCreated | LeadUpdated | LeadStatusChanged | LeadOwnerChanged | LeadConverted => {
                &[SlackNotify, StatsRollup, SearchIndex, ContactsSync, Notify, WebhookEvents]
            }
            DealWon | DealLost => &[SlackNotify, StatsRollup, SearchIndex, Notify, WebhookEvents],
            CustomerCreated | CustomerUpdated => &[StatsRollup, SearchIndex, ContactsSync, Notify, WebhookEvents],
            LeadDeleted | CustomerDeleted => &[StatsRollup, SearchIndex, ContactsSync, WebhookEvents],
            DealCreated | DealUpdated | DealStageChanged => &[StatsRollup, SearchIndex, Notify, WebhookEvents],
            DealDeleted => &[StatsRollup, SearchIndex, WebhookEvents],
            NoteAdded => &[SearchIndex, Notify, WebhookEvents],
            NoteEdited | NoteDeleted => &[SearchIndex, WebhookEvents],
            MessagePosted => &[StatsRollup, Notify],
        }
    }
}

/// The queues fed by the events router; each is drained by its own function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Queue {
    SlackNotify,
    StatsRollup,
    SearchIndex,
    ContactsSync,
    /// Jobs to run (not domain events): see `crm_domain::job`.
    Jobs,
    /// Notification inboxes: see `crm_domain::notification`.
    Notify,
    /// Events for outgoing webhooks, each made into one delivery per subscribed endpoint.
    WebhookEvents,
    /// One outgoing webhook delivery per message (not domain events): see `crm_domain::outgoing`.
    WebhookDeliveries,
}

impl Queue {
    pub const ALL: [Queue; 8] = [
        Queue::SlackNotify,
        Queue::StatsRollup,
        Queue::SearchIndex,
        Queue::ContactsSync,
        Queue::Jobs,
        Queue::Notify,
        Queue::WebhookEvents,
        Queue::WebhookDeliveries,
    ];

    /// The environment variable holding the queue's URL.
    pub fn url_variable(self) -> &'static str {
        match self {
            Queue::SlackNotify => "SLACK_NOTIFY_QUEUE_URL",
            Queue::StatsRollup => "STATS_ROLLUP_QUEUE_URL",
            Queue::SearchIndex => "SEARCH_INDEX_QUEUE_URL",
            Queue::ContactsSync => "CONTACTS_SYNC_QUEUE_URL",
            Queue::Jobs => "JOBS_QUEUE_URL",
            Queue::Notify => "NOTIFY_QUEUE_URL",
            Queue::WebhookEvents => "WEBHOOK_EVENTS_QUEUE_URL",
            Queue::WebhookDeliveries => "WEBHOOK_DELIVERIES_QUEUE_URL",
        }
    }
}

/// Through what a change was made: stored on the record with the user who made it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A person or program calling the API.
    #[default]
    Api,
    /// An inbound lead webhook, as its endpoint's owner.
    Webhook,
    /// The Google Contacts sync, as the connected user.
    GoogleSync,
    /// A CSV import, as the user who started it.
    Import,
    /// A merge of two records, as the user who asked for it: the survivor, and what moved to it.
    Merge,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::Webhook => "webhook",
            Via::GoogleSync => "google_sync",
            Via::Import => "import",
            Via::Merge => "merge",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Via::Api, Via::Webhook, Via::GoogleSync, Via::Import, Via::Merge].into_iter().find(|v| v.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainEvent {
    /// Unique per change (the stream record's id): consumers use it to process each change once.
    pub id: String,
    pub tenant_id: TenantId,
    pub kind: EventKind,
    pub entity_id: String,
    /// The record before and after the change (`None` before a creation, after a deletion).
    pub old: Option<Snapshot>,
    pub new: Option<Snapshot>,
    /// Who made the change, when the item says (records, notes and messages written since it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<crate::UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
    /// When the table's stream saw the change (the same on every redelivery of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_at: Option<String>,
}

impl DomainEvent {
    /// The event a change of one record amounts to, or `None` when nothing happened.
    pub fn from_change(id: String, tenant_id: TenantId, old: Option<Snapshot>, new: Option<Snapshot>) -> Option<Self> {
        let kind = kind_of(old.as_ref(), new.as_ref())?;
        let entity_id = new.as_ref().or(old.as_ref())?.entity_id();
        let actor = match new.as_ref() {
            Some(Snapshot::Note(n)) => Some(n.author_id),
            Some(Snapshot::Message(m)) => Some(m.author_id),
            _ => None,
        };
        Some(DomainEvent { id, tenant_id, kind, entity_id, old, new, actor, via: None, seen_at: None })
    }

    /// The queues the event goes to. A note a merge moved is no news: nobody is told it was added.
    pub fn queues(&self) -> impl Iterator<Item = Queue> + '_ {
        let moved = self.kind == EventKind::NoteAdded && self.via == Some(Via::Merge);
        self.kind.queues().iter().copied().filter(move |queue| !(moved && *queue == Queue::Notify))
    }

    /// The owner of the record after the change (before it, for a deletion).
    pub fn owner(&self) -> Option<crate::UserId> {
        self.new.as_ref().or(self.old.as_ref()).and_then(Snapshot::owner)
    }
}

fn kind_of(old: Option<&Snapshot>, new: Option<&Snapshot>) -> Option<EventKind> {
    use EventKind::*;
    Some(match (old, new) {
        (None, Some(Snapshot::Lead(_))) => LeadCreated,
        (None, Some(Snapshot::Customer(_))) => CustomerCreated,
        (None, Some(Snapshot::Deal(_))) => DealCreated,
        (None, Some(Snapshot::Note(_))) => NoteAdded,
        (None, Some(Snapshot::Message(_))) => MessagePosted,
        (Some(Snapshot::Lead(_)), None) => LeadDeleted,
        (Some(Snapshot::Customer(_)), None) => CustomerDeleted,
        (Some(Snapshot::Deal(_)), None) => DealDeleted,
        (Some(Snapshot::Note(_)), None) => NoteDeleted,
        (Some(Snapshot::Lead(a)), Some(Snapshot::Lead(b))) if a != b => {
            if b.status == LeadStatus::Converted && a.status != LeadStatus::Converted {
                LeadConverted
            } else if a.status != b.status {
                LeadStatusChanged
            } else if a.owner_id != b.owner_id {
                LeadOwnerChanged
            } else {
                LeadUpdated
            }
        }
        (Some(Snapshot::Customer(a)), Some(Snapshot::Customer(b))) if a != b => CustomerUpdated,
        (Some(Snapshot::Deal(a)), Some(Snapshot::Deal(b))) if a != b => match (a.stage == b.stage, b.stage) {
            (false, DealStage::Won) => DealWon,
            (false, DealStage::Lost) => DealLost,
            (false, _) => DealStageChanged,
            (true, _) => DealUpdated,
        },
        (Some(Snapshot::Note(a)), Some(Snapshot::Note(b))) if a != b => NoteEdited,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::lead::{LeadPatch, NewLead};
    use crate::record::{NewRecord, RecordPatch};

    fn lead() -> Lead {
        serde_json::from_str::<NewLead>(r#"{"name":"A"}"#)
            .unwrap()
            .validate(crate::UserId::new(), Timestamp::now())
            .unwrap()
    }

    fn event(old: Option<Lead>, new: Option<Lead>) -> Option<EventKind> {
        DomainEvent::from_change("e".into(), TenantId::new(), old.map(Snapshot::Lead), new.map(Snapshot::Lead))
            .map(|e| e.kind)
    }

    #[test]
    fn lead_changes_become_events() {
        let a = lead();
        let qualified = serde_json::from_str::<LeadPatch>(r#"{"status":"qualified"}"#)
            .unwrap()
            .apply(&a, Timestamp::now())
            .unwrap()
            .record;
        let renamed =
            serde_json::from_str::<LeadPatch>(r#"{"name":"B"}"#).unwrap().apply(&a, Timestamp::now()).unwrap().record;
        let converted = qualified.convert(crate::CustomerId::new(), Timestamp::now()).unwrap().record;
        assert_eq!(event(None, Some(a.clone())), Some(EventKind::LeadCreated));
        assert_eq!(event(Some(a.clone()), Some(qualified.clone())), Some(EventKind::LeadStatusChanged));
        assert_eq!(event(Some(a.clone()), Some(renamed)), Some(EventKind::LeadUpdated));
        assert_eq!(event(Some(qualified), Some(converted)), Some(EventKind::LeadConverted));
        assert_eq!(event(Some(a.clone()), None), Some(EventKind::LeadDeleted));
        assert_eq!(event(Some(a.clone()), Some(a)), None);
    }

    #[test]
    fn events_travel_as_json_and_name_their_queues() {
        let e = DomainEvent::from_change("e1".into(), TenantId::new(), None, Some(Snapshot::Lead(lead()))).unwrap();
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains(r#""kind":"lead.created""#) && json.contains(r#""entity":"lead""#));
        assert_eq!(serde_json::from_str::<DomainEvent>(&json).unwrap(), e);
        assert!(EventKind::DealWon.queues().contains(&Queue::SlackNotify));
        assert!(!EventKind::DealCreated.queues().contains(&Queue::SlackNotify));
        assert_eq!(EventKind::DealWon.name(), "deal.won");
        assert!(EventKind::ALL.iter().all(|k| k.queues().contains(&Queue::WebhookEvents) == crate::outgoing::subscribable().any(|s| s == *k)));
    }
}
