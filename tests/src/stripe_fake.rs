//! A stand-in for Stripe: it makes Checkout and billing-portal sessions (recording what it was asked), and
//! sends events to the API signed as Stripe signs them (`Stripe-Signature: t=…,v1=<hex HMAC-SHA256 of
//! "<t>.<body>">`).

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

pub const SECRET_KEY: &str = "sk_test_local";
pub const WEBHOOK_SECRET: &str = "whsec_test_local";
pub const PRICE_TEAM: &str = "price_team_local";
pub const PRICE_BUSINESS: &str = "price_business_local";

/// What the fake was asked: the path and the form fields.
#[derive(Clone, Debug)]
pub struct Asked {
    pub path: String,
    pub form: Vec<(String, String)>,
}

pub type Requests = Arc<Mutex<Vec<Asked>>>;

pub async fn start() -> (String, Requests) {
    let requests: Requests = Arc::default();
    let recorded = requests.clone();
    let base = crate::start_fake("the Stripe fake", move |req: hyper::Request<hyper::body::Incoming>| {
        let recorded = recorded.clone();
        async move {
            let path = req.uri().path().to_owned();
            let authorized = req.headers().get("authorization").and_then(|v| v.to_str().ok())
                == Some(&format!("Bearer {SECRET_KEY}"));
            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
            let (status, answer) = if !authorized {
                (401, json!({"error": {"message": "Invalid API Key provided"}}))
            } else {
                let mut all = recorded.lock().expect("requests");
                let n = all.len();
                all.push(Asked { path: path.clone(), form });
                match path.as_str() {
                    "/v1/checkout/sessions" => (
                        200,
                        json!({"id": format!("cs_test_{n}"), "url": format!("https://checkout.stripe.test/c/cs_test_{n}")}),
                    ),
                    "/v1/billing_portal/sessions" => (
                        200,
                        json!({"id": format!("bps_{n}"), "url": format!("https://billing.stripe.test/p/bps_{n}")}),
                    ),
                    _ => (404, json!({"error": {"message": "Unrecognized request URL"}})),
                }
            };
            hyper::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(answer.to_string())))
                .expect("response")
        }
    }).await;
    (base, requests)
}

/// `Stripe-Signature` for `body` at `timestamp` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, format!("{timestamp}.{body}").as_bytes());
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// Sends `event` to the API's Stripe webhook as Stripe would, signed now with the webhook secret.
pub async fn send(api: &crate::Api, event: &Value) -> crate::Reply {
    let now = crm_domain::clock::Timestamp::now().unix_seconds();
    send_signed(api, event, &signature(WEBHOOK_SECRET, now, &event.to_string())).await
}

/// Sends `event` with the given `Stripe-Signature` (forged, stale, …).
pub async fn send_signed(api: &crate::Api, event: &Value, signature: &str) -> crate::Reply {
    let request = api
        .request(reqwest::Method::POST, "/api/v1/webhooks/stripe", None)
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(event.to_string());
    api.send(request).await
}
