//! Who may do what. Every route asks these functions before it reads or writes on a caller's behalf.

use crate::ids::{TenantId, UserId};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "graphql", derive(async_graphql::Enum), graphql(rename_items = "snake_case"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    Sales,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Sales => "sales",
        }
    }

    /// Admins and Managers see and change every record of their tenant.
    pub fn sees_whole_tenant(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }
}

/// The authenticated caller: taken from a verified token and the user's current record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub tenant: TenantId,
    pub user: UserId,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The caller may not take this action at all (403).
    #[error("{0}")]
    Forbidden(&'static str),
    /// The record exists but is not the caller's to see; answered exactly like a missing record (404),
    /// so its existence is not disclosed.
    #[error("not found")]
    Hidden,
}

fn admin_only(actor: &Actor, what: &'static str) -> Result<(), Denied> {
    if actor.role == Role::Admin { Ok(()) } else { Err(Denied::Forbidden(what)) }
}

pub fn create_user(actor: &Actor) -> Result<(), Denied> {
    admin_only(actor, "only an admin can create users")
}

/// Only Admins make, list and revoke API keys; a key is never an Admin, so no key manages keys or users.
pub fn manage_api_keys(actor: &Actor) -> Result<(), Denied> {
    admin_only(actor, "only an admin manages API keys")
}

/// Only Admins register, change and follow outgoing webhook endpoints: they send the account's data out.
pub fn manage_webhook_endpoints(actor: &Actor) -> Result<(), Denied> {
    admin_only(actor, "only an admin manages webhook endpoints")
}

/// Only Admins start or change the account's subscription.
pub fn manage_billing(actor: &Actor) -> Result<(), Denied> {
    admin_only(actor, "only an admin manages the account's subscription")
}

/// Managers list users too: they assign leads to them.
pub fn list_users(actor: &Actor) -> Result<(), Denied> {
    if actor.role.sees_whole_tenant() {
        Ok(())
    } else {
        Err(Denied::Forbidden("only an admin or a manager can list users"))
    }
}

/// Admins change roles and deactivate users, but never their own account, so a tenant cannot lock out its
/// last admin by accident.
pub fn update_user(actor: &Actor, target: UserId) -> Result<(), Denied> {
    admin_only(actor, "only an admin can change users")?;
    if actor.user == target {
        return Err(Denied::Forbidden("an admin cannot change their own role or status"));
    }
    Ok(())
}

pub fn view_record(actor: &Actor, owner: UserId) -> Result<(), Denied> {
    if actor.role.sees_whole_tenant() || actor.user == owner { Ok(()) } else { Err(Denied::Hidden) }
}

pub fn edit_record(actor: &Actor, owner: UserId) -> Result<(), Denied> {
    view_record(actor, owner)
}

pub fn delete_record(actor: &Actor, owner: UserId) -> Result<(), Denied> {
    view_record(actor, owner)?;
    if actor.role.sees_whole_tenant() {
        Ok(())
    } else {
        Err(Denied::Forbidden("only an admin or a manager can delete records"))
    }
}

/// The owner a new record gets: Sales always owns what it creates; Admin and Manager may name anyone.
pub fn owner_for_new_record(actor: &Actor, requested: Option<UserId>) -> Result<UserId, Denied> {
    match requested {
        None => Ok(actor.user),
        Some(owner) if owner == actor.user => Ok(owner),
        Some(owner) if actor.role.sees_whole_tenant() => Ok(owner),
        Some(_) => Err(Denied::Forbidden("only an admin or a manager can assign records to another user")),
    }
}

pub fn reassign_record(actor: &Actor) -> Result<(), Denied> {
    if actor.role.sees_whole_tenant() {
        Ok(())
    } else {
        Err(Denied::Forbidden("only an admin or a manager can reassign records"))
    }
}

/// The owner a list is restricted to: Sales sees only its own records, whatever it asked for.
pub fn list_owner(actor: &Actor, requested: Option<UserId>) -> Result<Option<UserId>, Denied> {
    if actor.role.sees_whole_tenant() {
        return Ok(requested);
    }
    match requested {
        Some(owner) if owner != actor.user => Err(Denied::Forbidden("a sales user can list only their own records")),
        _ => Ok(Some(actor.user)),
    }
}

/// Anyone who may see a record may add a note to it; its author, an Admin or a Manager may change or
/// remove it.
pub fn edit_note(actor: &Actor, record_owner: UserId, author: UserId) -> Result<(), Denied> {
    view_record(actor, record_owner)?;
    if actor.role.sees_whole_tenant() || actor.user == author {
        Ok(())
    } else {
        Err(Denied::Forbidden("only the note's author, an admin or a manager can change a note"))
    }
}

/// Whose activity a caller may page through: the whole tenant's, or (Sales) only its own actions.
pub fn activity_actor(actor: &Actor) -> Option<UserId> {
    (!actor.role.sees_whole_tenant()).then_some(actor.user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor { tenant: TenantId::new(), user: UserId::new(), role }
    }

    #[test]
    fn only_admins_manage_users() {
        assert!(create_user(&actor(Role::Admin)).is_ok());
        assert!(matches!(create_user(&actor(Role::Manager)), Err(Denied::Forbidden(_))));
        assert!(matches!(create_user(&actor(Role::Sales)), Err(Denied::Forbidden(_))));
        assert!(list_users(&actor(Role::Manager)).is_ok());
        assert!(list_users(&actor(Role::Sales)).is_err());
    }

    #[test]
    fn an_admin_cannot_change_themselves() {
        let admin = actor(Role::Admin);
        assert!(update_user(&admin, admin.user).is_err());
        assert!(update_user(&admin, UserId::new()).is_ok());
        assert!(update_user(&actor(Role::Manager), UserId::new()).is_err());
    }

    #[test]
    fn sales_sees_only_its_own_leads() {
        let sales = actor(Role::Sales);
        assert_eq!(view_record(&sales, sales.user), Ok(()));
        assert_eq!(view_record(&sales, UserId::new()), Err(Denied::Hidden));
        assert_eq!(edit_record(&sales, UserId::new()), Err(Denied::Hidden));
        for role in [Role::Admin, Role::Manager] {
            assert_eq!(view_record(&actor(role), UserId::new()), Ok(()));
            assert_eq!(delete_record(&actor(role), UserId::new()), Ok(()));
        }
    }

    #[test]
    fn sales_cannot_delete_even_its_own_leads() {
        let sales = actor(Role::Sales);
        assert!(matches!(delete_record(&sales, sales.user), Err(Denied::Forbidden(_))));
        assert_eq!(delete_record(&sales, UserId::new()), Err(Denied::Hidden));
    }

    #[test]
    fn owners_of_new_leads() {
        let sales = actor(Role::Sales);
        let other = UserId::new();
        assert_eq!(owner_for_new_record(&sales, None), Ok(sales.user));
        assert_eq!(owner_for_new_record(&sales, Some(sales.user)), Ok(sales.user));
        assert!(owner_for_new_record(&sales, Some(other)).is_err());
        assert_eq!(owner_for_new_record(&actor(Role::Manager), Some(other)), Ok(other));
        assert!(reassign_record(&sales).is_err());
        assert!(reassign_record(&actor(Role::Admin)).is_ok());
    }

    #[test]
    fn notes_are_changed_by_their_author_or_a_manager() {
        let sales = actor(Role::Sales);
        assert_eq!(edit_note(&sales, sales.user, sales.user), Ok(()));
        assert!(matches!(edit_note(&sales, sales.user, UserId::new()), Err(Denied::Forbidden(_))));
        assert_eq!(edit_note(&sales, UserId::new(), sales.user), Err(Denied::Hidden));
        assert_eq!(edit_note(&actor(Role::Manager), UserId::new(), UserId::new()), Ok(()));
        assert_eq!(activity_actor(&sales), Some(sales.user));
        assert_eq!(activity_actor(&actor(Role::Admin)), None);
    }

    #[test]
    fn sales_lists_are_pinned_to_the_caller() {
        let sales = actor(Role::Sales);
        assert_eq!(list_owner(&sales, None), Ok(Some(sales.user)));
        assert!(list_owner(&sales, Some(UserId::new())).is_err());
        let manager = actor(Role::Manager);
        assert_eq!(list_owner(&manager, None), Ok(None));
        let other = UserId::new();
        assert_eq!(list_owner(&manager, Some(other)), Ok(Some(other)));
    }
}
