//! `rollcall worklist`: what a school's procedures ask for at a date and time, from a database.

use anyhow::Context;
use clap::Args;
use jiff::civil::DateTime;
use rollcall_store::{Casebook, Due};
use serde::Serialize;

use crate::Format;
use crate::admin::{find_school, open};
use crate::report::write_stdout;
use crate::table::Table;

#[derive(Args)]
pub struct WorklistArgs {
    /// The database (sqlite:PATH or postgres://...).
    #[arg(long, value_name = "URL")]
    db: String,
    /// The school's local date and time to ask at, such as 2025-11-14T09:45.
    #[arg(long, value_name = "DATETIME")]
    at: DateTime,
    /// The school's URN, when the database holds more than one school.
    #[arg(long, value_name = "URN")]
    school: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Serialize)]
struct Line<'a> {
    due: String,
    upn: &'a str,
    pupil: String,
    reg_group: &'a str,
    item: String,
    kind: &'static str,
    what: &'a str,
    who: &'a str,
    reason: &'a str,
    source: &'a str,
}

impl<'a> Line<'a> {
    fn of(due: &'a Due<'a>) -> Line<'a> {
        let item = &due.item;
        Line {
            due: item.due.strftime("%Y-%m-%d %H:%M").to_string(),
            upn: due.pupil.pupil.upn.as_str(),
            pupil: due.pupil.pupil.name(),
            reg_group: &due.pupil.pupil.reg_group,
            item: item.key.to_string(),
            kind: item.kind.id(),
            what: &item.what,
            who: &item.who,
            reason: &item.reason,
            source: &item.source,
        }
    }
}

pub fn run(args: &WorklistArgs) -> anyhow::Result<()> {
    let text = crate::runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let school = find_school(&store, args.school.as_deref()).await?;
        let policy = rollcall_files::parse_policy(
            std::path::Path::new("the stored policy"),
            &school.policy,
        )?;
        let book = Casebook::school(&store, school.id, args.at.date())
            .await
            .context("cannot read the school's register and casework")?;
        let due = book.items(&policy, args.at);
        let lines: Vec<Line<'_>> = due.iter().map(Line::of).collect();
        let text = render(&lines, args.format)?;
        store.close().await;
        anyhow::Ok(text)
    })?;
    write_stdout(&text)
}

fn render(lines: &[Line<'_>], format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(lines)? + "\n",
        Format::Csv => {
            let mut out = csv::Writer::from_writer(Vec::new());
            for line in lines {
                out.serialize(line)?;
            }
            String::from_utf8(out.into_inner()?)?
        }
        Format::Table => {
            if lines.is_empty() {
                return Ok("Nothing is due.\n".to_owned());
            }
            let mut table = Table::new(
                &["Due", "Pupil", "Group", "What", "Who", "Why", "Item"],
                &[false; 7],
            );
            for l in lines {
                table.row(vec![
                    l.due.clone(),
                    l.pupil.clone(),
                    l.reg_group.to_owned(),
                    l.what.to_owned(),
                    l.who.to_owned(),
                    l.reason.to_owned(),
                    l.item.clone(),
                ]);
            }
            table.render()
        }
    })
}
