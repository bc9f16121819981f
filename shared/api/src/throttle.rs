//! Throttling of the attempts an attacker repeats (see `crm_domain::throttle`): checked before the work,
//! counted after it, answered 429 with `Retry-After`.

use crate::app::App;
use crate::problem::ApiError;
use crm_domain::throttle::Attempt;
use futures_util::future::try_join_all;

/// Refuses the request if any of `attempts` (each with its subject) must still wait.
pub async fn check(app: &App, attempts: &[(Attempt, &str)], now: i64) -> Result<(), ApiError> {
    let waits =
        try_join_all(attempts.iter().map(|(attempt, subject)| app.table.throttled(*attempt, subject, now))).await?;
    let Some(wait) = waits.into_iter().flatten().max() else { return Ok(()) };
    let tried: Vec<_> = attempts.iter().map(|(attempt, _)| attempt.name()).collect();
    tracing::warn!(?tried, wait, "throttled");
    Err(ApiError::TooManyRequests {
        detail: format!("too many attempts: try again in {wait} seconds"),
        retry_after: wait.unsigned_abs(),
    })
}

/// Counts one of each of `attempts`.
pub async fn count(app: &App, attempts: &[(Attempt, &str)], now: i64) -> Result<(), ApiError> {
    try_join_all(attempts.iter().map(|(attempt, subject)| app.table.count_attempt(*attempt, subject, now))).await?;
    Ok(())
}
