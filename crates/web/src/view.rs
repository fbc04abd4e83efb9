//! How things are shown: dates, sessions, codes and their colours.

use std::collections::HashMap;

use jiff::civil::Date;
use rollcall_core::{AcademicYear, Calendar, Category, Code, Session, SessionKey, Tally, Target};

/// The CSS class for a code's category.
pub(crate) fn category_class(code: Code) -> &'static str {
    match code.category() {
        Category::Present => "present",
        Category::ApprovedActivity => "aea",
        Category::Authorised => "authorised",
        Category::Unauthorised => "unauthorised",
        Category::NotCounted => "not-counted",
        Category::Administrative => "admin",
    }
}

/// "Morning" or "Afternoon".
pub(crate) fn session_name(session: Session) -> &'static str {
    match session {
        Session::Am => "Morning",
        Session::Pm => "Afternoon",
    }
}

/// `am` or `pm`, as in URLs.
pub(crate) fn session_path(session: Session) -> &'static str {
    match session {
        Session::Am => "am",
        Session::Pm => "pm",
    }
}

/// A rate as a page shows it: "95.83%", or "—" when there is nothing to divide by.
pub(crate) fn percent(rate: Option<rollcall_core::Rate>) -> String {
    rate.map_or("—".to_owned(), |r| format!("{r}%"))
}

/// "Wednesday 10 September 2025".
pub(crate) fn long_date(date: Date) -> String {
    date.strftime("%A %-d %B %Y").to_string()
}

/// A message as a sentence: a capital first letter and a full stop.
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut text: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !text.ends_with(['.', '?', '!']) {
        text.push('.');
    }
    text
}

/// "Wed 10 Sep".
pub(crate) fn short_date(date: Date) -> String {
    date.strftime("%a %-d %b").to_string()
}

/// "10 Sep 2025 09:02", in the schools' time zone: when something was recorded.
pub(crate) fn local_time(at: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%-d %b %Y %H:%M")
        .to_string()
}

/// "10 Sep 2025": for records kept across years.
pub(crate) fn full_date(date: Date) -> String {
    date.strftime("%-d %b %Y").to_string()
}

/// The codes a register offers beside present, late and "reason not yet known", with what
/// each means. Teachers record what they see; the office records reasons later.
pub(crate) const REGISTER_CODES: &[Code] = &[
    Code::Illness,
    Code::Medical,
    Code::ExceptionalLeave,
    Code::Religious,
    Code::Visit,
    Code::Sport,
    Code::OtherActivity,
    Code::WorkExperience,
    Code::LaArranged,
    Code::DualRegistered,
    Code::PartTimeTimetable,
    Code::Excluded,
    Code::Holiday,
    Code::OtherUnauthorised,
    Code::ArrivedAfterClose,
    Code::Late,
];

/// Every code in force on a date, for the office's forms.
pub(crate) fn codes_on(date: Date) -> Vec<Code> {
    Code::ALL
        .iter()
        .copied()
        .filter(|c| c.check_date(date).is_ok())
        .collect()
}

/// A code for a `<select>`: value and label.
pub(crate) struct CodeOption {
    pub symbol: &'static str,
    pub label: String,
    /// Where a register's running tally counts it.
    pub tally: &'static str,
}

impl CodeOption {
    pub fn of(code: Code) -> CodeOption {
        CodeOption {
            symbol: code.symbol(),
            label: format!("{} — {}", code.symbol(), code.meaning()),
            tally: tally_kind(code),
        }
    }
}

/// Where a register's tally counts a code: a teacher counts who is in the room, so the late
/// arrivals (`L`, and `U` though it counts as an absence) apart, absences authorised or not
/// together, and codes outside the attendance figures as "other".
pub(crate) fn tally_kind(code: Code) -> &'static str {
    if code.is_late() {
        return "late";
    }
    match code.category() {
        Category::Present | Category::ApprovedActivity => "present",
        Category::Authorised | Category::Unauthorised => "absent",
        Category::NotCounted | Category::Administrative => "other",
    }
}

/// One day of a year's calendar: its two sessions' classes, and what they hold.
pub(crate) struct DayCell {
    pub date: Date,
    pub am: &'static str,
    pub pm: &'static str,
    pub title: String,
}

/// A month of a year's calendar.
pub(crate) struct MonthRow {
    pub name: String,
    /// "September 2025".
    pub full_name: String,
    /// Whether today falls in it.
    pub current: bool,
    pub days: Vec<DayCell>,
}

impl MonthRow {
    /// The month's weekdays as weeks of Monday to Friday, a week's days before the first of the
    /// month and after its last left empty: a month on a phone, read down like a wall calendar.
    pub fn weeks(&self) -> Vec<[Option<&DayCell>; 5]> {
        let mut weeks: Vec<[Option<&DayCell>; 5]> = Vec::new();
        for day in &self.days {
            let column = usize::try_from(day.date.weekday().to_monday_zero_offset()).unwrap_or(0);
            if column >= 5 {
                continue;
            }
            if column == 0 || weeks.is_empty() {
                weeks.push([None; 5]);
            }
            if let Some(cell) = weeks.last_mut().and_then(|week| week.get_mut(column)) {
                *cell = Some(day);
            }
        }
        weeks
    }
}

/// A year of sessions, month by month, each coloured by its mark's category.
pub(crate) fn year_calendar(
    calendar: &Calendar,
    held: &HashMap<SessionKey, Code>,
    year: AcademicYear,
    today: Date,
) -> Vec<MonthRow> {
    let mut months = Vec::new();
    let mut first = year.first_day();
    while first <= year.last_day() {
        let mut days = Vec::new();
        let mut day = first;
        while day.month() == first.month() {
            let cell = |session: Session| -> (&'static str, String) {
                let key = SessionKey { date: day, session };
                match held.get(&key) {
                    Some(code) => (category_class(*code), format!("{code}: {}", code.meaning())),
                    None if calendar.is_open(key.slot()) && day <= today => {
                        ("missing", "no mark".to_owned())
                    }
                    None if calendar.is_open(key.slot()) => ("future", String::new()),
                    None => ("closed", "no school".to_owned()),
                }
            };
            let (am, am_title) = cell(Session::Am);
            let (pm, pm_title) = cell(Session::Pm);
            days.push(DayCell {
                date: day,
                am,
                pm,
                title: format!(
                    "{}: morning {am_title}; afternoon {pm_title}",
                    short_date(day)
                ),
            });
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        months.push(MonthRow {
            name: first.strftime("%b").to_string(),
            full_name: first.strftime("%B %Y").to_string(),
            current: today.year() == first.year() && today.month() == first.month(),
            days,
        });
        match first.checked_add(jiff::Span::new().months(1)) {
            Ok(next) => first = next,
            Err(_) => break,
        }
    }
    months
}

/// The colour of a year's attendance: at the school's target, persistently absent, or between.
pub(crate) fn band(tally: &Tally, target: Option<Target>) -> &'static str {
    match (tally.attendance_rate(), target) {
        (Some(rate), Some(target)) if rate.at_least(u64::from(target.hundredths())) => "good",
        (Some(_), _) if tally.is_persistent_absentee() => "concern",
        (Some(_), Some(_)) => "watch",
        _ => "",
    }
}

/// The reasons for changing a mark, as a form lists them: (id, label).
pub(crate) fn change_reasons() -> Vec<(&'static str, &'static str)> {
    rollcall_core::ChangeReason::ALL
        .iter()
        .map(|r| (r.id(), r.label()))
        .collect()
}
