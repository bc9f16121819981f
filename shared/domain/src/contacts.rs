//! Contact sync with an address book (Google Contacts): the fields both sides share, and which side
//! wins when they differ. Free of I/O; the worker applies the decisions.

use crate::customer::Customer;
use crate::lead::Lead;
use serde::{Deserialize, Serialize};

/// The contact fields a CRM record and an address-book entry share.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactCard {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
}

impl ContactCard {
    pub fn of_lead(lead: &Lead) -> Self {
        Self::of(&lead.name, &lead.email, &lead.phone, &lead.company)
    }

    pub fn of_customer(customer: &Customer) -> Self {
        Self::of(&customer.name, &customer.email, &customer.phone, &customer.company)
    }

    fn of(name: &str, email: &Option<String>, phone: &Option<String>, company: &Option<String>) -> Self {
        ContactCard {
            name: Some(name.to_owned()),
            email: email.clone(),
            phone: phone.clone(),
            company: company.clone(),
        }
    }

    /// The address that matches records across both sides: trimmed, lower case.
    pub fn email_key(&self) -> Option<String> {
        self.email.as_deref().map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty())
    }

    /// What two cards must share to count as the same: text trimmed, emails in lower case, and a missing
    /// field equal to an empty one.
    pub fn fingerprint(&self) -> String {
        let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
        [text(&self.name), self.email_key().unwrap_or_default(), text(&self.phone), text(&self.company)].join("\u{1f}")
    }

    /// A record needs a name: the card's, else its email address.
    pub fn record_name(&self) -> Option<String> {
        self.name.clone().filter(|n| !n.trim().is_empty()).or_else(|| self.email.clone())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reconcile {
    InSync,
    /// The CRM changed since the last sync (it wins when both did): write it to the address book.
    PushToAddressBook,
    /// Only the address book changed: update the CRM record.
    PullIntoCrm,
}

/// Three-way comparison against the fingerprint both sides had at the last sync.
pub fn reconcile(crm: &ContactCard, address_book: &ContactCard, last_synced: &str) -> Reconcile {
    let (crm, book) = (crm.fingerprint(), address_book.fingerprint());
    if crm == book {
        Reconcile::InSync
    } else if crm != last_synced {
        Reconcile::PushToAddressBook
    } else {
        Reconcile::PullIntoCrm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(name: &str, email: &str) -> ContactCard {
        ContactCard { name: Some(name.into()), email: Some(email.into()), ..ContactCard::default() }
    }

    #[test]
    fn fingerprints_ignore_case_of_emails_and_blank_fields() {
        assert_eq!(card("Ada", "ADA@x.io ").fingerprint(), card("Ada", "ada@x.io").fingerprint());
        let blank_phone = ContactCard { phone: Some(" ".into()), ..card("Ada", "ada@x.io") };
        assert_eq!(blank_phone.fingerprint(), card("Ada", "ada@x.io").fingerprint());
        assert_ne!(card("Ada L", "ada@x.io").fingerprint(), card("Ada", "ada@x.io").fingerprint());
    }

    #[test]
    fn the_side_that_changed_wins_and_the_crm_wins_ties() {
        let last = card("Ada", "ada@x.io");
        let renamed = card("Ada Lovelace", "ada@x.io");
        let moved = card("Ada", "ada@engines.io");
        let fp = last.fingerprint();
        assert_eq!(reconcile(&last, &last, &fp), Reconcile::InSync);
        assert_eq!(reconcile(&renamed, &last, &fp), Reconcile::PushToAddressBook);
        assert_eq!(reconcile(&last, &moved, &fp), Reconcile::PullIntoCrm);
        assert_eq!(reconcile(&renamed, &moved, &fp), Reconcile::PushToAddressBook);
        assert_eq!(reconcile(&renamed, &renamed, &fp), Reconcile::InSync, "both made the same change");
    }

    #[test]
    fn a_record_is_named_by_its_email_when_nameless() {
        let nameless = ContactCard { name: None, email: Some("x@y.io".into()), ..ContactCard::default() };
        assert_eq!(nameless.record_name().as_deref(), Some("x@y.io"));
        assert_eq!(ContactCard::default().record_name(), None);
    }
}

/// A request to sync one user's address book, as the events router hands it to the contacts-sync queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub tenant_id: crate::TenantId,
    pub user_id: crate::UserId,
    /// What an entry unknown to the CRM becomes.
    pub import_as: crate::RecordKind,
}

/// What the contacts-sync queue carries: sync requests, and record changes to push to linked entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContactsSyncMessage {
    Sync { sync_request: SyncRequest },
    Change(Box<crate::events::DomainEvent>),
}
