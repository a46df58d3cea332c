//! Taking a video in: probe it (what is not a video is refused, naming the file and
//! why), make its thumbnail, and queue both to a session. The CLI's `record` and the
//! desktop app's drop zone and recorder all come through here.

use crate::queue::{Job, LocalSession, Queue, QueueError};
use idance_contract::FileKind;
use idance_media::{ProbeError, VideoInfo};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    NotAVideo(#[from] ProbeError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Which session a video joins.
#[derive(Debug, Clone)]
pub enum SessionChoice {
    /// A new session, started on the server when it answers.
    New { title: Option<String> },
    /// A session this queue already has (its local id).
    Local(String),
    /// A session the server already has (its `session_id`).
    Server(String),
}

#[derive(Debug)]
pub struct Intake {
    pub session: LocalSession,
    pub video: Job,
    pub info: VideoInfo,
    /// The thumbnail (also queued when the session had none yet).
    pub thumbnail: Option<PathBuf>,
    pub thumbnail_job: Option<Job>,
    /// Why there is no thumbnail; the video is queued anyway.
    pub thumbnail_error: Option<String>,
}

/// Probes `file`, makes its thumbnail in `thumbs_dir` and queues it. Nothing is queued
/// when the file is not a video.
pub async fn add_video(
    queue: &Queue,
    file: &Path,
    session: SessionChoice,
    thumbs_dir: &Path,
) -> Result<Intake, IntakeError> {
    let info = idance_media::probe(file).await?;
    let session = resolve_session(queue, file, session).await?;
    let video = queue
        .enqueue(
            &session.local_id,
            file,
            FileKind::Video,
            Some(info.duration),
        )
        .await?;
    let (thumbnail, thumbnail_error) = match make_thumbnail(file, thumbs_dir, &video.job_id).await {
        Ok(path) => (Some(path), None),
        Err(e) => (None, Some(e)),
    };
    let thumbnail_job = match &thumbnail {
        Some(thumb) => queue_thumbnail(queue, &session.local_id, thumb).await?,
        None => None,
    };
    Ok(Intake {
        session,
        video,
        info,
        thumbnail,
        thumbnail_job,
        thumbnail_error,
    })
}

/// A file of a folder, taken in.
#[derive(Debug)]
pub struct Added {
    pub video: Job,
    pub thumbnail_job: Option<Job>,
    /// Why there is no thumbnail; the video is queued anyway.
    pub thumbnail_error: Option<String>,
}

/// Most videos whose thumbnails share one ffmpeg run: its start-up (~0.1 s of CPU) is
/// then a small part of each (~5 ms a thumbnail at 64, ~9 at 16).
const THUMB_BATCH: usize = 64;

/// Takes several videos in at once, each into a new session titled after its file name
/// (or all into `session` when given — one file then, as a session holds one video),
/// and sends each result on `added` as soon as its file is queued, so uploads can start
/// while the rest is read. Files go in batches of up to [`THUMB_BATCH`], `parallel`
/// batches at once: an MP4/MOV whose header names a video track needs no ffprobe, and a batch's
/// thumbnails (none without `thumbs_dir`) come from one ffmpeg run. A result is sent
/// once the file's video and thumbnail are both queued. What is not a video is refused,
/// naming the file, and nothing of it queued.
pub async fn add_files(
    queue: &Queue,
    files: &[PathBuf],
    session: Option<SessionChoice>,
    thumbs_dir: Option<&Path>,
    parallel: usize,
    added: tokio::sync::mpsc::Sender<(PathBuf, Result<Added, IntakeError>)>,
) {
    use futures::StreamExt;
    if let Some(dir) = thumbs_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        tracing::warn!("cannot create {}: {e}; no thumbnails", dir.display());
    }
    let thumbs_dir = thumbs_dir.filter(|d| d.is_dir());
    // Batches as large as they may be while every core still gets one.
    let parallel = parallel.max(1);
    let batch = files.len().div_ceil(parallel).clamp(1, THUMB_BATCH);
    futures::stream::iter(files.chunks(batch))
        .for_each_concurrent(parallel, |batch| {
            let (session, added) = (session.clone(), added.clone());
            async move {
                let results = add_batch(queue, batch, session, thumbs_dir).await;
                for (file, result) in batch.iter().zip(results) {
                    if added.send((file.clone(), result)).await.is_err() {
                        return; // nobody listens any more
                    }
                }
            }
        })
        .await;
}

/// One batch of [`add_files`]: durations, the videos' jobs, one thumbnail run, the
/// thumbnails' jobs.
async fn add_batch(
    queue: &Queue,
    files: &[PathBuf],
    session: Option<SessionChoice>,
    thumbs_dir: Option<&Path>,
) -> Vec<Result<Added, IntakeError>> {
    let mut videos: Vec<Result<Job, IntakeError>> = Vec::with_capacity(files.len());
    for file in files {
        videos.push(
            async {
                let path = file.clone();
                let header = tokio::task::spawn_blocking(move || {
                    idance_media::headers::mp4_video_duration(&path)
                })
                .await
                .ok()
                .flatten();
                let duration = match header {
                    Some(d) => d,
                    None => idance_media::probe(file).await?.duration,
                };
                let choice = session.clone().unwrap_or_else(|| SessionChoice::New {
                    title: file.file_stem().map(|s| s.to_string_lossy().into_owned()),
                });
                let s = resolve_session(queue, file, choice).await?;
                Ok(queue
                    .enqueue(&s.local_id, file, FileKind::Video, Some(duration))
                    .await?)
            }
            .await,
        );
    }
    let wanted: Vec<(PathBuf, PathBuf)> = match thumbs_dir {
        Some(dir) => files
            .iter()
            .zip(&videos)
            .filter_map(|(f, v)| {
                v.as_ref()
                    .ok()
                    .map(|j| (f.clone(), thumbnail_path(dir, &j.job_id)))
            })
            .collect(),
        None => Vec::new(),
    };
    let mut made = idance_media::thumbnail::thumbnails(&wanted)
        .await
        .into_iter();
    let mut out = Vec::with_capacity(files.len());
    for video in videos {
        let video = match video {
            Ok(v) => v,
            Err(e) => {
                out.push(Err(e));
                continue;
            }
        };
        let (thumbnail_job, thumbnail_error) = match made.next() {
            Some(Ok(t)) => match queue_thumbnail(queue, &video.local_session, &t.path).await {
                Ok(job) => (job, None),
                Err(e) => (None, Some(e.to_string())),
            },
            Some(Err(e)) => (None, Some(e.to_string())),
            None => (None, None),
        };
        out.push(Ok(Added {
            video,
            thumbnail_job,
            thumbnail_error,
        }));
    }
    out
}

/// A recording uploaded while it is written: queued as a growing job in a new session
/// (or the chosen one) once the recorder has started (so its lock shows it is live).
pub async fn start_recording_job(
    queue: &Queue,
    file: &Path,
    session: SessionChoice,
) -> Result<Job, IntakeError> {
    let session = resolve_session(queue, file, session).await?;
    Ok(queue.enqueue_growing(&session.local_id, file).await?)
}

/// The recording of a growing job has stopped: probe it, make and queue its thumbnail,
/// then fix its size — in that order, so a runner that sees the video finished finds
/// its thumbnail queued (the completion waits for it). Returns the thumbnail job (when
/// one was queued).
pub async fn finish_recording_job(
    queue: &Queue,
    job_id: &str,
    thumbs_dir: &Path,
) -> Result<(Job, Option<Job>), IntakeError> {
    let job = queue.job(job_id.to_string()).await?;
    let file = PathBuf::from(&job.file);
    let info = idance_media::probe(&file).await?;
    let thumb_job = match make_thumbnail(&file, thumbs_dir, job_id).await {
        Ok(thumb) => queue_thumbnail(queue, &job.local_session, &thumb).await?,
        Err(_) => None,
    };
    let video = queue
        .finish_growing(job_id.to_string(), Some(info.duration))
        .await?;
    Ok((video, thumb_job))
}

/// A recording that stopped before writing anything: its growing job is cancelled
/// (there is nothing to send), with the reason.
pub async fn drop_empty_recording(queue: &Queue, job_id: &str) -> Result<(), IntakeError> {
    crate::lifecycle::apply(
        queue,
        job_id,
        crate::lifecycle::Transition::Cancel,
        Some("nothing was recorded".into()),
    )
    .await?;
    Ok(())
}

async fn resolve_session(
    queue: &Queue,
    file: &Path,
    choice: SessionChoice,
) -> Result<LocalSession, IntakeError> {
    Ok(match choice {
        SessionChoice::New { title } => queue.create_session(title).await?,
        SessionChoice::Local(id) => {
            let s = queue
                .session(id.clone())
                .await?
                .ok_or_else(|| QueueError::BadFile {
                    file: file.display().to_string(),
                    reason: format!("session {id} is not in this queue"),
                })?;
            takes_a_video(queue, file, s).await?
        }
        SessionChoice::Server(id) => {
            let s = queue.adopt_session(id).await?;
            takes_a_video(queue, file, s).await?
        }
    })
}

/// Refuses a second video for a session (the server would answer 409 at its upload).
async fn takes_a_video(
    queue: &Queue,
    file: &Path,
    session: LocalSession,
) -> Result<LocalSession, IntakeError> {
    let jobs = queue.session_jobs(session.local_id.clone()).await?;
    let of_session: Vec<&Job> = jobs.iter().collect();
    if !crate::lifecycle::session_takes_a_video(&of_session) {
        return Err(QueueError::BadFile {
            file: file.display().to_string(),
            reason: format!(
                "session \"{}\" already has a video (a session holds one video); add it to a new session",
                session.title.as_deref().unwrap_or("untitled")
            ),
        }
        .into());
    }
    Ok(session)
}

/// Queues `thumb` as the session's thumbnail unless it has one already (a cancelled one
/// does not count: a trimmed video brings its own).
async fn queue_thumbnail(
    queue: &Queue,
    session: &str,
    thumb: &Path,
) -> Result<Option<Job>, IntakeError> {
    let has_one = queue
        .session_jobs(session.to_string())
        .await?
        .iter()
        .any(|j| j.kind == FileKind::Thumbnail && j.state != crate::JobState::Cancelled);
    if has_one {
        return Ok(None);
    }
    Ok(Some(
        queue
            .enqueue(session, thumb, FileKind::Thumbnail, None)
            .await?,
    ))
}

/// Where the thumbnail of a job's video is kept.
pub fn thumbnail_path(thumbs_dir: &Path, job_id: &str) -> PathBuf {
    thumbs_dir.join(format!("{job_id}.jpg"))
}

async fn make_thumbnail(file: &Path, thumbs_dir: &Path, job_id: &str) -> Result<PathBuf, String> {
    std::fs::create_dir_all(thumbs_dir)
        .map_err(|e| format!("cannot create {}: {e}", thumbs_dir.display()))?;
    let out = thumbnail_path(thumbs_dir, job_id);
    idance_media::thumbnail(file, Some(&out))
        .await
        .map(|t| t.path)
        .map_err(|e| e.to_string())
}
