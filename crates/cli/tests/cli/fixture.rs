use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::civil::{Date, Weekday, date};

/// The output of one run of `rollcall`.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `rollcall` with arguments in a directory.
pub fn rollcall(dir: &Path, args: &[&str]) -> Run {
    rollcall_with(dir, args, &[])
}

/// Runs `rollcall` with arguments and environment variables in a directory.
pub fn rollcall_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .expect("rollcall runs");
    Run {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

pub const POLICY: &str = r#"
[school]
name = "Fixture Primary"
la_estab = "801/2000"

[sessions.am]
register_opens = 08:45
register_closes = 09:15
session_ends = 12:00

[sessions.pm]
register_opens = 13:00
register_closes = 13:30
session_ends = 15:15

[attendance]
target = 96

[[calendar.terms]]
name = "Autumn 2025"
first_day = 2025-09-01
last_day = 2025-10-24

[[calendar.closures]]
date = 2025-09-01
reason = "INSET day"
"#;

pub const PUPILS: &str = "upn,legal_surname,legal_forename,preferred_forename,date_of_birth,sex,year_group,reg_group,entry_date,leaving_date,fsm,eal,sen
B801200005001,Able,Amelia,Amy,2015-03-01,F,5,5A,,,false,false,N
Q801200005002,Baker,Ben,,2015-04-01,M,5,5A,,,true,false,K
E801200005003,Cole,Cara,,2014-12-01,F,5,5B,,,false,true,N
U801200005004,Dale,Dan,,2015-06-01,M,5,5B,2025-09-08,,true,false,E
";

/// The school days of the fixture's term: 2 September to 24 October 2025.
pub fn school_days() -> Vec<Date> {
    let mut days = Vec::new();
    let mut d = date(2025, 9, 2);
    while d <= date(2025, 10, 24) {
        if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            days.push(d);
        }
        d = d.tomorrow().unwrap();
    }
    days
}

/// Each pupil's marks, day by day:
/// - Amy attends, late once by 12 minutes and once after the register closed;
/// - Ben is on an unauthorised holiday for the first week of October;
/// - Cara is ill for three weeks from 8 September;
/// - Dan joins on 8 September and stops coming on 6 October; the reason is never established.
pub fn marks() -> String {
    let mut out = String::from("upn,date,session,code,minutes_late\n");
    let mut row = |upn: &str, d: Date, am: &str, pm: &str, minutes: &str| {
        out.push_str(&format!(
            "{upn},{d},AM,{am},{minutes}\n{upn},{d},PM,{pm},\n"
        ));
    };
    for d in school_days() {
        let (am, minutes) = match d {
            _ if d == date(2025, 9, 10) => ("L", "12"),
            _ if d == date(2025, 9, 17) => ("U", "45"),
            _ => ("/", ""),
        };
        row("B801200005001", d, am, "\\", minutes);
        let holiday = (date(2025, 10, 6)..=date(2025, 10, 10)).contains(&d);
        let (am, pm) = if holiday { ("G", "G") } else { ("/", "\\") };
        row("Q801200005002", d, am, pm, "");
        let ill = (date(2025, 9, 8)..=date(2025, 9, 26)).contains(&d);
        let (am, pm) = if ill { ("I", "I") } else { ("/", "\\") };
        row("E801200005003", d, am, pm, "");
        if d >= date(2025, 9, 8) {
            let (am, pm) = if d >= date(2025, 10, 6) {
                ("N", "N")
            } else {
                ("/", "\\")
            };
            row("U801200005004", d, am, pm, "");
        }
    }
    out.push_str("B801200005001,2025-09-01,AM,#,\nB801200005001,2025-09-01,PM,#,\n");
    out
}

/// A directory holding the fixture's three files.
pub struct School {
    pub dir: tempfile::TempDir,
}

impl School {
    pub fn new() -> School {
        School::with(PUPILS, &marks(), POLICY)
    }

    pub fn with(pupils: &str, marks: &str, policy: &str) -> School {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pupils.csv"), pupils).unwrap();
        std::fs::write(dir.path().join("marks.csv"), marks).unwrap();
        std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
        School { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// Runs `rollcall` with the fixture's files appended to the arguments.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut all = args.to_vec();
        all.extend([
            "--pupils",
            "pupils.csv",
            "--marks",
            "marks.csv",
            "--policy",
            "policy.toml",
        ]);
        rollcall(self.dir.path(), &all)
    }
}
