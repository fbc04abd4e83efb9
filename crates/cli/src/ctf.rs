//! `rollcall ctf`: common transfer files. `export` writes a CTF of leavers for their next school;
//! `import` takes in the CTF of pupils arriving, all or nothing.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use jiff::civil::Date;
use rollcall_core::{LaEstab, Upn, YearGroup};
use rollcall_store::Directory as _;
use rollcall_store::transfer::{export, import};
use rollcall_transfer::Placing;

use crate::admin::{find_school, open};
use crate::pupils::{Place, Who, refusal, school_now};
use crate::report::write_stdout;

#[derive(Subcommand)]
pub enum CtfCommand {
    /// Writes a CTF (version 25.0) of pupils for their next school: core data, contacts and
    /// attendance for every year held, with the marks of this school's years.
    Export(ExportArgs),
    /// Takes in a CTF: its pupils join a class on a starting day, with their contacts and
    /// their attendance at earlier schools. Nothing is kept unless the whole file is good.
    Import(ImportArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    place: Place,
    /// A pupil to include, by UPN; repeat for more.
    #[arg(long = "pupil", value_name = "UPN", required = true,
          value_parser = |s: &str| Upn::parse(s).map_err(|e| e.to_string()))]
    pupils: Vec<Upn>,
    /// The next school's LA/establishment number (801/2000); unknown when left out.
    #[arg(long, value_name = "LAESTAB",
          value_parser = |s: &str| LaEstab::parse(s).map_err(|e| e.to_string()))]
    to: Option<LaEstab>,
    /// Where to write the file; standard output when left out.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    who: Who,
    /// The CTF.
    file: PathBuf,
    /// The class the pupils join.
    #[arg(long, value_name = "GROUP")]
    group: String,
    /// Their starting day.
    #[arg(long, value_name = "DATE")]
    starting_day: Date,
    /// The year group for a pupil the file gives none.
    #[arg(long, value_parser = |s: &str| YearGroup::parse(s).map_err(|e| e.to_string()))]
    year: YearGroup,
}

pub fn run(command: &CtfCommand) -> anyhow::Result<()> {
    crate::runtime()?.block_on(async {
        match command {
            CtfCommand::Export(args) => export_file(args).await,
            CtfCommand::Import(args) => import_file(args).await,
        }
    })
}

async fn export_file(args: &ExportArgs) -> anyhow::Result<()> {
    let store = open(&args.place.db).await?;
    let school = find_school(&store, args.place.school.as_deref()).await?;
    let policy =
        rollcall_files::parse_policy(std::path::Path::new("the stored policy"), &school.policy)?;
    let held = store.pupils(school.id).await?;
    let keys = args
        .pupils
        .iter()
        .map(|upn| {
            held.iter()
                .find(|p| p.pupil.upn == *upn)
                .map(|p| p.key)
                .with_context(|| format!("no pupil with UPN {upn} at {}", school.name))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ctf = export(
        &store,
        school.id,
        &keys,
        &policy.calendar,
        args.to,
        school_now(),
    )
    .await
    .map_err(refusal)?;
    store.close().await;
    let text = rollcall_transfer::write(&ctf);
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => write_stdout(&text),
    }
}

async fn import_file(args: &ImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let ctf = rollcall_transfer::read(&text).with_context(|| args.file.display().to_string())?;
    let store = open(&args.who.place.db).await?;
    let school = find_school(&store, args.who.place.school.as_deref()).await?;
    let placing = Placing {
        reg_group: args.group.clone(),
        entry_date: args.starting_day,
        year_group: args.year,
    };
    let summary = import(
        &store,
        school.id,
        &ctf,
        &placing,
        &args.who.actor(),
        jiff::Timestamp::now(),
        school_now(),
    )
    .await
    .map_err(refusal)
    .with_context(|| args.file.display().to_string())?;
    store.close().await;
    write_stdout(&format!(
        "{}: {} pupils added, {} updated, from {} ({})\n",
        args.file.display(),
        summary.pupils_added,
        summary.pupils_updated,
        ctf.header.source.name,
        ctf.header.source.la_estab
    ))
}
