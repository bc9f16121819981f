//! RFC 9457 problem details. Every error a route returns is one of these, with a stable `type`, the
//! status, and — where a field is at fault — the field's name.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use crm_domain::policy::Denied;
use crm_domain::validation::{FieldError, Invalid};
use crm_store::StoreError;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use std::sync::Arc;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be read at all: malformed JSON, a bad header or query parameter.
    #[error("{detail}")]
    BadRequest { detail: String, field: Option<String> },
    /// The request was understood but its fields break the rules.
    #[error("invalid fields")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// The record was merged into another: 404, with the survivor's id.
    #[error("this {} was merged into another; it is now /api/v1/{}/{into}", kind.entity(), kind.collection())]
    Merged { kind: crm_domain::RecordKind, into: String },
    /// A field names a record (a user, a customer, a lead) the caller's account does not have.
    #[error("{detail}")]
    MissingReference { field: String, detail: String },
    #[error("{detail}")]
    Conflict { detail: String, field: Option<String> },
    #[error("the record's version does not match If-Match")]
    PreconditionFailed,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    /// The account's plan allows no more of something; the problem names the limit and the plan that
    /// lifts it.
    #[error("{0}")]
    PlanLimit(crm_domain::plan::LimitReached),
    /// A payment failed and its grace period is over: the account may read but not write.
    #[error(
        "a payment failed and its grace period is over: the account is read-only until a payment succeeds (POST /api/v1/billing/portal)"
    )]
    ReadOnly,
    /// Asked again too soon; `retry_after` seconds until it may be asked again.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(field: &str, detail: impl Into<String>) -> Self {
        ApiError::BadRequest { detail: detail.into(), field: Some(field.to_owned()) }
    }

    /// A field names a record the account does not have (`field: <detail>`).
    pub fn missing(field: &str, detail: impl Into<String>) -> Self {
        ApiError::MissingReference { field: field.to_owned(), detail: format!("{field} {}", detail.into()) }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound | ApiError::Merged { .. } | ApiError::MissingReference { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PlanLimit(_) | ApiError::ReadOnly => StatusCode::PAYMENT_REQUIRED,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "bad-request",
            ApiError::Validation(_) => "validation-error",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound | ApiError::MissingReference { .. } => "not-found",
            ApiError::Merged { .. } => "merged",
            ApiError::Conflict { .. } => "conflict",
            ApiError::PlanLimit(_) => "plan-limit",
            ApiError::ReadOnly => "read-only",
            ApiError::PreconditionFailed => "precondition-failed",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::UnsupportedMediaType => "unsupported-media-type",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::Internal(_) => "internal-error",
        }
    }

    /// The problem document; `instance` is the request path.
    pub fn to_problem(&self, instance: &str) -> Problem {
        let status = self.status();
        let (detail, field, errors) = match self {
            ApiError::Validation(errors) => (
                errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
                errors.first().map(|e| e.field.clone()),
                errors.clone(),
            ),
            ApiError::BadRequest { field, .. } | ApiError::Conflict { field, .. } => {
                (self.to_string(), field.clone(), Vec::new())
            }
            ApiError::MissingReference { field, .. } => (self.to_string(), Some(field.clone()), Vec::new()),
            // Internal details go to the log, never to the caller.
            ApiError::Internal(_) => {
                ("the request could not be completed; it has been logged".to_owned(), None, Vec::new())
            }
            _ => (self.to_string(), None, Vec::new()),
        };
        let reached = match self {
            ApiError::PlanLimit(reached) => Some(reached),
            _ => None,
        };
        Problem {
            kind: format!("/problems/{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            instance: instance.to_owned(),
            field,
            errors,
            limit: reached.map(|r| r.counted),
            plan: reached.map(|r| r.plan),
            upgrade_to: reached.and_then(|r| r.lifted_by),
            merged_into: match self {
                ApiError::Merged { into, .. } => Some(into.clone()),
                _ => None,
            },
        }
    }

    /// The problem response for a request to `instance` (its path).
    pub fn render(&self, instance: &str) -> Response {
        let status = self.status();
        let body = serde_json::to_string(&self.to_problem(instance)).unwrap_or_default();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ApiError::TooManyRequests { retry_after, .. } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        response
    }
}

/// An error on its way out. Handlers and extractors answer errors without knowing the request; the
/// router's outer layer (`crate::router`) renders the problem document for the request's path and logs
/// server errors.
#[derive(Clone, Debug)]
pub struct Failure(pub Arc<ApiError>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(Failure(Arc::new(self)));
        response
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub instance: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a 402: the plan's limit that was reached, the account's plan, and the smallest plan that
    /// allows more (absent when none does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<crm_domain::plan::Counted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<crm_domain::plan::Plan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade_to: Option<crm_domain::plan::Plan>,
    /// For a 404 of a record merged into another (`type` `/problems/merged`): the id of the record it was
    /// merged into, at the same route.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub merged_into: Option<String>,
}

impl From<Invalid> for ApiError {
    fn from(Invalid(errors): Invalid) -> Self {
        // A value the record's state refuses is a conflict with the record, not a malformed request.
        match errors.iter().find(|e| e.conflict) {
            Some(conflict) => ApiError::Conflict {
                detail: format!("{}: {}", conflict.field, conflict.message),
                field: Some(conflict.field.clone()),
            },
            None => ApiError::Validation(errors),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        Invalid(vec![error]).into()
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Forbidden(why) => ApiError::Forbidden(why.to_owned()),
            Denied::Hidden => ApiError::NotFound,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::EmailTaken => ApiError::Conflict { detail: error.to_string(), field: Some("email".into()) },
            StoreError::VersionConflict => ApiError::Conflict { detail: error.to_string(), field: None },
            StoreError::NotFound => ApiError::NotFound,
            StoreError::UnknownOwner => {
                ApiError::MissingReference { field: "owner_id".into(), detail: error.to_string() }
            }
            StoreError::MissingReference(field) => {
                ApiError::MissingReference { field: field.to_owned(), detail: error.to_string() }
            }
            StoreError::BadCursor => ApiError::bad_request("cursor", error.to_string()),
            StoreError::PlanLimit(reached) => ApiError::PlanLimit(reached),
            StoreError::Replay(_) | StoreError::Duplicate | StoreError::Corrupt(_) | StoreError::Backend(_) => {
                ApiError::Internal(error.to_string())
            }
        }
    }
}

impl From<crm_core::CoreError> for ApiError {
    fn from(error: crm_core::CoreError) -> Self {
        match error {
            crm_core::CoreError::Invalid(invalid) => invalid.into(),
            crm_core::CoreError::Denied(denied) => denied.into(),
            crm_core::CoreError::NotFound => ApiError::NotFound,
            crm_core::CoreError::Merged { kind, into } => ApiError::Merged { kind, into: into.survivor_id },
            crm_core::CoreError::MissingReference { field, detail } => ApiError::missing(field, detail),
            crm_core::CoreError::PreconditionFailed => ApiError::PreconditionFailed,
            crm_core::CoreError::Conflict(detail) => ApiError::Conflict { detail, field: None },
            crm_core::CoreError::Store(store) => store.into(),
        }
    }
}

impl From<crm_chat::ChatError> for ApiError {
    fn from(error: crm_chat::ChatError) -> Self {
        match error {
            crm_chat::ChatError::NotFound => ApiError::NotFound,
            crm_chat::ChatError::Forbidden(why) => ApiError::Forbidden(why.to_owned()),
            crm_chat::ChatError::Invalid(invalid) => invalid.into(),
            crm_chat::ChatError::Store(store) => store.into(),
            crm_chat::ChatError::TooManyConnections(max) => {
                ApiError::TooManyRequests { detail: format!("at most {max} connections per user"), retry_after: 60 }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problems_name_every_field() {
        let error = ApiError::Validation(vec![FieldError::new("email", "bad"), FieldError::new("name", "empty")]);
        let problem = serde_json::to_value(error.to_problem("/api/v1/leads")).unwrap();
        assert_eq!(problem["type"], "/problems/validation-error");
        assert_eq!(problem["status"], 422);
        assert_eq!(problem["field"], "email");
        assert_eq!(problem["errors"][1]["field"], "name");
    }

    #[test]
    fn internal_details_stay_private() {
        let problem = ApiError::Internal("secret table name".into()).to_problem("/x");
        assert!(!problem.detail.contains("secret"));
        let response = ApiError::Unauthorized("no").render("/x");
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }

    #[test]
    fn hidden_records_look_missing() {
        assert!(matches!(ApiError::from(Denied::Hidden), ApiError::NotFound));
    }
}
