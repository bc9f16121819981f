//! The contact fields leads and customers share — name, email, phone, company — checked one way.

use crate::patch::Patch;
use crate::validation::{self as v, Checks, MAX_NAME};

pub(crate) struct Contact {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
}

impl Contact {
    /// The checked fields of a new record, or `None` with the reasons recorded in `checks`.
    pub fn check(
        checks: &mut Checks,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
        company: Option<&str>,
    ) -> Option<Contact> {
        let name = checks.take(v::required_text("name", name, MAX_NAME));
        let email = checks.take(v::optional_email("email", email));
        let phone = checks.take(v::optional_phone("phone", phone));
        let company = checks.take(v::optional_text("company", company, MAX_NAME));
        Some(Contact { name: name?, email: email?, phone: phone?, company: company? })
    }
}

/// The contact fields of a partial update.
pub(crate) struct ContactPatch {
    pub name: Patch<String>,
    pub email: Patch<String>,
    pub phone: Patch<String>,
    pub company: Patch<String>,
}

/// The fields a contact patch changes in place.
pub(crate) struct ContactFields<'a> {
    pub name: &'a mut String,
    pub email: &'a mut Option<String>,
    pub phone: &'a mut Option<String>,
    pub company: &'a mut Option<String>,
}

impl ContactPatch {
    pub fn apply(self, checks: &mut Checks, fields: ContactFields<'_>) {
        self.name.update_required("name", fields.name, checks, |n| v::required_text("name", &n, MAX_NAME));
        self.email.update_optional(fields.email, checks, |e| v::optional_email("email", Some(&e)));
        self.phone.update_optional(fields.phone, checks, |p| v::optional_phone("phone", Some(&p)));
        self.company.update_optional(fields.company, checks, |t| v::optional_text("company", Some(&t), MAX_NAME));
    }
}
