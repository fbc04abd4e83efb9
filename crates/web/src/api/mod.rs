//! The REST API, under `/api/v1`, for programs: the same permissions as the pages, with a bearer
//! token (`rollcall token create`) in place of a sign-in. Described at `/api/openapi.json`.

mod admissions;
pub(crate) mod analytics;
mod contacts;
mod failures;
mod pupils;

pub(crate) use pupils::LedgerEntry;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::{Date, Time};
use rollcall_core::{Code, Permission, Session, SessionKey};
use rollcall_store::{GroupId, PupilKey, RegisterSheet, SchoolId, StoredMark};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::access::Access;
use crate::auth::ApiStaff;
use crate::error::{ApiError, AppError};
use crate::limits::ApiPath;
use crate::view::category_class;
use crate::work::{self, Entry, Sessions};
use failures::{ErrorBody, ReadFailures, WriteFailures};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rollcall",
        description = "School attendance registers, marks and the amendment ledger. Every request \
                       needs `Authorization: Bearer <token>`; a token acts with the permissions of \
                       the member of staff it was issued to.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "rollcall", description = "Registers and marks")),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's routes, with their description.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(groups))
        .routes(routes!(get_register, put_register))
        .routes(routes!(pupils::pupil))
        .routes(routes!(pupils::pupil_marks, pupils::amend_mark))
        .routes(routes!(pupils::pupil_ledger))
        .routes(routes!(bulk_codes))
        .routes(routes!(missing_registers))
        .routes(routes!(absences))
        .routes(routes!(admissions::register, admissions::admit))
        .routes(routes!(admissions::entry))
        .routes(routes!(admissions::change_entry))
        .routes(routes!(admissions::deletion))
        .routes(routes!(contacts::contacts, contacts::add_contact))
        .routes(routes!(contacts::edit_contact))
        .routes(routes!(contacts::end_contact))
        .routes(routes!(analytics::cohorts))
        .routes(routes!(analytics::analysis))
        .routes(routes!(analytics::pupils))
        .routes(routes!(analytics::qa))
        .routes(routes!(analytics::compare_groups))
        .routes(routes!(analytics::compare))
        .routes(routes!(analytics::meetings));
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    router().split_for_parts().1
}

pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

async fn access(
    state: &AppState,
    user: rollcall_store::StaffUser,
    school: i64,
) -> Result<Access, ApiError> {
    Ok(Access::load(state, user, SchoolId(school)).await?)
}

fn session_of(text: &str) -> Result<Session, ApiError> {
    Session::parse(text).map_err(|e| ApiError(AppError::BadRequest(e.to_string())))
}

fn code_of(text: &str) -> Result<Code, ApiError> {
    Code::parse(text).map_err(|e| ApiError(AppError::BadRequest(e.to_string())))
}

/// A school and the role held there.
#[derive(Serialize, ToSchema)]
struct SchoolRole {
    school: i64,
    school_name: String,
    role: String,
}

/// The member of staff the token belongs to.
#[derive(Serialize, ToSchema)]
struct Me {
    id: i64,
    username: String,
    name: String,
    position: String,
    roles: Vec<SchoolRole>,
}

/// The token's member of staff and their roles.
#[utoipa::path(get, path = "/me", tag = "rollcall", responses((status = 200, body = Me), ReadFailures))]
async fn me(State(state): State<AppState>, ApiStaff(user): ApiStaff) -> Result<Json<Me>, ApiError> {
    let mut roles = Vec::new();
    for (school, role) in state.store.roles(user.id).await? {
        roles.push(SchoolRole {
            school: school.0,
            school_name: state.store.school(school).await?.name,
            role: role.id().to_owned(),
        });
    }
    Ok(Json(Me {
        id: user.id.0,
        username: user.username,
        name: user.name,
        position: user.position,
        roles,
    }))
}

/// A registration group.
#[derive(Serialize, ToSchema)]
struct Group {
    id: i64,
    name: String,
}

/// The school's registration groups.
#[utoipa::path(get, path = "/schools/{school}/groups", tag = "rollcall",
    params(("school" = i64, Path, description = "School")),
    responses((status = 200, body = Vec<Group>), ReadFailures))]
async fn groups(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath(school): ApiPath<i64>,
) -> Result<Json<Vec<Group>>, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(Permission::ViewOwnPupils, "see the school's groups")?;
    let groups = state.store.groups(access.school.id).await?;
    Ok(Json(
        groups
            .into_iter()
            .map(|g| Group {
                id: g.id.0,
                name: g.name,
            })
            .collect(),
    ))
}

/// A mark as held.
#[derive(Serialize, ToSchema)]
pub(crate) struct Mark {
    date: String,
    session: String,
    code: String,
    meaning: String,
    category: String,
    minutes_late: Option<u16>,
    comment: Option<String>,
    source: String,
    recorded_by: Option<String>,
    recorded_at: String,
    /// How many times the session has been written (1: its first recording). Send it back as
    /// `version` to have a change refused if the mark has moved on.
    version: u32,
}

impl Mark {
    pub(crate) fn of(m: StoredMark) -> Mark {
        Mark {
            date: m.key.date.to_string(),
            session: m.key.session.to_string(),
            code: m.code.symbol().to_owned(),
            meaning: m.code.meaning_on(m.key.date).to_owned(),
            category: category_class(m.code).to_owned(),
            minutes_late: m.minutes_late,
            comment: m.comment,
            source: m.source.id().to_owned(),
            recorded_by: m.recorded_by,
            recorded_at: m.recorded_at.to_string(),
            version: m.version,
        }
    }
}

/// When a register was taken and by whom.
#[derive(Serialize, ToSchema)]
struct Taken {
    by: String,
    at: String,
    amended: bool,
}

/// One pupil's line of a register.
#[derive(Serialize, ToSchema)]
struct Line {
    pupil: i64,
    upn: String,
    name: String,
    mark: Option<Mark>,
}

/// A group's register for a session.
#[derive(Serialize, ToSchema)]
struct Sheet {
    group: Group,
    date: String,
    session: String,
    taken: Option<Taken>,
    pupils: Vec<Line>,
}

impl Sheet {
    fn of(sheet: RegisterSheet) -> Sheet {
        Sheet {
            group: Group {
                id: sheet.group.id.0,
                name: sheet.group.name,
            },
            date: sheet.key.date.to_string(),
            session: sheet.key.session.to_string(),
            taken: sheet.taken.map(|t| Taken {
                by: t.by,
                at: t.at.to_string(),
                amended: t.amended,
            }),
            pupils: sheet
                .rows
                .into_iter()
                .map(|r| Line {
                    pupil: r.pupil.key.0,
                    upn: r.pupil.pupil.upn.to_string(),
                    name: r.pupil.pupil.name(),
                    mark: r.mark.map(Mark::of),
                })
                .collect(),
        }
    }
}

/// A register as it is now, with its version: what a stale write is answered with.
fn current_register(sheet: RegisterSheet, status: StatusCode, error: Option<String>) -> Response {
    let etag = work::register_etag(&sheet);
    let body = match error {
        Some(error) => serde_json::json!({ "error": error, "current": Sheet::of(sheet) }),
        None => serde_json::to_value(Sheet::of(sheet)).unwrap_or_default(),
    };
    (status, [(header::ETAG, etag)], Json(body)).into_response()
}

/// A group's register for a session, with each pupil's mark so far. Its `ETag` names this
/// state of it, for `If-Match` when taking it.
#[utoipa::path(get, path = "/schools/{school}/registers/{group}/{date}/{session}", tag = "rollcall",
    params(("school" = i64, Path), ("group" = i64, Path), ("date" = String, Path, format = Date), ("session" = String, Path, description = "AM or PM")),
    responses((status = 200, body = Sheet, headers(("ETag" = String, description = "The register's version"))), ReadFailures))]
async fn get_register(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, group, date, session)): ApiPath<(i64, i64, Date, String)>,
) -> Result<Response, ApiError> {
    let access = access(&state, user, school).await?;
    let key = SessionKey {
        date,
        session: session_of(&session)?,
    };
    let sheet = work::sheet(&state, &access, GroupId(group), key).await?;
    Ok(current_register(sheet, StatusCode::OK, None))
}

/// A pupil's mark on a submitted register.
#[derive(Deserialize, ToSchema)]
struct EnteredMark {
    /// The pupil.
    pupil: i64,
    /// `present`, `late`, or an attendance code.
    mark: String,
    /// For `late`: the time the pupil arrived (`HH:MM`); the submission time if not given.
    late_at: Option<String>,
    /// The version of the pupil's mark this is based on (0: none); when given and the mark has
    /// moved on to something else, the register is refused with 409.
    version: Option<u32>,
}

/// A register, taken.
#[derive(Deserialize, ToSchema)]
struct TakeRegister {
    /// A mark for every pupil on the register.
    marks: Vec<EnteredMark>,
    /// Why any mark already recorded changes (one of `reason_established`, `arrived_late`,
    /// `parent_report`, `plan_changed`, `marked_in_error`, `other`); needed when one does.
    reason: Option<String>,
    /// The reason in the person's own words; needed with `other`.
    #[serde(default)]
    note: String,
}

/// What taking a register did.
#[derive(Serialize, ToSchema)]
struct Outcome {
    inserted: u64,
    confirmed: u64,
    unchanged: u64,
    amended: u64,
}

/// Takes (or re-takes) a register. Minutes late come from the school's register times. With
/// `If-Match` (the register's `ETag`), or a `version` on a mark, a register changed meanwhile is
/// refused with 409 and the register as it is now.
#[utoipa::path(put, path = "/schools/{school}/registers/{group}/{date}/{session}", tag = "rollcall",
    params(("school" = i64, Path), ("group" = i64, Path), ("date" = String, Path, format = Date), ("session" = String, Path),
        ("If-Match" = Option<String>, Header, description = "The register's ETag, as read")),
    request_body = TakeRegister,
    responses((status = 200, body = Outcome),
        (status = 409, body = StaleRegister, description = "The register changed since it was read"),
        WriteFailures))]
async fn put_register(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, group, date, session)): ApiPath<(i64, i64, Date, String)>,
    headers: HeaderMap,
    crate::limits::Json(body): crate::limits::Json<TakeRegister>,
) -> Result<Response, ApiError> {
    let access = access(&state, user, school).await?;
    let key = SessionKey {
        date,
        session: session_of(&session)?,
    };
    let group = GroupId(group);
    // With If-Match, every mark is based on the register as read; the store refuses any that
    // moved on between this read and its write.
    let based_on = match headers.get(header::IF_MATCH) {
        None => None,
        Some(tag) => {
            let sheet = work::sheet(&state, &access, group, key).await?;
            if tag.as_bytes() != work::register_etag(&sheet).as_bytes() {
                let error = "the register changed since it was read".to_owned();
                return Ok(current_register(sheet, StatusCode::CONFLICT, Some(error)));
            }
            Some(sheet)
        }
    };
    let seen_in = |pupil: PupilKey| {
        based_on.as_ref().map(|sheet| {
            sheet
                .rows
                .iter()
                .find(|r| r.pupil.key == pupil)
                .and_then(|r| r.mark.as_ref())
                .map_or(0, |m| m.version)
        })
    };
    let mut entries = Vec::with_capacity(body.marks.len());
    for m in body.marks {
        let entry = match m.mark.as_str() {
            "present" => Entry::Present,
            "late" => Entry::Late {
                at: m.late_at.as_deref().and_then(|t| t.parse::<Time>().ok()),
            },
            code => Entry::Code(code_of(code)?),
        };
        let pupil = PupilKey(m.pupil);
        entries.push((pupil, entry, m.version.or_else(|| seen_in(pupil))));
    }
    let reason = work::reason_given(body.reason.as_deref(), &body.note)?;
    match work::take_register(&state, &access, group, key, &entries, reason, None).await {
        Ok(outcome) => Ok(Json(Outcome {
            inserted: outcome.inserted,
            confirmed: outcome.confirmed,
            unchanged: outcome.unchanged,
            amended: outcome.amended,
        })
        .into_response()),
        Err(error @ AppError::Stale(_)) => {
            let sheet = work::sheet(&state, &access, group, key).await?;
            Ok(current_register(
                sheet,
                StatusCode::CONFLICT,
                Some(error.to_string()),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// A register refused because it changed since it was read.
#[derive(Serialize, ToSchema)]
struct StaleRegister {
    error: String,
    current: Sheet,
}

/// One code for a group (or the whole school) over a range of dates.
#[derive(Deserialize, ToSchema)]
struct BulkCodes {
    /// The group; the whole school when absent.
    group: Option<i64>,
    #[schema(value_type = String, format = Date)]
    first: Date,
    #[schema(value_type = String, format = Date)]
    last: Date,
    sessions: Sessions,
    code: String,
    reason: String,
}

/// A session a bulk change left as it was.
#[derive(Serialize, ToSchema)]
struct Skipped {
    pupil: i64,
    date: String,
    session: String,
    kept: String,
}

/// What a bulk change did.
#[derive(Serialize, ToSchema)]
struct BulkResult {
    written: u64,
    skipped: Vec<Skipped>,
}

/// Enters one code over a range of school sessions, leaving recorded marks (other than N) as
/// they are.
#[utoipa::path(post, path = "/schools/{school}/bulk-codes", tag = "rollcall",
    params(("school" = i64, Path)),
    request_body = BulkCodes,
    responses((status = 200, body = BulkResult), WriteFailures))]
async fn bulk_codes(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath(school): ApiPath<i64>,
    crate::limits::Json(body): crate::limits::Json<BulkCodes>,
) -> Result<Json<BulkResult>, ApiError> {
    let access = access(&state, user, school).await?;
    let code = code_of(&body.code)?;
    let outcome = work::bulk(
        &state,
        &access,
        body.group.map(GroupId),
        body.first,
        body.last,
        body.sessions,
        code,
        &body.reason,
    )
    .await?;
    Ok(Json(BulkResult {
        written: outcome.written,
        skipped: outcome
            .skipped
            .into_iter()
            .map(|(pupil, key, kept)| Skipped {
                pupil: pupil.0,
                date: key.date.to_string(),
                session: key.session.to_string(),
                kept: kept.symbol().to_owned(),
            })
            .collect(),
    }))
}

/// A register not taken by its close time.
#[derive(Serialize, ToSchema)]
struct Missing {
    group: i64,
    group_name: String,
    date: String,
    session: String,
    pupils: usize,
    closed_at: String,
}

/// The day's registers not taken by the time the school's policy closes them.
#[utoipa::path(get, path = "/schools/{school}/days/{date}/missing-registers", tag = "rollcall",
    params(("school" = i64, Path), ("date" = String, Path, format = Date)),
    responses((status = 200, body = Vec<Missing>), ReadFailures))]
async fn missing_registers(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, date)): ApiPath<(i64, Date)>,
) -> Result<Json<Vec<Missing>>, ApiError> {
    let access = access(&state, user, school).await?;
    let missing = work::missing_registers(&state, &access, date).await?;
    Ok(Json(
        missing
            .into_iter()
            .map(|r| Missing {
                closed_at: work::closes(&access, r.key.session)
                    .strftime("%H:%M")
                    .to_string(),
                group: r.group.id.0,
                group_name: r.group.name,
                date: r.key.date.to_string(),
                session: r.key.session.to_string(),
                pupils: r.pupils,
            })
            .collect(),
    ))
}

/// Someone to call.
#[derive(Serialize, ToSchema)]
struct ContactToCall {
    name: String,
    relationship: String,
    priority: u16,
    phones: Vec<String>,
}

/// A pupil absent with no reason yet.
#[derive(Serialize, ToSchema)]
struct Absence {
    pupil: i64,
    name: String,
    reg_group: String,
    sessions: Vec<String>,
    contacts: Vec<ContactToCall>,
}

/// The day's absences with no reason established (`N`), with contacts in the order to call.
#[utoipa::path(get, path = "/schools/{school}/days/{date}/absences", tag = "rollcall",
    params(("school" = i64, Path), ("date" = String, Path, format = Date)),
    responses((status = 200, body = Vec<Absence>), ReadFailures))]
async fn absences(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, date)): ApiPath<(i64, Date)>,
) -> Result<Json<Vec<Absence>>, ApiError> {
    let access = access(&state, user, school).await?;
    let absences = work::unexplained_absences(&state, &access, date).await?;
    Ok(Json(
        absences
            .into_iter()
            .map(|a| Absence {
                pupil: a.pupil.key.0,
                name: a.pupil.pupil.name(),
                reg_group: a.group,
                sessions: a.sessions.iter().map(ToString::to_string).collect(),
                contacts: a
                    .contacts
                    .into_iter()
                    .map(|c| ContactToCall {
                        name: c.contact.name,
                        relationship: c.contact.relationship,
                        priority: c.contact.priority,
                        phones: c.contact.phones,
                    })
                    .collect(),
            })
            .collect(),
    ))
}
