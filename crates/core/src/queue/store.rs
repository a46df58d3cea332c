//! Queue operations. Each runs on the blocking pool against one SQLite connection;
//! several processes may share the file (WAL + busy timeout + leases).

use super::job::{Job, JobState, LocalSession, PartChecksum, Transfer, UploadPlan};
use crate::lifecycle::{Outcome, Transition, WaitReason};
use idance_contract::{FileKind, MediaType};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot open the queue: {0}")]
    Open(#[from] idance_sqlite::Error),
    #[error("{file}: {reason}")]
    BadFile { file: String, reason: String },
    #[error("no job '{0}' in the queue")]
    NoJob(String),
    #[error("queue task failed: {0}")]
    Task(String),
    /// The work is in use right now; the same request later will do.
    #[error("{0}")]
    Busy(String),
    /// This process was away longer than its lease (a laptop asleep, a stall) and
    /// another one took the job over: this one leaves it alone.
    #[error("job {0} is being sent by another process now")]
    LeaseLost(String),
}

#[derive(Clone)]
pub struct Queue {
    conn: Arc<Mutex<Connection>>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// (size, mtime in ns) of a file, as the source check compares them.
pub fn file_stamp(path: &Path) -> std::io::Result<(u64, i64)> {
    let meta = std::fs::metadata(path)?;
    let mtime = meta
        .modified()?
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0);
    Ok((meta.len(), mtime))
}

const SELECT_JOB: &str = "SELECT job_id, local_session, kind, file, size, mtime_ns, extension, content_type, state, error,
    upload_id, file_key, file_url, part_size, stored_key, stored_url, duration_secs, growing, wait_reason, part_checksum FROM jobs";

fn job_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Job> {
    let upload_id: Option<String> = r.get(10)?;
    let stored: (Option<String>, Option<String>) = (r.get(14)?, r.get(15)?);
    let transfer = match (stored, upload_id) {
        ((Some(key), url), _) => Transfer::Stored {
            key,
            url: url.unwrap_or_default(),
        },
        (_, Some(upload_id)) => Transfer::Multipart(UploadPlan {
            upload_id,
            file_key: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
            file_url: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
            part_size: r.get::<_, Option<i64>>(13)?.unwrap_or(0) as u64,
            checksum: PartChecksum::parse(r.get::<_, Option<String>>(19)?.as_deref()),
        }),
        _ => Transfer::NotStarted,
    };
    let kind: String = r.get(2)?;
    let state: String = r.get(8)?;
    let state = JobState::parse(&state).unwrap_or(JobState::Failed);
    Ok(Job {
        job_id: r.get(0)?,
        local_session: r.get(1)?,
        kind: if kind == "thumbnail" {
            FileKind::Thumbnail
        } else {
            FileKind::Video
        },
        file: r.get(3)?,
        size: r.get::<_, i64>(4)? as u64,
        mtime_ns: r.get(5)?,
        extension: r.get(6)?,
        content_type: r.get(7)?,
        state,
        error: r.get(9)?,
        wait_reason: (state == JobState::Waiting)
            .then(|| r.get::<_, Option<String>>(18).ok().flatten())
            .flatten()
            .and_then(|w| WaitReason::parse(&w)),
        transfer,
        growing: r.get::<_, i64>(17)? != 0,
        duration_secs: r.get(16)?,
    })
}

/// The fence of a runner's write: its parameter `n` is the holder, or NULL for a write
/// that is no runner's step.
fn held_by(n: usize) -> String {
    format!(" AND (?{n} IS NULL OR lease_owner = ?{n})")
}

/// Why a compare-and-set on `job_id` wrote nothing.
fn refusal(c: &Connection, job_id: &str, holder: &Option<String>) -> Result<Outcome, QueueError> {
    let found: Option<(String, Option<String>, Option<String>)> = c
        .query_row(
            "SELECT state, stored_key, lease_owner FROM jobs WHERE job_id = ?1",
            [job_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(match found {
        None => Outcome::NoJob,
        Some((_, _, owner)) if holder.is_some() && owner != *holder => Outcome::LeaseLost,
        Some((state, stored, _)) => Outcome::Refused {
            state: JobState::parse(&state).unwrap_or(JobState::Failed),
            stored: stored.is_some(),
        },
    })
}

/// The error of a fenced write that wrote nothing.
fn lost_or_gone(c: &Connection, job_id: &str) -> Result<QueueError, QueueError> {
    let exists = c
        .query_row("SELECT 1 FROM jobs WHERE job_id = ?1", [job_id], |_| Ok(()))
        .optional()?
        .is_some();
    Ok(if exists {
        QueueError::LeaseLost(job_id.to_string())
    } else {
        QueueError::NoJob(job_id.to_string())
    })
}

/// `state IN ('a', 'b')` for a transition's allowed states (names are constants).
fn state_in(states: &[JobState]) -> String {
    let names: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!("state IN ({})", names.join(", "))
}

impl Queue {
    pub fn open(path: &Path) -> Result<Self, QueueError> {
        let conn = super::schema::open(path)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, QueueError> + Send + 'static,
    ) -> Result<R, QueueError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| QueueError::Task("queue lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| QueueError::Task(e.to_string()))?
    }

    pub async fn create_session(&self, title: Option<String>) -> Result<LocalSession, QueueError> {
        let local_id = uuid::Uuid::new_v4().to_string();
        let s = LocalSession {
            local_id: local_id.clone(),
            server_id: None,
            title: title.clone(),
        };
        self.call(move |c| {
            c.execute(
                "INSERT INTO sessions (local_id, title, created_at) VALUES (?1, ?2, ?3)",
                params![local_id, title, chrono::Utc::now().to_rfc3339()],
            )?;
            Ok(())
        })
        .await?;
        Ok(s)
    }

    /// A session whose server id is already known (e.g. `--session ID`).
    pub async fn adopt_session(&self, server_id: String) -> Result<LocalSession, QueueError> {
        self.call(move |c| {
            let existing: Option<String> =
                c.query_row("SELECT local_id FROM sessions WHERE server_id = ?1", [&server_id], |r| r.get(0)).optional()?;
            let local_id = match existing {
                Some(id) => id,
                None => {
                    let id = uuid::Uuid::new_v4().to_string();
                    c.execute(
                        "INSERT INTO sessions (local_id, server_id, created_at) VALUES (?1, ?2, ?3)",
                        params![id, server_id, chrono::Utc::now().to_rfc3339()],
                    )?;
                    id
                }
            };
            Ok(LocalSession { local_id, server_id: Some(server_id), title: None })
        })
        .await
    }

    pub async fn session(&self, local_id: String) -> Result<Option<LocalSession>, QueueError> {
        self.call(move |c| {
            Ok(c.query_row(
                "SELECT local_id, server_id, title FROM sessions WHERE local_id = ?1",
                [&local_id],
                |r| {
                    Ok(LocalSession {
                        local_id: r.get(0)?,
                        server_id: r.get(1)?,
                        title: r.get(2)?,
                    })
                },
            )
            .optional()?)
        })
        .await
    }

    /// Every session, newest first, with when it was created (RFC 3339) and the
    /// calories the instructor entered.
    pub async fn sessions(&self) -> Result<Vec<(LocalSession, String, Option<f64>)>, QueueError> {
        self.call(|c| {
            let mut st = c.prepare(
                "SELECT local_id, server_id, title, created_at, calories FROM sessions ORDER BY created_at DESC",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    LocalSession {
                        local_id: r.get(0)?,
                        server_id: r.get(1)?,
                        title: r.get(2)?,
                    },
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<f64>>(4)?,
                ))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// `caloriesBurned` for the session's completion (None: leave it out).
    pub async fn set_calories(
        &self,
        local_id: String,
        calories: Option<f64>,
    ) -> Result<(), QueueError> {
        self.call(move |c| {
            c.execute(
                "UPDATE sessions SET calories = ?2 WHERE local_id = ?1",
                params![local_id, calories],
            )?;
            Ok(())
        })
        .await
    }

    /// The session's title (sent when it is started on the server).
    pub async fn set_title(&self, local_id: String, title: String) -> Result<(), QueueError> {
        self.call(move |c| {
            c.execute(
                "UPDATE sessions SET title = ?2 WHERE local_id = ?1",
                params![local_id, title],
            )?;
            Ok(())
        })
        .await
    }

    /// Removes a session and its jobs from the queue, unless one of its jobs is in one
    /// of `busy` (checked in the same transaction: a compare-and-set). The files stay on
    /// disk. Whether it was removed.
    pub async fn forget_session(
        &self,
        local_id: String,
        busy: &'static [JobState],
    ) -> Result<bool, QueueError> {
        self.call(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut busy_now = false;
            {
                let mut st = tx.prepare("SELECT state FROM jobs WHERE local_session = ?1")?;
                for state in st.query_map([&local_id], |r| r.get::<_, String>(0))? {
                    let state = state?;
                    busy_now |= busy.iter().any(|b| b.as_str() == state);
                }
            }
            if busy_now {
                return Ok(false);
            }
            tx.execute(
                "DELETE FROM parts WHERE job_id IN (SELECT job_id FROM jobs WHERE local_session = ?1)",
                [&local_id],
            )?;
            tx.execute("DELETE FROM jobs WHERE local_session = ?1", [&local_id])?;
            let gone = tx.execute("DELETE FROM sessions WHERE local_id = ?1", [&local_id])? == 1;
            tx.commit()?;
            Ok(gone)
        })
        .await
    }

    pub async fn calories(&self, local_id: String) -> Result<Option<f64>, QueueError> {
        self.call(move |c| {
            Ok(c.query_row(
                "SELECT calories FROM sessions WHERE local_id = ?1",
                [&local_id],
                |r| r.get::<_, Option<f64>>(0),
            )
            .optional()?
            .flatten())
        })
        .await
    }

    /// The files the session's completion names: the first choice is kept (a
    /// compare-and-set), and every later attempt gets it back. `None`: no thumbnail.
    pub async fn choose_completion(
        &self,
        local_id: String,
        video: String,
        thumbnail: Option<String>,
    ) -> Result<(String, Option<String>), QueueError> {
        self.call(move |c| {
            c.execute(
                "UPDATE sessions SET completion_video = ?2, completion_thumbnail = ?3
                 WHERE local_id = ?1 AND completion_video IS NULL",
                params![local_id, video, thumbnail.unwrap_or_default()],
            )?;
            let (video, thumb): (Option<String>, Option<String>) = c.query_row(
                "SELECT completion_video, completion_thumbnail FROM sessions WHERE local_id = ?1",
                [&local_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let video = video.ok_or_else(|| QueueError::NoJob(format!("session {local_id}")))?;
            Ok((video, thumb.filter(|t| !t.is_empty())))
        })
        .await
    }

    pub async fn set_server_session(
        &self,
        local_id: String,
        server_id: String,
    ) -> Result<(), QueueError> {
        self.call(move |c| {
            c.execute(
                "UPDATE sessions SET server_id = ?2 WHERE local_id = ?1",
                params![local_id, server_id],
            )?;
            Ok(())
        })
        .await
    }

    /// Adds a file to the queue. The file's size and mtime are recorded now; if they
    /// change before the upload, the job fails instead of uploading something else.
    pub async fn enqueue(
        &self,
        local_session: &str,
        file: &Path,
        kind: FileKind,
        duration_secs: Option<f64>,
    ) -> Result<Job, QueueError> {
        let shown = file.display().to_string();
        let bad = |reason: String| QueueError::BadFile {
            file: shown.clone(),
            reason,
        };
        let abs = std::path::absolute(file).map_err(|e| bad(e.to_string()))?;
        let (size, mtime_ns) = file_stamp(&abs).map_err(|e| bad(format!("cannot read it: {e}")))?;
        if !abs.is_file() {
            return Err(bad("not a regular file".into()));
        }
        if size == 0 {
            return Err(bad("the file is empty".into()));
        }
        let ext = abs.extension().and_then(|e| e.to_str()).unwrap_or("");
        let media = MediaType::for_extension(kind, ext).ok_or_else(|| {
            let allowed: Vec<_> = MediaType::allowed(kind)
                .iter()
                .map(|m| m.extension)
                .collect();
            bad(format!(
                "'.{ext}' is not a {} type the service accepts ({})",
                kind.noun(),
                allowed.join(", ")
            ))
        })?;
        self.insert_job(NewJob {
            local_session: local_session.to_string(),
            kind,
            file: abs.to_string_lossy().into_owned(),
            size,
            mtime_ns,
            media,
            duration_secs,
            growing: false,
        })
        .await
    }

    /// Queues a recording that is still being written (upload while recording). Its
    /// size and mtime are taken by [`Queue::finish_growing`] when the recording stops.
    pub async fn enqueue_growing(
        &self,
        local_session: &str,
        file: &Path,
    ) -> Result<Job, QueueError> {
        let abs = std::path::absolute(file).map_err(|e| QueueError::BadFile {
            file: file.display().to_string(),
            reason: e.to_string(),
        })?;
        let media = MediaType::for_extension(FileKind::Video, "mp4").ok_or_else(|| {
            QueueError::BadFile {
                file: file.display().to_string(),
                reason: "mp4 is not accepted".into(),
            }
        })?;
        self.insert_job(NewJob {
            local_session: local_session.to_string(),
            kind: FileKind::Video,
            file: abs.to_string_lossy().into_owned(),
            size: 0,
            mtime_ns: 0,
            media,
            duration_secs: None,
            growing: true,
        })
        .await
    }

    /// Adds a checked job at the end of the queue; returns it as stored.
    async fn insert_job(&self, new: NewJob) -> Result<Job, QueueError> {
        let job_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        self.call(move |c| {
            c.execute(
                "INSERT INTO jobs (job_id, local_session, kind, file, size, mtime_ns, extension, content_type, duration_secs, state, created_at, seq, growing)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'queued', ?10, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?11)",
                params![job_id, new.local_session, new.kind.noun(), new.file, new.size as i64, new.mtime_ns, new.media.extension, new.media.content_type, new.duration_secs, chrono::Utc::now().to_rfc3339(), new.growing],
            )?;
            Ok(c.query_row(&format!("{SELECT_JOB} WHERE job_id = ?1"), [&job_id], job_from_row)?)
        })
        .await
    }

    /// The recording is finished: its size and mtime are fixed now (and checked from here
    /// on like any queued file's).
    pub async fn finish_growing(
        &self,
        job_id: String,
        duration_secs: Option<f64>,
    ) -> Result<Job, QueueError> {
        let job = self.job(job_id.clone()).await?;
        let (size, mtime_ns) =
            file_stamp(Path::new(&job.file)).map_err(|e| QueueError::BadFile {
                file: job.file.clone(),
                reason: format!("cannot read it: {e}"),
            })?;
        self.call(move |c| {
            c.execute(
                "UPDATE jobs SET growing = 0, size = ?2, mtime_ns = ?3, duration_secs = COALESCE(?4, duration_secs) WHERE job_id = ?1",
                params![job_id, size as i64, mtime_ns, duration_secs],
            )?;
            Ok(c.query_row(&format!("{SELECT_JOB} WHERE job_id = ?1"), [&job_id], job_from_row)?)
        })
        .await
    }

    pub async fn job(&self, job_id: String) -> Result<Job, QueueError> {
        self.call(move |c| {
            c.query_row(
                &format!("{SELECT_JOB} WHERE job_id = ?1"),
                [&job_id],
                job_from_row,
            )
            .optional()?
            .ok_or(QueueError::NoJob(job_id))
        })
        .await
    }

    /// The jobs of one local session, in queue order.
    pub async fn session_jobs(&self, local_session: String) -> Result<Vec<Job>, QueueError> {
        self.call(move |c| {
            let mut stmt = c.prepare(&format!(
                "{SELECT_JOB} WHERE local_session = ?1 ORDER BY seq"
            ))?;
            let jobs = stmt
                .query_map([&local_session], job_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(jobs)
        })
        .await
    }

    pub async fn jobs(&self) -> Result<Vec<Job>, QueueError> {
        self.call(|c| {
            let mut stmt = c.prepare(&format!("{SELECT_JOB} ORDER BY seq"))?;
            let jobs = stmt
                .query_map([], job_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(jobs)
        })
        .await
    }

    /// `t` as one compare-and-set; with `holder`, only while that process holds the
    /// job's lease (a runner's steps: one that lost its lease changes nothing).
    pub(crate) async fn transition(
        &self,
        job_id: String,
        t: Transition,
        error: Option<String>,
        holder: Option<String>,
    ) -> Result<Outcome, QueueError> {
        self.call(move |c| {
            let unstored = if t.needs_unstored() {
                " AND stored_key IS NULL"
            } else {
                ""
            };
            let sql = format!(
                "UPDATE jobs SET state = ?2, error = ?3, wait_reason = ?4 WHERE job_id = ?1 AND {}{unstored}{}",
                state_in(t.from()),
                held_by(5)
            );
            let n = c.execute(
                &sql,
                params![
                    job_id,
                    t.to().as_str(),
                    error,
                    t.wait_reason().map(WaitReason::as_str),
                    holder
                ],
            )?;
            if n == 1 {
                return Ok(Outcome::Done);
            }
            refusal(c, &job_id, &holder)
        })
        .await
    }

    /// Records a new multipart upload for the job (None: start afresh) and forgets the
    /// parts of an older one. With `holder`, only while that process holds the lease.
    pub async fn set_plan(
        &self,
        job_id: String,
        holder: Option<String>,
        plan: Option<UploadPlan>,
    ) -> Result<(), QueueError> {
        self.call(move |c| {
            let tx = c.transaction()?;
            let n = tx.execute(
                &format!(
                    "UPDATE jobs SET upload_id = ?2, file_key = ?3, file_url = ?4, part_size = ?5, part_checksum = ?6 WHERE job_id = ?1{}",
                    held_by(7)
                ),
                params![
                    job_id,
                    plan.as_ref().map(|p| p.upload_id.clone()),
                    plan.as_ref().map(|p| p.file_key.clone()),
                    plan.as_ref().map(|p| p.file_url.clone()),
                    plan.as_ref().map(|p| p.part_size as i64),
                    plan.as_ref().map(|p| p.checksum.as_str()),
                    holder
                ],
            )?;
            if n == 0 {
                return Err(lost_or_gone(&tx, &job_id)?);
            }
            tx.execute("DELETE FROM parts WHERE job_id = ?1", [&job_id])?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// A part storage confirmed (written after the PUT succeeded); a part sent again
    /// replaces its row, never adds one. With `holder`, only while that process holds
    /// the lease.
    pub async fn record_part(
        &self,
        job_id: String,
        holder: Option<String>,
        part_number: u32,
        etag: String,
        size: u64,
    ) -> Result<(), QueueError> {
        self.call(move |c| {
            let n = c.execute(
                &format!(
                    "INSERT OR REPLACE INTO parts (job_id, part_number, etag, size)
                     SELECT job_id, ?2, ?3, ?4 FROM jobs WHERE job_id = ?1{}",
                    held_by(5)
                ),
                params![job_id, part_number, etag, size as i64, holder],
            )?;
            if n == 0 {
                return Err(lost_or_gone(c, &job_id)?);
            }
            Ok(())
        })
        .await
    }

    /// Confirmed parts: (number, etag, size).
    pub async fn parts(&self, job_id: String) -> Result<Vec<(u32, String, u64)>, QueueError> {
        self.call(move |c| {
            let mut stmt = c.prepare(
                "SELECT part_number, etag, size FROM parts WHERE job_id = ?1 ORDER BY part_number",
            )?;
            let rows = stmt
                .query_map([&job_id], |r| {
                    Ok((
                        r.get::<_, u32>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)? as u64,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Storage holds the whole file at `key`: one compare-and-set records where and
    /// moves the job on as [`Transition::Stored`] allows. A pause given meanwhile stays
    /// with the key (resuming goes straight to completing; nothing is sent again). A
    /// job cancelled meanwhile is refused: its object must never reach a completion.
    /// With `holder`, only while that process holds the lease.
    pub async fn set_stored(
        &self,
        job_id: String,
        holder: Option<String>,
        key: String,
        url: String,
    ) -> Result<Outcome, QueueError> {
        self.call(move |c| {
            let moves = state_in(Transition::Stored.from());
            let mut keeps = Transition::Stored.from().to_vec();
            keeps.push(JobState::Paused);
            let n = c.execute(
                &format!(
                    "UPDATE jobs SET stored_key = ?2, stored_url = ?3,
                       state = CASE WHEN {moves} THEN ?4 ELSE state END,
                       error = CASE WHEN {moves} THEN NULL ELSE error END,
                       wait_reason = CASE WHEN {moves} THEN NULL ELSE wait_reason END
                     WHERE job_id = ?1 AND {}{}",
                    state_in(&keeps),
                    held_by(5)
                ),
                params![job_id, key, url, Transition::Stored.to().as_str(), holder],
            )?;
            if n == 1 {
                return Ok(Outcome::Done);
            }
            refusal(c, &job_id, &holder)
        })
        .await
    }

    /// Takes the job for `owner` unless another live process holds it.
    pub async fn try_lease(
        &self,
        job_id: String,
        owner: String,
        ttl_ms: i64,
    ) -> Result<bool, QueueError> {
        self.call(move |c| {
            let now = now_ms();
            let n = c.execute(
                "UPDATE jobs SET lease_owner = ?2, lease_until = ?3
                 WHERE job_id = ?1 AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_until < ?4)",
                params![job_id, owner, now + ttl_ms, now],
            )?;
            Ok(n == 1)
        })
        .await
    }

    pub async fn release(&self, job_id: String, owner: String) -> Result<(), QueueError> {
        self.call(move |c| {
            c.execute(
                "UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE job_id = ?1 AND lease_owner = ?2",
                params![job_id, owner],
            )?;
            Ok(())
        })
        .await
    }
}

/// A job about to be queued, its file already checked.
struct NewJob {
    local_session: String,
    kind: FileKind,
    file: String,
    size: u64,
    mtime_ns: i64,
    media: MediaType,
    duration_secs: Option<f64>,
    growing: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_and_parts_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let video = dir.path().join("class.mp4");
        std::fs::write(&video, b"not really a video").unwrap();
        let path = dir.path().join("q/queue.db");
        let q = Queue::open(&path).unwrap();
        let s = q.create_session(Some("Zumba".into())).await.unwrap();
        let job = q
            .enqueue(&s.local_id, &video, FileKind::Video, Some(60.0))
            .await
            .unwrap();
        assert_eq!(
            (job.state, job.size, job.content_type.as_str()),
            (JobState::Queued, 18, "video/mp4")
        );
        let plan = UploadPlan {
            upload_id: "u".into(),
            file_key: "k".into(),
            file_url: "f".into(),
            part_size: 8,
            checksum: PartChecksum::Crc32c,
        };
        q.set_plan(job.job_id.clone(), None, Some(plan.clone()))
            .await
            .unwrap();
        q.record_part(job.job_id.clone(), None, 1, "e1".into(), 8)
            .await
            .unwrap();
        drop(q);
        let q = Queue::open(&path).unwrap();
        let again = q.job(job.job_id.clone()).await.unwrap();
        assert_eq!(again.plan(), Some(&plan));
        assert_eq!(
            q.parts(job.job_id.clone()).await.unwrap(),
            vec![(1, "e1".to_string(), 8)]
        );
        // A new plan forgets the old upload's parts.
        q.set_plan(job.job_id.clone(), None, None).await.unwrap();
        assert!(q.parts(job.job_id).await.unwrap().is_empty());
    }

    /// A queue in `dir` with one queued video job; returns the queue and the job's id.
    async fn one_job(dir: &Path) -> (Queue, String) {
        let video = dir.join("class.mp4");
        std::fs::write(&video, b"bytes").unwrap();
        let q = Queue::open(&dir.join("queue.db")).unwrap();
        let s = q.create_session(None).await.unwrap();
        let id = q
            .enqueue(&s.local_id, &video, FileKind::Video, Some(60.0))
            .await
            .unwrap()
            .job_id;
        (q, id)
    }

    #[tokio::test]
    async fn the_runner_never_overwrites_a_pause_or_cancel() {
        use crate::lifecycle::{Transition as T, apply};
        let dir = tempfile::tempdir().unwrap();
        let (q, id) = one_job(dir.path()).await;
        let state = |q: &Queue| {
            let (q, id) = (q.clone(), id.clone());
            async move { q.job(id).await.unwrap().state }
        };
        assert!(apply(&q, &id, T::Start, None).await.unwrap().is_done());
        assert_eq!(state(&q).await, JobState::Uploading);
        for user in [T::Pause, T::Cancel] {
            assert!(apply(&q, &id, user, None).await.unwrap().is_done());
            for runner in [T::Complete, T::Fail, T::Start, T::Requeue] {
                assert_eq!(
                    apply(&q, &id, runner, None).await.unwrap(),
                    Outcome::Refused {
                        state: user.to(),
                        stored: false
                    }
                );
            }
            // A pause keeps the stored fact (resume completes); a cancel refuses it.
            let recorded = q
                .set_stored(id.clone(), None, "k".into(), "u".into())
                .await
                .unwrap();
            assert_eq!(recorded.is_done(), user == T::Pause, "{user:?}");
            assert_eq!(state(&q).await, user.to());
            let stored = q.job(id.clone()).await.unwrap().stored().is_some();
            assert_eq!(stored, user == T::Pause, "{user:?}");
            // Undo the stored fact and the user's word for the next round.
            q.call({
                let id = id.clone();
                move |c| {
                    c.execute(
                        "UPDATE jobs SET stored_key = NULL, stored_url = NULL, state = 'uploading' WHERE job_id = ?1",
                        [&id],
                    )?;
                    Ok(())
                }
            })
            .await
            .unwrap();
        }
        assert!(
            q.set_stored(id.clone(), None, "k".into(), "u".into())
                .await
                .unwrap()
                .is_done()
        );
        assert_eq!(state(&q).await, JobState::Uploaded);
        // A pause cannot overwrite completed, and a stored job cannot be cancelled.
        assert_eq!(
            apply(&q, &id, T::Cancel, None).await.unwrap(),
            Outcome::Refused {
                state: JobState::Uploaded,
                stored: true
            }
        );
        assert!(apply(&q, &id, T::Complete, None).await.unwrap().is_done());
        assert!(!apply(&q, &id, T::Pause, None).await.unwrap().is_done());
        assert_eq!(state(&q).await, JobState::Completed);
        assert_eq!(
            apply(&q, "nope", T::Pause, None).await.unwrap(),
            Outcome::NoJob
        );
    }

    #[tokio::test]
    async fn a_waiting_job_carries_its_reason() {
        use crate::lifecycle::{Transition as T, apply};
        let dir = tempfile::tempdir().unwrap();
        let (q, id) = one_job(dir.path()).await;
        apply(&q, &id, T::Wait(WaitReason::Clock), Some("clock".into()))
            .await
            .unwrap();
        let j = q.job(id.clone()).await.unwrap();
        assert_eq!(
            (j.state, j.wait_reason),
            (JobState::Waiting, Some(WaitReason::Clock))
        );
        apply(&q, &id, T::Resume, None).await.unwrap();
        assert_eq!(q.job(id).await.unwrap().wait_reason, None);
    }

    #[tokio::test]
    async fn a_sign_in_puts_the_jobs_waiting_for_one_back_in_line_and_no_other() {
        use crate::lifecycle::{Transition as T, apply, signed_in};
        let dir = tempfile::tempdir().unwrap();
        let q = Queue::open(&dir.path().join("queue.db")).unwrap();
        let s = q.create_session(None).await.unwrap();
        let mut ids = Vec::new();
        for (i, reason) in [WaitReason::SignIn, WaitReason::Network, WaitReason::SignIn]
            .into_iter()
            .enumerate()
        {
            let video = dir.path().join(format!("{i}.mp4"));
            std::fs::write(&video, b"x").unwrap();
            let id = q
                .enqueue(&s.local_id, &video, FileKind::Video, None)
                .await
                .unwrap()
                .job_id;
            apply(&q, &id, T::Wait(reason), Some("w".into()))
                .await
                .unwrap();
            ids.push(id);
        }
        apply(&q, &ids[2], T::Pause, None).await.unwrap();
        assert_eq!(signed_in(&q).await.unwrap(), 1);
        let got = |i: usize| {
            let q = q.clone();
            let id = ids[i].clone();
            async move {
                let j = q.job(id).await.unwrap();
                (j.state, j.wait_reason)
            }
        };
        assert_eq!(got(0).await, (JobState::Queued, None));
        assert_eq!(got(1).await, (JobState::Waiting, Some(WaitReason::Network)));
        assert_eq!(got(2).await.0, JobState::Paused, "a pause is the user's");
    }

    #[tokio::test]
    async fn bad_files_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let q = Queue::open(&dir.path().join("queue.db")).unwrap();
        let s = q.create_session(None).await.unwrap();
        let txt = dir.path().join("notes.txt");
        std::fs::write(&txt, b"hello").unwrap();
        let empty = dir.path().join("empty.mp4");
        std::fs::write(&empty, b"").unwrap();
        for (file, why) in [
            (txt, "not a video"),
            (empty, "empty"),
            (dir.path().join("gone.mp4"), "cannot read"),
        ] {
            let e = q
                .enqueue(&s.local_id, &file, FileKind::Video, None)
                .await
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(why) && e.contains(&file.display().to_string()),
                "{e}"
            );
        }
        assert!(q.jobs().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn only_one_live_owner_holds_a_job() {
        let dir = tempfile::tempdir().unwrap();
        let video = dir.path().join("a.webm");
        std::fs::write(&video, b"x").unwrap();
        let q = Queue::open(&dir.path().join("queue.db")).unwrap();
        let s = q.create_session(None).await.unwrap();
        let job = q
            .enqueue(&s.local_id, &video, FileKind::Video, Some(60.0))
            .await
            .unwrap();
        assert!(
            q.try_lease(job.job_id.clone(), "a".into(), 60_000)
                .await
                .unwrap()
        );
        assert!(
            !q.try_lease(job.job_id.clone(), "b".into(), 60_000)
                .await
                .unwrap()
        );
        q.release(job.job_id.clone(), "a".into()).await.unwrap();
        assert!(
            q.try_lease(job.job_id.clone(), "b".into(), 1)
                .await
                .unwrap()
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        assert!(
            q.try_lease(job.job_id, "a".into(), 60_000).await.unwrap(),
            "an expired lease was not taken over"
        );
    }
}
