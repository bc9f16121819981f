//! `GET /api/v1/dashboard?to=YYYY-MM-DD&days=N`: lead and deal figures from the pre-computed
//! statistics, in two or three concurrent reads and no counting of records. Sales sees its own figures;
//! Admin and Manager the tenant's, and each owner's.

use crate::app::App;
use crate::extract::{AppState, Caller, Json, Query};
use crate::problem::ApiError;
use axum::extract::State;
use crm_domain::stats::{Figures, Scope};
use crm_domain::{Actor, UserId};
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};

const DEFAULT_DAYS: u16 = 30;
const MAX_DAYS: u16 = 366;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub from: String,
    pub to: String,
    /// `tenant`, or `owner` for a Sales user's own figures.
    pub scope: &'static str,
    pub figures: Figures,
    /// Each owner's running totals (Admin and Manager only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owners: Option<Vec<OwnerFigures>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OwnerFigures {
    pub owner_id: UserId,
    pub figures: Figures,
}

/// The inclusive date range asked for: `days` days up to and including `to` (by default the last 30
/// days up to today). Any such range is valid, so the document states every limit.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DashboardRange {
    /// The last day, `YYYY-MM-DD` (default: today)
    #[param(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub to: Option<String>,
    /// How many days up to `to`, 1 to 366 (default 30)
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<u16>,
}

impl DashboardRange {
    pub fn dates(&self) -> Result<(Date, Date), ApiError> {
        let to = match &self.to {
            Some(text) => crm_domain::validation::date("to", text)
                .map_err(|_| ApiError::bad_request("to", "`to` must be a date like 2026-11-30"))?,
            None => OffsetDateTime::now_utc().date(),
        };
        let days = self.days.unwrap_or(DEFAULT_DAYS);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(ApiError::bad_request("days", format!("`days` must be from 1 to {MAX_DAYS}")));
        }
        let from = to.checked_sub(Duration::days(i64::from(days) - 1)).unwrap_or(Date::MIN);
        Ok((from, to))
    }
}

pub async fn dashboard(app: &App, actor: &Actor, from: Date, to: Date) -> Result<Dashboard, ApiError> {
    let (from, to) = (from.to_string(), to.to_string());
    let whole_tenant = actor.role.sees_whole_tenant();
    let scope = if whole_tenant { Scope::Tenant } else { Scope::Owner(actor.user) };
    let figures = app.table.stats_range(actor.tenant, scope, &from, &to);
    let owners = async { if whole_tenant { app.table.owner_totals(actor.tenant).await.map(Some) } else { Ok(None) } };
    let (range, owners) = tokio::join!(figures, owners);
    let range = range?;
    let owners = owners?.map(|owners| {
        owners
            .into_iter()
            .map(|(owner_id, totals)| OwnerFigures { owner_id, figures: Figures::from_counters(&totals, &[], &[]) })
            .collect()
    });
    Ok(Dashboard {
        from,
        to,
        scope: if whole_tenant { "tenant" } else { "owner" },
        figures: Figures::from_counters(&range.totals, &range.days, &range.months),
        owners,
    })
}

/// Lead and deal figures from pre-computed statistics
#[utoipa::path(get, operation_id = "dashboard", path = "/api/v1/dashboard", tag = "dashboard", params(DashboardRange),
    responses((status = 200, description = "The figures of the range", body = Dashboard)),
    security(("bearer" = [])))]
pub async fn handle(
    State(app): AppState,
    caller: Caller,
    Query(range): Query<DashboardRange>,
) -> Result<Json<Dashboard>, ApiError> {
    let (from, to) = range.dates()?;
    Ok(Json(dashboard(&app, &caller.actor, from, to).await?))
}
