//! CSV exports of records: what an export asks for, the columns of each kind, and a record as a row of
//! them. Pure: the jobs worker pages the records (as the list routes do, Sales seeing only its own) and
//! writes these rows.

use crate::deal::DealStage;
use crate::ids::UserId;
use crate::lead::LeadStatus;
use crate::record::RecordKind;
use crate::validation::{self, FieldError, Invalid};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An export asked for: a kind of record and that kind's list filters (a lead's `status`, a deal's `stage`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NewExport {
    Lead {
        #[serde(default)]
        status: Option<LeadStatus>,
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
        owner_id: Option<UserId>,
        #[serde(default)]
        #[schema(schema_with = crate::schema::optional_tag)]
        tag: Option<String>,
    },
    Customer {
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
        owner_id: Option<UserId>,
        #[serde(default)]
        #[schema(schema_with = crate::schema::optional_tag)]
        tag: Option<String>,
    },
    Deal {
        #[serde(default)]
        stage: Option<DealStage>,
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
        owner_id: Option<UserId>,
        #[serde(default)]
        #[schema(schema_with = crate::schema::optional_tag)]
        tag: Option<String>,
    },
}

impl NewExport {
    pub fn kind(&self) -> RecordKind {
        match self {
            NewExport::Lead { .. } => RecordKind::Lead,
            NewExport::Customer { .. } => RecordKind::Customer,
            NewExport::Deal { .. } => RecordKind::Deal,
        }
    }

    /// The lead status or deal stage asked for, as the list filter names it.
    pub fn state(&self) -> Option<&'static str> {
        match self {
            NewExport::Lead { status, .. } => status.map(LeadStatus::as_str),
            NewExport::Customer { .. } => None,
            NewExport::Deal { stage, .. } => stage.map(DealStage::as_str),
        }
    }

    pub fn owner(&self) -> Option<UserId> {
        match self {
            NewExport::Lead { owner_id, .. }
            | NewExport::Customer { owner_id, .. }
            | NewExport::Deal { owner_id, .. } => *owner_id,
        }
    }

    pub fn tag(&self) -> Option<&str> {
        match self {
            NewExport::Lead { tag, .. } | NewExport::Customer { tag, .. } | NewExport::Deal { tag, .. } => {
                tag.as_deref()
            }
        }
    }

    /// The same export of `owner`'s records only (or of everyone's, for `None`).
    pub fn of_owner(mut self, owner: Option<UserId>) -> Self {
        match &mut self {
            NewExport::Lead { owner_id, .. }
            | NewExport::Customer { owner_id, .. }
            | NewExport::Deal { owner_id, .. } => *owner_id = owner,
        }
        self
    }
}

/// An export as a request body is read: every filter of every kind, so that a filter the kind does not
/// take, or a bad value, is refused naming its field. The document describes [`NewExport`], which is what
/// [`ExportAsked::validate`] makes of it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportAsked {
    pub kind: RecordKind,
    #[serde(default)]
    pub status: Option<LeadStatus>,
    #[serde(default)]
    pub stage: Option<DealStage>,
    #[serde(default)]
    pub owner_id: Option<UserId>,
    #[serde(default)]
    pub tag: Option<String>,
}

impl ExportAsked {
    /// The export asked for, with the kind's filters only, its tag canonical as the kind's list makes it.
    pub fn validate(self) -> Result<NewExport, Invalid> {
        let mut errors = Vec::new();
        if self.status.is_some() && self.kind != RecordKind::Lead {
            errors.push(FieldError::new("status", format!("{} have no status; only leads do", self.kind.collection())));
        }
        if self.stage.is_some() && self.kind != RecordKind::Deal {
            errors.push(FieldError::new("stage", format!("{} have no stage; only deals do", self.kind.collection())));
        }
        let tag = match self.tag.as_deref().map(|raw| validation::tag("tag", raw)).transpose() {
            Ok(tag) => tag,
            Err(error) => {
                errors.push(error);
                None
            }
        };
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        let owner_id = self.owner_id;
        Ok(match self.kind {
            RecordKind::Lead => NewExport::Lead { status: self.status, owner_id, tag },
            RecordKind::Customer => NewExport::Customer { owner_id, tag },
            RecordKind::Deal => NewExport::Deal { stage: self.stage, owner_id, tag },
        })
    }
}

/// The columns of an export of `kind`, in order. A nested value is named by its path (`address.city`),
/// and the tags share one cell, separated by `;` (a tag cannot contain one).
pub fn columns(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Lead => &[
            "id",
            "name",
            "email",
            "phone",
            "company",
            "source",
            "status",
            "owner_id",
            "tags",
            "estimated_value.amount_minor",
            "estimated_value.currency",
            "customer_id",
            "converted_at",
            "created_at",
            "updated_at",
            "version",
        ],
        RecordKind::Customer => &[
            "id",
            "name",
            "email",
            "phone",
            "company",
            "address.line1",
            "address.line2",
            "address.city",
            "address.region",
            "address.postal_code",
            "address.country",
            "owner_id",
            "tags",
            "lifetime_value.amount_minor",
            "lifetime_value.currency",
            "lead_id",
            "created_at",
            "updated_at",
            "version",
        ],
        RecordKind::Deal => &[
            "id",
            "name",
            "customer_id",
            "lead_id",
            "amount.amount_minor",
            "amount.currency",
            "stage",
            "expected_close_date",
            "owner_id",
            "lost_reason",
            "closed_at",
            "tags",
            "created_at",
            "updated_at",
            "version",
        ],
    }
}

/// A record (as its JSON) as the cells of [`columns`] of its kind.
pub fn row(kind: RecordKind, record: &Value) -> Vec<String> {
    columns(kind).iter().map(|column| cell(column.split('.').try_fold(record, |value, part| value.get(part)))).collect()
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => defused(text),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(defused).collect::<Vec<_>>().join(";"),
        Some(other) => other.to_string(),
    }
}

/// A spreadsheet takes a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return for a formula;
/// such text is written after a `'` (as OWASP advises for CSV), so a name typed into a form cannot run in
/// the spreadsheet of whoever opens the export.
pub fn defused(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_record_fills_its_kind_s_columns_in_order() {
        let lead = json!({"id": "L1", "name": "Ada", "email": null, "status": "new", "owner_id": "U1",
            "tags": ["vip", "2026"], "estimated_value": {"amount_minor": 1250, "currency": "EUR"}, "version": 3});
        let row = row(RecordKind::Lead, &lead);
        assert_eq!(row.len(), columns(RecordKind::Lead).len());
        let at = |name: &str| row[columns(RecordKind::Lead).iter().position(|c| *c == name).unwrap()].as_str();
        assert_eq!((at("id"), at("name"), at("email"), at("status")), ("L1", "Ada", "", "new"));
        assert_eq!(
            (at("tags"), at("estimated_value.amount_minor"), at("estimated_value.currency")),
            ("vip;2026", "1250", "EUR")
        );
        assert_eq!((at("customer_id"), at("version")), ("", "3"));
    }

    #[test]
    fn text_a_spreadsheet_would_run_is_defused() {
        for formula in ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defused(formula), format!("'{formula}"));
        }
        assert_eq!(defused("Ada = Lovelace"), "Ada = Lovelace");
        let customer = json!({"name": "=HYPERLINK(\"http://x\")", "address": {"city": "Paris"}, "tags": ["=x"]});
        let row = row(RecordKind::Customer, &customer);
        assert_eq!(row[1], "'=HYPERLINK(\"http://x\")");
        assert!(row.contains(&"Paris".to_owned()) && row.contains(&"'=x".to_owned()));
    }

    #[test]
    fn an_export_takes_its_kind_s_filters_only() {
        let ask = |body: Value| serde_json::from_value::<ExportAsked>(body).unwrap().validate();
        let lead = ask(json!({"kind": "lead", "status": "qualified", "tag": " VIP "})).unwrap();
        assert_eq!((lead.kind(), lead.state(), lead.tag()), (RecordKind::Lead, Some("qualified"), Some("vip")));
        let deal = ask(json!({"kind": "deal", "stage": "won"})).unwrap();
        assert_eq!((deal.kind(), deal.state()), (RecordKind::Deal, Some("won")));
        let field = |body: Value| ask(body).unwrap_err().0.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(field(json!({"kind": "deal", "status": "new"})), ["status"]);
        assert_eq!(field(json!({"kind": "customer", "stage": "won", "tag": "no;way"})), ["stage", "tag"]);
        assert!(serde_json::from_value::<ExportAsked>(json!({"kind": "notes"})).is_err());
        let owner = UserId::new();
        assert_eq!(ask(json!({"kind": "customer"})).unwrap().of_owner(Some(owner)).owner(), Some(owner));
        // What is stored with the job is the exact shape the document describes.
        assert_eq!(serde_json::to_value(&deal).unwrap()["kind"], "deal");
        assert_eq!(serde_json::from_value::<NewExport>(serde_json::to_value(&deal).unwrap()).unwrap(), deal);
    }

    #[test]
    fn every_kind_names_its_id_owner_and_version() {
        for kind in RecordKind::ALL {
            for column in ["id", "name", "owner_id", "tags", "created_at", "version"] {
                assert!(columns(kind).contains(&column), "{kind:?} {column}");
            }
        }
    }
}
