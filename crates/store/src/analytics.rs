//! What the analytics read from the store, read once: the school's register and its pupils'
//! circumstances. The figures are `rollcall-analytics`'s.

use std::collections::HashMap;

use jiff::civil::Date;
use rollcall_analytics::{CohortReport, Cut, Period};
use rollcall_core::procedures::Flag;
use rollcall_core::{Calendar, DateRange, PupilId, Upn};

use crate::{FlagRecord, Result, SchoolId, Store};

/// A school's cohorts of a cut over a period up to `today`.
pub async fn cohort_report(
    store: &dyn Store,
    school: SchoolId,
    calendar: &Calendar,
    cut: Cut,
    period: Period,
    today: Date,
) -> Result<CohortReport> {
    let register = store.load_register(school).await?;
    let keys: HashMap<_, Upn> = store
        .pupils(school)
        .await?
        .into_iter()
        .map(|p| (p.key, p.pupil.upn))
        .collect();
    let mut flags: HashMap<Upn, Vec<FlagRecord>> = HashMap::new();
    for record in store.school_flags(school).await? {
        if let Some(upn) = keys.get(&record.pupil) {
            flags.entry(*upn).or_default().push(record);
        }
    }
    let circumstances = |id: PupilId, range: DateRange| -> Vec<Flag> {
        register
            .pupil(id)
            .and_then(|p| flags.get(&p.upn))
            .map(|records| {
                records
                    .iter()
                    .filter(|r| r.from <= range.last && r.until.is_none_or(|u| range.first <= u))
                    .map(|r| r.flag)
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(CohortReport::build(
        &register,
        calendar,
        cut,
        period,
        today,
        &circumstances,
    ))
}
