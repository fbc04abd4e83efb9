//! The learning-hours table of seed 001's letter 1 (annex 5) and seed 002's letters: what each
//! rate of attendance costs over a whole school year.

use rollcall_core::{MissedTime, Rate};

use crate::Table;

/// The rates the table has a row for.
const RATES: [u64; 7] = [100, 96, 95, 90, 85, 80, 75];

fn figure(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
}

/// The table for a school year of `school_days` with `hours_per_day` of learning, the row the
/// pupil's `rate` has reached picked out.
pub fn learning_hours(school_days: u64, hours_per_day: u32, rate: Option<Rate>) -> Table {
    let highlight = rate.and_then(|r| RATES.iter().position(|p| r.at_least(p * 100)));
    let rows = RATES
        .iter()
        .filter_map(|&p| {
            let missed = MissedTime::over_year(Rate::new(p, 100)?, school_days, hours_per_day);
            let off = missed.days();
            Some(vec![
                format!("{p}%"),
                figure(school_days as f64 - off),
                figure(off),
                figure(missed.weeks()),
                figure(missed.hours()),
            ])
        })
        .collect();
    Table {
        caption: format!("Learning missed over a school year of {school_days} days"),
        header: vec![
            "Attendance".into(),
            "Days in school".into(),
            "Days off school".into(),
            "Weeks off school".into(),
            "Learning hours lost".into(),
        ],
        rows,
        highlight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_of_190_days_at_5_hours() {
        // Seed 001 annex 5: 90% over 190 days is 19 days, 3.8 weeks, 95 hours.
        let table = learning_hours(190, 5, Rate::new(179, 200));
        assert_eq!(
            table.rows.get(3),
            Some(&vec![
                "90%".to_owned(),
                "171".into(),
                "19".into(),
                "3.8".into(),
                "95".into()
            ])
        );
        // 89.5% has reached the 85% row, not the 90% one.
        assert_eq!(table.highlight, Some(4));
        assert_eq!(learning_hours(190, 5, None).highlight, None);
    }
}
