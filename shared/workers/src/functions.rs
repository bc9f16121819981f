//! Every worker by its function's binary name, for the deployed functions and the local gateway alike.
//! A worker takes the Lambda event as JSON and answers JSON, so both paths share its deserialization.

use crate::{Workers, bootstrap, contacts, jobs, notify, outgoing, rollup, router, search, slack};
use lambda_runtime::Error;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type Worker = for<'a> fn(&'a Workers, Value) -> BoxFuture<'a, Result<Value, Error>>;

/// Runs a typed handler on a JSON event.
async fn typed<'a, E, R, F>(
    workers: &'a Workers,
    event: Value,
    handler: fn(&'a Workers, E) -> F,
) -> Result<Value, Error>
where
    E: DeserializeOwned,
    R: Serialize,
    F: Future<Output = Result<R, Error>> + 'a,
{
    let event: E = serde_json::from_value(event)?;
    Ok(serde_json::to_value(handler(workers, event).await?)?)
}

macro_rules! workers {
    ($($name:ident => $handler:path),* $(,)?) => {
        $(
            pub fn $name(workers: &Workers, event: Value) -> BoxFuture<'_, Result<Value, Error>> {
                Box::pin(typed(workers, event, $handler))
            }
        )*

        pub const ALL: &[(&str, Worker)] = &[$((stringify!($name), $name as Worker)),*];
    };
}

workers!(
    events_router => router::handle,
    stats_rollup => rollup::handle,
    slack_notify => slack::handle,
    search_index => search::handle,
    contacts_sync => contacts::handle,
    jobs => jobs::handle,
    search_bootstrap => bootstrap::handle,
    notify => notify::handle,
    webhook_dispatch => outgoing::dispatch,
    webhook_deliver => outgoing::deliver,
);

pub fn by_name(name: &str) -> Option<Worker> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, w)| *w)
}
