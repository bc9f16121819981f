//! Sign-in sessions: a short-lived access token plus a rotating refresh token. The refresh token is
//! `<tenant>.<session>.<secret>`; only the secret's SHA-256 is stored, and each use replaces it.

use crate::app::App;
use crate::extract::ClientAddress;
use crate::problem::ApiError;
use crate::throttle;
use crate::tokens::TokenSubject;
use crm_chat::Member;
use crm_domain::clock::Timestamp;
use crm_domain::throttle::Attempt;
use crm_domain::user::User;
use crm_domain::{SessionId, TenantId};
use crm_store::secrets::{constant_time_eq, random_token, sha256_hex};
use crm_store::{Session, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_expires_in: i64,
}

/// Body of `/auth/refresh` and `/auth/sign_out`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

struct RefreshToken {
    tenant: TenantId,
    session: SessionId,
    secret: String,
}

impl RefreshToken {
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let token = RefreshToken {
            tenant: TenantId::parse(parts.next()?)?,
            session: SessionId::parse(parts.next()?)?,
            secret: parts.next().filter(|s| s.len() == 43)?.to_owned(),
        };
        parts.next().is_none().then_some(token)
    }

    fn render(&self) -> String {
        format!("{}.{}.{}", self.tenant, self.session, self.secret)
    }
}

fn new_secret() -> Result<String, ApiError> {
    random_token(32).map_err(|e| ApiError::Internal(e.to_string()))
}

fn same_hash(a: &str, b: &str) -> bool {
    constant_time_eq(a.as_bytes(), b.as_bytes())
}

async fn pair(
    app: &App,
    user: &User,
    generation: u64,
    refresh: &RefreshToken,
    now: i64,
) -> Result<TokenPair, ApiError> {
    let subject = TokenSubject { tenant: user.tenant_id, user: user.id, role: user.role, generation };
    let issuer = app.issuer().await?;
    let access_token = issuer.issue(subject, now).map_err(|e| ApiError::Internal(format!("signing a token: {e}")))?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer",
        expires_in: issuer.ttl_seconds,
        refresh_token: refresh.render(),
        refresh_expires_in: app.refresh_token_seconds,
    })
}

/// A new session for a user who just proved who they are, of their current session `generation`.
pub async fn start(app: &App, user: &User, generation: u64) -> Result<TokenPair, ApiError> {
    let now = Timestamp::now();
    let refresh = RefreshToken { tenant: user.tenant_id, session: SessionId::new(), secret: new_secret()? };
    let session = Session {
        id: refresh.session,
        tenant_id: user.tenant_id,
        user_id: user.id,
        secret_hash: sha256_hex(&refresh.secret),
        expires_at: now.unix_seconds() + app.refresh_token_seconds,
        revoked: false,
        created_at: now.rfc3339(),
        generation,
    };
    app.table.create_session(&session).await?;
    pair(app, user, generation, &refresh, now.unix_seconds()).await
}

const INVALID_REFRESH: ApiError = ApiError::Unauthorized("the refresh token is invalid, expired or revoked");

/// The live session a refresh token names. A token that names a session but is not its current
/// secret is a used (so leaked) one: the session is revoked for everyone holding it.
async fn current_session(app: &App, token: &RefreshToken) -> Result<Session, ApiError> {
    let session = app.table.session(token.tenant, token.session).await?.ok_or(INVALID_REFRESH)?;
    if session.revoked || session.expires_at <= Timestamp::now().unix_seconds() {
        return Err(INVALID_REFRESH);
    }
    if !same_hash(&session.secret_hash, &sha256_hex(&token.secret)) {
        tracing::warn!(tenant = %token.tenant, session = %token.session, "refresh token reuse: revoking the session");
        app.table.revoke_session(token.tenant, token.session).await?;
        return Err(INVALID_REFRESH);
    }
    Ok(session)
}

fn parse(text: &str) -> Result<RefreshToken, ApiError> {
    // Any text is a possible token; one this service did not issue is refused like a revoked one.
    RefreshToken::parse(text).ok_or(INVALID_REFRESH)
}

/// Runs `work` with a refresh token presented from `address`: past a few unusable tokens from one
/// address, each further try must wait (429), so tokens cannot be guessed or replayed at speed.
pub async fn throttled<T>(
    app: &App,
    address: &ClientAddress,
    work: impl AsyncFnOnce() -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let now = Timestamp::now().unix_seconds();
    let attempts = [(Attempt::RefreshFromAddress, address.0.as_str())];
    throttle::check(app, &attempts, now).await?;
    let result = work().await;
    if matches!(result, Err(ApiError::Unauthorized(_))) {
        throttle::count(app, &attempts, now).await?;
    }
    result
}

/// Exchanges a refresh token for a new pair; the old refresh token stops working.
pub async fn refresh(app: &App, presented: &str) -> Result<TokenPair, ApiError> {
    let token = parse(presented)?;
    let session = current_session(app, &token).await?;
    let stored = app.table.user(session.tenant_id, session.user_id).await?;
    // A session from before the user's sessions were ended (deactivation, a password change, signing out
    // everywhere) stays ended, even if the user is active again.
    let Some(stored) = stored.filter(|s| s.user.is_active() && session.generation >= s.session_generation) else {
        return Err(INVALID_REFRESH);
    };
    let (user, generation) = (stored.user, stored.session_generation);
    let next = RefreshToken { tenant: token.tenant, session: token.session, secret: new_secret()? };
    let now = Timestamp::now().unix_seconds();
    let rotated = app
        .table
        .rotate_session(&session, &session.secret_hash, &sha256_hex(&next.secret), now + app.refresh_token_seconds)
        .await;
    match rotated {
        Ok(()) => pair(app, &user, generation, &next, now).await,
        // Someone used the same token a moment ago: one of the two holders is not legitimate.
        Err(StoreError::VersionConflict) => {
            app.table.revoke_session(token.tenant, token.session).await?;
            Err(INVALID_REFRESH)
        }
        Err(other) => Err(other.into()),
    }
}

/// Ends the session a refresh token belongs to.
pub async fn end(app: &App, presented: &str) -> Result<(), ApiError> {
    let token = parse(presented)?;
    current_session(app, &token).await?;
    app.table.revoke_session(token.tenant, token.session).await?;
    Ok(())
}

/// Ends every session, token and WebSocket connection of `user` ("sign out everywhere"), optionally
/// setting a new password hash in the same write.
pub async fn end_everywhere(app: &App, user: Member, new_password_hash: Option<&str>) -> Result<(), ApiError> {
    app.table.end_sessions(user.tenant, user.user, new_password_hash).await?;
    close_connections(app, user).await;
    Ok(())
}

/// Closes the user's WebSocket connections after their sessions ended. A failure here is logged, not
/// returned: every frame re-checks the user, so a socket left open can do nothing.
pub async fn close_connections(app: &App, user: Member) {
    let client = app.chat.client(None);
    if let Err(error) = app.chat.end_user(client.as_ref(), user, "this sign-in has ended; sign in again").await {
        tracing::warn!(%error, user = %user.user, "could not close a signed-out user's connections");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_parse_strictly() {
        let token = RefreshToken { tenant: TenantId::new(), session: SessionId::new(), secret: new_secret().unwrap() };
        let text = token.render();
        let parsed = RefreshToken::parse(&text).unwrap();
        assert_eq!((parsed.tenant, parsed.session, parsed.secret), (token.tenant, token.session, token.secret.clone()));
        assert!(RefreshToken::parse(&format!("{text}.x")).is_none());
        assert!(RefreshToken::parse(&text[..text.len() - 1]).is_none());
        assert!(RefreshToken::parse("a.b.c").is_none());
        assert!(RefreshToken::parse("").is_none());
    }

    #[test]
    fn hashes_compare_exactly() {
        let a = sha256_hex("one");
        assert!(same_hash(&a, &sha256_hex("one")));
        assert!(!same_hash(&a, &sha256_hex("two")));
        assert!(!same_hash(&a, "short"));
    }
}
