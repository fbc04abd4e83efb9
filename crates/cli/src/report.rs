//! `rollcall report`: attendance statistics and statutory triggers.

use std::io::Write;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;
use rollcall_core::stats::GroupSummary;
use rollcall_core::triggers::{evaluate, hits};
use rollcall_core::{DateRange, GroupBy, GroupKey, Rate, Register, Tally, Trigger, summarise};
use rollcall_files::{LoadedSchool, load_school, load_school_with};
use serde::Serialize;

use crate::table::Table;
use crate::{AttendanceArgs, By, Format, Source, TriggersArgs};

/// Loads a school from its files or a database, or explains every problem found.
pub fn load(source: &Source) -> anyhow::Result<LoadedSchool> {
    match (&source.db, &source.pupils, &source.marks) {
        (Some(url), _, _) => {
            crate::runtime()?.block_on(crate::admin::load_from_db(url, source.school.as_deref()))
        }
        (None, Some(pupils), Some(marks)) => load_files(pupils, marks, source.policy.as_deref()),
        _ => bail!("give --pupils and --marks, or --db"),
    }
}

/// Loads a school from files, or explains every problem found in them.
pub fn load_files(
    pupils: &std::path::Path,
    marks: &std::path::Path,
    policy: Option<&std::path::Path>,
) -> anyhow::Result<LoadedSchool> {
    let size = std::fs::metadata(marks).map_or(0, |m| m.len());
    let bar = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!("Reading {}", marks.display()));
    let progress = |n| bar.inc(n);
    let loaded = if rollcall_columnar::is_parquet(marks) {
        load_school_with(pupils, policy, |roll, calendar| {
            rollcall_columnar::read_marks(marks, roll, calendar, &progress)
        })
    } else {
        load_school(pupils, marks, policy, &progress)
    };
    bar.finish_and_clear();
    loaded.map_err(|e| {
        let problems = e.to_string().replace('\n', "\n  ");
        anyhow::anyhow!("the school's files could not be read, so nothing was done:\n  {problems}")
    })
}

fn group_by(by: By) -> GroupBy {
    match by {
        By::Pupil => GroupBy::Pupil,
        By::RegGroup => GroupBy::RegGroup,
        By::YearGroup => GroupBy::YearGroup,
        By::School => GroupBy::School,
        By::Sex => GroupBy::Sex,
        By::Fsm => GroupBy::Fsm,
        By::Eal => GroupBy::Eal,
        By::PupilPremium => GroupBy::PupilPremium,
        By::Sen => GroupBy::Sen,
    }
}

fn column_name(by: By) -> &'static str {
    match by {
        By::Pupil => "upn",
        By::RegGroup => "reg_group",
        By::YearGroup => "year_group",
        By::School => "school",
        By::Sex => "sex",
        By::Fsm => "fsm",
        By::Eal => "eal",
        By::PupilPremium => "pupil_premium",
        By::Sen => "sen",
    }
}

/// How a group is named in reports.
fn key_text(key: &GroupKey, school: &LoadedSchool) -> String {
    match key {
        GroupKey::All => "all".to_owned(),
        GroupKey::Pupil(id) => school
            .register
            .pupil(*id)
            .map(|p| p.upn.to_string())
            .unwrap_or_default(),
        GroupKey::RegGroup(group) => group.clone(),
        GroupKey::YearGroup(year) => year.to_string(),
        GroupKey::School(Some(estab)) => estab.to_string(),
        GroupKey::School(None) => match &school.policy {
            Some(policy) => policy
                .school
                .la_estab
                .map_or_else(|| policy.school.name.clone(), |e| e.to_string()),
            None => "school".to_owned(),
        },
        GroupKey::Sex(sex) => sex.code().to_owned(),
        GroupKey::Fsm(flag) | GroupKey::Eal(flag) | GroupKey::PupilPremium(flag) => {
            flag.to_string()
        }
        GroupKey::Sen(sen) => sen.code().to_owned(),
    }
}

fn pct(rate: Option<Rate>) -> String {
    rate.map(|r| r.to_string()).unwrap_or_default()
}

fn marked_span(register: &Register) -> anyhow::Result<DateRange> {
    register
        .span()
        .context("the marks file has no marks, so there is nothing to report")
}

pub fn attendance(args: &AttendanceArgs) -> anyhow::Result<()> {
    let school = load(&args.source)?;
    let span = marked_span(&school.register)?;
    let range = DateRange {
        first: args.from.unwrap_or(span.first),
        last: args.to.unwrap_or(span.last),
    };
    if range.last < range.first {
        bail!("--to {} is before --from {}", range.last, range.first);
    }
    to_stdout(|out| write_attendance(out, &school, range, args.by, args.format))
}

/// The attendance report for a range, grouped and formatted.
pub fn render_attendance(
    school: &LoadedSchool,
    range: DateRange,
    by: By,
    format: Format,
) -> anyhow::Result<String> {
    let mut out = Vec::new();
    write_attendance(&mut out, school, range, by, format)?;
    Ok(String::from_utf8(out)?)
}

/// The attendance report, written out as it is formatted: a region's report by pupil is never
/// held whole.
fn write_attendance(
    out: &mut dyn Write,
    school: &LoadedSchool,
    range: DateRange,
    by: By,
    format: Format,
) -> anyhow::Result<()> {
    let rows = summarise(&school.register, range, group_by(by));
    match format {
        Format::Csv => attendance_csv(out, school, &rows, by)?,
        Format::Json => out.write_all(attendance_json(school, &rows, by, range)?.as_bytes())?,
        Format::Table => out.write_all(attendance_table(school, &rows, by, range).as_bytes())?,
    }
    Ok(())
}

/// Writes a report to standard output through a buffer.
fn to_stdout(write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    write(&mut out)?;
    out.flush().context("cannot write the report")
}

pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    to_stdout(|out| Ok(out.write_all(text.as_bytes())?))
}

/// The session counts every attendance row shares, in CSV and JSON.
#[derive(Serialize)]
struct Counts {
    possible: u64,
    present: u64,
    aea: u64,
    authorised: u64,
    unauthorised: u64,
    not_counted: u64,
    attendance_pct: Option<String>,
    absence_pct: Option<String>,
    late_before_close: u64,
    late_after_close: u64,
    minutes_late: u64,
}

impl Counts {
    /// The session counts and attendance, in the order every CSV gives them.
    fn sessions(&self) -> [String; 6] {
        [
            self.possible.to_string(),
            self.present.to_string(),
            self.aea.to_string(),
            self.authorised.to_string(),
            self.unauthorised.to_string(),
            self.attendance_pct.clone().unwrap_or_default(),
        ]
    }

    /// Sessions not counted, absence and lateness, in the order every CSV gives them.
    fn others(&self) -> [String; 5] {
        [
            self.not_counted.to_string(),
            self.absence_pct.clone().unwrap_or_default(),
            self.late_before_close.to_string(),
            self.late_after_close.to_string(),
            self.minutes_late.to_string(),
        ]
    }

    fn of(t: &Tally) -> Counts {
        Counts {
            possible: t.possible,
            present: t.present,
            aea: t.approved,
            authorised: t.authorised,
            unauthorised: t.unauthorised,
            not_counted: t.not_counted,
            attendance_pct: t.attendance_rate().map(|r| r.to_string()),
            absence_pct: t.absence_rate().map(|r| r.to_string()),
            late_before_close: t.late_before_close,
            late_after_close: t.late_after_close,
            minutes_late: t.minutes_late,
        }
    }
}

fn attendance_csv(
    out: &mut dyn Write,
    school: &LoadedSchool,
    rows: &[GroupSummary],
    by: By,
) -> anyhow::Result<()> {
    let mut header = vec![column_name(by)];
    let pupils = matches!(by, By::Pupil);
    if !pupils {
        header.push("pupils");
    }
    header.extend([
        "possible",
        "present",
        "aea",
        "authorised",
        "unauthorised",
        "attendance_pct",
    ]);
    if pupils {
        // With the columns before them, fixed by the specification of the report.
        header.extend(["persistent", "severe"]);
    } else {
        header.extend(["persistent", "persistent_pct", "severe", "severe_pct"]);
    }
    header.extend([
        "not_counted",
        "absence_pct",
        "late_before_close",
        "late_after_close",
        "minutes_late",
    ]);
    if pupils {
        header.extend(["legal_surname", "legal_forename", "reg_group", "year_group"]);
    }
    let mut out = csv::Writer::from_writer(out);
    out.write_record(&header)?;
    for row in rows {
        let counts = Counts::of(&row.tally);
        let mut record = vec![key_text(&row.key, school)];
        if !pupils {
            record.push(row.pupils.to_string());
        }
        record.extend(counts.sessions());
        let pupil = match row.key {
            GroupKey::Pupil(id) => school.register.pupil(id),
            _ => None,
        };
        match pupil {
            Some(_) => record.extend([
                (row.persistent > 0).to_string(),
                (row.severe > 0).to_string(),
            ]),
            None => record.extend([
                row.persistent.to_string(),
                pct(row.persistent_rate()),
                row.severe.to_string(),
                pct(row.severe_rate()),
            ]),
        }
        record.extend(counts.others());
        if let Some(p) = pupil {
            record.extend([
                p.legal_surname.clone(),
                p.legal_forename.clone(),
                p.reg_group.clone(),
                p.year_group.to_string(),
            ]);
        }
        out.write_record(&record)?;
    }
    out.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct AttendanceReport<'a> {
    from: String,
    to: String,
    by: &'a str,
    groups: Vec<GroupRow>,
}

#[derive(Serialize)]
struct GroupRow {
    group: String,
    pupils: u64,
    #[serde(flatten)]
    counts: Counts,
    persistent: u64,
    persistent_pct: Option<String>,
    severe: u64,
    severe_pct: Option<String>,
}

fn group_rows(school: &LoadedSchool, rows: &[GroupSummary]) -> Vec<GroupRow> {
    rows.iter()
        .map(|row| GroupRow {
            group: key_text(&row.key, school),
            pupils: row.pupils,
            counts: Counts::of(&row.tally),
            persistent: row.persistent,
            persistent_pct: row.persistent_rate().map(|r| r.to_string()),
            severe: row.severe,
            severe_pct: row.severe_rate().map(|r| r.to_string()),
        })
        .collect()
}

fn attendance_json(
    school: &LoadedSchool,
    rows: &[GroupSummary],
    by: By,
    range: DateRange,
) -> anyhow::Result<String> {
    let report = AttendanceReport {
        from: range.first.to_string(),
        to: range.last.to_string(),
        by: column_name(by),
        groups: group_rows(school, rows),
    };
    Ok(serde_json::to_string_pretty(&report)? + "\n")
}

fn attendance_table(
    school: &LoadedSchool,
    rows: &[GroupSummary],
    by: By,
    range: DateRange,
) -> String {
    let name = school
        .policy
        .as_ref()
        .map_or("", |p| p.school.name.as_str());
    let mut out = format!(
        "Attendance {range}{}\n\n",
        if name.is_empty() {
            String::new()
        } else {
            format!(", {name}")
        }
    );
    let mut table = Table::new(
        &[
            column_name(by),
            "pupils",
            "possible",
            "attendance %",
            "absence %",
            "authorised",
            "unauthorised",
            "persistent",
            "PA %",
            "severe",
            "SA %",
            "late L",
            "late U",
        ],
        &[
            false, true, true, true, true, true, true, true, true, true, true, true, true,
        ],
    );
    let mut add = |label: String, row: &GroupSummary| {
        let t = &row.tally;
        table.row(vec![
            label,
            row.pupils.to_string(),
            t.possible.to_string(),
            pct(t.attendance_rate()),
            pct(t.absence_rate()),
            t.authorised.to_string(),
            t.unauthorised.to_string(),
            row.persistent.to_string(),
            pct(row.persistent_rate()),
            row.severe.to_string(),
            pct(row.severe_rate()),
            t.late_before_close.to_string(),
            t.late_after_close.to_string(),
        ]);
    };
    for row in rows {
        add(key_text(&row.key, school), row);
    }
    if rows.len() > 1 && !matches!(by, By::Pupil) {
        for total in summarise(&school.register, range, GroupBy::All) {
            add("all".to_owned(), &total);
        }
    }
    out.push_str(&table.render());
    if let Some(target) = school.policy.as_ref().and_then(|p| p.attendance_target) {
        out.push_str(&format!("\nThe school's attendance target is {target}.\n"));
    }
    out
}

pub fn triggers(args: &TriggersArgs) -> anyhow::Result<()> {
    let school = load(&args.source)?;
    let on = match args.on {
        Some(on) => on,
        None => marked_span(&school.register)?.last,
    };
    if matches!(args.format, Format::Csv) {
        return to_stdout(|out| triggers_csv(out, &school, on));
    }
    write_stdout(&render_triggers(&school, on, args.format)?)
}

/// The triggers met on or before a date as CSV, pupil by pupil as they are found: a region's
/// triggers are never held whole.
fn triggers_csv(out: &mut dyn Write, school: &LoadedSchool, on: Date) -> anyhow::Result<()> {
    let register = &school.register;
    let mut out = csv::Writer::from_writer(out);
    out.write_record(["upn", "trigger", "first_date", "count"])?;
    for hit in hits(register, &school.calendar, on) {
        let upn = register.pupil(hit.pupil).map(|p| p.upn.to_string());
        out.write_record([
            upn.unwrap_or_default(),
            hit.trigger.id().to_owned(),
            hit.first_date.map(|d| d.to_string()).unwrap_or_default(),
            hit.count.to_string(),
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// The triggers met on or before a date, formatted.
pub fn render_triggers(school: &LoadedSchool, on: Date, format: Format) -> anyhow::Result<String> {
    let all_hits = || evaluate(&school.register, &school.calendar, on);
    let upn = |h: &rollcall_core::TriggerHit| {
        school
            .register
            .pupil(h.pupil)
            .map(|p| p.upn.to_string())
            .unwrap_or_default()
    };
    let date =
        |h: &rollcall_core::TriggerHit| h.first_date.map(|d| d.to_string()).unwrap_or_default();
    Ok(match format {
        Format::Csv => {
            let mut out = Vec::new();
            triggers_csv(&mut out, school, on)?;
            String::from_utf8(out)?
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Hit {
                upn: String,
                trigger: &'static str,
                first_date: Option<String>,
                count: usize,
                action: &'static str,
                sessions: Vec<String>,
            }
            #[derive(Serialize)]
            struct Report {
                on: String,
                triggers: Vec<Hit>,
            }
            let report = Report {
                on: on.to_string(),
                triggers: all_hits()
                    .iter()
                    .map(|h| Hit {
                        upn: upn(h),
                        trigger: h.trigger.id(),
                        first_date: h.first_date.map(|d| d.to_string()),
                        count: h.count,
                        action: h.trigger.action(),
                        sessions: h.sessions.iter().map(ToString::to_string).collect(),
                    })
                    .collect(),
            };
            serde_json::to_string_pretty(&report)? + "\n"
        }
        Format::Table => {
            let mut out = format!("Statutory triggers met on or before {on}\n\n");
            let mut table = Table::new(
                &["upn", "name", "trigger", "first met", "sessions", "action"],
                &[false, false, false, false, true, false],
            );
            let hits = all_hits();
            for h in &hits {
                let name = school
                    .register
                    .pupil(h.pupil)
                    .map(|p| p.name())
                    .unwrap_or_default();
                table.row(vec![
                    upn(h),
                    name,
                    h.trigger.id().to_owned(),
                    date(h),
                    h.count.to_string(),
                    h.trigger.action().to_owned(),
                ]);
            }
            if table.is_empty() {
                out.push_str("None.\n");
            } else {
                out.push_str(&table.render());
            }
            out.push('\n');
            for trigger in Trigger::ALL {
                let n = hits.iter().filter(|h| h.trigger == trigger).count();
                out.push_str(&format!("{:>6}  {}\n", n, trigger.id()));
            }
            out
        }
    })
}
