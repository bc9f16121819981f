//! A stand-in for a customer's webhook receiver. It records every request, and answers by the path: the
//! first request of each event to a `flaky` path gets 500, to a `limited` path 429 with `Retry-After: 1`,
//! to a `slow` path an answer after 2.5 s (later than the deliverer waits); `gone` always answers 410;
//! anything else (and every later request) 200.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    /// `CRM-Event-Id`.
    pub event_id: String,
    /// `CRM-Signature`.
    pub signature: String,
    pub body: String,
    pub status: u16,
    /// Answered after the deliverer's timeout: the deliverer never saw this answer.
    pub late: bool,
    pub at: Instant,
}

pub type Requests = Arc<Mutex<Vec<Received>>>;

pub const SLOW_ANSWER: Duration = Duration::from_millis(2500);

pub async fn start() -> (String, Requests) {
    let requests: Requests = Arc::default();
    let recorded = requests.clone();
    let base = crate::start_fake("the receiver fake", move |req: hyper::Request<hyper::body::Incoming>| {
        let recorded = recorded.clone();
        async move {
            let path = req.uri().path().to_owned();
            let header =
                |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let (event_id, signature) = (header("crm-event-id"), header("crm-signature"));
            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            let body = String::from_utf8_lossy(&body).into_owned();
            let first = !recorded.lock().expect("requests").iter().any(|r| r.path == path && r.event_id == event_id);
            let (status, retry_after, late) = match () {
                _ if path.contains("gone") => (410, None, false),
                _ if path.contains("flaky") && first => (500, None, false),
                _ if path.contains("limited") && first => (429, Some("1"), false),
                _ if path.contains("slow") && first => (200, None, true),
                _ => (200, None, false),
            };
            let received = Received { path, event_id, signature, body, status, late, at: Instant::now() };
            recorded.lock().expect("requests").push(received);
            if late {
                tokio::time::sleep(SLOW_ANSWER).await;
            }
            let mut response = hyper::Response::builder().status(status);
            if let Some(seconds) = retry_after {
                response = response.header("retry-after", seconds);
            }
            response.body(Full::new(Bytes::from("ok"))).expect("response")
        }
    })
    .await;
    (base, requests)
}
