//! The GraphQL mutations: each the twin of a REST route, through the same core function, policy and
//! transaction, so it writes the same record, activity entry and events. `version` is `If-Match`;
//! `idempotency_key` is `Idempotency-Key` (a retry answers what the first request made).

use super::{Asker, CustomerNode, DealNode, LeadNode, asker, problem};
use crate::extract::{IdempotencyKey, IfMatch};
use crate::handlers::leads_convert::{Conversion, Converted, DealTerms, convert};
use crate::idempotency::IdempotentRequest;
use crate::problem::ApiError;
use crate::records::{Made, commit_created};
use async_graphql::{Context, Object, SimpleObject};
use crm_domain::clock::Timestamp;
use crm_domain::customer::{Customer, CustomerPatch, NewCustomer};
use crm_domain::deal::{Deal, DealPatch, NewDeal};
use crm_domain::lead::{Lead, LeadPatch, NewLead};
use crm_domain::note::{Note, NoteBody};
use crm_domain::record::{NewRecord, RecordPatch};
use crm_domain::{CustomerId, DealId, LeadId, NoteId, Record, RecordKind};

pub struct Mutation;

#[Object(rename_fields = "snake_case", rename_args = "snake_case")]
impl Mutation {
    /// Create a lead, as `POST /api/v1/leads`
    async fn create_lead(
        &self,
        ctx: &Context<'_>,
        input: NewLead,
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<LeadNode> {
        Ok(create::<Lead, _>(ctx, input, idempotency_key).await?.into())
    }

    /// Change a lead, as `PATCH /api/v1/leads/{id}` (`version`: only if it is still at that version)
    async fn update_lead(
        &self,
        ctx: &Context<'_>,
        id: LeadId,
        version: Option<u64>,
        input: LeadPatch,
    ) -> async_graphql::Result<LeadNode> {
        Ok(update::<Lead, _>(ctx, id, version, input).await?.into())
    }

    /// Delete a lead, as `DELETE /api/v1/leads/{id}` (Admin, Manager); answers its id
    async fn delete_lead(&self, ctx: &Context<'_>, id: LeadId, version: Option<u64>) -> async_graphql::Result<LeadId> {
        delete::<Lead>(ctx, id, version).await.map(|()| id)
    }

    /// Convert a qualified lead into a customer, and open a deal with them when `deal` is given, as
    /// `POST /api/v1/leads/{id}/convert`
    async fn convert_lead(
        &self,
        ctx: &Context<'_>,
        id: LeadId,
        version: Option<u64>,
        deal: Option<DealTerms>,
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<ConversionNode> {
        let Asker { app, actor } = asker(ctx);
        let key = IdempotencyKey(idempotent(ctx, idempotency_key, "deal")?);
        let conversion = Conversion { deal };
        let response = convert(app, actor, id, IfMatch(version), key, conversion).await.map_err(problem)?;
        let Converted { lead, customer, deal } = answered(response).await?;
        Ok(ConversionNode { lead: lead.into(), customer: customer.into(), deal: deal.map(DealNode::from) })
    }

    /// Create a customer, as `POST /api/v1/customers`
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        input: NewCustomer,
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<CustomerNode> {
        Ok(create::<Customer, _>(ctx, input, idempotency_key).await?.into())
    }

    /// Change a customer, as `PATCH /api/v1/customers/{id}`
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        id: CustomerId,
        version: Option<u64>,
        input: CustomerPatch,
    ) -> async_graphql::Result<CustomerNode> {
        Ok(update::<Customer, _>(ctx, id, version, input).await?.into())
    }

    /// Delete a customer, as `DELETE /api/v1/customers/{id}`; answers its id
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        id: CustomerId,
        version: Option<u64>,
    ) -> async_graphql::Result<CustomerId> {
        delete::<Customer>(ctx, id, version).await.map(|()| id)
    }

    /// Create a deal, as `POST /api/v1/deals`
    async fn create_deal(
        &self,
        ctx: &Context<'_>,
        input: NewDeal,
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<DealNode> {
        Ok(create::<Deal, _>(ctx, input, idempotency_key).await?.into())
    }

    /// Change a deal, as `PATCH /api/v1/deals/{id}`: a stage move too (`lost` needs a `lost_reason`)
    async fn update_deal(
        &self,
        ctx: &Context<'_>,
        id: DealId,
        version: Option<u64>,
        input: DealPatch,
    ) -> async_graphql::Result<DealNode> {
        Ok(update::<Deal, _>(ctx, id, version, input).await?.into())
    }

    /// Delete a deal, as `DELETE /api/v1/deals/{id}`; answers its id
    async fn delete_deal(&self, ctx: &Context<'_>, id: DealId, version: Option<u64>) -> async_graphql::Result<DealId> {
        delete::<Deal>(ctx, id, version).await.map(|()| id)
    }

    /// Add a note to a lead, customer or deal the caller sees, as `POST /api/v1/{kind}/{id}/notes`
    async fn add_note(
        &self,
        ctx: &Context<'_>,
        record_type: RecordKind,
        record_id: String,
        input: NoteBody,
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Note> {
        let Asker { app, actor } = asker(ctx);
        let record_id = canonical(&record_id)?;
        let idempotent = idempotent(ctx, idempotency_key, "input")?;
        let crm_core::Prepared { value: note, changes } =
            crm_core::notes::add(&app.table, actor, record_type, &record_id, input, Timestamp::now())
                .await
                .map_err(problem)?;
        let operation = format!("graphql add_note {}/{record_id}", record_type.collection());
        let made = Made::Note(record_type, &record_id);
        let version = Some(note.version);
        let answer = commit_created(app, made, changes, actor, idempotent, &operation, &note, None, version);
        answered(answer.await.map_err(problem)?).await
    }

    /// Edit a note (its author, an Admin or a Manager), as `PATCH /api/v1/{kind}/{id}/notes/{note_id}`
    async fn update_note(
        &self,
        ctx: &Context<'_>,
        record_type: RecordKind,
        record_id: String,
        id: NoteId,
        version: Option<u64>,
        input: NoteBody,
    ) -> async_graphql::Result<Note> {
        let Asker { app, actor } = asker(ctx);
        let record_id = canonical(&record_id)?;
        let note = crm_core::notes::editable(&app.table, actor, record_type, &record_id, id, version).await;
        let note = crm_core::notes::edit(&app.table, actor, note.map_err(problem)?, input, Timestamp::now());
        match note.map_err(problem)? {
            crm_core::Changed::Unchanged(note) => Ok(note),
            crm_core::Changed::Prepared(prepared) => {
                prepared.commit().await.map_err(|e| problem(IfMatch(version).lost_race(e)))
            }
        }
    }

    /// Delete a note (its author, an Admin or a Manager), as `DELETE /api/v1/{kind}/{id}/notes/{note_id}`;
    /// answers its id
    async fn delete_note(
        &self,
        ctx: &Context<'_>,
        record_type: RecordKind,
        record_id: String,
        id: NoteId,
        version: Option<u64>,
    ) -> async_graphql::Result<NoteId> {
        let Asker { app, actor } = asker(ctx);
        let record_id = canonical(&record_id)?;
        let note = crm_core::notes::editable(&app.table, actor, record_type, &record_id, id, version).await;
        let prepared = crm_core::notes::remove(&app.table, actor, note.map_err(problem)?, Timestamp::now());
        prepared.map_err(problem)?.commit().await.map_err(|e| problem(IfMatch(version).lost_race(e)))?;
        Ok(id)
    }
}

/// What a conversion made: the lead (now converted), its customer and the deal opened with them.
#[derive(SimpleObject)]
#[graphql(name = "Conversion")]
pub struct ConversionNode {
    lead: LeadNode,
    customer: CustomerNode,
    deal: Option<DealNode>,
}

/// The request's idempotency key, standing for the mutation's `argument` (the same key with another value
/// of it is refused, as in REST).
fn idempotent(
    ctx: &Context<'_>,
    key: Option<String>,
    argument: &str,
) -> async_graphql::Result<Option<IdempotentRequest>> {
    let Some(key) = key else { return Ok(None) };
    let arguments = ctx.field().arguments()?;
    let value = arguments.iter().find(|(name, _)| name.as_str() == argument).map(|(_, v)| v.to_string());
    let request = IdempotentRequest::new(&key, value.unwrap_or_default().as_bytes(), "idempotency_key");
    Ok(Some(request.map_err(problem)?))
}

/// A record's id as the store keys it; what is no id names no record.
fn canonical(record_id: &str) -> async_graphql::Result<String> {
    crm_domain::ids::canonical(record_id).ok_or_else(|| problem(ApiError::NotFound))
}

/// The body of a REST twin's answer (a retry's is the first request's, as stored).
async fn answered<T: serde::de::DeserializeOwned>(response: axum::response::Response) -> async_graphql::Result<T> {
    let internal = |e: String| problem(ApiError::Internal(e));
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.map_err(|e| internal(e.to_string()))?;
    serde_json::from_slice(&body).map_err(|e| internal(e.to_string()))
}

/// The record to change or delete: one the caller may see, or "not found".
async fn existing<R: Record>(ctx: &Context<'_>, id: R::Id) -> async_graphql::Result<R> {
    super::visible::<R>(ctx, id).await?.ok_or_else(|| problem(ApiError::NotFound))
}

async fn create<R: Record, N: NewRecord<R>>(
    ctx: &Context<'_>,
    input: N,
    idempotency_key: Option<String>,
) -> async_graphql::Result<R> {
    let Asker { app, actor } = asker(ctx);
    let idempotent = idempotent(ctx, idempotency_key, "input")?;
    let operation = format!("graphql {}", ctx.field().name());
    let crm_core::Prepared { value: record, changes } =
        crm_core::create(&app.table, actor, input, Timestamp::now()).await.map_err(problem)?;
    let version = Some(record.version());
    let made = Made::Record(R::KIND);
    let answer = commit_created(app, made, changes, actor, idempotent, &operation, &record, None, version);
    // A retry's answer is the first request's, stored with its record: read the record from it.
    answered(answer.await.map_err(problem)?).await
}

async fn update<R: Record, P: RecordPatch<R>>(
    ctx: &Context<'_>,
    id: R::Id,
    version: Option<u64>,
    patch: P,
) -> async_graphql::Result<R> {
    let Asker { app, actor } = asker(ctx);
    let before = existing::<R>(ctx, id).await?;
    match crm_core::update(&app.table, actor, before, version, patch, Timestamp::now()).map_err(problem)? {
        crm_core::Changed::Unchanged(record) => Ok(record),
        crm_core::Changed::Prepared(prepared) => {
            prepared.commit().await.map_err(|e| problem(IfMatch(version).lost_race(e)))
        }
    }
}

async fn delete<R: Record>(ctx: &Context<'_>, id: R::Id, version: Option<u64>) -> async_graphql::Result<()> {
    let Asker { app, actor } = asker(ctx);
    let record = existing::<R>(ctx, id).await?;
    let prepared = crm_core::delete(&app.table, actor, record, version, Timestamp::now()).map_err(problem)?;
    prepared.commit().await.map_err(|e| problem(IfMatch(version).lost_race(e)))
}
