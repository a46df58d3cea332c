//! The client side of iDance Capture: an API client for the upload contract, a durable
//! upload queue in SQLite, and an uploader that resumes multipart uploads from what
//! storage already has. The CLI and the desktop app are thin layers over this crate.

pub mod api;
pub mod intake;
pub mod queue;
pub mod sync;
pub mod upload;

pub use api::{ApiClient, ClientError, ServerMode};
pub use intake::{
    Intake, IntakeError, SessionChoice, add_video, finish_recording_job, start_recording_job,
};
pub use queue::{Job, JobState, Queue, QueueError};
pub use sync::Runner;
pub use upload::{UploadError, Uploader, UploaderConfig};
