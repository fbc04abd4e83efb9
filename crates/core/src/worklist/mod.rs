//! The worklist: from the register, a pupil's circumstances, their chronology and the time, the
//! actions the school's procedures ask for now.
//!
//! Every item names the rule that asked for it, the policy paragraph, who should act, by when,
//! and why in plain English. An item is keyed by its rule and occasion; once the chronology holds
//! an entry for that key (done or dismissed), it is never asked for again.

use jiff::civil::{Date, DateTime, Time};

use crate::calendar::{AcademicYear, Calendar, DateRange};
use crate::casefile::{PAYMENT_DAYS, PenaltyStatus, Record};
use crate::casework::{Case, EntryKind, ItemKey, NoticeKind};
use crate::code::{Category, Code};
use crate::policy::Policy;
use crate::procedures::{ActionKind, Band, Flag, Rating, RiskScoring, Stage, Step, Vulnerability};
use crate::pupil::Pupil;
use crate::register::{PupilId, Register};
use crate::session::{Session, Slot};
use crate::stats::{Rate, Tally};
use crate::triggers::{self, Trigger};

// Thresholds counted over windows of school weeks: penalty notices and lateness.
mod early;
mod thresholds;
// What each rule is called when a person reads it.
mod titles;

pub use titles::rule_title;

/// One action due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The pupil.
    pub pupil: PupilId,
    /// The rule and occasion; an entry with this key completes the item.
    pub key: ItemKey,
    /// What kind of action.
    pub kind: ActionKind,
    /// What to do, in the school's words.
    pub what: String,
    /// Who should do it.
    pub who: String,
    /// When it should be done by.
    pub due: DateTime,
    /// Why, in plain English.
    pub reason: String,
    /// The policy paragraph or regulation.
    pub source: String,
}

/// Where a pupil stands this academic year.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Standing<'p> {
    /// Attendance this year up to the last register closed.
    pub attendance: Option<Rate>,
    /// The attendance band, if the school uses bands.
    pub band: Option<&'p Band>,
    /// The graduated-response stage reached this year and when it began.
    pub stage: Option<(&'p Stage, Date)>,
    /// The vulnerability rating and why, if the school rates pupils.
    pub rating: Option<(Rating, String)>,
}

/// Where one pupil stands at `now`.
pub fn standing<'p>(
    register: &Register,
    id: PupilId,
    policy: &'p Policy,
    case: Case<'_>,
    now: DateTime,
) -> Standing<'p> {
    let Some(cx) = Context::new(register, id, policy, case, now) else {
        return Standing::default();
    };
    let attendance = cx.rate_on(cx.asof.day().date());
    Standing {
        attendance,
        band: cx.settled_rate().and_then(|r| policy.procedures.band_of(r)),
        stage: cx
            .current_stage()
            .and_then(|(i, on)| Some((policy.procedures.stages.get(i)?, on))),
        rating: cx.rating(),
    }
}

/// The items due for one pupil at `now`.
pub fn pupil_items(
    register: &Register,
    id: PupilId,
    policy: &Policy,
    case: Case<'_>,
    now: DateTime,
) -> Vec<Item> {
    let Some(cx) = Context::new(register, id, policy, case, now) else {
        return Vec::new();
    };
    let mut items = Vec::new();
    cx.first_day(&mut items);
    cx.escalations(&mut items);
    cx.face_to_face(&mut items);
    cx.bands(&mut items);
    cx.stages(&mut items);
    cx.lateness(&mut items);
    cx.statutory(&mut items);
    cx.illness_and_leave(&mut items);
    cx.case_file(&mut items);
    cx.early_warning(&mut items);
    items.retain(|item| !case.done(&item.key));
    let retry = jiff::SignedDuration::from_mins(i64::from(policy.procedures.retry_minutes));
    for item in &mut items {
        let tries = case.unanswered(&item.key);
        if let Some(&last) = tries.last() {
            let again = last.checked_add(retry).unwrap_or(last);
            item.due = again;
            item.reason = format!(
                "{} · No answer at {} ({} tr{}); try again from {}",
                item.reason,
                clock(last.time()),
                tries.len(),
                if tries.len() == 1 { "y" } else { "ies" },
                clock(again.time())
            );
        }
    }
    items.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.key.cmp(&b.key)));
    items
}

/// The items due for every pupil on the register at `now`, soonest first.
pub fn school_items<'c>(
    register: &Register,
    policy: &Policy,
    case_of: impl Fn(PupilId) -> Case<'c>,
    now: DateTime,
) -> Vec<Item> {
    let mut items: Vec<Item> = register
        .ids()
        .flat_map(|id| pupil_items(register, id, policy, case_of(id), now))
        .collect();
    items.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.key.cmp(&b.key)));
    items
}

/// What one pupil's evaluation needs, worked out once.
struct Context<'a> {
    register: &'a Register,
    id: PupilId,
    pupil: &'a Pupil,
    policy: &'a Policy,
    calendar: &'a Calendar,
    case: Case<'a>,
    now: DateTime,
    /// The last session whose register has closed.
    asof: Slot,
    year: AcademicYear,
    /// Attendance so far this year at the end of each school day, oldest first.
    cumulative: Vec<(Date, Tally)>,
}

impl<'a> Context<'a> {
    fn new(
        register: &'a Register,
        id: PupilId,
        policy: &'a Policy,
        case: Case<'a>,
        now: DateTime,
    ) -> Option<Context<'a>> {
        let pupil = register.pupil(id)?;
        if !pupil.on_roll(now.date()) {
            return None;
        }
        let calendar = &policy.calendar;
        let asof = last_closed(policy, now)?;
        let year = AcademicYear::of(asof.day().date());
        let mut cumulative = Vec::new();
        let mut tally = Tally::default();
        let mut day = year.first_day();
        while day <= asof.day().date() {
            if calendar.is_school_day(day) {
                for session in [Session::Am, Session::Pm] {
                    let slot = Slot::new(day, session);
                    if slot <= asof
                        && let Some(mark) = register.mark(id, slot)
                    {
                        tally.add_mark(mark.code, mark.minutes_late);
                    }
                }
                cumulative.push((day, tally));
            }
            day = day.tomorrow().ok()?;
        }
        Some(Context {
            register,
            id,
            pupil,
            policy,
            calendar,
            case,
            now,
            asof,
            year,
            cumulative,
        })
    }

    fn procedures(&self) -> &'a crate::procedures::Procedures {
        &self.policy.procedures
    }

    fn code(&self, slot: Slot) -> Option<Code> {
        self.register.mark(self.id, slot).map(|m| m.code)
    }

    fn item(&self, key: ItemKey, step: &Step, due: DateTime, reason: String, source: &str) -> Item {
        Item {
            pupil: self.id,
            key,
            kind: step.kind,
            what: step.what.clone(),
            who: step.who.clone(),
            due,
            reason,
            source: source.to_owned(),
        }
    }

    /// The end of the school day, when same-day actions are due.
    fn end_of(&self, date: Date) -> DateTime {
        date.to_datetime(self.policy.pm.session_ends)
    }

    /// An item due by the end of the day of the last register closed.
    fn due_today(&self, key: ItemKey, step: &Step, reason: String, source: &str) -> Item {
        self.item(
            key,
            step,
            self.end_of(self.asof.day().date()),
            reason,
            source,
        )
    }

    /// `within` school days after `date`, at the end of that day.
    fn due_after(&self, date: Date, within: u32) -> DateTime {
        let day = if within == 0 {
            date
        } else {
            self.calendar
                .nth_school_day_after(date, within)
                .unwrap_or(date)
        };
        self.end_of(day)
    }

    fn year_key(&self, rule: String) -> ItemKey {
        ItemKey {
            rule,
            occasion: self.year.to_string(),
        }
    }

    fn tally_on(&self, date: Date) -> Option<&Tally> {
        let i = self.cumulative.partition_point(|(d, _)| *d <= date);
        self.cumulative.get(i.checked_sub(1)?).map(|(_, t)| t)
    }

    fn rate_on(&self, date: Date) -> Option<Rate> {
        self.tally_on(date)?.attendance_rate()
    }

    fn tally_now(&self) -> Tally {
        self.cumulative.last().map(|(_, t)| *t).unwrap_or_default()
    }

    /// Attendance now, once the pupil has enough sessions this year for bands and stages.
    fn settled_rate(&self) -> Option<Rate> {
        let tally = self.tally_now();
        (tally.possible >= self.procedures().minimum_sessions)
            .then(|| tally.attendance_rate())
            .flatten()
    }

    /// The first school day of the spell, running to now, in which `holds` held every day.
    fn spell_start(&self, holds: impl Fn(&Tally) -> bool) -> Option<Date> {
        let mut start = None;
        for (date, tally) in &self.cumulative {
            if tally.possible >= self.procedures().minimum_sessions && holds(tally) {
                start.get_or_insert(*date);
            } else {
                start = None;
            }
        }
        start
    }

    /// The current run of school days, ending on the last closed register's day, on which every
    /// possible session recorded so far satisfies `counts`. As for the statutory runs, days with no
    /// possible session recorded (not-counted codes, registers not yet taken) neither extend nor
    /// break it.
    fn run(&self, counts: impl Fn(Code) -> bool) -> Vec<Date> {
        let mut run = Vec::new();
        let mut day = self.asof.day().date();
        let first = self.year.first_day();
        while day >= first {
            if self.calendar.is_school_day(day) {
                let codes: Vec<Code> = [Session::Am, Session::Pm]
                    .into_iter()
                    .map(|s| Slot::new(day, s))
                    .filter(|&s| s <= self.asof && self.calendar.is_open(s))
                    .filter_map(|s| self.code(s))
                    .filter(|c| c.is_possible())
                    .collect();
                if codes.iter().all(|&c| counts(c)) {
                    if !codes.is_empty() {
                        run.push(day);
                    }
                } else {
                    break;
                }
            }
            match day.yesterday() {
                Ok(d) => day = d,
                Err(_) => break,
            }
        }
        run.reverse();
        run
    }

    fn first_day(&self, items: &mut Vec<Item>) {
        let p = self.procedures();
        let today = self.now.date();
        for session in [Session::Am, Session::Pm] {
            let slot = Slot::new(today, session);
            let times = self.policy.times(session);
            if slot > self.asof || !self.calendar.is_open(slot) {
                continue;
            }
            let close = today.to_datetime(times.register_closes);
            let code = self.code(slot);
            let occasion = slot.key().to_string();
            if code == Some(Code::ReasonNotEstablished) {
                let settings = match session {
                    Session::Am => p.first_day.am.as_ref(),
                    Session::Pm => p.first_day.pm.as_ref(),
                };
                // Seed 001 §5, seed 002 "Reporting absence": a parent who reports the absence
                // by the deadline has made the first-day contact.
                if let Some(s) = settings
                    && !self
                        .case
                        .reported_by(slot, today.to_datetime(s.parent_deadline))
                {
                    let reason = format!(
                        "Absent at the {session} register with no reason given by {} (parents are asked to call by {})",
                        clock(times.register_closes),
                        clock(s.parent_deadline)
                    );
                    if let Some(step) = &s.text_at_close {
                        let key = key(format!("first_day.{}", step.id), &occasion);
                        items.push(self.item(
                            key,
                            step,
                            close,
                            reason.clone(),
                            &p.first_day.source,
                        ));
                    }
                    if let Some(step) = &s.call {
                        let key = key(format!("first_day.{}", step.id), &occasion);
                        let reason = format!(
                            "{reason}: call the parents, then the emergency contacts in priority order"
                        );
                        items.push(self.item(key, step, close, reason, &p.first_day.source));
                    }
                }
                if let Some(w) = &p.welfare
                    && let Some(flag) = w.flags.iter().find(|f| self.has_flag(**f))
                {
                    for step in &w.steps {
                        let key = key(format!("welfare.{}", step.id), &today.to_string());
                        let reason = format!(
                            "{} and absent at the {session} register with no reason",
                            flag_words(*flag)
                        );
                        items.push(self.item(key, step, self.end_of(today), reason, &w.source));
                    }
                }
            }
            if let Some(h) = &p.home_school
                && code.is_some_and(|c| {
                    matches!(c.category(), Category::Authorised | Category::Unauthorised)
                })
            {
                let step = Step {
                    id: "notify".into(),
                    kind: ActionKind::Notify,
                    what: "Tell the home school of the absence".into(),
                    who: h.who.clone(),
                    within_days: 0,
                };
                let notify = key("home_school.notify".into(), &occasion);
                let mark = code.map(|c| c.symbol()).unwrap_or_default();
                let reason = format!("Absent at the {session} register ({mark})");
                match self.case.latest(|e| e.item.as_ref() == Some(&notify)) {
                    None => items.push(self.item(notify, &step, close, reason, &h.source)),
                    Some(told) => {
                        let due = told
                            .at
                            .checked_add(jiff::SignedDuration::from_mins(i64::from(
                                h.update_within_minutes,
                            )))
                            .unwrap_or(told.at);
                        let step = Step {
                            id: "update".into(),
                            kind: ActionKind::Call,
                            what: "Record the home school's update".into(),
                            ..step
                        };
                        let reason = format!(
                            "{reason}; the home school was told at {} and its update is expected within {} minutes",
                            clock(told.at.time()),
                            h.update_within_minutes
                        );
                        let update = key("home_school.update".into(), &occasion);
                        items.push(self.item(update, &step, due, reason, &h.source));
                    }
                }
            }
        }
    }

    fn escalations(&self, items: &mut Vec<Item>) {
        let p = self.procedures();
        if p.escalations.is_empty() {
            return;
        }
        let run = self.run(|c| matches!(c, Code::ReasonNotEstablished | Code::OtherUnauthorised));
        let Some(&start) = run.first() else { return };
        let days = u32::try_from(run.len()).unwrap_or(u32::MAX);
        for e in p.escalations.iter().filter(|e| e.day <= days) {
            let Some(&reached) = run.get(usize::try_from(e.day - 1).unwrap_or(0)) else {
                continue;
            };
            let reason = format!(
                "Absent without explanation for {days} school day{} since {}; the policy asks for this from day {}",
                plural(days),
                long_date(start),
                e.day
            );
            let key = key(format!("escalation.{}", e.step.id), &start.to_string());
            items.push(self.item(
                key,
                &e.step,
                self.due_after(reached, e.step.within_days),
                reason,
                &e.source,
            ));
        }
    }

    fn face_to_face(&self, items: &mut Vec<Item>) {
        let Some(v) = &self.procedures().vulnerability else {
            return;
        };
        let Some((rating, why)) = self.rating() else {
            return;
        };
        let run =
            self.run(|c| matches!(c.category(), Category::Authorised | Category::Unauthorised));
        let every = v.every(rating);
        let days = u32::try_from(run.len()).unwrap_or(u32::MAX);
        // The latest day of the run on which contact falls due: day `every`, `2 × every`, ...
        let latest = days / every * every;
        if latest == 0 {
            return;
        }
        let Some(&on) = run.get(usize::try_from(latest - 1).unwrap_or(usize::MAX)) else {
            return;
        };
        let step = face_to_face_step(v);
        let reason = format!(
            "{rating} ({why}); absent {days} school day{} running; face-to-face contact every {}",
            plural(days),
            every_words(every)
        );
        let key = key("vulnerability.face_to_face".into(), &on.to_string());
        items.push(self.item(key, &step, self.end_of(on), reason, &v.source));
    }

    /// The pupil's band: the lowest whose threshold their attendance meets.
    fn band(&self) -> Option<&'a Band> {
        self.procedures().band_of(self.settled_rate()?)
    }

    fn bands(&self, items: &mut Vec<Item>) {
        let Some(band) = self.band() else {
            return;
        };
        let Some(threshold) = band.threshold else {
            return;
        };
        let Some(rate) = self.settled_rate() else {
            return;
        };
        let since = self
            .spell_start(|t| {
                t.attendance_rate()
                    .is_some_and(|r| threshold.met_by(r.part, r.whole))
            })
            .unwrap_or(self.asof.day().date());
        for step in &band.steps {
            let key = self.year_key(format!("band.{}.{}", slug(&band.name), step.id));
            let reason = format!(
                "Attendance {rate}%, {threshold} since {}: {} band",
                long_date(since),
                band.name
            );
            items.push(self.item(
                key,
                step,
                self.due_after(since, step.within_days),
                reason,
                &band.source,
            ));
        }
    }

    /// The highest stage with an entry this year, and the day it began.
    fn current_stage(&self) -> Option<(usize, Date)> {
        let occasion = self.year.to_string();
        self.procedures()
            .stages
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, stage)| {
                let prefix = format!("stage.{}.", stage.id);
                self.case
                    .first_for(&prefix, &occasion)
                    .map(|at| (i, at.date()))
            })
    }

    fn stages(&self, items: &mut Vec<Item>) {
        let stages = &self.procedures().stages;
        let current = self.current_stage();
        // Steps of the current stage not yet done stay on the list.
        if let Some((i, began)) = current
            && let Some(stage) = stages.get(i)
        {
            for step in &stage.steps {
                let key = self.year_key(format!("stage.{}.{}", stage.id, step.id));
                let reason = format!("{} began {}", stage.name, long_date(began));
                items.push(self.item(
                    key,
                    step,
                    self.due_after(began, step.within_days),
                    reason,
                    &stage.source,
                ));
            }
        }
        let next = current.map_or(0, |(i, _)| i + 1);
        let Some(stage) = stages.get(next) else {
            return;
        };
        let Some(rate) = self.settled_rate() else {
            return;
        };
        let mut why = Vec::new();
        let previous = current.and_then(|(i, began)| Some((stages.get(i)?, began)));
        let then = previous.and_then(|(_, began)| self.rate_on(began.yesterday().ok()?));
        let met = stage.threshold.met_by(rate.part, rate.whole);
        let falling = stage
            .or_falling
            .is_some_and(|t| t.met_by(rate.part, rate.whole))
            && then.is_some_and(|then| rate < then);
        if met {
            why.push(format!("Attendance {rate}%, {}", stage.threshold));
        } else if falling {
            let (Some(t), Some(then)) = (stage.or_falling, then) else {
                return;
            };
            why.push(format!("Attendance {rate}%, {t} and falling (was {then}%)"));
        } else {
            return;
        }
        let mut since = self
            .spell_start(|t| {
                t.attendance_rate()
                    .is_some_and(|r| stage.threshold.met_by(r.part, r.whole))
            })
            .unwrap_or(self.asof.day().date());
        if let Some((prev, began)) = previous {
            let weeks = weeks_between(began, self.now.date());
            let first_step = prev.steps.first().map_or(prev.name.as_str(), |s| &s.what);
            let mut words = format!(
                "{} {}, {} week{} ago",
                first_step,
                long_date(began),
                weeks,
                plural(weeks)
            );
            if let Some(min) = stage.min_weeks_since_previous {
                if weeks < min {
                    return;
                }
                since = since.max(plus_weeks(began, min));
            }
            if let Some(n) = stage.no_improvement_weeks {
                let improved = then.is_some_and(|then| rate > then);
                if weeks < n || improved {
                    return;
                }
                since = since.max(plus_weeks(began, n));
                if let Some(then) = then {
                    words.push_str(&format!(", no improvement (then {then}%)"));
                }
            }
            why.push(words);
        }
        let whats: Vec<&str> = stage.steps.iter().map(|s| s.what.as_str()).collect();
        let reason = format!("{} → {}", why.join("; "), join_and(&whats));
        for step in &stage.steps {
            let key = self.year_key(format!("stage.{}.{}", stage.id, step.id));
            items.push(self.item(
                key,
                step,
                self.due_after(since, step.within_days),
                reason.clone(),
                &stage.source,
            ));
        }
    }

    fn statutory(&self, items: &mut Vec<Item>) {
        let p = self.procedures();
        let on = self.asof.day().date();
        let hits = triggers::evaluate_pupil(self.id, self.register.row(self.id), self.calendar, on);
        for hit in hits {
            let first = hit.first_date;
            let occasion = first.map_or_else(
                || {
                    hit.sessions
                        .first()
                        .map(|s| s.to_string())
                        .unwrap_or_default()
                },
                |d| d.to_string(),
            );
            let met = first.map(long_date).unwrap_or_default();
            let (rule, kind, what, who, reason, source) = match hit.trigger {
                // Counted by `penalties`, leaving out sessions notices have covered.
                Trigger::PenaltyNoticeThreshold => continue,
                Trigger::SicknessReturn => {
                    // Belongs to the school year it was met in.
                    if first.is_some_and(|d| AcademicYear::of(d) != self.year) {
                        continue;
                    }
                    let to = p
                        .illness
                        .as_ref()
                        .map_or("the local authority", |i| i.sickness_return_to.as_str());
                    (
                        "illness.sickness_return",
                        ActionKind::Notify,
                        format!("Tell {to}: 15 days of illness this year"),
                        p.illness
                            .as_ref()
                            .map_or(&p.statutory.office, |i| &i.who)
                            .clone(),
                        format!(
                            "{} sessions of illness (I) this year, 30 reached on {met}",
                            hit.count
                        ),
                        "Working together to improve school attendance (2024) ¶52; s.19 Education Act 1996",
                    )
                }
                Trigger::ContinuousUnauthorisedAbsence => (
                    "statutory.continuous_absence",
                    ActionKind::Notify,
                    "Put the pupil on the local authority's attendance return".into(),
                    p.statutory.office.clone(),
                    format!("10 school days of continuous unauthorised absence, reached on {met}"),
                    "School Attendance (Pupil Registration) (England) Regulations 2024, reg. 13",
                ),
                Trigger::Deletion20SchoolDays => (
                    "statutory.deletion",
                    ActionKind::Decision,
                    "Decide on deletion from the admission register, with the local authority"
                        .into(),
                    p.statutory.deletion.clone(),
                    format!(
                        "20 school days of continuous unexplained absence, reached on {met}; deletion may follow once the school and the LA have failed to find the pupil"
                    ),
                    "School Attendance (Pupil Registration) (England) Regulations 2024, reg. 9(1)(i)",
                ),
                Trigger::NCodeOverdue => (
                    "statutory.n_overdue",
                    ActionKind::Register,
                    "Enter the right code for N marks (O if no reason is found)".into(),
                    p.statutory.office.clone(),
                    format!(
                        "{} N mark{} more than 5 school days old, the oldest {}",
                        hit.count,
                        plural(u32::try_from(hit.count).unwrap_or(u32::MAX)),
                        occasion
                    ),
                    "School Attendance (Pupil Registration) (England) Regulations 2024, reg. 10",
                ),
            };
            let step = same_day(kind, what, who);
            items.push(self.due_today(key(rule.into(), &occasion), &step, reason, source));
        }
        self.penalties(items);
    }

    /// What the case file's own dates ask for: actions agreed at meetings, reviews of plans and
    /// part-time timetables, their ends, and telling the LA of a pupil with an EHCP on a
    /// part-time timetable (Working together to improve school attendance 2024).
    fn case_file(&self, items: &mut Vec<Item>) {
        let today = self.now.date();
        for r in self.case.records {
            let id = r.id.to_string();
            let by = || r.by.clone();
            let mut dated = Vec::new();
            match &r.record {
                Record::Meeting(m) => {
                    let held = format!("{} on {}", m.kind.title(), long_date(m.held.date()));
                    for (n, action) in m.actions.iter().enumerate() {
                        dated.push(Dated {
                            rule: "meeting.action",
                            occasion: format!("{id}.{}", n + 1),
                            kind: ActionKind::Plan,
                            what: action.what.clone(),
                            who: action.owner.clone(),
                            on: action.by,
                            reason: format!("Agreed at the {held}"),
                            source: MEETING_RECORD,
                        });
                    }
                    if let Some(review) = m.next_review {
                        dated.push(Dated {
                            rule: "meeting.review",
                            occasion: id.clone(),
                            kind: ActionKind::Meeting,
                            what: format!("Review: {}", m.kind.title()),
                            who: by(),
                            on: review,
                            reason: format!("Review agreed at the {held}"),
                            source: MEETING_RECORD,
                        });
                    }
                }
                Record::Plan(p) if p.closed.is_none() => {
                    let title = p.kind.title().to_lowercase();
                    for &review in &p.reviews {
                        dated.push(Dated {
                            rule: "plan.review",
                            occasion: format!("{id}.{review}"),
                            kind: ActionKind::Meeting,
                            what: format!("Review the {title} with the family"),
                            who: by(),
                            on: review,
                            reason: format!("{} started {}", p.kind.title(), long_date(p.starts)),
                            source: PLAN_RULES,
                        });
                    }
                    dated.push(Dated {
                        rule: "plan.end",
                        occasion: id.clone(),
                        kind: ActionKind::Plan,
                        what: format!("Close the {title} or agree what follows"),
                        who: by(),
                        on: p.ends(),
                        reason: format!(
                            "Its {}-month timescale ends {}",
                            p.months,
                            long_date(p.ends())
                        ),
                        source: PLAN_RULES,
                    });
                }
                Record::PartTime(t) => {
                    let agreed = format!("Part-time timetable agreed with {}", t.agreed_with);
                    for &review in &t.reviews {
                        dated.push(Dated {
                            rule: "part_time.review",
                            occasion: format!("{id}.{review}"),
                            kind: ActionKind::Meeting,
                            what: "Review the part-time timetable with the family".into(),
                            who: by(),
                            on: review,
                            reason: agreed.clone(),
                            source: PART_TIME_RULES,
                        });
                    }
                    dated.push(Dated {
                        rule: "part_time.end",
                        occasion: id.clone(),
                        kind: ActionKind::Register,
                        what: "The part-time timetable ends: back to the full timetable".into(),
                        who: by(),
                        on: t.ends,
                        reason: format!("{agreed}, to end {}", long_date(t.ends)),
                        source: PART_TIME_RULES,
                    });
                    if self.has_flag(Flag::Ehcp) && t.la_informed.is_none() {
                        dated.push(Dated {
                            rule: "part_time.la",
                            occasion: id.clone(),
                            kind: ActionKind::Notify,
                            what: "Tell the local authority: a pupil with an EHCP is on a part-time timetable".into(),
                            who: by(),
                            on: t.starts,
                            reason: agreed,
                            source: PART_TIME_RULES,
                        });
                    }
                }
                Record::NoticeToImprove(n) if n.result.is_none() => dated.push(Dated {
                    rule: "notice_to_improve.result",
                    occasion: id.clone(),
                    kind: ActionKind::Decision,
                    what: "Record whether attendance improved enough".into(),
                    who: by(),
                    on: n.ends(),
                    reason: format!(
                        "Notice to improve to {}: its {}-week period ends {}",
                        n.parent,
                        n.weeks,
                        long_date(n.ends())
                    ),
                    source: PENALTY_FRAMEWORK,
                }),
                Record::PenaltyNotice(n) if n.status == PenaltyStatus::Issued => {
                    dated.push(Dated {
                        rule: "penalty.payment",
                        occasion: id.clone(),
                        kind: ActionKind::Decision,
                        what: "Record whether the penalty notice was paid".into(),
                        who: by(),
                        on: n.pay_by(),
                        reason: format!(
                            "Issued to {} on {}; {PAYMENT_DAYS} days to pay",
                            n.parent,
                            long_date(n.issued)
                        ),
                        source: PENALTY_FRAMEWORK,
                    });
                }
                _ => {}
            }
            // Raised on the day, not before: the case file shows what is coming.
            for d in dated.into_iter().filter(|d| d.on <= today) {
                let step = same_day(d.kind, d.what, d.who);
                items.push(self.item(
                    key(d.rule.into(), &d.occasion),
                    &step,
                    self.end_of(d.on),
                    d.reason,
                    d.source,
                ));
            }
        }
    }

    /// Leave refused and taken anyway: leave exists only when granted in advance (regulation 11
    /// of the 2024 regulations), so the sessions are coded `G` (regulation 10, absent without
    /// leave for a holiday) and a penalty notice is considered (seed 001 §5, seed 002
    /// "Exceptional leave").
    fn refused_leave_taken(&self, leave: &crate::procedures::Leave, items: &mut Vec<Item>) {
        for notice in self.case.notices {
            if notice.kind != NoticeKind::RefusedLeave {
                continue;
            }
            let taken: Vec<Code> = (notice.first.0..=notice.last.0.min(self.asof.0))
                .map(Slot)
                .filter(|&s| self.calendar.is_open(s))
                .filter_map(|s| self.code(s))
                .filter(|c| {
                    matches!(
                        c,
                        Code::ReasonNotEstablished | Code::Holiday | Code::OtherUnauthorised
                    )
                })
                .collect();
            if taken.is_empty() {
                continue;
            }
            let uncoded = taken.iter().filter(|c| **c != Code::Holiday).count();
            let step = same_day(
                ActionKind::Decision,
                "Leave refused and taken: code the sessions G and consider a penalty notice",
                leave.who.clone(),
            );
            let mut reason = format!(
                "Leave from {} to {} was refused; absent for {} of its sessions",
                long_date(notice.first.day().date()),
                long_date(notice.last.day().date()),
                taken.len()
            );
            if uncoded > 0 {
                reason.push_str(&format!(", {uncoded} not yet coded G"));
            }
            let key = key("leave.refused_taken".into(), &notice.id.to_string());
            items.push(self.due_today(key, &step, reason, &leave.source));
        }
    }

    fn illness_and_leave(&self, items: &mut Vec<Item>) {
        let p = self.procedures();
        if let Some(i) = &p.illness {
            if let Some(after) = i.medical_evidence_after_days {
                let run = self.run(|c| c == Code::Illness);
                let days = u32::try_from(run.len()).unwrap_or(u32::MAX);
                if let (Some(&start), true) = (run.first(), days > after) {
                    let step = same_day(
                        ActionKind::Decision,
                        "Consider asking for medical evidence",
                        i.who.clone(),
                    );
                    let reason = format!(
                        "Ill for {days} school days running since {}, more than {after}",
                        long_date(start)
                    );
                    let key = key("illness.medical_evidence".into(), &start.to_string());
                    items.push(self.due_today(key, &step, reason, &i.source));
                }
            }
            if let (Some(t), Some(rate)) = (i.ehcp_notify_la, self.settled_rate())
                && self.has_flag(Flag::Ehcp)
                && t.met_by(rate.part, rate.whole)
            {
                let step = same_day(
                    ActionKind::Notify,
                    "Tell the local authority: a pupil with an EHCP whose attendance has fallen",
                    i.who.clone(),
                );
                let reason = format!("Has an EHCP; attendance {rate}%, {t}");
                let key = self.year_key("illness.ehcp_la".into());
                items.push(self.due_today(key, &step, reason, &i.source));
            }
        }
        if let Some(l) = &p.leave {
            self.refused_leave_taken(l, items);
        }
        if let Some(l) = &p.leave
            && let Some(days) = l.place_at_risk_days
        {
            let year = DateRange {
                first: self.year.first_day(),
                last: self.asof.day().date(),
            };
            let (_, codes) = self.register.row(self.id).within(year);
            let sessions = codes
                .iter()
                .filter(|&&b| b == Code::Holiday.as_byte())
                .count();
            if sessions >= usize::try_from(days).unwrap_or(usize::MAX) * 2 {
                let step = same_day(
                    ActionKind::Decision,
                    "The pupil's place is at risk: decide with the local authority",
                    l.who.clone(),
                );
                let reason = format!(
                    "{sessions} sessions of unauthorised leave (G) this year, {days} school days or more"
                );
                let key = self.year_key("leave.place_at_risk".into());
                items.push(self.due_today(key, &step, reason, &l.source));
            }
        }
    }

    fn has_flag(&self, flag: Flag) -> bool {
        self.case.has_flag(self.pupil, flag)
    }

    /// The pupil's vulnerability rating and why: a member of staff's override wins; otherwise
    /// the highest of the flags, persistent absence and the latest risk assessment.
    fn rating(&self) -> Option<(Rating, String)> {
        let v = self.procedures().vulnerability.as_ref()?;
        if let Some(e) = self
            .case
            .latest(|e| matches!(e.kind, EntryKind::RatingOverride(_)))
            && let EntryKind::RatingOverride(r) = e.kind
        {
            return Some((r, format!("set by {}: {}", e.by, e.note)));
        }
        let mut best = (
            Rating::Green,
            "no concerns beyond the universal offer".to_owned(),
        );
        let mut raise = |r: Rating, why: String| {
            if r > best.0 {
                best = (r, why);
            }
        };
        if let Some(f) = v.red.iter().find(|f| self.has_flag(**f)) {
            raise(Rating::Red, flag_words(*f).to_owned());
        }
        if let Some(f) = v.amber.iter().find(|f| self.has_flag(**f)) {
            raise(Rating::Amber, flag_words(*f).to_owned());
        }
        let tally = self.tally_now();
        if v.persistent_absence_is_amber && tally.is_persistent_absentee() {
            raise(Rating::Amber, "persistent absence".into());
        }
        if let (Some(scoring), Some(e)) = (
            v.risk,
            self.case
                .latest(|e| matches!(e.kind, EntryKind::RiskAssessment { .. })),
        ) && let EntryKind::RiskAssessment {
            likelihood,
            frequency,
        } = e.kind
        {
            raise(
                scoring.rate(likelihood, frequency),
                format!(
                    "risk assessment {} ({likelihood} × {frequency})",
                    RiskScoring::score(likelihood, frequency)
                ),
            );
        }
        Some(best)
    }
}

/// A step a date in the case file asks for.
struct Dated {
    rule: &'static str,
    occasion: String,
    kind: ActionKind,
    what: String,
    who: String,
    on: Date,
    reason: String,
    /// The rule or record that asks for it.
    source: &'static str,
}

/// Where the case file's dated steps come from.
const MEETING_RECORD: &str = "Agreed at the meeting and kept in the pupil's case file";
const PLAN_RULES: &str =
    "Seed 001 §6c–6d and annex 7b: a plan for 3 to 12 months, reviewed at least every 4–6 weeks";
const PART_TIME_RULES: &str = "Seed 001 §9 (Working together to improve school attendance 2024): a part-time timetable has review dates and an end date, and is discussed with the LA when the pupil has an EHCP";
const PENALTY_FRAMEWORK: &str = "National Framework for Penalty Notices 2024: a notice to improve's period of 3 to 6 weeks; 28 days to pay a penalty notice";

/// A step the worklist itself defines (statutory duties and their like), due the same day.
fn same_day(kind: ActionKind, what: impl Into<String>, who: impl Into<String>) -> Step {
    Step {
        id: String::new(),
        kind,
        what: what.into(),
        who: who.into(),
        within_days: 0,
    }
}

fn face_to_face_step(v: &Vulnerability) -> Step {
    Step {
        id: "face_to_face".into(),
        kind: ActionKind::FaceToFace,
        what: "Face-to-face contact: a home visit or a video call".into(),
        who: v.who.clone(),
        within_days: 0,
    }
}

/// The last session whose register has closed at `now`.
fn last_closed(policy: &Policy, now: DateTime) -> Option<Slot> {
    let today = now.date();
    for session in [Session::Pm, Session::Am] {
        let slot = Slot::new(today, session);
        if policy.calendar.is_open(slot) && now.time() >= policy.times(session).register_closes {
            return Some(slot);
        }
    }
    let mut day = today.yesterday().ok()?;
    // A year back is further than any holiday.
    for _ in 0..366 {
        for session in [Session::Pm, Session::Am] {
            let slot = Slot::new(day, session);
            if policy.calendar.is_open(slot) {
                return Some(slot);
            }
        }
        day = day.yesterday().ok()?;
    }
    None
}

fn key(rule: String, occasion: &str) -> ItemKey {
    ItemKey {
        rule,
        occasion: occasion.to_owned(),
    }
}

fn clock(t: Time) -> String {
    t.strftime("%H:%M").to_string()
}

/// "3 October".
fn long_date(d: Date) -> String {
    d.strftime("%-d %B").to_string()
}

/// "3 October 2025".
fn long_date_year(d: Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn every_words(n: u32) -> String {
    match n {
        1 => "day".into(),
        n => format!("{n} days"),
    }
}

fn weeks_between(from: Date, to: Date) -> u32 {
    let days = to.since(from).map(|s| s.get_days()).unwrap_or(0);
    u32::try_from(days / 7).unwrap_or(0)
}

fn plus_weeks(d: Date, weeks: u32) -> Date {
    d.checked_add(jiff::Span::new().weeks(i64::from(weeks)))
        .unwrap_or(d)
}

fn slug(name: &str) -> String {
    name.to_lowercase().replace(' ', "_")
}

fn join_and(parts: &[&str]) -> String {
    match parts {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}

fn flag_words(flag: Flag) -> &'static str {
    match flag {
        Flag::Ehcp => "has an EHCP",
        Flag::LookedAfter => "looked after",
        Flag::ChildProtectionPlan => "on a child protection plan",
        Flag::SocialWorker => "has a social worker",
        Flag::Cse => "at risk of sexual exploitation",
        Flag::Cce => "at risk of criminal exploitation",
        Flag::Section47 => "subject of a section 47 enquiry",
        Flag::MentalHealthRisk => "mental health linked to suicide risk",
        Flag::ExternalAgency => "working with an external agency",
        Flag::FamilyConcern => "family concern",
        Flag::EwoInvolvement => "EWO involvement",
        Flag::PoliceInvestigation => "police investigation",
        Flag::HealthcarePlan => "has an individual healthcare plan",
    }
}
