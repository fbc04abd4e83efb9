//! `rollcall report census`: the school census's attendance module for one term, from files or
//! a database, with the checks COLLECT makes.

use clap::{Args, ValueEnum};
use rollcall_core::AcademicYear;
use rollcall_core::census::CensusTerm;
use rollcall_returns::census::{Severity, extract, to_csv};

use crate::Source;
use crate::report::{load, write_stdout};

/// A census term.
#[derive(Clone, Copy, ValueEnum)]
pub enum Term {
    /// The autumn term (1 August to 31 December), collected in the spring census.
    Autumn,
    /// The spring term (1 January to Easter Sunday), collected in the summer census.
    Spring,
    /// The summer term's first half (to the Sunday before the spring bank holiday).
    Summer1,
    /// The summer term's second half (from the spring bank holiday to 31 July).
    Summer2,
}

#[derive(Args)]
pub struct CensusArgs {
    #[command(flatten)]
    source: Source,
    /// The school year, by the calendar year it starts in (2025 for 2025/26).
    #[arg(long)]
    year: i16,
    /// The census term.
    #[arg(long, value_enum)]
    term: Term,
}

/// Writes the extract as CSV to standard output, and each check's finding to standard error;
/// fails when a finding is an error COLLECT would refuse.
pub fn census(args: &CensusArgs) -> anyhow::Result<()> {
    let school = load(&args.source)?;
    let term = match args.term {
        Term::Autumn => CensusTerm::Autumn,
        Term::Spring => CensusTerm::Spring,
        Term::Summer1 => CensusTerm::SummerFirstHalf,
        Term::Summer2 => CensusTerm::SummerSecondHalf,
    };
    let first = jiff::civil::Date::new(args.year, 9, 1)?;
    let extract = extract(
        &school.register,
        &school.calendar,
        term,
        AcademicYear::of(first),
    );
    write_stdout(&to_csv(&extract)?)?;
    let mut errors = 0;
    for finding in &extract.findings {
        let severity = match finding.severity {
            Severity::Error => {
                errors += 1;
                "error"
            }
            Severity::Query => "query",
        };
        eprintln!("{} {severity}: {}", finding.upn, finding.message);
    }
    if errors > 0 {
        anyhow::bail!(
            "{errors} finding{} COLLECT would refuse; put them right before the return",
            if errors == 1 { "" } else { "s" }
        );
    }
    Ok(())
}
