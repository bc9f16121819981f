//! Customers: people and companies who buy. A customer is created directly or by converting a lead.

use crate::clock::Timestamp;
use crate::contact::{Contact, ContactFields, ContactPatch};
use crate::ids::{CustomerId, LeadId, UserId};
use crate::lead::{Lead, Money};
use crate::patch::Patch;
use crate::record::{NewRecord, Record, RecordKind, RecordPatch, Updated, record_basics, settle};
use crate::validation::{self as v, Checks, FieldError, Invalid, MAX_NAME};
use serde::{Deserialize, Serialize};

#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject),
    graphql(rename_fields = "snake_case", input_name = "AddressInput")
)]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name)]
    pub line1: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name)]
    pub line2: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name)]
    pub city: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name)]
    pub region: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_postal_code)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_country)]
    pub country: Option<String>,
}

pub const MAX_POSTAL_CODE: usize = 20;

impl Address {
    fn check(self, field: &str) -> Result<Option<Address>, FieldError> {
        let text = |name: &str, value: Option<String>, max: usize| {
            v::optional_text(&format!("{field}.{name}"), value.as_deref(), max)
        };
        let country = match self.country.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(code) if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) => Some(code.to_owned()),
            Some(_) => {
                return Err(FieldError::new(format!("{field}.country"), "must be an ISO 3166-1 alpha-2 code, like DE"));
            }
        };
        let address = Address {
            line1: text("line1", self.line1, MAX_NAME)?,
            line2: text("line2", self.line2, MAX_NAME)?,
            city: text("city", self.city, MAX_NAME)?,
            region: text("region", self.region, MAX_NAME)?,
            postal_code: text("postal_code", self.postal_code, MAX_POSTAL_CODE)?,
            country,
        };
        Ok((address != Address::default()).then_some(address))
    }
}

// The API's GraphQL type of the same name adds the record's links to these fields.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "CustomerFields", rename_fields = "snake_case")
)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub address: Option<Address>,
    pub owner_id: UserId,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Revenue from this customer so far, in minor units.
    pub lifetime_value: Option<Money>,
    /// The lead this customer was converted from.
    pub lead_id: Option<LeadId>,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Record for Customer {
    type Id = CustomerId;
    const KIND: RecordKind = RecordKind::Customer;

    record_basics!(CustomerId);
    fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
}

impl Customer {
    /// The customer a lead becomes: its contact details, owner and tags carry over.
    pub fn from_lead(lead: &Lead, now: Timestamp) -> Customer {
        let at = now.rfc3339();
        Customer {
            id: CustomerId::new(),
            name: lead.name.clone(),
            email: lead.email.clone(),
            phone: lead.phone.clone(),
            company: lead.company.clone(),
            address: None,
            owner_id: lead.owner_id,
            tags: lead.tags.clone(),
            lifetime_value: None,
            lead_id: Some(lead.id),
            created_at: at.clone(),
            updated_at: at,
            version: 1,
        }
    }
}

/// `POST /customers`.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "NewCustomer", rename_fields = "snake_case")
)]
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
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
    pub address: Option<Address>,
    #[serde(default)]
    pub owner_id: Option<UserId>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::tags)]
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub tags: Vec<String>,
    #[serde(default)]
    pub lifetime_value: Option<Money>,
}

impl NewRecord<Customer> for NewCustomer {
    fn requested_owner(&self) -> Option<UserId> {
        self.owner_id
    }

    fn validate(self, owner: UserId, now: Timestamp) -> Result<Customer, Invalid> {
        let mut checks = Checks::default();
        let contact = Contact::check(
            &mut checks,
            &self.name,
            self.email.as_deref(),
            self.phone.as_deref(),
            self.company.as_deref(),
        );
        let address = checks.take(self.address.map(|a| a.check("address")).transpose().map(Option::flatten));
        let tags = checks.take(v::tags("tags", &self.tags));
        let lifetime_value = checks.take(self.lifetime_value.map(|m| m.check("lifetime_value")).transpose());
        checks.finish()?;
        let ok = "checks passed";
        let at = now.rfc3339();
        let contact = contact.expect(ok);
        Ok(Customer {
            id: CustomerId::new(),
            name: contact.name,
            email: contact.email,
            phone: contact.phone,
            company: contact.company,
            address: address.expect(ok),
            owner_id: owner,
            tags: tags.expect(ok),
            lifetime_value: lifetime_value.expect(ok),
            lead_id: None,
            created_at: at.clone(),
            updated_at: at,
            version: 1,
        })
    }
}

/// `PATCH /customers/{id}`.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "CustomerPatch", rename_fields = "snake_case")
)]
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
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
    #[schema(value_type = Option<Address>)]
    pub address: Patch<Address>,
    #[serde(default)]
    #[schema(value_type = UserId)]
    pub owner_id: Patch<UserId>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::tags)]
    pub tags: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Money>)]
    pub lifetime_value: Patch<Money>,
}

impl RecordPatch<Customer> for CustomerPatch {
    fn apply(self, current: &Customer, now: Timestamp) -> Result<Updated<Customer>, Invalid> {
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
        self.address.update_optional(&mut next.address, c, |a| a.check("address"));
        self.owner_id.update_required("owner_id", &mut next.owner_id, c, Ok);
        self.tags.update_required("tags", &mut next.tags, c, |t| v::tags("tags", &t));
        self.lifetime_value.update_optional(&mut next.lifetime_value, c, |m| m.check("lifetime_value").map(Some));
        checks.finish()?;
        Ok(settle(current, next, now, |c, at, v| (c.updated_at, c.version) = (at, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(json: &str) -> Result<Customer, Invalid> {
        serde_json::from_str::<NewCustomer>(json).unwrap().validate(UserId::new(), Timestamp::now())
    }

    #[test]
    fn customers_validate_their_address() {
        let c = customer(r#"{"name":"Acme","address":{"city":" Berlin ","country":"DE"}}"#).unwrap();
        assert_eq!(c.address.unwrap().city.as_deref(), Some("Berlin"));
        assert_eq!(customer(r#"{"name":"Acme","address":{}}"#).unwrap().address, None);
        let Invalid(errors) = customer(r#"{"name":"Acme","address":{"country":"Germany"}}"#).unwrap_err();
        assert_eq!(errors[0].field, "address.country");
        assert!(serde_json::from_str::<NewCustomer>(r#"{"name":"A","address":{"street":"x"}}"#).is_err());
    }

    #[test]
    fn patches_change_and_clear_fields() {
        let c = customer(r#"{"name":"Acme","lifetime_value":{"amount_minor":500,"currency":"USD"}}"#).unwrap();
        let patch: CustomerPatch = serde_json::from_str(r#"{"lifetime_value":null,"company":"Acme GmbH"}"#).unwrap();
        let updated = patch.apply(&c, Timestamp::now()).unwrap();
        assert_eq!(updated.record.lifetime_value, None);
        assert_eq!(updated.record.version, 2);
        assert!(updated.changed("company") && updated.changed("lifetime_value"));
    }
}
