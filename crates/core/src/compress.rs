//! Taking a video in with compression before upload: a video far above what a class
//! needs (see `idance_media::compress::plan`) is encoded again into a new file, queued as
//! a growing job from its first second so that upload runs while it encodes, as with a
//! recording. The original is never touched and goes up itself whenever the encode
//! cannot be used: it would not fit on the disk, it failed, or its process died (the
//! runner then sends the original instead of a truncated encode, see `sync`).

use crate::intake::{self, Intake, IntakeError, SessionChoice};
use crate::lifecycle::{self, Transition};
use crate::queue::{Job, Queue};
use idance_media::compress::{self, Mode, Reencode};
use idance_media::encoders::Encoder;
use idance_media::record::{Finished, RecordSpec, RecordStatus, Recording};
use idance_media::{VideoInfo, space};
use std::path::{Path, PathBuf};
use tokio::sync::watch;

/// The folder of the compressed copies in the client's data folder (beside
/// `thumbnails`, which a crashed encode's original needs: see [`thumbs_dir_of`]).
pub fn copies_dir(client_dir: &Path) -> PathBuf {
    client_dir.join("optimized")
}

/// The client's thumbnails folder, from a compressed copy's path.
pub fn thumbs_dir_of(copy: &Path) -> Option<PathBuf> {
    Some(copy.parent()?.parent()?.join("thumbnails"))
}

/// Where and how compressed copies are made.
#[derive(Debug, Clone)]
pub struct Compression {
    pub mode: Mode,
    /// The folder of the compressed copies ([`copies_dir`]).
    pub dir: PathBuf,
    /// The encoders to use, best first; a failed one is remembered in `cache`.
    pub encoders: Vec<&'static Encoder>,
    pub cache: Option<PathBuf>,
}

/// A video taken in: queued as it is, or being compressed.
pub enum Taken {
    AsItIs(Box<Intake>),
    Compressing(Box<Encoding>),
}

/// A compression under way: its growing job uploads what the encoder has written.
pub struct Encoding {
    recording: Recording,
    job: Job,
    source: PathBuf,
    info: VideoInfo,
}

/// Takes `file` in: compressed when `compression` says it is worth it and the copy
/// fits on its disk, else queued as it is (`intake::add_video`).
pub async fn take_in(
    queue: &Queue,
    file: &Path,
    session: SessionChoice,
    thumbs_dir: &Path,
    compression: &Compression,
) -> Result<Taken, IntakeError> {
    let info = idance_media::probe(file).await?;
    let size = tokio::fs::metadata(file)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    let as_it_is = || async {
        intake::add_video(queue, file, session.clone(), thumbs_dir)
            .await
            .map(|i| Taken::AsItIs(Box::new(i)))
    };
    let Some(target) = compress::plan(&info, size, compression.mode) else {
        return as_it_is().await;
    };
    if let Err(why) = fits(
        &compression.dir,
        compress::expected_size(&target, info.duration),
    ) {
        tracing::warn!(file = %file.display(), "sent as it is: {why}");
        return as_it_is().await;
    }
    let out = out_path(&compression.dir, file);
    let spec = RecordSpec {
        reencode: Some(Reencode {
            source: file.to_path_buf(),
            target,
        }),
        encoders: compression.encoders.clone(),
        encoder_cache: compression.cache.clone(),
        ..RecordSpec::default()
    };
    let recording = match Recording::start(&spec, &out, None) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(file = %file.display(), "sent as it is: the encode did not start: {e}");
            return as_it_is().await;
        }
    };
    let job = intake::start_recording_job(queue, &out, session).await?;
    Ok(Taken::Compressing(Box::new(Encoding {
        recording,
        job,
        source: file.to_path_buf(),
        info,
    })))
}

/// Whether `bytes` more fit on the disk of `dir` above the reserve.
fn fits(dir: &Path, bytes: u64) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let free = space::free(dir).map_err(|e| e.to_string())?;
    let needed = bytes + space::reserve(space::EXPECTED_RATE);
    match free >= needed {
        true => Ok(()),
        false => Err(format!(
            "its compressed copy needs about {} MB and only {} MB are free",
            needed / 1_000_000,
            free / 1_000_000
        )),
    }
}

/// `<dir>/<name>.optimized.mp4`, numbered when taken (never overwriting).
fn out_path(dir: &Path, file: &Path) -> PathBuf {
    idance_media::derived_path(dir, file, "optimized", "mp4")
}

impl Encoding {
    /// The growing job of the compressed copy.
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// The encoder's progress: `elapsed_secs` of the video encoded so far.
    pub fn status(&self) -> watch::Receiver<RecordStatus> {
        self.recording.status()
    }

    /// The original's length: `elapsed_secs` of the status runs up to it.
    pub fn duration_secs(&self) -> f64 {
        self.info.duration
    }

    /// Waits for the encode to end; queues the compressed copy (size fixed, thumbnail)
    /// or, when it cannot be used, the original in its place. Answers the video's job
    /// and its thumbnail's, when one was queued.
    pub async fn finish(
        self,
        queue: &Queue,
        thumbs_dir: &Path,
    ) -> Result<(Job, Option<Job>), IntakeError> {
        let Encoding {
            recording,
            job,
            source,
            info,
        } = self;
        // A cancel of the copy's job (the user's) ends the encode too; the job's state
        // is looked at every second, as the uploader does.
        let cancelled = async {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                if is_cancelled(queue, &job.job_id).await {
                    break;
                }
            }
        };
        let finished = recording.run_until(cancelled).await;
        if is_cancelled(queue, &job.job_id).await {
            // Nothing to send: the partial copy is only ours (the original is untouched).
            let copy = finished.path.clone();
            hand_off(finished);
            let _ = tokio::fs::remove_file(&copy).await;
            return Ok((queue.job(job.job_id.clone()).await?, None));
        }
        let whole = finished.graceful
            && finished.error.is_none()
            && finished.notice.is_none()
            && idance_media::probe(&finished.path)
                .await
                .is_ok_and(|i| i.duration >= info.duration - 1.0);
        if whole {
            let done = intake::finish_recording_job(queue, &job.job_id, thumbs_dir).await?;
            hand_off(finished);
            return Ok(done);
        }
        let why = finished
            .error
            .as_ref()
            .or(finished.notice.as_ref())
            .map_or_else(|| "the encode ended early".into(), ToString::to_string);
        tracing::warn!(file = %source.display(), "the compressed copy is not used ({why}); the original goes up");
        let original = send_original(queue, &job.job_id, &source, thumbs_dir).await?;
        hand_off(finished);
        Ok((original.video, original.thumbnail_job))
    }
}

async fn is_cancelled(queue: &Queue, job_id: &str) -> bool {
    queue
        .job(job_id.to_string())
        .await
        .is_ok_and(|j| j.state == crate::JobState::Cancelled)
}

fn hand_off(finished: Finished) {
    let path = finished.path.clone();
    if let Err(e) = finished.hand_off() {
        tracing::warn!("{}: marker not removed: {e}", path.display());
    }
}

/// An encode that cannot be used: its growing job is cancelled (what it sent is left to
/// storage's clean-up of unfinished uploads) and the original is queued in its session.
pub async fn send_original(
    queue: &Queue,
    job_id: &str,
    source: &Path,
    thumbs_dir: &Path,
) -> Result<Intake, IntakeError> {
    let job = queue.job(job_id.to_string()).await?;
    lifecycle::apply(
        queue,
        job_id,
        Transition::Cancel,
        Some("its compressed copy could not be finished; the original is sent instead".into()),
    )
    .await?;
    intake::add_video(
        queue,
        source,
        SessionChoice::Local(job.local_session.clone()),
        thumbs_dir,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_named_after_the_original_and_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let a = out_path(dir.path(), Path::new("/v/phone clip.MOV"));
        assert_eq!(a, dir.path().join("phone clip.optimized.mp4"));
        std::fs::write(&a, b"x").unwrap();
        assert_eq!(
            out_path(dir.path(), Path::new("/v/phone clip.MOV")),
            dir.path().join("phone clip.optimized-2.mp4")
        );
    }
}
