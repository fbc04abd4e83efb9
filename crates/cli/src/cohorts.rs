//! `rollcall report cohorts`: a school's attendance by cohort over a period, against the same
//! dates last year, as CSV: the figures of the Analysis page and the API.

use anyhow::Context;
use clap::Args;
use jiff::civil::Date;
use rollcall_analytics::{Cut, Period};

use crate::admin::{find_school, open};
use crate::pupils::{Place, school_now};
use crate::report::write_stdout;

#[derive(Args)]
pub struct CohortsArgs {
    #[command(flatten)]
    place: Place,
    /// week, half_term, term, year (to date) or four_weeks.
    #[arg(long, default_value = "year")]
    period: String,
    /// all, year_group, reg_group, sex, fsm, pupil_premium, eal, sen, looked_after,
    /// child_in_need or vulnerability.
    #[arg(long, default_value = "all")]
    cut: String,
    /// The day the period runs to; today where schools are unless given.
    #[arg(long, value_name = "DATE")]
    at: Option<Date>,
}

pub fn cohorts(args: &CohortsArgs) -> anyhow::Result<()> {
    let period = Period::parse(&args.period).with_context(|| {
        let names: Vec<&str> = Period::NAMED.iter().map(|p| p.id()).collect();
        format!("{:?} is not a period: {}", args.period, names.join(", "))
    })?;
    let cut = Cut::parse(&args.cut).with_context(|| {
        let names: Vec<&str> = Cut::ALL.iter().map(|c| c.id()).collect();
        format!("{:?} is not a cut: {}", args.cut, names.join(", "))
    })?;
    // A day given is taken at its end: every register of it closed.
    let now = match args.at {
        Some(day) => day.at(23, 59, 59, 0),
        None => school_now(),
    };
    crate::runtime()?.block_on(async {
        let store = open(&args.place.db).await?;
        let school = find_school(&store, args.place.school.as_deref()).await?;
        let policy = rollcall_files::parse_policy(
            std::path::Path::new("the stored policy"),
            &school.policy,
        )?;
        let report =
            rollcall_store::analytics::cohort_report(&store, school.id, &policy, cut, period, now)
                .await?;
        store.close().await;
        write_stdout(&report.to_csv()?)
    })
}
