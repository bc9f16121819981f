//! How often a client may try something that an attacker would try many times (guess a password, open
//! accounts, present refresh tokens): a few attempts are free within an hour, then each one more must wait
//! twice as long as the last, up to a cap. The counting lives in the store; the rule lives here.

use std::fmt;

/// What is being counted, and for whom (an account's email, a client's address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Wrong passwords for one email address, wherever they come from.
    SignInForAccount,
    /// Wrong passwords from one client address, whatever email they name.
    SignInFromAddress,
    /// Accounts opened from one client address.
    SignUpFromAddress,
    /// Unusable refresh tokens from one client address.
    RefreshFromAddress,
    /// Emails (verification, password reset) sent to one address.
    MailToAddress,
    /// Password resets asked for from one client address, whatever email they name.
    ResetFromAddress,
}

impl Attempt {
    pub fn limit(self) -> Limit {
        match self {
            Attempt::SignInForAccount => Limit { free: 5, first_wait_seconds: 30, max_wait_seconds: 900 },
            Attempt::SignInFromAddress => Limit { free: 30, first_wait_seconds: 30, max_wait_seconds: 900 },
            Attempt::SignUpFromAddress => Limit { free: 10, first_wait_seconds: 60, max_wait_seconds: 3600 },
            Attempt::RefreshFromAddress => Limit { free: 30, first_wait_seconds: 30, max_wait_seconds: 900 },
            Attempt::MailToAddress => Limit { free: 3, first_wait_seconds: 300, max_wait_seconds: 3600 },
            Attempt::ResetFromAddress => Limit { free: 10, first_wait_seconds: 60, max_wait_seconds: 3600 },
        }
    }

    /// A stable name for keys and logs.
    pub fn name(self) -> &'static str {
        match self {
            Attempt::SignInForAccount => "sign_in_account",
            Attempt::SignInFromAddress => "sign_in_address",
            Attempt::SignUpFromAddress => "sign_up_address",
            Attempt::RefreshFromAddress => "refresh_address",
            Attempt::MailToAddress => "mail_address",
            Attempt::ResetFromAddress => "reset_address",
        }
    }
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Attempts are counted per hour-long window and judged over the current and the previous one, so a
/// client that stops trying is forgiven within two hours, and never just because the clock passed the hour.
pub const WINDOW_SECONDS: i64 = 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Attempts in a window that never wait.
    pub free: u32,
    /// The wait after the free attempts; it doubles with each attempt after that.
    pub first_wait_seconds: i64,
    pub max_wait_seconds: i64,
}

impl Limit {
    /// How long one more attempt must wait after `attempts` counted ones, the last at `last_at`: `None`
    /// when it may go ahead now.
    pub fn wait(self, attempts: u32, last_at: i64, now: i64) -> Option<i64> {
        let over = attempts.checked_sub(self.free)?;
        let doubled = 1i64.checked_shl(over).and_then(|factor| factor.checked_mul(self.first_wait_seconds));
        let wait = doubled.filter(|w| *w <= self.max_wait_seconds).unwrap_or(self.max_wait_seconds);
        let remaining = last_at + wait - now;
        (remaining > 0).then_some(remaining)
    }
}

/// The window a moment falls in.
pub fn window(now: i64) -> i64 {
    now.div_euclid(WINDOW_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit { free: 5, first_wait_seconds: 1, max_wait_seconds: 900 };

    #[test]
    fn the_free_attempts_never_wait() {
        for attempts in 0..5 {
            assert_eq!(LIMIT.wait(attempts, 1000, 1000), None, "{attempts}");
        }
    }

    #[test]
    fn each_attempt_past_the_free_ones_waits_twice_as_long() {
        assert_eq!(LIMIT.wait(5, 1000, 1000), Some(1));
        assert_eq!(LIMIT.wait(6, 1000, 1000), Some(2));
        assert_eq!(LIMIT.wait(8, 1000, 1000), Some(8));
        assert_eq!(LIMIT.wait(8, 1000, 1005), Some(3));
        assert_eq!(LIMIT.wait(8, 1000, 1008), None);
    }

    #[test]
    fn waits_are_capped() {
        assert_eq!(LIMIT.wait(15, 1000, 1000), Some(900));
        assert_eq!(LIMIT.wait(u32::MAX, 1000, 1000), Some(900));
        assert_eq!(LIMIT.wait(u32::MAX, 1000, 1900), None);
        let slow = Limit { first_wait_seconds: 30, ..LIMIT };
        assert_eq!((slow.wait(5, 0, 0), slow.wait(6, 0, 0), slow.wait(10, 0, 0)), (Some(30), Some(60), Some(900)));
        assert_eq!(slow.wait(62, 0, 0), Some(900));
    }

    #[test]
    fn windows_are_an_hour_long() {
        assert_eq!(window(0), window(3599));
        assert_ne!(window(3599), window(3600));
    }
}
