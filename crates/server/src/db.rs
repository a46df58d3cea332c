//! The server's database: sessions and the multipart uploads it issued.
//!
//! SQLite (WAL) behind async methods that run on the blocking pool. Migrations are
//! numbered and tracked with `PRAGMA user_version`.

use idance_contract::wire::{CompleteSessionRequest, Session, SessionStatus};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot open the database: {0}")]
    Open(#[from] idance_sqlite::Error),
    #[error("stored completion is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("database task failed: {0}")]
    Task(String),
}

const MIGRATIONS: &[&str] = &[
    // 1: sessions and multipart uploads
    "CREATE TABLE sessions (
        session_id   TEXT PRIMARY KEY,
        user_id      TEXT NOT NULL,
        status       TEXT NOT NULL,
        title        TEXT,
        client_ref   TEXT,
        started_at   TEXT NOT NULL,
        completed_at TEXT,
        completion   TEXT
     );
     CREATE UNIQUE INDEX sessions_client_ref ON sessions(user_id, client_ref) WHERE client_ref IS NOT NULL;
     CREATE TABLE multipart_uploads (
        upload_id  TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL,
        session_id TEXT NOT NULL REFERENCES sessions(session_id),
        file_key   TEXT NOT NULL,
        part_size  INTEGER NOT NULL,
        state      TEXT NOT NULL,
        size       INTEGER,
        created_at TEXT NOT NULL
     );",
];

/// A multipart upload the server issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    pub upload_id: String,
    pub user_id: String,
    pub session_id: String,
    pub file_key: String,
    pub part_size: u64,
    pub state: UploadState,
    pub size: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    Active,
    Completed,
    Aborted,
}

impl UploadState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Aborted => "aborted",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "completed" => Self::Completed,
            "aborted" => Self::Aborted,
            _ => Self::Active,
        }
    }
}

/// What a completion attempt found.
pub enum Completion {
    /// This call completed the session.
    Done(Session),
    /// Already completed with the same body.
    Repeat(Session),
    /// Already completed with a different body.
    Conflict,
}

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
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

    /// Answers when the database does (readiness).
    pub async fn ping(&self) -> Result<(), DbError> {
        self.call(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
    }

    /// Starts a session, or returns the one this user already started with `client_ref`
    /// (`false` in the second place then).
    pub async fn start_session(
        &self,
        user_id: String,
        title: Option<String>,
        client_ref: Option<String>,
        session_id: String,
        started_at: String,
    ) -> Result<(Session, bool), DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            if let Some(r) = &client_ref {
                let existing = tx
                    .query_row(
                        &format!("{SELECT_SESSION} WHERE user_id = ?1 AND client_ref = ?2"),
                        params![user_id, r],
                        session_from_row,
                    )
                    .optional()?;
                if let Some(s) = existing {
                    return Ok((s?, false));
                }
            }
            tx.execute(
                "INSERT INTO sessions (session_id, user_id, status, title, client_ref, started_at)
                 VALUES (?1, ?2, 'active', ?3, ?4, ?5)",
                params![session_id, user_id, title, client_ref, started_at],
            )?;
            let s = tx.query_row(
                &format!("{SELECT_SESSION} WHERE session_id = ?1"),
                [&session_id],
                session_from_row,
            )??;
            tx.commit()?;
            Ok((s, true))
        })
        .await
    }

    pub async fn session(&self, session_id: String) -> Result<Option<Session>, DbError> {
        self.call(move |conn| {
            conn.query_row(
                &format!("{SELECT_SESSION} WHERE session_id = ?1"),
                [&session_id],
                session_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    /// Completes a session once; a repeat with the same body is not an error.
    pub async fn complete_session(
        &self,
        req: CompleteSessionRequest,
        completed_at: String,
    ) -> Result<Completion, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let stored: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT status, completion FROM sessions WHERE session_id = ?1",
                    [&req.session_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((status, completion)) = stored else {
                return Err(DbError::Task("session vanished".into()));
            };
            if status == "completed" {
                let previous: Option<CompleteSessionRequest> =
                    completion.as_deref().map(serde_json::from_str).transpose()?;
                let s = tx.query_row(
                    &format!("{SELECT_SESSION} WHERE session_id = ?1"),
                    [&req.session_id],
                    session_from_row,
                )??;
                return Ok(if previous.as_ref() == Some(&req) { Completion::Repeat(s) } else { Completion::Conflict });
            }
            tx.execute(
                "UPDATE sessions SET status = 'completed', completed_at = ?2, completion = ?3 WHERE session_id = ?1",
                params![req.session_id, completed_at, serde_json::to_string(&req)?],
            )?;
            let s =
                tx.query_row(&format!("{SELECT_SESSION} WHERE session_id = ?1"), [&req.session_id], session_from_row)??;
            tx.commit()?;
            Ok(Completion::Done(s))
        })
        .await
    }

    pub async fn insert_upload(&self, u: UploadRecord, created_at: String) -> Result<(), DbError> {
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO multipart_uploads (upload_id, user_id, session_id, file_key, part_size, state, size, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    u.upload_id,
                    u.user_id,
                    u.session_id,
                    u.file_key,
                    u.part_size as i64,
                    u.state.as_str(),
                    u.size.map(|s| s as i64),
                    created_at
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
                    "SELECT upload_id, user_id, session_id, file_key, part_size, state, size
                     FROM multipart_uploads WHERE upload_id = ?1",
                    [&upload_id],
                    |r| {
                        Ok(UploadRecord {
                            upload_id: r.get(0)?,
                            user_id: r.get(1)?,
                            session_id: r.get(2)?,
                            file_key: r.get(3)?,
                            part_size: r.get::<_, i64>(4)? as u64,
                            state: UploadState::parse(&r.get::<_, String>(5)?),
                            size: r.get::<_, Option<i64>>(6)?.map(|s| s as u64),
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    pub async fn set_upload_state(
        &self,
        upload_id: String,
        state: UploadState,
        size: Option<u64>,
    ) -> Result<(), DbError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE multipart_uploads SET state = ?2, size = COALESCE(?3, size) WHERE upload_id = ?1",
                params![upload_id, state.as_str(), size.map(|s| s as i64)],
            )?;
            Ok(())
        })
        .await
    }
}

const SELECT_SESSION: &str = "SELECT session_id, user_id, status, title, client_ref, started_at, completed_at, completion FROM sessions";

fn session_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Session, DbError>> {
    let status: String = r.get(2)?;
    let completion: Option<String> = r.get(7)?;
    let mut s = Session {
        session_id: r.get(0)?,
        user_id: r.get(1)?,
        status: if status == "completed" {
            SessionStatus::Completed
        } else {
            SessionStatus::Active
        },
        title: r.get(3)?,
        client_ref: r.get(4)?,
        started_at: r.get(5)?,
        completed_at: r.get(6)?,
        end_time: None,
        duration_minutes: None,
        calories_burned: None,
        video_url: None,
        video_file_key: None,
        thumbnail_url: None,
        thumbnail_file_key: None,
    };
    if let Some(json) = completion {
        let c: CompleteSessionRequest = match serde_json::from_str(&json) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e.into())),
        };
        s.end_time = Some(c.end_time);
        s.duration_minutes = Some(c.duration_minutes);
        s.calories_burned = c.calories_burned;
        s.video_url = Some(c.video_url);
        s.video_file_key = Some(c.video_file_key);
        s.thumbnail_url = c.thumbnail_url;
        s.thumbnail_file_key = c.thumbnail_file_key;
    }
    Ok(Ok(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_and_serve_opening_a_new_database_together_both_start() {
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("server/sessions.db");
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let path = path.clone();
                    std::thread::spawn(move || Db::open(&path).map(|_| ()))
                })
                .collect();
            for h in handles {
                h.join().unwrap().unwrap();
            }
        }
    }

    fn complete_req(session_id: &str, minutes: f64) -> CompleteSessionRequest {
        CompleteSessionRequest {
            session_id: session_id.into(),
            end_time: "2026-11-26T08:00:00Z".into(),
            duration_minutes: minutes,
            calories_burned: Some(120.0),
            video_url: "http://x/v".into(),
            video_file_key: "k".into(),
            thumbnail_url: None,
            thumbnail_file_key: None,
        }
    }

    #[tokio::test]
    async fn client_ref_returns_the_same_session_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db/sessions.db");
        let db = Db::open(&path).unwrap();
        let (a, created) = db
            .start_session(
                "u".into(),
                Some("Salsa".into()),
                Some("ref-1".into()),
                "s1".into(),
                "t".into(),
            )
            .await
            .unwrap();
        assert!(created);
        let (b, created) = db
            .start_session(
                "u".into(),
                None,
                Some("ref-1".into()),
                "s2".into(),
                "t".into(),
            )
            .await
            .unwrap();
        assert!(!created);
        assert_eq!(a, b);
        // another user may use the same client_ref
        let (c, created) = db
            .start_session(
                "v".into(),
                None,
                Some("ref-1".into()),
                "s3".into(),
                "t".into(),
            )
            .await
            .unwrap();
        assert!(created && c.session_id == "s3");
        drop(db);
        let db = Db::open(&path).unwrap();
        assert_eq!(
            db.session("s1".into())
                .await
                .unwrap()
                .unwrap()
                .title
                .as_deref(),
            Some("Salsa")
        );
    }

    #[tokio::test]
    async fn completion_is_idempotent_and_conflicts_on_a_different_body() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("s.db")).unwrap();
        db.start_session("u".into(), None, None, "s1".into(), "t".into())
            .await
            .unwrap();
        let Completion::Done(s) = db
            .complete_session(complete_req("s1", 3.0), "now".into())
            .await
            .unwrap()
        else {
            panic!("first completion not done")
        };
        assert_eq!(s.status, SessionStatus::Completed);
        assert_eq!(s.calories_burned, Some(120.0));
        assert!(matches!(
            db.complete_session(complete_req("s1", 3.0), "later".into()).await.unwrap(),
            Completion::Repeat(r) if r == s
        ));
        assert!(matches!(
            db.complete_session(complete_req("s1", 4.0), "later".into())
                .await
                .unwrap(),
            Completion::Conflict
        ));
    }
}
