//! The server's database: sessions and the multipart uploads it issued, on SQLite (one
//! machine, the default) or Postgres (many replicas on one database).
//!
//! Both run the same numbered [`MIGRATIONS`]. Every rule that spans requests is a
//! constraint or a conditional update in the database, never a lock in this process, so
//! it holds across the app and `idance serve` sharing a file and across replicas alike.

pub mod accounts;
mod postgres;
mod sqlite;

pub use accounts::{Spend, UserRecord};

use idance_contract::wire::{CompleteSessionRequest, Session, SessionStatus};
use std::collections::HashSet;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot open the database: {0}")]
    Open(#[from] idance_sqlite::Error),
    #[error("Postgres: {0}")]
    Postgres(#[from] sqlx::Error),
    #[error(
        "the database is at version {found}, newer than this program knows ({known}): update every instance"
    )]
    Newer { found: i64, known: usize },
    #[error("stored completion is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("database task failed: {0}")]
    Task(String),
}

/// Where the database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    Sqlite(PathBuf),
    /// `postgres://…`: replica mode.
    Postgres(String),
}

/// The schema, one entry per version, written in the SQL both databases speak
/// (`BIGINT`, `TEXT`, partial unique indexes).
pub(crate) const MIGRATIONS: &[&str] = &[
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
        part_size  BIGINT NOT NULL,
        state      TEXT NOT NULL,
        size       BIGINT,
        created_at TEXT NOT NULL
     );",
    // 2: housekeeping. `touched_at` (Unix seconds) is the last create, sign or list of
    // an upload; rows from before it are NULL and get the reaper's grace from the first
    // sweep. `sweeps` holds one lease per housekeeping job.
    "ALTER TABLE multipart_uploads ADD COLUMN touched_at BIGINT;
     CREATE INDEX multipart_uploads_active ON multipart_uploads(state, touched_at);
     CREATE TABLE sweeps (
        name     TEXT PRIMARY KEY,
        holder   TEXT NOT NULL,
        until_at BIGINT NOT NULL
     );",
    // 3: accounts (accounts.md): users, sign-ins and their refresh tokens, failed sign-ins
    accounts::MIGRATION,
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

/// The objects the database still needs: housekeeping never deletes these.
#[derive(Debug, Default)]
pub struct References {
    /// Videos and thumbnails of completed sessions.
    pub completed: HashSet<String>,
    /// Keys active multipart uploads are writing.
    pub uploading: HashSet<String>,
}

#[derive(Clone)]
pub enum Db {
    Sqlite(sqlite::SqliteDb),
    Postgres(postgres::PgDb),
}

/// Calls the same method on whichever database this is.
/// Calls the backend's method, counted as `idance_db_calls_total{op}` (what a replica
/// asks of the shared database, per operation).
macro_rules! each {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {{
        crate::metrics::count("idance_db_calls_total", &[("op", stringify!($method))]);
        match $self {
            Db::Sqlite(d) => d.$method($($arg),*).await,
            Db::Postgres(d) => d.$method($($arg),*).await,
        }
    }};
}

impl Db {
    /// Opens (creating and migrating) the database.
    pub async fn open(config: &DatabaseConfig) -> Result<Self, DbError> {
        Ok(match config {
            DatabaseConfig::Sqlite(path) => Self::Sqlite(sqlite::SqliteDb::open(path)?),
            DatabaseConfig::Postgres(url) => Self::Postgres(postgres::PgDb::connect(url).await?),
        })
    }

    /// Answers when the database does (readiness).
    pub async fn ping(&self) -> Result<(), DbError> {
        each!(self.ping())
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
        each!(self.start_session(user_id, title, client_ref, session_id, started_at))
    }

    pub async fn session(&self, session_id: String) -> Result<Option<Session>, DbError> {
        each!(self.session(session_id))
    }

    /// Completes a session once; a repeat with the same body is not an error.
    pub async fn complete_session(
        &self,
        req: CompleteSessionRequest,
        completed_at: String,
    ) -> Result<Completion, DbError> {
        each!(self.complete_session(req, completed_at))
    }

    pub async fn insert_upload(
        &self,
        u: UploadRecord,
        created_at: String,
        now: i64,
    ) -> Result<(), DbError> {
        each!(self.insert_upload(u, created_at, now))
    }

    pub async fn upload(&self, upload_id: String) -> Result<Option<UploadRecord>, DbError> {
        each!(self.upload(upload_id))
    }

    /// Records activity on an active upload (the stale-upload reaper spares it). At most
    /// one write a minute per upload: a 1 GiB upload signs its parts in about 20 calls,
    /// and the reaper counts in hours.
    pub async fn touch_upload(&self, upload_id: String, now: i64) -> Result<(), DbError> {
        each!(self.touch_upload(upload_id, now))
    }

    /// Moves an active upload to `state`; `false` when it was no longer active (another
    /// call or instance finished it first).
    pub async fn finish_upload(
        &self,
        upload_id: String,
        state: UploadState,
        size: Option<u64>,
    ) -> Result<bool, DbError> {
        each!(self.finish_upload(upload_id, state, size))
    }

    /// Active uploads untouched since `before` (Unix seconds), oldest first. Uploads
    /// from before activity was recorded are given `now` as their last activity.
    pub async fn stale_uploads(
        &self,
        before: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<UploadRecord>, DbError> {
        each!(self.stale_uploads(before, now, limit))
    }

    /// Takes the lease on housekeeping job `name` until `until` if it is free or
    /// expired (or `holder` has it): at most one instance sweeps at a time.
    pub async fn take_sweep(
        &self,
        name: &'static str,
        holder: String,
        now: i64,
        until: i64,
    ) -> Result<bool, DbError> {
        each!(self.take_sweep(name, holder, now, until))
    }

    /// Gives the lease back (when `holder` has it), so the next instance need not wait.
    pub async fn release_sweep(&self, name: &'static str, holder: String) -> Result<(), DbError> {
        each!(self.release_sweep(name, holder))
    }

    /// The keys completed sessions and active uploads hold.
    pub async fn references(&self) -> Result<References, DbError> {
        each!(self.references())
    }

    // ---- accounts ----

    /// False when the email is taken.
    pub async fn create_user(&self, u: UserRecord) -> Result<bool, DbError> {
        each!(self.create_user(u))
    }

    pub async fn user_by_email(&self, email: String) -> Result<Option<UserRecord>, DbError> {
        each!(self.user_by_email(email))
    }

    pub async fn user(&self, user_id: String) -> Result<Option<UserRecord>, DbError> {
        each!(self.user(user_id))
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, DbError> {
        each!(self.users())
    }

    /// The user's id, or None for an unknown email. Disabling revokes their sign-ins.
    pub async fn set_disabled(
        &self,
        email: String,
        disabled: bool,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        each!(self.set_disabled(email, disabled, now))
    }

    /// The user's id, or None for an unknown email. Their sign-ins are revoked.
    pub async fn set_password(
        &self,
        email: String,
        hash: String,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        each!(self.set_password(email, hash, now))
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
        each!(self.start_family(family_id, user_id, device_name, token_hash, expires_at, now))
    }

    /// The next refresh token of a family, after [`Spend::Fresh`].
    pub async fn add_refresh(
        &self,
        token_hash: String,
        family_id: String,
        expires_at: i64,
    ) -> Result<(), DbError> {
        each!(self.add_refresh(token_hash, family_id, expires_at))
    }

    pub async fn spend_refresh(&self, token_hash: String, now: i64) -> Result<Spend, DbError> {
        each!(self.spend_refresh(token_hash, now))
    }

    pub async fn revoke_sign_in(&self, token_hash: String, now: i64) -> Result<bool, DbError> {
        each!(self.revoke_sign_in(token_hash, now))
    }

    /// One failed sign-in, counted under each scope (an email, a client address).
    pub async fn add_failure(&self, scopes: Vec<String>, at: i64) -> Result<(), DbError> {
        each!(self.add_failure(scopes, at))
    }

    pub async fn failures(&self, scope: String, since: i64) -> Result<(u64, Option<i64>), DbError> {
        each!(self.failures(scope, since))
    }

    pub async fn clear_failures(&self, scope: String) -> Result<(), DbError> {
        each!(self.clear_failures(scope))
    }

    pub async fn prune_failures(&self, before: i64) -> Result<u64, DbError> {
        each!(self.prune_failures(before))
    }
}

/// A session as stored: the row's columns and the completion's JSON.
pub(crate) struct SessionRow {
    pub session_id: String,
    pub user_id: String,
    pub status: String,
    pub title: Option<String>,
    pub client_ref: Option<String>,
    pub started_at: String,
    pub completed_at: Option<String>,
    pub completion: Option<String>,
}

impl SessionRow {
    pub fn into_session(self) -> Result<Session, DbError> {
        let mut s = Session {
            session_id: self.session_id,
            user_id: self.user_id,
            status: if self.status == "completed" {
                SessionStatus::Completed
            } else {
                SessionStatus::Active
            },
            title: self.title,
            client_ref: self.client_ref,
            started_at: self.started_at,
            completed_at: self.completed_at,
            end_time: None,
            duration_minutes: None,
            calories_burned: None,
            video_url: None,
            video_file_key: None,
            thumbnail_url: None,
            thumbnail_file_key: None,
        };
        if let Some(json) = self.completion {
            let c: CompleteSessionRequest = serde_json::from_str(&json)?;
            s.end_time = Some(c.end_time);
            s.duration_minutes = Some(c.duration_minutes);
            s.calories_burned = c.calories_burned;
            s.video_url = Some(c.video_url);
            s.video_file_key = Some(c.video_file_key);
            s.thumbnail_url = c.thumbnail_url;
            s.thumbnail_file_key = c.thumbnail_file_key;
        }
        Ok(s)
    }
}

/// What a completion found when the session was already completed: the same body
/// again is a repeat, another is a conflict.
pub(crate) fn judge_repeat(
    stored: Option<&str>,
    req: &CompleteSessionRequest,
    session: Session,
) -> Result<Completion, DbError> {
    let previous: Option<CompleteSessionRequest> = stored.map(serde_json::from_str).transpose()?;
    Ok(if previous.as_ref() == Some(req) {
        Completion::Repeat(session)
    } else {
        Completion::Conflict
    })
}

/// Adds a completion's object keys to `into`.
pub(crate) fn completion_keys(json: &str, into: &mut HashSet<String>) -> Result<(), DbError> {
    let c: CompleteSessionRequest = serde_json::from_str(json)?;
    into.insert(c.video_file_key);
    into.extend(c.thumbnail_file_key);
    Ok(())
}

#[cfg(test)]
mod tests;
