//! Analytics: attendance by cohort and period, against the same period last year and all
//! pupils. Pure: the caller reads the register and pupils' circumstances from the store; every
//! figure comes from the core's statistics, the same functions `report attendance` uses.

pub mod caseload;
pub mod cohorts;
pub mod national;
pub mod period;
pub mod pupils;
pub mod qa;
pub mod report;
pub mod signs;
pub mod summary;
pub mod targets;
pub mod watch;

pub use cohorts::{Cohort, CohortRow, Cut, cohort_of, cohort_table, gap, points};
pub use national::{Measure, National};
pub use period::{Period, last_year};
pub use pupils::{PupilOrder, cohort_pupils};
pub use report::{CohortReport, DEFINITIONS};
pub use rollcall_core::trajectory::projected_persistent;
pub use signs::{Signs, signs};
pub use targets::{Rag, Targets};
pub use watch::{Watch, Watched, watch_list};
