//! How things are shown: dates, sessions, codes and their colours.

use jiff::civil::Date;
use rollcall_core::{Category, Code, Session};

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

/// "Wednesday 10 September 2025".
pub(crate) fn long_date(date: Date) -> String {
    date.strftime("%A %-d %B %Y").to_string()
}

/// "Wed 10 Sep".
pub(crate) fn short_date(date: Date) -> String {
    date.strftime("%a %-d %b").to_string()
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
}

impl CodeOption {
    pub fn of(code: Code) -> CodeOption {
        CodeOption {
            symbol: code.symbol(),
            label: format!("{} — {}", code.symbol(), code.meaning()),
        }
    }
}
