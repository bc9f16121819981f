//! Write capacity as AWS bills it, worked out from an item's image before and after a write. DynamoDB
//! Local's own figures do not follow AWS's rules for transactions and indexes (see docs/benchmarks.md), so
//! the benchmarks count units here instead:
//! - the table: the larger of the item's sizes before and after, in 1 KB units, at least 1;
//! - each global secondary index: nothing when the item is in it neither before nor after; one entry's
//!   units when it enters, leaves, or stays with a changed projection; two entries' when its index key
//!   changes (the old entry is deleted and the new one put);
//! - everything twice inside a transaction (the caller's part).

use crate::template::TableDefinition;
use aws_sdk_dynamodbstreams::types::AttributeValue;
use std::collections::HashMap;

pub type Image = HashMap<String, AttributeValue>;

/// An index entry's bytes beyond its attributes, by AWS's sizing of index entries.
const INDEX_ENTRY_OVERHEAD: usize = 100;
const UNIT: usize = 1024;

/// What a write touches besides the item: the table's key attributes and each index's shape.
#[derive(Clone, Debug)]
pub struct Shape {
    table_keys: Vec<String>,
    indexes: Vec<IndexShape>,
}

#[derive(Clone, Debug)]
struct IndexShape {
    name: String,
    keys: Vec<String>,
    /// `None` when every attribute is projected.
    projected: Option<Vec<String>>,
}

/// The units one write of one item costs, outside a transaction: the table's and each index's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteUnits {
    pub table: u64,
    pub indexes: Vec<(String, u64)>,
}

impl WriteUnits {
    pub fn total(&self) -> u64 {
        self.table + self.indexes.iter().map(|(_, units)| units).sum::<u64>()
    }
}

impl Shape {
    pub fn of(table: &TableDefinition) -> Self {
        let names = |keys: &[crate::template::KeyElement]| keys.iter().map(|k| k.attribute_name.clone()).collect();
        Shape {
            table_keys: names(&table.key_schema),
            indexes: table
                .global_secondary_indexes
                .iter()
                .map(|index| IndexShape {
                    name: index.index_name.clone(),
                    keys: names(&index.key_schema),
                    projected: match index.projection.projection_type.as_str() {
                        "ALL" => None,
                        "KEYS_ONLY" => Some(Vec::new()),
                        _ => Some(index.projection.non_key_attributes.clone()),
                    },
                })
                .collect(),
        }
    }

    /// The units of a write that found `before` and left `after` (`None`: no item).
    pub fn write_units(&self, before: Option<&Image>, after: Option<&Image>) -> WriteUnits {
        let table = before.into_iter().chain(after).map(item_size).max().unwrap_or(0).div_ceil(UNIT).max(1) as u64;
        let indexes = self
            .indexes
            .iter()
            .map(|index| {
                let entry = |image| in_index(index, image);
                let units = match (entry(before), entry(after)) {
                    (None, None) => 0,
                    (Some(only), None) | (None, Some(only)) => self.entry_units(index, only),
                    (Some(old), Some(new)) if index.keys.iter().any(|k| old.get(k) != new.get(k)) => {
                        self.entry_units(index, old) + self.entry_units(index, new)
                    }
                    (Some(old), Some(new)) if self.projection(index, old) != self.projection(index, new) => {
                        self.entry_units(index, old).max(self.entry_units(index, new))
                    }
                    (Some(_), Some(_)) => 0,
                };
                (index.name.clone(), units)
            })
            .collect();
        WriteUnits { table, indexes }
    }

    /// The attributes an index entry holds: its keys, the table's keys and what the index projects.
    fn projection(&self, index: &IndexShape, item: &Image) -> Image {
        item.iter()
            .filter(|(name, _)| match &index.projected {
                None => true,
                Some(projected) => {
                    index.keys.contains(name) || self.table_keys.contains(name) || projected.contains(name)
                }
            })
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }

    fn entry_units(&self, index: &IndexShape, item: &Image) -> u64 {
        (item_size(&self.projection(index, item)) + INDEX_ENTRY_OVERHEAD).div_ceil(UNIT) as u64
    }
}

/// The item, if it has an entry in the index (it has every key attribute of the index).
fn in_index<'a>(index: &IndexShape, image: Option<&'a Image>) -> Option<&'a Image> {
    image.filter(|item| index.keys.iter().all(|k| item.contains_key(k)))
}

/// An item's size by AWS's rules: each attribute's name and value in bytes.
pub fn item_size(item: &Image) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => number_size(number),
        AttributeValue::B(bytes) => bytes.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(texts) => texts.iter().map(String::len).sum(),
        AttributeValue::Ns(numbers) => numbers.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(blobs) => blobs.iter().map(|b| b.as_ref().len()).sum(),
        // A list or map is 3 bytes, plus each element and a byte for it (and a map element's name).
        AttributeValue::L(values) => 3 + values.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        AttributeValue::M(entries) => 3 + entries.iter().map(|(k, v)| k.len() + value_size(v) + 1).sum::<usize>(),
        _ => 0,
    }
}

/// A byte per two significant digits, plus one.
fn number_size(number: &str) -> usize {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len().max(1);
    significant.div_ceil(2) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> Shape {
        let index = |n: usize| IndexShape {
            name: format!("gsi{n}"),
            keys: vec![format!("gsi{n}pk"), format!("gsi{n}sk")],
            projected: None,
        };
        Shape { table_keys: vec!["pk".into(), "sk".into()], indexes: vec![index(1), index(2)] }
    }

    fn item(pairs: &[(&str, &str)]) -> Image {
        pairs.iter().map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string()))).collect()
    }

    fn units(written: &WriteUnits) -> (u64, Vec<u64>) {
        (written.table, written.indexes.iter().map(|(_, u)| *u).collect())
    }

    #[test]
    fn a_new_item_costs_its_size_and_an_entry_in_each_index_it_is_in() {
        let new = item(&[("pk", "A"), ("sk", "R"), ("gsi1pk", "X"), ("gsi1sk", "1")]);
        assert_eq!(units(&shape().write_units(None, Some(&new))), (1, vec![1, 0]));
        let big = item(&[("pk", "A"), ("sk", "R"), ("body", &"x".repeat(1500))]);
        assert_eq!(units(&shape().write_units(None, Some(&big))), (2, vec![0, 0]));
        assert_eq!(units(&shape().write_units(Some(&big), None)), (2, vec![0, 0]), "a delete costs what it removed");
    }

    #[test]
    fn an_index_costs_two_entries_when_its_key_changes_and_none_when_its_entry_is_unchanged() {
        let old =
            item(&[("pk", "A"), ("sk", "R"), ("gsi1pk", "new"), ("gsi1sk", "1"), ("gsi2pk", "O"), ("gsi2sk", "1")]);
        let moved =
            item(&[("pk", "A"), ("sk", "R"), ("gsi1pk", "won"), ("gsi1sk", "1"), ("gsi2pk", "O"), ("gsi2sk", "1")]);
        // The status index's key moves (2); the other index projects everything, and the item changed (1).
        assert_eq!(units(&shape().write_units(Some(&old), Some(&moved))), (1, vec![2, 1]));
        assert_eq!(units(&shape().write_units(Some(&old), Some(&old))), (1, vec![0, 0]));
        let keys_only = Shape {
            indexes: vec![IndexShape {
                name: "k".into(),
                keys: vec!["gsi2pk".into(), "gsi2sk".into()],
                projected: Some(vec![]),
            }],
            ..shape()
        };
        assert_eq!(
            units(&keys_only.write_units(Some(&old), Some(&moved))),
            (1, vec![0]),
            "nothing it projects changed"
        );
    }

    #[test]
    fn sizes_follow_the_rules_for_numbers_and_nested_values() {
        assert_eq!(number_size("12345"), 4);
        assert_eq!(number_size("-0.0012"), 2);
        assert_eq!(number_size("1000"), 2);
        let nested =
            AttributeValue::M(HashMap::from([("a".into(), AttributeValue::L(vec![AttributeValue::Bool(true)]))]));
        assert_eq!(value_size(&nested), 3 + (1 + (3 + 2) + 1));
    }
}
