//! Trimming a queued video before it goes up: the cut (a stream copy into a new file,
//! the original untouched) takes the original's place in its session, with a new
//! thumbnail from the cut (the old one was likely taken in the dead minutes).
//!
//! Only a video nothing of which was sent can be trimmed. It is paused first (a
//! compare-and-set), so no runner starts it while it is cut; if the cut fails it goes
//! back to the state it had.

use crate::intake::{self, Intake, IntakeError, SessionChoice};
use crate::lifecycle::{self, Transition};
use crate::queue::{Job, JobState, Queue, QueueError, Transfer};
use idance_contract::FileKind;
use idance_media::trim::TrimError;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum TrimJobError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Trim(#[from] TrimError),
    #[error("job {job}: {why}")]
    NotTrimmable { job: String, why: String },
}

/// Cuts job `job_id`'s video to `start..end` seconds (`end` None: to its end), queues
/// the cut in its place and cancels the original job (its file stays). Answers the
/// cut's intake.
pub async fn trim_job(
    queue: &Queue,
    job_id: &str,
    start: f64,
    end: Option<f64>,
    thumbs_dir: &Path,
) -> Result<Intake, TrimJobError> {
    let refuse = |why: &str| TrimJobError::NotTrimmable {
        job: job_id.to_string(),
        why: why.to_string(),
    };
    let job = queue.job(job_id.to_string()).await?;
    trimmable(&job).map_err(|w| refuse(&w))?;
    // Held still while it is cut: the runner never overwrites a pause.
    let paused_here = matches!(job.state, JobState::Queued | JobState::Waiting);
    if paused_here
        && !lifecycle::apply(queue, job_id, Transition::Pause, None)
            .await?
            .is_done()
    {
        return Err(refuse("it changed while being trimmed; try again"));
    }
    let restore = async {
        if paused_here {
            let _ = lifecycle::apply(queue, job_id, Transition::Resume, None).await;
        }
    };
    // A runner may have started it just before the pause.
    let job = queue.job(job_id.to_string()).await?;
    if let Err(why) = trimmable(&job) {
        restore.await;
        return Err(refuse(&why));
    }
    let (cut, _) = match idance_media::trim::trim(Path::new(&job.file), start, end, None).await {
        Ok(c) => c,
        Err(e) => {
            restore.await;
            return Err(e.into());
        }
    };
    if !lifecycle::apply(queue, job_id, Transition::Cancel, None)
        .await?
        .is_done()
    {
        restore.await;
        return Err(refuse(&format!(
            "it could not be replaced; the cut is kept in {}",
            cut.display()
        )));
    }
    // The old thumbnail goes too while it was not sent; the cut brings its own.
    for t in queue.session_jobs(job.local_session.clone()).await? {
        if t.kind == FileKind::Thumbnail && matches!(t.transfer, Transfer::NotStarted) {
            let _ = lifecycle::apply(queue, &t.job_id, Transition::Cancel, None).await;
        }
    }
    Ok(intake::add_video(
        queue,
        &cut,
        SessionChoice::Local(job.local_session.clone()),
        thumbs_dir,
    )
    .await?)
}

/// Whether a job can be trimmed now; why not, in words.
pub fn trimmable(job: &Job) -> Result<(), String> {
    if job.kind != FileKind::Video {
        return Err("only a video can be trimmed".into());
    }
    if job.growing {
        return Err("the recording is still going on; stop it first".into());
    }
    if !matches!(job.transfer, Transfer::NotStarted) {
        return Err("part of it was sent already; only a video that has not started uploading can be trimmed".into());
    }
    match job.state {
        JobState::Queued | JobState::Waiting | JobState::Paused | JobState::Failed => Ok(()),
        s => Err(format!(
            "it is {}; only a queued video can be trimmed",
            s.as_str()
        )),
    }
}
