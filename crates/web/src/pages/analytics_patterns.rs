//! The Analysis page's patterns: attendance week by week this year against last year (a chart
//! drawn on the server, with the same figures as a table), absence by day and session, the
//! codes used, and the pupils to watch.

use crate::view::percent;
use jiff::civil::Date;
use rollcall_analytics::{last_year, watch_list};
use rollcall_core::patterns::{by_week, by_weekday, code_counts};
use rollcall_core::text::human_date;
use rollcall_core::{AcademicYear, Calendar, DateRange, Rate, Register, Tally};
use rollcall_store::analytics::SchoolData;

use super::analytics_tables::{Row, Table};

/// The pupils to watch on `today`, a table for each reason (the analytics crate's method),
/// each pupil linked to their page.
pub(super) fn watch_lists(
    data: &SchoolData,
    calendar: &Calendar,
    today: Date,
    school: i64,
) -> Vec<Table> {
    let mut lists: Vec<Table> = Vec::new();
    for w in watch_list(&data.register, calendar, today) {
        let (Some(pupil), Some(key)) = (data.register.pupil(w.id), data.key_of(w.id)) else {
            continue;
        };
        let row = Row::new(vec![
            pupil.name(),
            pupil.reg_group.clone(),
            percent(w.year.attendance_rate()),
            percent(w.recent.attendance_rate()),
            w.persistent_on.map(|d| human_date(&d)).unwrap_or_default(),
            super::pupil_signs::in_brief(&w.signs),
        ])
        .linked(format!("/s/{school}/pupils/{}", key.0));
        match lists.last_mut() {
            Some(list) if list.caption == w.watch.title() => list.rows.push(row),
            _ => lists.push(Table {
                id: w.watch.id(),
                caption: w.watch.title().to_owned(),
                columns: vec![
                    "Pupil",
                    "Class",
                    "This year",
                    "Last four weeks",
                    "Persistently absent from, at that rate",
                    "Patterns",
                ],
                rows: vec![row],
                band_column: None,
            }),
        }
    }
    lists
}

/// The patterns, ready to show.
pub(super) struct Patterns {
    pub(super) weeks: Table,
    /// The chart's lines as SVG points, this year and last.
    pub(super) this_line: String,
    pub(super) last_line: String,
    /// The chart's lowest percentage (its bottom edge) and the top.
    pub(super) floor: u64,
    pub(super) days: Table,
    pub(super) codes: Table,
}

impl Patterns {
    /// Its tables.
    pub(super) fn tables(self) -> [Table; 3] {
        [self.weeks, self.days, self.codes]
    }
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
    let weeks = Table {
        id: "weeks",
        caption: "Attendance each week this year and last".to_owned(),
        columns: vec!["Week beginning", "This year", "Same week last year"],
        rows: now
            .iter()
            .zip(this.iter().zip(&last))
            .map(|((monday, _), (t, l))| {
                Row::new(vec![human_date(monday), percent(*t), percent(*l)])
            })
            .collect(),
        band_column: None,
    };
    let days = Table {
        id: "days",
        caption: "Absence by day of the week and session, this school year".to_owned(),
        columns: vec![
            "Day",
            "Session",
            "Absence",
            "Unauthorised",
            "Late before close (L)",
            "Late after close (U)",
        ],
        rows: by_weekday(register, year)
            .into_iter()
            .map(|(day, session, t)| {
                Row::new(vec![
                    rollcall_core::text::weekday_name(day).to_owned(),
                    session.to_string(),
                    percent(t.absence_rate()),
                    percent(t.unauthorised_rate()),
                    t.late_before_close.to_string(),
                    t.late_after_close.to_string(),
                ])
            })
            .collect(),
        band_column: None,
    };
    let codes = codes_table(
        code_counts(register, year),
        "Sessions by code this school year, with each absence code's share of all absence",
    );
    Patterns {
        this_line: line(&this, now.len(), floor),
        last_line: line(&last, now.len(), floor),
        floor,
        weeks,
        days,
        codes,
    }
}

/// Sessions by code, with each absence code's share of all absence.
pub(super) fn codes_table(counts: Vec<(rollcall_core::Code, u64)>, caption: &str) -> Table {
    let absence = |c: rollcall_core::Code| {
        matches!(
            c.category(),
            rollcall_core::Category::Authorised | rollcall_core::Category::Unauthorised
        )
    };
    let absent: u64 = counts
        .iter()
        .filter(|(c, _)| absence(*c))
        .map(|(_, n)| n)
        .sum();
    Table {
        id: "codes",
        caption: caption.to_owned(),
        columns: vec!["Code", "Meaning", "Sessions", "Share of absence"],
        rows: counts
            .into_iter()
            .map(|(code, n)| {
                let share = match absence(code) {
                    true => percent(Rate::new(n, absent)),
                    false => String::new(),
                };
                Row::new(vec![
                    code.symbol().to_owned(),
                    code.meaning().to_owned(),
                    n.to_string(),
                    share,
                ])
            })
            .collect(),
        band_column: None,
    }
}
