//! Attempt counters for throttling (see `crm_domain::throttle`): one item per kind of attempt, subject
//! and hour-long window, expiring with its window. The subject (an email, an address) is stored only as
//! its hash.

use crate::Table;
use crate::error::StoreError;
use crate::keys::TTL;
use crate::secrets::sha256_hex;
use crate::tx::{key, n};
use crm_domain::TenantId;
use crm_domain::throttle::{Attempt, WINDOW_SECONDS, window};

fn counter_pk(attempt: Attempt, subject: &str) -> String {
    format!("T#{}#THROTTLE#{attempt}#{}", TenantId::SYSTEM, sha256_hex(&subject.to_lowercase()))
}

fn counter_key(attempt: Attempt, subject: &str, window: i64) -> crate::tx::Item {
    key(counter_pk(attempt, subject), &format!("W#{window}"))
}

impl Table {
    /// Seconds the next `attempt` by `subject` must wait, if it must. Attempts count over this window and
    /// the one before, so a burst is not forgiven the moment the clock passes the hour.
    pub async fn throttled(&self, attempt: Attempt, subject: &str, now: i64) -> Result<Option<i64>, StoreError> {
        let (current, previous) = tokio::join!(
            self.get_item(counter_key(attempt, subject, window(now)), false),
            self.get_item(counter_key(attempt, subject, window(now) - 1), false),
        );
        let (mut attempts, mut last_at) = (0u32, None::<i64>);
        for counter in [current?, previous?].into_iter().flatten() {
            let number = |name: &str| counter.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
            let counted = number("attempts").and_then(|a| u32::try_from(a).ok()).unwrap_or(u32::MAX);
            attempts = attempts.saturating_add(counted);
            last_at = last_at.max(number("last_at"));
        }
        Ok(attempt.limit().wait(attempts, last_at.unwrap_or(now), now))
    }

    /// Counts one `attempt` by `subject`.
    pub async fn count_attempt(&self, attempt: Attempt, subject: &str, now: i64) -> Result<(), StoreError> {
        self.client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(counter_key(attempt, subject, window(now))))
            .update_expression("ADD attempts :one SET last_at = :now, #ttl = :expires")
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now))
            // Kept through the next window too, where it still counts.
            .expression_attribute_values(":expires", n((window(now) + 2) * WINDOW_SECONDS + WINDOW_SECONDS))
            .send()
            .await?;
        Ok(())
    }

    /// Forgets `subject`'s counted attempts (a right password after a few wrong ones).
    pub async fn forget_attempts(&self, attempt: Attempt, subject: &str, now: i64) -> Result<(), StoreError> {
        for window in [window(now), window(now) - 1] {
            let key = counter_key(attempt, subject, window);
            self.client().delete_item().table_name(self.name()).set_key(Some(key)).send().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys;

    #[test]
    fn counters_key_a_hash_of_the_subject_under_the_system_tenant() {
        let pk = counter_pk(Attempt::SignInForAccount, "Ada@Example.com");
        assert!(pk.starts_with(&keys::tenant_prefix(TenantId::SYSTEM)));
        assert!(!pk.to_lowercase().contains("ada"));
        assert_eq!(pk, counter_pk(Attempt::SignInForAccount, "ada@example.com"));
        assert_ne!(pk, counter_pk(Attempt::SignInFromAddress, "ada@example.com"));
    }
}
