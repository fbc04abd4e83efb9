//! A posted form's fields, read by name with the errors a person can act on ("The meeting's
//! date is not a date").

use jiff::civil::Date;
use rollcall_core::casefile::AgreedAction;
use rollcall_core::casework::ItemKey;

use crate::error::AppError;

/// "The first day" as it reads inside a sentence: "Enter the first day".
fn lower_first(label: &str) -> String {
    let mut chars = label.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A form's fields as sent, read with errors that name the field.
pub(crate) struct FormData(pub(crate) Vec<(String, String)>);

impl FormData {
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    pub(crate) fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.trim())
    }

    pub(crate) fn required(&self, name: &str, label: &str) -> Result<String, AppError> {
        match self.get(name) {
            "" => Err(AppError::BadRequest(format!(
                "Enter {}",
                lower_first(label)
            ))),
            v => Ok(v.to_owned()),
        }
    }

    pub(crate) fn date(&self, name: &str, label: &str) -> Result<Date, AppError> {
        let text = self.required(name, label)?;
        text.parse().map_err(|_| {
            AppError::BadRequest(format!(
                "{label} must be a real date, written like 2026-11-19 (not {:?})",
                crate::limits::prefix(&text)
            ))
        })
    }

    pub(crate) fn optional_date(&self, name: &str, label: &str) -> Result<Option<Date>, AppError> {
        match self.get(name) {
            "" => Ok(None),
            _ => self.date(name, label).map(Some),
        }
    }

    /// A time of day (`09:30`).
    pub(crate) fn time(&self, name: &str, label: &str) -> Result<jiff::civil::Time, AppError> {
        self.required(name, label)?;
        self.optional_time(name, label)
            .map(|t| t.unwrap_or(jiff::civil::Time::midnight()))
    }

    /// A time of day (`09:30`), or none if the field was left empty.
    pub(crate) fn optional_time(
        &self,
        name: &str,
        label: &str,
    ) -> Result<Option<jiff::civil::Time>, AppError> {
        match self.get(name) {
            "" => Ok(None),
            text => text.parse().map(Some).map_err(|_| {
                AppError::BadRequest(format!(
                    "{label} must be a real time of day, like 09:30 (not {:?})",
                    crate::limits::prefix(text)
                ))
            }),
        }
    }

    pub(crate) fn number<T: std::str::FromStr>(
        &self,
        name: &str,
        label: &str,
    ) -> Result<T, AppError> {
        let text = self.required(name, label)?;
        text.parse()
            .map_err(|_| AppError::BadRequest(format!("{label} must be a number (not {text:?})")))
    }

    /// Dates written one to a line or separated by commas.
    pub(crate) fn dates(&self, name: &str, label: &str) -> Result<Vec<Date>, AppError> {
        self.get(name)
            .split([',', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .enumerate()
            .map(|(i, t)| {
                t.parse().map_err(|_| {
                    AppError::BadRequest(format!(
                        "{label}, line {}: {t:?} is not a date (YYYY-MM-DD)",
                        i + 1
                    ))
                })
            })
            .collect()
    }

    /// Non-empty lines.
    pub(crate) fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Lines of `a | b | c`, each with exactly `n` parts.
    pub(crate) fn rows(
        &self,
        name: &str,
        label: &str,
        n: usize,
    ) -> Result<Vec<Vec<String>>, AppError> {
        self.lines(name)
            .into_iter()
            .enumerate()
            .map(|(i, line)| {
                let parts: Vec<String> = line.split('|').map(|p| p.trim().to_owned()).collect();
                if parts.len() == n && parts.iter().all(|p| !p.is_empty()) {
                    Ok(parts)
                } else {
                    Err(AppError::BadRequest(format!(
                        "{label}, line {}: write {n} parts separated by |",
                        i + 1
                    )))
                }
            })
            .collect()
    }

    /// Agreed actions, one a line: what | owner | YYYY-MM-DD.
    pub(crate) fn agreed_actions(
        &self,
        name: &str,
        label: &str,
    ) -> Result<Vec<AgreedAction>, AppError> {
        self.rows(name, label, 3)?
            .into_iter()
            .enumerate()
            .map(|(i, parts)| {
                let [what, owner, by]: [String; 3] = parts.try_into().map_err(|_| {
                    AppError::BadRequest(format!("{label}, line {}: three parts", i + 1))
                })?;
                let by = by.parse().map_err(|_| {
                    AppError::BadRequest(format!(
                        "{label}, line {}: the date must be a real date, written like 2026-11-19 (not {by:?})",
                        i + 1
                    ))
                })?;
                Ok(AgreedAction { what, owner, by })
            })
            .collect()
    }

    pub(crate) fn item(&self) -> Result<Option<ItemKey>, AppError> {
        match self.get("item") {
            "" => Ok(None),
            text => ItemKey::parse(text)
                .map(Some)
                .ok_or_else(|| AppError::BadRequest(format!("{text:?} is not a worklist item"))),
        }
    }
}

/// A form as the person filled it in and what is wrong with it, to show it again: GOV.UK's
/// pattern of a summary at the top, each message beside its field, and nothing typed lost.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    values: Vec<(String, String)>,
    errors: Vec<(&'static str, String)>,
}

impl Draft {
    /// A form as it was sent, or a fresh one with its starting values.
    pub(crate) fn of(values: Vec<(String, String)>) -> Draft {
        Draft {
            values,
            errors: Vec::new(),
        }
    }

    /// What the field holds.
    pub(crate) fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// What the field holds as sent, or on a fresh form `fresh`.
    pub(crate) fn value_or(&self, name: &str, fresh: impl std::fmt::Display) -> String {
        match self.values.is_empty() {
            true => fresh.to_string(),
            false => self.value(name).to_owned(),
        }
    }

    /// Whether a choice is the one selected; a fresh form leaves the browser's first.
    pub(crate) fn chose(&self, name: &str, option: &str) -> bool {
        self.value(name) == option
    }

    /// Whether a box was ticked with this value.
    pub(crate) fn ticked(&self, name: &str, value: &str) -> bool {
        self.values.iter().any(|(k, v)| k == name && v == value)
    }

    /// Whether a box is ticked: as sent, or on a fresh form `fresh`.
    pub(crate) fn checked(&self, name: &str, fresh: bool) -> bool {
        match self.values.is_empty() {
            true => fresh,
            false => self.ticked(name, "yes"),
        }
    }

    /// Notes what is wrong with a field; the first message for a field is the one shown.
    pub(crate) fn refuse(&mut self, field: &'static str, message: impl Into<String>) {
        if self.error(field).is_none() {
            self.errors.push((field, message.into()));
        }
    }

    /// The value a check found, or the check's message against the field.
    pub(crate) fn check<T>(
        &mut self,
        field: &'static str,
        checked: Result<T, AppError>,
    ) -> Option<T> {
        match checked {
            Ok(value) => Some(value),
            Err(error) => {
                self.refuse(field, crate::view::sentence(&error.to_string()));
                None
            }
        }
    }

    /// Keeps a refusal to show beside its field (or `otherwise`, when it names none); any
    /// other failure is passed on.
    pub(crate) fn take(
        &mut self,
        error: AppError,
        otherwise: &'static str,
    ) -> Result<(), AppError> {
        match error {
            AppError::Invalid { field, message } => self.refuse(field, message),
            AppError::Refused(errors) => {
                for e in errors {
                    self.refuse(e.field, e.message);
                }
            }
            AppError::BadRequest(message) => {
                self.refuse(otherwise, crate::view::sentence(&message))
            }
            other => return Err(other),
        }
        Ok(())
    }

    /// What is wrong with a field, if anything.
    pub(crate) fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, m)| m.as_str())
    }

    /// Every message, in the order of the fields.
    pub(crate) fn errors(&self) -> &[(&'static str, String)] {
        &self.errors
    }

    pub(crate) fn is_refused(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The refusal of every field found wrong, for an API to answer with; `None` if none was.
    pub(crate) fn refusal(&self) -> Option<AppError> {
        self.is_refused().then(|| {
            AppError::Refused(
                self.errors
                    .iter()
                    .map(|(field, message)| rollcall_core::admission::FieldError {
                        field,
                        message: message.clone(),
                    })
                    .collect(),
            )
        })
    }
}

/// The one form of a page that was sent and refused, to show again as it was sent.
#[derive(Debug, Default)]
pub(crate) struct Refused {
    /// The form's name on the page.
    pub form: String,
    pub draft: Draft,
}

/// A form not sent: fresh.
static FRESH: Draft = Draft {
    values: Vec::new(),
    errors: Vec::new(),
};

impl Refused {
    /// A form's draft: as sent if it is the one refused, otherwise fresh.
    pub(crate) fn draft(&self, form: &str) -> &Draft {
        match self.form == form {
            true => &self.draft,
            false => &FRESH,
        }
    }

    /// Whether `form` is the one refused, for the page to open it.
    pub(crate) fn is(&self, form: &str) -> bool {
        self.form == form
    }
}
