//! The morning burst: many teachers submitting 30-pupil registers at once.
//!
//! The real application serves on loopback; each teacher is an HTTP client with their own
//! session, submitting their group's morning register for one school day after another, as the
//! browser form does. It runs against SQLite and against PostgreSQL with its default durability
//! (fsync and synchronous commit on), and then counts what the database holds: every register
//! acknowledged (303) must be there with all 30 marks. pgbench on the same cluster, in the same
//! run, gives the ceiling: its simple-update transaction (`-N`) and a single-row update.
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
use rollcall_core::{Code, Pupil, RegisterBuilder, Role, Roll, Session, SessionKey, Upn};
use rollcall_store::{
    Actor, EnteredMark, GroupId, NewSchool, NewUser, PupilKey, Store, Submission,
};
use rollcall_testkit::fixture::{self, POLICY};
use rollcall_testkit::{Backend, TestDb, database, database_in, durable_cluster};
use rollcall_web::{AppState, FixedClock, Passwords, new_token, token_hash};

mod postgres;
mod sqlite_peer;

use postgres::{
    Ceiling, StatementCost, log_position, pgbench, reset_statement_costs, statement_costs,
};

const CLASS: usize = 30;

/// A class teacher: their group, their session cookie and their pupils.
type Teacher = (i64, String, Vec<i64>);
/// England's morning registration: about 600 registers a second, spread over the quarter hour
/// most schools' registers are open.
const ENGLAND_PER_SECOND: usize = 600;
/// School days already registered when the burst begins.
const HISTORY_DAYS: usize = 20;

/// What one phase of the run measured.
struct Phase {
    registers: usize,
    seconds: f64,
    p50: Duration,
    p99: Duration,
}

impl Phase {
    fn of(mut latencies: Vec<Duration>, elapsed: Duration) -> Phase {
        latencies.sort();
        let at =
            |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        Phase {
            registers: latencies.len(),
            seconds: elapsed.as_secs_f64(),
            p50: at(0.50),
            p99: at(0.99),
        }
    }

    fn rate(&self) -> f64 {
        self.registers as f64 / self.seconds
    }
}

struct Figures {
    backend: &'static str,
    /// Bytes of PostgreSQL's write-ahead log written per register flat out.
    log_per_register: Option<f64>,
    /// What each of PostgreSQL's statements cost over the flat-out phase.
    statements: Vec<StatementCost>,
    /// SQLite's peer: the same statements straight through the driver, registers a second.
    direct: Option<f64>,
    /// Teachers submitting flat out: how many registers a second the server can commit.
    capacity: Phase,
    /// Registers arriving at random at a given rate: how long each waits.
    at_rate: Phase,
    /// That rate, a second.
    rate: f64,
}

fn upn(n: usize) -> Upn {
    Upn::issue(&format!("801200{:06}", n)).unwrap()
}

/// A school of `groups` classes of 30 with the registers of the `history` sessions already
/// taken, and a teacher for each class with a signed-in session.
async fn school(
    store: Arc<dyn Store>,
    groups: usize,
    history: &[SessionKey],
) -> (i64, Vec<Teacher>) {
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
        .map(|n| {
            let (surname, group) = (format!("Surname{n:05}"), format!("G{:03}", n / CLASS));
            fixture::pupil(&upn(n).to_string(), &surname, "Pat", &group)
        })
        .collect();
    let roll = Roll::new(pupils).unwrap();
    let actor = Actor {
        user: None,
        name: "Setup".into(),
        position: "Benchmark".into(),
    };
    let empty = RegisterBuilder::new(&roll).finish(roll.clone());
    store
        .import(
            &school.into(),
            &empty,
            &rollcall_store::ImportDetails::default(),
            &actor,
            jiff::Timestamp::now(),
            &|_| {},
        )
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
        let now = jiff::Timestamp::now();
        let expires = now
            .checked_add(jiff::SignedDuration::from_hours(24))
            .unwrap();
        store
            .create_session(&token_hash(&token), user, now, expires)
            .await
            .unwrap();
        let members = stored
            .iter()
            .filter(|p| p.group == Some(group.id))
            .map(|p| p.key.0)
            .collect();
        teachers.push((group.id.0, format!("rollcall_session={token}"), members));
    }
    take_history(store, &teachers, history).await;
    (school.0, teachers)
}

/// The registers of the weeks before the burst, taken through the store.
async fn take_history(store: Arc<dyn Store>, teachers: &[Teacher], history: &[SessionKey]) {
    let mut tasks = tokio::task::JoinSet::new();
    for (group, _, pupils) in teachers.iter().cloned() {
        let (store, history) = (store.clone(), history.to_vec());
        tasks.spawn(async move {
            for key in history {
                let present = match key.session {
                    Session::Am => Code::PresentAm,
                    Session::Pm => Code::PresentPm,
                };
                let submission = Submission {
                    group: GroupId(group),
                    key,
                    marks: pupils
                        .iter()
                        .map(|&p| EnteredMark {
                            pupil: PupilKey(p),
                            code: present,
                            minutes_late: None,
                            comment: None,
                            seen: None,
                        })
                        .collect(),
                    reason: None,
                    authority: rollcall_core::Authority::AMEND_ANY,
                    actor: Actor {
                        user: None,
                        name: "Teacher".into(),
                        position: "Class teacher".into(),
                    },
                    at: jiff::Timestamp::now(),
                    idempotency_key: None,
                };
                store.submit_register(&submission).await.unwrap();
            }
        });
    }
    tasks.join_all().await;
}

/// What the form marks a class's `i`th pupil: most present, a few absent or late.
#[derive(Clone, Copy)]
enum FormMark {
    Present,
    Unexplained,
    Late,
}

fn form_mark(i: usize) -> FormMark {
    match i % 15 {
        7 => FormMark::Unexplained,
        11 => FormMark::Late,
        _ => FormMark::Present,
    }
}

/// The form a teacher submits.
fn form(pupils: &[i64], session: Session) -> String {
    let late_at = match session {
        Session::Am => "09:02",
        Session::Pm => "13:22",
    };
    pupils
        .iter()
        .enumerate()
        .map(|(i, p)| match form_mark(i) {
            FormMark::Unexplained => format!("mark_{p}=N"),
            FormMark::Late => format!("mark_{p}=late&late_at_{p}={late_at}"),
            FormMark::Present => format!("mark_{p}=present"),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Submits one register as the browser's form does; the time until the redirect comes back.
async fn submit(
    client: &Client<HttpConnector, Full<Bytes>>,
    address: std::net::SocketAddr,
    school: i64,
    (group, cookie, pupils): &Teacher,
    key: SessionKey,
) -> Duration {
    let request = axum::http::Request::post(format!(
        "http://{address}/s/{school}/registers/{group}/{}/{}",
        key.date,
        match key.session {
            Session::Am => "am",
            Session::Pm => "pm",
        }
    ))
    .header("content-type", "application/x-www-form-urlencoded")
    .header("cookie", cookie)
    .body(Full::new(Bytes::from(form(pupils, key.session))))
    .unwrap();
    let sent = Instant::now();
    let response = client.request(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(status, 303, "{}", String::from_utf8_lossy(&bytes));
    sent.elapsed()
}

/// Every teacher submits their registers one after another, as fast as the server answers.
async fn flat_out(
    client: &Client<HttpConnector, Full<Bytes>>,
    address: std::net::SocketAddr,
    school: i64,
    teachers: &[Teacher],
    keys: &[SessionKey],
) -> Phase {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for teacher in teachers {
        let (client, keys, teacher) = (client.clone(), keys.to_vec(), teacher.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(keys.len());
            for key in keys {
                latencies.push(submit(&client, address, school, &teacher, key).await);
            }
            latencies
        });
    }
    let latencies = tasks.join_all().await.concat();
    Phase::of(latencies, started.elapsed())
}

/// Registers arrive at `rate` a second on average, at random (a Poisson process), whether or
/// not the ones before have been answered: the latency a school sees at that load.
async fn paced(
    client: &Client<HttpConnector, Full<Bytes>>,
    address: std::net::SocketAddr,
    school: i64,
    teachers: &[Teacher],
    keys: &[SessionKey],
    rate: f64,
) -> Phase {
    let mut random = 0x9E37_79B9_7F4A_7C15_u64;
    let started = Instant::now();
    let mut due = Duration::ZERO;
    let mut tasks = tokio::task::JoinSet::new();
    for key in keys {
        for teacher in teachers {
            // xorshift64: a uniform draw in (0, 1], then an exponential gap.
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            let uniform = (random >> 11) as f64 / (1u64 << 53) as f64;
            due += Duration::from_secs_f64(-(1.0 - uniform).ln() / rate);
            tokio::time::sleep_until((started + due).into()).await;
            let (client, key, teacher) = (client.clone(), *key, teacher.clone());
            tasks.spawn(async move { submit(&client, address, school, &teacher, key).await });
        }
    }
    let latencies = tasks.join_all().await;
    Phase::of(latencies, started.elapsed())
}

async fn burst(db: &TestDb, name: &'static str, groups: usize, days: usize, rate: f64) -> Figures {
    let store: Arc<dyn Store> = Arc::new(db.store().await);
    // Some weeks into term: the registers of the days before are in the database.
    let policy = rollcall_files::parse_policy(std::path::Path::new("policy"), POLICY).unwrap();
    let sessions: Vec<SessionKey> = policy
        .calendar
        .school_sessions(rollcall_core::DateRange {
            first: date(2025, 9, 1),
            last: date(2025, 12, 19),
        })
        .map(|s| s.key())
        .collect();
    let (history, later) = sessions.split_at(HISTORY_DAYS * 2);
    let of = |session: Session| -> Vec<SessionKey> {
        later
            .iter()
            .filter(|k| k.session == session)
            .take(days)
            .copied()
            .collect()
    };
    let (mornings, afternoons) = (of(Session::Am), of(Session::Pm));
    assert_eq!(
        mornings.len(),
        days,
        "the term has too few days for --days {days}"
    );
    eprintln!("{name}: setting up {groups} classes with {HISTORY_DAYS} days of registers");
    let (school, teachers) = school(store.clone(), groups, history).await;
    // Overnight, the database has brought its statistics up to date.
    db.analyze().await;
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
    eprintln!("{name}: {groups} teachers submit {days} morning registers each, flat out");
    let log_before = log_position(db).await;
    reset_statement_costs(db).await;
    let capacity = flat_out(&client, address, school, &teachers, &mornings).await;
    let statements = statement_costs(db).await;
    let log_per_register = log_before
        .zip(log_position(db).await)
        .map(|(before, after)| (after - before) as f64 / capacity.registers as f64);
    // Past its capacity a database's queue only grows, and the latency says how long the run
    // was; below it, the latency is what a school would see.
    let rate = rate.min((capacity.rate() * 0.6).round());
    eprintln!("{name}: the afternoon registers arrive at random, {rate} a second");
    let at_rate = paced(&client, address, school, &teachers, &afternoons, rate).await;
    eprintln!("{name}: checking what the database holds");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    // Every acknowledged register is there, whole.
    let acknowledged = capacity.registers + at_rate.registers;
    let register = store
        .load_register(rollcall_store::SchoolId(school))
        .await
        .unwrap();
    assert_eq!(
        register.mark_count() as usize,
        (acknowledged + groups * history.len()) * CLASS,
        "acknowledged marks lost"
    );
    let dates: std::collections::BTreeSet<Date> =
        mornings.iter().chain(&afternoons).map(|k| k.date).collect();
    let mut taken = 0;
    for date in dates {
        taken += store
            .submissions(rollcall_store::SchoolId(school), date)
            .await
            .unwrap()
            .len();
    }
    assert_eq!(taken, acknowledged, "acknowledged registers lost");
    let direct = db.url.strip_prefix("sqlite://").map(|path| {
        // Sessions neither phase took, as many as a teacher took flat out.
        let untaken: Vec<SessionKey> = later
            .iter()
            .filter(|k| !mornings.contains(k) && !afternoons.contains(k))
            .take(days)
            .copied()
            .collect();
        eprintln!("{name}: the same statements straight through the driver");
        sqlite_peer::registers_a_second(path, &teachers, &untaken)
    });
    Figures {
        backend: name,
        log_per_register,
        statements,
        direct,
        capacity,
        at_rate,
        rate,
    }
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
    let days = arg("--days", 30);
    let rate = arg("--rate", ENGLAND_PER_SECOND) as f64;
    let only = std::env::args()
        .skip_while(|a| a != "--only")
        .nth(1)
        .unwrap_or_default();
    let mut figures = Vec::new();
    if only != "postgres" {
        let sqlite = database(Backend::Sqlite).await;
        let name = "SQLite (WAL, synchronous=NORMAL)";
        figures.push(burst(&sqlite, name, teachers, days, rate).await);
    }
    let mut ceilings = Vec::new();
    if only != "sqlite" {
        // The SQLite run's writes reach the disk first, not during PostgreSQL's commits.
        let synced = std::process::Command::new("sync").status();
        assert!(synced.is_ok_and(|s| s.success()), "sync runs");
        let postgres = database_in(durable_cluster()).await;
        let name = "PostgreSQL (fsync, synchronous_commit on)";
        figures.push(burst(&postgres, name, teachers, days, rate).await);
        if only != "postgres" {
            eprintln!("pgbench on the same cluster");
            ceilings = pgbench(durable_cluster(), &postgres, teachers).await;
        }
    }
    print(&figures, teachers, days, rate, &ceilings);
}

fn print(figures: &[Figures], teachers: usize, days: usize, rate: f64, ceilings: &[Ceiling]) {
    println!(
        "{teachers} classes of {CLASS}; {} cores shared by the server, the database and the \
         load; every acknowledged mark found in the database afterwards.\n\n\
         Flat out: {teachers} teachers each submit {days} morning registers one after another.\n\
         Paced: the afternoon registers arrive at random, {rate:.0} a second on average, or 60% \
         of the flat-out rate where that is lower.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| database | flat out: registers/s | marks/s | p50 | p99 | paced: registers/s | p50 | p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for f in figures {
        println!(
            "| {} | {:.0} | {:.0} | {:.1} ms | {:.1} ms | {:.0} | {:.1} ms | {:.1} ms |",
            f.backend,
            f.capacity.rate(),
            f.capacity.rate() * CLASS as f64,
            ms(f.capacity.p50),
            ms(f.capacity.p99),
            f.rate,
            ms(f.at_rate.p50),
            ms(f.at_rate.p99),
        );
    }
    for f in figures {
        if let Some(log) = f.log_per_register {
            println!(
                "\n{}: {:.1} KiB of write-ahead log per register flat out.",
                f.backend,
                log / 1024.0
            );
        }
    }
    for f in figures {
        if let Some(direct) = f.direct {
            println!(
                "\n{}: the same statements through rusqlite, one transaction a register on one \
                 connection (no HTTP, checks or hashing): {direct:.0} registers/s. rollcall flat \
                 out as a share of it: {:.2}.",
                f.backend,
                f.capacity.rate() / direct
            );
        }
    }
    for f in figures.iter().filter(|f| !f.statements.is_empty()) {
        let registers = f.capacity.registers as f64;
        println!(
            "\n{}, flat out, per register (pg_stat_statements):\n\n\
             | statement | calls | executing | log |\n|---|---|---|---|",
            f.backend
        );
        for s in &f.statements {
            let text: String = s.text.split_whitespace().collect::<Vec<_>>().join(" ");
            let text: String = text.chars().take(72).collect();
            println!(
                "| `{text}` | {:.2} | {:.0} µs | {:.0} B |",
                s.calls as f64 / registers,
                s.executing * 1000.0 / registers,
                s.log_bytes as f64 / registers
            );
        }
    }
    let Some(pg) = figures.iter().find(|f| f.log_per_register.is_some()) else {
        return;
    };
    for ceiling in ceilings {
        println!(
            "\npgbench {}, {} clients, same PostgreSQL cluster: {:.0} tps, {:.0} bytes of log a \
             transaction. PostgreSQL registers/s flat out as a share of it: {:.2}.",
            ceiling.what,
            teachers.min(100),
            ceiling.tps,
            ceiling.log_per_transaction,
            pg.capacity.rate() / ceiling.tps
        );
    }
}
