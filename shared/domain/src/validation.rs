//! Field validation. Each check is a pure function naming the field it judged, so an API answer can
//! point at the exact offending field.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// A JSON pointer-like path: `email`, `estimated_value.currency`, `tags[3]`.
    pub field: String,
    pub message: String,
    /// The value is allowed, but not from the record's current state (a converted lead's status, a closed
    /// deal's stage): a conflict with the record, not a malformed request.
    #[serde(skip)]
    pub conflict: bool,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into(), conflict: false }
    }

    /// A value the record's current state refuses.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { conflict: true, ..Self::new(field, message) }
    }
}

/// One or more fields failed validation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl From<FieldError> for Invalid {
    fn from(error: FieldError) -> Self {
        Invalid(vec![error])
    }
}

/// Gathers every field error of one input before answering, instead of stopping at the first.
#[derive(Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    /// Keeps a checked value, or records why it failed.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.errors.push(e)).ok()
    }

    pub fn fail(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    pub fn finish(self) -> Result<(), Invalid> {
        if self.errors.is_empty() { Ok(()) } else { Err(Invalid(self.errors)) }
    }
}

pub const MAX_NAME: usize = 200;
pub const MAX_SHORT_TEXT: usize = 100;
pub const MAX_EMAIL: usize = 254;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG: usize = 40;
pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 256;

/// The rules of text fields, stated once: the server checks a value against the same pattern the OpenAPI
/// document publishes (`crate::schema`), so what the document allows is exactly what the server takes. The
/// patterns keep to the part of regular-expression syntax that Rust's `regex`, ECMA-262 (JSON Schema) and
/// Python agree on: ASCII classes, no `\s`, `\d` or `\w`, one closing `$`.
pub mod patterns {
    /// Text without control characters with at least one visible character (not a space).
    pub const REQUIRED_TEXT: &str = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$";
    /// A note's text: like [`REQUIRED_TEXT`], with line breaks and tabs.
    pub const NOTE: &str =
        r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";
    /// A chat message's text: like [`REQUIRED_TEXT`], with line breaks and tabs (no carriage returns).
    pub const MESSAGE: &str = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\x9F][^\x00-\x08\x0B-\x1F\x7F-\x9F]*$";
    /// A date as `YYYY-MM-DD` (the calendar decides the rest).
    pub const DATE: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
    /// Text without control characters, possibly blank (blank means no value).
    pub const OPTIONAL_TEXT: &str = r"^[^\x00-\x1F\x7F-\x9F]*$";
    /// A mailbox address (a dot-atom local part, a domain of letters, digits and inner hyphens).
    pub const EMAIL: &str = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$";
    /// An email address or nothing.
    pub const OPTIONAL_EMAIL: &str = r"^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})?$";
    /// A phone number as people type it: an optional leading `+`, 5 to 20 digits, spaces, `-`, `.`, `(`, `)`.
    pub const OPTIONAL_PHONE: &str = r"^(?:\+?[ ().-]*(?:[0-9][ ().-]*){5,20})?$";
    /// A tag: letters, digits, spaces and `-_.:/`, at least one of them not a space.
    pub const TAG: &str = r"^[0-9A-Za-z _.:/-]*[0-9A-Za-z_.:/-][0-9A-Za-z _.:/-]*$";
}

macro_rules! compiled {
    ($($name:ident),* $(,)?) => {
        $(
            static $name: std::sync::LazyLock<regex::Regex> =
                std::sync::LazyLock::new(|| regex::Regex::new(patterns::$name).expect("a valid pattern"));
        )*
    };
}

compiled!(REQUIRED_TEXT, MESSAGE, OPTIONAL_TEXT, EMAIL, OPTIONAL_PHONE, TAG, DATE);

pub const MAX_PHONE: usize = 32;

/// Text of at most `max` characters without control characters and not blank, stored without the spaces
/// around it.
pub fn required_text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    if raw.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if raw.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    if !REQUIRED_TEXT.is_match(raw) {
        return Err(FieldError::new(field, "must not be empty"));
    }
    Ok(raw.trim_matches(' ').to_owned())
}

/// A chat message: at most `max` characters, not blank, line breaks and tabs allowed; stored without the
/// whitespace around it.
pub fn message_text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    if raw.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if !MESSAGE.is_match(raw) {
        let why = if raw.trim().is_empty() { "must not be empty" } else { "must not contain control characters" };
        return Err(FieldError::new(field, why));
    }
    Ok(raw.trim_matches([' ', '\n', '\t']).to_owned())
}

/// A calendar date written `YYYY-MM-DD`.
pub fn date(field: &str, raw: &str) -> Result<time::Date, FieldError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let invalid = || FieldError::new(field, "must be a date like 2026-12-31");
    if !DATE.is_match(raw) {
        return Err(invalid());
    }
    time::Date::parse(raw, &format).map_err(|_| invalid())
}

/// Like [`required_text`], but blank text means "no value".
pub fn optional_text(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw {
        None => Ok(None),
        Some(text) if OPTIONAL_TEXT.is_match(text) && text.trim_matches(' ').is_empty() => Ok(None),
        Some(text) => required_text(field, text, max).map(Some),
    }
}

/// A mailbox address, stored in lower case. Deliberately simpler than RFC 5322: it accepts what real
/// sign-up forms accept and refuses what no mail server would deliver.
pub fn email(field: &str, raw: &str) -> Result<String, FieldError> {
    if raw.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if raw.len() > MAX_EMAIL {
        return Err(FieldError::new(field, format!("must be at most {MAX_EMAIL} characters")));
    }
    if !EMAIL.is_match(raw) {
        return Err(FieldError::new(field, "must be an email address like name@example.com"));
    }
    Ok(raw.to_lowercase())
}

/// An email address, or nothing (absent, `null` or empty).
pub fn optional_email(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw {
        None | Some("") => Ok(None),
        Some(text) => email(field, text).map(Some),
    }
}

/// A phone number as people type it, or nothing (absent, `null` or empty).
pub fn optional_phone(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(text) = raw.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.len() <= MAX_PHONE && OPTIONAL_PHONE.is_match(text) {
        Ok(Some(text.to_owned()))
    } else {
        Err(FieldError::new(field, "must be a phone number of 5 to 20 digits, like +1 555 0100"))
    }
}

pub fn password(field: &str, raw: &str) -> Result<String, FieldError> {
    let length = raw.chars().count();
    if length < MIN_PASSWORD {
        return Err(FieldError::new(field, format!("must be at least {MIN_PASSWORD} characters")));
    }
    if length > MAX_PASSWORD {
        return Err(FieldError::new(field, format!("must be at most {MAX_PASSWORD} characters")));
    }
    Ok(raw.to_owned())
}

/// Tags are compared case-insensitively, so they are stored in lower case; `#` is refused because
/// tags become part of table keys.
pub fn tag(field: &str, raw: &str) -> Result<String, FieldError> {
    if raw.chars().count() > MAX_TAG {
        return Err(FieldError::new(field, format!("must be at most {MAX_TAG} characters")));
    }
    if !TAG.is_match(raw) {
        let why = if raw.trim_matches(' ').is_empty() {
            "must not be empty"
        } else {
            "may contain only letters a-z, digits, spaces and - _ . : /"
        };
        return Err(FieldError::new(field, why));
    }
    Ok(raw.trim_matches(' ').to_ascii_lowercase())
}

/// A de-duplicated, sorted tag set.
pub fn tags(field: &str, raw: &[String]) -> Result<Vec<String>, FieldError> {
    if raw.len() > MAX_TAGS {
        return Err(FieldError::new(field, format!("must have at most {MAX_TAGS} tags")));
    }
    let mut tags =
        raw.iter().enumerate().map(|(i, t)| tag(&format!("{field}[{i}]"), t)).collect::<Result<Vec<_>, _>>()?;
    tags.sort();
    tags.dedup();
    Ok(tags)
}

/// Active ISO 4217 currency codes.
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP \
BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ \
GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD \
MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR \
RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH \
UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

/// Every currency code a `currency` field takes.
pub fn currencies() -> impl Iterator<Item = &'static str> {
    ISO_4217.split(' ')
}

pub fn currency(field: &str, raw: &str) -> Result<String, FieldError> {
    let code = raw;
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) && ISO_4217.split(' ').any(|c| c == code) {
        Ok(code.to_owned())
    } else {
        Err(FieldError::new(field, "must be an ISO 4217 currency code in upper case, like EUR or USD"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("name", "  Ada  ", 10).unwrap(), "Ada");
        assert_eq!(required_text("name", "   ", 10).unwrap_err().field, "name");
        assert!(required_text("name", "abcdefghijk", 10).is_err());
        assert!(required_text("name", "  abcdefghi", 10).is_err(), "the length counts what was sent");
        assert!(required_text("name", "a\u{0}b", 10).is_err());
        assert!(required_text("name", "Ada\n", 10).is_err());
        assert_eq!(required_text("name", "Zoë Ødegård", 20).unwrap(), "Zoë Ødegård");
        assert_eq!(optional_text("company", Some(" "), 10).unwrap(), None);
        assert!(optional_text("company", Some(" \t "), 10).is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("email", "Ada@Example.COM").unwrap(), "ada@example.com");
        for bad in [
            " ada@example.com",
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a b@example.com",
            "ada@exa_mple.com",
            "ada@example.c0m",
            ".ada@example.com",
        ] {
            let error = email("email", bad).unwrap_err();
            assert_eq!(error.field, "email", "{bad}");
        }
        assert!(email("email", &format!("{}@example.com", "a".repeat(300))).is_err());
    }

    #[test]
    fn phones_allow_common_formats() {
        assert_eq!(optional_phone("phone", Some("+1 (555) 010-0100")).unwrap().as_deref(), Some("+1 (555) 010-0100"));
        assert_eq!(optional_phone("phone", None).unwrap(), None);
        assert!(optional_phone("phone", Some("call me")).is_err());
        assert!(optional_phone("phone", Some("12")).is_err());
        assert!(optional_phone("phone", Some("1+2345678")).is_err());
    }

    #[test]
    fn tags_are_lowercased_deduplicated_and_limited() {
        let raw = vec!["VIP".to_owned(), "vip".to_owned(), " hot lead ".to_owned()];
        assert_eq!(tags("tags", &raw).unwrap(), vec!["hot lead".to_owned(), "vip".to_owned()]);
        assert!(tags("tags", &["café".to_owned()]).is_err());
        assert!(tags("tags", &[" ".to_owned()]).is_err());
        assert_eq!(tags("tags", &["a#b".to_owned()]).unwrap_err().field, "tags[0]");
        assert!(tags("tags", &vec!["x".to_owned(); 21]).is_err());
    }

    #[test]
    fn currencies_follow_iso_4217() {
        assert_eq!(currency("c", "EUR").unwrap(), "EUR");
        assert!(currency("c", "eur").is_err());
        assert!(currency("c", "ABC").is_err());
        assert!(currency("c", "EU").is_err());
    }

    #[test]
    fn checks_collect_every_error() {
        let mut checks = Checks::default();
        assert_eq!(checks.take(required_text("name", "", 5)), None);
        assert_eq!(checks.take(email("email", "nope")), None);
        assert_eq!(checks.take(required_text("company", "ok", 5)), Some("ok".to_owned()));
        let Invalid(errors) = checks.finish().unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["name", "email"]);
    }
}
