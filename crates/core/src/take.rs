//! One recording from Start until it is queued, shared by `idance record` and the app.
//!
//! Its state only moves forward: Starting → Recording (⇄ Paused) → Stopping →
//! Finishing → Finished | Failed. ffmpeg's side (Starting, Recording, its own end) comes from
//! `idance_media::record`; Stopping is set the moment Stop is asked, Finishing while the
//! file is probed, its thumbnail made and both queued. The file is kept in every case;
//! its recovery marker is released only once it is queued (or, when it is not to be
//! queued, reported).

use crate::intake::{self, IntakeError, SessionChoice};
use crate::lifecycle::{self, Transition};
use crate::queue::Queue;
use idance_media::ProbeError;
use idance_media::problem::{Problem, ProblemKind};
use idance_media::record::{
    Controls, Finished, RecordError, RecordSpec, RecordState, RecordStatus, Recording,
};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::watch;

/// Where a take goes when it stops.
#[derive(Clone)]
pub struct Destination {
    pub queue: Queue,
    pub session: SessionChoice,
    pub thumbs_dir: PathBuf,
    /// Review before upload: nothing is sent while recording, and at Stop the video is
    /// queued paused (to be trimmed, or resumed as it is).
    pub hold: bool,
}

/// A recording that is running.
pub struct Take {
    recording: Recording,
    to: Option<Destination>,
    /// The growing job queued at Start, so it uploads while it records.
    job: Option<String>,
    status: Arc<watch::Sender<RecordStatus>>,
}

/// A recording that has stopped and is not queued yet.
pub struct Stopped {
    finished: Finished,
    to: Option<Destination>,
    job: Option<String>,
    status: Arc<watch::Sender<RecordStatus>>,
}

/// How a take ended.
#[derive(Debug)]
pub struct Taken {
    pub path: PathBuf,
    pub bytes: u64,
    pub elapsed_secs: f64,
    /// Stopped on request (or at its set duration) and finalized by ffmpeg.
    pub graceful: bool,
    /// The first problem (it names the file when it could not be queued).
    pub error: Option<Problem>,
    /// Why it stopped by itself though nothing failed (the disk almost full).
    pub notice: Option<Problem>,
    /// The queued jobs to send, thumbnail first; empty when not queued.
    pub jobs: Vec<String>,
}

/// The state a take shows when its own state is `own` and the recorder reports
/// `ffmpeg`: never backwards but between Recording and Paused, and the recorder's end
/// is only the start of Finishing.
fn next(own: RecordState, ffmpeg: RecordState) -> RecordState {
    use RecordState::*;
    match (own, ffmpeg) {
        (_, Finished | Failed) => own.max(Finishing),
        (Recording | Paused, Recording | Paused) => ffmpeg,
        _ => own.max(ffmpeg),
    }
}

impl Take {
    /// Starts recording into `out` (which must not exist) and, with a destination,
    /// queues it at once as a growing job.
    pub async fn start(
        spec: &RecordSpec,
        out: &Path,
        title: Option<&str>,
        to: Option<Destination>,
    ) -> Result<Take, RecordError> {
        let recording = Recording::start(spec, out, title)?;
        let job = match &to {
            Some(to) if !to.hold => {
                match intake::start_recording_job(&to.queue, out, to.session.clone()).await {
                    Ok(job) => Some(job.job_id),
                    Err(e) => {
                        // Still recorded; it is queued whole when it stops instead.
                        tracing::warn!("recording not queued while it runs: {e}");
                        None
                    }
                }
            }
            _ => None,
        };
        let status = Arc::new(watch::Sender::new(recording.status().borrow().clone()));
        Ok(Take {
            recording,
            to,
            job,
            status,
        })
    }

    pub fn path(&self) -> &Path {
        self.recording.path()
    }

    /// Pause and resume (the recording's file goes on after a pause).
    pub fn controls(&self) -> Controls {
        self.recording.controls()
    }

    /// The growing job, when the take was queued at Start.
    pub fn job_id(&self) -> Option<&str> {
        self.job.as_deref()
    }

    /// Live status through Finishing; the last value stays readable after the end.
    pub fn status(&self) -> watch::Receiver<RecordStatus> {
        self.status.subscribe()
    }

    /// Records until ffmpeg ends by itself or `stop` resolves, then stops it.
    pub async fn stop_when(self, stop: impl Future<Output = ()>) -> Stopped {
        let Take {
            recording,
            to,
            job,
            status,
        } = self;
        let mut ffmpeg = recording.status();
        let forward = {
            let status = status.clone();
            async move {
                while ffmpeg.changed().await.is_ok() {
                    let s = ffmpeg.borrow_and_update().clone();
                    status.send_modify(|own| {
                        let state = next(own.state, s.state);
                        *own = RecordStatus { state, ..s };
                    });
                }
                std::future::pending::<()>().await
            }
        };
        let asked = {
            let status = status.clone();
            async move {
                stop.await;
                status.send_modify(|s| s.state = next(s.state, RecordState::Stopping));
            }
        };
        let finished = tokio::select! {
            finished = recording.run_until(asked) => finished,
            () = forward => unreachable!("the forwarder never ends"),
        };
        status.send_modify(|s| {
            s.state = next(s.state, RecordState::Finished);
            s.bytes_written = finished.bytes;
            s.bytes_durable = finished.bytes;
            s.elapsed_secs = finished.elapsed_secs;
            if s.error.is_none() {
                s.error = finished.error.clone();
            }
        });
        Stopped {
            finished,
            to,
            job,
            status,
        }
    }
}

impl Stopped {
    pub fn bytes(&self) -> u64 {
        self.finished.bytes
    }

    pub fn elapsed_secs(&self) -> f64 {
        self.finished.elapsed_secs
    }

    /// Finishing: probes the file, fixes its size, makes and queues its thumbnail (an
    /// empty recording's job is cancelled instead); the recovery marker goes only when
    /// that worked, so a failure here leaves the file to be found again.
    pub async fn queue(self) -> Taken {
        let Stopped {
            finished,
            to,
            job,
            status,
        } = self;
        let mut empty = finished.bytes == 0;
        let queued: Result<Vec<String>, String> = match (&to, &job) {
            (None, _) => Ok(Vec::new()),
            (Some(_), None) if empty => Ok(Vec::new()),
            (Some(to), Some(job)) => {
                match intake::finish_recording_job(&to.queue, job, &to.thumbs_dir).await {
                    Ok((video, thumb)) => Ok(ids(thumb, video)),
                    // Stopped before a frame was encoded: a header and no video.
                    Err(IntakeError::NotAVideo(ProbeError::NotVideo { .. }))
                        if empty || finished.elapsed_secs == 0.0 =>
                    {
                        empty = true;
                        intake::drop_empty_recording(&to.queue, job)
                            .await
                            .map(|()| Vec::new())
                            .map_err(|e| e.to_string())
                    }
                    Err(e) if empty => Err(e.to_string()),
                    Err(e) => {
                        // Not left growing (waiting for bytes that never come): failed,
                        // in words; the file and its recovery marker are kept.
                        let why = format!(
                            "{e}; the recording is kept: `idance upload {}` tries it again",
                            finished.path.display()
                        );
                        let _ = lifecycle::apply(&to.queue, job, Transition::Fail, Some(why)).await;
                        Err(e.to_string())
                    }
                }
            }
            (Some(to), None) => {
                match intake::add_video(
                    &to.queue,
                    &finished.path,
                    to.session.clone(),
                    &to.thumbs_dir,
                )
                .await
                {
                    // Held for review: paused until trimmed or resumed.
                    Ok(i) if to.hold => lifecycle::pause(&to.queue, &i.video.job_id)
                        .await
                        .map(|_| ids(i.thumbnail_job, i.video))
                        .map_err(|e| e.to_string()),
                    Ok(i) => Ok(ids(i.thumbnail_job, i.video)),
                    Err(e) => Err(e.to_string()),
                }
            }
        };
        let mut error = finished.error.clone();
        let notice = finished.notice.clone();
        let (path, graceful, bytes, elapsed_secs) = (
            finished.path.clone(),
            finished.graceful,
            finished.bytes,
            finished.elapsed_secs,
        );
        let jobs = match queued {
            Ok(jobs) => {
                if let Err(e) = finished.hand_off() {
                    tracing::warn!("{}: recovery marker not removed: {e}", path.display());
                }
                jobs
            }
            Err(e) => {
                error.get_or_insert(Problem::new(
                    ProblemKind::NotQueued,
                    format!("{}: {e}", path.display()),
                ));
                Vec::new()
            }
        };
        if to.is_some() && empty {
            error.get_or_insert_with(|| Problem::new(ProblemKind::NothingRecorded, ""));
        }
        let ok = graceful && error.is_none();
        status.send_modify(|s| {
            s.state = if ok {
                RecordState::Finished
            } else {
                RecordState::Failed
            };
            s.error = error.clone();
        });
        Taken {
            path,
            bytes,
            elapsed_secs,
            graceful,
            error,
            notice,
            jobs,
        }
    }
}

fn ids(thumb: Option<crate::Job>, video: crate::Job) -> Vec<String> {
    thumb
        .into_iter()
        .chain(std::iter::once(video))
        .map(|j| j.job_id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use RecordState::*;

    #[test]
    fn a_take_never_goes_back_and_ffmpegs_end_is_finishing() {
        assert_eq!(next(Starting, Recording), Recording);
        // ffmpeg keeps reporting progress during the stop grace.
        assert_eq!(next(Stopping, Recording), Stopping);
        assert_eq!(next(Recording, Finished), Finishing);
        assert_eq!(next(Stopping, Failed), Finishing);
        assert_eq!(next(Finishing, Recording), Finishing);
        // Pause and resume go both ways; a stop while paused does not.
        assert_eq!(next(Recording, Paused), Paused);
        assert_eq!(next(Paused, Recording), Recording);
        assert_eq!(next(Starting, Paused), Paused);
        assert_eq!(next(Stopping, Paused), Stopping);
        assert_eq!(next(Paused, Finished), Finishing);
    }
}
