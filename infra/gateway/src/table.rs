//! Creates the local table from the template's definition, with its indexes, stream and TTL.

use crate::template::TableDefinition;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};

fn key_schema(elements: &[crate::template::KeyElement]) -> Result<Vec<KeySchemaElement>, String> {
    elements
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// Creates the table unless it exists (the local run keeps its data between starts).
pub async fn ensure_table(client: &Client, name: &str, definition: &TableDefinition) -> Result<bool, String> {
    let attributes = definition
        .attribute_definitions
        .iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let indexes = definition
        .global_secondary_indexes
        .iter()
        .map(|index| {
            let projection = Projection::builder()
                .projection_type(ProjectionType::from(index.projection.projection_type.as_str()))
                .set_non_key_attributes(
                    (!index.projection.non_key_attributes.is_empty())
                        .then(|| index.projection.non_key_attributes.clone()),
                )
                .build();
            GlobalSecondaryIndex::builder()
                .index_name(&index.index_name)
                .set_key_schema(Some(key_schema(&index.key_schema)?))
                .projection(projection)
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let stream = definition.stream_specification.as_ref().map(|s| {
        StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::from(s.stream_view_type.as_str()))
            .build()
    });
    let created = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attributes))
        .set_key_schema(Some(key_schema(&definition.key_schema)?))
        .set_global_secondary_indexes((!indexes.is_empty()).then_some(indexes))
        .set_stream_specification(stream.transpose().map_err(|e| e.to_string())?)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(error) if error.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => return Ok(false),
        Err(error) => return Err(format!("creating table {name}: {}", DisplayErrorContext(&error))),
    }
    if let Some(ttl) = definition.time_to_live_specification.as_ref().filter(|t| t.enabled) {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(&ttl.attribute_name)
            .enabled(true)
            .build()
            .map_err(|e| e.to_string())?;
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(spec)
            .send()
            .await
            .map_err(|e| format!("enabling TTL on {name}: {}", DisplayErrorContext(&e)))?;
    }
    Ok(true)
}
