//! Postgres for replicas: a pool per instance; migrations run under an advisory lock
//! so instances starting together apply each one once.

use super::sql::{Exec, Row, Value};
use super::{DbError, MIGRATIONS};
use sqlx::postgres::{PgArguments, PgExecutor, PgPool, PgPoolOptions, PgRow, Postgres};
use sqlx::{AssertSqlSafe, Column, Row as _, TypeInfo};
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

    pub async fn begin(&self) -> Result<PgTx, DbError> {
        Ok(PgTx(self.pool.begin().await?))
    }
}

/// A transaction; dropped without commit, sqlx rolls it back.
pub struct PgTx(sqlx::Transaction<'static, Postgres>);

impl PgTx {
    pub async fn commit(self) -> Result<(), DbError> {
        Ok(self.0.commit().await?)
    }
}

fn bind(
    mut q: sqlx::query::Query<'static, Postgres, PgArguments>,
    args: Vec<Value>,
) -> sqlx::query::Query<'static, Postgres, PgArguments> {
    for a in args {
        q = match a {
            Value::Int(v) => q.bind(v),
            Value::Real(v) => q.bind(v),
            Value::Text(v) => q.bind(v),
        };
    }
    q
}

async fn execute<'e>(
    e: impl PgExecutor<'e>,
    sql: &'static str,
    args: Vec<Value>,
) -> Result<u64, DbError> {
    Ok(bind(sqlx::query(sql), args)
        .execute(e)
        .await?
        .rows_affected())
}

async fn rows<'e>(
    e: impl PgExecutor<'e>,
    sql: &'static str,
    args: Vec<Value>,
) -> Result<Vec<Row>, DbError> {
    let found = bind(sqlx::query(sql), args).fetch_all(e).await?;
    found.iter().map(read_row).collect()
}

/// A row into [`Row`], by each column's Postgres type.
fn read_row(r: &PgRow) -> Result<Row, DbError> {
    let mut row = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        row.push(match col.type_info().name() {
            "INT8" => Value::Int(r.try_get(i)?),
            "INT4" => Value::Int(r.try_get::<Option<i32>, _>(i)?.map(i64::from)),
            "FLOAT8" => Value::Real(r.try_get(i)?),
            "BOOL" => Value::Int(r.try_get::<Option<bool>, _>(i)?.map(i64::from)),
            "TEXT" | "VARCHAR" => Value::Text(r.try_get(i)?),
            other => {
                return Err(DbError::Corrupt(format!(
                    "column {i} has the type {other}, which no statement reads"
                )));
            }
        });
    }
    Ok(Row(row))
}

impl Exec for &PgDb {
    async fn execute(&mut self, sql: &'static str, args: Vec<Value>) -> Result<u64, DbError> {
        execute(&self.pool, sql, args).await
    }

    async fn rows(&mut self, sql: &'static str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
        rows(&self.pool, sql, args).await
    }
}

impl Exec for PgTx {
    async fn execute(&mut self, sql: &'static str, args: Vec<Value>) -> Result<u64, DbError> {
        execute(&mut *self.0, sql, args).await
    }

    async fn rows(&mut self, sql: &'static str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
        rows(&mut *self.0, sql, args).await
    }
}

/// The database is down or restarting (as opposed to refusing a query).
fn is_unreachable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
    ) || matches!(e, sqlx::Error::Database(d) if d.code().is_some_and(|c| c.starts_with("57P")))
}
