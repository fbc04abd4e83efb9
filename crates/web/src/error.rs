//! The one mapping from what went wrong to what the person (or program) sees.
//!
//! Pages get an HTML page saying what happened; an unauthenticated page request is sent to the
//! sign-in page. The API gets JSON `{"error": "..."}` with the status. Internal failures are
//! logged with their cause and shown without it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rollcall_store::StoreError;
use thiserror::Error;

/// Why a request failed.
#[derive(Debug, Error)]
pub enum AppError {
    /// Not signed in.
    #[error("sign in first")]
    Unauthenticated,
    /// Signed in with a temporary password, which must be replaced first.
    #[error("choose a new password first")]
    MustChangePassword,
    /// Not signed in to the parent portal.
    #[error("sign in to the parent portal first")]
    ParentUnauthenticated,
    /// Signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing, or not in the caller's school.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request cannot be carried out as made.
    #[error("{0}")]
    BadRequest(String),
    /// One field of a form is wrong: the page shows the message beside it.
    #[error("{message}")]
    Invalid {
        /// The field's name in the form.
        field: &'static str,
        /// What is wrong, as a sentence.
        message: String,
    },
    /// Several fields of a form are wrong: the page shows each message beside its field.
    #[error("{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    Refused(Vec<rollcall_core::admission::FieldError>),
    /// The address itself is malformed: a path or query parameter that does not parse.
    #[error("{0}")]
    Malformed(String),
    /// The request contradicts what is stored.
    #[error("{0}")]
    Conflict(String),
    /// Marks changed since the person read them: these pupils'.
    #[error(
        "{} of these marks changed since you opened them; look at them again before saving",
        .0.len()
    )]
    Stale(Vec<rollcall_store::PupilKey>),
    /// The request's body is larger than accepted.
    #[error("{0}")]
    TooLarge(String),
    /// The request's body is not of a type accepted here.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many failed sign-ins.
    #[error("{0}")]
    Locked(String),
    /// The database cannot be reached now: try again in a few seconds.
    #[error(
        "rollcall cannot reach its database just now; nothing was changed, try again in a few seconds"
    )]
    Unavailable,
    /// Something failed that the caller cannot fix.
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict(message) => AppError::Conflict(message),
            StoreError::Stale { pupils } => AppError::Stale(pupils),
            StoreError::Contended => AppError::Conflict(StoreError::Contended.to_string()),
            StoreError::Forbidden(message) => AppError::Forbidden(message),
            StoreError::Invalid(message) => AppError::BadRequest(message),
            StoreError::Refused(errors) => AppError::Refused(errors),
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %crate::limits::prefix(&cause), "database unreachable");
                AppError::Unavailable
            }
            StoreError::Database(cause) => {
                tracing::error!(error = %cause, "database error");
                AppError::Internal("the database could not be reached; try again".into())
            }
        }
    }
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::ParentUnauthenticated => StatusCode::UNAUTHORIZED,
            AppError::MustChangePassword => StatusCode::FORBIDDEN,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) | AppError::Invalid { .. } | AppError::Refused(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Malformed(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) | AppError::Stale(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// How long to wait before trying again, for answers that say to.
const RETRY_SECONDS: &str = "5";

/// `Retry-After` for an unavailable database.
fn retry_after(error: &AppError) -> axum::http::HeaderMap {
    let mut headers = axum::http::HeaderMap::new();
    if matches!(error, AppError::Unavailable) {
        headers.insert(
            header::RETRY_AFTER,
            axum::http::HeaderValue::from_static(RETRY_SECONDS),
        );
    }
    headers
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: &'static str,
    message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Unauthenticated => return Redirect::to("/login").into_response(),
            AppError::MustChangePassword => {
                return Redirect::to("/account?temporary=true").into_response();
            }
            AppError::ParentUnauthenticated => {
                return Redirect::to("/parent/login").into_response();
            }
            _ => {}
        }
        let status = self.status();
        let page = ErrorPage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error"),
            message: self.to_string(),
        };
        (status, retry_after(&self), page).into_response()
    }
}

/// An [`AppError`] for the API: JSON, and 401 with a bearer challenge when unauthenticated.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(error: E) -> ApiError {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let message = match &self.0 {
            AppError::Invalid { field, message } => format!("{field}: {message}"),
            AppError::Refused(errors) => errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        };
        let body = Json(serde_json::json!({ "error": message }));
        if let AppError::Unauthenticated = self.0 {
            return (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response();
        }
        (status, retry_after(&self.0), body).into_response()
    }
}
