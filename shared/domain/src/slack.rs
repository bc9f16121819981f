//! Slack notifications: which incoming-webhook URLs are acceptable, which events may notify, and the
//! Block Kit message each event becomes.

use crate::events::{DomainEvent, EventKind, Snapshot};
use crate::lead::Money;
use crate::validation::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The events a tenant can be notified of in Slack.
pub const NOTIFIABLE: [EventKind; 7] = [
    EventKind::LeadCreated,
    EventKind::LeadUpdated,
    EventKind::LeadStatusChanged,
    EventKind::LeadOwnerChanged,
    EventKind::LeadConverted,
    EventKind::DealWon,
    EventKind::DealLost,
];

pub const SLACK_HOST: &str = "hooks.slack.com";
pub const MAX_URL: usize = 500;
/// What a Slack incoming-webhook URL looks like (the document states the same pattern).
pub const WEBHOOK_URL_PATTERN: &str = r"^https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+$";
static WEBHOOK_URL: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(WEBHOOK_URL_PATTERN).expect("a valid pattern"));

/// `POST /integrations/slack`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackSetup {
    #[schema(schema_with = crate::schema::slack_webhook_url)]
    pub webhook_url: String,
    /// Defaults to every notifiable event.
    #[serde(default)]
    #[schema(schema_with = crate::schema::slack_events)]
    pub events: Option<Vec<EventKind>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlackSettings {
    pub webhook_url: String,
    pub events: Vec<EventKind>,
    pub updated_at: String,
    /// The last delivery Slack refused for good (4xx other than 429), if any.
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub last_error_at: Option<String>,
}

impl SlackSetup {
    pub fn validate(self, now: &str) -> Result<SlackSettings, Invalid> {
        let url = self.webhook_url.as_str();
        if !url.starts_with("https://") {
            return Err(FieldError::new("webhook_url", "must be an https:// URL").into());
        }
        if url.len() > MAX_URL || !WEBHOOK_URL.is_match(url) {
            return Err(FieldError::new(
                "webhook_url",
                format!("must be a Slack incoming-webhook URL like https://{SLACK_HOST}/services/T…/B…/…"),
            )
            .into());
        }
        let mut events = self.events.unwrap_or_else(|| NOTIFIABLE.to_vec());
        if let Some((i, _)) = events.iter().enumerate().find(|(_, e)| !NOTIFIABLE.contains(e)) {
            return Err(FieldError::new(format!("events[{i}]"), "is not an event Slack can be notified of").into());
        }
        events.sort_by_key(|e| NOTIFIABLE.iter().position(|n| n == e));
        events.dedup();
        Ok(SlackSettings {
            webhook_url: url.to_owned(),
            events,
            updated_at: now.to_owned(),
            last_error: None,
            last_error_at: None,
        })
    }
}

impl SlackSettings {
    /// The URL with its secret part hidden, for showing the settings back.
    pub fn masked_url(&self) -> String {
        let keep = self.webhook_url.len().min(format!("https://{SLACK_HOST}/services/").len() + 4);
        format!("{}…", &self.webhook_url[..keep])
    }
}

fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "VND" | "VUV"
        | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// `1250000 EUR` as `12,500.00 EUR`.
pub fn format_money(money: &Money) -> String {
    let digits = minor_digits(&money.currency);
    let scale = 10_i64.pow(digits);
    let (major, minor) = (money.amount_minor / scale, money.amount_minor % scale);
    let grouped = major
        .to_string()
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect::<Vec<_>>()
        .join(",");
    if digits == 0 {
        format!("{grouped} {}", money.currency)
    } else {
        format!("{grouped}.{minor:0width$} {}", money.currency, width = digits as usize)
    }
}

/// Slack's mrkdwn treats `&`, `<` and `>` as control characters.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The Block Kit message for an event, or `None` for events Slack is not told about.
pub fn message(event: &DomainEvent) -> Option<Value> {
    let headline = match (&event.kind, &event.old, &event.new) {
        (EventKind::LeadCreated, _, Some(Snapshot::Lead(lead))) => {
            let mut line = format!(":sparkles: *New lead:* {}", escape(&lead.name));
            if let Some(company) = &lead.company {
                line.push_str(&format!(" ({})", escape(company)));
            }
            if let Some(value) = &lead.estimated_value {
                line.push_str(&format!(", est. {}", format_money(value)));
            }
            line
        }
        (EventKind::LeadStatusChanged, Some(Snapshot::Lead(old)), Some(Snapshot::Lead(new))) => {
            format!(
                ":arrow_right: *Lead status:* {} moved from `{}` to `{}`",
                escape(&new.name),
                old.status.as_str(),
                new.status.as_str()
            )
        }
        (EventKind::LeadConverted, _, Some(Snapshot::Lead(lead))) => {
            format!(":handshake: *Lead converted:* {} is now a customer", escape(&lead.name))
        }
        (EventKind::LeadOwnerChanged, _, Some(Snapshot::Lead(lead))) => {
            format!(":bust_in_silhouette: *Lead reassigned:* {}", escape(&lead.name))
        }
        (EventKind::LeadUpdated, Some(Snapshot::Lead(old)), Some(Snapshot::Lead(new))) => {
            let fields: Vec<String> =
                crate::activity::Change::between(old, new).into_iter().map(|c| format!("`{}`", c.field)).collect();
            format!(":pencil2: *Lead updated:* {} ({})", escape(&new.name), fields.join(", "))
        }
        (EventKind::DealWon, _, Some(Snapshot::Deal(deal))) => {
            format!(":trophy: *Deal won:* {} for {}", escape(&deal.name), format_money(&deal.amount))
        }
        (EventKind::DealLost, _, Some(Snapshot::Deal(deal))) => {
            let reason = deal.lost_reason.as_deref().map(|r| format!(": {}", escape(r))).unwrap_or_default();
            format!(":x: *Deal lost:* {} ({}){reason}", escape(&deal.name), format_money(&deal.amount))
        }
        _ => return None,
    };
    let owner = event.owner().map(|o| format!("Owner `{o}`")).unwrap_or_default();
    Some(json!({
        "text": headline,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": headline}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": format!("{} · {owner}", event.kind.name())}]}
        ]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(url: &str) -> Result<SlackSettings, Invalid> {
        SlackSetup { webhook_url: url.into(), events: None }.validate("now")
    }

    #[test]
    fn only_slack_https_webhooks_are_accepted() {
        let settings = setup("https://hooks.slack.com/services/T000/B000/XXXX").unwrap();
        assert_eq!(settings.events.len(), NOTIFIABLE.len());
        assert_eq!(settings.masked_url(), "https://hooks.slack.com/services/T000…");
        for bad in [
            "http://hooks.slack.com/services/T/B/X",
            "https://evil.example/services/T/B/X",
            "https://hooks.slack.com.evil.example/services/T/B/X",
            "https://hooks.slack.com/other",
            "https://hooks.slack.com/services/",
            "https://hooks.slack.com/services/T/B/X?redirect=evil",
        ] {
            assert_eq!(setup(bad).unwrap_err().0[0].field, "webhook_url", "{bad}");
        }
        let wrong_event = SlackSetup {
            webhook_url: "https://hooks.slack.com/services/T/B/X".into(),
            events: Some(vec![EventKind::NoteAdded]),
        };
        assert_eq!(wrong_event.validate("now").unwrap_err().0[0].field, "events[0]");
    }

    #[test]
    fn money_reads_as_people_write_it() {
        let m = |amount_minor, currency: &str| format_money(&Money { amount_minor, currency: currency.into() });
        assert_eq!(m(1_250_000, "EUR"), "12,500.00 EUR");
        assert_eq!(m(5, "USD"), "0.05 USD");
        assert_eq!(m(1_500_000, "JPY"), "1,500,000 JPY");
        assert_eq!(m(1_234, "KWD"), "1.234 KWD");
    }

    #[test]
    fn names_are_escaped_in_messages() {
        use crate::clock::Timestamp;
        use crate::lead::NewLead;
        use crate::record::NewRecord;
        let lead = serde_json::from_str::<NewLead>(
            r#"{"name":"<b>&co","estimated_value":{"amount_minor":100,"currency":"EUR"}}"#,
        )
        .unwrap()
        .validate(crate::UserId::new(), Timestamp::now())
        .unwrap();
        let event =
            DomainEvent::from_change("e".into(), crate::TenantId::new(), None, Some(Snapshot::Lead(lead))).unwrap();
        let text = message(&event).unwrap()["text"].as_str().unwrap().to_owned();
        assert!(text.contains("&lt;b&gt;&amp;co") && text.contains("1.00 EUR"), "{text}");
    }
}
