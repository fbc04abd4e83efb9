//! A trust's targets: the statements once for both databases (as in `statements.rs`), and the
//! store's operations over them.

use async_trait::async_trait;
use jiff::civil::DateTime;
use rollcall_analytics::Targets;
use rollcall_store::{Actor, StoreError, TargetsRecord, TrustId, Trusts};

use crate::SqlStore;
use crate::statements::{Result, corrupt, db};

#[derive(sqlx::FromRow)]
struct TargetsRow {
    attendance: i64,
    persistent: i64,
    amber: i64,
    at: jiff_sqlx::DateTime,
    by_name: String,
}

impl TargetsRow {
    fn record(self) -> Result<TargetsRecord> {
        let hundredths = |v: i64| u64::try_from(v).map_err(|_| corrupt("target", &v.to_string()));
        Ok(TargetsRecord {
            targets: Targets {
                attendance: hundredths(self.attendance)?,
                persistent: hundredths(self.persistent)?,
                amber: hundredths(self.amber)?,
            },
            by: self.by_name,
            at: self.at.to_jiff(),
        })
    }
}

#[async_trait]
pub(crate) trait TrustSql: Send {
    async fn insert_targets(
        &mut self,
        trust: i64,
        targets: &Targets,
        at: DateTime,
        by: &str,
    ) -> Result<()>;
    async fn select_targets(&mut self, trust: i64) -> Result<Option<TargetsRecord>>;
    async fn select_trust_name(&mut self, trust: i64) -> Result<Option<String>>;
}

fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

macro_rules! impl_trust_sql {
    ($conn:ty) => {
        #[async_trait]
        impl TrustSql for $conn {
            async fn insert_targets(
                &mut self,
                trust: i64,
                targets: &Targets,
                at: DateTime,
                by: &str,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO trust_targets (trust_id, attendance, persistent, amber, at, \
                     by_name) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(trust)
                .bind(signed(targets.attendance))
                .bind(signed(targets.persistent))
                .bind(signed(targets.amber))
                .bind(jiff_sqlx::DateTime::from(at))
                .bind(by)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_targets(&mut self, trust: i64) -> Result<Option<TargetsRecord>> {
                sqlx::query_as::<_, TargetsRow>(
                    "SELECT attendance, persistent, amber, at, by_name FROM trust_targets \
                     WHERE trust_id = $1 ORDER BY id DESC LIMIT 1",
                )
                .bind(trust)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(TargetsRow::record)
                .transpose()
            }

            async fn select_trust_name(&mut self, trust: i64) -> Result<Option<String>> {
                sqlx::query_scalar("SELECT name FROM trusts WHERE id = $1")
                    .bind(trust)
                    .fetch_optional(&mut *self)
                    .await
                    .map_err(db)
            }
        }
    };
}

impl_trust_sql!(sqlx::SqliteConnection);
impl_trust_sql!(sqlx::PgConnection);

#[async_trait]
impl Trusts for SqlStore {
    async fn set_trust_targets(
        &self,
        trust: TrustId,
        targets: &Targets,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()> {
        targets
            .check()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let by = actor.signature();
        write!(self, |c| c.insert_targets(trust.0, targets, at, &by).await)
    }

    async fn trust_name(&self, trust: TrustId) -> Result<String> {
        read!(self, |c| c.select_trust_name(trust.0).await)?.ok_or(StoreError::NotFound("trust"))
    }

    async fn trust_targets(&self, trust: TrustId) -> Result<Option<TargetsRecord>> {
        read!(self, |c| c.select_targets(trust.0).await)
    }
}
