//! The OpenAPI 3.1 document, generated from the code: each route is declared here once with its request
//! and response types (which derive their schemas), and a test checks that these routes and
//! `template.yaml`'s are the same set.

#![allow(dead_code)]

use crate::handlers::auth_sign_in::{SignIn, SignedIn};
use crate::handlers::auth_sign_up::SignedUp;
use crate::handlers::channels_members_add::AddMembers;
use crate::handlers::dashboard::Dashboard;
use crate::handlers::dashboard_rebuild::Rebuilt;
use crate::handlers::integrations_google_authorize::Authorization;
use crate::handlers::integrations_google_sync::{SyncQueued, SyncRequest};
use crate::handlers::leads_convert::{Conversion, Converted};
use crate::handlers::presence_list::Presence;
use crate::http::PageBody;
use crate::integrations::{CreatedWebhook, GoogleView, SlackView, WebhookView};
use crate::problem::PROBLEM_JSON;
use crate::problem::Problem;
use crate::sessions::{RefreshRequest, TokenPair};
use crm_domain::activity::Activity;
use crm_domain::chat::{Channel, Membership, Message, NewChannel, SendMessage};
use crm_domain::customer::{Customer, CustomerPatch, NewCustomer};
use crm_domain::deal::{Deal, DealPatch, DealStage, NewDeal};
use crm_domain::lead::{Lead, LeadPatch, LeadStatus, NewLead};
use crm_domain::note::{Note, NoteBody};
use crm_domain::slack::SlackSetup;
use crm_domain::user::{NewUser, SignUp, User, UserPatch};
use crm_domain::webhook::{NewWebhookEndpoint, WebhookLead};
use crm_store::TagCount;
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// The problem answers every route can give, added to each operation here so the declarations below list
/// only their own: 400 everywhere (a bad parameter or header), 401 where a bearer token is required, and
/// 413, 415 and 422 where a JSON body is read.
struct CommonProblems;

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let problem = |description: &str| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
            RefOr::T(ResponseBuilder::new().description(description).content(PROBLEM_JSON, content).build())
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                let mut common =
                    vec![("400", "The request cannot be read (malformed JSON, a bad header or parameter)")];
                if operation.security.is_some() {
                    common.push(("401", "No valid bearer token"));
                }
                if operation.request_body.is_some() {
                    common.push(("413", "The body is larger than 64 KiB"));
                    common.push(("415", "The body must be JSON (Content-Type: application/json)"));
                    common.push(("422", "A field breaks the rules; `field` names it"));
                }
                for (status, description) in common {
                    operation.responses.responses.entry(status.to_owned()).or_insert_with(|| problem(description));
                }
            }
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some("An access token from POST /api/v1/auth/sign_in"))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/sign_up",
    tag = "auth",
    summary = "Open an account; its first user is an Admin, signed in",
    request_body(content = SignUp, example = json!({"account_name": "Acme Inc", "name": "Ada Lovelace", "email": "ada@acme.example", "password": "correct horse battery staple"})),
    responses((status = 201, description = "Success", body = SignedUp), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json")),
)]
fn auth_sign_up() {}

#[utoipa::path(
    post,
    path = "/api/v1/auth/sign_in",
    tag = "auth",
    summary = "Sign in with email and password",
    request_body(content = SignIn, example = json!({"email": "ada@acme.example", "password": "correct horse battery staple"})),
    responses((status = 200, description = "Success", body = SignedIn), (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json")),
)]
fn auth_sign_in() {}

#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "auth",
    summary = "Rotate a refresh token into a new token pair",
    request_body = RefreshRequest,
    responses((status = 200, description = "Success", body = TokenPair), (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json")),
)]
fn auth_refresh() {}

#[utoipa::path(
    post,
    path = "/api/v1/auth/sign_out",
    tag = "auth",
    summary = "End the session of a refresh token",
    request_body = RefreshRequest,
    responses((status = 204, description = "Done"), (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json")),
)]
fn auth_sign_out() {}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "users",
    summary = "The signed-in user",
    responses((status = 200, description = "Success", body = User)),
    security(("bearer" = [])),
)]
fn me() {}

#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "users",
    summary = "Add a user with a role (Admin)",
    request_body = NewUser,
    responses((status = 201, description = "Success", body = User), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn users_create() {}

#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    summary = "The account's users (Admin, Manager)",
    params(("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "Success", body = PageBody<User>), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn users_list() {}

#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    tag = "users",
    summary = "Rename, change the role of, or deactivate a user (Admin)",
    request_body = UserPatch,
    params(("id" = String, Path, description = "The record's id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed; a stale one answers 412")),
    responses((status = 200, description = "Success", body = User), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json"), (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn users_update() {}

#[utoipa::path(
    post,
    path = "/api/v1/leads",
    tag = "leads",
    summary = "Create a lead",
    request_body(content = NewLead, example = json!({"name": "Jonathan Smith", "email": "jon@example.com", "company": "Acme Corporation", "tags": ["vip"], "estimated_value": {"amount_minor": 1250000, "currency": "EUR"}})),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body return the first result")),
    responses((status = 201, description = "Success", body = Lead), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn leads_create() {}

#[utoipa::path(
    get,
    path = "/api/v1/leads",
    tag = "leads",
    summary = "Leads, newest first, filtered and paged",
    params(("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"), ("owner_id" = Option<String>, Query, description = "Only records of this owner"), ("tag" = Option<String>, Query, description = "Only records carrying this tag"), ("status" = Option<LeadStatus>, Query, description = "Only leads in this status")),
    responses((status = 200, description = "Success", body = PageBody<Lead>), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn leads_list() {}

#[utoipa::path(
    get,
    path = "/api/v1/leads/{id}",
    tag = "leads",
    summary = "One lead",
    params(("id" = String, Path, description = "The record's id")),
    responses((status = 200, description = "Success", body = Lead), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn leads_get() {}

#[utoipa::path(
    patch,
    path = "/api/v1/leads/{id}",
    tag = "leads",
    summary = "Change a lead (null clears a field)",
    request_body(content = LeadPatch, example = json!({"status": "qualified", "phone": null})),
    params(("id" = String, Path, description = "The record's id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed; a stale one answers 412")),
    responses((status = 200, description = "Success", body = Lead), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json"), (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn leads_update() {}

#[utoipa::path(
    delete,
    path = "/api/v1/leads/{id}",
    tag = "leads",
    summary = "Delete a lead (Admin, Manager)",
    params(("id" = String, Path, description = "The record's id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed; a stale one answers 412")),
    responses((status = 204, description = "Done"), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json"), (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn leads_delete() {}

#[utoipa::path(
    post,
    path = "/api/v1/leads/{id}/convert",
    tag = "leads",
    summary = "Convert a qualified lead into a customer (and a deal)",
    request_body = Conversion,
    params(("id" = String, Path, description = "The record's id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed; a stale one answers 412"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body return the first result")),
    responses((status = 201, description = "Success", body = Converted), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json"), (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn leads_convert() {}

#[utoipa::path(
    post,
    path = "/api/v1/customers",
    tag = "customers",
    summary = "Create a customer",
    request_body = NewCustomer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body return the first result")),
    responses((status = 201, description = "Success", body = Customer), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn customers_create() {}

#[utoipa::path(
    get,
    path = "/api/v1/customers",
    tag = "customers",
    summary = "Customers, newest first, filtered and paged",
    params(("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"), ("owner_id" = Option<String>, Query, description = "Only records of this owner"), ("tag" = Option<String>, Query, description = "Only records carrying this tag")),
    responses((status = 200, description = "Success", body = PageBody<Customer>), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn customers_list() {}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}",
    tag = "customers",
    summary = "One customer",
    params(("id" = String, Path, description = "The record's id")),
    responses((status = 200, description = "Success", body = Customer), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn customers_get() {}

#[utoipa::path(
    patch,
    path = "/api/v1/customers/{id}",
    tag = "customers",
    summary = "Change a customer (null clears a field)",
    request_body = CustomerPatch,
    params(("id" = String, Path, description = "The record's id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed; a stale one answers 412")),
    responses((status = 200, description = "Success", body = Customer), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json"), (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn customers_update() {}

#[utoipa::path(
    delete,
    path = "/api/v1/customers/{id}",
    tag = "customers",
    summary = "Delete a customer (Admin, Manager)",
    params(("id" = String, Path, description = "The record's id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed; a stale one answers 412")),
    responses((status = 204, description = "Done"), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json"), (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn customers_delete() {}

#[utoipa::path(
    post,
    path = "/api/v1/deals",
    tag = "deals",
    summary = "Create a deal",
    request_body(content = NewDeal, example = json!({"name": "Acme renewal", "customer_id": "01JDA5Y2ZK8Q3W4E5R6T7Y8V9K", "amount": {"amount_minor": 990000, "currency": "EUR"}, "expected_close_date": "2026-12-31"})),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body return the first result")),
    responses((status = 201, description = "Success", body = Deal), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn deals_create() {}

#[utoipa::path(
    get,
    path = "/api/v1/deals",
    tag = "deals",
    summary = "Deals, newest first, filtered and paged",
    params(("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"), ("owner_id" = Option<String>, Query, description = "Only records of this owner"), ("tag" = Option<String>, Query, description = "Only records carrying this tag"), ("stage" = Option<DealStage>, Query, description = "Only deals in this stage")),
    responses((status = 200, description = "Success", body = PageBody<Deal>), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn deals_list() {}

#[utoipa::path(
    get,
    path = "/api/v1/deals/{id}",
    tag = "deals",
    summary = "One deal",
    params(("id" = String, Path, description = "The record's id")),
    responses((status = 200, description = "Success", body = Deal), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn deals_get() {}

#[utoipa::path(
    patch,
    path = "/api/v1/deals/{id}",
    tag = "deals",
    summary = "Change a deal (null clears a field)",
    request_body = DealPatch,
    params(("id" = String, Path, description = "The record's id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed; a stale one answers 412")),
    responses((status = 200, description = "Success", body = Deal), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json"), (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn deals_update() {}

#[utoipa::path(
    delete,
    path = "/api/v1/deals/{id}",
    tag = "deals",
    summary = "Delete a deal (Admin, Manager)",
    params(("id" = String, Path, description = "The record's id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed; a stale one answers 412")),
    responses((status = 204, description = "Done"), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json"), (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn deals_delete() {}

#[utoipa::path(
    get,
    path = "/api/v1/{kind}/{id}/notes",
    tag = "notes",
    summary = "A record's notes, newest first",
    params(("kind" = String, Path, description = "leads, customers or deals"), ("id" = String, Path, description = "The record's id"), ("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "Success", body = PageBody<Note>), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn notes_list() {}

#[utoipa::path(
    post,
    path = "/api/v1/{kind}/{id}/notes",
    tag = "notes",
    summary = "Add a note to a lead, customer or deal",
    request_body = NoteBody,
    params(("kind" = String, Path, description = "leads, customers or deals"), ("id" = String, Path, description = "The record's id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body return the first result")),
    responses((status = 201, description = "Success", body = Note), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn notes_create() {}

#[utoipa::path(
    patch,
    path = "/api/v1/{kind}/{id}/notes/{note_id}",
    tag = "notes",
    summary = "Edit a note (its author, Admin, Manager)",
    request_body = NoteBody,
    params(("kind" = String, Path, description = "leads, customers or deals"), ("id" = String, Path, description = "The record's id"), ("note_id" = String, Path, description = "The note's id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed; a stale one answers 412")),
    responses((status = 200, description = "Success", body = Note), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json"), (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn notes_update() {}

#[utoipa::path(
    delete,
    path = "/api/v1/{kind}/{id}/notes/{note_id}",
    tag = "notes",
    summary = "Delete a note (its author, Admin, Manager)",
    params(("kind" = String, Path, description = "leads, customers or deals"), ("id" = String, Path, description = "The record's id"), ("note_id" = String, Path, description = "The note's id"), ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed; a stale one answers 412")),
    responses((status = 204, description = "Done"), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A conflict (taken email, concurrent change, already converted)", body = Problem, content_type = "application/problem+json"), (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn notes_delete() {}

#[utoipa::path(
    get,
    path = "/api/v1/{kind}/{id}/timeline",
    tag = "activity",
    summary = "A record's history, newest first",
    params(("kind" = String, Path, description = "leads, customers or deals"), ("id" = String, Path, description = "The record's id"), ("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "Success", body = PageBody<Activity>), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn record_timeline() {}

#[utoipa::path(
    get,
    path = "/api/v1/activity",
    tag = "activity",
    summary = "The account's activity log (Sales: its own actions)",
    params(("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "Success", body = PageBody<Activity>)),
    security(("bearer" = [])),
)]
fn activity_list() {}

#[utoipa::path(
    get,
    path = "/api/v1/tags",
    tag = "tags",
    summary = "Tags in use with counts per kind",
    params(("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "Success", body = PageBody<TagCount>)),
    security(("bearer" = [])),
)]
fn tags_list() {}

#[utoipa::path(
    get,
    path = "/api/v1/dashboard",
    tag = "dashboard",
    summary = "Lead and deal figures from pre-computed statistics",
    params(("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (default: 29 days before to)"), ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD (default: today)")),
    responses((status = 200, description = "Success", body = Dashboard)),
    security(("bearer" = [])),
)]
fn dashboard() {}

#[utoipa::path(
    post,
    path = "/api/v1/dashboard/rebuild",
    tag = "dashboard",
    summary = "Recompute the statistics from the records (Admin)",
    responses((status = 200, description = "Success", body = Rebuilt), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn dashboard_rebuild() {}

#[utoipa::path(
    post,
    path = "/api/v1/integrations/slack",
    tag = "integrations",
    summary = "Store the Slack webhook and events (Admin)",
    request_body = SlackSetup,
    responses((status = 200, description = "Success", body = SlackView), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn integrations_slack_put() {}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/slack",
    tag = "integrations",
    summary = "The Slack settings, URL masked (Admin)",
    responses((status = 200, description = "Success", body = SlackView), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn integrations_slack_get() {}

#[utoipa::path(
    delete,
    path = "/api/v1/integrations/slack",
    tag = "integrations",
    summary = "Stop Slack notifications (Admin)",
    responses((status = 204, description = "Done"), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn integrations_slack_delete() {}

#[utoipa::path(
    post,
    path = "/api/v1/integrations/webhooks",
    tag = "integrations",
    summary = "Create an inbound lead webhook endpoint; its secret is in this response only (Admin)",
    request_body = NewWebhookEndpoint,
    responses((status = 201, description = "Created", body = CreatedWebhook), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn integrations_webhooks_create() {}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/webhooks",
    tag = "integrations",
    summary = "The account's inbound lead webhook endpoints (Admin)",
    responses((status = 200, description = "Success", body = PageBody<WebhookView>), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn integrations_webhooks_list() {}

#[utoipa::path(
    delete,
    path = "/api/v1/integrations/webhooks/{id}",
    tag = "integrations",
    summary = "Revoke an inbound lead webhook endpoint (Admin)",
    params(("id" = String, Path, description = "The endpoint id")),
    responses((status = 204, description = "Done"), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn integrations_webhooks_delete() {}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/leads",
    tag = "webhooks",
    summary = "Receive a lead in the documented shape (token of a generic endpoint as Bearer or X-Webhook-Token; Idempotency-Key honoured)",
    request_body = WebhookLead,
    params(("X-Webhook-Token" = Option<String>, Header, description = "The endpoint's token, unless sent as a bearer token"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried delivery answer the first result")),
    responses((status = 201, description = "The lead created (a replay answers the first result)", body = Lead), (status = 401, description = "The token or signature is missing or wrong; nothing was written", body = Problem, content_type = "application/problem+json")),
)]
fn webhooks_leads() {}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/leads/zapier",
    tag = "webhooks",
    summary = "Receive a lead from a Zap: a flat JSON object mapped by the endpoint's field map (token as Bearer or X-Webhook-Token)",
    request_body = serde_json::Value,
    params(("X-Webhook-Token" = Option<String>, Header, description = "The endpoint's token, unless sent as a bearer token"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried delivery answer the first result")),
    responses((status = 201, description = "The lead created (a replay answers the first result)", body = Lead), (status = 401, description = "The token or signature is missing or wrong; nothing was written", body = Problem, content_type = "application/problem+json")),
)]
fn webhooks_leads_zapier() {}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/leads/typeform/{endpoint_id}",
    tag = "webhooks",
    summary = "Receive a Typeform response (Typeform-Signature: sha256= base64 HMAC-SHA256 of the body); a redelivered response creates nothing new",
    request_body = serde_json::Value,
    params(("endpoint_id" = String, Path, description = "The endpoint id from its URL"), ("Typeform-Signature" = String, Header, description = "sha256=<base64 HMAC-SHA256 of the raw body under the endpoint secret>")),
    responses((status = 201, description = "The lead created (a redelivery answers the first result)", body = Lead), (status = 401, description = "The token or signature is missing or wrong; nothing was written", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
)]
fn webhooks_leads_typeform() {}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/google/authorize",
    tag = "integrations",
    summary = "Start connecting the caller's Google account: the consent URL with a one-time state (10 minutes)",
    responses((status = 200, description = "Success", body = Authorization), (status = 409, description = "Conflicts with the current state (e.g. not connected, or not configured)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn integrations_google_authorize() {}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/google/callback",
    tag = "integrations",
    summary = "Google's redirect after consent: the code is exchanged and the refresh token stored sealed",
    params(("code" = Option<String>, Query, description = "The authorization code"), ("state" = String, Query, description = "The state from authorize"), ("error" = Option<String>, Query, description = "Set when the user declined")),
    responses((status = 200, description = "Connected", body = GoogleView), (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Conflicts with the current state (e.g. not connected, or not configured)", body = Problem, content_type = "application/problem+json")),
)]
fn integrations_google_callback() {}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/google",
    tag = "integrations",
    summary = "The caller's Google connection and how its syncs went",
    responses((status = 200, description = "Success", body = GoogleView), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn integrations_google_get() {}

#[utoipa::path(
    delete,
    path = "/api/v1/integrations/google",
    tag = "integrations",
    summary = "Disconnect the caller's Google account",
    responses((status = 204, description = "Done"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn integrations_google_delete() {}

#[utoipa::path(
    post,
    path = "/api/v1/integrations/google/sync",
    tag = "integrations",
    summary = "Queue a two-way sync of the caller's Google contacts",
    request_body = Option<SyncRequest>,
    responses((status = 202, description = "Queued", body = SyncQueued), (status = 409, description = "Conflicts with the current state (e.g. not connected, or not configured)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn integrations_google_sync() {}

#[utoipa::path(
    get,
    path = "/api/v1/channels",
    tag = "chat",
    summary = "The caller's channels with unread counts (scope=team: every team channel)",
    params(("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"), ("scope" = Option<String>, Query, description = "member (default) or team")),
    responses((status = 200, description = "Success", body = PageBody<Membership>)),
    security(("bearer" = [])),
)]
fn channels_list() {}

#[utoipa::path(
    post,
    path = "/api/v1/channels",
    tag = "chat",
    summary = "Create a team channel or a direct conversation",
    request_body = NewChannel,
    responses((status = 201, description = "Success", body = Channel)),
    security(("bearer" = [])),
)]
fn channels_create() {}

#[utoipa::path(
    post,
    path = "/api/v1/channels/{id}/members",
    tag = "chat",
    summary = "Add members to a team channel",
    request_body = AddMembers,
    params(("id" = String, Path, description = "The record's id")),
    responses((status = 204, description = "Done"), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn channels_members_add() {}

#[utoipa::path(
    get,
    path = "/api/v1/messages",
    tag = "chat",
    summary = "A channel's history, newest first",
    params(("channel" = String, Query, description = "The channel's id"), ("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "Success", body = PageBody<Message>), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn messages_list() {}

#[utoipa::path(
    post,
    path = "/api/v1/messages",
    tag = "chat",
    summary = "Send a message (as the WebSocket sendMessage)",
    request_body(content = SendMessage, example = json!({"channel_id": "01JDA5Y2ZK8Q3W4E5R6T7Y8V9C", "body": "Call Acme today?"})),
    responses((status = 201, description = "Success", body = Message), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn messages_create() {}

#[utoipa::path(
    get,
    path = "/api/v1/presence",
    tag = "chat",
    summary = "Who in the account is online",
    responses((status = 200, description = "Success", body = Presence)),
    security(("bearer" = [])),
)]
fn presence_list() {}

#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "search",
    summary = "Fuzzy search across leads, customers, deals and notes",
    params(("q" = String, Query, description = "What to look for; typos and prefixes match"), ("type" = Option<String>, Query, description = "lead, customer, deal or note"), ("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 25)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "Success", body = crm_search::SearchPage)),
    security(("bearer" = [])),
)]
fn search() {}

#[utoipa::path(
    post,
    path = "/api/v1/search/reindex",
    tag = "search",
    summary = "Rebuild the account's search documents from the table (Admin)",
    responses((status = 200, description = "Success", body = crate::handlers::search_reindex::Reindexed), (status = 403, description = "The caller's role may not do this", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])),
)]
fn search_reindex() {}

#[utoipa::path(
    get,
    path = "/api-docs/openapi.json",
    tag = "docs",
    summary = "This OpenAPI document",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")),
)]
fn openapi_json() {}

#[utoipa::path(
    get,
    path = "/api-docs",
    tag = "docs",
    summary = "Swagger UI",
    responses((status = 200, description = "Swagger UI", content_type = "text/html")),
)]
fn api_docs() {}

#[utoipa::path(
    get,
    path = "/api-docs/{file}",
    tag = "docs",
    summary = "Swagger UI's files",
    params(("file" = String, Path, description = "A file of Swagger UI")),
    responses((status = 200, description = "Swagger UI", content_type = "text/html"), (status = 404, description = "No such record in the caller's account", body = Problem, content_type = "application/problem+json")),
)]
fn api_docs_file() {}

#[derive(OpenApi)]
#[openapi(
    info(title = "Serverless CRM API", version = "1", description = "Leads, customers, deals, notes, activity, dashboard, chat and integrations. Errors are RFC 9457 problem details (application/problem+json) naming the offending field. Another account's records answer 404."),
    paths(auth_sign_up, auth_sign_in, auth_refresh, auth_sign_out, me, users_create, users_list, users_update, leads_create, leads_list, leads_get, leads_update, leads_delete, leads_convert, customers_create, customers_list, customers_get, customers_update, customers_delete, deals_create, deals_list, deals_get, deals_update, deals_delete, notes_list, notes_create, notes_update, notes_delete, record_timeline, activity_list, tags_list, dashboard, dashboard_rebuild, integrations_slack_put, integrations_slack_get, integrations_slack_delete, integrations_webhooks_create, integrations_webhooks_list, integrations_webhooks_delete, webhooks_leads, webhooks_leads_zapier, webhooks_leads_typeform, integrations_google_authorize, integrations_google_callback, integrations_google_get, integrations_google_delete, integrations_google_sync, channels_list, channels_create, channels_members_add, messages_list, messages_create, presence_list, search, search_reindex, openapi_json, api_docs, api_docs_file),
    modifiers(&BearerAuth, &CommonProblems),
    tags(
        (name = "auth", description = "Accounts, sign-in and tokens"),
        (name = "users", description = "Users and roles"),
        (name = "leads"), (name = "customers"), (name = "deals"),
        (name = "notes", description = "Notes on leads, customers and deals"),
        (name = "activity", description = "Timelines and the activity log"),
        (name = "tags"), (name = "dashboard"), (name = "integrations"),
        (name = "webhooks", description = "Leads pushed in by Typeform, Zapier and other tools"),
        (name = "chat", description = "Channels, messages and presence (live over the WebSocket API)"),
        (name = "search", description = "Fuzzy search over OpenSearch"),
        (name = "docs"),
    )
)]
struct ApiDoc;

/// The document, built once.
pub fn spec() -> &'static utoipa::openapi::OpenApi {
    static SPEC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    SPEC.get_or_init(ApiDoc::openapi)
}

/// The document as JSON, built once.
pub fn spec_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| spec().to_pretty_json().unwrap_or_default())
}

/// Every (method, path) the document declares, upper-case methods.
pub fn routes() -> Vec<(String, String)> {
    spec()
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PUT", item.put.is_some()),
            ];
            methods
                .into_iter()
                .filter(|(_, present)| *present)
                .map(move |(method, _)| (method.to_owned(), path.clone()))
        })
        .collect()
}
