//! Synthetic schools for demonstrations, tests and benchmarks.
//!
//! A generated school has a realistic roll (names, dates of birth, characteristics, joiners and
//! leavers) and a year of marks calibrated to the national picture for 2023/24: overall absence
//! 7.1%, persistent absence 20.0%, severe absence 2.3% (statutory.md §5.1). Most pupils attend
//! well; a tail is persistently absent and a few severely; there are illness spells, term-time
//! holidays, lates before and after the register closes, trips and other approved activities,
//! dual registration, part-time timetables, suspensions and `N` codes awaiting reasons.
//!
//! Generation is deterministic for a seed, whatever the number of threads.

mod calendar;
mod last_year;
mod names;

use jiff::civil::{Date, date};
use rollcall_core::calendar::CalendarError;
use rollcall_core::policy::PolicyError;
use rollcall_core::register::DuplicatePupil;
use rollcall_core::{
    AcademicYear, Calendar, Code, Day, LaEstab, Phase, Policy, Pupil, PupilId, Register,
    RegisterBuilder, Roll, School, SenStatus, Session, SessionTimes, Sessions, Sex, Slot, Target,
    Upn, Urn, YearGroup,
};
use rustc_hash::FxHashMap;
use thiserror::Error;

pub use calendar::{easter_sunday, english_school_year};
pub use last_year::{copy_marks, with_last_year};

/// Why a school could not be generated: each is a fault in the generator, caught by its tests.
#[derive(Debug, Error)]
pub enum DemoError {
    /// The generated calendar was refused.
    #[error("the generated calendar is not valid: {0}")]
    Calendar(#[from] CalendarError),
    /// The generated policy was refused.
    #[error("the generated policy is not valid: {0}")]
    Policy(#[from] PolicyError),
    /// Two generated pupils share a UPN.
    #[error("the generated roll is not valid: {0}")]
    Roll(#[from] DuplicatePupil),
    /// A session was generated twice.
    #[error("a session of pupil {0} was generated twice")]
    Duplicate(PupilId),
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// How many pupils, across all schools.
    pub pupils: u32,
    /// The random seed: the same seed gives the same school.
    pub seed: u64,
    /// The academic year.
    pub year: AcademicYear,
    /// Marks run to the end of this date; the whole year when `None`.
    pub through: Option<Date>,
}

/// A generated school (or, for large rolls, a local authority's schools sharing one calendar).
#[derive(Debug)]
pub struct DemoSchool {
    /// The policy: school details, register times, target and calendar.
    pub policy: Policy,
    /// The pupils and their marks.
    pub register: Register,
}

/// Rolls above this size are split into several schools of one local authority.
const ONE_SCHOOL_LIMIT: u32 = 1_500;
/// The local authority number the demo's UPNs and schools use.
const DEMO_LA: u16 = 801;

/// A school of the demo: its number, phase and year groups.
#[derive(Debug, Clone)]
struct DemoEstab {
    estab: u16,
    secondary: bool,
    /// Pupils per year group.
    per_year: u32,
}

impl DemoEstab {
    fn years(&self) -> std::ops::RangeInclusive<i8> {
        if self.secondary { 7..=11 } else { 0..=6 }
    }

    fn size(&self) -> u32 {
        self.per_year * u32::try_from(self.years().count()).unwrap_or(0)
    }
}

fn schools_for(pupils: u32) -> Vec<DemoEstab> {
    if pupils <= ONE_SCHOOL_LIMIT {
        let secondary = pupils > 700;
        let years = if secondary { 5 } else { 7 };
        return vec![DemoEstab {
            estab: if secondary { 4000 } else { 2000 },
            secondary,
            per_year: pupils.div_ceil(years),
        }];
    }
    // Three two-form primaries to each secondary of 200 a year, as in a typical authority.
    let mut schools = Vec::new();
    let mut total = 0;
    let mut i = 0u16;
    while total < pupils {
        let secondary = i % 4 == 3;
        let school = DemoEstab {
            estab: if secondary { 4000 + i } else { 2000 + i },
            secondary,
            per_year: if secondary { 200 } else { 60 },
        };
        total += school.size();
        schools.push(school);
        i += 1;
    }
    schools
}

/// Generates a school.
pub fn generate(config: &DemoConfig) -> Result<DemoSchool, DemoError> {
    let policy = demo_policy(config)?;
    let schools = schools_for(config.pupils);
    let pupils = make_pupils(config, &schools);
    let roll = Roll::new(pupils.iter().map(|p| p.pupil.clone()).collect())?;
    let mut builder = RegisterBuilder::new(&roll);
    let world = World::new(config, &policy.calendar, &schools);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    const CHUNK: usize = 1_000;
    let chunks: Vec<&[DemoPupil]> = pupils.chunks(CHUNK).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| -> Result<(), DemoError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(threads * 2);
        for _ in 0..threads {
            let (tx, next, chunks, world) = (tx.clone(), &next, &chunks, &world);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(chunk) = chunks.get(i) else { return };
                    let marks: Vec<(PupilId, Vec<GeneratedMark>)> =
                        chunk.iter().map(|p| (p.id, world.marks_for(p))).collect();
                    if tx.send(marks).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        for chunk in rx {
            for (id, marks) in chunk {
                for (slot, code, minutes) in marks {
                    builder
                        .insert(id, slot, code, minutes)
                        .map_err(|_| DemoError::Duplicate(id))?;
                }
            }
        }
        Ok(())
    })?;
    Ok(DemoSchool {
        policy,
        register: builder.finish(roll),
    })
}

/// The demo's policy: typical register times, a 96% target and the year's calendar.
fn demo_policy(config: &DemoConfig) -> Result<Policy, DemoError> {
    let t = |h, m| jiff::civil::time(h, m, 0, 0);
    let (terms, closures) = english_school_year(config.year);
    let calendar = Calendar::from_terms(terms, closures)?;
    let single = config.pupils <= ONE_SCHOOL_LIMIT;
    let schools = schools_for(config.pupils);
    let school = School {
        name: if single {
            "Rollcall Demo School".to_owned()
        } else {
            format!("Rollcall Demo Authority ({} schools)", schools.len())
        },
        urn: single.then(|| Urn::parse("199999").ok()).flatten(),
        la_estab: schools
            .first()
            .filter(|_| single)
            .and_then(|s| LaEstab::parse(&format!("{DEMO_LA}{:04}", s.estab)).ok()),
        phone: Some("01632 960 100".to_owned()),
        phase: Some(Phase::Primary),
    };
    let am = SessionTimes::new(Session::Am, t(8, 45), None, t(9, 15), t(12, 15))?;
    let pm = SessionTimes::new(Session::Pm, t(13, 15), None, t(13, 45), t(15, 15))?;
    Ok(Policy::new(
        school,
        am,
        pm,
        Some(Target::from_hundredths(9600)?),
        calendar,
    )?)
}

/// A pupil with what the generator needs to know about them.
#[derive(Debug, Clone)]
struct DemoPupil {
    id: PupilId,
    pupil: Pupil,
    school: usize,
    /// Share of possible sessions this pupil tends to miss.
    absence: f64,
    /// Chance of arriving late on a morning they attend.
    lateness: f64,
    seed: u64,
}

/// SplitMix64: turns (seed, index) into independent seeds.
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<'a>(rng: &mut fastrand::Rng, list: &[&'a str]) -> &'a str {
    list.get(rng.usize(..list.len()))
        .copied()
        .unwrap_or_default()
}

/// A share of absence: most pupils attend well, a tail is persistently absent and a few are
/// severely absent. Tuned so that the year comes out near the national figures.
fn absence_propensity(rng: &mut fastrand::Rng) -> f64 {
    let u = rng.f64();
    if u < 0.022 {
        0.5 + 0.4 * rng.f64()
    } else if u < 0.022 + 0.18 {
        0.085 + 0.13 * rng.f64().powi(2)
    } else {
        (-rng.f64().max(1e-9).ln() * 0.011).min(0.14)
    }
}

fn make_pupils(config: &DemoConfig, schools: &[DemoEstab]) -> Vec<DemoPupil> {
    let year = config.year;
    let mut pupils = Vec::with_capacity(usize::try_from(config.pupils).unwrap_or(0));
    let (first_day, last_day) = (year.first_day(), year.last_day());
    let span_days =
        i32::try_from(last_day.duration_since(first_day).as_hours() / 24).unwrap_or(365);
    'schools: for (s, school) in schools.iter().enumerate() {
        for y in school.years() {
            let forms = school.per_year.div_ceil(30).max(1);
            for n in 0..school.per_year {
                let index = pupils.len();
                if index >= usize::try_from(config.pupils).unwrap_or(0) {
                    break 'schools;
                }
                let seed = mix(config.seed, index as u64);
                let mut rng = fastrand::Rng::with_seed(seed);
                let sex = if rng.bool() { Sex::Female } else { Sex::Male };
                let forename = pick(
                    &mut rng,
                    if sex == Sex::Female {
                        names::GIRLS
                    } else {
                        names::BOYS
                    },
                );
                let surname = pick(&mut rng, names::SURNAMES);
                // Born in the year that puts them in year group y.
                let born_from = date(year.0 - i16::from(y) - 5, 9, 1);
                let dob = Day::of(born_from).plus(rng.i32(0..365)).date();
                let fsm = rng.f64() < 0.24;
                let eal = rng.f64() < 0.21;
                let sen = match rng.f64() {
                    u if u < 0.048 => SenStatus::Ehcp,
                    u if u < 0.048 + 0.136 => SenStatus::Support,
                    _ => SenStatus::None,
                };
                let letter = char::from(b'A' + u8::try_from(n % forms).unwrap_or(0));
                let year_group = if y == 0 {
                    YearGroup::RECEPTION
                } else {
                    YearGroup::year(y).unwrap_or(YearGroup::RECEPTION)
                };
                let reg_group = format!("{year_group}{letter}");
                // Year 11 leave after their exams; about one pupil in thirty joins during the
                // year, and as many leave.
                let year_end = if y == 11 {
                    date(year.0 + 1, 6, 26)
                } else {
                    last_day
                };
                let days_on_roll =
                    i32::try_from(year_end.duration_since(first_day).as_hours() / 24)
                        .unwrap_or(span_days);
                let mut entry_date = None;
                let mut leaving_date = (y == 11).then_some(year_end);
                match rng.f64() {
                    u if u < 0.035 => {
                        entry_date = Some(
                            Day::of(first_day)
                                .plus(rng.i32(20..days_on_roll - 60))
                                .date(),
                        );
                    }
                    u if u < 0.07 => {
                        leaving_date = Some(
                            Day::of(first_day)
                                .plus(rng.i32(40..days_on_roll - 40))
                                .date(),
                        );
                    }
                    _ => {}
                }
                let serial = u16::try_from(index % 1000).unwrap_or(0);
                let allocated = (year.0 - i16::from(y) + 1).rem_euclid(100);
                let rest = format!("{DEMO_LA:03}{:04}{allocated:02}{serial:03}", school.estab);
                let Some(upn) = Upn::issue(&rest) else {
                    continue;
                };
                let mut absence = absence_propensity(&mut rng);
                if fsm {
                    absence *= 1.35;
                }
                absence *= match sen {
                    SenStatus::Ehcp => 1.5,
                    SenStatus::Support => 1.2,
                    SenStatus::None => 1.0,
                };
                if school.secondary {
                    absence *= 1.25;
                }
                let lateness = if rng.f64() < 0.1 {
                    0.08 + 0.1 * rng.f64()
                } else {
                    0.015 * rng.f64()
                };
                pupils.push(DemoPupil {
                    id: PupilId(u32::try_from(index).unwrap_or(u32::MAX)),
                    pupil: Pupil {
                        upn,
                        legal_surname: surname.to_owned(),
                        legal_forename: forename.to_owned(),
                        preferred_forename: None,
                        date_of_birth: dob,
                        sex,
                        year_group,
                        reg_group,
                        entry_date,
                        leaving_date,
                        fsm,
                        eal,
                        // FSM6: everyone eligible now, and some who were in the last six years.
                        pupil_premium: fsm || rng.f64() < 0.08,
                        sen,
                        school: (schools.len() > 1)
                            .then(|| LaEstab::parse(&format!("{DEMO_LA}{:04}", school.estab)).ok())
                            .flatten(),
                    },
                    school: s,
                    absence: absence.min(0.95),
                    lateness,
                    seed,
                });
            }
        }
    }
    pupils
}

type GeneratedMark = (Slot, Code, Option<u16>);

/// What is shared by every pupil's generation: the school days and the events of each school.
struct World {
    /// School days up to the last date to generate.
    days: Vec<Day>,
    /// Sessions closed by the calendar within term (INSET days, bank holidays), marked `#`.
    closed: Vec<(Day, Sessions)>,
    /// Per school: a day the site closed unexpectedly (snow), if any.
    snow_day: Vec<Option<Day>>,
    /// Per registration group: trip days.
    trips: FxHashMap<(usize, String), Vec<Day>>,
    /// Eid al-Fitr, when it falls on a school day.
    eid: Option<Day>,
    /// Days whose unexplained absences are still `N` (the last five school days generated).
    recent_from: Day,
    /// The first school day of the summer term's second half.
    work_experience: Option<Day>,
    last: Day,
}

impl World {
    fn new(config: &DemoConfig, calendar: &Calendar, schools: &[DemoEstab]) -> World {
        let span = calendar.span();
        let last = match (span, config.through) {
            (Some(span), Some(through)) => Day::of(span.last.min(through)),
            (Some(span), None) => Day::of(span.last),
            (None, _) => Day(0),
        };
        let days: Vec<Day> = span
            .map(|s| {
                (Day::of(s.first).0..=last.0)
                    .map(Day)
                    .filter(|&d| calendar.is_school_day_number(d))
                    .collect()
            })
            .unwrap_or_default();
        let closed = calendar
            .closures()
            .iter()
            .map(|c| (Day::of(c.date), c.sessions))
            .filter(|(d, _)| *d <= last)
            .collect();
        let mut rng = fastrand::Rng::with_seed(mix(config.seed, u64::MAX));
        let winter: Vec<Day> = days
            .iter()
            .copied()
            .filter(|d| matches!(d.date().month(), 1 | 2))
            .collect();
        let snow_day = schools
            .iter()
            .map(|_| {
                (rng.f64() < 0.4)
                    .then(|| winter.get(rng.usize(..winter.len().max(1))).copied())
                    .flatten()
            })
            .collect();
        let mut trips = FxHashMap::default();
        for (s, school) in schools.iter().enumerate() {
            for y in school.years() {
                for f in 0..school.per_year.div_ceil(30).max(1) {
                    let year_group = if y == 0 {
                        "R".to_owned()
                    } else {
                        y.to_string()
                    };
                    let group = format!(
                        "{year_group}{}",
                        char::from(b'A' + u8::try_from(f).unwrap_or(0))
                    );
                    let chosen = (0..3)
                        .filter_map(|_| days.get(rng.usize(..days.len().max(1))).copied())
                        .collect();
                    trips.insert((s, group), chosen);
                }
            }
        }
        // Eid al-Fitr moves about eleven days earlier each year; 20 March in 2026.
        let eid_guess = Day::of(date(2026, 3, 20))
            .plus(((i32::from(config.year.0) - 2025) as f64 * -10.9).round() as i32);
        let eid = days
            .iter()
            .copied()
            .find(|&d| d.0 >= eid_guess.0 && d.0 < eid_guess.0 + 3);
        let recent_from = days.iter().rev().nth(4).copied().unwrap_or(Day(i32::MAX));
        let work_experience = days
            .iter()
            .copied()
            .find(|d| d.date() >= date(config.year.0 + 1, 6, 29));
        World {
            days,
            closed,
            snow_day,
            trips,
            eid,
            recent_from,
            work_experience,
            last,
        }
    }

    /// A pupil's marks for the year.
    fn marks_for(&self, p: &DemoPupil) -> Vec<GeneratedMark> {
        let mut rng = fastrand::Rng::with_seed(mix(p.seed, 1));
        let pupil = &p.pupil;
        let on_roll = |d: Day| pupil.on_roll(d.date()) && d <= self.last;
        let days: Vec<Day> = self.days.iter().copied().filter(|&d| on_roll(d)).collect();
        let mut plan: FxHashMap<Day, [Option<Code>; 2]> = FxHashMap::default();
        let both = |plan: &mut FxHashMap<Day, [Option<Code>; 2]>, d: Day, code: Code| {
            plan.insert(d, [Some(code), Some(code)]);
        };
        let random_day =
            |rng: &mut fastrand::Rng| days.get(rng.usize(..days.len().max(1))).copied();
        let year = pupil.year_group.number();
        let secondary = year >= 7;

        // Trips for the registration group.
        if let Some(trip_days) = self.trips.get(&(p.school, pupil.reg_group.clone())) {
            for &d in trip_days {
                both(&mut plan, d, Code::Visit);
            }
        }
        if let Some(Some(d)) = self.snow_day.get(p.school) {
            both(&mut plan, *d, Code::UnexpectedClosure);
        }
        // A term-time holiday for about one family in ten; a few are granted as exceptional.
        if rng.f64() < 0.10 && !days.is_empty() {
            let start = rng.usize(..days.len());
            let length = if rng.f64() < 0.3 { 10 } else { 5 };
            let code = if rng.f64() < 0.12 {
                Code::ExceptionalLeave
            } else {
                Code::Holiday
            };
            for &d in days.iter().skip(start).take(length) {
                both(&mut plan, d, code);
            }
        }
        // A long illness for a few: the sickness return.
        if rng.f64() < 0.008 && !days.is_empty() {
            let start = rng.usize(..days.len());
            for &d in days.iter().skip(start).take(rng.usize(10..25)) {
                both(&mut plan, d, Code::Illness);
            }
        }
        // A child missing education: gone, and never found.
        if rng.f64() < 0.0015 && days.len() > 40 {
            let start = rng.usize(days.len() / 2..days.len());
            for &d in days.iter().skip(start) {
                let code = if d >= self.recent_from {
                    Code::ReasonNotEstablished
                } else {
                    Code::OtherUnauthorised
                };
                both(&mut plan, d, code);
            }
        }
        // Medical appointments, usually for half a day.
        for _ in 0..rng.usize(0..3) {
            if let Some(d) = random_day(&mut rng) {
                let mut sessions = [None, None];
                if let Some(s) = sessions.get_mut(rng.usize(0..2)) {
                    *s = Some(Code::Medical);
                }
                plan.entry(d).or_insert(sessions);
            }
        }
        if pupil.eal
            && rng.f64() < 0.25
            && let Some(eid) = self.eid
        {
            both(&mut plan, eid, Code::Religious);
        }
        // Dual registration at a pupil referral unit on Thursdays and Fridays.
        if rng.f64() < 0.004 {
            for &d in &days {
                if matches!(
                    d.weekday(),
                    jiff::civil::Weekday::Thursday | jiff::civil::Weekday::Friday
                ) {
                    both(&mut plan, d, Code::DualRegistered);
                }
            }
        }
        // Alternative provision arranged by the school one day a week, or by the LA.
        if secondary && rng.f64() < 0.006 {
            let code = if rng.bool() {
                Code::OtherActivity
            } else {
                Code::LaArranged
            };
            for &d in days
                .iter()
                .filter(|d| d.weekday() == jiff::civil::Weekday::Wednesday)
            {
                both(&mut plan, d, code);
            }
        }
        // A temporary part-time timetable: mornings only for six weeks.
        if secondary && rng.f64() < 0.003 && days.len() > 30 {
            let start = rng.usize(..days.len() - 30);
            for &d in days.iter().skip(start).take(30) {
                plan.insert(d, [None, Some(Code::PartTimeTimetable)]);
            }
        }
        // Suspensions.
        if secondary
            && rng.f64() < 0.02
            && let Some(start) = random_day(&mut rng)
        {
            for &d in days.iter().filter(|&&d| d >= start).take(rng.usize(1..4)) {
                both(&mut plan, d, Code::Excluded);
            }
        }
        // Sport fixtures and work experience.
        if secondary {
            for _ in 0..2 {
                if let Some(d) = random_day(&mut rng) {
                    plan.insert(d, [None, Some(Code::Sport)]);
                }
            }
            if year == 10
                && let Some(first) = self.work_experience
            {
                for &d in days.iter().filter(|&&d| d >= first).take(5) {
                    both(&mut plan, d, Code::WorkExperience);
                }
            }
            if year == 11 {
                for &d in days.iter().filter(|d| d.date().month() == 6) {
                    if rng.f64() < 0.3 {
                        both(&mut plan, d, Code::StudyLeave);
                    }
                }
            }
        }
        // Reception children under five start with mornings only for a fortnight.
        if year == 0 && pupil.date_of_birth > date(pupil.date_of_birth.year(), 3, 31) {
            for &d in days.iter().take(10) {
                plan.insert(d, [None, Some(Code::NotCompulsoryAge)]);
            }
        }
        // Transport for pupils with an EHC plan sometimes fails.
        if pupil.sen == SenStatus::Ehcp
            && rng.f64() < 0.3
            && let Some(d) = random_day(&mut rng)
        {
            both(&mut plan, d, Code::TransportUnavailable);
        }

        // Spells of absence: mostly illness, some unexplained, a long unexplained run for the
        // severely absent.
        let severe = p.absence >= 0.5;
        let mean_days = if severe { 6.0 } else { 1.8 };
        let start_chance = (p.absence / (mean_days * (1.0 - p.absence).max(0.05))).min(0.95);
        let unauthorised_share = if severe {
            0.6
        } else if pupil.fsm {
            0.33
        } else {
            0.22
        };
        let mut spell: Option<(Code, u32)> = None;
        let mut marks = Vec::with_capacity(days.len() * 2 + 8);
        let times_window = 30;
        for &d in &days {
            let planned = plan.get(&d).copied().unwrap_or([None, None]);
            if spell.is_none() && rng.f64() < start_chance {
                let unexplained = rng.f64() < unauthorised_share;
                let code = if unexplained {
                    Code::OtherUnauthorised
                } else {
                    Code::Illness
                };
                let extra = -(rng.f64().max(1e-9)).ln() * (mean_days - 1.0);
                spell = Some((code, 1 + extra.round() as u32));
            }
            let today = spell.map(|(code, _)| code);
            for (session, planned) in Session::BOTH.into_iter().zip(planned) {
                let slot = Slot::of_day(d, session);
                let (code, minutes) = match (planned, today) {
                    (Some(code), _) => (code, None),
                    (None, Some(Code::OtherUnauthorised)) => {
                        // Unexplained absence: still N when recent, and now and then left as N.
                        if d >= self.recent_from || rng.f64() < 0.01 {
                            (Code::ReasonNotEstablished, None)
                        } else {
                            (Code::OtherUnauthorised, None)
                        }
                    }
                    (None, Some(code)) => (code, None),
                    (None, None) => match session {
                        Session::Am if rng.f64() < p.lateness => {
                            if rng.f64() < 0.12 {
                                (
                                    Code::ArrivedAfterClose,
                                    Some(
                                        u16::try_from(times_window + rng.i32(1..60)).unwrap_or(45),
                                    ),
                                )
                            } else {
                                (
                                    Code::Late,
                                    Some(u16::try_from(rng.i32(1..=times_window)).unwrap_or(5)),
                                )
                            }
                        }
                        Session::Am => (Code::PresentAm, None),
                        Session::Pm => (Code::PresentPm, None),
                    },
                };
                marks.push((slot, code, minutes));
            }
            if let Some((code, left)) = spell {
                spell = (left > 1).then_some((code, left - 1));
            }
        }
        for &(d, sessions) in &self.closed {
            if !pupil.on_roll(d.date()) {
                continue;
            }
            for session in Session::BOTH {
                let closed = match sessions {
                    Sessions::Both => true,
                    Sessions::Am => session == Session::Am,
                    Sessions::Pm => session == Session::Pm,
                };
                if closed {
                    marks.push((Slot::of_day(d, session), Code::PlannedClosure, None));
                }
            }
        }
        marks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::{GroupBy, summarise};

    fn demo(pupils: u32, seed: u64) -> DemoSchool {
        generate(&DemoConfig {
            pupils,
            seed,
            year: AcademicYear(2025),
            through: None,
        })
        .unwrap()
    }

    /// The generated year lands near the national figures for 2023/24: overall absence 7.1%,
    /// persistent absence 20.0%, severe absence 2.3% (statutory.md §5.1).
    #[test]
    fn calibrated_to_national_figures() {
        let school = demo(20_000, 7);
        let span = school.policy.calendar.span().unwrap();
        let all = summarise(&school.register, span, GroupBy::All);
        let total = &all[0];
        let absence = total.tally.absence_rate().unwrap().percent();
        let persistent = total.persistent_rate().unwrap().percent();
        let severe = total.severe_rate().unwrap().percent();
        assert!((6.6..=7.7).contains(&absence), "absence {absence}");
        assert!(
            (18.0..=22.0).contains(&persistent),
            "persistent {persistent}"
        );
        assert!((1.8..=2.8).contains(&severe), "severe {severe}");
        let unauthorised = total.tally.unauthorised_rate().unwrap().percent();
        assert!(
            (2.0..=3.1).contains(&unauthorised),
            "unauthorised {unauthorised}"
        );
    }

    #[test]
    fn same_seed_same_school() {
        let a = demo(300, 1);
        let b = demo(300, 1);
        let c = demo(300, 2);
        let marks = |s: &DemoSchool| {
            s.register
                .ids()
                .flat_map(|id| s.register.row(id).marks().collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        assert_eq!(marks(&a), marks(&b));
        assert_ne!(marks(&a), marks(&c));
        assert_eq!(a.register.pupils(), b.register.pupils());
    }

    #[test]
    fn every_mark_fits_the_policy() {
        let school = demo(900, 3);
        let calendar = &school.policy.calendar;
        let mut codes = std::collections::BTreeSet::new();
        for (id, pupil) in school.register.ids().zip(school.register.pupils()) {
            if let (Some(entry), Some(leaving)) = (pupil.entry_date, pupil.leaving_date) {
                assert!(
                    entry <= leaving,
                    "{}: joins {entry}, leaves {leaving}",
                    pupil.upn
                );
            }
            for (slot, code) in school.register.row(id).marks() {
                rollcall_core::check_mark(pupil, slot.key(), code, None, Some(calendar))
                    .unwrap_or_else(|e| panic!("{}: {e}", pupil.upn));
                codes.insert(code.symbol());
            }
        }
        // A secondary school's year uses most of the codes.
        for expected in [
            "/", "\\", "L", "U", "I", "M", "O", "N", "G", "V", "P", "W", "D", "#", "E", "S",
        ] {
            assert!(codes.contains(expected), "no {expected} in {codes:?}");
        }
    }

    #[test]
    fn through_stops_marks_and_leaves_recent_n_codes() {
        let through = date(2025, 11, 20);
        let school = generate(&DemoConfig {
            pupils: 400,
            seed: 9,
            year: AcademicYear(2025),
            through: Some(through),
        })
        .unwrap();
        assert_eq!(school.register.span().unwrap().last, through);
    }

    #[test]
    fn authority_scale_has_many_schools() {
        let school = demo(5_000, 4);
        let by_school = summarise(
            &school.register,
            school.policy.calendar.span().unwrap(),
            GroupBy::School,
        );
        assert!(by_school.len() >= 3, "{}", by_school.len());
        assert_eq!(school.register.pupils().len(), 5_000);
    }
}
