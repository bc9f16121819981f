//! GraphQL over the same core, policies and store as the REST routes: `POST /api/v1/graphql` (see
//! `crate::handlers::graphql`). Records are read through `crm_core::visible` and the store's list queries
//! with the list policy, so a caller sees exactly what the REST routes show it; related users and records
//! are loaded in batches, one `BatchGetItem` per kind and level of the query. Depth and complexity are
//! checked before anything is read. Fields are named as in the REST bodies (`owner_id`, `next_cursor`), and
//! pages take the REST cursors (`after`).

mod mutations;
mod nodes;

use crate::app::App;
use crate::problem::ApiError;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptySubscription, ErrorExtensions, Object, Schema};
use crm_core::CoreError;
use crm_domain::activity::Activity;
use crm_domain::chat::{Membership, Message};
use crm_domain::customer::Customer;
use crm_domain::deal::{Deal, DealStage};
use crm_domain::lead::{Lead, LeadStatus};
use crm_domain::{Actor, ChannelId, CustomerId, DealId, LeadId, Record, UserId, policy};
use crm_store::{PageRequest, RecordFilter, TagScope};
use futures_util::future::BoxFuture;
pub use nodes::{CustomerNode, DealNode, LeadNode, Page, TagNode, UserNode};
use std::sync::{Arc, OnceLock};

pub use mutations::Mutation;

pub type CrmSchema = Schema<Query, Mutation, EmptySubscription>;

/// How deep a query may nest: a record, its deals, their notes and authors is four.
pub const MAX_DEPTH: usize = 10;
/// What a query may cost before it runs: each field 1, a page its size times what each item asks for.
pub const MAX_COMPLEXITY: usize = 10_000;
/// A page's size when `first` is not given, and the most it may be (as the REST `limit`).
pub const DEFAULT_PAGE: i32 = 25;
pub const MAX_PAGE: i32 = crate::extract::MAX_PAGE_SIZE as i32;

/// The schema, built once per function instance (on the first GraphQL request only).
pub fn schema() -> &'static CrmSchema {
    static SCHEMA: OnceLock<CrmSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        Schema::build(Query, Mutation, EmptySubscription)
            .limit_depth(MAX_DEPTH)
            .limit_complexity(MAX_COMPLEXITY)
            .finish()
    })
}

/// Who asks, through which app: what every resolver works with.
pub(crate) struct Asker {
    pub app: Arc<App>,
    pub actor: Actor,
}

/// What wraps the work a request's loaders spawn, set by whoever hosts the functions in one process (the
/// local gateway, so that a batch's AWS calls count as the invoking function's).
type Carrier = fn(BoxFuture<'static, ()>) -> BoxFuture<'static, ()>;
static CARRIER: OnceLock<Carrier> = OnceLock::new();

/// Has every task a request's loaders spawn run inside `carrier`; the first call takes effect.
pub fn carry_into_spawned(carrier: Carrier) {
    _ = CARRIER.set(carrier);
}

fn spawn(work: BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> {
    match CARRIER.get() {
        Some(carrier) => tokio::spawn(carrier(work)),
        None => tokio::spawn(work),
    }
}

/// Runs a request for `actor`, with loaders of its own (a batch never mixes two requests).
pub async fn execute(app: Arc<App>, actor: Actor, request: async_graphql::Request) -> async_graphql::Response {
    let loaders = nodes::Loaders { app: app.clone(), tenant: actor.tenant };
    let request = request.data(Asker { app, actor }).data(DataLoader::new(loaders, spawn));
    schema().execute(request).await
}

/// What a request asks of its account (counted in its rates, held while it is read-only): a search when the
/// operation it runs selects `search`. A document that cannot be read asks nothing more than a read; running
/// it says why.
pub fn asks(query: &str, operation: Option<&str>) -> crate::app::Asks {
    use async_graphql::parser::types::{OperationType, Selection};
    let Ok(document) = async_graphql::parser::parse_query(query) else { return crate::app::Asks::READ };
    let chosen = document.operations.iter().find(|(name, _)| match operation {
        Some(wanted) => name.is_some_and(|n| n.as_str() == wanted),
        None => true,
    });
    let Some((_, operation)) = chosen else { return crate::app::Asks::READ };
    let operation = &operation.node;
    let search = operation.selection_set.node.items.iter().any(|item| match &item.node {
        Selection::Field(field) => field.node.name.node == "search",
        // Fragments at the top: counted as a search, the cautious way.
        Selection::FragmentSpread(_) | Selection::InlineFragment(_) => true,
    });
    crate::app::Asks { write: operation.ty == OperationType::Mutation, search }
}

/// An API error as a GraphQL error: its message, and its problem document's `type`, `status`, `field`,
/// `errors` (and `merged_into`) as extensions.
pub(crate) fn problem(error: impl Into<ApiError>) -> async_graphql::Error {
    let error = error.into();
    if let ApiError::Internal(detail) = &error {
        tracing::error!(error = %detail, "graphql");
    }
    let document = serde_json::to_value(error.to_problem("/api/v1/graphql")).unwrap_or_default();
    let message = document["detail"].as_str().unwrap_or("error").to_owned();
    async_graphql::Error::new(message).extend_with(|_, extensions| {
        for name in ["type", "status", "field", "errors", "merged_into", "limit"] {
            if let Some(value) = document.get(name) {
                extensions.set(name, async_graphql::Value::from_json(value.clone()).unwrap_or_default());
            }
        }
    })
}

pub(crate) fn asker<'c>(ctx: &Context<'c>) -> &'c Asker {
    ctx.data_unchecked::<Asker>()
}

/// The page a list field asks for: `first` items (1 to 100) after the cursor `after`.
pub(crate) fn page(first: Option<i32>, after: Option<String>) -> async_graphql::Result<PageRequest> {
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&first) {
        return Err(problem(ApiError::bad_request("first", format!("`first` must be from 1 to {MAX_PAGE}"))));
    }
    Ok(PageRequest { limit: first as usize, cursor: after.filter(|c| !c.is_empty()) })
}

/// A record the caller may see, or nothing (another account's, or one Sales does not own, or none at all).
pub(crate) async fn visible<R: Record>(ctx: &Context<'_>, id: R::Id) -> async_graphql::Result<Option<R>> {
    let asker = asker(ctx);
    match crm_core::visible::<R>(&asker.app.table, &asker.actor, id).await {
        Ok(record) => Ok(Some(record)),
        Err(CoreError::NotFound | CoreError::Denied(policy::Denied::Hidden)) => Ok(None),
        Err(other) => Err(problem(other)),
    }
}

/// A page of records as the REST list shows it to the caller (Sales: its own).
async fn list<R: Record>(
    ctx: &Context<'_>,
    state: Option<&'static str>,
    owner_id: Option<UserId>,
    tag: Option<String>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<crm_store::Page<R>> {
    let asker = asker(ctx);
    let requested = crate::records::record_filter(state, owner_id, tag).map_err(problem)?;
    let owner = policy::list_owner(&asker.actor, requested.owner).map_err(problem)?;
    let filter = RecordFilter { owner, ..requested };
    let page = page(first, after)?;
    asker.app.table.records::<R>(asker.actor.tenant, &filter, &page).await.map_err(problem)
}

/// The cost of a page field: its size times what each item asks for.
pub(crate) fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let size = first.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
    1 + size * child_complexity
}

pub struct Query;

#[Object(rename_fields = "snake_case", rename_args = "snake_case")]
impl Query {
    /// The caller
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserNode>> {
        let asker = asker(ctx);
        nodes::user(ctx, asker.actor.user).await
    }

    /// The account's people, oldest first (emails to Admins and Managers)
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<UserNode>> {
        let Asker { app, actor } = asker(ctx);
        let users = app.table.users(actor.tenant, &page(first, after)?).await.map_err(problem)?;
        let items = users.items.into_iter().map(|user| UserNode::seen_by(user, actor)).collect();
        Ok(Page { items, next_cursor: users.next_cursor })
    }

    /// The account's activity log, newest first (Sales: what it did itself)
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Activity>> {
        let Asker { app, actor } = asker(ctx);
        let page = page(first, after)?;
        Ok(app.table.activity(actor.tenant, policy::activity_actor(actor), &page).await.map_err(problem)?.into())
    }

    /// Tags in use, alphabetically, with counts (Sales: on the records it owns)
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<TagNode>> {
        let Asker { app, actor } = asker(ctx);
        let scope = if actor.role.sees_whole_tenant() { TagScope::Tenant } else { TagScope::OwnedBy(actor.user) };
        Ok(app.table.tags(actor.tenant, scope, &page(first, after)?).await.map_err(problem)?.into())
    }

    /// The caller's channels, newest first, with unread counts
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn channels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Membership>> {
        let Asker { app, actor } = asker(ctx);
        let page = page(first, after)?;
        Ok(app.table.user_channels(actor.tenant, actor.user, &page).await.map_err(problem)?.into())
    }

    /// A channel's messages, newest first: a team channel, or a direct one the caller is in
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        channel_id: ChannelId,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Message>> {
        let Asker { app, actor } = asker(ctx);
        let page = page(first, after)?;
        let (channel, membership) = tokio::join!(
            app.table.channel(actor.tenant, channel_id),
            app.table.membership(actor.tenant, channel_id, actor.user)
        );
        let Some(channel) = channel.map_err(problem)? else { return Err(problem(ApiError::NotFound)) };
        channel.may_read(membership.map_err(problem)?.is_some()).map_err(problem)?;
        Ok(app.table.messages(actor.tenant, channel_id, &page).await.map_err(problem)?.into())
    }

    /// The dashboard's figures for `days` days (1 to 366, default 30) up to `to` (default today), exactly as
    /// `GET /api/v1/dashboard` answers them (Sales: its own)
    async fn dashboard(
        &self,
        ctx: &Context<'_>,
        to: Option<String>,
        days: Option<u16>,
    ) -> async_graphql::Result<async_graphql::Json<serde_json::Value>> {
        let Asker { app, actor } = asker(ctx);
        let (from, to) = crate::handlers::dashboard::DashboardRange { to, days }.dates().map_err(problem)?;
        let figures = crate::handlers::dashboard::dashboard(app, actor, from, to).await.map_err(problem)?;
        let figures = serde_json::to_value(figures).map_err(|e| problem(ApiError::Internal(e.to_string())))?;
        Ok(async_graphql::Json(figures))
    }

    /// Fuzzy, typo-tolerant search across leads, customers, deals and notes, as `GET /api/v1/search` answers
    /// it (Sales: its own records); counts as a search in the account's rates
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        q: String,
        kind: Option<crate::handlers::search::SearchKind>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<async_graphql::Json<serde_json::Value>> {
        let Asker { app, actor } = asker(ctx);
        let found = crate::handlers::search::find(app, actor, &q, kind, page(first, after)?).await.map_err(problem)?;
        let found = serde_json::to_value(found).map_err(|e| problem(ApiError::Internal(e.to_string())))?;
        Ok(async_graphql::Json(found))
    }

    /// A lead the caller may see, or null
    async fn lead(&self, ctx: &Context<'_>, id: LeadId) -> async_graphql::Result<Option<LeadNode>> {
        Ok(visible::<Lead>(ctx, id).await?.map(LeadNode::from))
    }

    /// Leads, newest first (Sales: its own), filtered as `GET /api/v1/leads`
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn leads(
        &self,
        ctx: &Context<'_>,
        status: Option<LeadStatus>,
        owner_id: Option<UserId>,
        tag: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<LeadNode>> {
        let state = status.map(LeadStatus::as_str);
        Ok(list::<Lead>(ctx, state, owner_id, tag, first, after).await?.into())
    }

    /// A customer the caller may see, or null
    async fn customer(&self, ctx: &Context<'_>, id: CustomerId) -> async_graphql::Result<Option<CustomerNode>> {
        Ok(visible::<Customer>(ctx, id).await?.map(CustomerNode::from))
    }

    /// Customers, newest first (Sales: its own), filtered as `GET /api/v1/customers`
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        owner_id: Option<UserId>,
        tag: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<CustomerNode>> {
        Ok(list::<Customer>(ctx, None, owner_id, tag, first, after).await?.into())
    }

    /// A deal the caller may see, or null
    async fn deal(&self, ctx: &Context<'_>, id: DealId) -> async_graphql::Result<Option<DealNode>> {
        Ok(visible::<Deal>(ctx, id).await?.map(DealNode::from))
    }

    /// Deals, newest first (Sales: its own), filtered as `GET /api/v1/deals`
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn deals(
        &self,
        ctx: &Context<'_>,
        stage: Option<DealStage>,
        owner_id: Option<UserId>,
        tag: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<DealNode>> {
        let state = stage.map(DealStage::as_str);
        Ok(list::<Deal>(ctx, state, owner_id, tag, first, after).await?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.graphql");
        let printed = schema().sdl();
        if std::env::var_os("UPDATE_GRAPHQL_SCHEMA").is_some() {
            std::fs::write(path, &printed).expect("docs/schema.graphql written");
        }
        let stored = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            stored == printed,
            "docs/schema.graphql is stale: run UPDATE_GRAPHQL_SCHEMA=1 cargo test -p crm-api graphql"
        );
    }

    /// No request data is given: a query that reached a resolver would panic. Too deep or too costly is
    /// refused while it is validated, before any resolver (and so any read) runs.
    #[test]
    fn a_request_asks_by_the_operation_it_runs() {
        let read = asks("{ leads { items { id } } }", None);
        assert!(!read.write && !read.search);
        assert!(asks("{ search(q: \"ada\") }", None).search);
        let two = "query A { leads { items { id } } } query B { me { id } search(q: \"x\") }";
        assert!(!asks(two, Some("A")).search && asks(two, Some("B")).search);
        assert!(asks("mutation { anything }", None).write);
        let unreadable = asks("{ search(", None);
        assert!(!unreadable.write && !unreadable.search);
    }

    #[tokio::test]
    async fn queries_past_the_limits_are_refused_before_they_run() {
        let mut selection = String::from("name");
        for _ in 0..=MAX_DEPTH {
            selection = format!("ofType {{ {selection} }}");
        }
        let too_deep = format!("{{ __type(name: \"Lead\") {{ fields {{ type {{ {selection} }} }} }} }}");
        let response = schema().execute(too_deep).await;
        assert!(response.errors.iter().any(|e| e.message.contains("nested too deep")), "{:?}", response.errors);
        let costly = "{ leads(first: 100) { items { notes(first: 100) { items { id body } } } } }";
        let response = schema().execute(costly).await;
        assert!(response.errors.iter().any(|e| e.message.contains("too complex")), "{:?}", response.errors);
    }
}
