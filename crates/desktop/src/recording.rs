//! The app's recorder: preview before recording, one recording at a time (the slot
//! holds it from Start until it is saved and queued), upload while recording.

use crate::engine::{Desktop, DesktopError, Event};
use crate::library::jpeg_data_url;
use crate::recorder::{self, Active, RecordRequest};
use idance_core::{SessionChoice, add_video, finish_recording_job, start_recording_job};
use idance_media::record::{RecordState, RecordStatus, Recording};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

impl Desktop {
    pub async fn devices(&self) -> Vec<idance_media::devices::Device> {
        idance_media::devices::list().await
    }

    pub(crate) fn preview_path(&self) -> PathBuf {
        self.recordings_dir().join("preview.jpg")
    }

    /// A live preview of the chosen screen/camera before recording (to frame the
    /// camera). Replaces any running preview; refused while recording (the recording
    /// has its own preview from the same ffmpeg process).
    pub async fn start_preview(&self, req: RecordRequest) -> Result<(), DesktopError> {
        self.stop_preview().await;
        if self.record_status().is_some() {
            return Err(DesktopError::AlreadyRecording);
        }
        let dir = self.recordings_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| DesktopError::Refused(format!("cannot create {}: {e}", dir.display())))?;
        let _ = std::fs::remove_file(self.preview_path());
        let spec = recorder::spec(&req, self.preview_path());
        let preview = idance_media::record::Preview::start(&spec, &self.preview_path())?;
        *self.preview.lock().await = Some(preview);
        Ok(())
    }

    pub async fn stop_preview(&self) {
        if let Some(p) = self.preview.lock().await.take() {
            p.stop().await;
        }
    }

    /// Starts recording; the recording is queued at once and uploaded while it grows.
    pub async fn start_recording(
        self: &Arc<Self>,
        req: RecordRequest,
    ) -> Result<PathBuf, DesktopError> {
        // A camera cannot be opened twice: the preview process goes first.
        self.stop_preview().await;
        let title = req.title.clone().filter(|t| !t.trim().is_empty());
        let (out, stopped, status, recording) = {
            let mut slot = self
                .recorder
                .active
                .lock()
                .map_err(|_| DesktopError::AlreadyRecording)?;
            match slot.as_ref() {
                Some(a) if a.stop.is_none() => return Err(DesktopError::StillSaving),
                Some(_) => return Err(DesktopError::AlreadyRecording),
                None => {}
            }
            let dir = self.recordings_dir();
            std::fs::create_dir_all(&dir).map_err(|e| {
                DesktopError::Refused(format!("cannot create {}: {e}", dir.display()))
            })?;
            let _ = std::fs::remove_file(self.preview_path());
            let out = dir.join(format!(
                "{}.mp4",
                chrono::Local::now().format("%Y-%m-%d_%H-%M-%S")
            ));
            let recording = Recording::start(
                &recorder::spec(&req, self.preview_path()),
                &out,
                title.as_deref(),
            )?;
            let (stop, stopped) = oneshot::channel();
            let status = recording.status();
            *slot = Some(Active {
                stop: Some(stop),
                status: status.clone(),
            });
            (out, stopped, status, recording)
        };
        let choice = SessionChoice::New {
            title: title
                .clone()
                .or_else(|| out.file_stem().map(|s| s.to_string_lossy().into_owned())),
        };
        let job = match start_recording_job(&self.queue, &out, choice).await {
            Ok(job) => Some(job.job_id),
            Err(e) => {
                // Still recorded; it is queued after Stop instead.
                tracing::warn!("recording not queued while it runs: {e}");
                None
            }
        };
        self.changed().await;
        self.wake_uploads();
        let me = self.clone();
        tokio::spawn(async move {
            me.finish_recording(recording, stopped, status, job, title)
                .await
        });
        Ok(out)
    }

    pub(crate) async fn finish_recording(
        self: Arc<Self>,
        recording: Recording,
        stopped: oneshot::Receiver<()>,
        mut status: tokio::sync::watch::Receiver<RecordStatus>,
        job: Option<String>,
        title: Option<String>,
    ) {
        let forward = {
            let me = self.clone();
            tokio::spawn(async move {
                while status.changed().await.is_ok() {
                    let s = status.borrow_and_update().clone();
                    me.emit(Event::Record(s));
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            })
        };
        let finished = recording
            .run_until(async {
                let _ = stopped.await;
            })
            .await;
        forward.abort();
        let mut last = RecordStatus {
            state: if finished.graceful {
                RecordState::Finished
            } else {
                RecordState::Failed
            },
            elapsed_secs: finished.elapsed_secs,
            bytes_written: finished.bytes,
            bytes_durable: finished.bytes,
            error: finished.error.clone(),
            ..RecordStatus::default()
        };
        let thumbs = self.thumbs_dir();
        let queued = match (&job, finished.bytes) {
            (Some(job), 0) => idance_core::intake::drop_empty_recording(&self.queue, job)
                .await
                .map_err(|e| e.to_string()),
            (Some(job), _) => finish_recording_job(&self.queue, job, &thumbs)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            (None, 0) => Ok(()),
            (None, _) => {
                let stem = finished
                    .path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned());
                let choice = SessionChoice::New {
                    title: title.or(stem),
                };
                add_video(&self.queue, &finished.path, choice, &thumbs)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        };
        match queued {
            Ok(()) => {
                let _ = finished.hand_off();
            }
            Err(e) => {
                last.error.get_or_insert(format!(
                    "the recording is kept in {} but could not be queued: {e}",
                    finished.path.display()
                ));
            }
        }
        // Only now may the next recording start.
        if let Ok(mut slot) = self.recorder.active.lock() {
            *slot = None;
        }
        self.emit(Event::Record(last));
        self.changed().await;
        // The next round sends the thumbnail first, then the rest of the video; the
        // round in flight (other jobs' parts) is not interrupted.
        self.wake_uploads();
    }

    /// Asks the recording to stop (gracefully, with a bound); it stays in the slot as
    /// `stopping` until it is finished and queued.
    pub fn stop_recording(&self) -> Result<(), DesktopError> {
        let (stop, mut status) = {
            let mut slot = self
                .recorder
                .active
                .lock()
                .map_err(|_| DesktopError::NotRecording)?;
            let active = slot.as_mut().ok_or(DesktopError::NotRecording)?;
            let stop = active.stop.take().ok_or(DesktopError::NotRecording)?;
            (stop, active.status.borrow().clone())
        };
        let _ = stop.send(());
        status.state = RecordState::Stopping;
        self.emit(Event::Record(status));
        Ok(())
    }

    pub fn record_status(&self) -> Option<RecordStatus> {
        self.recorder.active.lock().ok()?.as_ref().map(|a| {
            let mut s = a.status.borrow().clone();
            if a.stop.is_none() {
                s.state = RecordState::Stopping;
            }
            s
        })
    }

    /// The latest preview frame of the running recording.
    pub async fn preview(&self) -> Option<String> {
        jpeg_data_url(&self.preview_path()).await
    }
}
