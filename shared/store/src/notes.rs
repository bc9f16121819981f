//! Notes live in their record's item collection, under `NOTE#<id>`, newest first by id.

use crate::Table;
use crate::cursor::{ListScope, Page, PageRequest};
use crate::error::StoreError;
use crate::keys::{self, PK, SK};
use crate::read::ListQuery;
use crate::tx::{Item, item, key};
use crm_domain::note::Note;
use crm_domain::{NoteId, RecordKind, TenantId};

pub(crate) fn note_key(tenant: TenantId, kind: RecordKind, record_id: &str, note: NoteId) -> Item {
    key(keys::record(tenant, kind, record_id), &format!("{}{note}", keys::sk::NOTE_PREFIX))
}

pub(crate) fn note_item(tenant: TenantId, note: &Note) -> Result<Item, StoreError> {
    item(
        note,
        [
            (PK, keys::record(tenant, note.record_type, &note.record_id)),
            (SK, format!("{}{}", keys::sk::NOTE_PREFIX, note.id)),
            ("tenant_id", tenant.to_string()),
            ("entity", "note".to_owned()),
        ],
    )
}

impl Table {
    pub async fn note(
        &self,
        tenant: TenantId,
        kind: RecordKind,
        record_id: &str,
        id: NoteId,
    ) -> Result<Option<Note>, StoreError> {
        let found = self.get_item(note_key(tenant, kind, record_id, id), false).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    /// A record's notes, newest first.
    pub async fn notes(
        &self,
        tenant: TenantId,
        kind: RecordKind,
        record_id: &str,
        page: &PageRequest,
    ) -> Result<Page<Note>, StoreError> {
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: None,
            partition: keys::record(tenant, kind, record_id),
            shape: "notes".into(),
        };
        let query =
            ListQuery { scope: &scope, sort_key_prefix: Some(keys::sk::NOTE_PREFIX), filter: None, newest_first: true };
        self.query_records(query, page).await
    }
}
