//! The Analysis page's tables as data: each is shown on the page and downloaded as CSV from the
//! same rows, so the file is always what the page says.

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

/// A table as the API gives it: the page's own columns and rows.
#[derive(Serialize, ToSchema)]
pub(crate) struct TableBody {
    /// Its name: `weeks`.
    id: String,
    /// What it shows.
    caption: String,
    columns: Vec<String>,
    /// Each row, its first cell heading it.
    rows: Vec<Vec<String>>,
}

/// Tables as the API gives them.
#[derive(Serialize, ToSchema)]
pub(crate) struct Tables {
    /// The first day of the period.
    pub(crate) from: String,
    /// The last.
    pub(crate) to: String,
    pub(crate) tables: Vec<TableBody>,
}

impl From<&Table> for TableBody {
    fn from(t: &Table) -> TableBody {
        TableBody {
            id: t.id.to_owned(),
            caption: t.caption.clone(),
            columns: t.columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: t.rows.iter().map(|r| r.cells.clone()).collect(),
        }
    }
}

/// A table: its columns and rows, the first cell of each row heading it.
pub(crate) struct Table {
    /// Its name in the CSV's address: `weeks`.
    pub(crate) id: &'static str,
    /// What it shows, for the caption.
    pub(crate) caption: String,
    pub(crate) columns: Vec<&'static str>,
    pub(crate) rows: Vec<Row>,
    /// The column coloured by a row's band: its attendance.
    pub(crate) band_column: Option<usize>,
}

/// A row, with where its heading leads (a pupil's page, the pupils of a cohort).
pub(crate) struct Row {
    pub(crate) cells: Vec<String>,
    pub(crate) link: Option<String>,
    /// The attendance band a row's attendance is in: its colour's CSS class, and its name in
    /// the school's policy (the colour is never the only sign).
    pub(crate) band: Option<(&'static str, String)>,
}

impl Row {
    pub(crate) fn new(cells: Vec<String>) -> Row {
        Row {
            cells,
            link: None,
            band: None,
        }
    }

    pub(crate) fn linked(mut self, link: String) -> Row {
        self.link = Some(link);
        self
    }
}

/// The band a rate is in under a school's policy: its colour's class and its name.
pub(crate) fn band(
    policy: &rollcall_core::Policy,
    rate: Option<rollcall_core::Rate>,
) -> Option<(&'static str, String)> {
    let bands = &policy.procedures.bands;
    let found = policy.procedures.band_of(rate?)?;
    let place = bands.iter().position(|b| std::ptr::eq(b, found))?;
    Some((band_class(place, bands.len()), found.name.clone()))
}

impl Table {
    /// Whether a column is coloured by its row's band.
    pub(crate) fn banded(&self, column: &usize) -> bool {
        self.band_column == Some(*column)
    }

    /// The table as CSV: its columns, then each row.
    pub(crate) fn to_csv(&self) -> Result<String, AppError> {
        rollcall_analytics::report::to_csv(&self.columns, self.rows.iter().map(|r| &r.cells))
            .map_err(|e| AppError::Internal(e.to_string()))
    }
}

/// The CSS class of a band's place among `count` bands: the best green, the worst red, and
/// those between amber or yellow.
fn band_class(place: usize, count: usize) -> &'static str {
    match (place, count) {
        (0, _) => "band-good",
        (p, n) if p + 1 >= n => "band-poor",
        (1, n) if n > 3 => "band-fair",
        _ => "band-warn",
    }
}

#[cfg(test)]
mod tests {
    use super::band_class;

    #[test]
    fn bands_are_coloured_best_to_worst() {
        // Seed 002's four traffic lights: green, yellow, amber, red.
        let four: Vec<&str> = (0..4).map(|p| band_class(p, 4)).collect();
        assert_eq!(four, ["band-good", "band-fair", "band-warn", "band-poor"]);
        let three: Vec<&str> = (0..3).map(|p| band_class(p, 3)).collect();
        assert_eq!(three, ["band-good", "band-warn", "band-poor"]);
        assert_eq!(band_class(0, 1), "band-good");
    }
}
