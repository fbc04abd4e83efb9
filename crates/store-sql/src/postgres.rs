//! PostgreSQL's connections: a pool sized to the machine, and a check of pooled connections
//! for a while after one is found broken.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::statements::{Result, db};

/// How long after a broken connection every pooled connection is checked before use.
const CHECK_AFTER_LOSS_MS: u64 = 30_000;

/// When a connection was last found broken, in milliseconds since the epoch; one for the
/// process, as a server restart breaks every store's connections at once.
static LOST_AT: AtomicU64 = AtomicU64::new(0);

/// Connections to PostgreSQL: a few per core keep the server busy while others wait on the
/// network or a commit; many more only make its processes take turns.
fn connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 4).unwrap_or(u32::MAX).clamp(8, 64)
}

/// Opens `postgres://...`, bringing the schema up to date.
pub(crate) async fn connect(url: &str) -> Result<PgPool> {
    // Every statement is a short one on keys. Planned once per connection, each keeps a plan
    // that does not depend on today's date being in the statistics yet.
    let options = PgConnectOptions::from_str(url)
        .map_err(db)?
        .options([("plan_cache_mode", "force_generic_plan")]);
    // A request waits a few seconds for a connection, then is told the database cannot be
    // reached, rather than hanging while it is down.
    let pool = PgPoolOptions::new()
        .max_connections(connections())
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        // After a broken connection, the others idle in the pool are checked before use, so
        // that the first request after the server is back is answered.
        .before_acquire(|conn, _| {
            Box::pin(async move {
                if !connections_suspect() {
                    return Ok(true);
                }
                Ok(sqlx::Connection::ping(conn).await.is_ok())
            })
        })
        .connect_with(options)
        .await
        .map_err(db)?;
    sqlx::migrate!("./migrations/postgres")
        .run(&pool)
        .await
        .map_err(|e| rollcall_store::StoreError::Database(Box::new(e)))?;
    Ok(pool)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Notes that a connection was found broken (the server restarted, or ended its connections).
pub(crate) fn connection_lost() {
    LOST_AT.store(now_ms(), Ordering::Relaxed);
}

/// Whether a pooled connection should be checked before use: only for a while after one was
/// found broken, when others kept idle in the pool are likely broken too. Checking every time
/// would cost a round trip per query.
fn connections_suspect() -> bool {
    now_ms().saturating_sub(LOST_AT.load(Ordering::Relaxed)) < CHECK_AFTER_LOSS_MS
}
