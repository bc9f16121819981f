//! Puts the mapping of this build in place behind the search alias (`SEARCH_INDEX`): the deploy's custom
//! resource runs it in AWS and the local stack at start. Every reader and writer goes through the alias; the
//! index behind it is named after the mapping's version, so a changed mapping rolls out as a new index,
//! filled from the old one, then swapped in atomically: search never answers from an empty index.

use crate::client::{SearchClient, SearchError, index_body};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// Raise it with every change of `infra/opensearch/records-index.json` (the digest test below insists), and
/// set the template's `SearchIndexBootstrap.MappingVersion` to it: CloudFormation reruns the roll-out only
/// when that property changes.
pub const MAPPING_VERSION: u32 = 1;

/// A reindex of a large index takes minutes; the deploy step's function may run for 15.
const REINDEX_TIMEOUT: Duration = Duration::from_secs(12 * 60);

/// What a roll-out did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollOut {
    /// The index now behind the alias.
    pub index: String,
    /// The indexes it was filled from (the alias's previous ones); empty on a fresh domain or a rerun.
    pub filled_from: Vec<String>,
    /// Indexes of older versions deleted (all but the one just replaced, kept for a rollback).
    pub deleted: Vec<String>,
}

/// The index of `version` behind `alias`.
pub fn versioned_index(alias: &str, version: u32) -> String {
    format!("{alias}-v{version}")
}

/// The version in an index's name, if it is one of `alias`'s.
fn version_of(alias: &str, index: &str) -> Option<u32> {
    index.strip_prefix(alias)?.strip_prefix("-v")?.parse().ok()
}

impl SearchClient {
    /// Makes the alias point at the index of [`MAPPING_VERSION`], creating and filling it first. Safe to rerun:
    /// a finished roll-out changes nothing.
    pub async fn roll_out(&self) -> Result<RollOut, SearchError> {
        let alias = self.index.clone();
        let target = versioned_index(&alias, MAPPING_VERSION);
        let current = self.alias_indexes(&alias).await?;
        if let Some(newer) = current.iter().find(|i| version_of(&alias, i).is_some_and(|v| v > MAPPING_VERSION)) {
            // An older build deployed after a newer one must not take the newer mapping away.
            return Err(SearchError::Backend(format!(
                "{alias} points at {newer}, newer than this build's mapping (version {MAPPING_VERSION})"
            )));
        }
        self.create_index(&target).await?;
        let sources: Vec<String> = current.into_iter().filter(|i| *i != target).collect();
        if sources.is_empty() && self.alias_indexes(&alias).await?.contains(&target) {
            return Ok(RollOut { index: target, filled_from: Vec::new(), deleted: Vec::new() });
        }
        for source in &sources {
            self.copy_documents(source, &target).await?;
        }
        let mut actions: Vec<Value> =
            sources.iter().map(|source| json!({"remove": {"index": source, "alias": alias}})).collect();
        actions.push(json!({"add": {"index": target, "alias": alias}}));
        let (status, body) = self.json(Method::POST, "/_aliases", Some(&json!({"actions": actions}))).await?;
        if !(200..300).contains(&status) {
            return Err(SearchError::Backend(format!("pointing {alias} at {target}: {status} {body}")));
        }
        // Writes that reached the old index while the first copy ran; external versions keep newer ones.
        for source in &sources {
            self.copy_documents(source, &target).await?;
        }
        let deleted = self.delete_older_versions(&alias, &target, &sources).await?;
        Ok(RollOut { index: target, filled_from: sources, deleted })
    }

    /// The indexes behind `alias` (none when it does not exist yet).
    async fn alias_indexes(&self, alias: &str) -> Result<Vec<String>, SearchError> {
        let (status, body) = self.json(Method::GET, &format!("/_alias/{alias}"), None).await?;
        match status {
            404 => Ok(Vec::new()),
            200..=299 => Ok(body.as_object().map(|indexes| indexes.keys().cloned().collect()).unwrap_or_default()),
            _ => Err(SearchError::Backend(format!("reading alias {alias}: {status} {body}"))),
        }
    }

    async fn create_index(&self, index: &str) -> Result<(), SearchError> {
        let (status, _) = self.json(Method::HEAD, &format!("/{index}"), None).await?;
        if status == 200 {
            return Ok(());
        }
        let mapping = index_body(self.replicas)?;
        let (status, body) = self.json(Method::PUT, &format!("/{index}"), Some(&mapping)).await?;
        let exists = body["error"]["type"] == "resource_already_exists_exception";
        if (200..300).contains(&status) || exists {
            Ok(())
        } else {
            Err(SearchError::Backend(format!("creating index {index}: {status} {body}")))
        }
    }

    /// Copies every document of `source` into `target` at its version; a newer one already there stays.
    async fn copy_documents(&self, source: &str, target: &str) -> Result<(), SearchError> {
        let request = json!({
            "source": {"index": source},
            "dest": {"index": target, "version_type": "external"},
            "conflicts": "proceed",
        });
        let (status, body) =
            self.send_with_timeout(Method::POST, "/_reindex?refresh=true", Some(&request), REINDEX_TIMEOUT).await?;
        let failures = body["failures"].as_array().map_or(0, Vec::len);
        if !(200..300).contains(&status) || failures > 0 {
            return Err(SearchError::Backend(format!("copying {source} into {target}: {status} {body}")));
        }
        Ok(())
    }

    async fn delete_older_versions(
        &self,
        alias: &str,
        target: &str,
        kept: &[String],
    ) -> Result<Vec<String>, SearchError> {
        let (status, body) = self.json(Method::GET, &format!("/{alias}-v*"), None).await?;
        if !(200..300).contains(&status) {
            return Err(SearchError::Backend(format!("listing {alias}'s indexes: {status} {body}")));
        }
        let stale: Vec<String> = body
            .as_object()
            .map(|indexes| indexes.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|index| index != target && !kept.contains(index))
            .filter(|index| version_of(alias, index).is_some_and(|v| v < MAPPING_VERSION))
            .collect();
        for index in &stale {
            let (status, body) = self.json(Method::DELETE, &format!("/{index}"), None).await?;
            if !(200..300).contains(&status) && status != 404 {
                return Err(SearchError::Backend(format!("deleting {index}: {status} {body}")));
            }
        }
        Ok(stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// The mapping this version stands for: a change to the mapping without a new version would never reach
    /// a deployed domain.
    const MAPPING_DIGEST: &str = "f8065614ce4e6f095c83005ce9150bdac2189a6b8796c73fa654bc2a5d72a569";

    #[test]
    fn the_mapping_version_is_raised_with_every_change_of_the_mapping() {
        let digest: String = Sha256::digest(crate::MAPPING.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            digest, MAPPING_DIGEST,
            "records-index.json changed: raise MAPPING_VERSION (and the template's MappingVersion), then record the new digest here"
        );
    }

    #[test]
    fn versions_are_read_back_from_index_names() {
        assert_eq!(versioned_index("crm-records-dev", 3), "crm-records-dev-v3");
        assert_eq!(version_of("crm-records-dev", "crm-records-dev-v3"), Some(3));
        assert_eq!(version_of("crm-records-dev", "crm-records-dev"), None);
        assert_eq!(version_of("crm-records-dev", "crm-records-dev-vx"), None);
        assert_eq!(version_of("crm-records", "crm-records-dev-v3"), None);
    }
}
