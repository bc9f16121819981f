//! Inbound lead webhooks: the endpoints an Admin creates for a tenant, and how each source's payload
//! becomes the fields of a new lead. Signatures and tokens are checked before any of this runs.

use crate::clock::Timestamp;
use crate::ids::{UserId, WebhookId};
use crate::lead::NewLead;
use crate::validation::{self as v, Checks, FieldError, Invalid, MAX_NAME, MAX_SHORT_TEXT};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Where an endpoint's leads come from; each source has its own route and its own proof of origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WebhookSource {
    /// Signed with `Typeform-Signature` (HMAC-SHA256 of the body under the endpoint's secret).
    Typeform,
    /// A flat JSON object from a Zap, authenticated by the endpoint's token.
    Zapier,
    /// The documented lead shape, authenticated by the endpoint's token.
    Generic,
}

impl WebhookSource {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookSource::Typeform => "typeform",
            WebhookSource::Zapier => "zapier",
            WebhookSource::Generic => "generic",
        }
    }

    /// The path the source posts to.
    pub fn path(self, id: WebhookId) -> String {
        match self {
            WebhookSource::Typeform => format!("/api/v1/webhooks/leads/typeform/{id}"),
            WebhookSource::Zapier => "/api/v1/webhooks/leads/zapier".into(),
            WebhookSource::Generic => "/api/v1/webhooks/leads".into(),
        }
    }

    /// Whether a payload field map applies (the generic shape is fixed).
    fn takes_field_map(self) -> bool {
        self != WebhookSource::Generic
    }
}

/// The lead fields a payload's fields can be mapped onto.
pub const MAPPABLE_FIELDS: [&str; 7] = ["name", "first_name", "last_name", "email", "phone", "company", "source"];
/// The longest payload field name a map may name.
pub const MAX_FIELD_NAME: usize = MAX_SHORT_TEXT;

/// `POST /api/v1/integrations/webhooks`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookEndpoint {
    pub source: WebhookSource,
    /// A label for people, such as the form's name.
    #[schema(schema_with = crate::schema::name)]
    pub name: String,
    /// Lead field → the payload's field (a Typeform field `ref` or id, or a Zapier key). Unmapped lead
    /// fields are looked up under their own name.
    #[serde(default)]
    #[schema(schema_with = crate::schema::field_map)]
    pub field_map: BTreeMap<String, String>,
    /// Who owns the leads that arrive; the creating Admin when absent.
    #[serde(default)]
    pub owner_id: Option<UserId>,
    /// Tags every lead from this endpoint carries.
    #[serde(default)]
    #[schema(schema_with = crate::schema::tags)]
    pub tags: Vec<String>,
}

/// An endpoint as the API shows it (its secret never, after creation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookEndpoint {
    pub id: WebhookId,
    pub source: WebhookSource,
    pub name: String,
    pub field_map: BTreeMap<String, String>,
    pub owner_id: UserId,
    #[serde(default)]
    pub tags: Vec<String>,
    pub created_by: UserId,
    pub created_at: String,
}

impl NewWebhookEndpoint {
    pub fn validate(self, creator: UserId, now: Timestamp) -> Result<WebhookEndpoint, Invalid> {
        let mut checks = Checks::default();
        let name = checks.take(v::required_text("name", &self.name, MAX_NAME));
        let tags = checks.take(v::tags("tags", &self.tags));
        if !self.source.takes_field_map() && !self.field_map.is_empty() {
            checks.fail(FieldError::new("field_map", "a generic endpoint takes the documented lead shape as it is"));
        }
        for (field, from) in &self.field_map {
            if !MAPPABLE_FIELDS.contains(&field.as_str()) {
                checks.fail(FieldError::new(
                    format!("field_map.{field}"),
                    format!("is not a lead field; map any of {}", MAPPABLE_FIELDS.join(", ")),
                ));
            } else if v::required_text("field_map", from, MAX_FIELD_NAME).is_err() {
                checks.fail(FieldError::new(
                    format!("field_map.{field}"),
                    format!("must name a payload field in 1 to {MAX_FIELD_NAME} characters"),
                ));
            }
        }
        checks.finish()?;
        let ok = "checks passed";
        Ok(WebhookEndpoint {
            id: WebhookId::new(),
            source: self.source,
            name: name.expect(ok),
            field_map: self.field_map.into_iter().map(|(k, v)| (k, v.trim().to_owned())).collect(),
            owner_id: self.owner_id.unwrap_or(creator),
            tags: tags.expect(ok),
            created_by: creator,
            created_at: now.rfc3339(),
        })
    }
}

/// The lead fields read off a payload, before the lead rules check them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeadFields {
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub source: Option<String>,
}

impl LeadFields {
    fn slot(&mut self, field: &str) -> Option<&mut Option<String>> {
        Some(match field {
            "name" => &mut self.name,
            "first_name" => &mut self.first_name,
            "last_name" => &mut self.last_name,
            "email" => &mut self.email,
            "phone" => &mut self.phone,
            "company" => &mut self.company,
            "source" => &mut self.source,
            _ => return None,
        })
    }

    /// Fills each lead field from the payload field its map names (or its own name), once.
    fn fill(&mut self, map: &BTreeMap<String, String>, mut lookup: impl FnMut(&str) -> Option<String>) {
        for field in MAPPABLE_FIELDS {
            let from = map.get(field).map(String::as_str).unwrap_or(field);
            if let (Some(slot), Some(value)) = (self.slot(field), lookup(from)) {
                slot.get_or_insert(value);
            }
        }
    }

    /// The new lead: the name from `name`, else first and last name, else the email address; the
    /// source defaults to the webhook's.
    pub fn into_new_lead(self, default_source: &str, tags: Vec<String>) -> Result<NewLead, Invalid> {
        let joined = [self.first_name, self.last_name].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let name = self
            .name
            .filter(|n| !n.trim().is_empty())
            .or_else(|| (!joined.trim().is_empty()).then_some(joined))
            .or_else(|| self.email.clone())
            .ok_or_else(|| {
                Invalid::from(FieldError::new(
                    "name",
                    "the payload has no name: map a field to name, first_name and last_name, or email",
                ))
            })?;
        Ok(NewLead {
            name,
            email: self.email,
            phone: self.phone,
            company: self.company,
            source: Some(self.source.unwrap_or_else(|| default_source.to_owned())),
            status: None,
            owner_id: None,
            tags,
            estimated_value: None,
        })
    }
}

/// A JSON scalar as text; `None` for null, empty text, arrays and objects.
fn scalar_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// One Typeform answer as text, whatever its type.
fn typeform_answer(answer: &Value) -> Option<String> {
    let kind = answer.get("type")?.as_str()?;
    let value = answer.get(kind)?;
    match kind {
        "choice" => value.get("label").and_then(scalar_text).or_else(|| value.get("other").and_then(scalar_text)),
        "choices" => {
            let labels: Vec<String> = value
                .get("labels")?
                .as_array()?
                .iter()
                .filter_map(scalar_text)
                .chain(value.get("other").and_then(scalar_text))
                .collect();
            (!labels.is_empty()).then(|| labels.join(", "))
        }
        _ => scalar_text(value),
    }
}

/// A Typeform `form_response` delivery: its response token (unique per submission, so a redelivery is
/// recognised) and the lead fields its answers and hidden fields carry. Answers are found by field
/// `ref` or id; an `email` or `phone_number` answer fills email or phone when nothing is mapped.
pub fn typeform_lead(payload: &Value, map: &BTreeMap<String, String>) -> Result<(String, LeadFields), FieldError> {
    let response = payload
        .get("form_response")
        .filter(|r| r.is_object())
        .ok_or_else(|| FieldError::new("form_response", "is required: Typeform sends the submission there"))?;
    let token = response
        .get("token")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 255)
        .ok_or_else(|| FieldError::new("form_response.token", "is required (1 to 255 characters)"))?
        .to_owned();
    let answers = match response.get("answers") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(answers)) => answers.as_slice(),
        Some(_) => return Err(FieldError::new("form_response.answers", "must be a list")),
    };
    let answer_by_field = |name: &str| {
        answers.iter().find_map(|answer| {
            let field = answer.get("field")?;
            let matches = [field.get("ref"), field.get("id")].into_iter().flatten().any(|k| k.as_str() == Some(name));
            matches.then(|| typeform_answer(answer)).flatten()
        })
    };
    let hidden = response.get("hidden");
    let mut fields = LeadFields::default();
    fields.fill(map, |name| answer_by_field(name).or_else(|| hidden.and_then(|h| h.get(name)).and_then(scalar_text)));
    let first_of_type = |kind: &str| {
        answers.iter().find(|a| a.get("type").and_then(Value::as_str) == Some(kind)).and_then(typeform_answer)
    };
    if fields.email.is_none() {
        fields.email = first_of_type("email");
    }
    if fields.phone.is_none() {
        fields.phone = first_of_type("phone_number");
    }
    Ok((token, fields))
}

/// A Zapier delivery: a flat JSON object; each lead field comes from the key the map names (by default
/// its own name), and other keys are ignored, since a Zap sends whatever its author picked.
pub fn zapier_lead(payload: &Value, map: &BTreeMap<String, String>) -> Result<LeadFields, FieldError> {
    let object = payload.as_object().ok_or_else(|| FieldError::new("body", "must be a JSON object"))?;
    let mut fields = LeadFields::default();
    let mut wrong_type = None;
    fields.fill(map, |key| match object.get(key) {
        Some(value @ (Value::Array(_) | Value::Object(_))) => {
            wrong_type.get_or_insert_with(|| FieldError::new(key, format!("must be text, not {value}")));
            None
        }
        Some(value) => scalar_text(value),
        None => None,
    });
    match wrong_type {
        Some(error) => Err(error),
        None => Ok(fields),
    }
}

/// The generic webhook's documented shape.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookLead {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    /// Defaults to `webhook`.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl WebhookLead {
    /// The new lead, carrying the endpoint's tags as well as its own.
    pub fn into_new_lead(self, endpoint_tags: &[String]) -> NewLead {
        let mut tags = self.tags;
        for tag in endpoint_tags {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
        NewLead {
            name: self.name,
            email: self.email,
            phone: self.phone,
            company: self.company,
            source: Some(self.source.unwrap_or_else(|| "webhook".into())),
            status: None,
            owner_id: None,
            tags,
            estimated_value: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn typeform_payload() -> Value {
        json!({
            "event_id": "01J", "event_type": "form_response",
            "form_response": {
                "form_id": "lT4Z3j", "token": "a3a12ec67a1365927098a606107fac15",
                "answers": [
                    {"type": "text", "text": "Ada Lovelace", "field": {"id": "f1", "ref": "full_name", "type": "short_text"}},
                    {"type": "email", "email": "ada@example.com", "field": {"id": "f2", "ref": "mail", "type": "email"}},
                    {"type": "phone_number", "phone_number": "+441234567890", "field": {"id": "f3", "type": "phone_number"}},
                    {"type": "choice", "choice": {"label": "Analytical Engines Ltd"}, "field": {"id": "f4", "ref": "org", "type": "multiple_choice"}}
                ],
                "hidden": {"utm_source": "newsletter"}
            }
        })
    }

    #[test]
    fn typeform_answers_map_by_ref_with_type_fallbacks() {
        let (token, fields) = typeform_lead(
            &typeform_payload(),
            &map(&[("name", "full_name"), ("company", "org"), ("source", "utm_source")]),
        )
        .unwrap();
        assert_eq!(token, "a3a12ec67a1365927098a606107fac15");
        assert_eq!(fields.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(fields.email.as_deref(), Some("ada@example.com"), "the email answer fills email unmapped");
        assert_eq!(fields.phone.as_deref(), Some("+441234567890"));
        assert_eq!(fields.company.as_deref(), Some("Analytical Engines Ltd"));
        assert_eq!(fields.source.as_deref(), Some("newsletter"), "hidden fields map too");
        let lead = fields.into_new_lead("typeform", vec!["web".into()]).unwrap();
        assert_eq!((lead.name.as_str(), lead.source.as_deref()), ("Ada Lovelace", Some("newsletter")));
    }

    #[test]
    fn typeform_payloads_without_a_submission_are_named() {
        assert_eq!(typeform_lead(&json!({}), &BTreeMap::new()).unwrap_err().field, "form_response");
        let no_token = json!({"form_response": {"answers": []}});
        assert_eq!(typeform_lead(&no_token, &BTreeMap::new()).unwrap_err().field, "form_response.token");
        let bad_answers = json!({"form_response": {"token": "t", "answers": {}}});
        assert_eq!(typeform_lead(&bad_answers, &BTreeMap::new()).unwrap_err().field, "form_response.answers");
    }

    #[test]
    fn a_lead_needs_some_name() {
        let nameless = LeadFields { phone: Some("+1 555".into()), ..LeadFields::default() };
        let error = nameless.into_new_lead("zapier", vec![]).unwrap_err();
        assert_eq!(error.0[0].field, "name");
        let by_email = LeadFields { email: Some("a@b.io".into()), ..LeadFields::default() };
        assert_eq!(by_email.into_new_lead("zapier", vec![]).unwrap().name, "a@b.io");
        let by_parts =
            LeadFields { first_name: Some("Grace".into()), last_name: Some("Hopper".into()), ..LeadFields::default() };
        assert_eq!(by_parts.into_new_lead("zapier", vec![]).unwrap().name, "Grace Hopper");
    }

    #[test]
    fn zapier_objects_map_keys_and_refuse_nested_values() {
        let payload = json!({"First Name": "Grace", "last_name": "Hopper", "email": "grace@navy.mil", "zap_id": 7});
        let fields = zapier_lead(&payload, &map(&[("first_name", "First Name")])).unwrap();
        assert_eq!(fields.first_name.as_deref(), Some("Grace"));
        assert_eq!(fields.last_name.as_deref(), Some("Hopper"));
        assert_eq!(fields.email.as_deref(), Some("grace@navy.mil"));
        assert_eq!(zapier_lead(&json!([1]), &BTreeMap::new()).unwrap_err().field, "body");
        assert_eq!(zapier_lead(&json!({"email": ["x"]}), &BTreeMap::new()).unwrap_err().field, "email");
    }

    #[test]
    fn endpoints_check_their_field_map() {
        let creator = UserId::new();
        let new = |source, field_map| NewWebhookEndpoint {
            source,
            name: "Contact form".into(),
            field_map,
            owner_id: None,
            tags: vec![],
        };
        let endpoint = new(WebhookSource::Typeform, map(&[("email", " mail ")])).validate(creator, Timestamp::now());
        let endpoint = endpoint.unwrap();
        assert_eq!((endpoint.owner_id, endpoint.field_map["email"].as_str()), (creator, "mail"));
        let unknown = new(WebhookSource::Zapier, map(&[("status", "x")])).validate(creator, Timestamp::now());
        assert_eq!(unknown.unwrap_err().0[0].field, "field_map.status");
        let generic = new(WebhookSource::Generic, map(&[("email", "x")])).validate(creator, Timestamp::now());
        assert_eq!(generic.unwrap_err().0[0].field, "field_map");
    }
}
