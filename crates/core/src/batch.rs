//! Whole-school letters: the half-termly traffic-light letter to every family by the band
//! the period's attendance puts each pupil in (seed 002: "Attendance officers send home the
//! half-termly traffic light letter to all pupils"), and certificates for 100% attendance
//! (seed 002: "Attendance certificates termly for 100%"; seed 000: half termly). Which pupils
//! get one, and which are left out and why, is decided here; the letters are the school's.

use crate::calendar::{Calendar, DateRange};
use crate::procedures::{Flag, Procedures};
use crate::register::{PupilId, Register};
use crate::stats::{Rate, Tally};

/// A kind of whole-school batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKind {
    /// A letter to every family, by band.
    TrafficLight,
    /// A certificate for each pupil at 100%.
    Certificates,
    /// A certificate for each pupil whose attendance rose by [`IMPROVED_BY`] or more on the
    /// period before (seed 000: "Recognising and rewarding most improved").
    MostImproved,
}

/// The rise in attendance, in hundredths of a percentage point, that earns a most-improved
/// certificate. Seed 000 names no figure; five points (a day more in school every four weeks)
/// is rollcall's.
pub const IMPROVED_BY: i64 = 500;

impl BatchKind {
    /// Every kind, in the order a page offers them.
    pub const ALL: [BatchKind; 3] = [
        BatchKind::TrafficLight,
        BatchKind::Certificates,
        BatchKind::MostImproved,
    ];

    /// Its name in data.
    pub fn id(self) -> &'static str {
        match self {
            BatchKind::TrafficLight => "traffic_light",
            BatchKind::Certificates => "certificates",
            BatchKind::MostImproved => "most_improved",
        }
    }

    /// How people know it.
    pub fn title(self) -> &'static str {
        match self {
            BatchKind::TrafficLight => "Traffic-light letters to every family",
            BatchKind::Certificates => "Certificates for 100% attendance",
            BatchKind::MostImproved => "Certificates for the most improved attendance",
        }
    }

    /// Reads a name in data.
    pub fn parse(text: &str) -> Option<BatchKind> {
        BatchKind::ALL.into_iter().find(|k| k.id() == text)
    }
}

/// A pupil a batch has a letter for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    /// The pupil.
    pub pupil: PupilId,
    /// Their sessions over the period.
    pub tally: Tally,
    /// Their attendance over the period.
    pub rate: Rate,
    /// The band it puts them in, when the school has bands.
    pub band: Option<String>,
}

/// A pupil on roll the batch leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The pupil.
    pub pupil: PupilId,
    /// Why, in words.
    pub why: String,
}

/// The pupils a batch has letters for, and those it leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    /// Those with a letter, in roll order.
    pub chosen: Vec<Chosen>,
    /// Those left out, in roll order.
    pub left_out: Vec<LeftOut>,
}

/// Chooses a batch's pupils over `period` from the register; a most-improved batch compares
/// each pupil with their own `before`. `flags` gives a pupil's current circumstances, for the
/// school's exclusions.
pub fn select(
    kind: BatchKind,
    register: &Register,
    period: DateRange,
    before: Option<DateRange>,
    procedures: &Procedures,
    flags: &dyn Fn(PupilId) -> Vec<Flag>,
) -> Selection {
    let mut selection = Selection::default();
    let top = procedures.bands.first().map(|b| b.name.as_str());
    for (id, pupil) in register.ids().zip(register.pupils()) {
        if !pupil.on_roll_during(period) {
            continue;
        }
        let tally = Tally::of_row(register.row(id), period);
        let Some(rate) = tally.attendance_rate() else {
            selection.left_out.push(LeftOut {
                pupil: id,
                why: "no possible sessions in the period".into(),
            });
            continue;
        };
        let band = procedures.band_of(rate).map(|b| b.name.clone());
        let left = match kind {
            BatchKind::Certificates if rate.part < rate.whole => Some(format!("{rate}%")),
            BatchKind::Certificates => None,
            BatchKind::MostImproved => {
                let earlier = before
                    .and_then(|range| Tally::of_row(register.row(id), range).attendance_rate());
                match earlier {
                    None => Some("no possible sessions in the period before".into()),
                    Some(earlier) => {
                        let rise = i64::try_from(rate.hundredths()).unwrap_or(0)
                            - i64::try_from(earlier.hundredths()).unwrap_or(0);
                        (rise < IMPROVED_BY).then(|| format!("{earlier}% before, {rate}% now"))
                    }
                }
            }
            BatchKind::TrafficLight => {
                let below_top = band.as_deref().is_some_and(|b| Some(b) != top);
                let held = flags(id);
                procedures
                    .skip_low_attendance_letters
                    .iter()
                    .find(|f| below_top && held.contains(f))
                    .map(|f| {
                        format!(
                            "{}: no low-attendance letter, as the school's policy says",
                            f.title()
                        )
                    })
            }
        };
        match left {
            Some(why) => selection.left_out.push(LeftOut { pupil: id, why }),
            None => selection.chosen.push(Chosen {
                pupil: id,
                tally,
                rate,
                band,
            }),
        }
    }
    selection
}

/// The half term a day falls in, by name ("Autumn 2026, first half") and its dates up to
/// `upto`; for a day in a half-term break, the half term just ended.
pub fn half_term(calendar: &Calendar, day: jiff::civil::Date) -> Option<(String, DateRange)> {
    let term = calendar.terms().iter().find(|t| t.dates.contains(day))?;
    let on = match term.half_term_break {
        Some(gap) if gap.contains(day) => gap.first.yesterday().ok()?,
        _ => day,
    };
    let half = calendar.half_term_of(on)?;
    let (first, name) = match (half.half, term.half_term_break) {
        (_, None) => (term.dates.first, term.name.clone()),
        (1, Some(_)) => (term.dates.first, format!("{}, first half", term.name)),
        (_, Some(gap)) => (
            gap.last.tomorrow().ok()?,
            format!("{}, second half", term.name),
        ),
    };
    Some((name, DateRange { first, last: on }))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::code::Code;
    use crate::ids::Upn;
    use crate::procedures::{Band, Threshold};
    use crate::register::{RegisterBuilder, Roll};
    use crate::session::{Session, Slot};

    /// Seed 002's traffic lights: Green 96% and above, Yellow 95% and below, Amber 91%, Red
    /// 90% and below.
    fn procedures(skip: Vec<Flag>) -> Procedures {
        let band = |name: &str, threshold| Band {
            name: name.into(),
            threshold,
            steps: Vec::new(),
            source: "Seed 002 traffic light groups".into(),
        };
        Procedures {
            bands: vec![
                band("Green", None),
                band("Yellow", Some(Threshold::AtOrBelow(9500))),
                band("Amber", Some(Threshold::AtOrBelow(9100))),
                band("Red", Some(Threshold::AtOrBelow(9000))),
            ],
            skip_low_attendance_letters: skip,
            ..Procedures::default()
        }
    }

    /// Four pupils over the twenty sessions of Mon 16 to Fri 27 Nov 2026, missing 0, 1, 2 and 4.
    fn register() -> Register {
        let pupils = (0..4)
            .map(|n| {
                let mut p = crate::register::tests::pupil("B801200005001");
                p.upn = Upn::issue(&format!("80120000{n:04}")).unwrap();
                p
            })
            .collect();
        let roll = Roll::new(pupils).unwrap();
        let mut builder = RegisterBuilder::new(&roll);
        for (id, missed) in [0u32, 1, 2, 4].into_iter().enumerate() {
            let days = (0..14)
                .map(|d| {
                    date(2026, 11, 16)
                        .checked_add(jiff::Span::new().days(d))
                        .unwrap()
                })
                .filter(|d| d.weekday().to_monday_one_offset() <= 5);
            let slots = days.flat_map(|d| [Slot::new(d, Session::Am), Slot::new(d, Session::Pm)]);
            for (i, slot) in slots.enumerate() {
                let code = match (i < missed as usize, slot.key().session) {
                    (true, _) => Code::Illness,
                    (false, Session::Am) => Code::PresentAm,
                    (false, Session::Pm) => Code::PresentPm,
                };
                builder
                    .insert(PupilId(id as u32), slot, code, None)
                    .unwrap();
            }
        }
        builder.finish(roll)
    }

    const PERIOD: DateRange = DateRange {
        first: date(2026, 11, 16),
        last: date(2026, 11, 27),
    };

    #[test]
    fn batches_choose_by_the_period_s_figure() {
        let register = register();
        // Pupil 3 (80%, Red) has an individual healthcare plan.
        let flags = |id: PupilId| match id.0 {
            3 => vec![Flag::HealthcarePlan],
            _ => Vec::new(),
        };
        // (kind, exclusions, chosen: (pupil, rate, band), left out: (pupil, why))
        type Row = (
            BatchKind,
            Vec<Flag>,
            Vec<(u32, u64, Option<&'static str>)>,
            Vec<(u32, &'static str)>,
        );
        let table: [Row; 4] = [
            // Seed 002: the traffic-light letter goes to every family, by band.
            (
                BatchKind::TrafficLight,
                vec![],
                vec![
                    (0, 10_000, Some("Green")),
                    (1, 9_500, Some("Yellow")),
                    (2, 9_000, Some("Red")),
                    (3, 8_000, Some("Red")),
                ],
                vec![],
            ),
            // A school that says so sends no low-attendance letter to a pupil with a plan.
            (
                BatchKind::TrafficLight,
                vec![Flag::HealthcarePlan],
                vec![
                    (0, 10_000, Some("Green")),
                    (1, 9_500, Some("Yellow")),
                    (2, 9_000, Some("Red")),
                ],
                vec![(
                    3,
                    "Individual healthcare plan: no low-attendance letter, as the school's policy says",
                )],
            ),
            // Seed 002: certificates for 100% only.
            (
                BatchKind::Certificates,
                vec![],
                vec![(0, 10_000, Some("Green"))],
                vec![(1, "95.00%"), (2, "90.00%"), (3, "80.00%")],
            ),
            (
                BatchKind::Certificates,
                vec![Flag::HealthcarePlan],
                vec![(0, 10_000, Some("Green"))],
                vec![(1, "95.00%"), (2, "90.00%"), (3, "80.00%")],
            ),
        ];
        for (kind, skip, chosen, left_out) in table {
            let got = select(
                kind,
                &register,
                PERIOD,
                None,
                &procedures(skip.clone()),
                &flags,
            );
            let got_chosen: Vec<(u32, u64, Option<&str>)> = got
                .chosen
                .iter()
                .map(|c| (c.pupil.0, c.rate.hundredths(), c.band.as_deref()))
                .collect();
            assert_eq!(got_chosen, chosen, "{kind:?} {skip:?}");
            let got_left: Vec<(u32, &str)> = got
                .left_out
                .iter()
                .map(|l| (l.pupil.0, l.why.as_str()))
                .collect();
            assert_eq!(got_left, left_out, "{kind:?} {skip:?}");
        }
        // Outside the period nobody has a possible session.
        let later = DateRange {
            first: date(2026, 12, 7),
            last: date(2026, 12, 11),
        };
        let none = select(
            BatchKind::Certificates,
            &register,
            later,
            None,
            &procedures(vec![]),
            &flags,
        );
        assert!(none.chosen.is_empty() && none.left_out.len() == 4);
    }

    #[test]
    fn the_half_term_a_day_falls_in() {
        let range = |first, last| DateRange { first, last };
        let calendar = Calendar::from_terms(
            vec![crate::calendar::Term {
                name: "Autumn 2026".into(),
                dates: range(date(2026, 9, 2), date(2026, 12, 18)),
                half_term_break: Some(range(date(2026, 10, 26), date(2026, 10, 30))),
            }],
            Vec::new(),
        )
        .unwrap();
        // (day, the half term's name and dates so far)
        let table = [
            (
                date(2026, 10, 14),
                Some((
                    "Autumn 2026, first half",
                    range(date(2026, 9, 2), date(2026, 10, 14)),
                )),
            ),
            // In the break, the half term just ended, whole.
            (
                date(2026, 10, 28),
                Some((
                    "Autumn 2026, first half",
                    range(date(2026, 9, 2), date(2026, 10, 25)),
                )),
            ),
            (
                date(2026, 12, 4),
                Some((
                    "Autumn 2026, second half",
                    range(date(2026, 10, 31), date(2026, 12, 4)),
                )),
            ),
            (date(2026, 12, 25), None),
        ];
        for (day, expected) in table {
            let got = half_term(&calendar, day);
            assert_eq!(
                got.as_ref().map(|(name, r)| (name.as_str(), *r)),
                expected,
                "{day}"
            );
        }
    }

    #[test]
    fn most_improved_against_their_own_period_before() {
        let register = register();
        let first = DateRange {
            first: date(2026, 11, 16),
            last: date(2026, 11, 20),
        };
        let second = DateRange {
            first: date(2026, 11, 23),
            last: date(2026, 11, 27),
        };
        // Each pupil's absences fall at the start of the fortnight: pupil 1 missed 1 session
        // in the first week (90%) and none in the second (100%), pupil 2 missed 2 (80% to
        // 100%), pupil 3 missed 4 (60% to 100%); pupil 0 was always there.
        let got = select(
            BatchKind::MostImproved,
            &register,
            second,
            Some(first),
            &procedures(vec![]),
            &|_| Vec::new(),
        );
        let chosen: Vec<u32> = got.chosen.iter().map(|c| c.pupil.0).collect();
        assert_eq!(chosen, [1, 2, 3], "a rise of 5 points or more");
        let left: Vec<(u32, &str)> = got
            .left_out
            .iter()
            .map(|l| (l.pupil.0, l.why.as_str()))
            .collect();
        assert_eq!(left, [(0, "100.00% before, 100.00% now")]);
        // Without a period before, nobody can be compared.
        let alone = select(
            BatchKind::MostImproved,
            &register,
            second,
            None,
            &procedures(vec![]),
            &|_| Vec::new(),
        );
        assert!(alone.chosen.is_empty());
    }
}
