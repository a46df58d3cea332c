//! SQLite (WAL), one connection, each statement on the blocking pool; the schema
//! version is `PRAGMA user_version`. A transaction holds the connection from BEGIN to
//! COMMIT; one dropped half-way is rolled back before the connection is used again.

use super::sql::{Exec, Row, Value, sqlite_dialect};
use super::{DbError, MIGRATIONS};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Clone)]
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
}

type Held = OwnedMutexGuard<Connection>;

impl SqliteDb {
    /// Opens the database with the shared SQLite helper (busy timeout before WAL,
    /// migrations in immediate transactions): the app and `idance serve` may open
    /// one data folder at the same instant.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let conn = idance_sqlite::open(path, idance_sqlite::Durability::Normal, MIGRATIONS)?;
        // Every statement the server runs stays prepared.
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn hold(&self) -> Held {
        self.conn.clone().lock_owned().await
    }

    pub async fn begin(&self) -> Result<SqliteTx, DbError> {
        let held = self.hold().await;
        let (held, r) = on_pool(held, |c| Ok(c.execute_batch("BEGIN IMMEDIATE")?)).await?;
        r?;
        Ok(SqliteTx { held: Some(held) })
    }
}

/// Runs `f` on the blocking pool with the connection, and gives the connection back.
async fn on_pool<R: Send + 'static>(
    mut held: Held,
    f: impl FnOnce(&mut Connection) -> Result<R, DbError> + Send + 'static,
) -> Result<(Held, Result<R, DbError>), DbError> {
    tokio::task::spawn_blocking(move || {
        let r = f(&mut held);
        (held, r)
    })
    .await
    .map_err(|e| DbError::Task(e.to_string()))
}

/// A transaction left open by a caller that was cancelled is rolled back first.
fn settle(c: &Connection) -> Result<(), DbError> {
    if !c.is_autocommit() {
        c.execute_batch("ROLLBACK")?;
    }
    Ok(())
}

fn execute(c: &Connection, sql: &str, args: Vec<Value>) -> Result<u64, DbError> {
    let mut stmt = c.prepare_cached(&sqlite_dialect(sql))?;
    Ok(stmt.execute(rusqlite::params_from_iter(args.iter().map(to_sql)))? as u64)
}

fn rows(c: &Connection, sql: &str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
    let mut stmt = c.prepare_cached(&sqlite_dialect(sql))?;
    let n = stmt.column_count();
    let mut found = stmt.query(rusqlite::params_from_iter(args.iter().map(to_sql)))?;
    let mut out = Vec::new();
    while let Some(r) = found.next()? {
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            row.push(match r.get_ref(i)? {
                ValueRef::Null => Value::Text(None),
                ValueRef::Integer(v) => Value::Int(Some(v)),
                ValueRef::Real(v) => Value::Real(Some(v)),
                ValueRef::Text(t) => Value::Text(Some(
                    std::str::from_utf8(t)
                        .map_err(|e| DbError::Corrupt(format!("column {i}: {e}")))?
                        .to_string(),
                )),
                ValueRef::Blob(_) => {
                    return Err(DbError::Corrupt(format!("column {i} holds bytes")));
                }
            });
        }
        out.push(Row(row));
    }
    Ok(out)
}

fn to_sql(v: &Value) -> rusqlite::types::ToSqlOutput<'_> {
    use rusqlite::types::{ToSqlOutput, Value as V};
    ToSqlOutput::Owned(match v {
        Value::Int(Some(i)) => V::Integer(*i),
        Value::Real(Some(r)) => V::Real(*r),
        Value::Text(Some(s)) => V::Text(s.clone()),
        Value::Int(None) | Value::Real(None) | Value::Text(None) => V::Null,
    })
}

impl SqliteDb {
    /// One statement: the connection is taken on the blocking thread, so it is held for
    /// the statement alone, not across the hand-over to that thread (presign's rate
    /// halved when it was).
    async fn one_statement<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    ) -> Result<R, DbError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let c = conn.blocking_lock();
            settle(&c)?;
            f(&c)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }
}

impl Exec for &SqliteDb {
    async fn execute(&mut self, sql: &'static str, args: Vec<Value>) -> Result<u64, DbError> {
        self.one_statement(move |c| execute(c, sql, args)).await
    }

    async fn rows(&mut self, sql: &'static str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
        self.one_statement(move |c| rows(c, sql, args)).await
    }
}

pub struct SqliteTx {
    /// None only while a statement runs (or after it was cancelled: the connection then
    /// went back with the transaction open, and [`settle`] rolls it back).
    held: Option<Held>,
}

impl SqliteTx {
    async fn run<R: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Connection) -> Result<R, DbError> + Send + 'static,
    ) -> Result<R, DbError> {
        let held = self
            .held
            .take()
            .ok_or_else(|| DbError::Task("the transaction was interrupted".into()))?;
        let (held, r) = on_pool(held, f).await?;
        self.held = Some(held);
        r
    }

    pub async fn commit(mut self) -> Result<(), DbError> {
        self.run(|c| Ok(c.execute_batch("COMMIT")?)).await?;
        drop(self.held.take());
        Ok(())
    }
}

impl Exec for SqliteTx {
    async fn execute(&mut self, sql: &'static str, args: Vec<Value>) -> Result<u64, DbError> {
        self.run(move |c| execute(c, sql, args)).await
    }

    async fn rows(&mut self, sql: &'static str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
        self.run(move |c| rows(c, sql, args)).await
    }
}

impl Drop for SqliteTx {
    /// Not committed: rolled back now, so another process sharing the file is not kept
    /// waiting on our write lock until this one's next statement.
    fn drop(&mut self) {
        if let (Some(held), Ok(rt)) = (self.held.take(), tokio::runtime::Handle::try_current()) {
            rt.spawn_blocking(move || {
                let _ = settle(&held);
            });
        }
    }
}
