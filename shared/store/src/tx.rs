//! Building blocks for items, conditions and all-or-nothing writes.

use crate::Table;
use crate::error::StoreError;
use crate::idempotency::IdempotencyRecord;
use crate::keys::{PK, SK};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use serde::Serialize;
use std::collections::HashMap;

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(crate) fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

/// A record serialised as an item, plus its key attributes.
pub(crate) fn item<T: Serialize>(
    record: &T,
    keys: impl IntoIterator<Item = (&'static str, String)>,
) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(record)?;
    item.extend(keys.into_iter().map(|(name, value)| (name.to_owned(), s(value))));
    Ok(item)
}

/// A condition (or filter) expression with its placeholders.
#[derive(Clone, Debug, Default)]
pub(crate) struct Cond {
    pub expr: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl Cond {
    pub fn new(expr: impl Into<String>) -> Self {
        Self { expr: expr.into(), ..Default::default() }
    }

    pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names.insert(placeholder.to_owned(), attribute.to_owned());
        self
    }

    pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    /// The item must not exist yet.
    pub fn absent() -> Self {
        Self::new("attribute_not_exists(#pk)").name("#pk", PK)
    }

    /// The item must exist at exactly this version (optimistic concurrency).
    pub fn at_version(version: u64) -> Self {
        Self::new("#version = :expected_version").name("#version", "version").value(":expected_version", n(version))
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// What a failed condition means to the caller.
#[derive(Clone, Copy, Debug)]
pub(crate) enum OnFail {
    EmailTaken,
    VersionConflict,
    NotFound,
    UnknownOwner,
    /// The change was already made (an event applied before).
    Duplicate,
    /// A record the change refers to does not exist; names the field that referred to it.
    MissingReference(&'static str),
    /// An idempotency record exists: answer with the stored result.
    Replay,
    /// The account's plan allows no more of this.
    PlanLimit(crm_domain::plan::Counted),
}

/// A `TransactWriteItems` under construction; every item may carry a condition and what its failure means.
pub(crate) struct Tx<'a> {
    table: &'a Table,
    items: Vec<TransactWriteItem>,
    on_fail: Vec<Option<OnFail>>,
}

impl<'a> Tx<'a> {
    pub fn new(table: &'a Table) -> Self {
        Self { table, items: Vec::new(), on_fail: Vec::new() }
    }

    pub fn put(&mut self, item: Item, condition: Option<(Cond, OnFail)>) -> Result<&mut Self, StoreError> {
        let (cond, fail) = split(condition);
        let put = Put::builder()
            .table_name(self.table.name())
            .set_item(Some(item))
            .set_condition_expression(cond.as_ref().map(|c| c.expr.clone()))
            .set_expression_attribute_names(cond.as_ref().and_then(Cond::names))
            .set_expression_attribute_values(cond.as_ref().and_then(Cond::values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()?;
        self.push(TransactWriteItem::builder().put(put).build(), fail);
        Ok(self)
    }

    pub fn delete(&mut self, key: Item, condition: Option<(Cond, OnFail)>) -> Result<&mut Self, StoreError> {
        let (cond, fail) = split(condition);
        let delete = Delete::builder()
            .table_name(self.table.name())
            .set_key(Some(key))
            .set_condition_expression(cond.as_ref().map(|c| c.expr.clone()))
            .set_expression_attribute_names(cond.as_ref().and_then(Cond::names))
            .set_expression_attribute_values(cond.as_ref().and_then(Cond::values))
            .build()?;
        self.push(TransactWriteItem::builder().delete(delete).build(), fail);
        Ok(self)
    }

    /// `update` holds the update expression with its own placeholders, merged with the condition's.
    pub fn update(
        &mut self,
        key: Item,
        update: Cond,
        condition: Option<(Cond, OnFail)>,
    ) -> Result<&mut Self, StoreError> {
        let (cond, fail) = split(condition);
        let mut names = update.names.clone();
        let mut values = update.values.clone();
        if let Some(c) = &cond {
            names.extend(c.names.clone());
            values.extend(c.values.clone());
        }
        let update = Update::builder()
            .table_name(self.table.name())
            .set_key(Some(key))
            .update_expression(update.expr)
            .set_condition_expression(cond.map(|c| c.expr))
            .set_expression_attribute_names((!names.is_empty()).then_some(names))
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()?;
        self.push(TransactWriteItem::builder().update(update).build(), fail);
        Ok(self)
    }

    pub fn check(&mut self, key: Item, cond: Cond, fail: OnFail) -> Result<&mut Self, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(self.table.name())
            .set_key(Some(key))
            .condition_expression(cond.expr.clone())
            .set_expression_attribute_names(cond.names())
            .set_expression_attribute_values(cond.values())
            .build()?;
        self.push(TransactWriteItem::builder().condition_check(check).build(), Some(fail));
        Ok(self)
    }

    /// Adds `attributes` to every item put whose sort key is `sk`.
    pub fn stamp_puts(&mut self, sk: &str, attributes: &[(&str, AttributeValue)]) {
        for put in self.items.iter_mut().filter_map(|item| item.put.as_mut()) {
            if matches!(put.item.get(SK), Some(AttributeValue::S(key)) if key == sk) {
                put.item.extend(attributes.iter().map(|(name, value)| ((*name).to_owned(), value.clone())));
            }
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Adds `other`'s writes; a condition check of an item already checked is left out, since a transaction
    /// may name an item once.
    pub fn absorb(&mut self, other: &Tx<'_>) {
        for (item, fail) in other.items.iter().zip(&other.on_fail) {
            let checked_already = item.condition_check.as_ref().is_some_and(|check| {
                self.items.iter().any(|mine| mine.condition_check.as_ref().is_some_and(|c| c.key == check.key))
            });
            if !checked_already {
                self.push(item.clone(), *fail);
            }
        }
    }

    fn push(&mut self, item: TransactWriteItem, fail: Option<OnFail>) {
        self.items.push(item);
        self.on_fail.push(fail);
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        if self.items.is_empty() {
            return Ok(());
        }
        // One item needs no transaction, which would cost twice the capacity.
        if self.items.len() == 1 && self.items[0].condition_check.is_none() {
            let (item, fail) = (self.items.remove(0), self.on_fail.remove(0));
            return self.commit_single(item, fail).await;
        }
        match self.transact().await? {
            Ok(()) => Ok(()),
            Err(failed) => {
                let (index, item) = failed.into_iter().next().unwrap_or_default();
                Err(condition_failed(self.on_fail.get(index).copied().flatten(), item))
            }
        }
    }

    /// Commits as one transaction (even of one item); when conditions fail, answers the positions of the
    /// writes whose condition failed (in the order they were added) rather than an error, having written
    /// nothing.
    pub async fn commit_or_failed(self) -> Result<Vec<usize>, StoreError> {
        if self.items.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.transact().await?.err().unwrap_or_default().into_iter().map(|(index, _)| index).collect())
    }

    /// Sends the transaction, again while it is cancelled by a conflict; `Err` holds the writes whose
    /// condition failed, with the item as it was.
    async fn transact(&self) -> Result<Result<(), Vec<(usize, Option<Item>)>>, StoreError> {
        let mut attempt = 0;
        loop {
            let sent = self.table.client().transact_write_items().set_transact_items(Some(self.items.clone()));
            let Err(error) = sent.send().await else { return Ok(Ok(())) };
            let cancelled = match error.into_service_error() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => cancelled,
                other => return Err(backend(&other)),
            };
            let reasons = cancelled.cancellation_reasons();
            let failed: Vec<(usize, Option<Item>)> = reasons
                .iter()
                .enumerate()
                .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                .map(|(index, r)| (index, r.item().cloned()))
                .collect();
            if !failed.is_empty() {
                return Ok(Err(failed));
            }
            if !reasons.iter().any(|r| r.code() == Some("TransactionConflict")) {
                return Err(StoreError::Backend(format!("transaction cancelled: {cancelled}")));
            }
            // Another transaction held one of our items mid-flight (an account's usage item, a tag counter),
            // and nothing was written: the same transaction goes again, its conditions checked afresh.
            if attempt == CONFLICT_RETRIES {
                return Err(StoreError::VersionConflict);
            }
            tokio::time::sleep(conflict_pause(attempt)).await;
            attempt += 1;
        }
    }
}

/// How many times a transaction cancelled by a conflict is sent again before the caller hears of it.
const CONFLICT_RETRIES: u32 = 8;

/// The pause before sending a conflicted transaction again: growing, and jittered so that the writes that
/// collided do not collide again.
fn conflict_pause(attempt: u32) -> std::time::Duration {
    let ceiling_ms = (5u64 << attempt.min(6)).min(250);
    let jitter = u64::from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos(),
    );
    std::time::Duration::from_millis(ceiling_ms / 2 + jitter % (ceiling_ms / 2 + 1))
}

/// A single conditional write's answer: `Some` when it was made, `None` when its condition did not hold.
pub(crate) fn unless_condition_failed<O, E, R>(
    result: Result<O, aws_sdk_dynamodb::error::SdkError<E, R>>,
) -> Result<Option<O>, StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(output) => Ok(Some(output)),
        Err(error) if error.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException") => {
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

impl Table {
    /// Puts an item unless one with its key exists; answers whether it was put (work done again under
    /// redelivery lands on the same key and changes nothing).
    pub(crate) async fn put_if_absent(&self, item: Item) -> Result<bool, StoreError> {
        let put = self
            .client()
            .put_item()
            .table_name(self.name())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        Ok(unless_condition_failed(put)?.is_some())
    }
}

impl Tx<'_> {
    async fn commit_single(self, item: TransactWriteItem, fail: Option<OnFail>) -> Result<(), StoreError> {
        let client = self.table.client();
        let rejected = if let Some(put) = item.put {
            let sent = client
                .put_item()
                .table_name(put.table_name)
                .set_item(Some(put.item))
                .set_condition_expression(put.condition_expression)
                .set_expression_attribute_names(put.expression_attribute_names)
                .set_expression_attribute_values(put.expression_attribute_values)
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .send()
                .await;
            match sent.map_err(|e| e.into_service_error()) {
                Ok(_) => return Ok(()),
                Err(PutItemError::ConditionalCheckFailedException(e)) => e.item,
                Err(other) => return Err(backend(&other)),
            }
        } else if let Some(update) = item.update {
            let sent = client
                .update_item()
                .table_name(update.table_name)
                .set_key(Some(update.key))
                .update_expression(update.update_expression)
                .set_condition_expression(update.condition_expression)
                .set_expression_attribute_names(update.expression_attribute_names)
                .set_expression_attribute_values(update.expression_attribute_values)
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .send()
                .await;
            match sent.map_err(|e| e.into_service_error()) {
                Ok(_) => return Ok(()),
                Err(UpdateItemError::ConditionalCheckFailedException(e)) => e.item,
                Err(other) => return Err(backend(&other)),
            }
        } else if let Some(delete) = item.delete {
            let sent = client
                .delete_item()
                .table_name(delete.table_name)
                .set_key(Some(delete.key))
                .set_condition_expression(delete.condition_expression)
                .set_expression_attribute_names(delete.expression_attribute_names)
                .set_expression_attribute_values(delete.expression_attribute_values)
                .send()
                .await;
            match sent.map_err(|e| e.into_service_error()) {
                Ok(_) => return Ok(()),
                Err(DeleteItemError::ConditionalCheckFailedException(e)) => e.item,
                Err(other) => return Err(backend(&other)),
            }
        } else {
            return Err(StoreError::Backend("an empty write".into()));
        };
        Err(condition_failed(fail, rejected))
    }
}

fn backend(error: &(dyn std::error::Error + 'static)) -> StoreError {
    StoreError::Backend(aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string())
}

/// What a failed condition means, given the item as it was (when DynamoDB returned it).
fn condition_failed(fail: Option<OnFail>, old: Option<Item>) -> StoreError {
    match fail {
        Some(OnFail::Replay) => match serde_dynamo::from_item::<_, IdempotencyRecord>(old.unwrap_or_default()) {
            Ok(record) => StoreError::Replay(Box::new(record)),
            Err(error) => error.into(),
        },
        Some(OnFail::EmailTaken) => StoreError::EmailTaken,
        Some(OnFail::VersionConflict) => StoreError::VersionConflict,
        Some(OnFail::NotFound) => StoreError::NotFound,
        Some(OnFail::UnknownOwner) => StoreError::UnknownOwner,
        Some(OnFail::MissingReference(field)) => StoreError::MissingReference(field),
        Some(OnFail::Duplicate) => StoreError::Duplicate,
        Some(OnFail::PlanLimit(counted)) => crate::usage::limit_reached(counted, old.as_ref()),
        None => StoreError::Backend("a condition failed on an item without one".into()),
    }
}

fn split(condition: Option<(Cond, OnFail)>) -> (Option<Cond>, Option<OnFail>) {
    match condition {
        Some((cond, fail)) => (Some(cond), Some(fail)),
        None => (None, None),
    }
}
