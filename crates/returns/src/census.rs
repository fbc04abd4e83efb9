//! The school census's attendance module: for one census term, each pupil's sessions possible
//! and sessions missed by reason, with the checks COLLECT makes before the return is accepted.
//!
//! The figures are the core's `Tally` over the term, so the census and `report attendance` agree
//! pupil by pupil. Pupils are those on roll and of compulsory school age at some time in the
//! term (Education Act 1996 s.8); whether the DfE also leaves out 15-year-olds in the second half
//! of the summer term was not confirmed (statutory.md §13), so they stay in.

use rollcall_core::admission::{compulsory_age_begins, compulsory_age_ends};
use rollcall_core::census::CensusTerm;
use rollcall_core::{AcademicYear, Calendar, Category, Code, DateRange, Register, Tally, Upn};

/// The absence reasons the module counts: every code that is absence or not a possible session.
pub fn reasons() -> Vec<Code> {
    (1..=u8::MAX)
        .map_while(Code::from_byte)
        .filter(|c| {
            c.era() != rollcall_core::code::Era::Before2024
                && matches!(
                    c.category(),
                    Category::Authorised | Category::Unauthorised | Category::NotCounted
                )
        })
        .collect()
}

/// One pupil's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The pupil.
    pub upn: Upn,
    /// Their surname.
    pub surname: String,
    /// Their forename.
    pub forename: String,
    /// Their figures over the term.
    pub tally: Tally,
    /// Sessions of each reason in [`reasons`], in that order.
    pub by_reason: Vec<u64>,
}

/// How serious a check's finding is, as COLLECT treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The return is refused until it is put right.
    Error,
    /// Accepted with an explanation (an annotation).
    Query,
}

/// A finding before the return is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The pupil.
    pub upn: Upn,
    /// How serious.
    pub severity: Severity,
    /// What, in a sentence.
    pub message: String,
}

/// The census's attendance extract for a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extract {
    /// The term.
    pub term: CensusTerm,
    /// Its dates.
    pub dates: DateRange,
    /// Each pupil.
    pub lines: Vec<Line>,
    /// The checks' findings.
    pub findings: Vec<Finding>,
}

/// The extract for a term of a school year.
pub fn extract(
    register: &Register,
    calendar: &Calendar,
    term: CensusTerm,
    year: AcademicYear,
) -> Extract {
    let dates = term.dates(year);
    let reasons = reasons();
    let mut lines = Vec::new();
    let mut findings = Vec::new();
    for (id, pupil) in register.ids().zip(register.pupils()) {
        let compulsory = compulsory_age_begins(pupil.date_of_birth) <= dates.last
            && dates.first <= compulsory_age_ends(pupil.date_of_birth);
        if !pupil.on_roll_during(dates) || !compulsory {
            continue;
        }
        let row = register.row(id);
        let tally = Tally::of_row(row, dates);
        let (_, codes) = row.within(dates);
        let mut counts = vec![0u64; reasons.len()];
        let mut n_codes = 0u64;
        for code in codes.iter().filter_map(|&b| Code::from_byte(b)) {
            if let Some(n) = reasons
                .iter()
                .position(|&r| r == code)
                .and_then(|i| counts.get_mut(i))
            {
                *n += 1;
            }
            n_codes += u64::from(code == Code::ReasonNotEstablished);
        }
        let byte_at = |slot: rollcall_core::Slot| {
            usize::try_from(slot.0 - row.start.0)
                .ok()
                .and_then(|i| row.codes.get(i))
                .copied()
                .unwrap_or(0)
        };
        let unmarked = calendar
            .school_sessions(dates)
            .filter(|s| pupil.on_roll(s.key().date) && byte_at(*s) == 0)
            .count();
        let mut find = |severity, message: String| {
            findings.push(Finding {
                upn: pupil.upn,
                severity,
                message,
            });
        };
        if tally.possible == 0 {
            find(
                Severity::Query,
                format!(
                    "{} was on roll but has no possible sessions in the term (only X, D or other sessions that are not possible): COLLECT asks for an annotation",
                    pupil.name()
                ),
            );
        }
        if unmarked > 0 {
            find(
                Severity::Error,
                format!(
                    "{} has {unmarked} school sessions with no mark while on roll",
                    pupil.name()
                ),
            );
        }
        if n_codes > 0 {
            find(
                Severity::Error,
                format!(
                    "{} still has {n_codes} N marks: the reason is to be found, or O entered, before the return",
                    pupil.name()
                ),
            );
        }
        lines.push(Line {
            upn: pupil.upn,
            surname: pupil.legal_surname.clone(),
            forename: pupil.legal_forename.clone(),
            tally,
            by_reason: counts,
        });
    }
    Extract {
        term,
        dates,
        lines,
        findings,
    }
}

/// The extract as CSV: the pupil, sessions possible, authorised and unauthorised, then the
/// sessions of each reason, headed by its code.
pub fn to_csv(extract: &Extract) -> Result<String, csv::Error> {
    let reasons = reasons();
    let mut header = vec![
        "UPN",
        "Surname",
        "Forename",
        "SessionsPossible",
        "SessionsAuthorised",
        "SessionsUnauthorised",
    ];
    header.extend(reasons.iter().map(|c| c.symbol()));
    let rows: Vec<Vec<String>> = extract
        .lines
        .iter()
        .map(|line| {
            let mut row = vec![
                line.upn.to_string(),
                line.surname.clone(),
                line.forename.clone(),
                line.tally.possible.to_string(),
                line.tally.authorised.to_string(),
                line.tally.unauthorised.to_string(),
            ];
            row.extend(line.by_reason.iter().map(ToString::to_string));
            row
        })
        .collect();
    crate::csv_text(header, rows.iter().map(Vec::as_slice))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use rollcall_core::stats::{GroupBy, GroupKey, summarise};
    use rollcall_core::{Pupil, RegisterBuilder, Roll, SenStatus, Sex, Term, YearGroup};

    fn pupil(rest: &str, born: jiff::civil::Date) -> Pupil {
        Pupil {
            upn: Upn::issue(rest).unwrap(),
            legal_surname: format!("S{rest}"),
            legal_forename: "Pat".into(),
            preferred_forename: None,
            date_of_birth: born,
            sex: Sex::Male,
            year_group: YearGroup::year(3).unwrap(),
            reg_group: "3A".into(),
            entry_date: None,
            leaving_date: None,
            fsm: false,
            eal: false,
            pupil_premium: false,
            sen: SenStatus::None,
            school: None,
        }
    }

    #[test]
    fn the_extract_agrees_with_the_statistics_and_is_checked() {
        let calendar = Calendar::from_terms(
            vec![Term {
                name: "Autumn 2025".into(),
                dates: DateRange {
                    first: date(2025, 9, 1),
                    last: date(2025, 12, 19),
                },
                half_term_break: None,
            }],
            vec![],
        )
        .unwrap();
        let pupils = vec![
            pupil("801200005050", date(2018, 3, 1)),
            pupil("801200005051", date(2018, 4, 1)),
            // Five on 15 December: of compulsory school age from 31 December.
            pupil("801200005052", date(2020, 12, 15)),
            pupil("801200005053", date(2018, 5, 1)),
        ];
        let roll = Roll::new(pupils.clone()).unwrap();
        let mut builder = RegisterBuilder::new(&roll);
        let sessions: Vec<_> = calendar
            .school_sessions(DateRange {
                first: date(2025, 9, 1),
                last: date(2025, 12, 19),
            })
            .collect();
        for (i, slot) in sessions.iter().enumerate() {
            let codes = [
                if i % 10 == 0 {
                    "I"
                } else if i % 17 == 0 {
                    "G"
                } else {
                    "/"
                },
                if i < 4 { "N" } else { "/" },
                "/",
                "X",
            ];
            for (p, code) in pupils.iter().zip(codes) {
                // The second pupil's last session is left unmarked.
                if p.upn == pupils[1].upn && i + 1 == sessions.len() {
                    continue;
                }
                let code = Code::parse(code).unwrap();
                builder
                    .record(&roll, &p.upn, slot.key(), code, None, Some(&calendar))
                    .unwrap();
            }
        }
        let register = builder.finish(roll);
        let year = AcademicYear::of(date(2025, 9, 1));
        let extract = extract(&register, &calendar, CensusTerm::Autumn, year);
        // The four-year-old reaches compulsory school age on 31 December, within the term.
        assert_eq!(extract.lines.len(), 4);
        let by_pupil = summarise(&register, extract.dates, GroupBy::Pupil);
        for line in &extract.lines {
            let id = register.find(&line.upn).unwrap();
            let summary = by_pupil
                .iter()
                .find(|s| s.key == GroupKey::Pupil(id))
                .unwrap();
            assert_eq!(line.tally, summary.tally, "{}", line.upn);
        }
        let reasons = reasons();
        let illness = reasons.iter().position(|&c| c == Code::Illness).unwrap();
        // 160 sessions, every tenth of them I.
        assert_eq!(extract.lines[0].by_reason[illness], 16);
        let findings: Vec<(usize, Severity)> = extract
            .findings
            .iter()
            .map(|f| {
                (
                    pupils.iter().position(|p| p.upn == f.upn).unwrap(),
                    f.severity,
                )
            })
            .collect();
        assert_eq!(
            findings,
            [
                (1, Severity::Error),
                (1, Severity::Error),
                (3, Severity::Query)
            ]
        );
        let csv = to_csv(&extract).unwrap();
        assert!(csv.starts_with("UPN,Surname,Forename,SessionsPossible,SessionsAuthorised,SessionsUnauthorised,D,C1,M,J1,S,X,C2,C,T,R,I,E,Q,Y1,"), "{csv}");
    }
}
