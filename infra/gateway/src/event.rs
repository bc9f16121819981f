//! The API Gateway HTTP API (payload format 2.0) event for a request, as API Gateway would send it.

use crate::routing::{Matched, percent_decode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use time::OffsetDateTime;
use time::macros::format_description;

pub struct Incoming<'a> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub remote: SocketAddr,
    pub request_id: &'a str,
}

fn query_parameters(raw_query: &str) -> Map<String, Value> {
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| percent_decode(&s.replace('+', " "));
        values.entry(decode(name)).or_default().push(decode(value));
    }
    values.into_iter().map(|(k, v)| (k, Value::String(v.join(",")))).collect()
}

pub fn http_api_event(request: &Incoming<'_>, matched: &Matched<'_>) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for name in request.headers.keys() {
        let values: Vec<&str> = request.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        if name == http::header::COOKIE {
            cookies.extend(
                values.iter().flat_map(|v| v.split(';')).map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
            );
        } else {
            headers.insert(name.as_str().to_owned(), Value::String(values.join(",")));
        }
    }
    // API Gateway tells functions the scheme the client used; locally that is plain HTTP.
    headers.insert("x-forwarded-proto".into(), Value::String("http".into()));
    let host = request.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let user_agent = request.headers.get(http::header::USER_AGENT).and_then(|h| h.to_str().ok()).unwrap_or("");
    let now = OffsetDateTime::now_utc();
    let time = now
        .format(format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"))
        .unwrap_or_default();
    let route_key = matched.route.route_key();
    let (body, is_base64) = match std::str::from_utf8(request.body) {
        _ if request.body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_owned()), false),
        Err(_) => (Value::String(STANDARD.encode(request.body)), true),
    };
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or(host),
            "http": {
                "method": request.method,
                "path": request.raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.remote.ip().to_string(),
                "userAgent": user_agent,
            },
            "requestId": request.request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": time,
            "timeEpoch": now.unix_timestamp_nanos() / 1_000_000,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    let query = query_parameters(request.raw_query);
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !matched.path_parameters.is_empty() {
        event["pathParameters"] = json!(matched.path_parameters);
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::HttpRoute;

    #[test]
    fn builds_a_payload_v2_event() {
        let route = HttpRoute {
            function: "F".into(),
            binary: "leads_get".into(),
            method: "GET".into(),
            path: "/api/v1/leads/{id}".into(),
            issues_tokens: false,
            timeout_seconds: 10,
        };
        let matched = Matched { route: &route, path_parameters: [("id".to_owned(), "L1".to_owned())].into() };
        let mut headers = HeaderMap::new();
        headers.append("x-a", "1".parse().unwrap());
        headers.append("x-a", "2".parse().unwrap());
        headers.append("cookie", "a=1; b=2".parse().unwrap());
        let incoming = Incoming {
            method: "GET",
            raw_path: "/api/v1/leads/L1",
            raw_query: "tag=hot+lead&tag=vip&x=%2F",
            headers: &headers,
            body: b"",
            remote: "127.0.0.1:5000".parse().unwrap(),
            request_id: "r1",
        };
        let event = http_api_event(&incoming, &matched);
        assert_eq!(event["routeKey"], "GET /api/v1/leads/{id}");
        assert_eq!(event["headers"]["x-a"], "1,2");
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        assert_eq!(event["queryStringParameters"]["tag"], "hot lead,vip");
        assert_eq!(event["queryStringParameters"]["x"], "/");
        assert_eq!(event["pathParameters"]["id"], "L1");
        assert_eq!(event["body"], Value::Null);
        let parsed: lambda_http::request::LambdaRequest = serde_json::from_value(event).unwrap();
        assert!(matches!(parsed, lambda_http::request::LambdaRequest::ApiGatewayV2(_)));
    }
}
