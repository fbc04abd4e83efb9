use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// `rollcall serve --demo` on a new database makes the demo trust: three schools, each with
/// last year's marks beside this year's, and the trust's director, the local authority's
/// officer and a governor to sign in as.
#[test]
fn the_demo_is_a_trust_with_last_year() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("demo.sqlite").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args([
            "serve",
            "--demo",
            "--db",
            &url,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    for line in BufReader::new(server.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("Stop it with") {
            break;
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
    for who in ["director / ", "la      / ", "governor / "] {
        assert!(printed.contains(who), "{who}: {printed}");
    }
    // The schools by their URNs: the demo school, the infant and the junior school.
    for school in ["199999", "199998", "199997"] {
        let cohorts = crate::fixture::rollcall(
            dir.path(),
            &[
                "report",
                "cohorts",
                "--db",
                &url,
                "--school",
                school,
                "--period",
                "four_weeks",
            ],
        );
        assert_eq!(cohorts.status, 0, "{school}: {}", cohorts.stderr);
        let all = cohorts.stdout.lines().nth(1).unwrap_or_default().to_owned();
        let cells: Vec<&str> = all.split(',').collect();
        // The same four weeks last year have pupils and an attendance.
        assert!(
            cells.len() == 16 && !cells[13].is_empty() && !cells[14].is_empty(),
            "{school}: {all}"
        );
    }
}
