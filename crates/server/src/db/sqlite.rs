//! SQLite (WAL) behind async methods that run on the blocking pool; the schema version
//! is `PRAGMA user_version`.

use super::accounts::{self, Spend, UserRecord, email_key};
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

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        user_id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        password_hash: r.get(3)?,
        disabled: r.get::<_, i64>(4)? != 0,
        created_at: r.get(5)?,
    })
}

/// Accounts: the SQL of [`accounts`], each method one call on the connection.
impl SqliteDb {
    pub async fn create_user(&self, u: UserRecord) -> Result<bool, DbError> {
        self.call(move |conn| {
            Ok(conn.execute(
                accounts::INSERT_USER,
                params![
                    u.user_id,
                    u.email,
                    email_key(&u.email),
                    u.name,
                    u.password_hash,
                    u.disabled as i64,
                    u.created_at
                ],
            )? == 1)
        })
        .await
    }

    pub async fn user_by_email(&self, email: String) -> Result<Option<UserRecord>, DbError> {
        self.call(move |conn| {
            Ok(conn
                .query_row(
                    &format!("{} WHERE email_key = $1", accounts::SELECT_USER),
                    [email_key(&email)],
                    user_row,
                )
                .optional()?)
        })
        .await
    }

    pub async fn user(&self, user_id: String) -> Result<Option<UserRecord>, DbError> {
        self.call(move |conn| {
            Ok(conn
                .query_row(
                    &format!("{} WHERE user_id = $1", accounts::SELECT_USER),
                    [user_id],
                    user_row,
                )
                .optional()?)
        })
        .await
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, DbError> {
        self.call(|conn| {
            let mut stmt = conn.prepare(&format!(
                "{} ORDER BY created_at, email_key",
                accounts::SELECT_USER
            ))?;
            let users = stmt.query_map([], user_row)?.collect::<Result<_, _>>()?;
            Ok(users)
        })
        .await
    }

    /// Updates the user (`sql` binds `value`, then the email key) and, when `revoke`,
    /// revokes every sign-in of theirs in the same transaction.
    async fn update_user(
        &self,
        sql: &'static str,
        value: rusqlite::types::Value,
        email: String,
        revoke: bool,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let id: Option<String> = tx
                .query_row(sql, params![value, email_key(&email)], |r| r.get(0))
                .optional()?;
            if let (Some(id), true) = (&id, revoke) {
                tx.execute(accounts::REVOKE_USER, params![now, id])?;
            }
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    /// Sets `disabled`; disabling revokes every sign-in of the user in the same step.
    pub async fn set_disabled(
        &self,
        email: String,
        disabled: bool,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        let value = rusqlite::types::Value::Integer(disabled as i64);
        self.update_user(accounts::SET_DISABLED, value, email, disabled, now)
            .await
    }

    /// A new password hash; every sign-in of the user is revoked in the same step.
    pub async fn set_password(
        &self,
        email: String,
        hash: String,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        let value = rusqlite::types::Value::Text(hash);
        self.update_user(accounts::SET_PASSWORD, value, email, true, now)
            .await
    }

    /// A sign-in: its family and first refresh token.
    pub async fn start_family(
        &self,
        family_id: String,
        user_id: String,
        device_name: Option<String>,
        token_hash: String,
        expires_at: i64,
        now: i64,
    ) -> Result<(), DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                accounts::INSERT_FAMILY,
                params![family_id, user_id, device_name, now],
            )?;
            tx.execute(
                accounts::INSERT_TOKEN,
                params![token_hash, family_id, expires_at],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn add_refresh(
        &self,
        token_hash: String,
        family_id: String,
        expires_at: i64,
    ) -> Result<(), DbError> {
        self.call(move |conn| {
            conn.execute(
                accounts::INSERT_TOKEN,
                params![token_hash, family_id, expires_at],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn spend_refresh(&self, token_hash: String, now: i64) -> Result<Spend, DbError> {
        self.call(move |conn| {
            let spent: Option<String> = conn
                .query_row(accounts::SPEND, params![now, token_hash], |r| r.get(0))
                .optional()?;
            if let Some(family_id) = spent {
                let user_id = conn.query_row(accounts::FAMILY_USER, [&family_id], |r| r.get(0))?;
                return Ok(Spend::Fresh { user_id, family_id });
            }
            let reused: Option<String> = conn
                .query_row(accounts::WAS_SPENT, [&token_hash], |r| r.get(0))
                .optional()?;
            Ok(match reused {
                Some(family_id) => {
                    conn.execute(accounts::REVOKE_FAMILY, params![now, family_id])?;
                    Spend::Reused
                }
                None => Spend::Invalid,
            })
        })
        .await
    }

    /// Revokes the sign-in a refresh token belongs to; false when none was live.
    pub async fn revoke_sign_in(&self, token_hash: String, now: i64) -> Result<bool, DbError> {
        self.call(move |conn| {
            Ok(conn.execute(accounts::REVOKE_FAMILY_OF, params![now, token_hash])? == 1)
        })
        .await
    }

    pub async fn add_failure(&self, scopes: Vec<String>, at: i64) -> Result<(), DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            for scope in scopes {
                tx.execute(accounts::INSERT_FAILURE, params![scope, at])?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Failures of `scope` after `since`: how many, and the oldest one's time.
    pub async fn failures(&self, scope: String, since: i64) -> Result<(u64, Option<i64>), DbError> {
        self.call(move |conn| {
            Ok(
                conn.query_row(accounts::FAILURES, params![scope, since], |r| {
                    Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
                })?,
            )
        })
        .await
    }

    pub async fn clear_failures(&self, scope: String) -> Result<(), DbError> {
        self.call(move |conn| {
            conn.execute(accounts::CLEAR_FAILURES, [scope])?;
            Ok(())
        })
        .await
    }

    pub async fn prune_failures(&self, before: i64) -> Result<u64, DbError> {
        self.call(move |conn| Ok(conn.execute(accounts::PRUNE_FAILURES, [before])? as u64))
            .await
    }
}
