//! `rollcall pupil`: the admission register from the command line: admit a pupil, delete one on
//! a ground of regulation 9, and print the register's alphabetical index.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use jiff::civil::Date;
use rollcall_core::admission::deletion::{Deletion, Ground};
use rollcall_core::admission::{Entry, Registration, index_order};
use rollcall_core::{Pupil, SenStatus, Sex, Upn, YearGroup};
use rollcall_store::{Actor, Admissions as _, Contact, Directory as _, NewAdmission, StoreError};
use serde::Serialize;

use crate::Format;
use crate::admin::{find_school, open};
use crate::report::write_stdout;
use crate::table::Table;

#[derive(Subcommand)]
pub enum PupilCommand {
    /// Enters a pupil in the admission register with one parent or carer, on their starting
    /// day or before it (a prospective pupil until then); or enters again a pupil who left.
    Admit(Box<AdmitArgs>),
    /// Deletes a pupil from the admission register on a ground of regulation 9, checked
    /// against what the register shows. Their record, marks and ledger stay.
    Delete(DeleteArgs),
    /// Prints the admission register's alphabetical index: every pupil entered, on roll or not.
    Register(RegisterArgs),
}

/// The database and the school.
#[derive(Args)]
pub struct Place {
    /// The database (sqlite:PATH or postgres://...).
    #[arg(long, value_name = "URL")]
    pub(crate) db: String,
    /// The school's URN, when the database holds more than one school.
    #[arg(long, value_name = "URN")]
    pub(crate) school: Option<String>,
}

/// The database, the school and who is acting.
#[derive(Args)]
pub struct Who {
    #[command(flatten)]
    pub(crate) place: Place,
    /// The name of the person making the change, as the register records it.
    #[arg(long, value_name = "NAME")]
    by_name: String,
    /// Their position.
    #[arg(long, value_name = "POSITION")]
    by_position: String,
}

impl Who {
    pub(crate) fn actor(&self) -> Actor {
        Actor {
            user: None,
            name: self.by_name.clone(),
            position: self.by_position.clone(),
        }
    }
}

#[derive(Args)]
pub struct AdmitArgs {
    #[command(flatten)]
    who: Who,
    /// Unique pupil number.
    #[arg(long, value_parser = |s: &str| Upn::parse(s).map_err(|e| e.to_string()))]
    upn: Upn,
    /// Legal surname.
    #[arg(long)]
    surname: String,
    /// Legal forename.
    #[arg(long)]
    forename: String,
    /// The forename the pupil is known by, if different.
    #[arg(long)]
    known_as: Option<String>,
    /// Date of birth.
    #[arg(long, value_name = "DATE")]
    born: Date,
    /// F or M.
    #[arg(long, value_parser = |s: &str| Sex::parse(s).map_err(|e| e.to_string()))]
    sex: Sex,
    /// Year group: N1, N2, R, 1 to 14.
    #[arg(long, value_parser = |s: &str| YearGroup::parse(s).map_err(|e| e.to_string()))]
    year: YearGroup,
    /// Registration group (class).
    #[arg(long)]
    group: String,
    /// The starting day.
    #[arg(long, value_name = "DATE")]
    starting_day: Date,
    /// SEN provision: N, K or E.
    #[arg(long, default_value = "N", value_parser = |s: &str| SenStatus::parse(s).map_err(|e| e.to_string()))]
    sen: SenStatus,
    /// Eligible for free school meals.
    #[arg(long)]
    fsm: bool,
    /// English as an additional language.
    #[arg(long)]
    eal: bool,
    /// Attracts the pupil premium (FSM6, or looked after or previously looked after).
    #[arg(long)]
    pupil_premium: bool,
    /// Home address.
    #[arg(long)]
    address: String,
    /// The school last attended, with its address.
    #[arg(long, default_value = "")]
    last_school: String,
    /// A boarder.
    #[arg(long)]
    boarder: bool,
    /// C (here only), M (dual, main here) or S (dual, subsidiary here).
    #[arg(long, default_value = "C", value_parser = |s: &str| Registration::parse(s).ok_or("C, M or S"))]
    registration: Registration,
    /// The other school of a dual registration.
    #[arg(long)]
    other_school: Option<String>,
    /// The parent or carer the pupil lives with: their full name.
    #[arg(long)]
    parent: String,
    /// Their relationship to the pupil.
    #[arg(long, default_value = "Parent")]
    parent_relationship: String,
    /// Their telephone number for an emergency.
    #[arg(long)]
    parent_phone: String,
    /// Their email address.
    #[arg(long)]
    parent_email: Option<String>,
}

#[derive(Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    who: Who,
    /// The pupil's UPN.
    #[arg(long)]
    upn: String,
    /// The ground: a to o (regulation 9(1)), or 9(3).
    #[arg(long, value_parser = |s: &str| Ground::parse(s).ok_or("a to o, or 9(3)"))]
    ground: Ground,
    /// The last day on roll.
    #[arg(long, value_name = "DATE")]
    leaving_date: Date,
    /// The other school, where the ground names one.
    #[arg(long)]
    other_school: Option<String>,
    /// The date of the ground's notice or event, where it needs one.
    #[arg(long, value_name = "DATE")]
    evidence_date: Option<Date>,
    /// The reasonable enquiries made jointly with the local authority (grounds h and i).
    #[arg(long)]
    enquiries: Option<String>,
    /// A note for the record.
    #[arg(long, default_value = "")]
    note: String,
    /// Confirms that the ground's conditions hold.
    #[arg(long)]
    confirm: bool,
}

#[derive(Args)]
pub struct RegisterArgs {
    #[command(flatten)]
    place: Place,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// The time now where schools are, as the server reads it.
pub(crate) fn school_now() -> jiff::civil::DateTime {
    jiff::Zoned::now()
        .with_time_zone(rollcall_web::Config::default().time_zone)
        .datetime()
}

pub fn run(command: &PupilCommand) -> anyhow::Result<()> {
    crate::runtime()?.block_on(async {
        match command {
            PupilCommand::Admit(args) => admit(args).await,
            PupilCommand::Delete(args) => delete(args).await,
            PupilCommand::Register(args) => register(args).await,
        }
    })
}

/// A refusal's fields, one a line, as the command line names them.
pub(crate) fn refusal(error: StoreError) -> anyhow::Error {
    match error {
        StoreError::Refused(errors) => anyhow::anyhow!(
            "refused:\n{}",
            errors
                .iter()
                .map(|e| format!("  {}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        other => other.into(),
    }
}

async fn admit(args: &AdmitArgs) -> anyhow::Result<()> {
    let store = open(&args.who.place.db).await?;
    let school = find_school(&store, args.who.place.school.as_deref()).await?;
    let admission = NewAdmission {
        school: school.id,
        pupil: Pupil {
            upn: args.upn,
            legal_surname: args.surname.clone(),
            legal_forename: args.forename.clone(),
            preferred_forename: args.known_as.clone(),
            date_of_birth: args.born,
            sex: args.sex,
            year_group: args.year,
            reg_group: args.group.clone(),
            entry_date: Some(args.starting_day),
            leaving_date: None,
            fsm: args.fsm,
            eal: args.eal,
            pupil_premium: args.pupil_premium,
            sen: args.sen,
            school: None,
        },
        entry: Entry {
            address: args.address.clone(),
            last_school: args.last_school.clone(),
            boarder: args.boarder,
            registration: args.registration,
            other_school: args.other_school.clone(),
            future_address: None,
            next_school: None,
        },
        contacts: vec![Contact {
            name: args.parent.clone(),
            relationship: args.parent_relationship.clone(),
            parental_responsibility: true,
            lives_with_pupil: true,
            correspondence: true,
            salutation: None,
            priority: 1,
            phones: vec![args.parent_phone.clone()],
            email: args.parent_email.clone(),
            address: Some(args.address.clone()),
            preferred_language: None,
            court_order: None,
            opted_out: false,
        }],
        actor: args.who.actor(),
        at: school_now(),
    };
    let key = store.admit(&admission).await.map_err(refusal)?;
    store.close().await;
    write_stdout(&format!(
        "Admitted {} {} ({}) to {} from {}: pupil {}\n",
        args.forename, args.surname, args.upn, args.group, args.starting_day, key.0
    ))
}

async fn delete(args: &DeleteArgs) -> anyhow::Result<()> {
    let store = open(&args.who.place.db).await?;
    let school = find_school(&store, args.who.place.school.as_deref()).await?;
    let policy =
        rollcall_files::parse_policy(std::path::Path::new("the stored policy"), &school.policy)?;
    let Some(record) = store
        .pupils(school.id)
        .await?
        .into_iter()
        .find(|p| p.pupil.upn.as_str() == args.upn.to_ascii_uppercase())
    else {
        bail!("no pupil with UPN {} at {}", args.upn, school.name);
    };
    let deletion = Deletion {
        ground: args.ground,
        leaving_date: args.leaving_date,
        other_school: args.other_school.clone(),
        evidence_date: args.evidence_date,
        enquiries: args.enquiries.clone(),
        confirmed: args.confirm,
        note: args.note.clone(),
    };
    let now = school_now();
    rollcall_store::delete(
        &store,
        record.key,
        &deletion,
        &policy.calendar,
        &args.who.actor(),
        now,
    )
    .await
    .map_err(refusal)?;
    store.close().await;
    write_stdout(&format!(
        "Deleted {} from the admission register under {}; last day on roll {}\n",
        record.pupil.name(),
        args.ground.paragraph(),
        args.leaving_date
    ))
}

#[derive(Serialize)]
struct Line {
    upn: String,
    surname: String,
    forename: String,
    date_of_birth: Date,
    sex: &'static str,
    year: String,
    group: String,
    starting_day: Option<Date>,
    leaving_date: Option<Date>,
    registration: &'static str,
    ground: &'static str,
}

async fn register(args: &RegisterArgs) -> anyhow::Result<()> {
    let store = open(&args.place.db).await?;
    let school = find_school(&store, args.place.school.as_deref()).await?;
    let mut lines = store
        .admission_register(school.id)
        .await
        .context("cannot read the admission register")?;
    store.close().await;
    lines.sort_by(|a, b| index_order(&a.record.pupil, &b.record.pupil));
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| {
            let p = l.record.pupil;
            Line {
                upn: p.upn.to_string(),
                surname: p.legal_surname,
                forename: p.legal_forename,
                date_of_birth: p.date_of_birth,
                sex: p.sex.code(),
                year: p.year_group.to_string(),
                group: p.reg_group,
                starting_day: p.entry_date,
                leaving_date: p.leaving_date,
                registration: l.entry.map_or("", |e| e.entry.registration.code()),
                ground: l.deletion.map_or("", |d| d.deletion.ground.id()),
            }
        })
        .collect();
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&lines)? + "\n",
        Format::Csv => {
            let mut out = csv::Writer::from_writer(Vec::new());
            for line in &lines {
                out.serialize(line)?;
            }
            String::from_utf8(out.into_inner()?)?
        }
        Format::Table => {
            let mut table = Table::new(
                &[
                    "Name",
                    "UPN",
                    "Born",
                    "Sex",
                    "Class",
                    "Starting day",
                    "Left",
                    "Ground",
                ],
                &[false; 8],
            );
            let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
            for l in &lines {
                table.row(vec![
                    format!("{}, {}", l.surname, l.forename),
                    l.upn.clone(),
                    l.date_of_birth.to_string(),
                    l.sex.to_owned(),
                    l.group.clone(),
                    date(l.starting_day),
                    date(l.leaving_date),
                    l.ground.to_owned(),
                ]);
            }
            table.render()
        }
    };
    write_stdout(&text)
}
