//! A teacher's registers: today's list, and taking one.

use std::collections::BTreeSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::Zoned;
use jiff::civil::{Date, Time};
use rollcall_core::{Code, Permission, Session, SessionKey};
use rollcall_store::{GroupId, MarkSource, PupilKey, RegisterSheet, SchoolId};
use serde::Deserialize;

use super::Chrome;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::view::{
    CodeOption, REGISTER_CODES, category_class, long_date, session_name, session_path, tally_kind,
};
use crate::work::{self, Entry};

pub(crate) struct RegisterRow {
    pub group: String,
    pub session: &'static str,
    pub href: String,
    pub status: String,
    pub current: bool,
    pub overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "registers.html")]
struct RegistersPage {
    chrome: Chrome,
    day: String,
    rows: Vec<RegisterRow>,
    /// The classes they look after: id and name.
    classes: Vec<(i64, String)>,
}

#[derive(Deserialize)]
struct DayQuery {
    date: Option<Date>,
}

async fn registers(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(query): Query<DayQuery>,
) -> Result<RegistersPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::ViewOwnPupils, "take registers")?;
    let now = state.local_now();
    let date = query.date.unwrap_or(now.date());
    let current = work::current_session(&access, &now);
    let mut rows = Vec::new();
    for status in work::registers_of_day(&state, &access, date).await? {
        let text = match &status.taken {
            Some(taken) => format!(
                "Taken at {} by {}",
                work::clock_time(&state, taken.at),
                taken.by
            ),
            None if status.complete => "Every pupil marked".to_owned(),
            None if status.overdue => "Not taken: overdue".to_owned(),
            None => format!(
                "To take: closes {}",
                work::closes(&access, status.key.session).strftime("%H:%M")
            ),
        };
        rows.push(RegisterRow {
            href: format!(
                "/s/{school}/registers/{}/{}/{}",
                status.group.id,
                status.key.date,
                session_path(status.key.session)
            ),
            group: status.group.name.clone(),
            session: session_name(status.key.session),
            status: text,
            current: date == now.date() && status.key.session == current,
            overdue: status.overdue,
        });
    }
    Ok(RegistersPage {
        chrome: Chrome::new(&access, "registers"),
        day: long_date(date),
        rows,
        classes: access
            .groups
            .iter()
            .map(|g| (g.id.0, g.name.clone()))
            .collect(),
    })
}

struct PupilLine {
    key: i64,
    name: String,
    planned: Option<String>,
    planned_class: &'static str,
    chosen: String,
    /// The version of the pupil's mark this page shows (0: none), sent back with the form.
    seen: u32,
}

/// A register's running count, as the teacher sees it: who is in the room, who is absent, who
/// arrived late, and who is still to mark.
#[derive(Debug, Default, PartialEq, Eq)]
struct RegisterTally {
    present: usize,
    absent: usize,
    late: usize,
    other: usize,
    unmarked: usize,
}

impl RegisterTally {
    /// Counts each pupil's choice: `present`, `late`, a code's symbol, or nothing yet.
    fn of<'a>(choices: impl Iterator<Item = &'a str>) -> RegisterTally {
        let mut tally = RegisterTally::default();
        for choice in choices {
            let kind = match choice {
                "" => "unmarked",
                "present" | "late" => choice,
                symbol => Code::parse(symbol).map_or("unmarked", tally_kind),
            };
            match kind {
                "present" => tally.present += 1,
                "late" => tally.late += 1,
                "absent" => tally.absent += 1,
                "other" => tally.other += 1,
                _ => tally.unmarked += 1,
            }
        }
        tally
    }

    /// "25 present, 3 absent, 1 late".
    fn summary(&self) -> String {
        let mut parts = vec![
            format!("{} present", self.present),
            format!("{} absent", self.absent),
            format!("{} late", self.late),
        ];
        if self.other > 0 {
            parts.push(format!("{} other", self.other));
        }
        if self.unmarked > 0 {
            parts.push(format!("{} not marked", self.unmarked));
        }
        parts.join(", ")
    }
}

/// Someone else saved the register while this page was open.
struct Conflict {
    /// "Saved by Lisa Craven at 09:02".
    saved: String,
    /// Each mark that differs: "Ben Baker: saved as I (Illness), yours Present".
    differ: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
struct RegisterPage {
    chrome: Chrome,
    group: String,
    session: &'static str,
    day: String,
    date: Date,
    late_after: String,
    closes: String,
    saved: Option<String>,
    taken: Option<String>,
    error: Option<String>,
    conflict: Option<Conflict>,
    href: String,
    rows: Vec<PupilLine>,
    codes: Vec<CodeOption>,
    reasons: Vec<(&'static str, &'static str)>,
    tally: RegisterTally,
    needs_reason: bool,
    reason: String,
    note: String,
    /// Prospective pupils (`Z`): their names and starting days.
    prospective: Vec<(String, String)>,
}

/// What the person had entered on a form shown again.
struct Entered<'a> {
    chosen: &'a dyn Fn(PupilKey) -> Option<String>,
    /// Whether the register was just saved, to say so with its tally.
    saved: bool,
    error: Option<String>,
    conflict: Option<Conflict>,
    reason: String,
    note: String,
}

/// The choice a held mark shows as.
fn choice_of(code: Code) -> String {
    match code {
        Code::PresentAm | Code::PresentPm => "present".into(),
        Code::Late => "late".into(),
        other => other.symbol().into(),
    }
}

fn parse_session(text: &str) -> Result<Session, AppError> {
    Session::parse(text).map_err(|_| AppError::NotFound("session"))
}

fn page(
    state: &AppState,
    access: &Access,
    sheet: &RegisterSheet,
    entered: Entered,
) -> RegisterPage {
    let times = access.policy.times(sheet.key.session);
    let rows: Vec<PupilLine> = sheet
        .rows
        .iter()
        .map(|row| {
            let planned = row
                .mark
                .as_ref()
                .filter(|m| m.source == MarkSource::Planned);
            PupilLine {
                key: row.pupil.key.0,
                name: row.pupil.pupil.name(),
                planned: planned.map(|m| match &m.comment {
                    Some(comment) => format!("{}: {} ({comment})", m.code, m.code.meaning()),
                    None => format!("{}: {}", m.code, m.code.meaning()),
                }),
                planned_class: planned.map_or("", |m| category_class(m.code)),
                chosen: (entered.chosen)(row.pupil.key)
                    .or_else(|| row.mark.as_ref().map(|m| choice_of(m.code)))
                    .unwrap_or_default(),
                seen: row.mark.as_ref().map_or(0, |m| m.version),
            }
        })
        .collect();
    let tally = RegisterTally::of(rows.iter().map(|row| row.chosen.as_str()));
    let saved = match &sheet.taken {
        Some(t) if entered.saved => Some(format!(
            "Saved at {} — {}",
            work::clock_time(state, t.at),
            tally.summary()
        )),
        _ => None,
    };
    RegisterPage {
        chrome: Chrome::new(access, "registers"),
        group: sheet.group.name.clone(),
        session: session_name(sheet.key.session),
        day: long_date(sheet.key.date),
        date: sheet.key.date,
        late_after: times.late_after.strftime("%H:%M").to_string(),
        closes: times.register_closes.strftime("%H:%M").to_string(),
        saved,
        taken: sheet.taken.as_ref().map(|t| {
            format!(
                "Taken at {} by {}. A change to a mark now is an amendment: give the reason, and it is kept with the original.",
                work::clock_time(state, t.at),
                t.by
            )
        }),
        error: entered.error,
        conflict: entered.conflict,
        href: format!(
            "/s/{}/registers/{}/{}/{}",
            access.school.id,
            sheet.group.id,
            sheet.key.date,
            session_path(sheet.key.session)
        ),
        rows,
        codes: REGISTER_CODES.iter().copied().map(CodeOption::of).collect(),
        reasons: crate::view::change_reasons(),
        tally,
        needs_reason: sheet.taken.is_some(),
        reason: entered.reason,
        note: entered.note,
        prospective: sheet
            .prospective
            .iter()
            .map(|p| {
                let starts = p.pupil.entry_date.map(long_date).unwrap_or_default();
                (p.pupil.name(), starts)
            })
            .collect(),
    }
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn register(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, group, date, session)): Path<(i64, i64, Date, String)>,
    Query(query): Query<SavedQuery>,
) -> Result<RegisterPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let key = SessionKey {
        date,
        session: parse_session(&session)?,
    };
    if !access.policy.calendar.is_open(key.slot()) {
        return Err(AppError::NotFound("school session"));
    }
    let sheet = work::sheet(&state, &access, GroupId(group), key).await?;
    let entered = Entered {
        chosen: &|_| None,
        saved: query.saved.is_some(),
        error: None,
        conflict: None,
        reason: String::new(),
        note: String::new(),
    };
    Ok(page(&state, &access, &sheet, entered))
}

/// When a pupil marked late on today's register arrived, by the server's clock: the tablet says
/// when the teacher tapped Late (`tapped_`) and when the form was sent (`sent_at`), both in
/// milliseconds by its own clock, so a tablet whose clock is wrong still measures the time
/// between them. Without both (no script, or a register of another day) the server's time of
/// arrival stands.
fn arrival(form: &[(String, String)], key: i64, register: Date, now: &Zoned) -> Option<Time> {
    let millis = |name: &str| field(form, name).and_then(|v| v.parse::<i64>().ok());
    let since = millis("sent_at")? - millis(&format!("tapped_{key}"))?;
    // A tap from before the day began, or after the form was sent, is not a measurement.
    if !(0..=12 * 60 * 60 * 1000).contains(&since) || register != now.date() {
        return None;
    }
    let tapped = now
        .checked_sub(jiff::SignedDuration::from_millis(since))
        .ok()?;
    (tapped.date() == register).then(|| tapped.time())
}

/// The entries of a submitted register form, by pupil: each pupil's `mark_` choice, or the code
/// chosen from their `other_` list, which wins, with the version of their mark the page showed
/// (`seen_`). A pupil left without either is not entered, and the store names them.
fn entries(
    form: &[(String, String)],
    register: Date,
    now: &Zoned,
) -> Result<Vec<(PupilKey, Entry, Option<u32>)>, String> {
    let pupils: BTreeSet<i64> = form
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("mark_").or_else(|| k.strip_prefix("other_")))
        .filter_map(|id| id.parse().ok())
        .collect();
    let mut entries = Vec::with_capacity(pupils.len());
    for key in pupils {
        let choice =
            field(form, &format!("other_{key}")).or_else(|| field(form, &format!("mark_{key}")));
        let entry = match choice {
            None => continue,
            Some("present") => Entry::Present,
            // A time typed in (for another day's register) stands over the tablet's taps.
            Some("late") => Entry::Late {
                at: field(form, &format!("late_at_{key}"))
                    .and_then(|t| t.parse::<Time>().ok())
                    .or_else(|| arrival(form, key, register, now)),
            },
            Some(symbol) => Entry::Code(Code::parse(symbol).map_err(|e| e.to_string())?),
        };
        let seen = match field(form, &format!("seen_{key}")) {
            None => None,
            Some(text) => Some(text.parse::<u32>().map_err(|_| {
                format!(
                    "seen_{key}: {:?} is not a version",
                    crate::limits::prefix(text)
                )
            })?),
        };
        entries.push((PupilKey(key), entry, seen));
    }
    Ok(entries)
}

/// A form field's value, trimmed; `None` when missing or blank.
fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// What differs between the marks someone saved meanwhile and what this person entered.
fn conflict(
    state: &AppState,
    sheet: &RegisterSheet,
    pupils: &[PupilKey],
    chosen: &dyn Fn(PupilKey) -> Option<String>,
) -> Conflict {
    let saved = match &sheet.taken {
        Some(t) => format!("Saved by {} at {}", t.by, work::clock_time(state, t.at)),
        None => "Saved by someone else".to_owned(),
    };
    let differ = sheet
        .rows
        .iter()
        .filter(|row| pupils.contains(&row.pupil.key))
        .map(|row| {
            let theirs = row.mark.as_ref().map_or("no mark".to_owned(), |m| {
                let by = m.recorded_by.as_deref().unwrap_or("someone");
                format!("{} ({}) by {by}", m.code, m.code.meaning())
            });
            let yours = chosen(row.pupil.key).unwrap_or_else(|| "no mark".into());
            format!(
                "{}: saved as {theirs}; yours {yours}",
                row.pupil.pupil.name()
            )
        })
        .collect();
    Conflict { saved, differ }
}

async fn submit(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, group, date, session)): Path<(i64, i64, Date, String)>,
    crate::limits::Form(form): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let key = SessionKey {
        date,
        session: parse_session(&session)?,
    };
    let reason = field(&form, "reason").unwrap_or_default().to_owned();
    let note = field(&form, "note").unwrap_or_default().to_owned();
    let now = state.local_now();
    let taken = match (
        entries(&form, date, &now),
        work::reason_given(Some(&reason), &note),
    ) {
        (Ok(entries), Ok(reason)) => {
            let sent_as = field(&form, "idempotency_key").map(str::to_owned);
            work::take_register(
                &state,
                &access,
                GroupId(group),
                key,
                &entries,
                reason,
                sent_as,
            )
            .await
        }
        (Err(message), _) => Err(AppError::BadRequest(message)),
        (_, Err(e)) => Err(e),
    };
    let chosen = |pupil: PupilKey| {
        field(&form, &format!("other_{pupil}"))
            .or_else(|| field(&form, &format!("mark_{pupil}")))
            .map(str::to_owned)
    };
    let sheet = match taken {
        Ok(_) => {
            let saved = format!(
                "/s/{school}/registers/{group}/{date}/{}?saved=1",
                session_path(key.session)
            );
            return Ok(Redirect::to(&saved).into_response());
        }
        Err(e @ (AppError::BadRequest(_) | AppError::Forbidden(_) | AppError::Stale(_))) => {
            (e, work::sheet(&state, &access, GroupId(group), key).await?)
        }
        Err(other) => return Err(other),
    };
    // Shown again, as the person left it, with what is wrong; after a conflict, over the marks
    // as they are now, so that saving again applies theirs knowingly.
    let (error, sheet) = sheet;
    let status = match &error {
        AppError::Forbidden(_) => axum::http::StatusCode::FORBIDDEN,
        AppError::Stale(_) => axum::http::StatusCode::CONFLICT,
        _ => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
    };
    let entered = match error {
        AppError::Stale(pupils) => Entered {
            chosen: &chosen,
            saved: false,
            error: None,
            conflict: Some(conflict(&state, &sheet, &pupils, &chosen)),
            reason,
            note,
        },
        other => Entered {
            chosen: &chosen,
            saved: false,
            error: Some(other.to_string()),
            conflict: None,
            reason,
            note,
        },
    };
    Ok((status, page(&state, &access, &sheet, entered)).into_response())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/registers", get(registers))
        .route(
            "/s/{school}/registers/{group}/{date}/{session}",
            get(register).post(submit),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_counts_each_choice_where_a_teacher_would() {
        // (choices, [present, absent, late, other, unmarked])
        let table: [(&[&str], [usize; 5]); 4] = [
            (&[], [0, 0, 0, 0, 0]),
            (&["present", "present", "", "late"], [2, 0, 1, 0, 1]),
            // N, I and G absent; U late though it counts as absent; B and P present (AEA).
            (&["N", "I", "G", "U", "B", "P"], [2, 3, 1, 0, 0]),
            // X (not required to attend) and an unknown symbol: other, and still to mark.
            (&["X", "?"], [0, 0, 0, 1, 1]),
        ];
        for (choices, [present, absent, late, other, unmarked]) in table {
            let expect = RegisterTally {
                present,
                absent,
                late,
                other,
                unmarked,
            };
            assert_eq!(
                RegisterTally::of(choices.iter().copied()),
                expect,
                "{choices:?}"
            );
        }
        let tally = RegisterTally::of(["present", "N", "late", "X", ""].into_iter());
        assert_eq!(
            tally.summary(),
            "1 present, 1 absent, 1 late, 1 other, 1 not marked"
        );
    }

    #[test]
    fn lateness_is_measured_by_the_servers_clock() {
        let now: Zoned = "2025-09-10T09:20:00+01:00[Europe/London]".parse().unwrap();
        let today = now.date();
        let form = |tapped: &str, sent: &str| {
            vec![
                ("tapped_7".to_owned(), tapped.to_owned()),
                ("sent_at".to_owned(), sent.to_owned()),
            ]
        };
        // (tapped, sent, register's date, arrival): a tablet an hour slow still measures the
        // eleven minutes between its tap and its sending.
        let table = [
            (
                "1000000",
                "1660000",
                today,
                Some(Time::constant(9, 9, 0, 0)),
            ),
            (
                "1000000",
                "1000000",
                today,
                Some(Time::constant(9, 20, 0, 0)),
            ),
            ("1660000", "1000000", today, None),
            ("1000000", "1660000", today.yesterday().unwrap(), None),
            ("", "1660000", today, None),
            ("soon", "1660000", today, None),
        ];
        for (tapped, sent, date, expect) in table {
            assert_eq!(
                arrival(&form(tapped, sent), 7, date, &now),
                expect,
                "{tapped} {sent} {date}"
            );
        }
    }
}
