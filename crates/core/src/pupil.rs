//! Pupils on the admission register and the characteristics attendance is analysed by.

use std::fmt;

use jiff::civil::Date;
use thiserror::Error;

use crate::calendar::DateRange;
use crate::ids::{LaEstab, Upn};

/// Sex as recorded for the school census.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

/// Special educational needs provision, as in the school census.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SenStatus {
    /// `N`: no special educational provision.
    None,
    /// `K`: SEN support.
    Support,
    /// `E`: an education, health and care plan.
    Ehcp,
}

/// A national curriculum year group: nursery (`N1`, `N2`), reception (`R`) and years 1 to 14.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearGroup(i8);

/// Why a pupil's field could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CharacteristicError {
    /// Not `F` or `M`.
    #[error("sex is F or M; found {0:?}")]
    Sex(String),
    /// Not `N`, `K` or `E`.
    #[error("SEN status is N (none), K (SEN support) or E (EHC plan); found {0:?}")]
    Sen(String),
    /// Not a year group.
    #[error("a year group is N1, N2, R or 1 to 14; found {0:?}")]
    YearGroup(String),
    /// Not a yes/no value.
    #[error("expected true or false (or Y/N, yes/no, 1/0); found {0:?}")]
    Flag(String),
}

impl Sex {
    /// Reads `F`/`M` or `Female`/`Male`.
    pub fn parse(text: &str) -> Result<Sex, CharacteristicError> {
        match text.trim().to_ascii_uppercase().as_str() {
            "F" | "FEMALE" => Ok(Sex::Female),
            "M" | "MALE" => Ok(Sex::Male),
            _ => Err(CharacteristicError::Sex(text.to_owned())),
        }
    }

    /// `F` or `M`.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
        }
    }
}

impl SenStatus {
    /// Reads the census code `N`, `K` or `E`.
    pub fn parse(text: &str) -> Result<SenStatus, CharacteristicError> {
        match text.trim().to_ascii_uppercase().as_str() {
            "N" | "" => Ok(SenStatus::None),
            "K" => Ok(SenStatus::Support),
            "E" => Ok(SenStatus::Ehcp),
            _ => Err(CharacteristicError::Sen(text.to_owned())),
        }
    }

    /// The census code.
    pub fn code(self) -> &'static str {
        match self {
            SenStatus::None => "N",
            SenStatus::Support => "K",
            SenStatus::Ehcp => "E",
        }
    }
}

impl YearGroup {
    /// Reception.
    pub const RECEPTION: YearGroup = YearGroup(0);

    /// Year `n` (1 to 14).
    pub fn year(n: i8) -> Option<YearGroup> {
        (1..=14).contains(&n).then_some(YearGroup(n))
    }

    /// Reads `N1`, `N2`, `R`, `7`, `Y7` or `Year 7`.
    pub fn parse(text: &str) -> Result<YearGroup, CharacteristicError> {
        let upper = text.trim().to_ascii_uppercase();
        let bare = upper
            .strip_prefix("YEAR")
            .or_else(|| upper.strip_prefix('Y'))
            .unwrap_or(&upper)
            .trim();
        let parsed = match bare {
            "N1" => Some(YearGroup(-2)),
            "N2" => Some(YearGroup(-1)),
            "R" | "RECEPTION" => Some(YearGroup::RECEPTION),
            digits => digits.parse().ok().and_then(YearGroup::year),
        };
        parsed.ok_or_else(|| CharacteristicError::YearGroup(text.to_owned()))
    }

    /// The number: -2 and -1 for nursery, 0 for reception.
    pub fn number(self) -> i8 {
        self.0
    }
}

impl fmt::Display for YearGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            -2 => f.write_str("N1"),
            -1 => f.write_str("N2"),
            0 => f.write_str("R"),
            n => write!(f, "{n}"),
        }
    }
}

/// Reads a yes/no field: `true`/`false`, `Y`/`N`, `yes`/`no`, `1`/`0`.
pub fn parse_flag(text: &str) -> Result<bool, CharacteristicError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "y" | "yes" | "1" => Ok(true),
        "false" | "n" | "no" | "0" | "" => Ok(false),
        _ => Err(CharacteristicError::Flag(text.to_owned())),
    }
}

/// A pupil on the admission register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pupil {
    /// Unique pupil number.
    pub upn: Upn,
    /// Legal surname.
    pub legal_surname: String,
    /// Legal forename.
    pub legal_forename: String,
    /// The forename the pupil is known by, when it differs.
    pub preferred_forename: Option<String>,
    /// Date of birth.
    pub date_of_birth: Date,
    /// Sex.
    pub sex: Sex,
    /// Year group.
    pub year_group: YearGroup,
    /// Registration group (form or class).
    pub reg_group: String,
    /// The starting day (regulation 8(2)(h)); `None` when on roll before the data begins.
    pub entry_date: Option<Date>,
    /// The last day on roll; `None` while still on roll.
    pub leaving_date: Option<Date>,
    /// Eligible for free school meals.
    pub fsm: bool,
    /// English as an additional language.
    pub eal: bool,
    /// Attracts the pupil premium: free school meals at any time in the last six years (FSM6),
    /// or looked after or previously looked after.
    pub pupil_premium: bool,
    /// SEN provision.
    pub sen: SenStatus,
    /// The school, where one file holds several.
    pub school: Option<LaEstab>,
}

impl Pupil {
    /// Whether the pupil is on roll on `date`.
    #[inline]
    pub fn on_roll(&self, date: Date) -> bool {
        self.entry_date.is_none_or(|e| e <= date) && self.leaving_date.is_none_or(|l| date <= l)
    }

    /// Whether the pupil is on roll at any time in a range.
    pub fn on_roll_during(&self, range: DateRange) -> bool {
        self.entry_date.is_none_or(|e| e <= range.last)
            && self.leaving_date.is_none_or(|l| range.first <= l)
    }

    /// The forename to use when speaking to or about the pupil.
    pub fn known_as(&self) -> &str {
        self.preferred_forename
            .as_deref()
            .unwrap_or(&self.legal_forename)
    }

    /// The name a school writes on lists: the forename the pupil is known by and the surname.
    pub fn name(&self) -> String {
        format!("{} {}", self.known_as(), self.legal_surname)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_groups() {
        let table = [
            ("R", Some("R")),
            ("Reception", Some("R")),
            ("N1", Some("N1")),
            ("7", Some("7")),
            ("Y7", Some("7")),
            ("Year 11", Some("11")),
            ("15", None),
            ("0", None),
            ("", None),
        ];
        for (input, expect) in table {
            let got = YearGroup::parse(input).ok().map(|y| y.to_string());
            assert_eq!(got.as_deref(), expect, "{input}");
        }
        let mut order: Vec<YearGroup> = ["2", "R", "10", "N2", "1"]
            .iter()
            .map(|y| YearGroup::parse(y).unwrap())
            .collect();
        order.sort();
        let names: Vec<String> = order.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["N2", "R", "1", "2", "10"]);
    }

    #[test]
    fn characteristics() {
        assert_eq!(Sex::parse("f").unwrap(), Sex::Female);
        assert!(Sex::parse("X").is_err());
        assert_eq!(SenStatus::parse("E").unwrap(), SenStatus::Ehcp);
        assert!(SenStatus::parse("S").is_err());
        for (input, expect) in [("Y", true), ("false", false), ("1", true), ("", false)] {
            assert_eq!(parse_flag(input).unwrap(), expect, "{input}");
        }
        assert!(parse_flag("maybe").is_err());
    }
}
