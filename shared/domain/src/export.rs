//! CSV exports of records: what an export asks for, the columns of each kind, and a record as a row of
//! them. Pure: the jobs worker pages the records (as the list routes do, Sales seeing only its own) and
//! writes these rows.

use crate::customer::Customer;
use crate::deal::Deal;
use crate::ids::UserId;
use crate::lead::Lead;
use crate::record::{Record, RecordKind};
use crate::validation::{self, FieldError, Invalid};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An export asked for: a kind of record and the list filters (`status` for leads, `stage` for deals).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExport {
    pub kind: RecordKind,
    /// A lead's status or a deal's stage, as the kind's list takes it.
    #[serde(default, alias = "stage")]
    #[schema(max_length = 32)]
    pub status: Option<String>,
    /// Only the records of this owner (Sales may name only itself).
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
    pub owner_id: Option<UserId>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::tag)]
    pub tag: Option<String>,
}

impl NewExport {
    /// The export with its filters checked as the kind's list checks them: the state one of the kind's
    /// (canonical), the tag a tag.
    pub fn validate(self) -> Result<NewExport, Invalid> {
        let mut errors = Vec::new();
        let status = self.status.as_deref().map(|text| {
            let parsed = match self.kind {
                RecordKind::Lead => Lead::parse_state(text),
                RecordKind::Customer => Customer::parse_state(text),
                RecordKind::Deal => Deal::parse_state(text),
            };
            let names = match self.kind {
                RecordKind::Lead => Lead::state_names(),
                RecordKind::Customer => Customer::state_names(),
                RecordKind::Deal => Deal::state_names(),
            };
            parsed.ok_or_else(|| match names {
                [] => FieldError::new("status", format!("{} have no status to filter by", self.kind.collection())),
                names => FieldError::new("status", format!("must be one of: {}", names.join(", "))),
            })
        });
        let status = match status.transpose() {
            Ok(status) => status.map(str::to_owned),
            Err(error) => {
                errors.push(error);
                None
            }
        };
        let tag = match self.tag.as_deref().map(|t| validation::tag("tag", t)).transpose() {
            Ok(tag) => tag,
            Err(error) => {
                errors.push(error);
                None
            }
        };
        if errors.is_empty() { Ok(NewExport { status, tag, ..self }) } else { Err(Invalid(errors)) }
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
    fn filters_are_checked_as_the_kind_s_list_checks_them() {
        let ask = |kind, status: Option<&str>, tag: Option<&str>| {
            NewExport { kind, status: status.map(str::to_owned), owner_id: None, tag: tag.map(str::to_owned) }
                .validate()
        };
        let checked = ask(RecordKind::Lead, Some("qualified"), Some(" VIP ")).unwrap();
        assert_eq!((checked.status.as_deref(), checked.tag.as_deref()), (Some("qualified"), Some("vip")));
        let Invalid(errors) = ask(RecordKind::Deal, Some("qualified"), Some("no;semicolons")).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["status", "tag"]);
        assert!(ask(RecordKind::Customer, Some("new"), None).is_err());
        assert!(ask(RecordKind::Customer, None, None).is_ok());
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
