//! The parent portal's pages, phone-first: each child's year, reporting an absence, asking
//! for leave, and the school's messages.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use jiff::civil::Date;
use rollcall_core::{
    AbsenceReason, AcademicYear, DateRange, LeaveKind, MissedTime, Rate, RequestStatus, Session,
    SessionKey, Tally,
};
use rollcall_store::{Channel, DeliveryStatus, PupilKey};
use serde::Deserialize;

use super::YearSoFar;
use super::form::Draft;
use crate::AppState;
use crate::error::AppError;
use crate::parents::{Family, Parent};
use crate::requests::{days_text, sessions_text};
use crate::view::{MonthRow, band, long_date, year_calendar};

mod details;
mod forms;

/// The largest supporting document a parent may send.
const MAX_DOCUMENT: usize = 5 * 1024 * 1024;

struct ChildLine {
    key: i64,
    name: String,
    school: String,
    group: String,
    attendance: String,
    band: &'static str,
    target: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "parent_home.html")]
pub(super) struct HomePage {
    parent_name: String,
    children: Vec<ChildLine>,
    /// Their details as the school holds them, and what they asked to change.
    details: details::Mine,
    draft: Draft,
}

async fn home(State(state): State<AppState>, Parent(parent): Parent) -> Result<HomePage, AppError> {
    let family = Family::load(&state, parent).await?;
    home_page(&state, family, Draft::default()).await
}

/// The parent's home: their children, and their own details with the form to change them.
pub(super) async fn home_page(
    state: &AppState,
    family: Family,
    draft: Draft,
) -> Result<HomePage, AppError> {
    let today = state.local_now().date();
    let mut children = Vec::new();
    for child in &family.children {
        let tally = YearSoFar::load(state, child.pupil.key, today).await?.tally;
        let rate = tally.attendance_rate();
        children.push(ChildLine {
            key: child.pupil.key.0,
            name: child.pupil.pupil.name(),
            school: child.school.name.clone(),
            group: child.pupil.pupil.reg_group.clone(),
            attendance: rate.map_or("—".to_owned(), |r| format!("{r}%")),
            band: band(&tally, child.policy.attendance_target),
            target: child.policy.attendance_target.map(|t| t.to_string()),
        });
    }
    let details = details::mine(state, &family).await?;
    Ok(HomePage {
        parent_name: family.parent.name,
        children,
        details,
        draft,
    })
}

struct DayPanel {
    date: String,
    am: String,
    pm: String,
}

struct ReportLine {
    id: i64,
    dates: String,
    reason: &'static str,
    status: &'static str,
    status_id: &'static str,
    answer: Option<String>,
    ask: bool,
}

struct LeaveLine {
    dates: String,
    kind: &'static str,
    status: &'static str,
    status_id: &'static str,
    granted: Option<String>,
    answer: Option<String>,
}

struct MessageLine {
    at: String,
    channel: &'static str,
    subject: Option<String>,
    body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "parent_child.html")]
pub(super) struct ChildPage {
    parent_name: String,
    key: i64,
    name: String,
    school: String,
    group: String,
    notice: Option<String>,
    attendance: String,
    band: &'static str,
    target: Option<String>,
    tally: Tally,
    lates: u64,
    pie: String,
    pie_label: String,
    meaning: String,
    year_days: u64,
    hours_per_day: u32,
    /// Attendance, days, weeks, hours, and whether it is this child's row.
    table: Vec<(String, String, String, String, bool)>,
    months: Vec<MonthRow>,
    day: Option<DayPanel>,
    today: Date,
    deadline: String,
    reasons: Vec<(&'static str, &'static str)>,
    reports: Vec<ReportLine>,
    may_ask_leave: bool,
    notice_days: u32,
    earliest_leave: Date,
    leave_kinds: Vec<(&'static str, &'static str)>,
    report_form: Draft,
    leave_form: Draft,
    leave: Vec<LeaveLine>,
    messages: Vec<MessageLine>,
    /// Letters sent about the child: number, subject, date.
    letters: Vec<(i64, String, String)>,
}

#[derive(Deserialize)]
pub(super) struct ChildQuery {
    pub day: Option<Date>,
    #[serde(default)]
    pub sent: String,
}

/// One decimal place, without a trailing ".0".
fn figure(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
}

/// A pie chart's conic-gradient stops, present, approved, authorised and unauthorised.
fn pie(tally: &Tally) -> String {
    let parts = [
        (tally.present, "var(--present)"),
        (tally.approved, "var(--aea)"),
        (tally.authorised, "var(--authorised)"),
        (tally.unauthorised, "var(--unauthorised)"),
    ];
    let whole: u64 = parts.iter().map(|(n, _)| n).sum();
    if whole == 0 {
        return "var(--closed) 0 100%".to_owned();
    }
    let mut from = 0.0;
    parts
        .iter()
        .map(|(n, colour)| {
            let to = from + *n as f64 * 100.0 / whole as f64;
            let stop = format!("{colour} {from:.2}% {to:.2}%");
            from = to;
            stop
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A letter the school sent about a child, as it was printed.
async fn letter(
    State(state): State<AppState>,
    Parent(parent): Parent,
    Path((key, id)): Path<(i64, i64)>,
) -> Result<axum::response::Response, AppError> {
    let family = Family::load(&state, parent).await?;
    let child = family.child(PupilKey(key))?;
    let letter = state.store.letter(child.school.id, id).await?;
    if letter.pupil != child.pupil.key {
        return Err(AppError::NotFound("letter"));
    }
    Ok(crate::letters::pdf_response(
        crate::letters::reprint(&letter).await?,
        &format!("letter-{id}.pdf"),
    ))
}

async fn child(
    State(state): State<AppState>,
    Parent(parent): Parent,
    Path(key): Path<i64>,
    Query(query): Query<ChildQuery>,
) -> Result<ChildPage, AppError> {
    let family = Family::load(&state, parent).await?;
    let today = state.local_now().date();
    let forms = Forms {
        report: Draft::of(fresh_report(today)),
        leave: Draft::default(),
    };
    child_page(&state, &family, key, query, forms).await
}

/// The two forms of a child's page, fresh or as sent with what is wrong.
pub(super) struct Forms {
    pub report: Draft,
    pub leave: Draft,
}

/// A fresh absence report: today, morning to afternoon.
pub(super) fn fresh_report(today: Date) -> Vec<(String, String)> {
    [
        ("first", today.to_string()),
        ("first_session", "am".into()),
        ("last", today.to_string()),
        ("last_session", "pm".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

pub(super) async fn child_page(
    state: &AppState,
    family: &Family,
    key: i64,
    query: ChildQuery,
    forms: Forms,
) -> Result<ChildPage, AppError> {
    let child = family.child(PupilKey(key))?;
    let today = state.local_now().date();
    let year = AcademicYear::of(today);
    let YearSoFar { held, tally, .. } = YearSoFar::load(state, child.pupil.key, today).await?;
    let rate = tally.attendance_rate();
    let policy = &child.policy;
    let hours = policy.learning_hours_per_day;
    let year_days = u64::from(policy.calendar.school_days_in(DateRange {
        first: year.first_day(),
        last: year.last_day(),
    }));
    let missed = tally.missed_time(hours);
    let mut meaning = format!(
        "{} has missed {} sessions this year: {} school days, {} weeks, about {} hours of learning.",
        child.pupil.pupil.known_as(),
        missed.sessions,
        figure(missed.days()),
        figure(missed.weeks()),
        figure(missed.hours())
    );
    if let Some(r) = rate {
        let whole = MissedTime::over_year(r, year_days, hours);
        meaning.push_str(&format!(
            " At {r}% over a whole year of {year_days} school days, that would be {} days, {} weeks and {} hours.",
            figure(whole.days()),
            figure(whole.weeks()),
            figure(whole.hours())
        ));
    }
    // The seeds' rows; the child's is the first their attendance reaches.
    let rows = [100u64, 97, 95, 90, 85, 80];
    let own_row = rate.and_then(|r| rows.iter().position(|p| r.at_least(p * 100)));
    let table = rows
        .into_iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let r = Rate::new(p, 100)?;
            let m = MissedTime::over_year(r, year_days, hours);
            Some((
                format!("{p}%"),
                figure(m.days()),
                figure(m.weeks()),
                figure(m.hours()),
                own_row == Some(i),
            ))
        })
        .collect();
    let day = query
        .day
        .filter(|d| year.first_day() <= *d && *d <= year.last_day())
        .map(|d| {
            let words = |session: Session| match held.get(&SessionKey { date: d, session }) {
                Some(code) => format!("{code}: {}", code.meaning()),
                None if !policy
                    .calendar
                    .is_open(rollcall_core::Slot::new(d, session)) =>
                {
                    "No school".to_owned()
                }
                None if d > today => "Not yet".to_owned(),
                None => "No mark".to_owned(),
            };
            DayPanel {
                date: long_date(d),
                am: words(Session::Am),
                pm: words(Session::Pm),
            }
        });
    let deadline = policy
        .procedures
        .first_day
        .am
        .as_ref()
        .map_or("the start of the school day".to_owned(), |s| {
            s.parent_deadline.strftime("%-H:%M").to_string()
        });
    let reports = state
        .store
        .pupil_absence_reports(child.pupil.key)
        .await?
        .into_iter()
        .map(|r| ReportLine {
            id: r.id,
            dates: sessions_text(r.report.first, r.report.last),
            reason: r.report.reason.title(),
            status: r.status.title(),
            status_id: r.status.id(),
            answer: r.answer.map(|a| a.response).filter(|a| !a.is_empty()),
            ask: r.status == RequestStatus::MoreInformation,
        })
        .collect();
    let leave_policy = policy.procedures.leave.as_ref();
    let notice_days = leave_policy.map_or(0, |l| l.notice_days);
    let earliest_leave = today
        .checked_add(jiff::Span::new().days(i64::from(notice_days.max(1))))
        .unwrap_or(today);
    let leave = state
        .store
        .pupil_leave_requests(child.pupil.key)
        .await?
        .into_iter()
        .map(|l| LeaveLine {
            dates: days_text(l.request.first, l.request.last),
            kind: l.request.kind.title(),
            status: l.status.title(),
            status_id: l.status.id(),
            granted: l.granted.map(|(f, t, _)| days_text(f, t)),
            answer: l.answer.map(|a| a.response),
        })
        .collect();
    // Only what went to this parent, and was sent.
    let zone = state.config.time_zone.clone();
    let messages = state
        .store
        .pupil_messages(child.pupil.key)
        .await?
        .into_iter()
        .rev()
        .filter(|m| m.message.contact == Some(child.contact.id) && m.status == DeliveryStatus::Sent)
        .map(|m| MessageLine {
            at: crate::view::local_time(m.sent_at.unwrap_or(m.queued_at), &zone),
            channel: match m.message.channel {
                Channel::Sms => "Text",
                Channel::Email => "Email",
            },
            subject: m.message.subject,
            body: m.message.body,
        })
        .collect();
    let pie_label = format!(
        "Present {}, approved activity {}, authorised absence {}, unauthorised absence {} sessions",
        tally.present, tally.approved, tally.authorised, tally.unauthorised
    );
    let letters = state
        .store
        .letters(child.pupil.key)
        .await?
        .into_iter()
        .rev()
        .filter_map(|l| {
            // A letter printed and not yet sent has not reached the family.
            let sent = l.sent?;
            Some((l.id, l.subject, crate::view::full_date(sent.at.date())))
        })
        .collect();
    Ok(ChildPage {
        letters,
        parent_name: family.parent.name.clone(),
        key,
        name: child.pupil.pupil.name(),
        school: child.school.name.clone(),
        group: child.pupil.pupil.reg_group.clone(),
        notice: match query.sent.as_str() {
            "absence" => Some("Thank you: the school has your report.".into()),
            "answer" => Some("Thank you: the school has your answer.".into()),
            "leave" => Some("Your request has gone to the headteacher.".into()),
            _ => None,
        },
        attendance: rate.map_or("—".to_owned(), |r| format!("{r}%")),
        band: band(&tally, policy.attendance_target),
        target: policy.attendance_target.map(|t| t.to_string()),
        lates: tally.late_before_close + tally.late_after_close,
        pie: pie(&tally),
        pie_label,
        tally,
        meaning,
        year_days,
        hours_per_day: hours,
        table,
        months: year_calendar(&policy.calendar, &held, year, today),
        day,
        today,
        deadline,
        reasons: AbsenceReason::ALL
            .iter()
            .map(|r| (r.id(), r.title()))
            .collect(),
        reports,
        may_ask_leave: child.contact.contact.lives_with_pupil,
        notice_days,
        earliest_leave,
        leave_kinds: LeaveKind::ALL.iter().map(|k| (k.id(), k.title())).collect(),
        report_form: forms.report,
        leave_form: forms.leave,
        leave,
        messages,
    })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/parent", get(home))
        .route("/parent/details", post(details::ask))
        .route("/parent/children/{pupil}", get(child))
        .route("/parent/children/{pupil}/letters/{id}", get(letter))
        .route("/parent/children/{pupil}/absence", post(forms::report))
        .route(
            "/parent/children/{pupil}/absence/{id}/answer",
            post(forms::answer),
        )
        .route(
            "/parent/children/{pupil}/leave",
            post(forms::leave).layer(axum::extract::DefaultBodyLimit::max(
                MAX_DOCUMENT + 64 * 1024,
            )),
        )
}
