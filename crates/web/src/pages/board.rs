//! The attendance board for assembly: each class's week, ranked, with the 100% trophy, the
//! class of the week and the most improved class (`rollcall_core::board`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use rollcall_core::board::Board;
use rollcall_core::text::human_date;
use rollcall_core::{DateRange, Permission};
use rollcall_store::SchoolId;
use serde::Deserialize;

use super::Chrome;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;

#[derive(Deserialize)]
struct WeekQuery {
    /// Any day of the week to show.
    week: Option<Date>,
}

/// One class as the board shows it.
struct ClassLine {
    class: String,
    rate: String,
    change: String,
    trophy: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "board.html")]
struct BoardPage {
    chrome: Chrome,
    week: String,
    target: Option<String>,
    classes: Vec<ClassLine>,
    best: Vec<String>,
    best_rate: String,
    trophies: Vec<String>,
    improved: Option<(String, String)>,
    earlier: Date,
    later: Option<Date>,
}

/// Monday to Friday of the week `day` falls in.
fn school_week(day: Date) -> Option<DateRange> {
    let monday = day
        .checked_sub(i64::from(day.weekday().to_monday_zero_offset()).days())
        .ok()?;
    Some(DateRange {
        first: monday,
        last: monday.checked_add(4.days()).ok()?,
    })
}

/// "+2.50", "−1.00", "no change", from hundredths of a percentage point.
fn change_words(hundredths: i64) -> String {
    let points = format!(
        "{}.{:02}",
        hundredths.unsigned_abs() / 100,
        hundredths.unsigned_abs() % 100
    );
    match hundredths {
        0 => "no change".to_owned(),
        d if d > 0 => format!("up {points} points"),
        _ => format!("down {points} points"),
    }
}

async fn board(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(query): Query<WeekQuery>,
) -> Result<BoardPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::ViewStatistics, "see the school's attendance")?;
    let today = state.local_now().date();
    // For Monday's assembly, the week just gone; at the weekend, the week that has ended.
    let default = match today.weekday() {
        Weekday::Saturday | Weekday::Sunday => today,
        _ => today.checked_sub(7.days()).unwrap_or(today),
    };
    let shown = query.week.unwrap_or(default);
    let week = school_week(shown).ok_or_else(|| AppError::BadRequest("no such week".into()))?;
    let before = school_week(week.first.checked_sub(7.days()).unwrap_or(week.first))
        .ok_or_else(|| AppError::BadRequest("no such week".into()))?;
    let register = state.store.load_register(access.school.id).await?;
    let board = Board::of(&register, week, before);
    let name = |c: &rollcall_core::board::ClassWeek| c.class.clone();
    let trophies: Vec<String> = board.full_attendance().map(name).collect();
    let best = board.best();
    let next = week.first.checked_add(7.days()).ok();
    Ok(BoardPage {
        chrome: Chrome::new(&access, "board"),
        week: format!("{} to {}", human_date(&week.first), human_date(&week.last)),
        target: access.policy.attendance_target.map(|t| t.to_string()),
        best_rate: best
            .first()
            .and_then(|c| c.rate)
            .map(|r| format!("{r}%"))
            .unwrap_or_default(),
        best: best.into_iter().map(name).collect(),
        improved: board.most_improved().map(|c| {
            (
                c.class.clone(),
                c.change().map(change_words).unwrap_or_default(),
            )
        }),
        classes: board
            .classes
            .iter()
            .map(|c| ClassLine {
                class: c.class.clone(),
                rate: c.rate.map(|r| format!("{r}%")).unwrap_or_default(),
                change: c.change().map(change_words).unwrap_or_default(),
                trophy: trophies.contains(&c.class),
            })
            .collect(),
        trophies,
        earlier: before.first,
        later: next.filter(|d| *d <= today),
    })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/s/{school}/board", get(board))
}
