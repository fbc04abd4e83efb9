//! What the analytics read from the store, read once: the school's register, its pupils'
//! circumstances and, for a cut by it, their vulnerability ratings. The figures are
//! `rollcall-analytics`'s and the core's.

use std::collections::HashMap;

use jiff::civil::{Date, DateTime};
use rollcall_analytics::caseload::Step;
use rollcall_analytics::{CohortReport, Cut, Period, cohorts::Circumstances};
use rollcall_core::{Calendar, DateRange, EntryKind, Policy, PupilId, Rating, Register, Upn};

use crate::casebook::Casebook;
use crate::{FlagRecord, PupilKey, Result, SchoolId, Store};

/// A school's register and each pupil's circumstances, for the analytics.
pub struct SchoolData {
    /// The register, every year held.
    pub register: Register,
    flags: HashMap<Upn, Vec<FlagRecord>>,
    keys: HashMap<Upn, PupilKey>,
    ratings: HashMap<Upn, Rating>,
}

impl SchoolData {
    /// Reads a school's data.
    pub async fn load(store: &dyn Store, school: SchoolId) -> Result<SchoolData> {
        let (register, in_order) = store.load_register_keyed(school).await?;
        let keys: HashMap<Upn, PupilKey> = register
            .pupils()
            .iter()
            .zip(in_order)
            .map(|(p, key)| (p.upn, key))
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
            ratings: HashMap::new(),
        })
    }

    /// Reads what a cut needs: the ratings only for a cut by them, as they need every case
    /// file.
    pub async fn load_for(
        store: &dyn Store,
        school: SchoolId,
        policy: &Policy,
        cut: Cut,
        now: DateTime,
    ) -> Result<SchoolData> {
        let mut data = SchoolData::load(store, school).await?;
        if cut == Cut::Vulnerability {
            let book = Casebook::school(store, school, now.date()).await?;
            data.ratings = data
                .keys
                .iter()
                .filter_map(|(upn, key)| {
                    let (rating, _) = book.standing(*key, policy, now).rating?;
                    Some((*upn, rating))
                })
                .collect();
        }
        Ok(data)
    }

    /// The stored pupil behind a place in the register.
    pub fn key_of(&self, id: PupilId) -> Option<PupilKey> {
        self.keys.get(&self.register.pupil(id)?.upn).copied()
    }

    /// The circumstances recorded for a pupil at any time in a range, and their rating if read.
    pub fn circumstances(&self, id: PupilId, range: DateRange) -> Circumstances {
        let Some(upn) = self.register.pupil(id).map(|p| p.upn) else {
            return Circumstances::default();
        };
        Circumstances {
            flags: self
                .flags
                .get(&upn)
                .into_iter()
                .flatten()
                .filter(|r| r.from <= range.last && r.until.is_none_or(|u| range.first <= u))
                .map(|r| r.flag)
                .collect(),
            rating: self.ratings.get(&upn).copied(),
        }
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

/// A school's cohorts of a cut over a period up to `now`, read from the store.
pub async fn cohort_report(
    store: &dyn Store,
    school: SchoolId,
    policy: &Policy,
    cut: Cut,
    period: Period,
    now: DateTime,
) -> Result<CohortReport> {
    Ok(SchoolData::load_for(store, school, policy, cut, now)
        .await?
        .cohort_report(&policy.calendar, cut, period, now.date()))
}

/// The steps of the graduated response taken for each pupil of a casebook (the chronology's
/// entries that complete a stage's, a band's or the early warning's item), for measuring their
/// impact. A dismissal, an unanswered call or a letter printed but not sent is not a step.
pub fn graduated_steps(book: &Casebook) -> Vec<Step> {
    let register = book.register();
    register
        .ids()
        .filter_map(|id| book.record(id).map(|r| (id, r.key)))
        .flat_map(|(id, key)| {
            book.chronology(key).iter().filter_map(move |e| {
                let item = e.item.as_ref()?;
                let family = item.rule.split('.').next()?;
                let counted = !matches!(
                    e.kind,
                    EntryKind::Dismissed | EntryKind::NoAnswer | EntryKind::LetterPrinted
                ) && matches!(family, "stage" | "band" | "early_warning");
                counted.then(|| Step {
                    pupil: id,
                    rule: item.rule.clone(),
                    on: e.at.date(),
                })
            })
        })
        .collect()
}
