//! A job's life: the one table of allowed transitions. Every state change of a job —
//! the user's pause, resume and cancel from the CLI or the app, the runner's steps —
//! goes through [`Transition`], and each is a compare-and-set in SQL (`UPDATE … WHERE
//! state IN (from)`), so two processes can never write over each other's word: a pause
//! cannot overwrite `completed`, and the runner never overwrites a pause.
//!
//! ```text
//!            start            stored            complete
//!  queued ─────────► uploading ───────► uploaded ────────► completed
//!    ▲  ▲              │  │                │
//!    │  └── requeue ───┘  └─ wait(reason) ─┴──► waiting ──► (start / complete)
//!    │                                             │
//!    └──────────── resume ◄── paused ◄── pause ────┘  (also from queued, uploading)
//!                           failed  ◄── fail (from any state the runner works on)
//!  cancel: from queued, uploading, waiting, paused, failed — only while nothing is
//!  stored (a stored video finishes by itself; cancelling it would orphan the object).
//! ```

use crate::api::ApiClient;
use crate::queue::{Job, JobState, Queue, QueueError};
use serde::{Deserialize, Serialize};

/// Why a job waits: data the UI switches on, not words to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    /// The upload service does not answer.
    Network,
    /// The service refused the sign-in: a new sign-in or token continues the job.
    SignIn,
    /// Storage keeps refusing or failing the transfer; it is tried again later.
    Storage,
    /// Links were refused as expired right after they were signed: the clock of this
    /// computer, the service or storage is off.
    Clock,
}

impl WaitReason {
    /// Retrying cannot help until the user acts (signs in, sets the clock).
    pub fn needs_user(self) -> bool {
        matches!(self, Self::SignIn | Self::Clock)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::SignIn => "sign_in",
            Self::Storage => "storage",
            Self::Clock => "clock",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "network" => Self::Network,
            "sign_in" => Self::SignIn,
            "storage" => Self::Storage,
            "clock" => Self::Clock,
            _ => return None,
        })
    }
}

/// Every way a job's state may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The user: stop sending (stored parts are kept).
    Pause,
    /// The user: go on (also Retry of a failed job, and "now" for a waiting one).
    Resume,
    /// The user: never send it. Only while nothing is stored.
    Cancel,
    /// The runner: bytes start to flow.
    Start,
    /// The runner: storage holds the whole file.
    Stored,
    /// The runner: the session is completed on the server.
    Complete,
    /// The runner: cannot go on now; goes on by itself later.
    Wait(WaitReason),
    /// The runner: a reason retrying cannot fix.
    Fail,
    /// The runner stopped (deadline, shutdown) mid-job: back in line.
    Requeue,
}

use JobState::*;

impl Transition {
    /// The states this transition may leave.
    pub fn from(self) -> &'static [JobState] {
        match self {
            Self::Pause => &[Queued, Uploading, Waiting],
            Self::Resume => &[Paused, Waiting, Failed],
            Self::Cancel => &[Queued, Uploading, Waiting, Paused, Failed],
            // From `uploading` too: a runner going on after a crash or a lost lease
            // (the compare-and-set, not an old read, says whether it may).
            Self::Start => &[Queued, Waiting, Uploading],
            Self::Stored => &[Queued, Uploading, Waiting],
            Self::Complete | Self::Wait(_) | Self::Fail => &[Queued, Uploading, Waiting, Uploaded],
            Self::Requeue => &[Uploading],
        }
    }

    pub fn to(self) -> JobState {
        match self {
            Self::Pause => Paused,
            Self::Resume | Self::Requeue => Queued,
            Self::Cancel => Cancelled,
            Self::Start => Uploading,
            Self::Stored => Uploaded,
            Self::Complete => Completed,
            Self::Wait(_) => Waiting,
            Self::Fail => Failed,
        }
    }

    /// Allowed only while the job's bytes are not stored.
    pub fn needs_unstored(self) -> bool {
        self == Self::Cancel
    }

    pub fn wait_reason(self) -> Option<WaitReason> {
        match self {
            Self::Wait(r) => Some(r),
            _ => None,
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Self::Pause => "paused",
            Self::Resume => "resumed",
            Self::Cancel => "cancelled",
            _ => "moved",
        }
    }
}

/// The user's actions a job offers now (the buttons the app shows): exactly those
/// whose compare-and-set would succeed. "retry" is Resume of a failed job.
pub fn user_actions(job: &Job) -> Vec<&'static str> {
    let mut out = Vec::new();
    let allows = |t: Transition| {
        t.from().contains(&job.state) && !(t.needs_unstored() && job.stored().is_some())
    };
    if allows(Transition::Pause) {
        out.push("pause");
    }
    if allows(Transition::Resume) {
        out.push(if job.state == Failed {
            "retry"
        } else {
            "resume"
        });
    }
    if allows(Transition::Cancel) {
        out.push("cancel");
    }
    out
}

/// One session holds one video (the contract): a session takes a new video only while
/// every video it had was cancelled.
pub fn session_takes_a_video(session_jobs: &[&Job]) -> bool {
    !session_jobs
        .iter()
        .any(|j| j.kind == idance_contract::FileKind::Video && j.state != Cancelled)
}

/// States the runner still has work for.
pub fn is_pending(state: JobState) -> bool {
    matches!(state, Queued | Uploading | Waiting | Uploaded)
}

/// Whether a runner can move the job on by itself: a pending job, but a stored
/// thumbnail, which waits for its session's video (completed with it) and must not keep
/// `idance sync` going round when that video was cancelled.
pub fn is_runner_work(job: &Job) -> bool {
    is_pending(job.state)
        && !(job.kind == idance_contract::FileKind::Thumbnail && job.stored().is_some())
}

/// What a compare-and-set found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job moved to the transition's state.
    Done,
    /// The job's state (or its stored bytes) does not allow it; nothing was written.
    Refused {
        state: JobState,
        stored: bool,
    },
    NoJob,
    /// The runner that asked no longer holds the job's lease: another process took it
    /// over; nothing was written.
    LeaseLost,
}

impl Outcome {
    pub fn is_done(&self) -> bool {
        *self == Self::Done
    }

    /// Why a user's action was refused, in words.
    pub fn refusal(&self, job_id: &str, t: Transition) -> Option<String> {
        match self {
            Self::Done => None,
            Self::NoJob => Some(format!("no job '{job_id}' in the queue")),
            Self::LeaseLost => Some(format!("job {job_id} is being sent by another process now")),
            Self::Refused { stored: true, .. } if t.needs_unstored() => Some(format!(
                "job {job_id} is already stored; its session completes by itself"
            )),
            Self::Refused { state, .. } => Some(format!(
                "job {job_id} is {}; it cannot be {}",
                state.as_str(),
                t.verb()
            )),
        }
    }
}

/// Applies `t` to the job if its state allows it (one conditional UPDATE).
pub async fn apply(
    queue: &Queue,
    job_id: &str,
    t: Transition,
    error: Option<String>,
) -> Result<Outcome, QueueError> {
    queue.transition(job_id.to_string(), t, error, None).await
}

/// A runner's step: `t` only while `holder` (that runner's process) holds the job's
/// lease, so a process that slept past its lease changes nothing another took over.
pub async fn apply_held(
    queue: &Queue,
    job_id: &str,
    holder: &str,
    t: Transition,
    error: Option<String>,
) -> Result<Outcome, QueueError> {
    queue
        .transition(job_id.to_string(), t, error, Some(holder.to_string()))
        .await
}

/// What a video's session can be completed with now.
#[derive(Debug, Clone, PartialEq)]
pub enum Completion {
    /// The video as stored, the session's newest stored thumbnail (a trim's cut brings
    /// a new one) and every stored thumbnail, which all complete with the session.
    Ready {
        video: Box<Job>,
        thumbnail: Option<Box<Job>>,
        thumbnails: Vec<String>,
    },
    /// Not now: the video is not stored, or no longer being worked (paused, cancelled,
    /// gone), or a thumbnail queued for the session is still to be sent (the
    /// completion names it: e.g. one queued just after its video by a folder's intake).
    Later,
}

/// The one rule of what completes a session: a video that is stored and still being
/// worked, with the stored thumbnail of its session. One read of the session, so the
/// video and thumbnail are seen as they are at one instant.
pub async fn completion(queue: &Queue, video: &Job) -> Result<Completion, QueueError> {
    let session = queue.session_jobs(video.local_session.clone()).await?;
    let Some(video) = session.iter().find(|j| j.job_id == video.job_id) else {
        return Ok(Completion::Later);
    };
    let thumbs = || {
        session
            .iter()
            .filter(|j| j.kind == idance_contract::FileKind::Thumbnail)
    };
    if video.stored().is_none()
        || !is_pending(video.state)
        || thumbs().any(|j| j.state.is_pending() && j.stored().is_none())
    {
        return Ok(Completion::Later);
    }
    let stored: Vec<&Job> = thumbs()
        .filter(|j| j.stored().is_some() && is_pending(j.state))
        .collect();
    // Chosen once, before the first call: a retry (after a crash, by another process)
    // names the same files even if another thumbnail was stored meanwhile.
    let (_, chosen) = queue
        .choose_completion(
            video.local_session.clone(),
            video.job_id.clone(),
            stored.last().map(|j| j.job_id.clone()),
        )
        .await?;
    let thumbnail = chosen.and_then(|id| session.iter().find(|j| j.job_id == id));
    Ok(Completion::Ready {
        video: Box::new(video.clone()),
        thumbnail: thumbnail.map(|j| Box::new(j.clone())),
        thumbnails: stored.iter().map(|j| j.job_id.clone()).collect(),
    })
}

/// The user's pause of one job. A process sending it stops within about a second.
pub async fn pause(queue: &Queue, job_id: &str) -> Result<Outcome, QueueError> {
    apply(queue, job_id, Transition::Pause, None).await
}

pub async fn resume(queue: &Queue, job_id: &str) -> Result<Outcome, QueueError> {
    apply(queue, job_id, Transition::Resume, None).await
}

/// After a sign-in (the user's act): the jobs waiting for one go back in line at once,
/// rather than read "sign in again" until the runner reaches them. Returns how many.
pub async fn signed_in(queue: &Queue) -> Result<usize, QueueError> {
    let mut n = 0;
    for j in queue.jobs().await? {
        if j.state == Waiting
            && j.wait_reason == Some(WaitReason::SignIn)
            && apply(queue, &j.job_id, Transition::Resume, None)
                .await?
                .is_done()
        {
            n += 1;
        }
    }
    Ok(n)
}

/// The user's cancel: nothing more is sent, and the multipart upload storage holds is
/// aborted (when `api` is given and answers; otherwise storage's lifecycle rule or the
/// server's reaper frees it). A job whose bytes are stored is refused, not cancelled.
pub async fn cancel(
    queue: &Queue,
    api: Option<&ApiClient>,
    job_id: &str,
) -> Result<(Outcome, Option<String>), QueueError> {
    let outcome = apply(queue, job_id, Transition::Cancel, None).await?;
    let mut warning = None;
    if outcome.is_done() {
        let job: Job = queue.job(job_id.to_string()).await?;
        if job.kind == idance_contract::FileKind::Video {
            // Its thumbnail is for it: one not sent yet goes too (as with a trim).
            for t in queue.session_jobs(job.local_session.clone()).await? {
                if t.kind == idance_contract::FileKind::Thumbnail && t.stored().is_none() {
                    apply(queue, &t.job_id, Transition::Cancel, None).await?;
                }
            }
        }
        if let (Some(plan), Some(api)) = (job.plan(), api)
            && let Err(e) = api.abort_multipart(&plan.file_key, &plan.upload_id).await
        {
            warning = Some(format!(
                "job {job_id}: could not abort its upload on the server: {e}"
            ));
        }
    }
    Ok((outcome, warning))
}

/// Forgets a session here (its server copy was deleted): its jobs are cancelled first
/// (their uploads aborted), then the session and its jobs leave the queue. A job the
/// runner is still working on refuses it. The files on disk are never touched.
pub async fn forget_session(
    queue: &Queue,
    api: Option<&ApiClient>,
    local_id: &str,
) -> Result<(), QueueError> {
    for job in queue.session_jobs(local_id.to_string()).await? {
        if Transition::Cancel.from().contains(&job.state) {
            let (_, warning) = cancel(queue, api, &job.job_id).await?;
            if let Some(w) = warning {
                tracing::warn!("{w}");
            }
        }
    }
    // What cancel leaves in these states is being worked on (or came back meanwhile).
    const BUSY: &[JobState] = &[Queued, Uploading, Waiting];
    if queue.forget_session(local_id.to_string(), BUSY).await? {
        Ok(())
    } else {
        Err(QueueError::Busy(format!(
            "session {local_id} has a job still being sent; try again in a moment"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [JobState; 8] = [
        Queued, Uploading, Paused, Waiting, Failed, Cancelled, Uploaded, Completed,
    ];

    #[test]
    fn nothing_leaves_completed_or_cancelled() {
        let ts = [
            Transition::Pause,
            Transition::Resume,
            Transition::Cancel,
            Transition::Start,
            Transition::Stored,
            Transition::Complete,
            Transition::Wait(WaitReason::Network),
            Transition::Fail,
            Transition::Requeue,
        ];
        for t in ts {
            assert!(!t.from().contains(&Completed), "{t:?}");
            assert!(!t.from().contains(&Cancelled), "{t:?}");
            // The runner never writes over the user's pause.
            if !matches!(t, Transition::Resume | Transition::Cancel) {
                assert!(!t.from().contains(&Paused), "{t:?}");
            }
        }
    }

    #[test]
    fn the_user_pauses_what_is_in_flight_and_resumes_what_stopped() {
        let pausable: Vec<_> = ALL
            .into_iter()
            .filter(|s| Transition::Pause.from().contains(s))
            .collect();
        assert_eq!(pausable, [Queued, Uploading, Waiting]);
        let resumable: Vec<_> = ALL
            .into_iter()
            .filter(|s| Transition::Resume.from().contains(s))
            .collect();
        assert_eq!(resumable, [Paused, Waiting, Failed]);
        assert!(Transition::Cancel.needs_unstored());
        assert!(!Transition::Cancel.from().contains(&Uploaded));
    }

    #[test]
    fn wait_reasons_round_trip() {
        for r in [
            WaitReason::Network,
            WaitReason::SignIn,
            WaitReason::Storage,
            WaitReason::Clock,
        ] {
            assert_eq!(WaitReason::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::Value::String(r.as_str().into())
            );
        }
    }
}
