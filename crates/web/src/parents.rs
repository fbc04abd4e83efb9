//! Parents on the parent portal: signing in (a password, or a one-time link by email), the
//! school's invitation, and what a parent may see.
//!
//! A parent's account is linked to the contact records they are, one per child. A child is
//! theirs to see only while that contact has parental responsibility and no court order
//! restricts it; every other pupil, in any school, is "not found". Parents' sessions are apart
//! from staff sessions (their own cookie and table), so a parent's session opens no staff page
//! or API.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use jiff::SignedDuration;
use rollcall_core::{EntryKind, Permission, Policy};
use rollcall_messages::{Fields, Kind, email_address};
use rollcall_store::{
    ContactId, ContactRecord, LinkPurpose, ParentAccount, ParentId, PupilKey, PupilRecord,
    SchoolRecord,
};
use serde::Deserialize;

use crate::AppState;
use crate::access::Access;
use crate::auth::{
    ClientAddress, SignIn, check_sign_in, new_token, rate_limited, session_cookie, token_hash,
};
use crate::error::AppError;

/// The parent portal's session cookie.
const PARENT_COOKIE: &str = "rollcall_parent";
/// How long an invitation works.
pub(crate) const INVITATION_LASTS: SignedDuration = SignedDuration::from_hours(7 * 24);
/// How long an emailed sign-in link works.
const SIGN_IN_LINK_LASTS: SignedDuration = SignedDuration::from_mins(20);

/// The parent signed in to this browser.
pub(crate) struct Parent(pub ParentAccount);

impl FromRequestParts<AppState> for Parent {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Parent, AppError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(PARENT_COOKIE)
            .ok_or(AppError::ParentUnauthenticated)?;
        let parent = state
            .store
            .parent_session(&token_hash(token.value()), state.clock.now())
            .await?
            .ok_or(AppError::ParentUnauthenticated)?;
        Ok(Parent(parent))
    }
}

/// One of a parent's children, with the contact record the parent is for them.
pub(crate) struct Child {
    pub contact: ContactRecord,
    pub pupil: PupilRecord,
    pub school: SchoolRecord,
    pub policy: Arc<Policy>,
}

/// What a parent may see: their children.
pub(crate) struct Family {
    pub parent: ParentAccount,
    pub children: Vec<Child>,
}

impl Family {
    pub async fn load(state: &AppState, parent: ParentAccount) -> Result<Family, AppError> {
        let mut children = Vec::new();
        for contact in state.store.parent_contacts(parent.id).await? {
            if !contact.contact.may_see_attendance() {
                continue;
            }
            let pupil = state.store.pupil(contact.pupil).await?;
            let school = state.store.school(pupil.school).await?;
            let policy = state.policies.get(&school)?;
            children.push(Child {
                contact,
                pupil,
                school,
                policy,
            });
        }
        Ok(Family { parent, children })
    }

    /// One of their children; any other pupil is not found.
    pub fn child(&self, key: PupilKey) -> Result<&Child, AppError> {
        self.children
            .iter()
            .find(|c| c.pupil.key == key)
            .ok_or(AppError::NotFound("pupil"))
    }
}

/// Emails a parent a one-time link to the portal, straight away: the link is a key, so it is
/// never stored in the outbox where staff could read it.
pub(crate) async fn email_link(
    state: &AppState,
    parent: &ParentAccount,
    purpose: LinkPurpose,
    school_name: &str,
) -> Result<(), AppError> {
    let transport = state.transports.email.as_ref().ok_or_else(|| {
        AppError::Conflict("Email is not set up on this server, so no link can be sent.".into())
    })?;
    let token = new_token();
    let now = state.clock.now();
    let (lasts, path, kind) = match purpose {
        LinkPurpose::Invitation => (INVITATION_LASTS, "welcome", Kind::Invitation),
        LinkPurpose::SignIn => (SIGN_IN_LINK_LASTS, "link", Kind::SignInLink),
    };
    state
        .store
        .create_parent_link(
            &token_hash(&token),
            parent.id,
            purpose,
            now.checked_add(lasts).unwrap_or(now),
        )
        .await?;
    let fields = Fields::from([
        ("school_name", school_name.to_owned()),
        ("parent_name", parent.name.clone()),
        (
            "link",
            format!(
                "{}/parent/{path}/{token}",
                state.config.public_url.trim_end_matches('/')
            ),
        ),
    ]);
    // Links are the same for every school: rollcall's own wording, not a school template, so
    // no edit can drop the link.
    let (subject, body) =
        rollcall_messages::render(kind.default_subject(), kind.default_body(), &fields)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    transport
        .send(&parent.email, Some(&subject), &body)
        .await
        .map_err(|e| AppError::Conflict(format!("The email could not be sent: {e}")))?;
    Ok(())
}

async fn start_session(
    state: &AppState,
    jar: CookieJar,
    parent: ParentId,
) -> Result<Response, AppError> {
    let token = new_token();
    let now = state.clock.now();
    let expires = now.checked_add(state.config.session_length).unwrap_or(now);
    state
        .store
        .create_parent_session(&token_hash(&token), parent, expires)
        .await?;
    let cookie = session_cookie(PARENT_COOKIE, token, state.config.https());
    Ok((jar.add(cookie), Redirect::to("/parent")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "parent_login.html")]
struct LoginPage {
    email: String,
    message: Option<String>,
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    signed_out: bool,
}

async fn login_page(Query(query): Query<LoginQuery>) -> LoginPage {
    LoginPage {
        email: String::new(),
        message: query.signed_out.then(|| "You have signed out.".to_owned()),
    }
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

/// Failed sign-ins are counted with the staff's, under a name no username can take.
fn failure_key(email: &str) -> String {
    format!("parent:{}", email.to_lowercase())
}

async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    crate::limits::Form(form): crate::limits::Form<LoginForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_lowercase();
    let refuse = |status: StatusCode, message: String| {
        let page = LoginPage {
            email: email.clone(),
            message: Some(message),
        };
        (status, page).into_response()
    };
    let key = failure_key(&email);
    let parent = state.store.parent_by_email(&email).await?;
    let hash = parent.as_ref().and_then(|p| p.password_hash.as_deref());
    let verified = match check_sign_in(&state, &key, &address, hash, &form.password).await? {
        SignIn::Wait(message) => return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, message)),
        SignIn::Refused => false,
        SignIn::Verified => true,
    };
    let Some(parent) = parent.filter(|_| verified) else {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "That email address and password do not match.".into(),
        ));
    };
    start_session(&state, jar, parent.id).await
}

#[derive(Deserialize)]
struct LinkForm {
    email: String,
}

async fn send_link(
    State(state): State<AppState>,
    crate::limits::Form(form): crate::limits::Form<LinkForm>,
) -> Result<LoginPage, AppError> {
    let email = form.email.trim().to_lowercase();
    if let Some(parent) = state.store.parent_by_email(&email).await? {
        let family = Family::load(&state, parent.clone()).await?;
        if let Some(child) = family.children.first() {
            email_link(&state, &parent, LinkPurpose::SignIn, &child.school.name).await?;
        }
    }
    // The same answer either way, so the page does not tell who has an account.
    Ok(LoginPage {
        email,
        message: Some(
            "If that address has an account, a sign-in link is on its way. It works once, \
             within 20 minutes."
                .into(),
        ),
    })
}

async fn follow_link(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let parent = state
        .store
        .use_parent_link(&token_hash(&token), LinkPurpose::SignIn, state.clock.now())
        .await?
        .ok_or_else(|| {
            AppError::Forbidden(
                "That sign-in link has been used or has expired. Ask for another.".into(),
            )
        })?;
    start_session(&state, jar, parent).await
}

#[derive(Template, WebTemplate)]
#[template(path = "parent_welcome.html")]
struct WelcomePage {
    token: String,
    message: Option<String>,
}

async fn welcome_page(Path(token): Path<String>) -> WelcomePage {
    WelcomePage {
        token,
        message: None,
    }
}

#[derive(Deserialize)]
struct WelcomeForm {
    password: String,
    confirm: String,
}

async fn welcome(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    crate::limits::Form(form): crate::limits::Form<WelcomeForm>,
) -> Result<Response, AppError> {
    let again = |message: String| {
        let page = WelcomePage {
            token: token.clone(),
            message: Some(message),
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if let Err(refusal) = rollcall_core::check_password(&form.password, &[]) {
        return Ok(again(format!("Choose another password: {refusal}.")));
    }
    if form.password != form.confirm {
        return Ok(again("The two passwords are not the same.".into()));
    }
    let parent = state
        .store
        .use_parent_link(
            &token_hash(&token),
            LinkPurpose::Invitation,
            state.clock.now(),
        )
        .await?
        .ok_or_else(|| {
            AppError::Forbidden(
                "That invitation has been used or has expired. Ask the school for another.".into(),
            )
        })?;
    let hash = state.passwords.hash(&form.password).await?;
    state.store.set_parent_password(parent, &hash).await?;
    start_session(&state, jar, parent).await
}

async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    if let Some(cookie) = jar.get(PARENT_COOKIE) {
        state
            .store
            .delete_parent_session(&token_hash(cookie.value()))
            .await?;
    }
    let jar = jar.remove(Cookie::build(PARENT_COOKIE).path("/"));
    Ok((jar, Redirect::to("/parent/login?signed_out=true")).into_response())
}

/// The address an invitation goes to: the contact's, if it can take email.
pub(crate) fn invitation_address(contact: &ContactRecord) -> Result<String, AppError> {
    let c = &contact.contact;
    if !c.parental_responsibility {
        return Err(AppError::BadRequest(format!(
            "{} does not have parental responsibility, so cannot use the parent portal.",
            c.name
        )));
    }
    if let Some(order) = &c.court_order {
        return Err(AppError::BadRequest(format!(
            "A court order restricts {}: {order}",
            c.name
        )));
    }
    c.email
        .as_deref()
        .and_then(email_address)
        .map(|e| e.to_lowercase())
        .ok_or_else(|| {
            AppError::BadRequest(format!("{} has no valid email address on record.", c.name))
        })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/parent/login", get(login_page).merge(rate_limited(login)))
        .route("/parent/login/link", rate_limited(send_link))
        .route("/parent/link/{token}", get(follow_link))
        .route(
            "/parent/welcome/{token}",
            get(welcome_page).merge(rate_limited(welcome)),
        )
        .route("/parent/logout", post(logout))
}

/// The office invites a contact to the parent portal: an account for their email address,
/// linked to this child, and an emailed one-time link to choose a password.
pub(crate) async fn invite(
    state: &AppState,
    access: &Access,
    pupil: PupilKey,
    contact: ContactId,
) -> Result<String, AppError> {
    access.require(Permission::InviteParents, "invite parents to the portal")?;
    let pupil = access.pupil(state, pupil).await?;
    let contact = state
        .store
        .contacts(pupil.key)
        .await?
        .into_iter()
        .find(|c| c.id == contact)
        .ok_or(AppError::NotFound("contact"))?;
    let email = invitation_address(&contact)?;
    let parent_id = state
        .store
        .ensure_parent(&email, &contact.contact.name)
        .await?;
    state.store.link_parent(parent_id, contact.id).await?;
    let parent = state.store.parent(parent_id).await?;
    email_link(state, &parent, LinkPurpose::Invitation, &access.school.name).await?;
    let actor = access.user.actor();
    state
        .store
        .add_case_entry(&crate::requests::entry(
            pupil.key,
            EntryKind::Email,
            contact.contact.name.clone(),
            format!("Invited to the parent portal at {email}"),
            &actor,
            state,
        ))
        .await?;
    Ok(email)
}
