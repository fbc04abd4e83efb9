//! A member of staff's own account: a new password (required after a reset), and signing out
//! everywhere.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use rollcall_store::StaffUser;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ClientAddress, SESSION_COOKIE, SignIn, SignedIn, check_sign_in, start_session};
use crate::error::AppError;

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    name: String,
    username: String,
    position: String,
    temporary: bool,
    message: Option<String>,
    error: Option<String>,
}

impl AccountPage {
    fn of(user: &StaffUser) -> AccountPage {
        AccountPage {
            name: user.name.clone(),
            username: user.username.clone(),
            position: user.position.clone(),
            temporary: user.must_change_password,
            message: None,
            error: None,
        }
    }
}

#[derive(Deserialize)]
struct AccountQuery {
    #[serde(default)]
    changed: bool,
}

async fn account_page(SignedIn(user): SignedIn, Query(query): Query<AccountQuery>) -> AccountPage {
    AccountPage {
        message: query
            .changed
            .then(|| "Your password is changed. Any other sign-ins have ended.".to_owned()),
        ..AccountPage::of(&user)
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    crate::limits::Form(form): crate::limits::Form<PasswordForm>,
) -> Result<Response, AppError> {
    let again = |status: StatusCode, error: String| {
        let page = AccountPage {
            error: Some(error),
            ..AccountPage::of(&user)
        };
        (status, page).into_response()
    };
    // The current password is asked for, and throttled as a sign-in, so that a browser left
    // signed in is not enough to take the account over.
    let hash = user.password_hash.as_deref();
    match check_sign_in(&state, &user.username, &address, hash, &form.current).await? {
        SignIn::Wait(message) => return Ok(again(StatusCode::TOO_MANY_REQUESTS, message)),
        SignIn::Refused => {
            return Ok(again(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Your current password is not right.".into(),
            ));
        }
        SignIn::Verified => {}
    }
    if form.new != form.confirm {
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The two new passwords are not the same.".into(),
        ));
    }
    if form.new == form.current {
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a password other than the current one.".into(),
        ));
    }
    let context = [user.username.as_str(), user.name.as_str()];
    if let Err(refusal) = rollcall_core::check_password(&form.new, &context) {
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Choose another password: {refusal}."),
        ));
    }
    let hash = state.passwords.hash(&form.new).await?;
    // Setting the password ends every session; this browser gets a new one.
    state.store.set_password(user.id, &hash, false).await?;
    tracing::info!(user = user.id.0, "password changed");
    let cookie = start_session(&state, user.id).await?;
    Ok((jar.add(cookie), Redirect::to("/account?changed=true")).into_response())
}

/// Ends every session of the member of staff, this one included: for a lost tablet.
async fn sign_out_everywhere(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let ended = state.store.end_sessions(user.id).await?;
    tracing::info!(user = user.id.0, sessions = ended, "signed out everywhere");
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login?signed_out=true")).into_response())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account_page))
        .route(
            "/account/password",
            crate::auth::rate_limited(change_password),
        )
        .route("/account/sign-out", post(sign_out_everywhere))
}
