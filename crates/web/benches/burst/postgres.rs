//! PostgreSQL's own figures for the burst: the log a register writes, what each statement
//! costs, and pgbench's ceilings on the same cluster.

use rollcall_testkit::{Backend, Cluster, TestDb, postgres_program};

/// Where PostgreSQL's write-ahead log has reached, in bytes: the log written between two
/// readings is what the commits between them had to flush.
pub(crate) async fn log_position(db: &TestDb) -> Option<i64> {
    if db.backend != Backend::Postgres {
        return None;
    }
    Some(
        db.count("SELECT (pg_current_wal_lsn() - '0/0')::bigint")
            .await,
    )
}

/// One statement's share of the flat-out phase, from `pg_stat_statements`.
pub(crate) struct StatementCost {
    pub calls: i64,
    /// Time executing it, in milliseconds: not the time its transaction waited for the log.
    pub executing: f64,
    pub log_bytes: i64,
    pub text: String,
}

pub(crate) async fn reset_statement_costs(db: &TestDb) {
    if db.backend == Backend::Postgres {
        db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .await
            .unwrap();
        db.execute("SELECT pg_stat_statements_reset()")
            .await
            .unwrap();
    }
}

pub(crate) async fn statement_costs(db: &TestDb) -> Vec<StatementCost> {
    use sqlx::Connection as _;
    if db.backend != Backend::Postgres {
        return Vec::new();
    }
    let mut connection = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let rows: Vec<(i64, f64, i64, String)> = sqlx::query_as(
        "SELECT calls, total_exec_time, wal_bytes::bigint, query FROM pg_stat_statements \
         WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_current_wal_lsn%' \
         ORDER BY total_exec_time DESC",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(calls, executing, log_bytes, text)| StatementCost {
            calls,
            executing,
            log_bytes,
            text,
        })
        .collect()
}

/// One pgbench run on the same cluster: its transactions a second and the log each wrote.
pub(crate) struct Ceiling {
    pub what: &'static str,
    pub tps: f64,
    pub log_per_transaction: f64,
}

/// pgbench from as many clients, for the same cluster's ceiling: its simple-update
/// transaction (`-N`: an update, a read and an insert) and a single-row update.
pub(crate) async fn pgbench(cluster: &Cluster, db: &TestDb, clients: usize) -> Vec<Ceiling> {
    let run = |args: &[&str]| {
        let output = std::process::Command::new(postgres_program("pgbench"))
            .arg("-h")
            .arg(cluster.socket_dir())
            .args(["-p", &cluster.port().to_string(), "-U", "rollcall"])
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
        .arg("-h")
        .arg(cluster.socket_dir())
        .args([
            "-p",
            &cluster.port().to_string(),
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
    let clients = clients.min(100).to_string();
    let mut ceilings = Vec::new();
    for (what, workload) in [
        ("simple-update (-N)", vec!["-N"]),
        ("single-row UPDATE", vec!["-f", script.to_str().unwrap()]),
    ] {
        let before = log_position(db).await.unwrap();
        let mut args = vec!["-n"];
        args.extend(workload);
        args.extend(["-c", &clients, "-j", "2", "-T", "15", "pgbench"]);
        let out = run(&args);
        let written = log_position(db).await.unwrap() - before;
        let number = |prefix: &str| -> f64 {
            out.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .and_then(|l| l.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .expect("pgbench reports its figures")
        };
        ceilings.push(Ceiling {
            what,
            tps: number("tps = "),
            log_per_transaction: written as f64
                / number("number of transactions actually processed: "),
        });
    }
    let _ = std::fs::remove_file(&script);
    ceilings
}
