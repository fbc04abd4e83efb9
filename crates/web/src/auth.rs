//! Signing in and out, sessions and API tokens.
//!
//! Passwords are hashed with Argon2id (the PHC string keeps its own parameters). A session is a
//! random 256-bit token in an `HttpOnly`, `SameSite=Lax` cookie; only its SHA-256 is stored, as
//! for API tokens, which also carry an expiry and a scope. A session ends after an idle spell
//! or at its absolute expiry, whichever comes first. Failed sign-ins are counted in the database
//! per username and client address, so throttling survives restarts and holds across server
//! processes without letting anyone lock another out; sign-in attempts are also rate-limited per
//! client address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rollcall_core::accounts::FAILURE_MEMORY;
use rollcall_core::sign_in_wait;
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
    /// A hash of a random password under the same parameters, checked when a sign-in name has
    /// no account, so that the answer takes as long.
    dummy: Arc<str>,
}

impl Default for Passwords {
    /// The OWASP-recommended Argon2id parameters (19 MiB, 2 passes).
    fn default() -> Passwords {
        Passwords::with(Argon2::default())
    }
}

impl Passwords {
    /// Cheap parameters, for tests that sign in many times. Hashes made with them still verify
    /// under any `Passwords`, since the PHC string carries its parameters.
    pub fn cheap() -> Passwords {
        let params = Params::new(1024, 1, 1, None).unwrap_or_default();
        Passwords::with(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    fn with(argon2: Argon2<'static>) -> Passwords {
        let salt = SaltString::generate(&mut OsRng);
        let dummy = argon2
            .hash_password(new_token().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default();
        Passwords {
            argon2: Arc::new(argon2),
            dummy: dummy.into(),
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

/// A temporary password for a reset: 20 letters and digits (about 100 bits), in groups of
/// four for reading aloud, without look-alikes (0/O, 1/l/I).
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    // As for tokens: the platforms rollcall runs on always have the randomness.
    let _ = getrandom::fill(&mut bytes);
    let letters: Vec<char> = bytes
        .iter()
        .filter_map(|b| ALPHABET.get(usize::from(*b) % ALPHABET.len()))
        .map(|b| char::from(*b))
        .collect();
    letters
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The member of staff signed in to this browser, whose password is not a temporary one.
pub(crate) struct Staff(pub StaffUser);

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Staff, AppError> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        if user.must_change_password {
            return Err(AppError::MustChangePassword);
        }
        Ok(Staff(user))
    }
}

/// The member of staff signed in to this browser, even with a temporary password: for the
/// page that replaces it.
pub(crate) struct SignedIn(pub StaffUser);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<SignedIn, AppError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar.get(SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
        let now = state.clock.now();
        let idle_since = now.checked_sub(state.config.session_idle).unwrap_or(now);
        let user = state
            .store
            .session_user(&token_hash(token.value()), now, idle_since)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(SignedIn(user))
    }
}

/// The member of staff an API token belongs to, when the token's scope allows the request.
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
        let grant = state
            .store
            .api_token(&token_hash(token.trim()), state.clock.now())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let write = !matches!(parts.method, Method::GET | Method::HEAD);
        if !grant.scope.allows(write) {
            return Err(AppError::Forbidden(
                "this API token is read-only: issue a read-write one to change anything".into(),
            )
            .into());
        }
        Ok(ApiStaff(grant.user))
    }
}

/// The address a request came from, for throttling sign-ins; "unknown" when the server was not
/// told (in-process tests).
pub(crate) struct ClientAddress(pub String);

impl<S: Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> Result<ClientAddress, Self::Rejection> {
        Ok(ClientAddress(
            client_ip(&parts.extensions).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        ))
    }
}

fn client_ip(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
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
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    crate::limits::Form(form): crate::limits::Form<LoginForm>,
) -> Result<Response, AppError> {
    let username = form.username.trim().to_owned();
    let refuse = |status: StatusCode, message: &str| {
        let page = LoginPage {
            username: username.clone(),
            message: Some(message.to_owned()),
        };
        (status, page).into_response()
    };
    let user = match rollcall_core::check_text(&username, rollcall_core::TextKind::Line) {
        Ok(()) => state.store.user_by_username(&username).await?,
        Err(_) => None,
    };
    let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let user = match check_sign_in(&state, &username, &address, hash, &form.password).await? {
        SignIn::Wait(message) => return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, &message)),
        SignIn::Refused => None,
        SignIn::Verified => user,
    };
    let Some(user) = user else {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "That username and password do not match.",
        ));
    };
    // Said only to someone who knows the password.
    if user.disabled {
        return Ok(refuse(
            StatusCode::FORBIDDEN,
            "This account is disabled. Ask the school's administrator to enable it.",
        ));
    }
    let cookie = start_session(&state, user.id).await?;
    let next = match user.must_change_password {
        true => "/account?temporary=true",
        false => "/",
    };
    Ok((jar.add(cookie), Redirect::to(next)).into_response())
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
struct RateKey;

impl KeyExtractor for RateKey {
    type Key = IpAddr;

    fn extract<T>(
        &self,
        request: &axum::http::Request<T>,
    ) -> Result<IpAddr, tower_governor::GovernorError> {
        Ok(client_ip(request.extensions()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
    }
}

/// What a sign-in attempt comes to.
pub(crate) enum SignIn {
    /// Too many recent failures from this address: try again later, as the message says.
    Wait(String),
    /// The password does not match (or there is no such account).
    Refused,
    /// The password matches.
    Verified,
}

/// Checks a password against a sign-in name's hash, throttled per name and client address
/// (`rollcall_core::sign_in_wait`). With no hash, a dummy one is checked instead, so a sign-in
/// takes as long whether or not the name exists. A failure is counted; a success clears them.
pub(crate) async fn check_sign_in(
    state: &AppState,
    name: &str,
    address: &str,
    hash: Option<&str>,
    password: &str,
) -> Result<SignIn, AppError> {
    let now = state.clock.now();
    let since = now.checked_sub(FAILURE_MEMORY).unwrap_or(now);
    let failures = state.store.login_failures(name, address, since).await?;
    if let Some(wait) = failures
        .last
        .and_then(|last| sign_in_wait(failures.count, last, now))
    {
        tracing::warn!(failures = failures.count, "sign-in refused: throttled");
        let minutes = (wait.as_secs() + 59) / 60;
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        return Ok(SignIn::Wait(format!(
            "Too many failed sign-ins from here. Try again in {minutes} {unit}, or ask the \
             school's administrator to reset your password."
        )));
    }
    let verified = state
        .passwords
        .verify(hash.unwrap_or(&state.passwords.dummy), password)
        .await
        && hash.is_some();
    if verified {
        state.store.clear_login_failures(name, address).await?;
        Ok(SignIn::Verified)
    } else {
        state.store.record_login_failure(name, address, now).await?;
        Ok(SignIn::Refused)
    }
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
        .key_extractor(RateKey)
        .finish()
        .map(Arc::new);
    match limit {
        Some(config) => post(handler).layer(GovernorLayer::new(config)),
        None => post(handler),
    }
}

/// Starts a member of staff's session: its cookie, for the browser that signed in.
pub(crate) async fn start_session(
    state: &AppState,
    user: rollcall_store::UserId,
) -> Result<Cookie<'static>, AppError> {
    let token = new_token();
    let now = state.clock.now();
    let expires = now.checked_add(state.config.session_length).unwrap_or(now);
    state
        .store
        .create_session(&token_hash(&token), user, now, expires)
        .await?;
    Ok(session_cookie(SESSION_COOKIE, token, state.config.https()))
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
