//! Subscriptions through Stripe: an Admin starts a Checkout session for a paid plan or opens the billing
//! portal; Stripe's webhooks, verified by their signature, move the account between plans — each event
//! once, and in the order of Stripe's own timestamps.

use crate::extract::{AppState, Caller, Json, RawBody};
use crate::problem::{ApiError, Problem};
use crate::stripe::{SignatureError, verify};
use axum::extract::State;
use crm_domain::billing::CheckoutRequest;
use crm_domain::clock::Timestamp;
use crm_domain::policy;
use crm_store::Applied;
use http::HeaderMap;
use serde::Serialize;

/// Where to send the Admin: Stripe's page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Redirect {
    pub url: String,
}

/// What became of a Stripe event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Received {
    /// `changed` (the account's plan or subscription moved), `replayed` (seen before), `stale` (older
    /// than the last event applied), or `ignored` (an event that changes no plan).
    pub outcome: String,
}

fn refused(error: crate::stripe::StripeError) -> ApiError {
    tracing::warn!(%error, "Stripe refused or could not be reached");
    ApiError::Internal(error.to_string())
}

fn settings_page(app: &crate::app::App) -> String {
    format!("{}/settings", app.web_app_url)
}

/// Start a Stripe Checkout session for a paid plan (Admin)
#[utoipa::path(post, operation_id = "billing_checkout", path = "/api/v1/billing/checkout", tag = "billing",
    request_body = CheckoutRequest,
    responses((status = 200, description = "Stripe's Checkout page for the plan", body = Redirect),
        (status = 409, description = "Billing is not configured on this deployment", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn checkout(
    State(app): AppState,
    caller: Caller,
    Json(request): Json<CheckoutRequest>,
) -> Result<Json<Redirect>, ApiError> {
    policy::manage_billing(&caller.actor)?;
    let plan = request.validate()?;
    let stripe = app.stripe()?;
    let usage = app.table.usage(caller.actor.tenant).await?;
    let url = stripe
        .checkout(caller.actor.tenant, plan, usage.customer.as_deref(), &settings_page(&app))
        .await
        .map_err(refused)?;
    Ok(Json(Redirect { url }))
}

/// Open Stripe's billing portal for the account's subscription (Admin)
#[utoipa::path(post, operation_id = "billing_portal", path = "/api/v1/billing/portal", tag = "billing",
    responses((status = 200, description = "Stripe's billing portal", body = Redirect),
        (status = 409, description = "The account has no subscription yet, or billing is not configured", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn portal(State(app): AppState, caller: Caller) -> Result<Json<Redirect>, ApiError> {
    policy::manage_billing(&caller.actor)?;
    let stripe = app.stripe()?;
    let usage = app.table.usage(caller.actor.tenant).await?;
    let customer = usage.customer.ok_or_else(|| ApiError::Conflict {
        detail: "the account has no subscription yet: start one with POST /api/v1/billing/checkout".into(),
        field: None,
    })?;
    let url = stripe.portal(&customer, &settings_page(&app)).await.map_err(refused)?;
    Ok(Json(Redirect { url }))
}

/// `Stripe-Signature`, as Stripe sends it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct StripeSignature {
    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
    #[param(rename = "Stripe-Signature")]
    pub signature: String,
}

/// Receive a Stripe event: verified by its signature, applied once, in order
#[utoipa::path(post, operation_id = "webhooks_stripe", path = "/api/v1/webhooks/stripe", tag = "billing",
    request_body = serde_json::Value, params(StripeSignature),
    responses((status = 200, description = "Received (applied, or seen before, or nothing to do)", body = Received),
        (status = 401, description = "The Stripe-Signature is missing, wrong or too old: nothing is read or changed", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "A signed body that is not a Stripe event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Billing is not configured on this deployment", body = Problem, content_type = "application/problem+json")),
    security(("stripe_signature" = [])))]
pub async fn webhook(State(app): AppState, headers: HeaderMap, body: RawBody) -> Result<Json<Received>, ApiError> {
    let body = body.limited()?;
    let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if header.trim().is_empty() {
        return Err(ApiError::Unauthorized("the Stripe-Signature header is missing"));
    }
    let (settings, secret) =
        app.stripe_settings().and_then(|s| Some((s, s.webhook_secret.as_deref()?))).ok_or_else(|| {
            ApiError::Conflict { detail: "billing is not configured on this deployment".into(), field: None }
        })?;
    verify(header, body, secret, Timestamp::now().unix_seconds()).map_err(|error| {
        let detail = match error {
            SignatureError::Stale => "the signature is too old (a replay?)",
            SignatureError::Malformed => "the Stripe-Signature header is missing or malformed",
            SignatureError::Mismatch => "the signature does not match",
        };
        ApiError::Unauthorized(detail)
    })?;
    let event: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| ApiError::bad_request("body", "the body is not a Stripe event"))?;
    let id = event["id"].as_str().ok_or_else(|| ApiError::bad_request("id", "the event has no id"))?;
    let Some(change) = crm_domain::billing::change_of(&event, &settings.prices) else {
        return Ok(Json(Received { outcome: "ignored".into() }));
    };
    let outcome = match app.table.apply_billing(&change, id).await? {
        Applied::Changed => "changed",
        Applied::Replayed => "replayed",
        Applied::Stale => "stale",
    };
    tracing::info!(tenant = %change.tenant, event = id, plan = ?change.plan, status = ?change.status, outcome, "Stripe event");
    Ok(Json(Received { outcome: outcome.into() }))
}
