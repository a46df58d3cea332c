//! The slot of the app's one recording at a time: claimed at Start, its status and
//! controls while it runs, emptied only once it is saved and queued.

use crate::error::DesktopError;
use idance_media::encoders::Encoder;
use idance_media::record::{Controls, RecordSpec, RecordState, RecordStatus};
use serde::Deserialize;
use std::sync::Mutex;
use tokio::sync::{oneshot, watch};

/// What the Record screen asks for: device ids from the device list (or `lavfi:` test
/// sources), `None` to leave that input out.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct RecordRequest {
    pub screen: Option<String>,
    pub camera: Option<String>,
    pub mic: Option<String>,
    pub title: Option<String>,
}

/// The app's one recording, from Start until it is finished and queued: the slot is
/// emptied only then, so no second recording can start during the first one's stop
/// grace (and lose its stop sender to the first one's clean-up).
#[derive(Default)]
pub struct RecorderSlot {
    active: Mutex<Option<Active>>,
}

struct Active {
    /// Taken by Stop; None once Stop was asked.
    stop: Option<oneshot::Sender<()>>,
    /// The take's status, once its devices are open.
    status: Option<watch::Receiver<RecordStatus>>,
    /// Pause and resume, once it runs.
    controls: Option<Controls>,
}

impl RecorderSlot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Active>> {
        // The slot holds no invariant a panic could break half-way.
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn claim(&self, stop: oneshot::Sender<()>) -> Result<(), DesktopError> {
        let mut slot = self.lock();
        match slot.as_ref() {
            Some(a) if a.stop.is_none() => Err(DesktopError::StillSaving),
            Some(_) => Err(DesktopError::AlreadyRecording),
            None => {
                *slot = Some(Active {
                    stop: Some(stop),
                    status: None,
                    controls: None,
                });
                Ok(())
            }
        }
    }

    pub(crate) fn running(&self, status: watch::Receiver<RecordStatus>, controls: Controls) {
        if let Some(a) = self.lock().as_mut() {
            a.status = Some(status);
            a.controls = Some(controls);
        }
    }

    /// The running recording's pause and resume; none once Stop was asked.
    pub(crate) fn controls(&self) -> Result<Controls, DesktopError> {
        match self.lock().as_ref() {
            Some(Active {
                stop: Some(_),
                controls: Some(c),
                ..
            }) => Ok(c.clone()),
            Some(_) => Err(DesktopError::Record(
                idance_media::record::RecordError::Stopping,
            )),
            None => Err(DesktopError::NotRecording),
        }
    }

    pub(crate) fn release(&self) {
        *self.lock() = None;
    }

    pub(crate) fn stop(&self) -> Result<(), DesktopError> {
        let stop = self
            .lock()
            .as_mut()
            .and_then(|a| a.stop.take())
            .ok_or(DesktopError::NotRecording)?;
        let _ = stop.send(());
        Ok(())
    }

    pub(crate) fn status(&self) -> Option<RecordStatus> {
        let slot = self.lock();
        let a = slot.as_ref()?;
        let mut s = a
            .status
            .as_ref()
            .map(|s| s.borrow().clone())
            .unwrap_or_default();
        if a.stop.is_none() {
            // Asked to stop: the take catches up a moment later.
            s.state = s.state.max(RecordState::Stopping);
        }
        Some(s)
    }
}

/// The recording's spec; `encoders` best first, a failed one remembered in `cache`.
pub(crate) fn spec(
    req: &RecordRequest,
    preview: std::path::PathBuf,
    encoders: Vec<&'static Encoder>,
    cache: Option<std::path::PathBuf>,
) -> RecordSpec {
    let source = |s: &Option<String>| s.as_deref().map(idance_media::devices::Source::parse);
    RecordSpec {
        screen: source(&req.screen),
        camera: source(&req.camera),
        mic: source(&req.mic),
        preview: Some(preview),
        encoders,
        encoder_cache: cache,
        ..RecordSpec::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One status per state, as the Record screen gets them.
    #[test]
    fn the_ui_fixture_has_every_record_state() {
        use RecordState::*;
        let all = [
            Starting, Recording, Paused, Stopping, Finishing, Finished, Failed,
        ];
        // A new state does not compile here until it is in `all` (and the fixture).
        for s in all {
            match s {
                Starting | Recording | Paused | Stopping | Finishing | Finished | Failed => {}
            }
        }
        let statuses: Vec<RecordStatus> = all
            .into_iter()
            .map(|state| RecordStatus {
                state,
                elapsed_secs: 65.0,
                bytes_written: 2_500_000,
                bytes_durable: 2_000_000,
                fps: 30.0,
                dropped_frames: 0,
                audio_level_db: Some(-30.0),
                mic_silent: false,
                silent_readings: 0,
                error: (state == Failed).then(|| {
                    idance_media::problem::explain("/dev/video0: Device or resource busy")
                        .expect("a line the table knows")
                }),
                notice: (state == Finished)
                    .then(|| idance_media::problem::Problem::disk_almost_full(20_000_000)),
                encoder: Some("libx264 (software)".into()),
                // Online fast, capped to what the uplink carries.
                video_kbps: (state == Recording).then_some(3000),
                codec_changes: 0,
            })
            .collect();
        crate::fixtures::check("record_statuses.json", &statuses);
    }
}
