//! Leads: prospective customers, their fields, and the rules for changing them.

use crate::clock::Timestamp;
use crate::contact::{Contact, ContactFields, ContactPatch};
use crate::ids::{CustomerId, LeadId, UserId};
use crate::patch::Patch;
use crate::record::{NewRecord, Record, RecordKind, RecordPatch, Updated, record_basics, settle};
use crate::validation::{self as v, Checks, FieldError, Invalid, MAX_SHORT_TEXT};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "graphql", derive(async_graphql::Enum), graphql(rename_items = "snake_case"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    Unqualified,
    Converted,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 5] =
        [LeadStatus::New, LeadStatus::Contacted, LeadStatus::Qualified, LeadStatus::Unqualified, LeadStatus::Converted];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Contacted => "contacted",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Unqualified => "unqualified",
            LeadStatus::Converted => "converted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Open statuses move freely among themselves. `converted` is reached only by converting the lead
    /// into a customer, and nothing leaves it.
    pub fn can_move_to(self, next: LeadStatus) -> bool {
        self == next || (self != LeadStatus::Converted && next != LeadStatus::Converted)
    }
}

/// An amount in integer minor units (cents) of an ISO 4217 currency: never floating point.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject),
    graphql(rename_fields = "snake_case", input_name = "MoneyInput")
)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    #[schema(minimum = 0, maximum = 9_000_000_000_000_i64)]
    #[serde(deserialize_with = "whole_number")]
    pub amount_minor: i64,
    #[schema(schema_with = crate::schema::currency)]
    pub currency: String,
}

/// An optional JSON integer (see `whole_number`).
pub(crate) fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "whole_number")] i64);
    Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(n)| n))
}

/// A JSON integer, which JSON Schema also writes with a zero fraction (`12.0`).
pub(crate) fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }

        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<i64, E> {
            Ok(n)
        }

        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<i64, E> {
            i64::try_from(n).map_err(|_| E::custom("the number is too large"))
        }

        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<i64, E> {
            // Within ±2^53 every whole f64 is exact.
            if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 {
                Ok(n as i64)
            } else {
                Err(E::custom(format!("invalid type: floating point `{n}`, expected a whole number")))
            }
        }
    }
    deserializer.deserialize_any(Whole)
}

/// The largest amount accepted: well inside `i64` and exactly representable in JSON numbers.
pub const MAX_AMOUNT_MINOR: i64 = 9_000_000_000_000;

impl Money {
    pub(crate) fn check(self, field: &str) -> Result<Money, FieldError> {
        if !(0..=MAX_AMOUNT_MINOR).contains(&self.amount_minor) {
            return Err(FieldError::new(
                format!("{field}.amount_minor"),
                format!("must be between 0 and {MAX_AMOUNT_MINOR}"),
            ));
        }
        let currency = v::currency(&format!("{field}.currency"), &self.currency)?;
        Ok(Money { amount_minor: self.amount_minor, currency })
    }
}

// The API's GraphQL type of the same name adds the record's links to these fields.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "LeadFields", rename_fields = "snake_case")
)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Lead {
    pub id: LeadId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub source: Option<String>,
    pub status: LeadStatus,
    pub owner_id: UserId,
    #[serde(default)]
    pub tags: Vec<String>,
    pub estimated_value: Option<Money>,
    /// Set when the lead is converted: the customer it became.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    #[serde(default)]
    pub converted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Record for Lead {
    type Id = LeadId;
    const KIND: RecordKind = RecordKind::Lead;

    record_basics!(LeadId);
    fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
    fn state(&self) -> Option<&'static str> {
        Some(self.status.as_str())
    }
    fn parse_state(text: &str) -> Option<&'static str> {
        LeadStatus::parse(text).map(LeadStatus::as_str)
    }
    fn state_names() -> &'static [&'static str] {
        &["new", "contacted", "qualified", "unqualified", "converted"]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversionRefused {
    #[error("the lead was already converted")]
    AlreadyConverted,
    #[error("only a qualified lead can be converted; this one is {0}")]
    NotQualified(&'static str),
}

impl Lead {
    /// The converted lead, pointing at the customer it became.
    pub fn convert(&self, customer: CustomerId, now: Timestamp) -> Result<Updated<Lead>, ConversionRefused> {
        match self.status {
            LeadStatus::Converted => return Err(ConversionRefused::AlreadyConverted),
            LeadStatus::Qualified => {}
            other => return Err(ConversionRefused::NotQualified(other.as_str())),
        }
        let next = Lead {
            status: LeadStatus::Converted,
            customer_id: Some(customer),
            converted_at: Some(now.rfc3339()),
            ..self.clone()
        };
        Ok(settle(self, next, now, |l, at, v| (l.updated_at, l.version) = (at, v)))
    }
}

/// `POST /leads`.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "NewLead", rename_fields = "snake_case")
)]
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    #[schema(schema_with = crate::schema::name)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_email)]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_phone)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name)]
    pub company: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_short)]
    pub source: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::new_lead_status)]
    pub status: Option<LeadStatus>,
    #[serde(default)]
    pub owner_id: Option<UserId>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::tags)]
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub tags: Vec<String>,
    #[serde(default)]
    pub estimated_value: Option<Money>,
}

impl NewRecord<Lead> for NewLead {
    fn requested_owner(&self) -> Option<UserId> {
        self.owner_id
    }

    /// Checks every field; `owner` is the owner the policy settled on.
    fn validate(self, owner: UserId, now: Timestamp) -> Result<Lead, Invalid> {
        let mut checks = Checks::default();
        let contact = Contact::check(
            &mut checks,
            &self.name,
            self.email.as_deref(),
            self.phone.as_deref(),
            self.company.as_deref(),
        );
        let source = checks.take(v::optional_text("source", self.source.as_deref(), MAX_SHORT_TEXT));
        let tags = checks.take(v::tags("tags", &self.tags));
        let estimated_value = checks.take(self.estimated_value.map(|m| m.check("estimated_value")).transpose());
        let status = self.status.unwrap_or(LeadStatus::New);
        if status == LeadStatus::Converted {
            checks.fail(FieldError::new("status", "a lead becomes converted only by converting it into a customer"));
        }
        checks.finish()?;
        let at = now.rfc3339();
        let ok = "checks passed";
        let contact = contact.expect(ok);
        Ok(Lead {
            id: LeadId::new(),
            name: contact.name,
            email: contact.email,
            phone: contact.phone,
            company: contact.company,
            source: source.expect(ok),
            status,
            owner_id: owner,
            tags: tags.expect(ok),
            estimated_value: estimated_value.expect(ok),
            customer_id: None,
            converted_at: None,
            created_at: at.clone(),
            updated_at: at,
            version: 1,
        })
    }
}

/// `PATCH /leads/{id}`: absent fields stay, `null` clears an optional one.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "LeadPatch", rename_fields = "snake_case")
)]
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    #[serde(default)]
    #[schema(schema_with = crate::schema::name)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_email)]
    pub email: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_phone)]
    pub phone: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name)]
    pub company: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_short)]
    pub source: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::lead_status_change)]
    pub status: Patch<LeadStatus>,
    #[serde(default)]
    #[schema(value_type = UserId)]
    pub owner_id: Patch<UserId>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::tags)]
    pub tags: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Money>)]
    pub estimated_value: Patch<Money>,
}

impl RecordPatch<Lead> for LeadPatch {
    fn apply(self, current: &Lead, now: Timestamp) -> Result<Updated<Lead>, Invalid> {
        let mut checks = Checks::default();
        let mut next = current.clone();
        let c = &mut checks;
        let contact = ContactPatch { name: self.name, email: self.email, phone: self.phone, company: self.company };
        let fields = ContactFields {
            name: &mut next.name,
            email: &mut next.email,
            phone: &mut next.phone,
            company: &mut next.company,
        };
        contact.apply(c, fields);
        self.source.update_optional(&mut next.source, c, |t| v::optional_text("source", Some(&t), MAX_SHORT_TEXT));
        self.owner_id.update_required("owner_id", &mut next.owner_id, c, Ok);
        self.tags.update_required("tags", &mut next.tags, c, |t| v::tags("tags", &t));
        self.estimated_value.update_optional(&mut next.estimated_value, c, |m| m.check("estimated_value").map(Some));
        let status = current.status;
        self.status.update_required("status", &mut next.status, c, |next| {
            if status.can_move_to(next) {
                Ok(next)
            } else if next == LeadStatus::Converted {
                Err(FieldError::new("status", "a lead becomes converted only by converting it into a customer"))
            } else {
                Err(FieldError::conflict("status", "a converted lead's status cannot change"))
            }
        });
        checks.finish()?;
        Ok(settle(current, next, now, |l, at, v| (l.updated_at, l.version) = (at, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_lead(json: &str) -> Result<Lead, Invalid> {
        serde_json::from_str::<NewLead>(json).unwrap().validate(UserId::new(), Timestamp::now())
    }

    fn lead() -> Lead {
        new_lead(r#"{"name":"Jonathan Smith","email":"jon@acme.io","tags":["VIP"],"estimated_value":{"amount_minor":1250,"currency":"EUR"}}"#).unwrap()
    }

    fn patch(json: &str) -> LeadPatch {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_new_lead_starts_new_at_version_one() {
        let lead = lead();
        assert_eq!(lead.status, LeadStatus::New);
        assert_eq!(lead.version, 1);
        assert_eq!(lead.tags, ["vip"]);
        assert_eq!(lead.estimated_value, Some(Money { amount_minor: 1250, currency: "EUR".into() }));
    }

    #[test]
    fn new_leads_are_validated_field_by_field() {
        let Invalid(errors) = new_lead(
            r#"{"name":"","email":"x","estimated_value":{"amount_minor":-1,"currency":"EUR"},"status":"converted"}"#,
        )
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "email", "estimated_value.amount_minor", "status"]);
        let Invalid(errors) =
            new_lead(r#"{"name":"A","estimated_value":{"amount_minor":1,"currency":"XXX"}}"#).unwrap_err();
        assert_eq!(errors[0].field, "estimated_value.currency");
    }

    #[test]
    fn status_moves() {
        use LeadStatus::*;
        assert!(New.can_move_to(Qualified));
        assert!(Unqualified.can_move_to(Contacted));
        assert!(!Qualified.can_move_to(Converted));
        assert!(!Converted.can_move_to(New));
        assert!(Converted.can_move_to(Converted));
    }

    #[test]
    fn a_patch_records_old_and_new_values_and_bumps_the_version() {
        let lead = lead();
        let update = patch(r#"{"status":"contacted","phone":"+44 20 7946 0000","email":null}"#)
            .apply(&lead, Timestamp::now())
            .unwrap();
        assert_eq!(update.record.version, 2);
        assert_eq!(update.record.email, None);
        let fields: Vec<_> = update.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["email", "phone", "status"]);
        let status = &update.changes[2];
        assert_eq!((status.old.as_str(), status.new.as_str()), (Some("new"), Some("contacted")));
    }

    #[test]
    fn an_empty_or_idle_patch_changes_nothing() {
        let lead = lead();
        let update = patch(r#"{"name":"Jonathan Smith","tags":["vip","VIP"]}"#).apply(&lead, Timestamp::now()).unwrap();
        assert!(update.changes.is_empty());
        assert_eq!(update.record, lead);
    }

    #[test]
    fn bad_patches_name_the_field() {
        let lead = lead();
        for (json, field) in [
            (r#"{"name":null}"#, "name"),
            (r#"{"name":"  "}"#, "name"),
            (r#"{"status":"converted"}"#, "status"),
            (r#"{"owner_id":null}"#, "owner_id"),
            (r#"{"tags":["a#b"]}"#, "tags[0]"),
            (r#"{"estimated_value":{"amount_minor":5,"currency":"eur"}}"#, "estimated_value.currency"),
        ] {
            let Invalid(errors) = patch(json).apply(&lead, Timestamp::now()).unwrap_err();
            assert_eq!(errors[0].field, field, "{json}");
        }
    }

    #[test]
    fn only_a_qualified_lead_converts_and_only_once() {
        let lead = lead();
        let customer = CustomerId::new();
        assert_eq!(lead.convert(customer, Timestamp::now()).unwrap_err(), ConversionRefused::NotQualified("new"));
        let qualified = patch(r#"{"status":"qualified"}"#).apply(&lead, Timestamp::now()).unwrap().record;
        let converted = qualified.convert(customer, Timestamp::now()).unwrap();
        assert_eq!(converted.record.status, LeadStatus::Converted);
        assert_eq!(converted.record.customer_id, Some(customer));
        assert_eq!(converted.record.version, qualified.version + 1);
        assert_eq!(
            converted.record.convert(customer, Timestamp::now()).unwrap_err(),
            ConversionRefused::AlreadyConverted
        );
        let Invalid(errors) = patch(r#"{"status":"new"}"#).apply(&converted.record, Timestamp::now()).unwrap_err();
        assert_eq!(errors[0].field, "status");
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<LeadPatch>(r#"{"nmae":"x"}"#).is_err());
        assert!(serde_json::from_str::<NewLead>(r#"{"name":"x","tenant_id":"y"}"#).is_err());
    }
}
