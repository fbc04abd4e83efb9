//! Commands that work on a database: import and checking ledgers.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rollcall_files::LoadedSchool;
use rollcall_store::{
    Actor, Directory as _, ImportDetails, ImportTarget, NewSchool, Registers as _, SchoolRecord,
    Store,
};
use rollcall_store_sql::SqlStore;

use crate::report::load_files;

/// Opens a database, bringing its schema up to date.
pub async fn open(url: &str) -> anyhow::Result<SqlStore> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        && let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    SqlStore::connect(url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(url)))
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// The school with a URN, or the only school.
pub async fn find_school(store: &dyn Store, urn: Option<&str>) -> anyhow::Result<SchoolRecord> {
    let schools = store.schools().await?;
    match urn {
        Some(urn) => schools
            .into_iter()
            .find(|s| s.urn.is_some_and(|u| u.to_string() == urn))
            .with_context(|| format!("no school with URN {urn} in the database")),
        None => match <[SchoolRecord; 1]>::try_from(schools) {
            Ok([only]) => Ok(only),
            Err(schools) if schools.is_empty() => bail!("the database has no schools yet"),
            Err(schools) => {
                let names: Vec<String> = schools
                    .iter()
                    .map(|s| {
                        format!(
                            "{} ({})",
                            s.name,
                            s.urn.map_or("no URN".to_owned(), |u| u.to_string())
                        )
                    })
                    .collect();
                bail!(
                    "the database holds {} schools; choose one with --school URN: {}",
                    names.len(),
                    names.join(", ")
                )
            }
        },
    }
}

/// Loads a school's register and policy from a database, for reports.
pub async fn load_from_db(url: &str, urn: Option<&str>) -> anyhow::Result<LoadedSchool> {
    let store = open(url).await?;
    let school = find_school(&store, urn).await?;
    let policy =
        rollcall_files::parse_policy(std::path::Path::new("the stored policy"), &school.policy)?;
    let register = store.load_register(school.id).await?;
    store.close().await;
    Ok(LoadedSchool {
        register,
        calendar: policy.calendar.clone(),
        policy: Some(policy),
    })
}

#[derive(Args)]
pub struct ImportArgs {
    /// The database (sqlite:PATH or postgres://...).
    #[arg(long, value_name = "URL")]
    db: String,
    /// The school's policy file: it names the school (by URN, else by name).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The pupils file.
    #[arg(long, value_name = "FILE")]
    pupils: PathBuf,
    /// The marks file.
    #[arg(long, value_name = "FILE")]
    marks: PathBuf,
    /// The pupils' parents, carers and emergency contacts (contacts.csv), imported with them.
    #[arg(long, value_name = "FILE")]
    contacts: Option<PathBuf>,
}

pub fn import(args: &ImportArgs) -> anyhow::Result<()> {
    // Every row is checked before anything is written.
    let loaded = load_files(&args.pupils, &args.marks, Some(&args.policy))?;
    let policy = loaded
        .policy
        .as_ref()
        .context("the policy file was not read")?;
    let policy_text = std::fs::read_to_string(&args.policy)?;
    let contacts = match &args.contacts {
        Some(path) => rollcall_files::read_contacts(path, loaded.register.roll())?
            .into_iter()
            .map(|c| (c.upn, c.contact))
            .collect(),
        None => Vec::new(),
    };
    let contacts = ImportDetails {
        contacts,
        history: Vec::new(),
        at: jiff::Zoned::now()
            .with_time_zone(rollcall_web::Config::default().time_zone)
            .datetime(),
    };
    crate::runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let schools = store.schools().await?;
        let existing = schools
            .into_iter()
            .find(|s| match (s.urn, policy.school.urn) {
                (Some(a), Some(b)) => a == b,
                _ => s.name == policy.school.name,
            });
        let marks = loaded.register.mark_count();
        let bar = ProgressBar::new(marks).with_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} marks ({eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(format!("Importing {}", policy.school.name));
        let target = match &existing {
            Some(s) => ImportTarget::School {
                id: s.id,
                policy: Some(policy_text.clone()),
            },
            None => ImportTarget::New(NewSchool {
                trust: None,
                name: policy.school.name.clone(),
                urn: policy.school.urn,
                la_estab: policy.school.la_estab,
                policy: policy_text.clone(),
            }),
        };
        let actor = Actor {
            user: None,
            name: "rollcall import".into(),
            position: "Import from files".into(),
        };
        let summary = store
            .import(
                &target,
                &loaded.register,
                &contacts,
                &actor,
                jiff::Timestamp::now(),
                &|n| bar.set_position(n),
            )
            .await;
        bar.finish_and_clear();
        let summary = summary.context("the import was refused; nothing was changed")?;
        println!(
            "Imported {} into {}: {} pupils added, {} updated; {} marks added, {} already held; {} contacts.",
            policy.school.name,
            redact(&args.db),
            summary.pupils_added,
            summary.pupils_updated,
            summary.marks_added,
            summary.marks_unchanged,
            contacts.contacts.len()
        );
        store.close().await;
        Ok(())
    })
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The database.
    #[arg(long, value_name = "URL")]
    db: String,
    /// Only this school (by URN).
    #[arg(long, value_name = "URN")]
    school: Option<String>,
}

pub fn verify(args: &VerifyArgs) -> anyhow::Result<()> {
    crate::runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let schools = match &args.school {
            Some(urn) => vec![find_school(&store, Some(urn)).await?],
            None => store.schools().await?,
        };
        let broken = verify_schools(&store, schools).await;
        store.close().await;
        match broken? {
            0 => Ok(()),
            1 => bail!("1 ledger does not verify"),
            n => bail!("{n} ledgers do not verify"),
        }
    })
}

/// Replays each school's ledger and says what it found; how many did not verify.
pub async fn verify_schools(store: &SqlStore, schools: Vec<SchoolRecord>) -> anyhow::Result<usize> {
    let mut broken = 0;
    for school in schools {
        let check = store.verify_ledger(school.id).await?;
        if check.intact() {
            println!(
                "{}: intact, {} entries explain {} marks",
                school.name, check.entries, check.marks
            );
            continue;
        }
        broken += 1;
        let sessions = match check.problems.len() {
            1 => "1 session".to_owned(),
            n => format!("{n} sessions"),
        };
        println!(
            "{}: BROKEN, {sessions} not explained by the ledger:",
            school.name
        );
        for p in &check.problems {
            println!(
                "  {} {} {}: {}",
                p.upn, p.key.date, p.key.session, p.problem
            );
        }
    }
    Ok(broken)
}
