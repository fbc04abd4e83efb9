//! `rollcall`: the school attendance system's command line.

mod accounts;
mod admin;
mod backup;
mod census;
mod cohorts;
mod ctf;
mod demo;
mod demo_admissions;
mod demo_school;
mod demo_trust;
mod pupils;
mod records;
mod report;
mod serve;
mod table;
mod worklist;

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
    /// Runs the web application and API.
    Serve(serve::ServeArgs),
    /// Reports on a school's attendance, from files or a database.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Writes a realistic synthetic school year (pupils.csv, marks.csv, policy.toml) and reports
    /// on it.
    Demo(demo::DemoArgs),
    /// Loads a school's policy, pupils and marks into a database, all or nothing.
    Import(admin::ImportArgs),
    /// Checks that each school's amendment ledger is as it was written.
    VerifyLedger(admin::VerifyArgs),
    /// Writes a whole database to a backup file (SQLite's online copy, or pg_dump).
    Backup(backup::BackupArgs),
    /// Restores a backup into an empty database and verifies its ledger.
    Restore(backup::RestoreArgs),
    /// Erases the register entries of pupils who have left once they are past retention (at
    /// least six years), logging each erasure; --dry-run lists them.
    Retention(records::RetentionArgs),
    /// Keeps the admission register: admits pupils, deletes them on a ground of regulation 9,
    /// prints the register's index.
    #[command(subcommand)]
    Pupil(pupils::PupilCommand),
    /// Common transfer files: writes a CTF of pupils leaving for their next school, and takes
    /// in the CTF of pupils arriving.
    #[command(subcommand)]
    Ctf(ctf::CtfCommand),
    /// Manages staff accounts.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// Manages API tokens.
    #[command(subcommand)]
    Token(accounts::TokenCommand),
    /// What a school's procedures ask for at a date and time: first-day calls, visits,
    /// escalations, letters and meetings, each with the rule that asks for it.
    Worklist(worklist::WorklistArgs),
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Attendance statistics for a date range, by pupil or group.
    Attendance(AttendanceArgs),
    /// Statutory triggers met: penalty-notice threshold, sickness return, continuous absence,
    /// deletion after 20 school days, overdue N codes.
    Triggers(TriggersArgs),
    /// The school census's attendance module for one term, as CSV, with COLLECT's checks.
    Census(census::CensusArgs),
    /// Attendance by cohort (year, class, sex, FSM, pupil premium, EAL, SEN, looked after,
    /// child in need) over a period, against the same dates last year, as CSV, from a database.
    Cohorts(cohorts::CohortsArgs),
}

/// Where a school's data comes from: files, or a database.
#[derive(Args)]
struct Source {
    /// The pupils file (pupils.csv).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "db",
        requires = "marks"
    )]
    pupils: Option<PathBuf>,
    /// The marks file: marks.csv, or marks.parquet (Apache Parquet, with the same columns).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "db",
        requires = "pupils"
    )]
    marks: Option<PathBuf>,
    /// The school's policy file; without one, the calendar is inferred from the marks.
    #[arg(long, value_name = "FILE", conflicts_with = "db")]
    policy: Option<PathBuf>,
    /// Read the school from this database (sqlite:PATH or postgres://...) instead of files.
    #[arg(long, value_name = "URL", conflicts_with_all = ["pupils", "marks"])]
    db: Option<String>,
    /// With --db: the school's URN, when the database holds more than one school.
    #[arg(long, value_name = "URN", requires = "db")]
    school: Option<String>,
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
    PupilPremium,
    Sen,
}

/// Output formats.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

/// A runtime for the commands that talk to a database or serve.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(&args),
        Command::Report(ReportCommand::Attendance(args)) => report::attendance(&args),
        Command::Report(ReportCommand::Triggers(args)) => report::triggers(&args),
        Command::Report(ReportCommand::Census(args)) => census::census(&args),
        Command::Report(ReportCommand::Cohorts(args)) => cohorts::cohorts(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Import(args) => admin::import(&args),
        Command::VerifyLedger(args) => admin::verify(&args),
        Command::Backup(args) => backup::backup(&args),
        Command::Restore(args) => backup::restore(&args),
        Command::Retention(args) => records::retention(&args),
        Command::Pupil(command) => pupils::run(&command),
        Command::Ctf(command) => ctf::run(&command),
        Command::User(command) => accounts::user(&command),
        Command::Token(command) => accounts::token(&command),
        Command::Worklist(args) => worklist::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rollcall: {error:#}");
            ExitCode::FAILURE
        }
    }
}
