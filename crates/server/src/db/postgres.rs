//! Postgres for replicas: a pool per instance; migrations run under an advisory lock
//! so instances starting together apply each one once.

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
