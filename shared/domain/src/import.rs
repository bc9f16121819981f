//! CSV imports of leads and customers: what an import asks for, which columns feed which fields, and a row
//! read into the same request bodies the API takes (`NewLead`, `LeadPatch`, …), so a row is checked by
//! exactly the API's rules. Pure: the jobs worker reads the file in steps and writes what the rows say
//! through the record core.

use crate::ids::UploadId;
use crate::record::RecordKind;
use crate::validation::{self, FieldError, Invalid};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The largest file an import reads (20 MiB).
pub const MAX_IMPORT_BYTES: u64 = 20 * 1024 * 1024;
/// The most rows an import takes; the rows after it are reported as errors.
pub const MAX_IMPORT_ROWS: u64 = 50_000;
/// The most columns a file's header may have.
pub const MAX_COLUMNS: usize = 100;

/// `POST /api/v1/uploads`: the size of the file to be put, which the link is signed for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUpload {
    /// The file's exact size in bytes: the link takes that many and no other.
    #[schema(minimum = 1, maximum = 20_971_520)]
    pub bytes: u64,
}

impl NewUpload {
    pub fn validate(self) -> Result<u64, Invalid> {
        if self.bytes == 0 || self.bytes > MAX_IMPORT_BYTES {
            let message = format!("must be from 1 to {MAX_IMPORT_BYTES} bytes (20 MiB)");
            return Err(Invalid(vec![FieldError::new("bytes", message)]));
        }
        Ok(self.bytes)
    }
}

/// An import as it is stored with its job: the kind of record the rows are, the file, which column feeds
/// which field, and whether a row without an `id` updates the record that has its email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NewImport {
    Lead {
        #[schema(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
        upload_id: UploadId,
        /// Field → the header name of the column that feeds it. Without it, a column whose header is a
        /// field's name feeds that field.
        #[serde(default)]
        #[schema(schema_with = crate::schema::lead_import_columns)]
        columns: Option<BTreeMap<String, String>>,
        /// Whether a row without an `id` updates the lead that has its email (default true).
        #[serde(default)]
        match_email: Option<bool>,
    },
    Customer {
        #[schema(value_type = String, pattern = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")]
        upload_id: UploadId,
        #[serde(default)]
        #[schema(schema_with = crate::schema::customer_import_columns)]
        columns: Option<BTreeMap<String, String>>,
        #[serde(default)]
        match_email: Option<bool>,
    },
}

/// An import as a request body is read: flat, so that a field the kind lacks is named (`columns.status`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportAsked {
    pub kind: RecordKind,
    pub upload_id: UploadId,
    #[serde(default)]
    pub columns: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub match_email: Option<bool>,
}

impl ImportAsked {
    pub fn validate(self) -> Result<NewImport, Invalid> {
        let mut errors = Vec::new();
        if self.kind == RecordKind::Deal {
            errors.push(FieldError::new("kind", "only leads and customers can be imported"));
        }
        for (field, header) in self.columns.iter().flatten() {
            if self.kind != RecordKind::Deal && !fields(self.kind).contains(&field.as_str()) {
                let known = fields(self.kind).join(", ");
                errors.push(FieldError::new(format!("columns.{field}"), format!("is no field; one of {known}")));
            } else if header.trim().is_empty() {
                errors.push(FieldError::new(format!("columns.{field}"), "must name a column of the file's header"));
            }
        }
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        let (upload_id, columns, match_email) = (self.upload_id, self.columns, self.match_email);
        Ok(match self.kind {
            RecordKind::Customer => NewImport::Customer { upload_id, columns, match_email },
            _ => NewImport::Lead { upload_id, columns, match_email },
        })
    }
}

impl NewImport {
    pub fn kind(&self) -> RecordKind {
        match self {
            NewImport::Lead { .. } => RecordKind::Lead,
            NewImport::Customer { .. } => RecordKind::Customer,
        }
    }

    pub fn upload_id(&self) -> UploadId {
        match self {
            NewImport::Lead { upload_id, .. } | NewImport::Customer { upload_id, .. } => *upload_id,
        }
    }

    pub fn columns(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            NewImport::Lead { columns, .. } | NewImport::Customer { columns, .. } => columns.as_ref(),
        }
    }

    pub fn match_email(&self) -> bool {
        match self {
            NewImport::Lead { match_email, .. } | NewImport::Customer { match_email, .. } => {
                match_email.unwrap_or(true)
            }
        }
    }
}

/// What an export writes that no request sets: made by the system, or by a conversion.
const NOT_IMPORTED: [&str; 7] =
    ["customer_id", "converted_at", "lead_id", "closed_at", "created_at", "updated_at", "version"];

/// The fields a column may feed, by the names an export's header gives them: `id` picks the record a row
/// updates; the rest are the fields of the kind's create and update bodies. Deals are not imported.
pub fn fields(kind: RecordKind) -> Vec<&'static str> {
    if kind == RecordKind::Deal {
        return Vec::new();
    }
    crate::export::columns(kind).iter().copied().filter(|column| !NOT_IMPORTED.contains(column)).collect()
}

/// Which field each column of a file feeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    targets: Vec<Option<&'static str>>,
    /// Header names that feed nothing.
    pub ignored: Vec<String>,
}

impl Mapping {
    /// The mapping of a file with `header`: the one asked for, or the header's own names. Answers why the
    /// file cannot be read that way (the job fails with it).
    pub fn new(
        kind: RecordKind,
        header: &[String],
        columns: Option<&BTreeMap<String, String>>,
    ) -> Result<Mapping, String> {
        if header.len() > MAX_COLUMNS {
            return Err(format!("the file has {} columns; at most {MAX_COLUMNS} are read", header.len()));
        }
        let known = fields(kind);
        let field_named = |name: &str| known.iter().copied().find(|f| f.eq_ignore_ascii_case(name.trim()));
        let targets: Vec<Option<&'static str>> = match columns {
            Some(columns) => {
                if let Some((_, missing)) = columns.iter().find(|(_, h)| !header.iter().any(|c| c.trim() == h.trim())) {
                    return Err(format!("`columns` names `{missing}`, which the file's header does not have"));
                }
                header
                    .iter()
                    .map(|name| columns.iter().find(|(_, h)| h.trim() == name.trim()).and_then(|(f, _)| field_named(f)))
                    .collect()
            }
            None => header.iter().map(|name| field_named(name)).collect(),
        };
        for (at, target) in targets.iter().enumerate() {
            if let Some(field) = target
                && targets[..at].contains(target)
            {
                return Err(format!("two columns are named `{field}`; give `columns` to say which feeds it"));
            }
        }
        if !targets.iter().any(|t| *t == Some("name") || *t == Some("id")) {
            return Err("no column feeds `name` (or `id`): give `columns`, or name a header `name`".into());
        }
        let ignored = header.iter().zip(&targets).filter(|(_, t)| t.is_none()).map(|(h, _)| h.clone()).collect();
        Ok(Mapping { targets, ignored })
    }

    /// A row's cells as the fields they feed. Empty cells feed nothing: on an update the field stays.
    pub fn row(&self, cells: &[String]) -> Result<Row, Invalid> {
        if let Some(extra) = cells.get(self.targets.len()..).and_then(|rest| rest.iter().position(|c| !c.is_empty())) {
            let message =
                format!("the row has a value in column {}, past the header's last", self.targets.len() + extra + 1);
            return Err(Invalid(vec![FieldError::new("row", message)]));
        }
        let mut row = Row::default();
        let mut errors = Vec::new();
        for (target, cell) in self.targets.iter().zip(cells) {
            let (Some(field), text) = (target, restored(cell.trim())) else { continue };
            if text.is_empty() {
                continue;
            }
            let value = match *field {
                "id" => {
                    row.id = Some(text);
                    continue;
                }
                "tags" => Value::Array(
                    text.split([';', ',']).map(str::trim).filter(|t| !t.is_empty()).map(Value::from).collect(),
                ),
                amount if amount.ends_with(".amount_minor") => match text.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => {
                        errors.push(FieldError::new(*field, "must be a whole number of minor units (cents)"));
                        continue;
                    }
                },
                "email" => {
                    row.email = validation::email("email", &text).ok();
                    Value::String(text)
                }
                _ => Value::String(text),
            };
            place(&mut row.fields, field, value);
        }
        if errors.is_empty() { Ok(row) } else { Err(Invalid(errors)) }
    }
}

/// A row read: the record it names, the email it may match by, and its fields as a request body's JSON.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub id: Option<String>,
    /// The row's email, canonical, when it is a valid address.
    pub email: Option<String>,
    pub fields: Map<String, Value>,
}

impl Row {
    /// The row as a request body `T` (`NewLead`, `CustomerPatch`, …), read as the API reads one.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, Invalid> {
        serde_path_to_error::deserialize(Value::Object(self.fields.clone())).map_err(|error| {
            let path = error.path().to_string();
            let message = error.into_inner().to_string();
            // A missing field is reported at the object that lacks it: name the field itself.
            if let Some(missing) = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
                let field = if path == "." { missing.to_owned() } else { format!("{path}.{missing}") };
                return Invalid(vec![FieldError::new(field, "is required")]);
            }
            Invalid(vec![FieldError::new(if path == "." { "row".into() } else { path }, message)])
        })
    }

    pub fn has_fields(&self) -> bool {
        !self.fields.is_empty()
    }
}

/// Puts `value` at the dotted `path` of `object`.
fn place(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => _ = object.insert(path.to_owned(), value),
        Some((head, rest)) => {
            let inner = object.entry(head).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                place(inner, rest, value);
            }
        }
    }
}

/// A cell as it was before an export defused it (`'=x` is `=x`).
fn restored(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if crate::export::defused(rest) != rest => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// How an import's rows went, so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tally {
    pub created: u64,
    pub updated: u64,
    /// Rows that matched a record and changed nothing.
    pub unchanged: u64,
    /// Rows refused; each is a row of the errors file.
    pub failed: u64,
}

/// The first line of the errors file: which row each refused row was, what was wrong, then its cells.
pub fn error_header(header: &[String]) -> Vec<String> {
    ["row", "errors"].into_iter().map(str::to_owned).chain(header.iter().cloned()).collect()
}

/// A refused row as a line of the errors file: its row as a spreadsheet numbers it (the header is row 1),
/// every field at fault with why, then its cells as they were.
pub fn error_row(line: u64, Invalid(errors): &Invalid, cells: &[String]) -> Vec<String> {
    let why = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
    [line.to_string(), why].into_iter().chain(cells.iter().map(|c| crate::export::defused(c))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::{LeadPatch, NewLead};
    use serde_json::json;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    fn cells(values: &[&str]) -> Vec<String> {
        header(values)
    }

    #[test]
    fn a_kind_s_fields_are_what_its_requests_set() {
        let customer = fields(RecordKind::Customer);
        assert!(customer.contains(&"address.city") && customer.contains(&"lifetime_value.currency"));
        assert!(!customer.contains(&"lead_id") && !customer.contains(&"version"));
        let lead = fields(RecordKind::Lead);
        assert!(lead.contains(&"id") && lead.contains(&"status") && !lead.contains(&"customer_id"));
        assert!(fields(RecordKind::Deal).is_empty());
    }

    #[test]
    fn header_names_pick_fields_and_the_rest_is_ignored() {
        let mapping = Mapping::new(RecordKind::Lead, &header(&["Name", " email ", "Notes", "tags"]), None).unwrap();
        assert_eq!(mapping.ignored, ["Notes"]);
        let row = mapping.row(&cells(&["Ada", "ADA@x.io", "ignored", "vip; 2026,b"])).unwrap();
        assert_eq!(row.email.as_deref(), Some("ada@x.io"));
        assert_eq!(
            Value::Object(row.fields),
            json!({"name": "Ada", "email": "ADA@x.io", "tags": ["vip", "2026", "b"]})
        );
    }

    #[test]
    fn a_mapping_asked_for_must_fit_the_file() {
        let file = header(&["Full name", "Mail", "Value", "Cur"]);
        let columns: BTreeMap<String, String> = [
            ("name", "Full name"),
            ("email", "Mail"),
            ("estimated_value.amount_minor", "Value"),
            ("estimated_value.currency", "Cur"),
        ]
        .into_iter()
        .map(|(h, f)| (h.to_owned(), f.to_owned()))
        .collect();
        let mapping = Mapping::new(RecordKind::Lead, &file, Some(&columns)).unwrap();
        let row = mapping.row(&cells(&["Ada", "", "1250", "EUR"])).unwrap();
        let lead: NewLead = row.body().unwrap();
        assert_eq!(lead.estimated_value.unwrap().amount_minor, 1250);
        let mut missing = columns.clone();
        missing.insert("phone".into(), "Phone".into());
        assert!(Mapping::new(RecordKind::Lead, &file, Some(&missing)).unwrap_err().contains("`Phone`"));
        assert!(Mapping::new(RecordKind::Lead, &header(&["email"]), None).unwrap_err().contains("`name`"));
        assert!(
            Mapping::new(RecordKind::Lead, &header(&["name", "NAME"]), None)
                .unwrap_err()
                .contains("two columns are named")
        );
    }

    #[test]
    fn bad_cells_name_their_field_as_the_api_would() {
        let mapping =
            Mapping::new(RecordKind::Lead, &header(&["name", "status", "estimated_value.amount_minor"]), None).unwrap();
        let Invalid(errors) = mapping.row(&cells(&["Ada", "new", "12.5"])).unwrap_err();
        assert_eq!(errors[0].field, "estimated_value.amount_minor");
        let row = mapping.row(&cells(&["Ada", "open", ""])).unwrap();
        let Invalid(errors) = row.body::<NewLead>().unwrap_err();
        assert_eq!(errors[0].field, "status");
        let Invalid(errors) = mapping.row(&cells(&["Ada", "new", "", "x"])).unwrap_err();
        assert_eq!(errors[0].field, "row");
        let Invalid(errors) = mapping.row(&cells(&["", "new", ""])).unwrap().body::<NewLead>().unwrap_err();
        assert_eq!((errors[0].field.as_str(), errors[0].message.as_str()), ("name", "is required"));
        // Fewer cells than columns: the missing ones are empty.
        assert!(mapping.row(&cells(&["Ada"])).unwrap().body::<LeadPatch>().is_ok());
    }

    #[test]
    fn a_defused_cell_comes_back_as_it_was() {
        let mapping = Mapping::new(RecordKind::Lead, &header(&["name", "company"]), None).unwrap();
        let row = mapping.row(&cells(&["'=1+1", "'O'Brien & Co"])).unwrap();
        assert_eq!(row.fields["name"], "=1+1");
        assert_eq!(row.fields["company"], "'O'Brien & Co");
    }

    #[test]
    fn an_import_names_its_bad_columns() {
        let ask = |body: Value| serde_json::from_value::<ImportAsked>(body).unwrap().validate();
        let upload = UploadId::new().to_string();
        let ok = ask(json!({"kind": "customer", "upload_id": upload, "columns": {"address.city": "City"}})).unwrap();
        assert_eq!((ok.kind(), ok.match_email()), (RecordKind::Customer, true));
        let Invalid(errors) =
            ask(json!({"kind": "lead", "upload_id": upload, "columns": {"address.city": "City", "name": " "}}))
                .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["columns.address.city", "columns.name"]);
        assert_eq!(ask(json!({"kind": "deal", "upload_id": upload})).unwrap_err().0[0].field, "kind");
    }

    #[test]
    fn a_refused_row_keeps_its_cells_and_says_why() {
        let invalid = Invalid(vec![FieldError::new("email", "bad"), FieldError::new("status", "worse")]);
        let line = error_row(7, &invalid, &cells(&["=x", "y"]));
        assert_eq!(line, ["7", "email: bad; status: worse", "'=x", "y"]);
        assert_eq!(error_header(&header(&["a"])), ["row", "errors", "a"]);
    }
}
