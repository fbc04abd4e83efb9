//! The admission register through the API: the index, admitting a pupil, a pupil's entry with
//! its history, new versions of it, and deletion on a ground of regulation 9. Bodies are read by
//! the same rules as the office's forms (`admission_forms`), so a refusal names the same fields.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rollcall_core::admission::{Entry, Registration};
use rollcall_core::{Opened, Permission};
use rollcall_store::{
    DeletionRecord, EntryChange, EntryVersion, NewAdmission, PupilKey, current_entry, delete,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access;
use super::failures::{ReadFailures, WriteFailures};
use crate::AppState;
use crate::admission_forms as forms;
use crate::auth::ApiStaff;
use crate::error::{ApiError, AppError};
use crate::limits::ApiPath;
use crate::pages::form::{Draft, FormData};

/// A new address a parent has notified.
#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct FutureAddressBody {
    parent: String,
    address: String,
    /// `YYYY-MM-DD`.
    from: Option<String>,
}

/// A new school a parent has notified.
#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct NextSchoolBody {
    name: String,
    #[serde(default)]
    address: String,
    /// `YYYY-MM-DD`.
    from: Option<String>,
}

/// The admission register's entry beside the pupil record (regulation 8).
#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct EntryBody {
    address: String,
    #[serde(default)]
    last_school: String,
    #[serde(default)]
    boarder: bool,
    /// `C` registered here only, `M` dual registered with the main registration here, `S`
    /// dual registered with the subsidiary registration here.
    #[serde(default = "single")]
    registration: String,
    other_school: Option<String>,
    future_address: Option<FutureAddressBody>,
    next_school: Option<NextSchoolBody>,
}

fn single() -> String {
    Registration::Single.code().to_owned()
}

fn yes(flag: bool) -> String {
    if flag { "yes" } else { "" }.to_owned()
}

impl EntryBody {
    fn of(e: &Entry) -> EntryBody {
        EntryBody {
            address: e.address.clone(),
            last_school: e.last_school.clone(),
            boarder: e.boarder,
            registration: e.registration.code().to_owned(),
            other_school: e.other_school.clone(),
            future_address: e.future_address.as_ref().map(|f| FutureAddressBody {
                parent: f.parent.clone(),
                address: f.address.clone(),
                from: f.from.map(|d| d.to_string()),
            }),
            next_school: e.next_school.as_ref().map(|n| NextSchoolBody {
                name: n.name.clone(),
                address: n.address.clone(),
                from: n.from.map(|d| d.to_string()),
            }),
        }
    }

    /// The body as the form's fields.
    fn fields(&self, into: &mut Vec<(String, String)>) {
        let mut put = |k: &str, v: String| into.push((k.to_owned(), v));
        put("address", self.address.clone());
        put("last_school", self.last_school.clone());
        put("boarder", yes(self.boarder));
        put("registration", self.registration.clone());
        put(
            "other_school",
            self.other_school.clone().unwrap_or_default(),
        );
        if let Some(f) = &self.future_address {
            put("future_parent", f.parent.clone());
            put("future_address", f.address.clone());
            put("future_from", f.from.clone().unwrap_or_default());
        }
        if let Some(n) = &self.next_school {
            put("next_school", n.name.clone());
            put("next_school_address", n.address.clone());
            put("next_school_from", n.from.clone().unwrap_or_default());
        }
    }
}

/// A parent or carer given with an admission.
#[derive(Deserialize, ToSchema)]
pub(super) struct ParentBody {
    name: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    lives_with_pupil: bool,
    parental_responsibility: bool,
}

/// A pupil to admit: the pupil record, the entry, and their parents (one or two).
#[derive(Deserialize, ToSchema)]
pub(super) struct Admission {
    upn: String,
    legal_surname: String,
    legal_forename: String,
    #[serde(default)]
    preferred_forename: String,
    /// `YYYY-MM-DD`.
    date_of_birth: String,
    /// `F` or `M`.
    sex: String,
    /// `N1`, `N2`, `R`, `1` to `14`.
    year_group: String,
    reg_group: String,
    /// The starting day, `YYYY-MM-DD`; a later day makes a prospective pupil.
    starting_day: String,
    #[serde(default)]
    fsm: bool,
    #[serde(default)]
    eal: bool,
    /// Attracts the pupil premium (FSM6, or looked after or previously looked after).
    #[serde(default)]
    pupil_premium: bool,
    /// `N`, `K` or `E`.
    #[serde(default)]
    sen: String,
    entry: EntryBody,
    parents: Vec<ParentBody>,
}

impl Admission {
    fn fields(&self) -> Result<FormData, AppError> {
        if self.parents.len() > 2 {
            return Err(AppError::Invalid {
                field: "parents",
                message: "give one or two parents here; add more contacts afterwards".into(),
            });
        }
        let mut f = vec![
            ("upn".to_owned(), self.upn.clone()),
            ("legal_surname".to_owned(), self.legal_surname.clone()),
            ("legal_forename".to_owned(), self.legal_forename.clone()),
            (
                "preferred_forename".to_owned(),
                self.preferred_forename.clone(),
            ),
            ("date_of_birth".to_owned(), self.date_of_birth.clone()),
            ("sex".to_owned(), self.sex.clone()),
            ("year_group".to_owned(), self.year_group.clone()),
            ("reg_group".to_owned(), self.reg_group.clone()),
            ("entry_date".to_owned(), self.starting_day.clone()),
            ("fsm".to_owned(), yes(self.fsm)),
            ("eal".to_owned(), yes(self.eal)),
            ("pupil_premium".to_owned(), yes(self.pupil_premium)),
            ("sen".to_owned(), self.sen.clone()),
        ];
        self.entry.fields(&mut f);
        for (parent, prefix) in self.parents.iter().zip(["parent", "parent2"]) {
            let mut put = |k: &str, v: String| f.push((format!("{prefix}_{k}"), v));
            put("name", parent.name.clone());
            put("relationship", parent.relationship.clone());
            put("phone", parent.phone.clone());
            put("email", parent.email.clone());
            put("lives_with", yes(parent.lives_with_pupil));
            put("responsibility", yes(parent.parental_responsibility));
        }
        Ok(FormData(f))
    }
}

/// The pupil admitted.
#[derive(Serialize, ToSchema)]
pub(super) struct Admitted {
    id: i64,
}

/// Admits a pupil (or again, one who left): the pupil record, the register's entry and their
/// parents, together or not at all.
#[utoipa::path(post, path = "/schools/{school}/admissions", tag = "rollcall",
    params(("school" = i64, Path)),
    request_body = Admission,
    responses((status = 201, body = Admitted), WriteFailures))]
pub(super) async fn admit(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath(school): ApiPath<i64>,
    crate::limits::Json(body): crate::limits::Json<Admission>,
) -> Result<Response, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(Permission::KeepAdmissionRegister, "admit pupils")?;
    let f = body.fields()?;
    let mut d = Draft::default();
    let pupil = forms::pupil(&f, &mut d);
    let entry = forms::entry(&f, &mut d, forms::blank_entry());
    let contacts = forms::parents(&f, &mut d, f.get("address"));
    let (Some(pupil), Some(entry), Some(contacts)) = (pupil, entry, contacts) else {
        return Err(d
            .refusal()
            .unwrap_or(AppError::BadRequest("the admission is incomplete".into()))
            .into());
    };
    let key = state
        .store
        .admit(&NewAdmission {
            school: access.school.id,
            pupil,
            entry,
            contacts,
            actor: access.user.actor(),
            at: state.local_now().datetime(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Admitted { id: key.0 })).into_response())
}

/// A pupil's line in the register's index.
#[derive(Serialize, ToSchema)]
pub(super) struct IndexLine {
    id: i64,
    upn: String,
    legal_surname: String,
    legal_forename: String,
    date_of_birth: String,
    sex: String,
    starting_day: Option<String>,
    leaving_date: Option<String>,
    /// `C`, `M` or `S`; none where the entry is not completed here.
    registration: Option<String>,
    /// The ground of the deletion, `a` to `o` or `9(3)`, once deleted.
    ground: Option<String>,
}

/// The admission register's alphabetical index: every pupil entered, on roll or not.
#[utoipa::path(get, path = "/schools/{school}/admissions", tag = "rollcall",
    params(("school" = i64, Path)),
    responses((status = 200, body = Vec<IndexLine>), ReadFailures))]
pub(super) async fn register(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath(school): ApiPath<i64>,
) -> Result<Json<Vec<IndexLine>>, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(
        Permission::KeepAdmissionRegister,
        "see the admission register",
    )?;
    let mut lines = state.store.admission_register(access.school.id).await?;
    lines.sort_by(|a, b| rollcall_core::admission::index_order(&a.record.pupil, &b.record.pupil));
    Ok(Json(
        lines
            .into_iter()
            .map(|l| {
                let p = l.record.pupil;
                IndexLine {
                    id: l.record.key.0,
                    upn: p.upn.to_string(),
                    legal_surname: p.legal_surname,
                    legal_forename: p.legal_forename,
                    date_of_birth: p.date_of_birth.to_string(),
                    sex: p.sex.code().to_owned(),
                    starting_day: p.entry_date.map(|d| d.to_string()),
                    leaving_date: p.leaving_date.map(|d| d.to_string()),
                    registration: l.entry.map(|e| e.entry.registration.code().to_owned()),
                    ground: l.deletion.map(|d| d.deletion.ground.id().to_owned()),
                }
            })
            .collect(),
    ))
}

/// A version of an entry.
#[derive(Serialize, ToSchema)]
pub(super) struct EntryVersionBody {
    /// `admitted`, `corrected` or `notified`.
    change: String,
    at: String,
    by: String,
    entry: EntryBody,
}

/// A deletion.
#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct DeletionBody {
    /// `a` to `o` (regulation 9(1)) or `9(3)`.
    ground: String,
    /// The last day on roll, `YYYY-MM-DD`.
    leaving_date: String,
    other_school: Option<String>,
    /// The date of the ground's notice or event, `YYYY-MM-DD`, where it needs one.
    evidence_date: Option<String>,
    /// The reasonable enquiries made jointly with the local authority (grounds h and i).
    enquiries: Option<String>,
    /// The person deciding confirms the ground's conditions hold.
    confirmed: bool,
    #[serde(default)]
    note: String,
    /// Who decided and when; set by rollcall.
    #[serde(default, skip_deserializing)]
    by: Option<String>,
}

impl DeletionBody {
    fn of(r: &DeletionRecord) -> DeletionBody {
        let d = &r.deletion;
        DeletionBody {
            ground: d.ground.id().to_owned(),
            leaving_date: d.leaving_date.to_string(),
            other_school: d.other_school.clone(),
            evidence_date: d.evidence_date.map(|e| e.to_string()),
            enquiries: d.enquiries.clone(),
            confirmed: d.confirmed,
            note: d.note.clone(),
            by: Some(format!("{} at {}", r.by, r.at)),
        }
    }
}

/// A pupil's entry as it stands, every version of it, and their deletions.
#[derive(Serialize, ToSchema)]
pub(super) struct EntryRecord {
    id: i64,
    entry: Option<EntryBody>,
    history: Vec<EntryVersionBody>,
    deletions: Vec<DeletionBody>,
}

/// A pupil's entry in the admission register, with its history.
#[utoipa::path(get, path = "/schools/{school}/admissions/{pupil}", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path)),
    responses((status = 200, body = EntryRecord), ReadFailures))]
pub(super) async fn entry(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil)): ApiPath<(i64, i64)>,
) -> Result<Json<EntryRecord>, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(
        Permission::KeepAdmissionRegister,
        "see the admission register",
    )?;
    let record = access.pupil(&state, PupilKey(pupil)).await?;
    access
        .log_opening(&state, record.key, Opened::Api, Some("admission entry"))
        .await?;
    let history: Vec<EntryVersion> = state.store.entry_history(record.key).await?;
    let deletions = state.store.deletions(record.key).await?;
    Ok(Json(EntryRecord {
        id: record.key.0,
        entry: history.last().map(|v| EntryBody::of(&v.entry)),
        history: history
            .iter()
            .map(|v| EntryVersionBody {
                change: v.change.id().to_owned(),
                at: v.at.to_string(),
                by: v.by.clone(),
                entry: EntryBody::of(&v.entry),
            })
            .collect(),
        deletions: deletions.iter().map(DeletionBody::of).collect(),
    }))
}

/// A new version of a pupil's entry.
#[derive(Deserialize, ToSchema)]
pub(super) struct EntryChangeBody {
    /// `corrected`, or `notified` for a parent's notice of a new address or school.
    change: String,
    entry: EntryBody,
}

/// Writes a new version of a pupil's entry; the earlier ones are kept.
#[utoipa::path(post, path = "/schools/{school}/admissions/{pupil}/entry", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path)),
    request_body = EntryChangeBody,
    responses((status = 204), WriteFailures))]
pub(super) async fn change_entry(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil)): ApiPath<(i64, i64)>,
    crate::limits::Json(body): crate::limits::Json<EntryChangeBody>,
) -> Result<StatusCode, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(
        Permission::KeepAdmissionRegister,
        "keep the admission register",
    )?;
    let key = access.pupil(&state, PupilKey(pupil)).await?.key;
    let change = EntryChange::parse(&body.change)
        .filter(|c| *c != EntryChange::Admitted)
        .ok_or(AppError::Invalid {
            field: "change",
            message: "is corrected or notified".into(),
        })?;
    let mut fields = Vec::new();
    body.entry.fields(&mut fields);
    let f = FormData(fields);
    let mut d = Draft::default();
    let base = current_entry(state.store.as_ref(), key)
        .await?
        .map_or_else(forms::blank_entry, |v| v.entry);
    let new = match change {
        EntryChange::Notified => forms::notified(&f, &mut d, base),
        _ => forms::entry(&f, &mut d, base),
    };
    let Some(new) = new else {
        return Err(d
            .refusal()
            .unwrap_or(AppError::BadRequest("the entry is incomplete".into()))
            .into());
    };
    let now = state.local_now().datetime();
    state
        .store
        .change_entry(key, &new, change, &access.user.actor(), now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a pupil from the admission register on a ground of regulation 9, checked against
/// what the register shows. Their record, marks and ledger stay.
#[utoipa::path(post, path = "/schools/{school}/admissions/{pupil}/deletion", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path)),
    request_body = DeletionBody,
    responses((status = 204), WriteFailures))]
pub(super) async fn deletion(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil)): ApiPath<(i64, i64)>,
    crate::limits::Json(body): crate::limits::Json<DeletionBody>,
) -> Result<StatusCode, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(
        Permission::DeleteFromRegister,
        "delete a pupil from the admission register",
    )?;
    let key = access.pupil(&state, PupilKey(pupil)).await?.key;
    let f = FormData(vec![
        ("ground".to_owned(), body.ground),
        ("leaving_date".to_owned(), body.leaving_date),
        (
            "other_school".to_owned(),
            body.other_school.unwrap_or_default(),
        ),
        (
            "evidence_date".to_owned(),
            body.evidence_date.unwrap_or_default(),
        ),
        ("enquiries".to_owned(), body.enquiries.unwrap_or_default()),
        ("confirmed".to_owned(), yes(body.confirmed)),
        ("note".to_owned(), body.note),
    ]);
    let mut d = Draft::default();
    let Some(deletion) = forms::deletion(&f, &mut d) else {
        return Err(d
            .refusal()
            .unwrap_or(AppError::BadRequest("the deletion is incomplete".into()))
            .into());
    };
    let now = state.local_now().datetime();
    let actor = access.user.actor();
    delete(
        state.store.as_ref(),
        key,
        &deletion,
        &access.policy.calendar,
        &actor,
        now,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
