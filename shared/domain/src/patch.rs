//! `PATCH` bodies must tell "leave this field alone" (absent) from "clear it" (`null`).

use crate::validation::{Checks, FieldError};
use serde::{Deserialize, Deserializer};

/// A field of a partial update.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    /// Applies a change to a field that must keep a value: `null` is refused, a new value is checked.
    pub fn update_required<U>(
        self,
        field: &str,
        target: &mut U,
        checks: &mut Checks,
        check: impl FnOnce(T) -> Result<U, FieldError>,
    ) {
        match self {
            Patch::Keep => {}
            Patch::Clear => checks.fail(FieldError::new(field, "cannot be null")),
            Patch::Set(value) => {
                if let Some(value) = checks.take(check(value)) {
                    *target = value;
                }
            }
        }
    }

    /// Applies a change to an optional field: `null` clears it, a new value is checked.
    pub fn update_optional<U>(
        self,
        target: &mut Option<U>,
        checks: &mut Checks,
        check: impl FnOnce(T) -> Result<Option<U>, FieldError>,
    ) {
        match self {
            Patch::Keep => {}
            Patch::Clear => *target = None,
            Patch::Set(value) => {
                if let Some(value) = checks.take(check(value)) {
                    *target = value;
                }
            }
        }
    }
}

/// Used with `#[serde(default)]`: an absent field stays `Keep`, `null` becomes `Clear`.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            None => Patch::Clear,
            Some(value) => Patch::Set(value),
        })
    }
}

/// In GraphQL inputs the same three states: an absent field keeps, `null` clears, a value sets.
#[cfg(feature = "graphql")]
impl<T: async_graphql::InputType> async_graphql::InputType for Patch<T> {
    type RawValueType = T::RawValueType;

    fn type_name() -> std::borrow::Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::type_name().into_owned()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        T::create_type_info(registry);
        T::type_name().into_owned()
    }

    fn parse(value: Option<async_graphql::Value>) -> async_graphql::InputValueResult<Self> {
        match value {
            None => Ok(Patch::Keep),
            Some(async_graphql::Value::Null) => Ok(Patch::Clear),
            Some(value) => T::parse(Some(value)).map(Patch::Set).map_err(async_graphql::InputValueError::propagate),
        }
    }

    fn to_value(&self) -> async_graphql::Value {
        match self {
            Patch::Set(value) => value.to_value(),
            Patch::Keep | Patch::Clear => async_graphql::Value::Null,
        }
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        match self {
            Patch::Set(value) => value.as_raw_value(),
            Patch::Keep | Patch::Clear => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        phone: Patch<String>,
    }

    #[test]
    fn absent_null_and_value_are_distinct() {
        let parse = |json: &str| serde_json::from_str::<Body>(json).unwrap().phone;
        assert_eq!(parse("{}"), Patch::Keep);
        assert_eq!(parse(r#"{"phone":null}"#), Patch::Clear);
        assert_eq!(parse(r#"{"phone":"1"}"#), Patch::Set("1".to_owned()));
    }
}
