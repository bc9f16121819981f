//! Outgoing webhooks: the endpoints an Admin registers to be told of domain events, which URLs they may
//! name (the URL is the tenant's input: no private, loopback or link-local address may be reached), the
//! body each delivery carries, how long a failed delivery is retried, and when an endpoint is disabled.

use crate::events::{DomainEvent, EventKind, Snapshot};
use crate::ids::{DeliveryId, EndpointId};
use crate::validation::{self as v, FieldError, Invalid, MAX_NAME};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The reason an endpoint an Admin switched off gives (nobody is notified of that).
pub const DISABLED_BY_ADMIN: &str = "disabled by an admin";
/// What an endpoint URL looks like: https, a domain name (never an IP address), the default port.
pub const URL_PATTERN: &str = r"^https://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?:/[!-~]*)?$";
pub const MAX_URL: usize = 2000;
/// Deliveries that failed for good in a row before an endpoint is disabled.
pub const DISABLE_AFTER_FAILURES: u32 = 5;
/// After a secret is rotated, deliveries are signed with the previous secret too for this long.
pub const ROTATION_OVERLAP_SECONDS: i64 = 24 * 60 * 60;
/// Deliveries stay in an endpoint's log this long.
pub const DELIVERY_LOG_DAYS: i64 = 30;
/// The waits after each failed attempt: about 26 hours in all, so an endpoint down for a day still gets
/// every event.
pub const RETRY_SCHEDULE_SECONDS: [i64; 10] = [60, 300, 900, 1800, 3600, 7200, 14400, 21600, 21600, 21600];
/// The header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (one `v1` per
/// valid secret while a rotation overlaps).
pub const SIGNATURE_HEADER: &str = "CRM-Signature";

static URL: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(URL_PATTERN).expect("a valid pattern"));

/// Names that only mean something inside a network.
const PRIVATE_SUFFIXES: [&str; 9] =
    ["localhost", "local", "internal", "localdomain", "intranet", "lan", "home", "corp", "arpa"];

/// The events an endpoint may subscribe to: every record and note event (chat stays inside the CRM).
pub fn subscribable() -> impl Iterator<Item = EventKind> {
    EventKind::ALL.into_iter().filter(|k| *k != EventKind::MessagePosted)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndpointStatus {
    Active,
    /// Switched off by an Admin, or after [`DISABLE_AFTER_FAILURES`] deliveries failed for good in a row.
    Disabled,
}

/// An endpoint as the API shows it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Endpoint {
    pub id: EndpointId,
    pub url: String,
    pub events: Vec<EventKind>,
    pub description: Option<String>,
    pub status: EndpointStatus,
    /// Why it was disabled, when it was.
    pub disabled_reason: Option<String>,
    /// Deliveries that failed for good since the last one that succeeded.
    pub consecutive_failures: u32,
    pub created_at: String,
    pub updated_at: String,
    /// Until then, deliveries are signed with the secret before the last rotation as well.
    pub previous_secret_valid_until: Option<String>,
}

/// `POST /api/v1/webhook_endpoints`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    #[schema(schema_with = crate::schema::endpoint_url)]
    pub url: String,
    /// The events to deliver (at least one).
    #[schema(schema_with = crate::schema::endpoint_events)]
    pub events: Vec<EventKind>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name)]
    pub description: Option<String>,
}

/// `PATCH /api/v1/webhook_endpoints/{id}`: what is given changes; `enabled: true` turns a disabled endpoint
/// back on (its failure count starts again).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_endpoint_url)]
    pub url: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_endpoint_events)]
    pub events: Option<Vec<EventKind>>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name)]
    pub description: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Whether an address is one anybody on the internet could reach: not loopback, private, link-local,
/// shared (carrier NAT), documentation, multicast or otherwise reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
                || (first == 0x0064 && v6.segments()[1] == 0xff9b) // NAT64: reaches IPv4 space
                || first == 0x0100 // discard
                || v6 == Ipv6Addr::from([0, 0, 0, 0, 0, 0, 0, 1]))
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

/// An endpoint URL as given, checked: https on the default port, a public domain name, no credentials.
pub fn check_url(field: &str, raw: &str) -> Result<String, FieldError> {
    let refused = || {
        FieldError::new(
            field,
            "must be an https:// URL on a public domain name (no IP address, port, credentials or private name)",
        )
    };
    if raw.len() > MAX_URL {
        return Err(FieldError::new(field, format!("must be at most {MAX_URL} characters")));
    }
    if !URL.is_match(raw) {
        return Err(refused());
    }
    // The pattern admits no IP address (a name's last label is letters only) and no port or credentials.
    let host = raw["https://".len()..].split('/').next().unwrap_or_default();
    let top = host.rsplit('.').next().unwrap_or_default();
    if PRIVATE_SUFFIXES.contains(&top) {
        return Err(refused());
    }
    Ok(raw.to_owned())
}

fn check_events(field: &str, events: Vec<EventKind>) -> Result<Vec<EventKind>, FieldError> {
    if events.is_empty() {
        return Err(FieldError::new(field, "must name at least one event"));
    }
    if let Some((i, _)) = events.iter().enumerate().find(|(_, e)| **e == EventKind::MessagePosted) {
        return Err(FieldError::new(format!("{field}[{i}]"), "chat messages are not delivered to webhooks"));
    }
    let mut events = events;
    events.sort_by_key(|e| EventKind::ALL.iter().position(|k| k == e));
    events.dedup();
    Ok(events)
}

fn check_description(raw: Option<String>) -> Result<Option<String>, FieldError> {
    v::optional_text("description", raw.as_deref(), MAX_NAME)
}

impl NewEndpoint {
    pub fn validate(self, now: &str) -> Result<Endpoint, Invalid> {
        let mut checks = v::Checks::default();
        let url = checks.take(check_url("url", &self.url));
        let events = checks.take(check_events("events", self.events));
        let description = checks.take(check_description(self.description));
        checks.finish()?;
        let ok = "checked above";
        Ok(Endpoint {
            id: EndpointId::new(),
            url: url.expect(ok),
            events: events.expect(ok),
            description: description.expect(ok),
            status: EndpointStatus::Active,
            disabled_reason: None,
            consecutive_failures: 0,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            previous_secret_valid_until: None,
        })
    }
}

impl EndpointPatch {
    /// `endpoint` with the patch applied, or `None` when nothing would change.
    pub fn apply(self, endpoint: &Endpoint, now: &str) -> Result<Option<Endpoint>, Invalid> {
        let mut checks = v::Checks::default();
        let mut next = endpoint.clone();
        if let Some(url) = self.url {
            next.url = checks.take(check_url("url", &url)).unwrap_or_default();
        }
        if let Some(events) = self.events {
            next.events = checks.take(check_events("events", events)).unwrap_or_default();
        }
        if let Some(description) = self.description {
            next.description = checks.take(check_description(Some(description))).flatten();
        }
        checks.finish()?;
        match self.enabled {
            Some(true) if next.status == EndpointStatus::Disabled => {
                next.status = EndpointStatus::Active;
                next.disabled_reason = None;
                next.consecutive_failures = 0;
            }
            Some(false) if next.status == EndpointStatus::Active => {
                next.status = EndpointStatus::Disabled;
                next.disabled_reason = Some(DISABLED_BY_ADMIN.into());
            }
            _ => {}
        }
        if next == *endpoint {
            return Ok(None);
        }
        next.updated_at = now.to_owned();
        Ok(Some(next))
    }
}

/// What an endpoint receives: the event, with the record as it is after the change (as it was, for a
/// deletion) and, for a change, as it was before.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventBody {
    /// The event's id: the same for every endpoint and every retry, so receivers can drop repeats.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// When the change was made.
    pub created_at: String,
    #[schema(value_type = Object)]
    pub data: EventData,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EventData {
    pub object: Snapshot,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Snapshot>,
}

impl EventBody {
    pub fn of(event: &DomainEvent) -> Option<Self> {
        let object = event.new.clone().or_else(|| event.old.clone())?;
        let previous = event.new.as_ref().and(event.old.clone());
        // A deletion leaves no time on the record: the stream's time stands in, which (unlike a clock
        // read here) is the same on every redelivery, and so is the delivery's id derived from it.
        let created_at = match (&event.new, &event.seen_at) {
            (Some(new), _) => new.written_at().to_owned(),
            (None, Some(seen)) => seen.clone(),
            (None, None) => object.written_at().to_owned(),
        };
        Some(EventBody {
            id: format!("evt_{}", event.id),
            kind: event.kind,
            created_at,
            data: EventData { object, previous },
        })
    }
}

/// The id of the delivery of `event_id` to `endpoint`: the same event reaches an endpoint through one
/// delivery, however often the event itself is delivered to the dispatcher.
pub fn delivery_id(event_at: &str, event_id: &str, endpoint: EndpointId) -> DeliveryId {
    let millis = crate::clock::Timestamp::parse(event_at).map_or(0, |t| t.unix_millis());
    DeliveryId::derived(millis, &format!("{event_id}\n{endpoint}"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or its next one.
    Pending,
    Delivered,
    /// Given up: retries exhausted, a final refusal (a 4xx other than 408 and 429, a redirect), or an address
    /// the endpoint may not reach.
    Failed,
}

/// One delivery in an endpoint's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: DeliveryId,
    pub endpoint_id: EndpointId,
    pub event_id: String,
    pub event_type: EventKind,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// The HTTP status of the last attempt, when there was an answer.
    pub last_status_code: Option<u16>,
    /// Why the last attempt failed, when it did.
    pub last_error: Option<String>,
    pub last_attempt_at: Option<String>,
    /// When the next attempt is due, while pending after a failure.
    pub next_attempt_at: Option<String>,
    pub created_at: String,
}

/// The message that asks for one delivery's next attempt (queued by the events router when a delivery is
/// made, or made to start over).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryMessage {
    pub tenant_id: crate::TenantId,
    pub endpoint_id: EndpointId,
    pub delivery_id: DeliveryId,
}

/// What one attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Worth another try (a 5xx, 408, 429, a timeout, a connection failure); `after` is the receiver's
    /// `Retry-After`, if it said.
    Retry {
        after: Option<i64>,
    },
    /// Not worth another try.
    Final,
}

/// How an answer's status is taken.
pub fn outcome_of_status(status: u16, retry_after: Option<i64>) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        408 | 500..=599 => Outcome::Retry { after: None },
        429 => Outcome::Retry { after: retry_after },
        _ => Outcome::Final,
    }
}

/// The wait before the attempt after `attempts` failed ones, or `None` when the retries are spent.
/// `Retry-After` is honoured; `cap` bounds every wait (the local stack shortens them).
pub fn next_wait(attempts: u32, retry_after: Option<i64>, cap: Option<i64>) -> Option<i64> {
    let scheduled = *RETRY_SCHEDULE_SECONDS.get(usize::try_from(attempts).ok()?.checked_sub(1)?)?;
    let wait = retry_after.map_or(scheduled, |asked| asked.clamp(1, 12 * 60 * 60));
    Some(cap.map_or(wait, |cap| wait.min(cap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_must_be_public_https_names() {
        for good in ["https://hooks.example.com/crm", "https://example.io", "https://a-b.example.org/x?y=1&z=%20"] {
            assert_eq!(check_url("url", good).as_deref(), Ok(good), "{good}");
            assert!(URL.is_match(good));
        }
        for bad in [
            "http://hooks.example.com/crm",
            "https://127.0.0.1/hook",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/",
            "https://10.0.0.8/",
            "https://localhost/",
            "https://api.localhost/",
            "https://metadata.google.internal/computeMetadata/v1/",
            "https://printer.local/",
            "https://user:pass@example.com/",
            "https://example.com:8443/",
            "https://EXAMPLE.com/",
            "https://example.com/has space",
            "https://-bad.example.com/",
        ] {
            assert!(check_url("url", bad).is_err(), "{bad} was accepted");
        }
        assert!(check_url("url", &format!("https://example.com/{}", "a".repeat(MAX_URL))).is_err());
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private} counted as public");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(public.parse().unwrap()), "{public} counted as private");
        }
    }

    #[test]
    fn events_are_checked_deduplicated_and_ordered() {
        let new = |events: &str| {
            serde_json::from_str::<NewEndpoint>(&format!(r#"{{"url":"https://example.com/h","events":{events}}}"#))
                .unwrap()
                .validate("2026-11-29T10:00:00.000Z")
        };
        let endpoint = new(r#"["deal.won","lead.created","deal.won"]"#).unwrap();
        assert_eq!(endpoint.events, vec![EventKind::LeadCreated, EventKind::DealWon]);
        assert_eq!(new("[]").unwrap_err().0[0].field, "events");
        assert_eq!(new(r#"["lead.created","message.posted"]"#).unwrap_err().0[0].field, "events[1]");
        assert!(subscribable().all(|k| k != EventKind::MessagePosted));
    }

    #[test]
    fn a_patch_reenables_with_a_fresh_count_and_says_when_nothing_changes() {
        let mut endpoint =
            serde_json::from_str::<NewEndpoint>(r#"{"url":"https://example.com/h","events":["deal.won"]}"#)
                .unwrap()
                .validate("t0")
                .unwrap();
        endpoint.status = EndpointStatus::Disabled;
        endpoint.consecutive_failures = 5;
        endpoint.disabled_reason = Some("failing".into());
        let on = EndpointPatch { enabled: Some(true), ..Default::default() }.apply(&endpoint, "t1").unwrap().unwrap();
        assert_eq!((on.status, on.consecutive_failures, on.disabled_reason), (EndpointStatus::Active, 0, None));
        let same = EndpointPatch { url: Some("https://example.com/h".into()), ..Default::default() };
        assert_eq!(same.apply(&endpoint, "t1").unwrap(), None);
        let bad = EndpointPatch { url: Some("https://10.0.0.1/".into()), ..Default::default() };
        assert_eq!(bad.apply(&endpoint, "t1").unwrap_err().0[0].field, "url");
    }

    #[test]
    fn answers_decide_retries_and_the_schedule_covers_a_day() {
        assert_eq!(outcome_of_status(204, None), Outcome::Delivered);
        assert_eq!(outcome_of_status(503, None), Outcome::Retry { after: None });
        assert_eq!(outcome_of_status(408, None), Outcome::Retry { after: None });
        assert_eq!(outcome_of_status(429, Some(7)), Outcome::Retry { after: Some(7) });
        assert_eq!(outcome_of_status(410, None), Outcome::Final);
        assert_eq!(outcome_of_status(301, None), Outcome::Final);
        assert!(RETRY_SCHEDULE_SECONDS.iter().sum::<i64>() > 24 * 60 * 60);
        assert_eq!(next_wait(1, None, None), Some(60));
        assert_eq!(next_wait(1, Some(7), None), Some(7));
        assert_eq!(next_wait(3, None, Some(1)), Some(1));
        assert_eq!(next_wait(u32::try_from(RETRY_SCHEDULE_SECONDS.len()).unwrap() + 1, None, None), None);
        assert_eq!(next_wait(0, None, None), None);
    }

    #[test]
    fn a_deletion_is_dated_by_the_stream_so_its_delivery_is_the_same_on_every_redelivery() {
        use crate::lead::NewLead;
        use crate::record::NewRecord;
        let lead = serde_json::from_str::<NewLead>(r#"{"name":"Gone"}"#)
            .unwrap()
            .validate(crate::UserId::new(), crate::clock::Timestamp::now())
            .unwrap();
        let mut deleted =
            DomainEvent::from_change("ev".into(), crate::TenantId::new(), Some(Snapshot::Lead(lead)), None).unwrap();
        deleted.seen_at = Some("2026-11-29T10:00:00.000Z".into());
        let body = EventBody::of(&deleted).unwrap();
        assert_eq!(body.created_at, "2026-11-29T10:00:00.000Z");
        assert_eq!(EventBody::of(&deleted).unwrap().created_at, body.created_at);
    }

    #[test]
    fn the_same_event_and_endpoint_make_the_same_delivery() {
        let endpoint = EndpointId::new();
        let a = delivery_id("2026-11-29T10:00:00.000Z", "ev1", endpoint);
        assert_eq!(a, delivery_id("2026-11-29T10:00:00.000Z", "ev1", endpoint));
        assert_ne!(a, delivery_id("2026-11-29T10:00:00.000Z", "ev1", EndpointId::new()));
    }
}
