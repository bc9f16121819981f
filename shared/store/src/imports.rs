//! What an import made of each row of a file: `T#<t>#IMPORT#<KIND>#<file ETag>` / `LINE#<line>` → the
//! record's id. A step run again, or the same file imported again, finds the records its rows made and
//! updates them (changing nothing) instead of making them twice, even rows with no id or email to match by.

use crate::Table;
use crate::changes::Changes;
use crate::error::StoreError;
use crate::keys::{self, SK};
use crate::tx::{key, n, s};
use crm_domain::RecordKind;
use std::collections::HashMap;

/// How long an import remembers its rows: longer than the files bucket keeps the file.
pub const IMPORTED_ROW_DAYS: i64 = 30;

fn row_sk(line: u64) -> String {
    format!("{}{line}", keys::sk::IMPORTED_ROW_PREFIX)
}

impl Changes<'_> {
    /// Notes that line `line` of the file with ETag `file` made record `id`.
    pub fn note_imported_row(
        &mut self,
        kind: RecordKind,
        file: &str,
        line: u64,
        id: &str,
        now_unix: i64,
    ) -> Result<&mut Self, StoreError> {
        let mut item = key(keys::imported_rows(self.tenant, kind, file), &row_sk(line));
        item.insert("record_id".into(), s(id));
        item.insert("ttl".into(), n(now_unix + IMPORTED_ROW_DAYS * 86_400));
        self.tx.put(item, None)?;
        Ok(self)
    }
}

impl Table {
    /// The records earlier imports of the file made of these lines, by line.
    pub async fn imported_rows(
        &self,
        tenant: crm_domain::TenantId,
        kind: RecordKind,
        file: &str,
        lines: &[u64],
    ) -> Result<HashMap<u64, String>, StoreError> {
        let pk = keys::imported_rows(tenant, kind, file);
        let wanted = lines.iter().map(|line| key(pk.clone(), &row_sk(*line))).collect();
        let mut found = HashMap::new();
        for item in self.batch_get(wanted, true).await? {
            let line = item
                .get(SK)
                .and_then(|v| v.as_s().ok())
                .and_then(|sk| sk.strip_prefix(keys::sk::IMPORTED_ROW_PREFIX).and_then(|l| l.parse::<u64>().ok()));
            if let (Some(line), Some(id)) = (line, item.get("record_id").and_then(|v| v.as_s().ok())) {
                found.insert(line, id.clone());
            }
        }
        Ok(found)
    }
}
