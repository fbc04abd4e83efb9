//! `rollcall`: the school attendance system's command line.

mod demo;
mod report;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

/// A school attendance system for England: registers, statutory codes, statistics and the
/// actions the law and each school's policy call for.
#[derive(Parser)]
#[command(name = "rollcall", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reports on a school's attendance.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Writes a realistic synthetic school year (pupils.csv, marks.csv, policy.toml) and reports
    /// on it.
    Demo(demo::DemoArgs),
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Attendance statistics for a date range, by pupil or group.
    Attendance(AttendanceArgs),
    /// Statutory triggers met: penalty-notice threshold, sickness return, continuous absence,
    /// deletion after 20 school days, overdue N codes.
    Triggers(TriggersArgs),
}

/// Where a school's data comes from.
#[derive(Args)]
struct Source {
    /// The pupils file (pupils.csv).
    #[arg(long, value_name = "FILE")]
    pupils: PathBuf,
    /// The marks file (marks.csv).
    #[arg(long, value_name = "FILE")]
    marks: PathBuf,
    /// The school's policy file; without one, the calendar is inferred from the marks.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

#[derive(Args)]
struct AttendanceArgs {
    #[command(flatten)]
    source: Source,
    /// First date of the range (default: the first date with marks).
    #[arg(long, value_name = "DATE")]
    from: Option<Date>,
    /// Last date of the range (default: the last date with marks).
    #[arg(long, value_name = "DATE")]
    to: Option<Date>,
    /// How to group pupils.
    #[arg(long, value_enum, default_value = "school")]
    by: By,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Args)]
struct TriggersArgs {
    #[command(flatten)]
    source: Source,
    /// Report triggers met on or before this date (default: the last date with marks).
    #[arg(long, value_name = "DATE")]
    on: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
}

/// Groupings for the attendance report.
#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
enum By {
    Pupil,
    RegGroup,
    YearGroup,
    School,
    Sex,
    Fsm,
    Eal,
    Sen,
}

/// Output formats.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report(ReportCommand::Attendance(args)) => report::attendance(&args),
        Command::Report(ReportCommand::Triggers(args)) => report::triggers(&args),
        Command::Demo(args) => demo::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rollcall: {error:#}");
            ExitCode::FAILURE
        }
    }
}
