//! One-time tokens (an email verification, a password reset): the value a token stands for, stored under
//! the token's hash until it is used once or expires. Taking it deletes it in the same call, so two
//! concurrent uses cannot both succeed.

use crate::Table;
use crate::error::StoreError;
use crate::keys::TTL;
use crate::secrets::sha256_hex;
use crate::tx::{key, n};
use aws_sdk_dynamodb::types::ReturnValue;
use crm_domain::TenantId;
use serde::Serialize;
use serde::de::DeserializeOwned;

const ONCE: &str = "ONCE";
const VALUE: &str = "value";
const EXPIRES_AT: &str = "expires_at";

fn once_pk(purpose: &str, token: &str) -> String {
    format!("T#{}#ONCE#{purpose}#{}", TenantId::SYSTEM, sha256_hex(token))
}

impl Table {
    /// Stores what `token` stands for until `expires_at` (unix seconds).
    pub async fn put_once<T: Serialize>(
        &self,
        purpose: &str,
        token: &str,
        value: &T,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut item = key(once_pk(purpose, token), ONCE);
        item.insert(VALUE.to_owned(), serde_dynamo::to_attribute_value(value)?);
        item.insert(EXPIRES_AT.to_owned(), n(expires_at));
        item.insert(TTL.to_owned(), n(expires_at));
        self.client().put_item().table_name(self.name()).set_item(Some(item)).send().await?;
        Ok(())
    }

    /// What `token` stands for, if it is known and unexpired; it cannot be taken again.
    pub async fn take_once<T: DeserializeOwned>(
        &self,
        purpose: &str,
        token: &str,
        now_unix: i64,
    ) -> Result<Option<T>, StoreError> {
        let output = self
            .client()
            .delete_item()
            .table_name(self.name())
            .set_key(Some(key(once_pk(purpose, token), ONCE)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await?;
        let Some(mut old) = output.attributes else { return Ok(None) };
        let expires_at = old.get(EXPIRES_AT).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
        if expires_at.is_none_or(|at| at <= now_unix) {
            return Ok(None);
        }
        let Some(value) = old.remove(VALUE) else { return Ok(None) };
        Ok(Some(serde_dynamo::from_attribute_value(value)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_keyed_by_hash_under_the_system_tenant() {
        let pk = once_pk("reset", "secret-token");
        assert!(pk.starts_with(&crate::keys::tenant_prefix(TenantId::SYSTEM)));
        assert!(!pk.contains("secret-token"));
        assert_ne!(pk, once_pk("verify", "secret-token"));
    }
}
