//! `rollcall backup` and `rollcall restore`: a whole database to one file and back, the restored
//! copy's ledger verified.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use rollcall_store::Directory as _;

#[derive(Args)]
pub struct BackupArgs {
    /// The database.
    #[arg(long, value_name = "URL")]
    db: String,
    /// The backup file to write; it must not exist.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup file, from `rollcall backup`.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// The empty database to restore into (a SQLite file that does not exist yet, or a new
    /// PostgreSQL database).
    #[arg(long, value_name = "URL")]
    db: String,
}

pub fn backup(args: &BackupArgs) -> anyhow::Result<()> {
    crate::runtime()?.block_on(async {
        rollcall_store_sql::backup(&args.db, &args.out).await?;
        let size = std::fs::metadata(&args.out).map_or(0, |m| m.len());
        println!("Backed up to {} ({size} bytes).", args.out.display());
        Ok(())
    })
}

pub fn restore(args: &RestoreArgs) -> anyhow::Result<()> {
    crate::runtime()?.block_on(async {
        rollcall_store_sql::restore(&args.from, &args.db).await?;
        let store = crate::admin::open(&args.db).await?;
        let broken = crate::admin::verify_schools(&store, store.schools().await?).await;
        store.close().await;
        if broken? > 0 {
            bail!("the restored copy's ledger does not verify: run rollcall verify-ledger on it");
        }
        println!("Restored from {}.", args.from.display());
        Ok(())
    })
}
