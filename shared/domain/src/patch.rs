//! `PATCH` bodies must tell "leave this field alone" (absent) from "clear it" (`null`).

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
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }

    pub fn as_ref(&self) -> Patch<&T> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(value) => Patch::Set(value),
        }
    }

    /// Applies the change to a current optional value, with `check` validating a new one.
    pub fn apply<E>(self, current: Option<T>, check: impl FnOnce(T) -> Result<Option<T>, E>) -> Result<Option<T>, E> {
        match self {
            Patch::Keep => Ok(current),
            Patch::Clear => Ok(None),
            Patch::Set(value) => check(value),
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
