//! Every route handler by its function's binary name: the one table both the deployed functions and
//! the local gateway take handlers from. `template.yaml` maps each binary to its route.

use crate::app::App;
use crate::handlers;
use crate::problem::ApiError;
use crate::records;
use crm_domain::customer::{Customer, CustomerPatch, NewCustomer};
use crm_domain::deal::{Deal, DealPatch, NewDeal};
use crm_domain::lead::{Lead, LeadPatch, NewLead};
use lambda_http::{Body, BoxFuture, Request, Response};

pub type Handler = for<'a> fn(&'a App, Request) -> BoxFuture<'a, Result<Response<Body>, ApiError>>;

macro_rules! routes {
    ($($name:ident => $handler:expr),* $(,)?) => {
        $(
            pub fn $name(app: &App, req: Request) -> BoxFuture<'_, Result<Response<Body>, ApiError>> {
                Box::pin($handler(app, req))
            }
        )*

        /// Binary names and their handlers.
        pub const ALL: &[(&str, Handler)] = &[$((stringify!($name), $name as Handler)),*];
    };
}

routes!(
    auth_sign_up => handlers::auth_sign_up::handle,
    auth_sign_in => handlers::auth_sign_in::handle,
    auth_refresh => handlers::auth_refresh::handle,
    auth_sign_out => handlers::auth_sign_out::handle,
    me => handlers::me::handle,
    users_create => handlers::users_create::handle,
    users_list => handlers::users_list::handle,
    users_update => handlers::users_update::handle,
    leads_create => records::create::<Lead, NewLead>,
    leads_list => records::list::<Lead>,
    leads_get => records::get::<Lead>,
    leads_update => records::update::<Lead, LeadPatch>,
    leads_delete => records::delete::<Lead>,
    leads_convert => handlers::leads_convert::handle,
    customers_create => records::create::<Customer, NewCustomer>,
    customers_list => records::list::<Customer>,
    customers_get => records::get::<Customer>,
    customers_update => records::update::<Customer, CustomerPatch>,
    customers_delete => records::delete::<Customer>,
    deals_create => records::create::<Deal, NewDeal>,
    deals_list => records::list::<Deal>,
    deals_get => records::get::<Deal>,
    deals_update => records::update::<Deal, DealPatch>,
    deals_delete => records::delete::<Deal>,
    notes_list => handlers::notes_list::handle,
    notes_create => handlers::notes_create::handle,
    notes_update => handlers::notes_update::handle,
    notes_delete => handlers::notes_delete::handle,
    record_timeline => handlers::record_timeline::handle,
    activity_list => handlers::activity_list::handle,
    tags_list => handlers::tags_list::handle,
    dashboard => handlers::dashboard::handle,
    dashboard_rebuild => handlers::dashboard_rebuild::handle,
    integrations_slack_put => handlers::integrations_slack_put::handle,
    integrations_slack_get => handlers::integrations_slack_get::handle,
    integrations_slack_delete => handlers::integrations_slack_delete::handle,
    integrations_webhooks_create => handlers::integrations_webhooks_create::handle,
    integrations_webhooks_list => handlers::integrations_webhooks_list::handle,
    integrations_webhooks_delete => handlers::integrations_webhooks_delete::handle,
    webhooks_leads => handlers::webhooks_leads::handle,
    webhooks_leads_zapier => handlers::webhooks_leads_zapier::handle,
    webhooks_leads_typeform => handlers::webhooks_leads_typeform::handle,
    integrations_google_authorize => handlers::integrations_google_authorize::handle,
    integrations_google_callback => handlers::integrations_google_callback::handle,
    integrations_google_get => handlers::integrations_google_get::handle,
    integrations_google_delete => handlers::integrations_google_delete::handle,
    integrations_google_sync => handlers::integrations_google_sync::handle,
    channels_list => handlers::channels_list::handle,
    channels_create => handlers::channels_create::handle,
    channels_members_add => handlers::channels_members_add::handle,
    messages_list => handlers::messages_list::handle,
    messages_create => handlers::messages_create::handle,
    presence_list => handlers::presence_list::handle,
    search => handlers::search::handle,
    search_reindex => handlers::search_reindex::handle,
    openapi_json => handlers::openapi_json::handle,
    api_docs => handlers::api_docs::handle,
);

pub fn by_name(name: &str) -> Option<Handler> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}
