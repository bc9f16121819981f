//! How the validation rules appear in the OpenAPI document: input fields take their schema from here
//! (`#[schema(schema_with = …)]`), built from the same patterns and limits `crate::validation` checks.

use crate::validation::{self as v, patterns};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{Array, Object};

fn text(pattern: &str, max_length: usize, nullable: bool) -> ObjectBuilder {
    let kind: SchemaType =
        if nullable { [Type::String, Type::Null].into_iter().collect() } else { Type::String.into() };
    ObjectBuilder::new().schema_type(kind).pattern(Some(pattern)).max_length(Some(max_length))
}

/// A required name or label: not blank, no control characters, at most 200 characters.
pub fn name() -> Object {
    text(patterns::REQUIRED_TEXT, v::MAX_NAME, false).min_length(Some(1)).build()
}

/// An optional name or label: `null`, blank (no value) or as [`name`].
pub fn optional_name() -> Object {
    text(patterns::OPTIONAL_TEXT, v::MAX_NAME, true).build()
}

/// An optional short text (a lead's source): `null`, blank (no value) or at most 100 characters.
pub fn optional_short() -> Object {
    text(patterns::OPTIONAL_TEXT, v::MAX_SHORT_TEXT, true).build()
}

/// A note: not blank, at most 10,000 characters; line breaks and tabs allowed, other control characters not.
pub fn note() -> Object {
    text(patterns::NOTE, crate::note::MAX_NOTE, false).min_length(Some(1)).build()
}

/// A chat message: not blank, at most 4,000 characters; line breaks and tabs allowed.
pub fn message() -> Object {
    text(patterns::MESSAGE, crate::chat::MAX_MESSAGE, false).min_length(Some(1)).build()
}

/// A nullable name: `null`, or a name as [`name`] (which variant of a body needs which is said there).
pub fn nullable_name() -> Object {
    text(patterns::REQUIRED_TEXT, v::MAX_NAME, true).build()
}

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>, nullable: bool) -> Object {
    let kind: SchemaType =
        if nullable { [Type::String, Type::Null].into_iter().collect() } else { Type::String.into() };
    let mut values: Vec<serde_json::Value> = values.into_iter().map(Into::into).collect();
    if nullable {
        values.push(serde_json::Value::Null);
    }
    ObjectBuilder::new().schema_type(kind).enum_values(Some(values)).build()
}

fn open_lead_statuses() -> impl Iterator<Item = &'static str> {
    let open = crate::lead::LeadStatus::ALL.into_iter().filter(|s| *s != crate::lead::LeadStatus::Converted);
    open.map(crate::lead::LeadStatus::as_str)
}

/// The status a new lead may start in: any but `converted` (reached only by converting it).
pub fn new_lead_status() -> Object {
    string_enum(open_lead_statuses(), true)
}

/// The status a change may set: any but `converted`.
pub fn lead_status_change() -> Object {
    string_enum(open_lead_statuses(), false)
}

/// The stage a new deal may start in: an open one.
pub fn new_deal_stage() -> Object {
    string_enum(
        crate::deal::DealStage::ALL.into_iter().filter(|s| s.is_open()).map(crate::deal::DealStage::as_str),
        true,
    )
}

/// A Slack incoming-webhook URL.
pub fn slack_webhook_url() -> Object {
    text(crate::slack::WEBHOOK_URL_PATTERN, crate::slack::MAX_URL, false).build()
}

/// A required email address.
pub fn email() -> Object {
    text(patterns::EMAIL, v::MAX_EMAIL, false).build()
}

/// An optional email address: `null`, empty (no value) or an address.
pub fn optional_email() -> Object {
    text(patterns::OPTIONAL_EMAIL, v::MAX_EMAIL, true).build()
}

/// An optional phone number: `null`, empty (no value) or 5 to 20 digits with the usual separators.
pub fn optional_phone() -> Object {
    text(patterns::OPTIONAL_PHONE, v::MAX_PHONE, true).build()
}

/// A password: 10 to 256 characters of any kind.
pub fn password() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(v::MIN_PASSWORD))
        .max_length(Some(v::MAX_PASSWORD))
        .build()
}

/// One tag as a filter takes it.
pub fn tag() -> Object {
    text(patterns::TAG, v::MAX_TAG, false).min_length(Some(1)).build()
}

/// A tag filter that may be left out or `null`.
pub fn optional_tag() -> Object {
    text(patterns::TAG, v::MAX_TAG, true).min_length(Some(1)).build()
}

/// A record's tags: up to 20, each letters a-z, digits, spaces and `-_.:/`.
pub fn tags() -> Array {
    ArrayBuilder::new().items(tag()).max_items(Some(v::MAX_TAGS)).build()
}

/// A currency: an ISO 4217 code.
pub fn currency() -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(v::currencies())).build()
}

/// An optional date (`null`, or `YYYY-MM-DD`).
pub fn optional_date() -> Object {
    let kind: SchemaType = [Type::String, Type::Null].into_iter().collect();
    ObjectBuilder::new()
        .schema_type(kind)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some(patterns::DATE))
        .build()
}

/// The events a Slack setup may name: the notifiable ones (`null` or absent: all of them).
pub fn slack_events() -> Array {
    let names: Vec<String> = crate::slack::NOTIFIABLE.iter().map(|e| e.name()).collect();
    let item = string_enum(names.iter().map(String::as_str), false);
    let kind: SchemaType = [Type::Array, Type::Null].into_iter().collect();
    ArrayBuilder::new().schema_type(kind).items(item).build()
}

/// An outgoing webhook endpoint's URL: https on a public domain name (private names are refused too).
pub fn endpoint_url() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::outgoing::URL_PATTERN))
        .max_length(Some(crate::outgoing::MAX_URL))
        .build()
}

/// As [`endpoint_url`], or `null` (no change).
pub fn optional_endpoint_url() -> Object {
    let kind: SchemaType = [Type::String, Type::Null].into_iter().collect();
    ObjectBuilder::new()
        .schema_type(kind)
        .pattern(Some(crate::outgoing::URL_PATTERN))
        .max_length(Some(crate::outgoing::MAX_URL))
        .build()
}

fn subscribable_names() -> Vec<String> {
    crate::outgoing::subscribable().map(|e| e.name()).collect()
}

/// The events an outgoing webhook endpoint receives: at least one of the subscribable ones.
pub fn endpoint_events() -> Array {
    let names = subscribable_names();
    ArrayBuilder::new().items(string_enum(names.iter().map(String::as_str), false)).min_items(Some(1)).build()
}

/// As [`endpoint_events`], or `null` (no change).
pub fn optional_endpoint_events() -> Array {
    let names = subscribable_names();
    let kind: SchemaType = [Type::Array, Type::Null].into_iter().collect();
    ArrayBuilder::new()
        .schema_type(kind)
        .items(string_enum(names.iter().map(String::as_str), false))
        .min_items(Some(1))
        .build()
}

/// A plan a Checkout session can be started for.
pub fn paid_plan() -> Object {
    string_enum(crate::billing::PAID.iter().map(|p| p.name()), false)
}

/// A webhook endpoint's field map: lead field → the payload field that fills it.
pub fn field_map() -> Object {
    let field = string_enum(crate::webhook::MAPPABLE_FIELDS, false);
    let from = text(patterns::REQUIRED_TEXT, crate::webhook::MAX_FIELD_NAME, false).min_length(Some(1));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(field))
        .additional_properties(Some(AdditionalProperties::RefOr(from.build().into())))
        .build()
}

/// An import's column map: field → the header name of the column that feeds it.
fn import_columns(kind: crate::RecordKind) -> Object {
    let field = string_enum(crate::import::fields(kind), false);
    let header = text(patterns::REQUIRED_TEXT, v::MAX_NAME, false).min_length(Some(1));
    let kind: SchemaType = [Type::Object, Type::Null].into_iter().collect();
    ObjectBuilder::new()
        .schema_type(kind)
        .property_names(Some(field))
        .additional_properties(Some(AdditionalProperties::RefOr(header.build().into())))
        .build()
}

pub fn lead_import_columns() -> Object {
    import_columns(crate::RecordKind::Lead)
}

pub fn customer_import_columns() -> Object {
    import_columns(crate::RecordKind::Customer)
}

/// An optional postal code: `null`, blank (no value) or at most 20 characters.
pub fn optional_postal_code() -> Object {
    text(patterns::OPTIONAL_TEXT, crate::customer::MAX_POSTAL_CODE, true).build()
}

/// An optional country: `null`, empty (no value) or an ISO 3166-1 alpha-2 code in upper case.
pub fn optional_country() -> Object {
    text(r"^(?:[A-Z]{2})?$", 2, true).build()
}
