//! Analytics from the database: a school's Analysis page, a trust's schools compared and the
//! local authority's vulnerable groups at every school, through the API as a browser's page
//! would ask, against the same questions written as plain SQL (window functions) on the same
//! database in the same run.
//!
//! The local authority is demo schools of 420 (primary) and 1,000 (secondary) pupils around one
//! of 1,500, to `--pupils` in all (30,000 as `rollcall demo --pupils 30000`), each with this
//! year's marks to the spring day the clock is set to and all of last year's; the trust is the
//! first `--trust` of them (18).
//!
//!     cargo bench -p rollcall-web --bench dashboards [-- --pupils 30000 --trust 18 --only sqlite|postgres]

// A benchmark program: a failed step is a failed run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use jiff::civil::{Date, date};
use rollcall_core::{AcademicYear, Category, Code, Role, TokenScope};
use rollcall_demo::{DemoConfig, generate, with_last_year};
use rollcall_store::{Actor, ImportDetails, NewApiToken, NewSchool, NewUser, SchoolId, Store};
use rollcall_testkit::{Backend, TestDb, database};
use rollcall_web::{AppState, FixedClock, new_token, token_hash};
use sqlx::{Connection, Row};
use tower::ServiceExt;

/// The day the clock is set to: a spring Friday, two terms into the year.
const TODAY: Date = date(2026, 3, 20);

struct Options {
    pupils: u32,
    trust: usize,
    only: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        pupils: 30_000,
        trust: 18,
        only: None,
    };
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        match pair[0].as_str() {
            "--pupils" => o.pupils = pair[1].parse().unwrap(),
            "--trust" => o.trust = pair[1].parse().unwrap(),
            "--only" => o.only = Some(pair[1].clone()),
            _ => {}
        }
    }
    o
}

/// The schools' sizes: one of 1,500 first, then three primaries to each secondary.
fn sizes(total: u32) -> Vec<u32> {
    let mut sizes = vec![1_500];
    let mut i = 0;
    while sizes.iter().sum::<u32>() < total {
        sizes.push(if i % 4 == 3 { 1_000 } else { 420 });
        i += 1;
    }
    sizes
}

/// The local authority in a database: its schools, and the users who ask.
struct Authority {
    schools: Vec<SchoolId>,
    marks: u64,
    head: String,
    director: String,
    officer: String,
}

async fn user_with(store: &dyn Store, name: &str, role: Role, schools: &[SchoolId]) -> String {
    let user = store
        .create_user(&NewUser {
            username: name.into(),
            name: name.into(),
            position: role.title().into(),
            password_hash: None,
        })
        .await
        .unwrap();
    for school in schools {
        store.grant_role(user, *school, role).await.unwrap();
    }
    let token = new_token();
    let now = jiff::Timestamp::now();
    store
        .create_api_token(&NewApiToken {
            token_hash: &token_hash(&token),
            user,
            name: "bench",
            scope: TokenScope::Read,
            at: now,
            expires: now + jiff::SignedDuration::from_hours(24),
        })
        .await
        .unwrap();
    token
}

async fn load(store: &dyn Store, o: &Options) -> Authority {
    let trust = store.create_trust("Bench Trust").await.unwrap();
    let office = Actor {
        user: None,
        name: "Bench".into(),
        position: "import".into(),
    };
    let mut schools = Vec::new();
    let mut marks = 0;
    for (i, pupils) in sizes(o.pupils).into_iter().enumerate() {
        let config = DemoConfig {
            pupils,
            seed: i as u64 + 1,
            year: AcademicYear::of(TODAY),
            through: Some(TODAY),
        };
        let school = with_last_year(generate(&config).unwrap(), &config).unwrap();
        let name = format!("School {}", i + 1);
        let id = store
            .create_school(&NewSchool {
                trust: (i < o.trust).then_some(trust),
                name: name.clone(),
                urn: None,
                la_estab: None,
                policy: rollcall_files::policy_to_toml(&school.policy)
                    .replace(&school.policy.school.name, &name),
            })
            .await
            .unwrap();
        marks += school
            .register
            .ids()
            .map(|p| school.register.row(p).marks().count() as u64)
            .sum::<u64>();
        store
            .import(
                &id.into(),
                &school.register,
                &ImportDetails::default(),
                &office,
                jiff::Timestamp::now(),
                &|_| {},
            )
            .await
            .unwrap();
        schools.push(id);
    }
    let trust_schools = &schools[..o.trust.min(schools.len())];
    Authority {
        head: user_with(store, "head", Role::SeniorLeader, &schools[..1]).await,
        director: user_with(store, "director", Role::TrustDirector, trust_schools).await,
        officer: user_with(store, "la", Role::LocalAuthorityOfficer, &schools).await,
        schools,
        marks,
    }
}

/// One API request's time and its JSON.
async fn ask(router: &axum::Router, token: &str, path: &str) -> (Duration, serde_json::Value) {
    let request = Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let start = Instant::now();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let took = start.elapsed();
    assert!(status.is_success(), "{path}: {status} {body:?}");
    (took, serde_json::from_slice(&body).unwrap())
}

/// The codes of a category as an SQL list.
fn codes(keep: impl Fn(Code) -> bool) -> String {
    let mut symbols: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| keep(**c))
        .map(|c| c.symbol())
        .collect();
    symbols.sort_unstable();
    symbols.dedup();
    symbols
        .iter()
        .map(|s| format!("'{}'", s.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each pupil's sessions over a range, for the schools listed, with the columns `extra` names.
fn per_pupil(schools: &str, first: Date, last: Date, extra: &str) -> String {
    let possible = codes(Code::is_possible);
    let attended =
        codes(|c| matches!(c.category(), Category::Present | Category::ApprovedActivity));
    let authorised = codes(|c| c.category() == Category::Authorised);
    format!(
        "SELECT p.id, p.school_id{extra}, \
           SUM(CASE WHEN m.code IN ({possible}) THEN 1 ELSE 0 END) AS possible, \
           SUM(CASE WHEN m.code IN ({attended}) THEN 1 ELSE 0 END) AS attended, \
           SUM(CASE WHEN m.code IN ({authorised}) THEN 1 ELSE 0 END) AS authorised \
         FROM pupils p JOIN marks m ON m.pupil_id = p.id \
         WHERE p.school_id IN ({schools}) AND m.date BETWEEN '{first}' AND '{last}' \
         GROUP BY p.id, p.school_id{extra}"
    )
}

/// The figures of a group of pupils from their sessions: possible, attended, authorised,
/// persistent and severe absentees.
const FIGURES: &str = "CAST(SUM(possible) AS BIGINT) AS possible, \
    CAST(SUM(attended) AS BIGINT) AS attended, CAST(SUM(authorised) AS BIGINT) AS authorised, \
    CAST(SUM(CASE WHEN possible > 0 AND (possible - attended) * 10 >= possible THEN 1 ELSE 0 END) AS BIGINT) AS persistent, \
    CAST(SUM(CASE WHEN possible > 0 AND (possible - attended) * 2 >= possible THEN 1 ELSE 0 END) AS BIGINT) AS severe";

/// The year so far and the same dates last year.
fn ranges() -> [(Date, Date); 2] {
    let year = AcademicYear::of(TODAY);
    let last = AcademicYear(year.0 - 1);
    [
        (year.first_day(), TODAY),
        (
            last.first_day(),
            TODAY.saturating_sub(jiff::Span::new().years(1)),
        ),
    ]
}

/// The school's cohorts by year group, with each one's gap to all pupils (a window).
fn school_sql(school: SchoolId) -> Vec<String> {
    ranges()
        .map(|(first, last)| {
            format!(
                "SELECT year_group, COUNT(*) AS pupils, {FIGURES}, \
                   CAST(SUM(SUM(possible)) OVER () AS BIGINT) AS all_possible, \
                   CAST(SUM(SUM(attended)) OVER () AS BIGINT) AS all_attended \
                 FROM ({}) per_pupil GROUP BY year_group ORDER BY year_group",
                per_pupil(&school.0.to_string(), first, last, ", p.year_group")
            )
        })
        .into()
}

/// Each school's figures, ranked by attendance (a window).
fn trust_sql(schools: &[SchoolId]) -> Vec<String> {
    let list = ids(schools);
    ranges()
        .map(|(first, last)| {
            format!(
                "SELECT school_id, COUNT(*) AS pupils, {FIGURES}, \
                   RANK() OVER (ORDER BY SUM(attended) * 1.0 / SUM(possible)) AS place \
                 FROM ({}) per_pupil GROUP BY school_id ORDER BY place",
                per_pupil(&list, first, last, "")
            )
        })
        .into()
}

/// Each vulnerable group's figures at each school, the groups the trust's dashboard shows.
fn groups_sql(schools: &[SchoolId]) -> Vec<String> {
    let list = ids(schools);
    let (first, last) = ranges()[0];
    let flag = |f: &str| {
        format!(
            "EXISTS (SELECT 1 FROM pupil_flags f WHERE f.pupil_id = pp.id AND f.flag = '{f}' \
             AND f.from_date <= '{last}' AND (f.until_date IS NULL OR f.until_date >= '{first}'))"
        )
    };
    let flags = format!(
        "{} AS looked_after, ({} OR {}) AS in_need",
        flag("looked_after"),
        flag("social_worker"),
        flag("cp_plan")
    );
    let groups = [
        ("all", "1 = 1"),
        ("pupil_premium", "pupil_premium"),
        ("fsm", "fsm"),
        ("sen_support", "sen = 'K'"),
        ("ehcp", "sen = 'E'"),
        ("eal", "eal"),
        ("looked_after", "looked_after"),
        ("in_need", "in_need"),
    ];
    let pupils = format!(
        "SELECT pp.*, {flags} FROM ({}) pp",
        per_pupil(&list, first, last, ", p.pupil_premium, p.fsm, p.sen, p.eal")
    );
    let union = groups
        .iter()
        .map(|(name, when)| {
            format!(
                "SELECT school_id, '{name}' AS grp, COUNT(*) AS pupils, {FIGURES} \
                 FROM per_pupil WHERE {when} GROUP BY school_id"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    vec![format!(
        "WITH per_pupil AS ({pupils}) SELECT * FROM ({union}) g ORDER BY school_id, grp"
    )]
}

fn ids(schools: &[SchoolId]) -> String {
    schools
        .iter()
        .map(|s| s.0.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A connection for the peer, opened before it is timed, as the server's pool is.
enum PeerConnection {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl PeerConnection {
    async fn open(db: &TestDb) -> PeerConnection {
        match db.backend {
            Backend::Sqlite => {
                PeerConnection::Sqlite(sqlx::SqliteConnection::connect(&db.url).await.unwrap())
            }
            Backend::Postgres => {
                PeerConnection::Postgres(sqlx::PgConnection::connect(&db.url).await.unwrap())
            }
        }
    }
}

/// A statement's rows as numbers; text columns read as i64::MIN, so that each number keeps its
/// place.
macro_rules! numbers {
    ($connection:expr, $sql:expr) => {
        sqlx::query($sql)
            .fetch_all($connection)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.try_get::<i64, _>(i).unwrap_or(i64::MIN))
                    .collect()
            })
            .collect()
    };
}

/// Runs the peer's statements once: its time and the first statement's rows as numbers.
async fn peer(c: &mut PeerConnection, statements: &[String]) -> (Duration, Vec<Vec<i64>>) {
    let start = Instant::now();
    let mut first = Vec::new();
    for (n, sql) in statements.iter().enumerate() {
        let sql = sqlx::AssertSqlSafe(sql.clone());
        let rows: Vec<Vec<i64>> = match c {
            PeerConnection::Sqlite(c) => numbers!(&mut *c, sql),
            PeerConnection::Postgres(c) => numbers!(&mut *c, sql),
        };
        if n == 0 {
            first = rows;
        }
    }
    (start.elapsed(), first)
}

fn p50(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Times `runs` of a request and of its peer, alternating, and prints their medians.
async fn compare(
    label: &str,
    runs: usize,
    mut ours: impl AsyncFnMut() -> (Duration, serde_json::Value),
    mut theirs: impl AsyncFnMut() -> (Duration, Vec<Vec<i64>>),
    check: impl Fn(&serde_json::Value, &[Vec<i64>]),
) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (took, json) = ours().await;
        let (peer_took, rows) = theirs().await;
        check(&json, &rows);
        a.push(took);
        b.push(peer_took);
    }
    let (a, b) = (p50(a), p50(b));
    println!(
        "| {label} | {} | {} | {:.2}× |",
        ms(a),
        ms(b),
        a.as_secs_f64() / b.as_secs_f64()
    );
}

async fn run(backend: Backend, o: &Options) {
    let db = database(backend).await;
    let store = db.store().await;
    let started = Instant::now();
    let la = load(&store, o).await;
    db.analyze().await;
    eprintln!(
        "{backend:?}: {} schools, {} marks loaded in {:.0} s",
        la.schools.len(),
        la.marks,
        started.elapsed().as_secs_f64()
    );
    let now = TODAY
        .at(16, 0, 0, 0)
        .in_tz("Europe/London")
        .unwrap()
        .timestamp();
    let state = AppState::new(std::sync::Arc::new(store))
        .with_clock(std::sync::Arc::new(FixedClock::new(now)));
    let router = rollcall_web::app(state);
    let mut connection = PeerConnection::open(&db).await;
    println!(
        "\n{backend:?}: {} schools, {} pupils, {} marks\n",
        la.schools.len(),
        sizes(o.pupils).iter().sum::<u32>(),
        la.marks
    );
    println!("| question | rollcall p50 | SQL peer p50 | rollcall ÷ peer |\n|---|---|---|---|");
    let school = la.schools[0];
    let trust = &la.schools[..o.trust.min(la.schools.len())];
    let statements = school_sql(school);
    let cohorts = format!(
        "/api/v1/schools/{}/analytics/cohorts?period=year&cut=year_group",
        school.0
    );
    compare(
        "a school's cohorts by year group (1,500 pupils)",
        11,
        async || ask(&router, &la.head, &cohorts).await,
        async || peer(&mut connection, &statements).await,
        |json, rows| {
            let all = &json["rows"][0];
            let possible: i64 = all["possible_sessions"].as_str().unwrap().parse().unwrap();
            assert_eq!(possible, rows[0][7], "the same sessions counted");
        },
    )
    .await;
    let page = format!(
        "/api/v1/schools/{}/analytics?period=year&cut=year_group",
        school.0
    );
    compare(
        "the school's whole Analysis page (1,500 pupils)",
        11,
        async || ask(&router, &la.head, &page).await,
        async || peer(&mut connection, &statements).await,
        |_, _| {},
    )
    .await;
    let statements = trust_sql(trust);
    compare(
        &format!("the trust's schools compared ({} schools)", trust.len()),
        5,
        async || ask(&router, &la.director, "/api/v1/compare?period=year").await,
        async || peer(&mut connection, &statements).await,
        |json, rows| {
            let shown = json["tables"][0]["rows"].as_array().unwrap().len();
            assert_eq!(
                shown,
                rows.len() + 2,
                "each school, all of them and England"
            );
        },
    )
    .await;
    let statements = groups_sql(&la.schools);
    compare(
        &format!(
            "the authority's groups at each school ({} schools)",
            la.schools.len()
        ),
        3,
        async || ask(&router, &la.officer, "/api/v1/compare/groups?period=year").await,
        async || peer(&mut connection, &statements).await,
        |_, _| {},
    )
    .await;
}

#[tokio::main]
async fn main() {
    let o = options();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        if o.only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        run(backend, &o).await;
    }
}
