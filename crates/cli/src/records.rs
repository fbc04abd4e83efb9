//! `rollcall retention`: erasing register entries past the regulations' retention, for pupils
//! who have left, with each erasure logged.

use clap::Args;
use jiff::civil::Date;
use rollcall_core::records::RETENTION_YEARS_MIN;
use rollcall_core::{past_retention, retention_cutoff};
use rollcall_store::{OldSession, Records as _, erasures_of};

use crate::admin::open;

#[derive(Args)]
pub struct RetentionArgs {
    /// The database.
    #[arg(long, value_name = "URL")]
    db: String,
    /// List what is past retention, erasing nothing.
    #[arg(long)]
    dry_run: bool,
    /// How many years register entries are kept: at least 6 (regulation 7 of the 2024
    /// regulations); a school may keep them longer.
    #[arg(long, default_value_t = RETENTION_YEARS_MIN)]
    years: i16,
    /// Count from this day instead of today.
    #[arg(long, value_name = "DATE")]
    today: Option<Date>,
}

pub fn retention(args: &RetentionArgs) -> anyhow::Result<()> {
    let today = args.today.unwrap_or_else(|| jiff::Zoned::now().date());
    let cutoff = retention_cutoff(today, args.years)?;
    crate::runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let due: Vec<OldSession> = store
            .old_sessions(today, cutoff)
            .await?
            .into_iter()
            .filter(|s| past_retention(s.date, s.last_entry, Some(s.left), today, cutoff))
            .collect();
        println!(
            "Register entries made before {cutoff} are past retention ({} years); \
             pupils still on roll keep everything.",
            args.years
        );
        let erasures = if args.dry_run {
            erasures_of(&due)
        } else {
            store
                .erase(&due, cutoff, jiff::Timestamp::now(), "rollcall retention")
                .await?
        };
        for e in &erasures {
            println!(
                "  {} (left {}): {} sessions from {} to {}, {} ledger entries",
                e.pupil_name, e.left, e.sessions, e.first, e.last, e.entries
            );
        }
        let sessions: u64 = erasures.iter().map(|e| e.sessions).sum();
        match (erasures.len(), args.dry_run) {
            (0, _) => println!("Nothing is past retention."),
            (pupils, true) => println!(
                "Would erase {sessions} sessions of {pupils} pupils; run without --dry-run to \
                 erase them."
            ),
            (pupils, false) => println!(
                "Erased {sessions} sessions of {pupils} pupils, each pupil's erasure in the \
                 retention log."
            ),
        }
        store.close().await;
        Ok(())
    })
}
