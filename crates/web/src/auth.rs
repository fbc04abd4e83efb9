//! Signing in and out, sessions and API tokens.
//!
//! Passwords are hashed with Argon2id (the PHC string keeps its own parameters). A session is a
//! random 256-bit token in an `HttpOnly`, `SameSite=Lax` cookie; only its SHA-256 is stored, as
//! for API tokens. Failed sign-ins are counted per username in the database, so a lock-out
//! survives restarts and holds across server processes; sign-in attempts are also rate-limited
//! per client address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rollcall_store::StaffUser;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;

use crate::AppState;
use crate::error::{ApiError, AppError};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "rollcall_session";

/// Argon2id password hashing, run off the async threads.
#[derive(Clone)]
pub struct Passwords {
    argon2: Arc<Argon2<'static>>,
}

impl Default for Passwords {
    /// The OWASP-recommended Argon2id parameters (19 MiB, 2 passes).
    fn default() -> Passwords {
        Passwords {
            argon2: Arc::new(Argon2::default()),
        }
    }
}

impl Passwords {
    /// Cheap parameters, for tests that sign in many times. Hashes made with them still verify
    /// under any `Passwords`, since the PHC string carries its parameters.
    pub fn cheap() -> Passwords {
        let params = Params::new(1024, 1, 1, None).unwrap_or_default();
        Passwords {
            argon2: Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)),
        }
    }

    /// Hashes a password.
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let (argon2, password) = (self.argon2.clone(), password.to_owned());
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| AppError::Internal(format!("cannot hash the password: {e}")))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }

    /// Whether a password matches a hash.
    pub async fn verify(&self, hash: &str, password: &str) -> bool {
        let (argon2, hash, password) = (self.argon2.clone(), hash.to_owned(), password.to_owned());
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .is_ok_and(|parsed| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
        .unwrap_or(false)
    }
}

/// A new random token: 32 bytes, as hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    // The operating system's randomness is always there on the platforms rollcall runs on;
    // if it were not, a zero token would still be refused as it is never stored.
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The member of staff signed in to this browser.
pub(crate) struct Staff(pub StaffUser);

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Staff, AppError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar.get(SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
        let user = state
            .store
            .session_user(&token_hash(token.value()), state.clock.now())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(Staff(user))
    }
}

/// The member of staff an API token belongs to.
pub(crate) struct ApiStaff(pub StaffUser);

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ApiStaff, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(AppError::Unauthenticated)?;
        let user = state
            .store
            .api_token_user(&token_hash(token.trim()))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(ApiStaff(state.store.user(user).await?))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    username: String,
    message: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    signed_out: bool,
}

async fn login_page(Query(query): Query<LoginQuery>) -> LoginPage {
    LoginPage {
        username: String::new(),
        message: query.signed_out.then(|| "You have signed out.".to_owned()),
    }
}

async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let username = form.username.trim().to_owned();
    let now = state.clock.now();
    let refuse = |status: StatusCode, message: &str| {
        let page = LoginPage {
            username: username.clone(),
            message: Some(message.to_owned()),
        };
        (status, page).into_response()
    };
    if let Some(minutes) = locked_for(&state, &username).await? {
        tracing::warn!(username.locked = true, "sign-in refused: locked");
        let message = format!(
            "Too many failed sign-ins for this username. Try again in {minutes} minutes, or ask \
             the school office to reset your password."
        );
        return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, &message));
    }
    let user = state.store.user_by_username(&username).await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let verified = check_password(&state, &username, hash, &form.password).await?;
    let Some(user) = user.filter(|_| verified) else {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "That username and password do not match.",
        ));
    };
    let token = new_token();
    let expires = now.checked_add(state.config.session_length).unwrap_or(now);
    state
        .store
        .create_session(&token_hash(&token), user.id, expires)
        .await?;
    let cookie = session_cookie(SESSION_COOKIE, token, state.config.secure_cookies);
    Ok((jar.add(cookie), Redirect::to("/")).into_response())
}

async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state
            .store
            .delete_session(&token_hash(cookie.value()))
            .await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login?signed_out=true")).into_response())
}

/// The client's address, or one shared key when it is unknown (in-process tests).
#[derive(Clone)]
struct ClientAddress;

impl KeyExtractor for ClientAddress {
    type Key = IpAddr;

    fn extract<T>(
        &self,
        request: &axum::http::Request<T>,
    ) -> Result<IpAddr, tower_governor::GovernorError> {
        Ok(request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip()))
    }
}

/// How many minutes a sign-in name stays locked, when recent failures have locked it. Failures
/// are counted in the database, so a lock holds across restarts and server processes.
pub(crate) async fn locked_for(state: &AppState, name: &str) -> Result<Option<i64>, AppError> {
    let now = state.clock.now();
    let window = state.config.lockout_window;
    let since = now.checked_sub(window).unwrap_or(now);
    let failures = state.store.login_failures_since(name, since).await?;
    Ok((failures >= state.config.lockout_failures).then(|| window.as_mins()))
}

/// Whether a password matches a sign-in name's hash (none never matches); a failure is
/// counted against the name, a success clears its failures.
pub(crate) async fn check_password(
    state: &AppState,
    name: &str,
    hash: Option<&str>,
    password: &str,
) -> Result<bool, AppError> {
    let verified = match hash {
        Some(hash) => state.passwords.verify(hash, password).await,
        None => false,
    };
    if verified {
        state.store.clear_login_failures(name).await?;
    } else {
        state
            .store
            .record_login_failure(name, state.clock.now())
            .await?;
    }
    Ok(verified)
}

/// A POST handler behind the sign-in rate limit: from one address, a burst of 20, then one
/// every 3 seconds.
pub(crate) fn rate_limited<H, T>(handler: H) -> axum::routing::MethodRouter<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    let limit = GovernorConfigBuilder::default()
        .per_second(3)
        .burst_size(20)
        .key_extractor(ClientAddress)
        .finish()
        .map(Arc::new);
    match limit {
        Some(config) => post(handler).layer(GovernorLayer::new(config)),
        None => post(handler),
    }
}

/// A session cookie: `HttpOnly`, `SameSite=Lax`, and with no expiry, so it goes when the
/// browser closes, which suits shared tablets; the session itself ends on the server.
pub(crate) fn session_cookie(name: &'static str, token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .build()
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).merge(rate_limited(login)))
        .route("/logout", post(logout))
}
