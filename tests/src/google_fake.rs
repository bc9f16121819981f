//! A stand-in for Google's OAuth endpoints and the People API's contacts, enough for the sync: the consent
//! page (`/auth`, which signs in as the address book named by `login_hint` and redirects with a code
//! bound to the request's PKCE challenge and redirect URI), codes exchange for refresh tokens (only with
//! the matching `code_verifier`), refresh tokens for access tokens; each authorization code is its own
//! address book. Connections page (`pageSize`, `pageToken`) and sync incrementally (`syncToken`,
//! deletions reported as `metadata.deleted`); `updateContact` checks the etag. The first listing of each
//! address book answers 429 once, so the client's backoff is exercised.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Entry {
    pub person: Value,
    /// When the entry last changed, in the book's sequence.
    pub changed_at: u64,
    pub deleted: bool,
}

#[derive(Default)]
pub struct Book {
    pub entries: BTreeMap<String, Entry>,
    pub sequence: u64,
    pub rate_limited_once: bool,
    /// Every request made with this book's access token: `METHOD path`.
    pub requests: Vec<String>,
}

/// What a consent request bound its code to.
#[derive(Clone, Debug)]
pub struct Consent {
    pub code_challenge: String,
    pub redirect_uri: String,
}

#[derive(Default)]
pub struct State {
    pub books: BTreeMap<String, Book>,
    pub used_codes: HashSet<String>,
    pub consents: BTreeMap<String, Consent>,
}

/// `GET /auth`: the user consents at once, as the book `login_hint`, and is sent back with a code.
fn consent(state: &Shared, query: &str) -> hyper::Response<Full<Bytes>> {
    let query = params(query);
    let get = |name: &str| query.get(name).cloned().unwrap_or_default();
    if get("client_id") != "fake-client-id" || get("response_type") != "code" {
        return reply(400, json!({"error": "invalid_request"}));
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").len() != 43 {
        return reply(400, json!({"error": "invalid_request", "error_description": "PKCE with S256 is required"}));
    }
    let (code, redirect_uri) = (get("login_hint"), get("redirect_uri"));
    let consent = Consent { code_challenge: get("code_challenge"), redirect_uri: redirect_uri.clone() };
    state.lock().expect("state").consents.insert(code.clone(), consent);
    let mut back = reqwest::Url::parse(&redirect_uri).expect("an absolute redirect URI");
    back.query_pairs_mut().append_pair("state", &get("state")).append_pair("code", &code);
    hyper::Response::builder()
        .status(302)
        .header("location", back.as_str())
        .body(Full::new(Bytes::new()))
        .expect("response")
}

fn s256(verifier: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

pub type Shared = Arc<Mutex<State>>;

impl Book {
    fn touch(&mut self, resource: &str, person: Value, deleted: bool) {
        self.sequence += 1;
        let mut person = person;
        person["resourceName"] = json!(resource);
        person["etag"] = json!(format!("etag-{}", self.sequence));
        self.entries.insert(resource.to_owned(), Entry { person, changed_at: self.sequence, deleted });
    }

    /// Adds or replaces an entry as a user editing Google Contacts would.
    pub fn put(&mut self, resource: &str, name: &str, email: Option<&str>, phone: Option<&str>) {
        let mut person = json!({"names": [{"displayName": name}]});
        if let Some(email) = email {
            person["emailAddresses"] = json!([{"value": email, "metadata": {"primary": true}}]);
        }
        if let Some(phone) = phone {
            person["phoneNumbers"] = json!([{"value": phone}]);
        }
        self.touch(resource, person, false);
    }

    pub fn delete(&mut self, resource: &str) {
        self.touch(resource, json!({}), true);
    }
}

/// `application/x-www-form-urlencoded` pairs (query strings and token requests).
fn params(text: &str) -> BTreeMap<String, String> {
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
            match (bytes[i], hex) {
                (b'%', Some(byte)) => {
                    out.push(byte);
                    i += 3;
                }
                (b'+', _) => {
                    out.push(b' ');
                    i += 1;
                }
                (byte, _) => {
                    out.push(byte);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn reply(status: u16, body: Value) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::builder().status(status).header("content-type", "application/json");
    if status == 429 {
        response = response.header("retry-after", "0");
    }
    response.body(Full::new(Bytes::from(body.to_string()))).expect("response")
}

fn token(state: &Shared, method: &str, path: &str, body: &[u8]) -> hyper::Response<Full<Bytes>> {
    let mut state = state.lock().expect("state");
    if method == "POST" && path == "/token" {
        let form = params(std::str::from_utf8(body).unwrap_or(""));
        if form.get("client_secret").map(String::as_str) != Some("fake-client-secret") {
            return reply(401, json!({"error": "invalid_client"}));
        }
        return match form.get("grant_type").map(String::as_str) {
            Some("authorization_code") => {
                let code = form.get("code").cloned().unwrap_or_default();
                let Some(consent) = state.consents.get(&code).cloned() else {
                    return reply(400, json!({"error": "invalid_grant", "error_description": "no such code"}));
                };
                let verifier = form.get("code_verifier").map(String::as_str).unwrap_or("");
                if s256(verifier) != consent.code_challenge || form.get("redirect_uri") != Some(&consent.redirect_uri) {
                    return reply(
                        400,
                        json!({"error": "invalid_grant", "error_description": "PKCE or redirect_uri mismatch"}),
                    );
                }
                if !state.used_codes.insert(code.clone()) {
                    return reply(400, json!({"error": "invalid_grant"}));
                }
                state.books.entry(code.clone()).or_default();
                reply(
                    200,
                    json!({"access_token": format!("access-{code}"), "refresh_token": format!("refresh-{code}"), "expires_in": 3599}),
                )
            }
            Some("refresh_token") => match form.get("refresh_token").and_then(|t| t.strip_prefix("refresh-")) {
                Some(code) if state.books.contains_key(code) => {
                    reply(200, json!({"access_token": format!("access-{code}"), "expires_in": 3599}))
                }
                _ => reply(400, json!({"error": "invalid_grant"})),
            },
            _ => reply(400, json!({"error": "unsupported_grant_type"})),
        };
    }
    reply(404, json!({"error": {"status": "NOT_FOUND"}}))
}

fn people(
    state: &Shared,
    method: &str,
    path: &str,
    query: &str,
    auth: Option<&str>,
    body: &[u8],
) -> hyper::Response<Full<Bytes>> {
    let mut state = state.lock().expect("state");
    let Some(code) = auth.and_then(|a| a.strip_prefix("Bearer access-")).map(str::to_owned) else {
        return reply(401, json!({"error": {"status": "UNAUTHENTICATED"}}));
    };
    let Some(book) = state.books.get_mut(&code) else {
        return reply(401, json!({"error": {"status": "UNAUTHENTICATED"}}));
    };
    book.requests.push(format!("{method} {path}"));
    let query = params(query);
    if method == "GET" && path == "/v1/people/me/connections" {
        if !book.rate_limited_once {
            book.rate_limited_once = true;
            return reply(429, json!({"error": {"status": "RESOURCE_EXHAUSTED"}}));
        }
        let since = match query.get("syncToken") {
            Some(token) => match token.strip_prefix("sync-").and_then(|s| s.parse::<u64>().ok()) {
                Some(seq) => Some(seq),
                None => {
                    return reply(
                        410,
                        json!({"error": {"status": "FAILED_PRECONDITION", "message": "EXPIRED_SYNC_TOKEN"}}),
                    );
                }
            },
            None => None,
        };
        let size: usize = query.get("pageSize").and_then(|s| s.parse().ok()).unwrap_or(100).min(2);
        let offset: usize = query.get("pageToken").and_then(|s| s.parse().ok()).unwrap_or(0);
        let matching: Vec<&Entry> = book
            .entries
            .values()
            .filter(|e| match since {
                Some(seq) => e.changed_at > seq,
                None => !e.deleted,
            })
            .collect();
        let page: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(size)
            .map(|e| {
                let mut p = e.person.clone();
                if e.deleted {
                    p["metadata"] = json!({"deleted": true});
                }
                p
            })
            .collect();
        let mut body = json!({"connections": page, "totalItems": matching.len()});
        if offset + size < matching.len() {
            body["nextPageToken"] = json!((offset + size).to_string());
        } else {
            body["nextSyncToken"] = json!(format!("sync-{}", book.sequence));
        }
        return reply(200, body);
    }
    let resource = path.trim_start_matches("/v1/");
    if method == "PATCH"
        && let Some(resource) = resource.strip_suffix(":updateContact")
    {
        let Some(entry) = book.entries.get(resource).filter(|e| !e.deleted) else {
            return reply(404, json!({"error": {"status": "NOT_FOUND"}}));
        };
        let update: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        if update["etag"] != entry.person["etag"] {
            return reply(400, json!({"error": {"status": "FAILED_PRECONDITION", "message": "etag mismatch"}}));
        }
        let mut person = entry.person.clone();
        for field in query.get("updatePersonFields").map(|f| f.split(',').collect::<Vec<_>>()).unwrap_or_default() {
            let key = match field {
                "names" => "names",
                "emailAddresses" => "emailAddresses",
                "phoneNumbers" => "phoneNumbers",
                "organizations" => "organizations",
                _ => continue,
            };
            person[key] = update[key].clone();
        }
        book.touch(resource, person, false);
        return reply(200, book.entries[resource].person.clone());
    }
    if method == "GET"
        && let Some(entry) = book.entries.get(resource).filter(|e| !e.deleted)
    {
        return reply(200, entry.person.clone());
    }
    reply(404, json!({"error": {"status": "NOT_FOUND"}}))
}

/// Starts the fake; its base URL serves `/token` and `/v1/...`.
pub async fn start() -> (String, Shared) {
    let state: Shared = Arc::default();
    let shared = state.clone();
    let base = crate::start_fake("the Google fake", move |req: hyper::Request<hyper::body::Incoming>| {
        let state = shared.clone();
        async move {
            let method = req.method().as_str().to_owned();
            let path = req.uri().path().to_owned();
            let query = req.uri().query().unwrap_or("").to_owned();
            let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            if path.starts_with("/v1/") {
                people(&state, &method, &path, &query, auth.as_deref(), &body)
            } else if method == "GET" && path == "/auth" {
                consent(&state, &query)
            } else {
                token(&state, &method, &path, &body)
            }
        }
    })
    .await;
    (base, state)
}
