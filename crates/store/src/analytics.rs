//! What the analytics read from the store, read once: the school's register and its pupils'
//! circumstances. The figures are `rollcall-analytics`'s and the core's.

use std::collections::HashMap;

use jiff::civil::Date;
use rollcall_analytics::{CohortReport, Cut, Period};
use rollcall_core::procedures::Flag;
use rollcall_core::{Calendar, DateRange, PupilId, Register, Upn};

use crate::{FlagRecord, PupilKey, Result, SchoolId, Store};

/// A school's register and each pupil's circumstances, for the analytics.
pub struct SchoolData {
    /// The register, every year held.
    pub register: Register,
    flags: HashMap<Upn, Vec<FlagRecord>>,
    keys: HashMap<Upn, PupilKey>,
}

impl SchoolData {
    /// Reads a school's data.
    pub async fn load(store: &dyn Store, school: SchoolId) -> Result<SchoolData> {
        let register = store.load_register(school).await?;
        let keys: HashMap<Upn, PupilKey> = store
            .pupils(school)
            .await?
            .into_iter()
            .map(|p| (p.pupil.upn, p.key))
            .collect();
        let upns: HashMap<PupilKey, Upn> = keys.iter().map(|(u, k)| (*k, *u)).collect();
        let mut flags: HashMap<Upn, Vec<FlagRecord>> = HashMap::new();
        for record in store.school_flags(school).await? {
            if let Some(upn) = upns.get(&record.pupil) {
                flags.entry(*upn).or_default().push(record);
            }
        }
        Ok(SchoolData {
            register,
            flags,
            keys,
        })
    }

    /// The stored pupil behind a place in the register.
    pub fn key_of(&self, id: PupilId) -> Option<PupilKey> {
        self.keys.get(&self.register.pupil(id)?.upn).copied()
    }

    /// The circumstances recorded for a pupil at any time in a range.
    pub fn circumstances(&self, id: PupilId, range: DateRange) -> Vec<Flag> {
        self.register
            .pupil(id)
            .and_then(|p| self.flags.get(&p.upn))
            .map(|records| {
                records
                    .iter()
                    .filter(|r| r.from <= range.last && r.until.is_none_or(|u| range.first <= u))
                    .map(|r| r.flag)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The school's cohorts of a cut over a period up to `today`.
    pub fn cohort_report(
        &self,
        calendar: &Calendar,
        cut: Cut,
        period: Period,
        today: Date,
    ) -> CohortReport {
        CohortReport::build(
            &self.register,
            calendar,
            cut,
            period,
            today,
            &|id, range| self.circumstances(id, range),
        )
    }
}

/// A school's cohorts of a cut over a period up to `today`, read from the store.
pub async fn cohort_report(
    store: &dyn Store,
    school: SchoolId,
    calendar: &Calendar,
    cut: Cut,
    period: Period,
    today: Date,
) -> Result<CohortReport> {
    Ok(SchoolData::load(store, school)
        .await?
        .cohort_report(calendar, cut, period, today))
}
