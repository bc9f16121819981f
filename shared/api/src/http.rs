//! Reading typed input from a request and writing JSON responses.

use crate::problem::ApiError;
use crm_store::PageRequest;
use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest JSON body any route accepts; API Gateway would allow 10 MB, no CRM record needs more than this.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
pub const DEFAULT_PAGE_SIZE: usize = 25;
pub const MAX_PAGE_SIZE: usize = 100;

/// Parses the JSON body into `T`, naming the field at fault: malformed JSON is a 400, JSON of the wrong
/// shape (missing, unknown or mistyped fields) a 422.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media_type != "application/json" && !(media_type.starts_with("application/") && media_type.ends_with("+json")) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes: &[u8] = match req.body() {
        Body::Empty => b"",
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => b"",
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest { detail: "a JSON request body is required".into(), field: None });
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::BadRequest { detail: "the request body is not valid UTF-8".into(), field: None })?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let field = (path != ".").then_some(path);
        match inner.classify() {
            serde_json::error::Category::Data => match field {
                Some(field) => ApiError::invalid(&field, strip_position(&inner.to_string())),
                None => ApiError::invalid("body", strip_position(&inner.to_string())),
            },
            _ => ApiError::BadRequest { detail: format!("malformed JSON: {inner}"), field: None },
        }
    })?;
    deserializer.end().map_err(|e| ApiError::BadRequest { detail: format!("malformed JSON: {e}"), field: None })?;
    Ok(value)
}

/// serde_json appends " at line L column C", which says nothing to an API user once the field is named.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// A path parameter that must be an id; anything that cannot be an id names no record: 404.
pub fn path_id<T>(req: &Request, name: &str, parse: fn(&str) -> Option<T>) -> Result<T, ApiError> {
    req.path_parameters_ref().and_then(|p| p.first(name)).and_then(parse).ok_or(ApiError::NotFound)
}

/// A single-valued query parameter.
pub fn query_param(req: &Request, name: &str) -> Result<Option<String>, ApiError> {
    let params = req.query_string_parameters_ref();
    let Some(values) = params.and_then(|p| p.all(name)) else { return Ok(None) };
    match values.as_slice() {
        [one] => Ok(Some((*one).to_owned())),
        _ => Err(ApiError::bad_request(name, format!("`{name}` may be given once"))),
    }
}

/// Rejects query parameters a route does not know, so a typo in a filter is not silently ignored.
pub fn only_query_params(req: &Request, known: &[&str]) -> Result<(), ApiError> {
    let unknown = req
        .query_string_parameters_ref()
        .and_then(|p| p.iter().find(|(name, _)| !known.contains(name)).map(|(n, _)| n.to_owned()));
    if let Some(name) = unknown {
        return Err(ApiError::bad_request(
            &name,
            format!("unknown query parameter `{name}`; this route takes {}", known.join(", ")),
        ));
    }
    Ok(())
}

/// `limit` (1..=100, default 25) and `cursor`.
pub fn page_request(req: &Request) -> Result<PageRequest, ApiError> {
    let limit = match query_param(req, "limit")? {
        None => DEFAULT_PAGE_SIZE,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(
                    "limit",
                    format!("`limit` must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                ));
            }
        },
    };
    let cursor = query_param(req, "cursor")?.filter(|c| !c.is_empty());
    Ok(PageRequest { limit, cursor })
}

/// The `If-Match` version, if the client sent one: `"3"`, `W/"3"` or `3`.
pub fn if_match(req: &Request) -> Result<Option<u64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or("").trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse()
        .map(Some)
        .map_err(|_| ApiError::bad_request("If-Match", "If-Match must be the record's ETag, like \"3\""))
}

pub fn header_text<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Response<Body>, ApiError> {
    let body = serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(json_text(status, body))
}

pub fn json_text(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A JSON record with its version as a strong ETag, for `If-Match` on later changes.
pub fn versioned<T: Serialize>(status: StatusCode, value: &T, version: u64) -> Result<Response<Body>, ApiError> {
    let mut response = json(status, value)?;
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

pub fn no_content() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// A cursor-paged list route: the caller is authenticated while `read` fetches the page as the caller
/// the token claims (one DynamoDB round trip; see `App::authenticate_with`), with the query parameters
/// `limit`, `cursor` and `extra` checked first.
pub async fn paged<T, F>(
    app: &crate::app::App,
    req: &Request,
    extra: &[&str],
    read: impl Fn(crm_domain::Actor, PageRequest) -> F,
) -> Result<Response<Body>, ApiError>
where
    T: Serialize,
    F: std::future::Future<Output = Result<crm_store::Page<T>, ApiError>>,
{
    let known: Vec<&str> = ["limit", "cursor"].iter().chain(extra).copied().collect();
    let (_, page) = app
        .authenticate_with(req, async |actor| {
            only_query_params(req, &known)?;
            read(actor, page_request(req)?).await
        })
        .await?;
    json(StatusCode::OK, &PageBody::from(page))
}

/// A list page as every list route answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageBody<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> From<crm_store::Page<T>> for PageBody<T> {
    fn from(page: crm_store::Page<T>) -> Self {
        PageBody { items: page.items, next_cursor: page.next_cursor }
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

    fn request(content_type: &str, body: &str) -> Request {
        http::Request::builder().header(header::CONTENT_TYPE, content_type).body(Body::Text(body.to_owned())).unwrap()
    }

    fn field_of(result: Result<Input, ApiError>) -> (u16, Option<String>) {
        let error = result.unwrap_err();
        let problem = error.to_problem("/");
        (problem.status, problem.field)
    }

    #[test]
    fn reads_json_and_names_the_bad_field() {
        assert!(json_body::<Input>(&request("application/json; charset=utf-8", r#"{"name":"a"}"#)).is_ok());
        assert_eq!(field_of(json_body(&request("application/json", r#"{"name":1}"#))), (422, Some("name".into())));
        assert_eq!(
            field_of(json_body(&request("application/json", r#"{"name":"a","nested":{"amount":"x"}}"#))),
            (422, Some("nested.amount".into()))
        );
        assert_eq!(
            field_of(json_body(&request("application/json", r#"{"name":"a","extra":1}"#))),
            (422, Some("extra".into()))
        );
        assert_eq!(field_of(json_body(&request("application/json", r#"{}"#))).0, 422);
    }

    #[test]
    fn refuses_what_is_not_json() {
        assert_eq!(field_of(json_body(&request("application/json", r#"{"name":"a""#))).0, 400);
        assert_eq!(field_of(json_body(&request("application/json", r#"{"name":"a"} trailing"#))).0, 400);
        assert_eq!(field_of(json_body(&request("application/json", ""))).0, 400);
        assert_eq!(field_of(json_body(&request("text/plain", r#"{"name":"a"}"#))).0, 415);
        let huge = format!(r#"{{"name":"{}"}}"#, "a".repeat(MAX_BODY_BYTES));
        assert_eq!(field_of(json_body(&request("application/json", &huge))).0, 413);
        let binary = http::Request::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::Binary(vec![0xff, 0xfe]))
            .unwrap();
        assert_eq!(field_of(json_body(&binary)).0, 400);
    }

    #[test]
    fn deep_json_is_refused_not_overflowed() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let status = field_of(json_body(&request("application/json", &deep))).0;
        assert!((400..500).contains(&status), "{status}");
        let deep_field = format!(r#"{{"name":"a","nested":{}{}}}"#, "{\"a\":".repeat(50_000), "}".repeat(50_000));
        let status = field_of(json_body(&request("application/json", &deep_field))).0;
        assert!((400..500).contains(&status), "{status}");
    }
}
