//! Google's OAuth 2.0 (authorization-code flow, refresh tokens) and the People API's contacts, as the
//! contact sync uses them. Every base URL is configuration, so the tests run against a local fake.
//! Rate limits (429, 503) are retried with backoff, honouring `Retry-After`.

use crm_domain::contacts::ContactCard;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

pub const SCOPE: &str = "https://www.googleapis.com/auth/contacts";
const PERSON_FIELDS: &str = "names,emailAddresses,phoneNumbers,organizations,metadata";
const UPDATE_FIELDS: &str = "names,emailAddresses,phoneNumbers,organizations";
const PAGE_SIZE: &str = "200";
const ATTEMPTS: u32 = 5;
/// The longest a rate-limited call waits before its next attempt, whatever `Retry-After` says: past
/// it, the message goes back to the queue and is retried later.
const MAX_WAIT: Duration = Duration::from_secs(8);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoogleSettings {
    pub client_id: String,
    pub client_secret: String,
    pub auth_url: String,
    pub token_url: String,
    pub people_url: String,
    /// The web app's page registered with Google as the redirect URI (`GOOGLE_REDIRECT_URI`).
    pub redirect_uri: Option<String>,
}

impl GoogleSettings {
    /// `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET` (none: Google sync is not configured), and the
    /// base URLs `GOOGLE_AUTH_URL`, `GOOGLE_TOKEN_URL`, `GOOGLE_PEOPLE_URL` (Google's by default).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        Some(GoogleSettings {
            client_id: get("GOOGLE_CLIENT_ID")?,
            client_secret: get("GOOGLE_CLIENT_SECRET")?,
            auth_url: get("GOOGLE_AUTH_URL").unwrap_or_else(|| "https://accounts.google.com/o/oauth2/v2/auth".into()),
            token_url: get("GOOGLE_TOKEN_URL").unwrap_or_else(|| "https://oauth2.googleapis.com/token".into()),
            people_url: get("GOOGLE_PEOPLE_URL").unwrap_or_else(|| "https://people.googleapis.com".into()),
            redirect_uri: get("GOOGLE_REDIRECT_URI"),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GoogleError {
    /// The user revoked access or the grant is no longer valid: they must connect again.
    #[error("Google refused the grant: {0}")]
    Grant(String),
    #[error("the sync token expired; a full sync is needed")]
    SyncTokenExpired,
    /// The entry changed in Google since its etag was read.
    #[error("the contact changed in Google meanwhile")]
    EtagMismatch,
    #[error("the contact no longer exists in Google")]
    Gone,
    #[error("Google is rate limiting these calls")]
    RateLimited,
    #[error("Google answered {status}: {body}")]
    Http { status: u16, body: String },
    #[error("Google could not be reached: {0}")]
    Transport(String),
}

/// One address-book entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub resource_name: String,
    pub etag: String,
    pub deleted: bool,
    pub card: ContactCard,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectionsPage {
    pub people: Vec<Person>,
    pub next_page_token: Option<String>,
    /// On the last page: where the next incremental sync starts.
    pub next_sync_token: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
}

pub struct GoogleClient {
    http: reqwest::Client,
    settings: GoogleSettings,
}

impl GoogleClient {
    pub fn new(http: reqwest::Client, settings: GoogleSettings) -> Self {
        GoogleClient { http, settings }
    }

    pub fn settings(&self) -> &GoogleSettings {
        &self.settings
    }

    /// Where to send the user to consent: offline access (a refresh token), contacts scope.
    pub fn consent_url(&self, state: &str, redirect_uri: &str, code_challenge: &str) -> String {
        let query = [
            ("client_id", self.settings.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("scope", SCOPE),
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("include_granted_scopes", "true"),
            ("state", state),
            ("code_challenge", code_challenge),
            ("code_challenge_method", "S256"),
        ];
        let url = reqwest::Url::parse_with_params(&self.settings.auth_url, query);
        url.map(String::from).unwrap_or_else(|_| self.settings.auth_url.clone())
    }

    /// Exchanges the code from the consent redirect, with the PKCE verifier of its consent request, for
    /// a refresh token.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        code_verifier: &str,
    ) -> Result<String, GoogleError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", code_verifier),
            ("redirect_uri", redirect_uri),
            ("client_id", &self.settings.client_id),
            ("client_secret", &self.settings.client_secret),
        ];
        let tokens: TokenResponse = self.token_call(&form).await?;
        tokens.refresh_token.ok_or_else(|| GoogleError::Grant("Google issued no refresh token".into()))
    }

    /// A fresh access token from a refresh token.
    pub async fn access_token(&self, refresh_token: &str) -> Result<String, GoogleError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &self.settings.client_id),
            ("client_secret", &self.settings.client_secret),
        ];
        Ok(self.token_call(&form).await?.access_token)
    }

    async fn token_call(&self, form: &[(&str, &str)]) -> Result<TokenResponse, GoogleError> {
        let response = self.send(|| self.http.post(&self.settings.token_url).form(form)).await?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| GoogleError::Transport(e.to_string()))?;
        match status {
            200 => serde_json::from_str(&body).map_err(|e| GoogleError::Http { status, body: e.to_string() }),
            400 | 401 => Err(GoogleError::Grant(body)),
            _ => Err(GoogleError::Http { status, body }),
        }
    }

    /// One page of the user's contacts: everything (no sync token) or what changed since the token.
    pub async fn connections(
        &self,
        access_token: &str,
        sync_token: Option<&str>,
        page_token: Option<&str>,
    ) -> Result<ConnectionsPage, GoogleError> {
        let url = format!("{}/v1/people/me/connections", self.settings.people_url);
        let mut query = vec![("personFields", PERSON_FIELDS), ("pageSize", PAGE_SIZE), ("requestSyncToken", "true")];
        query.extend(sync_token.map(|t| ("syncToken", t)));
        query.extend(page_token.map(|t| ("pageToken", t)));
        let response = self.send(|| self.http.get(&url).bearer_auth(access_token).query(&query)).await?;
        let body = Self::json(response).await?;
        let people =
            body["connections"].as_array().map(|all| all.iter().filter_map(person).collect()).unwrap_or_default();
        let text = |name: &str| body[name].as_str().filter(|t| !t.is_empty()).map(str::to_owned);
        Ok(ConnectionsPage { people, next_page_token: text("nextPageToken"), next_sync_token: text("nextSyncToken") })
    }

    /// Writes the CRM's fields over an entry, provided it is still at `etag`.
    pub async fn update_contact(
        &self,
        access_token: &str,
        resource_name: &str,
        etag: &str,
        card: &ContactCard,
    ) -> Result<Person, GoogleError> {
        let url = format!("{}/v1/{resource_name}:updateContact", self.settings.people_url);
        let body = person_body(card, etag);
        let query = [("updatePersonFields", UPDATE_FIELDS), ("personFields", PERSON_FIELDS)];
        let response = self.send(|| self.http.patch(&url).bearer_auth(access_token).query(&query).json(&body)).await?;
        person(&Self::json(response).await?).ok_or_else(|| GoogleError::Http { status: 200, body: "no person".into() })
    }

    /// One entry as it is now (for its current etag).
    pub async fn person(&self, access_token: &str, resource_name: &str) -> Result<Person, GoogleError> {
        let url = format!("{}/v1/{resource_name}", self.settings.people_url);
        let query = [("personFields", PERSON_FIELDS)];
        let response = self.send(|| self.http.get(&url).bearer_auth(access_token).query(&query)).await?;
        person(&Self::json(response).await?).ok_or(GoogleError::Gone)
    }

    async fn json(response: reqwest::Response) -> Result<Value, GoogleError> {
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| GoogleError::Transport(e.to_string()))?;
        match status {
            200..=299 => serde_json::from_str(&body).map_err(|e| GoogleError::Http { status, body: e.to_string() }),
            // The People API answers an expired sync token with 410 (EXPIRED_SYNC_TOKEN).
            410 => Err(GoogleError::SyncTokenExpired),
            404 => Err(GoogleError::Gone),
            400 if body.contains("FAILED_PRECONDITION") => Err(GoogleError::EtagMismatch),
            401 => Err(GoogleError::Grant(body)),
            _ => Err(GoogleError::Http { status, body }),
        }
    }

    /// Sends a request, retrying 429 and 503 with backoff (`Retry-After` when given, else doubling from
    /// half a second), at most `ATTEMPTS` times.
    async fn send(&self, build: impl Fn() -> reqwest::RequestBuilder) -> Result<reqwest::Response, GoogleError> {
        let mut backoff = Duration::from_millis(500);
        for attempt in 1..=ATTEMPTS {
            let response = build().send().await.map_err(|e| GoogleError::Transport(e.to_string()))?;
            let status = response.status().as_u16();
            if status != 429 && status != 503 {
                return Ok(response);
            }
            if attempt == ATTEMPTS {
                break;
            }
            let wait = retry_after(&response).unwrap_or(backoff).min(MAX_WAIT);
            tracing::warn!(status, attempt, wait_ms = wait.as_millis() as u64, "Google is rate limiting; backing off");
            tokio::time::sleep(wait).await;
            backoff = (backoff * 2).min(MAX_WAIT);
        }
        Err(GoogleError::RateLimited)
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let seconds: f64 = response.headers().get("retry-after")?.to_str().ok()?.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// The first value of a People API list field (the primary one when marked).
fn first<'a>(person: &'a Value, list: &str) -> Option<&'a Value> {
    let items = person.get(list)?.as_array()?;
    items.iter().find(|i| i["metadata"]["primary"].as_bool() == Some(true)).or_else(|| items.first())
}

fn text_of(value: Option<&Value>, field: &str) -> Option<String> {
    value?.get(field)?.as_str().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// A People API person as an entry; `None` without a resource name.
pub fn person(value: &Value) -> Option<Person> {
    let resource_name = value.get("resourceName")?.as_str()?.to_owned();
    let name = first(value, "names");
    let joined = [text_of(name, "givenName"), text_of(name, "familyName")].into_iter().flatten().collect::<Vec<_>>();
    let card = ContactCard {
        name: text_of(name, "displayName")
            .or_else(|| text_of(name, "unstructuredName"))
            .or_else(|| (!joined.is_empty()).then(|| joined.join(" "))),
        email: text_of(first(value, "emailAddresses"), "value"),
        phone: text_of(first(value, "phoneNumbers"), "value"),
        company: text_of(first(value, "organizations"), "name"),
    };
    Some(Person {
        resource_name,
        etag: value.get("etag").and_then(Value::as_str).unwrap_or_default().to_owned(),
        deleted: value["metadata"]["deleted"].as_bool().unwrap_or(false),
        card,
    })
}

/// The body of an `updateContact`: every synced field, an absent one as an empty list (cleared).
pub fn person_body(card: &ContactCard, etag: &str) -> Value {
    let list = |value: &Option<String>, field: &str| match value {
        Some(v) => json!([{ field: v }]),
        None => json!([]),
    };
    json!({
        "etag": etag,
        "names": list(&card.name, "unstructuredName"),
        "emailAddresses": list(&card.email, "value"),
        "phoneNumbers": list(&card.phone, "value"),
        "organizations": list(&card.company, "name"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_read_their_primary_values() {
        let value = json!({
            "resourceName": "people/c1", "etag": "%EgU",
            "names": [{"displayName": "Ada Lovelace", "givenName": "Ada"}],
            "emailAddresses": [{"value": "old@x.io"}, {"value": "ada@x.io", "metadata": {"primary": true}}],
            "organizations": [{"name": "Engines"}]
        });
        let p = person(&value).unwrap();
        assert_eq!(p.card.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(p.card.email.as_deref(), Some("ada@x.io"));
        assert_eq!((p.card.phone.as_deref(), p.card.company.as_deref()), (None, Some("Engines")));
        assert!(!p.deleted);
        let gone = person(&json!({"resourceName": "people/c2", "metadata": {"deleted": true}})).unwrap();
        assert!(gone.deleted);
        assert!(person(&json!({"etag": "x"})).is_none());
    }

    #[test]
    fn an_update_body_round_trips_through_a_person() {
        let card = ContactCard { name: Some("Ada".into()), email: Some("a@x.io".into()), phone: None, company: None };
        let mut body = person_body(&card, "%E1");
        body["resourceName"] = json!("people/c1");
        assert_eq!(person(&body).unwrap().card, card);
        assert_eq!(body["phoneNumbers"], json!([]));
    }

    #[test]
    fn consent_urls_ask_for_offline_contacts_access() {
        let settings = GoogleSettings {
            client_id: "id".into(),
            client_secret: "secret".into(),
            auth_url: "https://accounts.example/auth".into(),
            token_url: "https://t".into(),
            people_url: "https://p".into(),
            redirect_uri: None,
        };
        let client = GoogleClient::new(reqwest::Client::new(), settings);
        let url = client.consent_url("st@te", "https://app.example/cb", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert!(url.starts_with("https://accounts.example/auth?client_id=id&"));
        assert!(url.contains("access_type=offline") && url.contains("state=st%40te"));
        assert!(url.contains("scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcontacts"));
        assert!(url.contains("code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"));
        assert!(!url.contains("secret"));
    }
}
