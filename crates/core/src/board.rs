//! The attendance board for assembly: each class's attendance over a school week, ranked, the
//! classes at 100% (seed 002: "An attendance trophy is presented weekly to the class with 100%
//! attendance"), the class of the week and the most improved class against the week before
//! (seed 000: "Recognising and rewarding most improved"). Every figure comes from
//! [`crate::stats::summarise`], as every report's does.

use crate::calendar::DateRange;
use crate::register::Register;
use crate::stats::{GroupBy, GroupKey, Rate, summarise};

/// One class's week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassWeek {
    /// The registration group.
    pub class: String,
    /// Attendance over the week; `None` when no session was possible.
    pub rate: Option<Rate>,
    /// Attendance over the week before.
    pub before: Option<Rate>,
}

impl ClassWeek {
    /// The change from the week before, in hundredths of a percentage point.
    pub fn change(&self) -> Option<i64> {
        let (now, before) = (self.rate?, self.before?);
        Some(i64::try_from(now.hundredths()).ok()? - i64::try_from(before.hundredths()).ok()?)
    }
}

/// The board for one week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    /// Every class with a possible session, best first (ties by name).
    pub classes: Vec<ClassWeek>,
}

impl Board {
    /// Ranks the classes over `week`, each against its own `before`.
    pub fn of(register: &Register, week: DateRange, before: DateRange) -> Board {
        let rates = |range: DateRange| -> Vec<(String, Option<Rate>)> {
            summarise(register, range, GroupBy::RegGroup)
                .into_iter()
                .filter_map(|g| match g.key {
                    GroupKey::RegGroup(class) => Some((class, g.tally.attendance_rate())),
                    _ => None,
                })
                .collect()
        };
        let earlier = rates(before);
        let mut classes: Vec<ClassWeek> = rates(week)
            .into_iter()
            .filter(|(_, rate)| rate.is_some())
            .map(|(class, rate)| ClassWeek {
                before: earlier
                    .iter()
                    .find(|(c, _)| *c == class)
                    .and_then(|(_, r)| *r),
                class,
                rate,
            })
            .collect();
        classes.sort_by(|a, b| b.rate.cmp(&a.rate).then_with(|| a.class.cmp(&b.class)));
        Board { classes }
    }

    /// The classes every one of whose pupils came to every session: the 100% trophy.
    pub fn full_attendance(&self) -> impl Iterator<Item = &ClassWeek> {
        self.classes
            .iter()
            .filter(|c| c.rate.is_some_and(|r| r.part == r.whole))
    }

    /// The class of the week: the best attendance, and every class that ties with it.
    pub fn best(&self) -> Vec<&ClassWeek> {
        let top = self.classes.first().and_then(|c| c.rate);
        self.classes.iter().filter(|c| c.rate == top).collect()
    }

    /// The class whose attendance rose most since the week before, if any rose.
    pub fn most_improved(&self) -> Option<&ClassWeek> {
        self.classes
            .iter()
            .filter(|c| c.change().is_some_and(|d| d > 0))
            .max_by(|a, b| {
                a.change()
                    .cmp(&b.change())
                    .then_with(|| b.class.cmp(&a.class))
            })
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Date, date};

    use super::*;
    use crate::code::Code;
    use crate::ids::Upn;
    use crate::register::{RegisterBuilder, Roll};
    use crate::session::Slot;

    /// Two school weeks: Mon 16 to Fri 20 Nov, Mon 23 to Fri 27 Nov 2026.
    fn week(monday: Date) -> DateRange {
        DateRange {
            first: monday,
            last: monday.checked_add(jiff::Span::new().days(4)).unwrap(),
        }
    }

    /// Each class's pupils, and for each pupil the sessions missed in each week.
    fn register(classes: &[(&str, &[(u64, u64)])]) -> Register {
        let mut pupils = Vec::new();
        for (class, missed) in classes {
            for _ in missed.iter() {
                let n = pupils.len();
                let mut pupil = crate::register::tests::pupil("B801200005001");
                pupil.upn = Upn::issue(&format!("80120000{n:04}")).unwrap();
                pupil.reg_group = (*class).into();
                pupils.push(pupil);
            }
        }
        let roll = Roll::new(pupils).unwrap();
        let mut builder = RegisterBuilder::new(&roll);
        let mut id = 0;
        for (_, missed) in classes {
            for &(first, second) in missed.iter() {
                for (monday, absent) in [(date(2026, 11, 16), first), (date(2026, 11, 23), second)]
                {
                    let slots = (0..10).map(|i| {
                        let day = monday.checked_add(jiff::Span::new().days(i / 2)).unwrap();
                        let session = if i % 2 == 0 {
                            crate::session::Session::Am
                        } else {
                            crate::session::Session::Pm
                        };
                        Slot::new(day, session)
                    });
                    for (i, slot) in slots.enumerate() {
                        let code = if (i as u64) < absent {
                            Code::Illness
                        } else {
                            Code::PresentAm
                        };
                        let code = match (code, slot.key().session) {
                            (Code::PresentAm, crate::session::Session::Pm) => Code::PresentPm,
                            (code, _) => code,
                        };
                        builder
                            .insert(crate::register::PupilId(id), slot, code, None)
                            .unwrap();
                    }
                }
                id += 1;
            }
        }
        builder.finish(roll)
    }

    #[test]
    fn the_week_s_classes_ranked_with_their_trophies() {
        // (class, each pupil's sessions missed in the week before and the week)
        let register = register(&[
            ("5A", &[(0, 0), (0, 0)]),
            ("5B", &[(4, 1), (2, 0)]),
            ("6A", &[(0, 0), (0, 0)]),
            ("6B", &[(0, 2), (0, 2)]),
        ]);
        let board = Board::of(
            &register,
            week(date(2026, 11, 23)),
            week(date(2026, 11, 16)),
        );
        let ranked: Vec<(&str, Option<u64>, Option<i64>)> = board
            .classes
            .iter()
            .map(|c| (c.class.as_str(), c.rate.map(Rate::hundredths), c.change()))
            .collect();
        assert_eq!(
            ranked,
            [
                ("5A", Some(10_000), Some(0)),
                ("6A", Some(10_000), Some(0)),
                ("5B", Some(9_500), Some(2_500)),
                ("6B", Some(8_000), Some(-2_000)),
            ]
        );
        // Seed 002: the trophy goes to every class at 100%; both share the week.
        let full: Vec<&str> = board.full_attendance().map(|c| c.class.as_str()).collect();
        assert_eq!(full, ["5A", "6A"]);
        let best: Vec<&str> = board.best().iter().map(|c| c.class.as_str()).collect();
        assert_eq!(best, ["5A", "6A"]);
        // Seed 000: most improved, against its own week before.
        assert_eq!(board.most_improved().map(|c| c.class.as_str()), Some("5B"));
        // A week with no sessions has no board.
        let empty = Board::of(
            &register,
            week(date(2026, 11, 30)),
            week(date(2026, 11, 23)),
        );
        assert!(empty.classes.is_empty() && empty.most_improved().is_none());
    }
}
