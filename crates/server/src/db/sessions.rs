//! Sessions: started, completed, listed, renamed and deleted (library.md). A deleted
//! session keeps its row, marked: its id and `client_ref` are never used again.

use super::sql::{Exec, Row, args};
use super::{Db, DbError, count};
use idance_contract::wire::{CompleteSessionRequest, Session, SessionStatus};

pub(crate) const MIGRATION: &str = "ALTER TABLE sessions ADD COLUMN calories DOUBLE PRECISION;
     ALTER TABLE sessions ADD COLUMN size_bytes BIGINT;
     ALTER TABLE sessions ADD COLUMN deleted_at TEXT;
     CREATE INDEX sessions_library ON sessions(user_id, started_at, session_id);
     CREATE INDEX multipart_uploads_session ON multipart_uploads(session_id, state);";

macro_rules! select_session {
    ($($rest:literal)+) => {
        concat!(
            "SELECT session_id, user_id, status, title, client_ref, started_at, completed_at, completion, calories, size_bytes, deleted_at FROM sessions ",
            $($rest),+
        )
    };
}

/// The columns [`select_session!`] reads, for `RETURNING`.
macro_rules! returning_session {
    () => {
        " RETURNING session_id, user_id, status, title, client_ref, started_at, completed_at, completion, calories, size_bytes, deleted_at"
    };
}

/// A stored session: what the API answers, the completion as sent (a repeat is judged
/// against it) and whether it was deleted.
struct Stored {
    session: Session,
    completion: Option<String>,
    deleted: bool,
}

pub(crate) fn completion(json: &str) -> Result<CompleteSessionRequest, DbError> {
    serde_json::from_str(json)
        .map_err(|e| DbError::Corrupt(format!("a session's stored completion: {e}")))
}

fn stored(r: &Row) -> Result<Stored, DbError> {
    let status = match r.text(2)?.as_str() {
        "active" => SessionStatus::Active,
        "completed" => SessionStatus::Completed,
        other => return Err(DbError::Corrupt(format!("a session's status is '{other}'"))),
    };
    let json = r.opt_text(7)?;
    let done = json.as_deref().map(completion).transpose()?;
    let calories = r.opt_real(8)?;
    let session = Session {
        session_id: r.text(0)?,
        user_id: r.text(1)?,
        status,
        title: r.opt_text(3)?,
        client_ref: r.opt_text(4)?,
        started_at: r.text(5)?,
        completed_at: r.opt_text(6)?,
        size_bytes: r.opt_u64(9)?,
        calories_burned: calories.or(done.as_ref().and_then(|c| c.calories_burned)),
        end_time: done.as_ref().map(|c| c.end_time.clone()),
        duration_minutes: done.as_ref().map(|c| c.duration_minutes),
        video_url: done.as_ref().map(|c| c.video_url.clone()),
        video_file_key: done.as_ref().map(|c| c.video_file_key.clone()),
        thumbnail_url: done.as_ref().and_then(|c| c.thumbnail_url.clone()),
        thumbnail_file_key: done.and_then(|c| c.thumbnail_file_key),
    };
    Ok(Stored {
        session,
        completion: json,
        deleted: r.opt_text(10)?.is_some(),
    })
}

fn one(row: Option<Row>) -> Result<Option<Stored>, DbError> {
    row.as_ref().map(stored).transpose()
}

/// What starting a session found.
pub enum Started {
    New(Session),
    /// The session this user already started with the same `client_ref`.
    Existing(Session),
    /// That session was deleted: its `client_ref` names nothing any more.
    Deleted,
}

/// What a completion attempt found.
pub enum Completion {
    /// This call completed the session.
    Done(Session),
    /// Already completed with the same body.
    Repeat(Session),
    /// Already completed with a different body.
    Conflict,
    /// Deleted meanwhile.
    Gone,
}

/// A page of a user's library, newest first.
pub struct Page {
    pub sessions: Vec<Session>,
    /// There are older sessions after the last one.
    pub more: bool,
}

/// What marking a session deleted found.
pub enum Deletion {
    /// This call marked it; the session as it was.
    Marked(Session),
    /// It was already marked (a repeat, or another replica at the same time).
    Already(Session),
    /// No such session of this user.
    Missing,
}

impl Db {
    /// Starts a session, or finds the one this user already started with `client_ref`.
    pub async fn start_session(
        &self,
        user_id: String,
        title: Option<String>,
        client_ref: Option<String>,
        session_id: String,
        started_at: String,
    ) -> Result<Started, DbError> {
        count("start_session");
        let mut db = self;
        // The unique (user_id, client_ref) index decides a race, on both databases.
        let inserted = db
            .optional(
                concat!(
                    "INSERT INTO sessions (session_id, user_id, status, title, client_ref, started_at)
                     VALUES ($1, $2, 'active', $3, $4, $5)
                     ON CONFLICT (user_id, client_ref) WHERE client_ref IS NOT NULL DO NOTHING",
                    returning_session!()
                ),
                args![session_id, &user_id, title, &client_ref, started_at],
            )
            .await?;
        if let Some(s) = one(inserted)? {
            return Ok(Started::New(s.session));
        }
        let existing = db
            .optional(
                select_session!("WHERE user_id = $1 AND client_ref = $2"),
                args![user_id, client_ref],
            )
            .await?;
        match one(existing)? {
            Some(s) if s.deleted => Ok(Started::Deleted),
            Some(s) => Ok(Started::Existing(s.session)),
            None => Err(DbError::Corrupt(
                "a session's client_ref conflicted, and no session has it".into(),
            )),
        }
    }

    /// A session that is not deleted.
    pub async fn session(&self, session_id: String) -> Result<Option<Session>, DbError> {
        count("session");
        let mut db = self;
        let row = db
            .optional(
                select_session!("WHERE session_id = $1 AND deleted_at IS NULL"),
                args![session_id],
            )
            .await?;
        Ok(one(row)?.map(|s| s.session))
    }

    /// Completes a session once; a repeat with the same body is not an error. `size` is
    /// the video's, as storage reported it.
    pub async fn complete_session(
        &self,
        req: CompleteSessionRequest,
        completed_at: String,
        size: Option<u64>,
    ) -> Result<Completion, DbError> {
        count("complete_session");
        let mut db = self;
        let body = serde_json::to_string(&req)
            .map_err(|e| DbError::Task(format!("a completion does not serialize: {e}")))?;
        let done = db
            .optional(
                concat!(
                    "UPDATE sessions SET status = 'completed', completed_at = $2, completion = $3,
                        size_bytes = $4, calories = COALESCE($5, calories)
                     WHERE session_id = $1 AND status = 'active' AND deleted_at IS NULL",
                    returning_session!()
                ),
                args![
                    &req.session_id,
                    completed_at,
                    body,
                    size,
                    req.calories_burned
                ],
            )
            .await?;
        if let Some(s) = one(done)? {
            return Ok(Completion::Done(s.session));
        }
        let row = db
            .optional(
                select_session!("WHERE session_id = $1 AND deleted_at IS NULL"),
                args![&req.session_id],
            )
            .await?;
        let Some(s) = one(row)? else {
            return Ok(Completion::Gone);
        };
        let previous = s.completion.as_deref().map(completion).transpose()?;
        Ok(if previous.as_ref() == Some(&req) {
            Completion::Repeat(s.session)
        } else {
            Completion::Conflict
        })
    }

    /// One page of a user's library, newest `started_at` first, after the session `after`
    /// names (its `started_at` and id): a keyset, so inserts between pages move nothing.
    pub async fn library(
        &self,
        user_id: String,
        status: Option<SessionStatus>,
        after: Option<(String, String)>,
        limit: u32,
    ) -> Result<Page, DbError> {
        count("library");
        let mut db = self;
        let status = status.map(|s| match s {
            SessionStatus::Active => "active",
            SessionStatus::Completed => "completed",
        });
        let (after_time, after_id) = after.unzip();
        let mut sessions = db
            .rows(
                select_session!(
                    "WHERE user_id = $1 AND deleted_at IS NULL AND ($2 IS NULL OR status = $2)
                       AND ($3 IS NULL OR started_at < $3 OR (started_at = $3 AND session_id < $4))
                     ORDER BY started_at DESC, session_id DESC LIMIT $5"
                ),
                args![user_id, status, after_time, after_id, i64::from(limit) + 1],
            )
            .await?
            .iter()
            .map(|r| stored(r).map(|s| s.session))
            .collect::<Result<Vec<_>, _>>()?;
        let more = sessions.len() > limit as usize;
        sessions.truncate(limit as usize);
        Ok(Page { sessions, more })
    }

    /// Sets what is given of a user's session's title and calories; None when there is
    /// no such session (another user's, or deleted).
    pub async fn update_session(
        &self,
        session_id: String,
        user_id: String,
        title: Option<String>,
        calories: Option<f64>,
    ) -> Result<Option<Session>, DbError> {
        count("update_session");
        let mut db = self;
        let row = db
            .optional(
                concat!(
                    "UPDATE sessions SET title = COALESCE($3, title), calories = COALESCE($4, calories)
                     WHERE session_id = $1 AND user_id = $2 AND deleted_at IS NULL",
                    returning_session!()
                ),
                args![session_id, user_id, title, calories],
            )
            .await?;
        Ok(one(row)?.map(|s| s.session))
    }

    /// Marks a user's session deleted at `at` (a compare-and-set: one caller marks it).
    pub async fn mark_deleted(
        &self,
        session_id: String,
        user_id: String,
        at: String,
    ) -> Result<Deletion, DbError> {
        count("mark_deleted");
        let mut db = self;
        let marked = db
            .optional(
                concat!(
                    "UPDATE sessions SET deleted_at = $3
                     WHERE session_id = $1 AND user_id = $2 AND deleted_at IS NULL",
                    returning_session!()
                ),
                args![&session_id, &user_id, at],
            )
            .await?;
        if let Some(s) = one(marked)? {
            return Ok(Deletion::Marked(s.session));
        }
        let row = db
            .optional(
                select_session!("WHERE session_id = $1 AND user_id = $2"),
                args![session_id, user_id],
            )
            .await?;
        Ok(match one(row)? {
            Some(s) => Deletion::Already(s.session),
            None => Deletion::Missing,
        })
    }

    /// Takes back the mark [`Db::mark_deleted`] made at `at` (storage failed: the session
    /// stays listed, and the delete can be tried again).
    pub async fn unmark_deleted(&self, session_id: String, at: String) -> Result<bool, DbError> {
        count("unmark_deleted");
        let mut db = self;
        Ok(db
            .execute(
                "UPDATE sessions SET deleted_at = NULL WHERE session_id = $1 AND deleted_at = $2",
                args![session_id, at],
            )
            .await?
            == 1)
    }
}
