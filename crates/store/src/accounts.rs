//! Staff accounts: web sessions, sign-in failures, API tokens, and accounts disabled or given a
//! new password. Tokens are stored only as hashes.

use async_trait::async_trait;
use jiff::Timestamp;
use rollcall_core::TokenScope;

use crate::{Result, SchoolId, StaffUser, UserId};

/// An API token to issue.
#[derive(Debug, Clone)]
pub struct NewApiToken<'a> {
    /// The SHA-256 of the token, as hex.
    pub token_hash: &'a str,
    /// The member of staff it acts as.
    pub user: UserId,
    /// What it is for, such as "MIS sync".
    pub name: &'a str,
    /// What it may do.
    pub scope: TokenScope,
    /// When it was issued.
    pub at: Timestamp,
    /// When it stops working.
    pub expires: Timestamp,
}

/// An API token, as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    /// The token's number, to revoke it by.
    pub id: i64,
    /// The member of staff it acts as.
    pub user: UserId,
    /// Their username.
    pub username: String,
    /// What it is for.
    pub name: String,
    /// What it may do.
    pub scope: TokenScope,
    /// When it was issued.
    pub created: Timestamp,
    /// When it stops working.
    pub expires: Timestamp,
    /// When it was revoked, if it was.
    pub revoked: Option<Timestamp>,
}

impl ApiTokenRecord {
    /// Whether the token works at `now`.
    pub fn live(&self, now: Timestamp) -> bool {
        self.revoked.is_none() && self.expires > now
    }
}

/// What a live API token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The member of staff it acts as.
    pub user: StaffUser,
    /// What it may do.
    pub scope: TokenScope,
}

/// Recent failed sign-ins to one username from one address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginFailures {
    /// How many.
    pub count: u64,
    /// The latest.
    pub last: Option<Timestamp>,
}

/// A member of staff with their roles at one school, for the school's administrator.
#[derive(Debug, Clone)]
pub struct SchoolStaff {
    /// The member of staff.
    pub user: StaffUser,
    /// Their roles at the school.
    pub roles: Vec<rollcall_core::Role>,
    /// Every school they hold a role at, this one included.
    pub schools: Vec<SchoolId>,
}

/// Web sessions, sign-in failures, API tokens, and accounts' state.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Starts a web session at `now`, ending at `expires` however busy it is.
    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()>;
    /// The member of staff of a live session: before its expiry, used since `idle_since`, and
    /// their account enabled. The session counts as used at `now`.
    async fn session_user(
        &self,
        token_hash: &str,
        now: Timestamp,
        idle_since: Timestamp,
    ) -> Result<Option<StaffUser>>;
    /// Ends a web session.
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Ends every web session of a member of staff; how many there were.
    async fn end_sessions(&self, user: UserId) -> Result<u64>;
    /// Records a failed sign-in to a username from an address.
    async fn record_login_failure(
        &self,
        username: &str,
        address: &str,
        at: Timestamp,
    ) -> Result<()>;
    /// Failed sign-ins to a username from an address since a time.
    async fn login_failures(
        &self,
        username: &str,
        address: &str,
        since: Timestamp,
    ) -> Result<LoginFailures>;
    /// Forgets a username's failed sign-ins from an address, after a successful one.
    async fn clear_login_failures(&self, username: &str, address: &str) -> Result<()>;
    /// Issues an API token; its number.
    async fn create_api_token(&self, token: &NewApiToken<'_>) -> Result<i64>;
    /// What a token grants at `now`: nothing once expired or revoked, or if its member of
    /// staff's account is disabled.
    async fn api_token(&self, token_hash: &str, now: Timestamp) -> Result<Option<TokenGrant>>;
    /// API tokens, newest first: one member of staff's, or everyone's.
    async fn api_tokens(&self, user: Option<UserId>) -> Result<Vec<ApiTokenRecord>>;
    /// Revokes a token; `false` if there is no such token or it was already revoked.
    async fn revoke_api_token(&self, id: i64, at: Timestamp) -> Result<bool>;
    /// Disables an account (`Some(when)`), ending its sessions, or enables it again (`None`).
    async fn set_disabled(&self, user: UserId, at: Option<Timestamp>) -> Result<()>;
    /// Replaces a password hash and ends every session of the account; `must_change` when the
    /// password is a temporary one, to be replaced at the next sign-in.
    async fn set_password(
        &self,
        user: UserId,
        password_hash: &str,
        must_change: bool,
    ) -> Result<()>;
    /// A school's staff with their roles there, by name.
    async fn school_staff(&self, school: SchoolId) -> Result<Vec<SchoolStaff>>;
}
