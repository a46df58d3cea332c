//! The app's recorder: preview before recording, one recording at a time (the slot,
//! `slot.rs`, holds it from Start until it is saved and queued), upload while recording.

mod slot;
pub use slot::RecordRequest;
pub(crate) use slot::RecorderSlot;

use crate::engine::Desktop;
use crate::error::DesktopError;
use crate::events::Event;
use idance_core::SessionChoice;
use idance_core::take::{Destination, Take};
use idance_media::record::{RecordSpec, RecordStatus};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// The recording space and encoder, as the Record screen shows them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecordingRoom {
    /// Under the warning level: say so before Record.
    pub low: bool,
    /// Minutes of recording that fit; None when the disk cannot tell (the UI words it).
    pub minutes_left: Option<f64>,
    /// "libx264 (software)".
    pub encoder: String,
}

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
    pub async fn start_preview(self: &Arc<Self>, req: RecordRequest) -> Result<(), DesktopError> {
        self.stop_preview().await;
        if self.record_status().is_some() {
            return Err(DesktopError::AlreadyRecording);
        }
        let dir = self.recordings_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| DesktopError::Refused(format!("cannot create {}: {e}", dir.display())))?;
        let _ = std::fs::remove_file(self.preview_path());
        let spec = slot::spec(&req, self.preview_path(), Vec::new(), None);
        let preview = idance_media::record::Preview::start(&spec, &self.preview_path())?;
        // The window reloads the picture when ffmpeg reports, not on a timer.
        let mut frames = preview.frames();
        let me = self.clone();
        tokio::spawn(async move {
            while frames.changed().await.is_ok() {
                let frame = *frames.borrow_and_update();
                me.emit(Event::Preview { frame });
            }
        });
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
        let (stop, stopped) = oneshot::channel();
        // The slot is claimed before anything starts, so a second Start is refused
        // while the first one is still opening its devices.
        self.recorder.claim(stop)?;
        let take = match self.begin(&req, title).await {
            Ok(take) => take,
            Err(e) => {
                self.recorder.release();
                return Err(e);
            }
        };
        let out = take.path().to_path_buf();
        self.recorder.running(take.status(), take.controls());
        self.changed().await;
        self.wake_uploads();
        let me = self.clone();
        tokio::spawn(async move { me.finish_recording(take, stopped).await });
        Ok(out)
    }

    async fn begin(
        &self,
        req: &RecordRequest,
        title: Option<String>,
    ) -> Result<Take, DesktopError> {
        let dir = self.recordings_dir();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| DesktopError::Refused(format!("cannot create {}: {e}", dir.display())))?;
        let _ = tokio::fs::remove_file(self.preview_path()).await;
        let out = dir.join(format!(
            "{}.mp4",
            chrono::Local::now().format("%Y-%m-%d_%H-%M-%S")
        ));
        let session = SessionChoice::New {
            title: title
                .clone()
                .or_else(|| out.file_stem().map(|s| s.to_string_lossy().into_owned())),
        };
        let link = self.link();
        let to = Destination {
            queue: self.queue.clone(),
            session,
            thumbs_dir: self.thumbs_dir(),
            hold: link.review_recordings,
        };
        // Online fast only when the recording uploads while it records.
        let online_fast = link.online_fast && !link.review_recordings;
        // Trials made once per machine and ffmpeg; remembered in the data folder.
        let encoders = idance_media::encoders::choose(&self.client_dir()).await;
        let spec = RecordSpec {
            video_cap: online_fast.then_some(idance_core::pace::CEILING_KBPS),
            ..slot::spec(
                req,
                self.preview_path(),
                encoders.usable(),
                Some(self.client_dir()),
            )
        };
        let take = Take::start(&spec, &out, title.as_deref(), Some(to)).await?;
        if online_fast {
            // Ends with the recording (its status closes).
            tokio::spawn(idance_core::pace::online_fast(
                take.controls(),
                take.status(),
                self.network.uplink().clone(),
            ));
        }
        Ok(take)
    }

    async fn finish_recording(self: Arc<Self>, take: Take, stopped: oneshot::Receiver<()>) {
        let mut status = take.status();
        let forward = {
            let me = self.clone();
            tokio::spawn(async move {
                let mut silent = false;
                while status.changed().await.is_ok() {
                    let s = status.borrow_and_update().clone();
                    // A dead microphone is told once, also outside the window: the
                    // instructor is teaching, not watching the meter.
                    if s.mic_silent && !silent {
                        me.emit(Event::Notice {
                            kind: crate::l10n::NoticeKind::MicSilent,
                            title: None,
                        });
                    }
                    silent = s.mic_silent;
                    me.emit(Event::Record(s));
                    // At most four updates a second reach the UI.
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            })
        };
        let last = take.status();
        let taken = take
            .stop_when(async {
                let _ = stopped.await;
            })
            .await
            .queue()
            .await;
        forward.abort();
        if let Some(e) = &taken.error {
            tracing::warn!("{}: {e}", taken.path.display());
        }
        if self.link().review_recordings && taken.error.is_none() && !taken.jobs.is_empty() {
            self.emit(Event::Notice {
                kind: crate::l10n::NoticeKind::ReviewSaved,
                title: None,
            });
        }
        // Only now may the next recording start.
        self.recorder.release();
        self.emit(Event::Record(last.borrow().clone()));
        self.changed().await;
        // The next round sends the thumbnail first, then the rest of the video; the
        // round in flight (other jobs' parts) is not interrupted.
        self.wake_uploads();
    }

    /// Asks the recording to stop (gracefully, with a bound); it stays in the slot,
    /// stopping then finishing, until it is queued.
    pub fn stop_recording(&self) -> Result<(), DesktopError> {
        self.recorder.stop()?;
        self.emit_record_status();
        Ok(())
    }

    pub fn record_status(&self) -> Option<RecordStatus> {
        self.recorder.status()
    }

    /// Pauses the recording: its ffmpeg process ends (the devices are free), nothing is
    /// recorded until Resume, and the file goes on after it.
    pub fn pause_recording(&self) -> Result<(), DesktopError> {
        self.recorder.controls()?.pause()?;
        self.emit_record_status();
        Ok(())
    }

    pub fn resume_recording(&self) -> Result<(), DesktopError> {
        self.recorder.controls()?.resume()?;
        self.emit_record_status();
        Ok(())
    }

    /// The button's answer at once; the take's own updates follow.
    fn emit_record_status(&self) {
        if let Some(s) = self.recorder.status() {
            self.emit(Event::Record(s));
        }
    }

    /// What the Record screen shows before Record: the recording space left on the
    /// recordings' disk and the encoder this machine records with.
    pub async fn recording_room(&self) -> RecordingRoom {
        let dir = self.recordings_dir();
        let room = tokio::task::spawn_blocking(move || idance_media::space::room(&dir))
            .await
            .ok()
            .and_then(Result::ok);
        let encoder = idance_media::encoders::choose(&self.client_dir()).await;
        RecordingRoom {
            low: room.is_some_and(|r| r.low),
            minutes_left: room.map(|r| r.minutes_left),
            encoder: encoder.chosen().label.to_string(),
        }
    }
}
