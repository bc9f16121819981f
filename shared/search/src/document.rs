//! The search document of a lead, customer, deal or note.

use crm_domain::TenantId;
use crm_domain::events::Snapshot;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchDoc {
    pub tenant_id: String,
    /// `lead`, `customer`, `deal` or `note`.
    #[serde(rename = "type")]
    pub kind: String,
    pub record_id: String,
    /// The record's owner; for a note, the owner of its record when the note was written.
    pub owner_id: Option<String>,
    pub parent_type: Option<String>,
    pub parent_id: Option<String>,
    pub state: Option<String>,
    pub tags: Vec<String>,
    pub updated_at: String,
    pub name: Option<String>,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub body: Option<String>,
}

/// Documents are keyed by tenant, kind and id, so no tenant's document can replace another's.
pub fn doc_id(tenant: TenantId, kind: &str, id: &str) -> String {
    format!("{tenant}:{kind}:{id}")
}

impl SearchDoc {
    /// The document of a record or note, with the version that orders its writes; `None` for what is
    /// not searched (messages).
    pub fn from_snapshot(
        tenant: TenantId,
        snapshot: &Snapshot,
        note_owner: Option<String>,
    ) -> Option<(String, SearchDoc, u64)> {
        let base = |kind: &str, id: String, owner: String, updated_at: &str| SearchDoc {
            tenant_id: tenant.to_string(),
            kind: kind.to_owned(),
            record_id: id,
            owner_id: Some(owner),
            parent_type: None,
            parent_id: None,
            state: None,
            tags: Vec::new(),
            updated_at: updated_at.to_owned(),
            name: None,
            company: None,
            email: None,
            phone: None,
            body: None,
        };
        let (doc, version) = match snapshot {
            Snapshot::Lead(l) => (
                SearchDoc {
                    state: Some(l.status.as_str().to_owned()),
                    tags: l.tags.clone(),
                    name: Some(l.name.clone()),
                    company: l.company.clone(),
                    email: l.email.clone(),
                    phone: l.phone.clone(),
                    ..base("lead", l.id.to_string(), l.owner_id.to_string(), &l.updated_at)
                },
                l.version,
            ),
            Snapshot::Customer(c) => (
                SearchDoc {
                    tags: c.tags.clone(),
                    name: Some(c.name.clone()),
                    company: c.company.clone(),
                    email: c.email.clone(),
                    phone: c.phone.clone(),
                    ..base("customer", c.id.to_string(), c.owner_id.to_string(), &c.updated_at)
                },
                c.version,
            ),
            Snapshot::Deal(d) => (
                SearchDoc {
                    state: Some(d.stage.as_str().to_owned()),
                    tags: d.tags.clone(),
                    name: Some(d.name.clone()),
                    ..base("deal", d.id.to_string(), d.owner_id.to_string(), &d.updated_at)
                },
                d.version,
            ),
            Snapshot::Note(n) => (
                SearchDoc {
                    owner_id: note_owner,
                    parent_type: Some(n.record_type.entity().to_owned()),
                    parent_id: Some(n.record_id.clone()),
                    body: Some(n.body.clone()),
                    ..base("note", n.id.to_string(), String::new(), &n.updated_at)
                },
                n.version,
            ),
            Snapshot::Message(_) => return None,
        };
        Some((doc_id(tenant, &doc.kind, &doc.record_id), doc, version))
    }
}
