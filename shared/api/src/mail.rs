//! Mail to users through Amazon SES (v2): the address verification that completes a sign-up, the notice
//! to an address that already has an account, and password resets. Texts are plain and carry the web
//! app's link with a one-time token (also shown on its own line, for clients that cannot follow links).

use crate::problem::ApiError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

/// Where the links in mails lead when `WEB_APP_URL` is not set: the web app as served locally.
pub const LOCAL_WEB_APP_URL: &str = "http://localhost:5173";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Minutes an address verification stays valid.
pub const VERIFY_MINUTES: i64 = 24 * 60;
/// Minutes a password reset stays valid.
pub const RESET_MINUTES: i64 = 30;

/// Completes a sign-up: the link proves the address is the signer's.
pub fn verify_address(web_app: &str, to: &str, token: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Confirm your email address".into(),
        text: format!(
            "Someone (we hope you) opened a CRM account with this address.\n\n\
             Confirm it to finish, within {} hours:\n{web_app}/verify-email?token={token}\n\n\
             Confirmation code: {token}\n\n\
             If this was not you, ignore this mail: nothing is opened until the address is confirmed.\n",
            VERIFY_MINUTES / 60
        ),
    }
}

/// Sent instead of a verification when the address already has an account, so the sign-up answer is
/// the same either way and only the mailbox's owner learns which it was.
pub fn already_registered(web_app: &str, to: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "You already have an account".into(),
        text: format!(
            "Someone (we hope you) tried to open a CRM account with this address, which already has one.\n\n\
             Sign in at {web_app}/sign-in, or reset your password at {web_app}/reset-password.\n\n\
             If this was not you, ignore this mail: nothing has changed.\n"
        ),
    }
}

/// A password reset: the link lets the mailbox's owner choose a new password.
pub fn reset_password(web_app: &str, to: &str, token: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Reset your password".into(),
        text: format!(
            "Someone (we hope you) asked to reset the password of your CRM account.\n\n\
             Choose a new one within {RESET_MINUTES} minutes:\n{web_app}/reset-password?token={token}\n\n\
             Reset code: {token}\n\n\
             If this was not you, ignore this mail: your password stays as it is.\n"
        ),
    }
}

/// Sent when a reset is asked for an address without an account, so the answer and its timing are the
/// same either way.
pub fn no_account(web_app: &str, to: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Reset your password".into(),
        text: format!(
            "Someone (we hope you) asked to reset the password of a CRM account with this address, but it has \
             none.\n\nOpen one at {web_app}/sign-up if you like.\n\n\
             If this was not you, ignore this mail.\n"
        ),
    }
}

/// Sends mail from the deployment's verified address (`MAIL_FROM`).
#[derive(Clone, Debug)]
pub struct Mailer {
    client: aws_sdk_sesv2::Client,
    from: String,
    pub web_app: String,
}

impl Mailer {
    pub fn new(aws: &aws_config::SdkConfig, from: String, web_app: String) -> Self {
        Mailer { client: aws_sdk_sesv2::Client::new(aws), from, web_app }
    }

    pub async fn send(&self, mail: &Mail) -> Result<(), ApiError> {
        let text = |data: &str| Content::builder().data(data).charset("UTF-8").build();
        let message = Message::builder()
            .subject(text(&mail.subject).map_err(|e| ApiError::Internal(e.to_string()))?)
            .body(Body::builder().text(text(&mail.text).map_err(|e| ApiError::Internal(e.to_string()))?).build())
            .build();
        let sent = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await;
        sent.map(|_| ()).map_err(|error| {
            // The recipient's address stays out of the log; the subject says which mail it was.
            let error = aws_sdk_sesv2::error::DisplayErrorContext(&error);
            ApiError::Internal(format!("sending \"{}\": {error}", mail.subject))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_carry_the_link_and_the_token() {
        let mail = verify_address("https://app.example", "ada@example.com", "tok123");
        assert_eq!(mail.to, "ada@example.com");
        assert!(mail.text.contains("https://app.example/verify-email?token=tok123"));
        assert!(mail.text.contains("Confirmation code: tok123"));
        let reset = reset_password("https://app.example", "ada@example.com", "r456");
        assert!(reset.text.contains("https://app.example/reset-password?token=r456"));
        let known = already_registered("https://app.example", "ada@example.com");
        assert!(!known.text.contains("token="));
        assert_ne!(known.subject, mail.subject);
    }
}
