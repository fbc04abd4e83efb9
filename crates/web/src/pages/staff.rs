//! The school's administrator's page for staff accounts: who has one, disabling and enabling
//! them, resetting a password, ending sessions, and revoking API tokens.
//!
//! An administrator manages an account only when every school it works at is one they
//! administer, so that one academy's head cannot lock out a trust's officer who works at
//! five; and never their own account, so that a school always keeps an administrator.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::{get, post};
use jiff::Timestamp;
use rollcall_core::{Permission, Role};
use rollcall_store::{SchoolId, SchoolStaff, StaffUser, UserId};

use super::Chrome;
use crate::AppState;
use crate::access::Access;
use crate::auth::{Staff, temporary_password};
use crate::error::AppError;

struct AccountLine {
    id: i64,
    name: String,
    username: String,
    position: String,
    roles: String,
    status: &'static str,
    disabled: bool,
    manageable: bool,
}

struct TokenLine {
    id: i64,
    name: String,
    owner: String,
    scope: &'static str,
    created: String,
    expires: String,
    status: &'static str,
    live: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff.html")]
struct StaffPage {
    chrome: Chrome,
    accounts: Vec<AccountLine>,
    tokens: Vec<TokenLine>,
    reset: Option<(String, String)>,
    /// Whether they may read whose records each member of staff opened.
    audit: bool,
}

/// The administrator at a school, with the schools they administer.
struct Administrator {
    access: Access,
    schools: Vec<SchoolId>,
}

impl Administrator {
    async fn load(state: &AppState, user: StaffUser, school: i64) -> Result<Self, AppError> {
        let access = Access::load(state, user, SchoolId(school)).await?;
        access.require(Permission::ManageAccounts, "manage staff accounts")?;
        let schools = administered(state, access.user.id).await?;
        Ok(Administrator { access, schools })
    }

    /// Whether a member of this school's staff is theirs to manage.
    fn manages(&self, member: &SchoolStaff) -> bool {
        member.user.id != self.access.user.id
            && member.schools.iter().all(|s| self.schools.contains(s))
    }

    /// The account, when it works at this school and is theirs to manage.
    async fn account(&self, state: &AppState, user: i64) -> Result<StaffUser, AppError> {
        let staff = state.store.school_staff(self.access.school.id).await?;
        let member = staff
            .into_iter()
            .find(|s| s.user.id.0 == user)
            .ok_or(AppError::NotFound("member of staff"))?;
        if !self.manages(&member) {
            return Err(AppError::Forbidden(format!(
                "{} works at schools you do not administer, or is you: their account is managed \
                 by an administrator of all their schools.",
                member.user.name
            )));
        }
        Ok(member.user)
    }
}

/// The schools where a member of staff has a role that manages accounts.
async fn administered(state: &AppState, user: UserId) -> Result<Vec<SchoolId>, AppError> {
    Ok(state
        .store
        .roles(user)
        .await?
        .into_iter()
        .filter(|(_, r)| r.permits(Permission::ManageAccounts))
        .map(|(s, _)| s)
        .collect())
}

fn when(state: &AppState, at: Timestamp) -> String {
    crate::view::local_time(at, &state.config.time_zone)
}

async fn page(
    state: &AppState,
    admin: &Administrator,
    reset: Option<(String, String)>,
) -> Result<StaffPage, AppError> {
    let staff = state.store.school_staff(admin.access.school.id).await?;
    let mut accounts = Vec::with_capacity(staff.len());
    for member in &staff {
        let user = &member.user;
        let status = match (user.disabled, user.must_change_password) {
            (true, _) => "Disabled",
            (false, true) => "Temporary password",
            (false, false) => "Active",
        };
        accounts.push(AccountLine {
            id: user.id.0,
            name: user.name.clone(),
            username: user.username.clone(),
            position: user.position.clone(),
            roles: member
                .roles
                .iter()
                .map(|r: &Role| r.title())
                .collect::<Vec<_>>()
                .join(", "),
            status,
            disabled: user.disabled,
            manageable: admin.manages(member),
        });
    }
    let now = state.clock.now();
    let tokens = state
        .store
        .api_tokens(None)
        .await?
        .into_iter()
        .filter(|t| staff.iter().any(|s| s.user.id == t.user))
        .map(|t| TokenLine {
            id: t.id,
            owner: t.username.clone(),
            scope: match t.scope {
                rollcall_core::TokenScope::Read => "Read only",
                rollcall_core::TokenScope::ReadWrite => "Read and write",
            },
            created: when(state, t.created),
            expires: when(state, t.expires),
            status: match (t.revoked.is_some(), t.live(now)) {
                (true, _) => "Revoked",
                (false, false) => "Expired",
                (false, true) => "Live",
            },
            live: t.live(now),
            name: t.name,
        })
        .collect();
    Ok(StaffPage {
        chrome: Chrome::new(&admin.access, "staff"),
        accounts,
        tokens,
        reset,
        audit: admin.access.permits(Permission::ReadAccessLog),
    })
}

async fn staff_page(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
) -> Result<StaffPage, AppError> {
    let admin = Administrator::load(&state, user, school).await?;
    page(&state, &admin, None).await
}

fn back(school: i64) -> Redirect {
    Redirect::to(&format!("/s/{school}/staff"))
}

/// Disables an account (ending its sessions and stopping its tokens) or enables it again.
async fn set_disabled(
    state: &AppState,
    user: StaffUser,
    (school, target): (i64, i64),
    disabled: bool,
) -> Result<Redirect, AppError> {
    let admin = Administrator::load(state, user, school).await?;
    let account = admin.account(state, target).await?;
    let at = disabled.then(|| state.clock.now());
    state.store.set_disabled(account.id, at).await?;
    tracing::info!(
        by = admin.access.user.id.0,
        user = account.id.0,
        disabled,
        "account disabled or enabled"
    );
    Ok(back(school))
}

async fn disable(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(ids): Path<(i64, i64)>,
) -> Result<Redirect, AppError> {
    set_disabled(&state, user, ids, true).await
}

async fn enable(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(ids): Path<(i64, i64)>,
) -> Result<Redirect, AppError> {
    set_disabled(&state, user, ids, false).await
}

async fn sign_out(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, target)): Path<(i64, i64)>,
) -> Result<Redirect, AppError> {
    let admin = Administrator::load(&state, user, school).await?;
    let account = admin.account(&state, target).await?;
    let ended = state.store.end_sessions(account.id).await?;
    tracing::info!(
        by = admin.access.user.id.0,
        user = account.id.0,
        sessions = ended,
        "sessions ended"
    );
    Ok(back(school))
}

/// Gives the account a temporary password, shown once here, to be replaced at its next
/// sign-in; its sessions end.
async fn reset_password(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, target)): Path<(i64, i64)>,
) -> Result<StaffPage, AppError> {
    let admin = Administrator::load(&state, user, school).await?;
    let account = admin.account(&state, target).await?;
    let password = temporary_password();
    let hash = state.passwords.hash(&password).await?;
    state.store.set_password(account.id, &hash, true).await?;
    tracing::info!(
        by = admin.access.user.id.0,
        user = account.id.0,
        "password reset"
    );
    page(&state, &admin, Some((account.name, password))).await
}

async fn revoke_token(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, token)): Path<(i64, i64)>,
) -> Result<Redirect, AppError> {
    let admin = Administrator::load(&state, user, school).await?;
    let record = state
        .store
        .api_tokens(None)
        .await?
        .into_iter()
        .find(|t| t.id == token)
        .ok_or(AppError::NotFound("API token"))?;
    // The token's owner must be an account here that the administrator manages; another
    // school's tokens are not found.
    admin
        .account(&state, record.user.0)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::NotFound("API token"),
            other => other,
        })?;
    state
        .store
        .revoke_api_token(record.id, state.clock.now())
        .await?;
    tracing::info!(
        by = admin.access.user.id.0,
        token = record.id,
        "API token revoked"
    );
    Ok(back(school))
}

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/staff", get(staff_page))
        .route("/s/{school}/staff/{user}/disable", post(disable))
        .route("/s/{school}/staff/{user}/enable", post(enable))
        .route("/s/{school}/staff/{user}/sign-out", post(sign_out))
        .route(
            "/s/{school}/staff/{user}/reset-password",
            post(reset_password),
        )
        .route("/s/{school}/tokens/{token}/revoke", post(revoke_token))
}
