//! What every function builds once at start-up (the init phase) and hands to its handler.

use crate::problem::ApiError;
use crate::tokens::{TokenIssuer, TokenSubject, TokenVerifier, Verified};
use crm_domain::Actor;
use crm_domain::plan::Plan;
use crm_domain::user::User;
use crm_store::Table;

pub const DEFAULT_ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
pub const DEFAULT_REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 60 * 60;

#[derive(Clone, Debug)]
pub struct Settings {
    pub table_name: String,
    pub jwt_public_key: String,
    /// The key before the current one, during a rotation (`JWT_PREVIOUS_PUBLIC_KEY`).
    pub jwt_previous_public_key: Option<String>,
    /// Only the token-issuing functions (sign-up, sign-in, refresh) are given the private key.
    pub jwt_private_key: Option<String>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_seconds: i64,
    pub refresh_token_seconds: i64,
    /// Where functions outside the WebSocket API post to its connections (`https://{api}.execute-api…/{stage}`).
    pub websocket_management_endpoint: Option<String>,
    /// OpenSearch (`OPENSEARCH_ENDPOINT`, `SEARCH_INDEX`), when search is deployed.
    pub opensearch_endpoint: Option<String>,
    pub search_index: String,
    /// Seals integration secrets at rest (`INTEGRATIONS_KEY`, 32 bytes base64); only the functions
    /// that handle such secrets are given it.
    pub integrations_key: Option<String>,
    /// Google Contacts sync, when configured (`GOOGLE_CLIENT_ID`, …).
    pub google: Option<crm_google::GoogleSettings>,
    /// The verified address mail is sent from (`MAIL_FROM`), for the functions that send mail.
    pub mail_from: Option<String>,
    /// The web app's base URL (`WEB_APP_URL`), for links in mails.
    pub web_app_url: String,
    /// How often an API key's last use is written (`API_KEY_USAGE_SECONDS`; the tests write every use).
    pub key_usage_seconds: i64,
    /// Stripe billing, when configured (`STRIPE_SECRET_KEY`, …).
    pub stripe: Option<crate::stripe::StripeSettings>,
    /// The files bucket (`FILES_BUCKET`), for the functions that hand out files; whether it is a local S3
    /// (`AWS_ENDPOINT_URL_S3` set).
    pub files_bucket: Option<(String, bool)>,
    /// The jobs queue (`JOBS_QUEUE_URL`), for the functions that start jobs.
    pub jobs_queue_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {0} must be a whole number of seconds")]
    NotSeconds(&'static str),
    #[error(transparent)]
    Key(#[from] crate::tokens::KeyError),
    #[error("INTEGRATIONS_KEY: {0}")]
    IntegrationsKey(#[from] crm_store::secrets::SecretError),
    #[error(transparent)]
    Secrets(#[from] crm_store::secret_env::SecretEnvError),
}

impl Settings {
    /// Reads the function's environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads `TABLE_NAME`, `JWT_PUBLIC_KEY`, `JWT_PRIVATE_KEY` (issuers only), `JWT_ISSUER`,
    /// `JWT_AUDIENCE`, `ACCESS_TOKEN_SECONDS`, `REFRESH_TOKEN_SECONDS`, the WebSocket and search
    /// endpoints, `INTEGRATIONS_KEY` and the Google settings, by name.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let optional = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let required = |name: &'static str| optional(name).ok_or(SettingsError::Missing(name));
        let seconds = |name: &'static str, default: i64| match optional(name) {
            Some(text) => text.parse().map_err(|_| SettingsError::NotSeconds(name)),
            None => Ok(default),
        };
        Ok(Settings {
            table_name: required("TABLE_NAME")?,
            jwt_public_key: required("JWT_PUBLIC_KEY")?,
            jwt_previous_public_key: optional("JWT_PREVIOUS_PUBLIC_KEY"),
            jwt_private_key: optional("JWT_PRIVATE_KEY"),
            jwt_issuer: optional("JWT_ISSUER").unwrap_or_else(|| "serverless-crm".into()),
            jwt_audience: optional("JWT_AUDIENCE").unwrap_or_else(|| "serverless-crm-api".into()),
            access_token_seconds: seconds("ACCESS_TOKEN_SECONDS", DEFAULT_ACCESS_TOKEN_SECONDS)?,
            refresh_token_seconds: seconds("REFRESH_TOKEN_SECONDS", DEFAULT_REFRESH_TOKEN_SECONDS)?,
            websocket_management_endpoint: optional("WEBSOCKET_MANAGEMENT_ENDPOINT"),
            opensearch_endpoint: optional("OPENSEARCH_ENDPOINT"),
            search_index: optional("SEARCH_INDEX").unwrap_or_else(|| "crm-records".into()),
            integrations_key: optional("INTEGRATIONS_KEY"),
            google: crm_google::GoogleSettings::from_lookup(&lookup),
            mail_from: optional("MAIL_FROM"),
            web_app_url: optional("WEB_APP_URL").unwrap_or_else(|| crate::mail::LOCAL_WEB_APP_URL.into()),
            key_usage_seconds: optional("API_KEY_USAGE_SECONDS")
                .and_then(|s| s.parse().ok())
                .unwrap_or(crm_domain::api_key::USAGE_GRANULARITY_SECONDS),
            stripe: crate::stripe::StripeSettings::from_lookup(&lookup),
            files_bucket: optional("FILES_BUCKET").map(|bucket| (bucket, optional("AWS_ENDPOINT_URL_S3").is_some())),
            jobs_queue_url: optional("JOBS_QUEUE_URL"),
        })
    }
}

/// What a verified access token says: who (with the role it was issued with, until the stored user
/// confirms it), of which session generation, and until when (unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claim {
    pub actor: Actor,
    pub generation: u64,
    pub expires_at: i64,
    /// The SHA-256 of an API key's secret, when the caller sent an API key rather than a person's token.
    pub api_key: Option<[u8; 32]>,
}

/// Every secret setting the API's functions may be given.
pub const SECRET_SETTINGS: [&str; 8] = crm_store::secret_env::SECRET_SETTINGS;

/// How long token keys read from Secrets Manager are used before they are read again (unless
/// `JWT_KEYS_CACHE_SECONDS` says otherwise).
pub const KEY_CACHE_SECONDS: u64 = 5 * 60;

/// The token keys in use: the verifier, and the issuer in the token-issuing functions.
#[derive(Clone)]
struct Keys {
    verifier: std::sync::Arc<TokenVerifier>,
    issuer: Option<std::sync::Arc<TokenIssuer>>,
    loaded: std::time::Instant,
}

/// Where the token keys come from when they are secrets, to read them again: a key rotation reaches
/// running functions within `KEY_CACHE_SECONDS`, without a deploy.
struct KeySource {
    client: aws_sdk_secretsmanager::Client,
    references: Vec<crm_store::secret_env::SecretReference>,
    issuer: String,
    audience: String,
    access_token_seconds: i64,
    cache: std::time::Duration,
}

impl KeySource {
    fn from_lookup(
        aws: &aws_config::SdkConfig,
        lookup: &impl Fn(&str) -> Option<String>,
        settings: &Settings,
    ) -> Result<Option<Self>, SettingsError> {
        let references: Vec<_> = crm_store::secret_env::references(&SECRET_SETTINGS, lookup)?
            .into_iter()
            .filter(|r| r.setting.starts_with("JWT_"))
            .collect();
        Ok((!references.is_empty()).then(|| KeySource {
            client: aws_sdk_secretsmanager::Client::new(aws),
            references,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            access_token_seconds: settings.access_token_seconds,
            cache: std::time::Duration::from_secs(
                lookup("JWT_KEYS_CACHE_SECONDS").and_then(|s| s.parse().ok()).unwrap_or(KEY_CACHE_SECONDS),
            ),
        }))
    }

    async fn load(&self) -> Result<Keys, String> {
        let keys = crm_store::secret_env::fetch(&self.client, &self.references).await.map_err(|e| e.to_string())?;
        let current = keys.get("JWT_PUBLIC_KEY").ok_or("no JWT_PUBLIC_KEY in its secret")?;
        let previous = keys.get("JWT_PREVIOUS_PUBLIC_KEY").map(String::as_bytes);
        let verifier = TokenVerifier::rotating(current.as_bytes(), previous, &self.issuer, &self.audience)
            .map_err(|e| e.to_string())?;
        let issuer = keys
            .get("JWT_PRIVATE_KEY")
            .map(|pem| TokenIssuer::new(pem.as_bytes(), &self.issuer, &self.audience, self.access_token_seconds))
            .transpose()
            .map_err(|e| e.to_string())?;
        Ok(Keys {
            verifier: std::sync::Arc::new(verifier),
            issuer: issuer.map(std::sync::Arc::new),
            loaded: std::time::Instant::now(),
        })
    }
}

pub struct App {
    pub table: Table,
    /// Built on first use: only the search routes need it, and every function's init stays small.
    search: std::sync::OnceLock<Option<crm_search::SearchClient>>,
    search_settings: Option<(String, String, aws_config::SdkConfig)>,
    pub chat: crm_chat::Chat,
    /// The token keys, re-read from Secrets Manager at most every `KEY_CACHE_SECONDS` when they come from
    /// there, so a key rotation reaches running functions without a deploy.
    keys: std::sync::RwLock<Keys>,
    key_source: Option<KeySource>,
    pub refresh_token_seconds: i64,
    sealer: Option<crm_store::secrets::Sealer>,
    /// Built on first use, like search: only the Google routes need an HTTPS client.
    google: std::sync::OnceLock<Option<crm_google::GoogleClient>>,
    google_settings: Option<crm_google::GoogleSettings>,
    mailer: Option<crate::mail::Mailer>,
    key_usage_seconds: i64,
    /// The web app's base URL, where Stripe sends an Admin back to.
    pub web_app_url: String,
    /// Built on first use, like Google: only the billing routes call Stripe.
    stripe: std::sync::OnceLock<Option<crate::stripe::StripeClient>>,
    stripe_settings: Option<crate::stripe::StripeSettings>,
    /// The files bucket, for the functions given it.
    pub files: Option<crm_files::Files>,
    /// Where a new job's first step is sent, for the functions that start jobs.
    pub jobs_queue: Option<(aws_sdk_sqs::Client, String)>,
    /// Each account's plan as last read, for the rate check of reads (writes read it fresh anyway).
    plans: std::sync::Mutex<std::collections::HashMap<crm_domain::TenantId, (Plan, i64)>>,
}

/// How long a function trusts the plan it last read for an account: a plan change reaches every rate
/// check within this many seconds.
const PLAN_CACHE_SECONDS: i64 = 60;
/// Accounts whose plans one function keeps at most (one entry is a few dozen bytes).
const PLAN_CACHE_ENTRIES: usize = 10_000;

/// What a request asks of its account besides its caller: a place in the account's request rate (and
/// search rate), and, for a write, an account that is not read-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Asks {
    pub write: bool,
    pub search: bool,
}

impl Asks {
    pub const READ: Asks = Asks { write: false, search: false };

    /// What a request of `method` on `path` asks.
    pub fn of(method: &http::Method, path: &str) -> Asks {
        // Finding duplicates asks the search engine too, so it counts as a search.
        let search = path == "/api/v1/search" || path.ends_with("/duplicates");
        Asks { write: crate::extract::writes_held_by_billing(method, path), search }
    }
}

/// A request's verdict from its account, and whether it was counted in the account's rate window.
#[derive(Debug)]
pub struct Admission {
    tenant: crm_domain::TenantId,
    asks: Asks,
    counted_in: Option<i64>,
    verdict: Result<(), ApiError>,
}

impl App {
    pub fn new(table: Table, settings: &Settings, aws: aws_config::SdkConfig) -> Result<Self, SettingsError> {
        let verifier = TokenVerifier::rotating(
            settings.jwt_public_key.as_bytes(),
            settings.jwt_previous_public_key.as_deref().map(str::as_bytes),
            &settings.jwt_issuer,
            &settings.jwt_audience,
        )?;
        let issuer = settings
            .jwt_private_key
            .as_ref()
            .map(|pem| {
                TokenIssuer::new(
                    pem.as_bytes(),
                    &settings.jwt_issuer,
                    &settings.jwt_audience,
                    settings.access_token_seconds,
                )
            })
            .transpose()?;
        let search_settings =
            settings.opensearch_endpoint.clone().map(|e| (e, settings.search_index.clone(), aws.clone()));
        let mailer =
            settings.mail_from.clone().map(|from| crate::mail::Mailer::new(&aws, from, settings.web_app_url.clone()));
        let files = settings.files_bucket.clone().map(|(bucket, local)| crm_files::Files::new(&aws, bucket, local));
        let jobs_queue = settings.jobs_queue_url.clone().map(|url| (aws_sdk_sqs::Client::new(&aws), url));
        let chat = crm_chat::Chat::new(table.clone(), aws, settings.websocket_management_endpoint.clone());
        let sealer = settings.integrations_key.as_deref().map(crm_store::secrets::Sealer::from_base64).transpose()?;

        Ok(App {
            table,
            search: std::sync::OnceLock::new(),
            search_settings,
            chat,
            keys: std::sync::RwLock::new(Keys {
                verifier: std::sync::Arc::new(verifier),
                issuer: issuer.map(std::sync::Arc::new),
                loaded: std::time::Instant::now(),
            }),
            key_source: None,
            refresh_token_seconds: settings.refresh_token_seconds,
            sealer,
            google: std::sync::OnceLock::new(),
            google_settings: settings.google.clone(),
            mailer,
            key_usage_seconds: settings.key_usage_seconds,
            web_app_url: settings.web_app_url.trim_end_matches('/').to_owned(),
            stripe: std::sync::OnceLock::new(),
            stripe_settings: settings.stripe.clone(),
            plans: Default::default(),
            files,
            jobs_queue,
        })
    }

    /// Builds the app from the Lambda environment: settings from variables (secrets from Secrets Manager,
    /// where the environment names them), the AWS clients from the standard configuration chain.
    pub async fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(aws_config::load_from_env().await, |name| std::env::var(name).ok()).await
    }

    /// As [`App::from_env`], with settings looked up by name and the given AWS configuration.
    pub async fn from_lookup(
        aws: aws_config::SdkConfig,
        environment: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let secrets = crm_store::secret_env::expand(&aws, &SECRET_SETTINGS, &environment).await?;
        let settings = Settings::from_lookup(|name| secrets.get(name).cloned().or_else(|| environment(name)))?;
        let table = Table::new(crm_store::DynamoDbClient::new(&aws), settings.table_name.clone());
        let key_source = KeySource::from_lookup(&aws, &environment, &settings)?;
        Ok(App { key_source, ..App::new(table, &settings, aws)? })
    }

    /// The token keys, at most `KEY_CACHE_SECONDS` (or `JWT_KEYS_CACHE_SECONDS`) old when they come from
    /// Secrets Manager.
    async fn keys(&self) -> Keys {
        let current = self.keys.read().map(|k| k.clone()).unwrap_or_else(|e| e.into_inner().clone());
        let Some(source) = &self.key_source else { return current };
        if current.loaded.elapsed() < source.cache {
            return current;
        }
        match source.load().await {
            Ok(fresh) => {
                if let Ok(mut slot) = self.keys.write() {
                    *slot = fresh.clone();
                }
                fresh
            }
            Err(error) => {
                // The keys in hand still work; the next request tries again.
                tracing::warn!(%error, "could not re-read the token keys");
                current
            }
        }
    }

    pub async fn verifier(&self) -> std::sync::Arc<TokenVerifier> {
        self.keys().await.verifier
    }

    /// The token issuer, in the functions given the signing key.
    pub async fn issuer(&self) -> Result<std::sync::Arc<TokenIssuer>, ApiError> {
        self.keys()
            .await
            .issuer
            .ok_or_else(|| ApiError::Internal("this function was deployed without JWT_PRIVATE_KEY".into()))
    }

    /// The search client, when search is deployed (`OPENSEARCH_ENDPOINT`).
    pub fn search(&self) -> Option<&crm_search::SearchClient> {
        self.search
            .get_or_init(|| {
                let (endpoint, index, aws) = self.search_settings.as_ref()?;
                Some(crm_search::SearchClient::new(endpoint, index, Some(aws.clone())))
            })
            .as_ref()
    }

    /// The key integration secrets are sealed with; a function handling them was deployed with it.
    pub fn sealer(&self) -> Result<&crm_store::secrets::Sealer, ApiError> {
        self.sealer
            .as_ref()
            .ok_or_else(|| ApiError::Internal("this function was deployed without INTEGRATIONS_KEY".into()))
    }

    /// The Google client, when Google sync is configured for this deployment.
    pub fn google(&self) -> Result<&crm_google::GoogleClient, ApiError> {
        let google = self.google.get_or_init(|| {
            let http = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_else(|_| reqwest::Client::new());
            Some(crm_google::GoogleClient::new(http, self.google_settings.clone()?))
        });
        google.as_ref().ok_or_else(|| ApiError::Conflict {
            detail: "Google sync is not configured on this deployment".into(),
            field: None,
        })
    }

    /// Stripe, when billing is configured for this deployment.
    pub fn stripe(&self) -> Result<&crate::stripe::StripeClient, ApiError> {
        let stripe = self.stripe.get_or_init(|| {
            self.stripe_settings.clone().filter(|s| s.secret_key.is_some()).map(crate::stripe::StripeClient::new)
        });
        stripe.as_ref().ok_or_else(|| ApiError::Conflict {
            detail: "billing is not configured on this deployment".into(),
            field: None,
        })
    }

    /// Stripe's settings (the webhook secret, the prices), when billing is configured.
    pub fn stripe_settings(&self) -> Option<&crate::stripe::StripeSettings> {
        self.stripe_settings.as_ref()
    }

    /// The mailer, for the functions deployed with `MAIL_FROM`.
    pub fn mailer(&self) -> Result<&crate::mail::Mailer, ApiError> {
        self.mailer.as_ref().ok_or_else(|| ApiError::Internal("this function was deployed without MAIL_FROM".into()))
    }

    /// The active user a bearer token (or API key) names, confirmed by the stored user. The claim's actor has
    /// the stored user's role.
    pub async fn user_of_token(&self, token: &str) -> Result<(Claim, User), ApiError> {
        self.confirm(self.claimed(token).await?).await
    }

    /// Counts a request in its account's rate window and judges it: over the plan's request (or search)
    /// rate, `429`; a write to a read-only account, `402`. The count and the plan read run side by side,
    /// and beside the caller's user read, so the check adds no round trip; a read takes the plan from this
    /// function's memory when it is fresh.
    pub async fn admit(&self, tenant: crm_domain::TenantId, asks: Asks) -> Admission {
        let now = crm_domain::clock::Timestamp::now().unix_seconds();
        let window = crm_domain::plan::rate_window(now);
        let known = if asks.write { None } else { self.known_plan(tenant, now) };
        let usage = async {
            match known {
                Some(_) => Ok(None),
                None => self.table.usage(tenant).await.map(Some),
            }
        };
        let (count, usage) = tokio::join!(self.table.count_request(tenant, window, asks.search), usage);
        let counted_in = count.is_ok().then_some(window);
        let verdict = (|| {
            let plan = match (known, usage?) {
                (_, Some(usage)) => {
                    self.remember_plan(tenant, usage.plan, now);
                    if asks.write && crm_domain::billing::read_only(usage.subscription, usage.past_due_since, now) {
                        return Err(ApiError::ReadOnly);
                    }
                    usage.plan
                }
                (Some(plan), None) => plan,
                (None, None) => Plan::Free,
            };
            match crm_domain::plan::over_rate(plan, count?, asks.search, now) {
                Some(exceeded) => {
                    tracing::warn!(%tenant, what = exceeded.what, limit = exceeded.limit, "rate limited");
                    Err(ApiError::TooManyRequests { detail: exceeded.to_string(), retry_after: exceeded.retry_after })
                }
                None => Ok(()),
            }
        })();
        Admission { tenant, asks, counted_in, verdict }
    }

    /// The caller, if both the stored user confirms it and its account admits the request. A caller the
    /// stored user refuses gives its count back, so a forged credential cannot use up an account's rate.
    pub async fn admitted<T>(&self, confirmed: Result<T, ApiError>, admission: Admission) -> Result<T, ApiError> {
        let Admission { tenant, asks, counted_in, verdict } = admission;
        match confirmed {
            Ok(confirmed) => verdict.map(|()| confirmed),
            Err(refused) => {
                if let Some(window) = counted_in
                    && let Err(error) = self.table.uncount_request(tenant, window, asks.search).await
                {
                    tracing::warn!(%error, %tenant, "a refused caller's request stayed counted");
                }
                Err(refused)
            }
        }
    }

    fn known_plan(&self, tenant: crm_domain::TenantId, now: i64) -> Option<Plan> {
        let plans = self.plans.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        plans.get(&tenant).filter(|(_, read_at)| now - read_at < PLAN_CACHE_SECONDS).map(|(plan, _)| *plan)
    }

    fn remember_plan(&self, tenant: crm_domain::TenantId, plan: Plan, now: i64) {
        let mut plans = self.plans.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if plans.len() >= PLAN_CACHE_ENTRIES {
            plans.clear();
        }
        plans.insert(tenant, (plan, now));
    }

    /// The claimed caller as the stored user has it now (see [`App::confirmed`]).
    pub async fn confirm(&self, claimed: Claim) -> Result<(Claim, User), ApiError> {
        let stored = self.table.user(claimed.actor.tenant, claimed.actor.user).await?;
        let due = self.key_use_due(&claimed, stored.as_ref());
        let confirmed = Self::confirmed(claimed, stored)?;
        self.note_key_use(due).await;
        Ok(confirmed)
    }

    /// The service user whose key this call came with, when its use is to be written now.
    fn key_use_due(&self, claimed: &Claim, stored: Option<&crm_store::StoredUser>) -> Option<(Actor, i64)> {
        let key = stored.and_then(|s| s.key.as_ref()).filter(|_| claimed.api_key.is_some())?;
        let now = crm_domain::clock::Timestamp::now().unix_seconds();
        crm_domain::api_key::use_due(key.last_used, now, self.key_usage_seconds).then_some((claimed.actor, now))
    }

    /// Writes a confirmed key's use. A failure here is logged: the call itself went through.
    async fn note_key_use(&self, due: Option<(Actor, i64)>) {
        let Some((actor, now)) = due else { return };
        let since = now - self.key_usage_seconds;
        if let Err(error) = self.table.note_key_use(actor.tenant, actor.user, now, since.min(now)).await {
            tracing::warn!(%error, key = %actor.user, "an API key's use was not recorded");
        }
    }

    /// What a valid token claims, before the stored user confirms it.
    pub async fn claimed(&self, token: &str) -> Result<Claim, ApiError> {
        if token.starts_with(crm_domain::api_key::KEY_PREFIX) {
            return crate::api_keys::claim(token.trim());
        }
        let verifier = self.verifier().await;
        let Verified { subject, expires_at } =
            verifier.verify(token.trim()).ok_or(ApiError::Unauthorized("the token is invalid or expired"))?;
        let TokenSubject { tenant, user, role, generation } = subject;
        Ok(Claim { actor: Actor { tenant, user, role }, generation, expires_at, api_key: None })
    }

    /// The caller as the stored user has it now: the token's user must exist and be active, the token
    /// must be of the user's current session generation (not signed out everywhere since), an API key must
    /// be the one its service user holds (and a person's token never names a service user), and the role
    /// is the stored one, so a role change, deactivation or revocation applies to what was issued before.
    fn confirmed(claimed: Claim, stored: Option<crm_store::StoredUser>) -> Result<(Claim, User), ApiError> {
        match stored {
            Some(stored)
                if stored.user.is_active()
                    && claimed.generation >= stored.session_generation
                    && crate::api_keys::credential_matches(&claimed, &stored) =>
            {
                let actor = Actor { role: stored.user.role, ..claimed.actor };
                Ok((Claim { actor, ..claimed }, stored.user))
            }
            _ => Err(ApiError::Unauthorized("the token's user no longer has access")),
        }
    }

    /// Confirms the claimed caller while `read` runs as them, so a read of one record or one page takes
    /// one DynamoDB round trip, not two. The read's answer is used only once the stored user confirms the
    /// caller; if the role changed since the token was issued, the read runs again with the current role.
    pub async fn confirm_while<T, F>(&self, claimed: Claim, read: impl Fn(Actor) -> F) -> Result<(Actor, T), ApiError>
    where
        F: std::future::Future<Output = Result<T, ApiError>>,
    {
        self.confirm_asking_while(claimed, Asks::READ, read).await
    }

    /// [`App::confirm_while`] for a request that asks more of its account than a read (a write's
    /// read-only check): `read` may only read, and whatever the request writes comes after.
    pub async fn confirm_asking_while<T, F>(
        &self,
        claimed: Claim,
        asks: Asks,
        read: impl Fn(Actor) -> F,
    ) -> Result<(Actor, T), ApiError>
    where
        F: std::future::Future<Output = Result<T, ApiError>>,
    {
        let (stored, answer, admission) = tokio::join!(
            self.table.user(claimed.actor.tenant, claimed.actor.user),
            read(claimed.actor),
            self.admit(claimed.actor.tenant, asks)
        );
        let confirmed = stored.map_err(ApiError::from).and_then(|stored| {
            let due = self.key_use_due(&claimed, stored.as_ref());
            Self::confirmed(claimed, stored).map(|(claim, _)| (claim.actor, due))
        });
        let (actor, due) = self.admitted(confirmed, admission).await?;
        self.note_key_use(due).await;
        if actor.role == claimed.actor.role { Ok((actor, answer?)) } else { Ok((actor, read(actor).await?)) }
    }
}
