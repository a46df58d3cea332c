//! Postgres for replicas: a pool per instance; migrations run under an advisory lock
//! so instances starting together apply each one once.

use super::accounts::{self, Spend, UserRecord, email_key};
use super::{
    Completion, DbError, MIGRATIONS, References, SessionRow, UploadRecord, UploadState,
    completion_keys, judge_repeat,
};
use idance_contract::wire::{CompleteSessionRequest, Session};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Row};
use std::time::Duration;

/// Any fixed number: every instance takes the same lock to migrate.
const MIGRATION_LOCK: i64 = 0x1DA2_CE00_0001;
/// A request waits this long for a connection before it fails (and is retried by the
/// client): a restarting database is waited out, not queued behind for ever.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the first connection may take at start.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct PgDb {
    pool: PgPool,
}

const SELECT_SESSION: &str = "SELECT session_id, user_id, status, title, client_ref, started_at, completed_at, completion FROM sessions";
const SELECT_UPLOAD: &str = "SELECT upload_id, user_id, session_id, file_key, part_size, state, size FROM multipart_uploads";

fn session_row(r: &PgRow) -> Result<SessionRow, sqlx::Error> {
    Ok(SessionRow {
        session_id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        status: r.try_get(2)?,
        title: r.try_get(3)?,
        client_ref: r.try_get(4)?,
        started_at: r.try_get(5)?,
        completed_at: r.try_get(6)?,
        completion: r.try_get(7)?,
    })
}

fn upload_row(r: &PgRow) -> Result<UploadRecord, sqlx::Error> {
    Ok(UploadRecord {
        upload_id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        session_id: r.try_get(2)?,
        file_key: r.try_get(3)?,
        part_size: r.try_get::<i64, _>(4)? as u64,
        state: UploadState::parse(r.try_get::<&str, _>(5)?),
        size: r.try_get::<Option<i64>, _>(6)?.map(|s| s as u64),
    })
}

impl PgDb {
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy(url)?;
        let db = Self { pool };
        // The first connection may wait for a database that is still starting.
        let started = std::time::Instant::now();
        loop {
            match db.migrate().await {
                Ok(()) => return Ok(db),
                Err(DbError::Postgres(e))
                    if is_unreachable(&e) && started.elapsed() < CONNECT_TIMEOUT =>
                {
                    tracing::warn!(error = %e, "waiting for Postgres");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Applies the missing migrations in one transaction under the migration lock.
    async fn migrate(&self) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS idance_migrations (
                version    BIGINT PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .execute(&mut *tx)
        .await?;
        let version: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM idance_migrations")
                .fetch_one(&mut *tx)
                .await?;
        let known = MIGRATIONS.len();
        if version > known as i64 {
            return Err(DbError::Newer {
                found: version,
                known,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            sqlx::raw_sql(AssertSqlSafe(*sql)).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO idance_migrations (version) VALUES ($1)")
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await?;
            tracing::info!(version = i + 1, "database migrated");
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn session_by_id(&self, id: &str) -> Result<Option<Session>, DbError> {
        sqlx::query(AssertSqlSafe(format!(
            "{SELECT_SESSION} WHERE session_id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| session_row(&r)?.into_session())
        .transpose()
    }

    pub async fn start_session(
        &self,
        user_id: String,
        title: Option<String>,
        client_ref: Option<String>,
        session_id: String,
        started_at: String,
    ) -> Result<(Session, bool), DbError> {
        // The unique (user_id, client_ref) index decides a race between instances.
        let inserted = sqlx::query(
            "INSERT INTO sessions (session_id, user_id, status, title, client_ref, started_at)
             VALUES ($1, $2, 'active', $3, $4, $5)
             ON CONFLICT (user_id, client_ref) WHERE client_ref IS NOT NULL DO NOTHING",
        )
        .bind(&session_id)
        .bind(&user_id)
        .bind(&title)
        .bind(&client_ref)
        .bind(&started_at)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let row = if inserted {
            self.session_by_id(&session_id).await?
        } else {
            sqlx::query(AssertSqlSafe(format!(
                "{SELECT_SESSION} WHERE user_id = $1 AND client_ref = $2"
            )))
            .bind(&user_id)
            .bind(&client_ref)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| session_row(&r)?.into_session())
            .transpose()?
        };
        let s = row.ok_or_else(|| DbError::Task("the started session vanished".into()))?;
        Ok((s, inserted))
    }

    pub async fn session(&self, session_id: String) -> Result<Option<Session>, DbError> {
        self.session_by_id(&session_id).await
    }

    pub async fn complete_session(
        &self,
        req: CompleteSessionRequest,
        completed_at: String,
    ) -> Result<Completion, DbError> {
        let body = serde_json::to_string(&req)?;
        let done = sqlx::query(
            "UPDATE sessions SET status = 'completed', completed_at = $2, completion = $3
             WHERE session_id = $1 AND status = 'active'",
        )
        .bind(&req.session_id)
        .bind(&completed_at)
        .bind(&body)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let row = sqlx::query(AssertSqlSafe(format!(
            "{SELECT_SESSION} WHERE session_id = $1"
        )))
        .bind(&req.session_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| DbError::Task("session vanished".into()))?;
        let row = session_row(&row)?;
        let stored = row.completion.clone();
        let s = row.into_session()?;
        if done {
            return Ok(Completion::Done(s));
        }
        judge_repeat(stored.as_deref(), &req, s)
    }

    pub async fn insert_upload(
        &self,
        u: UploadRecord,
        created_at: String,
        now: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO multipart_uploads (upload_id, user_id, session_id, file_key, part_size, state, size, created_at, touched_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&u.upload_id)
        .bind(&u.user_id)
        .bind(&u.session_id)
        .bind(&u.file_key)
        .bind(u.part_size as i64)
        .bind(u.state.as_str())
        .bind(u.size.map(|s| s as i64))
        .bind(&created_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn upload(&self, upload_id: String) -> Result<Option<UploadRecord>, DbError> {
        Ok(sqlx::query(AssertSqlSafe(format!(
            "{SELECT_UPLOAD} WHERE upload_id = $1"
        )))
        .bind(&upload_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| upload_row(&r))
        .transpose()?)
    }

    pub async fn touch_upload(&self, upload_id: String, now: i64) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE multipart_uploads SET touched_at = $2
                 WHERE upload_id = $1 AND state = 'active' AND (touched_at IS NULL OR touched_at < $2 - 60)",
        )
        .bind(&upload_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn finish_upload(
        &self,
        upload_id: String,
        state: UploadState,
        size: Option<u64>,
    ) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "UPDATE multipart_uploads SET state = $2, size = COALESCE($3, size)
             WHERE upload_id = $1 AND state = 'active'",
        )
        .bind(&upload_id)
        .bind(state.as_str())
        .bind(size.map(|s| s as i64))
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn stale_uploads(
        &self,
        before: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<UploadRecord>, DbError> {
        sqlx::query(
            "UPDATE multipart_uploads SET touched_at = $1 WHERE state = 'active' AND touched_at IS NULL",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT_UPLOAD} WHERE state = 'active' AND touched_at < $1 ORDER BY touched_at LIMIT $2"
        )))
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(upload_row).collect::<Result<_, _>>()?)
    }

    pub async fn take_sweep(
        &self,
        name: &'static str,
        holder: String,
        now: i64,
        until: i64,
    ) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "INSERT INTO sweeps (name, holder, until_at) VALUES ($1, $2, $4)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at
             WHERE sweeps.until_at < $3 OR sweeps.holder = excluded.holder",
        )
        .bind(name)
        .bind(&holder)
        .bind(now)
        .bind(until)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn release_sweep(&self, name: &'static str, holder: String) -> Result<(), DbError> {
        sqlx::query("UPDATE sweeps SET until_at = 0 WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(&holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn references(&self) -> Result<References, DbError> {
        let mut refs = References::default();
        let rows = sqlx::query("SELECT completion FROM sessions WHERE completion IS NOT NULL")
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            completion_keys(r.try_get::<&str, _>(0)?, &mut refs.completed)?;
        }
        let rows = sqlx::query("SELECT file_key FROM multipart_uploads WHERE state = 'active'")
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            refs.uploading.insert(r.try_get(0)?);
        }
        Ok(refs)
    }
}

/// The database is down or restarting (as opposed to refusing a query).
fn is_unreachable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
    ) || matches!(e, sqlx::Error::Database(d) if d.code().is_some_and(|c| c.starts_with("57P")))
}

fn user_row(r: &PgRow) -> Result<UserRecord, sqlx::Error> {
    Ok(UserRecord {
        user_id: r.try_get(0)?,
        email: r.try_get(1)?,
        name: r.try_get(2)?,
        password_hash: r.try_get(3)?,
        disabled: r.try_get::<i64, _>(4)? != 0,
        created_at: r.try_get(5)?,
    })
}

/// Accounts: the SQL of [`accounts`]; what must happen together is one transaction, and
/// a refresh is decided by the compare-and-set `accounts::SPEND`.
impl PgDb {
    pub async fn create_user(&self, u: UserRecord) -> Result<bool, DbError> {
        Ok(sqlx::query(accounts::INSERT_USER)
            .bind(&u.user_id)
            .bind(&u.email)
            .bind(email_key(&u.email))
            .bind(&u.name)
            .bind(&u.password_hash)
            .bind(u.disabled as i64)
            .bind(&u.created_at)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1)
    }

    async fn one_user(&self, column: &str, value: String) -> Result<Option<UserRecord>, DbError> {
        Ok(sqlx::query(AssertSqlSafe(format!(
            "{} WHERE {column} = $1",
            accounts::SELECT_USER
        )))
        .bind(value)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| user_row(&r))
        .transpose()?)
    }

    pub async fn user_by_email(&self, email: String) -> Result<Option<UserRecord>, DbError> {
        self.one_user("email_key", email_key(&email)).await
    }

    pub async fn user(&self, user_id: String) -> Result<Option<UserRecord>, DbError> {
        self.one_user("user_id", user_id).await
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, DbError> {
        sqlx::query(AssertSqlSafe(format!(
            "{} ORDER BY created_at, email_key",
            accounts::SELECT_USER
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| user_row(r).map_err(DbError::from))
        .collect()
    }

    /// Updates the user (`sql` binds `value`, then the email key) and, when `revoke`,
    /// revokes every sign-in of theirs in the same transaction.
    async fn update_user<V>(
        &self,
        sql: &'static str,
        value: V,
        email: String,
        revoke: bool,
        now: i64,
    ) -> Result<Option<String>, DbError>
    where
        V: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
    {
        let mut tx = self.pool.begin().await?;
        let id: Option<String> = sqlx::query_scalar(sql)
            .bind(value)
            .bind(email_key(&email))
            .fetch_optional(&mut *tx)
            .await?;
        if let (Some(id), true) = (&id, revoke) {
            sqlx::query(accounts::REVOKE_USER)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn set_disabled(
        &self,
        email: String,
        disabled: bool,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        self.update_user(
            accounts::SET_DISABLED,
            disabled as i64,
            email,
            disabled,
            now,
        )
        .await
    }

    pub async fn set_password(
        &self,
        email: String,
        hash: String,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        self.update_user(accounts::SET_PASSWORD, hash, email, true, now)
            .await
    }

    pub async fn start_family(
        &self,
        family_id: String,
        user_id: String,
        device_name: Option<String>,
        token_hash: String,
        expires_at: i64,
        now: i64,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(accounts::INSERT_FAMILY)
            .bind(&family_id)
            .bind(&user_id)
            .bind(&device_name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(accounts::INSERT_TOKEN)
            .bind(&token_hash)
            .bind(&family_id)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_refresh(
        &self,
        token_hash: String,
        family_id: String,
        expires_at: i64,
    ) -> Result<(), DbError> {
        sqlx::query(accounts::INSERT_TOKEN)
            .bind(&token_hash)
            .bind(&family_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn spend_refresh(&self, token_hash: String, now: i64) -> Result<Spend, DbError> {
        let spent: Option<String> = sqlx::query_scalar(accounts::SPEND)
            .bind(now)
            .bind(&token_hash)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(family_id) = spent {
            let user_id: String = sqlx::query_scalar(accounts::FAMILY_USER)
                .bind(&family_id)
                .fetch_one(&self.pool)
                .await?;
            return Ok(Spend::Fresh { user_id, family_id });
        }
        let reused: Option<String> = sqlx::query_scalar(accounts::WAS_SPENT)
            .bind(&token_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match reused {
            Some(family_id) => {
                sqlx::query(accounts::REVOKE_FAMILY)
                    .bind(now)
                    .bind(&family_id)
                    .execute(&self.pool)
                    .await?;
                Spend::Reused
            }
            None => Spend::Invalid,
        })
    }

    pub async fn revoke_sign_in(&self, token_hash: String, now: i64) -> Result<bool, DbError> {
        Ok(sqlx::query(accounts::REVOKE_FAMILY_OF)
            .bind(now)
            .bind(&token_hash)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1)
    }

    pub async fn add_failure(&self, scopes: Vec<String>, at: i64) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        for scope in scopes {
            sqlx::query(accounts::INSERT_FAILURE)
                .bind(&scope)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn failures(&self, scope: String, since: i64) -> Result<(u64, Option<i64>), DbError> {
        let (count, oldest): (i64, Option<i64>) = sqlx::query_as(accounts::FAILURES)
            .bind(&scope)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        Ok((count as u64, oldest))
    }

    pub async fn clear_failures(&self, scope: String) -> Result<(), DbError> {
        sqlx::query(accounts::CLEAR_FAILURES)
            .bind(&scope)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn prune_failures(&self, before: i64) -> Result<u64, DbError> {
        Ok(sqlx::query(accounts::PRUNE_FAILURES)
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}
