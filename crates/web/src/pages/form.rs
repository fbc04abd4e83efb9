//! A posted form's fields, read by name with the errors a person can act on ("The meeting's
//! date is not a date").

use jiff::civil::Date;
use rollcall_core::casework::ItemKey;

use crate::error::AppError;

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
            "" => Err(AppError::BadRequest(format!("{label} is required"))),
            v => Ok(v.to_owned()),
        }
    }

    pub(crate) fn date(&self, name: &str, label: &str) -> Result<Date, AppError> {
        let text = self.required(name, label)?;
        text.parse().map_err(|_| {
            AppError::BadRequest(format!("{label}: {text:?} is not a date (YYYY-MM-DD)"))
        })
    }

    pub(crate) fn optional_date(&self, name: &str, label: &str) -> Result<Option<Date>, AppError> {
        match self.get(name) {
            "" => Ok(None),
            _ => self.date(name, label).map(Some),
        }
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
                    "{label}: {:?} is not a time of day, like 09:30",
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
            .map_err(|_| AppError::BadRequest(format!("{label}: {text:?} is not a number")))
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

    pub(crate) fn item(&self) -> Result<Option<ItemKey>, AppError> {
        match self.get("item") {
            "" => Ok(None),
            text => ItemKey::parse(text)
                .map(Some)
                .ok_or_else(|| AppError::BadRequest(format!("{text:?} is not a worklist item"))),
        }
    }
}
