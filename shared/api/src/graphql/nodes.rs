//! The GraphQL object types: the REST bodies' fields (derived in `crm_domain` under its `graphql` feature),
//! with the related things a client would otherwise fetch one request at a time — a record's owner, notes,
//! timeline and the records it links — and the loaders that read those in batches.

use super::{Asker, asker, page, page_cost, problem};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, Object, OutputType, SimpleObject};
use crm_domain::activity::Activity;
use crm_domain::chat::{Membership, Message};
use crm_domain::customer::Customer;
use crm_domain::deal::Deal;
use crm_domain::lead::Lead;
use crm_domain::note::Note;
use crm_domain::policy::Role;
use crm_domain::user::{User, UserStatus};
use crm_domain::{CustomerId, LeadId, Record, RecordKind, TenantId, UserId, policy};
use std::collections::HashMap;
use std::sync::Arc;

/// A page of a list: its items and the cursor of the next page (`after`), as the REST lists answer.
#[derive(SimpleObject)]
#[graphql(
    rename_fields = "snake_case",
    concrete(name = "LeadPage", params(LeadNode)),
    concrete(name = "CustomerPage", params(CustomerNode)),
    concrete(name = "DealPage", params(DealNode)),
    concrete(name = "NotePage", params(Note)),
    concrete(name = "ActivityPage", params(Activity)),
    concrete(name = "TagPage", params(TagNode)),
    concrete(name = "UserPage", params(UserNode)),
    concrete(name = "MembershipPage", params(Membership)),
    concrete(name = "MessagePage", params(Message))
)]
pub struct Page<T: OutputType> {
    pub items: Vec<T>,
    /// Where the next page starts (`after`); null on the last page
    pub next_cursor: Option<String>,
}

impl<R, T: OutputType + From<R>> From<crm_store::Page<R>> for Page<T> {
    fn from(page: crm_store::Page<R>) -> Self {
        Page { items: page.items.into_iter().map(T::from).collect(), next_cursor: page.next_cursor }
    }
}

/// A tag in use, with how many records of each kind carry it.
#[derive(SimpleObject)]
#[graphql(name = "Tag", rename_fields = "snake_case")]
pub struct TagNode {
    pub tag: String,
    pub leads: i64,
    pub customers: i64,
    pub deals: i64,
    pub total: i64,
}

impl From<crm_store::TagCount> for TagNode {
    fn from(count: crm_store::TagCount) -> Self {
        let crm_store::TagCount { tag, leads, customers, deals, total } = count;
        TagNode { tag, leads, customers, deals, total }
    }
}

/// A person of the account, as colleagues see them; the email only to Admins, Managers and themselves.
pub struct UserNode {
    user: User,
    shows_email: bool,
}

#[Object(name = "User", rename_fields = "snake_case")]
impl UserNode {
    async fn id(&self) -> UserId {
        self.user.id
    }
    async fn name(&self) -> &str {
        &self.user.name
    }
    async fn role(&self) -> Role {
        self.user.role
    }
    async fn status(&self) -> UserStatus {
        self.user.status
    }
    /// Null unless the caller is an Admin, a Manager or this user
    async fn email(&self) -> Option<&str> {
        self.shows_email.then_some(self.user.email.as_str())
    }
}

/// A batch that could not be read.
fn loading(error: Arc<crm_store::StoreError>) -> async_graphql::Error {
    problem(crate::problem::ApiError::Internal(error.to_string()))
}

impl UserNode {
    /// `user` as `actor` may see them.
    pub(super) fn seen_by(user: User, actor: &crm_domain::Actor) -> Self {
        let shows_email = actor.role.sees_whole_tenant() || actor.user == user.id;
        UserNode { user, shows_email }
    }
}

/// A user of the caller's account, through the request's loader.
pub(super) async fn user(ctx: &Context<'_>, id: UserId) -> async_graphql::Result<Option<UserNode>> {
    let user = ctx.data_unchecked::<DataLoader<Loaders>>().load_one(id).await.map_err(loading)?;
    Ok(user.map(|user| UserNode::seen_by(user, &asker(ctx).actor)))
}

/// A linked record (a deal's customer, a converted lead's customer), through the request's loader: null
/// when it is gone or the caller may not see it.
async fn linked<R: Record>(ctx: &Context<'_>, id: Option<R::Id>) -> async_graphql::Result<Option<R>>
where
    Loaders: Loader<R::Id, Value = R, Error = Arc<crm_store::StoreError>>,
    R::Id: std::hash::Hash + Eq,
{
    let Some(id) = id else { return Ok(None) };
    let record = ctx.data_unchecked::<DataLoader<Loaders>>().load_one(id).await.map_err(loading)?;
    Ok(record.filter(|r| policy::view_record(&asker(ctx).actor, r.owner()).is_ok()))
}

async fn notes(
    ctx: &Context<'_>,
    kind: RecordKind,
    id: String,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Page<Note>> {
    let Asker { app, actor } = asker(ctx);
    Ok(app.table.notes(actor.tenant, kind, &id, &page(first, after)?).await.map_err(problem)?.into())
}

async fn timeline(
    ctx: &Context<'_>,
    kind: RecordKind,
    id: String,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Page<Activity>> {
    let Asker { app, actor } = asker(ctx);
    Ok(app.table.timeline(actor.tenant, kind, &id, &page(first, after)?).await.map_err(problem)?.into())
}

/// A record type with the fields every record has beside its own: its owner, notes and timeline. The record
/// is one the caller may see, so what hangs under it is too.
macro_rules! record_node {
    ($node:ident, $name:literal, $record:ty, { $($links:tt)* }) => {
        #[derive(SimpleObject)]
        #[graphql(name = $name, complex)]
        pub struct $node {
            #[graphql(flatten)]
            record: $record,
        }

        impl From<$record> for $node {
            fn from(record: $record) -> Self {
                $node { record }
            }
        }

        #[ComplexObject(rename_fields = "snake_case", rename_args = "snake_case")]
        impl $node {
            /// Who owns it
            async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserNode>> {
                user(ctx, self.record.owner_id).await
            }

            /// Its notes, newest first
            #[graphql(complexity = "page_cost(first, child_complexity)")]
            async fn notes(
                &self,
                ctx: &Context<'_>,
                first: Option<i32>,
                after: Option<String>,
            ) -> async_graphql::Result<Page<Note>> {
                notes(ctx, <$record>::KIND, self.record.id.to_string(), first, after).await
            }

            /// Its history, newest first
            #[graphql(complexity = "page_cost(first, child_complexity)")]
            async fn timeline(
                &self,
                ctx: &Context<'_>,
                first: Option<i32>,
                after: Option<String>,
            ) -> async_graphql::Result<Page<Activity>> {
                timeline(ctx, <$record>::KIND, self.record.id.to_string(), first, after).await
            }

            $($links)*
        }
    };
}

record_node!(LeadNode, "Lead", Lead, {
    /// The customer it was converted into (null if the caller may not see them)
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CustomerNode>> {
        Ok(linked::<Customer>(ctx, self.record.customer_id).await?.map(CustomerNode::from))
    }
});

record_node!(CustomerNode, "Customer", Customer, {
    /// The lead it was converted from (null if the caller may not see it)
    async fn lead(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<LeadNode>> {
        Ok(linked::<Lead>(ctx, self.record.lead_id).await?.map(LeadNode::from))
    }
});

record_node!(DealNode, "Deal", Deal, {
    /// The customer it is with (null if the caller may not see them)
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CustomerNode>> {
        Ok(linked::<Customer>(ctx, self.record.customer_id).await?.map(CustomerNode::from))
    }

    /// The lead it is with, before conversion (null if the caller may not see it)
    async fn lead(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<LeadNode>> {
        Ok(linked::<Lead>(ctx, self.record.lead_id).await?.map(LeadNode::from))
    }
});

/// Reads users and records by id for one request, one `BatchGetItem` per kind for all the ids a level of
/// the query asks for.
pub(super) struct Loaders {
    pub app: Arc<crate::app::App>,
    pub tenant: TenantId,
}

impl Loader<UserId> for Loaders {
    type Value = User;
    type Error = Arc<crm_store::StoreError>;

    async fn load(&self, ids: &[UserId]) -> Result<HashMap<UserId, User>, Self::Error> {
        let users = self.app.table.users_by_id(self.tenant, ids).await.map_err(Arc::new)?;
        Ok(users.into_iter().map(|user| (user.id, user)).collect())
    }
}

macro_rules! record_loader {
    ($id:ty, $record:ty) => {
        impl Loader<$id> for Loaders {
            type Value = $record;
            type Error = Arc<crm_store::StoreError>;

            async fn load(&self, ids: &[$id]) -> Result<HashMap<$id, $record>, Self::Error> {
                let records = self.app.table.records_by_id::<$record>(self.tenant, ids).await.map_err(Arc::new)?;
                Ok(records.into_iter().map(|record| (record.id, record)).collect())
            }
        }
    };
}

record_loader!(LeadId, Lead);
record_loader!(CustomerId, Customer);
