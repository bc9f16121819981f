//! Deals and the sales pipeline: `prospecting → qualification → proposal → negotiation → won | lost`.

use crate::clock::Timestamp;
use crate::ids::{CustomerId, DealId, LeadId, UserId};
use crate::lead::Money;
use crate::patch::Patch;
use crate::record::{NewRecord, Record, RecordKind, RecordPatch, Updated, record_basics, settle};
use crate::validation::{self as v, Checks, FieldError, Invalid, MAX_NAME};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "graphql", derive(async_graphql::Enum), graphql(rename_items = "snake_case"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DealStage {
    Prospecting,
    Qualification,
    Proposal,
    Negotiation,
    Won,
    Lost,
}

impl DealStage {
    pub const ALL: [DealStage; 6] = [
        DealStage::Prospecting,
        DealStage::Qualification,
        DealStage::Proposal,
        DealStage::Negotiation,
        DealStage::Won,
        DealStage::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DealStage::Prospecting => "prospecting",
            DealStage::Qualification => "qualification",
            DealStage::Proposal => "proposal",
            DealStage::Negotiation => "negotiation",
            DealStage::Won => "won",
            DealStage::Lost => "lost",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_open(self) -> bool {
        !matches!(self, DealStage::Won | DealStage::Lost)
    }

    /// The pipeline's rules. Open deals move forward or back between open stages (skipping is allowed:
    /// a deal can jump to a proposal). A deal is won only from negotiation, and lost from any open
    /// stage. Won and lost are final.
    pub fn can_move_to(self, next: DealStage) -> bool {
        if self == next {
            return true;
        }
        match (self, next) {
            (from, _) if !from.is_open() => false,
            (_, to) if to.is_open() => true,
            (DealStage::Negotiation, DealStage::Won) => true,
            (_, DealStage::Lost) => true,
            _ => false,
        }
    }

    fn refusal(self, next: DealStage) -> String {
        if !self.is_open() {
            format!("a {} deal is closed; its stage cannot change", self.as_str())
        } else {
            format!("a deal moves to {} only from negotiation, not from {}", next.as_str(), self.as_str())
        }
    }
}

// The API's GraphQL type of the same name adds the record's links to these fields.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "DealFields", rename_fields = "snake_case")
)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Deal {
    pub id: DealId,
    pub name: String,
    /// The customer the deal is with, or, before conversion, the lead.
    pub customer_id: Option<CustomerId>,
    pub lead_id: Option<LeadId>,
    pub amount: Money,
    pub stage: DealStage,
    /// `YYYY-MM-DD`.
    pub expected_close_date: Option<String>,
    pub owner_id: UserId,
    pub lost_reason: Option<String>,
    pub closed_at: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Record for Deal {
    type Id = DealId;
    const KIND: RecordKind = RecordKind::Deal;

    record_basics!(DealId);
    fn state(&self) -> Option<&'static str> {
        Some(self.stage.as_str())
    }
    fn parse_state(text: &str) -> Option<&'static str> {
        DealStage::parse(text).map(DealStage::as_str)
    }
    fn state_names() -> &'static [&'static str] {
        &["prospecting", "qualification", "proposal", "negotiation", "won", "lost"]
    }
}

const MAX_LOST_REASON: usize = 500;

fn close_date(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(text) = raw else { return Ok(None) };
    v::date(field, text).map(|_| Some(text.to_owned()))
}

/// The lost-reason rule: required when a deal is lost, and meaningless otherwise.
fn check_lost_reason(stage: DealStage, reason: &Option<String>) -> Result<(), FieldError> {
    match (stage, reason) {
        (DealStage::Lost, None) => Err(FieldError::conflict("lost_reason", "is required when a deal is lost")),
        (DealStage::Lost, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(FieldError::conflict("lost_reason", "may be given only for a lost deal")),
    }
}

/// `POST /deals`.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "NewDeal", rename_fields = "snake_case")
)]
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeal {
    #[schema(schema_with = crate::schema::name)]
    pub name: String,
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    #[serde(default)]
    pub lead_id: Option<LeadId>,
    pub amount: Money,
    #[serde(default)]
    #[schema(schema_with = crate::schema::new_deal_stage)]
    pub stage: Option<DealStage>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_date)]
    pub expected_close_date: Option<String>,
    #[serde(default)]
    pub owner_id: Option<UserId>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::tags)]
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub tags: Vec<String>,
}

impl NewRecord<Deal> for NewDeal {
    fn requested_owner(&self) -> Option<UserId> {
        self.owner_id
    }

    fn references(&self) -> Vec<(RecordKind, String, &'static str)> {
        let customer = self.customer_id.map(|id| (RecordKind::Customer, id.to_string(), "customer_id"));
        let lead = self.lead_id.map(|id| (RecordKind::Lead, id.to_string(), "lead_id"));
        customer.into_iter().chain(lead).collect()
    }

    fn validate(self, owner: UserId, now: Timestamp) -> Result<Deal, Invalid> {
        let mut checks = Checks::default();
        let name = checks.take(v::required_text("name", &self.name, MAX_NAME));
        let amount = checks.take(self.amount.check("amount"));
        let date = checks.take(close_date("expected_close_date", self.expected_close_date.as_deref()));
        let tags = checks.take(v::tags("tags", &self.tags));
        match (self.customer_id, self.lead_id) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => checks.fail(FieldError::new("customer_id", "a deal belongs to exactly one customer_id or lead_id")),
        }
        let stage = self.stage.unwrap_or(DealStage::Prospecting);
        if !stage.is_open() {
            checks.fail(FieldError::new("stage", "a new deal starts in an open stage"));
        }
        checks.finish()?;
        let ok = "checks passed";
        let at = now.rfc3339();
        Ok(Deal {
            id: DealId::new(),
            name: name.expect(ok),
            customer_id: self.customer_id,
            lead_id: self.lead_id,
            amount: amount.expect(ok),
            stage,
            expected_close_date: date.expect(ok),
            owner_id: owner,
            lost_reason: None,
            closed_at: None,
            tags: tags.expect(ok),
            created_at: at.clone(),
            updated_at: at,
            version: 1,
        })
    }
}

/// `PATCH /deals/{id}`. The customer or lead a deal belongs to does not change.
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "DealPatch", rename_fields = "snake_case")
)]
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealPatch {
    #[serde(default)]
    #[schema(schema_with = crate::schema::name)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Money)]
    pub amount: Patch<Money>,
    #[serde(default)]
    #[schema(value_type = DealStage)]
    pub stage: Patch<DealStage>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_date)]
    pub expected_close_date: Patch<String>,
    #[serde(default)]
    #[schema(value_type = UserId)]
    pub owner_id: Patch<UserId>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub lost_reason: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::tags)]
    pub tags: Patch<Vec<String>>,
}

impl RecordPatch<Deal> for DealPatch {
    fn apply(self, current: &Deal, now: Timestamp) -> Result<Updated<Deal>, Invalid> {
        let mut checks = Checks::default();
        let mut next = current.clone();
        let c = &mut checks;
        self.name.update_required("name", &mut next.name, c, |n| v::required_text("name", &n, MAX_NAME));
        self.amount.update_required("amount", &mut next.amount, c, |m| m.check("amount"));
        self.expected_close_date
            .update_optional(&mut next.expected_close_date, c, |d| close_date("expected_close_date", Some(&d)));
        self.owner_id.update_required("owner_id", &mut next.owner_id, c, Ok);
        self.tags.update_required("tags", &mut next.tags, c, |t| v::tags("tags", &t));
        self.lost_reason
            .update_optional(&mut next.lost_reason, c, |r| v::optional_text("lost_reason", Some(&r), MAX_LOST_REASON));
        let stage = current.stage;
        self.stage.update_required("stage", &mut next.stage, c, |to| {
            if stage.can_move_to(to) { Ok(to) } else { Err(FieldError::conflict("stage", stage.refusal(to))) }
        });
        let closing_terms_changed = next.stage != current.stage || next.lost_reason != current.lost_reason;
        if closing_terms_changed && let Err(error) = check_lost_reason(next.stage, &next.lost_reason) {
            checks.fail(error);
        }
        checks.finish()?;
        if current.stage.is_open() && !next.stage.is_open() {
            next.closed_at = Some(now.rfc3339());
        }
        Ok(settle(current, next, now, |d, at, v| (d.updated_at, d.version) = (at, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DealStage::*;

    fn deal() -> Deal {
        let json = r#"{"name":"Renewal","customer_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","amount":{"amount_minor":990000,"currency":"USD"},"expected_close_date":"2026-12-31"}"#;
        serde_json::from_str::<NewDeal>(json).unwrap().validate(UserId::new(), Timestamp::now()).unwrap()
    }

    fn patch(deal: &Deal, json: &str) -> Result<Updated<Deal>, Invalid> {
        serde_json::from_str::<DealPatch>(json).unwrap().apply(deal, Timestamp::now())
    }

    #[test]
    fn the_pipeline_rules() {
        assert!(Prospecting.can_move_to(Qualification));
        assert!(Prospecting.can_move_to(Proposal));
        assert!(Proposal.can_move_to(Qualification));
        assert!(Negotiation.can_move_to(Won));
        assert!(Qualification.can_move_to(Lost));
        assert!(!Prospecting.can_move_to(Won));
        assert!(!Won.can_move_to(Negotiation));
        assert!(!Lost.can_move_to(Won));
        assert!(!Lost.can_move_to(Prospecting));
    }

    #[test]
    fn a_deal_walks_the_pipeline_and_closes() {
        let mut deal = deal();
        assert_eq!(deal.stage, Prospecting);
        for stage in ["qualification", "proposal", "negotiation", "won"] {
            deal = patch(&deal, &format!(r#"{{"stage":"{stage}"}}"#)).unwrap().record;
        }
        assert_eq!(deal.stage, Won);
        assert!(deal.closed_at.is_some());
        assert_eq!(deal.version, 5);
        let Invalid(errors) = patch(&deal, r#"{"stage":"negotiation"}"#).unwrap_err();
        assert_eq!(errors[0].field, "stage");
    }

    #[test]
    fn losing_a_deal_needs_a_reason() {
        let deal = deal();
        assert_eq!(patch(&deal, r#"{"stage":"lost"}"#).unwrap_err().0[0].field, "lost_reason");
        let lost = patch(&deal, r#"{"stage":"lost","lost_reason":"Went with a competitor"}"#).unwrap().record;
        assert_eq!(lost.stage, Lost);
        assert_eq!(patch(&deal, r#"{"lost_reason":"why"}"#).unwrap_err().0[0].field, "lost_reason");
        assert_eq!(patch(&deal, r#"{"stage":"won"}"#).unwrap_err().0[0].field, "stage");
    }

    #[test]
    fn new_deals_belong_to_one_customer_or_lead_and_start_open() {
        let parse =
            |json: &str| serde_json::from_str::<NewDeal>(json).unwrap().validate(UserId::new(), Timestamp::now());
        let amount = r#""amount":{"amount_minor":1,"currency":"EUR"}"#;
        assert_eq!(parse(&format!(r#"{{"name":"x",{amount}}}"#)).unwrap_err().0[0].field, "customer_id");
        let both = format!(
            r#"{{"name":"x",{amount},"customer_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","lead_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}}"#
        );
        assert_eq!(parse(&both).unwrap_err().0[0].field, "customer_id");
        let won = format!(r#"{{"name":"x",{amount},"lead_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","stage":"won"}}"#);
        assert_eq!(parse(&won).unwrap_err().0[0].field, "stage");
        let bad_date = format!(
            r#"{{"name":"x",{amount},"lead_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","expected_close_date":"31/12/2026"}}"#
        );
        assert_eq!(parse(&bad_date).unwrap_err().0[0].field, "expected_close_date");
    }
}
