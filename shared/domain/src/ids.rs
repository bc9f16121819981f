//! Identifiers. Every id is a ULID: fixed length (26 characters), so no tenant's key prefix is a prefix
//! of another's, and time-ordered, so sorting by id sorts by creation.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use ulid::Ulid;

macro_rules! ulid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$", example = "01JDA5Y2ZK8Q3W4E5R6T7Y8V9J")]
        pub struct $name(Ulid);

        impl $name {
            pub fn new() -> Self {
                Self(Ulid::new())
            }

            /// The id of something that happened at `millis`, named by `seed`: the same inputs give the same
            /// id (so work done again under redelivery lands on the same item), and ids still sort by time.
            pub fn derived(millis: u64, seed: &str) -> Self {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(seed.as_bytes());
                let mut random = [0u8; 16];
                random[6..].copy_from_slice(&digest[..10]);
                Self(Ulid::from_parts(millis, u128::from_be_bytes(random)))
            }

            /// Parses an id from untrusted text (a path segment, a cursor); `None` when it cannot be one.
            pub fn parse(text: &str) -> Option<Self> {
                if text.len() != ulid::ULID_LEN {
                    return None;
                }
                Ulid::from_str(text).ok().map(Self)
            }
        }

        #[cfg(feature = "graphql")]
        async_graphql::scalar!($name);

        impl crate::record::RecordId for $name {
            fn parse(text: &str) -> Option<Self> {
                $name::parse(text)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

ulid_id!(
    /// An account: the unit of isolation. Comes only from a verified token or a webhook's secret.
    TenantId
);
ulid_id!(UserId);
ulid_id!(LeadId);
ulid_id!(CustomerId);
ulid_id!(DealId);
ulid_id!(NoteId);
ulid_id!(ChannelId);
ulid_id!(MessageId);
ulid_id!(ActivityId);
ulid_id!(
    /// An inbound lead webhook endpoint; its id is in the URL the source posts to.
    WebhookId
);
ulid_id!(
    /// A refresh-token family: one sign-in and every token rotated from it.
    SessionId
);
ulid_id!(
    /// Long work run by a worker (a search reindex, a statistics rebuild), followed through its resource.
    JobId
);

ulid_id!(
    /// A file a user put into the files bucket through a presigned link, for an import to read.
    UploadId
);

ulid_id!(
    /// An entry of a user's notification inbox.
    NotificationId
);
ulid_id!(
    /// An outgoing webhook endpoint: where an account's events are delivered.
    EndpointId
);
ulid_id!(
    /// One event's delivery to one outgoing webhook endpoint, with its attempts.
    DeliveryId
);

/// The canonical spelling of an id of any kind: upper case, as the id's own `Display` writes it. The parser
/// also takes lower case and a first character offset by 8 (the same 128 bits), so text is keyed only once
/// it is in this form.
pub fn canonical(text: &str) -> Option<String> {
    if text.len() != ulid::ULID_LEN {
        return None;
    }
    Ulid::from_str(text).ok().map(|id| id.to_string())
}

impl TenantId {
    /// The reserved tenant that owns service-wide records (the email directory). No account ever gets it,
    /// because `Ulid::new()` never yields the nil value.
    pub const SYSTEM: TenantId = TenantId(Ulid::nil());
}

impl UserId {
    /// A user id no user ever gets (`Ulid::new()` never yields the nil value): for reads that must cost
    /// what a real one costs.
    pub const NOBODY: UserId = UserId(Ulid::nil());

    /// Who changes an account's plan when Stripe says so: the actor of those entries of the activity log.
    pub const BILLING: UserId = UserId(Ulid::from_parts(0, 1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_id_has_one_canonical_form() {
        let id = LeadId::new().to_string();
        assert_eq!(canonical(&id.to_lowercase()), Some(id.clone()));
        let first = id.chars().next().unwrap().to_digit(10).unwrap();
        let shifted = format!("{}{}", first + 8, &id[1..]);
        assert_eq!(canonical(&shifted), Some(id.clone()));
        assert_eq!(canonical(&id), Some(id));
        assert_eq!(canonical("not an id"), None);
    }

    #[test]
    fn ids_are_fixed_length_and_round_trip() {
        let id = LeadId::new();
        let text = id.to_string();
        assert_eq!(text.len(), 26);
        assert_eq!(LeadId::parse(&text), Some(id));
    }

    #[test]
    fn malformed_ids_are_rejected() {
        assert_eq!(LeadId::parse(""), None);
        assert_eq!(LeadId::parse("not-an-id"), None);
        assert_eq!(LeadId::parse("01J0000000000000000000000000"), None);
        assert_eq!(LeadId::parse("01J00000000000000000000000!"), None);
    }

    #[test]
    fn the_system_tenant_is_never_generated() {
        assert_ne!(TenantId::new(), TenantId::SYSTEM);
        assert_eq!(TenantId::SYSTEM.to_string(), "00000000000000000000000000");
    }
}
