//! Statutory triggers: the points at which the register obliges a school to act.
//!
//! Each is reported with the first date on or before a given date that it is met and the sessions
//! that met it.

use std::fmt;

use jiff::civil::Date;
use rustc_hash::FxHashMap;

use crate::admission::deletion::{MISSING_SESSIONS, unexplained};
use crate::calendar::{AcademicYear, Calendar};
use crate::code::{Category, Code};
use crate::register::{PupilId, Register, RowView};
use crate::runs::runs;
use crate::session::{Day, Session, SessionKey, Slot};

/// A statutory trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Trigger {
    /// Ten sessions of unauthorised absence (`G N O U`, in any combination) within the current
    /// school week and the nine school weeks before it: the school must consider a penalty notice.
    ///
    /// The National Framework for Penalty Notices, made under the Education (Penalty Notices)
    /// (England) (Amendment) Regulations 2024 (SI 2024/210), in force 19 August 2024; statutory.md
    /// §6. A school week is any week with at least one school session, so holiday weeks do not
    /// count, and the window runs across terms and academic years.
    PenaltyNoticeThreshold,
    /// Thirty sessions (15 school days, consecutive or cumulative) coded `I` in one academic year:
    /// the school makes a sickness return to the local authority, which may owe the pupil
    /// education under s.19 of the Education Act 1996. *Working together to improve school
    /// attendance* (2024), paragraph 52; statutory.md §4.
    SicknessReturn,
    /// Twenty consecutive possible sessions (10 school days) all coded `G N O U`: the pupil goes
    /// on the attendance return to the local authority (regulation 13 returns; statutory.md §4).
    /// Sessions that are not possible neither extend nor break the run.
    ContinuousUnauthorisedAbsence,
    /// Forty consecutive possible sessions (20 school days) all coded `G N O`: deletion from the
    /// admission register may follow once the school and the local authority have failed to find
    /// the pupil (regulation 9(1)(i); statutory.md §3.3). Sessions that are not possible neither
    /// extend nor break the run.
    Deletion20SchoolDays,
    /// `N` marks still in place more than 5 school days after their session: the correct code
    /// must be entered within 5 school days, and `O` if no reason is found (regulation 10;
    /// statutory.md §1.1).
    NCodeOverdue,
}

impl Trigger {
    /// Every trigger, in report order.
    pub const ALL: [Trigger; 5] = [
        Trigger::PenaltyNoticeThreshold,
        Trigger::SicknessReturn,
        Trigger::ContinuousUnauthorisedAbsence,
        Trigger::Deletion20SchoolDays,
        Trigger::NCodeOverdue,
    ];

    /// The trigger's identifier in reports.
    pub fn id(self) -> &'static str {
        match self {
            Trigger::PenaltyNoticeThreshold => "penalty_notice_threshold",
            Trigger::SicknessReturn => "sickness_return",
            Trigger::ContinuousUnauthorisedAbsence => "continuous_unauthorised_absence",
            Trigger::Deletion20SchoolDays => "deletion_20_school_days",
            Trigger::NCodeOverdue => "n_code_overdue",
        }
    }

    /// What the school must do, in plain English.
    pub fn action(self) -> &'static str {
        match self {
            Trigger::PenaltyNoticeThreshold => {
                "10 unauthorised sessions in 10 school weeks: consider a penalty notice"
            }
            Trigger::SicknessReturn => {
                "15 school days of illness this academic year: make a sickness return to the local authority"
            }
            Trigger::ContinuousUnauthorisedAbsence => {
                "10 school days of continuous unauthorised absence: include on the attendance return to the local authority"
            }
            Trigger::Deletion20SchoolDays => {
                "20 school days of continuous unexplained absence: with the local authority, make reasonable enquiries; deletion may follow"
            }
            Trigger::NCodeOverdue => {
                "N code older than 5 school days: enter the reason, or O if none is known"
            }
        }
    }

    /// Reads a trigger's identifier.
    pub fn parse(id: &str) -> Option<Trigger> {
        Trigger::ALL.into_iter().find(|t| t.id() == id)
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Unauthorised sessions that reach the penalty-notice threshold.
const PENALTY_SESSIONS: usize = 10;
/// The rolling window of the penalty-notice threshold, in school weeks.
const PENALTY_WEEKS: u32 = 10;
/// Sessions of illness in an academic year that call for a sickness return: 15 school days
/// ([`Trigger::SicknessReturn`]).
pub const SICKNESS_SESSIONS: usize = 30;
/// Consecutive unauthorised sessions for the attendance return: 10 school days
/// ([`Trigger::ContinuousUnauthorisedAbsence`]).
pub const CONTINUOUS_SESSIONS: usize = 20;
/// Unauthorised absence, `G N O U`: what the penalty-notice threshold, the attendance return and
/// a CME referral count.
pub fn unauthorised(code: Code) -> bool {
    code.category() == Category::Unauthorised
}

/// School days an `N` may stand before it must be replaced.
const N_CODE_SCHOOL_DAYS: u32 = 5;

/// A trigger met by a pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerHit {
    /// The pupil.
    pub pupil: PupilId,
    /// The trigger.
    pub trigger: Trigger,
    /// The first date it was met; `None` for [`Trigger::NCodeOverdue`], which is a count of
    /// marks rather than an event.
    pub first_date: Option<Date>,
    /// The number of sessions that met it.
    pub count: usize,
    /// The sessions that met it, in order.
    pub sessions: Vec<SessionKey>,
}

/// Every trigger met by every pupil on or before `on`, by pupil and then trigger.
pub fn evaluate(register: &Register, calendar: &Calendar, on: Date) -> Vec<TriggerHit> {
    hits(register, calendar, on).collect()
}

/// The triggers met on or before `on`, found pupil by pupil as they are asked for, so that a
/// region's are never all held at once.
pub fn hits<'a>(
    register: &'a Register,
    calendar: &'a Calendar,
    on: Date,
) -> impl Iterator<Item = TriggerHit> + 'a {
    register
        .ids()
        .flat_map(move |id| evaluate_pupil(id, register.row(id), calendar, on))
}

/// The triggers one pupil has met on or before `on`.
pub fn evaluate_pupil(
    pupil: PupilId,
    row: RowView<'_>,
    calendar: &Calendar,
    on: Date,
) -> Vec<TriggerHit> {
    let until = Slot::new(on, Session::Pm);
    let marks: Vec<(Slot, Code)> = row.marks().take_while(|&(s, _)| s <= until).collect();
    let hit = |trigger, sessions: Vec<Slot>| TriggerHit {
        pupil,
        trigger,
        first_date: sessions.last().map(|s| s.key().date),
        count: sessions.len(),
        sessions: sessions.iter().map(|s| s.key()).collect(),
    };
    let mut hits = Vec::new();
    if let Some(sessions) = penalty_notice_threshold(&marks, calendar) {
        hits.push(hit(Trigger::PenaltyNoticeThreshold, sessions));
    }
    if let Some(sessions) = sickness_return(&marks) {
        hits.push(hit(Trigger::SicknessReturn, sessions));
    }
    if let Some(sessions) = first_run(row, calendar, until, CONTINUOUS_SESSIONS, unauthorised) {
        hits.push(hit(Trigger::ContinuousUnauthorisedAbsence, sessions));
    }
    if let Some(sessions) = first_run(row, calendar, until, MISSING_SESSIONS, unexplained) {
        hits.push(hit(Trigger::Deletion20SchoolDays, sessions));
    }
    let overdue = n_codes_overdue(&marks, calendar, Day::of(on));
    if !overdue.is_empty() {
        hits.push(TriggerHit {
            first_date: None,
            ..hit(Trigger::NCodeOverdue, overdue)
        });
    }
    hits
}

/// The first window of ten school weeks holding ten unauthorised sessions.
fn penalty_notice_threshold(marks: &[(Slot, Code)], calendar: &Calendar) -> Option<Vec<Slot>> {
    penalty_windows(marks, calendar, |_| false)
        .into_iter()
        .next()
}

/// Each window of ten school weeks holding ten unauthorised sessions, in order, leaving out
/// sessions for which `covered` holds (a penalty notice has covered them, and they cannot be
/// counted again).
pub fn penalty_windows(
    marks: &[(Slot, Code)],
    calendar: &Calendar,
    covered: impl Fn(Slot) -> bool,
) -> Vec<Vec<Slot>> {
    let threshold = (PENALTY_SESSIONS, PENALTY_WEEKS);
    threshold_windows(marks, calendar, unauthorised, threshold, covered)
}

/// Each window of `weeks` school weeks holding `sessions` marks whose code `counts`, in order,
/// leaving out sessions for which `covered` holds. Each window starts after the last session of
/// the one before, and meets the threshold at its last session, since the window before it held
/// fewer.
pub fn threshold_windows(
    marks: &[(Slot, Code)],
    calendar: &Calendar,
    counts: impl Fn(Code) -> bool,
    (sessions, weeks): (usize, u32),
    covered: impl Fn(Slot) -> bool,
) -> Vec<Vec<Slot>> {
    let counted: Vec<(Slot, u32)> = marks
        .iter()
        .filter(|&&(s, c)| counts(c) && !covered(s))
        .filter_map(|&(s, _)| Some((s, calendar.school_week(s.day())?)))
        .collect();
    let mut windows = Vec::new();
    let mut left = 0;
    for (right, &(_, week)) in counted.iter().enumerate() {
        while counted.get(left).is_some_and(|&(_, w)| w + weeks <= week) {
            left += 1;
        }
        if right + 1 - left >= sessions.max(1) {
            if let Some(window) = counted.get(left..=right) {
                windows.push(window.iter().map(|&(s, _)| s).collect());
            }
            left = right + 1;
        }
    }
    windows
}

/// The first thirty `I` sessions within one academic year.
fn sickness_return(marks: &[(Slot, Code)]) -> Option<Vec<Slot>> {
    let mut by_year: FxHashMap<AcademicYear, Vec<Slot>> = FxHashMap::default();
    for &(slot, code) in marks {
        if code != Code::Illness {
            continue;
        }
        let sessions = by_year
            .entry(AcademicYear::of(slot.key().date))
            .or_default();
        sessions.push(slot);
        if sessions.len() == SICKNESS_SESSIONS {
            return Some(std::mem::take(sessions));
        }
    }
    None
}

/// The first run of `length` consecutive possible sessions whose codes all satisfy `counts`.
fn first_run(
    row: RowView<'_>,
    calendar: &Calendar,
    until: Slot,
    length: usize,
    counts: impl Fn(Code) -> bool,
) -> Option<Vec<Slot>> {
    runs(row, calendar, until, length, counts)
        .into_iter()
        .next()
}

/// `N` marks more than five school days old on `on`.
fn n_codes_overdue(marks: &[(Slot, Code)], calendar: &Calendar, on: Day) -> Vec<Slot> {
    marks
        .iter()
        .filter(|&&(slot, code)| {
            code == Code::ReasonNotEstablished
                && calendar.school_days_between(slot.day(), on) > N_CODE_SCHOOL_DAYS
        })
        .map(|&(slot, _)| slot)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{DateRange, Term};
    use crate::ids::Upn;
    use crate::register::tests::{UPN, pupil};
    use crate::register::{RegisterBuilder, Roll};
    use jiff::civil::date;

    /// Summer 2025 and autumn 2025 (with half term), so that windows cross a half term, a summer
    /// holiday and two academic years.
    fn calendar() -> Calendar {
        let term = |name: &str, first, last, gap: Option<(Date, Date)>| Term {
            name: name.into(),
            dates: DateRange { first, last },
            half_term_break: gap.map(|(first, last)| DateRange { first, last }),
        };
        Calendar::from_terms(
            vec![
                term("Summer 2025", date(2025, 6, 2), date(2025, 7, 18), None),
                term(
                    "Autumn 2025",
                    date(2025, 9, 1),
                    date(2025, 12, 19),
                    Some((date(2025, 10, 27), date(2025, 10, 31))),
                ),
            ],
            vec![],
        )
        .unwrap()
    }

    /// One pupil's marks, written as `(first date, codes)` runs: codes are separated by spaces, two
    /// per school day (AM then PM), continuing on the following school days.
    fn check(runs: &[(Date, &str)], on: Date, expect: &[(Trigger, Option<Date>, usize)]) {
        let calendar = calendar();
        let roll = Roll::new(vec![pupil(UPN)]).unwrap();
        let mut builder = RegisterBuilder::new(&roll);
        let upn = Upn::parse(UPN).unwrap();
        for &(first, codes) in runs {
            let mut slots = calendar.school_sessions(DateRange {
                first,
                last: date(2025, 12, 19),
            });
            for symbol in codes.split_whitespace() {
                let slot = slots.next().expect("the run fits the calendar");
                let code = Code::parse(symbol).unwrap();
                builder
                    .record(&roll, &upn, slot.key(), code, None, Some(&calendar))
                    .unwrap();
            }
        }
        let register = builder.finish(roll);
        let got: Vec<(Trigger, Option<Date>, usize)> = evaluate(&register, &calendar, on)
            .into_iter()
            .map(|h| (h.trigger, h.first_date, h.count))
            .collect();
        assert_eq!(got, expect, "{runs:?} on {on}");
    }

    fn repeat(code: &str, n: usize) -> String {
        vec![code; n].join(" ")
    }

    use Trigger::*;

    #[test]
    fn penalty_notice_threshold_edges() {
        let mon = date(2025, 9, 1);
        // 9 versus 10 sessions in one week: one G per session from Monday.
        check(&[(mon, &repeat("G", 9))], date(2025, 9, 30), &[]);
        check(
            &[(mon, &repeat("G", 10))],
            date(2025, 9, 30),
            &[(PenaltyNoticeThreshold, Some(date(2025, 9, 5)), 10)],
        );
        // Any mix of G N O U counts; the date is the session that made ten.
        check(
            &[(mon, "G G N N O O U U / / / / G G")],
            date(2025, 9, 30),
            &[
                (PenaltyNoticeThreshold, Some(date(2025, 9, 9)), 10),
                (NCodeOverdue, None, 2),
            ],
        );
        // Not on or before the given date: not met yet.
        check(&[(mon, &repeat("G", 10))], date(2025, 9, 4), &[]);
        // Five sessions in the first week of term and five in the eleventh school week: the
        // window is ten school weeks, so the first five have dropped out.
        check(
            &[
                (mon, &repeat("U", 5)),
                (date(2025, 11, 17), &repeat("U", 5)),
            ],
            date(2025, 12, 19),
            &[],
        );
        // Ten calendar weeks after the first, they still count: half term is not a school week,
        // so 10 November is in the tenth school week.
        check(
            &[
                (mon, &repeat("U", 5)),
                (date(2025, 11, 10), &repeat("U", 5)),
            ],
            date(2025, 12, 19),
            &[(PenaltyNoticeThreshold, Some(date(2025, 11, 12)), 10)],
        );
        // The window runs across the summer holiday into a new academic year.
        check(
            &[(date(2025, 7, 14), &repeat("G", 4)), (mon, &repeat("G", 6))],
            date(2025, 9, 30),
            &[(PenaltyNoticeThreshold, Some(date(2025, 9, 3)), 10)],
        );
    }

    #[test]
    fn successive_penalty_windows_leave_out_covered_sessions() {
        // National Framework for Penalty Notices 2024: sessions a notice covers cannot be
        // counted again; the next ten start after the last window.
        let calendar = calendar();
        let slots: Vec<Slot> = calendar
            .school_sessions(DateRange {
                first: date(2025, 9, 1),
                last: date(2025, 12, 19),
            })
            .collect();
        let marks: Vec<(Slot, Code)> = slots.iter().take(25).map(|&s| (s, Code::Holiday)).collect();
        let met_on = |windows: &[Vec<Slot>]| -> Vec<(Date, usize)> {
            windows
                .iter()
                .map(|w| {
                    (
                        w.last().map_or(date(1970, 1, 1), |s| s.day().date()),
                        w.len(),
                    )
                })
                .collect()
        };
        // (sessions covered by a notice, windows met: date of the tenth and how many)
        let first_ten = |s: Slot| slots.get(..10).is_some_and(|c| c.contains(&s));
        type Covered<'a> = &'a dyn Fn(Slot) -> bool;
        let table: [(Covered, Vec<(Date, usize)>); 3] = [
            (
                &|_| false,
                vec![(date(2025, 9, 5), 10), (date(2025, 9, 12), 10)],
            ),
            (&first_ten, vec![(date(2025, 9, 12), 10)]),
            (&|_| true, vec![]),
        ];
        for (i, (covered, want)) in table.into_iter().enumerate() {
            assert_eq!(
                met_on(&penalty_windows(&marks, &calendar, covered)),
                want,
                "case {i}"
            );
        }
    }

    #[test]
    fn sickness_return_edges() {
        let mon = date(2025, 9, 1);
        // 14.5 days of illness versus 15.
        check(&[(mon, &repeat("I", 29))], date(2025, 12, 19), &[]);
        check(
            &[(mon, &repeat("I", 30))],
            date(2025, 12, 19),
            &[(SicknessReturn, Some(date(2025, 9, 19)), 30)],
        );
        // Cumulative: illness spread with attendance between.
        let spread = [repeat("I", 10), repeat("/", 10)].join(" ");
        let cumulative = [spread.as_str(); 3].join(" ");
        check(
            &[(mon, &cumulative)],
            date(2025, 12, 19),
            &[(SicknessReturn, Some(date(2025, 10, 3)), 30)],
        );
        // 20 sessions in summer 2025 and 20 in autumn 2025 are in different academic years.
        check(
            &[
                (date(2025, 6, 2), &repeat("I", 20)),
                (mon, &repeat("I", 20)),
            ],
            date(2025, 12, 19),
            &[],
        );
    }

    #[test]
    fn continuous_absence_edges() {
        let mon = date(2025, 9, 1);
        // 20 consecutive unauthorised sessions; 19 is not enough.
        check(
            &[(mon, &repeat("O", 19))],
            date(2025, 12, 19),
            &[(PenaltyNoticeThreshold, Some(date(2025, 9, 5)), 10)],
        );
        check(
            &[(mon, &repeat("O", 20))],
            date(2025, 12, 19),
            &[
                (PenaltyNoticeThreshold, Some(date(2025, 9, 5)), 10),
                (ContinuousUnauthorisedAbsence, Some(date(2025, 9, 12)), 20),
            ],
        );
        // One authorised session breaks the run.
        let broken = format!("{} I {}", repeat("O", 10), repeat("O", 10));
        check(
            &[(mon, &broken)],
            date(2025, 12, 19),
            &[(PenaltyNoticeThreshold, Some(date(2025, 9, 5)), 10)],
        );
        // Sessions that are not possible neither extend nor break it.
        let paused = format!("{} Y1 Y1 {}", repeat("O", 10), repeat("O", 10));
        check(
            &[(mon, &paused)],
            date(2025, 12, 19),
            &[
                (PenaltyNoticeThreshold, Some(date(2025, 9, 5)), 10),
                (ContinuousUnauthorisedAbsence, Some(date(2025, 9, 15)), 20),
            ],
        );
        // Half term neither breaks nor extends a run.
        check(
            &[(date(2025, 10, 20), &repeat("N", 20))],
            date(2025, 11, 7),
            &[
                (PenaltyNoticeThreshold, Some(date(2025, 10, 24)), 10),
                (ContinuousUnauthorisedAbsence, Some(date(2025, 11, 7)), 20),
                // On 7 November the N codes of 20 to 23 October are more than 5 school days old.
                (NCodeOverdue, None, 8),
            ],
        );
    }

    #[test]
    fn deletion_edges() {
        let mon = date(2025, 9, 1);
        let forty = repeat("N", 40);
        let hits = [
            (PenaltyNoticeThreshold, Some(date(2025, 9, 5)), 10),
            (ContinuousUnauthorisedAbsence, Some(date(2025, 9, 12)), 20),
            (Deletion20SchoolDays, Some(date(2025, 9, 26)), 40),
            (NCodeOverdue, None, 40),
        ];
        check(&[(mon, &forty)], date(2025, 10, 24), &hits);
        // U is unauthorised but shows the pupil was found: it breaks the deletion run.
        let found = format!("{} U {}", repeat("O", 20), repeat("O", 19));
        check(
            &[(mon, &found)],
            date(2025, 10, 24),
            &[
                (PenaltyNoticeThreshold, Some(date(2025, 9, 5)), 10),
                (ContinuousUnauthorisedAbsence, Some(date(2025, 9, 12)), 20),
            ],
        );
    }

    #[test]
    fn n_code_overdue_edges() {
        // N on Monday 1 September; the fifth school day after it is Monday 8 September.
        let mon = date(2025, 9, 1);
        check(&[(mon, "N")], date(2025, 9, 8), &[]);
        check(&[(mon, "N")], date(2025, 9, 9), &[(NCodeOverdue, None, 1)]);
        // Replaced by the real reason: nothing overdue.
        check(&[(mon, "I")], date(2025, 9, 9), &[]);
    }

    #[test]
    fn joiner_and_leaver() {
        // A pupil who joins mid-run: the sessions before they joined are not theirs.
        let calendar = calendar();
        let mut joiner = pupil(UPN);
        joiner.entry_date = Some(date(2025, 9, 8));
        joiner.leaving_date = Some(date(2025, 9, 19));
        let roll = Roll::new(vec![joiner]).unwrap();
        let mut builder = RegisterBuilder::new(&roll);
        let upn = Upn::parse(UPN).unwrap();
        let term = DateRange {
            first: date(2025, 9, 8),
            last: date(2025, 9, 19),
        };
        for slot in calendar.school_sessions(term) {
            builder
                .record(
                    &roll,
                    &upn,
                    slot.key(),
                    Code::OtherUnauthorised,
                    None,
                    Some(&calendar),
                )
                .unwrap();
        }
        let register = builder.finish(roll);
        let hits = evaluate(&register, &calendar, date(2025, 12, 19));
        let found: Vec<Trigger> = hits.iter().map(|h| h.trigger).collect();
        assert_eq!(
            found,
            [PenaltyNoticeThreshold, ContinuousUnauthorisedAbsence]
        );
        assert_eq!(hits[1].sessions.first().unwrap().date, date(2025, 9, 8));
        assert_eq!(hits[1].first_date, Some(date(2025, 9, 19)));
    }
}
