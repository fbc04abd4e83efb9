//! Scenario files: a scripted term for a handful of pupils under one school's policy, and what
//! the worklist must say on given dates. Written to be read by the people who wrote the policy
//! (the format is in `docs/formats.md`); the CLI's test suite runs every file in `scenarios/`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use jiff::civil::{Date, DateTime};
use rollcall_core::casefile::CaseFileRecord;
use rollcall_core::worklist::{pupil_items, standing};
use rollcall_core::{
    Case, CaseEntry, Code, EntryKind, Flag, ItemKey, NoticeKind, ParentNotice, Pupil, PupilId,
    RegisterBuilder, Roll, SenStatus, Session, Sex, Slot, Upn, YearGroup,
};
use serde::Deserialize;
use toml::Spanned;

use crate::error::FileError;
use crate::policy::read_policy;

mod returns;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    policy: String,
    until: toml::value::Datetime,
    pupils: Vec<RawPupil>,
    #[serde(default)]
    casework: Vec<RawEntry>,
    #[serde(default)]
    notices: Vec<RawNotice>,
    #[serde(default)]
    records: Vec<RawRecord>,
    #[serde(default)]
    expect: Vec<Spanned<RawExpect>>,
    #[serde(default)]
    returns: Vec<returns::RawReturns>,
}

/// A case-file record: a meeting, plan, penalty notice ..., as `rollcall_core::casefile::Record`
/// reads it (dates as quoted strings).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    pupil: String,
    at: toml::value::Datetime,
    by: String,
    record: rollcall_core::casefile::Record,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPupil {
    name: String,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    sen: Option<String>,
    /// Year group (3 unless given).
    year: Option<String>,
    /// The starting day, for a pupil admitted during the scenario.
    starts: Option<toml::value::Datetime>,
    /// When the admission was recorded (the starting day unless given).
    admitted: Option<toml::value::Datetime>,
    /// Their leaving and deletion.
    left: Option<returns::RawLeaving>,
    /// The other school, for a pupil registered there too (this registration subsidiary).
    dual: Option<String>,
    #[serde(default)]
    absent: Vec<RawAbsence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAbsence {
    date: Option<toml::value::Datetime>,
    from: Option<toml::value::Datetime>,
    to: Option<toml::value::Datetime>,
    session: Option<String>,
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    pupil: String,
    at: toml::value::Datetime,
    kind: String,
    item: Option<String>,
    rating: Option<String>,
    likelihood: Option<u8>,
    frequency: Option<u8>,
    #[serde(default)]
    with: String,
    #[serde(default)]
    note: String,
    by: String,
}

/// A parent's report of absence, or leave refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotice {
    pupil: String,
    kind: String,
    at: toml::value::Datetime,
    from: toml::value::Datetime,
    to: toml::value::Datetime,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    at: toml::value::Datetime,
    pupil: String,
    due: Vec<String>,
    band: Option<String>,
    stage: Option<String>,
    rating: Option<String>,
    reason: Option<String>,
    what: Option<String>,
}

/// What running a scenario found.
#[derive(Debug)]
pub struct ScenarioReport {
    /// How many expectations were checked.
    pub checked: usize,
    /// Each expectation that failed, with what the worklist said instead.
    pub failures: Vec<String>,
}

/// Reads a scenario file and checks each of its expectations against the worklist.
pub fn run_scenario(path: &Path) -> Result<ScenarioReport, FileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| FileError::file(path, format!("cannot read: {e}")))?;
    let line_of = |offset: usize| {
        text.get(..offset)
            .map_or(0, |before| before.matches('\n').count()) as u64
            + 1
    };
    let raw: RawScenario = toml::from_str(&text).map_err(|e| {
        let line = line_of(e.span().map_or(0, |s| s.start));
        FileError::at(path, line, None, e.message())
    })?;
    let fail = |reason: String| FileError::file(path, reason);
    let policy_path: PathBuf = path.parent().unwrap_or(Path::new(".")).join(&raw.policy);
    let policy = read_policy(&policy_path)?;
    let until = date(&raw.until).map_err(fail)?;

    let mut pupils = Vec::new();
    let mut flags = Vec::new();
    let mut movements = Vec::new();
    for (i, p) in raw.pupils.iter().enumerate() {
        if raw.pupils.iter().take(i).any(|q| q.name == p.name) {
            return Err(fail(format!("two pupils are called {:?}", p.name)));
        }
        let (forename, surname) = p.name.split_once(' ').unwrap_or((&p.name, "Pupil"));
        let sen = match p.sen.as_deref() {
            None => SenStatus::None,
            Some(s) => SenStatus::parse(s).map_err(|e| fail(format!("{}: {e}", p.name)))?,
        };
        let in_name = |e: String| fail(format!("{}: {e}", p.name));
        let year_group = match p.year.as_deref() {
            None => YearGroup::year(3).unwrap_or(YearGroup::RECEPTION),
            Some(y) => YearGroup::parse(y).map_err(|e| in_name(e.to_string()))?,
        };
        let entry_date = p.starts.as_ref().map(date).transpose().map_err(in_name)?;
        let admitted = p.admitted.as_ref().map(date).transpose().map_err(in_name)?;
        let left = p
            .left
            .as_ref()
            .map(|l| l.deletion())
            .transpose()
            .map_err(in_name)?;
        movements.push(returns::Movement {
            admitted: admitted.or(entry_date),
            left: left.clone(),
            entry: p.dual.as_deref().map(returns::dual_entry),
        });
        pupils.push(Pupil {
            upn: upn(i).map_err(fail)?,
            legal_surname: surname.to_owned(),
            legal_forename: forename.to_owned(),
            preferred_forename: None,
            date_of_birth: jiff::civil::date(2017, 1, 1),
            sex: Sex::Female,
            year_group,
            reg_group: "Class 1".into(),
            entry_date,
            leaving_date: left.map(|(d, _)| d.leaving_date),
            fsm: false,
            eal: false,
            pupil_premium: false,
            sen,
            school: None,
        });
        let parsed: Result<Vec<Flag>, FileError> = p
            .flags
            .iter()
            .map(|f| Flag::parse(f).ok_or_else(|| fail(format!("{}: {f:?} is not a flag", p.name))))
            .collect();
        flags.push(parsed?);
    }
    let roll = Roll::new(pupils).map_err(|e| fail(format!("{e:?}")))?;
    let mut builder = RegisterBuilder::new(&roll);
    let span = policy
        .calendar
        .span()
        .ok_or_else(|| fail("the policy's calendar has no terms".into()))?;
    for (i, p) in raw.pupils.iter().enumerate() {
        let id = PupilId(u32::try_from(i).unwrap_or(u32::MAX));
        let mut absences = std::collections::BTreeMap::new();
        for a in &p.absent {
            let code = Code::parse(&a.code).map_err(|e| fail(format!("{}: {e}", p.name)))?;
            let (from, to) = match (&a.date, &a.from, &a.to) {
                (Some(d), None, None) => (date(d).map_err(fail)?, date(d).map_err(fail)?),
                (None, Some(f), Some(t)) => (date(f).map_err(fail)?, date(t).map_err(fail)?),
                _ => {
                    return Err(fail(format!(
                        "{}: an absence has a date, or a from and a to",
                        p.name
                    )));
                }
            };
            let sessions = match a.session.as_deref() {
                None => vec![Session::Am, Session::Pm],
                Some(s) => vec![Session::parse(s).map_err(|e| fail(format!("{}: {e}", p.name)))?],
            };
            for slot in policy.calendar.school_sessions(rollcall_core::DateRange {
                first: from,
                last: to,
            }) {
                if sessions.contains(&slot.session()) {
                    absences.insert(slot, code);
                }
            }
        }
        let last = until.min(span.last);
        let on_roll = |slot: &Slot| roll.pupil(id).is_some_and(|p| p.on_roll(slot.key().date));
        for slot in policy
            .calendar
            .school_sessions(rollcall_core::DateRange {
                first: span.first,
                last,
            })
            .filter(on_roll)
        {
            let code = absences.remove(&slot).unwrap_or(match slot.session() {
                Session::Am => Code::PresentAm,
                Session::Pm => Code::PresentPm,
            });
            builder
                .insert(id, slot, code, None)
                .map_err(|_| fail(format!("{}: two marks for {}", p.name, slot.key())))?;
        }
        if let Some((slot, _)) = absences.first_key_value() {
            return Err(fail(format!(
                "{}: an absence on {} is after `until` or not a school session",
                p.name,
                slot.key()
            )));
        }
    }
    let register = builder.finish(roll);

    let find = |name: &str| {
        raw.pupils
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| fail(format!("no pupil called {name:?}")))
    };
    let mut entries: Vec<Vec<CaseEntry>> = vec![Vec::new(); raw.pupils.len()];
    for e in &raw.casework {
        let i = find(&e.pupil)?;
        let kind = EntryKind::parse(&e.kind, e.rating.as_deref(), e.likelihood, e.frequency)
            .map_err(|err| fail(format!("{}: {err}", e.pupil)))?;
        let item = e
            .item
            .as_deref()
            .map(|k| ItemKey::parse(k).ok_or_else(|| fail(format!("{k:?} is not rule@occasion"))))
            .transpose()?;
        if let Some(list) = entries.get_mut(i) {
            list.push(CaseEntry {
                at: datetime(&e.at).map_err(fail)?,
                kind,
                item,
                with: e.with.clone(),
                note: e.note.clone(),
                by: e.by.clone(),
            });
        }
    }

    let mut records: Vec<Vec<CaseFileRecord>> = vec![Vec::new(); raw.pupils.len()];
    for (n, raw_record) in raw.records.iter().enumerate() {
        let i = find(&raw_record.pupil)?;
        raw_record
            .record
            .validate()
            .map_err(|e| fail(e.to_string()))?;
        if let Some(list) = records.get_mut(i) {
            list.push(CaseFileRecord {
                id: i64::try_from(n + 1).unwrap_or(i64::MAX),
                at: datetime(&raw_record.at).map_err(fail)?,
                by: raw_record.by.clone(),
                record: raw_record.record.clone(),
            });
        }
    }

    let mut notices: Vec<Vec<ParentNotice>> = vec![Vec::new(); raw.pupils.len()];
    for (n, raw_notice) in raw.notices.iter().enumerate() {
        let i = find(&raw_notice.pupil)?;
        let kind = match raw_notice.kind.as_str() {
            "reported" => NoticeKind::ReportedAbsence,
            "leave_refused" => NoticeKind::RefusedLeave,
            other => {
                return Err(fail(format!(
                    "{other:?} is not a kind of notice: reported or leave_refused"
                )));
            }
        };
        let first = date(&raw_notice.from).map_err(fail)?;
        let last = date(&raw_notice.to).map_err(fail)?;
        if let Some(list) = notices.get_mut(i) {
            list.push(ParentNotice {
                id: i64::try_from(n + 1).unwrap_or(i64::MAX),
                kind,
                first: Slot::new(first, Session::Am),
                last: Slot::new(last, Session::Pm),
                at: datetime(&raw_notice.at).map_err(fail)?,
            });
        }
    }

    let mut report = ScenarioReport {
        checked: raw.returns.len(),
        failures: returns::check_deletions(&register, &policy, &movements),
    };
    report.failures.extend(
        returns::check_returns(&register, &policy, &movements, &raw.returns).map_err(fail)?,
    );
    for expect in &raw.expect {
        let line = line_of(expect.span().start);
        let x = expect.get_ref();
        let i = find(&x.pupil)?;
        let now = datetime(&x.at).map_err(fail)?;
        // Only what had happened by then.
        let known: Vec<CaseEntry> = entries
            .get(i)
            .map(|list| list.iter().filter(|e| e.at <= now).cloned().collect())
            .unwrap_or_default();
        let known_notices: Vec<ParentNotice> = notices
            .get(i)
            .map(|list| list.iter().filter(|n| n.at <= now).cloned().collect())
            .unwrap_or_default();
        let known_records: Vec<CaseFileRecord> = records
            .get(i)
            .map(|list| list.iter().filter(|r| r.at <= now).cloned().collect())
            .unwrap_or_default();
        let case = Case {
            flags: flags.get(i).map_or(&[], Vec::as_slice),
            entries: &known,
            notices: &known_notices,
            records: &known_records,
        };
        let id = PupilId(u32::try_from(i).unwrap_or(u32::MAX));
        let items = pupil_items(&register, id, &policy, case, now);
        let got: BTreeSet<&str> = items.iter().map(|i| i.key.rule.as_str()).collect();
        let want: BTreeSet<&str> = x.due.iter().map(String::as_str).collect();
        let mut problems = Vec::new();
        if got != want {
            problems.push(format!("expected due {want:?}, the worklist has {got:?}"));
        }
        if let Some(text) = &x.reason
            && !items.iter().any(|i| i.reason.contains(text.as_str()))
        {
            problems.push(format!("no item's reason contains {text:?}"));
        }
        if let Some(text) = &x.what
            && !items.iter().any(|i| i.what.contains(text.as_str()))
        {
            problems.push(format!("no item asks for {text:?}"));
        }
        let s = standing(&register, id, &policy, case, now);
        if let Some(band) = &x.band {
            let actual = s.band.map(|b| b.name.as_str()).unwrap_or("none");
            if actual != band {
                problems.push(format!("expected band {band}, found {actual}"));
            }
        }
        if let Some(stage) = &x.stage {
            let actual = s.stage.map(|(st, _)| st.id.as_str()).unwrap_or("none");
            if actual != stage {
                problems.push(format!("expected stage {stage}, found {actual}"));
            }
        }
        if let Some(rating) = &x.rating {
            let actual = s.rating.as_ref().map(|(r, _)| r.id()).unwrap_or("none");
            if actual != rating {
                problems.push(format!("expected rating {rating}, found {actual}"));
            }
        }
        if !problems.is_empty() {
            let mut message = format!(
                "{}:{line}: {} at {now}: {}",
                path.display(),
                x.pupil,
                problems.join("; ")
            );
            for item in &items {
                let _ = write!(
                    message,
                    "\n    {} — {} ({})",
                    item.key, item.reason, item.who
                );
            }
            if let Some(rate) = s.attendance {
                let _ = write!(message, "\n    attendance {rate}%");
            }
            report.failures.push(message);
        }
        report.checked += 1;
    }
    Ok(report)
}

/// A valid UPN for the `i`th scenario pupil.
fn upn(i: usize) -> Result<Upn, String> {
    Upn::issue(&format!("80120000{:04}", i % 10_000)).ok_or_else(|| "bad UPN digits".to_owned())
}

fn date(value: &toml::value::Datetime) -> Result<Date, String> {
    crate::fields::parse_date(&value.to_string())
}

fn datetime(value: &toml::value::Datetime) -> Result<DateTime, String> {
    if value.date.is_none() || value.time.is_none() {
        return Err(format!(
            "{value} needs a date and a time, such as 2025-11-14T09:45"
        ));
    }
    value
        .to_string()
        .parse()
        .map_err(|e| format!("{value}: {e}"))
}
