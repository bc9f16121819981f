//! Timestamps as RFC 3339 UTC text with millisecond precision, so they sort as strings.

use time::OffsetDateTime;

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

    /// Milliseconds since the Unix epoch (0 before it).
    pub fn unix_millis(&self) -> u64 {
        u64::try_from(self.0.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
    }

    pub fn plus_seconds(&self, seconds: i64) -> Self {
        Self(self.0 + time::Duration::seconds(seconds))
    }

    /// A timestamp this type wrote (`rfc3339`).
    pub fn parse(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok().map(Self)
    }

    /// Always three fractional digits (`…:33.200Z`, never `…:33.2Z`), so timestamps sort as text.
    pub fn rfc3339(&self) -> String {
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
        // Formatting a UTC time cannot fail for years 0..=9999.
        self.0.format(&format).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_as_text() {
        let base = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let at = |millis: i64| Timestamp(base + time::Duration::milliseconds(millis)).rfc3339();
        assert_eq!(at(200), "2023-11-14T22:13:20.200Z");
        let mut texts = vec![at(249), at(200), at(124), at(5)];
        texts.sort();
        assert_eq!(texts, vec![at(5), at(124), at(200), at(249)]);
    }

    #[test]
    fn formats_as_utc_rfc3339() {
        let t = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
        assert_eq!(t.rfc3339(), "2023-11-14T22:13:20.000Z");
        assert_eq!(t.plus_seconds(60).unix_seconds(), 1_700_000_060);
    }
}
