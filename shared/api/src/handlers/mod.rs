//! One file per route, named after its function.

pub mod auth_refresh;
pub mod auth_sign_in;
pub mod auth_sign_out;
pub mod auth_sign_up;
pub mod leads_create;
pub mod leads_delete;
pub mod leads_get;
pub mod leads_list;
pub mod leads_update;
pub mod me;
pub mod users_create;
pub mod users_list;
pub mod users_update;
