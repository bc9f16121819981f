//! Accounts (tenants) and their users.

use crate::clock::Timestamp;
use crate::ids::{TenantId, UserId};
use crate::policy::Role;
use crate::validation::{self as v, Checks, Invalid, MAX_NAME};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "graphql", derive(async_graphql::Enum), graphql(rename_items = "snake_case"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    /// A deactivated user cannot sign in, and every token it holds stops working.
    Deactivated,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }
}

/// `POST /auth/sign_up`: a new account and its first user, who becomes its Admin.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    #[schema(schema_with = crate::schema::name)]
    pub account_name: String,
    #[schema(schema_with = crate::schema::name)]
    pub name: String,
    #[schema(schema_with = crate::schema::email)]
    pub email: String,
    #[schema(schema_with = crate::schema::password)]
    pub password: String,
}

/// A new user, checked and ready to store; the password is still plain and must be hashed by the caller.
#[derive(Debug)]
pub struct UserDraft {
    pub user: User,
    pub password: String,
}

impl SignUp {
    pub fn validate(self, now: Timestamp) -> Result<(Tenant, UserDraft), Invalid> {
        let mut checks = Checks::default();
        let account_name = checks.take(v::required_text("account_name", &self.account_name, MAX_NAME));
        let draft = NewUser { email: self.email, name: self.name, role: Role::Admin, password: self.password }.check(
            &mut checks,
            TenantId::new(),
            now,
        );
        checks.finish()?;
        let (Some(name), Some(draft)) = (account_name, draft) else { unreachable!("checks passed") };
        let tenant = Tenant { id: draft.user.tenant_id, name, created_at: now.rfc3339() };
        Ok((tenant, draft))
    }
}

/// `POST /users`: an Admin adds a user with a role and an initial password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(schema_with = crate::schema::email)]
    pub email: String,
    #[schema(schema_with = crate::schema::name)]
    pub name: String,
    pub role: Role,
    #[schema(schema_with = crate::schema::password)]
    pub password: String,
}

impl NewUser {
    pub fn validate(self, tenant: TenantId, now: Timestamp) -> Result<UserDraft, Invalid> {
        let mut checks = Checks::default();
        let draft = self.check(&mut checks, tenant, now);
        checks.finish()?;
        Ok(draft.expect("checks passed"))
    }

    fn check(self, checks: &mut Checks, tenant: TenantId, now: Timestamp) -> Option<UserDraft> {
        let email = checks.take(v::email("email", &self.email));
        let name = checks.take(v::required_text("name", &self.name, MAX_NAME));
        let password = checks.take(v::password("password", &self.password));
        let at = now.rfc3339();
        Some(UserDraft {
            user: User {
                id: UserId::new(),
                tenant_id: tenant,
                email: email?,
                name: name?,
                role: self.role,
                status: UserStatus::Active,
                created_at: at.clone(),
                updated_at: at,
                version: 1,
            },
            password: password?,
        })
    }
}

/// `PATCH /users/{id}`: change a user's name, role or status.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

impl UserPatch {
    pub fn apply(self, current: &User, now: Timestamp) -> Result<User, Invalid> {
        let mut next = current.clone();
        if let Some(name) = self.name {
            next.name = v::required_text("name", &name, MAX_NAME)?;
        }
        if let Some(role) = self.role {
            next.role = role;
        }
        if let Some(status) = self.status {
            next.status = status;
        }
        if next != *current {
            next.updated_at = now.rfc3339();
            next.version = current.version + 1;
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_up(email: &str, password: &str) -> SignUp {
        SignUp { account_name: "Acme".into(), name: "Ada".into(), email: email.into(), password: password.into() }
    }

    #[test]
    fn sign_up_makes_an_admin_of_a_new_tenant() {
        let (tenant, draft) = sign_up("Ada@Acme.io", "correct horse battery").validate(Timestamp::now()).unwrap();
        assert_eq!(draft.user.tenant_id, tenant.id);
        assert_eq!(draft.user.role, Role::Admin);
        assert_eq!(draft.user.email, "ada@acme.io");
        assert!(draft.user.is_active());
    }

    #[test]
    fn sign_up_reports_every_bad_field() {
        let Invalid(errors) =
            SignUp { account_name: " ".into(), ..sign_up("nope", "short") }.validate(Timestamp::now()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["account_name", "email", "password"]);
    }

    #[test]
    fn patch_bumps_version_only_on_change() {
        let (_, draft) = sign_up("a@b.io", "long enough pw").validate(Timestamp::now()).unwrap();
        let same =
            UserPatch { role: Some(Role::Admin), ..Default::default() }.apply(&draft.user, Timestamp::now()).unwrap();
        assert_eq!(same.version, 1);
        let off = UserPatch { status: Some(UserStatus::Deactivated), ..Default::default() }
            .apply(&draft.user, Timestamp::now())
            .unwrap();
        assert_eq!(off.version, 2);
        assert!(!off.is_active());
        assert!(
            UserPatch { name: Some("".into()), ..Default::default() }.apply(&draft.user, Timestamp::now()).is_err()
        );
    }
}
