//! Opaque list cursors. A cursor carries the query's last evaluated key and a fingerprint of the list it
//! came from (tenant, index, partition, filters); it is refused anywhere else, so a cursor can neither
//! page into another tenant nor be replayed against a different list.

use crate::error::StoreError;
use crate::keys::{Index, PK, SK};
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// Longest cursor accepted; ours are a few hundred characters.
const MAX_CURSOR: usize = 2048;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    pub cursor: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Which list a cursor belongs to.
#[derive(Clone, Debug)]
pub(crate) struct ListScope {
    pub tenant_prefix: String,
    pub index: Option<Index>,
    pub partition: String,
    /// Anything else that shapes the list (filters), so changing it invalidates old cursors.
    pub shape: String,
}

impl ListScope {
    fn fingerprint(&self) -> String {
        let index = self.index.map_or("table", Index::name);
        let digest = Sha256::digest(format!("{}\n{index}\n{}\n{}", self.tenant_prefix, self.partition, self.shape));
        digest[..12].iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn partition_attr(&self) -> &'static str {
        self.index.map_or(PK, Index::pk)
    }

    fn key_attrs(&self) -> Vec<&'static str> {
        let mut attrs = vec![PK, SK];
        if let Some(index) = self.index {
            attrs.extend([index.pk(), index.sk()]);
        }
        attrs
    }

    pub fn encode(&self, last_key: &HashMap<String, AttributeValue>) -> Option<String> {
        let key: BTreeMap<&str, &str> =
            last_key.iter().filter_map(|(name, value)| Some((name.as_str(), value.as_s().ok()?.as_str()))).collect();
        let json = serde_json::to_vec(&Cursor { s: self.fingerprint(), k: key }).ok()?;
        Some(URL_SAFE_NO_PAD.encode(json))
    }

    pub fn decode(&self, cursor: &str) -> Result<HashMap<String, AttributeValue>, StoreError> {
        if cursor.len() > MAX_CURSOR {
            return Err(StoreError::BadCursor);
        }
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| StoreError::BadCursor)?;
        let parsed: Cursor = serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
        let attrs = self.key_attrs();
        let well_formed = parsed.s == self.fingerprint()
            && parsed.k.len() == attrs.len()
            && attrs.iter().all(|a| parsed.k.contains_key(a))
            && parsed.k.get(self.partition_attr()) == Some(&self.partition.as_str())
            && parsed.k.get(PK).is_some_and(|pk| pk.starts_with(&self.tenant_prefix));
        if !well_formed {
            return Err(StoreError::BadCursor);
        }
        Ok(parsed.k.into_iter().map(|(name, value)| (name.to_owned(), AttributeValue::S(value.to_owned()))).collect())
    }
}

#[derive(Serialize, Deserialize)]
struct Cursor<'a> {
    s: String,
    #[serde(borrow)]
    k: BTreeMap<&'a str, &'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(tenant: &str, shape: &str) -> ListScope {
        ListScope {
            tenant_prefix: format!("T#{tenant}#"),
            index: Some(Index::Gsi1),
            partition: format!("T#{tenant}#LEADS"),
            shape: shape.to_owned(),
        }
    }

    fn last_key(tenant: &str) -> HashMap<String, AttributeValue> {
        [
            ("pk", format!("T#{tenant}#LEAD#1")),
            ("sk", "LEAD".to_owned()),
            ("gsi1pk", format!("T#{tenant}#LEADS")),
            ("gsi1sk", "1".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), AttributeValue::S(v)))
        .collect()
    }

    #[test]
    fn round_trips_within_its_list() {
        let scope = scope("A", "");
        let cursor = scope.encode(&last_key("A")).unwrap();
        assert_eq!(scope.decode(&cursor).unwrap(), last_key("A"));
    }

    #[test]
    fn refused_by_another_tenant_or_list() {
        let cursor = scope("A", "").encode(&last_key("A")).unwrap();
        assert!(matches!(scope("B", "").decode(&cursor), Err(StoreError::BadCursor)));
        assert!(matches!(scope("A", "status=new").decode(&cursor), Err(StoreError::BadCursor)));
    }

    #[test]
    fn refuses_tampered_or_garbage_cursors() {
        let a = scope("A", "");
        // The right fingerprint around another tenant's key: the partition check catches it.
        let forged = a.encode(&last_key("B")).unwrap();
        assert!(a.decode(&forged).is_err());
        for garbage in ["", "!!!", "e30", &"A".repeat(5000)] {
            assert!(a.decode(garbage).is_err(), "{garbage}");
        }
        let mut bytes = URL_SAFE_NO_PAD.decode(a.encode(&last_key("A")).unwrap()).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 1;
        assert!(a.decode(&URL_SAFE_NO_PAD.encode(bytes)).is_err());
    }
}
