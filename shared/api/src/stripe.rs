//! Stripe, through the three calls the product needs (a Checkout session, a billing-portal session, and
//! checking a webhook's signature) written over reqwest: a Stripe crate would bring the whole API's types
//! into every function's build for those three.

use crm_domain::TenantId;
use crm_domain::billing::Prices;
use crm_domain::plan::Plan;
use serde::Deserialize;
use std::time::Duration;

/// How old a signed webhook may be, as Stripe's own libraries allow: older ones are refused as replays.
pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 300;
const STRIPE_API: &str = "https://api.stripe.com";

#[derive(Clone, Debug)]
pub struct StripeSettings {
    /// `STRIPE_API_BASE`: Stripe's API, or the local fake in tests.
    pub api_base: String,
    /// For the calls to Stripe (the Checkout and portal functions are given it).
    pub secret_key: Option<String>,
    /// For checking Stripe's webhooks (the webhook function is given it).
    pub webhook_secret: Option<String>,
    pub prices: Prices,
}

impl StripeSettings {
    /// Stripe, when this deployment sells plans (`STRIPE_PRICE_TEAM` and `STRIPE_PRICE_BUSINESS` set), with
    /// the secrets this function is given (`STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let value = |name: &str| lookup(name).filter(|v| !v.is_empty());
        Some(StripeSettings {
            api_base: value("STRIPE_API_BASE").unwrap_or_else(|| STRIPE_API.into()).trim_end_matches('/').to_owned(),
            secret_key: value("STRIPE_SECRET_KEY"),
            webhook_secret: value("STRIPE_WEBHOOK_SECRET"),
            prices: Prices { team: value("STRIPE_PRICE_TEAM")?, business: value("STRIPE_PRICE_BUSINESS")? },
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// Checks a `Stripe-Signature` header (`t=<unix seconds>,v1=<hex>,…`) over the raw payload: the timestamp
/// within the tolerance of `now`, and any `v1` (Stripe sends one per secret while one rolls) equal, in
/// constant time, to the HMAC-SHA256 of `<t>.<payload>` under the endpoint's secret.
pub fn verify(header: &str, payload: &[u8], secret: &str, now: i64) -> Result<(), SignatureError> {
    let pairs: Vec<(&str, &str)> = header.split(',').filter_map(|p| p.trim().split_once('=')).collect();
    let timestamp: i64 =
        pairs.iter().find(|(k, _)| *k == "t").and_then(|(_, v)| v.parse().ok()).ok_or(SignatureError::Malformed)?;
    let signatures: Vec<&str> = pairs.iter().filter(|(k, _)| *k == "v1").map(|(_, v)| *v).collect();
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > SIGNATURE_TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(payload);
    let expected: String = aws_lc_rs::hmac::sign(&key, &signed).as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let matches = signatures
        .iter()
        .any(|given| aws_lc_rs::constant_time::verify_slices_are_equal(given.as_bytes(), expected.as_bytes()).is_ok());
    if matches { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[derive(Debug, Deserialize)]
struct Session {
    url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    #[error("Stripe could not be reached: {0}")]
    Unreachable(String),
    #[error("Stripe answered {status}: {message}")]
    Refused { status: u16, message: String },
}

/// The few Stripe API calls the product makes.
pub struct StripeClient {
    http: reqwest::Client,
    pub settings: StripeSettings,
}

impl StripeClient {
    pub fn new(settings: StripeSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        StripeClient { http, settings }
    }

    async fn session(&self, path: &str, form: &[(&str, String)]) -> Result<String, StripeError> {
        let url = format!("{}{path}", self.settings.api_base);
        let response = self
            .http
            .post(url)
            .bearer_auth(self.settings.secret_key.as_deref().unwrap_or_default())
            .form(form)
            .send()
            .await
            .map_err(|e| StripeError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            let message = response.text().await.unwrap_or_default().chars().take(300).collect();
            return Err(StripeError::Refused { status: status.as_u16(), message });
        }
        let session: Session = response.json().await.map_err(|e| StripeError::Unreachable(e.to_string()))?;
        Ok(session.url)
    }

    /// A Checkout session subscribing the account to `plan`; answers the page to send the Admin to.
    /// The account is named on the session and on the subscription it makes, which is how Stripe's
    /// events find their account again.
    pub async fn checkout(
        &self,
        tenant: TenantId,
        plan: Plan,
        customer: Option<&str>,
        return_to: &str,
    ) -> Result<String, StripeError> {
        let price = self.settings.prices.of(plan).unwrap_or_default().to_owned();
        let mut form = vec![
            ("mode", "subscription".to_owned()),
            ("line_items[0][price]", price),
            ("line_items[0][quantity]", "1".to_owned()),
            ("client_reference_id", tenant.to_string()),
            ("metadata[plan]", plan.name().to_owned()),
            ("subscription_data[metadata][tenant_id]", tenant.to_string()),
            ("success_url", format!("{return_to}?checkout=done")),
            ("cancel_url", format!("{return_to}?checkout=cancelled")),
        ];
        if let Some(customer) = customer {
            form.push(("customer", customer.to_owned()));
        }
        self.session("/v1/checkout/sessions", &form).await
    }

    /// A billing-portal session for the account's Stripe customer.
    pub async fn portal(&self, customer: &str, return_to: &str) -> Result<String, StripeError> {
        let form = [("customer", customer.to_owned()), ("return_url", return_to.to_owned())];
        self.session("/v1/billing_portal/sessions", &form).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, timestamp: i64, payload: &str) -> String {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
        let tag = aws_lc_rs::hmac::sign(&key, format!("{timestamp}.{payload}").as_bytes());
        tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn a_signature_is_checked_as_stripe_documents_it() {
        let payload = r#"{"id":"evt_1"}"#;
        let good = sign("whsec_a", 1_000, payload);
        let check = |header: &str| verify(header, payload.as_bytes(), "whsec_a", 1_010);
        assert_eq!(check(&format!("t=1000,v1={good}")), Ok(()));
        // Several v1 values (a rolling secret) and other schemes beside them.
        assert_eq!(check(&format!("t=1000,v0=abc,v1={},v1={good}", sign("whsec_old", 1_000, payload))), Ok(()));
        assert_eq!(check(&format!("t=1000,v1={}", sign("whsec_b", 1_000, payload))), Err(SignatureError::Mismatch));
        assert_eq!(check(&format!("t=1001,v1={good}")), Err(SignatureError::Mismatch), "the timestamp is signed");
        let stale = sign("whsec_a", 600, payload);
        assert_eq!(check(&format!("t=600,v1={stale}")), Err(SignatureError::Stale));
        assert_eq!(check("v1=abc"), Err(SignatureError::Malformed));
        assert_eq!(check("t=1000"), Err(SignatureError::Malformed));
        assert_eq!(verify(&format!("t=1000,v1={good}"), b"{}", "whsec_a", 1_010), Err(SignatureError::Mismatch));
    }
}
