//! Every WebSocket API function: `$connect`, `$disconnect`, the actions and `$default`, chosen by the
//! event's route key.

fn main() -> Result<(), lambda_http::Error> {
    crm_functions::start(crm_api::ws::run)
}
