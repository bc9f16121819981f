//! Key layout. Partition keys always start with `T#<tenant>#`, tenant ids are fixed-length ULIDs, so a
//! `dynamodb:LeadingKeys` IAM condition of `T#<tenant>#*` confines a principal to one tenant.

use crm_domain::{LeadId, SessionId, TenantId, UserId};
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
    pub const LEAD: &str = "LEAD";
    pub const IDEMPOTENCY: &str = "IDEMPOTENCY";
    pub const TAG_PREFIX: &str = "TAG#";
    pub const ACTIVITY_PREFIX: &str = "ACT#";
}

pub fn tenant_prefix(tenant: TenantId) -> String {
    format!("T#{tenant}#")
}

pub fn tenant(tenant: TenantId) -> String {
    format!("T#{tenant}#ACCOUNT")
}

pub fn user(tenant: TenantId, user: UserId) -> String {
    format!("T#{tenant}#USER#{user}")
}

/// gsi1: a tenant's users, oldest first.
pub fn users_of(tenant: TenantId) -> String {
    format!("T#{tenant}#USERS")
}

/// Email addresses are unique across the service, so their directory lives under the reserved system
/// tenant rather than under any account.
pub fn email(address: &str) -> String {
    format!("T#{}#EMAIL#{address}", TenantId::SYSTEM)
}

pub fn session(tenant: TenantId, session: SessionId) -> String {
    format!("T#{tenant}#SESSION#{session}")
}

pub fn lead(tenant: TenantId, lead: LeadId) -> String {
    format!("T#{tenant}#LEAD#{lead}")
}

/// gsi1: all of a tenant's leads, newest first (sort key: the lead's ULID).
pub fn leads_of(tenant: TenantId) -> String {
    format!("T#{tenant}#LEADS")
}

/// gsi2: a tenant's leads in one status.
pub fn leads_by_status(tenant: TenantId, status: &str) -> String {
    format!("T#{tenant}#LEADS#STATUS#{status}")
}

/// gsi3: a tenant's leads of one owner.
pub fn leads_by_owner(tenant: TenantId, owner: UserId) -> String {
    format!("T#{tenant}#LEADS#OWNER#{owner}")
}

/// gsi1 over tag items: a tenant's leads carrying one tag.
pub fn leads_by_tag(tenant: TenantId, tag: &str) -> String {
    format!("T#{tenant}#LEADS#TAG#{tag}")
}

/// gsi1 over activity items: a tenant's activity log, newest first.
pub fn activity_of(tenant: TenantId) -> String {
    format!("T#{tenant}#ACTIVITY")
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
    fn every_partition_key_starts_with_its_tenant() {
        let t = TenantId::new();
        let prefix = tenant_prefix(t);
        for key in [
            tenant(t),
            user(t, UserId::new()),
            users_of(t),
            session(t, SessionId::new()),
            lead(t, LeadId::new()),
            leads_of(t),
            leads_by_status(t, "new"),
            leads_by_owner(t, UserId::new()),
            leads_by_tag(t, "vip"),
            activity_of(t),
            idempotency(t, UserId::new(), "POST /leads", "k"),
        ] {
            assert!(key.starts_with(&prefix), "{key}");
        }
        assert!(email("a@b.io").starts_with(&tenant_prefix(TenantId::SYSTEM)));
    }

    #[test]
    fn idempotency_keys_depend_on_operation_and_key() {
        let (t, u) = (TenantId::new(), UserId::new());
        assert_eq!(idempotency(t, u, "op", "k"), idempotency(t, u, "op", "k"));
        assert_ne!(idempotency(t, u, "op", "k"), idempotency(t, u, "op2", "k"));
        assert_ne!(idempotency(t, u, "op", "k"), idempotency(t, u, "op", "k2"));
    }
}
