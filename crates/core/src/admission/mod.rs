//! The admission register (regulation 8 of the School Attendance (Pupil Registration) (England)
//! Regulations 2024): what it holds about each pupil beyond their name, sex and date of birth,
//! when a pupil is of compulsory school age, and the order of its alphabetical index.
//!
//! Entries are never removed: a pupil leaves the register by a [`deletion::Deletion`] that names
//! its ground (regulation 9), and their entry, marks and ledger stay.

pub mod deletion;
pub mod home;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

use crate::pupil::Pupil;
use crate::text::{TextError, TextKind, check_text};

/// How a pupil is registered: at this school only, or at two schools (dual registration, as
/// the census records it: `C` single, `M` main, `S` subsidiary).
///
/// Regulation 8(3) and the guidance's dual-registration rules: the school where the pupil
/// spends most of their time is the main one; a pupil at an alternative provision keeps their
/// home school as their main registration (seed 000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Registration {
    /// Registered here only.
    Single,
    /// Registered here and elsewhere; this is the main registration.
    Main,
    /// Registered here and elsewhere; this is the subsidiary registration.
    Subsidiary,
}

impl Registration {
    /// Every kind, as a form offers them.
    pub const ALL: [Registration; 3] = [
        Registration::Single,
        Registration::Main,
        Registration::Subsidiary,
    ];

    /// The census code: `C`, `M` or `S`.
    pub fn code(self) -> &'static str {
        match self {
            Registration::Single => "C",
            Registration::Main => "M",
            Registration::Subsidiary => "S",
        }
    }

    /// Reads a census code.
    pub fn parse(code: &str) -> Option<Registration> {
        Registration::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(code.trim()))
    }

    /// How the office reads it.
    pub fn title(self) -> &'static str {
        match self {
            Registration::Single => "Registered here only",
            Registration::Main => "Dual registered: main registration here",
            Registration::Subsidiary => "Dual registered: subsidiary registration here",
        }
    }

    /// Whether the pupil is also registered at another school.
    pub fn is_dual(self) -> bool {
        self != Registration::Single
    }
}

/// A new address notified by a parent: regulation 8(3)(a), as the guidance words it ("where a
/// parent notifies the school that the pupil will live at another address").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FutureAddress {
    /// The parent the pupil will live with.
    pub parent: String,
    /// The new address.
    pub address: String,
    /// From when the pupil will live there.
    pub from: Option<Date>,
}

/// Another school notified by a parent: regulation 8(3)(b), the school the pupil also attends
/// or will attend, and the first day there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextSchool {
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: String,
    /// The first day there.
    pub from: Option<Date>,
}

/// What the admission register holds about a pupil besides the pupil record itself (names,
/// sex, date of birth and starting day, regulation 8(2)) and their parents (the contacts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The pupil's home address.
    pub address: String,
    /// The name and address of the school last attended, if any (regulation 8(2)).
    pub last_school: String,
    /// A boarder (regulation 8(2): recorded for a school with boarders).
    pub boarder: bool,
    /// Single or dual registration.
    pub registration: Registration,
    /// The other school of a dual registration.
    pub other_school: Option<String>,
    /// A new address, once notified.
    pub future_address: Option<FutureAddress>,
    /// Another school, once notified.
    pub next_school: Option<NextSchool>,
}

/// A field that cannot be kept, named as a form names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }

    fn text(field: &'static str, label: &str, error: TextError) -> FieldError {
        FieldError::new(field, format!("{label} {error}"))
    }
}

impl Entry {
    /// Checks what the register needs: an address (regulation 8(2) holds the parents'
    /// addresses, and the deletion return the pupil's, regulation 13(4)(b)), the other school
    /// of a dual registration, and every text's limits.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |field, label, value: &str, kind| {
            if let Err(e) = check_text(value, kind) {
                errors.push(FieldError::text(field, label, e));
            }
        };
        text("address", "The address", &self.address, TextKind::Note);
        text(
            "last_school",
            "The last school",
            &self.last_school,
            TextKind::Note,
        );
        if let Some(other) = &self.other_school {
            text("other_school", "The other school", other, TextKind::Line);
        }
        if let Some(future) = &self.future_address {
            text(
                "future_parent",
                "The parent",
                &future.parent,
                TextKind::Name,
            );
            text(
                "future_address",
                "The new address",
                &future.address,
                TextKind::Note,
            );
        }
        if let Some(next) = &self.next_school {
            text("next_school", "The new school", &next.name, TextKind::Line);
            text(
                "next_school_address",
                "The new school's address",
                &next.address,
                TextKind::Note,
            );
        }
        if self.address.trim().is_empty() {
            errors.push(FieldError::new("address", "Enter the pupil's home address"));
        }
        let other = self.other_school.as_deref().map(str::trim).unwrap_or("");
        if self.registration.is_dual() && other.is_empty() {
            errors.push(FieldError::new(
                "other_school",
                "Name the other school of a dual registration",
            ));
        }
        if !self.registration.is_dual() && !other.is_empty() {
            errors.push(FieldError::new(
                "other_school",
                "Only a dual registration names another school",
            ));
        }
        if let Some(future) = &self.future_address
            && (future.parent.trim().is_empty() || future.address.trim().is_empty())
        {
            errors.push(FieldError::new(
                "future_address",
                "A new address names the parent and the address",
            ));
        }
        if let Some(next) = &self.next_school
            && next.name.trim().is_empty()
        {
            errors.push(FieldError::new("next_school", "Name the new school"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A parent or carer as the register needs them: whether the pupil normally lives with them,
/// and whether they have a telephone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent {
    /// The pupil normally lives with them.
    pub lives_with_pupil: bool,
    /// They have at least one telephone number.
    pub has_phone: bool,
}

/// Regulation 8(2): the register marks the parents the pupil normally lives with, with at
/// least one telephone number for each of them for an emergency. A pupil is admitted with at
/// least one such parent.
pub fn check_parents(parents: &[Parent]) -> Result<(), FieldError> {
    let living_with: Vec<&Parent> = parents.iter().filter(|p| p.lives_with_pupil).collect();
    if living_with.is_empty() {
        return Err(FieldError::new(
            "contacts",
            "Enter the parent or carer the pupil normally lives with",
        ));
    }
    if living_with.iter().any(|p| !p.has_phone) {
        return Err(FieldError::new(
            "contacts",
            "Enter a telephone number for an emergency for each parent the pupil lives with",
        ));
    }
    Ok(())
}

/// The day a child begins to be of compulsory school age: the first of 31 December, 31 March
/// and 31 August on or after their fifth birthday (Education Act 1996 s.8(2); the Education
/// (Start of Compulsory School Age) Order 1998, SI 1998/1607).
pub fn compulsory_age_begins(date_of_birth: Date) -> Date {
    let fifth = birthday(date_of_birth, 5);
    let year = fifth.year();
    [
        Date::constant(0, 3, 31),
        Date::constant(0, 8, 31),
        Date::constant(0, 12, 31),
    ]
    .into_iter()
    .filter_map(|d| Date::new(year, d.month(), d.day()).ok())
    .find(|&d| d >= fifth)
    .unwrap_or(fifth)
}

/// The last day of compulsory school age: the school leaving date (the last Friday in June) of
/// the school year, 1 September to 31 August, in which the child turns 16 (Education Act 1996
/// s.8(3) and (4); the Education (School Leaving Date) Order 1997, SI 1997/1970).
pub fn compulsory_age_ends(date_of_birth: Date) -> Date {
    let sixteenth = birthday(date_of_birth, 16);
    let june_year = if sixteenth.month() >= 9 {
        sixteenth.year() + 1
    } else {
        sixteenth.year()
    };
    last_friday_of_june(june_year)
}

/// Whether a pupil is of compulsory school age on a date.
pub fn of_compulsory_age(pupil: &Pupil, on: Date) -> bool {
    compulsory_age_begins(pupil.date_of_birth) <= on
        && on <= compulsory_age_ends(pupil.date_of_birth)
}

/// A birthday; 29 February is 28 February in other years.
fn birthday(date_of_birth: Date, years: i16) -> Date {
    date_of_birth
        .checked_add(years.years())
        .unwrap_or(date_of_birth)
}

fn last_friday_of_june(year: i16) -> Date {
    let end = Date::new(year, 6, 30).unwrap_or(Date::constant(2000, 6, 30));
    end.nth_weekday_of_month(-1, Weekday::Friday).unwrap_or(end)
}

/// The admission register's alphabetical index (regulation 8(1)): surname, then forename,
/// ignoring case; ties by UPN, so the order is the same every time.
pub fn index_order(a: &Pupil, b: &Pupil) -> std::cmp::Ordering {
    let key = |p: &Pupil| {
        (
            p.legal_surname.to_lowercase(),
            p.legal_forename.to_lowercase(),
        )
    };
    key(a)
        .cmp(&key(b))
        .then_with(|| a.upn.as_str().cmp(b.upn.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn compulsory_school_age_begins_on_the_prescribed_day_after_the_fifth_birthday() {
        // Education Act 1996 s.8(2); SI 1998/1607: 31 December, 31 March, 31 August.
        let table = [
            (date(2020, 1, 10), date(2025, 3, 31)),
            (date(2020, 3, 31), date(2025, 3, 31)),
            (date(2020, 4, 1), date(2025, 8, 31)),
            (date(2020, 9, 1), date(2025, 12, 31)),
            (date(2020, 12, 31), date(2025, 12, 31)),
        ];
        for (born, begins) in table {
            assert_eq!(compulsory_age_begins(born), begins, "born {born}");
        }
    }

    #[test]
    fn compulsory_school_age_ends_on_the_last_friday_of_june_of_the_year_they_turn_sixteen() {
        // Education Act 1996 s.8(3); SI 1997/1970. June 2026 ends on Tuesday 30th: the last
        // Friday is the 26th.
        let table = [
            (date(2010, 9, 1), date(2027, 6, 25)),
            (date(2010, 1, 15), date(2026, 6, 26)),
            (date(2010, 7, 20), date(2026, 6, 26)),
            (date(2010, 8, 31), date(2026, 6, 26)),
            (date(2009, 8, 31), date(2025, 6, 27)),
        ];
        for (born, ends) in table {
            assert_eq!(compulsory_age_ends(born), ends, "born {born}");
        }
    }

    fn entry() -> Entry {
        Entry {
            address: "1 High Street, Woburn".into(),
            last_school: String::new(),
            boarder: false,
            registration: Registration::Single,
            other_school: None,
            future_address: None,
            next_school: None,
        }
    }

    #[test]
    fn an_entry_needs_an_address_and_a_dual_registration_its_other_school() {
        let fields = |e: Entry| -> Vec<&'static str> {
            e.check()
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        let table: [(Entry, &[&str]); 6] = [
            (entry(), &[]),
            (
                Entry {
                    address: " ".into(),
                    ..entry()
                },
                &["address"],
            ),
            (
                Entry {
                    registration: Registration::Main,
                    ..entry()
                },
                &["other_school"],
            ),
            (
                Entry {
                    registration: Registration::Subsidiary,
                    other_school: Some("Ridgeway AP".into()),
                    ..entry()
                },
                &[],
            ),
            (
                Entry {
                    other_school: Some("Ridgeway AP".into()),
                    ..entry()
                },
                &["other_school"],
            ),
            (
                Entry {
                    future_address: Some(FutureAddress {
                        parent: "Amy Baker".into(),
                        address: String::new(),
                        from: None,
                    }),
                    next_school: Some(NextSchool {
                        name: "x".repeat(201),
                        address: String::new(),
                        from: None,
                    }),
                    ..entry()
                },
                &["next_school", "future_address"],
            ),
        ];
        for (entry, expect) in table {
            assert_eq!(fields(entry.clone()), expect, "{entry:?}");
        }
    }

    #[test]
    fn the_parents_the_pupil_lives_with_each_have_a_phone() {
        // Regulation 8(2).
        let p = |lives_with_pupil, has_phone| Parent {
            lives_with_pupil,
            has_phone,
        };
        let table: [(&[Parent], bool); 5] = [
            (&[], false),
            (&[p(false, true)], false),
            (&[p(true, true)], true),
            (&[p(true, true), p(true, false)], false),
            (&[p(true, true), p(false, false)], true),
        ];
        for (parents, ok) in table {
            assert_eq!(check_parents(parents).is_ok(), ok, "{parents:?}");
        }
    }

    #[test]
    fn registrations_read_their_census_codes() {
        for r in Registration::ALL {
            assert_eq!(Registration::parse(r.code()), Some(r));
        }
        assert_eq!(Registration::parse("m"), Some(Registration::Main));
        assert_eq!(Registration::parse("G"), None);
    }
}
