//! Field validation. Each check is a pure function naming the field it judged, so an API answer can
//! point at the exact offending field.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// A JSON pointer-like path: `email`, `estimated_value.currency`, `tags[3]`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
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

/// Trimmed, non-empty text of at most `max` characters without control characters.
pub fn required_text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(text.to_owned())
}

/// Like [`required_text`], but blank text means "no value".
pub fn optional_text(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(field, text, max).map(Some),
    }
}

/// A plausible mailbox address, normalised to lower case. Deliberately simpler than RFC 5322: it
/// accepts what real sign-up forms accept and refuses what no mail server would deliver.
pub fn email(field: &str, raw: &str) -> Result<String, FieldError> {
    let text = raw.trim().to_lowercase();
    let invalid = || FieldError::new(field, "must be an email address like name@example.com");
    if text.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if text.len() > MAX_EMAIL {
        return Err(FieldError::new(field, format!("must be at most {MAX_EMAIL} characters")));
    }
    let (local, domain) = text.split_once('@').ok_or_else(invalid)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
    if local_ok && domain_ok { Ok(text) } else { Err(invalid()) }
}

pub fn optional_email(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => email(field, text).map(Some),
    }
}

/// A phone number as people type it: digits with optional leading `+` and the usual separators.
pub fn optional_phone(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let shape_ok =
        text.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || " -().".contains(c) || (c == '+' && i == 0));
    if shape_ok && (5..=20).contains(&digits) && text.len() <= 32 {
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
    let text = raw.trim().to_lowercase();
    if text.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if text.chars().count() > MAX_TAG {
        return Err(FieldError::new(field, format!("must be at most {MAX_TAG} characters")));
    }
    if !text.chars().all(|c| c.is_alphanumeric() || " -_.:/".contains(c)) {
        return Err(FieldError::new(field, "may contain only letters, digits, spaces and - _ . : /"));
    }
    Ok(text)
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

pub fn currency(field: &str, raw: &str) -> Result<String, FieldError> {
    let code = raw.trim();
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
        assert!(required_text("name", "a\u{0}b", 10).is_err());
        assert_eq!(optional_text("company", Some(" "), 10).unwrap(), None);
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("email", " Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
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
