//! `rollcall demo`: a synthetic school year written as files, then reported on.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;
use rollcall_core::AcademicYear;
use rollcall_demo::{DemoConfig, generate};
use rollcall_files::{write_marks, write_policy, write_pupils};

use crate::report::{load_files, render_attendance, render_triggers, write_stdout};
use crate::{By, Format};

#[derive(Args)]
pub struct DemoArgs {
    /// The directory to write pupils.csv, marks.csv (or marks.parquet) and policy.toml into
    /// (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// How many pupils. Above 1,500 they are spread over the schools of one local authority.
    #[arg(long, default_value_t = 600)]
    pupils: u32,
    /// The random seed: the same seed writes the same school.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The academic year, by the year it starts (default: the last year to have ended).
    #[arg(long, value_name = "YEAR")]
    year: Option<i16>,
    /// Write marks only up to this date.
    #[arg(long, value_name = "DATE")]
    through: Option<Date>,
    /// Write the marks as Apache Parquet (marks.parquet) rather than CSV: a tenth of the size,
    /// for a region's or a country's year.
    #[arg(long)]
    parquet: bool,
}

pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let today = jiff::Zoned::now().date();
    let year = AcademicYear(args.year.unwrap_or(AcademicYear::of(today).0 - 1));
    let started = Instant::now();
    let step = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    step.enable_steady_tick(std::time::Duration::from_millis(120));
    step.set_message(format!("Making a year for {} pupils", args.pupils));
    let school = generate(&DemoConfig {
        pupils: args.pupils,
        seed: args.seed,
        year,
        through: args.through,
    })?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let pupils = args.out.join("pupils.csv");
    let marks = args.out.join(if args.parquet {
        "marks.parquet"
    } else {
        "marks.csv"
    });
    let policy_file = args.out.join("policy.toml");
    // Each file is written beside its final name and renamed into place, so a reader never
    // sees half a file.
    step.set_message(format!("Writing {}", pupils.display()));
    write_then_rename(&pupils, |p| write_pupils(p, school.register.pupils()))?;
    step.set_message(format!("Writing {}", marks.display()));
    write_then_rename(&marks, |p| {
        if args.parquet {
            rollcall_columnar::write_marks(p, &school.register)
        } else {
            write_marks(p, &school.register)
        }
    })?;
    write_then_rename(&policy_file, |p| write_policy(p, &school.policy))?;
    step.finish_and_clear();
    let written = started.elapsed();

    // Report on the files as written, read back through the same loader as any school's.
    let loaded = load_files(&pupils, &marks, Some(&policy_file))?;
    let span = loaded
        .register
        .span()
        .context("the demo wrote no marks: is --through before the first day of term?")?;
    let policy = &school.policy;
    let mut out = format!(
        "Wrote {} for {year} to {} in {:.1}s:\n  pupils.csv     {} pupils\n  {:<14} {} marks, {} to {}\n  policy.toml    {}, {} school days, registers {}–{} and {}–{}\n\n",
        if args.pupils > 1_500 {
            "a synthetic local authority"
        } else {
            "a synthetic school"
        },
        args.out.display(),
        written.as_secs_f64(),
        loaded.register.pupils().len(),
        marks
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        loaded.register.mark_count(),
        span.first,
        span.last,
        policy.school.name,
        policy
            .calendar
            .span()
            .map_or(0, |s| policy.calendar.school_days_in(s)),
        hm(policy.am.register_opens),
        hm(policy.am.register_closes),
        hm(policy.pm.register_opens),
        hm(policy.pm.register_closes),
    );
    let by = if args.pupils > 1_500 {
        By::School
    } else {
        By::YearGroup
    };
    out.push_str(&render_attendance(&loaded, span, by, Format::Table)?);
    out.push_str("National figures for 2023/24: absence 7.1%, persistent absence 20.0%, severe absence 2.3%.\n\n");
    let triggers = render_triggers(&loaded, span.last, Format::Table)?;
    // The per-pupil list is for `rollcall report triggers`; the demo shows the counts.
    let counts = triggers.rsplit("\n\n").next().unwrap_or_default();
    out.push_str(&format!(
        "Statutory triggers met by {}:\n{counts}\n",
        span.last
    ));
    let files = format!(
        "--pupils {} --marks {} --policy {}",
        pupils.display(),
        marks.display(),
        policy_file.display()
    );
    out.push_str(&format!(
        "Next:\n  rollcall report attendance {files} --by reg_group\n  rollcall report triggers {files} --format table\n"
    ));
    write_stdout(&out)
}

fn hm(t: jiff::civil::Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn write_then_rename(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), rollcall_files::FileError>,
) -> anyhow::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    write(&partial)?;
    std::fs::rename(&partial, path)
        .with_context(|| format!("cannot move {} into place", path.display()))
}
