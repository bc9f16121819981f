//! Every route handler by its function's binary name: the one table both the deployed functions and
//! the local gateway take handlers from. `template.yaml` maps each binary to its route.

use crate::app::App;
use crate::handlers;
use crate::problem::ApiError;
use lambda_http::{Body, BoxFuture, Request, Response};

pub type Handler = for<'a> fn(&'a App, Request) -> BoxFuture<'a, Result<Response<Body>, ApiError>>;

macro_rules! routes {
    ($($name:ident),* $(,)?) => {
        $(
            pub fn $name(app: &App, req: Request) -> BoxFuture<'_, Result<Response<Body>, ApiError>> {
                Box::pin(handlers::$name::handle(app, req))
            }
        )*

        /// Binary names and their handlers.
        pub const ALL: &[(&str, Handler)] = &[$((stringify!($name), $name as Handler)),*];
    };
}

routes!(
    auth_sign_up,
    auth_sign_in,
    auth_refresh,
    auth_sign_out,
    me,
    users_create,
    users_list,
    users_update,
    leads_create,
    leads_list,
    leads_get,
    leads_update,
    leads_delete,
);

pub fn by_name(name: &str) -> Option<Handler> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}
