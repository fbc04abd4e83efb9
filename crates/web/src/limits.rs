//! What the server accepts of what people and programs send it, and how much of it is repeated
//! back in a message or a log.
//!
//! Every form and JSON body comes through [`Form`] or [`Json`]: the body is at most
//! [`BODY_LIMIT`] (413 beyond), of the right type (415 otherwise), and every text value in it is
//! checked by the core's one rule for text (`rollcall_core::check_text`: its kind's length, no
//! control characters) before anything reads it, so a refusal names the field and nothing is
//! changed.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use rollcall_core::{TextKind, check_text};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, AppError};

/// The most a form or JSON body may be; a leave request's document has its own limit.
pub(crate) const BODY_LIMIT: usize = 256 * 1024;

/// How many characters of a value a message or a log line repeats.
const SHOWN: usize = 40;

/// The start of a value, as a message or a log repeats it: at most a few dozen characters, so
/// that a huge or hostile value is never echoed whole.
pub(crate) fn prefix(text: &str) -> String {
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}

/// The kind of text a field holds, by its name: names, single lines for sign-in, passwords
/// (the account page's `current`, `new` and `confirm`) and contact details, a school's wordings,
/// and notes (which may run over lines) for the rest.
fn kind_of(field: &str) -> TextKind {
    match field {
        "name" | "surname" | "forename" | "legal_surname" | "legal_forename"
        | "preferred_forename" | "by_name" => TextKind::Name,
        "username" | "password" | "current" | "new" | "confirm" | "email" | "phone"
        | "recipient" | "subject" | "idempotency_key" => TextKind::Line,
        "body" => TextKind::Wording,
        _ => TextKind::Note,
    }
}

/// Checks one value of a field.
pub(crate) fn check_field(field: &str, value: &str) -> Result<(), AppError> {
    check_text(value, kind_of(field))
        .map_err(|e| AppError::BadRequest(format!("{}: {e}", prefix(field))))
}

/// Every string in a JSON value, each checked as the field it is under.
fn check_json(field: &str, value: &serde_json::Value) -> Result<(), AppError> {
    match value {
        serde_json::Value::String(text) => check_field(field, text),
        serde_json::Value::Array(items) => items.iter().try_for_each(|v| check_json(field, v)),
        serde_json::Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            check_field("key", k)?;
            check_json(k, v)
        }),
        _ => Ok(()),
    }
}

/// A body's bytes, if it is of `content_type` and within the limit.
async fn body<S: Send + Sync>(
    req: Request,
    state: &S,
    content_type: &str,
) -> Result<Bytes, AppError> {
    let given = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !given
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(content_type))
    {
        return Err(AppError::UnsupportedMediaType(format!(
            "send the body as {content_type}"
        )));
    }
    Bytes::from_request(req, state).await.map_err(|_| {
        AppError::TooLarge(format!(
            "the request is larger than the {} KiB rollcall accepts",
            BODY_LIMIT / 1024
        ))
    })
}

/// Why a body did not read as the fields expected: the field and the problem, never the value.
fn unreadable(path: &serde_path_to_error::Path, error: &dyn std::fmt::Display) -> AppError {
    let field = path.to_string();
    let problem = prefix(&error.to_string());
    AppError::BadRequest(match field.as_str() {
        "." | "" => problem,
        field => format!("{field}: {problem}"),
    })
}

/// A form body (`application/x-www-form-urlencoded`), every value checked.
pub(crate) struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Form<T>, AppError> {
        let bytes = body(req, state, "application/x-www-form-urlencoded").await?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::BadRequest(prefix(&e.to_string())))?;
        for (field, value) in &pairs {
            check_field(field, value)?;
        }
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
        serde_path_to_error::deserialize(deserializer)
            .map(Form)
            .map_err(|e| unreadable(e.path(), e.inner()))
    }
}

/// The API's path parameters: one that does not parse is 400 with the API's error body.
pub(crate) struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiPath<T>, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| ApiError(AppError::Malformed(prefix(&e.body_text()))))
    }
}

/// The API's query parameters, refused as its path parameters are.
pub(crate) struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiQuery<T>, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError(AppError::Malformed(prefix(&e.body_text()))))
    }
}

/// A JSON body, every string checked.
pub(crate) struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Json<T>, ApiError> {
        let bytes = body(req, state, "application/json").await?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            AppError::BadRequest(format!("the body is not JSON: {}", prefix(&e.to_string())))
        })?;
        check_json("body", &value)?;
        serde_path_to_error::deserialize(value)
            .map(Json)
            .map_err(|e| ApiError(unreadable(e.path(), e.inner())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut() {
        assert_eq!(prefix("PM"), "PM");
        let long = "é".repeat(5_000_000);
        let shown = prefix(&long);
        assert_eq!(shown.chars().count(), SHOWN + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn fields_by_kind() {
        let table = [
            (
                "legal_surname",
                "a".repeat(101),
                Some("legal_surname: is 101 characters long"),
            ),
            ("note", "a".repeat(101), None),
            ("note", "Rang\nback".into(), None),
            (
                "username",
                "head\nmaster".into(),
                Some("username: holds a control character (U+000A)"),
            ),
            (
                "reason",
                "ill\0".into(),
                Some("reason: holds a control character (U+0000)"),
            ),
            ("body", "a".repeat(19_000), None),
        ];
        for (field, value, expect) in table {
            let got = check_field(field, &value).err().map(|e| e.to_string());
            match expect {
                None => assert_eq!(got, None, "{field}"),
                Some(message) => assert!(
                    got.as_deref().is_some_and(|g| g.contains(message)),
                    "{field}: {got:?}"
                ),
            }
        }
        let nested = serde_json::json!({"marks": [{"pupil": 1, "mark": "I\u{1b}"}]});
        assert!(
            check_json("body", &nested)
                .unwrap_err()
                .to_string()
                .starts_with("mark: ")
        );
    }
}
