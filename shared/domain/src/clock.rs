//! Timestamps as RFC 3339 UTC text with millisecond precision, so they sort as strings.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        let millis = now.millisecond();
        Self(now.replace_nanosecond(u32::from(millis) * 1_000_000).unwrap_or(now))
    }

    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds).ok().map(Self)
    }

    pub fn unix_seconds(&self) -> i64 {
        self.0.unix_timestamp()
    }

    pub fn plus_seconds(&self, seconds: i64) -> Self {
        Self(self.0 + time::Duration::seconds(seconds))
    }

    pub fn rfc3339(&self) -> String {
        // Formatting a UTC time as RFC 3339 cannot fail for years 0..=9999.
        self.0.format(&Rfc3339).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_utc_rfc3339() {
        let t = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
        assert_eq!(t.rfc3339(), "2023-11-14T22:13:20Z");
        assert_eq!(t.plus_seconds(60).unix_seconds(), 1_700_000_060);
    }
}
