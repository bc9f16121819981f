//! Key layout. Partition keys always start with `T#<tenant>#`, tenant ids are fixed-length ULIDs, so a
//! `dynamodb:LeadingKeys` IAM condition of `T#<tenant>#*` confines a principal to one tenant.

use crm_domain::{RecordKind, SessionId, TenantId, UserId};
use sha2::{Digest, Sha256};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const TTL: &str = "ttl";

/// The generic secondary indexes and their key attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    Gsi1,
    Gsi2,
    Gsi3,
}

impl Index {
    pub fn name(self) -> &'static str {
        match self {
            Index::Gsi1 => "gsi1",
            Index::Gsi2 => "gsi2",
            Index::Gsi3 => "gsi3",
        }
    }

    pub fn pk(self) -> &'static str {
        match self {
            Index::Gsi1 => "gsi1pk",
            Index::Gsi2 => "gsi2pk",
            Index::Gsi3 => "gsi3pk",
        }
    }

    pub fn sk(self) -> &'static str {
        match self {
            Index::Gsi1 => "gsi1sk",
            Index::Gsi2 => "gsi2sk",
            Index::Gsi3 => "gsi3sk",
        }
    }
}

pub mod sk {
    pub const TENANT: &str = "TENANT";
    pub const USER: &str = "USER";
    pub const EMAIL: &str = "EMAIL";
    pub const SESSION: &str = "SESSION";
    pub const RECORD: &str = "RECORD";
    pub const TAG_COUNT: &str = "TAG";
    pub const NOTE_PREFIX: &str = "NOTE#";
    pub const IDEMPOTENCY: &str = "IDEMPOTENCY";
    pub const TAG_PREFIX: &str = "TAG#";
    pub const ACTIVITY_PREFIX: &str = "ACT#";
    pub const MESSAGE_PREFIX: &str = "MSG#";
    pub const JOB: &str = "JOB";
    /// A record's email copy (indexed under the address).
    pub const EMAIL_COPY: &str = "BY_EMAIL";
    pub const IMPORTED_ROW_PREFIX: &str = "LINE#";
    /// Where a record merged into another was: the survivor's id.
    pub const MERGED: &str = "MERGED";
}

/// What a changed item holds, read from its keys alone: how the table stream's consumers tell records,
/// notes, messages and Google sync requests from everything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Record,
    Note,
    Message,
    GoogleSyncRequest,
    /// A user's Google Contacts connection, with the outcome of its last sync.
    GoogleConnection,
    /// An outgoing webhook endpoint.
    WebhookEndpoint,
    /// One delivery of an event to an outgoing webhook endpoint.
    WebhookDelivery,
    /// An account's plan, subscription and counted usage.
    Usage,
    Job,
    Other,
}

/// The tenant whose partition `pk` is, and what kind of item `sk` names there.
pub fn classify(pk: &str, sk: &str) -> Option<(TenantId, ItemKind)> {
    let tenant = TenantId::parse(pk.strip_prefix("T#")?.split('#').next()?)?;
    let kind = if sk == sk::RECORD {
        ItemKind::Record
    } else if sk.starts_with(sk::NOTE_PREFIX) {
        ItemKind::Note
    } else if sk.starts_with(sk::MESSAGE_PREFIX) {
        ItemKind::Message
    } else if sk.starts_with(crate::google::SYNC_REQUEST_PREFIX) {
        ItemKind::GoogleSyncRequest
    } else if sk.starts_with(crate::google::CONNECTION_PREFIX) && pk.ends_with(crate::google::CONNECTIONS_SUFFIX) {
        ItemKind::GoogleConnection
    } else if sk.starts_with(crate::outgoing::ENDPOINT_SK_PREFIX) && pk.ends_with(crate::outgoing::ENDPOINTS_SUFFIX) {
        ItemKind::WebhookEndpoint
    } else if sk.starts_with(crate::outgoing::DELIVERY_SK_PREFIX) && pk.contains(crate::outgoing::DELIVERIES_INFIX) {
        ItemKind::WebhookDelivery
    } else if sk == crate::usage::USAGE && pk.ends_with("#ACCOUNT") {
        ItemKind::Usage
    } else if sk == sk::JOB {
        ItemKind::Job
    } else {
        ItemKind::Other
    };
    Some((tenant, kind))
}

pub fn tenant_prefix(tenant: TenantId) -> String {
    format!("T#{tenant}#")
}

pub fn tenant(tenant: TenantId) -> String {
    format!("T#{tenant}#ACCOUNT")
}

pub fn user(tenant: TenantId, user: UserId) -> String {
    entity(tenant, "user", &user.to_string())
}

/// gsi1: a tenant's users, oldest first.
pub fn users_of(tenant: TenantId) -> String {
    format!("T#{tenant}#USERS")
}

/// gsi1 over API keys' service users: an account's keys (apart from its people).
pub fn api_keys_of(tenant: TenantId) -> String {
    format!("T#{tenant}#APIKEYS")
}

/// Email addresses are unique across the service, so their directory lives under the reserved system
/// tenant rather than under any account.
pub fn email(address: &str) -> String {
    format!("T#{}#EMAIL#{address}", TenantId::SYSTEM)
}

pub fn session(tenant: TenantId, session: SessionId) -> String {
    format!("T#{tenant}#SESSION#{session}")
}

/// A record's own item collection: the record, its tag copies, notes and activity entries. `entity`
/// is the lower-case entity name (`lead`, `customer`, `deal`, `user`).
pub fn entity(tenant: TenantId, entity: &str, id: &str) -> String {
    format!("T#{tenant}#{}#{id}", entity.to_ascii_uppercase())
}

pub fn record(tenant: TenantId, kind: RecordKind, id: &str) -> String {
    entity(tenant, kind.entity(), id)
}

fn collection(tenant: TenantId, kind: RecordKind) -> String {
    format!("T#{tenant}#{}", kind.collection().to_ascii_uppercase())
}

/// gsi1: all of a tenant's records of a kind, newest first (sort key: the record's ULID).
pub fn records_of(tenant: TenantId, kind: RecordKind) -> String {
    collection(tenant, kind)
}

/// gsi2: a tenant's records of a kind in one workflow state (lead status, deal stage).
pub fn records_by_state(tenant: TenantId, kind: RecordKind, state: &str) -> String {
    format!("{}#STATE#{state}", collection(tenant, kind))
}

/// gsi3: a tenant's records of a kind with one owner.
pub fn records_by_owner(tenant: TenantId, kind: RecordKind, owner: UserId) -> String {
    format!("{}#OWNER#{owner}", collection(tenant, kind))
}

/// gsi1 over tag copies: a tenant's records of a kind carrying one tag.
pub fn records_by_tag(tenant: TenantId, kind: RecordKind, tag: &str) -> String {
    format!("{}#TAG#{tag}", collection(tenant, kind))
}

/// gsi1 over email copies: a tenant's records of a kind with one email address.
pub fn records_by_email(tenant: TenantId, kind: RecordKind, email: &str) -> String {
    format!("{}#EMAIL#{email}", collection(tenant, kind))
}

/// The rows an import from one file (named by its ETag) made into records of a kind.
pub fn imported_rows(tenant: TenantId, kind: RecordKind, file: &str) -> String {
    format!("T#{tenant}#IMPORT#{}#{file}", kind.entity().to_ascii_uppercase())
}

/// A tag's usage counters.
pub fn tag(tenant: TenantId, tag: &str) -> String {
    format!("T#{tenant}#TAG#{tag}")
}

/// gsi1 over tag counters: a tenant's tags, alphabetically.
pub fn tags_of(tenant: TenantId) -> String {
    format!("T#{tenant}#TAGS")
}

/// A job (a reindex, a statistics rebuild) of a tenant.
pub fn job(tenant: TenantId, job: crm_domain::JobId) -> String {
    format!("T#{tenant}#JOB#{job}")
}

/// gsi1 over activity items: a tenant's activity log, newest first.
pub fn activity_of(tenant: TenantId) -> String {
    format!("T#{tenant}#ACTIVITY")
}

/// gsi2 over activity items: what one user did, newest first.
pub fn activity_by_actor(tenant: TenantId, actor: UserId) -> String {
    format!("T#{tenant}#ACTIVITY#ACTOR#{actor}")
}

/// Idempotency records are scoped to the caller and the operation; the client's key is hashed so its
/// length and characters never matter to the table.
pub fn idempotency(tenant: TenantId, user: UserId, operation: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{operation}\n{key}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("T#{tenant}#IDEM#{user}#{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_items_are_told_apart_by_their_keys() {
        let tenant = TenantId::new();
        let record_pk = record(tenant, crm_domain::RecordKind::Lead, "L");
        assert_eq!(classify(&record_pk, sk::RECORD), Some((tenant, ItemKind::Record)));
        assert_eq!(classify(&record_pk, &format!("{}X", sk::NOTE_PREFIX)), Some((tenant, ItemKind::Note)));
        assert_eq!(classify(&record_pk, &format!("{}X", sk::MESSAGE_PREFIX)), Some((tenant, ItemKind::Message)));
        let sync = format!("{}U#1", crate::google::SYNC_REQUEST_PREFIX);
        assert_eq!(classify(&record_pk, &sync), Some((tenant, ItemKind::GoogleSyncRequest)));
        assert_eq!(classify(&record_pk, sk::TAG_COUNT), Some((tenant, ItemKind::Other)));
        assert_eq!(classify(&job(tenant, crm_domain::JobId::new()), sk::JOB), Some((tenant, ItemKind::Job)));
        assert_eq!(classify("EMAIL#x", sk::RECORD), None);
    }

    #[test]
    fn every_partition_key_starts_with_its_tenant() {
        let t = TenantId::new();
        let prefix = tenant_prefix(t);
        for key in [
            tenant(t),
            user(t, UserId::new()),
            users_of(t),
            session(t, SessionId::new()),
            record(t, RecordKind::Lead, "L"),
            records_of(t, RecordKind::Deal),
            records_by_state(t, RecordKind::Lead, "new"),
            records_by_owner(t, RecordKind::Customer, UserId::new()),
            records_by_tag(t, RecordKind::Lead, "vip"),
            tag(t, "vip"),
            tags_of(t),
            activity_of(t),
            activity_by_actor(t, UserId::new()),
            idempotency(t, UserId::new(), "POST /leads", "k"),
        ] {
            assert!(key.starts_with(&prefix), "{key}");
        }
        assert!(email("a@b.io").starts_with(&tenant_prefix(TenantId::SYSTEM)));
    }

    #[test]
    fn record_keys_read_well() {
        let t = TenantId::SYSTEM;
        assert_eq!(record(t, RecordKind::Lead, "L1"), format!("T#{t}#LEAD#L1"));
        assert_eq!(records_by_state(t, RecordKind::Deal, "won"), format!("T#{t}#DEALS#STATE#won"));
        assert_eq!(
            user(t, UserId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").unwrap()),
            format!("T#{t}#USER#01ARZ3NDEKTSV4RRFFQ69G5FAV")
        );
    }

    #[test]
    fn idempotency_keys_depend_on_operation_and_key() {
        let (t, u) = (TenantId::new(), UserId::new());
        assert_eq!(idempotency(t, u, "op", "k"), idempotency(t, u, "op", "k"));
        assert_ne!(idempotency(t, u, "op", "k"), idempotency(t, u, "op2", "k"));
        assert_ne!(idempotency(t, u, "op", "k"), idempotency(t, u, "op", "k2"));
    }
}
