//! The Analysis page's patterns: attendance week by week this year against last year (a chart
//! drawn on the server, with the same figures as a table), absence by day and session, and the
//! codes used.

use crate::view::percent;
use jiff::civil::Date;
use rollcall_analytics::{last_year, watch_list};
use rollcall_core::patterns::{by_week, by_weekday, code_counts};
use rollcall_core::text::human_date;
use rollcall_core::{AcademicYear, Calendar, DateRange, Rate, Register, Tally};
use rollcall_store::analytics::SchoolData;

/// A week of the trend.
pub(super) struct Week {
    pub(super) monday: String,
    pub(super) this_year: String,
    pub(super) last_year: String,
}

/// A day and session's absence.
pub(super) struct DayLine {
    pub(super) day: String,
    pub(super) session: String,
    pub(super) absence: String,
    pub(super) unauthorised: String,
    pub(super) late: u64,
}

/// A list of pupils to watch.
pub(super) struct WatchList {
    pub(super) title: &'static str,
    pub(super) pupils: Vec<WatchedLine>,
}

/// A pupil on a list.
pub(super) struct WatchedLine {
    pub(super) key: i64,
    pub(super) name: String,
    pub(super) group: String,
    pub(super) year: String,
    pub(super) recent: String,
    pub(super) persistent_on: String,
}

/// The pupils to watch on `today`, a list for each reason (the analytics crate's method).
pub(super) fn watch_lists(data: &SchoolData, calendar: &Calendar, today: Date) -> Vec<WatchList> {
    let mut lists: Vec<WatchList> = Vec::new();
    for w in watch_list(&data.register, calendar, today) {
        let (Some(pupil), Some(key)) = (data.register.pupil(w.id), data.key_of(w.id)) else {
            continue;
        };
        let line = WatchedLine {
            key: key.0,
            name: pupil.name(),
            group: pupil.reg_group.clone(),
            year: percent(w.year.attendance_rate()),
            recent: percent(w.recent.attendance_rate()),
            persistent_on: w.persistent_on.map(|d| human_date(&d)).unwrap_or_default(),
        };
        match lists.last_mut() {
            Some(list) if list.title == w.watch.title() => list.pupils.push(line),
            _ => lists.push(WatchList {
                title: w.watch.title(),
                pupils: vec![line],
            }),
        }
    }
    lists
}

/// The patterns, ready to show.
pub(super) struct Patterns {
    pub(super) weeks: Vec<Week>,
    /// The chart's lines as SVG points, this year and last.
    pub(super) this_line: String,
    pub(super) last_line: String,
    /// The chart's lowest percentage (its bottom edge) and the top.
    pub(super) floor: u64,
    pub(super) days: Vec<DayLine>,
    pub(super) codes: Vec<(String, String, u64, String)>,
}

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 200.0;

/// The chart's points for weeks' attendance, between `floor`% and 100%.
fn line(rates: &[Option<Rate>], weeks: usize, floor: u64) -> String {
    let step = if weeks > 1 {
        WIDTH / (weeks - 1) as f64
    } else {
        0.0
    };
    let span = (100 - floor.min(99)) as f64;
    rates
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let r = (*r)?;
            let y = HEIGHT - (r.percent() - floor as f64).max(0.0) / span * HEIGHT;
            Some(format!("{:.1},{:.1}", i as f64 * step, y))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// This school year's weeks up to `today` against the same weeks last year, absence by day and
/// session over the same dates, and the codes used.
pub(super) fn patterns(register: &Register, today: Date) -> Patterns {
    let year = DateRange {
        first: AcademicYear::of(today).first_day(),
        last: today,
    };
    let now = by_week(register, year);
    let before = by_week(register, last_year(year));
    let rate = |t: &Tally| t.attendance_rate();
    let this: Vec<Option<Rate>> = now.iter().map(|(_, t)| rate(t)).collect();
    let last: Vec<Option<Rate>> = (0..now.len())
        .map(|i| before.get(i).and_then(|(_, t)| rate(t)))
        .collect();
    let lowest = this
        .iter()
        .chain(&last)
        .flatten()
        .map(|r| r.hundredths() / 100)
        .min()
        .unwrap_or(90);
    let floor = lowest.saturating_sub(lowest % 5).min(95);
    let weeks = now
        .iter()
        .zip(this.iter().zip(&last))
        .map(|((monday, _), (t, l))| Week {
            monday: human_date(monday),
            this_year: percent(*t),
            last_year: percent(*l),
        })
        .collect();
    let days = by_weekday(register, year)
        .into_iter()
        .map(|(day, session, t)| DayLine {
            day: rollcall_core::text::weekday_name(day).to_owned(),
            session: session.to_string(),
            absence: percent(t.absence_rate()),
            unauthorised: percent(t.unauthorised_rate()),
            late: t.late_before_close + t.late_after_close,
        })
        .collect();
    let counts = code_counts(register, year);
    let absent: u64 = counts
        .iter()
        .filter(|(c, _)| {
            matches!(
                c.category(),
                rollcall_core::Category::Authorised | rollcall_core::Category::Unauthorised
            )
        })
        .map(|(_, n)| n)
        .sum();
    let codes = counts
        .into_iter()
        .map(|(code, n)| {
            let share = match code.category() {
                rollcall_core::Category::Authorised | rollcall_core::Category::Unauthorised => {
                    percent(Rate::new(n, absent))
                }
                _ => String::new(),
            };
            (
                code.symbol().to_owned(),
                code.meaning().to_owned(),
                n,
                share,
            )
        })
        .collect();
    Patterns {
        this_line: line(&this, now.len(), floor),
        last_line: line(&last, now.len(), floor),
        floor,
        weeks,
        days,
        codes,
    }
}
