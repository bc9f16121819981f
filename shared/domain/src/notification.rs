//! The notification inbox: what a domain event tells whom. Pure rules; the notify worker reads what they
//! need (a noted record's owner, the recipients' preferences), writes the entries and pushes them.

use crate::chat::Message;
use crate::clock::Timestamp;
use crate::events::{DomainEvent, EventKind, Snapshot, Via};
use crate::ids::{JobId, NotificationId};
use crate::{ChannelId, MessageId, RecordKind, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// Notifications expire this long after they were made, read or not.
pub const KEPT_DAYS: i64 = 90;
/// The longest quotation of a message or note in a summary, in characters.
const EXCERPT_CHARS: usize = 120;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Someone mentioned you in chat.
    Mention,
    /// A lead, customer or deal became yours through someone else.
    Assigned,
    /// An inbound webhook delivered a lead to you.
    LeadDelivered,
    /// A deal of yours was won or lost by someone else.
    DealClosed,
    /// Someone wrote a note on a record you own.
    NoteAdded,
    /// Your Google Contacts sync failed.
    SyncFailed,
    /// An outgoing webhook endpoint of the account was disabled after its deliveries kept failing
    /// (Admins).
    WebhookDisabled,
    /// The account's plan or subscription changed (Admins).
    PlanChanged,
    /// Work you asked for (an export) finished, or failed.
    JobFinished,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 9] = [
        NotificationKind::Mention,
        NotificationKind::Assigned,
        NotificationKind::LeadDelivered,
        NotificationKind::DealClosed,
        NotificationKind::NoteAdded,
        NotificationKind::SyncFailed,
        NotificationKind::WebhookDisabled,
        NotificationKind::PlanChanged,
        NotificationKind::JobFinished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Mention => "mention",
            NotificationKind::Assigned => "assigned",
            NotificationKind::LeadDelivered => "lead_delivered",
            NotificationKind::DealClosed => "deal_closed",
            NotificationKind::NoteAdded => "note_added",
            NotificationKind::SyncFailed => "sync_failed",
            NotificationKind::WebhookDisabled => "webhook_disabled",
            NotificationKind::PlanChanged => "plan_changed",
            NotificationKind::JobFinished => "job_finished",
        }
    }
}

/// One entry of a user's inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: NotificationId,
    pub kind: NotificationKind,
    /// What happened, in a line for people.
    pub summary: String,
    /// Who caused it, when a user did.
    pub actor_id: Option<UserId>,
    /// The record it is about.
    pub record_type: Option<RecordKind>,
    pub record_id: Option<String>,
    /// The chat message it is about.
    pub channel_id: Option<ChannelId>,
    pub message_id: Option<MessageId>,
    /// The job it is about (`GET /api/v1/jobs/{id}`: a finished export's link).
    #[serde(default)]
    pub job_id: Option<JobId>,
    pub created_at: String,
    /// When the user marked it read; `null` while unread.
    pub read_at: Option<String>,
}

/// Which kinds notify a user; every kind does until the user says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Preferences {
    pub mention: bool,
    pub assigned: bool,
    pub lead_delivered: bool,
    pub deal_closed: bool,
    pub note_added: bool,
    pub sync_failed: bool,
    pub webhook_disabled: bool,
    pub plan_changed: bool,
    pub job_finished: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            mention: true,
            assigned: true,
            lead_delivered: true,
            deal_closed: true,
            note_added: true,
            sync_failed: true,
            webhook_disabled: true,
            plan_changed: true,
            job_finished: true,
        }
    }
}

impl Preferences {
    pub fn wants(&self, kind: NotificationKind) -> bool {
        *self.slot(kind)
    }

    fn slot(&self, kind: NotificationKind) -> &bool {
        match kind {
            NotificationKind::Mention => &self.mention,
            NotificationKind::Assigned => &self.assigned,
            NotificationKind::LeadDelivered => &self.lead_delivered,
            NotificationKind::DealClosed => &self.deal_closed,
            NotificationKind::NoteAdded => &self.note_added,
            NotificationKind::SyncFailed => &self.sync_failed,
            NotificationKind::WebhookDisabled => &self.webhook_disabled,
            NotificationKind::PlanChanged => &self.plan_changed,
            NotificationKind::JobFinished => &self.job_finished,
        }
    }
}

/// `PATCH /api/v1/notifications/preferences`: the kinds to switch on or off; kinds left out keep their
/// setting.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesPatch {
    pub mention: Option<bool>,
    pub assigned: Option<bool>,
    pub lead_delivered: Option<bool>,
    pub deal_closed: Option<bool>,
    pub note_added: Option<bool>,
    pub sync_failed: Option<bool>,
    pub webhook_disabled: Option<bool>,
    pub plan_changed: Option<bool>,
    pub job_finished: Option<bool>,
}

impl PreferencesPatch {
    /// The kinds named, with their new setting.
    pub fn changes(self) -> Vec<(NotificationKind, bool)> {
        let named = [
            (NotificationKind::Mention, self.mention),
            (NotificationKind::Assigned, self.assigned),
            (NotificationKind::LeadDelivered, self.lead_delivered),
            (NotificationKind::DealClosed, self.deal_closed),
            (NotificationKind::NoteAdded, self.note_added),
            (NotificationKind::SyncFailed, self.sync_failed),
            (NotificationKind::WebhookDisabled, self.webhook_disabled),
            (NotificationKind::PlanChanged, self.plan_changed),
            (NotificationKind::JobFinished, self.job_finished),
        ];
        named.into_iter().filter_map(|(kind, on)| Some((kind, on?))).collect()
    }
}

/// A notification for one user, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub tenant_id: TenantId,
    pub recipient: UserId,
    pub notification: Notification,
}

impl Draft {
    /// When the entry expires (Unix seconds).
    pub fn expires_at(&self) -> i64 {
        let made = Timestamp::parse(&self.notification.created_at).unwrap_or_else(Timestamp::now);
        made.plus_seconds(KEPT_DAYS * 24 * 60 * 60).unix_seconds()
    }
}

/// What a notification is about, before it is addressed.
struct About {
    kind: NotificationKind,
    summary: String,
    record: Option<(RecordKind, String)>,
    message: Option<(ChannelId, MessageId)>,
    job: Option<JobId>,
}

fn draft(tenant: TenantId, source: &str, at: &str, recipient: UserId, actor: Option<UserId>, about: About) -> Draft {
    let when = Timestamp::parse(at).unwrap_or_else(Timestamp::now);
    let id = NotificationId::derived(when.unix_millis(), &format!("{source}\n{recipient}\n{}", about.kind.as_str()));
    let (record_type, record_id) = about.record.map_or((None, None), |(k, i)| (Some(k), Some(i)));
    let (channel_id, message_id) = about.message.map_or((None, None), |(c, m)| (Some(c), Some(m)));
    Draft {
        tenant_id: tenant,
        recipient,
        notification: Notification {
            id,
            kind: about.kind,
            summary: about.summary,
            actor_id: actor,
            record_type,
            record_id,
            channel_id,
            message_id,
            job_id: about.job,
            created_at: when.rfc3339(),
            read_at: None,
        },
    }
}

fn excerpt(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= EXCERPT_CHARS {
        return line;
    }
    let cut: String = line.chars().take(EXCERPT_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn record_of(snapshot: &Snapshot) -> Option<(RecordKind, String)> {
    let kind = match snapshot {
        Snapshot::Lead(_) => RecordKind::Lead,
        Snapshot::Customer(_) => RecordKind::Customer,
        Snapshot::Deal(_) => RecordKind::Deal,
        Snapshot::Note(_) | Snapshot::Message(_) => return None,
    };
    Some((kind, snapshot.entity_id()))
}

/// The record a note event is about, when its notification needs that record's owner (which the event
/// does not carry).
pub fn noted_record(event: &DomainEvent) -> Option<(RecordKind, String)> {
    match (&event.kind, &event.new) {
        (EventKind::NoteAdded, Some(Snapshot::Note(note))) => Some((note.record_type, note.record_id.clone())),
        _ => None,
    }
}

/// The notifications `event` makes, before preferences; `noted_record_owner` is the owner of the record
/// a new note is on ([`noted_record`]). Nobody is notified of their own action.
pub fn drafts(event: &DomainEvent, noted_record_owner: Option<UserId>) -> Vec<Draft> {
    let Some(new) = &event.new else { return Vec::new() };
    let make = |recipient: UserId, about: About| {
        draft(event.tenant_id, &event.id, new.written_at(), recipient, event.actor, about)
    };
    let not_the_actor = |user: UserId| event.actor != Some(user);
    if let Snapshot::Message(message) = new {
        return mentions(event, message);
    }
    if let Snapshot::Note(note) = new {
        let Some(owner) = noted_record_owner.filter(|o| event.kind == EventKind::NoteAdded && *o != note.author_id)
        else {
            return Vec::new();
        };
        let about = About {
            kind: NotificationKind::NoteAdded,
            summary: format!("New note on your {}: “{}”", note.record_type.entity(), excerpt(&note.body)),
            record: Some((note.record_type, note.record_id.clone())),
            message: None,
            job: None,
        };
        return vec![make(owner, about)];
    }
    let (Some(owner), Some(record), title) = (new.owner(), record_of(new), new.title().unwrap_or_default()) else {
        return Vec::new();
    };
    let entity = record.0.entity();
    let became_owner = match &event.old {
        None => true,
        Some(old) => old.owner() != Some(owner),
    };
    let mut out = Vec::new();
    if event.kind == EventKind::LeadCreated && event.via == Some(Via::Webhook) {
        let summary = format!("A webhook delivered the lead “{title}” to you");
        let about =
            About { kind: NotificationKind::LeadDelivered, summary, record: Some(record), message: None, job: None };
        out.push(make(owner, about));
    } else if became_owner && not_the_actor(owner) && event.actor.is_some() {
        let summary = format!("The {entity} “{title}” is now yours");
        out.push(make(
            owner,
            About { kind: NotificationKind::Assigned, summary, record: Some(record), message: None, job: None },
        ));
    } else if matches!(event.kind, EventKind::DealWon | EventKind::DealLost) && not_the_actor(owner) {
        let outcome = if event.kind == EventKind::DealWon { "won" } else { "lost" };
        let summary = format!("Your deal “{title}” was {outcome}");
        let about =
            About { kind: NotificationKind::DealClosed, summary, record: Some(record), message: None, job: None };
        out.push(make(owner, about));
    }
    out
}

fn mentions(event: &DomainEvent, message: &Message) -> Vec<Draft> {
    if event.kind != EventKind::MessagePosted {
        return Vec::new();
    }
    message
        .mentions
        .iter()
        .filter(|user| **user != message.author_id)
        .map(|user| {
            let about = About {
                kind: NotificationKind::Mention,
                summary: format!("You were mentioned: “{}”", excerpt(&message.body)),
                record: None,
                message: Some((message.channel_id, message.id)),
                job: None,
            };
            draft(event.tenant_id, &event.id, &message.created_at, *user, Some(message.author_id), about)
        })
        .collect()
}

/// A Google Contacts sync of `user` that ended in `error` at `at`; `source` identifies the failure
/// (its stream record), so a redelivery makes the same entry.
pub fn sync_failed(tenant: TenantId, user: UserId, error: &str, at: &str, source: &str) -> Draft {
    let about = About {
        kind: NotificationKind::SyncFailed,
        summary: format!("Google Contacts sync failed: {}", excerpt(error)),
        record: None,
        message: None,
        job: None,
    };
    draft(tenant, source, at, user, None, about)
}

/// An outgoing webhook endpoint disabled after failures, for one of the account's Admins.
pub fn webhook_disabled(tenant: TenantId, admin: UserId, url: &str, reason: &str, at: &str, source: &str) -> Draft {
    let about = About {
        kind: NotificationKind::WebhookDisabled,
        summary: format!("Webhook endpoint {} was disabled: {}", excerpt(url), excerpt(reason)),
        record: None,
        message: None,
        job: None,
    };
    draft(tenant, source, at, admin, None, about)
}

/// The account's plan or subscription changed, for one of its Admins.
pub fn plan_changed(tenant: TenantId, admin: UserId, plan: &str, subscription: &str, at: &str, source: &str) -> Draft {
    let summary = match subscription {
        "past_due" => format!("A payment failed: the {plan} plan stays during the grace period"),
        "none" => format!("The account is on the {plan} plan"),
        other => format!("The account is on the {plan} plan (subscription {})", other.replace('_', " ")),
    };
    let about = About { kind: NotificationKind::PlanChanged, summary, record: None, message: None, job: None };
    draft(tenant, source, at, admin, None, about)
}

/// What its asker is told of a job that ended, if anything: an export's rows, an import's tally, or why
/// it failed.
pub fn job_summary(job: &crate::job::Job) -> Option<String> {
    use crate::job::JobStatus;
    let count = |name: &str| job.result.as_ref().and_then(|r| r[name].as_u64()).unwrap_or(0);
    // A merge is done when asked; only moving what was the duplicate's may fail later.
    if let Some(merge) = &job.merge {
        return (job.status == JobStatus::Failed).then(|| {
            format!(
                "Moving the notes, timeline and deals of a merged {} failed: {} (ask for the merge again to resume)",
                merge.kind.entity(),
                excerpt(job.error.as_deref().unwrap_or("no reason given"))
            )
        });
    }
    let (work, kind) = match (&job.export, &job.import) {
        (Some(export), _) => ("export", export.kind()),
        (None, Some(import)) => ("import", import.kind()),
        (None, None) => return None,
    };
    match job.status {
        JobStatus::Succeeded if work == "export" => {
            let rows = count("rows");
            let what = if rows == 1 { kind.entity() } else { kind.collection() };
            Some(format!("Your export of {rows} {what} is ready to download"))
        }
        JobStatus::Succeeded => {
            let (created, updated, unchanged, failed) =
                (count("created"), count("updated"), count("unchanged"), count("failed"));
            let refused = match failed {
                0 => String::new(),
                1 => "; 1 row was refused (download the errors)".to_owned(),
                n => format!("; {n} rows were refused (download the errors)"),
            };
            Some(format!(
                "Your import of {} is done: {created} created, {updated} updated, {unchanged} unchanged{refused}",
                kind.collection()
            ))
        }
        JobStatus::Failed => Some(format!(
            "Your {work} of {} failed: {}",
            kind.collection(),
            excerpt(job.error.as_deref().unwrap_or("no reason given"))
        )),
        JobStatus::Queued | JobStatus::Running => None,
    }
}

/// A job `user` asked for ended: `summary` says how (an export's rows, or why it failed).
pub fn job_finished(tenant: TenantId, user: UserId, job: JobId, summary: String, at: &str, source: &str) -> Draft {
    let about = About { kind: NotificationKind::JobFinished, summary, record: None, message: None, job: Some(job) };
    draft(tenant, source, at, user, None, about)
}

/// What the notify worker receives: a domain event, or what the table's stream showed of something else
/// (a failed Google sync, a disabled webhook endpoint).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum NotifySource {
    Event(Box<DomainEvent>),
    GoogleSyncFailed {
        id: String,
        tenant_id: TenantId,
        user_id: UserId,
        error: String,
        at: String,
    },
    WebhookDisabled {
        id: String,
        tenant_id: TenantId,
        url: String,
        reason: String,
        at: String,
    },
    PlanChanged {
        id: String,
        tenant_id: TenantId,
        plan: String,
        subscription: String,
        at: String,
    },
    JobFinished {
        id: String,
        tenant_id: TenantId,
        user_id: UserId,
        job_id: JobId,
        summary: String,
        at: String,
    },
    /// A running job passed another tenth: its asker's open sockets are told, the inbox is not.
    JobProgress {
        tenant_id: TenantId,
        user_id: UserId,
        job_id: JobId,
        percent: u8,
        processed: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoteId;
    use crate::deal::{DealPatch, NewDeal};
    use crate::lead::{LeadPatch, NewLead};
    use crate::note::Note;
    use crate::record::{NewRecord, RecordPatch};

    fn lead(owner: UserId) -> crate::lead::Lead {
        serde_json::from_str::<NewLead>(r#"{"name":"Acme"}"#).unwrap().validate(owner, Timestamp::now()).unwrap()
    }

    fn event(old: Option<Snapshot>, new: Option<Snapshot>, actor: UserId, via: Via) -> DomainEvent {
        let mut e = DomainEvent::from_change("ev-1".into(), TenantId::new(), old, new).unwrap();
        e.actor = Some(actor);
        e.via = Some(via);
        e
    }

    #[test]
    fn a_lead_made_for_someone_else_notifies_its_owner_only() {
        let (owner, manager) = (UserId::new(), UserId::new());
        let made = event(None, Some(Snapshot::Lead(lead(owner))), manager, Via::Api);
        let drafts = drafts(&made, None);
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].recipient, owner);
        assert_eq!(drafts[0].notification.kind, NotificationKind::Assigned);
        assert_eq!(drafts[0].notification.summary, "The lead “Acme” is now yours");
        assert_eq!(drafts[0].notification.actor_id, Some(manager));

        let own = event(None, Some(Snapshot::Lead(lead(owner))), owner, Via::Api);
        assert!(super::drafts(&own, None).is_empty(), "nobody is told of their own action");
    }

    #[test]
    fn a_webhook_lead_is_a_delivery_even_though_its_owner_is_the_actor() {
        let owner = UserId::new();
        let made = event(None, Some(Snapshot::Lead(lead(owner))), owner, Via::Webhook);
        let drafts = drafts(&made, None);
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].notification.kind, NotificationKind::LeadDelivered);
    }

    #[test]
    fn reassignment_notifies_the_new_owner_and_other_edits_nobody() {
        let (old_owner, new_owner, manager) = (UserId::new(), UserId::new(), UserId::new());
        let before = lead(old_owner);
        let patch = format!(r#"{{"owner_id":"{new_owner}"}}"#);
        let after = serde_json::from_str::<LeadPatch>(&patch).unwrap().apply(&before, Timestamp::now()).unwrap().record;
        let moved = event(Some(Snapshot::Lead(before.clone())), Some(Snapshot::Lead(after)), manager, Via::Api);
        let drafts = drafts(&moved, None);
        assert_eq!(drafts.iter().map(|d| d.recipient).collect::<Vec<_>>(), vec![new_owner]);

        let renamed = serde_json::from_str::<LeadPatch>(r#"{"name":"B"}"#).unwrap().apply(&before, Timestamp::now());
        let edit =
            event(Some(Snapshot::Lead(before)), Some(Snapshot::Lead(renamed.unwrap().record)), manager, Via::Api);
        assert!(super::drafts(&edit, None).is_empty());
    }

    #[test]
    fn a_deal_closed_by_someone_else_tells_its_owner_how_it_ended() {
        let (owner, manager) = (UserId::new(), UserId::new());
        let deal = serde_json::from_str::<NewDeal>(r#"{"name":"Big","customer_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","amount":{"amount_minor":1000,"currency":"EUR"}}"#)
            .unwrap()
            .validate(owner, Timestamp::now())
            .unwrap();
        let lost = serde_json::from_str::<DealPatch>(r#"{"stage":"lost","lost_reason":"price"}"#)
            .unwrap()
            .apply(&deal, Timestamp::now())
            .unwrap()
            .record;
        let closed = event(Some(Snapshot::Deal(deal.clone())), Some(Snapshot::Deal(lost.clone())), manager, Via::Api);
        let drafts = drafts(&closed, None);
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].notification.kind, NotificationKind::DealClosed);
        assert_eq!(drafts[0].notification.summary, "Your deal “Big” was lost");
        let by_owner = event(Some(Snapshot::Deal(deal)), Some(Snapshot::Deal(lost)), owner, Via::Api);
        assert!(super::drafts(&by_owner, None).is_empty());
    }

    #[test]
    fn mentions_notify_each_mentioned_user_but_the_author() {
        let (author, mentioned) = (UserId::new(), UserId::new());
        let body = format!("@{mentioned} and @{author}: look at this");
        let message = Message::new(ChannelId::new(), author, &body, Timestamp::now()).unwrap();
        let posted = DomainEvent::from_change("ev-2".into(), TenantId::new(), None, Some(Snapshot::Message(message)));
        let drafts = drafts(&posted.unwrap(), None);
        assert_eq!(drafts.iter().map(|d| d.recipient).collect::<Vec<_>>(), vec![mentioned]);
        assert_eq!(drafts[0].notification.kind, NotificationKind::Mention);
        assert_eq!(drafts[0].notification.actor_id, Some(author));
    }

    #[test]
    fn a_note_notifies_the_record_owner_unless_they_wrote_it() {
        let (owner, colleague) = (UserId::new(), UserId::new());
        let note = |author| Note {
            id: NoteId::new(),
            record_type: RecordKind::Lead,
            record_id: crate::LeadId::new().to_string(),
            author_id: author,
            body: "Called,\nno answer".into(),
            created_at: Timestamp::now().rfc3339(),
            updated_at: Timestamp::now().rfc3339(),
            version: 1,
        };
        let added =
            DomainEvent::from_change("ev-3".into(), TenantId::new(), None, Some(Snapshot::Note(note(colleague))))
                .unwrap();
        assert!(noted_record(&added).is_some());
        let drafts = drafts(&added, Some(owner));
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].notification.summary, "New note on your lead: “Called, no answer”");
        let own = DomainEvent::from_change("ev-4".into(), TenantId::new(), None, Some(Snapshot::Note(note(owner))));
        assert!(super::drafts(&own.unwrap(), Some(owner)).is_empty());
    }

    #[test]
    fn the_same_event_makes_the_same_ids_and_ids_sort_by_time() {
        let (owner, manager) = (UserId::new(), UserId::new());
        let made = event(None, Some(Snapshot::Lead(lead(owner))), manager, Via::Api);
        assert_eq!(drafts(&made, None), drafts(&made, None));
        let a = sync_failed(TenantId::new(), owner, "refused", "2026-01-01T00:00:00.000Z", "s1");
        let b = sync_failed(TenantId::new(), owner, "refused", "2026-01-01T00:00:00.001Z", "s0");
        assert!(a.notification.id < b.notification.id);
        assert_ne!(
            a.notification.id,
            sync_failed(a.tenant_id, owner, "x", &a.notification.created_at, "s2").notification.id
        );
    }

    #[test]
    fn preferences_default_on_and_patch_only_what_is_named() {
        let prefs = Preferences::default();
        assert!(NotificationKind::ALL.iter().all(|k| prefs.wants(*k)));
        let patch = serde_json::from_str::<PreferencesPatch>(r#"{"mention":false}"#).unwrap();
        assert_eq!(patch.changes(), vec![(NotificationKind::Mention, false)]);
        let stored: Preferences = serde_json::from_str(r#"{"mention":false}"#).unwrap();
        assert!(!stored.wants(NotificationKind::Mention) && stored.wants(NotificationKind::Assigned));
        assert!(serde_json::from_str::<PreferencesPatch>(r#"{"unknown":true}"#).is_err());
    }

    #[test]
    fn long_text_is_quoted_short() {
        let long = "word ".repeat(100);
        let quoted = excerpt(&long);
        assert_eq!(quoted.chars().count(), EXCERPT_CHARS);
        assert!(quoted.ends_with('…'));
    }

    #[test]
    fn an_ended_export_tells_its_asker_what_became_of_it() {
        use crate::export::NewExport;
        use crate::job::Job;
        let asker = UserId::new();
        let asked = NewExport::Lead { status: None, owner_id: None, tag: None };
        let job = Job::export(asked, asker, Timestamp::now());
        assert_eq!(job_summary(&job), None, "not ended");
        let done = job.succeeded(serde_json::json!({"rows": 1}), Timestamp::now());
        assert_eq!(job_summary(&done).unwrap(), "Your export of 1 lead is ready to download");
        let failed = job.failed("S3 PutObject: denied".into(), Timestamp::now());
        assert_eq!(job_summary(&failed).unwrap(), "Your export of leads failed: S3 PutObject: denied");
        let rebuild = Job::queued(crate::job::JobKind::StatsRebuild, asker, Timestamp::now());
        assert_eq!(job_summary(&rebuild.succeeded(serde_json::json!({}), Timestamp::now())), None);
        let told = job_finished(TenantId::new(), asker, done.id, job_summary(&done).unwrap(), &done.updated_at, "ev");
        assert_eq!((told.notification.kind, told.notification.job_id), (NotificationKind::JobFinished, Some(done.id)));
    }
}
