//! A handler's typed inputs. Each extractor checks its part of the request once, here, and refuses it with
//! the same problem documents everywhere: the caller (bearer token and stored user), a strict JSON body, a
//! strict query, typed path ids, `If-Match` and `Idempotency-Key`.

use crate::app::{App, Claim};
use crate::idempotency::IdempotentRequest;
use crate::problem::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use crm_domain::Actor;
use crm_domain::user::User;
use crm_store::PageRequest;
use http::request::Parts;
use http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What every handler is given: the clients built once at init.
pub type AppState = axum::extract::State<Arc<App>>;

/// Largest JSON body any route accepts; API Gateway would allow 10 MB, no CRM record needs more than this.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
pub const DEFAULT_PAGE_SIZE: usize = 25;
pub const MAX_PAGE_SIZE: usize = 100;

/// The request body as API Gateway delivered it (already whole in the event). The router keeps it before
/// any handler runs, so the JSON reader, the idempotency key's body hash and a webhook's signature check
/// all see the same bytes.
#[derive(Clone, Debug, Default)]
pub struct RawBody(pub Bytes);

impl RawBody {
    fn of(parts: &Parts) -> Bytes {
        parts.extensions.get::<RawBody>().map(|b| b.0.clone()).unwrap_or_default()
    }

    /// The body, refused over the size limit before anything reads it.
    pub fn limited(&self) -> Result<&[u8], ApiError> {
        if self.0.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
        }
        Ok(&self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(RawBody(RawBody::of(parts)))
    }
}

/// The bearer token of the `Authorization` header.
pub fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(header::AUTHORIZATION).ok_or(ApiError::Unauthorized("a bearer token is required"))?;
    value
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .ok_or(ApiError::Unauthorized("the Authorization header must be `Bearer <token>`"))
}

/// The signed-in caller: a valid bearer token whose user still exists and is active, with the role the
/// stored user has now, whose account admits the request (within its plan's rates; not read-only, for a
/// write).
#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: Actor,
    pub user: User,
}

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        Caller::asking(app, &parts.headers, crate::app::Asks::of(&parts.method, parts.uri.path())).await
    }
}

impl Caller {
    /// The caller, admitted by its account for what the request `asks` (a route that knows only from its
    /// body whether it writes or searches: GraphQL).
    pub async fn asking(app: &App, headers: &http::HeaderMap, asks: crate::app::Asks) -> Result<Self, ApiError> {
        let claimed = app.claimed(bearer(headers)?).await?;
        let (confirmed, admission) = tokio::join!(app.confirm(claimed), app.admit(claimed.actor.tenant, asks));
        let (claim, user) = app.admitted(confirmed, admission).await?;
        Ok(Caller { actor: claim.actor, user })
    }
}

/// Whether a request writes what a read-only account may not: any write but paying (billing), signing in
/// and out, the caller's own inbox and preferences, taking a copy of what the account holds (exports and
/// PDFs: an account that stopped paying can still take its data away); GraphQL asks by its document.
pub(crate) fn writes_held_by_billing(method: &http::Method, path: &str) -> bool {
    let reads = [http::Method::GET, http::Method::HEAD, http::Method::OPTIONS];
    let exempt = [
        "/api/v1/billing/",
        "/api/v1/auth/",
        "/api/v1/notifications",
        "/api/v1/me/password",
        "/api/v1/exports",
        "/api/v1/graphql",
    ];
    let copies = path.ends_with("/pdf");
    !reads.contains(method) && !copies && !exempt.iter().any(|prefix| path.starts_with(prefix))
}

/// The caller a valid token claims to be, before the stored user confirms it: for reads that run while
/// the user is checked (`App::confirm_while`), so one record or one page costs one round trip.
#[derive(Clone, Copy, Debug)]
pub struct Claimed(pub Claim);

impl FromRequestParts<Arc<App>> for Claimed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        app.claimed(bearer(&parts.headers)?).await.map(Claimed)
    }
}

/// The caller a valid token claims to be, with what the request asks of its account: for a write that reads
/// what it needs while the caller is confirmed and admitted (`App::confirm_asking_while`), and writes only
/// after.
#[derive(Clone, Copy, Debug)]
pub struct ClaimedAsking {
    pub claim: Claim,
    pub asks: crate::app::Asks,
}

impl FromRequestParts<Arc<App>> for ClaimedAsking {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let claim = app.claimed(bearer(&parts.headers)?).await?;
        Ok(ClaimedAsking { claim, asks: crate::app::Asks::of(&parts.method, parts.uri.path()) })
    }
}

/// A JSON body (`application/json` or `application/*+json`) read into `T`, whose unknown fields are
/// refused: malformed JSON is a 400, JSON of the wrong shape a 422 naming the field.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let (parts, _) = req.into_parts();
        json_body(&parts.headers, &RawBody::of(&parts)).map(Json)
    }
}

/// An optional JSON body: absent (empty) or JSON `null` is `None`, anything else must read as `T`.
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Option<Self>, ApiError> {
        let (parts, _) = req.into_parts();
        let bytes = RawBody::of(&parts);
        let text = bytes.trim_ascii();
        if text.is_empty() || text == b"null" {
            return Ok(None);
        }
        json_body(&parts.headers, &bytes).map(|v| Some(Json(v)))
    }
}

/// Reads a JSON body into `T`, naming the field at fault.
pub fn json_body<T: DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> Result<T, ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media_type != "application/json" && !(media_type.starts_with("application/") && media_type.ends_with("+json")) {
        return Err(ApiError::UnsupportedMediaType);
    }
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest { detail: "a JSON request body is required".into(), field: None });
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::BadRequest { detail: "the request body is not valid UTF-8".into(), field: None })?;
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| ApiError::BadRequest { detail: format!("malformed JSON: {e}"), field: None })?;
    serde_path_to_error::deserialize(crate::strict::Strict(value)).map_err(|error| {
        let path = error.path().to_string();
        let message = strip_position(&error.into_inner().to_string());
        ApiError::invalid(if path == "." { "body" } else { &path }, message)
    })
}

/// serde appends " at line L column C", which says nothing to an API user once the field is named.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// The query string read into `T` (a struct that refuses unknown fields): an unknown, repeated or
/// unreadable parameter is a 400 naming it.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let pairs = query_pairs(parts.uri.query().unwrap_or(""))?;
        parse_query(&pairs).map(Query)
    }
}

/// The filters `F` of a list route with its page: `limit` (1 to 100, default 25) and `cursor`.
#[derive(Debug)]
pub struct Listed<F = NoFilters> {
    pub filters: F,
    pub page: PageRequest,
}

/// A list without filters.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFilters {}

impl<F: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Listed<F> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let (paging, filters): (Vec<_>, Vec<_>) = query_pairs(parts.uri.query().unwrap_or(""))?
            .into_iter()
            .partition(|(name, _)| name == "limit" || name == "cursor");
        let value = |name: &str| paging.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let limit = match value("limit") {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => text.parse().ok().filter(|n| (1..=MAX_PAGE_SIZE).contains(n)).ok_or_else(|| {
                ApiError::bad_request("limit", format!("`limit` must be a whole number from 1 to {MAX_PAGE_SIZE}"))
            })?,
        };
        let cursor = value("cursor").filter(|c| !c.is_empty()).map(str::to_owned);
        Ok(Listed { filters: parse_query(&filters)?, page: PageRequest { limit, cursor } })
    }
}

fn query_pairs(raw: &str) -> Result<Vec<(String, String)>, ApiError> {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(raw.as_bytes()).map(|(n, v)| (n.into_owned(), v.into_owned())).collect();
    let mut seen = BTreeSet::new();
    for (name, _) in &pairs {
        if !seen.insert(name.as_str()) {
            return Err(ApiError::bad_request(name, format!("`{name}` may be given once")));
        }
    }
    Ok(pairs)
}

fn parse_query<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, ApiError> {
    let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = strip_position(&error.into_inner().to_string());
        if let Some((name, _)) = message.strip_prefix("unknown field `").and_then(|rest| rest.split_once('`')) {
            let known = message.split_once(", ").map_or(String::new(), |(_, expected)| format!("; {expected}"));
            return ApiError::bad_request(name, format!("unknown query parameter `{name}`{known}"));
        }
        let field = if path != "." { path } else { message.split('`').nth(1).unwrap_or("query").to_owned() };
        ApiError::bad_request(&field, format!("`{field}`: {message}"))
    })
}

/// Path parameters read into `T` (an id, or a struct of them): anything that cannot be one names no
/// record, so it is a 404 like a missing one.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await.map_err(|_| ApiError::NotFound)?;
        Ok(Path(value))
    }
}

/// The version an `If-Match` header names (`"3"`, `W/"3"` or `3`), if the client sent one.
#[derive(Clone, Copy, Debug)]
pub struct IfMatch(pub Option<u64>);

impl IfMatch {
    /// Refuses a change of `current` when the client expected another version.
    pub fn check(self, current: u64) -> Result<(), ApiError> {
        match self.0 {
            Some(expected) if expected != current => Err(ApiError::PreconditionFailed),
            _ => Ok(()),
        }
    }

    /// A commit that lost a race: with `If-Match` the client's precondition failed, without it the
    /// caller is told of the conflict.
    pub fn lost_race(self, error: crm_store::StoreError) -> ApiError {
        match error {
            crm_store::StoreError::VersionConflict if self.0.is_some() => ApiError::PreconditionFailed,
            other => other.into(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else { return Ok(IfMatch(None)) };
        parse_if_match(value.to_str().unwrap_or(""))
            .map(|v| IfMatch(Some(v)))
            .ok_or_else(|| ApiError::bad_request("If-Match", "If-Match must be the record's ETag, like \"3\""))
    }
}

/// What `If-Match` accepts: a version as the ETag gives it (`"3"`, weak `W/"3"`) or bare (`3`).
pub const IF_MATCH_PATTERN: &str = "^(W/)?\"[0-9]{1,19}\"$|^[0-9]{1,19}$";

fn parse_if_match(text: &str) -> Option<u64> {
    let digits = match text.strip_prefix("W/").unwrap_or(text).strip_prefix('"') {
        Some(quoted) => quoted.strip_suffix('"')?,
        None if !text.starts_with("W/") => text,
        None => return None,
    };
    let valid = (1..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| digits.parse().ok()).flatten()
}

/// What `Idempotency-Key` accepts: 1 to 255 visible ASCII characters.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The `Idempotency-Key` header with a hash of the body, if the client sent one.
#[derive(Clone, Debug)]
pub struct IdempotencyKey(pub Option<IdempotentRequest>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        IdempotentRequest::from_parts(&parts.headers, &RawBody::of(parts)).map(IdempotencyKey)
    }
}

/// The address the request came from, as API Gateway saw it (the TCP peer locally).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let address = match parts.extensions.get::<lambda_http::request::RequestContext>() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
            _ => None,
        };
        Ok(ClientAddress(address.unwrap_or_else(|| "unknown".to_owned())))
    }
}

/// How the extractors appear in the OpenAPI document, so a handler's `params(…)` names the extractor it
/// takes and the document states exactly what the extractor accepts.
mod documented {
    use super::*;
    use utoipa::IntoParams;
    use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{Required, Schema};

    fn parameter(name: &str, place: ParameterIn, description: &str, schema: ObjectBuilder) -> Parameter {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(place)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(Schema::Object(schema.build())))
            .build()
    }

    impl IntoParams for IfMatch {
        fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
            let schema = ObjectBuilder::new().schema_type(Type::String).pattern(Some(IF_MATCH_PATTERN));
            vec![parameter(
                "If-Match",
                ParameterIn::Header,
                "The ETag of the version being changed (`\"3\"`); a stale one answers 412",
                schema.examples(["\"1\""]),
            )]
        }
    }

    impl IntoParams for IdempotencyKey {
        fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
            let schema = ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(MAX_IDEMPOTENCY_KEY))
                .pattern(Some(IDEMPOTENCY_KEY_PATTERN));
            vec![parameter(
                crate::idempotency::HEADER,
                ParameterIn::Header,
                "Retries with the same key and body answer the first result",
                schema,
            )]
        }
    }

    impl<F: IntoParams> IntoParams for Listed<F> {
        fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
            let limit = ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(MAX_PAGE_SIZE as u32))
                .default(Some(DEFAULT_PAGE_SIZE.into()));
            let cursor = ObjectBuilder::new().schema_type(Type::String);
            let mut params = vec![
                parameter("limit", ParameterIn::Query, "Page size", limit),
                parameter("cursor", ParameterIn::Query, "`next_cursor` of the previous page", cursor),
            ];
            params.extend(F::into_params(|| Some(ParameterIn::Query)));
            params
        }
    }

    impl IntoParams for NoFilters {
        fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        name: String,
        nested: Option<Nested>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Nested {
        amount: i64,
    }

    fn read(content_type: &str, body: &[u8]) -> Result<Input, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        json_body(&headers, body)
    }

    fn field_of<T: std::fmt::Debug>(result: Result<T, ApiError>) -> (u16, Option<String>) {
        let problem = result.unwrap_err().to_problem("/");
        (problem.status, problem.field)
    }

    #[test]
    fn reads_json_and_names_the_bad_field() {
        assert!(read("application/json; charset=utf-8", br#"{"name":"a"}"#).is_ok());
        assert_eq!(field_of(read("application/json", br#"{"name":1}"#)), (422, Some("name".into())));
        assert_eq!(
            field_of(read("application/json", br#"{"name":"a","nested":{"amount":"x"}}"#)),
            (422, Some("nested.amount".into()))
        );
        assert_eq!(field_of(read("application/json", br#"{"name":"a","extra":1}"#)), (422, Some("extra".into())));
        assert_eq!(field_of(read("application/json", br#"{}"#)).0, 422);
    }

    #[test]
    fn refuses_what_is_not_json() {
        assert_eq!(field_of(read("application/json", br#"{"name":"a""#)).0, 400);
        assert_eq!(field_of(read("application/json", br#"{"name":"a"} trailing"#)).0, 400);
        assert_eq!(field_of(read("application/json", b"")).0, 400);
        assert_eq!(field_of(read("text/plain", br#"{"name":"a"}"#)).0, 415);
        let huge = format!(r#"{{"name":"{}"}}"#, "a".repeat(MAX_BODY_BYTES));
        assert_eq!(field_of(read("application/json", huge.as_bytes())).0, 413);
        assert_eq!(field_of(read("application/json", &[0xff, 0xfe])).0, 400);
    }

    #[test]
    fn deep_json_is_refused_not_overflowed() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let status = field_of(read("application/json", deep.as_bytes())).0;
        assert!((400..500).contains(&status), "{status}");
        let deep_field = format!(r#"{{"name":"a","nested":{}{}}}"#, "{\"a\":".repeat(50_000), "}".repeat(50_000));
        let status = field_of(read("application/json", deep_field.as_bytes())).0;
        assert!((400..500).contains(&status), "{status}");
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Filters {
        status: Option<String>,
        count: Option<u32>,
    }

    fn query(raw: &str) -> Result<Filters, ApiError> {
        parse_query(&query_pairs(raw)?)
    }

    #[test]
    fn queries_refuse_unknown_repeated_and_unreadable_parameters() {
        assert!(query("status=new&count=3").is_ok());
        assert!(query("").is_ok());
        assert_eq!(field_of(query("foo=1")), (400, Some("foo".into())));
        assert_eq!(field_of(query("status=a&status=b")), (400, Some("status".into())));
        assert_eq!(field_of(query("count=many")), (400, Some("count".into())));
    }

    #[test]
    fn if_match_takes_exactly_what_the_document_says() {
        assert_eq!(parse_if_match("\"3\""), Some(3));
        assert_eq!(parse_if_match("W/\"3\""), Some(3));
        assert_eq!(parse_if_match("3"), Some(3));
        for refused in ["", "null", "\"3", "3\"", "W/3", "-1", "\"\"", "12345678901234567890", "+3", " 3"] {
            assert_eq!(parse_if_match(refused), None, "{refused}");
        }
    }
}
