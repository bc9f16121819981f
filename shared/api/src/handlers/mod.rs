//! One file per route, each handler with its documentation. Leads, customers and deals declare their
//! create, list, read, change and delete routes once (`record_routes!`) over `crate::records`.

#[macro_use]
mod record_routes;

pub mod activity_list;
pub mod api_docs;
pub mod auth_password_reset;
pub mod auth_password_reset_confirm;
pub mod auth_refresh;
pub mod auth_sign_in;
pub mod auth_sign_out;
pub mod auth_sign_out_everywhere;
pub mod auth_sign_up;
pub mod auth_verify_email;
pub mod channels_create;
pub mod channels_list;
pub mod channels_members_add;
pub mod customers;
pub mod dashboard;
pub mod dashboard_rebuild;
pub mod deals;
pub mod directory;
pub mod integrations_google_authorize;
pub mod integrations_google_callback;
pub mod integrations_google_delete;
pub mod integrations_google_get;
pub mod integrations_google_sync;
pub mod integrations_slack_delete;
pub mod integrations_slack_get;
pub mod integrations_slack_put;
pub mod integrations_webhooks_create;
pub mod integrations_webhooks_delete;
pub mod integrations_webhooks_list;
pub mod jobs_get;
pub mod leads;
pub mod leads_convert;
pub mod me;
pub mod me_password;
pub mod messages_create;
pub mod messages_list;
pub mod notes_create;
pub mod notes_delete;
pub mod notes_list;
pub mod notes_update;
pub mod openapi_json;
pub mod presence_list;
pub mod record_timeline;
pub mod search;
pub mod search_reindex;
pub mod tags_list;
pub mod users_create;
pub mod users_list;
pub mod users_update;
pub mod webhooks_leads;
pub mod webhooks_leads_typeform;
pub mod webhooks_leads_zapier;
