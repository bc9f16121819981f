//! Every function behind the table stream or a queue, chosen by its `WORKER` variable (`events_router`,
//! `stats_rollup`, `slack_notify`, `search_index`, `contacts_sync`).

fn main() -> Result<(), lambda_http::Error> {
    crm_functions::start(crm_workers::lambda::run)
}
