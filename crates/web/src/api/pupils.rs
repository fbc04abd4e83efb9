//! A pupil through the API: their record with this year's attendance, their marks, changes to
//! them, and the amendment ledger.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use rollcall_core::{AcademicYear, Opened, Tally};
use rollcall_store::{PupilKey, PupilRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::failures::{ReadFailures, WriteFailures};
use super::{Mark, access, code_of};
use crate::AppState;
use crate::auth::ApiStaff;
use crate::error::{ApiError, AppError};
use crate::limits::{ApiPath, ApiQuery};
use crate::work;

/// Attendance statistics over a period.
#[derive(Serialize, ToSchema)]
pub(super) struct Statistics {
    from: String,
    to: String,
    possible: u64,
    present: u64,
    aea: u64,
    authorised: u64,
    unauthorised: u64,
    attendance_pct: Option<String>,
    persistent: bool,
    severe: bool,
    late_before_close: u64,
    late_after_close: u64,
    minutes_late: u64,
}

/// A pupil, with this academic year's attendance so far.
#[derive(Serialize, ToSchema)]
pub(super) struct Pupil {
    id: i64,
    upn: String,
    legal_surname: String,
    legal_forename: String,
    preferred_forename: Option<String>,
    year_group: String,
    reg_group: String,
    entry_date: Option<String>,
    leaving_date: Option<String>,
    statistics: Statistics,
}

/// A pupil, with this academic year's attendance so far.
#[utoipa::path(get, path = "/schools/{school}/pupils/{pupil}", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path)),
    responses((status = 200, body = Pupil), ReadFailures))]
pub(super) async fn pupil(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil)): ApiPath<(i64, i64)>,
) -> Result<Json<Pupil>, ApiError> {
    let access = access(&state, user, school).await?;
    let record: PupilRecord = access.pupil(&state, PupilKey(pupil)).await?;
    access
        .log_opening(&state, record.key, Opened::Api, Some("record"))
        .await?;
    let today = state.local_now().date();
    let first = AcademicYear::of(today).first_day();
    let mut tally = Tally::default();
    for mark in state.store.marks(record.key, first, today).await? {
        tally.add_mark(mark.code, mark.minutes_late);
    }
    let p = record.pupil;
    Ok(Json(Pupil {
        id: record.key.0,
        upn: p.upn.to_string(),
        legal_surname: p.legal_surname,
        legal_forename: p.legal_forename,
        preferred_forename: p.preferred_forename,
        year_group: p.year_group.to_string(),
        reg_group: p.reg_group,
        entry_date: p.entry_date.map(|d| d.to_string()),
        leaving_date: p.leaving_date.map(|d| d.to_string()),
        statistics: Statistics {
            from: first.to_string(),
            to: today.to_string(),
            possible: tally.possible,
            present: tally.present,
            aea: tally.approved,
            authorised: tally.authorised,
            unauthorised: tally.unauthorised,
            attendance_pct: tally.attendance_rate().map(|r| r.to_string()),
            persistent: tally.is_persistent_absentee(),
            severe: tally.is_severe_absentee(),
            late_before_close: tally.late_before_close,
            late_after_close: tally.late_after_close,
            minutes_late: tally.minutes_late,
        },
    }))
}

/// A date range.
#[derive(Deserialize, utoipa::IntoParams)]
pub(super) struct Range {
    /// First date (default: the start of this academic year).
    #[param(value_type = Option<String>, format = Date)]
    from: Option<Date>,
    /// Last date (default: today).
    #[param(value_type = Option<String>, format = Date)]
    to: Option<Date>,
}

/// A pupil's marks between two dates.
#[utoipa::path(get, path = "/schools/{school}/pupils/{pupil}/marks", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path), Range),
    responses((status = 200, body = Vec<Mark>), ReadFailures))]
pub(super) async fn pupil_marks(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil)): ApiPath<(i64, i64)>,
    ApiQuery(range): ApiQuery<Range>,
) -> Result<Json<Vec<Mark>>, ApiError> {
    let access = access(&state, user, school).await?;
    let record = access.pupil(&state, PupilKey(pupil)).await?;
    access
        .log_opening(&state, record.key, Opened::Api, Some("marks"))
        .await?;
    let today = state.local_now().date();
    let first = range.from.unwrap_or(AcademicYear::of(today).first_day());
    let last = range.to.unwrap_or(today);
    let marks = state.store.marks(record.key, first, last).await?;
    Ok(Json(marks.into_iter().map(Mark::of).collect()))
}

/// A change to one or both marks of a day.
#[derive(Deserialize, ToSchema)]
pub(super) struct ChangeMark {
    #[schema(value_type = String, format = Date)]
    date: Date,
    /// `AM`, `PM`, or `both`.
    session: String,
    code: String,
    minutes_late: Option<u16>,
    /// Why: one of `reason_established`, `arrived_late`, `parent_report`, `plan_changed`,
    /// `marked_in_error`, `other`; kept with the change in the ledger.
    reason: String,
    /// The reason in the person's own words; needed with `other`.
    #[serde(default)]
    note: String,
    /// The version of the mark the change is based on (0: none), for one session; when given
    /// and the mark has moved on, the change is refused with 409.
    version: Option<u32>,
}

/// Changes a pupil's mark (or both of a day's, together), with a reason that goes in the
/// amendment ledger.
#[utoipa::path(post, path = "/schools/{school}/pupils/{pupil}/marks", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path)),
    request_body = ChangeMark,
    responses((status = 204),
        (status = 409, body = StaleMark, description = "The mark changed since it was read"),
        WriteFailures))]
pub(super) async fn amend_mark(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil)): ApiPath<(i64, i64)>,
    crate::limits::Json(body): crate::limits::Json<ChangeMark>,
) -> Result<Response, ApiError> {
    let access = access(&state, user, school).await?;
    let change = work::MarkChange {
        date: body.date,
        sessions: work::Sessions::parse(&body.session)?,
        code: code_of(&body.code)?,
        minutes_late: body.minutes_late,
        reason: body.reason,
        note: body.note,
        seen: body.version,
    };
    match work::amend(&state, &access, PupilKey(pupil), &change).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(error @ AppError::Stale(_)) => {
            let marks = state
                .store
                .marks(PupilKey(pupil), body.date, body.date)
                .await?;
            let body = serde_json::json!({
                "error": error.to_string(),
                "current": marks.into_iter().map(Mark::of).collect::<Vec<_>>(),
            });
            Ok((StatusCode::CONFLICT, Json(body)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// A change refused because the mark changed since it was read.
#[derive(Serialize, ToSchema)]
pub(super) struct StaleMark {
    error: String,
    /// The day's marks as they are now.
    current: Vec<Mark>,
}

/// An amendment, as the ledger keeps it.
#[derive(Serialize, ToSchema)]
pub(crate) struct LedgerEntry {
    date: String,
    session: String,
    original: Option<String>,
    original_minutes: Option<u16>,
    new: String,
    new_minutes: Option<u16>,
    /// The mark's version this change made.
    version: u32,
    /// How it was made: `register`, `office`, `bulk`, ...
    source: String,
    reason: String,
    at: String,
    by_name: String,
    by_position: String,
    hash: String,
}

impl LedgerEntry {
    pub(crate) fn of(e: rollcall_store::LedgerEntry) -> LedgerEntry {
        LedgerEntry {
            version: e.version,
            source: e.source.id().to_owned(),
            date: e.key.date.to_string(),
            session: e.key.session.to_string(),
            original: e.original.map(|o| o.code.symbol().to_owned()),
            original_minutes: e.original.and_then(|o| o.minutes_late),
            new: e.new.code.symbol().to_owned(),
            new_minutes: e.new.minutes_late,
            reason: e.reason,
            at: e.at.to_string(),
            by_name: e.by_name,
            by_position: e.by_position,
            hash: e.hash,
        }
    }
}

/// Every change to a pupil's marks, oldest first.
#[utoipa::path(get, path = "/schools/{school}/pupils/{pupil}/ledger", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path)),
    responses((status = 200, body = Vec<LedgerEntry>), ReadFailures))]
pub(super) async fn pupil_ledger(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil)): ApiPath<(i64, i64)>,
) -> Result<Json<Vec<LedgerEntry>>, ApiError> {
    let access = access(&state, user, school).await?;
    let record = access.pupil(&state, PupilKey(pupil)).await?;
    access
        .log_opening(&state, record.key, Opened::Api, Some("ledger"))
        .await?;
    let entries = state.store.ledger(record.key).await?;
    Ok(Json(entries.into_iter().map(LedgerEntry::of).collect()))
}
