//! SQLite (WAL) behind async methods that run on the blocking pool; the schema version
//! is `PRAGMA user_version`.

use super::{
    Completion, DbError, MIGRATIONS, References, SessionRow, UploadRecord, UploadState,
    completion_keys, judge_repeat,
};
use idance_contract::wire::{CompleteSessionRequest, Session};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
}

const SELECT_SESSION: &str = "SELECT session_id, user_id, status, title, client_ref, started_at, completed_at, completion FROM sessions";
const SELECT_UPLOAD: &str = "SELECT upload_id, user_id, session_id, file_key, part_size, state, size FROM multipart_uploads";

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        session_id: r.get(0)?,
        user_id: r.get(1)?,
        status: r.get(2)?,
        title: r.get(3)?,
        client_ref: r.get(4)?,
        started_at: r.get(5)?,
        completed_at: r.get(6)?,
        completion: r.get(7)?,
    })
}

fn upload_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UploadRecord> {
    Ok(UploadRecord {
        upload_id: r.get(0)?,
        user_id: r.get(1)?,
        session_id: r.get(2)?,
        file_key: r.get(3)?,
        part_size: r.get::<_, i64>(4)? as u64,
        state: UploadState::parse(&r.get::<_, String>(5)?),
        size: r.get::<_, Option<i64>>(6)?.map(|s| s as u64),
    })
}

fn session_by_id(conn: &Connection, id: &str) -> Result<Option<Session>, DbError> {
    conn.query_row(
        &format!("{SELECT_SESSION} WHERE session_id = ?1"),
        [id],
        session_row,
    )
    .optional()?
    .map(SessionRow::into_session)
    .transpose()
}

impl SqliteDb {
    /// Opens the database with the shared SQLite helper (busy timeout before WAL,
    /// migrations in immediate transactions): the app and `idance serve` may open
    /// one data folder at the same instant.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let conn = idance_sqlite::open(path, idance_sqlite::Durability::Normal, MIGRATIONS)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, DbError> + Send + 'static,
    ) -> Result<R, DbError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| DbError::Task("database lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }

    pub async fn ping(&self) -> Result<(), DbError> {
        self.call(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
    }

    pub async fn start_session(
        &self,
        user_id: String,
        title: Option<String>,
        client_ref: Option<String>,
        session_id: String,
        started_at: String,
    ) -> Result<(Session, bool), DbError> {
        self.call(move |conn| {
            // The unique (user_id, client_ref) index decides a race, here as on Postgres.
            let inserted = conn.execute(
                "INSERT INTO sessions (session_id, user_id, status, title, client_ref, started_at)
                 VALUES (?1, ?2, 'active', ?3, ?4, ?5)
                 ON CONFLICT (user_id, client_ref) WHERE client_ref IS NOT NULL DO NOTHING",
                params![session_id, user_id, title, client_ref, started_at],
            )? == 1;
            let row = if inserted {
                session_by_id(conn, &session_id)?
            } else {
                conn.query_row(
                    &format!("{SELECT_SESSION} WHERE user_id = ?1 AND client_ref = ?2"),
                    params![user_id, client_ref],
                    session_row,
                )
                .optional()?
                .map(SessionRow::into_session)
                .transpose()?
            };
            let s = row.ok_or_else(|| DbError::Task("the started session vanished".into()))?;
            Ok((s, inserted))
        })
        .await
    }

    pub async fn session(&self, session_id: String) -> Result<Option<Session>, DbError> {
        self.call(move |conn| session_by_id(conn, &session_id))
            .await
    }

    pub async fn complete_session(
        &self,
        req: CompleteSessionRequest,
        completed_at: String,
    ) -> Result<Completion, DbError> {
        self.call(move |conn| {
            let body = serde_json::to_string(&req)?;
            let done = conn.execute(
                "UPDATE sessions SET status = 'completed', completed_at = ?2, completion = ?3
                 WHERE session_id = ?1 AND status = 'active'",
                params![req.session_id, completed_at, body],
            )? == 1;
            let (s, stored): (SessionRow, Option<String>) = conn
                .query_row(
                    &format!("{SELECT_SESSION} WHERE session_id = ?1"),
                    [&req.session_id],
                    |r| Ok((session_row(r)?, r.get(7)?)),
                )
                .optional()?
                .ok_or_else(|| DbError::Task("session vanished".into()))?;
            let s = s.into_session()?;
            if done {
                return Ok(Completion::Done(s));
            }
            judge_repeat(stored.as_deref(), &req, s)
        })
        .await
    }

    pub async fn insert_upload(
        &self,
        u: UploadRecord,
        created_at: String,
        now: i64,
    ) -> Result<(), DbError> {
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO multipart_uploads (upload_id, user_id, session_id, file_key, part_size, state, size, created_at, touched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    u.upload_id,
                    u.user_id,
                    u.session_id,
                    u.file_key,
                    u.part_size as i64,
                    u.state.as_str(),
                    u.size.map(|s| s as i64),
                    created_at,
                    now
                ],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn upload(&self, upload_id: String) -> Result<Option<UploadRecord>, DbError> {
        self.call(move |conn| {
            Ok(conn
                .query_row(
                    &format!("{SELECT_UPLOAD} WHERE upload_id = ?1"),
                    [&upload_id],
                    upload_row,
                )
                .optional()?)
        })
        .await
    }

    pub async fn touch_upload(&self, upload_id: String, now: i64) -> Result<(), DbError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE multipart_uploads SET touched_at = ?2
                 WHERE upload_id = ?1 AND state = 'active' AND (touched_at IS NULL OR touched_at < ?2 - 60)",
                params![upload_id, now],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn finish_upload(
        &self,
        upload_id: String,
        state: UploadState,
        size: Option<u64>,
    ) -> Result<bool, DbError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "UPDATE multipart_uploads SET state = ?2, size = COALESCE(?3, size)
                 WHERE upload_id = ?1 AND state = 'active'",
                params![upload_id, state.as_str(), size.map(|s| s as i64)],
            )? == 1)
        })
        .await
    }

    pub async fn stale_uploads(
        &self,
        before: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<UploadRecord>, DbError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE multipart_uploads SET touched_at = ?1 WHERE state = 'active' AND touched_at IS NULL",
                [now],
            )?;
            let mut stmt = conn.prepare(&format!(
                "{SELECT_UPLOAD} WHERE state = 'active' AND touched_at < ?1 ORDER BY touched_at LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![before, limit], upload_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    pub async fn take_sweep(
        &self,
        name: &'static str,
        holder: String,
        now: i64,
        until: i64,
    ) -> Result<bool, DbError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "INSERT INTO sweeps (name, holder, until_at) VALUES (?1, ?2, ?4)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at
                 WHERE sweeps.until_at < ?3 OR sweeps.holder = excluded.holder",
                params![name, holder, now, until],
            )? == 1)
        })
        .await
    }

    pub async fn release_sweep(&self, name: &'static str, holder: String) -> Result<(), DbError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE sweeps SET until_at = 0 WHERE name = ?1 AND holder = ?2",
                params![name, holder],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn references(&self) -> Result<References, DbError> {
        self.call(|conn| {
            let mut refs = References::default();
            let mut stmt =
                conn.prepare("SELECT completion FROM sessions WHERE completion IS NOT NULL")?;
            for json in stmt.query_map([], |r| r.get::<_, String>(0))? {
                completion_keys(&json?, &mut refs.completed)?;
            }
            let mut stmt =
                conn.prepare("SELECT file_key FROM multipart_uploads WHERE state = 'active'")?;
            for key in stmt.query_map([], |r| r.get::<_, String>(0))? {
                refs.uploading.insert(key?);
            }
            Ok(refs)
        })
        .await
    }
}
