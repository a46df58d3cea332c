//! The app's one recording at a time: started from the Record screen, its status and
//! preview sent to the UI, and on Stop queued (with its thumbnail) to a new session.

use idance_media::record::{RecordSpec, RecordStatus};
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

#[derive(Default)]
pub struct RecorderSlot {
    pub(crate) active: Mutex<Option<Active>>,
}

/// The recording in the slot, from Start until it is finished and queued: the slot is
/// emptied only then, so no second recording can start during the first one's stop
/// grace (and lose its stop sender to the first one's clean-up).
pub(crate) struct Active {
    /// Taken by Stop; None while the recording is stopping.
    pub stop: Option<oneshot::Sender<()>>,
    pub status: watch::Receiver<RecordStatus>,
}

pub(crate) fn spec(req: &RecordRequest, preview: std::path::PathBuf) -> RecordSpec {
    let source = |s: &Option<String>| s.as_deref().map(idance_media::devices::Source::parse);
    RecordSpec {
        screen: source(&req.screen),
        camera: source(&req.camera),
        mic: source(&req.mic),
        preview: Some(preview),
        ..RecordSpec::default()
    }
}
