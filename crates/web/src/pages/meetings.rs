//! The attendance meeting (seed 001 §7(2),(4)): the caseload, every pupil of concern by stage,
//! band and trend since the last meeting, with an action to agree for each; the actions carried
//! from earlier meetings, to close with what came of them; the impact of this term's steps
//! (Annex 4a); and the meetings held.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use rollcall_analytics::caseload::{IMPACT_METHOD, caseload, impact};
use rollcall_analytics::{Period, points};
use rollcall_core::Permission;
use rollcall_core::text::human_date;
use rollcall_core::worklist::rule_title;
use rollcall_store::{ActionRecord, Casebook, MeetingRecord, NewAction, NewMeeting, SchoolId};

use super::Chrome;
use super::analytics_tables::{Row, Table, TableBody, Tables};
use super::form::{Draft, FormData};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::view::percent;

/// A pupil on the caseload, with the fields for an action.
struct CaseLine {
    key: i64,
    name: String,
    group: String,
    stage: String,
    band: String,
    rating: String,
    year: String,
    since: String,
    watch: String,
}

/// An action, as the page shows it.
struct ActionLine {
    id: i64,
    pupil: String,
    what: String,
    owner: String,
    due: String,
    agreed: String,
    closed: String,
}

/// A meeting held, with its actions.
struct MeetingLine {
    held_on: String,
    present: String,
    notes: String,
    by: String,
    actions: Vec<ActionLine>,
}

/// A step's impact, as the page shows it.
struct ImpactLine {
    step: String,
    pupils: u64,
    measured: u64,
    improved: u64,
    share: String,
    change: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    chrome: Chrome,
    draft: Draft,
    today: Date,
    last: Option<String>,
    caseload: Vec<CaseLine>,
    carried: Vec<ActionLine>,
    held: Vec<MeetingLine>,
    impact: Vec<ImpactLine>,
    term: String,
    method: &'static str,
}

/// The sums and lines the page and its form need, read once.
struct Meeting {
    book: Casebook,
    held: Vec<MeetingRecord>,
    actions: Vec<ActionRecord>,
}

impl Meeting {
    async fn load(state: &AppState, access: &Access, today: Date) -> Result<Meeting, AppError> {
        let school = access.school.id;
        Ok(Meeting {
            book: Casebook::school(state.store.as_ref(), school, today).await?,
            held: state.store.meetings(school).await?,
            actions: state.store.meeting_actions(school).await?,
        })
    }

    fn name_of(&self, key: Option<rollcall_store::PupilKey>) -> String {
        let register = self.book.register();
        key.and_then(|k| {
            register
                .ids()
                .filter_map(|id| self.book.record(id))
                .find(|r| r.key == k)
        })
        .map_or("Whole school".to_owned(), |r| r.pupil.name())
    }

    fn action_line(&self, a: &ActionRecord) -> ActionLine {
        let held_on = |id: i64| {
            self.held
                .iter()
                .find(|m| m.id == id)
                .map(|m| human_date(&m.held_on))
                .unwrap_or_default()
        };
        ActionLine {
            id: a.id,
            pupil: self.name_of(a.pupil),
            what: a.what.clone(),
            owner: a.owner.clone(),
            due: a.due.map(|d| human_date(&d)).unwrap_or_default(),
            agreed: held_on(a.meeting),
            closed: a
                .closed
                .as_ref()
                .map(|(m, outcome)| format!("Closed {}: {outcome}", held_on(*m)))
                .unwrap_or_else(|| "Open".to_owned()),
        }
    }
}

async fn page(state: &AppState, access: &Access, draft: Draft) -> Result<MeetingsPage, AppError> {
    let now = state.local_now().datetime();
    let today = now.date();
    let m = Meeting::load(state, access, today).await?;
    let policy = &access.policy;
    let register = m.book.register();
    let last = m.held.iter().find(|h| h.held_on < today).map(|h| h.held_on);
    let lines = caseload(
        register,
        &policy.calendar,
        &policy.procedures,
        |id| {
            m.book
                .record(id)
                .map(|r| m.book.standing(r.key, policy, now))
                .unwrap_or_default()
        },
        last,
        today,
    );
    let caseload = lines
        .iter()
        .filter_map(|line| {
            let record = m.book.record(line.id)?;
            Some(CaseLine {
                key: record.key.0,
                name: record.pupil.name(),
                group: record.pupil.reg_group.clone(),
                stage: line
                    .standing
                    .stage
                    .map(|(s, since)| format!("{} (from {})", s.name, human_date(&since)))
                    .unwrap_or_default(),
                band: line
                    .standing
                    .band
                    .map(|b| b.name.clone())
                    .unwrap_or_default(),
                rating: line
                    .standing
                    .rating
                    .as_ref()
                    .map(|(r, _)| r.id().to_owned())
                    .unwrap_or_default(),
                year: percent(line.year.attendance_rate()),
                since: line.since_last_meeting().map(points).unwrap_or_default(),
                watch: line.watch.map(|w| w.title()).unwrap_or_default().to_owned(),
            })
        })
        .collect();
    let steps = rollcall_store::analytics::graduated_steps(&m.book);
    let term = Period::Term.range(&policy.calendar, today);
    let impact = impact(register, &steps, term, today)
        .into_iter()
        .map(|i| ImpactLine {
            step: rule_title(&policy.procedures, &i.rule).unwrap_or_else(|| i.rule.clone()),
            pupils: i.pupils,
            measured: i.measured,
            improved: i.improved,
            share: percent(rollcall_core::Rate::new(i.improved, i.measured)),
            change: i.mean_change.map(points).unwrap_or_default(),
        })
        .collect();
    let carried = m
        .actions
        .iter()
        .filter(|a| a.closed.is_none())
        .map(|a| m.action_line(a))
        .collect();
    let held = m
        .held
        .iter()
        .map(|h| MeetingLine {
            held_on: human_date(&h.held_on),
            present: h.present.lines().collect::<Vec<_>>().join(", "),
            notes: h.notes.clone(),
            by: h.by.clone(),
            actions: m
                .actions
                .iter()
                .filter(|a| a.meeting == h.id)
                .map(|a| m.action_line(a))
                .collect(),
        })
        .collect();
    Ok(MeetingsPage {
        chrome: Chrome::new(access, "meetings"),
        draft,
        today,
        last: last.map(|d| human_date(&d)),
        caseload,
        carried,
        held,
        impact,
        term: format!("{} to {}", human_date(&term.first), human_date(&term.last)),
        method: IMPACT_METHOD,
    })
}

impl MeetingsPage {
    /// The caseload, the actions carried and the impact of this term's steps, as the page
    /// shows them.
    fn tables(&self) -> [Table; 3] {
        let caseload = Table {
            id: "caseload",
            caption: "The caseload".to_owned(),
            columns: vec![
                "Pupil",
                "Class",
                "Stage",
                "Band",
                "Rating",
                "This year",
                "Since last meeting (points)",
                "To watch",
            ],
            rows: self
                .caseload
                .iter()
                .map(|c| {
                    Row::new(vec![
                        c.name.clone(),
                        c.group.clone(),
                        c.stage.clone(),
                        c.band.clone(),
                        c.rating.clone(),
                        c.year.clone(),
                        c.since.clone(),
                        c.watch.clone(),
                    ])
                })
                .collect(),
            band_column: None,
        };
        let carried = Table {
            id: "actions",
            caption: "Actions carried from earlier meetings".to_owned(),
            columns: vec!["For", "Action", "Who", "By", "Agreed"],
            rows: self
                .carried
                .iter()
                .map(|a| {
                    Row::new(vec![
                        a.pupil.clone(),
                        a.what.clone(),
                        a.owner.clone(),
                        a.due.clone(),
                        a.agreed.clone(),
                    ])
                })
                .collect(),
            band_column: None,
        };
        let impact = Table {
            id: "impact",
            caption: format!("The impact of this term's steps ({})", self.term),
            columns: vec![
                "Step",
                "Pupils",
                "Measured",
                "Improved",
                "Improved (share)",
                "Mean change (points)",
            ],
            rows: self
                .impact
                .iter()
                .map(|i| {
                    Row::new(vec![
                        i.step.clone(),
                        i.pupils.to_string(),
                        i.measured.to_string(),
                        i.improved.to_string(),
                        i.share.clone(),
                        i.change.clone(),
                    ])
                })
                .collect(),
            band_column: None,
        };
        [caseload, carried, impact]
    }
}

/// The meeting's tables, for the API.
pub(crate) async fn meeting_tables(state: &AppState, access: &Access) -> Result<Tables, AppError> {
    allowed(access)?;
    let page = page(state, access, Draft::default()).await?;
    let term = Period::Term.range(&access.policy.calendar, page.today);
    Ok(Tables {
        from: term.first.to_string(),
        to: term.last.to_string(),
        tables: page.tables().iter().map(TableBody::from).collect(),
    })
}

/// One of the meeting's tables as CSV.
async fn table_csv(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, table)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    allowed(&access)?;
    let id = table.strip_suffix(".csv").unwrap_or(&table);
    let page = page(&state, &access, Draft::default()).await?;
    let chosen = page
        .tables()
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound("no such table"))?;
    Ok(crate::letters::csv_response(
        chosen.to_csv()?,
        &format!("meeting-{id}-{}.csv", page.today),
    ))
}

fn allowed(access: &Access) -> Result<(), AppError> {
    access.require(Permission::WorkCases, "hold the attendance meeting")?;
    access.require(Permission::ViewAnyPupil, "see the caseload")
}

async fn show(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
) -> Result<MeetingsPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    allowed(&access)?;
    page(&state, &access, Draft::default()).await
}

/// The meeting as the form sent it, or what is wrong with it.
fn read(form: &FormData, pupils: &BTreeMap<i64, String>, d: &mut Draft) -> Option<NewMeeting> {
    let held_on = d.check("held_on", form.date("held_on", "The meeting's date"));
    let mut actions: Vec<NewAction> = Vec::new();
    for (key, name) in pupils {
        let what = form.get(&format!("what.{key}"));
        let owner = form.get(&format!("owner.{key}"));
        if what.is_empty() && owner.is_empty() {
            continue;
        }
        if what.is_empty() || owner.is_empty() {
            d.refuse(
                "caseload",
                format!("{name}'s action needs both what is to be done and who does it."),
            );
            continue;
        }
        let due = d.check(
            "caseload",
            form.optional_date(&format!("due.{key}"), &format!("{name}'s action's date")),
        );
        actions.push(NewAction {
            pupil: Some(rollcall_store::PupilKey(*key)),
            what: what.to_owned(),
            owner: owner.to_owned(),
            due: due.flatten(),
        });
    }
    let school = d.check(
        "school_actions",
        form.agreed_actions("school_actions", "Whole-school actions"),
    );
    actions.extend(school.into_iter().flatten().map(|a| NewAction {
        pupil: None,
        what: a.what,
        owner: a.owner,
        due: Some(a.by),
    }));
    let mut closed = Vec::new();
    for id in form.all("close") {
        match id.parse::<i64>() {
            Ok(id) => closed.push((id, form.get(&format!("outcome.{id}")).to_owned())),
            Err(_) => d.refuse("carried", format!("{id:?} is not an action")),
        }
    }
    let present = form.get("present").to_owned();
    if present.is_empty() {
        d.refuse("present", "Enter who was at the meeting.");
    }
    Some(NewMeeting {
        held_on: held_on?,
        present,
        notes: form.get("notes").to_owned(),
        actions,
        closed,
    })
    .filter(|_| !d.is_refused())
}

async fn record(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    crate::limits::Form(pairs): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    allowed(&access)?;
    let pupils: BTreeMap<i64, String> = state
        .store
        .pupils(access.school.id)
        .await?
        .into_iter()
        .map(|p| (p.key.0, p.pupil.name()))
        .collect();
    let form = FormData(pairs.clone());
    let mut draft = Draft::of(pairs);
    if let Some(meeting) = read(&form, &pupils, &mut draft) {
        let recorded = state
            .store
            .record_meeting(
                access.school.id,
                &meeting,
                &access.user.actor(),
                state.local_now().datetime(),
            )
            .await;
        match recorded {
            Ok(_) => return Ok(Redirect::to(&format!("/s/{school}/meetings")).into_response()),
            Err(rollcall_store::StoreError::Conflict(message)) => draft.refuse("carried", message),
            Err(e) => return Err(e.into()),
        }
    }
    let page = page(&state, &access, draft).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/meetings", get(show).post(record))
        .route("/s/{school}/meetings/tables/{table}", get(table_csv))
}
