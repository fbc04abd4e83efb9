//! A dual-registered learner's home school, as an alternative provision keeps it (seed 000):
//! each learner has their own home school and a lead contact there, who is told of every
//! absence and takes the learner's marks for the home school's own register.
//!
//! The mark the home school records: `D`, "attending another school at which the pupil is a
//! registered pupil" (regulation 10, table 2). Each school records only the sessions the pupil
//! is scheduled to attend there, and `D` for the others (statutory.md §1, [S73]). For a
//! session the learner was due at the provision, the home school records `D` and the provision
//! its own code, which the notice names so the home school can follow it up.

use super::FieldError;
use crate::code::Code;
use crate::ids::LaEstab;
use crate::text::{TextKind, check_text};

/// A learner's home school and the person there to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeLink {
    /// The home school's name.
    pub school: String,
    /// Its LA/establishment number, when known.
    pub la_estab: Option<LaEstab>,
    /// The lead contact for attendance there.
    pub lead: String,
    /// Their email address: absences are notified here.
    pub email: Option<String>,
    /// Their telephone number, for calls.
    pub phone: Option<String>,
}

/// The mark a home school records for a session its learner was due at the provision.
pub const HOME_SCHOOL_MARK: Code = Code::DualRegistered;

impl HomeLink {
    /// Checks the link: a school and a lead contact, with a way to reach them (an email for
    /// the notices, or a telephone number for calls).
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |field, label: &str, value: &str, kind| {
            if value.trim().is_empty() {
                errors.push(FieldError::new(field, format!("Enter {label}")));
            } else if let Err(e) = check_text(value, kind) {
                errors.push(FieldError::text(field, label, e));
            }
        };
        text(
            "school",
            "the home school's name",
            &self.school,
            TextKind::Line,
        );
        text(
            "lead",
            "the lead contact's name",
            &self.lead,
            TextKind::Name,
        );
        let email = self.email.as_deref().map(str::trim).unwrap_or_default();
        let phone = self.phone.as_deref().map(str::trim).unwrap_or_default();
        if email.is_empty() && phone.is_empty() {
            errors.push(FieldError::new(
                "email",
                "Enter the lead contact's email address or telephone number",
            ));
        } else if !email.is_empty() && !crate::text::looks_like_email(email) {
            errors.push(FieldError::new(
                "email",
                "Enter an email address such as attendance@school.example",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(school: &str, lead: &str, email: Option<&str>, phone: Option<&str>) -> HomeLink {
        HomeLink {
            school: school.into(),
            la_estab: None,
            lead: lead.into(),
            email: email.map(Into::into),
            phone: phone.map(Into::into),
        }
    }

    /// Seed 000 "Absence procedures" step 1: the home school is notified, so its lead must be
    /// reachable.
    #[test]
    fn a_link_names_a_school_and_a_reachable_lead() {
        let table = [
            (
                link(
                    "Kings Academy",
                    "Ann Lee",
                    Some("a.lee@kings.example"),
                    None,
                ),
                vec![],
            ),
            (
                link("Kings Academy", "Ann Lee", None, Some("01632 960123")),
                vec![],
            ),
            (
                link("", "Ann Lee", Some("a.lee@kings.example"), None),
                vec!["school"],
            ),
            (
                link("Kings Academy", " ", Some("a.lee@kings.example"), None),
                vec!["lead"],
            ),
            (link("Kings Academy", "Ann Lee", None, None), vec!["email"]),
            (
                link("Kings Academy", "Ann Lee", Some("not an email"), None),
                vec!["email"],
            ),
        ];
        for (link, fields) in table {
            let found: Vec<&str> = link
                .check()
                .err()
                .unwrap_or_default()
                .iter()
                .map(|e| e.field)
                .collect();
            assert_eq!(found, fields, "{link:?}");
        }
    }

    #[test]
    fn the_home_school_records_d() {
        assert_eq!(HOME_SCHOOL_MARK.symbol(), "D");
    }
}
