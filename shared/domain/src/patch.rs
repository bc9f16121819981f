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
