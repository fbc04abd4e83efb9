//! The morning burst: many teachers submitting 30-pupil registers at once.
//!
//! The real application serves on loopback; each teacher is an HTTP client with their own
//! session, submitting their group's morning register for one school day after another, as the
//! browser form does. It runs against SQLite and against PostgreSQL with its default durability
//! (fsync and synchronous commit on), and then counts what the database holds: every register
//! acknowledged (303) must be there with all 30 marks. pgbench's single-row updates on the same
//! cluster, in the same run, give the ceiling.
//!
//!     cargo bench -p rollcall-web --bench burst [-- --teachers 100 --days 20 --only sqlite|postgres]

// A benchmark program: a failed step is a failed run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jiff::civil::{Date, date};
use rollcall_core::{Pupil, RegisterBuilder, Role, Roll, SenStatus, Session, Sex, Upn, YearGroup};
use rollcall_store::{Actor, NewSchool, NewUser, Store};
use rollcall_testkit::fixture::POLICY;
use rollcall_testkit::{Backend, TestDb, database, database_in, durable_cluster, postgres_program};
use rollcall_web::{AppState, FixedClock, Passwords, new_token, token_hash};

const CLASS: usize = 30;

struct Figures {
    backend: &'static str,
    registers: usize,
    seconds: f64,
    p50: Duration,
    p99: Duration,
}

fn upn(n: usize) -> Upn {
    let rest = format!("801200{:06}", n);
    let bytes: [u8; 12] = rest.as_bytes().try_into().unwrap();
    let check = rollcall_core::ids::upn_check_letter(&bytes).unwrap();
    Upn::parse(&format!("{check}{rest}")).unwrap()
}

/// A school of `groups` classes of 30, a teacher for each with a signed-in session.
async fn school(store: &dyn Store, groups: usize) -> (i64, Vec<(i64, String, Vec<i64>)>) {
    let school = store
        .create_school(&NewSchool {
            trust: None,
            name: "Burst".into(),
            urn: None,
            la_estab: None,
            policy: POLICY.into(),
        })
        .await
        .unwrap();
    let pupils: Vec<Pupil> = (0..groups * CLASS)
        .map(|n| Pupil {
            upn: upn(n),
            legal_surname: format!("Surname{n:05}"),
            legal_forename: "Pat".into(),
            preferred_forename: None,
            date_of_birth: date(2015, 5, 1),
            sex: Sex::Female,
            year_group: YearGroup::year(5).unwrap(),
            reg_group: format!("G{:03}", n / CLASS),
            entry_date: None,
            leaving_date: None,
            fsm: false,
            eal: false,
            sen: SenStatus::None,
            school: None,
        })
        .collect();
    let roll = Roll::new(pupils).unwrap();
    let empty = RegisterBuilder::new(&roll).finish(roll.clone());
    let actor = Actor {
        user: None,
        name: "Setup".into(),
        position: "Benchmark".into(),
    };
    store
        .import(school, &empty, &actor, jiff::Timestamp::now(), &|_| {})
        .await
        .unwrap();
    let stored = store.pupils(school).await.unwrap();
    let mut teachers = Vec::new();
    for group in store.groups(school).await.unwrap() {
        let user = store
            .create_user(&NewUser {
                username: format!("teacher-{}", group.name),
                name: format!("Teacher {}", group.name),
                position: "Class teacher".into(),
                password_hash: None,
            })
            .await
            .unwrap();
        store.grant_role(user, school, Role::Teacher).await.unwrap();
        store.assign_staff(group.id, user).await.unwrap();
        let token = new_token();
        let expires = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_hours(24))
            .unwrap();
        store
            .create_session(&token_hash(&token), user, expires)
            .await
            .unwrap();
        let members = stored
            .iter()
            .filter(|p| p.group == Some(group.id))
            .map(|p| p.key.0)
            .collect();
        teachers.push((group.id.0, format!("rollcall_session={token}"), members));
    }
    (school.0, teachers)
}

/// The form a teacher submits: most present, a few absent or late.
fn form(pupils: &[i64]) -> String {
    pupils
        .iter()
        .enumerate()
        .map(|(i, p)| match i % 15 {
            7 => format!("mark_{p}=N"),
            11 => format!("mark_{p}=late&late_at_{p}=09:02"),
            _ => format!("mark_{p}=present"),
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn burst(db: &TestDb, name: &'static str, groups: usize, days: usize) -> Figures {
    let store: Arc<dyn Store> = Arc::new(db.store().await);
    let (school, teachers) = school(store.as_ref(), groups).await;
    let policy = rollcall_files::parse_policy(std::path::Path::new("policy"), POLICY).unwrap();
    let dates: Vec<Date> = policy
        .calendar
        .school_sessions(rollcall_core::DateRange {
            first: date(2025, 9, 1),
            last: date(2025, 12, 19),
        })
        .filter(|s| s.session() == Session::Am)
        .map(|s| s.key().date)
        .take(days)
        .collect();
    let end_of_term = date(2025, 12, 19)
        .at(17, 0, 0, 0)
        .in_tz("Europe/London")
        .unwrap()
        .timestamp();
    let state = AppState::new(store.clone())
        .with_clock(Arc::new(FixedClock::new(end_of_term)))
        .with_passwords(Passwords::cheap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rollcall_web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (group, cookie, pupils) in teachers {
        let (client, dates) = (client.clone(), dates.clone());
        let body = form(&pupils);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(dates.len());
            for date in dates {
                let request = axum::http::Request::post(format!(
                    "http://{address}/s/{school}/registers/{group}/{date}/am"
                ))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", &cookie)
                .body(Full::new(Bytes::from(body.clone())))
                .unwrap();
                let sent = Instant::now();
                let response = client.request(request).await.unwrap();
                let status = response.status();
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(status, 303, "{}", String::from_utf8_lossy(&bytes));
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    // Every acknowledged register is there, whole.
    let register = store
        .load_register(rollcall_store::SchoolId(school))
        .await
        .unwrap();
    assert_eq!(
        register.mark_count() as usize,
        latencies.len() * CLASS,
        "acknowledged marks lost"
    );
    let mut taken = 0;
    for date in &dates {
        taken += store
            .submissions(rollcall_store::SchoolId(school), *date)
            .await
            .unwrap()
            .len();
    }
    assert_eq!(taken, latencies.len(), "acknowledged registers lost");
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Figures {
        backend: name,
        registers: latencies.len(),
        seconds,
        p50: at(0.50),
        p99: at(0.99),
    }
}

/// pgbench: single-row updates from as many clients, for the same cluster's ceiling.
fn pgbench(port: u16, clients: usize) -> f64 {
    let run = |args: &[&str]| {
        let output = std::process::Command::new(postgres_program("pgbench"))
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "rollcall"])
            .args(args)
            .output()
            .expect("pgbench runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let createdb = std::process::Command::new(postgres_program("createdb"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "rollcall",
            "pgbench",
        ])
        .status()
        .unwrap();
    assert!(createdb.success());
    run(&["-i", "-q", "-s", "10", "pgbench"]);
    let script = std::env::temp_dir().join(format!("rollcall-pgbench-{}.sql", std::process::id()));
    std::fs::write(
        &script,
        "\\set aid random(1, 1000000)\nUPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;\n",
    )
    .unwrap();
    let out = run(&[
        "-n",
        "-f",
        script.to_str().unwrap(),
        "-c",
        &clients.min(100).to_string(),
        "-j",
        "2",
        "-T",
        "15",
        "pgbench",
    ]);
    let _ = std::fs::remove_file(&script);
    out.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("pgbench reports tps")
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let teachers = arg("--teachers", 100);
    let days = arg("--days", 20);
    let only = std::env::args()
        .skip_while(|a| a != "--only")
        .nth(1)
        .unwrap_or_default();
    let mut figures = Vec::new();
    if only != "postgres" {
        let sqlite = database(Backend::Sqlite).await;
        figures.push(burst(&sqlite, "SQLite (WAL, synchronous=NORMAL)", teachers, days).await);
    }
    if only == "sqlite" {
        return print(&figures, teachers, days, None);
    }
    let postgres = database_in(durable_cluster()).await;
    figures.push(
        burst(
            &postgres,
            "PostgreSQL (fsync, synchronous_commit on)",
            teachers,
            days,
        )
        .await,
    );
    let ceiling = (only != "postgres").then(|| pgbench(durable_cluster().port(), teachers));
    print(&figures, teachers, days, ceiling);
}

fn print(figures: &[Figures], teachers: usize, days: usize, ceiling: Option<f64>) {
    println!(
        "{teachers} teachers at once, each submitting {days} registers of {CLASS} pupils over HTTP; \
         {} cores; every acknowledged mark found in the database afterwards.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("| database | registers | registers/s | marks/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    for f in figures {
        let rate = f.registers as f64 / f.seconds;
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.1} ms | {:.1} ms |",
            f.backend,
            f.registers,
            rate,
            rate * CLASS as f64,
            f.p50.as_secs_f64() * 1000.0,
            f.p99.as_secs_f64() * 1000.0
        );
    }
    if let (Some(ceiling), Some(pg)) = (ceiling, figures.last()) {
        println!(
            "\npgbench, single-row UPDATE, {} clients, same PostgreSQL cluster: {ceiling:.0} tps. \
             PostgreSQL registers/s as a share of it: {:.2}.",
            teachers.min(100),
            pg.registers as f64 / pg.seconds / ceiling
        );
    }
}
