//! A cohort report: a cut over a period against the same period last year, with every figure
//! of a cohort and its gap to all pupils; and the same as CSV, which the page, the API and the
//! command line all give.

use jiff::civil::Date;
use rollcall_core::{Calendar, DateRange, GroupSummary, Rate, Register};

use crate::cohorts::{CircumstancesOf, CohortRow, Cut, cohort_table, gap, points};
use crate::period::{Period, last_year};

/// A cut over a period.
#[derive(Debug, Clone)]
pub struct CohortReport {
    /// The cut.
    pub cut: Cut,
    /// The period.
    pub period: Period,
    /// Its dates.
    pub range: DateRange,
    /// The same dates last year.
    pub last_year: DateRange,
    /// All pupils.
    pub all: CohortRow,
    /// Each cohort, in order.
    pub rows: Vec<CohortRow>,
    /// The fewest pupils a cohort shown has, once small cohorts are suppressed.
    pub fewest: Option<u64>,
}

/// The number of columns a cohort's line has.
pub const WIDTH: usize = 16;

/// How each column is computed, for the page to say.
pub const DEFINITIONS: [(&str, &str); 7] = [
    (
        "Attendance",
        "sessions attended (present, late before the register closed, or at an approved educational activity) ÷ possible sessions",
    ),
    (
        "Authorised",
        "sessions of authorised absence ÷ possible sessions",
    ),
    (
        "Unauthorised",
        "sessions of unauthorised absence ÷ possible sessions",
    ),
    (
        "Late",
        "sessions marked L (late before the register closed: present) and U (late after it closed: unauthorised absence)",
    ),
    (
        "Persistent absence",
        "pupils who missed 10% or more of their own possible sessions ÷ pupils with possible sessions (DfE)",
    ),
    (
        "Severe absence",
        "pupils who missed 50% or more of their own possible sessions ÷ pupils with possible sessions (DfE)",
    ),
    (
        "Gap and change",
        "percentage points: the cohort's attendance less all pupils', and less the cohort's own over the same dates last year",
    ),
];

impl CohortReport {
    /// The report of a cut over a period up to `today`. `circumstances` gives what applied to
    /// a pupil during a range.
    pub fn build(
        register: &Register,
        calendar: &Calendar,
        cut: Cut,
        period: Period,
        today: Date,
        circumstances: CircumstancesOf<'_>,
    ) -> CohortReport {
        let range = period.range(calendar, today);
        let before = last_year(range);
        let all = cohort_table(register, Cut::All, range, before, circumstances)
            .into_iter()
            .next()
            .unwrap_or_else(|| CohortRow {
                cohort: "All pupils".to_owned(),
                now: GroupSummary::new((0, "All pupils".to_owned())),
                last_year: None,
                suppressed: false,
            });
        CohortReport {
            cut,
            period,
            range,
            last_year: before,
            rows: cohort_table(register, cut, range, before, circumstances),
            all,
            fewest: None,
        }
    }

    /// Withholds the figures of every cohort (all pupils included) of fewer than `fewest`
    /// pupils this period or last year, as the DfE suppresses small counts ("c"), for those who
    /// may not see pupils. A cut's cohorts add up to all pupils, so one cohort withheld alone
    /// could be worked out from the others: the next smallest is withheld with it (secondary
    /// suppression).
    pub fn suppress(&mut self, fewest: u64) {
        let small = |row: &CohortRow| {
            row.now.pupils < fewest || row.last_year.as_ref().is_some_and(|l| l.pupils < fewest)
        };
        for row in std::iter::once(&mut self.all).chain(self.rows.iter_mut()) {
            row.suppressed = small(row);
        }
        let withheld = self.rows.iter().filter(|r| r.suppressed).count();
        if self.cut != Cut::All && !self.all.suppressed && withheld == 1 {
            let next = self
                .rows
                .iter_mut()
                .filter(|r| !r.suppressed)
                .min_by_key(|r| r.now.pupils);
            if let Some(next) = next {
                next.suppressed = true;
            }
        }
        self.fewest = Some(fewest);
    }

    /// A cohort's attendance less all pupils', in hundredths of a point.
    pub fn gap_to_all(&self, row: &CohortRow) -> Option<i64> {
        gap(
            row.now.tally.attendance_rate(),
            self.all.now.tally.attendance_rate(),
        )
    }

    /// The columns of the CSV.
    pub const COLUMNS: [&str; WIDTH] = [
        "cohort",
        "pupils",
        "possible_sessions",
        "attendance_pct",
        "gap_to_all_pts",
        "authorised_pct",
        "unauthorised_pct",
        "late_before_close",
        "late_after_close",
        "persistent_absentees",
        "persistent_pct",
        "severe_absentees",
        "severe_pct",
        "last_year_pupils",
        "last_year_attendance_pct",
        "change_pts",
    ];

    /// A cohort's line, as the CSV and the API give it.
    pub fn line(&self, row: &CohortRow) -> [String; WIDTH] {
        if row.suppressed {
            return std::array::from_fn(|i| match i {
                0 => row.cohort.clone(),
                1 => format!("fewer than {}", self.fewest.unwrap_or_default()),
                _ => "c".to_owned(),
            });
        }
        let pct = |r: Option<Rate>| r.map(|r| r.to_string()).unwrap_or_default();
        let pts = |g: Option<i64>| g.map(points).unwrap_or_default();
        let now = &row.now;
        let before = row.last_year.as_ref();
        [
            row.cohort.clone(),
            now.pupils.to_string(),
            now.tally.possible.to_string(),
            pct(now.tally.attendance_rate()),
            pts(self.gap_to_all(row)),
            pct(now.tally.authorised_rate()),
            pct(now.tally.unauthorised_rate()),
            now.tally.late_before_close.to_string(),
            now.tally.late_after_close.to_string(),
            now.persistent.to_string(),
            pct(now.persistent_rate()),
            now.severe.to_string(),
            pct(now.severe_rate()),
            before.map(|b| b.pupils.to_string()).unwrap_or_default(),
            pct(before.and_then(|b| b.tally.attendance_rate())),
            pts(before.and_then(|b| gap(now.tally.attendance_rate(), b.tally.attendance_rate()))),
        ]
    }

    /// All pupils, then each cohort.
    pub fn lines(&self) -> impl Iterator<Item = [String; WIDTH]> + '_ {
        std::iter::once(&self.all)
            .chain(self.rows.iter().filter(|_| self.cut != Cut::All))
            .map(|row| self.line(row))
    }

    /// The report as CSV.
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        to_csv(&CohortReport::COLUMNS, self.lines())
    }
}

/// A table as CSV: its columns, then each row.
pub fn to_csv<R: AsRef<[String]>>(
    columns: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(columns)?;
    for row in rows {
        out.write_record(row.as_ref())?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
