//! The API's failures as the OpenAPI document describes them: every status an operation can
//! answer besides success, each with the one error body every failure has.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, ToSchema};

/// What every failure answers.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    /// What went wrong, in words for a person.
    error: String,
}

/// Failures of any operation.
const READ: [(u16, &str); 5] = [
    (400, "A path or query parameter does not parse"),
    (
        401,
        "No token, or one that has expired or been revoked, or whose account is disabled",
    ),
    (403, "The token's member of staff may not do this"),
    (
        404,
        "No such record at a school the token's member of staff works at",
    ),
    (
        503,
        "The database cannot be reached; try again after `Retry-After` seconds",
    ),
];

/// Further failures of an operation with a body, and what a failure means there.
const WRITE: [(u16, &str); 4] = [
    (
        403,
        "The token's member of staff may not do this, or the token is read-only",
    ),
    (413, "The body is larger than the API accepts"),
    (415, "The body is not `application/json`"),
    (
        422,
        "The body is not the JSON asked for, or what it asks for cannot be done; the field is named",
    ),
];

fn responses(failures: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    failures
        .iter()
        .map(|&(status, description)| {
            let mut response = ResponseBuilder::new().description(description).content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            );
            if status == 503 {
                response = response.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .description(Some("Seconds to wait before trying again"))
                        .build(),
                );
            }
            (status.to_string(), RefOr::T(response.build()))
        })
        .collect()
}

/// The failures of an operation without a body.
pub(crate) struct ReadFailures;

impl IntoResponses for ReadFailures {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&READ)
    }
}

/// The failures of an operation with a JSON body.
pub(crate) struct WriteFailures;

impl IntoResponses for WriteFailures {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = responses(&READ);
        // A write's own descriptions replace the general ones.
        all.extend(responses(&WRITE));
        all
    }
}
