//! What the engine tells the window: events fire when something changed, never on a
//! timer. `src-tauri` forwards each one to the UI as it is.

use crate::progress::ProgressView;
use crate::views::JobView;
use idance_media::record::RecordStatus;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Progress(ProgressView),
    /// One job's view changed (None: the job is gone). A job the UI does not know yet
    /// is new: the UI fetches the queue view again to place it.
    JobChanged {
        job_id: String,
        view: Option<JobView>,
    },
    /// The sessions view changed: fetched again (it is small).
    SessionsChanged,
    Online {
        online: bool,
    },
    Record(RecordStatus),
    /// A new frame of the preview (before recording) is at the media scheme's `/preview`.
    Preview {
        frame: u64,
    },
    /// Files were opened with the app (command line, a second launch, the OS): the
    /// window takes them (`Desktop::take_opened`) and queues them as a drop.
    Opened,
    /// An update's status changed.
    Update(crate::update::UpdateStatus),
    /// Something the user should hear about (also a desktop notification), by kind:
    /// the window and `l10n` word it; `title` is the session's, when it has one.
    Notice {
        kind: crate::l10n::NoticeKind,
        title: Option<String>,
    },
}
