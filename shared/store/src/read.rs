//! Reads: single items and one page of a query.

use crate::Table;
use crate::cursor::{ListScope, PageRequest};
use crate::error::StoreError;
use crate::keys::{Index, PK, SK};
use crate::tx::{Cond, Item, s};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

/// DynamoDB's own cap on rounds a single page may take when a filter discards items; past it the page
/// is returned short, with a cursor to continue.
const MAX_ROUNDS_PER_PAGE: usize = 4;

pub(crate) struct ListQuery<'a> {
    pub scope: &'a ListScope,
    pub sort_key_prefix: Option<&'a str>,
    pub filter: Option<Cond>,
    pub newest_first: bool,
}

impl Table {
    /// Every item a query matches, following its pages (for small, bounded partitions).
    pub(crate) async fn query_all(&self, query: QueryFluentBuilder) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let output = query.clone().set_exclusive_start_key(start).send().await?;
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// Every item of one partition of the table or of an index, optionally only those whose sort key
    /// starts with `sort_key_prefix` (for small, bounded partitions and background work).
    pub(crate) async fn partition(
        &self,
        index: Option<Index>,
        pk: String,
        sort_key_prefix: Option<&str>,
    ) -> Result<Vec<Item>, StoreError> {
        let sk_name = index.map_or(SK, Index::sk);
        let query = self.partition_query(index, pk);
        let query = match sort_key_prefix {
            Some(prefix) => query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", sk_name)
                .expression_attribute_values(":prefix", s(prefix)),
            None => query,
        };
        self.query_all(query).await
    }

    /// Whether a partition of the table holds an item whose sort key starts with `prefix`, as of now (a
    /// strongly consistent read of one item).
    pub(crate) async fn partition_has(&self, pk: String, prefix: &str) -> Result<bool, StoreError> {
        let output = self
            .partition_query(None, pk)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":prefix", s(prefix))
            .consistent_read(true)
            .limit(1)
            .send()
            .await?;
        Ok(output.count() > 0)
    }

    /// A query of one partition of the table or of an index (`#pk = :pk`), to refine (a limit, a count).
    pub(crate) fn partition_query(&self, index: Option<Index>, pk: String) -> QueryFluentBuilder {
        self.client()
            .query()
            .table_name(self.name())
            .set_index_name(index.map(|i| i.name().to_owned()))
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", index.map_or(PK, Index::pk))
            .expression_attribute_values(":pk", s(pk))
    }

    /// Writes many items, 25 to a `BatchWriteItem` (background work, never a request path), sending again
    /// what DynamoDB leaves unprocessed.
    pub(crate) async fn write_all(&self, writes: Vec<aws_sdk_dynamodb::types::WriteRequest>) -> Result<(), StoreError> {
        for chunk in writes.chunks(25) {
            let mut pending = chunk.to_vec();
            for attempt in 0.. {
                let output = self.client().batch_write_item().request_items(self.name(), pending).send().await?;
                pending = output.unprocessed_items.and_then(|mut u| u.remove(self.name())).unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                if attempt == 8 {
                    return Err(StoreError::Backend("batch writes kept coming back unprocessed".into()));
                }
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
        }
        Ok(())
    }

    pub(crate) async fn get_item(&self, key: Item, consistent: bool) -> Result<Option<Item>, StoreError> {
        let output = self
            .client()
            .get_item()
            .table_name(self.name())
            .set_key(Some(key))
            .consistent_read(consistent)
            .send()
            .await?;
        Ok(output.item)
    }

    /// The items of these keys that exist, in no particular order: one BatchGetItem per 100 keys, the keys
    /// DynamoDB did not get to asked for again.
    pub(crate) async fn batch_get(&self, keys: Vec<Item>, consistent: bool) -> Result<Vec<Item>, StoreError> {
        const KEYS_PER_CALL: usize = 100;
        let mut found = Vec::new();
        for chunk in keys.chunks(KEYS_PER_CALL) {
            let mut wanted = chunk.to_vec();
            while !wanted.is_empty() {
                let keys_and_attributes = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut wanted)))
                    .consistent_read(consistent)
                    .build()?;
                let output =
                    self.client().batch_get_item().request_items(self.name(), keys_and_attributes).send().await?;
                found.extend(output.responses.unwrap_or_default().remove(self.name()).unwrap_or_default());
                if let Some(rest) = output.unprocessed_keys.and_then(|mut u| u.remove(self.name())) {
                    wanted = rest.keys;
                }
            }
        }
        Ok(found)
    }

    /// One page of a list: up to `page.limit` items after the cursor, and the cursor of the next page.
    pub(crate) async fn query_page(
        &self,
        query: ListQuery<'_>,
        page: &PageRequest,
    ) -> Result<(Vec<Item>, Option<String>), StoreError> {
        let scope = query.scope;
        let mut start = page.cursor.as_deref().map(|c| scope.decode(c)).transpose()?;
        let mut key_condition =
            Cond::new("#p = :p").name("#p", scope.partition_attr()).value(":p", s(&scope.partition));
        if let Some(prefix) = query.sort_key_prefix {
            let sort_attr = scope.index.map_or(crate::keys::SK, crate::keys::Index::sk);
            key_condition = Cond { expr: "#p = :p AND begins_with(#s, :s)".into(), ..key_condition }
                .name("#s", sort_attr)
                .value(":s", s(prefix));
        }
        let mut names = key_condition.names;
        let mut values = key_condition.values;
        let filter_expr = query.filter.map(|f| {
            names.extend(f.names);
            values.extend(f.values);
            f.expr
        });

        let mut items = Vec::new();
        for _ in 0..MAX_ROUNDS_PER_PAGE {
            let remaining = page.limit - items.len();
            let output = self
                .client()
                .query()
                .table_name(self.name())
                .set_index_name(scope.index.map(|i| i.name().to_owned()))
                .key_condition_expression(&key_condition.expr)
                .set_filter_expression(filter_expr.clone())
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(!query.newest_first)
                .limit(i32::try_from(remaining).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|error| {
                    // A cursor that passed our checks but still names a key DynamoDB refuses (a forged
                    // sort key of impossible length, say) is the client's fault, not ours.
                    let refused = error.as_service_error().and_then(|e| e.meta().code()) == Some("ValidationException");
                    if refused && page.cursor.is_some() { StoreError::BadCursor } else { error.into() }
                })?;
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() || items.len() >= page.limit {
                break;
            }
        }
        let next = start.and_then(|key| scope.encode(&key));
        Ok((items, next))
    }
}
