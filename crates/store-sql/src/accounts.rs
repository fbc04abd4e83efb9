//! Staff accounts, sessions, sign-in failures and API tokens: the statements, once for both
//! databases (as in `statements.rs`), and the store's operations over them.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use rollcall_core::accounts::FAILURE_MEMORY;
use rollcall_core::{Role, TokenScope};
use rollcall_store::{
    Accounts, ApiTokenRecord, LoginFailures, NewApiToken, SchoolId, SchoolStaff, StaffUser,
    StoreError, TokenGrant, UserId,
};

use crate::statements::{Result, corrupt, db};
use crate::time::{from_micros, to_micros};
use crate::{SqlStore, found};

/// A session's last use is written at most this often, so that a busy page costs no write.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_mins(1);
const FAILURE_MEMORY_MICROS: i64 = FAILURE_MEMORY.as_secs() * 1_000_000;

/// The columns of a [`UserRow`], as a literal for `concat!`.
macro_rules! user_columns {
    () => {
        "u.id, u.username, u.name, u.position, u.password_hash, \
         u.disabled_at IS NOT NULL AS disabled, u.must_change_password"
    };
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    name: String,
    position: String,
    password_hash: Option<String>,
    disabled: bool,
    must_change_password: bool,
}

impl UserRow {
    fn record(self) -> StaffUser {
        StaffUser {
            id: UserId(self.id),
            username: self.username,
            name: self.name,
            position: self.position,
            password_hash: self.password_hash,
            disabled: self.disabled,
            must_change_password: self.must_change_password,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    last_seen: i64,
}

#[derive(sqlx::FromRow)]
struct TokenUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    scope: String,
}

#[derive(sqlx::FromRow)]
struct StaffRoleRow {
    #[sqlx(flatten)]
    user: UserRow,
    role: String,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    username: String,
    name: String,
    scope: String,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
}

fn scope_of(text: &str) -> Result<TokenScope> {
    TokenScope::parse(text).ok_or_else(|| corrupt("token scope", text))
}

impl TokenRow {
    fn record(self) -> Result<ApiTokenRecord> {
        Ok(ApiTokenRecord {
            id: self.id,
            user: UserId(self.user_id),
            username: self.username,
            name: self.name,
            scope: scope_of(&self.scope)?,
            created: from_micros(self.created_at),
            expires: from_micros(self.expires_at),
            revoked: self.revoked_at.map(from_micros),
        })
    }
}

/// The account statements, for either database's connection.
#[async_trait]
pub(crate) trait AccountSql: Send {
    async fn select_user_by_username(&mut self, username: &str) -> Result<Option<StaffUser>>;
    async fn select_user(&mut self, id: i64) -> Result<Option<StaffUser>>;
    async fn update_password(&mut self, id: i64, hash: &str, must_change: bool) -> Result<u64>;
    async fn update_disabled(&mut self, id: i64, at: Option<i64>) -> Result<u64>;
    async fn select_school_staff(&mut self, school: i64) -> Result<Vec<SchoolStaff>>;

    async fn insert_session(
        &mut self,
        token_hash: &str,
        user: i64,
        now: i64,
        expires: i64,
    ) -> Result<()>;
    async fn select_session(
        &mut self,
        token_hash: &str,
        now: i64,
        idle_since: i64,
    ) -> Result<Option<(StaffUser, i64)>>;
    async fn touch_session(&mut self, token_hash: &str, now: i64) -> Result<()>;
    async fn delete_session(&mut self, token_hash: &str) -> Result<()>;
    async fn delete_user_sessions(&mut self, user: i64) -> Result<u64>;

    async fn insert_login_failure(&mut self, username: &str, address: &str, at: i64) -> Result<()>;
    async fn select_login_failures(
        &mut self,
        username: &str,
        address: &str,
        since: i64,
    ) -> Result<(i64, Option<i64>)>;
    async fn delete_login_failures(&mut self, username: &str, address: &str) -> Result<()>;

    async fn insert_api_token(&mut self, t: &NewApiToken<'_>) -> Result<i64>;
    async fn select_api_token(&mut self, token_hash: &str, now: i64) -> Result<Option<TokenGrant>>;
    async fn select_api_tokens(&mut self, user: Option<i64>) -> Result<Vec<ApiTokenRecord>>;
    async fn update_token_revoked(&mut self, id: i64, at: i64) -> Result<u64>;
}

macro_rules! impl_account_sql {
    ($conn:ty) => {
        #[async_trait]
        impl AccountSql for $conn {
            async fn select_user_by_username(&mut self, username: &str) -> Result<Option<StaffUser>> {
                Ok(sqlx::query_as::<_, UserRow>(concat!(
                    "SELECT ", user_columns!(), " FROM users u WHERE u.username = $1"
                ))
                .bind(username)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(UserRow::record))
            }

            async fn select_user(&mut self, id: i64) -> Result<Option<StaffUser>> {
                Ok(sqlx::query_as::<_, UserRow>(concat!(
                    "SELECT ", user_columns!(), " FROM users u WHERE u.id = $1"
                ))
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(UserRow::record))
            }

            async fn update_password(&mut self, id: i64, hash: &str, must_change: bool) -> Result<u64> {
                sqlx::query("UPDATE users SET password_hash = $2, must_change_password = $3 WHERE id = $1")
                    .bind(id)
                    .bind(hash)
                    .bind(must_change)
                    .execute(&mut *self)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(db)
            }

            async fn update_disabled(&mut self, id: i64, at: Option<i64>) -> Result<u64> {
                sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(at)
                    .execute(&mut *self)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(db)
            }

            async fn select_school_staff(&mut self, school: i64) -> Result<Vec<SchoolStaff>> {
                let rows = sqlx::query_as::<_, StaffRoleRow>(concat!(
                    "SELECT ", user_columns!(), ", r.role FROM staff_roles r JOIN users u ON u.id = r.user_id \
                     WHERE r.school_id = $1 ORDER BY u.name, u.id, r.role"
                ))
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?;
                // Every school each of them works at, so that an administrator's reach is known
                // without a query per person.
                let schools: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT DISTINCT r.user_id, r.school_id FROM staff_roles r \
                     WHERE r.user_id IN (SELECT user_id FROM staff_roles WHERE school_id = $1)",
                )
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?;
                let mut staff: Vec<SchoolStaff> = Vec::new();
                for row in rows {
                    let role = Role::parse(&row.role).ok_or_else(|| corrupt("role", &row.role))?;
                    match staff.last_mut() {
                        Some(last) if last.user.id.0 == row.user.id => last.roles.push(role),
                        _ => {
                            let id = row.user.id;
                            staff.push(SchoolStaff {
                                user: row.user.record(),
                                roles: vec![role],
                                schools: schools
                                    .iter()
                                    .filter(|(user, _)| *user == id)
                                    .map(|(_, s)| SchoolId(*s))
                                    .collect(),
                            });
                        }
                    }
                }
                Ok(staff)
            }

            async fn insert_session(&mut self, token_hash: &str, user: i64, now: i64, expires: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO web_sessions (token_hash, user_id, expires_at, last_seen) VALUES ($1, $2, $3, $4)",
                )
                .bind(token_hash)
                .bind(user)
                .bind(expires)
                .bind(now)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_session(&mut self, token_hash: &str, now: i64, idle_since: i64) -> Result<Option<(StaffUser, i64)>> {
                Ok(sqlx::query_as::<_, SessionRow>(concat!(
                    "SELECT ", user_columns!(), ", s.last_seen FROM web_sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen >= $3 \
                     AND u.disabled_at IS NULL"
                ))
                .bind(token_hash)
                .bind(now)
                .bind(idle_since)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(|row| (row.user.record(), row.last_seen)))
            }

            async fn touch_session(&mut self, token_hash: &str, now: i64) -> Result<()> {
                sqlx::query("UPDATE web_sessions SET last_seen = $2 WHERE token_hash = $1 AND last_seen < $2")
                    .bind(token_hash)
                    .bind(now)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn delete_session(&mut self, token_hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn delete_user_sessions(&mut self, user: i64) -> Result<u64> {
                sqlx::query("DELETE FROM web_sessions WHERE user_id = $1")
                    .bind(user)
                    .execute(&mut *self)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(db)
            }

            async fn insert_login_failure(&mut self, username: &str, address: &str, at: i64) -> Result<()> {
                // Failures older than the back-off remembers are of no further use.
                sqlx::query("DELETE FROM login_failures WHERE username = $1 AND address = $2 AND at < $3")
                    .bind(username)
                    .bind(address)
                    .bind(at - FAILURE_MEMORY_MICROS)
                    .execute(&mut *self)
                    .await
                    .map_err(db)?;
                sqlx::query("INSERT INTO login_failures (username, address, at) VALUES ($1, $2, $3)")
                    .bind(username)
                    .bind(address)
                    .bind(at)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn select_login_failures(&mut self, username: &str, address: &str, since: i64) -> Result<(i64, Option<i64>)> {
                sqlx::query_as(
                    "SELECT count(*), max(at) FROM login_failures \
                     WHERE username = $1 AND address = $2 AND at >= $3",
                )
                .bind(username)
                .bind(address)
                .bind(since)
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn delete_login_failures(&mut self, username: &str, address: &str) -> Result<()> {
                sqlx::query("DELETE FROM login_failures WHERE username = $1 AND address = $2")
                    .bind(username)
                    .bind(address)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn insert_api_token(&mut self, t: &NewApiToken<'_>) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO api_tokens (token_hash, user_id, name, scope, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(t.token_hash)
                .bind(t.user.0)
                .bind(t.name)
                .bind(t.scope.id())
                .bind(to_micros(t.at))
                .bind(to_micros(t.expires))
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_api_token(&mut self, token_hash: &str, now: i64) -> Result<Option<TokenGrant>> {
                sqlx::query_as::<_, TokenUserRow>(concat!(
                    "SELECT ", user_columns!(), ", t.scope FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 \
                     AND u.disabled_at IS NULL"
                ))
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(|row| Ok(TokenGrant { scope: scope_of(&row.scope)?, user: row.user.record() }))
                .transpose()
            }

            async fn select_api_tokens(&mut self, user: Option<i64>) -> Result<Vec<ApiTokenRecord>> {
                sqlx::query_as::<_, TokenRow>(
                    "SELECT t.id, t.user_id, u.username, t.name, t.scope, t.created_at, t.expires_at, \
                     t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE $1 IS NULL OR t.user_id = $1 ORDER BY t.id DESC",
                )
                .bind(user)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(TokenRow::record)
                .collect()
            }

            async fn update_token_revoked(&mut self, id: i64, at: i64) -> Result<u64> {
                sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                    .bind(id)
                    .bind(at)
                    .execute(&mut *self)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(db)
            }
        }
    };
}

impl_account_sql!(sqlx::SqliteConnection);
impl_account_sql!(sqlx::PgConnection);

#[async_trait]
impl Accounts for SqlStore {
    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()> {
        write!(self, |c| c
            .insert_session(token_hash, user.0, to_micros(now), to_micros(expires))
            .await)
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: Timestamp,
        idle_since: Timestamp,
    ) -> Result<Option<StaffUser>> {
        let found = read!(self, |c| c
            .select_session(token_hash, to_micros(now), to_micros(idle_since))
            .await)?;
        let Some((user, last_seen)) = found else {
            return Ok(None);
        };
        let stale = now.checked_sub(TOUCH_EVERY).unwrap_or(now);
        if from_micros(last_seen) < stale {
            write!(self, |c| c.touch_session(token_hash, to_micros(now)).await)?;
        }
        Ok(Some(user))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        write!(self, |c| c.delete_session(token_hash).await)
    }

    async fn end_sessions(&self, user: UserId) -> Result<u64> {
        write!(self, |c| c.delete_user_sessions(user.0).await)
    }

    async fn record_login_failure(
        &self,
        username: &str,
        address: &str,
        at: Timestamp,
    ) -> Result<()> {
        write!(self, |c| c
            .insert_login_failure(username, address, to_micros(at))
            .await)
    }

    async fn login_failures(
        &self,
        username: &str,
        address: &str,
        since: Timestamp,
    ) -> Result<LoginFailures> {
        let (count, last) = read!(self, |c| c
            .select_login_failures(username, address, to_micros(since))
            .await)?;
        Ok(LoginFailures {
            count: u64::try_from(count).unwrap_or(0),
            last: last.map(from_micros),
        })
    }

    async fn clear_login_failures(&self, username: &str, address: &str) -> Result<()> {
        write!(self, |c| c.delete_login_failures(username, address).await)
    }

    async fn create_api_token(&self, token: &NewApiToken<'_>) -> Result<i64> {
        write!(self, |c| c.insert_api_token(token).await)
    }

    async fn api_token(&self, token_hash: &str, now: Timestamp) -> Result<Option<TokenGrant>> {
        read!(self, |c| c
            .select_api_token(token_hash, to_micros(now))
            .await)
    }

    async fn api_tokens(&self, user: Option<UserId>) -> Result<Vec<ApiTokenRecord>> {
        read!(self, |c| c.select_api_tokens(user.map(|u| u.0)).await)
    }

    async fn revoke_api_token(&self, id: i64, at: Timestamp) -> Result<bool> {
        let revoked = write!(self, |c| c.update_token_revoked(id, to_micros(at)).await)?;
        Ok(revoked > 0)
    }

    async fn set_disabled(&self, user: UserId, at: Option<Timestamp>) -> Result<()> {
        write!(self, |c| {
            if c.update_disabled(user.0, at.map(to_micros)).await? == 0 {
                return Err(StoreError::NotFound("user"));
            }
            if at.is_some() {
                c.delete_user_sessions(user.0).await?;
            }
            Ok(())
        })
    }

    async fn set_password(
        &self,
        user: UserId,
        password_hash: &str,
        must_change: bool,
    ) -> Result<()> {
        write!(self, |c| {
            if c.update_password(user.0, password_hash, must_change)
                .await?
                == 0
            {
                return Err(StoreError::NotFound("user"));
            }
            c.delete_user_sessions(user.0).await.map(|_| ())
        })
    }

    async fn school_staff(&self, school: SchoolId) -> Result<Vec<SchoolStaff>> {
        read!(self, |c| c.select_school_staff(school.0).await)
    }
}

/// A member of staff, for the directory.
pub(crate) async fn user(store: &SqlStore, id: UserId) -> Result<StaffUser> {
    read!(store, |c| found(c.select_user(id.0).await?, "user"))
}

/// A member of staff by username, for the directory.
pub(crate) async fn user_by_username(
    store: &SqlStore,
    username: &str,
) -> Result<Option<StaffUser>> {
    read!(store, |c| c.select_user_by_username(username).await)
}
