//! API keys: programs call the API without a person's password. A key acts as a service user of its account
//! with the role it was made with (Manager or Sales, never Admin), is shown once, stored only as a digest, and
//! stops working the moment it is revoked (its service user is deactivated) or expires.

use crate::clock::Timestamp;
use crate::ids::{TenantId, UserId};
use crate::policy::Role;
use crate::user::{User, UserStatus};
use crate::validation::{self as v, Checks, FieldError, Invalid, MAX_NAME};
use serde::{Deserialize, Serialize};

/// What every key begins with, so it is told apart from a signed-in user's token at a glance (and by
/// secret scanners).
pub const KEY_PREFIX: &str = "crmk_";

/// What a key may act as: a Manager or a Sales user, never an Admin (so no key manages users or keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyRole {
    Manager,
    Sales,
}

impl From<KeyRole> for Role {
    fn from(role: KeyRole) -> Role {
        match role {
            KeyRole::Manager => Role::Manager,
            KeyRole::Sales => Role::Sales,
        }
    }
}

/// The longest a key may live: ten years.
pub const MAX_KEY_DAYS: i64 = 3650;

/// `POST /api_keys`: every value the document allows makes a key (a lifetime in days rather than an expiry
/// date, which could lie in the past).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    #[schema(schema_with = crate::schema::name)]
    pub name: String,
    /// What the program may see and do.
    pub role: KeyRole,
    /// How many days the key works; for good, if absent.
    #[serde(default, deserialize_with = "crate::lead::optional_whole_number")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
}

/// A key as its Admin sees it (never the key itself after creation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApiKey {
    /// Also the id of the service user the key acts as: its records and activity carry it.
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub created_by: UserId,
    pub created_at: String,
    pub expires_at: Option<String>,
    /// `deactivated` once revoked.
    pub status: UserStatus,
    /// When a call last came with the key, to within [`USAGE_GRANULARITY_SECONDS`]; `null` before the first.
    #[serde(default)]
    pub last_used_at: Option<String>,
}

/// A key's last use is written at most this often: reading the key on every call is free (the user read
/// every call makes), writing on every call is not.
pub const USAGE_GRANULARITY_SECONDS: i64 = 300;

/// Whether a call now should record the key's use, given when its use was last recorded.
pub fn use_due(last_used: Option<i64>, now: i64, granularity: i64) -> bool {
    last_used.is_none_or(|at| at <= now - granularity)
}

/// A checked new key: its view and the service user it acts as.
#[derive(Debug)]
pub struct KeyDraft {
    pub key: ApiKey,
    pub service_user: User,
    /// Unix seconds, for the check on every call.
    pub expires_at_unix: Option<i64>,
}

impl NewApiKey {
    pub fn validate(self, tenant: TenantId, created_by: UserId, now: Timestamp) -> Result<KeyDraft, Invalid> {
        let mut checks = Checks::default();
        let name = checks.take(v::required_text("name", &self.name, MAX_NAME));
        let expires = checks.take(match self.expires_in_days {
            None => Ok(None),
            Some(days @ 1..=MAX_KEY_DAYS) => Ok(Some(now.plus_seconds(days * 24 * 60 * 60))),
            Some(_) => Err(FieldError::new("expires_in_days", "must be from 1 to 3650")),
        });
        checks.finish()?;
        let (Some(name), Some(expires)) = (name, expires) else { unreachable!("checks passed") };
        let role = Role::from(self.role);
        let id = UserId::new();
        let at = now.rfc3339();
        let service_user = User {
            id,
            tenant_id: tenant,
            // Never an address anyone can sign in with: only keys reach a service user.
            email: format!("api-key-{id}@keys.invalid"),
            name: format!("API key: {name}"),
            role,
            status: UserStatus::Active,
            created_at: at.clone(),
            updated_at: at.clone(),
            version: 1,
        };
        let key = ApiKey {
            id,
            name,
            role,
            created_by,
            created_at: at,
            expires_at: expires.map(|e| e.rfc3339()),
            status: UserStatus::Active,
            last_used_at: None,
        };
        Ok(KeyDraft { key, service_user, expires_at_unix: expires.map(|e| e.unix_seconds()) })
    }
}

/// The key a program sends: `crmk_<account>_<key id>_<secret>`.
pub fn key_text(tenant: TenantId, id: UserId, secret: &str) -> String {
    format!("{KEY_PREFIX}{tenant}_{id}_{secret}")
}

/// The account, key id and secret of a key, if `text` has a key's form.
pub fn parse_key(text: &str) -> Option<(TenantId, UserId, &str)> {
    let mut parts = text.strip_prefix(KEY_PREFIX)?.splitn(3, '_');
    let tenant = TenantId::parse(parts.next()?)?;
    let id = UserId::parse(parts.next()?)?;
    let secret = parts.next().filter(|s| s.len() >= 32)?;
    Some((tenant, id, secret))
}

/// Whether a key that expires at `expires_at_unix` still works at `now_unix`.
pub fn unexpired(expires_at_unix: Option<i64>, now_unix: i64) -> bool {
    expires_at_unix.is_none_or(|at| now_unix < at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(role: KeyRole, expires_in_days: Option<i64>) -> NewApiKey {
        NewApiKey { name: "Zapier".into(), role, expires_in_days }
    }

    #[test]
    fn a_use_is_recorded_once_per_granularity() {
        assert!(use_due(None, 1_000, 300));
        assert!(!use_due(Some(900), 1_000, 300));
        assert!(use_due(Some(700), 1_000, 300));
        assert!(use_due(Some(1_000), 1_000, 0), "a granularity of 0 records every call");
    }

    #[test]
    fn a_key_acts_as_a_manager_or_sales_user_never_an_admin() {
        let now = Timestamp::now();
        let draft = new(KeyRole::Sales, None).validate(TenantId::new(), UserId::new(), now).unwrap();
        assert_eq!((draft.key.role, draft.service_user.role), (Role::Sales, Role::Sales));
        assert_eq!(draft.key.id, draft.service_user.id);
        assert!(draft.service_user.email.ends_with(".invalid"));
        let admin: Result<NewApiKey, _> = serde_json::from_str(r#"{"name": "x", "role": "admin"}"#);
        assert!(admin.is_err(), "no key can be an admin");
        let whole: NewApiKey =
            serde_json::from_str(r#"{"name": "x", "role": "sales", "expires_in_days": 30.0}"#).unwrap();
        assert_eq!(whole.expires_in_days, Some(30), "JSON Schema's integers may carry a zero fraction");
    }

    #[test]
    fn a_key_lives_from_one_day_to_ten_years() {
        let now = Timestamp::now();
        let tenant = TenantId::new();
        for bad in [0, MAX_KEY_DAYS + 1] {
            let refused = new(KeyRole::Sales, Some(bad)).validate(tenant, UserId::new(), now).unwrap_err();
            assert_eq!(refused.0[0].field, "expires_in_days", "{bad}");
        }
        let draft = new(KeyRole::Manager, Some(1)).validate(tenant, UserId::new(), now).unwrap();
        assert!(unexpired(draft.expires_at_unix, now.unix_seconds()));
        assert!(!unexpired(draft.expires_at_unix, now.unix_seconds() + 24 * 60 * 60));
    }

    #[test]
    fn keys_are_read_back_and_nothing_else_passes_for_one() {
        let (tenant, id) = (TenantId::new(), UserId::new());
        let secret = "s".repeat(43);
        let text = key_text(tenant, id, &secret);
        assert_eq!(parse_key(&text), Some((tenant, id, secret.as_str())));
        assert_eq!(parse_key("eyJhbGciOiJFZERTQSJ9.e30.sig"), None);
        assert_eq!(parse_key(&format!("{KEY_PREFIX}{tenant}_{id}_short")), None);
        assert_eq!(parse_key(&format!("{KEY_PREFIX}nope_{id}_{secret}")), None);
    }
}
